//! Storage: the [`Storage`] trait, every method the backend, the PassKit web service and the
//! push worker need, with the contract each implementation keeps, and [`SqliteStore`], the
//! embedded default (module `sqlite`). A second implementation
//! ([`PostgresStore`](crate::postgres::PostgresStore), for several `walletpass serve`
//! processes on one database) implements the same methods from these docs; the two share
//! their row decoding (the `rows` module) and differ only in SQL text and driver calls.
//!
//! Times are unix nanoseconds (`i128`); an implementation may keep them at microsecond
//! precision (both SQLite and PostgreSQL do), truncating, and must return what it kept.
//!
//! Three clocks of change are kept apart:
//! - `update_tag`: per pass, increases by one with every change to that pass (the tests of
//!   lost updates count on it);
//! - the **change sequence**: one counter for the whole store, given to a pass on its insert
//!   and on every change, so "which of this device's passes changed since tag `T`" is
//!   `change_seq > T` ([`Storage::serials_updated_since`], the web service's `lastUpdated`);
//! - `updated_at`: wall-clock time of the last change (the web service's `Last-Modified`).

pub(crate) mod concerns;
pub(crate) mod rows;
mod sqlite;

pub use sqlite::{MIGRATIONS, SqliteStore};

use secrecy::SecretString;
use walletpass_core::{
    PassContent, PassStatus, Result, Template, TemplateId, WebhookDelivery, WebhookEventKind,
    WebhookSubscription,
};

/// A stored pass.
#[derive(Clone, Debug, PartialEq)]
pub struct PassRow {
    /// Position in creation order (the list cursor).
    pub seq: u64,
    /// The serial number.
    pub serial: String,
    /// The template id.
    pub template: Option<String>,
    /// The status.
    pub status: PassStatus,
    /// The canonical content.
    pub content: PassContent,
    /// The `authenticationToken` (secret; never changes).
    pub auth_token: String,
    /// Increases by one with every change.
    pub update_tag: u64,
    /// Created, unix nanoseconds.
    pub created_at: i128,
    /// Last change, unix nanoseconds.
    pub updated_at: i128,
}

/// What a change to a pass writes.
#[derive(Clone, Debug)]
pub struct PassChange {
    /// The new status.
    pub status: PassStatus,
    /// The new content.
    pub content: PassContent,
}

/// Which passes a listing returns.
#[derive(Clone, Debug, Default)]
pub struct PassFilter {
    /// Only this template's.
    pub template: Option<String>,
    /// Only with this status.
    pub status: Option<String>,
    /// Serial contains this (case-insensitive).
    pub search: Option<String>,
}

/// A change function: `Ok(None)` leaves the row as it is (no new tag).
pub type ChangeFn<'a> = &'a mut dyn FnMut(&PassRow) -> Result<Option<PassChange>>;

/// A device registered for a pass's updates (PassKit web service, apple-wallet.md §3
/// "Register").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The `deviceLibraryIdentifier` from the path (a secret of the device).
    pub device_library_id: String,
    /// The APNs push token from the body (a secret: never logged).
    pub push_token: String,
    /// The `passTypeIdentifier` (the APNs topic).
    pub pass_type_id: String,
    /// The pass's serial number.
    pub serial: String,
    /// When it was registered, or registered again, unix nanoseconds.
    pub registered_at: i128,
}

/// What [`Storage::register_device`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// A new registration (the web service answers 201).
    Created,
    /// The device was already registered for the pass; its push token and `registered_at`
    /// were updated (200).
    Updated,
}

/// The answer of [`Storage::serials_updated_since`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdatedSerials {
    /// Serials of the device's passes (of the pass type) whose change sequence is greater
    /// than the tag asked about, in ascending serial order; empty when none.
    pub serials: Vec<String>,
    /// The greatest change sequence among them (0 when `serials` is empty): the next tag.
    pub last_updated: u64,
}

