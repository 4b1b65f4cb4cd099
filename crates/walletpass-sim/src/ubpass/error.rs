//! The vendor's error answer, `UnblockedApiError {txId, timestamp, errorCode, errorMessage,
//! context}`, with the codes the OpenAPI file documents (`INVALID_INPUT`, `UNAUTHORIZED`,
//! `NOT_FOUND`, `INVALID_OPERATION`) and the harness's 429 / 5xx answers in the same shape.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::macros::format_description;

/// The documented error codes, plus the two the simulator uses for undocumented answers.
pub mod code {
    /// 400: a body, query or header failed validation.
    pub const INVALID_INPUT: &str = "INVALID_INPUT";
    /// 401 / 403: missing or invalid credentials, or a workspace not assigned to the caller.
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
    /// 404: the entity does not exist in the caller's workspace.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// 400: the entity exists but is in a state that forbids the operation.
    pub const INVALID_OPERATION: &str = "INVALID_OPERATION";
    /// 429 (assumption: the docs define no rate-limit answer).
    pub const TOO_MANY_REQUESTS: &str = "TOO_MANY_REQUESTS";
    /// 500 (assumption: the docs define no server-error answer).
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
}

/// One `UnblockedApiError` answer: the status and the body.
#[derive(Clone, Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `errorCode`.
    pub code: &'static str,
    /// `errorMessage`; the documented `INVALID_INPUT` examples leave it out.
    pub message: Option<String>,
    /// `context`: which field or id the error is about (boxed to keep `Result`s small).
    pub context: Box<Map<String, Value>>,
    /// `Retry-After` seconds, for 429.
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    tx_id: String,
    timestamp: String,
    error_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    context: &'a Map<String, Value>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: Option<&str>) -> Self {
        Self {
            status,
            code,
            message: message.map(str::to_owned),
            context: Box::default(),
            retry_after: None,
        }
    }

    /// Add one `context` entry.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.context.insert(key.into(), value.into());
        self
    }

    /// 400 `INVALID_INPUT` about one field, as in the documented "Bad Request Error" examples
    /// (`{"context": {"passName": "must not be null"}}`, no `errorMessage`).
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::INVALID_INPUT, None).with(field, problem.into())
    }

    /// 400 `INVALID_INPUT` carrying several field problems at once.
    pub fn invalid_fields(fields: Map<String, Value>) -> Self {
        let mut err = Self::new(StatusCode::BAD_REQUEST, code::INVALID_INPUT, None);
        err.context = Box::new(fields);
        err
    }

    /// 400 `INVALID_INPUT` for a body that is not valid JSON of the expected shape.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            code::INVALID_INPUT,
            Some("Malformed request body."),
        )
        .with("body", detail.into())
    }

    /// 404 `NOT_FOUND` with the documented `{"context": {"id": ...}}`.
    pub fn not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code::NOT_FOUND, Some("Not found.")).with("id", id)
    }

    /// 400 `INVALID_OPERATION`, as the documented notification delete example.
    pub fn invalid_operation(message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(
            StatusCode::BAD_REQUEST,
            code::INVALID_OPERATION,
            Some(&message),
        )
    }

    /// 401 `UNAUTHORIZED`: no credentials (the documented "Unauthorized Error" example).
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            code::UNAUTHORIZED,
            Some("UNAUTHORIZED."),
        )
    }

    /// 403 `UNAUTHORIZED`: a workspace the caller may not use (assumption: the docs show only
    /// the 401 body, which covers invalid or missing credentials).
    pub fn forbidden(message: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, code::UNAUTHORIZED, Some(message))
    }

    /// 429 with `Retry-After` (assumption: undocumented).
    pub fn rate_limited(wait_secs: u64) -> Self {
        let mut err = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            code::TOO_MANY_REQUESTS,
            Some("Too many requests."),
        );
        err.retry_after = Some(wait_secs);
        err
    }

    /// 500 (assumption: undocumented).
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL_ERROR,
            Some("Internal server error."),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            tx_id: uuid::Uuid::now_v7().to_string(),
            timestamp: error_timestamp(OffsetDateTime::now_utc()),
            error_code: self.code,
            error_message: self.message.as_deref(),
            context: &self.context,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(wait) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        response
    }
}

/// The error timestamp in the vendor's own format, `24-09-2025 03:57:23` (not RFC 3339).
pub fn error_timestamp(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[day]-[month]-[year] [hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
}

/// The harness's 429, in the vendor's shape.
pub fn rate_limited_response(wait_secs: u64) -> Response {
    ApiError::rate_limited(wait_secs).into_response()
}

/// Any other error (the harness's 413, the framework's rejections) in the vendor's shape: the
/// documented code of the status class (`INVALID_INPUT` for 4xx; `NOT_FOUND`, `UNAUTHORIZED`
/// where they fit), with the message.
pub fn plain_response(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::NOT_FOUND => code::NOT_FOUND,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => code::UNAUTHORIZED,
        s if s.is_server_error() => code::INTERNAL_ERROR,
        _ => code::INVALID_INPUT,
    };
    ApiError::new(status, code, Some(message)).into_response()
}

/// The harness's 5xx, in the vendor's shape.
pub fn server_error_response() -> Response {
    ApiError::internal().into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_uses_the_documented_day_first_format() {
        let at = time::macros::datetime!(2025-09-24 03:57:23 UTC);
        assert_eq!(error_timestamp(at), "24-09-2025 03:57:23");
    }
}
