//! `ProviderConfig::with_timeout` / `with_retry` reach every vendor's client: the same code
//! configures whichever vendor the environment names. Checked against each simulator by what
//! the client does (a timeout error, the number of attempts in the simulator's log), not by
//! reading the settings back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::Duration;

use walletpass::http::RetryPolicy;
use walletpass::{ErrorKind, ListQuery, ProviderConfig, ProviderKind, TemplateId};
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{SimConfig, passinstance, passninja, ubpass};

/// A simulator of `kind`, the variables its client needs, and a listing query it answers.
async fn sim(
    kind: ProviderKind,
    config: SimConfig,
) -> (RunningSim, Vec<(&'static str, String)>, ListQuery) {
    match kind {
        ProviderKind::PassNinja => {
            let mut query = ListQuery::new();
            query.template = Some(TemplateId::new(passninja::DEMO_TEMPLATE_ID).unwrap());
            let vars = vec![
                ("PASSNINJA_API_KEY", passninja::DEMO_API_KEY.to_owned()),
                (
                    "PASSNINJA_ACCOUNT_ID",
                    passninja::DEMO_ACCOUNT_ID.to_owned(),
                ),
            ];
            (passninja::start(config).await.unwrap(), vars, query)
        }
        ProviderKind::Ubpass => {
            let vars = vec![("UBPASS_API_KEY", ubpass::DEMO_API_KEY.to_owned())];
            (ubpass::start(config).await.unwrap(), vars, ListQuery::new())
        }
        ProviderKind::Passinstance => {
            let vars = vec![("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN.to_owned())];
            (
                passinstance::start(config).await.unwrap(),
                vars,
                ListQuery::new(),
            )
        }
        other => panic!("no simulator for {other}"),
    }
}

fn config(kind: ProviderKind, sim: &RunningSim, vars: &[(&'static str, String)]) -> ProviderConfig {
    let vars = vars.to_vec();
    ProviderConfig::from_lookup(kind, Some(sim.base_url()), move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
}

const VENDORS: [ProviderKind; 3] = [
    ProviderKind::PassNinja,
    ProviderKind::Ubpass,
    ProviderKind::Passinstance,
];

#[tokio::test]
async fn the_timeout_reaches_every_vendor_client() {
    for kind in VENDORS {
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
    for kind in VENDORS {
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
