//! The [`Passinstance`] client: one [`HttpClient`] with the configured auth, and the HTTP calls
//! of the pass, template and webhook resources, including the idempotent create (assumption A5)
//! and the lookup of a pass by serial number (A2).

use std::fmt;
use std::sync::Arc;

use walletpass_core::http::{ApiResponse, HttpClient, Method, RequestBuilder};
use walletpass_core::paging::{self, PageInfo};
use walletpass_core::{
    Capabilities, Error, ErrorKind, ListQuery, NewPass, Operation, Page, Pass, PassContent, PassId,
    PassRef, ResultExt, TemplateId, WalletProviderExt,
};

use crate::config::PassinstanceConfig;
use crate::convert::{
    check_template_id, content_from_wire, pass_body, pass_from_wire, pass_id_of, same_content,
    template_of,
};
use crate::wire::{PassBody, TemplateBody, WebhookBody, WireList, WirePass, WireTemplate};
use crate::{PROVIDER, provider};

/// The most items a list request asks for (assumption A7).
pub const MAX_PAGE_SIZE: u32 = 100;

/// The Passinstance provider: implements [`WalletProvider`](walletpass_core::WalletProvider),
/// and offers the vendor's batch jobs, bundles and push notifications as inherent methods.
///
/// ```
/// use walletpass_passinstance::{Passinstance, PassinstanceConfig};
/// let provider = Passinstance::new(
///     PassinstanceConfig::api_key("pi_key").with_base_url("http://127.0.0.1:8003/api/v1"),
/// )?;
/// assert!(!format!("{provider:?}").contains("pi_key"));
/// # Ok::<(), walletpass_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Passinstance {
    pub(crate) http: HttpClient,
    pub(crate) config: Arc<PassinstanceConfig>,
    pub(crate) capabilities: Arc<Capabilities>,
}

impl fmt::Debug for Passinstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passinstance")
            .field("config", &self.config)
            .finish()
    }
}

/// A resolved create: where the pass goes and what it holds.
#[derive(Clone, Debug)]
pub(crate) struct PreparedCreate {
    pub template: TemplateId,
    pub serial: String,
    pub content: PassContent,
    pub body: PassBody,
}

impl Passinstance {
    /// Build the provider from a configuration.
    pub fn new(config: PassinstanceConfig) -> Result<Self, Error> {
        config.validate()?;
        let http =
            config
                .http
                .client(PROVIDER, config.auth_headers()?, crate::error::parse_error)?;
        Ok(Self {
            http,
            config: Arc::new(config),
            capabilities: Arc::new(provider::capabilities()),
        })
    }

    /// Build the provider from `PASSINSTANCE_TOKEN` or `PASSINSTANCE_API_KEY`, and the optional
    /// `PASSINSTANCE_BASE_URL` and `PASSINSTANCE_TEMPLATE_ID`.
    pub fn from_env() -> Result<Self, Error> {
        Self::new(PassinstanceConfig::from_env()?)
    }

    /// The configuration in use.
    pub fn config(&self) -> &PassinstanceConfig {
        &self.config
    }

