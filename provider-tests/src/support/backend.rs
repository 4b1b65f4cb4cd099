//! Every backend of the registry ready for the suite: a vendor against its simulator, or a
//! backend that needs no account (memory, apple) on this machine, with the fixture its
//! descriptor's conformance defaults give.

use std::sync::Arc;

use walletpass::{
    FieldSpec, NewTemplate, PassId, ProviderKind, Template, TemplateId, WalletProvider,
};
use walletpass_sim::SimConfig;

use super::{connect_to_simulator, simulator_config, wrong_credentials};
use crate::{Fixture, Receiver, TestTls};

/// The keys and labels of the template the suite makes where a store holds none.
pub const SUITE_FIELDS: [(&str, &str); 3] =
    [("member", "Member"), ("points", "Points"), ("tier", "Tier")];

/// A backend ready for the suite; it keeps its simulator (or data directory) alive.
pub struct Backend {
    /// The provider under test.
    pub provider: Arc<dyn WalletProvider>,
    /// What the scenarios need of it.
    pub fixture: Fixture,
    /// Held only to keep a simulator running (or a directory in place) while the suite runs.
    pub guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

/// Make the suite's template (`member`, `points`, `tier`, labelled) in `provider`.
pub async fn suite_template(provider: &dyn WalletProvider) -> walletpass::Result<Template> {
    let mut template = NewTemplate::new("conformance")?;
    for (key, label) in SUITE_FIELDS {
        template = template.with_field(FieldSpec::new(key)?.with_label(label))?;
    }
    provider.create_template(template).await
}

/// `kind` ready for the suite: against its simulator (started with `sim`) when it has one,
/// or else on this machine with no account. `Err` says why it could not be set up.
pub async fn backend(kind: ProviderKind, sim: SimConfig) -> Result<Backend, String> {
    let info = kind.info();
    let defaults = info.conformance;
    let mut fixture = Fixture {
        unknown_id: defaults
            .unknown_id
            .map(PassId::new)
            .transpose()
            .map_err(|e| e.to_string())?,
        malformed_id: defaults
            .malformed_id
            .map(PassId::new)
            .transpose()
            .map_err(|e| e.to_string())?,
        webhook_sample: defaults.webhook_sample.map(|s| s.as_bytes().to_vec()),
        allow_undeletable: defaults.undeletable_webhooks,
        ..Fixture::default()
    };
    let (provider, guard): (
        Arc<dyn WalletProvider>,
        Box<dyn std::any::Any + Send + Sync>,
    ) = if info.simulator {
        // A vendor that takes only https receivers: the suite's receiver serves https with
        // a certificate made for this run, whose CA the simulator is told to trust.
        let tls = if defaults.https_receivers_only {
            Some(TestTls::generate()?)
        } else {
            None
        };
        let simulated =
            connect_to_simulator(kind, sim, tls.as_ref().map(|t| t.ca_pem.clone())).await?;
        fixture.template = simulated
            .simulator
            .demo_template
            .map(TemplateId::new)
            .transpose()
            .map_err(|e| e.to_string())?;
        fixture.bad_credentials = bad_provider(kind, simulated.simulator, &simulated.env)?;
        fixture.receiver = match (defaults.sends_webhooks, tls) {
            (false, _) => Receiver::Unset,
            (true, Some(tls)) => Receiver::LoopbackTls(tls.identity()),
            (true, None) => Receiver::Loopback,
        };
        (simulated.provider, Box::new(simulated.running))
    } else {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let config = kind
            .local_config(dir.path())
            .ok_or_else(|| format!("{kind} needs an account and has no simulator"))?
            .map_err(|e| e.to_string())?;
        let provider = walletpass::connect(config).map_err(|e| e.to_string())?;
        if defaults.sends_webhooks {
            fixture.receiver = Receiver::Loopback;
        }
        (provider, Box::new(dir))
    };
    if defaults.makes_suite_template {
        let template = suite_template(provider.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        fixture.template = Some(template.id);
    }
    Ok(Backend {
        provider,
        fixture,
        guard: Some(guard),
    })
}

/// The same provider with wrong credentials, where the vendor takes any.
fn bad_provider(
    kind: ProviderKind,
    simulator: &walletpass_sim::Simulator,
    env: &[(&'static str, String)],
) -> Result<Option<Arc<dyn WalletProvider>>, String> {
    let Some(lookup) = wrong_credentials(kind, super::vars(env)) else {
        return Ok(None);
    };
    let config = simulator_config(kind, simulator, lookup)?;
    walletpass::connect(config)
        .map(Some)
        .map_err(|e| e.to_string())
}
