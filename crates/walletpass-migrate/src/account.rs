//! The identity of the account a side of a migration reaches, as recorded in the checkpoint: the
//! vendor, its API root and the account (PassNinja account id, ubpass workspace id) or, where
//! nothing else names the account, a fingerprint of the credential. It holds no secret: the
//! fingerprint is a truncated SHA-256 of a domain-separated credential, enough to tell two
//! credentials apart and useless to call the vendor with.
//!
//! It follows [`ProviderConfig::same_account`]: two configurations with the same identity are
//! the same account as far as the settings show.

use sha2::{Digest, Sha256};
use walletpass::{ExposeSecret, ProviderConfig, SecretString};

fn fingerprint(secret: &SecretString) -> String {
    let mut hash = Sha256::new();
    hash.update(b"walletpass-migrate checkpoint account fingerprint\n");
    hash.update(secret.expose_secret().as_bytes());
    let digest = hex::encode(hash.finalize());
    format!("sha256:{}", &digest[..16])
}

fn root(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

/// The non-secret identity of the account `config` reaches.
///
/// ```
/// use walletpass::{ProviderConfig, ProviderKind};
/// use walletpass_migrate::account::identity;
/// let vars = |token: &'static str| {
///     move |name: &str| (name == "PASSINSTANCE_TOKEN").then(|| token.to_owned())
/// };
/// let kind = ProviderKind::Passinstance;
/// let a = ProviderConfig::from_lookup(kind, Some("https://api.passinstance.com/api/v1/"), vars("t1"))?;
/// let b = ProviderConfig::from_lookup(kind, None, vars("t1"))?;
/// let c = ProviderConfig::from_lookup(kind, None, vars("t2"))?;
/// assert_eq!(identity(&a), identity(&b));
/// assert_ne!(identity(&a), identity(&c));
/// assert!(!identity(&a).contains("t1"));
/// # Ok::<(), walletpass::Error>(())
/// ```
pub fn identity(config: &ProviderConfig) -> String {
    use walletpass::passinstance::Credentials;
    use walletpass::ubpass::UbpassAuth;
    match config {
        ProviderConfig::Memory(_) => "memory".into(),
        ProviderConfig::PassNinja(c) => {
            format!(
                "passninja {} account {}",
                root(&c.http.base_url),
                c.account_id
            )
        }
        ProviderConfig::Ubpass(c) => match (&c.workspace_id, &c.auth) {
            (Some(w), _) => format!("ubpass {} workspace {w}", root(&c.http.base_url)),
            (None, UbpassAuth::ApiKey(k)) => {
                format!(
                    "ubpass {} api key {}",
                    root(&c.http.base_url),
                    fingerprint(k)
                )
            }
            (None, UbpassAuth::Bearer(t)) => {
                format!("ubpass {} token {}", root(&c.http.base_url), fingerprint(t))
            }
        },
        ProviderConfig::Passinstance(c) => match &c.credentials {
            Credentials::Bearer(t) => format!(
                "passinstance {} token {}",
                root(&c.http.base_url),
                fingerprint(t)
            ),
            Credentials::ApiKey(k) => format!(
                "passinstance {} api key {}",
                root(&c.http.base_url),
                fingerprint(k)
            ),
        },
        other => other.kind().to_string(),
    }
}
