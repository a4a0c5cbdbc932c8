//! Rolling-window call accounting behind `X-App-Usage`, `X-Business-Use-Case-Usage` and the
//! throttling errors 4 (app) and 80002 (Instagram BUC).

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use crate::errors::GraphError;

/// Platform (app) window: one hour.
pub(crate) const APP_WINDOW_SECS: i64 = 3600;
/// Instagram BUC window: 24 hours.
pub(crate) const BUC_WINDOW_SECS: i64 = 86_400;

/// Call timestamps per app and per IG account.
#[derive(Clone, Debug, Default)]
pub(crate) struct Usage {
    app: BTreeMap<String, VecDeque<i64>>,
    buc: BTreeMap<String, VecDeque<i64>>,
}

#[derive(Serialize)]
struct AppUsage {
    call_count: u64,
    total_cputime: u64,
    total_time: u64,
}

#[derive(Serialize)]
struct BucUsage {
    #[serde(rename = "type")]
    kind: &'static str,
    call_count: u64,
    total_cputime: u64,
    total_time: u64,
    estimated_time_to_regain_access: u64,
}

fn prune(q: &mut VecDeque<i64>, now: i64, window: i64) {
    while q.front().is_some_and(|&t| t.saturating_add(window) <= now) {
        q.pop_front();
    }
}

/// Percent of `budget` used, rounded up (any use shows at least 1 %).
fn percent(used: usize, budget: u32) -> u64 {
    if budget == 0 {
        return 100;
    }
    let used = used as u64;
    let budget = u64::from(budget);
    (used * 100).div_ceil(budget)
}

/// Minutes until enough calls leave the window for one more call to fit (0 if not throttled).
fn regain_minutes(q: &VecDeque<i64>, now: i64, budget: u32, window: i64) -> u64 {
    let budget = budget as usize;
    if q.len() < budget {
        return 0;
    }
    if budget == 0 {
        return (window / 60) as u64;
    }
    // The call at this index must leave the window before a new one fits.
    let idx = q.len() - budget;
    let leaves_at = q.get(idx).copied().unwrap_or(now).saturating_add(window);
    let secs = leaves_at.saturating_sub(now).max(1);
    (secs as u64).div_ceil(60)
}

impl Usage {
    fn used(map: &mut BTreeMap<String, VecDeque<i64>>, key: &str, now: i64, window: i64) -> usize {
        match map.get_mut(key) {
            Some(q) => {
                prune(q, now, window);
                q.len()
            }
            None => 0,
        }
    }

    /// Refuses the call if the app or the IG account budget is spent; otherwise counts it.
    pub(crate) fn admit(
        &mut self,
        app_id: &str,
        ig_user_id: Option<&str>,
        now: i64,
        app_budget: u32,
        buc_budget: u32,
    ) -> Result<(), GraphError> {
        if Self::used(&mut self.app, app_id, now, APP_WINDOW_SECS) >= app_budget as usize {
            return Err(GraphError::app_limit_reached());
        }
        if let Some(ig) = ig_user_id {
            if Self::used(&mut self.buc, ig, now, BUC_WINDOW_SECS) >= buc_budget as usize {
                let minutes = self
                    .buc
                    .get(ig)
                    .map(|q| regain_minutes(q, now, buc_budget, BUC_WINDOW_SECS))
                    .unwrap_or(1)
                    .max(1);
                return Err(GraphError::buc_limit_reached(minutes));
            }
            self.buc.entry(ig.to_string()).or_default().push_back(now);
        }
        self.app
            .entry(app_id.to_string())
            .or_default()
            .push_back(now);
        Ok(())
    }

    /// `X-App-Usage` value for `app_id` (zeros when unknown).
    pub(crate) fn app_header(&mut self, app_id: Option<&str>, now: i64, budget: u32) -> String {
        let used = app_id
            .map(|a| Self::used(&mut self.app, a, now, APP_WINDOW_SECS))
            .unwrap_or(0);
        let pct = percent(used, budget);
        let body = AppUsage {
            call_count: pct,
            total_cputime: pct / 2,
            total_time: pct * 3 / 4,
        };
        serde_json::to_string(&body).unwrap_or_default()
    }

    /// `X-Business-Use-Case-Usage` value for an IG account.
    pub(crate) fn buc_header(
        &mut self,
        ig_user_id: &str,
        now: i64,
        budget: u32,
        regain_override: Option<u64>,
    ) -> String {
        let used = Self::used(&mut self.buc, ig_user_id, now, BUC_WINDOW_SECS);
        let pct = percent(used, budget);
        let regain = regain_override.unwrap_or_else(|| {
            self.buc
                .get(ig_user_id)
                .map(|q| regain_minutes(q, now, budget, BUC_WINDOW_SECS))
                .unwrap_or(0)
        });
        let mut map = BTreeMap::new();
        map.insert(
            ig_user_id.to_string(),
            vec![BucUsage {
                kind: "instagram",
                call_count: pct,
                total_cputime: pct / 2,
                total_time: pct * 3 / 4,
                estimated_time_to_regain_access: regain,
            }],
        );
        serde_json::to_string(&map).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_budget_and_recovery() {
        let mut u = Usage::default();
        for _ in 0..3 {
            assert!(u.admit("app", None, 0, 3, 10).is_ok());
        }
        let err = u.admit("app", None, 10, 3, 10).expect_err("throttled");
        assert_eq!(err.code, 4);
        assert!(u.admit("app", None, APP_WINDOW_SECS, 3, 10).is_ok());
        assert!(
            u.app_header(Some("app"), APP_WINDOW_SECS, 3)
                .contains("\"call_count\":34")
        );
    }

    #[test]
    fn buc_regain_minutes() {
        let mut u = Usage::default();
        assert!(u.admit("app", Some("ig"), 0, 100, 2).is_ok());
        assert!(u.admit("app", Some("ig"), 600, 100, 2).is_ok());
        let err = u
            .admit("app", Some("ig"), 1200, 100, 2)
            .expect_err("throttled");
        assert_eq!(err.code, 80002);
        assert_eq!(err.regain_minutes, Some((86_400 - 1200) / 60));
        assert!(
            u.buc_header("ig", 1200, 2, None)
                .contains("\"call_count\":100")
        );
    }
}
