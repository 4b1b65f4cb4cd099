//! Pre-flight checks of one mapped pass beyond [`Capabilities::misfits`]: value types the target
//! would turn into text, and labels or placements a fixed-layout target (PassNinja) cannot take
//! without the template's field specs. Each reason names the field and the fix, and stops the
//! run before any write (the dry run says the same).

use walletpass_core::{Capabilities, FieldValue, PassContent, Template};

use crate::mapping::Mapping;

/// The kind of a value, as a reason names it.
pub(crate) fn value_kind(value: &FieldValue) -> &'static str {
    match value {
        FieldValue::Text(_) => "text",
        FieldValue::Number(_) => "a number",
        FieldValue::DateTime(_) => "a date",
        FieldValue::Links(_) => "links",
    }
}

/// The mapping's source key for target key `key` (the key itself when unmapped).
fn source_key<'a>(mapping: &'a Mapping, key: &'a str) -> &'a str {
    mapping
        .fields
        .iter()
        .find(|(_, rule)| rule.to.as_ref().is_some_and(|to| to.as_str() == key))
        .map_or(key, |(source, _)| source.as_str())
}

/// Every reason the mapped content `expected` cannot go to the target (`target` names it) as
/// it is, beyond the capability misfits: a number or date on a target that keeps values as text
/// only (accepted with `as_text = true` on the field's mapping), and a label or placement on a
/// fixed-layout target whose template's field specs are unknown.
pub(crate) fn reasons(
    expected: &PassContent,
    caps: &Capabilities,
    template: Option<&Template>,
    mapping: &Mapping,
    target: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for field in &expected.fields {
        let key = field.key.as_str();
        if !caps.typed_values
            && matches!(field.value, FieldValue::Number(_) | FieldValue::DateTime(_))
        {
            out.push(format!(
                "fields[{key}]: {} ({}), but the target ({target}) keeps values as text only, so it would arrive as the text '{}'; to accept that, set as_text = true under [fields.\"{}\"] in the mapping",
                value_kind(&field.value),
                field.value.to_text(),
                field.value.to_text(),
                source_key(mapping, key),
            ));
        }
        if let Some(t) = template
            && caps.fixed_layout
            && t.fields.is_empty()
            && (field.label.is_some() || field.placement.is_some())
        {
            out.push(format!(
                "fields[{key}]: has a label or placement, but the target ({target}) keeps labels and placements on template '{}' and its field specs are not known: give that template's fields with `walletpass --field-specs FILE migrate ...` or the variable PASSNINJA_FIELD_SPECS (under the --to-env-prefix, if one is given), or map the fields without them ([drop] parts = [\"labels\", \"placements\"])",
                t.id
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use walletpass_core::{Field, Placement};

    fn content() -> PassContent {
        PassContent::builder()
            .field(Field::new("points", 100).unwrap())
            .field(Field::new("name", "Jane").unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn a_number_on_a_text_only_target_is_named_with_the_mapping_fix() {
        let mut caps = Capabilities::all();
        assert!(reasons(&content(), &caps, None, &Mapping::default(), "t").is_empty());
        caps.typed_values = false;
        let mapping = Mapping::from_toml("[fields.balance]\nto = \"points\"").unwrap();
        let got = reasons(&content(), &caps, None, &mapping, "ubpass");
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].starts_with("fields[points]: a number (100)"),
            "{got:?}"
        );
        assert!(
            got[0].contains("as_text = true under [fields.\"balance\"]"),
            "{got:?}"
        );
        // With as_text the value is text before the check.
        let as_text = Mapping::from_toml("[fields.points]\nas_text = true").unwrap();
        let mapped = as_text.apply(&content(), true).unwrap();
        assert!(reasons(&mapped, &caps, None, &as_text, "ubpass").is_empty());
    }

    #[test]
    fn a_fixed_layout_target_without_field_specs_names_the_flag() {
        let mut caps = Capabilities::all();
        caps.fixed_layout = true;
        let template = Template {
            id: walletpass_core::TemplateId::new("ptk_0xc0").unwrap(),
            name: "t".into(),
            platform: None,
            style: None,
            fields: Vec::new(),
            appearance: Default::default(),
            issued_count: None,
            installed_count: None,
            created_at: None,
            extra: Default::default(),
        };
        let placed = PassContent::builder()
            .field(
                Field::new("name", "Jane")
                    .unwrap()
                    .with_placement(Placement::Primary),
            )
            .build()
            .unwrap();
        let m = Mapping::default();
        let got = reasons(&placed, &caps, Some(&template), &m, "passninja");
        assert!(got[0].contains("--field-specs FILE"), "{got:?}");
        assert!(got[0].contains("PASSNINJA_FIELD_SPECS"), "{got:?}");
        assert!(reasons(&content(), &caps, Some(&template), &m, "passninja").is_empty());
    }
}
