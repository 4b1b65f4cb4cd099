//! The capability scenario: every operation the provider declares unsupported answers
//! `unsupported`, and `batch()` matches the declaration.

use secrecy::SecretString;
use walletpass_core::{
    ErrorKind, ListQuery, NewTemplate, NewWebhookSubscription, PassPatch, WebhookEventKind,
    WebhookId,
};

use super::Scenario;
use super::support::{dummy_ref, ensure, expect_kind};
use crate::context::Role;

fn capability_truth() -> Scenario {
    Scenario {
        name: "capability_truth",
        needs: Vec::new(),
        run: |ctx| {
            Box::pin(async move {
                let caps = ctx.provider.capabilities().clone();
                let p = &ctx.provider;
                let pass = dummy_ref(ctx, ctx.fixture.unknown_id.as_ref());
                let hook = WebhookId::new("wptunknown").map_err(|e| e.to_string())?;
                let template = ctx
                    .fixture
                    .template
                    .clone()
                    .or_else(|| ctx.fixture.address_template.clone())
                    .or_else(|| walletpass_core::TemplateId::new("wptunknown").ok())
                    .ok_or("no template id")?;
                let unsupported = [ErrorKind::Unsupported];
                let patch = PassPatch::builder()
                    .set_value(ctx.key(Role::Points)?, "1")
                    .build()
                    .map_err(|e| e.to_string())?;
                if !caps.create {
                    expect_kind(
                        "create",
                        p.create(ctx.new_pass(ctx.base_content()?)).await,
                        &unsupported,
                    )
                    .await?;
                }
                if !caps.get {
                    expect_kind("get", p.get(&pass).await, &unsupported).await?;
                }
                if !caps.patch {
                    expect_kind("patch", p.patch(&pass, &patch).await, &unsupported).await?;
                }
                if !caps.put {
                    expect_kind("put", p.put(&pass, ctx.base_content()?).await, &unsupported)
                        .await?;
                }
                if !caps.delete {
                    expect_kind("delete", p.delete(&pass).await, &unsupported).await?;
                }
                if !caps.void {
                    expect_kind("void", p.void(&pass).await, &unsupported).await?;
                }
                if !caps.list {
                    expect_kind("list", p.list(&ListQuery::new()).await, &unsupported).await?;
                }
                if !caps.search && caps.list {
                    let mut query = ListQuery::new().search("x");
                    query.template = ctx.fixture.template.clone();
                    expect_kind("list with search", p.list(&query).await, &unsupported).await?;
                }
                if !caps.templates_list {
                    expect_kind(
                        "list_templates",
                        p.list_templates(&ListQuery::new()).await,
                        &unsupported,
                    )
                    .await?;
                }
                if !caps.templates_get {
                    expect_kind(
                        "get_template",
                        p.get_template(&template).await,
                        &unsupported,
                    )
                    .await?;
                }
                if !caps.templates_create {
                    let new = NewTemplate::new("wpt").map_err(|e| e.to_string())?;
                    expect_kind(
                        "create_template",
                        p.create_template(new).await,
                        &unsupported,
                    )
                    .await?;
                }
                if !caps.templates_delete {
                    expect_kind(
                        "delete_template",
                        p.delete_template(&template).await,
                        &unsupported,
                    )
                    .await?;
                }
                if !caps.webhooks_create {
                    let new = NewWebhookSubscription::new(
                        "https://example.com/hooks",
                        vec![WebhookEventKind::PassInstalled],
                    )
                    .map_err(|e| e.to_string())?;
                    expect_kind("create_webhook", p.create_webhook(new).await, &unsupported)
                        .await?;
                }
                if !caps.webhooks_list {
                    expect_kind(
                        "list_webhooks",
                        p.list_webhooks(&ListQuery::new()).await,
                        &unsupported,
                    )
                    .await?;
                }
                if !caps.webhooks_get {
                    expect_kind("get_webhook", p.get_webhook(&hook).await, &unsupported).await?;
                }
                if !caps.webhooks_delete {
                    expect_kind(
                        "delete_webhook",
                        p.delete_webhook(&hook).await,
                        &unsupported,
                    )
                    .await?;
                }
                if !caps.webhooks_deliveries {
                    expect_kind(
                        "webhook_deliveries",
                        p.webhook_deliveries(&hook, &ListQuery::new()).await,
                        &unsupported,
                    )
                    .await?;
                }
                if !caps.webhooks_verify {
                    let verifier = p.webhook_verifier(SecretString::from("x")).map(|_| ());
                    expect_kind("webhook_verifier", verifier, &unsupported).await?;
                }
                ensure(caps.batch == p.batch().is_some(), || {
                    format!(
                        "capabilities say batch={}, but batch() is {}",
                        caps.batch,
                        if p.batch().is_some() {
                            "available"
                        } else {
                            "absent"
                        }
                    )
                })?;
                Ok(Vec::new())
            })
        },
    }
}

/// The capabilities scenarios, in the order the report lists them.
pub(super) fn scenarios() -> Vec<Scenario> {
    vec![capability_truth()]
}
