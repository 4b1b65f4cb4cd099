//! The durable checkpoint: one SQLite row per source pass (source ref, target ref, state,
//! content hash, attempts, last error), written before and after each step, so that running the
//! same command again resumes where a stopped or killed run left off.
//!
//! SQLite runs in WAL mode with `synchronous = FULL`: a state change is on disk (the WAL synced)
//! before the request it announces is sent, so it survives the process being killed at any
//! instant and a power loss. The checkpoint is still never the only proof: every pass it does not
//! record as on the target is looked up there before it is created, so a checkpoint that was
//! lost, emptied or rolled back (a lost `-wal` file) reaches the same end state.
//!
//! The file records the migration it belongs to (providers, accounts, base URLs, templates,
//! identity settings) and refuses another; a file this build cannot read (not SQLite, another
//! schema, an unknown state) is refused as [`CheckpointError::Corrupt`] before anything is
//! written.
//!
//! Files: `state` (where a pass stands, and its row), `schema` (the tables, and the check of a
//! file opened), `rows` (the durable row updates a run makes), `staging` (this run's scratch
//! tables, read back in batches).

mod rows;
mod schema;
mod staging;
mod state;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

pub use schema::SCHEMA_VERSION;
use schema::{COLUMNS, LEGACY_COLUMNS, SCHEMA, check_schema, opening};
pub(crate) use staging::{LISTED, Listed, MisfitGroups, Staged};
pub use state::{Row, State};

/// Rows copied at once into a scratch copy.
const COPY_BATCH: usize = 500;

/// A checkpoint that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// SQLite failed.
    #[error("checkpoint: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file belongs to another migration.
    #[error(
        "checkpoint: this file records a different migration ({key}: '{recorded}', this run: '{given}'); nothing was written. Give the checkpoint file of this migration, or a new --checkpoint file: passes already on the target are looked up and adopted, not created again"
    )]
    OtherMigration {
        /// The setting that differs.
        key: String,
        /// What the file recorded.
        recorded: String,
        /// What this run uses.
        given: String,
    },
    /// The file holds something this build cannot use.
    #[error(
        "checkpoint: {0}; this file cannot be resumed. To start over safely, move it aside and run the same command with a new --checkpoint file: passes already on the target are looked up and adopted, not created again"
    )]
    Corrupt(String),
}

/// The checkpoint file (or an in-memory one, for a dry run without a file).
#[derive(Debug)]
pub struct Checkpoint {
    conn: Mutex<Connection>,
    read_only: bool,
    /// A schema-1 file opened read-only: rows are read without the `adopted` column.
    legacy: bool,
    /// The most rows one batched read handed out ([`Checkpoint::largest_read`]).
    largest: AtomicUsize,
}

