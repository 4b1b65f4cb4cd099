//! The registry of backends the matrix runs: memory, and each vendor against its simulator.
//! Adding a backend is one function here and one test in `matrix.rs`.

use std::sync::Arc;

use provider_tests::Fixture;
use walletpass_core::{FieldSpec, MemoryProvider, NewTemplate, PassId, WalletProvider};

/// A backend ready for the suite; it keeps its simulator alive.
pub struct Backend {
    pub provider: Arc<dyn WalletProvider>,
    pub fixture: Fixture,
    #[allow(dead_code)] // held only to keep a simulator running while the suite runs
    pub guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

/// The memory provider, with a template defining the suite's three keys.
pub async fn memory() -> Backend {
    let provider = Arc::new(MemoryProvider::new());
    let mut template = NewTemplate::new("conformance").unwrap();
    for (key, label) in [("member", "Member"), ("points", "Points"), ("tier", "Tier")] {
        template = template
            .with_field(FieldSpec::new(key).unwrap().with_label(label))
            .unwrap();
    }
    let template = provider.create_template(template).await.unwrap();
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
        },
        guard: None,
    }
}
