//! Writing: canonical content as a fresh vendor document (create, put) or over a document
//! read before (the composed `patch`, which sends back every unchanged part as it was read).
//! `extra` keys are checked: none is dropped, none contradicts the canonical value.

use serde::Deserialize;
use serde_json::{Map, Value};
use walletpass_core::{
    BarcodeFormat, Color, Error, ErrorKind, Field, FieldValue, Fields, PassContent, Placement,
};

use super::MAX_TEXT;
use super::METADATA_EXTRA;
use super::OWNED;
use super::RAW_EXTRA;
use super::TOP_LEVEL_EXTRA;
use super::images::{FILE_ROLES, image_file, images_of};
use super::pass::content_of;
use crate::PROVIDER;
use crate::wire::{
    BackPassField, BackPassFieldValue, MetadataLocation, PassField, PassMetadata, UploadInfo,
    WalletPass, WalletPassWrite,
};

pub(super) fn string_extra(content: &PassContent, key: &str) -> Result<Option<String>, Error> {
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

pub(super) fn pass_field(field: &Field) -> PassField {
    PassField {
        key: Some(field.key.to_string()),
        label: field.label.clone(),
        value: Some(field.value.to_text()),
        change_message: field.change_message.clone(),
        other: Map::new(),
    }
}

pub(super) fn back_pass_field(field: &Field) -> BackPassField {
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

pub(super) fn color_to_wire(
    color: Option<Color>,
    base: Option<&str>,
    raw_extra: Option<String>,
) -> Option<String> {
    match color {
        // The read document's spelling of the same color is sent back as it was read.
        Some(c) => Some(match base {
            Some(b) if b.parse::<Color>().ok() == Some(c) => b.to_owned(),
            _ => c.to_string(),
        }),
        None => raw_extra,
    }
}

/// Refuse the `extra` keys that would not survive a write: keys that name no ubpass property
/// (unless the read document `base` carried them), and raw vendor values that contradict the
/// canonical value set next to them (unless they are the values `base` held).
pub(super) fn check_extra(content: &PassContent, base: Option<&PassMetadata>) -> Result<(), Error> {
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

/// The document a write goes over (the composed `patch`): the document as read, whose
/// unchanged parts move into the write, and the canonical fields read from it, which tell
/// which fields are unchanged. Made by [`read_for_write`], so the two always agree.
#[derive(Debug)]
pub struct Base {
    doc: WalletPassWrite,
    /// One canonical field for each of `doc`'s fields, in the order `canonical_fields` reads
    /// them: the top field, the secondary fields, the back fields.
    fields: Fields,
    /// How many of `fields` came from the top field (0 or 1) and from the secondary fields
    /// (counted when read: the write takes fields out of `doc`).
    top: usize,
    secondary: usize,
}

/// A document read for a write over it: its canonical content (what a patch merges into) and
/// the base of the write. `None` when the document has no `passName` or no `passMetadata`.
pub fn read_for_write(read: WalletPass) -> Result<Option<(PassContent, Base)>, Error> {
    let content = content_of(&read)?;
    let Some(doc) = WalletPassWrite::from_read_owned(read) else {
        return Ok(None);
    };
    let meta = &doc.pass_metadata;
    let top = usize::from(meta.top_field.is_some());
    let secondary = meta.secondary_fields.as_ref().map_or(0, Vec::len);
    let fields = content.fields.clone();
    Ok(Some((
        content,
        Base {
            doc,
            fields,
            top,
            secondary,
        },
    )))
}

/// Where a field of the base document sits.
#[derive(Clone, Copy)]
enum Slot {
    Top,
    Secondary(usize),
    Back(usize),
}

impl Base {
    /// The `passName` of the document read.
    pub fn pass_name(&self) -> &str {
        &self.doc.pass_name
    }

    /// The slot of the base field equal to `field`, the `n`th field of the content written:
    /// an unchanged field is usually where it was, so that position is tried first.
    fn slot_of(&self, field: &Field, n: usize) -> Option<Slot> {
        let at = match self.fields.as_slice().get(n) {
            Some(f) if f == field => n,
            _ => self.fields.iter().position(|f| f == field)?,
        };
        let (top, secondary) = (self.top, self.secondary);
        Some(if at < top {
            Slot::Top
        } else if at < top + secondary {
            Slot::Secondary(at - top)
        } else {
            Slot::Back(at - top - secondary)
        })
    }

    /// The vendor field that `field` (the `n`th of the content written) was read from, moved
    /// out of the base, when it is unchanged and written to the same kind of slot (`top`: the
    /// top field; otherwise a secondary field). Each base field is taken at most once: the
    /// content's keys are unique, and a field equal to a base field has its key.
    fn take_text(&mut self, field: &Field, n: usize, top: bool) -> Option<PassField> {
        let slot = self.slot_of(field, n)?;
        let meta = &mut self.doc.pass_metadata;
        match (slot, top) {
            (Slot::Top, true) => meta.top_field.take(),
            (Slot::Secondary(i), false) => take_at(&mut meta.secondary_fields, i),
            _ => None,
        }
    }

    /// [`take_text`](Self::take_text) for a back field.
    fn take_back(&mut self, field: &Field, n: usize) -> Option<BackPassField> {
        match self.slot_of(field, n)? {
            Slot::Back(i) => take_at(&mut self.doc.pass_metadata.back_fields, i),
            _ => None,
        }
    }
}

/// The `i`th item of a list, moved out (a default one left in its place).
fn take_at<T: Default>(list: &mut Option<Vec<T>>, i: usize) -> Option<T> {
    list.as_mut()?.get_mut(i).map(std::mem::take)
}

/// The document for `content` under `pass_name`. With `base` (the document as read), every part
/// whose canonical value is unchanged is taken from `base` verbatim, and the properties the
/// canonical model does not cover (status, slug) are kept. Call [`check_fits`] first.
pub fn to_wire(
    content: &PassContent,
    pass_name: String,
    mut base: Option<Base>,
) -> Result<WalletPassWrite, Error> {
    let mut meta = PassMetadata::default();
    let mut secondary = Vec::new();
    let mut back = Vec::new();
    for (n, field) in content.fields.iter().enumerate() {
        let links = matches!(field.value, FieldValue::Links(_));
        match (field.placement, links) {
            (Some(Placement::Header), _) => {
                let kept = base.as_mut().and_then(|b| b.take_text(field, n, true));
                meta.top_field = Some(kept.unwrap_or_else(|| pass_field(field)));
            }
            (Some(Placement::Back), _) | (None, true) => {
                let kept = base.as_mut().and_then(|b| b.take_back(field, n));
                back.push(kept.unwrap_or_else(|| back_pass_field(field)));
            }
            _ => {
                let kept = base.as_mut().and_then(|b| b.take_text(field, n, false));
                secondary.push(kept.unwrap_or_else(|| pass_field(field)));
            }
        }
    }
    let base_meta = base.as_ref().map(|b| &b.doc.pass_metadata);
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

    let had_locations = base_meta.is_some_and(|m| m.locations.is_some());
    let mut base_locations = base
        .as_mut()
        .and_then(|b| b.doc.pass_metadata.locations.take())
        .unwrap_or_default();
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
        let old = base_locations.get_mut(i).filter(|o| {
            o.latitude == Some(loc.latitude)
                && o.longitude == Some(loc.longitude)
                && o.altitude == loc.altitude
                && o.relevant_text == loc.relevant_text
        });
        locations.push(old.map_or(fresh, std::mem::take));
    }
    meta.locations = (!locations.is_empty() || had_locations).then_some(locations);
    let base_meta = base.as_ref().map(|b| &b.doc.pass_metadata);

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
    for role in FILE_ROLES {
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
                let upload = UploadInfo::deserialize(item).map_err(|e| {
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
    let mut base = base.map(|b| b.doc);
    let base_uploads = base.as_mut().and_then(|b| b.upload_info_list.take());
    let upload_info_list = match base_uploads {
        Some(old) => {
            // The same reading of the list as `content_from_wire`'s, without the rest of it.
            let (images, others) = images_of(&old);
            let same =
                images == content.images && others.as_ref() == content.extra.get("uploadInfoList");
            Some(if same { old } else { uploads })
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
            .or_else(|| base.as_mut().and_then(|b| b.pass_link_slug.take())),
        status: base.as_mut().and_then(|b| b.status.take()),
        account: content
            .extra
            .get("account")
            .cloned()
            .or_else(|| base.and_then(|b| b.account)),
    })
}
