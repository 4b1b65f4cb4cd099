//! Migrations between the vendor simulators through the real backends (built with the facade,
//! as the CLI builds them): content compared after mapping, every pass exactly once, and a dry
//! run that the simulators' request logs show wrote nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use walletpass::{ProviderConfig, ProviderKind};
use walletpass_core::{
    Field, ListQuery, NewPass, PassContent, TemplateId, WalletProvider, WalletProviderExt,
};
use walletpass_migrate::{Checkpoint, Mapping, Migration, Options, Strategy};
use walletpass_sim::SimConfig;
use walletpass_sim::harness::RunningSim;

/// One side: a simulator, a provider talking to it, and the template passes live in.
struct Side {
    sim: RunningSim,
    provider: Arc<dyn WalletProvider>,
    template: Option<TemplateId>,
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

fn connect(kind: ProviderKind, sim: &RunningSim, vars: &[(&str, &str)]) -> Arc<dyn WalletProvider> {
    let config = ProviderConfig::from_lookup(kind, Some(sim.base_url()), env(vars)).unwrap();
    walletpass::connect(config).unwrap()
}

async fn passninja(config: SimConfig) -> Side {
    use walletpass_sim::passninja as sim;
    let options = sim::PassNinjaOptions {
        seed: Some(Arc::new(sim::conformance_seed())),
        ..sim::PassNinjaOptions::default()
    };
    let running = sim::launch(config, options).await.unwrap().into_running();
    let provider = connect(
        ProviderKind::PassNinja,
        &running,
        &[
            ("PASSNINJA_API_KEY", sim::DEMO_API_KEY),
            ("PASSNINJA_ACCOUNT_ID", sim::DEMO_ACCOUNT_ID),
        ],
    );
    Side {
        sim: running,
        provider,
        template: Some(TemplateId::new(sim::CONFORMANCE_TEMPLATE_ID).unwrap()),
    }
}

async fn passinstance(config: SimConfig) -> Side {
    use walletpass_sim::passinstance as sim;
    let running = sim::start(config).await.unwrap();
    let provider = connect(
        ProviderKind::Passinstance,
        &running,
        &[("PASSINSTANCE_TOKEN", sim::DEMO_TOKEN)],
    );
    Side {
        sim: running,
        provider,
        template: Some(TemplateId::new(sim::CONFORMANCE_TEMPLATE_ID).unwrap()),
    }
}

async fn ubpass(config: SimConfig) -> Side {
    use walletpass_sim::ubpass as sim;
    let running = sim::start(config).await.unwrap();
    // The second workspace starts empty (the default one holds the documented examples).
    let provider = connect(
        ProviderKind::Ubpass,
        &running,
        &[
            ("UBPASS_API_KEY", sim::DEMO_API_KEY),
            ("UBPASS_WORKSPACE_ID", sim::SECOND_WORKSPACE_ID),
        ],
    );
    Side {
        sim: running,
        provider,
        template: None,
    }
}

fn member(i: usize) -> PassContent {
    PassContent::builder()
        .field(Field::new("member", format!("M-{i:04}")).unwrap())
        .field(Field::new("points", format!("{}", i * 10)).unwrap())
        .field(
            Field::new(
                "tier",
                if i.is_multiple_of(2) {
                    "Gold"
                } else {
                    "Silver"
                },
            )
            .unwrap(),
        )
        .build()
        .unwrap()
}

async fn fill(side: &Side, n: usize) {
    for i in 0..n {
        let mut new = NewPass::new(member(i));
        new.template = side.template.clone();
        if side.provider.capabilities().caller_serial {
            new.serial_number = Some(walletpass_core::PassId::new(format!("SRC-{i:04}")).unwrap());
        }
        side.provider.create(new).await.unwrap();
    }
}

async fn members(side: &Side) -> Vec<String> {
    let mut query = ListQuery::new();
    query.template = side.template.clone();
    let listed: Vec<_> = side.provider.list_all(query).try_collect().await.unwrap();
    // Listings may carry only a summary: read each pass.
    let mut passes = Vec::new();
    for p in listed {
        passes.push(side.provider.get(&p.pass_ref).await.unwrap());
    }
    if std::env::var("DEBUG_MIGRATE").is_ok() {
        for p in &passes {
            eprintln!("{}", serde_json::to_string(p).unwrap());
        }
    }
    let mut out: Vec<String> = passes
        .iter()
        .filter_map(|p| {
            let text = |key: &str| {
                p.content
                    .field(key)
                    .map(|f| f.value.to_text())
                    .unwrap_or_default()
            };
            let member = text("member");
            member
                .starts_with("M-")
                .then(|| format!("{member}|{}|{}", text("points"), text("tier")))
        })
        .collect();
    out.sort();
    out
}

/// Labels and placements are left to each target's template.
const MAPPING: &str = "[drop]\nparts = [\"labels\", \"placements\"]\n";

async fn migrate(source: Side, target: Side, n: usize, mapping: &str, strategy: Strategy) {
    fill(&source, n).await;
    let before = members(&target).await;
    assert!(
        before.is_empty(),
        "the target starts without members: {before:?}"
    );

    // A dry run first: the target's request log shows no write.
    let writes = target.sim.log().writes();
    let m = Migration::new(
        source.provider.clone(),
        target.provider.clone(),
        Mapping::from_toml(mapping).unwrap(),
    )
    .source_template(source.template.clone())
    .target_template(target.template.clone());
    let dry = m
        .clone()
        .options(Options {
            dry_run: true,
            ..Options::default()
        })
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    assert_eq!(dry.would_create, n, "{dry}");
    assert_eq!(
        target.sim.log().writes(),
        writes,
        "a dry run wrote to the target"
    );

    let m = m.clone().options(Options {
        verify: true,
        concurrency: 4,
        backoff: Duration::from_millis(5),
        ..Options::default()
    });
    assert_eq!(m.strategy(), strategy);
    let first = Checkpoint::in_memory().unwrap();
    let summary = m.run(&first).await.unwrap();
    assert_eq!(
        (
            summary.total,
            summary.migrated,
            summary.failed,
            summary.verified,
            summary.mismatched
        ),
        (n, n, 0, n, 0),
        "{summary}"
    );
    // Each member exactly once, with the source's values.
    let expected = members(&source).await;
    assert_eq!(expected.len(), n);
    assert_eq!(members(&target).await, expected);
    assert!(common::rows(&first).iter().all(|r| r.target_ref.is_some()));

    // The same migration with a new checkpoint: every copy is found and adopted, the target
    // sees no write, and the report names the same target passes.
    let writes = target.sim.log().writes();
    let fresh = Checkpoint::in_memory().unwrap();
    let again = m.run(&fresh).await.unwrap();
    assert_eq!(
        (again.migrated, again.adopted, again.failed, again.verified),
        (0, n, 0, n),
        "{again}"
    );
    assert_eq!(target.sim.log().writes(), writes, "{again}");
    let ids = |cp: &Checkpoint| {
        let mut ids: Vec<String> = common::rows(cp)
            .into_iter()
            .filter_map(|r| r.target_ref)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&fresh), ids(&first));
    assert_eq!(members(&target).await, expected);
}

