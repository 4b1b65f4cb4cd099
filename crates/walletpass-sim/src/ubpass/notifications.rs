//! `/wallet-pass/notifications`: create (201), list, get (optionally with its stats embedded),
//! update (only `Draft` / `Scheduled`), delete (only `Draft` / `Scheduled`, else
//! `INVALID_OPERATION`) and stats.
//!
//! Lifecycle: without a status a notification is sent at once (`Processing`, then `Published`
//! shortly after); `Scheduled` ones are published once their `scheduledTime` has passed (the
//! vendor's 15-minute batching is not simulated). Sent counts are the pass's active installs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::auth::Caller;
use super::error::ApiError;
use super::model::{NotificationInput, check_id, parse_body};
use super::paging::{Boundary, MAX_LIMIT, QueryParams, page};
use super::state::{SimState, StoredNotification, Workspace, iso, new_id, parse_time};

/// How long a notification sent at once stays `Processing`.
pub const PROCESSING_DELAY: Duration = Duration::from_millis(200);

/// Statuses a caller may write.
const WRITABLE: [&str; 3] = ["Draft", "Processing", "Scheduled"];

/// Statuses the list filter accepts.
const FILTERABLE: [&str; 5] = ["Draft", "Scheduled", "Processing", "Published", "Failed"];

type Answer = Result<(StatusCode, Json<Value>), ApiError>;

/// Move notifications whose time has come to `Published`, counting the pass's active installs.
fn settle(ws: &mut Workspace) {
    let now = OffsetDateTime::now_utc();
    let instant = Instant::now();
    let counts: Vec<(String, u32, u32)> = ws
        .passes
        .iter()
        .map(|p| (p.id.clone(), p.counts.apple_active, p.counts.google_active))
        .collect();
    for n in &mut ws.notifications {
        let due = match n.status.as_str() {
            "Processing" => n.processing_until.is_none_or(|t| instant >= t),
            "Scheduled" => n.scheduled_time.is_some_and(|t| t <= now),
            _ => false,
        };
        if due {
            let (apple, google) = counts
                .iter()
                .find(|(id, _, _)| *id == n.pass_serial_number)
                .map(|(_, a, g)| (*a, *g))
                .unwrap_or_default();
            n.status = "Published".to_owned();
            n.published_time = Some(now);
            n.processing_until = None;
            n.apple_sent = apple;
            n.google_sent = google;
            n.updated = now;
        }
    }
}

fn render(ws_id: &str, ws: &Workspace, n: &StoredNotification) -> Value {
    let published = n.published_time.map(iso);
    json!({
        "id": n.id,
        "createdTime": iso(n.created),
        "updatedTime": iso(n.updated),
        "createdBy": n.created_by,
        "updatedBy": n.created_by,
        "workspaceId": ws_id,
        "accountId": ws.account_id,
        "passSerialNumber": n.pass_serial_number,
        "notificationName": n.name,
        "notificationMessage": n.message,
        "status": n.status,
        "scheduledTime": n.scheduled_time.map(iso),
        "sentTime": published,
        "publishedTime": published,
        "appleNotificationSentCount": n.apple_sent,
        "googleNotificationSentCount": n.google_sent,
        "totalNotificationSentCount": n.apple_sent + n.google_sent,
    })
}

/// Check status and scheduled time of a notification about to be stored.
fn check_schedule(
    problems: &mut Map<String, Value>,
    status: &str,
    scheduled: Option<&str>,
) -> Option<OffsetDateTime> {
    if !WRITABLE.contains(&status) {
        problems.insert(
            "status".into(),
            json!("must be one of [Draft, Processing, Scheduled]"),
        );
    }
    let parsed = scheduled.and_then(parse_time);
    if scheduled.is_some() && parsed.is_none() {
        problems.insert(
            "scheduledTime".into(),
            json!("must be an ISO 8601 date-time with offset"),
        );
    }
    if status == "Scheduled" && scheduled.is_none() {
        problems.insert(
            "scheduledTime".into(),
            json!("must not be null when status is Scheduled"),
        );
    }
    parsed
}

