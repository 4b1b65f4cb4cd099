//! Where the PostgreSQL store is: a `postgres://` URL (`APPLE_DATABASE_URL`), checked before
//! any connection is made.
//!
//! - **TLS to anything but loopback.** A TCP host that is not `localhost` or a loopback
//!   address must be reached over TLS: `sslmode=disable` there is refused with an error
//!   naming the fix, and the default `prefer` (which would fall back to plain text) is raised
//!   to `require`. TLS always verifies the server's certificate chain and host name (libpq's
//!   `verify-full`), against the system's roots and, for a private CA, the PEM file in
//!   `APPLE_DATABASE_CA` (or `sslrootcert=` in the URL). `sslmode=verify-ca` and
//!   `verify-full` are accepted and mean `require`. A unix socket (`host=/run/postgresql`) is
//!   local and needs no TLS.
//! - **The password is a secret.** The URL is kept as a [`SecretString`]; `Debug` shows
//!   user, hosts, ports and database only, and every error made from the URL or a connection
//!   has the password removed.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::config::{Host, SslMode};
use walletpass_core::{Error, config_error};

use crate::PROVIDER;

/// The database URL variable: a `postgres://` URL selects the PostgreSQL store.
pub const ENV_DATABASE_URL: &str = "APPLE_DATABASE_URL";
/// The variable naming a PEM file of CA certificates the database server's certificate
/// chains to (a private CA), besides the system's roots.
pub const ENV_DATABASE_CA: &str = "APPLE_DATABASE_CA";
/// Connections a store opens at most when none is configured.
pub const DEFAULT_MAX_CONNECTIONS: usize = 8;

