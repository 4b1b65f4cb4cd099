//! walletpass: one API for Apple and Google Wallet passes across hosted pass vendors.
//!
//! Hold an `Arc<dyn WalletProvider>` built from configuration and never name a vendor again:
//! switching vendor is a configuration change. Each vendor is a cargo feature (`passninja`,
//! `ubpass`, `passinstance`, and `apple` for passes signed here with no vendor, all on by default) and its crate is re-exported under its name for
//! the vendor's extra powers (batch jobs, uploads, decrypt, ...).
//!
//! ```
//! # async fn demo() -> walletpass::Result<()> {
//! use walletpass::{NewPass, PassContent, ProviderConfig, WalletProvider};
//! let provider = walletpass::connect(ProviderConfig::memory())?;
//! let pass = provider
//!     .create(NewPass::new(PassContent::builder().value("tier", "Gold").build()?))
//!     .await?;
//! assert_eq!(provider.get(&pass.pass_ref).await?.content, pass.content);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```

mod connect;
pub mod registry;

pub use connect::{ProviderConfig, ProviderKind, connect, from_env, vendors, webhook_verifier};
pub use walletpass_core::*;

/// The HTTP settings an application chooses ([`RetryPolicy`](http::RetryPolicy), base URL
/// checks). The client, its error parser and auth headers are backend plumbing: they stay in
/// `walletpass_core::http` (this module shadows the glob re-export of it).
pub mod http {
    pub use walletpass_core::http::{
        BaseUrl, RetryPolicy, check_url_scheme, is_loopback_url, shown_url, shown_url_text,
    };
}

#[cfg(feature = "apple")]
pub use walletpass_apple as apple;
#[cfg(feature = "passinstance")]
pub use walletpass_passinstance as passinstance;
#[cfg(feature = "passninja")]
pub use walletpass_passninja as passninja;
#[cfg(feature = "ubpass")]
pub use walletpass_ubpass as ubpass;
