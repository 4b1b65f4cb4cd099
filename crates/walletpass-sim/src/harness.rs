//! The knobs every simulator shares: added latency, a requests-per-second limit answered the
//! vendor's way, seeded fault injection (5xx answers and dropped responses), a bounded request
//! log for assertions (the last [`SimConfig::request_log`] requests, with exact counters over all
//! of them), deviation switches, and starting a router on a loopback port.
//!
//! A vendor simulator builds its axum `Router` and hands it to [`serve`] together with its
//! [`VendorResponses`] (how that vendor words a 429 and a 5xx); everything else is here.

use std::collections::{BTreeSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, Method, Uri};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The largest request body a simulator reads (uploads included).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// How many requests the log keeps by default: enough for any test's assertions, small enough
/// (a few MiB with bodies) that a simulator under load for days keeps a flat memory.
pub const DEFAULT_REQUEST_LOG: usize = 4096;

/// Settings shared by every simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to bind; the default `127.0.0.1:0` picks a free loopback port.
    pub addr: SocketAddr,
    /// Latency added before every answer.
    pub latency: Duration,
    /// Requests per second accepted before the vendor's 429 answer; `None` is unlimited.
    pub rps: Option<f64>,
    /// Share of requests (0.0..=1.0) answered with the vendor's 5xx before they are handled.
    pub fault_rate: f64,
    /// Share of requests (0.0..=1.0) that are handled but whose response is cut off mid-way,
    /// as when a connection drops after the vendor applied the change.
    pub drop_rate: f64,
    /// Seed of the fault injector, so a run can be repeated.
    pub seed: u64,
    /// Vendor-plausible mistakes switched on, for proving that the conformance suite bites.
    pub deviations: BTreeSet<Deviation>,
    /// How many of the latest requests the [`RequestLog`] keeps, with headers and body (older
    /// ones are dropped; the counters cover every request). 0 keeps none.
    pub request_log: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
            rps: None,
            fault_rate: 0.0,
            drop_rate: 0.0,
            seed: 0,
            deviations: BTreeSet::new(),
            request_log: DEFAULT_REQUEST_LOG,
        }
    }
}

impl SimConfig {
    /// Whether a deviation switch is on.
    pub fn deviates(&self, deviation: Deviation) -> bool {
        self.deviations.contains(&deviation)
    }
}

/// One vendor-plausible mistake a simulator can be told to make.
///
/// Each simulator implements the switches that make sense for its vendor; the conformance suite
/// must report a failure for each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Deviation {
    /// A stored field is missing when the pass is read back.
    DropFieldOnRead,
    /// A partial update answers success but changes nothing.
    IgnorePatch,
    /// A partial update reverts the fields it did not name.
    RevertUntouchedOnPatch,
    /// A list page boundary skips one item.
    SkipItemAcrossPages,
    /// A list page boundary repeats one item.
    RepeatItemAcrossPages,
    /// A deleted pass still answers 200 on read.
    DeletedAnswers200,
    /// An unknown field key is answered with the wrong error code.
    WrongErrorForBadKey,
    /// Webhook deliveries are signed with a secret other than the subscriber's.
    WrongWebhookSecret,
    /// The barcode is lost on read.
    LoseBarcode,
    /// A field's label changes on read.
    ChangeLabel,
    /// Search ignores case sensitivity rules and returns nothing.
    SearchFindsNothing,
    /// Invalid credentials are accepted.
    AcceptBadCredentials,
    /// A listed pass lacks a field that a read of the same pass has (a listing served from a
    /// stale or partial index).
    ListDropsField,
}

impl Deviation {
    /// Every switch, for tests that turn each on in turn.
    pub const ALL: [Deviation; 13] = [
        Deviation::DropFieldOnRead,
        Deviation::IgnorePatch,
        Deviation::RevertUntouchedOnPatch,
        Deviation::SkipItemAcrossPages,
        Deviation::RepeatItemAcrossPages,
        Deviation::DeletedAnswers200,
        Deviation::WrongErrorForBadKey,
        Deviation::WrongWebhookSecret,
        Deviation::LoseBarcode,
        Deviation::ChangeLabel,
        Deviation::SearchFindsNothing,
        Deviation::AcceptBadCredentials,
        Deviation::ListDropsField,
    ];
}

