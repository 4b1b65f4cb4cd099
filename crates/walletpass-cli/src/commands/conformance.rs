//! `walletpass conformance`: certify the selected provider and endpoint with the provider-tests
//! suite, print the scenario matrix (or the report's JSON), and exit 1 when any applicable
//! scenario fails.

use std::sync::Arc;

use provider_tests::{Fixture, SuiteOptions, run_suite};
use walletpass::{FieldSpec, NewTemplate, PassId, TemplateId, WalletProvider};

use super::Context;
use crate::cli::ConformanceArgs;
use crate::failure::{Failure, exit};
use crate::input;

/// The keys and labels the suite's template defines.
const SUITE_FIELDS: [(&str, &str); 3] =
    [("member", "Member"), ("points", "Points"), ("tier", "Tier")];

/// Run `conformance`.
pub async fn run(ctx: &Context, args: ConformanceArgs) -> Result<u8, Failure> {
    let provider = ctx.connect()?;
    let template = match &args.template {
        Some(t) => Some(input::template_id(t)?),
        // The memory provider starts empty on every invocation: make the suite's template.
        None if provider.name() == "memory" => Some(suite_template(&provider).await?),
        None => None,
    };
    let (default_unknown, default_malformed) = default_ids(provider.name());
    let unknown_id = args.unknown_id.as_deref().or(default_unknown);
    let malformed_id = args.malformed_id.as_deref().or(default_malformed);
    let fixture = Fixture {
        template,
        unknown_id: unknown_id.map(PassId::new).transpose()?,
        malformed_id: malformed_id.map(PassId::new).transpose()?,
        webhook_sample: match &args.webhook_sample {
            Some(path) => Some(input::read_bytes("--webhook-sample", path)?),
            None => None,
        },
        ..Fixture::default()
    };
    let options = SuiteOptions {
        fixture,
        skip_snapshot_check: false,
        only: args.only,
    };
    let report = run_suite(provider, options).await;
    ctx.print(&report, |r| r.to_table().trim_end().to_owned())?;
    Ok(if report.has_failures() {
        exit::OTHER
    } else {
        exit::OK
    })
}

/// Ids every account of a provider treats as unknown and as malformed.
fn default_ids(provider: &str) -> (Option<&'static str>, Option<&'static str>) {
    match provider {
        "memory" => (Some("wptunknown"), Some("bad$id!")),
        _ => (None, None),
    }
}

async fn suite_template(provider: &Arc<dyn WalletProvider>) -> Result<TemplateId, Failure> {
    let mut template = NewTemplate::new("conformance")?;
    for (key, label) in SUITE_FIELDS {
        template = template.with_field(FieldSpec::new(key)?.with_label(label))?;
    }
    Ok(provider.create_template(template).await?.id)
}
