//! How the simulated device checks a `.pkpass` before adding it, from apple-wallet.md §1 and
//! §5: a zip whose files are exactly those `manifest.json` lists (each SHA-1 matching, plus
//! `manifest.json` and `signature`), an `icon.png`, a `pass.json` with the required keys, and
//! a detached CMS `signature` over the manifest bytes: eContent absent, signed attributes
//! with `messageDigest` and `signingTime`, signed by a certificate whose UID is the pass's
//! `passTypeIdentifier` and OU its `teamIdentifier`, issued by a certificate in the
//! signature (WWDR) that the device trusts.

use std::collections::BTreeMap;
use std::io::Read;

use der::{Decode, Encode};
use sha1::Digest as _;

const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const ID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
const ID_SHA1: &str = "1.3.14.3.2.26";
const ID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const ID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const ID_RSA: &str = "1.2.840.113549.1.1.1";
const ID_UID: &str = "0.9.2342.19200300.100.1.1";
const ID_OU: &str = "2.5.4.11";

/// A pass as the device holds it.
#[derive(Clone, Debug)]
pub struct CheckedPass {
    /// `pass.json`.
    pub pass_json: serde_json::Value,
    /// Every file of the bundle, by name.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Check a `.pkpass` the way Wallet does; `trusted_der` are the WWDR (or test CA)
/// certificates the device trusts.
pub fn check_pkpass(bytes: &[u8], trusted_der: &[Vec<u8>]) -> Result<CheckedPass, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a zip: {e}"))?;
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| format!("zip entry {i}: {e}"))?;
        let mut data = Vec::new();
        file.read_to_end(&mut data)
            .map_err(|e| format!("zip entry {}: {e}", file.name()))?;
        files.insert(file.name().to_owned(), data);
    }
    let manifest_bytes = files.get("manifest.json").ok_or("no manifest.json")?;
    let manifest: BTreeMap<String, String> = serde_json::from_slice(manifest_bytes)
        .map_err(|e| format!("manifest.json is not a map of file to SHA-1: {e}"))?;
    for (name, data) in &files {
        if name == "manifest.json" || name == "signature" {
            continue;
        }
        let listed = manifest
            .get(name)
            .ok_or_else(|| format!("{name} is not in manifest.json"))?;
        let actual = hex::encode(sha1::Sha1::digest(data));
        if *listed != actual {
            return Err(format!(
                "{name}: SHA-1 {actual} but the manifest says {listed}"
            ));
        }
    }
    if let Some(missing) = manifest.keys().find(|k| !files.contains_key(*k)) {
        return Err(format!(
            "manifest.json lists {missing}, which is not in the bundle"
        ));
    }
    if !files.contains_key("icon.png") {
        return Err("no icon.png".into());
    }
    let pass_json: serde_json::Value =
        serde_json::from_slice(files.get("pass.json").ok_or("no pass.json")?)
            .map_err(|e| format!("pass.json is not JSON: {e}"))?;
    for key in [
        "formatVersion",
        "passTypeIdentifier",
        "serialNumber",
        "teamIdentifier",
        "organizationName",
        "description",
    ] {
        if pass_json.get(key).is_none() {
            return Err(format!("pass.json has no {key}"));
        }
    }
    if pass_json["formatVersion"] != 1 {
        return Err("pass.json formatVersion is not the integer 1".into());
    }
    let signature = files.get("signature").ok_or("no signature")?;
    check_signature(signature, manifest_bytes, &pass_json, trusted_der)?;
    Ok(CheckedPass { pass_json, files })
}

fn oid(s: &str) -> Result<der::asn1::ObjectIdentifier, String> {
    der::asn1::ObjectIdentifier::new(s).map_err(|e| e.to_string())
}

fn name_attr(name: &x509_cert::name::Name, id: &str) -> Option<String> {
    let id = oid(id).ok()?;
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == id)
        .and_then(|atv| {
            atv.value
                .decode_as::<der::asn1::Utf8StringRef<'_>>()
                .map(|s| s.as_str().to_owned())
                .ok()
                .or_else(|| {
                    atv.value
                        .decode_as::<der::asn1::PrintableStringRef<'_>>()
                        .map(|s| s.as_str().to_owned())
                        .ok()
                })
        })
}

