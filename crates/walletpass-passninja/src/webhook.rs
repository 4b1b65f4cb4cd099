//! Inbound PassNinja deliveries: the CloudEvents 1.0 envelope with `Authorization: Bearer
//! <token>` (compared in constant time), normalised to the canonical [`WebhookEvent`]; the
//! legacy unauthenticated format only when the caller opts in; and [`PassNinjaWebhookVerifier::sign`]
//! to build the headers of a delivery for testing a receiver.

use std::fmt;

use http::{HeaderMap, HeaderValue, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use subtle::ConstantTimeEq;
use walletpass_core::{
    Error, ErrorKind, Operation, PassId, PassRef, TemplateId, WebhookEvent, WebhookEventKind,
    WebhookVerifier,
};

use crate::convert::{event_kind_of, time};
use crate::wire::{CloudEvent, LegacyEvent};

/// Whether `kind` has the documented shape `^pn\.[a-z][a-z_]*\.[a-z][a-z_]*$`.
pub fn is_event_type(kind: &str) -> bool {
    fn segment(s: &str) -> bool {
        let mut chars = s.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c == '_')
    }
    let mut parts = kind.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("pn"), Some(a), Some(b), None) if segment(a) && segment(b)
    )
}

/// Verifies and normalises PassNinja deliveries for one subscription's bearer token.
///
/// ```
/// use walletpass_core::{SecretString, WebhookEventKind, WebhookVerifier};
/// use walletpass_passninja::PassNinjaWebhookVerifier;
/// let verifier = PassNinjaWebhookVerifier::new(SecretString::from("wbk_b3d6"));
/// let body = br#"{"specversion":"1.0","id":"e1","source":"https://api.passninja.com/accounts/aid_0xa01",
///   "type":"pn.pass.installed","pnattempt":1,
///   "data":{"pass_template":"ptk_0x216","pass_id":"fee4a257185906b92a","metadata":null}}"#;
/// let headers = verifier.sign(body)?;
/// let event = verifier.verify(&headers, body)?;
/// assert_eq!(event.kind, WebhookEventKind::PassInstalled);
/// assert_eq!(event.id, "e1");
/// # Ok::<(), walletpass_core::Error>(())
/// ```
#[derive(Clone)]
pub struct PassNinjaWebhookVerifier {
    token: SecretString,
    accept_legacy: bool,
}

impl fmt::Debug for PassNinjaWebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassNinjaWebhookVerifier")
            .field("token", &"[REDACTED]")
            .field("accept_legacy", &self.accept_legacy)
            .finish()
    }
}

fn rejected(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unauthorized, message)
        .with_provider(crate::PROVIDER)
        .with_operation(Operation::VerifyWebhook)
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
        .with_provider(crate::PROVIDER)
        .with_operation(Operation::VerifyWebhook)
}

impl PassNinjaWebhookVerifier {
    /// A verifier for the bearer token returned when the subscription was created.
    pub fn new(token: SecretString) -> Self {
        Self {
            token,
            accept_legacy: false,
        }
    }

    /// Also accept the legacy format, which carries no credentials: anyone who knows the URL
    /// can forge it, so accept it only while migrating a legacy subscription.
    pub fn accept_legacy(mut self, accept: bool) -> Self {
        self.accept_legacy = accept;
        self
    }

    fn check_token(&self, header: &HeaderValue) -> Result<(), Error> {
        walletpass_core::require_webhook_secret(crate::PROVIDER, &self.token)?;
        let presented = header.as_bytes();
        let presented = presented
            .strip_prefix(b"Bearer ")
            .or_else(|| presented.strip_prefix(b"bearer "))
            .ok_or_else(|| rejected("the Authorization header is not a bearer token"))?;
        let expected = self.token.expose_secret().as_bytes();
        if !presented.is_empty()
            && presented.len() == expected.len()
            && bool::from(presented.ct_eq(expected))
        {
            Ok(())
        } else {
            Err(rejected(
                "the bearer token does not match the subscription's token",
            ))
        }
    }

