//! The ubpass backend against the ubpass simulator: the whole lifecycle through the
//! `WalletProvider` trait (create, get, list across several cursor pages, search, patch, put,
//! delete), the composed patch proven on the wire, and the inherent uploads, notifications and
//! locations.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::collections::BTreeSet;

use futures::TryStreamExt;
use serde_json::json;
use walletpass_core::http::RetryPolicy;
use walletpass_core::{
    Barcode, BarcodeFormat, ErrorKind, Field, FieldValue, ImageRole, Link, ListQuery, Location,
    NewPass, PassContent, PassId, PassPatch, PassRef, PassStatus, Placement, WalletProvider,
    WalletProviderExt,
};
use walletpass_sim::SimConfig;
use walletpass_sim::ubpass::{self, Platform, Seed, UbpassSim};
use walletpass_ubpass::{CreateOptions, Ubpass, UbpassConfig};
use walletpass_ubpass::{PassLocation, PassNotification, PassRefBody, WalletPassWrite};

async fn sim() -> UbpassSim {
    ubpass::start_with(SimConfig::default(), Seed::Documented)
        .await
        .unwrap()
}

fn client(sim: &UbpassSim, workspace: Option<&str>) -> Ubpass {
    let mut config = UbpassConfig::api_key(ubpass::DEMO_API_KEY)
        .with_base_url(sim.base_url())
        .with_retry(RetryPolicy::none());
    if let Some(ws) = workspace {
        config = config.with_workspace_id(ws);
    }
    config.build().unwrap()
}

fn content(n: usize) -> PassContent {
    PassContent::builder()
        .field(
            Field::new("tier", "Gold")
                .unwrap()
                .with_label("Tier")
                .with_placement(Placement::Header),
        )
        .field(
            Field::new("points", format!("{}", n * 100))
                .unwrap()
                .with_label("Points")
                .with_placement(Placement::Secondary)
                .with_change_message("Points now %@"),
        )
        .field(
            Field::new("member", format!("Member {n}"))
                .unwrap()
                .with_label("Member")
                .with_placement(Placement::Secondary),
        )
        .field(
            Field::new(
                "links",
                vec![Link {
                    label: Some("Site".into()),
                    url: "https://example.com/".parse().unwrap(),
                }],
            )
            .unwrap()
            .with_label("Links")
            .with_placement(Placement::Back),
        )
        .barcode(
            Barcode::new(BarcodeFormat::Qr, format!("https://example.com/m/{n}"))
                .unwrap()
                .with_alt_text("Scan me"),
        )
        .organization_name("Example Co")
        .description(format!("Pass {n}"))
        .background_color("#1a1a1a")
        .foreground_color("#ffffff")
        .image(ImageRole::Logo, "logo-key")
        .image(ImageRole::Icon, "icon-key")
        .image(ImageRole::Strip, "strip-key")
        .location(Location {
            latitude: 43.8,
            longitude: -79.2,
            altitude: None,
            relevant_text: Some("Nearby".into()),
        })
        .extra("passName", json!(format!("Lifecycle pass {n}")))
        .build()
        .unwrap()
}

