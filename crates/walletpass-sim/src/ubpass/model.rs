//! The vendor's documents as the OpenAPI schemas type them (`WalletPassInfo`, `PassMetadata`,
//! `PassField`, `BackPassField`, `UploadInfo`, `PassNotification`, `PassLocation`). Typed, so a
//! property the schema does not name is dropped, as the vendor's JSON binding drops it.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::error::ApiError;

/// The id pattern the spec gives for path ids and `x-workspace-id`: `^[a-zA-Z0-9-_]+$`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reject an id that does not match the documented pattern, naming the parameter.
pub fn check_id(param: &str, id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid(param, "must match \"^[a-zA-Z0-9-_]+$\""))
    }
}

/// A string property that, like the vendor's binding, also accepts a number or a boolean.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a string, found {other}"
            )));
        }
    })
}

/// `PassField`: one front field (`topField`, `secondaryFields`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassField {
    /// Field key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Label shown above the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Value (a string in the schema).
    #[serde(
        default,
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<String>,
    /// Message shown when the value changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_message: Option<String>,
}

/// `BackPassFieldValue`: one link of a back field.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackPassFieldValue {
    /// Link text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Short-link slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Short-link value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_link_value: Option<String>,
    /// Short-link id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_link_id: Option<String>,
    /// UTM source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_source: Option<String>,
}

/// `BackPassField`: a back field whose value is a list of links.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackPassField {
    /// Field key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Vec<BackPassFieldValue>>,
    /// Message shown when the value changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_message: Option<String>,
}

/// A location inside `passMetadata.locations` (the `PassLocation` schema).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataLocation {
    /// Location id, when the caller gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name (required, at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the location triggers the pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Latitude in degrees (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude in degrees (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Altitude in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Lock-screen text (required, at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_text: Option<String>,
}

/// `AppleDeepLinkData`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppleDeepLinkData {
    /// App Store id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_store_id: Option<String>,
    /// Launch URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_url: Option<String>,
}

/// `GoogleDeepLinkData`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleDeepLinkData {
    /// Android package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android_package_name: Option<String>,
    /// Web app URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_app_url: Option<String>,
    /// Display text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_text: Option<String>,
}

/// `AppDeepLinks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDeepLinks {
    /// Apple side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_deep_link_data: Option<AppleDeepLinkData>,
    /// Google side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_deep_link_data: Option<GoogleDeepLinkData>,
}

/// `UserDeepLink`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDeepLink {
    /// One of `Website`, `Mobile App`, `Tiktok`, `Instagram`, `X`, `Youtube`, `Spotify`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
    /// Input link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_link: Option<String>,
    /// App Store URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_app_store_url: Option<String>,
    /// Launch URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_url: Option<String>,
    /// Play Store URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_play_store_url: Option<String>,
}

/// The `UserDeepLink.appType` values the schema enumerates.
pub const APP_TYPES: [&str; 7] = [
    "Website",
    "Mobile App",
    "Tiktok",
    "Instagram",
    "X",
    "Youtube",
    "Spotify",
];

/// `PassMetadata`: the pass's visible content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassMetadata {
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Issuer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// Background color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// Text color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_text_color: Option<String>,
    /// The one top field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_field: Option<PassField>,
    /// Secondary fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_fields: Option<Vec<PassField>>,
    /// Back fields (lists of links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_fields: Option<Vec<BackPassField>>,
    /// QR code content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_url: Option<String>,
    /// Text under the QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_text: Option<String>,
    /// Relevant locations (Apple only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<MetadataLocation>>,
    /// App deep links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_deep_links: Option<AppDeepLinks>,
    /// User deep link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_deep_link: Option<UserDeepLink>,
}

