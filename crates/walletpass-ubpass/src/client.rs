//! The [`Ubpass`] provider type and its wallet-pass calls at the vendor's level: create (201),
//! async create (202), get (whose 200 the spec types as an array), list (`BXPagedList`), update
//! (PATCH, whole document) and delete (removed from the public docs, see
//! [`Ubpass::delete_wallet_pass`]). Auth headers and `x-workspace-id` go on every request.

use std::time::Duration;

use secrecy::SecretString;
use walletpass_core::http::{AuthHeaders, HttpClient, Method, RequestBuilder};
use walletpass_core::paging;
use walletpass_core::{
    Capabilities, Cursor, Error, ErrorKind, NewPass, Operation, Page, Pass, PassContent, PassId,
    PassStatus, Result, ResultExt,
};

use crate::PROVIDER;
use crate::config::{UbpassAuth, UbpassConfig};
use crate::convert;
use crate::error::parse_error;
use crate::ids::{check_id, join_ids};
use crate::wire::{FirstPass, PagedList, WalletPass, WalletPassWrite};

/// The largest page the vendor returns (`limit` 1–20).
pub const MAX_PAGE_SIZE: u32 = 20;

/// The ubpass provider: the [`WalletProvider`](walletpass_core::WalletProvider) trait plus the
/// vendor's own powers (uploads, notifications, locations, async create, status) as inherent
/// methods. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Ubpass {
    pub(crate) http: HttpClient,
    pub(crate) s3: reqwest::Client,
    pub(crate) caps: Capabilities,
    workspace_id: Option<String>,
}

/// The core page of a `BXPagedList`: a next cursor only when `hasMore` is true (assumption
/// U9: the vendor also sends a cursor on the last page).
pub(crate) fn page_of<T>(list: PagedList<T>) -> Result<Page<T>> {
    let next = match (list.has_more, list.cursor) {
        (true, Some(cursor)) => Some(Cursor::new(cursor)),
        (true, None) => {
            return Err(Error::new(
                ErrorKind::Decode,
                "the vendor said more items follow but gave no cursor",
            ));
        }
        (false, _) => None,
    };
    Ok(Page {
        items: list.items,
        next,
    })
}

/// Options of [`Ubpass::create_pass`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateOptions {
    /// `Draft` or `Active` (`Published`); the vendor's default (`Published`) when `None`.
    pub status: Option<PassStatus>,
    /// Use `POST /wallet-pass/async` (202): the pass reads as `Draft` until the vendor has
    /// processed it.
    pub asynchronous: bool,
}

/// The filters of `GET /wallet-pass`, as the vendor names them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListPasses {
    /// Case-insensitive search in `passName`.
    pub query: Option<String>,
    /// Where to continue, from a previous page's `next`.
    pub cursor: Option<Cursor>,
    /// Page size: 0 is refused, more than [`MAX_PAGE_SIZE`] is cut to it.
    pub limit: Option<u32>,
    /// Only this pass (checked against `^[a-zA-Z0-9-_]+$`).
    pub id: Option<PassId>,
    /// Only these passes (each checked against `^[a-zA-Z0-9-_]+$`, so that none can split
    /// the comma-separated filter).
    pub ids: Vec<PassId>,
    /// Exact, case-sensitive `passName`.
    pub pass_name: Option<String>,
    /// `Draft`, `Published`.
    pub status: Vec<String>,
    /// Basic information only.
    pub summary: Option<bool>,
    /// Include asset URLs.
    pub include_pass_assets: Option<bool>,
}

