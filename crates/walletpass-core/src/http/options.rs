//! [`HttpOptions`]: the HTTP settings every vendor configuration embeds (API root, timeout,
//! retry, rate limit, user agent), with one set of setters ([`http_setters!`](crate::http_setters))
//! and one way to build the backend's [`HttpClient`] from them.

use std::fmt;
use std::time::Duration;

use crate::error::Result;
use crate::http::{AuthHeaders, ErrorParser, HttpClient, RetryPolicy, shown_url_text};

/// The HTTP settings of one vendor configuration.
///
/// ```
/// use std::time::Duration;
/// use walletpass_core::http::{HttpOptions, RetryPolicy};
/// let options = HttpOptions::new("https://api.example.com/v1");
/// assert_eq!(options.timeout, Duration::from_secs(30));
/// assert_eq!(options.retry, RetryPolicy::default());
/// assert_eq!(options.rate_limit, None);
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct HttpOptions {
    /// The API root (https, or http to a loopback host).
    pub base_url: String,
    /// Timeout of one attempt.
    pub timeout: Duration,
    /// Retries of 429, 5xx and connection failures.
    pub retry: RetryPolicy,
    /// Client-side requests-per-second limit; `None` for no limit.
    pub rate_limit: Option<f64>,
    /// The `User-Agent` header; `None` for the client's default.
    pub user_agent: Option<String>,
}

impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpOptions")
            .field("base_url", &shown_url_text(&self.base_url))
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl HttpOptions {
    /// `base_url` with the defaults: 30 s per attempt, the default retry policy, no rate limit.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            rate_limit: None,
            user_agent: None,
        }
    }

    /// Whether `self` and `other` name the same API root (compared trimmed and without a
    /// trailing `/`).
    pub fn same_root(&self, other: &HttpOptions) -> bool {
        fn root(url: &str) -> &str {
            url.trim().trim_end_matches('/')
        }
        root(&self.base_url) == root(&other.base_url)
    }

    /// Build the backend's client: these options, the backend's auth headers and error parser.
    pub fn client(
        &self,
        provider: &'static str,
        auth: AuthHeaders,
        parser: impl ErrorParser,
    ) -> Result<HttpClient> {
        let mut builder = HttpClient::builder(provider)
            .base_url(self.base_url.clone())
            .auth(auth)
            .timeout(self.timeout)
            .retry(self.retry.clone())
            .rate_limit(self.rate_limit)
            .error_parser(parser);
        if let Some(agent) = &self.user_agent {
            builder = builder.user_agent(agent.clone());
        }
        builder.build()
    }
}

/// The setters of [`HttpOptions`], written once, as inherent methods of a vendor configuration
/// whose options are in a field named `http`: `with_base_url`, `with_timeout`, `with_retry`,
/// `with_rate_limit` and `with_user_agent`.
///
/// ```
/// use walletpass_core::http::HttpOptions;
/// #[derive(Clone, Debug)]
/// pub struct DemoConfig {
///     pub http: HttpOptions,
/// }
/// impl DemoConfig {
///     walletpass_core::http_setters!();
/// }
/// let config = DemoConfig { http: HttpOptions::new("https://api.example.com") }
///     .with_base_url("http://127.0.0.1:9")
///     .with_rate_limit(5.0);
/// assert_eq!(config.http.base_url, "http://127.0.0.1:9");
/// assert_eq!(config.http.rate_limit, Some(5.0));
/// ```
#[macro_export]
macro_rules! http_setters {
    () => {
        /// Use another API root (a simulator, staging, a proxy).
        pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
            self.http.base_url = url.into();
            self
        }

        /// Set the timeout of one attempt.
        pub fn with_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.http.timeout = timeout;
            self
        }

        /// Set the retry policy (429, 5xx and connection failures).
        pub fn with_retry(mut self, retry: $crate::http::RetryPolicy) -> Self {
            self.http.retry = retry;
            self
        }

        /// Send at most `rps` requests per second (retries included).
        pub fn with_rate_limit(mut self, rps: f64) -> Self {
            self.http.rate_limit = Some(rps);
            self
        }

        /// Set the `User-Agent` header.
        pub fn with_user_agent(mut self, agent: impl Into<String>) -> Self {
            self.http.user_agent = Some(agent.into());
            self
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_a_password_in_the_url() {
        let options = HttpOptions::new("https://user:hunter2@api.example.com/v1");
        let shown = format!("{options:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn roots_compare_without_a_trailing_slash() {
        let a = HttpOptions::new("https://api.example.com/v1/");
        assert!(a.same_root(&HttpOptions::new(" https://api.example.com/v1")));
        assert!(!a.same_root(&HttpOptions::new("https://api.example.com/v2")));
    }

    fn parser(
        status: reqwest::StatusCode,
        _: &reqwest::header::HeaderMap,
        _: &[u8],
    ) -> crate::Error {
        crate::Error::new(crate::ErrorKind::from_status(status.as_u16()), "demo")
    }

    #[test]
    fn the_client_is_built_from_the_options() {
        let client = HttpOptions::new("http://127.0.0.1:9/v1")
            .client("demo", AuthHeaders::new(), parser)
            .unwrap();
        assert_eq!(client.provider(), "demo");
        let err = HttpOptions::new("http://example.com/v1")
            .client("demo", AuthHeaders::new(), parser)
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
    }
}
