//! ubpass identifiers, checked before they go into a request path: every id the spec puts in
//! a path (`{id}`, `{locationId}`) and the workspace id match `^[a-zA-Z0-9-_]+$`.

use walletpass_core::{Error, ErrorKind, Result};

/// The id pattern of path ids and `x-workspace-id`: `^[a-zA-Z0-9-_]+$`.
pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

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
