//! Ctrl-C and SIGTERM: stop after the requests in flight, or quit at once on a second Ctrl-C.

use crate::stop::StopFlag;

use super::output::print_err;

/// Raise `stop` on the first Ctrl-C or SIGTERM; quit at once (exit 130) on a second Ctrl-C.
pub(super) async fn watch_signals(stop: StopFlag) {
    let mut stops = 0;
    loop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                r = tokio::signal::ctrl_c() => if r.is_err() { return },
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        stops += 1;
        if stops > 1 {
            print_err("stopped at once: run the same command again to resume");
            std::process::exit(130);
        }
        stop.stop();
        print_err(
            "stopping after the requests in flight (Ctrl-C again quits at once; the checkpoint makes that safe too)",
        );
    }
}
