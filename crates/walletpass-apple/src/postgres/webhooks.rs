//! Webhook subscriptions (with their signing secrets) and the delivery history in PostgreSQL:
//! the SQL of those [`Storage`](crate::store::Storage) methods, with the contract written on
//! the trait. The `webhooks` table keeps each subscription's template in a column, so the
//! template filters run in SQL.

use secrecy::{ExposeSecret, SecretString};
use walletpass_core::{Result, TemplateId, WebhookDelivery, WebhookEventKind, WebhookSubscription};

use super::{PostgresStore, all, wait};
use crate::store::rows::{self, json, limit, position};

impl PostgresStore {
    pub(super) fn add_webhook(
        &self,
        subscription: &WebhookSubscription,
        secret: &SecretString,
    ) -> Result<()> {
        let body = json(subscription)?;
        let template = subscription.template.as_ref().map(TemplateId::as_str);
        self.pool.with(|c| {
            wait(c.execute(
                "INSERT INTO webhooks (id, template, body, secret) VALUES ($1, $2, $3, $4)",
                &[
                    &subscription.id.as_str(),
                    &template,
                    &body,
                    &secret.expose_secret(),
                ],
            ))
            .map_err(self.err("insert webhook"))?;
            Ok(())
        })
    }

    pub(super) fn webhooks(
        &self,
        template: Option<&str>,
        after: u64,
        size: usize,
    ) -> Result<Vec<(u64, WebhookSubscription)>> {
        self.pool.with(|c| {
            let found = wait(c.query(
                "SELECT seq, body FROM webhooks
                 WHERE seq > $1 AND ($2::text IS NULL OR template = $2)
                 ORDER BY seq LIMIT $3",
                &[&position(after), &template, &limit(size)],
            ))
            .map_err(self.err("list webhooks"))?;
            all(&found, rows::seq_body)
        })
    }

    pub(super) fn remove_webhook(&self, id: &str) -> Result<bool> {
        self.transaction("delete webhook", async |tx, err| {
            let n = tx
                .execute("DELETE FROM webhooks WHERE id = $1", &[&id])
                .await
                .map_err(err)?;
            tx.execute("DELETE FROM deliveries WHERE webhook = $1", &[&id])
                .await
                .map_err(err)?;
            Ok(n > 0)
        })
    }

    pub(super) fn targets(
        &self,
        kind: &WebhookEventKind,
        template: Option<&TemplateId>,
    ) -> Result<Vec<(String, String, SecretString)>> {
        let found = self.pool.with(|c| {
            wait(c.query(
                "SELECT body, secret FROM webhooks
                 WHERE template IS NULL OR template = $1 ORDER BY seq",
                &[&template.map(TemplateId::as_str)],
            ))
            .map_err(self.err("read webhooks"))
        })?;
        let targets = all(&found, |r| rows::webhook_target(r, kind, template))?;
        Ok(targets.into_iter().flatten().collect())
    }

    pub(super) fn record_delivery(&self, webhook: &str, delivery: &WebhookDelivery) -> Result<()> {
        let body = json(delivery)?;
        self.pool.with(|c| {
            wait(c.execute(
                "INSERT INTO deliveries (webhook, body) VALUES ($1, $2)",
                &[&webhook, &body],
            ))
            .map_err(self.err("record delivery"))?;
            Ok(())
        })
    }

    pub(super) fn deliveries(
        &self,
        webhook: &str,
        after: u64,
        size: usize,
    ) -> Result<Vec<(u64, WebhookDelivery)>> {
        self.pool.with(|c| {
            let found = wait(c.query(
                "SELECT seq, body FROM deliveries WHERE webhook = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&webhook, &position(after), &limit(size)],
            ))
            .map_err(self.err("list deliveries"))?;
            all(&found, rows::seq_body)
        })
    }
}
