//! Reruns between in-memory providers, for each exactly-once strategy: a new checkpoint adopts
//! the copies already on the target (after a finished run and after a crash midway), the
//! duplicate sweep removes only strays the checkpoint proves it made and never a pass it did not
//! create, and `sync` carries later source changes to exactly the changed copies.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Faults, Wrapped, assert_exactly_once, fill, member};
use walletpass_core::{Field, NewPass, PassContent, WalletProvider};
use walletpass_migrate::{Checkpoint, Mapping, Migration, Options, Strategy};

const MAPPING: &str = r#"
[fields."member.id"]
to = "member_id"

[fields.points]
to = "balance"
"#;

const MARKER: &str = "\n[identity]\nmarker_field = \"migrated_from\"\n";

fn fast() -> Options {
    Options {
        backoff: Duration::from_millis(1),
        concurrency: 8,
        use_batch: false,
        verify: true,
        ..Options::default()
    }
}

fn dry() -> Options {
    Options {
        dry_run: true,
        ..fast()
    }
}

fn removing() -> Options {
    Options {
        remove_duplicates: true,
        ..fast()
    }
}

/// A target for `strategy` and the mapping that selects it.
fn target_for(strategy: Strategy) -> (Arc<Wrapped>, String) {
    match strategy {
        Strategy::CallerSerial => (Wrapped::memory(), MAPPING.to_owned()),
        Strategy::Marker => (
            Wrapped::with_caps(|c| c.caller_serial = false),
            format!("{MAPPING}{MARKER}"),
        ),
        Strategy::Content => (
            Wrapped::with_caps(|c| c.caller_serial = false),
            MAPPING.to_owned(),
        ),
    }
}

const STRATEGIES: [Strategy; 3] = [Strategy::CallerSerial, Strategy::Marker, Strategy::Content];

fn migration(source: &Arc<Wrapped>, target: &Arc<Wrapped>, mapping: &str, o: Options) -> Migration {
    Migration::new(
        source.clone() as Arc<dyn WalletProvider>,
        target.clone() as Arc<dyn WalletProvider>,
        Mapping::from_toml(mapping).unwrap(),
    )
    .options(o)
}

/// A run with a new checkpoint.
async fn fresh_run(
    source: &Arc<Wrapped>,
    target: &Arc<Wrapped>,
    mapping: &str,
    o: Options,
) -> walletpass_migrate::Summary {
    migration(source, target, mapping, o)
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap()
}

/// Every target pass: ref -> content.
async fn snapshot(target: &Wrapped) -> BTreeMap<String, PassContent> {
    target
        .all()
        .await
        .into_iter()
        .map(|p| (p.pass_ref.to_string(), p.content))
        .collect()
}

#[tokio::test]
async fn a_new_checkpoint_adopts_every_copy_of_a_finished_run() {
    for strategy in STRATEGIES {
        let source = Wrapped::memory();
        fill(source.as_ref(), 30).await;
        let (target, mapping) = target_for(strategy);
        let m = migration(&source, &target, &mapping, fast());
        assert_eq!(m.strategy(), strategy);
        let first = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
        assert_eq!((first.migrated, first.verified), (30, 30), "{first}");
        let before = snapshot(&target).await;
        let writes = target.writes.load(Ordering::SeqCst);

        let dry = fresh_run(&source, &target, &mapping, dry()).await;
        assert_eq!(
            (dry.would_create, dry.adopted),
            (0, 30),
            "{strategy}: {dry}"
        );

        let again = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
        assert_eq!(
            (again.migrated, again.adopted, again.skipped, again.verified),
            (0, 30, 0, 30),
            "{strategy}: {again}"
        );
        assert!(again.to_string().contains("adopted 30"), "{again}");
        assert_eq!(again.exit_code(), 0, "{again}");
        assert_eq!(target.writes.load(Ordering::SeqCst), writes, "{strategy}");
        assert_eq!(
            snapshot(&target).await,
            before,
            "{strategy}: same ids, same content"
        );
    }
}

