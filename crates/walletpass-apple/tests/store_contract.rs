//! The storage contract, written once against the `Storage` trait and run on both stores:
//! SQLite (in memory) and PostgreSQL (a fresh database on the test server, see `provider_tests::support::postgres`).
//! Where a case needs two writers, PostgreSQL gets two store instances on one database — as
//! two `walletpass serve` processes would be — and SQLite two connections to one file.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod postgres_only;
mod storage_contract;

use std::sync::Arc;

use provider_tests::support::postgres as pg_server;

use serde_json::json;
use walletpass_apple::postgres::{PostgresConfig, PostgresStore};
use walletpass_apple::store::{
    PassChange, PassFilter, PassRow, Registration, SqliteStore, Storage,
};
use walletpass_core::{
    ErrorKind, PassContent, PassStatus, Template, TemplateId, WebhookDelivery, WebhookEventKind,
    WebhookSubscription,
};

// ---- the two stores -------------------------------------------------------------------

/// Two handles on one PostgreSQL database (`None`: skipped, see `pg_server`).
fn postgres_pair() -> Option<(Arc<dyn Storage>, Arc<dyn Storage>)> {
    let url = pg_server::fresh_database()?;
    let open = || -> Arc<dyn Storage> {
        Arc::new(PostgresStore::connect(PostgresConfig::new(&url).unwrap()).unwrap())
    };
    Some((open(), open()))
}

/// Two handles on one SQLite file.
fn sqlite_pair() -> (Arc<dyn Storage>, Arc<dyn Storage>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let a: Arc<dyn Storage> = Arc::new(SqliteStore::open(&path).unwrap());
    let b: Arc<dyn Storage> = Arc::new(SqliteStore::open(&path).unwrap());
    (a, b, dir)
}

/// `#[test] fn sqlite_NAME` and `#[test] fn postgres_NAME` for `fn NAME(a, b)`, where `a` and
/// `b` are two handles on the same store.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite_contract {
            $(
                #[test]
                fn $name() {
                    let (a, b, _dir) = super::sqlite_pair();
                    super::$name(a.as_ref(), b.as_ref());
                }
            )*
        }
        mod postgres_contract {
            $(
                #[test]
                fn $name() {
                    let Some((a, b)) = super::postgres_pair() else { return };
                    super::$name(a.as_ref(), b.as_ref());
                }
            )*
        }
    };
}

on_both_stores!(
    insert_is_first_writer_wins_and_reads_back,
    each_change_bumps_the_tag_once_and_no_change_none,
    concurrent_changes_through_two_handles_lose_nothing,
    delete_and_list_with_filters_and_cursor,
    templates_in_use_are_not_deleted,
    images_are_stored_once,
    webhooks_filter_by_kind_template_and_state,
    deliveries_page_and_go_with_their_webhook,
    racing_claimers_on_two_handles_push_each_device_once,
    a_dead_claimers_pushes_come_back_to_the_other_handle,
);

/// The web service's and push queue's contract (`storage_contract`, which the SQLite store
/// runs in `storage_sqlite.rs`), on PostgreSQL.
#[test]
fn postgres_keeps_the_web_service_and_push_queue_contract() {
    let Some((a, _b)) = postgres_pair() else {
        return;
    };
    storage_contract::all(a.as_ref());
}

// ---- fixtures --------------------------------------------------------------------------

fn content(value: &str) -> PassContent {
    PassContent::builder().value("v", value).build().unwrap()
}

fn row(serial: &str, template: Option<&str>) -> PassRow {
    PassRow {
        seq: 0,
        serial: serial.into(),
        template: template.map(Into::into),
        status: PassStatus::Active,
        content: content("0"),
        auth_token: format!("token-{serial}"),
        update_tag: 1,
        created_at: 1_700_000_000_123_456_789,
        updated_at: 1_700_000_000_123_456_789,
    }
}

fn template(id: &str) -> Template {
    serde_json::from_value(json!({"id": id, "name": format!("name of {id}")})).unwrap()
}

