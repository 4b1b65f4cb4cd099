//! The memory provider's vendor descriptor: no variables, no endpoint, no account (each
//! configuration builds its own store, so two are never the same account).

use std::sync::Arc;

use secrecy::SecretString;

use crate::error::Result;
use crate::http::HttpOptions;
use crate::memory::{MemoryProvider, MemoryWebhookVerifier};
use crate::provider::WalletProvider;
use crate::vendor::{ConformanceDefaults, Lookup, Vendor, VendorInfo, config_error};
use crate::webhook::{WebhookVerifier, require_webhook_secret};

/// The memory provider's name.
pub const PROVIDER: &str = "memory";

/// The memory provider's configuration: there is nothing to configure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryConfig;

/// The memory provider in the vendor registry.
#[derive(Clone, Copy, Debug)]
pub struct MemoryVendor;

static INFO: VendorInfo = VendorInfo {
    name: PROVIDER,
    title: "memory",
    crate_name: "walletpass-core",
    env: &[],
    credentials_hint: "none (the memory provider takes no credentials)",
    base_url_env: None,
    default_base_url: None,
    simulator: false,
    conformance: ConformanceDefaults {
        unknown_id: Some("wptunknown"),
        malformed_id: Some("bad$id!"),
        webhook_sample: Some(
            r#"{"id":"evt_1","kind":"pass_updated","provider":"memory","raw":null}"#,
        ),
        wrong_credentials: &[],
        https_receivers_only: false,
        makes_suite_template: true,
        undeletable_webhooks: false,
        sends_webhooks: false,
    },
};

impl Vendor for MemoryVendor {
    type Config = MemoryConfig;

    fn info() -> &'static VendorInfo {
        &INFO
    }

    fn from_lookup(_: Lookup<'_>, base_url: Option<&str>) -> Result<MemoryConfig> {
        match base_url {
            Some(_) => Err(config_error(
                PROVIDER,
                "base_url: the memory provider has no endpoint; choose a vendor, or unset the base URL",
            )),
            None => Ok(MemoryConfig),
        }
    }

    fn local_config(_: &std::path::Path) -> Option<Result<MemoryConfig>> {
        Some(Ok(MemoryConfig))
    }

    fn build(_: MemoryConfig) -> Result<Arc<dyn WalletProvider>> {
        Ok(Arc::new(MemoryProvider::new()))
    }

    fn same_account(_: &MemoryConfig, _: &MemoryConfig) -> bool {
        false
    }

    fn http(_: &mut MemoryConfig) -> Option<&mut HttpOptions> {
        None
    }

    fn webhook_verifier(secret: SecretString, _: Lookup<'_>) -> Result<Box<dyn WebhookVerifier>> {
        require_webhook_secret(PROVIDER, &secret)?;
        Ok(Box::new(MemoryWebhookVerifier::new(secret)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Operation};

    #[test]
    fn memory_takes_no_endpoint_and_is_never_the_same_account() {
        let none = |_: &str| None;
        let config = MemoryVendor::from_lookup(&none, None).unwrap();
        assert!(!MemoryVendor::same_account(&config, &config));
        let err = MemoryVendor::from_lookup(&none, Some("http://127.0.0.1:9")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.operation(), Some(Operation::Configure));
        assert!(MemoryVendor::webhook_verifier(SecretString::from(""), &none).is_err());
    }
}
