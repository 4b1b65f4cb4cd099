//! PassNinja in the vendor registry: its variables, how its configuration is read, when two
//! configurations reach the same account (the same API root and account id), its webhook
//! verifier and the conformance suite's defaults.

use std::collections::BTreeMap;
use std::sync::Arc;

use walletpass_core::http::HttpOptions;
use walletpass_core::vendor::{ConformanceDefaults, EnvVar, Lookup, Vendor, VendorInfo};
use walletpass_core::{
    FieldSpec, Result, SecretString, TemplateId, WalletProvider, WebhookVerifier,
};

use crate::config::{DEFAULT_BASE_URL, ENV_ACCOUNT_ID, ENV_API_KEY, ENV_BASE_URL, ENV_FIELD_SPECS};
use crate::{PROVIDER, PassNinja, PassNinjaConfig, PassNinjaWebhookVerifier};

/// PassNinja as the registry lists it.
#[derive(Clone, Copy, Debug)]
pub struct PassNinjaVendor;

static INFO: VendorInfo = VendorInfo {
    name: PROVIDER,
    title: "PassNinja",
    crate_name: "walletpass-passninja",
    env: &[
        EnvVar::required(ENV_API_KEY, "API key (sent as X-API-KEY)"),
        EnvVar::required(
            ENV_ACCOUNT_ID,
            "account id, aid_0x<hex> (sent as X-ACCOUNT-ID)",
        ),
        EnvVar::optional(
            ENV_BASE_URL,
            "API root (default https://api.passninja.com/v1)",
        ),
        EnvVar::optional(
            ENV_FIELD_SPECS,
            "JSON file of the templates' field specs: PassNinja keeps labels and placements on the template",
        ),
    ],
    credentials_hint: "PASSNINJA_API_KEY and PASSNINJA_ACCOUNT_ID",
    base_url_env: Some(ENV_BASE_URL),
    default_base_url: Some(DEFAULT_BASE_URL),
    simulator: true,
    conformance: ConformanceDefaults {
        unknown_id: Some("0123456789abcdef00"),
        malformed_id: Some("not-a-serial!"),
        // The CloudEvents example of the PassNinja docs ("Webhooks" section).
        webhook_sample: Some(
            r#"{"specversion":"1.0","id":"38656a51-a892-8717-587b-f59de5163c2a","source":"https://api.passninja.com/accounts/aid_0xa01","type":"pn.pass.installed","datacontenttype":"application/json","time":"2026-05-12T18:25:43.511Z","pnattempt":1,"data":{"pass_template":"ptk_0x216","pass_id":"fee4a257185906b92a","metadata":{"member.name":"John","discount":"50%"}}}"#,
        ),
        wrong_credentials: &[(ENV_API_KEY, "00000000000000000000000000000000")],
        https_receivers_only: true,
        makes_suite_template: false,
        undeletable_webhooks: false,
        sends_webhooks: true,
    },
};

impl Vendor for PassNinjaVendor {
    type Config = PassNinjaConfig;

    fn info() -> &'static VendorInfo {
        &INFO
    }

    fn from_lookup(lookup: Lookup<'_>, base_url: Option<&str>) -> Result<PassNinjaConfig> {
        PassNinjaConfig::read(lookup, base_url)
    }

    fn build(config: PassNinjaConfig) -> Result<Arc<dyn WalletProvider>> {
        Ok(Arc::new(PassNinja::new(config)?))
    }

    /// The same API root and account id (the key does not name the account).
    fn same_account(a: &PassNinjaConfig, b: &PassNinjaConfig) -> bool {
        a.http.same_root(&b.http) && a.account_id == b.account_id
    }

    fn http(config: &mut PassNinjaConfig) -> Option<&mut HttpOptions> {
        Some(&mut config.http)
    }

    /// PassNinja keeps labels and placements on the template, out of reach of its API.
    fn declare_field_specs(
        config: &mut PassNinjaConfig,
        specs: BTreeMap<TemplateId, Vec<FieldSpec>>,
    ) -> bool {
        config.field_specs.extend(specs);
        true
    }

    fn webhook_verifier(secret: SecretString, _: Lookup<'_>) -> Result<Box<dyn WebhookVerifier>> {
        walletpass_core::require_webhook_secret(PROVIDER, &secret)?;
        Ok(Box::new(PassNinjaWebhookVerifier::new(secret)))
    }
}
