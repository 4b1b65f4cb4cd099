//! The simulator's in-memory state (templates, passes, bundles, notifications, webhook
//! subscriptions, batch jobs) and the domain operations that handlers and batch jobs share, so a
//! pass created by a batch item obeys exactly the rules of `POST /passes`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::errors::{ApiError, FieldError};
use super::input::{BarcodeInput, FieldSpec, PassInput, TemplateInput};
use super::webhooks::DeliveryRecord;
use crate::harness::{Deviation, SimConfig};

/// A template as stored and answered.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRecord {
    /// `tpl_` + 16 hex digits.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Apple pass style.
    pub pass_type: String,
    /// Organization shown on the pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// Apple team identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_identifier: Option<String>,
    /// Apple pass type identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_type_identifier: Option<String>,
    /// Background color.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// Foreground color.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreground_color: Option<String>,
    /// Label color.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_color: Option<String>,
    /// Field specs.
    pub fields: Vec<FieldSpec>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl TemplateRecord {
    /// Build a record from a checked body.
    pub fn new(id: String, input: TemplateInput, now: OffsetDateTime) -> Self {
        Self {
            id,
            name: input.name,
            description: input.description,
            pass_type: input.pass_type,
            organization_name: input.organization_name,
            team_identifier: input.team_identifier,
            pass_type_identifier: input.pass_type_identifier,
            background_color: input.background_color,
            foreground_color: input.foreground_color,
            label_color: input.label_color,
            fields: input.fields,
            created_at: now,
            updated_at: now,
        }
    }

    fn spec(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// A pass as stored.
#[derive(Clone, Debug)]
pub struct PassRecord {
    /// Creation order, the key of the ordered indexes ([`Store::pass_order`]).
    pub seq: u64,
    /// `pass_` + 16 hex digits.
    pub id: String,
    /// Its template.
    pub template_id: String,
    /// Caller-chosen, unique per template.
    pub serial_number: String,
    /// Field key -> `{label?, value, changeMessage?}`, in the caller's order.
    pub fields: Map<String, Value>,
    /// The barcode.
    pub barcode: Option<BarcodeInput>,
    /// `relevantDate`.
    pub relevant_date: Option<OffsetDateTime>,
    /// `expirationDate`.
    pub expiration_date: Option<OffsetDateTime>,
    /// When it was voided.
    pub voided_at: Option<OffsetDateTime>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// A pass as answered (`GET /passes/{id}` and the others), borrowing from its record; the
/// keys in the order the answers have always had them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassView<'a> {
    id: &'a str,
    template_id: &'a str,
    serial_number: &'a str,
    status: &'static str,
    fields: Cow<'a, Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    barcode_format: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    barcode_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    barcode_alt_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relevant_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_date: Option<Timestamp>,
    download_url: DownloadUrl<'a>,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    voided_at: Option<Timestamp>,
}

/// A time, serialized as RFC 3339 text (as [`rfc3339`] writes it).
#[derive(Clone, Copy, Debug)]
struct Timestamp(OffsetDateTime);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&rfc3339(self.0))
    }
}

/// A pass's `downloadUrl`, `{origin}/p/{id}.pkpass`, written without a `format!` per answer.
#[derive(Debug)]
struct DownloadUrl<'a> {
    origin: &'a str,
    id: &'a str,
}

impl Serialize for DownloadUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}/p/{}.pkpass", self.origin, self.id))
    }
}

