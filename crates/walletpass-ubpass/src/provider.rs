//! [`WalletProvider`] for [`Ubpass`]: create, get, patch (composed: read the document, merge
//! the patch, send the whole document back), put (send the given content as the whole
//! document), delete (an endpoint the vendor removed from its docs), list (cursor pages of at
//! most 20). A search keeps, page by page, the passes whose id or name contains the text (any
//! case): the vendor itself searches names only. `void`, templates and webhooks do not exist
//! at ubpass: `Unsupported`, and the capabilities say so.

use async_trait::async_trait;
use secrecy::SecretString;
use walletpass_core::http::RequestBuilder;
use walletpass_core::paging;
use walletpass_core::{
    BarcodeFormat, BatchProvider, Capabilities, CreatedWebhookSubscription, Error, ErrorKind,
    ListQuery, NewPass, NewTemplate, NewWebhookSubscription, Operation, Page, Pass, PassContent,
    PassId, PassPatch, PassRef, Placement, Result, ResultExt, Template, TemplateId, WalletProvider,
    WebhookDelivery, WebhookId, WebhookSubscription, WebhookVerifier,
};

use crate::PROVIDER;
use crate::client::{CreateOptions, ListPasses, MAX_PAGE_SIZE, Ubpass};
use crate::convert;
use crate::wire::WalletPass;

/// What ubpass supports through the trait.
pub fn capabilities() -> Capabilities {
    let mut c = Capabilities::none();
    c.create = true;
    c.get = true;
    c.patch = true;
    c.patch_is_composed = true;
    c.put = true;
    c.delete = true;
    c.list = true;
    // Listed passes carry `passMetadata` (the content) but not `passLink`.
    c.list_full_content = true;
    c.search = true;
    c.list_filter_status = true;
    c.labels = true;
    c.placements = true;
    c.max_fields_per_placement = vec![(Placement::Header, 1)];
    c.unsupported_placements = vec![Placement::Primary, Placement::Auxiliary];
    c.link_values = true;
    c.change_messages = true;
    c.colors = true;
    c.appearance_texts = true;
    c.barcode_formats = [BarcodeFormat::Qr].into_iter().collect();
    c.barcode_alt_text = true;
    c.images = true;
    c.locations = true;
    c.extra = true;
    c.notes = vec![
        "delete uses DELETE /wallet-pass/{id}, an endpoint the vendor removed from its docs (ubpass-removed-endpoints.txt): it may stop working without notice".into(),
    ];
    c
}

/// Refuse a reference through a template: ubpass has none.
fn id_of(pass: &PassRef, op: Operation) -> Result<&PassId> {
    if let Some(template) = &pass.template {
        return Err(Error::new(ErrorKind::Unsupported, format!("template: ubpass has no templates; address the pass by id alone, not through '{template}'")).at(PROVIDER, op)
        .with_field_error("template", "ubpass has no templates"));
    }
    Ok(&pass.id)
}

