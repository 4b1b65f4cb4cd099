//! What a failed command prints and how it exits: the documented exit codes, the error kind, the
//! vendor's code and message, and a hint that says what to do next, on stderr (as text, or as
//! one JSON object when the output format is json).

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use walletpass::{Error, ErrorKind};

use crate::cli::OutputFormat;

/// The documented exit codes.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Anything else (including a failed conformance run or demo check).
    pub const OTHER: u8 = 1;
    /// Usage or configuration.
    pub const USAGE: u8 = 2;
    /// Not found.
    pub const NOT_FOUND: u8 = 3;
    /// Authentication or permission.
    pub const AUTH: u8 = 4;
    /// Invalid input.
    pub const INVALID: u8 = 5;
    /// Rate limited or transient.
    pub const TRANSIENT: u8 = 6;
    /// Unsupported by this provider.
    pub const UNSUPPORTED: u8 = 7;
    /// Standard output was closed before the output was complete (`... | head -1`): the command
    /// stops there, with the code a shell reports for a program a closed pipe ends (128 +
    /// SIGPIPE), so `set -o pipefail` scripts see what they see with any Unix tool.
    pub const CLOSED_PIPE: u8 = 141;
}

/// A command's failure.
#[derive(Debug)]
pub enum Failure {
    /// An error from a provider, or from checking input against the model.
    Provider(Error),
    /// The same, with a hint that knows more than the error (the command line's settings).
    Hinted(Error, String),
    /// The command line or a file it names is wrong.
    Usage {
        /// What is wrong.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },
    /// Something else went wrong (a file could not be written, a check failed).
    Other(String),
    /// Standard output is closed (its reader went away): nothing more can be printed.
    ClosedPipe,
}

impl Failure {
    /// A usage failure.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// A usage failure with a hint.
    pub fn usage_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Failure::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// The exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Provider(e) | Failure::Hinted(e, _) => exit_code_of(e.kind()),
            Failure::Usage { .. } => exit::USAGE,
            Failure::Other(_) => exit::OTHER,
            Failure::ClosedPipe => exit::CLOSED_PIPE,
        }
    }

    /// Print to stderr in `format` (dropped when stderr is closed too) and give the exit code.
    /// A closed stdout is reported by its exit code alone: whoever stopped reading asked for
    /// no more.
    pub fn report(&self, format: OutputFormat) -> ExitCode {
        let code = self.exit_code();
        let text = match (self, format) {
            (Failure::ClosedPipe, _) => None,
            (_, OutputFormat::Json) => Some(self.to_json().to_string()),
            (_, OutputFormat::Table) => Some(self.to_string()),
        };
        if let Some(text) = text {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
        ExitCode::from(code)
    }

    /// The error as one JSON object: `{"error": {kind, provider, operation, status, vendor_code,
    /// message, resource, field_errors, retry_after_secs, hint, exit_code}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        let hinted = match self {
            Failure::Provider(e) => Some((e, hint_for(e))),
            Failure::Hinted(e, hint) => Some((e, hint.clone())),
            _ => None,
        };
        if let Some((e, hint)) = hinted {
            {
                out.insert("kind".into(), e.kind().as_str().into());
                if !e.provider().is_empty() {
                    out.insert("provider".into(), e.provider().into());
                }
                if let Some(op) = e.operation() {
                    out.insert("operation".into(), op.as_str().into());
                }
                if let Some(status) = e.status() {
                    out.insert("status".into(), status.into());
                }
                if let Some(code) = e.vendor_code() {
                    out.insert("vendor_code".into(), code.into());
                }
                out.insert("message".into(), e.message().into());
                if let Some(resource) = e.resource() {
                    out.insert("resource".into(), resource.into());
                }
                if !e.field_errors().is_empty() {
                    out.insert(
                        "field_errors".into(),
                        serde_json::to_value(e.field_errors()).unwrap_or_default(),
                    );
                }
                if let Some(wait) = e.retry_after() {
                    out.insert("retry_after_secs".into(), wait.as_secs().into());
                }
                out.insert("hint".into(), hint.into());
            }
        }
        match self {
            Failure::Provider(_) | Failure::Hinted(..) => {}
            Failure::Usage { message, hint } => {
                out.insert("kind".into(), "usage".into());
                out.insert("message".into(), message.as_str().into());
                if let Some(hint) = hint {
                    out.insert("hint".into(), hint.as_str().into());
                }
            }
            Failure::Other(message) => {
                out.insert("kind".into(), "other".into());
                out.insert("message".into(), message.as_str().into());
            }
            Failure::ClosedPipe => {
                out.insert("kind".into(), "closed_pipe".into());
                out.insert("message".into(), "standard output is closed".into());
            }
        }
        out.insert("exit_code".into(), self.exit_code().into());
        serde_json::json!({ "error": out })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hinted = match self {
            Failure::Provider(e) => Some((e, hint_for(e))),
            Failure::Hinted(e, hint) => Some((e, hint.clone())),
            _ => None,
        };
        match (self, hinted) {
            (_, Some((e, hint))) => {
                write!(f, "error: {}", e.kind())?;
                match (e.status(), e.vendor_code()) {
                    (Some(s), Some(c)) => write!(f, " (HTTP {s}, vendor code {c})")?,
                    (Some(s), None) => write!(f, " (HTTP {s})")?,
                    (None, Some(c)) => write!(f, " (vendor code {c})")?,
                    (None, None) => {}
                }
                write!(f, ": {}", e.message())?;
                if !e.provider().is_empty() || e.operation().is_some() {
                    write!(f, "\n  provider: {}", e.provider())?;
                    if let Some(op) = e.operation() {
                        write!(f, ", operation: {op}")?;
                    }
                }
                if let Some(resource) = e.resource() {
                    write!(f, "\n  resource: {resource}")?;
                }
                for fe in e.field_errors() {
                    write!(f, "\n  field {}: {}", fe.field, fe.message)?;
                }
                write!(f, "\n  hint: {hint}")
            }
            (Failure::Usage { message, hint }, None) => {
                write!(f, "error: usage: {message}")?;
                if let Some(hint) = hint {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            (Failure::Other(message), None) => write!(f, "error: {message}"),
            (Failure::ClosedPipe, None) => write!(f, "error: standard output is closed"),
            (_, None) => Ok(()),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Provider(e)
    }
}

impl From<walletpass::ValidationError> for Failure {
    fn from(e: walletpass::ValidationError) -> Self {
        Failure::Provider(e.into())
    }
}

/// The exit code of an error kind.
pub fn exit_code_of(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::NotFound => exit::NOT_FOUND,
        ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::PaymentRequired => exit::AUTH,
        ErrorKind::InvalidInput | ErrorKind::Conflict => exit::INVALID,
        ErrorKind::RateLimited | ErrorKind::Timeout | ErrorKind::Transport | ErrorKind::Server => {
            exit::TRANSIENT
        }
        ErrorKind::Unsupported => exit::UNSUPPORTED,
        ErrorKind::Config => exit::USAGE,
        _ => exit::OTHER,
    }
}

