//! Building a provider from configuration or from the environment.
//!
//! | provider | variables |
//! |---|---|
//! | `memory` | none |
//! | `passninja` | `PASSNINJA_API_KEY`, `PASSNINJA_ACCOUNT_ID`, optional `PASSNINJA_BASE_URL` |
//! | `ubpass` | `UBPASS_API_KEY` or `UBPASS_TOKEN`, optional `UBPASS_WORKSPACE_ID`, `UBPASS_BASE_URL` |
//! | `passinstance` | `PASSINSTANCE_TOKEN` or `PASSINSTANCE_API_KEY`, optional `PASSINSTANCE_BASE_URL` |
//! | `apple` | none (embedded test certificate); `APPLE_PASS_CERT` + `APPLE_PASS_KEY` or `APPLE_PASS_P12`, `APPLE_WWDR_CERT`, optional `APPLE_PASS_KEY_PASSWORD`, `APPLE_TEAM_ID`, `APPLE_PASS_TYPE_ID`, `APPLE_DATA_DIR`, `APPLE_PUBLIC_URL` |
//!
//! `WALLETPASS_PROVIDER` names the provider [`from_env`] builds (default `memory`).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use walletpass_core::http::RetryPolicy;

use walletpass_core::{Error, ErrorKind, MemoryProvider, Operation, Result, WalletProvider};

/// The providers this build knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderKind {
    /// The in-memory reference provider.
    Memory,
    /// PassNinja.
    #[cfg(feature = "passninja")]
    PassNinja,
    /// ubpass.
    #[cfg(feature = "ubpass")]
    Ubpass,
    /// Passinstance.
    #[cfg(feature = "passinstance")]
    Passinstance,
    /// Apple Wallet passes signed here, no vendor.
    #[cfg(feature = "apple")]
    Apple,
}

impl ProviderKind {
    /// Every provider compiled into this build.
    pub const ALL: &'static [ProviderKind] = &[
        ProviderKind::Memory,
        #[cfg(feature = "passninja")]
        ProviderKind::PassNinja,
        #[cfg(feature = "ubpass")]
        ProviderKind::Ubpass,
        #[cfg(feature = "passinstance")]
        ProviderKind::Passinstance,
        #[cfg(feature = "apple")]
        ProviderKind::Apple,
    ];

    /// The name used in configuration (`WALLETPASS_PROVIDER`, `--provider`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Memory => "memory",
            #[cfg(feature = "passninja")]
            ProviderKind::PassNinja => "passninja",
            #[cfg(feature = "ubpass")]
            ProviderKind::Ubpass => "ubpass",
            #[cfg(feature = "passinstance")]
            ProviderKind::Passinstance => "passinstance",
            #[cfg(feature = "apple")]
            ProviderKind::Apple => "apple",
        }
    }
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
                    ErrorKind::Config,
                    format!(
                        "provider: unknown provider '{name}'; expected one of: {}",
                        known.join(", ")
                    ),
                )
                .with_operation(Operation::Configure)
            })
    }
}

/// How to build a provider.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ProviderConfig {
    /// The in-memory reference provider.
    Memory,
    /// PassNinja.
    #[cfg(feature = "passninja")]
    PassNinja(walletpass_passninja::PassNinjaConfig),
    /// ubpass.
    #[cfg(feature = "ubpass")]
    Ubpass(walletpass_ubpass::UbpassConfig),
    /// Passinstance.
    #[cfg(feature = "passinstance")]
    Passinstance(walletpass_passinstance::PassinstanceConfig),
    /// Apple Wallet passes signed here.
    #[cfg(feature = "apple")]
    Apple(walletpass_apple::AppleConfig),
}

impl ProviderConfig {
    /// The configuration of `kind` from its environment variables, with an optional base URL
    /// that overrides the vendor's (a simulator, staging, a proxy).
    pub fn from_env(kind: ProviderKind, base_url: Option<&str>) -> Result<Self> {
        Self::from_lookup(kind, base_url, |name| std::env::var(name).ok())
    }

