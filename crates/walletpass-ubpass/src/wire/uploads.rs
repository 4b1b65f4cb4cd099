//! The answers of the upload endpoints: `POST /uploads` ([`UploadAnswer`]: guide and spec
//! disagree, both are read), `GET /uploads/s3-url` (`SignedURLResponse`, [`SignedUrl`]) and
//! `ResponseMessage`.

use serde::{Deserialize, Serialize};

/// The answer of `POST /uploads`: `{key, url}` in the guide, `ResponseMessage {msg}` (holding
/// the key) in the OpenAPI file; both are read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UploadAnswer {
    /// The upload key (guide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The asset URL (guide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The key (spec's `ResponseMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
}

/// `SignedURLResponse` of `GET /uploads/s3-url`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignedUrl {
    /// The key the upload will have.
    #[serde(default)]
    pub key: String,
    /// The pre-signed URL to `PUT` the bytes to.
    #[serde(default)]
    pub url: String,
}

/// `ResponseMessage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseMessage {
    /// The message (a key, a path or a URL, depending on the endpoint).
    #[serde(default)]
    pub msg: String,
}
