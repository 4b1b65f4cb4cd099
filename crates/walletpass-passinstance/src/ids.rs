//! Identifiers of the vendor resources the canonical model has no place for: bundles and push
//! notifications (batch jobs have theirs in [`crate::batch`]).

use std::fmt;

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
