//! The domain operations on passes and templates that handlers and batch jobs share, so a pass
//! created by a batch item obeys exactly the rules of `POST /passes`.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::records::{PassRecord, TemplateRecord};
use super::{Sim, new_id, now};
use crate::harness::Deviation;
use crate::passinstance::errors::{ApiError, FieldError};
use crate::passinstance::input::{PassInput, TemplateInput, pass_input};

impl Sim {
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
        let mut input = pass_input(body, true)?;
        let fields_key = if body.contains_key("customFields") {
            "customFields"
        } else {
            "fields"
        };
        let (template_id, serial) = match (input.template_id.take(), input.serial_number.take()) {
            (Some(t), Some(s)) => (t, s),
            _ => {
                return Err(ApiError::invalid_field(
                    "body",
                    "templateId and serialNumber are required",
                ));
            }
        };
        let (answer, notify) = {
            let mut store = self.store();
            let template = store
                .template(&template_id)
                .ok_or_else(|| ApiError::not_found("Template", &template_id))?;
            let fields =
                self.apply_template(template, std::mem::take(&mut input.fields), fields_key)?;
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
            (answer, store.subscribed("pass.created"))
        };
        // The answer is copied for a delivery only when someone subscribed (seeding a million
        // passes copies nothing).
        if notify {
            self.emit("pass.created", answer.clone());
        }
        Ok(answer)
    }

    /// `GET /passes/{id}`.
    pub fn get_pass(&self, id: &str) -> Result<Bytes, ApiError> {
        let mut store = self.store();
        if let Some(kept) = store.cached_answer(id) {
            return Ok(kept);
        }
        let (pass, live) = match store.passes.get(id) {
            Some(pass) => (pass, true),
            None => match store.deleted.get(id) {
                Some(pass) if self.deviates(Deviation::DeletedAnswers200) => (pass, false),
                _ => return Err(ApiError::not_found("Pass", id)),
            },
        };
        let mut body = Vec::with_capacity(1024);
        serde_json::to_writer(&mut body, &self.pass_view(pass))
            .map_err(|e| ApiError::internal(format!("the pass could not be written: {e}")))?;
        let body = Bytes::from(body);
        // Kept for the next read unless it can change on its own: the status turns `expired`
        // when the expiration date passes, the download link names the origin once it is
        // known, and the read deviations (and deleted passes) are left to render each time.
        let now = OffsetDateTime::now_utc();
        let settled = pass.expiration_date.is_none_or(|e| e <= now) && self.origin.get().is_some();
        let corrupts = Deviation::ON_READ.iter().any(|d| self.deviates(*d));
        if live && settled && !corrupts {
            store.keep_answer(id, body.clone());
        }
        Ok(body)
    }

    /// `PUT /passes/{id}`: replace the content (fields, barcode, dates); the template and serial
    /// cannot change; a voided pass cannot be updated (409).
    pub fn replace_pass(
        self: &Arc<Self>,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let input: PassInput = pass_input(body, false)?;
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
                store.put_pass(updated.clone());
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
                .pass_mut(id)
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
