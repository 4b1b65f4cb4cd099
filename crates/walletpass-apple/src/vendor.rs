//! The Apple backend in the vendor registry: its variables, how its configuration is read (it
//! calls no API, so a base URL override is refused), when two configurations reach the same
//! account (the same on-disk store), its webhook verifier and the conformance suite's defaults.

use std::sync::Arc;

use walletpass_core::http::HttpOptions;
use walletpass_core::vendor::{ConformanceDefaults, EnvVar, Lookup, Vendor, VendorInfo};
use walletpass_core::{Result, SecretString, WalletProvider, WebhookVerifier, config_error};

use crate::config::{
    ENV_DATA_DIR, ENV_ORGANIZATION_NAME, ENV_PASS_CERT, ENV_PASS_KEY, ENV_PASS_KEY_PASSWORD,
    ENV_PASS_P12, ENV_PASS_TYPE_ID, ENV_PUBLIC_URL, ENV_TEAM_ID, ENV_WWDR_CERT,
};
use crate::postgres::{ENV_DATABASE_CA, ENV_DATABASE_URL};
use crate::{Apple, AppleConfig, AppleWebhookVerifier, PROVIDER};

/// The Apple backend as the registry lists it.
#[derive(Clone, Copy, Debug)]
pub struct AppleVendor;

static INFO: VendorInfo = VendorInfo {
    name: PROVIDER,
    title: "Apple (no vendor)",
    crate_name: "walletpass-apple",
    // None is required: with no certificate the embedded test certificate signs.
    env: &[
        EnvVar::optional(ENV_PASS_CERT, "Pass Type ID certificate: a path, or PEM"),
        EnvVar::optional(ENV_PASS_KEY, "its private key: a path, or PEM"),
        EnvVar::optional(
            ENV_PASS_P12,
            "instead of the two above: a .p12 file holding both",
        ),
        EnvVar::optional(ENV_PASS_KEY_PASSWORD, "password of the key or of the .p12"),
        EnvVar::optional(ENV_WWDR_CERT, "Apple's WWDR intermediate: a path, or PEM"),
        EnvVar::optional(ENV_TEAM_ID, "team id (default: the certificate's OU)"),
        EnvVar::optional(
            ENV_PASS_TYPE_ID,
            "pass type id (default: the certificate's UID)",
        ),
        EnvVar::optional(ENV_DATA_DIR, "data directory (default ./walletpass-apple)"),
        EnvVar::optional(
            ENV_PUBLIC_URL,
            "where passes are served (webServiceURL, download link)",
        ),
        EnvVar::optional(
            ENV_ORGANIZATION_NAME,
            "organizationName default (walletpass)",
        ),
        EnvVar::optional(
            ENV_DATABASE_URL,
            "a postgres:// URL: the PostgreSQL store instead of SQLite",
        ),
        EnvVar::optional(
            ENV_DATABASE_CA,
            "the CA of the PostgreSQL server's certificate (a path)",
        ),
    ],
    credentials_hint: "APPLE_PASS_CERT, APPLE_PASS_KEY and APPLE_WWDR_CERT",
    base_url_env: None,
    default_base_url: None,
    simulator: false,
    conformance: ConformanceDefaults {
        unknown_id: Some("wptunknown"),
        malformed_id: Some("bad$id!"),
        webhook_sample: Some(
            r#"{"id":"evt_1","kind":"pass_updated","provider":"apple","raw":null}"#,
        ),
        wrong_credentials: &[],
        https_receivers_only: false,
        makes_suite_template: true,
        undeletable_webhooks: false,
        sends_webhooks: true,
    },
};

impl Vendor for AppleVendor {
    type Config = AppleConfig;

    fn info() -> &'static VendorInfo {
        &INFO
    }

    fn from_lookup(lookup: Lookup<'_>, base_url: Option<&str>) -> Result<AppleConfig> {
        match base_url {
            Some(_) => Err(config_error(
                PROVIDER,
                "base_url: the apple provider calls no API (it signs passes here); unset --base-url / WALLETPASS_BASE_URL, and set APPLE_PUBLIC_URL for where passes are served",
            )),
            None => AppleConfig::read(lookup),
        }
    }

    /// The embedded test certificate and a store in `dir`, serving from
    /// `https://passes.example.com` (no device reaches it; the links are well formed).
    fn local_config(dir: &std::path::Path) -> Option<Result<AppleConfig>> {
        Some(AppleConfig::new(dir).with_public_url("https://passes.example.com"))
    }

    fn build(config: AppleConfig) -> Result<Arc<dyn WalletProvider>> {
        Ok(Arc::new(Apple::new(config)?))
    }

    /// The same data directory (one SQLite store); an in-memory store is never shared.
    fn same_account(a: &AppleConfig, b: &AppleConfig) -> bool {
        !a.in_memory && !b.in_memory && a.data_dir == b.data_dir
    }

    fn http(_: &mut AppleConfig) -> Option<&mut HttpOptions> {
        None
    }

    /// The backend's own outbound deliveries, signed with the subscription's secret.
    fn webhook_verifier(secret: SecretString, _: Lookup<'_>) -> Result<Box<dyn WebhookVerifier>> {
        walletpass_core::require_webhook_secret(PROVIDER, &secret)?;
        Ok(Box::new(AppleWebhookVerifier::new(secret)))
    }
}
