//! `walletpass demo`: with no account and no setup, start the three vendor simulators
//! in-process, create the same canonical pass on every backend, show the results side by side
//! and check that they agree, patch and void through the one trait, receive one verified inbound
//! webhook per vendor that has them, and end with a summary.
//!
//! "Agree" means the canonical view the conformance suite compares (status; each field's key,
//! label and value; the barcode). Placements are shown but not compared: each vendor lays fields
//! out its own way (Passinstance stores none, ubpass has no primary or auxiliary row).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use provider_tests::Receiver;
use provider_tests::receiver::{Delivery, ServerGuard};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;
use walletpass::{
    ErrorKind, Field, NewPass, NewWebhookSubscription, Pass, PassContent, PassPatch, ProviderKind,
    TemplateId, WalletProvider, WebhookEvent, WebhookEventKind, WebhookVerifier,
};
use walletpass_sim::{RunningSim, SimConfig};

use super::Context;
use crate::cli::OutputFormat;
use crate::failure::{Failure, exit};
use crate::output;

/// How long to wait for each vendor's webhook delivery.
const WEBHOOK_WAIT: Duration = Duration::from_secs(15);

/// One vendor in the demo: its simulator, the provider built on it, and what happened.
struct Backend {
    kind: ProviderKind,
    provider: Arc<dyn WalletProvider>,
    template: Option<TemplateId>,
    sim: RunningSim,
    created: Option<Pass>,
    patched: Option<Pass>,
    void: Value,
    webhook: Value,
    /// The deliveries of its subscription, the sink's server, and its verifier.
    inbox: Option<(
        UnboundedReceiver<Delivery>,
        ServerGuard,
        Box<dyn WebhookVerifier>,
    )>,
}

/// The keys, labels and values of the demo pass.
const FIELDS: [(&str, &str, &str); 3] = [
    ("member", "Member", "Jane Doe"),
    ("points", "Points", "1200"),
    ("tier", "Tier", "Gold"),
];

fn canonical_content() -> Result<PassContent, Failure> {
    let mut builder = PassContent::builder();
    for (key, label, value) in FIELDS {
        builder = builder.field(Field::new(key, value)?.with_label(label));
    }
    Ok(builder.build()?)
}

