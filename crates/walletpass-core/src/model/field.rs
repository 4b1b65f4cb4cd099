//! Pass fields: a key, an optional label, a typed value, an optional Apple placement and change
//! message, plus [`Fields`], the ordered, validated collection a pass holds.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{FieldKey, ValidationError};

/// Where Apple Wallet shows a field on the pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Top right, visible in the stacked wallet.
    Header,
    /// The large field(s) on the front.
    Primary,
    /// Below the primary fields.
    Secondary,
    /// Below the secondary fields.
    Auxiliary,
    /// The back of the pass.
    Back,
}

impl Placement {
    /// Every placement, front to back.
    pub const ALL: [Placement; 5] = [
        Placement::Header,
        Placement::Primary,
        Placement::Secondary,
        Placement::Auxiliary,
        Placement::Back,
    ];

    /// How many fields Apple Wallet shows in this placement (`None`: no limit). The limits are
    /// the largest any pass style allows: 3 header, 2 primary, 4 secondary, 4 auxiliary.
    pub fn max_fields(self) -> Option<usize> {
        match self {
            Placement::Header => Some(3),
            Placement::Primary => Some(2),
            Placement::Secondary | Placement::Auxiliary => Some(4),
            Placement::Back => None,
        }
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Header => "header",
            Placement::Primary => "primary",
            Placement::Secondary => "secondary",
            Placement::Auxiliary => "auxiliary",
            Placement::Back => "back",
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A link shown in a field (ubpass back fields hold lists of them).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Link {
    /// Text shown for the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Where it points.
    pub url: url::Url,
}

/// A field's value.
///
/// Serialized externally tagged: `{"text": "Gold"}`, `{"number": 1200}`,
/// `{"date_time": "2026-01-31T10:00:00Z"}`, `{"links": [{"url": "https://…"}]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    /// Text.
    Text(String),
    /// A number, kept exactly as given (integer or decimal).
    Number(serde_json::Number),
    /// A date and time.
    DateTime(#[serde(with = "time::serde::rfc3339")] OffsetDateTime),
    /// A list of links.
    Links(Vec<Link>),
}

impl FieldValue {
    /// The value as display text, as vendors that store only strings hold it.
    pub fn to_text(&self) -> String {
        match self {
            FieldValue::Text(t) => t.clone(),
            FieldValue::Number(n) => n.to_string(),
            FieldValue::DateTime(d) => d
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| d.to_string()),
            FieldValue::Links(links) => links
                .iter()
                .map(|l| l.url.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// Whether the value carries nothing (empty text or no links).
    pub fn is_empty(&self) -> bool {
        match self {
            FieldValue::Text(t) => t.is_empty(),
            FieldValue::Links(l) => l.is_empty(),
            FieldValue::Number(_) | FieldValue::DateTime(_) => false,
        }
    }

    /// The value as JSON, as vendors that store loosely typed values hold it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            FieldValue::Number(n) => serde_json::Value::Number(n.clone()),
            other => serde_json::Value::String(other.to_text()),
        }
    }
}

impl From<&str> for FieldValue {
    fn from(text: &str) -> Self {
        FieldValue::Text(text.to_owned())
    }
}

impl From<String> for FieldValue {
    fn from(text: String) -> Self {
        FieldValue::Text(text)
    }
}

impl From<i64> for FieldValue {
    fn from(n: i64) -> Self {
        FieldValue::Number(n.into())
    }
}

impl From<OffsetDateTime> for FieldValue {
    fn from(d: OffsetDateTime) -> Self {
        FieldValue::DateTime(d)
    }
}

impl From<Vec<Link>> for FieldValue {
    fn from(links: Vec<Link>) -> Self {
        FieldValue::Links(links)
    }
}

/// One field of a pass.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The key, unique within the pass.
    pub key: FieldKey,
    /// The label shown next to the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The value.
    pub value: FieldValue,
    /// Where Apple Wallet shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The lock-screen message shown when the value changes (`%@` stands for the new value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_message: Option<String>,
}

impl Field {
    /// A field with a key and a value, no label or placement.
    ///
    /// ```
    /// use walletpass_core::{Field, Placement};
    /// let f = Field::new("tier", "Gold")?.with_label("Tier").with_placement(Placement::Secondary);
    /// assert_eq!(f.key.as_str(), "tier");
    /// # Ok::<(), walletpass_core::ValidationError>(())
    /// ```
    pub fn new(
        key: impl Into<String>,
        value: impl Into<FieldValue>,
    ) -> Result<Self, ValidationError> {
        Ok(Self {
            key: FieldKey::new(key)?,
            label: None,
            value: value.into(),
            placement: None,
            change_message: None,
        })
    }

    /// A builder, for fields whose value may be missing until the end.
    pub fn builder(key: impl Into<String>) -> FieldBuilder {
        FieldBuilder {
            key: key.into(),
            label: None,
            value: None,
            placement: None,
            change_message: None,
        }
    }

