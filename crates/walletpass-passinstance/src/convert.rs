//! Canonical values to Passinstance wire shapes and back: passes, fields and their values,
//! barcodes, dates, templates, webhook subscriptions and event names, and the status words.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc3339};
use walletpass_core::{
    Appearance, Barcode, BarcodeFormat, Color, Error, ErrorKind, Field, FieldKey, FieldSpec,
    FieldValue, Fields, NewTemplate, Pass, PassContent, PassId, PassLinks, PassRef, PassStatus,
    Placement, Platform, Template, TemplateId, WebhookEventKind, WebhookId, WebhookSubscription,
};

use crate::PROVIDER;
use crate::wire::{
    FieldBodies, FieldBody, FieldSpecBody, PassBody, TemplateBody, WireField, WireFields, WirePass,
    WireTemplate, WireWebhook,
};

/// The pass style sent when a new template names none (assumption A8).
pub const DEFAULT_PASS_TYPE: &str = "generic";

/// Top-level pass keys this crate manages; `extra` may not carry them.
const PASS_KEYS: &[&str] = &[
    "id",
    "templateId",
    "serialNumber",
    "status",
    "fields",
    "customFields",
    "barcodeFormat",
    "barcodeMessage",
    "barcodeAltText",
    "relevantDate",
    "expirationDate",
    "downloadUrl",
    "createdAt",
    "updatedAt",
    "voidedAt",
];

/// Top-level template keys this crate manages; `extra` may not carry them.
const TEMPLATE_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "passType",
    "organizationName",
    "backgroundColor",
    "foregroundColor",
    "labelColor",
    "fields",
    "createdAt",
];

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::invalid_field(field, message).with_provider(PROVIDER)
}

fn unsupported(what: &str, why: &str) -> Error {
    Error::new(ErrorKind::Unsupported, format!("{what}: {why}"))
        .with_provider(PROVIDER)
        .with_field_error(what, why)
}

fn decode(message: String) -> Error {
    Error::new(ErrorKind::Decode, message).with_provider(PROVIDER)
}

pub(crate) use crate::ids::check_template_id;

/// RFC 3339 text of a time.
pub(crate) fn format_date(date: OffsetDateTime) -> String {
    date.format(&Rfc3339).unwrap_or_else(|_| date.to_string())
}

/// Parse an RFC 3339 (or wider ISO 8601) time the vendor sent in `key`.
pub(crate) fn parse_date(key: &str, text: &str) -> Result<OffsetDateTime, Error> {
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .map_err(|e| decode(format!("{key}: '{text}' is not an ISO 8601 date-time")).with_source(e))
}

fn parse_date_opt(key: &str, text: Option<&str>) -> Result<Option<OffsetDateTime>, Error> {
    text.map(|t| parse_date(key, t)).transpose()
}

/// A time the vendor sent that only informs (or that a read must survive): one that is not
/// ISO 8601 is left out, logged at debug, rather than making the answer unreadable.
fn lenient_date(key: &str, text: Option<&str>) -> Option<OffsetDateTime> {
    parse_date_opt(key, text).unwrap_or_else(|e| {
        tracing::debug!(provider = PROVIDER, key, error = %e, "a time that is not ISO 8601 was left out");
        None
    })
}

/// A field value as sent: numbers stay numbers, date-times become RFC 3339 text (A4).
pub(crate) fn value_to_wire(key: &str, value: &FieldValue) -> Result<Value, Error> {
    match value {
        FieldValue::Text(t) => Ok(Value::String(t.clone())),
        FieldValue::Number(n) => Ok(Value::Number(n.clone())),
        FieldValue::DateTime(d) => Ok(Value::String(format_date(*d))),
        FieldValue::Links(_) => Err(unsupported(
            &format!("fields[{key}].value"),
            "Passinstance field values are scalars; a list of links cannot be stored",
        )),
    }
}

/// A field value as read: text that is exactly an RFC 3339 time reads back as a date-time (A4).
pub(crate) fn value_from_wire(value: &Value) -> FieldValue {
    match value {
        Value::String(s) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(d) if format_date(d) == *s => FieldValue::DateTime(d),
            _ => FieldValue::Text(s.clone()),
        },
        Value::Number(n) => FieldValue::Number(n.clone()),
        Value::Null => FieldValue::Text(String::new()),
        Value::Bool(b) => FieldValue::Text(b.to_string()),
        other => FieldValue::Text(other.to_string()),
    }
}

