//! The routes of the 17 documented operations under `/api/v1`, the authentication layer
//! (either `Authorization: Bearer` or `X-API-Key`), list pagination, and the unauthenticated
//! download links that passes and bundles answer with.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};

use super::errors::ApiError;
use super::input::{
    NotificationTarget, PageQuery, batch_input, bundle_input, json_object, notification_input,
    page_query, template_input, webhook_input,
};
use super::seed::{DEMO_API_KEY, DEMO_TOKEN, READ_ONLY_API_KEY};
use super::state::{
    BundleRecord, NotificationRecord, PassRecord, PassView, Sim, WebhookRecord, new_id, now,
    status_of,
};
use futures::future::Either;
use tower_service::Service;

use super::PREFIX;
use crate::harness::Deviation;

type Answer = Result<Response, ApiError>;

/// The whole application: the API under `/api/v1`, authenticated here before its router sees
/// the request, and the unauthenticated download links. Two routers and a prefix check stand
/// in for a nested router with an authentication layer on every route: no URI rewrite and no
/// per-route middleware on each request, with the same answers (credentials are checked
/// before anything else under the prefix, unknown routes included).
#[derive(Clone)]
pub(super) struct Gate {
    sim: Arc<Sim>,
    api: Router,
    links: Router,
}

impl Gate {
    pub(super) fn new(sim: Arc<Sim>) -> Self {
        let api = Router::new()
            .route(&api("/batch"), post(create_batch))
            .route(&api("/batch/{id}"), get(get_batch))
            .route(&api("/bundles"), get(list_bundles).post(create_bundle))
            .route(&api("/passes"), get(list_passes).post(create_pass))
            .route(
                &api("/passes/{id}"),
                get(get_pass).put(update_pass).delete(delete_pass),
            )
            .route(&api("/passes/{id}/void"), post(void_pass))
            .route(
                &api("/push-notifications"),
                get(list_notifications).post(send_notification),
            )
            .route(
                &api("/templates"),
                get(list_templates).post(create_template),
            )
            .route(&api("/templates/{id}"), get(get_template))
            .route(&api("/webhooks"), get(list_webhooks).post(create_webhook))
            .method_not_allowed_fallback(wrong_method)
            .fallback(unknown_route)
            .with_state(Arc::clone(&sim));
        let links = Router::new()
            .route("/p/{file}", get(download_pass))
            .route("/b/{file}", get(download_bundle))
            .fallback(unknown_route)
            .with_state(Arc::clone(&sim));
        Self { sim, api, links }
    }

    /// The answer authentication gives instead of the API's, if any.
    fn refusal(&self, req: &Request) -> Option<Response> {
        // The origin is learned from the first request that names a host, so later requests
        // cost no allocation here.
        if self.sim.origin.get().is_none()
            && let Some(host) = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
        {
            let _ = self.sim.origin.set(format!("http://{host}"));
        }
        match credentials(&self.sim, req.headers()) {
            None => Some(ApiError::unauthorized().into_response()),
            Some(Access::ReadOnly) if !req.method().is_safe() => Some(
                ApiError::forbidden(
                    "This API key is read-only and may not change passes, templates or webhooks",
                )
                .into_response(),
            ),
            Some(_) => None,
        }
    }
}

impl Service<Request> for Gate {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, <Router as Service<Request>>::Future>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Both routers are always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let path = req.uri().path();
        let under_api = path
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if !under_api {
            return Either::Right(self.links.call(req));
        }
        match self.refusal(&req) {
            Some(refused) => Either::Left(ready(Ok(refused))),
            None => Either::Right(self.api.call(req)),
        }
    }
}

/// An API route's path: `path` under [`PREFIX`].
fn api(path: &str) -> String {
    format!("{PREFIX}{path}")
}

/// What the presented credentials may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Full,
    ReadOnly,
}

/// The API key header, as a name made once (looking a header up by a `&str` parses the name on
/// every request).
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

fn credentials(sim: &Sim, headers: &HeaderMap) -> Option<Access> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let key = headers
        .get(&X_API_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if bearer == Some(DEMO_TOKEN) || key == Some(DEMO_API_KEY) {
        return Some(Access::Full);
    }
    if key == Some(READ_ONLY_API_KEY) {
        return Some(Access::ReadOnly);
    }
    let presented = headers.contains_key(header::AUTHORIZATION) || key.is_some();
    (presented && sim.deviates(Deviation::AcceptBadCredentials)).then_some(Access::Full)
}

