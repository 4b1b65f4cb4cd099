//! The knobs every simulator shares: added latency, a requests-per-second limit answered the
//! vendor's way, seeded fault injection (5xx answers and dropped responses), a bounded request
//! log for assertions (the last [`SimConfig::request_log`] requests, with exact counters over all
//! of them), deviation switches, and starting a router on a loopback port.
//!
//! A vendor simulator builds its axum `Router` and hands it to [`serve()`] together with its
//! [`VendorResponses`] (how that vendor words a 429 and a 5xx); everything else is here: the
//! settings and switches in this module, the request log in `request_log`, the read-answer cache in `answer_cache`, the serving layer in
//! `serve`.

mod answer_cache;
mod request_log;
mod serve;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

pub(crate) use answer_cache::AnswerCache;
pub use request_log::{LoggedRequest, RequestLog};
pub(crate) use serve::serve_app;
pub use serve::{RunningSim, VendorResponses, serve};

/// How many requests the log keeps by default: enough for any test's assertions, small enough
/// (a few MiB with bodies) that a simulator under load for days keeps a flat memory.
pub const DEFAULT_REQUEST_LOG: usize = 4096;

/// Settings shared by every simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to bind; the default `127.0.0.1:0` picks a free loopback port.
    pub addr: SocketAddr,
    /// Latency added before every answer.
    pub latency: Duration,
    /// Requests per second accepted before the vendor's 429 answer; `None` is unlimited.
    pub rps: Option<f64>,
    /// Share of requests (0.0..=1.0) answered with the vendor's 5xx before they are handled.
    pub fault_rate: f64,
    /// Share of requests (0.0..=1.0) that are handled but whose response is cut off mid-way,
    /// as when a connection drops after the vendor applied the change.
    pub drop_rate: f64,
    /// Seed of the fault injector, so a run can be repeated.
    pub seed: u64,
    /// Vendor-plausible mistakes switched on, for proving that the conformance suite bites.
    pub deviations: BTreeSet<Deviation>,
    /// How many of the latest requests the [`RequestLog`] keeps, with headers and body (older
    /// ones are dropped; the counters cover every request). 0 keeps none.
    pub request_log: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
            rps: None,
            fault_rate: 0.0,
            drop_rate: 0.0,
            seed: 0,
            deviations: BTreeSet::new(),
            request_log: DEFAULT_REQUEST_LOG,
        }
    }
}

impl SimConfig {
    /// Whether a deviation switch is on.
    pub fn deviates(&self, deviation: Deviation) -> bool {
        self.deviations.contains(&deviation)
    }
}

/// One vendor-plausible mistake a simulator can be told to make.
///
/// Each simulator implements the switches that make sense for its vendor; the conformance suite
/// must report a failure for each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Deviation {
    /// A stored field is missing when the pass is read back.
    DropFieldOnRead,
    /// A partial update answers success but changes nothing.
    IgnorePatch,
    /// A partial update reverts the fields it did not name.
    RevertUntouchedOnPatch,
    /// A list page boundary skips one item.
    SkipItemAcrossPages,
    /// A list page boundary repeats one item.
    RepeatItemAcrossPages,
    /// A deleted pass still answers 200 on read.
    DeletedAnswers200,
    /// An unknown field key is answered with the wrong error code.
    WrongErrorForBadKey,
    /// Webhook deliveries are signed with a secret other than the subscriber's.
    WrongWebhookSecret,
    /// The barcode is lost on read.
    LoseBarcode,
    /// A field's label changes on read.
    ChangeLabel,
    /// Search ignores case sensitivity rules and returns nothing.
    SearchFindsNothing,
    /// Invalid credentials are accepted.
    AcceptBadCredentials,
    /// A listed pass lacks a field that a read of the same pass has (a listing served from a
    /// stale or partial index).
    ListDropsField,
}

impl Deviation {
    /// Every switch, for tests that turn each on in turn.
    pub const ALL: [Deviation; 13] = [
        Deviation::DropFieldOnRead,
        Deviation::IgnorePatch,
        Deviation::RevertUntouchedOnPatch,
        Deviation::SkipItemAcrossPages,
        Deviation::RepeatItemAcrossPages,
        Deviation::DeletedAnswers200,
        Deviation::WrongErrorForBadKey,
        Deviation::WrongWebhookSecret,
        Deviation::LoseBarcode,
        Deviation::ChangeLabel,
        Deviation::SearchFindsNothing,
        Deviation::AcceptBadCredentials,
        Deviation::ListDropsField,
    ];

    /// The switches that change what a read of a pass answers (the simulators render such
    /// reads each time instead of serving a kept answer).
    pub(crate) const ON_READ: [Deviation; 3] = [
        Deviation::DropFieldOnRead,
        Deviation::LoseBarcode,
        Deviation::ChangeLabel,
    ];
}

/// Which kind of fault the injector chose for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answered with the vendor's 5xx before the request was handled.
    ServerError,
    /// Handled, then the response was cut off.
    DropResponse,
}
