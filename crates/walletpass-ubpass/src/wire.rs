//! The vendor's shapes, as `ubpass-openapi.json` and its examples give them: `WalletPassInfo`
//! (read: [`WalletPass`]; written: [`WalletPassWrite`]), `PassMetadata`, `PassField`,
//! `BackPassField`, `UploadInfo`, `BXPagedList`, `PassNotification`, `NotificationStats`,
//! `PassLocation`, and the upload answers. Unknown properties are kept (`other`) so a read
//! followed by a write sends back what was read.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use walletpass_core::http::decode::IntoField;

/// The id pattern of path ids and `x-workspace-id`: `^[a-zA-Z0-9-_]+$`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A string that the vendor might send as a number or boolean (read as its JSON text);
/// `null` reads as none, an array or object is an error.
pub(crate) struct LenientString(Option<String>);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Some(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(Value::from(v).to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::custom("expected a string, found an array"))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::custom("expected a string, found an object"))
            }
        }
        d.deserialize_any(V).map(LenientString)
    }
}

impl IntoField for LenientString {
    type Field = Option<String>;
    fn into_field(self) -> Option<String> {
        self.0
    }
}

/// An informational counter (`integer`, `int32` in the schema, with no minimum): any integer
/// is kept as it is, negative ones included; a value that is not an integer at all (a float, a
/// string) is left out, logged at debug, so that a counter never makes an answer unreadable.
pub(crate) struct LenientCount(Option<i64>);

impl<'de> Deserialize<'de> for LenientCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Option::<Value>::deserialize(d)?;
        Ok(LenientCount(match value {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            Some(other) => {
                tracing::debug!(value = %other, "ubpass: a counter that is not an integer was left out");
                None
            }
        }))
    }
}

impl IntoField for LenientCount {
    type Field = Option<i64>;
    fn into_field(self) -> Option<i64> {
        self.0
    }
}

/// A counter as a count of things: a negative one (which the schema allows) is not a count,
/// and is left out (logged at debug).
pub fn count(value: Option<i64>) -> Option<u64> {
    let value = value?;
    let count = u64::try_from(value).ok();
    if count.is_none() {
        tracing::debug!(value, "ubpass: a negative counter is not a count; left out");
    }
    count
}

/// `PassField`: the top field or a secondary field.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassField {
    /// Key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Value (a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Message shown when the value changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_message: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(PassField, "a ubpass PassField object", other: other, {
    key: "key",
    label: "label",
    value: "value" as LenientString,
    change_message: "changeMessage",
});

/// `BackPassFieldValue`: one link of a back field.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackPassFieldValue {
    /// Link text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Vendor short-link slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Vendor short link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_link_value: Option<String>,
    /// Vendor short-link id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_link_id: Option<String>,
    /// UTM source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_source: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(BackPassFieldValue, "a ubpass BackPassFieldValue object", other: other, {
    text: "text",
    link: "link",
    slug: "slug",
    short_link_value: "shortLinkValue",
    short_link_id: "shortLinkId",
    utm_source: "utmSource",
});

/// `BackPassField`: a back field, whose value is a list of links.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackPassField {
    /// Key.
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
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(BackPassField, "a ubpass BackPassField object", other: other, {
    key: "key",
    label: "label",
    value: "value",
    change_message: "changeMessage",
});

/// A location inside `passMetadata.locations` (the `PassLocation` schema).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataLocation {
    /// Location id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name (required by the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Altitude in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Lock-screen text (required by the schema, at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_text: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(MetadataLocation, "a ubpass MetadataLocation object", other: other, {
    id: "id",
    name: "name",
    enabled: "enabled",
    latitude: "latitude",
    longitude: "longitude",
    altitude: "altitude",
    relevant_text: "relevantText",
});