fn webhook(id: &str, events: &[&str], template: Option<&str>, active: bool) -> WebhookSubscription {
    serde_json::from_value(json!({
        "id": id,
        "url": format!("https://hooks.example.com/{id}"),
        "events": events,
        "template": template,
        "active": active,
    }))
    .unwrap()
}

fn delivery(n: u32) -> WebhookDelivery {
    serde_json::from_value(
        json!({"id": format!("d{n}"), "attempt": n, "success": n.is_multiple_of(2)}),
    )
    .unwrap()
}

fn value(row: &PassRow) -> String {
    row.content.field("v").unwrap().value.to_text()
}

/// A change that sets `v` to `to`.
fn set(to: &str) -> impl FnMut(&PassRow) -> walletpass_core::Result<Option<PassChange>> {
    let to = to.to_owned();
    move |current: &PassRow| {
        Ok(Some(PassChange {
            status: current.status.clone(),
            content: content(&to),
        }))
    }
}

// ---- the contract ----------------------------------------------------------------------

fn insert_is_first_writer_wins_and_reads_back(a: &dyn Storage, b: &dyn Storage) {
    let first = a.insert_pass(&row("S-1", None)).unwrap().unwrap();
    assert!(first.seq > 0);
    // Times are kept to the microsecond.
    assert_eq!(first.created_at, 1_700_000_000_123_456_000);
    let mut other = row("S-1", None);
    other.content = content("other");
    let existing = b.insert_pass(&other).unwrap().unwrap_err();
    assert_eq!(existing, first, "the second insert must see the first row");
    assert_eq!(b.get_pass("S-1").unwrap(), Some(first.clone()));
    assert_eq!(a.get_pass("S-2").unwrap(), None);
    let second = b.insert_pass(&row("S-2", None)).unwrap().unwrap();
    assert!(second.seq > first.seq, "seq follows creation order");
}

fn each_change_bumps_the_tag_once_and_no_change_none(a: &dyn Storage, b: &dyn Storage) {
    let created = a.insert_pass(&row("T-1", None)).unwrap().unwrap();
    let changed = b.update_pass("T-1", &mut set("1")).unwrap().unwrap();
    assert_eq!(changed.update_tag, 2);
    assert_eq!(value(&changed), "1");
    assert!(changed.updated_at >= created.updated_at);
    let seen = a.get_pass("T-1").unwrap().unwrap();
    assert_eq!(
        seen, changed,
        "a change through one handle is seen by the other"
    );
    let unchanged = a
        .update_pass("T-1", &mut |_: &PassRow| Ok(None))
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.update_tag, 2, "no change, no new tag");
    let voided = a
        .update_pass("T-1", &mut |r: &PassRow| {
            Ok(Some(PassChange {
                status: PassStatus::Voided,
                content: r.content.clone(),
            }))
        })
        .unwrap()
        .unwrap();
    assert_eq!((voided.update_tag, voided.status), (3, PassStatus::Voided));
    // A failing change writes nothing.
    let failed = b.update_pass("T-1", &mut |_: &PassRow| {
        Err(walletpass_core::Error::new(ErrorKind::InvalidInput, "no"))
    });
    assert_eq!(failed.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(b.get_pass("T-1").unwrap().unwrap().update_tag, 3);
    assert_eq!(a.update_pass("T-404", &mut set("x")).unwrap(), None);
}

