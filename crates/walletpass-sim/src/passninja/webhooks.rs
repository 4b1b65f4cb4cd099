//! Delivering pass events to webhook subscriptions: a CloudEvents 1.0 structured-mode envelope
//! POSTed with `Authorization: Bearer <token>`, retried with exponential backoff, every attempt
//! recorded as a `webhook_results` row. Runs on spawned tasks with `reqwest`.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::Shared;
use super::state::{WebhookResult, rfc3339};
use crate::harness::Deviation;

/// The longest response body kept in a result row.
const MAX_KEPT_BODY: usize = 4096;

/// Whether `url` is acceptable as a delivery target: an absolute `https://` URL with a host,
/// as the doc says ("Absolute https:// URL. http:// is rejected."), loopback hosts included.
/// A test receiver serves https with a certificate the simulator is told to trust
/// ([`PassNinjaOptions::trust_ca_pem`](super::PassNinjaOptions::trust_ca_pem)).
pub(crate) fn url_allowed(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|url| url.scheme() == "https" && url.host().is_some())
}

/// Whether an event type has the documented shape `^pn\.[a-z][a-z_]*\.[a-z][a-z_]*$`.
pub(crate) fn event_type_valid(kind: &str) -> bool {
    fn segment(s: &str) -> bool {
        let mut chars = s.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c == '_')
    }
    let mut parts = kind.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("pn"), Some(a), Some(b), None) if segment(a) && segment(b)
    )
}

/// Fire `kind` for a pass: one delivery per matching subscription, each on its own task.
pub(crate) fn emit(
    shared: &Arc<Shared>,
    account: &str,
    template: &str,
    serial: &str,
    kind: &str,
    metadata: Option<Map<String, Value>>,
) {
    let targets: Vec<(String, String, String)> = {
        let store = shared.lock();
        store
            .webhooks
            .iter()
            .filter(|w| w.account == account)
            .filter(|w| w.pass_template.as_deref().is_none_or(|t| t == template))
            .filter(|w| w.subscribed_events.iter().any(|e| e == kind))
            .map(|w| (w.id.clone(), w.url.clone(), w.bearer_token.clone()))
            .collect()
    };
    let metadata = metadata.filter(|m| !m.is_empty()).map(Value::Object);
    let time = rfc3339(OffsetDateTime::now_utc());
    for (webhook_id, url, token) in targets {
        let event = Event {
            id: uuid::Uuid::new_v4().to_string(),
            source: format!("https://api.passninja.com/accounts/{account}"),
            kind: kind.to_owned(),
            time: time.clone(),
            data: json!({
                "pass_template": template,
                "pass_id": serial,
                "metadata": metadata,
            }),
        };
        let shared = Arc::clone(shared);
        tokio::spawn(async move { deliver(shared, webhook_id, url, token, event).await });
    }
}

/// The parts of an envelope that are stable across attempts.
struct Event {
    id: String,
    source: String,
    kind: String,
    time: String,
    data: Value,
}

impl Event {
    fn envelope(&self, attempt: u32) -> Value {
        json!({
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.kind,
            "datacontenttype": "application/json",
            "time": self.time,
            "pnattempt": attempt,
            "data": self.data,
        })
    }
}

async fn deliver(
    shared: Arc<Shared>,
    webhook_id: String,
    url: String,
    token: String,
    event: Event,
) {
    let options = &shared.options;
    let token = if shared.config.deviates(Deviation::WrongWebhookSecret) {
        format!("{token}-wrong")
    } else {
        token
    };
    for attempt in 1..=options.max_attempts.max(1) {
        if !shared.lock().webhooks.iter().any(|w| w.id == webhook_id) {
            return;
        }
        let sent = shared
            .http
            .post(&url)
            .bearer_auth(&token)
            .json(&event.envelope(attempt))
            .timeout(options.delivery_timeout)
            .send()
            .await;
        let (status, body) = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let mut body = response.text().await.unwrap_or_default();
                if body.len() > MAX_KEPT_BODY {
                    let mut cut = MAX_KEPT_BODY;
                    while !body.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    body.truncate(cut);
                }
                (Some(status), Some(body))
            }
            Err(err) => (None, Some(err.to_string())),
        };
        let success = status.is_some_and(|s| (200..300).contains(&s));
        {
            let mut store = shared.lock();
            if !store.webhooks.iter().any(|w| w.id == webhook_id) {
                return;
            }
            let id = store.next_result.to_string();
            store.next_result += 1;
            store.results.push(WebhookResult {
                id,
                webhook_id: webhook_id.clone(),
                url: url.clone(),
                response_status: status,
                response_body: body,
                success,
                attempt,
                created_at: OffsetDateTime::now_utc(),
            });
        }
        if success {
            return;
        }
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        let wait = options
            .retry_base
            .saturating_mul(factor)
            .min(options.retry_cap);
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_follow_the_documented_pattern() {
        // "Type names are validated against ^pn\.[a-z][a-z_]*\.[a-z][a-z_]*$"
        for ok in [
            "pn.pass.installed",
            "pn.pass.scanned",
            "pn.template.published",
            "pn.a_b.c_",
        ] {
            assert!(event_type_valid(ok), "{ok}");
        }
        for bad in [
            "pass.installed",
            "pn.pass",
            "pn.Pass.installed",
            "pn.pass.installed.x",
            "pn._pass.installed",
            "pn.pass.1nstalled",
            "xx.pass.installed",
            "",
        ] {
            assert!(!event_type_valid(bad), "{bad}");
        }
    }

    #[test]
    fn urls_need_https_even_on_loopback() {
        // "url ... Absolute https:// URL. http:// is rejected." (Create a webhook subscription)
        assert!(url_allowed("https://example.com/passninja/webhook"));
        assert!(url_allowed("https://127.0.0.1:9000/hook"));
        assert!(!url_allowed("http://127.0.0.1:9000/hook"));
        assert!(!url_allowed("http://localhost/hook"));
        assert!(!url_allowed("http://[::1]:80/hook"));
        assert!(!url_allowed("http://example.com/hook"));
        assert!(!url_allowed("ftp://example.com/hook"));
        assert!(!url_allowed("/relative"));
    }
}
