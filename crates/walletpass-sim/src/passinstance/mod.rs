//! The Passinstance simulator: the 17 operations of `shared/vendor-docs/passinstance-api.txt`
//! under `/api/v1`, with either `Authorization: Bearer` or `X-API-Key`, strict 422 validation
//! with per-field details, unique serial numbers per template, batch jobs that progress over
//! time, and signed webhook deliveries with retries.
//!
//! Start it with [`start`] (or [`start_with_handle`] to inspect webhook deliveries) and point any
//! client at [`RunningSim::base_url`] with one of [`DEMO_CREDENTIALS`]. The documented create
//! example works unchanged apart from host and credentials:
//!
//! ```text
//! curl -X POST http://127.0.0.1:PORT/api/v1/passes \
//!   -H 'Authorization: Bearer pi_demo_token_7f3a9c2e5b814d06' -H 'Content-Type: application/json' \
//!   -d '{"templateId":"tpl_abcdef1234567890","serialNumber":"ORDER-1001",
//!        "fields":{"memberName":{"label":"Member","value":"Jane Doe"},
//!                  "tier":{"label":"Tier","value":"Gold"}},
//!        "barcodeFormat":"qr","barcodeMessage":"ORDER-1001-GOLD"}'
//! ```
//!
//! # Seed data
//!
//! Template [`DEMO_TEMPLATE_ID`] (`tpl_abcdef1234567890`, fields `memberName` "Member" and
//! `tier` "Tier", with the older page's template values), template [`CONFORMANCE_TEMPLATE_ID`]
//! (fields `member`, `points`, `tier`) for the conformance suite, and the credentials of
//! [`DEMO_CREDENTIALS`] plus [`READ_ONLY_API_KEY`]; [`banner`] prints them.
//!
//! # Assumptions
//!
//! The docs publish paths, auth headers, the create example, the webhook events and the 429
//! body, and nothing else. Where they are silent the simulator does the following (the
//! `walletpass-passinstance` crate's `assumptions` module lists the same choices from the
//! client's side):
//!
//! - **S1 errors**: every error body is `{"error": <HTTP reason phrase>, "message": ...}`, the
//!   documented 429 shape; a 422 adds `"details": [{"field": "fields.tier.value", "message"}]`.
//!   Malformed JSON is a 422 on field `body` (400 is not among the documented statuses).
//! - **S2 ids**: server ids are a prefix plus 16 hex digits, like `tpl_abcdef1234567890`:
//!   `pass_`, `tpl_`, `bndl_`, `batch_`, `wh_`, `ntf_`, `evt_`. `{id}` in `/passes/{id}` is
//!   the server id, not the serial number.
//! - **S3 pass answer**: `{id, templateId, serialNumber, status, fields, barcodeFormat,
//!   barcodeMessage, barcodeAltText?, relevantDate?, expirationDate?, downloadUrl, createdAt,
//!   updatedAt, voidedAt?}`; `status` is `active`, `voided`, or `expired` once `expirationDate`
//!   passed. Single resources are answered bare (the JS example reads the pass straight from
//!   `response.json()`); creates answer 201, delete 204, batch submission 202.
//! - **S4 bodies are strict**: unknown keys are a 422 (nothing is silently dropped), except the
//!   read-only keys of a pass answer, which a client may echo back. `customFields` (older page)
//!   is accepted in place of `fields`. A field object is `{label?, value, changeMessage?}` with a
//!   scalar `value`; a missing label is taken from the template's field spec. When the template
//!   declares fields, other keys are a 422.
//! - **S5 rules**: serial numbers are unique per template (409); `PUT` replaces fields, barcode
//!   and dates, may not change `templateId` or `serialNumber` (422), and a voided pass cannot be
//!   updated (409); void is idempotent; delete frees the serial. An unknown id in the path or in
//!   a body (`templateId`, `passIds`, `passId`, `bundleId`) is a 404.
//! - **S6 lists**: `?page=` (1-based) and `?limit=` (1..=100, default 20), answered as
//!   `{"data": [...], "pagination": {page, limit, total, totalPages}}`; passes filter on
//!   `templateId`, `serialNumber`, `status` and `search` (case-insensitive, serial and values).
//! - **S7 webhooks**: `POST /webhooks` takes `{url, events, secret?}`, an `https://` URL only
//!   ("Register HTTPS receivers"; a test receiver serves https with a certificate whose CA
//!   [`start_trusting`] is given); a secret of 16+ characters, or one is generated and returned once.
//!   Deliveries are `{id, type, createdAt, data}` where `data` is the pass or template answer.
//! - **S8 signature**: `X-Passinstance-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//!   "{t}.{raw body}">`, plus `X-Passinstance-Event-Id`, `X-Passinstance-Event` and
//!   `X-Passinstance-Delivery-Attempt` headers.
//! - **S9 retries**: a delivery that does not get a 2xx is retried up to 5 attempts, waiting
//!   100 ms, then doubling (a real vendor waits minutes; the simulator keeps tests fast).
//! - **S10 batch**: `POST /batch` takes `{operation: create|update|void|delete, items: [...]}`
//!   (1..=1000 items; create items are pass bodies, update items a pass body with `id`, void
//!   and delete items `{id}`); the job answers `{id, operation, status: queued|running|completed,
//!   total, processed, succeeded, failed, results: [{index, status: succeeded|failed, id,
//!   serialNumber?, pass?, error?}], createdAt, updatedAt, completedAt?}`.
//! - **S11 bundles and notifications**: `POST /bundles` takes `{name, description?, passIds}`
//!   and answers a `downloadUrl`; `POST /push-notifications` takes `{message}` and exactly one
//!   of `passId` / `bundleId`, answering `{id, passId|bundleId, message, status: "sent",
//!   recipients, createdAt}`.
//! - **S12 templates**: `{name, description?, passType, organizationName?, teamIdentifier?,
//!   passTypeIdentifier?, backgroundColor?, foregroundColor?, labelColor?, fields?: [{key, label?,
//!   placement?, defaultValue?}]}`; colors are `#rgb`, `#rrggbb` or `rgb(r, g, b)`.
//! - **S13 downloads**: `downloadUrl` points at `/p/{id}.pkpass` on the simulator (bundles
//!   `/b/{id}.pkpasses`), unauthenticated, answering a placeholder body, not a signed pass.
//! - **S14 credentials**: a read-only API key exists so 403 can be exercised (writes answer 403).
//!
//! # Deviation switches
//!
//! `DropFieldOnRead`, `ChangeLabel`, `LoseBarcode` (reads), `IgnorePatch` and
//! `RevertUntouchedOnPatch` (on `PUT`, which a composed patch uses), `SkipItemAcrossPages` and
//! `RepeatItemAcrossPages` (pass lists), `DeletedAnswers200`, `WrongErrorForBadKey` (a 500
//! for an undeclared field key), `WrongWebhookSecret`, `SearchFindsNothing`,
//! `AcceptBadCredentials` and `ListDropsField` (the last field missing from listed passes only).

