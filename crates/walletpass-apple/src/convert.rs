//! Canonical content -> `pass.json` (apple-wallet.md §2), and every Apple limit checked before
//! anything is stored: each problem is named (field and fix), never dropped or changed.
//!
//! | canonical | `pass.json` |
//! |---|---|
//! | fields by placement | `<style>.headerFields`, `primaryFields`, `secondaryFields`, `auxiliaryFields`, `backFields` |
//! | an unplaced field | `secondaryFields` while there is room, then `auxiliaryFields`, then `backFields` (a link value: `backFields`) |
//! | text / number value | `value` (string / number) |
//! | date-time value | `value` (RFC 3339), `dateStyle` `PKDateStyleMedium`, `timeStyle` `PKDateStyleShort` |
//! | link value | a back field: `value` the URLs, `attributedValue` `<a href="...">label</a>` per link |
//! | label, change message | `label`, `changeMessage` (the template's when the field has none; must hold `%@`) |
//! | barcode | `barcodes[0]` `{format: PKBarcodeFormat*, message, messageEncoding, altText?}` (the template's default when none) |
//! | colors | `backgroundColor`, `foregroundColor`, `labelColor` as `rgb(r, g, b)` |
//! | organization, description, logo text | `organizationName`, `description`, `logoText` (pass, then template, then the configured organization / the template name) |
//! | relevant / expiration date | `relevantDate`, `expirationDate` (RFC 3339) |
//! | status voided | `voided: true` |
//! | locations (at most 10) | `locations` `{latitude, longitude, altitude?, relevantText?}` |
//! | images (role -> image key) | `<role>.png`, replacing the template's images of that role |
//! | `extra` | top-level keys Apple defines and the model has no place for (see [`EXTRA_KEYS`]), type-checked |
//!
//! Limits: header fields ≤ 3; primary ≤ 1 (2 on a boardingPass); secondary ≤ 4; auxiliary
//! ≤ 4; on coupon, storeCard and generic passes with a square barcode (QR, Aztec) secondary +
//! auxiliary ≤ 4 combined; locations ≤ 10; a change message holds `%@`; images only of the
//! roles the style shows; link values only on the back.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;
use walletpass_core::{
    BarcodeFormat, Error, ErrorKind, Field, FieldValue, ImageRole, Operation, PassContent,
    PassStatus, Placement, Template,
};

use crate::template::{AppleTemplate, PassStyle, image_name};

/// Most locations Apple allows.
pub const MAX_LOCATIONS: usize = 10;

/// Top-level `pass.json` keys a pass may carry in `PassContent::extra`, with the JSON type
/// each must have.
pub const EXTRA_KEYS: [(&str, &str); 11] = [
    ("beacons", "array"),
    ("nfc", "object"),
    ("userInfo", "any"),
    ("sharingProhibited", "boolean"),
    ("groupingIdentifier", "string"),
    ("associatedStoreIdentifiers", "array of integers"),
    ("appLaunchURL", "string"),
    ("suppressStripShine", "boolean"),
    ("maxDistance", "number"),
    ("relevantDates", "array"),
    ("semantics", "object"),
];

/// Where an image's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ImageSource {
    /// An image stored under this key.
    Stored(String),
    /// The embedded placeholder icon.
    Placeholder(&'static [u8]),
}

/// The placeholder icon (1x, 2x, 3x), used when neither pass nor template has one.
pub(crate) const PLACEHOLDER_ICONS: [(&str, &[u8]); 3] = [
    ("icon.png", include_bytes!("assets/icon.png")),
    ("icon@2x.png", include_bytes!("assets/icon@2x.png")),
    ("icon@3x.png", include_bytes!("assets/icon@3x.png")),
];

/// Who issues the pass.
pub(crate) struct Issuer<'a> {
    pub pass_type_id: &'a str,
    pub team_id: &'a str,
    pub web_service_url: Option<String>,
    pub organization_name: &'a str,
}

/// One pass to render.
pub(crate) struct Input<'a> {
    pub serial: &'a str,
    pub status: &'a PassStatus,
    pub content: &'a PassContent,
    pub template: Option<(&'a Template, &'a AppleTemplate)>,
    pub auth_token: &'a str,
}

/// A rendered pass: `pass.json` and its images by file name.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub pass_json: Value,
    pub images: BTreeMap<String, ImageSource>,
}

