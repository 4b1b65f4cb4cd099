//! The image files ubpass knows (`logo.png`, `icon.png`, `strip.png`, `footer.png`) and the
//! canonical image roles they hold.

use walletpass_core::ImageRole;

pub(super) fn image_file(role: ImageRole) -> Option<&'static str> {
    match role {
        ImageRole::Logo => Some("logo.png"),
        ImageRole::Icon => Some("icon.png"),
        ImageRole::Strip => Some("strip.png"),
        ImageRole::Footer => Some("footer.png"),
        _ => None,
    }
}

pub(super) fn image_role(file_name: &str) -> Option<ImageRole> {
    match file_name.to_ascii_lowercase().as_str() {
        "logo.png" => Some(ImageRole::Logo),
        "icon.png" => Some(ImageRole::Icon),
        "strip.png" => Some(ImageRole::Strip),
        "footer.png" => Some(ImageRole::Footer),
        _ => None,
    }
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
