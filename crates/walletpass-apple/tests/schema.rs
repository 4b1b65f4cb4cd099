//! `pass.json` against a JSON Schema written from apple-wallet.md §2
//! (`tests/fixtures/pass.schema.json`): every pass the conformance suite makes (every fixture
//! of every scenario, after each create, patch, put and void) validates; and each Apple limit
//! is refused before anything is stored, naming the problem.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use secrecy::SecretString;
use walletpass_apple::Apple;
use walletpass_core::{
    Barcode, BarcodeFormat, Capabilities, CreatedWebhookSubscription, ErrorKind, Field, Link,
    ListQuery, Location, NewPass, NewTemplate, NewWebhookSubscription, Page, Pass, PassContent,
    PassPatch, PassRef, Placement, Result, Template, TemplateId, WalletProvider, WebhookDelivery,
    WebhookId, WebhookSubscription, WebhookVerifier,
};

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/pass.schema.json")).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// The Apple provider, checking the `pass.json` of every pass it writes.
#[derive(Debug)]
struct Checked {
    apple: Apple,
    checked: Mutex<Vec<String>>,
    failures: Mutex<Vec<String>>,
}

impl Checked {
    fn check(&self, pass: &Pass) {
        let json = self.apple.pass_json(&pass.pass_ref).unwrap();
        let errors: Vec<String> = validator()
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        self.checked
            .lock()
            .unwrap()
            .push(pass.serial_number.clone());
        if !errors.is_empty() {
            self.failures
                .lock()
                .unwrap()
                .push(format!("{json}: {errors:?}"));
        }
    }

    fn seen(&self, result: Result<Pass>) -> Result<Pass> {
        if let Ok(pass) = &result {
            self.check(pass);
        }
        result
    }
}

#[async_trait]
impl WalletProvider for Checked {
    fn name(&self) -> &'static str {
        self.apple.name()
    }
    fn capabilities(&self) -> &Capabilities {
        self.apple.capabilities()
    }
    async fn create(&self, pass: NewPass) -> Result<Pass> {
        self.seen(self.apple.create(pass).await)
    }
    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        self.apple.get(pass).await
    }
    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        self.seen(self.apple.patch(pass, patch).await)
    }
    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        self.seen(self.apple.put(pass, content).await)
    }
    async fn delete(&self, pass: &PassRef) -> Result<()> {
        self.apple.delete(pass).await
    }
    async fn void(&self, pass: &PassRef) -> Result<Pass> {
        self.seen(self.apple.void(pass).await)
    }
    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        self.apple.list(query).await
    }
    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>> {
        self.apple.list_templates(query).await
    }
    async fn get_template(&self, id: &TemplateId) -> Result<Template> {
        self.apple.get_template(id).await
    }
    async fn create_template(&self, template: NewTemplate) -> Result<Template> {
        self.apple.create_template(template).await
    }
    async fn delete_template(&self, id: &TemplateId) -> Result<()> {
        self.apple.delete_template(id).await
    }
    async fn create_webhook(
        &self,
        s: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        self.apple.create_webhook(s).await
    }
    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>> {
        self.apple.list_webhooks(query).await
    }
    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription> {
        self.apple.get_webhook(id).await
    }
    async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
        self.apple.delete_webhook(id).await
    }
    async fn webhook_deliveries(
        &self,
        id: &WebhookId,
        q: &ListQuery,
    ) -> Result<Page<WebhookDelivery>> {
        self.apple.webhook_deliveries(id, q).await
    }
    fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>> {
        self.apple.webhook_verifier(secret)
    }
    fn batch(&self) -> Option<&dyn walletpass_core::BatchProvider> {
        self.apple.batch()
    }
}

