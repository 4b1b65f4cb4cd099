//! A partial update: set or remove named fields, and optionally replace the barcode, the
//! appearance or the dates. [`PassContent::apply_patch`] is the one merge every provider uses.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Appearance, Barcode, Field, FieldKey, FieldValue, PassContent, ValidationError};

/// A partial update of a pass.
///
/// Setting a field whose label, placement or change message is `None` keeps the ones the pass
/// already has: only the value is replaced. Removing a field the pass does not have changes
/// nothing. Anything the patch does not name is left as it is.
///
/// ```
/// use walletpass_core::{PassContent, PassPatch};
/// let before = PassContent::builder().value("points", 100).value("tier", "Gold").build()?;
/// let patch = PassPatch::builder().set_value("points", 150).remove("tier").build()?;
/// let after = before.apply_patch(&patch)?;
/// assert_eq!(after.field("points").unwrap().value, 150.into());
/// assert!(after.field("tier").is_none());
/// # Ok::<(), walletpass_core::ValidationError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PatchRepr")]
pub struct PassPatch {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    set: Vec<Field>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    remove: Vec<FieldKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    barcode: Option<Option<Barcode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    appearance: Option<Appearance>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option_date"
    )]
    relevant_date: Option<Option<OffsetDateTime>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option_date"
    )]
    expiration_date: Option<Option<OffsetDateTime>>,
}

/// `None`: absent (unchanged); `Some(None)`: JSON null (cleared); `Some(Some(d))`: set.
mod double_option_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(
        value: &Option<Option<OffsetDateTime>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::option::serialize(&value.flatten(), serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<OffsetDateTime>>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "time::serde::rfc3339::option")] Option<OffsetDateTime>);
        Ok(Some(Wrap::deserialize(deserializer)?.0))
    }
}

#[derive(Deserialize)]
struct PatchRepr {
    #[serde(default)]
    set: Vec<Field>,
    #[serde(default)]
    remove: Vec<FieldKey>,
    #[serde(default, deserialize_with = "some")]
    barcode: Option<Option<Barcode>>,
    #[serde(default)]
    appearance: Option<Appearance>,
    #[serde(default, with = "double_option_date")]
    relevant_date: Option<Option<OffsetDateTime>>,
    #[serde(default, with = "double_option_date")]
    expiration_date: Option<Option<OffsetDateTime>>,
}

fn some<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl TryFrom<PatchRepr> for PassPatch {
    type Error = ValidationError;
    fn try_from(r: PatchRepr) -> Result<Self, Self::Error> {
        let patch = PassPatch {
            set: r.set,
            remove: r.remove,
            barcode: r.barcode,
            appearance: r.appearance,
            relevant_date: r.relevant_date,
            expiration_date: r.expiration_date,
        };
        patch.validate()?;
        Ok(patch)
    }
}

impl PassPatch {
    /// A builder; the rules are checked in [`build`](PassPatchBuilder::build).
    pub fn builder() -> PassPatchBuilder {
        PassPatchBuilder::default()
    }

    fn validate(&self) -> Result<(), ValidationError> {
        if self.set.is_empty()
            && self.remove.is_empty()
            && self.barcode.is_none()
            && self.appearance.is_none()
            && self.relevant_date.is_none()
            && self.expiration_date.is_none()
        {
            return Err(ValidationError::EmptyPatch);
        }
        let mut seen = std::collections::BTreeSet::new();
        for field in &self.set {
            field.validate()?;
            if !seen.insert(field.key.as_str()) {
                return Err(ValidationError::DuplicateFieldKey {
                    key: field.key.to_string(),
                });
            }
        }
        for key in &self.remove {
            if seen.contains(key.as_str()) {
                return Err(ValidationError::SetAndRemove {
                    key: key.to_string(),
                });
            }
        }
        if let Some(Some(barcode)) = &self.barcode {
            barcode.validate()?;
        }
        Ok(())
    }

    /// Fields to set.
    pub fn set(&self) -> &[Field] {
        &self.set
    }

    /// Field keys to remove.
    pub fn remove(&self) -> &[FieldKey] {
        &self.remove
    }

    /// `None`: unchanged; `Some(None)`: remove the barcode; `Some(Some(b))`: replace it.
    pub fn barcode(&self) -> Option<Option<&Barcode>> {
        self.barcode.as_ref().map(Option::as_ref)
    }

    /// A replacement appearance.
    pub fn appearance(&self) -> Option<&Appearance> {
        self.appearance.as_ref()
    }

    /// `None`: unchanged; `Some(None)`: clear; `Some(Some(d))`: set.
    pub fn relevant_date(&self) -> Option<Option<OffsetDateTime>> {
        self.relevant_date
    }

    /// `None`: unchanged; `Some(None)`: clear; `Some(Some(d))`: set.
    pub fn expiration_date(&self) -> Option<Option<OffsetDateTime>> {
        self.expiration_date
    }

    /// Whether the patch touches only field values (no labels, placements, barcode, appearance
    /// or dates): the subset every vendor can apply natively.
    pub fn is_values_only(&self) -> bool {
        self.barcode.is_none()
            && self.appearance.is_none()
            && self.relevant_date.is_none()
            && self.expiration_date.is_none()
            && self
                .set
                .iter()
                .all(|f| f.label.is_none() && f.placement.is_none() && f.change_message.is_none())
    }
}

/// Builds a [`PassPatch`].
#[derive(Debug, Default)]
pub struct PassPatchBuilder {
    patch: PassPatch,
    error: Option<ValidationError>,
}

impl PassPatchBuilder {
    fn fail(&mut self, error: ValidationError) {
        self.error.get_or_insert(error);
    }

