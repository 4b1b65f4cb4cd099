//! Push notifications, as inherent methods of [`Ubpass`], each addressed by its
//! [`NotificationId`]: create, list (a core [`Page`]), get, update (only
//! `Draft` or `Scheduled` ones), delete (same rule; the vendor answers `INVALID_OPERATION`
//! otherwise, a [`Conflict`](walletpass_core::ErrorKind::Conflict)) and stats (alone, or
//! embedded in the notification with `includeStats`).
//!
//! Statuses as the spec gives them: written `Draft`, `Processing` (send now; also what an absent
//! status means) or `Scheduled` (with `scheduledTime`); read back any of
//! [`NOTIFICATION_STATUSES`](crate::NOTIFICATION_STATUSES).
//!
//! ```no_run
//! # async fn demo(ubpass: walletpass_ubpass::Ubpass) -> walletpass_core::Result<()> {
//! use walletpass_ubpass::{NotificationId, PassNotification};
//! let draft = ubpass
//!     .create_notification(&PassNotification {
//!         pass_serial_number: Some("1f089d37-5ebe-6778-af59-99631cec7ab5".into()),
//!         notification_name: Some("VIP Member Update".into()),
//!         notification_message: Some("Your VIP benefits have been updated!".into()),
//!         status: Some("Draft".into()),
//!         ..PassNotification::default()
//!     })
//!     .await?;
//! let id: NotificationId = draft.id.unwrap_or("1f089d37-5ebe-6778-af59-99631cec7ab5".parse()?);
//! let stats = ubpass.notification_stats(&id, None, None).await?;
//! println!("sent to {:?} devices", stats.sent());
//! ubpass.delete_notification(&id).await?;
//! # Ok(()) }
//! ```

use walletpass_core::http::Method;
use walletpass_core::paging;
use walletpass_core::{Cursor, Error, Operation, Page, PassId, Result, ResultExt};

use crate::PROVIDER;
use crate::client::{MAX_PAGE_SIZE, Ubpass, page_of};
use crate::ids::{NotificationId, check_id, join_ids};
use crate::wire::{NotificationStats, PagedList, PassNotification};

/// The statuses a caller may write.
pub const WRITABLE_NOTIFICATION_STATUSES: [&str; 3] = ["Draft", "Processing", "Scheduled"];

/// The filters of `GET /wallet-pass/notifications`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NotificationQuery {
    /// Case-insensitive search in the name.
    pub query: Option<String>,
    /// Where to continue, from a previous page's `next`.
    pub cursor: Option<Cursor>,
    /// Page size: 0 is refused, more than [`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) is cut to it.
    pub limit: Option<u32>,
    /// Only notifications of these passes (each checked against `^[a-zA-Z0-9-_]+$`, so that
    /// none can split the comma-separated filter).
    pub pass_serial_numbers: Vec<PassId>,
    /// Only these statuses (`Draft`, `Scheduled`, `Processing`, `Published`, `Failed`).
    pub status: Vec<String>,
    /// Only these notifications.
    pub ids: Vec<NotificationId>,
}

const CREATE: Operation = Operation::Vendor("notification.create");
const LIST: Operation = Operation::Vendor("notification.list");
const GET: Operation = Operation::Vendor("notification.get");
const UPDATE: Operation = Operation::Vendor("notification.update");
const DELETE: Operation = Operation::Vendor("notification.delete");
const STATS: Operation = Operation::Vendor("notification.stats");

fn invalid(op: Operation, field: &str, why: &str) -> Error {
    Error::invalid_field(field, why).at(PROVIDER, op)
}

fn check_written(op: Operation, n: &PassNotification) -> Result<()> {
    if let Some(status) = n.status.as_deref() {
        if !WRITABLE_NOTIFICATION_STATUSES.contains(&status) {
            return Err(invalid(
                op,
                "status",
                "must be Draft, Processing or Scheduled",
            ));
        }
        if status == "Scheduled" && n.scheduled_time.is_none() {
            return Err(invalid(
                op,
                "scheduledTime",
                "is required when status is Scheduled",
            ));
        }
    }
    if n.notification_message
        .as_deref()
        .is_some_and(|m| m.trim().is_empty())
    {
        return Err(invalid(op, "notificationMessage", "must not be empty"));
    }
    Ok(())
}

