//! This run's scratch tables, beside the durable rows: every source pass as this run read and
//! mapped it (`items`), the passes that do not fit the target (`misfits`) and the target passes
//! a lookup listed (`listed`). They are SQLite `TEMP` tables of the checkpoint's connection:
//! on disk in SQLite's temporary store, gone when the checkpoint is closed, never part of the
//! file. A run streams into them page by page and reads them back in batches by indexed
//! queries, so that its memory does not grow with the inventory.

use rusqlite::{OptionalExtension, params};

use super::schema::row_from;
use super::{Checkpoint, CheckpointError, Row, State};

const STAGING: &str = "
CREATE TEMP TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY,
    source_ref TEXT NOT NULL UNIQUE,
    source_pass TEXT NOT NULL,
    source_link TEXT,
    identity TEXT NOT NULL,
    serial TEXT,
    expected TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    skipped INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0,
    sent INTEGER NOT NULL DEFAULT 0
);
CREATE TEMP TABLE IF NOT EXISTS misfits (
    seq INTEGER PRIMARY KEY,
    source_ref TEXT NOT NULL,
    reasons TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS temp.misfits_reasons ON misfits (reasons, seq);
CREATE TEMP TABLE IF NOT EXISTS listed (
    seq INTEGER PRIMARY KEY,
    target_ref TEXT NOT NULL UNIQUE,
    key TEXT,
    created INTEGER,
    pass TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS temp.listed_key ON listed (key, created);
CREATE INDEX IF NOT EXISTS temp.listed_age ON listed (ifnull(created, 9223372036854775807), seq);
DELETE FROM items;
DELETE FROM misfits;
DELETE FROM listed;
";

/// The predicate of [`UNLISTED`], written once so that [`LISTED`] is its exact complement.
macro_rules! unlisted {
    () => {
        "i.serial IS NOT NULL AND NOT EXISTS (SELECT 1 FROM temp.listed l WHERE l.key = i.serial)"
    };
}

/// A staged pass (`i`) with a caller-chosen serial that no listed target pass carries.
pub(crate) const UNLISTED: &str = unlisted!();

/// The filter of [`Checkpoint::staged_batch`] for the staged passes that [`UNLISTED`] leaves
/// out.
pub(crate) const LISTED: &str = concat!("AND NOT (", unlisted!(), ")");

/// The columns of a joined `passes` + `items` row, in the order [`joined`] reads them.
const JOINED: &str = "p.source_ref, p.source_link, p.target_ref, p.target_link, p.identity, p.state, p.content_hash, p.attempts, p.last_error, p.adopted, \
     p.seq, i.source_pass, i.source_link, i.identity, i.serial, i.expected, i.content_hash, i.skipped";

/// One source pass as this run read and mapped it (the text forms the migration encodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Staged {
    /// The source pass (`TEMPLATE/ID` or `ID`).
    pub(crate) source_ref: String,
    /// The source pass's ref, as JSON.
    pub(crate) source_pass: String,
    /// The source pass's link.
    pub(crate) source_link: Option<String>,
    /// The identity its copy is found by (serial, marker token or content hash).
    pub(crate) identity: String,
    /// The caller-chosen serial on the target.
    pub(crate) serial: Option<String>,
    /// The mapped content, as JSON.
    pub(crate) expected: String,
    /// The mapped content's hash.
    pub(crate) content_hash: String,
    /// Already on the target when this run began (set by [`Checkpoint::plan_staged`]; not
    /// written by [`Checkpoint::stage`]).
    pub(crate) skipped: bool,
}

/// A place in the oldest-first order of listed target passes ([`Checkpoint::listed_oldest`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AgePosition {
    age: i64,
    seq: i64,
}

/// A target pass a lookup listed: its ref, the key it is found by (serial or marker) and the
/// pass as JSON.
#[derive(Clone, Debug)]
pub(crate) struct Listed {
    /// The target pass.
    pub(crate) target_ref: String,
    /// Its serial or marker token.
    pub(crate) key: Option<String>,
    /// Its creation time (Unix nanoseconds), when the target gives one.
    pub(crate) created: Option<i64>,
    /// The pass, as JSON.
    pub(crate) pass: String,
}

