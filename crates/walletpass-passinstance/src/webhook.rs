//! Inbound Passinstance webhook deliveries: verify the signature, then normalise the event to
//! the canonical [`WebhookEvent`]. The docs ask receivers to "verify signatures" but publish no
//! scheme, so this uses core's timestamped HMAC-SHA256 scheme (assumption A10):
//! `X-Passinstance-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
//! compared in constant time, refused outside a tolerance window (5 minutes by default).
//!
//! [`sign_payload`] produces the same headers, for testing a receiver:
//!
//! ```
//! use secrecy::SecretString;
//! use walletpass_core::{WebhookEventKind, WebhookVerifier};
//! use walletpass_passinstance::webhook::{PassinstanceWebhookVerifier, sign_payload};
//! let secret = SecretString::from("whsec_0123456789abcdef");
//! let body = br#"{"id":"evt_1","type":"pass.voided","createdAt":"2026-01-01T00:00:00Z",
//!                 "data":{"id":"pass_1","templateId":"tpl_abcdef1234567890"}}"#;
//! let headers = sign_payload(&secret, body)?;
//! let event = PassinstanceWebhookVerifier::new(secret).verify(&headers, body)?;
//! assert_eq!(event.kind, WebhookEventKind::PassVoided);
//! # Ok::<(), walletpass_core::Error>(())
//! ```

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use walletpass_core::{
    Error, ErrorKind, HmacScheme, Operation, PassId, PassRef, TemplateId, WebhookEvent,
    WebhookEventKind, WebhookVerifier,
};

use crate::PROVIDER;
use crate::convert::{event_kind, parse_date};
use crate::wire::WireEvent;

/// The default signature header (sent as `X-Passinstance-Signature`).
pub const SIGNATURE_HEADER: &str = "x-passinstance-signature";
/// The variable naming the signature header.
pub const ENV_SIGNATURE_HEADER: &str = "PASSINSTANCE_WEBHOOK_SIGNATURE_HEADER";
/// The variable holding the signed message template (`{t}.{body}` by default).
pub const ENV_SIGNED_MESSAGE: &str = "PASSINSTANCE_WEBHOOK_SIGNED_MESSAGE";
/// The variable holding the tolerance, in whole seconds.
pub const ENV_TOLERANCE_SECS: &str = "PASSINSTANCE_WEBHOOK_TOLERANCE_SECS";
/// The header carrying the event id (also in the body).
pub const EVENT_ID_HEADER: &str = "x-passinstance-event-id";
/// The header carrying the 1-based delivery attempt.
pub const ATTEMPT_HEADER: &str = "x-passinstance-delivery-attempt";
/// The default tolerance between a signature's timestamp and now.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

const OP: Operation = Operation::VerifyWebhook;

/// The assumed default scheme: `X-Passinstance-Signature`, `{t}.{body}`, 5 minutes.
pub fn default_scheme() -> HmacScheme {
    HmacScheme::new(SIGNATURE_HEADER, DEFAULT_TOLERANCE)
}

/// The scheme the variables above describe (each unset or empty variable keeps its default).
/// It needs no API credentials, so `webhooks sign` and `webhooks verify` work with the secret
/// alone.
pub fn webhook_scheme_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<HmacScheme, Error> {
    let get = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut scheme = default_scheme();
    if let Some(header) = get(ENV_SIGNATURE_HEADER) {
        http::HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
            crate::config::config_error(format!(
                "{ENV_SIGNATURE_HEADER}: '{header}' is not an HTTP header name"
            ))
        })?;
        scheme = scheme.with_header(header);
    }
    if let Some(message) = get(ENV_SIGNED_MESSAGE) {
        let message = message
            .parse()
            .map_err(|e| crate::config::config_error(format!("{ENV_SIGNED_MESSAGE}: {e}")))?;
        scheme = scheme.with_message(message);
    }
    if let Some(secs) = get(ENV_TOLERANCE_SECS) {
        let secs: u64 = secs.parse().map_err(|_| {
            crate::config::config_error(format!(
                "{ENV_TOLERANCE_SECS}: '{secs}' is not a whole number of seconds"
            ))
        })?;
        scheme = scheme.with_tolerance(Duration::from_secs(secs));
    }
    Ok(scheme)
}

/// Verifies deliveries signed with one subscription's secret.
#[derive(Clone)]
pub struct PassinstanceWebhookVerifier {
    secret: SecretString,
    scheme: HmacScheme,
}

impl fmt::Debug for PassinstanceWebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassinstanceWebhookVerifier")
            .field("secret", &"[REDACTED]")
            .field("scheme", &self.scheme)
            .finish()
    }
}

fn rejected(message: String) -> Error {
    Error::new(ErrorKind::Unauthorized, message)
        .with_provider(PROVIDER)
        .with_operation(OP)
}

fn undecodable(message: String) -> Error {
    Error::new(ErrorKind::Decode, message)
        .with_provider(PROVIDER)
        .with_operation(OP)
}

impl PassinstanceWebhookVerifier {
    /// A verifier for `secret` with the default scheme ([`default_scheme`]).
    pub fn new(secret: SecretString) -> Self {
        Self {
            secret,
            scheme: default_scheme(),
        }
    }

