//! Apple backend throughput, on one core, each figure against a baseline measured in the same
//! run (rounds interleaved), with an A/A control line that should read about 1.00:
//!
//! 1. **Signed `.pkpass` per second** for a store card with 3 images (icon, logo, strip) and a
//!    QR barcode: render `pass.json`, hash, sign (P-256, the embedded test certificate), zip.
//!    Goal: at least 1,000 per second. Baseline: one bare P-256 signature over a manifest-sized
//!    message (the crypto floor), so the ratio says how much the bundle costs beyond it.
//! 2. **Creates per second through the trait into SQLite** (a file, WAL): `BENCH_CREATES`
//!    (default 100,000) passes. Goal: at least 5,000 per second. Baseline: the same rows
//!    inserted with plain `rusqlite`, one transaction each, into another file.
//!
//! Run: `cargo bench -p walletpass-apple --bench apple`. An optimized build exits 1 below a
//! goal. (`cargo test -p walletpass-apple --bench apple` runs it unoptimized with few passes:
//! a smoke run, not the measurement.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is the failure report

use std::time::{Duration, Instant};

use p256::ecdsa::signature::Signer;
use walletpass_apple::{Apple, AppleConfig};
use walletpass_core::{
    Barcode, BarcodeFormat, Field, ImageRole, NewPass, PassContent, PassId, Placement,
    WalletProvider,
};

const SIGN_GOAL: f64 = 1_000.0;
const CREATE_GOAL: f64 = 5_000.0;
const ROUNDS: usize = 5;

fn optimized() -> bool {
    !cfg!(debug_assertions)
}

fn png(seed: u8, len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len).map(|i| seed.wrapping_add(i as u8)));
    bytes
}

fn card(i: usize, images: Option<(&str, &str, &str)>) -> PassContent {
    let mut b = PassContent::builder()
        .field(
            Field::new("points", i as i64)
                .unwrap()
                .with_label("Points")
                .with_placement(Placement::Primary),
        )
        .field(
            Field::new("member", format!("M-{i:06}"))
                .unwrap()
                .with_label("Member"),
        )
        .field(Field::new("tier", "Gold").unwrap().with_label("Tier"))
        .barcode(Barcode::new(BarcodeFormat::Qr, format!("MEMBER-{i:06}")).unwrap())
        .background_color("#1f2937")
        .foreground_color("#ffffff");
    if let Some((icon, logo, strip)) = images {
        b = b
            .image(ImageRole::Icon, icon)
            .image(ImageRole::Logo, logo)
            .image(ImageRole::Strip, strip);
    }
    b.build().unwrap()
}

