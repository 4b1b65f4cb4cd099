//! The built `walletpass` binary against the memory provider and the vendor simulators: every
//! command with its JSON output parsed and checked, each documented exit code from a real
//! failure, webhook verification, the demo, conformance, and no secret in any output.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeSet;
use std::process::Stdio;

use common::{Out, env_for, run, run_with_stdin, sim, sim_with, values, write};
use serde_json::{Value, json};
use walletpass_sim::{Deviation, SimConfig, passinstance, passninja};

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

// ---------------------------------------------------------------- usage, help, memory

#[tokio::test]
async fn help_documents_commands_exit_codes_and_variables() {
    let out = run(&no_env(), &["--help"]).await.expect(0);
    for needle in [
        "passes",
        "templates",
        "webhooks",
        "conformance",
        "sim",
        "demo",
        "Exit codes:",
        "3  not found",
        "7  unsupported",
        "WALLETPASS_PROVIDER",
        "PASSNINJA_API_KEY",
    ] {
        assert!(
            out.stdout.contains(needle),
            "--help lacks {needle}: {}",
            out.stdout
        );
    }
    let out = run(&no_env(), &["passes", "--help"]).await.expect(0);
    for verb in ["create", "get", "patch", "put", "delete", "void", "list"] {
        assert!(out.stdout.contains(verb), "passes --help lacks {verb}");
    }
}

#[tokio::test]
async fn usage_errors_exit_2() {
    // clap: a missing required argument.
    let out = run(&no_env(), &["passes", "get"]).await.expect(2);
    assert!(out.stderr.contains("ID"), "{out:#?}");
    // create needs --field or --file.
    run(&no_env(), &["passes", "create"]).await.expect(2);
    // A malformed assignment names the flag and the accepted forms.
    let out = run(
        &no_env(),
        &["-o", "json", "passes", "create", "--field", "tier"],
    )
    .await
    .expect(2);
    let err = out.error();
    assert_eq!(err["kind"], "usage");
    assert!(
        err["message"].as_str().unwrap().contains("--field 'tier'"),
        "{err}"
    );
    // An unknown provider.
    let out = run(&no_env(), &["--provider", "nope", "passes", "get", "x"])
        .await
        .expect(2);
    assert!(
        out.error()["message"]
            .as_str()
            .unwrap()
            .contains("memory, passninja")
    );
    // Missing credentials name the variable.
    let out = run(
        &no_env(),
        &["--provider", "passninja", "passes", "get", "x"],
    )
    .await
    .expect(2);
    let err = out.error();
    assert_eq!(err["kind"], "config");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("PASSNINJA_API_KEY"),
        "{err}"
    );
    // Webhook creation must keep the one-time secret somewhere.
    run(
        &no_env(),
        &[
            "webhooks",
            "create",
            "--url",
            "https://example.com/h",
            "--event",
            "pass_updated",
        ],
    )
    .await
    .expect(2);
}

#[tokio::test]
async fn memory_create_prints_the_canonical_pass() {
    let out = run(
        &no_env(),
        &[
            "passes",
            "create",
            "--serial",
            "MEMBER-1",
            "--field",
            "tier=Gold",
            "--field",
            "points:=1200",
            "--field",
            "zip=00123",
        ],
    )
    .await
    .expect(0);
    let pass = out.json();
    assert_eq!(pass["ref"], json!({ "id": "MEMBER-1" }));
    assert_eq!(pass["serial_number"], "MEMBER-1");
    assert_eq!(pass["status"], "active");
    let v = values(&pass);
    assert_eq!(v["tier"], json!({ "text": "Gold" }));
    assert_eq!(v["points"], json!({ "number": 1200 }));
    assert_eq!(v["zip"], json!({ "text": "00123" }));
}

#[tokio::test]
async fn memory_create_reads_content_from_stdin_and_rejects_invalid_content() {
    let content = br##"{"fields":[{"key":"member","label":"Member","value":{"text":"Jane"},"placement":"primary"}],
        "barcode":{"format":"qr","message":"M-1"},"appearance":{"background_color":"#1f2937"}}"##;
    let out = run_with_stdin(
        &no_env(),
        &["passes", "create", "--file", "-"],
        Some(content),
    )
    .await
    .expect(0);
    let pass = out.json();
    assert_eq!(pass["content"]["fields"][0]["placement"], "primary");
    assert_eq!(pass["content"]["barcode"]["message"], "M-1");
    assert_eq!(pass["content"]["appearance"]["background_color"], "#1f2937");
    // A label without a value is invalid input: exit 5, naming the field.
    let bad = br#"{"fields":[{"key":"member","label":"Member","value":{"text":""}}]}"#;
    let out = run_with_stdin(&no_env(), &["passes", "create", "--file", "-"], Some(bad))
        .await
        .expect(5);
    assert_eq!(out.error()["kind"], "invalid_input");
    // A bad field key is invalid input too.
    run(&no_env(), &["passes", "create", "--field", "bad key=1"])
        .await
        .expect(5);
}

