//! [`WalletProvider`] for [`Passinstance`]: what the vendor does natively, what is composed
//! (patch = get + merge + `PUT`; reading one webhook subscription = walking the list), and what
//! it lacks (template delete, webhook delete and delivery history), declared in
//! [`capabilities`].

use async_trait::async_trait;
use secrecy::SecretString;
use walletpass_core::{
    BarcodeFormat, BatchProvider, Capabilities, CreatedWebhookSubscription, Error, ErrorKind,
    ListQuery, NewPass, NewTemplate, NewWebhookSubscription, Operation, Page, Pass, PassContent,
    PassPatch, PassRef, ResultExt, Template, TemplateId, WalletProvider, WalletProviderExt,
    WebhookDelivery, WebhookId, WebhookSubscription, WebhookVerifier,
};

use crate::PROVIDER;
use crate::client::Passinstance;
use crate::convert::{
    check_template_id, event_name, pass_body, status_filter, template_body, template_from_wire,
    webhook_from_wire,
};
use crate::webhook::PassinstanceWebhookVerifier;
use crate::wire::{PassBody, WebhookBody, WirePass, WireTemplate, WireWebhook};

/// What Passinstance supports, as this crate reaches it.
pub fn capabilities() -> Capabilities {
    let mut caps = Capabilities::none();
    caps.create = true;
    caps.get = true;
    caps.patch = true;
    caps.patch_is_composed = true;
    caps.put = true;
    caps.delete = true;
    caps.void = true;
    caps.list = true;
    // A list answers the same pass objects as `GET /passes/{id}` (assumption A7a).
    caps.list_full_content = true;
    caps.search = true;
    caps.list_filter_status = true;
    caps.caller_serial = true;
    caps.templates_list = true;
    caps.templates_get = true;
    caps.templates_create = true;
    caps.webhooks_create = true;
    caps.webhooks_list = true;
    caps.webhooks_get = true;
    caps.webhooks_verify = true;
    caps.batch = true;
    caps.labels = true;
    caps.typed_values = true;
    caps.change_messages = true;
    caps.barcode_formats = BarcodeFormat::ALL.into_iter().collect();
    caps.barcode_alt_text = true;
    caps.relevant_date = true;
    caps.expiration_date = true;
    // A template that declares its fields rejects other keys with a 422 (assumption A3).
    caps.fixed_field_keys = true;
    caps.notes = vec![
        "webhook signatures: the docs ask receivers to verify signatures but publish no scheme; the X-Passinstance-Signature scheme this backend checks and signs (HMAC-SHA256 of \"{t}.{body}\", 5 minutes' tolerance) is assumed; match the real one with PASSINSTANCE_WEBHOOK_SIGNATURE_HEADER, PASSINSTANCE_WEBHOOK_SIGNED_MESSAGE and PASSINSTANCE_WEBHOOK_TOLERANCE_SECS".into(),
    ];
    caps
}

fn unsupported(operation: Operation) -> Error {
    Error::unsupported(PROVIDER, operation)
}

impl Passinstance {
    /// The body of a `PUT` of `content`, checked against the vendor's limits.
    fn put_body(&self, content: &PassContent, operation: Operation) -> Result<PassBody, Error> {
        self.check_fits(content).at(PROVIDER, operation)?;
        pass_body(None, None, content).at(PROVIDER, operation)
    }

    /// `patch` merged into `content`, as the body of the write. Out of line, so that the merged
    /// content lives in this call's stack frame only, not in the frame that polls the requests
    /// (which sits above every poll of reqwest's and hyper's futures).
    #[inline(never)]
    fn patched_body(&self, content: PassContent, patch: &PassPatch) -> Result<PassBody, Error> {
        let merged = content
            .into_patched(patch)
            .map_err(|e| Error::from(e).at(PROVIDER, Operation::Patch))?;
        self.put_body(&merged, Operation::Patch)
    }
}

