//! The commands: each takes the parsed arguments and a [`Context`] and answers an exit code
//! (0 on success) or a [`Failure`].

mod conformance;
mod demo;
mod passes;
pub mod serve;
mod sim;
mod templates;
mod webhooks;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use walletpass::{FieldSpec, ProviderConfig, ProviderKind, TemplateId, WalletProvider};

use crate::cli::{Cli, Command, OutputFormat};
use crate::failure::{Failure, exit};
use crate::output;

pub use sim::target_names as sim_targets;

/// What every command needs: which provider, where, and how to print.
#[derive(Debug, Clone)]
pub struct Context {
    /// The provider's name, as given.
    pub provider: String,
    /// The API root override.
    pub base_url: Option<String>,
    /// PassNinja template field specs, from `--field-specs`.
    pub field_specs: Option<PathBuf>,
    /// The output format.
    pub format: OutputFormat,
}

impl Context {
    /// Build the selected provider from its environment variables and `--base-url`.
    pub fn connect(&self) -> Result<Arc<dyn WalletProvider>, Failure> {
        self.connect_with(|name| std::env::var(name).ok())
    }

    /// Build the selected provider, reading its variables through `lookup`.
    pub fn connect_with(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Arc<dyn WalletProvider>, Failure> {
        let kind = self.kind()?;
        if kind == ProviderKind::Memory && self.base_url.is_some() {
            return Err(Failure::usage_hint(
                "--base-url (or WALLETPASS_BASE_URL) was given, but the memory provider has no endpoint",
                "choose a vendor with --provider, or unset WALLETPASS_BASE_URL",
            ));
        }
        let mut config = ProviderConfig::from_lookup(kind, self.base_url.as_deref(), lookup)?;
        if let Some(path) = &self.field_specs
            && !config.declare_field_specs(read_field_specs(path)?)
        {
            return Err(Failure::usage(format!(
                "--field-specs applies to passninja only; {} stores labels and placements on each pass",
                kind
            )));
        }
        Ok(walletpass::connect(config)?)
    }

    /// The selected provider's webhook verifier for `secret`, built without API credentials
    /// (only the secret, and the provider's optional webhook settings, are read).
    pub fn webhook_verifier(
        &self,
        secret: walletpass::SecretString,
    ) -> Result<Box<dyn walletpass::WebhookVerifier>, Failure> {
        let kind = self.kind()?;
        Ok(walletpass::webhook_verifier(kind, secret, |name| {
            std::env::var(name).ok()
        })?)
    }

    /// A failure with a hint for what the error alone cannot tell: a base URL without the
    /// vendor's API path (`http://127.0.0.1:8003` for Passinstance, whose root ends in
    /// `/api/v1`) answers not-found or unexpected bodies for everything.
    pub fn explain(&self, failure: Failure) -> Failure {
        let Failure::Provider(error) = failure else {
            return failure;
        };
        let Ok(kind) = self.kind() else {
            return Failure::Provider(error);
        };
        let Some(variable) = kind.info().base_url_env else {
            return Failure::Provider(error);
        };
        let given = self
            .base_url
            .clone()
            .or_else(|| std::env::var(variable).ok());
        let expected = kind
            .info()
            .default_base_url
            .and_then(|root| url::Url::parse(root).ok())
            .map(|root| root.path().trim_end_matches('/').to_owned())
            .filter(|path| !path.is_empty());
        let url = given
            .as_deref()
            .and_then(|u| url::Url::parse(u.trim()).ok());
        let suspicious = matches!(
            error.kind(),
            walletpass::ErrorKind::NotFound | walletpass::ErrorKind::Decode
        ) || error.status() == Some(405);
        match (url, expected) {
            (Some(url), Some(path))
                if suspicious && url.path().trim_end_matches('/').is_empty() =>
            {
                let root = walletpass::http::shown_url(&url);
                let hint = format!(
                    "the base URL {root} has no path, but the {kind} API root ends in {path}: pass --base-url {}{path} (or set WALLETPASS_BASE_URL / {variable})",
                    root.trim_end_matches('/')
                );
                Failure::Hinted(error, hint)
            }
            _ => Failure::Provider(error),
        }
    }

    /// The selected provider kind.
    pub fn kind(&self) -> Result<ProviderKind, Failure> {
        self.provider.parse().map_err(|e: walletpass::Error| {
            let names: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
            Failure::usage_hint(
                e.message().to_owned(),
                format!(
                    "pass --provider {} (or set WALLETPASS_PROVIDER)",
                    names.join("|")
                ),
            )
        })
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
    // `migrate` prints JSON only when asked (`--output json` or WALLETPASS_OUTPUT), not because
    // stdout is not a terminal: its text summary is what scripts and logs have read so far.
    let json_asked = cli.output == Some(OutputFormat::Json);
    let ctx = Context {
        provider: cli.provider,
        base_url: cli.base_url,
        field_specs: cli.field_specs,
        format,
    };
    let result = dispatch(ctx.clone(), cli.command, json_asked).await;
    result.map_err(|failure| ctx.explain(failure))
}

/// Run one command.
async fn dispatch(ctx: Context, command: Command, json_asked: bool) -> Result<u8, Failure> {
    match command {
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
        Command::Serve(args) => serve::run(args).await,
        Command::Demo => demo::run(&ctx).await,
        Command::Migrate(mut args) => {
            if let Some(path) = &ctx.field_specs {
                args.passninja_field_specs = read_field_specs(path)?;
            }
            args.json = json_asked;
            let code = walletpass_migrate::cli::run(*args).await;
            Ok(u8::try_from(code).unwrap_or(exit::OTHER))
        }
    }
}

fn capabilities_table(name: &str, caps: &walletpass::Capabilities) -> String {
    let value = serde_json::to_value(caps).unwrap_or_default();
    let rows: Vec<Vec<String>> = value
        .as_object()
        .map(|map| {
            map.iter()
                .flat_map(|(k, v)| match (k.as_str(), v) {
                    // One row per note, in words.
                    ("notes", serde_json::Value::Array(notes)) => notes
                        .iter()
                        .map(|n| vec!["note".to_owned(), n.as_str().unwrap_or_default().to_owned()])
                        .collect(),
                    (_, serde_json::Value::Bool(true)) => vec![vec![k.clone(), "yes".to_owned()]],
                    (_, serde_json::Value::Bool(false)) => vec![vec![k.clone(), "no".to_owned()]],
                    (_, other) => vec![vec![k.clone(), other.to_string()]],
                })
                .collect()
        })
        .unwrap_or_default();
    output::table(&[&name.to_uppercase(), "SUPPORTED"], &rows)
}

/// Read `{"TEMPLATE": [FieldSpec, ...]}` (the format of `PASSNINJA_FIELD_SPECS`).
fn read_field_specs(
    path: &std::path::Path,
) -> Result<BTreeMap<TemplateId, Vec<FieldSpec>>, Failure> {
    let bytes = crate::input::read_bytes("--field-specs", path)?;
    walletpass::passninja::parse_field_specs(&bytes)
        .map_err(|e| Failure::usage(format!("--field-specs {}: {}", path.display(), e.message())))
}
