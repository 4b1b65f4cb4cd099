//! Update pushes (apple-wallet.md §4): every change to a pass queues, in the same store
//! transaction, a push for each device registered for it
//! ([`Storage::update_pass`]); this worker claims ready
//! pushes from the store with a lease ([`Storage::claim_pushes`]),
//! sends each as an empty APNs push with bounded concurrency, and
//! - on 200 finishes it (a change that came in meanwhile stays queued and is pushed next);
//! - on 410 `Unregistered` or 400 `BadDeviceToken` removes the device's registrations
//!   (unless it registered again after APNs' timestamp), each a `pass_uninstalled` event;
//! - on 429, 5xx or a transport error retries with doubling backoff, up to
//!   [`PushConfig::max_attempts`], then gives up with an error log.
//!
//! Coalescing: one queued item per device and pass type, claimable only once
//! [`PushConfig::window`] has passed since its first change, so many changes in a short
//! window are one push per device. A process that dies holding pushes loses its lease and
//! another process (or the next start) sends them. A push is sent only within the first
//! three quarters of its lease (the request's timeout ends there too), so no other process
//! can send it meanwhile; what remains is at-least-once: a process that dies after APNs
//! accepted a push and before the store recorded it has that push sent again after the lease
//! (assumption A22).

mod apns;
mod config;
mod jwt;

use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use walletpass_core::{Result, WebhookEventKind};

pub use apns::{ApnsClient, Outcome, outcome};
pub use config::{
    APNS_PRODUCTION, ApnsAuth, DEFAULT_LEASE, ENV_APNS_CA, ENV_APNS_KEY, ENV_APNS_KEY_ID,
    ENV_APNS_TEAM_ID, ENV_APNS_URL, ENV_PUSH_CONCURRENCY, ENV_PUSH_LEASE_SECS, ENV_PUSH_WINDOW_MS,
    PushConfig, parse_lease,
};
pub use jwt::TokenSigner;

use crate::Apple;
use crate::PROVIDER;
use crate::store::{PushItem, Storage};

/// The push worker.
#[derive(Debug, Clone)]
pub struct Pusher {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    apple: Apple,
    store: Arc<dyn Storage>,
    client: ApnsClient,
    config: PushConfig,
    permits: Arc<Semaphore>,
}

/// The part of a lease the worker uses to send; the rest is a margin for the store's
/// clock and the other processes' clocks.
const LEASE_USE: f64 = 0.75;

fn nanos(d: Duration) -> i128 {
    i128::try_from(d.as_nanos()).unwrap_or(i128::MAX)
}

impl Pusher {
    /// A worker pushing the changes of `apple`'s passes as `config` says.
    pub fn new(apple: Apple, config: PushConfig) -> Result<Self> {
        let client = ApnsClient::new(&config, apple.identity())?;
        Ok(Self {
            inner: Arc::new(Inner {
                store: apple.shared_store(),
                apple,
                client,
                permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
                config,
            }),
        })
    }

    /// Run until `stop` turns true; then finish the pushes in flight.
    pub fn spawn(self, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            while !*stop.borrow() {
                let sent = match self.run_once().await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::error!(provider = PROVIDER, error = %e, "the push queue could not be read");
                        0
                    }
                };
                if sent == 0 {
                    tokio::select! {
                        _ = tokio::time::sleep(self.inner.config.poll) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        })
    }

    /// Claim the pushes that are ready now and send them (at most
    /// [`PushConfig::concurrency`] at once); how many were claimed.
    pub async fn run_once(&self) -> Result<usize> {
        let config = &self.inner.config;
        let now = OffsetDateTime::now_utc().unix_timestamp_nanos();
        let items = self.inner.store.claim_pushes(
            now,
            now - nanos(config.window),
            now + nanos(config.lease),
            config.batch,
        )?;
        // Sent only while the lease is surely ours: a push still waiting for a permit when
        // it ends, or whose answer would come after it, is left to whoever claims it next,
        // so that two processes never both send it.
        let deadline = Instant::now() + config.lease.mul_f64(LEASE_USE);
        let claimed = items.len();
        let mut tasks = JoinSet::new();
        for item in items {
            let Ok(permit) = Arc::clone(&self.inner.permits).acquire_owned().await else {
                break;
            };
            let this = self.clone();
            tasks.spawn(async move {
                this.send(item, deadline).await;
                drop(permit);
            });
        }
        while tasks.join_next().await.is_some() {}
        Ok(claimed)
    }

    async fn send(&self, item: PushItem, deadline: Instant) {
        let inner = &self.inner;
        let Some(left) = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        else {
            tracing::warn!(provider = PROVIDER, topic = %item.pass_type_id, "push not sent before its lease ended: it is sent after the lease (raise APPLE_PUSH_LEASE_SECS or APPLE_PUSH_CONCURRENCY)");
            return;
        };
        let outcome = inner
            .client
            .push(
                &item.push_token,
                &item.pass_type_id,
                left.min(inner.config.timeout),
            )
            .await;
        let stored = match outcome {
            Outcome::Delivered => inner.store.finish_push(&item).map(drop),
            Outcome::Remove {
                reason,
                unless_registered_after,
            } => {
                tracing::info!(provider = PROVIDER, topic = %item.pass_type_id, %reason, "device token no longer valid: registrations removed");
                self.remove(&item, unless_registered_after)
            }
            Outcome::Retry { reason } => self.retry(&item, &reason, false),
            Outcome::Misconfigured { reason } => self.retry(&item, &reason, true),
        };
        if let Err(e) = stored {
            tracing::error!(provider = PROVIDER, error = %e, "the push queue could not be updated (the lease will end and the push be sent again)");
        }
    }

    fn remove(&self, item: &PushItem, unless_registered_after: Option<i128>) -> Result<()> {
        let removed = self.inner.store.remove_push_token(
            &item.push_token,
            &item.pass_type_id,
            unless_registered_after,
        )?;
        for registration in removed {
            self.inner
                .apple
                .install_event(WebhookEventKind::PassUninstalled, &registration.serial)?;
        }
        // Re-registered since: the item may still be there and holds our lease.
        self.inner.store.finish_push(item)?;
        Ok(())
    }

    fn retry(&self, item: &PushItem, reason: &str, misconfigured: bool) -> Result<()> {
        let config = &self.inner.config;
        let attempts = item.attempts + 1;
        if attempts >= config.max_attempts {
            tracing::error!(provider = PROVIDER, topic = %item.pass_type_id, %reason, attempts, "push given up");
            self.inner.store.finish_push(item)?;
            return Ok(());
        }
        if misconfigured {
            tracing::error!(provider = PROVIDER, topic = %item.pass_type_id, %reason, "APNs refused the push: check the certificate, the key and the topic; retrying");
        } else {
            tracing::warn!(provider = PROVIDER, topic = %item.pass_type_id, %reason, "push retried");
        }
        let backoff = config
            .first_backoff
            .saturating_mul(1u32 << item.attempts.min(16))
            .min(config.max_backoff);
        let at = OffsetDateTime::now_utc().unix_timestamp_nanos() + nanos(backoff);
        self.inner.store.retry_push(item, at)?;
        Ok(())
    }
}
