//! Bundles (`GET /bundles`, `POST /bundles`): passes grouped for a campaign, an order or an
//! event, downloadable together (assumption A12 for the shapes).

use time::OffsetDateTime;
use walletpass_core::http::Method;
use walletpass_core::{Error, ErrorKind, ListQuery, Operation, Page, PassId, ResultExt};

use crate::PROVIDER;
use crate::client::Passinstance;
use crate::convert::parse_date;
use crate::ids::{BundleId, answered_id};
use crate::wire::{BundleBody, WireBundle};

const CREATE: Operation = Operation::Vendor("create_bundle");
const LIST: Operation = Operation::Vendor("list_bundles");

/// A bundle to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBundle {
    /// Its name; not empty.
    pub name: String,
    /// A description.
    pub description: Option<String>,
    /// The passes it groups (their ids, `pass_...`); at least one.
    pub passes: Vec<PassId>,
}

impl NewBundle {
    /// A bundle of `passes` named `name`.
    pub fn new(name: impl Into<String>, passes: Vec<PassId>) -> Self {
        Self {
            name: name.into(),
            description: None,
            passes,
        }
    }

    /// Set the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A bundle as the vendor keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// Its id.
    pub id: BundleId,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The passes it groups.
    pub pass_ids: Vec<String>,
    /// Where the bundle (`.pkpasses`) is downloaded.
    pub download_url: Option<String>,
    /// When it was created.
    pub created_at: Option<OffsetDateTime>,
}

fn bundle_from_wire(wire: WireBundle) -> Result<Bundle, Error> {
    Ok(Bundle {
        id: answered_id("id", wire.id)?,
        name: wire.name.unwrap_or_default(),
        description: wire.description,
        pass_ids: wire.pass_ids,
        download_url: wire.download_url,
        created_at: wire
            .created_at
            .as_deref()
            .map(|t| parse_date("createdAt", t))
            .transpose()?,
    })
}

impl Passinstance {
    /// Create a bundle (`POST /bundles`).
    pub async fn create_bundle(&self, bundle: NewBundle) -> Result<Bundle, Error> {
        if bundle.name.trim().is_empty() {
            return Err(
                Error::invalid_field("name", "a bundle name must not be empty")
                    .at(PROVIDER, CREATE),
            );
        }
        if bundle.passes.is_empty() {
            return Err(
                Error::invalid_field("passes", "a bundle needs at least one pass")
                    .at(PROVIDER, CREATE),
            );
        }
        let body = BundleBody {
            name: bundle.name.clone(),
            description: bundle.description.clone(),
            pass_ids: bundle.passes.iter().map(ToString::to_string).collect(),
        };
        let wire: WireBundle = self
            .http
            .request(CREATE, Method::POST, &["bundles"])
            .json(&body)
            .resource(format!("bundle {}", bundle.name))
            .send_json()
            .await?;
        bundle_from_wire(wire).at(PROVIDER, CREATE)
    }

    /// One page of bundles (`GET /bundles`); `query.cursor` and `query.page_size` apply.
    pub async fn list_bundles(&self, query: &ListQuery) -> Result<Page<Bundle>, Error> {
        if query.template.is_some() || query.search.is_some() || query.status.is_some() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "bundles are listed whole: template, search and status filters do not apply",
            )
            .at(PROVIDER, LIST));
        }
        let page: Page<WireBundle> = self.list_page(LIST, &["bundles"], query, &[]).await?;
        page.try_map(bundle_from_wire).at(PROVIDER, LIST)
    }
}
