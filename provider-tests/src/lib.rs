//! The walletpass conformance suite: the same scenarios on every backend.
//!
//! Each scenario is an `async fn` over `&dyn WalletProvider` that declares the capabilities it
//! needs; [`run_suite`] runs every scenario the provider's capabilities allow, reports the
//! others as skipped with the missing capability, and returns a [`Report`] printable as a table
//! or as JSON. Scenarios also return canonical *observations* (passes with ids, serials, links
//! and timestamps left out): they are compared against one expected snapshot per scenario,
//! shared by every backend, so equivalence between backends holds by construction.
//!
//! ```no_run
//! # async fn demo() {
//! use std::sync::Arc;
//! use walletpass_core::MemoryProvider;
//! let report = provider_tests::run_suite(
//!     Arc::new(MemoryProvider::new()),
//!     provider_tests::SuiteOptions::default(),
//! )
//! .await;
//! println!("{}", report.to_table());
//! assert!(!report.has_failures());
//! # }
//! ```

mod context;
mod expected;
mod report;
pub mod scenarios;
mod view;

use std::sync::Arc;
use std::time::Instant;

use walletpass_core::WalletProvider;

pub use context::{Ctx, Fixture};
pub use expected::expected_snapshot;
pub use report::{Outcome, Report, ScenarioResult};
pub use scenarios::{Observation, Scenario, all_scenarios};
pub use view::canonical_view;

/// How to run the suite.
#[derive(Clone, Default)]
pub struct SuiteOptions {
    /// What the backend needs for the scenarios (template, ids, credentials).
    pub fixture: Fixture,
    /// Compare observations with the expected shared snapshots built into this crate. The
    /// `cargo test` matrix turns this off and lets insta compare (and update) the same files.
    pub skip_snapshot_check: bool,
    /// Run only scenarios whose name contains one of these.
    pub only: Vec<String>,
}

/// Run every scenario the provider's capabilities allow, then delete what the run created.
pub async fn run_suite(provider: Arc<dyn WalletProvider>, options: SuiteOptions) -> Report {
    let ctx = Ctx::new(provider.clone(), options.fixture.clone());
    let mut results = Vec::new();
    for scenario in all_scenarios() {
        if !options.only.is_empty()
            && !options
                .only
                .iter()
                .any(|o| scenario.name.contains(o.as_str()))
        {
            continue;
        }
        let started = Instant::now();
        let outcome = match scenario.missing(provider.capabilities(), &ctx.fixture) {
            Some(missing) => Outcome::Skipped { missing },
            None => match (scenario.run)(&ctx).await {
                Ok(observations) => {
                    let mismatch = if options.skip_snapshot_check {
                        None
                    } else {
                        observations
                            .iter()
                            .find_map(|o| expected::check(scenario.name, o))
                    };
                    match mismatch {
                        Some(reason) => Outcome::Failed {
                            reason,
                            observations,
                        },
                        None => Outcome::Passed { observations },
                    }
                }
                Err(reason) => Outcome::Failed {
                    reason,
                    observations: Vec::new(),
                },
            },
        };
        results.push(ScenarioResult {
            scenario: scenario.name.to_owned(),
            outcome,
            millis: started.elapsed().as_millis() as u64,
        });
    }
    ctx.cleanup().await;
    Report {
        provider: provider.name().to_owned(),
        results,
    }
}
