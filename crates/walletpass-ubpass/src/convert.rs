//! The canonical mapping, both ways, in one place: canonical [`PassContent`] ↔ the ubpass
//! `WalletPassInfo` document.
//!
//! | canonical | ubpass |
//! |---|---|
//! | `content.extra["passName"]` (generated `walletpass-<uuid>` on create when absent) | `passName` (unique in the workspace) |
//! | field with placement `header` (at most one) | `passMetadata.topField` |
//! | field with no placement, or placement `secondary`, and a text/number/date value | `passMetadata.secondaryFields[]` (read back with placement `secondary`, where ubpass shows it) |
//! | field with placement `back`, or no placement and a links value; value must be links | `passMetadata.backFields[]` (`{text, link}` ← `Link {label, url}`) |
//! | field label, change message | `label`, `changeMessage` |
//! | number and date values | text (`typed_values` is false: they read back as text) |
//! | `barcode` (QR only): `message`, `alt_text` | `passMetadata.qrUrl`, `passMetadata.qrText` |
//! | `appearance.organization_name`, `.description` | `passMetadata.organizationName`, `.description` |
//! | `appearance.background_color`, `.foreground_color` | `passMetadata.backgroundColor`, `.displayTextColor` (`#rrggbb`) |
//! | `images[logo, icon, strip, footer]` (an upload key) | `uploadInfoList[]` `{fileName: "logo.png", uploadKey}` |
//! | `locations[]` (`relevant_text` required) | `passMetadata.locations[]` (`name` = `Location <n>` when new) |
//! | `content.extra["notificationHeader" / "account"]` | the top-level property of that name, both ways |
//! | `content.extra["passLinkSlug"]` | `passLinkSlug`, written only: a read shows the link in `Pass.links.landing`, not the slug in `extra` (content copied to a new pass would otherwise claim the same link) |
//! | `content.extra["uploadInfoList"]` | upload entries that are not one of the four images, appended |
//! | `content.extra["appDeepLinks" / "userDeepLink"]`, and any other `passMetadata` property the read document carried | the `passMetadata` property of that name |
//! | `Pass.status` `draft` / `active` | `status` `Draft` / `Published` |
//! | `Pass.links.landing` / `.google` | `passLink` / `googlePassLink` |
//! | `Pass.installs` (apple / google / total) | `appleActiveCount` / `googleActiveCount` / `totalActiveCount` |
//! | `Pass.pass_ref.id`, `Pass.serial_number` | `id` (the notifications' `passSerialNumber`) |
//!
//! **Cannot be stored** (an [`ErrorKind::Unsupported`] error naming each part, before anything
//! is sent): a second header field, `primary` or `auxiliary` placements, a text value in a back
//! field or links outside one, a barcode other than QR, `appearance.label_color`,
//! `appearance.logo_text`, `relevant_date`, `expiration_date`, `thumbnail` and `background`
//! images, a location without `relevant_text` (or with more than 255 characters), a template, a
//! caller-chosen serial number, `extra` keys that name a property the canonical model owns
//! (`description`, `topField`, `qrUrl`, `status`, ...), and `extra` keys that name no ubpass
//! property (the vendor's typed binding would drop them; a key the read document itself carried
//! is sent back). An `extra` value that contradicts the canonical one (`qrText` next to a
//! barcode, `backgroundColor` / `displayTextColor` next to a color) is [`ErrorKind::InvalidInput`],
//! unless it is the value the read document held (the canonical value then replaces it).
//!
//! **Fresh documents** (create, put) always carry `uploadInfoList` (empty when there are no
//! images), so a put replaces the images too. A put cannot clear `notificationHeader`: the
//! vendor keeps an optional top-level property a PATCH leaves out, and an empty header would be
//! stored as one.
//!
//! **Writes over a read document** (the composed `patch`): every part whose canonical value did
//! not change is sent back exactly as it was read (the same strings, key names, link
//! short-link ids, location names), so only what the patch names changes on the vendor side.
//!
//! **Reads never fail on vendor quirks** they can carry: a color that is not `#rrggbb`/`rgb()`
//! is kept in `extra` under its vendor name; a field key outside the canonical alphabet is
//! rewritten (`_` for each other character, `field<n>` when missing, `_2` when repeated); a
//! timestamp that is not RFC 3339 is left out.

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use walletpass_core::{
    Appearance, Barcode, BarcodeFormat, Capabilities, Color, Error, ErrorKind, Field, FieldKey,
    FieldValue, Fields, ImageRole, InstallStats, Link, Location, Pass, PassContent, PassId,
    PassLinks, PassRef, PassStatus, Placement,
};

