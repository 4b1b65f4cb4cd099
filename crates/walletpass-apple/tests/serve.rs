//! `walletpass serve` end to end, against simulators written from apple-wallet.md alone
//! (walletpass-sim's APNs server and Wallet device): the web service's wire shapes (§3), the
//! push path (§4), install events and counts, and the knobs (coalescing, retries, 410).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::sync::Arc;
use std::time::Duration;

use walletpass_apple::push::{ApnsAuth, PushConfig};
use walletpass_apple::service::{self, ServeOptions};
use walletpass_apple::{Apple, AppleConfig};
use walletpass_core::{
    NewPass, NewWebhookSubscription, Pass, PassContent, PassId, PassPatch, WalletProvider,
    WebhookEventKind,
};
use walletpass_sim::apns::{self, ApnsOptions, PushAuth, RunningApns, TokenKey};
use walletpass_sim::device::Device;

/// Deadline for things that happen in the background; reaching it is the failure, the time
/// taken is never asserted.
const PATIENCE: Duration = Duration::from_secs(60);

struct Fixture {
    apple: Apple,
    base: String,
    apns: RunningApns,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<walletpass_core::Result<()>>,
    _dir: tempfile::TempDir,
}

fn der_of(pem: &str) -> Vec<u8> {
    use der::{DecodePem, Encode};
    x509_cert::Certificate::from_pem(pem.as_bytes())
        .unwrap()
        .to_der()
        .unwrap()
}

async fn fixture_with(window: Duration, token: Option<(p256::ecdsa::SigningKey, &str)>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let apple = Apple::new(AppleConfig::new(dir.path()).with_public_url(&base).unwrap()).unwrap();
    let identity = apple.identity();
    let mut options = ApnsOptions {
        client_certificates: vec![der_of(&identity.certificate_pem().unwrap())],
        ..ApnsOptions::default()
    };
    let mut push = PushConfig::new("https://127.0.0.1:1").unwrap();
    if let Some((key, key_id)) = &token {
        use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        options.client_certificates.clear();
        options.token_keys.push(TokenKey {
            key_id: (*key_id).to_owned(),
            team_id: identity.team_id().to_owned(),
            public_key_pem: key
                .verifying_key()
                .to_public_key_pem(LineEnding::LF)
                .unwrap(),
            topics: vec![identity.pass_type_id().to_owned()],
        });
        push = push.with_auth(ApnsAuth::Token {
            key_id: (*key_id).to_owned(),
            team_id: None,
            key: key.to_pkcs8_pem(LineEnding::LF).unwrap().as_str().into(),
        });
    }
    let apns = apns::start(options).await.unwrap();
    push.endpoint = apns.url.parse().unwrap();
    let mut push = push.trust_ca_pem(apns.ca_pem.clone()).with_window(window);
    push.first_backoff = Duration::from_millis(50);
    push.poll = Duration::from_millis(50);
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
    Fixture {
        apple,
        base,
        apns,
        stop: Some(stop),
        served,
        _dir: dir,
    }
}

async fn fixture() -> Fixture {
    // At least a second, so the fetch after a push is in a later second than the change and
    // its Last-Modified is exact (see assumption A18).
    fixture_with(Duration::from_millis(1100), None).await
}

impl Fixture {
    fn ptid(&self) -> String {
        self.apple.identity().pass_type_id().to_owned()
    }

    fn device(&self) -> Arc<Device> {
        let wwdr = self.apple.identity().wwdr_pem().unwrap();
        let device = Device::new(&[&wwdr]).unwrap();
        device.listen(self.apns.state.connect_device(&device.push_token));
        device
    }

    async fn pass(&self, serial: &str) -> Pass {
        self.apple
            .create(
                NewPass::new(PassContent::builder().value("points", 10).build().unwrap())
                    .with_serial_number(PassId::new(serial).unwrap()),
            )
            .await
            .unwrap()
    }

    async fn patch(&self, pass: &Pass, points: i64) {
        let patch = PassPatch::builder()
            .set_value("points", points)
            .build()
            .unwrap();
        self.apple.patch(&pass.pass_ref, &patch).await.unwrap();
    }

    async fn added_and_registered(&self, device: &Device, pass: &Pass) {
        device
            .add_from_link(pass.links.download.as_deref().unwrap())
            .await
            .unwrap();
        let status = device
            .register(&self.ptid(), &pass.serial_number)
            .await
            .unwrap();
        assert_eq!(status, 201);
    }

