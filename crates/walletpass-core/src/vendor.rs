//! The vendor descriptor: what the facade, the command line, the conformance harness and the
//! README need to know of one backend, declared once in the backend's own `vendor.rs`.
//!
//! A backend implements [`Vendor`] on a unit type: its [`VendorInfo`] (name, environment
//! variables with their meaning, conformance defaults, whether a simulator exists), how its
//! configuration is read from an environment-style lookup, how a provider is built from it,
//! whether two configurations reach the same account, and its webhook verifier. The facade's
//! registry lists these types, one line each; everything else loops over the list.
//!
//! Every vendor reads its variables by one rule ([`env_value`]): values are trimmed and an
//! empty value is unset. Where a vendor takes one of two credentials, setting both is a
//! configuration error on every vendor ([`one_of`]): silently preferring one would drop what
//! the user sent, and the two may name different accounts.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use secrecy::SecretString;

use crate::error::{Error, ErrorKind, Operation, Result};
use crate::http::HttpOptions;
use crate::model::{FieldSpec, TemplateId};
use crate::provider::WalletProvider;
use crate::webhook::WebhookVerifier;

/// An environment-style lookup: the value of a variable, if set.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Whether a variable must be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// It must be set.
    Required,
    /// Exactly one of the vendor's variables marked `OneOf` must be set.
    OneOf,
    /// It may be set.
    Optional,
}

/// One environment variable a vendor reads, for help texts and README tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvVar {
    /// The variable's name.
    pub name: &'static str,
    /// Whether it must be set.
    pub need: Need,
    /// What it holds, in a few words.
    pub meaning: &'static str,
}

impl EnvVar {
    /// A variable that must be set.
    pub const fn required(name: &'static str, meaning: &'static str) -> Self {
        Self {
            name,
            need: Need::Required,
            meaning,
        }
    }

    /// One of the vendor's alternative credentials.
    pub const fn one_of(name: &'static str, meaning: &'static str) -> Self {
        Self {
            name,
            need: Need::OneOf,
            meaning,
        }
    }

    /// A variable that may be set.
    pub const fn optional(name: &'static str, meaning: &'static str) -> Self {
        Self {
            name,
            need: Need::Optional,
            meaning,
        }
    }
}

/// What the conformance suite needs of a vendor that the command line can supply by itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConformanceDefaults {
    /// A well-formed pass id no account has.
    pub unknown_id: Option<&'static str>,
    /// A pass id the backend refuses before sending anything.
    pub malformed_id: Option<&'static str>,
    /// A delivery body in the vendor's documented webhook format.
    pub webhook_sample: Option<&'static str>,
    /// The variables holding credentials, each with a wrong value of the right form.
    pub wrong_credentials: &'static [(&'static str, &'static str)],
    /// The vendor refuses `http://` webhook receivers.
    pub https_receivers_only: bool,
    /// A fresh store holds no template: the suite makes its own (and deletes it afterwards).
    pub makes_suite_template: bool,
    /// Webhook subscriptions cannot be deleted through the API.
    pub undeletable_webhooks: bool,
    /// The backend sends webhook deliveries over the network (the memory provider records
    /// them only), so the suite's delivery scenario needs a receiver.
    pub sends_webhooks: bool,
}

/// The static facts of one vendor.
#[derive(Clone, Copy, Debug)]
pub struct VendorInfo {
    /// The name used in configuration (`WALLETPASS_PROVIDER`, `--provider`), errors and spans.
    pub name: &'static str,
    /// The name as the vendor writes it (`PassNinja`).
    pub title: &'static str,
    /// The crate that holds the backend.
    pub crate_name: &'static str,
    /// Every variable the vendor reads, in the order help texts show them.
    pub env: &'static [EnvVar],
    /// The variables to check when the vendor refuses the credentials, in words.
    pub credentials_hint: &'static str,
    /// The variable of the vendor's API root, where it has one.
    pub base_url_env: Option<&'static str>,
    /// The vendor's documented API root, where it has one.
    pub default_base_url: Option<&'static str>,
    /// A simulator of the vendor exists (in `walletpass-sim`, under the same name).
    pub simulator: bool,
    /// What the conformance suite uses by default.
    pub conformance: ConformanceDefaults,
}