/// Verify `signature` (DER) over `message` with the key of `spki`, hashing with SHA-256
/// (ECDSA P-256, or RSA PKCS#1 v1.5).
fn verify_with(
    spki: &spki::SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let key_bits = spki.subject_public_key.raw_bytes();
    if spki.algorithm.oid == oid(ID_EC_PUBLIC_KEY)? {
        use p256::ecdsa::signature::Verifier;
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bits)
            .map_err(|_| "the signer's EC key is not P-256")?;
        let sig = p256::ecdsa::Signature::from_der(signature)
            .map_err(|_| "the ECDSA signature is malformed")?;
        key.verify(message, &sig)
            .map_err(|_| "the ECDSA signature does not verify".to_owned())
    } else if spki.algorithm.oid == oid(ID_RSA)? {
        use rsa::pkcs1::DecodeRsaPublicKey;
        use rsa::signature::Verifier;
        let key = rsa::RsaPublicKey::from_pkcs1_der(key_bits)
            .map_err(|_| "the signer's RSA key is malformed")?;
        let key = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(key);
        let sig = rsa::pkcs1v15::Signature::try_from(signature)
            .map_err(|_| "the RSA signature is malformed")?;
        key.verify(message, &sig)
            .map_err(|_| "the RSA signature does not verify".to_owned())
    } else {
        Err(format!("unsupported key algorithm {}", spki.algorithm.oid))
    }
}

fn check_signature(
    signature: &[u8],
    manifest: &[u8],
    pass_json: &serde_json::Value,
    trusted_der: &[Vec<u8>],
) -> Result<(), String> {
    use cms::cert::CertificateChoices;
    use cms::signed_data::{SignedData, SignerIdentifier};
    let info = cms::content_info::ContentInfo::from_der(signature)
        .map_err(|e| format!("signature is not CMS: {e}"))?;
    if info.content_type != oid(ID_SIGNED_DATA)? {
        return Err("signature is not SignedData".into());
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("signature is not SignedData: {e}"))?;
    if signed.encap_content_info.econtent.is_some() {
        return Err("the signature is not detached (eContent present)".into());
    }
    let certs: Vec<x509_cert::Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let [signer_info] = signed.signer_infos.0.as_slice() else {
        return Err("the signature has not exactly one signer".into());
    };
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer_info.sid else {
        return Err("the signer is not identified by issuer and serial number".into());
    };
    let signer = certs
        .iter()
        .find(|c| {
            c.tbs_certificate.issuer == sid.issuer
                && c.tbs_certificate.serial_number == sid.serial_number
        })
        .ok_or("the signer's certificate is not in the signature")?;
    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or("the signature has no signed attributes")?;
    let attr = |id: &str| -> Result<Option<&x509_cert::attr::Attribute>, String> {
        let id = oid(id)?;
        Ok(attrs.iter().find(|a| a.oid == id))
    };
    if attr(ID_SIGNING_TIME)?.is_none() {
        return Err("the signature has no signingTime".into());
    }
    let digest_attr = attr(ID_MESSAGE_DIGEST)?.ok_or("the signature has no messageDigest")?;
    let digest_value = digest_attr
        .values
        .iter()
        .next()
        .ok_or("messageDigest is empty")?
        .decode_as::<der::asn1::OctetString>()
        .map_err(|e| format!("messageDigest: {e}"))?;
    let expected = if signer_info.digest_alg.oid == oid(ID_SHA256)? {
        rsa::sha2::Sha256::digest(manifest).to_vec()
    } else if signer_info.digest_alg.oid == oid(ID_SHA1)? {
        sha1::Sha1::digest(manifest).to_vec()
    } else {
        return Err(format!("unsupported digest {}", signer_info.digest_alg.oid));
    };
    if digest_value.as_bytes() != expected.as_slice() {
        return Err("messageDigest is not the digest of manifest.json".into());
    }
    let signed_attrs_der = attrs.to_der().map_err(|e| e.to_string())?;
    verify_with(
        &signer.tbs_certificate.subject_public_key_info,
        &signed_attrs_der,
        signer_info.signature.as_bytes(),
    )?;
    // The chain: the signer's issuer is in the signature and trusted.
    let issuer = certs
        .iter()
        .find(|c| c.tbs_certificate.subject == signer.tbs_certificate.issuer)
        .ok_or("the WWDR certificate that issued the signer is not in the signature")?;
    let issuer_der = issuer.to_der().map_err(|e| e.to_string())?;
    if !trusted_der.contains(&issuer_der) {
        return Err("the signer's issuer is not a certificate this device trusts".into());
    }
    let tbs = signer.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    verify_with(
        &issuer.tbs_certificate.subject_public_key_info,
        &tbs,
        signer.signature.raw_bytes(),
    )
    .map_err(|e| format!("the signer's certificate was not issued by its WWDR: {e}"))?;
    let subject = &signer.tbs_certificate.subject;
    if name_attr(subject, ID_UID).as_deref() != pass_json["passTypeIdentifier"].as_str() {
        return Err("passTypeIdentifier is not the certificate's UID".into());
    }
    if name_attr(subject, ID_OU).as_deref() != pass_json["teamIdentifier"].as_str() {
        return Err("teamIdentifier is not the certificate's OU".into());
    }
    Ok(())
}
