//! The PostgreSQL schema, versioned like SQLite's ([`crate::store::MIGRATIONS`]): entry `i`
//! brings a database from version `i` to `i + 1`, and the two lists keep the same numbering
//! (version 2 is webhooks, 3 devices and the push queue, in both). The version is the one row of `walletpass_schema`.
//! Migrations run in one transaction under an advisory lock, so several processes starting
//! at once migrate exactly once; a database written by a newer build is refused.

use tokio_postgres::Client;
use walletpass_core::Result;

use super::pool::wait;
use crate::error::StoreError;

/// The schema, one entry per version (index + 1).
pub const MIGRATIONS: &[&str] = &[
    // 1: passes, templates, images.
    "CREATE TABLE templates (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL
    );
    CREATE TABLE passes (
        seq BIGSERIAL PRIMARY KEY,
        serial TEXT NOT NULL UNIQUE,
        template TEXT REFERENCES templates(id),
        status TEXT NOT NULL,
        content TEXT NOT NULL,
        auth_token TEXT NOT NULL,
        update_tag BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX passes_template ON passes(template, seq);
    CREATE INDEX passes_updated ON passes(update_tag);
    CREATE TABLE images (
        key TEXT PRIMARY KEY,
        bytes BYTEA NOT NULL
    );",
    // 2: webhook subscriptions (with their signing secret and template filter) and the
    // delivery history.
    "CREATE TABLE webhooks (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        template TEXT,
        body TEXT NOT NULL,
        secret TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        seq BIGSERIAL PRIMARY KEY,
        webhook TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX deliveries_webhook ON deliveries(webhook, seq);",
    // 3: device registrations, the store's change sequence (a one-row counter whose row lock,
    // held to the commit, makes sequences visible in increasing order; a pass takes the next
    // value on insert and on every change), and the push queue.
    "CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL
    );
    INSERT INTO counters (name, value) VALUES ('change', (SELECT coalesce(max(seq), 0) FROM passes));
    ALTER TABLE passes ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
    UPDATE passes SET change_seq = seq;
    CREATE INDEX passes_change ON passes(change_seq);
    CREATE TABLE registrations (
        device_library_id TEXT NOT NULL,
        pass_type_id TEXT NOT NULL,
        serial TEXT NOT NULL REFERENCES passes(serial) ON DELETE CASCADE,
        push_token TEXT NOT NULL,
        registered_at BIGINT NOT NULL,
        PRIMARY KEY (device_library_id, pass_type_id, serial)
    );
    CREATE INDEX registrations_pass ON registrations(serial, pass_type_id);
    CREATE INDEX registrations_token ON registrations(push_token, pass_type_id);
    CREATE TABLE push_queue (
        push_token TEXT NOT NULL,
        pass_type_id TEXT NOT NULL,
        generation BIGINT NOT NULL,
        changed_at BIGINT NOT NULL,
        retry_at BIGINT NOT NULL DEFAULT 0,
        attempts BIGINT NOT NULL DEFAULT 0,
        lease TEXT,
        lease_until BIGINT,
        PRIMARY KEY (push_token, pass_type_id)
    );
    CREATE INDEX push_queue_ready ON push_queue(changed_at);",
];

/// The advisory lock key migrations hold ("wpschema" as ASCII, a constant of this crate).
const MIGRATION_LOCK: i64 = 0x7770_7363_6865_6d61;

/// Bring the schema up to date; the version it is at afterwards.
pub(crate) fn migrate(
    client: &mut Client,
    error: impl Fn(tokio_postgres::Error) -> walletpass_core::Error,
) -> Result<i64> {
    wait(async {
        let tx = client.transaction().await.map_err(&error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(&error)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS walletpass_schema (version BIGINT NOT NULL)")
            .await
            .map_err(&error)?;
        let version: Option<i64> = tx
            .query_opt("SELECT version FROM walletpass_schema", &[])
            .await
            .map_err(&error)?
            .map(|r| r.get(0));
        let known = MIGRATIONS.len() as i64;
        let found = version.unwrap_or(0);
        if found > known {
            return Err(StoreError::TooNew { found, known }.into());
        }
        for migration in MIGRATIONS.iter().skip(found as usize) {
            tx.batch_execute(migration).await.map_err(&error)?;
        }
        if version.is_none() {
            tx.execute(
                "INSERT INTO walletpass_schema (version) VALUES ($1)",
                &[&known],
            )
            .await
            .map_err(&error)?;
        } else if found < known {
            tx.execute("UPDATE walletpass_schema SET version = $1", &[&known])
                .await
                .map_err(&error)?;
        }
        tx.commit().await.map_err(&error)?;
        Ok(known)
    })
}
