//! Template bodies: name, Apple pass style, identifiers, colors and field specs.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::checker::Checker;
use crate::passinstance::errors::{ApiError, FieldError};

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