    /// The same, reading variables through `lookup` (for tests and config files).
    pub fn from_lookup(
        kind: ProviderKind,
        base_url: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let _ = (&base_url, &lookup);
        match kind {
            ProviderKind::Memory => Ok(ProviderConfig::Memory),
            #[cfg(feature = "passninja")]
            ProviderKind::PassNinja => {
                let config = walletpass_passninja::PassNinjaConfig::from_lookup(lookup)?;
                Ok(ProviderConfig::PassNinja(match base_url {
                    Some(url) => config.with_base_url(url),
                    None => config,
                }))
            }
            #[cfg(feature = "ubpass")]
            ProviderKind::Ubpass => {
                let config = walletpass_ubpass::UbpassConfig::from_lookup(lookup)?;
                Ok(ProviderConfig::Ubpass(match base_url {
                    Some(url) => config.with_base_url(url),
                    None => config,
                }))
            }
            #[cfg(feature = "passinstance")]
            ProviderKind::Passinstance => {
                let config = walletpass_passinstance::PassinstanceConfig::from_lookup(lookup)?;
                Ok(ProviderConfig::Passinstance(match base_url {
                    Some(url) => config.with_base_url(url),
                    None => config,
                }))
            }
            #[cfg(feature = "apple")]
            ProviderKind::Apple => match base_url {
                Some(_) => Err(Error::new(
                    ErrorKind::Config,
                    "base_url: the apple provider calls no API (it signs passes here); unset --base-url / WALLETPASS_BASE_URL, and set APPLE_PUBLIC_URL for where passes are served",
                )
                .with_operation(Operation::Configure)),
                None => Ok(ProviderConfig::Apple(
                    walletpass_apple::AppleConfig::from_lookup(lookup)?,
                )),
            },
        }
    }

    /// Set the timeout of one attempt, whichever vendor this configures. The memory provider
    /// sends no requests: HTTP settings do not apply to it.
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
        self.map_http(|c| *c.timeout = timeout)
    }

    /// Set the retry policy (429, 5xx and connection failures), whichever vendor this
    /// configures.
    pub fn with_retry(self, retry: RetryPolicy) -> Self {
        self.map_http(|c| *c.retry = retry.clone())
    }

    /// Limit requests per second on the client side, whichever vendor this configures.
    pub fn with_rate_limit(self, rps: f64) -> Self {
        self.map_http(|c| *c.rate_limit = Some(rps))
    }

    /// Apply `f` to the HTTP settings of the vendor configuration, if any.
    fn map_http(mut self, f: impl Fn(&mut HttpSettings<'_>)) -> Self {
        let _ = &f; // unused in a build without vendors
        match &mut self {
            ProviderConfig::Memory => {}
            #[cfg(feature = "apple")]
            ProviderConfig::Apple(_) => {}
            #[cfg(feature = "passninja")]
            ProviderConfig::PassNinja(c) => f(&mut HttpSettings {
                timeout: &mut c.timeout,
                retry: &mut c.retry,
                rate_limit: &mut c.rate_limit,
            }),
            #[cfg(feature = "ubpass")]
            ProviderConfig::Ubpass(c) => f(&mut HttpSettings {
                timeout: &mut c.timeout,
                retry: &mut c.retry,
                rate_limit: &mut c.rate_limit,
            }),
            #[cfg(feature = "passinstance")]
            ProviderConfig::Passinstance(c) => f(&mut HttpSettings {
                timeout: &mut c.timeout,
                retry: &mut c.retry,
                rate_limit: &mut c.rate_limit,
            }),
        }
        self
    }

    /// Whether `self` and `other` reach the same vendor account, as far as the settings show:
    /// the same vendor and API root (compared without a trailing `/`), and the same account
    /// (PassNinja: account id; ubpass: workspace id, or the same credential when neither names
    /// one; Passinstance: the same credential, since nothing else names the account). Two
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
        #[cfg(any(feature = "passninja", feature = "ubpass", feature = "passinstance"))]
        fn root(url: &str) -> &str {
            url.trim().trim_end_matches('/')
        }
        #[cfg(any(feature = "ubpass", feature = "passinstance"))]
        fn same_secret(
            a: &walletpass_core::SecretString,
            b: &walletpass_core::SecretString,
        ) -> bool {
            use walletpass_core::ExposeSecret;
            a.expose_secret() == b.expose_secret()
        }
        match (self, other) {
            #[cfg(feature = "passninja")]
            (ProviderConfig::PassNinja(a), ProviderConfig::PassNinja(b)) => {
                root(&a.base_url) == root(&b.base_url) && a.account_id == b.account_id
            }
            #[cfg(feature = "ubpass")]
            (ProviderConfig::Ubpass(a), ProviderConfig::Ubpass(b)) => {
                use walletpass_ubpass::UbpassAuth;
                let same_credential = match (&a.auth, &b.auth) {
                    (UbpassAuth::ApiKey(x), UbpassAuth::ApiKey(y))
                    | (UbpassAuth::Bearer(x), UbpassAuth::Bearer(y)) => same_secret(x, y),
                    _ => false,
                };
                root(&a.base_url) == root(&b.base_url)
                    && match (&a.workspace_id, &b.workspace_id) {
                        (Some(x), Some(y)) => x == y,
                        (None, None) => same_credential,
                        _ => false,
                    }
            }
            #[cfg(feature = "passinstance")]
            (ProviderConfig::Passinstance(a), ProviderConfig::Passinstance(b)) => {
                use walletpass_passinstance::Credentials;
                root(&a.base_url) == root(&b.base_url)
                    && match (&a.credentials, &b.credentials) {
                        (Credentials::Bearer(x), Credentials::Bearer(y))
                        | (Credentials::ApiKey(x), Credentials::ApiKey(y)) => same_secret(x, y),
                        _ => false,
                    }
            }
            #[cfg(feature = "apple")]
            (ProviderConfig::Apple(a), ProviderConfig::Apple(b)) => {
                !a.in_memory && !b.in_memory && a.data_dir == b.data_dir
            }
            _ => false,
        }
    }

    /// Which provider this configures.
    pub fn kind(&self) -> ProviderKind {
        match self {
            ProviderConfig::Memory => ProviderKind::Memory,
            #[cfg(feature = "passninja")]
            ProviderConfig::PassNinja(_) => ProviderKind::PassNinja,
            #[cfg(feature = "ubpass")]
            ProviderConfig::Ubpass(_) => ProviderKind::Ubpass,
            #[cfg(feature = "passinstance")]
            ProviderConfig::Passinstance(_) => ProviderKind::Passinstance,
            #[cfg(feature = "apple")]
            ProviderConfig::Apple(_) => ProviderKind::Apple,
        }
    }
}

