//! The ubpass ("Unblocked Wallet Passes API") simulator, built from
//! `shared/vendor-docs/ubpass-openapi.json`, `ubpass-update-pass*.txt`,
//! `ubpass-creating-wallet-passes.mdx` and `ubpass-removed-endpoints.txt`.
//!
//! Base path `/v1`. Passes are whole documents (`passName` unique per workspace, `passMetadata`,
//! `uploadInfoList`, `notificationHeader`, `status` Draft/Published, read-only install counters);
//! workspaces are isolated; lists page with an opaque cursor; every error is an
//! `UnblockedApiError`. Start it with [`start`] (seeded with the documented examples) or
//! [`start_with`], then use [`DEMO_CREDENTIALS`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use walletpass_sim::{SimConfig, ubpass};
//! let sim = ubpass::start(SimConfig::default()).await?;
//! println!("ubpass simulator on {} (api-key: {})", sim.base_url(), ubpass::DEMO_API_KEY);
//! # Ok(()) }
//! ```
//!
//! # Assumptions (where the docs are silent)
//! - **Auth.** No credentials, or credentials the simulator does not know: 401 with the
//!   documented `UNAUTHORIZED` body ("Unauthorized - Invalid or missing authentication"). An
//!   `x-workspace-id`
//!   not matching `^[a-zA-Z0-9-_]+$` is a 400 `INVALID_INPUT`; one not assigned to the caller a
//!   403. Without the header the caller's first workspace is used, as documented.
//! - **429 / 5xx** (undocumented): `UnblockedApiError` with `TOO_MANY_REQUESTS` (plus
//!   `Retry-After`) and `INTERNAL_ERROR`.
//! - **Validation messages** follow the documented examples (`"must not be null"`, `"must not be
//!   empty"`, `"must be between 1 and 20"`), several problems in one `context`. A duplicate
//!   `passName` in the workspace is a 400 `INVALID_INPUT` with
//!   `context.passName = "must be unique within the workspace"`.
//! - **Unknown properties** are dropped, as the vendor's typed JSON binding drops them (the
//!   guide's `auxiliaryFields` is not in the `PassMetadata` schema and does not survive).
//!   Field values given as numbers or booleans are stored as strings.
//! - **Images.** The prose requirement "each pass has to have a logo, icon, and strip image" has
//!   no documented error and is not enforced; each `uploadInfoList` entry needs a `.png`
//!   `fileName` and a key (`uploadKey` as the examples send it, or `fileKey` as the schema names
//!   it), kept under the name it was sent with. Keys are not checked against uploads, so the
//!   documented examples' keys work.
//! - **PATCH** replaces `passName` and `passMetadata` whole; the optional top-level properties
//!   (`uploadInfoList`, `notificationHeader`, `status`, `passLinkSlug`, `account`) replace the
//!   stored ones only when present. Read-only properties in the body are ignored.
//! - **Create** without `status` gives `Published` (the documented 201 example); the async create
//!   answers 202 and the pass reads `Draft` for `passes::ASYNC_DELAY` (200 ms), then takes the requested
//!   status.
//! - **GET by id** answers an array holding the one pass, as the response schema says.
//! - **Lists** are in creation order; the cursor is the last item's, even on the last page (as in
//!   the documented example, where `hasMore` is false and `cursor` is set). An item is shaped as
//!   the documented list example: the pass document (`passMetadata`, `uploadInfoList`) and its
//!   bookkeeping, without the links and counts (`passLink`, `passLinkSlug`, `googlePassLink`,
//!   `*Count`) that only `GET /wallet-pass/{id}` answers; `summary=true` leaves out
//!   `passMetadata` and `uploadInfoList` too. `ids`, `status` and
//!   the other array parameters are accepted repeated or comma-separated.
//! - **DELETE /wallet-pass/{id}** (removed from the docs; restored from the removed-endpoints
//!   file) answers 204, then the pass is gone (404). Its notifications and locations stay.
//! - **Uploads.** `POST /uploads` answers `{key, url, msg}` (the guide's `{key, url}` and the
//!   spec's `ResponseMessage {msg}` at once, `msg` holding the key). The pre-signed URL of
//!   `GET /uploads/s3-url` points at a stand-in bucket on the same server (`PUT /sim-s3/{key}`);
//!   `finalize/s3-copy` answers the asset URL in `msg`.
//! - **Notifications.** Without a status a notification is sent at once (`Processing`, then
//!   `Published` after `notifications::PROCESSING_DELAY`, 200 ms); `Scheduled` ones publish when
//!   their time has passed. The answer carries both `publishedTime` (schema) and `sentTime`
//!   (examples). Stats follow the schema (`totalNotificationsSent`, `linkStats` as a paged list);
//!   `GET /wallet-pass/notifications/{id}?includeStats=true` embeds them as the schema's
//!   `notificationStats`, paged by `notificationStatsCursor` (an offset) and
//!   `notificationStatsLimit`.
//! - **Locations** of `/wallet-pass-location` are separate from `passMetadata.locations`, which is
//!   part of the pass document and stored as sent.
//! - **Links.** `passLink` is `https://passes.example.com/download/<slug>` (the guide's example
//!   host); `googlePassLink` a Google save link.
//! - **Seed.** The documented scheduled notification is scheduled in 2099 (the docs' date has
//!   passed), so it stays `Scheduled` and can be updated or deleted as the docs show.
//!
//! # Deviation switches
//! `DropFieldOnRead` (last secondary field missing on read), `LoseBarcode` (`qrUrl`/`qrText`
//! missing on read), `ChangeLabel` (first secondary field's label altered on read), `IgnorePatch`,
//! `RevertUntouchedOnPatch` (front fields sent unchanged are dropped: back to unset),
//! `SkipItemAcrossPages`, `RepeatItemAcrossPages`, `DeletedAnswers200`, `SearchFindsNothing`
//! (the `query` name search matches nothing; the walletpass backend filters plain listings
//! itself, so only direct callers of `query` see it), `AcceptBadCredentials`, `ListDropsField`
//! (the last secondary field missing from listed passes only). `WrongErrorForBadKey` and
//! `WrongWebhookSecret` do not apply: ubpass accepts any field key and has no webhooks.

