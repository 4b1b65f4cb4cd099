//! walletpass-apple: issue Apple Wallet passes with no vendor. Canonical content becomes a
//! `pass.json` ([`convert`](crate::assumptions) rules), a `.pkpass` (`pass.json`, images,
//! `manifest.json`, a detached CMS `signature`) signed here with your Pass Type ID
//! certificate, stored in SQLite ([`store`]) or PostgreSQL ([`postgres`]), behind the
//! [`WalletProvider`](walletpass_core::WalletProvider) trait.
//!
//! Pass changes are sent to the user's app as signed webhooks ([`outbound_webhooks`]), with retries and a
//! delivery history.
//!
//! `walletpass serve` ([`service`]) speaks Apple's PassKit web service to devices (register,
//! list updated serials, fetch the latest pass, log) and serves the download links;
//! registrations become `pass_installed` / `pass_uninstalled` events and install counts. Every
//! change queues an APNs push per registered device in the store, sent by the push worker
//! ([`push`]): coalesced, bounded, retried, and claimed with a lease so several processes on
//! one store share the work.
//!
//! With no certificate configured, an embedded test CA and certificate are made at first start
//! in the data directory ([`testca`]): everything runs with no Apple account, but **real
//! devices will not accept those passes** (a `tracing` warning says so at start).
//!
//! ```
//! # async fn demo() -> walletpass_core::Result<()> {
//! use walletpass_apple::{Apple, AppleConfig};
//! use walletpass_core::{NewPass, PassContent, PassId, WalletProvider};
//! let dir = std::env::temp_dir().join(format!("wp-apple-doc-{}", std::process::id()));
//! let apple = Apple::new(AppleConfig::new(&dir))?; // embedded test certificate
//! let pass = apple
//!     .create(
//!         NewPass::new(PassContent::builder().value("tier", "Gold").build()?)
//!             .with_serial_number(PassId::new("MEMBER-1")?),
//!     )
//!     .await?;
//! let pkpass: Vec<u8> = apple.pkpass(&pass.pass_ref)?; // application/vnd.apple.pkpass
//! assert!(pkpass.starts_with(b"PK"));
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```
//!
//! # Why these dependencies
//!
//! - **Signing: RustCrypto `cms` 0.2 (`builder`) directly, not the `pkpass` crate.** `pkpass`
//!   (a fork of `passes`) signs with the same `cms` builder, but it brings its own pass model
//!   (we have the canonical one and need our own limit checks), reads and writes files it
//!   chooses, and pins its own certificate handling; what we need from it is ~60 lines of
//!   builder calls ([`sign`](crate::assumptions) A3). Using `cms` directly keeps one model and
//!   lets us choose the digest and add `signingTime`. `openssl` would be a C dependency (the
//!   brief prefers pure Rust); the `openssl` *binary* is only used by tests, as an independent
//!   verifier.
//! - **Certificates: `x509-cert` (parse, and `builder` for the embedded test CA), `der`,
//!   `spki`, `pkcs8` (with `encryption`, for `ENCRYPTED PRIVATE KEY` and its password).**
//! - **Keys: `rsa` 0.9** (Apple issues RSA-2048 Pass Type ID certificates) and **`p256`** (the
//!   embedded test certificate: key generation is instant, where RSA generation takes seconds
//!   in a debug build). Both sign with SHA-256.
//! - **`sha1`** for `manifest.json` (Apple specifies SHA-1 there), **`zip`** without default
//!   features (Stored entries only, no compression code), **`rusqlite`** (bundled SQLite; the
//!   workspace's choice).
//! - **PostgreSQL: `tokio-postgres` with rustls** for the store of several servers
//!   ([`postgres`] says why over the sync `postgres` crate and `sqlx`).
//! - **PKCS#12: `p12-keystore`** (pure Rust on RustCrypto, reads PBES2 and the legacy 3DES/RC4
//!   schemes Keychain exports use) for `APPLE_PASS_P12`; the candidates `p12` (unmaintained)
//!   and OpenSSL bindings (C) were not taken.
//!
//! - **Web service: `axum`** (the workspace's server, already used by the simulators);
//!   **`subtle`** compares `authenticationToken`s in constant time; **`httpdate`** (hyper's
//!   own) formats and parses `Last-Modified` / `If-Modified-Since`.
//! - **APNs: `reqwest` with its `http2` feature** over rustls (the client the workspace
//!   already has): HTTP/2 with a TLS client certificate (`reqwest::Identity`) or a bearer
//!   token. The `a2` crate was not taken: it brings a second HTTP stack and its own
//!   certificate loading (PKCS#12 only) for what is one POST here. The ES256 provider token is
//!   signed with **`p256`** (already here for the test certificate) and encoded with
//!   **`base64ct`** (RustCrypto's constant-time base64), rather than `jsonwebtoken`, which
//!   would bring `ring` or a second crypto stack for a three-part string.
//!
//! Every choice made where Apple is silent is listed in [`assumptions`].

mod apple;
pub mod assumptions;
mod certs;
pub mod config;
mod conform;
mod convert;
mod devices;
mod error;
mod ids;
pub mod outbound_webhooks;
mod passes;
mod pkpass;
pub mod postgres;
mod provider;
pub mod push;
pub mod service;
mod sign;
pub mod store;
pub mod template;
pub mod testca;
pub mod vendor;

pub use apple::{Apple, STORE_FILE};
pub use certs::Identity;
pub use config::{AppleConfig, Certificates, Source};
pub use convert::{EXTRA_KEYS, MAX_LOCATIONS};
pub use error::{CertError, StoreError};
pub use outbound_webhooks::AppleWebhookVerifier;
pub use pkpass::PKPASS_MIME;
pub use provider::capabilities;
pub use vendor::AppleVendor;

/// The provider name errors, spans and events carry.
pub const PROVIDER: &str = "apple";
