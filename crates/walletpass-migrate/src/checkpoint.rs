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

/// The schema version this build writes and reads (`meta.schema`).
pub const SCHEMA_VERSION: &str = "2";

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
    /// Whether the target pass was found there by lookup for a row this checkpoint never sent a
    /// create for (a copy made by an earlier run whose checkpoint is lost): such a copy is never
    /// deleted or replaced by the duplicate sweep.
    pub adopted: bool,
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
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    adopted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS passes_state ON passes (state);
";

const COLUMNS: &str = "source_ref, source_link, target_ref, target_link, identity, state, content_hash, attempts, last_error, adopted";

/// The same, from a schema-1 file opened read-only (no `adopted` column: nothing was adopted).
const LEGACY_COLUMNS: &str = "source_ref, source_link, target_ref, target_link, identity, state, content_hash, attempts, last_error, 0";

/// Every column of `passes`, as this build writes it.
const TABLE_COLUMNS: &[&str] = &[
    "seq",
    "source_ref",
    "source_link",
    "target_ref",
    "target_link",
    "identity",
    "state",
    "content_hash",
    "attempts",
    "last_error",
    "updated_at",
    "adopted",
];

/// Turn an SQLite error met while opening into what it means for the user.
fn opening(e: rusqlite::Error) -> CheckpointError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            CheckpointError::Corrupt("the file is not an SQLite database".into())
        }
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            CheckpointError::Corrupt(format!("the SQLite file is damaged ({e})"))
        }
        _ => CheckpointError::Sqlite(e),
    }
}

/// Check that `conn` holds a checkpoint this build can use (and bring a schema-1 file, which
/// had no `adopted` column, up to date unless `read_only`): the tables and columns, the
/// schema version, and every state.
fn check_schema(conn: &Connection, read_only: bool) -> Result<bool, CheckpointError> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(opening)?;
    let known = ["meta", "passes", "sqlite_sequence"];
    if let Some(other) = tables.iter().find(|t| !known.contains(&t.as_str())) {
        return Err(CheckpointError::Corrupt(format!(
            "table '{other}' is not part of a migration checkpoint (is this the right file?)"
        )));
    }
    if !tables.iter().any(|t| t == "passes") {
        return Ok(false);
    }
    let mut columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('passes')")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let legacy = !columns.iter().any(|c| c == "adopted");
    if legacy && !read_only {
        conn.execute_batch("ALTER TABLE passes ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0")?;
        columns.push("adopted".into());
    }
    for want in TABLE_COLUMNS
        .iter()
        .filter(|c| !(read_only && **c == "adopted"))
    {
        if !columns.iter().any(|c| c == want) {
            return Err(CheckpointError::Corrupt(format!(
                "table 'passes' has no column '{want}' (written by another program or version)"
            )));
        }
    }
    if tables.iter().any(|t| t == "meta") {
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(v) = version
            && v != SCHEMA_VERSION
        {
            return Err(CheckpointError::Corrupt(format!(
                "schema version {v}, this build reads version {SCHEMA_VERSION}"
            )));
        }
    }
    let states: Vec<String> = conn
        .prepare("SELECT DISTINCT state FROM passes")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for state in states {
        State::parse(&state)?;
    }
    Ok(legacy && read_only)
}

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
            adopted: r.get::<_, i64>(9)? != 0,
        },
        state,
    ))
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
                "INSERT INTO passes ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
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
                        r.last_error,
                        r.adopted
                    ],
                )?;
            }
        }
        Ok(copy)
    }

    fn columns(&self) -> &'static str {
        if self.legacy { LEGACY_COLUMNS } else { COLUMNS }
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
        self.select("")
    }

    /// The rows in any of `states`, in the order they were first recorded: an indexed query,
    /// so that a round looks at the open rows only, not at every row.
    pub fn rows_in(&self, states: &[State]) -> Result<Vec<Row>, CheckpointError> {
        let list: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
        self.select(&format!("WHERE state IN ({})", list.join(", ")))
    }

    /// The rows matching `filter` (an SQL `WHERE` clause of constants, or nothing).
    fn select(&self, filter: &str) -> Result<Vec<Row>, CheckpointError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!(
            "SELECT {} FROM passes {filter} ORDER BY seq",
            self.columns()
        ))?;
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

    /// Every target pass recorded for a source pass.
    pub fn target_refs(&self) -> Result<std::collections::BTreeSet<String>, CheckpointError> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare("SELECT target_ref FROM passes WHERE target_ref IS NOT NULL")?;
        let refs = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(refs)
    }

    /// One row.
    pub fn row(&self, source_ref: &str) -> Result<Option<Row>, CheckpointError> {
        let conn = self.lock();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {} FROM passes WHERE source_ref = ?1",
                    self.columns()
                ),
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
        assert_eq!(ro.rows().unwrap()[0].state, State::Created);
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
