//! Storage: a small [`Storage`] trait (the next issue adds PostgreSQL) and [`SqliteStore`], a
//! SQLite file in the data directory (WAL journal, `synchronous=NORMAL`: a killed process
//! loses no committed change; a power cut may lose the last commits before a checkpoint).
//! Webhook signing secrets are kept in the file (they are needed to sign deliveries): protect
//! it like the pass key.
//!
//! Schema migrations are versioned in [`MIGRATIONS`] and tracked in `PRAGMA user_version`;
//! a file written by a newer build is refused. Every change to a pass runs in one
//! `BEGIN IMMEDIATE` transaction that reads the row, applies the change, and writes it with
//! `update_tag + 1` and the new `updated_at`, so concurrent writers (threads or processes)
//! never lose an update.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use walletpass_core::{
    PassContent, PassStatus, Result, Template, TemplateId, WebhookDelivery, WebhookEventKind,
    WebhookSubscription,
};

use crate::error::StoreError;

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
];

/// A stored pass.
#[derive(Clone, Debug, PartialEq)]
pub struct PassRow {
    /// Position in creation order (the list cursor).
    pub seq: u64,
    /// The serial number.
    pub serial: String,
    /// The template id.
    pub template: Option<String>,
    /// The status.
    pub status: PassStatus,
    /// The canonical content.
    pub content: PassContent,
    /// The `authenticationToken` (secret; never changes).
    pub auth_token: String,
    /// Increases by one with every change.
    pub update_tag: u64,
    /// Created, unix nanoseconds.
    pub created_at: i128,
    /// Last change, unix nanoseconds.
    pub updated_at: i128,
}

/// What a change to a pass writes.
#[derive(Clone, Debug)]
pub struct PassChange {
    /// The new status.
    pub status: PassStatus,
    /// The new content.
    pub content: PassContent,
}

/// Which passes a listing returns.
#[derive(Clone, Debug, Default)]
pub struct PassFilter {
    /// Only this template's.
    pub template: Option<String>,
    /// Only with this status.
    pub status: Option<String>,
    /// Serial contains this (case-insensitive).
    pub search: Option<String>,
}

/// A change function: `Ok(None)` leaves the row as it is (no new tag).
pub type ChangeFn<'a> = &'a mut dyn FnMut(&PassRow) -> Result<Option<PassChange>>;

/// Where passes, templates and images live.
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Insert a pass; `Err(existing)` when the serial is taken.
    fn insert_pass(&self, row: &PassRow) -> Result<std::result::Result<PassRow, PassRow>>;
    /// Read a pass.
    fn get_pass(&self, serial: &str) -> Result<Option<PassRow>>;
    /// Change a pass in one transaction (tag + 1, `updated_at` now); `None` when it is gone.
    fn update_pass(&self, serial: &str, change: ChangeFn<'_>) -> Result<Option<PassRow>>;
    /// Delete a pass; whether it existed.
    fn delete_pass(&self, serial: &str) -> Result<bool>;
    /// Up to `limit` passes after position `after`, in creation order.
    fn list_passes(&self, filter: &PassFilter, after: u64, limit: usize) -> Result<Vec<PassRow>>;
    /// Insert a template.
    fn insert_template(&self, template: &Template) -> Result<u64>;
    /// Read a template.
    fn get_template(&self, id: &str) -> Result<Option<Template>>;
    /// Up to `limit` templates after position `after`.
    fn list_templates(&self, after: u64, limit: usize) -> Result<Vec<(u64, Template)>>;
    /// Delete a template unless passes use it: `Ok(Err(count))` then.
    fn delete_template(&self, id: &str) -> Result<Option<std::result::Result<(), u64>>>;
    /// Store image bytes under `key` (idempotent).
    fn put_image(&self, key: &str, bytes: &[u8]) -> Result<()>;
    /// Read image bytes.
    fn get_image(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Insert a webhook subscription with its signing secret.
    fn insert_webhook(
        &self,
        subscription: &WebhookSubscription,
        secret: &SecretString,
    ) -> Result<()>;
    /// Read a subscription (without its secret).
    fn get_webhook(&self, id: &str) -> Result<Option<WebhookSubscription>>;
    /// Up to `limit` subscriptions after position `after`, of `template` when given.
    fn list_webhooks(
        &self,
        template: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WebhookSubscription)>>;
    /// Delete a subscription and its history; whether it existed.
    fn delete_webhook(&self, id: &str) -> Result<bool>;
    /// The active subscriptions that want `kind` about a pass of `template`: id, url, secret.
    fn webhooks_for(
        &self,
        kind: &WebhookEventKind,
        template: Option<&TemplateId>,
    ) -> Result<Vec<(String, String, SecretString)>>;
    /// Record one delivery attempt.
    fn add_delivery(&self, webhook: &str, delivery: &WebhookDelivery) -> Result<()>;
    /// Up to `limit` delivery attempts of a subscription after position `after`.
    fn list_deliveries(
        &self,
        webhook: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WebhookDelivery)>>;
}

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn now_nanos() -> i128 {
    OffsetDateTime::now_utc().unix_timestamp_nanos()
}

fn decode(e: impl std::fmt::Display) -> walletpass_core::Error {
    StoreError::Decode(e.to_string()).into()
}

fn sql(e: rusqlite::Error) -> walletpass_core::Error {
    StoreError::Sqlite(e).into()
}

const PASS_COLUMNS: &str =
    "seq, serial, template, status, content, auth_token, update_tag, created_at, updated_at";

type RawRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
    i64,
    i64,
);

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn from_raw(r: RawRow) -> Result<PassRow> {
    Ok(PassRow {
        seq: r.0 as u64,
        serial: r.1,
        template: r.2,
        status: PassStatus::parse(&r.3),
        content: serde_json::from_str(&r.4).map_err(decode)?,
        auth_token: r.5,
        update_tag: r.6 as u64,
        created_at: i128::from(r.7) * 1000,
        updated_at: i128::from(r.8) * 1000,
    })
}

