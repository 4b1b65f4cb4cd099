//! Configuration of the ubpass backend: the credential (an `api-key` or a bearer JWT, kept
//! secret), the optional workspace, the base URL and the HTTP knobs, from code or from the
//! environment (`UBPASS_API_KEY` or `UBPASS_TOKEN`, `UBPASS_WORKSPACE_ID`, `UBPASS_BASE_URL`).

use std::fmt;

use secrecy::SecretString;
use walletpass_core::http::HttpOptions;
use walletpass_core::vendor::{Lookup, OneOf, base_url_of, env_value, one_of};
use walletpass_core::{Error, config_error};

use crate::PROVIDER;

/// The vendor's base URL (the OpenAPI file's `servers`).
pub const DEFAULT_BASE_URL: &str = "https://api.ubpass.co/v1";
/// The API key variable.
pub const ENV_API_KEY: &str = "UBPASS_API_KEY";
/// The bearer token (JWT) variable, used when no API key is set.
pub const ENV_TOKEN: &str = "UBPASS_TOKEN";
/// The optional workspace variable.
pub const ENV_WORKSPACE_ID: &str = "UBPASS_WORKSPACE_ID";
/// The optional base URL variable.
pub const ENV_BASE_URL: &str = "UBPASS_BASE_URL";

/// How requests authenticate (the OpenAPI file's two security schemes).
#[derive(Clone)]
pub enum UbpassAuth {
    /// `api-key: <key>` (the `APIKey` scheme).
    ApiKey(SecretString),
    /// `Authorization: Bearer <JWT>` (the `AccessToken` scheme).
    Bearer(SecretString),
}

impl fmt::Debug for UbpassAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UbpassAuth::ApiKey(_) => f.write_str("ApiKey([REDACTED])"),
            UbpassAuth::Bearer(_) => f.write_str("Bearer([REDACTED])"),
        }
    }
}

/// How to build an [`Ubpass`](crate::Ubpass) provider.
///
/// ```
/// use walletpass_ubpass::UbpassConfig;
/// let config = UbpassConfig::api_key("ub_live_secret")
///     .with_workspace_id("1f089d29-6f9c-66c2-af59-99631cec7ab5")
///     .with_base_url("http://127.0.0.1:8002/v1");
/// assert!(!format!("{config:?}").contains("ub_live_secret"));
/// let provider = config.build()?;
/// # Ok::<(), walletpass_core::Error>(())
/// ```
#[derive(Clone)]
pub struct UbpassConfig {
    /// The credential.
    pub auth: UbpassAuth,
    /// Sent as `x-workspace-id` on every request when set (pattern `^[a-zA-Z0-9-_]+$`); without
    /// it the vendor uses the caller's first workspace.
    pub workspace_id: Option<String>,
    /// The API root ([`DEFAULT_BASE_URL`] unless overridden), timeout, retries and client-side
    /// rate limit.
    pub http: HttpOptions,
}

impl fmt::Debug for UbpassConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UbpassConfig")
            .field("auth", &self.auth)
            .field("workspace_id", &self.workspace_id)
            .field("http", &self.http)
            .finish()
    }
}

impl UbpassConfig {
    fn with_auth(auth: UbpassAuth) -> Self {
        Self {
            auth,
            workspace_id: None,
            http: HttpOptions::new(DEFAULT_BASE_URL),
        }
    }

    /// Authenticate with an API key (`api-key` header).
    pub fn api_key(key: impl Into<String>) -> Self {
        Self::with_auth(UbpassAuth::ApiKey(SecretString::from(key.into())))
    }

    /// Authenticate with a bearer JWT (`Authorization: Bearer`).
    pub fn bearer(token: impl Into<String>) -> Self {
        Self::with_auth(UbpassAuth::Bearer(SecretString::from(token.into())))
    }

    /// Act in this workspace (`x-workspace-id`).
    pub fn with_workspace_id(mut self, workspace_id: impl Into<String>) -> Self {
        self.workspace_id = Some(workspace_id.into());
        self
    }

    walletpass_core::http_setters!();

