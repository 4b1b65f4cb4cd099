//! [`WalletProvider`] for [`PassNinja`]: each operation checks ids and content, sends the
//! documented request, and converts the answer. The capabilities say what PassNinja cannot do
//! (void, caller-chosen serials, barcodes and appearance on the pass, status filters).

use async_trait::async_trait;
use secrecy::SecretString;
use serde_json::{Map, Value};
use walletpass_core::http::Method;
use walletpass_core::paging::{self, PageInfo};
use walletpass_core::{
    BatchProvider, Capabilities, CreatedWebhookSubscription, Error, ErrorKind, ListQuery, NewPass,
    NewTemplate, NewWebhookSubscription, Operation, Page, Pass, PassContent, PassPatch, PassRef,
    Result, ResultExt, Template, TemplateId, WalletProvider, WalletProviderExt, WebhookDelivery,
    WebhookId, WebhookSubscription, WebhookVerifier,
};

use crate::client::PassNinja;
use crate::convert::{self, platform_word};
use crate::{PROVIDER, ids, wire};

/// What PassNinja supports, as the trait sees it.
pub fn capabilities() -> Capabilities {
    let mut c = Capabilities::none();
    c.create = true;
    c.get = true;
    c.patch = true;
    c.put = true;
    c.delete = true;
    // PassNinja's only way to void a pass is DELETE, which also destroys it.
    c.void = false;
    c.list = true;
    c.list_requires_template = true;
    // A listed pass is a summary: serial, status, links, dates; no field values.
    c.list_full_content = false;
    c.search = true;
    c.pass_ref_requires_template = true;
    c.templates_list = true;
    c.templates_get = true;
    c.templates_create = true;
    c.templates_delete = true;
    c.webhooks_create = true;
    c.webhooks_list = true;
    c.webhooks_get = true;
    c.webhooks_delete = true;
    c.webhooks_deliveries = true;
    c.webhooks_verify = true;
    // Labels and placements come from the template's configured field specs.
    c.labels = true;
    c.placements = true;
    c.fixed_layout = true;
    // `recipient` on create.
    c.extra = true;
    // A key outside the template's schema is answered with MI1.
    c.fixed_field_keys = true;
    c
}

/// Refuse the filters a listing cannot apply, naming them.
fn refuse_filters(query: &ListQuery, template_allowed: bool, what: &str) -> Result<()> {
    let mut refused = Vec::new();
    if query.template.is_some() && !template_allowed {
        refused.push("template");
    }
    if query.search.is_some() {
        refused.push("search");
    }
    if query.status.is_some() {
        refused.push("status");
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Unsupported,
            format!("PassNinja cannot filter {what} by {}", refused.join(", ")),
        ))
    }
}

/// The name errors give PassNinja's cursors.
const VENDOR: &str = "PassNinja";

/// The most webhook subscriptions or results one page holds ("List webhook subscriptions":
/// per_page max 100).
const MAX_WEBHOOK_PAGE: u32 = 100;

/// The page size when the vendor does not echo one ("List webhook subscriptions": per_page
/// default 50).
const DEFAULT_PER_PAGE: u64 = 50;

/// The page size a listing used: as the vendor echoed it, else as asked, else the default.
fn per_page_of(echoed: Option<u64>, asked: Option<u32>) -> u64 {
    echoed.or(asked.map(u64::from)).unwrap_or(DEFAULT_PER_PAGE)
}

impl PassNinja {
    fn specs(&self, template: &TemplateId) -> Option<&[walletpass_core::FieldSpec]> {
        self.field_specs(template)
    }

