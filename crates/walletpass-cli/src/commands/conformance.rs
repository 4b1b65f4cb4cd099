//! `walletpass conformance`: certify the selected provider and endpoint with the provider-tests
//! suite, with nothing but credentials: choose a template (or check the one `--template`
//! names), build the fixture, run, print the scenario matrix (or the report's JSON) and exit 1
//! when a scenario fails or something the run created is left behind, 2 on a usage mistake or
//! when no template could be used.

use std::sync::Arc;

use provider_tests::{
    Fixture, FixtureFields, Receiver, SuiteOptions, TemplateChoice, TemplateProblem,
    choose_template, inspect_template, run_suite,
};
use walletpass::{ErrorKind, ListQuery, PassId, PassRef, ProviderKind, TemplateId, WalletProvider};

use super::Context;
use crate::cli::ConformanceArgs;
use crate::failure::{Failure, exit};
use crate::input;

/// The skip reason of the delivery scenario on a vendor that refuses `http://` receivers.
const HTTPS_ONLY: &str = "the vendor accepts only https receivers; pass --webhook-receiver URL";

/// Run `conformance`.
pub async fn run(ctx: &Context, args: ConformanceArgs) -> Result<u8, Failure> {
    let unknown = provider_tests::unknown_only(&args.only);
    if !unknown.is_empty() {
        return Err(Failure::usage_hint(
            format!("--only {}: no scenario has that name", unknown.join(", ")),
            format!(
                "--only takes (part of) a scenario name: {}",
                provider_tests::scenario_names().join(", ")
            ),
        ));
    }
    let kind = ctx.kind()?;
    let provider = ctx.connect()?;
    check_credentials(&provider).await?;
    let defaults = kind.info().conformance;
    let receiver = receiver(ctx, &args, kind)?;
    let mut notes = Vec::new();
    let mut made: Option<TemplateId> = None;
    let mut fixture = Fixture {
        receiver,
        ..Fixture::default()
    };
    let choice = match &args.template {
        Some(t) => {
            let id = TemplateId::new(t).map_err(|e| {
                Failure::usage_hint(
                    format!("--template: {e}"),
                    "pass --template with a template id of this account (`walletpass templates list` shows them), or leave it out to let the suite choose",
                )
            })?;
            Some(checked_template(&provider, &id).await?)
        }
        // The memory provider starts empty on every invocation, and an apple store may hold no
        // template yet (`makes_suite_template` in their descriptors): make the suite's
        // template, deleted after the run (an apple store keeps it across invocations).
        None if defaults.makes_suite_template => {
            let id = suite_template(&provider).await?;
            made = Some(id.clone());
            match checked_template(&provider, &id).await {
                Ok(mut choice) => {
                    choice.why = format!(
                        "template {id} made for this run (keys {}), deleted at the end",
                        choice.fields.describe()
                    );
                    Some(choice)
                }
                Err(failure) => {
                    let _ = delete_made(&provider, &id).await;
                    return Err(failure);
                }
            }
        }
        None if provider_tests::discover::needs_template(provider.as_ref()) => {
            match choose_template(provider.as_ref()).await {
                Ok(choice) => Some(choice),
                // The vendor failed or refused the credentials while the templates were read:
                // its error, with its exit code and hint, not a reason to pass --template.
                Err(TemplateProblem::Vendor(e)) => return Err(Failure::Provider(e)),
                Err(reason) => {
                    let reason = reason.to_string();
                    notes.push(format!("no template: {reason}"));
                    fixture.template_missing = Some(reason);
                    fixture.address_template = any_template(&provider).await;
                    None
                }
            }
        }
        None => None,
    };
    if let Some(choice) = choice {
        notes.push(choice.why);
        fixture.template = Some(choice.template);
        fixture.fields = choice.fields;
    } else {
        fixture.fields = FixtureFields::default();
    }
    let address = fixture
        .template
        .clone()
        .or_else(|| fixture.address_template.clone());
    fixture.unknown_id = match &args.unknown_id {
        Some(id) => Some(checked_id(&provider, address.clone(), id, false).await?),
        None => defaults.unknown_id.map(PassId::new).transpose()?,
    };
    fixture.malformed_id = match &args.malformed_id {
        Some(id) => Some(checked_id(&provider, address, id, true).await?),
        None => defaults.malformed_id.map(PassId::new).transpose()?,
    };
    fixture.webhook_sample = match &args.webhook_sample {
        Some(path) => Some(input::read_bytes("--webhook-sample", path)?),
        None => defaults.webhook_sample.map(|s| s.as_bytes().to_vec()),
    };
    fixture.bad_credentials = bad_credentials(ctx, kind)?;
    let options = SuiteOptions {
        fixture,
        skip_snapshot_check: false,
        only: args.only,
        notes,
    };
    let mut report = run_suite(provider.clone(), options).await;
    if let Some(id) = made
        && let Err(left) = delete_made(&provider, &id).await
    {
        report.left_behind.push(left);
    }
    ctx.print(&report, |r| r.to_table().trim_end().to_owned())?;
    Ok(if report.has_failures() || !report.left_behind.is_empty() {
        exit::OTHER
    } else if report.lacks_template() {
        // The report is printed; the usage error says why the run certifies no pass operation.
        let _ = Failure::usage_hint(
            "conformance: the pass scenarios were skipped for want of a usable template",
            "pass --template ID naming a template with at least two text keys (see the skip reasons)",
        )
        .report(ctx.format);
        exit::USAGE
    } else {
        exit::OK
    })
}

