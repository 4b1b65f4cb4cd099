//! Pass templates: list, get, create and delete (`/pass_templates`), and the template's field
//! keys (`/passtypes/keys/{template}`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::extract::{Answer, Path, auth, object_body};
use crate::passninja::Shared;
use crate::passninja::errors::ApiError;
use crate::passninja::state::{Store, Template, rfc3339};

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

pub(super) async fn list_templates(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Answer {
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

pub(super) async fn get_template(
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

pub(super) async fn create_template(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
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

pub(super) async fn delete_template(
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

pub(super) async fn template_keys(
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
