//! Identifiers: templates, passes, field keys, webhook subscriptions, list cursors, and the
//! [`PassRef`] that addresses a pass.
//!
//! The core checks only what every vendor shares (not empty, no whitespace or control
//! characters, at most 256 bytes, nothing that changes a URL path once the id is joined into
//! one: not `.` or `..`, no `/ \ ? # %`); each backend checks its own format before sending a
//! request. The id newtypes are made by [`id_type!`](macro@crate::id_type), as the backends' are.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// What would make `segment` change a URL path once joined into one (`.`, `..`, or one of
/// `/ \\ ? # %`, which a server may decode or split on), as the expectation it misses.
pub(crate) fn path_problem(segment: &str) -> Option<&'static str> {
    if segment == "." || segment == ".." {
        return Some("an id, not a path segment such as . or ..");
    }
    // The characters are ASCII, and no byte of a multi-byte character is ASCII.
    segment
        .bytes()
        .any(|b| matches!(b, b'/' | b'\\' | b'?' | b'#' | b'%'))
        .then_some("no / \\ ? # or % (they would change the request's URL path)")
}

crate::id_type! {
    /// A template (PassNinja pass template key, Passinstance `tpl_…` id).
    pub struct TemplateId {
        field: "template_id",
        check: crate::id_type::opaque,
    }

    /// A pass within its template (PassNinja serial, ubpass id, Passinstance serial number).
    pub struct PassId {
        field: "pass_id",
        check: crate::id_type::opaque,
    }

    /// A webhook subscription.
    pub struct WebhookId {
        field: "webhook_id",
        check: crate::id_type::opaque,
    }
}

/// The key of a pass field: 1 to 64 characters from `A-Z a-z 0-9 _ . : -`, starting with a
/// letter, digit or underscore (`member.name`, `memberName`, `points`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldKey(String);

impl FieldKey {
    /// Check and wrap a field key.
    ///
    /// ```
    /// use walletpass_core::FieldKey;
    /// assert!(FieldKey::new("member.name").is_ok());
    /// assert!(FieldKey::new("").is_err());
    /// assert!(FieldKey::new("has space").is_err());
    /// ```
    pub fn new(key: impl Into<String>) -> Result<Self, ValidationError> {
        let key = key.into();
        if key.is_empty() {
            return Err(ValidationError::EmptyFieldKey);
        }
        let bad = |reason| ValidationError::InvalidFieldKey {
            key: key.clone(),
            reason,
        };
        if key.len() > 64 {
            return Err(bad("at most 64 characters"));
        }
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'))
        {
            return Err(bad("only A-Z a-z 0-9 _ . : - are allowed"));
        }
        if !key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(bad("must start with a letter, digit or underscore"));
        }
        Ok(Self(key))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FieldKey {
    type Error = ValidationError;
    fn try_from(key: String) -> Result<Self, Self::Error> {
        Self::new(key)
    }
}

impl TryFrom<&str> for FieldKey {
    type Error = ValidationError;
    fn try_from(key: &str) -> Result<Self, Self::Error> {
        Self::new(key)
    }
}

impl From<FieldKey> for String {
    fn from(key: FieldKey) -> String {
        key.0
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldKey({:?})", self.0)
    }
}

impl std::borrow::Borrow<str> for FieldKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// An opaque position in a listing, handed back by a provider in [`Page::next`](super::Page).
/// Page-numbered vendors keep the page number in it; callers only pass it back.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// Wrap a provider's cursor text.
    pub fn new(cursor: impl Into<String>) -> Self {
        Self(cursor.into())
    }

    /// The cursor as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a pass lives: its id, and its template for vendors that address passes through one
/// (PassNinja). A missing template where the vendor needs one is a typed error.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PassRef {
    /// The template, for vendors that need it in the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateId>,
    /// The pass id.
    pub id: PassId,
}

impl PassRef {
    /// A reference by id alone.
    pub fn new(id: PassId) -> Self {
        Self { template: None, id }
    }

    /// A reference by template and id.
    pub fn in_template(template: TemplateId, id: PassId) -> Self {
        Self {
            template: Some(template),
            id,
        }
    }

