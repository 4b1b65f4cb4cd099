//! Wire <-> canonical: pass values keyed by API field name to canonical fields (labels and
//! placements from the template's configured specs), list rows with their status and dates,
//! templates, webhook subscriptions and delivery results; and canonical content back to the
//! `pass` object PassNinja takes.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use walletpass_core::{
    Error, ErrorKind, Field, FieldSpec, FieldValue, Fields, InstallStats, Pass, PassContent,
    PassId, PassLinks, PassRef, PassStatus, Platform, Template, TemplateId, WebhookDelivery,
    WebhookEventKind, WebhookId, WebhookSubscription,
};

use crate::wire;

fn decode(message: String) -> Error {
    Error::new(ErrorKind::Decode, message).with_provider(crate::PROVIDER)
}

/// An RFC 3339 time from the vendor. Times are informational: one in another format is left
/// out (logged at debug), never a reason to make the answer unreadable.
pub(crate) fn time(what: &str, text: Option<&str>) -> Result<Option<OffsetDateTime>, Error> {
    match text {
        None => Ok(None),
        Some(t) => match OffsetDateTime::parse(t.trim(), &Rfc3339) {
            Ok(at) => Ok(Some(at)),
            Err(e) => {
                tracing::debug!(provider = crate::PROVIDER, what, text = t, %e, "a time that is not RFC 3339 was left out");
                Ok(None)
            }
        },
    }
}

/// A canonical value as PassNinja takes it: every value is a string on the wire, as every doc
/// example and the CRM recipe send them (`String(points)`): text as it is, numbers in their
/// decimal form, date-times as RFC 3339 text. Link lists have no PassNinja form.
pub(crate) fn value_to_json(field: &Field) -> Result<Value, Error> {
    match &field.value {
        FieldValue::Links(_) => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "fields[{}]: PassNinja pass values are text or numbers; a list of links cannot be stored",
                field.key
            ),
        )
        .with_field_error(format!("fields[{}]", field.key), "link values are not supported")),
        other => Ok(match other.to_json() {
            Value::Number(n) => Value::String(n.to_string()),
            value => value,
        }),
    }
}

/// A PassNinja value as a canonical one. Values travel as strings: one reads back as a number
/// where the template's spec says the field is a number (its default is one) and the text is a
/// number; a number the vendor sends as a JSON number stays one.
/// The value is moved in: a text is not copied.
pub(crate) fn json_to_value(value: Value, spec: Option<&FieldSpec>) -> FieldValue {
    let numeric = spec.is_some_and(|s| matches!(s.default, Some(FieldValue::Number(_))));
    match value {
        Value::String(s) if numeric => match s.trim().parse::<serde_json::Number>() {
            Ok(n) => FieldValue::Number(n),
            Err(_) => FieldValue::Text(s),
        },
        Value::String(s) => FieldValue::Text(s),
        Value::Number(n) => FieldValue::Number(n),
        Value::Null => FieldValue::Text(String::new()),
        other => FieldValue::Text(other.to_string()),
    }
}

/// A field's label and placement must be what the template says: PassNinja keeps them on the
/// template, so a different one could not be stored.
pub(crate) fn check_template_layout(
    template: &TemplateId,
    specs: Option<&[FieldSpec]>,
    field: &Field,
) -> Result<(), Error> {
    if field.label.is_none() && field.placement.is_none() {
        return Ok(());
    }
    let spec = specs.and_then(|s| s.iter().find(|s| s.key == field.key));
    let name = format!("fields[{}]", field.key);
    let Some(spec) = spec else {
        return Err(Error::invalid_field(
            name,
            format!(
                "PassNinja keeps labels and placements on the template; declare the field specs of {template} (a PASSNINJA_FIELD_SPECS file), or send the value without a label and placement"
            ),
        ));
    };
    if field.label.is_some() && field.label != spec.label {
        return Err(Error::invalid_field(
            name,
            format!(
                "label {:?} differs from template {template}'s label {:?}; PassNinja labels are set in the template editor",
                field.label.as_deref().unwrap_or_default(),
                spec.label.as_deref().unwrap_or_default()
            ),
        ));
    }
    if field.placement.is_some() && field.placement != spec.placement {
        return Err(Error::invalid_field(
            name,
            format!(
                "placement {:?} differs from template {template}'s placement {:?}",
                field.placement, spec.placement
            ),
        ));
    }
    Ok(())
}

