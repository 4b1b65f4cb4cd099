//! The durable checkpoint: one SQLite row per source pass (source ref, target ref, state,
//! content hash, attempts, last error), written before and after each step, so that running the
//! same command again resumes where a stopped or killed run left off.
//!
//! SQLite runs in WAL mode with `synchronous = NORMAL`: every committed row survives the process
//! being killed at any instant (SIGKILL); after a power loss the last few commits may be lost,
//! which the resume logic tolerates the same way (a row that lost its `created` step is looked up
//! on the target again before anything is re-created).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

/// Where one pass stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Not yet attempted.
    Pending,
    /// A create was (or was about to be) sent; whether it took effect is not known yet. On
    /// resume the pass is looked up on the target before it is created again.
    Creating,
    /// Present on the target; `target_ref` is known.
    Created,
    /// The target refused it for good (the reason is in `last_error`); nothing was created.
    Failed,
    /// Read back from the target and equal to the mapped source content.
    Verified,
    /// Read back from the target and different from the mapped source content.
    Mismatch,
    /// Verified, and the source pass was retired.
    Retired,
}

impl State {
    /// The name stored in the checkpoint and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Creating => "creating",
            State::Created => "created",
            State::Failed => "failed",
            State::Verified => "verified",
            State::Mismatch => "mismatch",
            State::Retired => "retired",
        }
    }

    fn parse(text: &str) -> Result<Self, CheckpointError> {
        Ok(match text {
            "pending" => State::Pending,
            "creating" => State::Creating,
            "created" => State::Created,
            "failed" => State::Failed,
            "verified" => State::Verified,
            "mismatch" => State::Mismatch,
            "retired" => State::Retired,
            other => {
                return Err(CheckpointError::Corrupt(format!(
                    "passes.state: unknown state '{other}'"
                )));
            }
        })
    }

    /// Whether the pass is on the target (created, verified, mismatched or retired).
    pub fn is_on_target(self) -> bool {
        matches!(
            self,
            State::Created | State::Verified | State::Mismatch | State::Retired
        )
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One pass's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The source pass (`TEMPLATE/ID` or `ID`).
    pub source_ref: String,
    /// The source pass's link.
    pub source_link: Option<String>,
    /// The target pass, once known.
    pub target_ref: Option<String>,
    /// The target pass's link, once known.
    pub target_link: Option<String>,
    /// The identity the target pass is created with (caller-chosen serial or marker token).
    pub identity: String,
    /// Where it stands.
    pub state: State,
    /// SHA-256 of the mapped content's canonical JSON.
    pub content_hash: String,
    /// Create attempts so far.
    pub attempts: u32,
    /// The last error, if any.
    pub last_error: Option<String>,
}

/// A checkpoint that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// SQLite failed.
    #[error("checkpoint: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file belongs to another migration.
    #[error(
        "checkpoint: this file records a different migration ({key}: '{recorded}', this run: '{given}'); use another --checkpoint file"
    )]
    OtherMigration {
        /// The setting that differs.
        key: String,
        /// What the file recorded.
        recorded: String,
        /// What this run uses.
        given: String,
    },
    /// The file holds something unexpected.
    #[error("checkpoint: {0}")]
    Corrupt(String),
}

/// The checkpoint file (or an in-memory one, for a dry run without a file).
#[derive(Debug)]
pub struct Checkpoint {
    conn: Mutex<Connection>,
    read_only: bool,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source_ref TEXT NOT NULL UNIQUE,
    source_link TEXT,
    target_ref TEXT,
    target_link TEXT,
    identity TEXT NOT NULL,
    state TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
";

const COLUMNS: &str = "source_ref, source_link, target_ref, target_link, identity, state, content_hash, attempts, last_error";

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Row, String)> {
    let state: String = r.get(5)?;
    Ok((
        Row {
            source_ref: r.get(0)?,
            source_link: r.get(1)?,
            target_ref: r.get(2)?,
            target_link: r.get(3)?,
            identity: r.get(4)?,
            state: State::Pending,
            content_hash: r.get(6)?,
            attempts: r.get(7)?,
            last_error: r.get(8)?,
        },
        state,
    ))
}

