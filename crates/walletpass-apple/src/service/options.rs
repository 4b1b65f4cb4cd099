//! Options of the web service: where it listens and how large a request body may be.
//!
//! | variable | meaning |
//! |---|---|
//! | `WALLETPASS_LISTEN` | the address to listen on (default `127.0.0.1:8080`) |

use std::net::SocketAddr;

/// The listen address variable.
pub const ENV_LISTEN: &str = "WALLETPASS_LISTEN";
/// The largest request body accepted by default (a registration is ~100 bytes, a device log
/// a few KiB): 64 KiB; larger bodies are answered 413.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// How the web service listens.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The largest request body, in bytes.
    pub body_limit: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}