/// The `pass` object for `fields`.
pub(crate) fn values_of<'a>(
    template: &TemplateId,
    specs: Option<&[FieldSpec]>,
    fields: impl IntoIterator<Item = &'a Field>,
) -> Result<Map<String, Value>, Error> {
    let mut out = Map::new();
    for field in fields {
        check_template_layout(template, specs, field)?;
        if field.change_message.is_some() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("fields[{}]: PassNinja has no change messages", field.key),
            ));
        }
        out.insert(field.key.as_str().to_owned(), value_to_json(field)?);
    }
    Ok(out)
}

/// The recipient in `content.extra`, the only extra key PassNinja takes (on create only).
pub(crate) fn recipient_of(
    content: &PassContent,
    on_create: bool,
) -> Result<Option<wire::Recipient>, Error> {
    if let Some(key) = content.extra.keys().find(|k| k.as_str() != "recipient") {
        return Err(Error::invalid_field(
            format!("extra.{key}"),
            "PassNinja passes take no extra properties besides `recipient` (on create)",
        ));
    }
    let Some(value) = content.extra.get("recipient") else {
        return Ok(None);
    };
    if !on_create {
        return Err(Error::invalid_field(
            "extra.recipient",
            "a recipient can only be given when the pass is created",
        ));
    }
    let recipient = <wire::Recipient as serde::Deserialize>::deserialize(value).map_err(|e| {
        Error::invalid_field(
            "extra.recipient",
            format!("expected {{name, message?, sms?, email?}}: {e}"),
        )
    })?;
    if recipient.name.trim().is_empty() {
        return Err(Error::invalid_field(
            "extra.recipient.name",
            "the name is required",
        ));
    }
    if let Some(sms) = &recipient.sms {
        let digits = sms.strip_prefix('+').unwrap_or_default();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::invalid_field(
                "extra.recipient.sms",
                format!("'{sms}' is not an internationally formatted number such as +15613437899"),
            ));
        }
    }
    if let Some(email) = &recipient.email
        && !email
            .split_once('@')
            .is_some_and(|(u, h)| !u.is_empty() && h.contains('.'))
    {
        return Err(Error::invalid_field(
            "extra.recipient.email",
            format!("'{email}' is not an email address"),
        ));
    }
    Ok(Some(recipient))
}

/// Canonical fields from PassNinja values: template order first (labels and placements from
/// the specs), then any other keys in the order received.
pub(crate) fn fields_of(
    values: Map<String, Value>,
    specs: Option<&[FieldSpec]>,
) -> Result<Fields, Error> {
    // The spec'd keys first, in spec order, then the others as the vendor sent them; each
    // value is moved out of the answer.
    let mut entries: Vec<Option<(String, Value)>> = values.into_iter().map(Some).collect();
    let field_of = |key: String, raw: Value| -> Result<Option<Field>, Error> {
        let spec = specs.and_then(|s| s.iter().find(|s| s.key.as_str() == key));
        let value = json_to_value(raw, spec);
        // An empty value is PassNinja's "not set" (the default of a template field that has
        // none): it reads back as an absent field, as on the other backends.
        if value.is_empty() {
            return Ok(None);
        }
        let mut field = Field::new(key, value).map_err(|e| {
            decode(format!(
                "the vendor sent a field key walletpass cannot hold: {e}"
            ))
        })?;
        if let Some(spec) = spec {
            if let Some(label) = spec.label.clone() {
                field = field.with_label(label);
            }
            if let Some(placement) = spec.placement {
                field = field.with_placement(placement);
            }
        }
        Ok(Some(field))
    };
    let mut fields: Vec<Field> = Vec::with_capacity(entries.len());
    for spec in specs.unwrap_or_default() {
        let held = entries
            .iter_mut()
            .find(|e| e.as_ref().is_some_and(|(k, _)| k == spec.key.as_str()))
            .and_then(Option::take);
        match held {
            Some((key, raw)) => fields.extend(field_of(key, raw)?),
            // A key the specs list twice: the field again, which the check below refuses.
            None => {
                if let Some(again) = fields.iter().find(|f| f.key == spec.key).cloned() {
                    fields.push(again);
                }
            }
        }
    }
    for (key, raw) in entries.into_iter().flatten() {
        fields.extend(field_of(key, raw)?);
    }
    Fields::try_from_vec(fields).map_err(|e| {
        decode(format!(
            "the pass's fields do not fit the canonical model: {e}"
        ))
    })
}