    async fn installs(&self, pass: &Pass) -> u64 {
        let read = self.apple.get(&pass.pass_ref).await.unwrap();
        read.installs.unwrap().apple.unwrap()
    }

    async fn until_queue_empty(&self) {
        let store = walletpass_apple::store::SqliteStore::open(
            &self._dir.path().join(walletpass_apple::STORE_FILE),
        )
        .unwrap();
        use walletpass_apple::store::Storage;
        tokio::time::timeout(PATIENCE, async {
            while store.queued_pushes().unwrap() > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("the push queue drained");
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(PATIENCE, &mut self.served)
            .await
            .expect("graceful shutdown")
            .unwrap()
            .unwrap();
    }
}

/// Wait until `device` has seen `check` hold.
async fn until(device: &Device, check: impl Fn(&walletpass_sim::device::DeviceEvents) -> bool) {
    let mut events = device.events();
    tokio::time::timeout(PATIENCE, events.wait_for(|e| check(e)))
        .await
        .expect("the device got there")
        .unwrap();
}

// apple-wallet.md §3 "Call order" (install, then after a push) and §4 (the push itself).
#[tokio::test]
async fn a_patched_pass_is_pushed_fetched_and_then_not_modified() {
    let f = fixture().await;
    let pass = f.pass("E2E-1").await;
    let device = f.device();
    f.added_and_registered(&device, &pass).await;
    let ptid = f.ptid();
    let installed = device.pass(&ptid, "E2E-1").unwrap();
    assert_eq!(installed.pass.pass_json["serialNumber"], "E2E-1");
    // §3 "Register again (200)".
    assert_eq!(device.register(&ptid, "E2E-1").await.unwrap(), 200);
    assert_eq!(f.installs(&pass).await, 1);

    f.patch(&pass, 250).await;
    until(&device, |e| e.fetched >= 1).await;
    let updated = device.pass(&ptid, "E2E-1").unwrap();
    assert_eq!(updated.versions, 2);
    let fields = serde_json::to_string(&updated.pass.pass_json).unwrap();
    assert!(fields.contains("250"), "{fields}");
    let pushes = f.apns.state.pushes();
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].topic, ptid);
    assert_eq!(pushes[0].device_token, device.push_token);
    assert_eq!(pushes[0].body, serde_json::json!({}));
    assert_eq!(pushes[0].auth, PushAuth::Certificate(ptid.clone()));
    // §3 "Get pass": If-Modified-Since with the Last-Modified it got answers 304.
    assert_eq!(device.fetch(&ptid, "E2E-1").await.unwrap(), 304);
    assert!(device.events().borrow().errors.is_empty());
    f.stop().await;
}

// apple-wallet.md §3 "Base rules": 401 on a wrong token, and (our rule) the same answer for
// an unknown serial.
#[tokio::test]
async fn a_wrong_token_is_401_and_the_same_for_an_unknown_serial() {
    let f = fixture().await;
    let pass = f.pass("AUTH-1").await;
    let http = reqwest::Client::new();
    let ptid = f.ptid();
    let mut answers = Vec::new();
    for serial in ["AUTH-1", "NO-SUCH-PASS"] {
        for auth in [
            Some("ApplePass wrong-token-0123456789"),
            None,
            Some("Bearer x"),
        ] {
            let url = format!(
                "{}/passkit/v1/devices/dev1/registrations/{ptid}/{serial}",
                f.base
            );
            let mut post = http
                .post(&url)
                .json(&serde_json::json!({"pushToken": "ab".repeat(32)}));
            let mut get = http.get(format!("{}/passkit/v1/passes/{ptid}/{serial}", f.base));
            let mut delete = http.delete(&url);
            if let Some(auth) = auth {
                post = post.header("authorization", auth);
                get = get.header("authorization", auth);
                delete = delete.header("authorization", auth);
            }
            for request in [post, get, delete] {
                let r = request.send().await.unwrap();
                let status = r.status().as_u16();
                let body = r.bytes().await.unwrap();
                answers.push((serial, status, body));
            }
        }
    }
    assert!(
        answers.iter().all(|(_, s, b)| *s == 401 && b.is_empty()),
        "{answers:?}"
    );
    // Nothing was registered.
    assert_eq!(f.installs(&pass).await, 0);
    f.stop().await;
}

