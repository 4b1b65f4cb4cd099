//! The PassNinja client: one [`HttpClient`] with the `X-API-KEY` and `X-ACCOUNT-ID` headers,
//! every vendor HTTP call (the documented ones, in doc order, and the SDKs' keys endpoint), and
//! the vendor powers the trait has no place for (raw passes, decrypting APDU payloads, a
//! template's keys, the unpaged list).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use serde_json::Value;
use walletpass_core::http::{ApiResponse, AuthHeaders, HttpClient, Method};
use walletpass_core::{
    Capabilities, Error, FieldSpec, Operation, Pass, PassRef, ResultExt, TemplateId, WebhookId,
};

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
        const OP: Operation = Operation::Vendor("template_keys");
        ids::check_template("template", template).at(PROVIDER, OP)?;
        let keys: wire::Keys = self
            .http
            .request(OP, Method::GET, &["passtypes", "keys", template.as_str()])
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
        ids::check_template("template", template).at(PROVIDER, op)?;
        let list = self.list_passes(template, None, None, search).await?;
        list.passes
            .iter()
            .map(|row| crate::convert::listed_pass_of(row, template.as_str()))
            .collect::<Result<Vec<_>, _>>()
            .at(PROVIDER, op)
    }

    /// The pass with the raw Apple or Google property names: `GET .../{serial}/raw`.
    pub async fn get_raw(&self, pass: &PassRef) -> Result<Value, Error> {
        const OP: Operation = Operation::Vendor("get_raw");
        let (template, serial) = ids::check_pass_ref(pass).at(PROVIDER, OP)?;
        self.http
            .request(
                OP,
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
        const OP: Operation = Operation::Vendor("decrypt");
        ids::check_template("template", template).at(PROVIDER, OP)?;
        if payload.is_empty()
            || !payload.len().is_multiple_of(2)
            || !payload.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(Error::invalid_field(
                "payload",
                "expected hex-encoded APDUs with no spaces, such as 55166a97002...",
            )
            .at(PROVIDER, OP));
        }
        self.http
            .request(OP, Method::POST, &["passes", template.as_str(), "decrypt"])
            .json(&serde_json::json!({ "payload": payload }))
            .idempotent(true)
            .resource(template.as_str())
            .send_json()
            .await
    }

    // The documented calls, in the order of the doc's sections. Each takes checked ids and
    // wire bodies and answers the vendor's own shapes; `provider.rs` converts them.

    /// "Get a pass": `GET /passes/{template}/{serial}`.
    ///
    /// `then` converts the answer inside the request's own future; a plain function, not an
    /// `async fn`: the read is on every `get`, `patch` and `put`, and a wrapper level would be
    /// copied on each of them. The answer is decoded into a box, so it is not copied as it is
    /// handed on.
    pub(crate) fn get_pass<'a, U: Send + 'a>(
        &'a self,
        template: &TemplateId,
        serial: &str,
        then: impl FnOnce(Box<wire::PassBody>) -> Result<U, Error> + Send + 'a,
    ) -> impl Future<Output = Result<U, Error>> + Send + 'a {
        self.http
            .request(
                Operation::Get,
                Method::GET,
                &["passes", template.as_str(), serial],
            )
            .resource(format!("{template}/{serial}"))
            .send_json_map(then)
    }

    /// "Create a pass": `POST /passes`. Not idempotent: a retry could issue a second pass.
    pub(crate) async fn create_pass(
        &self,
        body: &wire::CreatePass<'_>,
    ) -> Result<wire::PassBody, Error> {
        self.http
            .request(Operation::Create, Method::POST, &["passes"])
            .json(body)
            .resource(body.pass_template)
            .send_json()
            .await
    }

    /// "Update a pass" (`PATCH`) and "Replace a pass" (`PUT`) on
    /// `/passes/{template}/{serial}`; both are idempotent. The answer is only checked to be an
    /// object (P15): the caller reads the pass back.
    pub(crate) fn update_pass(
        &self,
        pass: &PassRef,
        template: &TemplateId,
        serial: &str,
        method: Method,
        values: &serde_json::Map<String, Value>,
    ) -> impl Future<Output = Result<wire::WriteAnswer, Error>> + Send {
        let op = if method == Method::PUT {
            Operation::Put
        } else {
            Operation::Patch
        };
        self.http
            .request(op, method, &["passes", template.as_str(), serial])
            .json(&wire::UpdatePass { pass: values })
            .idempotent(true)
            .resource(pass.to_string())
            .send_json()
    }

    /// "Delete a pass": `DELETE /passes/{template}/{serial}`.
    pub(crate) async fn delete_pass(
        &self,
        pass: &PassRef,
        template: &TemplateId,
        serial: &str,
    ) -> Result<(), Error> {
        self.http
            .request(
                Operation::Delete,
                Method::DELETE,
                &["passes", template.as_str(), serial],
            )
            .resource(pass.to_string())
            .send()
            .await
            .map(|_| ())
    }

    /// "List passes": `GET /passes/{template}`, with `page` (then the answer has `meta`) or
    /// without (every pass at once).
    pub(crate) async fn list_passes(
        &self,
        template: &TemplateId,
        page: Option<u64>,
        per_page: Option<u32>,
        search: Option<&str>,
    ) -> Result<wire::PassList, Error> {
        self.http
            .request(Operation::List, Method::GET, &["passes", template.as_str()])
            .query_opt("page", page)
            .query_opt("per_page", per_page)
            .query_opt("search", search)
            .resource(template.as_str())
            .send_json()
            .await
    }

    /// "List pass templates": `GET /pass_templates` (every template in one answer).
    pub(crate) async fn list_templates_all(&self) -> Result<wire::TemplateList, Error> {
        self.http
            .request(Operation::ListTemplates, Method::GET, &["pass_templates"])
            .send_json()
            .await
    }

    /// "Get a pass template": `GET /pass_templates/{id}`.
    pub(crate) async fn get_template_body(
        &self,
        id: &TemplateId,
    ) -> Result<wire::TemplateBody, Error> {
        self.http
            .request(
                Operation::GetTemplate,
                Method::GET,
                &["pass_templates", id.as_str()],
            )
            .resource(id.as_str())
            .send_json()
            .await
    }

    /// "Create a pass template": `POST /pass_templates`.
    pub(crate) async fn create_template_body(
        &self,
        body: &wire::CreateTemplate<'_>,
    ) -> Result<wire::TemplateBody, Error> {
        self.http
            .request(Operation::CreateTemplate, Method::POST, &["pass_templates"])
            .json(body)
            .send_json()
            .await
    }

    /// "Delete a pass template": `DELETE /pass_templates/{id}`; the template's cached keys go
    /// with it.
    pub(crate) async fn delete_template_by_id(&self, id: &TemplateId) -> Result<(), Error> {
        self.http
            .request(
                Operation::DeleteTemplate,
                Method::DELETE,
                &["pass_templates", id.as_str()],
            )
            .resource(id.as_str())
            .send()
            .await?;
        self.keys_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id.as_str());
        Ok(())
    }

    /// "Create a webhook subscription": `POST /webhooks`. The answer carries the bearer token,
    /// so it is returned undecoded (see `provider::created_row`).
    pub(crate) async fn create_webhook_raw(
        &self,
        body: &wire::CreateWebhook<'_>,
    ) -> Result<ApiResponse, Error> {
        self.http
            .request(Operation::CreateWebhook, Method::POST, &["webhooks"])
            .json(body)
            .send()
            .await
    }

    /// "List webhook subscriptions": `GET /webhooks?page=&per_page=&pass_template=`.
    pub(crate) async fn list_webhook_rows(
        &self,
        page: u64,
        per_page: Option<u32>,
        template: Option<&TemplateId>,
    ) -> Result<wire::WebhookList, Error> {
        self.http
            .request(Operation::ListWebhooks, Method::GET, &["webhooks"])
            .query("page", page)
            .query_opt("per_page", per_page)
            .query_opt("pass_template", template)
            .send_json()
            .await
    }

    /// "Get a webhook subscription": `GET /webhooks/{id}`.
    pub(crate) async fn get_webhook_row(&self, id: &WebhookId) -> Result<wire::WebhookRow, Error> {
        self.http
            .request(
                Operation::GetWebhook,
                Method::GET,
                &["webhooks", id.as_str()],
            )
            .resource(id.as_str())
            .send_json()
            .await
    }

    /// "Delete a webhook subscription": `DELETE /webhooks/{id}`.
    pub(crate) async fn delete_webhook_by_id(&self, id: &WebhookId) -> Result<(), Error> {
        self.http
            .request(
                Operation::DeleteWebhook,
                Method::DELETE,
                &["webhooks", id.as_str()],
            )
            .resource(id.as_str())
            .send()
            .await
            .map(|_| ())
    }

    /// "List webhook results": `GET /webhooks/{id}/results?page=&per_page=`.
    pub(crate) async fn webhook_results(
        &self,
        id: &WebhookId,
        page: u64,
        per_page: Option<u32>,
    ) -> Result<wire::WebhookResults, Error> {
        self.http
            .request(
                Operation::WebhookDeliveries,
                Method::GET,
                &["webhooks", id.as_str(), "results"],
            )
            .query("page", page)
            .query_opt("per_page", per_page)
            .resource(id.as_str())
            .send_json()
            .await
    }
}
