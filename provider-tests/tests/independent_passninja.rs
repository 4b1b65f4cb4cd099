//! The harness against a second PassNinja server, written for this test from
//! `shared/vendor-docs/passninja-api.txt` alone: it shares no code with the simulator in
//! `walletpass-sim` (a different error shape, its own store, its own delivery client), so a
//! guess that the client and the simulator share cannot make this test pass. With nothing but
//! credentials, every scenario that applies to PassNinja must pass.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use provider_tests::{Fixture, Outcome, SuiteOptions, TestTls, choose_template, run_suite};
use serde_json::{Map, Value, json};
use walletpass_core::PassId;
use walletpass_passninja::{PassNinja, PassNinjaConfig};

/// "<YOUR_API_KEY> ... 91dbb1e7af9c80aba6ed3f95a1545b4e" (Parameter Reference).
const API_KEY: &str = "91dbb1e7af9c80aba6ed3f95a1545b4e";
/// "<YOUR_ACCOUNT_ID> ... aid_0xa01" (Parameter Reference).
const ACCOUNT: &str = "aid_0xa01";

struct TemplateRow {
    id: String,
    name: String,
    platform: String,
    style: String,
    /// The visible keys and their defaults (set in the dashboard's template editor).
    keys: Vec<(String, String)>,
}

struct PassRow {
    serial: String,
    template: String,
    values: Map<String, Value>,
}

struct HookRow {
    id: u64,
    name: String,
    url: String,
    events: Vec<String>,
    template: Option<String>,
    token: String,
}

#[derive(Default)]
struct Store {
    templates: Vec<TemplateRow>,
    passes: Vec<PassRow>,
    hooks: Vec<HookRow>,
    results: Vec<(u64, Value)>,
    next: u64,
}

#[derive(Clone)]
struct App {
    store: Arc<Mutex<Store>>,
    deliver: reqwest::Client,
}

/// The doc lists codes and statuses but no error body; this server answers `{"code",
/// "message"}` (the simulator answers `{"error": {...}}`), so the client's tolerance is tested.
fn fail(status: StatusCode, code: Option<&str>, message: &str) -> Response {
    let mut body = json!({ "message": message });
    if let Some(code) = code {
        body["code"] = code.into();
    }
    (status, axum::Json(body)).into_response()
}

/// Every endpoint: both headers, with the account's values (`UA1` otherwise).
async fn authed(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let headers: &HeaderMap = request.headers();
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if h("x-api-key") == Some(API_KEY) && h("x-account-id") == Some(ACCOUNT) {
        next.run(request).await
    } else {
        // "UA1 401 Unauthorized request - you are missing a required header."
        fail(StatusCode::UNAUTHORIZED, Some("UA1"), "unauthorized")
    }
}

fn template_json(t: &TemplateRow, store: &Store) -> Value {
    let issued = store.passes.iter().filter(|p| p.template == t.id).count();
    json!({"id": t.id, "name": t.name, "platform": t.platform, "style": t.style,
           "issuedPassCount": issued, "installedPassCount": 0,
           "createdAt": "2024-01-15T10:30:00Z", "updatedAt": "2024-03-20T14:45:00Z"})
}

fn pass_summary(p: &PassRow) -> Value {
    json!({"id": p.serial, "passTemplate": p.template, "serialNumber": p.serial,
           "urls": {"landing": format!("https://i.installpass.es/p/{}", p.serial)}})
}

fn hook_json(h: &HookRow) -> Value {
    json!({"id": h.id.to_string(), "name": h.name, "url": h.url, "auth_method": "bearer_token",
           "subscribed_events": h.events, "pass_template": h.template, "active": true,
           "created_at": "2026-05-12T18:00:00.000Z", "updated_at": "2026-05-12T18:00:00.000Z"})
}

/// "Invalid pass body - The keys you are using ... do not fit the schema" (MI1).
fn check_keys(t: &TemplateRow, values: &Map<String, Value>) -> Result<(), Box<Response>> {
    for (key, value) in values {
        if !t.keys.iter().any(|(k, _)| k == key) || !(value.is_string() || value.is_number()) {
            return Err(Box::new(fail(
                StatusCode::BAD_REQUEST,
                Some("MI1"),
                &format!("key {key} does not fit the template"),
            )));
        }
    }
    Ok(())
}

type Params = Query<BTreeMap<String, String>>;

