//! The `walletpass-migrate` binary killed with SIGKILL twice mid-run, then resumed with the
//! same command: every source pass ends up on the target exactly once. The simulators run in
//! this test process, so they outlive the killed migrations.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::path::Path;
use std::time::Duration;

use common::binary::{kill_at, migrate_args, provider, seed_members, spawn};
use common::members;
use walletpass::ProviderKind;
use walletpass_core::TemplateId;
use walletpass_sim::SimConfig;
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{passinstance, ubpass};

const N: usize = 120;

async fn kill_twice_then_resume(to: &str, target: RunningSim, mapping: &str, dir: &Path) {
    let sim_config = SimConfig {
        latency: Duration::from_millis(3),
        ..SimConfig::default()
    };
    let source_sim = passinstance::start(sim_config).await.unwrap();
    let source = provider(ProviderKind::Passinstance, &source_sim);
    let source_template = TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap();
    seed_members(source.as_ref(), N).await;
    let map = dir.join("map.toml");
    std::fs::write(&map, mapping).unwrap();
    let checkpoint = dir.join("checkpoint.sqlite");
    let report = dir.join("report.csv");
    let target_kind: ProviderKind = to.parse().unwrap();
    let target_template = (to == "passinstance").then_some(passinstance::CONFORMANCE_TEMPLATE_ID);
    let mut args = migrate_args(&source_sim, to, &target, &map, 10);
    args.extend([
        "--checkpoint".to_owned(),
        checkpoint.to_str().unwrap().to_owned(),
    ]);

    let base = target.log().writes();
    kill_at(&args, &target, base + 3).await;
    kill_at(&args, &target, base + 8).await;
    {
        let cp = walletpass_migrate::Checkpoint::open_read_only(&checkpoint).unwrap();
        let rows = common::rows(&cp);
        let done = rows.iter().filter(|r| r.state.is_on_target()).count();
        assert_eq!(rows.len(), N, "every pass planned");
        assert!(done < N, "killed mid-run, {done} of {N} done");
    }

    args.extend([
        "--verify".to_owned(),
        "--report".to_owned(),
        report.to_str().unwrap().to_owned(),
    ]);
    let out = spawn(&args, &[]).wait_with_output().unwrap();
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
