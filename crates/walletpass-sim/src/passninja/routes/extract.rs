//! What every PassNinja handler shares: path and query extractors that answer in the JSON
//! error shape, authentication of the calling account, and reading JSON object bodies and
//! positive integer query parameters.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};
use axum::response::Response;
use serde_json::{Map, Value};

use crate::harness::Deviation;
use crate::passninja::Shared;
use crate::passninja::errors::ApiError;

pub(super) type Answer = Result<Response, ApiError>;
pub(super) type Query_ = Params;

/// Path parameters; a path that cannot be decoded (`%FF`) answers 400 in the JSON error shape
/// rather than axum's plain-text rejection.
pub(super) struct Path<T>(pub(super) T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| Path(t))
            .map_err(|e| {
                ApiError::BadRequest(format!("the path cannot be read: {}", e.body_text()))
            })
    }
}

/// The query parameters; a query that cannot be decoded answers 400 in the JSON error shape.
pub(super) struct Params(pub(super) HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Params(q))
            .map_err(|e| {
                ApiError::BadRequest(format!("the query cannot be read: {}", e.body_text()))
            })
    }
}

/// The credential headers, as names made once (looking a header up by a `&str` parses the name
/// on every request).
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const X_ACCOUNT_ID: HeaderName = HeaderName::from_static("x-account-id");

/// The calling account: both headers present and known (`UA1` otherwise).
pub(super) fn auth(shared: &Shared, headers: &HeaderMap) -> Result<String, ApiError> {
    let header = |name: &HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let (Some(key), Some(account)) = (header(&X_API_KEY), header(&X_ACCOUNT_ID)) else {
        return Err(ApiError::Unauthorized);
    };
    let lax = shared.config.deviates(Deviation::AcceptBadCredentials);
    shared
        .lock()
        .authenticate(account, key, lax)
        .ok_or(ApiError::Unauthorized)
}

/// The calling account as an extractor: [`auth`] on the request's own headers, which are
/// borrowed where a `HeaderMap` argument would copy them. Put it after the path extractors so
/// a path that cannot be read still answers 400 before credentials are looked at.
pub(super) struct Caller(pub(super) String);

impl FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, ApiError> {
        auth(shared, &parts.headers).map(Caller)
    }
}

/// A JSON object body; `invalid` builds the error for anything else.
pub(super) fn object_body(
    body: &Bytes,
    invalid: fn(String) -> ApiError,
) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("the body must be a JSON object".into())),
        Err(e) => Err(invalid(format!("the body is not valid JSON: {e}"))),
    }
}

/// A positive integer query parameter, or `default` when absent.
pub(super) fn positive(
    query: &HashMap<String, String>,
    name: &str,
    default: u64,
) -> Result<u64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(raw) => raw.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::BadRequest(format!("{name} must be a positive integer, got `{raw}`"))
        }),
    }
}