async fn list_templates(State(app): State<App>) -> Response {
    let store = app.store.lock().unwrap();
    let rows: Vec<Value> = store
        .templates
        .iter()
        .map(|t| template_json(t, &store))
        .collect();
    axum::Json(json!({ "pass_templates": rows })).into_response()
}

async fn get_template(State(app): State<App>, Path(id): Path<String>) -> Response {
    let store = app.store.lock().unwrap();
    match store.templates.iter().find(|t| t.id == id) {
        Some(t) => {
            let mut v = template_json(t, &store);
            let o = v.as_object_mut().unwrap();
            o.remove("createdAt");
            o.remove("updatedAt");
            axum::Json(v).into_response()
        }
        None => fail(StatusCode::NOT_FOUND, Some("MR1"), "no such pass template"),
    }
}

async fn create_template(State(app): State<App>, body: String) -> Response {
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return fail(StatusCode::BAD_REQUEST, None, "invalid JSON");
    };
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let (Some(name), Some(platform), Some(style)) = (text("name"), text("platform"), text("style"))
    else {
        return fail(
            StatusCode::BAD_REQUEST,
            None,
            "name, platform and style are required",
        );
    };
    if name.chars().count() > 120 || !["apple", "google", "both"].contains(&platform.as_str()) {
        return fail(StatusCode::BAD_REQUEST, None, "invalid name or platform");
    }
    let mut store = app.store.lock().unwrap();
    store.next += 1;
    // "The created template starts empty."
    let row = TemplateRow {
        id: format!("ptk_0x{:x}", 0x300 + store.next),
        name,
        platform,
        style,
        keys: Vec::new(),
    };
    let v = template_json(&row, &store);
    store.templates.push(row);
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

async fn delete_template(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut store = app.store.lock().unwrap();
    let before = store.templates.len();
    store.templates.retain(|t| t.id != id);
    if store.templates.len() == before {
        return fail(StatusCode::NOT_FOUND, Some("MR1"), "no such pass template");
    }
    // "issued passes attached to the template are deleted along with it"
    store.passes.retain(|p| p.template != id);
    StatusCode::NO_CONTENT.into_response()
}

async fn create_pass(State(app): State<App>, body: String) -> Response {
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return fail(StatusCode::BAD_REQUEST, None, "invalid JSON");
    };
    let template = body["passTemplate"].as_str().unwrap_or_default().to_owned();
    let Some(values) = body["pass"].as_object().cloned() else {
        return fail(StatusCode::BAD_REQUEST, Some("MI1"), "pass is required");
    };
    let mut store = app.store.lock().unwrap();
    let Some(t) = store.templates.iter().find(|t| t.id == template) else {
        return fail(StatusCode::NOT_FOUND, Some("MR1"), "no such pass template");
    };
    if let Err(r) = check_keys(t, &values) {
        return *r;
    }
    let mut full: Map<String, Value> = t
        .keys
        .iter()
        .map(|(k, d)| (k.clone(), Value::from(d.as_str())))
        .collect();
    full.extend(values);
    // "<SERIAL_NUMBER> ... <18-char hex>"
    let serial = uuid::Uuid::new_v4().simple().to_string()[..18].to_owned();
    let row = PassRow {
        serial,
        template,
        values: full,
    };
    let v = pass_summary(&row);
    store.passes.push(row);
    axum::Json(v).into_response()
}

async fn list_passes(
    State(app): State<App>,
    Path(template): Path<String>,
    Query(q): Params,
) -> Response {
    let store = app.store.lock().unwrap();
    if !store.templates.iter().any(|t| t.id == template) {
        return fail(StatusCode::NOT_FOUND, Some("MR1"), "no such pass template");
    }
    let needle = q.get("search").map(|s| s.to_lowercase());
    let rows: Vec<Value> = store
        .passes
        .iter()
        .filter(|p| p.template == template)
        .filter(|p| {
            needle
                .as_ref()
                .is_none_or(|n| p.serial.to_lowercase().contains(n))
        })
        .map(|p| {
            let mut v = pass_summary(p);
            v["issuedDate"] = "2024-04-23T10:15:00Z".into();
            v["installedDate"] = Value::Null;
            v["status"] = "Active".into();
            v["recipient"] = Value::Null;
            v
        })
        .collect();
    // "Without this parameter, all passes are returned."
    let Some(page) = q.get("page") else {
        return axum::Json(json!({ "passes": rows })).into_response();
    };
    let page: usize = page.parse().unwrap_or(1).max(1);
    let per_page: usize = q
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(10)
        .max(1);
    let total = rows.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let items: Vec<Value> = rows
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    axum::Json(
        json!({"passes": items, "meta": {"current_page": page, "total_pages": total_pages,
        "total_count": total, "per_page": per_page}}),
    )
    .into_response()
}

