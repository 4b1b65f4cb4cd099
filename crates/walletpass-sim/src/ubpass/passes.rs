//! `/wallet-pass`: create (201), async create (202), get (200, an array as the spec says), list
//! (`BXPagedList`), update (PATCH with the whole document) and the delete the vendor removed from
//! its docs (204). Enforces a unique `passName` per workspace.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::auth::Caller;
use super::error::ApiError;
use super::model::{
    APP_TYPES, PASS_STATUSES, PassMetadata, UploadInfo, WalletPassInput, check_id, parse_body,
};
use super::paging::{Boundary, QueryParams, seek_page};
use super::state::{InstallCounts, SimState, StoredPass, Workspace, iso, new_id};
use super::uploads::asset_url;
use crate::harness::Deviation;

/// How long an asynchronously created pass reads as `Draft` before it is published.
pub const ASYNC_DELAY: Duration = Duration::from_millis(200);

/// The largest `passName`, `name` and `relevantText` length.
const MAX_TEXT: usize = 255;

/// Base of generated pass links (the documented example's host).
const PASS_LINK_BASE: &str = "https://passes.example.com/download";

type Answer = Result<Response, ApiError>;

/// A validated create / update body.
struct ValidPass {
    name: String,
    metadata: PassMetadata,
    uploads: Option<Vec<UploadInfo>>,
    notification_header: Option<String>,
    slug: Option<String>,
    status: Option<String>,
    account: Option<Map<String, Value>>,
}

fn too_long(s: &str) -> bool {
    s.chars().count() > MAX_TEXT
}

/// Validate a body, collecting every problem into one `INVALID_INPUT` context.
fn validate(input: WalletPassInput) -> Result<ValidPass, ApiError> {
    let mut problems = Map::new();
    let mut bad = |field: String, problem: &str| {
        problems.entry(field).or_insert_with(|| json!(problem));
    };
    match input.pass_name.as_deref() {
        None => bad("passName".into(), "must not be null"),
        Some(n) if n.trim().is_empty() => bad("passName".into(), "must not be blank"),
        Some(n) if too_long(n) => bad("passName".into(), "size must be between 0 and 255"),
        Some(_) => {}
    }
    match &input.pass_metadata {
        None => bad("passMetadata".into(), "must not be null"),
        Some(meta) => {
            for (i, loc) in meta.locations.iter().flatten().enumerate() {
                let at = format!("passMetadata.locations[{i}]");
                if loc.name.is_none() {
                    bad(format!("{at}.name"), "must not be null");
                }
                if loc.name.as_deref().is_some_and(too_long) {
                    bad(format!("{at}.name"), "size must be between 0 and 255");
                }
                if loc.latitude.is_none() {
                    bad(format!("{at}.latitude"), "must not be null");
                }
                if loc.longitude.is_none() {
                    bad(format!("{at}.longitude"), "must not be null");
                }
                match loc.relevant_text.as_deref() {
                    None => bad(format!("{at}.relevantText"), "must not be null"),
                    Some(t) if too_long(t) => bad(
                        format!("{at}.relevantText"),
                        "size must be between 0 and 255",
                    ),
                    Some(_) => {}
                }
            }
            if let Some(app) = meta
                .user_deep_link
                .as_ref()
                .and_then(|l| l.app_type.as_deref())
                && !APP_TYPES.contains(&app)
            {
                bad(
                    "passMetadata.userDeepLink.appType".into(),
                    "must be one of [Website, Mobile App, Tiktok, Instagram, X, Youtube, Spotify]",
                );
            }
        }
    }
    for (i, upload) in input.upload_info_list.iter().flatten().enumerate() {
        match upload.file_name.as_deref() {
            None => bad(format!("uploadInfoList[{i}].fileName"), "must not be null"),
            Some(name) if !name.to_ascii_lowercase().ends_with(".png") => bad(
                format!("uploadInfoList[{i}].fileName"),
                "must be a png image",
            ),
            Some(_) => {}
        }
        if upload.key().is_none() {
            bad(format!("uploadInfoList[{i}].uploadKey"), "must not be null");
        }
    }
    if let Some(status) = input.status.as_deref()
        && !PASS_STATUSES.contains(&status)
    {
        bad("status".into(), "must be one of [Draft, Published]");
    }
    if let Some(slug) = input.pass_link_slug.as_deref()
        && !super::model::is_valid_id(slug)
    {
        bad("passLinkSlug".into(), "must match \"^[a-zA-Z0-9-_]+$\"");
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(problems));
    }
    Ok(ValidPass {
        name: input.pass_name.unwrap_or_default(),
        metadata: input.pass_metadata.unwrap_or_default(),
        uploads: input.upload_info_list,
        notification_header: input.notification_header,
        slug: input.pass_link_slug,
        status: input.status,
        account: input.account,
    })
}

