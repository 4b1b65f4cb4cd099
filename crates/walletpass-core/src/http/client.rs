//! The provider HTTP client: builds requests under the base URL, sends them with auth, retries
//! what is safe to retry, and turns error answers into [`Error`] through the backend's
//! [`ErrorParser`].
//!
//! Retry rules: 429 and connection failures (the request never reached the vendor) are retried
//! for every request; 408, 5xx, timeouts and broken responses are ambiguous (the vendor may have
//! applied the request), so they are retried only for idempotent requests: GET, HEAD, PUT,
//! DELETE, OPTIONS, or any request marked with [`RequestBuilder::idempotent`].

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use reqwest::Method;
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::{AuthHeaders, BaseUrl, RetryPolicy};
use crate::error::{Error, ErrorKind, Operation, Result};

/// Turns a vendor's error answer (status, headers, body) into an [`Error`]. Each backend has
/// one; the client then adds the provider, operation, status and `Retry-After`.
pub trait ErrorParser: Send + Sync + 'static {
    /// Build the error for a non-success answer.
    fn parse(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error;
}

impl<F> ErrorParser for F
where
    F: Fn(StatusCode, &HeaderMap, &[u8]) -> Error + Send + Sync + 'static,
{
    fn parse(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
        self(status, headers, body)
    }
}

/// The parser used when a backend sets none: the kind from the status, the body as message.
fn default_parser(status: StatusCode, _: &HeaderMap, body: &[u8]) -> Error {
    Error::new(
        ErrorKind::from_status(status.as_u16()),
        snippet(body).unwrap_or_else(|| status.to_string()),
    )
}

/// Whether a JSON key names a secret (`secret`, `bearer_token`, `password`, `apiKey`, ...).
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "secret",
        "token",
        "password",
        "apikey",
        "api_key",
        "api-key",
        "credential",
    ]
    .iter()
    .any(|word| key.contains(word))
}

/// Replace the values of secret-named keys, at any depth.
fn redact(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) {
                    *v = serde_json::Value::String("[REDACTED]".into());
                } else {
                    redact(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The first 500 characters of a body, for messages. A JSON body is quoted with the values of
/// secret-named keys replaced, since answers such as a webhook create carry a one-time secret.
fn snippet(body: &[u8]) -> Option<String> {
    let redacted = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .map(|mut v| {
            redact(&mut v);
            v.to_string()
        });
    let raw = String::from_utf8_lossy(body);
    let text = redacted.as_deref().unwrap_or(&raw).trim();
    if text.is_empty() {
        None
    } else {
        Some(text.chars().take(500).collect())
    }
}

/// Builds an [`HttpClient`].
pub struct HttpClientBuilder {
    provider: &'static str,
    base_url: Option<String>,
    auth: AuthHeaders,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    rps: Option<f64>,
    user_agent: String,
    parser: Arc<dyn ErrorParser>,
}

impl HttpClientBuilder {
    /// The base URL (https, or http to loopback).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The auth headers sent with every request.
    pub fn auth(mut self, auth: AuthHeaders) -> Self {
        self.auth = auth;
        self
    }

    /// The timeout of one attempt (default 30 s); an attempt never runs past the retry budget.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Send at most `rps` requests per second (retries included); `None` for no limit.
    pub fn rate_limit(mut self, rps: Option<f64>) -> Self {
        self.rps = rps;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// The backend's error parser.
    pub fn error_parser(mut self, parser: impl ErrorParser) -> Self {
        self.parser = Arc::new(parser);
        self
    }

    /// Check the settings and build the client.
    pub fn build(self) -> Result<HttpClient> {
        let config = |message: String| {
            Error::new(ErrorKind::Config, message)
                .with_provider(self.provider)
                .with_operation(Operation::Configure)
        };
        let base = self
            .base_url
            .as_deref()
            .ok_or_else(|| config("base_url: no base URL was configured".into()))
            .and_then(|url| BaseUrl::parse(url).map_err(|e| e.with_provider(self.provider)))?;
        let limiter = match self.rps {
            None => None,
            Some(rps) if rps.is_finite() && rps > 0.0 => {
                let period = Duration::try_from_secs_f64(1.0 / rps)
                    .map_err(|_| config(format!("rate_limit: {rps} requests/s is too low")))?;
                let quota = Quota::with_period(period)
                    .ok_or_else(|| config(format!("rate_limit: {rps} requests/s is too high")))?
                    .allow_burst(NonZeroU32::MIN);
                Some(Arc::new(RateLimiter::direct(quota)))
            }
            Some(rps) => {
                return Err(config(format!(
                    "rate_limit: expected a positive number of requests per second, got {rps}"
                )));
            }
        };
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            config(format!(
                "user_agent: '{}' has characters a header cannot carry",
                self.user_agent.escape_debug()
            ))
        })?;
        let inner = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(user_agent.clone())
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| config("could not build the HTTP client".into()).with_source(e))?;
        // The headers every request carries are built once, not per request: the auth values
        // (checked, marked sensitive) and the two reqwest would add to each request otherwise
        // (`user-agent` and its default `accept: */*`), so that it finds them present.
        let mut base_headers = HeaderMap::new();
        base_headers.insert(header::USER_AGENT, user_agent);
        base_headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        self.auth.apply(&mut base_headers);
        Ok(HttpClient {
            inner: Arc::new(Inner {
                provider: self.provider,
                base,
                timeout: self.timeout,
                auth: self.auth,
                base_headers,
                retry: self.retry,
                limiter,
                client: inner,
                parser: self.parser,
            }),
        })
    }
}