#[async_trait]
impl WalletProvider for Passinstance {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn create(&self, pass: NewPass) -> Result<Pass, Error> {
        self.create_pass(pass).await
    }

    async fn get(&self, pass: &PassRef) -> Result<Pass, Error> {
        self.on_pass(pass, Operation::Get, |id| {
            self.get_by_id(id, Operation::Get)
        })
        .await
    }

    /// Composed: read the pass, merge the patch into its content, and `PUT` the whole content
    /// back. Not atomic: a change made by someone else between the read and the write is lost.
    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass, Error> {
        // In a block, so that the pass read, the merged content and the body are dropped
        // before the write is sent rather than carried in this future across it (the write's
        // future holds the encoded body).
        let write = {
            let (id, content) = self
                .on_pass(pass, Operation::Patch, |id| {
                    self.content_by_id(id, Operation::Patch)
                })
                .await?;
            let body = self.patched_body(content, patch)?;
            // The read resolved the vendor's id (a serial number was looked up there), so the
            // write goes to that id directly.
            self.put_by_id(id.into(), &body, Operation::Patch)
        };
        write.await
    }

    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass, Error> {
        let body = self.put_body(&content, Operation::Put)?;
        drop(content);
        self.on_pass(pass, Operation::Put, |id| {
            self.put_by_id(id, &body, Operation::Put)
        })
        .await
    }

    async fn delete(&self, pass: &PassRef) -> Result<(), Error> {
        self.on_pass(pass, Operation::Delete, |id| self.delete_by_id(id))
            .await
            .map(|_| ())
    }

