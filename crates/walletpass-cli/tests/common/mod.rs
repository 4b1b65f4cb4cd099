//! Running the built `walletpass` binary with a clean environment, and starting the vendor
//! simulators in the test process so that several invocations share one server.

#![allow(dead_code)] // each test file uses a different part of this helper module

use std::path::Path;
use std::process::Stdio;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use walletpass_sim::{RunningSim, SimConfig, passinstance, passninja, ubpass};

/// What an invocation printed and how it exited.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// stdout as one JSON value.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// stderr as the JSON error object.
    pub fn error(&self) -> Value {
        let v: Value = serde_json::from_str(self.stderr.trim())
            .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {self:#?}"));
        v["error"].clone()
    }

    /// Assert the exit code, showing everything on failure.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit code: {self:#?}");
        self
    }
}

/// A vendor simulator and the environment that points the CLI at it.
pub struct Sim {
    pub running: RunningSim,
    pub env: Vec<(String, String)>,
}

impl Sim {
    pub fn base_url(&self) -> &str {
        self.running.base_url()
    }
}

/// The environment for a simulator.
pub fn env_for(provider: &str, base_url: &str) -> Vec<(String, String)> {
    let pairs: Vec<(&str, &str)> = match provider {
        "passninja" => vec![
            ("PASSNINJA_API_KEY", passninja::DEMO_API_KEY),
            ("PASSNINJA_ACCOUNT_ID", passninja::DEMO_ACCOUNT_ID),
        ],
        "ubpass" => vec![
            ("UBPASS_API_KEY", ubpass::DEMO_API_KEY),
            ("UBPASS_WORKSPACE_ID", ubpass::DEMO_WORKSPACE_ID),
        ],
        "passinstance" => vec![("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN)],
        other => panic!("no simulator for {other}"),
    };
    let mut env: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    env.push(("WALLETPASS_PROVIDER".into(), provider.into()));
    env.push(("WALLETPASS_BASE_URL".into(), base_url.into()));
    env
}

/// Start a simulator with `config`.
pub async fn sim_with(provider: &str, config: SimConfig) -> Sim {
    let running = match provider {
        "passninja" => {
            let options = passninja::PassNinjaOptions {
                seed: Some(std::sync::Arc::new(passninja::conformance_seed())),
                ..passninja::PassNinjaOptions::default()
            };
            passninja::launch(config, options)
                .await
                .unwrap()
                .into_running()
        }
        "ubpass" => ubpass::start(config).await.unwrap(),
        "passinstance" => passinstance::start(config).await.unwrap(),
        other => panic!("no simulator for {other}"),
    };
    let env = env_for(provider, running.base_url());
    Sim { running, env }
}

/// Start a healthy simulator.
pub async fn sim(provider: &str) -> Sim {
    sim_with(provider, SimConfig::default()).await
}

/// Run the binary with only `env` set (nothing inherited), JSON output unless asked otherwise.
pub async fn run(env: &[(String, String)], args: &[&str]) -> Out {
    run_with_stdin(env, args, None).await
}

/// As [`run`], feeding `stdin`.
pub async fn run_with_stdin(env: &[(String, String)], args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_walletpass"));
    cmd.env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(bytes).await.unwrap();
        drop(pipe);
    }
    let output = child.wait_with_output().await.unwrap();
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The binary as a blocking command, for a long-running process such as `walletpass serve`:
/// the environment is inherited (PATH, temporary directory) except every `APPLE_*` and
/// `WALLETPASS_*` variable, so only what the test sets configures it.
pub fn walletpass() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_walletpass"));
    for (name, _) in std::env::vars() {
        if name.starts_with("APPLE_") || name.starts_with("WALLETPASS_") {
            command.env_remove(name);
        }
    }
    command
}

/// Start `command` as `walletpass serve --listen 127.0.0.1:0 <args>` with stdout piped; its
/// child, the base URL its first line announces, and the rest of its stdout.
pub fn spawn_serve(
    command: &mut std::process::Command,
    args: &[&str],
) -> (
    std::process::Child,
    String,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
) {
    use std::io::BufRead;
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("walletpass serve: listening on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    (child, base, lines)
}

/// Write a file in `dir`.
pub fn write(dir: &Path, name: &str, contents: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.display().to_string()
}

/// The field values of a canonical pass as `key -> value` JSON.
pub fn values(pass: &Value) -> serde_json::Map<String, Value> {
    pass["content"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields in {pass}"))
        .iter()
        .map(|f| (f["key"].as_str().unwrap().to_owned(), f["value"].clone()))
        .collect()
}
