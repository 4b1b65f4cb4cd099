//! `walletpass-migrate`: the migration as a standalone program (the same flags as
//! `walletpass migrate`).

use clap::Parser;

/// Move passes from one provider to another.
#[derive(Debug, Parser)]
#[command(name = "walletpass-migrate", version)]
struct Cli {
    #[command(flatten)]
    args: walletpass_migrate::cli::MigrateArgs,
    /// How the summary is printed: text, or one JSON object.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// The summary's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Output {
    /// Lines for people.
    Text,
    /// One JSON object.
    Json,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // A log line that cannot be written (stderr closed) is dropped; the subscriber's own
        // report of it would `eprintln!` and panic on the same closed pipe.
        .log_internal_errors(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let mut cli = Cli::parse();
    cli.args.json = cli.output == Output::Json;
    std::process::exit(walletpass_migrate::cli::run(cli.args).await);
}
