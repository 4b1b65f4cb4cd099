//! Migration throughput between simulators that each enforce a request rate. Printed, each
//! measured in this run:
//!
//! 1. Passinstance -> Passinstance, per-call creates: the end-to-end rate in passes per second
//!    as a ratio of min(source, target) requests per second (goal: at least 0.95, no failed
//!    pass), and each phase's request rate as a ratio of its side's limit. Passinstance lists
//!    passes in full, so the source is read one listing page per 100 passes and the run is
//!    bound by the target's creates.
//! 2. The same with Passinstance batch jobs, as a ratio of the per-call path.
//! 3. PassNinja -> Passinstance: PassNinja lists summaries, so every pass is read once on the
//!    source before the first write (the pre-flight check). With equal limits the run can reach
//!    at most 0.5 of the limit end to end; the read phase's own request rate is the figure to
//!    hold to the source's limit.
//!
//! 4. Memory (`memory`): 1,000,000 and 100,000 passes memory -> memory, each size in its own
//!    child process so that its peak RSS (getrusage `ru_maxrss`) is its own: peak RSS, the RSS
//!    once the source is seeded (the source store alone), and passes per second (goal: under
//!    200 MB at 1,000,000, flat from 100,000). The checkpoint is a file in a temporary
//!    directory, as in a real run.
//! 5. Simulators (`sim`): 100,000 passes Passinstance -> Passinstance with no rate limit,
//!    passes per second (goal: at least 5,000/s on 2 cores).
//!
//! `BENCH_PARTS` picks the parts, comma-separated from `rate` (runs 1-3 with an A/A control:
//! run 1 twice), `memory` and `sim` (default: all). `BENCH_MEMORY_SIZES` (default
//! `100000,1000000`) and `BENCH_SIM_PASSES` (default 100000) change those sizes.
//!
//! Run: `cargo bench -p walletpass-migrate --bench migrate`. An optimized build exits 1 when
//! the end-to-end ratio of run 1 is below the goal. (`cargo test -p walletpass-migrate --bench
//! migrate` runs it unoptimized: a smoke run, its ratios are not the measurement.)
//! `BENCH_PASSES` (default 2000) and `BENCH_RPS` (default 200, both sides) change the size.
//!
//! The simulators' limiter admits a short burst, as vendors' one-second windows do; the per-call
//! creates use it (about 1.02 of the limit). Under a limiter with no burst at all the run would
//! take 10 s of creates plus the 0.4 s read: about 0.96 of the limit.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is the failure report

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use walletpass::{ProviderConfig, ProviderKind};
use walletpass_core::{Field, NewPass, PassContent, PassId, TemplateId, WalletProvider};
use walletpass_migrate::{Checkpoint, Mapping, Migration, Options, Phase, Progress, Summary};
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{SimConfig, passinstance, passninja};

/// The goal of the issue: end-to-end rate over the limit.
const GOAL: f64 = 0.95;

/// The memory goal at 1,000,000 passes, in MB of peak RSS.
const MEMORY_GOAL_MB: f64 = 200.0;

/// The unlimited simulator run's goal, in passes per second.
const SIM_GOAL: f64 = 5000.0;

/// Set in a child process: the number of passes of its memory run.
const CHILD: &str = "BENCH_MEMORY_CHILD";

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

/// One side of a run: a rate-limited simulator, a client of it, and the template passes use.
struct Side {
    sim: RunningSim,
    provider: Arc<dyn WalletProvider>,
    template: TemplateId,
}

fn connect(kind: ProviderKind, sim: &RunningSim, vars: &[(&str, &str)]) -> Arc<dyn WalletProvider> {
    let lookup = walletpass::vendor::vars(vars);
    walletpass::connect(ProviderConfig::from_lookup(kind, Some(sim.base_url()), lookup).unwrap())
        .unwrap()
}

fn limited(rps: f64) -> SimConfig {
    SimConfig {
        rps: Some(rps),
        // Every request kept: the 429s are counted from the log's entries.
        request_log: usize::MAX,
        ..SimConfig::default()
    }
}

async fn passinstance_side(rps: f64) -> Side {
    passinstance_side_with(limited(rps)).await
}

