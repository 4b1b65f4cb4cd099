//! `walletpass serve` under load, against the APNs simulator and simulated Wallet devices
//! (walletpass-sim), all in this process:
//!
//! 1. `SERVE_BENCH_DEVICES` devices (default 10,000) each add one of `SERVE_BENCH_PASSES`
//!    passes (default 1,000) from its download link and register: **registrations per second**.
//! 2. Every pass is patched through the trait: **pushes per second** and the time from the last
//!    patch until each device holds the new version (**p50, p99, max**). Goal: every device
//!    within 30 s, no push lost (every device updated, one push per device).
//! 3. **Get-latest-pass answered 304** (`If-Modified-Since`) per second, against `/healthz`
//!    as the baseline, rounds interleaved, with an A/A control line (`/healthz` against
//!    itself, about 1.00). Goal: at least 2,000 per second.
//!
//! The devices share one HTTP client and make at most 128 calls at once, so 10,000 of them
//! need no more file descriptors than a few hundred connections.
//!
//! Run: `cargo bench -p walletpass-apple --bench serve` (optimized; exits 1 below a goal).
//! `SERVE_BENCH_DEVICES=200 SERVE_BENCH_PASSES=20 cargo bench --profile dev -p
//! walletpass-apple --bench serve` is a quick unoptimized run (figures not the measurement).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is the failure report

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use walletpass_apple::push::PushConfig;
use walletpass_apple::service::{self, ServeOptions};
use walletpass_apple::{Apple, AppleConfig};
use walletpass_core::{NewPass, PassContent, PassId, PassPatch, WalletProvider};
use walletpass_sim::apns::{self, ApnsOptions};
use walletpass_sim::device::Device;