fn concurrent_changes_through_two_handles_lose_nothing(a: &dyn Storage, b: &dyn Storage) {
    a.insert_pass(&row("C-1", None)).unwrap().unwrap();
    const PER_SIDE: usize = 20;
    std::thread::scope(|s| {
        for (side, store) in [("a", a), ("b", b)] {
            for i in 0..PER_SIDE {
                s.spawn(move || {
                    let key = format!("{side}{i}");
                    store
                        .update_pass("C-1", &mut |r: &PassRow| {
                            // Read-modify-write: lost if another change slipped in between.
                            Ok(Some(PassChange {
                                status: r.status.clone(),
                                content: content(&format!("{},{key}", value(r))),
                            }))
                        })
                        .unwrap()
                        .unwrap();
                });
            }
        }
    });
    let end = b.get_pass("C-1").unwrap().unwrap();
    assert_eq!(
        value(&end).split(',').count(),
        1 + 2 * PER_SIDE,
        "an update was lost"
    );
    assert_eq!(end.update_tag, 1 + 2 * PER_SIDE as u64);
}

fn delete_and_list_with_filters_and_cursor(a: &dyn Storage, b: &dyn Storage) {
    a.insert_template(&template("tpl-a")).unwrap();
    for (serial, tpl) in [
        ("List-One", Some("tpl-a")),
        ("list-two", None),
        ("LIST-three", Some("tpl-a")),
        ("other", Some("tpl-a")),
    ] {
        a.insert_pass(&row(serial, tpl)).unwrap().unwrap();
    }
    b.update_pass("other", &mut |r: &PassRow| {
        Ok(Some(PassChange {
            status: PassStatus::Voided,
            content: r.content.clone(),
        }))
    })
    .unwrap();
    let serials = |rows: Vec<PassRow>| rows.into_iter().map(|r| r.serial).collect::<Vec<_>>();
    let all = b.list_passes(&PassFilter::default(), 0, 100).unwrap();
    assert_eq!(
        serials(all.clone()),
        ["List-One", "list-two", "LIST-three", "other"]
    );
    let page = b
        .list_passes(&PassFilter::default(), all[1].seq, 1)
        .unwrap();
    assert_eq!(serials(page), ["LIST-three"]);
    let search = PassFilter {
        search: Some("lIsT".into()),
        ..PassFilter::default()
    };
    assert_eq!(
        serials(b.list_passes(&search, 0, 100).unwrap()),
        ["List-One", "list-two", "LIST-three"]
    );
    let of_template = PassFilter {
        template: Some("tpl-a".into()),
        status: Some("active".into()),
        ..PassFilter::default()
    };
    assert_eq!(
        serials(b.list_passes(&of_template, 0, 100).unwrap()),
        ["List-One", "LIST-three"]
    );
    assert!(a.delete_pass("list-two").unwrap());
    assert!(!b.delete_pass("list-two").unwrap());
    assert_eq!(b.get_pass("list-two").unwrap(), None);
}

fn templates_in_use_are_not_deleted(a: &dyn Storage, b: &dyn Storage) {
    let s1 = a.insert_template(&template("t1")).unwrap();
    let s2 = b.insert_template(&template("t2")).unwrap();
    assert!(s2 > s1);
    assert!(a.insert_template(&template("t1")).is_err(), "duplicate id");
    assert_eq!(b.get_template("t1").unwrap(), Some(template("t1")));
    assert_eq!(b.get_template("t9").unwrap(), None);
    let listed = b.list_templates(0, 10).unwrap();
    assert_eq!(listed, vec![(s1, template("t1")), (s2, template("t2"))]);
    assert_eq!(
        b.list_templates(s1, 10).unwrap(),
        vec![(s2, template("t2"))]
    );
    a.insert_pass(&row("P-1", Some("t1"))).unwrap().unwrap();
    a.insert_pass(&row("P-2", Some("t1"))).unwrap().unwrap();
    assert_eq!(b.delete_template("t1").unwrap(), Some(Err(2)));
    assert_eq!(b.delete_template("t2").unwrap(), Some(Ok(())));
    assert_eq!(b.delete_template("t2").unwrap(), None);
    assert!(a.get_template("t1").unwrap().is_some());
}

fn images_are_stored_once(a: &dyn Storage, b: &dyn Storage) {
    let png = b"\x89PNG\r\n\x1a\n and some bytes \x00\xff".to_vec();
    a.put_image("k1", &png).unwrap();
    b.put_image("k1", b"other bytes").unwrap();
    assert_eq!(
        b.get_image("k1").unwrap(),
        Some(png),
        "the first bytes stay"
    );
    assert_eq!(a.get_image("k2").unwrap(), None);
}