fn find_pass<'a>(store: &'a mut Store, template: &str, serial: &str) -> Option<&'a mut PassRow> {
    store
        .passes
        .iter_mut()
        .find(|p| p.template == template && p.serial == serial)
}

async fn get_pass(
    State(app): State<App>,
    Path((template, serial)): Path<(String, String)>,
) -> Response {
    let mut store = app.store.lock().unwrap();
    if !store.templates.iter().any(|t| t.id == template) {
        return fail(StatusCode::NOT_FOUND, Some("MR1"), "no such pass template");
    }
    match find_pass(&mut store, &template, &serial) {
        Some(p) => {
            let mut v = pass_summary(p);
            v["pass"] = Value::Object(p.values.clone());
            axum::Json(v).into_response()
        }
        None => fail(StatusCode::NOT_FOUND, Some("MR2"), "no such pass"),
    }
}

async fn update_pass(
    app: App,
    template: String,
    serial: String,
    body: String,
    replace: bool,
) -> Response {
    let Some(values) = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|b| b["pass"].as_object().cloned())
    else {
        return fail(StatusCode::BAD_REQUEST, Some("MI1"), "pass is required");
    };
    let (answer, targets, snapshot) = {
        let mut store = app.store.lock().unwrap();
        let Some(t) = store.templates.iter().find(|t| t.id == template) else {
            return fail(StatusCode::NOT_FOUND, Some("MR1"), "no such pass template");
        };
        if let Err(r) = check_keys(t, &values) {
            return *r;
        }
        let defaults: Map<String, Value> = t
            .keys
            .iter()
            .map(|(k, d)| (k.clone(), Value::from(d.as_str())))
            .collect();
        let Some(p) = find_pass(&mut store, &template, &serial) else {
            return fail(StatusCode::NOT_FOUND, Some("MR2"), "no such pass");
        };
        // PUT: "Fields that are not provided will revert to their pass template default
        // values"; PATCH: "fields that are not provided will retain their existing values".
        if replace {
            p.values = defaults;
        }
        p.values.extend(values);
        let answer = pass_summary(p);
        let snapshot = p.values.clone();
        let targets: Vec<(u64, String, String)> = store
            .hooks
            .iter()
            .filter(|h| h.events.iter().any(|e| e == "pn.pass.updated"))
            .filter(|h| h.template.as_ref().is_none_or(|t| *t == template))
            .map(|h| (h.id, h.url.clone(), h.token.clone()))
            .collect();
        (answer, targets, snapshot)
    };
    // "pn.pass.updated ... Pass field values are changed via PUT or PATCH"
    for (id, url, token) in targets {
        let envelope = json!({"specversion": "1.0", "id": uuid::Uuid::new_v4().to_string(),
            "source": format!("https://api.passninja.com/accounts/{ACCOUNT}"),
            "type": "pn.pass.updated", "datacontenttype": "application/json",
            "time": "2026-05-12T18:25:43.511Z", "pnattempt": 1,
            "data": {"pass_template": template, "pass_id": serial, "metadata": snapshot}});
        let app = app.clone();
        tokio::spawn(async move {
            let sent = app
                .deliver
                .post(&url)
                .bearer_auth(&token)
                .json(&envelope)
                .send()
                .await;
            let status = sent.map(|r| r.status().as_u16()).unwrap_or(0);
            app.store.lock().unwrap().results.push((
                id,
                json!({"webhook_id": id.to_string(), "url": url, "response_status": status,
                       "success": (200..300).contains(&status), "attempt": 1}),
            ));
        });
    }
    axum::Json(answer).into_response()
}

type PassPath = Path<(String, String)>;

async fn delete_pass(
    State(app): State<App>,
    Path((template, serial)): Path<(String, String)>,
) -> Response {
    let mut store = app.store.lock().unwrap();
    let before = store.passes.len();
    store
        .passes
        .retain(|p| !(p.template == template && p.serial == serial));
    if store.passes.len() == before {
        return fail(StatusCode::NOT_FOUND, Some("MR2"), "no such pass");
    }
    // "You will get a response with the deleted pass serial number."
    axum::Json(Value::from(serial)).into_response()
}

