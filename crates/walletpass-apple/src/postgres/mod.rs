//! The PostgreSQL [`Storage`]: for several `walletpass serve` processes (or machines) sharing
//! one database. Selected by a `postgres://` URL in `APPLE_DATABASE_URL`
//! ([`AppleConfig::with_postgres`](crate::AppleConfig::with_postgres)); SQLite stays the
//! embedded default.
//!
//! Every change to a pass is one transaction that locks the row (`SELECT ... FOR UPDATE`),
//! applies the change and writes `update_tag + 1` with the new `updated_at`, so concurrent
//! writers in any number of processes never lose an update. A serial is claimed by
//! `INSERT ... ON CONFLICT DO NOTHING`, so two processes creating it race to one winner.
//! The schema is versioned in the crate ([`MIGRATIONS`]).
//!
//! # Why `tokio-postgres`
//!
//! The candidates were the sync `postgres` crate, `tokio-postgres` (which `postgres` wraps)
//! and `sqlx`. The [`Storage`] trait is synchronous but called from async code, and a sync
//! `postgres::Client` drives its own tokio runtime with `block_on`, which panics inside
//! another runtime; `sqlx` brings its own async pool, macros and drivers for one database we
//! talk to with a dozen fixed statements. `tokio-postgres` (the same rust-postgres project,
//! pure Rust) lets the connections run on a private runtime thread while callers wait on
//! their requests (the `pool` module explains how). TLS is rustls through `tokio-postgres-rustls`
//! (the brief prefers rustls over OpenSSL; `postgres-native-tls` would bring OpenSSL), with
//! the system roots from `rustls-native-certs` and the aws-lc-rs provider the workspace
//! already builds for reqwest.

mod config;
mod devices;
mod pool;
mod schema;
mod tls;

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use walletpass_core::{
    Error, ErrorKind, PassStatus, Result, Template, TemplateId, WebhookDelivery, WebhookEventKind,
    WebhookSubscription,
};

pub use config::{DEFAULT_MAX_CONNECTIONS, ENV_DATABASE_CA, ENV_DATABASE_URL, PostgresConfig};
pub use schema::MIGRATIONS;

use crate::PROVIDER;
use crate::error::StoreError;
use crate::store::{
    ChangeFn, PassFilter, PassRow, PushItem, RegisterOutcome, Registration, Storage, UpdatedSerials,
};
use pool::{Pool, wait};

/// The PostgreSQL store.
#[derive(Debug)]
pub struct PostgresStore {
    pool: Pool,
}

/// A PostgreSQL failure as the canonical error, the password removed.
pub(crate) fn error(config: &PostgresConfig, what: &str, e: tokio_postgres::Error) -> Error {
    let db = e.as_db_error();
    let kind = match db.map(|d| d.code().clone()) {
        Some(c) if c == SqlState::UNIQUE_VIOLATION => ErrorKind::Conflict,
        Some(c) if c == SqlState::FOREIGN_KEY_VIOLATION => ErrorKind::Conflict,
        Some(c)
            if c == SqlState::T_R_SERIALIZATION_FAILURE
                || c == SqlState::T_R_DEADLOCK_DETECTED
                || c == SqlState::LOCK_NOT_AVAILABLE
                || c == SqlState::QUERY_CANCELED =>
        {
            ErrorKind::Timeout
        }
        Some(c)
            if c == SqlState::INVALID_PASSWORD
                || c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
                || c == SqlState::INVALID_CATALOG_NAME =>
        {
            ErrorKind::Config
        }
        Some(_) => ErrorKind::Server,
        None => ErrorKind::Transport,
    };
    let mut message = format!("store: postgres {what} ({}): {e}", config.target());
    if let Some(db) = db {
        message.push_str(&format!(": {}", db.message()));
        if let Some(detail) = db.detail() {
            message.push_str(&format!(" ({detail})"));
        }
    }
    if kind == ErrorKind::Config {
        message.push_str(&format!(
            "; check the user, password and database in {ENV_DATABASE_URL}"
        ));
    }
    Error::new(kind, config.scrub(&message)).with_provider(PROVIDER)
}