fn micros(nanos: i128) -> i64 {
    i64::try_from(nanos / 1000).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// Open (or create) the store file at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        Self::setup(conn)
    }

    /// A store in memory (tests, benchmarks).
    pub fn in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory().map_err(sql)?)
    }

    fn setup(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(30)).map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            }
            .into());
        }
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(migration).map_err(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A poisoned lock means a panic in another thread while it held the connection; SQLite
        // rolled back any open transaction, so the connection is still consistent.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The JSON `body` column of the row `query` selects by `id`, decoded.
    fn body_by_id<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        id: &str,
    ) -> Result<Option<T>> {
        let body: Option<String> = self
            .lock()
            .prepare_cached(query)
            .map_err(sql)?
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        body.map(|b| serde_json::from_str(&b).map_err(decode))
            .transpose()
    }

    fn read_pass(conn: &Connection, serial: &str) -> Result<Option<PassRow>> {
        conn.prepare_cached(&format!(
            "SELECT {PASS_COLUMNS} FROM passes WHERE serial = ?1"
        ))
        .map_err(sql)?
        .query_row([serial], raw)
        .optional()
        .map_err(sql)?
        .map(from_raw)
        .transpose()
    }
}

impl Storage for SqliteStore {
    fn insert_pass(&self, row: &PassRow) -> Result<std::result::Result<PassRow, PassRow>> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        if let Some(existing) = Self::read_pass(&tx, &row.serial)? {
            return Ok(Err(existing));
        }
        let content = serde_json::to_string(&row.content).map_err(decode)?;
        tx.prepare_cached(
            "INSERT INTO passes (serial, template, status, content, auth_token, update_tag, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(sql)?
        .execute(params![
            row.serial,
            row.template,
            row.status.as_str(),
            content,
            row.auth_token,
            row.update_tag as i64,
            micros(row.created_at),
            micros(row.updated_at),
        ])
        .map_err(sql)?;
        let seq = tx.last_insert_rowid() as u64;
        tx.commit().map_err(sql)?;
        Ok(Ok(PassRow {
            seq,
            created_at: i128::from(micros(row.created_at)) * 1000,
            updated_at: i128::from(micros(row.updated_at)) * 1000,
            ..row.clone()
        }))
    }

    fn get_pass(&self, serial: &str) -> Result<Option<PassRow>> {
        Self::read_pass(&self.lock(), serial)
    }

