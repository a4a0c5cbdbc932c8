//! Our own tools: one per operation of the toolkit, named in snake_case, with parameters taken
//! from the client's own types where it has them (posts, buttons, quick replies, templates,
//! messenger-profile entries, batch operations, ids), so that the schema an agent sees is the
//! one the client validates.
//!
//! Every tool takes an optional `ig_user_id` (an IG user id, a stored account's name, or `me`)
//! and returns Graph-shaped JSON (the client's typed results, serialized). Results never carry
//! tokens: secret query parameters in URLs (paging links) and secret fields are redacted.
//!
//! The descriptions carry the platform rules an agent needs to get a call right the first time
//! (limits, windows, readiness, budgets, removed metrics); the client checks the same rules
//! before the network and answers with the field, the limit and the value.
//!
//! The tools by area:
//! - [`account`]: the account's profile.
//! - [`messaging`]: Instagram Direct (sends, sender actions, reactions, private replies,
//!   conversations, the messaging window) and the messenger profile.
//! - [`engagement`]: media, comments, mentions.
//! - [`discovery`]: hashtags, business discovery, insights, shopping.
//! - [`publishing`]: publishing now, containers, the quota, scheduled posts and drafts.
//! - [`raw`]: any Graph path (reads and writes apart) and batches of reads.

pub mod account;
pub mod discovery;
pub mod engagement;
pub mod messaging;
pub mod publishing;
pub mod raw;
mod util;

use crate::action::Action;

pub use account::Account;

/// Every native tool.
pub fn actions() -> Vec<Action> {
    let mut all = Vec::new();
    all.extend(account::actions());
    all.extend(messaging::actions());
    all.extend(engagement::actions());
    all.extend(discovery::actions());
    all.extend(publishing::actions());
    all.extend(raw::actions());
    all
}