pub mod assumptions;
mod auth;
pub mod error;
mod locations;
pub mod model;
mod notifications;
mod paging;
mod passes;
mod seed;
pub mod state;
mod uploads;

use std::io;
use std::sync::Arc;

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};

pub use error::ApiError;
pub use seed::{
    DEMO_ACCOUNT_ID, DEMO_API_KEY, DEMO_TOKEN, DEMO_USER_ID, DEMO_WORKSPACE_ID, EXAMPLE_PASS_ID,
    LOCATION_EXAMPLE_PASS_ID, NOTIFICATION_EXAMPLE_PASS_ID, SECOND_WORKSPACE_ID, Seed,
    example_metadata,
};
pub use state::{InstallCounts, Platform};

use crate::harness::{RunningSim, SimConfig, VendorResponses, serve};
use state::{SimState, Store};

/// The vendor's base path.
pub const PREFIX: &str = "/v1";

/// Credentials the simulator accepts: (header, value). Either `api-key` or `Authorization`
/// authenticates; `x-workspace-id` is optional (the default workspace is the documented one;
/// [`SECOND_WORKSPACE_ID`] is a second, empty workspace of the same user).
pub const DEMO_CREDENTIALS: &[(&str, &str)] = &[
    ("api-key", DEMO_API_KEY),
    (
        "Authorization",
        concat!(
            "Bearer ",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxZWY1OGFlNi00MGFjLTZmZDItOTZhZi00NTgwMTg0NGM0ZTIiLCJpc3MiOiJ1YnBhc3Mtc2ltIn0.c2ltdWxhdGVk"
        ),
    ),
    ("x-workspace-id", DEMO_WORKSPACE_ID),
];

/// A running ubpass simulator with access to its state (for install counters).
#[derive(Debug)]
pub struct UbpassSim {
    running: RunningSim,
    state: Arc<SimState>,
}

impl UbpassSim {
    /// The harness handle (base URL, request log, shutdown).
    pub fn running(&self) -> &RunningSim {
        &self.running
    }