/// A bundle as stored and answered (without its download link).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleRecord {
    /// `bndl_` + 16 hex digits.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Member passes.
    pub pass_ids: Vec<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A push notification as stored and answered.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationRecord {
    /// `ntf_` + 16 hex digits.
    pub id: String,
    /// Target pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_id: Option<String>,
    /// Target bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// Text shown on the device.
    pub message: String,
    /// Always `sent` in the simulator.
    pub status: String,
    /// How many passes it went to.
    pub recipients: usize,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A webhook subscription as stored (the secret is never answered after creation).
#[derive(Clone, Debug)]
pub struct WebhookRecord {
    /// `wh_` + 16 hex digits.
    pub id: String,
    /// Receiver.
    pub url: String,
    /// Subscribed events.
    pub events: Vec<String>,
    /// Signing secret.
    pub secret: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

impl WebhookRecord {
    /// The answer body; `with_secret` only right after creation.
    pub fn to_json(&self, with_secret: bool) -> Value {
        let mut body = json!({
            "id": self.id,
            "url": self.url,
            "events": self.events,
            "active": true,
            "createdAt": rfc3339(self.created_at),
        });
        if with_secret {
            body["secret"] = Value::String(self.secret.clone());
        }
        body
    }
}

/// Where a batch job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    /// Accepted, not started.
    Queued,
    /// Items are being processed.
    Running,
    /// Every item was processed (each succeeded or failed on its own).
    Completed,
}

/// A batch job as stored.
#[derive(Clone, Debug)]
pub struct BatchRecord {
    /// `batch_` + 16 hex digits.
    pub id: String,
    /// `create`, `update`, `void` or `delete`.
    pub operation: String,
    /// State.
    pub status: BatchStatus,
    /// The submitted items.
    pub items: Vec<Value>,
    /// One result per processed item, in item order.
    pub results: Vec<Value>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// When it completed.
    pub completed_at: Option<OffsetDateTime>,
}

impl BatchRecord {
    /// The answer body.
    pub fn to_json(&self) -> Value {
        let succeeded = self
            .results
            .iter()
            .filter(|r| r["status"] == "succeeded")
            .count();
        let mut body = json!({
            "id": self.id,
            "operation": self.operation,
            "status": self.status,
            "total": self.items.len(),
            "processed": self.results.len(),
            "succeeded": succeeded,
            "failed": self.results.len() - succeeded,
            "results": self.results,
            "createdAt": rfc3339(self.created_at),
            "updatedAt": rfc3339(self.updated_at),
        });
        if let Some(done) = self.completed_at {
            body["completedAt"] = Value::String(rfc3339(done));
        }
        body
    }
}

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
}

impl Store {
    /// A template by id.
    pub fn template(&self, id: &str) -> Option<&TemplateRecord> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Store a new pass at the end of the ordered indexes.
    fn insert_pass(&mut self, pass: PassRecord) {
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
    fn remove_pass(&mut self, id: &str) -> Option<PassRecord> {
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

/// The `status` a pass answers with now: `voided`, `expired` once its expiration date passed,
/// else `active`.
pub fn status_of(pass: &PassRecord) -> &'static str {
    if pass.voided_at.is_some() {
        "voided"
    } else if pass
        .expiration_date
        .is_some_and(|e| e <= OffsetDateTime::now_utc())
    {
        "expired"
    } else {
        "active"
    }
}

/// The shared state of one running simulator.
#[derive(Debug)]
pub struct Sim {
    /// The harness settings (for deviation switches).
    pub config: SimConfig,
    store: Mutex<Store>,
    /// Every webhook delivery attempt.
    pub deliveries: Mutex<Vec<DeliveryRecord>>,
    /// How many emitted deliveries have not finished yet (see `webhooks::InFlight`).
    pub deliveries_in_flight: tokio::sync::watch::Sender<usize>,
    /// The client deliveries are sent with.
    pub http: reqwest::Client,
    /// `http://host:port` as first seen in a request's `Host`, for download links.
    pub origin: OnceLock<String>,
}

/// The current time, to the millisecond.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(now)
}

/// RFC 3339 text of a time.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A new id: `prefix` + 16 lower-case hex digits, like `tpl_abcdef1234567890`.
pub fn new_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}", &hex[..16])
}

impl Sim {
    /// Fresh state for `config`.
    pub fn new(config: SimConfig) -> Self {
        Self {
            config,
            store: Mutex::new(Store::default()),
            deliveries: Mutex::new(Vec::new()),
            deliveries_in_flight: tokio::sync::watch::Sender::new(0),
            http: reqwest::Client::new(),
            origin: OnceLock::new(),
        }
    }

    /// Lock the store. A poisoned lock only means a handler panicked; the data is still usable.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a deviation switch is on.
    pub fn deviates(&self, deviation: Deviation) -> bool {
        self.config.deviates(deviation)
    }

    fn origin(&self) -> &str {
        self.origin
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }

    /// The answer body of a pass, with the read deviations applied, as a tree (for answers
    /// that are changed further before they go out).
    pub fn pass_json(&self, pass: &PassRecord) -> Value {
        serde_json::to_value(self.pass_view(pass)).unwrap_or(Value::Null)
    }

