//! The command-line grammar: global options, every command and its arguments, with the help
//! text users read. Parsing only; the commands themselves live in [`crate::commands`].

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  2  usage or configuration error (bad arguments, unknown provider, missing credentials)
  3  not found (pass, template or webhook)
  4  authentication or permission (bad credentials, forbidden, plan limit, bad webhook signature)
  5  invalid input (rejected fields, bad ids, conflicts such as a duplicate serial)
  6  rate limited or transient (429, timeouts, connection failures, vendor 5xx)
  7  unsupported by this provider
  1  anything else (including a failed conformance run or demo check)
  141  standard output closed before the output was complete (`| head`): the command stops
       there, as a program a closed pipe ends (128 + SIGPIPE); never a panic
  (`walletpass migrate` has its own codes: see `walletpass migrate --help`)";

/// The help's closing text: the exit codes, then the environment, with each provider's
/// variables as its registry descriptor lists them.
pub fn after_help() -> String {
    let names: Vec<&str> = walletpass::vendors().map(|v| v.name).collect();
    let mut text = format!(
        "{EXIT_CODES}

Environment:
  WALLETPASS_PROVIDER   {} (default: memory)
  WALLETPASS_BASE_URL   API root override (a simulator, staging, a proxy)
  WALLETPASS_OUTPUT     json | table
  WALLETPASS_FIELD_SPECS  PassNinja template labels and placements (see --field-specs)
  WALLETPASS_WEBHOOK_SECRET  secret for `webhooks verify|sign|create`
",
        names.join(" | ")
    );
    for vendor in walletpass::vendors().filter(|v| !v.env.is_empty()) {
        text.push_str(&format!("  {}:\n", vendor.name));
        for var in vendor.env {
            let need = match var.need {
                walletpass::vendor::Need::Required => "",
                walletpass::vendor::Need::OneOf => " (one of)",
                walletpass::vendor::Need::Optional => " (optional)",
            };
            text.push_str(&format!("    {:<40} {}{need}\n", var.name, var.meaning));
        }
    }
    text.push_str(
        "    (apple with no certificate: an embedded TEST certificate real devices refuse)\n\n\
Start here: `walletpass demo` runs everything against local simulators, no account needed.",
    );
    text
}

/// One API for Apple and Google Wallet passes across PassNinja, ubpass and Passinstance.
#[derive(Debug, Parser)]
#[command(
    name = "walletpass",
    version,
    about = "One API for Apple and Google Wallet passes across PassNinja, ubpass and Passinstance.",
    long_about = "One API for Apple and Google Wallet passes across PassNinja, ubpass and \
Passinstance.\n\nEvery command speaks the canonical model: the same pass JSON whatever the vendor. \
Pick the vendor with --provider (or WALLETPASS_PROVIDER); credentials come from the vendor's \
environment variables; --base-url points any vendor at a simulator, staging or a proxy.",
    propagate_version = true
)]
pub struct Cli {
    /// Which provider to talk to: memory, passninja, ubpass, passinstance or apple.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "WALLETPASS_PROVIDER",
        hide_env_values = true,
        default_value = "memory",
        value_name = "NAME"
    )]
    pub provider: String,

    /// API root to use instead of the vendor's (a simulator, staging, a proxy). http:// is
    /// accepted for loopback hosts only.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "WALLETPASS_BASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub base_url: Option<String>,

    /// PassNinja only: a JSON file of the labels and placements its templates' dashboard
    /// defines, `{"TEMPLATE": [{"key", "label", "placement", "default", "required"}, ...]}`
    /// (PassNinja keeps them on the template, out of reach of its API). Added to the file
    /// `PASSNINJA_FIELD_SPECS` names, replacing its specs of the same template.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "WALLETPASS_FIELD_SPECS",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub field_specs: Option<PathBuf>,

    /// Output format. Default: table on a terminal, json otherwise.
    #[arg(
        long,
        short = 'o',
        global = true,
        help_heading = "Global options",
        env = "WALLETPASS_OUTPUT",
        hide_env_values = true,
        value_enum
    )]
    pub output: Option<OutputFormat>,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The canonical JSON of the core model (one object; `list --all`: one pass per line).
    Json,
    /// Aligned columns for people.
    Table,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, read, change, void, delete and list passes.
    #[command(subcommand)]
    Passes(PassesCommand),
    /// List, read, create and delete templates.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Manage webhook subscriptions, and verify or sign inbound deliveries.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Show what the selected provider supports.
    Capabilities,
    /// Certify the selected provider and endpoint with the conformance suite, with nothing but
    /// its credentials: exits 1 if any applicable scenario fails or something the run created
    /// could not be deleted, 2 on a usage mistake or when no template could be used.
    #[command(after_help = "Examples:
  walletpass conformance                                   # the memory reference provider
  walletpass --provider passninja conformance              # chooses a template itself
  walletpass --provider passinstance conformance -t tpl_c0c0c0c0c0c0c0c0
  walletpass --provider passninja conformance --webhook-receiver https://abc.tunnel.example/hook")]
    Conformance(ConformanceArgs),
    /// Run vendor simulators in the foreground (Ctrl-C stops them). The first lines are
    /// `NAME BASE_URL`, one per simulator; then the credentials each accepts.
    #[command(after_help = "Example:
  walletpass sim all --port 8001 &
  # then paste the `export ...` line it prints for the vendor you want, and:
  walletpass passes list")]
    Sim(SimArgs),
    /// Serve the Apple backend's passes to devices (PassKit web service, update pushes).
    Serve(crate::commands::serve::ServeArgs),
    /// Start the three simulators in-process and show one pass on every vendor (no account
    /// needed).
    Demo,
    /// Copy every pass from one provider to another: resumable, rate-aware, verified. Its exit
    /// codes are its own: 0 done, 1 some passes failed, 2 nothing written, 3 stopped midway
    /// (run the same command again to resume).
    Migrate(Box<walletpass_migrate::cli::MigrateArgs>),
}

