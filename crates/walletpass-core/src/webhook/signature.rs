//! A timestamped HMAC-SHA256 signature scheme for webhook deliveries: by default the header
//! carries `t=<unix seconds>,v1=<hex hmac>` where the HMAC covers `"<t>.<raw body>"`,
//! comparison is constant-time, and a tolerance window refuses replays of old deliveries.
//!
//! The header name, the signed message ([`SignedMessage`], such as `{t}.{body}` or `{body}`) and
//! the tolerance are settings, so a backend whose vendor does not publish its scheme
//! (Passinstance) can be matched to the real one without a code change. An empty secret is
//! refused: it would make every forged delivery verify.
//!
//! The in-memory provider signs with it, and Passinstance uses it under its own header name.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was refused (or could not be made).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature header is absent.
    #[error("the {0} header is missing")]
    MissingHeader(String),
    /// The header is not `t=<seconds>,v1=<hex>` (or `v1=<hex>` when no timestamp is signed).
    #[error("the {0} header is malformed: expected {1}")]
    MalformedHeader(String, &'static str),
    /// The timestamp is outside the tolerance window.
    #[error(
        "the signature timestamp is {age_secs} s away from now, more than the {tolerance_secs} s tolerated"
    )]
    StaleTimestamp {
        /// How far from now, in seconds.
        age_secs: u64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
    /// No signature matches the body and secret.
    #[error("the signature does not match the body and secret")]
    Mismatch,
    /// The secret is empty (or only whitespace): no delivery can be told from a forgery with it.
    #[error("the webhook secret is empty; an empty secret would let anyone forge a delivery")]
    EmptySecret,
}

/// Whether `secret` is empty or only whitespace, and so proves nothing.
pub fn is_empty_secret(secret: &SecretString) -> bool {
    secret.expose_secret().trim().is_empty()
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Timestamp,
    Body,
}

/// What the HMAC covers, written as a template over `{t}` (the unix timestamp, in decimal) and
/// `{body}` (the raw body): `{t}.{body}` (the default) or `{body}`. `{body}` must appear once,
/// `{t}` at most once; any other text is signed as written.
///
/// ```
/// use walletpass_core::SignedMessage;
/// assert!("{t}.{body}".parse::<SignedMessage>().is_ok());
/// assert!("{body}".parse::<SignedMessage>().is_ok());
/// assert!("{t}".parse::<SignedMessage>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SignedMessage {
    template: String,
    parts: Vec<Part>,
}

impl SignedMessage {
    /// `{t}.{body}`.
    pub fn timestamp_dot_body() -> Self {
        Self {
            template: "{t}.{body}".to_owned(),
            parts: vec![Part::Timestamp, Part::Literal(".".into()), Part::Body],
        }
    }

    /// The template, as written.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// Whether the timestamp is signed (and so carried in the header and checked against the
    /// tolerance).
    pub fn has_timestamp(&self) -> bool {
        self.parts.contains(&Part::Timestamp)
    }
}

impl Default for SignedMessage {
    fn default() -> Self {
        Self::timestamp_dot_body()
    }
}

impl fmt::Debug for SignedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedMessage({:?})", self.template)
    }
}

impl fmt::Display for SignedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}

impl std::str::FromStr for SignedMessage {
    type Err = String;
    fn from_str(template: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            let next = [("{t}", Part::Timestamp), ("{body}", Part::Body)]
                .into_iter()
                .filter_map(|(p, part)| rest.find(p).map(|at| (at, p.len(), part)))
                .min_by_key(|(at, _, _)| *at);
            match next {
                Some((at, len, part)) => {
                    if at > 0 {
                        parts.push(Part::Literal(rest[..at].to_owned()));
                    }
                    parts.push(part);
                    rest = &rest[at + len..];
                }
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    rest = "";
                }
            }
        }
        let count = |p: &Part| parts.iter().filter(|q| *q == p).count();
        if count(&Part::Body) != 1 || count(&Part::Timestamp) > 1 {
            return Err(format!(
                "the signed message '{template}' must contain {{body}} once and {{t}} at most once (such as {{t}}.{{body}} or {{body}})"
            ));
        }
        Ok(Self {
            template: template.to_owned(),
            parts,
        })
    }
}

