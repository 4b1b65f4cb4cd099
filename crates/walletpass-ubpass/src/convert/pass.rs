//! Reading: a vendor document as canonical content and a canonical pass (status, links,
//! install figures, times). Reads never fail on quirks a document can carry.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use walletpass_core::{
    Appearance, Barcode, BarcodeFormat, Color, Error, Field, Fields, InstallStats, Location, Pass,
    PassContent, PassId, PassLinks, PassRef,
};

use super::decode;
use super::fields::fields_with_slots;
use super::images::images_of;
use super::status_from_wire;
use crate::wire::{PassMetadata, UploadInfo, WalletPass, count};

pub(super) fn parse_time(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?, &time::format_description::well_known::Rfc3339).ok()
}

pub(super) fn color_from_wire(
    raw: Option<&str>,
    name: &str,
    extra: &mut Map<String, Value>,
) -> Option<Color> {
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
    let (images, other_uploads) = images_of(uploads);
    if let Some(other_uploads) = other_uploads {
        extra.insert("uploadInfoList".into(), other_uploads);
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

/// The canonical content of a vendor document alone: what a patch merges into.
pub fn content_of(pass: &WalletPass) -> Result<PassContent, Error> {
    // Empty metadata is made (and dropped) only for a document without any.
    let no_metadata;
    let meta = match &pass.pass_metadata {
        Some(meta) => meta,
        None => {
            no_metadata = PassMetadata::default();
            &no_metadata
        }
    };
    content_from_wire(
        pass.pass_name.as_deref(),
        pass.notification_header.as_deref(),
        pass.account.as_ref(),
        meta,
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

/// The canonical pass of a vendor document.
pub fn pass_from_wire(pass: &WalletPass) -> Result<Pass, Error> {
    let id = id_of(pass)?;
    let content = content_of(pass)?;
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
        serial_number: id.as_str().to_owned(),
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