const CONCURRENCY: usize = 64;
/// Most simulated devices calling the web service at once after pushes.
const DEVICE_CALLS: usize = 128;
const UPDATE_GOAL: Duration = Duration::from_secs(30);
const NOT_MODIFIED_GOAL: f64 = 2_000.0;
const ROUNDS: usize = 4;
const REQUESTS: usize = 2_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Requests per second of `REQUESTS` GETs of `url` (with `headers`), `CONCURRENCY` at once.
async fn rate(http: &reqwest::Client, url: &str, headers: &[(&str, String)], expect: u16) -> f64 {
    let start = Instant::now();
    futures::stream::iter(0..REQUESTS)
        .map(|_| {
            let mut r = http.get(url);
            for (k, v) in headers {
                r = r.header(*k, v);
            }
            async move { r.send().await.unwrap().status().as_u16() }
        })
        .buffer_unordered(CONCURRENCY)
        .for_each(|status| async move { assert_eq!(status, expect) })
        .await;
    REQUESTS as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let devices_n = env("SERVE_BENCH_DEVICES", 10_000);
    let passes_n = env("SERVE_BENCH_PASSES", 1_000).max(1);
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let apple = Apple::new(AppleConfig::new(dir.path()).with_public_url(&base).unwrap()).unwrap();
    let ptid = apple.identity().pass_type_id().to_owned();
    let cert = {
        use der::{DecodePem, Encode};
        x509_cert::Certificate::from_pem(apple.identity().certificate_pem().unwrap().as_bytes())
            .unwrap()
            .to_der()
            .unwrap()
    };
    let sim = apns::start(ApnsOptions {
        client_certificates: vec![cert],
        ..ApnsOptions::default()
    })
    .await
    .unwrap();
    let push = PushConfig::new(&sim.url)
        .unwrap()
        .trust_ca_pem(sim.ca_pem.clone())
        .with_window(Duration::from_millis(1100));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(service::serve(
        listener,
        apple.clone(),
        ServeOptions::default(),
        Some(push),
        async move {
            let _ = stopped.await;
        },
    ));

    let mut passes = Vec::with_capacity(passes_n);
    for i in 0..passes_n {
        let content = PassContent::builder().value("points", 0).build().unwrap();
        let pass = apple
            .create(
                NewPass::new(content).with_serial_number(PassId::new(format!("B-{i:05}")).unwrap()),
            )
            .await
            .unwrap();
        passes.push(pass);
    }
    let wwdr = apple.identity().wwdr_pem().unwrap();
    // The devices share one client and at most DEVICE_CALLS calls at once, so connections
    // (and file descriptors) stay bounded however many devices there are.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(DEVICE_CALLS)
        .build()
        .unwrap();
    let calls = Arc::new(tokio::sync::Semaphore::new(DEVICE_CALLS));
    let devices: Vec<Arc<Device>> = (0..devices_n)
        .map(|_| {
            let d = Device::with_client(&[&wwdr], http.clone()).unwrap();
            let mut pushes = sim.state.connect_device(&d.push_token);
            let (device, calls) = (Arc::clone(&d), Arc::clone(&calls));
            tokio::spawn(async move {
                while let Some(topic) = pushes.recv().await {
                    let _call = calls.acquire().await.unwrap();
                    let _ = device.on_push(&topic).await;
                }
            });
            d
        })
        .collect();

    // 1. Add and register.
    let start = Instant::now();
    futures::stream::iter(devices.iter().enumerate())
        .map(|(i, d)| {
            let pass = &passes[i % passes_n];
            let ptid = &ptid;
            async move {
                d.add_from_link(pass.links.download.as_deref().unwrap())
                    .await
                    .unwrap();
                assert_eq!(d.register(ptid, &pass.serial_number).await.unwrap(), 201);
            }
        })
        .buffer_unordered(CONCURRENCY)
        .for_each(|()| async {})
        .await;
    let registered = start.elapsed();
    println!(
        "registrations: {devices_n} in {:.2} s = {:.0} per second (download + check + register)",
        registered.as_secs_f64(),
        devices_n as f64 / registered.as_secs_f64()
    );

    // 2. Patch every pass; wait for every device.
    let waiters: Vec<_> = devices
        .iter()
        .map(|d| {
            let mut events = d.events();
            tokio::spawn(async move {
                events.wait_for(|e| e.fetched >= 1).await.unwrap();
                Instant::now()
            })
        })
        .collect();
    let patch = PassPatch::builder().set_value("points", 1).build().unwrap();
    let state = Arc::clone(&sim.state);
    let all_pushed = tokio::spawn(async move {
        while state.push_count() < devices_n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Instant::now()
    });
    let first_patch = Instant::now();
    for pass in &passes {
        apple.patch(&pass.pass_ref, &patch).await.unwrap();
    }
    let last_patch = Instant::now();
    let mut lags = Vec::with_capacity(devices_n);
    let mut last = last_patch;
    for w in waiters {
        let at = tokio::time::timeout(Duration::from_secs(600), w)
            .await
            .expect("every device updated within 10 minutes")
            .unwrap();
        last = last.max(at);
        lags.push(at.saturating_duration_since(last_patch));
    }
    lags.sort();
    let pushed = all_pushed.await.unwrap();
    let pushes = sim.state.push_count();
    println!(
        "patches: {passes_n} in {:.2} s; pushes: {pushes} (devices: {devices_n}) in {:.2} s from the first patch = {:.0} per second (APNs simulator's record); last device updated {:.2} s after the first patch",
        (last_patch - first_patch).as_secs_f64(),
        (pushed - first_patch).as_secs_f64(),
        pushes as f64 / (pushed - first_patch).as_secs_f64(),
        (last - first_patch).as_secs_f64(),
    );
    let (p50, p99, max) = (
        percentile(&lags, 0.5),
        percentile(&lags, 0.99),
        percentile(&lags, 1.0),
    );
    println!(
        "new version on the device after the last patch: p50 {:.2} s, p99 {:.2} s, max {:.2} s (goal: max <= {} s)",
        p50.as_secs_f64(),
        p99.as_secs_f64(),
        max.as_secs_f64(),
        UPDATE_GOAL.as_secs()
    );

    // 3. 304s against /healthz.
    let d = &devices[0];
    let held = d.pass(&ptid, &passes[0].serial_number).unwrap();
    let pass_url = format!(
        "{base}/passkit/v1/passes/{ptid}/{}",
        passes[0].serial_number
    );
    let token = held.pass.pass_json["authenticationToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let headers = vec![
        ("authorization", format!("ApplePass {token}")),
        ("if-modified-since", held.last_modified.clone().unwrap()),
    ];
    let health = format!("{base}/healthz");
    let (mut a, mut a2, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a.push(rate(&http, &health, &[], 200).await);
        b.push(rate(&http, &pass_url, &headers, 304).await);
        a2.push(rate(&http, &health, &[], 200).await);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, a2, b) = (median(&mut a), median(&mut a2), median(&mut b));
    println!(
        "A/A control: /healthz {a:.0}/s vs /healthz {a2:.0}/s = {:.2}",
        a2 / a
    );
    println!(
        "get latest pass, 304: {b:.0}/s = {:.2} x /healthz (goal: >= {NOT_MODIFIED_GOAL:.0}/s)",
        b / a
    );

    let _ = stop.send(());
    served.await.unwrap().unwrap();
    let lost = devices_n.saturating_sub(lags.len());
    println!(
        "pushes lost: {lost}, pushes more than one per device: {}",
        pushes.saturating_sub(devices_n)
    );
    let met = lost == 0 && pushes == devices_n && max <= UPDATE_GOAL && b >= NOT_MODIFIED_GOAL;
    if !cfg!(debug_assertions) && !met {
        eprintln!("below a goal");
        std::process::exit(1);
    }
}