/// Run `demo`.
pub async fn run(ctx: &Context) -> Result<u8, Failure> {
    let narrate = ctx.format == OutputFormat::Table;
    let say =
        |text: &str| -> Result<(), Failure> { if narrate { output::line(text) } else { Ok(()) } };

    say("walletpass demo: one pass, three vendors, one trait (local simulators, no account)\n")?;
    // PassNinja and Passinstance deliver only to https receivers: the demo's receiver also
    // serves https with a certificate made now, whose CA their simulators trust.
    let tls = walletpass_sim::tls::TestTls::generate().map_err(Failure::Other)?;
    let mut backends = Vec::new();
    for simulator in walletpass_sim::SIMULATORS {
        let kind: ProviderKind = simulator.name.parse()?;
        let simulated = provider_tests::support::connect_to_simulator(
            kind,
            SimConfig::default(),
            Some(tls.ca_pem.clone()),
        )
        .await
        .map_err(Failure::Other)?;
        say(&format!(
            "  started {:<12} {}",
            kind.as_str(),
            simulated.running.base_url()
        ))?;
        backends.push(Backend {
            kind,
            template: simulator.demo_template.map(TemplateId::new).transpose()?,
            provider: simulated.provider,
            sim: simulated.running,
            created: None,
            patched: None,
            void: Value::Null,
            webhook: Value::Null,
            inbox: None,
        });
    }

    // Subscribe before changing anything, so the patch below is delivered: each vendor to its
    // own loopback sink (https where the vendor takes only https receivers).
    for b in &mut backends {
        let caps = b.provider.capabilities();
        if !(caps.webhooks_create && caps.webhooks_verify) {
            b.webhook = json!({ "skipped": format!("{} has no webhooks", b.kind.as_str()) });
            continue;
        }
        let sink = if b.kind.info().conformance.https_receivers_only {
            Receiver::LoopbackTls(tls.identity())
        } else {
            Receiver::Loopback
        };
        let (url, deliveries, guard) = sink
            .start()
            .await
            .map_err(|e| Failure::Other(format!("cannot start the webhook receiver: {e}")))?;
        let sub = NewWebhookSubscription::new(&url, vec![WebhookEventKind::PassUpdated])?;
        let created = b.provider.create_webhook(sub).await?;
        b.inbox = Some((
            deliveries,
            guard,
            b.provider.webhook_verifier(created.secret)?,
        ));
        say(&format!(
            "  subscribed {} to pass_updated at {url}",
            b.kind.as_str()
        ))?;
    }

    say("\n1. create the same canonical pass on every backend")?;
    let content = canonical_content()?;
    for b in &mut backends {
        let mut new = NewPass::new(content.clone());
        if let Some(t) = &b.template {
            new = new.with_template(t.clone());
        }
        let pass = b.provider.create(new).await?;
        say(&format!(
            "  {:<12} created {}",
            b.kind.as_str(),
            pass.pass_ref
        ))?;
        b.created = Some(pass);
    }
    let (created_count, created_agree) = {
        let created: Vec<(&str, &Pass)> = backends
            .iter()
            .filter_map(|b| b.created.as_ref().map(|p| (b.kind.as_str(), p)))
            .collect();
        say(&format!("\n{}", side_by_side(&created)))?;
        (created.len(), agree(&created))
    };
    say(&format!(
        "\n  canonical content agrees on every backend: {}",
        yes_no(created_agree)
    ))?;

    say("\n2. patch tier to Platinum through the trait (every other field stays)")?;
    let patch = PassPatch::builder().set_value("tier", "Platinum").build()?;
    for b in &mut backends {
        let Some(pass) = &b.created else { continue };
        b.provider.patch(&pass.pass_ref, &patch).await?;
        let reread = b.provider.get(&pass.pass_ref).await?;
        say(&format!(
            "  {:<12} tier = {}",
            b.kind.as_str(),
            reread
                .content
                .field("tier")
                .map(|f| output::value_text(&f.value))
                .unwrap_or_else(|| "(missing)".into())
        ))?;
        b.patched = Some(reread);
    }
    let (patched_count, patched_ok) = {
        let patched: Vec<(&str, &Pass)> = backends
            .iter()
            .filter_map(|b| b.patched.as_ref().map(|p| (b.kind.as_str(), p)))
            .collect();
        let ok = agree(&patched)
            && patched.iter().all(|(_, p)| {
                p.content
                    .field("tier")
                    .is_some_and(|f| output::value_text(&f.value) == "Platinum")
            });
        (patched.len(), ok)
    };
    say(&format!("  patched content agrees: {}", yes_no(patched_ok)))?;

    say("\n3. void through the trait")?;
    for b in &mut backends {
        let Some(pass) = &b.created else { continue };
        b.void = match b.provider.void(&pass.pass_ref).await {
            Ok(voided) => {
                say(&format!(
                    "  {:<12} status = {}",
                    b.kind.as_str(),
                    voided.status
                ))?;
                json!({ "status": voided.status })
            }
            Err(e) if e.kind() == ErrorKind::Unsupported => {
                say(&format!(
                    "  {:<12} unsupported: {}",
                    b.kind.as_str(),
                    e.message()
                ))?;
                json!({ "unsupported": e.message() })
            }
            Err(e) => return Err(e.into()),
        };
    }

    say("\n4. inbound webhooks, verified with each backend's verifier")?;
    let mut received: BTreeMap<&str, Result<WebhookEvent, String>> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + WEBHOOK_WAIT;
    for b in &mut backends {
        if let Some((deliveries, _, verifier)) = &mut b.inbox
            && let Ok(Some((headers, body))) =
                tokio::time::timeout_at(deadline, deliveries.recv()).await
        {
            let result = verifier.verify(&headers, &body).map_err(|e| e.to_string());
            received.insert(b.kind.as_str(), result);
        }
    }
    for b in &mut backends {
        if !b.webhook.is_null() {
            say(&format!("  {:<12} skipped: no webhooks", b.kind.as_str()))?;
            continue;
        }
        b.webhook = match received.remove(b.kind.as_str()) {
            Some(Ok(event)) => {
                say(&format!(
                    "  {:<12} {} {} for {} (id {})",
                    b.kind.as_str(),
                    "verified",
                    event.kind,
                    event
                        .pass
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "-".into()),
                    event.id
                ))?;
                json!({ "verified": event })
            }
            Some(Err(reason)) => {
                say(&format!("  {:<12} REJECTED: {reason}", b.kind.as_str()))?;
                json!({ "rejected": reason })
            }
            None => {
                say(&format!(
                    "  {:<12} nothing arrived within {} s",
                    b.kind.as_str(),
                    WEBHOOK_WAIT.as_secs()
                ))?;
                json!({ "missing": true })
            }
        };
    }
    let webhooks_ok = backends
        .iter()
        .all(|b| b.webhook.get("verified").is_some() || b.webhook.get("skipped").is_some());
    let verified = backends
        .iter()
        .filter(|b| b.webhook.get("verified").is_some())
        .count();

    let voided = backends
        .iter()
        .filter(|b| b.void.get("status").is_some())
        .count();
    let ok = created_agree && patched_ok && webhooks_ok;
    let summary = json!({
        "backends": backends.iter().map(|b| json!({
            "provider": b.kind.as_str(),
            "base_url": b.sim.base_url(),
            "created": b.created,
            "patched": b.patched,
            "void": b.void,
            "webhook": b.webhook,
        })).collect::<Vec<_>>(),
        "created_agree": created_agree,
        "patched_agree": patched_ok,
        "voided": voided,
        "webhooks_verified": verified,
        "ok": ok,
    });
    match ctx.format {
        OutputFormat::Json => output::line(&output::json(&summary)?)?,
        OutputFormat::Table => {
            output::line(&format!(
                "\nsummary: {} simulators started; {} passes created and their canonical content {}; \
                 {} patched ({}); {} voided ({} unsupported); {} webhooks received and verified ({} vendor without webhooks)",
                backends.len(),
                created_count,
                if created_agree { "agrees" } else { "DISAGREES" },
                patched_count,
                if patched_ok { "agree" } else { "DISAGREE" },
                voided,
                backends.len() - voided,
                verified,
                backends
                    .iter()
                    .filter(|b| b.webhook.get("skipped").is_some())
                    .count(),
            ))?;
            output::line(if ok {
                "demo: ok"
            } else {
                "demo: FAILED (see above)"
            })?;
        }
    }
    for b in backends {
        b.sim.shutdown().await;
    }
    Ok(if ok { exit::OK } else { exit::OTHER })
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}

