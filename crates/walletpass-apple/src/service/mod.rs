//! `walletpass serve`: the PassKit web service (module `passkit`) and the download link over
//! axum, health (`GET /healthz`: the process answers) and readiness (`GET /readyz`: the
//! store answers) endpoints, request bodies limited to [`ServeOptions::body_limit`], the push
//! worker ([`crate::push`]) alongside, and a graceful shutdown: on the shutdown signal the
//! server stops accepting, finishes the requests in flight, and the push worker finishes the
//! pushes it holds.
//!
//! Plain HTTP: a real deployment puts it behind a TLS-terminating proxy at
//! `APPLE_PUBLIC_URL` (Wallet requires https; apple-wallet.md §2 `webServiceURL`).

mod auth;
mod options;
mod passkit;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use walletpass_core::{Error, ErrorKind, Result};

pub use auth::apple_pass_token;
pub use options::{DEFAULT_BODY_LIMIT, ENV_LISTEN, ServeOptions};

use crate::Apple;
use crate::push::{PushConfig, Pusher};

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct ServiceState {
    pub(crate) apple: Apple,
}

/// The router of the web service, the download link, `/healthz` and `/readyz`, on `apple`.
pub fn router(apple: Apple, options: &ServeOptions) -> Router {
    let state = Arc::new(ServiceState { apple });
    passkit::routes()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .layer(DefaultBodyLimit::max(options.body_limit))
        .with_state(state)
}

async fn ready(State(state): State<Arc<ServiceState>>) -> Response {
    match state.apple.store().queued_pushes() {
        Ok(queued) => {
            axum::Json(serde_json::json!({ "ready": true, "queuedPushes": queued })).into_response()
        }
        Err(e) => {
            tracing::error!(provider = crate::PROVIDER, error = %e, "not ready: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "the store does not answer").into_response()
        }
    }
}

/// Serve the web service on `listener` and run the push worker (when `push` is given) until
/// `shutdown` completes; then stop gracefully and return.
pub async fn serve(
    listener: tokio::net::TcpListener,
    apple: Apple,
    options: ServeOptions,
    push: Option<PushConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = match push {
        Some(config) => Some(Pusher::new(apple.clone(), config)?.spawn(stop_rx.clone())),
        None => None,
    };
    let app = router(apple, &options);
    let mut server_stop = stop_rx;
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = server_stop.wait_for(|s| *s).await;
        })
        .into_future();
    let signal = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    let (served, ()) = tokio::join!(served, signal);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    served.map_err(|e| {
        Error::new(
            ErrorKind::Transport,
            format!("the web service stopped: {e}"),
        )
        .with_provider(crate::PROVIDER)
        .with_source(e)
    })
}
