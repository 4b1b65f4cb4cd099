//! PassNinja's JSON shapes, named and spelled as in `passninja-api.txt`. Nothing here leaves
//! the crate through the trait; [`crate::convert`] turns them into canonical values and back.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use walletpass_core::http::ObjectKey;

/// `urls` of a pass.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Urls {
    /// The landing page.
    #[serde(default)]
    pub landing: Option<String>,
    /// Any other links the vendor adds (`apple`, `google` in older answers).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(Urls, "a PassNinja Urls object", other: other, {
    landing: "landing",
});

/// `urls` in a pass answer or list row: informational, so read leniently, with the results of
/// [`walletpass_core::lenient::or_default`], but in one pass, without a `Value` of the whole
/// block first. An object is read as [`Urls`] (a key given twice keeps its last value, as a
/// JSON object map does); null reads as no links; anything else (a string, a number, an array),
/// or an object whose last `landing` is neither a string nor null, reads as no links too,
/// logged at debug. What is skipped is still read as a `Value`, so JSON that a `Value` refuses
/// (a number out of range, a lone surrogate, nesting past serde_json's limit) is still an error.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LenientUrls(pub(crate) Urls);

impl walletpass_core::http::decode::IntoField for LenientUrls {
    type Field = Urls;
    fn into_field(self) -> Urls {
        self.0
    }
}

impl<'de> Deserialize<'de> for LenientUrls {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl V {
            fn left_out<E>(self, shape: &str) -> Result<LenientUrls, E> {
                tracing::debug!(shape, "urls of another shape were left out");
                Ok(LenientUrls::default())
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = LenientUrls;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a PassNinja Urls object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LenientUrls, A::Error> {
                let mut landing = Value::Null;
                let mut other = Map::new();
                while let Some(key) = map.next_key::<ObjectKey<'de>>()? {
                    let value = map.next_value::<Value>()?;
                    if key.as_str() == "landing" {
                        landing = value;
                    } else {
                        other.insert(key.into_owned(), value);
                    }
                }
                let landing = match landing {
                    Value::String(text) => Some(text),
                    Value::Null => None,
                    _ => return self.left_out("an object whose landing is not text"),
                };
                Ok(LenientUrls(Urls { landing, other }))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LenientUrls, E> {
                Ok(LenientUrls::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<LenientUrls, E> {
                self.left_out("text")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<LenientUrls, E> {
                self.left_out("a boolean")
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<LenientUrls, E> {
                self.left_out("a number")
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<LenientUrls, E> {
                self.left_out("a number")
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<LenientUrls, E> {
                self.left_out("a number")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<LenientUrls, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                self.left_out("an array")
            }
        }
        d.deserialize_any(V)
    }
}

/// The body of `POST /passes`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreatePass<'a> {
    /// The template id.
    pub pass_template: &'a str,
    /// Values keyed by API field name.
    pub pass: &'a Map<String, Value>,
    /// Who to send the pass to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<&'a Recipient>,
}

/// `recipient` of a create.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// The person's name (required by the vendor).
    pub name: String,
    /// The message; `@name`, `@account` and `@url` are substituted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Phone number with a leading `+`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The body of `PATCH` and `PUT /passes/{template}/{serial}`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UpdatePass<'a> {
    /// Values keyed by API field name.
    pub pass: &'a Map<String, Value>,
}

/// The answer of `PATCH` and `PUT /passes/{template}/{serial}`: a JSON object whose members are
/// skipped unread, because the pass is read back by `GET` afterwards (P15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteAnswer;

impl<'de> Deserialize<'de> for WriteAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = WriteAnswer;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a PassNinja pass object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<WriteAnswer, A::Error> {
                use serde::de::IgnoredAny;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(WriteAnswer)
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// A pass as create and get answer it (patch and put answer one too: see [`WriteAnswer`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PassBody {
    /// The serial (same as `serialNumber`).
    pub id: Option<String>,
    /// The template id.
    pub pass_template: Option<String>,
    /// The serial.
    pub serial_number: Option<String>,
    /// Links.
    pub urls: Urls,
    /// Field values (get only).
    pub pass: Option<Map<String, Value>>,
    /// Delivery status when a recipient was given.
    pub message_status: Option<String>,
    /// Anything else the vendor sent.
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(PassBody, "a PassNinja PassBody object", other: other, {
    id: "id",
    pass_template: "passTemplate" | "passType",
    serial_number: "serialNumber",
    urls: "urls" as LenientUrls,
    pass: "pass",
    message_status: "messageStatus",
});

/// One row of `GET /passes/{template}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedPass {
    /// The serial.
    pub id: Option<String>,
    /// The template id.
    pub pass_template: Option<String>,
    /// The serial.
    pub serial_number: Option<String>,
    /// Links.
    pub urls: Urls,
    /// When the pass was created (RFC 3339).
    pub issued_date: Option<String>,
    /// When it was installed (RFC 3339), null if not installed.
    pub installed_date: Option<String>,
    /// `Active`, `Removed`, `Expired` or `N/A`.
    pub status: Option<String>,
    /// Delivery info, null when the pass was not sent.
    pub recipient: Option<Map<String, Value>>,
    /// Anything else the vendor sent.
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(ListedPass, "a PassNinja ListedPass object", other: other, {
    id: "id",
    pass_template: "passTemplate",
    serial_number: "serialNumber",
    urls: "urls" as LenientUrls,
    issued_date: "issuedDate",
    installed_date: "installedDate",
    status: "status",
    recipient: "recipient",
});

/// The `meta` block of a paged pass list. Each figure may be missing or odd: a list reads
/// without it (the next page is then worked out from the others, or from the page size).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Meta {
    /// This page, from 1.
    #[serde(default, deserialize_with = "walletpass_core::lenient::count")]
    pub current_page: Option<u64>,
    /// Number of pages.
    #[serde(default, deserialize_with = "walletpass_core::lenient::count")]
    pub total_pages: Option<u64>,
    /// Number of passes.
    #[serde(default, deserialize_with = "walletpass_core::lenient::count")]
    pub total_count: Option<u64>,
    /// Page size.
    #[serde(default, deserialize_with = "walletpass_core::lenient::count")]
    pub per_page: Option<u64>,
}

/// `GET /passes/{template}`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PassList {
    /// The passes.
    pub passes: Vec<ListedPass>,
    /// Present when `page` was sent.
    #[serde(default, deserialize_with = "walletpass_core::lenient::or_default")]
    pub meta: Option<Meta>,
}

/// A pass template.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateBody {
    /// `ptk_0x<hex>`.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// `apple`, `google` or `both`.
    pub platform: Option<String>,
    /// Pass style.
    pub style: Option<String>,
    /// Passes issued.
    pub issued_pass_count: Option<u64>,
    /// Passes installed.
    pub installed_pass_count: Option<u64>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update (RFC 3339).
    pub updated_at: Option<String>,
    /// Anything else the vendor sent.
    pub other: Map<String, Value>,
}

walletpass_core::deserialize_keeping_unknown!(TemplateBody, "a PassNinja TemplateBody object", other: other, {
    #[required] id: "id",
    name: "name",
    platform: "platform",
    style: "style",
    issued_pass_count: "issuedPassCount" as walletpass_core::lenient::Count,
    installed_pass_count: "installedPassCount" as walletpass_core::lenient::Count,
    created_at: "createdAt",
    updated_at: "updatedAt",
});

/// `GET /pass_templates`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TemplateList {
    /// The templates.
    pub pass_templates: Vec<TemplateBody>,
}

/// The body of `POST /pass_templates`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CreateTemplate<'a> {
    /// Name, at most 120 characters.
    pub name: &'a str,
    /// `apple`, `google` or `both`.
    pub platform: &'a str,
    /// Pass style.
    pub style: &'a str,
}

