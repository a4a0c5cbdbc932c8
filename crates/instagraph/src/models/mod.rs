//! Response models. Every model keeps fields it does not declare in `extra`, so nothing the
//! platform sends is lost.

pub mod user;

pub use user::{InstagramBusinessAccount, PageAccount, UserProfile};

use serde::{Deserialize, Deserializer};

/// Deserializes an optional string that may arrive as a number.
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        I(i64),
        U(u64),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|e| match e {
        Either::S(s) => s,
        Either::I(i) => i.to_string(),
        Either::U(u) => u.to_string(),
    }))
}
