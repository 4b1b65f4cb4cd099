//! What only the PostgreSQL store has (the conformance suite runs on it in the matrix:
//! `provider-tests/tests/matrix.rs::apple_postgres`): schema versions under concurrent start,
//! plain text never sent to a remote host, and the password in no error.

use std::io::{Read, Write};

use walletpass_apple::postgres::{MIGRATIONS, PostgresConfig, PostgresStore};
use walletpass_apple::store::{PassChange, PassRow, Registration, Storage};
use walletpass_core::ErrorKind;

use crate::pg_server;

fn admin(url: &str, sql: &str) {
    pg_server::admin(url, sql).unwrap();
}

#[test]
fn stores_starting_at_once_migrate_once_and_a_newer_schema_is_refused() {
    let Some(url) = pg_server::fresh_database() else {
        return;
    };
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| PostgresStore::connect(PostgresConfig::new(&url).unwrap()).unwrap());
        }
    });
    admin(
        &url,
        &format!(
            "DO $$ BEGIN
               IF (SELECT count(*) FROM walletpass_schema) <> 1
                  OR (SELECT version FROM walletpass_schema) <> {} THEN
                 RAISE EXCEPTION 'schema version not recorded once';
               END IF;
             END $$;
             UPDATE walletpass_schema SET version = 99",
            MIGRATIONS.len()
        ),
    );
    let err = PostgresStore::connect(PostgresConfig::new(&url).unwrap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

/// A fake server on loopback that answers the TLS request with "no": reached under a remote
/// host name (`hostaddr` sends the connection to it), the client must give up rather than
/// send its startup message (user, database) and password in plain text.
#[test]
fn a_remote_host_that_refuses_tls_gets_nothing_in_plain_text() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0u8; 8];
        socket.read_exact(&mut request).unwrap();
        socket.write_all(b"N").unwrap();
        let mut rest = Vec::new();
        let _ = socket.read_to_end(&mut rest);
        (request, rest)
    });
    let url = format!(
        "postgres://app:s3cret-pw@db.example.com:{port}/passes?hostaddr=127.0.0.1&connect_timeout=20"
    );
    let config = PostgresConfig::new(&url).unwrap();
    assert!(config.requires_tls());
    let err = PostgresStore::connect(config).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cret-pw"), "{text}");
    let (request, rest) = server.join().unwrap();
    // SSLRequest: length 8, code 80877103.
    assert_eq!(request, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    assert!(
        rest.is_empty(),
        "sent in plain text after a TLS refusal: {rest:?}"
    );
}

#[test]
fn a_failed_connection_names_the_target_but_not_the_password() {
    // Nothing listens on port 1 of loopback.
    let config =
        PostgresConfig::new("postgres://app:s3cret-pw@127.0.0.1:1/passes?connect_timeout=20")
            .unwrap();
    let err = PostgresStore::connect(config).unwrap_err();
    let text = format!("{err} {err:?}");
    assert_eq!(err.kind(), ErrorKind::Transport, "{text}");
    assert!(text.contains("app@127.0.0.1:1/passes"), "{text}");
    assert!(!text.contains("s3cret-pw"), "{text}");
}

const CHILD_URL_ENV: &str = "WALLETPASS_PG_TEST_CHILD_URL";
const PTID: &str = "pass.com.example.killed";
const SECOND: i128 = 1_000_000_000;

fn now() -> i128 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos()
}

/// In the child process: claim every queued push (a one-minute lease), say so, and hang
/// until killed. Run only by `a_process_killed_holding_pushes_loses_none`.
#[test]
#[ignore = "the child process of a_process_killed_holding_pushes_loses_none"]
fn child_claims_pushes_until_killed() {
    let url =
        std::env::var(CHILD_URL_ENV).expect("run by a_process_killed_holding_pushes_loses_none");
    let store = PostgresStore::connect(PostgresConfig::new(&url).unwrap()).unwrap();
    let t = now();
    let claimed = store.claim_pushes(t, t, t + 60 * SECOND, 100).unwrap();
    println!("claimed {}", claimed.len());
    loop {
        std::thread::park();
    }
}

/// Two processes on one database: a change made through this one is queued for the devices
/// registered here; another process claims the pushes and is killed (SIGKILL) holding them.
/// Nothing is lost — the pushes stay queued, leased — and once the lease ends this process
/// claims each exactly once.
#[test]
fn a_process_killed_holding_pushes_loses_none() {
    use std::io::BufRead;
    let Some(url) = pg_server::fresh_database() else {
        return;
    };
    let store = PostgresStore::connect(PostgresConfig::new(&url).unwrap()).unwrap();
    let t = now();
    let pass = PassRow {
        seq: 0,
        serial: "K-1".into(),
        template: None,
        status: walletpass_core::PassStatus::Active,
        content: walletpass_core::PassContent::builder()
            .value("v", "1")
            .build()
            .unwrap(),
        auth_token: "0123456789abcdef".into(),
        update_tag: 1,
        created_at: t,
        updated_at: t,
    };
    store.insert_pass(&pass).unwrap().unwrap();
    for d in 0..5 {
        store
            .register_device(&Registration {
                device_library_id: format!("dev-{d}"),
                push_token: format!("tok-{d}"),
                pass_type_id: PTID.into(),
                serial: "K-1".into(),
                registered_at: t,
            })
            .unwrap()
            .unwrap();
    }
    store
        .update_pass("K-1", &mut |r: &PassRow| {
            Ok(Some(PassChange {
                status: r.status.clone(),
                content: r.content.clone(),
            }))
        })
        .unwrap()
        .unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "postgres_only::child_claims_pushes_until_killed",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_URL_ENV, &url)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let claimed = stdout
        .lines()
        .map(|l| l.unwrap())
        // libtest's "test NAME ... " comes first on the same line.
        .find_map(|l| {
            l.split_once("claimed ")
                .map(|(_, n)| n.trim().parse::<usize>().unwrap())
        })
        .expect("the child claimed nothing");
    assert_eq!(claimed, 5);
    child.kill().unwrap(); // SIGKILL: no finish, no clean disconnect
    child.wait().unwrap();
    assert_eq!(store.queued_pushes().unwrap(), 5, "a push was lost");
    let t = now();
    assert!(
        store
            .claim_pushes(t, t, t + 60 * SECOND, 100)
            .unwrap()
            .is_empty(),
        "still leased to the dead process"
    );
    let later = t + 61 * SECOND;
    let mut tokens: Vec<String> = store
        .claim_pushes(later, later, later + 60 * SECOND, 100)
        .unwrap()
        .into_iter()
        .map(|item| {
            assert!(store.finish_push(&item).unwrap());
            item.push_token
        })
        .collect();
    tokens.sort();
    assert_eq!(tokens, ["tok-0", "tok-1", "tok-2", "tok-3", "tok-4"]);
    assert_eq!(store.queued_pushes().unwrap(), 0);
}