/// `^pn\.[a-z][a-z_]*\.[a-z][a-z_]*$`
fn event_ok(e: &str) -> bool {
    let parts: Vec<&str> = e.split('.').collect();
    let seg = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    };
    parts.len() == 3 && parts[0] == "pn" && seg(parts[1]) && seg(parts[2])
}

async fn create_hook(State(app): State<App>, body: String) -> Response {
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return fail(StatusCode::BAD_REQUEST, None, "invalid JSON");
    };
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    let url = body["url"].as_str().unwrap_or_default().to_owned();
    // "url ... Absolute https:// URL. http:// is rejected."
    if name.is_empty() || !url.starts_with("https://") {
        return fail(
            StatusCode::BAD_REQUEST,
            None,
            "name and an https:// url are required",
        );
    }
    let events: Vec<String> = body["subscribed_events"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if events.is_empty() || !events.iter().all(|e| event_ok(e)) {
        return fail(StatusCode::BAD_REQUEST, None, "invalid subscribed_events");
    }
    let mut store = app.store.lock().unwrap();
    store.next += 1;
    let row = HookRow {
        id: 47 + store.next,
        name,
        url,
        events,
        template: body["pass_template"].as_str().map(str::to_owned),
        token: format!("wbk_{}", uuid::Uuid::new_v4().simple()),
    };
    let mut v = hook_json(&row);
    v["bearer_token"] = row.token.clone().into();
    store.hooks.push(row);
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

async fn list_hooks(State(app): State<App>, Query(q): Params) -> Response {
    let store = app.store.lock().unwrap();
    // "newest first"; the list body is not shown, so the results endpoint's shape is used.
    let rows: Vec<Value> = store
        .hooks
        .iter()
        .rev()
        .filter(|h| {
            q.get("pass_template")
                .is_none_or(|t| h.template.as_ref() == Some(t))
        })
        .map(hook_json)
        .collect();
    let total = rows.len();
    axum::Json(json!({"webhooks": rows, "page": 1, "per_page": 50, "total": total})).into_response()
}

async fn get_hook(State(app): State<App>, Path(id): Path<String>) -> Response {
    let store = app.store.lock().unwrap();
    match store.hooks.iter().find(|h| h.id.to_string() == id) {
        Some(h) => axum::Json(hook_json(h)).into_response(),
        None => fail(StatusCode::NOT_FOUND, None, "no such webhook"),
    }
}

async fn delete_hook(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut store = app.store.lock().unwrap();
    let before = store.hooks.len();
    store.hooks.retain(|h| h.id.to_string() != id);
    if store.hooks.len() == before {
        return fail(StatusCode::NOT_FOUND, None, "no such webhook");
    }
    store.results.retain(|(w, _)| w.to_string() != id);
    StatusCode::NO_CONTENT.into_response()
}

async fn hook_results(State(app): State<App>, Path(id): Path<String>) -> Response {
    let store = app.store.lock().unwrap();
    if !store.hooks.iter().any(|h| h.id.to_string() == id) {
        return fail(StatusCode::NOT_FOUND, None, "no such webhook");
    }
    let rows: Vec<Value> = store
        .results
        .iter()
        .filter(|(w, _)| w.to_string() == id)
        .map(|(_, r)| r.clone())
        .collect();
    let total = rows.len();
    axum::Json(json!({"webhook_results": rows, "page": 1, "per_page": 50, "total": total}))
        .into_response()
}

/// Start the server: the doc examples' account with two templates, one new (no keys, no
/// passes: nothing to learn its keys from) and the "Loyalty Card" with the keys of the doc's
/// create example and one issued pass.
async fn start(ca_pem: &str) -> (String, App) {
    let store = Store {
        templates: vec![
            TemplateRow {
                id: "ptk_0x216".into(),
                name: "New template".into(),
                platform: "apple".into(),
                style: "storeCard".into(),
                keys: Vec::new(),
            },
            TemplateRow {
                id: "ptk_0x14".into(),
                name: "Loyalty Card".into(),
                platform: "apple".into(),
                style: "storeCard".into(),
                keys: vec![
                    ("member.level".into(), "silver".into()),
                    ("discount".into(), "0%".into()),
                    ("member.name".into(), String::new()),
                ],
            },
        ],
        passes: vec![PassRow {
            serial: "838b8cf60dac2bfad9".into(),
            template: "ptk_0x14".into(),
            values: json!({"member.level": "gold", "discount": "100%", "member.name": "John"})
                .as_object()
                .cloned()
                .unwrap(),
        }],
        ..Store::default()
    };
    let deliver = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let app = App {
        store: Arc::new(Mutex::new(store)),
        deliver,
    };
    let v1 = Router::new()
        .route("/pass_templates", get(list_templates).post(create_template))
        .route(
            "/pass_templates/{id}",
            get(get_template).delete(delete_template),
        )
        .route("/passes", post(create_pass))
        .route("/passes/{template}", get(list_passes))
        .route(
            "/passes/{template}/{serial}",
            get(get_pass)
                .patch(|State(app), Path((t, s)): PassPath, body| {
                    update_pass(app, t, s, body, false)
                })
                .put(|State(app), Path((t, s)): PassPath, body| update_pass(app, t, s, body, true))
                .delete(delete_pass),
        )
        .route("/webhooks", get(list_hooks).post(create_hook))
        .route("/webhooks/{id}", get(get_hook).delete(delete_hook))
        .route("/webhooks/{id}/results", get(hook_results))
        .route_layer(axum::middleware::from_fn(authed))
        .with_state(app.clone());
    let router = Router::new()
        .nest("/v1", v1)
        .fallback(|| async { fail(StatusCode::NOT_FOUND, None, "not found") });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/v1"), app)
}

#[tokio::test]
async fn the_harness_certifies_an_independent_passninja_with_credentials_only() {
    let tls = TestTls::generate().unwrap();
    let (base, app) = start(&tls.ca_pem).await;
    let build = |key: &str| -> Arc<dyn walletpass_core::WalletProvider> {
        Arc::new(PassNinja::new(PassNinjaConfig::new(key, ACCOUNT).with_base_url(&base)).unwrap())
    };
    let provider = build(API_KEY);
    let choice = choose_template(provider.as_ref()).await.unwrap();
    assert_eq!(choice.template.as_str(), "ptk_0x14", "{}", choice.why);
    assert!(
        choice.why.contains("838b8cf60dac2bfad9"),
        "the keys come from its pass: {}",
        choice.why
    );
    let fixture = Fixture {
        template: Some(choice.template.clone()),
        fields: choice.fields.clone(),
        unknown_id: Some(PassId::new("0123456789abcdef00").unwrap()),
        malformed_id: Some(PassId::new("not-a-serial!").unwrap()),
        webhook_sample: Some(
            include_bytes!(
                "../../crates/walletpass-passninja/tests/fixtures/webhook-cloudevent.json"
            )
            .to_vec(),
        ),
        bad_credentials: Some(build("00000000000000000000000000000000")),
        receiver: provider_tests::Receiver::LoopbackTls(tls.identity()),
        ..Fixture::default()
    };
    let options = SuiteOptions {
        fixture,
        notes: vec![choice.why],
        ..SuiteOptions::default()
    };
    let report = run_suite(provider, options).await;
    println!("{}", report.to_table());
    let failures: Vec<_> = report.failures().collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(!report.lacks_template());
    let passed: Vec<&str> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Passed { .. }))
        .map(|r| r.scenario.as_str())
        .collect();
    for scenario in [
        "create_then_get",
        "patch_changes_only_given_fields",
        "put_replaces",
        "delete_then_get_is_not_found",
        "list_walks_every_page_once",
        "search_finds_by_serial",
        "templates_lifecycle",
        "webhook_subscription_lifecycle",
        "webhook_delivery_verifies",
        "error_unknown_id",
        "error_unknown_field_key",
        "error_bad_credentials",
        "capability_truth",
    ] {
        assert!(
            passed.contains(&scenario),
            "{scenario}: {}",
            report.to_table()
        );
    }
    // Every skip is for a capability PassNinja does not declare, never for the fixture.
    for r in &report.results {
        if let Outcome::Skipped { missing, .. } = &r.outcome {
            assert!(
                !missing.contains("fixture") && !missing.contains("pass --"),
                "{missing}"
            );
        }
    }
    // The labels the vendor does not return were not compared, and the report says so.
    assert!(
        report.not_compared.iter().any(|n| n.contains("labels")),
        "{:?}",
        report.not_compared
    );
    // Nothing the run created is left: passes, subscriptions, templates.
    assert!(report.left_behind.is_empty(), "{:?}", report.left_behind);
    let store = app.store.lock().unwrap();
    assert_eq!(store.passes.len(), 1, "only the seeded pass is left");
    assert!(store.hooks.is_empty());
    assert_eq!(store.templates.len(), 2);
}
