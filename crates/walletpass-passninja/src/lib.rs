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
//! # Assumptions (where the docs are silent)
//! - **Error bodies** are not documented. Accepted: `{"error": {"code"?, "message",
//!   "status_code"}}` (the vendor SDKs' shape), `{"error": "text"}`, `{"code", "message"}`, a
//!   JSON string and plain text. The code is read from a `code` member, or else found as a word
//!   in the message ("MR2: ..."); without a code the HTTP status decides the kind.
//! - **Status**: the single-pass `GET` carries no status (only the list does), so `get` reports
//!   a pass the vendor still serves as `Active`. The list's `N/A` stays
//!   `PassStatus::Other("N/A")`.
//! - **List** rows carry no field values: listed passes have empty fields; their `recipient`
//!   is kept in `content.extra["recipient"]`. The list is always requested with `page` so that
//!   `meta` tells whether there is a next page; the cursor is the page number.
//! - **Templates** are listed in one answer; pages are cut client-side and the cursor is an
//!   offset.
//! - **Serials**: hex, 8 to 64 characters (the documented form is 18), or a UUID as in the
//!   vendor's older SDK examples. Template ids: `ptk_0x<hex>` or an older dotted key
//!   (`demo.coupon`).
//! - **Required keys** without configured specs come from `GET /passtypes/keys/{template}`
//!   (`{"keys": [...]}`, an SDK endpoint the doc does not list), every key required as the SDKs
//!   do; a bare 404 (no `MR1`) from it is taken to mean the endpoint is gone and the check is
//!   skipped for that template.
//! - **Empty values**: a key whose value is `""` (or null) is PassNinja's "not set" (what a
//!   template field without a default holds), so it reads back as an absent field.
//! - **Values** are sent as JSON text or numbers; date-times as RFC 3339 text (they read back as
//!   text). Removing a key with `patch` sends the template default from the field specs; without
//!   one it is unsupported.
//! - **Recipient**: `content.extra["recipient"]` (`{name, message?, sms?, email?}`) on create;
//!   any other extra key is refused. The create answer's `message_status` has no place on the
//!   returned pass (which is the pass read back by `GET`) and is not reported.
//! - **Template styles**: the doc points to a "Platform Parameters" list that is not part of
//!   it, so a style is only checked to be present; the vendor's 400 decides whether it fits
//!   the platform.
//! - **Webhook subscriptions**: the trait gives no name, so the subscription is named
//!   `walletpass <url>` (cut to 120 characters). `GET /webhooks` is read as `{"webhooks": [...],
//!   "page", "per_page", "total"}`, the shape of the documented results endpoint.
//! - **Webhook deliveries** without an `Authorization` header are legacy deliveries; they are
//!   accepted only when enabled, and their dedupe id is
//!   `legacy:<template>:<serial>:<event>:<eventDate>`. Legacy `event` words other than
//!   `install`, `uninstall` and `update` become `Other`.
//! - `http://` base URLs and webhook URLs are accepted for loopback hosts only (the project's
//!   testing allowance); everything else must be https.

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
pub use vendor::PassNinjaVendor;
pub use webhook::PassNinjaWebhookVerifier;

/// The provider's name in errors, spans and events.
pub const PROVIDER: &str = "passninja";
