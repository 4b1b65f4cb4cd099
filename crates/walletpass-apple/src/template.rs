//! Apple templates: the canonical `Template` plus what `pass.json`
//! needs beyond it — the pass style (and a boarding pass's transit type), images by file name
//! (`icon.png`, `logo@2x.png`, ...), change messages per field and a default barcode. They
//! travel in [`NewTemplate::style`] and [`NewTemplate::extra`] (keys `transitType`, `images`,
//! `changeMessages`, `barcode`); any other `extra` key is refused, never dropped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use walletpass_core::{BarcodeFormat, NewTemplate, Operation, Result, Template};

use crate::error::invalid;

/// The five pass styles (`pass.json` style keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PassStyle {
    /// `storeCard` (the default).
    #[serde(rename = "storeCard")]
    StoreCard,
    /// `generic`.
    #[serde(rename = "generic")]
    Generic,
    /// `eventTicket`.
    #[serde(rename = "eventTicket")]
    EventTicket,
    /// `coupon`.
    #[serde(rename = "coupon")]
    Coupon,
    /// `boardingPass` (needs a transit type).
    #[serde(rename = "boardingPass")]
    BoardingPass,
}

impl PassStyle {
    /// Every style.
    pub const ALL: [PassStyle; 5] = [
        PassStyle::StoreCard,
        PassStyle::Generic,
        PassStyle::EventTicket,
        PassStyle::Coupon,
        PassStyle::BoardingPass,
    ];

    /// The `pass.json` key.
    pub fn key(self) -> &'static str {
        match self {
            PassStyle::StoreCard => "storeCard",
            PassStyle::Generic => "generic",
            PassStyle::EventTicket => "eventTicket",
            PassStyle::Coupon => "coupon",
            PassStyle::BoardingPass => "boardingPass",
        }
    }

    /// Parse a style name (`storeCard`, case-insensitive, `_`/`-` ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let norm: String = text
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        PassStyle::ALL
            .into_iter()
            .find(|s| s.key().to_ascii_lowercase() == norm)
    }

    /// The image roles Wallet shows on this style (\[impl\] in apple-wallet.md §1).
    pub fn images(self) -> &'static [&'static str] {
        match self {
            PassStyle::BoardingPass => &["icon", "logo", "footer"],
            PassStyle::Coupon | PassStyle::StoreCard => &["icon", "logo", "strip"],
            PassStyle::EventTicket => &["icon", "logo", "strip", "background", "thumbnail"],
            PassStyle::Generic => &["icon", "logo", "thumbnail"],
        }
    }

    /// Most primary fields (1; 2 on a boarding pass).
    pub fn max_primary(self) -> usize {
        if self == PassStyle::BoardingPass {
            2
        } else {
            1
        }
    }

    /// Whether a square barcode limits secondary + auxiliary fields to 4 combined.
    pub fn square_barcode_limit(self) -> bool {
        matches!(
            self,
            PassStyle::Coupon | PassStyle::StoreCard | PassStyle::Generic
        )
    }
}

/// A boarding pass's transit type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransitType {
    /// `PKTransitTypeAir`.
    #[serde(rename = "PKTransitTypeAir")]
    Air,
    /// `PKTransitTypeBoat`.
    #[serde(rename = "PKTransitTypeBoat")]
    Boat,
    /// `PKTransitTypeBus`.
    #[serde(rename = "PKTransitTypeBus")]
    Bus,
    /// `PKTransitTypeTrain`.
    #[serde(rename = "PKTransitTypeTrain")]
    Train,
    /// `PKTransitTypeGeneric`.
    #[serde(rename = "PKTransitTypeGeneric")]
    Generic,
}

impl TransitType {
    fn parse(text: &str) -> Option<Self> {
        let t = text
            .trim_start_matches("PKTransitType")
            .to_ascii_lowercase();
        Some(match t.as_str() {
            "air" => TransitType::Air,
            "boat" => TransitType::Boat,
            "bus" => TransitType::Bus,
            "train" => TransitType::Train,
            "generic" => TransitType::Generic,
            _ => return None,
        })
    }
}

/// A template's default barcode: its format, and a message (the serial number when absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarcodeDefault {
    /// The format.
    pub format: BarcodeFormat,
    /// The message; `None` uses the pass's serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Alternative text.
    #[serde(default, rename = "altText", skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// What an Apple template adds to the canonical one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppleTemplate {
    /// The style (`None`: storeCard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<PassStyle>,
    /// The transit type (boarding passes only).
    #[serde(
        default,
        rename = "transitType",
        skip_serializing_if = "Option::is_none"
    )]
    pub transit_type: Option<TransitType>,
    /// Image file name (`logo@2x.png`) -> image key ([`Apple::put_image`](crate::Apple::put_image)).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub images: BTreeMap<String, String>,
    /// Field key -> change message (must hold `%@`).
    #[serde(
        default,
        rename = "changeMessages",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub change_messages: BTreeMap<String, String>,
    /// The barcode a pass gets when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<BarcodeDefault>,
}

