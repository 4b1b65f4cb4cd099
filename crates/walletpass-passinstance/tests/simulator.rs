#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! The backend against the Passinstance simulator: the whole lifecycle through the
//! `WalletProvider` trait (void included), a create retried after a dropped response, a batch
//! of 500 creates polled and reported per item, signed deliveries verified end to end, bundles
//! and notifications, and both auth modes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use futures::TryStreamExt;
use walletpass_core::http::RetryPolicy;
use walletpass_core::{
    Barcode, BarcodeFormat, ErrorKind, Field, FieldSpec, ListQuery, NewPass, NewTemplate,
    NewWebhookSubscription, PassContent, PassId, PassPatch, PassRef, PassStatus, TemplateId,
    WalletProvider, WalletProviderExt, WebhookEventKind,
};
use walletpass_passinstance::{
    BatchRequest, NewBundle, NotificationTarget, Passinstance, PassinstanceConfig,
};
use walletpass_sim::passinstance::{self as sim, DEMO_API_KEY, DEMO_TEMPLATE_ID, DEMO_TOKEN};
use walletpass_sim::{Deviation, Fault, RunningSim, SimConfig};

/// The test CA the simulator trusts and the receivers' certificate: the simulator, like the
/// vendor, takes only https receivers.
static TLS: std::sync::LazyLock<walletpass_sim::tls::TestTls> =
    std::sync::LazyLock::new(|| walletpass_sim::tls::TestTls::generate().unwrap());

async fn start(config: SimConfig) -> (RunningSim, sim::SimHandle, Passinstance) {
    let (running, handle) = sim::start_trusting(config, Some(&TLS.ca_pem))
        .await
        .unwrap();
    let provider = PassinstanceConfig::bearer(DEMO_TOKEN)
        .with_base_url(running.base_url())
        .build()
        .unwrap();
    (running, handle, provider)
}

fn template() -> TemplateId {
    TemplateId::new(DEMO_TEMPLATE_ID).unwrap()
}

fn member(serial: &str, name: &str, tier: &str) -> NewPass {
    let content = PassContent::builder()
        .field(Field::new("memberName", name).unwrap().with_label("Member"))
        .field(Field::new("tier", tier).unwrap().with_label("Tier"))
        .barcode(Barcode::new(BarcodeFormat::Qr, format!("{serial}-{tier}")).unwrap())
        .build()
        .unwrap();
    NewPass::new(content)
        .with_template(template())
        .with_serial_number(PassId::new(serial).unwrap())
}

