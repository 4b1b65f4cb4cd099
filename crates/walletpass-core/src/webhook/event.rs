//! The canonical inbound event and the verifier interface each backend implements.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use crate::error::Result;
use crate::model::PassRef;

/// What happened, in canonical terms.
///
/// Serialized as a snake_case string (`"pass_installed"`); a vendor event type with no canonical
/// equivalent is kept verbatim as [`WebhookEventKind::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEventKind {
    /// A pass was created.
    PassCreated,
    /// A pass changed.
    PassUpdated,
    /// A pass was voided.
    PassVoided,
    /// A pass was added to a wallet.
    PassInstalled,
    /// A pass was removed from a wallet.
    PassUninstalled,
    /// A template was created.
    TemplateCreated,
    /// A vendor event type with no canonical equivalent, verbatim.
    Other(String),
}

impl WebhookEventKind {
    /// The name used in JSON.
    pub fn as_str(&self) -> &str {
        match self {
            WebhookEventKind::PassCreated => "pass_created",
            WebhookEventKind::PassUpdated => "pass_updated",
            WebhookEventKind::PassVoided => "pass_voided",
            WebhookEventKind::PassInstalled => "pass_installed",
            WebhookEventKind::PassUninstalled => "pass_uninstalled",
            WebhookEventKind::TemplateCreated => "template_created",
            WebhookEventKind::Other(word) => word,
        }
    }

    /// Parse a canonical name; anything else is kept as [`WebhookEventKind::Other`].
    pub fn parse(text: &str) -> Self {
        match text {
            "pass_created" => WebhookEventKind::PassCreated,
            "pass_updated" => WebhookEventKind::PassUpdated,
            "pass_voided" => WebhookEventKind::PassVoided,
            "pass_installed" => WebhookEventKind::PassInstalled,
            "pass_uninstalled" => WebhookEventKind::PassUninstalled,
            "template_created" => WebhookEventKind::TemplateCreated,
            other => WebhookEventKind::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for WebhookEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for WebhookEventKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebhookEventKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Ok(WebhookEventKind::parse(&String::deserialize(deserializer)?))
    }
}

/// One inbound delivery, verified and normalised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// The vendor's event id: the key to drop duplicate deliveries by.
    pub id: String,
    /// What happened.
    pub kind: WebhookEventKind,
    /// The provider that sent it.
    pub provider: String,
    /// When it happened.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub occurred_at: Option<OffsetDateTime>,
    /// The pass it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<PassRef>,
    /// The pass's field values at the time, when the vendor sends them.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Which delivery attempt this is (1 for the first), when the vendor says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// The body as received.
    pub raw: serde_json::Value,
}

/// Verifies inbound deliveries for one subscription secret, and signs payloads the way the
/// vendor does so that users can test their own receivers.
pub trait WebhookVerifier: Send + Sync + fmt::Debug {
    /// Check a delivery's authenticity and normalise it. A missing or wrong signature or token
    /// is an [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized) error that says which.
    fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<WebhookEvent>;

    /// The headers the vendor would send with `body`, signed now with this verifier's secret.
    fn sign(&self, body: &[u8]) -> Result<http::HeaderMap>;
}
