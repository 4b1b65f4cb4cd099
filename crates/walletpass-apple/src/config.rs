//! Configuration of the Apple backend: where the Pass Type ID certificate, its key (and the
//! key's password), the WWDR intermediate, the team and pass type ids come from, the data
//! directory (SQLite store, embedded test certificate), and the public URL passes are served
//! from. Every part can come from the environment ([`AppleConfig::from_env`]).
//!
//! | variable | meaning |
//! |---|---|
//! | `APPLE_PASS_CERT` | the Pass Type ID certificate: a path, or PEM text |
//! | `APPLE_PASS_KEY` | its private key: a path, or PEM text (PKCS#8, PKCS#1 or SEC1) |
//! | `APPLE_PASS_P12` | instead of the two above: a PKCS#12 (`.p12`) file holding both (path) |
//! | `APPLE_PASS_KEY_PASSWORD` | the password of an `ENCRYPTED PRIVATE KEY`, or of the `.p12` |
//! | `APPLE_WWDR_CERT` | Apple's WWDR intermediate that issued the certificate: a path, or PEM |
//! | `APPLE_TEAM_ID` | the team id (checked against the certificate's OU; default: the OU) |
//! | `APPLE_PASS_TYPE_ID` | the pass type id (checked against the certificate's UID; default: the UID) |
//! | `APPLE_DATA_DIR` | the data directory (default `./walletpass-apple`) |
//! | `APPLE_PUBLIC_URL` | where passes are served (https, or http to loopback); gives `webServiceURL` and the download link |
//! | `APPLE_ORGANIZATION_NAME` | `organizationName` when neither pass nor template gives one (default `walletpass`) |
//! | `APPLE_DATABASE_URL` | a `postgres://` URL: the PostgreSQL store instead of SQLite ([`crate::postgres`]) |
//! | `APPLE_DATABASE_CA` | a PEM file of the CA that issued the database server's certificate |
//!
//! With neither `APPLE_PASS_CERT` nor `APPLE_PASS_KEY` set, the embedded test certificate is
//! used ([`crate::testca`]).

use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;
use walletpass_core::vendor::{Lookup, env_value};
use walletpass_core::{Error, config_error};

use crate::PROVIDER;

/// The certificate variable.
pub const ENV_PASS_CERT: &str = "APPLE_PASS_CERT";
/// The key variable.
pub const ENV_PASS_KEY: &str = "APPLE_PASS_KEY";
/// The PKCS#12 variable (certificate and key in one `.p12` file).
pub const ENV_PASS_P12: &str = "APPLE_PASS_P12";
/// The key password variable.
pub const ENV_PASS_KEY_PASSWORD: &str = "APPLE_PASS_KEY_PASSWORD";
/// The WWDR variable.
pub const ENV_WWDR_CERT: &str = "APPLE_WWDR_CERT";
/// The team id variable.
pub const ENV_TEAM_ID: &str = "APPLE_TEAM_ID";
/// The pass type id variable.
pub const ENV_PASS_TYPE_ID: &str = "APPLE_PASS_TYPE_ID";
/// The data directory variable.
pub const ENV_DATA_DIR: &str = "APPLE_DATA_DIR";
/// The public URL variable.
pub const ENV_PUBLIC_URL: &str = "APPLE_PUBLIC_URL";
/// The default organization name variable.
pub const ENV_ORGANIZATION_NAME: &str = "APPLE_ORGANIZATION_NAME";
/// The data directory when none is configured.
pub const DEFAULT_DATA_DIR: &str = "walletpass-apple";

/// Where a certificate or key comes from.
#[derive(Clone)]
pub enum Source {
    /// A file.
    Path(PathBuf),
    /// The content itself (PEM text or DER bytes).
    Inline(Vec<u8>),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Source::Inline(b) => write!(f, "Inline(<{} bytes>)", b.len()),
        }
    }
}

impl Source {
    /// A variable's value: PEM text when it holds a PEM block, else a path.
    pub fn from_value(value: &str) -> Self {
        if value.contains("-----BEGIN") {
            Source::Inline(value.as_bytes().to_vec())
        } else {
            Source::Path(PathBuf::from(value))
        }
    }

    pub(crate) fn read(&self, what: &'static str) -> Result<Vec<u8>, crate::CertError> {
        match self {
            Source::Inline(b) => Ok(b.clone()),
            Source::Path(p) => std::fs::read(p).map_err(|source| crate::CertError::Read {
                what,
                path: p.clone(),
                source,
            }),
        }
    }
}

/// The signing certificate, its key and the WWDR intermediate.
#[derive(Clone)]
pub struct Certificates {
    /// The Pass Type ID certificate.
    pub certificate: Source,
    /// Its private key (secret: never shown).
    pub key: Source,
    /// The key's password, for an encrypted key.
    pub key_password: Option<SecretString>,
    /// Apple's WWDR intermediate that issued the certificate.
    pub wwdr: Option<Source>,
    /// `certificate` is a PKCS#12 file holding the key too (`key` is then not read).
    pub pkcs12: bool,
}

impl fmt::Debug for Certificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificates")
            .field("certificate", &self.certificate)
            .field("key", &"[REDACTED]")
            .field(
                "key_password",
                &self.key_password.as_ref().map(|_| "[REDACTED]"),
            )
            .field("wwdr", &self.wwdr)
            .field("pkcs12", &self.pkcs12)
            .finish()
    }
}

