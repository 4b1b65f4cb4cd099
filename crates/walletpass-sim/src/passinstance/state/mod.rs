//! The simulator's in-memory state: [`Sim`], shared by every handler, holding the [`Store`]
//! behind one lock, the webhook deliveries and the delivery client; ids and times as the
//! vendor writes them. The records are in `records`, the store and its indexes in `store`, the
//! answer of a pass in `view`, the operations handlers and batch jobs share in `ops`.

mod ops;
mod records;
mod store;
mod view;

use std::sync::{Mutex, MutexGuard, OnceLock};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use records::{
    BatchRecord, BatchStatus, BundleRecord, NotificationRecord, PassRecord, TemplateRecord,
    WebhookRecord,
};
pub use store::Store;
pub use view::{PassView, status_of};

use super::webhooks::DeliveryRecord;
use crate::harness::{Deviation, SimConfig};

/// The shared state of one running simulator.
#[derive(Debug)]
pub struct Sim {
    /// The harness settings (for deviation switches).
    pub config: SimConfig,
    store: Mutex<Store>,
    /// Every webhook delivery attempt.
    pub deliveries: Mutex<Vec<DeliveryRecord>>,
    /// How many emitted deliveries have not finished yet (see `webhooks::InFlight`).
    pub deliveries_in_flight: tokio::sync::watch::Sender<usize>,
    /// The client deliveries are sent with.
    pub http: reqwest::Client,
    /// `http://host:port` as first seen in a request's `Host`, for download links.
    pub origin: OnceLock<String>,
}

/// The current time, to the millisecond.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(now)
}

/// RFC 3339 text of a time.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A new id: `prefix` + 16 lower-case hex digits, like `tpl_abcdef1234567890`.
pub fn new_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}", &hex[..16])
}

impl Sim {
    /// Fresh state for `config`.
    pub fn new(config: SimConfig) -> Self {
        Self {
            config,
            store: Mutex::new(Store::default()),
            deliveries: Mutex::new(Vec::new()),
            deliveries_in_flight: tokio::sync::watch::Sender::new(0),
            http: reqwest::Client::new(),
            origin: OnceLock::new(),
        }
    }

    /// Lock the store. A poisoned lock only means a handler panicked; the data is still usable.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a deviation switch is on.
    pub fn deviates(&self, deviation: Deviation) -> bool {
        self.config.deviates(deviation)
    }

    fn origin(&self) -> &str {
        self.origin
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }
}