    /// The answer body of a pass, with the read deviations applied, borrowing from the record:
    /// serialized straight into the answer, with no tree built per answer.
    pub fn pass_view<'a>(&'a self, pass: &'a PassRecord) -> PassView<'a> {
        let mut fields = Cow::Borrowed(&pass.fields);
        if self.deviates(Deviation::DropFieldOnRead) {
            let last = fields.keys().next_back().cloned();
            if let Some(last) = last {
                fields.to_mut().shift_remove(&last);
            }
        }
        if self.deviates(Deviation::ChangeLabel)
            && let Some(Value::Object(first)) = fields.to_mut().values_mut().next()
        {
            let label = first
                .get("label")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            first.insert("label".into(), Value::String(format!("{label} (edited)")));
        }
        let barcode = pass
            .barcode
            .as_ref()
            .filter(|_| !self.deviates(Deviation::LoseBarcode));
        PassView {
            id: &pass.id,
            template_id: &pass.template_id,
            serial_number: &pass.serial_number,
            status: status_of(pass),
            fields,
            barcode_format: barcode.map(|b| b.format.as_str()),
            barcode_message: barcode.map(|b| b.message.as_str()),
            barcode_alt_text: barcode.and_then(|b| b.alt_text.as_deref()),
            relevant_date: pass.relevant_date.map(Timestamp),
            expiration_date: pass.expiration_date.map(Timestamp),
            download_url: DownloadUrl {
                origin: self.origin(),
                id: &pass.id,
            },
            created_at: Timestamp(pass.created_at),
            updated_at: Timestamp(pass.updated_at),
            voided_at: pass.voided_at.map(Timestamp),
        }
    }

    /// The answer body of a bundle.
    pub fn bundle_json(&self, bundle: &BundleRecord) -> Value {
        let mut body = json!(bundle);
        body["downloadUrl"] = json!(format!("{}/b/{}.pkpasses", self.origin(), bundle.id));
        body
    }

    /// Check pass fields against the template: keys must be declared when the template declares
    /// any, and missing labels are taken from the template.
    fn apply_template(
        &self,
        template: &TemplateRecord,
        fields: Map<String, Value>,
        path: &str,
    ) -> Result<Map<String, Value>, ApiError> {
        let mut errors = Vec::new();
        let mut out = Map::new();
        for (key, mut field) in fields {
            let spec = template.spec(&key);
            if spec.is_none() && !template.fields.is_empty() {
                errors.push(FieldError::new(
                    format!("{path}.{key}"),
                    format!("is not a field of template {}", template.id),
                ));
                continue;
            }
            if let (Some(label), Value::Object(obj)) =
                (spec.and_then(|s| s.label.clone()), &mut field)
            {
                obj.entry("label").or_insert(Value::String(label));
            }
            out.insert(key, field);
        }
        if errors.is_empty() {
            Ok(out)
        } else if self.deviates(Deviation::WrongErrorForBadKey) {
            Err(ApiError::internal("Cannot read properties of undefined"))
        } else {
            Err(ApiError::invalid(errors))
        }
    }

    /// `POST /passes`: create a pass; 404 for an unknown template, 409 for a taken serial.
    pub fn create_pass(self: &Arc<Self>, body: &Map<String, Value>) -> Result<Value, ApiError> {
        let input = super::input::pass_input(body, true)?;
        let fields_key = if body.contains_key("customFields") {
            "customFields"
        } else {
            "fields"
        };
        let (template_id, serial) = match (input.template_id.clone(), input.serial_number.clone()) {
            (Some(t), Some(s)) => (t, s),
            _ => {
                return Err(ApiError::invalid_field(
                    "body",
                    "templateId and serialNumber are required",
                ));
            }
        };
        let answer = {
            let mut store = self.store();
            let template = store
                .template(&template_id)
                .ok_or_else(|| ApiError::not_found("Template", &template_id))?;
            let fields = self.apply_template(template, input.fields.clone(), fields_key)?;
            let key = (template_id.clone(), serial.clone());
            if store.serials.contains_key(&key) {
                return Err(ApiError::conflict(format!(
                    "A pass with serial number {serial} already exists for template {template_id}"
                )));
            }
            let now = now();
            store.last_seq += 1;
            let pass = PassRecord {
                seq: store.last_seq,
                id: new_id("pass_"),
                template_id,
                serial_number: serial,
                fields,
                barcode: input.barcode,
                relevant_date: input.relevant_date,
                expiration_date: input.expiration_date,
                voided_at: None,
                created_at: now,
                updated_at: now,
            };
            let answer = self.pass_json(&pass);
            store.insert_pass(pass);
            answer
        };
        self.emit("pass.created", answer.clone());
        Ok(answer)
    }

    /// `GET /passes/{id}`.
    pub fn get_pass(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        let store = self.store();
        let pass = match store.passes.get(id) {
            Some(pass) => pass,
            None => match store.deleted.get(id) {
                Some(pass) if self.deviates(Deviation::DeletedAnswers200) => pass,
                _ => return Err(ApiError::not_found("Pass", id)),
            },
        };
        let mut body = Vec::with_capacity(1024);
        serde_json::to_writer(&mut body, &self.pass_view(pass))
            .map_err(|e| ApiError::internal(format!("the pass could not be written: {e}")))?;
        Ok(body)
    }

