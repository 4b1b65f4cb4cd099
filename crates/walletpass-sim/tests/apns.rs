//! The APNs simulator answers every documented status (apple-wallet.md §4, the table of APNs
//! replies) for the request that earns it, over HTTP/2 and TLS, and records only accepted
//! pushes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::Signer;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use walletpass_sim::apns::{self, ApnsOptions, PushAuth, RunningApns, TokenKey};

const TOPIC: &str = "pass.com.example.sim";
const TEAM: &str = "TEAM000001";

fn jwt(key: &p256::ecdsa::SigningKey, kid: &str, iss: &str, iat: i64) -> String {
    let header = Base64UrlUnpadded::encode_string(
        serde_json::json!({"alg": "ES256", "kid": kid})
            .to_string()
            .as_bytes(),
    );
    let claims = Base64UrlUnpadded::encode_string(
        serde_json::json!({"iss": iss, "iat": iat})
            .to_string()
            .as_bytes(),
    );
    let input = format!("{header}.{claims}");
    let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
    format!(
        "{input}.{}",
        Base64UrlUnpadded::encode_string(&sig.to_bytes())
    )
}

async fn sim(key: &p256::ecdsa::SigningKey, client_cert: Option<Vec<u8>>) -> RunningApns {
    apns::start(ApnsOptions {
        client_certificates: client_cert.into_iter().collect(),
        token_keys: vec![TokenKey {
            key_id: "KID1".into(),
            team_id: TEAM.into(),
            public_key_pem: key
                .verifying_key()
                .to_public_key_pem(LineEnding::LF)
                .unwrap(),
            topics: vec![TOPIC.into()],
        }],
    })
    .await
    .unwrap()
}

fn client(sim: &RunningApns, identity: Option<reqwest::Identity>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .http2_prior_knowledge()
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap());
    if let Some(id) = identity {
        b = b.identity(id);
    }
    b.build().unwrap()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn send(
    http: &reqwest::Client,
    sim: &RunningApns,
    token: &str,
    topic: Option<&str>,
    auth: Option<String>,
    body: &str,
) -> (u16, serde_json::Value) {
    let mut r = http
        .post(format!("{}/3/device/{token}", sim.url))
        .body(body.to_owned());
    if let Some(t) = topic {
        r = r.header("apns-topic", t);
    }
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    let response = r.send().await.unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// (device token, topic, authorization, body, expected status, expected reason).
type Case<'a> = (
    &'a str,
    Option<&'a str>,
    Option<String>,
    &'a str,
    u16,
    Option<&'a str>,
);

#[tokio::test]
async fn every_documented_answer_for_the_request_that_earns_it() {
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let sim = sim(&key, None).await;
    let http = client(&sim, None);
    let good = "a1".repeat(32);
    let (gone, bad) = ("b2".repeat(32), "c3".repeat(32));
    sim.state.unregister(&gone);
    sim.state.mark_bad(&bad);
    let bearer =
        |kid: &str, iss: &str, iat: i64| Some(format!("bearer {}", jwt(&key, kid, iss, iat)));
    let ok = || bearer("KID1", TEAM, now());
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(5000));
    // (device token, topic, authorization, body) -> (status, reason)
    let cases: Vec<Case<'_>> = vec![
        (&good, Some(TOPIC), ok(), "{}", 200, None),
        (
            &good,
            Some(TOPIC),
            None,
            "{}",
            403,
            Some("MissingProviderToken"),
        ),
        (
            &good,
            Some(TOPIC),
            bearer("OTHER", TEAM, now()),
            "{}",
            403,
            Some("InvalidProviderToken"),
        ),
        (
            &good,
            Some(TOPIC),
            bearer("KID1", "WRONGTEAM", now()),
            "{}",
            403,
            Some("InvalidProviderToken"),
        ),
        (
            &good,
            Some(TOPIC),
            bearer("KID1", TEAM, now() - 7200),
            "{}",
            403,
            Some("ExpiredProviderToken"),
        ),
        (&good, None, ok(), "{}", 400, Some("MissingTopic")),
        (
            &good,
            Some("pass.other"),
            ok(),
            "{}",
            400,
            Some("TopicDisallowed"),
        ),
        (
            "not-hex",
            Some(TOPIC),
            ok(),
            "{}",
            400,
            Some("BadDeviceToken"),
        ),
        (&good, Some(TOPIC), ok(), "[1]", 400, Some("BadPayload")),
        (&good, Some(TOPIC), ok(), &big, 413, Some("PayloadTooLarge")),
        (&gone, Some(TOPIC), ok(), "{}", 410, Some("Unregistered")),
        (&bad, Some(TOPIC), ok(), "{}", 400, Some("BadDeviceToken")),
    ];
    for (token, topic, auth, body, status, reason) in cases {
        let (s, b) = send(&http, &sim, token, topic, auth, body).await;
        assert_eq!(
            (s, b["reason"].as_str()),
            (status, reason),
            "{token} {topic:?} {body}"
        );
        if status == 410 {
            assert!(b["timestamp"].as_i64().unwrap() > 1_700_000_000_000);
        }
    }
    // The fault knobs answer valid pushes.
    sim.state.fail_next(1, 429);
    sim.state.fail_next(1, 500);
    for (status, reason) in [(429, "TooManyRequests"), (500, "InternalServerError")] {
        let (s, b) = send(&http, &sim, &good, Some(TOPIC), ok(), "{}").await;
        assert_eq!((s, b["reason"].as_str()), (status, Some(reason)));
    }

    // Only the accepted push is recorded.
    let pushes = sim.state.pushes();
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].device_token, good);
    assert_eq!(pushes[0].topic, TOPIC);
    assert_eq!(pushes[0].auth, PushAuth::Token("KID1".into()));
}

#[tokio::test]
async fn a_client_certificate_may_push_to_its_uid_topic_only() {
    use rcgen::{CertificateParams, DnType, KeyPair};
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(
        DnType::CustomDnType(vec![0, 9, 2342, 19200300, 100, 1, 1]),
        TOPIC,
    );
    params
        .distinguished_name
        .push(DnType::CommonName, format!("Pass Type ID: {TOPIC}"));
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let token_key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let sim = sim(&token_key, Some(cert.der().to_vec())).await;
    let identity =
        reqwest::Identity::from_pem(format!("{}\n{}", key.serialize_pem(), cert.pem()).as_bytes())
            .unwrap();
    let http = client(&sim, Some(identity));
    let good = "d4".repeat(32);
    let (s, _) = send(&http, &sim, &good, Some(TOPIC), None, "{}").await;
    assert_eq!(s, 200);
    let (s, b) = send(&http, &sim, &good, Some("pass.other"), None, "{}").await;
    assert_eq!((s, b["reason"].as_str()), (400, Some("TopicDisallowed")));
    assert_eq!(
        sim.state.pushes()[0].auth,
        PushAuth::Certificate(TOPIC.into())
    );

    // Another certificate is refused.
    let other_key = KeyPair::generate().unwrap();
    let other = CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .self_signed(&other_key)
        .unwrap();
    let stranger = client(
        &sim,
        Some(
            reqwest::Identity::from_pem(
                format!("{}\n{}", other_key.serialize_pem(), other.pem()).as_bytes(),
            )
            .unwrap(),
        ),
    );
    let (s, b) = send(&stranger, &sim, &good, Some(TOPIC), None, "{}").await;
    assert_eq!((s, b["reason"].as_str()), (403, Some("BadCertificate")));
}