/// `PassMetadata`: what the pass shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
    /// Back fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_fields: Option<Vec<BackPassField>>,
    /// QR code content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_url: Option<String>,
    /// Text under the QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_text: Option<String>,
    /// Locations (Apple only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<MetadataLocation>>,
    /// Other properties (`appDeepLinks`, `userDeepLink`, and any the vendor adds), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(PassMetadata, "a ubpass PassMetadata object", other: other, {
    description: "description",
    organization_name: "organizationName",
    background_color: "backgroundColor",
    display_text_color: "displayTextColor",
    top_field: "topField",
    secondary_fields: "secondaryFields",
    back_fields: "backFields",
    qr_url: "qrUrl",
    qr_text: "qrText",
    locations: "locations",
});

/// `UploadInfo`: one image reference. The schema calls the key `fileKey`, every documented
/// example `uploadKey`; both are read, `uploadKey` is written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadInfo {
    /// `logo.png`, `icon.png`, `strip.png`, `footer.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The key as the documented examples send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_key: Option<String>,
    /// The key as the schema names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_key: Option<String>,
    /// Asset URL (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(UploadInfo, "a ubpass UploadInfo object", other: other, {
    file_name: "fileName",
    upload_key: "uploadKey",
    file_key: "fileKey",
    url: "url",
});

impl UploadInfo {
    /// The key under whichever name the vendor used.
    pub fn key(&self) -> Option<&str> {
        self.upload_key.as_deref().or(self.file_key.as_deref())
    }
}

/// `WalletPassInfo` as the vendor answers it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletPass {
    /// Pass id (also the Apple serial number and the notifications' `passSerialNumber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Created at (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    /// Updated at (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_time: Option<String>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Last updater.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Account (in the examples, not the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Lock-screen notification header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_header: Option<String>,
    /// Name, unique in the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_name: Option<String>,
    /// `Draft` or `Published`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Content (absent in `summary` listings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_metadata: Option<PassMetadata>,
    /// Images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_info_list: Option<Vec<UploadInfo>>,
    /// Download link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_link: Option<String>,
    /// Slug of the download link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_link_slug: Option<String>,
    /// Google save link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_pass_link: Option<String>,
    /// Account object (schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Value>,
    /// Apple installs, ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_issued_count: Option<i64>,
    /// Google installs, ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_issued_count: Option<i64>,
    /// All installs, ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_issued_count: Option<i64>,
    /// Apple installs, still installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_active_count: Option<i64>,
    /// Google installs, still installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_active_count: Option<i64>,
    /// All installs, still installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_active_count: Option<i64>,
    /// Properties this crate does not know.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(WalletPass, "a ubpass WalletPass object", other: other, {
    id: "id",
    created_time: "createdTime",
    updated_time: "updatedTime",
    created_by: "createdBy",
    updated_by: "updatedBy",
    workspace_id: "workspaceId",
    account_id: "accountId",
    notification_header: "notificationHeader",
    pass_name: "passName",
    status: "status",
    pass_metadata: "passMetadata",
    upload_info_list: "uploadInfoList",
    pass_link: "passLink",
    pass_link_slug: "passLinkSlug",
    google_pass_link: "googlePassLink",
    account: "account",
    apple_issued_count: "appleIssuedCount" as LenientCount,
    google_issued_count: "googleIssuedCount" as LenientCount,
    total_issued_count: "totalIssuedCount" as LenientCount,
    apple_active_count: "appleActiveCount" as LenientCount,
    google_active_count: "googleActiveCount" as LenientCount,
    total_active_count: "totalActiveCount" as LenientCount,
});

/// The body of a create (`POST /wallet-pass`, `/wallet-pass/async`) or an update
/// (`PATCH /wallet-pass/{id}`, whole document): the writable part of `WalletPassInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletPassWrite {
    /// Lock-screen notification header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_header: Option<String>,
    /// Name, unique in the workspace (required).
    pub pass_name: String,
    /// Content (required).
    pub pass_metadata: PassMetadata,
    /// Images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_info_list: Option<Vec<UploadInfo>>,
    /// Slug of the download link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_link_slug: Option<String>,
    /// `Draft` or `Published`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Account reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Value>,
}

