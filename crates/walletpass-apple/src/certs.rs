//! The signing identity: the Pass Type ID certificate, its private key (RSA or P-256) and the
//! WWDR intermediate that issued it, loaded from PEM (or DER) and checked before anything is
//! signed — validity dates, key against certificate, pass type id against the certificate's
//! UID, team id against its OU, WWDR present and the certificate's issuer (name and signature).

use std::fmt;
use std::time::SystemTime;

use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use der::{Decode, Encode};
use p256::pkcs8::DecodePrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::Verifier;
use secrecy::{ExposeSecret, SecretString};
use spki::DecodePublicKey;
use x509_cert::Certificate;
use x509_cert::name::Name;

use crate::error::CertError;

/// `UID` (RFC 4519): the pass type id in a Pass Type ID certificate's subject.
pub(crate) const OID_UID: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");
/// `OU`: the team id.
pub(crate) const OID_OU: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_RSA_SHA256: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_RSA_SHA1: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const OID_ECDSA_SHA256: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_RSA_KEY: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_KEY: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// The private key that signs manifests. Its Debug never shows it.
#[derive(Clone)]
pub(crate) enum SigningKey {
    /// RSA (what Apple issues), signed PKCS#1 v1.5 with SHA-256.
    Rsa(Box<rsa::pkcs1v15::SigningKey<rsa::sha2::Sha256>>),
    /// P-256 ECDSA with SHA-256 (the embedded test certificate).
    P256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningKey::Rsa(_) => f.write_str("SigningKey::Rsa([REDACTED])"),
            SigningKey::P256(_) => f.write_str("SigningKey::P256([REDACTED])"),
        }
    }
}

impl SigningKey {
    /// The raw public key bits (the `subjectPublicKey` BIT STRING content).
    fn public_key_bits(&self) -> Result<Vec<u8>, CertError> {
        use spki::EncodePublicKey;
        let der = match self {
            SigningKey::Rsa(k) => {
                let public = rsa::RsaPublicKey::from(k.as_ref().as_ref());
                public.to_public_key_der()
            }
            SigningKey::P256(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|e| CertError::BadKey {
            reason: format!("its public key cannot be encoded: {e}"),
        })?;
        let spki = spki::SubjectPublicKeyInfoRef::from_der(der.as_bytes()).map_err(|e| {
            CertError::BadKey {
                reason: format!("its public key cannot be encoded: {e}"),
            }
        })?;
        Ok(spki.subject_public_key.raw_bytes().to_vec())
    }
}

/// A checked signing identity.
#[derive(Clone, Debug)]
pub struct Identity {
    pub(crate) certificate: Certificate,
    pub(crate) wwdr: Certificate,
    pub(crate) key: SigningKey,
    pub(crate) pass_type_id: String,
    pub(crate) team_id: String,
    pub(crate) embedded: bool,
}

impl Identity {
    /// The pass type identifier (the certificate's UID).
    pub fn pass_type_id(&self) -> &str {
        &self.pass_type_id
    }

    /// The team identifier (the certificate's OU).
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// Whether this is the embedded test certificate (its passes do not install on devices).
    pub fn is_embedded_test_certificate(&self) -> bool {
        self.embedded
    }

    /// The pass certificate, PEM.
    pub fn certificate_pem(&self) -> Result<String, CertError> {
        to_pem(&self.certificate)
    }

    /// The WWDR certificate (or the test CA standing in for it), PEM.
    pub fn wwdr_pem(&self) -> Result<String, CertError> {
        to_pem(&self.wwdr)
    }

    /// The private key as PKCS#8 PEM (secret), for TLS client authentication to APNs.
    pub(crate) fn key_pkcs8_pem(&self) -> Result<secrecy::SecretString, CertError> {
        use pkcs8::EncodePrivateKey;
        let pem = match &self.key {
            SigningKey::Rsa(k) => k.as_ref().as_ref().to_pkcs8_pem(pkcs8::LineEnding::LF),
            SigningKey::P256(k) => k.to_pkcs8_pem(pkcs8::LineEnding::LF),
        }
        .map_err(|e| CertError::BadKey {
            reason: format!("it cannot be encoded as PKCS#8: {e}"),
        })?;
        Ok(secrecy::SecretString::from(pem.as_str()))
    }

