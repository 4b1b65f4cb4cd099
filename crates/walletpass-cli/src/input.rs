//! Turning what users type into model values: `KEY=VALUE` assignments, content files, pass
//! addresses and HTTP header files. Every failure names the argument or file it is about.

use std::io::Read;
use std::path::Path;

use walletpass::{Field, FieldValue, PassContent, PassId, PassRef, TemplateId, WebhookId};

use crate::failure::Failure;

/// Parse `KEY=VALUE` (text) or `KEY:=NUMBER` (a number) into a field.
pub fn parse_assignment(flag: &str, text: &str) -> Result<Field, Failure> {
    let bad = || {
        Failure::usage_hint(
            format!("{flag} '{text}': expected KEY=VALUE or KEY:=NUMBER"),
            format!("for example {flag} tier=Gold or {flag} points:=1200"),
        )
    };
    let (key, value) = text.split_once('=').ok_or_else(bad)?;
    let field = match key.strip_suffix(':') {
        Some(key) => {
            let number: serde_json::Number = value.trim().parse().map_err(|_| {
                Failure::usage_hint(
                    format!("{flag} '{text}': '{value}' is not a number"),
                    format!("use {flag} {key}={value} for text"),
                )
            })?;
            Field::new(key, FieldValue::Number(number))?
        }
        None if key.is_empty() => return Err(bad()),
        None => Field::new(key, value)?,
    };
    Ok(field)
}

/// Read a file, or standard input for `-`.
pub fn read_bytes(flag: &str, path: &Path) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    result
        .map_err(|e| Failure::usage(format!("{flag} {}: cannot read it: {e}", path.display())))?;
    Ok(bytes)
}

/// Read pass content from a file: canonical `PassContent` JSON, or a whole pass as `passes get
/// -o json` prints it (its `content` is used).
pub fn read_content(path: &Path) -> Result<PassContent, Failure> {
    let bytes = read_bytes("--file", path)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::usage(format!("--file {}: not JSON: {e}", path.display())))?;
    let content = match value.get("content") {
        Some(content) if value.get("ref").is_some() => content.clone(),
        _ => value,
    };
    serde_json::from_value(content).map_err(|e| {
        Failure::Provider(
            walletpass::Error::new(
                walletpass::ErrorKind::InvalidInput,
                format!("--file {}: not valid pass content: {e}", path.display()),
            )
            .with_field_error("content", e.to_string()),
        )
    })
}

/// A template id from `--template`.
pub fn template_id(text: &str) -> Result<TemplateId, Failure> {
    Ok(TemplateId::new(text)?)
}

/// A pass address from `ID` (or `TEMPLATE/ID`) and an optional `--template`.
pub fn pass_ref(template: Option<&str>, id: &str) -> Result<PassRef, Failure> {
    match template {
        Some(t) => Ok(PassRef::in_template(template_id(t)?, PassId::new(id)?)),
        None => Ok(PassRef::parse(id)?),
    }
}

/// A webhook subscription id.
pub fn webhook_id(text: &str) -> Result<WebhookId, Failure> {
    Ok(WebhookId::new(text)?)
}

/// A webhook secret from `--secret` (or `WALLETPASS_WEBHOOK_SECRET`): an empty one is refused,
/// since it would verify forged deliveries.
pub fn webhook_secret(secret: String) -> Result<secrecy::SecretString, Failure> {
    if secret.trim().is_empty() {
        return Err(Failure::usage_hint(
            "--secret (or WALLETPASS_WEBHOOK_SECRET) is empty: an empty secret would let anyone forge a delivery",
            "pass the subscription's signing secret or token with --secret, or set WALLETPASS_WEBHOOK_SECRET to it",
        ));
    }
    Ok(secrecy::SecretString::from(secret))
}

/// Read request headers: `Name: value` lines (an `HTTP/...` status line and blank lines are
/// skipped, as `curl -D` writes them), or a JSON object of names to values.
pub fn read_headers(path: &Path) -> Result<http::HeaderMap, Failure> {
    let bytes = read_bytes("--headers", path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::usage(format!("--headers {}: not UTF-8 text", path.display())))?;
    let bad = |what: String| Failure::usage(format!("--headers {}: {what}", path.display()));
    let mut pairs: Vec<(String, String)> = Vec::new();
    if text.trim_start().starts_with('{') {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not a JSON object of header names to values: {e}")))?;
        for (name, value) in map {
            match value {
                serde_json::Value::String(v) => pairs.push((name, v)),
                other => pairs.push((name, other.to_string())),
            }
        }
    } else {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || (n == 0 && line.starts_with("HTTP/")) {
                continue;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| bad(format!("line {}: expected 'Name: value'", n + 1)))?;
            pairs.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let mut headers = http::HeaderMap::new();
    for (name, value) in pairs {
        let header_name = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| bad(format!("'{name}' is not a header name")))?;
        let header_value = http::HeaderValue::from_str(&value)
            .map_err(|_| bad(format!("the value of '{name}' is not a header value")))?;
        headers.append(header_name, header_value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_are_text_or_numbers_and_name_the_flag() {
        let f = parse_assignment("--field", "tier=Gold=ish").unwrap();
        assert_eq!(f.key.as_str(), "tier");
        assert_eq!(f.value, FieldValue::from("Gold=ish"));
        let f = parse_assignment("--set", "points:=1200").unwrap();
        assert_eq!(f.value, FieldValue::from(1200));
        let f = parse_assignment("--set", "zip=00123").unwrap();
        assert_eq!(f.value, FieldValue::from("00123"));
        let err = parse_assignment("--set", "points").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--set 'points'"), "{err}");
        let err = parse_assignment("--set", "points:=many").unwrap_err();
        assert!(err.to_string().contains("not a number"), "{err}");
        let err = parse_assignment("--field", "bad key=1").unwrap_err();
        assert_eq!(err.exit_code(), 5);
    }

    #[test]
    fn header_files_in_both_forms() {
        let dir = tempfile::tempdir().unwrap();
        let lines = dir.path().join("h.txt");
        std::fs::write(
            &lines,
            "HTTP/1.1 200 OK\r\nX-Sig: t=1,v1=ab\r\nContent-Type: application/json\r\n\r\n",
        )
        .unwrap();
        let h = read_headers(&lines).unwrap();
        assert_eq!(h.get("x-sig").unwrap(), "t=1,v1=ab");
        let json = dir.path().join("h.json");
        std::fs::write(&json, r#"{"Authorization": "Bearer x"}"#).unwrap();
        let h = read_headers(&json).unwrap();
        assert_eq!(h.get("authorization").unwrap(), "Bearer x");
        std::fs::write(&lines, "no colon here").unwrap();
        assert_eq!(read_headers(&lines).unwrap_err().exit_code(), 2);
    }
}
