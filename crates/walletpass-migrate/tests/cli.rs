//! The `walletpass-migrate` binary: exit codes and output.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_walletpass-migrate"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_dry_run_prints_its_plan_and_exits_0() {
    let (code, out, err) = run(&[
        "--from",
        "memory",
        "--to",
        "memory",
        "--dry-run",
        "--progress",
        "none",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("dry run: total 0, would create 0"), "{out}");
    assert!(
        out.contains("exactly-once strategy: caller-chosen serial"),
        "{out}"
    );
}

#[test]
fn bad_input_exits_2_naming_the_flag() {
    let (code, _, err) = run(&["--from", "memory", "--to", "nowhere", "--dry-run"]);
    assert_eq!(code, 2);
    assert!(err.contains("--to:") && err.contains("nowhere"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(&map, "[fields.a]\nplacement = \"sideways\"\n").unwrap();
    let (code, _, err) = run(&[
        "--from",
        "memory",
        "--to",
        "memory",
        "--dry-run",
        "--map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("fields.a.placement"), "{err}");

    let (code, _, err) = run(&[
        "--from",
        "memory",
        "--to",
        "memory",
        "--retire",
        "void",
        "--checkpoint",
        dir.path().join("c.sqlite").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--retire needs --verify"), "{err}");
}
