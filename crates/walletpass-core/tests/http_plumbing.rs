//! The shared HTTP plumbing against wiremock: retries, `Retry-After`, idempotency, the rate
//! limiter, the loopback rule and secret redaction.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::{Duration, Instant};

use secrecy::SecretString;
use walletpass_core::http::{AuthHeaders, HttpClient, Method, RetryPolicy};
use walletpass_core::{ErrorKind, Operation};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SECRET: &str = "sk_live_do_not_print_me";

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_backoff: Duration::from_millis(50),
        ..RetryPolicy::quick()
    }
}

fn client(server: &MockServer) -> HttpClient {
    HttpClient::builder("test")
        .base_url(format!("{}/v1", server.uri()))
        .auth(
            AuthHeaders::new()
                .with("x-api-key", SecretString::from(SECRET))
                .unwrap(),
        )
        .retry(fast_retry())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// Answers each request with the next template in turn (the last one repeats).
struct Sequence(Vec<ResponseTemplate>, std::sync::atomic::AtomicUsize);

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let i = self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.0[i.min(self.0.len() - 1)].clone()
    }
}

fn sequence(templates: Vec<ResponseTemplate>) -> Sequence {
    Sequence(templates, Default::default())
}

#[tokio::test]
async fn a_503_is_retried_then_succeeds_with_auth_on_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/passes/abc"))
        .and(header("x-api-key", SECRET))
        .respond_with(sequence(vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let body: serde_json::Value = client(&server)
        .request(Operation::Get, Method::GET, &["passes", "abc"])
        .send_json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true);
}

#[tokio::test]
async fn retry_after_is_respected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            ResponseTemplate::new(200).set_body_string("{}"),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let started = Instant::now();
    client(&server)
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    // The second attempt may not come before the header's one second.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_after_beyond_the_budget_fails_fast_with_the_wait_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.status(), Some(429));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400u16, 404, 401, 422] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_string("nope"))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server)
            .request(Operation::Get, Method::GET, &["x"])
            .resource("x")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::from_status(status));
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.provider(), "test");
        assert_eq!(err.operation(), Some(Operation::Get));
        assert_eq!(err.resource(), Some("x"));
    }
}

#[tokio::test]
async fn a_timed_out_post_is_not_repeated_unless_marked_idempotent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let err = client(&server)
        .request(Operation::Create, Method::POST, &["passes"])
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(201).set_delay(Duration::from_secs(2)),
            ResponseTemplate::new(201).set_body_string("{}"),
        ]))
        .mount(&server)
        .await;
    client(&server)
        .request(Operation::Create, Method::POST, &["passes"])
        .json(&serde_json::json!({}))
        .idempotent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_post_answered_500_is_not_repeated_but_a_429_is() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let err = client(&server)
        .request(Operation::Create, Method::POST, &["passes"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(429),
            ResponseTemplate::new(201).set_body_string("{}"),
        ]))
        .mount(&server)
        .await;
    client(&server)
        .request(Operation::Create, Method::POST, &["passes"])
        .send()
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_limiter_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let client = HttpClient::builder("test")
        .base_url(server.uri())
        .rate_limit(Some(20.0))
        .build()
        .unwrap();
    let started = Instant::now();
    for _ in 0..5 {
        client
            .request(Operation::Get, Method::GET, &["x"])
            .send()
            .await
            .unwrap();
    }
    // Five requests at 20/s with a burst of one need at least four 50 ms gaps.
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = HttpClient::builder("test")
        .base_url(format!("http://{addr}"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = client
        .request(Operation::Create, Method::POST, &["passes"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err = HttpClient::builder("test")
        .base_url("http://api.example.com/v1")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("https"), "{err}");
}

#[tokio::test]
async fn the_secret_never_appears_in_debug_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("bad key"))
        .mount(&server)
        .await;
    let client = client(&server);
    assert!(!format!("{client:?}").contains(SECRET));
    let err = client
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    for shown in [format!("{err}"), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
    }
}

#[tokio::test]
async fn the_backend_parser_shapes_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({"code": "MR2"})))
        .mount(&server)
        .await;
    let client = HttpClient::builder("test")
        .base_url(server.uri())
        .error_parser(
            |status: http::StatusCode, _: &http::HeaderMap, body: &[u8]| {
                let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
                walletpass_core::Error::new(ErrorKind::from_status(status.as_u16()), "parsed")
                    .with_vendor_code(v["code"].as_str().unwrap_or_default())
            },
        )
        .build()
        .unwrap();
    let err = client
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.vendor_code(), Some("MR2"));
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.message(), "parsed");
}