/// The HTTP knobs every vendor configuration has, borrowed.
struct HttpSettings<'a> {
    timeout: &'a mut Duration,
    retry: &'a mut RetryPolicy,
    rate_limit: &'a mut Option<f64>,
}

/// Build a provider.
pub fn connect(config: ProviderConfig) -> Result<Arc<dyn WalletProvider>> {
    match config {
        ProviderConfig::Memory => Ok(Arc::new(MemoryProvider::new())),
        #[cfg(feature = "passninja")]
        ProviderConfig::PassNinja(c) => Ok(Arc::new(walletpass_passninja::PassNinja::new(c)?)),
        #[cfg(feature = "ubpass")]
        ProviderConfig::Ubpass(c) => Ok(Arc::new(walletpass_ubpass::Ubpass::new(c)?)),
        #[cfg(feature = "passinstance")]
        ProviderConfig::Passinstance(c) => {
            Ok(Arc::new(walletpass_passinstance::Passinstance::new(c)?))
        }
        #[cfg(feature = "apple")]
        ProviderConfig::Apple(c) => Ok(Arc::new(walletpass_apple::Apple::new(c)?)),
    }
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
    secret: walletpass_core::SecretString,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Box<dyn walletpass_core::WebhookVerifier>> {
    let _ = &lookup;
    match kind {
        ProviderKind::Memory => {
            walletpass_core::require_webhook_secret("memory", &secret)?;
            Ok(Box::new(
                walletpass_core::memory::MemoryWebhookVerifier::new(secret),
            ))
        }
        #[cfg(feature = "passninja")]
        ProviderKind::PassNinja => {
            walletpass_core::require_webhook_secret(walletpass_passninja::PROVIDER, &secret)?;
            Ok(Box::new(
                walletpass_passninja::PassNinjaWebhookVerifier::new(secret),
            ))
        }
        #[cfg(feature = "ubpass")]
        ProviderKind::Ubpass => Err(Error::unsupported(
            walletpass_ubpass::PROVIDER,
            Operation::VerifyWebhook,
        )),
        #[cfg(feature = "passinstance")]
        ProviderKind::Passinstance => {
            use walletpass_passinstance::webhook;
            walletpass_core::require_webhook_secret(walletpass_passinstance::PROVIDER, &secret)?;
            let scheme = webhook::webhook_scheme_from_lookup(lookup)?;
            Ok(Box::new(
                webhook::PassinstanceWebhookVerifier::new(secret).with_scheme(scheme),
            ))
        }
        ProviderKind::Apple => Err(Error::unsupported(
            walletpass_apple::PROVIDER,
            Operation::VerifyWebhook,
        )),
    }
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

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

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
        assert!(!ProviderConfig::Memory.same_account(&ProviderConfig::Memory));
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
            let err = ProviderConfig::from_lookup(*kind, None, vars(&[])).unwrap_err();
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
