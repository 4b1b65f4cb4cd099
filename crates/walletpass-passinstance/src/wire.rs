//! The Passinstance wire shapes, in one place: request bodies as the documented examples show
//! them and answers as read tolerantly (unknown keys kept, `customFields` accepted). Every shape
//! the docs do not show is an assumption listed in [`crate::assumptions`].

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use walletpass_core::http::ObjectKey;

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

/// The `fields` object of a pass body, keyed by field key, in the content's order. Each field
/// is serialized straight from its [`FieldBody`] (no `serde_json::Value` per field).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct FieldBodies(pub Vec<(String, FieldBody)>);

impl Serialize for FieldBodies {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, body)| (key, body)))
    }
}

/// The body of `POST /passes` and `PUT /passes/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PassBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    pub fields: FieldBodies,
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
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WirePass {
    pub id: String,
    pub template_id: Option<String>,
    pub serial_number: Option<String>,
    pub status: Option<String>,
    pub fields: Option<Value>,
    pub custom_fields: Option<Value>,
    pub barcode_format: Option<String>,
    pub barcode_message: Option<String>,
    pub barcode_alt_text: Option<String>,
    pub relevant_date: Option<String>,
    pub expiration_date: Option<String>,
    pub download_url: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub voided_at: Option<String>,
    pub extra: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(WirePass, "a Passinstance pass object", other: extra, {
    #[required] id: "id",
    template_id: "templateId",
    serial_number: "serialNumber",
    status: "status",
    fields: "fields",
    custom_fields: "customFields",
    barcode_format: "barcodeFormat",
    barcode_message: "barcodeMessage",
    barcode_alt_text: "barcodeAltText",
    relevant_date: "relevantDate",
    expiration_date: "expirationDate",
    download_url: "downloadUrl",
    created_at: "createdAt",
    updated_at: "updatedAt",
    voided_at: "voidedAt",
});

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
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WireTemplate {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub pass_type: Option<String>,
    pub organization_name: Option<String>,
    pub background_color: Option<String>,
    pub foreground_color: Option<String>,
    pub label_color: Option<String>,
    pub fields: Vec<FieldSpecBody>,
    pub created_at: Option<String>,
    pub extra: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(WireTemplate, "a Passinstance template object", other: extra, {
    #[required] id: "id",
    name: "name",
    description: "description",
    pass_type: "passType",
    organization_name: "organizationName",
    background_color: "backgroundColor",
    foreground_color: "foregroundColor",
    label_color: "labelColor",
    fields: "fields" as walletpass_core::lenient::OrDefault<Vec<FieldSpecBody>>,
    created_at: "createdAt",
});

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

/// A list answer: `{"data": [...], "pagination": {...}}`, or a bare array; decoded in one pass,
/// naming what did not fit (`list item 3 is not understood: ...`). Other keys of the object
/// are skipped.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WireList<T> {
    pub data: Vec<T>,
    pub pagination: Option<WirePagination>,
}

/// The items of a list, each error naming the item's index.
struct Items<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Items<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            match seq.next_element::<T>() {
                Ok(Some(item)) => items.push(item),
                Ok(None) => return Ok(items),
                Err(e) => {
                    return Err(de::Error::custom(format_args!(
                        "list item {} is not understood: {e}",
                        items.len()
                    )));
                }
            }
        }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Items<T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self).map_err(|e| {
            let text = e.to_string();
            if text.starts_with("list item") {
                e
            } else {
                de::Error::custom(format_args!("a list answer has no \"data\" array: {text}"))
            }
        })
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for WireList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = WireList<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list answer (an object with a \"data\" array, or an array)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<WireList<T>, A::Error> {
                Ok(WireList {
                    data: Items(PhantomData).visit_seq(seq)?,
                    pagination: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireList<T>, A::Error> {
                let (mut data, mut pagination) = (None, None);
                while let Some(key) = map.next_key::<ObjectKey<'de>>()? {
                    match key.as_str() {
                        "data" if data.is_none() => {
                            data = Some(map.next_value_seed(Items(PhantomData))?);
                        }
                        "pagination" if pagination.is_none() => {
                            pagination =
                                Some(map.next_value::<Option<WirePagination>>().map_err(|e| {
                                    de::Error::custom(format_args!(
                                        "the pagination object is not understood: {e}"
                                    ))
                                })?);
                        }
                        "data" | "pagination" => {
                            return Err(de::Error::custom(format_args!(
                                "a list answer has \"{}\" twice",
                                key.as_str()
                            )));
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(WireList {
                    data: data
                        .ok_or_else(|| de::Error::custom("a list answer has no \"data\" array"))?,
                    pagination: pagination.flatten(),
                })
            }
        }
        d.deserialize_any(ListVisitor(PhantomData))
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
        let read = |text: &str| serde_json::from_str::<WireList<WireWebhook>>(text);
        let list = read(
            r#"{"data": [{ "id": "wh_1", "url": "https://x.example" }],
                "pagination": { "page": 1, "limit": 20, "total": 1, "totalPages": 1 }, "more": 1}"#,
        )
        .unwrap();
        assert_eq!(list.data.len(), 1);
        assert_eq!(list.pagination.unwrap().total_pages, Some(1));
        let bare = read(r#"[{ "id": "wh_1", "url": "https://x.example" }]"#).unwrap();
        assert!(bare.pagination.is_none());
        let err = read(r#"{ "data": [{ "id": "wh_1", "url": "u" }, { "id": 1 }] }"#).unwrap_err();
        assert!(
            err.to_string().contains("list item 1 is not understood"),
            "{err}"
        );
        for (odd, expected) in [
            (r#"{ "pagination": null }"#, "no \"data\" array"),
            (r#"{ "data": {} }"#, "no \"data\" array"),
            (r#"{ "data": [], "pagination": "x" }"#, "pagination object"),
            (r#"{ "data": [], "data": [] }"#, "twice"),
            ("3", "a list answer"),
        ] {
            let err = read(odd).unwrap_err();
            assert!(err.to_string().contains(expected), "{odd}: {err}");
        }
    }

    #[test]
    fn a_pass_answer_without_an_id_or_with_a_key_twice_is_refused() {
        let read = |text: &str| serde_json::from_str::<WirePass>(text);
        assert!(
            read(r#"{"serialNumber": "S"}"#)
                .unwrap_err()
                .to_string()
                .contains("missing field `id`")
        );
        assert!(
            read(r#"{"id": "p", "status": "a", "status": "b"}"#)
                .unwrap_err()
                .to_string()
                .contains("duplicate field")
        );
        let pass = read(r#"{"id": "p", "x\u0041": {"deep": [1]}, "fields": null}"#).unwrap();
        assert_eq!(pass.extra["xA"]["deep"][0], 1);
        assert!(pass.fields.is_none());
    }
}
