//! The APNs client for passes (apple-wallet.md §4): `POST <endpoint>/3/device/<push token>`
//! over HTTP/2 with `apns-topic: <pass type id>` and the body `{}`, authenticated by the
//! Pass Type ID certificate (TLS client certificate) or a provider token
//! (`authorization: bearer <jwt>`), and the mapping of APNs' answer to what the worker does.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde::Deserialize;
use walletpass_core::{Result, config_error};

use super::config::{ApnsAuth, PushConfig};
use super::jwt::TokenSigner;
use crate::PROVIDER;
use crate::certs::Identity;

/// What an APNs answer means for the push and the registration (the table of §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 200: accepted.
    Delivered,
    /// 410 `Unregistered` or 400 `BadDeviceToken`: remove the device's registrations, except
    /// those made after `unless_registered_after` (410's `timestamp`, unix nanoseconds).
    Remove {
        /// APNs' reason.
        reason: String,
        /// When APNs learned the token was invalid.
        unless_registered_after: Option<i128>,
    },
    /// 429, 5xx, a transport error, or an expired provider token: try again later.
    Retry {
        /// Why.
        reason: String,
    },
    /// A configuration error (bad topic, bad certificate, 413): retried (it may be fixed
    /// while the push waits), and logged as an error.
    Misconfigured {
        /// Why.
        reason: String,
    },
}

#[derive(Deserialize)]
struct ApnsError {
    reason: Option<String>,
    timestamp: Option<i64>,
}

/// Map an APNs status and body to an [`Outcome`].
pub fn outcome(status: u16, body: &[u8]) -> Outcome {
    let parsed: Option<ApnsError> = serde_json::from_slice(body).ok();
    let reason = parsed
        .as_ref()
        .and_then(|e| e.reason.clone())
        .unwrap_or_default();
    let described = format!("APNs answered {status} {reason}");
    match (status, reason.as_str()) {
        (200, _) => Outcome::Delivered,
        (410, _) | (400, "BadDeviceToken") => Outcome::Remove {
            reason: described,
            unless_registered_after: parsed
                .and_then(|e| e.timestamp)
                .map(|ms| i128::from(ms) * 1_000_000),
        },
        (429, _) | (500..=599, _) | (403, "ExpiredProviderToken") => {
            Outcome::Retry { reason: described }
        }
        _ => Outcome::Misconfigured { reason: described },
    }
}

/// Sends pushes.
#[derive(Debug)]
pub struct ApnsClient {
    http: reqwest::Client,
    endpoint: url::Url,
    signer: Option<TokenSigner>,
}

impl ApnsClient {
    /// A client for `config`, authenticating as `identity` (certificate) or with the token.
    pub fn new(config: &PushConfig, identity: &Identity) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .http2_prior_knowledge()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none());
        for pem in &config.extra_roots_pem {
            let ca = reqwest::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| config_error(PROVIDER, format!("APPLE_APNS_CA: {e}")))?;
            builder = builder.add_root_certificate(ca);
        }
        let signer = match &config.auth {
            ApnsAuth::Certificate => {
                let cert = identity
                    .certificate_pem()
                    .map_err(|e| config_error(PROVIDER, e.to_string()))?;
                let key = identity
                    .key_pkcs8_pem()
                    .map_err(|e| config_error(PROVIDER, e.to_string()))?;
                let pem = format!("{}\n{}", key.expose_secret(), cert);
                let id = reqwest::Identity::from_pem(pem.as_bytes()).map_err(|_| {
                    config_error(PROVIDER, "the Pass Type ID certificate and key cannot be used as a TLS client certificate for APNs")
                })?;
                builder = builder.identity(id);
                None
            }
            ApnsAuth::Token {
                key_id,
                team_id,
                key,
            } => Some(
                TokenSigner::new(
                    key,
                    key_id,
                    team_id.as_deref().unwrap_or(identity.team_id()),
                )
                .map_err(|e| config_error(PROVIDER, e))?,
            ),
        };
        let http = builder.build().map_err(|e| {
            config_error(PROVIDER, "the APNs HTTP/2 client could not be built").with_source(e)
        })?;
        Ok(Self {
            http,
            endpoint: config.endpoint.clone(),
            signer,
        })
    }

    /// Push to `push_token` for `topic` (the pass type id), giving up after `timeout`, and
    /// say what it means.
    pub async fn push(&self, push_token: &str, topic: &str, timeout: Duration) -> Outcome {
        let Ok(url) = self.endpoint.join(&format!("3/device/{push_token}")) else {
            return Outcome::Remove {
                reason: "the push token does not fit in a URL".into(),
                unless_registered_after: None,
            };
        };
        let mut request = self
            .http
            .post(url)
            .timeout(timeout)
            .header("apns-topic", topic)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body("{}");
        if let Some(signer) = &self.signer {
            request = request.header(
                http::header::AUTHORIZATION,
                format!("bearer {}", signer.token(false).expose_secret()),
            );
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.bytes().await.unwrap_or_default();
                outcome(status, &body)
            }
            // The error's URL holds the push token: not shown.
            Err(e) => Outcome::Retry {
                reason: format!(
                    "APNs not reached ({})",
                    if e.is_timeout() {
                        "timeout"
                    } else {
                        "connection failed"
                    }
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // apple-wallet.md §4, the table of APNs replies.
    #[test]
    fn apns_replies_map_to_what_the_worker_does() {
        assert_eq!(outcome(200, b""), Outcome::Delivered);
        assert!(matches!(
            outcome(410, br#"{"reason":"Unregistered","timestamp":1700000000000}"#),
            Outcome::Remove { unless_registered_after: Some(t), .. } if t == 1_700_000_000_000_000_000
        ));
        assert!(matches!(
            outcome(400, br#"{"reason":"BadDeviceToken"}"#),
            Outcome::Remove {
                unless_registered_after: None,
                ..
            }
        ));
        assert!(matches!(
            outcome(400, br#"{"reason":"DeviceTokenNotForTopic"}"#),
            Outcome::Misconfigured { .. }
        ));
        assert!(matches!(
            outcome(429, br#"{"reason":"TooManyRequests"}"#),
            Outcome::Retry { .. }
        ));
        assert!(matches!(outcome(503, b""), Outcome::Retry { .. }));
        assert!(matches!(
            outcome(403, br#"{"reason":"BadCertificate"}"#),
            Outcome::Misconfigured { .. }
        ));
    }
}
