#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! Every operation against wiremock: method, path, query, headers and body pinned, both auth
//! modes, every error status mapped to its kind, and `Retry-After` honoured. Each test names
//! the section of `passinstance-api.txt` (or the assumption in `assumptions.rs`) it pins.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use walletpass_core::http::RetryPolicy;
use walletpass_core::{
    Barcode, BarcodeFormat, ErrorKind, Field, FieldSpec, ListQuery, NewPass, NewTemplate,
    NewWebhookSubscription, Operation, PassContent, PassId, PassPatch, PassRef, PassStatus,
    Placement, TemplateId, WalletProvider, WebhookEventKind, WebhookId,
};
use walletpass_passinstance::{
    BatchId, BatchRequest, BatchStatus, NewBundle, NotificationTarget, Passinstance,
    PassinstanceConfig,
};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "pi_test_token_123";
const KEY: &str = "pi_test_key_456";
const TEMPLATE: &str = "tpl_abcdef1234567890";

fn base(server: &MockServer) -> String {
    format!("{}/api/v1", server.uri())
}

fn bearer(server: &MockServer) -> Passinstance {
    PassinstanceConfig::bearer(TOKEN)
        .with_base_url(base(server))
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A mock that also pins the bearer token ("Authentication": `Authorization: Bearer <token>`).
fn authed(verb: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb)).and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/create-pass-request.json")).unwrap()
}

/// A pass answer (shape: assumption A3).
fn pass_answer(id: &str, serial: &str) -> Value {
    json!({
        "id": id,
        "templateId": TEMPLATE,
        "serialNumber": serial,
        "status": "active",
        "fields": {
            "memberName": { "label": "Member", "value": "Jane Doe" },
            "tier": { "label": "Tier", "value": "Gold" }
        },
        "barcodeFormat": "qr",
        "barcodeMessage": "ORDER-1001-GOLD",
        "downloadUrl": format!("https://wallet.passinstance.com/p/{id}.pkpass"),
        "createdAt": "2026-01-01T10:00:00Z",
        "updatedAt": "2026-01-01T10:00:00Z"
    })
}

fn documented_pass() -> NewPass {
    let content = PassContent::builder()
        .field(
            Field::new("memberName", "Jane Doe")
                .unwrap()
                .with_label("Member"),
        )
        .field(Field::new("tier", "Gold").unwrap().with_label("Tier"))
        .barcode(Barcode::new(BarcodeFormat::Qr, "ORDER-1001-GOLD").unwrap())
        .build()
        .unwrap();
    NewPass::new(content)
        .with_template(TemplateId::new(TEMPLATE).unwrap())
        .with_serial_number(PassId::new("ORDER-1001").unwrap())
}

fn pass_ref(id: &str) -> PassRef {
    PassRef::new(PassId::new(id).unwrap())
}

