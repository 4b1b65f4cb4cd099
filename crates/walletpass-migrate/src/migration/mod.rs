//! The migration run: read and map every source pass, check that each fits the target before
//! anything is written, then create, reconcile, verify and retire, recording every step in the
//! [`Checkpoint`] so that running again resumes without losing or duplicating a pass.
//!
//! One file per phase, in the order a run takes them: `check` (settings), `read`
//! (source listing, mapping and the pre-flight check), `reconcile` (lookup and adoption on the
//! target), `create`, `sweep` (duplicates), `sync`, `verify`, `retire`, and `report` (the
//! [`Summary`] and the CSV rows); `run` drives them and holds what every phase shares.

mod check;
mod create;
mod error;
mod read;
mod reconcile;
mod report;
mod retire;
mod run;
mod sweep;
mod sync;
mod verify;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use walletpass_core::{
    Error, ErrorKind, Pass, PassContent, PassId, PassRef, Template, TemplateId, WalletProvider,
};

use crate::checkpoint::{Checkpoint, CheckpointError, Staged};
use crate::compare::content_hash;
use crate::mapping::Mapping;
use crate::pacing::Pace;
use crate::progress::{NoProgress, Progress};
use crate::stop::StopFlag;

pub use error::{MigrateError, Misfits, Offending};
pub use report::{ReportError, ReportRow, Summary, write_report};

/// What happens to the source passes once their copies verified.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Retire {
    /// Leave them.
    #[default]
    None,
    /// Void them.
    Void,
    /// Delete them.
    Delete,
    /// Set a back field telling the holder where the new pass is (see the mapping's
    /// `[notice]`).
    Notice,
}

/// How a pass created on the target is recognised again, so that a create whose outcome is
/// unknown (a killed run, a timeout, a dropped connection) is never repeated blindly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// The target accepts caller-chosen serial numbers: each pass is created with the serial
    /// `serial_prefix + source id`, so a repeated create is answered with the existing pass (or a
    /// conflict, then the pass is read by serial and compared). Exactly-once is enforced by the
    /// target's uniqueness of serials.
    CallerSerial,
    /// The mapping names a marker field: each pass carries the source ref in it; an uncertain
    /// create is resolved by listing the target template and matching the marker exactly.
    Marker,
    /// Neither: an uncertain create is resolved by listing the target template and matching the
    /// full mapped content, each target pass claimed at most once. Weakest: a pass already on the
    /// target with identical content (created outside this migration) would be adopted.
    Content,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::CallerSerial => "caller-chosen serial",
            Strategy::Marker => "marker field lookup",
            Strategy::Content => "content lookup",
        })
    }
}

/// Knobs of a run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Read the source and the target and report what would happen; write nothing (not even
    /// the checkpoint file).
    pub dry_run: bool,
    /// Passes (or batch jobs) in flight at once.
    pub concurrency: usize,
    /// Requests per second to the source.
    pub source_rps: Option<f64>,
    /// Requests per second to the target.
    pub target_rps: Option<f64>,
    /// Read every migrated pass back and compare it with the mapped source content; each source
    /// pass is read again too (on the source's budget, at the same time), so content that
    /// changed since the read phase, or that a listing left out, shows as a mismatch.
    pub verify: bool,
    /// Retire verified source passes.
    pub retire: Retire,
    /// Use the target's bulk path when it has one.
    pub use_batch: bool,
    /// Passes per batch job.
    pub batch_size: usize,
    /// Attempts per request on transient errors (rate limiting does not count, up to 10 times
    /// this).
    pub max_attempts: u32,
    /// Rounds of reconcile-then-create within one run, for creates whose outcome was unknown.
    pub rounds: u32,
    /// Page size for listings.
    pub page_size: u32,
    /// First backoff delay (doubles per attempt, at most 5 s).
    pub backoff: Duration,
    /// Also migrate voided, expired and removed source passes (created active on the target).
    pub include_inactive: bool,
    /// Update target copies whose source content changed since they were migrated (the
    /// content hash in the checkpoint differs), on the target's rate budget.
    pub sync: bool,
    /// Delete extra copies the checkpoint proves this migration made (see
    /// [`Summary::duplicates_left`]); without it they are only reported.
    pub remove_duplicates: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            dry_run: false,
            concurrency: 8,
            source_rps: None,
            target_rps: None,
            verify: false,
            retire: Retire::None,
            use_batch: true,
            batch_size: 100,
            max_attempts: 8,
            rounds: 10,
            page_size: 100,
            backoff: Duration::from_millis(50),
            include_inactive: false,
            sync: false,
            remove_duplicates: false,
        }
    }
}

/// One source pass, read and mapped: only what the later steps need. Staged in the checkpoint
/// as it is read ([`Staged`]) and loaded back a batch at a time, so that a large inventory is
/// never held in memory at once.
#[derive(Clone, Debug)]
struct Item {
    source_pass: PassRef,
    source_link: Option<String>,
    source_ref: String,
    identity: String,
    expected: PassContent,
    /// The caller-chosen serial on the target ([`Strategy::CallerSerial`]).
    serial: Option<PassId>,
}

impl Item {
    /// The staged form, as the checkpoint keeps it.
    fn staged(&self) -> Result<Staged, CheckpointError> {
        Ok(Staged {
            source_ref: self.source_ref.clone(),
            source_pass: encode(&self.source_pass)?,
            source_link: self.source_link.clone(),
            identity: self.identity.clone(),
            serial: self.serial.as_ref().map(|s| s.to_string()),
            expected: encode(&self.expected)?,
            content_hash: content_hash(&self.expected),
            skipped: false,
        })
    }

