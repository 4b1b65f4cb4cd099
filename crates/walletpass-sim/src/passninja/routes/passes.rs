//! Passes: create (`POST /passes`), list a template's passes, and get, patch, put and delete one
//! pass (`/passes/{template}/{serial}`).

use std::borrow::Cow;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::extract::{Answer, Caller, Params, Path, Query_, auth, object_body, positive};
use crate::harness::Deviation;
use crate::passninja::Shared;
use crate::passninja::errors::ApiError;
use crate::passninja::state::{Pass, Recipient, Template, check_values, normalise, rfc3339};
use crate::passninja::webhooks::emit;

/// Where a pass's landing page lives, before its serial.
const LANDING: &str = "https://i.installpass.es/p/";

fn landing(serial: &str) -> Value {
    json!({ "landing": format!("{LANDING}{serial}") })
}

/// `{id, passTemplate, serialNumber, urls}`: the create/patch/put answer.
fn pass_summary(pass: &Pass) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), json!(pass.serial));
    out.insert("passTemplate".into(), json!(pass.template));
    out.insert("serialNumber".into(), json!(pass.serial));
    out.insert("urls".into(), landing(&pass.serial));
    out
}

fn parse_recipient(value: Option<&Value>) -> Result<Option<Recipient>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(map) = value.as_object() else {
        return Err(ApiError::BadRequest("recipient must be an object".into()));
    };
    let field = |key: &str| -> Result<Option<String>, ApiError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::BadRequest(format!(
                "recipient.{key} must be a string"
            ))),
        }
    };
    if field("name")?.is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::BadRequest("recipient.name is required".into()));
    }
    field("message")?;
    let sms = field("sms")?;
    if let Some(sms) = &sms {
        let digits = sms.strip_prefix('+').unwrap_or("");
        if !(7..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::BadRequest(format!(
                "recipient.sms must be an internationally formatted number with a leading +, got `{sms}`"
            )));
        }
    }
    let email = field("email")?;
    if let Some(email) = &email {
        let valid = email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
        if !valid {
            return Err(ApiError::BadRequest(format!(
                "recipient.email is not an email address: `{email}`"
            )));
        }
    }
    // "List passes": recipient "contains sms and/or email if the pass was sent to a recipient,
    // null otherwise"; a recipient with neither was not sent anything.
    Ok((sms.is_some() || email.is_some()).then_some(Recipient { sms, email }))
}

/// The `pass` object of a body (`MI1` when missing or not an object).
fn pass_values(body: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    match body.get("pass") {
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(ApiError::InvalidPassBody("pass must be an object".into())),
        None => Err(ApiError::InvalidPassBody("pass is required".into())),
    }
}

fn check_keys(
    s: &Shared,
    template: &Template,
    values: &Map<String, Value>,
) -> Result<(), ApiError> {
    check_values(template, values).map_err(|err| {
        if s.config.deviates(Deviation::WrongErrorForBadKey) {
            ApiError::TemplateNotFound(template.id.clone())
        } else {
            err
        }
    })
}

pub(super) async fn create_pass(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let account = auth(&s, &headers)?;
    let body = object_body(&body, ApiError::InvalidPassBody)?;
    // `passType` is the older name some of the vendor's SDKs still send.
    let template_id = body
        .get("passTemplate")
        .or_else(|| body.get("passType"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::InvalidPassBody("passTemplate is required".into()))?
        .to_owned();
    let values = pass_values(&body)?;
    let recipient = parse_recipient(body.get("recipient"))?;
    let mut store = s.lock();
    let template = store.template(&account, &template_id)?;
    check_keys(&s, template, &values)?;
    let mut merged = template.defaults();
    merged.extend(values);
    let values = normalise(template, &merged);
    let pass = Pass {
        serial: store.new_serial(),
        template: template_id,
        values,
        status: "Active".into(),
        issued_date: OffsetDateTime::now_utc(),
        installed_date: None,
        recipient: recipient.clone(),
        deleted: false,
    };
    let mut answer = pass_summary(&pass);
    if recipient.is_some() {
        answer.insert("message_status".into(), json!("sent"));
    }
    store.push_pass(pass);
    Ok(Json(Value::Object(answer)).into_response())
}

pub(super) async fn list_passes(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(template): Path<String>,
    Params(query): Query_,
) -> Answer {
    let account = auth(&s, &headers)?;
    let store = s.lock();
    store.template(&account, &template)?;
    let search = query.get("search").map(|q| q.to_lowercase());
    if search.is_some() && s.config.deviates(Deviation::SearchFindsNothing) {
        return Ok(Json(json!({ "passes": [] })).into_response());
    }
    // The template's live passes in issue order; a search narrows them by serial.
    let live = store.live_passes(&template);
    let passes = live.iter().filter_map(|i| store.passes.get(*i));
    let row = |p: &Pass| {
        json!({
            "id": p.serial,
            "passTemplate": p.template,
            "serialNumber": p.serial,
            "urls": landing(&p.serial),
            "issuedDate": rfc3339(p.issued_date),
            "installedDate": p.installed_date.map(rfc3339),
            "status": p.status,
            "recipient": p.recipient,
        })
    };
    let found = |p: &&Pass| {
        search
            .as_deref()
            .is_none_or(|q| p.serial.to_lowercase().contains(q))
    };
    if !query.contains_key("page") {
        let rows: Vec<Value> = passes.filter(found).map(row).collect();
        return Ok(Json(json!({ "passes": rows })).into_response());
    }
    let page = positive(&query, "page", 1)?;
    let per_page = positive(&query, "per_page", 10)?;
    let mut start = (page - 1).saturating_mul(per_page);
    if page > 1 && s.config.deviates(Deviation::SkipItemAcrossPages) {
        start += 1;
    }
    if page > 1 && s.config.deviates(Deviation::RepeatItemAcrossPages) {
        start -= 1;
    }
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    let (rows, total): (Vec<Value>, u64) = if search.is_none() {
        // Every live pass matches: the page is a slice of the index.
        let rows = live
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take(take)
            .filter_map(|i| store.passes.get(*i))
            .map(row)
            .collect();
        (rows, live.len() as u64)
    } else {
        // Count every match, render only the page's.
        let mut rows = Vec::new();
        let mut total = 0usize;
        for pass in passes.filter(found) {
            if (start..start.saturating_add(take)).contains(&total) {
                rows.push(row(pass));
            }
            total += 1;
        }
        (rows, total as u64)
    };
    Ok(Json(json!({
        "passes": rows,
        "meta": {
            "current_page": page,
            "total_pages": total.div_ceil(per_page),
            "total_count": total,
            "per_page": per_page,
        }
    }))
    .into_response())
}

/// Look a live pass up for `account` (deleted passes too under `DeletedAnswers200`).
pub(super) fn find_pass(
    s: &Shared,
    account: &str,
    template: &str,
    serial: &str,
) -> Result<Pass, ApiError> {
    let store = s.lock();
    store.template(account, template)?;
    let deleted_ok = s.config.deviates(Deviation::DeletedAnswers200);
    let index = store.pass_index(template, serial, deleted_ok)?;
    Ok(store.passes[index].clone())
}

/// The answer of `GET /passes/{template}/{serial}`, borrowing from the stored pass: the keys of
/// [`pass_summary`] in its order, then `pass`, serialized straight into the answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PassAnswer<'a> {
    id: &'a str,
    pass_template: &'a str,
    serial_number: &'a str,
    urls: Urls<'a>,
    pass: Cow<'a, Map<String, Value>>,
}