/// Follow a redirect only within the origin (scheme, host and port) of the first request: reqwest
/// strips `Authorization` when a redirect leaves the origin, but not other auth headers such as
/// `X-API-Key`, and it would follow https to plain http. A redirect elsewhere is answered as is.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= 10 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

struct Inner {
    provider: &'static str,
    base: BaseUrl,
    timeout: Duration,
    auth: AuthHeaders,
    /// The headers of every request, built once at `build`: `user-agent`, `accept` and `auth`'s
    /// values (marked sensitive).
    base_headers: HeaderMap,
    retry: RetryPolicy,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    client: reqwest::Client,
    parser: Arc<dyn ErrorParser>,
}

/// One provider's HTTP client. Cheap to clone: clones share the connection pool and limiter.
///
/// ```no_run
/// # async fn demo() -> walletpass_core::Result<()> {
/// use walletpass_core::http::{HttpClient, Method};
/// use walletpass_core::Operation;
/// let client = HttpClient::builder("example").base_url("https://api.example.com/v1").build()?;
/// let body: serde_json::Value = client
///     .request(Operation::Get, Method::GET, &["passes", "abc"])
///     .send_json()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("provider", &self.inner.provider)
            .field("base_url", &self.inner.base)
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("rate_limited", &self.inner.limiter.is_some())
            .finish()
    }
}

impl HttpClient {
    /// A builder for `provider` (the name errors and spans carry).
    pub fn builder(provider: &'static str) -> HttpClientBuilder {
        HttpClientBuilder {
            provider,
            base_url: None,
            auth: AuthHeaders::new(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            rps: None,
            user_agent: concat!("walletpass/", env!("CARGO_PKG_VERSION")).to_owned(),
            parser: Arc::new(default_parser),
        }
    }

    /// The provider name.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// Start a request for `segments` under the base URL (each segment percent-encoded).
    pub fn request(
        &self,
        operation: Operation,
        method: Method,
        segments: &[&str],
    ) -> RequestBuilder<'_> {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        RequestBuilder {
            client: self,
            operation,
            method,
            url: self.inner.base.join(segments),
            headers: HeaderMap::new(),
            body: None,
            idempotent,
            resource: None,
            error: None,
        }
    }
}

/// A request being built; [`send`](Self::send) runs it with retries.
pub struct RequestBuilder<'a> {
    client: &'a HttpClient,
    operation: Operation,
    method: Method,
    url: url::Url,
    headers: HeaderMap,
    body: Option<Bytes>,
    idempotent: bool,
    resource: Option<String>,
    error: Option<Error>,
}

