//! The one way an identifier newtype is made, in the core and in every backend:
//! [`id_type!`](macro@crate::id_type) writes the type and its mechanics (`new`, `as_str`, `Display`,
//! `Debug`, `FromStr`, `TryFrom`, `AsRef<str>`, `Into<String>`, and serde that reads through the
//! check); each crate keeps its own rule, the `check` it passes in.
//!
//! A check is a `fn(&str) -> Result<(), &'static str>` whose error is what the id should have
//! been ("letters, digits, - and _ only"); the macro turns it into a
//! [`ValidationError::InvalidId`](crate::ValidationError::InvalidId) that names the field and
//! the input, so every bad id reads `field: invalid id 'input': expected ...`. [`opaque`] is
//! the rule of ids whose format the vendor does not publish.

/// At most this many bytes in an id checked by [`opaque`].
pub const MAX_OPAQUE_ID_LEN: usize = 256;

/// The rule of an id whose format is not published: not empty, at most
/// [`MAX_OPAQUE_ID_LEN`] bytes, no whitespace or control characters, and nothing that changes a
/// URL path once the id is joined into one (not `.` or `..`, no `/ \ ? # %`). The error is the
/// expectation missed.
///
/// ```
/// use walletpass_core::id_type::opaque;
/// assert!(opaque("bndl_0123456789abcdef").is_ok());
/// assert_eq!(opaque(""), Err("a non-empty id"));
/// assert!(opaque("../x").is_err());
/// assert!(opaque("a b").is_err());
/// ```
pub fn opaque(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        return Err("a non-empty id");
    }
    if id.len() > MAX_OPAQUE_ID_LEN {
        return Err("at most 256 bytes");
    }
    // Ids are nearly always ASCII, whose whitespace and control characters are exactly the
    // bytes up to the space and DEL; the Unicode tables are consulted only for other ids.
    let bad = if id.is_ascii() {
        id.bytes().any(|b| b <= b' ' || b == 0x7f)
    } else {
        id.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if bad {
        return Err("no whitespace or control characters");
    }
    match crate::model::path_problem(id) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// Check `input` with `check`, as the id of `field`.
#[doc(hidden)]
pub fn __checked(
    field: &'static str,
    input: String,
    check: fn(&str) -> Result<(), &'static str>,
) -> Result<String, crate::ValidationError> {
    match check(&input) {
        Ok(()) => Ok(input),
        Err(expected) => Err(crate::ValidationError::InvalidId {
            kind: field,
            input,
            expected,
        }),
    }
}

#[doc(hidden)]
pub use serde as __serde;

/// Define identifier newtypes over `String` that can only hold a checked id.
///
/// Each type gets its docs, the `field` its errors name, and a `check`
/// (`fn(&str) -> Result<(), &'static str>`, the error being what the id should be; see the
/// [module docs](mod@crate::id_type)). The macro writes `new` (the one way in: `FromStr`,
/// `TryFrom<String>`, `TryFrom<&str>` and `Deserialize` all go through it), `as_str`,
/// `Display` (the id), `Debug` (`Name("id")`), `AsRef<str>`, `From<Name> for String`,
/// `Serialize` (a string), and `Clone`, `PartialEq`, `Eq`, `PartialOrd`, `Ord`, `Hash`.
///
/// ```
/// use walletpass_core::{ValidationError, id_type};
///
/// /// What a hypothetical vendor allows: `ord_` and digits.
/// fn order_rule(id: &str) -> Result<(), &'static str> {
///     id.strip_prefix("ord_")
///         .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
///         .map(|_| ())
///         .ok_or("ord_ followed by digits, such as ord_42")
/// }
///
/// id_type! {
///     /// An order's id (`ord_42`).
///     pub struct OrderId {
///         field: "order_id",
///         check: order_rule,
///     }
///
///     /// An id whose format nobody publishes.
///     pub struct TicketId {
///         field: "ticket_id",
///         check: walletpass_core::id_type::opaque,
///     }
/// }
///
/// let id: OrderId = "ord_42".parse()?;
/// assert_eq!(id.as_str(), "ord_42");
/// assert_eq!(id.to_string(), "ord_42");
/// assert_eq!(format!("{id:?}"), r#"OrderId("ord_42")"#);
///
/// let err = OrderId::new("42").unwrap_err();
/// assert_eq!(err.field(), "order_id");
/// assert_eq!(
///     err.to_string(),
///     "order_id: invalid id '42': expected ord_ followed by digits, such as ord_42"
/// );
///
/// // serde writes a string and reads through the same check.
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""ord_42""#);
/// assert!(serde_json::from_str::<OrderId>(r#""ord_x""#).is_err());
/// assert!(serde_json::from_str::<TicketId>(r#""../etc""#).is_err());
/// # Ok::<(), ValidationError>(())
/// ```
#[macro_export]
macro_rules! id_type {
    ($(
        $(#[$doc:meta])*
        $vis:vis struct $name:ident {
            field: $field:literal,
            check: $check:expr $(,)?
        }
    )+) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis struct $name(String);

        impl $name {
            #[doc = concat!(
                "Check and wrap an id; a `ValidationError::InvalidId` naming `",
                $field,
                "` and what the id should be when it does not pass.",
            )]
            pub fn new(
                id: impl ::core::convert::Into<::std::string::String>,
            ) -> ::core::result::Result<Self, $crate::ValidationError> {
                $crate::id_type::__checked($field, id.into(), $check).map(Self)
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::core::convert::TryFrom<::std::string::String> for $name {
            type Error = $crate::ValidationError;
            fn try_from(
                id: ::std::string::String,
            ) -> ::core::result::Result<Self, Self::Error> {
                Self::new(id)
            }
        }

        impl ::core::convert::TryFrom<&str> for $name {
            type Error = $crate::ValidationError;
            fn try_from(id: &str) -> ::core::result::Result<Self, Self::Error> {
                Self::new(id)
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::ValidationError;
            fn from_str(id: &str) -> ::core::result::Result<Self, Self::Err> {
                Self::new(id)
            }
        }

        impl ::core::convert::From<$name> for ::std::string::String {
            fn from(id: $name) -> ::std::string::String {
                id.0
            }
        }

        impl ::core::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl $crate::id_type::__serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::id_type::__serde::Serializer,
            {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> $crate::id_type::__serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::id_type::__serde::Deserializer<'de>,
            {
                let id: ::std::string::String =
                    $crate::id_type::__serde::Deserialize::deserialize(deserializer)?;
                Self::new(id).map_err(<D::Error as $crate::id_type::__serde::de::Error>::custom)
            }
        }
    )+};
}