    /// The end of the pass certificate's validity.
    pub fn not_after(&self) -> SystemTime {
        self.certificate
            .tbs_certificate
            .validity
            .not_after
            .to_system_time()
    }
}

pub(crate) fn to_pem(cert: &Certificate) -> Result<String, CertError> {
    use der::EncodePem;
    cert.to_pem(der::pem::LineEnding::LF)
        .map_err(|e| CertError::BadCertificate {
            what: "certificate",
            reason: e.to_string(),
        })
}

/// The first PEM block whose label `wanted` accepts, with anything around it (OpenSSL's
/// `Bag Attributes` lines, other blocks) left out.
fn pem_block(text: &str, wanted: impl Fn(&str) -> bool) -> Option<&str> {
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block[11..].find("-----")? + 11;
        let label = &block[11..label_end];
        let end_marker = format!("-----END {label}-----");
        let end = block.find(&end_marker)? + end_marker.len();
        if wanted(label) {
            return Some(&block[..end]);
        }
        rest = &block[end..];
    }
    None
}

/// Parse one certificate (the first CERTIFICATE block of PEM text, or DER).
pub(crate) fn parse_certificate(
    what: &'static str,
    bytes: &[u8],
) -> Result<Certificate, CertError> {
    use der::DecodePem;
    let bad = |reason: String| CertError::BadCertificate { what, reason };
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            let block = pem_block(text, |l| l == "CERTIFICATE")
                .ok_or_else(|| bad("no CERTIFICATE block".into()))?;
            Certificate::from_pem(block).map_err(|e| bad(e.to_string()))
        }
        _ => Certificate::from_der(bytes).map_err(|e| bad(e.to_string())),
    }
}

/// Parse a private key: PKCS#8 (plain or encrypted with `password`), PKCS#1 RSA or SEC1 EC.
pub(crate) fn parse_key(
    pem: &[u8],
    password: Option<&SecretString>,
) -> Result<SigningKey, CertError> {
    let text = std::str::from_utf8(pem).map_err(|_| CertError::BadKey {
        reason: "not PEM text".into(),
    })?;
    let block =
        pem_block(text, |l| l.ends_with("PRIVATE KEY")).ok_or_else(|| CertError::BadKey {
            reason: "no PRIVATE KEY block".into(),
        })?;
    let (label, doc) = der::SecretDocument::from_pem(block).map_err(|e| CertError::BadKey {
        reason: format!("not PEM ({e})"),
    })?;
    let bad = |e: &dyn fmt::Display| CertError::BadKey {
        reason: e.to_string(),
    };
    match label {
        "ENCRYPTED PRIVATE KEY" => {
            let password = password
                .filter(|p| !p.expose_secret().is_empty())
                .ok_or(CertError::KeyPasswordMissing)?;
            let info =
                pkcs8::EncryptedPrivateKeyInfo::try_from(doc.as_bytes()).map_err(|e| bad(&e))?;
            let plain = info
                .decrypt(password.expose_secret())
                .map_err(|_| CertError::KeyPasswordWrong)?;
            pkcs8_key(plain.as_bytes())
        }
        "PRIVATE KEY" => pkcs8_key(doc.as_bytes()),
        "RSA PRIVATE KEY" => {
            let key = rsa::RsaPrivateKey::from_pkcs1_der(doc.as_bytes()).map_err(|e| bad(&e))?;
            Ok(SigningKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(
                key,
            ))))
        }
        "EC PRIVATE KEY" => {
            let key = p256::SecretKey::from_sec1_der(doc.as_bytes()).map_err(|e| bad(&e))?;
            Ok(SigningKey::P256(key.into()))
        }
        other => Err(CertError::BadKey {
            reason: format!("unexpected PEM block '{other}'"),
        }),
    }
}

fn pkcs8_key(der: &[u8]) -> Result<SigningKey, CertError> {
    let bad = |e: &dyn fmt::Display| CertError::BadKey {
        reason: e.to_string(),
    };
    let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|e| bad(&e))?;
    if info.algorithm.oid == OID_RSA_KEY {
        let key = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| bad(&e))?;
        Ok(SigningKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(
            key,
        ))))
    } else if info.algorithm.oid == OID_EC_KEY {
        let key = p256::SecretKey::from_pkcs8_der(der).map_err(|e| bad(&e))?;
        Ok(SigningKey::P256(key.into()))
    } else {
        Err(CertError::BadKey {
            reason: format!("unsupported key algorithm {}", info.algorithm.oid),
        })
    }
}

