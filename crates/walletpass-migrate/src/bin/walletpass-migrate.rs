//! `walletpass-migrate`: the migration as a standalone program (the same flags as
//! `walletpass migrate`).

use clap::Parser;

/// Move passes from one provider to another.
#[derive(Debug, Parser)]
#[command(name = "walletpass-migrate", version)]
struct Cli {
    #[command(flatten)]
    args: walletpass_migrate::cli::MigrateArgs,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    std::process::exit(walletpass_migrate::cli::run(cli.args).await);
}
