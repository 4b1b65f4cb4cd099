//! Lenient readings of vendor values whose type the answers do not always keep: a string the
//! vendor may send as a number or boolean ([`LenientString`]), and informational counters that
//! must never make an answer unreadable ([`LenientCount`], [`count`]).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use walletpass_core::http::decode::IntoField;

/// A string that the vendor might send as a number or boolean (read as its JSON text);
/// `null` reads as none, an array or object is an error.
pub(crate) struct LenientString(Option<String>);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Some(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(Value::from(v).to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::custom("expected a string, found an array"))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::custom("expected a string, found an object"))
            }
        }
        d.deserialize_any(V).map(LenientString)
    }
}

impl IntoField for LenientString {
    type Field = Option<String>;
    fn into_field(self) -> Option<String> {
        self.0
    }
}

/// An informational counter (`integer`, `int32` in the schema, with no minimum): any integer
/// is kept as it is, negative ones included; a value that is not an integer at all (a float, a
/// string) is left out, logged at debug, so that a counter never makes an answer unreadable.
pub(crate) struct LenientCount(Option<i64>);

impl<'de> Deserialize<'de> for LenientCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Option::<Value>::deserialize(d)?;
        Ok(LenientCount(match value {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            Some(other) => {
                tracing::debug!(value = %other, "ubpass: a counter that is not an integer was left out");
                None
            }
        }))
    }
}

impl IntoField for LenientCount {
    type Field = Option<i64>;
    fn into_field(self) -> Option<i64> {
        self.0
    }
}

/// A counter as a count of things: a negative one (which the schema allows) is not a count,
/// and is left out (logged at debug).
pub fn count(value: Option<i64>) -> Option<u64> {
    let value = value?;
    let count = u64::try_from(value).ok();
    if count.is_none() {
        tracing::debug!(value, "ubpass: a negative counter is not a count; left out");
    }
    count
}