async fn unknown_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Route not found")
}

/// A documented path with a method it does not have: 405 in the S1 error shape (axum's own 405
/// has an empty body).
async fn wrong_method(method: axum::http::Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on this route"),
    )
}

fn query_map(raw: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Where one page starts and how many items it takes; `shifts` applies the page-boundary
/// deviations (`SkipItemAcrossPages` loses the first item of every page after the first,
/// `RepeatItemAcrossPages` starts every later page one item early).
fn window(sim: &Sim, q: PageQuery, shifts: bool) -> (usize, usize) {
    let mut start = (q.page - 1).saturating_mul(q.limit);
    let mut take = q.limit;
    if shifts && q.page > 1 {
        if sim.deviates(Deviation::SkipItemAcrossPages) {
            // The first item of every later page is lost.
            start += 1;
            take -= 1;
        } else if sim.deviates(Deviation::RepeatItemAcrossPages) {
            start -= 1;
        }
    }
    (start, take)
}

/// One page answered as `{data, pagination}`, given the page's items and the total.
fn paged(data: Vec<Value>, total: usize, q: PageQuery) -> Value {
    json!({
        "data": data,
        "pagination": Pagination::new(total, q),
    })
}

/// A list answer's `pagination` object.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    page: usize,
    limit: usize,
    total: usize,
    total_pages: usize,
}

impl Pagination {
    fn new(total: usize, q: PageQuery) -> Self {
        Self {
            page: q.page,
            limit: q.limit,
            total,
            total_pages: total.div_ceil(q.limit),
        }
    }
}

/// A page of passes as answered, `{data, pagination}`, serialized straight from the records.
#[derive(Serialize)]
struct PassPage<'a> {
    data: Vec<PassView<'a>>,
    pagination: Pagination,
}

/// A JSON answer written from `body` with no tree built.
fn json_bytes(body: &impl Serialize) -> Answer {
    let mut bytes = Vec::with_capacity(4096);
    serde_json::to_writer(&mut bytes, body)
        .map_err(|e| ApiError::internal(format!("the answer could not be written: {e}")))?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Bytes::from(bytes),
    )
        .into_response())
}

/// One page of `items` (every item of the list) as `{data, pagination}`.
fn page(sim: &Sim, items: Vec<Value>, q: PageQuery, shifts: bool) -> Value {
    let total = items.len();
    let (start, take) = window(sim, q, shifts);
    let data: Vec<Value> = items.into_iter().skip(start).take(take).collect();
    paged(data, total, q)
}

fn created(body: Value) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

fn ok(body: Value) -> Response {
    Json(body).into_response()
}

async fn create_pass(State(sim): State<Arc<Sim>>, body: Bytes) -> Answer {
    let obj = json_object(&body)?;
    Ok(created(sim.create_pass(&obj)?))
}

