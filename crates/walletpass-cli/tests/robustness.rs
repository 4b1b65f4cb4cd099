//! Bad input fails closed through the built binary: empty webhook secrets are refused on every
//! backend, ids that would change a URL path are malformed before any request reaches a
//! simulator, a base URL that carries a password (or a query) is refused without repeating it,
//! and `webhooks sign` / `verify` need the secret alone, no API credentials.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::{Out, run, sim, write};

fn with(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `webhooks verify --headers H --body B` with `env`.
async fn verify(env: &[(String, String)], headers: &str, body: &str) -> Out {
    run(
        env,
        &["webhooks", "verify", "--headers", headers, "--body", body],
    )
    .await
}

fn all_output(out: &Out) -> String {
    format!("{}\n{}", out.stdout, out.stderr)
}

#[tokio::test]
async fn empty_webhook_secrets_are_refused_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    let body = write(dir.path(), "body.json", br#"{"id":"evt_1"}"#);
    let headers = write(
        dir.path(),
        "headers.txt",
        b"Authorization: Bearer \nX-Passinstance-Signature: t=1,v1=00\nwalletpass-signature: t=1,v1=00\n",
    );
    for provider in ["memory", "passninja", "passinstance"] {
        for secret in ["", "  "] {
            let by_flag = with(&[("WALLETPASS_PROVIDER", provider)]);
            let sign = run(
                &by_flag,
                &["webhooks", "sign", "--body", &body, "--secret", secret],
            )
            .await
            .expect(2);
            assert!(sign.stderr.contains("empty"), "{provider}: {sign:#?}");
            assert!(
                sign.stderr.contains("--secret")
                    && sign.stderr.contains("WALLETPASS_WEBHOOK_SECRET"),
                "{provider}: the hint names the flag and the variable: {sign:#?}"
            );
            assert!(
                sign.stdout.is_empty(),
                "{provider}: nothing signed: {sign:#?}"
            );
            let verify = [
                "webhooks",
                "verify",
                "--headers",
                &headers,
                "--body",
                &body,
                "--secret",
                secret,
            ];
            run(&by_flag, &verify).await.expect(2);
        }
        // The variable set but empty.
        let by_env = with(&[
            ("WALLETPASS_PROVIDER", provider),
            ("WALLETPASS_WEBHOOK_SECRET", ""),
        ]);
        let out = run(&by_env, &["webhooks", "sign", "--body", &body])
            .await
            .expect(2);
        assert!(out.stdout.is_empty(), "{provider}: {out:#?}");
        verify(&by_env, &headers, &body).await.expect(2);
    }
}

#[tokio::test]
async fn webhooks_create_refuses_an_empty_chosen_secret() {
    let sim = sim("passinstance").await;
    let before = sim.running.log().len();
    let mut env = sim.env.clone();
    env.push(("WALLETPASS_WEBHOOK_SECRET".into(), " ".into()));
    let out = run(
        &env,
        &[
            "webhooks",
            "create",
            "--url",
            "https://example.com/hook",
            "--event",
            "pass_updated",
            "--show-secret",
        ],
    )
    .await
    .expect(2);
    assert!(out.stderr.contains("empty"), "{out:#?}");
    assert_eq!(sim.running.log().len(), before, "no request was sent");
}

#[tokio::test]
async fn webhooks_sign_and_verify_need_only_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let bodies = [
        (
            "passninja",
            r#"{"specversion":"1.0","id":"e1","source":"https://api.passninja.com/accounts/aid_0xa01","type":"pn.pass.installed","pnattempt":1,"data":{"pass_template":"ptk_0x216","pass_id":"fee4a257185906b92a","metadata":null}}"#,
        ),
        (
            "passinstance",
            r#"{"id":"evt_1","type":"pass.voided","createdAt":"2026-01-01T00:00:00Z","data":{"id":"pass_1","templateId":"tpl_abcdef1234567890"}}"#,
        ),
    ];
    for (provider, body) in bodies {
        // No PASSNINJA_* or PASSINSTANCE_* credentials at all.
        let env = with(&[
            ("WALLETPASS_PROVIDER", provider),
            ("WALLETPASS_WEBHOOK_SECRET", "whsec_only_this"),
        ]);
        let body_file = write(dir.path(), &format!("{provider}.json"), body.as_bytes());
        let signed = run(&env, &["webhooks", "sign", "--body", &body_file])
            .await
            .expect(0);
        let headers = write(
            dir.path(),
            &format!("{provider}.headers"),
            signed.stdout.as_bytes(),
        );
        let event = verify(&env, &headers, &body_file).await.expect(0).json();
        assert_eq!(event["provider"], provider);
        let wrong = with(&[
            ("WALLETPASS_PROVIDER", provider),
            ("WALLETPASS_WEBHOOK_SECRET", "whsec_not_this"),
        ]);
        verify(&wrong, &headers, &body_file).await.expect(4);
    }
}

