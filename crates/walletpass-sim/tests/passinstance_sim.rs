#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! The Passinstance simulator driven with plain HTTP calls, as curl or the vendor's SDK would.
//! Each test names the section of `passinstance-api.txt` (or the simulator's assumption) it pins.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{KeyInit, Mac};
use reqwest::Client;
use serde_json::{Value, json};
use walletpass_sim::passinstance::{
    self, DEMO_API_KEY, DEMO_TEMPLATE_ID, DEMO_TOKEN, READ_ONLY_API_KEY, SIGNATURE_HEADER,
};
use walletpass_sim::{Deviation, RunningSim, SimConfig};

/// The documented create example ("Quickstart", the curl under STAGING_BASE_URL).
fn documented_create() -> Value {
    json!({
        "templateId": "tpl_abcdef1234567890",
        "serialNumber": "ORDER-1001",
        "fields": {
            "memberName": { "label": "Member", "value": "Jane Doe" },
            "tier": { "label": "Tier", "value": "Gold" }
        },
        "barcodeFormat": "qr",
        "barcodeMessage": "ORDER-1001-GOLD"
    })
}

struct Api {
    sim: RunningSim,
    http: Client,
}

impl Api {
    async fn start() -> Self {
        Self::with(SimConfig::default()).await
    }

