//! Webhook subscriptions as the trait manages them, and their delivery history.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::WebhookEventKind;
use crate::http::check_url_scheme;
use crate::model::{TemplateId, ValidationError, WebhookId};

/// A subscription to create.
///
/// ```
/// use walletpass_core::{NewWebhookSubscription, WebhookEventKind};
/// let sub = NewWebhookSubscription::new(
///     "https://example.com/hooks",
///     vec![WebhookEventKind::PassInstalled],
/// )?;
/// assert!(NewWebhookSubscription::new("http://example.com/hooks", vec![WebhookEventKind::PassInstalled]).is_err());
/// # Ok::<(), walletpass_core::ValidationError>(())
/// ```
#[derive(Clone, Debug)]
pub struct NewWebhookSubscription {
    /// Where deliveries go: https, or http to a loopback host for local testing.
    pub url: url::Url,
    /// The events to deliver; not empty.
    pub events: Vec<WebhookEventKind>,
    /// Only events of this template, where the vendor can filter.
    pub template: Option<TemplateId>,
    /// A caller-chosen signing secret, for vendors that take one (Passinstance); others generate
    /// their own and return it once.
    pub secret: Option<SecretString>,
    /// A name for the subscription, for vendors that keep one (PassNinja requires one; a backend
    /// derives it from the URL when none is given).
    pub name: Option<String>,
}

impl NewWebhookSubscription {
    /// A subscription to `url` for `events`.
    pub fn new(url: &str, events: Vec<WebhookEventKind>) -> Result<Self, ValidationError> {
        let url =
            check_url_scheme(url).map_err(|reason| ValidationError::invalid("url", reason))?;
        if events.is_empty() {
            return Err(ValidationError::invalid(
                "events",
                "at least one event is required",
            ));
        }
        Ok(Self {
            url,
            events,
            template: None,
            secret: None,
            name: None,
        })
    }

    /// Only events of this template.
    pub fn with_template(mut self, template: TemplateId) -> Self {
        self.template = Some(template);
        self
    }

    /// Name the subscription.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Use this signing secret.
    pub fn with_secret(mut self, secret: SecretString) -> Self {
        self.secret = Some(secret);
        self
    }
}

/// A subscription as the provider holds it. It never carries the secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookSubscription {
    /// Its id.
    pub id: WebhookId,
    /// Where deliveries go.
    pub url: String,
    /// The events delivered.
    pub events: Vec<WebhookEventKind>,
    /// The template filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateId>,
    /// Whether deliveries are being made.
    pub active: bool,
    /// When it was created.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub created_at: Option<OffsetDateTime>,
}

/// The answer to a create: the subscription and its secret, returned this once only.
/// The secret prints as `[REDACTED]` in Debug output.
#[derive(Clone, Debug)]
pub struct CreatedWebhookSubscription {
    /// The subscription.
    pub subscription: WebhookSubscription,
    /// The token or signing secret the vendor will use for deliveries.
    pub secret: SecretString,
}

/// One delivery attempt of one event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// The delivery's id (or the event id and attempt, where the vendor has no delivery id).
    pub id: String,
    /// The event delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// What kind of event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<WebhookEventKind>,
    /// Which attempt (1 for the first).
    pub attempt: u32,
    /// The receiver's HTTP status, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Whether the receiver accepted it.
    pub success: bool,
    /// When it was attempted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub attempted_at: Option<OffsetDateTime>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