fn links(urls: &wire::Urls) -> PassLinks {
    let text = |key: &str| {
        urls.other
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    PassLinks {
        landing: urls.landing.clone(),
        download: text("apple"),
        google: text("google"),
    }
}

fn pass_ref(template: &str, serial: &str) -> Result<PassRef, Error> {
    let template = TemplateId::new(template)
        .map_err(|e| decode(format!("the vendor sent a bad template id: {e}")))?;
    let id =
        PassId::new(serial).map_err(|e| decode(format!("the vendor sent a bad serial: {e}")))?;
    Ok(PassRef::in_template(template, id))
}

/// A pass from a get answer. `template` and `serial` are what was asked for, used when the
/// answer leaves them out.
pub(crate) fn pass_of(
    body: wire::PassBody,
    template: &str,
    serial: &str,
    specs: Option<&[FieldSpec]>,
) -> Result<Pass, Error> {
    let serial = body
        .serial_number
        .as_deref()
        .or(body.id.as_deref())
        .unwrap_or(serial);
    let template = body.pass_template.as_deref().unwrap_or(template);
    let content = PassContent {
        fields: fields_of(body.pass.unwrap_or_default(), specs)?,
        ..PassContent::default()
    };
    let mut pass = Pass::new(pass_ref(template, serial)?, content);
    pass.serial_number = serial.to_owned();
    // The get answer carries no status (the doc: only the list does); a pass the vendor
    // still serves is live.
    pass.status = PassStatus::Active;
    pass.links = links(&body.urls);
    Ok(pass)
}

/// The canonical status of a list row's status word.
pub(crate) fn status_of(word: Option<&str>) -> PassStatus {
    match word {
        Some("Active") => PassStatus::Active,
        Some("Removed") => PassStatus::Removed,
        Some("Expired") => PassStatus::Expired,
        Some(other) => PassStatus::Other(other.to_owned()),
        None => PassStatus::Other("N/A".to_owned()),
    }
}

/// A pass from a list row: status, dates, links, recipient (in `extra`); the list carries no
/// field values.
pub(crate) fn listed_pass_of(row: &wire::ListedPass, template: &str) -> Result<Pass, Error> {
    let serial = row
        .serial_number
        .as_deref()
        .or(row.id.as_deref())
        .ok_or_else(|| decode("a listed pass has neither id nor serialNumber".into()))?;
    let template = row.pass_template.as_deref().unwrap_or(template);
    let mut content = PassContent::default();
    if let Some(recipient) = &row.recipient {
        content
            .extra
            .insert("recipient".into(), Value::Object(recipient.clone()));
    }
    let mut pass = Pass::new(pass_ref(template, serial)?, content);
    pass.serial_number = serial.to_owned();
    pass.status = status_of(row.status.as_deref());
    pass.links = links(&row.urls);
    pass.created_at = time("issuedDate", row.issued_date.as_deref())?;
    let installed = time("installedDate", row.installed_date.as_deref())?;
    pass.installs = installed.map(|at| InstallStats {
        installed_at: Some(at),
        ..InstallStats::default()
    });
    Ok(pass)
}

/// The wire word of a platform.
pub(crate) fn platform_word(platform: Platform) -> &'static str {
    match platform {
        Platform::Apple => "apple",
        Platform::Google => "google",
        Platform::Both => "both",
    }
}