/// [`value_from_wire`] of an owned value: a text is moved, not copied.
fn value_from_wire_owned(value: Value) -> FieldValue {
    match value {
        Value::String(s) => match OffsetDateTime::parse(&s, &Rfc3339) {
            Ok(d) if format_date(d) == s => FieldValue::DateTime(d),
            _ => FieldValue::Text(s),
        },
        Value::Number(n) => FieldValue::Number(n),
        other => value_from_wire(&other),
    }
}

fn placement_name(p: Placement) -> &'static str {
    p.as_str()
}

fn placement_from(text: &str) -> Result<Placement, Error> {
    Placement::ALL
        .into_iter()
        .find(|p| p.as_str() == text)
        .ok_or_else(|| {
            decode(format!(
                "placement '{text}' is not one of header, primary, secondary, auxiliary, back"
            ))
        })
}

fn barcode_from(text: &str) -> Result<BarcodeFormat, Error> {
    BarcodeFormat::ALL
        .into_iter()
        .find(|f| f.as_str().eq_ignore_ascii_case(text))
        .ok_or_else(|| {
            decode(format!(
                "barcodeFormat '{text}' is not one of qr, pdf417, aztec, code128"
            ))
        })
}

fn check_extra(extra: &Map<String, Value>, managed: &[&str], what: &str) -> Result<(), Error> {
    match extra.keys().find(|k| managed.contains(&k.as_str())) {
        Some(key) => Err(invalid(
            format!("extra.{key}"),
            format!("'{key}' is set by the {what} itself, not through extra"),
        )),
        None => Ok(()),
    }
}

/// The body of a create (`template` and `serial` set) or of a `PUT` (both `None`).
pub(crate) fn pass_body(
    template: Option<&TemplateId>,
    serial: Option<&str>,
    content: &PassContent,
) -> Result<PassBody, Error> {
    check_extra(&content.extra, PASS_KEYS, "pass")?;
    // The content's keys are unique (`Fields`), so the list holds each key once.
    let mut fields = Vec::with_capacity(content.fields.len());
    for field in content.fields.iter() {
        let body = FieldBody {
            label: field.label.clone(),
            value: value_to_wire(field.key.as_str(), &field.value)?,
            change_message: field.change_message.clone(),
        };
        fields.push((field.key.as_str().to_owned(), body));
    }
    let barcode = content.barcode.as_ref();
    Ok(PassBody {
        template_id: template.map(|t| t.as_str().to_owned()),
        serial_number: serial.map(str::to_owned),
        fields: FieldBodies(fields),
        barcode_format: barcode.map(|b| b.format.as_str().to_owned()),
        barcode_message: barcode.map(|b| b.message.clone()),
        barcode_alt_text: barcode.and_then(|b| b.alt_text.clone()),
        relevant_date: content.relevant_date.map(format_date),
        expiration_date: content.expiration_date.map(format_date),
        extra: content.extra.clone(),
    })
}

/// The fields of a pass answer: `fields`, or `customFields` as the older page named them.
/// The answer's strings are moved into the fields, not copied.
fn fields_from_wire(raw: Option<WireFields>) -> Result<Fields, Error> {
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let mut fields = Vec::new();
    match raw {
        None | Some(WireFields::Other(Value::Null)) => {}
        Some(WireFields::Keyed(list)) => {
            fields.reserve(list.len());
            for (key, item) in list {
                let key_checked = FieldKey::new(key.as_str()).map_err(|e| {
                    decode(format!("field key '{key}' cannot be held: {e}")).with_source(e)
                })?;
                let field = match item {
                    WireField::Object {
                        label,
                        value,
                        change_message,
                    } => Field {
                        key: key_checked,
                        label: text(label),
                        value: value_from_wire_owned(value.unwrap_or(Value::Null)),
                        placement: None,
                        change_message: text(change_message),
                    },
                    WireField::Bare(scalar) => Field {
                        key: key_checked,
                        label: None,
                        value: value_from_wire_owned(scalar),
                        placement: None,
                        change_message: None,
                    },
                };
                fields.push(field);
            }
        }
        Some(WireFields::Other(other)) => {
            return Err(decode(format!(
                "a pass's fields are not an object keyed by field key: {other}"
            )));
        }
    }
    // A label on an empty value is the vendor's to keep; the canonical model holds no such
    // field, so the label is left out of the read (logged at debug).
    for field in &mut fields {
        if field.value.is_empty() && field.label.is_some() {
            tracing::debug!(provider = PROVIDER, key = %field.key, "a label on an empty value is not read");
            field.label = None;
        }
    }
    Fields::try_from_vec(fields)
        .map_err(|e| decode(format!("the pass's fields are not valid: {e}")).with_source(e))
}

