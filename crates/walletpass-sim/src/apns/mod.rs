//! A simulated Apple Push Notification service for Wallet passes, written from
//! `shared/vendor-docs/apple-wallet.md` §4 alone: HTTP/2 over TLS (a test certificate from
//! [`TestTls`](crate::tls::TestTls)) on loopback, `POST /3/device/<token>`.
//!
//! It checks, in this order, and answers as APNs does (status, `{"reason": ...}`):
//! 1. the path and method (404 `BadPath`, 405 `MethodNotAllowed`);
//! 2. authentication: a provider token (`authorization: bearer <ES256 JWT>` whose `kid` is a
//!    key it knows, `iss` that key's team, `iat` within the hour: else 403
//!    `InvalidProviderToken` / `ExpiredProviderToken`), or a TLS client certificate it was
//!    told to accept (else 403 `BadCertificate`); neither: 403 `MissingProviderToken`;
//! 3. the topic: `apns-topic` present (400 `MissingTopic`) and allowed for that certificate
//!    (its UID) or key (400 `TopicDisallowed`);
//! 4. the device token: 64 hex characters (400 `BadDeviceToken`), not marked unregistered
//!    (410 `Unregistered` with a `timestamp`) or bad;
//! 5. the body: a JSON dictionary of at most 4 KiB (413 `PayloadTooLarge`, 400 `BadPayload`).
//!
//! Then 200, the push is recorded ([`ApnsState::pushes`]) and delivered to the simulated
//! device holding that token ([`ApnsState::connect_device`]). Fault knobs: answer the next
//! pushes 429 `TooManyRequests` or 5xx ([`ApnsState::fail_next`]), mark tokens unregistered
//! or bad, and hold valid pushes unanswered ([`ApnsState::hold_pushes`]) until released: a
//! held push whose connection closes first (its sender died) is never recorded nor
//! delivered, as a request APNs never finished taking.

mod auth;
mod server;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, mpsc};

pub use auth::TokenKey;
pub use server::RunningApns;

/// How a recorded push authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushAuth {
    /// A TLS client certificate with this subject UID.
    Certificate(String),
    /// A provider token with this key id.
    Token(String),
}

/// One accepted push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedPush {
    /// The device token from the path.
    pub device_token: String,
    /// The `apns-topic`.
    pub topic: String,
    /// How it authenticated.
    pub auth: PushAuth,
    /// The body.
    pub body: serde_json::Value,
}

/// What the simulator is told before it starts.
#[derive(Clone, Debug, Default)]
pub struct ApnsOptions {
    /// Client certificates (DER) accepted for certificate authentication, each allowing the
    /// topic of its subject UID.
    pub client_certificates: Vec<Vec<u8>>,
    /// Provider token keys accepted for token authentication.
    pub token_keys: Vec<TokenKey>,
}

/// The simulator's state, shared with tests.
#[derive(Debug, Default)]
pub struct ApnsState {
    inner: Mutex<Inner>,
    released: Notify,
    held: AtomicUsize,
}

#[derive(Debug, Default)]
struct Inner {
    pushes: Vec<RecordedPush>,
    faults: VecDeque<(u16, &'static str)>,
    unregistered: HashMap<String, i64>,
    bad: HashSet<String>,
    devices: HashMap<String, mpsc::UnboundedSender<String>>,
    answered: Vec<u16>,
    hold: bool,
}

impl ApnsState {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock means a test thread panicked; the data is still usable for reports.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every accepted push, in order.
    pub fn pushes(&self) -> Vec<RecordedPush> {
        self.lock().pushes.clone()
    }

    /// How many pushes were accepted (the length of [`pushes`](Self::pushes), without the
    /// copy).
    pub fn push_count(&self) -> usize {
        self.lock().pushes.len()
    }

    /// Every status answered, accepted or not, in order.
    pub fn answered(&self) -> Vec<u16> {
        self.lock().answered.clone()
    }

    /// Answer the next `count` valid pushes with `status` (429 `TooManyRequests`, 500
    /// `InternalServerError` or 503 `ServiceUnavailable`).
    pub fn fail_next(&self, count: usize, status: u16) {
        let reason = match status {
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            _ => "InternalServerError",
        };
        let mut inner = self.lock();
        inner
            .faults
            .extend(std::iter::repeat_n((status, reason), count));
    }

    /// From now on answer pushes to `device_token` 410 `Unregistered`, with the current time
    /// as the `timestamp` (the device removed the app... here: the pass's Wallet).
    pub fn unregister(&self, device_token: &str) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        self.lock()
            .unregistered
            .insert(device_token.to_owned(), now as i64);
    }

    /// From now on answer pushes to `device_token` 400 `BadDeviceToken`.
    pub fn mark_bad(&self, device_token: &str) {
        self.lock().bad.insert(device_token.to_owned());
    }

    /// From now on keep valid pushes waiting, unanswered and unrecorded, until
    /// [`release_pushes`](Self::release_pushes).
    pub fn hold_pushes(&self) {
        self.lock().hold = true;
    }

    /// Let the held pushes (and the next ones) through.
    pub fn release_pushes(&self) {
        self.lock().hold = false;
        self.released.notify_waiters();
    }

    /// How many pushes are held now (a push whose connection closed is no longer held).
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// Wait while pushes are held; counted in [`held`](Self::held) meanwhile, also when the
    /// wait is dropped with its connection.
    async fn wait_while_held(&self) {
        struct Counted<'a>(&'a AtomicUsize);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let mut counted = None;
        loop {
            let released = self.released.notified();
            if !self.lock().hold {
                return;
            }
            if counted.is_none() {
                self.held.fetch_add(1, Ordering::SeqCst);
                counted = Some(Counted(&self.held));
            }
            released.await;
        }
    }

    /// The pushes (their topics) to `device_token`, as a device receives them.
    pub fn connect_device(&self, device_token: &str) -> mpsc::UnboundedReceiver<String> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().devices.insert(device_token.to_owned(), tx);
        rx
    }
}

/// Start the simulator on `127.0.0.1:0` with a new test certificate.
pub async fn start(options: ApnsOptions) -> Result<RunningApns, String> {
    server::start(options, Arc::new(ApnsState::default())).await
}