/// `POST /wallet-pass/notifications` → 201 `PassNotification`.
pub async fn create(State(state): State<Arc<SimState>>, caller: Caller, body: Bytes) -> Answer {
    let input: NotificationInput = parse_body(&body)?;
    let mut problems = Map::new();
    if input.pass_serial_number.is_none() {
        problems.insert("passSerialNumber".into(), json!("must not be null"));
    }
    if input.notification_name.is_none() {
        problems.insert("notificationName".into(), json!("must not be null"));
    }
    if input
        .notification_message
        .as_deref()
        .is_none_or(|m| m.trim().is_empty())
    {
        problems.insert("notificationMessage".into(), json!("must not be empty"));
    }
    let status = input.status.clone().unwrap_or_else(|| "Processing".into());
    let scheduled = check_schedule(&mut problems, &status, input.scheduled_time.as_deref());
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(problems));
    }
    let pass_id = input.pass_serial_number.unwrap_or_default();
    check_id("passSerialNumber", &pass_id)?;
    let mut store = state.lock();
    let seq = store.next_seq();
    let ws = store.workspace(caller.workspace_id);
    if ws.pass(&pass_id, false).is_none() {
        return Err(ApiError::not_found(&pass_id));
    }
    let now = OffsetDateTime::now_utc();
    let n = StoredNotification {
        seq,
        id: new_id(),
        created: now,
        updated: now,
        created_by: caller.user_id.to_owned(),
        pass_serial_number: pass_id,
        name: input.notification_name.unwrap_or_default(),
        message: input.notification_message,
        processing_until: (status == "Processing").then(|| Instant::now() + PROCESSING_DELAY),
        status,
        scheduled_time: scheduled,
        published_time: None,
        apple_sent: 0,
        google_sent: 0,
    };
    let body = render(caller.workspace_id, ws, &n);
    ws.notifications.push(n);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /wallet-pass/notifications` → 200 `{items, cursor, hasMore}`.
pub async fn list(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = QueryParams::parse(raw.as_deref());
    let limit = q.limit()?;
    let cursor = q.cursor()?;
    let search = q.text("query")?.map(str::to_lowercase);
    let statuses = q.enumerated("status", &FILTERABLE)?;
    let passes = q.many("passSerialNumber");
    for p in &passes {
        check_id("passSerialNumber", p)?;
    }
    let ids = q.many("ids");
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    settle(ws);
    let ws = &*ws;
    let items = ws
        .notifications
        .iter()
        .filter(|n| {
            search
                .as_deref()
                .is_none_or(|s| n.name.to_lowercase().contains(s))
        })
        .filter(|n| statuses.is_empty() || statuses.contains(&n.status))
        .filter(|n| passes.is_empty() || passes.contains(&n.pass_serial_number))
        .filter(|n| ids.is_empty() || ids.contains(&n.id))
        .map(|n| (n.seq, render(caller.workspace_id, ws, n)))
        .collect();
    Ok((
        StatusCode::OK,
        Json(page(items, cursor, limit, Boundary::Exact)),
    ))
}

/// `GET /wallet-pass/notifications/{id}` → 200 `PassNotification`.
pub async fn get(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    check_id("id", &id)?;
    let q = QueryParams::parse(raw.as_deref());
    let include_stats = q.flag("includeStats")?;
    let offset = stats_offset(&q, "notificationStatsCursor")?;
    let limit = stats_limit(&q, "notificationStatsLimit")?;
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    settle(ws);
    let n = ws
        .notifications
        .iter()
        .find(|n| n.id == id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    let mut body = render(caller.workspace_id, ws, n);
    if include_stats && let Value::Object(map) = &mut body {
        map.insert(
            "notificationStats".into(),
            stats_of(caller.workspace_id, ws, n, offset, limit),
        );
    }
    Ok((StatusCode::OK, Json(body)))
}

/// A stats cursor (an offset, `minimum: 0`), 0 when absent.
fn stats_offset(q: &QueryParams, name: &str) -> Result<usize, ApiError> {
    match q.one(name) {
        None => Ok(0),
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| ApiError::invalid(name, "must be greater than or equal to 0")),
    }
}

/// A stats page size (1–20, default 20).
fn stats_limit(q: &QueryParams, name: &str) -> Result<usize, ApiError> {
    match q.one(name) {
        None => Ok(MAX_LIMIT),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(name, "must be between 1 and 20")),
        },
    }
}

fn locked(id: &str, status: &str, verb: &str) -> ApiError {
    ApiError::invalid_operation(format!("Cannot {verb} notification with status '{status}'"))
        .with("id", id)
        .with("status", status)
}

/// `PATCH /wallet-pass/notifications/{id}` → 200 `PassNotification`; given properties replace
/// the stored ones.
pub async fn update(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    check_id("id", &id)?;
    let input: NotificationInput = parse_body(&body)?;
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    settle(ws);
    let pos = ws
        .notifications
        .iter()
        .position(|n| n.id == id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    let current = &ws.notifications[pos];
    if !matches!(current.status.as_str(), "Draft" | "Scheduled") {
        return Err(locked(&id, &current.status, "update"));
    }
    let mut problems = Map::new();
    if input
        .notification_message
        .as_deref()
        .is_some_and(|m| m.trim().is_empty())
    {
        problems.insert("notificationMessage".into(), json!("must not be empty"));
    }
    if input
        .notification_name
        .as_deref()
        .is_some_and(|m| m.trim().is_empty())
    {
        problems.insert("notificationName".into(), json!("must not be blank"));
    }
    let status = input
        .status
        .clone()
        .unwrap_or_else(|| current.status.clone());
    let scheduled_raw = input
        .scheduled_time
        .clone()
        .or_else(|| current.scheduled_time.map(iso));
    let scheduled = check_schedule(&mut problems, &status, scheduled_raw.as_deref());
    if let Some(pass) = input.pass_serial_number.as_deref()
        && ws.pass(pass, false).is_none()
    {
        return Err(ApiError::not_found(pass));
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(problems));
    }
    let n = &mut ws.notifications[pos];
    if let Some(pass) = input.pass_serial_number {
        n.pass_serial_number = pass;
    }
    if let Some(name) = input.notification_name {
        n.name = name;
    }
    if input.notification_message.is_some() {
        n.message = input.notification_message;
    }
    n.processing_until = (status == "Processing").then(|| Instant::now() + PROCESSING_DELAY);
    n.status = status;
    n.scheduled_time = scheduled;
    n.updated = OffsetDateTime::now_utc();
    let n = ws.notifications[pos].clone();
    Ok((StatusCode::OK, Json(render(caller.workspace_id, ws, &n))))
}

/// `DELETE /wallet-pass/notifications/{id}` → 204.
pub async fn delete(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    check_id("id", &id)?;
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    settle(ws);
    let pos = ws
        .notifications
        .iter()
        .position(|n| n.id == id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    let status = ws.notifications[pos].status.clone();
    if !matches!(status.as_str(), "Draft" | "Scheduled") {
        return Err(locked(&id, &status, "delete"));
    }
    ws.notifications.remove(pos);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /wallet-pass/notifications/{id}/stats` → 200 `NotificationStats` (the schema's shape;
/// `linkStats` pages the links of the pass's back fields, `cursor` being an offset).
pub async fn stats(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    check_id("id", &id)?;
    let q = QueryParams::parse(raw.as_deref());
    let limit = stats_limit(&q, "limit")?;
    let offset = stats_offset(&q, "cursor")?;
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    settle(ws);
    let n = ws
        .notifications
        .iter()
        .find(|n| n.id == id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok((
        StatusCode::OK,
        Json(stats_of(caller.workspace_id, ws, n, offset, limit)),
    ))
}

/// `NotificationStats` of `n`, its `linkStats` page starting at `offset`.
fn stats_of(
    ws_id: &str,
    ws: &Workspace,
    n: &StoredNotification,
    offset: usize,
    limit: usize,
) -> Value {
    let links: Vec<String> = ws
        .pass(&n.pass_serial_number, false)
        .into_iter()
        .flat_map(|p| p.metadata.back_fields.iter().flatten())
        .flat_map(|f| f.value.iter().flatten())
        .filter_map(|v| v.link.clone())
        .collect();
    let items: Vec<Value> = links
        .iter()
        .enumerate()
        .skip(offset)
        .take(limit)
        .map(|(i, link)| {
            json!({
                "id": format!("{}-link-{i}", n.id),
                "createdTime": iso(n.created),
                "updatedTime": iso(n.updated),
                "workspaceId": ws_id,
                "linkUrl": link,
                "totalClicks": 0,
            })
        })
        .collect();
    let has_more = links.len() > offset + limit;
    json!({
        "id": n.id,
        "createdTime": iso(n.created),
        "updatedTime": iso(n.updated),
        "createdBy": n.created_by,
        "updatedBy": n.created_by,
        "workspaceId": ws_id,
        "totalNotificationsSent": n.apple_sent + n.google_sent,
        "totalLinksClicks": 0,
        "linkStats": {
            "items": items,
            "cursor": has_more.then(|| (offset + limit).to_string()),
            "hasMore": has_more,
        },
    })
}
