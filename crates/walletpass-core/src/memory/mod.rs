//! The in-memory reference provider: every trait operation, exactly. It defines the semantics
//! the vendor backends are held to by the conformance suite.
//!
//! - Templates with field specs: a pass of a template may only use the template's keys, must
//!   give the required ones, gets the defaults of the ones it omits, and reads back with the
//!   template's labels and placements where it set none.
//! - Passes are listed in creation order behind an opaque cursor (the position of the last pass
//!   returned), so a listing never repeats or skips a pass, even while passes are added.
//! - Patch merges ([`PassContent::apply_patch`]), put replaces (omitted template fields revert
//!   to their defaults), delete then get is `NotFound`, void keeps the pass as `Voided`.
//! - A create with a caller-chosen serial that already exists returns the existing pass when the
//!   content is the same (a retried create), and is a `Conflict` otherwise.
//! - Webhook subscriptions record one delivery per matching event; the memory provider sends
//!   nothing over the network, so each delivery is recorded as not attempted.
//! - Passes are held compact (module `store`: about a fifth of the memory of the structs) and decoded
//!   on read; what is read back is always exactly what was stored.

mod store;
mod vendor;
mod webhook;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use secrecy::SecretString;
use time::OffsetDateTime;

use store::PassTable;
pub use vendor::{MemoryConfig, MemoryVendor};
pub use webhook::MemoryWebhookVerifier;

use crate::capabilities::Capabilities;
use crate::error::{Error, ErrorKind, Operation, Result};
use crate::model::{
    Cursor, Field, Fields, ListQuery, NewPass, NewTemplate, Page, Pass, PassContent, PassId,
    PassPatch, PassRef, PassStatus, Template, TemplateId, WebhookId,
};
use crate::provider::{BatchProvider, WalletProvider};
use crate::webhook::{
    CreatedWebhookSubscription, NewWebhookSubscription, WebhookDelivery, WebhookEvent,
    WebhookEventKind, WebhookSubscription, WebhookVerifier,
};

const PROVIDER: &str = "memory";
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

/// The in-memory reference provider.
#[derive(Debug)]
pub struct MemoryProvider {
    state: Mutex<State>,
    capabilities: Capabilities,
}

#[derive(Debug, Default)]
struct State {
    seq: u64,
    passes: PassTable,
    by_id: BTreeMap<PassId, u64>,
    templates: BTreeMap<u64, Template>,
    template_seq: BTreeMap<TemplateId, u64>,
    webhooks: BTreeMap<u64, (WebhookSubscription, SecretString)>,
    webhook_seq: BTreeMap<WebhookId, u64>,
    deliveries: Vec<(WebhookId, WebhookDelivery)>,
}

