//! The retry policy: which failures are retried, and how long to wait. Pure functions.

use std::time::Duration;

/// Exponential backoff with jitter: 1, 2, 4, 8 s (capped), at most `max_retries` retries.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the platform guidance: at most 5).
    pub max_retries: u32,
    /// The first delay.
    pub base: Duration,
    /// The largest backoff delay (a server-given delay may exceed it, up to `max_server_wait`).
    pub cap: Duration,
    /// Jitter as a fraction of the delay (0.2 = ±20 %).
    pub jitter: f64,
    /// The longest `Retry-After` / regain-access wait honoured; longer ones fail instead.
    pub max_server_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(8),
            jitter: 0.2,
            max_server_wait: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The delay before retry number `retry` (0-based), or `None` when no retry should happen.
    ///
    /// `server_hint` is `Retry-After` or `estimated_time_to_regain_access`, whichever is given;
    /// it replaces the backoff (never shortened by jitter). `jitter_sample` is in `[0, 1)`.
    pub fn delay(
        &self,
        retry: u32,
        server_hint: Option<Duration>,
        jitter_sample: f64,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        if let Some(hint) = server_hint {
            return (hint <= self.max_server_wait).then_some(hint);
        }
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX));
        let backoff = exp.min(self.cap);
        let sample = jitter_sample.clamp(0.0, 1.0);
        let factor = 1.0 + self.jitter * (2.0 * sample - 1.0);
        Some(backoff.mul_f64(factor.max(0.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_is_1_2_4_8_8_without_jitter() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..Default::default()
        };
        let d: Vec<_> = (0..6).map(|i| p.delay(i, None, 0.5)).collect();
        let s = |n| Some(Duration::from_secs(n));
        assert_eq!(d, vec![s(1), s(2), s(4), s(8), s(8), None]);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = RetryPolicy::default();
        let lo = p.delay(2, None, 0.0).unwrap();
        let hi = p.delay(2, None, 0.999_999).unwrap();
        assert_eq!(lo, Duration::from_millis(3200));
        assert!(
            hi > Duration::from_millis(4790) && hi <= Duration::from_millis(4800),
            "{hi:?}"
        );
    }

    #[test]
    fn server_hint_wins_unless_too_long() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(30)), 0.0),
            Some(Duration::from_secs(30))
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(3600)), 0.0), None);
        assert_eq!(RetryPolicy::none().delay(0, None, 0.0), None);
    }
}
