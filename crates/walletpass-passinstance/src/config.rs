//! Configuration of the Passinstance backend: the environment (production, staging or an
//! overriding base URL), the credentials (a bearer token or an API key, kept secret), HTTP knobs,
//! the default template, batch polling and the webhook tolerance window.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use walletpass_core::http::{BaseUrl, HttpOptions};
use walletpass_core::vendor::{Lookup, OneOf, base_url_of, env_value, one_of};
use walletpass_core::{Error, HmacScheme, TemplateId};

use crate::PROVIDER;

/// The production API root ("Reference": Production).
pub const PRODUCTION_BASE_URL: &str = "https://api.passinstance.com/api/v1";
/// The staging API root ("Reference": Staging).
pub const STAGING_BASE_URL: &str = "https://staging-api.passinstance.com/api/v1";
/// The bearer token variable (as the documented JavaScript example names it).
pub const ENV_TOKEN: &str = "PASSINSTANCE_TOKEN";
/// The API key variable.
pub const ENV_API_KEY: &str = "PASSINSTANCE_API_KEY";
/// The optional base URL variable (overrides production and staging).
pub const ENV_BASE_URL: &str = "PASSINSTANCE_BASE_URL";
/// The optional default template variable (`tpl_...`), used when a new pass names none.
pub const ENV_TEMPLATE_ID: &str = "PASSINSTANCE_TEMPLATE_ID";

/// Which Passinstance deployment to talk to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Environment {
    /// `https://api.passinstance.com/api/v1`.
    #[default]
    Production,
    /// `https://staging-api.passinstance.com/api/v1`.
    Staging,
}

impl Environment {
    /// The environment's API root.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Production => PRODUCTION_BASE_URL,
            Environment::Staging => STAGING_BASE_URL,
        }
    }
}

/// How requests authenticate ("Authentication": either mode is accepted).
#[derive(Clone)]
pub enum Credentials {
    /// `Authorization: Bearer <access_token>`, for user-context operations.
    Bearer(SecretString),
    /// `X-API-Key: <api_key>`, for service-to-service connectors.
    ApiKey(SecretString),
}

impl Credentials {
    fn secret(&self) -> &SecretString {
        match self {
            Credentials::Bearer(s) | Credentials::ApiKey(s) => s,
        }
    }

    /// The mode's name, for messages (`bearer` or `api_key`).
    pub fn mode(&self) -> &'static str {
        match self {
            Credentials::Bearer(_) => "bearer",
            Credentials::ApiKey(_) => "api_key",
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Bearer(_) => f.write_str("Bearer([REDACTED])"),
            Credentials::ApiKey(_) => f.write_str("ApiKey([REDACTED])"),
        }
    }
}

/// How a batch job is polled until it completes.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchPolling {
    /// The first wait between two status reads.
    pub initial_interval: Duration,
    /// The longest wait between two status reads (the wait doubles up to it).
    pub max_interval: Duration,
    /// How long to wait for one job before giving up with a timeout error.
    pub timeout: Duration,
}

impl Default for BatchPolling {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
        }
    }
}

/// How to build a [`Passinstance`](crate::Passinstance) provider.
///
/// ```
/// use walletpass_passinstance::{Environment, PassinstanceConfig};
/// let config = PassinstanceConfig::bearer("pi_secret_token").with_environment(Environment::Staging);
/// assert_eq!(config.http.base_url, "https://staging-api.passinstance.com/api/v1");
/// assert!(!format!("{config:?}").contains("pi_secret_token"));
/// ```
#[derive(Clone)]
pub struct PassinstanceConfig {
    /// The bearer token or API key.
    pub credentials: Credentials,
    /// The API root (production unless changed), timeout, retries ("Abuse protection": back
    /// off when told) and client-side rate limit, so bulk work stays under the vendor's limit.
    pub http: HttpOptions,
    /// The template used when a [`NewPass`](walletpass_core::NewPass) names none.
    pub default_template: Option<TemplateId>,
    /// How batch jobs are polled.
    pub batch_polling: BatchPolling,
    /// The (assumed) webhook signature scheme: header name, signed message and tolerance
    /// (see [`crate::webhook`] for the variables that set them).
    pub webhook_scheme: HmacScheme,
}

