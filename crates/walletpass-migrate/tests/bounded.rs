//! Bounded memory, pinned structurally (never by timing or RSS): a run many times larger than
//! its page size never has more source passes listed but not yet staged in the checkpoint than
//! a few pages, and never loads more checkpoint rows at once than one page.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use walletpass_core::MemoryProvider;
use walletpass_migrate::{Checkpoint, Mapping, Migration, Options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_many_pages_long_holds_a_few_pages_at_a_time() {
    const PAGE: u32 = 20;
    const CONCURRENCY: usize = 4;
    const PASSES: usize = 2_000; // 100 pages
    let memory = MemoryProvider::new();
    common::fill(&memory, PASSES).await;
    let source = common::Wrapped::over(Arc::new(memory), |c| c.batch = false);
    let target = common::Wrapped::memory();
    let cp = Arc::new(Checkpoint::in_memory().unwrap());
    // At every listing page: how many passes are listed but not yet staged in the checkpoint.
    let worst_gap = Arc::new(AtomicU64::new(0));
    let (gap, probe) = (Arc::clone(&worst_gap), Arc::clone(&cp));
    *source.on_list.lock().unwrap() = Some(common::ListHook(Box::new(move |listed| {
        let staged = probe.staged_len().unwrap() as u64;
        gap.fetch_max(listed.saturating_sub(staged), Ordering::SeqCst);
    })));
    let options = Options {
        page_size: PAGE,
        concurrency: CONCURRENCY,
        verify: true,
        ..Options::default()
    };
    let m = Migration::new(
        source.clone(),
        target.clone(),
        Mapping::from_toml("").unwrap(),
    )
    .options(options);
    let summary = m.run(&cp).await.unwrap();
    assert_eq!(
        (
            summary.total,
            summary.migrated,
            summary.verified,
            summary.failed
        ),
        (PASSES, PASSES, PASSES, 0),
        "{summary}"
    );
    common::assert_exactly_once(&target, PASSES, "member.id").await;
    assert_eq!(source.listed.load(Ordering::SeqCst), PASSES as u64);

    // Listed but not yet staged: the page just listed, the chunk being mapped and the reads
    // in flight, never the inventory.
    let gap = worst_gap.load(Ordering::SeqCst);
    let bound = 3 * u64::from(PAGE) + CONCURRENCY as u64;
    assert!(
        gap <= bound,
        "{gap} passes listed but not staged (bound {bound})"
    );
    // Every later phase (lookup, create, verify, the summary) loads one page of rows at once.
    assert!(
        cp.largest_read() <= PAGE as usize,
        "{} rows loaded at once",
        cp.largest_read()
    );
    assert!(cp.largest_read() > 0);

    // A rerun (every row recorded) reads the checkpoint the same way.
    let again = m.run(&cp).await.unwrap();
    assert_eq!((again.skipped, again.migrated), (PASSES, 0), "{again}");
    assert!(cp.largest_read() <= PAGE as usize);
}