/// How to reach the PostgreSQL store.
///
/// ```
/// use walletpass_apple::postgres::PostgresConfig;
/// let config = PostgresConfig::new("postgres://app:hunter2-secret@db.internal/passes")?;
/// assert!(!format!("{config:?}").contains("hunter2-secret"));
/// // Plain text to a host that is not loopback is refused before connecting.
/// let err = PostgresConfig::new("postgres://app:hunter2-secret@db.internal/passes?sslmode=disable")
///     .unwrap_err();
/// assert!(err.to_string().contains("sslmode=disable"));
/// assert!(!err.to_string().contains("hunter2-secret"));
/// # Ok::<(), walletpass_core::Error>(())
/// ```
#[derive(Clone)]
pub struct PostgresConfig {
    url: SecretString,
    // Boxed: it is large, and this sits in every `AppleConfig`.
    pub(crate) inner: Box<tokio_postgres::Config>,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) max_connections: usize,
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresConfig")
            .field("target", &self.target())
            .field("ca_file", &self.ca_file)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl PostgresConfig {
    /// Parse and check a `postgres://` (or `postgresql://`) URL.
    pub fn new(url: &str) -> Result<Self, Error> {
        let url = url.trim();
        let secret = Redactor::of(url);
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(config_error(
                PROVIDER,
                format!(
                    "{ENV_DATABASE_URL} must be a postgres:// URL (postgres://USER:PASSWORD@HOST/DATABASE); unset it to use the embedded SQLite store"
                ),
            ));
        }
        let (rest, ca_file) = strip_libpq_only_options(url);
        let mut inner = tokio_postgres::Config::from_str(&rest).map_err(|e| {
            config_error(
                PROVIDER,
                secret.scrub(&format!(
                    "{ENV_DATABASE_URL} is not a usable postgres:// URL: {e}"
                )),
            )
        })?;
        if inner.get_hosts().is_empty() {
            return Err(config_error(
                PROVIDER,
                format!(
                    "{ENV_DATABASE_URL} names no host: write postgres://USER@HOST/DATABASE, or ?host=/run/postgresql for a unix socket"
                ),
            ));
        }
        if inner.get_connect_timeout().is_none() {
            inner.connect_timeout(std::time::Duration::from_secs(30));
        }
        if inner.get_application_name().is_none() {
            inner.application_name("walletpass");
        }
        let mut config = Self {
            url: SecretString::from(url.to_owned()),
            inner: Box::new(inner),
            ca_file,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        };
        config.enforce_tls()?;
        Ok(config)
    }

    /// Trust the CA certificates in this PEM file too (a private CA).
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Open at most `n` connections (at least one).
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// `APPLE_DATABASE_URL` and `APPLE_DATABASE_CA` read through `get` (values trimmed, empty
    /// as unset); `None` when no URL is set.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, Error> {
        let Some(url) = get(ENV_DATABASE_URL) else {
            return Ok(None);
        };
        let mut config = Self::new(&url)?;
        if let Some(ca) = get(ENV_DATABASE_CA) {
            config = config.with_ca_file(ca);
        }
        Ok(Some(config))
    }

    /// Whether TLS is used (always, for a host that is not loopback).
    pub fn requires_tls(&self) -> bool {
        self.inner.get_ssl_mode() == SslMode::Require
    }

    /// The target without the password: `user@host:port/database`.
    pub fn target(&self) -> String {
        let hosts: Vec<String> = self
            .inner
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let ports: Vec<String> = self.inner.get_ports().iter().map(u16::to_string).collect();
        format!(
            "{}@{}:{}/{}",
            self.inner.get_user().unwrap_or(""),
            hosts.join(","),
            if ports.is_empty() {
                "5432".to_owned()
            } else {
                ports.join(",")
            },
            self.inner.get_dbname().unwrap_or("")
        )
    }

    /// Remove the password from a message about this database.
    pub(crate) fn scrub(&self, message: &str) -> String {
        Redactor::of(self.url.expose_secret()).scrub(message)
    }

    fn enforce_tls(&mut self) -> Result<(), Error> {
        let remote = self
            .inner
            .get_hosts()
            .iter()
            .filter_map(|h| match h {
                Host::Tcp(name) if !is_loopback_name(name) => Some(name.clone()),
                _ => None,
            })
            .chain(
                self.inner
                    .get_hostaddrs()
                    .iter()
                    .filter(|a| !a.is_loopback())
                    .map(|a| a.to_string()),
            )
            .next();
        let Some(remote) = remote else {
            return Ok(());
        };
        match self.inner.get_ssl_mode() {
            SslMode::Disable => Err(config_error(
                PROVIDER,
                format!(
                    "{ENV_DATABASE_URL}: sslmode=disable to '{remote}', which is not a loopback host: plain connections are allowed only to loopback or a unix socket; remove sslmode=disable (TLS is then required), and set {ENV_DATABASE_CA} if the server's certificate is from a private CA"
                ),
            )),
            _ => {
                self.inner.ssl_mode(SslMode::Require);
                Ok(())
            }
        }
    }
}

