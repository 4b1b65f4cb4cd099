//! The HTTP plumbing every backend uses, written once: one `reqwest::Client` per provider, base
//! URLs that must be https (plain http only to loopback), auth headers kept secret, per-request
//! timeouts, retry with backoff and jitter within a time budget, `Retry-After`, an optional
//! requests-per-second limiter, a backend hook that turns an error answer into [`Error`], and
//! `tracing` spans that never carry secrets.
//!
//! [`Error`]: crate::Error

mod auth;
mod base_url;
mod client;
pub mod decode;
mod options;
mod retry;

pub use auth::AuthHeaders;
pub use base_url::{
    BaseUrl, check_segment, check_url_scheme, is_loopback_url, shown_url, shown_url_text,
};
pub use client::{ApiResponse, ErrorParser, HttpClient, HttpClientBuilder, RequestBuilder};
#[doc(hidden)]
pub use decode::ObjectKey;
pub use options::HttpOptions;
pub use reqwest::Method;
pub use retry::RetryPolicy;
