//! Certificate checks at build time (apple-wallet.md §1 "Signer certificate", §5 "Invalid
//! data error"): each problem is its own typed error with a message naming the variable and
//! the fix, and secrets (key, key password) never appear in Debug output or errors.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::time::{Duration, SystemTime};

use p256::pkcs8::{EncodePrivateKey, LineEnding};
use secrecy::{ExposeSecret, SecretString};
use walletpass_apple::testca::{TestCertOptions, TestCertificates};
use walletpass_apple::{Apple, AppleConfig, Certificates, Source};
use walletpass_core::{ErrorKind, NewPass, PassContent, WalletProvider};

const PTID: &str = "pass.com.example.member";
const TEAM: &str = "ABCDE12345";
const PASSWORD: &str = "correct-horse-battery-staple";

fn config(dir: &std::path::Path, cert: &str, key: &str, wwdr: Option<&str>) -> AppleConfig {
    AppleConfig::new(dir)
        .in_memory()
        .with_certificates(Certificates {
            certificate: Source::Inline(cert.as_bytes().to_vec()),
            key: Source::Inline(key.as_bytes().to_vec()),
            key_password: None,
            wwdr: wwdr.map(|w| Source::Inline(w.as_bytes().to_vec())),
            pkcs12: false,
        })
}

fn build(config: AppleConfig) -> walletpass_core::Error {
    let err = Apple::new(config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    err
}

fn chain() -> TestCertificates {
    TestCertificates::generate(&TestCertOptions::new(PTID, TEAM)).unwrap()
}

fn key_body(pem: &SecretString) -> String {
    // A line from the middle of the key: it must never show up anywhere.
    pem.expose_secret().lines().nth(2).unwrap().to_owned()
}

#[tokio::test]
async fn a_good_certificate_signs_and_its_ids_come_from_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let c = chain();
    let apple = Apple::new(config(
        dir.path(),
        &c.cert_pem,
        c.key_pem.expose_secret(),
        Some(&c.ca_pem),
    ))
    .unwrap();
    assert_eq!(apple.identity().pass_type_id(), PTID);
    assert_eq!(apple.identity().team_id(), TEAM);
    assert!(!apple.identity().is_embedded_test_certificate());
    let pass = apple
        .create(NewPass::new(
            PassContent::builder().value("a", "1").build().unwrap(),
        ))
        .await
        .unwrap();
    common::verify_pkpass(&apple.pkpass(&pass.pass_ref).unwrap(), &c.ca_pem);
    let json = apple.pass_json(&pass.pass_ref).unwrap();
    assert_eq!(json["passTypeIdentifier"], PTID);
    assert_eq!(json["teamIdentifier"], TEAM);
}

