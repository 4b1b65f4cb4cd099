//! Passinstance identifiers: the template id check (the one id format the docs show,
//! `tpl_abcdef1234567890`), and the ids of the vendor resources the canonical model has no
//! place for: bundles and push notifications (batch jobs have theirs in [`crate::batch`]).

use std::fmt;

use walletpass_core::{Error, TemplateId};

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

macro_rules! vendor_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wrap an id.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

vendor_id!(
    /// A bundle's id (`bndl_...`).
    BundleId
);
vendor_id!(
    /// A push notification's id (`ntf_...`).
    NotificationId
);
