//! The `walletpass-migrate` binary killed with SIGKILL twice mid-run, then resumed with the
//! same command: every source pass ends up on the target exactly once. The simulators run in
//! this test process, so they outlive the killed migrations.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use walletpass::{ProviderConfig, ProviderKind};
use walletpass_core::{
    Field, ListQuery, NewPass, PassContent, PassId, TemplateId, WalletProvider, WalletProviderExt,
};
use walletpass_sim::SimConfig;
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{passinstance, ubpass};

const N: usize = 120;

fn lookup(vars: Vec<(String, String)>) -> impl Fn(&str) -> Option<String> {
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn env_vars() -> Vec<(String, String)> {
    vec![
        ("PASSINSTANCE_TOKEN".into(), passinstance::DEMO_TOKEN.into()),
        ("UBPASS_API_KEY".into(), ubpass::DEMO_API_KEY.into()),
        (
            "UBPASS_WORKSPACE_ID".into(),
            ubpass::SECOND_WORKSPACE_ID.into(),
        ),
    ]
}

fn provider(kind: ProviderKind, sim: &RunningSim) -> Arc<dyn WalletProvider> {
    let config =
        ProviderConfig::from_lookup(kind, Some(sim.base_url()), lookup(env_vars())).unwrap();
    walletpass::connect(config).unwrap()
}

fn spawn(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_walletpass-migrate"))
        .args(args)
        .envs(env_vars())
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Run the command and SIGKILL it once the target has seen `writes` write requests.
async fn kill_at(args: &[String], target: &RunningSim, writes: usize) {
    let mut child = spawn(args);
    let start = Instant::now();
    loop {
        if target.log().writes() >= writes {
            child.kill().unwrap();
            let status = child.wait().unwrap();
            assert!(!status.success(), "killed, not finished");
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "the run ended ({status}) before {writes} writes:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn members(provider: &dyn WalletProvider, template: Option<TemplateId>) -> Vec<String> {
    let mut query = ListQuery::new();
    query.template = template;
    let listed: Vec<_> = provider.list_all(query).try_collect().await.unwrap();
    let mut out = Vec::new();
    for p in listed {
        let p = provider.get(&p.pass_ref).await.unwrap();
        let text = |key: &str| {
            p.content
                .field(key)
                .map(|f| f.value.to_text())
                .unwrap_or_default()
        };
        if text("member").starts_with("M-") {
            out.push(format!(
                "{}|{}|{}",
                text("member"),
                text("points"),
                text("tier")
            ));
        }
    }
    out.sort();
    out
}

async fn kill_twice_then_resume(to: &str, target: RunningSim, mapping: &str, dir: &Path) {
    let sim_config = SimConfig {
        latency: Duration::from_millis(3),
        ..SimConfig::default()
    };
    let source_sim = passinstance::start(sim_config).await.unwrap();
    let source = provider(ProviderKind::Passinstance, &source_sim);
    let source_template = TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap();
    for i in 0..N {
        let content = PassContent::builder()
            .field(Field::new("member", format!("M-{i:04}")).unwrap())
            .field(Field::new("points", format!("{}", i * 7)).unwrap())
            .field(Field::new("tier", "Gold").unwrap())
            .build()
            .unwrap();
        let new = NewPass::new(content)
            .with_template(source_template.clone())
            .with_serial_number(PassId::new(format!("SRC-{i:04}")).unwrap());
        source.create(new).await.unwrap();
    }
    let map = dir.join("map.toml");
    std::fs::write(&map, mapping).unwrap();
    let checkpoint = dir.join("checkpoint.sqlite");
    let report = dir.join("report.csv");
    let target_kind: ProviderKind = to.parse().unwrap();
    let target_template = (to == "passinstance").then_some(passinstance::CONFORMANCE_TEMPLATE_ID);
    let mut args: Vec<String> = [
        "--from",
        "passinstance",
        "--from-base-url",
        source_sim.base_url(),
        "--from-template",
        passinstance::CONFORMANCE_TEMPLATE_ID,
        "--to",
        to,
        "--to-base-url",
        target.base_url(),
        "--map",
        map.to_str().unwrap(),
        "--checkpoint",
        checkpoint.to_str().unwrap(),
        "--concurrency",
        "4",
        "--batch-size",
        "10",
        "--progress",
        "none",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if let Some(t) = target_template {
        args.extend(["--to-template".to_owned(), t.to_owned()]);
    }

    let base = target.log().writes();
    kill_at(&args, &target, base + 3).await;
    kill_at(&args, &target, base + 8).await;
    {
        let cp = walletpass_migrate::Checkpoint::open_read_only(&checkpoint).unwrap();
        let rows = cp.rows().unwrap();
        let done = rows.iter().filter(|r| r.state.is_on_target()).count();
        assert_eq!(rows.len(), N, "every pass planned");
        assert!(done < N, "killed mid-run, {done} of {N} done");
    }

    args.extend([
        "--verify".to_owned(),
        "--report".to_owned(),
        report.to_str().unwrap().to_owned(),
    ]);
    let out = spawn(&args).wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("total {N},")), "{stdout}");
    assert!(
        stdout.contains(" failed 0,") && stdout.contains(&format!("verified {N},")),
        "{stdout}"
    );

    let target_provider = provider(target_kind, &target);
    let got = members(
        target_provider.as_ref(),
        target_template.map(|t| TemplateId::new(t).unwrap()),
    )
    .await;
    let expected = members(source.as_ref(), Some(source_template)).await;
    assert_eq!(got.len(), N, "lost or duplicated passes");
    assert_eq!(got, expected);
    let csv = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.contains(",verified,")).count(),
        N,
        "{csv}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_twice_then_resume_to_ubpass_by_marker() {
    let dir = tempfile::tempdir().unwrap();
    let target = ubpass::start(SimConfig {
        latency: Duration::from_millis(3),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mapping = "[identity]\nmarker_field = \"migrated_from\"\nmarker_placement = \"secondary\"\n[drop]\nparts = [\"labels\"]\n";
    kill_twice_then_resume("ubpass", target, mapping, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_twice_then_resume_to_passinstance_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let target = passinstance::start(SimConfig {
        latency: Duration::from_millis(3),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mapping = "[identity]\nserial_prefix = \"MIG-\"\n";
    kill_twice_then_resume("passinstance", target, mapping, dir.path()).await;
}
