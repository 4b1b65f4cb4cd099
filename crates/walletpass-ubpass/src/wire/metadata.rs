//! `PassMetadata`, what a pass shows, and the shapes inside it: the top and secondary
//! `PassField`s, the link-valued `BackPassField`s (`BackPassFieldValue`), and the locations
//! of `passMetadata.locations` (`PassLocation` schema, here [`MetadataLocation`]).

use serde::Serialize;
use serde_json::{Map, Value};

use super::lenient::LenientString;

/// `PassField`: the top field or a secondary field.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassField {
    /// Key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Value (a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Message shown when the value changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_message: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(PassField, "a ubpass PassField object", other: other, {
    key: "key",
    label: "label",
    value: "value" as LenientString,
    change_message: "changeMessage",
});

/// `BackPassFieldValue`: one link of a back field.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackPassFieldValue {
    /// Link text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Vendor short-link slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Vendor short link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_link_value: Option<String>,
    /// Vendor short-link id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_link_id: Option<String>,
    /// UTM source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_source: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(BackPassFieldValue, "a ubpass BackPassFieldValue object", other: other, {
    text: "text",
    link: "link",
    slug: "slug",
    short_link_value: "shortLinkValue",
    short_link_id: "shortLinkId",
    utm_source: "utmSource",
});

/// `BackPassField`: a back field, whose value is a list of links.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackPassField {
    /// Key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Vec<BackPassFieldValue>>,
    /// Message shown when the value changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_message: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(BackPassField, "a ubpass BackPassField object", other: other, {
    key: "key",
    label: "label",
    value: "value",
    change_message: "changeMessage",
});

/// A location inside `passMetadata.locations` (the `PassLocation` schema).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataLocation {
    /// Location id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name (required by the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Altitude in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Lock-screen text (required by the schema, at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_text: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(MetadataLocation, "a ubpass MetadataLocation object", other: other, {
    id: "id",
    name: "name",
    enabled: "enabled",
    latitude: "latitude",
    longitude: "longitude",
    altitude: "altitude",
    relevant_text: "relevantText",
});

/// `PassMetadata`: what the pass shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassMetadata {
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Issuer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// Background color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// Text color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_text_color: Option<String>,
    /// The one top field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_field: Option<PassField>,
    /// Secondary fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_fields: Option<Vec<PassField>>,
    /// Back fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_fields: Option<Vec<BackPassField>>,
    /// QR code content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_url: Option<String>,
    /// Text under the QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_text: Option<String>,
    /// Locations (Apple only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<MetadataLocation>>,
    /// Other properties (`appDeepLinks`, `userDeepLink`, and any the vendor adds), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(PassMetadata, "a ubpass PassMetadata object", other: other, {
    description: "description",
    organization_name: "organizationName",
    background_color: "backgroundColor",
    display_text_color: "displayTextColor",
    top_field: "topField",
    secondary_fields: "secondaryFields",
    back_fields: "backFields",
    qr_url: "qrUrl",
    qr_text: "qrText",
    locations: "locations",
});