/// The scheme, under a vendor's header name.
///
/// ```
/// use std::time::Duration;
/// use secrecy::SecretString;
/// use walletpass_core::HmacScheme;
/// let scheme = HmacScheme::new("x-signature", Duration::from_secs(300));
/// let secret = SecretString::from("whsec_test");
/// let header = scheme.sign(&secret, 1_700_000_000, b"{}")?;
/// assert!(scheme.verify_at(&secret, Some(&header), b"{}", 1_700_000_010).is_ok());
/// assert!(scheme.verify_at(&secret, Some(&header), b"{ }", 1_700_000_010).is_err());
/// assert!(scheme.sign(&SecretString::from(""), 1_700_000_000, b"{}").is_err());
/// # Ok::<(), walletpass_core::SignatureError>(())
/// ```
#[derive(Clone, Debug)]
pub struct HmacScheme {
    header: Cow<'static, str>,
    tolerance: Duration,
    message: Option<SignedMessage>,
}

impl HmacScheme {
    /// The scheme under `header`, signing `{t}.{body}`, accepting timestamps within
    /// `tolerance` of now.
    pub const fn new(header: &'static str, tolerance: Duration) -> Self {
        Self {
            header: Cow::Borrowed(header),
            tolerance,
            message: None,
        }
    }

    /// The same scheme under another header name (any case; HTTP header names are
    /// case-insensitive).
    pub fn with_header(mut self, header: impl Into<String>) -> Self {
        self.header = Cow::Owned(header.into().to_ascii_lowercase());
        self
    }

    /// The same scheme signing `message` instead.
    pub fn with_message(mut self, message: SignedMessage) -> Self {
        self.message = Some(message);
        self
    }

    /// The same scheme with another tolerance.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The header name.
    pub fn header(&self) -> &str {
        &self.header
    }

    /// The tolerance.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// What is signed.
    pub fn message(&self) -> SignedMessage {
        self.message.clone().unwrap_or_default()
    }

    fn timestamped(&self) -> bool {
        self.message
            .as_ref()
            .is_none_or(SignedMessage::has_timestamp)
    }

    fn expected_form(&self) -> &'static str {
        if self.timestamped() {
            "t=<unix seconds>,v1=<hex hmac-sha256>"
        } else {
            "v1=<hex hmac-sha256>"
        }
    }

    fn mac(
        &self,
        secret: &SecretString,
        timestamp: i64,
        body: &[u8],
    ) -> Result<HmacSha256, SignatureError> {
        if is_empty_secret(secret) {
            return Err(SignatureError::EmptySecret);
        }
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        let default = [Part::Timestamp, Part::Literal(".".into()), Part::Body];
        let parts = self.message.as_ref().map_or(&default[..], |m| &m.parts[..]);
        for part in parts {
            match part {
                Part::Literal(text) => mac.update(text.as_bytes()),
                Part::Timestamp => mac.update(timestamp.to_string().as_bytes()),
                Part::Body => mac.update(body),
            }
        }
        Ok(mac)
    }

    /// The header value for `body` signed at `timestamp` (unix seconds); an empty secret is
    /// refused.
    pub fn sign(
        &self,
        secret: &SecretString,
        timestamp: i64,
        body: &[u8],
    ) -> Result<String, SignatureError> {
        let tag = hex::encode(self.mac(secret, timestamp, body)?.finalize().into_bytes());
        Ok(if self.timestamped() {
            format!("t={timestamp},v1={tag}")
        } else {
            format!("v1={tag}")
        })
    }

    /// Check a header value against `body`, with `now` as the current unix time. An empty
    /// secret verifies nothing.
    pub fn verify_at(
        &self,
        secret: &SecretString,
        header: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        if is_empty_secret(secret) {
            return Err(SignatureError::EmptySecret);
        }
        let header =
            header.ok_or_else(|| SignatureError::MissingHeader(self.header.to_string()))?;
        let malformed =
            SignatureError::MalformedHeader(self.header.to_string(), self.expected_form());
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", t)) => {
                    timestamp = Some(t.parse::<i64>().map_err(|_| malformed.clone())?)
                }
                Some(("v1" | "sha256", sig)) => {
                    signatures.push(hex::decode(sig).map_err(|_| malformed.clone())?);
                }
                Some(_) => {}
                None if !self.timestamped() => {
                    signatures.push(hex::decode(part.trim()).map_err(|_| malformed.clone())?);
                }
                None => return Err(malformed),
            }
        }
        if signatures.is_empty() {
            return Err(malformed);
        }
        let timestamp = if self.timestamped() {
            let timestamp = timestamp.ok_or_else(|| malformed.clone())?;
            let age = now.abs_diff(timestamp);
            if age > self.tolerance.as_secs() {
                return Err(SignatureError::StaleTimestamp {
                    age_secs: age,
                    tolerance_secs: self.tolerance.as_secs(),
                });
            }
            timestamp
        } else {
            0
        };
        let mac = self.mac(secret, timestamp, body)?;
        if signatures
            .iter()
            .any(|sig| mac.clone().verify_slice(sig).is_ok())
        {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    /// Check a header value against `body` now.
    pub fn verify(
        &self,
        secret: &SecretString,
        header: Option<&str>,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        self.verify_at(secret, header, body, now_unix())
    }
}

