#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! The whole lifecycle through the `WalletProvider` trait against the PassNinja simulator:
//! templates, create, get with labels, patch, put, list across pages, search, delete, get after
//! delete; error kinds; webhook subscriptions with a delivery verified end to end.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use walletpass_core::http::RetryPolicy;
use walletpass_core::{
    ErrorKind, FieldSpec, FieldValue, ListQuery, NewPass, NewTemplate, NewWebhookSubscription,
    PassContent, PassPatch, PassRef, PassStatus, Placement, Platform, TemplateId, WalletProvider,
    WalletProviderExt, WebhookEventKind,
};
use walletpass_passninja::{PassNinja, PassNinjaConfig};
use walletpass_sim::SimConfig;
use walletpass_sim::passninja::{
    self, DEMO_ACCOUNT_ID, DEMO_API_KEY, DEMO_TEMPLATE_ID, OTHER_SERIAL, OTHER_TEMPLATE_ID,
    PassNinjaOptions, PassNinjaSim,
};

fn template() -> TemplateId {
    TemplateId::new(DEMO_TEMPLATE_ID).unwrap()
}

/// `ptk_0x14` as the simulator's dashboard defines it.
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

async fn start(config: SimConfig) -> (PassNinjaSim, PassNinja) {
    let options = PassNinjaOptions {
        retry_base: Duration::from_millis(10),
        retry_cap: Duration::from_millis(20),
        trust_ca_pem: Some(tls().ca_pem.clone()),
        ..PassNinjaOptions::default()
    };
    let sim = passninja::launch(config, options).await.unwrap();
    let provider = PassNinja::new(
        PassNinjaConfig::new(DEMO_API_KEY, DEMO_ACCOUNT_ID)
            .with_base_url(sim.base_url())
            .with_field_specs(template(), specs())
            .with_retry(RetryPolicy {
                max_attempts: 4,
                initial_backoff: Duration::from_millis(20),
                max_backoff: Duration::from_secs(2),
                budget: Duration::from_secs(20),
                jitter: false,
            }),
    )
    .unwrap();
    (sim, provider)
}

fn content(name: &str, level: &str, discount: &str) -> PassContent {
    PassContent::builder()
        .value("member.name", name)
        .value("member.level", level)
        .value("discount", discount)
        .build()
        .unwrap()
}

fn text(pass: &walletpass_core::Pass, key: &str) -> String {
    pass.content.field(key).unwrap().value.to_text()
}

