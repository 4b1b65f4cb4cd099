//! The canonical view of a pass that scenarios observe and snapshots pin: what the scenario
//! wrote, without the ids, serials, links and timestamps that differ by backend and by run.
//! Fields are sorted by key, since not every vendor keeps the order they were written in.

use serde_json::{Value, json};
use walletpass_core::{Pass, PassContent, PassStatus};

/// The status, the fields (key, label, value; sorted by key) and the barcode of a pass.
pub fn canonical_view(pass: &Pass) -> Value {
    content_view(&pass.content, &pass.status)
}

/// The same view of content as written, with the status it should have.
pub fn content_view(content: &PassContent, status: &PassStatus) -> Value {
    let mut fields: Vec<Value> = content
        .fields
        .iter()
        .map(|f| {
            json!({
                "key": f.key,
                "label": f.label,
                "value": f.value,
            })
        })
        .collect();
    fields.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
    json!({
        "status": status,
        "fields": fields,
        "barcode": content.barcode,
    })
}

/// The placements of a pass's fields, sorted by key.
pub(crate) fn placements_view(pass: &Pass) -> Value {
    let mut out: Vec<Value> = pass
        .content
        .fields
        .iter()
        .map(|f| json!({ "key": f.key, "placement": f.placement }))
        .collect();
    out.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
    Value::Array(out)
}
