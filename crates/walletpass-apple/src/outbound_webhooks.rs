//! Outbound webhooks to the user's app: `pass_created`, `pass_updated` and `pass_voided`
//! events as canonical [`WebhookEvent`] JSON, signed with HMAC-SHA256 over
//! `"<unix time>.<body>"` in the `walletpass-signature: t=<unix>,v1=<hex>` header (core's
//! shared [`HmacScheme`](walletpass_core::HmacScheme), five-minute tolerance), POSTed from a
//! background task with retries (up to [`MAX_ATTEMPTS`], backoff doubling from 200 ms), and
//! every attempt recorded in the store (the delivery history).
//!
//! [`AppleWebhookVerifier`] verifies (and signs) these deliveries for receivers.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use time::OffsetDateTime;
use walletpass_core::memory::MemoryWebhookVerifier;
use walletpass_core::{
    Error, ErrorKind, Operation, Pass, Result, WebhookDelivery, WebhookEvent, WebhookEventKind,
    WebhookVerifier,
};

use crate::PROVIDER;
use crate::store::Storage;

/// Most delivery attempts of one event.
pub const MAX_ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_secs(10);

/// Verifies and signs deliveries of this backend.
#[derive(Debug)]
pub struct AppleWebhookVerifier {
    inner: MemoryWebhookVerifier,
}

impl AppleWebhookVerifier {
    /// A verifier for `secret`.
    pub fn new(secret: SecretString) -> Self {
        Self {
            inner: MemoryWebhookVerifier::new(secret),
        }
    }
}

/// An error of the wrapped memory verifier as this provider's: [`Error::at`] keeps a provider
/// already set, and the memory verifier names itself, so the name is replaced first.
fn ours(e: Error) -> Error {
    e.with_provider(PROVIDER)
        .at(PROVIDER, Operation::VerifyWebhook)
}

impl WebhookVerifier for AppleWebhookVerifier {
    fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<WebhookEvent> {
        self.inner.verify(headers, body).map_err(ours)
    }

    fn sign(&self, body: &[u8]) -> Result<http::HeaderMap> {
        self.inner.sign(body).map_err(ours)
    }
}

/// One event to one subscription.
struct Job {
    store: Arc<dyn Storage>,
    subscription: String,
    url: String,
    secret: SecretString,
    event_id: String,
    kind: WebhookEventKind,
    body: Vec<u8>,
}

/// Sends events to the matching subscriptions.
#[derive(Debug, Clone)]
pub(crate) struct Deliverer {
    client: reqwest::Client,
}

impl Deliverer {
    pub(crate) fn new() -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    "the webhook HTTP client could not be built",
                )
                .at(PROVIDER, Operation::Configure)
                .with_source(e)
            })?;
        Ok(Self { client })
    }

    /// Queue `kind` about `pass` to every active subscription that wants it.
    pub(crate) fn emit(&self, store: &Arc<dyn Storage>, kind: WebhookEventKind, pass: &Pass) {
        let subscriptions = match store.webhooks_for(&kind, pass.pass_ref.template.as_ref()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(provider = PROVIDER, error = %e, "webhook subscriptions could not be read; no delivery");
                return;
            }
        };
        if subscriptions.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                provider = PROVIDER,
                "no async runtime: webhook deliveries not sent"
            );
            return;
        };
        let event_id = format!("evt_{}", uuid::Uuid::new_v4().simple());
        let fields: serde_json::Map<String, serde_json::Value> = pass
            .content
            .fields
            .iter()
            .map(|f| (f.key.to_string(), f.value.to_json()))
            .collect();
        let event = WebhookEvent {
            id: event_id.clone(),
            kind: kind.clone(),
            provider: PROVIDER.to_owned(),
            occurred_at: Some(OffsetDateTime::now_utc()),
            pass: Some(pass.pass_ref.clone()),
            fields,
            attempt: None,
            raw: serde_json::Value::Null,
        };
        let Ok(body) = serde_json::to_vec(&event) else {
            return;
        };
        for (subscription, url, secret) in subscriptions {
            let this = self.clone();
            let job = Job {
                store: Arc::clone(store),
                subscription,
                url,
                secret,
                event_id: event_id.clone(),
                kind: kind.clone(),
                body: body.clone(),
            };
            runtime.spawn(async move { this.deliver(job).await });
        }
    }

    async fn deliver(&self, job: Job) {
        let Job {
            store,
            subscription,
            url,
            secret,
            event_id,
            kind,
            body,
        } = job;
        let (subscription, url, event_id, body) = (
            subscription.as_str(),
            url.as_str(),
            event_id.as_str(),
            body.as_slice(),
        );
        let verifier = AppleWebhookVerifier::new(secret);
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=MAX_ATTEMPTS {
            let (status_code, success, error) = match verifier.sign(body) {
                Err(e) => (None, false, Some(e.to_string())),
                Ok(headers) => {
                    let sent = self
                        .client
                        .post(url)
                        .headers(headers)
                        .header("walletpass-delivery-attempt", attempt.to_string())
                        .body(body.to_vec())
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), true, None),
                        Ok(r) => (
                            Some(r.status().as_u16()),
                            false,
                            Some(format!("the receiver answered {}", r.status())),
                        ),
                        Err(e) => (None, false, Some(format!("not delivered: {e}"))),
                    }
                }
            };
            let delivery = WebhookDelivery {
                id: format!("{event_id}-{attempt}"),
                event_id: Some(event_id.to_owned()),
                kind: Some(kind.clone()),
                attempt,
                status_code,
                success,
                attempted_at: Some(OffsetDateTime::now_utc()),
                error,
            };
            if let Err(e) = store.add_delivery(subscription, &delivery) {
                tracing::warn!(provider = PROVIDER, error = %e, "a webhook delivery could not be recorded");
            }
            if success {
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
}