#[tokio::test]
async fn passninja_to_passinstance() {
    let source = passninja(SimConfig::default()).await;
    let target = passinstance(SimConfig::default()).await;
    migrate(source, target, 12, MAPPING, Strategy::CallerSerial).await;
}

#[tokio::test]
async fn passinstance_to_ubpass() {
    let source = passinstance(SimConfig::default()).await;
    let target = ubpass(SimConfig::default()).await;
    let mapping = format!(
        "{MAPPING}[identity]\nmarker_field = \"migrated_from\"\nmarker_placement = \"secondary\"\n"
    );
    migrate(source, target, 12, &mapping, Strategy::Marker).await;
}

#[tokio::test]
async fn ubpass_to_passninja() {
    let source = ubpass(SimConfig::default()).await;
    let target = passninja(SimConfig::default()).await;
    migrate(source, target, 12, MAPPING, Strategy::Content).await;
}

#[tokio::test]
async fn misfits_stop_the_run_before_the_target_sees_a_write() {
    let source = ubpass(SimConfig::default()).await;
    let target = passinstance(SimConfig::default()).await;
    for i in 0..3 {
        let content = PassContent::builder()
            .field(
                Field::new("member", format!("M-{i:04}"))
                    .unwrap()
                    .with_placement(walletpass_core::Placement::Secondary),
            )
            .build()
            .unwrap();
        source.provider.create(NewPass::new(content)).await.unwrap();
    }
    let writes = target.sim.log().writes();
    let m = Migration::new(
        source.provider.clone(),
        target.provider.clone(),
        Mapping::default(),
    )
    .target_template(target.template.clone());
    let err = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap_err();
    let text = err.to_string();
    // Passinstance stores no placements: every pass is named, nothing is written.
    assert!(err.before_any_write(), "{text}");
    assert!(text.contains("3 source passes do not fit"), "{text}");
    assert!(text.contains("fields[member].placement"), "{text}");
    assert_eq!(target.sim.log().writes(), writes);

    // Dropping placements on purpose lets the same passes through.
    let dropped = Mapping::from_toml("[drop]\nparts = [\"placements\"]").unwrap();
    let m = Migration::new(source.provider.clone(), target.provider.clone(), dropped)
        .target_template(target.template.clone())
        .options(Options {
            verify: true,
            ..Options::default()
        });
    let summary = m.run(&Checkpoint::in_memory().unwrap()).await.unwrap();
    assert_eq!((summary.migrated, summary.verified), (3, 3), "{summary}");
}

