//! The connections of a [`PostgresStore`](super::PostgresStore): `tokio-postgres` clients
//! whose socket halves run on one private runtime thread, used from the caller's thread.
//!
//! The [`Storage`](crate::store::Storage) trait is synchronous and is called from inside the
//! application's async runtime (as SQLite is: a short blocking call). A client's requests
//! are plain channel messages to its connection task, so the caller waits for them with
//! [`futures::executor::block_on`], which parks the thread without entering a tokio runtime;
//! the connection tasks run on the store's own runtime thread, so waiting on one never
//! starves them. (The sync `postgres` crate cannot be used here: each of its clients calls
//! tokio's `block_on`, which panics inside an async runtime.)
//!
//! At most `max_connections` clients are open; a caller waits for a free one. A client whose
//! connection broke is dropped, and the next caller opens a new one.

use std::future::Future;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio_postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;
use walletpass_core::{Error, ErrorKind, Result};

use super::PostgresConfig;
use crate::PROVIDER;

/// How long a caller waits for a free connection.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(60);

/// Wait for a future on this thread (see the module docs).
pub(crate) fn wait<F: Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}

#[derive(Default)]
struct Slots {
    idle: Vec<Client>,
    open: usize,
}

/// The pool.
pub(crate) struct Pool {
    config: PostgresConfig,
    tls: MakeRustlsConnect,
    runtime: tokio::runtime::Handle,
    stop: Option<futures::channel::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    slots: Mutex<Slots>,
    freed: Condvar,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn transport(message: String) -> Error {
    Error::new(ErrorKind::Transport, message).with_provider(PROVIDER)
}

impl Pool {
    /// Start the runtime thread; no connection is opened yet.
    pub(crate) fn new(config: PostgresConfig) -> Result<Self> {
        let tls = MakeRustlsConnect::new(super::tls::client_config(&config)?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| transport(format!("postgres: cannot start its runtime: {e}")))?;
        let runtime_handle = runtime.handle().clone();
        let (stop, stopped) = futures::channel::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("walletpass-postgres".into())
            .spawn(move || {
                // Runs until the pool is dropped (the sender with it).
                let _ = runtime.block_on(stopped);
            })
            .map_err(|e| transport(format!("postgres: cannot start its thread: {e}")))?;
        Ok(Self {
            config,
            tls,
            runtime: runtime_handle,
            stop: Some(stop),
            thread: Some(thread),
            slots: Mutex::new(Slots::default()),
            freed: Condvar::new(),
        })
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &PostgresConfig {
        &self.config
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        // Only plain bookkeeping happens under the lock: a panic cannot leave it half-done.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` with a connection: an idle one, a new one while fewer than the maximum are
    /// open, or else the next one returned. It goes back to the pool afterwards (unless its
    /// connection broke).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut client = self.checkout()?;
        // Should `f` panic, the lease gives the slot back (the client is dropped, closed).
        let lease = Lease(self);
        let result = f(&mut client);
        std::mem::forget(lease);
        self.put_back(client);
        result
    }

    fn checkout(&self) -> Result<Client> {
        let mut slots = self.slots();
        let deadline = std::time::Instant::now() + CHECKOUT_TIMEOUT;
        loop {
            while let Some(client) = slots.idle.pop() {
                if client.is_closed() {
                    slots.open -= 1;
                    continue;
                }
                return Ok(client);
            }
            if slots.open < self.config.max_connections {
                slots.open += 1;
                drop(slots);
                let client = self.connect();
                if client.is_err() {
                    self.release();
                }
                return client;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "postgres: all {} connections stayed busy for {}s",
                        self.config.max_connections,
                        CHECKOUT_TIMEOUT.as_secs()
                    ),
                )
                .with_provider(PROVIDER));
            }
            slots = self
                .freed
                .wait_timeout(slots, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// One open connection fewer.
    fn release(&self) {
        self.slots().open -= 1;
        self.freed.notify_one();
    }

    fn connect(&self) -> Result<Client> {
        let (sender, receiver) = futures::channel::oneshot::channel();
        let config = self.config.inner.clone();
        let tls = self.tls.clone();
        let target = self.config.target();
        let redact = self.config.clone();
        self.runtime.spawn(async move {
            let answer = match config.connect(tls).await {
                Ok((client, connection)) => {
                    tokio::spawn(async move {
                        if let Err(e) = connection.await {
                            tracing::warn!(
                                target = %target,
                                error = %redact.scrub(&e.to_string()),
                                "postgres connection closed"
                            );
                        }
                    });
                    Ok(client)
                }
                Err(e) => Err(e),
            };
            let _ = sender.send(answer);
        });
        match wait(receiver) {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(e)) => Err(super::error(&self.config, "connect", e)),
            Err(_) => Err(transport(
                "postgres: the connection task was lost".to_owned(),
            )),
        }
    }

    fn put_back(&self, client: Client) {
        if client.is_closed() {
            self.release();
        } else {
            self.slots().idle.push(client);
            self.freed.notify_one();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.slots().idle.clear();
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Gives a checked-out slot back if the caller's closure panics.
struct Lease<'a>(&'a Pool);

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}
