//! The simulators by vendor name: the table the command line (`walletpass sim`, `demo`) and
//! the conformance harness loop over, parallel to the facade's vendor registry (the backend
//! crates do not depend on this crate; a test of the facade checks that both lists name the
//! same vendors).

use std::io;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::{RunningSim, SimConfig, passinstance, passninja, ubpass};

/// How to start one vendor's simulator and point a client at it.
#[derive(Clone, Copy)]
pub struct Simulator {
    /// The vendor's name in the registry (`passninja`).
    pub name: &'static str,
    /// The headers (or variables) and values the simulator accepts.
    pub credentials: &'static [(&'static str, &'static str)],
    /// The environment that points the vendor's `from_lookup` (and the CLI) at a simulator
    /// serving `base_url`.
    pub env: fn(base_url: &str) -> Vec<(&'static str, String)>,
    /// The seeded template with the keys `member`, `points` and `tier` that the demo and the
    /// conformance suite use; `None` where the vendor has no templates.
    pub demo_template: Option<&'static str>,
    /// `(key, label, placement)` of the demo template's fields, where the vendor keeps them in
    /// its dashboard rather than in its API (PassNinja); empty elsewhere.
    pub dashboard_fields: &'static [(&'static str, &'static str, &'static str)],
    /// Start it; webhook deliveries also trust the CA `trust_ca_pem` (PEM) where the vendor
    /// takes only https receivers, so a local receiver can serve https with a test
    /// certificate.
    pub start: fn(SimConfig, Option<String>) -> BoxFuture<'static, io::Result<RunningSim>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("name", &self.name)
            .field("demo_template", &self.demo_template)
            .finish_non_exhaustive()
    }
}

/// Every simulator, in the order `walletpass sim all` prints them.
pub static SIMULATORS: &[Simulator] = &[
    Simulator {
        name: "passninja",
        credentials: passninja::DEMO_CREDENTIALS,
        env: |base_url| {
            vec![
                ("PASSNINJA_BASE_URL", base_url.to_owned()),
                ("PASSNINJA_API_KEY", passninja::DEMO_API_KEY.to_owned()),
                (
                    "PASSNINJA_ACCOUNT_ID",
                    passninja::DEMO_ACCOUNT_ID.to_owned(),
                ),
            ]
        },
        demo_template: Some(passninja::CONFORMANCE_TEMPLATE_ID),
        dashboard_fields: &[
            ("member", "Member", "primary"),
            ("points", "Points", "secondary"),
            ("tier", "Tier", "auxiliary"),
        ],
        start: |config, trust_ca_pem| {
            Box::pin(async move {
                let options = passninja::PassNinjaOptions {
                    seed: Some(Arc::new(passninja::conformance_seed())),
                    trust_ca_pem,
                    ..passninja::PassNinjaOptions::default()
                };
                Ok(passninja::launch(config, options).await?.into_running())
            })
        },
    },
    Simulator {
        name: "ubpass",
        credentials: ubpass::DEMO_CREDENTIALS,
        env: |base_url| {
            vec![
                ("UBPASS_BASE_URL", base_url.to_owned()),
                ("UBPASS_API_KEY", ubpass::DEMO_API_KEY.to_owned()),
                ("UBPASS_WORKSPACE_ID", ubpass::DEMO_WORKSPACE_ID.to_owned()),
            ]
        },
        demo_template: None,
        dashboard_fields: &[],
        // ubpass has no webhooks: nothing to trust.
        start: |config, _| Box::pin(ubpass::start(config)),
    },
    Simulator {
        name: "passinstance",
        credentials: passinstance::DEMO_CREDENTIALS,
        env: |base_url| {
            vec![
                ("PASSINSTANCE_BASE_URL", base_url.to_owned()),
                ("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN.to_owned()),
            ]
        },
        demo_template: Some(passinstance::CONFORMANCE_TEMPLATE_ID),
        dashboard_fields: &[],
        start: |config, trust_ca_pem| {
            Box::pin(async move {
                passinstance::start_trusting(config, trust_ca_pem.as_deref())
                    .await
                    .map(|(running, _)| running)
            })
        },
    },
];

/// The simulator of the vendor `name`, if there is one.
pub fn simulator(name: &str) -> Option<&'static Simulator> {
    SIMULATORS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_simulator_starts_and_its_env_names_its_base_url() {
        for sim in SIMULATORS {
            let running = (sim.start)(SimConfig::default(), None).await.unwrap();
            let env = (sim.env)(running.base_url());
            assert!(
                env.iter()
                    .any(|(k, v)| k.ends_with("_BASE_URL") && v == running.base_url()),
                "{}",
                sim.name
            );
            assert!(
                env.iter()
                    .all(|(k, _)| k.starts_with(&sim.name.to_uppercase()))
            );
            running.shutdown().await;
        }
        assert!(simulator("passninja").is_some());
        assert!(simulator("memory").is_none());
    }
}
