//! Configuration of update pushes: the APNs endpoint, how we authenticate to it, and the
//! worker's knobs (coalescing window, concurrency, retries, lease).
//!
//! | variable | meaning |
//! |---|---|
//! | `APPLE_APNS_URL` | the APNs endpoint (default `https://api.push.apple.com`; passes use production only, apple-wallet.md §4) |
//! | `APPLE_APNS_KEY` | token authentication: the `.p8` key (a path, or PEM text); without it, the Pass Type ID certificate authenticates (TLS client certificate) |
//! | `APPLE_APNS_KEY_ID` | the `.p8` key's id (the JWT `kid`); required with `APPLE_APNS_KEY` |
//! | `APPLE_APNS_TEAM_ID` | the JWT `iss` (default: the certificate's team id) |
//! | `APPLE_APNS_CA` | an extra CA certificate (path or PEM) to trust for the endpoint: simulators only |
//! | `APPLE_PUSH_WINDOW_MS` | the coalescing window: changes within it become one push per device (default 2000) |
//! | `APPLE_PUSH_CONCURRENCY` | pushes in flight at once (default 32) |
//! | `APPLE_PUSH_LEASE_SECS` | how long a claimed push stays this process's: one that dies holding pushes loses them to the other processes after this (default 60) |

use std::time::Duration;

use secrecy::SecretString;
use walletpass_core::{Error, config_error};

use crate::PROVIDER;
use crate::config::Source;

/// The endpoint variable.
pub const ENV_APNS_URL: &str = "APPLE_APNS_URL";
/// The `.p8` key variable.
pub const ENV_APNS_KEY: &str = "APPLE_APNS_KEY";
/// The key id variable.
pub const ENV_APNS_KEY_ID: &str = "APPLE_APNS_KEY_ID";
/// The JWT issuer (team id) variable.
pub const ENV_APNS_TEAM_ID: &str = "APPLE_APNS_TEAM_ID";
/// The extra trusted CA variable.
pub const ENV_APNS_CA: &str = "APPLE_APNS_CA";
/// The coalescing window variable.
pub const ENV_PUSH_WINDOW_MS: &str = "APPLE_PUSH_WINDOW_MS";
/// The concurrency variable.
pub const ENV_PUSH_CONCURRENCY: &str = "APPLE_PUSH_CONCURRENCY";
/// The lease variable.
pub const ENV_PUSH_LEASE_SECS: &str = "APPLE_PUSH_LEASE_SECS";
/// The default lease of a claimed push.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// Apple's production APNs endpoint.
pub const APNS_PRODUCTION: &str = "https://api.push.apple.com";

/// How pushes authenticate to APNs (apple-wallet.md §4 "Authentication": both are used for
/// passes; we support both).
#[derive(Clone)]
pub enum ApnsAuth {
    /// TLS client authentication with the Pass Type ID certificate and key.
    Certificate,
    /// A provider token: an ES256 JWT from a `.p8` key.
    Token {
        /// The key id (`kid`).
        key_id: String,
        /// The team id (`iss`); `None`: the certificate's.
        team_id: Option<String>,
        /// The `.p8` key, PEM (secret).
        key: SecretString,
    },
}

impl std::fmt::Debug for ApnsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApnsAuth::Certificate => f.write_str("Certificate"),
            ApnsAuth::Token {
                key_id, team_id, ..
            } => f
                .debug_struct("Token")
                .field("key_id", key_id)
                .field("team_id", team_id)
                .field("key", &"[REDACTED]")
                .finish(),
        }
    }
}

/// How the push worker runs.
#[derive(Clone, Debug)]
pub struct PushConfig {
    /// The APNs endpoint (`https://`, or `http://` to loopback is refused too: APNs is TLS).
    pub endpoint: url::Url,
    /// How to authenticate.
    pub auth: ApnsAuth,
    /// Extra CA certificates (PEM) trusted for the endpoint (simulators).
    pub extra_roots_pem: Vec<String>,
    /// Changes within this window after the first become one push per device.
    pub window: Duration,
    /// Pushes in flight at once.
    pub concurrency: usize,
    /// Most attempts of one push (429, 5xx, transport errors are retried).
    pub max_attempts: u32,
    /// The first retry delay; it doubles per attempt up to `max_backoff`.
    pub first_backoff: Duration,
    /// The longest retry delay.
    pub max_backoff: Duration,
    /// How long a claimed push stays ours: a process that dies holding it loses it after this.
    pub lease: Duration,
    /// How often the queue is looked at when it was empty.
    pub poll: Duration,
    /// Most pushes claimed at once.
    pub batch: usize,
    /// The timeout of one APNs request.
    pub timeout: Duration,
}

