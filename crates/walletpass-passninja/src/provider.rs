//! [`WalletProvider`] for [`PassNinja`]: each operation checks ids and content, sends the
//! documented request, and converts the answer. The capabilities say what PassNinja cannot do
//! (void, caller-chosen serials, barcodes and appearance on the pass, status filters).

use async_trait::async_trait;
use secrecy::SecretString;
use serde_json::{Map, Value};
use walletpass_core::http::Method;
use walletpass_core::{
    BatchProvider, Capabilities, CreatedWebhookSubscription, Cursor, Error, ErrorKind, ListQuery,
    NewPass, NewTemplate, NewWebhookSubscription, Operation, Page, Pass, PassContent, PassPatch,
    PassRef, Result, Template, TemplateId, WalletProvider, WalletProviderExt, WebhookDelivery,
    WebhookId, WebhookSubscription, WebhookVerifier,
};

use crate::client::PassNinja;
use crate::convert::{self, platform_word};
use crate::{PROVIDER, ids, wire};

/// What PassNinja supports, as the trait sees it.
pub(crate) fn capabilities() -> Capabilities {
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

fn with_op(op: Operation) -> impl Fn(Error) -> Error {
    move |e| e.with_provider(PROVIDER).or_operation(op)
}

/// A positive page number from a cursor this provider issued.
fn page_of(cursor: Option<&Cursor>) -> Result<u64> {
    match cursor {
        None => Ok(1),
        Some(c) => c
            .as_str()
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                Error::invalid_field(
                    "cursor",
                    format!(
                        "'{c}' is not a PassNinja page cursor (a page number from a previous list)"
                    ),
                )
            }),
    }
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

