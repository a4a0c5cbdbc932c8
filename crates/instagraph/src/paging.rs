//! Cursor pagination: a page type and a stream over pages, guarded against repeated cursors and
//! empty pages that still carry `next`.

use serde::{Deserialize, Serialize};

/// `paging.cursors`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cursors {
    /// Cursor to the page before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Cursor to the page after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// The `paging` object of a list response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Paging {
    /// Opaque cursors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursors: Option<Cursors>,
    /// Absolute URL of the next page (it may embed the access token: never log it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Absolute URL of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// One page of a list: `{"data": [...], "paging": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// Paging information; absent on single-page lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
    /// `summary` (e.g. `total_count`) where the edge gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<serde_json::Value>,
}

impl<T> Page<T> {
    /// The `after` cursor, if the platform says there is a next page.
    pub fn next_cursor(&self) -> Option<&str> {
        let paging = self.paging.as_ref()?;
        paging.next.as_ref()?;
        paging.cursors.as_ref()?.after.as_deref()
    }

    /// The `next` URL, if any.
    pub fn next_url(&self) -> Option<&str> {
        self.paging.as_ref()?.next.as_deref()
    }
}

/// What to do after a page, decided by [`PageGuard`].
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Fetch the next page from this URL.
    Next(String),
    /// The list is complete.
    Done,
    /// The platform repeated a cursor; stop with an error naming it.
    Loop(String),
}

/// Guards a pagination walk: stops on a repeated cursor or URL, and after too many consecutive
/// empty pages that still carry `next`.
#[derive(Debug, Default)]
pub struct PageGuard {
    seen: std::collections::HashSet<String>,
    empty_in_a_row: u32,
}

/// How many empty pages with `next` in a row are followed before the walk ends.
pub const MAX_EMPTY_PAGES: u32 = 3;

impl PageGuard {
    /// Decides the next step after `page`.
    pub fn step<T>(&mut self, page: &Page<T>) -> Step {
        let Some(next) = page.next_url() else {
            return Step::Done;
        };
        if page.data.is_empty() {
            self.empty_in_a_row += 1;
            if self.empty_in_a_row > MAX_EMPTY_PAGES {
                return Step::Done;
            }
        } else {
            self.empty_in_a_row = 0;
        }
        let marker = page
            .next_cursor()
            .map(str::to_owned)
            .unwrap_or_else(|| next.to_owned());
        if !self.seen.insert(marker.clone()) {
            return Step::Loop(marker);
        }
        Step::Next(next.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize, after: Option<&str>, next: bool) -> Page<u32> {
        Page {
            data: (0..n as u32).collect(),
            paging: Some(Paging {
                cursors: Some(Cursors {
                    before: None,
                    after: after.map(str::to_owned),
                }),
                next: next.then(|| format!("https://x/next?after={}", after.unwrap_or(""))),
                previous: None,
            }),
            summary: None,
        }
    }

    #[test]
    fn repeated_cursor_is_a_loop() {
        let mut g = PageGuard::default();
        assert!(matches!(g.step(&page(2, Some("A"), true)), Step::Next(_)));
        assert!(matches!(g.step(&page(2, Some("B"), true)), Step::Next(_)));
        assert_eq!(g.step(&page(2, Some("A"), true)), Step::Loop("A".into()));
    }

    #[test]
    fn no_next_is_done_even_with_an_after_cursor() {
        let mut g = PageGuard::default();
        assert_eq!(g.step(&page(1, Some("A"), false)), Step::Done);
    }

    #[test]
    fn empty_pages_with_next_end_after_a_bound() {
        let mut g = PageGuard::default();
        for i in 0..MAX_EMPTY_PAGES {
            assert!(matches!(
                g.step(&page(0, Some(&format!("c{i}")), true)),
                Step::Next(_)
            ));
        }
        assert_eq!(g.step(&page(0, Some("last"), true)), Step::Done);
    }
}
