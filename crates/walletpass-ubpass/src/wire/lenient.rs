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

/// An informational counter (`integer`, `int32` in the schema, with no minimum): an integer
/// that fits an `i64`, negative ones included, or a string holding one (`"12"`, `" 12 "`), is
/// kept; anything else (a fraction or a number written with a fraction or exponent such as
/// `5.0` or `1e3`, other text, a boolean, an array, an object) is left out, logged at debug,
/// so that a counter never makes an answer unreadable. Read straight from the JSON; what is
/// skipped is still read as a `Value`, so JSON a `Value` refuses is still an error.
pub(crate) struct LenientCount(Option<i64>);

impl<'de> Deserialize<'de> for LenientCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read straight from the JSON, without a `Value` first.
        struct V;
        impl V {
            fn left_out<E>(self, shape: &dyn fmt::Display) -> Result<LenientCount, E> {
                tracing::debug!(value = %shape, "ubpass: a counter that is not an integer was left out");
                Ok(LenientCount(None))
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = LenientCount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_unit<E: de::Error>(self) -> Result<LenientCount, E> {
                Ok(LenientCount(None))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LenientCount, E> {
                Ok(LenientCount(Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LenientCount, E> {
                match i64::try_from(v) {
                    Ok(v) => Ok(LenientCount(Some(v))),
                    Err(_) => self.left_out(&v),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LenientCount, E> {
                self.left_out(&v)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LenientCount, E> {
                self.left_out(&v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LenientCount, E> {
                match v.trim().parse::<i64>() {
                    Ok(n) => Ok(LenientCount(Some(n))),
                    Err(_) => self.left_out(&format_args!("{v:?}")),
                }
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<LenientCount, A::Error> {
                let value = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                self.left_out(&value)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<LenientCount, A::Error> {
                let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                self.left_out(&value)
            }
        }
        d.deserialize_any(V)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// How counters were read before (`b5ee30e`): through a `Value` first.
    fn through_a_value(text: &str) -> serde_json::Result<Option<i64>> {
        Ok(match serde_json::from_str::<Option<Value>>(text)? {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            Some(_) => None,
        })
    }

    #[test]
    fn counters_read_straight_from_the_json_as_through_a_value() {
        let cases = [
            "null",
            "0",
            "7",
            "-7",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "18446744073709551615",
            "1e3",
            "5.0",
            "0.5",
            "-0.0",
            "true",
            r#""12""#,
            r#"" 12 ""#,
            r#""-3""#,
            r#""1.5""#,
            r#""many""#,
            r#""""#,
            "[1]",
            "[]",
            r#"{"n": 1}"#,
            "{}",
        ];
        for case in cases {
            let read = serde_json::from_str::<LenientCount>(case).unwrap().0;
            assert_eq!(read, through_a_value(case).unwrap(), "{case}");
        }
        // What the `Value` reading refused is refused: not JSON, and JSON a `Value` cannot
        // hold, also inside a value that is left out.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let refused = ["[1,", "[1e400]", r#"["\udc00"]"#, r#"{"n": 1e400}"#, &deep];
        for case in refused {
            assert!(through_a_value(case).is_err(), "{case}");
            assert!(
                serde_json::from_str::<LenientCount>(case).is_err(),
                "{case}"
            );
        }
    }
}
