//! A provider connected to its vendor's simulator through the registry: the simulator table of
//! `walletpass-sim` starts it and names the variables that point a client at it, the
//! vendor's descriptor reads them, with quick retries.

use std::collections::BTreeMap;
use std::sync::Arc;

use walletpass::http::RetryPolicy;
use walletpass::{FieldSpec, Placement, ProviderConfig, ProviderKind, TemplateId, WalletProvider};
use walletpass_sim::{RunningSim, SimConfig, Simulator};

use super::vars;

/// A provider of one vendor with its running simulator.
pub struct Simulated {
    /// The simulator's table entry.
    pub simulator: &'static Simulator,
    /// The running simulator (dropping it stops the server).
    pub running: RunningSim,
    /// The variables that point a client at it.
    pub env: Vec<(&'static str, String)>,
    /// The configuration the provider was built from (quick retries, the demo template's
    /// dashboard specs declared where the vendor keeps them out of its API).
    pub config: ProviderConfig,
    /// The provider.
    pub provider: Arc<dyn WalletProvider>,
}

/// Start `kind`'s simulator (webhook deliveries also trusting `trust_ca_pem`) and connect a
/// provider to it. `Err` says why: no simulator for `kind`, or it could not start.
pub async fn connect_to_simulator(
    kind: ProviderKind,
    config: SimConfig,
    trust_ca_pem: Option<String>,
) -> Result<Simulated, String> {
    let simulator = walletpass_sim::simulator(kind.as_str())
        .ok_or_else(|| format!("{kind} has no simulator"))?;
    let running = (simulator.start)(config, trust_ca_pem)
        .await
        .map_err(|e| format!("cannot start the {kind} simulator: {e}"))?;
    let env = (simulator.env)(running.base_url());
    let config = simulator_config(kind, simulator, vars(&env))?;
    let provider = walletpass::connect(config.clone()).map_err(|e| e.to_string())?;
    Ok(Simulated {
        simulator,
        running,
        env,
        config,
        provider,
    })
}

/// The configuration of `kind` for its simulator from the variables `lookup` reads: quick
/// retries, and the demo template's dashboard specs where the vendor keeps them out of its
/// API.
pub fn simulator_config(
    kind: ProviderKind,
    simulator: &Simulator,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<ProviderConfig, String> {
    let mut config = ProviderConfig::from_lookup(kind, None, lookup)
        .map_err(|e| e.to_string())?
        .with_retry(RetryPolicy::quick());
    if let Some(specs) = dashboard_specs(simulator).map_err(|e| e.to_string())? {
        config.declare_field_specs(specs);
    }
    Ok(config)
}

/// The field specs the simulator's dashboard gave its demo template, where the vendor keeps
/// them out of its API.
fn dashboard_specs(
    simulator: &Simulator,
) -> walletpass::Result<Option<BTreeMap<TemplateId, Vec<FieldSpec>>>> {
    let Some(template) = simulator.demo_template else {
        return Ok(None);
    };
    if simulator.dashboard_fields.is_empty() {
        return Ok(None);
    }
    let mut specs = Vec::new();
    for (key, label, placement) in simulator.dashboard_fields {
        let placement: Placement = serde_json::from_value(serde_json::json!(placement))
            .map_err(|e| walletpass::Error::new(walletpass::ErrorKind::Config, e.to_string()))?;
        specs.push(
            FieldSpec::new(key)?
                .with_label(*label)
                .with_placement(placement),
        );
    }
    Ok(Some(BTreeMap::from([(TemplateId::new(template)?, specs)])))
}

/// `lookup` with each credential variable of `kind` that is set replaced by the wrong value
/// its descriptor gives (`ConformanceDefaults::wrong_credentials`); `None` where the vendor
/// takes no credentials.
pub fn wrong_credentials(
    kind: ProviderKind,
    lookup: impl Fn(&str) -> Option<String>,
) -> Option<impl Fn(&str) -> Option<String>> {
    let wrong = kind.info().conformance.wrong_credentials;
    if wrong.is_empty() {
        return None;
    }
    Some(move |name: &str| {
        let real = walletpass::vendor::env_value(&lookup, name);
        match wrong.iter().find(|(var, _)| *var == name) {
            Some((_, value)) => real.map(|_| (*value).to_owned()),
            None => real,
        }
    })
}
