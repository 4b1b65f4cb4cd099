//! The vendor registry against what lists vendors elsewhere: the simulator table of
//! `walletpass-sim` (the backends do not depend on it, so the two lists are checked here) and
//! the README's provider and environment tables (a row missing for a registered vendor, or a
//! variable missing from its row, fails).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use walletpass::{ProviderConfig, ProviderKind, vendors};

const README: &str = include_str!("../../../README.md");

/// The table rows of the README section under `heading`, up to the next heading.
fn section(heading: &str) -> Vec<&'static str> {
    let start = README
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading}"));
    README[start + heading.len()..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with('|'))
        .collect()
}

#[test]
fn the_simulator_table_and_the_registry_name_the_same_vendors() {
    for info in vendors() {
        assert_eq!(
            walletpass_sim::simulator(info.name).is_some(),
            info.simulator,
            "{}: the descriptor's `simulator` and walletpass-sim's SIMULATORS disagree",
            info.name
        );
    }
    for sim in walletpass_sim::SIMULATORS {
        let kind: ProviderKind = sim.name.parse().unwrap();
        assert!(kind.info().simulator, "{}", sim.name);
        // Every variable the simulator sets is one the vendor reads, and they configure it.
        let env = (sim.env)("http://127.0.0.1:9/v1");
        for (name, _) in &env {
            assert!(
                kind.info().env.iter().any(|v| v.name == *name),
                "{}: {name} is not in the descriptor",
                sim.name
            );
        }
        let config =
            ProviderConfig::from_lookup(kind, None, walletpass::vendor::vars(&env)).unwrap();
        assert_eq!(config.kind(), kind);
    }
}

#[test]
fn the_readme_lists_every_provider_with_its_variables() {
    let config_rows = section("### Configuration");
    let env_rows = section("### Environment");
    let backend_rows = section("## Backends");
    for info in vendors() {
        let row = config_rows
            .iter()
            .find(|r| r.starts_with(&format!("| `{}` |", info.name)))
            .unwrap_or_else(|| panic!("README ### Configuration has no row for {}", info.name));
        assert!(
            backend_rows
                .iter()
                .any(|r| r.contains(&format!("`{}`", info.crate_name))),
            "README ## Backends has no row naming {}",
            info.crate_name
        );
        for var in info.env {
            assert!(
                row.contains(var.name),
                "README ### Configuration, row {}: {} is missing",
                info.name,
                var.name
            );
            assert!(
                env_rows.iter().any(|r| r.contains(var.name)),
                "README ### Environment: {} is missing",
                var.name
            );
        }
    }
    let provider_row = env_rows
        .iter()
        .find(|r| r.contains("`WALLETPASS_PROVIDER`"))
        .unwrap();
    for info in vendors() {
        assert!(
            provider_row.contains(&format!("`{}`", info.name)),
            "README: WALLETPASS_PROVIDER's row lacks {}",
            info.name
        );
    }
}

#[test]
fn every_vendor_reads_its_variables_by_one_rule() {
    // Values are trimmed and blank is unset, on every vendor.
    for kind in ProviderKind::ALL {
        let info = kind.info();
        let blank: Vec<(&str, &str)> = info.env.iter().map(|v| (v.name, "   ")).collect();
        let result = ProviderConfig::from_lookup(*kind, None, walletpass::vendor::vars(&blank));
        let needs_credentials = info.credential_vars().next().is_some();
        assert_eq!(
            result.is_err(),
            needs_credentials,
            "{kind}: blank variables"
        );
    }
}

#[test]
fn two_alternative_credentials_both_set_is_an_error_on_every_vendor() {
    use walletpass::vendor::Need;
    for kind in ProviderKind::ALL {
        let info = kind.info();
        let alternatives: Vec<&str> = info
            .env
            .iter()
            .filter(|v| v.need == Need::OneOf)
            .map(|v| v.name)
            .collect();
        if alternatives.is_empty() {
            continue;
        }
        let mut pairs: Vec<(&str, &str)> = info
            .env
            .iter()
            .filter(|v| v.need == Need::Required)
            .map(|v| (v.name, "aid_0xa01"))
            .collect();
        pairs.extend(alternatives.iter().map(|name| (*name, " secret ")));
        let err =
            ProviderConfig::from_lookup(*kind, None, walletpass::vendor::vars(&pairs)).unwrap_err();
        assert_eq!(err.kind(), walletpass::ErrorKind::Config, "{kind}");
        assert!(
            err.to_string().contains("are both set; set exactly one"),
            "{kind}: {err}"
        );
        // One of them alone (padded with blanks) is accepted.
        pairs.truncate(pairs.len() - alternatives.len() + 1);
        ProviderConfig::from_lookup(*kind, None, walletpass::vendor::vars(&pairs))
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
}
