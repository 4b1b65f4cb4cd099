//! The scenarios. Each declares what it needs (capabilities, fixture parts) and runs over
//! `&dyn WalletProvider` through [`Ctx`]; it fails with a reason naming what broke.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use futures::future::BoxFuture;
use secrecy::SecretString;
use serde::Serialize;
use serde_json::{Value, json};
use walletpass_core::{
    Barcode, BarcodeFormat, Capabilities, ErrorKind, Field, Link, ListQuery, NewTemplate,
    NewWebhookSubscription, Pass, PassContent, PassId, PassPatch, PassRef, PassStatus, Placement,
    Result as WpResult, WalletProviderExt, WebhookEventKind, WebhookId,
};

use crate::context::{Ctx, Fixture, Role};
use crate::view::{canonical_view, content_view, placements_view};

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

fn ensure(condition: bool, reason: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(reason()) }
}

fn observe(name: &str, value: Value) -> Observation {
    Observation {
        name: name.to_owned(),
        value,
    }
}

fn text(key: &str, label: &str, value: &str) -> Result<Field, String> {
    Ok(Field {
        key: walletpass_core::FieldKey::new(key).map_err(|e| e.to_string())?,
        label: Some(label.to_owned()),
        value: value.into(),
        placement: None,
        change_message: None,
    })
}

fn qr(message: &str) -> Barcode {
    Barcode {
        format: BarcodeFormat::Qr,
        message: message.to_owned(),
        alt_text: None,
    }
}

fn err_text(e: &walletpass_core::Error) -> String {
    e.to_string()
}

async fn get(ctx: &Ctx, pass: &PassRef) -> Result<Pass, String> {
    ctx.provider
        .get(pass)
        .await
        .map_err(|e| format!("get {pass} failed: {}", err_text(&e)))
}

fn create_then_get(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let written = ctx.base_content()?;
        let created = ctx.create(written.clone()).await?;
        let want = content_view(&written, &PassStatus::Active);
        ensure(canonical_view(&created) == want, || {
            format!(
                "create answered other content than was written: wrote {want}, answered {}",
                canonical_view(&created)
            )
        })?;
        let read = get(ctx, &created.pass_ref).await?;
        ensure(canonical_view(&read) == want, || {
            format!(
                "get returned other content than was written: wrote {want}, read {}",
                canonical_view(&read)
            )
        })?;
        Ok(vec![observe("create_then_get", canonical_view(&read))])
    })
}

fn patch_changes_only_given_fields(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let written = ctx.base_content()?;
        let created = ctx.create(written.clone()).await?;
        let points = ctx.key(Role::Points)?;
        let patch = PassPatch::builder()
            .set_value(points, "1500")
            .build()
            .map_err(|e| e.to_string())?;
        ctx.provider
            .patch(&created.pass_ref, &patch)
            .await
            .map_err(|e| format!("patch failed: {e}"))?;
        let read = get(ctx, &created.pass_ref).await?;
        let expected = written.apply_patch(&patch).map_err(|e| e.to_string())?;
        let want = content_view(&expected, &PassStatus::Active);
        ensure(canonical_view(&read) == want, || {
            format!(
                "after patching only '{points}', expected {want}, read {}",
                canonical_view(&read)
            )
        })?;
        Ok(vec![observe(
            "patch_changes_only_given_fields",
            canonical_view(&read),
        )])
    })
}

fn put_replaces(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let created = ctx.create(ctx.base_content()?).await?;
        let replacement = ctx.fixture.fields.content(["Jane Q. Doe", "0", "Silver"])?;
        ctx.provider
            .put(&created.pass_ref, replacement.clone())
            .await
            .map_err(|e| format!("put failed: {e}"))?;
        let read = get(ctx, &created.pass_ref).await?;
        let want = content_view(&replacement, &PassStatus::Active);
        ensure(canonical_view(&read) == want, || {
            format!("after put, expected {want}, read {}", canonical_view(&read))
        })?;
        Ok(vec![observe("put_replaces", canonical_view(&read))])
    })
}