/// The certificate and key of a PKCS#12 file (with `p12-keystore`: pure Rust, PBES2 and the
/// legacy 3DES/RC4 schemes Keychain exports use).
pub(crate) fn open_pkcs12(
    bytes: &[u8],
    password: Option<&SecretString>,
) -> Result<(Certificate, SigningKey), CertError> {
    let password = password.map(|p| p.expose_secret()).unwrap_or_default();
    let fail = |reason: &str| CertError::Pkcs12 {
        reason: reason.to_owned(),
    };
    let store = p12_keystore::KeyStore::from_pkcs12(
        bytes,
        password,
        p12_keystore::Pkcs12ImportPolicy::Strict,
    )
    .map_err(|_| fail("not PKCS#12, or a wrong password"))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| fail("it holds no private key with its certificate"))?;
    let leaf = chain
        .certs()
        .first()
        .ok_or_else(|| fail("it holds no certificate"))?;
    let certificate = parse_certificate("APPLE_PASS_P12", leaf.as_der())?;
    let key = pkcs8_key(chain.key().as_der())?;
    Ok((certificate, key))
}

/// The text of the first `oid` attribute of `name`, if any.
pub(crate) fn name_attribute(name: &Name, oid: der::oid::ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oid)
        .and_then(|atv| {
            atv.value
                .decode_as::<Utf8StringRef<'_>>()
                .map(|s| s.as_str().to_owned())
                .or_else(|_| {
                    atv.value
                        .decode_as::<PrintableStringRef<'_>>()
                        .map(|s| s.as_str().to_owned())
                })
                .or_else(|_| {
                    atv.value
                        .decode_as::<Ia5StringRef<'_>>()
                        .map(|s| s.as_str().to_owned())
                })
                .ok()
        })
}

fn rfc3339(t: SystemTime) -> String {
    time::OffsetDateTime::from(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{t:?}"))
}

/// Whether `issuer`'s key made `cert`'s signature (RSA SHA-256/SHA-1, ECDSA P-256 SHA-256).
pub(crate) fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    let Ok(spki) = issuer.tbs_certificate.subject_public_key_info.to_der() else {
        return false;
    };
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    let alg = cert.signature_algorithm.oid;
    if alg == OID_RSA_SHA256 || alg == OID_RSA_SHA1 {
        let Ok(key) = rsa::RsaPublicKey::from_public_key_der(&spki) else {
            return false;
        };
        let Ok(sig) = rsa::pkcs1v15::Signature::try_from(sig) else {
            return false;
        };
        if alg == OID_RSA_SHA256 {
            rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(key)
                .verify(&tbs, &sig)
                .is_ok()
        } else {
            rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new(key)
                .verify(&tbs, &sig)
                .is_ok()
        }
    } else if alg == OID_ECDSA_SHA256 {
        let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki) else {
            return false;
        };
        let Ok(sig) = p256::ecdsa::DerSignature::try_from(sig) else {
            return false;
        };
        key.verify(&tbs, &sig).is_ok()
    } else {
        false
    }
}

/// What to check an identity against.
pub(crate) struct Expected<'a> {
    pub pass_type_id: Option<&'a str>,
    pub team_id: Option<&'a str>,
}