/// The source's reads during a run: listing pages and single-pass reads, from its request log.
fn source_reads(side: &Side, pass_path: &str) -> (usize, usize) {
    let entries = side.sim.log().entries();
    let gets = entries.iter().filter(|e| e.method == "GET");
    let single = gets
        .clone()
        .filter(|e| e.path.starts_with(pass_path) && e.path.len() > pass_path.len())
        .count();
    (gets.count() - single, single)
}

/// A migration between two sides' templates with [`MAPPING`].
fn migration(source: &Side, target: &Side, options: Options) -> Migration {
    Migration::new(
        source.provider.clone(),
        target.provider.clone(),
        Mapping::from_toml(MAPPING).unwrap(),
    )
    .source_template(source.template.clone())
    .target_template(target.template.clone())
    .options(options)
}

/// Fill a source with `n` passes, migrate them to a fresh Passinstance simulator (pages of 5),
/// and return the source's reads during the run.
async fn reads_of_a_run(source: Side, n: usize, pass_path: &str) -> (usize, usize) {
    fill(&source, n).await;
    source.sim.log().clear();
    let target = passinstance(SimConfig::default()).await;
    let options = Options {
        page_size: 5,
        ..Options::default()
    };
    let summary = migration(&source, &target, options)
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    assert_eq!(summary.migrated, n, "{summary}");
    source_reads(&source, pass_path)
}

/// Passinstance lists passes in full (`list_full_content`, assumption A7 of its backend): the
/// run maps and checks every pass from the listing pages alone, one request per page instead of
/// one per pass. PassNinja lists summaries: each pass is read before it is mapped.
#[tokio::test]
async fn a_source_listing_full_content_is_not_read_pass_by_pass() {
    let n = 12;
    // `GET /api/v1/passes?…` pages of 5: 3 listing requests, no `GET /api/v1/passes/{id}`.
    let reads = reads_of_a_run(
        passinstance(SimConfig::default()).await,
        n,
        "/api/v1/passes/",
    );
    assert_eq!(reads.await, (3, 0));

    let source = passninja(SimConfig::default()).await;
    let pass_path = format!("/v1/passes/{}/", source.template.as_ref().unwrap());
    let (_, single) = reads_of_a_run(source, n, &pass_path).await;
    assert_eq!(single, n, "PassNinja's summaries: each pass is read once");
}

/// A source whose listing leaves out a field it does hold (deviation `ListDropsField`): the
/// passes are migrated from the listing, but `--verify` reads each source pass again and names
/// the field, so nothing is lost without a word and nothing is retired.
#[tokio::test]
async fn verify_catches_a_listing_that_left_out_a_field() {
    let n = 4;
    let lossy = SimConfig {
        deviations: [walletpass_sim::Deviation::ListDropsField]
            .into_iter()
            .collect(),
        ..SimConfig::default()
    };
    let source = passinstance(lossy).await;
    fill(&source, n).await;
    let target = passinstance(SimConfig::default()).await;
    let options = Options {
        verify: true,
        retire: walletpass_migrate::Retire::Void,
        ..Options::default()
    };
    let summary = migration(&source, &target, options)
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (
            summary.migrated,
            summary.verified,
            summary.mismatched,
            summary.retired
        ),
        (n, 0, n, 0),
        "{summary}"
    );
    // The sim drops the last field key in order: `tier`.
    for (_, diffs) in &summary.mismatches {
        let text = diffs.join("; ");
        assert!(
            text.contains("the source pass read again differs") && text.contains("fields[tier]"),
            "{text}"
        );
    }
    assert_eq!(summary.exit_code(), 1);
    // No source pass was voided.
    let voided = source
        .sim
        .log()
        .entries()
        .iter()
        .filter(|e| e.method == "POST" && e.path.ends_with("/void"))
        .count();
    assert_eq!(voided, 0);
}
