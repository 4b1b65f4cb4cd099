//! The image files ubpass knows (`logo.png`, `icon.png`, `strip.png`, `footer.png`), the
//! canonical image roles they hold, and a document's upload list read as those images.

use std::collections::BTreeMap;

use serde_json::Value;
use walletpass_core::ImageRole;

use crate::wire::UploadInfo;

/// The roles ubpass has a file for, in the order a fresh document lists them.
pub(super) const FILE_ROLES: [ImageRole; 4] = [
    ImageRole::Icon,
    ImageRole::Logo,
    ImageRole::Strip,
    ImageRole::Footer,
];

/// A document's `uploadInfoList` as the canonical model reads it: the images by role (the first
/// upload of each known file that has a key), and every other upload as JSON, in order: the
/// value of `extra.uploadInfoList`, absent when there is none.
pub(super) fn images_of(uploads: &[UploadInfo]) -> (BTreeMap<ImageRole, String>, Option<Value>) {
    let mut images = BTreeMap::new();
    let mut others = Vec::new();
    for upload in uploads {
        let role = upload.file_name.as_deref().and_then(image_role);
        match (role, upload.key()) {
            (Some(role), Some(key)) if !images.contains_key(&role) => {
                images.insert(role, key.to_owned());
            }
            // An `UploadInfo` (strings and a JSON map) always serializes: the `Null` is never used.
            _ => others.push(serde_json::to_value(upload).unwrap_or(Value::Null)),
        }
    }
    (images, (!others.is_empty()).then_some(Value::Array(others)))
}

pub(super) fn image_file(role: ImageRole) -> Option<&'static str> {
    match role {
        ImageRole::Logo => Some("logo.png"),
        ImageRole::Icon => Some("icon.png"),
        ImageRole::Strip => Some("strip.png"),
        ImageRole::Footer => Some("footer.png"),
        _ => None,
    }
}

/// The role of a file by its name, in any letter case (without a lowercased copy of it).
fn image_role(file_name: &str) -> Option<ImageRole> {
    FILE_ROLES
        .into_iter()
        .find(|&role| image_file(role).is_some_and(|file| file.eq_ignore_ascii_case(file_name)))
}

pub(super) fn role_name(role: ImageRole) -> &'static str {
    match role {
        ImageRole::Logo => "logo",
        ImageRole::Icon => "icon",
        ImageRole::Strip => "strip",
        ImageRole::Footer => "footer",
        ImageRole::Thumbnail => "thumbnail",
        ImageRole::Background => "background",
    }
}
