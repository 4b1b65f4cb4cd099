//! The migration run: read and map every source pass, check that each fits the target before
//! anything is written, then create, reconcile, verify and retire, recording every step in the
//! [`Checkpoint`] so that running again resumes without losing or duplicating a pass.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};
use walletpass_core::{
    Capabilities, Error, ErrorKind, FieldValue, ListQuery, NewPass, Pass, PassContent, PassId,
    PassPatch, PassRef, PassStatus, Template, TemplateId, WalletProvider, WalletProviderExt,
};

use crate::checkpoint::{Checkpoint, CheckpointError, Row, State};
use crate::compare::{content_hash, differences};
use crate::mapping::{MapFailure, Mapping};
use crate::pacing::Pace;
use crate::progress::{NoProgress, Phase, Progress};
use crate::stop::StopFlag;

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
    /// One line per pass for the report, in checkpoint order.
    #[serde(skip)]
    pub rows: Vec<ReportRow>,
}

impl Summary {
    /// How many retirement failures the summary names.
    pub const FIRST_REASONS: usize = 5;

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
        for (pass, diffs) in &self.mismatches {
            writeln!(f, "mismatch {pass}: {}", diffs.join("; "))?;
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

/// One source pass, read and mapped: only what the later steps need, so that a large inventory
/// holds one copy of each pass's content.
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
    /// Source refs this process sent a create for: their recorded copies cannot have been
    /// handed to anyone yet (no report or notice carried them).
    sent_now: Mutex<HashSet<String>>,
}

/// What the duplicate sweep found and did.
#[derive(Default)]
struct Sweep {
    removed: usize,
    left: Vec<(String, String)>,
    unproven: Vec<(String, String)>,
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

    fn check_config(&self) -> Result<(), MigrateError> {
        let s = self.source.capabilities();
        let t = self.target.capabilities();
        let mut problems = Vec::new();
        if !s.list {
            problems.push(format!(
                "the source ({}) cannot list passes",
                self.source.name()
            ));
        }
        if s.list_requires_template && self.source_template.is_none() {
            problems.push(format!(
                "the source ({}) lists passes per template: give --from-template",
                self.source.name()
            ));
        }
        if t.pass_ref_requires_template && self.target_template.is_none() {
            problems.push(format!(
                "the target ({}) creates passes from a template: give --to-template",
                self.target.name()
            ));
        }
        if !self.options.dry_run && !t.create {
            problems.push(format!(
                "the target ({}) cannot create passes",
                self.target.name()
            ));
        }
        if self.options.verify && !t.get {
            problems.push(format!(
                "--verify: the target ({}) cannot read passes back",
                self.target.name()
            ));
        }
        if self.strategy() != Strategy::CallerSerial {
            if !t.list {
                problems.push(format!(
                    "the target ({}) has neither caller-chosen serials nor a listing: a create with an unknown outcome could not be checked, so exactly-once cannot be guaranteed",
                    self.target.name()
                ));
            }
            if t.list_requires_template && self.target_template.is_none() {
                problems.push(format!(
                    "the target ({}) lists passes per template: give --to-template",
                    self.target.name()
                ));
            }
        } else if !t.get {
            problems.push(format!(
                "the target ({}) cannot read a pass by serial",
                self.target.name()
            ));
        }
        if let Err(problem) = crate::retire::check(
            self.options.retire,
            self.source.as_ref(),
            &self.mapping.notice,
        ) {
            problems.push(problem);
        }
        if self.options.remove_duplicates && !t.delete {
            problems.push(format!(
                "--remove-duplicates: the target ({}) cannot delete passes",
                self.target.name()
            ));
        }
        if self.options.sync && !t.put {
            problems.push(format!(
                "--sync: the target ({}) cannot replace a pass's content",
                self.target.name()
            ));
        }
        if self.options.retire != Retire::None && !self.options.verify {
            problems.push(
                "--retire needs --verify: sources are retired only after their copies verified"
                    .into(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(MigrateError::Config(problems.join("; ")))
        }
    }

    /// The settings a checkpoint is bound to.
    fn settings(&self) -> Vec<(&'static str, String)> {
        let t = |t: &Option<TemplateId>| t.as_ref().map(|t| t.to_string()).unwrap_or_default();
        vec![
            ("source", self.source.name().to_owned()),
            ("source_account", self.accounts.0.clone()),
            ("target_account", self.accounts.1.clone()),
            ("source_template", t(&self.source_template)),
            ("target", self.target.name().to_owned()),
            ("target_template", t(&self.target_template)),
            ("serial_prefix", self.mapping.identity.serial_prefix.clone()),
            (
                "marker_field",
                self.mapping
                    .identity
                    .marker_field
                    .as_ref()
                    .map(|k| k.to_string())
                    .unwrap_or_default(),
            ),
        ]
    }

    /// Run the migration against `checkpoint`. Running again with the same checkpoint resumes.
    ///
    /// A dry run copies the checkpoint into memory first and never writes to the target or to
    /// the given checkpoint.
    pub async fn run(&self, checkpoint: &Checkpoint) -> Result<Summary, MigrateError> {
        self.check_config()?;
        let scratch;
        let cp = if self.options.dry_run {
            scratch = checkpoint.copy_to_memory()?;
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
            sent_now: Mutex::new(HashSet::new()),
        };
        run.execute().await
    }
}

impl Run<'_> {
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.m.options.backoff;
        let exp = base.saturating_mul(1u32 << attempt.min(10));
        let capped = exp.min(Duration::from_secs(5));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let jitter = Duration::from_nanos(u64::from(nanos) % (capped.as_nanos() as u64 / 2 + 1));
        capped / 2 + jitter
    }

    /// [`MigrateError::Stopped`] once a stop was asked for.
    fn stopped(&self) -> Result<(), MigrateError> {
        if self.m.stop.is_stopped() {
            Err(MigrateError::Stopped)
        } else {
            Ok(())
        }
    }