/// The environment variables holding a provider's credentials (its registry descriptor).
fn credential_variables(provider: &str) -> &'static str {
    match provider.parse::<walletpass::ProviderKind>() {
        Ok(kind) => kind.info().credentials_hint,
        Err(_) => "the vendor's credential variables",
    }
}

/// How a provider addresses a pass, for a not-found hint.
fn pass_address(provider: &str) -> &'static str {
    match provider {
        "passninja" => {
            "a PassNinja pass is addressed by template and serial: pass --template T ID (or T/ID); `walletpass passes list --template T` shows its passes"
        }
        "passinstance" => {
            "check the pass id (pass_...) or give --template tpl_... with a serial number; `walletpass passes list` shows what exists"
        }
        "ubpass" => "check the pass id; `walletpass passes list` shows what exists",
        _ => "check the id; `walletpass passes list` shows what exists",
    }
}

/// The hint for an input error on `field`, where the field names a fix the user types.
fn field_hint(provider: &str, field: &str) -> Option<String> {
    let field = field.trim_start_matches("pass_ref.");
    match (provider, field) {
        ("passninja", "template") => Some(
            "PassNinja needs the pass's template: pass --template T (or write the pass as T/ID); `walletpass templates list` shows the templates".into(),
        ),
        ("passinstance", "template") => Some(
            "pass --template tpl_... (or set PASSINSTANCE_TEMPLATE_ID for every command); `walletpass templates list` shows the templates".into(),
        ),
        (_, "template") => Some("pass --template T; `walletpass templates list` shows the templates".into()),
        (_, "pass_id" | "template_id" | "webhook_id" | "batch_id") => Some(format!(
            "give the {} exactly as `walletpass {} list` prints it",
            field.replace('_', " "),
            match field {
                "template_id" => "templates",
                "webhook_id" => "webhooks",
                _ => "passes",
            }
        )),
        (_, f) if f.starts_with("fields[") && provider == "passninja" => Some(
            "fix the fields named above; `walletpass templates get T` lists the keys the template accepts, and --field-specs (or PASSNINJA_FIELD_SPECS) declares their labels and placements".into(),
        ),
        (_, f) if f.starts_with("fields[") => {
            Some("fix the fields named above (--field KEY=VALUE, or the --file content)".into())
        }
        _ => None,
    }
}

