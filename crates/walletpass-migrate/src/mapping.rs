//! The field mapping (a TOML file): which source field becomes which target field, with which
//! label and placement; what happens to keys the file does not name; which parts of a pass are
//! dropped on purpose because the target cannot hold them; and how a migrated pass is known on
//! the target (caller-chosen serial prefix, marker field).
//!
//! ```toml
//! [defaults]
//! unmapped = "keep"            # keep | drop | error: source keys without a [fields] entry
//!
//! [fields."member.name"]       # source key
//! to = "name"                  # target key (default: the same key)
//! label = "Member"             # target label (default: the source label)
//! placement = "primary"        # header | primary | secondary | auxiliary | back | "none"
//!
//! [fields.legacy_code]
//! drop = true                  # explicitly not migrated
//!
//! [fields.links]
//! as_text = true               # a list of links becomes text (targets without link values)
//!
//! [drop]                       # parts of a pass dropped on purpose
//! parts = ["labels", "barcode.alt_text", "appearance.label_color"]
//!
//! [identity]
//! serial_prefix = "mig-"       # targets with caller-chosen serials: serial = prefix + source id
//! marker_field = "migrated_from"   # other targets: a target field that holds the source id
//! marker_placement = "back"
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use walletpass_core::{
    Field, FieldKey, FieldValue, Fields, PassContent, Placement, ValidationError,
};

/// What happens to a source field the mapping does not name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmapped {
    /// Copied with the same key, label and placement.
    #[default]
    Keep,
    /// Not migrated (on purpose: the mapping file says so).
    Drop,
    /// A pass with such a field stops the run before anything is written.
    Error,
}

/// A part of a pass the mapping may drop on purpose, because the target cannot hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum DropPart {
    /// Every field label.
    #[serde(rename = "labels")]
    Labels,
    /// Every field placement.
    #[serde(rename = "placements")]
    Placements,
    /// Every change message.
    #[serde(rename = "change_messages")]
    ChangeMessages,
    /// The barcode's alternative text.
    #[serde(rename = "barcode.alt_text")]
    BarcodeAltText,
    /// The whole barcode.
    #[serde(rename = "barcode")]
    Barcode,
    /// Background and foreground colors.
    #[serde(rename = "appearance.colors")]
    Colors,
    /// The label color.
    #[serde(rename = "appearance.label_color")]
    LabelColor,
    /// Organization name, description, logo text.
    #[serde(rename = "appearance.texts")]
    AppearanceTexts,
    /// The relevant date.
    #[serde(rename = "relevant_date")]
    RelevantDate,
    /// The expiration date.
    #[serde(rename = "expiration_date")]
    ExpirationDate,
    /// Images.
    #[serde(rename = "images")]
    Images,
    /// Locations.
    #[serde(rename = "locations")]
    Locations,
    /// The source vendor's extra fields (dropped by default between different providers).
    #[serde(rename = "extra")]
    Extra,
}

/// How one source field is migrated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// The target key (default: the source key).
    #[serde(default)]
    pub to: Option<String>,
    /// The target label (default: the source label).
    #[serde(default)]
    pub label: Option<String>,
    /// The target placement (default: the source placement); `"none"` clears it.
    #[serde(default)]
    pub placement: Option<String>,
    /// Not migrated.
    #[serde(default)]
    pub drop: bool,
    /// Write the value as text (links become their URLs separated by spaces).
    #[serde(default)]
    pub as_text: bool,
}

/// Defaults for keys the mapping does not name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// What happens to them.
    #[serde(default)]
    pub unmapped: Unmapped,
}

/// Parts dropped on purpose.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropSection {
    /// The parts.
    #[serde(default)]
    pub parts: Vec<DropPart>,
}

