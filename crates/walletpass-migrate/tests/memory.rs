//! Migrations between in-memory providers: content after mapping, checks before any write, dry
//! run, resume after a crash at the worst instant, faults, pacing, verify and retire.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{Faults, Wrapped, assert_exactly_once, fill, member};
use walletpass_core::{Field, FieldValue, Link, NewPass, PassContent, PassStatus, WalletProvider};
use walletpass_migrate::{
    Checkpoint, Mapping, MigrateError, Migration, Options, Retire, State, Strategy,
};

const MAPPING: &str = r#"
[fields."member.id"]
to = "member_id"
label = "Member no."
placement = "header"

[fields.points]
to = "balance"
label = "Balance"
"#;

fn fast() -> Options {
    Options {
        backoff: Duration::from_millis(1),
        concurrency: 8,
        ..Options::default()
    }
}

fn migration(
    source: &Arc<Wrapped>,
    target: &Arc<Wrapped>,
    mapping: &str,
    options: Options,
) -> Migration {
    Migration::new(
        source.clone() as Arc<dyn WalletProvider>,
        target.clone() as Arc<dyn WalletProvider>,
        Mapping::from_toml(mapping).unwrap(),
    )
    .options(options)
}

#[tokio::test]
async fn memory_to_memory_content_matches_the_mapping() {
    let source = Wrapped::memory();
    let target = Wrapped::memory();
    fill(source.as_ref(), 25).await;
    let dir = tempfile::tempdir().unwrap();
    let cp = Checkpoint::open(&dir.path().join("cp.sqlite")).unwrap();
    let m = migration(
        &source,
        &target,
        MAPPING,
        Options {
            verify: true,
            use_batch: false,
            ..fast()
        },
    );
    assert_eq!(m.strategy(), Strategy::CallerSerial);
    let summary = m.run(&cp).await.unwrap();
    assert_eq!(
        (
            summary.total,
            summary.migrated,
            summary.skipped,
            summary.failed,
            summary.verified
        ),
        (25, 25, 0, 0, 25),
        "{summary}"
    );
    assert_eq!(summary.exit_code(), 0);

    let mapping = Mapping::from_toml(MAPPING).unwrap();
    let sources = source.all().await;
    for s in &sources {
        // The caller-chosen serial is the source id, so each copy is found by it.
        let copy = target
            .inner
            .get(&walletpass_core::PassRef::new(s.pass_ref.id.clone()))
            .await
            .unwrap();
        assert_eq!(copy.content, mapping.apply(&s.content, true).unwrap());
        let id = copy.content.field("member_id").unwrap();
        assert_eq!(id.label.as_deref(), Some("Member no."));
        assert_eq!(id.placement, Some(walletpass_core::Placement::Header));
        assert!(copy.content.field("member.id").is_none());
    }
    assert_exactly_once(&target, 25, "member_id").await;

    // The report has one line per pass with both links.
    let report = dir.path().join("report.csv");
    walletpass_migrate::write_report(&report, &cp, false).unwrap();
    let text = std::fs::read_to_string(&report).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "source_id,target_id,source_link,target_link,state,error"
    );
    let first = lines.next().unwrap();
    assert!(
        first.contains("https://memory.invalid/p/") && first.contains(",verified,"),
        "{first}"
    );
    assert_eq!(text.lines().count(), 26);

    // Running again skips everything and writes nothing.
    let writes = target.writes.load(Ordering::SeqCst);
    let again = m.run(&cp).await.unwrap();
    assert_eq!((again.migrated, again.skipped, again.failed), (0, 25, 0));
    assert_eq!(target.writes.load(Ordering::SeqCst), writes);
}

