//! What a run reports: the [`Summary`] (printed, or JSON) and the CSV report rows.

use std::fmt;

use crate::checkpoint::{Checkpoint, CheckpointError, Row};

/// The outcome of a run (serialized for `--output json`, without the report rows).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Source passes considered.
    pub total: usize,
    /// Put on the target by this run (created, or found there after an uncertain create).
    pub migrated: usize,
    /// Found on the target by lookup (marker, serial or content) for a pass this checkpoint had
    /// sent no create for, and recorded instead of created again: copies made by an earlier run
    /// whose checkpoint was lost, emptied or rolled back.
    pub adopted: usize,
    /// Already on the target before this run (recorded in the checkpoint).
    pub skipped: usize,
    /// `--sync`: target copies updated because their source changed since they were migrated
    /// (dry run: would be updated).
    pub updated: usize,
    /// `--sync`: target copies whose source did not change.
    pub unchanged: usize,
    /// Without `--sync`: target copies whose source changed since they were migrated (left as
    /// they are).
    pub stale: usize,
    /// `--sync`: updates the target refused, as (source ref, error).
    pub sync_failures: Vec<(String, String)>,
    /// Not on the target at the end (refused, or still uncertain after every round).
    pub failed: usize,
    /// Verified (now or earlier) equal to the mapped source content.
    pub verified: usize,
    /// Read back different from the mapped source content.
    pub mismatched: usize,
    /// Source passes retired.
    pub retired: usize,
    /// Source passes whose retirement failed (their copies verified; the old pass is as it was).
    pub retire_failed: usize,
    /// The first retirement failures (at most [`Summary::FIRST_REASONS`]), as (source ref, error).
    pub retire_failures: Vec<(String, String)>,
    /// Source passes not migrated because they are voided, expired or removed.
    pub inactive: usize,
    /// Extra copies deleted from the target (`remove_duplicates`): each carried the marker of a
    /// source pass whose copy this checkpoint created (after a lookup that found none), and was
    /// not older than the copy kept.
    pub duplicates_removed: usize,
    /// Extra copies proven made by this migration but not deleted (no `remove_duplicates`, a
    /// dry run, or the delete failed), as (source ref, target ref).
    pub duplicates_left: Vec<(String, String)>,
    /// Other target passes carrying the marker of a source pass, that the checkpoint cannot
    /// prove are strays of this migration (the recorded copy was adopted, or the extra is older
    /// than it): reported, never touched, as (source ref, target ref).
    pub copies_unproven: Vec<(String, String)>,
    /// Dry run: passes that would be created.
    pub would_create: usize,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// The exactly-once strategy used.
    pub strategy: Option<String>,
    /// Failed passes with their errors.
    pub failures: Vec<(String, String)>,
    /// Mismatched passes with their differences.
    pub mismatches: Vec<(String, Vec<String>)>,
    /// Why the report asked for ([`Migration::report_to`](super::Migration::report_to)) could
    /// not be written, if it could not.
    #[serde(skip)]
    pub report_error: Option<String>,
}

impl Summary {
    /// How many retirement failures the summary names.
    pub const FIRST_REASONS: usize = 5;

    /// How many failed, mismatched or unsynced passes the summary names (each list; the counts
    /// are exact and the report has every pass).
    pub const LISTED: usize = 1000;