/// How a migrated pass is recognised on the target (see the crate docs on exactly-once).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Prefix of the caller-chosen serial (targets that accept one).
    #[serde(default)]
    pub serial_prefix: String,
    /// A target field that holds the source pass id (targets without caller-chosen serials).
    #[serde(default)]
    pub marker_field: Option<String>,
    /// Where the marker field is placed (default: back).
    #[serde(default)]
    pub marker_placement: Option<String>,
    /// The marker field's label (default: none).
    #[serde(default)]
    pub marker_label: Option<String>,
}

/// What `--retire notice` writes on the source pass.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSection {
    /// The source field key (default `migration_notice`).
    #[serde(default = "default_notice_key")]
    pub key: String,
    /// Its label (default `Your pass has moved`).
    #[serde(default = "default_notice_label")]
    pub label: String,
    /// Its text; `{link}` stands for the new pass's link (default `Get your new pass: {link}`).
    #[serde(default = "default_notice_text")]
    pub text: String,
}

fn default_notice_key() -> String {
    "migration_notice".into()
}
fn default_notice_label() -> String {
    "Your pass has moved".into()
}
fn default_notice_text() -> String {
    "Get your new pass: {link}".into()
}

impl Default for NoticeSection {
    fn default() -> Self {
        Self {
            key: default_notice_key(),
            label: default_notice_label(),
            text: default_notice_text(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    defaults: Defaults,
    #[serde(default)]
    fields: BTreeMap<String, FieldRule>,
    #[serde(default)]
    drop: DropSection,
    #[serde(default)]
    identity: Identity,
    #[serde(default)]
    notice: NoticeSection,
}

/// A mapping file that cannot be used, naming the entry at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// The file is not valid TOML or has unknown entries.
    #[error("mapping: {0}")]
    Toml(#[from] toml::de::Error),
    /// The file could not be read.
    #[error("mapping file '{path}': {source}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An entry with a bad value.
    #[error("mapping: {entry}: {message}")]
    Entry {
        /// The entry, as `fields.<key>.to`.
        entry: String,
        /// What is wrong.
        message: String,
    },
}

/// The field mapping.
///
/// ```
/// use walletpass_core::{Field, PassContent, Placement};
/// use walletpass_migrate::Mapping;
/// let mapping = Mapping::from_toml(r#"
///     [fields.points]
///     to = "balance"
///     label = "Balance"
///     placement = "header"
///     [fields.internal]
///     drop = true
/// "#)?;
/// let source = PassContent::builder()
///     .field(Field::new("points", 120).unwrap())
///     .field(Field::new("internal", "x").unwrap())
///     .build()
///     .unwrap();
/// let target = mapping.apply(&source, false).unwrap();
/// let balance = target.field("balance").unwrap();
/// assert_eq!(balance.label.as_deref(), Some("Balance"));
/// assert_eq!(balance.placement, Some(Placement::Header));
/// assert!(target.field("internal").is_none());
/// # Ok::<(), walletpass_migrate::MappingError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    /// Defaults for unmapped keys.
    pub defaults: Defaults,
    /// Rules by source key.
    pub fields: BTreeMap<String, ResolvedRule>,
    /// Parts dropped on purpose.
    pub drop: Vec<DropPart>,
    /// How migrated passes are recognised on the target.
    pub identity: ResolvedIdentity,
    /// What `--retire notice` writes.
    pub notice: NoticeSection,
}

/// A checked [`FieldRule`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedRule {
    /// The target key; `None`: dropped.
    pub to: Option<FieldKey>,
    /// The label to set, when the mapping names one.
    pub label: Option<String>,
    /// The placement: `None` keep the source's, `Some(None)` clear, `Some(Some(p))` set.
    pub placement: Option<Option<Placement>>,
    /// Write the value as text.
    pub as_text: bool,
}

/// A checked [`Identity`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvedIdentity {
    /// Serial prefix.
    pub serial_prefix: String,
    /// Marker field key.
    pub marker_field: Option<FieldKey>,
    /// Marker placement.
    pub marker_placement: Option<Placement>,
    /// Marker label.
    pub marker_label: Option<String>,
}