#[tokio::test]
async fn lifecycle_through_the_trait() {
    let sim = sim().await;
    let ub = client(&sim, Some(ubpass::SECOND_WORKSPACE_ID));
    let provider: &dyn WalletProvider = &ub;

    let mut ids = Vec::new();
    for n in 0..5 {
        let created = provider.create(NewPass::new(content(n))).await.unwrap();
        assert_eq!(created.status, PassStatus::Active);
        assert_eq!(
            created.content,
            content(n),
            "create reads back what was written"
        );
        assert!(created.links.landing.is_some());
        let got = provider.get(&created.pass_ref).await.unwrap();
        assert_eq!(got.content, created.content);
        ids.push(created.pass_ref.id.clone());
    }

    // list: cursors across three pages of two, every pass exactly once, in creation order.
    let mut seen = Vec::new();
    let mut query = ListQuery::new().page_size(2);
    let mut pages = 0;
    loop {
        let page = provider.list(&query).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|p| p.pass_ref.id.clone()));
        match page.next {
            Some(next) => query = query.cursor(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let all: Vec<_> = provider
        .list_all(ListQuery::new().page_size(3))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    let found = provider
        .list(&ListQuery::new().search("lifecycle PASS 3"))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].pass_ref.id, ids[3]);
    // Search finds a pass by a part of its id (the serial), in any case, exactly once.
    let needle = ids[2].as_str()[9..23].to_uppercase();
    let by_id: Vec<_> = provider
        .list_all(ListQuery::new().search(needle).page_size(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].pass_ref.id, ids[2]);
    let drafts = provider
        .list(&ListQuery::new().status(PassStatus::Draft))
        .await
        .unwrap();
    assert!(drafts.items.is_empty());

    // patch: only the named field changes; the document sent is the document read with one value
    // changed.
    let target = PassRef::new(ids[1].clone());
    let read = ub.get_wallet_pass(&ids[1]).await.unwrap();
    sim.log().clear();
    let patch = PassPatch::builder()
        .set_value("points", "999")
        .build()
        .unwrap();
    let patched = provider.patch(&target, &patch).await.unwrap();
    let mut expected_content = content(1);
    expected_content
        .fields
        .upsert(
            Field::new("points", "999")
                .unwrap()
                .with_label("Points")
                .with_placement(Placement::Secondary)
                .with_change_message("Points now %@"),
        )
        .unwrap();
    assert_eq!(patched.content, expected_content);
    let sent = sim
        .log()
        .entries()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    let mut expected = serde_json::to_value(WalletPassWrite::from_read(&read).unwrap()).unwrap();
    expected["passMetadata"]["secondaryFields"][0]["value"] = json!("999");
    assert_eq!(sent, expected);
    assert_eq!(
        provider.get(&target).await.unwrap().content,
        expected_content
    );

    // put: the given content replaces the pass; the name is kept when not given.
    let mut replacement = PassContent::builder()
        .field(
            Field::new("only", "one")
                .unwrap()
                .with_placement(Placement::Secondary),
        )
        .build()
        .unwrap();
    let put = provider.put(&target, replacement.clone()).await.unwrap();
    replacement
        .extra
        .insert("passName".into(), json!("Lifecycle pass 1"));
    assert_eq!(put.content, replacement);
    assert_eq!(provider.get(&target).await.unwrap().content, replacement);

    // delete, then the pass is gone; deleting again is NotFound.
    provider.delete(&target).await.unwrap();
    let err = provider.get(&target).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.vendor_code(), Some("NOT_FOUND"));
    assert_eq!(
        provider.delete(&target).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let left: BTreeSet<PassId> = provider
        .list_all(ListQuery::new())
        .map_ok(|p| p.pass_ref.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left.len(), 4);
    assert!(!left.contains(&ids[1]));

    // The other workspace does not see these passes.
    let default_ws = client(&sim, None);
    assert_eq!(
        default_ws
            .get(&PassRef::new(ids[0].clone()))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn creates_whose_answers_are_lost_are_retried_without_duplicates() {
    // The simulator applies a share of the requests and then cuts the answer off. The backend
    // retries the create (names are unique, so it is safe): the retry meets the duplicate name,
    // and the pass already there, holding the content sent, is returned.
    let config = SimConfig {
        drop_rate: 0.3,
        seed: 7,
        ..SimConfig::default()
    };
    let sim = ubpass::start_with(config, Seed::Empty).await.unwrap();
    let ub = UbpassConfig::api_key(ubpass::DEMO_API_KEY)
        .with_base_url(sim.base_url())
        .with_retry(RetryPolicy {
            max_attempts: 8,
            initial_backoff: std::time::Duration::from_millis(5),
            max_backoff: std::time::Duration::from_millis(20),
            budget: std::time::Duration::from_secs(20),
            jitter: false,
        })
        .build()
        .unwrap();
    let mut created = BTreeSet::new();
    for n in 0..12 {
        let pass = ub.create(NewPass::new(content(n))).await.unwrap();
        assert_eq!(pass.content, content(n));
        created.insert(pass.pass_ref.id);
    }
    assert!(
        sim.log()
            .entries()
            .iter()
            .any(|r| r.fault.is_some() && r.method == "POST"),
        "no create answer was dropped; choose another seed"
    );
    let listed: Vec<_> = ub
        .list_all(ListQuery::new())
        .map_ok(|p| p.pass_ref.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 12, "a pass was created twice or lost");
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), created);
}

