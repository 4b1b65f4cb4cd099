//! Several `walletpass serve` processes on one PostgreSQL database (issue 17, "Tests that must
//! exist"), against walletpass-sim's APNs server and Wallet device:
//! - a device registers through process A (which sends no pushes), the pass is patched
//!   through the trait on the same database, process B pushes, and the device fetches the
//!   new pass from A;
//! - B is killed (SIGKILL) while it holds claimed pushes, sent but unanswered (the APNs
//!   simulator holds them): process C sends each of them once after B's lease ends (B's
//!   set with `--push-lease`, C's with `APPLE_PUSH_LEASE_SECS`), counted at the APNs
//!   simulator's record: none lost, none twice.
//!
//! The PostgreSQL server is `provider_tests::support::postgres`'s (skipped only with
//! `WALLETPASS_SKIP_POSTGRES=1`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
#![cfg(unix)]

use std::collections::HashMap;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{spawn_serve, walletpass};
use provider_tests::support::postgres;
use walletpass::apple::{Apple, AppleConfig};
use walletpass::{NewPass, Pass, PassContent, PassId, PassPatch, WalletProvider};
use walletpass_sim::apns::{self, ApnsOptions, RunningApns};
use walletpass_sim::device::Device;

/// Deadline for what happens in the background; reaching it is the failure, the time taken
/// is never asserted.
const PATIENCE: Duration = Duration::from_secs(90);
/// The coalescing window of the pushing processes, in milliseconds.
const WINDOW_MS: u64 = 100;
/// The lease of B in the kill test: long, so that its requests to APNs (which end at 3/4 of
/// the lease, or at the 10 s APNs timeout) are still held when the test looks; C claims the
/// pushes once it ends.
const B_LEASE_SECS: &str = "20";
/// The lease of C, the survivor: short, set by variable.
const C_LEASE_SECS: &str = "3";

/// A running `walletpass serve`; killed when dropped.
struct Serve {
    child: Child,
    base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// `walletpass serve` with `args` and `env` on top of a clean environment.
    fn start<V: AsRef<std::ffi::OsStr>>(args: &[&str], env: &[(&str, V)]) -> Serve {
        let (child, base, lines) = spawn_serve(
            walletpass().envs(env.iter().map(|(k, v)| (k, v.as_ref()))),
            args,
        );
        // Keep reading, so the process never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Serve { child, base }
    }

    /// SIGKILL: no graceful stop, no finished push, no clean disconnect.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn der_of(pem: &str) -> Vec<u8> {
    use der::{DecodePem, Encode};
    x509_cert::Certificate::from_pem(pem.as_bytes())
        .unwrap()
        .to_der()
        .unwrap()
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < PATIENCE,
            "not within {PATIENCE:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many recorded pushes went to each device token.
fn pushes_per_token(apns: &RunningApns) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for push in apns.state.pushes() {
        *counts.entry(push.device_token).or_insert(0) += 1;
    }
    counts
}

/// Wait until `device` holds version `version` of `serial` and return its `pass.json` text.
async fn version_held(device: &Device, ptid: &str, serial: &str, version: u32) -> String {
    let mut events = device.events();
    let held = tokio::time::timeout(
        PATIENCE,
        events.wait_for(|_| {
            device
                .pass(ptid, serial)
                .is_some_and(|p| p.versions >= version)
        }),
    )
    .await
    .is_ok();
    assert!(
        held,
        "{serial} never reached version {version}: {:?}",
        *events.borrow()
    );
    let pass = device.pass(ptid, serial).unwrap();
    assert_eq!(pass.versions, version, "{serial}: a version too many");
    pass.pass.pass_json.to_string()
}

