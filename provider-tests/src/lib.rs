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
pub mod discover;
mod expected;
pub mod receiver;
mod report;
pub mod scenarios;
pub mod support;
mod view;

use std::sync::Arc;
use std::time::Instant;

use walletpass_core::WalletProvider;

pub use context::{Ctx, Fixture, FixtureFields, FixtureKey, Role};
pub use discover::{TemplateChoice, TemplateProblem, choose_template, inspect_template};
pub use expected::expected_snapshot;
pub use receiver::{Receiver, TestTls, TlsIdentity};
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
    /// Notes for the report (which template was chosen and why).
    pub notes: Vec<String>,
}

/// The names of every scenario, in suite order.
pub fn scenario_names() -> Vec<&'static str> {
    all_scenarios().iter().map(|s| s.name).collect()
}

/// The entries of `only` that match no scenario (each entry matches the scenarios whose name
/// contains it).
pub fn unknown_only(only: &[String]) -> Vec<String> {
    let names = scenario_names();
    only.iter()
        .filter(|o| !names.iter().any(|n| n.contains(o.as_str())))
        .cloned()
        .collect()
}

/// What the run does not compare, from the fixture and the capabilities.
fn not_compared(provider: &dyn WalletProvider, fixture: &Fixture) -> Vec<String> {
    let caps = provider.capabilities();
    let mut out = Vec::new();
    if fixture.template.is_some() && !fixture.fields.labels_compared {
        out.push(format!(
            "field labels{}: {} keeps them on the template and its API does not return them, so values are written without labels and compared without them (declare the template's labels with --field-specs FILE to compare them too)",
            if caps.fixed_layout { " and placements" } else { "" },
            provider.name()
        ));
    }
    if !fixture.fields.others.is_empty() {
        let keys: Vec<String> = fixture
            .fields
            .others
            .iter()
            .map(|(k, _)| k.to_string())
            .collect();
        out.push(format!(
            "the template's other keys ({}): written with fixed values on every pass and compared as written, but not against the shared snapshots",
            keys.join(", ")
        ));
    }
    out
}

/// Run every scenario the provider's capabilities allow, then delete what the run created.
pub async fn run_suite(provider: Arc<dyn WalletProvider>, options: SuiteOptions) -> Report {
    let ctx = Ctx::new(provider.clone(), options.fixture.clone());
    let mut notes = options.notes.clone();
    notes.extend(provider.capabilities().notes.iter().cloned());
    let not_compared = not_compared(provider.as_ref(), &ctx.fixture);
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
            Some(missing) => Outcome::Skipped {
                for_want_of_template: missing.starts_with(scenarios::A_TEMPLATE),
                missing,
            },
            None => match (scenario.run)(&ctx).await {
                Ok(observations) => {
                    let mismatch = if options.skip_snapshot_check {
                        None
                    } else {
                        observations
                            .iter()
                            .find_map(|o| expected::check(scenario.name, o, &ctx.fixture.fields))
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
    let left_behind = ctx.cleanup().await;
    Report {
        provider: provider.name().to_owned(),
        notes,
        not_compared,
        results,
        left_behind,
    }
}