#[tokio::test]
async fn auth_headers_never_follow_a_redirect_to_another_origin() {
    // A redirect to another host or port must not carry the secret there: reqwest strips only
    // `Authorization` on such redirects, not `X-API-Key` and the like.
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/passes/abc"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/stolen", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .request(Operation::Get, Method::GET, &["passes", "abc"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(302));
    for request in elsewhere.received_requests().await.unwrap() {
        assert!(
            !request.headers.contains_key("x-api-key"),
            "the API key followed the redirect to {}",
            request.url
        );
    }
}

#[tokio::test]
async fn a_redirect_within_the_same_origin_is_followed_with_auth() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/old"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header("location", format!("{}/v1/new", server.uri())),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/new"))
        .and(header("x-api-key", SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let answer = client(&server)
        .request(Operation::Get, Method::GET, &["old"])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn an_absurd_retry_after_is_an_error_not_a_panic() {
    let server = MockServer::start().await;
    // Answered after more than a second, so that the elapsed time has whole seconds to add.
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", u64::MAX.to_string())
                .set_delay(Duration::from_millis(1100)),
        )
        .mount(&server)
        .await;
    let client = HttpClient::builder("test")
        .base_url(server.uri())
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = client
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_read() {
    let server = MockServer::start().await;
    let when = time::OffsetDateTime::now_utc() + time::Duration::seconds(30);
    let date = when
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", date.as_str()))
        .mount(&server)
        .await;
    let err = client(&server)
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap_err();
    let wait = err.retry_after().expect("the date was read");
    assert!(
        wait > Duration::from_secs(25) && wait <= Duration::from_secs(31),
        "{wait:?}"
    );
    // 30 s is past the 10 s budget: no second attempt.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn a_rate_below_what_a_duration_holds_is_a_config_error() {
    for rps in [1e-30, f64::MIN_POSITIVE] {
        let err = HttpClient::builder("test")
            .base_url("https://api.example.com")
            .rate_limit(Some(rps))
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("rate_limit"), "{err}");
    }
}

#[test]
fn an_auth_header_name_is_checked_not_trusted() {
    let auth = AuthHeaders::new()
        .with("X-API-Key", SecretString::from(SECRET))
        .unwrap();
    assert_eq!(auth.names().collect::<Vec<_>>(), ["x-api-key"]);
    let err = AuthHeaders::new()
        .with("x api key", SecretString::from(SECRET))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("x api key"), "{err}");
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn an_attempt_never_runs_past_the_budget() {
    // RetryPolicy::budget: "The most time one call may spend, waits included".
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{}")
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let client = HttpClient::builder("test")
        .base_url(server.uri())
        .timeout(Duration::from_secs(10))
        .retry(RetryPolicy {
            budget: Duration::from_millis(400),
            ..fast_retry()
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn credentials_in_a_base_url_are_refused_without_being_repeated() {
    // DESIGN §6: secrets never in Debug, logs or errors; a URL password would be in all three.
    for url in [
        "https://user:s3cr3t-pw@api.example.com/v1",
        "http://user:s3cr3t-pw@api.example.com/v1",
        "http://s3cr3t-pw@127.0.0.1:8080/v1",
    ] {
        let err = HttpClient::builder("test")
            .base_url(url)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        for shown in [format!("{err}"), format!("{err:?}")] {
            assert!(shown.contains("base_url"), "{shown}");
            assert!(!shown.contains("s3cr3t-pw"), "{shown}");
        }
    }
}

#[tokio::test]
async fn an_undecodable_answer_is_quoted_without_its_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "id": 47,
            "hook": {"bearer_token": "wbk_do_not_leak", "signingSecret": "whsec_do_not_leak"}
        })))
        .mount(&server)
        .await;
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)] // only decoded, to fail
    struct Expected {
        id: String,
    }
    let err = client(&server)
        .request(Operation::CreateWebhook, Method::POST, &["webhooks"])
        .send_json::<Expected>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("do_not_leak"), "{shown}");
    assert!(
        shown.contains("[REDACTED]") && shown.contains("47"),
        "{shown}"
    );
}

