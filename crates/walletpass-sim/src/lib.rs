//! Faithful local simulators of the three vendor APIs that walletpass speaks to, and of what
//! the self-hosted Apple backend talks to: APNs ([`apns`]) and a Wallet device ([`device`]).
//!
//! Each simulator is an axum server bound to a loopback address, with its state in memory,
//! built from the vendor's public documentation (`shared/vendor-docs/`): the same paths, auth
//! headers, status codes, error bodies, pagination and id formats. Any HTTP client (ours, curl,
//! the vendor's own SDKs) can talk to it.
//!
//! The knobs every simulator shares (latency, a requests-per-second limit answered the vendor's
//! way, seeded fault injection, a bounded request log, deviation switches) live in [`harness`];
//! [`variants`] varies a documented answer for the clients' robustness tests.

pub mod apns;
pub mod device;
pub mod harness;
pub mod passinstance;
pub mod passninja;
pub mod simulators;
pub mod tls;
pub mod ubpass;
pub mod variants;

pub use harness::{
    DEFAULT_REQUEST_LOG, Deviation, Fault, LoggedRequest, RequestLog, RunningSim, SimConfig,
    VendorResponses, serve,
};
pub use simulators::{SIMULATORS, Simulator, simulator};
