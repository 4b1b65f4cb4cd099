//! Every ubpass operation against wiremock: method, path, headers (api-key and bearer, with and
//! without a workspace) and body, pinned to `shared/vendor-docs/ubpass-*` (each test names the
//! doc section; the bodies are the documented examples in `tests/fixtures/`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use serde_json::{Value, json};
use walletpass_core::http::RetryPolicy;
use walletpass_core::{
    Barcode, BarcodeFormat, ErrorKind, Field, ImageRole, Link, ListQuery, NewPass, NewTemplate,
    NewWebhookSubscription, PassContent, PassId, PassPatch, PassRef, PassStatus, Placement,
    TemplateId, WalletProvider, WebhookId,
};
use walletpass_ubpass::content_from_wire;
use walletpass_ubpass::{CreateOptions, NotificationId, Ubpass, UbpassConfig};
use walletpass_ubpass::{PassLocation, PassNotification, WalletPass, WalletPassWrite};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "test-api-key";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln";
const WS: &str = "1f089d29-6f9c-66c2-af59-99631cec7ab5";
const PASS_ID: &str = "1f089d37-5ebe-6778-af59-99631cec7ab5";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The two security schemes of `components.securitySchemes`.
#[derive(Clone, Copy, Debug)]
enum Auth {
    ApiKey,
    Bearer,
}

fn provider(server: &MockServer, auth: Auth, workspace: Option<&str>) -> Ubpass {
    let mut config = match auth {
        Auth::ApiKey => UbpassConfig::api_key(KEY),
        Auth::Bearer => UbpassConfig::bearer(JWT),
    }
    .with_base_url(format!("{}/v1", server.uri()))
    .with_retry(RetryPolicy::none());
    if let Some(ws) = workspace {
        config = config.with_workspace_id(ws);
    }
    config.build().unwrap()
}

