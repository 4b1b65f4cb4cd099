//! The collector of one body's problems: typed reads of its keys (strings, one-of words,
//! dates, colors) that record a per-field detail for each problem instead of stopping at the
//! first.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::passinstance::errors::{ApiError, FieldError};

/// Collects the problems of one body.
pub(super) struct Checker<'a> {
    pub(super) obj: &'a Map<String, Value>,
    pub(super) prefix: String,
    pub(super) errors: Vec<FieldError>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(obj: &'a Map<String, Value>, prefix: &str) -> Self {
        Self {
            obj,
            prefix: prefix.to_owned(),
            errors: Vec::new(),
        }
    }

    pub(super) fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub(super) fn fail(&mut self, key: &str, message: impl Into<String>) {
        let path = self.path(key);
        self.errors.push(FieldError::new(path, message));
    }

    pub(super) fn unknown_keys(&mut self, allowed: &[&str], ignored: &[&str]) {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()) && !ignored.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.fail(&key, "is not a known property");
        }
    }

    /// A string value: `None` when absent or null.
    pub(super) fn string(&mut self, key: &str, max: usize) -> Option<String> {
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.fail(key, "must not be empty");
                None
            }
            Some(Value::String(s)) if s.chars().count() > max => {
                self.fail(key, format!("must be at most {max} characters"));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.fail(key, "must be a string");
                None
            }
        }
    }

    pub(super) fn required_string(&mut self, key: &str, max: usize) -> Option<String> {
        if matches!(self.obj.get(key), None | Some(Value::Null)) {
            self.fail(key, "is required");
            return None;
        }
        self.string(key, max)
    }

    pub(super) fn one_of(
        &mut self,
        key: &str,
        value: Option<String>,
        allowed: &[&str],
    ) -> Option<String> {
        let value = value?;
        if allowed.contains(&value.as_str()) {
            Some(value)
        } else {
            self.fail(key, format!("must be one of {}", allowed.join(", ")));
            None
        }
    }

    pub(super) fn date(&mut self, key: &str) -> Option<OffsetDateTime> {
        let raw = self.string(key, 64)?;
        match OffsetDateTime::parse(&raw, &Rfc3339) {
            Ok(date) => Some(date),
            Err(_) => {
                self.fail(
                    key,
                    "must be an ISO 8601 date-time with an offset, such as 2024-12-15T19:00:00Z",
                );
                None
            }
        }
    }

    pub(super) fn color(&mut self, key: &str) -> Option<String> {
        let raw = self.string(key, 32)?;
        if is_color(&raw) {
            Some(raw)
        } else {
            self.fail(key, "must be a color such as #1f2937 or rgb(31, 41, 55)");
            None
        }
    }

    pub(super) fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::invalid(self.errors))
        }
    }
}

/// Whether `raw` is `#rgb`, `#rrggbb` or `rgb(r, g, b)` with components 0..=255.
pub fn is_color(raw: &str) -> bool {
    if let Some(hex) = raw.strip_prefix('#') {
        return matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let Some(inner) = raw
        .strip_prefix("rgb(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return false;
    };
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    parts.len() == 3 && parts.iter().all(|p| p.parse::<u8>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors() {
        assert!(is_color("#1f2937"));
        assert!(is_color("rgb(31, 41, 55)"));
        assert!(!is_color("rgb(310, 41, 55)"));
        assert!(!is_color("blue"));
    }
}
