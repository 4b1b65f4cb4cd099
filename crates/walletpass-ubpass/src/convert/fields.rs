//! Fields both ways: the top, secondary and back fields of a document as canonical fields
//! (keys made canonical, labels on empty values left out), and canonical fields as the
//! vendor's `PassField` / `BackPassField`.

use std::collections::{BTreeMap, BTreeSet};

use walletpass_core::{Error, Field, FieldKey, FieldValue, Link, Placement};

use super::decode;
use crate::wire::{BackPassField, PassField};

/// Characters a vendor key keeps, from its start (see the module docs).
const MAX_KEY_CHARS: usize = 60;

/// The canonical keys given out so far in one document. A document has a handful of fields: up
/// to [`UsedKeys::SCANNED`] keys they are kept in a list and scanned, without the code and the
/// allocations of a set; past that, in a set, so that a long document is not read in quadratic
/// time (nor one that repeats a key many times: see `suffixes`).
#[derive(Debug, Default)]
pub(super) struct UsedKeys {
    list: Vec<String>,
    set: BTreeSet<String>,
    /// For a key given more than once, the suffix to try next (only repeated keys are here).
    suffixes: BTreeMap<String, usize>,
}

impl UsedKeys {
    const SCANNED: usize = 32;

    fn contains(&self, key: &str) -> bool {
        if self.set.is_empty() {
            self.list.iter().any(|k| k == key)
        } else {
            self.set.contains(key)
        }
    }

    fn insert(&mut self, key: String) {
        if self.set.is_empty() && self.list.len() < Self::SCANNED {
            self.list.push(key);
        } else {
            self.set.extend(self.list.drain(..));
            self.set.insert(key);
        }
    }
}

/// A canonical key for a vendor key (see the module docs). A key already canonical is kept as
/// it is, without a copy.
pub(super) fn canonical_key(
    raw: Option<String>,
    n: usize,
    used: &mut UsedKeys,
) -> Result<FieldKey, Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-');
    // One rule for every key: a key already canonical comes out of it unchanged. A key whose
    // every character is allowed (so ASCII, one byte each) and that is not past the cut is what
    // the rule gives back, and is kept whole rather than rebuilt character by character.
    let raw_key = raw.unwrap_or_default();
    let mut key: String = if raw_key.len() <= MAX_KEY_CHARS && raw_key.chars().all(allowed) {
        raw_key
    } else {
        raw_key
            .chars()
            .map(|c| if allowed(c) { c } else { '_' })
            .take(MAX_KEY_CHARS)
            .collect()
    };
    if key.is_empty() {
        key = format!("field{n}");
    }
    if !key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        key.insert(0, '_');
    }
    if used.contains(&key) {
        let base = key;
        // The suffixes below the one this base last got are all taken (keys are never given
        // back), so the search starts there: n repeats of one key cost n lookups, not n^2.
        let mut i = used.suffixes.get(&base).copied().unwrap_or(2);
        key = loop {
            let candidate = format!("{base}_{i}");
            if !used.contains(&candidate) {
                break candidate;
            }
            i += 1;
        };
        used.suffixes.insert(base, i + 1);
    }
    used.insert(key.clone());
    FieldKey::new(key).map_err(|e| decode(format!("the vendor's field {n}: {e}")))
}

pub(super) fn text_field(
    f: PassField,
    placement: Option<Placement>,
    n: usize,
    used: &mut UsedKeys,
) -> Result<Field, Error> {
    let field = Field {
        key: canonical_key(f.key, n, used)?,
        label: f.label,
        value: FieldValue::Text(f.value.unwrap_or_default()),
        placement,
        change_message: f.change_message,
    };
    readable(field)
}

/// A field as the canonical model can hold it: a label on an empty value (which the vendor
/// allows, the model does not) is left out of the canonical view, logged at debug. A write
/// that leaves the field unchanged sends the vendor's field back verbatim, label included.
pub(super) fn readable(mut field: Field) -> Result<Field, Error> {
    let Err(problem) = field.validate() else {
        return Ok(field);
    };
    if !field.value.is_empty() {
        return Err(decode(format!(
            "the vendor's field cannot be represented: {problem}"
        )));
    }
    tracing::debug!(key = %field.key, "ubpass: a label on an empty value is not read");
    field.label = None;
    field
        .validate()
        .map_err(|e| decode(format!("the vendor's field cannot be represented: {e}")))?;
    Ok(field)
}

pub(super) fn back_field(f: BackPassField, n: usize, used: &mut UsedKeys) -> Result<Field, Error> {
    let key = canonical_key(f.key, n, used)?;
    let mut links = Vec::new();
    for (i, v) in f.value.into_iter().flatten().enumerate() {
        let raw = v.link.as_deref().unwrap_or_default();
        match url::Url::parse(raw) {
            Ok(url) => links.push(Link { label: v.text, url }),
            // The schema types a link as any string: one that is not a URL is left out of the
            // canonical view (a write that leaves the field unchanged sends it back verbatim).
            Err(e) => {
                tracing::debug!(%key, index = i, %e, "ubpass: a back-field link that is not a URL is not read")
            }
        }
    }
    readable(Field {
        key,
        label: f.label,
        value: FieldValue::Links(links),
        placement: Some(Placement::Back),
        change_message: f.change_message,
    })
}

/// The canonical fields of a document's top, secondary and back fields, which they consume.
pub(super) fn canonical_fields(
    top: Option<PassField>,
    secondary: Option<Vec<PassField>>,
    back: Option<Vec<BackPassField>>,
) -> Result<Vec<Field>, Error> {
    let mut used = UsedKeys::default();
    let secondary = secondary.unwrap_or_default();
    let back = back.unwrap_or_default();
    let mut out = Vec::with_capacity(usize::from(top.is_some()) + secondary.len() + back.len());
    let mut n = 0;
    if let Some(top) = top {
        n += 1;
        out.push(text_field(top, Some(Placement::Header), n, &mut used)?);
    }
    let max_secondary = Placement::Secondary.max_fields().unwrap_or(usize::MAX);
    for (i, f) in secondary.into_iter().enumerate() {
        n += 1;
        // Past the canonical limit a secondary field reads with no placement (which writes
        // back as a secondary field), so a long list stays readable.
        let placement = (i < max_secondary).then_some(Placement::Secondary);
        out.push(text_field(f, placement, n, &mut used)?);
    }
    for f in back {
        n += 1;
        out.push(back_field(f, n, &mut used)?);
    }
    Ok(out)
}