fn delete_then_get_is_not_found(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let created = ctx.create(ctx.base_content()?).await?;
        ctx.provider
            .delete(&created.pass_ref)
            .await
            .map_err(|e| format!("delete failed: {e}"))?;
        match ctx.provider.get(&created.pass_ref).await {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(format!("get after delete: expected not_found, got {e}")),
            Ok(p) => {
                return Err(format!(
                    "get after delete still answers the pass (status {})",
                    p.status
                ));
            }
        }
        match ctx.provider.delete(&created.pass_ref).await {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(format!("second delete: expected not_found, got {e}")),
            Ok(()) => Err("a second delete of the same pass succeeded".into()),
        }
    })
}

fn void_keeps_the_pass(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let created = ctx.create(ctx.base_content()?).await?;
        let voided = ctx
            .provider
            .void(&created.pass_ref)
            .await
            .map_err(|e| format!("void failed: {e}"))?;
        ensure(voided.status == PassStatus::Voided, || {
            format!("void answered status {}", voided.status)
        })?;
        let read = get(ctx, &created.pass_ref).await?;
        let want = content_view(&ctx.base_content()?, &PassStatus::Voided);
        ensure(canonical_view(&read) == want, || {
            format!(
                "after void, expected {want}, read {}",
                canonical_view(&read)
            )
        })?;
        Ok(vec![observe("void_keeps_the_pass", canonical_view(&read))])
    })
}

async fn walk(ctx: &Ctx, page_size: Option<u32>) -> Result<Vec<PassId>, String> {
    let mut query = ListQuery::new();
    query.template = ctx.fixture.template.clone();
    query.page_size = page_size;
    let passes: Vec<Pass> = ctx
        .provider
        .list_all(query)
        .try_collect()
        .await
        .map_err(|e| format!("list failed: {e}"))?;
    Ok(passes.into_iter().map(|p| p.pass_ref.id).collect())
}

fn list_walks_every_page_once(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let mut ours = Vec::new();
        for _ in 0..5 {
            ours.push(ctx.create(ctx.base_content()?).await?.pass_ref.id);
        }
        let mut walks: Vec<(Option<u32>, Vec<PassId>)> = Vec::new();
        for page_size in [Some(2), Some(3), Some(20), None] {
            let seen = walk(ctx, page_size).await?;
            let mut counts: BTreeMap<&PassId, usize> = BTreeMap::new();
            for id in &seen {
                *counts.entry(id).or_default() += 1;
            }
            if let Some((id, n)) = counts.iter().find(|(_, n)| **n > 1) {
                return Err(format!(
                    "page size {page_size:?}: pass {id} was listed {n} times"
                ));
            }
            if let Some(missing) = ours.iter().find(|id| !counts.contains_key(id)) {
                return Err(format!(
                    "page size {page_size:?}: pass {missing} was never listed ({} listed)",
                    seen.len()
                ));
            }
            walks.push((page_size, seen));
        }
        // Nothing changes between the walks, so every page size must see the same passes.
        let (first_size, first) = &walks[0];
        let first: std::collections::BTreeSet<&PassId> = first.iter().collect();
        for (size, seen) in &walks[1..] {
            let set: std::collections::BTreeSet<&PassId> = seen.iter().collect();
            if let Some(id) = set.symmetric_difference(&first).next() {
                return Err(format!(
                    "walks with page sizes {first_size:?} and {size:?} disagree: pass {id} is in one only"
                ));
            }
        }
        Ok(Vec::new())
    })
}