    /// The process exit code: 0 all well, 1 some passes failed, mismatched or were not retired.
    pub fn exit_code(&self) -> i32 {
        if self.failed > 0
            || self.mismatched > 0
            || self.retire_failed > 0
            || !self.duplicates_left.is_empty()
            || !self.copies_unproven.is_empty()
            || !self.sync_failures.is_empty()
        {
            1
        } else {
            0
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(
                f,
                "dry run: total {}, would create {}, already on the target {} (recorded {}, found by lookup and adopted {}), inactive {}",
                self.total,
                self.would_create,
                self.skipped + self.adopted + self.migrated,
                self.skipped,
                self.adopted + self.migrated,
                self.inactive
            )?;
        } else {
            writeln!(
                f,
                "total {}, migrated {}, adopted {}, skipped {}, failed {}, verified {}, mismatched {}, retired {}, inactive {}",
                self.total,
                self.migrated,
                self.adopted,
                self.skipped,
                self.failed,
                self.verified,
                self.mismatched,
                self.retired,
                self.inactive
            )?;
        }
        if let Some(s) = &self.strategy {
            writeln!(f, "exactly-once strategy: {s}")?;
        }
        if self.updated + self.unchanged > 0 {
            let verb = if self.dry_run {
                "would update"
            } else {
                "updated"
            };
            writeln!(
                f,
                "sync: {verb} {}, unchanged {}",
                self.updated, self.unchanged
            )?;
        }
        if self.stale > 0 {
            writeln!(
                f,
                "source changed since migrated: {} (their target copies were left as they are; --sync updates them)",
                self.stale
            )?;
        }
        for (pass, error) in &self.sync_failures {
            writeln!(f, "sync failed {pass}: {error}")?;
        }
        if self.duplicates_removed > 0 {
            writeln!(
                f,
                "extra copies removed from the target: {}",
                self.duplicates_removed
            )?;
        }
        if !self.duplicates_left.is_empty() {
            writeln!(
                f,
                "extra copies made by this migration, left on the target (--remove-duplicates deletes them): {}",
                self.duplicates_left.len()
            )?;
        }
        for (source, copy) in &self.duplicates_left {
            writeln!(f, "extra copy of {source} left on the target: {copy}")?;
        }
        for (source, copy) in &self.copies_unproven {
            writeln!(
                f,
                "another copy of {source} on the target, not proven made by this migration, left untouched: {copy}"
            )?;
        }
        for (pass, error) in &self.failures {
            writeln!(f, "failed {pass}: {error}")?;
        }
        if self.failed > self.failures.len() {
            writeln!(
                f,
                "failed: {} more (see the report)",
                self.failed - self.failures.len()
            )?;
        }
        for (pass, diffs) in &self.mismatches {
            writeln!(f, "mismatch {pass}: {}", diffs.join("; "))?;
        }
        if self.mismatched > self.mismatches.len() {
            writeln!(
                f,
                "mismatched: {} more (see the report)",
                self.mismatched - self.mismatches.len()
            )?;
        }
        if self.retire_failed > 0 {
            writeln!(
                f,
                "not retired: {} source passes (their copies verified; the old passes are unchanged); first reasons:",
                self.retire_failed
            )?;
            for (pass, error) in &self.retire_failures {
                writeln!(f, "  {pass}: {error}")?;
            }
        }
        Ok(())
    }
}

/// One line of the CSV report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReportRow {
    /// The source pass.
    pub source_id: String,
    /// The target pass.
    pub target_id: String,
    /// The source pass's link.
    pub source_link: String,
    /// The target pass's link (send this to the holder).
    pub target_link: String,
    /// Where it stands.
    pub state: String,
    /// The last error or the differences found.
    pub error: String,
}

/// The report line of one checkpoint row.
fn report_row(r: Row, dry_run: bool) -> ReportRow {
    let state = if dry_run && !r.state.is_on_target() {
        "would_create".to_owned()
    } else {
        r.state.as_str().to_owned()
    };
    ReportRow {
        source_id: r.source_ref,
        target_id: r.target_ref.unwrap_or_default(),
        source_link: r.source_link.unwrap_or_default(),
        target_link: r.target_link.unwrap_or_default(),
        state,
        error: r.last_error.unwrap_or_default(),
    }
}

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing the file failed.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// Reading the checkpoint failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// Write the CSV report: source id, target id, source link, target link, state, error (the
/// differences found, for a mismatch), one line per checkpoint row in the order first recorded,
/// read from `checkpoint` a batch at a time. `dry_run`: rows not on the target read
/// `would_create`.
pub fn write_report(
    path: &std::path::Path,
    checkpoint: &Checkpoint,
    dry_run: bool,
) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_path(path)?;
    checkpoint.for_each_row(|row| {
        writer
            .serialize(report_row(row, dry_run))
            .map_err(ReportError::from)
    })?;
    writer.flush().map_err(csv::Error::from)?;
    Ok(())
}