/// `{"landing": "https://i.installpass.es/p/{serial}"}`, as [`landing`] writes it.
struct Urls<'a>(&'a str);

impl Serialize for Urls<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        let mut url = String::with_capacity(LANDING.len() + self.0.len());
        url.push_str(LANDING);
        url.push_str(self.0);
        map.serialize_entry("landing", &url)?;
        map.end()
    }
}

pub(super) async fn get_pass(
    State(s): State<Arc<Shared>>,
    Path((template, serial)): Path<(String, String)>,
    Caller(account): Caller,
) -> Answer {
    let mut store = s.lock();
    store.template(&account, &template)?;
    let deleted_ok = s.config.deviates(Deviation::DeletedAnswers200);
    let index = store.pass_index(&template, &serial, deleted_ok)?;
    if let Some(kept) = store.cached_answer(index) {
        return Ok(json_answer(kept));
    }
    let pass = &store.passes[index];
    let drops_field = s.config.deviates(Deviation::DropFieldOnRead);
    let mut values = Cow::Borrowed(&pass.values);
    if drops_field && let Some(last) = values.keys().next_back().cloned() {
        values.to_mut().shift_remove(&last);
    }
    let answer = PassAnswer {
        id: &pass.serial,
        pass_template: &pass.template,
        serial_number: &pass.serial,
        urls: Urls(&pass.serial),
        pass: values,
    };
    let mut body = Vec::with_capacity(512);
    serde_json::to_writer(&mut body, &answer).map_err(|_| ApiError::Generic)?;
    let body = Bytes::from(body);
    // Kept for the next read (the deviation's answers are left to render each time).
    if !drops_field {
        store.keep_answer(index, body.clone());
    }
    Ok(json_answer(body))
}

/// A 200 JSON answer of already serialized bytes.
fn json_answer(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Change a pass's values: `merge` keeps untouched keys (PATCH), otherwise they revert to the
/// template's defaults (PUT).
async fn update_pass(
    s: Arc<Shared>,
    headers: HeaderMap,
    template_id: String,
    serial: String,
    body: Bytes,
    merge: bool,
) -> Answer {
    let account = auth(&s, &headers)?;
    let body = object_body(&body, ApiError::InvalidPassBody)?;
    let values = pass_values(&body)?;
    let (summary, snapshot) = {
        let mut store = s.lock();
        let template = store.template(&account, &template_id)?.clone();
        let index = store.pass_index(&template_id, &serial, false)?;
        check_keys(&s, &template, &values)?;
        let ignore = merge && s.config.deviates(Deviation::IgnorePatch);
        if !ignore {
            let mut next = if merge && !s.config.deviates(Deviation::RevertUntouchedOnPatch) {
                store.passes[index].values.clone()
            } else {
                template.defaults()
            };
            next.extend(values);
            store.set_values(index, normalise(&template, &next));
        }
        let pass = &store.passes[index];
        (pass_summary(pass), pass.values.clone())
    };
    emit(
        &s,
        &account,
        &template_id,
        &serial,
        "pn.pass.updated",
        Some(snapshot),
    );
    Ok(Json(Value::Object(summary)).into_response())
}

pub(super) async fn patch_pass(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((template, serial)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    update_pass(s, headers, template, serial, body, true).await
}

pub(super) async fn put_pass(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((template, serial)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    update_pass(s, headers, template, serial, body, false).await
}

pub(super) async fn delete_pass(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((template, serial)): Path<(String, String)>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let mut store = s.lock();
    store.template(&account, &template)?;
    let index = store.pass_index(&template, &serial, false)?;
    store.mark_deleted(index);
    Ok(Json(json!(serial)).into_response())
}
