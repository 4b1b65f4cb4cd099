//! Webhook scenarios: the subscription lifecycle, verification of signed payloads, and a real
//! delivery to a receiver verified with the subscription's secret.

use secrecy::SecretString;
use walletpass_core::{
    Capabilities, CreatedWebhookSubscription, ErrorKind, ListQuery, NewWebhookSubscription,
    PassPatch, WebhookEventKind,
};

use super::support::ensure;
use super::{RECEIVER, Scenario, TEMPLATE, WEBHOOK_SAMPLE, has_template};
use crate::context::{Ctx, Fixture, Role};

/// Create a subscription and track it for the run's cleanup.
async fn create_tracked(
    ctx: &Ctx,
    new: NewWebhookSubscription,
) -> Result<CreatedWebhookSubscription, String> {
    let created = ctx
        .provider
        .create_webhook(new)
        .await
        .map_err(|e| format!("create_webhook failed: {e}"))?;
    ctx.track_webhook(created.subscription.id.clone());
    Ok(created)
}

fn webhook_subscription_lifecycle() -> Scenario {
    Scenario {
        name: "webhook_subscription_lifecycle",
        needs: needs![
            "webhooks_create" => |c, _| c.webhooks_create,
            "webhooks_get" => |c, _| c.webhooks_get,
            "webhooks_list" => |c, _| c.webhooks_list,
            "webhooks_delete" => |c, _| c.webhooks_delete,
        ],
        run: |ctx| {
            Box::pin(async move {
                use secrecy::ExposeSecret;
                let url = format!("https://example.com/hooks/{}", ctx.unique("hook"));
                let mut new =
                    NewWebhookSubscription::new(&url, vec![WebhookEventKind::PassInstalled])
                        .map_err(|e| e.to_string())?;
                new.template = ctx.fixture.template.clone();
                let created = create_tracked(ctx, new).await?;
                ensure(!created.secret.expose_secret().is_empty(), || {
                    "create_webhook returned an empty secret".into()
                })?;
                let id = created.subscription.id.clone();
                let read = ctx
                    .provider
                    .get_webhook(&id)
                    .await
                    .map_err(|e| format!("get_webhook failed: {e}"))?;
                ensure(read.url == url, || {
                    format!("get_webhook answered url '{}', not '{url}'", read.url)
                })?;
                let shown = serde_json::to_string(&read).map_err(|e| e.to_string())?;
                ensure(!shown.contains(created.secret.expose_secret()), || {
                    "the secret came back after create".into()
                })?;
                let mut query = ListQuery::new();
                query.template = ctx.fixture.template.clone();
                let listed = ctx
                    .provider
                    .list_webhooks(&query)
                    .await
                    .map_err(|e| format!("list_webhooks failed: {e}"))?;
                ensure(listed.items.iter().any(|s| s.id == id), || {
                    "the new subscription is not listed".into()
                })?;
                ctx.provider
                    .delete_webhook(&id)
                    .await
                    .map_err(|e| format!("delete_webhook failed: {e}"))?;
                match ctx.provider.get_webhook(&id).await {
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
                    Err(e) => Err(format!(
                        "get_webhook after delete: expected not_found, got {e}"
                    )),
                    Ok(_) => Err("a deleted subscription still answers".into()),
                }
            })
        },
    }
}

fn webhook_verification() -> Scenario {
    Scenario {
        name: "webhook_verification",
        needs: needs![
            "webhooks_verify" => |c, _| c.webhooks_verify,
            WEBHOOK_SAMPLE => |_, f| f.webhook_sample.is_some(),
        ],
        run: |ctx| {
            Box::pin(async move {
                let body = ctx.fixture.webhook_sample.clone().unwrap_or_default();
                let secret = SecretString::from(format!("{}-secret", ctx.prefix));
                let verifier = ctx
                    .provider
                    .webhook_verifier(secret)
                    .map_err(|e| format!("webhook_verifier failed: {e}"))?;
                let headers = verifier
                    .sign(&body)
                    .map_err(|e| format!("sign failed: {e}"))?;
                let event = verifier.verify(&headers, &body).map_err(|e| {
                    format!("a payload signed by the backend's own helper was refused: {e}")
                })?;
                ensure(!event.id.is_empty(), || {
                    "the verified event has no id".into()
                })?;
                let other = ctx
                    .provider
                    .webhook_verifier(SecretString::from("not-the-secret"))
                    .map_err(|e| e.to_string())?;
                match other.verify(&headers, &body) {
                    Err(e) if e.kind() == ErrorKind::Unauthorized => {}
                    Err(e) => return Err(format!("a wrong secret gave {e}, not unauthorized")),
                    Ok(_) => return Err("a delivery verified with the wrong secret".into()),
                }
                match verifier.verify(&http::HeaderMap::new(), &body) {
                    Err(e) if e.kind() == ErrorKind::Unauthorized => {}
                    Err(e) => return Err(format!("missing headers gave {e}, not unauthorized")),
                    Ok(_) => return Err("a delivery with no signature verified".into()),
                }
                Ok(Vec::new())
            })
        },
    }
}

fn webhook_delivery_verifies() -> Scenario {
    Scenario {
        name: "webhook_delivery_verifies",
        needs: needs![
            TEMPLATE => has_template,
            "create" => |c, _| c.create,
            "patch" => |c, _| c.patch,
            "webhooks_create" => |c, _| c.webhooks_create,
            "webhooks_verify" => |c, _| c.webhooks_verify,
            RECEIVER => |_, f| f.receiver.is_available(),
            "webhooks_delete (to remove the subscription it creates)" => |c, f| c.webhooks_delete || f.allow_undeletable,
        ],
        run: |ctx| {
            Box::pin(async move {
                let (url, mut deliveries, _server) = ctx.fixture.receiver.start().await?;
                // Not scoped to a template: not every vendor can scope a subscription.
                let new = NewWebhookSubscription::new(&url, vec![WebhookEventKind::PassUpdated])
                    .map_err(|e| e.to_string())?;
                let created = create_tracked(ctx, new).await?;
                let outcome = async {
                    let pass = ctx.create(ctx.base_content()?).await?;
                    let patch = PassPatch::builder()
                        .set_value(ctx.key(Role::Points)?, "1300")
                        .build()
                        .map_err(|e| e.to_string())?;
                    ctx.provider
                        .patch(&pass.pass_ref, &patch)
                        .await
                        .map_err(|e| format!("patch failed: {e}"))?;
                    let verifier = ctx
                        .provider
                        .webhook_verifier(created.secret.clone())
                        .map_err(|e| format!("webhook_verifier failed: {e}"))?;
                    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
                    loop {
                        let next = tokio::time::timeout_at(deadline, deliveries.recv()).await;
                        let Ok(Some((headers, body))) = next else {
                            return Err("no pass_updated delivery arrived within 10 s".to_owned());
                        };
                        let event = verifier.verify(&headers, &body).map_err(|e| {
                            format!("a delivery from the vendor failed verification with the subscription's secret: {e}")
                        })?;
                        if event.kind == WebhookEventKind::PassUpdated {
                            return Ok(Vec::new());
                        }
                    }
                }
                .await;
                // Deleted here so that no delivery outlives the scenario; what fails is left to the
                // cleanup, which reports it.
                let _ = ctx.provider.delete_webhook(&created.subscription.id).await;
                outcome
            })
        },
    }
}

/// The webhooks scenarios, in the order the report lists them.
pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        webhook_subscription_lifecycle(),
        webhook_verification(),
        webhook_delivery_verifies(),
    ]
}
