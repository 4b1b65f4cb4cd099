//! Webhook subscription bodies: an https receiver URL, the documented events, an optional
//! secret.

use serde_json::{Map, Value};

use super::checker::Checker;
use crate::passinstance::errors::ApiError;

/// The documented webhook events.
pub const EVENTS: &[&str] = &[
    "pass.created",
    "pass.updated",
    "pass.voided",
    "template.created",
];

/// A checked webhook subscription body.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookInput {
    /// `url`.
    pub url: String,
    /// `events`.
    pub events: Vec<String>,
    /// `secret`, when the caller chose one.
    pub secret: Option<String>,
}

/// Whether `url` is an absolute `https://` URL with a host: "Register HTTPS receivers"
/// (Quickstart), loopback hosts included (no testing allowance: a test receiver serves https,
/// see [`crate::passinstance::start_trusting`]).
pub fn is_webhook_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|parsed| parsed.scheme() == "https" && parsed.host().is_some())
}

/// Check a webhook subscription body.
pub fn webhook_input(obj: &Map<String, Value>) -> Result<WebhookInput, ApiError> {
    let mut c = Checker::new(obj, "");
    c.unknown_keys(&["url", "events", "secret"], &[]);
    let url = c.required_string("url", 2048);
    if let Some(u) = &url
        && !is_webhook_url(u)
    {
        c.fail(
            "url",
            "must be an https URL (receivers are registered over HTTPS)",
        );
    }
    let mut events = Vec::new();
    match obj.get("events") {
        None | Some(Value::Null) => c.fail("events", "is required"),
        Some(Value::Array(items)) if items.is_empty() => c.fail("events", "must not be empty"),
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(event) if EVENTS.contains(&event) => {
                        if !events.iter().any(|e| e == event) {
                            events.push(event.to_owned());
                        }
                    }
                    _ => c.fail(
                        &format!("events.{index}"),
                        format!("must be one of {}", EVENTS.join(", ")),
                    ),
                }
            }
        }
        Some(_) => c.fail("events", "must be an array of event names"),
    }
    let secret = c.string("secret", 256);
    if let Some(s) = &secret
        && s.len() < 16
    {
        c.fail("secret", "must be at least 16 characters");
    }
    let Some(url) = url else {
        return Err(ApiError::invalid(c.errors));
    };
    c.finish(WebhookInput {
        url,
        events,
        secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(is_webhook_url("https://example.com/hook"));
        // "Register HTTPS receivers" (Quickstart): no http, not even to loopback.
        assert!(is_webhook_url("https://127.0.0.1:9000/hook"));
        assert!(!is_webhook_url("http://127.0.0.1:9000/hook"));
        assert!(!is_webhook_url("http://localhost/hook"));
        assert!(!is_webhook_url("http://[::1]/hook"));
        assert!(!is_webhook_url("http://example.com/hook"));
        assert!(!is_webhook_url("ftp://example.com/hook"));
    }
}
