//! The PassNinja simulator: every endpoint of `shared/vendor-docs/passninja-api.txt` on a
//! loopback port, state in memory, seeded with the documented demo account and the doc
//! examples' template `ptk_0x14`, so each curl example works unchanged apart from the host.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use walletpass_sim::{SimConfig, passninja};
//! let sim = passninja::start(SimConfig::default()).await?;
//! println!("{}", passninja::banner(&sim)); // first line: the base URL
//! # Ok(()) }
//! ```
//!
//! # Demo data
//! - Account `aid_0xa01` with API key `91dbb1e7af9c80aba6ed3f95a1545b4e` (the doc's examples), see
//!   [`DEMO_CREDENTIALS`]; a second account `aid_0xb02` ([`OTHER_ACCOUNT_ID`]) owns `ptk_0x2a`
//!   and pass `0b0b0b0b0b0b0b0b0b`, to provoke `UA2`.
//! - Template `ptk_0x14` "Loyalty Card" (apple, storeCard) with the API fields `member.name`
//!   (label "Member", primary, default ""), `member.level` ("Level", secondary, default
//!   "silver") and `discount` ("Discount", auxiliary, default "0%"), and the pass
//!   `838b8cf60dac2bfad9` of the "Get a pass" example.
//! - Templates created through the API are numbered from `ptk_0x216` (the doc's create example)
//!   and start empty, as the doc says; [`PassNinjaSim::define_fields`] plays the dashboard
//!   editor. More data can be loaded from a [`SeedFile`]; [`conformance_seed`] adds the
//!   template the conformance suite uses (`ptk_0xc0`: `member`, `points`, `tier`).
//!
//! # Assumptions (where the doc is silent)
//! - Error bodies are `{"error": {"code": "MR2", "message": "...", "status_code": 404}}`; answers
//!   outside the code table (template and webhook validation, bad `page`, an unknown path, a
//!   wrong method's 405) have no `code`. Every error answer is JSON (the CRM recipe's code
//!   block reads `response.json()` on any failure).
//! - Wrong credentials answer `UA1` 401 like missing ones. A template or pass of another account
//!   answers `UA2` 403 on pass endpoints; template endpoints answer 404 `MR1` as documented.
//! - `POST /passes` answers 200 (the doc gives 201 only for templates and webhooks), fills keys
//!   left out from the template's defaults, and adds `"message_status": "sent"` when a recipient
//!   with `sms` or `email` was given. Values must be strings or numbers (`MI1` otherwise).
//! - A new pass has status `Active` (the doc: "This creates an Active pass"); installing sets
//!   `installedDate`, uninstalling sets `Removed`; `N/A` only appears in seeded data.
//! - Template styles ("Platform Parameters" is referred to but not part of the doc): apple takes
//!   `boardingPass`, `coupon`, `eventTicket`, `generic`, `storeCard`; google takes those plus
//!   `giftCard` and `transit`; `both` takes a style in both lists. Anything else answers 400.
//! - A `recipient` with neither `sms` nor `email` sends nothing: no `message_status`, and the
//!   list shows `recipient: null`.
//! - Lists are in issue order; `per_page` has no upper bound on `/passes`; a non-positive
//!   `page`/`per_page` answers 400. Webhook lists cap `per_page` at 100 rather than rejecting.
//! - `GET /webhooks` answers `{"webhooks": [...], "page", "per_page", "total"}`, the shape of the
//!   documented results endpoint; both are newest first.
//! - `/raw` answers an Apple `pass.json`-shaped object (a Google object for google templates);
//!   `decrypt` answers `{"passTemplate", "decrypted"}` with a stand-in transformation, `IP1` for
//!   google templates.
//! - Webhook retries use [`PassNinjaOptions`]'s compressed backoff (the vendor's spans ~24 h).
//!   Delivery URLs must be `https://` as documented, loopback hosts included; deliveries trust
//!   the usual web roots plus the CA in [`PassNinjaOptions::trust_ca_pem`], so a test receiver
//!   can serve https with a certificate made at run time. Legacy-format subscriptions cannot be created (as documented) and are not
//!   simulated.

