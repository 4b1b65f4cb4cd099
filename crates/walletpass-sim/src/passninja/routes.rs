//! The documented endpoints under `/v1`: pass templates, passes (create, list, get, raw,
//! decrypt, patch, put, delete), `passtypes/keys`, and webhook subscriptions with their
//! delivery results. Each handler authenticates, validates, then changes the store.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, body::Bytes};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::Shared;
use super::errors::ApiError;
use super::state::{Pass, Recipient, Store, Template, Webhook, check_values, normalise, rfc3339};
use super::webhooks::{emit, event_type_valid, url_allowed};
use crate::harness::Deviation;

type Answer = Result<Response, ApiError>;
type Query_ = Params;

/// Path parameters; a path that cannot be decoded (`%FF`) answers 400 in the JSON error shape
/// rather than axum's plain-text rejection.
struct Path<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| Path(t))
            .map_err(|e| {
                ApiError::BadRequest(format!("the path cannot be read: {}", e.body_text()))
            })
    }
}

/// The query parameters; a query that cannot be decoded answers 400 in the JSON error shape.
struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Params(q))
            .map_err(|e| {
                ApiError::BadRequest(format!("the query cannot be read: {}", e.body_text()))
            })
    }
}

/// Apple pass styles.
const APPLE_STYLES: [&str; 5] = [
    "boardingPass",
    "coupon",
    "eventTicket",
    "generic",
    "storeCard",
];
/// Google Wallet styles, as PassNinja names them.
const GOOGLE_STYLES: [&str; 7] = [
    "boardingPass",
    "coupon",
    "eventTicket",
    "generic",
    "storeCard",
    "giftCard",
    "transit",
];

/// The router of every PassNinja endpoint, rooted at `/v1`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let v1 = Router::new()
        .route("/pass_templates", get(list_templates).post(create_template))
        .route(
            "/pass_templates/{id}",
            get(get_template).delete(delete_template),
        )
        .route("/passes", post(create_pass))
        .route("/passes/{template}", get(list_passes))
        .route("/passes/{template}/decrypt", post(decrypt))
        .route(
            "/passes/{template}/{serial}",
            get(get_pass)
                .patch(patch_pass)
                .put(put_pass)
                .delete(delete_pass),
        )
        .route("/passes/{template}/{serial}/raw", get(get_raw))
        .route("/passtypes/keys/{template}", get(template_keys))
        .route("/webhooks", get(list_webhooks).post(create_webhook))
        .route("/webhooks/{id}", get(get_webhook).delete(delete_webhook))
        .route("/webhooks/{id}/results", get(webhook_results))
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this method is not allowed on this endpoint".into())
        })
        .with_state(shared);
    Router::new()
        .nest("/v1", v1)
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
}

/// The calling account: both headers present and known (`UA1` otherwise).
fn auth(shared: &Shared, headers: &HeaderMap) -> Result<String, ApiError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let (Some(key), Some(account)) = (header("x-api-key"), header("x-account-id")) else {
        return Err(ApiError::Unauthorized);
    };
    let lax = shared.config.deviates(Deviation::AcceptBadCredentials);
    shared
        .lock()
        .authenticate(account, key, lax)
        .ok_or(ApiError::Unauthorized)
}

/// A JSON object body; `invalid` builds the error for anything else.
fn object_body(
    body: &Bytes,
    invalid: fn(String) -> ApiError,
) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("the body must be a JSON object".into())),
        Err(e) => Err(invalid(format!("the body is not valid JSON: {e}"))),
    }
}

/// A positive integer query parameter, or `default` when absent.
fn positive(query: &HashMap<String, String>, name: &str, default: u64) -> Result<u64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(raw) => raw.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::BadRequest(format!("{name} must be a positive integer, got `{raw}`"))
        }),
    }
}