    /// Resolve a new pass: its template (or the default), its serial (or a fresh one, chosen
    /// once so that every retry of this create sends the same serial), and its body.
    pub(crate) fn prepare_create(&self, pass: NewPass) -> Result<PreparedCreate, Error> {
        let template = pass
            .template
            .or_else(|| self.config.default_template.clone())
            .ok_or_else(|| {
                Error::invalid_field(
                    "template",
                    "a Passinstance pass needs a template: name one for the new pass, or set a default template (PASSINSTANCE_TEMPLATE_ID)",
                )
                .with_provider(PROVIDER)
            })?;
        check_template_id(&template)?;
        let serial = match pass.serial_number {
            Some(serial) => serial.to_string(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        self.check_fits(&pass.content)?;
        let body = pass_body(Some(&template), Some(&serial), &pass.content)?;
        Ok(PreparedCreate {
            template,
            serial,
            content: pass.content,
            body,
        })
    }

    /// `POST /passes`, idempotent by (template, serial): a 409 is answered with the pass
    /// already there when it holds the same content, and stays a conflict otherwise.
    pub(crate) async fn create_pass(&self, pass: NewPass) -> Result<Pass, Error> {
        let prepared = self.prepare_create(pass).at(PROVIDER, Operation::Create)?;
        let created = self
            .http
            .request(Operation::Create, Method::POST, &["passes"])
            .json(&prepared.body)
            .idempotent(true)
            .resource(pass_resource(&prepared.serial))
            .send_json::<WirePass>()
            .await;
        match created {
            Ok(wire) => pass_from_wire(wire).at(PROVIDER, Operation::Create),
            Err(err) if err.kind() == ErrorKind::Conflict => {
                self.settle_conflict(&prepared, err, Operation::Create)
                    .await
            }
            Err(err) => Err(err),
        }
    }

    /// After a 409 on a create: the existing pass when it holds what was asked, else the
    /// conflict, naming the pass that holds the serial.
    pub(crate) async fn settle_conflict(
        &self,
        prepared: &PreparedCreate,
        conflict: Error,
        operation: Operation,
    ) -> Result<Pass, Error> {
        let Some(existing) = self
            .find_by_serial(&prepared.template, &prepared.serial, operation)
            .await?
        else {
            return Err(conflict);
        };
        if same_content(&prepared.content, &existing.content) {
            tracing::debug!(
                provider = PROVIDER,
                serial = %prepared.serial,
                "create answered 409 for an identical pass; returning the existing pass"
            );
            Ok(existing)
        } else {
            Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "a pass with serial number {} already exists in template {} (id {}) with different content",
                    prepared.serial, prepared.template, existing.pass_ref.id
                ),
            )
            .at(PROVIDER, operation)
            .with_status(409)
            .with_resource(existing.pass_ref.id.to_string())
            .with_source(conflict))
        }
    }

    /// The pass with `serial` in `template`, through `GET /passes?templateId=&serialNumber=`.
    pub(crate) async fn find_by_serial(
        &self,
        template: &TemplateId,
        serial: &str,
        operation: Operation,
    ) -> Result<Option<Pass>, Error> {
        let list: WireList<WirePass> = self
            .http
            .request(operation, Method::GET, &["passes"])
            .query("templateId", template)
            .query("serialNumber", serial)
            .send_json()
            .await?;
        for wire in list.data {
            if wire.serial_number.as_deref() == Some(serial)
                && wire
                    .template_id
                    .as_deref()
                    .is_none_or(|t| t == template.as_str())
            {
                return pass_from_wire(wire).map(Some);
            }
        }
        Ok(None)
    }

    /// Run `call` on the pass id; when the vendor does not know the id and the reference names
    /// a template, look the id up as a serial number in that template and run `call` again.
    pub(crate) async fn on_pass<T, F, Fut>(
        &self,
        pass: &PassRef,
        operation: Operation,
        call: F,
    ) -> Result<T, Error>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let err = match call(pass.id.as_str().to_owned()).await {
            Err(err) if err.kind() == ErrorKind::NotFound => err,
            other => return other,
        };
        // The lookup runs only for an id the vendor does not know: boxed, so that its future
        // is not part of every call's.
        match Box::pin(self.id_by_serial(pass, operation)).await? {
            Some(id) => call(id).await,
            None => Err(err),
        }
    }

    /// The id of the pass whose serial number is `pass.id` in the template `pass` names, when
    /// that is another id than `pass.id`.
    async fn id_by_serial(
        &self,
        pass: &PassRef,
        operation: Operation,
    ) -> Result<Option<String>, Error> {
        let Some(template) = &pass.template else {
            return Ok(None);
        };
        if check_template_id(template).is_err() {
            return Ok(None);
        }
        Ok(self
            .find_by_serial(template, pass.id.as_str(), operation)
            .await?
            .map(|found| found.pass_ref.id)
            .filter(|id| *id != pass.id)
            .map(|id| id.to_string()))
    }

    /// `GET /passes/{id}`.
    ///
    /// This, [`content_by_id`](Self::content_by_id) and [`put_by_id`](Self::put_by_id) are plain
    /// functions returning the request's future, the conversion inside it: `get` runs this one,
    /// `patch` the other two and `put` the last, and an `async fn` level would be copied on each.
    pub(crate) fn get_by_id(
        &self,
        id: String,
        operation: Operation,
    ) -> impl Future<Output = Result<Pass, Error>> + Send {
        self.get_request(&id, operation)
            .send_json_map(answered_pass(operation))
    }

    /// `GET /passes/{id}`, read as the pass's id and content alone: what a patch merges into.
    /// The answer is checked as [`get_by_id`](Self::get_by_id) checks it (its template id too),
    /// so a read that `get` would refuse fails the patch before anything is written.
    pub(crate) fn content_by_id(
        &self,
        id: String,
        operation: Operation,
    ) -> impl Future<Output = Result<(PassId, PassContent), Error>> + Send {
        self.get_request(&id, operation)
            .send_json_map(move |mut wire: Box<WirePass>| {
                let id = pass_id_of(&wire).at(PROVIDER, operation)?;
                template_of(&wire).at(PROVIDER, operation)?;
                let content = content_from_wire(&mut wire).at(PROVIDER, operation)?;
                Ok((id, content))
            })
    }

    fn get_request(&self, id: &str, operation: Operation) -> RequestBuilder<'_> {
        self.http
            .request(operation, Method::GET, &["passes", id])
            .resource(pass_resource(id))
    }

    /// `PUT /passes/{id}` with the full content. The body is encoded when this is called, so
    /// the future does not borrow it (`use<'a>`): a caller can drop it before awaiting.
    pub(crate) fn put_by_id<'a>(
        &'a self,
        id: String,
        body: &PassBody,
        operation: Operation,
    ) -> impl Future<Output = Result<Pass, Error>> + Send + use<'a> {
        self.http
            .request(operation, Method::PUT, &["passes", &id])
            .json(body)
            .resource(pass_resource(&id))
            .send_json_map(answered_pass(operation))
    }

    /// `POST /passes/{id}/void` (idempotent: voiding twice leaves the pass voided).
    pub(crate) fn void_by_id(
        &self,
        id: String,
    ) -> impl Future<Output = Result<Pass, Error>> + Send {
        self.http
            .request(Operation::Void, Method::POST, &["passes", &id, "void"])
            .idempotent(true)
            .resource(pass_resource(&id))
            .send_json_map(answered_pass(Operation::Void))
    }

    /// `DELETE /passes/{id}`.
    pub(crate) async fn delete_by_id(&self, id: String) -> Result<ApiResponse, Error> {
        self.http
            .request(Operation::Delete, Method::DELETE, &["passes", &id])
            .resource(pass_resource(&id))
            .send()
            .await
    }

    /// One page of a list resource under `path`, with `params` as extra query parameters.
    pub(crate) async fn list_page<T: serde::de::DeserializeOwned>(
        &self,
        operation: Operation,
        path: &[&str],
        query: &ListQuery,
        params: &[(&str, String)],
    ) -> Result<Page<T>, Error> {
        let page =
            paging::page_number(query.cursor.as_ref(), "Passinstance").at(PROVIDER, operation)?;
        let limit = paging::page_size(query.page_size, Some(MAX_PAGE_SIZE))
            .at(PROVIDER, operation)?
            .unwrap_or(MAX_PAGE_SIZE);
        let mut request = self
            .http
            .request(operation, Method::GET, path)
            .query("page", page)
            .query("limit", limit);
        for (name, value) in params {
            request = request.query(name, value);
        }
        let list: WireList<T> = request.send_json().await?;
        let pagination = list.pagination.unwrap_or_default();
        let next = PageInfo {
            page,
            per_page: u64::from(limit),
            received: list.data.len(),
            total_pages: pagination.total_pages,
            total: pagination.total,
        }
        .next();
        Ok(Page {
            items: list.data,
            next,
        })
    }

    /// `GET /templates/{id}`.
    pub(crate) async fn get_template_by_id(&self, id: &TemplateId) -> Result<WireTemplate, Error> {
        self.http
            .request(
                Operation::GetTemplate,
                Method::GET,
                &["templates", id.as_str()],
            )
            .resource(format!("template {id}"))
            .send_json()
            .await
    }

    /// `POST /templates` (assumption A8).
    pub(crate) async fn post_template(
        &self,
        body: &TemplateBody,
        name: &str,
    ) -> Result<WireTemplate, Error> {
        self.http
            .request(Operation::CreateTemplate, Method::POST, &["templates"])
            .json(body)
            .resource(format!("template {name}"))
            .send_json()
            .await
    }

    /// `POST /webhooks` (assumption A9). The answer may carry the signing secret, so it is
    /// returned undecoded: `send_json`'s decode error would quote the body.
    pub(crate) async fn post_webhook(
        &self,
        body: &WebhookBody,
        url: &impl fmt::Display,
    ) -> Result<ApiResponse, Error> {
        self.http
            .request(Operation::CreateWebhook, Method::POST, &["webhooks"])
            .json(body)
            .resource(format!("webhook {url}"))
            .send()
            .await
    }
}

/// How errors name the pass `id` (built without the formatter: it runs on every request).
fn pass_resource(id: &str) -> String {
    ["pass ", id].concat()
}

/// The conversion of a pass the vendor answered, for [`RequestBuilder::send_json_map`]: decoded
/// into a box, so the half-kilobyte document is not copied as it is handed on.
///
/// [`RequestBuilder::send_json_map`]: walletpass_core::http::RequestBuilder::send_json_map
fn answered_pass(operation: Operation) -> impl FnOnce(Box<WirePass>) -> Result<Pass, Error> + Send {
    move |wire| pass_from_wire(*wire).at(PROVIDER, operation)
}
