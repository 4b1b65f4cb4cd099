//! The [`WalletProvider`] trait on [`Apple`] and [`capabilities()`]: each operation checks its
//! input, reads or writes the store, and ends with `.at(PROVIDER, op)`, so every error it
//! returns names this provider and the call the user made (core's
//! [`ResultExt::at`](walletpass_core::ResultExt::at), as in the other backends). Listings page
//! by store position.

use async_trait::async_trait;
use secrecy::SecretString;
use time::OffsetDateTime;
use walletpass_core::paging;
use walletpass_core::{
    BarcodeFormat, Capabilities, CreatedWebhookSubscription, Error, ErrorKind, ListQuery, NewPass,
    NewTemplate, NewWebhookSubscription, Operation, Page, Pass, PassContent, PassPatch, PassRef,
    PassStatus, Platform, Result, ResultExt, Template, TemplateId, WalletProvider, WebhookDelivery,
    WebhookEventKind, WebhookId, WebhookSubscription, WebhookVerifier,
};

use crate::error::{invalid, not_found};
use crate::ids::check_serial;
use crate::outbound_webhooks::AppleWebhookVerifier;
use crate::passes::new_token;
use crate::store::{PassChange, PassFilter, PassRow};
use crate::template::AppleTemplate;
use crate::{Apple, PROVIDER};

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

/// What this backend supports: everything but the bulk path.
pub fn capabilities() -> Capabilities {
    let mut c = Capabilities::none();
    c.create = true;
    c.get = true;
    c.patch = true;
    c.put = true;
    c.delete = true;
    c.void = true;
    c.list = true;
    c.list_full_content = true;
    c.search = true;
    c.list_filter_status = true;
    c.caller_serial = true;
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
    c.labels = true;
    c.placements = true;
    c.link_values = true;
    c.typed_values = true;
    c.change_messages = true;
    c.colors = true;
    c.label_color = true;
    c.appearance_texts = true;
    c.barcode_formats = BarcodeFormat::ALL.into_iter().collect();
    c.barcode_alt_text = true;
    c.relevant_date = true;
    c.expiration_date = true;
    c.images = true;
    c.locations = true;
    c.extra = true;
    c.fixed_field_keys = true;
    c.max_fields_per_placement = vec![(walletpass_core::Placement::Header, 3)];
    c
}

/// One page from up to `size + 1` rows in position order: the cursor is the position of the
/// last row returned when there is more.
fn page_of<T>(mut rows: Vec<(u64, T)>, size: usize) -> Page<T> {
    let more = rows.len() > size;
    rows.truncate(size);
    let next = more
        .then(|| rows.last().map(|(seq, _)| paging::offset_cursor(*seq)))
        .flatten();
    Page {
        items: rows.into_iter().map(|(_, item)| item).collect(),
        next,
    }
}

/// The position after which a page starts, and its size (core's page-size rule).
fn page_bounds(query: &ListQuery) -> Result<(u64, usize)> {
    let after = paging::offset(query.cursor.as_ref(), "Apple")?;
    let size = paging::page_size(query.page_size, u32::try_from(MAX_PAGE).ok())?
        .map_or(DEFAULT_PAGE, |n| n as usize);
    Ok((after, size))
}