    /// Accept timestamps within `tolerance` of now.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.scheme = self.scheme.with_tolerance(tolerance);
        self
    }

    /// Verify (and sign) with `scheme` instead of the default.
    pub fn with_scheme(mut self, scheme: HmacScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// The scheme in use.
    pub fn scheme(&self) -> &HmacScheme {
        &self.scheme
    }

    /// Verify with `now` (unix seconds) as the current time, then normalise.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<WebhookEvent, Error> {
        walletpass_core::require_webhook_secret(PROVIDER, &self.secret)?;
        let name = self.scheme.header();
        let header = headers
            .get(name)
            .map(|v| {
                v.to_str()
                    .map_err(|_| rejected(format!("the {name} header is not text")))
            })
            .transpose()?;
        self.scheme
            .verify_at(&self.secret, header, body, now)
            .map_err(|e| rejected(format!("webhook signature rejected: {e}")).with_source(e))?;
        normalize(headers, body)
    }
}

impl WebhookVerifier for PassinstanceWebhookVerifier {
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent, Error> {
        self.verify_at(headers, body, OffsetDateTime::now_utc().unix_timestamp())
    }

    fn sign(&self, body: &[u8]) -> Result<HeaderMap, Error> {
        sign_with(
            &self.scheme,
            &self.secret,
            OffsetDateTime::now_utc().unix_timestamp(),
            body,
        )
    }
}

/// The headers a Passinstance delivery of `body` signed now with `secret` carries, for testing
/// a receiver.
pub fn sign_payload(secret: &SecretString, body: &[u8]) -> Result<HeaderMap, Error> {
    sign_payload_at(secret, OffsetDateTime::now_utc().unix_timestamp(), body)
}

/// As [`sign_payload`], signed at `timestamp` (unix seconds).
pub fn sign_payload_at(
    secret: &SecretString,
    timestamp: i64,
    body: &[u8],
) -> Result<HeaderMap, Error> {
    sign_with(&default_scheme(), secret, timestamp, body)
}

/// The headers of a delivery of `body` signed at `timestamp` under `scheme`.
fn sign_with(
    scheme: &HmacScheme,
    secret: &SecretString,
    timestamp: i64,
    body: &[u8],
) -> Result<HeaderMap, Error> {
    walletpass_core::require_webhook_secret(PROVIDER, secret)?;
    let invalid = |message: &str| {
        Error::new(ErrorKind::InvalidInput, message.to_owned())
            .with_provider(PROVIDER)
            .with_operation(OP)
    };
    let signed = scheme
        .sign(secret, timestamp, body)
        .map_err(|e| invalid("could not sign the delivery").with_source(e))?;
    let value = HeaderValue::from_str(&signed)
        .map_err(|e| invalid("could not build the signature header").with_source(e))?;
    let name = http::HeaderName::from_bytes(scheme.header().as_bytes()).map_err(|e| {
        invalid("the signature header name is not an HTTP header name").with_source(e)
    })?;
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(headers)
}

/// Normalise a verified delivery `{id, type, createdAt, data}` to the canonical event.
pub fn normalize(headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent, Error> {
    let raw: Value = serde_json::from_slice(body)
        .map_err(|e| undecodable(format!("the delivery body is not JSON: {e}")).with_source(e))?;
    let wire: WireEvent = serde_json::from_value(raw.clone()).map_err(|e| {
        undecodable(format!(
            "the delivery is not a Passinstance event {{id, type, createdAt, data}}: {e}"
        ))
        .with_source(e)
    })?;
    let kind = event_kind(&wire.kind);
    let is_pass_event = matches!(
        kind,
        WebhookEventKind::PassCreated
            | WebhookEventKind::PassUpdated
            | WebhookEventKind::PassVoided
    ) || wire.kind.starts_with("pass.");
    let pass = if is_pass_event {
        wire.data
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| PassId::new(id).ok())
            .map(|id| PassRef {
                template: wire
                    .data
                    .get("templateId")
                    .and_then(Value::as_str)
                    .and_then(|t| TemplateId::new(t).ok()),
                id,
            })
    } else {
        None
    };
    let fields = if is_pass_event {
        snapshot(&wire.data)
    } else {
        Map::new()
    };
    let attempt = headers
        .get(ATTEMPT_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    Ok(WebhookEvent {
        id: wire.id,
        kind,
        provider: PROVIDER.to_owned(),
        occurred_at: wire
            .created_at
            .as_deref()
            .map(|t| parse_date("createdAt", t))
            .transpose()
            .map_err(|e| e.with_operation(OP))?,
        pass,
        fields,
        attempt,
        raw,
    })
}

/// Field key -> value of the pass in an event (`fields`, or `customFields`).
fn snapshot(data: &Value) -> Map<String, Value> {
    let fields = data.get("fields").or_else(|| data.get("customFields"));
    let Some(Value::Object(fields)) = fields else {
        return Map::new();
    };
    fields
        .iter()
        .map(|(key, field)| {
            let value = match field {
                Value::Object(obj) => obj.get("value").cloned().unwrap_or(Value::Null),
                scalar => scalar.clone(),
            };
            (key.clone(), value)
        })
        .collect()
}
