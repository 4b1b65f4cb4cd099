//! Configuration of the PassNinja backend: credentials (kept secret), base URL, HTTP knobs, and
//! the templates' field specs (PassNinja keeps labels and placements on the template, so a pass
//! reads back with labels only when its template's specs are configured here).

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use walletpass_core::http::HttpOptions;
use walletpass_core::vendor::{Lookup, env_value};
use walletpass_core::{Error, FieldSpec, TemplateId};

use crate::{PROVIDER, ids};

fn config_error(message: String) -> Error {
    walletpass_core::config_error(PROVIDER, message)
}

/// The vendor's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.passninja.com/v1";
/// The API key variable (as the vendor's own integration guide names it).
pub const ENV_API_KEY: &str = "PASSNINJA_API_KEY";
/// The account id variable (`aid_0x...`).
pub const ENV_ACCOUNT_ID: &str = "PASSNINJA_ACCOUNT_ID";
/// The optional base URL variable.
pub const ENV_BASE_URL: &str = "PASSNINJA_BASE_URL";
/// The optional field-specs variable: the path of a JSON file read by [`parse_field_specs`].
pub const ENV_FIELD_SPECS: &str = "PASSNINJA_FIELD_SPECS";

/// The shape a field-specs document has, for error messages.
const FIELD_SPECS_SHAPE: &str = r#"{"TEMPLATE": [{"key": "member", "label": "Member", "placement": "primary", "default": {"text": "..."}, "required": false}]}"#;

/// Parse a field-specs document: a JSON object from PassNinja template id to that template's
/// [`FieldSpec`]s, the labels, placements and defaults PassNinja keeps in its dashboard.
///
/// ```
/// use walletpass_passninja::parse_field_specs;
/// let specs = parse_field_specs(
///     br#"{"ptk_0xc0": [{"key": "member", "label": "Member", "placement": "primary"}]}"#,
/// )
/// .unwrap();
/// let member = &specs.values().next().unwrap()[0];
/// assert_eq!(member.label.as_deref(), Some("Member"));
/// assert!(parse_field_specs(br#"{"nope": []}"#).is_err());
/// ```
pub fn parse_field_specs(json: &[u8]) -> Result<BTreeMap<TemplateId, Vec<FieldSpec>>, Error> {
    let specs: BTreeMap<TemplateId, Vec<FieldSpec>> = serde_json::from_slice(json)
        .map_err(|e| config_error(format!("field specs: expected {FIELD_SPECS_SHAPE}: {e}")))?;
    if let Some(bad) = specs.keys().find(|t| !ids::is_template_id(t.as_str())) {
        return Err(config_error(format!(
            "field specs: '{bad}' is not a PassNinja template id (expected ptk_0x<hex>)"
        )));
    }
    Ok(specs)
}

/// How to build a [`PassNinja`](crate::PassNinja) provider.
///
/// ```
/// use walletpass_passninja::PassNinjaConfig;
/// let config = PassNinjaConfig::new("91dbb1e7af9c80aba6ed3f95a1545b4e", "aid_0xa01")
///     .with_base_url("http://127.0.0.1:8001/v1");
/// assert!(!format!("{config:?}").contains("91dbb1e7"));
/// ```
#[derive(Clone)]
pub struct PassNinjaConfig {
    /// Sent as `X-API-KEY`.
    pub api_key: SecretString,
    /// Sent as `X-ACCOUNT-ID` (`aid_0x<hex>`).
    pub account_id: String,
    /// The API root (`https://api.passninja.com/v1` unless overridden), timeout, retries and
    /// client-side rate limit (the vendor throttles at 10 rps for self-serve accounts sending
    /// texts, 100 for enterprise).
    pub http: HttpOptions,
    /// Field specs of the templates this provider works with: labels, placements, defaults and
    /// required keys, which PassNinja keeps in its dashboard rather than on the pass.
    pub field_specs: BTreeMap<TemplateId, Vec<FieldSpec>>,
    /// Before a create on a template without configured specs, read the template's keys from
    /// `GET /passtypes/keys/{template}` and require every one, as the vendor's SDKs do. Off by
    /// default: the endpoint is the SDKs', not the API doc's, so what a template requires is
    /// left to the vendor's own check (`MI1`) unless the field specs say it. A failure of the
    /// lookup never aborts a create.
    pub fetch_required_keys: bool,
    /// Let [`webhook_verifier`](walletpass_core::WalletProvider::webhook_verifier) accept the
    /// legacy, unauthenticated delivery format.
    pub accept_legacy_webhooks: bool,
}