/// How to build an [`Apple`](crate::Apple) provider.
///
/// ```
/// use walletpass_apple::AppleConfig;
/// let vars = |name: &str| match name {
///     "APPLE_PASS_CERT" => Some("/etc/pass.pem".to_owned()),
///     "APPLE_PASS_KEY" => Some("/etc/pass-key.pem".to_owned()),
///     "APPLE_PASS_KEY_PASSWORD" => Some("hunter2-secret".to_owned()),
///     _ => None,
/// };
/// let config = AppleConfig::from_lookup(vars)?;
/// assert!(!format!("{config:?}").contains("hunter2-secret"));
/// # Ok::<(), walletpass_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct AppleConfig {
    /// The certificates; `None` uses the embedded test certificate.
    pub certificates: Option<Certificates>,
    /// The team id (default: the certificate's OU).
    pub team_id: Option<String>,
    /// The pass type id (default: the certificate's UID).
    pub pass_type_id: Option<String>,
    /// The data directory (SQLite store, embedded test certificate).
    pub data_dir: PathBuf,
    /// Keep the store in memory instead of a file (tests, benchmarks).
    pub in_memory: bool,
    /// Where passes are served: `webServiceURL` is `<public_url>/passkit`, the download link
    /// `<public_url>/passes/<pass type id>/<serial>.pkpass`. `None`: neither is written.
    pub public_url: Option<url::Url>,
    /// `organizationName` when neither the pass nor its template gives one.
    pub organization_name: String,
    /// The PostgreSQL store instead of SQLite.
    pub postgres: Option<crate::postgres::PostgresConfig>,
}

impl AppleConfig {
    /// The embedded test certificate, a store in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            certificates: None,
            team_id: None,
            pass_type_id: None,
            data_dir: data_dir.into(),
            in_memory: false,
            public_url: None,
            organization_name: "walletpass".into(),
            postgres: None,
        }
    }

    /// Use these certificates.
    pub fn with_certificates(mut self, certificates: Certificates) -> Self {
        self.certificates = Some(certificates);
        self
    }

    /// Set the team id.
    pub fn with_team_id(mut self, team_id: impl Into<String>) -> Self {
        self.team_id = Some(team_id.into());
        self
    }

    /// Set the pass type id.
    pub fn with_pass_type_id(mut self, id: impl Into<String>) -> Self {
        self.pass_type_id = Some(id.into());
        self
    }

    /// Keep the store in memory.
    pub fn in_memory(mut self) -> Self {
        self.in_memory = true;
        self
    }

    /// Set the public URL (https, or http to a loopback host).
    pub fn with_public_url(mut self, url: &str) -> Result<Self, Error> {
        self.public_url = Some(parse_public_url(url)?);
        Ok(self)
    }

    /// Keep the store in PostgreSQL at this `postgres://` URL ([`crate::postgres`]).
    pub fn with_postgres(mut self, url: &str) -> Result<Self, Error> {
        self.postgres = Some(crate::postgres::PostgresConfig::new(url)?);
        Ok(self)
    }

    /// The configuration from the environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The configuration from variables read through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Self::read(&lookup)
    }

    /// As [`from_lookup`](Self::from_lookup), over the registry's lookup type.
    pub(crate) fn read(lookup: Lookup<'_>) -> Result<Self, Error> {
        let get = |name: &str| env_value(lookup, name);
        let mut config = Self::new(get(ENV_DATA_DIR).unwrap_or_else(|| DEFAULT_DATA_DIR.into()));
        let key_password = get(ENV_PASS_KEY_PASSWORD).map(SecretString::from);
        let wwdr = get(ENV_WWDR_CERT).map(|v| Source::from_value(&v));
        config.certificates = match (get(ENV_PASS_P12), get(ENV_PASS_CERT), get(ENV_PASS_KEY)) {
            (None, None, None) => None,
            (Some(p12), None, None) => Some(Certificates {
                certificate: Source::Path(PathBuf::from(&p12)),
                key: Source::Path(PathBuf::from(p12)),
                key_password,
                wwdr,
                pkcs12: true,
            }),
            (None, Some(cert), Some(key)) => Some(Certificates {
                certificate: Source::from_value(&cert),
                key: Source::from_value(&key),
                key_password,
                wwdr,
                pkcs12: false,
            }),
            _ => return Err(crate::CertError::Incomplete.into()),
        };
        config.team_id = get(ENV_TEAM_ID);
        config.pass_type_id = get(ENV_PASS_TYPE_ID);
        if let Some(url) = get(ENV_PUBLIC_URL) {
            config.public_url = Some(parse_public_url(&url)?);
        }
        if let Some(name) = get(ENV_ORGANIZATION_NAME) {
            config.organization_name = name;
        }
        config.postgres = crate::postgres::PostgresConfig::from_lookup(get)?;
        Ok(config)
    }
}

fn parse_public_url(text: &str) -> Result<url::Url, Error> {
    let bad = |why: &str| config_error(PROVIDER, format!("{ENV_PUBLIC_URL}: '{text}' {why}"));
    let url = url::Url::parse(text).map_err(|_| bad("is not a URL"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(bad("must be https (plain http only to a loopback host)")),
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        // Not echoed: it may hold a password.
        return Err(config_error(
            PROVIDER,
            format!("{ENV_PUBLIC_URL}: must not hold credentials or a query"),
        ));
    }
    Ok(url)
}
