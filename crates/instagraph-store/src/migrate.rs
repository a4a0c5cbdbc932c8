//! The hand-written migration list type shared by both backends.
//!
//! Each backend keeps an ordered `MIGRATIONS` list and a small runner that creates
//! `schema_migrations(version BIGINT PRIMARY KEY, applied_at BIGINT)`, then applies every
//! migration whose version is not recorded there, each in its own transaction together with
//! its `schema_migrations` row.

/// One schema change, applied once, in order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Migration {
    /// Strictly increasing; the same number means the same change on every backend.
    pub version: i64,
    /// A short name for error messages (same on every backend).
    pub name: &'static str,
    /// The SQL, possibly several statements (run with the simple-query protocol).
    pub sql: &'static str,
}

/// The bookkeeping table, identical on both backends.
pub(crate) const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version BIGINT PRIMARY KEY, \
     applied_at BIGINT NOT NULL)";

/// Now, in unix milliseconds (0 if the clock is before 1970).
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The highest version of a list (0 for an empty list).
pub(crate) fn latest(list: &[Migration]) -> i64 {
    list.iter().map(|m| m.version).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::Migration;

    fn strictly_increasing(list: &[Migration]) -> bool {
        list.windows(2).all(|w| w[0].version < w[1].version) && list.iter().all(|m| m.version > 0)
    }

    #[test]
    fn lists_are_ordered_and_in_step() {
        let lite = crate::sqlite::MIGRATIONS;
        let pg = crate::postgres::MIGRATIONS;
        assert!(strictly_increasing(lite));
        assert!(strictly_increasing(pg));
        let ids = |l: &[Migration]| l.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
        assert_eq!(
            ids(lite),
            ids(pg),
            "every migration must exist on both backends"
        );
    }
}
