//! The [`Storage`](super::Storage) methods the SQL stores keep out of their `mod.rs`, by
//! concern: webhook subscriptions and deliveries (in each store's `webhooks` module), device
//! registrations and the push queue (in its `devices` module). A trait impl cannot be split
//! across files, so [`storage_by_concern!`] writes those trait methods, once for both stores,
//! as calls to inherent methods of the store with the names below; each store's `impl
//! Storage` holds its passes, templates and images and ends with the macro.
//!
//! | trait method | inherent method |
//! | --- | --- |
//! | `insert_webhook`, `list_webhooks`, `delete_webhook`, `webhooks_for` | `add_webhook`, `webhooks`, `remove_webhook`, `targets` |
//! | `add_delivery`, `list_deliveries` | `record_delivery`, `deliveries` |
//! | `register_device`, `unregister_device`, `registrations`, `count_registrations` | `register`, `unregister`, `registrations_of`, `count_registrations_of` |
//! | `serials_updated_since`, `remove_push_token` | `updated_since`, `remove_token` |
//! | `claim_pushes`, `finish_push`, `retry_push`, `queued_pushes` | `claim`, `finish`, `retry`, `queued` |

/// The webhook and device methods of [`Storage`](super::Storage), inside an `impl Storage`
/// block (see the module docs).
macro_rules! storage_by_concern {
    () => {
        fn insert_webhook(
            &self,
            subscription: &::walletpass_core::WebhookSubscription,
            secret: &::secrecy::SecretString,
        ) -> ::walletpass_core::Result<()> {
            self.add_webhook(subscription, secret)
        }

        fn list_webhooks(
            &self,
            template: Option<&str>,
            after: u64,
            limit: usize,
        ) -> ::walletpass_core::Result<Vec<(u64, ::walletpass_core::WebhookSubscription)>> {
            self.webhooks(template, after, limit)
        }

        fn delete_webhook(&self, id: &str) -> ::walletpass_core::Result<bool> {
            self.remove_webhook(id)
        }

        fn webhooks_for(
            &self,
            kind: &::walletpass_core::WebhookEventKind,
            template: Option<&::walletpass_core::TemplateId>,
        ) -> ::walletpass_core::Result<Vec<(String, String, ::secrecy::SecretString)>> {
            self.targets(kind, template)
        }

        fn add_delivery(
            &self,
            webhook: &str,
            delivery: &::walletpass_core::WebhookDelivery,
        ) -> ::walletpass_core::Result<()> {
            self.record_delivery(webhook, delivery)
        }

        fn list_deliveries(
            &self,
            webhook: &str,
            after: u64,
            limit: usize,
        ) -> ::walletpass_core::Result<Vec<(u64, ::walletpass_core::WebhookDelivery)>> {
            self.deliveries(webhook, after, limit)
        }

        fn register_device(
            &self,
            registration: &$crate::store::Registration,
        ) -> ::walletpass_core::Result<Option<$crate::store::RegisterOutcome>> {
            self.register(registration)
        }

        fn unregister_device(
            &self,
            device_library_id: &str,
            pass_type_id: &str,
            serial: &str,
        ) -> ::walletpass_core::Result<bool> {
            self.unregister(device_library_id, pass_type_id, serial)
        }

        fn registrations(
            &self,
            pass_type_id: &str,
            serial: &str,
        ) -> ::walletpass_core::Result<Vec<$crate::store::Registration>> {
            self.registrations_of(pass_type_id, serial)
        }

        fn count_registrations(&self, serial: &str) -> ::walletpass_core::Result<u64> {
            self.count_registrations_of(serial)
        }

        fn serials_updated_since(
            &self,
            device_library_id: &str,
            pass_type_id: &str,
            since: Option<u64>,
        ) -> ::walletpass_core::Result<$crate::store::UpdatedSerials> {
            self.updated_since(device_library_id, pass_type_id, since)
        }

        fn remove_push_token(
            &self,
            push_token: &str,
            pass_type_id: &str,
            unless_registered_after: Option<i128>,
        ) -> ::walletpass_core::Result<Vec<$crate::store::Registration>> {
            self.remove_token(push_token, pass_type_id, unless_registered_after)
        }

        fn claim_pushes(
            &self,
            now: i128,
            ready_before: i128,
            lease_until: i128,
            limit: usize,
        ) -> ::walletpass_core::Result<Vec<$crate::store::PushItem>> {
            self.claim(now, ready_before, lease_until, limit)
        }

        fn finish_push(&self, item: &$crate::store::PushItem) -> ::walletpass_core::Result<bool> {
            self.finish(item)
        }

        fn retry_push(
            &self,
            item: &$crate::store::PushItem,
            at: i128,
        ) -> ::walletpass_core::Result<bool> {
            self.retry(item, at)
        }

        fn queued_pushes(&self) -> ::walletpass_core::Result<u64> {
            self.queued()
        }
    };
}

pub(crate) use storage_by_concern;
