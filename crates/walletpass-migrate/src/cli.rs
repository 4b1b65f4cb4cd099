//! The `migrate` command line: [`MigrateArgs`] (flattened into `walletpass migrate` and the
//! `walletpass-migrate` binary) and [`run`], which returns the process exit code.
//!
//! Exit codes: 0 every pass migrated (and verified, when asked); 1 some passes failed or did not
//! verify (see the summary and the report); 2 nothing was written (bad flags, mapping or
//! configuration, or passes that do not fit the target); 3 the run stopped midway (checkpoint or
//! read failure) and can be resumed by running the same command again.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use walletpass::{ProviderConfig, ProviderKind, TemplateId, WalletProvider};

use crate::checkpoint::Checkpoint;
use crate::mapping::Mapping;
use crate::migration::{MigrateError, Migration, Options, Retire, write_report};
use crate::progress::{BarProgress, LineProgress, NoProgress, Progress};

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
/// command); base URLs may be overridden per side.
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
    /// Target provider.
    #[arg(long, value_name = "PROVIDER")]
    pub to: String,
    /// Create target passes from this template.
    #[arg(long, value_name = "TEMPLATE")]
    pub to_template: Option<String>,
    /// Target base URL.
    #[arg(long, value_name = "URL")]
    pub to_base_url: Option<String>,
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
    /// How progress is shown.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

fn connect(
    kind: &str,
    base_url: Option<&str>,
    side: &str,
) -> Result<Arc<dyn WalletProvider>, String> {
    let kind: ProviderKind = kind.parse().map_err(|e| format!("--{side}: {e}"))?;
    let config = ProviderConfig::from_env(kind, base_url).map_err(|e| format!("--{side}: {e}"))?;
    walletpass::connect(config).map_err(|e| format!("--{side}: {e}"))
}

fn template(flag: &str, value: &Option<String>) -> Result<Option<TemplateId>, String> {
    value
        .as_deref()
        .map(TemplateId::new)
        .transpose()
        .map_err(|e| format!("--{flag}: {e}"))
}

fn check_rps(flag: &str, value: Option<f64>) -> Result<Option<f64>, String> {
    match value {
        Some(r) if !(r.is_finite() && r > 0.0) => {
            Err(format!("--{flag}: must be a positive number, got {r}"))
        }
        other => Ok(other),
    }
}

fn prepare(args: &MigrateArgs) -> Result<(Migration, Checkpoint), String> {
    let source = connect(&args.from, args.from_base_url.as_deref(), "from")?;
    let target = connect(&args.to, args.to_base_url.as_deref(), "to")?;
    let mapping = match &args.map {
        Some(path) => Mapping::from_path(path).map_err(|e| format!("--map: {e}"))?,
        None => Mapping::default(),
    };
    if args.concurrency == 0 {
        return Err("--concurrency: must be at least 1".into());
    }
    if args.batch_size == 0 {
        return Err("--batch-size: must be at least 1".into());
    }
    let rps = check_rps("rps", args.rps)?;
    let options = Options {
        dry_run: args.dry_run,
        concurrency: args.concurrency,
        source_rps: check_rps("from-rps", args.from_rps)?.or(rps),
        target_rps: check_rps("to-rps", args.to_rps)?.or(rps),
        verify: args.verify,
        retire: args.retire,
        use_batch: !args.no_batch,
        batch_size: args.batch_size,
        include_inactive: args.include_inactive,
        ..Options::default()
    };
    let checkpoint = match (&args.checkpoint, args.dry_run) {
        (Some(path), true) if path.exists() => Checkpoint::open_read_only(path),
        (_, true) => Checkpoint::in_memory(),
        (Some(path), false) => Checkpoint::open(path),
        (None, false) => {
            return Err(
                "--checkpoint: a checkpoint file is required (it is what makes the run resumable)"
                    .into(),
            );
        }
    }
    .map_err(|e| format!("--checkpoint: {e}"))?;
    let progress: Arc<dyn Progress> = match args.progress {
        ProgressMode::Auto if std::io::stderr().is_terminal() => Arc::new(BarProgress::new()),
        ProgressMode::Auto | ProgressMode::Lines => {
            Arc::new(LineProgress::new(Duration::from_secs(5)))
        }
        ProgressMode::Bar => Arc::new(BarProgress::new()),
        ProgressMode::None => Arc::new(NoProgress),
    };
    let migration = Migration::new(source, target, mapping)
        .source_template(template("from-template", &args.from_template)?)
        .target_template(template("to-template", &args.to_template)?)
        .options(options)
        .progress(progress);
    Ok((migration, checkpoint))
}

/// Run `walletpass migrate`; the result is the process exit code (see the module docs).
pub async fn run(args: MigrateArgs) -> i32 {
    let (migration, checkpoint) = match prepare(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let summary = match migration.run(&checkpoint).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return match &e {
                MigrateError::Config(_) | MigrateError::Preflight(_) => 2,
                MigrateError::Checkpoint(_) if args.dry_run => 2,
                _ => 3,
            };
        }
    };
    print!("{summary}");
    if let Some(path) = &args.report {
        if let Err(e) = write_report(path, &summary.rows) {
            eprintln!("error: --report {}: {e}", path.display());
            return 3;
        }
        println!("report written to {}", path.display());
    }
    summary.exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: MigrateArgs,
    }

    #[test]
    fn flags_parse_and_rps_applies_to_both_sides() {
        let cli = Cli::try_parse_from([
            "x",
            "--from",
            "memory",
            "--to",
            "memory",
            "--checkpoint",
            "/tmp/none.sqlite",
            "--rps",
            "5",
            "--to-rps",
            "2",
            "--retire",
            "notice",
            "--verify",
            "--dry-run",
        ])
        .unwrap();
        assert_eq!(cli.args.retire, Retire::Notice);
        let (migration, _) = prepare(&cli.args).unwrap();
        let debug = format!("{migration:?}");
        assert!(debug.contains("source_rps: Some(5.0)"), "{debug}");
        assert!(debug.contains("target_rps: Some(2.0)"), "{debug}");
    }

    #[tokio::test]
    async fn bad_flags_exit_2_naming_the_flag() {
        let cli = Cli::try_parse_from(["x", "--from", "nope", "--to", "memory"]).unwrap();
        assert_eq!(run(cli.args).await, 2);
        let cli = Cli::try_parse_from(["x", "--from", "memory", "--to", "memory"]).unwrap();
        let err = prepare(&cli.args).err().unwrap();
        assert!(err.starts_with("--checkpoint"), "{err}");
        let cli = Cli::try_parse_from([
            "x",
            "--from",
            "memory",
            "--to",
            "memory",
            "--dry-run",
            "--rps",
            "0",
        ])
        .unwrap();
        let err = prepare(&cli.args).err().unwrap();
        assert!(err.starts_with("--rps"), "{err}");
    }
}