impl VendorInfo {
    /// The variables that hold a credential (required or one of two), for hints.
    pub fn credential_vars(&self) -> impl Iterator<Item = &'static EnvVar> + use<> {
        self.env.iter().filter(|v| v.need != Need::Optional)
    }

    /// The credential variables in words: `A and B`, `A (or B)`, or `none`.
    pub fn credentials_in_words(&self) -> String {
        let required: Vec<&str> = self
            .env
            .iter()
            .filter(|v| v.need == Need::Required)
            .map(|v| v.name)
            .collect();
        let one_of: Vec<&str> = self
            .env
            .iter()
            .filter(|v| v.need == Need::OneOf)
            .map(|v| v.name)
            .collect();
        let mut parts = Vec::new();
        if let Some((first, rest)) = one_of.split_first() {
            if rest.is_empty() {
                parts.push((*first).to_owned());
            } else {
                parts.push(format!("{first} (or {})", rest.join(" or ")));
            }
        }
        parts.extend(required.iter().map(|s| (*s).to_owned()));
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(" and ")
        }
    }
}

/// One backend, as the registry sees it. Implemented on a unit type in the backend's
/// `vendor.rs`; every function is associated (no `self`), so the registry lists types.
pub trait Vendor: 'static {
    /// The backend's configuration.
    type Config: Clone + fmt::Debug + Send + Sync + 'static;

    /// The static facts.
    fn info() -> &'static VendorInfo;

    /// The configuration from variables read through `lookup` (trimmed, empty is unset), with
    /// an optional base URL that overrides the vendor's (a simulator, staging, a proxy).
    fn from_lookup(lookup: Lookup<'_>, base_url: Option<&str>) -> Result<Self::Config>;

    /// Build the provider.
    fn build(config: Self::Config) -> Result<Arc<dyn WalletProvider>>;

    /// Whether two configurations reach the same account, as far as the settings show (a
    /// `false` is not a proof that they do not).
    fn same_account(a: &Self::Config, b: &Self::Config) -> bool;

    /// The HTTP options of the configuration; `None` for a backend that sends no requests.
    fn http(config: &mut Self::Config) -> Option<&mut HttpOptions>;

    /// A configuration that runs on this machine with no account, keeping its state under
    /// `dir` (the memory provider, a backend with no vendor); `None` for a vendor that needs
    /// an account (its simulator stands in, see `walletpass-sim`).
    fn local_config(dir: &Path) -> Option<Result<Self::Config>> {
        let _ = dir;
        None
    }

    /// Declare templates' field specs (labels, placements, defaults) where the vendor keeps
    /// them out of its API (PassNinja's dashboard). `false`, leaving the configuration as it
    /// is, where the vendor stores them on each pass or template itself.
    fn declare_field_specs(
        config: &mut Self::Config,
        specs: BTreeMap<TemplateId, Vec<FieldSpec>>,
    ) -> bool {
        let _ = (config, specs);
        false
    }

    /// The verifier (and signer) of the vendor's inbound webhook deliveries for `secret`, built
    /// without API credentials (only the secret and the vendor's optional webhook settings,
    /// read through `lookup`). An empty secret is refused. Unsupported by default.
    fn webhook_verifier(
        secret: SecretString,
        lookup: Lookup<'_>,
    ) -> Result<Box<dyn WebhookVerifier>> {
        let _ = (secret, lookup);
        Err(Error::unsupported(
            Self::info().name,
            Operation::VerifyWebhook,
        ))
    }
}

/// A configuration error of `provider`, at configure time: the one constructor every backend's
/// config uses.
pub fn config_error(provider: &'static str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Config, message.into())
        .with_provider(provider)
        .with_operation(Operation::Configure)
}