#[tokio::test]
async fn the_passinstance_scheme_is_set_by_variables() {
    let dir = tempfile::tempdir().unwrap();
    let body = br#"{"id":"evt_1","type":"pass.voided","createdAt":"2026-01-01T00:00:00Z","data":{"id":"pass_1"}}"#;
    let body_file = write(dir.path(), "body.json", body);
    let env = with(&[
        ("WALLETPASS_PROVIDER", "passinstance"),
        ("WALLETPASS_WEBHOOK_SECRET", "whsec_1"),
        ("PASSINSTANCE_WEBHOOK_SIGNATURE_HEADER", "X-Signature"),
        ("PASSINSTANCE_WEBHOOK_SIGNED_MESSAGE", "{body}"),
    ]);
    let signed = run(&env, &["webhooks", "sign", "--body", &body_file])
        .await
        .expect(0);
    let line = signed
        .stdout
        .lines()
        .find(|l| l.starts_with("x-signature: "))
        .unwrap_or_else(|| panic!("the configured header: {signed:#?}"));
    let hmac = {
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"whsec_1").unwrap();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    };
    assert_eq!(
        line,
        format!("x-signature: v1={hmac}"),
        "HMAC of the raw body alone"
    );
    let headers = write(
        dir.path(),
        "h.txt",
        format!("X-Signature: {hmac}\n").as_bytes(),
    );
    verify(&env, &headers, &body_file).await.expect(0);
    let mut bad = env.clone();
    bad.push(("PASSINSTANCE_WEBHOOK_SIGNED_MESSAGE".into(), "{t}".into()));
    let out = run(&bad, &["webhooks", "sign", "--body", &body_file])
        .await
        .expect(2);
    assert!(
        out.stderr.contains("PASSINSTANCE_WEBHOOK_SIGNED_MESSAGE"),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ids_that_change_the_url_path_are_refused_before_any_request() {
    let cases: [(&str, Option<&str>); 3] = [
        (
            "passninja",
            Some(walletpass_sim::passninja::CONFORMANCE_TEMPLATE_ID),
        ),
        ("ubpass", None),
        ("passinstance", None),
    ];
    for (provider, template) in cases {
        let sim = sim(provider).await;
        for id in [".", "..", "%2e%2e", "a/..", "a?b", "a#b", "%2F"] {
            for verb in ["get", "void", "delete"] {
                let before = sim.running.log().len();
                let mut args = vec!["passes", verb];
                if let Some(t) = template {
                    args.extend(["--template", t]);
                }
                args.push(id);
                let out = run(&sim.env, &args).await;
                assert!(
                    out.code == 5 || out.code == 2,
                    "{provider} passes {verb} {id}: malformed, not sent: {out:#?}"
                );
                assert_eq!(
                    sim.running.log().len(),
                    before,
                    "{provider} passes {verb} {id}: no request reached the simulator"
                );
            }
        }
        if provider != "ubpass" {
            for id in [".", ".."] {
                let before = sim.running.log().len();
                let out = run(&sim.env, &["templates", "get", id]).await;
                assert!(out.code == 5 || out.code == 2, "{provider}: {out:#?}");
                assert_eq!(
                    sim.running.log().len(),
                    before,
                    "{provider} templates get {id}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_base_url_with_a_password_or_query_is_refused_without_repeating_it() {
    let creds = [
        ("PASSNINJA_API_KEY", "k"),
        ("PASSNINJA_ACCOUNT_ID", "aid_0xa01"),
        ("UBPASS_API_KEY", "k"),
        ("PASSINSTANCE_TOKEN", "t"),
    ];
    for provider in ["passninja", "ubpass", "passinstance"] {
        for url in [
            "https://user:PASSWORD@api.example.com:99999/v1",
            "https://user:PASSWORD@api.example.com/v1",
            "http://user:PASSWORD@127.0.0.1:9/v1",
            "https://api.example.com/v1?api_key=PASSWORD",
            "http://127.0.0.1:9/v1?token=PASSWORD#x",
            "PASSWORD://x",
        ] {
            let mut env = with(&creds);
            env.push(("WALLETPASS_PROVIDER".into(), provider.into()));
            for (flag_env, args) in [
                (None, vec!["--base-url", url, "passes", "list"]),
                (Some(url), vec!["passes", "list"]),
                (Some(url), vec!["-o", "table", "capabilities"]),
            ] {
                let mut env = env.clone();
                if let Some(u) = flag_env {
                    env.push(("WALLETPASS_BASE_URL".into(), u.into()));
                }
                let out = run(&env, &args).await;
                assert_eq!(
                    out.code, 2,
                    "{provider} {url}: a configuration error: {out:#?}"
                );
                assert!(
                    !all_output(&out).contains("PASSWORD"),
                    "{provider} {url}: the secret was echoed: {out:#?}"
                );
                assert!(all_output(&out).contains("base_url"), "{out:#?}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sim_all_on_port_0_gives_each_simulator_its_own_free_port() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_walletpass"))
        .env_clear()
        .args(["sim", "all", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut ports = std::collections::BTreeSet::new();
    for name in ["passninja", "ubpass", "passinstance"] {
        let line = lines.next_line().await.unwrap().unwrap();
        let (first, url) = line.split_once(' ').unwrap();
        assert_eq!(first, name, "{line}");
        let url = url::Url::parse(url).unwrap();
        let port = url.port().unwrap();
        assert!(port > 1024, "{name} on port {port}: {line}");
        ports.insert(port);
        // It answers there (a 401 without credentials, in the vendor's shape).
        let status = reqwest::get(url.as_str()).await.unwrap().status();
        assert!(status.is_client_error(), "{name}: {status}");
    }
    assert_eq!(ports.len(), 3, "three different ports: {ports:?}");
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn hints_name_the_fix_for_the_vendor_and_the_case() {
    // Passinstance without a template: the flag and the variable, not a Rust API.
    let pi = sim("passinstance").await;
    let out = run(&pi.env, &["passes", "create", "--field", "a=b"]).await;
    let all = all_output(&out);
    assert!(
        all.contains("--template") && all.contains("PASSINSTANCE_TEMPLATE_ID"),
        "{all}"
    );
    assert!(!all.contains("::"), "no Rust item in a hint: {all}");
    // ubpass: a pass that does not exist, no word about PassNinja templates.
    let ub = sim("ubpass").await;
    let out = run(&ub.env, &["passes", "get", "doesnotexist"])
        .await
        .expect(3);
    let err = out.error();
    let hint = err["hint"].as_str().unwrap();
    assert!(
        !hint.contains("PassNinja") && !hint.contains("--template"),
        "{hint}"
    );
    // A wrong key: no claim that the credentials are valid.
    let mut wrong = pi.env.clone();
    wrong.retain(|(k, _)| k != "PASSINSTANCE_TOKEN");
    wrong.push(("PASSINSTANCE_TOKEN".into(), "not-the-token".into()));
    let out = run(&wrong, &["passes", "list"]).await.expect(4);
    let hint = out.error()["hint"].as_str().unwrap().to_owned();
    assert!(!hint.contains("are valid"), "{hint}");
    assert!(hint.contains("PASSINSTANCE_TOKEN"), "{hint}");
    // PassNinja list without a template: the flag.
    let pn = sim("passninja").await;
    let out = run(&pn.env, &["passes", "list"]).await.expect(5);
    let all = all_output(&out);
    assert!(all.contains("--template"), "{all}");
    assert!(!all.contains("ListQuery"), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_url_without_the_api_path_gets_a_hint_with_the_path() {
    let pi = sim("passinstance").await;
    let url = url::Url::parse(pi.base_url()).unwrap();
    let root = format!("http://127.0.0.1:{}", url.port().unwrap());
    let mut env = pi.env.clone();
    env.retain(|(k, _)| k != "WALLETPASS_BASE_URL");
    env.push(("WALLETPASS_BASE_URL".into(), root.clone()));
    let out = run(&env, &["passes", "list"]).await;
    assert_ne!(out.code, 0, "{out:#?}");
    let hint = out.error()["hint"].as_str().unwrap().to_owned();
    assert!(
        hint.contains(&format!("{root}/api/v1")) && hint.contains("--base-url"),
        "{hint}"
    );
}
