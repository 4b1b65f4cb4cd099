//! Attaching the provider and the operation to an error once per call, instead of by hand at
//! every place an error can arise: a backend writes the body of an operation with bare `?` and
//! ends it with [`ResultExt::at`], or builds a local error with [`Error::at`].
//!
//! The operation attached last wins: it is the call the user made, and a request sent on its
//! behalf (the read after a write, the list walked to find one subscription) is reported as
//! part of it. The provider is kept when one is already set.
//!
//! ```
//! use walletpass_core::{Error, ErrorKind, Operation, ResultExt};
//! fn read() -> walletpass_core::Result<()> {
//!     Err(Error::new(ErrorKind::NotFound, "no such pass").with_operation(Operation::Get))
//! }
//! let err = read().at("passninja", Operation::Patch).unwrap_err();
//! assert_eq!(err.provider(), "passninja");
//! assert_eq!(err.operation(), Some(Operation::Patch));
//! ```

use crate::error::{Error, Operation, Result};

impl Error {
    /// Attach `provider` (unless one is set) and `operation` (replacing any set before: the
    /// operation is the call the user made).
    pub fn at(self, provider: &'static str, operation: Operation) -> Self {
        let error = if self.provider().is_empty() {
            self.with_provider(provider)
        } else {
            self
        };
        error.with_operation(operation)
    }
}

/// [`Error::at`] on a result, for any error that converts into [`Error`] (a
/// [`ValidationError`](crate::ValidationError) included).
pub trait ResultExt<T> {
    /// Attach `provider` and `operation` to the error, if any.
    fn at(self, provider: &'static str, operation: Operation) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn at(self, provider: &'static str, operation: Operation) -> Result<T> {
        self.map_err(|e| e.into().at(provider, operation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn the_provider_is_kept_and_the_operation_is_the_last_one_attached() {
        let inner = Error::new(ErrorKind::Server, "503")
            .with_provider("ubpass")
            .with_operation(Operation::List);
        let err = inner.at("passninja", Operation::Create);
        assert_eq!(err.provider(), "ubpass");
        assert_eq!(err.operation(), Some(Operation::Create));
        assert_eq!(err.to_string(), "ubpass: create: server: 503");
    }

    #[test]
    fn a_validation_error_converts_and_gets_the_context() {
        let err = crate::TemplateId::new("")
            .at("passinstance", Operation::GetTemplate)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.provider(), "passinstance");
        assert_eq!(err.operation(), Some(Operation::GetTemplate));
    }
}
