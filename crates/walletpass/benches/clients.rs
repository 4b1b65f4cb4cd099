//! Client and simulator cost, each measured against a baseline in the same run. Printed:
//!
//! 1. Per vendor, CPU per operation of walletpass over a hand-written reqwest + serde_json client
//!    sending the identical requests (recorded from walletpass's own calls on the simulator, then
//!    replayed: each answer decoded into a `serde_json::Value`, each body serialized from one;
//!    reqwest with walletpass's default timeouts),
//!    for `get`, `patch` (its read and its write) and `list_all` (every page). The two clients
//!    alternate in blocks (ABBA), so drift on the shared machine cancels. Client CPU is
//!    getrusage(RUSAGE_SELF) of this process: the simulators run in child processes. In this
//!    part and the next, this process and the simulators it starts share one CPU (the children
//!    inherit its affinity) and each simulator runs a current-thread runtime (see `serve`).
//! 2. An A/A control: the hand-written client against a second copy of itself, for ubpass
//!    `get` and `patch` (should be 1.00).
//! 3. Simulator CPU per `GET` (each vendor's), over a bare axum handler answering a body of the
//!    same size, both in child processes, read from `/proc/PID/task/*/schedstat`, with the load
//!    average at the start and an A/A control (the bare handler against a second copy of
//!    itself, should be 1.00).
//! 4. Simulator RSS before and after a load run (64 concurrent connections reading and
//!    updating passes; 60 s, `BENCH_LOAD_SECS` changes it): the request log is a ring buffer, so
//!    memory stays flat once it is full (`BENCH_LOG_ENTRIES` sets its size, default
//!    `DEFAULT_REQUEST_LOG`; 0 keeps none, to tell the ring filling from a leak).
//! 5. Passinstance simulator listing rates, `list_all` of 100,000 and 1,000,000 passes
//!    (`BENCH_LIST_SIZES`, comma-separated, changes them; goal: 1,000,000 in under 60 s).
//! 6. Only when `BENCH_ONLY` names `counts` (it needs valgrind; about half a minute): per
//!    vendor, instruction, simulated cache-miss and mispredicted-branch counts per `get` and
//!    per `patch`, each client in its own process under callgrind (averaged over
//!    `BENCH_COUNT_OPS` operations, default 200), walletpass's over the hand-written client's,
//!    with an A/A control (the hand-written client against itself, ubpass `get`). Counts do not
//!    depend on the machine's load, so they repeat where the CPU-time ratios drift and show
//!    where a difference in time comes from.
//!
//! Run: `cargo bench -p walletpass --bench clients` (a few minutes; Linux only, for `/proc`).
//! `BENCH_BLOCKS` (default 400) sets how many block pairs each comparison runs (a block of
//! `get`s is about 1 ms of CPU: with 20 pairs the A/A control moved between 0.97 and 1.19 from
//! run to run, with 400 between 0.99 and 1.02, and the client part takes about 25 s); `BENCH_ONLY`
//! (comma-separated: `clients`, `sim`, `load`, `list`, `counts`) runs only those parts, `BENCH_VENDORS`
//! (comma-separated vendor names) only those vendors.
//!
//! The simulators are this same binary started again with `--serve VENDOR`: it prints its base
//! URL and a control URL (the request log, for recording), and exits when its stdin closes.
//!
//! `BENCH_PROFILE=VENDOR,OP,SIDE,N` (OP `get` or `patch`, SIDE `walletpass` or `hand`) runs
//! nothing else: it sets the vendor up, then runs N operations of one client inside
//! `profiled_ops`, for instruction counts that do not depend on the machine's load:
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*profiled_ops*' BINARY`
//! (the simulator runs natively in its child process), then the same with the other SIDE.
//! Add `--cache-sim=yes --branch-sim=yes`: at equal instruction counts, cache misses and
//! mispredicted branches still make the CPU time differ.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is the failure report

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use walletpass::{
    Field, ListQuery, NewPass, PassContent, PassPatch, PassRef, ProviderConfig, ProviderKind,
    TemplateId, WalletProvider, WalletProviderExt,
};
use walletpass_sim::{SimConfig, passinstance, passninja, ubpass};

/// Operations per block, by operation.
const GET_BLOCK: usize = 50;
const PATCH_BLOCK: usize = 25;
const LIST_BLOCK: usize = 2;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--serve") {
        let vendor = args[at + 1].clone();
        let number = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .map_or(0, |i| args[i + 1].parse::<usize>().unwrap())
        };
        let single = args.iter().any(|a| a == "--single");
        serve(&vendor, number("--passes"), number("--body"), single);
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(spec) = std::env::var("BENCH_PROFILE") {
        profile(&runtime, &spec);
        return;
    }
    if named("counts") {
        counts(env_or("BENCH_COUNT_OPS", 200));
    }
    runtime.block_on(bench());
}