fn duplicate_name() -> ApiError {
    ApiError::invalid("passName", "must be unique within the workspace")
}

/// Options for rendering a pass.
#[derive(Clone, Copy, Default)]
struct Render {
    assets: bool,
    summary: bool,
    read: bool,
    listing: bool,
}

/// `WalletPassInfo` as answered, borrowing from the stored pass: serialized straight into the
/// response body, with no intermediate `serde_json::Value` tree. Field order is the answer's.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PassInfo<'a> {
    id: &'a str,
    created_time: String,
    updated_time: String,
    created_by: &'a str,
    updated_by: &'a str,
    workspace_id: &'a str,
    account_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_header: Option<&'a str>,
    pass_name: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pass_metadata: Option<Cow<'a, PassMetadata>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upload_info_list: Option<Cow<'a, [UploadInfo]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pass_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pass_link_slug: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    google_pass_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    apple_issued_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    google_issued_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_issued_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    apple_active_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    google_active_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_active_count: Option<u32>,
}

/// A JSON answer serialized once into a buffer sized for a typical pass, so it is not regrown
/// along the way (axum's `Json` starts at 128 bytes).
fn answer(status: StatusCode, body: &impl Serialize) -> Answer {
    Ok(json_answer(status, Bytes::from(to_json(body)?)))
}

/// `body` serialized.
fn to_json(body: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::with_capacity(2048);
    serde_json::to_writer(&mut bytes, body).map_err(|_| ApiError::internal())?;
    Ok(bytes)
}

/// A JSON answer of already serialized bytes.
fn json_answer(status: StatusCode, bytes: Bytes) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// Render a stored pass as `WalletPassInfo`.
fn render<'a>(
    state: &SimState,
    ws_id: &'a str,
    ws: &'a Workspace,
    pass: &'a StoredPass,
    opts: Render,
    host: &str,
) -> PassInfo<'a> {
    let account_id = pass
        .account
        .as_ref()
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        .unwrap_or(&ws.account_id);
    let (pass_metadata, upload_info_list) = if opts.summary {
        (None, None)
    } else {
        let corrupts = opts.read && Deviation::ON_READ.iter().any(|d| state.deviates(*d));
        let drops = opts.listing && state.deviates(Deviation::ListDropsField);
        let meta = if corrupts || drops {
            let mut meta = pass.metadata.clone();
            if opts.read {
                apply_read_deviations(state, &mut meta);
            }
            if drops && let Some(fields) = meta.secondary_fields.as_mut() {
                fields.pop();
            }
            Cow::Owned(meta)
        } else {
            Cow::Borrowed(&pass.metadata)
        };
        let uploads = if opts.assets {
            Cow::Owned(
                pass.uploads
                    .iter()
                    .map(|u| UploadInfo {
                        url: u.key().map(|k| asset_url(host, k)),
                        ..u.clone()
                    })
                    .collect(),
            )
        } else {
            Cow::Borrowed(pass.uploads.as_slice())
        };
        (Some(meta), Some(uploads))
    };
    // List items follow the documented list example: no links, no counts.
    let links = !opts.listing;
    let full = links && !opts.summary;
    let c = pass.counts;
    let count = |n: u32| full.then_some(n);
    PassInfo {
        id: &pass.id,
        created_time: iso(pass.created),
        updated_time: iso(pass.updated),
        created_by: &pass.created_by,
        updated_by: &pass.updated_by,
        workspace_id: ws_id,
        account_id,
        notification_header: pass.notification_header.as_deref(),
        pass_name: &pass.pass_name,
        status: pass.visible_status(),
        pass_metadata,
        upload_info_list,
        pass_link: links.then(|| format!("{PASS_LINK_BASE}/{}", pass.slug)),
        pass_link_slug: links.then_some(pass.slug.as_str()),
        google_pass_link: full.then(|| format!("https://pay.google.com/gp/v/save/{}", pass.id)),
        apple_issued_count: count(c.apple_issued),
        google_issued_count: count(c.google_issued),
        total_issued_count: count(c.apple_issued + c.google_issued),
        apple_active_count: count(c.apple_active),
        google_active_count: count(c.google_active),
        total_active_count: count(c.apple_active + c.google_active),
    }
}