fn page_size_of(query: &ListQuery, max: Option<u32>) -> Result<Option<u32>> {
    match query.page_size {
        Some(0) => Err(Error::invalid_field("page_size", "must be at least 1")),
        Some(n) if max.is_some_and(|m| n > m) => Err(Error::invalid_field(
            "page_size",
            format!(
                "PassNinja allows at most {} per page, asked for {n}",
                max.unwrap_or(n)
            ),
        )),
        other => Ok(other),
    }
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
    ) -> Result<Vec<String>> {
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
        Ok(required
            .into_iter()
            .filter(|k| !values.contains_key(k))
            .collect())
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
        match self.fetch(template, serial, Operation::Get).await {
            Ok(pass) => Ok(pass),
            Err(error) => {
                tracing::warn!(provider = PROVIDER, %error, "reading the pass back after a write failed; answering with the values sent");
                let mut body = answer.clone();
                body.pass = Some(sent.clone());
                convert::pass_of(&body, template.as_str(), serial, self.specs(template))
            }
        }
    }

    async fn fetch(&self, template: &TemplateId, serial: &str, op: Operation) -> Result<Pass> {
        let body: wire::PassBody = self
            .http
            .request(op, Method::GET, &["passes", template.as_str(), serial])
            .resource(format!("{template}/{serial}"))
            .send_json()
            .await?;
        convert::pass_of(&body, template.as_str(), serial, self.specs(template))
            .map_err(with_op(op))
    }

    fn check_content(&self, content: &PassContent, op: Operation) -> Result<()> {
        self.check_fits(content).map_err(with_op(op))
    }

    async fn update(
        &self,
        pass: &PassRef,
        values: Map<String, Value>,
        method: Method,
        op: Operation,
    ) -> Result<Pass> {
        let (template, serial) = ids::check_pass_ref(pass).map_err(with_op(op))?;
        let _answer: wire::PassBody = self
            .http
            .request(op, method, &["passes", template.as_str(), serial])
            .json(&wire::UpdatePass { pass: &values })
            .idempotent(true)
            .resource(pass.to_string())
            .send_json()
            .await?;
        self.fetch(template, serial, Operation::Get)
            .await
            .map_err(|e| e.with_operation(op))
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
        let op = Operation::Create;
        let template = pass.template.as_ref().ok_or_else(|| {
            with_op(op)(Error::invalid_field(
                "template",
                "PassNinja creates every pass from a template (ptk_0x...)",
            ))
        })?;
        ids::check_template("template", template).map_err(with_op(op))?;
        if let Some(serial) = &pass.serial_number {
            return Err(with_op(op)(
                Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "PassNinja chooses the serial number itself; '{serial}' cannot be used"
                    ),
                )
                .with_field_error("serial_number", "caller-chosen serials are not supported"),
            ));
        }
        self.check_content(&pass.content, op)?;
        let values = convert::values_of(template, self.specs(template), &pass.content.fields)
            .map_err(with_op(op))?;
        let recipient = convert::recipient_of(&pass.content, true).map_err(with_op(op))?;
        let missing = self.missing_keys(template, &values).await?;
        if !missing.is_empty() {
            let mut error = Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "template {template} requires the keys: {}",
                    missing.join(", ")
                ),
            );
            for key in &missing {
                error =
                    error.with_field_error(format!("fields[{key}]"), "required by the template");
            }
            return Err(with_op(op)(error));
        }
        let answer: wire::PassBody = self
            .http
            .request(op, Method::POST, &["passes"])
            .json(&wire::CreatePass {
                pass_template: template.as_str(),
                pass: &values,
                recipient: recipient.as_ref(),
            })
            .resource(template.as_str())
            .send_json()
            .await?;
        let serial = answer
            .serial_number
            .clone()
            .or_else(|| answer.id.clone())
            .ok_or_else(|| {
                with_op(op)(Error::new(
                    ErrorKind::Decode,
                    "the create answer has neither id nor serialNumber",
                ))
            })?;
        self.read_back(template, &serial, &values, &answer).await
    }

    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        let (template, serial) = ids::check_pass_ref(pass).map_err(with_op(Operation::Get))?;
        self.fetch(template, serial, Operation::Get).await
    }

    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        let op = Operation::Patch;
        let (template, _) = ids::check_pass_ref(pass).map_err(with_op(op))?;
        let unsupported = |what: &str| {
            with_op(op)(Error::new(
                ErrorKind::Unsupported,
                format!("PassNinja passes have no {what}: it is part of the template's design"),
            ))
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
        let mut values = convert::values_of(template, specs, patch.set()).map_err(with_op(op))?;
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
                    return Err(with_op(op)(
                        Error::new(
                            ErrorKind::Unsupported,
                            format!(
                                "PassNinja cannot remove '{key}' from a pass; declare its template default in field_specs, or use put"
                            ),
                        )
                        .with_field_error(format!("fields[{key}]"), "cannot be removed"),
                    ));
                }
            }
        }
        self.update(pass, values, Method::PATCH, op).await
    }

    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        let op = Operation::Put;
        let (template, _) = ids::check_pass_ref(pass).map_err(with_op(op))?;
        self.check_content(&content, op)?;
        convert::recipient_of(&content, false).map_err(with_op(op))?;
        let values = convert::values_of(template, self.specs(template), &content.fields)
            .map_err(with_op(op))?;
        self.update(pass, values, Method::PUT, op).await
    }

    async fn delete(&self, pass: &PassRef) -> Result<()> {
        let op = Operation::Delete;
        let (template, serial) = ids::check_pass_ref(pass).map_err(with_op(op))?;
        self.http
            .request(op, Method::DELETE, &["passes", template.as_str(), serial])
            .resource(pass.to_string())
            .send()
            .await?;
        Ok(())
    }

    async fn void(&self, pass: &PassRef) -> Result<Pass> {
        ids::check_pass_ref(pass).map_err(with_op(Operation::Void))?;
        Err(Error::new(
            ErrorKind::Unsupported,
            "PassNinja has no void that keeps the pass: its DELETE voids and destroys the pass; call delete to do that",
        )
        .with_provider(PROVIDER)
        .with_operation(Operation::Void)
        .with_resource(pass.to_string()))
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        let op = Operation::List;
        let template = query.template.as_ref().ok_or_else(|| {
            with_op(op)(Error::invalid_field(
                "template",
                "PassNinja lists the passes of one template; name the template to list",
            ))
        })?;
        ids::check_template("template", template).map_err(with_op(op))?;
        if query.status.is_some() {
            return Err(with_op(op)(Error::new(
                ErrorKind::Unsupported,
                "PassNinja cannot filter passes by status",
            )));
        }
        let page = page_of(query.cursor.as_ref()).map_err(with_op(op))?;
        let per_page = page_size_of(query, None).map_err(with_op(op))?;
        let list: wire::PassList = self
            .http
            .request(op, Method::GET, &["passes", template.as_str()])
            .query("page", page)
            .query_opt("per_page", per_page)
            .query_opt("search", query.search.as_deref())
            .resource(template.as_str())
            .send_json()
            .await?;
        let items = list
            .passes
            .iter()
            .map(|row| convert::listed_pass_of(row, template.as_str()))
            .collect::<Result<Vec<_>>>()
            .map_err(with_op(op))?;
        let next = list.meta.and_then(|m| {
            let current = m.current_page.unwrap_or(page);
            match m.total_pages {
                Some(total) => (current < total).then(|| Cursor::new((current + 1).to_string())),
                None => next_page(
                    current,
                    m.per_page.or(per_page.map(u64::from)),
                    m.total_count,
                    items.len(),
                ),
            }
        });
        Ok(Page { items, next })
    }

    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>> {
        let op = Operation::ListTemplates;
        refuse_filters(query, false, "templates").map_err(with_op(op))?;
        // The vendor answers every template at once; pages are cut here.
        let offset = match &query.cursor {
            None => 0,
            Some(c) => c.as_str().parse::<usize>().map_err(|_| {
                with_op(op)(Error::invalid_field(
                    "cursor",
                    format!("'{c}' is not a template cursor"),
                ))
            })?,
        };
        let size = page_size_of(query, None).map_err(with_op(op))?;
        let list: wire::TemplateList = self
            .http
            .request(op, Method::GET, &["pass_templates"])
            .send_json()
            .await?;
        let all = list
            .pass_templates
            .iter()
            .map(|t| {
                let specs = TemplateId::new(t.id.clone())
                    .ok()
                    .and_then(|id| self.field_specs.get(&id).cloned());
                convert::template_of(t, specs.as_deref())
            })
            .collect::<Result<Vec<_>>>()
            .map_err(with_op(op))?;
        let size = size.map_or(all.len(), |s| s as usize);
        let end = offset.saturating_add(size).min(all.len());
        let items = all
            .get(offset.min(all.len())..end)
            .unwrap_or_default()
            .to_vec();
        let next = (end < all.len()).then(|| Cursor::new(end.to_string()));
        Ok(Page { items, next })
    }

    async fn get_template(&self, id: &TemplateId) -> Result<Template> {
        let op = Operation::GetTemplate;
        ids::check_template("template_id", id).map_err(with_op(op))?;
        let body: wire::TemplateBody = self
            .http
            .request(op, Method::GET, &["pass_templates", id.as_str()])
            .resource(id.as_str())
            .send_json()
            .await?;
        convert::template_of(&body, self.specs(id)).map_err(with_op(op))
    }

    async fn create_template(&self, template: NewTemplate) -> Result<Template> {
        let op = Operation::CreateTemplate;
        template.validate().map_err(|e| with_op(op)(e.into()))?;
        if template.name.chars().count() > 120 {
            return Err(with_op(op)(Error::invalid_field(
                "name",
                "at most 120 characters",
            )));
        }
        let platform = template.platform.ok_or_else(|| {
            with_op(op)(Error::invalid_field(
                "platform",
                "PassNinja needs apple, google or both",
            ))
        })?;
        let style = template.style.as_deref().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            with_op(op)(Error::invalid_field(
                "style",
                "PassNinja needs a pass style such as storeCard, eventTicket, coupon, boardingPass or generic",
            ))
        })?;
        let design_only = |what: &str| {
            with_op(op)(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "a PassNinja template starts empty: its {what} are defined in the dashboard's template editor (then declare its fields' labels and placements in the field specs, PASSNINJA_FIELD_SPECS)"
                ),
            ))
        };
        if !template.fields.is_empty() {
            return Err(design_only("fields"));
        }
        if !template.appearance.is_empty() {
            return Err(design_only("colours and texts"));
        }
        if let Some(key) = template.extra.keys().next() {
            return Err(with_op(op)(Error::invalid_field(
                format!("extra.{key}"),
                "PassNinja templates take only name, platform and style",
            )));
        }
        let body: wire::TemplateBody = self
            .http
            .request(op, Method::POST, &["pass_templates"])
            .json(&wire::CreateTemplate {
                name: &template.name,
                platform: platform_word(platform),
                style,
            })
            .send_json()
            .await?;
        convert::template_of(&body, None).map_err(with_op(op))
    }

    async fn delete_template(&self, id: &TemplateId) -> Result<()> {
        let op = Operation::DeleteTemplate;
        ids::check_template("template_id", id).map_err(with_op(op))?;
        self.http
            .request(op, Method::DELETE, &["pass_templates", id.as_str()])
            .resource(id.as_str())
            .send()
            .await?;
        self.keys_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id.as_str());
        Ok(())
    }

    async fn create_webhook(
        &self,
        subscription: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        let op = Operation::CreateWebhook;
        if subscription.secret.is_some() {
            return Err(with_op(op)(Error::invalid_field(
                "secret",
                "PassNinja generates each subscription's bearer token; a caller-chosen secret cannot be used",
            )));
        }
        // The fields are public, so the constructor's checks are repeated here.
        walletpass_core::http::check_url_scheme(subscription.url.as_str())
            .map_err(|reason| with_op(op)(Error::invalid_field("url", reason)))?;
        if subscription.events.is_empty() {
            return Err(with_op(op)(Error::invalid_field(
                "events",
                "PassNinja needs at least one event type",
            )));
        }
        let events = subscription
            .events
            .iter()
            .map(convert::event_type_of)
            .collect::<Result<Vec<_>>>()
            .map_err(with_op(op))?;
        if let Some(template) = &subscription.template {
            ids::check_template("template", template).map_err(with_op(op))?;
        }
        let url = subscription.url.as_str();
        // A name the caller gave is sent as it is (too long is an error, not a cut); without
        // one, a name is derived from the URL and cut to the 120 characters assumed allowed.
        let name: String = match &subscription.name {
            Some(name) if name.trim().is_empty() || name.chars().count() > 120 => {
                return Err(with_op(op)(Error::invalid_field(
                    "name",
                    format!(
                        "a subscription name must be 1 to 120 characters, got {}",
                        name.chars().count()
                    ),
                )));
            }
            Some(name) => name.clone(),
            None => format!("walletpass {url}").chars().take(120).collect(),
        };
        let answer = self
            .http
            .request(op, Method::POST, &["webhooks"])
            .json(&wire::CreateWebhook {
                name: &name,
                url,
                subscribed_events: &events,
                pass_template: subscription.template.as_ref().map(TemplateId::as_str),
            })
            .send()
            .await?;
        let row = created_row(&answer.body)
            .map_err(|e| with_op(op)(e.with_status(answer.status.as_u16())))?;
        let token = row.bearer_token.clone().ok_or_else(|| {
            with_op(op)(Error::new(
                ErrorKind::Decode,
                "the create answer has no bearer_token",
            ))
        })?;
        Ok(CreatedWebhookSubscription {
            subscription: convert::subscription_of(&row).map_err(with_op(op))?,
            secret: SecretString::from(token),
        })
    }

    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>> {
        let op = Operation::ListWebhooks;
        refuse_filters(query, true, "webhook subscriptions").map_err(with_op(op))?;
        let page = page_of(query.cursor.as_ref()).map_err(with_op(op))?;
        let per_page = page_size_of(query, Some(100)).map_err(with_op(op))?;
        if let Some(template) = &query.template {
            ids::check_template("template", template).map_err(with_op(op))?;
        }
        let list: wire::WebhookList = self
            .http
            .request(op, Method::GET, &["webhooks"])
            .query("page", page)
            .query_opt("per_page", per_page)
            .query_opt("pass_template", query.template.as_ref())
            .send_json()
            .await?;
        let items = list
            .webhooks
            .iter()
            .map(convert::subscription_of)
            .collect::<Result<Vec<_>>>()
            .map_err(with_op(op))?;
        let next = next_page(
            page,
            list.per_page.or(per_page.map(u64::from)),
            list.total,
            items.len(),
        );
        Ok(Page { items, next })
    }

    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription> {
        let op = Operation::GetWebhook;
        ids::check_webhook(id).map_err(with_op(op))?;
        let row: wire::WebhookRow = self
            .http
            .request(op, Method::GET, &["webhooks", id.as_str()])
            .resource(id.as_str())
            .send_json()
            .await?;
        convert::subscription_of(&row).map_err(with_op(op))
    }

    async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
        let op = Operation::DeleteWebhook;
        ids::check_webhook(id).map_err(with_op(op))?;
        self.http
            .request(op, Method::DELETE, &["webhooks", id.as_str()])
            .resource(id.as_str())
            .send()
            .await?;
        Ok(())
    }

    async fn webhook_deliveries(
        &self,
        id: &WebhookId,
        query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>> {
        let op = Operation::WebhookDeliveries;
        ids::check_webhook(id).map_err(with_op(op))?;
        refuse_filters(query, false, "deliveries").map_err(with_op(op))?;
        let page = page_of(query.cursor.as_ref()).map_err(with_op(op))?;
        let per_page = page_size_of(query, Some(100)).map_err(with_op(op))?;
        let list: wire::WebhookResults = self
            .http
            .request(op, Method::GET, &["webhooks", id.as_str(), "results"])
            .query("page", page)
            .query_opt("per_page", per_page)
            .resource(id.as_str())
            .send_json()
            .await?;
        let items = list
            .webhook_results
            .iter()
            .map(convert::delivery_of)
            .collect::<Result<Vec<_>>>()
            .map_err(with_op(op))?;
        let next = next_page(
            page,
            list.per_page.or(per_page.map(u64::from)),
            list.total,
            items.len(),
        );
        Ok(Page { items, next })
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

/// The next page of a `{page, per_page, total}` listing; without a total, a full page is
/// taken to mean there may be more.
fn next_page(page: u64, per_page: Option<u64>, total: Option<u64>, got: usize) -> Option<Cursor> {
    let per_page = per_page.unwrap_or(50).max(1);
    let more = match total {
        Some(total) => page.saturating_mul(per_page) < total,
        None => got as u64 >= per_page,
    };
    (more && got > 0).then(|| Cursor::new((page + 1).to_string()))
}
