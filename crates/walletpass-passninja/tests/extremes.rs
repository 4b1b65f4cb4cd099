#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! Every documented answer still reads when a vendor leaves out an optional key, adds one the
//! docs do not name, or sends a value at its type's extremes: each example of
//! `passninja-api.txt` ("Get a pass", "List passes", "Get a pass template", "List pass
//! templates"; `tests/fixtures/`) varied by `walletpass_sim::variants` and served by a mock
//! server, read through the trait.
//!
//! Kept as they are: the ids an answer is matched on (`id`, `serialNumber`, `passTemplate`),
//! and the one key each answer cannot do without (a pass row without an id or serial cannot be
//! addressed; the doc shows both).

use serde_json::Value;
use walletpass_core::{ListQuery, PassRef, TemplateId, WalletProvider};
use walletpass_passninja::{PassNinja, PassNinjaConfig};
use walletpass_sim::variants::{Answering, Keep, variants};

const SERIAL: &str = "838b8cf60dac2bfad9";

fn fixture(name: &str) -> Value {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

async fn provider() -> (Answering, PassNinja) {
    let server = Answering::start().await.unwrap();
    let config = PassNinjaConfig::new("91dbb1e7af9c80aba6ed3f95a1545b4e", "aid_0xa01")
        .with_base_url(format!("{}/v1", server.base()))
        .with_retry(walletpass_core::http::RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        });
    (server, PassNinja::new(config).unwrap())
}

fn template() -> TemplateId {
    TemplateId::new("ptk_0x14").unwrap()
}

#[tokio::test]
async fn every_variation_of_get_a_pass_reads() {
    let (server, p) = provider().await;
    let ids = ["/id", "/serialNumber", "/passTemplate"];
    let all = variants(&fixture("get-pass.json"), &Keep::new(&[], &ids));
    assert!(all.len() > 20, "{}", all.len());
    let pass = PassRef::parse(&format!("ptk_0x14/{SERIAL}")).unwrap();
    for (what, body) in all {
        server.answer(&format!("/v1/passes/ptk_0x14/{SERIAL}"), &body);
        let got = p
            .get(&pass)
            .await
            .unwrap_or_else(|e| panic!("get, {what}: {e}\n{body}"));
        assert_eq!(got.pass_ref.id.as_str(), SERIAL, "{what}");
    }
}

#[tokio::test]
async fn every_variation_of_list_passes_reads() {
    let (server, p) = provider().await;
    let ids = [
        "/passes/0/id",
        "/passes/0/serialNumber",
        "/passes/0/passTemplate",
    ];
    // A row needs an id or a serial to be addressed; the doc's row has both.
    let all = variants(&fixture("list-passes.json"), &Keep::new(&["/passes"], &ids));
    let query = ListQuery::new().template(template());
    for (what, body) in all {
        server.answer("/v1/passes/ptk_0x14", &body);
        let page = p
            .list(&query)
            .await
            .unwrap_or_else(|e| panic!("list, {what}: {e}\n{body}"));
        assert_eq!(page.items.len(), 1, "{what}");
    }
}

#[tokio::test]
async fn every_variation_of_a_pass_template_reads() {
    let (server, p) = provider().await;
    // A template answer names its id ("Get a pass template"); without it nothing is addressed.
    let all = variants(
        &fixture("get-pass-template.json"),
        &Keep::new(&["/id"], &["/id"]),
    );
    for (what, body) in all {
        server.answer("/v1/pass_templates/ptk_0x14", &body);
        let got = p
            .get_template(&template())
            .await
            .unwrap_or_else(|e| panic!("get_template, {what}: {e}\n{body}"));
        assert_eq!(got.id, template(), "{what}");
    }
    let all = variants(
        &fixture("list-pass-templates.json"),
        &Keep::new(
            &["/pass_templates", "/pass_templates/0/id"],
            &["/pass_templates/0/id"],
        ),
    );
    for (what, body) in all {
        server.answer("/v1/pass_templates", &body);
        let page = p
            .list_templates(&ListQuery::new())
            .await
            .unwrap_or_else(|e| panic!("list_templates, {what}: {e}\n{body}"));
        assert_eq!(page.items.len(), 1, "{what}");
    }
}