impl WalletPassWrite {
    /// The writable part of a pass as read, for a whole-document update that changes nothing
    /// by itself. `None` when the read pass has no name or no metadata.
    pub fn from_read(pass: &WalletPass) -> Option<Self> {
        Some(Self {
            notification_header: pass.notification_header.clone(),
            pass_name: pass.pass_name.clone()?,
            pass_metadata: pass.pass_metadata.clone()?,
            upload_info_list: pass.upload_info_list.clone(),
            pass_link_slug: pass.pass_link_slug.clone(),
            status: pass.status.clone(),
            account: pass.account.clone(),
        })
    }
}

/// `BXPagedList`: one page of a listing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PagedList<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    /// The cursor to pass back for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Whether another page follows.
    #[serde(default)]
    pub has_more: bool,
}

/// `PassNotification`, read and written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassNotification {
    /// Id (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The pass it belongs to (required on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_serial_number: Option<String>,
    /// Internal name (required on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_name: Option<String>,
    /// The message shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_message: Option<String>,
    /// `Draft`, `Processing`, `Scheduled` when written; any of
    /// [`NOTIFICATION_STATUSES`] when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When a scheduled notification goes out (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<String>,
    /// When it went out (schema name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_time: Option<String>,
    /// When it went out (examples' name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_time: Option<String>,
    /// Apple devices reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_notification_sent_count: Option<i64>,
    /// Google devices reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_notification_sent_count: Option<i64>,
    /// All devices reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_notification_sent_count: Option<i64>,
    /// Statistics, embedded when asked for with `includeStats` (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_stats: Option<NotificationStats>,
    /// Everything else (times, creator, workspace), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(PassNotification, "a ubpass PassNotification object", other: other, {
    id: "id",
    pass_serial_number: "passSerialNumber",
    notification_name: "notificationName",
    notification_message: "notificationMessage",
    status: "status",
    scheduled_time: "scheduledTime",
    published_time: "publishedTime",
    sent_time: "sentTime",
    apple_notification_sent_count: "appleNotificationSentCount" as LenientCount,
    google_notification_sent_count: "googleNotificationSentCount" as LenientCount,
    total_notification_sent_count: "totalNotificationSentCount" as LenientCount,
    notification_stats: "notificationStats",
});

/// Every notification status the schema enumerates.
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

/// `NotificationStats`. The schema and the example disagree (`totalNotificationsSent` and a
/// paged `linkStats` versus `totalSent` and a `linkStats` array); both are read, the rest is
/// kept in `other`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationStats {
    /// Notifications sent (schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_notifications_sent: Option<i64>,
    /// Notifications sent (example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_sent: Option<i64>,
    /// Link clicks (schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_links_clicks: Option<i64>,
    /// Link clicks (example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_clicks: Option<i64>,
    /// Per-link figures: a paged list (schema) or an array (example), verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_stats: Option<Value>,
    /// Everything else, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(NotificationStats, "a ubpass NotificationStats object", other: other, {
    total_notifications_sent: "totalNotificationsSent" as LenientCount,
    total_sent: "totalSent" as LenientCount,
    total_links_clicks: "totalLinksClicks" as LenientCount,
    total_clicks: "totalClicks" as LenientCount,
    link_stats: "linkStats",
});

impl NotificationStats {
    /// Notifications sent, under whichever name the vendor used.
    pub fn sent(&self) -> Option<u64> {
        count(self.total_notifications_sent.or(self.total_sent))
    }

    /// Link clicks, under whichever name the vendor used.
    pub fn clicks(&self) -> Option<u64> {
        count(self.total_links_clicks.or(self.total_clicks))
    }

