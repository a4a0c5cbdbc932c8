//! Sandbox configuration.

use serde::{Deserialize, Serialize};

/// Unix time of 2026-01-01T00:00:00Z, the start of the deterministic clock.
pub const DETERMINISTIC_START_UNIX: i64 = 1_767_225_600;

/// How the sandbox clock behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum ClockMode {
    /// Wall-clock time (plus any offset added through [`crate::Sandbox::advance`]).
    Real,
    /// Time starts at `start_unix` and only moves through [`crate::Sandbox::advance`] or the
    /// control API.
    Frozen {
        /// Unix seconds the clock starts at.
        start_unix: i64,
    },
}

/// Configuration of a [`crate::Sandbox`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SandboxConfig {
    /// Seed of the PRNG that produces ids, tokens, trace ids and cursor salts.
    pub seed: u64,
    /// Clock behaviour.
    pub clock: ClockMode,
    /// Calls per rolling hour an app may make before error code 4.
    pub app_budget_per_hour: u32,
    /// Calls per rolling 24 h an Instagram account may receive before error code 80002.
    pub buc_budget_per_day: u32,
    /// Content publishing: quota, processing times, container lifetime.
    pub publishing: crate::publishing::PublishingConfig,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            clock: ClockMode::Real,
            app_budget_per_hour: 2000,
            buc_budget_per_day: 4800,
            publishing: crate::publishing::PublishingConfig::default(),
        }
    }
}

impl SandboxConfig {
    /// Seed 42 and a frozen clock at 2026-01-01T00:00:00Z: identical inputs give identical
    /// outputs.
    pub fn deterministic() -> Self {
        Self {
            clock: ClockMode::Frozen {
                start_unix: DETERMINISTIC_START_UNIX,
            },
            ..Self::default()
        }
    }
}