#[async_trait]
impl WalletProvider for Apple {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        self.declared_capabilities()
    }

    async fn create(&self, new: NewPass) -> Result<Pass> {
        let op = Operation::Create;
        async {
            new.content.validate()?;
            let template = match &new.template {
                Some(t) => Some(self.template(t.as_str(), op)?),
                None => None,
            };
            let content = match &template {
                Some((t, _)) => Self::conform(t, new.content, op)?,
                None => new.content,
            };
            let serial = match &new.serial_number {
                Some(s) => {
                    check_serial(op, "serial_number", s.as_str())?;
                    s.to_string()
                }
                None => uuid::Uuid::new_v4().simple().to_string(),
            };
            self.check_renders(
                &serial,
                &PassStatus::Active,
                &content,
                template.as_ref(),
                op,
            )?;
            let now = OffsetDateTime::now_utc().unix_timestamp_nanos();
            let row = PassRow {
                seq: 0,
                serial: serial.clone(),
                template: new.template.as_ref().map(|t| t.to_string()),
                status: PassStatus::Active,
                content,
                auth_token: new_token(),
                update_tag: 1,
                created_at: now,
                updated_at: now,
            };
            match self.store().insert_pass(&row)? {
                Ok(stored) => {
                    let pass = self.to_pass(stored);
                    self.emit(WebhookEventKind::PassCreated, &pass);
                    Ok(pass)
                }
                Err(existing)
                    if existing.content == row.content && existing.template == row.template =>
                {
                    Ok(self.to_pass(existing))
                }
                Err(_) => Err(Error::new(
                    ErrorKind::Conflict,
                    format!("a pass with serial '{serial}' already exists with other content"),
                )
                .with_resource(serial)),
            }
        }
        .await
        .at(PROVIDER, op)
    }

    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        let op = Operation::Get;
        self.find(pass, op)
            .map(|row| self.to_pass(row))
            .at(PROVIDER, op)
    }

    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        let op = Operation::Patch;
        self.change(pass, op, |current, template| {
            let content = current.content.apply_patch(patch)?;
            let content = match template {
                Some((t, _)) => Self::conform(t, content, op)?,
                None => content,
            };
            Ok(Some(PassChange {
                status: current.status.clone(),
                content,
            }))
        })
        .at(PROVIDER, op)
    }

    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        let op = Operation::Put;
        async {
            content.validate()?;
            self.change(pass, op, |current, template| {
                let content = match template {
                    Some((t, _)) => Self::conform(t, content.clone(), op)?,
                    None => content.clone(),
                };
                Ok(Some(PassChange {
                    status: current.status.clone(),
                    content,
                }))
            })
        }
        .await
        .at(PROVIDER, op)
    }

    async fn delete(&self, pass: &PassRef) -> Result<()> {
        let op = Operation::Delete;
        async {
            self.find(pass, op)?;
            if self.store().delete_pass(pass.id.as_str())? {
                Ok(())
            } else {
                Err(not_found(op, "pass", pass.id.as_str()))
            }
        }
        .await
        .at(PROVIDER, op)
    }

    async fn void(&self, pass: &PassRef) -> Result<Pass> {
        let op = Operation::Void;
        self.change(pass, op, |current, _| {
            Ok((current.status != PassStatus::Voided).then(|| PassChange {
                status: PassStatus::Voided,
                content: current.content.clone(),
            }))
        })
        .at(PROVIDER, op)
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        async {
            let (after, size) = page_bounds(query)?;
            let filter = PassFilter {
                template: query.template.as_ref().map(|t| t.to_string()),
                status: query.status.as_ref().map(|s| s.as_str().to_owned()),
                search: query.search.clone(),
            };
            let rows = self.store().list_passes(&filter, after, size + 1)?;
            let rows = rows.into_iter().map(|r| (r.seq, self.to_pass(r))).collect();
            Ok::<_, Error>(page_of(rows, size))
        }
        .await
        .at(PROVIDER, Operation::List)
    }

    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>> {
        async {
            let (after, size) = page_bounds(query)?;
            Ok::<_, Error>(page_of(self.store().list_templates(after, size + 1)?, size))
        }
        .await
        .at(PROVIDER, Operation::ListTemplates)
    }

    async fn get_template(&self, id: &TemplateId) -> Result<Template> {
        let op = Operation::GetTemplate;
        async {
            check_serial(op, "template_id", id.as_str())?;
            Ok::<_, Error>(self.template(id.as_str(), op)?.0)
        }
        .await
        .at(PROVIDER, op)
    }

    async fn create_template(&self, new: NewTemplate) -> Result<Template> {
        let op = Operation::CreateTemplate;
        async {
            new.validate()?;
            let apple = AppleTemplate::from_new(&new, op)?;
            for (name, key) in &apple.images {
                if self.store().get_image(key)?.is_none() {
                    return Err(invalid(
                        op,
                        format!("extra.images.{name}"),
                        format!("no image '{key}' is stored: upload it with put_image first"),
                    ));
                }
            }
            for key in apple.change_messages.keys() {
                if !new.fields.iter().any(|s| s.key.as_str() == key) && !new.fields.is_empty() {
                    return Err(invalid(
                        op,
                        format!("extra.changeMessages.{key}"),
                        "the template has no such field",
                    ));
                }
            }
            if matches!(new.platform, Some(Platform::Google)) {
                return Err(invalid(
                    op,
                    "platform",
                    "this backend issues Apple Wallet passes only",
                ));
            }
            let template = Template {
                id: TemplateId::new(format!("tpl_{}", uuid::Uuid::new_v4().simple()))?,
                name: new.name,
                platform: Some(Platform::Apple),
                style: Some(apple.style().key().to_owned()),
                fields: new.fields,
                appearance: new.appearance,
                issued_count: None,
                installed_count: None,
                created_at: Some(OffsetDateTime::now_utc()),
                extra: new.extra,
            };
            self.store().insert_template(&template)?;
            Ok(template)
        }
        .await
        .at(PROVIDER, op)
    }

    async fn delete_template(&self, id: &TemplateId) -> Result<()> {
        let op = Operation::DeleteTemplate;
        async {
            check_serial(op, "template_id", id.as_str())?;
            match self.store().delete_template(id.as_str())? {
                None => Err(not_found(op, "template", id.as_str())),
                Some(Ok(())) => Ok(()),
                Some(Err(count)) => Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "template '{id}' still has {count} pass(es): delete or move them first (a template with passes is never deleted, so no pass goes with it)"
                    ),
                )
                .with_resource(id.as_str())),
            }
        }
        .await
        .at(PROVIDER, op)
    }

    async fn create_webhook(
        &self,
        new: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        let op = Operation::CreateWebhook;
        async {
            if let Some(t) = &new.template {
                self.template(t.as_str(), op)?;
            }
            let sent = [
                WebhookEventKind::PassCreated,
                WebhookEventKind::PassUpdated,
                WebhookEventKind::PassVoided,
                WebhookEventKind::PassInstalled,
                WebhookEventKind::PassUninstalled,
            ];
            if let Some(kind) = new.events.iter().find(|k| !sent.contains(k)) {
                tracing::warn!(
                    provider = PROVIDER,
                    event = %kind,
                    "webhook subscription kept, but this backend never sends this kind"
                );
            }
            let secret = match new.secret {
                Some(s) if secrecy::ExposeSecret::expose_secret(&s).is_empty() => {
                    return Err(invalid(op, "secret", "an empty secret is no secret"));
                }
                Some(s) => s,
                None => SecretString::from(format!("whsec_{}", new_token())),
            };
            let subscription = WebhookSubscription {
                id: WebhookId::new(format!("wh_{}", uuid::Uuid::new_v4().simple()))?,
                url: new.url.to_string(),
                events: new.events,
                template: new.template,
                active: true,
                created_at: Some(OffsetDateTime::now_utc()),
            };
            self.store().insert_webhook(&subscription, &secret)?;
            Ok(CreatedWebhookSubscription {
                subscription,
                secret,
            })
        }
        .await
        .at(PROVIDER, op)
    }

    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>> {
        async {
            let (after, size) = page_bounds(query)?;
            let template = query.template.as_ref().map(TemplateId::as_str);
            Ok::<_, Error>(page_of(
                self.store().list_webhooks(template, after, size + 1)?,
                size,
            ))
        }
        .await
        .at(PROVIDER, Operation::ListWebhooks)
    }

    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription> {
        let op = Operation::GetWebhook;
        async {
            self.store()
                .get_webhook(id.as_str())?
                .ok_or_else(|| not_found(op, "webhook subscription", id.as_str()))
        }
        .await
        .at(PROVIDER, op)
    }

    async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
        let op = Operation::DeleteWebhook;
        async {
            if self.store().delete_webhook(id.as_str())? {
                Ok(())
            } else {
                Err(not_found(op, "webhook subscription", id.as_str()))
            }
        }
        .await
        .at(PROVIDER, op)
    }

    async fn webhook_deliveries(
        &self,
        id: &WebhookId,
        query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>> {
        let op = Operation::WebhookDeliveries;
        async {
            let (after, size) = page_bounds(query)?;
            if self.store().get_webhook(id.as_str())?.is_none() {
                return Err(not_found(op, "webhook subscription", id.as_str()));
            }
            Ok(page_of(
                self.store().list_deliveries(id.as_str(), after, size + 1)?,
                size,
            ))
        }
        .await
        .at(PROVIDER, op)
    }

    fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>> {
        if secrecy::ExposeSecret::expose_secret(&secret).is_empty() {
            return Err(invalid(
                Operation::VerifyWebhook,
                "secret",
                "an empty secret is no secret",
            ));
        }
        Ok(Box::new(AppleWebhookVerifier::new(secret)))
    }

    fn batch(&self) -> Option<&dyn walletpass_core::BatchProvider> {
        None
    }
}