/// The richest content `caps` says a pass holds, from the parts every such vendor stores the
/// same way: the base fields, a QR barcode with alt text, colors, texts and dates.
fn rich_content(ctx: &Ctx) -> Result<PassContent, String> {
    let caps = ctx.provider.capabilities();
    let mut content = ctx.base_content()?;
    if caps.barcode_formats.contains(&BarcodeFormat::Qr) {
        let mut barcode = qr("WPT-RICH-1");
        if caps.barcode_alt_text {
            barcode.alt_text = Some("WPT rich".into());
        }
        content.barcode = Some(barcode);
    }
    if caps.colors {
        content.appearance.background_color = Some(walletpass_core::Color::rgb(17, 34, 51));
        content.appearance.foreground_color = Some(walletpass_core::Color::rgb(250, 250, 250));
    }
    if caps.label_color {
        content.appearance.label_color = Some(walletpass_core::Color::rgb(160, 160, 160));
    }
    if caps.appearance_texts {
        content.appearance.organization_name = Some("walletpass conformance".into());
        content.appearance.description = Some("A pass with every part".into());
    }
    // Whole seconds, in the future (2100-01-01 and 2099-06-01).
    let date =
        |unix: i64| time::OffsetDateTime::from_unix_timestamp(unix).map_err(|e| e.to_string());
    if caps.expiration_date {
        content.expiration_date = Some(date(4_102_444_800)?);
    }
    if caps.relevant_date {
        content.relevant_date = Some(date(4_084_387_200)?);
    }
    Ok(content)
}

/// A provider that declares `list_full_content` lists each pass as `get` answers it (ref,
/// status and content), so a migration may take passes from the listing instead of reading
/// every one.
fn list_carries_full_content(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let content = rich_content(ctx)?;
        let created = ctx.create(content).await?;
        let read = get(ctx, &created.pass_ref).await?;
        let mut query = ListQuery::new();
        query.template = ctx.fixture.template.clone();
        let listed: Vec<Pass> = ctx
            .provider
            .list_all(query)
            .try_filter(|p| futures::future::ready(p.pass_ref.id == created.pass_ref.id))
            .try_collect()
            .await
            .map_err(|e| format!("list failed: {e}"))?;
        let [listed] = listed.as_slice() else {
            return Err(format!(
                "pass {} was listed {} times, expected once",
                created.pass_ref,
                listed.len()
            ));
        };
        let view = |p: &Pass| {
            serde_json::to_value((&p.pass_ref, &p.status, &p.content)).map_err(|e| e.to_string())
        };
        let (from_list, from_get) = (view(listed)?, view(&read)?);
        ensure(from_list == from_get, || {
            format!(
                "list_full_content is declared, but the listed pass {} differs from get: listed [ref, status, content] {from_list}, get {from_get}",
                created.pass_ref
            )
        })?;
        Ok(Vec::new())
    })
}

fn search_finds_by_serial(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let target = ctx.create(ctx.base_content()?).await?;
        let other = ctx.create(ctx.base_content()?).await?;
        let needle = target.serial_number.clone();
        let mut query = ListQuery::new().search(needle.to_uppercase());
        query.template = ctx.fixture.template.clone();
        let found: Vec<Pass> = ctx
            .provider
            .list_all(query)
            .try_collect()
            .await
            .map_err(|e| format!("search failed: {e}"))?;
        ensure(
            found.iter().any(|p| p.pass_ref.id == target.pass_ref.id),
            || format!("searching for serial '{needle}' (any case) did not find its pass"),
        )?;
        ensure(
            !found.iter().any(|p| p.pass_ref.id == other.pass_ref.id),
            || format!("searching for serial '{needle}' also returned another pass"),
        )?;
        Ok(Vec::new())
    })
}

fn templates_lifecycle(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let name = ctx.unique("template");
        let mut new = NewTemplate::new(name.clone()).map_err(|e| e.to_string())?;
        new.platform = Some(walletpass_core::Platform::Apple);
        new.style = Some("storeCard".into());
        let created = ctx
            .provider
            .create_template(new)
            .await
            .map_err(|e| format!("create_template failed: {e}"))?;
        ctx.track_template(created.id.clone());
        ensure(created.name == name, || {
            format!("created template is named '{}', not '{name}'", created.name)
        })?;
        let read = ctx
            .provider
            .get_template(&created.id)
            .await
            .map_err(|e| format!("get_template failed: {e}"))?;
        ensure(read.id == created.id && read.name == name, || {
            "get_template returned another template".into()
        })?;
        let all: Vec<_> = ctx
            .provider
            .list_all_templates()
            .try_collect()
            .await
            .map_err(|e| format!("list_templates failed: {e}"))?;
        ensure(all.iter().any(|t| t.id == created.id), || {
            "the new template is not listed".into()
        })?;
        ctx.provider
            .delete_template(&created.id)
            .await
            .map_err(|e| format!("delete_template failed: {e}"))?;
        match ctx.provider.get_template(&created.id).await {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(format!(
                "get_template after delete: expected not_found, got {e}"
            )),
            Ok(_) => Err("a deleted template still answers".into()),
        }
    })
}

