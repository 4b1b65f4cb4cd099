//! Canonical content: the hash recorded in the checkpoint, and the comparison of the mapped
//! source content with what the target returns (used by verify and by the lookup of a pass whose
//! create may have taken effect).
//!
//! The comparison holds the target to what it claims to store, types included: a number that
//! comes back as text (or text as a number) is a difference, whatever the target declares (the
//! pre-flight check refuses a number for a text-only target unless the mapping says
//! `as_text = true`, which makes it text before it is sent); a label, placement or appearance part the mapping
//! leaves unset may be filled by the target's template; fields the target adds are accepted only
//! when its template names them (defaults); vendor `extra` fields are not compared.

use sha2::{Digest, Sha256};
use walletpass_core::{Capabilities, FieldValue, PassContent, Template};

use crate::fit::value_kind;

/// SHA-256 (hex) of the content's canonical JSON.
pub fn content_hash(content: &PassContent) -> String {
    let json = serde_json::to_vec(content).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

fn same_value(a: &FieldValue, b: &FieldValue) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (FieldValue::DateTime(x), FieldValue::DateTime(y)) => {
            x.unix_timestamp() == y.unix_timestamp()
        }
        (FieldValue::Number(x), FieldValue::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        _ => false,
    }
}

/// Every difference between the `expected` (mapped source) content and the `actual` content
/// read from a target with `caps` (and `template`, when known). Empty: they match.
pub fn differences(
    expected: &PassContent,
    actual: &PassContent,
    caps: &Capabilities,
    template: Option<&Template>,
) -> Vec<String> {
    let mut out = Vec::new();
    for want in &expected.fields {
        let key = want.key.as_str();
        let Some(got) = actual.field(key) else {
            out.push(format!("fields[{key}]: missing on the target"));
            continue;
        };
        let (want_kind, got_kind) = (value_kind(&want.value), value_kind(&got.value));
        if want_kind != got_kind {
            out.push(format!(
                "fields[{key}].value: expected {want_kind} '{}', found {got_kind} '{}'",
                want.value.to_text(),
                got.value.to_text()
            ));
        } else if !same_value(&want.value, &got.value) {
            out.push(format!(
                "fields[{key}].value: expected '{}', found '{}'",
                want.value.to_text(),
                got.value.to_text()
            ));
        }
        if want.label.is_some() && caps.labels && want.label != got.label {
            out.push(format!(
                "fields[{key}].label: expected {:?}, found {:?}",
                want.label, got.label
            ));
        }
        if want.placement.is_some() && caps.placements && want.placement != got.placement {
            out.push(format!(
                "fields[{key}].placement: expected {:?}, found {:?}",
                want.placement, got.placement
            ));
        }
        if want.change_message.is_some()
            && caps.change_messages
            && want.change_message != got.change_message
        {
            out.push(format!("fields[{key}].change_message: differs"));
        }
    }
    for got in &actual.fields {
        let key = got.key.as_str();
        let from_template =
            template.is_some_and(|t| t.fields.iter().any(|spec| spec.key.as_str() == key));
        if expected.field(key).is_none() && !from_template {
            out.push(format!(
                "fields[{key}]: on the target but not in the source"
            ));
        }
    }
    match (&expected.barcode, &actual.barcode) {
        (None, None) => {}
        (Some(want), Some(got)) => {
            if want.format != got.format || want.message != got.message {
                out.push("barcode: differs".into());
            } else if want.alt_text.is_some()
                && caps.barcode_alt_text
                && want.alt_text != got.alt_text
            {
                out.push("barcode.alt_text: differs".into());
            }
        }
        (Some(_), None) => out.push("barcode: missing on the target".into()),
        (None, Some(_)) => out.push("barcode: on the target but not in the source".into()),
    }
    let (w, g) = (&expected.appearance, &actual.appearance);
    let parts: [(&str, bool, bool); 6] = [
        (
            "appearance.organization_name",
            w.organization_name.is_some(),
            w.organization_name == g.organization_name,
        ),
        (
            "appearance.description",
            w.description.is_some(),
            w.description == g.description,
        ),
        (
            "appearance.logo_text",
            w.logo_text.is_some(),
            w.logo_text == g.logo_text,
        ),
        (
            "appearance.background_color",
            w.background_color.is_some(),
            w.background_color == g.background_color,
        ),
        (
            "appearance.foreground_color",
            w.foreground_color.is_some(),
            w.foreground_color == g.foreground_color,
        ),
        (
            "appearance.label_color",
            w.label_color.is_some(),
            w.label_color == g.label_color,
        ),
    ];
    for (name, set, same) in parts {
        if set && !same {
            out.push(format!("{name}: differs"));
        }
    }
    let same_date = |a: Option<time::OffsetDateTime>, b: Option<time::OffsetDateTime>| match (a, b)
    {
        (None, _) => true,
        (Some(a), Some(b)) => a.unix_timestamp() == b.unix_timestamp(),
        (Some(_), None) => false,
    };
    if !same_date(expected.relevant_date, actual.relevant_date) {
        out.push("relevant_date: differs".into());
    }
    if !same_date(expected.expiration_date, actual.expiration_date) {
        out.push("expiration_date: differs".into());
    }
    if !expected.images.is_empty() && expected.images != actual.images {
        out.push("images: differ".into());
    }
    if !expected.locations.is_empty() && expected.locations != actual.locations {
        out.push("locations: differ".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use walletpass_core::{Barcode, BarcodeFormat, Field, FieldSpec};

    fn content(points: i64) -> PassContent {
        PassContent::builder()
            .field(Field::new("points", points).unwrap().with_label("Points"))
            .barcode(Barcode::new(BarcodeFormat::Qr, "M-1").unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn equal_content_matches_and_hashes_alike() {
        let caps = Capabilities::all();
        assert!(differences(&content(1), &content(1), &caps, None).is_empty());
        assert_eq!(content_hash(&content(1)), content_hash(&content(1)));
        assert_ne!(content_hash(&content(1)), content_hash(&content(2)));
    }

    #[test]
    fn a_changed_value_or_lost_barcode_is_named() {
        let caps = Capabilities::all();
        let diffs = differences(&content(1), &content(2), &caps, None);
        assert_eq!(diffs, vec!["fields[points].value: expected '1', found '2'"]);
        let mut lost = content(1);
        lost.barcode = None;
        let diffs = differences(&content(1), &lost, &caps, None);
        assert_eq!(diffs, vec!["barcode: missing on the target"]);
    }

    #[test]
    fn a_type_change_is_a_difference_and_template_fields_are_allowed() {
        let mut caps = Capabilities::all();
        caps.typed_values = false;
        let text = |points: &str| {
            PassContent::builder()
                .field(Field::new("points", points).unwrap().with_label("Points"))
                .field(Field::new("tier", "Base").unwrap())
                .barcode(Barcode::new(BarcodeFormat::Qr, "M-1").unwrap())
                .build()
                .unwrap()
        };
        // The number 1 that came back as the text "1" did not survive, even on a target that
        // declares text-only values.
        let diffs = differences(&content(1), &text("1"), &caps, None);
        assert_eq!(
            diffs,
            vec![
                "fields[points].value: expected a number '1', found text '1'",
                "fields[tier]: on the target but not in the source"
            ]
        );
        let mut as_text = text("1");
        as_text.fields.remove("tier");
        assert!(differences(&as_text, &text("1"), &caps, None).len() == 1);
        assert_eq!(
            differences(&text("1"), &text("2"), &caps, None),
            vec!["fields[points].value: expected '1', found '2'"]
        );
        let template = Template {
            id: walletpass_core::TemplateId::new("t1").unwrap(),
            name: "t".into(),
            platform: None,
            style: None,
            fields: vec![FieldSpec::new("tier").unwrap()],
            appearance: Default::default(),
            issued_count: None,
            installed_count: None,
            created_at: None,
            extra: Default::default(),
        };
        assert!(differences(&text("1"), &text("1"), &caps, Some(&template)).is_empty());
        assert!(differences(&as_text, &text("1"), &caps, Some(&template)).is_empty());
    }
}