/// Which kind of fault the injector chose for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answered with the vendor's 5xx before the request was handled.
    ServerError,
    /// Handled, then the response was cut off.
    DropResponse,
}

/// One request as the simulator received it, with the status it answered. Its `Debug` output
/// redacts credential headers; the fields themselves keep them, for tests that pin them.
#[derive(Clone)]
pub struct LoggedRequest {
    /// HTTP method, upper case.
    pub method: String,
    /// Path, percent-encoded as received.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request headers, names lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// Raw request body.
    pub body: Bytes,
    /// Status answered.
    pub status: u16,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
}

/// Headers whose values are credentials.
const SECRET_HEADERS: [&str; 4] = ["authorization", "x-api-key", "api-key", "x-account-id"];

impl std::fmt::Debug for LoggedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let secret = SECRET_HEADERS.iter().any(|s| n.eq_ignore_ascii_case(s));
                (n.as_str(), if secret { "[REDACTED]" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("LoggedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .field("status", &self.status)
            .field("fault", &self.fault)
            .finish()
    }
}

impl LoggedRequest {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the method changes state (anything but GET, HEAD and OPTIONS).
    pub fn is_write(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    }
}

/// The shared log of requests a simulator received: a ring buffer of the latest entries (its
/// capacity is [`SimConfig::request_log`]) plus exact counters over every request since the
/// start (or the last [`clear`](Self::clear)).
#[derive(Clone, Debug)]
pub struct RequestLog(Arc<Mutex<LogState>>);

#[derive(Debug)]
struct LogState {
    entries: VecDeque<RawEntry>,
    capacity: usize,
    received: usize,
    writes: usize,
}

impl Default for RequestLog {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_REQUEST_LOG)
    }
}

impl RequestLog {
    /// An empty log keeping the latest `capacity` requests.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(Mutex::new(LogState {
            entries: VecDeque::with_capacity(capacity.min(DEFAULT_REQUEST_LOG)),
            capacity,
            received: 0,
            writes: 0,
        })))
    }

    fn lock(&self) -> MutexGuard<'_, LogState> {
        // A poisoned log only means a handler panicked mid-push; the entries are still valid.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the entries kept (the latest requests, oldest first).
    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.lock()
            .entries
            .iter()
            .map(RawEntry::to_logged)
            .collect()
    }

    /// How many requests were received (every one, including those no longer kept).
    pub fn len(&self) -> usize {
        self.lock().received
    }

    /// Whether no request was received.
    pub fn is_empty(&self) -> bool {
        self.lock().received == 0
    }

    /// How many state-changing requests were received (every one, including those no longer
    /// kept).
    pub fn writes(&self) -> usize {
        self.lock().writes
    }

    /// How many entries the log keeps at most.
    pub fn capacity(&self) -> usize {
        self.lock().capacity
    }

    /// Forget every entry and reset the counters.
    pub fn clear(&self) {
        let mut log = self.lock();
        log.entries.clear();
        log.received = 0;
        log.writes = 0;
    }

    fn push(&self, entry: RawEntry) {
        let mut log = self.lock();
        log.received += 1;
        if !matches!(entry.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            log.writes += 1;
        }
        if log.capacity == 0 {
            return;
        }
        if log.entries.len() == log.capacity {
            log.entries.pop_front();
        }
        log.entries.push_back(entry);
    }
}

/// A request as the log keeps it, compact: three allocations per request (target, headers,
/// body), all copied, so no kept entry pins a connection's read buffer. Turned into a
/// [`LoggedRequest`] only when read.
#[derive(Debug)]
struct RawEntry {
    method: Method,
    /// Path and query, as received.
    target: String,
    /// `name:value\n` per header, in the order received (a name holds no `:`, a value no
    /// line break).
    headers: Vec<u8>,
    body: Bytes,
    status: u16,
    fault: Option<Fault>,
}

impl RawEntry {
    fn new(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Self {
        let mut packed = Vec::with_capacity(headers.len() * 48);
        for (name, value) in headers {
            packed.extend_from_slice(name.as_str().as_bytes());
            packed.push(b':');
            packed.extend_from_slice(value.as_bytes());
            packed.push(b'\n');
        }
        Self {
            method: method.clone(),
            target: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned()),
            headers: packed,
            body: Bytes::copy_from_slice(body),
            status: 0,
            fault: None,
        }
    }