    /// `PUT /passes/{id}`: replace the content (fields, barcode, dates); the template and serial
    /// cannot change; a voided pass cannot be updated (409).
    pub fn replace_pass(
        self: &Arc<Self>,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let input: PassInput = super::input::pass_input(body, false)?;
        let fields_key = if body.contains_key("customFields") {
            "customFields"
        } else {
            "fields"
        };
        let answer = {
            let mut store = self.store();
            let current = store
                .passes
                .get(id)
                .cloned()
                .ok_or_else(|| ApiError::not_found("Pass", id))?;
            let mut errors = Vec::new();
            if input
                .template_id
                .as_ref()
                .is_some_and(|t| *t != current.template_id)
            {
                errors.push(FieldError::new(
                    "templateId",
                    format!(
                        "cannot change (the pass belongs to {})",
                        current.template_id
                    ),
                ));
            }
            if input
                .serial_number
                .as_ref()
                .is_some_and(|s| *s != current.serial_number)
            {
                errors.push(FieldError::new(
                    "serialNumber",
                    format!("cannot change (the pass is {})", current.serial_number),
                ));
            }
            if !errors.is_empty() {
                return Err(ApiError::invalid(errors));
            }
            if current.voided_at.is_some() {
                return Err(ApiError::conflict(format!(
                    "Pass {id} is voided and can no longer be updated"
                )));
            }
            let template = store
                .template(&current.template_id)
                .cloned()
                .ok_or_else(|| ApiError::internal("the pass's template is gone"))?;
            let mut fields = self.apply_template(&template, input.fields, fields_key)?;
            if self.deviates(Deviation::RevertUntouchedOnPatch) {
                revert_unchanged(&mut fields, &current.fields, &template);
            }
            let updated = PassRecord {
                fields,
                barcode: input.barcode,
                relevant_date: input.relevant_date,
                expiration_date: input.expiration_date,
                updated_at: now(),
                ..current
            };
            // The `IgnorePatch` deviation answers the update without storing it.
            if !self.deviates(Deviation::IgnorePatch) {
                store.passes.insert(id.to_owned(), updated.clone());
            }
            self.pass_json(&updated)
        };
        self.emit("pass.updated", answer.clone());
        Ok(answer)
    }

    /// `POST /passes/{id}/void`: idempotent; `pass.voided` is sent the first time only.
    pub fn void_pass(self: &Arc<Self>, id: &str) -> Result<Value, ApiError> {
        let (answer, changed) = {
            let mut store = self.store();
            let pass = store
                .passes
                .get_mut(id)
                .ok_or_else(|| ApiError::not_found("Pass", id))?;
            let changed = pass.voided_at.is_none();
            if changed {
                let now = now();
                pass.voided_at = Some(now);
                pass.updated_at = now;
            }
            let pass = pass.clone();
            (self.pass_json(&pass), changed)
        };
        if changed {
            self.emit("pass.voided", answer.clone());
        }
        Ok(answer)
    }

    /// `DELETE /passes/{id}`: frees the serial number.
    pub fn delete_pass(&self, id: &str) -> Result<(), ApiError> {
        let mut store = self.store();
        let pass = store
            .remove_pass(id)
            .ok_or_else(|| ApiError::not_found("Pass", id))?;
        for bundle in &mut store.bundles {
            bundle.pass_ids.retain(|p| p != id);
        }
        store.deleted.insert(id.to_owned(), pass);
        Ok(())
    }

    /// `POST /templates`.
    pub fn create_template(self: &Arc<Self>, input: TemplateInput) -> Value {
        let record = TemplateRecord::new(new_id("tpl_"), input, now());
        let answer = json!(record);
        self.store().templates.push(record);
        self.emit("template.created", answer.clone());
        answer
    }
}

/// The `RevertUntouchedOnPatch` deviation: a field whose value did not change is reset to the
/// template default (or dropped), as if the vendor rebuilt untouched fields from the template.
fn revert_unchanged(
    fields: &mut Map<String, Value>,
    current: &Map<String, Value>,
    template: &TemplateRecord,
) {
    let unchanged: Vec<String> = fields
        .iter()
        .filter(|(k, v)| current.get(*k) == Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    for key in unchanged {
        match template.spec(&key).and_then(|s| s.default_value.clone()) {
            Some(default) => {
                if let Some(Value::Object(obj)) = fields.get_mut(&key) {
                    obj.insert("value".into(), default);
                }
            }
            None => {
                fields.remove(&key);
            }
        }
    }
}
