//! Stopping a run midway on request (Ctrl-C, SIGTERM): a [`StopFlag`] the engine checks between
//! passes, so that the requests in flight finish and are recorded in the checkpoint, and the run
//! ends with [`MigrateError::Stopped`](crate::MigrateError::Stopped) (exit 3: run the same
//! command again to resume).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A shared "stop after the passes in flight" flag.
///
/// ```
/// let flag = walletpass_migrate::StopFlag::new();
/// let handle = flag.clone();
/// handle.stop();
/// assert!(flag.is_stopped());
/// ```
#[derive(Clone, Debug, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// A flag not yet raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask the run to stop after the passes in flight.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
