//! What a provider returns for a pass: the content plus its address, serial, status, links,
//! install figures and timestamps.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use super::{PassContent, PassRef};

/// The state of a pass.
///
/// Serialized as a snake_case string (`"active"`); a vendor status with no canonical
/// equivalent is kept as [`PassStatus::Other`] with the vendor's own word.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PassStatus {
    /// Not yet issued (ubpass Draft).
    Draft,
    /// Issued and usable.
    Active,
    /// Kept, but marked void: wallets show it as no longer valid.
    Voided,
    /// Past its expiration date.
    Expired,
    /// Removed from the holder's wallet.
    Removed,
    /// A vendor status with no canonical equivalent, verbatim.
    Other(String),
}

impl PassStatus {
    /// The name used in JSON.
    pub fn as_str(&self) -> &str {
        match self {
            PassStatus::Draft => "draft",
            PassStatus::Active => "active",
            PassStatus::Voided => "voided",
            PassStatus::Expired => "expired",
            PassStatus::Removed => "removed",
            PassStatus::Other(word) => word,
        }
    }

    /// Parse a canonical name; anything else is kept as [`PassStatus::Other`].
    pub fn parse(text: &str) -> PassStatus {
        match text {
            "draft" => PassStatus::Draft,
            "active" => PassStatus::Active,
            "voided" => PassStatus::Voided,
            "expired" => PassStatus::Expired,
            "removed" => PassStatus::Removed,
            other => PassStatus::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for PassStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PassStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PassStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(PassStatus::parse(&String::deserialize(deserializer)?))
    }
}

/// Where the holder gets the pass.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassLinks {
    /// A landing page that offers the right wallet for the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landing: Option<String>,
    /// A direct download of the Apple `.pkpass`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download: Option<String>,
    /// A Google Wallet save link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google: Option<String>,
}

impl PassLinks {
    /// Whether no link is known.
    pub fn is_empty(&self) -> bool {
        *self == PassLinks::default()
    }
}

/// Install figures, where the vendor reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallStats {
    /// Installs in Apple Wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple: Option<u64>,
    /// Installs in Google Wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google: Option<u64>,
    /// Installs in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// When the pass was first installed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub installed_at: Option<OffsetDateTime>,
}

/// A pass as a provider holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pass {
    /// Its address.
    #[serde(rename = "ref")]
    pub pass_ref: PassRef,
    /// The serial number in the pass itself.
    pub serial_number: String,
    /// Its state.
    pub status: PassStatus,
    /// What it shows.
    pub content: PassContent,
    /// Where the holder gets it.
    #[serde(default, skip_serializing_if = "PassLinks::is_empty")]
    pub links: PassLinks,
    /// Install figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installs: Option<InstallStats>,
    /// When it was created.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// When it last changed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub updated_at: Option<OffsetDateTime>,
}

impl Pass {
    /// A pass with this address and content, active, with no links or timestamps.
    pub fn new(pass_ref: PassRef, content: PassContent) -> Self {
        Self {
            serial_number: pass_ref.id.as_str().to_owned(),
            pass_ref,
            status: PassStatus::Active,
            content,
            links: PassLinks::default(),
            installs: None,
            created_at: None,
            updated_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keeps_the_vendor_word() {
        let s: PassStatus = serde_json::from_str("\"N/A\"").unwrap();
        assert_eq!(s, PassStatus::Other("N/A".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"N/A\"");
        assert_eq!(
            serde_json::to_string(&PassStatus::Voided).unwrap(),
            "\"voided\""
        );
    }
}
