//! Device registrations, the change sequence and the push queue in PostgreSQL: the SQL of the
//! [`Storage`](crate::store::Storage) methods the PassKit web service and the push worker use,
//! with the contract written on the trait.
//!
//! Several `walletpass serve` processes share the queue safely:
//! - a claim is one statement that picks ready items `FOR UPDATE SKIP LOCKED` and gives each
//!   a new random lease: two claimers never wait on each other and never get the same item
//!   while its lease lasts; an item whose lease ended (its process died or stalled) is
//!   claimable again, so no push is lost;
//! - finishing or retrying acts only while the item still holds the caller's lease;
//! - the change sequence is the value of a one-row counter updated in the pass's change
//!   transaction: its row lock, held to the commit, makes sequences visible in increasing
//!   order (a `SEQUENCE` would not), and it is always the last lock a change takes before
//!   the queue rows, so changes never deadlock on it.

use tokio_postgres::Transaction;
use walletpass_core::Result;

use super::{ErrFn, PostgresStore, all, wait};
use crate::store::rows::{self, Columns, REGISTRATION_COLUMNS, count, limit, micros, position};
use crate::store::{PushItem, RegisterOutcome, Registration, UpdatedSerials};

/// The next change sequence, in the caller's transaction (see the module docs).
pub(super) async fn next_change(tx: &Transaction<'_>, err: ErrFn<'_>) -> Result<i64> {
    let row = tx
        .query_one(
            "UPDATE counters SET value = value + 1 WHERE name = 'change' RETURNING value",
            &[],
        )
        .await
        .map_err(err)?;
    row.int(0)
}

/// Queue a push for every device registered for `serial`, in the caller's transaction: the
/// rules of [`Storage::update_pass`](crate::store::Storage::update_pass).
pub(super) async fn queue_pushes(
    tx: &Transaction<'_>,
    serial: &str,
    now: i64,
    err: ErrFn<'_>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO push_queue (push_token, pass_type_id, generation, changed_at)
         SELECT DISTINCT push_token, pass_type_id, 1, $2::bigint FROM registrations WHERE serial = $1
         ON CONFLICT (push_token, pass_type_id) DO UPDATE SET
            generation = push_queue.generation + 1,
            changed_at = CASE WHEN push_queue.lease IS NOT NULL AND push_queue.lease_until > $2
                              THEN $2 ELSE push_queue.changed_at END",
        &[&serial, &now],
    )
    .await
    .map_err(err)?;
    Ok(())
}