/// The misfits found by the pre-flight check, grouped by their reasons.
#[derive(Clone, Debug, Default)]
pub(crate) struct MisfitGroups {
    /// Passes that do not fit.
    pub(crate) total: usize,
    /// The first passes, with their reasons (at most the limit asked for).
    pub(crate) first: Vec<(String, String)>,
    /// One entry per distinct reason, in the order first met: the reason, how many passes
    /// have it, and the first of them.
    pub(crate) groups: Vec<(String, usize, Vec<String>)>,
}

fn joined(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, (Row, String), Staged)> {
    let row = row_from(r)?;
    Ok((
        r.get(10)?,
        row,
        Staged {
            source_ref: r.get(0)?,
            source_pass: r.get(11)?,
            source_link: r.get(12)?,
            identity: r.get(13)?,
            serial: r.get(14)?,
            expected: r.get(15)?,
            content_hash: r.get(16)?,
            skipped: r.get::<_, i64>(17)? != 0,
        },
    ))
}

fn state_list(states: &[State]) -> String {
    let list: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    list.join(", ")
}

impl Checkpoint {
    /// Create (or empty) this run's scratch tables.
    pub(crate) fn begin_staging(&self) -> Result<(), CheckpointError> {
        self.lock().execute_batch(STAGING)?;
        Ok(())
    }

