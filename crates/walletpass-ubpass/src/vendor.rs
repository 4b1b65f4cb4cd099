//! ubpass in the vendor registry: its variables, how its configuration is read, when two
//! configurations reach the same account (the same API root and workspace, or the same
//! credential when neither names a workspace) and the conformance suite's defaults. ubpass
//! has no webhooks, so the registry's default (unsupported) verifier applies.

use std::sync::Arc;

use walletpass_core::http::HttpOptions;
use walletpass_core::vendor::{ConformanceDefaults, EnvVar, Lookup, Vendor, VendorInfo};
use walletpass_core::{ExposeSecret, Result, WalletProvider};

use crate::config::{DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, ENV_TOKEN, ENV_WORKSPACE_ID};
use crate::{PROVIDER, Ubpass, UbpassAuth, UbpassConfig};

/// ubpass as the registry lists it.
#[derive(Clone, Copy, Debug)]
pub struct UbpassVendor;

static INFO: VendorInfo = VendorInfo {
    name: PROVIDER,
    title: "ubpass",
    crate_name: "walletpass-ubpass",
    env: &[
        EnvVar::one_of(ENV_API_KEY, "API key (sent as api-key)"),
        EnvVar::one_of(ENV_TOKEN, "bearer JWT, instead of the API key"),
        EnvVar::optional(
            ENV_WORKSPACE_ID,
            "workspace (sent as x-workspace-id; default: the caller's first)",
        ),
        EnvVar::optional(ENV_BASE_URL, "API root (default https://api.ubpass.co/v1)"),
    ],
    credentials_hint: "UBPASS_API_KEY (or UBPASS_TOKEN) and UBPASS_WORKSPACE_ID",
    base_url_env: Some(ENV_BASE_URL),
    default_base_url: Some(DEFAULT_BASE_URL),
    simulator: true,
    conformance: ConformanceDefaults {
        unknown_id: Some("wpt-unknown-1"),
        malformed_id: Some("bad$id!"),
        webhook_sample: None,
        wrong_credentials: &[
            (ENV_API_KEY, "wpt-wrong-key"),
            (ENV_TOKEN, "wpt-wrong-token"),
        ],
        https_receivers_only: false,
        makes_suite_template: false,
        undeletable_webhooks: false,
        sends_webhooks: false,
    },
};

impl Vendor for UbpassVendor {
    type Config = UbpassConfig;

    fn info() -> &'static VendorInfo {
        &INFO
    }

    fn from_lookup(lookup: Lookup<'_>, base_url: Option<&str>) -> Result<UbpassConfig> {
        UbpassConfig::read(lookup, base_url)
    }

    fn build(config: UbpassConfig) -> Result<Arc<dyn WalletProvider>> {
        Ok(Arc::new(Ubpass::new(config)?))
    }

    /// The same API root and workspace id; with no workspace on either side (the caller's
    /// first workspace), the same credential.
    fn same_account(a: &UbpassConfig, b: &UbpassConfig) -> bool {
        let same_credential = match (&a.auth, &b.auth) {
            (UbpassAuth::ApiKey(x), UbpassAuth::ApiKey(y))
            | (UbpassAuth::Bearer(x), UbpassAuth::Bearer(y)) => {
                x.expose_secret() == y.expose_secret()
            }
            _ => false,
        };
        a.http.same_root(&b.http)
            && match (&a.workspace_id, &b.workspace_id) {
                (Some(x), Some(y)) => x == y,
                (None, None) => same_credential,
                _ => false,
            }
    }

    fn http(config: &mut UbpassConfig) -> Option<&mut HttpOptions> {
        Some(&mut config.http)
    }
}
