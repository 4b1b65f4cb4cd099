//! Serving a vendor's router on a loopback port behind the shared layer: added latency, the
//! rate limit, fault injection, the body limit, vendor-shaped framework errors, and logging.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Router, ServiceExt};
use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_service::Service;

use super::request_log::{RawEntry, RequestLog};
use super::{Fault, SimConfig};

/// The largest request body a simulator reads (uploads included).
const MAX_BODY: usize = 16 * 1024 * 1024;

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

/// The harness as a service around the whole application (a vendor's router, or a service
/// dispatching to its routers): one boxed future per request, no per-route middleware and no
/// clone of the route per request (what `middleware::from_fn` costs).
#[derive(Clone)]
struct HarnessService<A> {
    harness: Arc<Harness>,
    app: A,
}

impl<A> Service<Request> for HarnessService<A>
where
    A: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    A::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The applications served here (axum routers and what dispatches to them) are always
        // ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let harness = Arc::clone(&self.harness);
        let app = self.app.clone();
        Box::pin(async move { Ok(handle(&harness, app, req).await) })
    }
}

async fn handle<A>(h: &Harness, mut app: A, req: Request) -> Response
where
    A: Service<Request, Response = Response, Error = Infallible>,
{
    if !h.config.latency.is_zero() {
        tokio::time::sleep(h.config.latency).await;
    }
    let (parts, body) = req.into_parts();
    // A request without a body (every GET) goes on as it came; a body is read whole, and one
    // over the limit is refused, never silently emptied.
    let mut too_large = false;
    let (body, read) = if body.is_end_stream() {
        (body, None)
    } else {
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(read) => (Body::empty(), Some(read)),
            Err(_) => {
                too_large = true;
                (Body::empty(), Some(Bytes::new()))
            }
        }
    };
    let mut entry = RawEntry::new(
        &parts.method,
        &parts.uri,
        &parts.headers,
        read.as_deref().unwrap_or_default(),
    );

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
                let request = match read {
                    // The harness bounds bodies (and answers 413 in the vendor's shape), so the
                    // framework's smaller default limit must not cut in first. Set on the
                    // request rather than as a layer on every route; a request without a body
                    // has nothing to limit.
                    Some(read) => {
                        let mut request = Request::from_parts(parts, Body::from(read));
                        axum::extract::DefaultBodyLimit::disable().apply(&mut request);
                        request
                    }
                    None => Request::from_parts(parts, body),
                };
                let response = match app.call(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
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
    serve_app(router, prefix, config, responses).await
}

/// [`serve`] for an application that is not a single router (one that dispatches to routers
/// itself).
pub(crate) async fn serve_app<A>(
    app: A,
    prefix: &str,
    config: &SimConfig,
    responses: VendorResponses,
) -> io::Result<RunningSim>
where
    A: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    A::Future: Send,
{
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
    let app = HarnessService { harness, app };
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app.into_make_service()).with_graceful_shutdown(async {
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