/// The id of a pass as answered.
pub(crate) fn pass_id_of(wire: &WirePass) -> Result<PassId, Error> {
    PassId::new(wire.id.as_str())
        .map_err(|e| decode(format!("pass id '{}' is not usable: {e}", wire.id)).with_source(e))
}

/// The template of a pass as answered, when it names one.
pub(crate) fn template_of(wire: &WirePass) -> Result<Option<TemplateId>, Error> {
    wire.template_id
        .as_deref()
        .map(|t| {
            TemplateId::new(t)
                .map_err(|e| decode(format!("templateId '{t}' is not usable: {e}")).with_source(e))
        })
        .transpose()
}

/// The canonical content of a pass as answered: what a patch merges into, and part of
/// [`pass_from_wire`]. The fields, the barcode message and alt text and `extra` are moved out
/// of `wire` (the rest is read in place); the other members are left for `pass_from_wire`.
pub(crate) fn content_from_wire(wire: &mut WirePass) -> Result<PassContent, Error> {
    let fields = fields_from_wire(wire.fields.take().or_else(|| wire.custom_fields.take()))?;
    let barcode = match (wire.barcode_format.as_deref(), wire.barcode_message.take()) {
        (Some(format), Some(message)) => {
            // A format word or an empty message the canonical model cannot hold leaves the
            // barcode out of the read (logged at debug), not the whole pass unreadable.
            match barcode_from(format).and_then(|f| {
                Barcode::new(f, message)
                    .map_err(|e| decode(format!("the barcode is not valid: {e}")))
            }) {
                Ok(mut barcode) => {
                    barcode.alt_text = wire.barcode_alt_text.take();
                    Some(barcode)
                }
                Err(e) => {
                    tracing::debug!(provider = PROVIDER, error = %e, "the barcode was not read");
                    None
                }
            }
        }
        _ => None,
    };
    Ok(PassContent {
        fields,
        barcode,
        appearance: Appearance::default(),
        relevant_date: lenient_date("relevantDate", wire.relevant_date.as_deref()),
        expiration_date: lenient_date("expirationDate", wire.expiration_date.as_deref()),
        images: Default::default(),
        locations: Vec::new(),
        extra: std::mem::take(&mut wire.extra),
    })
}

/// A pass answer as a canonical [`Pass`].
pub(crate) fn pass_from_wire(mut wire: WirePass) -> Result<Pass, Error> {
    let id = pass_id_of(&wire)?;
    let template = template_of(&wire)?;
    let content = content_from_wire(&mut wire)?;
    let status = match wire.status.as_deref() {
        Some(word) => PassStatus::parse(word),
        None if wire.voided_at.is_some() => PassStatus::Voided,
        None => PassStatus::Active,
    };
    Ok(Pass {
        serial_number: wire.serial_number.unwrap_or_else(|| wire.id.clone()),
        pass_ref: PassRef { template, id },
        status,
        content,
        links: PassLinks {
            landing: None,
            download: wire.download_url,
            google: None,
        },
        installs: None,
        created_at: lenient_date("createdAt", wire.created_at.as_deref()),
        updated_at: lenient_date("updatedAt", wire.updated_at.as_deref()),
    })
}

/// The `status` filter word of a list request (active, voided, expired).
pub(crate) fn status_filter(status: &PassStatus) -> Result<&'static str, Error> {
    match status {
        PassStatus::Active => Ok("active"),
        PassStatus::Voided => Ok("voided"),
        PassStatus::Expired => Ok("expired"),
        other => Err(unsupported(
            "status",
            &format!(
                "Passinstance passes are active, voided or expired; '{other}' cannot be listed"
            ),
        )),
    }
}