    fn cloud_event(raw: Value) -> Result<WebhookEvent, Error> {
        let event: CloudEvent = serde_json::from_value(raw.clone())
            .map_err(|e| malformed(format!("not a PassNinja CloudEvents envelope: {e}")))?;
        if event.specversion != "1.0" {
            return Err(malformed(format!(
                "specversion is '{}', expected '1.0'",
                event.specversion
            )));
        }
        if event.id.is_empty() {
            return Err(malformed("the event id is empty"));
        }
        let data = event.data.as_ref();
        let pass = match data.map(|d| (d.pass_template.as_deref(), d.pass_id.as_deref())) {
            Some((Some(template), Some(id))) => Some(pass_ref(template, id)?),
            _ => None,
        };
        Ok(WebhookEvent {
            id: event.id.clone(),
            kind: event_kind_of(&event.kind),
            provider: crate::PROVIDER.to_owned(),
            occurred_at: time("time", event.time.as_deref())
                .map_err(|e| malformed(e.message().to_owned()))?,
            pass,
            fields: data.and_then(|d| d.metadata.clone()).unwrap_or_default(),
            attempt: event.pnattempt,
            raw,
        })
    }

    fn legacy_event(raw: Value) -> Result<WebhookEvent, Error> {
        let event: LegacyEvent = serde_json::from_value(raw.clone())
            .map_err(|e| malformed(format!("not a PassNinja legacy delivery: {e}")))?;
        let kind = match event.event.as_str() {
            "install" | "installed" => WebhookEventKind::PassInstalled,
            "uninstall" | "uninstalled" => WebhookEventKind::PassUninstalled,
            "update" | "updated" => WebhookEventKind::PassUpdated,
            other => WebhookEventKind::Other(other.to_owned()),
        };
        Ok(WebhookEvent {
            // Legacy deliveries have no id: this one is stable across retries (the attempt
            // counter is left out), so it serves as the dedupe key.
            id: format!(
                "legacy:{}:{}:{}:{}",
                event.pass_template,
                event.pass_id,
                event.event,
                event.event_date.as_deref().unwrap_or_default()
            ),
            kind,
            provider: crate::PROVIDER.to_owned(),
            occurred_at: time("eventDate", event.event_date.as_deref())
                .map_err(|e| malformed(e.message().to_owned()))?,
            pass: Some(pass_ref(&event.pass_template, &event.pass_id)?),
            fields: Default::default(),
            attempt: event.attempt,
            raw,
        })
    }
}

fn pass_ref(template: &str, id: &str) -> Result<PassRef, Error> {
    let template =
        TemplateId::new(template).map_err(|e| malformed(format!("pass_template: {e}")))?;
    let id = PassId::new(id).map_err(|e| malformed(format!("pass_id: {e}")))?;
    Ok(PassRef::in_template(template, id))
}

impl WebhookVerifier for PassNinjaWebhookVerifier {
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> walletpass_core::Result<WebhookEvent> {
        walletpass_core::require_webhook_secret(crate::PROVIDER, &self.token)?;
        let auth = headers.get(header::AUTHORIZATION);
        if let Some(auth) = auth {
            self.check_token(auth)?;
        }
        let raw: Value = serde_json::from_slice(body)
            .map_err(|e| malformed(format!("the body is not JSON: {e}")))?;
        let is_envelope = raw.get("specversion").is_some();
        match (auth, is_envelope) {
            (Some(_), true) => Self::cloud_event(raw),
            (Some(_), false) => Err(malformed(
                "an authenticated delivery must be a CloudEvents envelope",
            )),
            (None, true) => Err(rejected("the Authorization header is missing")),
            (None, false) if self.accept_legacy => Self::legacy_event(raw),
            (None, false) => Err(rejected(
                "the Authorization header is missing (legacy deliveries are accepted only when enabled)",
            )),
        }
    }

    fn sign(&self, _body: &[u8]) -> walletpass_core::Result<HeaderMap> {
        walletpass_core::require_webhook_secret(crate::PROVIDER, &self.token)?;
        let mut headers = HeaderMap::new();
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.token.expose_secret()))
            .map_err(|_| malformed("the token has characters a header cannot carry"))?;
        value.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, value);
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(headers)
    }
}
