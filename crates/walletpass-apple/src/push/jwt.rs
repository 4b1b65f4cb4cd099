//! The APNs provider token (apple-wallet.md §4 "Token"): a JWT signed ES256 with the `.p8`
//! key, header `{"alg":"ES256","kid":<key id>}`, claims `{"iss":<team id>,"iat":<unix
//! seconds>}`. APNs refuses a token refreshed more than once in 20 minutes
//! (`TooManyProviderTokenUpdates`) and one older than an hour, so it is kept 40 minutes.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::Signer;
use p256::pkcs8::DecodePrivateKey;
use secrecy::{ExposeSecret, SecretString};

/// How long one token is reused.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(40 * 60);

/// Signs and caches provider tokens.
pub struct TokenSigner {
    key: p256::ecdsa::SigningKey,
    key_id: String,
    team_id: String,
    cached: Mutex<Option<(Instant, SecretString)>>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// A signer for the `.p8` key `pem` (PKCS#8 P-256); the error never shows the key.
    pub fn new(pem: &SecretString, key_id: &str, team_id: &str) -> Result<Self, String> {
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem.expose_secret()).map_err(|_| {
            "APPLE_APNS_KEY is not a P-256 PKCS#8 PEM key (the .p8 file from the Apple developer portal)"
                .to_owned()
        })?;
        Ok(Self {
            key,
            key_id: key_id.to_owned(),
            team_id: team_id.to_owned(),
            cached: Mutex::new(None),
        })
    }

    /// The current token (a new one when the cached one is older than `TOKEN_LIFETIME`, 40 minutes, or
    /// when `refresh` because APNs said it expired).
    pub fn token(&self, refresh: bool) -> SecretString {
        // A poisoned lock only means another thread panicked while holding a cache entry.
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((made, token)) = cached.as_ref()
            && !refresh
            && made.elapsed() < TOKEN_LIFETIME
        {
            return token.clone();
        }
        let token = SecretString::from(self.sign(SystemTime::now()));
        *cached = Some((Instant::now(), token.clone()));
        token
    }

    fn sign(&self, at: SystemTime) -> String {
        let iat = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let header = serde_json::json!({ "alg": "ES256", "kid": self.key_id });
        let claims = serde_json::json!({ "iss": self.team_id, "iat": iat });
        let input = format!(
            "{}.{}",
            Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
            Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
        );
        let signature: p256::ecdsa::Signature = self.key.sign(input.as_bytes());
        format!(
            "{input}.{}",
            Base64UrlUnpadded::encode_string(&signature.to_bytes())
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is the failure report
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::pkcs8::{EncodePrivateKey, LineEnding};

    #[test]
    fn the_token_is_an_es256_jwt_that_verifies_with_the_public_key() {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let pem = SecretString::from(key.to_pkcs8_pem(LineEnding::LF).unwrap().as_str());
        let signer = TokenSigner::new(&pem, "KEY123", "TEAM45").unwrap();
        let token = signer.token(false);
        let parts: Vec<&str> = token.expose_secret().split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&Base64UrlUnpadded::decode_vec(parts[0]).unwrap()).unwrap();
        assert_eq!(header, serde_json::json!({"alg": "ES256", "kid": "KEY123"}));
        let claims: serde_json::Value =
            serde_json::from_slice(&Base64UrlUnpadded::decode_vec(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "TEAM45");
        assert!(claims["iat"].as_u64().unwrap() > 1_700_000_000);
        let sig =
            p256::ecdsa::Signature::from_slice(&Base64UrlUnpadded::decode_vec(parts[2]).unwrap())
                .unwrap();
        key.verifying_key()
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        // Reused until it is old, or refreshed on request.
        assert_eq!(signer.token(false).expose_secret(), token.expose_secret());
    }

    #[test]
    fn a_bad_key_is_named_without_its_content() {
        let err = TokenSigner::new(&SecretString::from("not-a-key-secret"), "K", "T").unwrap_err();
        assert!(err.contains("APPLE_APNS_KEY"));
        assert!(!err.contains("not-a-key-secret"));
    }
}
