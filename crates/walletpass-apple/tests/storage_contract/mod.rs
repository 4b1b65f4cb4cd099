//! The contract of the web service's and the push queue's [`Storage`] methods, as functions
//! over `&dyn Storage`, so every implementation (SQLite here, PostgreSQL in its own test
//! file) runs the same checks: `storage_contract::all(&store)`. Each store handed in must be
//! empty.
#![allow(dead_code)] // each test file uses a part

use walletpass_apple::store::{PassChange, PassRow, RegisterOutcome, Registration, Storage};
use walletpass_core::{PassContent, PassStatus};

const PTID: &str = "pass.com.example.contract";
const SECOND: i128 = 1_000_000_000;

/// Every check below, in order, on one empty store.
pub fn all(store: &dyn Storage) {
    registration_201_then_200_updates_the_token(store);
    registration_needs_the_pass(store);
    serials_updated_since_a_tag(store);
    a_change_queues_one_push_per_device(store);
    claims_are_exclusive_and_leases_come_back(store);
    a_change_during_a_claim_is_pushed_again(store);
    retry_counts_attempts_and_waits(store);
    removing_a_push_token_spares_a_later_registration(store);
    deleting_a_pass_removes_its_registrations(store);
}

fn now() -> i128 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos()
}

fn pass(store: &dyn Storage, serial: &str) {
    let t = now();
    let row = PassRow {
        seq: 0,
        serial: serial.to_owned(),
        template: None,
        status: PassStatus::Active,
        content: PassContent::builder().value("n", 1).build().unwrap(),
        auth_token: "0123456789abcdef0123".to_owned(),
        update_tag: 1,
        created_at: t,
        updated_at: t,
    };
    store.insert_pass(&row).unwrap().unwrap();
}

fn change(store: &dyn Storage, serial: &str) -> PassRow {
    store
        .update_pass(serial, &mut |row| {
            Ok(Some(PassChange {
                status: row.status.clone(),
                content: row.content.clone(),
            }))
        })
        .unwrap()
        .unwrap()
}

fn reg(device: &str, token: &str, serial: &str) -> Registration {
    Registration {
        device_library_id: device.to_owned(),
        push_token: token.to_owned(),
        pass_type_id: PTID.to_owned(),
        serial: serial.to_owned(),
        registered_at: now(),
    }
}

/// Claim everything ready now (no coalescing window).
fn claim_all(store: &dyn Storage) -> Vec<walletpass_apple::store::PushItem> {
    let t = now();
    store.claim_pushes(t, t, t + 60 * SECOND, 1000).unwrap()
}

fn drain(store: &dyn Storage) {
    for item in claim_all(store) {
        assert!(store.finish_push(&item).unwrap());
    }
    assert_eq!(store.queued_pushes().unwrap(), 0);
}

pub fn registration_201_then_200_updates_the_token(store: &dyn Storage) {
    pass(store, "R-1");
    assert_eq!(
        store
            .register_device(&reg("dev-a", "tok-1", "R-1"))
            .unwrap(),
        Some(RegisterOutcome::Created)
    );
    assert_eq!(
        store
            .register_device(&reg("dev-a", "tok-2", "R-1"))
            .unwrap(),
        Some(RegisterOutcome::Updated)
    );
    let regs = store.registrations(PTID, "R-1").unwrap();
    assert_eq!(regs.len(), 1);
    assert_eq!(regs[0].push_token, "tok-2");
    assert_eq!(store.count_registrations("R-1").unwrap(), 1);
    assert!(store.unregister_device("dev-a", PTID, "R-1").unwrap());
    assert!(!store.unregister_device("dev-a", PTID, "R-1").unwrap());
    assert_eq!(store.count_registrations("R-1").unwrap(), 0);
}

pub fn registration_needs_the_pass(store: &dyn Storage) {
    assert_eq!(
        store.register_device(&reg("dev-a", "tok", "NOPE")).unwrap(),
        None
    );
    assert_eq!(store.count_registrations("NOPE").unwrap(), 0);
}

pub fn serials_updated_since_a_tag(store: &dyn Storage) {
    pass(store, "S-1");
    pass(store, "S-2");
    pass(store, "S-3"); // not registered by the device: never listed
    store
        .register_device(&reg("dev-s", "tok-s", "S-1"))
        .unwrap();
    store
        .register_device(&reg("dev-s", "tok-s", "S-2"))
        .unwrap();
    let first = store.serials_updated_since("dev-s", PTID, None).unwrap();
    assert_eq!(first.serials, ["S-1", "S-2"]);
    assert!(first.last_updated > 0);
    let none = store
        .serials_updated_since("dev-s", PTID, Some(first.last_updated))
        .unwrap();
    assert!(none.serials.is_empty(), "{none:?}");
    change(store, "S-2");
    change(store, "S-3");
    let next = store
        .serials_updated_since("dev-s", PTID, Some(first.last_updated))
        .unwrap();
    assert_eq!(next.serials, ["S-2"]);
    assert!(next.last_updated > first.last_updated);
    // Another pass type, an unknown device: nothing.
    assert!(
        store
            .serials_updated_since("dev-s", "pass.other", None)
            .unwrap()
            .serials
            .is_empty()
    );
    assert!(
        store
            .serials_updated_since("dev-unknown", PTID, None)
            .unwrap()
            .serials
            .is_empty()
    );
    drain(store);
}

