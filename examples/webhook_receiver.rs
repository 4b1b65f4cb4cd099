//! A webhook receiver: one axum endpoint that verifies PassNinja and Passinstance deliveries
//! with each backend's own verifier, normalises them to the canonical `WebhookEvent`, and drops
//! duplicates by event id (vendors redeliver until they get a 2xx, so a receiver sees some
//! events twice).
//!
//! Run it with `cargo run --example webhook_receiver`: it starts the PassNinja and Passinstance
//! simulators in-process, subscribes the receiver to both, changes a pass on each, and shows the
//! verified events. The receiver answers the first delivery of each event with a 503, as if its
//! answer had been lost, so each vendor delivers again and the duplicate is dropped. A forged
//! delivery is refused with 401.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use provider_tests::support::connect_to_simulator;
use tokio::sync::mpsc;
use walletpass::{
    Field, NewPass, NewWebhookSubscription, PassContent, PassPatch, ProviderKind, TemplateId,
    WebhookEvent, WebhookEventKind, WebhookVerifier,
};
use walletpass_sim::SimConfig;

/// What the receiver did with one delivery.
#[derive(Debug)]
enum Received {
    /// A new event, verified and normalised.
    Event(Box<WebhookEvent>),
    /// An event already processed: acknowledged and dropped.
    Duplicate { provider: String, id: String },
    /// Not authentic.
    Rejected { endpoint: String, reason: String },
}

/// The receiver's state: one verifier per endpoint, the event ids already processed.
struct Inbox {
    verifiers: Mutex<BTreeMap<String, Box<dyn WebhookVerifier>>>,
    seen: Mutex<BTreeSet<(String, String)>>,
    /// Answer the first delivery of each event with a 503, to show redelivery and dedupe.
    lose_first_answer: bool,
    out: mpsc::UnboundedSender<Received>,
}

/// `POST /webhooks/{provider}`.
async fn receive(
    State(inbox): State<Arc<Inbox>>,
    Path(endpoint): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let verified = {
        let verifiers = inbox.verifiers.lock().unwrap_or_else(|p| p.into_inner());
        match verifiers.get(&endpoint) {
            Some(verifier) => verifier.verify(&headers, &body),
            None => return StatusCode::NOT_FOUND,
        }
    };
    let event = match verified {
        Ok(event) => event,
        Err(e) => {
            let _ = inbox.out.send(Received::Rejected {
                endpoint,
                reason: e.to_string(),
            });
            return StatusCode::UNAUTHORIZED;
        }
    };
    let key = (event.provider.clone(), event.id.clone());
    let first = inbox
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.clone());
    if !first {
        let _ = inbox.out.send(Received::Duplicate {
            provider: key.0,
            id: key.1,
        });
        // Acknowledge, so the vendor stops redelivering.
        return StatusCode::OK;
    }
    let _ = inbox.out.send(Received::Event(Box::new(event)));
    if inbox.lose_first_answer {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The receiver.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let inbox = Arc::new(Inbox {
        verifiers: Mutex::new(BTreeMap::new()),
        seen: Mutex::new(BTreeSet::new()),
        lose_first_answer: true,
        out: tx,
    });
    let app = Router::new()
        .route("/webhooks/{provider}", post(receive))
        .with_state(Arc::clone(&inbox));
    // Both vendors deliver only to https receivers: the receiver serves https with a
    // certificate made now, whose CA the two simulators are told to trust.
    let tls = walletpass_sim::tls::TestTls::generate()?;
    let (receiver_url, _https) = tls.identity().serve_loopback(app.clone()).await?;
    println!("receiver listening on {receiver_url}/webhooks/{{provider}}");
    // The same endpoint on plain http, only for the forged delivery below (no TLS client needed).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let plain_addr = listener.local_addr()?.to_string();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // Two vendors, each with a pass in its loyalty template, connected to their simulators
    // through the registry (the simulators trust the receiver's test CA).
    let mut vendors = Vec::new();
    let mut sims = Vec::new();
    for kind in [ProviderKind::PassNinja, ProviderKind::Passinstance] {
        let simulated =
            connect_to_simulator(kind, SimConfig::default(), Some(tls.ca_pem.clone())).await?;
        let template = simulated
            .simulator
            .demo_template
            .ok_or("the simulator has no demo template")?;
        vendors.push((kind.as_str(), simulated.provider, template));
        sims.push(simulated.running);
    }

    for (name, provider, template) in &vendors {
        // Subscribe; the secret comes back this once and goes straight into the verifier.
        let url = format!("{receiver_url}/webhooks/{name}");
        let created = provider
            .create_webhook(NewWebhookSubscription::new(
                &url,
                vec![WebhookEventKind::PassUpdated],
            )?)
            .await?;
        let verifier = provider.webhook_verifier(created.secret)?;
        inbox
            .verifiers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((*name).to_owned(), verifier);

        // Change a pass: the vendor delivers `pass_updated`.
        let content = PassContent::builder()
            .field(Field::new("member", "Jane Doe")?)
            .field(Field::new("points", "100")?)
            .field(Field::new("tier", "Gold")?)
            .build()?;
        let pass = provider
            .create(NewPass::new(content).with_template(TemplateId::new(*template)?))
            .await?;
        let patch = PassPatch::builder().set_value("points", "150").build()?;
        provider.patch(&pass.pass_ref, &patch).await?;
        println!("{name}: subscribed and patched {}", pass.pass_ref);
    }

    // A forged delivery: right shape, no valid signature.
    let forged = post_forged(&plain_addr, "passinstance").await;
    println!("forged delivery answered {forged}");

    // Expect one event and one duplicate per vendor, and the forged one rejected.
    let (mut events, mut duplicates) = (0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while events < 2 || duplicates < 2 {
        let Ok(Some(received)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            println!("stopped waiting");
            break;
        };
        match received {
            Received::Event(e) => {
                events += 1;
                println!(
                    "event      {} {} {} pass={} attempt={}",
                    e.provider,
                    e.kind,
                    e.id,
                    e.pass.map(|p| p.to_string()).unwrap_or_default(),
                    e.attempt
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "-".into())
                );
            }
            Received::Duplicate { provider, id } => {
                duplicates += 1;
                println!("duplicate  {provider} {id}: dropped");
            }
            Received::Rejected { endpoint, reason } => {
                println!("rejected   /webhooks/{endpoint}: {reason}");
            }
        }
    }
    println!("\n{events} events processed once each, {duplicates} redeliveries dropped");
    for sim in sims {
        sim.shutdown().await;
    }
    Ok(())
}

/// POST a forged delivery to the receiver's plain http listener at `addr` with a bare HTTP/1.1
/// request (no client crate needed).
async fn post_forged(addr: &str, endpoint: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body =
        r#"{"id":"evt_forged","type":"pass.updated","createdAt":"2026-01-01T00:00:00Z","data":{}}"#;
    let request = format!(
        "POST /webhooks/{endpoint} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         X-Passinstance-Signature: t=0,v1=00\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return "no connection".into();
    };
    if stream.write_all(request.as_bytes()).await.is_err() {
        return "write failed".into();
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    answer.lines().next().unwrap_or_default().to_owned()
}
