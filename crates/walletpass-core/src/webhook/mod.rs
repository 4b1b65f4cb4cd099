//! Webhooks, in two halves kept apart: subscriptions managed through the trait
//! ([`NewWebhookSubscription`], [`WebhookSubscription`], [`WebhookDelivery`]), and inbound
//! deliveries verified by a backend's [`WebhookVerifier`] and normalised to one canonical
//! [`WebhookEvent`].

mod event;
mod signature;
mod subscription;

pub use event::{WebhookEvent, WebhookEventKind, WebhookVerifier};
pub(crate) use signature::now_unix;
pub use signature::{HmacScheme, SignatureError, SignedMessage, is_empty_secret};

use secrecy::SecretString;

use crate::error::{Error, ErrorKind, Operation};

/// Refuse an empty (or whitespace-only) webhook secret for `provider`: a verifier built with it
/// would accept forged deliveries, a signer would sign for anyone. Every backend calls this
/// wherever a verifier or signer is built.
pub fn require_webhook_secret(provider: &'static str, secret: &SecretString) -> Result<(), Error> {
    if is_empty_secret(secret) {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "the webhook secret is empty; an empty secret would let anyone forge a delivery (give the subscription's signing secret or token)",
        )
        .with_provider(provider)
        .with_operation(Operation::VerifyWebhook));
    }
    Ok(())
}
pub use subscription::{
    CreatedWebhookSubscription, NewWebhookSubscription, WebhookDelivery, WebhookSubscription,
};
