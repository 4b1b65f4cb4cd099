//! The [`WalletProvider`] trait every backend implements (all operations required, so a
//! wrapper can never silently skip a backend's own method), the [`WalletProviderExt`]
//! conveniences every provider gets for free, and the optional [`BatchProvider`] bulk path.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use secrecy::SecretString;

use crate::capabilities::Capabilities;
use crate::error::{Error, ErrorKind, Operation, Result};
use crate::model::{
    Cursor, ListQuery, NewPass, NewTemplate, Page, Pass, PassContent, PassPatch, PassRef, Template,
    TemplateId, WebhookId,
};
use crate::webhook::{
    CreatedWebhookSubscription, NewWebhookSubscription, WebhookDelivery, WebhookSubscription,
    WebhookVerifier,
};

/// One API over every wallet-pass vendor.
///
/// Where a vendor lacks an operation, the method returns an [`ErrorKind::Unsupported`] error
/// and [`capabilities`](Self::capabilities) says so.
///
/// ```
/// # async fn demo() -> walletpass_core::Result<()> {
/// use std::sync::Arc;
/// use walletpass_core::{MemoryProvider, NewPass, PassContent, WalletProvider};
/// let provider: Arc<dyn WalletProvider> = Arc::new(MemoryProvider::new());
/// let pass = provider
///     .create(NewPass::new(PassContent::builder().value("tier", "Gold").build()?))
///     .await?;
/// assert_eq!(provider.get(&pass.pass_ref).await?.content, pass.content);
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
/// ```
#[async_trait]
pub trait WalletProvider: Send + Sync + fmt::Debug {
    /// The provider's name (`memory`, `passninja`, `ubpass`, `passinstance`).
    fn name(&self) -> &'static str;

    /// What this provider supports.
    fn capabilities(&self) -> &Capabilities;

    /// Create a pass.
    async fn create(&self, pass: NewPass) -> Result<Pass>;

    /// Read a pass.
    async fn get(&self, pass: &PassRef) -> Result<Pass>;

    /// Change the named fields (and barcode, appearance, dates) and nothing else.
    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass>;

    /// Replace the pass's content; absent fields revert to the template's defaults where the
    /// vendor keeps defaults.
    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass>;

    /// Delete a pass. Deleting it again is [`ErrorKind::NotFound`].
    async fn delete(&self, pass: &PassRef) -> Result<()>;

    /// Void a pass: it stays, with status voided.
    async fn void(&self, pass: &PassRef) -> Result<Pass>;

    /// One page of passes.
    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>>;

    /// One page of templates (`query.cursor` and `query.page_size` apply).
    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>>;

    /// Read a template.
    async fn get_template(&self, id: &TemplateId) -> Result<Template>;

    /// Create a template.
    async fn create_template(&self, template: NewTemplate) -> Result<Template>;

    /// Delete a template.
    async fn delete_template(&self, id: &TemplateId) -> Result<()>;

    /// Subscribe to webhook events; the secret is returned this once only.
    async fn create_webhook(
        &self,
        subscription: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription>;

    /// One page of webhook subscriptions (`query.template` filters where supported).
    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>>;

    /// Read a webhook subscription (without its secret).
    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription>;

    /// Delete a webhook subscription.
    async fn delete_webhook(&self, id: &WebhookId) -> Result<()>;

    /// One page of a subscription's delivery attempts.
    async fn webhook_deliveries(
        &self,
        id: &WebhookId,
        query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>>;

    /// A verifier for inbound deliveries signed with `secret`.
    fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>>;

    /// The bulk path, when the vendor has one.
    fn batch(&self) -> Option<&dyn BatchProvider>;
}

/// A vendor's bulk path: many passes in one job instead of one call each.
#[async_trait]
pub trait BatchProvider: Send + Sync {
    /// Create many passes; one result per input, in input order. The outer error is for the
    /// job as a whole (it could not be submitted or followed).
    async fn create_many(&self, passes: Vec<NewPass>) -> Result<Vec<Result<Pass>>>;
}

macro_rules! forward_provider {
    ($ty:ty) => {
        #[async_trait]
        impl<T: WalletProvider + ?Sized> WalletProvider for $ty {
            fn name(&self) -> &'static str {
                (**self).name()
            }
            fn capabilities(&self) -> &Capabilities {
                (**self).capabilities()
            }
            async fn create(&self, pass: NewPass) -> Result<Pass> {
                (**self).create(pass).await
            }
            async fn get(&self, pass: &PassRef) -> Result<Pass> {
                (**self).get(pass).await
            }
            async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
                (**self).patch(pass, patch).await
            }
            async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
                (**self).put(pass, content).await
            }
            async fn delete(&self, pass: &PassRef) -> Result<()> {
                (**self).delete(pass).await
            }
            async fn void(&self, pass: &PassRef) -> Result<Pass> {
                (**self).void(pass).await
            }
            async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
                (**self).list(query).await
            }
            async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>> {
                (**self).list_templates(query).await
            }
            async fn get_template(&self, id: &TemplateId) -> Result<Template> {
                (**self).get_template(id).await
            }
            async fn create_template(&self, template: NewTemplate) -> Result<Template> {
                (**self).create_template(template).await
            }
            async fn delete_template(&self, id: &TemplateId) -> Result<()> {
                (**self).delete_template(id).await
            }
            async fn create_webhook(
                &self,
                subscription: NewWebhookSubscription,
            ) -> Result<CreatedWebhookSubscription> {
                (**self).create_webhook(subscription).await
            }
            async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>> {
                (**self).list_webhooks(query).await
            }
            async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription> {
                (**self).get_webhook(id).await
            }
            async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
                (**self).delete_webhook(id).await
            }
            async fn webhook_deliveries(
                &self,
                id: &WebhookId,
                query: &ListQuery,
            ) -> Result<Page<WebhookDelivery>> {
                (**self).webhook_deliveries(id, query).await
            }
            fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>> {
                (**self).webhook_verifier(secret)
            }
            fn batch(&self) -> Option<&dyn BatchProvider> {
                (**self).batch()
            }
        }
    };
}

