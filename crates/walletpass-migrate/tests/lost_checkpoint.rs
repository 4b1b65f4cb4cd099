//! The checkpoint is never the only proof. The `walletpass-migrate` binary, between simulators
//! (Passinstance to Passinstance by caller-chosen serial, Passinstance to ubpass by marker and
//! by content), is killed midway; its checkpoint is then deleted, emptied, or loses its `-wal`
//! file (a power cut), or a new checkpoint file is given, and the same command is run again.
//! Every time: zero lost, zero duplicated, zero deleted, and a finished migration rerun with a
//! new checkpoint adopts every copy and creates nothing. A damaged checkpoint, or one of another
//! account, exits 2 before any write.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common::binary::{kill_at, migrate_args, provider, seed_members, spawn};
use futures::TryStreamExt;
use walletpass::ProviderKind;
use walletpass_core::{ListQuery, TemplateId, WalletProviderExt};
use walletpass_sim::SimConfig;
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{passinstance, ubpass};

const N: usize = 60;

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// How a checkpoint is lost between two runs.
#[derive(Clone, Copy, Debug)]
enum Loss {
    /// The file is removed, with its `-wal` and `-shm`.
    Deleted,
    /// The file is emptied (truncated to zero bytes), its `-wal` and `-shm` removed.
    Emptied,
    /// Only the `-wal` (and `-shm`) file is lost: the file rolls back to its last checkpointed
    /// state, as after a power cut.
    WalRemoved,
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn lose(path: &Path, loss: Loss) {
    let _ = std::fs::remove_file(sidecar(path, "-wal"));
    let _ = std::fs::remove_file(sidecar(path, "-shm"));
    match loss {
        Loss::Deleted => std::fs::remove_file(path).unwrap(),
        Loss::Emptied => std::fs::write(path, b"").unwrap(),
        Loss::WalRemoved => {}
    }
}

/// One migration setup: the source simulator with `N` passes, the target simulator, the
/// command's arguments (without `--checkpoint`).
struct Setup {
    source_sim: RunningSim,
    target: RunningSim,
    target_kind: ProviderKind,
    target_template: Option<TemplateId>,
    args: Vec<String>,
    dir: tempfile::TempDir,
}

async fn setup(to: &str, mapping: &str) -> Setup {
    let sim_config = SimConfig {
        latency: Duration::from_millis(3),
        ..SimConfig::default()
    };
    let source_sim = passinstance::start(sim_config.clone()).await.unwrap();
    let target = match to {
        "ubpass" => ubpass::start(sim_config).await.unwrap(),
        _ => passinstance::start(sim_config).await.unwrap(),
    };
    let source = provider(ProviderKind::Passinstance, &source_sim);
    seed_members(source.as_ref(), N).await;
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(&map, mapping).unwrap();
    let target_template = (to == "passinstance").then_some(passinstance::CONFORMANCE_TEMPLATE_ID);
    let args = migrate_args(&source_sim, to, &target, &map, 2);
    Setup {
        source_sim,
        target,
        target_kind: to.parse().unwrap(),
        target_template: target_template.map(|t| TemplateId::new(t).unwrap()),
        args,
        dir,
    }
}

impl Setup {
    fn with_checkpoint(&self, path: &Path, extra: &[&str]) -> Vec<String> {
        let mut args = self.args.clone();
        args.extend(["--checkpoint".to_owned(), path.to_str().unwrap().to_owned()]);
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    /// Every target pass: its ref and its member, points and tier.
    async fn target_passes(&self) -> BTreeMap<String, String> {
        let target = provider(self.target_kind, &self.target);
        let mut query = ListQuery::new();
        query.template = self.target_template.clone();
        let listed: Vec<_> = target.list_all(query).try_collect().await.unwrap();
        let mut out = BTreeMap::new();
        for p in listed {
            let p = target.get(&p.pass_ref).await.unwrap();
            let text = |key: &str| {
                p.content
                    .field(key)
                    .map(|f| f.value.to_text())
                    .unwrap_or_default()
            };
            out.insert(
                p.pass_ref.to_string(),
                format!("{}|{}|{}", text("member"), text("points"), text("tier")),
            );
        }
        out
    }

    fn deletes(&self) -> usize {
        self.target
            .log()
            .entries()
            .iter()
            .filter(|e| e.method == "DELETE")
            .count()
    }

    fn run(&self, args: &[String]) -> Output {
        spawn(args, &[]).wait_with_output().unwrap()
    }
}

/// Every source member on the target exactly once, every pass seen earlier still there with
/// the same content, no delete request.
async fn assert_whole(s: &Setup, earlier: &BTreeMap<String, String>) {
    let now = s.target_passes().await;
    let mut members: Vec<&str> = now.values().map(|v| v.split('|').next().unwrap()).collect();
    members.sort();
    let expected: Vec<String> = (0..N).map(|i| format!("M-{i:04}")).collect();
    assert_eq!(members, expected, "lost or duplicated passes");
    for (id, content) in earlier {
        assert_eq!(
            now.get(id),
            Some(content),
            "target pass {id} lost or changed"
        );
    }
    assert_eq!(s.deletes(), 0, "nothing is deleted");
}

/// Kill, lose the checkpoint each way in turn (killing the resumed run again), finish; then
/// rerun the finished migration with a new checkpoint file: it adopts everything.
async fn lose_and_resume(to: &str, mapping: &str, strategy: &str) {
    let s = setup(to, mapping).await;
    let cp = s.dir.path().join("a.sqlite");
    let args = s.with_checkpoint(&cp, &[]);
    let base = s.target.log().writes();
    kill_at(&args, &s.target, base + 3).await;
    for (loss, more) in [
        (Loss::Deleted, 3),
        (Loss::Emptied, 3),
        (Loss::WalRemoved, 2),
    ] {
        let earlier = s.target_passes().await;
        assert!(earlier.len() < N, "{loss:?}: killed midway");
        lose(&cp, loss);
        let writes = s.target.log().writes();
        kill_at(&args, &s.target, writes + more).await;
        // Nothing that was on the target before this run is gone or changed.
        let now = s.target_passes().await;
        for (id, content) in &earlier {
            assert_eq!(now.get(id), Some(content), "{loss:?}: {id} lost or changed");
        }
    }
    let earlier = s.target_passes().await;
    lose(&cp, Loss::WalRemoved);
    let report = s.dir.path().join("a.csv");
    let out = s.run(&s.with_checkpoint(&cp, &["--verify", "--report", report.to_str().unwrap()]));
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains(&format!("exactly-once strategy: {strategy}")),
        "{log}"
    );
    assert!(
        log.contains(" failed 0,") && log.contains(&format!("verified {N},")),
        "{log}"
    );
    assert_whole(&s, &earlier).await;

