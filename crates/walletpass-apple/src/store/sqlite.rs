//! [`SqliteStore`]: the [`Storage`] trait on a SQLite file in the data directory (WAL journal, `synchronous=NORMAL`: a killed process
//! loses no committed change; a power cut may lose the last commits before a checkpoint).
//! Webhook signing secrets are kept in the file (they are needed to sign deliveries): protect
//! it like the pass key.
//!
//! Schema migrations are versioned in [`MIGRATIONS`](super::MIGRATIONS) and tracked in `PRAGMA user_version`;
//! a file written by a newer build is refused. Every change to a pass runs in one
//! `BEGIN IMMEDIATE` transaction that reads the row, applies the change, and writes it with
//! `update_tag + 1` and the new `updated_at`, so concurrent writers (threads or processes)
//! never lose an update. The change sequence is a row of the `counters` table bumped in that
//! transaction, and the pushes a change queues are written in it too.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use walletpass_core::{
    PassStatus, Result, Template, TemplateId, WebhookDelivery, WebhookEventKind,
    WebhookSubscription,
};

use super::schema::MIGRATIONS;
use super::{
    ChangeFn, PassFilter, PassRow, PushItem, RegisterOutcome, Registration, Storage, UpdatedSerials,
};
use crate::error::StoreError;

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

    /// The next value of the store's change sequence (inside the caller's transaction).
    fn next_change(conn: &Connection) -> Result<i64> {
        conn.prepare_cached(
            "UPDATE counters SET value = value + 1 WHERE name = 'change' RETURNING value",
        )
        .map_err(sql)?
        .query_row([], |r| r.get(0))
        .map_err(sql)
    }

    /// Queue a push for every device registered for `serial` (inside the caller's
    /// transaction): the rules of [`Storage::update_pass`].
    fn queue_pushes(conn: &Connection, serial: &str, now: i64) -> Result<()> {
        conn.prepare_cached(
            "INSERT INTO push_queue (push_token, pass_type_id, generation, changed_at)
             SELECT DISTINCT push_token, pass_type_id, 1, ?2 FROM registrations WHERE serial = ?1
             ON CONFLICT (push_token, pass_type_id) DO UPDATE SET
                generation = generation + 1,
                changed_at = CASE WHEN lease IS NOT NULL AND lease_until > ?2
                                  THEN ?2 ELSE changed_at END",
        )
        .map_err(sql)?
        .execute(params![serial, now])
        .map_err(sql)?;
        Ok(())
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
        let change = Self::next_change(&tx)?;
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
            row.update_tag as i64,
            micros(row.created_at),
            micros(row.updated_at),
            change,
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
        let clock = micros(now_nanos());
        let now = clock.max(micros(current.updated_at));
        let change = Self::next_change(&tx)?;
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
            current.seq as i64
        ])
        .map_err(sql)?;
        Self::queue_pushes(&tx, serial, clock)?;
        let row = Self::read_pass(&tx, serial)?;
        tx.commit().map_err(sql)?;
        Ok(row)
    }

    fn delete_pass(&self, serial: &str) -> Result<bool> {
        // The registrations go with it (ON DELETE CASCADE; foreign keys are on).
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

    fn register_device(&self, registration: &Registration) -> Result<Option<RegisterOutcome>> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let exists = tx
            .prepare_cached("SELECT 1 FROM passes WHERE serial = ?1")
            .map_err(sql)?
            .exists([&registration.serial])
            .map_err(sql)?;
        if !exists {
            return Ok(None);
        }
        let updated = tx
            .prepare_cached(
                "UPDATE registrations SET push_token = ?4, registered_at = ?5
                 WHERE device_library_id = ?1 AND pass_type_id = ?2 AND serial = ?3",
            )
            .map_err(sql)?
            .execute(params![
                registration.device_library_id,
                registration.pass_type_id,
                registration.serial,
                registration.push_token,
                micros(registration.registered_at),
            ])
            .map_err(sql)?;
        if updated == 0 {
            tx.prepare_cached(
                "INSERT INTO registrations (device_library_id, pass_type_id, serial, push_token, registered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql)?
            .execute(params![
                registration.device_library_id,
                registration.pass_type_id,
                registration.serial,
                registration.push_token,
                micros(registration.registered_at),
            ])
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(Some(if updated == 0 {
            RegisterOutcome::Created
        } else {
            RegisterOutcome::Updated
        }))
    }

    fn unregister_device(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        serial: &str,
    ) -> Result<bool> {
        let n = self
            .lock()
            .prepare_cached(
                "DELETE FROM registrations
                 WHERE device_library_id = ?1 AND pass_type_id = ?2 AND serial = ?3",
            )
            .map_err(sql)?
            .execute(params![device_library_id, pass_type_id, serial])
            .map_err(sql)?;
        Ok(n > 0)
    }

    fn registrations(&self, pass_type_id: &str, serial: &str) -> Result<Vec<Registration>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT device_library_id, pass_type_id, serial, push_token, registered_at
                 FROM registrations WHERE serial = ?1 AND pass_type_id = ?2
                 ORDER BY device_library_id",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map(params![serial, pass_type_id], registration)
            .map_err(sql)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)
    }

    fn count_registrations(&self, serial: &str) -> Result<u64> {
        let n: i64 = self
            .lock()
            .prepare_cached("SELECT count(*) FROM registrations WHERE serial = ?1")
            .map_err(sql)?
            .query_row([serial], |r| r.get(0))
            .map_err(sql)?;
        Ok(n as u64)
    }

    fn serials_updated_since(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<u64>,
    ) -> Result<UpdatedSerials> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT p.serial, p.change_seq FROM registrations r
                 JOIN passes p ON p.serial = r.serial
                 WHERE r.device_library_id = ?1 AND r.pass_type_id = ?2 AND p.change_seq > ?3
                 ORDER BY p.serial",
            )
            .map_err(sql)?;
        let since = i64::try_from(since.unwrap_or(0)).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![device_library_id, pass_type_id, since], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(sql)?;
        let mut out = UpdatedSerials::default();
        for r in rows {
            let (serial, change) = r.map_err(sql)?;
            out.serials.push(serial);
            out.last_updated = out.last_updated.max(change as u64);
        }
        Ok(out)
    }

    fn remove_push_token(
        &self,
        push_token: &str,
        pass_type_id: &str,
        unless_registered_after: Option<i128>,
    ) -> Result<Vec<Registration>> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let after = unless_registered_after.map_or(i64::MAX, micros);
        let removed = tx
            .prepare_cached(
                "DELETE FROM registrations
                 WHERE push_token = ?1 AND pass_type_id = ?2 AND registered_at <= ?3
                 RETURNING device_library_id, pass_type_id, serial, push_token, registered_at",
            )
            .map_err(sql)?
            .query_map(params![push_token, pass_type_id, after], registration)
            .map_err(sql)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql)?;
        tx.prepare_cached(
            "DELETE FROM push_queue WHERE push_token = ?1 AND pass_type_id = ?2
             AND NOT EXISTS (SELECT 1 FROM registrations WHERE push_token = ?1 AND pass_type_id = ?2)",
        )
        .map_err(sql)?
        .execute(params![push_token, pass_type_id])
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(removed)
    }

    fn claim_pushes(
        &self,
        now: i128,
        ready_before: i128,
        lease_until: i128,
        limit: usize,
    ) -> Result<Vec<PushItem>> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let (now, ready, until) = (micros(now), micros(ready_before), micros(lease_until));
        let candidates = tx
            .prepare_cached(
                "SELECT push_token, pass_type_id, generation, attempts FROM push_queue
                 WHERE changed_at <= ?1 AND retry_at <= ?2
                   AND (lease IS NULL OR lease_until <= ?2)
                 ORDER BY changed_at LIMIT ?3",
            )
            .map_err(sql)?
            .query_map(params![ready, now, limit as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(sql)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql)?;
        let mut out = Vec::with_capacity(candidates.len());
        for (push_token, pass_type_id, generation, attempts) in candidates {
            let lease = uuid::Uuid::new_v4().simple().to_string();
            tx.prepare_cached(
                "UPDATE push_queue SET lease = ?3, lease_until = ?4
                 WHERE push_token = ?1 AND pass_type_id = ?2",
            )
            .map_err(sql)?
            .execute(params![push_token, pass_type_id, lease, until])
            .map_err(sql)?;
            out.push(PushItem {
                push_token,
                pass_type_id,
                generation: generation as u64,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                lease,
                lease_until: i128::from(until) * 1000,
            });
        }
        tx.commit().map_err(sql)?;
        Ok(out)
    }

    fn finish_push(&self, item: &PushItem) -> Result<bool> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let deleted = tx
            .prepare_cached(
                "DELETE FROM push_queue
                 WHERE push_token = ?1 AND pass_type_id = ?2 AND lease = ?3 AND generation = ?4",
            )
            .map_err(sql)?
            .execute(params![
                item.push_token,
                item.pass_type_id,
                item.lease,
                item.generation as i64
            ])
            .map_err(sql)?;
        let released = if deleted == 0 {
            tx.prepare_cached(
                "UPDATE push_queue SET lease = NULL, lease_until = NULL, attempts = 0, retry_at = 0
                 WHERE push_token = ?1 AND pass_type_id = ?2 AND lease = ?3",
            )
            .map_err(sql)?
            .execute(params![item.push_token, item.pass_type_id, item.lease])
            .map_err(sql)?
        } else {
            0
        };
        tx.commit().map_err(sql)?;
        Ok(deleted + released > 0)
    }

    fn retry_push(&self, item: &PushItem, at: i128) -> Result<bool> {
        let n = self
            .lock()
            .prepare_cached(
                "UPDATE push_queue SET lease = NULL, lease_until = NULL, retry_at = ?4,
                    attempts = attempts + 1
                 WHERE push_token = ?1 AND pass_type_id = ?2 AND lease = ?3",
            )
            .map_err(sql)?
            .execute(params![
                item.push_token,
                item.pass_type_id,
                item.lease,
                micros(at)
            ])
            .map_err(sql)?;
        Ok(n > 0)
    }

    fn queued_pushes(&self) -> Result<u64> {
        let n: i64 = self
            .lock()
            .prepare_cached("SELECT count(*) FROM push_queue")
            .map_err(sql)?
            .query_row([], |r| r.get(0))
            .map_err(sql)?;
        Ok(n as u64)
    }
}

fn registration(r: &rusqlite::Row<'_>) -> rusqlite::Result<Registration> {
    Ok(Registration {
        device_library_id: r.get(0)?,
        pass_type_id: r.get(1)?,
        serial: r.get(2)?,
        push_token: r.get(3)?,
        registered_at: i128::from(r.get::<_, i64>(4)?) * 1000,
    })
}