    /// Call `op` with pacing, pausing the side on rate limits and retrying transient errors.
    /// Only for requests that are safe to repeat.
    async fn retrying<T, F, Fut>(&self, pace: &Pace, mut op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let max = self.m.options.max_attempts.max(1);
        let mut transient = 0;
        let mut limited = 0;
        loop {
            pace.acquire().await;
            match op().await {
                Ok(v) => return Ok(v),
                // The HTTP client already retried it as far as its policy allows.
                Err(e) if e.is_exhausted() => {
                    if e.kind() == ErrorKind::RateLimited {
                        pace.pause(e.retry_after().unwrap_or_else(|| self.backoff(1)));
                    }
                    return Err(e);
                }
                Err(e) if e.kind() == ErrorKind::RateLimited && limited < max * 10 => {
                    limited += 1;
                    pace.pause(e.retry_after().unwrap_or_else(|| self.backoff(limited)));
                }
                Err(e) if e.is_retryable() && transient + 1 < max => {
                    transient += 1;
                    tokio::time::sleep(self.backoff(transient)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn execute(mut self) -> Result<Summary, MigrateError> {
        let m = self.m;
        let t = m.target.capabilities();
        if let Some(id) = &m.target_template
            && t.templates_get
        {
            let target = Arc::clone(&m.target);
            let template = self
                .retrying(&self.target_pace, || {
                    let target = Arc::clone(&target);
                    let id = id.clone();
                    async move { target.get_template(&id).await }
                })
                .await
                .map_err(MigrateError::Target)?;
            self.target_template = Some(template);
        }

        let before: HashMap<String, Row> = self
            .cp
            .rows()?
            .into_iter()
            .map(|r| (r.source_ref.clone(), r))
            .collect();
        let (items, inactive) = self.read_source(&before).await?;
        self.stopped()?;
        self.cp.plan(
            &items
                .iter()
                .map(|i| {
                    (
                        i.source_ref.clone(),
                        i.source_link.clone(),
                        i.identity.clone(),
                        content_hash(&i.expected),
                    )
                })
                .collect::<Vec<_>>(),
        )?;
        let by_ref: BTreeMap<String, Item> = items
            .into_iter()
            .map(|i| (i.source_ref.clone(), i))
            .collect();
        let skipped: BTreeSet<String> = before
            .values()
            .filter(|r| r.state.is_on_target() && by_ref.contains_key(&r.source_ref))
            .map(|r| r.source_ref.clone())
            .collect();

        let mut summary = Summary {
            total: by_ref.len(),
            skipped: skipped.len(),
            inactive,
            dry_run: m.options.dry_run,
            strategy: Some(self.strategy.to_string()),
            ..Summary::default()
        };

        // Rows that failed in an earlier run are tried again once. A dry run does the same on
        // its copy of the checkpoint, so that it looks up exactly what the real run looks up.
        for row in self.cp.rows_in(&[State::Failed])? {
            if by_ref.contains_key(&row.source_ref) {
                self.cp
                    .set_state(&row.source_ref, State::Pending, row.last_error.as_deref())?;
            }
        }
        // Every pass not recorded as on the target is looked up there before it is created: the
        // checkpoint is never the only proof (a lost, emptied or rolled-back one adopts the
        // copies already there). Only passes the lookup found absent are created.
        for _ in 0..m.options.rounds.max(1) {
            let absent = self.reconcile(&by_ref).await?;
            if m.options.dry_run {
                break;
            }
            let pending: Vec<&Item> = self
                .cp
                .rows_in(&[State::Pending])?
                .iter()
                .filter(|r| absent.contains(&r.source_ref))
                .filter_map(|r| by_ref.get(&r.source_ref))
                .collect();
            if pending.is_empty() {
                break;
            }
            self.create_all(&pending).await?;
            self.stopped()?;
        }
        if !m.options.dry_run {
            // A last look for creates still uncertain, so the summary is exact.
            self.reconcile(&by_ref).await?;
        }
        if self.strategy == Strategy::Marker {
            let sweep = self.sweep_duplicates(&by_ref).await?;
            summary.duplicates_removed = sweep.removed;
            summary.duplicates_left = sweep.left;
            summary.copies_unproven = sweep.unproven;
        }
        self.sync(&by_ref, &mut summary).await?;

        let mut mismatches = BTreeMap::new();
        if m.options.verify && !m.options.dry_run {
            mismatches = self.verify(&by_ref).await?;
            self.stopped()?;
        }
        if m.options.retire != Retire::None && !m.options.dry_run {
            let failures = self.retire(&by_ref).await?;
            self.stopped()?;
            summary.retire_failed = failures.len();
            summary.retire_failures = failures.into_iter().take(Summary::FIRST_REASONS).collect();
        }

        let rows = self.cp.rows()?;
        for row in rows.iter().filter(|r| by_ref.contains_key(&r.source_ref)) {
            match row.state {
                s if s.is_on_target() && skipped.contains(&row.source_ref) => {}
                s if s.is_on_target() && row.adopted => summary.adopted += 1,
                s if s.is_on_target() => summary.migrated += 1,
                _ if m.options.dry_run => summary.would_create += 1,
                State::Failed | State::Creating | State::Pending => {
                    summary.failed += 1;
                    summary.failures.push((
                        row.source_ref.clone(),
                        row.last_error
                            .clone()
                            .unwrap_or_else(|| "not attempted".into()),
                    ));
                }
                _ => {}
            }
            if m.options.dry_run {
                continue;
            }
            match row.state {
                State::Verified => summary.verified += 1,
                State::Retired => {
                    summary.verified += 1;
                    summary.retired += 1;
                }
                State::Mismatch => {
                    summary.mismatched += 1;
                    summary.mismatches.push((
                        row.source_ref.clone(),
                        mismatches
                            .get(&row.source_ref)
                            .cloned()
                            .unwrap_or_else(|| vec![row.last_error.clone().unwrap_or_default()]),
                    ));
                }
                _ => {}
            }
        }
        summary.rows = report_rows(&rows, &mismatches, m.options.dry_run);
        Ok(summary)
    }

    /// Carry source changes: each target copy whose recorded content hash differs from the
    /// source as mapped now is stale. With `sync` its content is replaced (one `put` each, on
    /// the target's budget) and recorded; without, stale copies are only counted. A dry run
    /// counts what it would update.
    async fn sync(
        &self,
        items: &BTreeMap<String, Item>,
        summary: &mut Summary,
    ) -> Result<(), MigrateError> {
        let m = self.m;
        let mut stale: Vec<(Row, &Item, String)> = Vec::new();
        let mut unchanged = 0;
        for row in self
            .cp
            .rows_in(&[State::Created, State::Verified, State::Mismatch])?
        {
            let Some(item) = items.get(&row.source_ref) else {
                continue;
            };
            let hash = content_hash(&item.expected);
            if hash == row.content_hash {
                unchanged += 1;
            } else {
                stale.push((row, item, hash));
            }
        }
        if !m.options.sync {
            summary.stale = stale.len();
            return Ok(());
        }
        summary.unchanged = unchanged;
        if m.options.dry_run {
            summary.updated = stale.len();
            return Ok(());
        }
        m.progress.start(Phase::Migrate, stale.len() as u64);
        let results: Vec<(String, String, Result<(), String>)> = stream::iter(stale)
            .map(|(row, item, hash)| async move {
                let pass_ref = match row.target_ref.as_deref().map(|t| self.target_ref(t)) {
                    Some(Ok(r)) => r,
                    Some(Err(e)) => return (row.source_ref, hash, Err(e)),
                    None => return (row.source_ref, hash, Err("no target ref".into())),
                };
                let target = Arc::clone(&m.target);
                let put = self
                    .retrying(&self.target_pace, || {
                        let target = Arc::clone(&target);
                        let pass_ref = pass_ref.clone();
                        let content = item.expected.clone();
                        async move { target.put(&pass_ref, content).await }
                    })
                    .await;
                m.progress.item(put.is_ok());
                (
                    row.source_ref,
                    hash,
                    put.map(|_| ()).map_err(|e| describe(&e)),
                )
            })
            .buffer_unordered(m.options.concurrency.max(1))
            .collect()
            .await;
        m.progress.finish();
        for (source_ref, hash, result) in results {
            match result {
                Ok(()) => {
                    self.cp.mark_synced(&source_ref, &hash)?;
                    summary.updated += 1;
                }
                Err(e) => {
                    self.cp.set_error(&source_ref, &format!("sync: {e}"))?;
                    summary.sync_failures.push((source_ref, e));
                }
            }
        }
        Ok(())
    }

    /// Read every source pass and map it; stop before any write when one does not fit.
    async fn read_source(
        &self,
        before: &HashMap<String, Row>,
    ) -> Result<(Vec<Item>, usize), MigrateError> {
        let m = self.m;
        m.progress.start(Phase::Read, 0);
        let mut first = ListQuery::new().page_size(m.options.page_size);
        first.template = m.source_template.clone();
        // Pages are walked while the passes of earlier pages are read, so the listing does not
        // leave the source's budget idle.
        let pages = stream::try_unfold(Some(first), move |state| async move {
            let Some(query) = state else {
                return Ok(None);
            };
            let source = Arc::clone(&m.source);
            let page = self
                .retrying(&self.source_pace, || {
                    let source = Arc::clone(&source);
                    let query = query.clone();
                    async move { source.list(&query).await }
                })
                .await?;
            let next = match page.next {
                Some(next) if Some(&next) != query.cursor.as_ref() => Some(ListQuery {
                    cursor: Some(next),
                    ..query
                }),
                Some(next) => {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!("the source returned cursor '{next}' for itself"),
                    ));
                }
                None => None,
            };
            let items = stream::iter(page.items.into_iter().map(Ok::<Pass, Error>));
            Ok(Some((items, next)))
        });
        // A listed pass is taken as it is when the source lists full content
        // (`list_full_content`) and the pass has a link for the report. Otherwise (PassNinja
        // lists summaries; ubpass may list without links) every pass is read in full before it
        // is mapped, so nothing is migrated from a partial picture.
        let passes: Vec<Option<Pass>> = pages
            .try_flatten()
            .map_ok(|p| async move {
                let got = self.full_pass(&m.source, &self.source_pace, p).await;
                m.progress.item(got.is_ok());
                got
            })
            .try_buffered(m.options.concurrency.max(1))
            .try_collect()
            .await
            .map_err(MigrateError::Source)?;
        let passes: Vec<Pass> = passes.into_iter().flatten().collect();
        m.progress.finish();

        let caps = m.target.capabilities();
        let mut items = Vec::new();
        let mut offending = Vec::new();
        let mut inactive = 0;
        let mut seen = BTreeSet::new();
        for pass in passes {
            let source_ref = pass.pass_ref.to_string();
            if !seen.insert(source_ref.clone()) {
                return Err(MigrateError::Source(Error::new(
                    ErrorKind::Decode,
                    format!("the source listed pass '{source_ref}' twice"),
                )));
            }
            let live = matches!(
                pass.status,
                PassStatus::Active | PassStatus::Draft | PassStatus::Other(_)
            );
            if !live && !m.options.include_inactive && !before.contains_key(&source_ref) {
                inactive += 1;
                continue;
            }
            let expected = match self.mapped(&pass.content, &source_ref) {
                Ok(c) => c,
                Err(failure) => {
                    offending.push(Offending {
                        source_ref,
                        reasons: failure.reasons,
                    });
                    continue;
                }
            };
            let identity = match self.strategy {
                Strategy::CallerSerial => {
                    format!("{}{}", m.mapping.identity.serial_prefix, pass.pass_ref.id)
                }
                Strategy::Marker => source_ref.clone(),
                Strategy::Content => content_hash(&expected),
            };
            let mut reasons: Vec<String> = caps
                .misfits(&expected)
                .iter()
                .map(ToString::to_string)
                .collect();
            reasons.extend(crate::fit::reasons(
                &expected,
                caps,
                self.target_template.as_ref(),
                &m.mapping,
                m.target.name(),
            ));
            if let Some(t) = &self.target_template
                && !t.fields.is_empty()
            {
                for f in &expected.fields {
                    let Some(spec) = t.field_spec(f.key.as_str()) else {
                        reasons.push(format!(
                            "fields[{}]: not a field of target template '{}'",
                            f.key, t.id
                        ));
                        continue;
                    };
                    // Labels and placements that belong to the template: a pass may repeat them
                    // but not differ (map the template's, or drop labels / placements).
                    if caps.fixed_layout
                        && f.label.is_some()
                        && spec.label.is_some()
                        && f.label != spec.label
                    {
                        reasons.push(format!(
                            "fields[{}].label: target template '{}' fixes it to {:?}, the pass has {:?}",
                            f.key, t.id, spec.label, f.label
                        ));
                    }
                    if caps.fixed_layout
                        && f.placement.is_some()
                        && spec.placement.is_some()
                        && f.placement != spec.placement
                    {
                        reasons.push(format!(
                            "fields[{}].placement: target template '{}' fixes it to {:?}, the pass has {:?}",
                            f.key, t.id, spec.placement, f.placement
                        ));
                    }
                }
                for spec in t
                    .fields
                    .iter()
                    .filter(|s| s.required && s.default.is_none())
                {
                    if expected.field(spec.key.as_str()).is_none() {
                        reasons.push(format!(
                            "fields[{}]: required by target template '{}' but not mapped",
                            spec.key, t.id
                        ));
                    }
                }
            }
            let mut serial = None;
            if self.strategy == Strategy::CallerSerial {
                match PassId::new(identity.clone()) {
                    Ok(id) => serial = Some(id),
                    Err(e) => reasons.push(format!("serial_number: {e}")),
                }
            }
            if !reasons.is_empty() {
                offending.push(Offending {
                    source_ref,
                    reasons,
                });
                continue;
            }
            items.push(Item {
                source_link: link_of(&pass),
                source_pass: pass.pass_ref,
                source_ref,
                identity,
                expected,
                serial,
            });
        }
        if !offending.is_empty() {
            return Err(MigrateError::Preflight(offending));
        }
        if self.strategy == Strategy::Content {
            tracing::warn!(
                "the target has no caller-chosen serials and the mapping names no identity.marker_field: uncertain creates are resolved by matching content"
            );
        }
        Ok((items, inactive))
    }

    /// Every target pass of the target template (one listing, retried page by page).
    async fn list_target(&self) -> Result<Vec<Pass>, MigrateError> {
        let m = self.m;
        let mut out = Vec::new();
        let mut query = ListQuery::new().page_size(m.options.page_size);
        query.template = m.target_template.clone();
        loop {
            let target = Arc::clone(&m.target);
            let page = self
                .retrying(&self.target_pace, || {
                    let target = Arc::clone(&target);
                    let query = query.clone();
                    async move { target.list(&query).await }
                })
                .await
                .map_err(MigrateError::Target)?;
            out.extend(page.items);
            match page.next {
                Some(next) if Some(&next) != query.cursor.as_ref() => query.cursor = Some(next),
                Some(next) => {
                    return Err(MigrateError::Target(Error::new(
                        ErrorKind::Decode,
                        format!("the target returned cursor '{next}' for itself"),
                    )));
                }
                None => return Ok(out),
            }
        }
    }

    /// Every target pass (of the target template) not yet recorded for a source pass, with its
    /// full content: when the target's listings carry only a summary (no `list_full_content`),
    /// or a listed pass has no link, each such pass is read one by one.
    async fn unclaimed_target_passes(
        &self,
        claimed: &BTreeSet<String>,
    ) -> Result<Vec<Pass>, MigrateError> {
        let m = self.m;
        let listed: Vec<Pass> = self
            .list_target()
            .await?
            .into_iter()
            .filter(|p| !claimed.contains(&p.pass_ref.to_string()))
            .collect();
        let full: Vec<Option<Pass>> = stream::iter(listed)
            .map(|p| self.full_pass(&m.target, &self.target_pace, p))
            .buffered(m.options.concurrency.max(1))
            .try_collect()
            .await
            .map_err(MigrateError::Target)?;
        Ok(full.into_iter().flatten().collect())
    }

    /// Look up on the target every pass the checkpoint does not record there (`pending`, or
    /// `creating`: a create whose outcome is unknown), the same way in a dry run and a real
    /// run. Found, the row records the target pass (adopted when this checkpoint had sent no
    /// create for it); not found, it is `pending`. Returns the source refs found absent: only
    /// those may be created (a pass whose lookup failed waits for the next round).
    async fn reconcile(
        &self,
        items: &BTreeMap<String, Item>,
    ) -> Result<BTreeSet<String>, MigrateError> {
        let rows = self.cp.rows_in(&[State::Pending, State::Creating])?;
        let open: Vec<&Row> = rows
            .iter()
            .filter(|r| items.contains_key(&r.source_ref))
            .collect();
        let mut absent = BTreeSet::new();
        if open.is_empty() {
            return Ok(absent);
        }
        let m = self.m;
        let caps = m.target.capabilities();
        m.progress.start(Phase::Reconcile, open.len() as u64);
        match self.strategy {
            Strategy::CallerSerial => {
                let found = self.find_by_serial(&open, items).await?;
                for (row, item, got) in found {
                    let adopted = row.state == State::Pending;
                    match got {
                        Ok(Some(pass)) => {
                            let diffs = differences(
                                &item.expected,
                                &pass.content,
                                caps,
                                self.target_template.as_ref(),
                            );
                            if diffs.is_empty() {
                                self.found(row, &pass, adopted, None)?;
                            } else {
                                self.cp.set_state(
                                    &item.source_ref,
                                    State::Failed,
                                    Some(&format!(
                                        "serial '{}' is taken on the target by a pass with other content (left untouched): {}",
                                        item.identity,
                                        diffs.join("; ")
                                    )),
                                )?;
                            }
                        }
                        Ok(None) => {
                            absent.insert(item.source_ref.clone());
                            self.cp.set_state(&item.source_ref, State::Pending, None)?;
                        }
                        Err(e) => self.cp.set_error(&item.source_ref, &describe(&e))?,
                    }
                }
            }
            Strategy::Marker | Strategy::Content => {
                let mut claimed = self.cp.target_refs()?;
                let mut listed = self.unclaimed_target_passes(&claimed).await?;
                // The oldest first: of several candidates, the one made first is kept.
                listed.sort_by_key(|p| (p.created_at.is_none(), p.created_at));
                let marker = m.mapping.identity.marker_field.clone();
                let mut by_marker: HashMap<String, Vec<&Pass>> = HashMap::new();
                if let Some(key) = &marker {
                    for p in &listed {
                        if let Some(f) = p.content.field(key.as_str())
                            && let FieldValue::Text(token) = &f.value
                        {
                            by_marker.entry(token.clone()).or_default().push(p);
                        }
                    }
                }
                for row in open {
                    let Some(item) = items.get(&row.source_ref) else {
                        continue;
                    };
                    let candidates: Vec<&Pass> = match self.strategy {
                        Strategy::Marker => {
                            by_marker.get(&item.identity).cloned().unwrap_or_default()
                        }
                        _ => listed.iter().collect(),
                    };
                    let diffs_of = |p: &Pass| {
                        differences(
                            &item.expected,
                            &p.content,
                            caps,
                            self.target_template.as_ref(),
                        )
                    };
                    let free: Vec<&Pass> = candidates
                        .into_iter()
                        .filter(|p| !claimed.contains(&p.pass_ref.to_string()))
                        .collect();
                    // Equal content first; with a marker, a copy of this very source pass whose
                    // content differs (the source changed since) is adopted as a mismatch
                    // rather than created again.
                    let hit = match free.iter().find(|p| diffs_of(p).is_empty()) {
                        Some(p) => Some((*p, None)),
                        None if self.strategy == Strategy::Marker => {
                            free.first().map(|p| (*p, Some(diffs_of(p).join("; "))))
                        }
                        None => None,
                    };
                    m.progress.item(true);
                    match hit {
                        Some((p, stale)) => {
                            claimed.insert(p.pass_ref.to_string());
                            self.found(row, p, row.state == State::Pending, stale.as_deref())?;
                        }
                        None => {
                            absent.insert(item.source_ref.clone());
                            self.cp.set_state(
                                &item.source_ref,
                                State::Pending,
                                row.last_error.as_deref(),
                            )?;
                        }
                    }
                }
            }
        }
        m.progress.finish();
        Ok(absent)
    }

    /// Record that `row`'s copy is `pass` on the target.
    fn found(
        &self,
        row: &Row,
        pass: &Pass,
        adopted: bool,
        stale: Option<&str>,
    ) -> Result<(), CheckpointError> {
        let target_ref = pass.pass_ref.to_string();
        let link = link_of(pass);
        if adopted || stale.is_some() {
            let stale = stale.map(|d| format!("on the target with other content: {d}"));
            self.cp.mark_found(
                &row.source_ref,
                &target_ref,
                link.as_deref(),
                adopted,
                stale.as_deref(),
            )
        } else {
            self.cp
                .mark_created(&row.source_ref, &target_ref, link.as_deref())
        }
    }

    /// Each open row's pass on the target by its caller-chosen serial: from one listing of the
    /// target template when the target can list, else one read per pass.
    async fn find_by_serial<'r, 'i>(
        &self,
        open: &[&'r Row],
        items: &'i BTreeMap<String, Item>,
    ) -> Result<Vec<(&'r Row, &'i Item, Result<Option<Pass>, Error>)>, MigrateError> {
        let m = self.m;
        let with_items: Vec<(&Row, &Item, &PassId)> = open
            .iter()
            .filter_map(|r| {
                let item = items.get(&r.source_ref)?;
                Some((*r, item, item.serial.as_ref()?))
            })
            .collect();
        let caps = m.target.capabilities();
        // One listing costs at least a page per `page_size` passes already recorded on the
        // target; when fewer rows are open than that (a resume), reading them by serial is the
        // smaller bulk. Both are the same proof.
        let recorded = self.cp.target_refs()?.len();
        let listing = caps.list
            && !(caps.list_requires_template && m.target_template.is_none())
            && with_items.len() * m.options.page_size.max(1) as usize >= recorded;
        let mut listed: HashMap<String, Pass> = HashMap::new();
        if listing {
            // A pass's serial is its `serial_number` (Passinstance gives each pass its own id
            // beside the serial chosen by the caller); the id where a target names it so.
            for p in self.list_target().await? {
                let serial = if p.serial_number.is_empty() {
                    p.pass_ref.id.to_string()
                } else {
                    p.serial_number.clone()
                };
                listed.insert(serial, p);
            }
        }
        let listed = &listed;
        Ok(stream::iter(with_items)
            .map(|(row, item, serial)| async move {
                let got = if listing {
                    match listed.get(serial.as_str()) {
                        Some(p) => {
                            self.full_pass(&m.target, &self.target_pace, p.clone())
                                .await
                        }
                        None => Ok(None),
                    }
                } else {
                    let pass_ref = PassRef {
                        template: m.target_template.clone(),
                        id: serial.clone(),
                    };
                    self.read(&m.target, &self.target_pace, &pass_ref).await
                };
                m.progress.item(got.is_ok());
                (row, item, got)
            })
            .buffer_unordered(m.options.concurrency.max(1))
            .collect()
            .await)
    }

    /// Find target passes that carry the marker of a source pass but are not its recorded copy.
    /// One is a stray of this migration, to be deleted (with `remove_duplicates`), only when the
    /// checkpoint proves it: the row's copy was created by this checkpoint (not adopted), which
    /// happens only after a lookup found no copy, so any other copy with its marker came from
    /// this migration's own attempts (a client that repeated a create after losing the answer);
    /// and the copy kept is the older one. When the recorded copy was created by this very
    /// process (its link not yet handed out) and a stray is older, the older one is recorded and
    /// kept instead. Everything else is reported and left alone.
    async fn sweep_duplicates(
        &self,
        items: &BTreeMap<String, Item>,
    ) -> Result<Sweep, MigrateError> {
        let m = self.m;
        let mut sweep = Sweep::default();
        let Some(key) = m.mapping.identity.marker_field.clone() else {
            return Ok(sweep);
        };
        let rows = self.cp.rows_in(&[
            State::Created,
            State::Verified,
            State::Mismatch,
            State::Retired,
        ])?;
        let by_identity: HashMap<&str, &Row> = rows
            .iter()
            .filter(|r| r.target_ref.is_some())
            .map(|r| (r.identity.as_str(), r))
            .collect();
        let claimed = self.cp.target_refs()?;
        let mut extras: BTreeMap<&str, (&Row, Vec<Pass>)> = BTreeMap::new();
        for pass in self.unclaimed_target_passes(&claimed).await? {
            let Some(FieldValue::Text(token)) = pass.content.field(key.as_str()).map(|f| &f.value)
            else {
                continue;
            };
            let Some(row) = by_identity.get(token.as_str()) else {
                continue;
            };
            let target_ref = pass.pass_ref.to_string();
            if row.adopted {
                tracing::warn!(source = %row.source_ref, copy = %target_ref, "another copy on the target, not made by this checkpoint");
                sweep.unproven.push((row.source_ref.clone(), target_ref));
                continue;
            }
            extras
                .entry(row.source_ref.as_str())
                .or_insert_with(|| (row, Vec::new()))
                .1
                .push(pass);
        }
        let sent_now = self
            .sent_now
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut doomed: Vec<(String, PassRef, String)> = Vec::new();
        for (source_ref, (row, mut copies)) in extras {
            let Some(kept_ref) = row.target_ref.as_deref() else {
                continue;
            };
            let kept = match self.target_ref(kept_ref) {
                Ok(r) => self
                    .read(&m.target, &self.target_pace, &r)
                    .await
                    .map_err(MigrateError::Target)?,
                Err(_) => None,
            };
            let Some(mut kept) = kept.filter(|k| k.created_at.is_some()) else {
                // Which copy is older cannot be told: report them all.
                for c in copies {
                    sweep
                        .unproven
                        .push((source_ref.to_owned(), c.pass_ref.to_string()));
                }
                continue;
            };
            copies.sort_by_key(|c| c.created_at);
            // A recorded copy this process made may give way to an older stray of equal
            // content: nobody has its link yet.
            if sent_now.contains(source_ref)
                && let Some(i) = copies.iter().position(|c| {
                    c.created_at.is_some()
                        && c.created_at < kept.created_at
                        && items.get(source_ref).is_some_and(|item| {
                            differences(
                                &item.expected,
                                &c.content,
                                m.target.capabilities(),
                                self.target_template.as_ref(),
                            )
                            .is_empty()
                        })
                })
            {
                let older = copies.remove(i);
                self.cp.mark_created(
                    source_ref,
                    &older.pass_ref.to_string(),
                    link_of(&older).as_deref(),
                )?;
                copies.push(std::mem::replace(&mut kept, older));
            }
            for c in copies {
                let target_ref = c.pass_ref.to_string();
                let not_older = c.created_at.is_some() && c.created_at >= kept.created_at;
                if !not_older {
                    sweep.unproven.push((source_ref.to_owned(), target_ref));
                } else if m.options.remove_duplicates
                    && !m.options.dry_run
                    && m.target.capabilities().delete
                {
                    doomed.push((source_ref.to_owned(), c.pass_ref, kept.pass_ref.to_string()));
                } else {
                    sweep.left.push((source_ref.to_owned(), target_ref));
                }
            }
        }
        for (source_ref, pass_ref, kept) in &doomed {
            m.progress.notice(&format!(
                "deleting extra copy {pass_ref} of {source_ref} from the target (a stray of this migration; kept {kept}, the older)"
            ));
        }
        for (source_ref, pass_ref, _) in doomed {
            let target = Arc::clone(&m.target);
            let deleted = self
                .retrying(&self.target_pace, || {
                    let target = Arc::clone(&target);
                    let pass_ref = pass_ref.clone();
                    async move {
                        match target.delete(&pass_ref).await {
                            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
                            other => other,
                        }
                    }
                })
                .await;
            match deleted {
                Ok(()) => sweep.removed += 1,
                Err(e) => {
                    tracing::warn!(copy = %pass_ref, error = %e, "extra copy not deleted");
                    sweep.left.push((source_ref, pass_ref.to_string()));
                }
            }
        }
        Ok(sweep)
    }

    /// Create every pending pass (bulk path when the target has one).
    async fn create_all(&self, pending: &[&Item]) -> Result<(), MigrateError> {
        let m = self.m;
        m.progress.start(Phase::Migrate, pending.len() as u64);
        let batch = m.options.use_batch && m.target.batch().is_some();
        let concurrency = m.options.concurrency.max(1);
        let errors: Mutex<Option<CheckpointError>> = Mutex::new(None);
        if batch {
            stream::iter(pending.chunks(m.options.batch_size.max(1)))
                .for_each_concurrent(concurrency, |chunk| {
                    let errors = &errors;
                    async move {
                        if m.stop.is_stopped() {
                            return;
                        }
                        if let Err(e) = self.create_batch(chunk).await {
                            errors
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                        }
                    }
                })
                .await;
        } else {
            stream::iter(pending.iter().copied())
                .map(Ok::<_, CheckpointError>)
                .try_for_each_concurrent(concurrency, |item| async move {
                    if m.stop.is_stopped() {
                        return Ok(());
                    }
                    let outcome = self.create_one(item).await?;
                    m.progress.item(matches!(outcome, Created::Yes));
                    Ok(())
                })
                .await?;
        }
        m.progress.finish();
        match errors.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Remember that this process sent a create for these passes.
    fn sent(&self, items: &[&Item]) {
        let mut sent = self.sent_now.lock().unwrap_or_else(|p| p.into_inner());
        sent.extend(items.iter().map(|i| i.source_ref.clone()));
    }

    /// Read one pass on one side, with that side's pacing and retries; `None`: it does not
    /// exist.
    async fn read(
        &self,
        provider: &Arc<dyn WalletProvider>,
        pace: &Pace,
        pass_ref: &PassRef,
    ) -> Result<Option<Pass>, Error> {
        self.retrying(pace, || {
            let provider = Arc::clone(provider);
            let pass_ref = pass_ref.clone();
            async move { provider.get_or_none(&pass_ref).await }
        })
        .await
    }

    /// A listed pass in full: as listed when the side's listings carry full content
    /// (`list_full_content`) and the pass has a link (the report and the retire notice need
    /// it); otherwise read again. `None`: gone since it was listed.
    async fn full_pass(
        &self,
        provider: &Arc<dyn WalletProvider>,
        pace: &Pace,
        listed: Pass,
    ) -> Result<Option<Pass>, Error> {
        if provider.capabilities().list_full_content && link_of(&listed).is_some() {
            return Ok(Some(listed));
        }
        self.read(provider, pace, &listed.pass_ref).await
    }

    /// A source pass's content as it goes to the target: mapped, with the marker of
    /// `source_ref` when the strategy uses one.
    fn mapped(&self, content: &PassContent, source_ref: &str) -> Result<PassContent, MapFailure> {
        let m = self.m;
        let same_provider = m.source.name() == m.target.name();
        let mapped = m.mapping.apply(content, same_provider)?;
        Ok(if self.strategy == Strategy::Marker {
            m.mapping.with_marker(mapped, source_ref)
        } else {
            mapped
        })
    }

    /// The create request for `item`.
    fn new_pass(&self, item: &Item) -> NewPass {
        let mut new_pass = NewPass::new(item.expected.clone());
        new_pass.template = self.m.target_template.clone();
        new_pass.serial_number = item.serial.clone();
        new_pass
    }

    /// One create, per call. The intent (`creating`) is recorded before the request is sent.
    async fn create_one(&self, item: &Item) -> Result<Created, CheckpointError> {
        let m = self.m;
        let cp = self.cp;
        cp.mark_creating(&item.source_ref)?;
        self.sent(&[item]);
        let max = m.options.max_attempts.max(1);
        let mut transient = 0;
        let mut limited = 0;
        loop {
            self.target_pace.acquire().await;
            let result = m.target.create(self.new_pass(item)).await;
            match result {
                Ok(pass) => {
                    cp.mark_created(
                        &item.source_ref,
                        &pass.pass_ref.to_string(),
                        link_of(&pass).as_deref(),
                    )?;
                    return Ok(Created::Yes);
                }
                // Retried by the HTTP client as far as its policy allows: left to the lookup
                // and the next round, never repeated here.
                Err(e) if e.is_exhausted() => {
                    if e.kind() == ErrorKind::RateLimited {
                        self.target_pace
                            .pause(e.retry_after().unwrap_or_else(|| self.backoff(1)));
                    }
                    cp.set_error(&item.source_ref, &describe(&e))?;
                    return Ok(Created::Unknown);
                }
                Err(e) if e.kind() == ErrorKind::RateLimited && limited < max * 10 => {
                    limited += 1;
                    self.target_pace
                        .pause(e.retry_after().unwrap_or_else(|| self.backoff(limited)));
                }
                Err(e)
                    if self.strategy == Strategy::CallerSerial
                        && e.kind() == ErrorKind::Conflict =>
                {
                    // The serial exists: most likely an earlier attempt of ours. The reconcile
                    // step reads it by serial and compares before adopting it.
                    cp.set_error(&item.source_ref, &describe(&e))?;
                    return Ok(Created::Unknown);
                }
                Err(e) if ambiguous(e.kind()) => {
                    cp.set_error(&item.source_ref, &describe(&e))?;
                    // Repeating a create is safe only with a caller-chosen serial; otherwise the
                    // pass stays `creating` and is looked up before any new attempt.
                    if self.strategy != Strategy::CallerSerial || transient + 1 >= max {
                        return Ok(Created::Unknown);
                    }
                    transient += 1;
                    tokio::time::sleep(self.backoff(transient)).await;
                }
                Err(e) => {
                    cp.set_state(&item.source_ref, State::Failed, Some(&describe(&e)))?;
                    return Ok(Created::Refused);
                }
            }
        }
    }

    /// One batch job. Every row of the chunk is `creating` before the job is submitted; rows
    /// whose result is not a clear success or refusal stay `creating` for the reconcile step.
    async fn create_batch(&self, chunk: &[&Item]) -> Result<(), CheckpointError> {
        let m = self.m;
        let Some(batch) = m.target.batch() else {
            return Ok(());
        };
        let refs: Vec<&str> = chunk.iter().map(|i| i.source_ref.as_str()).collect();
        self.cp.mark_creating_all(&refs)?;
        self.sent(chunk);
        let passes: Vec<NewPass> = chunk.iter().map(|i| self.new_pass(i)).collect();
        let max = m.options.max_attempts.max(1);
        let mut limited = 0;
        let results = loop {
            self.target_pace.acquire().await;
            match batch.create_many(passes.clone()).await {
                Ok(results) => break results,
                Err(e)
                    if e.kind() == ErrorKind::RateLimited
                        && !e.is_exhausted()
                        && limited < max * 10 =>
                {
                    limited += 1;
                    self.target_pace
                        .pause(e.retry_after().unwrap_or_else(|| self.backoff(limited)));
                }
                Err(e) => {
                    let text = describe(&e);
                    for item in chunk {
                        if ambiguous(e.kind()) {
                            self.cp.set_error(&item.source_ref, &text)?;
                        } else {
                            self.cp
                                .set_state(&item.source_ref, State::Failed, Some(&text))?;
                        }
                        m.progress.item(false);
                    }
                    return Ok(());
                }
            }
        };
        for (i, item) in chunk.iter().enumerate() {
            match results.get(i) {
                Some(Ok(pass)) => {
                    self.cp.mark_created(
                        &item.source_ref,
                        &pass.pass_ref.to_string(),
                        link_of(pass).as_deref(),
                    )?;
                    m.progress.item(true);
                }
                Some(Err(e))
                    if ambiguous(e.kind())
                        || e.kind() == ErrorKind::RateLimited
                        || (self.strategy == Strategy::CallerSerial
                            && e.kind() == ErrorKind::Conflict) =>
                {
                    self.cp.set_error(&item.source_ref, &describe(e))?;
                    m.progress.item(false);
                }
                Some(Err(e)) => {
                    self.cp
                        .set_state(&item.source_ref, State::Failed, Some(&describe(e)))?;
                    m.progress.item(false);
                }
                None => {
                    self.cp.set_error(
                        &item.source_ref,
                        "the batch job returned fewer results than passes",
                    )?;
                    m.progress.item(false);
                }
            }
        }
        Ok(())
    }

    /// Read every migrated pass back and compare it with the mapped source content.
    async fn verify(
        &self,
        items: &BTreeMap<String, Item>,
    ) -> Result<BTreeMap<String, Vec<String>>, MigrateError> {
        let m = self.m;
        let rows: Vec<Row> = self
            .cp
            .rows_in(&[State::Created, State::Verified, State::Mismatch])?
            .into_iter()
            .filter(|r| items.contains_key(&r.source_ref))
            .collect();
        m.progress.start(Phase::Verify, rows.len() as u64);
        let results: Vec<(String, Result<Vec<String>, String>)> = stream::iter(rows.iter())
            .take_while(|_| futures::future::ready(!m.stop.is_stopped()))
            .map(|row| async move {
                let Some(item) = items.get(&row.source_ref) else {
                    return (row.source_ref.clone(), Err("source pass not read".into()));
                };
                let pass_ref = match row.target_ref.as_deref().map(|t| self.target_ref(t)) {
                    Some(Ok(r)) => r,
                    Some(Err(e)) => return (row.source_ref.clone(), Err(e)),
                    None => return (row.source_ref.clone(), Err("no target ref".into())),
                };
                let target = Arc::clone(&m.target);
                let target_read = self.retrying(&self.target_pace, || {
                    let target = Arc::clone(&target);
                    let pass_ref = pass_ref.clone();
                    async move { target.get(&pass_ref).await }
                });
                // The source pass is read again on its own budget, at the same time: what was
                // migrated is held to the source as it is now, not only to what the read phase
                // saw (a listing can be incomplete; a live pass can change meanwhile).
                let source_read = self.read(&m.source, &self.source_pace, &item.source_pass);
                let (got, source_now) = futures::join!(target_read, source_read);
                let out = match (got, source_now) {
                    (Ok(pass), Ok(source_now)) => {
                        let mut diffs = differences(
                            &item.expected,
                            &pass.content,
                            m.target.capabilities(),
                            self.target_template.as_ref(),
                        );
                        // A source pass gone since (a retire whose outcome was not recorded)
                        // leaves nothing to compare.
                        if let Some(now) = source_now {
                            diffs.extend(self.source_drift(item, &now));
                        }
                        Ok(diffs)
                    }
                    (Err(e), _) => Err(describe(&e)),
                    (_, Err(e)) => Err(format!("source: {}", describe(&e))),
                };
                m.progress.item(matches!(&out, Ok(d) if d.is_empty()));
                (row.source_ref.clone(), out)
            })
            .buffer_unordered(m.options.concurrency.max(1))
            .collect()
            .await;
        m.progress.finish();
        let mut mismatches = BTreeMap::new();
        for (source_ref, result) in results {
            match result {
                Ok(diffs) if diffs.is_empty() => {
                    self.cp.set_state(&source_ref, State::Verified, None)?
                }
                Ok(diffs) => {
                    self.cp
                        .set_state(&source_ref, State::Mismatch, Some(&diffs.join("; ")))?;
                    mismatches.insert(source_ref, diffs);
                }
                Err(e) => {
                    let text = format!("verify: {e}");
                    self.cp
                        .set_state(&source_ref, State::Mismatch, Some(&text))?;
                    mismatches.insert(source_ref, vec![text]);
                }
            }
        }
        Ok(mismatches)
    }

    /// How the source pass as it is now differs from what was migrated for it (empty: not at
    /// all). A notice this migration put on the source is not a difference.
    fn source_drift(&self, item: &Item, now: &Pass) -> Vec<String> {
        let m = self.m;
        let mut content = now.content.clone();
        if m.options.retire == Retire::Notice {
            content.fields.remove(m.mapping.notice.key.as_str());
        }
        let fresh = match self.mapped(&content, &item.source_ref) {
            Ok(c) => c,
            Err(failure) => {
                return vec![format!(
                    "source: no longer maps: {}",
                    failure.reasons.join("; ")
                )];
            }
        };
        if content_hash(&fresh) == content_hash(&item.expected) {
            return Vec::new();
        }
        const DRIFT: &str = "the source pass read again differs from what was migrated (changed since it was read, or listed incompletely)";
        let diffs = differences(&fresh, &item.expected, &Capabilities::all(), None);
        if diffs.is_empty() {
            return vec![DRIFT.to_owned()];
        }
        diffs.iter().map(|d| format!("{DRIFT}: {d}")).collect()
    }

    fn target_ref(&self, text: &str) -> Result<PassRef, String> {
        // Target refs were recorded from `PassRef`'s Display: `TEMPLATE/ID` when the target
        // addresses passes through a template, `ID` otherwise.
        match &self.m.target_template {
            Some(t) if text.starts_with(&format!("{t}/")) => {
                let id = &text[t.as_str().len() + 1..];
                PassId::new(id)
                    .map(|id| PassRef::in_template(t.clone(), id))
                    .map_err(|e| e.to_string())
            }
            _ => PassRef::parse(text).map_err(|e| e.to_string()),
        }
    }

    /// Retire every verified source pass; the answer lists the passes that could not be
    /// retired, with their errors.
    async fn retire(
        &self,
        items: &BTreeMap<String, Item>,
    ) -> Result<Vec<(String, String)>, MigrateError> {
        let m = self.m;
        let rows: Vec<Row> = self
            .cp
            .rows_in(&[State::Verified])?
            .into_iter()
            .filter(|r| items.contains_key(&r.source_ref))
            .collect();
        m.progress.start(Phase::Retire, rows.len() as u64);
        let results: Vec<(String, Result<(), Error>)> = stream::iter(rows.iter())
            .take_while(|_| futures::future::ready(!m.stop.is_stopped()))
            .filter_map(|row| async move { items.get(&row.source_ref).map(|item| (row, item)) })
            .map(|(row, item)| async move {
                let source = Arc::clone(&m.source);
                let pass_ref = item.source_pass.clone();
                let link = row.target_link.clone().unwrap_or_default();
                let notice = &m.mapping.notice;
                let result = self
                    .retrying(&self.source_pace, || {
                        let source = Arc::clone(&source);
                        let pass_ref = pass_ref.clone();
                        let link = link.clone();
                        async move {
                            match m.options.retire {
                                Retire::None => Ok(()),
                                Retire::Void => source.void(&pass_ref).await.map(|_| ()),
                                Retire::Delete => match source.delete(&pass_ref).await {
                                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
                                    other => other,
                                },
                                Retire::Notice => {
                                    let field = crate::retire::notice_field(notice, &link)?;
                                    let patch = PassPatch::builder().set(field).build()?;
                                    source.patch(&pass_ref, &patch).await.map(|_| ())
                                }
                            }
                        }
                    })
                    .await;
                m.progress.item(result.is_ok());
                (row.source_ref.clone(), result)
            })
            .buffer_unordered(m.options.concurrency.max(1))
            .collect()
            .await;
        m.progress.finish();
        let mut failures = Vec::new();
        for (source_ref, result) in results {
            match result {
                Ok(()) => self.cp.set_state(&source_ref, State::Retired, None)?,
                Err(e) => {
                    let text = format!("retire: {}", describe(&e));
                    self.cp.set_error(&source_ref, &text)?;
                    failures.push((source_ref, text));
                }
            }
        }
        failures.sort();
        Ok(failures)
    }
}

fn report_rows(
    rows: &[Row],
    mismatches: &BTreeMap<String, Vec<String>>,
    dry_run: bool,
) -> Vec<ReportRow> {
    rows.iter()
        .map(|r| {
            let state = if dry_run && !r.state.is_on_target() {
                "would_create".to_owned()
            } else {
                r.state.as_str().to_owned()
            };
            ReportRow {
                source_id: r.source_ref.clone(),
                target_id: r.target_ref.clone().unwrap_or_default(),
                source_link: r.source_link.clone().unwrap_or_default(),
                target_link: r.target_link.clone().unwrap_or_default(),
                state,
                error: mismatches
                    .get(&r.source_ref)
                    .map(|d| d.join("; "))
                    .or_else(|| r.last_error.clone())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Write the CSV report: source id, target id, source link, target link, state, error.
pub fn write_report(path: &std::path::Path, rows: &[ReportRow]) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_path(path)?;
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

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
