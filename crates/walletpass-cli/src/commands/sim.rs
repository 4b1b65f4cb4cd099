//! `walletpass sim ...`: run vendor simulators in the foreground. The first lines are
//! `NAME BASE_URL`, one per simulator, so a script can read them; then the credentials each
//! accepts, as the environment variables that point this CLI at it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use walletpass::{FieldSpec, Placement, ValidationError};

use walletpass_sim::{Deviation, RunningSim, SimConfig, passinstance, passninja, ubpass};

use super::Context;
use crate::cli::{SimArgs, SimTarget};
use crate::failure::{Failure, exit};
use crate::output;

/// One vendor simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    /// PassNinja.
    PassNinja,
    /// ubpass.
    Ubpass,
    /// Passinstance.
    Passinstance,
}

impl Vendor {
    /// All three, in the order they are printed.
    pub const ALL: [Vendor; 3] = [Vendor::PassNinja, Vendor::Ubpass, Vendor::Passinstance];

    /// The provider name.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::PassNinja => "passninja",
            Vendor::Ubpass => "ubpass",
            Vendor::Passinstance => "passinstance",
        }
    }

    /// The headers (or variables) and values the simulator accepts.
    pub fn credentials(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Vendor::PassNinja => passninja::DEMO_CREDENTIALS,
            Vendor::Ubpass => ubpass::DEMO_CREDENTIALS,
            Vendor::Passinstance => passinstance::DEMO_CREDENTIALS,
        }
    }

    /// The environment that points the CLI (and the backends' `from_env`) at a simulator.
    pub fn env(self, base_url: &str) -> Vec<(&'static str, String)> {
        match self {
            Vendor::PassNinja => vec![
                ("PASSNINJA_BASE_URL", base_url.to_owned()),
                ("PASSNINJA_API_KEY", passninja::DEMO_API_KEY.to_owned()),
                (
                    "PASSNINJA_ACCOUNT_ID",
                    passninja::DEMO_ACCOUNT_ID.to_owned(),
                ),
            ],
            Vendor::Ubpass => vec![
                ("UBPASS_BASE_URL", base_url.to_owned()),
                ("UBPASS_API_KEY", ubpass::DEMO_API_KEY.to_owned()),
                ("UBPASS_WORKSPACE_ID", ubpass::DEMO_WORKSPACE_ID.to_owned()),
            ],
            Vendor::Passinstance => vec![
                ("PASSINSTANCE_BASE_URL", base_url.to_owned()),
                ("PASSINSTANCE_TOKEN", passinstance::DEMO_TOKEN.to_owned()),
            ],
        }
    }

    /// The seeded template with the keys `member`, `points` and `tier` (labels Member, Points,
    /// Tier) that the demo and the conformance suite use; ubpass has no templates.
    pub fn demo_template(self) -> Option<&'static str> {
        match self {
            Vendor::PassNinja => Some(passninja::CONFORMANCE_TEMPLATE_ID),
            Vendor::Ubpass => None,
            Vendor::Passinstance => Some(passinstance::CONFORMANCE_TEMPLATE_ID),
        }
    }

    /// The field specs of the PassNinja demo template, as its dashboard defines them (PassNinja
    /// keeps labels and placements on the template, out of reach of the API).
    pub fn passninja_demo_specs() -> Result<Vec<FieldSpec>, ValidationError> {
        Ok(vec![
            FieldSpec::new("member")?
                .with_label("Member")
                .with_placement(Placement::Primary),
            FieldSpec::new("points")?
                .with_label("Points")
                .with_placement(Placement::Secondary),
            FieldSpec::new("tier")?
                .with_label("Tier")
                .with_placement(Placement::Auxiliary),
        ])
    }

    /// Start the simulator (PassNinja with the demo template added to its demo account).
    pub async fn start(self, config: SimConfig) -> std::io::Result<RunningSim> {
        self.start_trusting(config, None).await
    }

    /// Start the simulator; PassNinja's webhook deliveries also trust the CA `trust_ca_pem`
    /// (it refuses `http://` receivers, so a local receiver serves https with a test
    /// certificate).
    pub async fn start_trusting(
        self,
        config: SimConfig,
        trust_ca_pem: Option<String>,
    ) -> std::io::Result<RunningSim> {
        match self {
            Vendor::PassNinja => {
                let options = passninja::PassNinjaOptions {
                    seed: Some(Arc::new(passninja::conformance_seed())),
                    trust_ca_pem,
                    ..passninja::PassNinjaOptions::default()
                };
                Ok(passninja::launch(config, options).await?.into_running())
            }
            Vendor::Ubpass => ubpass::start(config).await,
            Vendor::Passinstance => passinstance::start(config).await,
        }
    }
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
    let vendors: Vec<Vendor> = match args.target {
        SimTarget::Passninja => vec![Vendor::PassNinja],
        SimTarget::Ubpass => vec![Vendor::Ubpass],
        SimTarget::Passinstance => vec![Vendor::Passinstance],
        SimTarget::All => Vendor::ALL.to_vec(),
    };
    let mut running = Vec::new();
    for (i, vendor) in vendors.iter().enumerate() {
        let mut config = base.clone();
        if let Some(port) = args.port {
            // Port 0 asks each simulator for a free port of its own; N gives N, N+1, N+2.
            let offset = if port == 0 { 0 } else { i as u16 };
            let port = port.checked_add(offset).ok_or_else(|| {
                Failure::usage(format!(
                    "--port {port}: no room for {} ports",
                    vendors.len()
                ))
            })?;
            config.addr = SocketAddr::from(([127, 0, 0, 1], port));
        }
        let sim = vendor.start(config).await.map_err(|e| {
            Failure::usage(format!(
                "cannot start the {} simulator on {}: {e}",
                vendor.name(),
                args.port
                    .map_or("a free port".to_owned(), |p| format!("port {p}"))
            ))
        })?;
        running.push((*vendor, sim));
    }
    for (vendor, sim) in &running {
        output::line(&format!("{} {}", vendor.name(), sim.base_url()))?;
    }
    for (vendor, sim) in &running {
        let accepted: Vec<String> = vendor
            .credentials()
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        output::line(&format!(
            "\n# {} accepts {}",
            vendor.name(),
            accepted.join("; ")
        ))?;
        let env: Vec<String> = vendor
            .env(sim.base_url())
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        output::line(&format!(
            "#   export WALLETPASS_PROVIDER={} {}",
            vendor.name(),
            env.join(" ")
        ))?;
        if let Some(t) = vendor.demo_template() {
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
