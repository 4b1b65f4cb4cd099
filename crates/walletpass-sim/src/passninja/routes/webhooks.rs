//! Webhook subscriptions (`/webhooks`: create, list, get, delete) and their delivery results
//! (`/webhooks/{id}/results`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::extract::{Answer, Params, Path, Query_, auth, object_body, positive};
use crate::passninja::Shared;
use crate::passninja::errors::ApiError;
use crate::passninja::state::{Store, Webhook};
use crate::passninja::webhooks::{event_type_valid, url_allowed};

pub(super) async fn create_webhook(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
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

pub(super) async fn list_webhooks(
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

fn webhook_of<'a>(store: &'a Store, account: &str, id: &str) -> Result<&'a Webhook, ApiError> {
    store
        .webhooks
        .iter()
        .find(|w| w.id == id && w.account == account)
        .ok_or_else(|| ApiError::NotFound(format!("webhook subscription {id} does not exist")))
}

pub(super) async fn get_webhook(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let store = s.lock();
    Ok(Json(webhook_of(&store, &account, &id)?.row()).into_response())
}

pub(super) async fn delete_webhook(
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

pub(super) async fn webhook_results(
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
