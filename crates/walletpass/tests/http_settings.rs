//! `ProviderConfig::with_timeout` / `with_retry` reach every vendor's client: the same code
//! configures whichever vendor the environment names. Checked against each simulator by what
//! the client does (a timeout error, the number of attempts in the simulator's log), not by
//! reading the settings back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::Duration;

use walletpass::http::RetryPolicy;
use walletpass::{ErrorKind, ListQuery, ProviderConfig, ProviderKind, TemplateId};
use walletpass_sim::SimConfig;
use walletpass_sim::harness::RunningSim;

/// A simulator of `kind` (from the simulator table), the variables its client needs, and a
/// listing query it answers (in the demo template where the vendor lists only by template).
async fn sim(
    kind: ProviderKind,
    sim_config: SimConfig,
) -> (RunningSim, Vec<(&'static str, String)>, ListQuery) {
    let table = walletpass_sim::simulator(kind.as_str()).unwrap();
    let running = (table.start)(sim_config, None).await.unwrap();
    let vars = (table.env)(running.base_url());
    let mut query = ListQuery::new();
    let provider = walletpass::connect(config(kind, &running, &vars)).unwrap();
    if provider.capabilities().list_requires_template {
        query.template = table.demo_template.map(|t| TemplateId::new(t).unwrap());
    }
    (running, vars, query)
}

fn config(kind: ProviderKind, sim: &RunningSim, vars: &[(&'static str, String)]) -> ProviderConfig {
    ProviderConfig::from_lookup(kind, Some(sim.base_url()), walletpass::vendor::vars(vars)).unwrap()
}

/// Every vendor with a simulator, from the registry.
fn vendors() -> Vec<ProviderKind> {
    ProviderKind::ALL
        .iter()
        .copied()
        .filter(|k| k.info().simulator)
        .collect()
}

#[tokio::test]
async fn the_timeout_reaches_every_vendor_client() {
    for kind in vendors() {
        let slow = SimConfig {
            latency: Duration::from_millis(400),
            ..SimConfig::default()
        };
        let (sim, vars, query) = sim(kind, slow).await;
        let patient = walletpass::connect(config(kind, &sim, &vars)).unwrap();
        patient.list(&query).await.unwrap();
        let hasty = walletpass::connect(
            config(kind, &sim, &vars)
                .with_timeout(Duration::from_millis(50))
                .with_retry(RetryPolicy::none()),
        )
        .unwrap();
        let err = hasty.list(&query).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{kind}: {err}");
    }
}

#[tokio::test]
async fn the_retry_policy_reaches_every_vendor_client() {
    for kind in vendors() {
        let failing = SimConfig {
            fault_rate: 1.0,
            ..SimConfig::default()
        };
        let (sim, vars, query) = sim(kind, failing).await;
        for attempts in [1, 3] {
            sim.log().clear();
            let retry = RetryPolicy {
                max_attempts: attempts,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(5),
                ..RetryPolicy::default()
            };
            let provider =
                walletpass::connect(config(kind, &sim, &vars).with_retry(retry)).unwrap();
            let err = provider.list(&query).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Server, "{kind}: {err}");
            assert_eq!(sim.log().len(), attempts as usize, "{kind}: attempts");
        }
    }
}
