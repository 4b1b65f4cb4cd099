//! Helpers for tests that run the `walletpass-migrate` binary between simulators started in
//! the test process (so they outlive a killed migration): credentials, the command line,
//! spawning and killing it, and the source inventory.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use walletpass::{ProviderConfig, ProviderKind};
use walletpass_core::{Field, NewPass, PassContent, PassId, TemplateId, WalletProvider};
use walletpass_sim::harness::RunningSim;
use walletpass_sim::{passinstance, ubpass};

/// The simulators' credentials, as environment variables.
pub fn env_vars() -> Vec<(String, String)> {
    vec![
        ("PASSINSTANCE_TOKEN".into(), passinstance::DEMO_TOKEN.into()),
        ("UBPASS_API_KEY".into(), ubpass::DEMO_API_KEY.into()),
        (
            "UBPASS_WORKSPACE_ID".into(),
            ubpass::SECOND_WORKSPACE_ID.into(),
        ),
    ]
}

/// A client of `sim` built the way the binary builds it.
pub fn provider(kind: ProviderKind, sim: &RunningSim) -> Arc<dyn WalletProvider> {
    let lookup = walletpass::vendor::vars(&env_vars());
    let config = ProviderConfig::from_lookup(kind, Some(sim.base_url()), lookup).unwrap();
    walletpass::connect(config).unwrap()
}

/// Start the binary with the simulators' credentials and `extra_env`.
pub fn spawn(args: &[String], extra_env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_walletpass-migrate"))
        .args(args)
        .envs(env_vars())
        .envs(extra_env.iter().copied())
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Run the command and SIGKILL it once the target has seen `writes` write requests.
pub async fn kill_at(args: &[String], target: &RunningSim, writes: usize) {
    let mut child = spawn(args, &[]);
    let start = Instant::now();
    loop {
        if target.log().writes() >= writes {
            child.kill().unwrap();
            assert!(!child.wait().unwrap().success(), "killed, not finished");
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "the run ended ({status}) before {writes} writes:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Fill the Passinstance source's conformance template with `n` members (serial `SRC-i`,
/// member `M-i`, points `7 i`, tier Gold).
pub async fn seed_members(source: &dyn WalletProvider, n: usize) {
    let template = TemplateId::new(passinstance::CONFORMANCE_TEMPLATE_ID).unwrap();
    for i in 0..n {
        let content = PassContent::builder()
            .field(Field::new("member", format!("M-{i:04}")).unwrap())
            .field(Field::new("points", format!("{}", i * 7)).unwrap())
            .field(Field::new("tier", "Gold").unwrap())
            .build()
            .unwrap();
        let new = NewPass::new(content)
            .with_template(template.clone())
            .with_serial_number(PassId::new(format!("SRC-{i:04}")).unwrap());
        source.create(new).await.unwrap();
    }
}

/// The command line of a migration from the Passinstance `source` to `target` (`to`) with the
/// mapping file `map` (no `--checkpoint`).
pub fn migrate_args(
    source: &RunningSim,
    to: &str,
    target: &RunningSim,
    map: &Path,
    batch_size: usize,
) -> Vec<String> {
    let mut args: Vec<String> = [
        "--from",
        "passinstance",
        "--from-base-url",
        source.base_url(),
        "--from-template",
        passinstance::CONFORMANCE_TEMPLATE_ID,
        "--to",
        to,
        "--to-base-url",
        target.base_url(),
        "--map",
        map.to_str().unwrap(),
        "--concurrency",
        "4",
        "--progress",
        "none",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(["--batch-size".to_owned(), batch_size.to_string()]);
    if to == "passinstance" {
        args.extend([
            "--to-template".to_owned(),
            passinstance::CONFORMANCE_TEMPLATE_ID.to_owned(),
        ]);
    }
    args
}
