//! A pass as answered: [`PassView`], borrowing from its record and serialized straight into the
//! answer, with the read deviations applied; the `status` it answers with; the bundle answer.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::records::{BundleRecord, PassRecord};
use super::{Sim, rfc3339};
use crate::harness::Deviation;

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

/// A pass's `downloadUrl`, `{origin}/p/{id}.pkpass`, written without a `format!` per answer
/// (one `String` put together from the parts costs less than formatting into the serializer).
#[derive(Debug)]
struct DownloadUrl<'a> {
    origin: &'a str,
    id: &'a str,
}

impl Serialize for DownloadUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut url = String::with_capacity(self.origin.len() + self.id.len() + 10);
        for part in [self.origin, "/p/", self.id, ".pkpass"] {
            url.push_str(part);
        }
        serializer.serialize_str(&url)
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

impl Sim {
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

    /// A pass as a list answers it: [`pass_view`](Self::pass_view) with the `ListDropsField`
    /// deviation applied (the last field missing from listed passes only).
    pub fn listed_view<'a>(&'a self, pass: &'a PassRecord) -> PassView<'a> {
        let mut view = self.pass_view(pass);
        if self.deviates(Deviation::ListDropsField) {
            let last = view.fields.keys().next_back().cloned();
            if let Some(last) = last {
                view.fields.to_mut().shift_remove(&last);
            }
        }
        view
    }

    /// The answer body of a bundle.
    pub fn bundle_json(&self, bundle: &BundleRecord) -> Value {
        let mut body = json!(bundle);
        body["downloadUrl"] = json!(format!("{}/b/{}.pkpasses", self.origin(), bundle.id));
        body
    }
}