#[test]
fn an_expired_certificate_is_refused_with_its_date() {
    let c = chain();
    let mut options = TestCertOptions::new(PTID, TEAM);
    options.not_before = SystemTime::now() - Duration::from_secs(3 * 86400);
    options.not_after = SystemTime::now() - Duration::from_secs(86400);
    let (cert, key) = c.issue_another(&options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = build(config(
        dir.path(),
        &cert,
        key.expose_secret(),
        Some(&c.ca_pem),
    ));
    assert!(
        err.message().starts_with("APPLE_PASS_CERT expired on "),
        "{err}"
    );
    assert!(
        err.message().contains("renew the Pass Type ID certificate"),
        "{err}"
    );
}

#[test]
fn a_certificate_not_yet_valid_is_refused() {
    let c = chain();
    let mut options = TestCertOptions::new(PTID, TEAM);
    options.not_before = SystemTime::now() + Duration::from_secs(86400);
    let (cert, key) = c.issue_another(&options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = build(config(
        dir.path(),
        &cert,
        key.expose_secret(),
        Some(&c.ca_pem),
    ));
    assert!(
        err.message()
            .starts_with("APPLE_PASS_CERT is not valid before "),
        "{err}"
    );
    assert!(err.message().contains("check the system clock"), "{err}");
}

#[test]
fn a_key_of_another_certificate_is_refused_and_not_shown() {
    let c = chain();
    let other = chain();
    let dir = tempfile::tempdir().unwrap();
    let err = build(config(
        dir.path(),
        &c.cert_pem,
        other.key_pem.expose_secret(),
        Some(&c.ca_pem),
    ));
    assert_eq!(
        err.message(),
        "APPLE_PASS_KEY does not match APPLE_PASS_CERT: the key's public key is not the certificate's; export the key that belongs to this certificate"
    );
    assert!(!format!("{err} {err:?}").contains(&key_body(&other.key_pem)));
}

#[test]
fn a_pass_type_id_that_is_not_the_certificate_uid_is_refused() {
    let c = chain();
    let dir = tempfile::tempdir().unwrap();
    let err = build(
        config(
            dir.path(),
            &c.cert_pem,
            c.key_pem.expose_secret(),
            Some(&c.ca_pem),
        )
        .with_pass_type_id("pass.com.example.other"),
    );
    assert_eq!(
        err.message(),
        "APPLE_PASS_TYPE_ID is 'pass.com.example.other' but the certificate is for 'pass.com.example.member': set APPLE_PASS_TYPE_ID to the certificate's UID, or use that pass type's certificate"
    );
    let err = build(
        config(
            dir.path(),
            &c.cert_pem,
            c.key_pem.expose_secret(),
            Some(&c.ca_pem),
        )
        .with_team_id("ZZZZZ99999"),
    );
    assert!(
        err.message().starts_with(
            "APPLE_TEAM_ID is 'ZZZZZ99999' but the certificate's team (OU) is 'ABCDE12345'"
        ),
        "{err}"
    );
}

#[test]
fn a_missing_wwdr_or_one_that_did_not_issue_the_certificate_is_refused() {
    let c = chain();
    let dir = tempfile::tempdir().unwrap();
    let err = build(config(
        dir.path(),
        &c.cert_pem,
        c.key_pem.expose_secret(),
        None,
    ));
    assert!(
        err.message().starts_with(
            "APPLE_WWDR_CERT is not set: a pass certificate needs Apple's WWDR intermediate"
        ),
        "{err}"
    );
    let stranger = chain();
    let err = build(config(
        dir.path(),
        &c.cert_pem,
        c.key_pem.expose_secret(),
        Some(&stranger.ca_pem),
    ));
    assert!(err.message().starts_with("APPLE_WWDR_CERT ('"), "{err}");
    assert!(
        err.message().contains("did not issue APPLE_PASS_CERT"),
        "{err}"
    );
}

#[test]
fn an_encrypted_key_needs_its_password_and_the_password_never_shows() {
    use p256::pkcs8::DecodePrivateKey;
    let c = chain();
    let key = p256::SecretKey::from_pkcs8_pem(c.key_pem.expose_secret()).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_bytes()).unwrap();
    // PBES2 with PBKDF2-SHA256 and few rounds: the default (scrypt) takes a minute unoptimised.
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &[7; 16], &[9; 16]).unwrap();
    let encrypted = info
        .encrypt_with_params(params, PASSWORD)
        .unwrap()
        .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let with_password = |password: Option<&str>| {
        let mut config = config(dir.path(), &c.cert_pem, &encrypted, Some(&c.ca_pem));
        if let Some(certs) = config.certificates.as_mut() {
            certs.key_password = password.map(|p| SecretString::from(p.to_owned()));
        }
        config
    };
    let err = build(with_password(None));
    assert!(
        err.message().contains("set APPLE_PASS_KEY_PASSWORD"),
        "{err}"
    );
    let err = build(with_password(Some("wrong-password-123")));
    assert!(
        err.message()
            .starts_with("APPLE_PASS_KEY_PASSWORD does not decrypt APPLE_PASS_KEY"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("wrong-password-123"));
    let config = with_password(Some(PASSWORD));
    let shown = format!("{config:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(!shown.contains(&key_body(&c.key_pem)), "{shown}");
    let apple = Apple::new(config).unwrap();
    let shown = format!("{apple:?}");
    assert!(!shown.contains(PASSWORD));
    assert!(!shown.contains(&key_body(&c.key_pem)));
    assert!(!shown.contains(&encrypted.lines().nth(2).unwrap().to_owned()));
}

#[test]
fn env_names_the_incomplete_pair_and_a_garbage_key_without_echoing_it() {
    let vars = |name: &str| (name == "APPLE_PASS_CERT").then(|| "/nonexistent/pass.pem".to_owned());
    let err = AppleConfig::from_lookup(vars).unwrap_err();
    assert!(
        err.message()
            .contains("APPLE_PASS_CERT and APPLE_PASS_KEY go together"),
        "{err}"
    );
    let c = chain();
    let garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbC1kby1ub3Qtc2hvdw==\n-----END PRIVATE KEY-----\n";
    let dir = tempfile::tempdir().unwrap();
    let err = build(config(dir.path(), &c.cert_pem, garbage, Some(&c.ca_pem)));
    assert!(
        err.message()
            .starts_with("APPLE_PASS_KEY: not a usable private key"),
        "{err}"
    );
    assert!(!format!("{err:?}").contains("c2VjcmV0LWtleS1tYXRlcmlhbC1kby1ub3Qtc2hvdw"));
}

/// A real-looking RSA chain made by `openssl` (what Apple issues is RSA-2048): the RSA signing
/// path, verified by `openssl cms -verify`.
#[tokio::test]
async fn an_rsa_certificate_made_by_openssl_signs_passes_openssl_verifies() {
    if !common::have_openssl() {
        eprintln!("openssl not on PATH: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        "3650",
        "-subj",
        "/CN=Test WWDR/OU=G4/O=Test/C=US",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "pass-key.pem",
        "-out",
        "pass.csr",
        "-subj",
        &format!("/UID={PTID}/CN=Pass Type ID: {PTID}/OU={TEAM}/O=Test/C=US"),
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "pass.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-out",
        "pass.pem",
        "-days",
        "365",
        "-sha256",
    ]);
    // One file with OpenSSL's attribute lines, the certificate and the key, as
    // `openssl pkcs12 -nodes` writes it: both are found in it.
    let combined = format!(
        "Bag Attributes\n    localKeyID: 01\nsubject=/UID={PTID}\n{}Bag Attributes\nKey Attributes: <No Attributes>\n{}",
        std::fs::read_to_string(dir.path().join("pass.pem")).unwrap(),
        std::fs::read_to_string(dir.path().join("pass-key.pem")).unwrap()
    );
    std::fs::write(dir.path().join("combined.pem"), combined).unwrap();
    let config = AppleConfig::new(dir.path())
        .in_memory()
        .with_certificates(Certificates {
            certificate: Source::Path(dir.path().join("combined.pem")),
            key: Source::Path(dir.path().join("combined.pem")),
            key_password: None,
            wwdr: Some(Source::Path(dir.path().join("ca.pem"))),
            pkcs12: false,
        });
    let apple = Apple::new(config).unwrap();
    assert_eq!(apple.identity().pass_type_id(), PTID);
    let pass = apple
        .create(NewPass::new(
            PassContent::builder().value("a", "1").build().unwrap(),
        ))
        .await
        .unwrap();
    let files = common::unzip(&apple.pkpass(&pass.pass_ref).unwrap());
    let out = common::openssl_verify(&files, &dir.path().join("ca.pem"));
    assert!(
        out.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_embedded_test_certificate_is_made_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let first = Apple::new(AppleConfig::new(dir.path())).unwrap();
    assert!(first.identity().is_embedded_test_certificate());
    let again = Apple::new(AppleConfig::new(dir.path())).unwrap();
    assert_eq!(
        first.identity().certificate_pem().unwrap(),
        again.identity().certificate_pem().unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.path().join("test-certificate/pass-key.pem");
        assert_eq!(
            std::fs::metadata(key).unwrap().permissions().mode() & 0o077,
            0
        );
    }
}

/// Captures what a `tracing` subscriber writes.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_embedded_certificate_warns_loudly_and_logs_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let apple = tracing::subscriber::with_default(subscriber, || {
        Apple::new(AppleConfig::new(dir.path())).unwrap()
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("WARN"), "{logs}");
    assert!(
        logs.contains("real devices will NOT accept these passes"),
        "{logs}"
    );
    let key = std::fs::read_to_string(dir.path().join("test-certificate/pass-key.pem")).unwrap();
    let key_line = key.lines().nth(2).unwrap();
    assert!(!logs.contains(key_line), "the key reached the logs");
    assert!(apple.identity().is_embedded_test_certificate());
}

#[test]
fn the_public_url_is_https_or_loopback_and_a_password_in_it_is_not_echoed() {
    let lookup =
        |url: &'static str| move |name: &str| (name == "APPLE_PUBLIC_URL").then(|| url.to_owned());
    assert!(AppleConfig::from_lookup(lookup("https://passes.example.com")).is_ok());
    assert!(AppleConfig::from_lookup(lookup("http://127.0.0.1:8080")).is_ok());
    let err = AppleConfig::from_lookup(lookup("http://passes.example.com")).unwrap_err();
    assert!(err.message().contains("must be https"), "{err}");
    let err = AppleConfig::from_lookup(lookup("https://user:hunter2secret@passes.example.com"))
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2secret"), "{err}");
}
