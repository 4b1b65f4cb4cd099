//! ubpass identifiers, checked before they go into a request path: every id the spec puts in
//! a path (`{id}`, `{locationId}`) and the workspace id match `^[a-zA-Z0-9-_]+$`.

use walletpass_core::{Error, ErrorKind, Result};

pub(crate) use crate::wire::is_valid_id;

/// Check an id against `^[a-zA-Z0-9-_]+$` before it goes into a path, naming `field`.
pub(crate) fn check_id(field: &str, id: &str) -> Result<()> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{field}: '{id}' does not match ^[a-zA-Z0-9-_]+$"),
        )
        .with_field_error(field, "must match ^[a-zA-Z0-9-_]+$")
        .with_resource(id))
    }
}