impl RequestBuilder<'_> {
    /// Add a query parameter.
    pub fn query(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.url
            .query_pairs_mut()
            .append_pair(name, &value.to_string());
        self
    }

    /// Add a query parameter when `value` is `Some`.
    pub fn query_opt(self, name: &str, value: Option<impl fmt::Display>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Add a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Add a header whose value is a secret (marked sensitive, never logged).
    pub fn secret_header(mut self, name: HeaderName, value: &SecretString) -> Self {
        use secrecy::ExposeSecret;
        match HeaderValue::from_str(value.expose_secret()) {
            Ok(mut v) => {
                v.set_sensitive(true);
                self.headers.insert(name, v);
            }
            Err(_) => {
                self.error.get_or_insert(Error::new(
                    ErrorKind::InvalidInput,
                    format!("the {name} header value has characters a header cannot carry"),
                ));
            }
        }
        self
    }

    /// Send `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        // Most bodies are a few hundred bytes: started at 512, the buffer is rarely regrown
        // (`to_vec` starts at 128 and doubles).
        let mut bytes = Vec::with_capacity(512);
        match serde_json::to_writer(&mut bytes, body) {
            Ok(()) => {
                self.body = Some(bytes.into());
                self.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Err(e) => {
                self.error.get_or_insert(
                    Error::new(
                        ErrorKind::InvalidInput,
                        "the request body could not be encoded",
                    )
                    .with_source(e),
                );
            }
        }
        self
    }

    /// Send one file as `multipart/form-data` under `field`. The body is built once, so a
    /// retried upload sends the same bytes.
    pub fn multipart_file(
        mut self,
        field: &str,
        file_name: &str,
        content_type: &str,
        data: &[u8],
    ) -> Self {
        let boundary = format!("walletpass-{}", uuid::Uuid::new_v4().simple());
        let escape = |s: &str| s.replace(['"', '\r', '\n'], "_");
        let mut body = Vec::with_capacity(data.len() + 256);
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n",
                escape(field),
                escape(file_name)
            )
            .as_bytes(),
        );
        body.extend_from_slice(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        match HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}")) {
            Ok(v) => {
                self.headers.insert(header::CONTENT_TYPE, v);
                self.body = Some(body.into());
            }
            Err(e) => {
                self.error.get_or_insert(
                    Error::new(ErrorKind::InvalidInput, "invalid multipart content type")
                        .with_source(e),
                );
            }
        }
        self
    }

    /// Mark whether the request may be repeated after an ambiguous failure (a timed-out POST
    /// that the vendor may have applied). Set it for a create with a caller-chosen serial or an
    /// idempotency key.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Name the resource the request is about, for error messages.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Send, retrying what is safe to retry, and return the first successful answer.
    ///
    /// A function returning an `async move` block rather than an `async fn`: an `async fn`
    /// keeps its by-value `self` twice in its future (the argument and the body's copy of it),
    /// and every caller's future embeds this one, so the extra 300 bytes were copied at each
    /// level of every call.
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    pub fn send(mut self) -> impl Future<Output = Result<ApiResponse>> + Send {
        async move { self.send_inner().await }
    }

    // Every future above this one embeds its state, and is moved whole at each level of every
    // call, so what only a retry needs is boxed: the backoff (120 bytes), the limiter's wait
    // (168) and the sleep (96) are allocated when used, and an attempt's outcome is
    // classified in a plain function rather than kept across the sleep (136). The state is
    // 168 bytes, where it was 560 (`cargo +nightly rustc ... -- -Zprint-type-sizes`).
    async fn send_inner(&mut self) -> Result<ApiResponse> {
        let inner = &self.client.inner;
        if let Some(error) = self.error.take() {
            return Err(self.decorate(error));
        }
        let started = Instant::now();
        // Built at the first retry: most calls succeed at once and never need one.
        let mut backoff = None;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            if let Some(limiter) = &inner.limiter {
                Box::pin(limiter.until_ready()).await;
            }
            let span = self.span(attempt);
            // The budget bounds the whole call, so an attempt gets at most what is left of it.
            let left = inner.retry.budget.saturating_sub(started.elapsed());
            let timeout = (left < inner.timeout).then(|| left.max(Duration::from_millis(1)));
            // The attempt (reqwest's response and body futures) is boxed: every future above
            // this one embeds it otherwise. Boxed, it is allocated once an attempt, small
            // enough for the allocator's per-thread cache. A span no subscriber listens to is
            // not worth a wrapper: the attempt runs instrumented only when the span is recorded.
            let once = Box::pin(self.attempt_once(timeout));
            let outcome = if span.is_disabled() {
                once.await
            } else {
                once.instrument(span.clone()).await
            };
            let error = match self.outcome(outcome, &span) {
                Ok(response) => return Ok(response),
                Err((error, false)) => return Err(error),
                Err((error, true)) => error,
            };
            let wait = self.retry_wait(error, attempt, started, &mut backoff)?;
            Box::pin(tokio::time::sleep(wait)).await;
        }
    }

    /// The span of an attempt. Out of line: its field values are built on the stack, in this
    /// call's frame rather than in the frame that polls the request.
    #[inline(never)]
    fn span(&self, attempt: u32) -> tracing::Span {
        tracing::debug_span!(
            "walletpass.http",
            provider = self.client.inner.provider,
            operation = %self.operation,
            method = %self.method,
            path = %self.url.path(),
            attempt,
            status = tracing::field::Empty,
        )
    }

    /// The answer of an attempt, or the error it ended in (decorated) and whether the request
    /// may be tried again.
    fn outcome(
        &self,
        outcome: Attempt,
        span: &tracing::Span,
    ) -> Result<ApiResponse, (Error, bool)> {
        let (error, retry_safe) = match outcome {
            Attempt::Answer(response) if response.status.is_success() => {
                span.record("status", response.status.as_u16());
                return Ok(response);
            }
            Attempt::Answer(response) => {
                span.record("status", response.status.as_u16());
                let error = self.parse_error(&response);
                let safe = error.kind() == ErrorKind::RateLimited;
                (error, safe)
            }
            Attempt::NotSent(error) => (error, true),
            Attempt::Ambiguous(error) => (error, false),
        };
        let error = self.decorate(error);
        let retry = error.is_retryable() && (retry_safe || self.idempotent);
        Err((error, retry))
    }

    /// How long to wait before the next attempt after `error`, or the error to end the call
    /// with when no attempt or no time is left.
    fn retry_wait(
        &self,
        error: Error,
        attempt: u32,
        started: Instant,
        backoff: &mut Option<Box<dyn Iterator<Item = Duration> + Send>>,
    ) -> Result<Duration> {
        let retry = &self.client.inner.retry;
        // Out of attempts or of time: the error says so, so that no retry loop above the
        // client multiplies the attempts (`Error::is_exhausted`). A client whose policy
        // allows one attempt (`RetryPolicy::none()`) has no budget to use up: it leaves
        // retrying to its caller, and its errors are not marked.
        let Some(wait) = backoff
            .get_or_insert_with(|| Box::new(retry.backoff()))
            .next()
        else {
            return Err(if retry.max_attempts > 1 {
                error.exhausted()
            } else {
                error
            });
        };
        let wait = error.retry_after().map_or(wait, |asked| asked.max(wait));
        // A vendor may ask for any wait (`Retry-After: 18446744073709551615`): no overflow.
        if started.elapsed().saturating_add(wait) > retry.budget {
            return Err(error.exhausted());
        }
        tracing::debug!(
            provider = self.client.inner.provider,
            operation = %self.operation,
            attempt,
            kind = %error.kind(),
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        Ok(wait)
    }

    /// `error` with this request's provider, operation and resource, where it has none.
    fn decorate(&self, error: Error) -> Error {
        let error = error
            .with_provider(self.client.inner.provider)
            .or_operation(self.operation);
        match (&self.resource, error.resource()) {
            (Some(resource), None) => error.with_resource(resource.clone()),
            _ => error,
        }
    }
    /// Send, decode the JSON answer and convert it with `convert`: a backend's conversion from
    /// its wire type runs in this future, so the backend adds no `async` level of its own. An
    /// answer that does not decode is an [`ErrorKind::Decode`] error and `convert` is not
    /// called; an error `convert` returns is returned as it is.
    ///
    /// ```no_run
    /// # async fn demo() -> walletpass_core::Result<()> {
    /// use walletpass_core::http::{HttpClient, Method};
    /// use walletpass_core::Operation;
    /// let client = HttpClient::builder("example").base_url("https://api.example.com/v1").build()?;
    /// let count: usize = client
    ///     .request(Operation::List, Method::GET, &["passes"])
    ///     .send_json_map(|passes: Vec<serde_json::Value>| Ok(passes.len()))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[allow(clippy::manual_async_fn)] // not an `async fn`, which would store `self` twice
    pub fn send_json_map<T, U, F>(mut self, convert: F) -> impl Future<Output = Result<U>> + Send
    where
        T: DeserializeOwned,
        F: FnOnce(T) -> Result<U> + Send,
    {
        async move {
            let response = self.send_inner().await?;
            self.answer(&response, convert)
        }
    }

    /// The answer decoded and converted. Out of line, so that the decoded value and the
    /// conversion's locals live in this call's stack frame, not in the frame that polls the
    /// request: that frame sits above every poll of reqwest's and hyper's futures, which a
    /// large one pushes onto stack lines the cache holds less often.
    #[inline(never)]
    fn answer<T, U, F>(&self, response: &ApiResponse, convert: F) -> Result<U>
    where
        T: DeserializeOwned,
        F: FnOnce(T) -> Result<U>,
    {
        let answer = response.json().map_err(|e| {
            e.with_provider(self.client.inner.provider)
                .or_operation(self.operation)
        })?;
        convert(answer)
    }

    /// Send and decode the JSON answer.
    pub fn send_json<T: DeserializeOwned>(self) -> impl Future<Output = Result<T>> + Send {
        self.send_json_map(Ok)
    }

    fn parse_error(&self, response: &ApiResponse) -> Error {
        let inner = &self.client.inner;
        let mut error = inner
            .parser
            .parse(response.status, &response.headers, &response.body);
        if error.status().is_none() {
            error = error.with_status(response.status.as_u16());
        }
        if error.retry_after().is_none()
            && let Some(wait) = retry_after(&response.headers)
        {
            error = error.with_retry_after(wait);
        }
        error
    }

    /// The reqwest request for one attempt. Not part of [`attempt_once`](Self::attempt_once)'s
    /// body, so the request and its headers are not kept in that future's state.
    ///
    /// `timeout` is set only when it is shorter than the client's own (which reqwest applies
    /// otherwise): a request's timeout is kept in a map reqwest allocates for it.
    fn build(&self, timeout: Option<Duration>) -> reqwest::Request {
        let inner = &self.client.inner;
        // The values are shared bytes: cloning them copies no secret. A request header replaces
        // `user-agent` or `accept`, but not an auth header.
        let mut headers = inner.base_headers.clone();
        for (name, value) in &self.headers {
            if !inner.auth.names().any(|auth| auth == name.as_str()) {
                headers.insert(name.clone(), value.clone());
            }
        }
        // The request is assembled in place (no reqwest builder copying the headers again).
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        *request.headers_mut() = headers;
        if timeout.is_some() {
            *request.timeout_mut() = timeout;
        }
        if let Some(body) = &self.body {
            *request.body_mut() = Some(body.clone().into());
        }
        request
    }

    async fn attempt_once(&self, timeout: Option<Duration>) -> Attempt {
        let (status, headers, body) =
            match self.client.inner.client.execute(self.build(timeout)).await {
                // The response is consumed in this arm, so it is not kept in the future beside
                // the read of its body.
                Ok(mut response) => (
                    response.status(),
                    std::mem::take(response.headers_mut()),
                    response.bytes(),
                ),
                Err(e) => return classify(e),
            };
        match body.await {
            Ok(body) => Attempt::Answer(ApiResponse {
                status,
                headers,
                body,
            }),
            Err(e) => Attempt::Ambiguous(
                Error::new(
                    ErrorKind::Transport,
                    format!("the connection broke while reading a {status} answer"),
                )
                .with_status(status.as_u16())
                .with_source(e.without_url()),
            ),
        }
    }
}