/// Why one pass cannot be mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapFailure {
    /// Each reason, naming the field.
    pub reasons: Vec<String>,
}

impl fmt::Display for MapFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reasons.join("; "))
    }
}

fn parse_placement(entry: &str, text: &str) -> Result<Option<Placement>, MappingError> {
    if text == "none" {
        return Ok(None);
    }
    Placement::ALL
        .into_iter()
        .find(|p| p.as_str() == text)
        .map(Some)
        .ok_or_else(|| MappingError::Entry {
            entry: entry.to_owned(),
            message: format!(
                "unknown placement '{text}'; expected header, primary, secondary, auxiliary, back or none"
            ),
        })
}

fn parse_key(entry: &str, key: &str) -> Result<FieldKey, MappingError> {
    FieldKey::new(key).map_err(|e| MappingError::Entry {
        entry: entry.to_owned(),
        message: e.to_string(),
    })
}

impl Mapping {
    /// Read and check a mapping file.
    pub fn from_path(path: &std::path::Path) -> Result<Self, MappingError> {
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// Parse and check a mapping.
    pub fn from_toml(text: &str) -> Result<Self, MappingError> {
        let file: MappingFile = toml::from_str(text)?;
        let mut fields = BTreeMap::new();
        let mut targets: BTreeMap<String, String> = BTreeMap::new();
        for (source, rule) in file.fields {
            let entry = format!("fields.{source}");
            parse_key(&entry, &source)?;
            if rule.drop && (rule.to.is_some() || rule.label.is_some() || rule.placement.is_some())
            {
                return Err(MappingError::Entry {
                    entry,
                    message: "a dropped field takes no to, label or placement".into(),
                });
            }
            let to = if rule.drop {
                None
            } else {
                let key = rule.to.clone().unwrap_or_else(|| source.clone());
                let key = parse_key(&format!("{entry}.to"), &key)?;
                if let Some(other) = targets.insert(key.to_string(), source.clone()) {
                    return Err(MappingError::Entry {
                        entry: format!("{entry}.to"),
                        message: format!("target key '{key}' is also the target of fields.{other}"),
                    });
                }
                Some(key)
            };
            let placement = match &rule.placement {
                Some(p) => Some(parse_placement(&format!("{entry}.placement"), p)?),
                None => None,
            };
            fields.insert(
                source,
                ResolvedRule {
                    to,
                    label: rule.label,
                    placement,
                    as_text: rule.as_text,
                },
            );
        }
        let identity = ResolvedIdentity {
            serial_prefix: file.identity.serial_prefix,
            marker_field: match &file.identity.marker_field {
                Some(k) => Some(parse_key("identity.marker_field", k)?),
                None => None,
            },
            marker_placement: match &file.identity.marker_placement {
                Some(p) => parse_placement("identity.marker_placement", p)?,
                None => Some(Placement::Back),
            },
            marker_label: file.identity.marker_label,
        };
        if let Some(marker) = &identity.marker_field
            && let Some(source) = targets.get(marker.as_str())
        {
            return Err(MappingError::Entry {
                entry: "identity.marker_field".into(),
                message: format!("'{marker}' is also the target of fields.{source}"),
            });
        }
        parse_key("notice.key", &file.notice.key)?;
        Ok(Self {
            defaults: file.defaults,
            fields,
            drop: file.drop.parts,
            identity,
            notice: file.notice,
        })
    }

    /// Whether `part` is dropped on purpose.
    pub fn drops(&self, part: DropPart) -> bool {
        self.drop.contains(&part)
    }

    /// Map one pass's content. `same_provider`: source and target are the same kind of
    /// provider, so the vendor's `extra` fields are kept (unless dropped explicitly).
    pub fn apply(
        &self,
        source: &PassContent,
        same_provider: bool,
    ) -> Result<PassContent, MapFailure> {
        let mut reasons = Vec::new();
        let mut out: Vec<Field> = Vec::new();
        for field in &source.fields {
            let key = field.key.as_str();
            let rule = match self.fields.get(key) {
                Some(rule) => rule.clone(),
                None => match self.defaults.unmapped {
                    Unmapped::Keep => ResolvedRule {
                        to: Some(field.key.clone()),
                        label: None,
                        placement: None,
                        as_text: false,
                    },
                    Unmapped::Drop => continue,
                    Unmapped::Error => {
                        reasons.push(format!(
                            "fields[{key}]: not named in the mapping and defaults.unmapped = \"error\""
                        ));
                        continue;
                    }
                },
            };
            let Some(to) = rule.to else { continue };
            let value = if rule.as_text {
                FieldValue::Text(field.value.to_text())
            } else {
                field.value.clone()
            };
            let label = if self.drops(DropPart::Labels) {
                None
            } else {
                rule.label.or_else(|| field.label.clone())
            };
            let placement = if self.drops(DropPart::Placements) {
                None
            } else {
                match rule.placement {
                    Some(p) => p,
                    None => field.placement,
                }
            };
            let change_message = if self.drops(DropPart::ChangeMessages) {
                None
            } else {
                field.change_message.clone()
            };
            out.push(Field {
                key: to,
                label,
                value,
                placement,
                change_message,
            });
        }
        let fields = match Fields::try_from_vec(out) {
            Ok(f) => f,
            Err(e) => {
                reasons.push(e.to_string());
                Fields::new()
            }
        };
        if !reasons.is_empty() {
            return Err(MapFailure { reasons });
        }
        let mut content = PassContent {
            fields,
            barcode: source.barcode.clone(),
            appearance: source.appearance.clone(),
            relevant_date: source.relevant_date,
            expiration_date: source.expiration_date,
            images: source.images.clone(),
            locations: source.locations.clone(),
            extra: source.extra.clone(),
        };
        if self.drops(DropPart::Barcode) {
            content.barcode = None;
        }
        if self.drops(DropPart::BarcodeAltText)
            && let Some(b) = &mut content.barcode
        {
            b.alt_text = None;
        }
        if self.drops(DropPart::Colors) {
            content.appearance.background_color = None;
            content.appearance.foreground_color = None;
        }
        if self.drops(DropPart::LabelColor) {
            content.appearance.label_color = None;
        }
        if self.drops(DropPart::AppearanceTexts) {
            content.appearance.organization_name = None;
            content.appearance.description = None;
            content.appearance.logo_text = None;
        }
        if self.drops(DropPart::RelevantDate) {
            content.relevant_date = None;
        }
        if self.drops(DropPart::ExpirationDate) {
            content.expiration_date = None;
        }
        if self.drops(DropPart::Images) {
            content.images.clear();
        }
        if self.drops(DropPart::Locations) {
            content.locations.clear();
        }
        if self.drops(DropPart::Extra) || !same_provider {
            content.extra.clear();
        }
        content
            .validate()
            .map_err(|e: ValidationError| MapFailure {
                reasons: vec![e.to_string()],
            })?;
        Ok(content)
    }

    /// The content with the marker field (holding `token`) added, when the mapping names one.
    pub fn with_marker(&self, mut content: PassContent, token: &str) -> PassContent {
        if let Some(key) = &self.identity.marker_field {
            let field = Field {
                key: key.clone(),
                label: self.identity.marker_label.clone(),
                value: FieldValue::Text(token.to_owned()),
                placement: self.identity.marker_placement,
                change_message: None,
            };
            // The key cannot clash: `from_toml` refuses a marker that is also a mapped target,
            // and `upsert` replaces an unmapped source field of the same name.
            let _ = content.fields.upsert(field);
        }
        content
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use walletpass_core::Link;

    fn content() -> PassContent {
        PassContent::builder()
            .field(
                Field::new("name", "Jane")
                    .unwrap()
                    .with_label("Name")
                    .with_placement(Placement::Primary),
            )
            .field(Field::new("points", 10).unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn unknown_entries_and_bad_values_name_the_entry() {
        let err = Mapping::from_toml("[fields.a]\nplacment = \"back\"").unwrap_err();
        assert!(err.to_string().contains("placment"), "{err}");
        let err = Mapping::from_toml("[fields.a]\nplacement = \"side\"").unwrap_err();
        assert!(err.to_string().contains("fields.a.placement"), "{err}");
        let err = Mapping::from_toml("[fields.a]\nto = \"x\"\n[fields.b]\nto = \"x\"").unwrap_err();
        assert!(err.to_string().contains("fields.b.to"), "{err}");
        let err = Mapping::from_toml("[fields.a]\ndrop = true\nto = \"x\"").unwrap_err();
        assert!(err.to_string().contains("fields.a"), "{err}");
        let err = Mapping::from_toml("[drop]\nparts = [\"everything\"]").unwrap_err();
        assert!(err.to_string().contains("everything"), "{err}");
        let err = Mapping::from_toml("[fields.\"bad key\"]\nto = \"x\"").unwrap_err();
        assert!(err.to_string().contains("fields.bad key"), "{err}");
    }

    #[test]
    fn unmapped_keys_follow_the_default() {
        let keep = Mapping::from_toml("").unwrap();
        assert_eq!(keep.apply(&content(), false).unwrap(), content());
        let drop = Mapping::from_toml("[defaults]\nunmapped = \"drop\"\n[fields.name]").unwrap();
        let out = drop.apply(&content(), false).unwrap();
        assert_eq!(out.fields.len(), 1);
        let error = Mapping::from_toml("[defaults]\nunmapped = \"error\"\n[fields.name]").unwrap();
        let failure = error.apply(&content(), false).unwrap_err();
        assert!(failure.to_string().contains("fields[points]"), "{failure}");
    }

    #[test]
    fn rules_rename_relabel_and_place() {
        let m = Mapping::from_toml(
            "[fields.name]\nto = \"holder\"\nlabel = \"Holder\"\nplacement = \"none\"",
        )
        .unwrap();
        let out = m.apply(&content(), false).unwrap();
        let f = out.field("holder").unwrap();
        assert_eq!(f.label.as_deref(), Some("Holder"));
        assert_eq!(f.placement, None);
        assert!(out.field("name").is_none());
    }

    #[test]
    fn links_as_text_and_dropped_parts() {
        let link = Link {
            label: None,
            url: "https://example.com/a".parse().unwrap(),
        };
        let source = PassContent::builder()
            .field(Field::new("links", vec![link]).unwrap().with_label("L"))
            .label_color("#ffffff")
            .extra("vendor", serde_json::json!(1))
            .build()
            .unwrap();
        let m = Mapping::from_toml(
            "[fields.links]\nas_text = true\n[drop]\nparts = [\"labels\", \"appearance.label_color\"]",
        )
        .unwrap();
        let out = m.apply(&source, true).unwrap();
        let f = out.field("links").unwrap();
        assert_eq!(f.value, FieldValue::Text("https://example.com/a".into()));
        assert_eq!(f.label, None);
        assert_eq!(out.appearance.label_color, None);
        assert_eq!(out.extra.len(), 1, "same provider keeps extras");
        assert!(m.apply(&source, false).unwrap().extra.is_empty());
    }

    #[test]
    fn marker_is_added_on_the_back() {
        let m = Mapping::from_toml("[identity]\nmarker_field = \"migrated_from\"").unwrap();
        let out = m.with_marker(content(), "abc");
        let f = out.field("migrated_from").unwrap();
        assert_eq!(f.placement, Some(Placement::Back));
        assert_eq!(f.value, FieldValue::Text("abc".into()));
        let err = Mapping::from_toml("[identity]\nmarker_field = \"x\"\n[fields.a]\nto = \"x\"")
            .unwrap_err();
        assert!(err.to_string().contains("identity.marker_field"), "{err}");
    }
}