/// `GET /passtypes/keys/{template}`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Keys {
    /// The template's API field names.
    pub keys: Vec<String>,
}

/// The body of `POST /webhooks`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CreateWebhook<'a> {
    /// Label, at most 120 characters.
    pub name: &'a str,
    /// Absolute https URL.
    pub url: &'a str,
    /// Event types.
    pub subscribed_events: &'a [String],
    /// Template scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_template: Option<&'a str>,
}

/// A webhook subscription row.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct WebhookRow {
    /// Numeric id, as a string (a number is accepted too).
    pub id: IdText,
    /// Label.
    #[serde(default)]
    pub name: Option<String>,
    /// URL.
    pub url: String,
    /// `bearer_token`.
    #[serde(default)]
    pub auth_method: Option<String>,
    /// Event types.
    #[serde(default)]
    pub subscribed_events: Vec<String>,
    /// Template scope.
    #[serde(default)]
    pub pass_template: Option<String>,
    /// Whether it is active.
    #[serde(default = "yes")]
    pub active: bool,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Returned once, on create.
    #[serde(default)]
    pub bearer_token: Option<String>,
}

fn yes() -> bool {
    true
}

/// An id the vendor may send as a string or as a number.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum IdText {
    /// `"47"`.
    Text(String),
    /// `47`.
    Number(u64),
}

impl IdText {
    /// As text.
    pub fn into_string(self) -> String {
        match self {
            IdText::Text(s) => s,
            IdText::Number(n) => n.to_string(),
        }
    }
}

/// `GET /webhooks` (the shape of the documented results endpoint; see the crate assumptions).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct WebhookList {
    /// The subscriptions.
    #[serde(default)]
    pub webhooks: Vec<WebhookRow>,
    /// Page number.
    #[serde(default)]
    pub page: Option<u64>,
    /// Page size.
    #[serde(default)]
    pub per_page: Option<u64>,
    /// Number of subscriptions.
    #[serde(default)]
    pub total: Option<u64>,
}

/// One delivery attempt.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct WebhookResult {
    /// Id.
    pub id: IdText,
    /// The subscription.
    #[serde(default)]
    pub webhook_id: Option<IdText>,
    /// Where it went.
    #[serde(default)]
    pub url: Option<String>,
    /// The receiver's status.
    #[serde(default)]
    pub response_status: Option<u16>,
    /// The receiver's body.
    #[serde(default)]
    pub response_body: Option<String>,
    /// Whether it was acknowledged.
    #[serde(default)]
    pub success: bool,
    /// Attempt number.
    #[serde(default)]
    pub attempt: Option<u32>,
    /// When.
    #[serde(default)]
    pub created_at: Option<String>,
}