enum Attempt {
    Answer(ApiResponse),
    /// Failed before the request could reach the vendor: safe to retry.
    NotSent(Error),
    /// Failed after the request may have reached the vendor.
    Ambiguous(Error),
}

fn classify(e: reqwest::Error) -> Attempt {
    if e.is_connect() {
        Attempt::NotSent(
            Error::new(ErrorKind::Transport, "could not connect").with_source(e.without_url()),
        )
    } else if e.is_timeout() {
        Attempt::Ambiguous(
            Error::new(ErrorKind::Timeout, "the request timed out").with_source(e.without_url()),
        )
    } else if e.is_builder() {
        Attempt::NotSent(
            Error::new(ErrorKind::InvalidInput, "the request could not be built")
                .with_source(e.without_url()),
        )
    } else {
        Attempt::Ambiguous(
            Error::new(ErrorKind::Transport, "the request failed").with_source(e.without_url()),
        )
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// A successful (or, inside an [`ErrorParser`], failed) answer with its body read.
#[derive(Clone, Debug)]
pub struct ApiResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl ApiResponse {
    /// Decode the body as JSON; a [`ErrorKind::Decode`] error quoting the body otherwise.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "could not decode the {} answer: {e}; body: {}",
                    self.status,
                    snippet(&self.body).unwrap_or_default()
                ),
            )
            .with_status(self.status.as_u16())
            .with_source(e)
        })
    }
}
