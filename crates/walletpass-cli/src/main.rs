//! The `walletpass` command line: every pass, template and webhook operation on any vendor with
//! one set of verbs, the vendor simulators, the live conformance suite and a no-account demo.
//!
//! Results print as canonical JSON (scripts) or tables (people); failures print the error kind,
//! the vendor's code and message and a hint on stderr, and exit with the documented codes.

mod cli;
mod commands;
mod failure;
mod input;
mod output;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::failure::Failure;

fn main() -> ExitCode {
    let parsed = Cli::command()
        .after_help(cli::after_help())
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version print to stdout and exit 0; real usage errors exit 2.
            let code = if e.use_stderr() {
                failure::exit::USAGE
            } else {
                failure::exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing();
    let format = output::resolve(cli.output);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            return Failure::Other(format!("cannot start the async runtime: {e}")).report(format);
        }
    };
    match runtime.block_on(commands::run(cli, format)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(format),
    }
}

/// Logs go to stderr, off unless `RUST_LOG` asks for them.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A log line that cannot be written (stderr closed) is dropped; the subscriber's own
        // report of it would `eprintln!` and panic on the same closed pipe.
        .log_internal_errors(false)
        .try_init();
}
