//! Webhook subscriptions (with their signing secrets) and the delivery history in SQLite: the
//! SQL of those [`Storage`](crate::store::Storage) methods, with the contract written on the
//! trait. The `webhooks` table has no template column (schema version 2), so the template
//! filters run on the decoded subscriptions.

use rusqlite::params;
use secrecy::{ExposeSecret, SecretString};
use walletpass_core::{Result, TemplateId, WebhookDelivery, WebhookEventKind, WebhookSubscription};

use super::{SqliteStore, all, sql};
use crate::store::rows::{self, json, limit, position};

impl SqliteStore {
    pub(super) fn add_webhook(
        &self,
        subscription: &WebhookSubscription,
        secret: &SecretString,
    ) -> Result<()> {
        let body = json(subscription)?;
        self.lock()
            .execute(
                "INSERT INTO webhooks (id, body, secret) VALUES (?1, ?2, ?3)",
                params![subscription.id.as_str(), body, secret.expose_secret()],
            )
            .map_err(sql)?;
        Ok(())
    }

    pub(super) fn webhooks(
        &self,
        template: Option<&str>,
        after: u64,
        size: usize,
    ) -> Result<Vec<(u64, WebhookSubscription)>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached("SELECT seq, body FROM webhooks WHERE seq > ?1 ORDER BY seq")
            .map_err(sql)?;
        let mut rows = stmt.query(params![position(after)]).map_err(sql)?;
        let mut out = Vec::new();
        while out.len() < size
            && let Some(r) = rows.next().map_err(sql)?
        {
            let (seq, sub): (u64, WebhookSubscription) = rows::seq_body(r)?;
            if template.is_none_or(|t| sub.template.as_ref().map(TemplateId::as_str) == Some(t)) {
                out.push((seq, sub));
            }
        }
        Ok(out)
    }

    pub(super) fn remove_webhook(&self, id: &str) -> Result<bool> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(sql)?;
        let n = tx
            .execute("DELETE FROM webhooks WHERE id = ?1", [id])
            .map_err(sql)?;
        tx.execute("DELETE FROM deliveries WHERE webhook = ?1", [id])
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(n > 0)
    }

    pub(super) fn targets(
        &self,
        kind: &WebhookEventKind,
        template: Option<&TemplateId>,
    ) -> Result<Vec<(String, String, SecretString)>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached("SELECT body, secret FROM webhooks ORDER BY seq")
            .map_err(sql)?;
        let targets = all(&mut stmt, [], |r| rows::webhook_target(r, kind, template))?;
        Ok(targets.into_iter().flatten().collect())
    }

    pub(super) fn record_delivery(&self, webhook: &str, delivery: &WebhookDelivery) -> Result<()> {
        let body = json(delivery)?;
        self.lock()
            .execute(
                "INSERT INTO deliveries (webhook, body) VALUES (?1, ?2)",
                params![webhook, body],
            )
            .map_err(sql)?;
        Ok(())
    }

    pub(super) fn deliveries(
        &self,
        webhook: &str,
        after: u64,
        size: usize,
    ) -> Result<Vec<(u64, WebhookDelivery)>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, body FROM deliveries WHERE webhook = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )
            .map_err(sql)?;
        all(
            &mut stmt,
            params![webhook, position(after), limit(size)],
            rows::seq_body,
        )
    }
}
