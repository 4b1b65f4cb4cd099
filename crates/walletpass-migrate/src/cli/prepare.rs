//! From flags and environment to a ready [`Migration`] and its [`Checkpoint`]: each side's
//! configuration (with its variable prefix), the same-account check, the options and the
//! checkpoint file. Every mistake is a message naming the flag to fix (exit 2).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use walletpass::{ProviderConfig, ProviderKind, TemplateId};

use super::{MigrateArgs, ProgressMode};
use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::mapping::Mapping;
use crate::migration::{Migration, Options};
use crate::progress::{BarProgress, LineProgress, NoProgress, Progress};

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
pub(super) fn checkpoint_error(args: &MigrateArgs, e: &CheckpointError) -> String {
    match &args.checkpoint {
        Some(path) => format!("--checkpoint {}: {e}", path.display()),
        None => format!("--checkpoint: {e}"),
    }
}

pub(super) fn prepare(args: &MigrateArgs) -> Result<(Migration, Checkpoint), String> {
    prepare_with(args, &|name| std::env::var(name).ok())
}

pub(super) fn prepare_with(
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