use crate::PROVIDER;
use crate::wire::{
    BackPassField, BackPassFieldValue, MetadataLocation, PassField, PassMetadata, UploadInfo,
    WalletPass, WalletPassWrite, count,
};

/// The most characters the vendor takes in `relevantText` and location names.
pub const MAX_TEXT: usize = 255;

/// `extra` keys that go to the top level of the document.
const TOP_LEVEL_EXTRA: [&str; 4] = ["passName", "notificationHeader", "passLinkSlug", "account"];

/// `extra` keys sent as the `passMetadata` property of that name (the `PassMetadata` schema's
/// properties the canonical model has no place for).
const METADATA_EXTRA: [&str; 2] = ["appDeepLinks", "userDeepLink"];

/// `extra` keys that carry a vendor value the canonical model could not read (a color that is
/// not `#rrggbb`, a QR text without a QR code).
const RAW_EXTRA: [&str; 3] = ["backgroundColor", "displayTextColor", "qrText"];

/// `extra` keys that name properties the canonical model owns, refused on write.
const OWNED: [&str; 12] = [
    "description",
    "organizationName",
    "topField",
    "secondaryFields",
    "backFields",
    "qrUrl",
    "locations",
    "status",
    "passMetadata",
    "id",
    "passLink",
    "googlePassLink",
];

/// The vendor's word for a canonical status (`None`: ubpass has no such status).
pub fn status_to_wire(status: &PassStatus) -> Option<&str> {
    match status {
        PassStatus::Draft => Some("Draft"),
        PassStatus::Active => Some("Published"),
        PassStatus::Other(word) if word == "Draft" || word == "Published" => Some(word),
        _ => None,
    }
}

/// The canonical status of a vendor status.
pub fn status_from_wire(status: Option<&str>) -> PassStatus {
    match status {
        Some("Draft") => PassStatus::Draft,
        Some("Published") | None => PassStatus::Active,
        Some(other) => PassStatus::Other(other.to_owned()),
    }
}

fn image_file(role: ImageRole) -> Option<&'static str> {
    match role {
        ImageRole::Logo => Some("logo.png"),
        ImageRole::Icon => Some("icon.png"),
        ImageRole::Strip => Some("strip.png"),
        ImageRole::Footer => Some("footer.png"),
        _ => None,
    }
}

fn image_role(file_name: &str) -> Option<ImageRole> {
    match file_name.to_ascii_lowercase().as_str() {
        "logo.png" => Some(ImageRole::Logo),
        "icon.png" => Some(ImageRole::Icon),
        "strip.png" => Some(ImageRole::Strip),
        "footer.png" => Some(ImageRole::Footer),
        _ => None,
    }
}

fn role_name(role: ImageRole) -> &'static str {
    match role {
        ImageRole::Logo => "logo",
        ImageRole::Icon => "icon",
        ImageRole::Strip => "strip",
        ImageRole::Footer => "footer",
        ImageRole::Thumbnail => "thumbnail",
        ImageRole::Background => "background",
    }
}