/// Whether `existing` holds what `wanted` asked for: same field keys and values, the same
/// labels and change messages where asked, the same barcode and dates, and every `extra` key
/// asked for with the same value. Labels the vendor filled from the template, and keys the
/// vendor added to its answer, do not count as a difference.
pub(crate) fn same_content(wanted: &PassContent, existing: &PassContent) -> bool {
    if wanted.fields.len() != existing.fields.len() {
        return false;
    }
    let fields_match = wanted.fields.iter().all(|w| {
        existing.fields.get(w.key.as_str()).is_some_and(|e| {
            value_to_wire(w.key.as_str(), &w.value).ok()
                == value_to_wire(e.key.as_str(), &e.value).ok()
                && (w.label.is_none() || w.label == e.label)
                && (w.change_message.is_none() || w.change_message == e.change_message)
        })
    });
    fields_match
        && wanted.barcode == existing.barcode
        && wanted.relevant_date == existing.relevant_date
        && wanted.expiration_date == existing.expiration_date
        && wanted
            .extra
            .iter()
            .all(|(key, value)| existing.extra.get(key) == Some(value))
}

/// The body of `POST /templates`.
pub(crate) fn template_body(template: &NewTemplate) -> Result<TemplateBody, Error> {
    match template.platform {
        None | Some(Platform::Apple) => {}
        Some(other) => {
            return Err(unsupported(
                "platform",
                &format!(
                    "Passinstance templates are Apple pass types; platform {other:?} cannot be chosen"
                ),
            ));
        }
    }
    let a = &template.appearance;
    if a.logo_text.is_some() {
        return Err(unsupported(
            "appearance.logo_text",
            "Passinstance templates have no logo text",
        ));
    }
    check_extra(&template.extra, TEMPLATE_KEYS, "template")?;
    let mut fields = Vec::new();
    for spec in &template.fields {
        if spec.required {
            return Err(unsupported(
                &format!("fields[{}].required", spec.key),
                "Passinstance field specs have no required flag",
            ));
        }
        fields.push(FieldSpecBody {
            key: spec.key.to_string(),
            label: spec.label.clone(),
            placement: spec.placement.map(|p| placement_name(p).to_owned()),
            default_value: spec
                .default
                .as_ref()
                .map(|v| value_to_wire(spec.key.as_str(), v))
                .transpose()?,
        });
    }
    Ok(TemplateBody {
        name: template.name.clone(),
        description: a.description.clone(),
        pass_type: template
            .style
            .clone()
            .unwrap_or_else(|| DEFAULT_PASS_TYPE.to_owned()),
        organization_name: a.organization_name.clone(),
        background_color: a.background_color.map(|c| c.to_string()),
        foreground_color: a.foreground_color.map(|c| c.to_string()),
        label_color: a.label_color.map(|c| c.to_string()),
        fields,
        extra: template.extra.clone(),
    })
}

/// A template color; one the canonical model cannot read is left out (logged at debug).
fn color_from(key: &str, text: Option<&str>) -> Result<Option<Color>, Error> {
    Ok(text.and_then(|t| match t.parse::<Color>() {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::debug!(provider = PROVIDER, key, text = t, %e, "a color that is not #rrggbb or rgb() was left out");
            None
        }
    }))
}

