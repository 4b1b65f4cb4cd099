//! Pacing shared by every task of a run: one [`Pace`] per side (source, target) hands out
//! request slots at most `rps` per second, and a rate-limit answer (429, `Retry-After`) pauses
//! the whole side, so the run slows down instead of failing passes.
//!
//! The vendor clients have their own limiter; this one also covers providers without one (the
//! memory provider) and shares a single budget across all of the run's tasks.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// How far back missed slots may be used.
pub const CATCH_UP: Duration = Duration::from_millis(200);

/// A shared request budget for one side of a migration.
///
/// Slots are spaced `1/rps` apart; a task that comes late may use slots missed within the last
/// [`CATCH_UP`] (a short burst, well inside a vendor's one-second window), so scheduling delays
/// do not lose budget.
#[derive(Debug)]
pub struct Pace {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pace {
    /// At most `rps` requests per second (`None`: no limit, pauses still apply).
    pub fn new(rps: Option<f64>) -> Self {
        let interval = rps
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        Self {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    /// The configured rate.
    pub fn rps(&self) -> Option<f64> {
        self.interval.map(|i| 1.0 / i.as_secs_f64())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Instant> {
        // Only an Instant is held; a poisoned lock still holds a valid one.
        self.next.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait for a request slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.lock();
            let now = Instant::now();
            let earliest = now.checked_sub(CATCH_UP).unwrap_or(now);
            let slot = (*next).max(earliest);
            *next = slot + self.interval.unwrap_or(Duration::ZERO);
            slot
        };
        if slot > Instant::now() {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Pause the side: no slot is handed out before `wait` from now.
    pub fn pause(&self, wait: Duration) {
        let mut next = self.lock();
        let until = Instant::now() + wait;
        if *next < until {
            *next = until;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_and_pauses_delay_them() {
        let pace = Pace::new(Some(10.0));
        let start = Instant::now();
        for _ in 0..5 {
            pace.acquire().await;
        }
        let spent = start.elapsed();
        assert!(spent >= Duration::from_millis(400) && spent < Duration::from_millis(450));
        pace.pause(Duration::from_secs(2));
        let before = Instant::now();
        pace.acquire().await;
        assert!(before.elapsed() >= Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_task_may_use_slots_missed_in_the_last_moment_only() {
        let pace = Pace::new(Some(10.0));
        pace.acquire().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let start = Instant::now();
        for _ in 0..3 {
            pace.acquire().await;
        }
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "two missed slots and the current one"
        );
        pace.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn no_limit_means_no_wait() {
        let pace = Pace::new(None);
        let start = Instant::now();
        for _ in 0..100 {
            pace.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
