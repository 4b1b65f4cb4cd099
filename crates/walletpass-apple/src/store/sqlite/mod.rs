//! [`SqliteStore`]: the [`Storage`] trait on a SQLite file in the data directory (WAL journal,
//! `synchronous=NORMAL`: a killed process loses no committed change; a power cut may lose the
//! last commits before a checkpoint). Webhook signing secrets are kept in the file (they are
//! needed to sign deliveries): protect it like the pass key.
//!
//! Schema migrations are versioned in [`MIGRATIONS`](super::MIGRATIONS) and tracked in
//! `PRAGMA user_version`; a file written by a newer build is refused. Every change to a pass
//! runs in one `BEGIN IMMEDIATE` transaction that reads the row, applies the change, and
//! writes it with `update_tag + 1` and the new `updated_at`, so concurrent writers (threads or
//! processes) never lose an update. The change sequence is a row of the `counters` table
//! bumped in that transaction, and the pushes a change queues are written in it too.
//!
//! This file holds the connection and the passes, templates and images; the webhook
//! subscriptions and deliveries are in `webhooks`, the device registrations and the push queue
//! in `devices`. Row decoding is shared with PostgreSQL (the `store::rows` module).

mod devices;
mod schema;
mod webhooks;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Params, Statement, TransactionBehavior, params};
use walletpass_core::{Result, Template, WebhookSubscription};

pub use schema::MIGRATIONS;

use super::rows::{self, Columns, PASS_COLUMNS, count, from_json, json, limit, micros, position};
use super::{ChangeFn, PassFilter, PassRow, Storage};
use crate::error::StoreError;

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn sql(e: rusqlite::Error) -> walletpass_core::Error {
    StoreError::Sqlite(e).into()
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<String> {
        self.get(i).map_err(sql)
    }

    fn optional_text(&self, i: usize) -> Result<Option<String>> {
        self.get(i).map_err(sql)
    }

    fn int(&self, i: usize) -> Result<i64> {
        self.get(i).map_err(sql)
    }
}

/// Every row `stmt` answers for `params`, each decoded by `f`.
fn all<'s, T>(
    stmt: &'s mut Statement<'_>,
    params: impl Params,
    f: impl Fn(&rusqlite::Row<'s>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut rows = stmt.query(params).map_err(sql)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(sql)? {
        out.push(f(r)?);
    }
    Ok(out)
}

/// The row `stmt` answers for `params`, if any, decoded by `f`.
fn one<'s, T>(
    stmt: &'s mut Statement<'_>,
    params: impl Params,
    f: impl Fn(&rusqlite::Row<'s>) -> Result<T>,
) -> Result<Option<T>> {
    let mut rows = stmt.query(params).map_err(sql)?;
    rows.next().map_err(sql)?.map(f).transpose()
}

/// A `count(*)` answer.
fn counted(conn: &Connection, query: &str, params: impl Params) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached(query)
        .map_err(sql)?
        .query_row(params, |r| r.get(0))
        .map_err(sql)?;
    Ok(count(n))
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

    /// Run `f` in one `BEGIN IMMEDIATE` transaction, committed when it answers `Ok`.
    fn immediate<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let out = f(&tx)?;
        tx.commit().map_err(sql)?;
        Ok(out)
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
        body.map(|b| from_json(&b)).transpose()
    }

    /// The next value of the store's change sequence (inside the caller's transaction).
    fn next_change(conn: &Connection) -> Result<i64> {
        conn.prepare_cached(
            "UPDATE counters SET value = value + 1 WHERE name = 'change' RETURNING value",
        )
        .map_err(sql)?
        .query_row([], |r| r.get(0))
        .map_err(sql)
    }

    fn read_pass(conn: &Connection, serial: &str) -> Result<Option<PassRow>> {
        one(
            &mut *conn
                .prepare_cached(&format!(
                    "SELECT {PASS_COLUMNS} FROM passes WHERE serial = ?1"
                ))
                .map_err(sql)?,
            [serial],
            rows::pass_row,
        )
    }
}

