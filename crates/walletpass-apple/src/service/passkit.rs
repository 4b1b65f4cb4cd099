//! The PassKit web service endpoints under `webServiceURL/v1` (apple-wallet.md §3), and the
//! download link. `webServiceURL` is `<public URL>/passkit` (assumption A10), so the routes
//! here are mounted under `/passkit/v1`.
//!
//! | call | answers |
//! |---|---|
//! | `POST /v1/devices/{dli}/registrations/{ptid}/{serial}` | 201 new, 200 again (push token updated), 400 bad body, 401 |
//! | `DELETE` the same | 200, 401 |
//! | `GET /v1/devices/{dli}/registrations/{ptid}?passesUpdatedSince=` | 200 `{"serialNumbers":[..],"lastUpdated":".."}`, 204 |
//! | `GET /v1/passes/{ptid}/{serial}` | 200 `application/vnd.apple.pkpass` with `Last-Modified`, 304, 401 |
//! | `POST /v1/log` | 200 |
//!
//! 401 answers have an empty body and are the same whether the serial exists or not.

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use walletpass_core::{PassId, PassRef};

use super::ServiceState;
use super::auth::apple_pass_token;
use crate::PKPASS_MIME;
use crate::store::{PassRow, RegisterOutcome};

type Shared = std::sync::Arc<ServiceState>;

/// The web service routes (to be nested under `/passkit`) and the download link route.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/passkit/v1/devices/{device}/registrations/{pass_type}/{serial}",
            post(register).delete(unregister),
        )
        .route(
            "/passkit/v1/devices/{device}/registrations/{pass_type}",
            get(updated_serials),
        )
        .route("/passkit/v1/passes/{pass_type}/{serial}", get(latest_pass))
        .route("/passkit/v1/log", post(log))
        .route("/passes/{pass_type}/{file}", get(download))
}

/// 1 to 128 characters from `A-Z a-z 0-9 _ . : -` (serials follow the same rule, A5); a
/// device library identifier or pass type id outside it is malformed.
fn well_formed(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
}

