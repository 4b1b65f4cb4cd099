#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
//! The PassNinja simulator against plain HTTP calls, pinned to `passninja-api.txt`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};
use walletpass_sim::passninja::{
    self, DEMO_ACCOUNT_ID, DEMO_API_KEY, DEMO_SERIAL, DEMO_TEMPLATE_ID, FieldPlacement,
    OTHER_SERIAL, OTHER_TEMPLATE_ID, PassNinjaOptions, PassNinjaSim, TemplateField,
};
use walletpass_sim::{Deviation, SimConfig};

struct Api {
    sim: PassNinjaSim,
    http: Client,
}

impl Api {
    async fn start() -> Self {
        Self::with(SimConfig::default()).await
    }

    async fn with(config: SimConfig) -> Self {
        let options = PassNinjaOptions {
            retry_base: Duration::from_millis(10),
            retry_cap: Duration::from_millis(20),
            max_attempts: 3,
            trust_ca_pem: Some(tls().ca_pem.clone()),
            ..PassNinjaOptions::default()
        };
        Self {
            sim: passninja::launch(config, options).await.unwrap(),
            http: Client::new(),
        }
    }

    fn bare(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sim.base_url()))
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.bare(method, path)
            .header("X-API-KEY", DEMO_API_KEY)
            .header("X-ACCOUNT-ID", DEMO_ACCOUNT_ID)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.req(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        answer(req).await
    }
}

async fn answer(req: RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, body)
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

