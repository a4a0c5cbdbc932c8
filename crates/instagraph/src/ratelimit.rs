//! Rate-limit awareness: the platform's usage headers, pacing before the limit, and local
//! per-operation-class budgets that a bulk job can pace itself against.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// `X-App-Usage` (percentages of the app's hourly quota).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppUsage {
    /// Percent of calls used.
    #[serde(default)]
    pub call_count: u32,
    /// Percent of CPU time used.
    #[serde(default)]
    pub total_cputime: u32,
    /// Percent of total time used.
    #[serde(default)]
    pub total_time: u32,
}

impl AppUsage {
    /// The highest of the three percentages.
    pub fn max_percent(&self) -> u32 {
        self.call_count.max(self.total_cputime).max(self.total_time)
    }
}

/// One entry of `X-Business-Use-Case-Usage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BucUsage {
    /// The use case: `instagram`, `pages`, `messenger`, ...
    #[serde(rename = "type", default)]
    pub use_case: String,
    /// Percent of calls used.
    #[serde(default)]
    pub call_count: u32,
    /// Percent of CPU time used.
    #[serde(default)]
    pub total_cputime: u32,
    /// Percent of total time used.
    #[serde(default)]
    pub total_time: u32,
    /// Minutes until access returns (0 when not throttled).
    #[serde(default)]
    pub estimated_time_to_regain_access: u64,
}

impl BucUsage {
    /// The highest of the three percentages.
    pub fn max_percent(&self) -> u32 {
        self.call_count.max(self.total_cputime).max(self.total_time)
    }
}

/// The platform's usage figures from the last response that carried them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlatformUsage {
    /// `X-App-Usage`, if present.
    pub app: Option<AppUsage>,
    /// `X-Business-Use-Case-Usage`, keyed by business object id.
    pub business: BTreeMap<String, Vec<BucUsage>>,
}

impl PlatformUsage {
    /// Parses the two headers; malformed values are ignored (logged by the caller), never fatal.
    pub fn from_headers(app: Option<&str>, buc: Option<&str>) -> Self {
        Self {
            app: app.and_then(|s| serde_json::from_str(s).ok()),
            business: buc
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default(),
        }
    }

    /// True when neither header was present.
    pub fn is_empty(&self) -> bool {
        self.app.is_none() && self.business.is_empty()
    }

    /// The highest percentage across all figures.
    pub fn max_percent(&self) -> u32 {
        let buc = self
            .business
            .values()
            .flatten()
            .map(BucUsage::max_percent)
            .max()
            .unwrap_or(0);
        self.app
            .as_ref()
            .map(AppUsage::max_percent)
            .unwrap_or(0)
            .max(buc)
    }

    /// The longest `estimated_time_to_regain_access`, in minutes.
    pub fn regain_minutes(&self) -> u64 {
        self.business
            .values()
            .flatten()
            .map(|b| b.estimated_time_to_regain_access)
            .max()
            .unwrap_or(0)
    }
}

/// How the client slows down as the platform's usage approaches 100 %.
#[derive(Clone, Debug, PartialEq)]
pub struct PacingPolicy {
    /// Whether to pace at all (off: calls go out and the platform's throttling errors come back).
    pub enabled: bool,
    /// Below this percentage no delay is added.
    pub start_percent: u32,
    /// The delay added just below 100 %; it grows linearly from `start_percent`.
    pub max_delay: Duration,
}

impl Default for PacingPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            start_percent: 80,
            max_delay: Duration::from_secs(30),
        }
    }
}

impl PacingPolicy {
    /// The delay to add before the next call, given the last usage. Pure.
    pub fn delay(&self, usage: &PlatformUsage) -> Duration {
        if !self.enabled {
            return Duration::ZERO;
        }
        let regain = usage.regain_minutes();
        if regain > 0 {
            return Duration::from_secs(regain.saturating_mul(60));
        }
        let pct = usage.max_percent();
        if pct < self.start_percent || self.start_percent >= 100 {
            return Duration::ZERO;
        }
        let span = f64::from(100 - self.start_percent);
        let over = f64::from(pct.min(100) - self.start_percent);
        self.max_delay.mul_f64(over / span)
    }
}

/// Extra wait (ms) before a slot of a sub-minute window (per-second pacing) is used again, so the
/// platform, which counts from when a call arrives, never sees one call too many.
pub const SHORT_WINDOW_MARGIN_MS: i64 = 100;

/// The classes local budgets are kept for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OperationClass {
    /// Sending messages (per account).
    Messaging,
    /// Creating media containers and uploads (per account).
    MediaUpload,
    /// User profile lookups by IGSID (per app).
    UserProfile,
    /// Everything else (no local limit by default).
    Other,
    /// Per-second pacing of text, link, image, sticker, template, reaction and sender-action
    /// sends (per account; documented at 300 per second).
    SendText,
    /// Per-second pacing of audio and video sends (per account; documented at 10 per second).
    SendMedia,
    /// Per-second pacing of Conversations API reads (per account; documented at 2 per second).
    Conversations,
    /// Private replies to comments (per account; documented at 750 per hour).
    PrivateReplies,
    /// Unique hashtags searched (per account; documented at 30 per rolling 7 days). Kept by
    /// `ops::hashtags`, which records each hashtag once per window: re-searching a counted
    /// hashtag is free, as on the platform.
    HashtagSearch,
}

