//! The embedded test certificate: with no certificate configured, a local test CA (standing in
//! for Apple's WWDR intermediate) and a Pass Type ID certificate it issued are made at first
//! start (P-256 keys, ten years) and kept in `<data dir>/test-certificate/`, so the whole
//! backend runs with no Apple account.
//!
//! **Real devices will not accept passes signed this way**: Wallet trusts only Apple's WWDR
//! chain. The passes are well formed and their signatures verify against the test CA
//! (`wwdr.pem` in that directory), which is what tests and development need.
//!
//! [`TestCertificates::generate`] is public so that tests can make certificates with chosen
//! names and dates (expired, not yet valid, another pass type id, ...).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::EncodePem;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rand_core::{OsRng, RngCore};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

use crate::error::CertError;

/// The pass type id of the embedded test certificate when none is configured.
pub const TEST_PASS_TYPE_ID: &str = "pass.dev.walletpass.test";
/// The team id of the embedded test certificate when none is configured.
pub const TEST_TEAM_ID: &str = "WPTEST0001";
/// The directory under the data directory the embedded test certificate is kept in.
pub const TEST_CERT_DIR: &str = "test-certificate";

/// A generated test CA and pass certificate, as PEM text.
#[derive(Clone)]
pub struct TestCertificates {
    /// The test CA (stands in for WWDR), PEM.
    pub ca_pem: String,
    /// The pass certificate, PEM.
    pub cert_pem: String,
    /// The pass certificate's private key, PKCS#8 PEM (secret).
    pub key_pem: secrecy::SecretString,
    /// The CA's private key, PKCS#8 PEM (secret; lets tests issue more certificates).
    pub ca_key_pem: secrecy::SecretString,
}

impl std::fmt::Debug for TestCertificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCertificates")
            .field("ca_pem", &"<certificate>")
            .field("cert_pem", &"<certificate>")
            .field("key_pem", &"[REDACTED]")
            .field("ca_key_pem", &"[REDACTED]")
            .finish()
    }
}

/// What to put in generated test certificates.
#[derive(Clone, Debug)]
pub struct TestCertOptions {
    /// The pass type id (subject UID).
    pub pass_type_id: String,
    /// The team id (subject OU).
    pub team_id: String,
    /// Start of the pass certificate's validity.
    pub not_before: SystemTime,
    /// End of the pass certificate's validity.
    pub not_after: SystemTime,
}

impl TestCertOptions {
    /// Valid from an hour ago for ten years.
    pub fn new(pass_type_id: impl Into<String>, team_id: impl Into<String>) -> Self {
        let now = SystemTime::now();
        Self {
            pass_type_id: pass_type_id.into(),
            team_id: team_id.into(),
            not_before: now - Duration::from_secs(3600),
            not_after: now + Duration::from_secs(10 * 365 * 24 * 3600),
        }
    }
}

fn fail(reason: impl std::fmt::Display) -> CertError {
    CertError::TestCa {
        path: PathBuf::new(),
        reason: reason.to_string(),
    }
}

fn serial() -> Result<SerialNumber, CertError> {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::new(&bytes).map_err(fail)
}

fn validity(not_before: SystemTime, not_after: SystemTime) -> Result<Validity, CertError> {
    Ok(Validity {
        not_before: Time::try_from(not_before).map_err(fail)?,
        not_after: Time::try_from(not_after).map_err(fail)?,
    })
}

fn spki(key: &p256::ecdsa::SigningKey) -> Result<SubjectPublicKeyInfoOwned, CertError> {
    SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(fail)
}

/// A Pass Type ID subject: `UID=<id>, CN=Pass Type ID: <id>, OU=<team>, O=..., C=US`.
pub(crate) fn pass_subject(pass_type_id: &str, team_id: &str) -> Result<Name, CertError> {
    // RFC 4514 strings list the most significant RDN last.
    let escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace(',', "\\,")
            .replace('+', "\\+")
    };
    Name::from_str(&format!(
        "UID={},CN=Pass Type ID: {},OU={},O=walletpass test (not Apple),C=US",
        escape(pass_type_id),
        escape(pass_type_id),
        escape(team_id)
    ))
    .map_err(fail)
}