/// Addressing a pass.
#[derive(Debug, Args)]
pub struct PassAddress {
    /// The pass's template (PassNinja addresses passes through their template).
    #[arg(long, short = 't', value_name = "T")]
    pub template: Option<String>,
    /// The pass id (or TEMPLATE/ID).
    #[arg(value_name = "ID")]
    pub id: String,
}

/// `passes ...`
#[derive(Debug, Subcommand)]
pub enum PassesCommand {
    /// Create a pass from --field KEY=VALUE pairs or a content file.
    #[command(after_help = "Examples:
  walletpass passes create -t ptk_0xc0 -f member='Jane Doe' -f points:=1200 -f tier=Gold
  walletpass passes create -t tpl_c0c0c0c0c0c0c0c0 --serial ORDER-1001 --file content.json
  walletpass passes get ID -o json > pass.json   # edit, then: walletpass passes put ID --file pass.json")]
    #[command(group(ArgGroup::new("content").required(true).args(["field", "file"])))]
    Create {
        /// The template to create it from (required by PassNinja and Passinstance).
        #[arg(long, short = 't', value_name = "T")]
        template: Option<String>,
        /// A caller-chosen serial number, for vendors that accept one.
        #[arg(long, value_name = "SERIAL")]
        serial: Option<String>,
        /// A text field (KEY=VALUE) or a number field (KEY:=NUMBER); repeatable.
        #[arg(long = "field", short = 'f', value_name = "KEY=VALUE")]
        field: Vec<String>,
        /// Canonical pass content as JSON (or a pass as printed by `passes get -o json`); `-`
        /// reads standard input.
        #[arg(long, value_name = "CONTENT.json")]
        file: Option<PathBuf>,
    },
    /// Show a pass.
    Get(PassAddress),
    /// Change named fields and leave every other one as it is.
    #[command(after_help = "Example:
  walletpass passes patch -t ptk_0xc0 8ba0c8a5a1b2c3d4e5 --set tier=Platinum --set points:=1500 --unset promo")]
    #[command(group(ArgGroup::new("change").required(true).multiple(true).args(["set", "unset"])))]
    Patch {
        /// The pass.
        #[command(flatten)]
        address: PassAddress,
        /// Set a text field (KEY=VALUE) or a number field (KEY:=NUMBER); repeatable.
        #[arg(long, value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Remove a field; repeatable.
        #[arg(long, value_name = "KEY")]
        unset: Vec<String>,
    },
    /// Replace a pass's content.
    Put {
        /// The pass.
        #[command(flatten)]
        address: PassAddress,
        /// Canonical pass content as JSON (or a pass as printed by `passes get -o json`); `-`
        /// reads standard input.
        #[arg(long, value_name = "CONTENT.json")]
        file: PathBuf,
    },
    /// Delete a pass.
    Delete(PassAddress),
    /// Void a pass: it stays, marked as no longer valid.
    Void(PassAddress),
    /// List passes, one page (or every page with --all).
    #[command(after_help = "Examples:
  walletpass passes list -t ptk_0xc0 --page-size 50        # one page; the next is printed as --cursor
  walletpass passes list --all -o json | jq -r .ref.id      # every pass, one JSON object per line")]
    List(ListPassesArgs),
    /// Write the signed .pkpass of a pass to a file (the apple provider: passes signed here).
    #[command(after_help = "Example:
  walletpass --provider apple passes pkpass MEMBER-1 --out member.pkpass   # -o stays the output format")]
    Pkpass {
        /// The pass.
        #[command(flatten)]
        address: PassAddress,
        /// Where to write the .pkpass (`-`: standard output).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// `passes list`
#[derive(Debug, Args)]
pub struct ListPassesArgs {
    /// Only passes of this template (required by vendors that list per template).
    #[arg(long, short = 't', value_name = "T")]
    pub template: Option<String>,
    /// Free-text search.
    #[arg(long, value_name = "S")]
    pub search: Option<String>,
    /// Only passes with this status (active, voided, ...).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Passes per page.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: Option<u32>,
    /// Continue from the cursor a previous page printed.
    #[arg(long, value_name = "CURSOR", conflicts_with = "all")]
    pub cursor: Option<String>,
    /// Walk every page; JSON output prints one pass per line as pages arrive.
    #[arg(long)]
    pub all: bool,
}

/// `templates ...`
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List templates.
    List {
        /// Templates per page.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        page_size: Option<u32>,
        /// Continue from the cursor a previous page printed.
        #[arg(long, value_name = "CURSOR")]
        cursor: Option<String>,
    },
    /// Show a template.
    Get {
        /// The template id.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Create a template.
    Create {
        /// Its name.
        #[arg(long, value_name = "N")]
        name: String,
        /// Which wallets it issues to.
        #[arg(long, value_enum, value_name = "P")]
        platform: Option<PlatformArg>,
        /// The vendor's pass style (storeCard, coupon, eventTicket, generic, boardingPass, ...).
        #[arg(long, value_name = "S")]
        style: Option<String>,
    },
    /// Delete a template.
    Delete {
        /// The template id.
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// A template's platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// Apple Wallet.
    Apple,
    /// Google Wallet.
    Google,
    /// Both.
    Both,
}

/// `webhooks ...`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// List webhook subscriptions.
    List {
        /// Only subscriptions of this template.
        #[arg(long, short = 't', value_name = "T")]
        template: Option<String>,
        /// Subscriptions per page.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        page_size: Option<u32>,
        /// Continue from the cursor a previous page printed.
        #[arg(long, value_name = "CURSOR")]
        cursor: Option<String>,
    },
    /// Show a webhook subscription (never its secret).
    Get {
        /// The subscription id.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Subscribe a URL to events. The vendor returns the signing secret this once: keep it with
    /// --secret-file or print it with --show-secret.
    #[command(group(ArgGroup::new("keep").required(true).args(["secret_file", "show_secret"])))]
    Create {
        /// Where deliveries go: https, or http to a loopback host for local testing.
        #[arg(long, value_name = "URL")]
        url: String,
        /// An event to deliver (pass_created, pass_updated, pass_voided, pass_installed,
        /// pass_uninstalled, template_created, or a vendor event name); repeatable.
        #[arg(long = "event", short = 'e', value_name = "E", required = true)]
        events: Vec<String>,
        /// Only events of this template.
        #[arg(long, short = 't', value_name = "T")]
        template: Option<String>,
        /// Write the signing secret to this file (created with owner-only permissions).
        #[arg(long, value_name = "FILE")]
        secret_file: Option<PathBuf>,
        /// Print the signing secret in the output.
        #[arg(long)]
        show_secret: bool,
        /// Choose the signing secret yourself, for vendors that take one (Passinstance).
        #[arg(
            long,
            env = "WALLETPASS_WEBHOOK_SECRET",
            hide_env_values = true,
            value_name = "S"
        )]
        secret: Option<String>,
    },
    /// Delete a webhook subscription.
    Delete {
        /// The subscription id.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Show a subscription's delivery attempts.
    Deliveries {
        /// The subscription id.
        #[arg(value_name = "ID")]
        id: String,
        /// Deliveries per page.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        page_size: Option<u32>,
        /// Continue from the cursor a previous page printed.
        #[arg(long, value_name = "CURSOR")]
        cursor: Option<String>,
    },
    /// Verify an inbound delivery and print the canonical event; exits 4 when the signature or
    /// token does not match.
    #[command(
        after_help = "Example (headers as curl -D writes them, the body byte for byte):
  WALLETPASS_WEBHOOK_SECRET=... walletpass --provider passinstance webhooks verify --headers h.txt --body b.json"
    )]
    Verify {
        /// The request headers: `Name: value` lines (as `curl -D` writes them) or a JSON object.
        #[arg(long, value_name = "FILE")]
        headers: PathBuf,
        /// The raw request body, byte for byte.
        #[arg(long, value_name = "FILE")]
        body: PathBuf,
        /// The subscription's signing secret or token.
        #[arg(
            long,
            env = "WALLETPASS_WEBHOOK_SECRET",
            hide_env_values = true,
            value_name = "S"
        )]
        secret: String,
    },
    /// Print the headers the provider would send with a body, signed now: for testing your own
    /// receiver.
    Sign {
        /// The raw request body.
        #[arg(long, value_name = "FILE")]
        body: PathBuf,
        /// The signing secret or token.
        #[arg(
            long,
            env = "WALLETPASS_WEBHOOK_SECRET",
            hide_env_values = true,
            value_name = "S"
        )]
        secret: String,
    },
}

