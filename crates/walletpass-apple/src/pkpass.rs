//! The `.pkpass` bundle: `pass.json`, the images, `manifest.json` (the lowercase hex SHA-1 of
//! every other file) and `signature`, zipped with *Stored* entries at the archive root.

use std::collections::BTreeMap;
use std::io::Write;

use sha1::{Digest, Sha1};

use crate::certs::Identity;
use crate::error::CertError;

/// The MIME type of a single pass.
pub const PKPASS_MIME: &str = "application/vnd.apple.pkpass";

/// The files of a pass before signing: path -> bytes (`pass.json`, `icon.png`, ...).
pub(crate) type Files = BTreeMap<String, Vec<u8>>;

/// `manifest.json` for `files`: `{"<path>": "<sha1 hex>"}`, keys sorted.
pub(crate) fn manifest(files: &Files) -> Vec<u8> {
    let map: serde_json::Map<String, serde_json::Value> = files
        .iter()
        .map(|(name, bytes)| {
            (
                name.clone(),
                serde_json::Value::String(hex::encode(Sha1::digest(bytes))),
            )
        })
        .collect();
    serde_json::Value::Object(map).to_string().into_bytes()
}

/// Sign and zip `files` into a `.pkpass`.
pub(crate) fn package(identity: &Identity, files: &Files) -> Result<Vec<u8>, CertError> {
    let manifest = manifest(files);
    let signature = crate::sign::sign_manifest(identity, &manifest)?;
    let zip_err = |e: &dyn std::fmt::Display| CertError::Sign(format!("zip: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(
        files.values().map(Vec::len).sum::<usize>() + 4096,
    )));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let all = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .chain([
            ("manifest.json", manifest.as_slice()),
            ("signature", signature.as_slice()),
        ]);
    for (name, bytes) in all {
        zip.start_file(name, options).map_err(|e| zip_err(&e))?;
        zip.write_all(bytes).map_err(|e| zip_err(&e))?;
    }
    Ok(zip.finish().map_err(|e| zip_err(&e))?.into_inner())
}
