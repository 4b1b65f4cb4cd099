//! The Passinstance wire shapes, in one place: request bodies as the documented examples show
//! them and answers as read tolerantly (unknown keys kept, `customFields` accepted). Every shape
//! the docs do not show is an assumption listed in [`crate::assumptions`].

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use walletpass_core::{Error, ErrorKind};

use crate::PROVIDER;

/// One field of a pass body: `{ "label": ..., "value": ..., "changeMessage": ... }`
/// ("Quickstart" example; `changeMessage` is assumption A3).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FieldBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_message: Option<String>,
}

/// The body of `POST /passes` and `PUT /passes/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PassBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    pub fields: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode_alt_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevant_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A pass as answered.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePass {
    pub id: String,
    #[serde(default)]
    pub template_id: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub fields: Option<Value>,
    #[serde(default)]
    pub custom_fields: Option<Value>,
    #[serde(default)]
    pub barcode_format: Option<String>,
    #[serde(default)]
    pub barcode_message: Option<String>,
    #[serde(default)]
    pub barcode_alt_text: Option<String>,
    #[serde(default)]
    pub relevant_date: Option<String>,
    #[serde(default)]
    pub expiration_date: Option<String>,
    #[serde(default)]
    pub download_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub voided_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A template field spec (assumption A8).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FieldSpecBody {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
}

/// The body of `POST /templates` (keys from the older page's example).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TemplateBody {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub pass_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreground_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_color: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldSpecBody>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A template as answered.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireTemplate {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub pass_type: Option<String>,
    #[serde(default)]
    pub organization_name: Option<String>,
    #[serde(default)]
    pub background_color: Option<String>,
    #[serde(default)]
    pub foreground_color: Option<String>,
    #[serde(default)]
    pub label_color: Option<String>,
    #[serde(default, deserialize_with = "walletpass_core::lenient::or_default")]
    pub fields: Vec<FieldSpecBody>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `POST /webhooks` ("Webhooks" example). Its Debug hides the secret.
#[derive(Clone, PartialEq, Serialize)]
pub(crate) struct WebhookBody {
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
}

impl std::fmt::Debug for WebhookBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookBody")
            .field("url", &self.url)
            .field("events", &self.events)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// A webhook subscription as answered. Its Debug hides a returned secret.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireWebhook {
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
}

impl std::fmt::Debug for WireWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireWebhook")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("active", &self.active)
            .field("created_at", &self.created_at)
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// The body of `POST /bundles` (assumption A12).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BundleBody {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub pass_ids: Vec<String>,
}

/// A bundle as answered.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireBundle {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub pass_ids: Vec<String>,
    #[serde(default)]
    pub download_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// The body of `POST /push-notifications` (assumption A13).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NotificationBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    pub message: String,
}

/// A push notification as answered.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireNotification {
    pub id: String,
    #[serde(default)]
    pub pass_id: Option<String>,
    #[serde(default)]
    pub bundle_id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub recipients: Option<u64>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// The body of `POST /batch` (assumption A11).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct BatchBody {
    pub operation: &'static str,
    pub items: Vec<Value>,
}

/// A batch job as answered.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireBatch {
    pub id: String,
    #[serde(default)]
    pub operation: Option<String>,
    pub status: String,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub processed: Option<u64>,
    #[serde(default)]
    pub results: Vec<WireBatchResult>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// One item's result in a batch job.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireBatchResult {
    pub index: usize,
    pub status: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    #[serde(default)]
    pub pass: Option<WirePass>,
    #[serde(default)]
    pub error: Option<Value>,
}

/// An inbound webhook delivery (assumption A10).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub data: Value,
}

/// The `pagination` object of a list answer (assumption A7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePagination {
    #[serde(default, deserialize_with = "walletpass_core::lenient::count")]
    pub page: Option<u64>,
    #[serde(default, deserialize_with = "walletpass_core::lenient::count")]
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "walletpass_core::lenient::count")]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "walletpass_core::lenient::count")]
    pub total_pages: Option<u64>,
}

/// A list answer: `{"data": [...], "pagination": {...}}`, or a bare array.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WireList<T> {
    pub data: Vec<T>,
    pub pagination: Option<WirePagination>,
}

impl<T: DeserializeOwned> WireList<T> {
    /// Decode a list answer, naming what did not fit.
    pub fn decode(value: Value) -> Result<Self, Error> {
        let decode_error =
            |what: String| Error::new(ErrorKind::Decode, what).with_provider(PROVIDER);
        let (items, pagination) = match value {
            Value::Array(items) => (items, None),
            Value::Object(mut obj) => {
                let items = match obj.remove("data") {
                    Some(Value::Array(items)) => items,
                    _ => {
                        return Err(decode_error(
                            "a list answer has no \"data\" array".to_owned(),
                        ));
                    }
                };
                let pagination = match obj.remove("pagination") {
                    None | Some(Value::Null) => None,
                    Some(p) => Some(serde_json::from_value(p).map_err(|e| {
                        decode_error(format!("the pagination object is not understood: {e}"))
                            .with_source(e)
                    })?),
                };
                (items, pagination)
            }
            _ => {
                return Err(decode_error(
                    "a list answer is not an object or array".into(),
                ));
            }
        };
        let data = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                serde_json::from_value(item).map_err(|e| {
                    decode_error(format!("list item {i} is not understood: {e}")).with_source(e)
                })
            })
            .collect::<Result<Vec<T>, Error>>()?;
        Ok(Self { data, pagination })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pass_answer_keeps_unknown_keys() {
        let pass: WirePass = serde_json::from_value(json!({
            "id": "pass_1", "serialNumber": "S", "customFields": {}, "installs": 3
        }))
        .unwrap();
        assert!(pass.custom_fields.is_some());
        assert_eq!(pass.extra["installs"], 3);
    }

    #[test]
    fn lists_in_both_shapes() {
        let list: WireList<WireWebhook> = WireList::decode(json!({
            "data": [{ "id": "wh_1", "url": "https://x.example" }],
            "pagination": { "page": 1, "limit": 20, "total": 1, "totalPages": 1 }
        }))
        .unwrap();
        assert_eq!(list.data.len(), 1);
        assert_eq!(list.pagination.unwrap().total_pages, Some(1));
        let bare: WireList<WireWebhook> =
            WireList::decode(json!([{ "id": "wh_1", "url": "https://x.example" }])).unwrap();
        assert!(bare.pagination.is_none());
        let err = WireList::<WireWebhook>::decode(json!({ "data": [{ "id": 1 }] })).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.to_string().contains("item 0"), "{err}");
    }
}