#[tokio::test]
async fn patching_the_documented_pass_keeps_everything_else() {
    let sim = sim().await;
    let ub = client(&sim, None);
    let id = PassRef::new(PassId::new(ubpass::EXAMPLE_PASS_ID).unwrap());
    let before = ub.get(&id).await.unwrap();
    let patch = PassPatch::builder()
        .set_value("auxiliaryFieldKey", "VIP Platinum")
        .build()
        .unwrap();
    let after = ub.patch(&id, &patch).await.unwrap();
    for field in &before.content.fields {
        let now = after.content.field(field.key.as_str()).unwrap();
        if field.key.as_str() == "auxiliaryFieldKey" {
            assert_eq!(now.value, FieldValue::from("VIP Platinum"));
            assert_eq!(now.label, field.label);
        } else {
            assert_eq!(now, field);
        }
    }
    assert_eq!(after.content.barcode, before.content.barcode);
    assert_eq!(after.content.images, before.content.images);
    assert_eq!(after.content.extra, before.content.extra);
    // The seed's colors ("#4a32A8") and link ("https://unblockedbrands.com") are stored as read.
    let raw = ub
        .get_wallet_pass(&PassId::new(ubpass::EXAMPLE_PASS_ID).unwrap())
        .await
        .unwrap();
    let meta = raw.pass_metadata.unwrap();
    assert_eq!(meta.background_color.as_deref(), Some("#4a32A8"));
    let links = meta.back_fields.unwrap()[2].value.clone().unwrap();
    assert_eq!(
        links[0].link.as_deref(),
        Some("https://unblockedbrands.com")
    );
}

