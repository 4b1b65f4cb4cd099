//! 2,000 passes between simulators that inject faults on both sides (20 % 5xx answered before
//! handling, 5 % responses dropped after the change was applied, 429 bursts from a request-rate
//! limit): zero lost, zero duplicated, verify clean.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};
use walletpass_core::{
    ErrorKind, Field, ListQuery, NewPass, PassContent, PassId, TemplateId, WalletProvider,
    WalletProviderExt,
};
use walletpass_migrate::{Checkpoint, Mapping, Migration, Options, Strategy};
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{SimConfig, passinstance, ubpass};

const N: usize = 2000;

/// Prints how long each phase took (shown with `--nocapture`).
#[derive(Default)]
struct Timing(std::sync::Mutex<Option<(walletpass_migrate::Phase, std::time::Instant)>>);

impl walletpass_migrate::Progress for Timing {
    fn start(&self, phase: walletpass_migrate::Phase, _: u64) {
        *self.0.lock().unwrap() = Some((phase, std::time::Instant::now()));
    }
    fn item(&self, _: bool) {}
    fn finish(&self) {
        if let Some((phase, started)) = self.0.lock().unwrap().take() {
            println!("{}: {:?}", phase.as_str(), started.elapsed());
        }
    }
}

fn faulty(seed: u64, rps: f64) -> SimConfig {
    SimConfig {
        fault_rate: 0.20,
        drop_rate: 0.05,
        rps: Some(rps),
        seed,
        ..SimConfig::default()
    }
}

/// Quick retries in the clients (the simulators answer at once), enough of them for one in four
/// requests failing: an error that used up the client's attempts is exhausted, and the migration
/// does not retry it again (`Error::is_exhausted`).
fn quick() -> walletpass_core::http::RetryPolicy {
    walletpass_core::http::RetryPolicy {
        max_attempts: 10,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
        budget: Duration::from_secs(10),
        jitter: true,
    }
}

fn passinstance_client(sim: &RunningSim) -> Arc<dyn WalletProvider> {
    Arc::new(
        walletpass_passinstance::PassinstanceConfig::bearer(passinstance::DEMO_TOKEN)
            .with_base_url(sim.base_url())
            .with_retry(quick())
            .build()
            .unwrap(),
    )
}

fn ubpass_client(sim: &RunningSim) -> Arc<dyn WalletProvider> {
    let config = walletpass_ubpass::UbpassConfig::api_key(ubpass::DEMO_API_KEY)
        .with_workspace_id(ubpass::SECOND_WORKSPACE_ID)
        .with_base_url(sim.base_url())
        .with_retry(quick());
    Arc::new(walletpass_ubpass::Ubpass::new(config).unwrap())
}

fn content(i: usize) -> PassContent {
    PassContent::builder()
        .field(Field::new("member", format!("M-{i:04}")).unwrap())
        .field(Field::new("points", format!("{}", i * 3)).unwrap())
        .field(Field::new("tier", "Gold").unwrap())
        .build()
        .unwrap()
}

/// Create the source passes through the faults with batch jobs: the serials make a repeated job
/// safe, and a conflict means an earlier attempt got through.
async fn seed(source: &dyn WalletProvider, template: &TemplateId, n: usize) {
    let batch = source.batch().unwrap();
    let all: Vec<NewPass> = (0..n)
        .map(|i| {
            NewPass::new(content(i))
                .with_template(template.clone())
                .with_serial_number(PassId::new(format!("SRC-{i:04}")).unwrap())
        })
        .collect();
    for chunk in all.chunks(100) {
        let mut todo: Vec<NewPass> = chunk.to_vec();
        for _ in 0..50 {
            if todo.is_empty() {
                break;
            }
            match batch.create_many(todo.clone()).await {
                Ok(results) => {
                    let mut again = Vec::new();
                    for (pass, result) in todo.into_iter().zip(results) {
                        match result {
                            Ok(_) => {}
                            Err(e) if e.kind() == ErrorKind::Conflict => {}
                            Err(e) if e.is_retryable() => again.push(pass),
                            Err(e) => panic!("seeding: {e}"),
                        }
                    }
                    todo = again;
                }
                Err(e) if e.is_retryable() => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(e) => panic!("seeding: {e}"),
            }
        }
        assert!(todo.is_empty(), "seeding did not get through");
    }
}