fn is_loopback_name(name: &str) -> bool {
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The URL without the options only libpq knows: `sslmode=verify-ca|verify-full` becomes
/// `require` (TLS here always verifies), `sslrootcert=PATH` becomes the CA file.
fn strip_libpq_only_options(url: &str) -> (String, Option<PathBuf>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut ca = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslmode", "verify-ca" | "verify-full")) => kept.push("sslmode=require".into()),
            Some(("sslrootcert", path)) => ca = Some(PathBuf::from(percent_decode(path))),
            _ => kept.push(pair.to_owned()),
        }
    }
    if kept.is_empty() {
        (base.to_owned(), ca)
    } else {
        (format!("{base}?{}", kept.join("&")), ca)
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("v={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The password of a URL, in every spelling a message could hold.
struct Redactor(Vec<String>);

impl Redactor {
    fn of(url: &str) -> Self {
        let mut secrets = Vec::new();
        let authority = url
            .split_once("://")
            .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or(""))
            .unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
        {
            secrets.push(password.to_owned());
        }
        if let Some((_, query)) = url.split_once('?') {
            for pair in query.split('&') {
                if let Some(("password", password)) = pair.split_once('=') {
                    secrets.push(password.to_owned());
                }
            }
        }
        let decoded: Vec<String> = secrets.iter().map(|s| percent_decode(s)).collect();
        secrets.extend(decoded);
        secrets.retain(|s| !s.is_empty());
        // Longest first, so that a password containing another is removed whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self(secrets)
    }

    fn scrub(&self, message: &str) -> String {
        self.0.iter().fold(message.to_owned(), |m, s| {
            m.replace(s.as_str(), "[REDACTED]")
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;
    use walletpass_core::ErrorKind;

    #[test]
    fn a_remote_host_requires_tls_and_loopback_keeps_its_mode() {
        let remote = PostgresConfig::new("postgres://u:p@db.example.com/x").unwrap();
        assert!(remote.requires_tls(), "prefer must become require");
        let verify = PostgresConfig::new(
            "postgres://u:p@db.example.com/x?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        )
        .unwrap();
        assert!(verify.requires_tls());
        assert_eq!(verify.ca_file, Some(PathBuf::from("/etc/ca.pem")));
        for local in [
            "postgres://u:p@localhost/x?sslmode=disable",
            "postgres://u:p@127.0.0.1:5433/x?sslmode=disable",
            "postgres://u:p@[::1]/x?sslmode=disable",
            "postgres://u@localhost/x?host=%2Frun%2Fpostgresql&sslmode=disable",
        ] {
            let config = PostgresConfig::new(local).unwrap();
            assert!(!config.requires_tls(), "{local}");
        }
    }

    #[test]
    fn plain_text_to_a_remote_host_is_refused_without_the_password() {
        for url in [
            "postgres://app:s3cr%40t-pw@db.example.com/x?sslmode=disable",
            "postgres://app:s3cr%40t-pw@localhost/x?hostaddr=10.0.0.7&sslmode=disable",
            "postgres://app@db.example.com/x?password=s3cr%40t-pw&sslmode=disable",
        ] {
            let err = PostgresConfig::new(url).unwrap_err();
            let text = format!("{err} {err:?}");
            assert_eq!(err.kind(), ErrorKind::Config);
            assert!(text.contains("sslmode=disable"), "{text}");
            assert!(text.contains("APPLE_DATABASE_CA"), "{text}");
            assert!(!text.contains("s3cr"), "{text}");
        }
    }

    #[test]
    fn the_password_is_in_no_debug_and_no_parse_error() {
        let config =
            PostgresConfig::new("postgres://app:s3cr%40t-pw@localhost:5433/passes").unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cr"), "{debug}");
        assert!(debug.contains("app@localhost:5433/passes"), "{debug}");
        assert_eq!(
            config.scrub("failed for s3cr@t-pw and s3cr%40t-pw"),
            "failed for [REDACTED] and [REDACTED]"
        );
        let err = PostgresConfig::new("postgres://app:s3cr%40t-pw@localhost/x?port=notaport")
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cr"), "{err:?}");
        let err = PostgresConfig::new("mysql://app:s3cr@localhost/x").unwrap_err();
        assert!(err.to_string().contains("postgres://"), "{err}");
        assert!(!err.to_string().contains("s3cr"), "{err}");
    }

    #[test]
    fn from_lookup_reads_the_url_and_the_ca() {
        let vars = |name: &str| match name {
            ENV_DATABASE_URL => Some("postgres://u@db.example.com/x".to_owned()),
            ENV_DATABASE_CA => Some("/etc/db-ca.pem".to_owned()),
            _ => None,
        };
        let config = PostgresConfig::from_lookup(vars).unwrap().unwrap();
        assert_eq!(config.ca_file, Some(PathBuf::from("/etc/db-ca.pem")));
        assert!(PostgresConfig::from_lookup(|_| None).unwrap().is_none());
    }
}
