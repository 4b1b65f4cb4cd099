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
//! Laid out as the SQLite store is: this file holds the connection and the passes, templates
//! and images; the webhook subscriptions and deliveries are in `webhooks`, the device
//! registrations and the push queue in `devices`. Row decoding is shared with SQLite
//! (the `store::rows` module), so the two differ only in SQL text and driver calls.
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
mod webhooks;

use tokio_postgres::error::SqlState;
use tokio_postgres::{Row, Transaction};
use walletpass_core::{Error, ErrorKind, Result, Template, WebhookSubscription};

pub use config::{DEFAULT_MAX_CONNECTIONS, ENV_DATABASE_CA, ENV_DATABASE_URL, PostgresConfig};
pub use schema::MIGRATIONS;

use crate::PROVIDER;
use crate::store::rows::{
    self, Columns, PASS_COLUMNS, count, decode, from_json, json, limit, micros, position,
};
use crate::store::{ChangeFn, PassFilter, PassRow, Storage};
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

/// Column `i` of `row`, of any type the driver decodes.
fn column<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, i: usize) -> Result<T> {
    row.try_get(i).map_err(decode)
}

impl Columns for Row {
    fn text(&self, i: usize) -> Result<String> {
        column(self, i)
    }

    fn optional_text(&self, i: usize) -> Result<Option<String>> {
        column(self, i)
    }

    fn int(&self, i: usize) -> Result<i64> {
        column(self, i)
    }
}

/// How a transaction's statements turn a driver error into the canonical one.
type ErrFn<'a> = &'a dyn Fn(tokio_postgres::Error) -> Error;

/// Every row decoded by `f`.
fn all<T>(rows: &[Row], f: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
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

    /// Run `f` in one transaction, committed when it answers `Ok` (rolled back when it
    /// fails); driver errors name `what`.
    fn transaction<T>(
        &self,
        what: &str,
        f: impl AsyncFnOnce(&Transaction<'_>, ErrFn<'_>) -> Result<T>,
    ) -> Result<T> {
        let err = self.err(what);
        self.pool.with(|c| {
            wait(async {
                let tx = c.transaction().await.map_err(&err)?;
                let out = f(&tx, &err).await?;
                tx.commit().await.map_err(&err)?;
                Ok(out)
            })
        })
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
                .map(|r| r.text(0))
                .transpose()
        })?;
        body.map(|b| from_json(&b)).transpose()
    }
}

impl Storage for PostgresStore {
    fn insert_pass(&self, row: &PassRow) -> Result<std::result::Result<PassRow, PassRow>> {
        let content = json(&row.content)?;
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
                                &position(row.update_tag),
                                &created,
                                &updated,
                                &change,
                            ],
                        )
                        .await
                        .map_err(&err)?;
                    if let Some(r) = inserted {
                        let seq = count(r.int(0)?);
                        tx.commit().await.map_err(&err)?;
                        return Ok(Ok(rows::inserted(row, seq)));
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
                        return Ok(Err(rows::pass_row(&existing)?));
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
            .map(|r| rows::pass_row(&r))
            .transpose()
        })
    }

    fn update_pass(&self, serial: &str, change: ChangeFn<'_>) -> Result<Option<PassRow>> {
        self.transaction("update pass", async |tx, err| {
            let current = tx
                .query_opt(
                    &format!(
                        "SELECT {PASS_COLUMNS} FROM passes WHERE serial = $1 FOR NO KEY UPDATE"
                    ),
                    &[&serial],
                )
                .await
                .map_err(err)?;
            let Some(current) = current.map(|r| rows::pass_row(&r)).transpose()? else {
                return Ok(None);
            };
            let Some(next) = change(&current)? else {
                return Ok(Some(current));
            };
            let content = json(&next.content)?;
            let (clock, now) = rows::change_times(&current);
            let change = devices::next_change(tx, err).await?;
            let row = tx
                .query_one(
                    &format!(
                        "UPDATE passes SET status = $1, content = $2, update_tag = update_tag + 1, updated_at = $3,
                            change_seq = $4
                         WHERE seq = $5 RETURNING {PASS_COLUMNS}"
                    ),
                    &[&next.status.as_str(), &content, &now, &change, &position(current.seq)],
                )
                .await
                .map_err(err)?;
            let row = rows::pass_row(&row)?;
            devices::queue_pushes(tx, serial, clock, err).await?;
            Ok(Some(row))
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
            let found = wait(c.query(
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
            .map_err(self.err("list passes"))?;
            all(&found, rows::pass_row)
        })
    }

    fn insert_template(&self, template: &Template) -> Result<u64> {
        let body = json(template)?;
        self.pool.with(|c| {
            let r = wait(c.query_one(
                "INSERT INTO templates (id, body) VALUES ($1, $2) RETURNING seq",
                &[&template.id.as_str(), &body],
            ))
            .map_err(self.err("insert template"))?;
            Ok(count(r.int(0)?))
        })
    }

    fn get_template(&self, id: &str) -> Result<Option<Template>> {
        self.body_by_id("SELECT body FROM templates WHERE id = $1", id)
    }

    fn list_templates(&self, after: u64, size: usize) -> Result<Vec<(u64, Template)>> {
        self.pool.with(|c| {
            let found = wait(c.query(
                "SELECT seq, body FROM templates WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&position(after), &limit(size)],
            ))
            .map_err(self.err("list templates"))?;
            all(&found, rows::seq_body)
        })
    }

    fn delete_template(&self, id: &str) -> Result<Option<std::result::Result<(), u64>>> {
        self.transaction("delete template", async |tx, err| {
            // The row lock makes a concurrent create of a pass of this template wait.
            let found = tx
                .query_opt("SELECT 1 FROM templates WHERE id = $1 FOR UPDATE", &[&id])
                .await
                .map_err(err)?;
            if found.is_none() {
                return Ok(None);
            }
            let used = tx
                .query_one("SELECT count(*) FROM passes WHERE template = $1", &[&id])
                .await
                .map_err(err)?
                .int(0)?;
            if used > 0 {
                return Ok(Some(Err(count(used))));
            }
            tx.execute("DELETE FROM templates WHERE id = $1", &[&id])
                .await
                .map_err(err)?;
            Ok(Some(Ok(())))
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

    fn get_webhook(&self, id: &str) -> Result<Option<WebhookSubscription>> {
        self.body_by_id("SELECT body FROM webhooks WHERE id = $1", id)
    }

    crate::store::concerns::storage_by_concern!();
}
