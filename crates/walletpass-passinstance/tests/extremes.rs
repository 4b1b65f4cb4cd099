#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! Every answer still reads when the vendor leaves out an optional key, adds one nobody
//! documented, or sends a value at its type's extremes. The docs publish no response bodies, so
//! the examples are the documented create example ("Quickstart": `templateId`, `serialNumber`,
//! `fields`, `barcodeFormat`, `barcodeMessage`) in the answer shape of assumption A3, the list
//! envelope of A7 and the template of A8, each varied by `walletpass_sim::variants` and served
//! by a mock server, read through the trait.
//!
//! Kept as they are: the ids the answers are matched on (`id`, `templateId`), and the `id` of a
//! listed pass or template (without it nothing can be addressed).

use serde_json::{Value, json};
use walletpass_core::http::RetryPolicy;
use walletpass_core::{ListQuery, PassId, PassRef, TemplateId, WalletProvider};
use walletpass_passinstance::{Passinstance, PassinstanceConfig};
use walletpass_sim::variants::{Answering, Keep, variants};

/// The documented create example as the pass answer of assumption A3.
fn pass_answer() -> Value {
    let mut pass: Value =
        serde_json::from_str(include_str!("fixtures/create-pass-request.json")).unwrap();
    let extra = json!({
        "id": "pass_0123456789abcdef",
        "status": "active",
        "barcodeAltText": "ORDER-1001",
        "relevantDate": "2026-06-01T18:00:00Z",
        "expirationDate": "2026-12-31T23:59:59Z",
        "downloadUrl": "https://wallet.passinstance.com/p/pass_0123456789abcdef.pkpass",
        "createdAt": "2026-01-01T10:00:00Z",
        "updatedAt": "2026-01-01T10:00:00Z"
    });
    pass.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    pass
}

fn template_answer() -> Value {
    json!({
        "id": "tpl_0123456789abcdef", "name": "VIP Event Ticket", "description": "Entry",
        "passType": "eventTicket", "organizationName": "Acme", "backgroundColor": "#112233",
        "foregroundColor": "#ffffff", "labelColor": "#cccccc",
        "fields": [{"key": "seat", "label": "Seat", "placement": "primary", "defaultValue": "A1"}],
        "createdAt": "2026-01-01T10:00:00Z"
    })
}

async fn provider() -> (Answering, Passinstance) {
    let server = Answering::start().await.unwrap();
    let p = PassinstanceConfig::bearer("pi_test_token_123")
        .with_base_url(format!("{}/api/v1", server.base()))
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap();
    (server, p)
}

#[tokio::test]
async fn every_variation_of_a_pass_answer_reads() {
    let (server, p) = provider().await;
    // A3: a pass answer carries its id.
    let all = variants(
        &pass_answer(),
        &Keep::new(&["/id"], &["/id", "/templateId"]),
    );
    assert!(all.len() > 30, "{}", all.len());
    let pass = PassRef::new(PassId::new("pass_0123456789abcdef").unwrap());
    for (what, body) in all {
        server.answer("/api/v1/passes/pass_0123456789abcdef", &body);
        let got = p
            .get(&pass)
            .await
            .unwrap_or_else(|e| panic!("get, {what}: {e}\n{body}"));
        assert_eq!(got.pass_ref.id, pass.id, "{what}");
    }
}

#[tokio::test]
async fn every_variation_of_a_pass_list_reads() {
    let (server, p) = provider().await;
    let list = json!({
        "data": [pass_answer()],
        "pagination": {"page": 1, "limit": 100, "total": 1, "totalPages": 1}
    });
    let keep = Keep::new(
        &["/data", "/data/0/id"],
        &["/data/0/id", "/data/0/templateId"],
    );
    for (what, body) in variants(&list, &keep) {
        server.answer("/api/v1/passes", &body);
        let page = p
            .list(&ListQuery::new())
            .await
            .unwrap_or_else(|e| panic!("list, {what}: {e}\n{body}"));
        assert_eq!(page.items.len(), 1, "{what}");
    }
}

#[tokio::test]
async fn every_variation_of_a_template_answer_reads() {
    let (server, p) = provider().await;
    let id = TemplateId::new("tpl_0123456789abcdef").unwrap();
    let keep = Keep::new(&["/id"], &["/id", "/fields/0/key"]);
    for (what, body) in variants(&template_answer(), &keep) {
        server.answer("/api/v1/templates/tpl_0123456789abcdef", &body);
        let got = p
            .get_template(&id)
            .await
            .unwrap_or_else(|e| panic!("get_template, {what}: {e}\n{body}"));
        assert_eq!(got.id, id, "{what}");
    }
}