#[tokio::test]
async fn every_conformance_fixture_renders_a_schema_valid_pass_json() {
    let (apple, _dir) = common::provider();
    let mut template = NewTemplate::new("conformance").unwrap();
    for (key, label) in [("member", "Member"), ("points", "Points"), ("tier", "Tier")] {
        template = template
            .with_field(
                walletpass_core::FieldSpec::new(key)
                    .unwrap()
                    .with_label(label),
            )
            .unwrap();
    }
    let template = apple.create_template(template).await.unwrap();
    let checked = Arc::new(Checked {
        apple,
        checked: Mutex::new(Vec::new()),
        failures: Mutex::new(Vec::new()),
    });
    let options = provider_tests::SuiteOptions {
        fixture: provider_tests::Fixture {
            template: Some(template.id),
            ..provider_tests::Fixture::default()
        },
        skip_snapshot_check: false,
        only: Vec::new(),
        notes: Vec::new(),
    };
    let report = provider_tests::run_suite(checked.clone(), options).await;
    assert!(!report.has_failures(), "{}", report.to_table());
    assert!(
        checked.checked.lock().unwrap().len() >= 15,
        "too few passes checked"
    );
    let failures = checked.failures.lock().unwrap();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn the_richest_pass_validates_and_writes_every_part() {
    let (apple, _dir) = common::provider();
    let when = time::OffsetDateTime::from_unix_timestamp(4_102_444_800).unwrap();
    let link = Link {
        label: Some("Terms & <conditions>".into()),
        url: "https://example.com/terms".parse().unwrap(),
    };
    let content = PassContent::builder()
        .field(
            Field::new("h1", "A")
                .unwrap()
                .with_placement(Placement::Header),
        )
        .field(
            Field::new("p", 10)
                .unwrap()
                .with_label("Points")
                .with_placement(Placement::Primary),
        )
        .field(
            Field::new("d", when)
                .unwrap()
                .with_placement(Placement::Secondary)
                .with_change_message("Now %@"),
        )
        .field(Field::new("terms", vec![link]).unwrap())
        .barcode(
            Barcode::new(BarcodeFormat::Pdf417, "Grüße €")
                .unwrap()
                .with_alt_text("alt"),
        )
        .background_color("#112233")
        .label_color("rgb(1, 2, 3)")
        .organization_name("Org")
        .description("Desc")
        .logo_text("Logo")
        .relevant_date(when)
        .expiration_date(when)
        .location(Location {
            latitude: 1.0,
            longitude: 2.0,
            altitude: Some(3.0),
            relevant_text: Some("here".into()),
        })
        .extra("sharingProhibited", serde_json::json!(true))
        .extra("associatedStoreIdentifiers", serde_json::json!([123]))
        .build()
        .unwrap();
    let pass = apple.create(NewPass::new(content)).await.unwrap();
    let json = apple.pass_json(&pass.pass_ref).unwrap();
    let errors: Vec<String> = validator()
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{json}: {errors:?}");
    let card = &json["storeCard"];
    assert_eq!(
        card["backFields"][0]["attributedValue"],
        "<a href=\"https://example.com/terms\">Terms &amp; &lt;conditions&gt;</a>"
    );
    assert_eq!(card["secondaryFields"][0]["dateStyle"], "PKDateStyleMedium");
    assert_eq!(card["secondaryFields"][0]["changeMessage"], "Now %@");
    assert_eq!(json["barcodes"][0]["messageEncoding"], "utf-8");
    assert_eq!(json["labelColor"], "rgb(1, 2, 3)");
    assert_eq!(json["expirationDate"], "2100-01-01T00:00:00Z");
    assert_eq!(json["locations"][0]["relevantText"], "here");
    assert_eq!(json["sharingProhibited"], true);
}

async fn refused(apple: &Apple, content: PassContent, template: Option<TemplateId>) -> String {
    let mut new = NewPass::new(content);
    new.template = template;
    let before = apple.list(&ListQuery::new()).await.unwrap().items.len();
    let err = apple.create(new).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(
        apple.list(&ListQuery::new()).await.unwrap().items.len(),
        before,
        "stored anyway"
    );
    err.message().to_owned()
}

#[tokio::test]
async fn every_apple_limit_is_refused_before_anything_is_stored() {
    let (apple, _dir) = common::provider();
    let placed = |key: &str, p: Placement| Field::new(key, "x").unwrap().with_placement(p);
    let two_primary = PassContent::builder()
        .field(placed("a", Placement::Primary))
        .field(placed("b", Placement::Primary))
        .build()
        .unwrap();
    let msg = refused(&apple, two_primary.clone(), None).await;
    assert!(
        msg.contains("2 primary fields, a storeCard shows at most 1"),
        "{msg}"
    );

    let mut square = PassContent::builder().barcode(Barcode::new(BarcodeFormat::Qr, "Q").unwrap());
    for i in 0..3 {
        square = square.field(placed(&format!("s{i}"), Placement::Secondary));
        square = square.field(placed(&format!("x{i}"), Placement::Auxiliary));
    }
    let msg = refused(&apple, square.build().unwrap(), None).await;
    assert!(
        msg.contains("with a square barcode shows at most 4 combined"),
        "{msg}"
    );

    let mut many = PassContent::builder();
    for _ in 0..11 {
        many = many.location(Location {
            latitude: 0.0,
            longitude: 0.0,
            altitude: None,
            relevant_text: None,
        });
    }
    let msg = refused(&apple, many.build().unwrap(), None).await;
    assert!(
        msg.contains("11 locations, Apple allows at most 10"),
        "{msg}"
    );

    let link = Link {
        label: None,
        url: "https://example.com".parse().unwrap(),
    };
    let front_link = PassContent::builder()
        .field(
            Field::new("l", vec![link])
                .unwrap()
                .with_placement(Placement::Primary),
        )
        .build()
        .unwrap();
    let msg = refused(&apple, front_link, None).await;
    assert!(
        msg.contains("a link value is shown only on the back"),
        "{msg}"
    );

    let silent = PassContent::builder()
        .field(Field::new("a", "1").unwrap().with_change_message("changed"))
        .build()
        .unwrap();
    let msg = refused(&apple, silent, None).await;
    assert!(msg.contains("must contain %@"), "{msg}");

    let unknown = PassContent::builder()
        .extra("barcode", serde_json::json!({}))
        .build()
        .unwrap();
    let msg = refused(&apple, unknown, None).await;
    assert!(msg.contains("extra.barcode: not a pass.json key"), "{msg}");

    let strings = PassContent::builder()
        .extra("associatedStoreIdentifiers", serde_json::json!(["123"]))
        .build()
        .unwrap();
    let msg = refused(&apple, strings, None).await;
    assert!(msg.contains("must be array of integers"), "{msg}");

    let icon = apple.put_image(b"\x89PNG\r\n\x1a\nrest").unwrap();
    let thumb = PassContent::builder()
        .image(walletpass_core::ImageRole::Thumbnail, &icon)
        .build()
        .unwrap();
    let msg = refused(&apple, thumb, None).await;
    assert!(
        msg.contains("a storeCard does not show a thumbnail image"),
        "{msg}"
    );
    let missing = PassContent::builder()
        .image(walletpass_core::ImageRole::Icon, "img_nope")
        .build()
        .unwrap();
    let msg = refused(&apple, missing, None).await;
    assert!(msg.contains("no image 'img_nope' is stored"), "{msg}");

    // A boarding pass takes two primary fields and needs its transit type.
    let no_transit = NewTemplate::new("flight")
        .unwrap()
        .with_style("boardingPass");
    let err = apple.create_template(no_transit.clone()).await.unwrap_err();
    assert!(
        err.message()
            .contains("a boardingPass needs a transit type"),
        "{err}"
    );
    let mut flight = no_transit;
    flight
        .extra
        .insert("transitType".into(), serde_json::json!("PKTransitTypeAir"));
    let flight = apple.create_template(flight).await.unwrap();
    let pass = apple
        .create(NewPass::new(two_primary).with_template(flight.id.clone()))
        .await
        .unwrap();
    let json = apple.pass_json(&pass.pass_ref).unwrap();
    assert_eq!(json["boardingPass"]["transitType"], "PKTransitTypeAir");
    assert_eq!(
        json["boardingPass"]["primaryFields"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(validator().is_valid(&json), "{json}");
    // The template has a pass: it is not deleted.
    let err = apple.delete_template(&flight.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(apple.get_template(&flight.id).await.is_ok());
}

#[test]
fn the_schema_is_not_a_rubber_stamp() {
    let v = validator();
    let good = serde_json::json!({
        "formatVersion": 1, "passTypeIdentifier": "pass.x", "serialNumber": "1",
        "teamIdentifier": "T", "organizationName": "O", "description": "D", "storeCard": {}
    });
    assert!(v.is_valid(&good));
    for (key, value) in [
        ("formatVersion", serde_json::json!("1")),
        ("backgroundColor", serde_json::json!("#ffffff")),
        ("authenticationToken", serde_json::json!("short")),
        ("coupon", serde_json::json!({})),
        ("unknownKey", serde_json::json!(1)),
    ] {
        let mut bad = good.clone();
        bad[key] = value;
        assert!(!v.is_valid(&bad), "{key} accepted");
    }
}
