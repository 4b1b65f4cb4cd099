//! Parsing and validating request bodies and query strings into checked inputs, collecting every
//! problem as a per-field detail of one 422 answer.
//!
//! Bodies are strict: a key the simulator does not know is rejected rather than silently dropped
//! (assumption S4), except the read-only keys a client may echo back from a read.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::errors::{ApiError, FieldError};

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

/// The Apple pass styles accepted in a template's `passType` (the old page shows `eventTicket`).
pub const PASS_TYPES: &[&str] = &[
    "boardingPass",
    "coupon",
    "eventTicket",
    "generic",
    "storeCard",
];

/// Where a template field is shown, in a template's `fields[].placement`.
pub const PLACEMENTS: &[&str] = &["header", "primary", "secondary", "auxiliary", "back"];

/// The documented webhook events.
pub const EVENTS: &[&str] = &[
    "pass.created",
    "pass.updated",
    "pass.voided",
    "template.created",
];

/// The operations a batch job runs.
pub const BATCH_OPERATIONS: &[&str] = &["create", "update", "void", "delete"];

/// The most items one batch job accepts.
pub const MAX_BATCH_ITEMS: usize = 1000;

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

/// A checked template field spec.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSpec {
    /// The field key passes use.
    pub key: String,
    /// The default label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// One of [`PLACEMENTS`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// The value used when a pass does not set the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
}

/// A checked template body.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateInput {
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `passType`.
    pub pass_type: String,
    /// `organizationName`.
    pub organization_name: Option<String>,
    /// `teamIdentifier`.
    pub team_identifier: Option<String>,
    /// `passTypeIdentifier`.
    pub pass_type_identifier: Option<String>,
    /// `backgroundColor`.
    pub background_color: Option<String>,
    /// `foregroundColor`.
    pub foreground_color: Option<String>,
    /// `labelColor`.
    pub label_color: Option<String>,
    /// `fields`.
    pub fields: Vec<FieldSpec>,
}

/// A checked webhook subscription body.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookInput {
    /// `url`.
    pub url: String,
    /// `events`.
    pub events: Vec<String>,
    /// `secret`, when the caller chose one.
    pub secret: Option<String>,
}

/// A checked bundle body.
#[derive(Clone, Debug, PartialEq)]
pub struct BundleInput {
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `passIds`.
    pub pass_ids: Vec<String>,
}

/// The target of a push notification.
#[derive(Clone, Debug, PartialEq)]
pub enum NotificationTarget {
    /// `passId`.
    Pass(String),
    /// `bundleId`.
    Bundle(String),
}

/// A checked push-notification body.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationInput {
    /// Where it goes.
    pub target: NotificationTarget,
    /// `message`.
    pub message: String,
}

/// A checked batch body.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchInput {
    /// One of [`BATCH_OPERATIONS`].
    pub operation: String,
    /// The items, checked one by one while the job runs.
    pub items: Vec<Value>,
}

/// Page and page size of a list request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery {
    /// 1-based page number.
    pub page: usize,
    /// Items per page (1..=100, default 20).
    pub limit: usize,
}

/// Parse a raw body as a JSON object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid_field("body", "must be a JSON object")),
        Err(err) => Err(ApiError::invalid_field(
            "body",
            format!("is not valid JSON: {err}"),
        )),
    }
}

/// Collects the problems of one body.
struct Checker<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
    errors: Vec<FieldError>,
}