    fn update_pass(&self, serial: &str, change: ChangeFn<'_>) -> Result<Option<PassRow>> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let Some(current) = Self::read_pass(&tx, serial)? else {
            return Ok(None);
        };
        let Some(next) = change(&current)? else {
            return Ok(Some(current));
        };
        let content = serde_json::to_string(&next.content).map_err(decode)?;
        let now = micros(now_nanos()).max(micros(current.updated_at));
        tx.prepare_cached(
            "UPDATE passes SET status = ?1, content = ?2, update_tag = update_tag + 1, updated_at = ?3
             WHERE seq = ?4",
        )
        .map_err(sql)?
        .execute(params![next.status.as_str(), content, now, current.seq as i64])
        .map_err(sql)?;
        let row = Self::read_pass(&tx, serial)?;
        tx.commit().map_err(sql)?;
        Ok(row)
    }

    fn delete_pass(&self, serial: &str) -> Result<bool> {
        let n = self
            .lock()
            .execute("DELETE FROM passes WHERE serial = ?1", [serial])
            .map_err(sql)?;
        Ok(n > 0)
    }

    fn list_passes(&self, filter: &PassFilter, after: u64, limit: usize) -> Result<Vec<PassRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {PASS_COLUMNS} FROM passes
                 WHERE seq > ?1
                   AND (?2 IS NULL OR template = ?2)
                   AND (?3 IS NULL OR status = ?3)
                   AND (?4 IS NULL OR instr(lower(serial), lower(?4)) > 0)
                 ORDER BY seq LIMIT ?5"
            ))
            .map_err(sql)?;
        let rows = stmt
            .query_map(
                params![
                    after as i64,
                    filter.template,
                    filter.status,
                    filter.search,
                    limit as i64
                ],
                raw,
            )
            .map_err(sql)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(from_raw(r.map_err(sql)?)?);
        }
        Ok(out)
    }

    fn insert_template(&self, template: &Template) -> Result<u64> {
        let body = serde_json::to_string(template).map_err(decode)?;
        let conn = self.lock();
        conn.execute(
            "INSERT INTO templates (id, body) VALUES (?1, ?2)",
            params![template.id.as_str(), body],
        )
        .map_err(sql)?;
        Ok(conn.last_insert_rowid() as u64)
    }

    fn get_template(&self, id: &str) -> Result<Option<Template>> {
        self.body_by_id("SELECT body FROM templates WHERE id = ?1", id)
    }

    fn list_templates(&self, after: u64, limit: usize) -> Result<Vec<(u64, Template)>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached("SELECT seq, body FROM templates WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(sql)?;
        let rows = stmt
            .query_map(params![after as i64, limit as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        for r in rows {
            let (seq, body) = r.map_err(sql)?;
            out.push((seq as u64, serde_json::from_str(&body).map_err(decode)?));
        }
        Ok(out)
    }

    fn delete_template(&self, id: &str) -> Result<Option<std::result::Result<(), u64>>> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let used: i64 = tx
            .query_row(
                "SELECT count(*) FROM passes WHERE template = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if used > 0 {
            return Ok(Some(Err(used as u64)));
        }
        let n = tx
            .execute("DELETE FROM templates WHERE id = ?1", [id])
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok((n > 0).then_some(Ok(())))
    }

    fn put_image(&self, key: &str, bytes: &[u8]) -> Result<()> {
        self.lock()
            .execute(
                "INSERT OR IGNORE INTO images (key, bytes) VALUES (?1, ?2)",
                params![key, bytes],
            )
            .map_err(sql)?;
        Ok(())
    }

    fn get_image(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.lock()
            .prepare_cached("SELECT bytes FROM images WHERE key = ?1")
            .map_err(sql)?
            .query_row([key], |r| r.get(0))
            .optional()
            .map_err(sql)
    }

    fn insert_webhook(
        &self,
        subscription: &WebhookSubscription,
        secret: &SecretString,
    ) -> Result<()> {
        let body = serde_json::to_string(subscription).map_err(decode)?;
        self.lock()
            .execute(
                "INSERT INTO webhooks (id, body, secret) VALUES (?1, ?2, ?3)",
                params![subscription.id.as_str(), body, secret.expose_secret()],
            )
            .map_err(sql)?;
        Ok(())
    }

    fn get_webhook(&self, id: &str) -> Result<Option<WebhookSubscription>> {
        self.body_by_id("SELECT body FROM webhooks WHERE id = ?1", id)
    }

    fn list_webhooks(
        &self,
        template: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WebhookSubscription)>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached("SELECT seq, body FROM webhooks WHERE seq > ?1 ORDER BY seq")
            .map_err(sql)?;
        let rows = stmt
            .query_map(params![after as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        for r in rows {
            let (seq, body) = r.map_err(sql)?;
            let sub: WebhookSubscription = serde_json::from_str(&body).map_err(decode)?;
            if template.is_none_or(|t| sub.template.as_ref().map(TemplateId::as_str) == Some(t)) {
                out.push((seq as u64, sub));
            }
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    fn delete_webhook(&self, id: &str) -> Result<bool> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(sql)?;
        let n = tx
            .execute("DELETE FROM webhooks WHERE id = ?1", [id])
            .map_err(sql)?;
        tx.execute("DELETE FROM deliveries WHERE webhook = ?1", [id])
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(n > 0)
    }

    fn webhooks_for(
        &self,
        kind: &WebhookEventKind,
        template: Option<&TemplateId>,
    ) -> Result<Vec<(String, String, SecretString)>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached("SELECT body, secret FROM webhooks ORDER BY seq")
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(sql)?;
        let mut out = Vec::new();
        for r in rows {
            let (body, secret) = r.map_err(sql)?;
            let sub: WebhookSubscription = serde_json::from_str(&body).map_err(decode)?;
            let wanted = sub.active
                && sub.events.contains(kind)
                && (sub.template.is_none() || sub.template.as_ref() == template);
            if wanted {
                out.push((sub.id.to_string(), sub.url, SecretString::from(secret)));
            }
        }
        Ok(out)
    }

    fn add_delivery(&self, webhook: &str, delivery: &WebhookDelivery) -> Result<()> {
        let body = serde_json::to_string(delivery).map_err(decode)?;
        self.lock()
            .execute(
                "INSERT INTO deliveries (webhook, body) VALUES (?1, ?2)",
                params![webhook, body],
            )
            .map_err(sql)?;
        Ok(())
    }

    fn list_deliveries(
        &self,
        webhook: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WebhookDelivery)>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, body FROM deliveries WHERE webhook = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map(params![webhook, after as i64, limit as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        for r in rows {
            let (seq, body) = r.map_err(sql)?;
            out.push((seq as u64, serde_json::from_str(&body).map_err(decode)?));
        }
        Ok(out)
    }
}