impl Ubpass {
    /// Build the provider from a configuration.
    pub fn new(config: UbpassConfig) -> Result<Self> {
        config.validate()?;
        let mut auth = match &config.auth {
            UbpassAuth::ApiKey(key) => AuthHeaders::new().with("api-key", key.clone())?,
            UbpassAuth::Bearer(token) => AuthHeaders::bearer(token)?,
        };
        if let Some(ws) = &config.workspace_id {
            auth = auth.with("x-workspace-id", SecretString::from(ws.clone()))?;
        }
        let http = config.http.client(PROVIDER, auth, parse_error)?;
        let s3 = reqwest::Client::builder()
            .timeout(config.http.timeout.max(Duration::from_secs(60)))
            .build()
            .map_err(|e| {
                walletpass_core::config_error(PROVIDER, "could not build the upload client")
                    .with_source(e)
            })?;
        Ok(Self {
            http,
            s3,
            caps: crate::provider::capabilities(),
            workspace_id: config.workspace_id,
        })
    }

    /// Build the provider from `UBPASS_API_KEY` or `UBPASS_TOKEN`, `UBPASS_WORKSPACE_ID` and
    /// `UBPASS_BASE_URL`.
    pub fn from_env() -> Result<Self> {
        Self::new(UbpassConfig::from_env()?)
    }

    /// The workspace every request acts in (`None`: the caller's first workspace).
    pub fn workspace_id(&self) -> Option<&str> {
        self.workspace_id.as_deref()
    }

    /// `POST /wallet-pass` → 201.
    pub async fn create_wallet_pass(&self, body: &WalletPassWrite) -> Result<WalletPass> {
        self.http
            .request(Operation::Create, Method::POST, &["wallet-pass"])
            .json(body)
            .idempotent(true)
            .send_json()
            .await
    }

    /// `POST /wallet-pass/async` → 202; the pass is created in the background.
    pub async fn create_wallet_pass_async(&self, body: &WalletPassWrite) -> Result<WalletPass> {
        self.http
            .request(Operation::Create, Method::POST, &["wallet-pass", "async"])
            .json(body)
            .idempotent(true)
            .send_json()
            .await
    }

    /// `GET /wallet-pass/{id}`. The spec types the 200 answer as an array of passes; an object
    /// is accepted too, an empty array is `NotFound`.
    pub async fn get_wallet_pass(&self, id: &PassId) -> Result<WalletPass> {
        self.get_wallet_pass_as(Operation::Get, id).await
    }

    pub(crate) async fn get_wallet_pass_as(
        &self,
        op: Operation,
        id: &PassId,
    ) -> Result<WalletPass> {
        let read = self.read_pass(op, id, |pass| Ok(*pass))?;
        read.await
    }

