//! The ubpass simulator over plain HTTP, held to `shared/vendor-docs/ubpass-*` (each test names
//! the doc section it pins).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use walletpass_sim::ubpass::{
    self, DEMO_API_KEY, DEMO_TOKEN, DEMO_WORKSPACE_ID, EXAMPLE_PASS_ID, Platform,
    SECOND_WORKSPACE_ID, Seed, UbpassSim,
};
use walletpass_sim::{Deviation, SimConfig};

struct Api {
    sim: UbpassSim,
    http: Client,
}

impl Api {
    async fn start() -> Self {
        Self::with(SimConfig::default(), Seed::Documented).await
    }

    async fn with(config: SimConfig, seed: Seed) -> Self {
        Self {
            sim: ubpass::start_with(config, seed).await.unwrap(),
            http: Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// A request with the demo api-key, in the default workspace.
    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("api-key", DEMO_API_KEY)
    }

    /// A request in the second workspace.
    fn req_b(&self, method: Method, path: &str) -> RequestBuilder {
        self.req(method, path)
            .header("x-workspace-id", SECOND_WORKSPACE_ID)
    }
}

async fn json_of(resp: Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, body)
}

async fn send(rb: RequestBuilder) -> (StatusCode, Value) {
    json_of(rb.send().await.unwrap()).await
}

fn minimal_pass(name: &str) -> Value {
    json!({
        "passName": name,
        "passMetadata": {
            "description": "Welcome to our program",
            "organizationName": "Your Company",
            "backgroundColor": "#1a1a1a",
            "displayTextColor": "#ffffff",
            "topField": { "key": "member", "label": "Member", "value": "Gold Status" },
            "secondaryFields": [ { "key": "points", "label": "Points", "value": "2,500" } ]
        }
    })
}

