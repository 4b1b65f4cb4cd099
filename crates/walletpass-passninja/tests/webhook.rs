#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! Inbound deliveries: the doc's CloudEvents example ("Webhook payload (CloudEvents 1.0)")
//! verifies with the right bearer token only; the legacy example ("Legacy subscriptions")
//! parses only when allowed.

use http::{HeaderMap, HeaderValue, header};
use serde_json::Value;
use walletpass_core::{
    ErrorKind, Operation, PassRef, SecretString, WalletProvider, WebhookEventKind, WebhookVerifier,
};
use walletpass_passninja::{PassNinja, PassNinjaConfig, PassNinjaWebhookVerifier};

const TOKEN: &str = "wbk_b3d6c0ffee";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn verifier() -> PassNinjaWebhookVerifier {
    PassNinjaWebhookVerifier::new(SecretString::from(TOKEN))
}

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

#[test]
fn the_documented_cloudevent_verifies_with_the_right_token() {
    // "Webhook payload (CloudEvents 1.0)" example with "Authorization: Bearer <token>".
    let body = fixture("webhook-cloudevent.json");
    let event = verifier().verify(&bearer(TOKEN), &body).unwrap();
    assert_eq!(event.id, "38656a51-a892-8717-587b-f59de5163c2a");
    assert_eq!(event.kind, WebhookEventKind::PassInstalled);
    assert_eq!(event.provider, "passninja");
    assert_eq!(event.attempt, Some(1));
    assert_eq!(
        event.pass,
        Some(PassRef::parse("ptk_0x216/fee4a257185906b92a").unwrap())
    );
    assert_eq!(event.fields["member.name"], "John");
    assert_eq!(event.fields["discount"], "50%");
    assert_eq!(
        event.occurred_at.unwrap().unix_timestamp(),
        time::macros::datetime!(2026-05-12 18:25:43.511 UTC).unix_timestamp()
    );
    let raw: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event.raw, raw);
}

#[test]
fn a_wrong_or_missing_token_is_rejected() {
    // "Receiver expectations": "Reject anything else with HTTP 401".
    let body = fixture("webhook-cloudevent.json");
    for headers in [
        bearer("wbk_b3d6c0ffeX"),
        bearer("wbk_b3d6c0ffee-and-more"),
        bearer(""),
        HeaderMap::new(),
    ] {
        let err = verifier().verify(&headers, &body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized, "{headers:?}");
        assert_eq!(err.operation(), Some(Operation::VerifyWebhook));
        assert!(!err.to_string().contains(TOKEN));
    }
    let mut basic = HeaderMap::new();
    basic.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Basic d2JrOng="),
    );
    assert_eq!(
        verifier().verify(&basic, &body).unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
}

#[test]
fn reserved_and_unknown_types_are_other_and_unknown_attributes_are_ignored() {
    // "Event types" (pn.pass.scanned reserved), "Envelope attributes" (ignore unknown ones),
    // "data payload": metadata may be null.
    let mut event: Value = serde_json::from_slice(&fixture("webhook-cloudevent.json")).unwrap();
    event["type"] = "pn.pass.scanned".into();
    event["subject"] = "future attribute".into();
    event["data"]["metadata"] = Value::Null;
    let body = serde_json::to_vec(&event).unwrap();
    let parsed = verifier().verify(&bearer(TOKEN), &body).unwrap();
    assert_eq!(
        parsed.kind,
        WebhookEventKind::Other("pn.pass.scanned".into())
    );
    assert!(parsed.fields.is_empty());
    for (kind, expected) in [
        ("pn.pass.updated", WebhookEventKind::PassUpdated),
        ("pn.pass.uninstalled", WebhookEventKind::PassUninstalled),
    ] {
        event["type"] = kind.into();
        let body = serde_json::to_vec(&event).unwrap();
        assert_eq!(
            verifier().verify(&bearer(TOKEN), &body).unwrap().kind,
            expected
        );
    }
    event["specversion"] = "0.3".into();
    let body = serde_json::to_vec(&event).unwrap();
    assert_eq!(
        verifier().verify(&bearer(TOKEN), &body).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn the_legacy_format_parses_only_when_allowed() {
    // "Legacy subscriptions": no Authorization header, no envelope.
    let body = fixture("webhook-legacy.json");
    let err = verifier().verify(&HeaderMap::new(), &body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    let event = verifier()
        .accept_legacy(true)
        .verify(&HeaderMap::new(), &body)
        .unwrap();
    assert_eq!(event.kind, WebhookEventKind::PassInstalled);
    assert_eq!(event.attempt, Some(1));
    assert_eq!(
        event.pass,
        Some(PassRef::parse("ptk_0x216/fee4a257185906b92a").unwrap())
    );
    assert_eq!(
        event.id,
        "legacy:ptk_0x216:fee4a257185906b92a:install:2026-05-12T18:25:43.511Z"
    );
    // A CloudEvents envelope without the header is still refused, legacy allowed or not.
    let envelope = fixture("webhook-cloudevent.json");
    assert_eq!(
        verifier()
            .accept_legacy(true)
            .verify(&HeaderMap::new(), &envelope)
            .unwrap_err()
            .kind(),
        ErrorKind::Unauthorized
    );
}

#[test]
fn sign_builds_headers_a_receiver_accepts() {
    let body = fixture("webhook-cloudevent.json");
    let headers = verifier().sign(&body).unwrap();
    assert_eq!(
        headers[header::AUTHORIZATION],
        format!("Bearer {TOKEN}").as_str()
    );
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert!(verifier().verify(&headers, &body).is_ok());
    assert!(!format!("{:?}", verifier()).contains(TOKEN));
}

#[test]
fn the_providers_verifier_follows_the_legacy_setting() {
    let body = fixture("webhook-legacy.json");
    let strict = PassNinja::new(PassNinjaConfig::new("k", "aid_0xa01")).unwrap();
    let verifier = strict.webhook_verifier(SecretString::from(TOKEN)).unwrap();
    assert!(verifier.verify(&HeaderMap::new(), &body).is_err());
    let lax =
        PassNinja::new(PassNinjaConfig::new("k", "aid_0xa01").with_legacy_webhooks(true)).unwrap();
    let verifier = lax.webhook_verifier(SecretString::from(TOKEN)).unwrap();
    assert!(verifier.verify(&HeaderMap::new(), &body).is_ok());
}