    /// Stage one page of source passes. `Some(source_ref)`: that pass was staged already (the
    /// source listed it twice); nothing of this page is kept then.
    pub(crate) fn stage(&self, items: &[Staged]) -> Result<Option<String>, CheckpointError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO temp.items (source_ref, source_pass, source_link, identity, serial, expected, content_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(source_ref) DO NOTHING",
            )?;
            for i in items {
                let added = insert.execute(params![
                    i.source_ref,
                    i.source_pass,
                    i.source_link,
                    i.identity,
                    i.serial,
                    i.expected,
                    i.content_hash
                ])?;
                if added == 0 {
                    return Ok(Some(i.source_ref.clone()));
                }
            }
        }
        tx.commit()?;
        Ok(None)
    }

    /// Record a source pass that does not fit the target, with its reasons (joined).
    pub(crate) fn stage_misfit(
        &self,
        source_ref: &str,
        reasons: &str,
    ) -> Result<(), CheckpointError> {
        self.lock().execute(
            "INSERT INTO temp.misfits (source_ref, reasons) VALUES (?1, ?2)",
            params![source_ref, reasons],
        )?;
        Ok(())
    }

    /// The misfits recorded, grouped by reason: the first `keep` passes in full, and for each
    /// distinct reason the first `named` passes.
    pub(crate) fn misfits(
        &self,
        keep: usize,
        named: usize,
    ) -> Result<MisfitGroups, CheckpointError> {
        let conn = self.lock();
        let total: i64 = conn.query_row("SELECT count(*) FROM temp.misfits", [], |r| r.get(0))?;
        let first = conn
            .prepare("SELECT source_ref, reasons FROM temp.misfits ORDER BY seq LIMIT ?1")?
            .query_map([keep as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
        let reasons = conn
            .prepare(
                "SELECT reasons, count(*) FROM temp.misfits GROUP BY reasons ORDER BY min(seq)",
            )?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut names = conn.prepare(
            "SELECT source_ref FROM temp.misfits WHERE reasons = ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut groups = Vec::with_capacity(reasons.len());
        for (reason, count) in reasons {
            let refs = names
                .query_map(params![reason, named as i64], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            groups.push((reason, count as usize, refs));
        }
        Ok(MisfitGroups {
            total: total as usize,
            first,
            groups,
        })
    }

    /// How many source passes the current run has read, mapped and staged so far (0 before a
    /// run reads the source).
    pub fn staged_len(&self) -> Result<usize, CheckpointError> {
        let conn = self.lock();
        let exists: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_temp_master WHERE type = 'table' AND name = 'items'",
            [],
            |r| r.get(0),
        )?;
        if exists == 0 {
            return Ok(0);
        }
        let n: i64 = conn.query_row("SELECT count(*) FROM temp.items", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Whether the checkpoint holds a row for `source_ref`.
    pub(crate) fn is_recorded(&self, source_ref: &str) -> Result<bool, CheckpointError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT 1 FROM passes WHERE source_ref = ?1",
                [source_ref],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Add a row for every staged pass not yet recorded (as [`Checkpoint::plan`] does), mark
    /// the staged passes already on the target as skipped, and set the rows that failed in an
    /// earlier run back to pending (they are tried again once). Returns (staged, skipped).
    pub(crate) fn plan_staged(&self) -> Result<(usize, usize), CheckpointError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO passes (source_ref, source_link, identity, state, content_hash)
             SELECT source_ref, source_link, identity, 'pending', content_hash FROM temp.items
             WHERE true ORDER BY seq
             ON CONFLICT(source_ref) DO UPDATE SET content_hash = excluded.content_hash,
                 source_link = excluded.source_link
             WHERE passes.state IN ('pending', 'failed')",
            [],
        )?;
        let on_target = state_list(&[
            State::Created,
            State::Verified,
            State::Mismatch,
            State::Retired,
        ]);
        let skipped = tx.execute(
            &format!(
                "UPDATE temp.items SET skipped = 1 WHERE source_ref IN
                     (SELECT source_ref FROM passes WHERE state IN ({on_target}))"
            ),
            [],
        )?;
        tx.execute(
            "UPDATE passes SET state = 'pending' WHERE state = 'failed'
                 AND source_ref IN (SELECT source_ref FROM temp.items)",
            [],
        )?;
        let staged: i64 = tx.query_row("SELECT count(*) FROM temp.items", [], |r| r.get(0))?;
        tx.commit()?;
        Ok((staged as usize, skipped))
    }

    /// Up to `limit` rows of staged passes in any of `states` after position `after`, with
    /// their staged pass, in the order they were first recorded; `filter` is a constant SQL
    /// condition on `i` (the staged pass) or `p` (the row), or empty. The position of the last
    /// row is the `after` of the next batch.
    pub(crate) fn staged_batch(
        &self,
        states: &[State],
        filter: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Row, Staged)>, CheckpointError> {
        let conn = self.lock();
        // `+p.state`: the walk follows `seq` (the primary key) from `after`, never the state
        // index plus a sort of every row in those states per batch, so a phase reads the
        // table once however many batches it takes.
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {JOINED} FROM passes p JOIN temp.items i ON i.source_ref = p.source_ref
             WHERE +p.state IN ({}) AND p.seq > ?1 {filter} ORDER BY p.seq LIMIT ?2",
            state_list(states)
        ))?;
        let rows = stmt
            .query_map(params![after, limit as i64], joined)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.loaded(rows.len());
        rows.into_iter()
            .map(|(seq, (mut row, state), staged)| {
                row.state = State::parse(&state)?;
                Ok((seq, row, staged))
            })
            .collect()
    }

    /// How many rows of staged passes are in any of `states` (with `filter`, as for
    /// [`Checkpoint::staged_batch`]).
    pub(crate) fn staged_count(
        &self,
        states: &[State],
        filter: &str,
    ) -> Result<usize, CheckpointError> {
        let n: i64 = self.lock().query_row(
            &format!(
                "SELECT count(*) FROM passes p JOIN temp.items i ON i.source_ref = p.source_ref
                 WHERE p.state IN ({}) {filter}",
                state_list(states)
            ),
            [],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// The staged pass of `source_ref`, if this run staged it.
    pub(crate) fn staged(&self, source_ref: &str) -> Result<Option<Staged>, CheckpointError> {
        let conn = self.lock();
        let found = conn
            .query_row(
                "SELECT source_ref, source_pass, source_link, identity, serial, expected, content_hash, skipped
                 FROM temp.items WHERE source_ref = ?1",
                [source_ref],
                |r| {
                    Ok(Staged {
                        source_ref: r.get(0)?,
                        source_pass: r.get(1)?,
                        source_link: r.get(2)?,
                        identity: r.get(3)?,
                        serial: r.get(4)?,
                        expected: r.get(5)?,
                        content_hash: r.get(6)?,
                        skipped: r.get::<_, i64>(7)? != 0,
                    })
                },
            )
            .optional()?;
        Ok(found)
    }

    /// Whether this process sent a create for the staged pass.
    pub(crate) fn was_sent(&self, source_ref: &str) -> Result<bool, CheckpointError> {
        self.staged_flag("sent", source_ref)
    }

    fn staged_flag(&self, column: &str, source_ref: &str) -> Result<bool, CheckpointError> {
        let v: Option<i64> = self
            .lock()
            .query_row(
                &format!("SELECT {column} FROM temp.items WHERE source_ref = ?1"),
                [source_ref],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v == Some(1))
    }

    /// Remember that this process sent a create for these staged passes.
    pub(crate) fn mark_sent(&self, source_refs: &[&str]) -> Result<(), CheckpointError> {
        self.set_flags("sent", 1, source_refs)
    }

    /// Clear every staged pass's `absent` flag (a reconcile round starts).
    pub(crate) fn clear_absent(&self) -> Result<(), CheckpointError> {
        self.lock()
            .execute("UPDATE temp.items SET absent = 0", [])?;
        Ok(())
    }

    /// Record that a lookup found no copy of these staged passes: only those may be created.
    pub(crate) fn mark_absent(&self, source_refs: &[&str]) -> Result<(), CheckpointError> {
        self.set_flags("absent", 1, source_refs)
    }

    fn set_flags(
        &self,
        column: &str,
        value: i64,
        source_refs: &[&str],
    ) -> Result<(), CheckpointError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut update = tx.prepare_cached(&format!(
                "UPDATE temp.items SET {column} = ?2 WHERE source_ref = ?1"
            ))?;
            for r in source_refs {
                update.execute(params![r, value])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many rows record a target pass.
    pub(crate) fn target_ref_count(&self) -> Result<usize, CheckpointError> {
        let n: i64 = self.lock().query_row(
            "SELECT count(*) FROM passes WHERE target_ref IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Whether a row records `target_ref` as its copy.
    pub(crate) fn is_claimed(&self, target_ref: &str) -> Result<bool, CheckpointError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT 1 FROM passes WHERE target_ref = ?1 LIMIT 1",
                [target_ref],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Forget what an earlier lookup listed.
    pub(crate) fn clear_listed(&self) -> Result<(), CheckpointError> {
        self.lock().execute("DELETE FROM temp.listed", [])?;
        Ok(())
    }

    /// Keep one page of listed target passes (a pass listed twice is kept once).
    pub(crate) fn stage_listed(&self, listed: &[Listed]) -> Result<(), CheckpointError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO temp.listed (target_ref, key, created, pass) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(target_ref) DO NOTHING",
            )?;
            for l in listed {
                insert.execute(params![l.target_ref, l.key, l.created, l.pass])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// For every staged pass in `states` with a caller-chosen serial that no listed target
    /// pass carries (as [`Checkpoint::listed_by_key`] would find none): set its row back to
    /// `pending` without an error (only where it is not so already) and mark it absent, in one
    /// transaction. Returns how many passes that was. [`UNLISTED`] leaves them out of a later
    /// batched walk, [`LISTED`] keeps only the others.
    pub(crate) fn mark_unlisted_absent(&self, states: &[State]) -> Result<usize, CheckpointError> {
        let states = state_list(states);
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            &format!(
                "UPDATE passes SET state = 'pending', last_error = NULL,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE state IN ({states}) AND (state != 'pending' OR last_error IS NOT NULL)
                     AND source_ref IN (SELECT i.source_ref FROM temp.items i WHERE {UNLISTED})"
            ),
            [],
        )?;
        let n = tx.execute(
            &format!(
                "UPDATE temp.items AS i SET absent = 1 WHERE {UNLISTED}
                     AND source_ref IN (SELECT source_ref FROM passes WHERE state IN ({states}))"
            ),
            [],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// The first listed target pass with `key` (claimed or not), as JSON.
    pub(crate) fn listed_by_key(&self, key: &str) -> Result<Option<String>, CheckpointError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT pass FROM temp.listed WHERE key = ?1 ORDER BY seq LIMIT 1",
                [key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The listed target passes with `key` that no row records as its copy, the oldest first
    /// (passes without a creation time last), as JSON.
    pub(crate) fn listed_unclaimed(&self, key: &str) -> Result<Vec<String>, CheckpointError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT l.pass FROM temp.listed l WHERE l.key = ?1
                 AND NOT EXISTS (SELECT 1 FROM passes p WHERE p.target_ref = l.target_ref)
             ORDER BY l.created IS NULL, l.created, l.seq",
        )?;
        let passes = stmt
            .query_map([key], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(passes)
    }

    /// Up to `limit` listed target passes after position `after` that no row records as its
    /// copy, as (position, JSON).
    pub(crate) fn listed_batch(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, String)>, CheckpointError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT l.seq, l.pass FROM temp.listed l WHERE l.seq > ?1
                 AND NOT EXISTS (SELECT 1 FROM passes p WHERE p.target_ref = l.target_ref)
             ORDER BY l.seq LIMIT ?2",
        )?;
        let passes = stmt
            .query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
        self.loaded(passes.len());
        Ok(passes)
    }

    /// Up to `limit` listed target passes that no row records as its copy, the oldest first
    /// (passes without a creation time last, then in listing order), after the position
    /// `after` of this order (`None`: from the start), as (position, JSON). An indexed walk:
    /// each batch costs its own size, wherever it starts.
    pub(crate) fn listed_oldest(
        &self,
        after: Option<AgePosition>,
        limit: usize,
    ) -> Result<Vec<(AgePosition, String)>, CheckpointError> {
        let (age, seq) = after.map_or((i64::MIN, i64::MIN), |a| (a.age, a.seq));
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT ifnull(l.created, 9223372036854775807), l.seq, l.pass FROM temp.listed l
             WHERE (ifnull(l.created, 9223372036854775807), l.seq) > (?1, ?2)
                 AND NOT EXISTS (SELECT 1 FROM passes p WHERE p.target_ref = l.target_ref)
             ORDER BY ifnull(l.created, 9223372036854775807), l.seq LIMIT ?3",
        )?;
        let passes = stmt
            .query_map(params![age, seq, limit as i64], |r| {
                Ok((
                    AgePosition {
                        age: r.get(0)?,
                        seq: r.get(1)?,
                    },
                    r.get(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.loaded(passes.len());
        Ok(passes)
    }

    /// The row on the target whose identity is `identity` (the marker token), if any.
    pub(crate) fn on_target_by_identity(
        &self,
        identity: &str,
    ) -> Result<Option<Row>, CheckpointError> {
        self.one_row(
            "identity = ?1 AND target_ref IS NOT NULL
                 AND state IN ('created', 'verified', 'mismatch', 'retired')",
            identity,
        )
    }

    /// Up to `limit` rows after position `after`, every state, in the order first recorded,
    /// with their position (the report reads the checkpoint this way).
    pub(crate) fn rows_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Row)>, CheckpointError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {}, seq FROM passes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            self.columns()
        ))?;
        let rows = stmt
            .query_map(params![after, limit as i64], |r| {
                Ok((row_from(r)?, r.get::<_, i64>(10)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|((mut row, state), seq)| {
                row.state = State::parse(&state)?;
                Ok((seq, row))
            })
            .collect()
    }
}