    /// Parse `ID` or `TEMPLATE/ID`.
    ///
    /// ```
    /// use walletpass_core::PassRef;
    /// let r = PassRef::parse("ptk_0x14/8ba0c8a5").unwrap();
    /// assert_eq!(r.template.unwrap().as_str(), "ptk_0x14");
    /// assert_eq!(r.id.as_str(), "8ba0c8a5");
    /// ```
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.split_once('/') {
            Some((template, id)) => Ok(Self::in_template(
                TemplateId::new(template)?,
                PassId::new(id)?,
            )),
            None => Ok(Self::new(PassId::new(text)?)),
        }
    }
}

impl fmt::Display for PassRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.template {
            Some(t) => write!(f, "{t}/{}", self.id),
            None => write!(f, "{}", self.id),
        }
    }
}

impl fmt::Debug for PassRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PassRef({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_empty_whitespace_and_overlong_naming_the_kind() {
        let err = PassId::new("").unwrap_err();
        assert_eq!(err.field(), "pass_id");
        let err = TemplateId::new("a b").unwrap_err();
        assert_eq!(err.field(), "template_id");
        assert!(err.to_string().contains("'a b'"));
        assert!(PassId::new("x".repeat(257)).is_err());
        assert!(PassId::new("x".repeat(256)).is_ok());
    }

    #[test]
    fn ids_that_would_change_a_url_path_are_malformed() {
        for bad in [
            ".", "..", "a/b", "../x", "%2e%2e", "a?b", "a#b", "a\\b", "%2F",
        ] {
            assert!(PassId::new(bad).is_err(), "{bad}");
            assert!(TemplateId::new(bad).is_err(), "{bad}");
            assert!(WebhookId::new(bad).is_err(), "{bad}");
        }
        for ok in ["...", ".x", "a.b", "ORDER-1001", "ptk_0x14", "a:b"] {
            assert!(PassId::new(ok).is_ok(), "{ok}");
        }
        assert!(PassRef::parse("ptk_0x14/..").is_err());
        assert!(PassRef::parse("../x").is_err());
    }

    #[test]
    fn every_character_is_judged_by_its_unicode_class_ascii_or_not() {
        // The ASCII fast path must agree with the Unicode rule on every ASCII character, and
        // the rule still applies to the others (NBSP, NEL, an ideographic space, a C1 control).
        let rule = |c: char| {
            !(c.is_whitespace() || c.is_control() || matches!(c, '/' | '\\' | '?' | '#' | '%'))
        };
        let chars = (0u8..=0x7f)
            .map(char::from)
            .chain(['\u{a0}', '\u{85}', '\u{3000}', '\u{9f}', 'é', '鍵', '🎟']);
        for c in chars {
            for id in [format!("a{c}b"), format!("{c}ORDER"), format!("ORDER-{c}")] {
                let checked = PassId::new(id.as_str());
                assert_eq!(checked.is_ok(), rule(c), "{id:?}");
                // And the error names the rule the character broke.
                if let Err(err) = checked {
                    let path = matches!(c, '/' | '\\' | '?' | '#' | '%');
                    let named = if path {
                        "URL path"
                    } else {
                        "whitespace or control"
                    };
                    assert!(err.to_string().contains(named), "{id:?}: {err}");
                }
            }
        }
    }

    #[test]
    fn field_keys_follow_the_documented_alphabet() {
        for ok in ["member.name", "memberName", "points", "_x", "a:b-c"] {
            assert!(FieldKey::new(ok).is_ok(), "{ok}");
        }
        assert_eq!(FieldKey::new(""), Err(ValidationError::EmptyFieldKey));
        for bad in ["-x", ".x", "a b", "é", &"k".repeat(65)] {
            let err = FieldKey::new(bad).unwrap_err();
            assert_eq!(err.field(), format!("fields[{bad}]"));
        }
    }

    #[test]
    fn ids_deserialize_through_validation() {
        assert!(serde_json::from_str::<PassId>("\"\"").is_err());
        let id: PassId = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(id.as_str(), "abc");
    }

    #[test]
    fn pass_ref_displays_and_parses_both_forms() {
        let r = PassRef::parse("abc").unwrap();
        assert_eq!(r.template, None);
        assert_eq!(r.to_string(), "abc");
        let r = PassRef::parse("ptk_0x14/abc").unwrap();
        assert_eq!(r.to_string(), "ptk_0x14/abc");
        assert!(PassRef::parse("/abc").is_err());
    }
}