/// Every `UnblockedApiError` carries these, with the vendor's non-RFC 3339 timestamp.
fn assert_api_error(body: &Value, code: &str) {
    assert_eq!(body["errorCode"], code, "{body}");
    assert!(
        body["txId"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    let ts = body["timestamp"].as_str().unwrap();
    // "24-09-2025 03:57:23"
    assert_eq!(ts.len(), 19, "{ts}");
    assert_eq!(&ts[2..3], "-");
    assert_eq!(&ts[10..11], " ");
}

// ubpass-update-pass.txt: the documented curl example, unchanged apart from host and key.
const DOC_PATCH_BODY: &str = r##"{
  "notificationHeader": "BLUE PASS",
  "passName": "VIP MEMBERSHIP PASS - UPDATED",
  "passMetadata": {
    "description": "Updated VIP membership pass with enhanced benefits",
    "organizationName": "Premium Brands Inc",
    "backgroundColor": "#4a32A8",
    "displayTextColor": "#FFFFFF",
    "topField": { "key": "tabKey", "label": "SEE OFFERS", "value": "Tab (...)" },
    "secondaryFields": [
      { "key": "auxiliaryFieldKey", "label": "Member Level", "value": "VIP Platinum" },
      { "key": "auxiliaryFieldKey2", "label": "Expires", "value": "Dec 31, 2026" }
    ],
    "backFields": [
      { "key": "featured", "label": "Featured",
        "value": [ { "link": "https://premiumbrands.com/", "text": "Visit Our Website" } ] },
      { "key": "connectWithUs", "label": "Connect",
        "value": [ { "link": "https://x.com/premiumbrands/", "text": "X" },
                   { "link": "https://www.instagram.com/premiumbrands/", "text": "Instagram" } ],
        "changeMessage": null }
    ],
    "qrUrl": "https://premiumbrands.com/vip-benefits",
    "qrText": "Scan for VIP benefits"
  },
  "uploadInfoList": [
    { "fileName": "icon.png", "uploadKey": "1f089d37-8a1b-4c2d-9e3f-123456789abc" },
    { "fileName": "logo.png", "uploadKey": "1f089d37-8a1b-4c2d-9e3f-123456789def" },
    { "fileName": "strip.png", "uploadKey": "1f089d37-8a1b-4c2d-9e3f-123456789ghi" }
  ]
}"##;

#[tokio::test]
async fn documented_patch_example_works_against_the_seed() {
    // ubpass-update-pass.txt, "Update Pass": PATCH /wallet-pass/{id} with the documented body.
    let api = Api::start().await;
    let (status, body) = send(
        api.req(Method::PATCH, &format!("/wallet-pass/{EXAMPLE_PASS_ID}"))
            .header("Content-Type", "application/json")
            .body(DOC_PATCH_BODY),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The documented response, field by field (it leaves backFields out of its example).
    assert_eq!(body["id"], EXAMPLE_PASS_ID);
    assert_eq!(body["createdTime"], "2025-09-04T21:09:36.027Z");
    assert_eq!(body["createdBy"], "1ef58ae6-40ac-6fd2-96af-45801844c4e2");
    assert_eq!(body["workspaceId"], DEMO_WORKSPACE_ID);
    assert_eq!(body["accountId"], "1f089d29-6fa8-6a13-af59-99631cec7ab5");
    assert_eq!(body["notificationHeader"], "BLUE PASS");
    assert_eq!(body["passName"], "VIP MEMBERSHIP PASS - UPDATED");
    assert_eq!(body["status"], "Published");
    let sent: Value = serde_json::from_str(DOC_PATCH_BODY).unwrap();
    assert_eq!(
        body["passMetadata"],
        sent["passMetadata"]
            .as_object()
            .map(|m| {
                // `"changeMessage": null` is absent, not null, on the way back.
                let mut m = Value::Object(m.clone());
                m["backFields"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("changeMessage");
                m
            })
            .unwrap()
    );
    assert_eq!(body["uploadInfoList"], sent["uploadInfoList"]);
    assert_ne!(body["updatedTime"], "2025-09-04T21:11:01.734Z");

    // GET /wallet-pass/{id}: the 200 schema is an array of WalletPassInfo.
    let (status, got) =
        send(api.req(Method::GET, &format!("/wallet-pass/{EXAMPLE_PASS_ID}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got.as_array().unwrap().len(), 1);
    assert_eq!(got[0]["passName"], "VIP MEMBERSHIP PASS - UPDATED");
    assert_eq!(
        got[0]["passMetadata"]["secondaryFields"][0]["value"],
        "VIP Platinum"
    );
}

#[tokio::test]
async fn authentication_and_workspaces() {
    // openapi components.securitySchemes: APIKey (`api-key` header) and AccessToken (bearer JWT).
    let api = Api::start().await;
    let path = format!("/wallet-pass/{EXAMPLE_PASS_ID}");

    // "Unauthorized Error" example: 401 UNAUTHORIZED, "UNAUTHORIZED.".
    let (status, body) = send(api.http.get(api.url(&path))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_api_error(&body, "UNAUTHORIZED");
    assert_eq!(body["errorMessage"], "UNAUTHORIZED.");

    // Every operation's 401: "Unauthorized - Invalid or missing authentication".
    let (status, body) = send(api.http.get(api.url(&path)).header("api-key", "wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_api_error(&body, "UNAUTHORIZED");

    let (status, _) = send(api.http.get(api.url(&path)).bearer_auth(DEMO_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(api.http.get(api.url(&path)).bearer_auth("not-the-token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // x-workspace-id: pattern ^[a-zA-Z0-9-_]+$.
    let (status, body) = send(
        api.req(Method::GET, &path)
            .header("x-workspace-id", "bad id!"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_api_error(&body, "INVALID_INPUT");
    assert!(body["context"]["x-workspace-id"].is_string());
    let (status, _) = send(
        api.req(Method::GET, &path)
            .header("x-workspace-id", "someone-else"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        api.req(Method::GET, &path)
            .header("x-workspace-id", DEMO_WORKSPACE_ID),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn create_validates_and_keeps_pass_names_unique() {
    // openapi POST /wallet-pass: 201 WalletPassInfo; 400 "Bad Request Error" example.
    let api = Api::start().await;
    let (status, created) = send(
        api.req(Method::POST, "/wallet-pass")
            .json(&minimal_pass("My Wallet Pass")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "Published");
    assert_eq!(created["passName"], "My Wallet Pass");
    assert_eq!(created["workspaceId"], DEMO_WORKSPACE_ID);
    assert!(
        created["passLink"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(created["totalIssuedCount"], 0);
    let id = created["id"].as_str().unwrap();
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));

    let (status, body) = send(
        api.req(Method::POST, "/wallet-pass")
            .json(&minimal_pass("My Wallet Pass")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_api_error(&body, "INVALID_INPUT");
    assert_eq!(
        body["context"]["passName"],
        "must be unique within the workspace"
    );

    // The documented example: {"context": {"passName": "must not be null"}}, no errorMessage.
    let (status, body) = send(
        api.req(Method::POST, "/wallet-pass")
            .json(&json!({"passMetadata": {}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_api_error(&body, "INVALID_INPUT");
    assert_eq!(body["context"], json!({"passName": "must not be null"}));
    assert!(body.get("errorMessage").is_none());

    let (status, body) = send(
        api.req(Method::POST, "/wallet-pass")
            .header("Content-Type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_api_error(&body, "INVALID_INPUT");

    // status enum: Draft, Published.
    let mut bad = minimal_pass("Other");
    bad["status"] = json!("Active");
    let (status, body) = send(api.req(Method::POST, "/wallet-pass").json(&bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["context"]["status"].is_string());

    // Unknown properties are dropped (the guide's auxiliaryFields is not in PassMetadata).
    let mut extra = minimal_pass("With aux");
    extra["passMetadata"]["auxiliaryFields"] =
        json!([{"key": "since", "label": "Since", "value": "2024"}]);
    let (status, body) = send(api.req(Method::POST, "/wallet-pass").json(&extra)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(body["passMetadata"].get("auxiliaryFields").is_none());
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    // openapi GET /wallet-pass/{id}: 404 "Not Found Error" example with context.id.
    let api = Api::start().await;
    let (status, body) = send(api.req(
        Method::GET,
        "/wallet-pass/1f083424-11ed-617f-9513-1b26dc975ee2",
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_api_error(&body, "NOT_FOUND");
    assert_eq!(body["errorMessage"], "Not found.");
    assert_eq!(
        body["context"]["id"],
        "1f083424-11ed-617f-9513-1b26dc975ee2"
    );

    let (status, body) = send(api.req(Method::GET, "/wallet-pass/bad%20id")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_api_error(&body, "INVALID_INPUT");
}

#[tokio::test]
async fn patch_requires_name_and_metadata() {
    // ubpass-update-pass-schema.txt: passName and passMetadata are required.
    let api = Api::start().await;
    let path = format!("/wallet-pass/{EXAMPLE_PASS_ID}");
    let (status, body) = send(
        api.req(Method::PATCH, &path)
            .json(&json!({"notificationHeader": "X"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_api_error(&body, "INVALID_INPUT");
    assert_eq!(body["context"]["passName"], "must not be null");
    assert_eq!(body["context"]["passMetadata"], "must not be null");
    let (_, got) = send(api.req(Method::GET, &path)).await;
    assert_eq!(got[0]["notificationHeader"], "BLUE PASS");

    // The whole passMetadata is replaced; absent optional top-level properties are kept.
    let (status, body) = send(
        api.req(Method::PATCH, &path)
            .json(&json!({"passName": "Renamed", "passMetadata": {"description": "only this"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["passMetadata"], json!({"description": "only this"}));
    assert_eq!(body["notificationHeader"], "BLUE PASS");
    assert_eq!(body["uploadInfoList"].as_array().unwrap().len(), 3);

    let (status, _) = send(
        api.req(Method::PATCH, "/wallet-pass/does-not-exist")
            .json(&json!({"passName": "x", "passMetadata": {}})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn workspaces_are_isolated() {
    let api = Api::start().await;
    let (status, created) = send(
        api.req_b(Method::POST, "/wallet-pass")
            .json(&minimal_pass("VIP MEMBERSHIP PASS")),
    )
    .await;
    // The same name is free in another workspace.
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["workspaceId"], SECOND_WORKSPACE_ID);
    let id = created["id"].as_str().unwrap();
    let (status, _) = send(api.req(Method::GET, &format!("/wallet-pass/{id}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        send(api.req_b(Method::GET, &format!("/wallet-pass/{EXAMPLE_PASS_ID}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = send(api.req_b(Method::GET, "/wallet-pass")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

async fn all_names(api: &Api, limit: usize) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut rb = api
            .req_b(Method::GET, "/wallet-pass")
            .query(&[("limit", limit.to_string())]);
        if let Some(c) = &cursor {
            rb = rb.query(&[("cursor", c)]);
        }
        let (status, page) = send(rb).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            names.push(item["passName"].as_str().unwrap().to_owned());
        }
        if !page["hasMore"].as_bool().unwrap() {
            return (names, pages);
        }
        cursor = Some(page["cursor"].as_str().unwrap().to_owned());
    }
}

#[tokio::test]
async fn list_pages_with_an_opaque_cursor_and_filters() {
    // openapi GET /wallet-pass: limit 1-20, cursor, {items, cursor, hasMore}, query, passName,
    // status, ids, summary, includePassAssets.
    let api = Api::start().await;
    for i in 0..5 {
        let mut body = minimal_pass(&format!("Pass {i}"));
        if i == 4 {
            body["status"] = json!("Draft");
        }
        body["uploadInfoList"] = json!([{"fileName": "logo.png", "uploadKey": format!("k{i}")}]);
        let (status, _) = send(api.req_b(Method::POST, "/wallet-pass").json(&body)).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (names, pages) = all_names(&api, 2).await;
    assert_eq!(names, ["Pass 0", "Pass 1", "Pass 2", "Pass 3", "Pass 4"]);
    assert_eq!(pages, 3);

    let (status, body) = send(api.req_b(Method::GET, "/wallet-pass?limit=21")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["context"]["limit"], "must be between 1 and 20");
    let (status, body) = send(api.req_b(Method::GET, "/wallet-pass?cursor=zzz")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["context"]["cursor"].is_string());

    let (_, body) = send(api.req_b(Method::GET, "/wallet-pass?query=pass%203")).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    let (_, body) = send(api.req_b(Method::GET, "/wallet-pass?passName=pass%203")).await;
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        0,
        "passName is case-sensitive"
    );
    let (_, body) = send(api.req_b(Method::GET, "/wallet-pass?status=Draft")).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    let (status, _) = send(api.req_b(Method::GET, "/wallet-pass?status=Voided")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, body) = send(api.req_b(Method::GET, "/wallet-pass?summary=true")).await;
    assert!(body["items"][0].get("passMetadata").is_none());
    let (_, body) =
        send(api.req_b(Method::GET, "/wallet-pass?includePassAssets=true&limit=1")).await;
    assert!(body["items"][0]["uploadInfoList"][0]["url"].is_string());
    let (_, body) = send(api.req_b(Method::GET, "/wallet-pass?limit=1")).await;
    assert!(body["items"][0]["uploadInfoList"][0].get("url").is_none());
    // The documented list example's item: the pass document, no links or counts.
    let item = body["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "accountId",
            "createdBy",
            "createdTime",
            "id",
            "passMetadata",
            "passName",
            "status",
            "updatedBy",
            "updatedTime",
            "uploadInfoList",
            "workspaceId"
        ],
        "{item:?}"
    );
    let id = body["items"][0]["id"].as_str().unwrap().to_owned();
    // A read by id has the links.
    let (_, read) = send(api.req_b(Method::GET, &format!("/wallet-pass/{id}"))).await;
    assert!(read[0]["passLink"].is_string() && read[0]["googlePassLink"].is_string());
    let (_, body) = send(api.req_b(Method::GET, &format!("/wallet-pass?ids={id},other"))).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn delete_async_create_and_install_counters() {
    // ubpass-removed-endpoints.txt: DELETE /wallet-pass/{id} → 204, 404 when missing.
    let api = Api::start().await;
    let (_, created) = send(
        api.req_b(Method::POST, "/wallet-pass")
            .json(&minimal_pass("Gone")),
    )
    .await;
    let path = format!("/wallet-pass/{}", created["id"].as_str().unwrap());
    let (status, _) = send(api.req_b(Method::DELETE, &path)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(api.req_b(Method::GET, &path)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = send(api.req_b(Method::DELETE, &path)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_api_error(&body, "NOT_FOUND");
    // The name is free again.
    let (status, _) = send(
        api.req_b(Method::POST, "/wallet-pass")
            .json(&minimal_pass("Gone")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // POST /wallet-pass/async: 202, "Queued Pass Response" reads Draft.
    let (status, queued) = send(
        api.req_b(Method::POST, "/wallet-pass/async")
            .json(&minimal_pass("Later")),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(queued["status"], "Draft");
    tokio::time::sleep(ubpass_async_delay()).await;
    let id = queued["id"].as_str().unwrap();
    let (_, got) = send(api.req_b(Method::GET, &format!("/wallet-pass/{id}"))).await;
    assert_eq!(got[0]["status"], "Published");

    // Install counters are read-only and survive a PATCH.
    assert!(
        api.sim
            .record_install(SECOND_WORKSPACE_ID, id, Platform::Apple)
    );
    assert!(
        api.sim
            .record_install(SECOND_WORKSPACE_ID, id, Platform::Google)
    );
    assert!(
        api.sim
            .record_uninstall(SECOND_WORKSPACE_ID, id, Platform::Google)
    );
    let (_, patched) = send(
        api.req_b(Method::PATCH, &format!("/wallet-pass/{id}"))
            .json(&json!({"passName": "Later", "passMetadata": {}, "totalIssuedCount": 99})),
    )
    .await;
    assert_eq!(patched["appleIssuedCount"], 1);
    assert_eq!(patched["googleIssuedCount"], 1);
    assert_eq!(patched["totalIssuedCount"], 2);
    assert_eq!(patched["totalActiveCount"], 1);
}

fn ubpass_async_delay() -> Duration {
    Duration::from_millis(300)
}

#[tokio::test]
async fn uploads_direct_and_presigned() {
    // ubpass-creating-wallet-passes.mdx "Upload pass assets": multipart field `file` →
    // {key, url}; openapi /uploads: ResponseMessage {msg}.
    let api = Api::start().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"\x89PNG fake".to_vec()).file_name("logo.png"),
    );
    let (status, body) = send(api.req(Method::POST, "/uploads").multipart(form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let key = body["key"].as_str().unwrap();
    assert_eq!(body["msg"], key);
    let asset = api
        .http
        .get(body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(asset.bytes().await.unwrap().as_ref(), b"\x89PNG fake");

    let form = reqwest::multipart::Form::new().text("other", "x");
    let (status, body) = send(api.req(Method::POST, "/uploads").multipart(form)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["context"]["file"], "must not be null");

    // GET /uploads/s3-url → {key, url}; PUT to the URL; POST /uploads/finalize/s3-copy.
    let (_, signed) = send(api.req(Method::GET, "/uploads/s3-url")).await;
    let key = signed["key"].as_str().unwrap();
    let (status, _) = send(
        api.req(Method::POST, "/uploads/finalize/s3-copy")
            .query(&[("key", key), ("extn", "png")]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "nothing uploaded yet");
    let put = api
        .http
        .put(signed["url"].as_str().unwrap())
        .body("png bytes")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let (status, done) = send(
        api.req(Method::POST, "/uploads/finalize/s3-copy")
            .query(&[("key", key), ("extn", "png")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(done["msg"].as_str().unwrap().contains(key));
    let (status, _) = send(
        api.req(Method::POST, "/uploads/finalize/s3-copy")
            .query(&[("key", "nope"), ("extn", "png")]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notifications_follow_the_documented_lifecycle() {
    let api = Api::start().await;
    // "Create Notification Request" example, unchanged.
    let (status, created) = send(api.req(Method::POST, "/wallet-pass/notifications").json(&json!({
        "passSerialNumber": "1f09804f-d6c7-66ec-8db2-27a5651e1de2",
        "notificationName": "VIP Member Update",
        "notificationMessage": "Your VIP membership benefits have been updated! Check out the new exclusive offers.",
        "status": "Processing"
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "Processing");
    let id = created["id"].as_str().unwrap().to_owned();

    // The "Bad Request Error" example: both problems in one context.
    let (status, body) = send(
        api.req(Method::POST, "/wallet-pass/notifications")
            .json(&json!({
                "passSerialNumber": "1f09804f-d6c7-66ec-8db2-27a5651e1de2"
            })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["context"],
        json!({"notificationName": "must not be null", "notificationMessage": "must not be empty"})
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, got) = send(api.req(Method::GET, &format!("/wallet-pass/notifications/{id}"))).await;
    assert_eq!(got["status"], "Published");
    assert_eq!(got["totalNotificationSentCount"], 148);

    // DELETE of a Published notification: the documented INVALID_OPERATION example.
    let (status, body) =
        send(api.req(Method::DELETE, &format!("/wallet-pass/notifications/{id}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_api_error(&body, "INVALID_OPERATION");
    assert_eq!(
        body["errorMessage"],
        "Cannot delete notification with status 'Published'"
    );
    assert_eq!(body["context"]["status"], "Published");

    // "Update Notification Request" example on the seeded Scheduled notification.
    let scheduled = "1f089d37-8a1b-4c2d-9e3f-123456789abc";
    let (status, updated) = send(api.req(Method::PATCH, &format!("/wallet-pass/notifications/{scheduled}")).json(&json!({
        "notificationName": "VIP Member Update - Enhanced",
        "notificationMessage": "Your VIP membership benefits have been updated with new exclusive offers! Don't miss out on the latest deals.",
        "status": "Scheduled",
        "scheduledTime": "2099-09-05T10:00:00.000Z"
    }))).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["scheduledTime"], "2099-09-05T10:00:00.000Z");

    let (_, list) = send(api.req(
        Method::GET,
        "/wallet-pass/notifications?status=Scheduled,Draft",
    ))
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (status, stats) = send(api.req(
        Method::GET,
        &format!("/wallet-pass/notifications/{id}/stats"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["totalNotificationsSent"], 148);
    assert!(stats["linkStats"]["items"].is_array());

    // openapi GET /wallet-pass/notifications/{id}: `includeStats` embeds the PassNotification
    // schema's `notificationStats`, paged by `notificationStatsCursor` (minimum 0) and
    // `notificationStatsLimit` (1-20); without it the notification comes alone.
    assert!(got.get("notificationStats").is_none(), "{got}");
    let (status, with) = send(api.req(
        Method::GET,
        &format!(
            "/wallet-pass/notifications/{id}?includeStats=true&notificationStatsCursor=0&notificationStatsLimit=1"
        ),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{with}");
    assert_eq!(with["id"], id.as_str());
    assert_eq!(with["notificationStats"]["totalNotificationsSent"], 148);
    assert!(
        with["notificationStats"]["linkStats"]["items"]
            .as_array()
            .unwrap()
            .len()
            <= 1
    );
    let (status, body) = send(api.req(
        Method::GET,
        &format!("/wallet-pass/notifications/{id}?includeStats=true&notificationStatsLimit=21"),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_api_error(&body, "INVALID_INPUT");
    assert_eq!(
        body["context"]["notificationStatsLimit"],
        "must be between 1 and 20"
    );

    let (status, _) = send(api.req(
        Method::DELETE,
        &format!("/wallet-pass/notifications/{scheduled}"),
    ))
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(api.req(
        Method::GET,
        &format!("/wallet-pass/notifications/{scheduled}"),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn locations_follow_the_documented_examples() {
    let api = Api::start().await;
    let example = json!({
        "name": "TORONTO MALL LOCATION",
        "enabled": true,
        "latitude": 43.798327702071944,
        "longitude": -79.24175240232819,
        "relevantText": "Welcome to Toronto Premium Outlets",
        "walletPass": { "id": "1f07ee39-d750-6276-aff4-07a599527878" }
    });
    let (status, created) = send(
        api.req(Method::POST, "/wallet-pass-location")
            .json(&example),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["walletPass"]["id"],
        "1f07ee39-d750-6276-aff4-07a599527878"
    );
    let path = format!("/wallet-pass-location/{}", created["id"].as_str().unwrap());

    let mut long = example.clone();
    long["relevantText"] = json!("x".repeat(256));
    let (status, body) = send(api.req(Method::POST, "/wallet-pass-location").json(&long)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["context"]["relevantText"],
        "size must be between 0 and 255"
    );
    let (status, body) = send(
        api.req(Method::POST, "/wallet-pass-location")
            .json(&json!({"latitude": 1.0})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["context"]["name"], "must not be null");

    let mut other_pass = example.clone();
    other_pass["walletPass"]["id"] = json!("1f083424-11ed-617f-9513-1b26dc975ee2");
    let (status, body) = send(
        api.req(Method::POST, "/wallet-pass-location")
            .json(&other_pass),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_api_error(&body, "NOT_FOUND");

    let mut updated = example.clone();
    updated["name"] = json!("TORONTO MALL LOCATION - UPDATED");
    let (status, body) = send(api.req(Method::PUT, &path).json(&updated)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "TORONTO MALL LOCATION - UPDATED");
    let (_, list) = send(api.req(
        Method::GET,
        "/wallet-pass-location?passSerialNumbers=1f07ee39-d750-6276-aff4-07a599527878",
    ))
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (status, _) = send(api.req(Method::DELETE, &path)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(api.req(Method::GET, &path)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rate_limit_answers_429_in_the_vendor_shape() {
    let config = SimConfig {
        rps: Some(1.0),
        ..SimConfig::default()
    };
    let api = Api::with(config, Seed::Empty).await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(api.req(Method::GET, "/wallet-pass").send().await.unwrap());
    }
    let resp = last.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").is_some());
    let (_, body) = json_of(resp).await;
    assert_api_error(&body, "TOO_MANY_REQUESTS");
}

fn deviating(d: Deviation) -> SimConfig {
    SimConfig {
        deviations: [d].into_iter().collect(),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn deviation_switches_change_behaviour() {
    let api = Api::with(deviating(Deviation::IgnorePatch), Seed::Documented).await;
    let path = format!("/wallet-pass/{EXAMPLE_PASS_ID}");
    let (status, _) = send(
        api.req(Method::PATCH, &path)
            .body(DOC_PATCH_BODY)
            .header("Content-Type", "application/json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, got) = send(api.req(Method::GET, &path)).await;
    assert_eq!(got[0]["passName"], "VIP MEMBERSHIP PASS");

    let api = Api::with(
        deviating(Deviation::RevertUntouchedOnPatch),
        Seed::Documented,
    )
    .await;
    let (_, patched) = send(
        api.req(Method::PATCH, &path)
            .body(DOC_PATCH_BODY)
            .header("Content-Type", "application/json"),
    )
    .await;
    // The documented PATCH changes both secondary values and keeps the top field: it is lost.
    assert!(patched["passMetadata"].get("topField").is_none());
    assert_eq!(
        patched["passMetadata"]["secondaryFields"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let api = Api::with(deviating(Deviation::AcceptBadCredentials), Seed::Documented).await;
    let (status, _) = send(api.http.get(api.url(&path)).header("api-key", "wrong")).await;
    assert_eq!(status, StatusCode::OK);

    let api = Api::with(deviating(Deviation::DeletedAnswers200), Seed::Documented).await;
    let (status, _) = send(api.req(Method::DELETE, &path)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(api.req(Method::GET, &path)).await;
    assert_eq!(status, StatusCode::OK);

    let api = Api::with(deviating(Deviation::LoseBarcode), Seed::Documented).await;
    let (_, got) = send(api.req(Method::GET, &path)).await;
    assert!(got[0]["passMetadata"].get("qrUrl").is_none());

    let api = Api::with(deviating(Deviation::SkipItemAcrossPages), Seed::Empty).await;
    for i in 0..4 {
        send(
            api.req_b(Method::POST, "/wallet-pass")
                .json(&minimal_pass(&format!("P{i}"))),
        )
        .await;
    }
    let (names, _) = all_names(&api, 2).await;
    assert_eq!(names.len(), 3);
}

#[tokio::test]
async fn unknown_routes_answer_in_the_vendor_shape() {
    let api = Api::start().await;
    let (status, body) = send(api.req(Method::GET, "/no-such-thing")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_api_error(&body, "NOT_FOUND");
}
