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
//! The canonical mapping, both ways, and what cannot be stored are documented at the top of
//! `src/convert/mod.rs`; every choice made where the docs are silent is in the numbered table of
//! [`assumptions`]. Uploads ([`Ubpass::upload_file`]), notifications
//! ([`Ubpass::create_notification`]), locations ([`Ubpass::create_location`]), the async create
//! and status changes are inherent methods of [`Ubpass`]; listings return the core
//! [`Page`](walletpass_core::Page), every extra takes typed ids (passes by the core
//! [`PassId`](walletpass_core::PassId), locations and notifications by [`LocationId`] and
//! [`NotificationId`]), and the vendor shapes they take and return are re-exported here.
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

pub mod assumptions;
mod client;
mod config;
mod convert;
mod error;
mod ids;
mod locations;
mod notifications;
mod provider;
mod uploads;
pub mod vendor;
mod wire;

/// The provider name errors and spans carry.
pub const PROVIDER: &str = "ubpass";

pub use client::{CreateOptions, ListPasses, MAX_PAGE_SIZE, Ubpass};
pub use config::{
    DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, ENV_TOKEN, ENV_WORKSPACE_ID, UbpassAuth,
    UbpassConfig,
};
pub use convert::{content_from_wire, pass_from_wire};
pub use error::{UnblockedApiError, code as error_code, parse_error};
pub use ids::{LocationId, NotificationId};
pub use locations::LocationQuery;
pub use notifications::{NotificationQuery, WRITABLE_NOTIFICATION_STATUSES};
pub use provider::capabilities;
pub use uploads::UploadedFile;
pub use vendor::UbpassVendor;
pub use wire::{
    BackPassField, BackPassFieldValue, MetadataLocation, NOTIFICATION_STATUSES, NotificationStats,
    PassField, PassLocation, PassMetadata, PassNotification, PassRefBody, SignedUrl, UploadInfo,
    WalletPass, WalletPassWrite,
};
