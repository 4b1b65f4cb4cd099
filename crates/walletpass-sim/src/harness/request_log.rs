//! The request log: the latest requests a simulator received, kept compact, with exact
//! counters over all of them; read back as [`LoggedRequest`]s whose `Debug` hides credentials.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

use super::{DEFAULT_REQUEST_LOG, Fault};

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
/// capacity is [`SimConfig::request_log`](super::SimConfig::request_log)) plus exact counters over every request since the
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

    pub(super) fn push(&self, entry: RawEntry) {
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

/// A request as the log keeps it, compact: one allocation for the request line and headers and
/// one for a body (none without), all copied, so no kept entry pins a connection's read buffer.
/// Turned into a [`LoggedRequest`] only when read.
#[derive(Debug)]
pub(super) struct RawEntry {
    method: Method,
    /// The path and query as received, then `name:value\n` per header in the order received
    /// (a name holds no `:`, a value no line break).
    head: Vec<u8>,
    /// Where the path and query end in `head`.
    target_len: usize,
    body: Bytes,
    pub(super) status: u16,
    pub(super) fault: Option<Fault>,
}

impl RawEntry {
    pub(super) fn new(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Self {
        let target = uri
            .path_and_query()
            .map_or_else(|| uri.path(), |pq| pq.as_str());
        let size = target.len()
            + headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len() + 2)
                .sum::<usize>();
        let mut head = Vec::with_capacity(size);
        head.extend_from_slice(target.as_bytes());
        for (name, value) in headers {
            head.extend_from_slice(name.as_str().as_bytes());
            head.push(b':');
            head.extend_from_slice(value.as_bytes());
            head.push(b'\n');
        }
        Self {
            method: method.clone(),
            head,
            target_len: target.len(),
            body: Bytes::copy_from_slice(body),
            status: 0,
            fault: None,
        }
    }

    fn to_logged(&self) -> LoggedRequest {
        let (target, packed) = self.head.split_at(self.target_len);
        let target = String::from_utf8_lossy(target);
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (&*target, None),
        };
        let headers = packed
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