impl State {
    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

impl Default for MemoryProvider {
    fn default() -> Self {
        Self::new()
    }
}

fn error(kind: ErrorKind, op: Operation, message: impl Into<String>) -> Error {
    Error::new(kind, message)
        .with_provider(PROVIDER)
        .with_operation(op)
}

fn not_found(op: Operation, what: &str, id: &str) -> Error {
    error(
        ErrorKind::NotFound,
        op,
        format!("{what} '{id}' does not exist"),
    )
    .with_resource(id)
}

/// Memory ids: 1 to 128 characters from `A-Z a-z 0-9 _ . : -`.
fn check_memory_id(op: Operation, kind: &str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
    if ok {
        Ok(())
    } else {
        Err(error(
            ErrorKind::InvalidInput,
            op,
            format!(
                "{kind}: invalid id '{id}': expected 1 to 128 characters from A-Z a-z 0-9 _ . : -"
            ),
        )
        .with_resource(id)
        .with_field_error(kind, "malformed id"))
    }
}

fn page_bounds(query: &ListQuery, op: Operation) -> Result<(u64, usize)> {
    let after = match &query.cursor {
        None => 0,
        Some(c) => c.as_str().parse::<u64>().map_err(|_| {
            error(
                ErrorKind::InvalidInput,
                op,
                format!("cursor: '{c}' is not a cursor this provider issued"),
            )
        })?,
    };
    let size = match query.page_size {
        None => DEFAULT_PAGE,
        Some(0) => {
            return Err(error(
                ErrorKind::InvalidInput,
                op,
                "page_size: must be at least 1",
            ));
        }
        Some(n) => (n as usize).min(MAX_PAGE),
    };
    Ok((after, size))
}

/// Take up to `size` items of `items` (those after the cursor, in position order, made lazily),
/// with the cursor of the next page. Only the items taken and one more are made, so a page
/// costs O(size) after the seek, wherever the cursor is.
fn take_page<T>(items: impl Iterator<Item = (u64, T)>, after: u64, size: usize) -> Page<T> {
    let mut out = Vec::with_capacity(size.min(DEFAULT_PAGE));
    let mut last = after;
    let mut more = false;
    for (seq, item) in items {
        if out.len() == size {
            more = true;
            break;
        }
        out.push(item);
        last = seq;
    }
    Page {
        items: out,
        next: more.then(|| Cursor::new(last.to_string())),
    }
}

impl MemoryProvider {
    /// An empty provider.
    pub fn new() -> Self {
        let mut capabilities = Capabilities::all();
        capabilities.batch = true;
        Self {
            state: Mutex::new(State::default()),
            capabilities,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic mid-update in another thread; the maps themselves are
        // never left half-written by any method here, so the state is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn template_of(state: &State, id: &TemplateId, op: Operation) -> Result<Template> {
        state
            .template_seq
            .get(id)
            .and_then(|seq| state.templates.get(seq))
            .cloned()
            .ok_or_else(|| not_found(op, "template", id.as_str()))
    }

    /// Hold `content` to its template: known keys only, required keys present, defaults for the
    /// omitted ones, labels and placements from the specs where the field has none.
    fn conform(template: &Template, content: PassContent, op: Operation) -> Result<PassContent> {
        if template.fields.is_empty() {
            return Ok(content);
        }
        let mut fields = Vec::new();
        for field in content.fields.iter() {
            let Some(spec) = template.field_spec(field.key.as_str()) else {
                let known: Vec<&str> = template.fields.iter().map(|s| s.key.as_str()).collect();
                return Err(error(
                    ErrorKind::InvalidInput,
                    op,
                    format!(
                        "fields[{}]: template '{}' has no field '{}' (it has: {})",
                        field.key,
                        template.id,
                        field.key,
                        known.join(", ")
                    ),
                )
                .with_field_error(format!("fields[{}]", field.key), "unknown field key"));
            };
            let mut field = field.clone();
            if field.label.is_none() {
                field.label = spec.label.clone();
            }
            if field.placement.is_none() {
                field.placement = spec.placement;
            }
            fields.push(field);
        }
        for spec in &template.fields {
            if content.field(spec.key.as_str()).is_some() {
                continue;
            }
            match &spec.default {
                Some(default) => fields.push(Field {
                    key: spec.key.clone(),
                    label: spec.label.clone(),
                    value: default.clone(),
                    placement: spec.placement,
                    change_message: None,
                }),
                None if spec.required => {
                    return Err(error(
                        ErrorKind::InvalidInput,
                        op,
                        format!(
                            "fields[{}]: template '{}' requires field '{}'",
                            spec.key, template.id, spec.key
                        ),
                    )
                    .with_field_error(format!("fields[{}]", spec.key), "required field missing"));
                }
                None => {}
            }
        }
        Ok(PassContent {
            fields: Fields::try_from_vec(fields)?,
            ..content
        })
    }

    fn find(state: &State, pass: &PassRef, op: Operation) -> Result<u64> {
        check_memory_id(op, "pass_id", pass.id.as_str())?;
        let seq = *state
            .by_id
            .get(&pass.id)
            .ok_or_else(|| not_found(op, "pass", pass.id.as_str()))?;
        if let Some(template) = &pass.template
            && state.passes.template_of(seq) != Some(template)
        {
            return Err(not_found(op, "pass", &pass.to_string()));
        }
        Ok(seq)
    }

    fn emit(state: &mut State, kind: WebhookEventKind, pass: &Pass) {
        let now = OffsetDateTime::now_utc();
        let targets: Vec<WebhookId> = state
            .webhooks
            .values()
            .filter(|(sub, _)| {
                sub.active
                    && sub.events.contains(&kind)
                    && (sub.template.is_none() || sub.template == pass.pass_ref.template)
            })
            .map(|(sub, _)| sub.id.clone())
            .collect();
        for id in targets {
            let event_id = format!("evt_{}", uuid::Uuid::new_v4().simple());
            state.deliveries.push((
                id,
                WebhookDelivery {
                    id: format!("{event_id}-1"),
                    event_id: Some(event_id),
                    kind: Some(kind.clone()),
                    attempt: 1,
                    status_code: None,
                    success: false,
                    attempted_at: Some(now),
                    error: Some("the memory provider records events but sends nothing".into()),
                },
            ));
        }
    }

    fn store(&self, op: Operation, new: NewPass) -> Result<Pass> {
        new.content.validate()?;
        let mut state = self.lock();
        let content = match &new.template {
            Some(t) => Self::conform(&Self::template_of(&state, t, op)?, new.content, op)?,
            None => new.content,
        };
        let id = match new.serial_number {
            Some(serial) => {
                check_memory_id(op, "serial_number", serial.as_str())?;
                if let Some(seq) = state.by_id.get(&serial) {
                    let existing = state.passes.get(*seq)?;
                    return match existing {
                        Some(p) if p.content == content && p.pass_ref.template == new.template => {
                            Ok(p)
                        }
                        _ => Err(error(
                            ErrorKind::Conflict,
                            op,
                            format!(
                                "a pass with serial '{serial}' already exists with other content"
                            ),
                        )
                        .with_resource(serial.as_str())),
                    };
                }
                serial
            }
            None => PassId::new(uuid::Uuid::new_v4().simple().to_string())?,
        };
        let now = OffsetDateTime::now_utc();
        let pass_ref = PassRef {
            template: new.template,
            id: id.clone(),
        };
        let mut pass = Pass::new(pass_ref, content);
        pass.links.landing = Some(store::landing(id.as_str()));
        pass.created_at = Some(now);
        pass.updated_at = Some(now);
        let seq = state.next();
        state.by_id.insert(id, seq);
        state.passes.insert(seq, &pass);
        Self::emit(&mut state, WebhookEventKind::PassCreated, &pass);
        Ok(pass)
    }

    fn update(
        &self,
        op: Operation,
        pass: &PassRef,
        change: impl FnOnce(&Pass, Option<&Template>) -> Result<Pass>,
        event: WebhookEventKind,
    ) -> Result<Pass> {
        let mut state = self.lock();
        let seq = Self::find(&state, pass, op)?;
        let current = state
            .passes
            .get(seq)?
            .ok_or_else(|| not_found(op, "pass", pass.id.as_str()))?;
        let template = match &current.pass_ref.template {
            Some(t) => Some(Self::template_of(&state, t, op)?),
            None => None,
        };
        let mut next = change(&current, template.as_ref())?;
        next.updated_at = Some(OffsetDateTime::now_utc());
        state.passes.insert(seq, &next);
        Self::emit(&mut state, event, &next);
        Ok(next)
    }

    fn subscription(state: &State, id: &WebhookId, op: Operation) -> Result<u64> {
        state
            .webhook_seq
            .get(id)
            .copied()
            .ok_or_else(|| not_found(op, "webhook subscription", id.as_str()))
    }
}

#[async_trait]
impl WalletProvider for MemoryProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn create(&self, pass: NewPass) -> Result<Pass> {
        self.store(Operation::Create, pass)
    }

    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        let state = self.lock();
        let seq = Self::find(&state, pass, Operation::Get)?;
        state
            .passes
            .get(seq)?
            .ok_or_else(|| not_found(Operation::Get, "pass", pass.id.as_str()))
    }

    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        let op = Operation::Patch;
        self.update(
            op,
            pass,
            |current, template| {
                let content = current.content.apply_patch(patch)?;
                let content = match template {
                    Some(t) => Self::conform(t, content, op)?,
                    None => content,
                };
                Ok(Pass {
                    content,
                    ..current.clone()
                })
            },
            WebhookEventKind::PassUpdated,
        )
    }

    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        content.validate()?;
        let op = Operation::Put;
        self.update(
            op,
            pass,
            |current, template| {
                let content = match template {
                    Some(t) => Self::conform(t, content, op)?,
                    None => content,
                };
                Ok(Pass {
                    content,
                    ..current.clone()
                })
            },
            WebhookEventKind::PassUpdated,
        )
    }

    async fn delete(&self, pass: &PassRef) -> Result<()> {
        let mut state = self.lock();
        let seq = Self::find(&state, pass, Operation::Delete)?;
        state.passes.remove(seq);
        state.by_id.remove(&pass.id);
        Ok(())
    }

    async fn void(&self, pass: &PassRef) -> Result<Pass> {
        self.update(
            Operation::Void,
            pass,
            |current, _| {
                Ok(Pass {
                    status: PassStatus::Voided,
                    ..current.clone()
                })
            },
            WebhookEventKind::PassVoided,
        )
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        let (after, size) = page_bounds(query, Operation::List)?;
        let needle = query.search.as_ref().map(|s| s.to_lowercase());
        let state = self.lock();
        let matches = |p: &Pass| {
            needle.as_ref().is_none_or(|n| {
                p.serial_number.to_lowercase().contains(n)
                    || p.content
                        .fields
                        .iter()
                        .any(|f| f.value.to_text().to_lowercase().contains(n))
            })
        };
        // Template and status are filtered on the stored rows; only passes that pass them are
        // decoded, and the page stops at one pass past its size.
        let scanned = state.passes.scan(
            after.saturating_add(1)..,
            query.template.as_ref(),
            query.status.as_ref(),
        );
        let mut decoded = Vec::new();
        for (seq, pass) in scanned {
            let pass =
                pass.map_err(|e| e.with_provider(PROVIDER).with_operation(Operation::List))?;
            if matches(&pass) {
                decoded.push((seq, pass));
                if decoded.len() > size {
                    break;
                }
            }
        }
        Ok(take_page(decoded.into_iter(), after, size))
    }

    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>> {
        let (after, size) = page_bounds(query, Operation::ListTemplates)?;
        let state = self.lock();
        Ok(take_page(
            state
                .templates
                .range(after.saturating_add(1)..)
                .map(|(s, t)| (*s, t.clone())),
            after,
            size,
        ))
    }

    async fn get_template(&self, id: &TemplateId) -> Result<Template> {
        check_memory_id(Operation::GetTemplate, "template_id", id.as_str())?;
        Self::template_of(&self.lock(), id, Operation::GetTemplate)
    }

    async fn create_template(&self, template: NewTemplate) -> Result<Template> {
        template.validate()?;
        let mut state = self.lock();
        let id = TemplateId::new(format!("tpl_{}", uuid::Uuid::new_v4().simple()))?;
        let created = Template {
            id: id.clone(),
            name: template.name,
            platform: template.platform,
            style: template.style,
            fields: template.fields,
            appearance: template.appearance,
            issued_count: Some(0),
            installed_count: Some(0),
            created_at: Some(OffsetDateTime::now_utc()),
            extra: template.extra,
        };
        let seq = state.next();
        state.template_seq.insert(id, seq);
        state.templates.insert(seq, created.clone());
        Ok(created)
    }

    async fn delete_template(&self, id: &TemplateId) -> Result<()> {
        let op = Operation::DeleteTemplate;
        check_memory_id(op, "template_id", id.as_str())?;
        let mut state = self.lock();
        let seq = state
            .template_seq
            .remove(id)
            .ok_or_else(|| not_found(op, "template", id.as_str()))?;
        state.templates.remove(&seq);
        Ok(())
    }

    async fn create_webhook(
        &self,
        subscription: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        let op = Operation::CreateWebhook;
        if let Some(secret) = &subscription.secret {
            crate::webhook::require_webhook_secret("memory", secret)
                .map_err(|e| e.with_operation(op))?;
        }
        let mut state = self.lock();
        if let Some(t) = &subscription.template {
            Self::template_of(&state, t, op)?;
        }
        let id = WebhookId::new(format!("wh_{}", uuid::Uuid::new_v4().simple()))?;
        let secret = subscription.secret.unwrap_or_else(|| {
            SecretString::from(format!("whsec_{}", uuid::Uuid::new_v4().simple()))
        });
        let sub = WebhookSubscription {
            id: id.clone(),
            url: subscription.url.to_string(),
            events: subscription.events,
            template: subscription.template,
            active: true,
            created_at: Some(OffsetDateTime::now_utc()),
        };
        let seq = state.next();
        state.webhook_seq.insert(id, seq);
        state.webhooks.insert(seq, (sub.clone(), secret.clone()));
        Ok(CreatedWebhookSubscription {
            subscription: sub,
            secret,
        })
    }

    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>> {
        let (after, size) = page_bounds(query, Operation::ListWebhooks)?;
        let state = self.lock();
        Ok(take_page(
            state
                .webhooks
                .range(after.saturating_add(1)..)
                .filter(|(_, (sub, _))| query.template.is_none() || sub.template == query.template)
                .map(|(s, (sub, _))| (*s, sub.clone())),
            after,
            size,
        ))
    }

    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription> {
        let state = self.lock();
        let seq = Self::subscription(&state, id, Operation::GetWebhook)?;
        state
            .webhooks
            .get(&seq)
            .map(|(sub, _)| sub.clone())
            .ok_or_else(|| not_found(Operation::GetWebhook, "webhook subscription", id.as_str()))
    }

    async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
        let mut state = self.lock();
        let seq = Self::subscription(&state, id, Operation::DeleteWebhook)?;
        state.webhooks.remove(&seq);
        state.webhook_seq.remove(id);
        Ok(())
    }

    async fn webhook_deliveries(
        &self,
        id: &WebhookId,
        query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>> {
        let op = Operation::WebhookDeliveries;
        let (after, size) = page_bounds(query, op)?;
        let state = self.lock();
        Self::subscription(&state, id, op)?;
        Ok(take_page(
            state
                .deliveries
                .iter()
                .filter(|(sub, _)| sub == id)
                .enumerate()
                .map(|(i, (_, d))| (i as u64 + 1, d))
                .skip_while(|(seq, _)| *seq <= after)
                .map(|(seq, d)| (seq, d.clone())),
            after,
            size,
        ))
    }

    fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>> {
        crate::webhook::require_webhook_secret("memory", &secret)?;
        Ok(Box::new(MemoryWebhookVerifier::new(secret)))
    }

    fn batch(&self) -> Option<&dyn BatchProvider> {
        Some(self)
    }
}

#[async_trait]
impl BatchProvider for MemoryProvider {
    async fn create_many(&self, passes: Vec<NewPass>) -> Result<Vec<Result<Pass>>> {
        Ok(passes
            .into_iter()
            .map(|p| self.store(Operation::Batch, p))
            .collect())
    }
}

impl MemoryProvider {
    /// A signed delivery of `event`, as a receiver would get it from this provider, for tests
    /// of receivers: the headers and the body.
    pub fn signed_delivery(
        &self,
        event: &WebhookEvent,
        secret: SecretString,
    ) -> Result<(http::HeaderMap, Vec<u8>)> {
        let body = serde_json::to_vec(event).map_err(|e| {
            error(
                ErrorKind::InvalidInput,
                Operation::VerifyWebhook,
                "event could not be encoded",
            )
            .with_source(e)
        })?;
        let headers = MemoryWebhookVerifier::new(secret).sign(&body)?;
        Ok((headers, body))
    }
}