    /// Keys the template requires that `values` lacks.
    async fn missing_keys(
        &self,
        template: &TemplateId,
        values: &Map<String, Value>,
    ) -> Vec<String> {
        let required: Vec<String> = match self.specs(template) {
            Some(specs) => specs
                .iter()
                .filter(|s| s.required)
                .map(|s| s.key.to_string())
                .collect(),
            None if self.fetch_required_keys => match self.cached_keys(template).await {
                Ok(keys) => keys,
                // The keys endpoint is the SDKs', not the doc's: whatever its failure, the
                // vendor's own MI1 check is left to do the work, and the create goes on.
                Err(e) => {
                    tracing::debug!(provider = PROVIDER, %template, error = %e, "passtypes/keys lookup failed; required keys not checked");
                    if e.kind() == ErrorKind::NotFound && e.vendor_code().is_none() {
                        self.remember_keys(template, Vec::new());
                    }
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        required
            .into_iter()
            .filter(|k| !values.contains_key(k))
            .collect()
    }

    /// Read a pass after its create; when the read fails the pass is built from what was sent,
    /// so that a create that succeeded is never reported as failed (and then repeated, which
    /// would issue a second pass). Patch and put are idempotent, so they report a failed read.
    async fn read_back(
        &self,
        template: &TemplateId,
        serial: &str,
        sent: &Map<String, Value>,
        answer: &wire::PassBody,
    ) -> Result<Pass> {
        match self.fetch(template, serial).await {
            Ok(pass) => Ok(pass),
            Err(error) => {
                tracing::warn!(provider = PROVIDER, %error, "reading the pass back after a write failed; answering with the values sent");
                let mut body = answer.clone();
                body.pass = Some(sent.clone());
                convert::pass_of(body, template.as_str(), serial, self.specs(template))
            }
        }
    }

    /// Read a pass: the request's own future, converting inside it (no `async` level).
    fn fetch<'a>(
        &'a self,
        template: &'a TemplateId,
        serial: &'a str,
    ) -> impl Future<Output = Result<Pass>> + Send + 'a {
        let specs = self.specs(template);
        self.get_pass(template, serial, move |body| {
            convert::pass_of(*body, template.as_str(), serial, specs)
        })
    }

    /// The values a `PATCH` sends for `patch`: PassNinja passes have no barcode, appearance or
    /// dates of their own, and a removed key falls back to its template default.
    fn patch_values(&self, pass: &PassRef, patch: &PassPatch) -> Result<Map<String, Value>> {
        let (template, _) = ids::check_pass_ref(pass)?;
        let unsupported = |what: &str| {
            Error::new(
                ErrorKind::Unsupported,
                format!("PassNinja passes have no {what}: it is part of the template's design"),
            )
        };
        if patch.barcode().is_some() {
            return Err(unsupported("barcode"));
        }
        if patch.appearance().is_some() {
            return Err(unsupported("appearance"));
        }
        if patch.relevant_date().is_some() || patch.expiration_date().is_some() {
            return Err(unsupported("relevant or expiration date"));
        }
        let specs = self.specs(template);
        let mut values = convert::values_of(template, specs, patch.set())?;
        for key in patch.remove() {
            // PATCH cannot unset a key; the template default is what PUT would leave.
            let default = specs
                .and_then(|s| s.iter().find(|s| &s.key == key))
                .and_then(|s| s.default.as_ref());
            match default {
                Some(value) => {
                    values.insert(key.to_string(), value.to_json());
                }
                None => {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        format!(
                            "PassNinja cannot remove '{key}' from a pass; declare its template default in field_specs, or use put"
                        ),
                    )
                    .with_field_error(format!("fields[{key}]"), "cannot be removed"));
                }
            }
        }
        Ok(values)
    }

    /// The values a `PUT` of `content` sends.
    fn put_values(&self, pass: &PassRef, content: &PassContent) -> Result<Map<String, Value>> {
        let (template, _) = ids::check_pass_ref(pass)?;
        self.check_fits(content)?;
        convert::recipient_of(content, false)?;
        convert::values_of(template, self.specs(template), &content.fields)
    }

    async fn update(
        &self,
        pass: &PassRef,
        values: Map<String, Value>,
        method: Method,
    ) -> Result<Pass> {
        let (template, serial) = ids::check_pass_ref(pass)?;
        self.update_pass(pass, template, serial, method, &values)
            .await?;
        self.fetch(template, serial).await
    }
}

