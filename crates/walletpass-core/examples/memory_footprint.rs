//! How much resident memory the in-memory provider holds per pass: seeds `N` small member
//! passes (default 200,000; the first argument changes it) through the batch API, and prints
//! the growth of the process's resident set size (`VmRSS` of `/proc/self/status`, Linux) per
//! pass, with a full listing's time as a check that reads still decode every pass.
//!
//! Run: `cargo run --release -p walletpass-core --example memory_footprint -- 200000`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // an example: a panic is the failure report

use std::time::Instant;

use walletpass_core::{
    Field, ListQuery, MemoryProvider, NewPass, PassContent, PassId, WalletProvider,
};

/// The resident set size of this process in bytes, where the system says it.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A small member pass, like the migration benchmark's memory run.
fn member(i: usize) -> NewPass {
    let content = PassContent::builder()
        .field(Field::new("member", format!("M-{i:07}")).unwrap())
        .field(Field::new("points", (i % 1000) as i64).unwrap())
        .build()
        .unwrap();
    NewPass::new(content).with_serial_number(PassId::new(format!("SRC-{i:07}")).unwrap())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("the first argument is a number of passes"))
        .unwrap_or(200_000);
    let provider = MemoryProvider::new();
    let batch = provider.batch().unwrap();
    let before = rss_bytes();
    let started = Instant::now();
    for start in (0..n).step_by(1000) {
        let chunk: Vec<NewPass> = (start..(start + 1000).min(n)).map(member).collect();
        for r in batch.create_many(chunk).await.unwrap() {
            r.unwrap();
        }
    }
    let seeded = started.elapsed();
    let after = rss_bytes();
    let started = Instant::now();
    let mut listed = 0;
    let mut query = ListQuery::new().page_size(500);
    loop {
        let page = provider.list(&query).await.unwrap();
        listed += page.items.len();
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    let listing = started.elapsed();
    assert_eq!(listed, n);
    match (before, after) {
        (Some(b), Some(a)) => println!(
            "{n} passes: RSS {:.1} MB -> {:.1} MB = {:.0} bytes per pass; created in {:.2}s, listed in {:.2}s",
            b as f64 / 1e6,
            a as f64 / 1e6,
            a.saturating_sub(b) as f64 / n as f64,
            seeded.as_secs_f64(),
            listing.as_secs_f64()
        ),
        _ => println!("{n} passes: RSS unknown on this system (no /proc/self/status)"),
    }
}