    fn to_logged(&self) -> LoggedRequest {
        let (path, query) = match self.target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (self.target.as_str(), None),
        };
        let headers = self
            .headers
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| {
                let at = line.iter().position(|b| *b == b':').unwrap_or(line.len());
                let (name, value) = line.split_at(at);
                (
                    String::from_utf8_lossy(name).into_owned(),
                    String::from_utf8_lossy(value.get(1..).unwrap_or_default()).into_owned(),
                )
            })
            .collect();
        LoggedRequest {
            method: self.method.as_str().to_owned(),
            path: path.to_owned(),
            query,
            headers,
            body: self.body.clone(),
            status: self.status,
            fault: self.fault,
        }
    }
}

/// How a vendor words the answers the harness produces on its behalf.
#[derive(Clone, Copy, Debug)]
pub struct VendorResponses {
    /// The vendor's 429 answer, given the number of seconds to wait.
    pub rate_limited: fn(u64) -> Response,
    /// The vendor's answer to an internal failure.
    pub server_error: fn() -> Response,
    /// The vendor's error answer with `status` and `message`, for the errors the harness and
    /// the HTTP framework produce on the vendor's behalf: a body over 16 MiB (413), a path
    /// that does not decode, a method a route does not have. Every error a simulator answers
    /// is in its vendor's JSON shape.
    pub error: fn(StatusCode, &str) -> Response,
}

/// A simulator running on a loopback port. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSim {
    addr: SocketAddr,
    base_url: String,
    log: RequestLog,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL a client is configured with, including the vendor's path prefix
    /// (for example `http://127.0.0.1:PORT/v1`), with no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    /// Stop accepting connections and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Wait until the server stops (it runs until shut down or dropped).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

struct Harness {
    config: SimConfig,
    responses: VendorResponses,
    log: RequestLog,
    rng: Mutex<StdRng>,
    bucket: Mutex<TokenBucket>,
}

/// A token bucket holding one second's worth of requests.
struct TokenBucket {
    tokens: f64,
    last: Instant,
}

impl Harness {
    fn take_token(&self) -> Result<(), u64> {
        let Some(rps) = self.config.rps else {
            return Ok(());
        };
        let mut bucket = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let capacity = rps.max(1.0);
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rps).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rps;
            Err(wait.ceil().max(1.0) as u64)
        }
    }

    fn draw_fault(&self) -> Option<Fault> {
        if self.config.fault_rate <= 0.0 && self.config.drop_rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        let roll: f64 = rng.random();
        if roll < self.config.fault_rate {
            Some(Fault::ServerError)
        } else if roll < self.config.fault_rate + self.config.drop_rate {
            Some(Fault::DropResponse)
        } else {
            None
        }
    }
}

async fn harness_layer(State(h): State<Arc<Harness>>, req: Request, next: Next) -> Response {
    if !h.config.latency.is_zero() {
        tokio::time::sleep(h.config.latency).await;
    }
    let (parts, body) = req.into_parts();
    // A body over the limit is refused, never silently emptied.
    let (body, too_large) = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => (body, false),
        Err(_) => (Bytes::new(), true),
    };
    let mut entry = RawEntry::new(&parts.method, &parts.uri, &parts.headers, &body);

    let response = if too_large {
        (h.responses.error)(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the request body is larger than {} MiB",
                MAX_BODY / (1024 * 1024)
            ),
        )
    } else if let Err(wait) = h.take_token() {
        (h.responses.rate_limited)(wait)
    } else {
        match h.draw_fault() {
            Some(Fault::ServerError) => {
                entry.fault = Some(Fault::ServerError);
                (h.responses.server_error)()
            }
            fault => {
                let response = next.run(Request::from_parts(parts, Body::from(body))).await;
                if fault == Some(Fault::DropResponse) {
                    entry.fault = fault;
                    cut_off(response)
                } else {
                    response
                }
            }
        }
    };
    let response = in_vendor_shape(&h.responses, response).await;
    entry.status = response.status().as_u16();
    h.log.push(entry);
    response
}

