//! Passinstance identifiers: the template id check (the one id format the docs show,
//! `tpl_abcdef1234567890`), and the ids of the vendor resources the canonical model has no
//! place for: bundles, push notifications and batch jobs. The docs publish no format for those
//! three, so they are opaque text held to the core's rule for ids that go into a path or a body
//! (assumption A15), checked when built and when read from an answer.
//!
//! ```
//! use walletpass_passinstance::{BatchId, BundleId, NotificationId};
//! let id: BatchId = "batch_0123456789abcdef".parse().unwrap();
//! assert_eq!(id.to_string(), "batch_0123456789abcdef");
//! assert!(BundleId::new("../bundles").is_err());
//! assert!(NotificationId::new("").is_err());
//! ```

use std::str::FromStr;

use walletpass_core::{Error, ErrorKind, TemplateId, ValidationError};

use crate::PROVIDER;

/// Check a template id: `tpl_` followed by letters, digits, `_` or `-` (the documented
/// `tpl_abcdef1234567890`).
pub fn check_template_id(id: &TemplateId) -> Result<(), Error> {
    let ok = id.as_str().strip_prefix("tpl_").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_field(
            "template_id",
            format!(
                "'{id}' is not a Passinstance template id (expected tpl_ followed by letters and digits, such as tpl_abcdef1234567890)"
            ),
        )
        .with_provider(PROVIDER))
    }
}

walletpass_core::id_type! {
    /// A bundle's id (the simulator writes `bndl_` and 16 hex digits; the format is not
    /// published, assumption A15).
    pub struct BundleId {
        field: "bundle_id",
        check: walletpass_core::id_type::opaque,
    }

    /// A push notification's id (the simulator writes `ntf_` and 16 hex digits; the format is
    /// not published, assumption A15).
    pub struct NotificationId {
        field: "notification_id",
        check: walletpass_core::id_type::opaque,
    }

    /// A batch job's id (`GET /batch/{id}`; the simulator writes `batch_` and 16 hex digits;
    /// the format is not published, assumption A15).
    pub struct BatchId {
        field: "batch_id",
        check: walletpass_core::id_type::opaque,
    }
}

/// An id the vendor answered under `key`, checked as `T`: a [`ErrorKind::Decode`] error naming
/// the key and the id when it does not pass (an id that cannot be sent back is not usable).
pub(crate) fn answered_id<T>(key: &str, id: String) -> Result<T, Error>
where
    T: FromStr<Err = ValidationError>,
{
    id.parse().map_err(|e: ValidationError| {
        Error::new(
            ErrorKind::Decode,
            format!("{key}: the vendor answered '{id}', which is not usable as an id: {e}"),
        )
        .with_provider(PROVIDER)
        .with_source(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_ids_are_opaque_but_safe_in_a_path() {
        // The docs publish no format for these ids (assumption A15): any text the core's
        // opaque rule allows, nothing that changes `/batch/{id}` or splits a body.
        for ok in [
            "bndl_0123456789abcdef",
            "ntf_1",
            "batch_1",
            "42",
            "a.b",
            "A-b_9:x",
        ] {
            assert_eq!(BundleId::new(ok).unwrap().as_str(), ok);
            assert_eq!(NotificationId::new(ok).unwrap().to_string(), ok);
            assert_eq!(BatchId::new(ok).unwrap().as_str(), ok);
        }
        let long = "x".repeat(257);
        for bad in [
            "", ".", "..", "a/b", "../x", "%2e", "a?b", "a#b", "a b", "a\\b", &long,
        ] {
            assert!(BundleId::new(bad).is_err(), "{bad}");
            assert!(NotificationId::new(bad).is_err(), "{bad}");
            assert!(BatchId::new(bad).is_err(), "{bad}");
        }
        let err = BatchId::new("../stats").unwrap_err();
        assert_eq!(err.field(), "batch_id");
        assert!(err.to_string().contains("'../stats'"), "{err}");
        assert_eq!(BundleId::new("").unwrap_err().field(), "bundle_id");
        assert_eq!(
            NotificationId::new("a b").unwrap_err().field(),
            "notification_id"
        );
        // Read from JSON through the same rule (the mechanics are core's `id_type!`).
        assert!(serde_json::from_str::<BundleId>("\"../x\"").is_err());
        assert_eq!(
            serde_json::from_str::<BatchId>("\"batch_1\"").unwrap(),
            BatchId::new("batch_1").unwrap()
        );
    }

    #[test]
    fn an_unusable_answered_id_is_a_decode_error_naming_the_key() {
        let id: BatchId = answered_id("id", "batch_1".into()).unwrap();
        assert_eq!(id.as_str(), "batch_1");
        let err = answered_id::<BundleId>("bundleId", "../x".into()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.to_string().contains("bundleId"), "{err}");
        assert!(err.to_string().contains("'../x'"), "{err}");
    }
}
