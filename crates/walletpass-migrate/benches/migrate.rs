//! Migration throughput against two Passinstance simulators that each enforce a request rate:
//! the achieved rate of each phase as a ratio of the side's limit (goal: at least 0.95, no
//! failed pass), and the bulk path (Passinstance batch jobs) as a ratio of the per-call path.
//!
//! Run: `cargo bench -p walletpass-migrate --bench migrate` (or, without a release build,
//! `cargo test -p walletpass-migrate --bench migrate`). `BENCH_PASSES` (default 2000) and
//! `BENCH_RPS` (default 200, both sides) change the size.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is the failure report

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use walletpass_core::{Field, NewPass, PassContent, PassId, TemplateId, WalletProvider};
use walletpass_migrate::{Checkpoint, Mapping, Migration, Options, Phase, Progress, Summary};
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{SimConfig, passinstance};

/// Records how long each phase took and how many items it handled.
#[derive(Default)]
struct Timer {
    current: Mutex<Option<(Phase, Instant, u64)>>,
    phases: Mutex<BTreeMap<&'static str, (Duration, u64)>>,
}

impl Progress for Timer {
    fn start(&self, phase: Phase, _: u64) {
        *self.current.lock().unwrap() = Some((phase, Instant::now(), 0));
    }
    fn item(&self, _: bool) {
        if let Some((_, _, n)) = self.current.lock().unwrap().as_mut() {
            *n += 1;
        }
    }
    fn finish(&self) {
        if let Some((phase, started, n)) = self.current.lock().unwrap().take() {
            let mut phases = self.phases.lock().unwrap();
            let entry = phases.entry(phase.as_str()).or_default();
            entry.0 += started.elapsed();
            entry.1 += n;
        }
    }
}

fn client(sim: &RunningSim) -> Arc<dyn WalletProvider> {
    Arc::new(
        walletpass_passinstance::PassinstanceConfig::bearer(passinstance::DEMO_TOKEN)
            .with_base_url(sim.base_url())
            .build()
            .unwrap(),
    )
}

fn env_or(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn seed(source: &dyn WalletProvider, template: &TemplateId, n: usize) {
    let batch = source.batch().expect("Passinstance has batch jobs");
    let passes: Vec<NewPass> = (0..n)
        .map(|i| {
            let content = PassContent::builder()
                .field(Field::new("member", format!("M-{i:05}")).unwrap())
                .field(Field::new("points", format!("{}", i * 3)).unwrap())
                .field(Field::new("tier", "Gold").unwrap())
                .build()
                .unwrap();
            NewPass::new(content)
                .with_template(template.clone())
                .with_serial_number(PassId::new(format!("SRC-{i:05}")).unwrap())
        })
        .collect();
    for chunk in passes.chunks(100) {
        for result in batch.create_many(chunk.to_vec()).await.unwrap() {
            result.unwrap();
        }
    }
}

async fn run(
    source: &Arc<dyn WalletProvider>,
    rps: f64,
    template: &TemplateId,
    use_batch: bool,
) -> (Summary, BTreeMap<&'static str, (Duration, u64)>, Duration) {
    let target_sim = passinstance::start(SimConfig {
        rps: Some(rps),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let timer = Arc::new(Timer::default());
    let migration = Migration::new(source.clone(), client(&target_sim), Mapping::default())
        .source_template(Some(template.clone()))
        .target_template(Some(template.clone()))
        .options(Options {
            concurrency: 32,
            source_rps: Some(rps),
            target_rps: Some(rps),
            use_batch,
            ..Options::default()
        })
        .progress(timer.clone());
    let started = Instant::now();
    let summary = migration
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    let total = started.elapsed();
    let phases = timer.phases.lock().unwrap().clone();
    let bounced = target_sim
        .log()
        .entries()
        .iter()
        .filter(|e| e.status == 429)
        .count();
    println!("  (target answered 429 {bounced} times)");
    (summary, phases, total)
}

#[tokio::main]
async fn main() {
    let n = env_or("BENCH_PASSES", 2000.0) as usize;
    let rps = env_or("BENCH_RPS", 200.0);
    let source_sim = passinstance::start(SimConfig {
        rps: Some(rps),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let source = client(&source_sim);
    let template = TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap();
    seed(source.as_ref(), &template, n).await;
    println!(
        "{n} passes, Passinstance -> Passinstance, each simulator limited to {rps} requests/s"
    );

    let (summary, phases, total) = run(&source, rps, &template, false).await;
    assert_eq!((summary.migrated, summary.failed), (n, 0), "{summary}");
    let (read_time, reads) = phases["read"];
    let (create_time, creates) = phases["migrate"];
    let read_rate = reads as f64 / read_time.as_secs_f64();
    let create_rate = creates as f64 / create_time.as_secs_f64();
    println!(
        "per call: read {reads} passes in {:.2}s = {read_rate:.1}/s = {:.3} of the source limit",
        read_time.as_secs_f64(),
        read_rate / rps
    );
    println!(
        "per call: created {creates} passes in {:.2}s = {create_rate:.1}/s = {:.3} of the target limit",
        create_time.as_secs_f64(),
        create_rate / rps
    );
    println!(
        "per call: end to end {:.2}s = {:.1} passes/s = {:.3} of min(source, target) (every pass is read and checked before the first write, so the phases do not overlap)",
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64(),
        n as f64 / total.as_secs_f64() / rps
    );

    let (summary, phases, total_batch) = run(&source, rps, &template, true).await;
    assert_eq!((summary.migrated, summary.failed), (n, 0), "{summary}");
    let (batch_time, _) = phases["migrate"];
    let batch_rate = n as f64 / batch_time.as_secs_f64();
    println!(
        "batch jobs: created {n} passes in {:.2}s = {batch_rate:.1}/s = {:.2}x the per-call path ({:.2}x end to end)",
        batch_time.as_secs_f64(),
        batch_rate / create_rate,
        total.as_secs_f64() / total_batch.as_secs_f64()
    );
}
