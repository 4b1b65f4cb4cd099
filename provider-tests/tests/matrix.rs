//! The conformance matrix: every scenario on every backend, with one shared snapshot per
//! scenario (no per-backend suffixes), so that backends are compared by construction.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod backends;

use provider_tests::{Outcome, Report, SuiteOptions, run_suite};
use walletpass_core::Capabilities;
use walletpass_sim::{Deviation, SimConfig};

/// Whether a vendor backend's webhook deliveries must reach the suite's receiver: they must
/// where it declares webhooks (create and verify). The memory provider declares them too but
/// records deliveries and sends nothing over the network (its module docs), so its test passes
/// `false` instead.
fn sends_deliveries(caps: &Capabilities) -> bool {
    caps.webhooks_create && caps.webhooks_verify
}

/// Snapshot every observation under its shared name, and fail on any failed scenario. Where the
/// backend sends webhook deliveries, a real delivery must have passed: a skipped
/// `webhook_delivery_verifies` (no receiver the simulator accepts, say) fails too.
fn judge(report: &Report, delivers: bool) {
    println!("{}", report.to_table());
    if delivers {
        let delivery = report
            .results
            .iter()
            .find(|r| r.scenario == "webhook_delivery_verifies")
            .map(|r| &r.outcome);
        assert!(
            matches!(delivery, Some(Outcome::Passed { .. })),
            "{} declares webhooks, so webhook_delivery_verifies must pass, not {delivery:?}",
            report.provider
        );
    }
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
        ..Default::default()
    };
    // Memory declares webhooks but sends no delivery: there is nothing to receive.
    judge(&run_suite(backend.provider.clone(), options).await, false);
}