async fn members(provider: &dyn WalletProvider, template: Option<TemplateId>) -> Vec<String> {
    let mut query = ListQuery::new().page_size(100);
    query.template = template;
    let mut tries = 0;
    let listed: Vec<_> = loop {
        match provider
            .list_all(query.clone())
            .try_collect::<Vec<_>>()
            .await
        {
            Ok(all) => break all,
            Err(e) if e.is_retryable() && tries < 20 => tries += 1,
            Err(e) => panic!("listing: {e}"),
        }
    };
    let mut out: Vec<String> = stream::iter(listed)
        .map(|p| async move {
            let mut attempt = 0;
            if !p.content.fields.is_empty() {
                let text = |key: &str| {
                    p.content
                        .field(key)
                        .map(|f| f.value.to_text())
                        .unwrap_or_default()
                };
                return format!("{}|{}|{}", text("member"), text("points"), text("tier"));
            }
            let p = loop {
                match provider.get(&p.pass_ref).await {
                    Ok(p) => break p,
                    Err(e) if e.is_retryable() && attempt < 20 => attempt += 1,
                    Err(e) => panic!("reading {}: {e}", p.pass_ref),
                }
            };
            let text = |key: &str| {
                p.content
                    .field(key)
                    .map(|f| f.value.to_text())
                    .unwrap_or_default()
            };
            format!("{}|{}|{}", text("member"), text("points"), text("tier"))
        })
        .buffer_unordered(16)
        .filter(|m| std::future::ready(m.starts_with("M-")))
        .collect()
        .await;
    out.sort();
    out
}

