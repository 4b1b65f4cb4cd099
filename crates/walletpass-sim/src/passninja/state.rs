//! The simulator's in-memory state: accounts, pass templates (with the field schema the
//! dashboard editor would define), passes (tombstoned on delete), webhook subscriptions and
//! their delivery results. Handlers lock it briefly; nothing here does I/O.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::errors::ApiError;
use crate::harness::AnswerCache;

/// An account the simulator accepts: `X-ACCOUNT-ID` and its `X-API-KEY` (left out of `Debug`).
#[derive(Clone, Serialize, Deserialize)]
pub struct Account {
    /// `aid_0x<hex>`.
    pub id: String,
    /// The API key accepted for this account.
    pub api_key: String,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("api_key", &"[REDACTED]")
            .finish()
    }
}

/// Where a template field is shown on an Apple pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldPlacement {
    /// Header field.
    Header,
    /// Primary field.
    Primary,
    /// Secondary field.
    Secondary,
    /// Auxiliary field.
    Auxiliary,
    /// Back of the pass.
    Back,
}

impl FieldPlacement {
    /// The Apple pass.json array this placement fills.
    pub fn apple_key(self) -> &'static str {
        match self {
            FieldPlacement::Header => "headerFields",
            FieldPlacement::Primary => "primaryFields",
            FieldPlacement::Secondary => "secondaryFields",
            FieldPlacement::Auxiliary => "auxiliaryFields",
            FieldPlacement::Back => "backFields",
        }
    }
}

/// One visible field of a template, as defined in the dashboard's pass template editor.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TemplateField {
    /// The API mapping field name (`member.name`).
    pub key: String,
    /// The label shown on the pass.
    pub label: String,
    /// Where the field is shown.
    pub placement: FieldPlacement,
    /// The template's default value, used when a create or PUT leaves the key out.
    #[serde(default)]
    pub default: String,
}

/// A pass template.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Template {
    /// `ptk_0x<hex>` (or an older dotted key such as `demo.coupon`).
    pub id: String,
    /// The owning account.
    pub account: String,
    /// Human label.
    pub name: String,
    /// `apple`, `google` or `both`.
    pub platform: String,
    /// Pass style (`storeCard`, ...).
    pub style: String,
    /// The visible fields, in order.
    #[serde(default)]
    pub fields: Vec<TemplateField>,
    /// Creation time.
    #[serde(default = "now", with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last update.
    #[serde(default = "now", with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Template {
    /// The template's values for a pass that set nothing.
    pub fn defaults(&self) -> Map<String, Value> {
        self.fields
            .iter()
            .map(|f| (f.key.clone(), Value::String(f.default.clone())))
            .collect()
    }
}

/// Who a pass was sent to.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Recipient {
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A pass.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pass {
    /// The serial number (18 hex characters; older passes may have a UUID).
    pub serial: String,
    /// The template it was issued from.
    pub template: String,
    /// Field values keyed by API field name, in template order.
    #[serde(default)]
    pub values: Map<String, Value>,
    /// `Active`, `Removed`, `Expired` or `N/A`.
    #[serde(default = "active")]
    pub status: String,
    /// When it was issued.
    #[serde(default = "now", with = "time::serde::rfc3339")]
    pub issued_date: OffsetDateTime,
    /// When it was first installed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub installed_date: Option<OffsetDateTime>,
    /// Delivery info.
    #[serde(default)]
    pub recipient: Option<Recipient>,
    /// Deleted passes stay as tombstones so that reads answer `MR2`.
    #[serde(default)]
    pub deleted: bool,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn active() -> String {
    "Active".into()
}

/// RFC 3339 text of a timestamp.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// A webhook subscription (its bearer token left out of `Debug`).
#[derive(Clone)]
pub struct Webhook {
    /// Numeric id, as a string.
    pub id: String,
    /// Owning account.
    pub account: String,
    /// Human label.
    pub name: String,
    /// Delivery URL.
    pub url: String,
    /// Event types.
    pub subscribed_events: Vec<String>,
    /// Template scope, if any.
    pub pass_template: Option<String>,
    /// The bearer token deliveries carry.
    pub bearer_token: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("account", &self.account)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("subscribed_events", &self.subscribed_events)
            .field("pass_template", &self.pass_template)
            .field("bearer_token", &"[REDACTED]")
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl Webhook {
    /// The documented row shape (no token).
    pub fn row(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "auth_method": "bearer_token",
            "subscribed_events": self.subscribed_events,
            "pass_template": self.pass_template,
            "active": true,
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.created_at),
        })
    }
}

