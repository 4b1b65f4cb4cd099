//! The PassNinja backend of walletpass: [`PassNinja`] implements
//! [`WalletProvider`](walletpass_core::WalletProvider) over the REST API described in
//! `shared/vendor-docs/passninja-api.txt`, and [`PassNinjaWebhookVerifier`] checks and
//! normalises its CloudEvents webhook deliveries.
//!
//! ```no_run
//! # async fn demo() -> walletpass_core::Result<()> {
//! use walletpass_core::{FieldSpec, NewPass, PassContent, Placement, TemplateId, WalletProvider};
//! use walletpass_passninja::{PassNinja, PassNinjaConfig};
//! let template = TemplateId::new("ptk_0x14")?;
//! let config = PassNinjaConfig::from_env()?.with_field_specs(
//!     template.clone(),
//!     vec![FieldSpec::new("member.name")?.with_label("Member").with_placement(Placement::Primary)],
//! );
//! let provider = PassNinja::new(config)?;
//! let content = PassContent::builder().value("member.name", "John").build()?;
//! let pass = provider.create(NewPass::new(content).with_template(template)).await?;
//! println!("{}", pass.pass_ref); // ptk_0x14/<serial>
//! # Ok(()) }
//! ```
//!
//! # How PassNinja maps onto the trait
//! - A pass is addressed as `<template>/<serial>` ([`PassRef`](walletpass_core::PassRef) with a
//!   template); ids are checked before any request ([`ids`]).
//! - A pass holds values keyed by the template's API field names. Labels, placements, defaults
//!   and required keys live in the template (set in the vendor's dashboard), so they come from
//!   [`PassNinjaConfig::field_specs`] (set in code, or read by `from_env` from the JSON file
//!   that `PASSNINJA_FIELD_SPECS` names, see [`parse_field_specs`]): a pass reads back with those
//!   labels, a write whose label or placement differs from them is refused, and required keys
//!   are checked before a create (from the specs, or else from `GET /passtypes/keys/{template}`
//!   as the vendor's SDKs do).
//! - `create`, `patch` and `put` answer only ids and links, so each is followed by a `GET` to
//!   return the stored pass.
//! - `void` is [`Unsupported`](walletpass_core::ErrorKind::Unsupported): PassNinja's only void
//!   is `DELETE`, which destroys the pass, and this crate never destroys a pass on a call other
//!   than `delete`.
//! - The raw pass, decrypting APDU payloads and a template's keys are inherent methods of
//!   [`PassNinja`].
//!
//! # Assumptions
//! Every choice made where the docs are silent is a numbered row of [`assumptions`].

pub mod assumptions;
pub mod config;
pub mod ids;
pub mod vendor;
pub mod webhook;

mod client;
mod convert;
mod error;
mod provider;
mod wire;

pub use client::PassNinja;
pub use config::{
    DEFAULT_BASE_URL, ENV_ACCOUNT_ID, ENV_API_KEY, ENV_BASE_URL, ENV_FIELD_SPECS, PassNinjaConfig,
    parse_field_specs,
};
pub use error::{CODES as ERROR_CODES, parse_error};
pub use provider::capabilities;
pub use vendor::PassNinjaVendor;
pub use webhook::PassNinjaWebhookVerifier;

/// The provider's name in errors, spans and events.
pub const PROVIDER: &str = "passninja";