impl<'a> Checker<'a> {
    fn new(obj: &'a Map<String, Value>, prefix: &str) -> Self {
        Self {
            obj,
            prefix: prefix.to_owned(),
            errors: Vec::new(),
        }
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    fn fail(&mut self, key: &str, message: impl Into<String>) {
        let path = self.path(key);
        self.errors.push(FieldError::new(path, message));
    }

    fn unknown_keys(&mut self, allowed: &[&str], ignored: &[&str]) {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()) && !ignored.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.fail(&key, "is not a known property");
        }
    }

    /// A string value: `None` when absent or null.
    fn string(&mut self, key: &str, max: usize) -> Option<String> {
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.fail(key, "must not be empty");
                None
            }
            Some(Value::String(s)) if s.chars().count() > max => {
                self.fail(key, format!("must be at most {max} characters"));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.fail(key, "must be a string");
                None
            }
        }
    }

    fn required_string(&mut self, key: &str, max: usize) -> Option<String> {
        if matches!(self.obj.get(key), None | Some(Value::Null)) {
            self.fail(key, "is required");
            return None;
        }
        self.string(key, max)
    }

    fn one_of(&mut self, key: &str, value: Option<String>, allowed: &[&str]) -> Option<String> {
        let value = value?;
        if allowed.contains(&value.as_str()) {
            Some(value)
        } else {
            self.fail(key, format!("must be one of {}", allowed.join(", ")));
            None
        }
    }

    fn date(&mut self, key: &str) -> Option<OffsetDateTime> {
        let raw = self.string(key, 64)?;
        match OffsetDateTime::parse(&raw, &Rfc3339) {
            Ok(date) => Some(date),
            Err(_) => {
                self.fail(
                    key,
                    "must be an ISO 8601 date-time with an offset, such as 2024-12-15T19:00:00Z",
                );
                None
            }
        }
    }

    fn color(&mut self, key: &str) -> Option<String> {
        let raw = self.string(key, 32)?;
        if is_color(&raw) {
            Some(raw)
        } else {
            self.fail(key, "must be a color such as #1f2937 or rgb(31, 41, 55)");
            None
        }
    }

    fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::invalid(self.errors))
        }
    }
}

/// Whether `raw` is `#rgb`, `#rrggbb` or `rgb(r, g, b)` with components 0..=255.
pub fn is_color(raw: &str) -> bool {
    if let Some(hex) = raw.strip_prefix('#') {
        return matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let Some(inner) = raw
        .strip_prefix("rgb(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return false;
    };
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    parts.len() == 3 && parts.iter().all(|p| p.parse::<u8>().is_ok())
}

/// Whether `url` is an absolute `https://` URL with a host: "Register HTTPS receivers"
/// (Quickstart), loopback hosts included (no testing allowance: a test receiver serves https,
/// see [`super::start_trusting`]).
pub fn is_webhook_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|parsed| parsed.scheme() == "https" && parsed.host().is_some())
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