#[tokio::test]
async fn memory_unknown_pass_is_exit_3_and_capabilities_print() {
    let out = run(&no_env(), &["passes", "get", "nosuchpass"])
        .await
        .expect(3);
    let err = out.error();
    assert_eq!(err["kind"], "not_found");
    assert_eq!(err["provider"], "memory");
    assert_eq!(err["operation"], "get");
    assert!(err["hint"].as_str().unwrap().contains("passes list"));
    let caps = run(&no_env(), &["capabilities"]).await.expect(0).json();
    assert_eq!(caps["create"], true);
    assert_eq!(caps["void"], true);
}

#[tokio::test]
async fn table_output_is_for_people_and_errors_are_text() {
    let out = run(
        &no_env(),
        &["-o", "table", "passes", "create", "--field", "tier=Gold"],
    )
    .await
    .expect(0);
    assert!(out.stdout.contains("FIELD"), "{}", out.stdout);
    assert!(out.stdout.contains("tier") && out.stdout.contains("Gold"));
    let out = run(&no_env(), &["-o", "table", "passes", "get", "nosuchpass"])
        .await
        .expect(3);
    assert!(out.stderr.starts_with("error: not_found"), "{}", out.stderr);
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);
}

// ---------------------------------------------------------------- passes on simulators

#[tokio::test(flavor = "multi_thread")]
async fn passes_lifecycle_on_passinstance() {
    let sim = sim("passinstance").await;
    let env = &sim.env;
    let t = passinstance::CONFORMANCE_TEMPLATE_ID;
    let created = run(
        env,
        &[
            "passes",
            "create",
            "-t",
            t,
            "--serial",
            "CLI-1",
            "-f",
            "member=Jane Doe",
            "-f",
            "points=1200",
            "-f",
            "tier=Gold",
        ],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(created["serial_number"], "CLI-1");
    assert_eq!(created["content"]["fields"][0]["label"], "Member");
    let id = created["ref"]["id"].as_str().unwrap().to_owned();

    let got = run(env, &["passes", "get", &id]).await.expect(0).json();
    assert_eq!(values(&got), values(&created));

    let patched = run(env, &["passes", "patch", &id, "--set", "tier=Platinum"])
        .await
        .expect(0)
        .json();
    let v = values(&patched);
    assert_eq!(v["tier"], json!({ "text": "Platinum" }));
    assert_eq!(
        v["member"],
        json!({ "text": "Jane Doe" }),
        "patch kept the other fields"
    );

    // put: the pass as `get` printed it, edited, goes back whole.
    let mut edited = patched.clone();
    edited["content"]["fields"] = json!([
        { "key": "member", "label": "Member", "value": { "text": "Jane Roe" } },
        { "key": "points", "label": "Points", "value": { "text": "10" } },
        { "key": "tier", "label": "Tier", "value": { "text": "Bronze" } },
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "pass.json", edited.to_string().as_bytes());
    let put = run(env, &["passes", "put", &id, "--file", &file])
        .await
        .expect(0)
        .json();
    assert_eq!(values(&put)["member"], json!({ "text": "Jane Roe" }));

    let listed = run(env, &["passes", "list", "-t", t, "--search", "CLI-1"])
        .await
        .expect(0)
        .json();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["ref"]["id"], id.as_str());

    // The same serial with other content is a conflict: invalid input, exit 5.
    let err = run(
        env,
        &[
            "passes",
            "create",
            "-t",
            t,
            "--serial",
            "CLI-1",
            "-f",
            "member=Other",
        ],
    )
    .await
    .expect(5)
    .error();
    assert_eq!(err["kind"], "conflict");
    // A read-only key may read but not write: forbidden, exit 4.
    let read_only = vec![
        ("WALLETPASS_PROVIDER".to_owned(), "passinstance".to_owned()),
        ("WALLETPASS_BASE_URL".to_owned(), sim.base_url().to_owned()),
        (
            "PASSINSTANCE_API_KEY".to_owned(),
            passinstance::READ_ONLY_API_KEY.to_owned(),
        ),
    ];
    run(&read_only, &["passes", "get", &id]).await.expect(0);
    let err = run(&read_only, &["passes", "void", &id])
        .await
        .expect(4)
        .error();
    assert_eq!(err["kind"], "forbidden");

    let voided = run(env, &["passes", "void", &id]).await.expect(0).json();
    assert_eq!(voided["status"], "voided");

    let deleted = run(env, &["passes", "delete", &id]).await.expect(0).json();
    assert_eq!(deleted["deleted"], id.as_str());
    let err = run(env, &["passes", "get", &id]).await.expect(3).error();
    assert_eq!(err["provider"], "passinstance");
    assert_eq!(err["status"], 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_all_streams_one_pass_per_line() {
    let sim = sim("ubpass").await;
    let env = &sim.env;
    let mut made = BTreeSet::new();
    for i in 0..5 {
        let pass = run(env, &["passes", "create", "-f", &format!("n=p{i}")])
            .await
            .expect(0)
            .json();
        made.insert(pass["ref"]["id"].as_str().unwrap().to_owned());
    }
    let out = run(env, &["passes", "list", "--all", "--page-size", "2"])
        .await
        .expect(0);
    let mut seen = BTreeSet::new();
    for line in out.stdout.lines() {
        let pass: Value = serde_json::from_str(line).unwrap();
        assert!(pass["ref"]["id"].is_string(), "{line}");
        assert!(
            seen.insert(pass["ref"]["id"].as_str().unwrap().to_owned()),
            "repeated: {line}"
        );
    }
    assert!(made.is_subset(&seen), "made {made:?}, listed {seen:?}");
    // One page, with the cursor of the next.
    let page = run(env, &["passes", "list", "--page-size", "2"])
        .await
        .expect(0)
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next"].as_str().unwrap();
    let page2 = run(
        env,
        &["passes", "list", "--page-size", "2", "--cursor", next],
    )
    .await
    .expect(0)
    .json();
    assert_ne!(page2["items"][0]["ref"], page["items"][0]["ref"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn passninja_failures_give_the_documented_exit_codes() {
    let sim = sim("passninja").await;
    let env = &sim.env;
    let t = passninja::CONFORMANCE_TEMPLATE_ID;
    // Unknown id: 3, with the vendor's code.
    let err = run(env, &["passes", "get", "-t", t, "0123456789abcdef01"])
        .await
        .expect(3)
        .error();
    assert_eq!(err["vendor_code"], "MR2");
    // A key the template does not have: 5, with the vendor's code.
    let err = run(
        env,
        &[
            "passes", "create", "-t", t, "-f", "member=J", "-f", "points=1", "-f", "tier=G", "-f",
            "bogus=1",
        ],
    )
    .await
    .expect(5)
    .error();
    assert_eq!(err["kind"], "invalid_input");
    assert_eq!(err["vendor_code"], "MI1", "{err}");
    // Bad credentials: 4; the wrong key is never echoed.
    let mut bad = env.clone();
    bad.retain(|(k, _)| k != "PASSNINJA_API_KEY");
    bad.push(("PASSNINJA_API_KEY".into(), "wrong-key-SEKRIT-4711".into()));
    let out = run(&bad, &["passes", "list", "-t", t]).await.expect(4);
    assert_eq!(out.error()["kind"], "unauthorized");
    assert!(!out.stderr.contains("SEKRIT") && !out.stdout.contains("SEKRIT"));
    // Void is unsupported on PassNinja (its only void destroys the pass): 7.
    let pass = run(
        env,
        &[
            "passes", "create", "-t", t, "-f", "member=J", "-f", "points=1", "-f", "tier=G",
        ],
    )
    .await
    .expect(0)
    .json();
    let id = pass["ref"]["id"].as_str().unwrap();
    let err = run(env, &["passes", "void", "-t", t, id])
        .await
        .expect(7)
        .error();
    assert_eq!(err["kind"], "unsupported");
    assert!(err["hint"].as_str().unwrap().contains("capabilities"));
    // TEMPLATE/ID addresses the pass as well as --template.
    let got = run(env, &["passes", "get", &format!("{t}/{id}")])
        .await
        .expect(0)
        .json();
    assert_eq!(got["ref"]["id"], id);
}

#[tokio::test(flavor = "multi_thread")]
async fn ubpass_templates_and_webhooks_are_unsupported_exit_7() {
    let sim = sim("ubpass").await;
    let err = run(&sim.env, &["templates", "list"])
        .await
        .expect(7)
        .error();
    assert_eq!(err["provider"], "ubpass");
    run(&sim.env, &["webhooks", "list"]).await.expect(7);
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_failures_exit_6() {
    // Every request answered with the vendor's 5xx: the client retries, then gives up.
    let sim = sim_with(
        "passinstance",
        SimConfig {
            fault_rate: 1.0,
            ..SimConfig::default()
        },
    )
    .await;
    let err = run(&sim.env, &["passes", "list"]).await.expect(6).error();
    assert_eq!(err["kind"], "server");
    // A 429 whose Retry-After is beyond the client's retry budget: rate limited, with the wait.
    let limited = sim_with(
        "passinstance",
        SimConfig {
            rps: Some(0.0001),
            ..SimConfig::default()
        },
    )
    .await;
    run(&limited.env, &["passes", "list"]).await.expect(0);
    let err = run(&limited.env, &["passes", "list"])
        .await
        .expect(6)
        .error();
    assert_eq!(err["kind"], "rate_limited");
    assert_eq!(err["status"], 429);
    assert!(err["retry_after_secs"].as_u64().unwrap() > 0, "{err}");
    // Nothing listening: a transport failure.
    let env = env_for("passinstance", "http://127.0.0.1:9/api/v1");
    let err = run(&env, &["passes", "list"]).await.expect(6).error();
    assert_eq!(err["kind"], "transport");
}

// ---------------------------------------------------------------- templates and webhooks

#[tokio::test(flavor = "multi_thread")]
async fn templates_commands_on_passinstance() {
    let sim = sim("passinstance").await;
    let env = &sim.env;
    let list = run(env, &["templates", "list"]).await.expect(0).json();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&passinstance::CONFORMANCE_TEMPLATE_ID),
        "{list}"
    );
    let got = run(
        env,
        &["templates", "get", passinstance::CONFORMANCE_TEMPLATE_ID],
    )
    .await
    .expect(0)
    .json();
    let keys: Vec<&str> = got["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["member", "points", "tier"]);
    let created = run(
        env,
        &[
            "templates",
            "create",
            "--name",
            "CLI card",
            "--platform",
            "apple",
            "--style",
            "storeCard",
        ],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(created["name"], "CLI card");
    let id = created["id"].as_str().unwrap();
    run(env, &["templates", "get", id]).await.expect(0);
    run(env, &["templates", "get", "tpl_0000000000000000"])
        .await
        .expect(3);
    // Passinstance cannot delete templates.
    run(env, &["templates", "delete", id]).await.expect(7);
}

#[tokio::test(flavor = "multi_thread")]
async fn templates_delete_on_passninja() {
    let sim = sim("passninja").await;
    let env = &sim.env;
    let created = run(
        env,
        &[
            "templates",
            "create",
            "--name",
            "Temp",
            "--platform",
            "apple",
            "--style",
            "coupon",
        ],
    )
    .await
    .expect(0)
    .json();
    let id = created["id"].as_str().unwrap();
    let deleted = run(env, &["templates", "delete", id])
        .await
        .expect(0)
        .json();
    assert_eq!(deleted["deleted"], id);
    run(env, &["templates", "get", id]).await.expect(3);
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_subscription_commands_on_passninja() {
    let sim = sim("passninja").await;
    let env = &sim.env;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    let created = run(
        env,
        &[
            "webhooks",
            "create",
            "--url",
            "https://127.0.0.1:9/hooks",
            "--event",
            "pass_updated",
            "--secret-file",
            secret_file.to_str().unwrap(),
        ],
    )
    .await
    .expect(0);
    let sub = created.json();
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert!(!secret.trim().is_empty());
    assert!(
        sub.get("secret").is_none(),
        "the secret is only in the file: {sub}"
    );
    assert!(!created.stdout.contains(secret.trim()));
    assert_eq!(sub["events"], json!(["pass_updated"]));
    let id = sub["id"].as_str().unwrap();

    let shown = run(
        env,
        &[
            "webhooks",
            "create",
            "--url",
            "https://127.0.0.1:9/other",
            "--event",
            "pass_installed",
            "--show-secret",
        ],
    )
    .await
    .expect(0)
    .json();
    assert!(shown["secret"].as_str().is_some_and(|s| !s.is_empty()));

    let list = run(env, &["webhooks", "list"]).await.expect(0).json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == id)
    );
    let got = run(env, &["webhooks", "get", id]).await.expect(0).json();
    assert_eq!(got["url"], "https://127.0.0.1:9/hooks");
    assert!(got.get("secret").is_none());
    let deliveries = run(env, &["webhooks", "deliveries", id])
        .await
        .expect(0)
        .json();
    assert!(deliveries["items"].is_array(), "{deliveries}");
    run(env, &["webhooks", "delete", id]).await.expect(0);
    run(env, &["webhooks", "get", id]).await.expect(3);
}

// ---------------------------------------------------------------- webhooks verify / sign

#[tokio::test]
async fn webhooks_verify_accepts_signed_and_rejects_forged_payloads() {
    let dir = tempfile::tempdir().unwrap();
    let body = br#"{"id":"evt_1","kind":"pass_updated","provider":"memory","pass":{"id":"P1"},"raw":null}"#;
    let body_file = write(dir.path(), "body.json", body);
    let env = vec![(
        "WALLETPASS_WEBHOOK_SECRET".to_owned(),
        "whsec_test_123".to_owned(),
    )];
    let signed = run(&env, &["webhooks", "sign", "--body", &body_file])
        .await
        .expect(0);
    let headers_file = write(dir.path(), "headers.txt", signed.stdout.as_bytes());
    let event = run(
        &env,
        &[
            "webhooks",
            "verify",
            "--headers",
            &headers_file,
            "--body",
            &body_file,
        ],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(event["id"], "evt_1");
    assert_eq!(event["kind"], "pass_updated");
    assert_eq!(event["pass"], json!({ "id": "P1" }));

    let forged = write(
        dir.path(),
        "forged.json",
        &body
            .to_vec()
            .iter()
            .map(|b| if *b == b'1' { b'2' } else { *b })
            .collect::<Vec<u8>>(),
    );
    let err = run(
        &env,
        &[
            "webhooks",
            "verify",
            "--headers",
            &headers_file,
            "--body",
            &forged,
        ],
    )
    .await
    .expect(4)
    .error();
    assert_eq!(err["kind"], "unauthorized");
    assert_eq!(err["operation"], "verify_webhook");
    let other = vec![(
        "WALLETPASS_WEBHOOK_SECRET".to_owned(),
        "whsec_other".to_owned(),
    )];
    run(
        &other,
        &[
            "webhooks",
            "verify",
            "--headers",
            &headers_file,
            "--body",
            &body_file,
        ],
    )
    .await
    .expect(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_verify_checks_a_passinstance_delivery_signed_by_the_simulator_scheme() {
    let sim = sim("passinstance").await;
    let dir = tempfile::tempdir().unwrap();
    let secret = "whsec_cli_test_0123456789";
    // The body and headers of a delivery (S7/S8 in the simulator's assumptions), signed with
    // the simulator's own signing function.
    let body = json!({
        "id": "evt_0123456789abcdef",
        "type": "pass.updated",
        "createdAt": "2026-01-01T00:00:00Z",
        "data": { "id": "pass_0123456789abcdef", "templateId": passinstance::CONFORMANCE_TEMPLATE_ID,
                  "serialNumber": "S-1", "status": "active", "fields": {} }
    })
    .to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let headers = format!(
        "{}: {}\n{}: evt_0123456789abcdef\n{}: pass.updated\n{}: 1\nContent-Type: application/json\n",
        passinstance::SIGNATURE_HEADER,
        passinstance::signature_header(secret, now, body.as_bytes()),
        passinstance::EVENT_ID_HEADER,
        passinstance::EVENT_TYPE_HEADER,
        passinstance::ATTEMPT_HEADER,
    );
    let body_file = write(dir.path(), "body.json", body.as_bytes());
    let headers_file = write(dir.path(), "headers.txt", headers.as_bytes());
    let event = run(
        &sim.env,
        &[
            "webhooks",
            "verify",
            "--headers",
            &headers_file,
            "--body",
            &body_file,
            "--secret",
            secret,
        ],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(event["provider"], "passinstance");
    assert_eq!(event["id"], "evt_0123456789abcdef");
    assert_eq!(event["kind"], "pass_updated");
    let forged = write(
        dir.path(),
        "forged.json",
        body.replace("S-1", "S-2").as_bytes(),
    );
    run(
        &sim.env,
        &[
            "webhooks",
            "verify",
            "--headers",
            &headers_file,
            "--body",
            &forged,
            "--secret",
            secret,
        ],
    )
    .await
    .expect(4);
}

// ---------------------------------------------------------------- sim, conformance, demo

#[tokio::test(flavor = "multi_thread")]
async fn conformance_is_green_on_memory_and_every_simulator_with_credentials_only() {
    let out = run(&no_env(), &["conformance"]).await.expect(0);
    let report = out.json();
    assert_eq!(report["provider"], "memory");
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["result"] != "failed")
    );

    // What `walletpass sim` prints for each simulator, and nothing else: the suite chooses a
    // template itself and names it.
    for (vendor, chosen) in [
        ("passninja", Some(passninja::DEMO_TEMPLATE_ID)),
        ("passinstance", Some(passinstance::CONFORMANCE_TEMPLATE_ID)),
        ("ubpass", None),
    ] {
        let sim = sim(vendor).await;
        let out = run(&sim.env, &["conformance"]).await;
        let report = out.json();
        let results = report["results"].as_array().unwrap();
        let failed: Vec<&Value> = results.iter().filter(|r| r["result"] == "failed").collect();
        assert!(failed.is_empty(), "{vendor}: failures: {failed:#?}");
        assert_eq!(out.code, 0, "{vendor}: {out:#?}");
        let passed = |name: &str| {
            results
                .iter()
                .any(|r| r["scenario"] == name && r["result"] == "passed")
        };
        for scenario in [
            "create_then_get",
            "patch_changes_only_given_fields",
            "error_bad_credentials",
            "error_unknown_id",
        ] {
            assert!(
                passed(scenario),
                "{vendor}: {scenario} did not pass: {report:#}"
            );
        }
        let notes = report["notes"].to_string();
        if let Some(template) = chosen {
            assert!(
                notes.contains(&format!("template {template} ")) && notes.contains("chosen"),
                "{vendor}: the chosen template is not named: {notes}"
            );
        }
        assert!(
            report["left_behind"].as_array().unwrap().is_empty(),
            "{report:#}"
        );
        // What the report says about each vendor beyond pass and fail.
        let delivery = results
            .iter()
            .find(|r| r["scenario"] == "webhook_delivery_verifies")
            .unwrap();
        match vendor {
            "passninja" => {
                assert_eq!(delivery["result"], "skipped");
                assert!(
                    delivery["missing"].as_str().unwrap().contains(
                        "the vendor accepts only https receivers; pass --webhook-receiver URL"
                    ),
                    "{delivery:#}"
                );
            }
            "passinstance" => assert!(
                notes.contains("scheme")
                    && notes.contains("assumed")
                    && notes.contains("PASSINSTANCE_WEBHOOK_SIGNED_MESSAGE"),
                "{notes}"
            ),
            _ => assert!(notes.contains("removed from its docs"), "{notes}"),
        }

        // A template the account does not have is a usage error, never a vendor failure.
        let wrong = match vendor {
            "passninja" => "ptk_0xdead",
            "passinstance" => "tpl_0000000000000000",
            _ => "no-such-template",
        };
        let out = run(&sim.env, &["conformance", "--template", wrong])
            .await
            .expect(2);
        assert!(
            out.error()["message"]
                .as_str()
                .unwrap()
                .contains("--template"),
            "{out:#?}"
        );
        // So is a scenario name that matches nothing; the hint lists the names.
        let out = run(&sim.env, &["conformance", "--only", "typo"])
            .await
            .expect(2);
        assert!(
            out.error()["hint"]
                .as_str()
                .unwrap()
                .contains("create_then_get"),
            "{out:#?}"
        );
    }

    // PassNinja keeps labels on the template: without field specs the report says labels and
    // placements were not compared; --field-specs declares them, and then they are compared.
    let pn = sim("passninja").await;
    let out = run(&pn.env, &["conformance", "--only", "create_then_get"])
        .await
        .expect(0);
    let not_compared = out.json()["not_compared"].to_string();
    assert!(
        not_compared.contains("labels and placements"),
        "{not_compared}"
    );
    // The conformance template has no pass to read its keys from: naming it without specs is
    // a usage error that names the flag declaring them.
    let out = run(
        &pn.env,
        &[
            "conformance",
            "--template",
            passninja::CONFORMANCE_TEMPLATE_ID,
        ],
    )
    .await
    .expect(2);
    assert!(out.stderr.contains("--field-specs"), "{out:#?}");
    let dir = tempfile::tempdir().unwrap();
    let specs = write(
        dir.path(),
        "specs.json",
        json!({ passninja::CONFORMANCE_TEMPLATE_ID: [
            { "key": "member", "label": "Member", "placement": "primary" },
            { "key": "points", "label": "Points", "placement": "secondary" },
            { "key": "tier", "label": "Tier", "placement": "auxiliary" },
        ]})
        .to_string()
        .as_bytes(),
    );
    let out = run(
        &pn.env,
        &[
            "--field-specs",
            &specs,
            "conformance",
            "--template",
            passninja::CONFORMANCE_TEMPLATE_ID,
        ],
    )
    .await
    .expect(0);
    let report = out.json();
    assert!(report.get("not_compared").is_none(), "{report:#}");
    let results = report["results"].as_array().unwrap();
    assert!(
        results.iter().all(|r| r["result"] != "failed"),
        "{report:#}"
    );
    // PASSNINJA_FIELD_SPECS names the same file for every program built on the facade.
    let mut env = pn.env.clone();
    env.push(("PASSNINJA_FIELD_SPECS".into(), specs.clone()));
    let only = [
        "conformance",
        "--template",
        passninja::CONFORMANCE_TEMPLATE_ID,
        "--only",
        "create_then_get",
    ];
    let out = run(&env, &only).await.expect(0);
    assert_eq!(
        out.json()["results"][0]["result"],
        "passed",
        "{}",
        out.stdout
    );
    // The specs are PassNinja's alone.
    let pi = sim("passinstance").await;
    run(&pi.env, &["--field-specs", &specs, "passes", "list"])
        .await
        .expect(2);
    // ubpass delete uses an endpoint the vendor removed from its docs: capabilities say so.
    let ub = sim("ubpass").await;
    let out = run(&ub.env, &["-o", "table", "capabilities"])
        .await
        .expect(0);
    assert!(
        out.stdout.contains("removed from its docs"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_without_a_usable_template_skips_the_pass_scenarios_and_exits_2() {
    // The PassNinja simulator's demo pass is the only one its templates have; without it no
    // template's keys can be read through the documented API.
    let pn = sim("passninja").await;
    run(
        &pn.env,
        &[
            "passes",
            "delete",
            &format!("{}/{}", passninja::DEMO_TEMPLATE_ID, passninja::DEMO_SERIAL),
        ],
    )
    .await
    .expect(0);
    let out = run(&pn.env, &["conformance"]).await.expect(2);
    let report = out.json();
    let results = report["results"].as_array().unwrap();
    let result = |name: &str| {
        results
            .iter()
            .find(|r| r["scenario"] == name)
            .unwrap_or_else(|| panic!("{name}: {report:#}"))
    };
    for name in [
        "create_then_get",
        "list_walks_every_page_once",
        "put_replaces",
    ] {
        let r = result(name);
        assert_eq!(r["result"], "skipped", "{r:#}");
        assert!(
            r["missing"].as_str().unwrap().contains("--template"),
            "{r:#}"
        );
    }
    // Scenarios that need no template still run, and pass.
    for name in [
        "error_bad_credentials",
        "error_unknown_id",
        "templates_lifecycle",
    ] {
        assert_eq!(result(name)["result"], "passed", "{name}: {report:#}");
    }
    assert!(
        results.iter().all(|r| r["result"] != "failed"),
        "{report:#}"
    );
    assert!(out.stderr.contains("--template"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_with_a_wrong_key_or_a_malformed_fixture_is_the_users_mistake() {
    // A wrong key stops the run before any scenario (exit 4, the variables to check), with
    // or without --template: not "pass --template" skips, not scenarios failing as if the
    // vendor did, and the wrong key is not printed.
    for (vendor, variable, wrong) in [
        (
            "passninja",
            "PASSNINJA_API_KEY",
            "0000000000000000000000000000000a",
        ),
        (
            "passinstance",
            "PASSINSTANCE_TOKEN",
            "pi_wrong_token_0123456789",
        ),
        ("ubpass", "UBPASS_API_KEY", "ubpass-wrong-key-0123456789"),
    ] {
        let sim = sim(vendor).await;
        let mut env = sim.env.clone();
        for (k, v) in env.iter_mut() {
            if k == variable {
                *v = wrong.to_owned();
            }
        }
        for args in [
            vec!["conformance"],
            vec!["conformance", "--only", "create_then_get"],
        ] {
            let out = run(&env, &args).await.expect(4);
            assert!(
                out.stdout.trim().is_empty(),
                "{vendor}: no report: {out:#?}"
            );
            let hint = out.error()["hint"].as_str().unwrap().to_owned();
            assert!(hint.contains(variable), "{vendor}: {hint}");
            assert!(
                !out.stderr.contains(wrong) && !out.stdout.contains(wrong),
                "{vendor}: the key is echoed: {out:#?}"
            );
        }
        // An id that is not an id, given to a fixture flag: a usage error naming the flag.
        for (flag, value) in [("--template", "a b"), ("--unknown-id", "a/b")] {
            let out = run(&sim.env, &["conformance", flag, value]).await.expect(2);
            assert!(
                out.error()["message"].as_str().unwrap().contains(flag),
                "{vendor} {flag}: {out:#?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_on_a_kept_apple_store_leaves_no_template_behind() {
    // The apple store lives on across invocations: the template the run makes for itself is
    // deleted at the end, like everything else it creates.
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        ("WALLETPASS_PROVIDER".to_owned(), "apple".to_owned()),
        (
            "APPLE_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        (
            "APPLE_PUBLIC_URL".to_owned(),
            "https://example.com/passes".to_owned(),
        ),
    ];
    for _ in 0..2 {
        let report = run(&env, &["conformance"]).await.expect(0).json();
        let notes = report["notes"].to_string();
        assert!(notes.contains("made for this run"), "{notes}");
        assert!(
            !notes.contains("--template"),
            "no --template was given: {notes}"
        );
        assert!(
            report["left_behind"].as_array().unwrap().is_empty(),
            "{report:#}"
        );
        let templates = run(&env, &["templates", "list"]).await.expect(0).json();
        assert_eq!(templates["items"], json!([]), "{templates:#}");
        let passes = run(&env, &["passes", "list"]).await.expect(0).json();
        assert_eq!(passes["items"], json!([]), "{passes:#}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_is_red_against_a_simulator_with_a_deviation() {
    let mut config = SimConfig::default();
    config.deviations.insert(Deviation::DropFieldOnRead);
    let sim = sim_with("passinstance", config).await;
    let out = run(
        &sim.env,
        &[
            "-o",
            "table",
            "conformance",
            "--template",
            passinstance::CONFORMANCE_TEMPLATE_ID,
        ],
    )
    .await
    .expect(1);
    assert!(out.stdout.contains("FAIL"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn sim_prints_base_urls_first_and_serves_the_cli() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_walletpass"))
        .env_clear()
        .args(["sim", "all", "--deviation", "drop-field-on-read"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    for name in ["passninja", "ubpass", "passinstance"] {
        let line = lines.next_line().await.unwrap().unwrap();
        let (first, url) = line.split_once(' ').unwrap();
        assert_eq!(first, name);
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        urls.push(url.to_owned());
    }
    assert!(
        urls[0].ends_with("/v1") && urls[2].ends_with("/api/v1"),
        "{urls:?}"
    );
    let mut rest = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push_str(&line);
        rest.push('\n');
        if line.contains("Ctrl-C") {
            break;
        }
    }
    assert!(
        rest.contains(passninja::DEMO_API_KEY),
        "credentials are printed: {rest}"
    );
    assert!(rest.contains("drop-field-on-read"), "{rest}");
    // The CLI talks to the standalone simulator, and the deviation makes conformance fail.
    let env = env_for("passinstance", &urls[2]);
    run(&env, &["passes", "list"]).await.expect(0);
    run(
        &env,
        &[
            "conformance",
            "--template",
            passinstance::CONFORMANCE_TEMPLATE_ID,
        ],
    )
    .await
    .expect(1);
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_completes_and_the_backends_agree() {
    let out = run(&no_env(), &["-o", "json", "demo"]).await.expect(0);
    let summary = out.json();
    assert_eq!(summary["ok"], true, "{summary:#}");
    assert_eq!(summary["created_agree"], true);
    assert_eq!(summary["patched_agree"], true);
    let backends = summary["backends"].as_array().unwrap();
    let names: Vec<&str> = backends
        .iter()
        .map(|b| b["provider"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["passninja", "ubpass", "passinstance"]);
    for b in backends {
        assert_eq!(values(&b["created"])["tier"], json!({ "text": "Gold" }));
        assert_eq!(values(&b["patched"])["tier"], json!({ "text": "Platinum" }));
    }
    assert_eq!(summary["webhooks_verified"], 2, "{summary:#}");
    assert!(backends[1]["webhook"]["skipped"].is_string());
    // The table form tells the story and ends with the summary.
    let out = run(&no_env(), &["-o", "table", "demo"]).await.expect(0);
    assert!(out.stdout.contains("summary:"), "{}", out.stdout);
    assert!(
        out.stdout.trim_end().ends_with("demo: ok"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_copies_passes_between_simulators() {
    let from = sim("passinstance").await;
    let to = sim("ubpass").await;
    let t = passinstance::CONFORMANCE_TEMPLATE_ID;
    for serial in ["MIG-1", "MIG-2"] {
        run(
            &from.env,
            &[
                "passes",
                "create",
                "-t",
                t,
                "--serial",
                serial,
                "-f",
                "member=Jane",
                "-f",
                "points=5",
                "-f",
                "tier=Gold",
            ],
        )
        .await
        .expect(0);
    }
    let mut env: Vec<(String, String)> = from.env.clone();
    env.extend(to.env.iter().cloned());
    env.retain(|(k, _)| k != "WALLETPASS_BASE_URL" && k != "WALLETPASS_PROVIDER");
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("checkpoint.sqlite");
    let out = run(
        &env,
        &[
            "migrate",
            "--from",
            "passinstance",
            "--from-template",
            t,
            "--from-base-url",
            from.base_url(),
            "--to",
            "ubpass",
            "--to-base-url",
            to.base_url(),
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--verify",
            "--progress",
            "none",
        ],
    )
    .await
    .expect(0);
    let listed = run(&to.env, &["passes", "list", "--all"]).await.expect(0);
    let copied = listed
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|p| values(p).get("member") == Some(&json!({ "text": "Jane" })))
        .count();
    assert!(copied >= 2, "{out:#?}\n{listed:#?}");
}

// ---------------------------------------------------------------- secrets

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_appears_in_help_errors_or_results() {
    let secret_env: Vec<(String, String)> = [
        ("PASSNINJA_API_KEY", "pn-SEKRIT-1"),
        ("PASSNINJA_ACCOUNT_ID", "aid_0xa01"), // an account id is not a secret
        ("UBPASS_API_KEY", "ub-SEKRIT-2"),
        ("PASSINSTANCE_TOKEN", "pi-SEKRIT-3"),
        ("WALLETPASS_WEBHOOK_SECRET", "wh-SEKRIT-4"),
        ("WALLETPASS_BASE_URL", "http://127.0.0.1:9/SEKRIT"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let check = |out: &Out, what: &str| {
        assert!(
            !out.stdout.contains("SEKRIT") && !out.stderr.contains("SEKRIT"),
            "{what} leaks a secret: {out:#?}"
        );
    };
    for args in [
        vec!["--help"],
        vec!["passes", "create", "--help"],
        vec!["webhooks", "create", "--help"],
        vec!["webhooks", "verify", "--help"],
        vec!["webhooks", "sign", "--help"],
        vec!["conformance", "--help"],
        vec!["sim", "--help"],
    ] {
        let out = run(&secret_env, &args).await.expect(0);
        check(&out, &args.join(" "));
    }
    // Errors with wrong credentials, against a live simulator.
    for provider in ["passninja", "ubpass", "passinstance"] {
        let sim = sim(provider).await;
        let list: Vec<&str> = match provider {
            "passninja" => vec!["passes", "list", "-t", passninja::CONFORMANCE_TEMPLATE_ID],
            _ => vec!["passes", "list"],
        };
        let mut env = secret_env.clone();
        env.retain(|(k, _)| k != "WALLETPASS_BASE_URL");
        env.push(("WALLETPASS_PROVIDER".into(), provider.into()));
        env.push(("WALLETPASS_BASE_URL".into(), sim.base_url().into()));
        for format in ["json", "table"] {
            let mut args = vec!["-o", format];
            args.extend(&list);
            let out = run(&env, &args).await.expect(4);
            check(&out, provider);
        }
        // Results with the real (demo) credentials do not echo them either.
        let out = run(&sim.env, &list).await.expect(0);
        for (name, value) in &sim.env {
            if name.ends_with("_API_KEY") || name.ends_with("_TOKEN") {
                assert!(!out.stdout.contains(value.as_str()), "{provider}: {out:#?}");
                assert!(!out.stderr.contains(value.as_str()), "{provider}: {out:#?}");
            }
        }
    }
}

// ---------------------------------------------------------------- pipes and JSON

/// A pipe whose reading end is already closed (`... | head -0` without the race).
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Stdio::from(writer)
}

/// stdout (and stderr) closed by their reader: never a panic. A command stops with exit 141
/// (documented in `--help`); a migration runs to its end and keeps its own exit code.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_output_pipe_never_panics() {
    let migrate = [
        "migrate",
        "--from",
        "memory",
        "--to",
        "memory",
        "--dry-run",
        "--progress",
        "lines",
    ];
    for (args, code) in [
        (&["capabilities"][..], 141),
        (&["-o", "table", "capabilities"][..], 141),
        (&migrate[..], 0),
    ] {
        let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_walletpass"))
            .env_clear()
            .args(args)
            .stdin(Stdio::null())
            .stdout(closed_pipe())
            .stderr(closed_pipe())
            .status()
            .await
            .unwrap();
        assert_eq!(status.code(), Some(code), "{args:?}: {status}");
    }
    let help = run(&no_env(), &["--help"]).await.expect(0);
    assert!(
        help.stdout.contains("141  standard output closed"),
        "{}",
        help.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_with_output_json_prints_one_json_summary() {
    let args = [
        "-o",
        "json",
        "migrate",
        "--from",
        "memory",
        "--to",
        "memory",
        "--dry-run",
    ];
    let out = run(&no_env(), &args).await.expect(0);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["dry_run"], true, "{value}");
    assert_eq!(value["would_create"], 0, "{value}");
    assert_eq!(value["exit_code"], 0, "{value}");
    // Without -o json (stdout not a terminal), the text summary scripts have read so far.
    let out = run(&no_env(), &args[2..]).await.expect(0);
    assert!(out.stdout.starts_with("dry run: total 0"), "{}", out.stdout);
}
