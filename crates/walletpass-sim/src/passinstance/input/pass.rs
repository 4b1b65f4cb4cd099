//! Pass bodies (create and replace): template, serial number, fields (or the older
//! `customFields`), barcode and dates.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::checker::Checker;
use crate::passinstance::errors::{ApiError, FieldError};

/// Keys of a pass answer that a client may send back unchanged in a body; they are ignored.
pub const PASS_READ_ONLY_KEYS: &[&str] = &[
    "id",
    "status",
    "createdAt",
    "updatedAt",
    "voidedAt",
    "downloadUrl",
];

/// The barcode formats accepted in `barcodeFormat` (the doc shows `qr`).
pub const BARCODE_FORMATS: &[&str] = &["qr", "pdf417", "aztec", "code128"];

/// The longest serial number accepted.
pub const MAX_SERIAL_LEN: usize = 128;

/// A checked barcode.
#[derive(Clone, Debug, PartialEq)]
pub struct BarcodeInput {
    /// One of [`BARCODE_FORMATS`].
    pub format: String,
    /// The encoded message.
    pub message: String,
    /// Text shown under the barcode.
    pub alt_text: Option<String>,
}

/// A checked pass body (create or replace).
#[derive(Clone, Debug, PartialEq)]
pub struct PassInput {
    /// `templateId`.
    pub template_id: Option<String>,
    /// `serialNumber`.
    pub serial_number: Option<String>,
    /// `fields` (or the older `customFields`): key -> `{label?, value, changeMessage?}`.
    pub fields: Map<String, Value>,
    /// `barcodeFormat` + `barcodeMessage` + `barcodeAltText`.
    pub barcode: Option<BarcodeInput>,
    /// `relevantDate`.
    pub relevant_date: Option<OffsetDateTime>,
    /// `expirationDate`.
    pub expiration_date: Option<OffsetDateTime>,
}

/// Check a pass body. `fields` is required on create, and `customFields` (the older docs' name)
/// is accepted in its place.
pub fn pass_input(obj: &Map<String, Value>, create: bool) -> Result<PassInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(
        &[
            "templateId",
            "serialNumber",
            "fields",
            "customFields",
            "barcodeFormat",
            "barcodeMessage",
            "barcodeAltText",
            "relevantDate",
            "expirationDate",
        ],
        PASS_READ_ONLY_KEYS,
    );
    let template_id = if create {
        c.required_string("templateId", 64)
    } else {
        c.string("templateId", 64)
    };
    let serial_number = if create {
        c.required_string("serialNumber", MAX_SERIAL_LEN)
    } else {
        c.string("serialNumber", MAX_SERIAL_LEN)
    };
    if let Some(serial) = &serial_number
        && serial.chars().any(char::is_control)
    {
        c.fail("serialNumber", "must not contain control characters");
    }
    let fields_key = match (obj.get("fields"), obj.get("customFields")) {
        (Some(_), Some(_)) => {
            c.fail("customFields", "must not be sent together with fields");
            "fields"
        }
        (None, Some(_)) => "customFields",
        _ => "fields",
    };
    let mut fields = Map::new();
    match obj.get(fields_key) {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, field) in map {
                let path = format!("{fields_key}.{key}");
                match field_input(field, &path) {
                    Ok(value) => {
                        fields.insert(key.clone(), value);
                    }
                    Err(mut errors) => c.errors.append(&mut errors),
                }
            }
        }
        Some(_) => c.fail(
            fields_key,
            "must be an object keyed by field key, each { label, value }",
        ),
    }
    let format = c.string("barcodeFormat", 16);
    let format = c.one_of("barcodeFormat", format, BARCODE_FORMATS);
    let message = c.string("barcodeMessage", 2048);
    let alt_text = c.string("barcodeAltText", 256);
    let barcode = match (format, message) {
        (Some(format), Some(message)) => Some(BarcodeInput {
            format,
            message,
            alt_text,
        }),
        (None, None) => {
            if alt_text.is_some() {
                c.fail("barcodeAltText", "needs barcodeFormat and barcodeMessage");
            }
            None
        }
        (Some(_), None) => {
            if !c.errors.iter().any(|e| e.field == "barcodeMessage") {
                c.fail("barcodeMessage", "is required when barcodeFormat is set");
            }
            None
        }
        (None, Some(_)) => {
            if !c.errors.iter().any(|e| e.field == "barcodeFormat") {
                c.fail("barcodeFormat", "is required when barcodeMessage is set");
            }
            None
        }
    };
    let relevant_date = c.date("relevantDate");
    let expiration_date = c.date("expirationDate");
    c.finish(PassInput {
        template_id,
        serial_number,
        fields,
        barcode,
        relevant_date,
        expiration_date,
    })
}