fn webhook_subscription_lifecycle(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        use secrecy::ExposeSecret;
        let url = format!("https://example.com/hooks/{}", ctx.unique("hook"));
        let mut new = NewWebhookSubscription::new(&url, vec![WebhookEventKind::PassInstalled])
            .map_err(|e| e.to_string())?;
        new.template = ctx.fixture.template.clone();
        let created = ctx
            .provider
            .create_webhook(new)
            .await
            .map_err(|e| format!("create_webhook failed: {e}"))?;
        ctx.track_webhook(created.subscription.id.clone());
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
}

fn webhook_verification(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
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
}

fn webhook_delivery_verifies(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let (url, mut deliveries, _server) = ctx.fixture.receiver.start().await?;
        // Not scoped to a template: not every vendor can scope a subscription.
        let new = NewWebhookSubscription::new(&url, vec![WebhookEventKind::PassUpdated])
            .map_err(|e| e.to_string())?;
        let created = ctx
            .provider
            .create_webhook(new)
            .await
            .map_err(|e| format!("create_webhook failed: {e}"))?;
        ctx.track_webhook(created.subscription.id.clone());
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
}

async fn expect_kind(
    what: &str,
    result: WpResult<impl std::fmt::Debug>,
    kinds: &[ErrorKind],
) -> Result<(), String> {
    match result {
        Err(e) if kinds.contains(&e.kind()) => Ok(()),
        Err(e) => Err(format!("{what}: expected {kinds:?}, got {e}")),
        Ok(v) => Err(format!("{what}: expected {kinds:?}, got success: {v:?}")),
    }
}

fn dummy_ref(ctx: &Ctx, id: Option<&PassId>) -> PassRef {
    let id = id
        .cloned()
        .or_else(|| PassId::new("wptunknown").ok())
        .unwrap_or_else(|| unreachable!("static id is valid"));
    PassRef {
        template: ctx
            .fixture
            .template
            .clone()
            .or_else(|| ctx.fixture.address_template.clone()),
        id,
    }
}

fn error_malformed_id(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let pass = dummy_ref(ctx, ctx.fixture.malformed_id.as_ref());
        expect_kind(
            &format!("get of malformed id '{}'", pass.id),
            ctx.provider.get(&pass).await,
            &[ErrorKind::InvalidInput],
        )
        .await?;
        Ok(Vec::new())
    })
}

fn error_unknown_id(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let pass = dummy_ref(ctx, ctx.fixture.unknown_id.as_ref());
        expect_kind(
            &format!("get of unknown id '{}'", pass.id),
            ctx.provider.get(&pass).await,
            &[ErrorKind::NotFound],
        )
        .await?;
        Ok(Vec::new())
    })
}

fn error_unknown_field_key(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let mut content = ctx.base_content()?;
        content
            .fields
            .upsert(text("no_such_field", "Nope", "x")?)
            .map_err(|e| e.to_string())?;
        let result = ctx.provider.create(ctx.new_pass(content)).await;
        if let Ok(p) = &result {
            ctx.track(p.pass_ref.clone());
        }
        expect_kind(
            "create with an unknown field key",
            result,
            &[ErrorKind::InvalidInput],
        )
        .await?;
        Ok(Vec::new())
    })
}

fn error_bad_credentials(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let Some(bad) = &ctx.fixture.bad_credentials else {
            return Err("no bad-credentials provider in the fixture".into());
        };
        let pass = dummy_ref(ctx, ctx.fixture.unknown_id.as_ref());
        expect_kind(
            "get with bad credentials",
            bad.get(&pass).await,
            &[ErrorKind::Unauthorized, ErrorKind::Forbidden],
        )
        .await?;
        Ok(Vec::new())
    })
}