/// A header is absent.
struct NoHeader(&'static str);

impl Match for NoHeader {
    fn matches(&self, request: &Request) -> bool {
        !request.headers.contains_key(self.0)
    }
}

/// Method and path, plus the auth headers of `auth` and `workspace` (and the absence of the
/// others).
fn expect(m: &str, p: &str, auth: Auth, workspace: Option<&'static str>) -> wiremock::MockBuilder {
    let mut b = Mock::given(method(m)).and(path(p));
    b = match auth {
        Auth::ApiKey => b.and(header("api-key", KEY)).and(NoHeader("authorization")),
        Auth::Bearer => b
            .and(header("authorization", format!("Bearer {JWT}").as_str()))
            .and(NoHeader("api-key")),
    };
    match workspace {
        Some(ws) => b.and(header("x-workspace-id", ws)),
        None => b.and(NoHeader("x-workspace-id")),
    }
}

const MODES: [(Auth, Option<&str>); 4] = [
    (Auth::ApiKey, None),
    (Auth::ApiKey, Some(WS)),
    (Auth::Bearer, None),
    (Auth::Bearer, Some(WS)),
];

/// The documented create request, as canonical content.
fn documented_content() -> PassContent {
    let body: WalletPassWrite =
        serde_json::from_value(fixture("create-pass-request.json")).unwrap();
    content_from_wire(
        Some(body.pass_name),
        body.notification_header,
        None,
        body.pass_metadata,
        body.upload_info_list.as_deref().unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn create_posts_the_documented_body_in_every_auth_mode() {
    // openapi POST /wallet-pass: "Create Pass Request" → 201 "Created Pass Response".
    // Canonical colors are written #rrggbb in lower case, and `"changeMessage": null` is left out.
    let mut expected = fixture("create-pass-request.json");
    expected["passMetadata"]["backgroundColor"] = json!("#4a32a8");
    expected["passMetadata"]["displayTextColor"] = json!("#ffffff");
    expected["passMetadata"]["backFields"][1]
        .as_object_mut()
        .unwrap()
        .remove("changeMessage");
    for (auth, ws) in MODES {
        let server = MockServer::start().await;
        expect("POST", "/v1/wallet-pass", auth, ws)
            .and(header("content-type", "application/json"))
            .and(body_json(&expected))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(fixture("create-pass-response.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
        let pass = provider(&server, auth, ws)
            .create(NewPass::new(documented_content()))
            .await
            .unwrap();
        assert_eq!(pass.pass_ref.id.as_str(), PASS_ID);
        assert_eq!(pass.serial_number, PASS_ID);
        assert_eq!(pass.status, PassStatus::Active);
        assert_eq!(pass.content.extra["passName"], "VIP MEMBERSHIP PASS");
        assert_eq!(
            pass.created_at,
            Some(time::macros::datetime!(2025-09-04 21:09:36.027 UTC))
        );
    }
}

#[tokio::test]
async fn create_without_a_name_generates_one_and_async_create_uses_its_endpoint() {
    // openapi POST /wallet-pass/async → 202 "Queued Pass Response" (status Draft).
    let server = MockServer::start().await;
    expect("POST", "/v1/wallet-pass/async", Auth::ApiKey, None)
        .respond_with(
            ResponseTemplate::new(202).set_body_json(fixture("create-pass-async-response.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let content = PassContent::builder()
        .value("points", "2,500")
        .build()
        .unwrap();
    let pass = provider(&server, Auth::ApiKey, None)
        .create_pass(
            NewPass::new(content),
            CreateOptions {
                status: Some(PassStatus::Draft),
                asynchronous: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(pass.status, PassStatus::Draft);
    let sent: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert!(
        sent["passName"]
            .as_str()
            .unwrap()
            .starts_with("walletpass-")
    );
    assert_eq!(sent["status"], "Draft");
    assert_eq!(
        sent["passMetadata"],
        json!({"secondaryFields": [{"key": "points", "value": "2,500"}]})
    );
}

#[tokio::test]
async fn get_reads_the_array_the_spec_describes_and_an_object() {
    // openapi GET /wallet-pass/{id}: 200 schema `type: array` of WalletPassInfo.
    for (auth, ws) in MODES {
        let server = MockServer::start().await;
        expect("GET", &format!("/v1/wallet-pass/{PASS_ID}"), auth, ws)
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("get-pass-response.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
        let pass = provider(&server, auth, ws)
            .get(&PassRef::new(PassId::new(PASS_ID).unwrap()))
            .await
            .unwrap();
        assert_eq!(pass.content.fields.len(), 7);
        assert_eq!(pass.links.landing, None);
    }
    let server = MockServer::start().await;
    let one = fixture("get-pass-response.json")[0].clone();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(one))
        .mount(&server)
        .await;
    let pass = provider(&server, Auth::ApiKey, None)
        .get(&PassRef::new(PassId::new(PASS_ID).unwrap()))
        .await
        .unwrap();
    assert_eq!(pass.content.extra["passName"], "VIP MEMBERSHIP PASS");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let err = provider(&server, Auth::ApiKey, None)
        .get(&PassRef::new(PassId::new(PASS_ID).unwrap()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn list_sends_the_filters_and_follows_has_more() {
    // openapi GET /wallet-pass: cursor, limit (1-20), status; {items, cursor, hasMore}. The
    // search ("vip", in the documented pass's name) is applied to the page, not sent as `query`.
    for (auth, ws) in MODES {
        let server = MockServer::start().await;
        expect("GET", "/v1/wallet-pass", auth, ws)
            .and(query_param("limit", "20"))
            .and(query_param("status", "Published"))
            .and(query_param("cursor", "c-1"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("list-passes-response.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
        let query = ListQuery::new()
            .page_size(50)
            .search("vip")
            .status(PassStatus::Active)
            .cursor(walletpass_core::Cursor::new("c-1"));
        let page = provider(&server, auth, ws).list(&query).await.unwrap();
        assert_eq!(page.items.len(), 1);
        // The documented page has hasMore false and a cursor: no next page.
        assert_eq!(page.next, None);
    }
    let server = MockServer::start().await;
    let mut more = fixture("list-passes-response.json");
    more["hasMore"] = json!(true);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(more))
        .mount(&server)
        .await;
    let page = provider(&server, Auth::ApiKey, None)
        .list(&ListQuery::new())
        .await
        .unwrap();
    assert_eq!(page.next.unwrap().as_str(), PASS_ID);

    // ubpass passes are draft or published: a voided filter matches nothing, without a request.
    let page = provider(&server, Auth::ApiKey, None)
        .list(&ListQuery::new().status(PassStatus::Voided))
        .await
        .unwrap();
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn search_keeps_the_passes_whose_id_or_name_contains_the_text() {
    // The vendor's `query` searches names only (openapi GET /wallet-pass), so a search walks the
    // plain listing and filters: the serial (the id) or the name contains the text, any case.
    let server = MockServer::start().await;
    let mut page = fixture("list-passes-response.json");
    let mut other = page["items"][0].clone();
    other["id"] = json!("aaaaaaaa-0000-0000-0000-000000000000");
    other["passName"] = json!("Other");
    page["items"].as_array_mut().unwrap().push(other);
    page["hasMore"] = json!(true);
    page["cursor"] = json!("vendor-c");
    expect("GET", "/v1/wallet-pass", Auth::ApiKey, None)
        .and(query_param("limit", "5"))
        .and(wiremock::matchers::query_param_is_missing("query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&page))
        .expect(3)
        .mount(&server)
        .await;
    let ub = provider(&server, Auth::ApiKey, None);
    for text in ["5EBE-6778", "membership"] {
        let found = ub
            .list(&ListQuery::new().search(text).page_size(5))
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1, "{text}");
        assert_eq!(found.items[0].pass_ref.id.as_str(), PASS_ID);
        assert_eq!(found.next.unwrap().as_str(), "vendor-c");
    }
    let none = ub
        .list(&ListQuery::new().search("zzz").page_size(5))
        .await
        .unwrap();
    assert!(none.items.is_empty());
    assert!(none.next.is_some(), "an empty page still leads on");
}

#[tokio::test]
async fn the_documented_patch_example_and_its_response() {
    // ubpass-update-pass.txt / openapi PATCH /wallet-pass/{id}: "Update Pass Request" →
    // 200 "Updated Pass Response", sent through the vendor-level call: the documented body,
    // except that its `"changeMessage": null` is left out (absent and null mean the same).
    let mut expected = fixture("update-pass-request.json");
    expected["passMetadata"]["backFields"][1]
        .as_object_mut()
        .unwrap()
        .remove("changeMessage");
    for (auth, ws) in MODES {
        let server = MockServer::start().await;
        expect("PATCH", &format!("/v1/wallet-pass/{PASS_ID}"), auth, ws)
            .and(body_json(&expected))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("update-pass-response.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
        let body: WalletPassWrite =
            serde_json::from_value(fixture("update-pass-request.json")).unwrap();
        let updated = provider(&server, auth, ws)
            .update_wallet_pass(&PassId::new(PASS_ID).unwrap(), &body)
            .await
            .unwrap();
        let pass = walletpass_ubpass::pass_from_wire(updated).unwrap();
        assert_eq!(
            pass.content.extra["passName"],
            "VIP MEMBERSHIP PASS - UPDATED"
        );
        assert_eq!(
            pass.content.field("auxiliaryFieldKey").unwrap().value,
            "VIP Platinum".into()
        );
    }
}

#[tokio::test]
async fn a_patch_fails_before_writing_when_the_read_has_an_unusable_id() {
    // A document `get` refuses (its id holds a `/`) is refused by the patch's read as well,
    // before any PATCH is sent.
    let server = MockServer::start().await;
    let mut read = fixture("get-pass-response.json");
    read[0]["id"] = json!("a/../b");
    expect(
        "GET",
        &format!("/v1/wallet-pass/{PASS_ID}"),
        Auth::ApiKey,
        Some(WS),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(&read))
    .expect(2)
    .mount(&server)
    .await;
    let provider = provider(&server, Auth::ApiKey, Some(WS));
    let pass = PassRef::new(PassId::new(PASS_ID).unwrap());
    let patch = PassPatch::builder()
        .set_value("auxiliaryFieldKey", "VIP Platinum")
        .build()
        .unwrap();
    let got = provider.get(&pass).await.unwrap_err();
    let err = provider.patch(&pass, &patch).await.unwrap_err();
    assert_eq!(got.kind(), ErrorKind::Decode, "{got}");
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn patch_through_the_trait_changes_only_the_given_fields() {
    // PATCH sends the whole document (ubpass-update-pass-schema.txt: passName and passMetadata
    // required): the document sent must be the document read with one value changed.
    let server = MockServer::start().await;
    let read = fixture("get-pass-response.json");
    expect(
        "GET",
        &format!("/v1/wallet-pass/{PASS_ID}"),
        Auth::ApiKey,
        Some(WS),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(&read))
    .expect(1)
    .mount(&server)
    .await;
    let mut answered = read[0].clone();
    answered["passMetadata"]["secondaryFields"][0]["value"] = json!("VIP Platinum");
    expect(
        "PATCH",
        &format!("/v1/wallet-pass/{PASS_ID}"),
        Auth::ApiKey,
        Some(WS),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(&answered))
    .expect(1)
    .mount(&server)
    .await;
    let patch = PassPatch::builder()
        .set_value("auxiliaryFieldKey", "VIP Platinum")
        .build()
        .unwrap();
    let pass = provider(&server, Auth::ApiKey, Some(WS))
        .patch(&PassRef::new(PassId::new(PASS_ID).unwrap()), &patch)
        .await
        .unwrap();
    assert_eq!(
        pass.content.field("auxiliaryFieldKey").unwrap().value,
        "VIP Platinum".into()
    );

    let requests = server.received_requests().await.unwrap();
    let sent: Value = requests[1].body_json().unwrap();
    let wire: WalletPass = serde_json::from_value(read[0].clone()).unwrap();
    let mut expected = serde_json::to_value(WalletPassWrite::from_read(&wire).unwrap()).unwrap();
    expected["passMetadata"]["secondaryFields"][0]["value"] = json!("VIP Platinum");
    assert_eq!(sent, expected);
    // Untouched strings go back exactly as read (no color or URL normalisation).
    assert_eq!(sent["passMetadata"]["backgroundColor"], "#4a32A8");
    assert_eq!(
        sent["passMetadata"]["backFields"][2]["value"][0]["link"],
        "https://unblockedbrands.com"
    );
    assert_eq!(sent["status"], "Published");
}

#[tokio::test]
async fn put_sends_the_given_content_and_keeps_the_name() {
    let server = MockServer::start().await;
    expect(
        "GET",
        &format!("/v1/wallet-pass/{PASS_ID}"),
        Auth::Bearer,
        None,
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get-pass-response.json")))
    .expect(1)
    .mount(&server)
    .await;
    let expected = json!({
        "passName": "VIP MEMBERSHIP PASS",
        "passMetadata": {
            "organizationName": "Premium Brands Inc",
            "topField": {"key": "tier", "label": "Tier", "value": "Gold"}
        },
        "uploadInfoList": []
    });
    expect(
        "PATCH",
        &format!("/v1/wallet-pass/{PASS_ID}"),
        Auth::Bearer,
        None,
    )
    .and(body_json(&expected))
    .respond_with(ResponseTemplate::new(200).set_body_json(fixture("update-pass-response.json")))
    .expect(1)
    .mount(&server)
    .await;
    let content = PassContent::builder()
        .field(
            Field::new("tier", "Gold")
                .unwrap()
                .with_label("Tier")
                .with_placement(Placement::Header),
        )
        .organization_name("Premium Brands Inc")
        .build()
        .unwrap();
    provider(&server, Auth::Bearer, None)
        .put(&PassRef::new(PassId::new(PASS_ID).unwrap()), content)
        .await
        .unwrap();
}

#[tokio::test]
async fn delete_calls_the_removed_endpoint_and_reports_the_answer() {
    // ubpass-removed-endpoints.txt: DELETE /wallet-pass/{id} → 204; 404 UnblockedApiError.
    for (auth, ws) in MODES {
        let server = MockServer::start().await;
        expect("DELETE", &format!("/v1/wallet-pass/{PASS_ID}"), auth, ws)
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        provider(&server, auth, ws)
            .delete(&PassRef::new(PassId::new(PASS_ID).unwrap()))
            .await
            .unwrap();
    }
    let cases = [
        (
            404,
            Some(fixture("error-not-found.json")),
            ErrorKind::NotFound,
        ),
        (405, None, ErrorKind::Unsupported),
        (404, None, ErrorKind::Unsupported),
    ];
    for (status, body, kind) in cases {
        let server = MockServer::start().await;
        let mut response = ResponseTemplate::new(status);
        if let Some(body) = body {
            response = response.set_body_json(body);
        }
        Mock::given(method("DELETE"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = provider(&server, Auth::ApiKey, None)
            .delete(&PassRef::new(PassId::new(PASS_ID).unwrap()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn the_documented_errors_keep_code_tx_id_and_context() {
    // openapi: "Unauthorized Error" (401), "Bad Request Error" (400 INVALID_INPUT), "Not Found
    // Error" (404), and the notification delete's INVALID_OPERATION example.
    let cases = [
        (
            "error-unauthorized.json",
            401,
            ErrorKind::Unauthorized,
            "UNAUTHORIZED",
        ),
        (
            "error-unauthorized.json",
            403,
            ErrorKind::Forbidden,
            "UNAUTHORIZED",
        ),
        (
            "error-invalid-input.json",
            400,
            ErrorKind::InvalidInput,
            "INVALID_INPUT",
        ),
        (
            "error-not-found.json",
            404,
            ErrorKind::NotFound,
            "NOT_FOUND",
        ),
        (
            "error-invalid-operation.json",
            400,
            ErrorKind::Conflict,
            "INVALID_OPERATION",
        ),
    ];
    for (file, status, kind, code) in cases {
        let server = MockServer::start().await;
        let body = fixture(file);
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_json(&body))
            .mount(&server)
            .await;
        let err = provider(&server, Auth::ApiKey, None)
            .get(&PassRef::new(PassId::new(PASS_ID).unwrap()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{file}: {err}");
        assert_eq!(err.vendor_code(), Some(code));
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.provider(), "ubpass");
        let details = err.details().unwrap();
        assert_eq!(details["txId"], body["txId"]);
        // The vendor's timestamp ("24-09-2025 03:57:23") is kept verbatim.
        assert_eq!(details["timestamp"], body["timestamp"]);
        assert_eq!(
            details["context"],
            body.get("context").cloned().unwrap_or(Value::Null)
        );
        assert!(err.to_string().contains(body["txId"].as_str().unwrap()));
    }
    // INVALID_INPUT context entries become field errors; context.id names the resource.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("error-invalid-input.json")))
        .mount(&server)
        .await;
    let err = provider(&server, Auth::ApiKey, None)
        .create(NewPass::new(
            PassContent::builder().value("a", "b").build().unwrap(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "passName");
    assert_eq!(err.field_errors()[0].message, "must not be null");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("error-not-found.json")))
        .mount(&server)
        .await;
    let err = provider(&server, Auth::ApiKey, None)
        .get(&PassRef::new(PassId::new(PASS_ID).unwrap()))
        .await
        .unwrap_err();
    assert_eq!(err.resource(), Some("1f083424-11ed-617f-9513-1b26dc975ee2"));
}

#[tokio::test]
async fn rate_limits_and_duplicate_names() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_json(json!({"txId": "t", "timestamp": "24-09-2025 03:45:00", "errorCode": "TOO_MANY_REQUESTS"})),
        )
        .mount(&server)
        .await;
    let err = provider(&server, Auth::ApiKey, None)
        .get(&PassRef::new(PassId::new(PASS_ID).unwrap()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));

    // A duplicate passName is a Conflict, unless the pass with that name holds what was sent
    // (a create retried after the vendor applied it).
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/wallet-pass"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "txId": "t", "timestamp": "24-09-2025 03:57:59", "errorCode": "INVALID_INPUT",
            "context": {"passName": "must be unique within the workspace"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/wallet-pass"))
        .and(query_param("passName", "VIP MEMBERSHIP PASS"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("list-passes-response.json")),
        )
        .mount(&server)
        .await;
    let ub = provider(&server, Auth::ApiKey, None);
    let other = PassContent::builder()
        .value("x", "y")
        .extra("passName", json!("VIP MEMBERSHIP PASS"))
        .build()
        .unwrap();
    let err = ub.create(NewPass::new(other)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.resource(), Some(PASS_ID));
    let listed: WalletPass =
        serde_json::from_value(fixture("list-passes-response.json")["items"][0].clone()).unwrap();
    let same = walletpass_ubpass::pass_from_wire(listed).unwrap().content;
    let pass = ub.create(NewPass::new(same)).await.unwrap();
    assert_eq!(pass.pass_ref.id.as_str(), PASS_ID);
}

#[tokio::test]
async fn uploads_send_multipart_and_read_both_answers() {
    // ubpass-creating-wallet-passes.mdx "Upload pass assets": multipart `file` → {key, url};
    // openapi /uploads: ResponseMessage {msg}.
    for (answer, key) in [
        (fixture("upload-response-guide.json"), "upload-key-abc123"),
        (json!({"msg": "upload-key-from-msg"}), "upload-key-from-msg"),
    ] {
        let server = MockServer::start().await;
        expect("POST", "/v1/uploads", Auth::ApiKey, Some(WS))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .expect(1)
            .mount(&server)
            .await;
        let up = provider(&server, Auth::ApiKey, Some(WS))
            .upload_file("logo.png", "image/png", b"\x89PNG")
            .await
            .unwrap();
        assert_eq!(up.key, key);
        let req = &server.received_requests().await.unwrap()[0];
        let ct = req.headers["content-type"].to_str().unwrap();
        assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
        let body = String::from_utf8_lossy(&req.body);
        assert!(
            body.contains("name=\"file\"; filename=\"logo.png\""),
            "{body}"
        );
        assert!(body.contains("\u{FFFD}PNG") || body.contains("PNG"));
    }

    // openapi /uploads/s3-url → {key, url}; PUT to the URL without ubpass credentials;
    // /uploads/finalize/s3-copy?key=&extn= → {msg}.
    let server = MockServer::start().await;
    expect("GET", "/v1/uploads/s3-url", Auth::Bearer, None)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": "k-1", "url": format!("{}/bucket/k-1?X-Amz-Signature=s", server.uri())
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/bucket/k-1"))
        .and(query_param("X-Amz-Signature", "s"))
        .and(NoHeader("authorization"))
        .and(NoHeader("api-key"))
        .and(header("content-type", "image/png"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    expect("POST", "/v1/uploads/finalize/s3-copy", Auth::Bearer, None)
        .and(query_param("key", "k-1"))
        .and(query_param("extn", "png"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"msg": "https://cdn/k-1.png"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let up = provider(&server, Auth::Bearer, None)
        .upload_via_presigned_url("strip.png", "image/png", b"bytes")
        .await
        .unwrap();
    assert_eq!(up.key, "k-1");
    assert_eq!(up.url.as_deref(), Some("https://cdn/k-1.png"));

    // openapi /uploads/s3?bucket= → {msg}.
    let server = MockServer::start().await;
    expect("POST", "/v1/uploads/s3", Auth::ApiKey, None)
        .and(query_param("bucket", "assets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"msg": "assets/k-2"})))
        .expect(1)
        .mount(&server)
        .await;
    let msg = provider(&server, Auth::ApiKey, None)
        .upload_file_to_bucket("assets", "icon.png", "image/png", b"x")
        .await
        .unwrap();
    assert_eq!(msg, "assets/k-2");
}

#[tokio::test]
async fn notifications_follow_the_documented_examples() {
    // openapi /wallet-pass/notifications (create, list) and /{id} (get, update, delete, stats).
    let server = MockServer::start().await;
    let nid = "1f089d37-5ebe-6778-af59-99631cec7ab5";
    expect(
        "POST",
        "/v1/wallet-pass/notifications",
        Auth::ApiKey,
        Some(WS),
    )
    .and(body_json(fixture("notification-create-request.json")))
    .respond_with(
        ResponseTemplate::new(201).set_body_json(fixture("notification-create-response.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    expect(
        "GET",
        "/v1/wallet-pass/notifications",
        Auth::ApiKey,
        Some(WS),
    )
    .and(query_param("status", "Published,Scheduled"))
    .and(query_param(
        "passSerialNumber",
        "1f09804f-d6c7-66ec-8db2-27a5651e1de2",
    ))
    .and(query_param("limit", "20"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("notification-list-response.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    expect(
        "GET",
        &format!("/v1/wallet-pass/notifications/{nid}"),
        Auth::ApiKey,
        Some(WS),
    )
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("notification-create-response.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    expect(
        "PATCH",
        &format!("/v1/wallet-pass/notifications/{nid}"),
        Auth::ApiKey,
        Some(WS),
    )
    .and(body_json(fixture("notification-update-request.json")))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("notification-update-response.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    expect(
        "DELETE",
        &format!("/v1/wallet-pass/notifications/{nid}"),
        Auth::ApiKey,
        Some(WS),
    )
    .respond_with(ResponseTemplate::new(204))
    .expect(1)
    .mount(&server)
    .await;
    expect(
        "GET",
        &format!("/v1/wallet-pass/notifications/{nid}/stats"),
        Auth::ApiKey,
        Some(WS),
    )
    .and(query_param("cursor", "0"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("notification-stats-response.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let ub = provider(&server, Auth::ApiKey, Some(WS));
    let new: PassNotification =
        serde_json::from_value(fixture("notification-create-request.json")).unwrap();
    let created = ub.create_notification(&new).await.unwrap();
    let id = created.id.unwrap();
    assert_eq!(id, NotificationId::new(nid).unwrap());
    let page = ub
        .list_notifications(&walletpass_ubpass::NotificationQuery {
            status: vec!["Published".into(), "Scheduled".into()],
            pass_serial_numbers: vec![PassId::new("1f09804f-d6c7-66ec-8db2-27a5651e1de2").unwrap()],
            limit: Some(20),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    // hasMore true: the vendor's cursor is the next page's.
    assert_eq!(
        page.next.as_ref().map(|c| c.as_str()),
        Some("1f089d37-8a1b-4c2d-9e3f-123456789abc")
    );
    assert_eq!(page.items[1].status.as_deref(), Some("Scheduled"));
    ub.get_notification(&id).await.unwrap();
    let update: PassNotification =
        serde_json::from_value(fixture("notification-update-request.json")).unwrap();
    let updated = ub.update_notification(&id, &update).await.unwrap();
    assert_eq!(
        updated.scheduled_time.as_deref(),
        Some("2025-09-05T10:00:00.000Z")
    );
    ub.delete_notification(&id).await.unwrap();
    // The stats example's shape (totalSent, linkStats array) is read as well as the schema's.
    let stats = ub.notification_stats(&id, Some(0), None).await.unwrap();
    assert_eq!(stats.sent(), Some(150));
    assert_eq!(stats.clicks(), Some(45));
    assert_eq!(stats.link_entries().len(), 2);

    // Client-side checks name the field and send nothing.
    let bad = PassNotification {
        pass_serial_number: Some("p1".into()),
        notification_name: Some("n".into()),
        notification_message: Some("m".into()),
        status: Some("Published".into()),
        ..Default::default()
    };
    let err = ub.create_notification(&bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "status");
    let scheduled = PassNotification {
        status: Some("Scheduled".into()),
        ..bad
    };
    let err = ub.update_notification(&id, &scheduled).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "scheduledTime");
    // An id that would split the comma-separated filter is refused before sending
    // (the list mock above expects one call, and it has had it).
    let err = ub
        .list_notifications(&walletpass_ubpass::NotificationQuery {
            pass_serial_numbers: vec![PassId::new("a,b").unwrap()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.field_errors()[0].field, "passSerialNumber[0]");
}

#[tokio::test]
async fn locations_follow_the_documented_examples() {
    // openapi /wallet-pass-location (create, list) and /{locationId} (get, PUT, delete).
    let server = MockServer::start().await;
    let lid = "1f089d37-5ebe-6778-af59-99631cec7ab5";
    expect("POST", "/v1/wallet-pass-location", Auth::Bearer, Some(WS))
        .and(body_json(fixture("location-create-request.json")))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("location-create-response.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    expect("GET", "/v1/wallet-pass-location", Auth::Bearer, Some(WS))
        .and(query_param(
            "passSerialNumbers",
            "1f07ee39-d750-6276-aff4-07a599527878",
        ))
        .and(query_param("name", "TORONTO MALL LOCATION"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("location-list-response.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    expect(
        "GET",
        &format!("/v1/wallet-pass-location/{lid}"),
        Auth::Bearer,
        Some(WS),
    )
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("location-create-response.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    expect(
        "PUT",
        &format!("/v1/wallet-pass-location/{lid}"),
        Auth::Bearer,
        Some(WS),
    )
    .and(body_json(fixture("location-update-request.json")))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("location-update-response.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    expect(
        "DELETE",
        &format!("/v1/wallet-pass-location/{lid}"),
        Auth::Bearer,
        Some(WS),
    )
    .respond_with(ResponseTemplate::new(204))
    .expect(1)
    .mount(&server)
    .await;
    let ub = provider(&server, Auth::Bearer, Some(WS));
    let new: PassLocation =
        serde_json::from_value(fixture("location-create-request.json")).unwrap();
    let created = ub.create_location(&new).await.unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(id.as_str(), lid);
    let page = ub
        .list_locations(&walletpass_ubpass::LocationQuery {
            pass_serial_numbers: vec![PassId::new("1f07ee39-d750-6276-aff4-07a599527878").unwrap()],
            name: Some("TORONTO MALL LOCATION".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.items[0].relevant_text.as_deref(),
        Some("Welcome to Toronto Premium Outlets")
    );
    ub.get_location(&id).await.unwrap();
    let update: PassLocation =
        serde_json::from_value(fixture("location-update-request.json")).unwrap();
    let updated = ub.update_location(&id, &update).await.unwrap();
    assert_eq!(
        updated.name.as_deref(),
        Some("TORONTO MALL LOCATION - UPDATED")
    );
    ub.delete_location(&id).await.unwrap();

    // relevantText: at most 255 characters, checked before sending.
    let long = PassLocation {
        relevant_text: Some("x".repeat(256)),
        ..new
    };
    let err = ub.create_location(&long).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "relevantText");
}

fn unsupported(err: &walletpass_core::Error, field: &str) {
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert_eq!(err.provider(), "ubpass");
    assert!(
        err.field_errors().iter().any(|f| f.field == field),
        "{field} not named in {err:?}"
    );
}

#[tokio::test]
async fn content_ubpass_cannot_hold_is_refused_before_sending() {
    let server = MockServer::start().await;
    let ub = provider(&server, Auth::ApiKey, None);
    let link = || Link {
        label: None,
        url: "https://example.com/".parse().unwrap(),
    };
    let header = |k: &str| {
        Field::new(k, "x")
            .unwrap()
            .with_placement(Placement::Header)
    };
    let cases: Vec<(PassContent, &str)> = vec![
        (
            PassContent::builder()
                .field(header("h1"))
                .field(header("h2"))
                .build()
                .unwrap(),
            "fields",
        ),
        (
            PassContent::builder()
                .barcode(Barcode::new(BarcodeFormat::Pdf417, "X").unwrap())
                .build()
                .unwrap(),
            "barcode.format",
        ),
        (
            PassContent::builder()
                .label_color("#000000")
                .build()
                .unwrap(),
            "appearance.label_color",
        ),
        (
            PassContent::builder().logo_text("Logo").build().unwrap(),
            "appearance.logo_text",
        ),
        (
            PassContent::builder()
                .relevant_date(time::OffsetDateTime::now_utc())
                .build()
                .unwrap(),
            "relevant_date",
        ),
        (
            PassContent::builder()
                .expiration_date(time::OffsetDateTime::now_utc())
                .build()
                .unwrap(),
            "expiration_date",
        ),
        (
            PassContent::builder()
                .image(ImageRole::Thumbnail, "k")
                .build()
                .unwrap(),
            "images.thumbnail",
        ),
        (
            PassContent::builder()
                .field(
                    Field::new("p", "x")
                        .unwrap()
                        .with_placement(Placement::Primary),
                )
                .build()
                .unwrap(),
            "fields[p].placement",
        ),
        (
            PassContent::builder()
                .field(
                    Field::new("a", "x")
                        .unwrap()
                        .with_placement(Placement::Auxiliary),
                )
                .build()
                .unwrap(),
            "fields[a].placement",
        ),
        (
            PassContent::builder()
                .field(
                    Field::new("b", "text")
                        .unwrap()
                        .with_placement(Placement::Back),
                )
                .build()
                .unwrap(),
            "fields[b].value",
        ),
        (
            PassContent::builder()
                .field(
                    Field::new("s", vec![link()])
                        .unwrap()
                        .with_placement(Placement::Secondary),
                )
                .build()
                .unwrap(),
            "fields[s].value",
        ),
        (
            PassContent::builder()
                .location(walletpass_core::Location {
                    latitude: 1.0,
                    longitude: 2.0,
                    altitude: None,
                    relevant_text: None,
                })
                .build()
                .unwrap(),
            "locations[0].relevant_text",
        ),
        (
            PassContent::builder()
                .extra("qrUrl", json!("x"))
                .build()
                .unwrap(),
            "extra.qrUrl",
        ),
    ];
    let id = PassRef::new(PassId::new(PASS_ID).unwrap());
    for (content, field) in cases {
        let err = ub.create(NewPass::new(content.clone())).await.unwrap_err();
        unsupported(&err, field);
        let err = ub.put(&id, content).await.unwrap_err();
        unsupported(&err, field);
    }
    // A template or a caller-chosen serial cannot be stored either.
    let content = PassContent::builder().value("a", "b").build().unwrap();
    let err = ub
        .create(NewPass::new(content.clone()).with_template(TemplateId::new("tpl").unwrap()))
        .await
        .unwrap_err();
    unsupported(&err, "template");
    let err = ub
        .create(NewPass::new(content.clone()).with_serial_number(PassId::new("s1").unwrap()))
        .await
        .unwrap_err();
    unsupported(&err, "serial_number");
    let through_template = PassRef::in_template(
        TemplateId::new("tpl").unwrap(),
        PassId::new(PASS_ID).unwrap(),
    );
    unsupported(&ub.get(&through_template).await.unwrap_err(), "template");
    unsupported(
        &ub.list(&ListQuery::new().template(TemplateId::new("tpl").unwrap()))
            .await
            .unwrap_err(),
        "template",
    );
    // A malformed id is refused naming it.
    let err = ub
        .get(&PassRef::new(PassId::new("a.b").unwrap()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "pass_id");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_patch_that_adds_what_ubpass_cannot_hold_is_refused_after_the_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get-pass-response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let ub = provider(&server, Auth::ApiKey, None);
    // The documented pass already has a top field: a second header field cannot be stored.
    let patch = PassPatch::builder()
        .set(
            Field::new("second", "x")
                .unwrap()
                .with_placement(Placement::Header),
        )
        .build()
        .unwrap();
    let err = ub
        .patch(&PassRef::new(PassId::new(PASS_ID).unwrap()), &patch)
        .await
        .unwrap_err();
    unsupported(&err, "fields");
    assert_eq!(err.operation(), Some(walletpass_core::Operation::Patch));
    let writes = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .count();
    assert_eq!(writes, 0);
}

#[test]
fn secrets_stay_out_of_debug_and_plain_http_is_loopback_only() {
    let ub = UbpassConfig::api_key(KEY)
        .with_workspace_id(WS)
        .with_base_url("http://127.0.0.1:9/v1")
        .build()
        .unwrap();
    let shown = format!("{ub:?}");
    assert!(!shown.contains(KEY), "{shown}");
    let shown = format!("{:?}", UbpassConfig::bearer(JWT));
    assert!(!shown.contains(JWT), "{shown}");
    let err = UbpassConfig::api_key(KEY)
        .with_base_url("http://api.ubpass.co/v1")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = UbpassConfig::api_key(KEY)
        .with_workspace_id("my workspace")
        .build()
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "workspace_id");
}

#[tokio::test]
async fn void_templates_and_webhooks_are_unsupported_and_declared_so() {
    let server = MockServer::start().await;
    let ub = provider(&server, Auth::ApiKey, None);
    let caps = ub.capabilities();
    assert!(!caps.void && !caps.templates() && !caps.webhooks() && !caps.webhooks_verify);
    assert!(caps.patch && caps.patch_is_composed && caps.delete && caps.list && caps.search);
    assert!(!caps.caller_serial && !caps.label_color && !caps.typed_values);
    let id = PassRef::new(PassId::new(PASS_ID).unwrap());
    let tid = TemplateId::new("t").unwrap();
    let wid = WebhookId::new("w").unwrap();
    let errs = vec![
        ub.void(&id).await.unwrap_err(),
        ub.list_templates(&ListQuery::new()).await.unwrap_err(),
        ub.get_template(&tid).await.unwrap_err(),
        ub.create_template(NewTemplate::new("t").unwrap())
            .await
            .unwrap_err(),
        ub.delete_template(&tid).await.unwrap_err(),
        ub.create_webhook(
            NewWebhookSubscription::new(
                "https://example.com/hook",
                vec![walletpass_core::WebhookEventKind::PassCreated],
            )
            .unwrap(),
        )
        .await
        .unwrap_err(),
        ub.list_webhooks(&ListQuery::new()).await.unwrap_err(),
        ub.get_webhook(&wid).await.unwrap_err(),
        ub.delete_webhook(&wid).await.unwrap_err(),
        ub.webhook_deliveries(&wid, &ListQuery::new())
            .await
            .unwrap_err(),
        ub.webhook_verifier(secrecy::SecretString::from("s"))
            .err()
            .unwrap(),
    ];
    for err in errs {
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        assert_eq!(err.provider(), "ubpass");
        assert!(err.operation().is_some());
    }
    assert!(ub.batch().is_none());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_notification_can_be_read_with_its_stats_embedded() {
    // openapi GET /wallet-pass/notifications/{id}: query `includeStats` (boolean),
    // `notificationStatsCursor` (integer, minimum 0), `notificationStatsLimit` (1-20); the
    // PassNotification schema's `notificationStats` holds them.
    let server = MockServer::start().await;
    let nid = "1f089d37-5ebe-6778-af59-99631cec7ab5";
    let mut body = fixture("notification-create-response.json");
    body["notificationStats"] = fixture("notification-stats-response.json");
    expect(
        "GET",
        &format!("/v1/wallet-pass/notifications/{nid}"),
        Auth::Bearer,
        None,
    )
    .and(query_param("includeStats", "true"))
    .and(query_param("notificationStatsCursor", "0"))
    .and(query_param("notificationStatsLimit", "5"))
    .respond_with(ResponseTemplate::new(200).set_body_json(body))
    .expect(1)
    .mount(&server)
    .await;
    let ub = provider(&server, Auth::Bearer, None);
    let id = NotificationId::new(nid).unwrap();
    let n = ub
        .get_notification_with_stats(&id, Some(0), Some(5))
        .await
        .unwrap();
    let stats = n.notification_stats.unwrap();
    assert_eq!(stats.sent(), Some(150));
    assert_eq!(stats.link_entries().len(), 2);
    let err = ub
        .get_notification_with_stats(&id, None, Some(21))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "notificationStatsLimit");
}
