//! The checkpoint's tables, and the check that a file opened holds a checkpoint this build can
//! use.

use rusqlite::{Connection, OptionalExtension};

use super::{CheckpointError, Row, State};

/// The schema version this build writes and reads (`meta.schema`).
pub const SCHEMA_VERSION: &str = "2";

pub(super) const SCHEMA: &str = "
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
CREATE INDEX IF NOT EXISTS passes_target ON passes (target_ref);
CREATE INDEX IF NOT EXISTS passes_identity ON passes (identity);
";

pub(super) const COLUMNS: &str = "source_ref, source_link, target_ref, target_link, identity, state, content_hash, attempts, last_error, adopted";

/// The same, from a schema-1 file opened read-only (no `adopted` column: nothing was adopted).
pub(super) const LEGACY_COLUMNS: &str = "source_ref, source_link, target_ref, target_link, identity, state, content_hash, attempts, last_error, 0";

/// Every column of `passes`, as this build writes it.
pub(super) const TABLE_COLUMNS: &[&str] = &[
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
pub(super) fn opening(e: rusqlite::Error) -> CheckpointError {
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
pub(super) fn check_schema(conn: &Connection, read_only: bool) -> Result<bool, CheckpointError> {
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

pub(super) fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Row, String)> {
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