impl PushConfig {
    /// Certificate authentication to `endpoint`, with the default knobs.
    pub fn new(endpoint: &str) -> Result<Self, Error> {
        let endpoint = url::Url::parse(endpoint)
            .ok()
            .filter(|u| u.scheme() == "https")
            .ok_or_else(|| {
                config_error(
                    PROVIDER,
                    format!(
                        "{ENV_APNS_URL}: '{endpoint}' is not an https URL (APNs is HTTP/2 over TLS)"
                    ),
                )
            })?;
        Ok(Self {
            endpoint,
            auth: ApnsAuth::Certificate,
            extra_roots_pem: Vec::new(),
            window: Duration::from_secs(2),
            concurrency: 32,
            max_attempts: 8,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            lease: DEFAULT_LEASE,
            poll: Duration::from_millis(250),
            batch: 256,
            timeout: Duration::from_secs(10),
        })
    }

    /// Trust `ca_pem` for the endpoint too.
    pub fn trust_ca_pem(mut self, ca_pem: impl Into<String>) -> Self {
        self.extra_roots_pem.push(ca_pem.into());
        self
    }

    /// Set the coalescing window.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Set the lease of a claimed push (how long before another process may send a push
    /// this one claimed and did not finish).
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Authenticate with a provider token.
    pub fn with_auth(mut self, auth: ApnsAuth) -> Self {
        self.auth = auth;
        self
    }

    /// The configuration from the environment; `Ok(None)` when `APPLE_APNS_URL` is unset and
    /// `default_endpoint` is false (the embedded test certificate: real APNs refuses it).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        default_endpoint: bool,
    ) -> Result<Option<Self>, Error> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let endpoint = match get(ENV_APNS_URL) {
            Some(url) => url,
            None if default_endpoint => APNS_PRODUCTION.to_owned(),
            None => return Ok(None),
        };
        let mut config = Self::new(&endpoint)?;
        if let Some(key) = get(ENV_APNS_KEY) {
            let key_id = get(ENV_APNS_KEY_ID).ok_or_else(|| {
                config_error(PROVIDER, format!(
                    "{ENV_APNS_KEY} is set but {ENV_APNS_KEY_ID} is not: set the key id shown with the .p8 key in the Apple developer portal"
                ))
            })?;
            let pem = Source::from_value(&key)
                .read(ENV_APNS_KEY)
                .map_err(|e| config_error(PROVIDER, e.to_string()))?;
            let pem = String::from_utf8(pem).map_err(|_| {
                config_error(PROVIDER, format!("{ENV_APNS_KEY}: not a PEM .p8 key"))
            })?;
            config.auth = ApnsAuth::Token {
                key_id,
                team_id: get(ENV_APNS_TEAM_ID),
                key: SecretString::from(pem),
            };
        }
        if let Some(ca) = get(ENV_APNS_CA) {
            let pem = Source::from_value(&ca)
                .read(ENV_APNS_CA)
                .map_err(|e| config_error(PROVIDER, e.to_string()))?;
            config.extra_roots_pem.push(
                String::from_utf8(pem)
                    .map_err(|_| config_error(PROVIDER, format!("{ENV_APNS_CA}: not PEM")))?,
            );
        }
        if let Some(ms) = get(ENV_PUSH_WINDOW_MS) {
            let ms: u64 = ms.parse().map_err(|_| {
                config_error(
                    PROVIDER,
                    format!("{ENV_PUSH_WINDOW_MS}: '{ms}' is not a number of milliseconds"),
                )
            })?;
            config.window = Duration::from_millis(ms);
        }
        if let Some(n) = get(ENV_PUSH_CONCURRENCY) {
            config.concurrency = n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                config_error(
                    PROVIDER,
                    format!("{ENV_PUSH_CONCURRENCY}: '{n}' is not a positive number"),
                )
            })?;
        }
        if let Some(secs) = get(ENV_PUSH_LEASE_SECS) {
            config.lease = parse_lease(&secs)?;
        }
        Ok(Some(config))
    }
}

/// A lease in whole seconds, at least 1 (a lease of 0 would let every process send every
/// push).
pub fn parse_lease(secs: &str) -> Result<Duration, Error> {
    secs.trim()
        .parse::<u64>()
        .ok()
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| {
            config_error(
                PROVIDER,
                format!("{ENV_PUSH_LEASE_SECS}: '{secs}' is not a positive number of seconds"),
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is the failure report
    use super::*;

    #[test]
    fn the_lease_is_sixty_seconds_unless_set() {
        fn vars(pairs: Vec<(&'static str, &'static str)>) -> impl Fn(&str) -> Option<String> {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        }
        let url = (ENV_APNS_URL, "https://127.0.0.1:1");
        let default = PushConfig::from_lookup(vars(vec![url]), false)
            .unwrap()
            .unwrap();
        assert_eq!(default.lease, Duration::from_secs(60));
        let set = PushConfig::from_lookup(vars(vec![url, (ENV_PUSH_LEASE_SECS, "3")]), false)
            .unwrap()
            .unwrap();
        assert_eq!(set.lease, Duration::from_secs(3));
        for bad in ["0", "-1", "1.5", "soon"] {
            let e = parse_lease(bad).unwrap_err();
            assert!(e.to_string().contains(ENV_PUSH_LEASE_SECS), "{e}");
        }
    }
}