    // A new checkpoint file on a finished migration: the dry run and the real run agree, every
    // copy is adopted, nothing is created, the same target ids.
    let first = s.target_passes().await;
    let writes = s.target.log().writes();
    let dry = s.run(&s.with_checkpoint(&s.dir.path().join("b.sqlite"), &["--dry-run"]));
    let dry_log = text(&dry);
    assert!(dry.status.success(), "{dry_log}");
    assert!(
        dry_log.contains(&format!("would create 0, already on the target {N}")),
        "{dry_log}"
    );
    let b = s.dir.path().join("b.sqlite");
    let out = s.run(&s.with_checkpoint(&b, &["--verify"]));
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains(&format!(
            "migrated 0, adopted {N}, skipped 0, failed 0, verified {N},"
        )),
        "{log}"
    );
    assert_eq!(s.target.log().writes(), writes, "nothing written: {log}");
    assert_eq!(s.target_passes().await, first);
    // Run again on that checkpoint: everything is recorded now.
    let out = s.run(&s.with_checkpoint(&b, &[]));
    assert!(
        text(&out).contains(&format!("migrated 0, adopted 0, skipped {N},")),
        "{}",
        text(&out)
    );
    assert_eq!(s.target.log().writes(), writes);
    drop(s.source_sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_checkpoint_by_caller_serial() {
    lose_and_resume(
        "passinstance",
        "[identity]\nserial_prefix = \"MIG-\"\n",
        "caller-chosen serial",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_checkpoint_by_marker() {
    lose_and_resume(
        "ubpass",
        "[identity]\nmarker_field = \"migrated_from\"\nmarker_placement = \"secondary\"\n[drop]\nparts = [\"labels\"]\n",
        "marker field lookup",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_checkpoint_by_content() {
    lose_and_resume("ubpass", "[drop]\nparts = [\"labels\"]\n", "content lookup").await;
}

/// A checkpoint file that cannot be used, or that records another account: exit 2, the error
/// says what is wrong and how to start over, and the target sees no write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_or_foreign_checkpoint_exits_2_before_any_write() {
    let s = setup("passinstance", "[identity]\nserial_prefix = \"MIG-\"\n").await;
    let good = s.dir.path().join("good.sqlite");
    let out = s.run(&s.with_checkpoint(&good, &[]));
    assert!(out.status.success(), "{}", text(&out));
    let writes = s.target.log().writes();

    let garbage = s.dir.path().join("garbage.sqlite");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
    let unknown_state = s.dir.path().join("state.sqlite");
    std::fs::copy(&good, &unknown_state).unwrap();
    {
        let conn = rusqlite::Connection::open(&unknown_state).unwrap();
        conn.execute("UPDATE passes SET state = 'exploded' WHERE seq = 1", [])
            .unwrap();
    }
    let other_schema = s.dir.path().join("schema.sqlite");
    {
        let conn = rusqlite::Connection::open(&other_schema).unwrap();
        conn.execute_batch("CREATE TABLE passes (id TEXT PRIMARY KEY, done INTEGER);")
            .unwrap();
    }
    for (path, what) in [
        (&garbage, "not an SQLite database"),
        (&unknown_state, "unknown state 'exploded'"),
        (&other_schema, "has no column"),
    ] {
        let out = s.run(&s.with_checkpoint(path, &[]));
        let log = text(&out);
        assert_eq!(out.status.code(), Some(2), "{log}");
        assert!(log.contains(what), "{log}");
        assert!(log.contains("new --checkpoint file"), "{log}");
        assert_eq!(s.target.log().writes(), writes, "{log}");
    }

    // The same checkpoint against another account of the target vendor (another token).
    let args = s.with_checkpoint(&good, &["--to-env-prefix", "OTHER_"]);
    let out = spawn(&args, &[("OTHER_PASSINSTANCE_TOKEN", "another-token")])
        .wait_with_output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(2), "{log}");
    assert!(log.contains("target_account"), "{log}");
    assert!(!log.contains("another-token"), "no secret in errors: {log}");
    assert_eq!(s.target.log().writes(), writes, "{log}");
    let recorded = std::fs::read(&good).unwrap();
    assert!(
        !String::from_utf8_lossy(&recorded).contains(passinstance::DEMO_TOKEN),
        "no secret in the checkpoint"
    );
}