impl OperationClass {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationClass::Messaging => "messaging",
            OperationClass::MediaUpload => "media-upload",
            OperationClass::UserProfile => "user-profile",
            OperationClass::Other => "other",
            OperationClass::SendText => "send-text",
            OperationClass::SendMedia => "send-media",
            OperationClass::Conversations => "conversations",
            OperationClass::PrivateReplies => "private-replies",
            OperationClass::HashtagSearch => "hashtag-search",
        }
    }

    /// Whether the budget is kept per account (true) or per app (false).
    pub fn per_account(self) -> bool {
        !matches!(self, OperationClass::UserProfile)
    }

    /// All classes.
    pub const ALL: [OperationClass; 9] = [
        OperationClass::Messaging,
        OperationClass::MediaUpload,
        OperationClass::UserProfile,
        OperationClass::Other,
        OperationClass::SendText,
        OperationClass::SendMedia,
        OperationClass::Conversations,
        OperationClass::PrivateReplies,
        OperationClass::HashtagSearch,
    ];
}

/// One budget: at most `limit` calls in any rolling `window`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Calls allowed per window.
    pub limit: u32,
    /// The window length in seconds.
    pub window_secs: u64,
}

/// Local budgets per class, with the documented defaults: messaging 200/h per account, media
/// upload 50/h per account, user profile 200/h per app, private replies 750/h per account, 30
/// unique hashtags searched per account per rolling 7 days, and the per-second send pacing of the Messenger Platform (300/s text, 10/s audio and video, 2/s
/// Conversations API), so a bulk send paces itself instead of failing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetConfig {
    /// Budget per class; a class without an entry is not limited locally.
    pub budgets: BTreeMap<OperationClass, Budget>,
    /// The platform-usage pacing.
    #[serde(skip)]
    pub pacing: PacingPolicy,
    /// The longest a call waits for a local slot before failing with `BudgetExhausted`.
    pub max_wait_secs: u64,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        let hour = 3600;
        Self {
            budgets: BTreeMap::from([
                (
                    OperationClass::Messaging,
                    Budget {
                        limit: 200,
                        window_secs: hour,
                    },
                ),
                (
                    OperationClass::MediaUpload,
                    Budget {
                        limit: 50,
                        window_secs: hour,
                    },
                ),
                (
                    OperationClass::UserProfile,
                    Budget {
                        limit: 200,
                        window_secs: hour,
                    },
                ),
                (
                    OperationClass::PrivateReplies,
                    Budget {
                        limit: 750,
                        window_secs: hour,
                    },
                ),
                (
                    OperationClass::HashtagSearch,
                    Budget {
                        limit: 30,
                        window_secs: 7 * 24 * hour,
                    },
                ),
                (
                    OperationClass::SendText,
                    Budget {
                        limit: 300,
                        window_secs: 1,
                    },
                ),
                (
                    OperationClass::SendMedia,
                    Budget {
                        limit: 10,
                        window_secs: 1,
                    },
                ),
                (
                    OperationClass::Conversations,
                    Budget {
                        limit: 2,
                        window_secs: 1,
                    },
                ),
            ]),
            pacing: PacingPolicy::default(),
            max_wait_secs: 3600,
        }
    }
}

/// Persists budget usage so that a restarted service keeps pacing (implemented by the store).
pub trait BudgetSink: Send + Sync + 'static {
    /// Records one call under `key` at `at_ms` (unix milliseconds). Failures are the sink's to log.
    fn record<'a>(
        &'a self,
        key: &'a str,
        at_ms: i64,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

/// Sliding-window call logs per key (`class:account`). Pure state: the caller supplies the time.
#[derive(Debug, Default)]
pub struct LocalBudgets {
    calls: HashMap<String, VecDeque<i64>>,
}

/// The result of asking for a slot.
#[derive(Debug, PartialEq, Eq)]
pub enum Acquire {
    /// The call may go now; it has been recorded.
    Granted,
    /// The next slot frees up at this time (unix ms); nothing was recorded.
    WaitUntil(i64),
}

impl LocalBudgets {
    /// The key a class and account are kept under.
    pub fn key(class: OperationClass, account: &str) -> String {
        if class.per_account() {
            format!("{}:{account}", class.as_str())
        } else {
            format!("{}:app", class.as_str())
        }
    }

