//! The one error type every provider returns, with a [`ErrorKind`] callers branch on, the
//! vendor's own code and message kept verbatim, and the source error kept as a source.
//!
//! Backends build errors with [`Error::new`] and the `with_*` methods; the HTTP plumbing fills in
//! the provider, operation, status and `Retry-After` it knows about.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::model::ValidationError;

/// What went wrong, in terms a caller can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Credentials are missing or wrong (HTTP 401).
    Unauthorized,
    /// Credentials are valid but may not do this (HTTP 403).
    Forbidden,
    /// The pass, template or subscription does not exist (HTTP 404).
    NotFound,
    /// The request was rejected as malformed or invalid (HTTP 400 / 422), or failed local validation.
    InvalidInput,
    /// The request conflicts with existing state (HTTP 409), such as a duplicate serial.
    Conflict,
    /// The account's plan does not allow this (HTTP 402).
    PaymentRequired,
    /// Too many requests (HTTP 429); see [`Error::retry_after`].
    RateLimited,
    /// The provider does not support this operation or this content.
    Unsupported,
    /// The request timed out (locally or HTTP 408).
    Timeout,
    /// The connection failed or broke.
    Transport,
    /// The vendor failed (HTTP 5xx).
    Server,
    /// The vendor answered something that could not be understood.
    Decode,
    /// The provider is misconfigured (missing credentials, bad base URL).
    Config,
}

impl ErrorKind {
    /// Whether an operation failing with this kind may succeed if tried again later.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::Timeout | ErrorKind::Transport | ErrorKind::Server
        )
    }

    /// The kind a bare HTTP status maps to when the vendor gave nothing more specific.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 | 422 => ErrorKind::InvalidInput,
            401 => ErrorKind::Unauthorized,
            402 => ErrorKind::PaymentRequired,
            403 => ErrorKind::Forbidden,
            404 | 410 => ErrorKind::NotFound,
            405 | 501 => ErrorKind::Unsupported,
            408 => ErrorKind::Timeout,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            s if s >= 500 => ErrorKind::Server,
            _ => ErrorKind::Decode,
        }
    }

    /// The snake_case name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PaymentRequired => "payment_required",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Transport => "transport",
            ErrorKind::Server => "server",
            ErrorKind::Decode => "decode",
            ErrorKind::Config => "config",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The operation an error happened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Create a pass.
    Create,
    /// Read a pass.
    Get,
    /// Partially update a pass.
    Patch,
    /// Replace a pass's content.
    Put,
    /// Delete a pass.
    Delete,
    /// Void a pass.
    Void,
    /// List passes.
    List,
    /// List templates.
    ListTemplates,
    /// Read a template.
    GetTemplate,
    /// Create a template.
    CreateTemplate,
    /// Delete a template.
    DeleteTemplate,
    /// Create a webhook subscription.
    CreateWebhook,
    /// List webhook subscriptions.
    ListWebhooks,
    /// Read a webhook subscription.
    GetWebhook,
    /// Delete a webhook subscription.
    DeleteWebhook,
    /// List a subscription's deliveries.
    WebhookDeliveries,
    /// Verify an inbound webhook delivery.
    VerifyWebhook,
    /// Submit or follow a bulk operation.
    Batch,
    /// Build a provider from configuration.
    Configure,
    /// A vendor-specific operation on a concrete client (`decrypt`, `upload`, ...).
    Vendor(&'static str),
}

impl Operation {
    /// The snake_case name used in messages and tracing.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Get => "get",
            Operation::Patch => "patch",
            Operation::Put => "put",
            Operation::Delete => "delete",
            Operation::Void => "void",
            Operation::List => "list",
            Operation::ListTemplates => "list_templates",
            Operation::GetTemplate => "get_template",
            Operation::CreateTemplate => "create_template",
            Operation::DeleteTemplate => "delete_template",
            Operation::CreateWebhook => "create_webhook",
            Operation::ListWebhooks => "list_webhooks",
            Operation::GetWebhook => "get_webhook",
            Operation::DeleteWebhook => "delete_webhook",
            Operation::WebhookDeliveries => "webhook_deliveries",
            Operation::VerifyWebhook => "verify_webhook",
            Operation::Batch => "batch",
            Operation::Configure => "configure",
            Operation::Vendor(name) => name,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field the vendor (or local validation) rejected, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// The field's name or path as the vendor gave it.
    pub field: String,
    /// Why it was rejected.
    pub message: String,
}