/// An error returned after every attempt the policy allows is marked exhausted, so that a
/// retry loop above the client (the migration's) gives up instead of multiplying the attempts;
/// an error the client did not retry (a client error, a non-idempotent POST) is not.
#[tokio::test]
async fn an_error_past_every_allowed_attempt_is_marked_exhausted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(4)
        .mount(&server)
        .await;
    let err = client(&server)
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(err.is_retryable() && err.is_exhausted(), "{err:?}");
    assert!(format!("{err:?}").contains("exhausted"), "{err:?}");

    for (status, verb) in [(404u16, Method::GET), (503, Method::POST)] {
        let server = MockServer::start().await;
        Mock::given(method(verb.as_str()))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server)
            .request(Operation::Create, verb, &["x"])
            .send()
            .await
            .unwrap_err();
        assert!(!err.is_exhausted(), "{status}: {err:?}");
    }

    // A client that makes one attempt leaves retrying to its caller.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = HttpClient::builder("test")
        .base_url(format!("{}/v1", server.uri()))
        .retry(walletpass_core::http::RetryPolicy::none())
        .build()
        .unwrap()
        .request(Operation::Get, Method::GET, &["x"])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_retryable() && !err.is_exhausted(), "{err:?}");
}

/// `send_json_map` converts a decoded answer; an answer that does not decode is a `Decode`
/// error naming the provider and operation, and the conversion is not run; the conversion's own
/// error comes back as it is.
#[tokio::test]
async fn send_json_map_converts_decoded_answers_and_only_those() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/passes/good"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([1, 2, 3])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/passes/bad"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"not\": \"a list\"}"))
        .mount(&server)
        .await;
    let client = client(&server);
    let sum: u32 = client
        .request(Operation::Get, Method::GET, &["passes", "good"])
        .send_json_map(|items: Vec<u32>| Ok(items.iter().sum()))
        .await
        .unwrap();
    assert_eq!(sum, 6);

    let called = std::sync::atomic::AtomicBool::new(false);
    let err = client
        .request(Operation::Get, Method::GET, &["passes", "bad"])
        .send_json_map(|items: Vec<u32>| {
            called.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(items.len())
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.provider(), "test");
    assert_eq!(err.operation(), Some(Operation::Get));
    assert!(!called.load(std::sync::atomic::Ordering::SeqCst));

    let err = client
        .request(Operation::Get, Method::GET, &["passes", "good"])
        .send_json_map(|_: Vec<u32>| -> walletpass_core::Result<()> {
            Err(walletpass_core::Error::new(
                ErrorKind::Conflict,
                "converted badly",
            ))
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("converted badly"), "{err}");
}

#[tokio::test]
async fn every_request_carries_the_user_agent_and_accept_and_auth_wins_over_a_request_header() {
    let server = MockServer::start().await;
    // The defaults, as reqwest would add them: the user agent and `accept: */*`.
    Mock::given(method("GET"))
        .and(path("/v1/plain"))
        .and(header(
            "user-agent",
            concat!("walletpass/", env!("CARGO_PKG_VERSION")),
        ))
        .and(header("accept", "*/*"))
        .and(header("x-api-key", SECRET))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    // A request header replaces `accept` but not the auth header of the same name.
    Mock::given(method("GET"))
        .and(path("/v1/own"))
        .and(header("accept", "application/json"))
        .and(header("x-api-key", SECRET))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    client
        .request(Operation::Get, Method::GET, &["plain"])
        .send()
        .await
        .unwrap();
    client
        .request(Operation::Get, Method::GET, &["own"])
        .header(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        )
        .header(
            http::HeaderName::from_static("x-api-key"),
            http::HeaderValue::from_static("forged"),
        )
        .send()
        .await
        .unwrap();
    let seen = server.received_requests().await.unwrap();
    let values = |i: usize, name: &str| -> Vec<String> {
        seen[i]
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(values(1, "accept"), ["application/json"]);
    assert_eq!(values(1, "x-api-key"), [SECRET]);
    // A configured user agent is sent instead; one a header cannot carry is a config error.
    let agent = |agent: &str| {
        HttpClient::builder("test")
            .base_url(server.uri())
            .user_agent(agent)
            .build()
    };
    let err = agent("walletpass\nx").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("user_agent"), "{err}");
    Mock::given(method("GET"))
        .and(path("/mine"))
        .and(header("user-agent", "my-app/2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    agent("my-app/2")
        .unwrap()
        .request(Operation::Get, Method::GET, &["mine"])
        .send()
        .await
        .unwrap();
}