impl fmt::Debug for PassinstanceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassinstanceConfig")
            .field("credentials", &self.credentials)
            .field("http", &self.http)
            .field("default_template", &self.default_template)
            .field("batch_polling", &self.batch_polling)
            .field("webhook_scheme", &self.webhook_scheme)
            .finish()
    }
}

/// [`walletpass_core::config_error`] for this provider (the webhook scheme's variables use it).
pub(crate) fn config_error(message: String) -> Error {
    walletpass_core::config_error(PROVIDER, message)
}

impl PassinstanceConfig {
    /// Production, with `credentials` and defaults for everything else.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            http: HttpOptions::new(PRODUCTION_BASE_URL),
            default_template: None,
            batch_polling: BatchPolling::default(),
            webhook_scheme: crate::webhook::default_scheme(),
        }
    }

    /// Production with a bearer token (`Authorization: Bearer <token>`).
    pub fn bearer(token: impl Into<String>) -> Self {
        Self::new(Credentials::Bearer(SecretString::from(token.into())))
    }

    /// Production with an API key (`X-API-Key: <key>`).
    pub fn api_key(key: impl Into<String>) -> Self {
        Self::new(Credentials::ApiKey(SecretString::from(key.into())))
    }

    /// Read `PASSINSTANCE_TOKEN` or `PASSINSTANCE_API_KEY` (exactly one: both set is an error),
    /// the optional `PASSINSTANCE_BASE_URL` and `PASSINSTANCE_TEMPLATE_ID`, and the webhook
    /// signature settings (`PASSINSTANCE_WEBHOOK_*`, see [`crate::webhook`]).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Self::read(&lookup, None)
    }

    /// As [`from_lookup`](Self::from_lookup), with `base_url` (when given) in place of
    /// `PASSINSTANCE_BASE_URL`.
    pub(crate) fn read(lookup: Lookup<'_>, base_url: Option<&str>) -> Result<Self, Error> {
        let mut config = match one_of(PROVIDER, lookup, ENV_TOKEN, ENV_API_KEY)? {
            OneOf::First(token) => Self::bearer(token),
            OneOf::Second(key) => Self::api_key(key),
            OneOf::Neither => {
                return Err(config_error(format!(
                    "credentials: set {ENV_TOKEN} (bearer token) or {ENV_API_KEY} (API key)"
                )));
            }
        };
        if let Some(url) = base_url_of(lookup, base_url, ENV_BASE_URL) {
            config.http.base_url = url;
        }
        if let Some(template) = env_value(lookup, ENV_TEMPLATE_ID) {
            let template = TemplateId::new(template.clone()).map_err(|e| {
                config_error(format!(
                    "{ENV_TEMPLATE_ID}: '{template}' is not a template id"
                ))
                .with_source(e)
            })?;
            config.default_template = Some(template);
        }
        config.webhook_scheme = crate::webhook::webhook_scheme_from_lookup(lookup)?;
        config.validate()?;
        Ok(config)
    }

    /// Use production or staging.
    pub fn with_environment(mut self, environment: Environment) -> Self {
        self.http.base_url = environment.base_url().to_owned();
        self
    }

    walletpass_core::http_setters!();

    /// Use `template` when a new pass names none.
    pub fn with_default_template(mut self, template: TemplateId) -> Self {
        self.default_template = Some(template);
        self
    }

    /// Set how batch jobs are polled.
    pub fn with_batch_polling(mut self, polling: BatchPolling) -> Self {
        self.batch_polling = polling;
        self
    }

    /// Set the webhook signature tolerance.
    pub fn with_webhook_tolerance(mut self, tolerance: Duration) -> Self {
        self.webhook_scheme = self.webhook_scheme.with_tolerance(tolerance);
        self
    }

    /// Set the whole webhook signature scheme (header name, signed message, tolerance).
    pub fn with_webhook_scheme(mut self, scheme: HmacScheme) -> Self {
        self.webhook_scheme = scheme;
        self
    }

    /// Check the settings: a non-empty secret, a usable base URL, a `tpl_` default template.
    pub fn validate(&self) -> Result<(), Error> {
        if self.credentials.secret().expose_secret().trim().is_empty() {
            return Err(config_error(format!(
                "credentials: the {} is empty",
                match self.credentials {
                    Credentials::Bearer(_) => "bearer token",
                    Credentials::ApiKey(_) => "API key",
                }
            )));
        }
        BaseUrl::parse(&self.http.base_url).map_err(|e| e.with_provider(PROVIDER))?;
        if let Some(template) = &self.default_template {
            crate::convert::check_template_id(template)
                .map_err(|e| config_error(format!("default_template: {}", e.message())))?;
        }
        Ok(())
    }

    /// Build the provider.
    pub fn build(self) -> Result<crate::Passinstance, Error> {
        crate::Passinstance::new(self)
    }

    pub(crate) fn auth_headers(&self) -> Result<walletpass_core::http::AuthHeaders, Error> {
        use walletpass_core::http::AuthHeaders;
        match &self.credentials {
            Credentials::Bearer(token) => AuthHeaders::bearer(token),
            Credentials::ApiKey(key) => AuthHeaders::new().with("x-api-key", key.clone()),
        }
        .map_err(|e| e.with_provider(PROVIDER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use walletpass_core::ErrorKind;
    use walletpass_core::vendor::vars;

    #[test]
    fn from_env_reads_a_token_or_a_key() {
        let config = PassinstanceConfig::from_lookup(vars(&[(ENV_TOKEN, "t0k")])).unwrap();
        assert!(matches!(config.credentials, Credentials::Bearer(_)));
        assert_eq!(config.http.base_url, PRODUCTION_BASE_URL);

        let config = PassinstanceConfig::from_lookup(vars(&[
            (ENV_API_KEY, "k3y"),
            (ENV_BASE_URL, "http://127.0.0.1:9000/api/v1"),
            (ENV_TEMPLATE_ID, "tpl_abcdef1234567890"),
        ]))
        .unwrap();
        assert!(matches!(config.credentials, Credentials::ApiKey(_)));
        assert_eq!(config.http.base_url, "http://127.0.0.1:9000/api/v1");
        assert_eq!(
            config.default_template.unwrap().as_str(),
            "tpl_abcdef1234567890"
        );

        // Both set: refused, as on every vendor, rather than one silently dropped.
        let both = PassinstanceConfig::from_lookup(vars(&[(ENV_TOKEN, "t"), (ENV_API_KEY, "k")]))
            .unwrap_err();
        assert_eq!(both.kind(), ErrorKind::Config);
        assert!(
            both.to_string()
                .contains("PASSINSTANCE_TOKEN and PASSINSTANCE_API_KEY are both set"),
            "{both}"
        );
        // Blank is unset: a blank token leaves the key.
        let config =
            PassinstanceConfig::from_lookup(vars(&[(ENV_TOKEN, "  "), (ENV_API_KEY, " k ")]))
                .unwrap();
        assert_eq!(config.credentials.mode(), "api_key");
    }

    #[test]
    fn from_env_names_what_is_missing_or_wrong() {
        let err = PassinstanceConfig::from_lookup(vars::<&str, &str>(&[])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains(ENV_TOKEN) && err.to_string().contains(ENV_API_KEY));

        let err = PassinstanceConfig::from_lookup(vars(&[
            (ENV_TOKEN, "t"),
            (ENV_BASE_URL, "http://api.passinstance.com/api/v1"),
        ]))
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("https"), "{err}");

        let err = PassinstanceConfig::from_lookup(vars(&[
            (ENV_TOKEN, "t"),
            (ENV_TEMPLATE_ID, "ptk_0x14"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("default_template"), "{err}");
    }

    #[test]
    fn secrets_never_show() {
        for config in [
            PassinstanceConfig::bearer("super-secret-1"),
            PassinstanceConfig::api_key("super-secret-1"),
        ] {
            let shown = format!("{config:?}");
            assert!(!shown.contains("super-secret-1"), "{shown}");
            assert!(shown.contains("REDACTED"));
        }
    }

    #[test]
    fn environments_have_the_documented_roots() {
        let staging = PassinstanceConfig::bearer("t").with_environment(Environment::Staging);
        assert_eq!(staging.http.base_url, STAGING_BASE_URL);
        let back = staging.with_environment(Environment::Production);
        assert_eq!(back.http.base_url, PRODUCTION_BASE_URL);
    }
}
