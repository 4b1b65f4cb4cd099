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

/// The Apple backend as [`apple`] sets it up, with its store in a new database on the test
/// PostgreSQL server (`provider_tests::support::postgres`); `None` when the PostgreSQL tests
/// are skipped (`WALLETPASS_SKIP_POSTGRES=1`, said on stderr).
pub async fn apple_postgres() -> Option<Backend> {
    let url = support::postgres::fresh_database()?;
    let mut backend = apple().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a data directory: {e}"));
    let provider: std::sync::Arc<dyn walletpass::WalletProvider> = {
        let config = walletpass_apple::AppleConfig::new(dir.path())
            .with_public_url("https://passes.example.com")
            .and_then(|c| c.with_postgres(&url))
            .unwrap_or_else(|e| panic!("apple on {url}: {e}"));
        std::sync::Arc::new(
            walletpass_apple::Apple::new(config).unwrap_or_else(|e| panic!("apple on {url}: {e}")),
        )
    };
    let template = support::suite_template(provider.as_ref())
        .await
        .unwrap_or_else(|e| panic!("the suite's template on PostgreSQL: {e}"));
    backend.fixture.template = Some(template.id);
    backend.provider = provider;
    backend.guard = Some(Box::new((dir, backend.guard.take())));
    Some(backend)
}