    /// The base URL, `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> &str {
        self.running.base_url()
    }

    /// The request log.
    pub fn log(&self) -> &crate::harness::RequestLog {
        self.running.log()
    }

    /// Give up state access and keep only the harness handle.
    pub fn into_running(self) -> RunningSim {
        self.running
    }

    /// Record that a device added the pass (raises the issued and active counters). Returns
    /// false when the pass does not exist in the workspace.
    pub fn record_install(&self, workspace_id: &str, pass_id: &str, platform: Platform) -> bool {
        self.with_counts(workspace_id, pass_id, |c| match platform {
            Platform::Apple => {
                c.apple_issued += 1;
                c.apple_active += 1;
            }
            Platform::Google => {
                c.google_issued += 1;
                c.google_active += 1;
            }
        })
    }

    /// Record that a device removed the pass (lowers the active counter).
    pub fn record_uninstall(&self, workspace_id: &str, pass_id: &str, platform: Platform) -> bool {
        self.with_counts(workspace_id, pass_id, |c| match platform {
            Platform::Apple => c.apple_active = c.apple_active.saturating_sub(1),
            Platform::Google => c.google_active = c.google_active.saturating_sub(1),
        })
    }

    fn with_counts(&self, ws: &str, pass: &str, f: impl FnOnce(&mut InstallCounts)) -> bool {
        let mut store = self.state.lock();
        match store.workspaces.get_mut(ws).and_then(|w| w.pass_mut(pass)) {
            Some(p) => {
                f(&mut p.counts);
                true
            }
            None => false,
        }
    }

    /// Stop the server.
    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

/// Start the simulator seeded with the documented examples.
pub async fn start(config: SimConfig) -> io::Result<RunningSim> {
    Ok(start_with(config, Seed::Documented).await?.into_running())
}

/// Start the simulator with the given seed, keeping access to its state.
pub async fn start_with(config: SimConfig, seed: Seed) -> io::Result<UbpassSim> {
    let mut store = Store::default();
    seed::populate(&mut store, seed);
    let state = Arc::new(SimState::new(store, config.clone()));
    let running = serve(
        router(state.clone()),
        PREFIX,
        &config,
        VendorResponses {
            rate_limited: error::rate_limited_response,
            server_error: error::server_error_response,
            error: error::plain_response,
        },
    )
    .await?;
    Ok(UbpassSim { running, state })
}

async fn no_route(method: Method, OriginalUri(uri): OriginalUri) -> axum::response::Response {
    ApiError::not_found(uri.path())
        .with("method", method.as_str())
        .into_response()
}

/// Every route: the API's under [`PREFIX`] (the routes carry the prefix themselves rather than
/// sitting in a nested router, so no request's URI is rewritten on the way in) and the
/// simulated S3 bucket's.
fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route(&api("/wallet-pass"), get(passes::list).post(passes::create))
        .route(&api("/wallet-pass/async"), post(passes::create_async))
        .route(
            &api("/wallet-pass/{id}"),
            get(passes::get)
                .patch(passes::update)
                .delete(passes::delete),
        )
        .route(
            &api("/wallet-pass/notifications"),
            get(notifications::list).post(notifications::create),
        )
        .route(
            &api("/wallet-pass/notifications/{id}"),
            get(notifications::get)
                .patch(notifications::update)
                .delete(notifications::delete),
        )
        .route(
            &api("/wallet-pass/notifications/{id}/stats"),
            get(notifications::stats),
        )
        .route(
            &api("/wallet-pass-location"),
            get(locations::list).post(locations::create),
        )
        .route(
            &api("/wallet-pass-location/{locationId}"),
            get(locations::get)
                .put(locations::update)
                .delete(locations::delete),
        )
        .route(&api("/uploads"), post(uploads::upload))
        .route(&api("/uploads/s3"), post(uploads::upload_s3))
        .route(&api("/uploads/s3-url"), get(uploads::presign))
        .route(&api("/uploads/finalize/s3-copy"), post(uploads::finalize))
        .route("/sim-s3/{key}", put(uploads::s3_put).get(uploads::s3_get))
        .fallback(no_route)
        .with_state(state)
}

/// An API route's path: `path` under [`PREFIX`].
fn api(path: &str) -> String {
    format!("{PREFIX}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_credentials_match_the_accepted_ones() {
        assert_eq!(DEMO_CREDENTIALS[0], ("api-key", DEMO_API_KEY));
        assert_eq!(DEMO_CREDENTIALS[1].1, format!("Bearer {DEMO_TOKEN}"));
        assert_eq!(DEMO_CREDENTIALS[2], ("x-workspace-id", DEMO_WORKSPACE_ID));
    }
}