/// Every part of `content` ubpass cannot hold, as one [`ErrorKind::Unsupported`] error naming
/// each (with a field error per part), or `Ok` when it fits.
pub fn check_fits(content: &PassContent, caps: &Capabilities) -> Result<(), Error> {
    let mut parts: Vec<(String, String)> = caps
        .misfits(content)
        .iter()
        .map(|m| (m.path(), m.to_string()))
        .collect();
    let mut add = |field: String, why: &str| {
        let text = format!("{field}: {why}");
        if !parts.iter().any(|(f, _)| *f == field) {
            parts.push((field, text));
        }
    };
    for field in &content.fields {
        let links = matches!(field.value, FieldValue::Links(_));
        match (field.placement, links) {
            (Some(Placement::Back), false) => add(
                format!("fields[{}].value", field.key),
                "ubpass back fields hold lists of links; a text, number or date cannot be stored there",
            ),
            (Some(Placement::Header | Placement::Secondary), true) => add(
                format!("fields[{}].value", field.key),
                "ubpass holds links only in back fields",
            ),
            _ => {}
        }
    }
    if content.appearance.logo_text.is_some() {
        add("appearance.logo_text".into(), "cannot be stored");
    }
    for role in content.images.keys() {
        if image_file(*role).is_none() {
            add(
                format!("images.{}", role_name(*role)),
                "cannot be stored (ubpass takes logo, icon, strip and footer images)",
            );
        }
    }
    for (i, loc) in content.locations.iter().enumerate() {
        match &loc.relevant_text {
            None => add(
                format!("locations[{i}].relevant_text"),
                "ubpass requires a relevant text for every location",
            ),
            Some(t) if t.chars().count() > MAX_TEXT => add(
                format!("locations[{i}].relevant_text"),
                "ubpass holds at most 255 characters",
            ),
            Some(_) => {}
        }
    }
    for key in content.extra.keys() {
        if OWNED.contains(&key.as_str()) {
            add(
                format!("extra.{key}"),
                "names a property the canonical content owns; set it there instead",
            );
        }
    }
    if parts.is_empty() {
        return Ok(());
    }
    let mut error = Error::new(
        ErrorKind::Unsupported,
        format!(
            "{PROVIDER} cannot store: {}",
            parts
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    )
    .with_provider(PROVIDER);
    for (field, text) in parts {
        error = error.with_field_error(field, text);
    }
    Err(error)
}

/// Where a field sits in the document.
#[derive(Clone, Debug, PartialEq)]
enum Slot {
    Top(PassField),
    Secondary(PassField),
    Back(BackPassField),
}

fn decode(message: String) -> Error {
    Error::new(ErrorKind::Decode, message).with_provider(PROVIDER)
}

/// A canonical key for a vendor key (see the module docs).
fn canonical_key(
    raw: Option<&str>,
    n: usize,
    used: &mut BTreeSet<String>,
) -> Result<FieldKey, Error> {
    let mut key: String = raw
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if key.is_empty() {
        key = format!("field{n}");
    }
    if !key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        key.insert(0, '_');
    }
    let base = key.clone();
    let mut i = 2;
    while used.contains(&key) {
        key = format!("{base}_{i}");
        i += 1;
    }
    used.insert(key.clone());
    FieldKey::new(key).map_err(|e| decode(format!("field key {raw:?}: {e}")))
}

fn text_field(
    f: &PassField,
    placement: Option<Placement>,
    n: usize,
    used: &mut BTreeSet<String>,
) -> Result<Field, Error> {
    let field = Field {
        key: canonical_key(f.key.as_deref(), n, used)?,
        label: f.label.clone(),
        value: FieldValue::Text(f.value.clone().unwrap_or_default()),
        placement,
        change_message: f.change_message.clone(),
    };
    readable(field)
}

/// A field as the canonical model can hold it: a label on an empty value (which the vendor
/// allows, the model does not) is left out of the canonical view, logged at debug. A write
/// that leaves the field unchanged sends the vendor's field back verbatim, label included.
fn readable(mut field: Field) -> Result<Field, Error> {
    if field.validate().is_err() && field.value.is_empty() {
        tracing::debug!(key = %field.key, "ubpass: a label on an empty value is not read");
        field.label = None;
    }
    field
        .validate()
        .map_err(|e| decode(format!("the vendor's field cannot be represented: {e}")))?;
    Ok(field)
}

fn back_field(f: &BackPassField, n: usize, used: &mut BTreeSet<String>) -> Result<Field, Error> {
    let key = canonical_key(f.key.as_deref(), n, used)?;
    let mut links = Vec::new();
    for (i, v) in f.value.iter().flatten().enumerate() {
        let raw = v.link.as_deref().unwrap_or_default();
        match url::Url::parse(raw) {
            Ok(url) => links.push(Link {
                label: v.text.clone(),
                url,
            }),
            // The schema types a link as any string: one that is not a URL is left out of the
            // canonical view (a write that leaves the field unchanged sends it back verbatim).
            Err(e) => {
                tracing::debug!(%key, index = i, %e, "ubpass: a back-field link that is not a URL is not read")
            }
        }
    }
    readable(Field {
        key,
        label: f.label.clone(),
        value: FieldValue::Links(links),
        placement: Some(Placement::Back),
        change_message: f.change_message.clone(),
    })
}

/// The canonical fields of a document, each with the vendor field it came from.
fn fields_with_slots(meta: &PassMetadata) -> Result<Vec<(Field, Slot)>, Error> {
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    let mut n = 0;
    if let Some(top) = &meta.top_field {
        n += 1;
        out.push((
            text_field(top, Some(Placement::Header), n, &mut used)?,
            Slot::Top(top.clone()),
        ));
    }
    let max_secondary = Placement::Secondary.max_fields().unwrap_or(usize::MAX);
    for (i, f) in meta.secondary_fields.iter().flatten().enumerate() {
        n += 1;
        // Past the canonical limit a secondary field reads with no placement (which writes
        // back as a secondary field), so a long list stays readable.
        let placement = (i < max_secondary).then_some(Placement::Secondary);
        out.push((
            text_field(f, placement, n, &mut used)?,
            Slot::Secondary(f.clone()),
        ));
    }
    for f in meta.back_fields.iter().flatten() {
        n += 1;
        out.push((back_field(f, n, &mut used)?, Slot::Back(f.clone())));
    }
    Ok(out)
}

