//! The Passinstance error answers: `{"error": <reason phrase>, "message": ..., "details": [...]}`,
//! the shape of the documented 429 body, extended with per-field `details` on 422.
//!
//! Only the 429 body is documented (section "Production readiness"); every other body follows the
//! same two keys, which is assumption S1 in the module docs.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// One invalid field of a request body: a JSON path such as `fields.tier.value` and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The dotted path of the offending value in the request body or query.
    pub field: String,
    /// Why it was rejected.
    pub message: String,
}

impl FieldError {
    /// A field error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error answer of the simulated API.
#[derive(Clone, Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The human-readable message.
    pub message: String,
    /// Per-field details (422 only).
    pub details: Vec<FieldError>,
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// 401: missing or unknown credentials.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Missing or invalid credentials: send Authorization: Bearer <token> or X-API-Key: <key>",
        )
    }

    /// 403: the credentials may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404 for a resource of kind `what` with id `id`.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
    }

    /// 409 with a message.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 422 with per-field details.
    pub fn invalid(details: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Validation failed".to_owned(),
            details,
        }
    }

    /// 422 for a single field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }

    /// 500.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The JSON body of this error.
    pub fn body(&self) -> serde_json::Value {
        let mut body = json!({
            "error": self.status.canonical_reason().unwrap_or("Error"),
            "message": self.message,
        });
        if !self.details.is_empty() {
            body["details"] = json!(self.details);
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// The documented 429 answer: `Retry-After: <seconds>` and the documented body.
pub fn rate_limited(wait_seconds: u64) -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({
            "error": "Too Many Requests",
            "message": "Retry after the indicated delay",
        })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait_seconds));
    response
}

/// Any other error (the harness's 413, the framework's rejections) in the same shape.
pub fn plain(status: StatusCode, message: &str) -> Response {
    ApiError::new(status, message).into_response()
}

/// The answer to an internal failure (a seeded fault).
pub fn server_error() -> Response {
    ApiError::internal("An unexpected error occurred; retry later").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_body_lists_details() {
        let e = ApiError::invalid_field("serialNumber", "is required");
        assert_eq!(
            e.body(),
            json!({"error": "Unprocessable Entity", "message": "Validation failed",
                   "details": [{"field": "serialNumber", "message": "is required"}]})
        );
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let r = rate_limited(7);
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
    }
}