/// The value of `name`, trimmed; unset or empty (after trimming) is `None`. The one rule every
/// vendor reads its variables by.
///
/// ```
/// use walletpass_core::vendor::env_value;
/// let lookup = |name: &str| match name {
///     "A" => Some("  value \n".to_owned()),
///     "B" => Some("   ".to_owned()),
///     _ => None,
/// };
/// assert_eq!(env_value(&lookup, "A").as_deref(), Some("value"));
/// assert_eq!(env_value(&lookup, "B"), None);
/// assert_eq!(env_value(&lookup, "C"), None);
/// ```
pub fn env_value(lookup: Lookup<'_>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Which of two alternative credentials is set.
#[derive(Clone, PartialEq, Eq)]
pub enum OneOf {
    /// The first variable, with its value.
    First(String),
    /// The second variable, with its value.
    Second(String),
    /// Neither.
    Neither,
}

impl fmt::Debug for OneOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OneOf::First(_) => "First([REDACTED])",
            OneOf::Second(_) => "Second([REDACTED])",
            OneOf::Neither => "Neither",
        })
    }
}

/// Read two alternative credentials by [`env_value`]'s rule: both set is a configuration
/// error naming both (the same answer on every vendor), neither set is [`OneOf::Neither`] for
/// the vendor to word.
///
/// ```
/// use walletpass_core::vendor::{OneOf, one_of};
/// let both = |_: &str| Some("x".to_owned());
/// let err = one_of("demo", &both, "DEMO_TOKEN", "DEMO_API_KEY").unwrap_err();
/// assert!(err.to_string().contains("DEMO_TOKEN and DEMO_API_KEY are both set"));
/// let none = |_: &str| Some(" ".to_owned());
/// assert_eq!(one_of("demo", &none, "DEMO_TOKEN", "DEMO_API_KEY")?, OneOf::Neither);
/// # Ok::<(), walletpass_core::Error>(())
/// ```
pub fn one_of(
    provider: &'static str,
    lookup: Lookup<'_>,
    first: &str,
    second: &str,
) -> Result<OneOf> {
    match (env_value(lookup, first), env_value(lookup, second)) {
        (Some(_), Some(_)) => Err(config_error(
            provider,
            format!("{first} and {second} are both set; set exactly one"),
        )),
        (Some(v), None) => Ok(OneOf::First(v)),
        (None, Some(v)) => Ok(OneOf::Second(v)),
        (None, None) => Ok(OneOf::Neither),
    }
}

/// The `base_url` override, or else the vendor's base URL variable, by [`env_value`]'s rule.
pub fn base_url_of(lookup: Lookup<'_>, base_url: Option<&str>, variable: &str) -> Option<String> {
    base_url
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .or_else(|| env_value(lookup, variable))
}

/// A lookup over fixed `(name, value)` pairs (tests, config files, a simulator's variables).
///
/// ```
/// let lookup = walletpass_core::vendor::vars(&[("A", "1")]);
/// assert_eq!(lookup("A").as_deref(), Some("1"));
/// assert_eq!(lookup("B"), None);
/// ```
pub fn vars<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[(K, V)],
) -> impl Fn(&str) -> Option<String> + Clone + Send + Sync + use<K, V> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_words_names_alternatives_and_required_ones() {
        static ENV: [EnvVar; 4] = [
            EnvVar::one_of("DEMO_TOKEN", "token"),
            EnvVar::one_of("DEMO_KEY", "key"),
            EnvVar::required("DEMO_ACCOUNT", "account"),
            EnvVar::optional("DEMO_BASE_URL", "root"),
        ];
        let info = VendorInfo {
            name: "demo",
            title: "Demo",
            crate_name: "demo",
            env: &ENV,
            credentials_hint: "DEMO_TOKEN",
            base_url_env: Some("DEMO_BASE_URL"),
            default_base_url: None,
            simulator: false,
            conformance: ConformanceDefaults::default(),
        };
        assert_eq!(
            info.credentials_in_words(),
            "DEMO_TOKEN (or DEMO_KEY) and DEMO_ACCOUNT"
        );
        assert_eq!(info.credential_vars().count(), 3);
    }

    #[test]
    fn an_override_wins_over_the_variable_and_blank_is_unset() {
        let lookup = vars(&[("X_BASE_URL", " http://127.0.0.1:9/v1 ")]);
        assert_eq!(
            base_url_of(&lookup, None, "X_BASE_URL").as_deref(),
            Some("http://127.0.0.1:9/v1")
        );
        assert_eq!(
            base_url_of(&lookup, Some("https://a.example"), "X_BASE_URL").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            base_url_of(&lookup, Some("  "), "X_BASE_URL").as_deref(),
            Some("http://127.0.0.1:9/v1")
        );
    }
}