impl Checkpoint {
    /// Open (or create) the checkpoint file.
    pub fn open(path: &Path) -> Result<Self, CheckpointError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(opening)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        check_schema(&conn, false)?;
        conn.execute_batch(SCHEMA)?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?1)",
            [SCHEMA_VERSION],
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
            read_only: false,
            legacy: false,
            largest: AtomicUsize::new(0),
        })
    }

    /// Open an existing checkpoint file read-only (a dry run writes nothing, not even here).
    pub fn open_read_only(path: &Path) -> Result<Self, CheckpointError> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let legacy = check_schema(&conn, true)?;
        Ok(Self {
            conn: Mutex::new(conn),
            read_only: true,
            legacy,
            largest: AtomicUsize::new(0),
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
            legacy: false,
            largest: AtomicUsize::new(0),
        })
    }

    /// A scratch copy of this checkpoint (a dry run works on it and leaves the file alone): a
    /// private temporary SQLite database, kept on disk beyond SQLite's page cache and deleted
    /// when the copy is dropped, filled a batch of rows at a time.
    pub fn copy_to_scratch(&self) -> Result<Self, CheckpointError> {
        let conn = Connection::open("")?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        conn.execute_batch(SCHEMA)?;
        let copy = Self {
            conn: Mutex::new(conn),
            read_only: false,
            legacy: false,
            largest: AtomicUsize::new(0),
        };
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
        {
            let to = copy.lock();
            for (k, v) in pairs {
                to.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )?;
            }
        }
        let sql = format!(
            "INSERT INTO passes ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        );
        let mut after = 0;
        loop {
            let rows = self.rows_after(after, COPY_BATCH)?;
            let Some((last, _)) = rows.last() else {
                break;
            };
            after = *last;
            let mut to = copy.lock();
            let tx = to.transaction()?;
            {
                let mut insert = tx.prepare_cached(&sql)?;
                for (_, r) in rows {
                    insert.execute(params![
                        r.source_ref,
                        r.source_link,
                        r.target_ref,
                        r.target_link,
                        r.identity,
                        r.state.as_str(),
                        r.content_hash,
                        r.attempts,
                        r.last_error,
                        r.adopted
                    ])?;
                }
            }
            tx.commit()?;
        }
        Ok(copy)
    }

    pub(super) fn columns(&self) -> &'static str {
        if self.legacy { LEGACY_COLUMNS } else { COLUMNS }
    }

    /// The most rows one batched read of a run's phases has handed out so far: a run loads the
    /// rows it works on a batch (its listing page size) at a time, never all of them (the CSV
    /// report and a dry run's scratch copy read 500 rows at a time, not counted here).
    pub fn largest_read(&self) -> usize {
        self.largest.load(Ordering::Relaxed)
    }

    /// Note a batched read of `n` rows.
    pub(super) fn loaded(&self, n: usize) {
        self.largest.fetch_max(n, Ordering::Relaxed);
    }

    /// Whether writes are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave SQLite half-written (each statement is
        // atomic), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Record the migration's settings on first use, and refuse a file recorded by a different
    /// migration (another source, target, template or mapping).
    pub fn bind(&self, settings: &[(&str, String)]) -> Result<(), CheckpointError> {
        let conn = self.lock();
        let mut missing = Vec::new();
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
                None => missing.push((key, value)),
            }
        }
        // Recorded only once every setting matched: a refused run writes nothing here either.
        if !self.read_only {
            for (key, value) in missing {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, value],
                )?;
            }
        }
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
        let mut rows = Vec::new();
        cp.for_each_row(|r| {
            rows.push(r);
            Ok::<_, CheckpointError>(())
        })
        .unwrap();
        assert_eq!(rows[0].state, State::Created);
        assert_eq!(rows[0].content_hash, "h1", "a created row keeps its hash");
        assert_eq!(rows[0].target_ref.as_deref(), Some("x"));
        assert_eq!(rows[1].state, State::Creating);
        assert_eq!(rows[1].attempts, 1);
    }

    #[test]
    fn unusable_files_are_named_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.sqlite");
        std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
        let err = Checkpoint::open(&garbage).unwrap_err();
        assert!(matches!(err, CheckpointError::Corrupt(_)), "{err}");
        assert!(err.to_string().contains("not an SQLite database"), "{err}");
        assert!(err.to_string().contains("new --checkpoint file"), "{err}");

        let path = dir.path().join("cp.sqlite");
        let cp = Checkpoint::open(&path).unwrap();
        cp.plan(&[("a".into(), None, "a".into(), "h".into())])
            .unwrap();
        drop(cp);
        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE passes SET state = 'gone'", [])
            .unwrap();
        drop(conn);
        for open in [Checkpoint::open, Checkpoint::open_read_only] {
            let err = open(&path).unwrap_err();
            assert!(err.to_string().contains("unknown state 'gone'"), "{err}");
        }
        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE passes SET state = 'pending'", [])
            .unwrap();
        conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema'", [])
            .unwrap();
        drop(conn);
        let err = Checkpoint::open(&path).unwrap_err();
        assert!(err.to_string().contains("schema version 9"), "{err}");
    }

    #[test]
    fn a_schema_1_file_is_brought_up_to_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE passes (seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 source_ref TEXT NOT NULL UNIQUE, source_link TEXT, target_ref TEXT,
                 target_link TEXT, identity TEXT NOT NULL, state TEXT NOT NULL,
                 content_hash TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                 last_error TEXT, updated_at TEXT NOT NULL DEFAULT 'x');
             INSERT INTO passes (source_ref, identity, state, content_hash, target_ref)
                 VALUES ('a', 'a', 'created', 'h', 't');",
        )
        .unwrap();
        drop(conn);
        let ro = Checkpoint::open_read_only(&path).unwrap();
        assert_eq!(ro.row("a").unwrap().unwrap().state, State::Created);
        drop(ro);
        let cp = Checkpoint::open(&path).unwrap();
        let row = cp.row("a").unwrap().unwrap();
        assert_eq!((row.state, row.adopted), (State::Created, false));
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
