//! The PassNinja client: one [`HttpClient`] with the `X-API-KEY` and `X-ACCOUNT-ID` headers,
//! the documented calls, and the vendor powers the trait has no place for (raw passes,
//! decrypting APDU payloads, a template's keys).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use serde_json::Value;
use walletpass_core::http::{AuthHeaders, HttpClient, Method};
use walletpass_core::{Capabilities, Error, FieldSpec, Operation, Pass, PassRef, TemplateId};

use crate::config::PassNinjaConfig;
use crate::webhook::PassNinjaWebhookVerifier;
use crate::{PROVIDER, ids, wire};

/// The PassNinja provider. Implements [`WalletProvider`](walletpass_core::WalletProvider);
/// cheap to clone (clones share the connection pool).
///
/// ```no_run
/// # async fn demo() -> walletpass_core::Result<()> {
/// use walletpass_core::{PassRef, WalletProvider};
/// use walletpass_passninja::{PassNinja, PassNinjaConfig};
/// let provider = PassNinja::new(PassNinjaConfig::new("91dbb1e7af9c80aba6ed3f95a1545b4e", "aid_0xa01"))?;
/// let pass = provider.get(&PassRef::parse("ptk_0x14/838b8cf60dac2bfad9")?).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct PassNinja {
    pub(crate) http: HttpClient,
    pub(crate) field_specs: Arc<BTreeMap<TemplateId, Vec<FieldSpec>>>,
    pub(crate) fetch_required_keys: bool,
    pub(crate) accept_legacy_webhooks: bool,
    pub(crate) keys_cache: Arc<Mutex<HashMap<String, Vec<String>>>>,
    pub(crate) capabilities: Capabilities,
}

impl PassNinja {
    /// Build a provider from a configuration (checked first).
    pub fn new(config: PassNinjaConfig) -> Result<Self, Error> {
        config.validate()?;
        let auth = AuthHeaders::new()
            .with("x-api-key", config.api_key.clone())?
            .with(
                "x-account-id",
                SecretString::from(config.account_id.clone()),
            )?;
        let http = config
            .http
            .client(PROVIDER, auth, crate::error::parse_error)?;
        Ok(Self {
            http,
            field_specs: Arc::new(config.field_specs),
            fetch_required_keys: config.fetch_required_keys,
            accept_legacy_webhooks: config.accept_legacy_webhooks,
            keys_cache: Arc::default(),
            capabilities: crate::provider::capabilities(),
        })
    }

    /// Build a provider from `PASSNINJA_API_KEY`, `PASSNINJA_ACCOUNT_ID` and optional
    /// `PASSNINJA_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        Self::new(PassNinjaConfig::from_env()?)
    }

    /// The configured field specs of a template.
    pub fn field_specs(&self, template: &TemplateId) -> Option<&[FieldSpec]> {
        self.field_specs.get(template).map(Vec::as_slice)
    }

    /// A verifier for deliveries of the subscription whose bearer token is `token`.
    pub fn verifier(&self, token: SecretString) -> PassNinjaWebhookVerifier {
        PassNinjaWebhookVerifier::new(token).accept_legacy(self.accept_legacy_webhooks)
    }

    /// The template's API field names: `GET /passtypes/keys/{template}` (what the vendor's
    /// SDKs read before a create).
    pub async fn template_keys(&self, template: &TemplateId) -> Result<Vec<String>, Error> {
        ids::check_template("template", template)?;
        let keys: wire::Keys = self
            .http
            .request(
                Operation::Vendor("template_keys"),
                Method::GET,
                &["passtypes", "keys", template.as_str()],
            )
            .resource(template.as_str())
            .send_json()
            .await?;
        Ok(keys.keys)
    }

    /// The keys, read once per template.
    pub(crate) async fn cached_keys(&self, template: &TemplateId) -> Result<Vec<String>, Error> {
        if let Some(keys) = self
            .keys_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(template.as_str())
        {
            return Ok(keys.clone());
        }
        let keys = self.template_keys(template).await?;
        self.remember_keys(template, keys.clone());
        Ok(keys)
    }

    /// Cache a template's keys.
    pub(crate) fn remember_keys(&self, template: &TemplateId, keys: Vec<String>) {
        self.keys_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(template.to_string(), keys);
    }

    /// Every pass of `template` in one answer: `GET /passes/{template}` without `page` (the
    /// vendor then returns all passes and no `meta`), optionally filtered by a case-insensitive
    /// partial `search` on the serial. As in the paged list, rows carry no field values.
    pub async fn list_unpaged(
        &self,
        template: &TemplateId,
        search: Option<&str>,
    ) -> Result<Vec<Pass>, Error> {
        let op = Operation::List;
        ids::check_template("template", template)
            .map_err(|e| e.with_provider(PROVIDER).with_operation(op))?;
        let list: wire::PassList = self
            .http
            .request(op, Method::GET, &["passes", template.as_str()])
            .query_opt("search", search)
            .resource(template.as_str())
            .send_json()
            .await?;
        list.passes
            .iter()
            .map(|row| crate::convert::listed_pass_of(row, template.as_str()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.with_operation(op))
    }

    /// The pass with the raw Apple or Google property names: `GET .../{serial}/raw`.
    pub async fn get_raw(&self, pass: &PassRef) -> Result<Value, Error> {
        let (template, serial) = ids::check_pass_ref(pass)?;
        self.http
            .request(
                Operation::Vendor("get_raw"),
                Method::GET,
                &["passes", template.as_str(), serial, "raw"],
            )
            .resource(pass.to_string())
            .send_json()
            .await
    }

    /// Decrypt an APDU payload (hex, no spaces) read from an Apple pass of `template`:
    /// `POST /passes/{template}/decrypt`. The answer's shape is not documented, so it is
    /// returned as JSON.
    pub async fn decrypt(&self, template: &TemplateId, payload: &str) -> Result<Value, Error> {
        ids::check_template("template", template)?;
        if payload.is_empty()
            || !payload.len().is_multiple_of(2)
            || !payload.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(Error::invalid_field(
                "payload",
                "expected hex-encoded APDUs with no spaces, such as 55166a97002...",
            )
            .with_provider(PROVIDER)
            .with_operation(Operation::Vendor("decrypt")));
        }
        self.http
            .request(
                Operation::Vendor("decrypt"),
                Method::POST,
                &["passes", template.as_str(), "decrypt"],
            )
            .json(&serde_json::json!({ "payload": payload }))
            .idempotent(true)
            .resource(template.as_str())
            .send_json()
            .await
    }
}
