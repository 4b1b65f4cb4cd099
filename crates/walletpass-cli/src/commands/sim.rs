//! `walletpass sim ...`: run vendor simulators in the foreground. The first lines are
//! `NAME BASE_URL`, one per simulator, so a script can read them; then the credentials each
//! accepts, as the environment variables that point this CLI at it.

use std::net::SocketAddr;
use std::time::Duration;

use walletpass_sim::{Deviation, SIMULATORS, SimConfig, Simulator};

use super::Context;
use crate::cli::SimArgs;
use crate::failure::{Failure, exit};
use crate::output;

/// The names `walletpass sim` takes: each simulator's vendor, and `all`.
pub fn target_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = SIMULATORS.iter().map(|s| s.name).collect();
    names.push("all");
    names
}

/// The simulators `target` names (`all`: every one, in table order).
fn targets(target: &str) -> Result<Vec<&'static Simulator>, Failure> {
    if target == "all" {
        return Ok(SIMULATORS.iter().collect());
    }
    walletpass_sim::simulator(target)
        .map(|s| vec![s])
        .ok_or_else(|| {
            Failure::usage(format!(
                "sim {target}: no such simulator; expected one of: {}",
                target_names().join(", ")
            ))
        })
}

/// The kebab-case name of a deviation switch (`drop-field-on-read`).
fn deviation_name(d: Deviation) -> String {
    let mut out = String::new();
    for (i, c) in format!("{d:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_deviation(text: &str) -> Result<Deviation, Failure> {
    Deviation::ALL
        .iter()
        .copied()
        .find(|d| deviation_name(*d) == text.trim().to_ascii_lowercase())
        .ok_or_else(|| {
            let known: Vec<String> = Deviation::ALL.iter().map(|d| deviation_name(*d)).collect();
            Failure::usage(format!(
                "--deviation '{text}': unknown; expected one of: {}",
                known.join(", ")
            ))
        })
}

/// Run `sim`.
pub async fn run(_ctx: &Context, args: SimArgs) -> Result<u8, Failure> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(Failure::usage(format!(
            "--fault-rate {}: must be between 0.0 and 1.0",
            args.fault_rate
        )));
    }
    if let Some(rps) = args.rps.filter(|rps| rps.is_nan() || *rps <= 0.0) {
        return Err(Failure::usage(format!("--rps {rps}: must be more than 0")));
    }
    let mut base = SimConfig {
        latency: Duration::from_millis(args.latency_ms),
        rps: args.rps,
        fault_rate: args.fault_rate,
        seed: args.seed,
        request_log: args.request_log,
        ..SimConfig::default()
    };
    for d in &args.deviation {
        base.deviations.insert(parse_deviation(d)?);
    }
    let vendors = targets(&args.target)?;
    let mut running = Vec::new();
    for (i, vendor) in vendors.iter().enumerate() {
        let mut config = base.clone();
        // Port 0 asks the system for a free port: each simulator gets its own (0 + i would be
        // the privileged ports 1 and 2).
        if let Some(port) = args.port.filter(|p| *p != 0) {
            let port = port.checked_add(i as u16).ok_or_else(|| {
                Failure::usage(format!(
                    "--port {port}: no room for {} ports",
                    vendors.len()
                ))
            })?;
            config.addr = SocketAddr::from(([127, 0, 0, 1], port));
        }
        let sim = (vendor.start)(config, None).await.map_err(|e| {
            Failure::usage(format!(
                "cannot start the {} simulator on {}: {e}",
                vendor.name,
                args.port
                    .map_or("a free port".to_owned(), |p| format!("port {p}"))
            ))
        })?;
        running.push((*vendor, sim));
    }
    for (vendor, sim) in &running {
        output::line(&format!("{} {}", vendor.name, sim.base_url()))?;
    }
    for (vendor, sim) in &running {
        let accepted: Vec<String> = vendor
            .credentials
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        output::line(&format!(
            "\n# {} accepts {}",
            vendor.name,
            accepted.join("; ")
        ))?;
        let env: Vec<String> = (vendor.env)(sim.base_url())
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        output::line(&format!(
            "#   export WALLETPASS_PROVIDER={} {}",
            vendor.name,
            env.join(" ")
        ))?;
        if let Some(t) = vendor.demo_template {
            output::line(&format!("#   template {t} (member, points, tier)"))?;
        }
        output::line("#   certify it with the credentials only: walletpass conformance")?;
    }
    if !base.deviations.is_empty() {
        let names: Vec<String> = base.deviations.iter().map(|d| deviation_name(*d)).collect();
        output::line(&format!("\n# deviations on: {}", names.join(", ")))?;
    }
    output::line("\n# running; Ctrl-C stops")?;
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Other(format!("cannot wait for Ctrl-C: {e}")))?;
    for (_, sim) in running {
        sim.shutdown().await;
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_deviation_has_a_kebab_name_that_parses_back() {
        assert_eq!(
            deviation_name(Deviation::DropFieldOnRead),
            "drop-field-on-read"
        );
        for d in Deviation::ALL {
            assert_eq!(parse_deviation(&deviation_name(d)).unwrap(), d);
        }
        assert_eq!(parse_deviation("nope").unwrap_err().exit_code(), 2);
    }
}
