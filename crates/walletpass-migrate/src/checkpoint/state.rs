//! Where one pass stands ([`State`]) and its checkpoint row ([`Row`]).

use super::CheckpointError;

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

    pub(super) fn parse(text: &str) -> Result<Self, CheckpointError> {
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
    /// Whether the target pass was found there by lookup for a row this checkpoint never sent a
    /// create for (a copy made by an earlier run whose checkpoint is lost): such a copy is never
    /// deleted or replaced by the duplicate sweep.
    pub adopted: bool,
}