    /// Asks for a slot under `budget` at `now_ms`; records the call when granted.
    pub fn try_acquire(&mut self, key: &str, budget: Budget, now_ms: i64) -> Acquire {
        let window_ms = i64::try_from(budget.window_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let log = self.calls.entry(key.to_owned()).or_default();
        while log
            .front()
            .is_some_and(|&t| t <= now_ms.saturating_sub(window_ms))
        {
            log.pop_front();
        }
        if budget.limit == 0 {
            return Acquire::WaitUntil(i64::MAX);
        }
        if log.len() < budget.limit as usize {
            log.push_back(now_ms);
            Acquire::Granted
        } else {
            let oldest = log.front().copied().unwrap_or(now_ms);
            Acquire::WaitUntil(oldest.saturating_add(window_ms))
        }
    }

    /// Calls recorded under `key` within the window ending at `now_ms`.
    pub fn used(&self, key: &str, window_secs: u64, now_ms: i64) -> usize {
        let from = now_ms
            .saturating_sub(i64::try_from(window_secs.saturating_mul(1000)).unwrap_or(i64::MAX));
        self.calls
            .get(key)
            .map(|l| l.iter().filter(|&&t| t > from).count())
            .unwrap_or(0)
    }

    /// Restores recorded calls (from the store after a restart).
    pub fn restore(&mut self, entries: impl IntoIterator<Item = (String, i64)>) {
        for (key, at) in entries {
            let log = self.calls.entry(key).or_default();
            let pos = log.partition_point(|&t| t <= at);
            log.insert(pos, at);
        }
    }

    /// All keys with their recorded calls.
    pub fn keys(&self) -> Vec<String> {
        let mut k: Vec<_> = self.calls.keys().cloned().collect();
        k.sort();
        k
    }
}

/// A row of `instagraph usage`: our own budget figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalUsage {
    /// The budget key.
    pub key: String,
    /// The class.
    pub class: OperationClass,
    /// Calls in the current window.
    pub used: usize,
    /// The budget.
    pub limit: u32,
    /// The window in seconds.
    pub window_secs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_usage_headers_including_the_fixture_shape() {
        let u = PlatformUsage::from_headers(
            Some(r#"{"call_count":28,"total_cputime":25,"total_time":25}"#),
            Some(
                r#"{"17841400000000001":[{"type":"instagram","call_count":91,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":0}]}"#,
            ),
        );
        assert_eq!(u.app.as_ref().unwrap().call_count, 28);
        assert_eq!(u.max_percent(), 91);
        assert_eq!(u.regain_minutes(), 0);
        assert!(PlatformUsage::from_headers(Some("garbage"), None).is_empty());
    }

    #[test]
    fn pacing_slows_before_the_limit() {
        let p = PacingPolicy::default();
        let at = |pct| PlatformUsage {
            app: Some(AppUsage {
                call_count: pct,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(p.delay(&at(50)), Duration::ZERO);
        assert_eq!(p.delay(&at(79)), Duration::ZERO);
        assert_eq!(p.delay(&at(90)), Duration::from_secs(15));
        assert_eq!(p.delay(&at(100)), Duration::from_secs(30));
        assert_eq!(p.delay(&at(150)), Duration::from_secs(30));
        let mut throttled = at(10);
        throttled.business.insert(
            "x".into(),
            vec![BucUsage {
                estimated_time_to_regain_access: 3,
                ..Default::default()
            }],
        );
        assert_eq!(p.delay(&throttled), Duration::from_secs(180));
        let off = PacingPolicy {
            enabled: false,
            ..PacingPolicy::default()
        };
        assert_eq!(off.delay(&throttled), Duration::ZERO);
    }

    #[test]
    fn sliding_window_grants_up_to_the_limit_then_names_the_wait() {
        let mut b = LocalBudgets::default();
        let budget = Budget {
            limit: 3,
            window_secs: 60,
        };
        for t in [0, 10_000, 20_000] {
            assert_eq!(b.try_acquire("k", budget, t), Acquire::Granted);
        }
        assert_eq!(
            b.try_acquire("k", budget, 30_000),
            Acquire::WaitUntil(60_000)
        );
        assert_eq!(b.used("k", 60, 30_000), 3);
        assert_eq!(b.try_acquire("k", budget, 60_000), Acquire::Granted);
        assert_eq!(b.used("k", 60, 60_000), 3);
    }

    #[test]
    fn restore_keeps_order_and_counts() {
        let mut b = LocalBudgets::default();
        b.restore([("k".to_string(), 5_000), ("k".to_string(), 1_000)]);
        let budget = Budget {
            limit: 2,
            window_secs: 10,
        };
        assert_eq!(
            b.try_acquire("k", budget, 6_000),
            Acquire::WaitUntil(11_000)
        );
        assert_eq!(
            LocalBudgets::key(OperationClass::UserProfile, "acct"),
            "user-profile:app"
        );
        assert_eq!(
            LocalBudgets::key(OperationClass::Messaging, "acct"),
            "messaging:acct"
        );
    }
}
