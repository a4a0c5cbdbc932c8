//! Time as the client sees it. Injected so that pacing and budgets are testable under a paused
//! tokio clock.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in unix milliseconds.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Now, in unix milliseconds.
    fn now_ms(&self) -> i64;
}

/// Wall-clock time that advances with tokio's clock: real in production, and under
/// `tokio::time::pause()` it moves exactly as far as the test's sleeps, so budgets roll over
/// deterministically.
#[derive(Debug)]
pub struct TokioClock {
    base_ms: i64,
    base: tokio::time::Instant,
}

impl TokioClock {
    /// Anchors the clock at the current system time.
    pub fn new() -> Self {
        let base_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self {
            base_ms,
            base: tokio::time::Instant::now(),
        }
    }

    /// Anchors the clock at a chosen time (tests).
    pub fn starting_at(base_ms: i64) -> Self {
        Self {
            base_ms,
            base: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> i64 {
        let elapsed = tokio::time::Instant::now().saturating_duration_since(self.base);
        self.base_ms
            .saturating_add(i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;