/// The extra keys a template may carry.
pub(crate) const TEMPLATE_EXTRA_KEYS: [&str; 4] =
    ["transitType", "images", "changeMessages", "barcode"];

/// An image file name: `<role>[@2x|@3x].png` with a role Apple defines. Returns the normalised
/// name and the role.
pub(crate) fn image_name(name: &str) -> Option<(String, &'static str)> {
    let base = name.strip_suffix(".png").unwrap_or(name);
    let (role, scale) = match base.split_once('@') {
        Some((r, s)) if s == "2x" || s == "3x" => (r, Some(s)),
        Some(_) => return None,
        None => (base, None),
    };
    let role = ["icon", "logo", "strip", "thumbnail", "background", "footer"]
        .into_iter()
        .find(|r| *r == role)?;
    let name = match scale {
        Some(s) => format!("{role}@{s}.png"),
        None => format!("{role}.png"),
    };
    Some((name, role))
}

impl AppleTemplate {
    /// Read the Apple parts of `template`, refusing what does not fit.
    pub(crate) fn from_new(template: &NewTemplate, op: Operation) -> Result<Self> {
        Self::parse(template.style.as_deref(), &template.extra, op)
    }

    /// Read the Apple parts of a stored template.
    pub(crate) fn from_template(template: &Template, op: Operation) -> Result<Self> {
        Self::parse(template.style.as_deref(), &template.extra, op)
    }

    fn parse(
        style: Option<&str>,
        extra: &serde_json::Map<String, serde_json::Value>,
        op: Operation,
    ) -> Result<Self> {
        let style = match style {
            None => None,
            Some(s) => Some(PassStyle::parse(s).ok_or_else(|| {
                invalid(
                    op,
                    "style",
                    format!(
                        "'{s}' is not a pass style; expected one of storeCard, generic, eventTicket, coupon, boardingPass"
                    ),
                )
            })?),
        };
        if let Some(key) = extra
            .keys()
            .find(|k| !TEMPLATE_EXTRA_KEYS.contains(&k.as_str()))
        {
            return Err(invalid(
                op,
                format!("extra.{key}"),
                format!(
                    "an Apple template takes only {} beyond the canonical template",
                    TEMPLATE_EXTRA_KEYS.join(", ")
                ),
            ));
        }
        let transit_type = match extra.get("transitType") {
            None => None,
            Some(v) => Some(v.as_str().and_then(TransitType::parse).ok_or_else(|| {
                invalid(
                    op,
                    "extra.transitType",
                    "expected PKTransitTypeAir, Boat, Bus, Train or Generic",
                )
            })?),
        };
        let effective = style.unwrap_or(PassStyle::StoreCard);
        match (effective, transit_type) {
            (PassStyle::BoardingPass, None) => {
                return Err(invalid(
                    op,
                    "extra.transitType",
                    "a boardingPass needs a transit type (PKTransitTypeAir, Boat, Bus, Train or Generic)",
                ));
            }
            (s, Some(_)) if s != PassStyle::BoardingPass => {
                return Err(invalid(
                    op,
                    "extra.transitType",
                    format!(
                        "only a boardingPass takes a transit type, not a {}",
                        s.key()
                    ),
                ));
            }
            _ => {}
        }
        let map_of_strings = |key: &str| -> Result<BTreeMap<String, String>> {
            match extra.get(key) {
                None => Ok(BTreeMap::new()),
                Some(v) => serde_json::from_value(v.clone()).map_err(|_| {
                    invalid(op, format!("extra.{key}"), "expected an object of strings")
                }),
            }
        };
        let mut images = BTreeMap::new();
        for (name, key) in map_of_strings("images")? {
            let Some((normalised, role)) = image_name(&name) else {
                return Err(invalid(
                    op,
                    format!("extra.images.{name}"),
                    "expected icon, logo, strip, thumbnail, background or footer, with an optional @2x or @3x",
                ));
            };
            if !effective.images().contains(&role) {
                return Err(invalid(
                    op,
                    format!("extra.images.{name}"),
                    format!(
                        "a {} does not show a {role} image (it shows {})",
                        effective.key(),
                        effective.images().join(", ")
                    ),
                ));
            }
            images.insert(normalised, key);
        }
        let change_messages = map_of_strings("changeMessages")?;
        for (key, message) in &change_messages {
            if !message.contains("%@") {
                return Err(invalid(
                    op,
                    format!("extra.changeMessages.{key}"),
                    "a change message must contain %@ (where Wallet puts the new value)",
                ));
            }
        }
        let barcode = match extra.get("barcode") {
            None => None,
            Some(v) => Some(serde_json::from_value(v.clone()).map_err(|_| {
                invalid(
                    op,
                    "extra.barcode",
                    "expected {\"format\": \"qr|pdf417|aztec|code128\", \"message\"?: string, \"altText\"?: string}",
                )
            })?),
        };
        Ok(Self {
            style,
            transit_type,
            images,
            change_messages,
            barcode,
        })
    }

    /// The effective style.
    pub fn style(&self) -> PassStyle {
        self.style.unwrap_or(PassStyle::StoreCard)
    }
}