// apple-wallet.md §3 "List" and "lastUpdated": 200 with serialNumbers and a string tag, 204
// when nothing changed since it.
#[tokio::test]
async fn the_list_call_answers_a_string_tag_then_204() {
    let f = fixture().await;
    let pass = f.pass("LIST-1").await;
    let device = f.device();
    f.added_and_registered(&device, &pass).await;
    let ptid = f.ptid();
    let url = format!(
        "{}/passkit/v1/devices/{}/registrations/{ptid}",
        f.base, device.library_id
    );
    let http = reqwest::Client::new();
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(
        first.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: serde_json::Value = first.json().await.unwrap();
    assert_eq!(body["serialNumbers"], serde_json::json!(["LIST-1"]));
    let tag = body["lastUpdated"]
        .as_str()
        .expect("lastUpdated is a string");
    let none = http
        .get(&url)
        .query(&[("passesUpdatedSince", tag)])
        .send()
        .await
        .unwrap();
    assert_eq!(none.status().as_u16(), 204);
    // An unknown device: 204 too.
    let unknown = http
        .get(format!(
            "{}/passkit/v1/devices/nobody/registrations/{ptid}",
            f.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 204);
    f.stop().await;
}

// apple-wallet.md §4: 410 Unregistered deletes the registration (and, ours, sends
// pass_uninstalled and lowers the install count).
#[tokio::test]
async fn a_410_from_apns_removes_the_registration() {
    let f = fixture_with(Duration::from_millis(100), None).await;
    let pass = f.pass("GONE-1").await;
    let device = f.device();
    f.added_and_registered(&device, &pass).await;
    // The 410's `timestamp` is in milliseconds and a registration made after it is kept (the
    // device registered again): let the pass be removed from Wallet after it was registered,
    // not within the same millisecond, where the registration would rightly be kept.
    tokio::time::sleep(Duration::from_millis(3)).await;
    f.apns.state.unregister(&device.push_token);
    f.patch(&pass, 11).await;
    f.until_queue_empty().await;
    assert!(f.apns.state.answered().contains(&410));
    assert_eq!(f.installs(&pass).await, 0);
    // A 400 BadDeviceToken does the same.
    let other = f.device();
    f.added_and_registered(&other, &pass).await;
    f.apns.state.mark_bad(&other.push_token);
    f.patch(&pass, 12).await;
    f.until_queue_empty().await;
    assert_eq!(f.installs(&pass).await, 0);
    f.stop().await;
}

// Coalescing (issue 17): ten patches within the window are one push per device.
#[tokio::test]
async fn ten_patches_in_the_window_are_one_push() {
    let f = fixture_with(Duration::from_secs(3), None).await;
    let pass = f.pass("MANY-1").await;
    let device = f.device();
    f.added_and_registered(&device, &pass).await;
    for points in 0..10 {
        f.patch(&pass, 100 + points).await;
    }
    until(&device, |e| e.fetched >= 1).await;
    f.until_queue_empty().await;
    assert_eq!(f.apns.state.pushes().len(), 1);
    let held = device.pass(&f.ptid(), "MANY-1").unwrap();
    assert!(
        serde_json::to_string(&held.pass.pass_json)
            .unwrap()
            .contains("109")
    );
    f.stop().await;
}

// apple-wallet.md §4: 429 and 5xx are retried.
#[tokio::test]
async fn throttled_and_failed_pushes_are_retried() {
    let f = fixture_with(Duration::from_millis(100), None).await;
    let pass = f.pass("RETRY-1").await;
    let device = f.device();
    f.added_and_registered(&device, &pass).await;
    f.apns.state.fail_next(1, 429);
    f.apns.state.fail_next(1, 503);
    f.patch(&pass, 5).await;
    until(&device, |e| e.fetched >= 1).await;
    assert_eq!(f.apns.state.answered(), [429, 503, 200]);
    f.stop().await;
}

// apple-wallet.md §4 "Token": an ES256 JWT with kid and iss instead of the certificate.
#[tokio::test]
async fn token_authentication_pushes_with_an_es256_jwt() {
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let f = fixture_with(Duration::from_millis(100), Some((key, "KEYID12345"))).await;
    let pass = f.pass("JWT-1").await;
    let device = f.device();
    f.added_and_registered(&device, &pass).await;
    f.patch(&pass, 7).await;
    until(&device, |e| e.fetched >= 1).await;
    assert_eq!(
        f.apns.state.pushes()[0].auth,
        PushAuth::Token("KEYID12345".into())
    );
    f.stop().await;
}

// Install events (issue 17): registration and unregistration reach the outbound webhooks.
#[tokio::test]
async fn registrations_become_installed_and_uninstalled_events() {
    let f = fixture().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<serde_json::Value>();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(serde_json::from_slice(&body).unwrap());
                http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    f.apple
        .create_webhook(
            NewWebhookSubscription::new(
                &hook,
                vec![
                    WebhookEventKind::PassInstalled,
                    WebhookEventKind::PassUninstalled,
                ],
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let pass = f.pass("EVT-1").await;
    let device = f.device();
    f.added_and_registered(&device, &pass).await;
    let installed = tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(installed["kind"], "pass_installed", "{installed}");
    assert_eq!(device.remove(&f.ptid(), "EVT-1").await.unwrap(), 200);
    let uninstalled = tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(uninstalled["kind"], "pass_uninstalled", "{uninstalled}");
    f.stop().await;
}

// apple-wallet.md §3 "Log", "Get pass" (MIME, Last-Modified); health, readiness, body limit.
#[tokio::test]
async fn log_health_readiness_download_and_body_limit() {
    let f = fixture().await;
    let pass = f.pass("MISC-1").await;
    let http = reqwest::Client::new();
    let log = http
        .post(format!("{}/passkit/v1/log", f.base))
        .json(&serde_json::json!({"logs": ["a device said this"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(log.status().as_u16(), 200);
    let big = http
        .post(format!("{}/passkit/v1/log", f.base))
        .header("content-type", "application/json")
        .body(vec![b' '; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status().as_u16(), 413);
    for path in ["/healthz", "/readyz"] {
        let r = http.get(format!("{}{path}", f.base)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
    let download = http
        .get(pass.links.download.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(
        download.headers()["content-type"],
        "application/vnd.apple.pkpass"
    );
    assert!(download.headers().contains_key("last-modified"));
    let missing = http
        .get(format!("{}/passes/{}/NOPE.pkpass", f.base, f.ptid()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    f.stop().await;
}

/// Rewrite one entry of a zip.
fn replace_entry(bundle: &[u8], name: &str, bytes: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bundle)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        let entry = file.name().to_owned();
        out.start_file(&entry, stored).unwrap();
        out.write_all(if entry == name { bytes } else { &data })
            .unwrap();
    }
    out.finish().unwrap().into_inner()
}

// apple-wallet.md §1 and §5: the device checks the manifest and the signature as Wallet does,
// so the e2e test's "added" means something.
#[tokio::test]
async fn the_device_refuses_a_tampered_or_foreign_pass() {
    let f = fixture().await;
    let pass = f.pass("TAMPER-1").await;
    let bundle = f.apple.pkpass(&pass.pass_ref).unwrap();
    let wwdr = der_of(&f.apple.identity().wwdr_pem().unwrap());
    walletpass_sim::device::check_pkpass(&bundle, std::slice::from_ref(&wwdr)).unwrap();
    let edited = replace_entry(&bundle, "pass.json", b"{\"formatVersion\":1}");
    let err =
        walletpass_sim::device::check_pkpass(&edited, std::slice::from_ref(&wwdr)).unwrap_err();
    assert!(err.contains("SHA-1"), "{err}");
    let manifest: serde_json::Value = {
        let files = walletpass_sim::device::check_pkpass(&bundle, std::slice::from_ref(&wwdr))
            .unwrap()
            .files;
        serde_json::from_slice(&files["manifest.json"]).unwrap()
    };
    let mut forged = manifest.clone();
    forged["extra.png"] = "00".repeat(20).into();
    let edited = replace_entry(&bundle, "manifest.json", forged.to_string().as_bytes());
    let err =
        walletpass_sim::device::check_pkpass(&edited, std::slice::from_ref(&wwdr)).unwrap_err();
    assert!(
        err.contains("extra.png") || err.contains("messageDigest"),
        "{err}"
    );
    // A device that trusts another WWDR refuses it.
    let other = walletpass_apple::testca::TestCertificates::generate(
        &walletpass_apple::testca::TestCertOptions::new("pass.other", "OTHER00001"),
    )
    .unwrap();
    let err = walletpass_sim::device::check_pkpass(&bundle, &[der_of(&other.ca_pem)]).unwrap_err();
    assert!(err.contains("trusts"), "{err}");
    f.stop().await;
}
