//! Migrating from each vendor simulator to the Apple backend (passes signed here): every pass
//! exactly once with the source's values, verified, a dry run that writes nothing, each target
//! pass a signed `.pkpass`, and a second run that changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::members;

use std::sync::Arc;

use futures::TryStreamExt;
use walletpass::{ProviderConfig, ProviderKind};
use walletpass_apple::{Apple, AppleConfig};
use walletpass_core::{
    Field, ListQuery, NewPass, PassContent, PassId, TemplateId, WalletProvider, WalletProviderExt,
};
use walletpass_migrate::{Checkpoint, Mapping, Migration, Options, Strategy};
use walletpass_sim::SimConfig;
use walletpass_sim::harness::RunningSim;

const PASSES: usize = 10;
/// Labels and placements are left to the vendor's template on the source side.
const MAPPING: &str = "[drop]\nparts = [\"labels\", \"placements\"]\n";

/// A source: its simulator (kept running), the provider, the template.
type Source = (RunningSim, Arc<dyn WalletProvider>, Option<TemplateId>);

async fn source(kind: ProviderKind) -> Source {
    use walletpass_sim::{passinstance, passninja, ubpass};
    let (running, vars, template): (RunningSim, Vec<(&str, &str)>, Option<&str>) = match kind {
        ProviderKind::PassNinja => {
            let options = passninja::PassNinjaOptions {
                seed: Some(Arc::new(passninja::conformance_seed())),
                ..passninja::PassNinjaOptions::default()
            };
            let running = passninja::launch(SimConfig::default(), options)
                .await
                .unwrap()
                .into_running();
            let vars = vec![
                ("PASSNINJA_API_KEY", passninja::DEMO_API_KEY),
                ("PASSNINJA_ACCOUNT_ID", passninja::DEMO_ACCOUNT_ID),
            ];
            (running, vars, Some(passninja::CONFORMANCE_TEMPLATE_ID))
        }
        ProviderKind::Passinstance => (
            passinstance::start(SimConfig::default()).await.unwrap(),
            vec![("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN)],
            Some(passinstance::CONFORMANCE_TEMPLATE_ID),
        ),
        _ => (
            ubpass::start(SimConfig::default()).await.unwrap(),
            vec![
                ("UBPASS_API_KEY", ubpass::DEMO_API_KEY),
                ("UBPASS_WORKSPACE_ID", ubpass::SECOND_WORKSPACE_ID),
            ],
            None,
        ),
    };
    let lookup = move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let config = ProviderConfig::from_lookup(kind, Some(running.base_url()), lookup).unwrap();
    let provider = walletpass::connect(config).unwrap();
    let template = template.map(|t| TemplateId::new(t).unwrap());
    for i in 0..PASSES {
        let tier = if i % 2 == 0 { "Gold" } else { "Silver" };
        let content = PassContent::builder()
            .field(Field::new("member", format!("M-{i:04}")).unwrap())
            .field(Field::new("points", format!("{}", i * 10)).unwrap())
            .field(Field::new("tier", tier).unwrap())
            .build()
            .unwrap();
        let mut new = NewPass::new(content);
        new.template = template.clone();
        if provider.capabilities().caller_serial {
            new.serial_number = Some(PassId::new(format!("SRC-{i:04}")).unwrap());
        }
        provider.create(new).await.unwrap();
    }
    (running, provider, template)
}

async fn to_apple(kind: ProviderKind) {
    let (_sim, from, template) = source(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let apple = Arc::new(Apple::new(AppleConfig::new(dir.path())).unwrap());
    let target: Arc<dyn WalletProvider> = apple.clone();
    let migration = Migration::new(
        from.clone(),
        target.clone(),
        Mapping::from_toml(MAPPING).unwrap(),
    )
    .source_template(template.clone());
    assert_eq!(migration.strategy(), Strategy::CallerSerial);

    let dry = migration
        .clone()
        .options(Options {
            dry_run: true,
            ..Options::default()
        })
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    assert_eq!(dry.would_create, PASSES, "{dry}");
    assert!(
        members(target.as_ref(), None).await.is_empty(),
        "a dry run wrote"
    );

    let migration = migration.options(Options {
        verify: true,
        concurrency: 4,
        ..Options::default()
    });
    let summary = migration
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (
            summary.total,
            summary.migrated,
            summary.failed,
            summary.verified,
            summary.mismatched
        ),
        (PASSES, PASSES, 0, PASSES, 0),
        "{summary}"
    );
    let expected = members(from.as_ref(), template).await;
    assert_eq!(expected.len(), PASSES);
    assert_eq!(members(target.as_ref(), None).await, expected);

    // Every migrated pass is a signed .pkpass.
    let passes: Vec<_> = target
        .list_all(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    for p in &passes {
        assert!(
            apple
                .pkpass(&p.pass_ref)
                .unwrap()
                .starts_with(b"PK\x03\x04")
        );
    }

    // The same command again, with the checkpoint lost, reaches the same end state.
    let again = migration
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    assert_eq!(again.failed, 0, "{again}");
    assert_eq!(members(target.as_ref(), None).await, expected);
}

#[tokio::test]
async fn passninja_to_apple() {
    to_apple(ProviderKind::PassNinja).await;
}

#[tokio::test]
async fn passinstance_to_apple() {
    to_apple(ProviderKind::Passinstance).await;
}

#[tokio::test]
async fn ubpass_to_apple() {
    to_apple(ProviderKind::Ubpass).await;
}