type Source = Box<dyn StdError + Send + Sync + 'static>;

/// The error every walletpass operation returns.
///
/// ```
/// use walletpass_core::{Error, ErrorKind};
/// let err = Error::new(ErrorKind::NotFound, "pass 'abc' does not exist")
///     .with_provider("passninja")
///     .with_status(404)
///     .with_vendor_code("MR2");
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert!(!err.is_retryable());
/// assert!(err.to_string().contains("MR2"));
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    provider: Cow<'static, str>,
    operation: Option<Operation>,
    status: Option<u16>,
    vendor_code: Option<String>,
    message: String,
    resource: Option<String>,
    retry_after: Option<Duration>,
    field_errors: Vec<FieldError>,
    details: Option<serde_json::Value>,
    source: Option<Source>,
    exhausted: bool,
}

impl Error {
    /// A new error of `kind` with a message saying what went wrong.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            kind,
            provider: Cow::Borrowed(""),
            operation: None,
            status: None,
            vendor_code: None,
            message: message.into(),
            resource: None,
            retry_after: None,
            field_errors: Vec::new(),
            details: None,
            source: None,
            exhausted: false,
        }))
    }

    /// The error for an operation `provider` does not support.
    pub fn unsupported(provider: &'static str, operation: Operation) -> Self {
        Error::new(
            ErrorKind::Unsupported,
            format!("{provider} does not support {operation}"),
        )
        .with_provider(provider)
        .with_operation(operation)
    }

    /// An [`ErrorKind::InvalidInput`] error naming the offending field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        Error::new(ErrorKind::InvalidInput, format!("{field}: {message}"))
            .with_field_error(field, message)
    }

    /// Set the provider name (`passninja`, `ubpass`, `passinstance`, `memory`).
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.0.provider = provider.into();
        self
    }

    /// Set the operation.
    pub fn with_operation(mut self, operation: Operation) -> Self {
        self.0.operation = Some(operation);
        self
    }

    /// Set the operation only if none is set yet.
    pub fn or_operation(mut self, operation: Operation) -> Self {
        self.0.operation.get_or_insert(operation);
        self
    }

    /// Set the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Set the vendor's own error code (`MR2`, `NOT_FOUND`, ...).
    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Self {
        self.0.vendor_code = Some(code.into());
        self
    }

    /// Name the resource the error is about (a pass id, a template id).
    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.0.resource = Some(resource.into());
        self
    }

    /// Set how long the vendor asked to wait before trying again.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.0.retry_after = Some(wait);
        self
    }

    /// Add a per-field rejection.
    pub fn with_field_error(
        mut self,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.0.field_errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    /// Keep vendor details that have no other place (ubpass `txId` and `context`, for example).
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.0.details = Some(details);
        self
    }

    /// Keep the underlying error as this error's source.
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Mark the error as having used up its retry budget: the client that returns it already
    /// tried again as often (or as long) as its [`RetryPolicy`](crate::http::RetryPolicy)
    /// allows, so a caller's own retry loop should not try again (see [`Error::is_exhausted`]).
    pub fn exhausted(mut self) -> Self {
        self.0.exhausted = true;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        self.0.kind.is_retryable()
    }

    /// Whether the error already used up the HTTP client's retry budget (attempts or time): the
    /// request was retried as far as the policy allows, so a retry loop above the client should
    /// give up on it rather than multiply the attempts. Only retryable errors are ever marked,
    /// and never by a client built with `RetryPolicy::none()`, which leaves retrying to its
    /// caller.
    ///
    /// ```
    /// use walletpass_core::{Error, ErrorKind};
    /// let err = Error::new(ErrorKind::Server, "503");
    /// assert!(err.is_retryable() && !err.is_exhausted());
    /// assert!(err.exhausted().is_exhausted());
    /// ```
    pub fn is_exhausted(&self) -> bool {
        self.0.exhausted
    }

    /// The provider that failed, empty when not known.
    pub fn provider(&self) -> &str {
        &self.0.provider
    }

    /// The operation that failed.
    pub fn operation(&self) -> Option<Operation> {
        self.0.operation
    }

    /// The HTTP status, when the vendor answered.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The vendor's own error code.
    pub fn vendor_code(&self) -> Option<&str> {
        self.0.vendor_code.as_deref()
    }

    /// The message (the vendor's own message when it sent one).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The resource the error is about.
    pub fn resource(&self) -> Option<&str> {
        self.0.resource.as_deref()
    }

    /// How long the vendor asked to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// Per-field rejections.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.0.field_errors
    }

    /// Vendor details kept verbatim.
    pub fn details(&self) -> Option<&serde_json::Value> {
        self.0.details.as_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.provider.is_empty() {
            write!(f, "{}: ", self.0.provider)?;
        }
        if let Some(op) = self.0.operation {
            write!(f, "{op}: ")?;
        }
        write!(f, "{}", self.0.kind)?;
        match (self.0.status, &self.0.vendor_code) {
            (Some(s), Some(c)) => write!(f, " (HTTP {s}, {c})")?,
            (Some(s), None) => write!(f, " (HTTP {s})")?,
            (None, Some(c)) => write!(f, " ({c})")?,
            (None, None) => {}
        }
        if let Some(resource) = &self.0.resource {
            write!(f, " [{resource}]")?;
        }
        if !self.0.message.is_empty() {
            write!(f, ": {}", self.0.message)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind);
        if !self.0.provider.is_empty() {
            d.field("provider", &self.0.provider);
        }
        if let Some(op) = self.0.operation {
            d.field("operation", &op);
        }
        if let Some(s) = self.0.status {
            d.field("status", &s);
        }
        if let Some(c) = &self.0.vendor_code {
            d.field("vendor_code", c);
        }
        d.field("message", &self.0.message);
        if let Some(r) = &self.0.resource {
            d.field("resource", r);
        }
        if let Some(w) = self.0.retry_after {
            d.field("retry_after", &w);
        }
        if !self.0.field_errors.is_empty() {
            d.field("field_errors", &self.0.field_errors);
        }
        if let Some(details) = &self.0.details {
            d.field("details", details);
        }
        if let Some(source) = &self.0.source {
            d.field("source", source);
        }
        if self.0.exhausted {
            d.field("exhausted", &true);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn StdError + 'static))
    }
}