async fn list_passes(State(sim): State<Arc<Sim>>, RawQuery(raw): RawQuery) -> Answer {
    let query = query_map(raw);
    let q = page_query(&query)?;
    let status = query.get("status").map(String::as_str);
    if let Some(status) = status
        && !["active", "voided", "expired"].contains(&status)
    {
        return Err(ApiError::invalid_field(
            "status",
            "must be one of active, voided, expired",
        ));
    }
    let search = query.get("search").map(|s| s.to_lowercase());
    let template = query.get("templateId");
    let serial = query.get("serialNumber");
    let (start, take) = window(&sim, q, true);
    let store = sim.store();
    // The candidates in creation order, from the narrowest index the query allows.
    let single;
    let order: &[(u64, String)] = match (template, serial) {
        (Some(t), Some(s)) => {
            single = store
                .serials
                .get(&(t.clone(), s.clone()))
                .and_then(|id| store.passes.get(id))
                .map(|p| vec![(p.seq, p.id.clone())])
                .unwrap_or_default();
            &single
        }
        (Some(t), None) => store.template_order.get(t).map_or(&[], Vec::as_slice),
        (None, _) => &store.pass_order,
    };
    let lookup = |(_, id): &(u64, String)| store.passes.get(id);
    let filtered = status.is_some() || search.is_some() || (template.is_none() && serial.is_some());
    if !filtered {
        // Every candidate matches: the page is a slice of the index.
        let data = order
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take(take)
            .filter_map(lookup)
            .map(|p| sim.listed_view(p))
            .collect();
        let pagination = Pagination::new(order.len(), q);
        return json_bytes(&PassPage { data, pagination });
    }
    let (data, total) = if search.is_some() && sim.deviates(Deviation::SearchFindsNothing) {
        (Vec::new(), 0)
    } else {
        // Count every match, render only the page's.
        let mut data = Vec::with_capacity(take);
        let mut total = 0;
        for pass in order.iter().filter_map(lookup) {
            if serial.is_some_and(|s| *s != pass.serial_number)
                || status.is_some_and(|s| s != status_of(pass))
            {
                continue;
            }
            let in_page = (start..start.saturating_add(take)).contains(&total);
            match &search {
                None if in_page => data.push(listed_json(&sim, pass)),
                None => {}
                Some(needle) => {
                    let listed = listed_json(&sim, pass);
                    if !matches_search(&listed, needle) {
                        continue;
                    }
                    if in_page {
                        data.push(listed);
                    }
                }
            }
            total += 1;
        }
        (data, total)
    };
    Ok(ok(paged(data, total, q)))
}

/// A pass as a list answers it (with the `ListDropsField` deviation applied), as a tree.
fn listed_json(sim: &Sim, pass: &PassRecord) -> Value {
    serde_json::to_value(sim.listed_view(pass)).unwrap_or(Value::Null)
}

/// Case-insensitive substring search over the serial number and the field values.
fn matches_search(pass: &Value, needle: &str) -> bool {
    let serial = pass["serialNumber"].as_str().unwrap_or_default();
    if serial.to_lowercase().contains(needle) {
        return true;
    }
    pass["fields"].as_object().is_some_and(|fields| {
        fields.values().any(|f| match &f["value"] {
            Value::String(s) => s.to_lowercase().contains(needle),
            other => other.to_string().contains(needle),
        })
    })
}