fn capability_truth(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
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
            expect_kind("put", p.put(&pass, ctx.base_content()?).await, &unsupported).await?;
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
            expect_kind("create_webhook", p.create_webhook(new).await, &unsupported).await?;
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
}

/// Create content only some vendors hold, read it back, and observe it. Placements are part of
/// the observation only where the scenario is about them: a vendor may give unplaced fields a
/// default placement (ubpass shows them as secondary).
async fn round_trip(
    ctx: &Ctx,
    name: &str,
    content: PassContent,
    with_placements: bool,
) -> Result<Vec<Observation>, String> {
    let created = ctx.create(content.clone()).await?;
    let read = get(ctx, &created.pass_ref).await?;
    let want = content_view(&content, &PassStatus::Active);
    ensure(canonical_view(&read) == want, || {
        format!("{name}: wrote {want}, read {}", canonical_view(&read))
    })?;
    let mut view = json!({
        "pass": canonical_view(&read),
        "appearance": read.content.appearance,
    });
    if with_placements {
        view["placements"] = placements_view(&read);
        let wanted: Vec<_> = content
            .fields
            .iter()
            .map(|f| (f.key.clone(), f.placement))
            .collect();
        let got: Vec<_> = wanted
            .iter()
            .map(|(k, _)| {
                (
                    k.clone(),
                    read.content.field(k.as_str()).and_then(|f| f.placement),
                )
            })
            .collect();
        ensure(wanted == got, || {
            format!("{name}: placements written {wanted:?}, read {got:?}")
        })?;
    }
    Ok(vec![observe(name, view)])
}

fn link_field(ctx: &Ctx) -> Result<Field, String> {
    let url = url::Url::parse("https://example.com/terms").map_err(|e| e.to_string())?;
    let tier = ctx.fixture.fields.field(Role::Tier, "")?;
    Ok(Field {
        key: tier.key,
        label: tier.label,
        value: vec![Link {
            label: Some("Terms".into()),
            url,
        }]
        .into(),
        placement: Some(Placement::Back),
        change_message: None,
    })
}

/// Give the fields of `roles` a placement.
fn place(
    ctx: &Ctx,
    content: &mut PassContent,
    roles: &[Role],
    placement: Placement,
) -> Result<(), String> {
    for role in roles {
        let mut field = content
            .field(ctx.key(*role)?)
            .cloned()
            .ok_or("missing base field")?;
        field.placement = Some(placement);
        content.fields.upsert(field).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn content_link_values(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let mut content = ctx.base_content()?;
        place(
            ctx,
            &mut content,
            &[Role::Member, Role::Points],
            Placement::Secondary,
        )?;
        content
            .fields
            .upsert(link_field(ctx)?)
            .map_err(|e| e.to_string())?;
        round_trip(ctx, "content_link_values", content, true).await
    })
}

fn content_label_color(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let mut content = ctx.base_content()?;
        content.appearance.label_color = Some(walletpass_core::Color::rgb(156, 163, 175));
        content.appearance.background_color = Some(walletpass_core::Color::rgb(31, 41, 55));
        content.appearance.foreground_color = Some(walletpass_core::Color::rgb(255, 255, 255));
        round_trip(ctx, "content_label_color", content, false).await
    })
}

fn two_headers(ctx: &Ctx) -> Result<PassContent, String> {
    let mut content = ctx.base_content()?;
    place(
        ctx,
        &mut content,
        &[Role::Member, Role::Points],
        Placement::Header,
    )?;
    place(ctx, &mut content, &[Role::Tier], Placement::Secondary)?;
    Ok(content)
}

fn content_two_header_fields(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(
        async move { round_trip(ctx, "content_two_header_fields", two_headers(ctx)?, true).await },
    )
}

fn content_qr_barcode(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let mut content = ctx.base_content()?;
        content.barcode = Some(qr("MEMBER-0001"));
        round_trip(ctx, "content_qr_barcode", content, false).await
    })
}

fn content_pdf417(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let mut content = ctx.base_content()?;
        content.barcode = Some(Barcode {
            format: BarcodeFormat::Pdf417,
            message: "MEMBER-0001".into(),
            alt_text: None,
        });
        round_trip(ctx, "content_pdf417", content, false).await
    })
}

