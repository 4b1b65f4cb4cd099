//! ubpass identifiers, checked before they go into a request path: every id the spec puts in
//! a path (`{id}`, `{locationId}`) and the workspace id match `^[a-zA-Z0-9-_]+$`, a pattern
//! that also keeps out everything that would change a URL path (`/`, `.` and `..`, `%`, `?`,
//! `#`, whitespace).
//!
//! Passes are addressed by the core [`PassId`](walletpass_core::PassId), checked here before a
//! request; the vendor resources the canonical model has no place for have their own id types,
//! [`LocationId`] and [`NotificationId`], checked when they are built and when they are read
//! from an answer (an id the vendor returns is one it accepts back in a path).
//!
//! ```
//! use walletpass_ubpass::{LocationId, NotificationId};
//! let id: LocationId = "1f089d37-5ebe-6778-af59-99631cec7ab5".parse().unwrap();
//! assert_eq!(id.to_string(), "1f089d37-5ebe-6778-af59-99631cec7ab5");
//! assert!(NotificationId::new("../stats").is_err());
//! assert!(NotificationId::new("").is_err());
//! ```

use walletpass_core::{Error, ErrorKind, Result};

/// The pattern every path id and the workspace id follow, as the spec writes it.
const ID_PATTERN: &str = "^[a-zA-Z0-9-_]+$";

/// The rule of this crate's ids, as an [`id_type!`](macro@walletpass_core::id_type) check:
/// `^[a-zA-Z0-9-_]+$` (the spec's pattern for path ids and `x-workspace-id`); the error is what
/// the id should be.
pub(crate) fn path_id(id: &str) -> std::result::Result<(), &'static str> {
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err("letters, digits, - and _ only (^[a-zA-Z0-9-_]+$)")
    }
}

/// Whether `id` matches `^[a-zA-Z0-9-_]+$`.
pub(crate) fn is_valid_id(id: &str) -> bool {
    path_id(id).is_ok()
}

/// Check an id against `^[a-zA-Z0-9-_]+$` before it goes into a path, naming `field`.
pub(crate) fn check_id(field: &str, id: &str) -> Result<()> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{field}: '{id}' does not match {ID_PATTERN}"),
        )
        .with_field_error(field, format!("must match {ID_PATTERN}"))
        .with_resource(id))
    }
}

/// A comma-separated id filter (assumption U12), `None` when there are no ids. Each id is
/// checked against the pattern first, naming `field[i]`, so that none can split the filter.
pub(crate) fn join_ids<T: AsRef<str>>(field: &str, ids: &[T]) -> Result<Option<String>> {
    if ids.is_empty() {
        return Ok(None);
    }
    for (i, id) in ids.iter().enumerate() {
        check_id(&format!("{field}[{i}]"), id.as_ref())?;
    }
    let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    Ok(Some(ids.join(",")))
}

walletpass_core::id_type! {
    /// A pass location's id (`/wallet-pass-location/{locationId}`), such as
    /// `1f089d37-5ebe-6778-af59-99631cec7ab5`.
    pub struct LocationId {
        field: "location_id",
        check: path_id,
    }

    /// A push notification's id (`/wallet-pass/notifications/{id}`), such as
    /// `1f089d37-5ebe-6778-af59-99631cec7ab5`.
    pub struct NotificationId {
        field: "notification_id",
        check: path_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_ids_follow_the_path_pattern() {
        // ubpass-openapi.json, the `locationId` and notification `id` path parameters:
        // `pattern: ^[a-zA-Z0-9-_]+$`.
        for ok in ["1f089d37-5ebe-6778-af59-99631cec7ab5", "a", "A_b-9"] {
            assert_eq!(LocationId::new(ok).unwrap().as_str(), ok);
            assert_eq!(NotificationId::new(ok).unwrap().to_string(), ok);
        }
        for bad in [
            "", ".", "..", "a/b", "../x", "%2e%2e", "a?b", "a#b", "a\\b", "a b", "a.b", "é",
        ] {
            assert!(LocationId::new(bad).is_err(), "{bad}");
            assert!(NotificationId::new(bad).is_err(), "{bad}");
        }
        let err = LocationId::new("a/b").unwrap_err();
        assert_eq!(err.field(), "location_id");
        assert!(err.to_string().contains("'a/b'"), "{err}");
        assert_eq!(
            NotificationId::new("x y").unwrap_err().field(),
            "notification_id"
        );
    }

    #[test]
    fn vendor_ids_read_and_write_as_strings_through_the_check() {
        let id: LocationId = serde_json::from_str("\"loc-1\"").unwrap();
        assert_eq!(format!("{id:?}"), "LocationId(\"loc-1\")");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"loc-1\"");
        assert!(serde_json::from_str::<NotificationId>("\"a/b\"").is_err());
        assert!(serde_json::from_str::<NotificationId>("3").is_err());
    }

    #[test]
    fn id_filters_are_joined_with_commas_after_the_check() {
        // ubpass-openapi.json, `GET /wallet-pass-location` `ids` and `passSerialNumbers`
        // (arrays; the examples write them comma-separated, assumption U12).
        assert_eq!(join_ids::<&str>("ids", &[]).unwrap(), None);
        assert_eq!(
            join_ids("ids", &["a", "b-1"]).unwrap().as_deref(),
            Some("a,b-1")
        );
        let err = join_ids("passSerialNumbers", &["ok", "x,y"]).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "passSerialNumbers[1]");
    }

    #[test]
    fn check_id_names_the_field_and_the_pattern() {
        check_id("pass_id", "abc-1_2").unwrap();
        let err = check_id("pass_id", "a/b").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors()[0].field, "pass_id");
        assert!(err.to_string().contains("^[a-zA-Z0-9-_]+$"), "{err}");
    }
}
