//! Lenient readers for the informational parts of vendor answers (counts, page figures, link
//! blocks), for `#[serde(deserialize_with = ...)]`: a value of an unexpected type or range is
//! left out (logged at debug) instead of making the whole answer unreadable. Use them only
//! where a missing value is harmless; ids and the content itself are read strictly.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A count: a non-negative integer (or its decimal text) is kept; anything else (a negative
/// number, a fraction, a word) is `None`.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    let count = match &value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    if count.is_none() {
        tracing::debug!(value = ?value, "an informational count that is not one was left out");
    }
    Ok(count)
}

/// A value whose absence is harmless: `null`, or one that does not have the expected shape,
/// reads as `T::default()`.
pub fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let value = Value::deserialize(d)?;
    if value.is_null() {
        return Ok(T::default());
    }
    Ok(T::deserialize(&value).unwrap_or_else(|e| {
        tracing::debug!(%value, %e, "an informational value of another shape was left out");
        T::default()
    }))
}

/// [`count`] as a type, for decoders that read a field through a type rather than a function
/// (`as Count` in [`deserialize_keeping_unknown!`](crate::deserialize_keeping_unknown)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count(pub Option<u64>);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        count(d).map(Count)
    }
}

impl crate::http::decode::IntoField for Count {
    type Field = Option<u64>;
    fn into_field(self) -> Option<u64> {
        self.0
    }
}

/// [`or_default`] as a type (see [`Count`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrDefault<T>(pub T);

impl<'de, T: serde::de::DeserializeOwned + Default> Deserialize<'de> for OrDefault<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        or_default(d).map(OrDefault)
    }
}

impl<T> crate::http::decode::IntoField for OrDefault<T> {
    type Field = T;
    fn into_field(self) -> T {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, Default, PartialEq)]
    struct Counted {
        #[serde(default, deserialize_with = "count")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "or_default")]
        links: std::collections::BTreeMap<String, String>,
    }

    #[test]
    fn odd_values_are_left_out_not_fatal() {
        let read = |text: &str| serde_json::from_str::<Counted>(text).unwrap();
        assert_eq!(read(r#"{"n": 3}"#).n, Some(3));
        assert_eq!(read(r#"{"n": "4"}"#).n, Some(4));
        for odd in ["-1", "0.5", "1e300", "\"many\"", "null", "[1]", "true"] {
            assert_eq!(read(&format!(r#"{{"n": {odd}}}"#)).n, None, "{odd}");
        }
        assert_eq!(read(r#"{"links": null}"#).links.len(), 0);
        assert_eq!(read(r#"{"links": [1, 2]}"#).links.len(), 0);
        assert_eq!(read(r#"{"links": {"a": "b"}}"#).links.len(), 1);
    }
}
