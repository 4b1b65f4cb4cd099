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

mod args;
mod output;
mod prepare;
mod signals;
#[cfg(test)]
mod tests;

use crate::checkpoint::CheckpointError;
use crate::migration::MigrateError;
use crate::stop::StopFlag;

pub use args::{MigrateArgs, ProgressMode};
use output::{print_err, print_out, report_error};
use prepare::{checkpoint_error, prepare};
use signals::watch_signals;

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
