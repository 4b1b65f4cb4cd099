//! The `migrate` command line: [`MigrateArgs`] (flattened into `walletpass migrate` and the
//! `walletpass-migrate` binary) and [`run`], which returns the process exit code.
//!
//! Exit codes: 0 every pass migrated (and verified, and retired, when asked); 1 some passes
//! failed, did not verify or could not be retired (see the summary and the report); 2 nothing was
//! written (bad flags, mapping or configuration, a `--retire` mode the source cannot do, passes
//! that do not fit the target, or a checkpoint file that is damaged or records another migration
//! or account); 3 the run stopped midway (Ctrl-C or SIGTERM, a read failure, the checkpoint could
//! not be written) and can be resumed by running the same command again.
//!
//! Ctrl-C or SIGTERM stops the run after the requests in flight (each recorded in the
//! checkpoint) and exits 3; a second Ctrl-C quits at once (exit 130; the checkpoint makes that
//! safe too). A closed standard output or error (`... | head -1`) never stops or fails a run:
//! what cannot be written is dropped, the run goes on, and the exit code is the run's own.
//! With `--output json` the summary is one JSON object on stdout (and an error one JSON object
//! on stderr).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use walletpass::{FieldSpec, ProviderConfig, ProviderKind, TemplateId};

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::mapping::Mapping;
use crate::migration::{MigrateError, Migration, Options, Retire};
use crate::progress::{BarProgress, LineProgress, NoProgress, Progress};
use crate::stop::StopFlag;

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

