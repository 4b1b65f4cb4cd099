//! The wallet pass document, `WalletPassInfo`: as read ([`WalletPass`], and [`FirstPass`] for
//! the array `GET /wallet-pass/{id}` answers), as written ([`WalletPassWrite`]), and its image
//! references ([`UploadInfo`]).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::lenient::LenientCount;
use super::metadata::PassMetadata;

/// `UploadInfo`: one image reference. The schema calls the key `fileKey`, every documented
/// example `uploadKey`; both are read, `uploadKey` is written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadInfo {
    /// `logo.png`, `icon.png`, `strip.png`, `footer.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The key as the documented examples send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_key: Option<String>,
    /// The key as the schema names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_key: Option<String>,
    /// Asset URL (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Properties this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(UploadInfo, "a ubpass UploadInfo object", other: other, {
    file_name: "fileName",
    upload_key: "uploadKey",
    file_key: "fileKey",
    url: "url",
});

impl UploadInfo {
    /// The key under whichever name the vendor used.
    pub fn key(&self) -> Option<&str> {
        self.upload_key.as_deref().or(self.file_key.as_deref())
    }
}

/// `WalletPassInfo` as the vendor answers it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletPass {
    /// Pass id (also the Apple serial number and the notifications' `passSerialNumber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Created at (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    /// Updated at (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_time: Option<String>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Last updater.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Account (in the examples, not the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Lock-screen notification header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_header: Option<String>,
    /// Name, unique in the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_name: Option<String>,
    /// `Draft` or `Published`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Content (absent in `summary` listings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_metadata: Option<PassMetadata>,
    /// Images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_info_list: Option<Vec<UploadInfo>>,
    /// Download link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_link: Option<String>,
    /// Slug of the download link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_link_slug: Option<String>,
    /// Google save link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_pass_link: Option<String>,
    /// Account object (schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Value>,
    /// Apple installs, ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_issued_count: Option<i64>,
    /// Google installs, ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_issued_count: Option<i64>,
    /// All installs, ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_issued_count: Option<i64>,
    /// Apple installs, still installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_active_count: Option<i64>,
    /// Google installs, still installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_active_count: Option<i64>,
    /// All installs, still installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_active_count: Option<i64>,
    /// Properties this crate does not know.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(WalletPass, "a ubpass WalletPass object", other: other, {
    id: "id",
    created_time: "createdTime",
    updated_time: "updatedTime",
    created_by: "createdBy",
    updated_by: "updatedBy",
    workspace_id: "workspaceId",
    account_id: "accountId",
    notification_header: "notificationHeader",
    pass_name: "passName",
    status: "status",
    pass_metadata: "passMetadata",
    upload_info_list: "uploadInfoList",
    pass_link: "passLink",
    pass_link_slug: "passLinkSlug",
    google_pass_link: "googlePassLink",
    account: "account",
    apple_issued_count: "appleIssuedCount" as LenientCount,
    google_issued_count: "googleIssuedCount" as LenientCount,
    total_issued_count: "totalIssuedCount" as LenientCount,
    apple_active_count: "appleActiveCount" as LenientCount,
    google_active_count: "googleActiveCount" as LenientCount,
    total_active_count: "totalActiveCount" as LenientCount,
});

/// The body of a create (`POST /wallet-pass`, `/wallet-pass/async`) or an update
/// (`PATCH /wallet-pass/{id}`, whole document): the writable part of `WalletPassInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletPassWrite {
    /// Lock-screen notification header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_header: Option<String>,
    /// Name, unique in the workspace (required).
    pub pass_name: String,
    /// Content (required).
    pub pass_metadata: PassMetadata,
    /// Images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_info_list: Option<Vec<UploadInfo>>,
    /// Slug of the download link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_link_slug: Option<String>,
    /// `Draft` or `Published`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Account reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Value>,
}

impl WalletPassWrite {
    /// The writable part of a pass as read, for a whole-document update that changes nothing
    /// by itself. `None` when the read pass has no name or no metadata.
    pub fn from_read(pass: &WalletPass) -> Option<Self> {
        Self::from_read_owned(pass.clone())
    }