/// The pushes still queued (claimed or not), as a server's readiness endpoint reports them.
async fn queued_pushes(serve: &Serve) -> u64 {
    let ready: serde_json::Value = reqwest::get(format!("{}/readyz", serve.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    ready["queuedPushes"].as_u64().unwrap()
}

async fn patch(apple: &Apple, pass: &Pass, points: i64) {
    let patch = PassPatch::builder()
        .set_value("points", points)
        .build()
        .unwrap();
    apple.patch(&pass.pass_ref, &patch).await.unwrap();
}

/// Processes A (web service only) and B (pushes) on one fresh database, the APNs simulator,
/// and four simulated devices, each holding version 1 of its pass, registered through A.
struct Cluster {
    // Declared first, so the processes stop before the data directory goes.
    a: Serve,
    b: Option<Serve>,
    apple: Apple,
    apns: RunningApns,
    ptid: String,
    passes: Vec<Pass>,
    devices: Vec<Arc<Device>>,
    /// The environment of a pushing process (store, APNs endpoint and CA, window).
    pushing: Vec<(&'static str, String)>,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// `None` when PostgreSQL is skipped (`WALLETPASS_SKIP_POSTGRES=1`). B, with a lease of
    /// `b_lease` seconds set by flag, is started here only when `b_lease` is given.
    async fn start(b_lease: Option<&str>) -> Option<Cluster> {
        let url = postgres::fresh_database()?;
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().to_str().unwrap().to_owned();
        // Made first: the embedded test certificate in the shared data directory (every
        // process signs and pushes with it) and the schema.
        let first = Apple::new(AppleConfig::new(dir.path()).with_postgres(&url).unwrap()).unwrap();
        let identity = first.identity();
        let ptid = identity.pass_type_id().to_owned();
        let wwdr = identity.wwdr_pem().unwrap();
        let apns = apns::start(ApnsOptions {
            client_certificates: vec![der_of(&identity.certificate_pem().unwrap())],
            ..ApnsOptions::default()
        })
        .await
        .unwrap();
        drop(first);
        let store = vec![
            ("APPLE_DATA_DIR", data_dir.clone()),
            ("APPLE_DATABASE_URL", url.clone()),
        ];
        let mut pushing = store.clone();
        pushing.extend([
            ("APPLE_APNS_URL", apns.url.clone()),
            ("APPLE_APNS_CA", apns.ca_pem.clone()),
            ("APPLE_PUSH_WINDOW_MS", WINDOW_MS.to_string()),
        ]);
        // A serves the web service and sends no pushes (no APNs endpoint with the test
        // certificate); B pushes, with its lease set by flag.
        let a = Serve::start(&[], &store);
        let b = b_lease.map(|lease| Serve::start(&["--push-lease", lease], &pushing));

        // The trait on the same database; its links (and so webServiceURL) name A.
        let apple = Apple::new(
            AppleConfig::new(dir.path())
                .with_postgres(&url)
                .unwrap()
                .with_public_url(&a.base)
                .unwrap(),
        )
        .unwrap();
        let mut passes = Vec::new();
        let mut devices = Vec::new();
        for i in 0..4 {
            let pass = apple
                .create(
                    NewPass::new(PassContent::builder().value("points", 10).build().unwrap())
                        .with_serial_number(PassId::new(format!("MP-{i}")).unwrap()),
                )
                .await
                .unwrap();
            let device = Device::new(&[&wwdr]).unwrap();
            device.listen(apns.state.connect_device(&device.push_token));
            device
                .add_from_link(pass.links.download.as_deref().unwrap())
                .await
                .unwrap();
            let serial = pass.serial_number.as_str();
            assert_eq!(device.register(&ptid, serial).await.unwrap(), 201);
            passes.push(pass);
            devices.push(device);
        }
        Some(Cluster {
            a,
            b,
            apple,
            apns,
            ptid,
            passes,
            devices,
            pushing,
            _dir: dir,
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_registered_through_one_process_gets_the_push_of_another() {
    let Some(c) = Cluster::start(Some("60")).await else {
        return;
    };
    // Registered through A, patched through the trait, pushed by B, fetched from A.
    patch(&c.apple, &c.passes[0], 111).await;
    let json = version_held(&c.devices[0], &c.ptid, "MP-0", 2).await;
    assert!(json.contains("111"), "{json}");
    assert_eq!(
        pushes_per_token(&c.apns),
        HashMap::from([(c.devices[0].push_token.clone(), 1)])
    );
    for device in &c.devices {
        assert!(device.events().borrow().errors.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_while_holding_push_work_loses_and_repeats_no_push() {
    let Some(mut c) = Cluster::start(None).await else {
        return;
    };
    let (apns, devices) = (&c.apns, &c.devices);

    // The four passes change while no process pushes; once their coalescing window has
    // passed (measured from the change, which is committed when `patch` returns), B's first
    // claim takes all four and sends them at once. APNs holds them unanswered.
    apns.state.hold_pushes();
    for pass in &c.passes {
        patch(&c.apple, pass, 222).await;
    }
    tokio::time::sleep(Duration::from_millis(2 * WINDOW_MS)).await;
    c.b = Some(Serve::start(&["--push-lease", B_LEASE_SECS], &c.pushing));
    until(
        &format!(
            "B holds all four pushes at APNs (held now: {})",
            apns.state.held()
        ),
        || apns.state.held() == 4,
    )
    .await;
    assert_eq!(
        queued_pushes(&c.a).await,
        4,
        "the four pushes are still queued"
    );
    // SIGKILL while holding the four claims.
    c.b.take().unwrap().kill();
    until("B's held pushes end with its connection", || {
        apns.state.held() == 0
    })
    .await;
    apns.state.release_pushes();
    assert!(apns.state.pushes().is_empty(), "nothing recorded from B");

    // C (lease by variable) takes over once B's lease ends.
    let mut leased = c.pushing.clone();
    leased.push(("APPLE_PUSH_LEASE_SECS", C_LEASE_SECS.to_owned()));
    let survivor = Serve::start(&[], &leased);
    for (i, device) in devices.iter().enumerate() {
        let json = version_held(device, &c.ptid, &format!("MP-{i}"), 2).await;
        assert!(json.contains("222"), "{json}");
    }
    let start = Instant::now();
    while queued_pushes(&survivor).await > 0 {
        assert!(start.elapsed() < PATIENCE, "pushes left in the queue");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every push once: one per device.
    let expected: HashMap<String, usize> =
        devices.iter().map(|d| (d.push_token.clone(), 1)).collect();
    assert_eq!(pushes_per_token(apns), expected);
    for device in devices {
        assert!(device.events().borrow().errors.is_empty());
    }
}