/// Seed `n` passes into a faulty Passinstance source, migrate them to `target` with verify, and
/// check every member is on the target exactly once with the source's values.
async fn under_faults(
    n: usize,
    target_sim: &RunningSim,
    target: Arc<dyn WalletProvider>,
    target_template: Option<TemplateId>,
    mapping: &str,
    options: Options,
    strategy: Strategy,
) {
    let source_sim = passinstance::start(faulty(7, 2000.0)).await.unwrap();
    let source = passinstance_client(&source_sim);
    let template = TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap();
    let started = std::time::Instant::now();
    seed(source.as_ref(), &template, n).await;
    println!("seeded in {:?}", started.elapsed());
    let migration = Migration::new(
        source.clone(),
        target.clone(),
        Mapping::from_toml(mapping).unwrap(),
    )
    .source_template(Some(template.clone()))
    .target_template(target_template.clone())
    .options(Options {
        verify: true,
        concurrency: 16,
        backoff: Duration::from_millis(10),
        ..options
    })
    .progress(Arc::new(Timing::default()));
    assert_eq!(migration.strategy(), strategy);
    let started = std::time::Instant::now();
    let summary = migration
        .run(&Checkpoint::in_memory().unwrap())
        .await
        .unwrap();
    println!("migrated in {:?}", started.elapsed());
    assert_eq!(
        (
            summary.total,
            summary.failed,
            summary.verified,
            summary.mismatched
        ),
        (n, 0, n, 0),
        "{summary}"
    );
    assert!(summary.duplicates_left.is_empty(), "{summary}");
    let faults = target_sim
        .log()
        .entries()
        .iter()
        .filter(|e| e.fault.is_some() || e.status == 429)
        .count();
    assert!(faults > n / 10, "faults were injected: {faults}");

    // Checked with the faults still on: the listing and reads are retried.
    let expected: Vec<String> = (0..n).map(|i| format!("M-{i:04}|{}|Gold", i * 3)).collect();
    let got = members(target.as_ref(), target_template).await;
    if got != expected {
        let mut extra = got.clone();
        for e in &expected {
            if let Some(i) = extra.iter().position(|g| g == e) {
                extra.remove(i);
            }
        }
        let missing: Vec<_> = expected.iter().filter(|e| !got.contains(e)).collect();
        panic!(
            "target has {} passes for {n}; extra {extra:?}; missing {missing:?}",
            got.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_passes_under_faults_passinstance_to_passinstance() {
    let target_sim = passinstance::start(faulty(11, 800.0)).await.unwrap();
    let target = passinstance_client(&target_sim);
    let template = TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap();
    let options = Options {
        use_batch: false,
        ..Options::default()
    };
    under_faults(
        N,
        &target_sim,
        target,
        Some(template),
        "[identity]\nserial_prefix = \"MIG-\"\n",
        options,
        Strategy::CallerSerial,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_passes_under_faults_in_passinstance_batch_jobs() {
    let target_sim = passinstance::start(faulty(13, 800.0)).await.unwrap();
    let target = passinstance_client(&target_sim);
    let template = TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap();
    let options = Options {
        batch_size: 50,
        ..Options::default()
    };
    under_faults(
        N,
        &target_sim,
        target,
        Some(template),
        "[identity]\nserial_prefix = \"MIG-\"\n",
        options,
        Strategy::CallerSerial,
    )
    .await;
}

/// ubpass assigns pass ids and lists 20 passes a page, so this one is smaller: the marker
/// lookup and the sweep of extra copies under the same faults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_under_faults_passinstance_to_ubpass_by_marker() {
    let target_sim = ubpass::start(faulty(11, 800.0)).await.unwrap();
    let target = ubpass_client(&target_sim);
    let mapping =
        "[identity]\nmarker_field = \"migrated_from\"\nmarker_placement = \"secondary\"\n";
    under_faults(
        400,
        &target_sim,
        target,
        None,
        mapping,
        Options::default(),
        Strategy::Marker,
    )
    .await;
}

/// Keeps the lines a run announces.
#[derive(Default)]
struct Notices(std::sync::Mutex<Vec<String>>);

impl walletpass_migrate::Progress for Notices {
    fn start(&self, _: walletpass_migrate::Phase, _: u64) {}
    fn item(&self, _: bool) {}
    fn finish(&self) {}
    fn notice(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_owned());
    }
}

/// A client that sends a create again after the simulator dropped its answer makes a stray
/// copy; the checkpoint proves it (the row's create came after a lookup that found none) and
/// `remove_duplicates` deletes it, keeping the older copy. Passes no checkpoint row created
/// (an unrelated one, and a second copy of an adopted pass) are never touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strays_of_lost_create_answers_are_removed_and_nothing_else() {
    let target_sim = ubpass::start(SimConfig {
        drop_rate: 0.10,
        seed: 5,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    // The client does not repeat requests itself; the wrapper repeats a create whose answer
    // was lost, once.
    let config = walletpass_ubpass::UbpassConfig::api_key(ubpass::DEMO_API_KEY)
        .with_workspace_id(ubpass::SECOND_WORKSPACE_ID)
        .with_base_url(target_sim.base_url())
        .with_retry(walletpass_core::http::RetryPolicy {
            max_attempts: 1,
            ..quick()
        });
    let client: Arc<dyn WalletProvider> = Arc::new(walletpass_ubpass::Ubpass::new(config).unwrap());
    let target = common::Wrapped::over(client.clone(), |_| {});
    target.repeat_lost_creates.store(true, Ordering::SeqCst);
    let source_sim = passinstance::start(SimConfig::default()).await.unwrap();
    let source = passinstance_client(&source_sim);
    let template = TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap();
    seed(source.as_ref(), &template, 60).await;
    let mapping_text =
        "[identity]\nmarker_field = \"migrated_from\"\nmarker_placement = \"secondary\"\n";
    let mapping = Mapping::from_toml(mapping_text).unwrap();

    // Before the migration, on the target: an unrelated pass, and copies carrying source pass
    // SRC-0001's marker (made by hand, say; a lost answer repeated here makes more). The first
    // is adopted; every one stays.
    let put = |content: PassContent| {
        let client = client.clone();
        async move {
            for _ in 0..20 {
                if client.create(NewPass::new(content.clone())).await.is_ok() {
                    return;
                }
            }
            panic!("cannot create");
        }
    };
    let src1 = source
        .get(&walletpass_core::PassRef::in_template(
            template.clone(),
            PassId::new("SRC-0001").unwrap(),
        ))
        .await
        .unwrap();
    let marked = mapping.with_marker(
        mapping.apply(&src1.content, false).unwrap(),
        &src1.pass_ref.to_string(),
    );
    put(content(999)).await;
    put(marked.clone()).await;
    put(marked).await;
    let target_ids = || async {
        let mut ids: Vec<String> = Vec::new();
        for _ in 0..20 {
            match client
                .list_all(ListQuery::new())
                .try_collect::<Vec<_>>()
                .await
            {
                Ok(all) => {
                    ids = all.iter().map(|p| p.pass_ref.to_string()).collect();
                    break;
                }
                Err(e) => assert!(e.is_retryable(), "{e}"),
            }
        }
        ids.sort();
        ids
    };
    let foreign = target_ids().await;
    assert!(foreign.len() >= 3, "{foreign:?}");
    let notices = Arc::new(Notices::default());
    let migration = |remove_duplicates| {
        Migration::new(source.clone(), target.clone(), mapping.clone())
            .source_template(Some(template.clone()))
            .progress(notices.clone())
            .options(Options {
                verify: true,
                concurrency: 4,
                backoff: Duration::from_millis(5),
                remove_duplicates,
                ..Options::default()
            })
    };
    let deletes = || {
        target_sim
            .log()
            .entries()
            .iter()
            .filter(|e| e.method == "DELETE")
            .count()
    };
    let cp = Checkpoint::in_memory().unwrap();
    let reported = migration(false).run(&cp).await.unwrap();
    let strays = reported.duplicates_left.len();
    assert!(strays > 0, "lost answers made strays: {reported}");
    assert_eq!(deletes(), 0, "without the flag nothing is deleted");
    assert_eq!(reported.adopted, 1, "{reported}");
    assert!(!reported.copies_unproven.is_empty(), "{reported}");
    for (_, copy) in &reported.copies_unproven {
        assert!(
            foreign.contains(copy),
            "only hand-made copies are unproven: {reported}"
        );
    }

    assert!(notices.0.lock().unwrap().is_empty());
    let removed = migration(true).run(&cp).await.unwrap();
    assert_eq!(removed.duplicates_removed, strays, "{removed}");
    // Each delete was announced first, naming the pass.
    let said = notices.0.lock().unwrap().clone();
    assert_eq!(said.len(), strays, "{said:?}");
    for (_, copy) in &reported.duplicates_left {
        assert!(
            said.iter()
                .any(|l| l.starts_with("deleting extra copy") && l.contains(copy.as_str())),
            "{said:?}"
        );
    }
    assert_eq!((removed.failed, removed.verified), (0, 60), "{removed}");
    assert_eq!(deletes(), strays);
    // What is left: every pass that was there before, and one copy of each other source pass.
    let recorded: Vec<String> = common::rows(&cp)
        .into_iter()
        .filter_map(|r| r.target_ref)
        .collect();
    let mut expected: Vec<String> = foreign.clone();
    expected.extend(recorded.iter().filter(|r| !foreign.contains(r)).cloned());
    expected.sort();
    assert_eq!(target_ids().await, expected);
    assert_eq!(expected.len(), foreign.len() + 59);
}