    async fn with(config: SimConfig) -> Self {
        Self {
            sim: passinstance::start(config).await.unwrap(),
            http: Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// A request with the bearer token ("Authentication": `Authorization: Bearer <access_token>`).
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(DEMO_TOKEN)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.req(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, body)
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
}

#[tokio::test]
async fn documented_create_example_works_with_either_auth_header() {
    // "Quickstart" / "Authentication": the example body, with Bearer and with X-API-Key.
    let api = Api::start().await;
    assert!(api.sim.base_url().ends_with("/api/v1"));
    let (status, pass) = api.post("/passes", documented_create()).await;
    assert_eq!(status, 201, "{pass}");
    assert!(pass["id"].as_str().unwrap().starts_with("pass_"));
    assert_eq!(pass["templateId"], "tpl_abcdef1234567890");
    assert_eq!(pass["serialNumber"], "ORDER-1001");
    assert_eq!(pass["status"], "active");
    assert_eq!(pass["fields"], documented_create()["fields"]);
    assert_eq!(pass["barcodeFormat"], "qr");
    assert_eq!(pass["barcodeMessage"], "ORDER-1001-GOLD");
    let download = pass["downloadUrl"].as_str().unwrap().to_owned();

    let by_key = api
        .http
        .get(api.url(&format!("/passes/{}", pass["id"].as_str().unwrap())))
        .header("X-API-Key", DEMO_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(by_key.status(), 200);
    let read: Value = by_key.json().await.unwrap();
    assert_eq!(read, pass);

    let file = api.http.get(download).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.headers()["content-type"],
        "application/vnd.apple.pkpass"
    );
}

#[tokio::test]
async fn credentials_are_checked() {
    // "Authentication": anything but a valid Bearer token or X-API-Key is a 401.
    let api = Api::start().await;
    let url = api.url("/passes");
    let none = api.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["error"], "Unauthorized");
    for (name, value) in [
        ("Authorization", "Bearer nope"),
        ("Authorization", DEMO_TOKEN),
        ("X-API-Key", "nope"),
        ("Authorization", &format!("Basic {DEMO_TOKEN}")),
    ] {
        let resp = api.http.get(&url).header(name, value).send().await.unwrap();
        assert_eq!(resp.status(), 401, "{name}: {value}");
    }
    // S14: the read-only key reads, but a write is 403.
    let read = api
        .http
        .get(&url)
        .header("X-API-Key", READ_ONLY_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let write = api
        .http
        .post(&url)
        .header("X-API-Key", READ_ONLY_API_KEY)
        .json(&documented_create())
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
}

#[tokio::test]
async fn invalid_bodies_answer_422_with_field_details() {
    // "Production readiness": 422 for validation errors (details shape: assumption S1).
    let api = Api::start().await;
    let (status, body) = api
        .post(
            "/passes",
            json!({
                "templateId": DEMO_TEMPLATE_ID,
                "fields": { "tier": { "label": "Tier" }, "nickname": { "value": "J" } },
                "barcodeFormat": "ean13",
                "barcodeMessage": "x",
                "expirationDate": "next week",
                "colour": "red"
            }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "Unprocessable Entity");
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    for f in [
        "serialNumber",
        "fields.tier.value",
        "barcodeFormat",
        "expirationDate",
        "colour",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }

    // A key the template does not declare (S4).
    let mut body = documented_create();
    body["fields"]["nickname"] = json!({ "value": "J" });
    let (status, answer) = api.post("/passes", body).await;
    assert_eq!(status, 422);
    assert_eq!(answer["details"][0]["field"], "fields.nickname");

    let raw = api
        .req(reqwest::Method::POST, "/passes")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 422);
}

#[tokio::test]
async fn unknown_ids_answer_404() {
    // "Production readiness": 404.
    let api = Api::start().await;
    for path in [
        "/passes/pass_0000000000000000",
        "/templates/tpl_0000000000000000",
        "/batch/batch_0000000000000000",
    ] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "Not Found");
    }
    let mut body = documented_create();
    body["templateId"] = json!("tpl_0000000000000000");
    assert_eq!(api.post("/passes", body).await.0, 404);
    let (status, _) = api
        .call(
            reqwest::Method::PUT,
            "/passes/pass_0000000000000000",
            Some(documented_create()),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = api
        .post("/passes/pass_0000000000000000/void", json!({}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn serial_numbers_are_unique_per_template() {
    // "Production readiness": "Generate stable serial numbers" (409 on reuse: assumption S5).
    let api = Api::start().await;
    assert_eq!(api.post("/passes", documented_create()).await.0, 201);
    let (status, body) = api.post("/passes", documented_create()).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"], "Conflict");

    let (_, template) = api
        .post(
            "/templates",
            json!({ "name": "Plain", "passType": "generic" }),
        )
        .await;
    let mut other = documented_create();
    other["templateId"] = template["id"].clone();
    assert_eq!(api.post("/passes", other).await.0, 201);
}

#[tokio::test]
async fn update_void_delete_lifecycle() {
    // "Quickstart": PUT /passes/{id} updates; void and delete per the operation list.
    let api = Api::start().await;
    let (_, pass) = api.post("/passes", documented_create()).await;
    let id = pass["id"].as_str().unwrap().to_owned();
    let path = format!("/passes/{id}");

    let mut put = documented_create();
    put["fields"]["tier"]["value"] = json!("Platinum");
    put["relevantDate"] = json!("2024-12-15T19:00:00Z");
    let (status, updated) = api.call(reqwest::Method::PUT, &path, Some(put)).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["fields"]["tier"]["value"], "Platinum");
    assert_eq!(updated["relevantDate"], "2024-12-15T19:00:00Z");

    // A full replacement drops what it does not send.
    let (_, replaced) = api
        .call(
            reqwest::Method::PUT,
            &path,
            Some(json!({ "fields": { "tier": { "value": "Silver" } } })),
        )
        .await;
    assert_eq!(
        replaced["fields"],
        json!({ "tier": { "value": "Silver", "label": "Tier" } })
    );
    assert!(replaced.get("barcodeFormat").is_none());

    let (status, _) = api
        .call(
            reqwest::Method::PUT,
            &path,
            Some(json!({ "serialNumber": "OTHER" })),
        )
        .await;
    assert_eq!(status, 422);

    let (status, voided) = api.post(&format!("{path}/void"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(voided["status"], "voided");
    assert!(voided["voidedAt"].is_string());
    assert_eq!(api.post(&format!("{path}/void"), json!({})).await.0, 200);
    let (status, _) = api
        .call(reqwest::Method::PUT, &path, Some(documented_create()))
        .await;
    assert_eq!(status, 409);

    let (status, body) = api.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(api.get(&path).await.0, 404);
    // The serial is free again.
    assert_eq!(api.post("/passes", documented_create()).await.0, 201);
}

#[tokio::test]
async fn lists_page_and_filter() {
    // S6: page / limit and the pass filters.
    let api = Api::start().await;
    for n in 0..25 {
        let mut body = documented_create();
        body["serialNumber"] = json!(format!("S-{n:02}"));
        if n == 7 {
            body["fields"]["memberName"]["value"] = json!("Zoë Needle");
        }
        assert_eq!(api.post("/passes", body).await.0, 201);
    }
    let (_, first) = api.get("/passes?limit=10").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 10);
    assert_eq!(
        first["pagination"],
        json!({ "page": 1, "limit": 10, "total": 25, "totalPages": 3 })
    );
    let (_, third) = api.get("/passes?limit=10&page=3").await;
    assert_eq!(third["data"].as_array().unwrap().len(), 5);
    assert_eq!(third["data"][4]["serialNumber"], "S-24");
    let (_, found) = api.get("/passes?search=needle").await;
    assert_eq!(found["data"][0]["serialNumber"], "S-07");
    assert_eq!(found["pagination"]["total"], 1);
    let (_, by_serial) = api.get("/passes?serialNumber=S-03").await;
    assert_eq!(by_serial["pagination"]["total"], 1);
    let (status, body) = api.get("/passes?limit=0").await;
    assert_eq!(status, 422);
    assert_eq!(body["details"][0]["field"], "limit");
    let (_, templates) = api.get("/templates").await;
    assert_eq!(templates["data"][0]["id"], DEMO_TEMPLATE_ID);
    assert_eq!(
        templates["data"][1]["id"],
        passinstance::CONFORMANCE_TEMPLATE_ID
    );
    let banner = passinstance::banner(&api.sim);
    assert_eq!(banner.lines().next(), Some(api.sim.base_url()));
    assert!(banner.contains(DEMO_TOKEN) && banner.contains(DEMO_API_KEY));
}

#[tokio::test]
async fn list_pages_follow_creation_order_across_deletes_and_templates() {
    // S6 over the ordered indexes: pages of all passes, of one template, and of one serial stay
    // in creation order with exact totals after deletes from the middle.
    let api = Api::start().await;
    let mut ids = Vec::new();
    for n in 0..9 {
        let mut body = documented_create();
        body["serialNumber"] = json!(format!("D-{n}"));
        if n % 3 == 0 {
            body["templateId"] = json!(passinstance::CONFORMANCE_TEMPLATE_ID);
            body["fields"] = json!({"member": {"value": format!("M-{n}")}});
        }
        let (status, pass) = api.post("/passes", body).await;
        assert_eq!(status, 201, "{pass}");
        ids.push(pass["id"].as_str().unwrap().to_owned());
    }
    for gone in [1, 3] {
        let (status, _) = api
            .call(
                reqwest::Method::DELETE,
                &format!("/passes/{}", ids[gone]),
                None,
            )
            .await;
        assert_eq!(status, 204);
    }
    let serials = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["serialNumber"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, second) = api.get("/passes?limit=3&page=2").await;
    assert_eq!(serials(&second), ["D-5", "D-6", "D-7"]);
    assert_eq!(second["pagination"]["total"], 7);
    let demo = format!("/passes?templateId={DEMO_TEMPLATE_ID}&limit=2&page=2");
    let (_, by_template) = api.get(&demo).await;
    assert_eq!(serials(&by_template), ["D-5", "D-7"]);
    assert_eq!(by_template["pagination"]["total"], 5);
    let other = format!(
        "/passes?templateId={}&limit=1&page=2",
        passinstance::CONFORMANCE_TEMPLATE_ID
    );
    let (_, conformance) = api.get(&other).await;
    assert_eq!(serials(&conformance), ["D-6"]);
    assert_eq!(conformance["pagination"]["totalPages"], 2);
    let (_, deleted) = api
        .get(&format!(
            "/passes?templateId={DEMO_TEMPLATE_ID}&serialNumber=D-1"
        ))
        .await;
    assert_eq!(deleted["pagination"]["total"], 0);
    // A freed serial can be taken again, and the new pass lists last.
    let mut again = documented_create();
    again["serialNumber"] = json!("D-1");
    assert_eq!(api.post("/passes", again).await.0, 201);
    let (_, last) = api.get("/passes?limit=7&page=2").await;
    assert_eq!(serials(&last), ["D-1"]);
}

#[tokio::test]
async fn templates_are_created_and_read() {
    // The older page's template example (passinstance-older-page-notes.md).
    let api = Api::start().await;
    let body = json!({
        "name": "VIP Event Ticket",
        "description": "Entry",
        "passType": "eventTicket",
        "organizationName": "Acme",
        "teamIdentifier": "TEAM123456789",
        "passTypeIdentifier": "pass.com.passinstance.event",
        "backgroundColor": "#1f2937",
        "foregroundColor": "#ffffff",
        "labelColor": "#9ca3af",
        "fields": [{ "key": "seat", "label": "Seat", "placement": "primary" }]
    });
    let (status, template) = api.post("/templates", body).await;
    assert_eq!(status, 201, "{template}");
    let id = template["id"].as_str().unwrap();
    assert!(id.starts_with("tpl_") && id.len() == 20);
    let (status, read) = api.get(&format!("/templates/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(read, template);
    let (status, bad) = api
        .post(
            "/templates",
            json!({ "name": "x", "passType": "ticket", "backgroundColor": "blue" }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(bad["details"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn batch_jobs_progress_and_report_per_item() {
    // "Run high-volume pass operations and poll job state" (body shape: assumption S10).
    let api = Api::start().await;
    let mut items: Vec<Value> = (0..120)
        .map(|n| {
            let mut body = documented_create();
            body["serialNumber"] = json!(format!("B-{n:03}"));
            body
        })
        .collect();
    items[5]["serialNumber"] = json!("B-004"); // duplicate of item 4
    let (status, job) = api
        .post("/batch", json!({ "operation": "create", "items": items }))
        .await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["status"], "queued");
    assert_eq!(job["total"], 120);
    let path = format!("/batch/{}", job["id"].as_str().unwrap());
    let mut seen = vec![];
    let done = loop {
        let (_, job) = api.get(&path).await;
        let s = job["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if s == "completed" {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(seen, ["queued", "running", "completed"]);
    assert_eq!(done["succeeded"], 119);
    assert_eq!(done["failed"], 1);
    let results = done["results"].as_array().unwrap();
    assert_eq!(results.len(), 120);
    assert_eq!(results[5]["status"], "failed");
    assert_eq!(results[5]["error"]["status"], 409);
    assert_eq!(results[6]["status"], "succeeded");
    assert!(results[6]["id"].as_str().unwrap().starts_with("pass_"));
    assert_eq!(results[6]["pass"]["serialNumber"], "B-006");

    // Void and delete jobs take ids.
    let ids: Vec<Value> = results[..3]
        .iter()
        .map(|r| json!({ "id": r["id"] }))
        .collect();
    let (_, job) = api
        .post("/batch", json!({ "operation": "void", "items": ids }))
        .await;
    let path = format!("/batch/{}", job["id"].as_str().unwrap());
    let done = loop {
        let (_, job) = api.get(&path).await;
        if job["status"] == "completed" {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(done["results"][2]["pass"]["status"], "voided");

    let (status, body) = api
        .post("/batch", json!({ "operation": "upsert", "items": [] }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["details"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn rate_limit_answers_the_documented_429() {
    // "Production readiness": `HTTP/1.1 429`, `Retry-After: <seconds>`, and the documented body.
    let api = Api::with(SimConfig {
        rps: Some(2.0),
        ..SimConfig::default()
    })
    .await;
    let mut limited = None;
    for _ in 0..10 {
        let resp = api
            .req(reqwest::Method::GET, "/passes")
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("no 429 within 10 requests at 2 rps");
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "error": "Too Many Requests", "message": "Retry after the indicated delay" })
    );
}

#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

/// A loopback webhook receiver that answers 500 to the first attempt of each event.
/// The test CA the simulator trusts and the receiver's certificate: the simulator, like the
/// vendor, takes only https receivers.
static TLS: std::sync::LazyLock<walletpass_sim::tls::TestTls> =
    std::sync::LazyLock::new(|| walletpass_sim::tls::TestTls::generate().unwrap());

async fn receiver() -> (String, Receiver) {
    let state = Receiver::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                |axum::extract::State(r): axum::extract::State<Receiver>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let first = headers["x-passinstance-delivery-attempt"] == "1";
                    r.hits.lock().unwrap().push((headers, body));
                    if first {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    }
                },
            ),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    TLS.identity().serve(listener, app).unwrap();
    (url, state)
}

fn verify(secret: &str, header: &str, body: &[u8]) -> bool {
    let (t, v1) = header.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = hex::decode(v1.strip_prefix("v1=").unwrap()).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&v1).is_ok()
}

#[tokio::test]
async fn webhooks_are_signed_and_retried() {
    // "Webhooks": register a receiver with events and a secret; verify signatures; duplicates.
    let (sim, handle) = passinstance::start_trusting(SimConfig::default(), Some(&TLS.ca_pem))
        .await
        .unwrap();
    let api = Api {
        sim,
        http: Client::new(),
    };
    let (url, rx) = receiver().await;
    // "Register HTTPS receivers": plain http is refused, loopback included.
    let plain = url.replacen("https://", "http://", 1);
    let (status, body) = api
        .post(
            "/webhooks",
            json!({ "url": plain, "events": ["pass.created"] }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let secret = "whsec_0123456789abcdef";
    let (status, hook) = api
        .post(
            "/webhooks",
            json!({ "url": url, "events": ["pass.created", "pass.voided"], "secret": secret }),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let (_, list) = api.get("/webhooks").await;
    assert_eq!(list["data"][0]["url"], url.as_str());
    assert!(list["data"][0].get("secret").is_none());

    let (_, pass) = api.post("/passes", documented_create()).await;
    let path = format!("/passes/{}", pass["id"].as_str().unwrap());
    api.call(reqwest::Method::PUT, &path, Some(documented_create()))
        .await; // not subscribed
    api.post(&format!("{path}/void"), json!({})).await;

    // The simulator's own record: every delivery emitted above has finished. The receiver
    // counts a hit before it answers, the simulator records the attempt after the answer, so
    // the hits alone do not say that the records are complete.
    let deliveries = handle.deliveries_settled().await;
    let hits = rx.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 4, "two events, each failed once then accepted");
    let mut types = vec![];
    for (headers, body) in &hits {
        let sig = headers[SIGNATURE_HEADER].to_str().unwrap();
        assert!(verify(secret, sig, body), "bad signature {sig}");
        assert!(!verify("whsec_wrong_secret_000", sig, body));
        let event: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            headers["x-passinstance-event-id"],
            event["id"].as_str().unwrap()
        );
        types.push(event["type"].as_str().unwrap().to_owned());
        assert_eq!(event["data"]["id"], pass["id"]);
    }
    types.sort();
    assert_eq!(
        types,
        ["pass.created", "pass.created", "pass.voided", "pass.voided"]
    );
    assert_eq!(deliveries.len(), 4);
    assert_eq!(deliveries.iter().filter(|d| d.succeeded()).count(), 2);
    assert_eq!(deliveries.iter().filter(|d| d.attempt == 2).count(), 2);

    let (status, body) = api
        .post(
            "/webhooks",
            json!({ "url": "http://example.com/hook", "events": ["pass.deleted"] }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["details"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bundles_and_push_notifications() {
    // "Group related passes" and "Trigger wallet updates and customer-facing pass notifications".
    let api = Api::start().await;
    let (_, pass) = api.post("/passes", documented_create()).await;
    let (status, bundle) = api
        .post(
            "/bundles",
            json!({ "name": "Order 1001", "passIds": [pass["id"]] }),
        )
        .await;
    assert_eq!(status, 201, "{bundle}");
    assert!(
        bundle["downloadUrl"]
            .as_str()
            .unwrap()
            .ends_with(".pkpasses")
    );
    let (_, bundles) = api.get("/bundles").await;
    assert_eq!(bundles["data"][0]["passIds"][0], pass["id"]);
    let (status, _) = api
        .post(
            "/bundles",
            json!({ "name": "x", "passIds": ["pass_0000000000000000"] }),
        )
        .await;
    assert_eq!(status, 404);

    let (status, sent) = api
        .post(
            "/push-notifications",
            json!({ "passId": pass["id"], "message": "Your tier changed" }),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["status"], "sent");
    let (_, sent) = api
        .post(
            "/push-notifications",
            json!({ "bundleId": bundle["id"], "message": "Doors open at 7" }),
        )
        .await;
    assert_eq!(sent["recipients"], 1);
    let (_, list) = api.get("/push-notifications").await;
    assert_eq!(list["pagination"]["total"], 2);
    let (status, _) = api
        .post("/push-notifications", json!({ "message": "nobody" }))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn deviation_switches_bite() {
    let api = Api::with(SimConfig {
        deviations: [
            Deviation::AcceptBadCredentials,
            Deviation::DropFieldOnRead,
            Deviation::LoseBarcode,
        ]
        .into(),
        ..SimConfig::default()
    })
    .await;
    let resp = api
        .http
        .get(api.url("/passes"))
        .header("X-API-Key", "anything")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (_, pass) = api.post("/passes", documented_create()).await;
    assert!(pass["fields"].get("tier").is_none());
    assert!(pass.get("barcodeFormat").is_none());
}

#[tokio::test]
async fn a_wrong_method_answers_in_the_error_shape() {
    // Assumption S1: every error body is {"error", "message"}, like the documented 429.
    let api = Api::start().await;
    let (status, body) = api
        .call(
            reqwest::Method::PATCH,
            "/passes/pass_0000000000000000",
            None,
        )
        .await;
    assert_eq!(status, 405);
    assert_eq!(body["error"], "Method Not Allowed");
    assert!(
        body["message"].as_str().unwrap().contains("PATCH"),
        "{body}"
    );
    // Credentials are still checked first.
    let resp = api
        .http
        .patch(api.url("/passes/pass_0000000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_void_with_a_body_is_refused_not_ignored() {
    // Assumption S4: nothing is silently dropped; void takes no body (A6 on the client side).
    let api = Api::start().await;
    let (status, pass) = api.post("/passes", documented_create()).await;
    assert_eq!(status, 201);
    let void = format!("/passes/{}/void", pass["id"].as_str().unwrap());
    let (status, body) = api.post(&void, json!({ "reason": "fraud" })).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"][0]["field"], "reason");
    let (status, body) = api
        .get(&format!("/passes/{}", pass["id"].as_str().unwrap()))
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("active")));
    let (status, body) = api.post(&void, json!({})).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("voided")));
    let (status, _) = api.call(reqwest::Method::POST, &void, None).await;
    assert_eq!(status, 200);
}