/// One recorded delivery attempt.
#[derive(Clone, Debug)]
pub struct WebhookResult {
    /// Numeric id, as a string.
    pub id: String,
    /// The subscription.
    pub webhook_id: String,
    /// Where it was sent.
    pub url: String,
    /// The receiver's status, `None` when no answer arrived.
    pub response_status: Option<u16>,
    /// The receiver's body.
    pub response_body: Option<String>,
    /// Whether the receiver answered 2xx.
    pub success: bool,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// When it was recorded.
    pub created_at: OffsetDateTime,
}

impl WebhookResult {
    /// The documented row shape.
    pub fn row(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "webhook_id": self.webhook_id,
            "url": self.url,
            "response_status": self.response_status,
            "response_body": self.response_body,
            "success": self.success,
            "attempt": self.attempt,
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.created_at),
        })
    }
}

/// Everything the simulator knows.
#[derive(Debug, Default)]
pub struct Store {
    pub(crate) accounts: Vec<Account>,
    pub(crate) templates: BTreeMap<String, Template>,
    /// Passes in issue order (deleted ones stay, as tombstones). Add them with
    /// [`Store::push_pass`] and delete them with [`Store::mark_deleted`], which keep the indexes
    /// below in step.
    pub(crate) passes: Vec<Pass>,
    /// template -> serial -> position in `passes` (nested, so a lookup borrows both keys
    /// instead of allocating a pair).
    pub(crate) by_key: HashMap<String, HashMap<String, usize>>,
    /// Every serial ever issued (deleted passes' too), so a new one never repeats an old one.
    pub(crate) serials: HashSet<String>,
    /// Template -> positions of its live passes, ascending: a list page is a slice of it.
    pub(crate) live: HashMap<String, Vec<usize>>,
    /// Rendered `GET /passes/{template}/{serial}` answers by position in `passes`. An answer
    /// shows only the serial, the template and the values, so changing the values through
    /// [`Store::set_values`] drops the pass's entry and [`Store::reindex`] drops them all; the
    /// map is emptied when it reaches [`AnswerCache::CAPACITY`] entries.
    pub(crate) answers: AnswerCache<usize>,
    pub(crate) webhooks: Vec<Webhook>,
    pub(crate) results: Vec<WebhookResult>,
    pub(crate) next_template: u64,
    pub(crate) next_webhook: u64,
    pub(crate) next_result: u64,
}

impl Store {
    /// The account whose id and key match.
    pub(crate) fn authenticate(&self, account: &str, key: &str, lax: bool) -> Option<String> {
        let found = self.accounts.iter().find(|a| a.id == account);
        match found {
            Some(a) if a.api_key == key || lax => Some(a.id.clone()),
            None if lax => self.accounts.first().map(|a| a.id.clone()),
            _ => None,
        }
    }

    /// A template of `account`: `MR1` when absent, `UA2` when it belongs to someone else.
    pub(crate) fn template(&self, account: &str, id: &str) -> Result<&Template, ApiError> {
        match self.templates.get(id) {
            None => Err(ApiError::TemplateNotFound(id.into())),
            Some(t) if t.account != account => Err(ApiError::Forbidden),
            Some(t) => Ok(t),
        }
    }

    /// Index of a pass of `template` (`MR2` when absent; deleted passes only when `deleted_ok`).
    pub(crate) fn pass_index(
        &self,
        template: &str,
        serial: &str,
        deleted_ok: bool,
    ) -> Result<usize, ApiError> {
        self.by_key
            .get(template)
            .and_then(|serials| serials.get(serial))
            .copied()
            .filter(|i| deleted_ok || self.passes.get(*i).is_some_and(|p| !p.deleted))
            .ok_or_else(|| ApiError::PassNotFound(serial.into()))
    }

