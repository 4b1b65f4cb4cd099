//! The backends the matrix runs, by name: each is `provider_tests::support::backend` over the
//! vendor registry (memory, each vendor against its simulator, the Apple backend on the
//! embedded test certificate). A new backend needs no function here: its registry line and
//! descriptor give its fixture; a test in `matrix.rs` names it.

use provider_tests::support;
pub use provider_tests::support::Backend;
use walletpass::ProviderKind;
use walletpass_sim::SimConfig;

async fn of(kind: ProviderKind, config: SimConfig) -> Backend {
    support::backend(kind, config)
        .await
        .unwrap_or_else(|e| panic!("{kind}: {e}"))
}

/// The memory provider, with a template defining the suite's three keys.
pub async fn memory() -> Backend {
    of(ProviderKind::Memory, SimConfig::default()).await
}

/// PassNinja against its simulator, in the simulator's conformance template `ptk_0xc0`.
pub async fn passninja(config: SimConfig) -> Backend {
    of(ProviderKind::PassNinja, config).await
}

/// Passinstance against its simulator, in the simulator's conformance template.
pub async fn passinstance(config: SimConfig) -> Backend {
    of(ProviderKind::Passinstance, config).await
}

/// ubpass against its simulator (no templates: passes stand alone).
pub async fn ubpass(config: SimConfig) -> Backend {
    of(ProviderKind::Ubpass, config).await
}

/// The Apple backend on the embedded test certificate, in a temporary data directory, with a
/// template defining the suite's three keys.
pub async fn apple() -> Backend {
    of(ProviderKind::Apple, SimConfig::default()).await
}
