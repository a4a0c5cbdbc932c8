//! Request parameters merged from the query string and the body.

/// Ordered name/value pairs; later values win on lookup (body over query).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn extend(&mut self, pairs: impl IntoIterator<Item = (String, String)>) {
        self.pairs.extend(pairs);
    }

    /// Last value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