#[tokio::test]
async fn lifecycle_through_the_trait() {
    let (_sim, provider) = start(SimConfig::default()).await;
    let provider: Arc<dyn WalletProvider> = Arc::new(provider);

    // Templates: create, get, list, delete.
    let created = provider
        .create_template(
            NewTemplate::new("Loyalty Card")
                .unwrap()
                .with_platform(Platform::Apple)
                .with_style("storeCard"),
        )
        .await
        .unwrap();
    assert_eq!(created.id.as_str(), "ptk_0x216");
    assert_eq!(
        provider.get_template(&created.id).await.unwrap().name,
        "Loyalty Card"
    );
    let all: Vec<_> = provider.list_all_templates().try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
    provider.delete_template(&created.id).await.unwrap();
    assert_eq!(
        provider.get_template(&created.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let demo = provider.get_template(&template()).await.unwrap();
    assert_eq!(demo.fields, specs());

    // Create, then get with labels and placements.
    let pass = provider
        .create(NewPass::new(content("John", "silver", "50%")).with_template(template()))
        .await
        .unwrap();
    assert_eq!(pass.serial_number.len(), 18);
    let got = provider.get(&pass.pass_ref).await.unwrap();
    assert_eq!(got.content, pass.content);
    let level = got.content.field("member.level").unwrap();
    assert_eq!(level.label.as_deref(), Some("Level"));
    assert_eq!(level.placement, Some(Placement::Secondary));
    assert_eq!(got.status, PassStatus::Active);

    // Patch changes only the named key.
    let patch = PassPatch::builder()
        .set_value("member.name", "Ted")
        .build()
        .unwrap();
    let patched = provider.patch(&pass.pass_ref, &patch).await.unwrap();
    assert_eq!(
        (
            text(&patched, "member.name"),
            text(&patched, "member.level"),
            text(&patched, "discount")
        ),
        ("Ted".into(), "silver".into(), "50%".into())
    );

    // Put replaces: the keys left out revert to the template's defaults.
    let only_name = PassContent::builder()
        .value("member.name", "John")
        .value("member.level", "gold")
        .build()
        .unwrap();
    let put = provider.put(&pass.pass_ref, only_name).await.unwrap();
    assert_eq!(text(&put, "discount"), "0%");
    assert_eq!(text(&put, "member.level"), "gold");

    // Numbers go on the wire as strings, as every doc example sends them ("Create a pass",
    // the CRM recipe's `String(points)`); `discount`'s spec says text (its default is "0%"),
    // so it reads back as text.
    let patch = PassPatch::builder()
        .set_value("discount", 15)
        .build()
        .unwrap();
    let patched = provider.patch(&pass.pass_ref, &patch).await.unwrap();
    assert_eq!(
        patched.content.field("discount").unwrap().value,
        FieldValue::Text("15".into())
    );

    // List across pages: every pass exactly once.
    let mut expected = BTreeSet::from([
        pass.serial_number.clone(),
        passninja::DEMO_SERIAL.to_owned(),
    ]);
    for i in 0..5 {
        let p = provider
            .create(
                NewPass::new(content(&format!("m{i}"), "silver", "1%")).with_template(template()),
            )
            .await
            .unwrap();
        expected.insert(p.serial_number);
    }
    let query = ListQuery::new().template(template()).page_size(2);
    let first = provider.list(&query).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert!(first.next.is_some());
    let listed: Vec<_> = provider.list_all(query).try_collect().await.unwrap();
    let serials: Vec<String> = listed.iter().map(|p| p.serial_number.clone()).collect();
    assert_eq!(serials.len(), expected.len(), "{serials:?}");
    assert_eq!(serials.iter().cloned().collect::<BTreeSet<_>>(), expected);

    // Search: case-insensitive partial match on the serial.
    let needle = pass.serial_number[2..10].to_uppercase();
    let found = provider
        .list(&ListQuery::new().template(template()).search(needle))
        .await
        .unwrap();
    assert!(found.items.iter().any(|p| p.pass_ref == pass.pass_ref));

    // Delete; then get is NotFound (MR2), and so is a second delete.
    provider.delete(&pass.pass_ref).await.unwrap();
    let err = provider.get(&pass.pass_ref).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.vendor_code(), Some("MR2"));
    assert_eq!(
        provider.delete(&pass.pass_ref).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // Void is declared unsupported and answers so, leaving the pass alone.
    let other = PassRef::parse(&format!("{DEMO_TEMPLATE_ID}/{}", passninja::DEMO_SERIAL)).unwrap();
    assert_eq!(
        provider.void(&other).await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert!(provider.get(&other).await.is_ok());
}

#[tokio::test]
async fn list_reports_install_status() {
    let (sim, provider) = start(SimConfig::default()).await;
    let pass = provider
        .create(NewPass::new(content("A", "gold", "1%")).with_template(template()))
        .await
        .unwrap();
    assert!(sim.install(DEMO_TEMPLATE_ID, &pass.serial_number));
    assert!(sim.uninstall(DEMO_TEMPLATE_ID, &pass.serial_number));
    let page = provider
        .list(
            &ListQuery::new()
                .template(template())
                .search(pass.serial_number.clone()),
        )
        .await
        .unwrap();
    let listed = &page.items[0];
    assert_eq!(listed.status, PassStatus::Removed);
    assert!(listed.installs.as_ref().unwrap().installed_at.is_some());
}

#[tokio::test]
async fn error_kinds_from_the_simulator() {
    let (_sim, provider) = start(SimConfig::default()).await;
    // UA2: another account's pass.
    let theirs = PassRef::parse(&format!("{OTHER_TEMPLATE_ID}/{OTHER_SERIAL}")).unwrap();
    let err = provider.get(&theirs).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.vendor_code()),
        (ErrorKind::Forbidden, Some("UA2"))
    );
    // MR1: a template that does not exist.
    let err = provider
        .create(
            NewPass::new(PassContent::builder().value("x", "y").build().unwrap())
                .with_template(TemplateId::new("ptk_0xfff").unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.vendor_code()),
        (ErrorKind::NotFound, Some("MR1"))
    );
    // MI1: a key outside the schema.
    let patch = PassPatch::builder()
        .set_value("points", "5")
        .build()
        .unwrap();
    let demo = PassRef::parse(&format!("{DEMO_TEMPLATE_ID}/{}", passninja::DEMO_SERIAL)).unwrap();
    let err = provider.patch(&demo, &patch).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.vendor_code()),
        (ErrorKind::InvalidInput, Some("MI1"))
    );
    // UA1: wrong credentials.
    let (sim, _) = start(SimConfig::default()).await;
    let wrong = PassNinja::new(
        PassNinjaConfig::new("00000000000000000000000000000000", DEMO_ACCOUNT_ID)
            .with_base_url(sim.base_url()),
    )
    .unwrap();
    let err = wrong.get(&demo).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.vendor_code()),
        (ErrorKind::Unauthorized, Some("UA1"))
    );
}