impl From<ValidationError> for Error {
    fn from(err: ValidationError) -> Self {
        let field = err.field().to_owned();
        Error::new(ErrorKind::InvalidInput, err.to_string())
            .with_field_error(field, err.to_string())
            .with_source(err)
    }
}

/// The result type of walletpass operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds_are_exactly_the_transient_ones() {
        let retryable: Vec<_> = [
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::NotFound,
            ErrorKind::InvalidInput,
            ErrorKind::Conflict,
            ErrorKind::PaymentRequired,
            ErrorKind::RateLimited,
            ErrorKind::Unsupported,
            ErrorKind::Timeout,
            ErrorKind::Transport,
            ErrorKind::Server,
            ErrorKind::Decode,
            ErrorKind::Config,
        ]
        .into_iter()
        .filter(|k| k.is_retryable())
        .collect();
        assert_eq!(
            retryable,
            [
                ErrorKind::RateLimited,
                ErrorKind::Timeout,
                ErrorKind::Transport,
                ErrorKind::Server
            ]
        );
    }

    #[test]
    fn status_maps_to_kind() {
        assert_eq!(ErrorKind::from_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_status(422), ErrorKind::InvalidInput);
        assert_eq!(ErrorKind::from_status(429), ErrorKind::RateLimited);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::Server);
        assert_eq!(ErrorKind::from_status(408), ErrorKind::Timeout);
    }

    #[test]
    fn display_names_provider_operation_status_code_and_resource() {
        let err = Error::new(ErrorKind::NotFound, "no such pass")
            .with_provider("passninja")
            .with_operation(Operation::Get)
            .with_status(404)
            .with_vendor_code("MR2")
            .with_resource("ptk_0x14/abc");
        assert_eq!(
            err.to_string(),
            "passninja: get: not_found (HTTP 404, MR2) [ptk_0x14/abc]: no such pass"
        );
    }

    #[test]
    fn source_is_kept_not_flattened() {
        let io = std::io::Error::other("socket closed");
        let err = Error::new(ErrorKind::Transport, "request failed").with_source(io);
        let source = StdError::source(&err).map(|s| s.to_string());
        assert_eq!(source.as_deref(), Some("socket closed"));
    }
}