#[async_trait]
impl WalletProvider for PassNinja {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn create(&self, pass: NewPass) -> Result<Pass> {
        async {
            let template = pass.template.as_ref().ok_or_else(|| {
                Error::invalid_field(
                    "template",
                    "PassNinja creates every pass from a template (ptk_0x...)",
                )
            })?;
            ids::check_template("template", template)?;
            if let Some(serial) = &pass.serial_number {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "PassNinja chooses the serial number itself; '{serial}' cannot be used"
                    ),
                )
                .with_field_error("serial_number", "caller-chosen serials are not supported"));
            }
            self.check_fits(&pass.content)?;
            let values = convert::values_of(template, self.specs(template), &pass.content.fields)?;
            let recipient = convert::recipient_of(&pass.content, true)?;
            let missing = self.missing_keys(template, &values).await;
            if !missing.is_empty() {
                let mut error = Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "template {template} requires the keys: {}",
                        missing.join(", ")
                    ),
                );
                for key in &missing {
                    error = error
                        .with_field_error(format!("fields[{key}]"), "required by the template");
                }
                return Err(error);
            }
            let answer = self
                .create_pass(&wire::CreatePass {
                    pass_template: template.as_str(),
                    pass: &values,
                    recipient: recipient.as_ref(),
                })
                .await?;
            let serial = answer
                .serial_number
                .clone()
                .or_else(|| answer.id.clone())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Decode,
                        "the create answer has neither id nor serialNumber",
                    )
                })?;
            self.read_back(template, &serial, &values, &answer).await
        }
        .await
        .at(PROVIDER, Operation::Create)
    }

    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        // `fetch`, with the conversion after the await rather than inside the request's
        // future: measured, this writes fewer cache lines a call (callgrind, `BENCH_PROFILE`:
        // 368 L1 write misses a `get` against 413 through `fetch`).
        let (template, serial) = ids::check_pass_ref(pass).at(PROVIDER, Operation::Get)?;
        let body = self
            .get_pass(template, serial, Ok)
            .await
            .at(PROVIDER, Operation::Get)?;
        convert::pass_of(*body, template.as_str(), serial, self.specs(template))
            .at(PROVIDER, Operation::Get)
    }

    // `patch` and `put` check and convert synchronously, then await one call: no inner
    // `async` block, so no extra future level on these frequent calls.
    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        let values = self
            .patch_values(pass, patch)
            .at(PROVIDER, Operation::Patch)?;
        self.update(pass, values, Method::PATCH)
            .await
            .at(PROVIDER, Operation::Patch)
    }

    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        let values = self
            .put_values(pass, &content)
            .at(PROVIDER, Operation::Put)?;
        drop(content);
        self.update(pass, values, Method::PUT)
            .await
            .at(PROVIDER, Operation::Put)
    }

    async fn delete(&self, pass: &PassRef) -> Result<()> {
        async {
            let (template, serial) = ids::check_pass_ref(pass)?;
            self.delete_pass(pass, template, serial).await
        }
        .await
        .at(PROVIDER, Operation::Delete)
    }

    async fn void(&self, pass: &PassRef) -> Result<Pass> {
        async {
            ids::check_pass_ref(pass)?;
            Err(Error::new(
                ErrorKind::Unsupported,
                "PassNinja has no void that keeps the pass: its DELETE voids and destroys the pass; call delete to do that",
            )
            .with_resource(pass.to_string()))
        }
        .await
        .at(PROVIDER, Operation::Void)
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        async {
            let template = query.template.as_ref().ok_or_else(|| {
                Error::invalid_field(
                    "template",
                    "PassNinja lists the passes of one template; name the template to list",
                )
            })?;
            ids::check_template("template", template)?;
            if query.status.is_some() {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    "PassNinja cannot filter passes by status",
                ));
            }
            let page = paging::page_number(query.cursor.as_ref(), VENDOR)?;
            let per_page = paging::page_size(query.page_size, None)?;
            let list = self
                .list_passes(template, Some(page), per_page, query.search.as_deref())
                .await?;
            let items = list
                .passes
                .iter()
                .map(|row| convert::listed_pass_of(row, template.as_str()))
                .collect::<Result<Vec<_>>>()?;
            let next = list.meta.and_then(|m| {
                PageInfo {
                    page: m.current_page.unwrap_or(page),
                    per_page: per_page_of(m.per_page, per_page),
                    received: items.len(),
                    total_pages: m.total_pages,
                    total: m.total_count,
                }
                .next()
            });
            Ok::<_, Error>(Page { items, next })
        }
        .await
        .at(PROVIDER, Operation::List)
    }

    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>> {
        async {
            refuse_filters(query, false, "templates")?;
            // The vendor answers every template at once; pages are cut here, and the cursor
            // is an offset.
            let offset = paging::offset(query.cursor.as_ref(), VENDOR)?;
            let offset = usize::try_from(offset).unwrap_or(usize::MAX);
            let size = paging::page_size(query.page_size, None)?;
            let list = self.list_templates_all().await?;
            let all = list
                .pass_templates
                .iter()
                .map(|t| {
                    let specs = TemplateId::new(t.id.clone())
                        .ok()
                        .and_then(|id| self.field_specs.get(&id).cloned());
                    convert::template_of(t, specs.as_deref())
                })
                .collect::<Result<Vec<_>>>()?;
            let size = size.map_or(all.len(), |s| s as usize);
            let end = offset.saturating_add(size).min(all.len());
            let items = all
                .get(offset.min(all.len())..end)
                .unwrap_or_default()
                .to_vec();
            let next = (end < all.len()).then(|| paging::offset_cursor(end as u64));
            Ok::<_, Error>(Page { items, next })
        }
        .await
        .at(PROVIDER, Operation::ListTemplates)
    }

    async fn get_template(&self, id: &TemplateId) -> Result<Template> {
        async {
            ids::check_template("template_id", id)?;
            let body = self.get_template_body(id).await?;
            convert::template_of(&body, self.specs(id))
        }
        .await
        .at(PROVIDER, Operation::GetTemplate)
    }

    async fn create_template(&self, template: NewTemplate) -> Result<Template> {
        async {
            template.validate()?;
            if template.name.chars().count() > 120 {
                return Err(Error::invalid_field("name", "at most 120 characters"));
            }
            let platform = template
                .platform
                .ok_or_else(|| Error::invalid_field("platform", "PassNinja needs apple, google or both"))?;
            let style = template.style.as_deref().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                Error::invalid_field(
                    "style",
                    "PassNinja needs a pass style such as storeCard, eventTicket, coupon, boardingPass or generic",
                )
            })?;
            let design_only = |what: &str| {
                Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "a PassNinja template starts empty: its {what} are defined in the dashboard's template editor (then declare its fields' labels and placements in the field specs, PASSNINJA_FIELD_SPECS)"
                    ),
                )
            };
            if !template.fields.is_empty() {
                return Err(design_only("fields"));
            }
            if !template.appearance.is_empty() {
                return Err(design_only("colours and texts"));
            }
            if let Some(key) = template.extra.keys().next() {
                return Err(Error::invalid_field(
                    format!("extra.{key}"),
                    "PassNinja templates take only name, platform and style",
                ));
            }
            let body = self
                .create_template_body(&wire::CreateTemplate {
                    name: &template.name,
                    platform: platform_word(platform),
                    style,
                })
                .await?;
            convert::template_of(&body, None)
        }
        .await
        .at(PROVIDER, Operation::CreateTemplate)
    }

    async fn delete_template(&self, id: &TemplateId) -> Result<()> {
        async {
            ids::check_template("template_id", id)?;
            self.delete_template_by_id(id).await
        }
        .await
        .at(PROVIDER, Operation::DeleteTemplate)
    }

    async fn create_webhook(
        &self,
        subscription: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        async {
            if subscription.secret.is_some() {
                return Err(Error::invalid_field(
                    "secret",
                    "PassNinja generates each subscription's bearer token; a caller-chosen secret cannot be used",
                ));
            }
            // The fields are public, so the constructor's checks are repeated here.
            walletpass_core::http::check_url_scheme(subscription.url.as_str())
                .map_err(|reason| Error::invalid_field("url", reason))?;
            if subscription.events.is_empty() {
                return Err(Error::invalid_field(
                    "events",
                    "PassNinja needs at least one event type",
                ));
            }
            let events = subscription
                .events
                .iter()
                .map(convert::event_type_of)
                .collect::<Result<Vec<_>>>()?;
            if let Some(template) = &subscription.template {
                ids::check_template("template", template)?;
            }
            let url = subscription.url.as_str();
            // A name the caller gave is sent as it is (too long is an error, not a cut); without
            // one, a name is derived from the URL and cut to the 120 characters assumed allowed.
            let name: String = match &subscription.name {
                Some(name) if name.trim().is_empty() || name.chars().count() > 120 => {
                    return Err(Error::invalid_field(
                        "name",
                        format!(
                            "a subscription name must be 1 to 120 characters, got {}",
                            name.chars().count()
                        ),
                    ));
                }
                Some(name) => name.clone(),
                None => format!("walletpass {url}").chars().take(120).collect(),
            };
            let answer = self
                .create_webhook_raw(&wire::CreateWebhook {
                    name: &name,
                    url,
                    subscribed_events: &events,
                    pass_template: subscription.template.as_ref().map(TemplateId::as_str),
                })
                .await?;
            let row =
                created_row(&answer.body).map_err(|e| e.with_status(answer.status.as_u16()))?;
            let token = row.bearer_token.clone().ok_or_else(|| {
                Error::new(ErrorKind::Decode, "the create answer has no bearer_token")
            })?;
            Ok(CreatedWebhookSubscription {
                subscription: convert::subscription_of(&row)?,
                secret: SecretString::from(token),
            })
        }
        .await
        .at(PROVIDER, Operation::CreateWebhook)
    }

    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>> {
        async {
            refuse_filters(query, true, "webhook subscriptions")?;
            let page = paging::page_number(query.cursor.as_ref(), VENDOR)?;
            let per_page = paging::page_size(query.page_size, Some(MAX_WEBHOOK_PAGE))?;
            if let Some(template) = &query.template {
                ids::check_template("template", template)?;
            }
            let list = self
                .list_webhook_rows(page, per_page, query.template.as_ref())
                .await?;
            let items = list
                .webhooks
                .iter()
                .map(convert::subscription_of)
                .collect::<Result<Vec<_>>>()?;
            let per_page = per_page_of(list.per_page, per_page);
            let next = PageInfo::of_total(page, per_page, items.len(), list.total).next();
            Ok::<_, Error>(Page { items, next })
        }
        .await
        .at(PROVIDER, Operation::ListWebhooks)
    }

    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription> {
        async {
            ids::check_webhook(id)?;
            let row = self.get_webhook_row(id).await?;
            convert::subscription_of(&row)
        }
        .await
        .at(PROVIDER, Operation::GetWebhook)
    }

    async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
        async {
            ids::check_webhook(id)?;
            self.delete_webhook_by_id(id).await
        }
        .await
        .at(PROVIDER, Operation::DeleteWebhook)
    }

    async fn webhook_deliveries(
        &self,
        id: &WebhookId,
        query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>> {
        async {
            ids::check_webhook(id)?;
            refuse_filters(query, false, "deliveries")?;
            let page = paging::page_number(query.cursor.as_ref(), VENDOR)?;
            let per_page = paging::page_size(query.page_size, Some(MAX_WEBHOOK_PAGE))?;
            let list = self.webhook_results(id, page, per_page).await?;
            let items = list
                .webhook_results
                .iter()
                .map(convert::delivery_of)
                .collect::<Result<Vec<_>>>()?;
            let per_page = per_page_of(list.per_page, per_page);
            let next = PageInfo::of_total(page, per_page, items.len(), list.total).next();
            Ok::<_, Error>(Page { items, next })
        }
        .await
        .at(PROVIDER, Operation::WebhookDeliveries)
    }

    fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>> {
        walletpass_core::require_webhook_secret(crate::PROVIDER, &secret)?;
        Ok(Box::new(self.verifier(secret)))
    }

    fn batch(&self) -> Option<&dyn BatchProvider> {
        None
    }
}

/// The create answer of a webhook subscription. It carries the bearer token, so a decode
/// error names what is wrong without quoting the body (the generic decode error would).
fn created_row(body: &[u8]) -> Result<wire::WebhookRow> {
    serde_json::from_slice(body).map_err(|e| {
        let mut reason = e.to_string();
        let token = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
            v.get("bearer_token")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            reason = reason.replace(&token, "[REDACTED]");
        }
        Error::new(
            ErrorKind::Decode,
            format!(
                "could not decode the webhook subscription create answer: {reason} (the body is not quoted: it holds the bearer token)"
            ),
        )
    })
}