#[tokio::test]
async fn rate_limited_requests_are_retried() {
    let (_sim, provider) = start(SimConfig {
        rps: Some(2.0),
        ..SimConfig::default()
    })
    .await;
    let demo = PassRef::parse(&format!("{DEMO_TEMPLATE_ID}/{}", passninja::DEMO_SERIAL)).unwrap();
    for _ in 0..4 {
        provider.get(&demo).await.unwrap();
    }
}

#[tokio::test]
async fn webhook_subscription_and_a_verified_delivery() {
    let (sim, provider) = start(SimConfig::default()).await;
    let received: Arc<Mutex<Vec<(http::HeaderMap, bytes::Bytes)>>> = Arc::default();
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: http::HeaderMap, body: bytes::Bytes| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    // PassNinja refuses http:// receivers: serve https with a certificate the simulator trusts.
    let (base, _server) = tls().identity().serve_loopback(app).await.unwrap();
    let url = format!("{base}/hook");

    let created = provider
        .create_webhook(
            NewWebhookSubscription::new(&url, vec![WebhookEventKind::PassUpdated])
                .unwrap()
                .with_template(template()),
        )
        .await
        .unwrap();
    let id = created.subscription.id.clone();
    assert_eq!(
        provider.get_webhook(&id).await.unwrap(),
        created.subscription
    );
    let listed = provider
        .list_webhooks(&ListQuery::new().template(template()))
        .await
        .unwrap();
    assert_eq!(listed.items, std::slice::from_ref(&created.subscription));

    let demo = PassRef::parse(&format!("{DEMO_TEMPLATE_ID}/{}", passninja::DEMO_SERIAL)).unwrap();
    let patch = PassPatch::builder()
        .set_value("member.name", "Ted")
        .build()
        .unwrap();
    provider.patch(&demo, &patch).await.unwrap();
    for _ in 0..200 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (headers, body) = received.lock().unwrap()[0].clone();
    let verifier = provider.webhook_verifier(created.secret.clone()).unwrap();
    let event = verifier.verify(&headers, &body).unwrap();
    assert_eq!(event.kind, WebhookEventKind::PassUpdated);
    assert_eq!(event.pass, Some(demo));
    assert_eq!(event.fields["member.name"], "Ted");
    let other = provider
        .webhook_verifier(walletpass_core::SecretString::from("wbk_wrong"))
        .unwrap();
    assert_eq!(
        other.verify(&headers, &body).unwrap_err().kind(),
        ErrorKind::Unauthorized
    );

    for _ in 0..100 {
        if !sim.webhook_results().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deliveries = provider
        .webhook_deliveries(&id, &ListQuery::new())
        .await
        .unwrap();
    assert_eq!(deliveries.items.len(), 1);
    assert!(deliveries.items[0].success);
    assert_eq!(deliveries.items[0].status_code, Some(200));

    provider.delete_webhook(&id).await.unwrap();
    assert_eq!(
        provider.get_webhook(&id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn put_leaves_keys_without_a_default_unset() {
    let (_sim, provider) = start(SimConfig::default()).await;
    let pass = provider
        .create(NewPass::new(content("Ann", "gold", "5%")).with_template(template()))
        .await
        .unwrap();
    let level_only = PassContent::builder()
        .value("member.level", "bronze")
        .build()
        .unwrap();
    let put = provider.put(&pass.pass_ref, level_only).await.unwrap();
    // member.name's template default is empty: the field is absent; discount's is "0%".
    assert!(put.content.field("member.name").is_none());
    assert_eq!(text(&put, "discount"), "0%");
    assert_eq!(text(&put, "member.level"), "bronze");
}

/// The test CA and receiver certificate, made once per test binary.
fn tls() -> &'static walletpass_sim::tls::TestTls {
    static TLS: std::sync::OnceLock<walletpass_sim::tls::TestTls> = std::sync::OnceLock::new();
    TLS.get_or_init(|| walletpass_sim::tls::TestTls::generate().unwrap())
}