    /// Set (insert or replace) a field.
    pub fn set(mut self, field: Field) -> Self {
        self.patch.set.push(field);
        self
    }

    /// Set a field's value, keeping its label and placement.
    pub fn set_value(mut self, key: &str, value: impl Into<FieldValue>) -> Self {
        match Field::new(key, value) {
            Ok(field) => self.patch.set.push(field),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Remove a field.
    pub fn remove(mut self, key: &str) -> Self {
        match FieldKey::new(key) {
            Ok(key) => self.patch.remove.push(key),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Replace the barcode (`None` removes it).
    pub fn barcode(mut self, barcode: Option<Barcode>) -> Self {
        self.patch.barcode = Some(barcode);
        self
    }

    /// Replace the appearance.
    pub fn appearance(mut self, appearance: Appearance) -> Self {
        self.patch.appearance = Some(appearance);
        self
    }

    /// Replace or clear the relevant date.
    pub fn relevant_date(mut self, date: Option<OffsetDateTime>) -> Self {
        self.patch.relevant_date = Some(date);
        self
    }

    /// Replace or clear the expiration date.
    pub fn expiration_date(mut self, date: Option<OffsetDateTime>) -> Self {
        self.patch.expiration_date = Some(date);
        self
    }

    /// Check the rules and build the patch.
    pub fn build(self) -> Result<PassPatch, ValidationError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        self.patch.validate()?;
        Ok(self.patch)
    }
}

impl PassContent {
    /// Apply a patch: the merge every provider (and every read-merge-write backend) uses.
    pub fn apply_patch(&self, patch: &PassPatch) -> Result<PassContent, ValidationError> {
        self.clone().into_patched(patch)
    }

    /// [`apply_patch`](Self::apply_patch) on content the caller no longer needs (a pass just
    /// read in a composed patch): the same merge, with no copy of the unchanged parts.
    pub fn into_patched(mut self, patch: &PassPatch) -> Result<PassContent, ValidationError> {
        for field in &patch.set {
            let merged = match self.fields.get(field.key.as_str()) {
                Some(old) => Field {
                    key: field.key.clone(),
                    label: field.label.clone().or_else(|| old.label.clone()),
                    value: field.value.clone(),
                    placement: field.placement.or(old.placement),
                    change_message: field
                        .change_message
                        .clone()
                        .or_else(|| old.change_message.clone()),
                },
                None => field.clone(),
            };
            self.fields.upsert(merged)?;
        }
        for key in &patch.remove {
            self.fields.remove(key.as_str());
        }
        if let Some(barcode) = &patch.barcode {
            self.barcode = barcode.clone();
        }
        if let Some(appearance) = &patch.appearance {
            self.appearance = appearance.clone();
        }
        if let Some(date) = patch.relevant_date {
            self.relevant_date = date;
        }
        if let Some(date) = patch.expiration_date {
            self.expiration_date = date;
        }
        self.validate()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BarcodeFormat, Placement};

    fn base() -> PassContent {
        PassContent::builder()
            .field(
                Field::new("points", 100)
                    .unwrap()
                    .with_label("Points")
                    .with_placement(Placement::Header),
            )
            .value("tier", "Silver")
            .barcode(Barcode::new(BarcodeFormat::Qr, "M-1").unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn an_empty_patch_is_rejected() {
        assert_eq!(
            PassPatch::builder().build().unwrap_err(),
            ValidationError::EmptyPatch
        );
    }

    #[test]
    fn set_and_remove_of_one_key_is_rejected_naming_it() {
        let err = PassPatch::builder()
            .set_value("a", "1")
            .remove("a")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "fields[a]");
        let err = PassPatch::builder()
            .set_value("a", "1")
            .set_value("a", "2")
            .build()
            .unwrap_err();
        assert_eq!(err, ValidationError::DuplicateFieldKey { key: "a".into() });
    }

    #[test]
    fn setting_a_value_keeps_label_and_placement_and_other_fields() {
        let patch = PassPatch::builder()
            .set_value("points", 150)
            .build()
            .unwrap();
        let after = base().apply_patch(&patch).unwrap();
        let points = after.field("points").unwrap();
        assert_eq!(points.value, FieldValue::from(150));
        assert_eq!(points.label.as_deref(), Some("Points"));
        assert_eq!(points.placement, Some(Placement::Header));
        assert_eq!(after.field("tier"), base().field("tier"));
        assert_eq!(after.barcode, base().barcode);
    }

    #[test]
    fn barcode_can_be_removed_and_dates_cleared() {
        let patch = PassPatch::builder()
            .barcode(None)
            .expiration_date(None)
            .build()
            .unwrap();
        let after = base().apply_patch(&patch).unwrap();
        assert!(after.barcode.is_none());
        assert_eq!(after.fields, base().fields);
    }

    #[test]
    fn json_distinguishes_absent_from_null() {
        let patch: PassPatch = serde_json::from_str(r#"{"barcode": null}"#).unwrap();
        assert_eq!(patch.barcode(), Some(None));
        let patch: PassPatch =
            serde_json::from_str(r#"{"set":[{"key":"a","value":{"text":"x"}}]}"#).unwrap();
        assert_eq!(patch.barcode(), None);
        assert!(serde_json::from_str::<PassPatch>("{}").is_err());
    }

    #[test]
    fn values_only_detects_label_changes() {
        let p = PassPatch::builder().set_value("a", "1").build().unwrap();
        assert!(p.is_values_only());
        let p = PassPatch::builder()
            .set(Field::new("a", "1").unwrap().with_label("A"))
            .build()
            .unwrap();
        assert!(!p.is_values_only());
    }
}
