//! The durable row updates of a run: planning rows, reading them, and recording each step
//! (`creating` before a request, `created` after its answer, and the rest).

use rusqlite::{OptionalExtension, params};

use super::schema::row_from;
use super::{Checkpoint, CheckpointError, Row, State};

/// Rows [`Checkpoint::for_each_row`] reads at a time.
const ROW_BATCH: usize = 500;

impl Checkpoint {
    /// Add rows for passes not yet recorded (state pending). Rows already present keep their
    /// state; a pending or failed row gets the new content hash.
    pub fn plan(
        &self,
        rows: &[(String, Option<String>, String, String)],
    ) -> Result<(), CheckpointError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO passes (source_ref, source_link, identity, state, content_hash)
                 VALUES (?1, ?2, ?3, 'pending', ?4)
                 ON CONFLICT(source_ref) DO UPDATE SET content_hash = excluded.content_hash,
                     source_link = excluded.source_link
                 WHERE passes.state IN ('pending', 'failed')",
            )?;
            for (source_ref, link, identity, hash) in rows {
                insert.execute(params![source_ref, link, identity, hash])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Hand every row to `f`, in the order they were first recorded, a batch of 500 at a time
    /// (never all rows at once; `f` may use the checkpoint itself). The first error `f`
    /// returns stops the walk and is returned.
    pub fn for_each_row<E: From<CheckpointError>>(
        &self,
        mut f: impl FnMut(Row) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut after = 0;
        loop {
            let batch = self.rows_after(after, ROW_BATCH)?;
            let Some((last, _)) = batch.last() else {
                return Ok(());
            };
            after = *last;
            for (_, row) in batch {
                f(row)?;
            }
        }
    }

    /// One row.
    pub fn row(&self, source_ref: &str) -> Result<Option<Row>, CheckpointError> {
        self.one_row("source_ref = ?1", source_ref)
    }

    /// The first row (in checkpoint order) matching `condition` (an SQL condition of
    /// constants and `?1`), with `?1` bound to `value`.
    pub(super) fn one_row(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Option<Row>, CheckpointError> {
        let conn = self.lock();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {} FROM passes WHERE {condition} ORDER BY seq LIMIT 1",
                    self.columns()
                ),
                [value],
                row_from,
            )
            .optional()?;
        match found {
            Some((mut row, state)) => {
                row.state = State::parse(&state)?;
                Ok(Some(row))
            }
            None => Ok(None),
        }
    }

    /// Record the intent to create: state `creating`, one more attempt. Written before the
    /// create request is sent.
    pub fn mark_creating(&self, source_ref: &str) -> Result<(), CheckpointError> {
        self.lock().execute(
            "UPDATE passes SET state = 'creating', attempts = attempts + 1,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE source_ref = ?1",
            [source_ref],
        )?;
        Ok(())
    }

    /// Record the intent to create, for every row of a batch job, in one transaction (one
    /// sync to disk for the whole job).
    pub fn mark_creating_all(&self, source_refs: &[&str]) -> Result<(), CheckpointError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut update = tx.prepare(
                "UPDATE passes SET state = 'creating', attempts = attempts + 1,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE source_ref = ?1",
            )?;
            for source_ref in source_refs {
                update.execute([source_ref])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Record the target pass this migration created: state `created`.
    pub fn mark_created(
        &self,
        source_ref: &str,
        target_ref: &str,
        target_link: Option<&str>,
    ) -> Result<(), CheckpointError> {
        self.lock().execute(
            "UPDATE passes SET state = 'created', target_ref = ?2, target_link = ?3, last_error = NULL,
                 adopted = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE source_ref = ?1",
            params![source_ref, target_ref, target_link],
        )?;
        Ok(())
    }

    /// Record what batch jobs answered, in one transaction (one sync to disk for them all):
    /// the passes `created` (as [`Checkpoint::mark_created`]), the rows whose outcome is
    /// unknown with their error (`errors`, as [`Checkpoint::set_error`]: they stay
    /// `creating`) and the rows the target refused (`failed`, state `failed` with the error).
    pub fn record_outcomes(
        &self,
        created: &[(String, String, Option<String>)],
        errors: &[(String, String)],
        failed: &[(String, String)],
    ) -> Result<(), CheckpointError> {
        if created.is_empty() && errors.is_empty() && failed.is_empty() {
            return Ok(());
        }
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE passes SET state = 'created', target_ref = ?2, target_link = ?3, last_error = NULL,
                     adopted = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE source_ref = ?1",
            )?;
            for (source_ref, target_ref, link) in created {
                update.execute(params![source_ref, target_ref, link])?;
            }
            let mut error = tx.prepare_cached(
                "UPDATE passes SET last_error = ?2,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE source_ref = ?1",
            )?;
            for (source_ref, text) in errors {
                error.execute(params![source_ref, text])?;
            }
            let mut refused = tx.prepare_cached(
                "UPDATE passes SET state = 'failed', last_error = ?2,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE source_ref = ?1",
            )?;
            for (source_ref, text) in failed {
                refused.execute(params![source_ref, text])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Record a pass found on the target by lookup. `adopted`: this checkpoint had sent no
    /// create for it (a copy made by an earlier run). `stale`: its content differs from the
    /// mapped source (state `mismatch` with the differences, and a content hash that matches
    /// nothing, so `--sync` updates it); otherwise state `created`.
    pub fn mark_found(
        &self,
        source_ref: &str,
        target_ref: &str,
        target_link: Option<&str>,
        adopted: bool,
        stale: Option<&str>,
    ) -> Result<(), CheckpointError> {
        let conn = self.lock();
        match stale {
            None => conn.execute(
                "UPDATE passes SET state = 'created', target_ref = ?2, target_link = ?3,
                     last_error = NULL, adopted = ?4,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE source_ref = ?1",
                params![source_ref, target_ref, target_link, adopted],
            )?,
            Some(diffs) => conn.execute(
                "UPDATE passes SET state = 'mismatch', target_ref = ?2, target_link = ?3,
                     last_error = ?5, adopted = ?4, content_hash = '',
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE source_ref = ?1",
                params![source_ref, target_ref, target_link, adopted, diffs],
            )?,
        };
        Ok(())
    }

    /// Record that the target copy now holds the content with `content_hash` (after `--sync`
    /// updated it): state `created`, to be verified again.
    pub fn mark_synced(&self, source_ref: &str, content_hash: &str) -> Result<(), CheckpointError> {
        self.lock().execute(
            "UPDATE passes SET state = 'created', content_hash = ?2, last_error = NULL,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE source_ref = ?1",
            params![source_ref, content_hash],
        )?;
        Ok(())
    }

    /// Set the state and the last error (`None` clears it).
    pub fn set_state(
        &self,
        source_ref: &str,
        state: State,
        error: Option<&str>,
    ) -> Result<(), CheckpointError> {
        self.lock().execute(
            "UPDATE passes SET state = ?2, last_error = ?3,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE source_ref = ?1",
            params![source_ref, state.as_str(), error],
        )?;
        Ok(())
    }

    /// Set the state and the last error of many rows, as [`Checkpoint::set_state`] does for
    /// each (source ref, state, error), in one transaction (one sync to disk for them all).
    pub fn set_states(
        &self,
        updates: &[(String, State, Option<String>)],
    ) -> Result<(), CheckpointError> {
        if updates.is_empty() {
            return Ok(());
        }
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE passes SET state = ?2, last_error = ?3,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE source_ref = ?1",
            )?;
            for (source_ref, state, error) in updates {
                update.execute(params![source_ref, state.as_str(), error])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Record an error without changing the state.
    pub fn set_error(&self, source_ref: &str, error: &str) -> Result<(), CheckpointError> {
        self.lock().execute(
            "UPDATE passes SET last_error = ?2,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE source_ref = ?1",
            params![source_ref, error],
        )?;
        Ok(())
    }
}