impl PostgresStore {
    pub(super) fn register(&self, r: &Registration) -> Result<Option<RegisterOutcome>> {
        let at = micros(r.registered_at);
        self.transaction("register device", async |tx, err| {
            // The key-share lock keeps the pass from being deleted until the commit.
            let exists = tx
                .query_opt(
                    "SELECT 1 FROM passes WHERE serial = $1 FOR KEY SHARE",
                    &[&r.serial],
                )
                .await
                .map_err(err)?;
            if exists.is_none() {
                return Ok(None);
            }
            let update = "UPDATE registrations SET push_token = $4, registered_at = $5
                 WHERE device_library_id = $1 AND pass_type_id = $2 AND serial = $3";
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
                &r.device_library_id,
                &r.pass_type_id,
                &r.serial,
                &r.push_token,
                &at,
            ];
            let mut outcome = RegisterOutcome::Updated;
            if tx.execute(update, &params).await.map_err(err)? == 0 {
                let inserted = tx
                    .execute(
                        "INSERT INTO registrations (device_library_id, pass_type_id, serial, push_token, registered_at)
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                        &params,
                    )
                    .await
                    .map_err(err)?;
                if inserted == 1 {
                    outcome = RegisterOutcome::Created;
                } else {
                    // Another process registered it in between: this is a re-registration.
                    tx.execute(update, &params).await.map_err(err)?;
                }
            }
            Ok(Some(outcome))
        })
    }

    pub(super) fn unregister(
        &self,
        device: &str,
        pass_type_id: &str,
        serial: &str,
    ) -> Result<bool> {
        self.pool.with(|c| {
            let n = wait(c.execute(
                "DELETE FROM registrations
                 WHERE device_library_id = $1 AND pass_type_id = $2 AND serial = $3",
                &[&device, &pass_type_id, &serial],
            ))
            .map_err(self.err("unregister device"))?;
            Ok(n > 0)
        })
    }

    pub(super) fn registrations_of(
        &self,
        pass_type_id: &str,
        serial: &str,
    ) -> Result<Vec<Registration>> {
        self.pool.with(|c| {
            wait(c.query(
                &format!(
                    "SELECT {REGISTRATION_COLUMNS} FROM registrations
                     WHERE serial = $1 AND pass_type_id = $2 ORDER BY device_library_id"
                ),
                &[&serial, &pass_type_id],
            ))
            .map_err(self.err("read registrations"))
            .and_then(|found| all(&found, rows::registration))
        })
    }

    pub(super) fn count_registrations_of(&self, serial: &str) -> Result<u64> {
        self.pool.with(|c| {
            let r = wait(c.query_one(
                "SELECT count(*) FROM registrations WHERE serial = $1",
                &[&serial],
            ))
            .map_err(self.err("count registrations"))?;
            Ok(count(r.int(0)?))
        })
    }

    pub(super) fn updated_since(
        &self,
        device: &str,
        pass_type_id: &str,
        since: Option<u64>,
    ) -> Result<UpdatedSerials> {
        let since = position(since.unwrap_or(0));
        let found = self.pool.with(|c| {
            wait(c.query(
                "SELECT p.serial, p.change_seq FROM registrations r
                 JOIN passes p ON p.serial = r.serial
                 WHERE r.device_library_id = $1 AND r.pass_type_id = $2 AND p.change_seq > $3
                 ORDER BY p.serial",
                &[&device, &pass_type_id, &since],
            ))
            .map_err(self.err("serials updated since"))
        })?;
        Ok(rows::updated_serials(all(&found, rows::updated_serial)?))
    }

    pub(super) fn remove_token(
        &self,
        push_token: &str,
        pass_type_id: &str,
        unless_registered_after: Option<i128>,
    ) -> Result<Vec<Registration>> {
        let after = unless_registered_after.map_or(i64::MAX, micros);
        self.transaction("remove push token", async |tx, err| {
            let removed = tx
                .query(
                    &format!(
                        "DELETE FROM registrations
                         WHERE push_token = $1 AND pass_type_id = $2 AND registered_at <= $3
                         RETURNING {REGISTRATION_COLUMNS}"
                    ),
                    &[&push_token, &pass_type_id, &after],
                )
                .await
                .map_err(err)?;
            let removed = all(&removed, rows::registration)?;
            tx.execute(
                "DELETE FROM push_queue WHERE push_token = $1 AND pass_type_id = $2
                 AND NOT EXISTS (SELECT 1 FROM registrations WHERE push_token = $1 AND pass_type_id = $2)",
                &[&push_token, &pass_type_id],
            )
            .await
            .map_err(err)?;
            Ok(removed)
        })
    }

    pub(super) fn claim(
        &self,
        now: i128,
        ready_before: i128,
        lease_until: i128,
        size: usize,
    ) -> Result<Vec<PushItem>> {
        let (now, ready, until) = (micros(now), micros(ready_before), micros(lease_until));
        let found = self.pool.with(|c| {
            // One statement, so one transaction: pick (skipping what another claimer holds
            // locked), lease, return.
            wait(c.query(
                "WITH picked AS (
                    SELECT push_token, pass_type_id FROM push_queue
                    WHERE changed_at <= $1 AND retry_at <= $2
                      AND (lease IS NULL OR lease_until <= $2)
                    ORDER BY changed_at LIMIT $3
                    FOR UPDATE SKIP LOCKED
                 )
                 UPDATE push_queue q
                 SET lease = replace(gen_random_uuid()::text, '-', ''), lease_until = $4
                 FROM picked
                 WHERE q.push_token = picked.push_token AND q.pass_type_id = picked.pass_type_id
                 RETURNING q.push_token, q.pass_type_id, q.generation, q.attempts, q.lease, q.changed_at",
                &[&ready, &now, &limit(size), &until],
            ))
            .map_err(self.err("claim pushes"))
        })?;
        let mut items = all(&found, |r| {
            Ok((r.int(5)?, rows::push_item(r, r.text(4)?, until)?))
        })?;
        // UPDATE ... RETURNING keeps no order: oldest change first, as the trait says.
        items.sort_by_key(|(changed_at, _)| *changed_at);
        Ok(items.into_iter().map(|(_, item)| item).collect())
    }

    pub(super) fn finish(&self, item: &PushItem) -> Result<bool> {
        let generation = position(item.generation);
        self.transaction("finish push", async |tx, err| {
            let deleted = tx
                .execute(
                    "DELETE FROM push_queue
                     WHERE push_token = $1 AND pass_type_id = $2 AND lease = $3 AND generation = $4",
                    &[&item.push_token, &item.pass_type_id, &item.lease, &generation],
                )
                .await
                .map_err(err)?;
            let released = if deleted == 0 {
                tx.execute(
                    "UPDATE push_queue SET lease = NULL, lease_until = NULL, attempts = 0, retry_at = 0
                     WHERE push_token = $1 AND pass_type_id = $2 AND lease = $3",
                    &[&item.push_token, &item.pass_type_id, &item.lease],
                )
                .await
                .map_err(err)?
            } else {
                0
            };
            Ok(deleted + released > 0)
        })
    }

    pub(super) fn retry(&self, item: &PushItem, at: i128) -> Result<bool> {
        self.pool.with(|c| {
            let n = wait(c.execute(
                "UPDATE push_queue SET lease = NULL, lease_until = NULL, retry_at = $4,
                    attempts = attempts + 1
                 WHERE push_token = $1 AND pass_type_id = $2 AND lease = $3",
                &[
                    &item.push_token,
                    &item.pass_type_id,
                    &item.lease,
                    &micros(at),
                ],
            ))
            .map_err(self.err("retry push"))?;
            Ok(n > 0)
        })
    }

    pub(super) fn queued(&self) -> Result<u64> {
        self.pool.with(|c| {
            let r = wait(c.query_one("SELECT count(*) FROM push_queue", &[]))
                .map_err(self.err("count pushes"))?;
            Ok(count(r.int(0)?))
        })
    }
}