/// Check a template body.
pub fn template_input(obj: &Map<String, Value>) -> Result<TemplateInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(
        &[
            "name",
            "description",
            "passType",
            "organizationName",
            "teamIdentifier",
            "passTypeIdentifier",
            "backgroundColor",
            "foregroundColor",
            "labelColor",
            "fields",
        ],
        &["id", "createdAt", "updatedAt"],
    );
    let name = c.required_string("name", 200);
    let description = c.string("description", 1000);
    let pass_type = c.required_string("passType", 32);
    let pass_type = c.one_of("passType", pass_type, PASS_TYPES);
    let organization_name = c.string("organizationName", 200);
    let team_identifier = c.string("teamIdentifier", 32);
    if let Some(team) = &team_identifier
        && !team.chars().all(|ch| ch.is_ascii_alphanumeric())
    {
        c.fail("teamIdentifier", "must be letters and digits only");
    }
    let pass_type_identifier = c.string("passTypeIdentifier", 255);
    if let Some(id) = &pass_type_identifier
        && !id.starts_with("pass.")
    {
        c.fail(
            "passTypeIdentifier",
            "must start with pass. (reverse DNS, such as pass.com.example.event)",
        );
    }
    let background_color = c.color("backgroundColor");
    let foreground_color = c.color("foregroundColor");
    let label_color = c.color("labelColor");
    let mut fields = Vec::new();
    match obj.get("fields") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let mut seen = BTreeSet::new();
            for (index, item) in items.iter().enumerate() {
                let path = format!("fields.{index}");
                let Value::Object(spec) = item else {
                    c.errors.push(FieldError::new(
                        path,
                        "must be an object { key, label, placement, defaultValue }",
                    ));
                    continue;
                };
                let mut s = Checker::new(spec, &path);
                s.unknown_keys(&["key", "label", "placement", "defaultValue"], &[]);
                let key = s.required_string("key", 64);
                if let Some(k) = &key {
                    let mut chars = k.chars();
                    let valid = chars.next().is_some_and(|ch| ch.is_ascii_alphabetic())
                        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
                    if !valid {
                        s.fail(
                            "key",
                            "must start with a letter and hold only letters, digits and _",
                        );
                    } else if !seen.insert(k.clone()) {
                        s.fail("key", format!("{k} is defined twice"));
                    }
                }
                let label = s.string("label", 128);
                let placement = s.string("placement", 16);
                let placement = s.one_of("placement", placement, PLACEMENTS);
                let default_value = match spec.get("defaultValue") {
                    None | Some(Value::Null) => None,
                    Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
                        Some(v.clone())
                    }
                    Some(_) => {
                        s.fail("defaultValue", "must be a string, a number or a boolean");
                        None
                    }
                };
                c.errors.append(&mut s.errors);
                if let Some(key) = key {
                    fields.push(FieldSpec {
                        key,
                        label,
                        placement,
                        default_value,
                    });
                }
            }
        }
        Some(_) => c.fail("fields", "must be an array of field specs"),
    }
    let (Some(name), Some(pass_type)) = (name, pass_type) else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(TemplateInput {
        name,
        description,
        pass_type,
        organization_name,
        team_identifier,
        pass_type_identifier,
        background_color,
        foreground_color,
        label_color,
        fields,
    })
}

/// Check a webhook subscription body.
pub fn webhook_input(obj: &Map<String, Value>) -> Result<WebhookInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(&["url", "events", "secret"], &[]);
    let url = c.required_string("url", 2048);
    if let Some(u) = &url
        && !is_webhook_url(u)
    {
        c.fail(
            "url",
            "must be an https URL (receivers are registered over HTTPS)",
        );
    }
    let mut events = Vec::new();
    match obj.get("events") {
        None | Some(Value::Null) => c.fail("events", "is required"),
        Some(Value::Array(items)) if items.is_empty() => c.fail("events", "must not be empty"),
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(event) if EVENTS.contains(&event) => {
                        if !events.iter().any(|e| e == event) {
                            events.push(event.to_owned());
                        }
                    }
                    _ => c.fail(
                        &format!("events.{index}"),
                        format!("must be one of {}", EVENTS.join(", ")),
                    ),
                }
            }
        }
        Some(_) => c.fail("events", "must be an array of event names"),
    }
    let secret = c.string("secret", 256);
    if let Some(s) = &secret
        && s.len() < 16
    {
        c.fail("secret", "must be at least 16 characters");
    }
    let Some(url) = url else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(WebhookInput {
        url,
        events,
        secret,
    })
}

/// Check a bundle body.
pub fn bundle_input(obj: &Map<String, Value>) -> Result<BundleInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(&["name", "description", "passIds"], &[]);
    let name = c.required_string("name", 200);
    let description = c.string("description", 1000);
    let mut pass_ids = Vec::new();
    match obj.get("passIds") {
        None | Some(Value::Null) => c.fail("passIds", "is required"),
        Some(Value::Array(items)) if items.is_empty() => c.fail("passIds", "must not be empty"),
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(id) if pass_ids.iter().any(|p| p == id) => {
                        c.fail(&format!("passIds.{index}"), format!("{id} is listed twice"))
                    }
                    Some(id) => pass_ids.push(id.to_owned()),
                    None => c.fail(&format!("passIds.{index}"), "must be a pass id"),
                }
            }
        }
        Some(_) => c.fail("passIds", "must be an array of pass ids"),
    }
    let Some(name) = name else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(BundleInput {
        name,
        description,
        pass_ids,
    })
}

