//! The commands: each takes the parsed arguments and a [`Context`] and answers an exit code
//! (0 on success) or a [`Failure`].

mod conformance;
mod demo;
mod passes;
mod sim;
mod templates;
mod webhooks;

use std::sync::Arc;

use walletpass::{ProviderConfig, ProviderKind, WalletProvider};

use crate::cli::{Cli, Command, OutputFormat};
use crate::failure::{Failure, exit};
use crate::output;

/// What every command needs: which provider, where, and how to print.
#[derive(Debug, Clone)]
pub struct Context {
    /// The provider's name, as given.
    pub provider: String,
    /// The API root override.
    pub base_url: Option<String>,
    /// The output format.
    pub format: OutputFormat,
}

impl Context {
    /// Build the selected provider from its environment variables and `--base-url`.
    pub fn connect(&self) -> Result<Arc<dyn WalletProvider>, Failure> {
        let kind: ProviderKind = self.provider.parse().map_err(|e: walletpass::Error| {
            Failure::usage_hint(
                e.message().to_owned(),
                "pass --provider memory|passninja|ubpass|passinstance (or set WALLETPASS_PROVIDER)",
            )
        })?;
        let config = ProviderConfig::from_env(kind, self.base_url.as_deref())?;
        Ok(walletpass::connect(config)?)
    }

    /// Print a value: its canonical JSON, or the table `table` makes of it.
    pub fn print<T: serde::Serialize + ?Sized>(
        &self,
        value: &T,
        table: impl FnOnce(&T) -> String,
    ) -> Result<(), Failure> {
        match self.format {
            OutputFormat::Json => output::line(&output::json(value)?),
            OutputFormat::Table => output::line(&table(value)),
        }
    }
}

/// Run the parsed command line.
pub async fn run(cli: Cli, format: OutputFormat) -> Result<u8, Failure> {
    let ctx = Context {
        provider: cli.provider,
        base_url: cli.base_url,
        format,
    };
    match cli.command {
        Command::Passes(cmd) => passes::run(&ctx, cmd).await,
        Command::Templates(cmd) => templates::run(&ctx, cmd).await,
        Command::Webhooks(cmd) => webhooks::run(&ctx, cmd).await,
        Command::Capabilities => {
            let provider = ctx.connect()?;
            ctx.print(provider.capabilities(), |caps| {
                capabilities_table(provider.name(), caps)
            })?;
            Ok(exit::OK)
        }
        Command::Conformance(args) => conformance::run(&ctx, args).await,
        Command::Sim(args) => sim::run(&ctx, args).await,
        Command::Demo => demo::run(&ctx).await,
    }
}

fn capabilities_table(name: &str, caps: &walletpass::Capabilities) -> String {
    let value = serde_json::to_value(caps).unwrap_or_default();
    let rows: Vec<Vec<String>> = value
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::Bool(true) => "yes".to_owned(),
                        serde_json::Value::Bool(false) => "no".to_owned(),
                        other => other.to_string(),
                    };
                    vec![k.clone(), text]
                })
                .collect()
        })
        .unwrap_or_default();
    output::table(&[&name.to_uppercase(), "SUPPORTED"], &rows)
}