/// One claimed push: a device to wake for one pass type. At most one queued item exists per
/// (`push_token`, `pass_type_id`): changes to any of the device's passes of that type coalesce
/// into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushItem {
    /// The device's push token (secret: never logged).
    pub push_token: String,
    /// The pass type id: the APNs topic.
    pub pass_type_id: String,
    /// Bumped by every change queued for this device while the item exists; the claim took
    /// this value.
    pub generation: u64,
    /// Failed attempts so far ([`Storage::retry_push`] adds one).
    pub attempts: u32,
    /// The claim's lease: random, unique per claim; [`Storage::finish_push`] and
    /// [`Storage::retry_push`] act only while the item still holds this lease.
    pub lease: String,
    /// When the claim's lease ends, unix nanoseconds.
    pub lease_until: i128,
}

/// Where passes, templates, images, webhooks, device registrations and the push queue live.
///
/// Each method is one atomic transaction against the store; several processes may share one
/// store (SQLite file, PostgreSQL database) and each method keeps its contract under
/// concurrency.
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Insert a pass; `Err(existing)` when the serial is taken. The new pass takes the next
    /// change sequence (as [`Storage::update_pass`] does).
    fn insert_pass(&self, row: &PassRow) -> Result<std::result::Result<PassRow, PassRow>>;
    /// Read a pass.
    fn get_pass(&self, serial: &str) -> Result<Option<PassRow>>;
    /// Change a pass in one transaction; `None` when it is gone. Under a lock on the row (or
    /// the store), read it, call `change`; when it answers `Some`, write the new status and
    /// content with `update_tag + 1`, `updated_at` = max(now, the old `updated_at`), and the
    /// next change sequence, and in the same transaction queue a push for every device
    /// registered for the pass (the rules of the push queue are on [`Storage::claim_pushes`]):
    /// for each distinct (`push_token`, `pass_type_id`) of its registrations, insert an item
    /// with `generation` 1, `changed_at` now, no lease, or, when one exists, add one to its
    /// `generation` and, only when it is leased (lease not yet ended), set `changed_at` to
    /// now (so the change is pushed after the push in flight). When `change` answers `None`
    /// or an error, nothing is written (no tag, no push). Returns the row as stored.
    ///
    /// The change sequence is one counter for the store that increases by one per insert or
    /// change and is taken under a lock held to the commit (e.g. a one-row counter table
    /// updated in the transaction), so sequences become visible in increasing order: a
    /// reader that has seen sequence `S` never later sees a new change with a sequence `<= S`
    /// (a plain PostgreSQL `SEQUENCE` does not give that).
    fn update_pass(&self, serial: &str, change: ChangeFn<'_>) -> Result<Option<PassRow>>;
    /// Delete a pass and its device registrations; whether it existed.
    fn delete_pass(&self, serial: &str) -> Result<bool>;
    /// Up to `limit` passes after position `after`, in creation order.
    fn list_passes(&self, filter: &PassFilter, after: u64, limit: usize) -> Result<Vec<PassRow>>;
    /// Insert a template.
    fn insert_template(&self, template: &Template) -> Result<u64>;
    /// Read a template.
    fn get_template(&self, id: &str) -> Result<Option<Template>>;
    /// Up to `limit` templates after position `after`.
    fn list_templates(&self, after: u64, limit: usize) -> Result<Vec<(u64, Template)>>;
    /// Delete a template unless passes use it: `Ok(Err(count))` then.
    fn delete_template(&self, id: &str) -> Result<Option<std::result::Result<(), u64>>>;
    /// Store image bytes under `key` (idempotent).
    fn put_image(&self, key: &str, bytes: &[u8]) -> Result<()>;
    /// Read image bytes.
    fn get_image(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Insert a webhook subscription with its signing secret.
    fn insert_webhook(
        &self,
        subscription: &WebhookSubscription,
        secret: &SecretString,
    ) -> Result<()>;
    /// Read a subscription (without its secret).
    fn get_webhook(&self, id: &str) -> Result<Option<WebhookSubscription>>;
    /// Up to `limit` subscriptions after position `after`, of `template` when given.
    fn list_webhooks(
        &self,
        template: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WebhookSubscription)>>;
    /// Delete a subscription and its history; whether it existed.
    fn delete_webhook(&self, id: &str) -> Result<bool>;
    /// The active subscriptions that want `kind` about a pass of `template`: id, url, secret.
    fn webhooks_for(
        &self,
        kind: &WebhookEventKind,
        template: Option<&TemplateId>,
    ) -> Result<Vec<(String, String, SecretString)>>;
    /// Record one delivery attempt.
    fn add_delivery(&self, webhook: &str, delivery: &WebhookDelivery) -> Result<()>;
    /// Up to `limit` delivery attempts of a subscription after position `after`.
    fn list_deliveries(
        &self,
        webhook: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WebhookDelivery)>>;

    /// Register a device for a pass's updates, or register it again. `None` when no pass has
    /// `registration.serial` (nothing is written). A new (`device_library_id`,
    /// `pass_type_id`, `serial`) is stored as given: [`RegisterOutcome::Created`]. An existing
    /// one gets the new `push_token` and `registered_at`: [`RegisterOutcome::Updated`].
    fn register_device(&self, registration: &Registration) -> Result<Option<RegisterOutcome>>;
    /// Remove a device's registration for a pass; whether it existed.
    fn unregister_device(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        serial: &str,
    ) -> Result<bool>;
    /// The registrations for a pass, by `device_library_id`.
    fn registrations(&self, pass_type_id: &str, serial: &str) -> Result<Vec<Registration>>;
    /// How many devices are registered for the pass `serial` (its install count).
    fn count_registrations(&self, serial: &str) -> Result<u64>;
    /// Which of the passes of `pass_type_id` that `device_library_id` is registered for
    /// changed after tag `since`: those whose change sequence is `> since` (every pass when
    /// `since` is `None`). A device with no registration gets the empty answer.
    fn serials_updated_since(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<u64>,
    ) -> Result<UpdatedSerials>;
    /// Remove every registration of `push_token` for `pass_type_id` (APNs answered
    /// `Unregistered` or `BadDeviceToken`), except those registered again after
    /// `unless_registered_after` when it is given (APNs' `timestamp` of a 410), and the
    /// token's queued push when no registration is left. Returns the removed registrations.
    fn remove_push_token(
        &self,
        push_token: &str,
        pass_type_id: &str,
        unless_registered_after: Option<i128>,
    ) -> Result<Vec<Registration>>;
    /// Claim up to `limit` queued pushes, atomically: an item is claimable when its
    /// `changed_at <= ready_before` (the coalescing window has passed since the first change
    /// it holds), its retry time `<= now`, and it has no lease or its lease ended (`<=
    /// now`: the process that held it died or stalled). Each claimed item gets a new random
    /// `lease` and `lease_until`, so concurrent callers (threads, processes) never get the
    /// same item while its lease lasts (PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED`,
    /// then the update, in one transaction). Oldest `changed_at` first.
    fn claim_pushes(
        &self,
        now: i128,
        ready_before: i128,
        lease_until: i128,
        limit: usize,
    ) -> Result<Vec<PushItem>>;
    /// The push of a claimed item was sent (or given up): when the item still holds
    /// `item.lease` and its `generation` is still `item.generation`, delete it; when it
    /// holds the lease but a change came in since the claim (a greater `generation`), keep it
    /// with no lease, `attempts` 0 and no retry time, so that change is pushed (its
    /// `changed_at` was set by that change). When the lease is no longer the item's (it
    /// ended and another caller claimed it), do nothing. Whether the item held the lease.
    fn finish_push(&self, item: &PushItem) -> Result<bool>;
    /// The push of a claimed item failed and is to be tried again at `at` (unix
    /// nanoseconds): when the item still holds `item.lease`, drop the lease, set its retry
    /// time to `at` and add one to `attempts`; otherwise do nothing. Whether the item held
    /// the lease.
    fn retry_push(&self, item: &PushItem, at: i128) -> Result<bool>;
    /// How many pushes are queued (claimed or not): for readiness reports and tests.
    fn queued_pushes(&self) -> Result<u64>;
}
