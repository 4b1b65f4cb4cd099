//! Push notifications (`GET /push-notifications`, `POST /push-notifications`): a message shown
//! on the devices holding a pass, or every pass of a bundle (assumption A13 for the shapes).

use time::OffsetDateTime;
use walletpass_core::http::Method;
use walletpass_core::{Error, ErrorKind, ListQuery, Operation, Page, PassId, ResultExt};

use crate::PROVIDER;
use crate::client::Passinstance;
use crate::convert::parse_date;
use crate::ids::{BundleId, NotificationId, answered_id};
use crate::wire::{NotificationBody, WireNotification};

const SEND: Operation = Operation::Vendor("send_notification");
const LIST: Operation = Operation::Vendor("list_notifications");

/// Who a notification goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationTarget {
    /// The devices holding one pass (its id, `pass_...`).
    Pass(PassId),
    /// The devices holding any pass of a bundle.
    Bundle(BundleId),
}

/// A push notification as the vendor keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// Its id.
    pub id: NotificationId,
    /// Who it went to, when the vendor says.
    pub target: Option<NotificationTarget>,
    /// The message.
    pub message: Option<String>,
    /// The vendor's delivery status word (`sent`, ...).
    pub status: Option<String>,
    /// How many passes it went to.
    pub recipients: Option<u64>,
    /// When it was sent.
    pub created_at: Option<OffsetDateTime>,
}

fn notification_from_wire(wire: WireNotification) -> Result<Notification, Error> {
    let target = match (wire.pass_id, wire.bundle_id) {
        (Some(p), _) => Some(NotificationTarget::Pass(answered_id("passId", p)?)),
        (None, Some(b)) => Some(NotificationTarget::Bundle(answered_id("bundleId", b)?)),
        (None, None) => None,
    };
    Ok(Notification {
        id: answered_id("id", wire.id)?,
        target,
        message: wire.message,
        status: wire.status,
        recipients: wire.recipients,
        created_at: wire
            .created_at
            .as_deref()
            .map(|t| parse_date("createdAt", t))
            .transpose()?,
    })
}

impl Passinstance {
    /// Send `message` to a pass or a bundle (`POST /push-notifications`). Not retried after an
    /// ambiguous failure, so a message is never shown twice.
    pub async fn send_notification(
        &self,
        target: NotificationTarget,
        message: impl Into<String>,
    ) -> Result<Notification, Error> {
        let message = message.into();
        if message.trim().is_empty() {
            return Err(
                Error::invalid_field("message", "a notification needs a message")
                    .at(PROVIDER, SEND),
            );
        }
        let (pass_id, bundle_id) = match &target {
            NotificationTarget::Pass(p) => (Some(p.to_string()), None),
            NotificationTarget::Bundle(b) => (None, Some(b.to_string())),
        };
        let wire: WireNotification = self
            .http
            .request(SEND, Method::POST, &["push-notifications"])
            .json(&NotificationBody {
                pass_id,
                bundle_id,
                message,
            })
            .send_json()
            .await?;
        notification_from_wire(wire).at(PROVIDER, SEND)
    }

    /// One page of sent notifications (`GET /push-notifications`); `query.cursor` and
    /// `query.page_size` apply.
    pub async fn list_notifications(&self, query: &ListQuery) -> Result<Page<Notification>, Error> {
        if query.template.is_some() || query.search.is_some() || query.status.is_some() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "notifications are listed whole: template, search and status filters do not apply",
            )
            .at(PROVIDER, LIST));
        }
        let page: Page<WireNotification> = self
            .list_page(LIST, &["push-notifications"], query, &[])
            .await?;
        page.try_map(notification_from_wire).at(PROVIDER, LIST)
    }
}