#[tokio::test]
async fn duplicate_names_bearer_auth_async_create_and_installs() {
    let sim = sim().await;
    let ws = ubpass::SECOND_WORKSPACE_ID;
    let ub = UbpassConfig::bearer(ubpass::DEMO_TOKEN)
        .with_base_url(sim.base_url())
        .with_workspace_id(ws)
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap();
    let first = ub.create(NewPass::new(content(7))).await.unwrap();
    // The same content again (a retried create) returns the pass already there.
    let again = ub.create(NewPass::new(content(7))).await.unwrap();
    assert_eq!(again.pass_ref, first.pass_ref);
    // Other content under the same name is a Conflict naming the existing pass.
    let mut other = content(8);
    other
        .extra
        .insert("passName".into(), json!("Lifecycle pass 7"));
    let err = ub.create(NewPass::new(other)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.resource(), Some(first.pass_ref.id.as_str()));

    let queued = ub
        .create_pass(
            NewPass::new(content(9)),
            CreateOptions {
                status: None,
                asynchronous: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(queued.status, PassStatus::Draft);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        ub.get(&queued.pass_ref).await.unwrap().status,
        PassStatus::Active
    );
    let draft = ub
        .set_status(&queued.pass_ref.id, PassStatus::Draft)
        .await
        .unwrap();
    assert_eq!(draft.status, PassStatus::Draft);

    assert!(sim.record_install(ws, first.pass_ref.id.as_str(), Platform::Apple));
    assert!(sim.record_install(ws, first.pass_ref.id.as_str(), Platform::Google));
    let installs = ub.get(&first.pass_ref).await.unwrap().installs.unwrap();
    assert_eq!(
        (installs.apple, installs.google, installs.total),
        (Some(1), Some(1), Some(2))
    );

    // Bad credentials and a foreign workspace.
    let wrong = UbpassConfig::api_key("wrong")
        .with_base_url(sim.base_url())
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap();
    // "401 Unauthorized - Invalid or missing authentication".
    assert_eq!(
        wrong.get(&first.pass_ref).await.unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
    let foreign = client(&sim, Some("not-mine"));
    assert_eq!(
        foreign.get(&first.pass_ref).await.unwrap_err().kind(),
        ErrorKind::Forbidden
    );
}

#[tokio::test]
async fn uploads_notifications_and_locations() {
    let sim = sim().await;
    let ub = client(&sim, None);

    let direct = ub
        .upload_file("logo.png", "image/png", b"\x89PNG logo")
        .await
        .unwrap();
    let presigned = ub
        .upload_via_presigned_url("strip.png", "image/png", b"\x89PNG strip")
        .await
        .unwrap();
    let with_images = PassContent::builder()
        .value("points", "1")
        .image(ImageRole::Logo, direct.key.clone())
        .image(ImageRole::Strip, presigned.key.clone())
        .extra("passName", json!("With uploads"))
        .build()
        .unwrap();
    let pass = ub.create(NewPass::new(with_images)).await.unwrap();
    assert_eq!(pass.content.images[&ImageRole::Logo], direct.key);
    assert_eq!(pass.content.images[&ImageRole::Strip], presigned.key);

    let n = ub
        .create_notification(&PassNotification {
            pass_serial_number: Some(pass.pass_ref.id.to_string()),
            notification_name: Some("Draft news".into()),
            notification_message: Some("Hello".into()),
            status: Some("Draft".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let nid = n.id.clone().unwrap();
    assert_eq!(n.status.as_deref(), Some("Draft"));
    let updated = ub
        .update_notification(
            &nid,
            &PassNotification {
                notification_message: Some("Hello again".into()),
                status: Some("Scheduled".into()),
                scheduled_time: Some("2099-01-01T10:00:00.000Z".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.status.as_deref(), Some("Scheduled"));
    let with_stats = ub
        .get_notification_with_stats(&nid, Some(0), Some(1))
        .await
        .unwrap();
    assert_eq!(with_stats.id.as_ref(), Some(&nid));
    assert_eq!(with_stats.notification_stats.unwrap().sent(), Some(0));
    let page = ub
        .list_notifications(&walletpass_ubpass::NotificationQuery {
            pass_serial_numbers: vec![pass.pass_ref.id.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let stats = ub.notification_stats(&nid, None, None).await.unwrap();
    assert_eq!(stats.sent(), Some(0));
    ub.delete_notification(&nid).await.unwrap();
    assert_eq!(
        ub.get_notification(&nid).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // A published notification cannot be deleted: INVALID_OPERATION, a Conflict.
    let err = ub
        .delete_notification(&"1f089d37-5ebe-6778-af59-99631cec7ab5".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.vendor_code(), Some("INVALID_OPERATION"));

    let loc = ub
        .create_location(&PassLocation {
            name: Some("Store".into()),
            latitude: Some(43.7),
            longitude: Some(-79.4),
            relevant_text: Some("Welcome".into()),
            wallet_pass: Some(PassRefBody {
                id: Some(pass.pass_ref.id.to_string()),
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let lid = loc.id.clone().unwrap();
    assert_eq!(loc.enabled, Some(true));
    let moved = ub
        .update_location(
            &lid,
            &PassLocation {
                latitude: Some(44.0),
                ..loc.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.latitude, Some(44.0));
    let listed = ub
        .list_locations(&walletpass_ubpass::LocationQuery {
            pass_serial_numbers: vec![pass.pass_ref.id.clone()],
            ids: vec![lid.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(
        ub.get_location(&lid).await.unwrap().name.as_deref(),
        Some("Store")
    );
    ub.delete_location(&lid).await.unwrap();
    assert_eq!(
        ub.get_location(&lid).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}
