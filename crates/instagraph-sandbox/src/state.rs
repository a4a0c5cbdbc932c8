//! The sandbox's mutable world: apps, users, pages, IG accounts, media, tokens, usage,
//! pending faults and the request log. Everything lives behind one mutex in [`crate::Sandbox`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::clock::Clock;
use crate::config::SandboxConfig;
use crate::rng::SplitMix64;
use crate::types::{Fault, LoginFamily, RecordedRequest, SeededAccount};
use crate::usage::Usage;

/// Most recent requests kept in the log.
pub(crate) const MAX_RECORDED: usize = 10_000;

/// 60 days, the lifetime of long-lived tokens.
pub(crate) const LONG_LIVED_SECS: i64 = 5_184_000;

/// A Meta app (Facebook app or Instagram app).
#[derive(Clone, Debug)]
pub(crate) struct App {
    pub(crate) secret: String,
    pub(crate) require_proof: bool,
}

/// A Facebook user (Facebook Login).
#[derive(Clone, Debug)]
pub(crate) struct FbUser {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    /// Pages the user has a task on, in `/me/accounts` order.
    pub(crate) page_ids: Vec<String>,
}

/// A Facebook Page.
#[derive(Clone, Debug)]
pub(crate) struct Page {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) category: String,
    pub(crate) category_id: String,
    pub(crate) tasks: Vec<String>,
    /// Page access token handed out by `/me/accounts`.
    pub(crate) access_token: String,
    /// Linked IG professional account.
    pub(crate) ig_user_id: Option<String>,
}

/// An Instagram professional account.
#[derive(Clone, Debug)]
pub(crate) struct IgAccount {
    pub(crate) ig_user_id: String,
    /// IG-Login app-scoped id (Instagram Login accounts).
    pub(crate) app_scoped_id: Option<String>,
    pub(crate) ig_id: u64,
    pub(crate) username: String,
    pub(crate) name: String,
    pub(crate) account_type: String,
    pub(crate) biography: String,
    pub(crate) website: String,
    pub(crate) followers_count: u64,
    pub(crate) follows_count: u64,
    pub(crate) profile_picture_url: String,
    /// Media ids, newest first.
    pub(crate) media: Vec<String>,
}

/// An IG media object.
#[derive(Clone, Debug)]
pub(crate) struct Media {
    pub(crate) id: String,
    pub(crate) ig_id: String,
    pub(crate) owner: String,
    pub(crate) media_type: String,
    pub(crate) media_product_type: String,
    pub(crate) caption: String,
    pub(crate) shortcode: String,
    pub(crate) timestamp: i64,
    pub(crate) like_count: u64,
    pub(crate) comments_count: u64,
    pub(crate) media_url: String,
    pub(crate) thumbnail_url: Option<String>,
    pub(crate) is_comment_enabled: bool,
}

/// Whom a token acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Subject {
    FbUser(String),
    Page(String),
    IgUser(String),
}

/// An issued access token.
#[derive(Clone, Debug)]
pub(crate) struct TokenRecord {
    pub(crate) app_id: String,
    pub(crate) family: LoginFamily,
    pub(crate) subject: Subject,
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) revoked: bool,
    /// When it was issued, or last refreshed (sandbox clock, unix seconds).
    pub(crate) issued_at: i64,
}

/// A fault waiting to fire.
#[derive(Clone, Debug)]
pub(crate) struct PendingFault {
    pub(crate) fault: Fault,
    pub(crate) remaining: u32,
}

/// Everything the sandbox knows.
pub(crate) struct State {
    pub(crate) config: SandboxConfig,
    pub(crate) clock: Clock,
    /// Ids, tokens and secrets.
    pub(crate) rng: SplitMix64,
    /// fbtrace ids (a separate stream so minting stays independent of traffic).
    pub(crate) trace_rng: SplitMix64,
    /// Salt of paging cursors.
    pub(crate) cursor_salt: u64,
    pub(crate) apps: BTreeMap<String, App>,
    pub(crate) fb_users: BTreeMap<String, FbUser>,
    pub(crate) pages: BTreeMap<String, Page>,
    pub(crate) ig_accounts: BTreeMap<String, IgAccount>,
    pub(crate) media: BTreeMap<String, Media>,
    pub(crate) tokens: BTreeMap<String, TokenRecord>,
    pub(crate) accounts: Vec<SeededAccount>,
    pub(crate) usage: Usage,
    pub(crate) faults: Vec<PendingFault>,
    pub(crate) requests: VecDeque<RecordedRequest>,
    /// Webhook events waiting for delivery (see [`crate::webhooks`]).
    pub(crate) outbox: VecDeque<crate::webhooks::WebhookEvent>,
    /// Woken whenever an event is queued.
    pub(crate) outbox_notify: std::sync::Arc<tokio::sync::Notify>,
    /// Instagram Direct: users, conversations, messages, private replies, messenger profiles.
    pub(crate) messaging: crate::messaging::MessagingState,
    /// Content publishing: containers, uploads, published posts, media-URL rules, switches.
    pub(crate) publishing: crate::publishing::PublishingState,
    /// Reading and engagement: comments, stories, other accounts, hashtags, shopping.
    pub(crate) engagement: crate::engagement::EngagementState,
    /// OAuth: pending codes, queued denials, per-app login settings.
    pub(crate) oauth: crate::oauth::OAuthState,
}