#[tokio::test]
async fn the_library_holds_a_run_to_the_shared_snapshots() {
    let backend = backends::memory().await;
    let options = SuiteOptions {
        fixture: backend.fixture.clone(),
        skip_snapshot_check: false,
        ..Default::default()
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

/// Run the suite on `backend` and judge it (no deviation is on).
async fn run_and_judge(backend: backends::Backend) {
    let delivers = sends_deliveries(backend.provider.capabilities());
    judge(&run(backend).await, delivers);
}

async fn run(backend: backends::Backend) -> Report {
    let options = SuiteOptions {
        fixture: backend.fixture.clone(),
        skip_snapshot_check: true,
        ..Default::default()
    };
    run_suite(backend.provider.clone(), options).await
}

#[tokio::test]
async fn passninja() {
    run_and_judge(backends::passninja(Default::default()).await).await;
}

#[tokio::test]
async fn passinstance() {
    run_and_judge(backends::passinstance(Default::default()).await).await;
}

/// The judge does not take a skip for a pass: PassNinja declares webhooks, and with no receiver
/// its delivery scenario is skipped, which fails the judge.
#[tokio::test]
#[should_panic(expected = "webhook_delivery_verifies must pass")]
async fn a_skipped_delivery_fails_the_judge() {
    let mut backend = backends::passninja(Default::default()).await;
    backend.fixture.receiver = provider_tests::Receiver::Unset;
    let delivers = sends_deliveries(backend.provider.capabilities());
    assert!(delivers, "PassNinja declares webhooks");
    let options = SuiteOptions {
        fixture: backend.fixture.clone(),
        skip_snapshot_check: true,
        only: vec!["webhook_delivery_verifies".to_owned()],
        ..Default::default()
    };
    let report = run_suite(backend.provider.clone(), options).await;
    assert!(
        matches!(
            report.results.as_slice(),
            [r] if matches!(r.outcome, Outcome::Skipped { .. })
        ),
        "the scenario should be skipped: {}",
        report.to_table()
    );
    judge(&report, delivers);
}

/// The Apple backend runs every scenario it declares, the content ones other backends skip
/// included (link values, label color, two header fields, QR and PDF417).
#[tokio::test]
async fn apple() {
    judge_apple(backends::apple().await).await;
}

/// The same on the PostgreSQL store (the shared snapshots: both stores answer alike).
#[tokio::test]
async fn apple_postgres() {
    let Some(backend) = backends::apple_postgres().await else {
        return;
    };
    judge_apple(backend).await;
}

async fn judge_apple(backend: backends::Backend) {
    let delivers = sends_deliveries(backend.provider.capabilities());
    let report = run(backend).await;
    for scenario in [
        "content_link_values",
        "content_label_color",
        "content_two_header_fields",
        "content_qr_barcode",
        "content_pdf417",
        "list_carries_full_content",
        "templates_lifecycle",
        "webhook_subscription_lifecycle",
        "webhook_verification",
        "webhook_delivery_verifies",
    ] {
        let result = report
            .results
            .iter()
            .find(|r| r.scenario == scenario)
            .unwrap();
        assert!(
            matches!(result.outcome, Outcome::Passed { .. }),
            "{scenario}: {:?}",
            result.outcome
        );
    }
    judge(&report, delivers);
}

#[tokio::test]
async fn ubpass() {
    run_and_judge(backends::ubpass(Default::default()).await).await;
}

/// Turn each deviation on in turn (one fresh simulator each) and check that the suite names
/// the scenario that catches it.
async fn assert_caught<F, Fut>(start: F, cases: &[(Deviation, &str)])
where
    F: Fn(SimConfig) -> Fut,
    Fut: std::future::Future<Output = backends::Backend>,
{
    for &(deviation, scenario) in cases {
        let config = SimConfig {
            deviations: [deviation].into_iter().collect(),
            ..SimConfig::default()
        };
        let report = run(start(config).await).await;
        let failed: Vec<&str> = report.failures().map(|(name, _)| name).collect();
        assert!(
            failed.contains(&scenario),
            "{} {deviation:?}: expected '{scenario}' to fail, failures were {failed:?}\n{}",
            report.provider,
            report.to_table()
        );
    }
}

/// Each deviation switch makes one vendor-plausible mistake; the suite must report a failure
/// naming the scenario that catches it. Passinstance implements all of them.
#[tokio::test]
async fn every_deviation_is_caught() {
    let cases = [
        (Deviation::DropFieldOnRead, "create_then_get"),
        (Deviation::IgnorePatch, "patch_changes_only_given_fields"),
        (
            Deviation::RevertUntouchedOnPatch,
            "patch_changes_only_given_fields",
        ),
        (Deviation::SkipItemAcrossPages, "list_walks_every_page_once"),
        (
            Deviation::RepeatItemAcrossPages,
            "list_walks_every_page_once",
        ),
        (Deviation::DeletedAnswers200, "delete_then_get_is_not_found"),
        (Deviation::WrongErrorForBadKey, "error_unknown_field_key"),
        (Deviation::WrongWebhookSecret, "webhook_delivery_verifies"),
        (Deviation::LoseBarcode, "content_qr_barcode"),
        (Deviation::ChangeLabel, "create_then_get"),
        (Deviation::SearchFindsNothing, "search_finds_by_serial"),
        (Deviation::AcceptBadCredentials, "error_bad_credentials"),
        (Deviation::ListDropsField, "list_carries_full_content"),
    ];
    assert_eq!(cases.len(), Deviation::ALL.len(), "a deviation has no case");
    assert_caught(backends::passinstance, &cases).await;
}

/// ubpass accepts any field key and has no webhooks, and its backend searches by filtering the
/// listing, so WrongErrorForBadKey, WrongWebhookSecret and SearchFindsNothing do not apply.
#[tokio::test]
async fn ubpass_deviations_are_caught_too() {
    let cases = [
        (Deviation::DropFieldOnRead, "create_then_get"),
        (Deviation::IgnorePatch, "patch_changes_only_given_fields"),
        (
            Deviation::RevertUntouchedOnPatch,
            "patch_changes_only_given_fields",
        ),
        (Deviation::SkipItemAcrossPages, "list_walks_every_page_once"),
        (
            Deviation::RepeatItemAcrossPages,
            "list_walks_every_page_once",
        ),
        (Deviation::DeletedAnswers200, "delete_then_get_is_not_found"),
        (Deviation::LoseBarcode, "content_qr_barcode"),
        (Deviation::ChangeLabel, "create_then_get"),
        (Deviation::AcceptBadCredentials, "error_bad_credentials"),
        (Deviation::ListDropsField, "list_carries_full_content"),
    ];
    assert_caught(backends::ubpass, &cases).await;
}

/// PassNinja keeps barcodes and labels on the template, so LoseBarcode and ChangeLabel cannot
/// show through the trait, and its backend refuses unknown keys from the template's field specs
/// before sending, so WrongErrorForBadKey never reaches it; its listings are summaries without
/// fields, so ListDropsField does not apply; the rest are caught here too.
#[tokio::test]
async fn passninja_deviations_are_caught_too() {
    let cases = [
        (Deviation::DropFieldOnRead, "create_then_get"),
        (Deviation::IgnorePatch, "patch_changes_only_given_fields"),
        (
            Deviation::RevertUntouchedOnPatch,
            "patch_changes_only_given_fields",
        ),
        (Deviation::SkipItemAcrossPages, "list_walks_every_page_once"),
        (
            Deviation::RepeatItemAcrossPages,
            "list_walks_every_page_once",
        ),
        (Deviation::DeletedAnswers200, "delete_then_get_is_not_found"),
        (Deviation::WrongWebhookSecret, "webhook_delivery_verifies"),
        (Deviation::SearchFindsNothing, "search_finds_by_serial"),
        (Deviation::AcceptBadCredentials, "error_bad_credentials"),
    ];
    assert_caught(backends::passninja, &cases).await;
}

/// The same suite against a real vendor account: `WALLETPASS_TEST=<passninja|ubpass|passinstance>`
/// with that vendor's credentials (see the README). The suite chooses a template as the CLI
/// does, or `WALLETPASS_TEST_TEMPLATE` names one. Everything the run creates carries a random
/// prefix and is deleted afterwards.
#[tokio::test]
async fn live() {
    let Ok(name) = std::env::var("WALLETPASS_TEST") else {
        println!(
            "live conformance skipped: set WALLETPASS_TEST=<passninja|ubpass|passinstance> and \
             that vendor's credentials to run the suite against a real account"
        );
        return;
    };
    let kind: walletpass::ProviderKind = name.parse().unwrap();
    let provider =
        walletpass::connect(walletpass::ProviderConfig::from_env(kind, None).unwrap()).unwrap();
    let mut fixture = provider_tests::Fixture::default();
    let mut notes = Vec::new();
    let choice = match std::env::var("WALLETPASS_TEST_TEMPLATE") {
        Ok(t) => {
            let id = walletpass_core::TemplateId::new(t).unwrap();
            Some(
                provider_tests::inspect_template(provider.as_ref(), &id)
                    .await
                    .unwrap(),
            )
        }
        Err(_) if provider_tests::discover::needs_template(provider.as_ref()) => Some(
            provider_tests::choose_template(provider.as_ref())
                .await
                .unwrap(),
        ),
        Err(_) => None,
    };
    if let Some(choice) = choice {
        notes.push(choice.why);
        fixture.template = Some(choice.template);
        fixture.fields = choice.fields;
    }
    let options = SuiteOptions {
        fixture,
        notes,
        ..Default::default()
    };
    let report = run_suite(provider, options).await;
    println!("{}", report.to_table());
    let failures: Vec<_> = report.failures().collect();
    assert!(failures.is_empty(), "live {name}: {failures:#?}");
    assert!(
        report.left_behind.is_empty(),
        "live {name}: {:?}",
        report.left_behind
    );
}

/// A run in which scenarios fail on purpose still deletes everything it created: passes
/// (also those of failed scenarios), webhook subscriptions (also the one whose deliveries failed
/// verification) and templates; the simulator's state, read through its API, is as before.
#[tokio::test]
async fn a_failing_run_leaves_nothing_behind() {
    use futures::TryStreamExt;
    use walletpass_core::{ListQuery, WalletProviderExt};
    let config = SimConfig {
        deviations: [Deviation::IgnorePatch, Deviation::WrongWebhookSecret]
            .into_iter()
            .collect(),
        ..SimConfig::default()
    };
    let backend = backends::passninja(config).await;
    let provider = backend.provider.clone();
    let template = backend.fixture.template.clone().unwrap();
    let state = || async {
        let passes: Vec<String> = provider
            .list_all(ListQuery::new().template(template.clone()))
            .map_ok(|p| p.pass_ref.to_string())
            .try_collect()
            .await
            .unwrap();
        let hooks: Vec<String> = provider
            .list_webhooks(&ListQuery::new())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|h| h.id.to_string())
            .collect();
        let templates: Vec<String> = provider
            .list_all_templates()
            .map_ok(|t| t.id.to_string())
            .try_collect()
            .await
            .unwrap();
        (passes, hooks, templates)
    };
    let before = state().await;
    let options = SuiteOptions {
        fixture: backend.fixture.clone(),
        skip_snapshot_check: true,
        ..Default::default()
    };
    let report = run_suite(backend.provider.clone(), options).await;
    let failed: Vec<&str> = report.failures().map(|(name, _)| name).collect();
    assert!(
        failed.contains(&"patch_changes_only_given_fields")
            && failed.contains(&"webhook_delivery_verifies"),
        "the deviations should fail scenarios: {}",
        report.to_table()
    );
    assert!(report.left_behind.is_empty(), "{:?}", report.left_behind);
    assert_eq!(state().await, before, "{}", report.to_table());
}
