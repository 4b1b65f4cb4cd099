//! Test support shared by the matrix, the command line's `demo` and `conformance`, the
//! migration tests, benches and examples: every backend of the vendor registry ready for the
//! suite ([`backend`]), a provider connected to its vendor's simulator
//! ([`connect_to_simulator`]), the same provider with wrong credentials
//! ([`wrong_credentials`]), the lookup over fixed variables ([`vars`]), and a throwaway
//! PostgreSQL database for the tests that need one ([`postgres`]). Quick retries are
//! [`RetryPolicy::quick`](walletpass::http::RetryPolicy::quick).

mod backend;
pub mod postgres;
mod simulated;

pub use backend::{Backend, SUITE_FIELDS, backend, suite_template};
pub use simulated::{Simulated, connect_to_simulator, simulator_config, wrong_credentials};
pub use walletpass::vendor::vars;