/// Where deliveries reach the suite: `--webhook-receiver`, or a loopback receiver on a local
/// endpoint that accepts `http://` receivers; some vendors (PassNinja, Passinstance) accept
/// only https ones (`https_receivers_only` in their descriptors).
fn receiver(
    ctx: &Context,
    args: &ConformanceArgs,
    kind: ProviderKind,
) -> Result<Receiver, Failure> {
    if let Some(url) = &args.webhook_receiver {
        let parsed = url::Url::parse(url).map_err(|e| {
            Failure::usage(format!("--webhook-receiver: not an absolute URL ({e})"))
        })?;
        if parsed.scheme() != "https" || parsed.host().is_none() {
            return Err(Failure::usage(
                "--webhook-receiver: must be an https:// URL the vendor can reach, forwarding to --webhook-listen",
            ));
        }
        return Ok(Receiver::Public {
            url: url.clone(),
            listen: args.webhook_listen,
        });
    }
    let info = kind.info();
    Ok(match info {
        _ if info.conformance.https_receivers_only => Receiver::Unavailable(HTTPS_ONLY.into()),
        _ if targets_loopback(ctx, info.base_url_env) => Receiver::Loopback,
        _ => Receiver::Unavailable(
            "a live vendor cannot reach a receiver on this machine; pass --webhook-receiver URL"
                .into(),
        ),
    })
}

/// The template `--template` names, checked: a missing or unusable one is a usage error.
async fn checked_template(
    provider: &Arc<dyn WalletProvider>,
    id: &TemplateId,
) -> Result<TemplateChoice, Failure> {
    let caps = provider.capabilities();
    let hint = if !caps.templates_get && !caps.templates_list {
        format!(
            "{} passes stand alone: run conformance without --template",
            provider.name()
        )
    } else {
        "pass --template naming a template of this account with at least two text keys, or leave it out to let the suite choose".to_owned()
    };
    inspect_template(provider.as_ref(), id)
        .await
        .map_err(|problem| match problem {
            TemplateProblem::Vendor(e) => Failure::Provider(e),
            other => Failure::usage_hint(other.to_string(), hint),
        })
}

/// Any template of the account, to address passes that do not exist by.
async fn any_template(provider: &Arc<dyn WalletProvider>) -> Option<TemplateId> {
    if !provider.capabilities().templates_list {
        return None;
    }
    let page = provider.list_templates(&ListQuery::new()).await.ok()?;
    page.items.into_iter().next().map(|t| t.id)
}