async fn create_demo_pass(api: &Api, values: Value) -> String {
    // "Create a new pass" curl example body.
    let (status, body) = api
        .call(
            Method::POST,
            "/passes",
            Some(json!({"passTemplate": DEMO_TEMPLATE_ID, "pass": values})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["serialNumber"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn auth_headers_are_required_and_checked() {
    let api = Api::start().await;
    // Errors: UA1 401 "missing a required header".
    let (status, body) = answer(api.bare(Method::GET, "/pass_templates")).await;
    assert_eq!((status, code(&body)), (401, "UA1"));
    assert_eq!(body["error"]["status_code"], 401);
    let (status, body) = answer(
        api.bare(Method::GET, "/pass_templates")
            .header("X-API-KEY", DEMO_API_KEY),
    )
    .await;
    assert_eq!((status, code(&body)), (401, "UA1"));
    let (status, _) = answer(
        api.bare(Method::GET, "/pass_templates")
            .header("X-API-KEY", "00000000000000000000000000000000")
            .header("X-ACCOUNT-ID", DEMO_ACCOUNT_ID),
    )
    .await;
    assert_eq!(status, 401);
    // Errors: UA2 403 "someone elses passes".
    let (status, body) = api
        .call(
            Method::GET,
            &format!("/passes/{OTHER_TEMPLATE_ID}/{OTHER_SERIAL}"),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (403, "UA2"));
}

#[tokio::test]
async fn bad_credentials_accepted_under_the_deviation() {
    let mut config = SimConfig::default();
    config.deviations.insert(Deviation::AcceptBadCredentials);
    let api = Api::with(config).await;
    let (status, _) = answer(
        api.bare(Method::GET, "/pass_templates")
            .header("X-API-KEY", "wrong")
            .header("X-ACCOUNT-ID", DEMO_ACCOUNT_ID),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn templates_list_get_create_delete() {
    let api = Api::start().await;
    // "List pass templates": {"pass_templates": [{id, name, platform, style, counts, dates}]}.
    let (status, body) = api.call(Method::GET, "/pass_templates", None).await;
    assert_eq!(status, 200);
    let list = body["pass_templates"].as_array().unwrap();
    assert_eq!(list.len(), 1, "only the caller's templates: {body}");
    assert_eq!(list[0]["id"], DEMO_TEMPLATE_ID);
    assert_eq!(list[0]["name"], "Loyalty Card");
    assert_eq!(list[0]["platform"], "apple");
    assert_eq!(list[0]["style"], "storeCard");
    assert_eq!(list[0]["issuedPassCount"], 1);
    assert_eq!(list[0]["installedPassCount"], 1);
    assert_eq!(list[0]["createdAt"], "2024-01-15T10:30:00Z");
    assert_eq!(list[0]["updatedAt"], "2024-03-20T14:45:00Z");

    // "Get a pass template".
    let (status, body) = api
        .call(
            Method::GET,
            &format!("/pass_templates/{DEMO_TEMPLATE_ID}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"id": DEMO_TEMPLATE_ID, "name": "Loyalty Card", "platform": "apple",
               "style": "storeCard", "issuedPassCount": 1, "installedPassCount": 1})
    );
    let (status, body) = api
        .call(
            Method::GET,
            &format!("/pass_templates/{OTHER_TEMPLATE_ID}"),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (404, "MR1"));

    // "Create a pass template": 201, id ptk_0x216.
    let (status, body) = api
        .call(
            Method::POST,
            "/pass_templates",
            Some(json!({"name": "Loyalty Card", "platform": "apple", "style": "storeCard"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"], "ptk_0x216");
    assert_eq!(body["issuedPassCount"], 0);
    assert!(body["createdAt"].is_string());

    for bad in [
        json!({"name": "x".repeat(121), "platform": "apple", "style": "storeCard"}),
        json!({"name": "n", "platform": "android", "style": "storeCard"}),
        json!({"name": "n", "platform": "apple", "style": "giftCard"}),
        json!({"name": "n", "platform": "both", "style": "transit"}),
        json!({"platform": "apple", "style": "storeCard"}),
    ] {
        let (status, body) = api.call(Method::POST, "/pass_templates", Some(bad)).await;
        assert_eq!(status, 400, "{body}");
    }
    let (status, _) = api
        .call(
            Method::POST,
            "/pass_templates",
            Some(json!({"name": "n", "platform": "google", "style": "giftCard"})),
        )
        .await;
    assert_eq!(status, 201);

    // "Delete a pass template": 204, then the id is invalid.
    let (status, body) = api
        .call(Method::DELETE, "/pass_templates/ptk_0x216", None)
        .await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, body) = api
        .call(Method::GET, "/pass_templates/ptk_0x216", None)
        .await;
    assert_eq!((status, code(&body)), (404, "MR1"));
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/pass_templates/{OTHER_TEMPLATE_ID}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn pass_lifecycle_follows_the_doc() {
    let api = Api::start().await;
    // "Create a new pass" example response: {id, passTemplate, serialNumber, urls.landing}.
    let (status, body) = api
        .call(
            Method::POST,
            "/passes",
            Some(json!({"passTemplate": DEMO_TEMPLATE_ID,
                        "pass": {"member.level": "silver", "discount": "50%", "member.name": "John"}})),
        )
        .await;
    assert_eq!(status, 200);
    let serial = body["id"].as_str().unwrap().to_owned();
    assert_eq!(serial.len(), 18);
    assert!(serial.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        body,
        json!({"id": serial, "passTemplate": DEMO_TEMPLATE_ID, "serialNumber": serial,
               "urls": {"landing": format!("https://i.installpass.es/p/{serial}")}})
    );
    let path = format!("/passes/{DEMO_TEMPLATE_ID}/{serial}");

    // "Get a pass": the values under `pass`.
    let (status, body) = api.call(Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["pass"],
        json!({"member.name": "John", "member.level": "silver", "discount": "50%"})
    );
    assert_eq!(body["serialNumber"], serial.as_str());

    // "Patch a pass": only member.name changes.
    let (status, body) = api
        .call(
            Method::PATCH,
            &path,
            Some(json!({"pass": {"member.name": "Ted"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], serial.as_str());
    assert!(body.get("pass").is_none());
    let (_, body) = api.call(Method::GET, &path, None).await;
    assert_eq!(
        body["pass"],
        json!({"member.name": "Ted", "member.level": "silver", "discount": "50%"})
    );

    // "Update a pass": keys left out revert to the template defaults.
    let (status, _) = api
        .call(
            Method::PUT,
            &path,
            Some(json!({"pass": {"member.name": "John"}})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = api.call(Method::GET, &path, None).await;
    assert_eq!(
        body["pass"],
        json!({"member.name": "John", "member.level": "silver", "discount": "0%"})
    );

    // Errors: MI1 for keys outside the schema; nothing changes.
    let (status, body) = api
        .call(Method::PATCH, &path, Some(json!({"pass": {"points": "5"}})))
        .await;
    assert_eq!((status, code(&body)), (400, "MI1"));
    let (status, body) = api
        .call(
            Method::POST,
            "/passes",
            Some(json!({"passTemplate": DEMO_TEMPLATE_ID, "pass": {"nope": "x"}})),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "MI1"));
    let (status, body) = api
        .call(
            Method::POST,
            "/passes",
            Some(json!({"passTemplate": "ptk_0xfff", "pass": {}})),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "MR1"));

    // "Delete a pass": the serial as a JSON string; then MR2 everywhere.
    let (status, body) = api.call(Method::DELETE, &path, None).await;
    assert_eq!((status, body), (200, json!(serial)));
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = api.call(method, &path, None).await;
        assert_eq!((status, code(&body)), (404, "MR2"));
    }
    let (status, body) = api
        .call(
            Method::PATCH,
            &path,
            Some(json!({"pass": {"member.name": "x"}})),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "MR2"));
}

#[tokio::test]
async fn doc_get_example_and_legacy_pass_type_key() {
    let api = Api::start().await;
    // "Get a pass" example response.
    let (status, body) = api
        .call(
            Method::GET,
            &format!("/passes/{DEMO_TEMPLATE_ID}/{DEMO_SERIAL}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"id": DEMO_SERIAL, "passTemplate": DEMO_TEMPLATE_ID, "serialNumber": DEMO_SERIAL,
               "urls": {"landing": format!("https://i.installpass.es/p/{DEMO_SERIAL}")},
               "pass": {"member.name": "John", "member.level": "gold", "discount": "100%"}})
    );
    // The older `passType` key the Python and JS SDKs send.
    let (status, body) = api
        .call(
            Method::POST,
            "/passes",
            Some(json!({"passType": DEMO_TEMPLATE_ID, "pass": {"member.name": "Ann"}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The SDKs' required keys: GET /passtypes/keys/{template} -> {"keys": [...]}.
    let (status, body) = api
        .call(
            Method::GET,
            &format!("/passtypes/keys/{DEMO_TEMPLATE_ID}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["keys"],
        json!(["member.name", "member.level", "discount"])
    );
}

#[tokio::test]
async fn recipients_are_validated_and_reported() {
    let api = Api::start().await;
    let (status, body) = api
        .call(
            Method::POST,
            "/passes",
            Some(json!({"passTemplate": DEMO_TEMPLATE_ID, "pass": {"member.name": "Jo"},
                        "recipient": {"name": "Jo", "sms": "+15613437899", "email": "support@passninja.com",
                                      "message": "Hi @name, @account sent you this pass @url"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["message_status"], "sent");
    let serial = body["id"].as_str().unwrap();
    let (_, list) = api
        .call(
            Method::GET,
            &format!("/passes/{DEMO_TEMPLATE_ID}?search={serial}"),
            None,
        )
        .await;
    assert_eq!(
        list["passes"][0]["recipient"],
        json!({"sms": "+15613437899", "email": "support@passninja.com"})
    );
    // "List passes": recipient is null when the pass was not sent (a name alone sends nothing),
    // and there is no message_status.
    let (status, body) = api
        .call(
            Method::POST,
            "/passes",
            Some(
                json!({"passTemplate": DEMO_TEMPLATE_ID, "pass": {}, "recipient": {"name": "Jo"}}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("message_status").is_none(), "{body}");
    let serial = body["id"].as_str().unwrap();
    let (_, list) = api
        .call(
            Method::GET,
            &format!("/passes/{DEMO_TEMPLATE_ID}?search={serial}"),
            None,
        )
        .await;
    assert_eq!(list["passes"][0]["recipient"], Value::Null, "{list}");
    for recipient in [
        json!({"sms": "+15613437899"}),
        json!({"name": "Jo", "sms": "5613437899"}),
        json!({"name": "Jo", "email": "nope"}),
    ] {
        let (status, _) = api
            .call(
                Method::POST,
                "/passes",
                Some(json!({"passTemplate": DEMO_TEMPLATE_ID, "pass": {}, "recipient": recipient})),
            )
            .await;
        assert_eq!(status, 400);
    }
}

#[tokio::test]
async fn list_paginates_and_searches() {
    let api = Api::start().await;
    let mut serials = vec![DEMO_SERIAL.to_owned()];
    for i in 0..11 {
        serials.push(create_demo_pass(&api, json!({"member.name": format!("m{i}")})).await);
    }
    // "List passes" without page: every pass, no meta.
    let (status, body) = api
        .call(Method::GET, &format!("/passes/{DEMO_TEMPLATE_ID}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["passes"].as_array().unwrap().len(), 12);
    assert!(body.get("meta").is_none());
    let first = &body["passes"][0];
    assert_eq!(first["id"], DEMO_SERIAL);
    assert_eq!(first["issuedDate"], "2024-04-23T10:15:00Z");
    assert_eq!(first["installedDate"], "2024-04-23T14:30:00Z");
    assert_eq!(first["status"], "Active");
    assert_eq!(body["passes"][1]["installedDate"], Value::Null);
    assert_eq!(body["passes"][1]["recipient"], Value::Null);

    // With page: meta {current_page, total_pages, total_count, per_page}; per_page defaults to 10.
    let (_, body) = api
        .call(
            Method::GET,
            &format!("/passes/{DEMO_TEMPLATE_ID}?page=2"),
            None,
        )
        .await;
    assert_eq!(
        body["meta"],
        json!({"current_page": 2, "total_pages": 2, "total_count": 12, "per_page": 10})
    );
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (_, body) = api
            .call(
                Method::GET,
                &format!("/passes/{DEMO_TEMPLATE_ID}?page={page}&per_page=5"),
                None,
            )
            .await;
        for p in body["passes"].as_array().unwrap() {
            seen.push(p["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(seen, serials);
    let (status, _) = api
        .call(
            Method::GET,
            &format!("/passes/{DEMO_TEMPLATE_ID}?page=0"),
            None,
        )
        .await;
    assert_eq!(status, 400);

    // Search: case-insensitive partial match on the serial.
    let needle = serials[5][3..9].to_uppercase();
    let (_, body) = api
        .call(
            Method::GET,
            &format!("/passes/{DEMO_TEMPLATE_ID}?page=1&per_page=10&search={needle}"),
            None,
        )
        .await;
    let found: Vec<&str> = body["passes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(found.contains(&serials[5].as_str()), "{body}");
    assert!(found.iter().all(|s| s.contains(&needle.to_lowercase())));

    // Deleted passes leave the list.
    api.call(
        Method::DELETE,
        &format!("/passes/{DEMO_TEMPLATE_ID}/{}", serials[1]),
        None,
    )
    .await;
    let (_, body) = api
        .call(Method::GET, &format!("/passes/{DEMO_TEMPLATE_ID}"), None)
        .await;
    assert_eq!(body["passes"].as_array().unwrap().len(), 11);
    // Pages after a delete from the middle: issue order, exact totals, nothing skipped.
    let (_, body) = api
        .call(
            Method::GET,
            &format!("/passes/{DEMO_TEMPLATE_ID}?page=2&per_page=5"),
            None,
        )
        .await;
    let page: Vec<&str> = body["passes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(page, serials[6..11]);
    assert_eq!(body["meta"]["total_count"], 11);
    assert_eq!(body["meta"]["total_pages"], 3);
}

#[tokio::test]
async fn install_uninstall_and_expire_show_in_the_list() {
    let api = Api::start().await;
    // "List passes": status (Active, Removed, Expired, or N/A) and installedDate (null if not
    // installed).
    let serial = create_demo_pass(&api, json!({})).await;
    let status_of = |body: &Value| {
        body["passes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == serial.as_str())
            .map(|p| (p["status"].clone(), p["installedDate"].is_string()))
            .unwrap()
    };
    let list = format!("/passes/{DEMO_TEMPLATE_ID}");
    assert_eq!(
        status_of(&api.call(Method::GET, &list, None).await.1),
        (json!("Active"), false)
    );
    assert!(api.sim.install(DEMO_TEMPLATE_ID, &serial));
    assert_eq!(
        status_of(&api.call(Method::GET, &list, None).await.1),
        (json!("Active"), true)
    );
    assert!(api.sim.uninstall(DEMO_TEMPLATE_ID, &serial));
    assert_eq!(
        status_of(&api.call(Method::GET, &list, None).await.1),
        (json!("Removed"), true)
    );
    assert!(api.sim.expire(DEMO_TEMPLATE_ID, &serial));
    assert_eq!(
        status_of(&api.call(Method::GET, &list, None).await.1),
        (json!("Expired"), true)
    );
}

#[tokio::test]
async fn raw_and_decrypt() {
    let api = Api::start().await;
    // "append /raw": the Apple property names and structure.
    let (status, body) = api
        .call(
            Method::GET,
            &format!("/passes/{DEMO_TEMPLATE_ID}/{DEMO_SERIAL}/raw"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["serialNumber"], DEMO_SERIAL);
    assert_eq!(
        body["storeCard"]["primaryFields"],
        json!([{"key": "member.name", "label": "Member", "value": "John"}])
    );
    // "Decrypt a pass" curl example.
    let payload = "55166a9700250a8c51382dd16822b0c763136090b91099c16385f2961b7d9392d31b386cae133dca1b2faf10e93a1f8f26343ef56c4b35d5bf6cb8cd9ff45177e1ea070f0d4fe88887";
    let (status, body) = api
        .call(
            Method::POST,
            &format!("/passes/{DEMO_TEMPLATE_ID}/decrypt"),
            Some(json!({"payload": payload})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["decrypted"].is_string());
    let (status, body) = api
        .call(
            Method::POST,
            &format!("/passes/{DEMO_TEMPLATE_ID}/decrypt"),
            Some(json!({"payload": "not hex"})),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "MI1"));
    // IP1: not an Apple template.
    let (_, created) = api
        .call(
            Method::POST,
            "/pass_templates",
            Some(json!({"name": "G", "platform": "google", "style": "generic"})),
        )
        .await;
    let (status, body) = api
        .call(
            Method::POST,
            &format!("/passes/{}/decrypt", created["id"].as_str().unwrap()),
            Some(json!({"payload": "55166a97"})),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "IP1"));
}

#[tokio::test]
async fn created_templates_start_empty_until_fields_are_defined() {
    let api = Api::start().await;
    // "Create a pass template": "The created template starts empty"; keys outside the schema
    // are MI1 ("Errors: Standard codes").
    let (_, created) = api
        .call(
            Method::POST,
            "/pass_templates",
            Some(json!({"name": "Coupon", "platform": "both", "style": "coupon"})),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let (status, body) = api
        .call(
            Method::POST,
            "/passes",
            Some(json!({"passTemplate": id, "pass": {"offer": "10%"}})),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "MI1"));
    assert!(api.sim.define_fields(
        id,
        vec![TemplateField {
            key: "offer".into(),
            label: "Offer".into(),
            placement: FieldPlacement::Primary,
            default: "none".into(),
        }]
    ));
    let (status, _) = api
        .call(
            Method::POST,
            "/passes",
            Some(json!({"passTemplate": id, "pass": {"offer": "10%"}})),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn rate_limit_answers_rl1_with_retry_after() {
    // "Errors: Standard codes": RL1 429 "Rate limit exceeded".
    let api = Api::with(SimConfig {
        rps: Some(1.0),
        ..SimConfig::default()
    })
    .await;
    let (status, _) = api.call(Method::GET, "/pass_templates", None).await;
    assert_eq!(status, 200);
    let res = api
        .req(Method::GET, "/pass_templates")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body), "RL1");
    assert_eq!(api.sim.log().len(), 2);
}

#[tokio::test]
async fn injected_faults_answer_ge77() {
    // "Errors: Standard codes": GE77 500 "Generic Error".
    let api = Api::with(SimConfig {
        fault_rate: 1.0,
        ..SimConfig::default()
    })
    .await;
    let (status, body) = api.call(Method::GET, "/pass_templates", None).await;
    assert_eq!((status, code(&body)), (500, "GE77"));
}

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, Value)>>>);

/// A local receiver answering `status` to every delivery.
async fn receiver(status: StatusCode) -> (String, Received) {
    let received = Received::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let sink = sink.clone();
            async move {
                sink.0.lock().unwrap().push((headers, body.0));
                (status, "{\"ok\":true}")
            }
        }),
    );
    // The doc refuses http:// receivers, so the receiver serves https with a certificate the
    // simulator was told to trust.
    let (base, _server) = tls().identity().serve_loopback(app).await.unwrap();
    (format!("{base}/hook"), received)
}

/// The test CA and receiver certificate, made once per test binary.
fn tls() -> &'static walletpass_sim::tls::TestTls {
    static TLS: std::sync::OnceLock<walletpass_sim::tls::TestTls> = std::sync::OnceLock::new();
    TLS.get_or_init(|| walletpass_sim::tls::TestTls::generate().unwrap())
}

async fn wait_for(mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not reached in time");
}

#[tokio::test]
async fn webhook_subscriptions_are_validated() {
    let api = Api::start().await;
    // "Create a webhook subscription" request body table (https url, non-empty
    // subscribed_events, name <= 120 chars, auth_method "mtls" answers 501) and "Event types"
    // (validated against ^pn\.[a-z][a-z_]*\.[a-z][a-z_]*$, rejected with HTTP 400).
    let ok = json!({"name": "h", "url": "https://example.com/passninja/webhook",
                    "subscribed_events": ["pn.pass.installed", "pn.pass.uninstalled"]});
    let mut cases = Vec::new();
    for (key, value) in [
        ("url", json!("http://example.com/hook")),
        // "Absolute https:// URL. http:// is rejected." -- loopback included.
        ("url", json!("http://127.0.0.1:9/hook")),
        ("url", json!("not a url")),
        ("subscribed_events", json!([])),
        ("subscribed_events", json!(["pass.installed"])),
        ("subscribed_events", json!(["pn.Pass.installed"])),
        ("name", json!("x".repeat(121))),
        ("auth_method", json!("basic")),
    ] {
        let mut body = ok.clone();
        body[key] = value;
        cases.push((body, 400));
    }
    let mut mtls = ok.clone();
    mtls["auth_method"] = json!("mtls");
    cases.push((mtls, 501));
    for (body, expected) in cases {
        let (status, answer) = api
            .call(Method::POST, "/webhooks", Some(body.clone()))
            .await;
        assert_eq!(status, expected, "{body} -> {answer}");
    }
    let mut scoped = ok.clone();
    scoped["pass_template"] = json!("ptk_0xfff");
    let (status, body) = api.call(Method::POST, "/webhooks", Some(scoped)).await;
    assert_eq!((status, code(&body)), (404, "MR1"));
    // Reserved types are accepted.
    let mut reserved = ok.clone();
    reserved["subscribed_events"] = json!(["pn.pass.scanned", "pn.template.published"]);
    let (status, _) = api.call(Method::POST, "/webhooks", Some(reserved)).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn webhook_subscription_lifecycle_and_deliveries() {
    let api = Api::start().await;
    let (url, received) = receiver(StatusCode::OK).await;
    // "Create a webhook subscription": 201, the token only here.
    let (status, created) = api
        .call(
            Method::POST,
            "/webhooks",
            Some(json!({"name": "Production install handler", "url": url,
                        "subscribed_events": ["pn.pass.installed", "pn.pass.updated"]})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["id"], "47");
    assert_eq!(created["auth_method"], "bearer_token");
    assert_eq!(created["pass_template"], Value::Null);
    assert_eq!(created["active"], true);
    let token = created["bearer_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("wbk_"));

    // "Get a webhook subscription": same row, never the token.
    let (status, row) = api.call(Method::GET, "/webhooks/47", None).await;
    assert_eq!(status, 200);
    assert!(row.get("bearer_token").is_none());
    let mut without = created.clone();
    without.as_object_mut().unwrap().remove("bearer_token");
    assert_eq!(row, without);

    // A scoped one, newest first in the list, filterable by pass_template.
    let (_, scoped) = api
        .call(
            Method::POST,
            "/webhooks",
            Some(json!({"name": "scoped", "url": "https://example.com/x",
                        "subscribed_events": ["pn.pass.uninstalled"], "pass_template": DEMO_TEMPLATE_ID})),
        )
        .await;
    let (_, list) = api.call(Method::GET, "/webhooks?per_page=20", None).await;
    assert_eq!(list["webhooks"][0]["id"], scoped["id"]);
    assert_eq!(list["total"], 2);
    assert_eq!(list["per_page"], 20);
    let (_, list) = api
        .call(
            Method::GET,
            &format!("/webhooks?pass_template={DEMO_TEMPLATE_ID}"),
            None,
        )
        .await;
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 1);
    let (_, list) = api.call(Method::GET, "/webhooks?per_page=500", None).await;
    assert_eq!(list["per_page"], 100);

    // A PATCH fires pn.pass.updated as a CloudEvents envelope with the bearer token.
    let path = format!("/passes/{DEMO_TEMPLATE_ID}/{DEMO_SERIAL}");
    api.call(
        Method::PATCH,
        &path,
        Some(json!({"pass": {"member.name": "Ted"}})),
    )
    .await;
    wait_for(|| received.0.lock().unwrap().len() == 1).await;
    let (headers, event) = received.0.lock().unwrap()[0].clone();
    assert_eq!(headers["authorization"], format!("Bearer {token}").as_str());
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(event["type"], "pn.pass.updated");
    assert_eq!(
        event["source"],
        "https://api.passninja.com/accounts/aid_0xa01"
    );
    assert_eq!(event["datacontenttype"], "application/json");
    assert_eq!(event["pnattempt"], 1);
    assert_eq!(event["data"]["pass_template"], DEMO_TEMPLATE_ID);
    assert_eq!(event["data"]["pass_id"], DEMO_SERIAL);
    assert_eq!(event["data"]["metadata"]["member.name"], "Ted");
    assert!(event["id"].as_str().unwrap().len() >= 32);

    // A wallet install fires pn.pass.installed.
    assert!(api.sim.install(DEMO_TEMPLATE_ID, DEMO_SERIAL));
    wait_for(|| received.0.lock().unwrap().len() == 2).await;
    assert_eq!(received.0.lock().unwrap()[1].1["type"], "pn.pass.installed");

    // "Inspect delivery history": a row is written once the receiver has answered.
    wait_for(|| {
        let rows = api.sim.webhook_results();
        rows.iter().filter(|r| r["webhook_id"] == "47").count() == 2
    })
    .await;
    let (status, results) = api.call(Method::GET, "/webhooks/47/results", None).await;
    assert_eq!(status, 200);
    assert_eq!(results["total"], 2);
    assert_eq!(results["page"], 1);
    assert_eq!(results["per_page"], 50);
    let row = &results["webhook_results"][0];
    assert_eq!(row["webhook_id"], "47");
    assert_eq!(row["url"], url.as_str());
    assert_eq!(row["response_status"], 200);
    assert_eq!(row["response_body"], "{\"ok\":true}");
    assert_eq!(row["success"], true);
    assert_eq!(row["attempt"], 1);

    // "Delete a webhook subscription": 204, then 404.
    let (status, _) = api.call(Method::DELETE, "/webhooks/47", None).await;
    assert_eq!(status, 204);
    let (status, _) = api.call(Method::GET, "/webhooks/47", None).await;
    assert_eq!(status, 404);
    let (status, _) = api.call(Method::GET, "/webhooks/47/results", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_same_id() {
    let api = Api::start().await;
    // "Retry policy": retries reuse the same CloudEvents id and data; only pnattempt increments;
    // every attempt is a row of "Inspect delivery history".
    let (url, received) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    let (_, created) = api
        .call(
            Method::POST,
            "/webhooks",
            Some(json!({"name": "failing", "url": url, "subscribed_events": ["pn.pass.updated"]})),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    api.call(
        Method::PUT,
        &format!("/passes/{DEMO_TEMPLATE_ID}/{DEMO_SERIAL}"),
        Some(json!({"pass": {"member.name": "Z"}})),
    )
    .await;
    // The test options allow 3 attempts.
    wait_for(|| received.0.lock().unwrap().len() == 3).await;
    let events: Vec<Value> = received
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.1.clone())
        .collect();
    assert_eq!(
        events
            .iter()
            .map(|e| e["pnattempt"].clone())
            .collect::<Vec<_>>(),
        vec![json!(1), json!(2), json!(3)]
    );
    assert!(
        events
            .iter()
            .all(|e| e["id"] == events[0]["id"] && e["data"] == events[0]["data"])
    );
    wait_for(|| api.sim.webhook_results().len() == 3).await;
    let (_, results) = api
        .call(Method::GET, &format!("/webhooks/{id}/results"), None)
        .await;
    let rows = results["webhook_results"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r["success"] == false && r["response_status"] == 500)
    );
}

#[tokio::test]
async fn deviations_change_behaviour() {
    let mut config = SimConfig::default();
    config.deviations.insert(Deviation::DeletedAnswers200);
    config.deviations.insert(Deviation::IgnorePatch);
    config.deviations.insert(Deviation::WrongErrorForBadKey);
    let api = Api::with(config).await;
    let serial = create_demo_pass(&api, json!({"member.name": "A"})).await;
    let path = format!("/passes/{DEMO_TEMPLATE_ID}/{serial}");
    api.call(
        Method::PATCH,
        &path,
        Some(json!({"pass": {"member.name": "B"}})),
    )
    .await;
    let (_, body) = api.call(Method::GET, &path, None).await;
    assert_eq!(body["pass"]["member.name"], "A");
    let (_, body) = api
        .call(Method::PATCH, &path, Some(json!({"pass": {"bad": "B"}})))
        .await;
    assert_ne!(code(&body), "MI1");
    api.call(Method::DELETE, &path, None).await;
    let (status, _) = api.call(Method::GET, &path, None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn banner_starts_with_the_base_url() {
    let sim = passninja::start(SimConfig::default()).await.unwrap();
    let banner = passninja::banner(&sim);
    assert_eq!(banner.lines().next(), Some(sim.base_url()));
    assert!(banner.contains(DEMO_API_KEY) && banner.contains(DEMO_ACCOUNT_ID));
    assert!(sim.base_url().starts_with("http://127.0.0.1:") && sim.base_url().ends_with("/v1"));
}

#[tokio::test]
async fn seed_files_add_templates_and_passes() {
    let file = std::env::temp_dir().join(format!("passninja-seed-{}.json", std::process::id()));
    std::fs::write(
        &file,
        json!({
            "templates": [{"id": "demo.coupon", "account": DEMO_ACCOUNT_ID, "name": "Coupon",
                           "platform": "apple", "style": "coupon",
                           "fields": [{"key": "memberName", "label": "Member", "placement": "primary"}]}],
            "passes": [{"serial": "2dcf7187-4eea-42a2-aabe-d7ca5a78f3dd", "template": "demo.coupon",
                        "values": {"memberName": "Tasio Victoria"}, "status": "N/A"}]
        })
        .to_string(),
    )
    .unwrap();
    let sim = passninja::start_with_seed_file(SimConfig::default(), &file)
        .await
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    let http = Client::new();
    let get = |path: &str| {
        http.get(format!("{}{path}", sim.base_url()))
            .header("X-API-KEY", DEMO_API_KEY)
            .header("X-ACCOUNT-ID", DEMO_ACCOUNT_ID)
    };
    let (status, body) = answer(get(
        "/passes/demo.coupon/2dcf7187-4eea-42a2-aabe-d7ca5a78f3dd",
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["pass"], json!({"memberName": "Tasio Victoria"}));
    let (_, list) = answer(get("/passes/demo.coupon")).await;
    assert_eq!(list["passes"][0]["status"], "N/A");
    // The demo data is still there.
    let (status, _) = answer(get(&format!("/passes/{DEMO_TEMPLATE_ID}/{DEMO_SERIAL}"))).await;
    assert_eq!(status, 200);

    let bad = std::env::temp_dir().join(format!("passninja-bad-seed-{}.json", std::process::id()));
    std::fs::write(&bad, "{\"templatez\": []}").unwrap();
    let err = passninja::start_with_seed_file(SimConfig::default(), &bad)
        .await
        .unwrap_err();
    std::fs::remove_file(&bad).unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn the_conformance_seed_adds_its_template() {
    let options = PassNinjaOptions {
        seed: Some(Arc::new(passninja::conformance_seed())),
        ..PassNinjaOptions::default()
    };
    let sim = passninja::launch(SimConfig::default(), options)
        .await
        .unwrap();
    let api = Api {
        sim,
        http: Client::new(),
    };
    let (status, body) = api
        .call(
            Method::GET,
            &format!("/passtypes/keys/{}", passninja::CONFORMANCE_TEMPLATE_ID),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["keys"], json!(["member", "points", "tier"]));
}

#[tokio::test]
async fn debug_output_never_shows_bearer_tokens_or_api_keys() {
    // "Create a webhook subscription": the token "appears here and nowhere else".
    let api = Api::start().await;
    let (status, created) = api
        .call(
            Method::POST,
            "/webhooks",
            Some(
                json!({"name": "h", "url": "https://example.com/passninja/webhook",
                        "subscribed_events": ["pn.pass.installed"]}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    let token = created["bearer_token"].as_str().unwrap();
    let shown = format!("{:?}", api.sim);
    assert!(shown.contains("example.com"), "{shown}");
    assert!(!shown.contains(token), "{shown}");
    // The accounts' keys (the other account's was never sent, so the request log holds none).
    assert!(!shown.contains(passninja::OTHER_API_KEY), "{shown}");
}

#[tokio::test]
async fn every_error_answer_is_json() {
    // "Update a Pass from a Klaviyo Flow", Method 2: `if (!response.ok) { await
    // response.json() }`, so every error answer must be JSON, a wrong method included.
    let api = Api::start().await;
    for (method, path) in [
        (Method::POST, format!("/passes/{DEMO_TEMPLATE_ID}")),
        (Method::PUT, "/pass_templates".to_owned()),
        (Method::GET, "/no/such/endpoint".to_owned()),
        (Method::GET, "/passes/%FF/%FE".to_owned()),
        (Method::GET, format!("/passes/{DEMO_TEMPLATE_ID}?page=%FF")),
    ] {
        let res = api.req(method.clone(), &path).send().await.unwrap();
        let status = res.status().as_u16();
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{method} {path}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["status_code"], status, "{method} {path}");
    }
}