fn decode(e: impl std::fmt::Display) -> Error {
    StoreError::Decode(e.to_string()).into()
}

fn now_micros() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn micros(nanos: i128) -> i64 {
    i64::try_from(nanos / 1000).unwrap_or(i64::MAX)
}

fn seq(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn position(after: u64) -> i64 {
    i64::try_from(after).unwrap_or(i64::MAX)
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

const PASS_COLUMNS: &str =
    "seq, serial, template, status, content, auth_token, update_tag, created_at, updated_at";

fn column<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, i: usize) -> Result<T> {
    row.try_get(i).map_err(decode)
}

fn pass_row(r: &Row) -> Result<PassRow> {
    let content: String = column(r, 4)?;
    Ok(PassRow {
        seq: seq(column(r, 0)?),
        serial: column(r, 1)?,
        template: column(r, 2)?,
        status: PassStatus::parse(column(r, 3)?),
        content: serde_json::from_str(&content).map_err(decode)?,
        auth_token: column(r, 5)?,
        update_tag: seq(column(r, 6)?),
        created_at: i128::from(column::<i64>(r, 7)?) * 1000,
        updated_at: i128::from(column::<i64>(r, 8)?) * 1000,
    })
}

/// `(seq, body)` rows with the JSON body decoded.
fn seq_bodies<T: serde::de::DeserializeOwned>(rows: &[Row]) -> Result<Vec<(u64, T)>> {
    rows.iter()
        .map(|r| {
            let body: String = column(r, 1)?;
            Ok((
                seq(column(r, 0)?),
                serde_json::from_str(&body).map_err(decode)?,
            ))
        })
        .collect()
}

impl PostgresStore {
    /// Connect, and bring the schema up to date (one connection is opened now; more, up to
    /// [`PostgresConfig::with_max_connections`], when needed).
    pub fn connect(config: PostgresConfig) -> Result<Self> {
        let store = Self {
            pool: Pool::new(config)?,
        };
        store
            .pool
            .with(|c| schema::migrate(c, |e| error(store.pool.config(), "migrate", e)))?;
        Ok(store)
    }

    /// The configuration (its `Debug` shows no password).
    pub fn config(&self) -> &PostgresConfig {
        self.pool.config()
    }

    fn err<'a>(&'a self, what: &'a str) -> impl Fn(tokio_postgres::Error) -> Error + 'a {
        move |e| error(self.pool.config(), what, e)
    }

    /// The JSON `body` column of the row `query` selects by `$1`, decoded.
    fn body_by_id<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        id: &str,
    ) -> Result<Option<T>> {
        let body: Option<String> = self.pool.with(|c| {
            wait(c.query_opt(query, &[&id]))
                .map_err(self.err("read"))?
                .map(|r| column(&r, 0))
                .transpose()
        })?;
        body.map(|b| serde_json::from_str(&b).map_err(decode))
            .transpose()
    }
}

