//! Push notifications: `PassNotification` (read and written), the statuses the schema
//! enumerates, and `NotificationStats` (whose schema and example disagree; both are read).

use serde::Serialize;
use serde_json::{Map, Value};

use super::lenient::{LenientCount, count};
use crate::ids::NotificationId;

/// `PassNotification`, read and written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassNotification {
    /// Id (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<NotificationId>,
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
