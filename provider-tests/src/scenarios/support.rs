//! Checks and small builders every scenario area shares: failing with a reason, recording an
//! observation, reading a pass back, expecting an error kind, addressing a pass that does not exist.

use serde_json::Value;
use walletpass_core::{
    Barcode, BarcodeFormat, ErrorKind, Field, Pass, PassId, PassRef, Result as WpResult,
};

use super::Observation;
use crate::context::Ctx;

pub(super) fn ensure(condition: bool, reason: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(reason()) }
}

pub(super) fn observe(name: &str, value: Value) -> Observation {
    Observation {
        name: name.to_owned(),
        value,
    }
}

pub(super) fn text(key: &str, label: &str, value: &str) -> Result<Field, String> {
    Ok(Field {
        key: walletpass_core::FieldKey::new(key).map_err(|e| e.to_string())?,
        label: Some(label.to_owned()),
        value: value.into(),
        placement: None,
        change_message: None,
    })
}

pub(super) fn qr(message: &str) -> Barcode {
    Barcode {
        format: BarcodeFormat::Qr,
        message: message.to_owned(),
        alt_text: None,
    }
}

pub(super) fn err_text(e: &walletpass_core::Error) -> String {
    e.to_string()
}

pub(super) async fn get(ctx: &Ctx, pass: &PassRef) -> Result<Pass, String> {
    ctx.provider
        .get(pass)
        .await
        .map_err(|e| format!("get {pass} failed: {}", err_text(&e)))
}

pub(super) async fn expect_kind(
    what: &str,
    result: WpResult<impl std::fmt::Debug>,
    kinds: &[ErrorKind],
) -> Result<(), String> {
    match result {
        Err(e) if kinds.contains(&e.kind()) => Ok(()),
        Err(e) => Err(format!("{what}: expected {kinds:?}, got {e}")),
        Ok(v) => Err(format!("{what}: expected {kinds:?}, got success: {v:?}")),
    }
}

pub(super) fn dummy_ref(ctx: &Ctx, id: Option<&PassId>) -> PassRef {
    let id = id
        .cloned()
        .or_else(|| PassId::new("wptunknown").ok())
        .unwrap_or_else(|| unreachable!("static id is valid"));
    PassRef {
        template: ctx
            .fixture
            .template
            .clone()
            .or_else(|| ctx.fixture.address_template.clone()),
        id,
    }
}