fn landing(serial: &str) -> Value {
    json!({ "landing": format!("https://i.installpass.es/p/{serial}") })
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

fn template_row(t: &Template, store: &Store, timestamps: bool) -> Value {
    let live = store.live_passes(&t.id);
    let issued = live.len();
    let installed = live
        .iter()
        .filter_map(|i| store.passes.get(*i))
        .filter(|p| p.installed_date.is_some() && p.status == "Active")
        .count();
    let mut row = json!({
        "id": t.id,
        "name": t.name,
        "platform": t.platform,
        "style": t.style,
        "issuedPassCount": issued,
        "installedPassCount": installed,
    });
    if timestamps && let Some(map) = row.as_object_mut() {
        map.insert("createdAt".into(), json!(rfc3339(t.created_at)));
        map.insert("updatedAt".into(), json!(rfc3339(t.updated_at)));
    }
    row
}

// ---------------------------------------------------------------- pass templates

async fn list_templates(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Answer {
    let account = auth(&s, &headers)?;
    let store = s.lock();
    let rows: Vec<Value> = store
        .templates
        .values()
        .filter(|t| t.account == account)
        .map(|t| template_row(t, &store, true))
        .collect();
    Ok(Json(json!({ "pass_templates": rows })).into_response())
}

async fn get_template(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let store = s.lock();
    let template = match store.template(&account, &id) {
        Err(ApiError::Forbidden) => return Err(ApiError::TemplateNotFound(id)),
        other => other?,
    };
    Ok(Json(template_row(template, &store, false)).into_response())
}

async fn create_template(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Answer {
    let account = auth(&s, &headers)?;
    let body = object_body(&body, ApiError::BadRequest)?;
    let text = |key: &str| -> Result<String, ApiError> {
        body.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ApiError::BadRequest(format!("{key} is required and must be a string")))
    };
    let name = text("name")?;
    if name.trim().is_empty() || name.chars().count() > 120 {
        return Err(ApiError::BadRequest(
            "name must be 1 to 120 characters".into(),
        ));
    }
    let platform = text("platform")?;
    let style = text("style")?;
    let valid = match platform.as_str() {
        "apple" => APPLE_STYLES.contains(&style.as_str()),
        "google" => GOOGLE_STYLES.contains(&style.as_str()),
        "both" => APPLE_STYLES.contains(&style.as_str()) && GOOGLE_STYLES.contains(&style.as_str()),
        _ => {
            return Err(ApiError::BadRequest(format!(
                "platform must be one of apple, google or both, got `{platform}`"
            )));
        }
    };
    if !valid {
        return Err(ApiError::BadRequest(format!(
            "style `{style}` is not valid for platform `{platform}`"
        )));
    }
    let mut store = s.lock();
    let now = OffsetDateTime::now_utc();
    let template = Template {
        id: store.new_template_id(),
        account,
        name,
        platform,
        style,
        fields: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    let row = template_row(&template, &store, true);
    store.templates.insert(template.id.clone(), template);
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

async fn delete_template(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let mut store = s.lock();
    if store
        .templates
        .get(&id)
        .is_none_or(|t| t.account != account)
    {
        return Err(ApiError::TemplateNotFound(id));
    }
    store.templates.remove(&id);
    for index in store.live_passes(&id).to_vec() {
        store.mark_deleted(index);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn template_keys(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(template): Path<String>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let store = s.lock();
    let t = store.template(&account, &template)?;
    let keys: Vec<&str> = t.fields.iter().map(|f| f.key.as_str()).collect();
    Ok(Json(json!({ "passTemplate": t.id, "keys": keys })).into_response())
}

// ---------------------------------------------------------------- passes

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

async fn create_pass(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Answer {
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

async fn list_passes(
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
fn find_pass(s: &Shared, account: &str, template: &str, serial: &str) -> Result<Pass, ApiError> {
    let store = s.lock();
    store.template(account, template)?;
    let deleted_ok = s.config.deviates(Deviation::DeletedAnswers200);
    let index = store.pass_index(template, serial, deleted_ok)?;
    Ok(store.passes[index].clone())
}

async fn get_pass(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((template, serial)): Path<(String, String)>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let pass = find_pass(&s, &account, &template, &serial)?;
    let mut values = pass.values.clone();
    if s.config.deviates(Deviation::DropFieldOnRead)
        && let Some(last) = values.keys().next_back().cloned()
    {
        values.shift_remove(&last);
    }
    let mut answer = pass_summary(&pass);
    answer.insert("pass".into(), Value::Object(values));
    Ok(Json(Value::Object(answer)).into_response())
}

async fn get_raw(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((template_id, serial)): Path<(String, String)>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let pass = find_pass(&s, &account, &template_id, &serial)?;
    let template = s.lock().template(&account, &template_id)?.clone();
    let change_label = s.config.deviates(Deviation::ChangeLabel);
    let label = |l: &str| {
        if change_label {
            l.to_uppercase()
        } else {
            l.to_owned()
        }
    };
    if template.platform == "google" {
        let modules: Vec<Value> = template
            .fields
            .iter()
            .filter_map(|f| {
                pass.values
                    .get(&f.key)
                    .map(|v| json!({"id": f.key, "header": label(&f.label), "body": v}))
            })
            .collect();
        return Ok(Json(json!({
            "id": format!("{account}.{serial}"),
            "classId": format!("{account}.{template_id}"),
            "state": "ACTIVE",
            "textModulesData": modules,
        }))
        .into_response());
    }
    let mut style = Map::new();
    for field in &template.fields {
        if let Some(value) = pass.values.get(&field.key) {
            let list = style
                .entry(field.placement.apple_key())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.push(json!({"key": field.key, "label": label(&field.label), "value": value}));
            }
        }
    }
    let mut raw = Map::new();
    raw.insert("formatVersion".into(), json!(1));
    raw.insert(
        "passTypeIdentifier".into(),
        json!(format!("pass.com.passninja.{template_id}")),
    );
    raw.insert("serialNumber".into(), json!(serial));
    raw.insert("organizationName".into(), json!(template.name));
    raw.insert("description".into(), json!(template.name));
    raw.insert(template.style.clone(), Value::Object(style));
    Ok(Json(Value::Object(raw)).into_response())
}

async fn decrypt(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(template): Path<String>,
    body: Bytes,
) -> Answer {
    let account = auth(&s, &headers)?;
    let body = object_body(&body, ApiError::InvalidPassBody)?;
    let platform = s.lock().template(&account, &template)?.platform.clone();
    let payload = body
        .get("payload")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::InvalidPassBody("payload is required".into()))?;
    let bytes = hex::decode(payload).map_err(|_| {
        ApiError::InvalidPassBody("payload must be hex-encoded APDUs with no spaces".into())
    })?;
    if platform == "google" {
        return Err(ApiError::IncompatiblePlatform);
    }
    let plain: Vec<u8> = bytes.iter().map(|b| b ^ 0x5a).collect();
    Ok(Json(json!({ "passTemplate": template, "decrypted": hex::encode(plain) })).into_response())
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
        let pass = &mut store.passes[index];
        let ignore = merge && s.config.deviates(Deviation::IgnorePatch);
        if !ignore {
            let mut next = if merge && !s.config.deviates(Deviation::RevertUntouchedOnPatch) {
                pass.values.clone()
            } else {
                template.defaults()
            };
            next.extend(values);
            pass.values = normalise(&template, &next);
        }
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

async fn patch_pass(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((template, serial)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    update_pass(s, headers, template, serial, body, true).await
}

async fn put_pass(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((template, serial)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    update_pass(s, headers, template, serial, body, false).await
}

async fn delete_pass(
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

// ---------------------------------------------------------------- webhooks

async fn create_webhook(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Answer {
    let account = auth(&s, &headers)?;
    let body = object_body(&body, ApiError::BadRequest)?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty() && n.chars().count() <= 120)
        .ok_or_else(|| ApiError::BadRequest("name is required, at most 120 characters".into()))?
        .to_owned();
    let url = body
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::BadRequest("url is required".into()))?
        .to_owned();
    if !url_allowed(&url) {
        return Err(ApiError::BadRequest(format!(
            "url must be an absolute https:// URL, got `{url}`"
        )));
    }
    let events: Vec<String> = match body.get("subscribed_events") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|e| {
                e.as_str()
                    .filter(|e| event_type_valid(e))
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::BadRequest(format!("invalid event type {e}")))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(ApiError::BadRequest(
                "subscribed_events must be a non-empty array of event types".into(),
            ));
        }
    };
    match body.get("auth_method") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) if m == "bearer_token" => {}
        Some(Value::String(m)) if m == "mtls" => {
            return Err(ApiError::NotImplemented(
                "auth_method mtls is reserved".into(),
            ));
        }
        Some(other) => {
            return Err(ApiError::BadRequest(format!("unknown auth_method {other}")));
        }
    }
    let pass_template = match body.get("pass_template") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "pass_template must be a string".into(),
            ));
        }
    };
    let mut store = s.lock();
    if let Some(t) = &pass_template {
        store.template(&account, t)?;
    }
    let id = store.next_webhook.to_string();
    store.next_webhook += 1;
    let mut token = [0u8; 24];
    rand::Rng::fill(&mut rand::rng(), &mut token[..]);
    let webhook = Webhook {
        id,
        account,
        name,
        url,
        subscribed_events: events,
        pass_template,
        bearer_token: format!("wbk_{}", hex::encode(token)),
        created_at: OffsetDateTime::now_utc(),
    };
    let mut row = webhook.row();
    if let Some(map) = row.as_object_mut() {
        map.insert("bearer_token".into(), json!(webhook.bearer_token));
    }
    store.webhooks.push(webhook);
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// `page` and `per_page` of the webhook endpoints (default 1 and 50; `per_page` capped at 100).
fn webhook_paging(query: &HashMap<String, String>) -> Result<(u64, u64), ApiError> {
    Ok((
        positive(query, "page", 1)?,
        positive(query, "per_page", 50)?.min(100),
    ))
}

fn paged(rows: Vec<Value>, key: &str, page: u64, per_page: u64) -> Value {
    let total = rows.len();
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let items: Vec<Value> = rows
        .into_iter()
        .skip(start)
        .take(usize::try_from(per_page).unwrap_or(usize::MAX))
        .collect();
    json!({ key: items, "page": page, "per_page": per_page, "total": total })
}

async fn list_webhooks(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Params(query): Query_,
) -> Answer {
    let account = auth(&s, &headers)?;
    let (page, per_page) = webhook_paging(&query)?;
    let filter = query.get("pass_template");
    let store = s.lock();
    let rows: Vec<Value> = store
        .webhooks
        .iter()
        .rev()
        .filter(|w| w.account == account)
        .filter(|w| filter.is_none_or(|t| w.pass_template.as_ref() == Some(t)))
        .map(Webhook::row)
        .collect();
    Ok(Json(paged(rows, "webhooks", page, per_page)).into_response())
}

fn webhook_of<'a>(
    store: &'a super::state::Store,
    account: &str,
    id: &str,
) -> Result<&'a Webhook, ApiError> {
    store
        .webhooks
        .iter()
        .find(|w| w.id == id && w.account == account)
        .ok_or_else(|| ApiError::NotFound(format!("webhook subscription {id} does not exist")))
}

async fn get_webhook(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let store = s.lock();
    Ok(Json(webhook_of(&store, &account, &id)?.row()).into_response())
}

async fn delete_webhook(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let mut store = s.lock();
    webhook_of(&store, &account, &id)?;
    store.webhooks.retain(|w| w.id != id);
    store.results.retain(|r| r.webhook_id != id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn webhook_results(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(query): Query_,
) -> Answer {
    let account = auth(&s, &headers)?;
    let (page, per_page) = webhook_paging(&query)?;
    let store = s.lock();
    webhook_of(&store, &account, &id)?;
    let rows: Vec<Value> = store
        .results
        .iter()
        .rev()
        .filter(|r| r.webhook_id == id)
        .map(|r| r.row())
        .collect();
    Ok(Json(paged(rows, "webhook_results", page, per_page)).into_response())
}
