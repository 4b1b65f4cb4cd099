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
        // The memory provider starts empty on every invocation, and an apple store may hold no
        // template yet: make the suite's template.
        None if matches!(provider.name(), "memory" | "apple") => {
            Some(suite_template(&provider).await?)
        }
        None => None,
    };
    let defaults = Defaults::of(provider.name());
    let unknown_id = args.unknown_id.as_deref().or(defaults.unknown_id);
    let malformed_id = args.malformed_id.as_deref().or(defaults.malformed_id);
    let webhook_sample = match &args.webhook_sample {
        Some(path) => Some(input::read_bytes("--webhook-sample", path)?),
        None => defaults.webhook_sample.map(|s| s.as_bytes().to_vec()),
    };
    let fixture = Fixture {
        template,
        unknown_id: unknown_id.map(PassId::new).transpose()?,
        malformed_id: malformed_id.map(PassId::new).transpose()?,
        webhook_sample,
        bad_credentials: bad_credentials(ctx, defaults.credentials)?,
        loopback_deliveries: targets_loopback(ctx, defaults.base_url_variable),
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

/// What the suite needs of each provider that the command line can supply by itself.
struct Defaults {
    /// A well-formed id no account has.
    unknown_id: Option<&'static str>,
    /// An id the backend refuses before sending anything.
    malformed_id: Option<&'static str>,
    /// A delivery body in the vendor's documented webhook format.
    webhook_sample: Option<&'static str>,
    /// The variables holding credentials, each with a wrong value of the right form.
    credentials: &'static [(&'static str, &'static str)],
    /// The variable of the vendor's base URL.
    base_url_variable: Option<&'static str>,
}

impl Defaults {
    fn of(provider: &str) -> Self {
        match provider {
            "memory" => Defaults {
                unknown_id: Some("wptunknown"),
                malformed_id: Some("bad$id!"),
                webhook_sample: Some(
                    r#"{"id":"evt_1","kind":"pass_updated","provider":"memory","raw":null}"#,
                ),
                credentials: &[],
                base_url_variable: None,
            },
            // The CloudEvents example of the PassNinja docs ("Webhooks" section).
            "passninja" => Defaults {
                unknown_id: Some("0123456789abcdef00"),
                malformed_id: Some("not-a-serial!"),
                webhook_sample: Some(
                    r#"{"specversion":"1.0","id":"38656a51-a892-8717-587b-f59de5163c2a","source":"https://api.passninja.com/accounts/aid_0xa01","type":"pn.pass.installed","datacontenttype":"application/json","time":"2026-05-12T18:25:43.511Z","pnattempt":1,"data":{"pass_template":"ptk_0x216","pass_id":"fee4a257185906b92a","metadata":{"member.name":"John","discount":"50%"}}}"#,
                ),
                credentials: &[("PASSNINJA_API_KEY", "00000000000000000000000000000000")],
                base_url_variable: Some("PASSNINJA_BASE_URL"),
            },
            "ubpass" => Defaults {
                unknown_id: Some("wpt-unknown-1"),
                malformed_id: Some("bad$id!"),
                webhook_sample: None,
                credentials: &[
                    ("UBPASS_API_KEY", "wpt-wrong-key"),
                    ("UBPASS_TOKEN", "wpt-wrong-token"),
                ],
                base_url_variable: Some("UBPASS_BASE_URL"),
            },
            "passinstance" => Defaults {
                unknown_id: Some("WPT-UNKNOWN-1"),
                malformed_id: None,
                webhook_sample: Some(
                    r#"{"id":"evt_1","type":"pass.updated","createdAt":"2026-01-01T00:00:00Z","data":{"id":"pass_1","templateId":"tpl_c0c0c0c0c0c0c0c0"}}"#,
                ),
                credentials: &[
                    ("PASSINSTANCE_TOKEN", "pi_wrong_token"),
                    ("PASSINSTANCE_API_KEY", "pi_wrong_key"),
                ],
                base_url_variable: Some("PASSINSTANCE_BASE_URL"),
            },
            _ => Defaults {
                unknown_id: None,
                malformed_id: None,
                webhook_sample: None,
                credentials: &[],
                base_url_variable: None,
            },
        }
    }
}

/// The same provider with each credential that is set replaced by a wrong one.
fn bad_credentials(
    ctx: &Context,
    credentials: &'static [(&'static str, &'static str)],
) -> Result<Option<Arc<dyn WalletProvider>>, Failure> {
    if credentials.is_empty() {
        return Ok(None);
    }
    let provider = ctx.connect_with(|name| {
        let real = std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        match credentials.iter().find(|(var, _)| *var == name) {
            Some((_, wrong)) => real.map(|_| (*wrong).to_owned()),
            None => real,
        }
    })?;
    Ok(Some(provider))
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

async fn suite_template(provider: &Arc<dyn WalletProvider>) -> Result<TemplateId, Failure> {
    let mut template = NewTemplate::new("conformance")?;
    for (key, label) in SUITE_FIELDS {
        template = template.with_field(FieldSpec::new(key)?.with_label(label))?;
    }
    Ok(provider.create_template(template).await?.id)
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