/// `GET /webhooks/{id}/results`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct WebhookResults {
    /// The attempts.
    pub webhook_results: Vec<WebhookResult>,
    /// Page number.
    #[serde(default)]
    pub page: Option<u64>,
    /// Page size.
    #[serde(default)]
    pub per_page: Option<u64>,
    /// Number of attempts.
    #[serde(default)]
    pub total: Option<u64>,
}

/// A CloudEvents 1.0 structured-mode delivery.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct CloudEvent {
    /// Always `"1.0"`.
    pub specversion: String,
    /// The dedupe key.
    pub id: String,
    /// The producing account.
    pub source: String,
    /// `pn.pass.installed`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// When the event happened.
    #[serde(default)]
    pub time: Option<String>,
    /// Attempt counter, from 1.
    #[serde(default)]
    pub pnattempt: Option<u32>,
    /// The payload.
    #[serde(default)]
    pub data: Option<EventData>,
}

/// `data` of a pass event.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct EventData {
    /// Template id.
    #[serde(default)]
    pub pass_template: Option<String>,
    /// Serial.
    #[serde(default)]
    pub pass_id: Option<String>,
    /// Field snapshot, null when nothing is set.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
}

/// A legacy-format delivery (subscriptions from before CloudEvents).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LegacyEvent {
    /// Template id.
    pub pass_template: String,
    /// Serial.
    pub pass_id: String,
    /// `install`, ...
    pub event: String,
    /// When (RFC 3339).
    #[serde(default)]
    pub event_date: Option<String>,
    /// Attempt counter.
    #[serde(default)]
    pub attempt: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_read_in_one_pass_as_the_value_first_reader_reads_them() {
        // The reference: `lenient::or_default`, which builds a `Value` and then reads `Urls`
        // from it. Every shape must read the same through `LenientUrls`.
        let cases = [
            r#"null"#,
            r#""none""#,
            r#"7"#,
            r#"-7"#,
            r#"0.5"#,
            r#"true"#,
            r#"[1, {"landing": "x"}]"#,
            r#"{}"#,
            r#"{"landing": "https://example.com/p"}"#,
            r#"{"landing": null, "apple": "a"}"#,
            r#"{"landing": "https://l", "apple": "a", "google": {"x": [1]}}"#,
            r#"{"landing": 5, "apple": "a"}"#,
            r#"{"landing": ["x"]}"#,
            r#"{"landing": {"href": "x"}}"#,
            r#"{"landing": "first", "landing": "second"}"#,
            r#"{"landing": 5, "landing": "second"}"#,
            r#"{"landing": "first", "landing": 5}"#,
            r#"{"apple": "a", "google": "g", "apple": "b"}"#,
        ];
        for case in cases {
            let reference: Urls =
                walletpass_core::lenient::or_default(&mut serde_json::Deserializer::from_str(case))
                    .unwrap();
            let read: LenientUrls = serde_json::from_str(case).unwrap();
            assert_eq!(read.0, reference, "{case}");
            // Keys in the order the JSON object map keeps them.
            let keys = |u: &Urls| u.other.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(&read.0), keys(&reference), "{case}");
        }
        // What the reference refuses is refused: not JSON, and JSON a `Value` cannot hold,
        // also where it is skipped.
        let deep = format!("[{}{}]", "[".repeat(200), "]".repeat(200));
        let refused = [
            r#"{"landing": }"#.to_owned(),
            "[1e400]".to_owned(),
            r#"{"landing": ["\udc00"]}"#.to_owned(),
            r#"{"landing": [1e400], "landing": "x"}"#.to_owned(),
            r#"{"apple": 1e400}"#.to_owned(),
            deep.clone(),
            format!(r#"{{"landing": {deep}}}"#),
        ];
        for case in &refused {
            let reference: Result<Urls, _> =
                walletpass_core::lenient::or_default(&mut serde_json::Deserializer::from_str(case));
            assert!(reference.is_err(), "{case}");
            assert!(serde_json::from_str::<LenientUrls>(case).is_err(), "{case}");
        }
    }

    #[test]
    fn a_pass_answer_reads_its_urls_leniently() {
        let body: PassBody = serde_json::from_str(
            r#"{"id": "s1", "urls": {"landing": "https://l", "apple": "a"}, "pass": {}}"#,
        )
        .unwrap();
        assert_eq!(body.urls.landing.as_deref(), Some("https://l"));
        assert_eq!(body.urls.other["apple"], "a");
        let body: PassBody = serde_json::from_str(r#"{"id": "s1", "urls": [1]}"#).unwrap();
        assert_eq!(body.urls, Urls::default());
        let row: ListedPass =
            serde_json::from_str(r#"{"id": "s1", "urls": {"landing": 3}}"#).unwrap();
        assert_eq!(row.urls, Urls::default());
    }
}
