//! Variations of a documented answer, for robustness tests of the clients: the example with
//! each optional key removed, with unknown keys added at every level, and with each value at
//! its type's extremes. A client that reads the example must read every variation (a vendor
//! that leaves out an optional key, adds a new one, or sends a large count is still following
//! its docs).

use serde_json::{Value, json};

/// What to vary and what to leave alone.
#[derive(Clone, Debug, Default)]
pub struct Keep {
    /// JSON pointers (`/id`, `/pass/points`) of keys that are never removed: the ones the docs
    /// make required, or without which an answer cannot name what it is about.
    pub present: Vec<String>,
    /// JSON pointers of string values left as they are: ids and other values the answer is
    /// matched on.
    pub verbatim: Vec<String>,
}

impl Keep {
    /// Keep `present` keys and `verbatim` values.
    pub fn new(present: &[&str], verbatim: &[&str]) -> Self {
        Self {
            present: present.iter().map(|p| (*p).to_owned()).collect(),
            verbatim: verbatim.iter().map(|p| (*p).to_owned()).collect(),
        }
    }
}

/// Extreme values of each JSON type.
fn extremes(value: &Value) -> Vec<Value> {
    match value {
        Value::Number(_) => vec![
            json!(0),
            json!(-1),
            json!(i64::MIN),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(f64::MAX),
            json!(-f64::MAX),
            json!(f64::MIN_POSITIVE),
            json!(0.5),
        ],
        Value::String(_) => vec![
            json!(""),
            json!(" "),
            json!("\u{1F600}\u{0301}\u{202E}é"),
            Value::String("x".repeat(10_000)),
        ],
        Value::Bool(b) => vec![json!(!b)],
        _ => Vec::new(),
    }
}

fn walk(value: &Value, at: &str, keep: &Keep, out: &mut Vec<(String, Value)>, root: &Value) {
    let replace = |pointer: &str, new: Option<Value>, root: &Value| -> Value {
        let mut copy = root.clone();
        let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        let last = last.replace("~1", "/").replace("~0", "~");
        match copy.pointer_mut(parent) {
            Some(Value::Object(map)) => match new {
                Some(v) => {
                    map.insert(last, v);
                }
                None => {
                    map.remove(&last);
                }
            },
            Some(Value::Array(items)) => {
                if let (Ok(i), Some(v)) = (last.parse::<usize>(), new)
                    && let Some(slot) = items.get_mut(i)
                {
                    *slot = v;
                }
            }
            _ => {}
        }
        copy
    };
    match value {
        Value::Object(map) => {
            let mut with_unknown = root.clone();
            if let Some(Value::Object(target)) = with_unknown.pointer_mut(at) {
                target.insert(
                    "zzUnknownKey".into(),
                    json!({"nested": [1, "two", null, {"deep": true}]}),
                );
                target.insert("zz_unknown_number".into(), json!(-1.5e300));
            }
            out.push((format!("unknown keys added at '{at}'"), with_unknown));
            for (key, child) in map {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                if !keep.present.contains(&pointer) {
                    out.push((
                        format!("'{pointer}' removed"),
                        replace(&pointer, None, root),
                    ));
                    if !child.is_null() {
                        out.push((
                            format!("'{pointer}' null"),
                            replace(&pointer, Some(Value::Null), root),
                        ));
                    }
                }
                walk(child, &pointer, keep, out, root);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{at}/{i}"), keep, out, root);
            }
        }
        leaf => {
            if leaf.is_string() && keep.verbatim.iter().any(|v| v == at) {
                return;
            }
            for extreme in extremes(leaf) {
                out.push((
                    format!("'{at}' = {}", shorten(&extreme)),
                    replace(at, Some(extreme), root),
                ));
            }
        }
    }
}

fn shorten(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 40 {
        format!("{}... ({} bytes)", &text[..20], text.len())
    } else {
        text
    }
}

/// Every variation of `example` (each with a description of what changed): keys removed or
/// null (except `keep.present`), unknown keys added, values at their type's extremes (except
/// the strings at `keep.verbatim`).
///
/// ```
/// use serde_json::json;
/// use walletpass_sim::variants::{Keep, variants};
/// let all = variants(&json!({"id": "a", "n": 1}), &Keep::new(&["/id"], &["/id"]));
/// assert!(all.iter().any(|(_, v)| v.get("n").is_none()));
/// assert!(all.iter().all(|(_, v)| v["id"] == "a"));
/// ```
pub fn variants(example: &Value, keep: &Keep) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    walk(example, "", keep, &mut out, example);
    out
}

/// A loopback server that answers `GET <path>` with the body it was last given (and a 404 for
/// any other request), for feeding variations of a documented answer to a client: the path is
/// pinned, the body is the vendor's.
pub struct Answering {
    base: String,
    answer: std::sync::Arc<std::sync::Mutex<(String, Value)>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Answering {
    /// Start on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        use axum::extract::{OriginalUri, State};
        use axum::http::{Method, StatusCode};
        use axum::response::IntoResponse;
        type Shared = std::sync::Arc<std::sync::Mutex<(String, Value)>>;
        async fn answer(
            State(shared): State<Shared>,
            method: Method,
            OriginalUri(uri): OriginalUri,
        ) -> axum::response::Response {
            let (path, body) = shared.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if method == Method::GET && uri.path() == path {
                axum::Json(body).into_response()
            } else {
                let message = format!("not the pinned request: {method} {}", uri.path());
                (StatusCode::NOT_FOUND, message).into_response()
            }
        }
        let shared: Shared = std::sync::Arc::default();
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            base,
            answer: shared,
            _shutdown: tx,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Answer `GET path` with `body` from now on.
    pub fn answer(&self, path: &str, body: &Value) {
        *self.answer.lock().unwrap_or_else(|p| p.into_inner()) = (path.to_owned(), body.clone());
    }
}