/// An error answer that is not JSON (the framework's own rejections: a path that does not
/// decode, a method a route lacks, an extractor's limit) rewritten in the vendor's shape, with
/// the same status and the framework's text as the message.
async fn in_vendor_shape(responses: &VendorResponses, response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let mut rewritten = (responses.error)(status, &message);
    // Headers the framework set (`Allow` on a 405) stay; the body's own are the new body's.
    for (name, value) in &parts.headers {
        if name != http::header::CONTENT_TYPE && name != http::header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}

/// Keep the head of a response but make its body fail, so the connection is aborted after the
/// handler has applied the change: the client sees a broken response, not an answer.
fn cut_off(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(http::header::CONTENT_LENGTH);
    let failing = futures::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "simulated dropped connection",
        ))
    });
    Response::from_parts(parts, Body::from_stream(failing))
}

/// Start `router` on `config.addr` behind the shared harness. `prefix` is the vendor's base path
/// (`/v1`, `/api/v1`), used only to report the base URL.
pub async fn serve(
    router: Router,
    prefix: &str,
    config: &SimConfig,
    responses: VendorResponses,
) -> io::Result<RunningSim> {
    let listener = TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let log = RequestLog::with_capacity(config.request_log);
    let harness = Arc::new(Harness {
        config: config.clone(),
        responses,
        log: log.clone(),
        rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
        bucket: Mutex::new(TokenBucket {
            tokens: config.rps.unwrap_or(0.0).max(1.0),
            last: Instant::now(),
        }),
    });
    // The harness bounds bodies (and answers 413 in the vendor's shape), so the framework's
    // smaller default limit must not cut in first.
    let app = router
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(harness, harness_layer));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(err) = server.await {
            tracing::error!(%err, "simulator stopped with an error");
        }
    });
    Ok(RunningSim {
        addr,
        base_url: format!("http://{addr}{prefix}"),
        log,
        shutdown: Some(tx),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, n: usize) -> RawEntry {
        let headers = HeaderMap::from_iter([
            (
                http::header::ACCEPT,
                http::HeaderValue::from_static("application/json"),
            ),
            (
                http::header::HeaderName::from_static("x-note"),
                http::HeaderValue::from_static("a:b c"),
            ),
        ]);
        let uri = format!("/v1/passes/{n}?page=1").parse().unwrap();
        RawEntry::new(&method.parse().unwrap(), &uri, &headers, b"{}")
    }

    #[test]
    fn the_log_keeps_the_latest_entries_and_counts_every_request() {
        let log = RequestLog::with_capacity(3);
        for n in 0..10 {
            log.push(request(if n % 2 == 0 { "GET" } else { "PATCH" }, n));
        }
        let entries = log.entries();
        let kept: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(kept, ["/v1/passes/7", "/v1/passes/8", "/v1/passes/9"]);
        let last = &entries[2];
        assert_eq!(
            (last.method.as_str(), last.query.as_deref(), &last.body[..]),
            ("PATCH", Some("page=1"), &b"{}"[..])
        );
        assert_eq!(
            last.headers,
            [
                ("accept".to_owned(), "application/json".to_owned()),
                ("x-note".to_owned(), "a:b c".to_owned())
            ]
        );
        assert_eq!((log.len(), log.writes()), (10, 5));
        log.clear();
        assert!(log.is_empty() && log.entries().is_empty() && log.writes() == 0);
        let none = RequestLog::with_capacity(0);
        none.push(request("POST", 1));
        assert!(none.entries().is_empty());
        assert_eq!((none.len(), none.writes()), (1, 1));
    }

    #[test]
    fn debug_redacts_credential_headers() {
        let entry = LoggedRequest {
            method: "GET".into(),
            path: "/v1/passes".into(),
            query: None,
            headers: vec![
                ("x-api-key".into(), "sk_secret_value".into()),
                ("Authorization".into(), "Bearer tok_secret".into()),
                ("accept".into(), "application/json".into()),
            ],
            body: Bytes::new(),
            status: 200,
            fault: None,
        };
        let shown = format!("{entry:?}");
        assert!(
            !shown.contains("sk_secret_value") && !shown.contains("tok_secret"),
            "{shown}"
        );
        assert!(shown.contains("application/json"));
        assert_eq!(entry.header("X-API-KEY"), Some("sk_secret_value"));
    }
}
