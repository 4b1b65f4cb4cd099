//! What ubpass can hold: every part of a canonical content it cannot store, named in one
//! error before anything is sent.

use walletpass_core::{Capabilities, Error, ErrorKind, FieldValue, PassContent, Placement};

use super::MAX_TEXT;
use super::OWNED;
use super::images::image_file;
use super::images::role_name;
use crate::PROVIDER;

/// Every part of `content` ubpass cannot hold, as one [`ErrorKind::Unsupported`] error naming
/// each (with a field error per part), or `Ok` when it fits.
pub fn check_fits(content: &PassContent, caps: &Capabilities) -> Result<(), Error> {
    let mut parts: Vec<(String, String)> = caps
        .misfits(content)
        .iter()
        .map(|m| (m.path(), m.to_string()))
        .collect();
    let mut add = |field: String, why: &str| {
        let text = format!("{field}: {why}");
        if !parts.iter().any(|(f, _)| *f == field) {
            parts.push((field, text));
        }
    };
    for field in &content.fields {
        let links = matches!(field.value, FieldValue::Links(_));
        match (field.placement, links) {
            (Some(Placement::Back), false) => add(
                format!("fields[{}].value", field.key),
                "ubpass back fields hold lists of links; a text, number or date cannot be stored there",
            ),
            (Some(Placement::Header | Placement::Secondary), true) => add(
                format!("fields[{}].value", field.key),
                "ubpass holds links only in back fields",
            ),
            _ => {}
        }
    }
    if content.appearance.logo_text.is_some() {
        add("appearance.logo_text".into(), "cannot be stored");
    }
    for role in content.images.keys() {
        if image_file(*role).is_none() {
            add(
                format!("images.{}", role_name(*role)),
                "cannot be stored (ubpass takes logo, icon, strip and footer images)",
            );
        }
    }
    for (i, loc) in content.locations.iter().enumerate() {
        match &loc.relevant_text {
            None => add(
                format!("locations[{i}].relevant_text"),
                "ubpass requires a relevant text for every location",
            ),
            Some(t) if t.chars().count() > MAX_TEXT => add(
                format!("locations[{i}].relevant_text"),
                "ubpass holds at most 255 characters",
            ),
            Some(_) => {}
        }
    }
    for key in content.extra.keys() {
        if OWNED.contains(&key.as_str()) {
            add(
                format!("extra.{key}"),
                "names a property the canonical content owns; set it there instead",
            );
        }
    }
    if parts.is_empty() {
        return Ok(());
    }
    let mut error = Error::new(
        ErrorKind::Unsupported,
        format!(
            "{PROVIDER} cannot store: {}",
            parts
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    )
    .with_provider(PROVIDER);
    for (field, text) in parts {
        error = error.with_field_error(field, text);
    }
    Err(error)
}