fn parse_time(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?, &time::format_description::well_known::Rfc3339).ok()
}

fn color_from_wire(raw: Option<&str>, name: &str, extra: &mut Map<String, Value>) -> Option<Color> {
    let raw = raw?;
    match raw.parse::<Color>() {
        Ok(c) => Some(c),
        Err(_) => {
            extra.insert(name.to_owned(), Value::String(raw.to_owned()));
            None
        }
    }
}

/// The canonical content of a vendor document.
pub fn content_from_wire(
    pass_name: Option<&str>,
    notification_header: Option<&str>,
    account: Option<&Value>,
    meta: &PassMetadata,
    uploads: &[UploadInfo],
) -> Result<PassContent, Error> {
    let mut extra = Map::new();
    if let Some(name) = pass_name {
        extra.insert("passName".into(), Value::String(name.to_owned()));
    }
    if let Some(header) = notification_header {
        extra.insert(
            "notificationHeader".into(),
            Value::String(header.to_owned()),
        );
    }
    if let Some(account) = account {
        extra.insert("account".into(), account.clone());
    }
    let fields: Vec<Field> = fields_with_slots(meta)?
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    let appearance = Appearance {
        organization_name: meta.organization_name.clone(),
        description: meta.description.clone(),
        logo_text: None,
        background_color: color_from_wire(
            meta.background_color.as_deref(),
            "backgroundColor",
            &mut extra,
        ),
        foreground_color: color_from_wire(
            meta.display_text_color.as_deref(),
            "displayTextColor",
            &mut extra,
        ),
        label_color: None,
    };
    let barcode = match meta.qr_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => Some(Barcode {
            format: BarcodeFormat::Qr,
            message: url.to_owned(),
            alt_text: meta.qr_text.clone(),
        }),
        None => {
            if let Some(text) = &meta.qr_text {
                extra.insert("qrText".into(), Value::String(text.clone()));
            }
            None
        }
    };
    let mut images = std::collections::BTreeMap::new();
    let mut other_uploads = Vec::new();
    for upload in uploads {
        let role = upload.file_name.as_deref().and_then(image_role);
        match (role, upload.key()) {
            (Some(role), Some(key)) if !images.contains_key(&role) => {
                images.insert(role, key.to_owned());
            }
            _ => other_uploads.push(serde_json::to_value(upload).unwrap_or(Value::Null)),
        }
    }
    if !other_uploads.is_empty() {
        extra.insert("uploadInfoList".into(), Value::Array(other_uploads));
    }
    let mut locations = Vec::new();
    for (i, loc) in meta.locations.iter().flatten().enumerate() {
        let (Some(latitude), Some(longitude)) = (loc.latitude, loc.longitude) else {
            return Err(decode(format!(
                "passMetadata.locations[{i}] has no latitude or longitude"
            )));
        };
        locations.push(Location {
            latitude,
            longitude,
            altitude: loc.altitude,
            relevant_text: loc.relevant_text.clone(),
        });
    }
    for (key, value) in &meta.other {
        extra.insert(key.clone(), value.clone());
    }
    let content = PassContent {
        fields: Fields::try_from_vec(fields)
            .map_err(|e| decode(format!("the vendor's fields cannot be represented: {e}")))?,
        barcode,
        appearance,
        relevant_date: None,
        expiration_date: None,
        images,
        locations,
        extra,
    };
    // Locations are not range-checked on a read: the schema types latitude and longitude as
    // any double, and a read must show what the vendor holds (a write checks them).
    if let Some(barcode) = &content.barcode {
        barcode
            .validate()
            .map_err(|e| decode(format!("the vendor's pass cannot be represented: {e}")))?;
    }
    Ok(content)
}

/// The canonical pass of a vendor document.
pub fn pass_from_wire(pass: &WalletPass) -> Result<Pass, Error> {
    let raw_id = pass
        .id
        .as_deref()
        .ok_or_else(|| decode("the vendor's pass has no id".into()))?;
    let id = PassId::new(raw_id).map_err(|e| decode(format!("the vendor's pass id: {e}")))?;
    let meta = pass.pass_metadata.clone().unwrap_or_default();
    let content = content_from_wire(
        pass.pass_name.as_deref(),
        pass.notification_header.as_deref(),
        pass.account.as_ref(),
        &meta,
        pass.upload_info_list.as_deref().unwrap_or_default(),
    )?;
    let (apple, google, total) = (
        count(pass.apple_active_count),
        count(pass.google_active_count),
        count(pass.total_active_count),
    );
    let installs = (apple.is_some() || google.is_some() || total.is_some()).then(|| InstallStats {
        apple,
        google,
        total: total.or_else(|| apple.unwrap_or(0).checked_add(google.unwrap_or(0))),
        installed_at: None,
    });
    Ok(Pass {
        serial_number: id.to_string(),
        pass_ref: PassRef::new(id),
        status: status_from_wire(pass.status.as_deref()),
        content,
        links: PassLinks {
            landing: pass.pass_link.clone(),
            download: None,
            google: pass.google_pass_link.clone(),
        },
        installs,
        created_at: parse_time(pass.created_time.as_deref()),
        updated_at: parse_time(pass.updated_time.as_deref()),
    })
}

