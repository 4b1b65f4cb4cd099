//! Uploading pass images, as inherent methods of [`Ubpass`]: `POST /uploads` (multipart field
//! `file`) returning the key to put in `uploadInfoList` (or in `PassContent::images`), and the
//! S3 flow (`GET /uploads/s3-url`, `PUT` to the pre-signed URL, `POST /uploads/finalize/s3-copy`),
//! plus `POST /uploads/s3`.
//!
//! The docs disagree on the `POST /uploads` answer: the guide shows `{key, url}`, the OpenAPI
//! file `ResponseMessage {msg}` ("key returned"). Both are read: `key`, else `msg`.

use walletpass_core::http::{Method, check_url_scheme};
use walletpass_core::{Error, ErrorKind, Operation, Result};

use crate::PROVIDER;
use crate::client::Ubpass;
use crate::wire::{ResponseMessage, SignedUrl, UploadAnswer};

/// A stored upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadedFile {
    /// The key to reference the file by (`uploadKey`).
    pub key: String,
    /// Where the vendor serves it, when it says.
    pub url: Option<String>,
}

const UPLOAD: Operation = Operation::Vendor("upload");

fn extension(file_name: &str) -> Result<&str> {
    match file_name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => Ok(ext),
        _ => Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "file_name: '{file_name}' has no extension (the S3 flow needs one, e.g. logo.png)"
            ),
        )
        .at(PROVIDER, UPLOAD)
        .with_field_error("file_name", "needs an extension")),
    }
}

impl Ubpass {
    /// `POST /uploads`: upload one file as the multipart field `file`.
    pub async fn upload_file(
        &self,
        file_name: &str,
        content_type: &str,
        data: &[u8],
    ) -> Result<UploadedFile> {
        let answer: UploadAnswer = self
            .http
            .request(UPLOAD, Method::POST, &["uploads"])
            .multipart_file("file", file_name, content_type, data)
            .send_json()
            .await?;
        let key = answer
            .key
            .or(answer.msg)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Decode,
                    "the upload answer has neither `key` nor `msg`",
                )
                .at(PROVIDER, UPLOAD)
            })?;
        Ok(UploadedFile {
            key,
            url: answer.url,
        })
    }

    /// `POST /uploads/s3?bucket=`: upload one file into a named bucket; the answer's `msg` is
    /// the stored path. (The spec gives this endpoint a JSON body holding a binary `file`; it is
    /// sent as the multipart field `file`, like `POST /uploads`.)
    pub async fn upload_file_to_bucket(
        &self,
        bucket: &str,
        file_name: &str,
        content_type: &str,
        data: &[u8],
    ) -> Result<String> {
        if bucket.is_empty() {
            return Err(Error::invalid_field("bucket", "must not be empty").at(PROVIDER, UPLOAD));
        }
        let answer: ResponseMessage = self
            .http
            .request(UPLOAD, Method::POST, &["uploads", "s3"])
            .query("bucket", bucket)
            .multipart_file("file", file_name, content_type, data)
            .send_json()
            .await?;
        Ok(answer.msg)
    }

    /// `GET /uploads/s3-url`: a key and a pre-signed URL to `PUT` the bytes to.
    pub async fn presigned_upload_url(&self) -> Result<SignedUrl> {
        self.http
            .request(UPLOAD, Method::GET, &["uploads", "s3-url"])
            .send_json()
            .await
    }

    /// `PUT` the bytes to a pre-signed URL (no ubpass credentials are sent to it). The URL must
    /// be https, or http to a loopback host.
    pub async fn put_presigned(
        &self,
        signed: &SignedUrl,
        content_type: &str,
        data: &[u8],
    ) -> Result<()> {
        let url = check_url_scheme(&signed.url).map_err(|reason| {
            Error::new(ErrorKind::Decode, format!("pre-signed url: {reason}")).at(PROVIDER, UPLOAD)
        })?;
        let response = self
            .s3
            .put(url)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(data.to_vec())
            .send()
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Transport,
                    "the upload to the pre-signed URL failed",
                )
                .at(PROVIDER, UPLOAD)
                .with_source(e.without_url())
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::from_status(status.as_u16()),
                format!("the pre-signed URL answered {status}"),
            )
            .at(PROVIDER, UPLOAD)
            .with_status(status.as_u16()))
        }
    }

    /// `POST /uploads/finalize/s3-copy?key=&extn=`: finish a pre-signed upload; the answer's
    /// `msg` is the asset URL.
    pub async fn finalize_upload(&self, key: &str, extension: &str) -> Result<String> {
        let answer: ResponseMessage = self
            .http
            .request(UPLOAD, Method::POST, &["uploads", "finalize", "s3-copy"])
            .query("key", key)
            .query("extn", extension.trim_start_matches('.'))
            .resource(key)
            .send_json()
            .await?;
        Ok(answer.msg)
    }

    /// The whole S3 flow: pre-signed URL, `PUT`, finalize (the extension taken from
    /// `file_name`).
    pub async fn upload_via_presigned_url(
        &self,
        file_name: &str,
        content_type: &str,
        data: &[u8],
    ) -> Result<UploadedFile> {
        let ext = extension(file_name)?;
        let signed = self.presigned_upload_url().await?;
        self.put_presigned(&signed, content_type, data).await?;
        let url = self.finalize_upload(&signed.key, ext).await?;
        Ok(UploadedFile {
            key: signed.key,
            url: Some(url).filter(|u| !u.is_empty()),
        })
    }
}
