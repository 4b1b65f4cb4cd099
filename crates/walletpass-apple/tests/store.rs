//! The SQLite store: a killed process loses no committed change, concurrent patches to one
//! pass (from two providers on the same file) never lose an update, each change bumps the
//! update tag by exactly one, and the schema version is tracked.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::io::BufRead;
use std::sync::Arc;

use walletpass_apple::{Apple, AppleConfig, STORE_FILE};
use walletpass_core::{
    ErrorKind, NewPass, PassContent, PassId, PassPatch, PassRef, WalletProvider,
};

const CHILD_ENV: &str = "WALLETPASS_APPLE_TEST_CHILD_DIR";

fn serial(n: u32) -> PassId {
    PassId::new(format!("KILL-{n:05}")).unwrap()
}

/// In the child process: create and patch passes, printing each after it is committed, until
/// killed. Run only as the child of `a_killed_process_loses_no_committed_change`.
#[tokio::test]
#[ignore = "the child process of a_killed_process_loses_no_committed_change"]
async fn child_writes_until_killed() {
    let dir = std::env::var(CHILD_ENV).expect("run by a_killed_process_loses_no_committed_change");
    let apple = Apple::new(AppleConfig::new(dir)).unwrap();
    for n in 0..1_000_000 {
        let content = PassContent::builder()
            .value("n", i64::from(n))
            .build()
            .unwrap();
        let pass = apple
            .create(NewPass::new(content).with_serial_number(serial(n)))
            .await
            .unwrap();
        let patch = PassPatch::builder()
            .set_value("patched", "yes")
            .build()
            .unwrap();
        apple.patch(&pass.pass_ref, &patch).await.unwrap();
        println!("committed {n}");
    }
}

#[tokio::test]
async fn a_killed_process_loses_no_committed_change() {
    let dir = tempfile::tempdir().unwrap();
    // Make the test certificate first, so the child starts writing at once.
    drop(Apple::new(AppleConfig::new(dir.path())).unwrap());
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_writes_until_killed",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut last = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("committed ") {
            let n: u32 = n.parse().unwrap();
            last = Some(n);
            if n >= 150 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no checkpoint
    child.wait().unwrap();
    let last = last.expect("the child committed nothing");
    let apple = Apple::new(AppleConfig::new(dir.path())).unwrap();
    for n in 0..=last {
        let pass = apple.get(&PassRef::new(serial(n))).await.unwrap();
        assert_eq!(
            pass.content.field("patched").unwrap().value,
            "yes".into(),
            "pass {n}"
        );
        assert_eq!(apple.update_tag(&pass.pass_ref).unwrap(), 2, "pass {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_from_two_providers_never_lose_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(Apple::new(AppleConfig::new(dir.path())).unwrap());
    let b = Arc::new(Apple::new(AppleConfig::new(dir.path())).unwrap());
    let pass = a
        .create(
            NewPass::new(PassContent::builder().value("start", "0").build().unwrap())
                .with_serial_number(PassId::new("RACE-1").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(a.update_tag(&pass.pass_ref).unwrap(), 1);
    const PER_SIDE: usize = 25;
    let mut tasks = Vec::new();
    for (side, provider) in [("a", a.clone()), ("b", b.clone())] {
        for i in 0..PER_SIDE {
            let provider = provider.clone();
            let pass_ref = pass.pass_ref.clone();
            tasks.push(tokio::spawn(async move {
                let patch = PassPatch::builder()
                    .set_value(&format!("{side}{i}"), i as i64)
                    .build()
                    .unwrap();
                provider.patch(&pass_ref, &patch).await.unwrap();
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let read = b.get(&pass.pass_ref).await.unwrap();
    assert_eq!(
        read.content.fields.len(),
        1 + 2 * PER_SIDE,
        "an update was lost"
    );
    assert_eq!(
        a.update_tag(&pass.pass_ref).unwrap(),
        1 + 2 * PER_SIDE as u64
    );
    assert!(read.updated_at >= read.created_at);
}

#[tokio::test]
async fn each_change_bumps_the_tag_once_and_a_repeated_void_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let apple = Apple::new(AppleConfig::new(dir.path()).in_memory()).unwrap();
    let new = NewPass::new(PassContent::builder().value("a", "1").build().unwrap())
        .with_serial_number(PassId::new("TAG-1").unwrap());
    let pass = apple.create(new.clone()).await.unwrap();
    // A retried create is the same pass; other content under the serial is a conflict.
    assert_eq!(apple.create(new).await.unwrap().pass_ref, pass.pass_ref);
    let other = NewPass::new(PassContent::builder().value("a", "2").build().unwrap())
        .with_serial_number(PassId::new("TAG-1").unwrap());
    assert_eq!(
        apple.create(other).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    let tag = |apple: &Apple| apple.update_tag(&pass.pass_ref).unwrap();
    assert_eq!(tag(&apple), 1);
    let patch = PassPatch::builder().set_value("a", "2").build().unwrap();
    apple.patch(&pass.pass_ref, &patch).await.unwrap();
    assert_eq!(tag(&apple), 2);
    apple
        .put(
            &pass.pass_ref,
            PassContent::builder().value("b", "3").build().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(tag(&apple), 3);
    apple.void(&pass.pass_ref).await.unwrap();
    assert_eq!(tag(&apple), 4);
    apple.void(&pass.pass_ref).await.unwrap();
    assert_eq!(tag(&apple), 4);
}

#[test]
fn the_schema_version_is_recorded_and_a_newer_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Apple::new(AppleConfig::new(dir.path())).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join(STORE_FILE)).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, walletpass_apple::store::MIGRATIONS.len() as i64);
    conn.pragma_update(None, "user_version", version + 1)
        .unwrap();
    drop(conn);
    let err = Apple::new(AppleConfig::new(dir.path())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.message().contains("is newer than this build knows"),
        "{err}"
    );
}
