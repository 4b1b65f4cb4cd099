//! What a run reports around the engine, against the simulators' request logs: retire modes the
//! source cannot do stop before any write; a retire that fails for some passes is a non-zero
//! exit; a number for a text-only target is a misfit before any write (accepted with
//! `as_text`); verify compares value types; a PassNinja target without field specs stops in the
//! pre-flight check (dry run and real run alike); an error the HTTP client already retried as
//! far as its policy allows is not retried again by the migration.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::sync::Arc;

use common::{Wrapped, fill};
use futures::TryStreamExt;
use walletpass::{ProviderConfig, ProviderKind};
use walletpass_core::http::RetryPolicy;
use walletpass_core::{
    Field, FieldValue, ListQuery, NewPass, PassContent, PassPatch, TemplateId, WalletProvider,
    WalletProviderExt,
};
use walletpass_migrate::{Checkpoint, Mapping, MigrateError, Migration, Options, Retire};
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{SimConfig, passinstance, passninja, ubpass};

fn connect(kind: ProviderKind, sim: &RunningSim) -> Arc<dyn WalletProvider> {
    let vars = [
        ("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN),
        ("UBPASS_API_KEY", ubpass::DEMO_API_KEY),
        ("UBPASS_WORKSPACE_ID", ubpass::SECOND_WORKSPACE_ID),
        ("PASSNINJA_API_KEY", passninja::DEMO_API_KEY),
        ("PASSNINJA_ACCOUNT_ID", passninja::DEMO_ACCOUNT_ID),
    ];
    let lookup = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let config = ProviderConfig::from_lookup(kind, Some(sim.base_url()), lookup).unwrap();
    walletpass::connect(config).unwrap()
}

fn pi_template() -> TemplateId {
    TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap()
}

/// `n` Passinstance passes of the conformance template, `points` a number.
async fn seed_passinstance(provider: &dyn WalletProvider, n: usize) {
    for i in 0..n {
        let content = PassContent::builder()
            .field(Field::new("member", format!("M-{i:04}")).unwrap())
            .field(Field::new("points", (i * 10) as i64).unwrap())
            .field(Field::new("tier", "Gold").unwrap())
            .build()
            .unwrap();
        provider
            .create(NewPass::new(content).with_template(pi_template()))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retire_modes_the_source_cannot_do_stop_before_any_write() {
    // Passinstance stores no placements: the notice, a field on the back, cannot be written.
    let source_sim = passinstance::start(SimConfig::default()).await.unwrap();
    let target_sim = passinstance::start(SimConfig::default()).await.unwrap();
    let source = connect(ProviderKind::Passinstance, &source_sim);
    let target = connect(ProviderKind::Passinstance, &target_sim);
    seed_passinstance(source.as_ref(), 3).await;
    source_sim.log().clear();
    for dry_run in [true, false] {
        let err = Migration::new(source.clone(), target.clone(), Mapping::default())
            .source_template(Some(pi_template()))
            .target_template(Some(pi_template()))
            .options(Options {
                verify: true,
                retire: Retire::Notice,
                dry_run,
                ..Options::default()
            })
            .run(&Checkpoint::in_memory().unwrap())
            .await
            .unwrap_err();
        assert!(err.before_any_write(), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(
                "--retire notice: the source (passinstance) cannot retire passes this way"
            ) && text.contains("migration_notice"),
            "{text}"
        );
        assert!(
            text.contains("--retire void or --retire delete would work"),
            "{text}"
        );
    }
    assert_eq!(source_sim.log().writes(), 0);
    assert_eq!(target_sim.log().writes(), 0);

    // PassNinja has no void (its DELETE destroys the pass): delete is named instead.
    let options = passninja::PassNinjaOptions {
        seed: Some(Arc::new(passninja::conformance_seed())),
        ..passninja::PassNinjaOptions::default()
    };
    let pn_sim = passninja::launch(SimConfig::default(), options)
        .await
        .unwrap()
        .into_running();
    let pn = connect(ProviderKind::PassNinja, &pn_sim);
    let err = Migration::new(pn, target.clone(), Mapping::default())
        .source_template(Some(
            TemplateId::new(passninja::CONFORMANCE_TEMPLATE_ID).unwrap(),
        ))
        .target_template(Some(pi_template()))
        .options(Options {
            verify: true,
            retire: Retire::Void,
            ..Options::default()
        })
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, MigrateError::Config(_))
            && text.contains("--retire void: the source (passninja)")
            && text.contains("it cannot void passes")
            && text.contains("; --retire delete would work"),
        "{text}"
    );
    assert_eq!(pn_sim.log().writes(), 0);
    assert_eq!(target_sim.log().writes(), 0);
}

#[tokio::test]
async fn a_retire_that_fails_for_some_passes_exits_non_zero_naming_them() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 6).await;
    let locked: Vec<String> = source.all().await[..2]
        .iter()
        .map(|p| p.pass_ref.id.to_string())
        .collect();
    *source.refuse_retire.lock().unwrap() = locked.clone();
    let target = Wrapped::memory();
    let summary = Migration::new(source.clone(), target, Mapping::default())
        .options(Options {
            verify: true,
            retire: Retire::Void,
            ..Options::default()
        })
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (
            summary.verified,
            summary.retired,
            summary.retire_failed,
            summary.failed
        ),
        (6, 4, 2, 0),
        "{summary}"
    );
    assert_eq!(summary.exit_code(), 1, "{summary}");
    let text = summary.to_string();
    assert!(text.contains("not retired: 2 source passes"), "{text}");
    for id in &locked {
        assert!(
            text.contains(&format!("  {id}: retire: ")) && text.contains("this pass is locked"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_for_a_text_only_target_is_a_misfit_before_any_write_unless_as_text() {
    let source_sim = passinstance::start(SimConfig::default()).await.unwrap();
    let target_sim = ubpass::start(SimConfig::default()).await.unwrap();
    let source = connect(ProviderKind::Passinstance, &source_sim);
    let target = connect(ProviderKind::Ubpass, &target_sim);
    seed_passinstance(source.as_ref(), 4).await;
    let mapping = "[identity]\nmarker_field = \"migrated_from\"\nmarker_placement = \"secondary\"\n[drop]\nparts = [\"labels\"]\n";
    let run = |mapping: String, dry_run: bool| {
        let (source, target) = (source.clone(), target.clone());
        async move {
            Migration::new(source, target, Mapping::from_toml(&mapping).unwrap())
                .source_template(Some(pi_template()))
                .options(Options {
                    verify: true,
                    dry_run,
                    ..Options::default()
                })
                .run(&Checkpoint::in_memory().unwrap())
                .await
        }
    };
    let writes = target_sim.log().writes();
    for dry_run in [true, false] {
        let Err(MigrateError::Preflight(misfits)) = run(mapping.to_owned(), dry_run).await else {
            panic!("a number for ubpass was not refused");
        };
        let offending = &misfits.passes;
        assert_eq!(offending.len(), 4, "{offending:?}");
        let reasons = offending[0].reasons.join("; ");
        assert!(
            reasons.contains("fields[points]: a number (")
                && reasons.contains("as_text = true under [fields.\"points\"]"),
            "{reasons}"
        );
    }
    assert_eq!(target_sim.log().writes(), writes, "nothing written");

    let accepted = format!("{mapping}[fields.points]\nas_text = true\n");
    let summary = run(accepted, false).await.unwrap();
    assert_eq!(
        (summary.migrated, summary.verified, summary.exit_code()),
        (4, 4, 0),
        "{summary}"
    );
    let listed: Vec<_> = target
        .list_all(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    let points: Vec<FieldValue> = listed
        .iter()
        .filter_map(|p| p.content.field("points").map(|f| f.value.clone()))
        .collect();
    assert_eq!(points.len(), 4);
    assert!(
        points.iter().all(|v| matches!(v, FieldValue::Text(_))),
        "{points:?}"
    );
}

#[tokio::test]
async fn verify_catches_a_number_that_came_back_as_text() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 3).await;
    let target = Wrapped::memory();
    let cp = Checkpoint::in_memory().unwrap();
    let m = Migration::new(source.clone(), target.clone(), Mapping::default());
    let first = m.clone().run(&cp).await.unwrap();
    assert_eq!(first.migrated, 3, "{first}");
    // One copy's number becomes the same digits as text.
    let copy = target.all().await.remove(1);
    let points = copy.content.field("points").unwrap().value.to_text();
    let patch = PassPatch::builder()
        .set(
            Field::new("points", points.clone())
                .unwrap()
                .with_label("Points"),
        )
        .build()
        .unwrap();
    target.inner.patch(&copy.pass_ref, &patch).await.unwrap();
    let summary = m
        .options(Options {
            verify: true,
            ..Options::default()
        })
        .run(&cp)
        .await
        .unwrap();
    assert_eq!((summary.verified, summary.mismatched), (2, 1), "{summary}");
    assert_eq!(summary.exit_code(), 1);
    let diffs = summary.mismatches[0].1.join("; ");
    assert!(
        diffs.contains(&format!(
            "fields[points].value: expected a number '{points}', found text '{points}'"
        )),
        "{diffs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passninja_target_without_field_specs_stops_in_the_preflight_check() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 3).await;
    let options = passninja::PassNinjaOptions {
        seed: Some(Arc::new(passninja::conformance_seed())),
        ..passninja::PassNinjaOptions::default()
    };
    let pn_sim = passninja::launch(SimConfig::default(), options)
        .await
        .unwrap()
        .into_running();
    let target = connect(ProviderKind::PassNinja, &pn_sim);
    let mut seen = Vec::new();
    for dry_run in [true, false] {
        let err = Migration::new(source.clone(), target.clone(), Mapping::default())
            .target_template(Some(
                TemplateId::new(passninja::CONFORMANCE_TEMPLATE_ID).unwrap(),
            ))
            .options(Options {
                dry_run,
                ..Options::default()
            })
            .run(&Checkpoint::in_memory().unwrap())
            .await
            .unwrap_err();
        let MigrateError::Preflight(misfits) = &err else {
            panic!("not refused in the pre-flight check: {err}");
        };
        let offending = &misfits.passes;
        assert_eq!(offending.len(), 3, "{err}");
        let text = err.to_string();
        assert!(
            text.contains("field specs are not known")
                && text.contains("--field-specs FILE")
                && text.contains("PASSNINJA_FIELD_SPECS"),
            "{text}"
        );
        seen.push(text);
    }
    assert_eq!(seen[0], seen[1], "the dry run and the real run agree");
    assert_eq!(pn_sim.log().writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_the_client_already_retried_is_not_retried_again() {
    // Every request answered with Passinstance's 500: the client tries as often as its policy
    // allows, and the migration gives up on the exhausted error instead of trying again.
    let source_sim = passinstance::start(SimConfig {
        fault_rate: 1.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let source = connect(ProviderKind::Passinstance, &source_sim);
    let err = Migration::new(source, Wrapped::memory(), Mapping::default())
        .source_template(Some(pi_template()))
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap_err();
    let MigrateError::Source(e) = &err else {
        panic!("{err}");
    };
    assert!(e.is_exhausted(), "{e:?}");
    assert_eq!(
        source_sim.log().len(),
        RetryPolicy::default().max_attempts as usize,
        "one listing request, tried by the client alone"
    );
}