/// Content the provider declares it cannot hold must be refused, never stored or dropped.
fn unsupported_content_is_refused(ctx: &Ctx) -> BoxFuture<'_, Result<Vec<Observation>, String>> {
    Box::pin(async move {
        let caps = ctx.provider.capabilities().clone();
        let mut cases: Vec<(&str, PassContent)> = Vec::new();
        if !caps.link_values && ctx.fixture.fields.key(Role::Tier).is_some() {
            let mut c = ctx.base_content()?;
            c.fields
                .upsert(link_field(ctx)?)
                .map_err(|e| e.to_string())?;
            cases.push(("a link value", c));
        }
        if !caps.label_color {
            let mut c = ctx.base_content()?;
            c.appearance.label_color = Some(walletpass_core::Color::rgb(1, 2, 3));
            cases.push(("a label color", c));
        }
        if !caps.barcode_formats.contains(&BarcodeFormat::Pdf417) {
            let mut c = ctx.base_content()?;
            c.barcode = Some(Barcode {
                format: BarcodeFormat::Pdf417,
                message: "X".into(),
                alt_text: None,
            });
            cases.push(("a PDF417 barcode", c));
        }
        if caps.max_fields(Placement::Header).is_some_and(|n| n < 2)
            && ctx.fixture.fields.key(Role::Tier).is_some()
        {
            cases.push(("a second header field", two_headers(ctx)?));
        }
        for (what, content) in cases {
            let result = ctx.provider.create(ctx.new_pass(content)).await;
            if let Ok(p) = &result {
                ctx.track(p.pass_ref.clone());
            }
            expect_kind(
                &format!("create with {what}"),
                result,
                &[ErrorKind::InvalidInput, ErrorKind::Unsupported],
            )
            .await?;
        }
        Ok(Vec::new())
    })
}

macro_rules! needs {
    ($($name:expr => $check:expr),* $(,)?) => {
        vec![$(($name, $check as fn(&Capabilities, &Fixture) -> bool)),*]
    };
}