// ---------------------------------------------------------------- the simulator processes

/// Child mode: serve one simulator (or the bare handler) until stdin closes. `single` (the
/// client and simulator-CPU parts): a current-thread runtime, on the one CPU this child
/// inherited from the benchmark (see [`pin_to_one_cpu`]), so that idle worker threads spinning
/// for work and the scheduler moving processes between cores (which swamped the per-request
/// difference: an A/A control read 3.88 with two multi-thread servers, unpinned) are charged to
/// neither side; both sides of each comparison are served the same way.
fn serve(vendor: &str, passes: usize, body: usize, single: bool) {
    let runtime = if single {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    runtime.block_on(async {
        let config = SimConfig {
            request_log: log_entries(),
            ..SimConfig::default()
        };
        let (base, log) = match vendor {
            "passninja" => {
                let options = passninja::PassNinjaOptions {
                    seed: Some(Arc::new(passninja::conformance_seed())),
                    ..passninja::PassNinjaOptions::default()
                };
                let sim = passninja::launch(config, options)
                    .await
                    .unwrap()
                    .into_running();
                (sim.base_url().to_owned(), Some(keep(sim)))
            }
            "ubpass" => {
                let sim = ubpass::start(config).await.unwrap();
                (sim.base_url().to_owned(), Some(keep(sim)))
            }
            "passinstance" => {
                let (sim, handle) = passinstance::start_with_handle(config).await.unwrap();
                for i in 0..passes {
                    let body = json!({
                        "templateId": passinstance::CONFORMANCE_TEMPLATE_ID,
                        "serialNumber": format!("S-{i:07}"),
                        "fields": {"member": {"value": format!("M-{i:07}")}, "tier": {"value": "Gold"}},
                    });
                    handle.create_pass(body.as_object().unwrap()).unwrap();
                }
                (sim.base_url().to_owned(), Some(keep(sim)))
            }
            _ => (bare(body).await, None),
        };
        let control = control(log).await;
        println!("{base} {control}");
        std::io::stdout().flush().unwrap();
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .unwrap();
    });
}

/// How many requests the simulators' logs keep (`BENCH_LOG_ENTRIES`).
fn log_entries() -> usize {
    env_or(
        "BENCH_LOG_ENTRIES",
        walletpass_sim::harness::DEFAULT_REQUEST_LOG,
    )
}

/// Keep a simulator running for the life of the process; its request log stays reachable.
fn keep(sim: walletpass_sim::RunningSim) -> walletpass_sim::RequestLog {
    let log = sim.log().clone();
    std::mem::forget(sim);
    log
}

/// A bare axum handler answering every request with `size` bytes of JSON.
async fn bare(size: usize) -> String {
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(size.saturating_sub(10)));
    let body = axum::body::Bytes::from(body);
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move { ([("content-type", "application/json")], body) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// The control server: `GET /log` answers the request log, `POST /clear` empties it.
async fn control(log: Option<walletpass_sim::RequestLog>) -> String {
    let log = log.unwrap_or_default();
    let read = log.clone();
    let app = axum::Router::new()
        .route(
            "/log",
            axum::routing::get(move || {
                let log = read.clone();
                async move {
                    let entries: Vec<Value> = log
                        .entries()
                        .into_iter()
                        .map(|e| {
                            json!({
                                "method": e.method,
                                "path": e.path,
                                "query": e.query,
                                "headers": e.headers,
                                "body": String::from_utf8_lossy(&e.body),
                            })
                        })
                        .collect();
                    axum::Json(Value::Array(entries))
                }
            }),
        )
        .route(
            "/clear",
            axum::routing::post(move || {
                log.clear();
                async {}
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A simulator in a child process.
struct Sim {
    child: Child,
    base: String,
    control: String,
    http: reqwest::Client,
}

impl Sim {
    fn spawn(vendor: &str, passes: usize, body: usize) -> Sim {
        Self::spawn_with(vendor, passes, body, &[])
    }

    /// A simulator for the CPU-per-request parts: see [`serve`]'s `single`.
    fn spawn_single(vendor: &str, passes: usize, body: usize) -> Sim {
        Self::spawn_with(vendor, passes, body, &["--single"])
    }

    fn spawn_with(vendor: &str, passes: usize, body: usize, extra: &[&str]) -> Sim {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--serve", vendor, "--passes", &passes.to_string()])
            .args(["--body", &body.to_string()])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let (base, control) = line.trim().split_once(' ').unwrap();
        Sim {
            base: base.to_owned(),
            control: control.to_owned(),
            child,
            http: reqwest::Client::new(),
        }
    }

    /// CPU time of the whole simulator process so far (every thread), from the scheduler.
    fn cpu(&self) -> Duration {
        let mut ns = 0u64;
        let tasks = format!("/proc/{}/task", self.child.id());
        for task in std::fs::read_dir(tasks).unwrap().flatten() {
            if let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) {
                ns += text
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
        Duration::from_nanos(ns)
    }

    /// Resident memory in MiB.
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    }

    async fn clear(&self) {
        let url = format!("{}/clear", self.control);
        self.http.post(url).send().await.unwrap();
    }

    /// The requests received since the last clear, as the hand-written client will send them.
    async fn recorded(&self) -> Vec<Recorded> {
        let url = format!("{}/log", self.control);
        let log: Vec<Value> = self
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let origin = self.base.split('/').take(3).collect::<Vec<_>>().join("/");
        log.iter()
            .map(|e| {
                let mut url = format!("{origin}{}", e["path"].as_str().unwrap());
                if let Some(q) = e["query"].as_str() {
                    url = format!("{url}?{q}");
                }
                let mut headers = reqwest::header::HeaderMap::new();
                for pair in e["headers"].as_array().unwrap() {
                    let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
                    if !["host", "content-length"].contains(&name) {
                        headers.insert(
                            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                            value.parse().unwrap(),
                        );
                    }
                }
                let body = e["body"].as_str().unwrap();
                Recorded {
                    method: e["method"].as_str().unwrap().parse().unwrap(),
                    url,
                    headers,
                    body: (!body.is_empty()).then(|| serde_json::from_str(body).unwrap()),
                }
            })
            .collect()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- the two clients

/// One request as walletpass sent it.
struct Recorded {
    method: reqwest::Method,
    url: String,
    headers: reqwest::header::HeaderMap,
    body: Option<Value>,
}

/// What a client runs once per operation.
enum Op {
    Get(PassRef),
    Patch(PassRef, PassPatch),
    ListAll(ListQuery),
}

enum Runner<'a> {
    Walletpass(&'a dyn WalletProvider, &'a Op),
    Hand(&'a reqwest::Client, &'a [Recorded]),
}

impl Runner<'_> {
    async fn once(&self) {
        match self {
            Runner::Walletpass(provider, Op::Get(pass)) => {
                std::hint::black_box(provider.get(pass).await.unwrap());
            }
            Runner::Walletpass(provider, Op::Patch(pass, patch)) => {
                std::hint::black_box(provider.patch(pass, patch).await.unwrap());
            }
            Runner::Walletpass(provider, Op::ListAll(query)) => {
                let n = provider
                    .list_all(query.clone())
                    .try_fold(0usize, |n, p| async move {
                        std::hint::black_box(p);
                        Ok(n + 1)
                    })
                    .await
                    .unwrap();
                std::hint::black_box(n);
            }
            Runner::Hand(client, requests) => {
                for r in requests.iter() {
                    let mut request = client
                        .request(r.method.clone(), &r.url)
                        .headers(r.headers.clone());
                    if let Some(body) = &r.body {
                        request = request.body(serde_json::to_vec(body).unwrap());
                    }
                    let response = request.send().await.unwrap();
                    assert!(response.status().is_success(), "{}", response.status());
                    let bytes = response.bytes().await.unwrap();
                    if !bytes.is_empty() {
                        std::hint::black_box(serde_json::from_slice::<Value>(&bytes).unwrap());
                    }
                }
            }
        }
    }
}

/// The hand-written client: reqwest with the timeouts walletpass's client sets by default
/// (30 s per attempt, 10 s to connect), as a production client would.
fn hand_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// User plus system CPU time of this process.
fn client_cpu() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_SELF).unwrap();
    let micros = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    micros(usage.user_time()) + micros(usage.system_time())
}

/// CPU per operation of `a` and of `b`, in interleaved blocks of `per_block` operations.
async fn compare(a: &Runner<'_>, b: &Runner<'_>, per_block: usize, blocks: usize) -> (f64, f64) {
    for _ in 0..per_block.min(5) {
        a.once().await;
        b.once().await;
    }
    let (mut cpu_a, mut cpu_b) = (Duration::ZERO, Duration::ZERO);
    for block in 0..blocks {
        let order: [(&Runner, bool); 2] = if block % 2 == 0 {
            [(a, true), (b, false)]
        } else {
            [(b, false), (a, true)]
        };
        for (runner, is_a) in order {
            let start = client_cpu();
            for _ in 0..per_block {
                runner.once().await;
            }
            let spent = client_cpu() - start;
            if is_a {
                cpu_a += spent;
            } else {
                cpu_b += spent;
            }
        }
    }
    let ops = (per_block * blocks) as f64;
    (
        cpu_a.as_secs_f64() / ops * 1e6,
        cpu_b.as_secs_f64() / ops * 1e6,
    )
}

// ---------------------------------------------------------------- the vendors

struct Vendor {
    name: &'static str,
    kind: ProviderKind,
    vars: &'static [(&'static str, &'static str)],
    template: Option<&'static str>,
    /// Passes created through walletpass before measuring (Passinstance seeds its own).
    create: usize,
    seeded: usize,
    page: u32,
}

const VENDORS: [Vendor; 3] = [
    Vendor {
        name: "passninja",
        kind: ProviderKind::PassNinja,
        vars: &[
            ("PASSNINJA_API_KEY", passninja::DEMO_API_KEY),
            ("PASSNINJA_ACCOUNT_ID", passninja::DEMO_ACCOUNT_ID),
        ],
        template: Some(passninja::CONFORMANCE_TEMPLATE_ID),
        create: 100,
        seeded: 0,
        page: 100,
    },
    Vendor {
        name: "ubpass",
        kind: ProviderKind::Ubpass,
        vars: &[
            ("UBPASS_API_KEY", ubpass::DEMO_API_KEY),
            ("UBPASS_WORKSPACE_ID", ubpass::DEMO_WORKSPACE_ID),
        ],
        template: None,
        create: 200,
        seeded: 0,
        page: 20,
    },
    Vendor {
        name: "passinstance",
        kind: ProviderKind::Passinstance,
        vars: &[("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN)],
        template: Some(passinstance::CONFORMANCE_TEMPLATE_ID),
        create: 0,
        seeded: 1000,
        page: 100,
    },
];

fn connect(vendor: &Vendor, sim: &Sim) -> Arc<dyn WalletProvider> {
    let lookup = walletpass::vendor::vars(vendor.vars);
    walletpass::connect(ProviderConfig::from_lookup(vendor.kind, Some(&sim.base), lookup).unwrap())
        .unwrap()
}

fn member(i: usize, template: Option<&str>) -> NewPass {
    let content = PassContent::builder()
        .field(Field::new("member", format!("M-{i:05}")).unwrap())
        .field(Field::new("points", format!("{}", i * 3)).unwrap())
        .field(Field::new("tier", "Gold").unwrap())
        .build()
        .unwrap();
    let new = NewPass::new(content);
    match template {
        Some(t) => new.with_template(TemplateId::new(t).unwrap()),
        None => new,
    }
}

/// Record the requests of one walletpass operation (after a warm-up call).
async fn record(sim: &Sim, provider: &dyn WalletProvider, op: &Op) -> Vec<Recorded> {
    let runner = Runner::Walletpass(provider, op);
    runner.once().await;
    sim.clear().await;
    runner.once().await;
    sim.recorded().await
}

/// The 1, 5 and 15 minute load averages, to print beside timings taken on a shared machine.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".into(),
        |text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether `BENCH_ONLY` (when set) names `part`.
fn runs(part: &str) -> bool {
    std::env::var("BENCH_ONLY")
        .ok()
        .is_none_or(|only| only.split(',').any(|p| p.trim() == part))
}

/// Whether `BENCH_ONLY` is set and names `part` (for the parts a plain run leaves out).
fn named(part: &str) -> bool {
    std::env::var_os("BENCH_ONLY").is_some() && runs(part)
}

/// Whether `BENCH_VENDORS` (when set) names `vendor`.
fn measures(vendor: &Vendor) -> bool {
    std::env::var("BENCH_VENDORS").map_or(true, |only| {
        only.split(',').any(|v| v.trim() == vendor.name)
    })
}

async fn bench() {
    let blocks = env_or("BENCH_BLOCKS", 400);
    if runs("clients") {
        clients(blocks).await;
    }
    if runs("sim") {
        // The client and the servers it starts on one CPU (see `serve`).
        let _pinned = pin_to_one_cpu();
        println!(
            "\nsimulator CPU per GET vs a bare axum handler answering as many bytes ({blocks} interleaved block pairs of 200; load average {})",
            load_average()
        );
        for vendor in VENDORS.iter().filter(|v| measures(v)) {
            simulator_cpu(vendor, blocks).await;
        }
        bare_control(blocks).await;
    }
    if runs("load") {
        load(env_or("BENCH_LOAD_SECS", 60)).await;
    }
    if runs("list") {
        println!("\nPassinstance simulator listing (walletpass list_all, 100 per page)");
        let sizes = std::env::var("BENCH_LIST_SIZES").unwrap_or_else(|_| "100000,1000000".into());
        for n in sizes
            .split(',')
            .filter_map(|s| s.trim().parse::<usize>().ok())
        {
            listing(n).await;
        }
    }
}

async fn clients(blocks: usize) {
    println!("walletpass vs a hand-written reqwest + serde_json client, identical requests");
    println!(
        "(client CPU per op by getrusage, {blocks} interleaved block pairs; ratio = walletpass / hand-written)"
    );
    let hand = hand_client();
    // As in the simulator part: this process and the simulators it starts on one CPU.
    let _pinned = pin_to_one_cpu();
    for vendor in VENDORS.iter().filter(|v| measures(v)) {
        let sim = Sim::spawn_single(vendor.name, vendor.seeded, 0);
        let provider = connect(vendor, &sim);
        let created: Vec<_> = futures::stream::iter(0..vendor.create.max(1))
            .map(|i| {
                let provider = provider.clone();
                async move { provider.create(member(i, vendor.template)).await.unwrap() }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        let pass = created[0].pass_ref.clone();
        let patch = PassPatch::builder()
            .set_value("tier", "Platinum")
            .build()
            .unwrap();
        let mut query = ListQuery::new().page_size(vendor.page);
        if let Some(t) = vendor.template {
            query = query.template(TemplateId::new(t).unwrap());
        }
        let ops = [
            ("get", Op::Get(pass.clone()), GET_BLOCK),
            ("patch", Op::Patch(pass, patch), PATCH_BLOCK),
            ("list_all", Op::ListAll(query), LIST_BLOCK),
        ];
        for (name, op, per_block) in &ops {
            let recorded = record(&sim, provider.as_ref(), op).await;
            let (lib, base) = compare(
                &Runner::Walletpass(provider.as_ref(), op),
                &Runner::Hand(&hand, &recorded),
                *per_block,
                blocks,
            )
            .await;
            println!(
                "{:<13} {:<9} {:>3} requests/op  walletpass {:>9.1} us  hand-written {:>9.1} us  ratio {:.3}",
                vendor.name,
                name,
                recorded.len(),
                lib,
                base,
                lib / base
            );
        }
        if vendor.name == "ubpass" {
            // For `patch` too: its ratio moves more from run to run than `get`'s, and this
            // tells how much of that the measurement itself gives.
            for (name, op, per_block) in &ops[..2] {
                let recorded = record(&sim, provider.as_ref(), op).await;
                let other = hand_client();
                let (a, b) = compare(
                    &Runner::Hand(&hand, &recorded),
                    &Runner::Hand(&other, &recorded),
                    *per_block,
                    blocks,
                )
                .await;
                println!(
                    "{:<13} {:<9} A/A control: hand-written {a:.1} us vs hand-written {b:.1} us  ratio {:.3}",
                    vendor.name,
                    name,
                    a / b
                );
            }
        }
    }
}

/// `BENCH_PROFILE`: set a vendor up, then run one client's operations in [`profiled_ops`].
fn profile(runtime: &tokio::runtime::Runtime, spec: &str) {
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    let [vendor, op, side, n] = parts[..] else {
        panic!("BENCH_PROFILE=VENDOR,OP,SIDE,N, e.g. ubpass,get,walletpass,200");
    };
    let vendor = VENDORS.iter().find(|v| v.name == vendor).unwrap();
    let n: usize = n.parse().unwrap();
    let sim = Sim::spawn(vendor.name, vendor.seeded, 0);
    let provider = connect(vendor, &sim);
    let hand = hand_client();
    let (op, recorded) = runtime.block_on(async {
        let pass = provider
            .create(member(1, vendor.template))
            .await
            .unwrap()
            .pass_ref;
        let op = match op {
            "get" => Op::Get(pass),
            "patch" => Op::Patch(
                pass,
                PassPatch::builder()
                    .set_value("tier", "Platinum")
                    .build()
                    .unwrap(),
            ),
            other => panic!("BENCH_PROFILE: OP is get or patch, not {other}"),
        };
        let recorded = record(&sim, provider.as_ref(), &op).await;
        (op, recorded)
    });
    let runner = match side {
        "walletpass" => Runner::Walletpass(provider.as_ref(), &op),
        "hand" => Runner::Hand(&hand, &recorded),
        other => panic!("BENCH_PROFILE: SIDE is walletpass or hand, not {other}"),
    };
    // Warm both the connection and the allocator outside the measured part.
    runtime.block_on(async {
        for _ in 0..5 {
            runner.once().await;
        }
    });
    profiled_ops(runtime, &runner, n);
    println!("{} {spec}: {n} operations run", vendor.name);
}

/// The measured part of `BENCH_PROFILE` (callgrind's `--toggle-collect` names it).
#[inline(never)]
fn profiled_ops(runtime: &tokio::runtime::Runtime, runner: &Runner<'_>, n: usize) {
    runtime.block_on(async {
        for _ in 0..n {
            runner.once().await;
        }
    });
}

/// The size of the answer to the recorded `get`.
async fn body_size(client: &reqwest::Client, recorded: &[Recorded]) -> usize {
    let r = &recorded[0];
    let response = client
        .request(r.method.clone(), &r.url)
        .headers(r.headers.clone())
        .send()
        .await
        .unwrap();
    response.bytes().await.unwrap().len()
}

async fn simulator_cpu(vendor: &Vendor, blocks: usize) {
    let sim = Sim::spawn_single(vendor.name, vendor.seeded, 0);
    let provider = connect(vendor, &sim);
    let pass = provider
        .create(member(1, vendor.template))
        .await
        .unwrap()
        .pass_ref;
    let client = hand_client();
    let recorded = record(&sim, provider.as_ref(), &Op::Get(pass)).await;
    let size = body_size(&client, &recorded).await;
    let bare = Sim::spawn_single("bare", 0, size);
    let bare_recorded: Vec<Recorded> = recorded
        .iter()
        .map(|r| Recorded {
            method: r.method.clone(),
            url: format!("{}/bare", bare.base),
            headers: r.headers.clone(),
            body: None,
        })
        .collect();
    let (s, b) = server_cpu((&sim, &recorded), (&bare, &bare_recorded), &client, blocks).await;
    println!(
        "{:<13} GET ({size} bytes): simulator {s:.1} us  bare axum {b:.1} us  ratio {:.2}",
        vendor.name,
        s / b
    );
}

/// The A/A control of the simulator part: the bare handler against a second copy of itself,
/// measured the same way (should be 1.00).
async fn bare_control(blocks: usize) {
    let size = 512;
    let (one, two) = (
        Sim::spawn_single("bare", 0, size),
        Sim::spawn_single("bare", 0, size),
    );
    let get = |sim: &Sim| {
        vec![Recorded {
            method: reqwest::Method::GET,
            url: format!("{}/bare", sim.base),
            headers: reqwest::header::HeaderMap::new(),
            body: None,
        }]
    };
    let (a, b) = (get(&one), get(&two));
    let (x, y) = server_cpu((&one, &a), (&two, &b), &hand_client(), blocks).await;
    println!(
        "{:<13} GET ({size} bytes): bare axum {x:.1} us  bare axum {y:.1} us  ratio {:.2}",
        "A/A control",
        x / y
    );
}

/// Server CPU per request of `a` and of `b` (each a server process and the requests sent to
/// it), in interleaved blocks of 200 requests on one client, after one unmeasured warm-up block
/// on each (first connection, first allocations).
async fn server_cpu(
    a: (&Sim, &[Recorded]),
    b: (&Sim, &[Recorded]),
    client: &reqwest::Client,
    blocks: usize,
) -> (f64, f64) {
    let (mut spent_a, mut spent_b) = (Duration::ZERO, Duration::ZERO);
    let per_block = 200;
    for (_, requests) in [a, b] {
        let runner = Runner::Hand(client, requests);
        for _ in 0..per_block {
            runner.once().await;
        }
    }
    for block in 0..blocks {
        for first in [block % 2 == 0, block % 2 != 0] {
            let ((target, requests), spent) = if first {
                (a, &mut spent_a)
            } else {
                (b, &mut spent_b)
            };
            let start = target.cpu();
            let runner = Runner::Hand(client, requests);
            for _ in 0..per_block {
                runner.once().await;
            }
            *spent += target.cpu() - start;
        }
    }
    let n = (per_block * blocks) as f64;
    (
        spent_a.as_secs_f64() / n * 1e6,
        spent_b.as_secs_f64() / n * 1e6,
    )
}

/// 64 concurrent connections on each simulator, all three at once, reading and updating
/// passes for `secs` seconds; each simulator's RSS after a warm-up and at the end.
async fn load(secs: usize) {
    println!(
        "\nsimulator RSS under load (64 connections each, get + patch, {secs} s, all three at once; request log of {} entries)",
        log_entries()
    );
    let mut sides = Vec::new();
    for vendor in VENDORS.iter().filter(|v| measures(v)) {
        let sim = Sim::spawn(vendor.name, vendor.seeded, 0);
        let provider = connect(vendor, &sim);
        let mut passes = Vec::new();
        for i in 0..64 {
            let created = provider.create(member(i, vendor.template)).await.unwrap();
            passes.push(created.pass_ref);
        }
        sides.push((vendor, sim, provider, passes));
    }
    let run = |until: Duration| {
        let stop = Instant::now() + until;
        let tasks = sides.iter().flat_map(|(_, _, provider, passes)| {
            passes.iter().map(move |pass| async move {
                let patch = PassPatch::builder()
                    .set_value("tier", "Silver")
                    .build()
                    .unwrap();
                let mut n = 0;
                while Instant::now() < stop {
                    provider.get(pass).await.unwrap();
                    provider.patch(pass, &patch).await.unwrap();
                    n += 2;
                }
                n
            })
        });
        futures::future::join_all(tasks)
    };
    run(Duration::from_secs(2)).await;
    let before: Vec<f64> = sides.iter().map(|(_, sim, _, _)| sim.rss_mib()).collect();
    let ops: usize = run(Duration::from_secs(secs as u64)).await.iter().sum();
    println!("{ops} operations in all");
    for ((vendor, sim, _, _), before) in sides.iter().zip(before) {
        println!(
            "{:<13} RSS {before:.1} MiB after a 2 s warm-up, {:.1} MiB after {secs} s",
            vendor.name,
            sim.rss_mib()
        );
    }
}

async fn listing(n: usize) {
    let started = Instant::now();
    let sim = Sim::spawn("passinstance", n, 0);
    let seeded = started.elapsed();
    let provider = connect(&VENDORS[2], &sim);
    let query = ListQuery::new()
        .page_size(100)
        .template(TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap());
    let cpu = sim.cpu();
    let started = Instant::now();
    let listed = provider
        .list_all(query)
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    let wall = started.elapsed();
    let sim_cpu = sim.cpu() - cpu;
    println!(
        "{n:>9} passes (seeded in {:.1} s): listed {listed} in {:.1} s, {:.0} passes/s; simulator CPU {:.1} us/page",
        seeded.as_secs_f64(),
        wall.as_secs_f64(),
        listed as f64 / wall.as_secs_f64(),
        sim_cpu.as_secs_f64() * 1e6 / (listed as f64 / 100.0).max(1.0)
    );
}

/// Keep this process (and every thread and child process made after the call) on the first
/// CPU it may run on, until the guard drops, which gives back the CPUs it had before.
fn pin_to_one_cpu() -> Pinned {
    let pid = nix::unistd::Pid::from_raw(0);
    let before = nix::sched::sched_getaffinity(pid).unwrap();
    let first = (0..nix::sched::CpuSet::count())
        .find(|&cpu| before.is_set(cpu).unwrap_or(false))
        .unwrap_or(0);
    let mut set = nix::sched::CpuSet::new();
    set.set(first).unwrap();
    nix::sched::sched_setaffinity(pid, &set).unwrap();
    Pinned(before)
}

/// See [`pin_to_one_cpu`].
struct Pinned(nix::sched::CpuSet);

impl Drop for Pinned {
    fn drop(&mut self) {
        let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &self.0);
    }
}

// ---------------------------------------------------------------- counts by callgrind

/// The events `counts` prints, as callgrind names them, with the heading each is printed under.
const COUNTED: [(&str, &str); 6] = [
    ("Ir", "instructions"),
    ("I1mr", "I1 misses"),
    ("D1mr", "D1 read misses"),
    ("D1mw", "D1 write misses"),
    ("Bcm", "cond. mispredicted"),
    ("Bim", "indirect mispredicted"),
];

/// `BENCH_ONLY=counts` (only when named: it needs valgrind): per vendor, `get` and `patch`,
/// each client in its own process for `ops` operations under callgrind (with its cache and
/// branch simulators, on this machine's L1 cache sizes) as `BENCH_PROFILE` runs it, and the
/// counts per operation printed with walletpass's over the hand-written client's, plus an A/A
/// control (the hand-written client against itself, ubpass `get`, whatever `BENCH_VENDORS`
/// says). Counts do not depend on what else the machine is doing, so this reading is repeatable
/// where the CPU-time ratios drift; what a miss costs in time depends on the CPU, which is why
/// the timed part stays the goal's measure.
fn counts(ops: usize) {
    assert!(ops > 0, "BENCH_COUNT_OPS: at least 1 operation a run");
    // One clear failure before anything runs, rather than one per run.
    if let Err(e) = Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
    {
        panic!("BENCH_ONLY=counts runs valgrind (callgrind), which did not start: {e}");
    }
    let exe = std::env::current_exe().unwrap();
    let run = |vendor: &str, op: &str, side: &str, tag: &str| {
        let out = std::env::temp_dir().join(format!(
            "walletpass-bench-{}-{vendor}-{op}-{side}-{tag}.callgrind",
            std::process::id()
        ));
        let done = Command::new("valgrind")
            .args([
                "--tool=callgrind",
                "--cache-sim=yes",
                "--branch-sim=yes",
                "--collect-atstart=no",
                "--toggle-collect=*profiled_ops*",
            ])
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(&exe)
            .arg("--bench")
            .env("BENCH_PROFILE", format!("{vendor},{op},{side},{ops}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let text = std::fs::read_to_string(&out);
        let _ = std::fs::remove_file(&out);
        assert!(
            done.status.success(),
            "valgrind {vendor},{op},{side}: {}\n{}",
            done.status,
            String::from_utf8_lossy(&done.stderr)
        );
        Counted::parse(&text.unwrap(), ops)
    };
    // Two runs in parallel (callgrind runs a program's threads one at a time).
    let pair = |a: [&str; 4], b: [&str; 4]| {
        std::thread::scope(|s| {
            let first = s.spawn(|| run(a[0], a[1], a[2], a[3]));
            let second = run(b[0], b[1], b[2], b[3]);
            (first.join().unwrap(), second)
        })
    };
    println!(
        "\ncallgrind counts per operation, each client in its own process for {ops} operations (walletpass / hand-written)"
    );
    println!(
        "{:<28}{}",
        "",
        COUNTED
            .map(|(_, heading)| format!("{heading:>25}"))
            .join("")
    );
    let line = |label: &str, a: &Counted, b: &Counted| {
        let cells = a.values.iter().zip(&b.values).map(|(x, y)| {
            format!(
                "{:>16} {:>8}",
                format!("{x:.0}/{y:.0}"),
                format!("{:.2}", x / y)
            )
        });
        println!("{label:<28}{}", cells.collect::<Vec<_>>().join(""));
    };
    for vendor in VENDORS.iter().filter(|v| measures(v)) {
        for op in ["get", "patch"] {
            let (lib, base) = pair(
                [vendor.name, op, "walletpass", "a"],
                [vendor.name, op, "hand", "a"],
            );
            line(&format!("{:<14}{op}", vendor.name), &lib, &base);
        }
    }
    let (a, b) = pair(
        ["ubpass", "get", "hand", "a"],
        ["ubpass", "get", "hand", "b"],
    );
    line("A/A control: ubpass get", &a, &b);
    println!("(simulated caches, from this CPU: {})", a.geometry);
}

/// The counts of one callgrind run, per operation.
struct Counted {
    values: Vec<f64>,
    geometry: String,
}

impl Counted {
    fn parse(text: &str, ops: usize) -> Counted {
        let field = |prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("callgrind output without {prefix:?}"))
        };
        let events: Vec<&str> = field("events:").split_whitespace().collect();
        // Callgrind leaves the trailing events that count 0 off its totals line.
        let totals: Vec<f64> = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("summary:")
                    .or_else(|| l.strip_prefix("totals:"))
            })
            .unwrap_or_else(|| panic!("callgrind output without totals"))
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        let values = COUNTED
            .iter()
            .map(|(event, _)| {
                let at = events.iter().position(|e| e == event).unwrap();
                totals.get(at).copied().unwrap_or(0.0) / ops as f64
            })
            .collect::<Vec<f64>>();
        assert!(
            values[0] > 0.0,
            "callgrind counted nothing: profiled_ops was never entered"
        );
        // The last level is left out: callgrind's guess at it is not always this CPU's.
        let geometry = ["desc: I1 cache:", "desc: D1 cache:"]
            .map(|p| format!("{} {}", &p[6..8], field(p).trim()))
            .join("; ");
        Counted { values, geometry }
    }
}