/// The vendor's documented API root (its registry descriptor).
pub fn documented_root(provider: &str) -> Option<&'static str> {
    provider
        .parse::<walletpass::ProviderKind>()
        .ok()
        .and_then(|kind| kind.info().default_base_url)
}

/// What to do next.
pub fn hint_for(e: &Error) -> String {
    let provider = e.provider();
    let webhook = e.operation() == Some(walletpass::Operation::VerifyWebhook);
    let on_template = e.resource().is_some_and(|r| r.starts_with("template"))
        || matches!(
            e.operation(),
            Some(walletpass::Operation::GetTemplate | walletpass::Operation::DeleteTemplate)
        );
    let on_webhook = e.resource().is_some_and(|r| r.starts_with("webhook"));
    match e.kind() {
        ErrorKind::NotFound if on_template => {
            "check the template id; `walletpass templates list` shows the account's templates".into()
        }
        ErrorKind::NotFound if on_webhook => {
            "check the subscription id; `walletpass webhooks list` shows the subscriptions".into()
        }
        ErrorKind::NotFound => pass_address(provider).into(),
        ErrorKind::Unauthorized if webhook => {
            "the delivery's signature or token does not match: check --secret (or WALLETPASS_WEBHOOK_SECRET) is that subscription's secret, and that the body file is byte for byte what was received".into()
        }
        ErrorKind::Unauthorized => format!(
            "the vendor refused the credentials: check {} (and --base-url if you point at a simulator)",
            credential_variables(provider)
        ),
        ErrorKind::Forbidden => format!(
            "the vendor refused this request: the key in {} may be wrong, or lack the permission (account, workspace, key scope) for it",
            credential_variables(provider)
        ),
        ErrorKind::PaymentRequired => "the account's plan does not allow this".into(),
        ErrorKind::InvalidInput => e
            .field_errors()
            .iter()
            .find_map(|fe| field_hint(provider, &fe.field))
            .unwrap_or_else(|| {
                if e.field_errors().is_empty() {
                    "fix the input named in the message; `walletpass --help` shows the accepted forms".into()
                } else {
                    "fix the fields named above".into()
                }
            }),
        ErrorKind::Conflict => "it already exists: use `passes put` to replace a pass, or choose another --serial"
            .into(),
        ErrorKind::RateLimited => match e.retry_after() {
            Some(wait) => format!("the vendor asks to wait {} s; try again then", wait.as_secs()),
            None => "too many requests: wait a moment and try again".into(),
        },
        ErrorKind::Timeout | ErrorKind::Transport => {
            "check the network and --base-url, then try again; a write that timed out may have been applied, so check with `passes get` or `passes list` first".into()
        }
        ErrorKind::Server => "the vendor failed; try again later".into(),
        ErrorKind::Unsupported => format!(
            "{} cannot do this; `walletpass --provider {} capabilities` lists what it supports",
            if provider.is_empty() { "this provider" } else { provider },
            if provider.is_empty() { "NAME" } else { provider },
        ),
        ErrorKind::Config if e.message().starts_with("base_url") => format!(
            "give the API root alone, such as {}, with --base-url (or WALLETPASS_BASE_URL); credentials go in {}",
            documented_root(provider).unwrap_or("https://HOST/PATH"),
            credential_variables(provider)
        ),
        ErrorKind::Config
            if e.message().contains("credentials") || e.message().contains("is not set") =>
        {
            format!(
                "set {} (see `walletpass --help`)",
                credential_variables(provider)
            )
        }
        ErrorKind::Config if !provider.is_empty() => {
            "fix the setting named in the message; `walletpass --help` lists the variables".into()
        }
        ErrorKind::Config => "set --provider (or WALLETPASS_PROVIDER) and the vendor's credential variables; \
             `walletpass --help` lists them"
            .into(),
        _ => "the vendor answered something unexpected; rerun with RUST_LOG=debug and report it".into(),
    }
}