impl Storage for PostgresStore {
    fn insert_pass(&self, row: &PassRow) -> Result<std::result::Result<PassRow, PassRow>> {
        let content = serde_json::to_string(&row.content).map_err(decode)?;
        let (created, updated) = (micros(row.created_at), micros(row.updated_at));
        self.pool.with(|c| {
            wait(async {
                // A serial deleted between the two statements is inserted on the next try.
                let err = self.err("insert pass");
                for _ in 0..3 {
                    let tx = c.transaction().await.map_err(&err)?;
                    let change = devices::next_change(&tx, &err).await?;
                    let inserted = tx
                        .query_opt(
                            "INSERT INTO passes (serial, template, status, content, auth_token, update_tag, created_at, updated_at, change_seq)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                             ON CONFLICT (serial) DO NOTHING RETURNING seq",
                            &[
                                &row.serial,
                                &row.template,
                                &row.status.as_str(),
                                &content,
                                &row.auth_token,
                                &(row.update_tag as i64),
                                &created,
                                &updated,
                                &change,
                            ],
                        )
                        .await
                        .map_err(&err)?;
                    if let Some(r) = inserted {
                        let seq = seq(column(&r, 0)?);
                        tx.commit().await.map_err(&err)?;
                        return Ok(Ok(PassRow {
                            seq,
                            created_at: i128::from(created) * 1000,
                            updated_at: i128::from(updated) * 1000,
                            ..row.clone()
                        }));
                    }
                    // Taken: nothing written (the change sequence goes back too).
                    tx.rollback().await.map_err(&err)?;
                    let existing = c
                        .query_opt(
                            &format!("SELECT {PASS_COLUMNS} FROM passes WHERE serial = $1"),
                            &[&row.serial],
                        )
                        .await
                        .map_err(self.err("read pass"))?;
                    if let Some(existing) = existing {
                        return Ok(Err(pass_row(&existing)?));
                    }
                }
                Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "store: serial '{}' was created and deleted repeatedly while inserting it",
                        row.serial
                    ),
                )
                .with_provider(PROVIDER))
            })
        })
    }

    fn get_pass(&self, serial: &str) -> Result<Option<PassRow>> {
        self.pool.with(|c| {
            wait(c.query_opt(
                &format!("SELECT {PASS_COLUMNS} FROM passes WHERE serial = $1"),
                &[&serial],
            ))
            .map_err(self.err("read pass"))?
            .map(|r| pass_row(&r))
            .transpose()
        })
    }

    fn update_pass(&self, serial: &str, change: ChangeFn<'_>) -> Result<Option<PassRow>> {
        let err = self.err("update pass");
        self.pool.with(|c| {
            wait(async {
                let tx = c.transaction().await.map_err(&err)?;
                let current = tx
                    .query_opt(
                        &format!(
                            "SELECT {PASS_COLUMNS} FROM passes WHERE serial = $1 FOR NO KEY UPDATE"
                        ),
                        &[&serial],
                    )
                    .await
                    .map_err(&err)?;
                let Some(current) = current.map(|r| pass_row(&r)).transpose()? else {
                    return Ok(None);
                };
                let Some(next) = change(&current)? else {
                    return Ok(Some(current));
                };
                let content = serde_json::to_string(&next.content).map_err(decode)?;
                let clock = now_micros();
                let now = clock.max(micros(current.updated_at));
                let change = devices::next_change(&tx, &err).await?;
                let row = tx
                    .query_one(
                        &format!(
                            "UPDATE passes SET status = $1, content = $2, update_tag = update_tag + 1, updated_at = $3,
                                change_seq = $4
                             WHERE seq = $5 RETURNING {PASS_COLUMNS}"
                        ),
                        &[&next.status.as_str(), &content, &now, &change, &(current.seq as i64)],
                    )
                    .await
                    .map_err(&err)?;
                let row = pass_row(&row)?;
                devices::queue_pushes(&tx, serial, clock, &err).await?;
                tx.commit().await.map_err(&err)?;
                Ok(Some(row))
            })
        })
    }

    fn delete_pass(&self, serial: &str) -> Result<bool> {
        self.pool.with(|c| {
            let n = wait(c.execute("DELETE FROM passes WHERE serial = $1", &[&serial]))
                .map_err(self.err("delete pass"))?;
            Ok(n > 0)
        })
    }

    fn list_passes(&self, filter: &PassFilter, after: u64, size: usize) -> Result<Vec<PassRow>> {
        self.pool.with(|c| {
            wait(c.query(
                &format!(
                    "SELECT {PASS_COLUMNS} FROM passes
                     WHERE seq > $1
                       AND ($2::text IS NULL OR template = $2)
                       AND ($3::text IS NULL OR status = $3)
                       AND ($4::text IS NULL OR strpos(lower(serial), lower($4)) > 0)
                     ORDER BY seq LIMIT $5"
                ),
                &[
                    &position(after),
                    &filter.template,
                    &filter.status,
                    &filter.search,
                    &limit(size),
                ],
            ))
            .map_err(self.err("list passes"))?
            .iter()
            .map(pass_row)
            .collect()
        })
    }

    fn insert_template(&self, template: &Template) -> Result<u64> {
        let body = serde_json::to_string(template).map_err(decode)?;
        self.pool.with(|c| {
            let r = wait(c.query_one(
                "INSERT INTO templates (id, body) VALUES ($1, $2) RETURNING seq",
                &[&template.id.as_str(), &body],
            ))
            .map_err(self.err("insert template"))?;
            Ok(seq(column(&r, 0)?))
        })
    }

    fn get_template(&self, id: &str) -> Result<Option<Template>> {
        self.body_by_id("SELECT body FROM templates WHERE id = $1", id)
    }

    fn list_templates(&self, after: u64, size: usize) -> Result<Vec<(u64, Template)>> {
        self.pool.with(|c| {
            let rows = wait(c.query(
                "SELECT seq, body FROM templates WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&position(after), &limit(size)],
            ))
            .map_err(self.err("list templates"))?;
            seq_bodies(&rows)
        })
    }

    fn delete_template(&self, id: &str) -> Result<Option<std::result::Result<(), u64>>> {
        let err = self.err("delete template");
        self.pool.with(|c| {
            wait(async {
                let tx = c.transaction().await.map_err(&err)?;
                // The row lock makes a concurrent create of a pass of this template wait.
                let found = tx
                    .query_opt("SELECT 1 FROM templates WHERE id = $1 FOR UPDATE", &[&id])
                    .await
                    .map_err(&err)?;
                if found.is_none() {
                    return Ok(None);
                }
                let used: i64 = column(
                    &tx.query_one("SELECT count(*) FROM passes WHERE template = $1", &[&id])
                        .await
                        .map_err(&err)?,
                    0,
                )?;
                if used > 0 {
                    return Ok(Some(Err(seq(used))));
                }
                tx.execute("DELETE FROM templates WHERE id = $1", &[&id])
                    .await
                    .map_err(&err)?;
                tx.commit().await.map_err(&err)?;
                Ok(Some(Ok(())))
            })
        })
    }

    fn put_image(&self, key: &str, bytes: &[u8]) -> Result<()> {
        self.pool.with(|c| {
            wait(c.execute(
                "INSERT INTO images (key, bytes) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &bytes],
            ))
            .map_err(self.err("store image"))?;
            Ok(())
        })
    }

    fn get_image(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.pool.with(|c| {
            wait(c.query_opt("SELECT bytes FROM images WHERE key = $1", &[&key]))
                .map_err(self.err("read image"))?
                .map(|r| column(&r, 0))
                .transpose()
        })
    }

    fn insert_webhook(
        &self,
        subscription: &WebhookSubscription,
        secret: &SecretString,
    ) -> Result<()> {
        let body = serde_json::to_string(subscription).map_err(decode)?;
        let template = subscription.template.as_ref().map(TemplateId::as_str);
        self.pool.with(|c| {
            wait(c.execute(
                "INSERT INTO webhooks (id, template, body, secret) VALUES ($1, $2, $3, $4)",
                &[
                    &subscription.id.as_str(),
                    &template,
                    &body,
                    &secret.expose_secret(),
                ],
            ))
            .map_err(self.err("insert webhook"))?;
            Ok(())
        })
    }

    fn get_webhook(&self, id: &str) -> Result<Option<WebhookSubscription>> {
        self.body_by_id("SELECT body FROM webhooks WHERE id = $1", id)
    }

    fn list_webhooks(
        &self,
        template: Option<&str>,
        after: u64,
        size: usize,
    ) -> Result<Vec<(u64, WebhookSubscription)>> {
        self.pool.with(|c| {
            let rows = wait(c.query(
                "SELECT seq, body FROM webhooks
                 WHERE seq > $1 AND ($2::text IS NULL OR template = $2)
                 ORDER BY seq LIMIT $3",
                &[&position(after), &template, &limit(size)],
            ))
            .map_err(self.err("list webhooks"))?;
            seq_bodies(&rows)
        })
    }

    fn delete_webhook(&self, id: &str) -> Result<bool> {
        let err = self.err("delete webhook");
        self.pool.with(|c| {
            wait(async {
                let tx = c.transaction().await.map_err(&err)?;
                let n = tx
                    .execute("DELETE FROM webhooks WHERE id = $1", &[&id])
                    .await
                    .map_err(&err)?;
                tx.execute("DELETE FROM deliveries WHERE webhook = $1", &[&id])
                    .await
                    .map_err(&err)?;
                tx.commit().await.map_err(&err)?;
                Ok(n > 0)
            })
        })
    }

    fn webhooks_for(
        &self,
        kind: &WebhookEventKind,
        template: Option<&TemplateId>,
    ) -> Result<Vec<(String, String, SecretString)>> {
        let template = template.map(TemplateId::as_str);
        let rows = self.pool.with(|c| {
            wait(c.query(
                "SELECT body, secret FROM webhooks
                 WHERE template IS NULL OR template = $1 ORDER BY seq",
                &[&template],
            ))
            .map_err(self.err("read webhooks"))
        })?;
        let mut out = Vec::new();
        for r in &rows {
            let body: String = column(r, 0)?;
            let sub: WebhookSubscription = serde_json::from_str(&body).map_err(decode)?;
            if sub.active && sub.events.contains(kind) {
                out.push((
                    sub.id.to_string(),
                    sub.url,
                    SecretString::from(column::<String>(r, 1)?),
                ));
            }
        }
        Ok(out)
    }

    fn add_delivery(&self, webhook: &str, delivery: &WebhookDelivery) -> Result<()> {
        let body = serde_json::to_string(delivery).map_err(decode)?;
        self.pool.with(|c| {
            wait(c.execute(
                "INSERT INTO deliveries (webhook, body) VALUES ($1, $2)",
                &[&webhook, &body],
            ))
            .map_err(self.err("record delivery"))?;
            Ok(())
        })
    }

    fn list_deliveries(
        &self,
        webhook: &str,
        after: u64,
        size: usize,
    ) -> Result<Vec<(u64, WebhookDelivery)>> {
        self.pool.with(|c| {
            let rows = wait(c.query(
                "SELECT seq, body FROM deliveries WHERE webhook = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&webhook, &position(after), &limit(size)],
            ))
            .map_err(self.err("list deliveries"))?;
            seq_bodies(&rows)
        })
    }

    fn register_device(&self, registration: &Registration) -> Result<Option<RegisterOutcome>> {
        self.register(registration)
    }

    fn unregister_device(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        serial: &str,
    ) -> Result<bool> {
        self.unregister(device_library_id, pass_type_id, serial)
    }

    fn registrations(&self, pass_type_id: &str, serial: &str) -> Result<Vec<Registration>> {
        self.registrations_of(pass_type_id, serial)
    }

    fn count_registrations(&self, serial: &str) -> Result<u64> {
        self.count_registrations_of(serial)
    }

    fn serials_updated_since(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<u64>,
    ) -> Result<UpdatedSerials> {
        self.updated_since(device_library_id, pass_type_id, since)
    }

    fn remove_push_token(
        &self,
        push_token: &str,
        pass_type_id: &str,
        unless_registered_after: Option<i128>,
    ) -> Result<Vec<Registration>> {
        self.remove_token(push_token, pass_type_id, unless_registered_after)
    }

    fn claim_pushes(
        &self,
        now: i128,
        ready_before: i128,
        lease_until: i128,
        limit: usize,
    ) -> Result<Vec<PushItem>> {
        self.claim(now, ready_before, lease_until, limit)
    }

    fn finish_push(&self, item: &PushItem) -> Result<bool> {
        self.finish(item)
    }

    fn retry_push(&self, item: &PushItem, at: i128) -> Result<bool> {
        self.retry(item, at)
    }

    fn queued_pushes(&self) -> Result<u64> {
        self.queued()
    }
}