/// A template, with its configured field specs.
pub(crate) fn template_of(
    body: &wire::TemplateBody,
    specs: Option<&[FieldSpec]>,
) -> Result<Template, Error> {
    let id = TemplateId::new(body.id.clone())
        .map_err(|e| decode(format!("the vendor sent a bad template id: {e}")))?;
    let mut extra = body.other.clone();
    let platform = match body.platform.as_deref() {
        Some("apple") => Some(Platform::Apple),
        Some("google") => Some(Platform::Google),
        Some("both") => Some(Platform::Both),
        Some(other) => {
            extra.insert("platform".into(), Value::String(other.to_owned()));
            None
        }
        None => None,
    };
    if let Some(updated) = &body.updated_at {
        extra.insert("updatedAt".into(), Value::String(updated.clone()));
    }
    Ok(Template {
        id,
        name: body.name.clone().unwrap_or_default(),
        platform,
        style: body.style.clone(),
        fields: specs.map(<[FieldSpec]>::to_vec).unwrap_or_default(),
        appearance: Default::default(),
        issued_count: body.issued_pass_count,
        installed_count: body.installed_pass_count,
        created_at: time("createdAt", body.created_at.as_deref())?,
        extra,
    })
}

/// The PassNinja event type of a canonical kind.
pub(crate) fn event_type_of(kind: &WebhookEventKind) -> Result<String, Error> {
    let word = match kind {
        WebhookEventKind::PassInstalled => "pn.pass.installed".to_owned(),
        WebhookEventKind::PassUpdated => "pn.pass.updated".to_owned(),
        WebhookEventKind::PassUninstalled => "pn.pass.uninstalled".to_owned(),
        WebhookEventKind::Other(word) if crate::webhook::is_event_type(word) => word.clone(),
        other => {
            return Err(Error::invalid_field(
                "events",
                format!(
                    "PassNinja has no '{other}' event; it sends pn.pass.installed, pn.pass.updated and pn.pass.uninstalled (and accepts reserved pn.* types as Other)"
                ),
            ));
        }
    };
    Ok(word)
}

/// The canonical kind of a PassNinja event type.
pub(crate) fn event_kind_of(word: &str) -> WebhookEventKind {
    match word {
        "pn.pass.installed" => WebhookEventKind::PassInstalled,
        "pn.pass.updated" => WebhookEventKind::PassUpdated,
        "pn.pass.uninstalled" => WebhookEventKind::PassUninstalled,
        other => WebhookEventKind::Other(other.to_owned()),
    }
}

/// A subscription row.
pub(crate) fn subscription_of(row: &wire::WebhookRow) -> Result<WebhookSubscription, Error> {
    let id = WebhookId::new(row.id.clone().into_string())
        .map_err(|e| decode(format!("the vendor sent a bad webhook id: {e}")))?;
    let template = row
        .pass_template
        .as_ref()
        .map(|t| TemplateId::new(t.clone()))
        .transpose()
        .map_err(|e| decode(format!("the vendor sent a bad template id: {e}")))?;
    Ok(WebhookSubscription {
        id,
        url: row.url.clone(),
        events: row
            .subscribed_events
            .iter()
            .map(|e| event_kind_of(e))
            .collect(),
        template,
        active: row.active,
        // Read leniently: this row also answers the create that returns the once-only token, and
        // an unreadable timestamp must not turn a created subscription into an error that loses
        // it (the vendor's own timestamp is kept out rather than failing the call).
        created_at: time("created_at", row.created_at.as_deref()).unwrap_or(None),
    })
}

