//! Test helpers: a provider wrapper that restricts capabilities, counts writes and listed
//! passes, calls a probe at every listing page, injects faults (refused before applying,
//! applied then lost, rate limited) and can freeze mid-create to simulate a crash; source
//! inventories; a checkpoint's rows.

#![allow(dead_code)] // each test file uses a different part of the helpers

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use walletpass_core::{
    BatchProvider, Capabilities, CreatedWebhookSubscription, Error, ErrorKind, Field, ListQuery,
    MemoryProvider, NewPass, NewTemplate, NewWebhookSubscription, Page, Pass, PassContent,
    PassPatch, PassRef, Placement, Result, SecretString, Template, TemplateId, WalletProvider,
    WalletProviderExt, WebhookDelivery, WebhookId, WebhookSubscription, WebhookVerifier,
};
use walletpass_migrate::{Checkpoint, CheckpointError, Row};

/// Fault rates, in per-mille, decided by a seeded counter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// Refused with a 5xx before anything happens.
    pub server_error: u64,
    /// Applied, then the answer is lost (transport error).
    pub dropped: u64,
    /// Answered 429 with Retry-After.
    pub rate_limited: u64,
    /// Applied twice, the second answered (a client repeating a create after a lost answer).
    pub duplicated: u64,
}

/// A probe called at every listing page with the number of passes listed so far: before the
/// page is read and after it was counted.
pub struct ListHook(pub Box<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for ListHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListHook")
    }
}

#[derive(Debug)]
pub struct Wrapped {
    pub inner: Arc<dyn WalletProvider>,
    pub caps: Capabilities,
    pub writes: AtomicU64,
    pub creates_applied: AtomicU64,
    pub batch_calls: AtomicU64,
    pub faults: Mutex<Faults>,
    seq: AtomicU64,
    /// After this many applied creates, freeze every later create after applying it.
    pub freeze_after: AtomicU64,
    pub frozen: tokio::sync::Notify,
    pub is_frozen: AtomicBool,
    /// Drop this field from content on read (a target that loses data).
    pub lose_on_read: Mutex<Option<String>>,
    /// Pass ids whose void, delete and patch are refused (a source that cannot retire them).
    pub refuse_retire: Mutex<Vec<String>>,
    /// Send a create again when its answer was lost (a transport error or timeout), as a naive
    /// client would: over a simulator that drops answers, this makes stray copies.
    pub repeat_lost_creates: AtomicBool,
    /// Passes handed out by `list` so far.
    pub listed: AtomicU64,
    /// Called at every listing page (see [`ListHook`]).
    pub on_list: Mutex<Option<ListHook>>,
}

impl Wrapped {
    pub fn memory() -> Arc<Self> {
        Self::with_caps(|_| {})
    }

    /// A memory provider whose capabilities are changed by `edit` (a provider without
    /// caller-chosen serials ignores `serial_number`).
    pub fn with_caps(edit: impl FnOnce(&mut Capabilities)) -> Arc<Self> {
        Self::over(Arc::new(MemoryProvider::new()), edit)
    }

    /// Any provider (a simulator's client), its capabilities changed by `edit`.
    pub fn over(inner: Arc<dyn WalletProvider>, edit: impl FnOnce(&mut Capabilities)) -> Arc<Self> {
        let mut caps = inner.capabilities().clone();
        edit(&mut caps);
        Arc::new(Self {
            inner,
            caps,
            writes: AtomicU64::new(0),
            creates_applied: AtomicU64::new(0),
            batch_calls: AtomicU64::new(0),
            faults: Mutex::new(Faults::default()),
            seq: AtomicU64::new(0),
            freeze_after: AtomicU64::new(u64::MAX),
            frozen: tokio::sync::Notify::new(),
            is_frozen: AtomicBool::new(false),
            lose_on_read: Mutex::new(None),
            refuse_retire: Mutex::new(Vec::new()),
            repeat_lost_creates: AtomicBool::new(false),
            listed: AtomicU64::new(0),
            on_list: Mutex::new(None),
        })
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap() = faults;
    }

    fn roll(&self) -> u64 {
        // A fixed pseudo-random sequence (splitmix64), so runs repeat.
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % 1000
    }

    fn before(&self, op: &str) -> Result<()> {
        let f = *self.faults.lock().unwrap();
        let r = self.roll();
        if r < f.server_error {
            return Err(
                Error::new(ErrorKind::Server, format!("{op}: injected 503")).with_status(503)
            );
        }
        if r < f.server_error + f.rate_limited {
            return Err(Error::new(ErrorKind::RateLimited, "injected 429")
                .with_status(429)
                .with_retry_after(Duration::from_millis(5)));
        }
        Ok(())
    }

    fn refused(&self, pass: &PassRef) -> Result<()> {
        if self
            .refuse_retire
            .lock()
            .unwrap()
            .contains(&pass.id.to_string())
        {
            return Err(
                Error::new(ErrorKind::Forbidden, "injected: this pass is locked").with_status(403),
            );
        }
        Ok(())
    }

    fn probe(&self) {
        if let Some(hook) = self.on_list.lock().unwrap().as_ref() {
            (hook.0)(self.listed.load(Ordering::SeqCst));
        }
    }

    fn dropped(&self) -> bool {
        let f = *self.faults.lock().unwrap();
        self.roll() < f.dropped
    }

    async fn do_create(&self, mut pass: NewPass) -> Result<Pass> {
        if !self.caps.caller_serial {
            pass.serial_number = None;
        }
        let created = self.inner.create(pass).await?;
        let n = self.creates_applied.fetch_add(1, Ordering::SeqCst) + 1;
        if n > self.freeze_after.load(Ordering::SeqCst) {
            self.is_frozen.store(true, Ordering::SeqCst);
            self.frozen.notify_waiters();
            futures::future::pending::<()>().await;
        }
        Ok(created)
    }