/// APNs device tokens are hex (64 characters today; Apple says not to rely on the length).
fn push_token_ok(token: &str) -> bool {
    (16..=200).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn unauthorized() -> Response {
    StatusCode::UNAUTHORIZED.into_response()
}

fn server_error(e: &walletpass_core::Error) -> Response {
    tracing::error!(provider = crate::PROVIDER, error = %e, "web service request failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn bad_request(why: &'static str) -> Response {
    (StatusCode::BAD_REQUEST, why).into_response()
}

/// The authenticated pass, or the status to answer: 401 (or 500, logged).
fn authenticated(
    state: &ServiceState,
    headers: &HeaderMap,
    pass_type: &str,
    serial: &str,
) -> Result<PassRow, StatusCode> {
    if !well_formed(pass_type) || !well_formed(serial) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    match state
        .apple
        .authenticate(pass_type, serial, apple_pass_token(headers))
    {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(StatusCode::UNAUTHORIZED),
        Err(e) => {
            tracing::error!(provider = crate::PROVIDER, error = %e, "web service request failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterBody {
    push_token: String,
}

/// The authenticated pass of a registration path, its device id checked; or the status and
/// text to answer.
fn registration(
    state: &ServiceState,
    headers: &HeaderMap,
    (device, pass_type, serial): &(String, String, String),
) -> Result<PassRow, (StatusCode, &'static str)> {
    let row = authenticated(state, headers, pass_type, serial).map_err(|s| (s, ""))?;
    if !well_formed(device) {
        return Err((
            StatusCode::BAD_REQUEST,
            "deviceLibraryIdentifier is malformed",
        ));
    }
    Ok(row)
}

async fn register(
    State(state): State<Shared>,
    Path(path): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let row = match registration(&state, &headers, &path) {
        Ok(row) => row,
        Err(answer) => return answer.into_response(),
    };
    let device = &path.0;
    let Ok(body) = serde_json::from_slice::<RegisterBody>(&body) else {
        return bad_request("expected a JSON body {\"pushToken\": \"<hex>\"}");
    };
    if !push_token_ok(&body.push_token) {
        return bad_request("pushToken must be 16 to 200 hex characters");
    }
    match state.apple.register_device(device, &body.push_token, &row) {
        Ok(Some(RegisterOutcome::Created)) => StatusCode::CREATED.into_response(),
        Ok(Some(RegisterOutcome::Updated)) => StatusCode::OK.into_response(),
        // Deleted between the authentication and the registration: as if unknown.
        Ok(None) => unauthorized(),
        Err(e) => server_error(&e),
    }
}

async fn unregister(
    State(state): State<Shared>,
    Path(path): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let row = match registration(&state, &headers, &path) {
        Ok(row) => row,
        Err(answer) => return answer.into_response(),
    };
    match state.apple.unregister_device(&path.0, &row) {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => server_error(&e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SinceQuery {
    passes_updated_since: Option<String>,
}

/// The list answer (apple-wallet.md §3 "List"): `lastUpdated` is a string.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SerialNumbers {
    serial_numbers: Vec<String>,
    last_updated: String,
}

async fn updated_serials(
    State(state): State<Shared>,
    Path((device, pass_type)): Path<(String, String)>,
    Query(query): Query<SinceQuery>,
) -> Response {
    if !well_formed(&device) || !well_formed(&pass_type) {
        return bad_request("deviceLibraryIdentifier or passTypeIdentifier is malformed");
    }
    // A tag this server did not issue (not a number) asks for everything (assumption A19).
    let since = query
        .passes_updated_since
        .as_deref()
        .and_then(|t| t.parse::<u64>().ok());
    match state
        .apple
        .serials_updated_since(&device, &pass_type, since)
    {
        Ok(u) if u.serials.is_empty() => StatusCode::NO_CONTENT.into_response(),
        Ok(u) => axum::Json(SerialNumbers {
            serial_numbers: u.serials,
            last_updated: u.last_updated.to_string(),
        })
        .into_response(),
        Err(e) => server_error(&e),
    }
}

/// Seconds since the epoch of a unix-nanosecond time, rounded down.
fn whole_seconds(nanos: i128) -> u64 {
    u64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(0)
}

/// The `Last-Modified` to send for a pass changed at `updated_at` when it is now `now`
/// (assumption A18): HTTP dates have whole seconds, so a pass changed in the current second
/// is dated one second before now, so that a change later in the same second still
/// compares newer.
fn last_modified(updated_at: i128, now: SystemTime) -> u64 {
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    whole_seconds(updated_at).min(now.saturating_sub(1))
}

/// Whether a pass changed at `updated_at` is unchanged for `If-Modified-Since`.
fn not_modified(updated_at: i128, headers: &HeaderMap) -> bool {
    let Some(since) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    else {
        return false;
    };
    let since = since
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    whole_seconds(updated_at) <= since
}

fn http_date(secs: u64) -> HeaderValue {
    let date = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
    HeaderValue::from_str(&date)
        .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

async fn latest_pass(
    State(state): State<Shared>,
    Path((pass_type, serial)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let row = match authenticated(&state, &headers, &pass_type, &serial) {
        Ok(row) => row,
        Err(status) => return status.into_response(),
    };
    if not_modified(row.updated_at, &headers) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    pkpass_response(&state, row).await
}

/// The signed pass, with `Last-Modified` from `row` (read before rendering, so the date is
/// never newer than the content).
async fn pkpass_response(state: &ServiceState, row: PassRow) -> Response {
    let modified = last_modified(row.updated_at, SystemTime::now());
    let apple = state.apple.clone();
    let pass_ref = match PassId::new(row.serial.clone()) {
        Ok(id) => PassRef { template: None, id },
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let signed = tokio::task::spawn_blocking(move || apple.pkpass(&pass_ref)).await;
    match signed {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(PKPASS_MIME)),
                (header::LAST_MODIFIED, http_date(modified)),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) if e.kind() == walletpass_core::ErrorKind::NotFound => {
            StatusCode::NOT_FOUND.into_response()
        }
        Ok(Err(e)) => server_error(&e),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Deserialize)]
struct LogBody {
    logs: Vec<String>,
}

/// Most characters of one device log line kept in our log.
const LOG_LINE: usize = 500;

async fn log(body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<LogBody>(&body) else {
        return bad_request("expected a JSON body {\"logs\": [\"...\"]}");
    };
    for line in &body.logs {
        let line: String = line.chars().take(LOG_LINE).collect();
        tracing::info!(provider = crate::PROVIDER, device_log = %line, "PassKit device log");
    }
    StatusCode::OK.into_response()
}

/// The download link `<public URL>/passes/<pass type id>/<serial>.pkpass` (A10): anyone with
/// the link gets the pass, as with the hosted vendors' links (assumption A20).
async fn download(
    State(state): State<Shared>,
    Path((pass_type, file)): Path<(String, String)>,
) -> Response {
    let Some(serial) = file.strip_suffix(".pkpass") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if pass_type != state.apple.identity().pass_type_id() || !well_formed(serial) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.apple.store().get_pass(serial) {
        Ok(Some(row)) => pkpass_response(&state, row).await,
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => server_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_changed_this_second_is_dated_a_second_earlier() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(100_500);
        // Changed at 100.2 s, now 100.5 s: dated 99, so a change at 100.9 is newer.
        assert_eq!(last_modified(100_200_000_000, now), 99);
        // Changed at 90.2 s: dated 90.
        assert_eq!(last_modified(90_200_000_000, now), 90);
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MODIFIED_SINCE, http_date(90));
        assert!(not_modified(90_900_000_000, &h));
        assert!(!not_modified(91_000_000_000, &h));
        assert!(!not_modified(91_000_000_000, &HeaderMap::new()));
    }
}