fn webhooks_filter_by_kind_template_and_state(a: &dyn Storage, b: &dyn Storage) {
    use walletpass_core::WebhookEventKind::{PassCreated, PassUpdated};
    let secret = |s: &str| secrecy::SecretString::from(s.to_owned());
    a.insert_webhook(&webhook("w1", &["pass_created"], None, true), &secret("s1"))
        .unwrap();
    a.insert_webhook(
        &webhook("w2", &["pass_created", "pass_updated"], Some("tpl"), true),
        &secret("s2"),
    )
    .unwrap();
    a.insert_webhook(
        &webhook("w3", &["pass_created"], None, false),
        &secret("s3"),
    )
    .unwrap();
    assert_eq!(
        b.get_webhook("w2").unwrap(),
        Some(webhook(
            "w2",
            &["pass_created", "pass_updated"],
            Some("tpl"),
            true
        ))
    );
    let ids = |found: Vec<(String, String, secrecy::SecretString)>| {
        found
            .into_iter()
            .map(|(id, url, s)| {
                use secrecy::ExposeSecret;
                assert!(url.ends_with(&id));
                format!("{id}:{}", s.expose_secret())
            })
            .collect::<Vec<_>>()
    };
    let tpl = TemplateId::new("tpl").unwrap();
    let other = TemplateId::new("other").unwrap();
    assert_eq!(
        ids(b.webhooks_for(&PassCreated, Some(&tpl)).unwrap()),
        ["w1:s1", "w2:s2"]
    );
    assert_eq!(
        ids(b.webhooks_for(&PassCreated, Some(&other)).unwrap()),
        ["w1:s1"]
    );
    assert_eq!(ids(b.webhooks_for(&PassCreated, None).unwrap()), ["w1:s1"]);
    assert_eq!(
        ids(b.webhooks_for(&PassUpdated, Some(&tpl)).unwrap()),
        ["w2:s2"]
    );
    assert!(
        b.webhooks_for(&WebhookEventKind::PassVoided, Some(&tpl))
            .unwrap()
            .is_empty()
    );
    let listed: Vec<String> = b
        .list_webhooks(None, 0, 10)
        .unwrap()
        .into_iter()
        .map(|(_, w)| w.id.to_string())
        .collect();
    assert_eq!(listed, ["w1", "w2", "w3"]);
    let of_tpl = b.list_webhooks(Some("tpl"), 0, 10).unwrap();
    assert_eq!(of_tpl.len(), 1);
    let first = b.list_webhooks(None, 0, 1).unwrap();
    let rest = b.list_webhooks(None, first[0].0, 10).unwrap();
    assert_eq!((first.len(), rest.len()), (1, 2));
}

fn deliveries_page_and_go_with_their_webhook(a: &dyn Storage, b: &dyn Storage) {
    let secret = secrecy::SecretString::from("s".to_owned());
    a.insert_webhook(&webhook("w1", &["pass_created"], None, true), &secret)
        .unwrap();
    a.insert_webhook(&webhook("w2", &["pass_created"], None, true), &secret)
        .unwrap();
    for n in 1..=3 {
        a.add_delivery("w1", &delivery(n)).unwrap();
    }
    b.add_delivery("w2", &delivery(9)).unwrap();
    let all = b.list_deliveries("w1", 0, 10).unwrap();
    assert_eq!(
        all.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>(),
        [delivery(1), delivery(2), delivery(3)]
    );
    let after_first = b.list_deliveries("w1", all[0].0, 1).unwrap();
    assert_eq!(after_first[0].1, delivery(2));
    assert!(b.delete_webhook("w1").unwrap());
    assert!(!a.delete_webhook("w1").unwrap());
    assert_eq!(a.get_webhook("w1").unwrap(), None);
    assert!(a.list_deliveries("w1", 0, 10).unwrap().is_empty());
    assert_eq!(a.list_deliveries("w2", 0, 10).unwrap().len(), 1);
}

