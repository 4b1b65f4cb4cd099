//! The flags of `walletpass migrate` ([`MigrateArgs`]) and how progress is shown.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use walletpass::{FieldSpec, TemplateId};

use crate::migration::Retire;

/// How progress is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// Always the bar.
    Bar,
    /// Plain lines every few seconds.
    Lines,
    /// Nothing.
    None,
}

/// `walletpass migrate`: copy every pass from one provider to another.
///
/// Credentials come from each provider's environment variables (as for every walletpass
/// command); base URLs may be overridden per side. Two accounts of the same vendor are told
/// apart with `--from-env-prefix` / `--to-env-prefix`: `--from-env-prefix OLD_` reads
/// `OLD_PASSINSTANCE_TOKEN` where `PASSINSTANCE_TOKEN` would be read.
#[derive(Args, Debug, Clone)]
pub struct MigrateArgs {
    /// Source provider (memory, passninja, ubpass, passinstance).
    #[arg(long, value_name = "PROVIDER")]
    pub from: String,
    /// Only source passes of this template.
    #[arg(long, value_name = "TEMPLATE")]
    pub from_template: Option<String>,
    /// Source base URL (a simulator, a staging host).
    #[arg(long, value_name = "URL")]
    pub from_base_url: Option<String>,
    /// Read the source's environment variables with this prefix (`OLD_` reads
    /// `OLD_PASSNINJA_API_KEY`, ...), for a source account of the same vendor as the target.
    #[arg(long, value_name = "PREFIX")]
    pub from_env_prefix: Option<String>,
    /// Target provider.
    #[arg(long, value_name = "PROVIDER")]
    pub to: String,
    /// Create target passes from this template.
    #[arg(long, value_name = "TEMPLATE")]
    pub to_template: Option<String>,
    /// Target base URL.
    #[arg(long, value_name = "URL")]
    pub to_base_url: Option<String>,
    /// Read the target's environment variables with this prefix.
    #[arg(long, value_name = "PREFIX")]
    pub to_env_prefix: Option<String>,
    /// Field mapping (TOML); without it every field is copied as is.
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Checkpoint file (SQLite); running the same command again resumes. Required unless
    /// --dry-run.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Read both sides and report what would happen; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Passes (or batch jobs) in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    /// Requests per second, each side (overridden by --from-rps / --to-rps).
    #[arg(long, value_name = "N")]
    pub rps: Option<f64>,
    /// Requests per second to the source.
    #[arg(long, value_name = "N")]
    pub from_rps: Option<f64>,
    /// Requests per second to the target.
    #[arg(long, value_name = "N")]
    pub to_rps: Option<f64>,
    /// Read every migrated pass back and compare it with the mapped source content.
    #[arg(long)]
    pub verify: bool,
    /// Write a CSV report (source id, target id, source link, target link, state, error).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// What to do with source passes whose copies verified (needs --verify).
    #[arg(long, value_enum, default_value_t = Retire::None)]
    pub retire: Retire,
    /// Create one pass per call even when the target has a bulk path.
    #[arg(long)]
    pub no_batch: bool,
    /// Passes per batch job.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub batch_size: usize,
    /// Also migrate voided, expired and removed source passes.
    #[arg(long)]
    pub include_inactive: bool,
    /// Update the target copies whose source pass changed since it was migrated (one content
    /// replace each, at the target's rate).
    #[arg(long)]
    pub sync: bool,
    /// Delete the extra copies this migration provably made (a create repeated after a lost
    /// answer, never a copy the checkpoint did not create); each is printed before it is
    /// deleted. Without it they are only reported.
    #[arg(long)]
    pub remove_duplicates: bool,
    /// How progress is shown.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// Field specs for PassNinja sides, on top of those `PASSNINJA_FIELD_SPECS` names (set by
    /// `walletpass migrate` from its global `--field-specs`; not a flag of its own).
    #[arg(skip)]
    pub passninja_field_specs: BTreeMap<TemplateId, Vec<FieldSpec>>,
    /// Print the summary (and errors) as JSON: set by `walletpass migrate` from its global
    /// `--output json` and by `walletpass-migrate --output json`; not a flag of its own.
    #[arg(skip)]
    pub json: bool,
}
