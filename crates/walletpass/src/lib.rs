//! walletpass: one API for Apple and Google Wallet passes across hosted pass vendors.
//!
//! Hold an `Arc<dyn WalletProvider>` built from configuration and never name a vendor again:
//! switching vendor is a configuration change.
//!
//! ```
//! # async fn demo() -> walletpass::Result<()> {
//! use walletpass::{NewPass, PassContent, ProviderConfig, WalletProvider};
//! let provider = walletpass::connect(ProviderConfig::Memory)?;
//! let pass = provider
//!     .create(NewPass::new(PassContent::builder().value("tier", "Gold").build()?))
//!     .await?;
//! assert_eq!(provider.get(&pass.pass_ref).await?.content, pass.content);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```

mod connect;

pub use connect::{ProviderConfig, ProviderKind, connect, from_env};
pub use walletpass_core::*;
