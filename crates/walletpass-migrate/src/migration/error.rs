//! Why a run stops: [`MigrateError`], and the pre-flight message that groups the passes that do
//! not fit the target by reason.

use std::collections::HashMap;

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

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// The settings cannot work (missing template, unsupported operation).
    #[error("configuration: {0}")]
    Config(String),
    /// Passes that do not fit the target; nothing was written.
    #[error("{} source passes do not fit the target; nothing was written:\n{}", .0.len(), render_offending(.0))]
    Preflight(Vec<Offending>),
    /// The checkpoint failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Reading the source failed.
    #[error("source: {0}")]
    Source(Error),
    /// Reading the target failed.
    #[error("target: {0}")]
    Target(Error),
    /// A stop was asked for ([`Migration::stop_on`]: Ctrl-C, SIGTERM); the requests in flight
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

/// One line per distinct set of reasons, naming the passes it applies to (the first
/// [`NAMED_PASSES`], then how many more), so that one cause across thousands of passes reads as
/// one line; [`MigrateError::Preflight`] still holds every pass.
fn render_offending(list: &[Offending]) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for o in list {
        let reason = o.reasons.join("; ");
        match index.get(&reason) {
            Some(&i) => groups[i].1.push(&o.source_ref),
            None => {
                index.insert(reason.clone(), groups.len());
                groups.push((reason, vec![o.source_ref.as_str()]));
            }
        }
    }
    groups
        .iter()
        .map(|(reason, refs)| {
            let mut named = refs
                .iter()
                .take(NAMED_PASSES)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if refs.len() > NAMED_PASSES {
                named.push_str(&format!(" and {} more", refs.len() - NAMED_PASSES));
            }
            match refs.len() {
                1 => format!("  {named}: {reason}"),
                n => format!("  {n} passes ({named}): {reason}"),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many passes a pre-flight message names for one reason before it counts the rest.
const NAMED_PASSES: usize = 10;
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
