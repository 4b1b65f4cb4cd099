//! The [`Storage`](walletpass_apple::store::Storage) contract of registrations, the change
//! sequence and the push queue on SQLite (in memory, and on a file with the migrations from
//! an older schema applied).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod storage_contract;

use walletpass_apple::store::SqliteStore;

#[test]
fn sqlite_in_memory_keeps_the_contract() {
    storage_contract::all(&SqliteStore::in_memory().unwrap());
}

#[test]
fn sqlite_file_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    storage_contract::all(&SqliteStore::open(&dir.path().join("s.sqlite3")).unwrap());
}

#[test]
fn a_version_2_file_is_migrated_and_its_passes_are_listed_for_devices() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for m in &walletpass_apple::store::MIGRATIONS[..2] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute(
            "INSERT INTO passes (serial, template, status, content, auth_token, update_tag, created_at, updated_at)
             VALUES ('OLD-1', NULL, 'active', '{\"fields\":[]}', '0123456789abcdef', 3, 0, 0)",
            [],
        )
        .unwrap();
    }
    use walletpass_apple::store::{Registration, Storage};
    let store = SqliteStore::open(&path).unwrap();
    store
        .register_device(&Registration {
            device_library_id: "dev".into(),
            push_token: "tok".into(),
            pass_type_id: "pass.x".into(),
            serial: "OLD-1".into(),
            registered_at: 0,
        })
        .unwrap()
        .unwrap();
    let listed = store.serials_updated_since("dev", "pass.x", None).unwrap();
    assert_eq!(listed.serials, ["OLD-1"]);
    assert!(listed.last_updated >= 1);
}