    /// The read of [`get_wallet_pass`](Self::get_wallet_pass), its id checked now, `then`
    /// applied to the pass read. The request's own future, with no `async` level around it:
    /// `get` and `patch` await it directly.
    pub(crate) fn read_pass<'a, U: Send + 'a>(
        &'a self,
        op: Operation,
        id: &'a PassId,
        then: impl FnOnce(Box<WalletPass>) -> Result<U> + Send + 'a,
    ) -> Result<impl Future<Output = Result<U>> + Send + 'a> {
        let id = id.as_str();
        check_id("pass_id", id).at(PROVIDER, op)?;
        Ok(self
            .http
            .request(op, Method::GET, &["wallet-pass", id])
            .resource(id)
            .send_json_map(move |FirstPass(first)| {
                let Some(mut pass) = first else {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!("pass '{id}' does not exist (the vendor answered an empty array)"),
                    )
                    .at(PROVIDER, op)
                    .with_resource(id));
                };
                // `id` is optional in the schema: an answer without one is the pass asked for.
                if pass.id.is_none() {
                    pass.id = Some(id.to_owned());
                }
                then(pass)
            }))
    }

    /// `GET /wallet-pass` with the vendor's filters (arrays sent comma-separated, as the spec's
    /// examples write them).
    pub async fn list_wallet_passes(&self, params: &ListPasses) -> Result<Page<WalletPass>> {
        const OP: Operation = Operation::List;
        let limit = paging::page_size(params.limit, Some(MAX_PAGE_SIZE)).at(PROVIDER, OP)?;
        if let Some(id) = &params.id {
            check_id("id", id.as_str()).at(PROVIDER, OP)?;
        }
        let ids = join_ids("ids", &params.ids).at(PROVIDER, OP)?;
        let page: PagedList<WalletPass> = self
            .http
            .request(OP, Method::GET, &["wallet-pass"])
            .query_opt("query", params.query.as_deref())
            .query_opt("cursor", params.cursor.as_ref())
            .query_opt("limit", limit)
            .query_opt("id", params.id.as_ref())
            .query_opt("ids", ids)
            .query_opt("passName", params.pass_name.as_deref())
            .query_opt(
                "status",
                (!params.status.is_empty()).then(|| params.status.join(",")),
            )
            .query_opt("summary", params.summary)
            .query_opt("includePassAssets", params.include_pass_assets)
            .send_json()
            .await?;
        page_of(page).at(PROVIDER, OP)
    }

    /// `PATCH /wallet-pass/{id}` with the whole document.
    pub async fn update_wallet_pass(
        &self,
        id: &PassId,
        body: &WalletPassWrite,
    ) -> Result<WalletPass> {
        self.update_wallet_pass_as(Operation::Patch, id, body).await
    }

    pub(crate) async fn update_wallet_pass_as(
        &self,
        op: Operation,
        id: &PassId,
        body: &WalletPassWrite,
    ) -> Result<WalletPass> {
        let request = self.update_request(op, id, body)?;
        request.send_json().await
    }

    /// The request of [`update_wallet_pass_as`](Self::update_wallet_pass_as), its id checked
    /// and its body encoded: a caller that sends it itself can drop the body first.
    pub(crate) fn update_request(
        &self,
        op: Operation,
        id: &PassId,
        body: &WalletPassWrite,
    ) -> Result<RequestBuilder<'_>> {
        let id = id.as_str();
        check_id("pass_id", id).at(PROVIDER, op)?;
        Ok(self
            .http
            .request(op, Method::PATCH, &["wallet-pass", id])
            .json(body)
            .resource(id)
            .idempotent(true))
    }

    /// `DELETE /wallet-pass/{id}` → 204.
    ///
    /// The vendor removed this endpoint from its public docs (`ubpass-removed-endpoints.txt`
    /// keeps its former description: 204, 404 `NOT_FOUND`). It is called as described there; a
    /// vendor that no longer serves it answers 405, or 404 without an `UnblockedApiError`, and
    /// both are reported as [`ErrorKind::Unsupported`] quoting the vendor's answer.
    pub async fn delete_wallet_pass(&self, id: &PassId) -> Result<()> {
        let id = id.as_str();
        check_id("pass_id", id).at(PROVIDER, Operation::Delete)?;
        let result = self
            .http
            .request(Operation::Delete, Method::DELETE, &["wallet-pass", id])
            .resource(id)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.status() == Some(405)
                    || (e.status() == Some(404) && e.vendor_code().is_none()) =>
            {
                Err(Error::new(ErrorKind::Unsupported, format!(
                        "DELETE /wallet-pass/{{id}} is no longer in the vendor's public docs and the vendor answered: {}",
                        e.message()
                    )).at(PROVIDER, Operation::Delete)
                .with_status(e.status().unwrap_or_default())
                .with_resource(id)
                .with_source(e))
            }
            Err(e) => Err(e),
        }
    }

    /// The pass named `name` in the workspace (names are unique), if any.
    pub async fn find_by_name(&self, name: &str) -> Result<Option<Pass>> {
        let page = self
            .list_wallet_passes(&ListPasses {
                pass_name: Some(name.to_owned()),
                limit: Some(1),
                ..ListPasses::default()
            })
            .await?;
        page.items
            .into_iter()
            .find(|p| p.pass_name.as_deref() == Some(name))
            .map(convert::pass_from_wire)
            .transpose()
    }

    /// Create a pass, choosing its status or the asynchronous endpoint.
    ///
    /// `passName` is `content.extra["passName"]`, or a generated `walletpass-<uuid>`. Because
    /// names are unique, a create that is retried after the vendor applied it comes back as a
    /// duplicate name; the existing pass is then returned when its content is the one sent, and
    /// the error is [`ErrorKind::Conflict`] otherwise.
    pub async fn create_pass(&self, pass: NewPass, options: CreateOptions) -> Result<Pass> {
        let op = Operation::Create;
        if let Some(template) = &pass.template {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "template: ubpass has no templates; a pass cannot be created from '{template}'"
                ),
            )
            .at(PROVIDER, op)
            .with_field_error("template", "ubpass has no templates"));
        }
        if let Some(serial) = &pass.serial_number {
            return Err(Error::new(ErrorKind::Unsupported, format!(
                    "serial_number: ubpass assigns pass ids itself; '{serial}' cannot be chosen (name the pass with extra.passName)"
                )).at(PROVIDER, op)
            .with_field_error("serial_number", "ubpass assigns pass ids"));
        }
        pass.content.validate()?;
        convert::check_fits(&pass.content, &self.caps).at(PROVIDER, op)?;
        let name = match convert::pass_name_of(&pass.content).at(PROVIDER, op)? {
            Some(name) => name,
            None => convert::generated_pass_name(),
        };
        let mut body = convert::to_wire(&pass.content, name.clone(), None).at(PROVIDER, op)?;
        if let Some(status) = &options.status {
            body.status = Some(
                convert::status_to_wire(status)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::Unsupported,
                            format!("status: ubpass passes are draft or active, not {status}"),
                        )
                        .at(PROVIDER, op)
                        .with_field_error("status", "draft or active")
                    })?
                    .to_owned(),
            );
        }
        let created = if options.asynchronous {
            self.create_wallet_pass_async(&body).await
        } else {
            self.create_wallet_pass(&body).await
        };
        match created {
            Ok(wire) => convert::pass_from_wire(wire).at(PROVIDER, op),
            Err(e) if e.kind() == ErrorKind::Conflict => {
                let expected = sent_content(&body);
                match self.find_by_name(&name).await? {
                    Some(existing) if Some(&existing.content) == expected.as_ref() => Ok(existing),
                    Some(existing) => Err(Error::new(ErrorKind::Conflict, format!(
                            "passName: a pass named '{name}' already exists in the workspace with other content"
                        )).at(PROVIDER, op)
                    .with_resource(existing.pass_ref.id.to_string())
                    .with_field_error("extra.passName", "must be unique within the workspace")
                    .with_source(e)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Publish (`Active`) or unpublish (`Draft`) a pass: read, then send the whole document with
    /// the new status.
    pub async fn set_status(&self, id: &PassId, status: PassStatus) -> Result<Pass> {
        let op = Operation::Vendor("set_status");
        let word = convert::status_to_wire(&status).ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                format!("status: ubpass passes are draft or active, not {status}"),
            )
            .at(PROVIDER, op)
        })?;
        let read = self.get_wallet_pass_as(op, id).await?;
        let mut body = WalletPassWrite::from_read_owned(read).ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                "the pass read has no passName or passMetadata",
            )
            .at(PROVIDER, op)
        })?;
        body.status = Some(word.to_owned());
        convert::pass_from_wire(self.update_wallet_pass_as(op, id, &body).await?)
    }
}

/// The canonical content the vendor will hold after a write of `body`.
fn sent_content(body: &WalletPassWrite) -> Option<PassContent> {
    convert::content_from_wire(
        Some(body.pass_name.clone()),
        body.notification_header.clone(),
        body.account.clone(),
        body.pass_metadata.clone(),
        body.upload_info_list.as_deref().unwrap_or_default(),
    )
    .ok()
}