fn string_extra(content: &PassContent, key: &str) -> Result<Option<String>, Error> {
    match content.extra.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(
            Error::invalid_field(format!("extra.{key}"), "must be a string")
                .with_provider(PROVIDER),
        ),
    }
}

/// The `passName` a content asks for, if any (checked: not blank, at most 255 characters).
pub fn pass_name_of(content: &PassContent) -> Result<Option<String>, Error> {
    match string_extra(content, "passName")? {
        Some(name) if name.trim().is_empty() => {
            Err(Error::invalid_field("extra.passName", "must not be blank").with_provider(PROVIDER))
        }
        Some(name) if name.chars().count() > MAX_TEXT => Err(Error::invalid_field(
            "extra.passName",
            "ubpass holds at most 255 characters",
        )
        .with_provider(PROVIDER)),
        other => Ok(other),
    }
}

/// A fresh, unique `passName` for a pass created without one.
pub fn generated_pass_name() -> String {
    format!("walletpass-{}", uuid::Uuid::new_v4().simple())
}

fn pass_field(field: &Field) -> PassField {
    PassField {
        key: Some(field.key.to_string()),
        label: field.label.clone(),
        value: Some(field.value.to_text()),
        change_message: field.change_message.clone(),
        other: Map::new(),
    }
}

fn back_pass_field(field: &Field) -> BackPassField {
    let links = match &field.value {
        FieldValue::Links(links) => links
            .iter()
            .map(|l| BackPassFieldValue {
                text: l.label.clone(),
                link: Some(l.url.to_string()),
                ..BackPassFieldValue::default()
            })
            .collect(),
        _ => Vec::new(),
    };
    BackPassField {
        key: Some(field.key.to_string()),
        label: field.label.clone(),
        value: Some(links),
        change_message: field.change_message.clone(),
        other: Map::new(),
    }
}

/// Keep `base` when it holds the same canonical value as `fresh`.
fn reuse<T: Clone>(base: Option<&T>, same: bool, fresh: T) -> T {
    match base {
        Some(b) if same => b.clone(),
        _ => fresh,
    }
}

fn color_to_wire(
    color: Option<Color>,
    base: Option<&str>,
    raw_extra: Option<String>,
) -> Option<String> {
    match color {
        Some(c) => Some(reuse(
            base.map(str::to_owned).as_ref(),
            base.and_then(|b| b.parse::<Color>().ok()) == Some(c),
            c.to_string(),
        )),
        None => raw_extra,
    }
}

