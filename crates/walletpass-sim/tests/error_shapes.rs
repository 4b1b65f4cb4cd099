#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! Every error a simulator answers is in its vendor's JSON error shape, including the ones the
//! HTTP framework would otherwise word itself: a body over the 16 MiB limit is a 413 (never
//! silently emptied into "malformed JSON"), a path that does not decode is a 400, a method a
//! route lacks is a 405.
//!
//! The shapes: PassNinja `{"error": {"code"?, "message", "status_code"}}` (simulator module
//! docs); ubpass `UnblockedApiError {txId, timestamp, errorCode, errorMessage}` (OpenAPI
//! `components.schemas.UnblockedApiError`); Passinstance `{"error", "message"}` like the
//! documented 429 ("Abuse protection").

use reqwest::{Client, Method, RequestBuilder};
use serde_json::Value;
use walletpass_sim::{RunningSim, SimConfig, passinstance, passninja, ubpass};

struct Vendor {
    name: &'static str,
    sim: RunningSim,
    /// A documented collection that takes a JSON POST.
    create: &'static str,
    /// A documented item path with a path parameter.
    item: &'static str,
    auth: fn(RequestBuilder) -> RequestBuilder,
    shape: fn(&Value, u16),
}

fn passninja_shape(body: &Value, status: u16) {
    assert_eq!(body["error"]["status_code"], status, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

fn ubpass_shape(body: &Value, _status: u16) {
    // `errorMessage` is optional: the documented INVALID_INPUT examples leave it out.
    for key in ["txId", "timestamp", "errorCode"] {
        assert!(body[key].is_string(), "{key}: {body}");
    }
    assert!(!body["errorMessage"].is_number(), "{body}");
}

fn passinstance_shape(body: &Value, _status: u16) {
    assert!(body["error"].is_string(), "{body}");
    assert!(body["message"].is_string(), "{body}");
}

async fn vendors() -> Vec<Vendor> {
    vec![
        Vendor {
            name: "passninja",
            sim: passninja::start(SimConfig::default()).await.unwrap(),
            create: "/passes",
            item: "/passes/ptk_0xc0/",
            auth: |r| {
                r.header("X-API-KEY", passninja::DEMO_API_KEY)
                    .header("X-ACCOUNT-ID", passninja::DEMO_ACCOUNT_ID)
            },
            shape: passninja_shape,
        },
        Vendor {
            name: "ubpass",
            sim: ubpass::start(SimConfig::default()).await.unwrap(),
            create: "/wallet-pass",
            item: "/wallet-pass/",
            auth: |r| {
                r.header("api-key", ubpass::DEMO_API_KEY)
                    .header("x-workspace-id", ubpass::DEMO_WORKSPACE_ID)
            },
            shape: ubpass_shape,
        },
        Vendor {
            name: "passinstance",
            sim: passinstance::start(SimConfig::default()).await.unwrap(),
            create: "/passes",
            item: "/passes/",
            auth: |r| r.bearer_auth(passinstance::DEMO_TOKEN),
            shape: passinstance_shape,
        },
    ]
}

async fn call(v: &Vendor, req: RequestBuilder) -> (u16, Value) {
    let response = (v.auth)(req).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: {status} is not JSON ({e}): {text:?}", v.name));
    (status, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_is_a_413_in_the_vendor_shape() {
    let http = Client::new();
    // Valid JSON, just too big: 17 MiB of one string.
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(17 * 1024 * 1024));
    for v in vendors().await {
        let url = format!("{}{}", v.sim.base_url(), v.create);
        let req = http
            .post(&url)
            .header("content-type", "application/json")
            .body(big.clone());
        let (status, body) = call(&v, req).await;
        assert_eq!(status, 413, "{}: {body}", v.name);
        (v.shape)(&body, 413);
        assert!(body.to_string().contains("16 MiB"), "{}: {body}", v.name);
        if v.name == "ubpass" {
            assert_eq!(body["errorCode"], "INVALID_INPUT", "{body}");
        }
        let logged = v.sim.log().entries();
        assert_eq!(logged.last().unwrap().status, 413, "{}", v.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_under_the_limit_but_over_the_framework_default_is_read() {
    // 3 MiB: over axum's 2 MiB default. It reaches the handler, which answers about its
    // content (a validation error), not about its size.
    let http = Client::new();
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(3 * 1024 * 1024));
    for v in vendors().await {
        let url = format!("{}{}", v.sim.base_url(), v.create);
        let req = http
            .post(&url)
            .header("content-type", "application/json")
            .body(big.clone());
        let (status, body) = call(&v, req).await;
        assert_ne!(status, 413, "{}: {body}", v.name);
        assert!((400..500).contains(&status), "{}: {status} {body}", v.name);
        (v.shape)(&body, status);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn framework_rejections_are_in_the_vendor_shape() {
    let http = Client::new();
    for v in vendors().await {
        // A path parameter that is not UTF-8 once decoded.
        let url = format!("{}{}%FF%FE", v.sim.base_url(), v.item);
        let (status, body) = call(&v, http.get(&url)).await;
        assert!((400..500).contains(&status), "{}: {status} {body}", v.name);
        (v.shape)(&body, status);
        // A method the route does not have, and one nobody has.
        let url = format!("{}{}", v.sim.base_url(), v.create);
        let response = (v.auth)(http.request(Method::PUT, &url))
            .send()
            .await
            .unwrap();
        if response.status() == 405 {
            assert!(
                response.headers().contains_key("allow"),
                "{}: Allow kept",
                v.name
            );
        }
        for method in [Method::PUT, Method::from_bytes(b"BREW").unwrap()] {
            let (status, body) = call(&v, http.request(method.clone(), &url)).await;
            assert!(
                status == 405 || status == 404 || status == 400,
                "{} {method}: {status} {body}",
                v.name
            );
            (v.shape)(&body, status);
        }
        // An unknown path.
        let url = format!("{}/no/such/endpoint", v.sim.base_url());
        let (status, body) = call(&v, http.get(&url)).await;
        assert_eq!(status, 404, "{}: {body}", v.name);
        (v.shape)(&body, status);
    }
}