#[tokio::test]
async fn mapping_errors_and_misfits_stop_the_run_before_any_write() {
    let source = Wrapped::memory();
    let link = Link {
        label: None,
        url: "https://example.com/terms".parse().unwrap(),
    };
    fill(source.as_ref(), 3).await;
    let with_links = PassContent::builder()
        .field(Field::new("member.id", "M-99999").unwrap())
        .field(Field::new("terms", vec![link]).unwrap())
        .label_color("#ffffff")
        .build()
        .unwrap();
    let odd = source.create(NewPass::new(with_links)).await.unwrap();

    // A target that holds neither link values nor a label color.
    let target = Wrapped::with_caps(|c| {
        c.link_values = false;
        c.label_color = false;
    });
    let cp = Checkpoint::in_memory().unwrap();
    let err = migration(&source, &target, "", fast())
        .run(&cp)
        .await
        .unwrap_err();
    let MigrateError::Preflight(misfits) = &err else {
        panic!("expected a preflight error, got {err}");
    };
    let offending = &misfits.passes;
    assert_eq!(offending.len(), 1);
    assert_eq!(offending[0].source_ref, odd.pass_ref.to_string());
    let reasons = offending[0].reasons.join("; ");
    assert!(reasons.contains("fields[terms].value"), "{reasons}");
    assert!(reasons.contains("appearance.label_color"), "{reasons}");
    assert!(err.before_any_write());
    assert_eq!(target.writes.load(Ordering::SeqCst), 0);
    assert!(common::rows(&cp).is_empty(), "nothing recorded either");

    // Dropping on purpose (and links as text) lets it through.
    let ok = "[fields.terms]\nas_text = true\n[drop]\nparts = [\"appearance.label_color\"]";
    let summary = migration(&source, &target, ok, fast())
        .run(&cp)
        .await
        .unwrap();
    assert_eq!((summary.migrated, summary.failed), (4, 0));
    let copy = target
        .inner
        .get(&walletpass_core::PassRef::new(odd.pass_ref.id.clone()))
        .await
        .unwrap();
    assert_eq!(
        copy.content.field("terms").unwrap().value,
        FieldValue::Text("https://example.com/terms".into())
    );

    // A mapping that refuses unnamed keys names every offending pass.
    let target = Wrapped::memory();
    let strict =
        "[defaults]\nunmapped = \"error\"\n[fields.\"member.id\"]\n[fields.name]\n[fields.points]";
    let err = migration(&source, &target, strict, fast())
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("fields[terms]: not named in the mapping"),
        "{err}"
    );
    assert_eq!(target.writes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn target_template_fields_are_checked_before_any_write() {
    use walletpass_core::{FieldSpec, NewTemplate};
    let source = Wrapped::memory();
    fill(source.as_ref(), 2).await;
    let target = Wrapped::memory();
    let template = target
        .inner
        .create_template(
            NewTemplate::new("members")
                .unwrap()
                .with_field(FieldSpec::new("member_id").unwrap().required())
                .unwrap()
                .with_field(FieldSpec::new("balance").unwrap())
                .unwrap(),
        )
        .await
        .unwrap();
    let m = migration(&source, &target, MAPPING, fast()).target_template(Some(template.id.clone()));
    let err = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("fields[name]: not a field of target template"),
        "{text}"
    );
    assert_eq!(target.writes.load(Ordering::SeqCst), 0);

    let drop_name = format!("{MAPPING}\n[fields.name]\ndrop = true\n");
    let m = migration(
        &source,
        &target,
        &drop_name,
        Options {
            verify: true,
            ..fast()
        },
    )
    .target_template(Some(template.id));
    let summary = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
    assert_eq!((summary.migrated, summary.verified), (2, 2), "{summary}");
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let source = Wrapped::memory();
    let target = Wrapped::memory();
    fill(source.as_ref(), 10).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cp.sqlite");
    // A real run of 4 passes first, so the dry run has both kinds to report.
    let first: Vec<_> = source.all().await.into_iter().take(4).collect();
    for p in &first {
        target
            .inner
            .create(NewPass {
                template: None,
                serial_number: Some(p.pass_ref.id.clone()),
                content: Mapping::from_toml(MAPPING)
                    .unwrap()
                    .apply(&p.content, true)
                    .unwrap(),
            })
            .await
            .unwrap();
    }
    let before = target.writes.load(Ordering::SeqCst);
    let m = migration(
        &source,
        &target,
        MAPPING,
        Options {
            dry_run: true,
            verify: true,
            ..fast()
        },
    );
    let report = dir.path().join("dry.csv");
    let summary = m
        .clone()
        .report_to(Some(report.clone()))
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    assert!(summary.dry_run);
    // The 4 copies already on the target are found by serial and would be adopted.
    assert_eq!(
        (summary.would_create, summary.skipped, summary.adopted),
        (6, 0, 4),
        "{summary}"
    );
    assert_eq!(target.writes.load(Ordering::SeqCst), before);
    assert_eq!(source.writes.load(Ordering::SeqCst), 10, "only the fill");
    let text = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.contains(",would_create,"))
            .count(),
        6,
        "{text}"
    );

    // An existing checkpoint file is read, never written.
    Checkpoint::open(&path).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let ro = Checkpoint::open_read_only(&path).unwrap();
    m.run(&ro).await.unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
    assert!(common::rows(&Checkpoint::open(&path).unwrap()).is_empty());
}