/// A template answer as a canonical [`Template`].
pub(crate) fn template_from_wire(wire: WireTemplate) -> Result<Template, Error> {
    let id = TemplateId::new(wire.id.clone()).map_err(|e| {
        decode(format!("template id '{}' is not usable: {e}", wire.id)).with_source(e)
    })?;
    let mut fields = Vec::new();
    for spec in wire.fields {
        let key = FieldKey::new(spec.key.clone()).map_err(|e| {
            decode(format!("field spec key '{}' cannot be held: {e}", spec.key)).with_source(e)
        })?;
        fields.push(FieldSpec {
            key,
            label: spec.label,
            placement: spec
                .placement
                .as_deref()
                .and_then(|p| placement_from(p).ok()),
            default: spec.default_value.as_ref().map(value_from_wire),
            required: false,
        });
    }
    Ok(Template {
        id,
        name: wire.name.unwrap_or_default(),
        platform: Some(Platform::Apple),
        style: wire.pass_type,
        fields,
        appearance: Appearance {
            organization_name: wire.organization_name,
            description: wire.description,
            logo_text: None,
            background_color: color_from("backgroundColor", wire.background_color.as_deref())?,
            foreground_color: color_from("foregroundColor", wire.foreground_color.as_deref())?,
            label_color: color_from("labelColor", wire.label_color.as_deref())?,
        },
        issued_count: None,
        installed_count: None,
        created_at: lenient_date("createdAt", wire.created_at.as_deref()),
        extra: wire.extra,
    })
}

/// The documented event name of a canonical event kind.
pub(crate) fn event_name(kind: &WebhookEventKind) -> Result<&'static str, Error> {
    match kind {
        WebhookEventKind::PassCreated => Ok("pass.created"),
        WebhookEventKind::PassUpdated => Ok("pass.updated"),
        WebhookEventKind::PassVoided => Ok("pass.voided"),
        WebhookEventKind::TemplateCreated => Ok("template.created"),
        other => Err(unsupported(
            "events",
            &format!(
                "Passinstance sends pass.created, pass.updated, pass.voided and template.created; '{other}' cannot be subscribed to"
            ),
        )),
    }
}

/// The canonical kind of a documented event name.
pub(crate) fn event_kind(name: &str) -> WebhookEventKind {
    match name {
        "pass.created" => WebhookEventKind::PassCreated,
        "pass.updated" => WebhookEventKind::PassUpdated,
        "pass.voided" => WebhookEventKind::PassVoided,
        "template.created" => WebhookEventKind::TemplateCreated,
        other => WebhookEventKind::Other(other.to_owned()),
    }
}