#[tokio::test]
async fn the_whole_lifecycle_through_the_trait() {
    let (_sim, _, provider) = start(SimConfig::default()).await;
    let p: &dyn WalletProvider = &provider;

    let created = p
        .create(member("ORDER-1001", "Jane Doe", "Gold"))
        .await
        .unwrap();
    assert_eq!(created.serial_number, "ORDER-1001");
    assert_eq!(created.status, PassStatus::Active);
    assert!(created.links.download.is_some());
    let r = created.pass_ref.clone();
    assert_eq!(p.get(&r).await.unwrap(), created);

    // A template + serial reference reaches the same pass (A2).
    let by_serial = PassRef::in_template(template(), PassId::new("ORDER-1001").unwrap());
    assert_eq!(p.get(&by_serial).await.unwrap().pass_ref, r);

    // patch keeps what it does not name (composed: get + merge + PUT).
    let patch = PassPatch::builder()
        .set_value("tier", "Platinum")
        .relevant_date(Some(time::macros::datetime!(2026-12-15 19:00 UTC)))
        .build()
        .unwrap();
    let patched = p.patch(&r, &patch).await.unwrap();
    assert_eq!(
        patched.content.field("tier").unwrap().value,
        "Platinum".into()
    );
    assert_eq!(
        patched.content.field("tier").unwrap().label.as_deref(),
        Some("Tier")
    );
    assert_eq!(
        patched.content.field("memberName"),
        created.content.field("memberName")
    );
    assert_eq!(patched.content.barcode, created.content.barcode);
    assert!(patched.content.relevant_date.is_some());

    // put replaces: what it does not send is gone.
    let replaced = p
        .put(&r, PassContent::builder().value("tier", 3).build().unwrap())
        .await
        .unwrap();
    assert_eq!(replaced.content.fields.len(), 1);
    assert_eq!(replaced.content.field("tier").unwrap().value, 3.into());
    assert!(replaced.content.barcode.is_none());

    // Unknown keys are refused by the template's declared fields.
    let err = p
        .put(
            &r,
            PassContent::builder()
                .value("nickname", "J")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "fields.nickname");

    let page = p
        .list(&ListQuery::new().template(template()).search("order-1001"))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);

    let voided = p.void(&r).await.unwrap();
    assert_eq!(voided.status, PassStatus::Voided);
    assert_eq!(p.get(&r).await.unwrap().status, PassStatus::Voided);
    assert_eq!(p.void(&r).await.unwrap().status, PassStatus::Voided);
    let voided_only = p
        .list(&ListQuery::new().status(PassStatus::Voided))
        .await
        .unwrap();
    assert_eq!(voided_only.items.len(), 1);
    let err = p
        .patch(
            &r,
            &PassPatch::builder()
                .set_value("tier", "Gold")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);

    p.delete(&r).await.unwrap();
    assert_eq!(p.get(&r).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(p.delete(&r).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn templates_and_webhook_subscriptions_through_the_trait() {
    let (_sim, _, provider) = start(SimConfig::default()).await;
    let seeded = provider.get_template(&template()).await.unwrap();
    assert_eq!(seeded.fields.len(), 2);
    assert_eq!(seeded.fields[0].key.as_str(), "memberName");

    let mut new = NewTemplate::new("Gold members")
        .unwrap()
        .with_style("storeCard")
        .with_field(FieldSpec::new("points").unwrap().with_label("Points"))
        .unwrap();
    new.appearance.label_color = Some("#9ca3af".parse().unwrap());
    new.extra
        .insert("teamIdentifier".into(), serde_json::json!("TEAM123456789"));
    let created = provider.create_template(new).await.unwrap();
    assert!(created.id.as_str().starts_with("tpl_"));
    assert_eq!(provider.get_template(&created.id).await.unwrap(), created);
    let all: Vec<_> = provider.list_all_templates().try_collect().await.unwrap();
    assert_eq!(all.len(), 3);

    let sub = provider
        .create_webhook(
            NewWebhookSubscription::new(
                "https://example.com/hooks/passinstance",
                vec![WebhookEventKind::PassCreated],
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let read = provider.get_webhook(&sub.subscription.id).await.unwrap();
    assert_eq!(read, sub.subscription);
    let err = provider
        .create_webhook(
            NewWebhookSubscription::new(
                "https://example.com/h",
                vec![WebhookEventKind::PassInstalled],
            )
            .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn list_all_walks_every_page_once() {
    let (_sim, _, provider) = start(SimConfig::default()).await;
    for n in 0..23 {
        provider
            .create(member(&format!("L-{n:02}"), "Jane", "Gold"))
            .await
            .unwrap();
    }
    let all: Vec<_> = provider
        .list_all(ListQuery::new().page_size(5))
        .try_collect()
        .await
        .unwrap();
    let mut serials: Vec<_> = all.iter().map(|p| p.serial_number.clone()).collect();
    serials.dedup();
    assert_eq!(serials.len(), 23);
}

#[tokio::test]
async fn a_create_retried_after_a_dropped_response_makes_one_pass() {
    // A5: the vendor applied the create but the answer was lost; the retry meets a 409 and the
    // existing, identical pass is returned.
    let (sim, handle, _) = start(SimConfig {
        drop_rate: 0.5,
        seed: 7,
        ..SimConfig::default()
    })
    .await;
    let provider = PassinstanceConfig::bearer(DEMO_TOKEN)
        .with_base_url(sim.base_url())
        .with_retry(RetryPolicy {
            max_attempts: 12,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    for n in 0..10 {
        let serial = format!("DROP-{n}");
        let pass = provider
            .create(member(&serial, "Jane Doe", "Gold"))
            .await
            .unwrap();
        assert_eq!(pass.serial_number, serial);
    }
    let dropped_creates = sim
        .log()
        .entries()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/passes"))
        .filter(|r| r.fault == Some(Fault::DropResponse))
        .count();
    assert!(dropped_creates > 0, "the seed dropped no create answer");
    assert_eq!(handle.pass_count(), 10);
}

#[tokio::test]
async fn a_batch_of_500_creates_is_polled_and_reported_per_item() {
    // "Run high-volume pass operations and poll job state" (A11).
    let (sim, handle, provider) = start(SimConfig::default()).await;
    let mut passes: Vec<NewPass> = (0..500)
        .map(|n| member(&format!("BULK-{n:03}"), &format!("Member {n}"), "Gold"))
        .collect();
    // Item 10 takes item 3's serial with different content: a conflict, reported for item 10.
    passes[10] = member("BULK-003", "Someone Else", "Silver");
    // Item 20 uses a key the template does not declare: the vendor's 422, for item 20 only.
    passes[20].content = PassContent::builder()
        .value("nickname", "J")
        .build()
        .unwrap();
    let outcomes = provider
        .run_batch(BatchRequest::Create(passes))
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 500);
    for (i, outcome) in outcomes.iter().enumerate() {
        match i {
            10 => assert_eq!(outcome.as_ref().unwrap_err().kind(), ErrorKind::Conflict),
            20 => {
                let err = outcome.as_ref().unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidInput);
                assert_eq!(err.field_errors()[0].field, "fields.nickname");
            }
            _ => {
                let pass = outcome.as_ref().unwrap().as_ref().unwrap();
                assert_eq!(pass.serial_number, format!("BULK-{i:03}"));
            }
        }
    }
    assert_eq!(handle.pass_count(), 498);
    let polls = sim
        .log()
        .entries()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/batch/"))
        .count();
    assert!(polls >= 2, "the job was polled {polls} times");

    // The trait's bulk path, run again over the same passes: identical ones come back as they are.
    let again: Vec<NewPass> = (0..5)
        .map(|n| member(&format!("BULK-{n:03}"), &format!("Member {n}"), "Gold"))
        .collect();
    let results = provider.batch().unwrap().create_many(again).await.unwrap();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(handle.pass_count(), 498);

    // Void and delete in bulk.
    let refs: Vec<PassRef> = outcomes[..3]
        .iter()
        .map(|o| o.as_ref().unwrap().as_ref().unwrap().pass_ref.clone())
        .collect();
    let voided = provider
        .run_batch(BatchRequest::Void(refs.clone()))
        .await
        .unwrap();
    assert!(
        voided
            .iter()
            .all(|o| { o.as_ref().unwrap().as_ref().unwrap().status == PassStatus::Voided })
    );
    let deleted = provider
        .run_batch(BatchRequest::Delete(refs))
        .await
        .unwrap();
    assert!(deleted.iter().all(|o| matches!(o, Ok(None))));
    assert_eq!(handle.pass_count(), 495);
}

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, Bytes)>>>);

async fn receiver() -> (String, Received) {
    let received = Received::default();
    let state = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                state.0.lock().unwrap().push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    TLS.identity().serve(listener, app).unwrap();
    (url, received)
}

async fn first_delivery(received: &Received) -> (HeaderMap, Bytes) {
    for _ in 0..200 {
        if let Some(hit) = received.0.lock().unwrap().first().cloned() {
            return hit;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no delivery arrived");
}

#[tokio::test]
async fn simulator_deliveries_verify_with_the_subscription_secret() {
    for deviate in [false, true] {
        let config = SimConfig {
            deviations: if deviate {
                [Deviation::WrongWebhookSecret].into()
            } else {
                Default::default()
            },
            ..SimConfig::default()
        };
        let (_sim, _, provider) = start(config).await;
        let (url, received) = receiver().await;
        let sub = provider
            .create_webhook(
                NewWebhookSubscription::new(&url, vec![WebhookEventKind::PassCreated]).unwrap(),
            )
            .await
            .unwrap();
        let pass = provider
            .create(member("HOOK-1", "Jane Doe", "Gold"))
            .await
            .unwrap();
        let (headers, body) = first_delivery(&received).await;
        let verifier = provider.webhook_verifier(sub.secret.clone()).unwrap();
        let outcome = verifier.verify(&headers, &body);
        if deviate {
            assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Unauthorized);
        } else {
            let event = outcome.unwrap();
            assert_eq!(event.kind, WebhookEventKind::PassCreated);
            assert_eq!(event.pass.unwrap(), pass.pass_ref);
            assert_eq!(event.fields["tier"], "Gold");
            assert_eq!(event.attempt, Some(1));
        }
    }
}

#[tokio::test]
async fn bundles_and_notifications_against_the_simulator() {
    let (_sim, _, provider) = start(SimConfig::default()).await;
    let a = provider
        .create(member("B-1", "Jane", "Gold"))
        .await
        .unwrap();
    let b = provider
        .create(member("B-2", "John", "Gold"))
        .await
        .unwrap();
    let bundle = provider
        .create_bundle(
            NewBundle::new(
                "Order 1001",
                vec![a.pass_ref.id.clone(), b.pass_ref.id.clone()],
            )
            .with_description("Two tickets"),
        )
        .await
        .unwrap();
    assert_eq!(bundle.pass_ids.len(), 2);
    assert!(bundle.download_url.is_some());
    let sent = provider
        .send_notification(
            NotificationTarget::Bundle(bundle.id.clone()),
            "Doors open at 7",
        )
        .await
        .unwrap();
    assert_eq!(sent.recipients, Some(2));
    provider
        .send_notification(NotificationTarget::Pass(a.pass_ref.id.clone()), "Hello")
        .await
        .unwrap();
    let listed = provider
        .list_notifications(&ListQuery::new())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    assert_eq!(
        provider
            .list_bundles(&ListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let err = provider
        .send_notification(
            NotificationTarget::Pass(PassId::new("pass_0000000000000000").unwrap()),
            "x",
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn both_auth_modes_and_their_failures_against_the_simulator() {
    let (sim, _, _) = start(SimConfig::default()).await;
    let by_key = PassinstanceConfig::api_key(DEMO_API_KEY)
        .with_base_url(sim.base_url())
        .build()
        .unwrap();
    by_key.create(member("K-1", "Jane", "Gold")).await.unwrap();
    let read_only = PassinstanceConfig::api_key(sim::READ_ONLY_API_KEY)
        .with_base_url(sim.base_url())
        .build()
        .unwrap();
    assert!(read_only.list(&ListQuery::new()).await.is_ok());
    let err = read_only
        .create(member("K-2", "Jane", "Gold"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let wrong = PassinstanceConfig::bearer("not-a-token")
        .with_base_url(sim.base_url())
        .build()
        .unwrap();
    let err = wrong.list(&ListQuery::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(!err.to_string().contains("not-a-token"));
}

#[tokio::test]
async fn the_simulators_rate_limit_is_waited_out() {
    // "Abuse protection": back off when retry guidance is returned.
    let (_sim, _, provider) = start(SimConfig {
        rps: Some(3.0),
        ..SimConfig::default()
    })
    .await;
    for _ in 0..6 {
        provider.list(&ListQuery::new()).await.unwrap();
    }
}

#[tokio::test]
async fn more_items_than_one_job_takes_are_split() {
    let (sim, handle, provider) = start(SimConfig::default()).await;
    let count = walletpass_passinstance::MAX_BATCH_ITEMS + 1;
    let passes: Vec<NewPass> = (0..count)
        .map(|n| member(&format!("SPLIT-{n:04}"), "Jane", "Gold"))
        .collect();
    let outcomes = provider
        .run_batch(BatchRequest::Create(passes))
        .await
        .unwrap();
    assert_eq!(outcomes.len(), count);
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(
        outcomes[count - 1]
            .as_ref()
            .unwrap()
            .as_ref()
            .unwrap()
            .serial_number,
        format!("SPLIT-{:04}", count - 1)
    );
    assert_eq!(handle.pass_count(), count);
    let jobs = sim
        .log()
        .entries()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/batch"))
        .count();
    assert_eq!(jobs, 2);
}
