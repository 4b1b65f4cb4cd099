//! The SQLite schema of [`SqliteStore`](super::SqliteStore): one migration per version, applied
//! in order and tracked in `PRAGMA user_version`.

/// The schema, one entry per version (index + 1).
pub const MIGRATIONS: &[&str] = &[
    // 1: passes, templates, images.
    "CREATE TABLE templates (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL
    );
    CREATE TABLE passes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        serial TEXT NOT NULL UNIQUE,
        template TEXT REFERENCES templates(id),
        status TEXT NOT NULL,
        content TEXT NOT NULL,
        auth_token TEXT NOT NULL,
        update_tag INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX passes_template ON passes(template, seq);
    CREATE INDEX passes_updated ON passes(update_tag);
    CREATE TABLE images (
        key TEXT PRIMARY KEY,
        bytes BLOB NOT NULL
    );",
    // 2: webhook subscriptions (with their signing secret) and the delivery history.
    "CREATE TABLE webhooks (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        secret TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        webhook TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX deliveries_webhook ON deliveries(webhook, seq);",
    // 3: device registrations, the store's change sequence (a one-row counter; a pass takes
    // the next value on insert and on every change), and the push queue.
    "CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    INSERT INTO counters (name, value) VALUES ('change', (SELECT coalesce(max(seq), 0) FROM passes));
    ALTER TABLE passes ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
    UPDATE passes SET change_seq = seq;
    CREATE INDEX passes_change ON passes(change_seq);
    CREATE TABLE registrations (
        device_library_id TEXT NOT NULL,
        pass_type_id TEXT NOT NULL,
        serial TEXT NOT NULL REFERENCES passes(serial) ON DELETE CASCADE,
        push_token TEXT NOT NULL,
        registered_at INTEGER NOT NULL,
        PRIMARY KEY (device_library_id, pass_type_id, serial)
    );
    CREATE INDEX registrations_pass ON registrations(serial, pass_type_id);
    CREATE INDEX registrations_token ON registrations(push_token, pass_type_id);
    CREATE TABLE push_queue (
        push_token TEXT NOT NULL,
        pass_type_id TEXT NOT NULL,
        generation INTEGER NOT NULL,
        changed_at INTEGER NOT NULL,
        retry_at INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease TEXT,
        lease_until INTEGER,
        PRIMARY KEY (push_token, pass_type_id)
    );
    CREATE INDEX push_queue_ready ON push_queue(changed_at);",
];