    /// Every pass, all pages.
    pub async fn all(&self) -> Vec<Pass> {
        self.inner
            .list_all(ListQuery::new())
            .try_collect()
            .await
            .unwrap()
    }
}

#[async_trait]
impl WalletProvider for Wrapped {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn create(&self, pass: NewPass) -> Result<Pass> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.before("create")?;
        let duplicated = self.faults.lock().unwrap().duplicated;
        if self.roll() < duplicated {
            self.do_create(pass.clone()).await?;
        }
        let created = match self.do_create(pass.clone()).await {
            Err(e)
                if self.repeat_lost_creates.load(Ordering::SeqCst)
                    && matches!(e.kind(), ErrorKind::Transport | ErrorKind::Timeout) =>
            {
                self.do_create(pass).await?
            }
            other => other?,
        };
        if self.dropped() {
            return Err(Error::new(
                ErrorKind::Transport,
                "injected: connection dropped after the create",
            ));
        }
        Ok(created)
    }
    async fn get(&self, pass: &PassRef) -> Result<Pass> {
        self.before("get")?;
        let mut got = self.inner.get(pass).await?;
        if let Some(key) = self.lose_on_read.lock().unwrap().as_deref() {
            got.content.fields.remove(key);
        }
        Ok(got)
    }
    async fn patch(&self, pass: &PassRef, patch: &PassPatch) -> Result<Pass> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.refused(pass)?;
        self.inner.patch(pass, patch).await
    }
    async fn put(&self, pass: &PassRef, content: PassContent) -> Result<Pass> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.put(pass, content).await
    }
    async fn delete(&self, pass: &PassRef) -> Result<()> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.refused(pass)?;
        self.inner.delete(pass).await
    }
    async fn void(&self, pass: &PassRef) -> Result<Pass> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.refused(pass)?;
        self.inner.void(pass).await
    }
    async fn list(&self, query: &ListQuery) -> Result<Page<Pass>> {
        self.before("list")?;
        self.probe();
        let page = self.inner.list(query).await?;
        self.listed
            .fetch_add(page.items.len() as u64, Ordering::SeqCst);
        self.probe();
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
        subscription: NewWebhookSubscription,
    ) -> Result<CreatedWebhookSubscription> {
        self.inner.create_webhook(subscription).await
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
        if self.caps.batch { Some(self) } else { None }
    }
}

#[async_trait]
impl BatchProvider for Wrapped {
    async fn create_many(&self, passes: Vec<NewPass>) -> Result<Vec<Result<Pass>>> {
        self.batch_calls.fetch_add(1, Ordering::SeqCst);
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.before("batch")?;
        let mut out = Vec::new();
        for pass in passes {
            out.push(self.do_create(pass).await);
        }
        if self.dropped() {
            return Err(Error::new(
                ErrorKind::Transport,
                "injected: batch answer lost",
            ));
        }
        Ok(out)
    }
}

/// The content of source pass `i`: a unique member id, a name, points, a barcode.
pub fn member(i: usize) -> PassContent {
    PassContent::builder()
        .field(
            Field::new("member.id", format!("M-{i:05}"))
                .unwrap()
                .with_label("Member")
                .with_placement(Placement::Secondary),
        )
        .field(
            Field::new("name", format!("Holder {i}"))
                .unwrap()
                .with_label("Name"),
        )
        .field(
            Field::new("points", (i * 10) as i64)
                .unwrap()
                .with_label("Points"),
        )
        .barcode(
            walletpass_core::Barcode::new(walletpass_core::BarcodeFormat::Qr, format!("M-{i:05}"))
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// Fill `provider` with `n` member passes.
pub async fn fill(provider: &dyn WalletProvider, n: usize) {
    for i in 0..n {
        provider.create(NewPass::new(member(i))).await.unwrap();
    }
}

/// Assert that `target` holds each of the `n` members exactly once, with `key` holding the
/// member id.
pub async fn assert_exactly_once(target: &Wrapped, n: usize, key: &str) {
    let all = target.all().await;
    let mut ids: Vec<String> = all
        .iter()
        .map(|p| {
            p.content
                .field(key)
                .expect("member id field")
                .value
                .to_text()
        })
        .collect();
    ids.sort();
    let expected: Vec<String> = (0..n).map(|i| format!("M-{i:05}")).collect();
    let mut dups = ids.clone();
    dups.dedup();
    assert_eq!(dups.len(), ids.len(), "duplicated passes on the target");
    assert_eq!(ids, expected, "lost or extra passes on the target");
}

pub mod binary;

/// Every row of `cp`, in the order first recorded.
pub fn rows(cp: &Checkpoint) -> Vec<Row> {
    let mut rows = Vec::new();
    cp.for_each_row(|row| {
        rows.push(row);
        Ok::<_, CheckpointError>(())
    })
    .unwrap();
    rows
}

/// `member|points|tier` of every pass carrying an `M-` member value (read one by one), sorted.
pub async fn members(provider: &dyn WalletProvider, template: Option<TemplateId>) -> Vec<String> {
    let mut query = ListQuery::new();
    query.template = template;
    let listed: Vec<_> = provider.list_all(query).try_collect().await.unwrap();
    let mut out = Vec::new();
    for p in listed {
        let p = provider.get(&p.pass_ref).await.unwrap();
        let text = |key: &str| {
            p.content
                .field(key)
                .map(|f| f.value.to_text())
                .unwrap_or_default()
        };
        if text("member").starts_with("M-") {
            out.push(format!(
                "{}|{}|{}",
                text("member"),
                text("points"),
                text("tier")
            ));
        }
    }
    out.sort();
    out
}