impl fmt::Debug for PassNinjaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassNinjaConfig")
            .field("api_key", &"[REDACTED]")
            .field("account_id", &self.account_id)
            .field("http", &self.http)
            .field("field_specs", &self.field_specs.keys().collect::<Vec<_>>())
            .field("fetch_required_keys", &self.fetch_required_keys)
            .field("accept_legacy_webhooks", &self.accept_legacy_webhooks)
            .finish()
    }
}

impl PassNinjaConfig {
    /// Credentials and defaults for everything else.
    pub fn new(api_key: impl Into<String>, account_id: impl Into<String>) -> Self {
        Self {
            api_key: SecretString::from(api_key.into()),
            account_id: account_id.into(),
            http: HttpOptions::new(DEFAULT_BASE_URL),
            field_specs: BTreeMap::new(),
            fetch_required_keys: false,
            accept_legacy_webhooks: false,
        }
    }

    /// Read `PASSNINJA_API_KEY`, `PASSNINJA_ACCOUNT_ID`, optional `PASSNINJA_BASE_URL` and
    /// optional `PASSNINJA_FIELD_SPECS` (the path of a JSON file, see [`parse_field_specs`]).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Self::read(&lookup, None)
    }

    /// As [`from_lookup`](Self::from_lookup), with `base_url` (when given) in place of
    /// `PASSNINJA_BASE_URL`.
    pub(crate) fn read(lookup: Lookup<'_>, base_url: Option<&str>) -> Result<Self, Error> {
        let get = |name: &str| env_value(lookup, name);
        let api_key =
            get(ENV_API_KEY).ok_or_else(|| config_error(format!("{ENV_API_KEY} is not set")))?;
        let account_id = get(ENV_ACCOUNT_ID)
            .ok_or_else(|| config_error(format!("{ENV_ACCOUNT_ID} is not set")))?;
        let mut config = Self::new(api_key, account_id);
        if let Some(url) = walletpass_core::vendor::base_url_of(lookup, base_url, ENV_BASE_URL) {
            config.http.base_url = url;
        }
        if let Some(path) = get(ENV_FIELD_SPECS) {
            let path = path.as_str();
            let bytes = std::fs::read(path).map_err(|e| {
                config_error(format!("{ENV_FIELD_SPECS}: cannot read '{path}': {e}"))
            })?;
            config.field_specs = parse_field_specs(&bytes).map_err(|e| {
                config_error(format!("{ENV_FIELD_SPECS} '{path}': {}", e.message()))
            })?;
        }
        config.validate()?;
        Ok(config)
    }

    walletpass_core::http_setters!();

    /// Declare a template's fields (labels, placements, defaults, required keys).
    pub fn with_field_specs(mut self, template: TemplateId, specs: Vec<FieldSpec>) -> Self {
        self.field_specs.insert(template, specs);
        self
    }

    /// Whether to read required keys from the undocumented `/passtypes/keys` endpoint before a
    /// create (default off; a failed lookup is logged and the create goes on).
    pub fn with_fetch_required_keys(mut self, fetch: bool) -> Self {
        self.fetch_required_keys = fetch;
        self
    }

    /// Whether the trait's webhook verifier accepts the legacy format (default off).
    pub fn with_legacy_webhooks(mut self, accept: bool) -> Self {
        self.accept_legacy_webhooks = accept;
        self
    }

    /// Check the settings: credentials present, account id `aid_0x<hex>`, template ids valid.
    pub fn validate(&self) -> Result<(), Error> {
        if self.api_key.expose_secret().trim().is_empty() {
            return Err(config_error("api_key: the API key is empty".into()));
        }
        if !ids::is_account_id(&self.account_id) {
            return Err(config_error(format!(
                "account_id: '{}' is not a PassNinja account id (expected aid_0x<hex>, such as aid_0xa01)",
                self.account_id
            )));
        }
        for template in self.field_specs.keys() {
            if !ids::is_template_id(template.as_str()) {
                return Err(config_error(format!(
                    "field_specs: '{template}' is not a PassNinja template id"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use walletpass_core::ErrorKind;
    use walletpass_core::vendor::vars;

    #[test]
    fn from_env_reads_the_three_variables() {
        let config = PassNinjaConfig::from_lookup(vars(&[
            (ENV_API_KEY, "91dbb1e7af9c80aba6ed3f95a1545b4e"),
            (ENV_ACCOUNT_ID, "aid_0xa01"),
        ]))
        .unwrap();
        assert_eq!(config.http.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.account_id, "aid_0xa01");
        let config = PassNinjaConfig::from_lookup(vars(&[
            (ENV_API_KEY, "k"),
            (ENV_ACCOUNT_ID, "aid_0xa01"),
            (ENV_BASE_URL, "http://127.0.0.1:9/v1"),
        ]))
        .unwrap();
        assert_eq!(config.http.base_url, "http://127.0.0.1:9/v1");
    }

    #[test]
    fn field_specs_are_read_from_the_file_the_variable_names() {
        let dir = std::env::temp_dir().join(format!("wp-specs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.json");
        std::fs::write(
            &good,
            r#"{"ptk_0xc0": [{"key": "member", "label": "Member", "placement": "primary"},
                             {"key": "tier", "default": {"text": "Silver"}}]}"#,
        )
        .unwrap();
        let base = [(ENV_API_KEY, "k"), (ENV_ACCOUNT_ID, "aid_0xa01")];
        let with = |path: &std::path::Path| {
            let mut pairs = base.to_vec();
            let path = path.to_str().unwrap().to_owned();
            pairs.push((ENV_FIELD_SPECS, Box::leak(path.into_boxed_str())));
            PassNinjaConfig::from_lookup(vars(&pairs))
        };
        let config = with(&good).unwrap();
        let specs = &config.field_specs[&TemplateId::new("ptk_0xc0").unwrap()];
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].label.as_deref(), Some("Member"));
        assert!(specs[1].default.is_some());

        let err = with(&dir.join("missing.json")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(
            err.to_string()
                .contains("PASSNINJA_FIELD_SPECS: cannot read"),
            "{err}"
        );
        let bad = dir.join("bad.json");
        std::fs::write(&bad, r#"{"ptk_0xc0": {"key": "member"}}"#).unwrap();
        let err = with(&bad).unwrap_err().to_string();
        assert!(
            err.contains("PASSNINJA_FIELD_SPECS") && err.contains(r#"{"TEMPLATE": ["#),
            "{err}"
        );
        std::fs::write(&bad, r#"{"tpl_1": []}"#).unwrap();
        let err = with(&bad).unwrap_err().to_string();
        assert!(
            err.contains("'tpl_1' is not a PassNinja template id"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_or_malformed_settings_are_config_errors() {
        let err = PassNinjaConfig::from_lookup(vars(&[(ENV_ACCOUNT_ID, "aid_0xa01")])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains(ENV_API_KEY));
        let err = PassNinjaConfig::from_lookup(vars(&[(ENV_API_KEY, "k")])).unwrap_err();
        assert!(err.to_string().contains(ENV_ACCOUNT_ID));
        let err =
            PassNinjaConfig::from_lookup(vars(&[(ENV_API_KEY, "k"), (ENV_ACCOUNT_ID, "a01")]))
                .unwrap_err();
        assert!(err.to_string().contains("aid_0x"), "{err}");
    }

    #[test]
    fn debug_hides_the_key() {
        let config = PassNinjaConfig::new("91dbb1e7af9c80aba6ed3f95a1545b4e", "aid_0xa01");
        let shown = format!("{config:?}");
        assert!(!shown.contains("91dbb1e7af9c80aba6ed3f95a1545b4e"));
        assert!(shown.contains("REDACTED") && shown.contains("aid_0xa01"));
    }
}
