//! walletpass-ubpass: the ubpass ("Unblocked Wallet Passes API", `https://api.ubpass.co/v1`)
//! backend of walletpass.
//!
//! An ubpass wallet pass is one whole document (`passName`, `passMetadata`, `uploadInfoList`,
//! `notificationHeader`, `status`); there are no templates and no documented webhooks. Through
//! the [`WalletProvider`](walletpass_core::WalletProvider) trait:
//! - `create` posts the document (`passName` from `content.extra["passName"]`, or generated);
//! - `patch` is composed: read the document, merge the patch, send the whole document back,
//!   with every untouched part exactly as read (`Capabilities::patch_is_composed`);
//! - `put` sends the given content as the whole document (keeping the pass's name when the
//!   content does not give one);
//! - `delete` calls an endpoint the vendor removed from its docs (see
//!   [`Ubpass::delete_wallet_pass`]);
//! - `void`, templates and webhook subscriptions are `Unsupported`.
//!
//! The canonical mapping, what cannot be stored, and the assumptions are documented in one place:
//! [`convert`]. Uploads, notifications, locations, the async create and status changes are
//! inherent methods of [`Ubpass`].
//!
//! ```no_run
//! # async fn demo() -> walletpass_core::Result<()> {
//! use walletpass_core::{NewPass, PassContent, WalletProvider};
//! use walletpass_ubpass::UbpassConfig;
//! let ubpass = UbpassConfig::api_key("…").with_workspace_id("my-workspace").build()?;
//! let pass = ubpass
//!     .create(NewPass::new(PassContent::builder().value("points", "2,500").build()?))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! # Assumptions
//! Where the docs are silent or disagree (the mapping's own choices are in [`convert`]):
//! - `GET /wallet-pass/{id}` answers an array (as the spec's schema says) or an object; both
//!   are read.
//! - Upload keys are sent as `uploadKey` (every documented example), read as `uploadKey` or
//!   `fileKey` (the schema). The `POST /uploads` answer is read as `{key, url}` (guide) or
//!   `{msg}` (spec).
//! - A whole-document PATCH leaves the optional top-level properties it does not carry as they
//!   are; the composed patch sends them all anyway (status, slug, header, images as read).
//! - A duplicate `passName` is answered `INVALID_INPUT` with `context.passName`; it is mapped to
//!   `Conflict` (and makes a retried create safe, see [`Ubpass::create_pass`]).
//! - `INVALID_OPERATION` (an entity whose state forbids the change) is `Conflict`; `UNAUTHORIZED`
//!   is `Unauthorized` on 401 (missing credentials) and `Forbidden` on 403 (invalid ones).
//! - Install figures are the active counts (installed and not removed).
//! - `ListQuery::search` matches the serial (the pass id) or the pass name, without regard to
//!   case. The vendor searches names only (`query`), so a search reads the listing page by page
//!   and keeps the passes whose id or name contains the text: a page may hold fewer passes than
//!   asked, even none, and a search costs one request per vendor page.
//! - A field written with no placement is stored in `secondaryFields` and reads back with
//!   placement `secondary`, where ubpass shows it.
//! - A list page has a next cursor only when `hasMore` is true (the vendor also sends a cursor
//!   on the last page); page sizes above 20 are capped at 20.

pub mod client;
pub mod config;
pub mod convert;
pub mod error;
pub mod locations;
pub mod notifications;
mod provider;
pub mod uploads;
pub mod vendor;
pub mod wire;

/// The provider name errors and spans carry.
pub const PROVIDER: &str = "ubpass";

pub use client::{CreateOptions, ListPasses, MAX_PAGE_SIZE, Ubpass};
pub use config::{
    DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, ENV_TOKEN, ENV_WORKSPACE_ID, UbpassAuth,
    UbpassConfig,
};
pub use error::{UnblockedApiError, parse_error};
pub use locations::LocationQuery;
pub use notifications::NotificationQuery;
pub use uploads::UploadedFile;
pub use vendor::UbpassVendor;
