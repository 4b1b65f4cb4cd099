//! `walletpass serve` as a process: it refuses a public listen address without a public URL
//! (a usage error, exit 2, naming the variable), and on SIGTERM it stops gracefully (exit 0)
//! after answering health checks and the download link.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;
use common::{spawn_serve, walletpass};

#[test]
fn a_public_listen_address_needs_a_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let out = walletpass()
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env("APPLE_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("APPLE_PUBLIC_URL"), "{stderr}");
}

#[cfg(unix)]
#[tokio::test]
async fn serves_health_and_downloads_then_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, lines) = spawn_serve(walletpass().env("APPLE_DATA_DIR", dir.path()), &[]);
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let missing = reqwest::get(format!(
        "{base}/passes/pass.dev.walletpass.test/NOPE.pkpass"
    ))
    .await
    .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(
        rest.iter().any(|l| l == "walletpass serve: stopped"),
        "{rest:?}"
    );
}