/// A subscription answer as a canonical [`WebhookSubscription`].
pub(crate) fn webhook_from_wire(wire: WireWebhook) -> Result<WebhookSubscription, Error> {
    Ok(WebhookSubscription {
        id: WebhookId::new(wire.id.clone()).map_err(|e| {
            decode(format!("webhook id '{}' is not usable: {e}", wire.id)).with_source(e)
        })?,
        url: wire.url,
        events: wire.events.iter().map(|e| event_kind(e)).collect(),
        template: None,
        active: wire.active.unwrap_or(true),
        created_at: parse_date_opt("createdAt", wire.created_at.as_deref())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_example_converts_to_the_documented_body() {
        // "Quickstart": the create example's body.
        let content = PassContent::builder()
            .field(
                Field::new("memberName", "Jane Doe")
                    .unwrap()
                    .with_label("Member"),
            )
            .field(Field::new("tier", "Gold").unwrap().with_label("Tier"))
            .barcode(Barcode::new(BarcodeFormat::Qr, "ORDER-1001-GOLD").unwrap())
            .build()
            .unwrap();
        let template = TemplateId::new("tpl_abcdef1234567890").unwrap();
        let body = pass_body(Some(&template), Some("ORDER-1001"), &content).unwrap();
        let fixture: Value =
            serde_json::from_str(include_str!("../tests/fixtures/create-pass-request.json"))
                .unwrap();
        assert_eq!(serde_json::to_value(&body).unwrap(), fixture);
    }

    #[test]
    fn values_keep_their_type_both_ways() {
        let when = time::macros::datetime!(2024-12-15 19:00:00 UTC);
        for value in [
            FieldValue::from("Gold"),
            FieldValue::from(1200),
            FieldValue::DateTime(when),
        ] {
            let wire = value_to_wire("k", &value).unwrap();
            assert_eq!(value_from_wire(&wire), value);
        }
        assert_eq!(
            value_from_wire(&json!("2024-12-15")),
            FieldValue::from("2024-12-15")
        );
        assert_eq!(value_from_wire(&json!(true)), FieldValue::from("true"));
        let link = walletpass_core::Link {
            label: None,
            url: "https://example.com".parse().unwrap(),
        };
        let err = value_to_wire("site", &FieldValue::Links(vec![link])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(err.to_string().contains("fields[site]"));
    }

    #[test]
    fn a_pass_answer_reads_with_custom_fields_and_extras() {
        let wire: WirePass = serde_json::from_value(json!({
            "id": "pass_1", "templateId": "tpl_abcdef1234567890", "serialNumber": "VIP2024-001",
            "status": "voided",
            "customFields": { "tier": { "value": "Gold", "label": "Tier" }, "seat": "12A" },
            "relevantDate": "2024-12-15T19:00:00Z",
            "downloadUrl": "https://example.com/p/pass_1.pkpass",
            "campaign": "winter"
        }))
        .unwrap();
        let pass = pass_from_wire(wire).unwrap();
        assert_eq!(pass.pass_ref.id.as_str(), "pass_1");
        assert_eq!(pass.serial_number, "VIP2024-001");
        assert_eq!(pass.status, PassStatus::Voided);
        assert_eq!(
            pass.content.field("tier").unwrap().label.as_deref(),
            Some("Tier")
        );
        assert_eq!(
            pass.content.field("seat").unwrap().value,
            FieldValue::from("12A")
        );
        assert!(pass.content.relevant_date.is_some());
        assert_eq!(pass.content.extra["campaign"], "winter");
        assert_eq!(
            pass.links.download.as_deref(),
            Some("https://example.com/p/pass_1.pkpass")
        );
    }

    #[test]
    fn template_ids_are_checked() {
        assert!(check_template_id(&TemplateId::new("tpl_abcdef1234567890").unwrap()).is_ok());
        let err = check_template_id(&TemplateId::new("ptk_0x14").unwrap()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("ptk_0x14"));
    }

    #[test]
    fn templates_round_trip_and_refuse_what_cannot_be_kept() {
        let mut new = NewTemplate::new("VIP Event Ticket")
            .unwrap()
            .with_style("eventTicket")
            .with_field(
                FieldSpec::new("seat")
                    .unwrap()
                    .with_label("Seat")
                    .with_placement(Placement::Primary),
            )
            .unwrap();
        new.appearance.background_color = Some("#1f2937".parse().unwrap());
        new.extra
            .insert("teamIdentifier".into(), json!("TEAM123456789"));
        let body = serde_json::to_value(template_body(&new).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({ "name": "VIP Event Ticket", "passType": "eventTicket",
                    "backgroundColor": "#1f2937", "teamIdentifier": "TEAM123456789",
                    "fields": [{ "key": "seat", "label": "Seat", "placement": "primary" }] })
        );
        let mut answer = body.clone();
        answer["id"] = json!("tpl_0123456789abcdef");
        let read = template_from_wire(serde_json::from_value(answer).unwrap()).unwrap();
        assert_eq!(read.fields, new.fields);
        assert_eq!(read.appearance, new.appearance);
        assert_eq!(read.extra, new.extra);

        new.appearance.logo_text = Some("VIP".into());
        assert_eq!(
            template_body(&new).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }

    #[test]
    fn same_content_ignores_labels_the_template_filled() {
        let wanted = PassContent::builder()
            .value("tier", "Gold")
            .build()
            .unwrap();
        let existing = PassContent::builder()
            .field(Field::new("tier", "Gold").unwrap().with_label("Tier"))
            .build()
            .unwrap();
        assert!(same_content(&wanted, &existing));
        let other = PassContent::builder()
            .value("tier", "Silver")
            .build()
            .unwrap();
        assert!(!same_content(&other, &existing));
    }

    #[test]
    fn same_content_compares_the_extra_keys_asked_for() {
        // Issue 4: a retried create returns the existing pass only when its content is the same.
        let with_extra = |pairs: Value| {
            let mut content = PassContent::builder()
                .value("tier", "Gold")
                .build()
                .unwrap();
            content.extra = pairs.as_object().unwrap().clone();
            content
        };
        let wanted = with_extra(json!({ "campaign": "winter" }));
        assert!(same_content(
            &wanted,
            &with_extra(json!({ "campaign": "winter", "installs": 3 }))
        ));
        assert!(!same_content(
            &wanted,
            &with_extra(json!({ "campaign": "summer" }))
        ));
        assert!(!same_content(&wanted, &with_extra(json!({}))));
    }
}
