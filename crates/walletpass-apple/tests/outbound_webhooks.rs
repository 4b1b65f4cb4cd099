//! Outbound webhooks: a pass change reaches the user's receiver signed with HMAC-SHA256 and a
//! timestamp, a failing receiver is retried, and every attempt is in the delivery history.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use secrecy::SecretString;
use walletpass_core::{
    ErrorKind, ListQuery, NewPass, NewWebhookSubscription, PassContent, WalletProvider,
    WebhookEventKind,
};

/// A receiver that answers 500 to the first `failures` deliveries, then 200.
async fn receiver(
    failures: u32,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(http::HeaderMap, Vec<u8>)>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let seen = Arc::new(AtomicU32::new(0));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: http::HeaderMap, body: axum::body::Bytes| {
            let tx = tx.clone();
            let seen = seen.clone();
            async move {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send((headers, body.to_vec()));
                if n < failures {
                    http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), rx)
}

#[tokio::test]
async fn a_failing_receiver_is_retried_and_every_attempt_is_recorded() {
    let (apple, _dir) = common::provider();
    let (url, mut deliveries) = receiver(2).await;
    let created = apple
        .create_webhook(
            NewWebhookSubscription::new(&url, vec![WebhookEventKind::PassVoided]).unwrap(),
        )
        .await
        .unwrap();
    let pass = apple
        .create(NewPass::new(
            PassContent::builder().value("a", "1").build().unwrap(),
        ))
        .await
        .unwrap();
    apple.void(&pass.pass_ref).await.unwrap();
    let verifier = apple.webhook_verifier(created.secret.clone()).unwrap();
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let (headers, body) = tokio::time::timeout(Duration::from_secs(20), deliveries.recv())
            .await
            .expect("a delivery within 20 s")
            .unwrap();
        let signature = headers["walletpass-signature"].to_str().unwrap();
        assert!(
            signature.starts_with("t=") && signature.contains(",v1="),
            "{signature}"
        );
        let event = verifier.verify(&headers, &body).unwrap();
        assert_eq!(event.kind, WebhookEventKind::PassVoided);
        assert_eq!(event.provider, "apple");
        assert_eq!(event.pass.as_ref(), Some(&pass.pass_ref));
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "a retry is the same event"
    );
    // The wrong secret is refused.
    let (headers, body) = (verifier.sign(&bodies[0]).unwrap(), &bodies[0]);
    let other = apple
        .webhook_verifier(SecretString::from("not-it"))
        .unwrap();
    assert_eq!(
        other.verify(&headers, body).unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
    // History: two failures (500) then a success, in order.
    let mut history = Vec::new();
    for _ in 0..100 {
        history = apple
            .webhook_deliveries(&created.subscription.id, &ListQuery::new())
            .await
            .unwrap()
            .items;
        if history.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen: Vec<(u32, Option<u16>, bool)> = history
        .iter()
        .map(|d| (d.attempt, d.status_code, d.success))
        .collect();
    assert_eq!(
        seen,
        [
            (1, Some(500), false),
            (2, Some(500), false),
            (3, Some(200), true)
        ]
    );
    assert!(history[0].error.as_deref().unwrap().contains("500"));
    // No pass_created delivery: the subscription asked for voids only.
    assert!(deliveries.try_recv().is_err());
}

#[tokio::test]
async fn an_empty_secret_is_no_secret() {
    let (apple, _dir) = common::provider();
    let new = NewWebhookSubscription::new(
        "https://example.com/hook",
        vec![WebhookEventKind::PassCreated],
    )
    .unwrap()
    .with_secret(SecretString::from(""));
    assert_eq!(
        apple.create_webhook(new).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        apple
            .webhook_verifier(SecretString::from(""))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
}