/// One side's configuration, reading its variables through `lookup` under `prefix`. A missing
/// variable is named as it was looked up (with the prefix).
fn side_config(
    kind: ProviderKind,
    base_url: Option<&str>,
    prefix: Option<&str>,
    side: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<ProviderConfig, String> {
    let prefix = prefix.unwrap_or_default();
    let missing = std::cell::RefCell::new(Vec::new());
    let config = ProviderConfig::from_lookup(kind, base_url, |name| {
        let name = format!("{prefix}{name}");
        let value = lookup(&name);
        if value.is_none() {
            missing.borrow_mut().push(name);
        }
        value
    });
    config.map_err(|e| {
        let missing = missing.borrow();
        if prefix.is_empty() || missing.is_empty() {
            format!("--{side}: {e}")
        } else {
            format!(
                "--{side}: {e} (with --{side}-env-prefix {prefix}, not set: {})",
                missing.join(", ")
            )
        }
    })
}

/// Refuse a run whose two sides are one account, unless it copies between two templates of it
/// named on both sides: otherwise the source would list the copies too (memory sides are
/// always two separate stores).
fn check_sides_differ(
    args: &MigrateArgs,
    source: &ProviderConfig,
    target: &ProviderConfig,
) -> Result<(), String> {
    if !source.same_account(target) {
        return Ok(());
    }
    let kind = target.kind();
    let has_templates = kind != ProviderKind::Ubpass;
    if has_templates
        && let (Some(from), Some(to)) = (&args.from_template, &args.to_template)
        && from != to
    {
        return Ok(());
    }
    let templates = if has_templates {
        ", or copy between two templates of this account with both --from-template and --to-template"
    } else {
        ""
    };
    Err(format!(
        "--to: the source and the target are the same {kind} account: the run would copy passes onto the account they come from. Give --to-env-prefix (another account's variables) or --to-base-url{templates}"
    ))
}

fn kind(flag: &str, value: &str) -> Result<ProviderKind, String> {
    value.parse().map_err(|e| format!("--{flag}: {e}"))
}

fn check_prefix(flag: &str, value: &Option<String>) -> Result<(), String> {
    match value {
        Some(p) if p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            Err(format!(
                "--{flag}: '{p}' is not a variable-name prefix (letters, digits and '_', such as OLD_)"
            ))
        }
        _ => Ok(()),
    }
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

/// A checkpoint problem, naming the file.
fn checkpoint_error(args: &MigrateArgs, e: &CheckpointError) -> String {
    match &args.checkpoint {
        Some(path) => format!("--checkpoint {}: {e}", path.display()),
        None => format!("--checkpoint: {e}"),
    }
}

fn prepare(args: &MigrateArgs) -> Result<(Migration, Checkpoint), String> {
    prepare_with(args, &|name| std::env::var(name).ok())
}

fn prepare_with(
    args: &MigrateArgs,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(Migration, Checkpoint), String> {
    let from = kind("from", &args.from)?;
    let to = kind("to", &args.to)?;
    check_prefix("from-env-prefix", &args.from_env_prefix)?;
    check_prefix("to-env-prefix", &args.to_env_prefix)?;
    let source = side_config(
        from,
        args.from_base_url.as_deref(),
        args.from_env_prefix.as_deref(),
        "from",
        lookup,
    )?;
    let target = side_config(
        to,
        args.to_base_url.as_deref(),
        args.to_env_prefix.as_deref(),
        "to",
        lookup,
    )?;
    check_sides_differ(args, &source, &target)?;
    let accounts = (
        crate::account::identity(&source),
        crate::account::identity(&target),
    );
    let (mut source, mut target) = (source, target);
    if !args.passninja_field_specs.is_empty() {
        let mut applied = false;
        for config in [&mut source, &mut target] {
            if let ProviderConfig::PassNinja(c) = config {
                c.field_specs.extend(args.passninja_field_specs.clone());
                applied = true;
            }
        }
        if !applied {
            return Err(
                "--field-specs (or WALLETPASS_FIELD_SPECS) applies to passninja only, and neither side is passninja"
                    .into(),
            );
        }
    }
    let source = walletpass::connect(source).map_err(|e| format!("--from: {e}"))?;
    let target = walletpass::connect(target).map_err(|e| format!("--to: {e}"))?;
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
        sync: args.sync,
        remove_duplicates: args.remove_duplicates,
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
    .map_err(|e| checkpoint_error(args, &e))?;
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
        .accounts(accounts.0, accounts.1)
        .progress(progress);
    Ok((migration, checkpoint))
}

/// Write `text` to stdout; a closed pipe (or any other write error) drops it, never panics.
fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Write `text` and a newline to stderr, dropping it when stderr is closed.
fn print_err(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Report a run that ended without a summary: text on stderr, or one JSON object
/// (`{"error": {"kind", "message", "exit_code"}}`) with `--output json`.
fn report_error(json: bool, kind: &str, message: &str, code: i32) {
    if json {
        let value = serde_json::json!({
            "error": { "kind": kind, "message": message, "exit_code": code }
        });
        print_err(&value.to_string());
    } else if kind == "stopped" {
        print_err(message);
    } else {
        print_err(&format!("error: {message}"));
    }
}

/// Raise `stop` on the first Ctrl-C or SIGTERM; quit at once (exit 130) on a second Ctrl-C.
async fn watch_signals(stop: StopFlag) {
    let mut stops = 0;
    loop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                r = tokio::signal::ctrl_c() => if r.is_err() { return },
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        stops += 1;
        if stops > 1 {
            print_err("stopped at once: run the same command again to resume");
            std::process::exit(130);
        }
        stop.stop();
        print_err(
            "stopping after the requests in flight (Ctrl-C again quits at once; the checkpoint makes that safe too)",
        );
    }
}

/// Run `walletpass migrate`; the result is the process exit code (see the module docs).
pub async fn run(args: MigrateArgs) -> i32 {
    let (migration, checkpoint) = match prepare(&args) {
        Ok(x) => x,
        Err(e) => {
            report_error(args.json, "usage", &e, 2);
            return 2;
        }
    };
    let stop = StopFlag::new();
    let signals = tokio::spawn(watch_signals(stop.clone()));
    let result = migration
        .stop_on(stop)
        .report_to(args.report.clone())
        .run(&checkpoint)
        .await;
    signals.abort();
    let summary = match result {
        Ok(s) => s,
        Err(MigrateError::Checkpoint(e)) => {
            // A file that cannot be used was refused before any write; a failing write stopped
            // the run midway.
            let code = match &e {
                CheckpointError::Corrupt(_) | CheckpointError::OtherMigration { .. } => 2,
                _ if args.dry_run => 2,
                _ => 3,
            };
            report_error(args.json, "checkpoint", &checkpoint_error(&args, &e), code);
            return code;
        }
        Err(e) => {
            let (kind, code) = match &e {
                MigrateError::Config(_) => ("config", 2),
                MigrateError::Preflight(_) => ("preflight", 2),
                MigrateError::Checkpoint(_) => ("checkpoint", 3),
                MigrateError::Stopped => ("stopped", 3),
                MigrateError::Source(_) => ("source", 3),
                MigrateError::Target(_) => ("target", 3),
            };
            report_error(args.json, kind, &e.to_string(), code);
            return code;
        }
    };
    let mut code = summary.exit_code();
    let report_error_text = summary.report_error.clone();
    if report_error_text.is_some() {
        code = 3;
    }
    if args.json {
        let mut value = serde_json::to_value(&summary).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            if let Some(path) = &args.report {
                map.insert("report".into(), path.display().to_string().into());
            }
            if let Some(text) = &report_error_text {
                map.insert("report_error".into(), text.as_str().into());
            }
            map.insert("exit_code".into(), code.into());
        }
        print_out(&format!("{value}\n"));
    } else {
        print_out(&summary.to_string());
        match (&args.report, &report_error_text) {
            (_, Some(text)) => print_err(&format!("error: {text}")),
            (Some(path), None) => print_out(&format!("report written to {}\n", path.display())),
            (None, None) => {}
        }
    }
    code
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

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn args(extra: &[&str]) -> MigrateArgs {
        let mut argv = vec!["x", "--checkpoint", "/nonexistent/cp.sqlite", "--dry-run"];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv).unwrap().args
    }

    #[test]
    fn one_account_on_both_sides_is_refused() {
        let pi = ["--from", "passinstance", "--to", "passinstance"];
        let env = vars(&[
            ("PASSINSTANCE_TOKEN", "t"),
            ("SAME_PASSINSTANCE_TOKEN", "t"),
            ("NEW_PASSINSTANCE_TOKEN", "u"),
        ]);
        let refused = |extra: &[&str]| {
            let argv: Vec<&str> = pi.iter().chain(extra).copied().collect();
            prepare_with(&args(&argv), &env).err()
        };
        // The same account however it is spelled: no flags; the default root given with a
        // trailing '/'; another prefix holding the same token; a target template alone (the
        // source would list the whole account, copies included); the same template twice.
        for extra in [
            &[][..],
            &["--from-base-url", "https://api.passinstance.com/api/v1/"],
            &["--to-env-prefix", "SAME_"],
            &["--to-template", "tpl_0000000000000002"],
            &[
                "--from-template",
                "tpl_0000000000000002",
                "--to-template",
                "tpl_0000000000000002",
            ],
        ] {
            let err = refused(extra).unwrap_or_else(|| panic!("{extra:?} was accepted"));
            assert!(
                err.starts_with(
                    "--to: the source and the target are the same passinstance account"
                ),
                "{err}"
            );
            assert!(err.contains("--from-template and --to-template"), "{err}");
        }
        // Another account's token, another API root, or two templates named on both sides.
        for extra in [
            &["--to-env-prefix", "NEW_"][..],
            &["--to-base-url", "http://127.0.0.1:9/api/v1"],
            &[
                "--from-template",
                "tpl_0000000000000001",
                "--to-template",
                "tpl_0000000000000002",
            ],
        ] {
            assert_eq!(refused(extra), None, "{extra:?}");
        }
        // ubpass has no templates: one workspace is one place.
        let ub = vars(&[("UBPASS_API_KEY", "k")]);
        let err = prepare_with(&args(&["--from", "ubpass", "--to", "ubpass"]), &ub)
            .err()
            .unwrap();
        assert!(
            err.contains("same ubpass account") && !err.contains("template"),
            "{err}"
        );
        // Memory sides are two stores.
        assert!(prepare_with(&args(&["--from", "memory", "--to", "memory"]), &ub).is_ok());
        let bad = args(&[
            "--from",
            "memory",
            "--to",
            "memory",
            "--to-env-prefix",
            "NEW-",
        ]);
        let err = prepare_with(&bad, &env).err().unwrap();
        assert!(err.starts_with("--to-env-prefix: 'NEW-' is not"), "{err}");
    }

    #[test]
    fn field_specs_need_a_passninja_side() {
        let specs: BTreeMap<TemplateId, Vec<FieldSpec>> = [(
            TemplateId::new("ptk_0xc0").unwrap(),
            vec![FieldSpec::new("member").unwrap().with_label("Member")],
        )]
        .into_iter()
        .collect();
        let env = vars(&[
            ("PASSNINJA_API_KEY", "k"),
            ("PASSNINJA_ACCOUNT_ID", "aid_0xa01"),
            ("PASSINSTANCE_TOKEN", "t"),
        ]);
        let mut a = args(&["--from", "memory", "--to", "passinstance"]);
        a.passninja_field_specs = specs.clone();
        let err = prepare_with(&a, &env).err().unwrap();
        assert!(err.contains("applies to passninja only"), "{err}");
        let mut a = args(&[
            "--from",
            "passninja",
            "--from-template",
            "ptk_0xc0",
            "--to",
            "passinstance",
        ]);
        a.passninja_field_specs = specs;
        assert!(prepare_with(&a, &env).is_ok());
    }

    /// Each side reads its own account's variables: the target's wrong token is refused by the
    /// target only, and a missing prefixed variable is named with its prefix.
    #[tokio::test]
    async fn each_side_reads_its_own_prefixed_variables() {
        use walletpass_sim::{SimConfig, passinstance as sim};
        let (a, b) = (
            sim::start(SimConfig::default()).await.unwrap(),
            sim::start(SimConfig::default()).await.unwrap(),
        );
        let argv = [
            "--from",
            "passinstance",
            "--from-base-url",
            a.base_url(),
            "--from-env-prefix",
            "OLD_",
            "--from-template",
            sim::CONFORMANCE_TEMPLATE_ID,
            "--to",
            "passinstance",
            "--to-base-url",
            b.base_url(),
            "--to-env-prefix",
            "NEW_",
            "--to-template",
            sim::CONFORMANCE_TEMPLATE_ID,
        ];
        let only_old = vars(&[("OLD_PASSINSTANCE_TOKEN", sim::DEMO_TOKEN)]);
        let err = prepare_with(&args(&argv), &only_old).err().unwrap();
        assert!(err.starts_with("--to: "), "{err}");
        assert!(
            err.contains("with --to-env-prefix NEW_, not set: NEW_PASSINSTANCE_TOKEN"),
            "{err}"
        );

        let wrong_new = vars(&[
            ("OLD_PASSINSTANCE_TOKEN", sim::DEMO_TOKEN),
            ("NEW_PASSINSTANCE_TOKEN", "not-the-token"),
            ("PASSINSTANCE_TOKEN", sim::DEMO_TOKEN),
        ]);
        let (migration, cp) = prepare_with(&args(&argv), &wrong_new).unwrap();
        let err = migration.run(&cp).await.unwrap_err();
        assert!(matches!(err, MigrateError::Target(_)), "{err}");
        assert!(b.log().entries().iter().any(|e| e.status == 401));
        assert!(a.log().entries().iter().all(|e| e.status != 401));

        let both = vars(&[
            ("OLD_PASSINSTANCE_TOKEN", sim::DEMO_TOKEN),
            ("NEW_PASSINSTANCE_TOKEN", sim::DEMO_TOKEN),
        ]);
        let (migration, cp) = prepare_with(&args(&argv), &both).unwrap();
        let summary = migration.run(&cp).await.unwrap();
        assert!(summary.dry_run, "{summary}");
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