#[tokio::test]
async fn a_new_checkpoint_after_a_crash_adopts_what_the_first_run_made() {
    for strategy in STRATEGIES {
        let source = Wrapped::memory();
        fill(source.as_ref(), 40).await;
        let (target, mapping) = target_for(strategy);
        let m = migration(&source, &target, &mapping, fast());
        // Crash after 15 applied creates (the 16th applied, its answer never seen).
        target.freeze_after.store(15, Ordering::SeqCst);
        let frozen = target.frozen.notified();
        let lost = Checkpoint::in_memory().unwrap();
        tokio::select! {
            r = m.run(&lost) => panic!("should have frozen: {r:?}"),
            _ = frozen => {}
        }
        target.freeze_after.store(u64::MAX, Ordering::SeqCst);
        // The 16th and any other creates in flight were applied; none was recorded.
        let before = snapshot(&target).await;
        let made = before.len();
        assert!((16..40).contains(&made), "{strategy}: {made}");
        let applied = target.creates_applied.load(Ordering::SeqCst);

        let summary = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
        assert_eq!(
            (
                summary.adopted,
                summary.migrated,
                summary.failed,
                summary.verified
            ),
            (made, 40 - made, 0, 40),
            "{strategy}: {summary}"
        );
        assert_eq!(
            target.creates_applied.load(Ordering::SeqCst) - applied,
            40 - made as u64,
            "{strategy}: only the missing ones created"
        );
        let after = snapshot(&target).await;
        for (id, content) in &before {
            assert_eq!(
                after.get(id),
                Some(content),
                "{strategy}: {id} kept as it was"
            );
        }
        assert_exactly_once(&target, 40, "member_id").await;
    }
}

#[tokio::test]
async fn the_sweep_removes_proven_strays_only() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 100).await;
    let (target, mapping) = target_for(Strategy::Marker);
    // Passes no checkpoint created: one unrelated; two copies carrying source pass 1's marker
    // (made before this migration, say by hand). They must all stay.
    let sources = source.all().await;
    let mapped = Mapping::from_toml(&mapping).unwrap();
    let marked = |i: usize| {
        let content = mapped.apply(&sources[i].content, true).unwrap();
        mapped.with_marker(content, &sources[i].pass_ref.to_string())
    };
    let unrelated = target
        .inner
        .create(NewPass::new(member(500)))
        .await
        .unwrap();
    let by_hand_a = target.inner.create(NewPass::new(marked(1))).await.unwrap();
    let by_hand_b = target.inner.create(NewPass::new(marked(1))).await.unwrap();
    let foreign = [&unrelated, &by_hand_a, &by_hand_b].map(|p| p.pass_ref.to_string());

    // A client that repeats 10 % of the creates after losing their answer.
    target.set_faults(Faults {
        duplicated: 100,
        ..Faults::default()
    });
    let dry_first = fresh_run(&source, &target, &mapping, dry()).await;
    assert_eq!(
        (dry_first.would_create, dry_first.adopted),
        (99, 1),
        "{dry_first}"
    );

    // Without the flag: strays are reported, nothing is deleted.
    let cp = Checkpoint::in_memory().unwrap();
    let report_only = migration(&source, &target, &mapping, fast())
        .run(&cp)
        .await
        .unwrap();
    target.set_faults(Faults::default());
    let strays = report_only.duplicates_left.len();
    assert!(strays > 3, "{report_only}");
    assert_eq!(report_only.duplicates_removed, 0);
    assert_eq!(report_only.exit_code(), 1, "{report_only}");
    assert_eq!(report_only.adopted, 1, "{report_only}");
    // The second hand-made copy of pass 1 is reported, never claimed as a stray.
    assert_eq!(report_only.copies_unproven.len(), 1, "{report_only}");
    assert_eq!(report_only.copies_unproven[0].1, foreign[2]);
    // 99 copies created (source pass 1's was adopted), the three others, the strays.
    assert_eq!(target.all().await.len(), 102 + strays);

    // With the flag, on the same checkpoint: exactly the strays go.
    let removed = migration(&source, &target, &mapping, removing())
        .run(&cp)
        .await
        .unwrap();
    assert_eq!(removed.duplicates_removed, strays, "{removed}");
    assert!(removed.duplicates_left.is_empty(), "{removed}");
    assert_eq!(removed.verified, 100, "{removed}");
    let now: Vec<String> = target
        .all()
        .await
        .iter()
        .map(|p| p.pass_ref.to_string())
        .collect();
    assert_eq!(
        now.len(),
        102,
        "99 copies made and the three passes no checkpoint made"
    );
    for id in &foreign {
        assert!(
            now.contains(id),
            "{id} was not made by this migration: kept"
        );
    }

    // A new checkpoint on that target: everything adopted, the extra hand-made copy is still
    // only reported, nothing deleted even with the flag.
    let writes = target.writes.load(Ordering::SeqCst);
    let fresh = fresh_run(&source, &target, &mapping, removing()).await;
    assert_eq!(
        (fresh.adopted, fresh.duplicates_removed),
        (100, 0),
        "{fresh}"
    );
    assert_eq!(fresh.copies_unproven.len(), 1, "{fresh}");
    assert_eq!(target.writes.load(Ordering::SeqCst), writes);
}