impl Ubpass {
    /// `POST /wallet-pass/notifications` → 201.
    pub async fn create_notification(&self, n: &PassNotification) -> Result<PassNotification> {
        match n.pass_serial_number.as_deref() {
            None => return Err(invalid(CREATE, "passSerialNumber", "must not be null")),
            Some(id) => check_id("passSerialNumber", id).at(PROVIDER, CREATE)?,
        }
        if n.notification_name
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
        {
            return Err(invalid(CREATE, "notificationName", "must not be null"));
        }
        if n.notification_message.is_none() {
            return Err(invalid(CREATE, "notificationMessage", "must not be empty"));
        }
        check_written(CREATE, n)?;
        self.http
            .request(CREATE, Method::POST, &["wallet-pass", "notifications"])
            .json(n)
            .send_json()
            .await
    }

    /// `GET /wallet-pass/notifications`.
    pub async fn list_notifications(
        &self,
        q: &NotificationQuery,
    ) -> Result<Page<PassNotification>> {
        let limit = paging::page_size(q.limit, Some(MAX_PAGE_SIZE)).at(PROVIDER, LIST)?;
        let passes = join_ids("passSerialNumber", &q.pass_serial_numbers).at(PROVIDER, LIST)?;
        let ids = join_ids("ids", &q.ids).at(PROVIDER, LIST)?;
        let page: PagedList<PassNotification> = self
            .http
            .request(LIST, Method::GET, &["wallet-pass", "notifications"])
            .query_opt("query", q.query.as_deref())
            .query_opt("cursor", q.cursor.as_ref())
            .query_opt("limit", limit)
            .query_opt("passSerialNumber", passes)
            .query_opt("status", (!q.status.is_empty()).then(|| q.status.join(",")))
            .query_opt("ids", ids)
            .send_json()
            .await?;
        page_of(page).at(PROVIDER, LIST)
    }

    /// `GET /wallet-pass/notifications/{id}`.
    pub async fn get_notification(&self, id: &NotificationId) -> Result<PassNotification> {
        self.http
            .request(
                GET,
                Method::GET,
                &["wallet-pass", "notifications", id.as_str()],
            )
            .resource(id.as_str())
            .send_json()
            .await
    }

    /// `GET /wallet-pass/notifications/{id}?includeStats=true`: the notification with its
    /// statistics embedded as `notificationStats`, their link figures paged by
    /// `notificationStatsCursor` (a numeric offset) and `notificationStatsLimit` (1–20).
    pub async fn get_notification_with_stats(
        &self,
        id: &NotificationId,
        stats_cursor: Option<u32>,
        stats_limit: Option<u32>,
    ) -> Result<PassNotification> {
        if let Some(limit) = stats_limit
            && !(1..=20).contains(&limit)
        {
            return Err(invalid(
                GET,
                "notificationStatsLimit",
                "must be between 1 and 20",
            ));
        }
        self.http
            .request(
                GET,
                Method::GET,
                &["wallet-pass", "notifications", id.as_str()],
            )
            .query("includeStats", "true")
            .query_opt("notificationStatsCursor", stats_cursor)
            .query_opt("notificationStatsLimit", stats_limit)
            .resource(id.as_str())
            .send_json()
            .await
    }

    /// `PATCH /wallet-pass/notifications/{id}`: the given properties replace the stored ones.
    pub async fn update_notification(
        &self,
        id: &NotificationId,
        n: &PassNotification,
    ) -> Result<PassNotification> {
        check_written(UPDATE, n)?;
        self.http
            .request(
                UPDATE,
                Method::PATCH,
                &["wallet-pass", "notifications", id.as_str()],
            )
            .json(n)
            .resource(id.as_str())
            .send_json()
            .await
    }

    /// `DELETE /wallet-pass/notifications/{id}` → 204.
    pub async fn delete_notification(&self, id: &NotificationId) -> Result<()> {
        self.http
            .request(
                DELETE,
                Method::DELETE,
                &["wallet-pass", "notifications", id.as_str()],
            )
            .resource(id.as_str())
            .send()
            .await
            .map(|_| ())
    }

    /// `GET /wallet-pass/notifications/{id}/stats` (`cursor` is a numeric offset here).
    pub async fn notification_stats(
        &self,
        id: &NotificationId,
        cursor: Option<u32>,
        limit: Option<u32>,
    ) -> Result<NotificationStats> {
        self.http
            .request(
                STATS,
                Method::GET,
                &["wallet-pass", "notifications", id.as_str(), "stats"],
            )
            .query_opt("cursor", cursor)
            .query_opt("limit", limit)
            .resource(id.as_str())
            .send_json()
            .await
    }
}