/// Refuse the `extra` keys that would not survive a write: keys that name no ubpass property
/// (unless the read document `base` carried them), and raw vendor values that contradict the
/// canonical value set next to them (unless they are the values `base` held).
fn check_extra(content: &PassContent, base: Option<&PassMetadata>) -> Result<(), Error> {
    let unknown: Vec<&str> = content
        .extra
        .keys()
        .map(String::as_str)
        .filter(|k| {
            !TOP_LEVEL_EXTRA.contains(k)
                && !RAW_EXTRA.contains(k)
                && !METADATA_EXTRA.contains(k)
                && !OWNED.contains(k)
                && *k != "uploadInfoList"
                && !base.is_some_and(|m| m.other.contains_key(*k))
        })
        .collect();
    if !unknown.is_empty() {
        let mut error = Error::new(
            ErrorKind::Unsupported,
            format!(
                "{PROVIDER} cannot store: {} (ubpass has no such property; extra takes {}, {}, {} and uploadInfoList)",
                unknown
                    .iter()
                    .map(|k| format!("extra.{k}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                TOP_LEVEL_EXTRA.join(", "),
                METADATA_EXTRA.join(", "),
                RAW_EXTRA.join(", "),
            ),
        )
        .with_provider(PROVIDER);
        for key in unknown {
            error = error.with_field_error(format!("extra.{key}"), "ubpass has no such property");
        }
        return Err(error);
    }
    let a = &content.appearance;
    let shadowed = [
        (
            "backgroundColor",
            a.background_color.is_some(),
            "appearance.background_color",
        ),
        (
            "displayTextColor",
            a.foreground_color.is_some(),
            "appearance.foreground_color",
        ),
        ("qrText", content.barcode.is_some(), "barcode"),
    ];
    for (key, canonical_set, canonical) in shadowed {
        let Some(value) = content.extra.get(key) else {
            continue;
        };
        let held = base.and_then(|m| match key {
            "backgroundColor" => m.background_color.as_deref(),
            "displayTextColor" => m.display_text_color.as_deref(),
            _ => m.qr_text.as_deref(),
        });
        if canonical_set && !value.is_null() && value.as_str() != held {
            return Err(Error::invalid_field(
                format!("extra.{key}"),
                format!(
                    "contradicts {canonical}, which sets the same ubpass property; set one of them"
                ),
            )
            .with_provider(PROVIDER));
        }
    }
    Ok(())
}

/// The document for `content` under `pass_name`. With `base` (the document as read), every part
/// whose canonical value is unchanged is taken from `base` verbatim, and the properties the
/// canonical model does not cover (status, slug) are kept. Call [`check_fits`] first.
pub fn to_wire(
    content: &PassContent,
    pass_name: String,
    base: Option<&WalletPassWrite>,
) -> Result<WalletPassWrite, Error> {
    let base_meta = base.map(|b| &b.pass_metadata);
    let base_fields = match base_meta {
        Some(meta) => fields_with_slots(meta)?,
        None => Vec::new(),
    };
    let slot_of = |field: &Field| {
        base_fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, slot)| slot.clone())
    };
    let mut meta = PassMetadata::default();
    let mut secondary = Vec::new();
    let mut back = Vec::new();
    for field in &content.fields {
        let links = matches!(field.value, FieldValue::Links(_));
        let slot = slot_of(field);
        match (field.placement, links) {
            (Some(Placement::Header), _) => {
                meta.top_field = Some(match slot {
                    Some(Slot::Top(f)) => f,
                    _ => pass_field(field),
                });
            }
            (Some(Placement::Back), _) | (None, true) => back.push(match slot {
                Some(Slot::Back(f)) => f,
                _ => back_pass_field(field),
            }),
            _ => secondary.push(match slot {
                Some(Slot::Secondary(f)) => f,
                _ => pass_field(field),
            }),
        }
    }
    // A list the read document had stays present (possibly empty) so that an update clears it.
    let had = |list: fn(&PassMetadata) -> bool| base_meta.is_some_and(list);
    meta.secondary_fields =
        (!secondary.is_empty() || had(|m| m.secondary_fields.is_some())).then_some(secondary);
    meta.back_fields = (!back.is_empty() || had(|m| m.back_fields.is_some())).then_some(back);

    let a = &content.appearance;
    meta.description = a.description.clone();
    meta.organization_name = a.organization_name.clone();
    meta.background_color = color_to_wire(
        a.background_color,
        base_meta.and_then(|m| m.background_color.as_deref()),
        string_extra(content, "backgroundColor")?,
    );
    meta.display_text_color = color_to_wire(
        a.foreground_color,
        base_meta.and_then(|m| m.display_text_color.as_deref()),
        string_extra(content, "displayTextColor")?,
    );
    match &content.barcode {
        Some(b) if b.format == BarcodeFormat::Qr => {
            meta.qr_url = Some(b.message.clone());
            meta.qr_text = b.alt_text.clone();
        }
        Some(_) => {}
        None => meta.qr_text = string_extra(content, "qrText")?,
    }

    let base_locations = base_meta.and_then(|m| m.locations.as_ref());
    let mut locations = Vec::new();
    for (i, loc) in content.locations.iter().enumerate() {
        let fresh = MetadataLocation {
            name: Some(format!("Location {}", i + 1)),
            latitude: Some(loc.latitude),
            longitude: Some(loc.longitude),
            altitude: loc.altitude,
            relevant_text: loc.relevant_text.clone(),
            ..MetadataLocation::default()
        };
        let old = base_locations.and_then(|l| l.get(i));
        let same = old.is_some_and(|o| {
            o.latitude == Some(loc.latitude)
                && o.longitude == Some(loc.longitude)
                && o.altitude == loc.altitude
                && o.relevant_text == loc.relevant_text
        });
        locations.push(reuse(old, same, fresh));
    }
    meta.locations = (!locations.is_empty() || base_locations.is_some()).then_some(locations);

    check_extra(content, base_meta)?;
    for (key, value) in &content.extra {
        let routed = TOP_LEVEL_EXTRA.contains(&key.as_str())
            || RAW_EXTRA.contains(&key.as_str())
            || key == "uploadInfoList";
        if !routed && !OWNED.contains(&key.as_str()) {
            meta.other.insert(key.clone(), value.clone());
        }
    }

    let mut uploads: Vec<UploadInfo> = Vec::new();
    for role in [
        ImageRole::Icon,
        ImageRole::Logo,
        ImageRole::Strip,
        ImageRole::Footer,
    ] {
        if let (Some(key), Some(file)) = (content.images.get(&role), image_file(role)) {
            uploads.push(UploadInfo {
                file_name: Some(file.to_owned()),
                upload_key: Some(key.clone()),
                ..UploadInfo::default()
            });
        }
    }
    match content.extra.get("uploadInfoList") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let upload: UploadInfo = serde_json::from_value(item.clone()).map_err(|e| {
                    Error::invalid_field(
                        format!("extra.uploadInfoList[{i}]"),
                        format!("not an UploadInfo: {e}"),
                    )
                    .with_provider(PROVIDER)
                })?;
                uploads.push(upload);
            }
        }
        Some(_) => {
            return Err(
                Error::invalid_field("extra.uploadInfoList", "must be an array")
                    .with_provider(PROVIDER),
            );
        }
    }
    let base_uploads = base.and_then(|b| b.upload_info_list.as_ref());
    let upload_info_list = match base_uploads {
        Some(old) => {
            let same = content_from_wire(None, None, None, &PassMetadata::default(), old)
                .map(|c| {
                    c.images == content.images
                        && c.extra.get("uploadInfoList") == content.extra.get("uploadInfoList")
                })
                .unwrap_or(false);
            Some(reuse(Some(old), same, uploads))
        }
        // A fresh document always carries the list, so that a put without images clears them
        // (the vendor keeps an optional property a PATCH leaves out).
        None => Some(uploads),
    };

    Ok(WalletPassWrite {
        notification_header: string_extra(content, "notificationHeader")?,
        pass_name,
        pass_metadata: meta,
        upload_info_list,
        pass_link_slug: string_extra(content, "passLinkSlug")?
            .or_else(|| base.and_then(|b| b.pass_link_slug.clone())),
        status: base.and_then(|b| b.status.clone()),
        account: content
            .extra
            .get("account")
            .cloned()
            .or_else(|| base.and_then(|b| b.account.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> WalletPass {
        serde_json::from_str(include_str!("../tests/fixtures/get-pass-response.json"))
            .map(|v: Vec<WalletPass>| v[0].clone())
            .unwrap()
    }

    #[test]
    fn the_documented_pass_reads_as_the_mapping_says() {
        let pass = pass_from_wire(&doc()).unwrap();
        assert_eq!(
            pass.pass_ref.id.as_str(),
            "1f089d37-5ebe-6778-af59-99631cec7ab5"
        );
        assert_eq!(pass.status, PassStatus::Active);
        let c = &pass.content;
        assert_eq!(c.extra["passName"], "VIP MEMBERSHIP PASS");
        assert_eq!(c.extra["notificationHeader"], "BLUE PASS");
        let top = c.field("tabKey").unwrap();
        assert_eq!(top.placement, Some(Placement::Header));
        assert_eq!(top.label.as_deref(), Some("SEE OFFERS"));
        assert_eq!(
            c.field("auxiliaryFieldKey2").unwrap().placement,
            Some(Placement::Secondary)
        );
        let FieldValue::Links(links) = &c.field("connectWithUs").unwrap().value else {
            panic!("links expected");
        };
        assert_eq!(links[1].label.as_deref(), Some("Instagram"));
        assert_eq!(
            c.barcode.as_ref().unwrap().message,
            "https://premiumbrands.com/vip-benefits"
        );
        assert_eq!(
            c.appearance.background_color.unwrap().to_string(),
            "#4a32a8"
        );
        assert_eq!(
            c.images[&ImageRole::Strip],
            "1f089d37-8a1b-4c2d-9e3f-123456789ghi"
        );
        assert_eq!(
            pass.created_at,
            Some(time::macros::datetime!(2025-09-04 21:09:36.027 UTC))
        );
    }

    #[test]
    fn unchanged_content_writes_back_the_document_as_read() {
        let read = doc();
        let base = WalletPassWrite::from_read(&read).unwrap();
        let content = pass_from_wire(&read).unwrap().content;
        let name = pass_name_of(&content).unwrap().unwrap();
        let written = to_wire(&content, name, Some(&base)).unwrap();
        assert_eq!(written, base);
    }

    #[test]
    fn fresh_documents_follow_the_mapping() {
        let content = PassContent::builder()
            .field(
                Field::new("tier", "Gold")
                    .unwrap()
                    .with_placement(Placement::Header),
            )
            .value("points", 2500)
            .field(
                Field::new(
                    "web",
                    vec![Link {
                        label: Some("Site".into()),
                        url: "https://example.com/".parse().unwrap(),
                    }],
                )
                .unwrap(),
            )
            .background_color("rgb(26, 26, 26)")
            .barcode(
                Barcode::new(BarcodeFormat::Qr, "M-1")
                    .unwrap()
                    .with_alt_text("Scan"),
            )
            .image(ImageRole::Logo, "key-logo")
            .build()
            .unwrap();
        let w = to_wire(&content, "N".into(), None).unwrap();
        let json = serde_json::to_value(&w).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "passName": "N",
                "passMetadata": {
                    "backgroundColor": "#1a1a1a",
                    "topField": {"key": "tier", "value": "Gold"},
                    "secondaryFields": [{"key": "points", "value": "2500"}],
                    "backFields": [{"key": "web", "value": [{"text": "Site", "link": "https://example.com/"}]}],
                    "qrUrl": "M-1",
                    "qrText": "Scan"
                },
                "uploadInfoList": [{"fileName": "logo.png", "uploadKey": "key-logo"}]
            })
        );
    }

    #[test]
    fn extra_keys_that_name_no_ubpass_property_are_refused_not_dropped() {
        // openapi components.schemas.PassMetadata names appDeepLinks and userDeepLink besides
        // what the canonical model owns; the vendor's binding drops any other property.
        let mut content = PassContent::builder().value("a", "1").build().unwrap();
        content.extra.insert("foo".into(), serde_json::json!("bar"));
        content
            .extra
            .insert("appDeepLinks".into(), serde_json::json!({"apple": {}}));
        let err = to_wire(&content, "N".into(), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(err.message().contains("extra.foo"), "{err}");
        assert!(!err.message().contains("extra.appDeepLinks"), "{err}");
        content.extra.remove("foo");
        let w = to_wire(&content, "N".into(), None).unwrap();
        assert_eq!(
            w.pass_metadata.other["appDeepLinks"],
            serde_json::json!({"apple": {}})
        );
        // A property the vendor's own document carries is sent back.
        let mut read = doc();
        let meta = read.pass_metadata.as_mut().unwrap();
        meta.other.insert("vendorNew".into(), serde_json::json!(1));
        let base = WalletPassWrite::from_read(&read).unwrap();
        let content = pass_from_wire(&read).unwrap().content;
        assert_eq!(
            to_wire(&content, "N".into(), Some(&base))
                .unwrap()
                .pass_metadata
                .other["vendorNew"],
            1
        );
    }

    #[test]
    fn raw_extra_values_that_contradict_the_canonical_ones_are_refused() {
        // openapi PassMetadata.qrText / backgroundColor: one property each, so a QR alt text
        // and extra.qrText (or a color and extra.backgroundColor) cannot both be stored.
        let mut content = PassContent::builder()
            .barcode(Barcode::new(BarcodeFormat::Qr, "M").unwrap())
            .build()
            .unwrap();
        content
            .extra
            .insert("qrText".into(), serde_json::json!("under"));
        let err = to_wire(&content, "N".into(), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains("extra.qrText"), "{err}");
        // A vendor color the model could not read is replaced by a canonical color set over it.
        let mut read = doc();
        read.pass_metadata.as_mut().unwrap().background_color = Some("blue".into());
        let base = WalletPassWrite::from_read(&read).unwrap();
        let mut content = pass_from_wire(&read).unwrap().content;
        content.appearance.background_color = Some("#102030".parse().unwrap());
        let w = to_wire(&content, "N".into(), Some(&base)).unwrap();
        assert_eq!(w.pass_metadata.background_color.as_deref(), Some("#102030"));
        content
            .extra
            .insert("backgroundColor".into(), serde_json::json!("red"));
        let err = to_wire(&content, "N".into(), Some(&base)).unwrap_err();
        assert!(err.message().contains("extra.backgroundColor"), "{err}");
    }

    #[test]
    fn odd_vendor_values_do_not_fail_a_read() {
        let mut read = doc();
        let meta = read.pass_metadata.as_mut().unwrap();
        meta.background_color = Some("blue".into());
        meta.top_field.as_mut().unwrap().key = Some("tab key".into());
        read.created_time = Some("04-09-2025 21:09:36".into());
        let pass = pass_from_wire(&read).unwrap();
        assert_eq!(pass.content.extra["backgroundColor"], "blue");
        assert!(pass.content.field("tab_key").is_some());
        assert_eq!(pass.created_at, None);
    }
}
