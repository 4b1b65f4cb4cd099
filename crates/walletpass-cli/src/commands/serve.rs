//! `walletpass serve`: the Apple backend's PassKit web service, download links and update
//! pushes, in the foreground until Ctrl-C or SIGTERM (then a graceful stop). The Apple
//! backend is configured from its `APPLE_*` variables; with none, the embedded test
//! certificate and a store in `./walletpass-apple` are used and pushes are off (APNs refuses
//! the test certificate) unless `APPLE_APNS_URL` points at a simulator.

use std::net::SocketAddr;
use std::time::Duration;

use walletpass::apple::push::PushConfig;
use walletpass::apple::service::{self, ServeOptions};
use walletpass::apple::{Apple, AppleConfig};

use crate::failure::{Failure, exit};

/// `serve`
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on (plain HTTP: put a TLS proxy at APPLE_PUBLIC_URL in front).
    #[arg(
        long,
        value_name = "ADDR",
        env = "WALLETPASS_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// The largest request body accepted, in bytes (larger: 413).
    #[arg(long, value_name = "N", default_value_t = service::DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
    /// How long a push this process claimed stays its own, in seconds: if the process dies
    /// holding pushes, another `walletpass serve` on the same database sends them after this.
    /// Shorter means a faster takeover; a push is sent only in the first three quarters of
    /// it, so keep it above a few seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "APPLE_PUSH_LEASE_SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub push_lease: u64,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Serve until a shutdown signal.
pub async fn run(args: ServeArgs) -> Result<u8, Failure> {
    let lookup = |name: &str| std::env::var(name).ok();
    let mut config = AppleConfig::from_lookup(lookup)?;
    if config.public_url.is_none() && !args.listen.ip().is_loopback() {
        return Err(Failure::usage_hint(
            format!(
                "--listen {} is not a loopback address, but no public URL is set",
                args.listen
            ),
            "set APPLE_PUBLIC_URL to the https URL devices reach this server at",
        ));
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::Other(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Other(format!("the listening address: {e}")))?;
    if config.public_url.is_none() {
        config = config.with_public_url(&format!("http://{addr}"))?;
    }
    let apple = Apple::new(config)?;
    let embedded = apple.identity().is_embedded_test_certificate();
    let push = PushConfig::from_lookup(lookup, !embedded)?
        .map(|p| p.with_lease(Duration::from_secs(args.push_lease)));
    println!("walletpass serve: listening on http://{addr}");
    println!(
        "pass type {}, webServiceURL <public URL>/passkit, download links <public URL>/passes/{}/<serial>.pkpass",
        apple.identity().pass_type_id(),
        apple.identity().pass_type_id()
    );
    match &push {
        Some(p) => println!(
            "update pushes: on, to {} (lease {} s)",
            p.endpoint,
            p.lease.as_secs()
        ),
        None => println!(
            "update pushes: off (the embedded test certificate: real devices refuse its passes and APNs its pushes; set APPLE_APNS_URL to push to a simulator)"
        ),
    }
    let options = ServeOptions {
        listen: addr,
        body_limit: args.body_limit,
    };
    service::serve(listener, apple, options, push, shutdown_signal()).await?;
    println!("walletpass serve: stopped");
    Ok(exit::OK)
}