/// Check and assemble an identity. `now` is the time validity is checked at.
pub(crate) fn check(
    certificate: Certificate,
    key: SigningKey,
    wwdr: Option<Certificate>,
    expected: Expected<'_>,
    now: SystemTime,
    embedded: bool,
) -> Result<Identity, CertError> {
    let validity = &certificate.tbs_certificate.validity;
    let not_before = validity.not_before.to_system_time();
    let not_after = validity.not_after.to_system_time();
    if now < not_before {
        return Err(CertError::NotYetValid {
            not_before: rfc3339(not_before),
        });
    }
    if now > not_after {
        return Err(CertError::Expired {
            not_after: rfc3339(not_after),
        });
    }
    let cert_bits = certificate
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    if key.public_key_bits()? != cert_bits {
        return Err(CertError::KeyMismatch);
    }
    let subject = &certificate.tbs_certificate.subject;
    let uid = name_attribute(subject, OID_UID).unwrap_or_default();
    if uid.is_empty() {
        return Err(CertError::PassTypeIdMismatch {
            configured: expected.pass_type_id.unwrap_or_default().to_owned(),
            certificate: uid,
        });
    }
    if let Some(configured) = expected.pass_type_id
        && configured != uid
    {
        return Err(CertError::PassTypeIdMismatch {
            configured: configured.to_owned(),
            certificate: uid,
        });
    }
    let ou = name_attribute(subject, OID_OU).unwrap_or_default();
    let team_id = match expected.team_id {
        Some(configured) if configured != ou => {
            return Err(CertError::TeamIdMismatch {
                configured: configured.to_owned(),
                certificate: ou,
            });
        }
        Some(configured) => configured.to_owned(),
        None if ou.is_empty() => return Err(CertError::Missing("APPLE_TEAM_ID")),
        None => ou,
    };
    let wwdr = wwdr.ok_or(CertError::WwdrMissing)?;
    let issuer = &certificate.tbs_certificate.issuer;
    if wwdr.tbs_certificate.subject != *issuer || !signed_by(&certificate, &wwdr) {
        return Err(CertError::WwdrNotIssuer {
            wwdr: wwdr.tbs_certificate.subject.to_string(),
            issuer: issuer.to_string(),
        });
    }
    let wwdr_not_after = wwdr.tbs_certificate.validity.not_after.to_system_time();
    if now > wwdr_not_after {
        return Err(CertError::WwdrExpired {
            not_after: rfc3339(wwdr_not_after),
        });
    }
    Ok(Identity {
        certificate,
        wwdr,
        key,
        pass_type_id: uid,
        team_id,
        embedded,
    })
}

/// Load and check the identity `config` describes: its certificates, or the embedded test
/// certificate in the data directory (made at first start, with a loud warning).
pub(crate) fn load(config: &crate::AppleConfig) -> Result<Identity, CertError> {
    let expected = Expected {
        pass_type_id: config.pass_type_id.as_deref(),
        team_id: config.team_id.as_deref(),
    };
    let now = SystemTime::now();
    match &config.certificates {
        Some(c) => {
            let (certificate, key) = if c.pkcs12 {
                open_pkcs12(
                    &c.certificate.read("APPLE_PASS_P12")?,
                    c.key_password.as_ref(),
                )?
            } else {
                (
                    parse_certificate("APPLE_PASS_CERT", &c.certificate.read("APPLE_PASS_CERT")?)?,
                    parse_key(&c.key.read("APPLE_PASS_KEY")?, c.key_password.as_ref())?,
                )
            };
            let wwdr = match &c.wwdr {
                Some(w) => Some(parse_certificate(
                    "APPLE_WWDR_CERT",
                    &w.read("APPLE_WWDR_CERT")?,
                )?),
                None => None,
            };
            check(certificate, key, wwdr, expected, now, false)
        }
        None => {
            let pass_type_id = config
                .pass_type_id
                .as_deref()
                .unwrap_or(crate::testca::TEST_PASS_TYPE_ID);
            let team_id = config
                .team_id
                .as_deref()
                .unwrap_or(crate::testca::TEST_TEAM_ID);
            let made = crate::testca::TestCertificates::load_or_create(
                &config.data_dir,
                pass_type_id,
                team_id,
            )?;
            let certificate =
                parse_certificate("embedded test certificate", made.cert_pem.as_bytes())?;
            let key = parse_key(made.key_pem.expose_secret().as_bytes(), None)?;
            let wwdr = parse_certificate("embedded test CA", made.ca_pem.as_bytes())?;
            let identity = check(certificate, key, Some(wwdr), expected, now, true)?;
            tracing::warn!(
                provider = crate::PROVIDER,
                dir = %config.data_dir.join(crate::testca::TEST_CERT_DIR).display(),
                pass_type_id = %identity.pass_type_id,
                "no APPLE_PASS_CERT configured: signing with the embedded TEST certificate; real devices will NOT accept these passes (set APPLE_PASS_CERT, APPLE_PASS_KEY and APPLE_WWDR_CERT)"
            );
            Ok(identity)
        }
    }
}
