//! The upload endpoints (`/uploads`, `/uploads/s3`, `/uploads/s3-url`,
//! `/uploads/finalize/s3-copy`) and a loopback stand-in for the S3 bucket that pre-signed URLs
//! point at (`PUT`/`GET /sim-s3/{key}`), so the whole S3 flow runs against the simulator.
//!
//! The docs disagree on the `POST /uploads` answer (`{key, url}` in the guide, `{msg}` in the
//! OpenAPI file); the simulator answers both at once: `{"key", "url", "msg": key}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::auth::Caller;
use super::error::ApiError;
use super::model::check_id;
use super::paging::QueryParams;
use super::state::{SimState, StoredUpload, new_id};

/// Where an uploaded asset can be fetched.
pub fn asset_url(host: &str, key: &str) -> String {
    format!("http://{host}/sim-s3/{key}")
}

fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// One part of a `multipart/form-data` body.
#[derive(Debug)]
struct Part {
    name: String,
    file_name: Option<String>,
    data: Bytes,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (from..=haystack.len() - needle.len()).find(|&i| &haystack[i..i + needle.len()] == needle)
}

fn disposition_param(line: &str, param: &str) -> Option<String> {
    let key = format!("{param}=\"");
    let start = line.find(&key)? + key.len();
    let end = line[start..].find('"')? + start;
    Some(line[start..end].to_owned())
}

/// Split a `multipart/form-data` body into its parts.
fn parse_multipart(content_type: &str, body: &Bytes) -> Option<Vec<Part>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut pos = find(body, delimiter.as_bytes(), 0)? + delimiter.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            break;
        }
        let head_start = pos + 2;
        let head_end = find(body, b"\r\n\r\n", head_start)?;
        let head = std::str::from_utf8(&body[head_start..head_end]).ok()?;
        let data_start = head_end + 4;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), data_start)?;
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
        parts.push(Part {
            name: disposition_param(disposition, "name").unwrap_or_default(),
            file_name: disposition_param(disposition, "filename"),
            data: body.slice(data_start..next),
        });
        pos = next + 2 + delimiter.len();
    }
    Some(parts)
}

/// The `file` part of a multipart body, or the `INVALID_INPUT` answer naming `file`.
fn file_part(headers: &HeaderMap, body: &Bytes) -> Result<Part, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("multipart/form-data") {
        return Err(ApiError::invalid(
            "file",
            "must be sent as multipart/form-data",
        ));
    }
    parse_multipart(content_type, body)
        .ok_or_else(|| ApiError::malformed("multipart body could not be read"))?
        .into_iter()
        .find(|p| p.name == "file")
        .ok_or_else(|| ApiError::invalid("file", "must not be null"))
}

/// `POST /uploads` (multipart field `file`) → 200 `{key, url, msg}`.
pub async fn upload(
    State(state): State<Arc<SimState>>,
    _caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let part = file_part(&headers, &body)?;
    let key = new_id();
    state.lock().uploads.insert(
        key.clone(),
        StoredUpload {
            file_name: part.file_name,
            bytes: Some(part.data),
            finalized: true,
        },
    );
    let url = asset_url(&host(&headers), &key);
    Ok(Json(json!({ "key": key, "url": url, "msg": key })))
}

/// `POST /uploads/s3?bucket=` → 200 `{msg: "<bucket>/<key>"}`. Takes the file as a multipart
/// `file` part or, since the spec gives this endpoint a JSON body, as the raw body.
pub async fn upload_s3(
    State(state): State<Arc<SimState>>,
    _caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let q = QueryParams::parse(raw.as_deref());
    let bucket = q
        .one("bucket")
        .filter(|b| !b.is_empty())
        .ok_or_else(|| ApiError::invalid("bucket", "must not be null"))?
        .to_owned();
    let (file_name, data) = match file_part(&headers, &body) {
        Ok(part) => (part.file_name, part.data),
        Err(_) if !body.is_empty() => (None, body),
        Err(err) => return Err(err),
    };
    let key = new_id();
    state.lock().uploads.insert(
        key.clone(),
        StoredUpload {
            file_name,
            bytes: Some(data),
            finalized: true,
        },
    );
    Ok(Json(json!({ "msg": format!("{bucket}/{key}") })))
}

/// `GET /uploads/s3-url` → 200 `SignedURLResponse {key, url}`; the URL takes a `PUT`.
pub async fn presign(
    State(state): State<Arc<SimState>>,
    _caller: Caller,
    headers: HeaderMap,
) -> Json<Value> {
    let key = new_id();
    state.lock().uploads.insert(
        key.clone(),
        StoredUpload {
            file_name: None,
            bytes: None,
            finalized: false,
        },
    );
    let url = format!(
        "{}?X-Amz-Expires=900&X-Amz-Signature=simulated",
        asset_url(&host(&headers), &key)
    );
    Json(json!({ "key": key, "url": url }))
}

/// `POST /uploads/finalize/s3-copy?key=&extn=` → 200 `{msg: <url>}`.
pub async fn finalize(
    State(state): State<Arc<SimState>>,
    _caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = QueryParams::parse(raw.as_deref());
    let key = q.one("key").filter(|k| !k.is_empty());
    let extn = q.one("extn").filter(|e| !e.is_empty());
    let (key, extn) = match (key, extn) {
        (Some(k), Some(e)) => (k.to_owned(), e.trim_start_matches('.').to_owned()),
        (None, _) => return Err(ApiError::invalid("key", "must not be null")),
        (_, None) => return Err(ApiError::invalid("extn", "must not be null")),
    };
    let mut store = state.lock();
    let upload = store
        .uploads
        .get_mut(&key)
        .ok_or_else(|| ApiError::not_found(&key))?;
    if upload.bytes.is_none() {
        return Err(
            ApiError::invalid_operation("Nothing was uploaded to the pre-signed URL.")
                .with("key", key),
        );
    }
    upload.finalized = true;
    if upload.file_name.is_none() {
        upload.file_name = Some(format!("{key}.{extn}"));
    }
    Ok(Json(json!({ "msg": asset_url(&host(&headers), &key) })))
}

/// `PUT /sim-s3/{key}`: the stand-in bucket receiving a pre-signed upload.
pub async fn s3_put(
    State(state): State<Arc<SimState>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    if check_id("key", &key).is_err() {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut store = state.lock();
    match store.uploads.get_mut(&key) {
        Some(upload) if upload.bytes.is_none() => {
            upload.bytes = Some(body);
            StatusCode::OK.into_response()
        }
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}

/// `GET /sim-s3/{key}`: fetch an uploaded asset.
pub async fn s3_get(State(state): State<Arc<SimState>>, Path(key): Path<String>) -> Response {
    let store = state.lock();
    match store.uploads.get(&key).and_then(|u| u.bytes.clone()) {
        Some(bytes) if store.uploads.get(&key).is_some_and(|u| u.finalized) => {
            ([(header::CONTENT_TYPE, "image/png")], bytes).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_parts_are_split() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\r\n--XyZ--\r\n",
        );
        let parts = parse_multipart("multipart/form-data; boundary=XyZ", &body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].file_name.as_deref(), Some("logo.png"));
        assert_eq!(&parts[1].data[..], b"\x89PNG\r\n");
    }
}
