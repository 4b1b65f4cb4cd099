//! The `signature` file: a detached CMS SignedData over the `manifest.json` bytes, made with
//! RustCrypto `cms` (`builder` feature): `eContentType` id-data with no eContent, SHA-256, the
//! pass certificate and the WWDR intermediate in `certificates`, one SignerInfo by issuer and
//! serial number with the signed attributes `contentType`, `messageDigest` and `signingTime`
//! (added here: the builder does not add it).

use cms::builder::{SignedDataBuilder, SignerInfoBuilder, create_signing_time_attribute};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::Encode;
use rsa::sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;

use crate::certs::{Identity, SigningKey};
use crate::error::CertError;

const ID_DATA: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SHA_256: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

fn fail(e: impl std::fmt::Display) -> CertError {
    CertError::Sign(e.to_string())
}

/// The DER `signature` of `manifest` by `identity`.
pub(crate) fn sign_manifest(identity: &Identity, manifest: &[u8]) -> Result<Vec<u8>, CertError> {
    let eci = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: None,
    };
    let digest_alg = AlgorithmIdentifierOwned {
        oid: ID_SHA_256,
        parameters: None,
    };
    let digest = Sha256::digest(manifest);
    let cert = &identity.certificate;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let mut data = SignedDataBuilder::new(&eci);
    data.add_digest_algorithm(digest_alg.clone())
        .map_err(fail)?
        .add_certificate(CertificateChoices::Certificate(cert.clone()))
        .map_err(fail)?
        .add_certificate(CertificateChoices::Certificate(identity.wwdr.clone()))
        .map_err(fail)?;
    let info = match &identity.key {
        SigningKey::Rsa(key) => {
            let mut si = SignerInfoBuilder::new(
                key.as_ref(),
                sid,
                digest_alg,
                &eci,
                Some(digest.as_slice()),
            )
            .map_err(fail)?;
            si.add_signed_attribute(create_signing_time_attribute().map_err(fail)?)
                .map_err(fail)?;
            data.add_signer_info::<_, rsa::pkcs1v15::Signature>(si)
        }
        SigningKey::P256(key) => {
            let mut si =
                SignerInfoBuilder::new(key, sid, digest_alg, &eci, Some(digest.as_slice()))
                    .map_err(fail)?;
            si.add_signed_attribute(create_signing_time_attribute().map_err(fail)?)
                .map_err(fail)?;
            data.add_signer_info::<_, p256::ecdsa::DerSignature>(si)
        }
    };
    info.map_err(fail)?
        .build()
        .map_err(fail)?
        .to_der()
        .map_err(fail)
}