pub mod assumptions;
mod errors;
mod routes;
mod seed;
mod state;
mod webhooks;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

use crate::harness::{RequestLog, RunningSim, SimConfig, VendorResponses, serve};

pub use seed::{
    CONFORMANCE_TEMPLATE_ID, DEMO_ACCOUNT_ID, DEMO_API_KEY, DEMO_SERIAL, DEMO_TEMPLATE_ID,
    FIRST_CREATED_TEMPLATE, OTHER_ACCOUNT_ID, OTHER_API_KEY, OTHER_SERIAL, OTHER_TEMPLATE_ID,
    SeedFile, conformance_seed,
};
pub use state::{Account, FieldPlacement, Pass, Recipient, Template, TemplateField};

/// The credentials the simulator accepts out of the box: header name and value.
pub const DEMO_CREDENTIALS: &[(&str, &str)] = &[
    ("X-API-KEY", DEMO_API_KEY),
    ("X-ACCOUNT-ID", DEMO_ACCOUNT_ID),
];

/// Settings of the PassNinja simulator beyond the shared [`SimConfig`].
#[derive(Clone, Debug)]
pub struct PassNinjaOptions {
    /// Extra data loaded on top of the demo data.
    pub seed: Option<Arc<SeedFile>>,
    /// Attempts per webhook delivery (the vendor: 15).
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubled after each (the vendor: 10 s).
    pub retry_base: Duration,
    /// Longest wait between attempts.
    pub retry_cap: Duration,
    /// Per-attempt timeout (the vendor: 10 s).
    pub delivery_timeout: Duration,
    /// A CA certificate (PEM) that deliveries trust besides the usual web roots: the knob that
    /// lets a test receive deliveries over https on loopback with a certificate it made (the
    /// simulator, like the vendor, refuses `http://` receivers). Text with no certificate in
    /// it makes [`launch`] fail with [`TrustCaError`](crate::tls::TrustCaError).
    pub trust_ca_pem: Option<String>,
}

impl Default for PassNinjaOptions {
    fn default() -> Self {
        Self {
            seed: None,
            max_attempts: 15,
            retry_base: Duration::from_millis(50),
            retry_cap: Duration::from_secs(2),
            delivery_timeout: Duration::from_secs(10),
            trust_ca_pem: None,
        }
    }
}

/// State shared by the handlers and the delivery tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    store: Mutex<state::Store>,
    config: SimConfig,
    options: PassNinjaOptions,
    http: reqwest::Client,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, state::Store> {
        // A poisoned lock only means a handler panicked; the store itself is still consistent
        // because every handler validates before it mutates.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running PassNinja simulator with access to its state (for what only a wallet or the
/// dashboard can do: installs, uninstalls, defining a template's fields).
#[derive(Debug)]
pub struct PassNinjaSim {
    running: RunningSim,
    shared: Arc<Shared>,
}

/// Start the simulator with the demo data.
pub async fn start(config: SimConfig) -> std::io::Result<RunningSim> {
    Ok(launch(config, PassNinjaOptions::default())
        .await?
        .into_running())
}

/// Start the simulator with the demo data plus the contents of a [`SeedFile`].
pub async fn start_with_seed_file(config: SimConfig, path: &Path) -> std::io::Result<RunningSim> {
    let options = PassNinjaOptions {
        seed: Some(Arc::new(SeedFile::load(path)?)),
        ..PassNinjaOptions::default()
    };
    Ok(launch(config, options).await?.into_running())
}

/// Start the simulator and keep a handle on its state.
pub async fn launch(config: SimConfig, options: PassNinjaOptions) -> std::io::Result<PassNinjaSim> {
    let mut store = seed::default_store();
    if let Some(extra) = &options.seed {
        seed::apply(&mut store, extra);
    }
    let http = crate::tls::delivery_client(options.trust_ca_pem.as_deref())?;
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        config: config.clone(),
        options,
        http,
    });
    let responses = VendorResponses {
        rate_limited: errors::rate_limited,
        server_error: errors::server_error,
        error: errors::plain,
    };
    let running = serve(
        routes::router(Arc::clone(&shared)),
        "/v1",
        &config,
        responses,
    )
    .await?;
    Ok(PassNinjaSim { running, shared })
}