/// Check one `{ label?, value, changeMessage? }` field object.
fn field_input(field: &Value, path: &str) -> Result<Value, Vec<FieldError>> {
    let Value::Object(obj) = field else {
        return Err(vec![FieldError::new(
            path,
            "must be an object { label, value }",
        )]);
    };
    let mut c = Checker::new(obj, path);
    c.unknown_keys(&["label", "value", "changeMessage"], &[]);
    let label = c.string("label", 128);
    let change_message = c.string("changeMessage", 256);
    if let Some(message) = &change_message
        && !message.contains("%@")
    {
        c.fail("changeMessage", "must contain %@, where the new value goes");
    }
    let value = match obj.get("value") {
        None | Some(Value::Null) => {
            c.fail("value", "is required");
            None
        }
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => Some(v.clone()),
        Some(_) => {
            c.fail("value", "must be a string, a number or a boolean");
            None
        }
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let mut out = Map::new();
    if let Some(label) = label {
        out.insert("label".into(), Value::String(label));
    }
    if let Some(value) = value {
        out.insert("value".into(), value);
    }
    if let Some(message) = change_message {
        out.insert("changeMessage".into(), Value::String(message));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn documented_create_body_is_accepted() {
        // "Quickstart": the documented create example.
        let input = pass_input(
            &obj(json!({
                "templateId": "tpl_abcdef1234567890",
                "serialNumber": "ORDER-1001",
                "fields": {
                    "memberName": { "label": "Member", "value": "Jane Doe" },
                    "tier": { "label": "Tier", "value": "Gold" }
                },
                "barcodeFormat": "qr",
                "barcodeMessage": "ORDER-1001-GOLD"
            })),
            true,
        )
        .unwrap();
        assert_eq!(input.serial_number.as_deref(), Some("ORDER-1001"));
        assert_eq!(input.fields.len(), 2);
        assert_eq!(input.barcode.unwrap().format, "qr");
    }

    #[test]
    fn older_custom_fields_and_dates_are_accepted() {
        let input = pass_input(
            &obj(json!({
                "templateId": "tpl_abcdef1234567890",
                "serialNumber": "VIP2024-001",
                "customFields": { "tier": { "value": "Gold", "label": "Tier" } },
                "relevantDate": "2024-12-15T19:00:00Z",
                "expirationDate": "2024-12-16T02:00:00Z"
            })),
            true,
        )
        .unwrap();
        assert_eq!(input.fields.len(), 1);
        assert!(input.relevant_date.is_some());
    }

    #[test]
    fn every_problem_is_reported() {
        let err = pass_input(
            &obj(json!({
                "fields": { "tier": { "label": 3 } },
                "barcodeFormat": "ean13",
                "relevantDate": "tomorrow",
                "colour": "red"
            })),
            true,
        )
        .unwrap_err();
        let fields: Vec<&str> = err.details.iter().map(|d| d.field.as_str()).collect();
        for expected in [
            "colour",
            "templateId",
            "serialNumber",
            "fields.tier.label",
            "fields.tier.value",
            "barcodeFormat",
            "relevantDate",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }
}
