#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! Every operation against a mock server: the exact method, path, query, auth headers and JSON
//! body sent, and the parsing of the doc's example answers (`tests/fixtures/`, see its README
//! for the doc section of each).

use serde_json::{Value, json};
use walletpass_core::http::RetryPolicy;
use walletpass_core::{
    ErrorKind, FieldSpec, FieldValue, ListQuery, NewPass, NewTemplate, NewWebhookSubscription,
    Operation, PassContent, PassPatch, PassRef, PassStatus, Placement, Platform, TemplateId,
    WalletProvider, WebhookEventKind, WebhookId,
};
use walletpass_passninja::{ERROR_CODES, PassNinja, PassNinjaConfig};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Match, Mock, MockBuilder, MockServer, Request, ResponseTemplate};

const KEY: &str = "91dbb1e7af9c80aba6ed3f95a1545b4e";
const ACCOUNT: &str = "aid_0xa01";
const SERIAL: &str = "838b8cf60dac2bfad9";

fn fixture(name: &str) -> Value {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

fn template() -> TemplateId {
    TemplateId::new("ptk_0x14").unwrap()
}

fn specs() -> Vec<FieldSpec> {
    vec![
        FieldSpec::new("member.name")
            .unwrap()
            .with_label("Member")
            .with_placement(Placement::Primary)
            .required(),
        FieldSpec::new("member.level")
            .unwrap()
            .with_label("Level")
            .with_placement(Placement::Secondary)
            .with_default("silver"),
        FieldSpec::new("discount")
            .unwrap()
            .with_label("Discount")
            .with_placement(Placement::Auxiliary)
            .with_default("0%"),
    ]
}

fn config(server: &MockServer) -> PassNinjaConfig {
    PassNinjaConfig::new(KEY, ACCOUNT)
        .with_base_url(format!("{}/v1", server.uri()))
        .with_retry(RetryPolicy::quick())
        .with_field_specs(template(), specs())
}

async fn setup() -> (MockServer, PassNinja) {
    let server = MockServer::start().await;
    let provider = PassNinja::new(config(&server)).unwrap();
    (server, provider)
}

/// The query string, exactly (wiremock's `query_param` ignores extra parameters).
struct ExactQuery(Option<&'static str>);

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        request.url.query() == self.0
    }
}

/// A mock for `method path` with both auth headers ("Authentication") and the exact query.
fn api(verb: &str, at: &str, query: Option<&'static str>) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(at.to_owned()))
        .and(header("x-api-key", KEY))
        .and(header("x-account-id", ACCOUNT))
        .and(ExactQuery(query))
}

fn pass_ref() -> PassRef {
    PassRef::parse(&format!("ptk_0x14/{SERIAL}")).unwrap()
}

async fn mount_get_pass(server: &MockServer) {
    // "Get a pass": GET /v1/passes/<YOUR_TEMPLATE_ID>/<SERIAL_NUMBER>.
    api("GET", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get-pass.json")))
        .mount(server)
        .await;
}

#[tokio::test]
async fn list_pass_templates() {
    let (server, provider) = setup().await;
    // "List pass templates": GET /v1/pass_templates.
    api("GET", "/v1/pass_templates", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("list-pass-templates.json")))
        .expect(1)
        .mount(&server)
        .await;
    let page = provider.list_templates(&ListQuery::new()).await.unwrap();
    assert_eq!(page.next, None);
    let t = &page.items[0];
    assert_eq!(t.id.as_str(), "ptk_0x14");
    assert_eq!(t.name, "Loyalty Card");
    assert_eq!(t.platform, Some(Platform::Apple));
    assert_eq!(t.style.as_deref(), Some("storeCard"));
    assert_eq!((t.issued_count, t.installed_count), (Some(150), Some(89)));
    assert_eq!(
        t.created_at.unwrap().to_string(),
        "2024-01-15 10:30:00.0 +00:00:00"
    );
    assert_eq!(
        t.fields,
        specs(),
        "the configured specs give the template its fields"
    );
}