/// The role name of an image role.
pub(crate) fn role_name(role: ImageRole) -> &'static str {
    match role {
        ImageRole::Logo => "logo",
        ImageRole::Icon => "icon",
        ImageRole::Strip => "strip",
        ImageRole::Footer => "footer",
        ImageRole::Thumbnail => "thumbnail",
        ImageRole::Background => "background",
    }
}

fn date(d: time::OffsetDateTime) -> String {
    d.format(&Rfc3339).unwrap_or_else(|_| d.to_string())
}

fn barcode_format(format: BarcodeFormat) -> &'static str {
    match format {
        BarcodeFormat::Qr => "PKBarcodeFormatQR",
        BarcodeFormat::Pdf417 => "PKBarcodeFormatPDF417",
        BarcodeFormat::Aztec => "PKBarcodeFormatAztec",
        BarcodeFormat::Code128 => "PKBarcodeFormatCode128",
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Collects every problem before failing once.
struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    fn into_result(self, op: Operation) -> Result<(), Error> {
        if self.0.is_empty() {
            return Ok(());
        }
        let text = self
            .0
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut error = Error::new(
            ErrorKind::InvalidInput,
            format!("Apple Wallet cannot hold this pass: {text}"),
        )
        .at(crate::PROVIDER, op);
        for (f, m) in self.0 {
            error = error.with_field_error(f, m);
        }
        Err(error)
    }
}

fn field_json(field: &Field, change_message: Option<&str>) -> Value {
    let mut out = Map::new();
    out.insert("key".into(), json!(field.key.as_str()));
    if let Some(label) = &field.label {
        out.insert("label".into(), json!(label));
    }
    match &field.value {
        FieldValue::Text(t) => {
            out.insert("value".into(), json!(t));
        }
        FieldValue::Number(n) => {
            out.insert("value".into(), Value::Number(n.clone()));
        }
        FieldValue::DateTime(d) => {
            out.insert("value".into(), json!(date(*d)));
            out.insert("dateStyle".into(), json!("PKDateStyleMedium"));
            out.insert("timeStyle".into(), json!("PKDateStyleShort"));
        }
        FieldValue::Links(links) => {
            let text: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
            let attributed: Vec<String> = links
                .iter()
                .map(|l| {
                    format!(
                        "<a href=\"{}\">{}</a>",
                        html_escape(l.url.as_str()),
                        html_escape(l.label.as_deref().unwrap_or(l.url.as_str()))
                    )
                })
                .collect();
            out.insert("value".into(), json!(text.join(" ")));
            out.insert("attributedValue".into(), json!(attributed.join(" ")));
        }
    }
    if let Some(message) = field.change_message.as_deref().or(change_message) {
        out.insert("changeMessage".into(), json!(message));
    }
    Value::Object(out)
}

fn check_extra(key: &str, value: &Value) -> Result<(), String> {
    let Some((_, kind)) = EXTRA_KEYS.iter().find(|(k, _)| *k == key) else {
        let known: Vec<&str> = EXTRA_KEYS.iter().map(|(k, _)| *k).collect();
        return Err(format!(
            "not a pass.json key this backend writes from extra (it takes: {}; the other keys come from the canonical model)",
            known.join(", ")
        ));
    };
    let ok = match *kind {
        "array" => value.is_array(),
        "object" => value.is_object(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "array of integers" => value
            .as_array()
            .is_some_and(|a| a.iter().all(|v| v.is_u64() || v.is_i64())),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("must be {kind}"))
    }
}

