//! Why a run stops: [`MigrateError`], and the pre-flight message that groups the passes that do
//! not fit the target by reason.

use walletpass_core::Error;

use crate::checkpoint::CheckpointError;

/// One source pass that cannot be migrated as mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offending {
    /// The source pass.
    pub source_ref: String,
    /// Every reason, naming the field.
    pub reasons: Vec<String>,
}

/// The source passes that do not fit the target, found by the pre-flight check: every one
/// counted and grouped by reason (the message), the first [`Misfits::passes`] in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misfits {
    /// How many source passes do not fit.
    pub total: usize,
    /// The first of them (up to a thousand), with their reasons, in the order listed.
    pub passes: Vec<Offending>,
    /// Each distinct set of reasons, with how many passes have it and the first of them.
    groups: Vec<(String, usize, Vec<String>)>,
}

/// Joins the reasons of one pass where the checkpoint keeps them (never part of a reason).
pub(super) const REASON_SEPARATOR: char = '\u{1f}';

impl Misfits {
    /// From what the checkpoint's scratch table recorded.
    pub(super) fn from_groups(found: crate::checkpoint::MisfitGroups) -> Self {
        let show = |r: &str| r.replace(REASON_SEPARATOR, "; ");
        Self {
            total: found.total,
            passes: found
                .first
                .into_iter()
                .map(|(source_ref, reasons)| Offending {
                    source_ref,
                    reasons: reasons.split(REASON_SEPARATOR).map(str::to_owned).collect(),
                })
                .collect(),
            groups: found
                .groups
                .into_iter()
                .map(|(reason, n, refs)| (show(&reason), n, refs))
                .collect(),
        }
    }
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// The settings cannot work (missing template, unsupported operation).
    #[error("configuration: {0}")]
    Config(String),
    /// Passes that do not fit the target; nothing was written.
    #[error("{} source passes do not fit the target; nothing was written:\n{}", .0.total, render(&.0.groups))]
    Preflight(Misfits),
    /// The checkpoint failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Reading the source failed.
    #[error("source: {0}")]
    Source(Error),
    /// Reading the target failed.
    #[error("target: {0}")]
    Target(Error),
    /// A stop was asked for ([`Migration::stop_on`](crate::Migration::stop_on): Ctrl-C, SIGTERM); the requests in flight
    /// finished and are recorded in the checkpoint.
    #[error(
        "stopped midway: the requests in flight finished and the checkpoint holds every pass done so far; run the same command again to resume"
    )]
    Stopped,
}

impl MigrateError {
    /// Whether the run stopped before writing anything to the target.
    pub fn before_any_write(&self) -> bool {
        matches!(self, MigrateError::Config(_) | MigrateError::Preflight(_))
    }
}

/// Group a list of misfits by their reasons, as the checkpoint does for a run.
#[cfg(test)]
fn render_offending(list: &[Offending]) -> String {
    let mut groups: Vec<(String, usize, Vec<String>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for o in list {
        let reason = o.reasons.join("; ");
        match index.get(&reason) {
            Some(&i) => {
                groups[i].1 += 1;
                if groups[i].2.len() < NAMED_PASSES {
                    groups[i].2.push(o.source_ref.clone());
                }
            }
            None => {
                index.insert(reason.clone(), groups.len());
                groups.push((reason, 1, vec![o.source_ref.clone()]));
            }
        }
    }
    render(&groups)
}

/// One line per distinct set of reasons, naming the passes it applies to (the first
/// [`NAMED_PASSES`], then how many more), so that one cause across thousands of passes reads as
/// one line.
fn render(groups: &[(String, usize, Vec<String>)]) -> String {
    groups
        .iter()
        .map(|(reason, count, refs)| {
            let mut named = refs
                .iter()
                .take(NAMED_PASSES)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            if *count > NAMED_PASSES {
                named.push_str(&format!(" and {} more", count - NAMED_PASSES));
            }
            match count {
                1 => format!("  {named}: {reason}"),
                n => format!("  {n} passes ({named}): {reason}"),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many passes a pre-flight message names for one reason before it counts the rest.
pub(super) const NAMED_PASSES: usize = 10;

#[cfg(test)]
mod tests {
    use super::{NAMED_PASSES, Offending, render_offending};

    fn offending(id: usize, reason: &str) -> Offending {
        Offending {
            source_ref: format!("tpl/p{id}"),
            reasons: vec![reason.to_owned()],
        }
    }

    #[test]
    fn one_reason_across_many_passes_is_one_line() {
        let mut list: Vec<Offending> = (0..300)
            .map(|i| offending(i, "fields[a]: too long"))
            .collect();
        list.push(offending(300, "fields[b]: a number"));
        let text = render_offending(&list);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].starts_with("  300 passes (tpl/p0, tpl/p1,")
                && lines[0].contains(&format!(
                    "tpl/p{} and 290 more): fields[a]: too long",
                    NAMED_PASSES - 1
                )),
            "{text}"
        );
        assert!(
            !lines[0].contains(&format!("tpl/p{},", NAMED_PASSES)),
            "{text}"
        );
        assert_eq!(lines[1], "  tpl/p300: fields[b]: a number");
    }
}
