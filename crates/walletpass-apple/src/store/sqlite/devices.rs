//! Device registrations and the push queue in SQLite: the SQL of the
//! [`Storage`](crate::store::Storage) methods the PassKit web service and the push worker use,
//! with the contract written on the trait. Each runs in one `BEGIN IMMEDIATE` transaction
//! where it reads before it writes, which holds the file's write lock, so several processes
//! on one file never claim the same item.

use rusqlite::{Connection, params};

use super::{SqliteStore, all, counted, sql};
use crate::store::rows::{self, REGISTRATION_COLUMNS, limit, micros, position};
use crate::store::{PushItem, RegisterOutcome, Registration, UpdatedSerials};
use walletpass_core::Result;

impl SqliteStore {
    /// Queue a push for every device registered for `serial` (inside the caller's
    /// transaction): the rules of [`Storage::update_pass`](crate::store::Storage::update_pass).
    pub(super) fn queue_pushes(conn: &Connection, serial: &str, now: i64) -> Result<()> {
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

    pub(super) fn register(&self, r: &Registration) -> Result<Option<RegisterOutcome>> {
        // An early `None` answer commits nothing: the transaction wrote nothing yet.
        self.immediate(|tx| {
            let exists = tx
                .prepare_cached("SELECT 1 FROM passes WHERE serial = ?1")
                .map_err(sql)?
                .exists([&r.serial])
                .map_err(sql)?;
            if !exists {
                return Ok(None);
            }
            let values = params![
                r.device_library_id,
                r.pass_type_id,
                r.serial,
                r.push_token,
                micros(r.registered_at),
            ];
            let updated = tx
                .prepare_cached(
                    "UPDATE registrations SET push_token = ?4, registered_at = ?5
                     WHERE device_library_id = ?1 AND pass_type_id = ?2 AND serial = ?3",
                )
                .map_err(sql)?
                .execute(values)
                .map_err(sql)?;
            if updated > 0 {
                return Ok(Some(RegisterOutcome::Updated));
            }
            tx.prepare_cached(
                "INSERT INTO registrations (device_library_id, pass_type_id, serial, push_token, registered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql)?
            .execute(values)
            .map_err(sql)?;
            Ok(Some(RegisterOutcome::Created))
        })
    }

    pub(super) fn unregister(
        &self,
        device: &str,
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
            .execute(params![device, pass_type_id, serial])
            .map_err(sql)?;
        Ok(n > 0)
    }

    pub(super) fn registrations_of(
        &self,
        pass_type_id: &str,
        serial: &str,
    ) -> Result<Vec<Registration>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations
                 WHERE serial = ?1 AND pass_type_id = ?2 ORDER BY device_library_id"
            ))
            .map_err(sql)?;
        all(&mut stmt, params![serial, pass_type_id], rows::registration)
    }

    pub(super) fn count_registrations_of(&self, serial: &str) -> Result<u64> {
        counted(
            &self.lock(),
            "SELECT count(*) FROM registrations WHERE serial = ?1",
            [serial],
        )
    }

    pub(super) fn updated_since(
        &self,
        device: &str,
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
        let since = position(since.unwrap_or(0));
        let changed = all(
            &mut stmt,
            params![device, pass_type_id, since],
            rows::updated_serial,
        )?;
        Ok(rows::updated_serials(changed))
    }

    pub(super) fn remove_token(
        &self,
        push_token: &str,
        pass_type_id: &str,
        unless_registered_after: Option<i128>,
    ) -> Result<Vec<Registration>> {
        let after = unless_registered_after.map_or(i64::MAX, micros);
        self.immediate(|tx| {
            let removed = all(
                &mut *tx
                    .prepare_cached(&format!(
                        "DELETE FROM registrations
                         WHERE push_token = ?1 AND pass_type_id = ?2 AND registered_at <= ?3
                         RETURNING {REGISTRATION_COLUMNS}"
                    ))
                    .map_err(sql)?,
                params![push_token, pass_type_id, after],
                rows::registration,
            )?;
            tx.prepare_cached(
                "DELETE FROM push_queue WHERE push_token = ?1 AND pass_type_id = ?2
                 AND NOT EXISTS (SELECT 1 FROM registrations WHERE push_token = ?1 AND pass_type_id = ?2)",
            )
            .map_err(sql)?
            .execute(params![push_token, pass_type_id])
            .map_err(sql)?;
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
        self.immediate(|tx| {
            let candidates = all(
                &mut *tx
                    .prepare_cached(
                        "SELECT push_token, pass_type_id, generation, attempts FROM push_queue
                         WHERE changed_at <= ?1 AND retry_at <= ?2
                           AND (lease IS NULL OR lease_until <= ?2)
                         ORDER BY changed_at LIMIT ?3",
                    )
                    .map_err(sql)?,
                params![ready, now, limit(size)],
                |r| rows::push_item(r, uuid::Uuid::new_v4().simple().to_string(), until),
            )?;
            for item in &candidates {
                tx.prepare_cached(
                    "UPDATE push_queue SET lease = ?3, lease_until = ?4
                     WHERE push_token = ?1 AND pass_type_id = ?2",
                )
                .map_err(sql)?
                .execute(params![
                    item.push_token,
                    item.pass_type_id,
                    item.lease,
                    until
                ])
                .map_err(sql)?;
            }
            Ok(candidates)
        })
    }

    pub(super) fn finish(&self, item: &PushItem) -> Result<bool> {
        self.immediate(|tx| {
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
                    position(item.generation)
                ])
                .map_err(sql)?;
            if deleted > 0 {
                return Ok(true);
            }
            let released = tx
                .prepare_cached(
                    "UPDATE push_queue SET lease = NULL, lease_until = NULL, attempts = 0, retry_at = 0
                     WHERE push_token = ?1 AND pass_type_id = ?2 AND lease = ?3",
                )
                .map_err(sql)?
                .execute(params![item.push_token, item.pass_type_id, item.lease])
                .map_err(sql)?;
            Ok(released > 0)
        })
    }

    pub(super) fn retry(&self, item: &PushItem, at: i128) -> Result<bool> {
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

    pub(super) fn queued(&self) -> Result<u64> {
        counted(&self.lock(), "SELECT count(*) FROM push_queue", [])
    }
}
