//! The `walletpass-migrate` binary as a process: Ctrl-C (SIGINT) midway exits 3 after the
//! requests in flight and a rerun completes with nothing lost or duplicated; closed output
//! pipes never panic (the run's own exit code stands); `--output json` prints one JSON object;
//! a retire mode the source cannot do exits 2 before any write. The simulators run in this test
//! process, so they outlive the migrations.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use tokio::process::Command;
use walletpass::{ProviderConfig, ProviderKind};
use walletpass_core::{Field, ListQuery, NewPass, PassContent, TemplateId, WalletProviderExt};
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{SimConfig, passinstance};

const TEMPLATE: &str = passinstance::CONFORMANCE_TEMPLATE_ID;

fn command(args: &[String]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_walletpass-migrate"));
    cmd.args(args)
        .env("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN)
        .env("RUST_LOG", "error")
        .kill_on_drop(true);
    cmd
}

fn provider(sim: &RunningSim) -> std::sync::Arc<dyn walletpass_core::WalletProvider> {
    let token =
        |name: &str| (name == "PASSINSTANCE_TOKEN").then(|| passinstance::DEMO_TOKEN.to_owned());
    let config =
        ProviderConfig::from_lookup(ProviderKind::Passinstance, Some(sim.base_url()), token)
            .unwrap();
    walletpass::connect(config).unwrap()
}

/// Two Passinstance simulators, `n` passes in the source's conformance template.
async fn sides(n: usize) -> (RunningSim, RunningSim) {
    let config = SimConfig {
        latency: Duration::from_millis(3),
        ..SimConfig::default()
    };
    let source = passinstance::start(config.clone()).await.unwrap();
    let target = passinstance::start(config).await.unwrap();
    let p = provider(&source);
    for i in 0..n {
        let content = PassContent::builder()
            .field(Field::new("member", format!("M-{i:04}")).unwrap())
            .field(Field::new("points", (i * 7) as i64).unwrap())
            .field(Field::new("tier", "Gold").unwrap())
            .build()
            .unwrap();
        p.create(NewPass::new(content).with_template(TemplateId::new(TEMPLATE).unwrap()))
            .await
            .unwrap();
    }
    (source, target)
}

fn args(source: &RunningSim, target: &RunningSim, extra: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = [
        "--from",
        "passinstance",
        "--from-base-url",
        source.base_url(),
        "--from-template",
        TEMPLATE,
        "--to",
        "passinstance",
        "--to-base-url",
        target.base_url(),
        "--to-template",
        TEMPLATE,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    out.extend(extra.iter().map(|s| (*s).to_owned()));
    out
}

/// The member ids on `sim`'s conformance template, sorted.
async fn members(sim: &RunningSim) -> Vec<String> {
    let mut query = ListQuery::new();
    query.template = Some(TemplateId::new(TEMPLATE).unwrap());
    let listed: Vec<_> = provider(sim).list_all(query).try_collect().await.unwrap();
    let mut out: Vec<String> = listed
        .iter()
        .filter_map(|p| p.content.field("member").map(|f| f.value.to_text()))
        .filter(|m| m.starts_with("M-"))
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_midway_exits_3_and_a_rerun_completes_exactly_once() {
    const N: usize = 80;
    let (source, target) = sides(N).await;
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("cp.sqlite");
    let args = args(
        &source,
        &target,
        &[
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--no-batch",
            "--concurrency",
            "4",
            "--to-rps",
            "40",
            "--progress",
            "none",
        ],
    );
    let base = target.log().writes();
    let mut child = command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while target.log().writes() < base + 10 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "ended before the signal"
        );
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let pid = child.id().unwrap().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("stopped midway") && stderr.contains("run the same command again"),
        "{stderr}"
    );
    let done = members(&target).await;
    assert!(
        !done.is_empty() && done.len() < N,
        "stopped midway: {} of {N}",
        done.len()
    );
    {
        let cp = walletpass_migrate::Checkpoint::open_read_only(&checkpoint).unwrap();
        let recorded = common::rows(&cp)
            .iter()
            .filter(|r| r.state.is_on_target())
            .count();
        assert_eq!(recorded, done.len(), "every pass in flight was recorded");
    }

    let out = command(&args).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("total {N},")), "{stdout}");
    let expected: Vec<String> = (0..N).map(|i| format!("M-{i:04}")).collect();
    assert_eq!(members(&target).await, expected, "lost or duplicated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_output_pipes_never_panic_and_json_is_one_object() {
    let (source, target) = sides(5).await;
    // Both pipes closed before the program writes: the dry run still runs to its end and exits
    // with its own code.
    let dry = args(&source, &target, &["--dry-run", "--progress", "lines"]);
    let closed = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Stdio::from(writer)
    };
    let status = command(&dry)
        .stdout(closed())
        .stderr(closed())
        .status()
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    // A warning logged to the closed stderr (ubpass without a marker: matching by content).
    let ubpass = walletpass_sim::ubpass::start(SimConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(&map, "[fields.points]\nas_text = true\n").unwrap();
    let mut to_ubpass = dry.clone();
    to_ubpass.extend(["--map".to_owned(), map.to_str().unwrap().to_owned()]);
    let at = to_ubpass.iter().position(|a| a == "--to").unwrap();
    to_ubpass.splice(
        at..at + 6,
        [
            "--to".to_owned(),
            "ubpass".to_owned(),
            "--to-base-url".to_owned(),
            ubpass.base_url().to_owned(),
        ],
    );
    let with_warning = || {
        let mut cmd = command(&to_ubpass);
        cmd.env("RUST_LOG", "warn")
            .env("UBPASS_API_KEY", walletpass_sim::ubpass::DEMO_API_KEY);
        cmd
    };
    let out = with_warning().output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("WARN"), "{stderr}");
    let status = with_warning()
        .stdout(closed())
        .stderr(closed())
        .status()
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");

    let mut json = dry.clone();
    json.extend(["--output".to_owned(), "json".to_owned()]);
    let out = command(&json).output().await.unwrap();
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["dry_run"], true, "{value}");
    assert_eq!(value["total"], 5, "{value}");
    assert_eq!(value["would_create"], 5, "{value}");
    assert_eq!(value["exit_code"], 0, "{value}");

    // An error is one JSON object on stderr, with its exit code.
    let mut bad = json.clone();
    bad.extend(["--concurrency".to_owned(), "0".to_owned()]);
    let out = command(&bad).output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(value["error"]["exit_code"], 2, "{value}");
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("--concurrency"),
        "{value}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retire_mode_the_source_cannot_do_exits_2_before_any_write() {
    let (source, target) = sides(3).await;
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("cp.sqlite");
    let (source_writes, target_writes) = (source.log().writes(), target.log().writes());
    let args = args(
        &source,
        &target,
        &[
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--verify",
            "--retire",
            "notice",
            "--progress",
            "none",
        ],
    );
    let out = command(&args).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--retire notice: the source (passinstance)")
            && stderr.contains("--retire void or --retire delete would work"),
        "{stderr}"
    );
    assert_eq!(source.log().writes(), source_writes);
    assert_eq!(target.log().writes(), target_writes);
}
