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
    pub fields: Option<WireFields>,
    pub custom_fields: Option<WireFields>,
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

/// One item of a pass answer's `fields`: an object's `label`, `value` and `changeMessage`
/// (any JSON value each; other keys skipped; a key given twice, its last value), or a bare
/// value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum WireField {
    Object {
        label: Option<Value>,
        value: Option<Value>,
        change_message: Option<Value>,
    },
    Bare(Value),
}

/// A pass answer's `fields` (or `customFields`), read in one pass without a `Value` per field:
/// an object keyed by field key (a key given twice keeps its first place and its last value,
/// as a JSON object map does), or any other JSON value, kept for the error that names it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum WireFields {
    Keyed(Vec<(String, WireField)>),
    Other(Value),
}

/// The visits of a JSON value that is not an object, as the `Value` it is (shared by the
/// visitors of [`WireField`] and [`WireFields`], which read objects their own way).
macro_rules! visit_non_object {
    ($wrap:path) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok($wrap(Value::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok($wrap(Value::String(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok($wrap(Value::String(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap(Value::Null))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map($wrap)
        }
    };
}

impl<'de> Deserialize<'de> for WireField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field object or value")
            }
            visit_non_object!(WireField::Bare);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireField, A::Error> {
                let (mut label, mut value, mut change_message) = (None, None, None);
                while let Some(key) = map.next_key::<ObjectKey<'de>>()? {
                    let slot = match key.as_str() {
                        "label" => &mut label,
                        "value" => &mut value,
                        "changeMessage" => &mut change_message,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value::<Value>()?);
                }
                Ok(WireField::Object {
                    label,
                    value,
                    change_message,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Past this many fields, a key given twice is found through a hash map instead of a scan.
const FIELDS_SCANNED: usize = 16;

impl<'de> Deserialize<'de> for WireFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireFields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object keyed by field key")
            }
            visit_non_object!(WireFields::Other);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireFields, A::Error> {
                let mut fields: Vec<(String, WireField)> = Vec::new();
                let mut index: std::collections::HashMap<String, usize> = Default::default();
                while let Some(key) = map.next_key::<String>()? {
                    let item = map.next_value::<WireField>()?;
                    let at = if fields.len() < FIELDS_SCANNED {
                        fields.iter().position(|(k, _)| *k == key)
                    } else {
                        if index.is_empty() {
                            index = fields
                                .iter()
                                .enumerate()
                                .map(|(i, (k, _))| (k.clone(), i))
                                .collect();
                        }
                        index.get(&key).copied()
                    };
                    match at {
                        Some(i) => fields[i].1 = item,
                        None => {
                            if !index.is_empty() {
                                index.insert(key.clone(), fields.len());
                            }
                            fields.push((key, item));
                        }
                    }
                }
                Ok(WireFields::Keyed(fields))
            }
        }
        d.deserialize_any(V)
    }
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
    fn fields_read_in_one_pass_as_a_json_object_map_would() {
        // A key given twice keeps its first place and its last value (as `serde_json::Map`
        // does), past the scanned few too; items are objects or bare values.
        let mut text = String::from(
            r#"{"a": {"value": 1, "label": "A", "x": [1]}, "b": "2", "a": {"value": 3}"#,
        );
        for i in 0..40 {
            text.push_str(&format!(r#", "k{i}": {i}"#));
        }
        text.push_str(
            r#", "k5": [true, null], "k39": {"changeMessage": "c", "changeMessage": 7}}"#,
        );
        let WireFields::Keyed(fields) = serde_json::from_str::<WireFields>(&text).unwrap() else {
            panic!("not keyed");
        };
        let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys.len(), 42);
        assert_eq!(&keys[..3], ["a", "b", "k0"]);
        let map: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(
            map.keys().collect::<Vec<_>>(),
            keys.iter().collect::<Vec<_>>()
        );
        assert_eq!(
            fields[0].1,
            WireField::Object {
                label: None,
                value: Some(json!(3)),
                change_message: None
            }
        );
        assert_eq!(fields[1].1, WireField::Bare(json!("2")));
        assert_eq!(fields[7].1, WireField::Bare(json!([true, null])));
        assert_eq!(
            fields[41].1,
            WireField::Object {
                label: None,
                value: None,
                change_message: Some(json!(7))
            }
        );
        for (odd, value) in [("3", json!(3)), ("[1]", json!([1])), (r#""x""#, json!("x"))] {
            assert_eq!(
                serde_json::from_str::<WireFields>(odd).unwrap(),
                WireFields::Other(value)
            );
        }
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
