//! What a caller writes on a pass: [`PassContent`] (fields, barcode, appearance, dates, images,
//! locations and vendor extras) and [`NewPass`], with builders that reject bad input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Color, Field, Fields, PassId, TemplateId, ValidationError};

/// A barcode symbology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BarcodeFormat {
    /// QR code.
    Qr,
    /// PDF417.
    Pdf417,
    /// Aztec.
    Aztec,
    /// Code 128.
    Code128,
}

impl BarcodeFormat {
    /// Every format.
    pub const ALL: [BarcodeFormat; 4] = [
        BarcodeFormat::Qr,
        BarcodeFormat::Pdf417,
        BarcodeFormat::Aztec,
        BarcodeFormat::Code128,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            BarcodeFormat::Qr => "qr",
            BarcodeFormat::Pdf417 => "pdf417",
            BarcodeFormat::Aztec => "aztec",
            BarcodeFormat::Code128 => "code128",
        }
    }
}

impl std::fmt::Display for BarcodeFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pass's barcode.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "BarcodeRepr")]
pub struct Barcode {
    /// The symbology.
    pub format: BarcodeFormat,
    /// The encoded message; never empty.
    pub message: String,
    /// Text shown under the barcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

#[derive(Deserialize)]
struct BarcodeRepr {
    format: BarcodeFormat,
    message: String,
    #[serde(default)]
    alt_text: Option<String>,
}

impl TryFrom<BarcodeRepr> for Barcode {
    type Error = ValidationError;
    fn try_from(r: BarcodeRepr) -> Result<Self, Self::Error> {
        let barcode = Barcode {
            format: r.format,
            message: r.message,
            alt_text: r.alt_text,
        };
        barcode.validate()?;
        Ok(barcode)
    }
}

impl Barcode {
    /// A barcode; the message must not be empty.
    ///
    /// ```
    /// use walletpass_core::{Barcode, BarcodeFormat};
    /// assert!(Barcode::new(BarcodeFormat::Qr, "MEMBER-1").is_ok());
    /// let err = Barcode::new(BarcodeFormat::Qr, "").unwrap_err();
    /// assert_eq!(err.field(), "barcode.message");
    /// ```
    pub fn new(format: BarcodeFormat, message: impl Into<String>) -> Result<Self, ValidationError> {
        let barcode = Barcode {
            format,
            message: message.into(),
            alt_text: None,
        };
        barcode.validate()?;
        Ok(barcode)
    }

    /// Set the text shown under the barcode.
    pub fn with_alt_text(mut self, alt_text: impl Into<String>) -> Self {
        self.alt_text = Some(alt_text.into());
        self
    }

    /// Check the barcode's rules.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.message.is_empty() {
            return Err(ValidationError::EmptyBarcodeMessage);
        }
        Ok(())
    }
}

/// How the pass looks: texts and colors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appearance {
    /// The issuing organization's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// A description of the pass (read by VoiceOver).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Text shown next to the logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_text: Option<String>,
    /// Background color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<Color>,
    /// Text (foreground) color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreground_color: Option<Color>,
    /// Label color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_color: Option<Color>,
}

impl Appearance {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == Appearance::default()
    }

    /// Parse a color for the named appearance field, naming it on failure.
    pub fn parse_color(field: &str, text: &str) -> Result<Color, ValidationError> {
        text.parse().map_err(|_| ValidationError::InvalidColor {
            field: format!("appearance.{field}"),
            input: text.to_owned(),
        })
    }
}

/// The role an image plays on a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageRole {
    /// The logo, top left.
    Logo,
    /// The icon, on the lock screen and in notifications.
    Icon,
    /// The strip behind the primary fields.
    Strip,
    /// The footer, above the barcode.
    Footer,
    /// The thumbnail, beside the primary fields.
    Thumbnail,
    /// The background image.
    Background,
}

/// A place where the pass becomes relevant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude in degrees, -90 to 90.
    pub latitude: f64,
    /// Longitude in degrees, -180 to 180.
    pub longitude: f64,
    /// Altitude in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Text shown on the lock screen near the location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_text: Option<String>,
}

impl Location {
    /// Check the coordinates.
    pub fn validate(&self, index: usize) -> Result<(), ValidationError> {
        if !(-90.0..=90.0).contains(&self.latitude) {
            return Err(ValidationError::invalid(
                format!("locations[{index}].latitude"),
                format!("{} is outside -90..=90", self.latitude),
            ));
        }
        if !(-180.0..=180.0).contains(&self.longitude) {
            return Err(ValidationError::invalid(
                format!("locations[{index}].longitude"),
                format!("{} is outside -180..=180", self.longitude),
            ));
        }
        Ok(())
    }
}

