//! The records the simulator stores (templates, passes, bundles, notifications, webhook
//! subscriptions, batch jobs), and the answer bodies of those answered straight from a record.

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::rfc3339;
use crate::passinstance::input::{BarcodeInput, FieldSpec, TemplateInput};

/// A template as stored and answered.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRecord {
    /// `tpl_` + 16 hex digits.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Apple pass style.
    pub pass_type: String,
    /// Organization shown on the pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// Apple team identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_identifier: Option<String>,
    /// Apple pass type identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_type_identifier: Option<String>,
    /// Background color.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// Foreground color.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreground_color: Option<String>,
    /// Label color.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_color: Option<String>,
    /// Field specs.
    pub fields: Vec<FieldSpec>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl TemplateRecord {
    /// Build a record from a checked body.
    pub fn new(id: String, input: TemplateInput, now: OffsetDateTime) -> Self {
        Self {
            id,
            name: input.name,
            description: input.description,
            pass_type: input.pass_type,
            organization_name: input.organization_name,
            team_identifier: input.team_identifier,
            pass_type_identifier: input.pass_type_identifier,
            background_color: input.background_color,
            foreground_color: input.foreground_color,
            label_color: input.label_color,
            fields: input.fields,
            created_at: now,
            updated_at: now,
        }
    }

    pub(super) fn spec(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// A pass as stored.
#[derive(Clone, Debug)]
pub struct PassRecord {
    /// Creation order, the key of the ordered indexes ([`Store::pass_order`]).
    pub seq: u64,
    /// `pass_` + 16 hex digits.
    pub id: String,
    /// Its template.
    pub template_id: String,
    /// Caller-chosen, unique per template.
    pub serial_number: String,
    /// Field key -> `{label?, value, changeMessage?}`, in the caller's order.
    pub fields: Map<String, Value>,
    /// The barcode.
    pub barcode: Option<BarcodeInput>,
    /// `relevantDate`.
    pub relevant_date: Option<OffsetDateTime>,
    /// `expirationDate`.
    pub expiration_date: Option<OffsetDateTime>,
    /// When it was voided.
    pub voided_at: Option<OffsetDateTime>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// A bundle as stored and answered (without its download link).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleRecord {
    /// `bndl_` + 16 hex digits.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Member passes.
    pub pass_ids: Vec<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A push notification as stored and answered.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationRecord {
    /// `ntf_` + 16 hex digits.
    pub id: String,
    /// Target pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_id: Option<String>,
    /// Target bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// Text shown on the device.
    pub message: String,
    /// Always `sent` in the simulator.
    pub status: String,
    /// How many passes it went to.
    pub recipients: usize,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A webhook subscription as stored (the secret is never answered after creation).
#[derive(Clone, Debug)]
pub struct WebhookRecord {
    /// `wh_` + 16 hex digits.
    pub id: String,
    /// Receiver.
    pub url: String,
    /// Subscribed events.
    pub events: Vec<String>,
    /// Signing secret.
    pub secret: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

impl WebhookRecord {
    /// The answer body; `with_secret` only right after creation.
    pub fn to_json(&self, with_secret: bool) -> Value {
        let mut body = json!({
            "id": self.id,
            "url": self.url,
            "events": self.events,
            "active": true,
            "createdAt": rfc3339(self.created_at),
        });
        if with_secret {
            body["secret"] = Value::String(self.secret.clone());
        }
        body
    }
}

/// Where a batch job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    /// Accepted, not started.
    Queued,
    /// Items are being processed.
    Running,
    /// Every item was processed (each succeeded or failed on its own).
    Completed,
}

/// A batch job as stored.
#[derive(Clone, Debug)]
pub struct BatchRecord {
    /// `batch_` + 16 hex digits.
    pub id: String,
    /// `create`, `update`, `void` or `delete`.
    pub operation: String,
    /// State.
    pub status: BatchStatus,
    /// The submitted items.
    pub items: Vec<Value>,
    /// One result per processed item, in item order.
    pub results: Vec<Value>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// When it completed.
    pub completed_at: Option<OffsetDateTime>,
}

impl BatchRecord {
    /// The answer body.
    pub fn to_json(&self) -> Value {
        let succeeded = self
            .results
            .iter()
            .filter(|r| r["status"] == "succeeded")
            .count();
        let mut body = json!({
            "id": self.id,
            "operation": self.operation,
            "status": self.status,
            "total": self.items.len(),
            "processed": self.results.len(),
            "succeeded": succeeded,
            "failed": self.results.len() - succeeded,
            "results": self.results,
            "createdAt": rfc3339(self.created_at),
            "updatedAt": rfc3339(self.updated_at),
        });
        if let Some(done) = self.completed_at {
            body["completedAt"] = Value::String(rfc3339(done));
        }
        body
    }
}
