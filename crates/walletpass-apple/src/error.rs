//! The typed errors of this backend — certificate problems ([`CertError`]) and store problems
//! ([`StoreError`]) — and their conversion into the canonical [`Error`].
//!
//! No message here ever holds key material or a password: a key that fails to parse is named
//! by where it came from (a path or an environment variable), never by its content.

use std::path::PathBuf;

use walletpass_core::{Error, ErrorKind, Operation};

use crate::PROVIDER;

/// Why the signing certificates could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// A certificate or key file could not be read.
    #[error("{what}: cannot read {path}: {source}")]
    Read {
        /// What the file holds (`APPLE_PASS_CERT`, ...).
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A certificate is not PEM or DER X.509.
    #[error("{what}: not a PEM or DER X.509 certificate ({reason})")]
    BadCertificate {
        /// What the certificate is (`APPLE_PASS_CERT`, `APPLE_WWDR_CERT`).
        what: &'static str,
        /// The parser's reason.
        reason: String,
    },
    /// The private key could not be read (never shown).
    #[error(
        "APPLE_PASS_KEY: not a usable private key ({reason}); expected PEM PKCS#8 (PRIVATE KEY or ENCRYPTED PRIVATE KEY with APPLE_PASS_KEY_PASSWORD), PKCS#1 (RSA PRIVATE KEY) or SEC1 (EC PRIVATE KEY), RSA or P-256"
    )]
    BadKey {
        /// Why, without any key material.
        reason: String,
    },
    /// The key is encrypted and no password was given.
    #[error(
        "APPLE_PASS_KEY is encrypted (ENCRYPTED PRIVATE KEY): set APPLE_PASS_KEY_PASSWORD to its password"
    )]
    KeyPasswordMissing,
    /// The key password is wrong (or the encryption scheme unsupported).
    #[error(
        "APPLE_PASS_KEY_PASSWORD does not decrypt APPLE_PASS_KEY (wrong password, or an encryption scheme other than PBES2)"
    )]
    KeyPasswordWrong,
    /// The pass certificate has expired.
    #[error(
        "APPLE_PASS_CERT expired on {not_after}: renew the Pass Type ID certificate in the Apple developer portal (they last one year)"
    )]
    Expired {
        /// The end of validity (RFC 3339).
        not_after: String,
    },
    /// The pass certificate is not valid yet.
    #[error("APPLE_PASS_CERT is not valid before {not_before}: check the system clock")]
    NotYetValid {
        /// The start of validity (RFC 3339).
        not_before: String,
    },
    /// The key is not the certificate's.
    #[error(
        "APPLE_PASS_KEY does not match APPLE_PASS_CERT: the key's public key is not the certificate's; export the key that belongs to this certificate"
    )]
    KeyMismatch,
    /// The pass type id is not the certificate's UID.
    #[error(
        "APPLE_PASS_TYPE_ID is '{configured}' but the certificate is for '{certificate}': set APPLE_PASS_TYPE_ID to the certificate's UID, or use that pass type's certificate"
    )]
    PassTypeIdMismatch {
        /// The configured pass type id.
        configured: String,
        /// The certificate's UID (empty when it has none).
        certificate: String,
    },
    /// The team id is not the certificate's OU.
    #[error(
        "APPLE_TEAM_ID is '{configured}' but the certificate's team (OU) is '{certificate}': set APPLE_TEAM_ID to the certificate's OU"
    )]
    TeamIdMismatch {
        /// The configured team id.
        configured: String,
        /// The certificate's OU (empty when it has none).
        certificate: String,
    },
    /// A pass certificate without the WWDR intermediate.
    #[error(
        "APPLE_WWDR_CERT is not set: a pass certificate needs Apple's WWDR intermediate that issued it (AppleWWDRCAG4.cer from https://www.apple.com/certificateauthority/)"
    )]
    WwdrMissing,
    /// The WWDR certificate did not issue the pass certificate.
    #[error(
        "APPLE_WWDR_CERT ('{wwdr}') did not issue APPLE_PASS_CERT (issued by '{issuer}'): use the WWDR generation that issued it (G4 for certificates made after 2022-01-27)"
    )]
    WwdrNotIssuer {
        /// The WWDR certificate's subject.
        wwdr: String,
        /// The pass certificate's issuer.
        issuer: String,
    },
    /// The WWDR certificate has expired.
    #[error("APPLE_WWDR_CERT expired on {not_after}: download the current WWDR intermediate")]
    WwdrExpired {
        /// The end of validity (RFC 3339).
        not_after: String,
    },
    /// A missing part of the configuration.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A certificate was configured without its key, or the reverse.
    #[error(
        "APPLE_PASS_CERT and APPLE_PASS_KEY go together: set both, or neither to use the embedded test certificate"
    )]
    Incomplete,
    /// The embedded test certificate could not be made or stored.
    #[error("embedded test certificate in {path}: {reason}")]
    TestCa {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A PKCS#12 file could not be opened (never shown).
    #[error(
        "APPLE_PASS_P12: cannot open it ({reason}); check APPLE_PASS_KEY_PASSWORD, or export PEM with openssl pkcs12"
    )]
    Pkcs12 {
        /// Why, without any key material.
        reason: String,
    },
    /// Signing failed.
    #[error("signing manifest.json failed: {0}")]
    Sign(String),
}

impl From<CertError> for Error {
    fn from(e: CertError) -> Self {
        Error::new(ErrorKind::Config, e.to_string()).at(PROVIDER, Operation::Configure)
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A row could not be decoded.
    #[error("store: a stored row could not be decoded: {0}")]
    Decode(String),
    /// The database was written by a newer version of this crate.
    #[error(
        "store: schema version {found} is newer than this build knows ({known}); upgrade walletpass"
    )]
    TooNew {
        /// The version in the file.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// The blocking task running the query was lost.
    #[error("store: the database task failed: {0}")]
    Task(String),
    /// The data directory could not be created.
    #[error("store: cannot create {path}: {source}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        let kind = match &e {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy
                    || f.code == rusqlite::ErrorCode::DatabaseLocked =>
            {
                ErrorKind::Timeout
            }
            StoreError::Dir { .. } | StoreError::TooNew { .. } => ErrorKind::Config,
            StoreError::Decode(_) => ErrorKind::Decode,
            _ => ErrorKind::Server,
        };
        let message = e.to_string();
        Error::new(kind, message)
            .with_provider(PROVIDER)
            .with_source(e)
    }
}

/// `NotFound` for `what` `id`, from `op`.
pub(crate) fn not_found(op: Operation, what: &str, id: &str) -> Error {
    Error::new(ErrorKind::NotFound, format!("{what} '{id}' does not exist"))
        .at(PROVIDER, op)
        .with_resource(id)
}

/// `InvalidInput` naming `field`, from `op`.
pub(crate) fn invalid(
    op: Operation,
    field: impl Into<String>,
    message: impl Into<String>,
) -> Error {
    Error::invalid_field(field, message).at(PROVIDER, op)
}
