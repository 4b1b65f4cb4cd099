//! Shared helpers: an Apple provider on the embedded test certificate in a temporary data
//! directory, and an independent `.pkpass` verifier.
#![allow(dead_code)] // each test file uses a part

use std::collections::BTreeMap;
use std::io::Read;

use der::{Decode, Encode};
use sha1::Digest as _;
use walletpass_apple::{Apple, AppleConfig};

/// A provider with the embedded test certificate in a fresh directory (kept alive by the guard).
pub fn provider() -> (Apple, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = AppleConfig::new(dir.path())
        .with_public_url("https://passes.example.com")
        .unwrap();
    (Apple::new(config).unwrap(), dir)
}

/// The entries of a zip, by name.
pub fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        assert_eq!(
            file.compression(),
            zip::CompressionMethod::Stored,
            "{} is not Stored",
            file.name()
        );
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        assert!(out.insert(file.name().to_owned(), data).is_none());
    }
    out
}

/// Check a `.pkpass` independently of the signer: the files are exactly the manifest's, each
/// SHA-1 matches, and the detached CMS signature verifies over `manifest.json` with the leaf's
/// key, the leaf chaining to `ca_pem` (P-256 test chain). Returns the files.
pub fn verify_pkpass(bytes: &[u8], ca_pem: &str) -> BTreeMap<String, Vec<u8>> {
    let files = unzip(bytes);
    let manifest: BTreeMap<String, String> =
        serde_json::from_slice(&files["manifest.json"]).unwrap();
    let listed: Vec<&String> = manifest.keys().collect();
    let present: Vec<&String> = files
        .keys()
        .filter(|k| *k != "manifest.json" && *k != "signature")
        .collect();
    assert_eq!(
        listed, present,
        "the manifest does not list exactly the files"
    );
    for (name, sha) in &manifest {
        assert_eq!(
            &hex::encode(sha1::Sha1::digest(&files[name])),
            sha,
            "SHA-1 of {name}"
        );
    }
    verify_signature(&files["signature"], &files["manifest.json"], ca_pem);
    files
}

/// Verify a detached SignedData over `content` by hand (decode, digest, signature, chain).
pub fn verify_signature(signature: &[u8], content: &[u8], ca_pem: &str) {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use p256::ecdsa::signature::Verifier;
    use spki::DecodePublicKey;
    let info = ContentInfo::from_der(signature).unwrap();
    assert_eq!(info.content_type.to_string(), "1.2.840.113549.1.7.2");
    let sd: SignedData = info.content.decode_as().unwrap();
    assert!(sd.encap_content_info.econtent.is_none(), "must be detached");
    assert_eq!(
        sd.encap_content_info.econtent_type.to_string(),
        "1.2.840.113549.1.7.1"
    );
    let certs: Vec<x509_cert::Certificate> = sd
        .certificates
        .as_ref()
        .unwrap()
        .0
        .iter()
        .map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => c.clone(),
            _ => panic!("unexpected certificate choice"),
        })
        .collect();
    assert_eq!(certs.len(), 2, "the signer certificate and the WWDR");
    let ca = x509_cert::Certificate::load_pem_chain(ca_pem.as_bytes())
        .unwrap()
        .remove(0);
    assert!(
        certs.contains(&ca),
        "the WWDR (test CA) is in the signature"
    );
    let [signer] = sd.signer_infos.0.as_slice() else {
        panic!("one signer info expected")
    };
    let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        panic!("signer by issuer and serial expected")
    };
    let leaf = certs
        .iter()
        .find(|c| c.tbs_certificate.serial_number == sid.serial_number)
        .unwrap();
    let attrs = signer.signed_attrs.as_ref().unwrap();
    let attr = |oid: &str| {
        attrs
            .iter()
            .find(|a| a.oid.to_string() == oid)
            .unwrap_or_else(|| panic!("signed attribute {oid} missing"))
    };
    attr("1.2.840.113549.1.9.5"); // signingTime
    attr("1.2.840.113549.1.9.3"); // contentType
    let digest = attr("1.2.840.113549.1.9.4").values.get(0).unwrap();
    let digest = digest.decode_as::<der::asn1::OctetString>().unwrap();
    assert_eq!(
        digest.as_bytes(),
        sha2_digest(content).as_slice(),
        "messageDigest"
    );
    let signed = attrs.to_der().unwrap();
    let leaf_key = p256::ecdsa::VerifyingKey::from_public_key_der(
        &leaf
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap(),
    )
    .unwrap();
    let sig = p256::ecdsa::DerSignature::try_from(signer.signature.as_bytes()).unwrap();
    leaf_key
        .verify(&signed, &sig)
        .expect("the signature verifies");
    // Chain: the CA signed the leaf.
    assert_eq!(leaf.tbs_certificate.issuer, ca.tbs_certificate.subject);
    let ca_key = p256::ecdsa::VerifyingKey::from_public_key_der(
        &ca.tbs_certificate.subject_public_key_info.to_der().unwrap(),
    )
    .unwrap();
    let leaf_sig = p256::ecdsa::DerSignature::try_from(leaf.signature.raw_bytes()).unwrap();
    ca_key
        .verify(&leaf.tbs_certificate.to_der().unwrap(), &leaf_sig)
        .expect("the CA signed the leaf");
}

fn sha2_digest(content: &[u8]) -> Vec<u8> {
    use rsa::sha2::Digest;
    rsa::sha2::Sha256::digest(content).to_vec()
}

/// Whether `openssl` is on the PATH.
pub fn have_openssl() -> bool {
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `openssl cms -verify` of a `.pkpass`'s signature against `ca_file`.
pub fn openssl_verify(
    files: &BTreeMap<String, Vec<u8>>,
    ca_file: &std::path::Path,
) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("signature"), &files["signature"]).unwrap();
    std::fs::write(dir.path().join("manifest.json"), &files["manifest.json"]).unwrap();
    std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-binary",
            "-in",
            "signature",
            "-content",
            "manifest.json",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
            "-CAfile",
        ])
        .arg(ca_file)
        .output()
        .unwrap()
}
