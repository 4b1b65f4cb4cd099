//! The root README's migration walkthrough, run as written: its `sh` block is taken from the
//! README at test time and run by `bash -e` in an empty directory, with `walletpass` on `PATH`
//! being the built binary. Every step must succeed, and every output the comments quote
//! (`"total 3, migrated 3, ... verified 3"`) must appear in what the steps printed.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The heading the walkthrough's block follows.
const HEADING: &str = "### Walkthrough against the simulators";

/// A guard against a hung step (a simulator that never starts), not a speed bound.
const HANG_GUARD: Duration = Duration::from_secs(600);

/// The first ```sh block after [`HEADING`].
fn walkthrough(readme: &str) -> String {
    let after = readme
        .split_once(HEADING)
        .unwrap_or_else(|| panic!("README has no '{HEADING}'"))
        .1;
    let Some((_, block)) = after.split_once("```sh\n") else {
        panic!("the walkthrough has no ```sh block");
    };
    let Some((block, _)) = block.split_once("\n```") else {
        panic!("the walkthrough's ```sh block is not closed");
    };
    block.to_owned()
}

/// The outputs the block's comments quote, each split at `...` into the pieces that must
/// appear verbatim.
fn quoted_outputs(block: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    for line in block.lines() {
        let Some((_, comment)) = line.split_once('#') else {
            continue;
        };
        let mut parts = comment.split('"');
        parts.next();
        while let (Some(quoted), Some(_)) = (parts.next(), parts.next()) {
            pieces.extend(
                quoted
                    .split("...")
                    .map(|p| p.trim().trim_end_matches(',').trim().to_owned())
                    .filter(|p| !p.is_empty()),
            );
        }
    }
    pieces
}

#[test]
fn the_quoted_outputs_are_found_in_the_block() {
    let block = "# 5. x: \"dry run: total 3, ... inactive 0\".\nwalletpass migrate \"$A\"\n";
    assert_eq!(quoted_outputs(block), ["dry run: total 3", "inactive 0"]);
}

#[test]
fn the_readme_migration_walkthrough_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let block = walkthrough(&readme);
    let quoted = quoted_outputs(&block);
    assert!(
        quoted.iter().any(|q| q.contains("adopted 3")),
        "the walkthrough shows what a rerun with a new checkpoint prints: {quoted:?}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_walletpass"), bin.join("walletpass"))
        .expect("symlink");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).expect("work dir");
    std::fs::write(work.join("walkthrough.sh"), &block).expect("script");
    // Whatever happens, the simulators started in the background stop with the script.
    let wrapper = "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\nset -e\n. ./walkthrough.sh\n";
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(wrapper)
        .current_dir(&work)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.path().join("stdout")).expect("stdout file"))
        .stderr(std::fs::File::create(dir.path().join("stderr")).expect("stderr file"))
        .spawn()
        .expect("bash");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            child.kill().expect("kill");
            panic!("the walkthrough hung");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = std::fs::read_to_string(dir.path().join("stdout")).expect("stdout");
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).expect("stderr");
    assert!(
        status.success(),
        "the walkthrough failed ({status}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    for q in &quoted {
        assert!(
            stdout.contains(q.as_str()) || stderr.contains(q.as_str()),
            "the README quotes '{q}', which no step printed:\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        );
    }

    // Step 1: `--port 0` gave each simulator a free port of its own (not 0, 1 and 2).
    let sim = std::fs::read_to_string(work.join("sim.txt")).expect("sim.txt");
    let mut ports: Vec<u16> = sim
        .lines()
        .take(3)
        .map(|line| {
            let url = line.split_once(' ').expect("NAME BASE_URL").1;
            let port = url
                .trim_start_matches("http://127.0.0.1:")
                .split_once('/')
                .expect("a path after the port")
                .0;
            port.parse().expect("a port")
        })
        .collect();
    assert!(ports.iter().all(|p| *p >= 1024), "{sim}");
    ports.dedup();
    assert_eq!(ports.len(), 3, "{sim}");

    // Step 6b: the rerun with a new checkpoint reported the same three target ids (the script's
    // `cmp`), and they are the ones step 6 created.
    let report = std::fs::read_to_string(work.join("report.csv")).expect("report.csv");
    let rows: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{report}");
    assert!(rows.iter().all(|r| r.ends_with(",verified,")), "{report}");
    assert_eq!(
        std::fs::read_to_string(work.join("rerun.csv")).expect("rerun.csv"),
        report
    );
}