/// Every scenario, in the order the report lists them.
pub fn all_scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "create_then_get",
            needs: needs![
                TEMPLATE => has_template,"create" => |c, _| c.create, "get" => |c, _| c.get],
            run: create_then_get,
        },
        Scenario {
            name: "patch_changes_only_given_fields",
            needs: needs![
                TEMPLATE => has_template,"create" => |c, _| c.create, "patch" => |c, _| c.patch],
            run: patch_changes_only_given_fields,
        },
        Scenario {
            name: "put_replaces",
            needs: needs![
                TEMPLATE => has_template,"create" => |c, _| c.create, "put" => |c, _| c.put],
            run: put_replaces,
        },
        Scenario {
            name: "delete_then_get_is_not_found",
            needs: needs![
                TEMPLATE => has_template,"create" => |c, _| c.create, "delete" => |c, _| c.delete],
            run: delete_then_get_is_not_found,
        },
        Scenario {
            name: "void_keeps_the_pass",
            needs: needs![
                TEMPLATE => has_template,"create" => |c, _| c.create, "void" => |c, _| c.void],
            run: void_keeps_the_pass,
        },
        Scenario {
            name: "list_walks_every_page_once",
            needs: needs![
                TEMPLATE => has_template,"create" => |c, _| c.create, "list" => |c, _| c.list],
            run: list_walks_every_page_once,
        },
        Scenario {
            name: "list_carries_full_content",
            needs: needs![
                TEMPLATE => has_template,
                "create" => |c, _| c.create,
                "get" => |c, _| c.get,
                "list" => |c, _| c.list,
                "list_full_content" => |c, _| c.list_full_content,
            ],
            run: list_carries_full_content,
        },
        Scenario {
            name: "search_finds_by_serial",
            needs: needs![
                TEMPLATE => has_template,"list" => |c, _| c.list, "search" => |c, _| c.search],
            run: search_finds_by_serial,
        },
        Scenario {
            name: "templates_lifecycle",
            needs: needs![
                "templates_create" => |c, _| c.templates_create,
                "templates_get" => |c, _| c.templates_get,
                "templates_list" => |c, _| c.templates_list,
                "templates_delete" => |c, _| c.templates_delete,
            ],
            run: templates_lifecycle,
        },
        Scenario {
            name: "webhook_subscription_lifecycle",
            needs: needs![
                "webhooks_create" => |c, _| c.webhooks_create,
                "webhooks_get" => |c, _| c.webhooks_get,
                "webhooks_list" => |c, _| c.webhooks_list,
                "webhooks_delete" => |c, _| c.webhooks_delete,
            ],
            run: webhook_subscription_lifecycle,
        },
        Scenario {
            name: "webhook_verification",
            needs: needs![
                "webhooks_verify" => |c, _| c.webhooks_verify,
                WEBHOOK_SAMPLE => |_, f| f.webhook_sample.is_some(),
            ],
            run: webhook_verification,
        },
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
            run: webhook_delivery_verifies,
        },
        Scenario {
            name: "error_malformed_id",
            needs: needs![
                ADDRESS => can_address,
                "get" => |c, _| c.get,
                MALFORMED_ID => |_, f| f.malformed_id.is_some(),
            ],
            run: error_malformed_id,
        },
        Scenario {
            name: "error_unknown_id",
            needs: needs![
                ADDRESS => can_address,"get" => |c, _| c.get],
            run: error_unknown_id,
        },
        Scenario {
            name: "error_unknown_field_key",
            needs: needs![
                "create" => |c, _| c.create,
                "fixed_field_keys" => |c, _| c.fixed_field_keys,
                TEMPLATE => |_, f| f.template.is_some(),
            ],
            run: error_unknown_field_key,
        },
        Scenario {
            name: "error_bad_credentials",
            needs: needs![
                ADDRESS => can_address,
                "get" => |c, _| c.get,
                BAD_CREDENTIALS => |_, f| f.bad_credentials.is_some(),
            ],
            run: error_bad_credentials,
        },
        Scenario {
            name: "capability_truth",
            needs: Vec::new(),
            run: capability_truth,
        },
        Scenario {
            name: "unsupported_content_is_refused",
            needs: needs![
                TEMPLATE => has_template,"create" => |c, _| c.create],
            run: unsupported_content_is_refused,
        },
        Scenario {
            name: "content_link_values",
            needs: needs![
                "three text keys in the template" => |_, f| f.fields.roles.len() >= 3,
                TEMPLATE => has_template,
                "create" => |c, _| c.create,
                "link_values" => |c, _| c.link_values,
                "placements" => |c, _| c.placements,
            ],
            run: content_link_values,
        },
        Scenario {
            name: "content_label_color",
            needs: needs![
                TEMPLATE => has_template,
                "create" => |c, _| c.create,
                "label_color" => |c, _| c.label_color,
                "colors" => |c, _| c.colors,
            ],
            run: content_label_color,
        },
        Scenario {
            name: "content_two_header_fields",
            needs: needs![
                "three text keys in the template" => |_, f| f.fields.roles.len() >= 3,
                TEMPLATE => has_template,
                "create" => |c, _| c.create,
                "placements" => |c, _| c.placements,
                "placements per pass" => |c, _| !c.fixed_layout,
                "two header fields" => |c, _| c.max_fields(Placement::Header).is_none_or(|n| n >= 2),
            ],
            run: content_two_header_fields,
        },
        Scenario {
            name: "content_qr_barcode",
            needs: needs![
                TEMPLATE => has_template,
                "create" => |c, _| c.create,
                "barcode qr" => |c, _| c.barcode_formats.contains(&BarcodeFormat::Qr),
            ],
            run: content_qr_barcode,
        },
        Scenario {
            name: "content_pdf417",
            needs: needs![
                TEMPLATE => has_template,
                "create" => |c, _| c.create,
                "barcode pdf417" => |c, _| c.barcode_formats.contains(&BarcodeFormat::Pdf417),
            ],
            run: content_pdf417,
        },
    ]
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
