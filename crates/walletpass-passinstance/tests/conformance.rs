#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! The shared conformance suite against the Passinstance simulator, held to the snapshots
//! built into `provider-tests`: every scenario the capabilities allow must pass, and the
//! capability flags must match what the backend does.

use std::sync::Arc;

use provider_tests::{Fixture, SuiteOptions, run_suite};
use walletpass_core::{PassId, TemplateId, WalletProvider};
use walletpass_passinstance::PassinstanceConfig;
use walletpass_sim::passinstance::{self as sim, CONFORMANCE_TEMPLATE_ID, DEMO_TOKEN};
use walletpass_sim::{Deviation, SimConfig};

async fn run(config: SimConfig) -> provider_tests::Report {
    let running = sim::start(config).await.unwrap();
    let provider: Arc<dyn WalletProvider> = Arc::new(
        PassinstanceConfig::bearer(DEMO_TOKEN)
            .with_base_url(running.base_url())
            .build()
            .unwrap(),
    );
    let bad: Arc<dyn WalletProvider> = Arc::new(
        PassinstanceConfig::bearer("wrong-token")
            .with_base_url(running.base_url())
            .build()
            .unwrap(),
    );
    let sample = br#"{"id":"evt_0123456789abcdef","type":"pass.updated","createdAt":"2026-01-01T10:00:00Z","data":{"id":"pass_0123456789abcdef","templateId":"tpl_c0c0c0c0c0c0c0c0","serialNumber":"S-1","status":"active","fields":{"tier":{"label":"Tier","value":"Gold"}}}}"#;
    let fixture = Fixture {
        template: Some(TemplateId::new(CONFORMANCE_TEMPLATE_ID).unwrap()),
        unknown_id: Some(PassId::new("pass_0000000000000000").unwrap()),
        malformed_id: None,
        webhook_sample: Some(sample.to_vec()),
        bad_credentials: Some(bad),
        ..Fixture::default()
    };
    run_suite(
        provider,
        SuiteOptions {
            fixture,
            skip_snapshot_check: false,
            only: Vec::new(),
        },
    )
    .await
}

#[tokio::test]
async fn the_suite_passes_against_the_simulator() {
    let report = run(SimConfig::default()).await;
    println!("{}", report.to_table());
    assert!(!report.has_failures(), "{}", report.to_table());
}

/// Each deviation switch of the simulator must make the suite fail. `WrongWebhookSecret` is
/// the exception: the suite verifies a sample it signs itself, so the simulator's deliveries are
/// checked in `simulator.rs` instead.
#[tokio::test]
async fn the_suite_catches_each_deviation_of_the_simulator() {
    for deviation in Deviation::ALL {
        if deviation == Deviation::WrongWebhookSecret {
            continue;
        }
        let report = run(SimConfig {
            deviations: [deviation].into(),
            ..SimConfig::default()
        })
        .await;
        assert!(
            report.has_failures(),
            "{deviation:?} went unnoticed:\n{}",
            report.to_table()
        );
    }
}