    async fn void(&self, pass: &PassRef) -> Result<Pass, Error> {
        self.on_pass(pass, Operation::Void, |id| self.void_by_id(id))
            .await
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>, Error> {
        let mut params = Vec::new();
        if let Some(template) = &query.template {
            check_template_id(template).at(PROVIDER, Operation::List)?;
            params.push(("templateId", template.to_string()));
        }
        if let Some(status) = &query.status {
            params.push((
                "status",
                status_filter(status)
                    .at(PROVIDER, Operation::List)?
                    .to_owned(),
            ));
        }
        if let Some(search) = &query.search {
            params.push(("search", search.clone()));
        }
        let page: Page<WirePass> = self
            .list_page(Operation::List, &["passes"], query, &params)
            .await?;
        page.try_map(crate::convert::pass_from_wire)
            .at(PROVIDER, Operation::List)
    }

    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>, Error> {
        let page: Page<WireTemplate> = self
            .list_page(Operation::ListTemplates, &["templates"], query, &[])
            .await?;
        page.try_map(template_from_wire)
            .at(PROVIDER, Operation::ListTemplates)
    }

    async fn get_template(&self, id: &TemplateId) -> Result<Template, Error> {
        check_template_id(id).at(PROVIDER, Operation::GetTemplate)?;
        let wire = self.get_template_by_id(id).await?;
        template_from_wire(wire).at(PROVIDER, Operation::GetTemplate)
    }

    async fn create_template(&self, template: NewTemplate) -> Result<Template, Error> {
        template
            .validate()
            .at(PROVIDER, Operation::CreateTemplate)?;
        let body = template_body(&template).at(PROVIDER, Operation::CreateTemplate)?;
        let wire = self.post_template(&body, &template.name).await?;
        template_from_wire(wire).at(PROVIDER, Operation::CreateTemplate)
    }

    async fn delete_template(&self, _id: &TemplateId) -> Result<(), Error> {
        Err(unsupported(Operation::DeleteTemplate))
    }

    async fn create_webhook(
        &self,
        subscription: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription, Error> {
        use secrecy::ExposeSecret;
        let op = Operation::CreateWebhook;
        if let Some(template) = &subscription.template {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "template: Passinstance subscriptions cover every template; one scoped to {template} cannot be made"
                ),
            )
            .at(PROVIDER, op));
        }
        let events = subscription
            .events
            .iter()
            .map(|e| event_name(e).map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()
            .at(PROVIDER, op)?;
        if let Some(secret) = &subscription.secret {
            walletpass_core::require_webhook_secret(PROVIDER, secret).at(PROVIDER, op)?;
        }
        let secret = subscription.secret.clone().unwrap_or_else(|| {
            SecretString::from(format!("whsec_{}", uuid::Uuid::new_v4().simple()))
        });
        let body = WebhookBody {
            url: subscription.url.to_string(),
            events,
            secret: secret.expose_secret().to_owned(),
        };
        let answer = self.post_webhook(&body, &subscription.url).await?;
        // Decoded here rather than with `send_json`, whose error quotes the body: this answer
        // may carry the signing secret. Only the position of the problem is reported.
        let wire: WireWebhook = serde_json::from_slice(&answer.body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "the {} answer to POST /webhooks is not a subscription {{id, url, events, ...}} ({:?} error at line {}, column {}; body withheld, it may hold the secret)",
                    answer.status,
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
            .at(PROVIDER, op)
            .with_status(answer.status.as_u16())
        })?;
        let secret = wire
            .secret
            .clone()
            .map(SecretString::from)
            .unwrap_or(secret);
        Ok(CreatedWebhookSubscription {
            subscription: webhook_from_wire(wire).at(PROVIDER, op)?,
            secret,
        })
    }

    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>, Error> {
        let op = Operation::ListWebhooks;
        if let Some(template) = &query.template {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("template: Passinstance subscriptions are not scoped to templates such as {template}"),
            )
            .at(PROVIDER, op));
        }
        let page: Page<WireWebhook> = self.list_page(op, &["webhooks"], query, &[]).await?;
        page.try_map(webhook_from_wire).at(PROVIDER, op)
    }

    /// Composed: the vendor has no `GET /webhooks/{id}`, so the list is walked.
    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription, Error> {
        let mut query = ListQuery::new();
        loop {
            let page = self
                .list_webhooks(&query)
                .await
                .at(PROVIDER, Operation::GetWebhook)?;
            if let Some(found) = page.items.into_iter().find(|w| w.id == *id) {
                return Ok(found);
            }
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!("webhook subscription {id} not found"),
                    )
                    .at(PROVIDER, Operation::GetWebhook)
                    .with_resource(id.to_string()));
                }
            }
        }
    }

    async fn delete_webhook(&self, _id: &WebhookId) -> Result<(), Error> {
        Err(unsupported(Operation::DeleteWebhook))
    }

    async fn webhook_deliveries(
        &self,
        _id: &WebhookId,
        _query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>, Error> {
        Err(unsupported(Operation::WebhookDeliveries))
    }

    fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>, Error> {
        walletpass_core::require_webhook_secret(PROVIDER, &secret)?;
        Ok(Box::new(
            PassinstanceWebhookVerifier::new(secret)
                .with_scheme(self.config.webhook_scheme.clone()),
        ))
    }

    fn batch(&self) -> Option<&dyn BatchProvider> {
        Some(self)
    }
}

#[async_trait]
impl BatchProvider for Passinstance {
    /// Batch jobs of at most [`MAX_BATCH_ITEMS`](crate::MAX_BATCH_ITEMS) creates each, polled
    /// until done; a create whose serial is taken by an identical pass returns that pass.
    async fn create_many(&self, passes: Vec<NewPass>) -> Result<Vec<Result<Pass, Error>>, Error> {
        let outcomes = self.run_batch(crate::BatchRequest::Create(passes)).await?;
        Ok(outcomes
            .into_iter()
            .map(|outcome| {
                outcome.and_then(|pass| {
                    pass.ok_or_else(|| {
                        Error::new(
                            ErrorKind::Decode,
                            "the batch job returned no pass for a create",
                        )
                        .at(PROVIDER, Operation::Batch)
                    })
                })
            })
            .collect())
    }
}
