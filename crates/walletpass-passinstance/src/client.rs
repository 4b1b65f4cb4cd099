//! The [`Passinstance`] client: one [`HttpClient`] with the configured auth, and the HTTP calls
//! of the pass, template and webhook resources, including the idempotent create (assumption A5)
//! and the lookup of a pass by serial number (A2).

use std::fmt;
use std::sync::Arc;

use walletpass_core::http::{ApiResponse, HttpClient, Method};
use walletpass_core::{
    Capabilities, Cursor, Error, ErrorKind, ListQuery, NewPass, Operation, Page, Pass, PassContent,
    PassRef, TemplateId, WalletProviderExt,
};

use crate::config::PassinstanceConfig;
use crate::convert::{check_template_id, pass_body, pass_from_wire, same_content};
use crate::wire::{PassBody, WireList, WirePagination, WirePass};
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
        let http = HttpClient::builder(PROVIDER)
            .base_url(config.base_url.clone())
            .auth(config.auth_headers()?)
            .timeout(config.timeout)
            .retry(config.retry.clone())
            .rate_limit(config.rate_limit)
            .error_parser(crate::error::parse_error)
            .build()?;
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
        let prepared = self
            .prepare_create(pass)
            .map_err(|e| e.with_operation(Operation::Create))?;
        let created = self
            .http
            .request(Operation::Create, Method::POST, &["passes"])
            .json(&prepared.body)
            .idempotent(true)
            .resource(format!("pass {}", prepared.serial))
            .send_json::<WirePass>()
            .await;
        match created {
            Ok(wire) => pass_from_wire(wire).map_err(|e| e.with_operation(Operation::Create)),
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
            .with_provider(PROVIDER)
            .with_operation(operation)
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
        match call(pass.id.to_string()).await {
            Err(err) if err.kind() == ErrorKind::NotFound => {
                let Some(template) = &pass.template else {
                    return Err(err);
                };
                if check_template_id(template).is_err() {
                    return Err(err);
                }
                match self
                    .find_by_serial(template, pass.id.as_str(), operation)
                    .await?
                {
                    Some(found) if found.pass_ref.id != pass.id => {
                        call(found.pass_ref.id.to_string()).await
                    }
                    _ => Err(err),
                }
            }
            other => other,
        }
    }

    /// `GET /passes/{id}`.
    pub(crate) async fn get_by_id(&self, id: String, operation: Operation) -> Result<Pass, Error> {
        let wire: WirePass = self
            .http
            .request(operation, Method::GET, &["passes", &id])
            .resource(format!("pass {id}"))
            .send_json()
            .await?;
        pass_from_wire(wire).map_err(|e| e.with_operation(operation))
    }

    /// `PUT /passes/{id}` with the full content.
    pub(crate) async fn put_by_id(
        &self,
        id: String,
        body: &PassBody,
        operation: Operation,
    ) -> Result<Pass, Error> {
        let wire: WirePass = self
            .http
            .request(operation, Method::PUT, &["passes", &id])
            .json(body)
            .resource(format!("pass {id}"))
            .send_json()
            .await?;
        pass_from_wire(wire).map_err(|e| e.with_operation(operation))
    }

    /// `POST /passes/{id}/void` (idempotent: voiding twice leaves the pass voided).
    pub(crate) async fn void_by_id(&self, id: String) -> Result<Pass, Error> {
        let wire: WirePass = self
            .http
            .request(Operation::Void, Method::POST, &["passes", &id, "void"])
            .idempotent(true)
            .resource(format!("pass {id}"))
            .send_json()
            .await?;
        pass_from_wire(wire).map_err(|e| e.with_operation(Operation::Void))
    }

    /// `DELETE /passes/{id}`.
    pub(crate) async fn delete_by_id(&self, id: String) -> Result<ApiResponse, Error> {
        self.http
            .request(Operation::Delete, Method::DELETE, &["passes", &id])
            .resource(format!("pass {id}"))
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
        let page = match &query.cursor {
            None => 1,
            Some(cursor) => parse_cursor(cursor).map_err(|e| e.with_operation(operation))?,
        };
        let limit = match query.page_size {
            None => MAX_PAGE_SIZE,
            Some(0) => {
                return Err(Error::invalid_field("page_size", "must be at least 1")
                    .with_provider(PROVIDER)
                    .with_operation(operation));
            }
            Some(n) => n.min(MAX_PAGE_SIZE),
        };
        let mut request = self
            .http
            .request(operation, Method::GET, path)
            .query("page", page)
            .query("limit", limit);
        for (name, value) in params {
            request = request.query(name, value);
        }
        let list: WireList<T> = request.send_json().await?;
        let next = next_page(page, limit, list.data.len(), list.pagination);
        Ok(Page {
            items: list.data,
            next: next.map(|p| Cursor::new(p.to_string())),
        })
    }
}

/// A cursor is the page number to read (assumption A7).
fn parse_cursor(cursor: &Cursor) -> Result<u64, Error> {
    cursor
        .as_str()
        .parse::<u64>()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| {
            Error::invalid_field(
                "cursor",
                format!(
                    "'{cursor}' is not a Passinstance cursor (a page number from a previous page)"
                ),
            )
            .with_provider(PROVIDER)
        })
}

/// The page after `page`, when there is one: from `totalPages`, else `total`, else whether
/// the page came back full.
fn next_page(
    page: u64,
    limit: u32,
    received: usize,
    pagination: Option<WirePagination>,
) -> Option<u64> {
    let pagination = pagination.unwrap_or_default();
    let more = match (pagination.total_pages, pagination.total) {
        (Some(pages), _) => page < pages,
        (None, Some(total)) => page.saturating_mul(u64::from(limit)) < total,
        (None, None) => received >= limit as usize && received > 0,
    };
    more.then_some(page + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_from_each_source() {
        let p = |page, pages, total| WirePagination {
            page: Some(page),
            limit: Some(10),
            total,
            total_pages: pages,
        };
        assert_eq!(next_page(1, 10, 10, Some(p(1, Some(3), None))), Some(2));
        assert_eq!(next_page(3, 10, 5, Some(p(3, Some(3), None))), None);
        assert_eq!(next_page(2, 10, 10, Some(p(2, None, Some(25)))), Some(3));
        assert_eq!(next_page(3, 10, 5, Some(p(3, None, Some(25)))), None);
        assert_eq!(next_page(1, 10, 10, None), Some(2));
        assert_eq!(next_page(1, 10, 9, None), None);
    }

    #[test]
    fn cursors_are_page_numbers() {
        assert_eq!(parse_cursor(&Cursor::new("3")).unwrap(), 3);
        let err = parse_cursor(&Cursor::new("abc")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(parse_cursor(&Cursor::new("0")).is_err());
    }
}
