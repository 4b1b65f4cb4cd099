//! Webhooks, in two halves kept apart: subscriptions managed through the trait
//! ([`NewWebhookSubscription`], [`WebhookSubscription`], [`WebhookDelivery`]), and inbound
//! deliveries verified by a backend's [`WebhookVerifier`] and normalised to one canonical
//! [`WebhookEvent`].

mod event;
mod signature;
mod subscription;

pub use event::{WebhookEvent, WebhookEventKind, WebhookVerifier};
pub(crate) use signature::now_unix;
pub use signature::{HmacScheme, SignatureError};
pub use subscription::{
    CreatedWebhookSubscription, NewWebhookSubscription, WebhookDelivery, WebhookSubscription,
};
