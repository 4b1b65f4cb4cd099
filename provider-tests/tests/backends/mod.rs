//! The registry of backends the matrix runs: memory, each vendor against its simulator, and
//! the Apple backend (no vendor: passes signed here, on the embedded test certificate).
//! Adding a backend is one function here and one test in `matrix.rs`.

use std::sync::Arc;

use provider_tests::{Fixture, Receiver};
use walletpass_core::{FieldSpec, MemoryProvider, NewTemplate, PassId, WalletProvider};

/// A backend ready for the suite; it keeps its simulator alive.
pub struct Backend {
    pub provider: Arc<dyn WalletProvider>,
    pub fixture: Fixture,
    #[allow(dead_code)] // held only to keep a simulator running while the suite runs
    pub guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

/// A template defining the suite's three keys (`member`, `points`, `tier`), made in `provider`.
async fn suite_template(provider: &dyn WalletProvider) -> walletpass_core::Template {
    let mut template = NewTemplate::new("conformance").unwrap();
    for (key, label) in [("member", "Member"), ("points", "Points"), ("tier", "Tier")] {
        template = template
            .with_field(FieldSpec::new(key).unwrap().with_label(label))
            .unwrap();
    }
    provider.create_template(template).await.unwrap()
}

/// The memory provider, with a template defining the suite's three keys.
pub async fn memory() -> Backend {
    let provider = Arc::new(MemoryProvider::new());
    let template = suite_template(provider.as_ref()).await;
    Backend {
        provider,
        fixture: Fixture {
            template: Some(template.id),
            unknown_id: Some(PassId::new("wptunknown").unwrap()),
            malformed_id: Some(PassId::new("bad$id!").unwrap()),
            webhook_sample: Some(
                br#"{"id":"evt_1","kind":"pass_updated","provider":"memory","raw":null}"#.to_vec(),
            ),
            bad_credentials: None,
            ..Default::default()
        },
        guard: None,
    }
}

/// Quick retries: the simulators answer at once, and deviation runs should not wait.
fn quick_retry() -> walletpass_core::http::RetryPolicy {
    walletpass_core::http::RetryPolicy {
        max_attempts: 3,
        initial_backoff: std::time::Duration::from_millis(10),
        max_backoff: std::time::Duration::from_millis(100),
        budget: std::time::Duration::from_secs(10),
        jitter: false,
    }
}

/// PassNinja against its simulator, in the simulator's conformance template `ptk_0xc0`.
pub async fn passninja(config: walletpass_sim::SimConfig) -> Backend {
    use walletpass_core::{Placement, TemplateId};
    use walletpass_passninja::{PassNinja, PassNinjaConfig};
    use walletpass_sim::passninja as sim;

    // PassNinja refuses http:// receivers: the suite's receiver serves https with a
    // certificate made for this run, whose CA the simulator is told to trust.
    let tls = provider_tests::TestTls::generate().unwrap();
    let options = sim::PassNinjaOptions {
        seed: Some(Arc::new(sim::conformance_seed())),
        trust_ca_pem: Some(tls.ca_pem.clone()),
        ..sim::PassNinjaOptions::default()
    };
    let running = sim::launch(config, options).await.unwrap();
    let template = TemplateId::new(sim::CONFORMANCE_TEMPLATE_ID).unwrap();
    // The labels and placements the simulator's dashboard gave the template.
    let specs = vec![
        FieldSpec::new("member")
            .unwrap()
            .with_label("Member")
            .with_placement(Placement::Primary),
        FieldSpec::new("points")
            .unwrap()
            .with_label("Points")
            .with_placement(Placement::Secondary),
        FieldSpec::new("tier")
            .unwrap()
            .with_label("Tier")
            .with_placement(Placement::Auxiliary),
    ];
    let build = |key: &str| {
        PassNinja::new(
            PassNinjaConfig::new(key, sim::DEMO_ACCOUNT_ID)
                .with_base_url(running.base_url())
                .with_field_specs(template.clone(), specs.clone())
                .with_retry(quick_retry()),
        )
        .unwrap()
    };
    let provider = Arc::new(build(sim::DEMO_API_KEY));
    let bad = Arc::new(build("00000000000000000000000000000000"));
    Backend {
        provider,
        fixture: Fixture {
            template: Some(template),
            unknown_id: Some(PassId::new("0123456789abcdef00").unwrap()),
            malformed_id: Some(PassId::new("not-a-serial!").unwrap()),
            webhook_sample: Some(
                include_bytes!(
                    "../../../crates/walletpass-passninja/tests/fixtures/webhook-cloudevent.json"
                )
                .to_vec(),
            ),
            bad_credentials: Some(bad),
            receiver: Receiver::LoopbackTls(tls.identity()),
            ..Default::default()
        },
        guard: Some(Box::new(running)),
    }
}

/// Passinstance against its simulator, in the simulator's conformance template.
pub async fn passinstance(config: walletpass_sim::SimConfig) -> Backend {
    use walletpass_core::TemplateId;
    use walletpass_passinstance::PassinstanceConfig;
    use walletpass_sim::passinstance as sim;

    // Passinstance takes only https receivers ("Register HTTPS receivers"): the receiver
    // serves https with a certificate whose CA the simulator trusts.
    let tls = provider_tests::TestTls::generate().unwrap();
    let (running, _) = sim::start_trusting(config, Some(&tls.ca_pem))
        .await
        .unwrap();
    let build = |token: &str| {
        PassinstanceConfig::bearer(token)
            .with_base_url(running.base_url())
            .with_retry(quick_retry())
            .build()
            .unwrap()
    };
    let provider = Arc::new(build(sim::DEMO_TOKEN));
    let bad = Arc::new(build("pi_wrong_token"));
    Backend {
        provider,
        fixture: Fixture {
            template: Some(TemplateId::new(sim::CONFORMANCE_TEMPLATE_ID).unwrap()),
            unknown_id: Some(PassId::new("WPT-UNKNOWN-1").unwrap()),
            malformed_id: None,
            webhook_sample: Some(
                br#"{"id":"evt_1","type":"pass.updated","createdAt":"2026-01-01T00:00:00Z","data":{"id":"pass_1","templateId":"tpl_c0c0c0c0c0c0c0c0"}}"#
                    .to_vec(),
            ),
            bad_credentials: Some(bad),
            receiver: Receiver::LoopbackTls(tls.identity()),
            // Passinstance has no endpoint to delete a subscription; the simulator is discarded.
            allow_undeletable: true,
            ..Default::default()
        },
        guard: Some(Box::new(running)),
    }
}

/// ubpass against its simulator (no templates: passes stand alone).
pub async fn ubpass(config: walletpass_sim::SimConfig) -> Backend {
    use walletpass_sim::ubpass as sim;
    use walletpass_ubpass::UbpassConfig;

    let running = sim::start(config).await.unwrap();
    let build = |key: &str| {
        UbpassConfig::api_key(key)
            .with_base_url(running.base_url())
            .with_retry(quick_retry())
            .build()
            .unwrap()
    };
    let provider = Arc::new(build(sim::DEMO_API_KEY));
    let bad = Arc::new(build("wrong-key"));
    Backend {
        provider,
        fixture: Fixture {
            template: None,
            unknown_id: Some(PassId::new("wpt-unknown-1").unwrap()),
            malformed_id: Some(PassId::new("bad$id!").unwrap()),
            webhook_sample: None,
            bad_credentials: Some(bad),
            ..Default::default()
        },
        guard: Some(Box::new(running)),
    }
}

/// The Apple backend on the embedded test certificate, in a temporary data directory, with a
/// template defining the suite's three keys.
pub async fn apple() -> Backend {
    use walletpass_apple::{Apple, AppleConfig};
    let dir = tempfile::tempdir().unwrap();
    let config = AppleConfig::new(dir.path())
        .with_public_url("https://passes.example.com")
        .unwrap();
    let provider = Arc::new(Apple::new(config).unwrap());
    let template = suite_template(provider.as_ref()).await;
    Backend {
        provider,
        fixture: Fixture {
            template: Some(template.id),
            unknown_id: Some(PassId::new("wptunknown").unwrap()),
            malformed_id: Some(PassId::new("bad$id!").unwrap()),
            webhook_sample: Some(
                br#"{"id":"evt_1","kind":"pass_updated","provider":"apple","raw":null}"#.to_vec(),
            ),
            bad_credentials: None,
            receiver: Receiver::Loopback,
            ..Default::default()
        },
        guard: Some(Box::new(dir)),
    }
}