/// Run until the target has applied `after` creates and frozen on the next one (the create is
/// applied but its answer never arrives), then drop the run: a crash at the worst instant.
async fn crash_after(m: &Migration, cp: &Checkpoint, target: &Wrapped, after: u64) {
    target.freeze_after.store(after, Ordering::SeqCst);
    let frozen = target.frozen.notified();
    tokio::select! {
        r = m.run(cp) => panic!("the run should have frozen, it ended with {r:?}"),
        _ = frozen => {}
    }
    assert!(target.is_frozen.load(Ordering::SeqCst));
    target.freeze_after.store(u64::MAX, Ordering::SeqCst);
}

async fn crash_and_resume(target: Arc<Wrapped>, mapping: &str, options: Options, expect: Strategy) {
    let source = Wrapped::memory();
    fill(source.as_ref(), 60).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cp.sqlite");
    let m = migration(
        &source,
        &target,
        mapping,
        Options {
            verify: true,
            ..options
        },
    );
    assert_eq!(m.strategy(), expect);
    {
        let cp = Checkpoint::open(&path).unwrap();
        crash_after(&m, &cp, &target, 17).await;
    }
    {
        let cp = Checkpoint::open(&path).unwrap();
        let creating = common::rows(&cp)
            .iter()
            .filter(|r| r.state == State::Creating)
            .count();
        assert!(creating >= 1, "the crash left uncertain rows");
        crash_after(
            &m,
            &cp,
            &target,
            target.creates_applied.load(Ordering::SeqCst) + 11,
        )
        .await;
    }
    let cp = Checkpoint::open(&path).unwrap();
    let summary = m.run(&cp).await.unwrap();
    assert_eq!(
        (summary.total, summary.failed, summary.mismatched),
        (60, 0, 0),
        "{summary}"
    );
    assert_eq!(summary.verified, 60, "{summary}");
    assert_eq!(summary.migrated + summary.skipped, 60, "{summary}");
    let key = if mapping.is_empty() {
        "member.id"
    } else {
        "member_id"
    };
    assert_exactly_once(&target, 60, key).await;
}

#[tokio::test]
async fn crash_mid_create_then_resume_with_caller_serials() {
    crash_and_resume(
        Wrapped::memory(),
        MAPPING,
        Options {
            use_batch: false,
            ..fast()
        },
        Strategy::CallerSerial,
    )
    .await;
}

#[tokio::test]
async fn crash_mid_batch_then_resume_with_caller_serials() {
    crash_and_resume(
        Wrapped::memory(),
        MAPPING,
        Options {
            batch_size: 7,
            ..fast()
        },
        Strategy::CallerSerial,
    )
    .await;
}

