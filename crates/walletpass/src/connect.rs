//! Building a provider from configuration or from the environment.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use walletpass_core::{Error, ErrorKind, MemoryProvider, Operation, Result, WalletProvider};

/// The providers this build knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderKind {
    /// The in-memory reference provider.
    Memory,
}

impl ProviderKind {
    /// Every provider compiled into this build.
    pub const ALL: &'static [ProviderKind] = &[ProviderKind::Memory];

    /// The name used in configuration (`WALLETPASS_PROVIDER`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Memory => "memory",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = Error;
    fn from_str(name: &str) -> Result<Self> {
        ProviderKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                let known: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::new(
                    ErrorKind::Config,
                    format!(
                        "provider: unknown provider '{name}'; expected one of: {}",
                        known.join(", ")
                    ),
                )
                .with_operation(Operation::Configure)
            })
    }
}

/// How to build a provider.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ProviderConfig {
    /// The in-memory reference provider.
    Memory,
}

impl ProviderConfig {
    /// The configuration of `kind` from its environment variables, with an optional base URL
    /// override.
    pub fn from_env(kind: ProviderKind, base_url: Option<&str>) -> Result<Self> {
        let _ = base_url;
        match kind {
            ProviderKind::Memory => Ok(ProviderConfig::Memory),
        }
    }
}

/// Build a provider.
pub fn connect(config: ProviderConfig) -> Result<Arc<dyn WalletProvider>> {
    match config {
        ProviderConfig::Memory => Ok(Arc::new(MemoryProvider::new())),
    }
}

/// Build the provider named by `WALLETPASS_PROVIDER` (default `memory`) from its environment
/// variables.
pub fn from_env() -> Result<Arc<dyn WalletProvider>> {
    let kind = match std::env::var("WALLETPASS_PROVIDER") {
        Ok(name) => name.parse()?,
        Err(_) => ProviderKind::Memory,
    };
    connect(ProviderConfig::from_env(kind, None)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_provider_names_the_known_ones() {
        let err = "nope".parse::<ProviderKind>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("memory"), "{err}");
        assert_eq!(
            "Memory".parse::<ProviderKind>().unwrap(),
            ProviderKind::Memory
        );
    }
}
