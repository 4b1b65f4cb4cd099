//! walletpass-passinstance: the [`WalletProvider`](walletpass_core::WalletProvider) trait over
//! the Passinstance REST API (`https://api.passinstance.com/api/v1`), with the vendor's extra
//! powers — batch jobs, bundles and push notifications — as inherent methods on
//! [`Passinstance`], and signed inbound webhooks in [`webhook`].
//!
//! The docs publish few shapes; every choice made where they are silent is listed in
//! [`assumptions`].
//!
//! ```no_run
//! # async fn demo() -> walletpass_core::Result<()> {
//! use walletpass_core::{Field, NewPass, PassContent, PassId, TemplateId, WalletProvider};
//! use walletpass_passinstance::Passinstance;
//! let provider = Passinstance::from_env()?; // PASSINSTANCE_TOKEN or PASSINSTANCE_API_KEY
//! let content = PassContent::builder()
//!     .field(Field::new("memberName", "Jane Doe")?.with_label("Member"))
//!     .field(Field::new("tier", "Gold")?.with_label("Tier"))
//!     .build()?;
//! let pass = provider
//!     .create(
//!         NewPass::new(content)
//!             .with_template(TemplateId::new("tpl_abcdef1234567890")?)
//!             .with_serial_number(PassId::new("ORDER-1001")?),
//!     )
//!     .await?;
//! provider.void(&pass.pass_ref).await?;
//! # Ok(()) }
//! ```

pub mod assumptions;
mod batch;
mod bundles;
mod client;
pub mod config;
mod convert;
mod error;
mod ids;
mod notifications;
mod provider;
pub mod vendor;
pub mod webhook;
mod wire;

pub use batch::{
    BatchItemResult, BatchJob, BatchOperation, BatchRequest, BatchStatus, MAX_BATCH_ITEMS,
};
pub use bundles::{Bundle, NewBundle};
pub use client::{MAX_PAGE_SIZE, Passinstance};
pub use config::{
    BatchPolling, Credentials, ENV_API_KEY, ENV_BASE_URL, ENV_TEMPLATE_ID, ENV_TOKEN, Environment,
    PRODUCTION_BASE_URL, PassinstanceConfig, STAGING_BASE_URL,
};
pub use ids::{BatchId, BundleId, NotificationId, check_template_id};
pub use notifications::{Notification, NotificationTarget};
pub use provider::capabilities;
pub use vendor::PassinstanceVendor;
pub use webhook::PassinstanceWebhookVerifier;

/// The provider name errors, spans and events carry.
pub const PROVIDER: &str = "passinstance";
