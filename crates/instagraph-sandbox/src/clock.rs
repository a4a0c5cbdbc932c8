//! The sandbox clock and the date formats the Graph API uses.

use crate::config::ClockMode;

/// Sandbox clock: real or frozen time plus an offset moved by `advance`.
#[derive(Clone, Debug)]
pub(crate) struct Clock {
    mode: ClockMode,
    offset: i64,
}

impl Clock {
    pub(crate) fn new(mode: ClockMode) -> Self {
        Self { mode, offset: 0 }
    }

    /// Current sandbox time, unix seconds.
    pub(crate) fn now(&self) -> i64 {
        let base = match self.mode {
            ClockMode::Real => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0),
            ClockMode::Frozen { start_unix } => start_unix,
        };
        base.saturating_add(self.offset)
    }

    /// Current sandbox time, unix milliseconds (frozen clocks move in whole seconds).
    pub(crate) fn now_ms(&self) -> i64 {
        let base = match self.mode {
            ClockMode::Real => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0),
            ClockMode::Frozen { start_unix } => start_unix.saturating_mul(1000),
        };
        base.saturating_add(self.offset.saturating_mul(1000))
    }

    /// Moves the clock forward; negative values are ignored (time never goes back).
    pub(crate) fn advance(&mut self, seconds: i64) {
        self.offset = self.offset.saturating_add(seconds.max(0));
    }

    pub(crate) fn is_frozen(&self) -> bool {
        matches!(self.mode, ClockMode::Frozen { .. })
    }
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    weekday: usize,
}

fn parts(unix: i64) -> Parts {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: (secs % 3600) / 60,
        second: secs % 60,
        // 1970-01-01 was a Thursday; index 0 = Sunday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Node timestamp format: `2026-01-01T00:00:00+0000` (offset without a colon).
pub(crate) fn graph_timestamp(unix: i64) -> String {
    let p = parts(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// Format used in the "Session has expired" message: `Thursday, 01-Jan-26 00:00:00 UTC`.
pub(crate) fn session_time(unix: i64) -> String {
    let p = parts(unix);
    let month = MONTHS
        .get(p.month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    let weekday = WEEKDAYS.get(p.weekday).copied().unwrap_or("Sunday");
    format!(
        "{weekday}, {:02}-{month}-{:02} {:02}:{:02}:{:02} UTC",
        p.day,
        p.year.rem_euclid(100),
        p.hour,
        p.minute,
        p.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(graph_timestamp(1_767_225_600), "2026-01-01T00:00:00+0000");
        assert_eq!(graph_timestamp(1_628_843_128), "2021-08-13T08:25:28+0000");
        assert_eq!(
            session_time(1_767_225_600),
            "Thursday, 01-Jan-26 00:00:00 UTC"
        );
        assert_eq!(session_time(951_782_400), "Tuesday, 29-Feb-00 00:00:00 UTC");
    }

    #[test]
    fn frozen_clock_only_moves_forward() {
        let mut c = Clock::new(ClockMode::Frozen { start_unix: 100 });
        assert_eq!(c.now(), 100);
        c.advance(50);
        c.advance(-10);
        assert_eq!(c.now(), 150);
        assert!(c.is_frozen());
    }
}
