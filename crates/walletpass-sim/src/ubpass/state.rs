//! The simulator's in-memory state: workspaces holding passes, notifications and locations,
//! plus the uploaded files. Everything sits behind one mutex that is never held across an await.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::macros::format_description;

use super::model::{PassMetadata, UploadInfo};
use crate::harness::{AnswerCache, Deviation, SimConfig};

/// Which wallet an install is counted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Apple Wallet.
    Apple,
    /// Google Wallet.
    Google,
}

/// The read-only install counters of a pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstallCounts {
    /// `appleIssuedCount`.
    pub apple_issued: u32,
    /// `googleIssuedCount`.
    pub google_issued: u32,
    /// `appleActiveCount`.
    pub apple_active: u32,
    /// `googleActiveCount`.
    pub google_active: u32,
}

/// One stored wallet pass.
#[derive(Clone, Debug)]
pub struct StoredPass {
    /// Insertion order, the paging key.
    pub seq: u64,
    /// Pass id.
    pub id: String,
    /// Created at.
    pub created: OffsetDateTime,
    /// Updated at.
    pub updated: OffsetDateTime,
    /// Creator user id.
    pub created_by: String,
    /// Last updater user id.
    pub updated_by: String,
    /// `passName`.
    pub pass_name: String,
    /// `passMetadata`.
    pub metadata: PassMetadata,
    /// `uploadInfoList`.
    pub uploads: Vec<UploadInfo>,
    /// `notificationHeader`.
    pub notification_header: Option<String>,
    /// `passLinkSlug`.
    pub slug: String,
    /// `Draft` or `Published`.
    pub status: String,
    /// Until this instant an asynchronously created pass still reads as `Draft`.
    pub ready_at: Option<Instant>,
    /// `account`, as sent.
    pub account: Option<Map<String, Value>>,
    /// Install counters.
    pub counts: InstallCounts,
    /// Deleted, but still answering reads (only under `Deviation::DeletedAnswers200`).
    pub deleted: bool,
}

impl StoredPass {
    /// The status a reader sees now.
    pub fn visible_status(&self) -> &str {
        match self.ready_at {
            Some(at) if Instant::now() < at => "Draft",
            _ => &self.status,
        }
    }
}

/// One stored notification.
#[derive(Clone, Debug)]
pub struct StoredNotification {
    /// Paging key.
    pub seq: u64,
    /// Notification id.
    pub id: String,
    /// Created at.
    pub created: OffsetDateTime,
    /// Updated at.
    pub updated: OffsetDateTime,
    /// Creator.
    pub created_by: String,
    /// Pass id.
    pub pass_serial_number: String,
    /// `notificationName`.
    pub name: String,
    /// `notificationMessage`.
    pub message: Option<String>,
    /// Status, one of the schema's values.
    pub status: String,
    /// When a scheduled notification goes out.
    pub scheduled_time: Option<OffsetDateTime>,
    /// When it went out.
    pub published_time: Option<OffsetDateTime>,
    /// Until this instant a `Processing` notification stays `Processing`.
    pub processing_until: Option<Instant>,
    /// Apple devices reached.
    pub apple_sent: u32,
    /// Google devices reached.
    pub google_sent: u32,
}

/// One stored location (`/wallet-pass-location`).
#[derive(Clone, Debug)]
pub struct StoredLocation {
    /// Paging key.
    pub seq: u64,
    /// Location id.
    pub id: String,
    /// Created at.
    pub created: OffsetDateTime,
    /// Updated at.
    pub updated: OffsetDateTime,
    /// Creator.
    pub created_by: String,
    /// Name.
    pub name: String,
    /// Enabled.
    pub enabled: bool,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Altitude.
    pub altitude: Option<f64>,
    /// Lock-screen text.
    pub relevant_text: String,
    /// Pass id.
    pub pass_id: String,
}

/// One workspace and everything in it.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// The account passes default to.
    pub account_id: String,
    /// Passes in insertion order (ascending `seq`). Add them with [`Workspace::push_pass`] and
    /// remove them with [`Workspace::remove_pass`], which keep the id index in step.
    pub passes: Vec<StoredPass>,
    /// Pass id -> its `seq`, to find a pass by binary search instead of a scan.
    by_id: HashMap<String, u64>,
    /// Rendered `GET /wallet-pass/{id}` answers by pass `seq`: a pass's entry is dropped
    /// whenever the pass is borrowed mutably or removed, and the whole map when it reaches
    /// [`AnswerCache::CAPACITY`] entries, so it never outgrows a few MiB.
    answers: AnswerCache<u64>,
    /// Notifications in insertion order.
    pub notifications: Vec<StoredNotification>,
    /// Locations in insertion order.
    pub locations: Vec<StoredLocation>,
}

impl Workspace {
    /// The position in `passes` of the pass with this id (deleted or not).
    fn position(&self, id: &str) -> Option<usize> {
        let seq = *self.by_id.get(id)?;
        self.passes.binary_search_by_key(&seq, |p| p.seq).ok()
    }

    /// A live pass by id (a deleted one too when `include_deleted`).
    pub fn pass(&self, id: &str, include_deleted: bool) -> Option<&StoredPass> {
        self.position(id)
            .and_then(|at| self.passes.get(at))
            .filter(|p| include_deleted || !p.deleted)
    }

    /// A live pass by id, mutably (its cached answer is dropped: the caller may change it).
    pub fn pass_mut(&mut self, id: &str) -> Option<&mut StoredPass> {
        let at = self.position(id)?;
        let pass = self.passes.get_mut(at).filter(|p| !p.deleted)?;
        self.answers.forget(&pass.seq);
        Some(pass)
    }