#[tokio::test]
async fn get_pass_template() {
    let (server, provider) = setup().await;
    // "Get a pass template": GET /v1/pass_templates/<YOUR_TEMPLATE_ID>.
    api("GET", "/v1/pass_templates/ptk_0x14", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get-pass-template.json")))
        .expect(1)
        .mount(&server)
        .await;
    let t = provider.get_template(&template()).await.unwrap();
    assert_eq!(
        (t.name.as_str(), t.issued_count),
        ("Loyalty Card", Some(150))
    );
    assert_eq!(t.created_at, None);
}

#[tokio::test]
async fn create_pass_template() {
    let (server, provider) = setup().await;
    // "Create a pass template": POST /v1/pass_templates with name, platform, style; 201.
    api("POST", "/v1/pass_templates", None)
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"name": "Loyalty Card", "platform": "apple", "style": "storeCard"}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("create-pass-template.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let new = NewTemplate::new("Loyalty Card")
        .unwrap()
        .with_platform(Platform::Apple)
        .with_style("storeCard");
    let t = provider.create_template(new).await.unwrap();
    assert_eq!(t.id.as_str(), "ptk_0x216");
    assert_eq!(t.issued_count, Some(0));

    // Refused before any request: too long a name, no platform, fields (the template starts empty).
    let long = NewTemplate::new("x".repeat(121))
        .unwrap()
        .with_platform(Platform::Apple)
        .with_style("storeCard");
    assert_eq!(
        provider.create_template(long).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let no_platform = NewTemplate::new("n").unwrap().with_style("storeCard");
    assert_eq!(
        provider
            .create_template(no_platform)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    let with_fields = NewTemplate::new("n")
        .unwrap()
        .with_platform(Platform::Both)
        .with_style("generic")
        .with_field(FieldSpec::new("a").unwrap())
        .unwrap();
    assert_eq!(
        provider
            .create_template(with_fields)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
}

#[tokio::test]
async fn delete_pass_template() {
    let (server, provider) = setup().await;
    // "Delete a pass template": DELETE /v1/pass_templates/<YOUR_TEMPLATE_ID>, 204.
    api("DELETE", "/v1/pass_templates/ptk_0x14", None)
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    provider.delete_template(&template()).await.unwrap();
}

#[tokio::test]
async fn create_pass_then_read_it_back() {
    let (server, provider) = setup().await;
    // "Create a new pass": POST /v1/passes with passTemplate and pass (the curl example body).
    api("POST", "/v1/passes", None)
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "passTemplate": "ptk_0x14",
            "pass": {"member.level": "silver", "discount": "50%", "member.name": "John"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("create-pass.json")))
        .expect(1)
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    let content = PassContent::builder()
        .value("member.level", "silver")
        .value("discount", "50%")
        .value("member.name", "John")
        .build()
        .unwrap();
    let pass = provider
        .create(NewPass::new(content).with_template(template()))
        .await
        .unwrap();
    assert_eq!(pass.pass_ref, pass_ref());
    assert_eq!(pass.serial_number, SERIAL);
    assert_eq!(
        pass.links.landing.as_deref(),
        Some("https://i.installpass.es/p/838b8cf60dac2bfad9")
    );
    // Read back with the GET example's values, labels and placements from the specs.
    let name = pass.content.field("member.name").unwrap();
    assert_eq!(name.value, FieldValue::Text("John".into()));
    assert_eq!(name.label.as_deref(), Some("Member"));
    assert_eq!(name.placement, Some(Placement::Primary));
    let keys: Vec<&str> = pass.content.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["member.name", "member.level", "discount"]);
}

#[tokio::test]
async fn create_pass_with_a_recipient() {
    let (server, provider) = setup().await;
    // "Create a new pass": recipient {name, message, sms, email}.
    api("POST", "/v1/passes", None)
        .and(body_json(json!({
            "passTemplate": "ptk_0x14",
            "pass": {"member.name": "John"},
            "recipient": {"name": "John", "message": "Hi @name, @account sent you this pass @url",
                          "sms": "+15613437899", "email": "support@passninja.com"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("create-pass.json")))
        .expect(1)
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    let content = PassContent::builder()
        .value("member.name", "John")
        .extra(
            "recipient",
            json!({"name": "John", "message": "Hi @name, @account sent you this pass @url",
                   "sms": "+15613437899", "email": "support@passninja.com"}),
        )
        .build()
        .unwrap();
    provider
        .create(NewPass::new(content).with_template(template()))
        .await
        .unwrap();
}

#[tokio::test]
async fn create_checks_required_keys_and_content_before_sending() {
    let (server, provider) = setup().await;
    let missing = PassContent::builder()
        .value("discount", "5%")
        .build()
        .unwrap();
    let err = provider
        .create(NewPass::new(missing).with_template(template()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("member.name"), "{err}");
    let wrong_label = PassContent::builder()
        .field(
            walletpass_core::Field::new("member.name", "J")
                .unwrap()
                .with_label("Name"),
        )
        .build()
        .unwrap();
    let err = provider
        .create(NewPass::new(wrong_label).with_template(template()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let barcode = PassContent::builder()
        .value("member.name", "J")
        .barcode(walletpass_core::Barcode::new(walletpass_core::BarcodeFormat::Qr, "x").unwrap())
        .build()
        .unwrap();
    let err = provider
        .create(NewPass::new(barcode).with_template(template()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let content = PassContent::builder()
        .value("member.name", "J")
        .build()
        .unwrap();
    let err = provider
        .create(NewPass::new(content.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "template");
    let err = provider
        .create(
            NewPass::new(content)
                .with_template(template())
                .with_serial_number(walletpass_core::PassId::new("aaaaaaaaaaaaaaaaaa").unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn required_keys_come_from_passtypes_keys_without_specs_when_asked() {
    let server = MockServer::start().await;
    let provider = PassNinja::new(
        PassNinjaConfig::new(KEY, ACCOUNT)
            .with_base_url(format!("{}/v1", server.uri()))
            .with_fetch_required_keys(true),
    )
    .unwrap();
    // The SDKs' GET /passtypes/keys/{template} -> {"keys": [...]}; read once, then cached.
    api("GET", "/v1/passtypes/keys/ptk_0x14", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"passTemplate": "ptk_0x14", "keys": ["member.name", "member.level", "discount"]}),
        ))
        // Once for both creates (cached), once for the explicit `template_keys`.
        .expect(2)
        .mount(&server)
        .await;
    for _ in 0..2 {
        let content = PassContent::builder()
            .value("member.name", "J")
            .build()
            .unwrap();
        let err = provider
            .create(NewPass::new(content).with_template(template()))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("member.level, discount"), "{err}");
    }
    assert_eq!(
        provider.template_keys(&template()).await.unwrap(),
        ["member.name", "member.level", "discount"]
    );
}

#[tokio::test]
async fn get_pass() {
    let (server, provider) = setup().await;
    mount_get_pass(&server).await;
    let pass = provider.get(&pass_ref()).await.unwrap();
    assert_eq!(pass.status, PassStatus::Active);
    let values: Vec<(String, String, Option<String>)> = pass
        .content
        .fields
        .iter()
        .map(|f| (f.key.to_string(), f.value.to_text(), f.label.clone()))
        .collect();
    assert_eq!(
        values,
        [
            ("member.name".into(), "John".into(), Some("Member".into())),
            ("member.level".into(), "gold".into(), Some("Level".into())),
            ("discount".into(), "100%".into(), Some("Discount".into())),
        ]
    );
}

#[tokio::test]
async fn patch_pass() {
    let (server, provider) = setup().await;
    // "Patch a pass": PATCH with only the keys to change.
    api("PATCH", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"pass": {"member.name": "Ted"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("patch-pass.json")))
        .expect(1)
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    let patch = PassPatch::builder()
        .set_value("member.name", "Ted")
        .build()
        .unwrap();
    let pass = provider.patch(&pass_ref(), &patch).await.unwrap();
    assert_eq!(pass.serial_number, SERIAL);
}

#[tokio::test]
async fn write_answers_are_objects_whose_members_are_not_read() {
    // "Patch a pass" and "Update a pass" answer the pass, but the pass is read back (P15): a
    // write that was made does not fail because its answer's members have other types.
    let (server, provider) = setup().await;
    api("PATCH", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": 838, "urls": "none", "pass": [1, {"a": null}], "added": {"x": [true]}}),
        ))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    let patch = PassPatch::builder()
        .set_value("member.name", "Ted")
        .build()
        .unwrap();
    let pass = provider.patch(&pass_ref(), &patch).await.unwrap();
    assert_eq!(pass.serial_number, SERIAL);
    assert_eq!(
        pass.content.field("member.name").unwrap().value.to_text(),
        "John"
    );
    // An answer that is not an object is not the documented answer: a decode error.
    api("PATCH", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["838b8cf60dac2bfad9"])))
        .expect(1)
        .mount(&server)
        .await;
    let err = provider.patch(&pass_ref(), &patch).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert_eq!(err.operation(), Some(Operation::Patch), "{err}");
}

#[tokio::test]
async fn patch_removing_a_key_sends_its_template_default() {
    let (server, provider) = setup().await;
    // "Patch a pass": "fields that are not provided will retain their existing values", so a
    // removal is sent as the template default ("Update a pass": missing keys revert to it).
    api("PATCH", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
        .and(body_json(json!({"pass": {"discount": "0%"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("patch-pass.json")))
        .expect(1)
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    let patch = PassPatch::builder().remove("discount").build().unwrap();
    provider.patch(&pass_ref(), &patch).await.unwrap();
    // No default: refused without a request.
    let patch = PassPatch::builder().remove("member.name").build().unwrap();
    let err = provider.patch(&pass_ref(), &patch).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn update_pass() {
    let (server, provider) = setup().await;
    // "Update a pass": PUT with the whole pass object.
    api("PUT", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"pass": {"member.level": "gold", "discount": "100%", "member.name": "John"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("update-pass.json")))
        .expect(1)
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    let content = PassContent::builder()
        .value("member.level", "gold")
        .value("discount", "100%")
        .value("member.name", "John")
        .build()
        .unwrap();
    let pass = provider.put(&pass_ref(), content).await.unwrap();
    assert_eq!(
        pass.content.field("discount").unwrap().value.to_text(),
        "100%"
    );
}

#[tokio::test]
async fn delete_pass() {
    let (server, provider) = setup().await;
    // "Delete a pass": the answer is the serial as a JSON string.
    api("DELETE", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("delete-pass.json")))
        .expect(1)
        .mount(&server)
        .await;
    provider.delete(&pass_ref()).await.unwrap();
}

#[tokio::test]
async fn void_is_unsupported_and_sends_nothing() {
    let (server, provider) = setup().await;
    let err = provider.void(&pass_ref()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(!provider.capabilities().void);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn list_passes_with_page_per_page_and_search() {
    let (server, provider) = setup().await;
    // "List passes": the curl example's query, and the example answer with `meta`.
    api(
        "GET",
        "/v1/passes/ptk_0x14",
        Some("page=1&per_page=10&search=abc123"),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(fixture("list-passes.json")))
    .expect(1)
    .mount(&server)
    .await;
    let page = provider
        .list(
            &ListQuery::new()
                .template(template())
                .page_size(10)
                .search("abc123"),
        )
        .await
        .unwrap();
    assert_eq!(page.next.as_ref().map(|c| c.as_str()), Some("2"));
    let pass = &page.items[0];
    assert_eq!(pass.pass_ref, pass_ref());
    assert_eq!(pass.status, PassStatus::Active);
    assert_eq!(
        pass.created_at.unwrap().to_string(),
        "2024-04-23 10:15:00.0 +00:00:00"
    );
    assert_eq!(
        pass.installs
            .as_ref()
            .unwrap()
            .installed_at
            .unwrap()
            .to_string(),
        "2024-04-23 14:30:00.0 +00:00:00"
    );
    assert_eq!(
        pass.content.extra["recipient"],
        json!({"sms": "+15551234567", "email": "user@example.com"})
    );
}

#[tokio::test]
async fn list_follows_the_cursor_and_stops_on_the_last_page() {
    let (server, provider) = setup().await;
    // "List passes": `page` and the `meta` block (current_page, total_pages).
    let mut last = fixture("list-passes.json");
    last["meta"]["current_page"] = json!(5);
    api("GET", "/v1/passes/ptk_0x14", Some("page=5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(last))
        .expect(1)
        .mount(&server)
        .await;
    let page = provider
        .list(
            &ListQuery::new()
                .template(template())
                .cursor(walletpass_core::Cursor::new("5")),
        )
        .await
        .unwrap();
    assert_eq!(page.next, None);
    for bad in [
        ListQuery::new(),
        ListQuery::new()
            .template(template())
            .status(PassStatus::Active),
        ListQuery::new()
            .template(template())
            .cursor(walletpass_core::Cursor::new("x")),
    ] {
        assert!(provider.list(&bad).await.is_err());
    }
}

#[tokio::test]
async fn raw_and_decrypt_on_the_concrete_client() {
    let (server, provider) = setup().await;
    // "Get a pass" note: append /raw.
    api("GET", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9/raw", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"serialNumber": SERIAL})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        provider.get_raw(&pass_ref()).await.unwrap()["serialNumber"],
        SERIAL
    );
    // "Decrypt a pass": POST /v1/passes/<YOUR_TEMPLATE_ID>/decrypt with {"payload"}.
    let payload = "55166a9700250a8c51382dd16822b0c763136090b91099c16385f2961b7d9392d31b386cae133dca1b2faf10e93a1f8f26343ef56c4b35d5bf6cb8cd9ff45177e1ea070f0d4fe88887";
    api("POST", "/v1/passes/ptk_0x14/decrypt", None)
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"payload": payload})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        provider.decrypt(&template(), payload).await.unwrap(),
        json!({"ok": true})
    );
    let err = provider.decrypt(&template(), "55 16").await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "payload");
}

#[tokio::test]
async fn malformed_ids_fail_before_any_request() {
    let (server, provider) = setup().await;
    for text in ["ptk_0x14/nothex", "template/838b8cf60dac2bfad9", SERIAL] {
        let pass = PassRef::parse(text).unwrap();
        let err = provider.get(&pass).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{text}");
        assert_eq!(err.provider(), "passninja");
    }
    let err = provider
        .get_template(&TemplateId::new("ptk_14").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = provider
        .get_webhook(&WebhookId::new("abc").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn older_id_forms_are_percent_encoded_into_the_path() {
    let (server, provider) = setup().await;
    // "Get a pass" path with the older id forms of the vendor's SDK examples (crate
    // assumptions, "Serials"): a dotted template key and a UUID serial.
    api(
        "GET",
        "/v1/passes/demo.coupon/2dcf7187-4eea-42a2-aabe-d7ca5a78f3dd",
        None,
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "passTemplate": "demo.coupon", "serialNumber": "2dcf7187-4eea-42a2-aabe-d7ca5a78f3dd",
        "urls": {"landing": "https://www.passninja.com/installs/xKnNLODqz.html"},
        "pass": {"memberName": "Tasio Victoria"}
    })))
    .expect(1)
    .mount(&server)
    .await;
    let pass = provider
        .get(&PassRef::parse("demo.coupon/2dcf7187-4eea-42a2-aabe-d7ca5a78f3dd").unwrap())
        .await
        .unwrap();
    assert_eq!(pass.content.field("memberName").unwrap().label, None);
}

#[tokio::test]
async fn every_vendor_error_code_maps_to_its_kind() {
    // "Errors: Standard codes".
    for (code, status, kind) in ERROR_CODES {
        let (server, provider) = setup().await;
        api("GET", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "error": {"code": code, "message": "from the mock", "status_code": status}
            })))
            .mount(&server)
            .await;
        let err = provider.get(&pass_ref()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{code}");
        assert_eq!(err.vendor_code(), Some(code));
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.provider(), "passninja");
        assert!(!err.to_string().contains(KEY));
    }
}

#[tokio::test]
async fn rate_limited_rl1_is_retried_then_succeeds() {
    let (server, provider) = setup().await;
    // "Errors: Standard codes": RL1 429 "Rate limit exceeded".
    api("GET", "/v1/passes/ptk_0x14/838b8cf60dac2bfad9", None)
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error": {"code": "RL1", "message": "Rate limit exceeded", "status_code": 429}})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    let pass = provider.get(&pass_ref()).await.unwrap();
    assert_eq!(pass.serial_number, SERIAL);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn create_webhook_subscription() {
    let (server, provider) = setup().await;
    // "Create a webhook subscription": name, url, subscribed_events; 201 with bearer_token.
    api("POST", "/v1/webhooks", None)
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "walletpass https://example.com/passninja/webhook",
            "url": "https://example.com/passninja/webhook",
            "subscribed_events": ["pn.pass.installed", "pn.pass.uninstalled"]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("create-webhook.json")))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewWebhookSubscription::new(
        "https://example.com/passninja/webhook",
        vec![
            WebhookEventKind::PassInstalled,
            WebhookEventKind::PassUninstalled,
        ],
    )
    .unwrap();
    let created = provider.create_webhook(new).await.unwrap();
    assert_eq!(created.subscription.id.as_str(), "47");
    assert_eq!(
        created.subscription.events,
        [
            WebhookEventKind::PassInstalled,
            WebhookEventKind::PassUninstalled
        ]
    );
    assert_eq!(created.subscription.template, None);
    assert!(created.subscription.active);
    use secrecy::ExposeSecret;
    assert_eq!(created.secret.expose_secret(), "wbk_b3d6…");

    // Scoped to a template; reserved types pass through as Other.
    api("POST", "/v1/webhooks", None)
        .and(body_json(json!({
            "name": "walletpass https://example.com/hook",
            "url": "https://example.com/hook",
            "subscribed_events": ["pn.pass.scanned"],
            "pass_template": "ptk_0x14"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("create-webhook.json")))
        .expect(1)
        .mount(&server)
        .await;
    let scoped = NewWebhookSubscription::new(
        "https://example.com/hook",
        vec![WebhookEventKind::Other("pn.pass.scanned".into())],
    )
    .unwrap()
    .with_template(template());
    provider.create_webhook(scoped).await.unwrap();

    // Refused before sending: events PassNinja does not have, a caller-chosen secret.
    let bad = NewWebhookSubscription::new(
        "https://example.com/hook",
        vec![WebhookEventKind::PassVoided],
    )
    .unwrap();
    assert_eq!(
        provider.create_webhook(bad).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let mut plain = NewWebhookSubscription::new(
        "https://example.com/hook",
        vec![WebhookEventKind::PassUpdated],
    )
    .unwrap();
    plain.url = "http://example.com/hook".parse().unwrap();
    assert_eq!(
        provider
            .create_webhook(plain.clone())
            .await
            .unwrap_err()
            .field_errors()[0]
            .field,
        "url"
    );
    plain.url = "https://example.com/hook".parse().unwrap();
    plain.events.clear();
    assert_eq!(
        provider
            .create_webhook(plain)
            .await
            .unwrap_err()
            .field_errors()[0]
            .field,
        "events"
    );
    let secret = NewWebhookSubscription::new(
        "https://example.com/hook",
        vec![WebhookEventKind::PassUpdated],
    )
    .unwrap()
    .with_secret("mine".to_owned().into());
    assert_eq!(
        provider.create_webhook(secret).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

fn webhook_row() -> Value {
    let mut row = fixture("create-webhook.json");
    row.as_object_mut().unwrap().remove("bearer_token");
    row
}

#[tokio::test]
async fn list_get_delete_webhook_subscriptions() {
    let (server, provider) = setup().await;
    // "List webhook subscriptions": ?per_page=20 (page sent explicitly), pass_template filter.
    api(
        "GET",
        "/v1/webhooks",
        Some("page=1&per_page=20&pass_template=ptk_0x14"),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(
        json!({"webhooks": [webhook_row()], "page": 1, "per_page": 20, "total": 21}),
    ))
    .expect(1)
    .mount(&server)
    .await;
    let page = provider
        .list_webhooks(&ListQuery::new().page_size(20).template(template()))
        .await
        .unwrap();
    assert_eq!(page.items[0].id.as_str(), "47");
    assert_eq!(page.next.as_ref().map(|c| c.as_str()), Some("2"));
    // "per_page (default 50, max 100)": a larger page size is cut to 100 (the page-size rule
    // of every backend, `walletpass_core::paging::page_size`).
    api("GET", "/v1/webhooks", Some("page=1&per_page=100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"webhooks": [webhook_row()], "page": 1, "per_page": 100, "total": 1}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let page = provider
        .list_webhooks(&ListQuery::new().page_size(101))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next, None);
    let err = provider
        .list_webhooks(&ListQuery::new().page_size(0))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);

    // "Get a webhook subscription": GET /v1/webhooks/<ID>.
    api("GET", "/v1/webhooks/47", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(webhook_row()))
        .expect(1)
        .mount(&server)
        .await;
    let id = WebhookId::new("47").unwrap();
    let got = provider.get_webhook(&id).await.unwrap();
    assert_eq!(got.url, "https://example.com/passninja/webhook");

    // "Delete a webhook subscription": 204.
    api("DELETE", "/v1/webhooks/47", None)
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    provider.delete_webhook(&id).await.unwrap();
}

#[tokio::test]
async fn webhook_delivery_history() {
    let (server, provider) = setup().await;
    // "Inspect delivery history": GET /v1/webhooks/<ID>/results.
    api("GET", "/v1/webhooks/47/results", Some("page=1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("webhook-results.json")))
        .expect(1)
        .mount(&server)
        .await;
    let page = provider
        .webhook_deliveries(&WebhookId::new("47").unwrap(), &ListQuery::new())
        .await
        .unwrap();
    assert_eq!(page.next, None);
    let d = &page.items[0];
    assert_eq!(
        (d.id.as_str(), d.attempt, d.status_code, d.success),
        ("1820", 1, Some(200), true)
    );
    assert_eq!(d.error, None);
    assert!(d.attempted_at.is_some());
}

#[tokio::test]
async fn filters_a_listing_cannot_apply_are_refused() {
    let (server, provider) = setup().await;
    let err = provider
        .list_templates(&ListQuery::new().search("loyalty"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("search"), "{err}");
    let err = provider
        .list_webhooks(&ListQuery::new().status(PassStatus::Active))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let err = provider
        .webhook_deliveries(
            &WebhookId::new("47").unwrap(),
            &ListQuery::new().template(template()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn templates_are_paged_client_side() {
    let (server, provider) = setup().await;
    // "List pass templates": "requires no parameters and returns an array", so no query.
    let mut list = fixture("list-pass-templates.json");
    let mut second = list["pass_templates"][0].clone();
    second["id"] = json!("ptk_0x216");
    list["pass_templates"].as_array_mut().unwrap().push(second);
    api("GET", "/v1/pass_templates", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(list))
        .expect(2)
        .mount(&server)
        .await;
    let first = provider
        .list_templates(&ListQuery::new().page_size(1))
        .await
        .unwrap();
    assert_eq!(first.items[0].id.as_str(), "ptk_0x14");
    let next = first.next.unwrap();
    let rest = provider
        .list_templates(&ListQuery::new().page_size(1).cursor(next))
        .await
        .unwrap();
    assert_eq!(rest.items[0].id.as_str(), "ptk_0x216");
    assert_eq!(rest.next, None);
}

#[tokio::test]
async fn a_missing_keys_endpoint_skips_the_required_keys_check() {
    let server = MockServer::start().await;
    let provider = PassNinja::new(
        PassNinjaConfig::new(KEY, ACCOUNT)
            .with_base_url(format!("{}/v1", server.uri()))
            .with_fetch_required_keys(true),
    )
    .unwrap();
    // A bare 404 (no MR1): the SDK-only endpoint is gone; asked once, then remembered.
    api("GET", "/v1/passtypes/keys/ptk_0x14", None)
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    api("POST", "/v1/passes", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("create-pass.json")))
        .expect(2)
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    for _ in 0..2 {
        let content = PassContent::builder()
            .value("member.name", "J")
            .build()
            .unwrap();
        provider
            .create(NewPass::new(content).with_template(template()))
            .await
            .unwrap();
    }
}

/// `/passtypes/keys` is the SDKs' endpoint, not the API doc's: by default a create never asks
/// it (the vendor's own MI1 check says what a template requires), and when asked, a failure of
/// the lookup (here a 500 GE77 and a 401) never aborts the create.
#[tokio::test]
async fn create_does_not_depend_on_the_undocumented_keys_endpoint() {
    let server = MockServer::start().await;
    let by_default = PassNinja::new(
        PassNinjaConfig::new(KEY, ACCOUNT).with_base_url(format!("{}/v1", server.uri())),
    )
    .unwrap();
    api("POST", "/v1/passes", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("create-pass.json")))
        .mount(&server)
        .await;
    mount_get_pass(&server).await;
    let content = || {
        PassContent::builder()
            .value("member.name", "J")
            .value("points", 120)
            .build()
            .unwrap()
    };
    by_default
        .create(NewPass::new(content()).with_template(template()))
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests.iter().all(|r| !r.url.path().contains("passtypes")),
        "no keys lookup by default"
    );
    // "Create a pass": every value is a string, as the doc example and the CRM recipe's
    // `String(points)` send them.
    let create = requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let body: Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["pass"], json!({"member.name": "J", "points": "120"}));

    for status in [500, 401] {
        let server = MockServer::start().await;
        let asking = PassNinja::new(
            PassNinjaConfig::new(KEY, ACCOUNT)
                .with_base_url(format!("{}/v1", server.uri()))
                .with_fetch_required_keys(true),
        )
        .unwrap();
        api("GET", "/v1/passtypes/keys/ptk_0x14", None)
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "error": {"code": "GE77", "message": "Generic Error", "status_code": status}
            })))
            .mount(&server)
            .await;
        api("POST", "/v1/passes", None)
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("create-pass.json")))
            .expect(1)
            .mount(&server)
            .await;
        mount_get_pass(&server).await;
        asking
            .create(NewPass::new(content()).with_template(template()))
            .await
            .unwrap_or_else(|e| panic!("a {status} from the keys lookup aborted the create: {e}"));
    }
}

/// A number field reads back as a number where the template's spec says so (its default is a
/// number), although it travels as a string; elsewhere it reads back as the text sent.
#[tokio::test]
async fn a_number_field_reads_back_as_a_number_where_the_spec_says_so() {
    let server = MockServer::start().await;
    let specs = vec![
        FieldSpec::new("points").unwrap().with_default(0),
        FieldSpec::new("tier").unwrap().with_default("silver"),
    ];
    let provider = PassNinja::new(
        PassNinjaConfig::new(KEY, ACCOUNT)
            .with_base_url(format!("{}/v1", server.uri()))
            .with_field_specs(template(), specs),
    )
    .unwrap();
    let mut answer = fixture("get-pass.json");
    answer["pass"] = json!({"points": "120", "tier": "7", "extra": "9"});
    api("GET", &format!("/v1/passes/ptk_0x14/{SERIAL}"), None)
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    let pass = provider.get(&pass_ref()).await.unwrap();
    let value = |k: &str| pass.content.field(k).unwrap().value.clone();
    assert_eq!(value("points"), FieldValue::Number(120.into()));
    assert_eq!(value("tier"), FieldValue::Text("7".into()));
    assert_eq!(value("extra"), FieldValue::Text("9".into()));
}

#[tokio::test]
async fn debug_output_never_shows_the_api_key() {
    let (_server, provider) = setup().await;
    let shown = format!("{provider:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("x-api-key"));
}

#[tokio::test]
async fn list_without_page_returns_every_pass() {
    let (server, provider) = setup().await;
    // "List passes": "Without this parameter, all passes are returned" (no meta).
    let mut all = fixture("list-passes.json");
    all.as_object_mut().unwrap().remove("meta");
    api("GET", "/v1/passes/ptk_0x14", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(all.clone()))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/v1/passes/ptk_0x14", Some("search=838B"))
        .respond_with(ResponseTemplate::new(200).set_body_json(all))
        .expect(1)
        .mount(&server)
        .await;
    let passes = provider.list_unpaged(&template(), None).await.unwrap();
    assert_eq!(passes.len(), 1);
    assert_eq!(passes[0].pass_ref, pass_ref());
    let passes = provider
        .list_unpaged(&template(), Some("838B"))
        .await
        .unwrap();
    assert_eq!(passes[0].status, PassStatus::Active);
}

#[tokio::test]
async fn a_create_answer_that_cannot_be_decoded_never_quotes_the_bearer_token() {
    let (server, provider) = setup().await;
    // "Create a webhook subscription": "bearer_token appears here and nowhere else", so an
    // answer this crate cannot read must not be quoted into the error (nor its Debug).
    for body in [
        r#"{"id": "47", "bearer_token": "wbk_do_not_leak", "url": null}"#,
        r#"{"id": "47", "url": "https://example.com/hook", "bearer_token": "wbk_do_not_leak""#,
    ] {
        let mock = api("POST", "/v1/webhooks", None)
            .respond_with(ResponseTemplate::new(201).set_body_string(body))
            .expect(1)
            .mount_as_scoped(&server)
            .await;
        let new = NewWebhookSubscription::new(
            "https://example.com/hook",
            vec![WebhookEventKind::PassInstalled],
        )
        .unwrap();
        let err = provider.create_webhook(new).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        let mut shown = format!("{err} {err:?}");
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            shown.push_str(&format!(" {s} {s:?}"));
            source = s.source();
        }
        assert!(!shown.contains("wbk_do_not_leak"), "{shown}");
        drop(mock);
    }
}

#[tokio::test]
async fn a_create_answer_with_an_unreadable_timestamp_still_returns_the_token() {
    use secrecy::ExposeSecret;
    let (server, provider) = setup().await;
    // "Create a webhook subscription": the token is shown once ("Persist it on your side at this
    // moment"), so a vendor timestamp this crate cannot read must not lose the subscription.
    let body = r#"{"id": "47", "name": "n", "url": "https://example.com/hook", "auth_method": "bearer_token",
        "subscribed_events": ["pn.pass.installed"], "pass_template": null, "active": true,
        "created_at": "12-05-2026 18:00", "bearer_token": "wbk_kept"}"#;
    let _mock = api("POST", "/v1/webhooks", None)
        .respond_with(ResponseTemplate::new(201).set_body_string(body))
        .expect(1)
        .mount_as_scoped(&server)
        .await;
    let new = NewWebhookSubscription::new(
        "https://example.com/hook",
        vec![WebhookEventKind::PassInstalled],
    )
    .unwrap();
    let created = provider.create_webhook(new).await.unwrap();
    assert_eq!(created.secret.expose_secret(), "wbk_kept");
    assert_eq!(created.subscription.created_at, None);
}