pub mod assumptions;
mod batch;
mod errors;
mod handlers;
mod input;
mod seed;
mod state;
mod webhooks;

use std::io;
use std::sync::Arc;

pub use errors::FieldError;
pub use seed::{
    CONFORMANCE_TEMPLATE_ID, DEMO_API_KEY, DEMO_TEMPLATE_ID, DEMO_TOKEN, READ_ONLY_API_KEY,
};
pub use webhooks::{
    ATTEMPT_HEADER, DeliveryRecord, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER,
    signature_header,
};

use crate::harness::{RunningSim, SimConfig, VendorResponses, serve_app};

/// The vendor's base path.
pub const PREFIX: &str = "/api/v1";

/// The credentials the simulator accepts, as (environment variable of the client, value):
/// `PASSINSTANCE_TOKEN` goes in `Authorization: Bearer`, `PASSINSTANCE_API_KEY` in `X-API-Key`.
pub const DEMO_CREDENTIALS: &[(&str, &str)] = &[
    ("PASSINSTANCE_TOKEN", DEMO_TOKEN),
    ("PASSINSTANCE_API_KEY", DEMO_API_KEY),
];

/// What the standalone simulator prints at start: the base URL on the first line, then the
/// credentials and the seeded templates.
pub fn banner(sim: &RunningSim) -> String {
    let mut out = format!(
        "{}\nPassinstance simulator; demo credentials:",
        sim.base_url()
    );
    out.push_str(&format!(
        "\n  Authorization: Bearer {DEMO_TOKEN}   (PASSINSTANCE_TOKEN)"
    ));
    out.push_str(&format!(
        "\n  X-API-Key: {DEMO_API_KEY}   (PASSINSTANCE_API_KEY)"
    ));
    out.push_str(&format!(
        "\n  X-API-Key: {READ_ONLY_API_KEY}   (read-only: writes answer 403)"
    ));
    out.push_str(&format!(
        "\n  templates: {DEMO_TEMPLATE_ID} (memberName, tier), {CONFORMANCE_TEMPLATE_ID} (member, points, tier)"
    ));
    out
}

