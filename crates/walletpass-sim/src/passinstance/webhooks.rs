//! Signed webhook deliveries: each event goes to every subscription that lists it, as
//! `{id, type, createdAt, data}`, signed with HMAC-SHA256 over `"{timestamp}.{raw body}"` in the
//! `X-Passinstance-Signature: t=<unix seconds>,v1=<hex>` header, retried with backoff on
//! failure (assumptions S7-S9: the docs publish no scheme).

use std::sync::Arc;
use std::time::Duration;

use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use time::OffsetDateTime;

use super::state::{Sim, new_id, now, rfc3339};
use crate::harness::Deviation;

/// The header carrying the timestamp and signature.
pub const SIGNATURE_HEADER: &str = "X-Passinstance-Signature";
/// The header carrying the event id (also in the body), for deduplication.
pub const EVENT_ID_HEADER: &str = "X-Passinstance-Event-Id";
/// The header carrying the event type.
pub const EVENT_TYPE_HEADER: &str = "X-Passinstance-Event";
/// The header carrying the 1-based delivery attempt.
pub const ATTEMPT_HEADER: &str = "X-Passinstance-Delivery-Attempt";
/// How many times a delivery is tried before it is given up.
pub const MAX_ATTEMPTS: u32 = 5;
/// The wait before the second attempt; it doubles after each failure.
pub const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);
/// How long one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// One delivery attempt, kept for tests and for the standalone simulator's operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The event id (`evt_...`).
    pub event_id: String,
    /// The event type (`pass.created`, ...).
    pub event_type: String,
    /// The subscription.
    pub webhook_id: String,
    /// The receiver URL.
    pub url: String,
    /// 1-based attempt number.
    pub attempt: u32,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// The transport error, when it did not.
    pub error: Option<String>,
    /// The exact body sent.
    pub body: String,
}

impl DeliveryRecord {
    /// Whether the receiver accepted this attempt (2xx).
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The `X-Passinstance-Signature` value for `body` sent at `timestamp` (unix seconds):
/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return format!("t={timestamp},v1="),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// One delivery counted in [`Sim::deliveries_in_flight`] from its emit until its last attempt
/// is recorded; dropping it (the task finished, or was dropped with the runtime) uncounts it.
struct InFlight {
    sim: Arc<Sim>,
}

impl InFlight {
    fn start(sim: Arc<Sim>) -> Self {
        sim.deliveries_in_flight.send_modify(|n| *n += 1);
        Self { sim }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.sim
            .deliveries_in_flight
            .send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl super::SimHandle {
    /// Wait until every delivery emitted so far has finished (accepted, or given up after
    /// `MAX_ATTEMPTS`, 5 attempts), then return every attempt, as [`deliveries`](Self::deliveries) does.
    /// Each attempt is bounded by `ATTEMPT_TIMEOUT` (5 s) and the waits between them are fixed, so
    /// this returns once the last emitted delivery has run its course.
    pub async fn deliveries_settled(&self) -> Vec<DeliveryRecord> {
        let mut in_flight = self.sim.deliveries_in_flight.subscribe();
        // The sender lives in the state this handle holds, so the wait cannot end early; the
        // guard it returns is dropped at once.
        let _ = in_flight.wait_for(|n| *n == 0).await;
        self.deliveries()
    }
}

impl Sim {
    /// Send `event_type` with `data` to every subscription that lists it.
    pub fn emit(self: &Arc<Self>, event_type: &str, data: Value) {
        let subscribers: Vec<_> = self
            .store()
            .webhooks
            .iter()
            .filter(|w| w.events.iter().any(|e| e == event_type))
            .cloned()
            .collect();
        if subscribers.is_empty() {
            return;
        }
        let event_id = new_id("evt_");
        let body = json!({
            "id": event_id,
            "type": event_type,
            "createdAt": rfc3339(now()),
            "data": data,
        })
        .to_string();
        for webhook in subscribers {
            // Counted before the task starts, so that a caller who has the answer of the
            // request that emitted this event also sees the delivery as in flight.
            let in_flight = InFlight::start(Arc::clone(self));
            let body = body.clone();
            let event_id = event_id.clone();
            let event_type = event_type.to_owned();
            tokio::spawn(async move {
                in_flight
                    .sim
                    .deliver(webhook, event_id, event_type, body)
                    .await;
                drop(in_flight);
            });
        }
    }

    async fn deliver(
        &self,
        webhook: super::state::WebhookRecord,
        event_id: String,
        event_type: String,
        body: String,
    ) {
        let secret = if self.deviates(Deviation::WrongWebhookSecret) {
            format!("{}-rotated", webhook.secret)
        } else {
            webhook.secret.clone()
        };
        let mut delay = FIRST_RETRY_DELAY;
        for attempt in 1..=MAX_ATTEMPTS {
            let timestamp = OffsetDateTime::now_utc().unix_timestamp();
            let result = self
                .http
                .post(&webhook.url)
                .timeout(ATTEMPT_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Passinstance-Webhooks/1.0")
                .header(
                    SIGNATURE_HEADER,
                    signature_header(&secret, timestamp, body.as_bytes()),
                )
                .header(EVENT_ID_HEADER, &event_id)
                .header(EVENT_TYPE_HEADER, &event_type)
                .header(ATTEMPT_HEADER, attempt.to_string())
                .body(body.clone())
                .send()
                .await;
            let record = DeliveryRecord {
                event_id: event_id.clone(),
                event_type: event_type.clone(),
                webhook_id: webhook.id.clone(),
                url: webhook.url.clone(),
                attempt,
                status: result.as_ref().ok().map(|r| r.status().as_u16()),
                error: result.as_ref().err().map(|e| e.to_string()),
                body: body.clone(),
            };
            let done = record.succeeded();
            self.deliveries
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(record);
            if done {
                return;
            }
            if attempt < MAX_ATTEMPTS {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        // Known answer computed independently:
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test_secret_0001
        let header = signature_header("whsec_test_secret_0001", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(
            header,
            "t=1700000000,v1=d72004e54ee49c45c689a8f382207df55ea68689e30b4461db3af3021b8a176e"
        );
        assert_ne!(
            header,
            signature_header("whsec_test_secret_0002", 1_700_000_000, br#"{"a":1}"#)
        );
    }
}
