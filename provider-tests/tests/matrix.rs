//! The conformance matrix: every scenario on every backend, with one shared snapshot per
//! scenario (no per-backend suffixes), so that backends are compared by construction.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod backends;

use provider_tests::{Outcome, Report, SuiteOptions, run_suite};

/// Snapshot every observation under its shared name, and fail on any failed scenario.
fn judge(report: &Report) {
    println!("{}", report.to_table());
    for result in &report.results {
        if let Outcome::Passed { observations } = &result.outcome {
            for o in observations {
                insta::assert_json_snapshot!(o.name.as_str(), o.value);
            }
        }
    }
    let failures: Vec<_> = report.failures().collect();
    assert!(
        failures.is_empty(),
        "{}: failures: {failures:#?}",
        report.provider
    );
}

#[tokio::test]
async fn memory() {
    let backend = backends::memory().await;
    let options = SuiteOptions {
        fixture: backend.fixture.clone(),
        skip_snapshot_check: true,
        only: Vec::new(),
    };
    judge(&run_suite(backend.provider.clone(), options).await);
}

#[tokio::test]
async fn the_library_holds_a_run_to_the_shared_snapshots() {
    let backend = backends::memory().await;
    let options = SuiteOptions {
        fixture: backend.fixture.clone(),
        skip_snapshot_check: false,
        only: Vec::new(),
    };
    let report = run_suite(backend.provider.clone(), options).await;
    assert!(!report.has_failures(), "{}", report.to_table());
    for name in ["create_then_get", "put_replaces", "content_link_values"] {
        assert!(
            provider_tests::expected_snapshot(name).is_some(),
            "no built-in snapshot for {name}"
        );
    }
}

async fn run(backend: backends::Backend) -> Report {
    let options = SuiteOptions {
        fixture: backend.fixture.clone(),
        skip_snapshot_check: true,
        only: Vec::new(),
    };
    run_suite(backend.provider.clone(), options).await
}

#[tokio::test]
async fn passninja() {
    judge(&run(backends::passninja(Default::default()).await).await);
}

#[tokio::test]
async fn passinstance() {
    judge(&run(backends::passinstance(Default::default()).await).await);
}
