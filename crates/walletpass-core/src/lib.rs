//! walletpass-core: the canonical wallet-pass model, the [`WalletProvider`] trait every vendor
//! backend implements, [`Capabilities`], the one [`Error`] type, webhook types, the shared
//! [`http`] plumbing (auth, retry, rate limit), and [`MemoryProvider`], the reference
//! implementation the vendor backends are held to.
//!
//! ```
//! # async fn demo() -> walletpass_core::Result<()> {
//! use walletpass_core::{MemoryProvider, NewPass, PassContent, PassPatch, WalletProvider};
//! let provider = MemoryProvider::new();
//! let pass = provider
//!     .create(NewPass::new(PassContent::builder().value("points", 100).build()?))
//!     .await?;
//! let patch = PassPatch::builder().set_value("points", 150).build()?;
//! let pass = provider.patch(&pass.pass_ref, &patch).await?;
//! assert_eq!(pass.content.field("points").unwrap().value, 150.into());
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```

pub mod capabilities;
mod context;
pub mod error;
pub mod http;
pub mod id_type;
pub mod lenient;
pub mod memory;
pub mod model;
pub mod paging;
pub mod provider;
pub mod vendor;
pub mod webhook;

pub use capabilities::{Capabilities, Misfit};
pub use context::ResultExt;
pub use error::{Error, ErrorKind, FieldError, Operation, Result};
pub use memory::MemoryProvider;
pub use model::*;
pub use provider::{BatchProvider, WalletProvider, WalletProviderExt, paginate};
pub use vendor::{EnvVar, Vendor, VendorInfo, config_error};
pub use webhook::{
    CreatedWebhookSubscription, HmacScheme, NewWebhookSubscription, SignatureError, SignedMessage,
    WebhookDelivery, WebhookEvent, WebhookEventKind, WebhookSubscription, WebhookVerifier,
    is_empty_secret, require_webhook_secret,
};

pub use secrecy::{ExposeSecret, SecretString};
