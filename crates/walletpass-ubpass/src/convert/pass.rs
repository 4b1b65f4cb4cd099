//! Reading: a vendor document as canonical content and a canonical pass (status, links,
//! install figures, times). Reads never fail on quirks a document can carry.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use walletpass_core::{
    Appearance, Barcode, BarcodeFormat, Color, Error, Fields, InstallStats, Location, Pass,
    PassContent, PassId, PassLinks, PassRef,
};

use super::decode;
use super::fields::canonical_fields;
use super::images::images_of;
use super::status_from_wire;
use crate::wire::{PassMetadata, UploadInfo, WalletPass, count};

pub(super) fn parse_time(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?, &time::format_description::well_known::Rfc3339).ok()
}

pub(super) fn color_from_wire(
    raw: Option<String>,
    name: &str,
    extra: &mut Map<String, Value>,
) -> Option<Color> {
    let raw = raw?;
    match raw.parse::<Color>() {
        Ok(c) => Some(c),
        Err(_) => {
            extra.insert(name.to_owned(), Value::String(raw));
            None
        }
    }
}

/// The canonical content of a vendor document's parts. The parts given by value are consumed
/// (their strings move into the content rather than being copied); the upload list is read.
pub fn content_from_wire(
    pass_name: Option<String>,
    notification_header: Option<String>,
    account: Option<Value>,
    meta: PassMetadata,
    uploads: &[UploadInfo],
) -> Result<PassContent, Error> {
    let mut extra = Map::new();
    if let Some(name) = pass_name {
        extra.insert("passName".into(), Value::String(name));
    }
    if let Some(header) = notification_header {
        extra.insert("notificationHeader".into(), Value::String(header));
    }
    if let Some(account) = account {
        extra.insert("account".into(), account);
    }
    let PassMetadata {
        description,
        organization_name,
        background_color,
        display_text_color,
        top_field,
        secondary_fields,
        back_fields,
        qr_url,
        qr_text,
        locations: wire_locations,
        other,
    } = meta;
    let fields = canonical_fields(top_field, secondary_fields, back_fields)?;
    let appearance = Appearance {
        organization_name,
        description,
        logo_text: None,
        background_color: color_from_wire(background_color, "backgroundColor", &mut extra),
        foreground_color: color_from_wire(display_text_color, "displayTextColor", &mut extra),
        label_color: None,
    };
    let barcode = match qr_url.filter(|u| !u.is_empty()) {
        Some(message) => Some(Barcode {
            format: BarcodeFormat::Qr,
            message,
            alt_text: qr_text,
        }),
        None => {
            if let Some(text) = qr_text {
                extra.insert("qrText".into(), Value::String(text));
            }
            None
        }
    };
    let (images, other_uploads) = images_of(uploads);
    if let Some(other_uploads) = other_uploads {
        extra.insert("uploadInfoList".into(), other_uploads);
    }
    let mut locations = Vec::new();
    for (i, loc) in wire_locations.into_iter().flatten().enumerate() {
        let (Some(latitude), Some(longitude)) = (loc.latitude, loc.longitude) else {
            return Err(decode(format!(
                "passMetadata.locations[{i}] has no latitude or longitude"
            )));
        };
        locations.push(Location {
            latitude,
            longitude,
            altitude: loc.altitude,
            relevant_text: loc.relevant_text,
        });
    }
    for (key, value) in other {
        extra.insert(key, value);
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

/// The canonical content of a vendor document alone, the document kept: what a patch merges
/// into (its name, header, account and metadata are copied whole, then consumed).
pub(super) fn content_of(pass: &WalletPass) -> Result<PassContent, Error> {
    content_from_wire(
        pass.pass_name.clone(),
        pass.notification_header.clone(),
        pass.account.clone(),
        pass.pass_metadata.clone().unwrap_or_default(),
        pass.upload_info_list.as_deref().unwrap_or_default(),
    )
}

/// The id of a vendor document, checked.
pub fn id_of(pass: &WalletPass) -> Result<PassId, Error> {
    let raw_id = pass
        .id
        .as_deref()
        .ok_or_else(|| decode("the vendor's pass has no id".into()))?;
    PassId::new(raw_id).map_err(|e| decode(format!("the vendor's pass id: {e}")))
}

/// The canonical pass of a vendor document, which it consumes.
pub fn pass_from_wire(pass: WalletPass) -> Result<Pass, Error> {
    let id = id_of(&pass)?;
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
    let status = status_from_wire(pass.status.as_deref());
    let created_at = parse_time(pass.created_time.as_deref());
    let updated_at = parse_time(pass.updated_time.as_deref());
    let content = content_from_wire(
        pass.pass_name,
        pass.notification_header,
        pass.account,
        pass.pass_metadata.unwrap_or_default(),
        pass.upload_info_list.as_deref().unwrap_or_default(),
    )?;
    Ok(Pass {
        serial_number: id.as_str().to_owned(),
        pass_ref: PassRef::new(id),
        status,
        content,
        links: PassLinks {
            landing: pass.pass_link,
            download: None,
            google: pass.google_pass_link,
        },
        installs,
        created_at,
        updated_at,
    })
}