#[tokio::test]
async fn crash_mid_create_then_resume_with_a_marker_field() {
    let target = Wrapped::with_caps(|c| {
        c.caller_serial = false;
        c.batch = false;
    });
    let mapping = format!("{MAPPING}\n[identity]\nmarker_field = \"migrated_from\"\n");
    crash_and_resume(target, &mapping, fast(), Strategy::Marker).await;
}

#[tokio::test]
async fn crash_mid_create_then_resume_by_content() {
    let target = Wrapped::with_caps(|c| {
        c.caller_serial = false;
        c.batch = false;
    });
    crash_and_resume(target, "", fast(), Strategy::Content).await;
}

async fn under_faults(target: Arc<Wrapped>, mapping: &str, options: Options, n: usize) {
    let source = Wrapped::memory();
    fill(source.as_ref(), n).await;
    let faults = Faults {
        server_error: 200,
        dropped: 50,
        rate_limited: 50,
        ..Faults::default()
    };
    source.set_faults(faults);
    target.set_faults(faults);
    let m = migration(
        &source,
        &target,
        mapping,
        Options {
            verify: true,
            // 30 % of calls fail: with the default 8 attempts, one pass in a few thousand
            // meets 8 failures in a row (p = 0.3^8) in some interleavings of the tasks. This
            // test is about exactly-once under faults, not about running out of attempts.
            max_attempts: 20,
            ..options
        },
    );
    let summary = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
    assert_eq!(
        (
            summary.total,
            summary.failed,
            summary.mismatched,
            summary.verified
        ),
        (n, 0, 0, n),
        "{summary}"
    );
    target.set_faults(Faults::default());
    let key = if mapping.contains("member_id") {
        "member_id"
    } else {
        "member.id"
    };
    assert_exactly_once(&target, n, key).await;
}

#[tokio::test]
async fn faults_lose_and_duplicate_nothing_with_caller_serials() {
    under_faults(
        Wrapped::memory(),
        MAPPING,
        Options {
            use_batch: false,
            ..fast()
        },
        2000,
    )
    .await;
}

#[tokio::test]
async fn faults_lose_and_duplicate_nothing_in_batches() {
    under_faults(
        Wrapped::memory(),
        MAPPING,
        Options {
            batch_size: 25,
            ..fast()
        },
        2000,
    )
    .await;
}

#[tokio::test]
async fn faults_lose_and_duplicate_nothing_with_a_marker_field() {
    let target = Wrapped::with_caps(|c| {
        c.caller_serial = false;
        c.batch = false;
    });
    let mapping = format!("{MAPPING}\n[identity]\nmarker_field = \"migrated_from\"\n");
    under_faults(target, &mapping, fast(), 500).await;
}

#[tokio::test]
async fn rate_limit_paces_the_target() {
    let source = Wrapped::memory();
    let target = Wrapped::memory();
    fill(source.as_ref(), 60).await;
    let m = migration(
        &source,
        &target,
        "",
        Options {
            target_rps: Some(100.0),
            use_batch: false,
            ..fast()
        },
    );
    let start = Instant::now();
    let summary = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
    assert_eq!(summary.migrated, 60);
    let spent = start.elapsed();
    // At most the slots missed in the last 200 ms come at once (20 at 100/s), the other 40 are
    // spaced 10 ms apart.
    let floor = Duration::from_millis(10) * 39;
    assert!(spent >= floor, "60 creates at 100/s took {spent:?}");
    assert!(
        spent < Duration::from_secs(3),
        "60 creates at 100/s took {spent:?}"
    );
}