// ---- several processes on one store: the push queue -------------------------------------

const PTID: &str = "pass.com.example.racing";
const SECOND: i128 = 1_000_000_000;

fn now() -> i128 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos()
}

/// `devices` devices, device `i` registered (through `a`) for pass `i % passes`.
fn passes_with_devices(a: &dyn Storage, passes: usize, devices: usize) {
    for p in 0..passes {
        a.insert_pass(&row(&format!("Q-{p}"), None))
            .unwrap()
            .unwrap();
    }
    for d in 0..devices {
        a.register_device(&Registration {
            device_library_id: format!("device-{d}"),
            push_token: format!("token-{d:03}"),
            pass_type_id: PTID.into(),
            serial: format!("Q-{}", d % passes),
            registered_at: now(),
        })
        .unwrap()
        .unwrap();
    }
}

fn racing_claimers_on_two_handles_push_each_device_once(a: &dyn Storage, b: &dyn Storage) {
    const DEVICES: usize = 30;
    passes_with_devices(a, 10, DEVICES);
    // Every pass changes through the other handle: one push queued per device.
    for p in 0..10 {
        b.update_pass(&format!("Q-{p}"), &mut set("changed"))
            .unwrap()
            .unwrap();
    }
    assert_eq!(a.queued_pushes().unwrap(), DEVICES as u64);
    let sent = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for store in [a, b, a, b, a, b] {
            let sent = &sent;
            s.spawn(move || {
                loop {
                    let t = now();
                    let claimed = store.claim_pushes(t, t, t + 60 * SECOND, 2).unwrap();
                    if claimed.is_empty() {
                        if store.queued_pushes().unwrap() == 0 {
                            break;
                        }
                        continue;
                    }
                    for item in claimed {
                        // "Send", then finish: a finish that does not hold the lease any
                        // more would mean a second claimer got the item too.
                        sent.lock().unwrap().push(item.push_token.clone());
                        assert!(store.finish_push(&item).unwrap(), "lease lost: {item:?}");
                    }
                }
            });
        }
    });
    let mut sent = sent.into_inner().unwrap();
    sent.sort();
    let expected: Vec<String> = (0..DEVICES).map(|d| format!("token-{d:03}")).collect();
    assert_eq!(sent, expected, "each device pushed exactly once");
}

fn a_dead_claimers_pushes_come_back_to_the_other_handle(a: &dyn Storage, b: &dyn Storage) {
    passes_with_devices(a, 1, 3);
    b.update_pass("Q-0", &mut set("changed")).unwrap().unwrap();
    let t = now();
    // `a` claims the three pushes, then dies holding them (it never finishes).
    let held = a.claim_pushes(t, t, t + 60 * SECOND, 10).unwrap();
    assert_eq!(held.len(), 3);
    assert!(
        b.claim_pushes(t, t, t + 60 * SECOND, 10)
            .unwrap()
            .is_empty(),
        "leased"
    );
    // A minute later the leases have ended: `b` takes them over, none lost.
    let later = t + 61 * SECOND;
    let taken = b
        .claim_pushes(later, later, later + 60 * SECOND, 10)
        .unwrap();
    let tokens = |items: &[walletpass_apple::store::PushItem]| {
        let mut t: Vec<String> = items.iter().map(|i| i.push_token.clone()).collect();
        t.sort();
        t
    };
    assert_eq!(tokens(&taken), tokens(&held));
    for item in &taken {
        assert!(b.finish_push(item).unwrap());
    }
    // Should `a` come back to life, its finish changes nothing (it no longer holds the lease).
    for item in &held {
        assert!(!a.finish_push(item).unwrap());
    }
    assert_eq!(a.queued_pushes().unwrap(), 0);
}
