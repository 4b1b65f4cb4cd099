//! Auth headers supplied by each backend, kept as secrets: never in Debug, logs or errors, and
//! marked sensitive on the wire so that reqwest's own Debug output hides them too.

use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, ErrorKind, Operation};

/// The headers that authenticate every request of one provider.
///
/// ```
/// use secrecy::SecretString;
/// use walletpass_core::http::AuthHeaders;
/// let auth = AuthHeaders::new()
///     .with("x-api-key", SecretString::from("sk_live_123"))?
///     .with("x-account-id", SecretString::from("aid_0x1"))?;
/// let shown = format!("{auth:?}");
/// assert!(shown.contains("x-api-key") && !shown.contains("sk_live_123"));
/// # Ok::<(), walletpass_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct AuthHeaders(Vec<(HeaderName, SecretString)>);

impl AuthHeaders {
    /// No auth headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a header; its name (any case) and value must be valid in a header.
    pub fn with(mut self, name: &'static str, value: SecretString) -> Result<Self, Error> {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::new(
                ErrorKind::Config,
                format!("'{name}' is not a valid header name"),
            )
            .with_operation(Operation::Configure)
        })?;
        HeaderValue::from_str(value.expose_secret()).map_err(|_| {
            Error::new(
                ErrorKind::Config,
                format!("the value for the {name} header has characters a header cannot carry"),
            )
            .with_operation(Operation::Configure)
        })?;
        self.0.push((header, value));
        Ok(self)
    }

    /// A bearer token in `Authorization`.
    pub fn bearer(token: &SecretString) -> Result<Self, Error> {
        Self::new().with(
            "authorization",
            SecretString::from(format!("Bearer {}", token.expose_secret())),
        )
    }

    /// Write the headers into `headers`, marked sensitive.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.0 {
            if let Ok(mut v) = HeaderValue::from_str(value.expose_secret()) {
                v.set_sensitive(true);
                headers.insert(name.clone(), v);
            }
        }
    }

    /// The header names, for logs.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }
}

impl fmt::Debug for AuthHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(n, _)| (n.as_str(), "[REDACTED]")))
            .finish()
    }
}