    /// Back from the staged form.
    fn from_staged(s: Staged) -> Result<Self, CheckpointError> {
        let serial = match s.serial {
            Some(text) => Some(PassId::new(text).map_err(|e| corrupt("serial", &e))?),
            None => None,
        };
        Ok(Self {
            source_pass: decode(&s.source_pass)?,
            source_link: s.source_link,
            source_ref: s.source_ref,
            identity: s.identity,
            expected: decode(&s.expected)?,
            serial,
        })
    }
}

fn corrupt(what: &str, e: &dyn fmt::Display) -> CheckpointError {
    CheckpointError::Corrupt(format!("a staged {what} does not decode: {e}"))
}

/// A value as the checkpoint's scratch tables keep it (JSON).
fn encode<T: serde::Serialize>(value: &T) -> Result<String, CheckpointError> {
    serde_json::to_string(value).map_err(|e| corrupt("value", &e))
}

/// A value back from the checkpoint's scratch tables.
fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, CheckpointError> {
    serde_json::from_str(text).map_err(|e| corrupt("value", &e))
}

/// A migration from one provider to another.
#[derive(Clone)]
pub struct Migration {
    source: Arc<dyn WalletProvider>,
    target: Arc<dyn WalletProvider>,
    source_template: Option<TemplateId>,
    target_template: Option<TemplateId>,
    mapping: Mapping,
    options: Options,
    progress: Arc<dyn Progress>,
    stop: StopFlag,
    /// Non-secret identities of the source and target accounts (recorded in the checkpoint).
    accounts: (String, String),
    /// Where the CSV report goes.
    report: Option<PathBuf>,
}

impl fmt::Debug for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migration")
            .field("source", &self.source.name())
            .field("target", &self.target.name())
            .field("source_template", &self.source_template)
            .field("target_template", &self.target_template)
            .field("accounts", &self.accounts)
            .field("options", &self.options)
            .field("report", &self.report)
            .finish()
    }
}

/// What happened to one create.
enum Created {
    Yes,
    Refused,
    Unknown,
}

struct Run<'a> {
    m: &'a Migration,
    cp: &'a Checkpoint,
    strategy: Strategy,
    source_pace: Pace,
    target_pace: Pace,
    target_template: Option<Template>,
}

fn ambiguous(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Timeout | ErrorKind::Transport | ErrorKind::Server | ErrorKind::Decode
    )
}

fn describe(e: &Error) -> String {
    format!("{} ({})", e, e.kind().as_str())
}

fn link_of(pass: &Pass) -> Option<String> {
    pass.links
        .landing
        .clone()
        .or_else(|| pass.links.download.clone())
        .or_else(|| pass.links.google.clone())
}

impl Migration {
    /// A migration from `source` to `target` with `mapping` and default [`Options`].
    pub fn new(
        source: Arc<dyn WalletProvider>,
        target: Arc<dyn WalletProvider>,
        mapping: Mapping,
    ) -> Self {
        Self {
            source,
            target,
            source_template: None,
            target_template: None,
            mapping,
            options: Options::default(),
            progress: Arc::new(NoProgress),
            stop: StopFlag::new(),
            accounts: (String::new(), String::new()),
            report: None,
        }
    }

    /// Stop after the passes in flight once `flag` is raised: the run then ends with
    /// [`MigrateError::Stopped`], and running it again resumes.
    pub fn stop_on(mut self, flag: StopFlag) -> Self {
        self.stop = flag;
        self
    }

    /// Name the source and target accounts (base URL and account, no secret; see
    /// [`crate::cli`]): the checkpoint records them and refuses a run against other accounts.
    pub fn accounts(mut self, source: impl Into<String>, target: impl Into<String>) -> Self {
        self.accounts = (source.into(), target.into());
        self
    }

    /// Read only the source passes of this template.
    pub fn source_template(mut self, template: Option<TemplateId>) -> Self {
        self.source_template = template;
        self
    }

    /// Create the target passes from this template.
    pub fn target_template(mut self, template: Option<TemplateId>) -> Self {
        self.target_template = template;
        self
    }

    /// Set the options.
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// Write the CSV report here at the end of the run (one line per checkpoint row, streamed
    /// from the checkpoint; see [`Summary::report_error`]).
    pub fn report_to(mut self, path: Option<PathBuf>) -> Self {
        self.report = path;
        self
    }

    /// Report progress here.
    pub fn progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// The exactly-once strategy this migration uses for its target.
    pub fn strategy(&self) -> Strategy {
        if self.target.capabilities().caller_serial {
            Strategy::CallerSerial
        } else if self.mapping.identity.marker_field.is_some() {
            Strategy::Marker
        } else {
            Strategy::Content
        }
    }

    /// Run the migration against `checkpoint`. Running again with the same checkpoint resumes.
    ///
    /// A dry run copies the checkpoint into a temporary one first and never writes to the
    /// target or to the given checkpoint.
    pub async fn run(&self, checkpoint: &Checkpoint) -> Result<Summary, MigrateError> {
        self.check_config()?;
        let scratch;
        let cp = if self.options.dry_run {
            scratch = checkpoint.copy_to_scratch()?;
            &scratch
        } else {
            checkpoint
        };
        cp.bind(&self.settings())?;
        let run = Run {
            m: self,
            cp,
            strategy: self.strategy(),
            source_pace: Pace::new(self.options.source_rps),
            target_pace: Pace::new(self.options.target_rps),
            target_template: None,
        };
        run.execute().await
    }
}