impl Checkpoint {
    /// Open (or create) the checkpoint file.
    pub fn open(path: &Path) -> Result<Self, CheckpointError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
            read_only: false,
        })
    }

    /// Open an existing checkpoint file read-only (a dry run writes nothing, not even here).
    pub fn open_read_only(path: &Path) -> Result<Self, CheckpointError> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(Self {
            conn: Mutex::new(conn),
            read_only: true,
        })
    }

    /// A checkpoint that lives only as long as this value (dry runs, library use without a
    /// file: such a run cannot be resumed).
    pub fn in_memory() -> Result<Self, CheckpointError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
            read_only: false,
        })
    }

    /// A copy of this checkpoint in memory (a dry run works on it and leaves the file alone).
    pub fn copy_to_memory(&self) -> Result<Self, CheckpointError> {
        let copy = Self::in_memory()?;
        let pairs = {
            let from = self.lock();
            let tables: i64 = from.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'passes')",
                [],
                |r| r.get(0),
            )?;
            if tables < 2 {
                return Ok(copy);
            }
            let mut meta = from.prepare("SELECT key, value FROM meta")?;
            meta.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let rows = self.rows()?;
        {
            let to = copy.lock();
            for (k, v) in pairs {
                to.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )?;
            }
            let sql = format!(
                "INSERT INTO passes ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            );
            for r in rows {
                to.execute(
                    &sql,
                    params![
                        r.source_ref,
                        r.source_link,
                        r.target_ref,
                        r.target_link,
                        r.identity,
                        r.state.as_str(),
                        r.content_hash,
                        r.attempts,
                        r.last_error
                    ],
                )?;
            }
        }
        Ok(copy)
    }

    /// Whether writes are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave SQLite half-written (each statement is
        // atomic), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Record the migration's settings on first use, and refuse a file recorded by a different
    /// migration (another source, target, template or mapping).
    pub fn bind(&self, settings: &[(&str, String)]) -> Result<(), CheckpointError> {
        let conn = self.lock();
        for (key, value) in settings {
            let recorded: Option<String> = conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?;
            match recorded {
                Some(recorded) if &recorded != value => {
                    return Err(CheckpointError::OtherMigration {
                        key: (*key).to_owned(),
                        recorded,
                        given: value.clone(),
                    });
                }
                Some(_) => {}
                None if self.read_only => {}
                None => {
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                        params![key, value],
                    )?;
                }
            }
        }
        Ok(())
    }

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

    /// Every row, in the order they were first recorded.
    pub fn rows(&self) -> Result<Vec<Row>, CheckpointError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM passes ORDER BY seq"))?;
        let rows = stmt
            .query_map([], row_from)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(mut row, state)| {
                row.state = State::parse(&state)?;
                Ok(row)
            })
            .collect()
    }

    /// One row.
    pub fn row(&self, source_ref: &str) -> Result<Option<Row>, CheckpointError> {
        let conn = self.lock();
        let found = conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM passes WHERE source_ref = ?1"),
                [source_ref],
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

    /// Record the target pass: state `created`.
    pub fn mark_created(
        &self,
        source_ref: &str,
        target_ref: &str,
        target_link: Option<&str>,
    ) -> Result<(), CheckpointError> {
        self.lock().execute(
            "UPDATE passes SET state = 'created', target_ref = ?2, target_link = ?3, last_error = NULL,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE source_ref = ?1",
            params![source_ref, target_ref, target_link],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_reopening_and_keep_their_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.sqlite");
        let cp = Checkpoint::open(&path).unwrap();
        cp.bind(&[("target", "memory".into())]).unwrap();
        cp.plan(&[
            ("a".into(), None, "a".into(), "h1".into()),
            ("b".into(), None, "b".into(), "h2".into()),
        ])
        .unwrap();
        cp.mark_creating("a").unwrap();
        cp.mark_created("a", "x", Some("https://l")).unwrap();
        cp.mark_creating("b").unwrap();
        drop(cp);

        let cp = Checkpoint::open(&path).unwrap();
        let err = cp.bind(&[("target", "ubpass".into())]).unwrap_err();
        assert!(err.to_string().contains("'memory'"), "{err}");
        cp.plan(&[("a".into(), None, "a".into(), "changed".into())])
            .unwrap();
        let rows = cp.rows().unwrap();
        assert_eq!(rows[0].state, State::Created);
        assert_eq!(rows[0].content_hash, "h1", "a created row keeps its hash");
        assert_eq!(rows[0].target_ref.as_deref(), Some("x"));
        assert_eq!(rows[1].state, State::Creating);
        assert_eq!(rows[1].attempts, 1);
    }

    #[test]
    fn read_only_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.sqlite");
        Checkpoint::open(&path).unwrap();
        let cp = Checkpoint::open_read_only(&path).unwrap();
        assert!(cp.is_read_only());
        assert!(
            cp.plan(&[("a".into(), None, "a".into(), "h".into())])
                .is_err()
        );
    }
}