/// `conformance`
#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// The template the scenarios create passes in (any template with at least two text keys;
    /// the scenarios write its keys). Without it the suite looks through the account's
    /// templates and says which one it chose and why. A template that does not exist or cannot
    /// be used is a usage error (exit 2).
    #[arg(long, short = 't', value_name = "T")]
    pub template: Option<String>,
    /// A well-formed pass id that does not exist (for the not-found scenarios).
    #[arg(long, value_name = "ID")]
    pub unknown_id: Option<String>,
    /// A pass id the provider must refuse as malformed before sending anything.
    #[arg(long, value_name = "ID")]
    pub malformed_id: Option<String>,
    /// A delivery body in the vendor's webhook format, for the verification scenario.
    #[arg(long, value_name = "FILE")]
    pub webhook_sample: Option<PathBuf>,
    /// A public https URL that forwards to --webhook-listen (a tunnel), for the delivery
    /// scenario on a live vendor or on a vendor that accepts only https receivers.
    #[arg(long, value_name = "URL")]
    pub webhook_receiver: Option<String>,
    /// Where the suite listens for what --webhook-receiver forwards.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub webhook_listen: std::net::SocketAddr,
    /// Run only the scenarios whose name contains this; repeatable. A name that matches no
    /// scenario is a usage error (exit 2) listing the names.
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
}

/// `sim`
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Which simulator to run: a vendor's name, or `all` (on consecutive ports when --port N
    /// is given; --port 0: a free port each).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::commands::sim_targets()))]
    pub target: String,
    /// Port to listen on (with `all`: the first of three consecutive ports); default, or 0: a
    /// free port for each simulator.
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Latency added to every answer, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,
    /// Requests per second accepted before the vendor's 429 answer.
    #[arg(long, value_name = "N")]
    pub rps: Option<f64>,
    /// Share of requests (0.0 to 1.0) answered with the vendor's 5xx.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed of the fault injector, so a run can be repeated.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// How many of the latest requests each simulator keeps in its request log, with headers
    /// and body (a few KiB each); older ones are dropped, so memory stays flat however long it
    /// runs. 0 keeps none. Raise it to inspect a longer history.
    #[arg(long, value_name = "N", default_value_t = walletpass_sim::DEFAULT_REQUEST_LOG)]
    pub request_log: usize,
    /// Switch on a vendor-plausible mistake (for testing the conformance suite); repeatable.
    #[arg(long, value_name = "NAME", hide = true)]
    pub deviation: Vec<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}
