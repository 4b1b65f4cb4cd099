//! Turning PassNinja's error answers into [`Error`]: the documented codes
//! (`UA1 MP1 UA2 RL1 MR1 MR2 MI1 IP1 GE77`) decide the kind and are kept as the vendor code; the
//! body may be any of the shapes listed in the crate's assumptions.

use http::{HeaderMap, StatusCode};
use serde_json::Value;
use walletpass_core::{Error, ErrorKind};

/// Every documented error code with its HTTP status and meaning ("Errors: Standard codes").
pub const CODES: [(&str, u16, ErrorKind); 9] = [
    ("UA1", 401, ErrorKind::Unauthorized),
    ("MP1", 402, ErrorKind::PaymentRequired),
    ("UA2", 403, ErrorKind::Forbidden),
    ("RL1", 429, ErrorKind::RateLimited),
    ("MR1", 404, ErrorKind::NotFound),
    ("MR2", 404, ErrorKind::NotFound),
    ("MI1", 400, ErrorKind::InvalidInput),
    ("IP1", 400, ErrorKind::InvalidInput),
    ("GE77", 500, ErrorKind::Server),
];

/// The kind of a documented code.
pub fn kind_of(code: &str) -> Option<ErrorKind> {
    CODES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, _, k)| *k)
}

/// A documented code appearing as a word in `text` ("MR2: Pass does not exist").
fn code_in(text: &str) -> Option<&'static str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|word| {
            CODES
                .iter()
                .find(|(c, _, _)| *c == word)
                .map(|(c, _, _)| *c)
        })
}

/// The error for a non-success answer.
pub fn parse_error(status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let (mut code, message) = match serde_json::from_str::<Value>(text) {
        Ok(json) => from_json(&json),
        Err(_) => (
            None,
            (!text.is_empty()).then(|| text.chars().take(500).collect()),
        ),
    };
    if code.is_none() {
        code = message.as_deref().and_then(code_in).map(str::to_owned);
    }
    let kind = code
        .as_deref()
        .and_then(kind_of)
        .unwrap_or_else(|| ErrorKind::from_status(status.as_u16()));
    let message = message.unwrap_or_else(|| status.to_string());
    let mut error = Error::new(kind, message).with_status(status.as_u16());
    if let Some(code) = code {
        error = error.with_vendor_code(code);
    }
    error
}

/// Code and message from the JSON shapes: `{"error": {"code", "message", "status_code"}}`,
/// `{"error": "text"}`, `{"code", "message"}`, `{"error_code", "error"}`, or a JSON string.
fn from_json(json: &Value) -> (Option<String>, Option<String>) {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    match json {
        Value::String(s) => (None, Some(s.clone())),
        Value::Object(map) => {
            let inner = map.get("error");
            let (code, message) = match inner {
                Some(Value::Object(e)) => (
                    text(e.get("code")).or_else(|| text(e.get("error_code"))),
                    text(e.get("message")).or_else(|| text(e.get("detail"))),
                ),
                Some(Value::String(s)) => (text(map.get("code")), Some(s.clone())),
                _ => (None, None),
            };
            let code = code
                .or_else(|| text(map.get("code")))
                .or_else(|| text(map.get("error_code")));
            let message = message
                .or_else(|| text(map.get("message")))
                .or_else(|| Some(json.to_string()));
            (code, message)
        }
        other => (None, Some(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(status: u16, body: &str) -> Error {
        parse_error(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    #[test]
    fn every_documented_code_maps_to_its_kind() {
        // "Errors: Standard codes" table.
        for (code, status, kind) in CODES {
            for body in [
                format!(
                    r#"{{"error": {{"code": "{code}", "message": "m", "status_code": {status}}}}}"#
                ),
                format!(r#"{{"error": {{"message": "{code}: m", "status_code": {status}}}}}"#),
                format!(r#""{code} - m""#),
                format!("{code} - m"),
            ] {
                let err = parse(status, &body);
                assert_eq!(err.kind(), kind, "{body}");
                assert_eq!(err.vendor_code(), Some(code), "{body}");
                assert_eq!(err.status(), Some(status));
            }
        }
    }

    #[test]
    fn the_code_wins_over_the_status_and_the_status_serves_without_a_code() {
        let err = parse(400, r#"{"error": {"code": "MR2", "message": "gone"}}"#);
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = parse(
            404,
            r#"{"error": {"message": "webhook subscription 9 does not exist", "status_code": 404}}"#,
        );
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.vendor_code(), None);
        assert!(err.message().contains("subscription 9"));
        let err = parse(501, "");
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        let err = parse(502, "<html>bad gateway</html>");
        assert_eq!(err.kind(), ErrorKind::Server);
        assert!(err.message().contains("bad gateway"));
        // A word that merely contains a code is not a code.
        let err = parse(400, r#"{"error": "XMR2Y happened"}"#);
        assert_eq!(err.vendor_code(), None);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}