/// A delivery result row.
pub(crate) fn delivery_of(row: &wire::WebhookResult) -> Result<WebhookDelivery, Error> {
    Ok(WebhookDelivery {
        id: row.id.clone().into_string(),
        event_id: None,
        kind: None,
        attempt: row.attempt.unwrap_or(1),
        status_code: row.response_status,
        success: row.success,
        attempted_at: time("created_at", row.created_at.as_deref())?,
        error: if row.success {
            None
        } else {
            Some(
                row.response_body
                    .clone()
                    .unwrap_or_else(|| "no response".to_owned()),
            )
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use walletpass_core::Placement;

    fn specs() -> Vec<FieldSpec> {
        vec![
            FieldSpec::new("member.name")
                .unwrap()
                .with_label("Member")
                .with_placement(Placement::Primary),
            FieldSpec::new("member.level").unwrap().with_label("Level"),
        ]
    }

    #[test]
    fn fields_follow_the_template_order_and_take_its_labels() {
        let values: Map<String, Value> = serde_json::from_str(
            r#"{"discount": "100%", "member.level": "gold", "member.name": "", "points": 5}"#,
        )
        .unwrap();
        let fields = fields_of(values.clone(), Some(&specs())).unwrap();
        let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
        // An empty value is "not set": no field.
        assert_eq!(keys, ["member.level", "discount", "points"]);
        let level = fields.get("member.level").unwrap();
        assert_eq!(level.label.as_deref(), Some("Level"));
        assert_eq!(
            fields.get("points").unwrap().value,
            FieldValue::Number(5.into())
        );
    }

    #[test]
    fn labels_must_match_the_template() {
        let t = TemplateId::new("ptk_0x14").unwrap();
        let ok = Field::new("member.level", "gold")
            .unwrap()
            .with_label("Level");
        assert!(values_of(&t, Some(&specs()), [&ok]).is_ok());
        let wrong = Field::new("member.level", "gold")
            .unwrap()
            .with_label("Tier");
        let err = values_of(&t, Some(&specs()), [&wrong]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("Tier"));
        let err = values_of(&t, None, [&ok]).unwrap_err();
        assert!(err.to_string().contains("PASSNINJA_FIELD_SPECS"));
        let bare = Field::new("anything", 3).unwrap();
        assert_eq!(
            values_of(&t, None, [&bare]).unwrap(),
            // Values travel as strings, as every doc example sends them ("Create a pass").
            serde_json::from_str::<Map<String, Value>>(r#"{"anything": "3"}"#).unwrap()
        );
    }

    #[test]
    fn statuses_keep_the_vendor_word() {
        // "List passes": status - Active, Removed, Expired, or N/A.
        assert_eq!(status_of(Some("Active")), PassStatus::Active);
        assert_eq!(status_of(Some("Removed")), PassStatus::Removed);
        assert_eq!(status_of(Some("Expired")), PassStatus::Expired);
        assert_eq!(status_of(Some("N/A")), PassStatus::Other("N/A".into()));
    }

    #[test]
    fn event_kinds_both_ways() {
        for (kind, word) in [
            (WebhookEventKind::PassInstalled, "pn.pass.installed"),
            (WebhookEventKind::PassUpdated, "pn.pass.updated"),
            (WebhookEventKind::PassUninstalled, "pn.pass.uninstalled"),
            (
                WebhookEventKind::Other("pn.pass.scanned".into()),
                "pn.pass.scanned",
            ),
        ] {
            assert_eq!(event_type_of(&kind).unwrap(), word);
            assert_eq!(event_kind_of(word), kind);
        }
        for bad in [
            WebhookEventKind::PassCreated,
            WebhookEventKind::PassVoided,
            WebhookEventKind::Other("pass.installed".into()),
        ] {
            assert_eq!(
                event_type_of(&bad).unwrap_err().kind(),
                ErrorKind::InvalidInput
            );
        }
    }
}