impl Storage for SqliteStore {
    fn insert_pass(&self, row: &PassRow) -> Result<std::result::Result<PassRow, PassRow>> {
        // An early `Err(existing)` answer commits nothing: the transaction wrote nothing yet.
        self.immediate(|tx| {
            if let Some(existing) = Self::read_pass(tx, &row.serial)? {
                return Ok(Err(existing));
            }
            let content = json(&row.content)?;
            let change = Self::next_change(tx)?;
            tx.prepare_cached(
                "INSERT INTO passes (serial, template, status, content, auth_token, update_tag, created_at, updated_at, change_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(sql)?
            .execute(params![
                row.serial,
                row.template,
                row.status.as_str(),
                content,
                row.auth_token,
                position(row.update_tag),
                micros(row.created_at),
                micros(row.updated_at),
                change,
            ])
            .map_err(sql)?;
            Ok(Ok(rows::inserted(row, count(tx.last_insert_rowid()))))
        })
    }

    fn get_pass(&self, serial: &str) -> Result<Option<PassRow>> {
        Self::read_pass(&self.lock(), serial)
    }

    fn update_pass(&self, serial: &str, change: ChangeFn<'_>) -> Result<Option<PassRow>> {
        self.immediate(|tx| {
            let Some(current) = Self::read_pass(tx, serial)? else {
                return Ok(None);
            };
            let Some(next) = change(&current)? else {
                return Ok(Some(current));
            };
            let content = json(&next.content)?;
            let (clock, now) = rows::change_times(&current);
            let change = Self::next_change(tx)?;
            tx.prepare_cached(
                "UPDATE passes SET status = ?1, content = ?2, update_tag = update_tag + 1, updated_at = ?3,
                    change_seq = ?4
                 WHERE seq = ?5",
            )
            .map_err(sql)?
            .execute(params![
                next.status.as_str(),
                content,
                now,
                change,
                position(current.seq)
            ])
            .map_err(sql)?;
            Self::queue_pushes(tx, serial, clock)?;
            Self::read_pass(tx, serial)
        })
    }

    fn delete_pass(&self, serial: &str) -> Result<bool> {
        // The registrations go with it (ON DELETE CASCADE; foreign keys are on).
        let n = self
            .lock()
            .execute("DELETE FROM passes WHERE serial = ?1", [serial])
            .map_err(sql)?;
        Ok(n > 0)
    }

    fn list_passes(&self, filter: &PassFilter, after: u64, size: usize) -> Result<Vec<PassRow>> {
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
        all(
            &mut stmt,
            params![
                position(after),
                filter.template,
                filter.status,
                filter.search,
                limit(size)
            ],
            rows::pass_row,
        )
    }

    fn insert_template(&self, template: &Template) -> Result<u64> {
        let body = json(template)?;
        let conn = self.lock();
        conn.execute(
            "INSERT INTO templates (id, body) VALUES (?1, ?2)",
            params![template.id.as_str(), body],
        )
        .map_err(sql)?;
        Ok(count(conn.last_insert_rowid()))
    }

    fn get_template(&self, id: &str) -> Result<Option<Template>> {
        self.body_by_id("SELECT body FROM templates WHERE id = ?1", id)
    }

    fn list_templates(&self, after: u64, size: usize) -> Result<Vec<(u64, Template)>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached("SELECT seq, body FROM templates WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(sql)?;
        all(
            &mut stmt,
            params![position(after), limit(size)],
            rows::seq_body,
        )
    }

    fn delete_template(&self, id: &str) -> Result<Option<std::result::Result<(), u64>>> {
        // An early `Err(count)` answer commits nothing: the transaction wrote nothing yet.
        self.immediate(|tx| {
            let used = counted(tx, "SELECT count(*) FROM passes WHERE template = ?1", [id])?;
            if used > 0 {
                return Ok(Some(Err(used)));
            }
            let n = tx
                .execute("DELETE FROM templates WHERE id = ?1", [id])
                .map_err(sql)?;
            Ok((n > 0).then_some(Ok(())))
        })
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

    fn get_webhook(&self, id: &str) -> Result<Option<WebhookSubscription>> {
        self.body_by_id("SELECT body FROM webhooks WHERE id = ?1", id)
    }

    super::concerns::storage_by_concern!();
}
