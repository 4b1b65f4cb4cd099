//! [`Store`]: everything the simulator keeps, with the ordered indexes a list page is sliced
//! from (creation order, overall and per template) and the serial-number index.

use std::collections::HashMap;

use bytes::Bytes;

use crate::harness::AnswerCache;

use super::records::{
    BatchRecord, BundleRecord, NotificationRecord, PassRecord, TemplateRecord, WebhookRecord,
};

/// Everything the simulator stores.
#[derive(Debug, Default)]
pub struct Store {
    /// Templates in creation order.
    pub templates: Vec<TemplateRecord>,
    /// Passes by id.
    pub passes: HashMap<String, PassRecord>,
    /// (creation order, id) of every pass, ascending: a list page is a slice of it.
    pub pass_order: Vec<(u64, String)>,
    /// The same, per template id.
    pub template_order: HashMap<String, Vec<(u64, String)>>,
    /// The last creation order handed out.
    pub last_seq: u64,
    /// (template id, serial number) -> pass id.
    pub serials: HashMap<(String, String), String>,
    /// Deleted passes, kept only for the `DeletedAnswers200` deviation.
    pub deleted: HashMap<String, PassRecord>,
    /// Bundles in creation order.
    pub bundles: Vec<BundleRecord>,
    /// Notifications in creation order.
    pub notifications: Vec<NotificationRecord>,
    /// Webhook subscriptions in creation order.
    pub webhooks: Vec<WebhookRecord>,
    /// Batch jobs by id.
    pub batches: HashMap<String, BatchRecord>,
    /// Rendered `GET /passes/{id}` answers by pass id. Every change to a stored pass goes
    /// through [`Store::insert_pass`], [`Store::pass_mut`], [`Store::put_pass`] or
    /// [`Store::remove_pass`], which drop its entry; the map is emptied when it reaches
    /// [`AnswerCache::CAPACITY`] entries.
    answers: AnswerCache<String>,
}

impl Store {
    /// A template by id.
    pub fn template(&self, id: &str) -> Option<&TemplateRecord> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Whether a webhook subscription takes `event`.
    pub fn subscribed(&self, event: &str) -> bool {
        self.webhooks
            .iter()
            .any(|w| w.events.iter().any(|e| e == event))
    }

    /// A stored pass, mutably (its kept answer is dropped: the caller may change it).
    pub(super) fn pass_mut(&mut self, id: &str) -> Option<&mut PassRecord> {
        self.answers.forget(id);
        self.passes.get_mut(id)
    }

    /// Replace a stored pass with a new version of it (same id, same place in the order).
    pub(super) fn put_pass(&mut self, pass: PassRecord) {
        self.answers.forget(&pass.id);
        self.passes.insert(pass.id.clone(), pass);
    }

    /// The rendered read answer of a pass, if one is kept.
    pub(super) fn cached_answer(&self, id: &str) -> Option<Bytes> {
        self.answers.get(id)
    }

    /// Keep the rendered read answer of a pass.
    pub(super) fn keep_answer(&mut self, id: &str, answer: Bytes) {
        self.answers.keep(id.to_owned(), answer);
    }

    /// Store a new pass at the end of the ordered indexes.
    pub(super) fn insert_pass(&mut self, pass: PassRecord) {
        self.answers.forget(&pass.id);
        let entry = (pass.seq, pass.id.clone());
        self.serials.insert(
            (pass.template_id.clone(), pass.serial_number.clone()),
            pass.id.clone(),
        );
        self.template_order
            .entry(pass.template_id.clone())
            .or_default()
            .push(entry.clone());
        self.pass_order.push(entry);
        self.passes.insert(pass.id.clone(), pass);
    }

    /// Take a pass out of the store and its indexes (found by binary search on its creation
    /// order, so a delete does not scan the store).
    pub(super) fn remove_pass(&mut self, id: &str) -> Option<PassRecord> {
        self.answers.forget(id);
        let pass = self.passes.remove(id)?;
        self.serials
            .remove(&(pass.template_id.clone(), pass.serial_number.clone()));
        remove_ordered(&mut self.pass_order, pass.seq);
        if let Some(order) = self.template_order.get_mut(&pass.template_id) {
            remove_ordered(order, pass.seq);
        }
        Some(pass)
    }
}

/// Remove the entry with creation order `seq` from an ascending index.
fn remove_ordered(order: &mut Vec<(u64, String)>, seq: u64) {
    if let Ok(at) = order.binary_search_by_key(&seq, |(s, _)| *s) {
        order.remove(at);
    }
}
