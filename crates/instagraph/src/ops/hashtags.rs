//! Hashtag search (Facebook Login; the app needs *Instagram Public Content Access*): a
//! hashtag's id by name, its top media, its recent media (the last 24 hours), and the hashtags
//! the account searched recently.
//!
//! **Budget.** The platform lets an account query at most 30 unique hashtags in a rolling
//! 7 days; re-querying a counted hashtag is free and does not restart its window. The client
//! keeps that count locally under [`OperationClass::HashtagSearch`] (each hashtag recorded once
//! per window, persisted through the budget sink like the other budgets) and refuses a search
//! that would exceed it with [`Error::BudgetExhausted`], naming when a slot frees up, before
//! anything is sent. [`Client::hashtag_budget`] reports it.
//!
//! **Cache.** Hashtag ids are global and never change, so ids found are cached (per base URL)
//! and a repeated search costs no call.

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::Error;
use crate::fields::Node;
use crate::ids::{HashtagId, IgUserId};
use crate::models::{Hashtag, Media};
use crate::ops::media::ListQuery;
use crate::paging::Page;
use crate::ratelimit::{Acquire, Budget, LocalBudgets, OperationClass};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// Unique hashtags per account per window (the platform's figure).
pub const HASHTAGS_PER_WINDOW: u32 = 30;
/// The window: 7 days.
pub const HASHTAG_WINDOW_SECS: u64 = 7 * 24 * 3600;
/// The largest `limit` of `top_media` / `recent_media`.
pub const MAX_HASHTAG_MEDIA_LIMIT: u32 = 50;
/// Longest hashtag name accepted.
pub const MAX_HASHTAG_CHARS: usize = 100;

const FB_ONLY: Option<&str> = Some(
    "hashtag search is offered with Facebook Login only (and needs Instagram Public Content Access)",
);

/// Hashtag ids found so far, per base URL and lowercase name.
static CACHE: LazyLock<Mutex<HashMap<(String, String), HashtagId>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn cache() -> std::sync::MutexGuard<'static, HashMap<(String, String), HashtagId>> {
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Normalises a hashtag name: trims, drops a leading `#`, lowercases; refuses empty names,
/// spaces, punctuation and emojis (the platform does not support them).
pub fn normalize_hashtag(name: &str) -> Result<String, Error> {
    let t = name.trim();
    let t = t.strip_prefix('#').unwrap_or(t);
    let n = t.chars().count();
    if n == 0 || n > MAX_HASHTAG_CHARS {
        return Err(Error::invalid_input(
            "hashtag",
            format!("1 to {MAX_HASHTAG_CHARS} characters"),
            name,
        ));
    }
    if !t.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(Error::invalid_input(
            "hashtag",
            "letters, digits and underscores only (no spaces, punctuation or emojis)",
            name,
        ));
    }
    Ok(t.to_lowercase())
}

/// The local hashtag budget of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashtagBudget {
    /// Unique hashtags searched in the current window.
    pub used: usize,
    /// The limit (30 by default).
    pub limit: u32,
    /// The window in seconds (7 days).
    pub window_secs: u64,
    /// The hashtags counted, by name.
    pub hashtags: Vec<String>,
    /// When the next slot frees up, in seconds, once the budget is spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_slot_in_secs: Option<u64>,
}

fn tag_key(account: &str, name: &str) -> String {
    format!(
        "{}#{name}",
        LocalBudgets::key(OperationClass::HashtagSearch, account)
    )
}

impl Client {
    fn hashtag_budget_config(&self) -> Budget {
        self.config()
            .budgets
            .budgets
            .get(&OperationClass::HashtagSearch)
            .copied()
            .unwrap_or(Budget {
                limit: HASHTAGS_PER_WINDOW,
                window_secs: HASHTAG_WINDOW_SECS,
            })
    }

    /// The local count of unique hashtags searched in the rolling window.
    pub fn hashtag_budget(&self) -> HashtagBudget {
        let budget = self.hashtag_budget_config();
        let account = self.budget_account().to_owned();
        let class_key = LocalBudgets::key(OperationClass::HashtagSearch, &account);
        let prefix = format!("{class_key}#");
        self.with_local_budgets(|b, now| {
            let used = b.used(&class_key, budget.window_secs, now);
            let hashtags: Vec<String> = b
                .keys()
                .into_iter()
                .filter_map(|k| {
                    let name = k.strip_prefix(&prefix)?.to_owned();
                    (b.used(&k, budget.window_secs, now) > 0).then_some(name)
                })
                .collect();
            let next_slot_in_secs = if used >= budget.limit as usize {
                match b.try_acquire(&class_key, budget, now) {
                    Acquire::WaitUntil(t) => {
                        Some(u64::try_from((t - now).max(0)).unwrap_or(0).div_ceil(1000))
                    }
                    Acquire::Granted => None,
                }
            } else {
                None
            };
            HashtagBudget {
                used,
                limit: budget.limit,
                window_secs: budget.window_secs,
                hashtags,
                next_slot_in_secs,
            }
        })
    }