    /// Add a pass; its `seq` must be above every stored one (as [`Store::next_seq`] hands out).
    pub fn push_pass(&mut self, pass: StoredPass) {
        self.by_id.insert(pass.id.clone(), pass.seq);
        self.answers.forget(&pass.seq);
        self.passes.push(pass);
    }

    /// The rendered read answer of the pass with `seq`, if one is kept.
    pub(crate) fn cached_answer(&self, seq: u64) -> Option<Bytes> {
        self.answers.get(&seq)
    }

    /// Keep the rendered read answer of the pass with `seq`.
    pub(crate) fn keep_answer(&mut self, seq: u64, answer: Bytes) {
        self.answers.keep(seq, answer);
    }

    /// Delete a live pass: kept as a tombstone that still answers reads when `keep_readable`,
    /// removed otherwise. False when there is no such live pass.
    pub fn remove_pass(&mut self, id: &str, keep_readable: bool) -> bool {
        let Some(at) = self.position(id).filter(|at| !self.passes[*at].deleted) else {
            return false;
        };
        self.answers.forget(&self.passes[at].seq);
        if keep_readable {
            self.passes[at].deleted = true;
        } else {
            self.passes.remove(at);
            self.by_id.remove(id);
        }
        true
    }

    /// The position of the first pass after the one with `seq` (the page start of a cursor).
    pub fn after(&self, seq: u64) -> usize {
        self.passes.partition_point(|p| p.seq <= seq)
    }

    /// Whether another live pass already uses `name` (names compare case-sensitively).
    pub fn name_taken(&self, name: &str, except_id: Option<&str>) -> bool {
        self.passes
            .iter()
            .any(|p| !p.deleted && p.pass_name == name && Some(p.id.as_str()) != except_id)
    }
}

/// A file received by one of the upload endpoints.
#[derive(Clone, Debug)]
pub struct StoredUpload {
    /// Original file name, when the upload carried one.
    pub file_name: Option<String>,
    /// The bytes (`None` while a pre-signed URL waits for its PUT).
    pub bytes: Option<Bytes>,
    /// Set by `/uploads/finalize/s3-copy`.
    pub finalized: bool,
}

/// The whole state.
#[derive(Debug, Default)]
pub struct Store {
    /// Workspaces by id.
    pub workspaces: BTreeMap<String, Workspace>,
    /// Uploads by key.
    pub uploads: HashMap<String, StoredUpload>,
    next_seq: u64,
}

impl Store {
    /// The next paging key.
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// A workspace, created empty on first use (every workspace a user is assigned exists).
    pub fn workspace(&mut self, id: &str) -> &mut Workspace {
        self.workspaces.entry(id.to_owned()).or_default()
    }
}

/// The state shared by every handler: the store and the harness configuration (deviations).
#[derive(Debug)]
pub struct SimState {
    store: Mutex<Store>,
    /// The configuration the simulator was started with.
    pub config: SimConfig,
}

impl SimState {
    /// Wrap a store.
    pub fn new(store: Store, config: SimConfig) -> Self {
        Self {
            store: Mutex::new(store),
            config,
        }
    }

    /// Lock the store. A poisoned lock only means a handler panicked; the data is still usable.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a deviation switch is on.
    pub fn deviates(&self, deviation: Deviation) -> bool {
        self.config.deviates(deviation)
    }
}

/// A new entity id (the vendor's ids are time-ordered UUIDs).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The vendor's timestamp format: ISO 8601 with milliseconds and `Z`
/// (`2025-09-24T03:57:23.123Z`). Written digit by digit: every pass answer carries two of
/// these, and the general formatter costs more than the rest of the answer's fields together.
/// Years outside 0..=9999 go through [`time`]'s formatter.
pub fn iso(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let Ok(year) = u16::try_from(at.year()) else {
        return iso_by_time(at);
    };
    if year > 9999 {
        return iso_by_time(at);
    }
    let mut out = String::with_capacity(24);
    // Each part zero-padded to its width, then the character that follows it.
    let mut part = |n: u16, width: u32, then: char| {
        for place in (0..width).rev() {
            let digit = (n / 10u16.pow(place)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(then);
    };
    part(year, 4, '-');
    part(u8::from(at.month()).into(), 2, '-');
    part(at.day().into(), 2, 'T');
    part(at.hour().into(), 2, ':');
    part(at.minute().into(), 2, ':');
    part(at.second().into(), 2, '.');
    part(at.millisecond(), 3, 'Z');
    out
}

fn iso_by_time(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_default()
}

/// Parse an RFC 3339 timestamp.
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        let at = time::macros::datetime!(2025-09-04 21:09:36.027 UTC);
        assert_eq!(iso(at), "2025-09-04T21:09:36.027Z");
        assert_eq!(parse_time("2025-09-04T21:09:36.027Z"), Some(at));
    }

    #[test]
    fn timestamps_written_by_hand_match_the_general_formatter() {
        use time::macros::{datetime, offset};
        let mut at = datetime!(0001-01-01 00:00:00.000999 UTC);
        let step = time::Duration::new(86_399 * 397 + 7, 123_456_789);
        for _ in 0..2_000 {
            assert_eq!(iso(at), iso_by_time(at));
            at += step;
        }
        let shifted = datetime!(2025-12-31 23:30:59.9999 UTC).to_offset(offset!(-5));
        assert_eq!(iso(shifted), "2025-12-31T23:30:59.999Z");
        assert_eq!(
            iso(datetime!(9999-12-31 23:59:59.999 UTC)),
            "9999-12-31T23:59:59.999Z"
        );
    }
}