    /// Set the label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Set the placement.
    pub fn with_placement(mut self, placement: Placement) -> Self {
        self.placement = Some(placement);
        self
    }

    /// Set the change message.
    pub fn with_change_message(mut self, message: impl Into<String>) -> Self {
        self.change_message = Some(message.into());
        self
    }

    /// Check the rules a single field must follow.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.value.is_empty() && self.label.is_some() {
            return Err(ValidationError::LabelWithoutValue {
                key: self.key.to_string(),
            });
        }
        Ok(())
    }
}

/// Builds a [`Field`], rejecting a label without a value.
#[derive(Clone, Debug)]
pub struct FieldBuilder {
    key: String,
    label: Option<String>,
    value: Option<FieldValue>,
    placement: Option<Placement>,
    change_message: Option<String>,
}

impl FieldBuilder {
    /// Set the label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Set the value.
    pub fn value(mut self, value: impl Into<FieldValue>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Set the placement.
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = Some(placement);
        self
    }

    /// Set the change message.
    pub fn change_message(mut self, message: impl Into<String>) -> Self {
        self.change_message = Some(message.into());
        self
    }

    /// Check and build the field.
    pub fn build(self) -> Result<Field, ValidationError> {
        let key = FieldKey::new(self.key)?;
        let value = match (self.value, &self.label) {
            (Some(v), _) => v,
            (None, Some(_)) => {
                return Err(ValidationError::LabelWithoutValue {
                    key: key.to_string(),
                });
            }
            (None, None) => {
                return Err(ValidationError::MissingValue {
                    key: key.to_string(),
                });
            }
        };
        let field = Field {
            key,
            label: self.label,
            value,
            placement: self.placement,
            change_message: self.change_message,
        };
        field.validate()?;
        Ok(field)
    }
}

/// The ordered fields of a pass: keys unique, each field valid, no placement over its limit.
///
/// Serialized as a JSON array of [`Field`]s; deserializing checks the same rules.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Field>", into = "Vec<Field>")]
pub struct Fields(Vec<Field>);

impl Fields {
    /// No fields.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Check and wrap a list of fields.
    pub fn try_from_vec(fields: Vec<Field>) -> Result<Self, ValidationError> {
        let fields = Self(fields);
        fields.validate()?;
        Ok(fields)
    }

    fn validate(&self) -> Result<(), ValidationError> {
        // A pass has a handful of fields: up to this many, a repeated key is found by scanning
        // the ones before it, without the allocation of a set (run on every read and write).
        const SCANNED: usize = 32;
        let mut seen = std::collections::BTreeSet::new();
        let mut placed = [0usize; Placement::ALL.len()];
        for (i, field) in self.0.iter().enumerate() {
            field.validate()?;
            let repeated = if self.0.len() <= SCANNED {
                self.0[..i].iter().any(|earlier| earlier.key == field.key)
            } else {
                !seen.insert(field.key.as_str())
            };
            if repeated {
                return Err(ValidationError::DuplicateFieldKey {
                    key: field.key.to_string(),
                });
            }
            if let Some(at) = Placement::ALL
                .iter()
                .position(|p| Some(*p) == field.placement)
            {
                placed[at] += 1;
            }
        }
        for (placement, found) in Placement::ALL.into_iter().zip(placed) {
            if let Some(max) = placement.max_fields()
                && found > max
            {
                return Err(ValidationError::TooManyFields {
                    placement,
                    max,
                    found,
                });
            }
        }
        Ok(())
    }

    /// The field with `key`.
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.0.iter().find(|f| f.key.as_str() == key)
    }

    /// Insert a field, or replace the one with the same key in place; checks the result.
    /// On an error the fields are left as they were.
    pub fn upsert(&mut self, field: Field) -> Result<(), ValidationError> {
        // Changed in place and put back on an error: no copy of the other fields.
        match self.0.iter().position(|f| f.key == field.key) {
            Some(at) => {
                let old = std::mem::replace(&mut self.0[at], field);
                let checked = self.validate();
                if checked.is_err() {
                    self.0[at] = old;
                }
                checked
            }
            None => {
                self.0.push(field);
                let checked = self.validate();
                if checked.is_err() {
                    self.0.pop();
                }
                checked
            }
        }
    }

    /// Remove the field with `key`, returning it.
    pub fn remove(&mut self, key: &str) -> Option<Field> {
        let at = self.0.iter().position(|f| f.key.as_str() == key)?;
        Some(self.0.remove(at))
    }

    /// The fields in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Field> {
        self.0.iter()
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields as a slice.
    pub fn as_slice(&self) -> &[Field] {
        &self.0
    }

    /// Give up the checked wrapper.
    pub fn into_vec(self) -> Vec<Field> {
        self.0
    }
}

impl TryFrom<Vec<Field>> for Fields {
    type Error = ValidationError;
    fn try_from(fields: Vec<Field>) -> Result<Self, Self::Error> {
        Self::try_from_vec(fields)
    }
}

