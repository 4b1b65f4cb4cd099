//! Authentication checks of the APNs simulator: provider tokens (ES256 JWTs) and the
//! subject UID of a TLS client certificate (the pass type id it may push to).

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::Verifier;
use p256::pkcs8::DecodePublicKey;

/// A provider token key the simulator accepts.
#[derive(Clone, Debug)]
pub struct TokenKey {
    /// The key id (`kid`).
    pub key_id: String,
    /// The team id (`iss`).
    pub team_id: String,
    /// The public key, SPKI PEM.
    pub public_key_pem: String,
    /// The topics (pass type ids) the team may push to.
    pub topics: Vec<String>,
}

/// Check a bearer token: the key it used, or APNs' 403 reason.
pub(super) fn check_token<'a>(
    token: &str,
    keys: &'a [TokenKey],
) -> Result<&'a TokenKey, &'static str> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err("InvalidProviderToken");
    };
    let decode = |part: &str| -> Result<serde_json::Value, &'static str> {
        let bytes = Base64UrlUnpadded::decode_vec(part).map_err(|_| "InvalidProviderToken")?;
        serde_json::from_slice(&bytes).map_err(|_| "InvalidProviderToken")
    };
    let (header, claims) = (decode(header)?, decode(claims)?);
    if header["alg"] != "ES256" {
        return Err("InvalidProviderToken");
    }
    let key = keys
        .iter()
        .find(|k| header["kid"] == k.key_id.as_str())
        .ok_or("InvalidProviderToken")?;
    if claims["iss"] != key.team_id.as_str() {
        return Err("InvalidProviderToken");
    }
    let public = p256::ecdsa::VerifyingKey::from_public_key_pem(&key.public_key_pem)
        .map_err(|_| "InvalidProviderToken")?;
    let sig_bytes = Base64UrlUnpadded::decode_vec(signature).map_err(|_| "InvalidProviderToken")?;
    let sig = p256::ecdsa::Signature::from_slice(&sig_bytes).map_err(|_| "InvalidProviderToken")?;
    let signed = token.rsplit_once('.').map_or("", |(s, _)| s);
    public
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| "InvalidProviderToken")?;
    let iat = claims["iat"].as_i64().ok_or("InvalidProviderToken")?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if now - iat > 3600 {
        return Err("ExpiredProviderToken");
    }
    Ok(key)
}

/// The subject UID (`0.9.2342.19200300.100.1.1`) of a DER certificate: the pass type id of a
/// Pass Type ID certificate (apple-wallet.md §1 "Signer certificate").
pub(super) fn certificate_uid(der: &[u8]) -> Option<String> {
    use x509_cert::der::Decode;
    const UID: x509_cert::der::asn1::ObjectIdentifier =
        x509_cert::der::asn1::ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    cert.tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == UID)
        .and_then(|atv| {
            atv.value
                .decode_as::<x509_cert::der::asn1::Utf8StringRef<'_>>()
                .map(|s| s.as_str().to_owned())
                .ok()
                .or_else(|| {
                    atv.value
                        .decode_as::<x509_cert::der::asn1::PrintableStringRef<'_>>()
                        .map(|s| s.as_str().to_owned())
                        .ok()
                })
        })
}
