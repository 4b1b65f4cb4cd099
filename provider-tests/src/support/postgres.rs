//! The PostgreSQL server the tests use, and a new empty database on it for each test: one
//! harness for the Apple backend's store tests, the conformance matrix's Apple-on-PostgreSQL
//! row and the command line's multi-process `walletpass serve` tests.
//!
//! - `WALLETPASS_TEST_POSTGRES_URL` set: that server (its user must be allowed to
//!   `CREATE DATABASE`).
//! - Otherwise a throwaway server that `.ci/pg-test-server` starts in a temporary directory
//!   for this test process, on a unix socket; it stops and its directory is deleted when the
//!   process ends (the script waits for its stdin, our end of which closes then).
//! - No server binaries, or the server does not start: the tests FAIL with the script's
//!   message, which names the install command. `WALLETPASS_SKIP_POSTGRES=1` skips them
//!   instead (said on stderr).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Skip the PostgreSQL tests.
pub const SKIP_ENV: &str = "WALLETPASS_SKIP_POSTGRES";
/// Use this server instead of a throwaway one.
pub const URL_ENV: &str = "WALLETPASS_TEST_POSTGRES_URL";

#[allow(dead_code)] // reason: `child` is held only so that the server lives as long as the process
struct Server {
    url: String,
    child: Option<(Child, ChildStdin, BufReader<ChildStdout>)>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

fn start() -> Result<Server, String> {
    if let Ok(url) = std::env::var(URL_ENV)
        && !url.trim().is_empty()
    {
        return Ok(Server {
            url: url.trim().to_owned(),
            child: None,
        });
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/pg-test-server");
    let mut child = Command::new("bash")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut line = String::new();
    let _ = stdout.read_line(&mut line);
    let url = line.trim().to_owned();
    if !url.starts_with("postgres://") {
        let mut why = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut why);
        }
        let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
        return Err(format!(
            "{script} could not start PostgreSQL ({status}): {}",
            why.trim()
        ));
    }
    Ok(Server {
        url,
        child: Some((child, stdin, stdout)),
    })
}

/// Run `sql` on the server at `url` (a plain connection: the throwaway server's unix socket,
/// or the loopback server of `WALLETPASS_TEST_POSTGRES_URL`).
pub fn admin(url: &str, sql: &str) -> Result<(), String> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            tokio::spawn(connection);
            client
                .batch_execute(&sql)
                .await
                .map_err(|e| format!("{sql}: {e}"))
        })
    })
    .join()
    .map_err(|_| "the admin thread panicked".to_owned())?
}

/// The URL of `base` with another database.
pub fn with_database(base: &str, name: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}dbname={name}")
}

/// The URL of a new, empty database; `None` when the PostgreSQL tests are skipped.
///
/// # Panics
/// When no server can be had or the database cannot be made: this fails the calling test,
/// naming the install command or the variables to set (a missing server is never a pass).
pub fn fresh_database() -> Option<String> {
    if std::env::var(SKIP_ENV).is_ok_and(|v| !v.is_empty() && v != "0") {
        eprintln!("PostgreSQL tests skipped: {SKIP_ENV} is set");
        return None;
    }
    let server = match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(why) => panic!(
            "PostgreSQL tests need a server: {why}\n(set {URL_ENV} to use a running one, or {SKIP_ENV}=1 to skip them)"
        ),
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "wpt_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    if let Err(e) = admin(&server.url, &format!("CREATE DATABASE {name}")) {
        panic!("cannot create a test database on {URL_ENV}/the throwaway server: {e}");
    }
    Some(with_database(&server.url, &name))
}