/// Check a push-notification body: `message` and exactly one of `passId` / `bundleId`.
pub fn notification_input(obj: &Map<String, Value>) -> Result<NotificationInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(&["passId", "bundleId", "message"], &[]);
    let message = c.required_string("message", 500);
    let pass_id = c.string("passId", 64);
    let bundle_id = c.string("bundleId", 64);
    let target = match (pass_id, bundle_id) {
        (Some(p), None) => Some(NotificationTarget::Pass(p)),
        (None, Some(b)) => Some(NotificationTarget::Bundle(b)),
        (Some(_), Some(_)) => {
            c.fail("bundleId", "send either passId or bundleId, not both");
            None
        }
        (None, None) => {
            if !c
                .errors
                .iter()
                .any(|e| e.field == "passId" || e.field == "bundleId")
            {
                c.fail("passId", "one of passId or bundleId is required");
            }
            None
        }
    };
    let (Some(target), Some(message)) = (target, message) else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(NotificationInput { target, message })
}

/// Check a batch body: `operation` and `items` (1..=[`MAX_BATCH_ITEMS`] objects).
pub fn batch_input(obj: &Map<String, Value>) -> Result<BatchInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(&["operation", "items"], &[]);
    let operation = c.required_string("operation", 16);
    let operation = c.one_of("operation", operation, BATCH_OPERATIONS);
    let mut items = Vec::new();
    match obj.get("items") {
        None | Some(Value::Null) => c.fail("items", "is required"),
        Some(Value::Array(list)) if list.is_empty() => c.fail("items", "must not be empty"),
        Some(Value::Array(list)) if list.len() > MAX_BATCH_ITEMS => c.fail(
            "items",
            format!(
                "must hold at most {MAX_BATCH_ITEMS} items (got {})",
                list.len()
            ),
        ),
        Some(Value::Array(list)) => {
            for (index, item) in list.iter().enumerate() {
                if item.is_object() {
                    items.push(item.clone());
                } else {
                    c.fail(&format!("items.{index}"), "must be an object");
                }
            }
        }
        Some(_) => c.fail("items", "must be an array"),
    }
    let Some(operation) = operation else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(BatchInput { operation, items })
}

/// Check `page` (>= 1) and `limit` (1..=100, default 20) of a list request.
pub fn page_query(query: &HashMap<String, String>) -> Result<PageQuery, ApiError> {
    let mut errors = Vec::new();
    let mut number = |key: &str, default: usize, max: usize| -> usize {
        match query.get(key) {
            None => default,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        key,
                        format!("must be an integer from 1 to {max}"),
                    ));
                    default
                }
            },
        }
    };
    let page = number("page", 1, usize::MAX);
    let limit = number("limit", 20, 100);
    if errors.is_empty() {
        Ok(PageQuery { page, limit })
    } else {
        Err(ApiError::invalid(errors))
    }
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

    #[test]
    fn colors_and_urls() {
        assert!(is_color("#1f2937"));
        assert!(is_color("rgb(31, 41, 55)"));
        assert!(!is_color("rgb(310, 41, 55)"));
        assert!(!is_color("blue"));
        assert!(is_webhook_url("https://example.com/hook"));
        // "Register HTTPS receivers" (Quickstart): no http, not even to loopback.
        assert!(is_webhook_url("https://127.0.0.1:9000/hook"));
        assert!(!is_webhook_url("http://127.0.0.1:9000/hook"));
        assert!(!is_webhook_url("http://localhost/hook"));
        assert!(!is_webhook_url("http://[::1]/hook"));
        assert!(!is_webhook_url("http://example.com/hook"));
        assert!(!is_webhook_url("ftp://example.com/hook"));
    }

    #[test]
    fn page_query_bounds() {
        let mut q = HashMap::new();
        assert_eq!(page_query(&q).unwrap(), PageQuery { page: 1, limit: 20 });
        q.insert("limit".to_owned(), "101".to_owned());
        assert_eq!(page_query(&q).unwrap_err().details[0].field, "limit");
    }
}
