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
//! rewritten (`_` for each other character, cut at 60 characters, `_` put first when it begins
//! with `-`, `.` or `:`, `field<n>` when missing, `_2`, `_3`, ... when repeated); a timestamp
//! that is not RFC 3339 is left out.
//!
//! The mapping is split by concern: [`fit`] checks what a content can hold before anything is
//! sent, [`fields`] maps fields both ways, [`images`] names the image files, [`pass`] reads a
//! document into a canonical pass, [`document`] writes canonical content into a document.

mod document;
mod fields;
mod fit;
mod images;
mod pass;
#[cfg(test)]
mod tests;

use walletpass_core::{Error, ErrorKind, PassStatus};

use crate::PROVIDER;

pub use document::{generated_pass_name, pass_name_of, read_for_write, to_wire};
pub use fit::check_fits;
pub use pass::{content_from_wire, id_of, pass_from_wire};

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

fn decode(message: String) -> Error {
    Error::new(ErrorKind::Decode, message).with_provider(PROVIDER)
}