/// `UploadInfo`: one image reference. The schema names the key `fileKey`, every documented
/// example `uploadKey`; both are kept as sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadInfo {
    /// `logo.png`, `icon.png`, `strip.png` or `footer.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The key as the documented examples send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_key: Option<String>,
    /// The key as the schema names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_key: Option<String>,
    /// Asset URL (answered with `includePassAssets=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl UploadInfo {
    /// The upload key under whichever name it was sent.
    pub fn key(&self) -> Option<&str> {
        self.upload_key.as_deref().or(self.file_key.as_deref())
    }
}

/// The writable part of `WalletPassInfo` (create and update bodies). Read-only properties
/// (`id`, times, counters, `workspaceId`, links) are accepted and ignored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletPassInput {
    /// Unique name within the workspace (required).
    #[serde(default)]
    pub pass_name: Option<String>,
    /// Content (required).
    #[serde(default)]
    pub pass_metadata: Option<PassMetadata>,
    /// Images.
    #[serde(default)]
    pub upload_info_list: Option<Vec<UploadInfo>>,
    /// Lock-screen notification header.
    #[serde(default)]
    pub notification_header: Option<String>,
    /// Slug of the pass link.
    #[serde(default)]
    pub pass_link_slug: Option<String>,
    /// `Draft` or `Published`.
    #[serde(default)]
    pub status: Option<String>,
    /// Account reference (`{"id": ...}`), kept verbatim.
    #[serde(default)]
    pub account: Option<Map<String, Value>>,
}

/// The pass statuses the schema enumerates.
pub const PASS_STATUSES: [&str; 2] = ["Draft", "Published"];

/// The notification statuses the `PassNotification` schema enumerates.
pub const NOTIFICATION_STATUSES: [&str; 9] = [
    "Draft",
    "Initializing",
    "Processing",
    "Finalizing",
    "Published",
    "Scheduled",
    "AppleFailedGoogleSuccess",
    "AppleSuccessGoogleFailed",
    "Failed",
];

/// A `PassNotification` create or update body.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationInput {
    /// The pass the notification belongs to (required on create).
    #[serde(default)]
    pub pass_serial_number: Option<String>,
    /// Internal name (required on create).
    #[serde(default)]
    pub notification_name: Option<String>,
    /// Message shown on the lock screen / back of the pass.
    #[serde(default)]
    pub notification_message: Option<String>,
    /// `Draft`, `Processing` or `Scheduled` when written.
    #[serde(default)]
    pub status: Option<String>,
    /// When a `Scheduled` notification goes out (RFC 3339).
    #[serde(default)]
    pub scheduled_time: Option<String>,
}

/// `{"id": ...}`, the reference to a pass inside a location.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PassRefBody {
    /// Pass id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A `PassLocation` create or update body (`/wallet-pass-location`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationInput {
    /// Name (required, at most 255 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// Enabled (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Latitude (required).
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Longitude (required).
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Altitude in meters.
    #[serde(default)]
    pub altitude: Option<f64>,
    /// Lock-screen text (required, at most 255 characters).
    #[serde(default)]
    pub relevant_text: Option<String>,
    /// The pass the location belongs to (required).
    #[serde(default)]
    pub wallet_pass: Option<PassRefBody>,
}

/// Parse a JSON body into `T`, answering a malformed body the vendor's way.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed("Required request body is missing"));
    }
    serde_json::from_slice(body).map_err(|err| ApiError::malformed(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_documented_pattern() {
        assert!(is_valid_id("1f089d37-5ebe-6778-af59-99631cec7ab5"));
        assert!(is_valid_id("a_b-C9"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a b"));
        assert!(!is_valid_id("../etc"));
    }

    #[test]
    fn unknown_properties_are_dropped_and_numbers_become_strings() {
        let meta: PassMetadata = serde_json::from_value(serde_json::json!({
            "auxiliaryFields": [{"key": "x"}],
            "secondaryFields": [{"key": "points", "value": 2500}]
        }))
        .unwrap();
        let back = serde_json::to_value(&meta).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"secondaryFields": [{"key": "points", "value": "2500"}]})
        );
    }
}