pub fn a_change_queues_one_push_per_device(store: &dyn Storage) {
    drain(store);
    pass(store, "Q-1");
    pass(store, "Q-2");
    store
        .register_device(&reg("dev-q1", "tok-q1", "Q-1"))
        .unwrap();
    store
        .register_device(&reg("dev-q1", "tok-q1", "Q-2"))
        .unwrap();
    store
        .register_device(&reg("dev-q2", "tok-q2", "Q-1"))
        .unwrap();
    // Registering queues nothing.
    assert_eq!(store.queued_pushes().unwrap(), 0);
    for _ in 0..10 {
        change(store, "Q-1");
        change(store, "Q-2");
    }
    assert_eq!(store.queued_pushes().unwrap(), 2, "coalesced per device");
    // Not ready while the window since the first change has not passed.
    let t = now();
    assert!(
        store
            .claim_pushes(t, t - 3600 * SECOND, t + SECOND, 10)
            .unwrap()
            .is_empty()
    );
    let mut tokens: Vec<_> = claim_all(store).into_iter().map(|i| i.push_token).collect();
    tokens.sort();
    assert_eq!(tokens, ["tok-q1", "tok-q2"]);
}

pub fn claims_are_exclusive_and_leases_come_back(store: &dyn Storage) {
    // Q-* items are claimed (leased for a minute) by the check before.
    assert!(
        claim_all(store).is_empty(),
        "a leased item is not claimed twice"
    );
    let t = now();
    let later = t + 120 * SECOND;
    let again = store
        .claim_pushes(later, later, later + 60 * SECOND, 10)
        .unwrap();
    assert_eq!(again.len(), 2, "leases that ended come back");
    // The first claims' leases are gone: finishing with them does nothing.
    for item in &again {
        let stale = walletpass_apple::store::PushItem {
            lease: "not-the-lease".into(),
            ..item.clone()
        };
        assert!(!store.finish_push(&stale).unwrap());
        assert!(!store.retry_push(&stale, t).unwrap());
    }
    assert_eq!(store.queued_pushes().unwrap(), 2);
    for item in &again {
        assert!(store.finish_push(item).unwrap());
    }
    assert_eq!(store.queued_pushes().unwrap(), 0);
}

pub fn a_change_during_a_claim_is_pushed_again(store: &dyn Storage) {
    pass(store, "C-1");
    store
        .register_device(&reg("dev-c", "tok-c", "C-1"))
        .unwrap();
    change(store, "C-1");
    let claimed = claim_all(store);
    assert_eq!(claimed.len(), 1);
    change(store, "C-1"); // while the push is in flight
    assert!(store.finish_push(&claimed[0]).unwrap());
    assert_eq!(
        store.queued_pushes().unwrap(),
        1,
        "the later change is kept"
    );
    let next = claim_all(store);
    assert_eq!(next.len(), 1);
    assert!(next[0].generation > claimed[0].generation);
    assert!(store.finish_push(&next[0]).unwrap());
    assert_eq!(store.queued_pushes().unwrap(), 0);
}

pub fn retry_counts_attempts_and_waits(store: &dyn Storage) {
    pass(store, "T-1");
    store
        .register_device(&reg("dev-t", "tok-t", "T-1"))
        .unwrap();
    change(store, "T-1");
    let item = claim_all(store).pop().unwrap();
    assert_eq!(item.attempts, 0);
    let t = now();
    assert!(store.retry_push(&item, t + 30 * SECOND).unwrap());
    assert!(claim_all(store).is_empty(), "not before its retry time");
    let later = t + 31 * SECOND;
    let again = store
        .claim_pushes(later, later, later + SECOND, 10)
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert!(store.finish_push(&again[0]).unwrap());
}

pub fn removing_a_push_token_spares_a_later_registration(store: &dyn Storage) {
    pass(store, "U-1");
    pass(store, "U-2");
    store
        .register_device(&reg("dev-u", "tok-u", "U-1"))
        .unwrap();
    let cutoff = now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    store
        .register_device(&reg("dev-u", "tok-u", "U-2"))
        .unwrap();
    change(store, "U-1");
    let removed = store
        .remove_push_token("tok-u", PTID, Some(cutoff))
        .unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].serial, "U-1");
    assert_eq!(store.count_registrations("U-1").unwrap(), 0);
    assert_eq!(store.count_registrations("U-2").unwrap(), 1);
    assert_eq!(
        store.queued_pushes().unwrap(),
        1,
        "kept: a registration is left"
    );
    let removed = store.remove_push_token("tok-u", PTID, None).unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(store.queued_pushes().unwrap(), 0);
}

pub fn deleting_a_pass_removes_its_registrations(store: &dyn Storage) {
    pass(store, "D-1");
    store
        .register_device(&reg("dev-d", "tok-d", "D-1"))
        .unwrap();
    assert!(store.delete_pass("D-1").unwrap());
    assert!(store.registrations(PTID, "D-1").unwrap().is_empty());
    assert!(
        store
            .serials_updated_since("dev-d", PTID, None)
            .unwrap()
            .serials
            .is_empty()
    );
}