/// What the simulator prints at start: the base URL on the first line, then the credentials.
pub fn banner(sim: &RunningSim) -> String {
    let mut out = format!("{}\nPassNinja simulator; demo credentials:", sim.base_url());
    for (name, value) in DEMO_CREDENTIALS {
        out.push_str(&format!("\n  {name}: {value}"));
    }
    out.push_str(&format!("\n  demo template: {DEMO_TEMPLATE_ID}"));
    out
}

impl PassNinjaSim {
    /// The base URL, e.g. `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> &str {
        self.running.base_url()
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        self.running.log()
    }

    /// Give up the state handle.
    pub fn into_running(self) -> RunningSim {
        self.running
    }

    /// Define a template's visible fields, as the dashboard editor does. Returns false when
    /// the template does not exist.
    pub fn define_fields(&self, template: &str, fields: Vec<TemplateField>) -> bool {
        let mut store = self.shared.lock();
        match store.templates.get_mut(template) {
            Some(t) => {
                t.fields = fields;
                t.updated_at = OffsetDateTime::now_utc();
                true
            }
            None => false,
        }
    }

    /// A copy of a pass (deleted ones included), for assertions.
    pub fn pass(&self, template: &str, serial: &str) -> Option<Pass> {
        let store = self.shared.lock();
        let index = store.pass_index(template, serial, true).ok()?;
        store.passes.get(index).cloned()
    }

    /// A wallet installs the pass: `Active`, `installedDate` set the first time, and a
    /// `pn.pass.installed` event. Returns false when there is no such live pass.
    pub fn install(&self, template: &str, serial: &str) -> bool {
        self.wallet_event(template, serial, "pn.pass.installed", "Active")
    }

    /// A wallet removes the pass: `Removed`, and a `pn.pass.uninstalled` event.
    pub fn uninstall(&self, template: &str, serial: &str) -> bool {
        self.wallet_event(template, serial, "pn.pass.uninstalled", "Removed")
    }

    /// The pass expires: status `Expired` (no event: `pn.pass.expired` is reserved).
    pub fn expire(&self, template: &str, serial: &str) -> bool {
        let mut store = self.shared.lock();
        let Ok(index) = store.pass_index(template, serial, false) else {
            return false;
        };
        store.passes[index].status = "Expired".into();
        true
    }

    fn wallet_event(&self, template: &str, serial: &str, kind: &str, status: &str) -> bool {
        let (account, snapshot) = {
            let mut store = self.shared.lock();
            let Ok(index) = store.pass_index(template, serial, false) else {
                return false;
            };
            let account = store
                .templates
                .get(template)
                .map(|t| t.account.clone())
                .unwrap_or_default();
            let pass = &mut store.passes[index];
            pass.status = status.into();
            if kind == "pn.pass.installed" && pass.installed_date.is_none() {
                pass.installed_date = Some(OffsetDateTime::now_utc());
            }
            (account, pass.values.clone())
        };
        webhooks::emit(
            &self.shared,
            &account,
            template,
            serial,
            kind,
            Some(snapshot),
        );
        true
    }

    /// Every delivery result recorded so far, oldest first, in the documented row shape.
    pub fn webhook_results(&self) -> Vec<Value> {
        self.shared.lock().results.iter().map(|r| r.row()).collect()
    }

    /// Stop the server.
    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}