#[tokio::test]
async fn retire_acts_only_on_verified_passes() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 6).await;
    let bad = source
        .create(NewPass::new(
            PassContent::builder()
                .field(Field::new("member.id", "M-X").unwrap())
                .field(Field::new("secret", "lost").unwrap())
                .build()
                .unwrap(),
        ))
        .await
        .unwrap();
    let target = Wrapped::memory();
    *target.lose_on_read.lock().unwrap() = Some("secret".into());
    let m = migration(
        &source,
        &target,
        "",
        Options {
            verify: true,
            retire: Retire::Void,
            ..fast()
        },
    );
    let summary = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
    assert_eq!(
        (summary.verified, summary.retired, summary.mismatched),
        (6, 6, 1),
        "{summary}"
    );
    assert_eq!(summary.exit_code(), 1);
    assert!(
        summary.mismatches[0].1[0].contains("fields[secret]: missing"),
        "{summary}"
    );
    for p in source.all().await {
        let expected = if p.pass_ref == bad.pass_ref {
            PassStatus::Active
        } else {
            PassStatus::Voided
        };
        assert_eq!(p.status, expected, "{}", p.pass_ref);
    }
}

#[tokio::test]
async fn retire_notice_points_to_the_new_pass() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 2).await;
    let target = Wrapped::memory();
    let mapping = "[notice]\ntext = \"Moved: {link}\"";
    let m = migration(
        &source,
        &target,
        mapping,
        Options {
            verify: true,
            retire: Retire::Notice,
            ..fast()
        },
    );
    let summary = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
    assert_eq!(summary.retired, 2, "{summary}");
    for p in source.all().await {
        let notice = p.content.field("migration_notice").unwrap();
        assert_eq!(
            notice.value.to_text(),
            format!("Moved: https://memory.invalid/p/{}", p.pass_ref.id)
        );
        assert_eq!(notice.placement, Some(walletpass_core::Placement::Back));
    }
    let err = migration(
        &source,
        &target,
        "",
        Options {
            retire: Retire::Delete,
            ..fast()
        },
    )
    .run(&Checkpoint::in_memory().unwrap())
    .await
    .unwrap_err();
    assert!(err.to_string().contains("--retire needs --verify"), "{err}");
}

#[tokio::test]
async fn permanent_errors_are_recorded_and_the_run_goes_on() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 5).await;
    let target = Wrapped::memory();
    // A pass already on the target under the serial of source pass 0, with other content.
    let first = source.all().await.remove(0);
    target
        .inner
        .create(NewPass::new(member(99)).with_serial_number(first.pass_ref.id.clone()))
        .await
        .unwrap();
    let summary = migration(
        &source,
        &target,
        "",
        Options {
            use_batch: false,
            ..fast()
        },
    )
    .run(&Checkpoint::in_memory().unwrap())
    .await
    .unwrap();
    assert_eq!((summary.migrated, summary.failed), (4, 1), "{summary}");
    assert!(
        summary.failures[0].1.contains("taken on the target"),
        "{summary}"
    );
    assert_eq!(summary.exit_code(), 1);
}

#[tokio::test]
async fn extra_copies_made_by_a_repeating_client_are_removed_by_marker() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 200).await;
    let target = Wrapped::with_caps(|c| {
        c.caller_serial = false;
        c.batch = false;
    });
    target.set_faults(Faults {
        duplicated: 100,
        ..Faults::default()
    });
    let mapping = format!("{MAPPING}\n[identity]\nmarker_field = \"migrated_from\"\n");
    let summary = migration(
        &source,
        &target,
        &mapping,
        Options {
            verify: true,
            remove_duplicates: true,
            ..fast()
        },
    )
    .run(&Checkpoint::in_memory().unwrap())
    .await
    .unwrap();
    assert!(summary.duplicates_removed > 5, "{summary}");
    assert_eq!((summary.failed, summary.verified), (0, 200), "{summary}");
    assert!(
        summary.to_string().contains("extra copies removed"),
        "{summary}"
    );
    assert_exactly_once(&target, 200, "member_id").await;
}
