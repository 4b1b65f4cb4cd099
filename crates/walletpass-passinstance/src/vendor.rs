//! Passinstance in the vendor registry: its variables, how its configuration is read, when two
//! configurations reach the same account (the same API root and credential: nothing else names
//! the account), its webhook verifier and the conformance suite's defaults.

use std::sync::Arc;

use walletpass_core::http::HttpOptions;
use walletpass_core::vendor::{ConformanceDefaults, EnvVar, Lookup, Vendor, VendorInfo};
use walletpass_core::{ExposeSecret, Result, SecretString, WalletProvider, WebhookVerifier};

use crate::config::{ENV_API_KEY, ENV_BASE_URL, ENV_TEMPLATE_ID, ENV_TOKEN, PRODUCTION_BASE_URL};
use crate::webhook::{
    ENV_SIGNATURE_HEADER, ENV_SIGNED_MESSAGE, ENV_TOLERANCE_SECS, PassinstanceWebhookVerifier,
    webhook_scheme_from_lookup,
};
use crate::{Credentials, PROVIDER, Passinstance, PassinstanceConfig};

/// Passinstance as the registry lists it.
#[derive(Clone, Copy, Debug)]
pub struct PassinstanceVendor;

static INFO: VendorInfo = VendorInfo {
    name: PROVIDER,
    title: "Passinstance",
    crate_name: "walletpass-passinstance",
    env: &[
        EnvVar::one_of(ENV_TOKEN, "bearer token (Authorization: Bearer)"),
        EnvVar::one_of(ENV_API_KEY, "API key (X-API-Key), instead of the token"),
        EnvVar::optional(
            ENV_BASE_URL,
            "API root (default https://api.passinstance.com/api/v1)",
        ),
        EnvVar::optional(
            ENV_TEMPLATE_ID,
            "template of new passes that name none (tpl_...)",
        ),
        EnvVar::optional(
            ENV_SIGNATURE_HEADER,
            "webhook signature header (assumed X-Passinstance-Signature)",
        ),
        EnvVar::optional(
            ENV_SIGNED_MESSAGE,
            "webhook signed message (assumed {t}.{body})",
        ),
        EnvVar::optional(
            ENV_TOLERANCE_SECS,
            "webhook timestamp tolerance (assumed 300 s)",
        ),
    ],
    credentials_hint: "PASSINSTANCE_TOKEN (or PASSINSTANCE_API_KEY)",
    base_url_env: Some(ENV_BASE_URL),
    default_base_url: Some(PRODUCTION_BASE_URL),
    simulator: true,
    conformance: ConformanceDefaults {
        unknown_id: Some("WPT-UNKNOWN-1"),
        malformed_id: None,
        webhook_sample: Some(
            r#"{"id":"evt_1","type":"pass.updated","createdAt":"2026-01-01T00:00:00Z","data":{"id":"pass_1","templateId":"tpl_c0c0c0c0c0c0c0c0"}}"#,
        ),
        wrong_credentials: &[(ENV_TOKEN, "pi_wrong_token"), (ENV_API_KEY, "pi_wrong_key")],
        https_receivers_only: true,
        makes_suite_template: false,
        // Passinstance has no endpoint to delete a subscription.
        undeletable_webhooks: true,
        sends_webhooks: true,
    },
};

impl Vendor for PassinstanceVendor {
    type Config = PassinstanceConfig;

    fn info() -> &'static VendorInfo {
        &INFO
    }

    fn from_lookup(lookup: Lookup<'_>, base_url: Option<&str>) -> Result<PassinstanceConfig> {
        PassinstanceConfig::read(lookup, base_url)
    }

    fn build(config: PassinstanceConfig) -> Result<Arc<dyn WalletProvider>> {
        Ok(Arc::new(Passinstance::new(config)?))
    }

    /// The same API root and the same credential. Two different credentials of one account
    /// cannot be told apart: a `false` is not a proof.
    fn same_account(a: &PassinstanceConfig, b: &PassinstanceConfig) -> bool {
        a.http.same_root(&b.http)
            && match (&a.credentials, &b.credentials) {
                (Credentials::Bearer(x), Credentials::Bearer(y))
                | (Credentials::ApiKey(x), Credentials::ApiKey(y)) => {
                    x.expose_secret() == y.expose_secret()
                }
                _ => false,
            }
    }

    fn http(config: &mut PassinstanceConfig) -> Option<&mut HttpOptions> {
        Some(&mut config.http)
    }

    /// The secret and the optional `PASSINSTANCE_WEBHOOK_*` scheme settings.
    fn webhook_verifier(
        secret: SecretString,
        lookup: Lookup<'_>,
    ) -> Result<Box<dyn WebhookVerifier>> {
        walletpass_core::require_webhook_secret(PROVIDER, &secret)?;
        let scheme = webhook_scheme_from_lookup(lookup)?;
        Ok(Box::new(
            PassinstanceWebhookVerifier::new(secret).with_scheme(scheme),
        ))
    }
}
