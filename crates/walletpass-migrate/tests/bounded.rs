//! Bounded memory, pinned structurally (never by timing or RSS): a run many times larger than
//! its page size never has more source passes listed but not yet staged in the checkpoint than
//! a few pages, and never loads more checkpoint rows at once than one page.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use walletpass_core::{
    BatchProvider, Capabilities, CreatedWebhookSubscription, ListQuery, MemoryProvider, NewPass,
    NewTemplate, NewWebhookSubscription, Page, Pass, PassContent, PassPatch, PassRef, Result,
    SecretString, Template, TemplateId, WalletProvider, WebhookDelivery, WebhookId,
    WebhookSubscription, WebhookVerifier,
};
use walletpass_migrate::{Checkpoint, Mapping, Migration, Options};

/// A memory source that, at every listing page it hands out, compares how many passes it has
/// listed so far with how many the run has staged in the checkpoint, and keeps the largest gap.
#[derive(Debug)]
struct Counting {
    inner: MemoryProvider,
    listed: AtomicUsize,
    worst_gap: AtomicUsize,
    checkpoint: OnceLock<Arc<Checkpoint>>,
}

impl Counting {
    fn note(&self) {
        let listed = self.listed.load(Ordering::SeqCst);
        let staged = self
            .checkpoint
            .get()
            .map_or(0, |cp| cp.staged_len().unwrap());
        self.worst_gap
            .fetch_max(listed.saturating_sub(staged), Ordering::SeqCst);
    }
}

#[async_trait]
impl WalletProvider for Counting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    async fn create(&self, pass: NewPass) -> Result<Pass> {
        self.inner.create(pass).await
    }
    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        self.inner.get(pass).await
    }
    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        self.inner.patch(pass, patch).await
    }
    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        self.inner.put(pass, content).await
    }
    async fn delete(&self, pass: &PassRef) -> Result<()> {
        self.inner.delete(pass).await
    }
    async fn void(&self, pass: &PassRef) -> Result<Pass> {
        self.inner.void(pass).await
    }
    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        self.note();
        let page = self.inner.list(query).await?;
        self.listed.fetch_add(page.items.len(), Ordering::SeqCst);
        self.note();
        Ok(page)
    }
    async fn list_templates(&self, query: &ListQuery) -> Result<Page<Template>> {
        self.inner.list_templates(query).await
    }
    async fn get_template(&self, id: &TemplateId) -> Result<Template> {
        self.inner.get_template(id).await
    }
    async fn create_template(&self, template: NewTemplate) -> Result<Template> {
        self.inner.create_template(template).await
    }
    async fn delete_template(&self, id: &TemplateId) -> Result<()> {
        self.inner.delete_template(id).await
    }
    async fn create_webhook(
        &self,
        s: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        self.inner.create_webhook(s).await
    }
    async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<WebhookSubscription>> {
        self.inner.list_webhooks(query).await
    }
    async fn get_webhook(&self, id: &WebhookId) -> Result<WebhookSubscription> {
        self.inner.get_webhook(id).await
    }
    async fn delete_webhook(&self, id: &WebhookId) -> Result<()> {
        self.inner.delete_webhook(id).await
    }
    async fn webhook_deliveries(
        &self,
        id: &WebhookId,
        query: &ListQuery,
    ) -> Result<Page<WebhookDelivery>> {
        self.inner.webhook_deliveries(id, query).await
    }
    fn webhook_verifier(&self, secret: SecretString) -> Result<Box<dyn WebhookVerifier>> {
        self.inner.webhook_verifier(secret)
    }
    fn batch(&self) -> Option<&dyn BatchProvider> {
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_many_pages_long_holds_a_few_pages_at_a_time() {
    const PAGE: u32 = 20;
    const CONCURRENCY: usize = 4;
    const PASSES: usize = 2_000; // 100 pages
    let source = Arc::new(Counting {
        inner: MemoryProvider::new(),
        listed: AtomicUsize::new(0),
        worst_gap: AtomicUsize::new(0),
        checkpoint: OnceLock::new(),
    });
    common::fill(&source.inner, PASSES).await;
    let target = common::Wrapped::memory();
    let cp = Arc::new(Checkpoint::in_memory().unwrap());
    source.checkpoint.set(Arc::clone(&cp)).unwrap();
    let options = Options {
        page_size: PAGE,
        concurrency: CONCURRENCY,
        verify: true,
        ..Options::default()
    };
    let m = Migration::new(
        source.clone(),
        target.clone(),
        Mapping::from_toml("").unwrap(),
    )
    .options(options);
    let summary = m.run(&cp).await.unwrap();
    assert_eq!(
        (
            summary.total,
            summary.migrated,
            summary.verified,
            summary.failed
        ),
        (PASSES, PASSES, PASSES, 0),
        "{summary}"
    );
    common::assert_exactly_once(&target, PASSES, "member.id").await;
    assert_eq!(source.listed.load(Ordering::SeqCst), PASSES);

    // Listed but not yet staged: the page just listed, the chunk being mapped and the reads
    // in flight, never the inventory.
    let gap = source.worst_gap.load(Ordering::SeqCst);
    let bound = 3 * PAGE as usize + CONCURRENCY;
    assert!(
        gap <= bound,
        "{gap} passes listed but not staged (bound {bound})"
    );
    // Every later phase (lookup, create, verify, the summary) loads one page of rows at once.
    assert!(
        cp.largest_read() <= PAGE as usize,
        "{} rows loaded at once",
        cp.largest_read()
    );
    assert!(cp.largest_read() > 0);

    // A rerun (every row recorded) reads the checkpoint the same way.
    let again = m.run(&cp).await.unwrap();
    assert_eq!((again.skipped, again.migrated), (PASSES, 0), "{again}");
    assert!(cp.largest_read() <= PAGE as usize);
}
