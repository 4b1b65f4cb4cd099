//! Building a provider from configuration or from the environment, through the vendor
//! registry ([`crate::registry`]): the variables each provider reads are in its descriptor
//! ([`ProviderKind::info`]), and `walletpass --help` and the README list them.
//!
//! `WALLETPASS_PROVIDER` names the provider [`from_env`] builds (default `memory`).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use walletpass_core::http::{HttpOptions, RetryPolicy};
use walletpass_core::vendor::{Lookup, VendorInfo};
use walletpass_core::{Error, Operation, Result, SecretString, WalletProvider, WebhookVerifier};

pub use crate::registry::{ProviderConfig, ProviderKind};

/// Generates [`ProviderKind`], [`ProviderConfig`] and their dispatch from the registry's list
/// of `Variant => Descriptor` lines (see [`crate::registry`]).
macro_rules! registry {
    ($(
        $(#[doc = $doc:literal])*
        $(#[cfg($cfg:meta)])?
        $variant:ident => $vendor:ty
    ),* $(,)?) => {
        /// The providers this build knows, one per registry line.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ProviderKind {
            $( $(#[doc = $doc])* $(#[cfg($cfg)])? $variant, )*
        }

        impl ProviderKind {
            /// Every provider compiled into this build, in registry order.
            pub const ALL: &'static [ProviderKind] = &[
                $( $(#[cfg($cfg)])? ProviderKind::$variant, )*
            ];

            /// The provider's descriptor: name, variables, conformance defaults.
            pub fn info(self) -> &'static walletpass_core::VendorInfo {
                match self {
                    $( $(#[cfg($cfg)])? ProviderKind::$variant => <$vendor as walletpass_core::Vendor>::info(), )*
                }
            }

            pub(crate) fn read(
                self,
                lookup: walletpass_core::vendor::Lookup<'_>,
                base_url: Option<&str>,
            ) -> walletpass_core::Result<ProviderConfig> {
                match self {
                    $( $(#[cfg($cfg)])? ProviderKind::$variant => {
                        <$vendor as walletpass_core::Vendor>::from_lookup(lookup, base_url).map(ProviderConfig::$variant)
                    } )*
                }
            }

            /// A configuration that runs on this machine with no account, keeping its
            /// state under `dir`; `None` for a vendor that needs an account.
            pub fn local_config(
                self,
                dir: &std::path::Path,
            ) -> Option<walletpass_core::Result<ProviderConfig>> {
                match self {
                    $( $(#[cfg($cfg)])? ProviderKind::$variant => {
                        <$vendor as walletpass_core::Vendor>::local_config(dir)
                            .map(|c| c.map(ProviderConfig::$variant))
                    } )*
                }
            }

            pub(crate) fn verifier(
                self,
                secret: walletpass_core::SecretString,
                lookup: walletpass_core::vendor::Lookup<'_>,
            ) -> walletpass_core::Result<Box<dyn walletpass_core::WebhookVerifier>> {
                match self {
                    $( $(#[cfg($cfg)])? ProviderKind::$variant => {
                        <$vendor as walletpass_core::Vendor>::webhook_verifier(secret, lookup)
                    } )*
                }
            }
        }

        /// How to build a provider: the configuration of one registry line's backend.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum ProviderConfig {
            $(
                $(#[doc = $doc])* $(#[cfg($cfg)])?
                $variant(<$vendor as walletpass_core::Vendor>::Config),
            )*
        }

        impl ProviderConfig {
            /// Which provider this configures.
            pub fn kind(&self) -> ProviderKind {
                match self {
                    $( $(#[cfg($cfg)])? ProviderConfig::$variant(_) => ProviderKind::$variant, )*
                }
            }

            /// The HTTP options, for a backend that sends requests.
            pub fn http_mut(&mut self) -> Option<&mut walletpass_core::http::HttpOptions> {
                match self {
                    $( $(#[cfg($cfg)])? ProviderConfig::$variant(c) => <$vendor as walletpass_core::Vendor>::http(c), )*
                }
            }

            /// Declare templates' field specs where the vendor keeps labels and placements
            /// out of its API (PassNinja); `false` where that does not apply.
            pub fn declare_field_specs(
                &mut self,
                specs: std::collections::BTreeMap<
                    walletpass_core::TemplateId,
                    Vec<walletpass_core::FieldSpec>,
                >,
            ) -> bool {
                match self {
                    $( $(#[cfg($cfg)])? ProviderConfig::$variant(c) => {
                        <$vendor as walletpass_core::Vendor>::declare_field_specs(c, specs)
                    } )*
                }
            }

            pub(crate) fn same_backend_account(&self, other: &ProviderConfig) -> bool {
                #[allow(unreachable_patterns)] // with a single backend compiled in
                match (self, other) {
                    $( $(#[cfg($cfg)])?
                    (ProviderConfig::$variant(a), ProviderConfig::$variant(b)) => {
                        <$vendor as walletpass_core::Vendor>::same_account(a, b)
                    } )*
                    _ => false,
                }
            }

            pub(crate) fn build(
                self,
            ) -> walletpass_core::Result<std::sync::Arc<dyn walletpass_core::WalletProvider>> {
                match self {
                    $( $(#[cfg($cfg)])? ProviderConfig::$variant(c) => <$vendor as walletpass_core::Vendor>::build(c), )*
                }
            }
        }
    };
}
pub(crate) use registry;

impl ProviderKind {
    /// The name used in configuration (`WALLETPASS_PROVIDER`, `--provider`).
    pub fn as_str(self) -> &'static str {
        self.info().name
    }
}

/// The descriptors of every provider compiled into this build, in registry order.
pub fn vendors() -> impl Iterator<Item = &'static VendorInfo> {
    ProviderKind::ALL.iter().map(|k| k.info())
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = Error;
    fn from_str(name: &str) -> Result<Self> {
        ProviderKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                let known: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::new(
                    walletpass_core::ErrorKind::Config,
                    format!(
                        "provider: unknown provider '{name}'; expected one of: {}",
                        known.join(", ")
                    ),
                )
                .with_operation(Operation::Configure)
            })
    }
}

impl ProviderConfig {
    /// The memory provider's configuration (there is nothing to configure).
    pub fn memory() -> Self {
        ProviderConfig::Memory(walletpass_core::memory::MemoryConfig)
    }

    /// The configuration of `kind` from its environment variables, with an optional base URL
    /// that overrides the vendor's (a simulator, staging, a proxy).
    pub fn from_env(kind: ProviderKind, base_url: Option<&str>) -> Result<Self> {
        Self::from_lookup(kind, base_url, |name| std::env::var(name).ok())
    }

    /// The same, reading variables through `lookup` (for tests and config files). Every
    /// vendor reads them by one rule: values are trimmed, an empty value is unset, and two
    /// alternative credentials both set is an error.
    pub fn from_lookup(
        kind: ProviderKind,
        base_url: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let lookup: Lookup<'_> = &lookup;
        kind.read(lookup, base_url)
    }

    /// Set the timeout of one attempt, whichever vendor this configures. The memory and apple
    /// providers send no requests: HTTP settings do not apply to them.
    ///
    /// ```
    /// use std::time::Duration;
    /// use walletpass::{ProviderConfig, ProviderKind};
    /// let vars = |name: &str| (name == "PASSINSTANCE_TOKEN").then(|| "t".to_owned());
    /// let config = ProviderConfig::from_lookup(ProviderKind::Passinstance, None, vars)?
    ///     .with_timeout(Duration::from_secs(5))
    ///     .with_rate_limit(10.0);
    /// let provider = walletpass::connect(config)?;
    /// assert_eq!(provider.name(), "passinstance");
    /// # Ok::<(), walletpass::Error>(())
    /// ```
    pub fn with_timeout(self, timeout: Duration) -> Self {
        self.map_http(|h| h.timeout = timeout)
    }

    /// Set the retry policy (429, 5xx and connection failures), whichever vendor this
    /// configures.
    pub fn with_retry(self, retry: RetryPolicy) -> Self {
        self.map_http(|h| h.retry = retry)
    }

    /// Limit requests per second on the client side, whichever vendor this configures.
    pub fn with_rate_limit(self, rps: f64) -> Self {
        self.map_http(|h| h.rate_limit = Some(rps))
    }

    /// Apply `f` to the HTTP options of the vendor configuration, if any.
    fn map_http(mut self, f: impl FnOnce(&mut HttpOptions)) -> Self {
        if let Some(http) = self.http_mut() {
            f(http);
        }
        self
    }

    /// Whether `self` and `other` reach the same vendor account, as far as the settings show:
    /// the same vendor, and the same account by the vendor's own rule (its descriptor's
    /// `same_account`: PassNinja: API root and account id; ubpass: API root and workspace id,
    /// or the same credential when neither names one; Passinstance: API root and the same
    /// credential, since nothing else names the account; apple: the same data directory). Two
    /// memory configurations are never the same: each builds its own store.
    ///
    /// Two different credentials of one Passinstance account cannot be told apart here: a
    /// `false` is not a proof.
    ///
    /// ```
    /// use walletpass::{ProviderConfig, ProviderKind};
    /// let vars = |token: &'static str| {
    ///     move |name: &str| (name == "PASSINSTANCE_TOKEN").then(|| token.to_owned())
    /// };
    /// let kind = ProviderKind::Passinstance;
    /// let a = ProviderConfig::from_lookup(kind, Some("https://api.passinstance.com/api/v1/"), vars("t1"))?;
    /// let b = ProviderConfig::from_lookup(kind, None, vars("t1"))?;
    /// let c = ProviderConfig::from_lookup(kind, None, vars("t2"))?;
    /// assert!(a.same_account(&b));
    /// assert!(!a.same_account(&c));
    /// # Ok::<(), walletpass::Error>(())
    /// ```
    pub fn same_account(&self, other: &ProviderConfig) -> bool {
        self.same_backend_account(other)
    }
}

/// Build a provider.
pub fn connect(config: ProviderConfig) -> Result<Arc<dyn WalletProvider>> {
    config.build()
}

/// The verifier (and signer) of `kind`'s inbound webhook deliveries for `secret`, without a
/// provider: it needs no API credentials, only the subscription's secret (and, for
/// Passinstance, the optional `PASSINSTANCE_WEBHOOK_*` scheme settings, read through `lookup`).
/// An empty secret is refused; ubpass has no webhooks.
///
/// ```
/// use walletpass::{ProviderKind, SecretString};
/// let none = |_: &str| None;
/// let verifier = walletpass::webhook_verifier(ProviderKind::Passinstance, SecretString::from("whsec_1"), none)?;
/// let headers = verifier.sign(b"{}")?;
/// assert!(walletpass::webhook_verifier(ProviderKind::Passinstance, SecretString::from(""), none).is_err());
/// # Ok::<(), walletpass::Error>(())
/// ```
pub fn webhook_verifier(
    kind: ProviderKind,
    secret: SecretString,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Box<dyn WebhookVerifier>> {
    kind.verifier(secret, &lookup)
}

/// Build the provider named by `WALLETPASS_PROVIDER` (default `memory`) from its environment
/// variables.
pub fn from_env() -> Result<Arc<dyn WalletProvider>> {
    let kind = match std::env::var("WALLETPASS_PROVIDER") {
        Ok(name) => name.parse()?,
        Err(_) => ProviderKind::Memory,
    };
    connect(ProviderConfig::from_env(kind, None)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    use walletpass_core::ErrorKind;
    use walletpass_core::vendor::vars;

    #[cfg(all(feature = "passninja", feature = "ubpass"))]
    #[test]
    fn same_account_is_told_by_account_or_workspace_not_by_key() {
        let pn = |key: &str, account: &str, url: Option<&str>| {
            let pairs = [
                ("PASSNINJA_API_KEY", key),
                ("PASSNINJA_ACCOUNT_ID", account),
            ];
            ProviderConfig::from_lookup(ProviderKind::PassNinja, url, vars(&pairs)).unwrap()
        };
        let a = pn("k1", "aid_0xa01", None);
        assert!(a.same_account(&pn(
            "k2",
            "aid_0xa01",
            Some("https://api.passninja.com/v1/")
        )));
        assert!(!a.same_account(&pn("k1", "aid_0xa02", None)));
        assert!(!a.same_account(&pn("k1", "aid_0xa01", Some("http://127.0.0.1:9/v1"))));
        let ub = |pairs: &[(&str, &str)]| {
            ProviderConfig::from_lookup(ProviderKind::Ubpass, None, vars(pairs)).unwrap()
        };
        let w1 = ub(&[("UBPASS_API_KEY", "k1"), ("UBPASS_WORKSPACE_ID", "w1")]);
        assert!(w1.same_account(&ub(&[
            ("UBPASS_API_KEY", "k2"),
            ("UBPASS_WORKSPACE_ID", "w1")
        ])));
        assert!(!w1.same_account(&ub(&[
            ("UBPASS_API_KEY", "k1"),
            ("UBPASS_WORKSPACE_ID", "w2")
        ])));
        assert!(ub(&[("UBPASS_API_KEY", "k1")]).same_account(&ub(&[("UBPASS_API_KEY", "k1")])));
        assert!(!ub(&[("UBPASS_API_KEY", "k1")]).same_account(&ub(&[("UBPASS_API_KEY", "k2")])));
        assert!(!ProviderConfig::memory().same_account(&ProviderConfig::memory()));
        assert!(!a.same_account(&w1));
    }

    #[cfg(feature = "apple")]
    #[test]
    fn apple_builds_from_its_variables_with_no_account() {
        let dir =
            std::env::temp_dir().join(format!("walletpass-connect-apple-{}", std::process::id()));
        let data_dir = dir.to_string_lossy().into_owned();
        let pairs = [("APPLE_DATA_DIR", data_dir.as_str())];
        let lookup = vars(&pairs);
        let config = ProviderConfig::from_lookup(ProviderKind::Apple, None, &lookup).unwrap();
        assert_eq!(config.kind(), ProviderKind::Apple);
        assert!(config.same_account(
            &ProviderConfig::from_lookup(ProviderKind::Apple, None, &lookup).unwrap()
        ));
        assert_eq!(connect(config).unwrap().name(), "apple");
        let err =
            ProviderConfig::from_lookup(ProviderKind::Apple, Some("http://127.0.0.1:9"), &lookup)
                .unwrap_err();
        assert!(err.to_string().contains("APPLE_PUBLIC_URL"), "{err}");
        let pairs = [
            ("APPLE_DATA_DIR", data_dir.as_str()),
            ("APPLE_PASS_CERT", "/x.pem"),
        ];
        let half = vars(&pairs);
        let err = ProviderConfig::from_lookup(ProviderKind::Apple, None, half).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unknown_provider_names_the_known_ones() {
        let err = "nope".parse::<ProviderKind>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        for kind in ProviderKind::ALL {
            assert!(err.to_string().contains(kind.as_str()), "{err}");
            assert_eq!(
                kind.as_str()
                    .to_uppercase()
                    .parse::<ProviderKind>()
                    .unwrap(),
                *kind
            );
        }
    }

    #[test]
    fn each_vendor_builds_from_its_variables_and_names_what_is_missing() {
        let cases: &[(ProviderKind, &[(&str, &str)])] = &[
            #[cfg(feature = "passninja")]
            (
                ProviderKind::PassNinja,
                &[
                    ("PASSNINJA_API_KEY", "k"),
                    ("PASSNINJA_ACCOUNT_ID", "aid_0x1"),
                ],
            ),
            #[cfg(feature = "ubpass")]
            (ProviderKind::Ubpass, &[("UBPASS_API_KEY", "k")]),
            #[cfg(feature = "passinstance")]
            (ProviderKind::Passinstance, &[("PASSINSTANCE_TOKEN", "t")]),
        ];
        for (kind, pairs) in cases {
            let config =
                ProviderConfig::from_lookup(*kind, Some("http://127.0.0.1:9/v1"), vars(pairs))
                    .unwrap();
            assert_eq!(config.kind(), *kind);
            let provider = connect(config).unwrap();
            assert_eq!(provider.name(), kind.as_str());
            let err =
                ProviderConfig::from_lookup(*kind, None, vars::<&str, &str>(&[])).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{kind}: {err}");
        }
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused_for_every_vendor() {
        for kind in ProviderKind::ALL
            .iter()
            .filter(|k| **k != ProviderKind::Memory)
        {
            let lookup = vars(&[
                ("PASSNINJA_API_KEY", "k"),
                ("PASSNINJA_ACCOUNT_ID", "aid_0x1"),
                ("UBPASS_API_KEY", "k"),
                ("PASSINSTANCE_TOKEN", "t"),
            ]);
            let result = ProviderConfig::from_lookup(*kind, Some("http://example.com/v1"), lookup)
                .and_then(connect);
            assert_eq!(result.unwrap_err().kind(), ErrorKind::Config, "{kind}");
        }
    }
}
