//! When and how long to wait before trying a request again: exponential backoff with jitter
//! (from `backon`), capped per wait and bounded by a total time budget.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// The retry policy of one provider client.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 means no retry).
    pub max_attempts: u32,
    /// The first wait.
    pub initial_backoff: Duration,
    /// The longest single wait (a longer `Retry-After` is still honoured within the budget).
    pub max_backoff: Duration,
    /// The most time one call may spend, waits included; no retry starts past it.
    pub budget: Duration,
    /// Whether waits are randomised (full jitter), so that many clients do not retry in step.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            budget: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Quick retries for tests, simulators and examples on this machine: 3 attempts, waits of
    /// 10 to 100 ms without jitter, a 10 s budget. Tune a field with struct update syntax
    /// (`RetryPolicy { max_attempts: 8, ..RetryPolicy::quick() }`).
    ///
    /// ```
    /// use walletpass_core::http::RetryPolicy;
    /// let quick = RetryPolicy::quick();
    /// assert_eq!(quick.max_attempts, 3);
    /// assert!(!quick.jitter);
    /// ```
    pub fn quick() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
            budget: Duration::from_secs(10),
            jitter: false,
        }
    }

    /// The waits before the 2nd, 3rd, ... attempts.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + Send + use<> {
        let mut builder = ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize);
        if self.jitter {
            builder = builder.with_jitter();
        }
        builder.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stops_after_max_attempts() {
        let policy = RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            budget: Duration::from_secs(10),
            jitter: false,
        };
        let waits: Vec<u128> = policy.backoff().map(|d| d.as_millis()).collect();
        assert_eq!(waits, [100, 200, 300]);
        assert_eq!(RetryPolicy::none().backoff().count(), 0);
    }
}
