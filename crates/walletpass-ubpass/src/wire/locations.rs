//! Pass locations of `/wallet-pass-location`: `PassLocation` (read and written) and the
//! `{"id": ...}` reference to the pass it belongs to ([`PassRefBody`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::LocationId;

/// `{"id": ...}`: the pass a location belongs to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PassRefBody {
    /// Pass id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `PassLocation` of `/wallet-pass-location`, read and written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassLocation {
    /// Id (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<LocationId>,
    /// Name (required, at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Enabled (the vendor's default is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Latitude (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Altitude in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Lock-screen text (required, at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_text: Option<String>,
    /// The pass (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_pass: Option<PassRefBody>,
    /// Everything else (times, creator, workspace), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(PassLocation, "a ubpass PassLocation object", other: other, {
    id: "id",
    name: "name",
    enabled: "enabled",
    latitude: "latitude",
    longitude: "longitude",
    altitude: "altitude",
    relevant_text: "relevantText",
    wallet_pass: "walletPass",
});