impl TestCertificates {
    /// A new test CA and a pass certificate it issued.
    pub fn generate(options: &TestCertOptions) -> Result<Self, CertError> {
        let ca_key = p256::ecdsa::SigningKey::random(&mut OsRng);
        let now = SystemTime::now();
        let ca_name = Name::from_str(
            "CN=walletpass test CA (stands in for Apple WWDR; devices reject it),OU=G4,O=walletpass test (not Apple),C=US",
        )
        .map_err(fail)?;
        let ca = CertificateBuilder::new(
            Profile::Root,
            serial()?,
            validity(
                now - Duration::from_secs(2 * 3600),
                now + Duration::from_secs(20 * 365 * 24 * 3600),
            )?,
            ca_name.clone(),
            spki(&ca_key)?,
            &ca_key,
        )
        .map_err(fail)?
        .build::<p256::ecdsa::DerSignature>()
        .map_err(fail)?;
        let (cert, key) = Self::issue(&ca_key, &ca_name, options)?;
        Ok(Self {
            ca_pem: ca.to_pem(LineEnding::LF).map_err(fail)?,
            cert_pem: cert,
            key_pem: key,
            ca_key_pem: ca_key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(fail)?
                .to_string()
                .into(),
        })
    }

    /// Issue another pass certificate from this CA (for tests).
    pub fn issue_another(
        &self,
        options: &TestCertOptions,
    ) -> Result<(String, secrecy::SecretString), CertError> {
        use p256::pkcs8::DecodePrivateKey;
        use secrecy::ExposeSecret;
        let ca_key = p256::ecdsa::SigningKey::from_pkcs8_pem(self.ca_key_pem.expose_secret())
            .map_err(fail)?;
        let ca = crate::certs::parse_certificate("test CA", self.ca_pem.as_bytes())?;
        Self::issue(&ca_key, &ca.tbs_certificate.subject, options)
    }

    fn issue(
        ca_key: &p256::ecdsa::SigningKey,
        ca_name: &Name,
        options: &TestCertOptions,
    ) -> Result<(String, secrecy::SecretString), CertError> {
        let key = p256::ecdsa::SigningKey::random(&mut OsRng);
        let cert = CertificateBuilder::new(
            Profile::Leaf {
                issuer: ca_name.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            serial()?,
            validity(options.not_before, options.not_after)?,
            pass_subject(&options.pass_type_id, &options.team_id)?,
            spki(&key)?,
            ca_key,
        )
        .map_err(fail)?
        .build::<p256::ecdsa::DerSignature>()
        .map_err(fail)?;
        Ok((
            cert.to_pem(LineEnding::LF).map_err(fail)?,
            key.to_pkcs8_pem(LineEnding::LF)
                .map_err(fail)?
                .to_string()
                .into(),
        ))
    }

    /// Load the embedded test certificate from `data_dir`, or make and keep it there.
    pub(crate) fn load_or_create(
        data_dir: &Path,
        pass_type_id: &str,
        team_id: &str,
    ) -> Result<Self, CertError> {
        use secrecy::ExposeSecret;
        let dir = data_dir.join(TEST_CERT_DIR);
        let at = |reason: String| CertError::TestCa {
            path: dir.clone(),
            reason,
        };
        let files = ["wwdr.pem", "pass.pem", "pass-key.pem", "ca-key.pem"].map(|f| dir.join(f));
        if files.iter().all(|f| f.exists()) {
            let read = |p: &PathBuf| {
                std::fs::read_to_string(p).map_err(|e| at(format!("{}: {e}", p.display())))
            };
            return Ok(Self {
                ca_pem: read(&files[0])?,
                cert_pem: read(&files[1])?,
                key_pem: read(&files[2])?.into(),
                ca_key_pem: read(&files[3])?.into(),
            });
        }
        let made = Self::generate(&TestCertOptions::new(pass_type_id, team_id))
            .map_err(|e| at(e.to_string()))?;
        std::fs::create_dir_all(&dir).map_err(|e| at(e.to_string()))?;
        let contents = [
            made.ca_pem.as_str(),
            made.cert_pem.as_str(),
            made.key_pem.expose_secret(),
            made.ca_key_pem.expose_secret(),
        ];
        for (i, (path, text)) in files.iter().zip(contents).enumerate() {
            write_private(path, text, i >= 2)
                .map_err(|e| at(format!("{}: {e}", path.display())))?;
        }
        Ok(made)
    }
}

/// Write `text` to `path` through a temporary file (keys readable by the owner only).
fn write_private(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
