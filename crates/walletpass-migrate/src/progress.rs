//! Progress reporting: the [`Progress`] trait a run reports to, an indicatif bar for terminals
//! ([`BarProgress`]), periodic plain lines for logs and pipes ([`LineProgress`]), and
//! [`NoProgress`].

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The phase of a run being reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading and mapping the source passes.
    Read,
    /// Looking up passes whose create may have taken effect.
    Reconcile,
    /// Creating passes on the target.
    Migrate,
    /// Reading passes back from the target.
    Verify,
    /// Retiring source passes.
    Retire,
}

impl Phase {
    /// The phase's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Read => "read",
            Phase::Reconcile => "reconcile",
            Phase::Migrate => "migrate",
            Phase::Verify => "verify",
            Phase::Retire => "retire",
        }
    }
}

/// Receives a run's progress. Called from many tasks at once.
pub trait Progress: Send + Sync {
    /// A phase starts with `total` items (0 when unknown: reading a listing, whose length the
    /// source does not tell; shown as `?`).
    fn start(&self, phase: Phase, total: u64);
    /// One item is done; `ok` is false when it failed.
    fn item(&self, ok: bool);
    /// The phase is over.
    fn finish(&self);
    /// A line the operator must see before the run acts on it (what a delete will touch).
    /// Written to stderr unless overridden; a closed stderr is ignored.
    fn notice(&self, line: &str) {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// Reports nothing.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: Phase, _: u64) {}
    fn item(&self, _: bool) {}
    fn finish(&self) {}
}

/// An indicatif bar on stderr: passes done, rate, errors and ETA.
#[derive(Debug)]
pub struct BarProgress {
    bar: Mutex<Option<ProgressBar>>,
    errors: AtomicU64,
}

impl Default for BarProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl BarProgress {
    /// A bar drawn on stderr.
    pub fn new() -> Self {
        Self {
            bar: Mutex::new(None),
            errors: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Progress for BarProgress {
    fn start(&self, phase: Phase, total: u64) {
        // An unknown total (0) counts without a bar, length or ETA.
        let (len, template) = if total == 0 {
            (None, "{prefix:>9} {spinner} {pos}/? {per_sec} {msg}")
        } else {
            (
                Some(total),
                "{prefix:>9} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
            )
        };
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(phase.as_str());
        self.errors.store(0, Ordering::Relaxed);
        if let Some(old) = self.lock().replace(bar) {
            old.finish();
        }
    }

    fn item(&self, ok: bool) {
        if let Some(bar) = self.lock().as_ref() {
            bar.inc(1);
            if !ok {
                let errors = self.errors.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("{errors} errors"));
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.lock().take() {
            bar.finish();
        }
    }
}

/// Plain lines on stderr every `every` (for logs and pipes).
#[derive(Debug)]
pub struct LineProgress {
    every: Duration,
    state: Mutex<LineState>,
}

#[derive(Debug)]
struct LineState {
    phase: Phase,
    total: u64,
    done: u64,
    errors: u64,
    started: Instant,
    last: Instant,
}

impl LineProgress {
    /// A line at most every `every`.
    pub fn new(every: Duration) -> Self {
        let now = Instant::now();
        Self {
            every,
            state: Mutex::new(LineState {
                phase: Phase::Read,
                total: 0,
                done: 0,
                errors: 0,
                started: now,
                last: now,
            }),
        }
    }

    fn line(s: &LineState) -> String {
        let secs = s.started.elapsed().as_secs_f64().max(1e-3);
        let rate = s.done as f64 / secs;
        let eta = if rate > 0.0 && s.total > s.done {
            format!(" eta {:.0}s", (s.total - s.done) as f64 / rate)
        } else {
            String::new()
        };
        let total = if s.total == 0 && s.done > 0 {
            "?".to_owned()
        } else {
            s.total.to_string()
        };
        format!(
            "{}: {}/{total} done, {} errors, {:.1}/s{}",
            s.phase.as_str(),
            s.done,
            s.errors,
            rate,
            eta
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LineState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Progress for LineProgress {
    fn start(&self, phase: Phase, total: u64) {
        let now = Instant::now();
        *self.lock() = LineState {
            phase,
            total,
            done: 0,
            errors: 0,
            started: now,
            last: now,
        };
    }

    fn item(&self, ok: bool) {
        let mut s = self.lock();
        s.done += 1;
        if !ok {
            s.errors += 1;
        }
        if s.last.elapsed() >= self.every {
            s.last = Instant::now();
            let _ = writeln!(std::io::stderr(), "{}", Self::line(&s));
        }
    }

    fn finish(&self) {
        let s = self.lock();
        let _ = writeln!(std::io::stderr(), "{}", Self::line(&s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_has_phase_counts_errors_and_rate() {
        let progress = LineProgress::new(Duration::from_secs(3600));
        progress.start(Phase::Migrate, 10);
        progress.item(true);
        progress.item(false);
        let line = LineProgress::line(&progress.lock());
        assert!(line.starts_with("migrate: 2/10 done, 1 errors, "), "{line}");
        assert!(line.contains("/s") && line.contains(" eta "), "{line}");
        // A listing's length is not known before it is read: never `300/0`.
        progress.start(Phase::Read, 0);
        progress.item(true);
        let line = LineProgress::line(&progress.lock());
        assert!(line.starts_with("read: 1/? done, 0 errors, "), "{line}");
        assert!(!line.contains(" eta "), "{line}");
    }
}