impl State {
    /// An empty world (no accounts) with clock and PRNGs set up from `config`.
    pub(crate) fn empty(config: SandboxConfig) -> Self {
        let mut rng = SplitMix64::new(config.seed);
        let messaging = crate::messaging::MessagingState::new(config.seed);
        let trace_rng = SplitMix64::new(rng.next_u64());
        let cursor_salt = rng.next_u64();
        Self {
            clock: Clock::new(config.clock),
            config,
            rng,
            trace_rng,
            cursor_salt,
            apps: BTreeMap::new(),
            fb_users: BTreeMap::new(),
            pages: BTreeMap::new(),
            ig_accounts: BTreeMap::new(),
            media: BTreeMap::new(),
            tokens: BTreeMap::new(),
            accounts: Vec::new(),
            usage: Usage::default(),
            faults: Vec::new(),
            requests: VecDeque::new(),
            outbox: VecDeque::new(),
            outbox_notify: std::sync::Arc::new(tokio::sync::Notify::new()),
            messaging,
            publishing: crate::publishing::PublishingState::default(),
            engagement: crate::engagement::EngagementState::default(),
            oauth: crate::oauth::OAuthState::default(),
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Sandbox time in unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A fresh fbtrace id, e.g. `A7OjVVCXwSdfpIERKqntSKo`.
    pub(crate) fn next_trace_id(&mut self) -> String {
        format!("A{}", self.trace_rng.b64url(22))
    }

    /// `digits` random digits after `prefix`, not used by any object yet.
    pub(crate) fn fresh_numeric_id(&mut self, prefix: &str, total_len: usize) -> String {
        loop {
            let id = format!(
                "{prefix}{}",
                self.rng.digits(total_len.saturating_sub(prefix.len()))
            );
            if !self.id_in_use(&id) {
                return id;
            }
        }
    }

    pub(crate) fn id_in_use(&self, id: &str) -> bool {
        self.apps.contains_key(id)
            || self.fb_users.contains_key(id)
            || self.pages.contains_key(id)
            || self.ig_accounts.contains_key(id)
            || self.media.contains_key(id)
            || self
                .ig_accounts
                .values()
                .any(|a| a.app_scoped_id.as_deref() == Some(id))
            || self.messaging.id_in_use(id)
            || self.publishing.id_in_use(id)
            || self.engagement.id_in_use(id)
    }

    /// A new token string for `family` (`EAA…` or `IGAA…`), unique.
    pub(crate) fn fresh_token(&mut self, family: LoginFamily) -> String {
        loop {
            let t = match family {
                LoginFamily::Facebook => format!("EAA{}", self.rng.alnum(100)),
                LoginFamily::Instagram => format!("IGAA{}", self.rng.alnum(100)),
            };
            if !self.tokens.contains_key(&t) {
                return t;
            }
        }
    }

    /// IG account by IG user id or (for Instagram Login) app-scoped id.
    pub(crate) fn ig_account_by_any_id(&self, id: &str) -> Option<&IgAccount> {
        self.ig_accounts.get(id).or_else(|| {
            self.ig_accounts
                .values()
                .find(|a| a.app_scoped_id.as_deref() == Some(id))
        })
    }

    /// IG accounts a token may act on.
    pub(crate) fn accessible_ig_accounts(&self, token: &TokenRecord) -> Vec<String> {
        match &token.subject {
            Subject::IgUser(id) => vec![id.clone()],
            Subject::Page(page_id) => self
                .pages
                .get(page_id)
                .and_then(|p| p.ig_user_id.clone())
                .into_iter()
                .collect(),
            Subject::FbUser(user_id) => self
                .fb_users
                .get(user_id)
                .map(|u| {
                    u.page_ids
                        .iter()
                        .filter_map(|p| self.pages.get(p).and_then(|p| p.ig_user_id.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    pub(crate) fn can_access_ig(&self, token: &TokenRecord, ig_user_id: &str) -> bool {
        self.accessible_ig_accounts(token)
            .iter()
            .any(|id| id == ig_user_id)
    }

    pub(crate) fn can_access_page(&self, token: &TokenRecord, page_id: &str) -> bool {
        match &token.subject {
            Subject::Page(p) => p == page_id,
            Subject::FbUser(u) => self
                .fb_users
                .get(u)
                .is_some_and(|u| u.page_ids.iter().any(|p| p == page_id)),
            Subject::IgUser(_) => false,
        }
    }

    /// Appends to the request log, dropping the oldest entries beyond [`MAX_RECORDED`].
    pub(crate) fn record(&mut self, req: RecordedRequest) {
        if self.requests.len() >= MAX_RECORDED {
            self.requests.pop_front();
        }
        self.requests.push_back(req);
    }

    /// Takes one firing of the first pending fault matching `method` and `path`.
    pub(crate) fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let idx = self.faults.iter().position(|f| {
            f.remaining > 0
                && path.contains(f.fault.path_contains.as_str())
                && f.fault
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
        })?;
        let pending = self.faults.get_mut(idx)?;
        pending.remaining -= 1;
        let fault = pending.fault.clone();
        if pending.remaining == 0 {
            self.faults.remove(idx);
        }
        Some(fault)
    }
}
