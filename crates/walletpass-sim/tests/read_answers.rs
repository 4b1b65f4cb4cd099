//! The simulators keep each pass's rendered read answer for the next read: every kind of change
//! must show on the read that follows it, and an answer that changes by itself with time (a
//! queued ubpass pass turning `Published`, a Passinstance pass expiring) must never be served
//! stale.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};
use walletpass_sim::{SimConfig, passinstance, ubpass};

fn with(mut request: RequestBuilder, credentials: &[(&str, &str)]) -> RequestBuilder {
    for (name, value) in credentials {
        request = request.header(*name, *value);
    }
    request
}

async fn call(request: RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn ubpass_pass(name: &str) -> Value {
    json!({
        "passName": name,
        "passMetadata": {
            "description": "Welcome",
            "organizationName": "Your Company",
            "topField": { "key": "member", "label": "Member", "value": "Gold" }
        }
    })
}

#[tokio::test]
async fn ubpass_reads_show_every_change() {
    let sim = ubpass::start_with(SimConfig::default(), ubpass::Seed::Documented)
        .await
        .unwrap();
    let base = sim.base_url().to_owned();
    let http = Client::new();
    let req = |method: Method, path: &str| {
        with(
            http.request(method, format!("{base}{path}")),
            ubpass::DEMO_CREDENTIALS,
        )
    };
    let (status, created) = call(req(Method::POST, "/wallet-pass").json(&ubpass_pass("A"))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/wallet-pass/{id}");
    let read = || async { call(req(Method::GET, &path)).await };

    let (_, first) = read().await;
    assert_eq!(first[0]["appleActiveCount"], 0);
    assert_eq!(read().await.1, first, "a second read answers the same");

    // Install counters change outside the API.
    assert!(sim.record_install(ubpass::DEMO_WORKSPACE_ID, &id, ubpass::Platform::Apple));
    let (_, installed) = read().await;
    assert_eq!(installed[0]["appleActiveCount"], 1);
    assert_eq!(installed[0]["appleIssuedCount"], 1);

    let (status, _) = call(req(Method::PATCH, &path).json(&ubpass_pass("B"))).await;
    assert_eq!(status, 200);
    assert_eq!(read().await.1[0]["passName"], "B");

    let (status, _) = call(req(Method::DELETE, &path)).await;
    assert!(status < 300, "{status}");
    assert_eq!(read().await.0, 404);

    // A queued pass reads `Draft` until its time comes, then `Published`.
    let (status, queued) =
        call(req(Method::POST, "/wallet-pass/async").json(&ubpass_pass("C"))).await;
    assert_eq!(status, 202, "{queued}");
    let queued_path = format!("/wallet-pass/{}", queued["id"].as_str().unwrap());
    let (_, draft) = call(req(Method::GET, &queued_path)).await;
    assert_eq!(draft[0]["status"], "Draft");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, published) = call(req(Method::GET, &queued_path)).await;
    assert_eq!(published[0]["status"], "Published");
}

#[tokio::test]
async fn passinstance_reads_show_every_change() {
    let sim = passinstance::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url().to_owned();
    let http = Client::new();
    let bearer = format!("Bearer {}", passinstance::DEMO_TOKEN);
    let credentials = [("authorization", bearer.as_str())];
    let req = |method: Method, path: &str| {
        with(http.request(method, format!("{base}{path}")), &credentials)
    };
    let body = |serial: &str, tier: &str| {
        json!({
            "templateId": passinstance::CONFORMANCE_TEMPLATE_ID,
            "serialNumber": serial,
            "fields": {"member": {"value": "M-1"}, "tier": {"value": tier}},
        })
    };
    let (status, created) = call(req(Method::POST, "/passes").json(&body("S-1", "Gold"))).await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/passes/{}", created["id"].as_str().unwrap());
    let read = |path: String| async move { call(req(Method::GET, &path)).await };

    let (_, first) = read(path.clone()).await;
    assert_eq!(first["status"], "active");
    assert_eq!(
        read(path.clone()).await.1,
        first,
        "a second read answers the same"
    );

    let (status, _) = call(req(Method::PUT, &path).json(&body("S-1", "Silver"))).await;
    assert_eq!(status, 200);
    let (_, replaced) = read(path.clone()).await;
    assert_eq!(replaced["fields"]["tier"]["value"], "Silver");

    let (status, _) = call(req(Method::POST, &format!("{path}/void")).json(&json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(read(path.clone()).await.1["status"], "voided");

    let (status, _) = call(req(Method::DELETE, &path)).await;
    assert!(status < 300, "{status}");
    assert_eq!(read(path.clone()).await.0, 404);

    // A pass whose expiration date passes reads `expired` afterwards.
    let soon = time::OffsetDateTime::now_utc() + Duration::from_millis(1500);
    let mut expiring = body("S-2", "Gold");
    expiring["expirationDate"] = json!(
        soon.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
    let (status, created) = call(req(Method::POST, "/passes").json(&expiring)).await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/passes/{}", created["id"].as_str().unwrap());
    assert_eq!(read(path.clone()).await.1["status"], "active");
    assert_eq!(read(path.clone()).await.1["status"], "active");
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(read(path).await.1["status"], "expired");
}
