//! The scenarios, one module per area: `passes`, `listing`, `templates`, `webhooks`,
//! `errors`, `capabilities` and `content`. Each declares what it needs (capabilities,
//! fixture parts) next to its body and runs over `&dyn WalletProvider` through [`Ctx`]; it
//! fails with a reason naming what broke. [`all_scenarios`] concatenates the areas' lists in a
//! fixed order, the order of the report.

use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::Value;
use walletpass_core::Capabilities;

use crate::context::{Ctx, Fixture};

macro_rules! needs {
    ($($name:expr => $check:expr),* $(,)?) => {
        vec![$(($name, $check as fn(&Capabilities, &Fixture) -> bool)),*]
    };
}

mod capabilities;
mod content;
mod errors;
mod listing;
mod passes;
mod support;
mod templates;
mod webhooks;

/// A canonical value a scenario saw, compared with the shared snapshot of the same name.
#[derive(Clone, Debug, Serialize)]
pub struct Observation {
    /// The snapshot name (shared by every backend).
    pub name: String,
    /// The value.
    pub value: Value,
}

type Run = for<'a> fn(&'a Ctx) -> BoxFuture<'a, Result<Vec<Observation>, String>>;
type Need = (&'static str, fn(&Capabilities, &Fixture) -> bool);

/// One scenario.
pub struct Scenario {
    /// Its name.
    pub name: &'static str,
    needs: Vec<Need>,
    /// Run it.
    pub run: Run,
}

/// The start of the skip reason of a scenario that needs a template the run does not have.
pub const A_TEMPLATE: &str = "a template";

impl Scenario {
    /// The first thing the scenario needs that the provider or fixture lacks; for a fixture
    /// part, with the reason and the flag that supplies it.
    pub fn missing(&self, caps: &Capabilities, fixture: &Fixture) -> Option<String> {
        let (name, _) = self.needs.iter().find(|(_, has)| !has(caps, fixture))?;
        Some(match *name {
            TEMPLATE => format!(
                "{A_TEMPLATE}: {}",
                fixture
                    .template_missing
                    .as_deref()
                    .unwrap_or("the vendor creates passes from templates; pass --template ID")
            ),
            ADDRESS => format!(
                "{A_TEMPLATE} to address passes by: {}",
                fixture
                    .template_missing
                    .as_deref()
                    .unwrap_or("pass --template ID")
            ),
            RECEIVER => format!(
                "a webhook receiver: {}",
                fixture.receiver.reason().unwrap_or_default()
            ),
            MALFORMED_ID => "an id the provider refuses as malformed before sending anything (none is known for this provider; pass --malformed-id ID if it has one)".to_owned(),
            WEBHOOK_SAMPLE => "a delivery body in the vendor's webhook format; pass --webhook-sample FILE".to_owned(),
            BAD_CREDENTIALS => "credentials to replace with wrong ones (none are set for this provider)".to_owned(),
            other => other.to_owned(),
        })
    }
}

// What a scenario needs of the fixture: each is turned into a reason that names the flag
// (or variable) that supplies it, never the Rust field.
const TEMPLATE: &str = "fixture.template";
const ADDRESS: &str = "fixture.address_template";
const RECEIVER: &str = "fixture.receiver";
const MALFORMED_ID: &str = "fixture.malformed_id";
const WEBHOOK_SAMPLE: &str = "fixture.webhook_sample";
const BAD_CREDENTIALS: &str = "fixture.bad_credentials";

/// Whether passes of this provider live in templates.
fn uses_templates(c: &Capabilities) -> bool {
    c.pass_ref_requires_template || c.list_requires_template || c.templates_list
}

/// The template need of every scenario that creates or lists passes.
fn has_template(c: &Capabilities, f: &Fixture) -> bool {
    f.template.is_some() || !uses_templates(c)
}

/// The need of scenarios that address a pass that does not exist.
fn can_address(c: &Capabilities, f: &Fixture) -> bool {
    !c.pass_ref_requires_template || f.template.is_some() || f.address_template.is_some()
}

/// Every scenario, in the order the report lists them.
pub fn all_scenarios() -> Vec<Scenario> {
    [
        passes::scenarios(),
        listing::scenarios(),
        templates::scenarios(),
        webhooks::scenarios(),
        errors::scenarios(),
        capabilities::scenarios(),
        content::scenarios(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_reasons_name_flags_not_rust_fields() {
        let caps = Capabilities::all();
        let empty = Fixture::default();
        let with_template = Fixture {
            template: walletpass_core::TemplateId::new("t").ok(),
            ..Fixture::default()
        };
        let reason = |name: &str, fixture: &Fixture| {
            all_scenarios()
                .into_iter()
                .find(|s| s.name == name)
                .and_then(|s| s.missing(&caps, fixture))
                .unwrap_or_else(|| panic!("{name} should be skipped"))
        };
        for fixture in [&empty, &with_template] {
            for s in all_scenarios() {
                if let Some(why) = s.missing(&caps, fixture) {
                    assert!(!why.contains("fixture."), "{}: {why}", s.name);
                }
            }
        }
        for (name, fixture, flag) in [
            ("error_malformed_id", &empty, "--malformed-id"),
            ("create_then_get", &empty, "--template"),
            ("webhook_verification", &with_template, "--webhook-sample"),
            (
                "webhook_delivery_verifies",
                &with_template,
                "--webhook-receiver",
            ),
        ] {
            let why = reason(name, fixture);
            assert!(why.contains(flag), "{name}: {why}");
        }
    }
}
