//! The memory provider, the reference semantics: every operation, pagination under concurrent
//! inserts, and `list_all`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::TryStreamExt;
use secrecy::{ExposeSecret, SecretString};
use walletpass_core::*;

fn content(points: i64) -> PassContent {
    PassContent::builder()
        .field(Field::new("points", points).unwrap().with_label("Points"))
        .value("tier", "Silver")
        .barcode(Barcode::new(BarcodeFormat::Qr, "M-1").unwrap())
        .build()
        .unwrap()
}

async fn template(p: &MemoryProvider) -> Template {
    let new = NewTemplate::new("Members")
        .unwrap()
        .with_field(
            FieldSpec::new("points")
                .unwrap()
                .with_label("Points")
                .with_placement(Placement::Header)
                .with_default(0),
        )
        .unwrap()
        .with_field(
            FieldSpec::new("tier")
                .unwrap()
                .with_label("Tier")
                .required(),
        )
        .unwrap();
    p.create_template(new).await.unwrap()
}

#[tokio::test]
async fn create_get_patch_put_void_delete() {
    let p = MemoryProvider::new();
    let created = p.create(NewPass::new(content(100))).await.unwrap();
    assert_eq!(created.status, PassStatus::Active);
    assert_eq!(p.get(&created.pass_ref).await.unwrap(), created);

    let patch = PassPatch::builder()
        .set_value("points", 150)
        .build()
        .unwrap();
    let patched = p.patch(&created.pass_ref, &patch).await.unwrap();
    assert_eq!(patched.content.field("points").unwrap().value, 150.into());
    assert_eq!(
        patched.content.field("points").unwrap().label.as_deref(),
        Some("Points")
    );
    assert_eq!(patched.content.field("tier"), created.content.field("tier"));
    assert_eq!(patched.content.barcode, created.content.barcode);

    let replaced = p
        .put(
            &created.pass_ref,
            PassContent::builder().value("only", "x").build().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(replaced.content.fields.len(), 1);
    assert!(replaced.content.barcode.is_none());

    let voided = p.void(&created.pass_ref).await.unwrap();
    assert_eq!(voided.status, PassStatus::Voided);
    assert_eq!(
        p.get(&created.pass_ref).await.unwrap().status,
        PassStatus::Voided
    );

    p.delete(&created.pass_ref).await.unwrap();
    assert_eq!(
        p.get(&created.pass_ref).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        p.delete(&created.pass_ref).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(p.get_or_none(&created.pass_ref).await.unwrap().is_none());
}

#[tokio::test]
async fn malformed_and_unknown_ids_are_told_apart() {
    let p = MemoryProvider::new();
    // An id that would change a URL path is malformed before any backend sees it.
    assert!(PassId::new("bad/id").is_err());
    let bad = PassRef::new(PassId::new("bad!id").unwrap());
    let err = p.get(&bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("bad!id"), "{err}");
    let unknown = PassRef::new(PassId::new("nope").unwrap());
    let err = p.get(&unknown).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.resource(), Some("nope"));
}

#[tokio::test]
async fn templates_give_labels_defaults_and_reject_unknown_keys() {
    let p = MemoryProvider::new();
    let t = template(&p).await;
    let new = NewPass::new(
        PassContent::builder()
            .value("tier", "Gold")
            .build()
            .unwrap(),
    )
    .with_template(t.id.clone());
    let pass = p.create(new).await.unwrap();
    let tier = pass.content.field("tier").unwrap();
    assert_eq!(tier.label.as_deref(), Some("Tier"));
    let points = pass.content.field("points").unwrap();
    assert_eq!(points.value, 0.into());
    assert_eq!(points.placement, Some(Placement::Header));

    let bad = NewPass::new(
        PassContent::builder()
            .value("tier", "Gold")
            .value("color", "red")
            .build()
            .unwrap(),
    )
    .with_template(t.id.clone());
    let err = p.create(bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "fields[color]");

    let missing = NewPass::new(PassContent::builder().value("points", 1).build().unwrap())
        .with_template(t.id.clone());
    let err = p.create(missing).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "fields[tier]");

    // Put reverts the omitted field to its default.
    let patch = PassPatch::builder()
        .set_value("points", 50)
        .build()
        .unwrap();
    p.patch(&pass.pass_ref, &patch).await.unwrap();
    let put = p
        .put(
            &pass.pass_ref,
            PassContent::builder()
                .value("tier", "Bronze")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(put.content.field("points").unwrap().value, 0.into());

    let unknown_template =
        NewPass::new(content(1)).with_template(TemplateId::new("tpl_none").unwrap());
    assert_eq!(
        p.create(unknown_template).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn template_lifecycle() {
    let p = MemoryProvider::new();
    let t = template(&p).await;
    assert_eq!(p.get_template(&t.id).await.unwrap(), t);
    let all: Vec<Template> = p.list_all_templates().try_collect().await.unwrap();
    assert_eq!(all, vec![t.clone()]);
    p.delete_template(&t.id).await.unwrap();
    assert_eq!(
        p.get_template(&t.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        p.delete_template(&t.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn a_retried_create_with_the_same_serial_returns_the_same_pass() {
    let p = MemoryProvider::new();
    let serial = PassId::new("ORDER-1001").unwrap();
    let new = NewPass::new(content(1)).with_serial_number(serial.clone());
    let first = p.create(new.clone()).await.unwrap();
    let again = p.create(new).await.unwrap();
    assert_eq!(first, again);
    let differing = NewPass::new(content(2)).with_serial_number(serial);
    assert_eq!(
        p.create(differing).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    let all: Vec<Pass> = p.list_all(ListQuery::new()).try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn search_and_status_filter() {
    let p = MemoryProvider::new();
    let a = p
        .create(NewPass::new(
            PassContent::builder()
                .value("name", "Jane Doe")
                .build()
                .unwrap(),
        ))
        .await
        .unwrap();
    p.create(NewPass::new(
        PassContent::builder()
            .value("name", "John Roe")
            .build()
            .unwrap(),
    ))
    .await
    .unwrap();
    let page = p.list(&ListQuery::new().search("jane")).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].pass_ref, a.pass_ref);
    p.void(&a.pass_ref).await.unwrap();
    let voided = p
        .list(&ListQuery::new().status(PassStatus::Voided))
        .await
        .unwrap();
    assert_eq!(voided.items.len(), 1);
}

#[tokio::test]
async fn pagination_never_repeats_or_skips_while_passes_are_added() {
    let p = Arc::new(MemoryProvider::new());
    let mut before = BTreeSet::new();
    for i in 0..40 {
        before.insert(
            p.create(NewPass::new(content(i)))
                .await
                .unwrap()
                .pass_ref
                .id,
        );
    }
    let writer = {
        let p = Arc::clone(&p);
        tokio::spawn(async move {
            for i in 0..40 {
                p.create(NewPass::new(content(1000 + i))).await.unwrap();
                tokio::task::yield_now().await;
            }
        })
    };
    let mut seen = Vec::new();
    let mut query = ListQuery::new().page_size(3);
    loop {
        let page = p.list(&query).await.unwrap();
        seen.extend(page.items.into_iter().map(|x| x.pass_ref.id));
        tokio::task::yield_now().await;
        match page.next {
            Some(next) => query = query.cursor(next),
            None => break,
        }
    }
    writer.await.unwrap();
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a pass was listed twice");
    assert!(
        before.is_subset(&unique),
        "a pass that existed before the walk was skipped"
    );
}

#[tokio::test]
async fn list_all_walks_every_page() {
    let p = MemoryProvider::new();
    for i in 0..11 {
        p.create(NewPass::new(content(i))).await.unwrap();
    }
    let all: Vec<Pass> = p
        .list_all(ListQuery::new().page_size(4))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 11);
    let bad = p
        .list(&ListQuery::new().cursor(Cursor::new("zzz")))
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn webhook_lifecycle_records_deliveries_and_returns_the_secret_once() {
    let p = MemoryProvider::new();
    let sub = NewWebhookSubscription::new(
        "https://example.com/hooks",
        vec![WebhookEventKind::PassCreated, WebhookEventKind::PassVoided],
    )
    .unwrap();
    let created = p.create_webhook(sub).await.unwrap();
    assert!(created.secret.expose_secret().starts_with("whsec_"));
    assert!(!format!("{created:?}").contains(created.secret.expose_secret()));
    let id = created.subscription.id.clone();
    assert_eq!(p.get_webhook(&id).await.unwrap(), created.subscription);
    assert_eq!(
        p.list_webhooks(&ListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    let pass = p.create(NewPass::new(content(1))).await.unwrap();
    p.patch(
        &pass.pass_ref,
        &PassPatch::builder().set_value("points", 2).build().unwrap(),
    )
    .await
    .unwrap();
    p.void(&pass.pass_ref).await.unwrap();
    let deliveries = p.webhook_deliveries(&id, &ListQuery::new()).await.unwrap();
    let kinds: Vec<_> = deliveries
        .items
        .iter()
        .filter_map(|d| d.kind.clone())
        .collect();
    assert_eq!(
        kinds,
        [WebhookEventKind::PassCreated, WebhookEventKind::PassVoided]
    );

    p.delete_webhook(&id).await.unwrap();
    assert_eq!(
        p.get_webhook(&id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn inbound_events_verify_with_the_right_secret_only() {
    let p = MemoryProvider::new();
    let secret = SecretString::from("whsec_test");
    let event = WebhookEvent {
        id: "evt_1".into(),
        kind: WebhookEventKind::PassUpdated,
        provider: "memory".into(),
        occurred_at: None,
        pass: Some(PassRef::new(PassId::new("abc").unwrap())),
        fields: Default::default(),
        attempt: Some(1),
        raw: serde_json::Value::Null,
    };
    let (headers, body) = p.signed_delivery(&event, secret.clone()).unwrap();
    let verified = p
        .webhook_verifier(secret)
        .unwrap()
        .verify(&headers, &body)
        .unwrap();
    assert_eq!(verified.id, "evt_1");
    assert_eq!(verified.kind, WebhookEventKind::PassUpdated);
    let wrong = p.webhook_verifier(SecretString::from("other")).unwrap();
    let err = wrong.verify(&headers, &body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    let err = wrong.verify(&::http::HeaderMap::new(), &body).unwrap_err();
    assert!(err.message().contains("missing"), "{err}");
}

#[tokio::test]
async fn batch_creates_report_per_item() {
    let p = MemoryProvider::new();
    let serial = PassId::new("dup").unwrap();
    let results = p
        .batch()
        .unwrap()
        .create_many(vec![
            NewPass::new(content(1)).with_serial_number(serial.clone()),
            NewPass::new(content(2)).with_serial_number(serial),
        ])
        .await
        .unwrap();
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn arc_and_box_forward_every_call() {
    let boxed: Box<dyn WalletProvider> = Box::new(MemoryProvider::new());
    let arc: Arc<dyn WalletProvider> = Arc::new(boxed);
    let pass = arc.create(NewPass::new(content(1))).await.unwrap();
    assert_eq!(arc.get(&pass.pass_ref).await.unwrap(), pass);
    assert_eq!(arc.name(), "memory");
    assert!(arc.capabilities().void);
}
