#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! Inbound deliveries: a signed payload verifies and normalises; a wrong secret, a changed body,
//! a stale timestamp and a missing or malformed header are each rejected with a clear error
//! ("Webhooks": verify signatures; the scheme itself is assumption A10).

use http::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use serde_json::json;
use time::OffsetDateTime;
use walletpass_core::{ErrorKind, WalletProvider, WebhookEventKind, WebhookVerifier};
use walletpass_passinstance::PassinstanceConfig;
use walletpass_passinstance::webhook::{
    ATTEMPT_HEADER, PassinstanceWebhookVerifier, SIGNATURE_HEADER, sign_payload, sign_payload_at,
};

fn secret() -> SecretString {
    SecretString::from("whsec_0123456789abcdef")
}

fn body() -> Vec<u8> {
    json!({
        "id": "evt_1a2b3c4d5e6f7a8b",
        "type": "pass.updated",
        "createdAt": "2026-01-01T10:00:00.000Z",
        "data": {
            "id": "pass_0123456789abcdef",
            "templateId": "tpl_abcdef1234567890",
            "serialNumber": "ORDER-1001",
            "status": "active",
            "fields": { "tier": { "label": "Tier", "value": "Platinum" } }
        }
    })
    .to_string()
    .into_bytes()
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[test]
fn a_signed_delivery_verifies_and_normalises() {
    let mut headers = sign_payload(&secret(), &body()).unwrap();
    headers.insert(ATTEMPT_HEADER, HeaderValue::from_static("2"));
    let event = PassinstanceWebhookVerifier::new(secret())
        .verify(&headers, &body())
        .unwrap();
    assert_eq!(event.id, "evt_1a2b3c4d5e6f7a8b");
    assert_eq!(event.kind, WebhookEventKind::PassUpdated);
    assert_eq!(event.provider, "passinstance");
    let pass = event.pass.unwrap();
    assert_eq!(pass.id.as_str(), "pass_0123456789abcdef");
    assert_eq!(pass.template.unwrap().as_str(), "tpl_abcdef1234567890");
    assert_eq!(event.fields["tier"], "Platinum");
    assert_eq!(event.attempt, Some(2));
    assert!(event.occurred_at.is_some());
    assert_eq!(event.raw["type"], "pass.updated");
}

#[test]
fn the_providers_verifier_signs_and_verifies() {
    let provider = PassinstanceConfig::bearer("t").build().unwrap();
    let verifier = provider.webhook_verifier(secret()).unwrap();
    let headers = verifier.sign(&body()).unwrap();
    assert!(
        headers[SIGNATURE_HEADER]
            .to_str()
            .unwrap()
            .starts_with("t=")
    );
    assert_eq!(
        verifier.verify(&headers, &body()).unwrap().kind,
        WebhookEventKind::PassUpdated
    );
    assert!(!format!("{verifier:?}").contains("whsec_0123456789abcdef"));
}

#[test]
fn a_wrong_secret_is_rejected() {
    let headers = sign_payload(&SecretString::from("whsec_someone_else_1"), &body()).unwrap();
    let err = PassinstanceWebhookVerifier::new(secret())
        .verify(&headers, &body())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(err.to_string().contains("does not match"), "{err}");
    assert!(!err.to_string().contains("whsec_"), "{err}");
}

#[test]
fn a_changed_body_is_rejected() {
    let headers = sign_payload(&secret(), &body()).unwrap();
    let changed = String::from_utf8(body())
        .unwrap()
        .replace("Platinum", "Diamond");
    let err = PassinstanceWebhookVerifier::new(secret())
        .verify(&headers, changed.as_bytes())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(err.to_string().contains("does not match"), "{err}");
}

#[test]
fn a_stale_timestamp_is_rejected() {
    let headers = sign_payload_at(&secret(), now() - 600, &body()).unwrap();
    let err = PassinstanceWebhookVerifier::new(secret())
        .verify(&headers, &body())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(err.to_string().contains("300 s tolerated"), "{err}");
    // A wider window accepts it.
    let wide = PassinstanceWebhookVerifier::new(secret())
        .with_tolerance(std::time::Duration::from_secs(900));
    assert!(wide.verify(&headers, &body()).is_ok());
}

#[test]
fn a_missing_or_malformed_header_is_rejected() {
    let verifier = PassinstanceWebhookVerifier::new(secret());
    let err = verifier.verify(&HeaderMap::new(), &body()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(err.to_string().contains("header is missing"), "{err}");

    let mut headers = HeaderMap::new();
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_static("sha256=abc"));
    let err = verifier.verify(&headers, &body()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(err.to_string().contains("malformed"), "{err}");
}

#[test]
fn a_signed_body_that_is_not_an_event_is_a_decode_error() {
    let headers = sign_payload(&secret(), b"[1, 2]").unwrap();
    let err = PassinstanceWebhookVerifier::new(secret())
        .verify(&headers, b"[1, 2]")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[test]
fn a_template_event_names_no_pass() {
    let body =
        json!({ "id": "evt_2", "type": "template.created", "createdAt": "2026-01-01T10:00:00Z",
                       "data": { "id": "tpl_0123456789abcdef", "name": "VIP" } })
        .to_string();
    let headers = sign_payload(&secret(), body.as_bytes()).unwrap();
    let event = PassinstanceWebhookVerifier::new(secret())
        .verify(&headers, body.as_bytes())
        .unwrap();
    assert_eq!(event.kind, WebhookEventKind::TemplateCreated);
    assert!(event.pass.is_none());
}
