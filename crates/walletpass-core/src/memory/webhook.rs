//! Inbound deliveries of the memory provider: the canonical [`WebhookEvent`] as JSON, signed
//! with the shared HMAC scheme under the `walletpass-signature` header.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use secrecy::SecretString;

use crate::error::{Error, ErrorKind, Operation, Result};
use crate::webhook::{HmacScheme, WebhookEvent, WebhookVerifier};

const HEADER: &str = "walletpass-signature";
const SCHEME: HmacScheme = HmacScheme::new(HEADER, Duration::from_secs(300));

/// Verifies (and signs) memory-provider deliveries.
pub struct MemoryWebhookVerifier {
    secret: SecretString,
}

impl MemoryWebhookVerifier {
    /// A verifier for `secret`.
    pub fn new(secret: SecretString) -> Self {
        Self { secret }
    }
}

impl fmt::Debug for MemoryWebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryWebhookVerifier")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

fn reject(message: String) -> Error {
    Error::new(ErrorKind::Unauthorized, message)
        .with_provider("memory")
        .with_operation(Operation::VerifyWebhook)
}

impl WebhookVerifier for MemoryWebhookVerifier {
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent> {
        crate::webhook::require_webhook_secret("memory", &self.secret)?;
        let header = headers
            .get(SCHEME.header())
            .map(|v| {
                v.to_str()
                    .map_err(|_| reject(format!("the {} header is not text", SCHEME.header())))
            })
            .transpose()?;
        SCHEME
            .verify(&self.secret, header, body)
            .map_err(|e| reject(e.to_string()).with_source(e))?;
        let raw: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("the delivery body is not JSON: {e}"),
            )
            .with_provider("memory")
            .with_operation(Operation::VerifyWebhook)
        })?;
        let mut event: WebhookEvent = serde_json::from_value(raw.clone()).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("the delivery is not a walletpass event: {e}"),
            )
            .with_provider("memory")
            .with_operation(Operation::VerifyWebhook)
        })?;
        event.raw = raw;
        Ok(event)
    }

    fn sign(&self, body: &[u8]) -> Result<HeaderMap> {
        crate::webhook::require_webhook_secret("memory", &self.secret)?;
        let value = SCHEME
            .sign(&self.secret, crate::webhook::now_unix(), body)
            .map_err(|e| reject(e.to_string()).with_source(e))?;
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_str(&value)
            .map_err(|e| reject("could not build the signature header".into()).with_source(e))?;
        headers.insert(HEADER, value);
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(headers)
    }
}
