//! One-pass decoding of vendor objects that keep the keys this crate does not know.
//!
//! `#[serde(flatten)]` on a catch-all map makes serde buffer the whole object into an
//! intermediate tree and decode it a second time from there, which on a 2 KB answer costs as
//! much again as the decode itself. [`deserialize_keeping_unknown!`] writes the `Deserialize`
//! impl such a derive would, reading each key once: a known key straight into its field, any
//! other into the catch-all map as a `serde_json::Value`. A missing field is its type's
//! default (or an error when marked `#[required]`), a key given twice is an error, as with a
//! derive.
//!
//! [`deserialize_keeping_unknown!`]: crate::deserialize_keeping_unknown

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// A key of a JSON object, borrowed from the input when it can be (no escapes in it), so that
/// a known key costs no allocation. Used by [`deserialize_keeping_unknown!`].
///
/// [`deserialize_keeping_unknown!`]: crate::deserialize_keeping_unknown
#[doc(hidden)]
pub enum ObjectKey<'de> {
    /// Borrowed from the input.
    Borrowed(&'de str),
    /// Decoded (it held escapes, or the input is not a byte slice).
    Owned(String),
}

impl ObjectKey<'_> {
    /// The key.
    pub fn as_str(&self) -> &str {
        match self {
            ObjectKey::Borrowed(s) => s,
            ObjectKey::Owned(s) => s,
        }
    }

    /// The key, owned.
    pub fn into_owned(self) -> String {
        match self {
            ObjectKey::Borrowed(s) => s.to_owned(),
            ObjectKey::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for ObjectKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = ObjectKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ObjectKey::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ObjectKey::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(ObjectKey::Owned(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A type a field is decoded through (`as Via` in [`deserialize_keeping_unknown!`]): a lenient
/// reader, turned into the field's value once read.
///
/// [`deserialize_keeping_unknown!`]: crate::deserialize_keeping_unknown
pub trait IntoField {
    /// The field's type.
    type Field;
    /// The field's value.
    fn into_field(self) -> Self::Field;
}

/// Implement `serde::Deserialize` for a struct with named fields and one catch-all
/// `serde_json::Map<String, serde_json::Value>` field, in one pass over the object (see the
/// [module docs](crate::http::decode)). Each field is listed with its JSON name (and any
/// aliases, `"a" | "b"`); `as Via` decodes a field through `Via: Deserialize +`
/// [`IntoField`] (for lenient readers); `#[required]` makes a missing field an error
/// instead of its default. Every other field must implement `Default`.
///
/// ```
/// use serde_json::{Map, Value};
///
/// #[derive(Debug, Default, PartialEq)]
/// struct Pass {
///     id: String,
///     serial_number: Option<String>,
///     other: Map<String, Value>,
/// }
/// walletpass_core::deserialize_keeping_unknown!(Pass, "a pass object", other: other, {
///     #[required] id: "id",
///     serial_number: "serialNumber" | "serial",
/// });
///
/// let pass: Pass = serde_json::from_str(r#"{"id": "p1", "serial": "S", "x": 1}"#).unwrap();
/// assert_eq!(pass.serial_number.as_deref(), Some("S"));
/// assert_eq!(pass.other["x"], 1);
/// assert!(serde_json::from_str::<Pass>(r#"{"serial": "S"}"#).is_err());
/// assert!(serde_json::from_str::<Pass>(r#"{"id": "a", "id": "b"}"#).is_err());
/// ```
#[macro_export]
macro_rules! deserialize_keeping_unknown {
    (
        $ty:ident, $expecting:literal, other: $other:ident, {
            $( $(#[$req:ident])? $field:ident : $json:literal $(| $alias:literal)* $(as $via:ty)? ),* $(,)?
        }
    ) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<__D>(__deserializer: __D) -> ::core::result::Result<Self, __D::Error>
            where
                __D: ::serde::Deserializer<'de>,
            {
                struct __Visitor;
                impl<'de> ::serde::de::Visitor<'de> for __Visitor {
                    type Value = $ty;
                    fn expecting(
                        &self,
                        f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<__A>(
                        self,
                        mut __map: __A,
                    ) -> ::core::result::Result<$ty, __A::Error>
                    where
                        __A: ::serde::de::MapAccess<'de>,
                    {
                        $( let mut $field = ::core::option::Option::None; )*
                        let mut __other = ::serde_json::Map::new();
                        while let ::core::option::Option::Some(__key) =
                            __map.next_key::<$crate::http::ObjectKey<'de>>()?
                        {
                            match __key.as_str() {
                                $(
                                    $json $(| $alias)* => {
                                        if $field.is_some() {
                                            return ::core::result::Result::Err(
                                                <__A::Error as ::serde::de::Error>::duplicate_field($json),
                                            );
                                        }
                                        $field = ::core::option::Option::Some(
                                            $crate::deserialize_keeping_unknown!(@value __map $(, $via)?),
                                        );
                                    }
                                )*
                                _ => {
                                    let __value = __map.next_value::<::serde_json::Value>()?;
                                    __other.insert(__key.into_owned(), __value);
                                }
                            }
                        }
                        ::core::result::Result::Ok($ty {
                            $( $field: $crate::deserialize_keeping_unknown!(@take $field, $json $(, $req)?), )*
                            $other: __other,
                        })
                    }
                }
                __deserializer.deserialize_map(__Visitor)
            }
        }
    };
    (@value $map:ident) => { $map.next_value()? };
    (@value $map:ident, $via:ty) => {
        $crate::http::decode::IntoField::into_field($map.next_value::<$via>()?)
    };
    (@take $field:ident, $json:literal) => { $field.unwrap_or_default() };
    (@take $field:ident, $json:literal, required) => {
        match $field {
            ::core::option::Option::Some(v) => v,
            ::core::option::Option::None => {
                return ::core::result::Result::Err(::serde::de::Error::missing_field($json));
            }
        }
    };
}