async fn get_pass(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> Answer {
    let body = sim.get_pass(&id)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn update_pass(State(sim): State<Arc<Sim>>, Path(id): Path<String>, body: Bytes) -> Answer {
    let obj = json_object(&body)?;
    Ok(ok(sim.replace_pass(&id, &obj)?))
}

async fn delete_pass(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> Answer {
    sim.delete_pass(&id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /passes/{id}/void` takes no body; an empty one or `{}` is accepted, anything else is a
/// 422 rather than silently ignored (S4).
async fn void_pass(State(sim): State<Arc<Sim>>, Path(id): Path<String>, body: Bytes) -> Answer {
    if !body.iter().all(u8::is_ascii_whitespace) {
        let obj = json_object(&body)?;
        if !obj.is_empty() {
            return Err(ApiError::invalid(
                obj.keys()
                    .map(|key| super::errors::FieldError::new(key, "is not a known property"))
                    .collect(),
            ));
        }
    }
    Ok(ok(sim.void_pass(&id)?))
}

async fn create_template(State(sim): State<Arc<Sim>>, body: Bytes) -> Answer {
    let input = template_input(&json_object(&body)?)?;
    Ok(created(sim.create_template(input)))
}

async fn list_templates(State(sim): State<Arc<Sim>>, RawQuery(raw): RawQuery) -> Answer {
    let q = page_query(&query_map(raw))?;
    let items = sim.store().templates.iter().map(|t| json!(t)).collect();
    Ok(ok(page(&sim, items, q, false)))
}

async fn get_template(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> Answer {
    let store = sim.store();
    let template = store
        .template(&id)
        .ok_or_else(|| ApiError::not_found("Template", &id))?;
    Ok(ok(json!(template)))
}

async fn create_webhook(State(sim): State<Arc<Sim>>, body: Bytes) -> Answer {
    let input = webhook_input(&json_object(&body)?)?;
    let record = WebhookRecord {
        id: new_id("wh_"),
        url: input.url,
        events: input.events,
        secret: input
            .secret
            .unwrap_or_else(|| format!("whsec_{}", uuid::Uuid::new_v4().simple())),
        created_at: now(),
    };
    let answer = record.to_json(true);
    sim.store().webhooks.push(record);
    Ok(created(answer))
}

async fn list_webhooks(State(sim): State<Arc<Sim>>, RawQuery(raw): RawQuery) -> Answer {
    let q = page_query(&query_map(raw))?;
    let items = sim
        .store()
        .webhooks
        .iter()
        .map(|w| w.to_json(false))
        .collect();
    Ok(ok(page(&sim, items, q, false)))
}

async fn create_bundle(State(sim): State<Arc<Sim>>, body: Bytes) -> Answer {
    let input = bundle_input(&json_object(&body)?)?;
    let record = {
        let mut store = sim.store();
        if let Some(missing) = input
            .pass_ids
            .iter()
            .find(|id| !store.passes.contains_key(*id))
        {
            return Err(ApiError::not_found("Pass", missing));
        }
        let record = BundleRecord {
            id: new_id("bndl_"),
            name: input.name,
            description: input.description,
            pass_ids: input.pass_ids,
            created_at: now(),
        };
        store.bundles.push(record.clone());
        record
    };
    Ok(created(sim.bundle_json(&record)))
}

async fn list_bundles(State(sim): State<Arc<Sim>>, RawQuery(raw): RawQuery) -> Answer {
    let q = page_query(&query_map(raw))?;
    let items = sim
        .store()
        .bundles
        .iter()
        .map(|b| sim.bundle_json(b))
        .collect();
    Ok(ok(page(&sim, items, q, false)))
}

async fn send_notification(State(sim): State<Arc<Sim>>, body: Bytes) -> Answer {
    let input = notification_input(&json_object(&body)?)?;
    let mut store = sim.store();
    let (pass_id, bundle_id, recipients) = match input.target {
        NotificationTarget::Pass(id) => {
            if !store.passes.contains_key(&id) {
                return Err(ApiError::not_found("Pass", &id));
            }
            (Some(id), None, 1)
        }
        NotificationTarget::Bundle(id) => {
            let bundle = store
                .bundles
                .iter()
                .find(|b| b.id == id)
                .ok_or_else(|| ApiError::not_found("Bundle", &id))?;
            let count = bundle.pass_ids.len();
            (None, Some(id), count)
        }
    };
    let record = NotificationRecord {
        id: new_id("ntf_"),
        pass_id,
        bundle_id,
        message: input.message,
        status: "sent".to_owned(),
        recipients,
        created_at: now(),
    };
    store.notifications.push(record.clone());
    Ok(created(json!(record)))
}

async fn list_notifications(State(sim): State<Arc<Sim>>, RawQuery(raw): RawQuery) -> Answer {
    let query = query_map(raw);
    let q = page_query(&query)?;
    let items = sim
        .store()
        .notifications
        .iter()
        .filter(|n| {
            query
                .get("passId")
                .is_none_or(|p| n.pass_id.as_ref() == Some(p))
        })
        .map(|n| json!(n))
        .collect();
    Ok(ok(page(&sim, items, q, false)))
}

async fn create_batch(State(sim): State<Arc<Sim>>, body: Bytes) -> Answer {
    let input = batch_input(&json_object(&body)?)?;
    Ok((StatusCode::ACCEPTED, Json(sim.submit_batch(input))).into_response())
}

async fn get_batch(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> Answer {
    Ok(ok(sim.batch_status(&id)?))
}

async fn download_pass(State(sim): State<Arc<Sim>>, Path(file): Path<String>) -> Answer {
    let id = file.strip_suffix(".pkpass").unwrap_or(&file);
    if !sim.store().passes.contains_key(id) {
        return Err(ApiError::not_found("Pass", id));
    }
    Ok(download(
        "application/vnd.apple.pkpass",
        format!("walletpass simulator placeholder for pass {id}"),
    ))
}

async fn download_bundle(State(sim): State<Arc<Sim>>, Path(file): Path<String>) -> Answer {
    let id = file.strip_suffix(".pkpasses").unwrap_or(&file);
    if !sim.store().bundles.iter().any(|b| b.id == id) {
        return Err(ApiError::not_found("Bundle", id));
    }
    Ok(download(
        "application/vnd.apple.pkpasses",
        format!("walletpass simulator placeholder for bundle {id}"),
    ))
}

fn download(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}