/// The content of a pass: everything a caller writes.
///
/// Built with [`PassContent::builder`], which checks every rule; deserializing checks the same
/// rules. Providers check it again with [`PassContent::validate`] before sending it.
///
/// ```
/// use walletpass_core::{Barcode, BarcodeFormat, Field, PassContent, Placement};
/// let content = PassContent::builder()
///     .field(Field::new("member.name", "Jane Doe")?.with_label("Member"))
///     .field(Field::new("points", 1200)?.with_label("Points").with_placement(Placement::Header))
///     .barcode(Barcode::new(BarcodeFormat::Qr, "MEMBER-1")?)
///     .background_color("#1f2937")
///     .build()?;
/// assert_eq!(content.fields.len(), 2);
/// # Ok::<(), walletpass_core::ValidationError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PassContentRepr")]
pub struct PassContent {
    /// The fields, in order.
    pub fields: Fields,
    /// The barcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<Barcode>,
    /// Texts and colors.
    #[serde(default, skip_serializing_if = "Appearance::is_empty")]
    pub appearance: Appearance,
    /// When the pass becomes relevant (shown on the lock screen).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub relevant_date: Option<OffsetDateTime>,
    /// When the pass expires.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub expiration_date: Option<OffsetDateTime>,
    /// Images by role, each a reference (a URL or a vendor upload key).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub images: BTreeMap<ImageRole, String>,
    /// Relevant locations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// Vendor fields the canonical model has no place for, kept verbatim so that a read followed
    /// by a write loses nothing.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct PassContentRepr {
    #[serde(default)]
    fields: Fields,
    #[serde(default)]
    barcode: Option<Barcode>,
    #[serde(default)]
    appearance: Appearance,
    #[serde(default, with = "time::serde::rfc3339::option")]
    relevant_date: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expiration_date: Option<OffsetDateTime>,
    #[serde(default)]
    images: BTreeMap<ImageRole, String>,
    #[serde(default)]
    locations: Vec<Location>,
    #[serde(default)]
    extra: serde_json::Map<String, serde_json::Value>,
}

impl TryFrom<PassContentRepr> for PassContent {
    type Error = ValidationError;
    fn try_from(r: PassContentRepr) -> Result<Self, Self::Error> {
        let content = PassContent {
            fields: r.fields,
            barcode: r.barcode,
            appearance: r.appearance,
            relevant_date: r.relevant_date,
            expiration_date: r.expiration_date,
            images: r.images,
            locations: r.locations,
            extra: r.extra,
        };
        content.validate()?;
        Ok(content)
    }
}

impl PassContent {
    /// A builder that checks every rule in [`build`](PassContentBuilder::build).
    pub fn builder() -> PassContentBuilder {
        PassContentBuilder::default()
    }

    /// Check every rule: fields (keys, labels, placement limits), barcode, locations.
    pub fn validate(&self) -> Result<(), ValidationError> {
        Fields::try_from_vec(self.fields.as_slice().to_vec())?;
        if let Some(barcode) = &self.barcode {
            barcode.validate()?;
        }
        for (i, location) in self.locations.iter().enumerate() {
            location.validate(i)?;
        }
        Ok(())
    }

    /// The field with `key`.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.get(key)
    }
}

/// Builds a [`PassContent`]; the first rule broken is reported by [`build`](Self::build).
#[derive(Debug, Default)]
pub struct PassContentBuilder {
    fields: Vec<Field>,
    barcode: Option<Barcode>,
    appearance: Appearance,
    relevant_date: Option<OffsetDateTime>,
    expiration_date: Option<OffsetDateTime>,
    images: BTreeMap<ImageRole, String>,
    locations: Vec<Location>,
    extra: serde_json::Map<String, serde_json::Value>,
    error: Option<ValidationError>,
}

impl PassContentBuilder {
    fn fail(&mut self, error: ValidationError) {
        self.error.get_or_insert(error);
    }