    /// The per-link entries, from either shape.
    pub fn link_entries(&self) -> Vec<Value> {
        match &self.link_stats {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::Object(page)) => page
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// `{"id": ...}`: the pass a location belongs to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PassRefBody {
    /// Pass id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `PassLocation` of `/wallet-pass-location`, read and written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassLocation {
    /// Id (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name (required, at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Enabled (the vendor's default is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Latitude (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Altitude in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Lock-screen text (required, at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_text: Option<String>,
    /// The pass (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_pass: Option<PassRefBody>,
    /// Everything else (times, creator, workspace), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(PassLocation, "a ubpass PassLocation object", other: other, {
    id: "id",
    name: "name",
    enabled: "enabled",
    latitude: "latitude",
    longitude: "longitude",
    altitude: "altitude",
    relevant_text: "relevantText",
    wallet_pass: "walletPass",
});

/// The answer of `POST /uploads`: `{key, url}` in the guide, `ResponseMessage {msg}` (holding
/// the key) in the OpenAPI file; both are read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UploadAnswer {
    /// The upload key (guide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The asset URL (guide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The key (spec's `ResponseMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
}

/// `SignedURLResponse` of `GET /uploads/s3-url`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignedUrl {
    /// The key the upload will have.
    #[serde(default)]
    pub key: String,
    /// The pre-signed URL to `PUT` the bytes to.
    #[serde(default)]
    pub url: String,
}

/// `ResponseMessage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseMessage {
    /// The message (a key, a path or a URL, depending on the endpoint).
    #[serde(default)]
    pub msg: String,
}

/// The answer of `GET /wallet-pass/{id}`, which the spec types as an array of passes: the
/// first item of an array (`None` for an empty one; the others are checked as JSON and
/// skipped), or an object itself, decoded in one pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FirstPass(pub Option<WalletPass>);

impl<'de> Deserialize<'de> for FirstPass {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FirstPass;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of WalletPassInfo objects, or one")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<FirstPass, A::Error> {
                let first = seq.next_element::<WalletPass>()?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(FirstPass(first))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<FirstPass, A::Error> {
                WalletPass::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|p| FirstPass(Some(p)))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_properties_are_kept_at_every_level_in_one_pass() {
        let text = r#"[{"id": "p1", "passName": "N", "future": {"a": [1, 2]},
            "passMetadata": {"qrUrl": "Q", "appDeepLinks": ["x"],
                "topField": {"key": "k", "value": 12, "style": "bold"},
                "backFields": [{"key": "b", "value": [{"text": "t", "link": "https://x.example", "tag": 1}]}]},
            "uploadInfoList": [{"fileName": "logo.png", "fileKey": "K", "size": 3}],
            "appleActiveCount": "4", "googleActiveCount": 1.5}, {"id": "second"}]"#;
        let FirstPass(Some(pass)) = serde_json::from_str(text).unwrap() else {
            panic!("no pass");
        };
        assert_eq!(pass.other["future"]["a"][1], 2);
        let meta = pass.pass_metadata.unwrap();
        assert_eq!(meta.other["appDeepLinks"][0], "x");
        let top = meta.top_field.unwrap();
        assert_eq!(top.value.as_deref(), Some("12"));
        assert_eq!(top.other["style"], "bold");
        let back = &meta.back_fields.unwrap()[0];
        assert_eq!(back.value.as_ref().unwrap()[0].other["tag"], 1);
        let upload = &pass.upload_info_list.unwrap()[0];
        assert_eq!(
            (upload.key(), &upload.other["size"]),
            (Some("K"), &Value::from(3))
        );
        assert_eq!(pass.apple_active_count, Some(4));
        assert_eq!(pass.google_active_count, None);
    }

    #[test]
    fn the_get_answer_reads_as_an_array_an_object_or_empty() {
        let read = |text: &str| serde_json::from_str::<FirstPass>(text);
        assert_eq!(read("[]").unwrap(), FirstPass(None));
        assert_eq!(
            read(r#"{"id": "p"}"#).unwrap().0.unwrap().id.as_deref(),
            Some("p")
        );
        assert!(read("3").is_err());
        assert!(read(r#"[{"id": ["p"]}]"#).is_err());
        let odd = read(r#"[{"id": "p", "passMetadata": {"topField": {"value": {"a": 1}}}}]"#);
        assert!(odd.unwrap_err().to_string().contains("expected a string"));
    }
}