    /// Read the configuration from the environment: `UBPASS_API_KEY` or `UBPASS_TOKEN` (exactly
    /// one), and the optional `UBPASS_WORKSPACE_ID` and `UBPASS_BASE_URL`. Values are trimmed;
    /// empty values count as unset.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any lookup function (for tests and other sources).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Self::read(&lookup, None)
    }

    /// As [`from_lookup`](Self::from_lookup), with `base_url` (when given) in place of
    /// `UBPASS_BASE_URL`.
    pub(crate) fn read(lookup: Lookup<'_>, base_url: Option<&str>) -> Result<Self, Error> {
        let mut config = match one_of(PROVIDER, lookup, ENV_API_KEY, ENV_TOKEN)? {
            OneOf::First(key) => Self::api_key(key),
            OneOf::Second(token) => Self::bearer(token),
            OneOf::Neither => {
                return Err(config_error(
                    PROVIDER,
                    format!("{ENV_API_KEY} (or {ENV_TOKEN}) is not set"),
                ));
            }
        };
        config.workspace_id = env_value(lookup, ENV_WORKSPACE_ID);
        if let Some(url) = base_url_of(lookup, base_url, ENV_BASE_URL) {
            config.http.base_url = url;
        }
        config.validate()?;
        Ok(config)
    }

    /// Check the settings: the workspace id's pattern and a non-empty credential (the base URL is
    /// checked when the client is built).
    pub fn validate(&self) -> Result<(), Error> {
        let secret = match &self.auth {
            UbpassAuth::ApiKey(s) | UbpassAuth::Bearer(s) => s,
        };
        if secrecy::ExposeSecret::expose_secret(secret)
            .trim()
            .is_empty()
        {
            return Err(config_error(PROVIDER, "auth: the credential is empty"));
        }
        if let Some(ws) = &self.workspace_id
            && !crate::ids::is_valid_id(ws)
        {
            return Err(config_error(
                PROVIDER,
                format!("workspace_id: '{ws}' does not match ^[a-zA-Z0-9-_]+$"),
            )
            .with_field_error("workspace_id", "must match ^[a-zA-Z0-9-_]+$"));
        }
        Ok(())
    }

    /// Build the provider.
    pub fn build(self) -> Result<crate::Ubpass, Error> {
        crate::Ubpass::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use walletpass_core::ErrorKind;
    use walletpass_core::vendor::vars as env;

    #[test]
    fn env_reads_key_or_token_workspace_and_base_url() {
        let c = UbpassConfig::from_lookup(env(&[
            ("UBPASS_API_KEY", "k"),
            ("UBPASS_WORKSPACE_ID", "ws-1"),
            ("UBPASS_BASE_URL", "http://127.0.0.1:9/v1"),
        ]))
        .unwrap();
        assert!(matches!(c.auth, UbpassAuth::ApiKey(_)));
        assert_eq!(c.workspace_id.as_deref(), Some("ws-1"));
        assert_eq!(c.http.base_url, "http://127.0.0.1:9/v1");
        let c = UbpassConfig::from_lookup(env(&[("UBPASS_TOKEN", "jwt")])).unwrap();
        assert!(matches!(c.auth, UbpassAuth::Bearer(_)));
        assert_eq!(c.http.base_url, DEFAULT_BASE_URL);
    }

    #[test]
    fn env_errors_name_the_variables() {
        let err = UbpassConfig::from_lookup(env::<&str, &str>(&[])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("UBPASS_API_KEY"));
        let err = UbpassConfig::from_lookup(env(&[("UBPASS_API_KEY", "k"), ("UBPASS_TOKEN", "t")]))
            .unwrap_err();
        assert!(err.to_string().contains("both"));
        let err = UbpassConfig::from_lookup(env(&[
            ("UBPASS_API_KEY", "k"),
            ("UBPASS_WORKSPACE_ID", "bad id"),
        ]))
        .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "workspace_id");
    }

    #[test]
    fn debug_never_shows_the_credential() {
        let shown = format!("{:?}", UbpassConfig::bearer("eyJ.secret.jwt"));
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("REDACTED"));
    }
}
