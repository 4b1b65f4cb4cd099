//! `--provider apple`: passes created, kept in the SQLite store across invocations, and their
//! signed `.pkpass` written by `passes pkpass ID --out FILE`; other providers answer exit 7.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::run;

#[tokio::test]
async fn apple_creates_a_pass_and_writes_its_pkpass() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        ("WALLETPASS_PROVIDER".to_owned(), "apple".to_owned()),
        (
            "APPLE_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
    ];
    let pass = run(
        &env,
        &[
            "passes",
            "create",
            "--serial",
            "MEMBER-1",
            "-f",
            "tier=Gold",
        ],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(pass["serial_number"], "MEMBER-1");
    // A second invocation reads the same store.
    let read = run(&env, &["passes", "get", "MEMBER-1"])
        .await
        .expect(0)
        .json();
    assert_eq!(read["content"], pass["content"]);
    let file = dir.path().join("member.pkpass");
    let file_arg = file.display().to_string();
    let out = run(&env, &["passes", "pkpass", "MEMBER-1", "--out", &file_arg])
        .await
        .expect(0)
        .json();
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(out["bytes"], bytes.len());
    assert_eq!(out["mime"], "application/vnd.apple.pkpass");
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let text = String::from_utf8_lossy(&bytes);
    for name in ["pass.json", "manifest.json", "signature", "icon.png"] {
        assert!(text.contains(name), "{name} missing from the archive");
    }
    let unknown = run(&env, &["passes", "pkpass", "NOPE-1", "--out", &file_arg]).await;
    unknown.expect(3);
}

#[tokio::test]
async fn pkpass_on_a_vendor_is_unsupported() {
    let out = run(&[], &["passes", "pkpass", "MEMBER-1", "--out", "x.pkpass"]).await;
    let out = out.expect(7);
    assert!(out.stderr.contains("--provider apple"), "{}", out.stderr);
}
