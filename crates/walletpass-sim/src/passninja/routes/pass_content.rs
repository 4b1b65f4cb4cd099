//! A pass's content in the wallet's own format (`/passes/{template}/{serial}/raw`: an Apple
//! `pass.json` or a Google object) and NFC payload decryption (`/passes/{template}/decrypt`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

use super::extract::{Answer, Path, auth, object_body};
use super::passes::find_pass;
use crate::harness::Deviation;
use crate::passninja::Shared;
use crate::passninja::errors::ApiError;

pub(super) async fn get_raw(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((template_id, serial)): Path<(String, String)>,
) -> Answer {
    let account = auth(&s, &headers)?;
    let pass = find_pass(&s, &account, &template_id, &serial)?;
    let template = s.lock().template(&account, &template_id)?.clone();
    let change_label = s.config.deviates(Deviation::ChangeLabel);
    let label = |l: &str| {
        if change_label {
            l.to_uppercase()
        } else {
            l.to_owned()
        }
    };
    if template.platform == "google" {
        let modules: Vec<Value> = template
            .fields
            .iter()
            .filter_map(|f| {
                pass.values
                    .get(&f.key)
                    .map(|v| json!({"id": f.key, "header": label(&f.label), "body": v}))
            })
            .collect();
        return Ok(Json(json!({
            "id": format!("{account}.{serial}"),
            "classId": format!("{account}.{template_id}"),
            "state": "ACTIVE",
            "textModulesData": modules,
        }))
        .into_response());
    }
    let mut style = Map::new();
    for field in &template.fields {
        if let Some(value) = pass.values.get(&field.key) {
            let list = style
                .entry(field.placement.apple_key())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.push(json!({"key": field.key, "label": label(&field.label), "value": value}));
            }
        }
    }
    let mut raw = Map::new();
    raw.insert("formatVersion".into(), json!(1));
    raw.insert(
        "passTypeIdentifier".into(),
        json!(format!("pass.com.passninja.{template_id}")),
    );
    raw.insert("serialNumber".into(), json!(serial));
    raw.insert("organizationName".into(), json!(template.name));
    raw.insert("description".into(), json!(template.name));
    raw.insert(template.style.clone(), Value::Object(style));
    Ok(Json(Value::Object(raw)).into_response())
}

pub(super) async fn decrypt(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(template): Path<String>,
    body: Bytes,
) -> Answer {
    let account = auth(&s, &headers)?;
    let body = object_body(&body, ApiError::InvalidPassBody)?;
    let platform = s.lock().template(&account, &template)?.platform.clone();
    let payload = body
        .get("payload")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::InvalidPassBody("payload is required".into()))?;
    let bytes = hex::decode(payload).map_err(|_| {
        ApiError::InvalidPassBody("payload must be hex-encoded APDUs with no spaces".into())
    })?;
    if platform == "google" {
        return Err(ApiError::IncompatiblePlatform);
    }
    let plain: Vec<u8> = bytes.iter().map(|b| b ^ 0x5a).collect();
    Ok(Json(json!({ "passTemplate": template, "decrypted": hex::encode(plain) })).into_response())
}
