//! Where the vendor's webhook deliveries reach the suite: a plain loopback receiver (for a
//! vendor that accepts `http://` receivers), an https loopback receiver with a certificate made
//! at run time (for a simulator told to trust its CA, see [`TestTls`], kept in `walletpass-sim`
//! so that the simulators' own tests can use it), or a public URL that
//! forwards to a local listener (live runs, `--webhook-receiver URL`).

use std::fmt;
use std::net::SocketAddr;

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
pub use walletpass_sim::tls::{TestTls, TlsIdentity};

/// One delivery as received: headers and body.
pub type Delivery = (http::HeaderMap, Vec<u8>);

/// Where deliveries can reach the suite.
#[derive(Clone, Default)]
pub enum Receiver {
    /// Nowhere: the delivery scenario is skipped with this reason.
    Unavailable(String),
    /// Not said: the delivery scenario is skipped.
    #[default]
    Unset,
    /// `http://127.0.0.1:<port>/hook`: the vendor accepts plain http to loopback (a simulator
    /// that allows it).
    Loopback,
    /// `https://127.0.0.1:<port>/hook` with this certificate (the vendor trusts its CA).
    LoopbackTls(TlsIdentity),
    /// The vendor posts to `url`, which forwards to a plain http listener on `listen`.
    Public {
        /// The URL the subscription names.
        url: String,
        /// Where the suite listens for what `url` forwards.
        listen: SocketAddr,
    },
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Receiver::Unavailable(why) => write!(f, "Unavailable({why:?})"),
            Receiver::Unset => f.write_str("Unset"),
            Receiver::Loopback => f.write_str("Loopback"),
            Receiver::LoopbackTls(_) => f.write_str("LoopbackTls(..)"),
            Receiver::Public { url, listen } => write!(f, "Public({url} -> {listen})"),
        }
    }
}

impl Receiver {
    /// Whether deliveries can reach the suite.
    pub fn is_available(&self) -> bool {
        !matches!(self, Receiver::Unavailable(_) | Receiver::Unset)
    }

    /// Why deliveries cannot reach the suite.
    pub fn reason(&self) -> Option<String> {
        match self {
            Receiver::Unavailable(why) => Some(why.clone()),
            Receiver::Unset => {
                Some("a webhook receiver the vendor can reach; pass --webhook-receiver URL".into())
            }
            _ => None,
        }
    }

    /// Start receiving: the URL to subscribe and the deliveries as they arrive (each answered
    /// 200). The server stops when the returned guard is dropped. The one loopback webhook
    /// sink of the workspace: the suite, `walletpass demo` and the examples use it.
    pub async fn start(
        &self,
    ) -> Result<(String, UnboundedReceiver<Delivery>, ServerGuard), String> {
        let (tx, rx) = unbounded_channel();
        let app = axum::Router::new().fallback(axum::routing::post(
            move |headers: http::HeaderMap, body: axum::body::Bytes| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send((headers, body.to_vec()));
                    http::StatusCode::OK
                }
            },
        ));
        let bind = |addr: SocketAddr| async move {
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("could not bind a webhook receiver on {addr}: {e}"))
        };
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let (url, task) = match self {
            Receiver::Unavailable(_) | Receiver::Unset => {
                return Err(self.reason().unwrap_or_default());
            }
            Receiver::Loopback => {
                let listener = bind(loopback).await?;
                let addr = listener.local_addr().map_err(|e| e.to_string())?;
                let task = tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
                (format!("http://{addr}/hook"), task)
            }
            Receiver::Public { url, listen } => {
                let listener = bind(*listen).await?;
                let task = tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
                (url.clone(), task)
            }
            Receiver::LoopbackTls(identity) => {
                let listener = bind(loopback).await?;
                let addr = listener.local_addr().map_err(|e| e.to_string())?;
                let task = identity.serve(listener, app)?;
                (format!("https://{addr}/hook"), task)
            }
        };
        Ok((url, rx, ServerGuard(task)))
    }
}

/// Stops a receiver's server when dropped.
pub struct ServerGuard(tokio::task::JoinHandle<()>);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}
