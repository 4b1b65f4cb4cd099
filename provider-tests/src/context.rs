//! What a scenario runs with: the provider, the backend's [`Fixture`], a random prefix for
//! everything the run creates, and a record of what to delete afterwards.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use walletpass_core::{NewPass, PassContent, PassId, PassRef, TemplateId, WalletProvider};

/// What a backend needs for the scenarios, beyond the provider itself.
#[derive(Clone, Default)]
pub struct Fixture {
    /// The template passes are created in; it must define the keys `member`, `points` and
    /// `tier` (labels `Member`, `Points`, `Tier`) and no others.
    pub template: Option<TemplateId>,
    /// A well-formed id that does not exist.
    pub unknown_id: Option<PassId>,
    /// An id the backend must refuse as malformed (before sending anything); `None` when every
    /// string is a valid id for it.
    pub malformed_id: Option<PassId>,
    /// A delivery body in the vendor's webhook format, for the verification scenario.
    pub webhook_sample: Option<Vec<u8>>,
    /// The same backend with wrong credentials.
    pub bad_credentials: Option<Arc<dyn WalletProvider>>,
    /// Whether the backend can deliver webhooks to a receiver on this machine's loopback (a
    /// simulator can; a live vendor cannot reach it).
    pub loopback_deliveries: bool,
}

impl fmt::Debug for Fixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("template", &self.template)
            .field("unknown_id", &self.unknown_id)
            .field("malformed_id", &self.malformed_id)
            .field(
                "webhook_sample",
                &self.webhook_sample.as_ref().map(Vec::len),
            )
            .field("bad_credentials", &self.bad_credentials.is_some())
            .field("loopback_deliveries", &self.loopback_deliveries)
            .finish()
    }
}

/// The context of one suite run.
pub struct Ctx {
    /// The provider under test.
    pub provider: Arc<dyn WalletProvider>,
    /// The backend's fixture.
    pub fixture: Fixture,
    /// A random prefix (`wpt<8 hex>`) for serials and names this run creates.
    pub prefix: String,
    counter: AtomicU32,
    created: Mutex<Vec<PassRef>>,
}

impl Ctx {
    pub(crate) fn new(provider: Arc<dyn WalletProvider>, fixture: Fixture) -> Self {
        let random = uuid::Uuid::new_v4().simple().to_string();
        Self {
            provider,
            fixture,
            prefix: format!("wpt{}", &random[..8]),
            counter: AtomicU32::new(0),
            created: Mutex::new(Vec::new()),
        }
    }

    /// A unique name under the run's prefix.
    pub fn unique(&self, what: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        format!("{}-{what}-{n}", self.prefix)
    }

    /// A new pass of the fixture's template, with a caller-chosen serial where the backend
    /// takes one.
    pub fn new_pass(&self, content: PassContent) -> NewPass {
        let mut new = NewPass::new(content);
        new.template = self.fixture.template.clone();
        if self.provider.capabilities().caller_serial {
            new.serial_number = PassId::new(self.unique("pass")).ok();
        }
        new
    }

    /// Create a pass and remember it for cleanup.
    pub async fn create(&self, content: PassContent) -> Result<walletpass_core::Pass, String> {
        let pass = self
            .provider
            .create(self.new_pass(content))
            .await
            .map_err(|e| format!("create failed: {e}"))?;
        self.track(pass.pass_ref.clone());
        Ok(pass)
    }

    /// Remember a pass to delete after the run.
    pub fn track(&self, pass: PassRef) {
        self.created
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(pass);
    }

    /// Delete every pass the run created that still exists (best effort).
    pub(crate) async fn cleanup(&self) {
        if !self.provider.capabilities().delete {
            return;
        }
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|p| p.into_inner()));
        for pass in created {
            let _ = self.provider.delete(&pass).await;
        }
    }
}