#[async_trait]
impl WalletProvider for Ubpass {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn create(&self, pass: NewPass) -> Result<Pass> {
        self.create_pass(pass, CreateOptions::default()).await
    }

    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        let op = Operation::Get;
        let id = id_of(pass, op)?;
        // The conversion runs inside the request's future, so this one never holds the wire
        // document. The future is bound before it is awaited: `read_pass(..)?.await` would
        // keep the `?`'s temporary, a second copy of the future, in this one across the await.
        let read = self.read_pass(op, id, |wire| {
            convert::pass_from_wire(*wire).at(PROVIDER, op)
        })?;
        read.await
    }

    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        let op = Operation::Patch;
        let id = id_of(pass, op)?;
        let read = self.read_pass(op, id, Ok)?;
        let read = read.await?;
        // The document read is consumed here: only the request is carried across the write.
        let write = self.patched_write(id, read, patch)?;
        // Boxed, as the read: the answer is a kilobyte.
        let wire: Box<WalletPass> = write.send_json().await?;
        convert::pass_from_wire(*wire).at(PROVIDER, op)
    }

    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        let op = Operation::Put;
        let id = id_of(pass, op)?;
        content.validate().at(PROVIDER, op)?;
        convert::check_fits(&content, &self.caps).at(PROVIDER, op)?;
        let name = match convert::pass_name_of(&content).at(PROVIDER, op)? {
            Some(name) => name,
            None => self
                .get_wallet_pass_as(op, id)
                .await?
                .pass_name
                .ok_or_else(|| {
                    Error::new(ErrorKind::Decode, "the pass read has no passName")
                        .at(PROVIDER, op)
                        .with_resource(id.as_str())
                })?,
        };
        let body = convert::to_wire(&content, name, None).at(PROVIDER, op)?;
        let wire = self.update_wallet_pass_as(op, id, &body).await?;
        convert::pass_from_wire(wire).at(PROVIDER, op)
    }

    async fn delete(&self, pass: &PassRef) -> Result<()> {
        let id = id_of(pass, Operation::Delete)?;
        self.delete_wallet_pass(id).await
    }

    async fn void(&self, _pass: &PassRef) -> Result<Pass> {
        Err(Error::unsupported(PROVIDER, Operation::Void))
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        let op = Operation::List;
        if let Some(template) = &query.template {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("template: ubpass has no templates to list '{template}' by"),
            )
            .at(PROVIDER, op)
            .with_field_error("template", "ubpass has no templates"));
        }
        paging::page_size(query.page_size, Some(MAX_PAGE_SIZE)).at(PROVIDER, op)?;
        let status = match &query.status {
            None => Vec::new(),
            Some(s) => match convert::status_to_wire(s) {
                Some(word) => vec![word.to_owned()],
                // ubpass passes are only draft or published: nothing has this status.
                None => return Ok(Page::last(Vec::new())),
            },
        };
        let mut page = self
            .list_wallet_passes(&ListPasses {
                cursor: query.cursor.clone(),
                limit: query.page_size,
                status,
                ..ListPasses::default()
            })
            .await?;
        if let Some(text) = &query.search {
            // The serial (the id) or the name contains the text, without regard to case.
            let needle = text.to_lowercase();
            let contains = |s: &Option<String>| {
                s.as_deref()
                    .is_some_and(|s| s.to_lowercase().contains(&needle))
            };
            page.items
                .retain(|p| contains(&p.id) || contains(&p.pass_name));
        }
        let items = page
            .items
            .into_iter()
            .map(convert::pass_from_wire)
            .collect::<Result<Vec<_>>>()
            .at(PROVIDER, op)?;
        Ok(Page {
            items,
            next: page.next,
        })
    }

    async fn list_templates(&self, _query: &ListQuery) -> Result<Page<Template>> {
        Err(Error::unsupported(PROVIDER, Operation::ListTemplates))
    }

    async fn get_template(&self, _id: &TemplateId) -> Result<Template> {
        Err(Error::unsupported(PROVIDER, Operation::GetTemplate))
    }

    async fn create_template(&self, _template: NewTemplate) -> Result<Template> {
        Err(Error::unsupported(PROVIDER, Operation::CreateTemplate))
    }

    async fn delete_template(&self, _id: &TemplateId) -> Result<()> {
        Err(Error::unsupported(PROVIDER, Operation::DeleteTemplate))
    }

    async fn create_webhook(
        &self,
        _subscription: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        Err(Error::unsupported(PROVIDER, Operation::CreateWebhook))
    }

    async fn list_webhooks(&self, _query: &ListQuery) -> Result<Page<WebhookSubscription>> {
        Err(Error::unsupported(PROVIDER, Operation::ListWebhooks))
    }

    async fn get_webhook(&self, _id: &WebhookId) -> Result<WebhookSubscription> {
        Err(Error::unsupported(PROVIDER, Operation::GetWebhook))
    }

    async fn delete_webhook(&self, _id: &WebhookId) -> Result<()> {
        Err(Error::unsupported(PROVIDER, Operation::DeleteWebhook))
    }

    async fn webhook_deliveries(
        &self,
        _id: &WebhookId,
        _query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>> {
        Err(Error::unsupported(PROVIDER, Operation::WebhookDeliveries))
    }

    fn webhook_verifier(&self, _secret: SecretString) -> Result<Box<dyn WebhookVerifier>> {
        Err(Error::unsupported(PROVIDER, Operation::VerifyWebhook))
    }

    fn batch(&self) -> Option<&dyn BatchProvider> {
        None
    }
}

impl Ubpass {
    /// The write of a composed `patch`: `patch` merged into the document `read`, as the update
    /// request that sends it back whole. A plain function, out of line, rather than part of
    /// `patch`'s future: its large locals (the document, its content, the merged content, the
    /// encoded body) live in this call's stack frame only, not in the frame that polls the
    /// requests.
    #[inline(never)]
    fn patched_write(
        &self,
        id: &PassId,
        read: Box<WalletPass>,
        patch: &PassPatch,
    ) -> Result<RequestBuilder<'_>> {
        let op = Operation::Patch;
        let no_base = || {
            Error::new(
                ErrorKind::Decode,
                "the pass read has no passName or passMetadata to send back",
            )
            .at(PROVIDER, op)
            .with_resource(id.as_str())
        };
        if read.pass_name.is_none() || read.pass_metadata.is_none() {
            return Err(no_base());
        }
        // The read is checked as `get` checks it (its id too), so a document `get` would refuse
        // fails the patch before anything is written.
        convert::id_of(&read).at(PROVIDER, op)?;
        // The document read is read as canonical content (its parts copied), and becomes the
        // base of the write (moved): its unchanged parts move into the write.
        let (current, base) = convert::read_for_write(*read)
            .at(PROVIDER, op)?
            .ok_or_else(no_base)?;
        let next = current.into_patched(patch).at(PROVIDER, op)?;
        convert::check_fits(&next, &self.caps).at(PROVIDER, op)?;
        let name = match convert::pass_name_of(&next).at(PROVIDER, op)? {
            Some(name) => name,
            None => base.pass_name().to_owned(),
        };
        let body = convert::to_wire(&next, name, Some(base)).at(PROVIDER, op)?;
        self.update_request(op, id, &body)
    }
}
