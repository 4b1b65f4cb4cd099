//! `/wallet-pass-location`: create (201), list, get, update (PUT, whole location), delete (204).
//! `name` and `relevantText` are at most 255 characters; the pass named in `walletPass.id` must
//! exist in the workspace (404 otherwise, as documented).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::auth::Caller;
use super::error::ApiError;
use super::model::{LocationInput, check_id, parse_body};
use super::paging::{Boundary, QueryParams, page};
use super::state::{SimState, StoredLocation, Workspace, iso, new_id};

type Answer = Result<(StatusCode, Json<Value>), ApiError>;

/// A validated location body.
struct ValidLocation {
    name: String,
    enabled: bool,
    latitude: f64,
    longitude: f64,
    altitude: Option<f64>,
    relevant_text: String,
    pass_id: String,
}

fn validate(input: LocationInput) -> Result<ValidLocation, ApiError> {
    let mut problems = Map::new();
    let mut text = |field: &str, value: &Option<String>| match value {
        None => {
            problems.insert(field.into(), json!("must not be null"));
        }
        Some(v) if v.chars().count() > 255 => {
            problems.insert(field.into(), json!("size must be between 0 and 255"));
        }
        Some(_) => {}
    };
    text("name", &input.name);
    text("relevantText", &input.relevant_text);
    if input.latitude.is_none() {
        problems.insert("latitude".into(), json!("must not be null"));
    }
    if input.longitude.is_none() {
        problems.insert("longitude".into(), json!("must not be null"));
    }
    let pass_id = input.wallet_pass.and_then(|p| p.id);
    match pass_id.as_deref() {
        None => {
            problems.insert("walletPass".into(), json!("must not be null"));
        }
        Some(id) if !super::model::is_valid_id(id) => {
            problems.insert(
                "walletPass.id".into(),
                json!("must match \"^[a-zA-Z0-9-_]+$\""),
            );
        }
        Some(_) => {}
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(problems));
    }
    Ok(ValidLocation {
        name: input.name.unwrap_or_default(),
        enabled: input.enabled.unwrap_or(true),
        latitude: input.latitude.unwrap_or_default(),
        longitude: input.longitude.unwrap_or_default(),
        altitude: input.altitude,
        relevant_text: input.relevant_text.unwrap_or_default(),
        pass_id: pass_id.unwrap_or_default(),
    })
}

fn render(ws_id: &str, ws: &Workspace, l: &StoredLocation) -> Value {
    let mut out = json!({
        "id": l.id,
        "createdTime": iso(l.created),
        "updatedTime": iso(l.updated),
        "createdBy": l.created_by,
        "updatedBy": l.created_by,
        "workspaceId": ws_id,
        "accountId": ws.account_id,
        "name": l.name,
        "enabled": l.enabled,
        "latitude": l.latitude,
        "longitude": l.longitude,
        "relevantText": l.relevant_text,
        "walletPass": { "id": l.pass_id },
    });
    if let (Some(alt), Some(obj)) = (l.altitude, out.as_object_mut()) {
        obj.insert("altitude".into(), json!(alt));
    }
    out
}

/// `POST /wallet-pass-location` → 201 `PassLocation`.
pub async fn create(State(state): State<Arc<SimState>>, caller: Caller, body: Bytes) -> Answer {
    let valid = validate(parse_body(&body)?)?;
    let mut store = state.lock();
    let seq = store.next_seq();
    let ws = store.workspace(caller.workspace_id);
    if ws.pass(&valid.pass_id, false).is_none() {
        return Err(ApiError::not_found(&valid.pass_id));
    }
    let now = OffsetDateTime::now_utc();
    let location = StoredLocation {
        seq,
        id: new_id(),
        created: now,
        updated: now,
        created_by: caller.user_id.to_owned(),
        name: valid.name,
        enabled: valid.enabled,
        latitude: valid.latitude,
        longitude: valid.longitude,
        altitude: valid.altitude,
        relevant_text: valid.relevant_text,
        pass_id: valid.pass_id,
    };
    let body = render(caller.workspace_id, ws, &location);
    ws.locations.push(location);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /wallet-pass-location` → 200 `{items, cursor, hasMore}`.
pub async fn list(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = QueryParams::parse(raw.as_deref());
    let limit = q.limit()?;
    let cursor = q.cursor()?;
    let search = q.text("query")?.map(str::to_lowercase);
    let name = q.text("name")?.map(str::to_owned);
    let passes = q.many("passSerialNumbers");
    for p in &passes {
        check_id("passSerialNumbers", p)?;
    }
    let mut ids = q.many("ids");
    ids.extend(q.one("id").map(str::to_owned));
    let mut store = state.lock();
    let ws = &*store.workspace(caller.workspace_id);
    let items = ws
        .locations
        .iter()
        .filter(|l| {
            search
                .as_deref()
                .is_none_or(|s| l.name.to_lowercase().contains(s))
        })
        .filter(|l| name.as_deref().is_none_or(|n| l.name == n))
        .filter(|l| passes.is_empty() || passes.contains(&l.pass_id))
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .map(|l| (l.seq, render(caller.workspace_id, ws, l)))
        .collect();
    Ok((
        StatusCode::OK,
        Json(page(items, cursor, limit, Boundary::Exact)),
    ))
}

/// `GET /wallet-pass-location/{locationId}` → 200 `PassLocation`.
pub async fn get(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Answer {
    check_id("locationId", &id)?;
    let mut store = state.lock();
    let ws = &*store.workspace(caller.workspace_id);
    let l = ws
        .locations
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok((StatusCode::OK, Json(render(caller.workspace_id, ws, l))))
}

/// `PUT /wallet-pass-location/{locationId}` → 200 `PassLocation`, replacing it whole.
pub async fn update(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    check_id("locationId", &id)?;
    let valid = validate(parse_body(&body)?)?;
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    let pos = ws
        .locations
        .iter()
        .position(|l| l.id == id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    if ws.pass(&valid.pass_id, false).is_none() {
        return Err(ApiError::not_found(&valid.pass_id));
    }
    let l = &mut ws.locations[pos];
    l.name = valid.name;
    l.enabled = valid.enabled;
    l.latitude = valid.latitude;
    l.longitude = valid.longitude;
    l.altitude = valid.altitude;
    l.relevant_text = valid.relevant_text;
    l.pass_id = valid.pass_id;
    l.updated = OffsetDateTime::now_utc();
    let l = ws.locations[pos].clone();
    Ok((StatusCode::OK, Json(render(caller.workspace_id, ws, &l))))
}

/// `DELETE /wallet-pass-location/{locationId}` → 204.
pub async fn delete(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    check_id("locationId", &id)?;
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    let pos = ws
        .locations
        .iter()
        .position(|l| l.id == id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    ws.locations.remove(pos);
    Ok(StatusCode::NO_CONTENT)
}