/// Whether every pass has the same canonical view.
fn agree(passes: &[(&str, &Pass)]) -> bool {
    let views: Vec<Value> = passes
        .iter()
        .map(|(_, p)| provider_tests::canonical_view(p))
        .collect();
    views.windows(2).all(|w| w[0] == w[1])
}

/// The passes in columns, one per backend.
fn side_by_side(passes: &[(&str, &Pass)]) -> String {
    let mut headers = vec![""];
    headers.extend(passes.iter().map(|(name, _)| *name));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |label: String, cell: &dyn Fn(&Pass) -> String| {
        let mut r = vec![label];
        r.extend(passes.iter().map(|(_, p)| cell(p)));
        rows.push(r);
    };
    row("ref".into(), &|p| p.pass_ref.to_string());
    row("status".into(), &|p| p.status.to_string());
    for (key, _, _) in FIELDS {
        row(format!("{key} (label)"), &|p| {
            p.content
                .field(key)
                .and_then(|f| f.label.clone())
                .unwrap_or_else(|| "-".into())
        });
        row(format!("{key} (value)"), &|p| {
            p.content
                .field(key)
                .map(|f| output::value_text(&f.value))
                .unwrap_or_else(|| "-".into())
        });
        row(format!("{key} (placement, not compared)"), &|p| {
            p.content
                .field(key)
                .and_then(|f| f.placement)
                .map(|pl| pl.to_string())
                .unwrap_or_else(|| "-".into())
        });
    }
    output::table(&headers, &rows)
}