    /// Replace the values of the pass at `index` (the one way they change after creation).
    pub(crate) fn set_values(&mut self, index: usize, values: Map<String, Value>) {
        self.answers.forget(&index);
        if let Some(pass) = self.passes.get_mut(index) {
            pass.values = values;
        }
    }

    /// The rendered read answer of the pass at `index`, if one is kept.
    pub(crate) fn cached_answer(&self, index: usize) -> Option<bytes::Bytes> {
        self.answers.get(&index)
    }

    /// Keep the rendered read answer of the pass at `index`.
    pub(crate) fn keep_answer(&mut self, index: usize, answer: bytes::Bytes) {
        self.answers.keep(index, answer);
    }

    /// Add a pass at the end of the issue order.
    pub(crate) fn push_pass(&mut self, pass: Pass) {
        let index = self.passes.len();
        self.index(index, &pass);
        self.passes.push(pass);
    }

    /// Delete the pass at `index`, keeping it as a tombstone.
    pub(crate) fn mark_deleted(&mut self, index: usize) {
        let Some(pass) = self.passes.get_mut(index) else {
            return;
        };
        pass.deleted = true;
        if let Some(live) = self.live.get_mut(&pass.template)
            && let Ok(at) = live.binary_search(&index)
        {
            live.remove(at);
        }
    }

    /// Positions of the live passes of `template`, in issue order.
    pub(crate) fn live_passes(&self, template: &str) -> &[usize] {
        self.live.get(template).map_or(&[], Vec::as_slice)
    }

    /// Rebuild the indexes after `passes` was changed wholesale (seeding).
    pub(crate) fn reindex(&mut self) {
        self.answers.clear();
        self.by_key.clear();
        self.serials.clear();
        self.live.clear();
        let passes = std::mem::take(&mut self.passes);
        for (index, pass) in passes.iter().enumerate() {
            self.index(index, pass);
        }
        self.passes = passes;
    }

    fn index(&mut self, index: usize, pass: &Pass) {
        self.answers.forget(&index);
        self.by_key
            .entry(pass.template.clone())
            .or_default()
            .insert(pass.serial.clone(), index);
        self.serials.insert(pass.serial.clone());
        if !pass.deleted {
            self.live
                .entry(pass.template.clone())
                .or_default()
                .push(index);
        }
    }

    /// The next `ptk_0x<hex>` id.
    pub(crate) fn new_template_id(&mut self) -> String {
        loop {
            let id = format!("ptk_0x{:x}", self.next_template);
            self.next_template += 1;
            if !self.templates.contains_key(&id) {
                return id;
            }
        }
    }

    /// A fresh 18-hex-character serial.
    pub(crate) fn new_serial(&self) -> String {
        let mut rng = rand::rng();
        loop {
            let serial: String = (0..18)
                .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
                .collect();
            if !self.serials.contains(&serial) {
                return serial;
            }
        }
    }
}

/// Check `values` against the template's schema: known keys, and string or number values.
pub(crate) fn check_values(
    template: &Template,
    values: &Map<String, Value>,
) -> Result<(), ApiError> {
    for (key, value) in values {
        if !template.fields.iter().any(|f| &f.key == key) {
            return Err(ApiError::InvalidPassBody(format!(
                "key `{key}` is not a field of pass template {}",
                template.id
            )));
        }
        if !(value.is_string() || value.is_number()) {
            return Err(ApiError::InvalidPassBody(format!(
                "value of `{key}` must be a string or a number"
            )));
        }
    }
    Ok(())
}

/// Values as the pass keeps them: in template order, as sent.
pub(crate) fn normalise(template: &Template, base: &Map<String, Value>) -> Map<String, Value> {
    template
        .fields
        .iter()
        .filter_map(|f| base.get(&f.key).map(|v| (f.key.clone(), v.clone())))
        .collect()
}
