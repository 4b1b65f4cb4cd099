//! Templates: the reusable design a pass is made from, with the field specs that give vendors
//! which keep labels on the template (PassNinja) the same labels as the others.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Appearance, FieldKey, FieldValue, Placement, TemplateId, ValidationError};

/// Which wallets a template issues to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Apple Wallet.
    Apple,
    /// Google Wallet.
    Google,
    /// Both.
    Both,
}

/// One field a template defines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// The key passes use.
    pub key: FieldKey,
    /// The label shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Where it is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The value a pass gets when it gives none (and reverts to on a replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<FieldValue>,
    /// Whether a pass must give a value.
    #[serde(default)]
    pub required: bool,
}

impl FieldSpec {
    /// A spec with a key only.
    pub fn new(key: &str) -> Result<Self, ValidationError> {
        Ok(Self {
            key: FieldKey::new(key)?,
            label: None,
            placement: None,
            default: None,
            required: false,
        })
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

    /// Set the default value.
    pub fn with_default(mut self, value: impl Into<FieldValue>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Mark it required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// A template as a provider holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Its id.
    pub id: TemplateId,
    /// Its name.
    pub name: String,
    /// Which wallets it issues to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The vendor's pass style (`storeCard`, `coupon`, `eventTicket`, `loyalty`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// The fields it defines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldSpec>,
    /// Texts and colors.
    #[serde(default, skip_serializing_if = "Appearance::is_empty")]
    pub appearance: Appearance,
    /// Passes issued from it, where reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_count: Option<u64>,
    /// Passes installed from it, where reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_count: Option<u64>,
    /// When it was created.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// Vendor fields kept verbatim.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Template {
    /// The spec of the field with `key`.
    pub fn field_spec(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|s| s.key.as_str() == key)
    }
}

/// A template to create.
///
/// ```
/// use walletpass_core::{FieldSpec, NewTemplate, Platform};
/// let t = NewTemplate::new("Gold members")?
///     .with_platform(Platform::Apple)
///     .with_style("storeCard")
///     .with_field(FieldSpec::new("points")?.with_label("Points"))?;
/// assert_eq!(t.fields.len(), 1);
/// # Ok::<(), walletpass_core::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewTemplate {
    /// Its name; not empty.
    pub name: String,
    /// Which wallets it issues to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The vendor's pass style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// The fields it defines; keys unique.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldSpec>,
    /// Texts and colors.
    #[serde(default, skip_serializing_if = "Appearance::is_empty")]
    pub appearance: Appearance,
    /// Vendor fields sent verbatim (Passinstance `teamIdentifier`, for example).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl NewTemplate {
    /// A template with a name; the name must not be empty.
    pub fn new(name: impl Into<String>) -> Result<Self, ValidationError> {
        let t = Self {
            name: name.into(),
            platform: None,
            style: None,
            fields: Vec::new(),
            appearance: Appearance::default(),
            extra: serde_json::Map::new(),
        };
        t.validate()?;
        Ok(t)
    }

    /// Set the platform.
    pub fn with_platform(mut self, platform: Platform) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Set the style.
    pub fn with_style(mut self, style: impl Into<String>) -> Self {
        self.style = Some(style.into());
        self
    }

    /// Add a field spec; its key must be new.
    pub fn with_field(mut self, spec: FieldSpec) -> Result<Self, ValidationError> {
        self.fields.push(spec);
        self.validate()?;
        Ok(self)
    }

    /// Check the rules: a non-empty name and unique field keys.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.name.trim().is_empty() {
            return Err(ValidationError::invalid(
                "name",
                "a template name must not be empty",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for spec in &self.fields {
            if !seen.insert(spec.key.as_str()) {
                return Err(ValidationError::DuplicateFieldKey {
                    key: spec.key.to_string(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_template_rejects_empty_name_and_duplicate_specs() {
        assert_eq!(NewTemplate::new(" ").unwrap_err().field(), "name");
        let err = NewTemplate::new("t")
            .unwrap()
            .with_field(FieldSpec::new("a").unwrap())
            .unwrap()
            .with_field(FieldSpec::new("a").unwrap())
            .unwrap_err();
        assert_eq!(err.field(), "fields[a]");
    }
}