/// Check `input` against every Apple limit and render its `pass.json`.
pub(crate) fn render(
    issuer: &Issuer<'_>,
    input: &Input<'_>,
    op: Operation,
) -> Result<Rendered, Error> {
    let content = input.content;
    let apple = input.template.map(|(_, a)| a);
    let style = apple.map_or(PassStyle::StoreCard, AppleTemplate::style);
    let mut problems = Problems(Vec::new());
    let template_appearance = input.template.map(|(t, _)| &t.appearance);

    // Barcode: the pass's, else the template's default.
    let barcode = match (&content.barcode, apple.and_then(|a| a.barcode.as_ref())) {
        (Some(b), _) => Some((b.format, b.message.clone(), b.alt_text.clone())),
        (None, Some(d)) => Some((
            d.format,
            d.message.clone().unwrap_or_else(|| input.serial.to_owned()),
            d.alt_text.clone(),
        )),
        (None, None) => None,
    };
    let square = barcode
        .as_ref()
        .is_some_and(|(f, _, _)| matches!(f, BarcodeFormat::Qr | BarcodeFormat::Aztec));

    // Fields by placement.
    let mut groups: BTreeMap<Placement, Vec<&Field>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    for field in content.fields.iter() {
        match (field.placement, &field.value) {
            (Some(p), FieldValue::Links(_)) if p != Placement::Back => problems.add(
                format!("fields[{}].placement", field.key),
                format!(
                    "a link value is shown only on the back of a pass, not in {p}; place it back"
                ),
            ),
            (Some(p), _) => groups.entry(p).or_default().push(field),
            (None, FieldValue::Links(_)) => groups.entry(Placement::Back).or_default().push(field),
            (None, _) => unplaced.push(field),
        }
        let message = field.change_message.as_deref().or_else(|| {
            apple.and_then(|a| {
                a.change_messages
                    .get(field.key.as_str())
                    .map(String::as_str)
            })
        });
        if let Some(m) = message
            && !m.contains("%@")
        {
            problems.add(
                format!("fields[{}].change_message", field.key),
                "must contain %@ (where Wallet puts the new value)",
            );
        }
    }
    let count = |g: &BTreeMap<Placement, Vec<&Field>>, p: Placement| g.get(&p).map_or(0, Vec::len);
    let limits = [
        (Placement::Header, 3),
        (Placement::Primary, style.max_primary()),
        (Placement::Secondary, 4),
        (Placement::Auxiliary, 4),
    ];
    for (placement, max) in limits {
        let found = count(&groups, placement);
        if found > max {
            problems.add(
                "fields",
                format!(
                    "{found} {placement} fields, a {} shows at most {max}",
                    style.key()
                ),
            );
        }
    }
    let combined_max = if square && style.square_barcode_limit() {
        4
    } else {
        8
    };
    let combined = count(&groups, Placement::Secondary) + count(&groups, Placement::Auxiliary);
    if combined > combined_max {
        problems.add(
            "fields",
            format!(
                "{combined} secondary and auxiliary fields, a {} with a square barcode shows at most 4 combined",
                style.key()
            ),
        );
    }
    // Unplaced fields: secondary, then auxiliary, while there is room; then the back.
    for field in unplaced {
        let combined = count(&groups, Placement::Secondary) + count(&groups, Placement::Auxiliary);
        let placement = if combined < combined_max && count(&groups, Placement::Secondary) < 4 {
            Placement::Secondary
        } else if combined < combined_max && count(&groups, Placement::Auxiliary) < 4 {
            Placement::Auxiliary
        } else {
            Placement::Back
        };
        groups.entry(placement).or_default().push(field);
    }

    if content.locations.len() > MAX_LOCATIONS {
        problems.add(
            "locations",
            format!(
                "{} locations, Apple allows at most {MAX_LOCATIONS}",
                content.locations.len()
            ),
        );
    }
    for role in content.images.keys() {
        let name = role_name(*role);
        if !style.images().contains(&name) {
            problems.add(
                format!("images.{name}"),
                format!(
                    "a {} does not show a {name} image (it shows {})",
                    style.key(),
                    style.images().join(", ")
                ),
            );
        }
    }
    let mut extra = Map::new();
    for (key, value) in &content.extra {
        match check_extra(key, value) {
            Ok(()) => {
                extra.insert(key.clone(), value.clone());
            }
            Err(m) => problems.add(format!("extra.{key}"), m),
        }
    }
    if extra.contains_key("appLaunchURL") && !extra.contains_key("associatedStoreIdentifiers") {
        problems.add(
            "extra.appLaunchURL",
            "needs extra.associatedStoreIdentifiers (Apple ignores it otherwise)",
        );
    }
    problems.into_result(op)?;

    // pass.json
    let a = &content.appearance;
    let pick = |own: &Option<String>, tpl: Option<&Option<String>>| {
        own.clone().or_else(|| tpl.and_then(Clone::clone))
    };
    let mut pass = Map::new();
    pass.insert("formatVersion".into(), json!(1));
    pass.insert("passTypeIdentifier".into(), json!(issuer.pass_type_id));
    pass.insert("serialNumber".into(), json!(input.serial));
    pass.insert("teamIdentifier".into(), json!(issuer.team_id));
    let organization = pick(
        &a.organization_name,
        template_appearance.map(|t| &t.organization_name),
    )
    .unwrap_or_else(|| issuer.organization_name.to_owned());
    pass.insert("organizationName".into(), json!(organization));
    let description = pick(&a.description, template_appearance.map(|t| &t.description))
        .or_else(|| input.template.map(|(t, _)| t.name.clone()))
        .unwrap_or_else(|| format!("{organization} pass"));
    pass.insert("description".into(), json!(description));
    if let Some(text) = pick(&a.logo_text, template_appearance.map(|t| &t.logo_text)) {
        pass.insert("logoText".into(), json!(text));
    }
    let colors = [
        (
            "backgroundColor",
            a.background_color
                .or(template_appearance.and_then(|t| t.background_color)),
        ),
        (
            "foregroundColor",
            a.foreground_color
                .or(template_appearance.and_then(|t| t.foreground_color)),
        ),
        (
            "labelColor",
            a.label_color
                .or(template_appearance.and_then(|t| t.label_color)),
        ),
    ];
    for (key, color) in colors {
        if let Some(c) = color {
            pass.insert(key.into(), json!(c.to_css_rgb()));
        }
    }
    if let Some(url) = &issuer.web_service_url {
        pass.insert("webServiceURL".into(), json!(url));
        pass.insert("authenticationToken".into(), json!(input.auth_token));
    }
    if let Some((format, message, alt)) = barcode {
        let encoding = if message.chars().all(|c| (c as u32) <= 0xff) {
            "iso-8859-1"
        } else {
            "utf-8"
        };
        let mut b = Map::new();
        b.insert("format".into(), json!(barcode_format(format)));
        b.insert("message".into(), json!(message));
        b.insert("messageEncoding".into(), json!(encoding));
        if let Some(alt) = alt {
            b.insert("altText".into(), json!(alt));
        }
        pass.insert("barcodes".into(), json!([Value::Object(b)]));
    }
    if let Some(d) = content.relevant_date {
        pass.insert("relevantDate".into(), json!(date(d)));
    }
    if let Some(d) = content.expiration_date {
        pass.insert("expirationDate".into(), json!(date(d)));
    }
    if *input.status == PassStatus::Voided {
        pass.insert("voided".into(), json!(true));
    }
    if !content.locations.is_empty() {
        let locations: Vec<Value> = content
            .locations
            .iter()
            .map(|l| {
                let mut m = Map::new();
                m.insert("latitude".into(), json!(l.latitude));
                m.insert("longitude".into(), json!(l.longitude));
                if let Some(alt) = l.altitude {
                    m.insert("altitude".into(), json!(alt));
                }
                if let Some(t) = &l.relevant_text {
                    m.insert("relevantText".into(), json!(t));
                }
                Value::Object(m)
            })
            .collect();
        pass.insert("locations".into(), Value::Array(locations));
    }
    let mut body = Map::new();
    if let Some(transit) = apple.and_then(|a| a.transit_type) {
        body.insert("transitType".into(), json!(transit));
    }
    let group_keys = [
        (Placement::Header, "headerFields"),
        (Placement::Primary, "primaryFields"),
        (Placement::Secondary, "secondaryFields"),
        (Placement::Auxiliary, "auxiliaryFields"),
        (Placement::Back, "backFields"),
    ];
    for (placement, key) in group_keys {
        if let Some(fields) = groups.get(&placement) {
            let rendered: Vec<Value> = fields
                .iter()
                .map(|f| {
                    let message = apple
                        .and_then(|a| a.change_messages.get(f.key.as_str()).map(String::as_str));
                    field_json(f, message)
                })
                .collect();
            body.insert(key.into(), Value::Array(rendered));
        }
    }
    pass.insert(style.key().into(), Value::Object(body));
    for (k, v) in extra {
        pass.insert(k, v);
    }

    // Images: the template's, the pass's replacing every variant of their role, then the
    // placeholder icon when there is none.
    let mut images: BTreeMap<String, ImageSource> = apple
        .map(|a| {
            a.images
                .iter()
                .map(|(n, k)| (n.clone(), ImageSource::Stored(k.clone())))
                .collect()
        })
        .unwrap_or_default();
    for (role, key) in &content.images {
        let name = role_name(*role);
        images.retain(|file, _| image_name(file).is_none_or(|(_, r)| r != name));
        images.insert(format!("{name}.png"), ImageSource::Stored(key.clone()));
    }
    if !images.keys().any(|f| f.starts_with("icon")) {
        for (name, bytes) in PLACEHOLDER_ICONS {
            images.insert(name.to_owned(), ImageSource::Placeholder(bytes));
        }
    }
    Ok(Rendered {
        pass_json: Value::Object(pass),
        images,
    })
}