/// A view into a running simulator's state, for tests and the standalone operator.
#[derive(Clone, Debug)]
pub struct SimHandle {
    sim: Arc<state::Sim>,
}

impl SimHandle {
    /// Every webhook delivery attempt so far, in the order they finished.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.sim
            .deliveries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How many passes exist (not counting deleted ones).
    pub fn pass_count(&self) -> usize {
        self.sim.store().passes.len()
    }

    /// Create a pass exactly as `POST /passes` with `body` would (same checks, same events),
    /// without HTTP: for seeding a large store quickly (the benchmarks list a million passes).
    /// Returns the answer body, or the error answer's status and message.
    pub fn create_pass(
        &self,
        body: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<serde_json::Value, (u16, String)> {
        self.sim
            .create_pass(body)
            .map_err(|e| (e.status.as_u16(), e.message))
    }

    /// The secret of a webhook subscription, as the vendor's dashboard would show it.
    pub fn webhook_secret(&self, webhook_id: &str) -> Option<String> {
        self.sim
            .store()
            .webhooks
            .iter()
            .find(|w| w.id == webhook_id)
            .map(|w| w.secret.clone())
    }
}

/// Start the simulator, seeded (see the module docs), on `config.addr`.
pub async fn start(config: SimConfig) -> io::Result<RunningSim> {
    start_with_handle(config).await.map(|(running, _)| running)
}

/// Start the simulator and also return a [`SimHandle`] on its state.
pub async fn start_with_handle(config: SimConfig) -> io::Result<(RunningSim, SimHandle)> {
    start_trusting(config, None).await
}

/// As [`start_with_handle`], with webhook deliveries also trusting the CA `trust_ca_pem`
/// (PEM), so that a test receiver on loopback can serve https with a certificate made at run
/// time ([`crate::tls::TestTls`]): the simulator, like the vendor, takes only https receivers.
/// Text with no certificate in it is refused with [`TrustCaError`](crate::tls::TrustCaError).
pub async fn start_trusting(
    config: SimConfig,
    trust_ca_pem: Option<&str>,
) -> io::Result<(RunningSim, SimHandle)> {
    let mut state = state::Sim::new(config.clone());
    if trust_ca_pem.is_some() {
        state.http = crate::tls::delivery_client(trust_ca_pem)?;
    }
    let sim = Arc::new(state);
    seed::seed(&sim);
    let app = handlers::Gate::new(Arc::clone(&sim));
    let running = serve_app(
        app,
        PREFIX,
        &config,
        VendorResponses {
            rate_limited: errors::rate_limited,
            server_error: errors::server_error,
            error: errors::plain,
        },
    )
    .await?;
    Ok((running, SimHandle { sim }))
}