/// The current unix time in seconds.
pub(crate) fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: HmacScheme = HmacScheme::new("x-sig", Duration::from_secs(300));

    fn secret() -> SecretString {
        SecretString::from("s3cret")
    }

    #[test]
    fn each_failure_is_told_apart() {
        let h = SCHEME.sign(&secret(), 1000, b"body").unwrap();
        assert_eq!(SCHEME.verify_at(&secret(), Some(&h), b"body", 1000), Ok(()));
        assert_eq!(
            SCHEME.verify_at(&secret(), None, b"body", 1000),
            Err(SignatureError::MissingHeader("x-sig".into()))
        );
        assert_eq!(
            SCHEME.verify_at(&secret(), Some("garbage"), b"body", 1000),
            Err(SignatureError::MalformedHeader(
                "x-sig".into(),
                "t=<unix seconds>,v1=<hex hmac-sha256>"
            ))
        );
        assert_eq!(
            SCHEME.verify_at(&secret(), Some(&h), b"bodY", 1000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            SCHEME.verify_at(&SecretString::from("other"), Some(&h), b"body", 1000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            SCHEME.verify_at(&secret(), Some(&h), b"body", 1301),
            Err(SignatureError::StaleTimestamp {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
    }

    #[test]
    fn a_changed_timestamp_breaks_the_signature() {
        let h = SCHEME.sign(&secret(), 1000, b"body").unwrap();
        let forged = h.replace("t=1000", "t=1001");
        assert_eq!(
            SCHEME.verify_at(&secret(), Some(&forged), b"body", 1001),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn an_empty_secret_signs_and_verifies_nothing() {
        let made_with_empty_key = {
            let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"").unwrap();
            mac.update(b"1000.body");
            format!("t=1000,v1={}", hex::encode(mac.finalize().into_bytes()))
        };
        for empty in ["", " ", "\t\n"] {
            let empty = SecretString::from(empty);
            assert_eq!(
                SCHEME.verify_at(&empty, Some(&made_with_empty_key), b"body", 1000),
                Err(SignatureError::EmptySecret)
            );
            assert_eq!(
                SCHEME.sign(&empty, 1000, b"body"),
                Err(SignatureError::EmptySecret)
            );
        }
    }

    #[test]
    fn header_message_and_tolerance_are_settings() {
        let scheme = SCHEME
            .clone()
            .with_header("X-Other-Signature")
            .with_message("{body}".parse().unwrap())
            .with_tolerance(Duration::from_secs(1));
        assert_eq!(scheme.header(), "x-other-signature");
        let h = scheme.sign(&secret(), 1000, b"body").unwrap();
        assert!(h.starts_with("v1=") && !h.contains("t="), "{h}");
        // No timestamp is signed, so none is checked: an old delivery still verifies.
        assert_eq!(
            scheme.verify_at(&secret(), Some(&h), b"body", 99_999),
            Ok(())
        );
        let bare = h.trim_start_matches("v1=");
        assert_eq!(scheme.verify_at(&secret(), Some(bare), b"body", 0), Ok(()));
        // The default scheme signs something else.
        assert_eq!(
            SCHEME.verify_at(&secret(), Some(&h), b"body", 1000),
            Err(SignatureError::MalformedHeader(
                "x-sig".into(),
                "t=<unix seconds>,v1=<hex hmac-sha256>"
            ))
        );
        let prefixed = SCHEME
            .clone()
            .with_message("v0:{t}:{body}".parse().unwrap());
        let h = prefixed.sign(&secret(), 1000, b"body").unwrap();
        assert_eq!(
            prefixed.verify_at(&secret(), Some(&h), b"body", 1000),
            Ok(())
        );
        assert_eq!(
            SCHEME.verify_at(&secret(), Some(&h), b"body", 1000),
            Err(SignatureError::Mismatch)
        );
        for bad in ["{t}", "{body}{body}", "{t}{t}{body}", ""] {
            assert!(bad.parse::<SignedMessage>().is_err(), "{bad}");
        }
    }
}
