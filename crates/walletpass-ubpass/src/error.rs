//! The vendor's error answer, `UnblockedApiError {txId, timestamp, errorCode, errorMessage,
//! context}`, and the parser that turns any error answer into a walletpass [`Error`], keeping
//! `txId`, `timestamp` and `context` in [`Error::details`] and `context` entries as field errors.
//!
//! Kinds: `INVALID_INPUT` → `InvalidInput` (a `passName` that is not unique → `Conflict`),
//! `NOT_FOUND` → `NotFound`, `INVALID_OPERATION` → `Conflict` (the entity's state forbids it),
//! `UNAUTHORIZED` → `Unauthorized` on 401 and `Forbidden` on 403; anything else by status
//! (429 → `RateLimited`, 5xx → `Server`). The `timestamp` is not RFC 3339
//! (`24-09-2025 03:57:23`): it is kept verbatim and parsed only on request.

use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::PrimitiveDateTime;
use time::macros::format_description;
use walletpass_core::{Error, ErrorKind};

/// The documented error codes.
pub mod code {
    /// 400: validation failed.
    pub const INVALID_INPUT: &str = "INVALID_INPUT";
    /// 401 / 403: credentials.
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
    /// 404: no such entity.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// 400: the entity's state forbids the operation.
    pub const INVALID_OPERATION: &str = "INVALID_OPERATION";
}

/// `UnblockedApiError`, as the vendor sends it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnblockedApiError {
    /// Trace id of the failed request (quote it to the vendor's support).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_id: Option<String>,
    /// When it failed, verbatim (`24-09-2025 03:57:23`, day first, not RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// `INVALID_INPUT`, `UNAUTHORIZED`, `NOT_FOUND`, `INVALID_OPERATION`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Human message (absent in the documented `INVALID_INPUT` examples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// What the error is about: field → problem, or `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
}

impl UnblockedApiError {
    /// The timestamp parsed as day-first `dd-MM-yyyy HH:mm:ss` (UTC is not stated by the
    /// vendor), or `None` when it has another form.
    pub fn parsed_timestamp(&self) -> Option<PrimitiveDateTime> {
        let text = self.timestamp.as_deref()?;
        PrimitiveDateTime::parse(
            text.trim(),
            format_description!("[day]-[month]-[year] [hour]:[minute]:[second]"),
        )
        .ok()
    }

    /// Read the body of an error answer; `None` when it is not an `UnblockedApiError`.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(body).ok()?;
        let obj = value.as_object()?;
        if !obj.contains_key("errorCode") && !obj.contains_key("txId") {
            return None;
        }
        serde_json::from_value(value).ok()
    }
}

fn context_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_duplicate_name(ctx: &Map<String, Value>) -> bool {
    ctx.get("passName").is_some_and(|v| {
        let text = context_text(v).to_ascii_lowercase();
        ["unique", "exist", "duplicate", "taken"]
            .iter()
            .any(|w| text.contains(w))
    })
}

/// Turn an error answer into an [`Error`] (the [`ErrorParser`](walletpass_core::http::ErrorParser)
/// of this backend).
pub fn parse_error(status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Error {
    let Some(api) = UnblockedApiError::from_body(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let message = if text.is_empty() {
            format!("the vendor answered {status} with no UnblockedApiError body")
        } else {
            format!(
                "the vendor answered {status}: {}",
                text.chars().take(300).collect::<String>()
            )
        };
        return Error::new(ErrorKind::from_status(status.as_u16()), message)
            .with_status(status.as_u16());
    };
    let ctx = api.context.clone().unwrap_or_default();
    let code = api.error_code.clone().unwrap_or_default();
    let kind = match (code.as_str(), status.as_u16()) {
        (code::INVALID_INPUT, _) if is_duplicate_name(&ctx) => ErrorKind::Conflict,
        (code::INVALID_INPUT, _) => ErrorKind::InvalidInput,
        (code::NOT_FOUND, _) => ErrorKind::NotFound,
        (code::INVALID_OPERATION, _) => ErrorKind::Conflict,
        (code::UNAUTHORIZED, 403) => ErrorKind::Forbidden,
        (code::UNAUTHORIZED, _) => ErrorKind::Unauthorized,
        (_, s) => ErrorKind::from_status(s),
    };
    let mut message = api.error_message.clone().unwrap_or_default();
    let problems: Vec<String> = ctx
        .iter()
        .filter(|(k, _)| k.as_str() != "id")
        .map(|(k, v)| format!("{k}: {}", context_text(v)))
        .collect();
    if !problems.is_empty() {
        if !message.is_empty() {
            message.push_str(" (");
            message.push_str(&problems.join("; "));
            message.push(')');
        } else {
            message = problems.join("; ");
        }
    }
    if message.is_empty() {
        message = format!("the vendor answered {status}");
    }
    if let Some(tx) = &api.tx_id {
        message.push_str(&format!(" [txId {tx}]"));
    }
    let mut error = Error::new(kind, message)
        .with_status(status.as_u16())
        .with_details(json!({
            "txId": api.tx_id,
            "timestamp": api.timestamp,
            "errorCode": api.error_code,
            "errorMessage": api.error_message,
            "context": api.context,
        }));
    if !code.is_empty() {
        error = error.with_vendor_code(code);
    }
    if let Some(id) = ctx.get("id") {
        error = error.with_resource(context_text(id));
    }
    for (field, problem) in ctx.iter().filter(|(k, _)| k.as_str() != "id") {
        error = error.with_field_error(field.clone(), context_text(problem));
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendor_timestamp_is_kept_and_parsed_day_first() {
        let api = UnblockedApiError {
            timestamp: Some("24-09-2025 03:57:23".into()),
            ..Default::default()
        };
        let at = api.parsed_timestamp().unwrap();
        assert_eq!((at.day(), at.month() as u8, at.year()), (24, 9, 2025));
        let odd = UnblockedApiError {
            timestamp: Some("2025-09-24T03:57:23Z".into()),
            ..Default::default()
        };
        assert_eq!(odd.parsed_timestamp(), None);
    }

    #[test]
    fn a_body_that_is_not_an_api_error_keeps_the_status_kind() {
        let err = parse_error(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>bad</html>",
        );
        assert_eq!(err.kind(), ErrorKind::Server);
        assert!(err.message().contains("<html>"));
        let err = parse_error(StatusCode::METHOD_NOT_ALLOWED, &HeaderMap::new(), b"");
        assert_eq!(err.kind(), ErrorKind::Unsupported);
    }
}
