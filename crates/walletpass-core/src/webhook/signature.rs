//! A timestamped HMAC-SHA256 signature scheme for webhook deliveries: the header carries
//! `t=<unix seconds>,v1=<hex hmac>` where the HMAC covers `"<t>.<raw body>"`, comparison is
//! constant-time, and a tolerance window refuses replays of old deliveries.
//!
//! The in-memory provider signs with it, and Passinstance (whose docs do not publish a scheme)
//! uses it under its own header name.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature header is absent.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    /// The header is not `t=<seconds>,v1=<hex>`.
    #[error("the {0} header is malformed: expected t=<unix seconds>,v1=<hex hmac-sha256>")]
    MalformedHeader(&'static str),
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
}

/// The scheme, under a vendor's header name.
///
/// ```
/// use std::time::Duration;
/// use secrecy::SecretString;
/// use walletpass_core::HmacScheme;
/// let scheme = HmacScheme::new("x-signature", Duration::from_secs(300));
/// let secret = SecretString::from("whsec_test");
/// let header = scheme.sign(&secret, 1_700_000_000, b"{}");
/// assert!(scheme.verify_at(&secret, Some(&header), b"{}", 1_700_000_010).is_ok());
/// assert!(scheme.verify_at(&secret, Some(&header), b"{ }", 1_700_000_010).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct HmacScheme {
    header: &'static str,
    tolerance: Duration,
}

impl HmacScheme {
    /// The scheme under `header`, accepting timestamps within `tolerance` of now.
    pub const fn new(header: &'static str, tolerance: Duration) -> Self {
        Self { header, tolerance }
    }

    /// The header name.
    pub fn header(&self) -> &'static str {
        self.header
    }

    fn mac(secret: &SecretString, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The header value for `body` signed at `timestamp` (unix seconds).
    pub fn sign(&self, secret: &SecretString, timestamp: i64, body: &[u8]) -> String {
        let tag = Self::mac(secret, timestamp, body).finalize().into_bytes();
        format!("t={timestamp},v1={}", hex::encode(tag))
    }

    /// Check a header value against `body`, with `now` as the current unix time.
    pub fn verify_at(
        &self,
        secret: &SecretString,
        header: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::MissingHeader(self.header))?;
        let malformed = SignatureError::MalformedHeader(self.header);
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", t)) => {
                    timestamp = Some(t.parse::<i64>().map_err(|_| malformed.clone())?)
                }
                Some(("v1", sig)) => {
                    signatures.push(hex::decode(sig).map_err(|_| malformed.clone())?);
                }
                Some(_) => {}
                None => return Err(malformed),
            }
        }
        let timestamp = timestamp.ok_or_else(|| malformed.clone())?;
        if signatures.is_empty() {
            return Err(malformed);
        }
        let age = now.abs_diff(timestamp);
        if age > self.tolerance.as_secs() {
            return Err(SignatureError::StaleTimestamp {
                age_secs: age,
                tolerance_secs: self.tolerance.as_secs(),
            });
        }
        let mac = Self::mac(secret, timestamp, body);
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
        let h = SCHEME.sign(&secret(), 1000, b"body");
        assert_eq!(SCHEME.verify_at(&secret(), Some(&h), b"body", 1000), Ok(()));
        assert_eq!(
            SCHEME.verify_at(&secret(), None, b"body", 1000),
            Err(SignatureError::MissingHeader("x-sig"))
        );
        assert_eq!(
            SCHEME.verify_at(&secret(), Some("garbage"), b"body", 1000),
            Err(SignatureError::MalformedHeader("x-sig"))
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
        let h = SCHEME.sign(&secret(), 1000, b"body");
        let forged = h.replace("t=1000", "t=1001");
        assert_eq!(
            SCHEME.verify_at(&secret(), Some(&forged), b"body", 1001),
            Err(SignatureError::Mismatch)
        );
    }
}