/// Run `f` `n` times, the rate per second.
fn rate(n: usize, mut f: impl FnMut(usize)) -> f64 {
    let started = Instant::now();
    for i in 0..n {
        f(i);
    }
    n as f64 / started.elapsed().as_secs_f64().max(1e-9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut below_goal = false;

    // 1. Signed .pkpass per second.
    let dir = tempfile::tempdir().unwrap();
    let apple = Apple::new(AppleConfig::new(dir.path())).unwrap();
    let icon = apple.put_image(&png(1, 2_000)).unwrap();
    let logo = apple.put_image(&png(2, 6_000)).unwrap();
    let strip = apple.put_image(&png(3, 20_000)).unwrap();
    let pass = rt
        .block_on(
            apple.create(
                NewPass::new(card(1, Some((&icon, &logo, &strip))))
                    .with_serial_number(PassId::new("BENCH-SIGN").unwrap()),
            ),
        )
        .unwrap();
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let message = vec![7u8; 300];
    let per_round = if optimized() { 2_000 } else { 20 };
    let (mut pkpass, mut floor, mut floor2) = (Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    for _ in 0..ROUNDS {
        pkpass.push(rate(per_round, |_| {
            bytes = apple.pkpass(&pass.pass_ref).unwrap().len();
        }));
        floor.push(rate(per_round, |_| {
            let _: p256::ecdsa::Signature = key.sign(&message);
        }));
        floor2.push(rate(per_round, |_| {
            let _: p256::ecdsa::Signature = key.sign(&message);
        }));
    }
    let (p, f, f2) = (median(pkpass), median(floor), median(floor2));
    println!(
        "signed .pkpass (store card, 3 images, {bytes} bytes), one core, median of {ROUNDS} rounds of {per_round}:"
    );
    println!(
        "  pkpass            {p:>10.0} /s   ratio to goal {SIGN_GOAL:.0}/s: {:.2}",
        p / SIGN_GOAL
    );
    println!(
        "  bare P-256 sign   {f:>10.0} /s   pkpass / bare sign: {:.2}",
        p / f
    );
    println!("  A/A bare sign     {f2:>10.0} /s   control: {:.2}", f2 / f);
    if optimized() && p < SIGN_GOAL {
        below_goal = true;
    }

    // 2. Creates through the trait into SQLite.
    let total: usize = std::env::var("BENCH_CREATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if optimized() { 100_000 } else { 200 });
    let chunk = (total / ROUNDS).max(1);
    let dir = tempfile::tempdir().unwrap();
    let apple = Apple::new(AppleConfig::new(dir.path().join("trait"))).unwrap();
    let raw_a = raw_store(&dir.path().join("raw-a.sqlite3"));
    let raw_b = raw_store(&dir.path().join("raw-b.sqlite3"));
    let row = serde_json::to_string(&card(0, None)).unwrap();
    let (mut t, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    let mut elapsed = Duration::ZERO;
    for round in 0..ROUNDS {
        let start = Instant::now();
        t.push(rate(chunk, |i| {
            let n = round * chunk + i;
            let new = NewPass::new(card(n, None))
                .with_serial_number(PassId::new(format!("C-{n:07}")).unwrap());
            rt.block_on(apple.create(new)).unwrap();
        }));
        elapsed += start.elapsed();
        a.push(rate(chunk, |i| raw_insert(&raw_a, round * chunk + i, &row)));
        b.push(rate(chunk, |i| raw_insert(&raw_b, round * chunk + i, &row)));
    }
    let (t, a, b) = (median(t), median(a), median(b));
    println!(
        "creates through the trait into SQLite, {} passes in {:.1} s, median of {ROUNDS} rounds:",
        chunk * ROUNDS,
        elapsed.as_secs_f64()
    );
    println!(
        "  trait create      {t:>10.0} /s   ratio to goal {CREATE_GOAL:.0}/s: {:.2}",
        t / CREATE_GOAL
    );
    println!(
        "  raw rusqlite      {a:>10.0} /s   trait / raw: {:.2}",
        t / a
    );
    println!("  A/A raw rusqlite  {b:>10.0} /s   control: {:.2}", b / a);
    if optimized() && t < CREATE_GOAL {
        below_goal = true;
    }
    if below_goal {
        eprintln!("below a goal");
        std::process::exit(1);
    }
}

fn raw_store(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE passes (seq INTEGER PRIMARY KEY AUTOINCREMENT, serial TEXT NOT NULL UNIQUE,
         content TEXT NOT NULL, auth_token TEXT NOT NULL, update_tag INTEGER NOT NULL)",
    )
    .unwrap();
    conn
}

fn raw_insert(conn: &rusqlite::Connection, n: usize, row: &str) {
    let tx = conn.unchecked_transaction().unwrap();
    tx.prepare_cached(
        "INSERT INTO passes (serial, content, auth_token, update_tag) VALUES (?1, ?2, ?3, 1)",
    )
    .unwrap()
    .execute(rusqlite::params![
        format!("C-{n:07}"),
        row,
        "0123456789abcdef0123456789abcdef"
    ])
    .unwrap();
    tx.commit().unwrap();
}