    /// Add a field.
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }

    /// Add a text or number field by key and value.
    pub fn value(mut self, key: &str, value: impl Into<super::FieldValue>) -> Self {
        match Field::new(key, value) {
            Ok(field) => self.fields.push(field),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Set the barcode.
    pub fn barcode(mut self, barcode: Barcode) -> Self {
        self.barcode = Some(barcode);
        self
    }

    /// Set the whole appearance.
    pub fn appearance(mut self, appearance: Appearance) -> Self {
        self.appearance = appearance;
        self
    }

    /// Set the organization name.
    pub fn organization_name(mut self, name: impl Into<String>) -> Self {
        self.appearance.organization_name = Some(name.into());
        self
    }

    /// Set the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.appearance.description = Some(description.into());
        self
    }

    /// Set the logo text.
    pub fn logo_text(mut self, text: impl Into<String>) -> Self {
        self.appearance.logo_text = Some(text.into());
        self
    }

    /// Set the background color from text (`#rrggbb`, `#rgb`, `rgb(r,g,b)`).
    pub fn background_color(mut self, color: &str) -> Self {
        match Appearance::parse_color("background_color", color) {
            Ok(c) => self.appearance.background_color = Some(c),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Set the foreground color from text.
    pub fn foreground_color(mut self, color: &str) -> Self {
        match Appearance::parse_color("foreground_color", color) {
            Ok(c) => self.appearance.foreground_color = Some(c),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Set the label color from text.
    pub fn label_color(mut self, color: &str) -> Self {
        match Appearance::parse_color("label_color", color) {
            Ok(c) => self.appearance.label_color = Some(c),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Set the relevant date.
    pub fn relevant_date(mut self, date: OffsetDateTime) -> Self {
        self.relevant_date = Some(date);
        self
    }

    /// Set the expiration date.
    pub fn expiration_date(mut self, date: OffsetDateTime) -> Self {
        self.expiration_date = Some(date);
        self
    }

    /// Set the image for a role.
    pub fn image(mut self, role: ImageRole, reference: impl Into<String>) -> Self {
        self.images.insert(role, reference.into());
        self
    }

    /// Add a location.
    pub fn location(mut self, location: Location) -> Self {
        self.locations.push(location);
        self
    }

    /// Keep a vendor field verbatim.
    pub fn extra(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// Check every rule and build the content.
    pub fn build(self) -> Result<PassContent, ValidationError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let content = PassContent {
            fields: Fields::try_from_vec(self.fields)?,
            barcode: self.barcode,
            appearance: self.appearance,
            relevant_date: self.relevant_date,
            expiration_date: self.expiration_date,
            images: self.images,
            locations: self.locations,
            extra: self.extra,
        };
        content.validate()?;
        Ok(content)
    }
}

/// A pass to create.
///
/// ```
/// use walletpass_core::{NewPass, PassContent, TemplateId};
/// let content = PassContent::builder().value("tier", "Gold").build()?;
/// let new = NewPass::new(content).with_template(TemplateId::new("ptk_0x14")?);
/// assert!(new.serial_number.is_none());
/// # Ok::<(), walletpass_core::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewPass {
    /// The template to create it from (required by PassNinja and Passinstance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateId>,
    /// A caller-chosen serial number, for vendors that accept one; it makes a retried create
    /// safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<PassId>,
    /// The content.
    pub content: PassContent,
}

impl NewPass {
    /// A pass with this content, no template and a vendor-chosen serial.
    pub fn new(content: PassContent) -> Self {
        Self {
            template: None,
            serial_number: None,
            content,
        }
    }

    /// Set the template.
    pub fn with_template(mut self, template: TemplateId) -> Self {
        self.template = Some(template);
        self
    }

    /// Set a caller-chosen serial number.
    pub fn with_serial_number(mut self, serial: PassId) -> Self {
        self.serial_number = Some(serial);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_names_an_invalid_color() {
        let err = PassContent::builder()
            .background_color("#12")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "appearance.background_color");
        let err = PassContent::builder()
            .label_color("blue")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "appearance.label_color");
        assert!(err.to_string().contains("'blue'"));
    }

    #[test]
    fn builder_rejects_empty_barcode_and_bad_fields() {
        let err = PassContent::builder()
            .barcode(Barcode {
                format: BarcodeFormat::Qr,
                message: String::new(),
                alt_text: None,
            })
            .build()
            .unwrap_err();
        assert_eq!(err, ValidationError::EmptyBarcodeMessage);
        let err = PassContent::builder()
            .value("a", "1")
            .value("a", "2")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "fields[a]");
        let err = PassContent::builder().value("", "1").build().unwrap_err();
        assert_eq!(err, ValidationError::EmptyFieldKey);
    }

    #[test]
    fn builder_rejects_a_location_off_the_globe() {
        let err = PassContent::builder()
            .location(Location {
                latitude: 91.0,
                longitude: 0.0,
                altitude: None,
                relevant_text: None,
            })
            .build()
            .unwrap_err();
        assert_eq!(err.field(), "locations[0].latitude");
    }

    #[test]
    fn deserializing_content_checks_the_rules() {
        let bad = r#"{"fields":[],"barcode":{"format":"qr","message":""}}"#;
        assert!(serde_json::from_str::<PassContent>(bad).is_err());
        let bad = r##"{"appearance":{"background_color":"#zzzzzz"}}"##;
        assert!(serde_json::from_str::<PassContent>(bad).is_err());
    }
}