/// The deviations that corrupt a pass as it is read back.
fn apply_read_deviations(state: &SimState, meta: &mut PassMetadata) {
    if state.deviates(Deviation::DropFieldOnRead)
        && let Some(fields) = meta.secondary_fields.as_mut()
    {
        fields.pop();
    }
    if state.deviates(Deviation::LoseBarcode) {
        meta.qr_url = None;
        meta.qr_text = None;
    }
    if state.deviates(Deviation::ChangeLabel) {
        let field = meta
            .secondary_fields
            .as_mut()
            .and_then(|f| f.first_mut())
            .or(meta.top_field.as_mut());
        if let Some(field) = field {
            field.label = Some(format!(
                "{} (changed)",
                field.label.as_deref().unwrap_or("")
            ));
        }
    }
}

fn host(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

fn insert(
    state: &SimState,
    caller: &Caller,
    valid: ValidPass,
    ready_at: Option<Instant>,
    host: &str,
    status: StatusCode,
) -> Answer {
    let mut store = state.lock();
    let seq = store.next_seq();
    let ws = store.workspace(caller.workspace_id);
    if ws.name_taken(&valid.name, None) {
        return Err(duplicate_name());
    }
    let now = OffsetDateTime::now_utc();
    let id = new_id();
    let slug = valid
        .slug
        .unwrap_or_else(|| id.replace('-', "")[..12].to_owned());
    ws.push_pass(StoredPass {
        seq,
        id: id.clone(),
        created: now,
        updated: now,
        created_by: caller.user_id.to_owned(),
        updated_by: caller.user_id.to_owned(),
        pass_name: valid.name,
        metadata: valid.metadata,
        uploads: valid.uploads.unwrap_or_default(),
        notification_header: valid.notification_header,
        slug,
        status: valid.status.unwrap_or_else(|| "Published".to_owned()),
        ready_at,
        account: valid.account,
        counts: InstallCounts::default(),
        deleted: false,
    });
    let ws = &store.workspaces[caller.workspace_id];
    let pass = ws
        .pass(&id, false)
        .ok_or_else(|| ApiError::not_found(&id))?;
    let body = render(
        state,
        caller.workspace_id,
        ws,
        pass,
        Render::default(),
        host,
    );
    answer(status, &body)
}

/// `POST /wallet-pass` → 201 `WalletPassInfo`.
pub async fn create(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let valid = validate(parse_body(&body)?)?;
    insert(
        &state,
        &caller,
        valid,
        None,
        &host(&headers),
        StatusCode::CREATED,
    )
}

/// `POST /wallet-pass/async` → 202 `WalletPassInfo`, reading as `Draft` until processed.
pub async fn create_async(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let valid = validate(parse_body(&body)?)?;
    let ready = Instant::now() + ASYNC_DELAY;
    insert(
        &state,
        &caller,
        valid,
        Some(ready),
        &host(&headers),
        StatusCode::ACCEPTED,
    )
}

/// `GET /wallet-pass/{id}` → 200 with an array holding the pass (the spec's response schema).
pub async fn get(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Answer {
    check_id("id", &id)?;
    let mut store = state.lock();
    // A workspace with nothing in it yet holds no pass either.
    let include_deleted = state.deviates(Deviation::DeletedAnswers200);
    let found = store
        .workspaces
        .get_mut(caller.workspace_id)
        .and_then(|ws| Some((ws.pass(&id, include_deleted)?.seq, ws)));
    let (seq, ws) = found.ok_or_else(|| ApiError::not_found(&id))?;
    if let Some(kept) = ws.cached_answer(seq) {
        return Ok(json_answer(StatusCode::OK, kept));
    }
    let pass = ws
        .pass(&id, include_deleted)
        .ok_or_else(|| ApiError::not_found(&id))?;
    let opts = Render {
        read: true,
        ..Render::default()
    };
    // Asset URLs (the only use of the host) are answered by the list alone.
    let body = render(&state, caller.workspace_id, ws, pass, opts, "");
    let bytes = Bytes::from(to_json(&[body])?);
    // The answer is kept for the next read unless it can change on its own: an asynchronously
    // created pass reads as `Draft` only until its time comes, and the read deviations are
    // left to render each time.
    let settled = pass.ready_at.is_none_or(|at| Instant::now() >= at);
    let corrupts = Deviation::ON_READ.iter().any(|d| state.deviates(*d));
    if settled && !corrupts {
        ws.keep_answer(seq, bytes.clone());
    }
    Ok(json_answer(StatusCode::OK, bytes))
}

/// `GET /wallet-pass` → 200 `{items, cursor, hasMore}`.
pub async fn list(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = QueryParams::parse(raw.as_deref());
    let limit = q.limit()?;
    let cursor = q.cursor()?;
    let search = q.text("query")?.map(str::to_lowercase);
    let name = q.text("passName")?.map(str::to_owned);
    let statuses = q.enumerated("status", &PASS_STATUSES)?;
    let mut ids = q.many("ids");
    if let Some(id) = q.one("id") {
        check_id("id", id)?;
        ids.push(id.to_owned());
    }
    let opts = Render {
        assets: q.flag("includePassAssets")?,
        summary: q.flag("summary")?,
        read: true,
        listing: true,
    };
    let host = host(&headers);
    let mut store = state.lock();
    let ws = &*store.workspace(caller.workspace_id);
    let finds_nothing = state.deviates(Deviation::SearchFindsNothing) && search.is_some();
    let matches = |p: &StoredPass| {
        !p.deleted
            && !finds_nothing
            && search
                .as_deref()
                .is_none_or(|s| p.pass_name.to_lowercase().contains(s))
            && name.as_deref().is_none_or(|n| p.pass_name == n)
            && (ids.is_empty() || ids.contains(&p.id))
            && (statuses.is_empty() || statuses.iter().any(|s| s == p.visible_status()))
    };
    let page = seek_page(
        &ws.passes,
        |p| p.seq,
        matches,
        cursor,
        limit,
        boundary(&state),
        |p| render(&state, caller.workspace_id, ws, p, opts, &host),
    );
    answer(StatusCode::OK, &page)
}

/// The page-boundary deviation switched on, if any.
pub fn boundary(state: &SimState) -> Boundary {
    if state.deviates(Deviation::SkipItemAcrossPages) {
        Boundary::SkipOne
    } else if state.deviates(Deviation::RepeatItemAcrossPages) {
        Boundary::RepeatOne
    } else {
        Boundary::Exact
    }
}

/// `PATCH /wallet-pass/{id}` → 200 `WalletPassInfo`. `passName` and `passMetadata` are required
/// and replace the stored ones whole; the optional top-level properties replace the stored ones
/// only when present.
pub async fn update(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    check_id("id", &id)?;
    let valid = validate(parse_body(&body)?)?;
    let host = host(&headers);
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    if ws.pass(&id, false).is_none() {
        return Err(ApiError::not_found(&id));
    }
    if ws.name_taken(&valid.name, Some(&id)) {
        return Err(duplicate_name());
    }
    let ignore = state.deviates(Deviation::IgnorePatch);
    let revert = state.deviates(Deviation::RevertUntouchedOnPatch);
    let pass = ws.pass_mut(&id).ok_or_else(|| ApiError::not_found(&id))?;
    let mut updated = pass.clone();
    updated.metadata = valid.metadata;
    if revert {
        revert_untouched(pass, &mut updated.metadata);
    }
    updated.pass_name = valid.name;
    if let Some(uploads) = valid.uploads {
        updated.uploads = uploads;
    }
    if valid.notification_header.is_some() {
        updated.notification_header = valid.notification_header;
    }
    if let Some(slug) = valid.slug {
        updated.slug = slug;
    }
    if let Some(status) = valid.status {
        updated.status = status;
        updated.ready_at = None;
    }
    if valid.account.is_some() {
        updated.account = valid.account;
    }
    updated.updated = OffsetDateTime::now_utc();
    updated.updated_by = caller.user_id.to_owned();
    if !ignore {
        *pass = updated.clone();
    }
    let ws = &store.workspaces[caller.workspace_id];
    let body = render(
        &state,
        caller.workspace_id,
        ws,
        &updated,
        Render::default(),
        &host,
    );
    answer(StatusCode::OK, &body)
}

/// `RevertUntouchedOnPatch`: the front fields (top and secondary) sent unchanged fall back to
/// their state before they were ever set, that is, they are dropped; only the changed ones stay.
fn revert_untouched(current: &StoredPass, next: &mut PassMetadata) {
    let before = &current.metadata;
    if next.top_field.is_some() && next.top_field == before.top_field {
        next.top_field = None;
    }
    let old = before.secondary_fields.clone().unwrap_or_default();
    if let Some(fields) = next.secondary_fields.as_mut() {
        fields.retain(|f| !old.contains(f));
    }
}

/// `DELETE /wallet-pass/{id}` → 204 (from the removed-endpoints document).
pub async fn delete(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    check_id("id", &id)?;
    let keep_readable = state.deviates(Deviation::DeletedAnswers200);
    let mut store = state.lock();
    let ws = store.workspace(caller.workspace_id);
    if !ws.remove_pass(&id, keep_readable) {
        return Err(ApiError::not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}