forward_provider!(Arc<T>);
forward_provider!(Box<T>);

/// Turn a page function into a stream of every item, following `next` until the last page.
///
/// A provider that hands back the cursor it was given (which would loop forever) ends the
/// stream with an [`ErrorKind::Decode`] error.
pub fn paginate<'a, T, F, Fut>(query: ListQuery, fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: Fn(ListQuery) -> Fut + Send + Sync + 'a,
    Fut: std::future::Future<Output = Result<Page<T>>> + Send + 'a,
{
    let fetch = Arc::new(fetch);
    stream::unfold(Some(query), move |state| {
        let fetch = Arc::clone(&fetch);
        async move {
            let query = state?;
            let asked: Option<Cursor> = query.cursor.clone();
            match fetch(query.clone()).await {
                Ok(page) => {
                    let next = match page.next {
                        Some(next) if Some(&next) == asked.as_ref() => {
                            let err = Error::new(
                                ErrorKind::Decode,
                                format!("the provider returned cursor '{next}' for itself; stopping to avoid a loop"),
                            )
                            .with_operation(Operation::List);
                            return Some((stream::iter(vec![Err(err)]).left_stream(), None));
                        }
                        Some(next) => Some(ListQuery {
                            cursor: Some(next),
                            ..query
                        }),
                        None => None,
                    };
                    let items: Vec<Result<T>> = page.items.into_iter().map(Ok).collect();
                    Some((stream::iter(items).left_stream(), next))
                }
                Err(e) => Some((stream::iter(vec![Err(e)]).right_stream(), None)),
            }
        }
    })
    .flatten()
    .boxed()
}

/// Conveniences every [`WalletProvider`] gets through a blanket implementation.
#[async_trait]
pub trait WalletProviderExt: WalletProvider {
    /// Every pass matching `query`, walking every page.
    ///
    /// ```
    /// # async fn demo() -> walletpass_core::Result<()> {
    /// use futures::TryStreamExt;
    /// use walletpass_core::{ListQuery, MemoryProvider, NewPass, PassContent, WalletProvider, WalletProviderExt};
    /// let provider = MemoryProvider::new();
    /// for i in 0..5 {
    ///     provider.create(NewPass::new(PassContent::builder().value("n", i).build()?)).await?;
    /// }
    /// let all: Vec<_> = provider.list_all(ListQuery::new().page_size(2)).try_collect().await?;
    /// assert_eq!(all.len(), 5);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    fn list_all(&self, query: ListQuery) -> BoxStream<'_, Result<Pass>> {
        paginate(query, move |q| async move { self.list(&q).await })
    }

    /// Every template, walking every page.
    fn list_all_templates(&self) -> BoxStream<'_, Result<Template>> {
        paginate(ListQuery::new(), move |q| async move {
            self.list_templates(&q).await
        })
    }

    /// Read a pass, `None` when it does not exist.
    async fn get_or_none(&self, pass: &PassRef) -> Result<Option<Pass>> {
        match self.get(pass).await {
            Ok(p) => Ok(Some(p)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Create the pass, or replace its content when a pass with its caller-chosen serial
    /// already exists. Needs `serial_number`.
    async fn upsert(&self, pass: NewPass) -> Result<Pass> {
        let Some(serial) = pass.serial_number.clone() else {
            return Err(Error::invalid_field(
                "serial_number",
                "upsert needs a caller-chosen serial number",
            ));
        };
        let pass_ref = PassRef {
            template: pass.template.clone(),
            id: serial,
        };
        match self.get_or_none(&pass_ref).await? {
            Some(_) => self.put(&pass_ref, pass.content).await,
            None => self.create(pass).await,
        }
    }

    /// An [`ErrorKind::Unsupported`] error listing every part of `content` this provider cannot
    /// hold, or `Ok` when it fits.
    fn check_fits(&self, content: &PassContent) -> Result<()> {
        let misfits = self.capabilities().misfits(content);
        if misfits.is_empty() {
            return Ok(());
        }
        let mut error = Error::new(
            ErrorKind::Unsupported,
            format!(
                "{} cannot store: {}",
                self.name(),
                misfits
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
        .with_provider(self.name());
        for misfit in &misfits {
            error = error.with_field_error(misfit.path(), misfit.to_string());
        }
        Err(error)
    }
}

impl<T: WalletProvider + ?Sized> WalletProviderExt for T {}