async fn passinstance_side_with(config: SimConfig) -> Side {
    let sim = passinstance::start(config).await.unwrap();
    let provider = connect(
        ProviderKind::Passinstance,
        &sim,
        &[("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN)],
    );
    Side {
        sim,
        provider,
        template: TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap(),
    }
}

async fn passninja_side(rps: f64) -> Side {
    let options = passninja::PassNinjaOptions {
        seed: Some(Arc::new(passninja::conformance_seed())),
        ..passninja::PassNinjaOptions::default()
    };
    let sim = passninja::launch(limited(rps), options)
        .await
        .unwrap()
        .into_running();
    let provider = connect(
        ProviderKind::PassNinja,
        &sim,
        &[
            ("PASSNINJA_API_KEY", passninja::DEMO_API_KEY),
            ("PASSNINJA_ACCOUNT_ID", passninja::DEMO_ACCOUNT_ID),
        ],
    );
    Side {
        sim,
        provider,
        template: TemplateId::new(passninja::CONFORMANCE_TEMPLATE_ID).unwrap(),
    }
}

fn env_or(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn member(i: usize, side: &Side) -> NewPass {
    let content = PassContent::builder()
        .field(Field::new("member", format!("M-{i:05}")).unwrap())
        .field(Field::new("points", format!("{}", i * 3)).unwrap())
        .field(Field::new("tier", "Gold").unwrap())
        .build()
        .unwrap();
    let mut new = NewPass::new(content).with_template(side.template.clone());
    if side.provider.capabilities().caller_serial {
        new = new.with_serial_number(PassId::new(format!("SRC-{i:05}")).unwrap());
    }
    new
}

/// Put `n` passes on the source: batch jobs where it has them, else concurrent creates.
async fn seed(side: &Side, n: usize) {
    let passes: Vec<NewPass> = (0..n).map(|i| member(i, side)).collect();
    if let Some(batch) = side.provider.batch() {
        for chunk in passes.chunks(100) {
            for result in batch.create_many(chunk.to_vec()).await.unwrap() {
                result.unwrap();
            }
        }
        return;
    }
    use futures::StreamExt;
    let provider = &side.provider;
    futures::stream::iter(passes)
        .map(|p| async move { provider.create(p).await.unwrap() })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
}

/// What one run measured.
struct Measured {
    summary: Summary,
    phases: BTreeMap<&'static str, (Duration, u64)>,
    total: Duration,
    source_requests: usize,
    target_requests: usize,
    target_429: usize,
}

async fn run(source: &Side, target: &Side, rps: f64, use_batch: bool) -> Measured {
    source.sim.log().clear();
    let timer = Arc::new(Timer::default());
    // Labels and placements are left to the target's template.
    let mapping = Mapping::from_toml("[drop]\nparts = [\"labels\", \"placements\"]\n").unwrap();
    let migration = Migration::new(source.provider.clone(), target.provider.clone(), mapping)
        .source_template(Some(source.template.clone()))
        .target_template(Some(target.template.clone()))
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
    let target_log = target.sim.log().entries();
    Measured {
        summary,
        phases,
        total,
        source_requests: source.sim.log().len(),
        target_requests: target_log.len(),
        target_429: target_log.iter().filter(|e| e.status == 429).count(),
    }
}

fn phase(m: &Measured, name: &str) -> (Duration, u64) {
    m.phases.get(name).copied().unwrap_or_default()
}

fn verdict(ratio: f64) -> &'static str {
    if ratio >= GOAL {
        "goal met"
    } else {
        "below the goal"
    }
}

fn parts() -> Vec<String> {
    std::env::var("BENCH_PARTS")
        .unwrap_or_else(|_| "rate,memory,sim".into())
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Peak RSS of this process so far, in MB (`ru_maxrss` is in KiB on Linux).
fn peak_rss_mb() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_SELF).unwrap().max_rss() as f64 / 1024.0
}

/// A small member pass, as the memory run migrates it.
fn small_member(i: usize) -> NewPass {
    let content = PassContent::builder()
        .field(Field::new("member", format!("M-{i:07}")).unwrap())
        .field(Field::new("points", (i % 1000) as i64).unwrap())
        .build()
        .unwrap();
    NewPass::new(content).with_serial_number(PassId::new(format!("SRC-{i:07}")).unwrap())
}

/// The child process of the memory run: seed `n` passes in a memory source, migrate them to a
/// memory target with a checkpoint file, print one line of figures.
async fn memory_child(n: usize) {
    let source = Arc::new(walletpass_core::MemoryProvider::new());
    let batch = source.batch().unwrap();
    for start in (0..n).step_by(1000) {
        let chunk: Vec<NewPass> = (start..(start + 1000).min(n)).map(small_member).collect();
        for r in batch.create_many(chunk).await.unwrap() {
            r.unwrap();
        }
    }
    let seeded = peak_rss_mb();
    let target = Arc::new(walletpass_core::MemoryProvider::new());
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = Checkpoint::open(&dir.path().join("cp.sqlite")).unwrap();
    let migration = Migration::new(source, target.clone(), Mapping::from_toml("").unwrap());
    let started = Instant::now();
    let summary = migration.run(&checkpoint).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!((summary.migrated, summary.failed), (n, 0), "{summary}");
    println!(
        "RESULT {n} {:.1} {seeded:.1} {secs:.2} {}",
        peak_rss_mb(),
        checkpoint.largest_read()
    );
}

/// Run the memory run of `n` passes in a child process of this benchmark; (peak RSS MB, RSS
/// once seeded MB, seconds, most checkpoint rows loaded at once).
fn memory_run(n: usize) -> (f64, f64, f64, usize) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .env(CHILD, n.to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "memory child {n}: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("memory child {n} printed no result: {text}"));
    let f: Vec<&str> = line.split_whitespace().collect();
    (
        f[1].parse().unwrap(),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
        f[4].parse().unwrap(),
    )
}

fn memory_part() {
    let sizes: Vec<usize> = std::env::var("BENCH_MEMORY_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("\nmemory -> memory, each size in its own process (peak RSS by getrusage ru_maxrss)");
    let mut peaks = Vec::new();
    for n in sizes {
        let (peak, seeded, secs, largest) = memory_run(n);
        println!(
            "  {n} passes: peak RSS {peak:.1} MB (source store seeded: {seeded:.1} MB; the migration and the target store: {:.1} MB), {:.0} passes/s, at most {largest} checkpoint rows loaded at once",
            peak - seeded,
            n as f64 / secs
        );
        peaks.push((n, peak));
    }
    if let (Some(&(small, a)), Some(&(large, b))) = (peaks.first(), peaks.last())
        && large > small
    {
        println!(
            "  peak RSS at {large} / at {small}: {:.2} (flat would be 1.00); goal under {MEMORY_GOAL_MB} MB at 1,000,000",
            b / a
        );
    }
}

async fn sim_part() {
    let n = env_or("BENCH_SIM_PASSES", 100_000.0) as usize;
    let unlimited = SimConfig {
        request_log: 0,
        ..SimConfig::default()
    };
    let source = passinstance_side_with(unlimited.clone()).await;
    seed(&source, n).await;
    let target = passinstance_side_with(unlimited).await;
    let mapping = Mapping::from_toml("[drop]\nparts = [\"labels\", \"placements\"]\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = Checkpoint::open(&dir.path().join("cp.sqlite")).unwrap();
    let migration = Migration::new(source.provider.clone(), target.provider.clone(), mapping)
        .source_template(Some(source.template.clone()))
        .target_template(Some(target.template.clone()))
        .options(Options {
            concurrency: 32,
            ..Options::default()
        });
    let started = Instant::now();
    let summary = migration.run(&checkpoint).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!((summary.migrated, summary.failed), (n, 0), "{summary}");
    let rate = n as f64 / secs;
    println!(
        "\n{n} passes, Passinstance -> Passinstance, no rate limit, batch jobs: {secs:.1}s = {rate:.0} passes/s (goal {SIM_GOAL}/s: {})",
        if rate >= SIM_GOAL {
            "goal met"
        } else {
            "below the goal"
        }
    );
}

#[tokio::main]
async fn main() {
    if let Ok(n) = std::env::var(CHILD) {
        memory_child(n.parse().unwrap()).await;
        return;
    }
    let parts = parts();
    let mut goal_met = true;
    if parts.iter().any(|p| p == "rate") {
        goal_met = rate_part().await;
    }
    if parts.iter().any(|p| p == "memory") {
        memory_part();
    }
    if parts.iter().any(|p| p == "sim") {
        sim_part().await;
    }
    if !goal_met && !cfg!(debug_assertions) {
        eprintln!("run 1 is below the goal of {GOAL} of the limit end to end");
        std::process::exit(1);
    }
}

/// Runs 1-3 (and the A/A control of run 1); whether run 1 met the goal.
async fn rate_part() -> bool {
    let n = env_or("BENCH_PASSES", 2000.0) as usize;
    let rps = env_or("BENCH_RPS", 200.0);
    println!("each simulator limited to {rps} requests/s; goal {GOAL} of the limit end to end");

    // 1. Passinstance -> Passinstance, per call.
    let source = passinstance_side(rps).await;
    seed(&source, n).await;
    let target = passinstance_side(rps).await;
    let per_call = run(&source, &target, rps, false).await;
    let s = &per_call.summary;
    assert_eq!((s.migrated, s.failed), (n, 0), "{s}");
    let (read_time, reads) = phase(&per_call, "read");
    let (create_time, creates) = phase(&per_call, "migrate");
    let end_to_end = n as f64 / per_call.total.as_secs_f64() / rps;
    let goal_met = end_to_end >= GOAL;
    println!("\n{n} passes, Passinstance -> Passinstance, per-call creates");
    println!(
        "  read:    {reads} passes from {} source requests (listing pages) in {:.2}s",
        per_call.source_requests,
        read_time.as_secs_f64()
    );
    println!(
        "  create:  {creates} passes in {:.2}s = {:.3} of the target limit ({} target requests, {} answered 429)",
        create_time.as_secs_f64(),
        creates as f64 / create_time.as_secs_f64() / rps,
        per_call.target_requests,
        per_call.target_429
    );
    println!(
        "  end to end: {:.2}s = {:.1} passes/s = {end_to_end:.3} of min(source, target): {}",
        per_call.total.as_secs_f64(),
        n as f64 / per_call.total.as_secs_f64(),
        verdict(end_to_end)
    );

    // The A/A control: run 1 again, same settings, onto a fresh target.
    let target = passinstance_side(rps).await;
    let control = run(&source, &target, rps, false).await;
    assert_eq!(
        (control.summary.migrated, control.summary.failed),
        (n, 0),
        "{}",
        control.summary
    );
    println!(
        "  A/A control (run 1 again): end to end {:.3} of the first run's rate",
        per_call.total.as_secs_f64() / control.total.as_secs_f64()
    );

    // 2. The same with batch jobs.
    let target = passinstance_side(rps).await;
    let batched = run(&source, &target, rps, true).await;
    let s = &batched.summary;
    assert_eq!((s.migrated, s.failed), (n, 0), "{s}");
    let (batch_time, _) = phase(&batched, "migrate");
    println!("\n{n} passes, Passinstance -> Passinstance, batch jobs");
    println!(
        "  create:  {n} passes in {:.2}s ({} target requests) = {:.1}x the per-call path ({:.1}x end to end)",
        batch_time.as_secs_f64(),
        batched.target_requests,
        create_time.as_secs_f64() / batch_time.as_secs_f64(),
        per_call.total.as_secs_f64() / batched.total.as_secs_f64()
    );

    // 3. A source that lists summaries: one read per pass before the first write.
    let m = (n / 4).max(1);
    let source = passninja_side(rps).await;
    seed(&source, m).await;
    let target = passinstance_side(rps).await;
    let summaries = run(&source, &target, rps, false).await;
    let s = &summaries.summary;
    assert_eq!((s.migrated, s.failed), (m, 0), "{s}");
    let (read_time, reads) = phase(&summaries, "read");
    let (create_time, creates) = phase(&summaries, "migrate");
    let end_to_end = m as f64 / summaries.total.as_secs_f64() / rps;
    println!("\n{m} passes, PassNinja -> Passinstance (PassNinja lists summaries)");
    println!(
        "  read:    {reads} passes, {} source requests in {:.2}s = {:.3} of the source limit",
        summaries.source_requests,
        read_time.as_secs_f64(),
        summaries.source_requests as f64 / read_time.as_secs_f64() / rps
    );
    println!(
        "  create:  {creates} passes in {:.2}s = {:.3} of the target limit",
        create_time.as_secs_f64(),
        creates as f64 / create_time.as_secs_f64() / rps
    );
    println!(
        "  end to end: {:.2}s = {end_to_end:.3} of min(source, target); with equal limits the bound is 0.5 when every pass is read before the first write",
        summaries.total.as_secs_f64()
    );
    goal_met
}
