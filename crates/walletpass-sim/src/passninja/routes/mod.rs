//! The documented endpoints under `/v1`, one module per resource: `templates` (pass templates
//! and `passtypes/keys`), `passes` (create, list, get, patch, put, delete), `pass_content`
//! (`raw` and `decrypt`) and `webhooks` (subscriptions and their delivery results). Each
//! handler authenticates, validates, then changes the store; `extract` holds what they share.

mod extract;
mod pass_content;
mod passes;
mod templates;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::Shared;
use super::errors::ApiError;
use pass_content::{decrypt, get_raw};
use passes::{create_pass, delete_pass, get_pass, list_passes, patch_pass, put_pass};
use templates::{create_template, delete_template, get_template, list_templates, template_keys};
use webhooks::{create_webhook, delete_webhook, get_webhook, list_webhooks, webhook_results};

/// The router of every PassNinja endpoint, rooted at `/v1`. The routes carry the prefix
/// themselves rather than sitting in a nested router, so no request's URI is rewritten on
/// the way in (what `Router::nest` costs on every request).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/v1/pass_templates",
            get(list_templates).post(create_template),
        )
        .route(
            "/v1/pass_templates/{id}",
            get(get_template).delete(delete_template),
        )
        .route("/v1/passes", post(create_pass))
        .route("/v1/passes/{template}", get(list_passes))
        .route("/v1/passes/{template}/decrypt", post(decrypt))
        .route(
            "/v1/passes/{template}/{serial}",
            get(get_pass)
                .patch(patch_pass)
                .put(put_pass)
                .delete(delete_pass),
        )
        .route("/v1/passes/{template}/{serial}/raw", get(get_raw))
        .route("/v1/passtypes/keys/{template}", get(template_keys))
        .route("/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route("/v1/webhooks/{id}", get(get_webhook).delete(delete_webhook))
        .route("/v1/webhooks/{id}/results", get(webhook_results))
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this method is not allowed on this endpoint".into())
        })
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .with_state(shared)
}