impl From<Fields> for Vec<Field> {
    fn from(fields: Fields) -> Self {
        fields.0
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = &'a Field;
    type IntoIter = std::slice::Iter<'a, Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(key: &str, value: &str) -> Field {
        Field::new(key, value).unwrap()
    }

    #[test]
    fn builder_rejects_a_label_without_a_value_naming_the_field() {
        let err = Field::builder("tier").label("Tier").build().unwrap_err();
        assert_eq!(
            err,
            ValidationError::LabelWithoutValue { key: "tier".into() }
        );
        assert_eq!(err.field(), "fields[tier].value");
        let err = Field::new("tier", "")
            .unwrap()
            .with_label("Tier")
            .validate();
        assert_eq!(err.unwrap_err().field(), "fields[tier].value");
    }

    #[test]
    fn builder_rejects_a_missing_value_and_a_bad_key() {
        assert_eq!(
            Field::builder("tier").build().unwrap_err().field(),
            "fields[tier].value"
        );
        assert_eq!(
            Field::builder("").value("x").build().unwrap_err(),
            ValidationError::EmptyFieldKey
        );
    }

    #[test]
    fn fields_reject_duplicate_keys_naming_the_key() {
        let err = Fields::try_from_vec(vec![text("a", "1"), text("a", "2")]).unwrap_err();
        assert_eq!(err, ValidationError::DuplicateFieldKey { key: "a".into() });
        assert_eq!(err.field(), "fields[a]");
        // Short lists are scanned and long ones go through a set: both find the first key
        // repeated, wherever it is, and accept distinct keys.
        for n in [4, 31, 32, 33, 200] {
            let distinct: Vec<Field> = (0..n).map(|i| text(&format!("k{i}"), "x")).collect();
            assert!(Fields::try_from_vec(distinct.clone()).is_ok(), "{n}");
            for (first, again) in [(0, n - 1), (n / 2, n / 2 + 1), (n - 2, n - 1)] {
                let mut fields = distinct.clone();
                fields[again] = text(&format!("k{first}"), "y");
                let err = Fields::try_from_vec(fields).unwrap_err();
                let key = format!("k{first}");
                assert_eq!(err, ValidationError::DuplicateFieldKey { key }, "{n}");
            }
            // The key reported is the first one seen again ([.., a, .., b, b, .., a] names b),
            // and a field that is itself invalid is reported before a later repeat.
            let mut fields = distinct.clone();
            fields[n - 2] = text("k1", "y");
            fields[n - 1] = text("k0", "y");
            let err = Fields::try_from_vec(fields).unwrap_err();
            assert_eq!(
                err,
                ValidationError::DuplicateFieldKey { key: "k1".into() },
                "{n}"
            );
            let mut fields = distinct.clone();
            fields[1] = Field {
                label: Some("Label".into()),
                ..text("k1", "")
            };
            fields[n - 1] = text("k0", "y");
            let err = Fields::try_from_vec(fields).unwrap_err();
            assert!(
                matches!(err, ValidationError::LabelWithoutValue { .. }),
                "{n}: {err}"
            );
        }
    }

    #[test]
    fn fields_reject_more_than_a_placement_holds() {
        let headers: Vec<Field> = (0..4)
            .map(|i| text(&format!("h{i}"), "x").with_placement(Placement::Header))
            .collect();
        let err = Fields::try_from_vec(headers).unwrap_err();
        assert_eq!(
            err,
            ValidationError::TooManyFields {
                placement: Placement::Header,
                max: 3,
                found: 4
            }
        );
        // Two placements over their limit: the first in `Placement::ALL` order is reported.
        let over: Vec<Field> = (0..3)
            .map(|i| text(&format!("p{i}"), "x").with_placement(Placement::Primary))
            .chain((0..5).map(|i| text(&format!("a{i}"), "x").with_placement(Placement::Auxiliary)))
            .collect();
        assert_eq!(
            Fields::try_from_vec(over).unwrap_err(),
            ValidationError::TooManyFields {
                placement: Placement::Primary,
                max: 2,
                found: 3
            }
        );
        let backs: Vec<Field> = (0..20)
            .map(|i| text(&format!("b{i}"), "x").with_placement(Placement::Back))
            .collect();
        assert!(Fields::try_from_vec(backs).is_ok());
    }

    #[test]
    fn upsert_replaces_in_place_and_keeps_order() {
        let mut fields = Fields::try_from_vec(vec![text("a", "1"), text("b", "2")]).unwrap();
        fields.upsert(text("a", "9")).unwrap();
        fields.upsert(text("c", "3")).unwrap();
        let keys: Vec<_> = fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(fields.get("a").unwrap().value, FieldValue::from("9"));
        assert!(fields.remove("b").is_some());
        assert!(fields.remove("b").is_none());
    }

    #[test]
    fn deserializing_checks_the_same_rules() {
        let dup = r#"[{"key":"a","value":{"text":"1"}},{"key":"a","value":{"text":"2"}}]"#;
        let err = serde_json::from_str::<Fields>(dup).unwrap_err();
        assert!(err.to_string().contains("duplicate field key 'a'"), "{err}");
    }
}