    /// Counts `name` against the budget unless it is already counted; refuses when the budget
    /// is spent. Returns the records to persist.
    fn count_hashtag(&self, name: &str) -> Result<Vec<(String, i64)>, Error> {
        let budget = self.hashtag_budget_config();
        let account = self.budget_account().to_owned();
        let class_key = LocalBudgets::key(OperationClass::HashtagSearch, &account);
        let key = tag_key(&account, name);
        self.with_local_budgets(|b, now| {
            if b.used(&key, budget.window_secs, now) > 0 {
                return Ok(Vec::new());
            }
            match b.try_acquire(&class_key, budget, now) {
                Acquire::Granted => {
                    let once = Budget {
                        limit: 1,
                        window_secs: budget.window_secs,
                    };
                    let _ = b.try_acquire(&key, once, now);
                    Ok(vec![(class_key.clone(), now), (key.clone(), now)])
                }
                Acquire::WaitUntil(t) => Err(Error::BudgetExhausted {
                    class: format!(
                        "{} (unique hashtags; #{name} would be number {})",
                        OperationClass::HashtagSearch.as_str(),
                        budget.limit + 1
                    ),
                    limit: budget.limit,
                    window_secs: budget.window_secs,
                    wait_secs: u64::try_from((t - now).max(0)).unwrap_or(0).div_ceil(1000),
                }),
            }
        })
    }

    fn hashtag_user(&self) -> Result<IgUserId, Error> {
        self.config().ig_user_id.clone().ok_or_else(|| {
            Error::Config(
                "hashtag search needs the IG user id: set --ig-user-id or INSTAGRAPH_IG_USER_ID"
                    .into(),
            )
        })
    }

    /// `GET /ig_hashtag_search?user_id=..&q=NAME`: the hashtag's id (cached; counted against
    /// the 30-per-7-days budget unless already counted).
    pub async fn hashtag_search(&self, name: &str) -> Result<Hashtag, Error> {
        self.require_family(LoginFamily::Facebook, "hashtag search", FB_ONLY)?;
        let name = normalize_hashtag(name)?;
        let user = self.hashtag_user()?;
        let cache_key = (self.base_url().to_owned(), name.clone());
        if let Some(id) = cache().get(&cache_key).cloned() {
            return Ok(Hashtag {
                id,
                name: Some(name),
                extra: Default::default(),
            });
        }
        let records = self.count_hashtag(&name)?;
        for (key, at) in &records {
            self.persist_budget_record(key, *at).await;
        }
        let req = Request::get("ig_hashtag_search")
            .query("user_id", user.as_str())
            .query("q", name.as_str());
        let page: Page<Hashtag> = self.page(req).await?;
        let mut found = page.data.into_iter().next().ok_or_else(|| Error::Http {
            status: 200,
            snippet: format!("the platform found no hashtag named #{name}"),
        })?;
        if found.name.is_none() {
            found.name = Some(name.clone());
        }
        cache().insert(cache_key, found.id.clone());
        Ok(found)
    }

    /// `GET /{hashtag-id}?fields=id,name`.
    pub async fn hashtag(&self, id: &HashtagId) -> Result<Hashtag, Error> {
        self.require_family(LoginFamily::Facebook, "reading a hashtag", FB_ONLY)?;
        HashtagId::parse(id.as_str())?;
        self.send_json(Request::get(id.as_str()).query("fields", "id,name"))
            .await
    }

    fn hashtag_media_request(
        &self,
        id: &HashtagId,
        edge: &str,
        q: &ListQuery,
    ) -> Result<Request, Error> {
        self.require_family(LoginFamily::Facebook, "hashtag media", FB_ONLY)?;
        HashtagId::parse(id.as_str())?;
        let user = self.hashtag_user()?;
        q.apply(
            Request::get(format!("{id}/{edge}")).query("user_id", user.as_str()),
            Node::HashtagMedia,
            self.login(),
            MAX_HASHTAG_MEDIA_LIMIT,
        )
    }

    /// `GET /{hashtag-id}/top_media?user_id=..`: the most popular media with the hashtag.
    pub fn hashtag_top_media_request(
        &self,
        id: &HashtagId,
        q: &ListQuery,
    ) -> Result<Request, Error> {
        self.hashtag_media_request(id, "top_media", q)
    }

    /// `GET /{hashtag-id}/recent_media?user_id=..`: media with the hashtag from the last 24 hours.
    pub fn hashtag_recent_media_request(
        &self,
        id: &HashtagId,
        q: &ListQuery,
    ) -> Result<Request, Error> {
        self.hashtag_media_request(id, "recent_media", q)
    }

    /// The first page of [`Client::hashtag_top_media_request`].
    pub async fn hashtag_top_media(
        &self,
        id: &HashtagId,
        q: &ListQuery,
    ) -> Result<Page<Media>, Error> {
        self.page(self.hashtag_top_media_request(id, q)?).await
    }

    /// The first page of [`Client::hashtag_recent_media_request`].
    pub async fn hashtag_recent_media(
        &self,
        id: &HashtagId,
        q: &ListQuery,
    ) -> Result<Page<Media>, Error> {
        self.page(self.hashtag_recent_media_request(id, q)?).await
    }

    /// `GET /{ig-user-id}/recently_searched_hashtags`: what the platform counts against the
    /// account this week (up to 30 per page).
    pub async fn recently_searched_hashtags(&self) -> Result<Vec<Hashtag>, Error> {
        self.require_family(LoginFamily::Facebook, "recently searched hashtags", FB_ONLY)?;
        let node = self.account_node()?;
        let page: Page<Hashtag> = self
            .page(
                Request::get(format!("{node}/recently_searched_hashtags"))
                    .query("fields", "id,name")
                    .query("limit", "30"),
            )
            .await?;
        Ok(page.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_emojis_refused() {
        assert_eq!(normalize_hashtag(" #Coffee ").unwrap(), "coffee");
        assert_eq!(normalize_hashtag("café_2024").unwrap(), "café_2024");
        let e = normalize_hashtag("#☕").unwrap_err().to_string();
        assert!(e.contains("emojis"), "{e}");
        assert!(normalize_hashtag("two words").is_err());
        assert!(normalize_hashtag("#").is_err());
    }
}