/// Reference "Get a pass": `GET /passes/pass_1` answers the documented pass, expected once.
async fn mount_read_of_pass_1(server: &MockServer) {
    authed("GET")
        .and(path("/api/v1/passes/pass_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pass_answer("pass_1", "S")))
        .expect(1)
        .mount(server)
        .await;
}

fn list(items: Vec<Value>, page: u64, total_pages: u64) -> Value {
    json!({ "data": items, "pagination": { "page": page, "limit": 100, "total": 0, "totalPages": total_pages } })
}

#[tokio::test]
async fn create_sends_the_documented_example_with_a_bearer_token() {
    // "Quickstart": POST /passes, `Authorization: Bearer <token>`, JSON body as in the example.
    let server = MockServer::start().await;
    authed("POST")
        .and(path("/api/v1/passes"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(fixture()))
        .respond_with(ResponseTemplate::new(201).set_body_json(pass_answer("pass_1", "ORDER-1001")))
        .expect(1)
        .mount(&server)
        .await;
    let pass = bearer(&server).create(documented_pass()).await.unwrap();
    assert_eq!(pass.pass_ref.id.as_str(), "pass_1");
    assert_eq!(pass.pass_ref.template.as_ref().unwrap().as_str(), TEMPLATE);
    assert_eq!(pass.serial_number, "ORDER-1001");
    assert_eq!(pass.status, PassStatus::Active);
    assert_eq!(pass.content, documented_pass().content);
    assert!(pass.links.download.unwrap().ends_with("pass_1.pkpass"));
}

#[tokio::test]
async fn api_key_mode_sends_only_x_api_key() {
    // "Authentication": `X-API-Key: <api_key>` for service-to-service connectors.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/passes/pass_1"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(pass_answer("pass_1", "S")))
        .expect(1)
        .mount(&server)
        .await;
    let provider = PassinstanceConfig::api_key(KEY)
        .with_base_url(base(&server))
        .build()
        .unwrap();
    provider.get(&pass_ref("pass_1")).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn get_put_void_delete_address_the_pass_id() {
    // Reference: GET, PUT, DELETE /passes/{id} and POST /passes/{id}/void.
    let server = MockServer::start().await;
    mount_read_of_pass_1(&server).await;
    // A6: PUT sends the whole content, without templateId or serialNumber.
    authed("PUT")
        .and(path("/api/v1/passes/pass_1"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "fields": { "tier": { "label": "Tier", "value": "Silver" } },
            "relevantDate": "2024-12-15T19:00:00Z"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(pass_answer("pass_1", "S")))
        .expect(1)
        .mount(&server)
        .await;
    let mut voided = pass_answer("pass_1", "S");
    voided["status"] = json!("voided");
    authed("POST")
        .and(path("/api/v1/passes/pass_1/void"))
        .respond_with(ResponseTemplate::new(200).set_body_json(voided))
        .expect(1)
        .mount(&server)
        .await;
    authed("DELETE")
        .and(path("/api/v1/passes/pass_1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let provider = bearer(&server);
    let r = pass_ref("pass_1");
    provider.get(&r).await.unwrap();
    let content = PassContent::builder()
        .field(Field::new("tier", "Silver").unwrap().with_label("Tier"))
        .relevant_date(time::macros::datetime!(2024-12-15 19:00 UTC))
        .build()
        .unwrap();
    provider.put(&r, content).await.unwrap();
    assert_eq!(provider.void(&r).await.unwrap().status, PassStatus::Voided);
    provider.delete(&r).await.unwrap();
    let void_request = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path().ends_with("/void"))
        .unwrap();
    assert!(void_request.body.is_empty());
}

#[tokio::test]
async fn patch_reads_merges_and_puts_everything_back() {
    // A6: patch = GET + merge + PUT; untouched fields and the barcode are sent unchanged.
    let server = MockServer::start().await;
    mount_read_of_pass_1(&server).await;
    authed("PUT")
        .and(path("/api/v1/passes/pass_1"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "fields": {
                "memberName": { "label": "Member", "value": "Jane Doe" },
                "tier": { "label": "Tier", "value": "Platinum" }
            },
            "barcodeFormat": "qr",
            "barcodeMessage": "ORDER-1001-GOLD"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(pass_answer("pass_1", "S")))
        .expect(1)
        .mount(&server)
        .await;
    let patch = PassPatch::builder()
        .set_value("tier", "Platinum")
        .build()
        .unwrap();
    bearer(&server)
        .patch(&pass_ref("pass_1"), &patch)
        .await
        .unwrap();
}

#[tokio::test]
async fn list_passes_sends_page_limit_and_filters() {
    // A7: ?page=&limit= and the filters; the cursor is the next page.
    let server = MockServer::start().await;
    authed("GET")
        .and(path("/api/v1/passes"))
        .and(query_param("page", "1"))
        .and(query_param("limit", "2"))
        .and(query_param("templateId", TEMPLATE))
        .and(query_param("status", "voided"))
        .and(query_param("search", "jane"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            vec![pass_answer("pass_1", "A"), pass_answer("pass_2", "B")],
            1,
            2,
        )))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET")
        .and(path("/api/v1/passes"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            vec![pass_answer("pass_3", "C")],
            2,
            2,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let provider = bearer(&server);
    let query = ListQuery::new()
        .template(TemplateId::new(TEMPLATE).unwrap())
        .status(PassStatus::Voided)
        .search("jane")
        .page_size(2);
    let first = provider.list(&query).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let next = first.next.unwrap();
    assert_eq!(next.as_str(), "2");
    let second = provider.list(&query.clone().cursor(next)).await.unwrap();
    assert_eq!(second.items[0].serial_number, "C");
    assert!(second.next.is_none());
}

#[tokio::test]
async fn templates_list_create_get() {
    // Reference: GET/POST /templates, GET /templates/{id}; body keys from the older page (A8).
    let server = MockServer::start().await;
    let answer = json!({
        "id": "tpl_0123456789abcdef", "name": "VIP Event Ticket", "passType": "eventTicket",
        "organizationName": "Acme", "teamIdentifier": "TEAM123456789",
        "passTypeIdentifier": "pass.com.passinstance.event",
        "backgroundColor": "#1f2937", "foregroundColor": "#ffffff", "labelColor": "#9ca3af",
        "fields": [{ "key": "seat", "label": "Seat", "placement": "primary" }],
        "createdAt": "2026-01-01T10:00:00Z"
    });
    authed("POST")
        .and(path("/api/v1/templates"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "VIP Event Ticket", "description": "Entry", "passType": "eventTicket",
            "organizationName": "Acme", "teamIdentifier": "TEAM123456789",
            "passTypeIdentifier": "pass.com.passinstance.event",
            "backgroundColor": "#1f2937", "foregroundColor": "#ffffff", "labelColor": "#9ca3af",
            "fields": [{ "key": "seat", "label": "Seat", "placement": "primary" }]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(answer.clone()))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET")
        .and(path("/api/v1/templates/tpl_0123456789abcdef"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET")
        .and(path("/api/v1/templates"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![answer], 1, 1)))
        .expect(1)
        .mount(&server)
        .await;
    let provider = bearer(&server);
    let mut new = NewTemplate::new("VIP Event Ticket")
        .unwrap()
        .with_style("eventTicket")
        .with_field(
            FieldSpec::new("seat")
                .unwrap()
                .with_label("Seat")
                .with_placement(Placement::Primary),
        )
        .unwrap();
    new.appearance.description = Some("Entry".into());
    new.appearance.organization_name = Some("Acme".into());
    new.appearance.background_color = Some("#1f2937".parse().unwrap());
    new.appearance.foreground_color = Some("#ffffff".parse().unwrap());
    new.appearance.label_color = Some("#9ca3af".parse().unwrap());
    new.extra
        .insert("teamIdentifier".into(), json!("TEAM123456789"));
    new.extra.insert(
        "passTypeIdentifier".into(),
        json!("pass.com.passinstance.event"),
    );
    let created = provider.create_template(new).await.unwrap();
    assert_eq!(created.style.as_deref(), Some("eventTicket"));
    assert_eq!(created.extra["teamIdentifier"], "TEAM123456789");
    let read = provider.get_template(&created.id).await.unwrap();
    assert_eq!(read, created);
    let page = provider.list_templates(&ListQuery::new()).await.unwrap();
    assert_eq!(page.items, vec![created]);
}

#[tokio::test]
async fn webhooks_create_and_list() {
    // "Webhooks": POST /webhooks with url, events and secret; GET /webhooks.
    let server = MockServer::start().await;
    authed("POST")
        .and(path("/api/v1/webhooks"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "url": "https://your-app.example/webhooks/passinstance",
            "events": ["pass.created", "pass.updated", "pass.voided"],
            "secret": "whsec_0123456789abcdef"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "wh_1", "url": "https://your-app.example/webhooks/passinstance",
            "events": ["pass.created", "pass.updated", "pass.voided"], "active": true,
            "createdAt": "2026-01-01T10:00:00Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET")
        .and(path("/api/v1/webhooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            vec![
                json!({ "id": "wh_1", "url": "https://your-app.example/webhooks/passinstance",
                         "events": ["pass.created"] }),
            ],
            1,
            1,
        )))
        .expect(2)
        .mount(&server)
        .await;
    let provider = bearer(&server);
    let created = provider
        .create_webhook(
            NewWebhookSubscription::new(
                "https://your-app.example/webhooks/passinstance",
                vec![
                    WebhookEventKind::PassCreated,
                    WebhookEventKind::PassUpdated,
                    WebhookEventKind::PassVoided,
                ],
            )
            .unwrap()
            .with_secret("whsec_0123456789abcdef".into()),
        )
        .await
        .unwrap();
    assert_eq!(created.subscription.id.as_str(), "wh_1");
    use secrecy::ExposeSecret;
    assert_eq!(created.secret.expose_secret(), "whsec_0123456789abcdef");
    let page = provider.list_webhooks(&ListQuery::new()).await.unwrap();
    assert_eq!(page.items[0].events, vec![WebhookEventKind::PassCreated]);
    let one = provider
        .get_webhook(&WebhookId::new("wh_1").unwrap())
        .await
        .unwrap();
    assert_eq!(one.id.as_str(), "wh_1");
}

#[tokio::test]
async fn bundles_and_push_notifications() {
    // Reference: GET/POST /bundles and GET/POST /push-notifications (shapes: A12, A13).
    let server = MockServer::start().await;
    let bundle = json!({ "id": "bndl_1", "name": "Order 1001", "passIds": ["pass_1"],
                         "downloadUrl": "https://wallet.passinstance.com/b/bndl_1.pkpasses",
                         "createdAt": "2026-01-01T10:00:00Z" });
    authed("POST")
        .and(path("/api/v1/bundles"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({ "name": "Order 1001", "passIds": ["pass_1"] }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(bundle.clone()))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET")
        .and(path("/api/v1/bundles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![bundle], 1, 1)))
        .expect(1)
        .mount(&server)
        .await;
    let sent = json!({ "id": "ntf_1", "bundleId": "bndl_1", "message": "Doors open at 7",
                       "status": "sent", "recipients": 1, "createdAt": "2026-01-01T10:00:00Z" });
    authed("POST")
        .and(path("/api/v1/push-notifications"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({ "bundleId": "bndl_1", "message": "Doors open at 7" }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(sent.clone()))
        .expect(1)
        .mount(&server)
        .await;
    authed("POST")
        .and(path("/api/v1/push-notifications"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({ "passId": "pass_1", "message": "Tier changed" }),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(
                json!({ "id": "ntf_2", "passId": "pass_1", "message": "Tier changed" }),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    authed("GET")
        .and(path("/api/v1/push-notifications"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![sent], 1, 1)))
        .expect(1)
        .mount(&server)
        .await;
    let provider = bearer(&server);
    let created = provider
        .create_bundle(NewBundle::new(
            "Order 1001",
            vec![PassId::new("pass_1").unwrap()],
        ))
        .await
        .unwrap();
    assert!(created.download_url.unwrap().ends_with(".pkpasses"));
    assert_eq!(
        provider
            .list_bundles(&ListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let n = provider
        .send_notification(NotificationTarget::Bundle(created.id), "Doors open at 7")
        .await
        .unwrap();
    assert_eq!(n.recipients, Some(1));
    provider
        .send_notification(
            NotificationTarget::Pass(PassId::new("pass_1").unwrap()),
            "Tier changed",
        )
        .await
        .unwrap();
    let listed = provider
        .list_notifications(&ListQuery::new())
        .await
        .unwrap();
    assert_eq!(listed.items[0].status.as_deref(), Some("sent"));
}

#[tokio::test]
async fn batch_submit_and_status() {
    // "Run high-volume pass operations and poll job state": POST /batch, GET /batch/{id} (A11).
    let server = MockServer::start().await;
    authed("POST")
        .and(path("/api/v1/batch"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({ "operation": "create", "items": [fixture()] }),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "id": "batch_1", "operation": "create", "status": "queued", "total": 1,
            "processed": 0, "results": []
        })))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET")
        .and(path("/api/v1/batch/batch_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "batch_1", "operation": "create", "status": "completed", "total": 1,
            "processed": 1, "completedAt": "2026-01-01T10:00:01Z",
            "results": [{ "index": 0, "status": "succeeded", "id": "pass_1",
                          "serialNumber": "ORDER-1001", "pass": pass_answer("pass_1", "ORDER-1001") }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let provider = bearer(&server);
    let job = provider
        .submit_batch(BatchRequest::Create(vec![documented_pass()]))
        .await
        .unwrap();
    assert_eq!(job.status, BatchStatus::Queued);
    let done = provider
        .batch_status(&BatchId::new("batch_1").unwrap())
        .await
        .unwrap();
    assert_eq!(done.status, BatchStatus::Completed);
    let pass = done.results[0].outcome.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(pass.serial_number, "ORDER-1001");
}

#[tokio::test]
async fn every_error_status_maps_to_its_kind() {
    // "Production readiness": handle 401, 403, 404, 422, 429 and 5xx explicitly (body: A1).
    for (status, kind) in [
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::Conflict),
        (422, ErrorKind::InvalidInput),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::Server),
        (502, ErrorKind::Server),
        (503, ErrorKind::Server),
    ] {
        let server = MockServer::start().await;
        authed("GET")
            .and(path("/api/v1/passes/pass_1"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "error": "Some Reason", "message": format!("answer {status}"),
                "details": [{ "field": "id", "message": "is wrong" }]
            })))
            .mount(&server)
            .await;
        let err = bearer(&server).get(&pass_ref("pass_1")).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.vendor_code(), Some("Some Reason"));
        assert_eq!(err.message(), format!("answer {status}"));
        assert_eq!(err.field_errors()[0].field, "id");
        assert_eq!(err.provider(), "passinstance");
    }
}

#[tokio::test]
async fn a_429_is_retried_after_the_advertised_delay() {
    // "Production readiness": `Retry-After: <seconds>` and "Respect documented retry guidance".
    let server = MockServer::start().await;
    authed("GET")
        .and(path("/api/v1/passes/pass_1"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({
                    "error": "Too Many Requests",
                    "message": "Retry after the indicated delay"
                })),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_read_of_pass_1(&server).await;
    let provider = PassinstanceConfig::bearer(TOKEN)
        .with_base_url(base(&server))
        .with_retry(RetryPolicy {
            initial_backoff: Duration::from_millis(10),
            jitter: false,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let started = Instant::now();
    provider.get(&pass_ref("pass_1")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retried after {:?}",
        started.elapsed()
    );

    // Without retries the 429 surfaces with its delay.
    let server = MockServer::start().await;
    authed("GET")
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .mount(&server)
        .await;
    let err = bearer(&server).get(&pass_ref("pass_1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn a_409_on_create_returns_the_identical_pass_or_stays_a_conflict() {
    // A5: create is idempotent by template + serial.
    let server = MockServer::start().await;
    authed("POST")
        .and(path("/api/v1/passes"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "error": "Conflict", "message": "A pass with serial number ORDER-1001 already exists"
        })))
        .mount(&server)
        .await;
    authed("GET")
        .and(path("/api/v1/passes"))
        .and(query_param("templateId", TEMPLATE))
        .and(query_param("serialNumber", "ORDER-1001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            vec![pass_answer("pass_9", "ORDER-1001")],
            1,
            1,
        )))
        .expect(2)
        .mount(&server)
        .await;
    let provider = bearer(&server);
    let same = provider.create(documented_pass()).await.unwrap();
    assert_eq!(same.pass_ref.id.as_str(), "pass_9");

    let mut different = documented_pass();
    different.content = PassContent::builder()
        .value("memberName", "John Roe")
        .build()
        .unwrap();
    let err = provider.create(different).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("pass_9"), "{err}");
}

/// A2: `ORDER-1001` is not a pass id (404); looked up as a serial number, it is `pass_9`, which
/// is then read. Each of the three requests is expected once.
async fn mount_serial_lookup(server: &MockServer) {
    authed("GET")
        .and(path("/api/v1/passes/ORDER-1001"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(
                json!({ "error": "Not Found", "message": "Pass ORDER-1001 not found" }),
            ),
        )
        .expect(1)
        .mount(server)
        .await;
    authed("GET")
        .and(path("/api/v1/passes"))
        .and(query_param("serialNumber", "ORDER-1001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            vec![pass_answer("pass_9", "ORDER-1001")],
            1,
            1,
        )))
        .expect(1)
        .mount(server)
        .await;
    authed("GET")
        .and(path("/api/v1/passes/pass_9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pass_answer("pass_9", "ORDER-1001")))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_template_and_serial_reference_is_looked_up() {
    // A2: an id the vendor does not know is looked up as a serial number in the template.
    let server = MockServer::start().await;
    mount_serial_lookup(&server).await;
    let r = PassRef::in_template(
        TemplateId::new(TEMPLATE).unwrap(),
        PassId::new("ORDER-1001").unwrap(),
    );
    let pass = bearer(&server).get(&r).await.unwrap();
    assert_eq!(pass.pass_ref.id.as_str(), "pass_9");
}

#[tokio::test]
async fn a_patch_by_serial_writes_to_the_id_its_read_looked_up() {
    // A2 and A6: the read looks the serial up once; the PUT goes to the vendor's id it found,
    // never to the serial, and no second lookup is made.
    let server = MockServer::start().await;
    mount_serial_lookup(&server).await;
    authed("PUT")
        .and(path("/api/v1/passes/pass_9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pass_answer("pass_9", "ORDER-1001")))
        .expect(1)
        .mount(&server)
        .await;
    let r = PassRef::in_template(
        TemplateId::new(TEMPLATE).unwrap(),
        PassId::new("ORDER-1001").unwrap(),
    );
    let patch = PassPatch::builder()
        .set_value("tier", "Platinum")
        .build()
        .unwrap();
    let pass = bearer(&server).patch(&r, &patch).await.unwrap();
    assert_eq!(pass.pass_ref.id.as_str(), "pass_9");
    let methods: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        methods,
        [
            "GET /api/v1/passes/ORDER-1001",
            "GET /api/v1/passes",
            "GET /api/v1/passes/pass_9",
            "PUT /api/v1/passes/pass_9"
        ]
    );
}

#[tokio::test]
async fn a_patch_whose_put_finds_no_pass_is_not_found_without_a_lookup() {
    // A2 and A6: the read resolved the id, so a 404 on the PUT (the pass deleted in between)
    // is the answer; the id is not looked up again as a serial number, which could name
    // another pass.
    let server = MockServer::start().await;
    mount_read_of_pass_1(&server).await;
    authed("PUT")
        .and(path("/api/v1/passes/pass_1"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "error": "Not Found", "message": "Pass pass_1 not found" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let r = PassRef::in_template(
        TemplateId::new(TEMPLATE).unwrap(),
        PassId::new("pass_1").unwrap(),
    );
    let patch = PassPatch::builder()
        .set_value("tier", "Platinum")
        .build()
        .unwrap();
    let err = bearer(&server).patch(&r, &patch).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.operation(), Some(Operation::Patch), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_patch_fails_before_writing_when_the_read_has_an_unusable_template_id() {
    // A3: a read `get` would refuse (here its templateId holds a `/`) is refused by the patch's
    // read as well, before any PUT.
    let server = MockServer::start().await;
    let mut answer = pass_answer("pass_1", "S");
    answer["templateId"] = json!("tpl/../x");
    authed("GET")
        .and(path("/api/v1/passes/pass_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(2)
        .mount(&server)
        .await;
    let provider = bearer(&server);
    let patch = PassPatch::builder()
        .set_value("tier", "Platinum")
        .build()
        .unwrap();
    let got = provider.get(&pass_ref("pass_1")).await.unwrap_err();
    let err = provider
        .patch(&pass_ref("pass_1"), &patch)
        .await
        .unwrap_err();
    assert_eq!(got.kind(), ErrorKind::Decode, "{got}");
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("templateId"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn what_passinstance_cannot_do_fails_before_any_request() {
    let server = MockServer::start().await;
    let provider = bearer(&server);
    let id = WebhookId::new("wh_1").unwrap();
    for err in [
        provider
            .delete_template(&TemplateId::new(TEMPLATE).unwrap())
            .await
            .unwrap_err(),
        provider.delete_webhook(&id).await.unwrap_err(),
        provider
            .webhook_deliveries(&id, &ListQuery::new())
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    }
    // A3: placements and pass-level colors have no place on a Passinstance pass.
    let mut pass = documented_pass();
    pass.content = PassContent::builder()
        .field(
            Field::new("tier", "Gold")
                .unwrap()
                .with_placement(Placement::Header),
        )
        .background_color("#000000")
        .build()
        .unwrap();
    let err = provider.create(pass).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("fields[tier].placement"), "{err}");
    assert_eq!(err.operation(), Some(walletpass_core::Operation::Create));
    // A template id in another vendor's format is refused by name.
    let err = provider
        .get_template(&TemplateId::new("ptk_0x14").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    // A pass without a template, when no default is configured.
    let err = provider
        .create(NewPass::new(documented_pass().content))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("template"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_webhook_answer_that_does_not_decode_never_quotes_its_secret() {
    // "Production readiness": keep secrets server-side; the answer to POST /webhooks may carry
    // the signing secret (assumption A9), so a decode error must not quote the body.
    let server = MockServer::start().await;
    authed("POST")
        .and(path("/api/v1/webhooks"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 42, "url": "https://your-app.example/hook",
            "events": ["pass.created"], "secret": "whsec_vendor_chosen_leak"
        })))
        .mount(&server)
        .await;
    let err = bearer(&server)
        .create_webhook(
            NewWebhookSubscription::new(
                "https://your-app.example/hook",
                vec![WebhookEventKind::PassCreated],
            )
            .unwrap()
            .with_secret("whsec_caller_chosen_0123".into()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let mut shown = vec![format!("{err}"), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        shown.push(format!("{s} {s:?}"));
        source = s.source();
    }
    for text in shown {
        assert!(!text.contains("whsec_vendor_chosen_leak"), "{text}");
        assert!(!text.contains("whsec_caller_chosen_0123"), "{text}");
    }
}

#[tokio::test]
async fn a_batch_void_without_the_pass_in_its_result_reads_the_pass() {
    // A11: a result's `pass` is optional; run_batch promises the pass after the operation
    // (None only for deletes), so a void result without it is followed by GET /passes/{id}.
    let server = MockServer::start().await;
    authed("POST")
        .and(path("/api/v1/batch"))
        .and(body_json(
            json!({ "operation": "void", "items": [{ "id": "pass_1" }] }),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "id": "batch_2", "operation": "void", "status": "completed", "total": 1,
            "processed": 1, "results": [{ "index": 0, "status": "succeeded", "id": "pass_1" }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut voided = pass_answer("pass_1", "ORDER-1001");
    voided["status"] = json!("voided");
    authed("GET")
        .and(path("/api/v1/passes/pass_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(voided))
        .expect(1)
        .mount(&server)
        .await;
    let outcomes = bearer(&server)
        .run_batch(BatchRequest::Void(vec![pass_ref("pass_1")]))
        .await
        .unwrap();
    let pass = outcomes[0]
        .as_ref()
        .unwrap()
        .as_ref()
        .expect("the voided pass");
    assert_eq!(pass.status, PassStatus::Voided);
}