    /// [`from_read`](Self::from_read), moving the parts out of the read pass instead of
    /// copying them. `None` when the read pass has no name or no metadata.
    pub(crate) fn from_read_owned(pass: WalletPass) -> Option<Self> {
        Some(Self {
            notification_header: pass.notification_header,
            pass_name: pass.pass_name?,
            pass_metadata: pass.pass_metadata?,
            upload_info_list: pass.upload_info_list,
            pass_link_slug: pass.pass_link_slug,
            status: pass.status,
            account: pass.account,
        })
    }
}

/// The answer of `GET /wallet-pass/{id}`, which the spec types as an array of passes: the
/// first item of an array (`None` for an empty one; the others are checked as JSON and
/// skipped), or an object itself, decoded in one pass. Boxed: the document is a kilobyte, and
/// the read hands it on through several calls; moved by value, each of them copied it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FirstPass(pub Option<Box<WalletPass>>);

impl<'de> Deserialize<'de> for FirstPass {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FirstPass;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of WalletPassInfo objects, or one")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<FirstPass, A::Error> {
                let first = seq.next_element::<Box<WalletPass>>()?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(FirstPass(first))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<FirstPass, A::Error> {
                Box::<WalletPass>::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|p| FirstPass(Some(p)))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_properties_are_kept_at_every_level_in_one_pass() {
        // ubpass-openapi.json, `WalletPassInfo`, `PassMetadata` (`appDeepLinks` included),
        // `PassField`, `BackPassField` and `UploadInfo` (`fileKey`; assumption U2), and the
        // `GET /wallet-pass/{id}` 200 answer (an array).
        let text = r#"[{"id": "p1", "passName": "N", "future": {"a": [1, 2]},
            "passMetadata": {"qrUrl": "Q", "appDeepLinks": ["x"],
                "topField": {"key": "k", "value": 12, "style": "bold"},
                "backFields": [{"key": "b", "value": [{"text": "t", "link": "https://x.example", "tag": 1}]}]},
            "uploadInfoList": [{"fileName": "logo.png", "fileKey": "K", "size": 3}],
            "appleActiveCount": "4", "googleActiveCount": 1.5}, {"id": "second"}]"#;
        let FirstPass(Some(pass)) = serde_json::from_str(text).unwrap() else {
            panic!("no pass");
        };
        assert_eq!(pass.other["future"]["a"][1], 2);
        let meta = pass.pass_metadata.unwrap();
        assert_eq!(meta.other["appDeepLinks"][0], "x");
        let top = meta.top_field.unwrap();
        assert_eq!(top.value.as_deref(), Some("12"));
        assert_eq!(top.other["style"], "bold");
        let back = &meta.back_fields.unwrap()[0];
        assert_eq!(back.value.as_ref().unwrap()[0].other["tag"], 1);
        let upload = &pass.upload_info_list.unwrap()[0];
        assert_eq!(
            (upload.key(), &upload.other["size"]),
            (Some("K"), &Value::from(3))
        );
        assert_eq!(pass.apple_active_count, Some(4));
        assert_eq!(pass.google_active_count, None);
    }

    #[test]
    fn the_get_answer_reads_as_an_array_an_object_or_empty() {
        // ubpass-openapi.json, `GET /wallet-pass/{id}` 200: an array of `WalletPassInfo`
        // (assumption U1: an object is read too, an empty array is no pass).
        let read = |text: &str| serde_json::from_str::<FirstPass>(text);
        assert_eq!(read("[]").unwrap(), FirstPass(None));
        assert_eq!(
            read(r#"{"id": "p"}"#).unwrap().0.unwrap().id.as_deref(),
            Some("p")
        );
        assert!(read("3").is_err());
        assert!(read(r#"[{"id": ["p"]}]"#).is_err());
        let odd = read(r#"[{"id": "p", "passMetadata": {"topField": {"value": {"a": 1}}}}]"#);
        assert!(odd.unwrap_err().to_string().contains("expected a string"));
    }
}
