//! Pass locations (`/wallet-pass-location`), as inherent methods of [`Ubpass`]: create, list
//! (a core [`Page`]), get, update (PUT, the whole location) and delete, each location addressed
//! by its [`LocationId`]. `name`, `latitude`, `longitude`, `relevantText` and `walletPass.id`
//! are required; `name` and `relevantText` hold at most 255 characters. These are checked
//! before sending.
//!
//! ```no_run
//! # async fn demo(ubpass: walletpass_ubpass::Ubpass) -> walletpass_core::Result<()> {
//! use walletpass_ubpass::{LocationId, LocationQuery, PassLocation, PassRefBody};
//! let created = ubpass
//!     .create_location(&PassLocation {
//!         name: Some("Main Store".into()),
//!         latitude: Some(37.7749),
//!         longitude: Some(-122.4194),
//!         relevant_text: Some("Welcome to our Main Store!".into()),
//!         wallet_pass: Some(PassRefBody { id: Some("1f089d37-5ebe-6778-af59-99631cec7ab5".into()) }),
//!         ..PassLocation::default()
//!     })
//!     .await?;
//! let page = ubpass.list_locations(&LocationQuery::default()).await?;
//! let id: LocationId = created.id.unwrap_or("1f089d37-5ebe-6778-af59-99631cec7ab5".parse()?);
//! ubpass.delete_location(&id).await?;
//! # let _ = page; Ok(()) }
//! ```

use walletpass_core::http::Method;
use walletpass_core::paging;
use walletpass_core::{Cursor, Error, Operation, Page, PassId, Result, ResultExt};

use crate::PROVIDER;
use crate::client::{MAX_PAGE_SIZE, Ubpass, page_of};
use crate::convert::MAX_TEXT;
use crate::ids::{LocationId, check_id, join_ids};
use crate::wire::{PagedList, PassLocation};

/// The filters of `GET /wallet-pass-location`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LocationQuery {
    /// Case-insensitive search in the name.
    pub query: Option<String>,
    /// Exact, case-sensitive name.
    pub name: Option<String>,
    /// Where to continue, from a previous page's `next`.
    pub cursor: Option<Cursor>,
    /// Page size: 0 is refused, more than [`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) is cut to it.
    pub limit: Option<u32>,
    /// Only locations of these passes (each checked against `^[a-zA-Z0-9-_]+$`, so that none
    /// can split the comma-separated filter).
    pub pass_serial_numbers: Vec<PassId>,
    /// Only these locations.
    pub ids: Vec<LocationId>,
}

const CREATE: Operation = Operation::Vendor("location.create");
const LIST: Operation = Operation::Vendor("location.list");
const GET: Operation = Operation::Vendor("location.get");
const UPDATE: Operation = Operation::Vendor("location.update");
const DELETE: Operation = Operation::Vendor("location.delete");

fn check_location(op: Operation, l: &PassLocation) -> Result<()> {
    let invalid = |field: &str, why: &str| Error::invalid_field(field, why).at(PROVIDER, op);
    for (field, value) in [("name", &l.name), ("relevantText", &l.relevant_text)] {
        match value {
            None => return Err(invalid(field, "must not be null")),
            Some(v) if v.chars().count() > MAX_TEXT => {
                return Err(invalid(field, "must be at most 255 characters"));
            }
            Some(_) => {}
        }
    }
    if l.latitude.is_none() {
        return Err(invalid("latitude", "must not be null"));
    }
    if l.longitude.is_none() {
        return Err(invalid("longitude", "must not be null"));
    }
    match l.wallet_pass.as_ref().and_then(|p| p.id.as_deref()) {
        None => Err(invalid("walletPass.id", "must not be null")),
        Some(id) => check_id("walletPass.id", id).at(PROVIDER, op),
    }
}

impl Ubpass {
    /// `POST /wallet-pass-location` → 201.
    pub async fn create_location(&self, l: &PassLocation) -> Result<PassLocation> {
        check_location(CREATE, l)?;
        self.http
            .request(CREATE, Method::POST, &["wallet-pass-location"])
            .json(l)
            .send_json()
            .await
    }

    /// `GET /wallet-pass-location`.
    pub async fn list_locations(&self, q: &LocationQuery) -> Result<Page<PassLocation>> {
        let limit = paging::page_size(q.limit, Some(MAX_PAGE_SIZE)).at(PROVIDER, LIST)?;
        let passes = join_ids("passSerialNumbers", &q.pass_serial_numbers).at(PROVIDER, LIST)?;
        let ids = join_ids("ids", &q.ids).at(PROVIDER, LIST)?;
        let page: PagedList<PassLocation> = self
            .http
            .request(LIST, Method::GET, &["wallet-pass-location"])
            .query_opt("query", q.query.as_deref())
            .query_opt("name", q.name.as_deref())
            .query_opt("cursor", q.cursor.as_ref())
            .query_opt("limit", limit)
            .query_opt("passSerialNumbers", passes)
            .query_opt("ids", ids)
            .send_json()
            .await?;
        page_of(page).at(PROVIDER, LIST)
    }

    /// `GET /wallet-pass-location/{locationId}`.
    pub async fn get_location(&self, id: &LocationId) -> Result<PassLocation> {
        self.http
            .request(GET, Method::GET, &["wallet-pass-location", id.as_str()])
            .resource(id.as_str())
            .send_json()
            .await
    }

    /// `PUT /wallet-pass-location/{locationId}`: replace the location.
    pub async fn update_location(&self, id: &LocationId, l: &PassLocation) -> Result<PassLocation> {
        check_location(UPDATE, l)?;
        self.http
            .request(UPDATE, Method::PUT, &["wallet-pass-location", id.as_str()])
            .json(l)
            .resource(id.as_str())
            .send_json()
            .await
    }

    /// `DELETE /wallet-pass-location/{locationId}` → 204.
    pub async fn delete_location(&self, id: &LocationId) -> Result<()> {
        self.http
            .request(
                DELETE,
                Method::DELETE,
                &["wallet-pass-location", id.as_str()],
            )
            .resource(id.as_str())
            .send()
            .await
            .map(|_| ())
    }
}
