//! What a provider can do: one flag per operation and per model feature, declared by each
//! backend and held to the truth by the conformance suite (a declared operation must work, an
//! undeclared one must answer [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)).
//!
//! [`Capabilities::misfits`] checks whether a piece of content fits a provider before anything
//! is sent, so a field the vendor cannot hold is reported, never dropped.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{BarcodeFormat, FieldValue, PassContent, Placement};

/// The operations and model features a provider supports.
///
/// Build one from [`Capabilities::none`] (or [`Capabilities::all`]) and set the flags:
///
/// ```
/// use walletpass_core::Capabilities;
/// let mut caps = Capabilities::none();
/// caps.create = true;
/// caps.get = true;
/// assert!(!caps.void);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// `create`.
    pub create: bool,
    /// `get`.
    pub get: bool,
    /// `patch`.
    pub patch: bool,
    /// `patch` is composed (read, merge, write) rather than native: not atomic.
    pub patch_is_composed: bool,
    /// `put`.
    pub put: bool,
    /// `delete`.
    pub delete: bool,
    /// `void` keeps the pass with status voided.
    pub void: bool,
    /// `list`.
    pub list: bool,
    /// `list` needs a template.
    pub list_requires_template: bool,
    /// Each pass in a `list` page carries its full content (fields, barcode, appearance, dates,
    /// `extra`) exactly as `get` answers it, so a listing can stand in for reading every pass.
    /// Links and install counts may still be missing from a listed pass. When `false`, a listed
    /// pass is a summary (PassNinja lists serial numbers, status and links only): read each one
    /// with `get` for its content. (Absent from capability JSON written before the flag
    /// existed: read as `false`.)
    #[serde(default)]
    pub list_full_content: bool,
    /// `ListQuery::search`: a case-insensitive substring match on serial numbers.
    pub search: bool,
    /// `ListQuery::status`.
    pub list_filter_status: bool,
    /// A pass is addressed through its template (`PassRef::template` required).
    pub pass_ref_requires_template: bool,
    /// `NewPass::serial_number` is honoured (the caller chooses the serial).
    pub caller_serial: bool,
    /// `list_templates`.
    pub templates_list: bool,
    /// `get_template`.
    pub templates_get: bool,
    /// `create_template`.
    pub templates_create: bool,
    /// `delete_template`.
    pub templates_delete: bool,
    /// `create_webhook`.
    pub webhooks_create: bool,
    /// `list_webhooks`.
    pub webhooks_list: bool,
    /// `get_webhook`.
    pub webhooks_get: bool,
    /// `delete_webhook`.
    pub webhooks_delete: bool,
    /// `webhook_deliveries`.
    pub webhooks_deliveries: bool,
    /// `webhook_verifier` (inbound deliveries can be verified).
    pub webhooks_verify: bool,
    /// A bulk path exists (see [`BatchProvider`](crate::BatchProvider)).
    pub batch: bool,
    /// Field labels are stored per pass (or come back from template specs).
    pub labels: bool,
    /// Field placements are stored.
    pub placements: bool,
    /// Labels and placements belong to the template (PassNinja): a pass may repeat the
    /// template's, but a different label or placement is refused, never stored or dropped.
    pub fixed_layout: bool,
    /// Most fields per placement, where the vendor allows fewer than Apple does.
    pub max_fields_per_placement: Vec<(Placement, usize)>,
    /// Placements the vendor cannot hold at all.
    pub unsupported_placements: Vec<Placement>,
    /// Values that are lists of links.
    pub link_values: bool,
    /// Number and date values keep their type (otherwise they come back as text).
    pub typed_values: bool,
    /// Change messages are stored.
    pub change_messages: bool,
    /// Background and foreground colors.
    pub colors: bool,
    /// Label color.
    pub label_color: bool,
    /// Organization name, description and logo text.
    pub appearance_texts: bool,
    /// Barcode formats supported.
    pub barcode_formats: BTreeSet<BarcodeFormat>,
    /// Barcode alternative text.
    pub barcode_alt_text: bool,
    /// Relevant date.
    pub relevant_date: bool,
    /// Expiration date.
    pub expiration_date: bool,
    /// Images by role.
    pub images: bool,
    /// Locations.
    pub locations: bool,
    /// Fields the model has no place for are kept (`PassContent::extra`).
    pub extra: bool,
    /// A template fixes which field keys its passes may use: an unknown key is rejected with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), never stored or dropped.
    pub fixed_field_keys: bool,
    /// What a user should know about how the backend does what it declares: an endpoint the
    /// vendor no longer documents, a scheme the docs do not publish and the backend assumes.
    /// Printed by `walletpass capabilities` and in conformance reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Capabilities {
    /// Nothing supported.
    pub fn none() -> Self {
        Self {
            create: false,
            get: false,
            patch: false,
            patch_is_composed: false,
            put: false,
            delete: false,
            void: false,
            list: false,
            list_requires_template: false,
            list_full_content: false,
            search: false,
            list_filter_status: false,
            pass_ref_requires_template: false,
            caller_serial: false,
            templates_list: false,
            templates_get: false,
            templates_create: false,
            templates_delete: false,
            webhooks_create: false,
            webhooks_list: false,
            webhooks_get: false,
            webhooks_delete: false,
            webhooks_deliveries: false,
            webhooks_verify: false,
            batch: false,
            labels: false,
            placements: false,
            fixed_layout: false,
            max_fields_per_placement: Vec::new(),
            unsupported_placements: Vec::new(),
            link_values: false,
            typed_values: false,
            change_messages: false,
            colors: false,
            label_color: false,
            appearance_texts: false,
            barcode_formats: BTreeSet::new(),
            barcode_alt_text: false,
            relevant_date: false,
            expiration_date: false,
            images: false,
            locations: false,
            extra: false,
            fixed_field_keys: false,
            notes: Vec::new(),
        }
    }

    /// Everything supported (the in-memory reference provider).
    pub fn all() -> Self {
        Self {
            create: true,
            get: true,
            patch: true,
            patch_is_composed: false,
            put: true,
            delete: true,
            void: true,
            list: true,
            list_requires_template: false,
            list_full_content: true,
            search: true,
            list_filter_status: true,
            pass_ref_requires_template: false,
            caller_serial: true,
            templates_list: true,
            templates_get: true,
            templates_create: true,
            templates_delete: true,
            webhooks_create: true,
            webhooks_list: true,
            webhooks_get: true,
            webhooks_delete: true,
            webhooks_deliveries: true,
            webhooks_verify: true,
            batch: false,
            labels: true,
            placements: true,
            fixed_layout: false,
            max_fields_per_placement: Vec::new(),
            unsupported_placements: Vec::new(),
            link_values: true,
            typed_values: true,
            change_messages: true,
            colors: true,
            label_color: true,
            appearance_texts: true,
            barcode_formats: BarcodeFormat::ALL.into_iter().collect(),
            barcode_alt_text: true,
            relevant_date: true,
            expiration_date: true,
            images: true,
            locations: true,
            extra: true,
            fixed_field_keys: true,
            notes: Vec::new(),
        }
    }

    /// Whether any template operation is supported.
    pub fn templates(&self) -> bool {
        self.templates_list || self.templates_get || self.templates_create || self.templates_delete
    }

    /// Whether any webhook subscription operation is supported.
    pub fn webhooks(&self) -> bool {
        self.webhooks_create || self.webhooks_list || self.webhooks_get || self.webhooks_delete
    }

    /// The most fields this provider holds in `placement` (`None`: no limit).
    pub fn max_fields(&self, placement: Placement) -> Option<usize> {
        if self.unsupported_placements.contains(&placement) {
            return Some(0);
        }
        let own = self
            .max_fields_per_placement
            .iter()
            .find(|(p, _)| *p == placement)
            .map(|(_, n)| *n);
        match (own, placement.max_fields()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Every part of `content` this provider cannot hold. Empty means it fits.
    ///
    /// ```
    /// use walletpass_core::{Barcode, BarcodeFormat, Capabilities, Misfit, PassContent};
    /// let mut caps = Capabilities::all();
    /// caps.barcode_formats.remove(&BarcodeFormat::Pdf417);
    /// let content = PassContent::builder()
    ///     .barcode(Barcode::new(BarcodeFormat::Pdf417, "X")?)
    ///     .build()?;
    /// assert_eq!(caps.misfits(&content), vec![Misfit::BarcodeFormat(BarcodeFormat::Pdf417)]);
    /// # Ok::<(), walletpass_core::ValidationError>(())
    /// ```
    pub fn misfits(&self, content: &PassContent) -> Vec<Misfit> {
        let mut out = Vec::new();
        for field in &content.fields {
            let key = field.key.to_string();
            if field.label.is_some() && !self.labels {
                out.push(Misfit::Label { key: key.clone() });
            }
            if let Some(p) = field.placement
                && (!self.placements || self.unsupported_placements.contains(&p))
            {
                out.push(Misfit::Placement {
                    key: key.clone(),
                    placement: p,
                });
            }
            if matches!(field.value, FieldValue::Links(_)) && !self.link_values {
                out.push(Misfit::LinkValue { key: key.clone() });
            }
            if field.change_message.is_some() && !self.change_messages {
                out.push(Misfit::ChangeMessage { key });
            }
        }
        if self.placements {
            for placement in Placement::ALL {
                if let Some(max) = self.max_fields(placement) {
                    let found = content
                        .fields
                        .iter()
                        .filter(|f| f.placement == Some(placement))
                        .count();
                    if found > max && max > 0 {
                        out.push(Misfit::TooManyFields {
                            placement,
                            max,
                            found,
                        });
                    }
                }
            }
        }
        if let Some(barcode) = &content.barcode {
            if !self.barcode_formats.contains(&barcode.format) {
                out.push(Misfit::BarcodeFormat(barcode.format));
            }
            if barcode.alt_text.is_some() && !self.barcode_alt_text {
                out.push(Misfit::Unsupported("barcode.alt_text"));
            }
        }
        let a = &content.appearance;
        if (a.background_color.is_some() || a.foreground_color.is_some()) && !self.colors {
            out.push(Misfit::Unsupported("appearance colors"));
        }
        if a.label_color.is_some() && !self.label_color {
            out.push(Misfit::Unsupported("appearance.label_color"));
        }
        if (a.organization_name.is_some() || a.description.is_some() || a.logo_text.is_some())
            && !self.appearance_texts
        {
            out.push(Misfit::Unsupported("appearance texts"));
        }
        if content.relevant_date.is_some() && !self.relevant_date {
            out.push(Misfit::Unsupported("relevant_date"));
        }
        if content.expiration_date.is_some() && !self.expiration_date {
            out.push(Misfit::Unsupported("expiration_date"));
        }
        if !content.images.is_empty() && !self.images {
            out.push(Misfit::Unsupported("images"));
        }
        if !content.locations.is_empty() && !self.locations {
            out.push(Misfit::Unsupported("locations"));
        }
        out
    }
}

/// One part of a pass's content a provider cannot hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "misfit")]
#[non_exhaustive]
pub enum Misfit {
    /// A field label.
    Label {
        /// The field.
        key: String,
    },
    /// A field placement.
    Placement {
        /// The field.
        key: String,
        /// Its placement.
        placement: Placement,
    },
    /// More fields in a placement than the vendor holds.
    TooManyFields {
        /// The placement.
        placement: Placement,
        /// The vendor's limit.
        max: usize,
        /// How many were given.
        found: usize,
    },
    /// A value that is a list of links.
    LinkValue {
        /// The field.
        key: String,
    },
    /// A change message.
    ChangeMessage {
        /// The field.
        key: String,
    },
    /// A barcode format.
    BarcodeFormat(BarcodeFormat),
    /// Any other part, named.
    Unsupported(&'static str),
}

impl Misfit {
    /// The path of the part that cannot be stored, as field errors name it
    /// (`fields[points].label`, `barcode.format`, `images`).
    pub fn path(&self) -> String {
        match self {
            Misfit::Label { key } => format!("fields[{key}].label"),
            Misfit::Placement { key, .. } => format!("fields[{key}].placement"),
            Misfit::TooManyFields { .. } => "fields".to_owned(),
            Misfit::LinkValue { key } => format!("fields[{key}].value"),
            Misfit::ChangeMessage { key } => format!("fields[{key}].change_message"),
            Misfit::BarcodeFormat(_) => "barcode.format".to_owned(),
            Misfit::Unsupported(what) => (*what).to_owned(),
        }
    }

    /// Why it cannot be stored, without the path.
    pub fn reason(&self) -> String {
        match self {
            Misfit::Label { .. } => "labels are not stored".to_owned(),
            Misfit::Placement { placement, .. } => format!("{placement} cannot be stored"),
            Misfit::TooManyFields {
                placement,
                max,
                found,
            } => format!("{found} {placement} fields, at most {max} stored"),
            Misfit::LinkValue { .. } => "link values cannot be stored".to_owned(),
            Misfit::ChangeMessage { .. } | Misfit::Unsupported(_) => "cannot be stored".to_owned(),
            Misfit::BarcodeFormat(format) => format!("{format} barcodes cannot be stored"),
        }
    }
}

/// `<path>: <reason>`.
impl std::fmt::Display for Misfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path(), self.reason())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, Link};

    #[test]
    fn everything_fits_the_full_set() {
        let content = PassContent::builder()
            .field(
                Field::new("a", "1")
                    .unwrap()
                    .with_label("A")
                    .with_placement(Placement::Header),
            )
            .label_color("#fff")
            .build()
            .unwrap();
        assert!(Capabilities::all().misfits(&content).is_empty());
    }

    #[test]
    fn every_unsupported_part_is_named() {
        let mut caps = Capabilities::all();
        caps.labels = false;
        caps.link_values = false;
        caps.label_color = false;
        caps.max_fields_per_placement = vec![(Placement::Header, 1)];
        let link = Link {
            label: None,
            url: "https://example.com".parse().unwrap(),
        };
        let content = PassContent::builder()
            .field(
                Field::new("h1", "1")
                    .unwrap()
                    .with_label("H")
                    .with_placement(Placement::Header),
            )
            .field(
                Field::new("h2", "2")
                    .unwrap()
                    .with_placement(Placement::Header),
            )
            .field(Field::new("links", vec![link]).unwrap())
            .label_color("#000")
            .build()
            .unwrap();
        let misfits = caps.misfits(&content);
        assert_eq!(
            misfits,
            vec![
                Misfit::Label { key: "h1".into() },
                Misfit::LinkValue {
                    key: "links".into()
                },
                Misfit::TooManyFields {
                    placement: Placement::Header,
                    max: 1,
                    found: 2
                },
                Misfit::Unsupported("appearance.label_color"),
            ]
        );
        let paths: Vec<String> = misfits.iter().map(Misfit::path).collect();
        assert_eq!(
            paths,
            [
                "fields[h1].label",
                "fields[links].value",
                "fields",
                "appearance.label_color"
            ]
        );
        assert_eq!(
            misfits[2].to_string(),
            "fields: 2 header fields, at most 1 stored"
        );
    }
}
