//! Turning a Passinstance error answer into the canonical [`Error`]: the kind from the status,
//! the `error` word kept as the vendor code, the `message`, and per-field details of a 422
//! (assumption A1 for every shape beyond the documented 429 body).

use http::{HeaderMap, StatusCode};
use serde_json::Value;
use walletpass_core::{Error, ErrorKind};

use crate::PROVIDER;

/// Build the error for a non-success answer. `Retry-After` is read by the HTTP client.
pub(crate) fn parse_error(status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Error {
    let kind = ErrorKind::from_status(status.as_u16());
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let Some(Value::Object(obj)) = parsed else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let message = if text.is_empty() {
            status.to_string()
        } else {
            format!("{status}: {}", text.chars().take(300).collect::<String>())
        };
        return Error::new(kind, message)
            .with_provider(PROVIDER)
            .with_status(status.as_u16());
    };
    let word = obj.get("error").and_then(Value::as_str);
    let message = obj
        .get("message")
        .and_then(Value::as_str)
        .or(word)
        .map(str::to_owned)
        .unwrap_or_else(|| status.to_string());
    let mut error = Error::new(kind, message)
        .with_provider(PROVIDER)
        .with_status(status.as_u16());
    if let Some(word) = word {
        error = error.with_vendor_code(word);
    }
    for (field, message) in field_errors(&obj) {
        error = error.with_field_error(field, message);
    }
    error
}

/// Per-field details: `details: [{field, message}]`, or `errors` as such an array or as a map
/// of field to message(s).
fn field_errors(obj: &serde_json::Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for key in ["details", "errors"] {
        match obj.get(key) {
            Some(Value::Array(items)) => {
                for item in items {
                    let field = item
                        .get("field")
                        .or_else(|| item.get("path"))
                        .and_then(Value::as_str);
                    let message = item.get("message").and_then(Value::as_str);
                    match (field, message, item) {
                        (Some(f), Some(m), _) => out.push((f.to_owned(), m.to_owned())),
                        (Some(f), None, _) => out.push((f.to_owned(), "is invalid".to_owned())),
                        (None, Some(m), _) => out.push((String::new(), m.to_owned())),
                        (None, None, Value::String(s)) => out.push((String::new(), s.clone())),
                        _ => {}
                    }
                }
            }
            Some(Value::Object(map)) => {
                for (field, messages) in map {
                    match messages {
                        Value::String(m) => out.push((field.clone(), m.clone())),
                        Value::Array(list) => {
                            for m in list.iter().filter_map(Value::as_str) {
                                out.push((field.clone(), m.to_owned()));
                            }
                        }
                        other => out.push((field.clone(), other.to_string())),
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The error of one failed batch item, whose `error` object carries its own `status`.
pub(crate) fn item_error(error: &Value) -> Error {
    let status = error
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    let body = serde_json::to_vec(error).unwrap_or_default();
    parse_error(status, &HeaderMap::new(), &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(status: u16, body: Value) -> Error {
        parse_error(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn every_documented_status_maps_to_its_kind() {
        // "Production readiness": handle 401, 403, 404, 422, 429 and 5xx explicitly.
        for (status, kind) in [
            (401, ErrorKind::Unauthorized),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (422, ErrorKind::InvalidInput),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Server),
            (503, ErrorKind::Server),
        ] {
            let err = parse(status, json!({ "error": "x", "message": "m" }));
            assert_eq!(err.kind(), kind, "{status}");
            assert_eq!(err.status(), Some(status));
            assert_eq!(err.provider(), "passinstance");
        }
    }

    #[test]
    fn the_documented_429_body_is_read() {
        let err = parse(
            429,
            json!({ "error": "Too Many Requests", "message": "Retry after the indicated delay" }),
        );
        assert_eq!(err.vendor_code(), Some("Too Many Requests"));
        assert_eq!(err.message(), "Retry after the indicated delay");
    }

    #[test]
    fn field_details_in_either_shape() {
        let err = parse(
            422,
            json!({ "error": "Unprocessable Entity", "message": "Validation failed",
                    "details": [{ "field": "serialNumber", "message": "is required" }] }),
        );
        assert_eq!(err.field_errors()[0].field, "serialNumber");
        assert_eq!(err.field_errors()[0].message, "is required");
        let err = parse(422, json!({ "errors": { "fields.tier": ["is unknown"] } }));
        assert_eq!(err.field_errors()[0].field, "fields.tier");
    }

    #[test]
    fn a_body_that_is_not_json_is_quoted() {
        let err = parse_error(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>upstream</html>",
        );
        assert_eq!(err.kind(), ErrorKind::Server);
        assert!(err.message().contains("upstream"));
    }
}
