//! PassNinja's error answers: the documented codes (`UA1 MP1 UA2 RL1 MR1 MR2 MI1 IP1 GE77`) with
//! their HTTP statuses, plus the plain 4xx/5xx answers for inputs the code table does not cover.
//! The body shape is an assumption (see the module docs of [`super`]).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One error answer of the simulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// `UA1` 401: a required auth header is missing (or the credentials are not known).
    Unauthorized,
    /// `UA2` 403: another account's template or pass.
    Forbidden,
    /// `MR1` 404: the pass template does not exist.
    TemplateNotFound(String),
    /// `MR2` 404: the pass does not exist (or was deleted).
    PassNotFound(String),
    /// `MI1` 400: the pass body does not fit the template's schema.
    InvalidPassBody(String),
    /// `IP1` 400: the payload cannot be decrypted for this template's platform.
    IncompatiblePlatform,
    /// `GE77` 500: generic failure.
    Generic,
    /// A 400 outside the code table (template and webhook validation, bad query parameters).
    BadRequest(String),
    /// A 404 outside the code table (webhook subscriptions).
    NotFound(String),
    /// A 405: a documented path with a method it does not have.
    MethodNotAllowed(String),
    /// A 501 (`auth_method: mtls`, documented as reserved).
    NotImplemented(String),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, Option<&'static str>, String) {
        match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                Some("UA1"),
                "Unauthorized request - you are missing a required header. Please review the Authentication section.".into(),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                Some("UA2"),
                "Forbidden - you are attempting to access someone elses passes - please stop.".into(),
            ),
            ApiError::TemplateNotFound(id) => (
                StatusCode::NOT_FOUND,
                Some("MR1"),
                format!("Pass template does not exist: {id}"),
            ),
            ApiError::PassNotFound(id) => (
                StatusCode::NOT_FOUND,
                Some("MR2"),
                format!("Pass does not exist - it may have been destroyed: {id}"),
            ),
            ApiError::InvalidPassBody(why) => (
                StatusCode::BAD_REQUEST,
                Some("MI1"),
                format!("Invalid pass body - {why}"),
            ),
            ApiError::IncompatiblePlatform => (
                StatusCode::BAD_REQUEST,
                Some("IP1"),
                "Incompatible platform - the payload is not decryptable because the pass is not for Apple.".into(),
            ),
            ApiError::Generic => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("GE77"),
                "Generic Error - Sometimes things go wrong, we're sorry and we will investigate.".into(),
            ),
            ApiError::BadRequest(why) => (StatusCode::BAD_REQUEST, None, why.clone()),
            ApiError::NotFound(why) => (StatusCode::NOT_FOUND, None, why.clone()),
            ApiError::MethodNotAllowed(why) => (StatusCode::METHOD_NOT_ALLOWED, None, why.clone()),
            ApiError::NotImplemented(why) => (StatusCode::NOT_IMPLEMENTED, None, why.clone()),
        }
    }
}

/// `{"error": {"code": .., "message": .., "status_code": ..}}`.
fn body(status: StatusCode, code: Option<&str>, message: &str) -> Json<serde_json::Value> {
    let mut error = serde_json::Map::new();
    if let Some(code) = code {
        error.insert("code".into(), json!(code));
    }
    error.insert("message".into(), json!(message));
    error.insert("status_code".into(), json!(status.as_u16()));
    Json(json!({ "error": error }))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        (status, body(status, code, &message)).into_response()
    }
}

/// An error outside the code table (the harness's 413, the framework's rejections), in the
/// same shape.
pub(crate) fn plain(status: StatusCode, message: &str) -> Response {
    (status, body(status, None, message)).into_response()
}

/// The harness's 429: `RL1`, with `Retry-After` in seconds.
pub(crate) fn rate_limited(wait_secs: u64) -> Response {
    let status = StatusCode::TOO_MANY_REQUESTS;
    let mut response = (
        status,
        body(
            status,
            Some("RL1"),
            "Rate limit exceeded - you are sending too many requests.",
        ),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&wait_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The harness's injected 5xx: `GE77`.
pub(crate) fn server_error() -> Response {
    ApiError::Generic.into_response()
}