/// `--unknown-id` (`malformed: false`: well formed and naming no pass) or `--malformed-id`
/// (`malformed: true`: refused before anything is sent), checked with one `get`, so that a
/// wrong fixture is the user's mistake, never reported as the vendor failing.
async fn checked_id(
    provider: &Arc<dyn WalletProvider>,
    template: Option<TemplateId>,
    id: &str,
    malformed: bool,
) -> Result<PassId, Failure> {
    let flag = if malformed {
        "--malformed-id"
    } else {
        "--unknown-id"
    };
    let hint = if malformed {
        "pass --malformed-id with an id the provider must refuse as malformed"
    } else {
        "pass --unknown-id with a well-formed id that names no pass"
    };
    let id = PassId::new(id).map_err(|e| Failure::usage_hint(format!("{flag}: {e}"), hint))?;
    let pass = PassRef {
        template,
        id: id.clone(),
    };
    let problem = match provider.get(&pass).await {
        Ok(_) => Some("that pass exists".to_owned()),
        Err(e) if !malformed && e.kind() == ErrorKind::InvalidInput => {
            Some(format!("{} refuses it as malformed ({e})", provider.name()))
        }
        Err(e) if malformed && e.kind() == ErrorKind::NotFound => Some(format!(
            "{} takes it as a well-formed id (answered not found)",
            provider.name()
        )),
        Err(_) => None,
    };
    match problem {
        Some(problem) => Err(Failure::usage_hint(format!("{flag} {id}: {problem}"), hint)),
        None => Ok(id),
    }
}

/// Stop before anything runs when the vendor refuses the credentials: a wrong key is the
/// user's configuration mistake (exit 4, with the variables to check), never a run of failed
/// scenarios that reads as the vendor failing. One read: the account's templates, or its
/// passes where the vendor lists them without a template. Any other error is left to the
/// scenarios, which report it.
async fn check_credentials(provider: &Arc<dyn WalletProvider>) -> Result<(), Failure> {
    let caps = provider.capabilities();
    let query = ListQuery::new();
    let result = if caps.templates_list {
        provider.list_templates(&query).await.map(|_| ())
    } else if caps.list && !caps.list_requires_template {
        provider.list(&query).await.map(|_| ())
    } else {
        return Ok(());
    };
    match result {
        Err(e) if matches!(e.kind(), ErrorKind::Unauthorized | ErrorKind::Forbidden) => {
            Err(Failure::Provider(e))
        }
        _ => Ok(()),
    }
}

/// The same provider with each credential that is set replaced by a wrong one (the wrong
/// values are in the provider's descriptor); `None` where it takes no credentials.
fn bad_credentials(
    ctx: &Context,
    kind: ProviderKind,
) -> Result<Option<Arc<dyn WalletProvider>>, Failure> {
    match provider_tests::support::wrong_credentials(kind, |name| std::env::var(name).ok()) {
        Some(lookup) => Ok(Some(ctx.connect_with(lookup)?)),
        None => Ok(None),
    }
}

/// Whether the endpoint is on this machine, so that it can deliver webhooks to a loopback
/// receiver (a simulator can; a live vendor cannot).
fn targets_loopback(ctx: &Context, variable: Option<&str>) -> bool {
    let url = ctx
        .base_url
        .clone()
        .or_else(|| variable.and_then(|v| std::env::var(v).ok()));
    url.is_some_and(|url| is_loopback_url(&url))
}

/// Whether a URL's host is `localhost` or a loopback address.
fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Delete the template made for the run; `Err` is the report's line for it.
async fn delete_made(provider: &Arc<dyn WalletProvider>, id: &TemplateId) -> Result<(), String> {
    match provider.delete_template(id).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("template {id} (made for this run): {e}")),
    }
}

/// Make the suite's template (`member`, `points`, `tier`) where the provider holds none.
async fn suite_template(provider: &Arc<dyn WalletProvider>) -> Result<TemplateId, Failure> {
    Ok(provider_tests::support::suite_template(provider.as_ref())
        .await?
        .id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_recognised() {
        for url in [
            "http://127.0.0.1:8001/v1",
            "http://localhost/v1",
            "http://[::1]:9/api/v1",
            "https://127.1.2.3",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://api.passninja.com/v1",
            "http://10.0.0.1:80/",
            "https://[2001:db8::1]/",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