#[tokio::test]
async fn sync_updates_exactly_the_changed_source_passes() {
    for strategy in STRATEGIES {
        let source = Wrapped::memory();
        fill(source.as_ref(), 40).await;
        let (target, mapping) = target_for(strategy);
        let cp = Checkpoint::in_memory().unwrap();
        let m = migration(&source, &target, &mapping, fast());
        let first = m.run(&cp).await.unwrap();
        assert_eq!(first.verified, 40, "{first}");
        let before = snapshot(&target).await;

        // Ten source passes change their points.
        let sources = source.all().await;
        for p in sources.iter().step_by(4) {
            let mut content = p.content.clone();
            content
                .fields
                .upsert(Field::new("points", 7777).unwrap())
                .unwrap();
            source.inner.put(&p.pass_ref, content).await.unwrap();
        }

        // Without sync: the ten are named stale, nothing is written.
        let writes = target.writes.load(Ordering::SeqCst);
        let plain = migration(
            &source,
            &target,
            &mapping,
            Options {
                verify: false,
                ..fast()
            },
        )
        .run(&cp)
        .await
        .unwrap();
        assert_eq!(plain.stale, 10, "{strategy}: {plain}");
        assert_eq!(target.writes.load(Ordering::SeqCst), writes);

        let sync = |dry_run| Options {
            sync: true,
            dry_run,
            ..fast()
        };
        let dry = migration(&source, &target, &mapping, sync(true))
            .run(&cp)
            .await
            .unwrap();
        assert_eq!((dry.updated, dry.unchanged), (10, 30), "{strategy}: {dry}");
        let synced = migration(&source, &target, &mapping, sync(false))
            .run(&cp)
            .await
            .unwrap();
        assert_eq!(
            (
                synced.updated,
                synced.unchanged,
                synced.verified,
                synced.mismatched
            ),
            (10, 30, 40, 0),
            "{strategy}: {synced}"
        );
        assert_eq!(synced.exit_code(), 0, "{synced}");
        assert_eq!(
            target.writes.load(Ordering::SeqCst) - writes,
            10,
            "{strategy}: one update per changed pass, nothing created"
        );
        let after = snapshot(&target).await;
        assert_eq!(after.len(), 40);
        let changed: Vec<&String> = before
            .iter()
            .filter(|(id, content)| after.get(*id) != Some(content))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(changed.len(), 10, "{strategy}: exactly those ten, same ids");
        for id in changed {
            let balance = after[id].field("balance").unwrap().value.to_text();
            assert_eq!(balance, "7777", "{strategy}");
        }
        // Once more: nothing left to update.
        let again = migration(&source, &target, &mapping, sync(false))
            .run(&cp)
            .await
            .unwrap();
        assert_eq!((again.updated, again.unchanged), (0, 40), "{again}");
    }
}

#[tokio::test]
async fn a_serial_target_that_cannot_list_is_looked_up_by_serial() {
    let source = Wrapped::memory();
    fill(source.as_ref(), 20).await;
    let target = Wrapped::with_caps(|c| c.list = false);
    let m = migration(&source, &target, MAPPING, fast());
    let first = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
    assert_eq!(first.migrated, 20, "{first}");
    let before = snapshot(&target).await;
    let writes = target.writes.load(Ordering::SeqCst);
    let again = fresh_run(&source, &target, MAPPING, fast()).await;
    assert_eq!((again.adopted, again.migrated), (20, 0), "{again}");
    assert_eq!(target.writes.load(Ordering::SeqCst), writes);
    assert_eq!(snapshot(&target).await, before);
}
