//! The publisher's scheduler: publishes stored posts at their time, exactly once.
//!
//! Posts live in the store ([`instagraph_store::schedule`]). A worker leases due posts and
//! moves each through its states, committing every step before it takes the next:
//!
//! ```text
//! scheduled --create container--> preparing --FINISHED--> ready --time, quota--> publishing
//!     ^                               |                     |                      |
//!     +------- container expired -----+---------------------+          media_publish / recovery
//!                                                                                  v
//!                                                                              published
//! ```
//!
//! * Containers are created ahead of the publish time (by [`SchedulerConfig::prepare_ahead`],
//!   never more than 23 h ahead since they expire after 24 h), so that video has time to
//!   process. Creating a container twice is harmless: an unpublished container just expires.
//! * `publishing` is committed *before* `media_publish` is called. From then on the post's fate
//!   is decided by that one container's status, never by a new container: `PUBLISHED` means it
//!   was published (the media id is recovered from the account's media), `FINISHED` means it
//!   was not and publishing that same container again is safe (a container can be published at
//!   most once). So a crash, a `kill -9` or an ambiguous answer at any point resumes without a
//!   duplicate and without a lost post.
//! * Before publishing, the account's `content_publishing_limit` is read; a post that would
//!   exceed it is `held` with the reason and retried when the quota frees up.
//!
//! The worker talks to the platform through [`PublishApi`], implemented for
//! [`instagraph::Client`] in [`client`]; tests may substitute their own.

pub mod client;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use instagraph::clock::SharedClock;
use instagraph_store::Store;
use instagraph_store::schedule::{PostState, ScheduledPost, Transition};
use serde_json::Value;
use tokio::sync::Notify;

/// How a platform call failed, as far as the scheduler cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublishErrorKind {
    /// The outcome is unknown (timeout, connection reset, 5xx, 2207051): something may have
    /// happened on the platform.
    Ambiguous,
    /// Failed, nothing happened, and trying again later may work.
    Transient,
    /// The container is not ready yet (9007 / 2207027).
    NotReady,
    /// The publishing quota is used up; `reset_at_ms` when known.
    Quota {
        /// When the quota frees up again.
        reset_at_ms: Option<i64>,
    },
    /// Will not work as it is (invalid input, broken media, permissions).
    Permanent,
    /// The account's token is expired or revoked (190): nothing works until it logs in again.
    NeedsLogin,
}

/// A failed platform call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PublishError {
    /// What kind of failure.
    pub kind: PublishErrorKind,
    /// A message for people (never contains a token).
    pub message: String,
}

impl PublishError {
    /// A failure of `kind`.
    pub fn new(kind: PublishErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    fn retryable(&self) -> bool {
        matches!(
            self.kind,
            PublishErrorKind::Ambiguous | PublishErrorKind::Transient | PublishErrorKind::NotReady
        )
    }
}

/// A container the platform created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedContainer {
    /// The container (the carousel parent for carousels).
    pub id: String,
    /// Carousel children.
    pub children: Vec<String>,
}

/// A container's `status_code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContainerState {
    /// Still processing.
    InProgress,
    /// Ready to publish.
    Finished,
    /// Already published.
    Published,
    /// Processing failed; the platform's explanation.
    Error(String),
    /// Not published within 24 h.
    Expired,
}

/// A published post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedMedia {
    /// The IG media id.
    pub media_id: String,
    /// Its permalink, when it could be read.
    pub permalink: Option<String>,
}

/// The account's publishing quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Posts published in the current window.
    pub used: u32,
    /// The limit, as the platform reports it.
    pub total: Option<u32>,
    /// The window, in seconds (86400).
    pub window_secs: Option<u64>,
}

/// What the scheduler needs from the platform, for one account.
#[async_trait::async_trait]
pub trait PublishApi: Send + Sync {
    /// Creates the container(s) for a post (`spec` is the client's `PostSpec` JSON).
    async fn create_container(&self, spec: &Value) -> Result<CreatedContainer, PublishError>;
    /// A container's status.
    async fn container_status(&self, id: &str) -> Result<ContainerState, PublishError>;
    /// `media_publish` of a container, once (no blind retries).
    async fn publish(&self, container: &str) -> Result<PublishedMedia, PublishError>;
    /// The media published from a container that reports `PUBLISHED`, found among the
    /// account's newest media by caption and time.
    async fn find_published(
        &self,
        spec: &Value,
        since_ms: i64,
    ) -> Result<Option<PublishedMedia>, PublishError>;
    /// The publishing quota.
    async fn quota(&self) -> Result<Quota, PublishError>;
}

/// Finds the [`PublishApi`] of the account a post belongs to.
#[async_trait::async_trait]
pub trait AccountDirectory: Send + Sync {
    /// The API for `account` (`None`: unknown, or it needs a new login).
    async fn api(&self, account: &str) -> Option<Arc<dyn PublishApi>>;
    /// The platform refused the account's token: remember that it needs a new login.
    async fn needs_login(&self, account: &str, reason: &str) {
        let _ = (account, reason);
    }
}

/// A fixed set of accounts (see [`AccountDirectory`] for accounts that change while running).
#[derive(Clone, Default)]
pub struct Accounts {
    by_id: HashMap<String, Arc<dyn PublishApi>>,
    fallback: Option<Arc<dyn PublishApi>>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("accounts", &self.by_id.keys().collect::<Vec<_>>())
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

impl Accounts {
    /// No accounts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an account by IG user id (or configured name).
    pub fn with(mut self, account: impl Into<String>, api: Arc<dyn PublishApi>) -> Self {
        self.by_id.insert(account.into(), api);
        self
    }

    /// The API used for posts whose account is not listed (a single-account service).
    pub fn with_fallback(mut self, api: Arc<dyn PublishApi>) -> Self {
        self.fallback = Some(api);
        self
    }
}

#[async_trait::async_trait]
impl AccountDirectory for Accounts {
    async fn api(&self, account: &str) -> Option<Arc<dyn PublishApi>> {
        self.by_id
            .get(account)
            .cloned()
            .or_else(|| self.fallback.clone())
    }
}

/// Tuning of the scheduler.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// This worker's name in leases: `host/pid/nonce`.
    pub owner: String,
    /// How long a lease lasts; a worker that dies holding one is replaced after this (or at
    /// once, by a restarted worker on the same host that sees the old process is gone).
    pub lease: Duration,
    /// How long before the publish time the container is created (capped at 23 h).
    pub prepare_ahead: Duration,
    /// How often a processing container's status is read.
    pub status_poll: Duration,
    /// How often the store is checked for posts added by other processes.
    pub poll_interval: Duration,
    /// Failed attempts of one step before the post fails.
    pub max_attempts: i64,
    /// Delay before retry `n` (1-based); the last entry repeats.
    pub retry_schedule: Vec<Duration>,
    /// How long a post is held when the quota is used up and the platform gives no reset time.
    pub quota_hold: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            owner: default_owner(),
            lease: Duration::from_secs(300),
            prepare_ahead: Duration::from_secs(3600),
            status_poll: Duration::from_secs(5),
            poll_interval: Duration::from_secs(1),
            max_attempts: 6,
            retry_schedule: [15, 60, 300, 900, 1800, 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            quota_hold: Duration::from_secs(900),
        }
    }
}

/// A worker name unique to this process: `host/pid/nonce`.
pub fn default_owner() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}/{}/{:08x}", std::process::id(), fastrand_u32(),)
}

fn fastrand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() as u32
}

/// How long after creation a container is still used (23 of its 24 h).
pub const CONTAINER_USABLE: Duration = Duration::from_secs(23 * 3600);

/// Test hook: when the environment variable `INSTAGRAPH_CRASH_AT` names a step, the process
/// aborts there, as a `kill -9` would. Used by the crash tests; never set in production.
fn crash_point(step: &str) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| std::env::var("INSTAGRAPH_CRASH_AT").ok());
    if at.as_deref() == Some(step) {
        eprintln!("INSTAGRAPH_CRASH_AT={step}: aborting");
        std::process::abort();
    }
}

/// The crash points, in the order a post passes them (see `INSTAGRAPH_CRASH_AT`).
pub const CRASH_POINTS: &[&str] = &[
    "claimed",
    "container_created",
    "preparing_committed",
    "ready_committed",
    "publishing_committed",
    "media_published",
    "published_committed",
];

/// What one pass of the worker did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Posts leased.
    pub claimed: usize,
    /// Posts published in this pass.
    pub published: Vec<i64>,
    /// Posts that failed for good in this pass.
    pub failed: Vec<i64>,
    /// Posts held in this pass.
    pub held: Vec<i64>,
}

/// The scheduler worker.
#[derive(Clone)]
pub struct Scheduler {
    store: Arc<dyn Store>,
    accounts: Arc<dyn AccountDirectory>,
    clock: SharedClock,
    config: SchedulerConfig,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    /// A scheduler over `store`, publishing through `accounts`.
    pub fn new(
        store: Arc<dyn Store>,
        accounts: impl AccountDirectory + 'static,
        clock: SharedClock,
        config: SchedulerConfig,
    ) -> Self {
        Self {
            store,
            accounts: Arc::new(accounts),
            clock,
            config,
            wake: Arc::new(Notify::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Wakes the worker (after adding or changing a post in this process).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Drops leases held by workers of this host whose process is gone (a crash or `kill -9`),
    /// so a restarted service resumes their posts at once instead of after the lease.
    pub async fn recover_dead_leases(&self) -> Result<u64, instagraph_store::StoreError> {
        let mine = self.config.owner.split('/').next().unwrap_or("").to_owned();
        let mut released = 0;
        for owner in self.store.lease_owners().await? {
            let mut parts = owner.split('/');
            let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
                continue;
            };
            if host != mine || owner == self.config.owner {
                continue;
            }
            let Ok(pid) = pid.parse::<u32>() else {
                continue;
            };
            if pid != std::process::id() && !process_alive(pid) {
                released += self.store.release_leases(&owner).await?;
            }
        }
        Ok(released)
    }

    /// Runs until the task is dropped: passes whenever something is due, checking the store at
    /// least every [`SchedulerConfig::poll_interval`].
    pub async fn run(self) {
        if let Err(error) = self.recover_dead_leases().await {
            tracing::warn!(%error, "could not recover the leases of dead workers");
        }
        loop {
            match self.run_due().await {
                Ok(report) if report.claimed > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "scheduler pass failed; retrying"),
            }
            let now = self.clock.now_ms();
            let due = self.store.next_post_due().await.ok().flatten();
            let poll = self.config.poll_interval;
            let wait = due
                .map(|d| Duration::from_millis(u64::try_from(d - now).unwrap_or(0)).min(poll))
                .unwrap_or(poll);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }

    /// One pass: leases the posts due now and takes each as far as it can go now.
    pub async fn run_due(&self) -> Result<PassReport, instagraph_store::StoreError> {
        let now = self.clock.now_ms();
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX);
        let claimed = self
            .store
            .claim_due_posts(now, now.saturating_add(lease_ms), &self.config.owner, 16)
            .await?;
        let mut report = PassReport {
            claimed: claimed.len(),
            ..PassReport::default()
        };
        for post in claimed {
            crash_point("claimed");
            let id = post.id;
            match self.advance(post).await? {
                Some(PostState::Published) => report.published.push(id),
                Some(PostState::Failed) => report.failed.push(id),
                Some(PostState::Held) => report.held.push(id),
                _ => {}
            }
        }
        Ok(report)
    }

    fn ms(d: Duration) -> i64 {
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }

    fn backoff(&self, attempts: i64) -> i64 {
        let idx = usize::try_from(attempts.max(1) - 1).unwrap_or(0);
        let d = self
            .config
            .retry_schedule
            .get(idx)
            .or(self.config.retry_schedule.last())
            .copied()
            .unwrap_or(Duration::from_secs(60));
        Self::ms(d)
    }

    /// When the container should be created for a post published at `publish_at`.
    pub fn prepare_at(&self, publish_at: i64) -> i64 {
        let ahead = self.config.prepare_ahead.min(CONTAINER_USABLE);
        publish_at - Self::ms(ahead)
    }

    /// A step failed with `e`: retry later in `state` or fail for good.
    fn retry_or_fail(
        &self,
        post: &ScheduledPost,
        state: PostState,
        e: &PublishError,
    ) -> Transition {
        let now = self.clock.now_ms();
        let attempts = post.attempts + 1;
        if e.kind == PublishErrorKind::NeedsLogin {
            // A token the platform refused holds the post until the account logs in again; a
            // post in `publishing` stays there (its container decides once the account is back).
            let held_state = if state == PostState::Publishing {
                PostState::Publishing
            } else {
                PostState::Held
            };
            let mut t = Transition::from_post(post, held_state, "needs_login");
            let reason = format!("account {} needs a new login: {}", post.account, e.message);
            t.hold_reason = Some(reason.clone());
            t.last_error = Some(e.message.clone());
            t.detail = Some(reason);
            t.next_at = Some(now + Self::ms(self.config.quota_hold));
            return t;
        }
        if e.retryable() && attempts < self.config.max_attempts {
            let mut t = Transition::from_post(post, state, "retry");
            t.attempts = attempts;
            t.last_error = Some(e.message.clone());
            t.next_at = Some(now + self.backoff(attempts));
            t.detail = Some(e.message.clone());
            t
        } else {
            let mut t = Transition::from_post(post, PostState::Failed, "failed");
            t.attempts = attempts;
            t.last_error = Some(e.message.clone());
            t.next_at = None;
            t.detail = Some(e.message.clone());
            t
        }
    }

    fn drop_container(post: &ScheduledPost, step: &str, next_at: i64) -> Transition {
        let mut t = Transition::from_post(post, PostState::Scheduled, step);
        t.container_id = None;
        t.children = Vec::new();
        t.container_created_at = None;
        t.next_at = Some(next_at);
        t.keep_lease = true;
        t
    }

    /// Takes one leased post through as many steps as are possible now. Returns the state it
    /// was left in (`None` if it was taken away: cancelled or rescheduled meanwhile).
    async fn advance(
        &self,
        mut post: ScheduledPost,
    ) -> Result<Option<PostState>, instagraph_store::StoreError> {
        let Some(api) = self.accounts.api(&post.account).await else {
            let mut t = Transition::from_post(&post, PostState::Held, "held");
            let reason = format!(
                "no usable credentials for account {}: log it in (`instagraph auth login`), \
                 then the post goes on",
                post.account
            );
            t.hold_reason = Some(reason.clone());
            t.detail = Some(reason);
            t.next_at = Some(self.clock.now_ms() + Self::ms(self.config.quota_hold));
            return self.commit(&mut post, t).await;
        };
        // Whether this worker itself committed `publishing` just now (then publish directly;
        // otherwise the container's status decides).
        let mut fresh_publishing = false;
        loop {
            let now = self.clock.now_ms();
            let container = post.container_id.clone();
            let t = match (post.state, container) {
                (PostState::Scheduled, _) => {
                    let prepare_at = self.prepare_at(post.publish_at);
                    if now < prepare_at {
                        let mut t = Transition::from_post(&post, PostState::Scheduled, "wait");
                        t.next_at = Some(prepare_at);
                        t
                    } else {
                        match api.create_container(&post.spec).await {
                            Ok(c) => {
                                crash_point("container_created");
                                let mut t = Transition::from_post(
                                    &post,
                                    PostState::Preparing,
                                    "container_created",
                                );
                                t.detail = Some(c.id.clone());
                                t.container_id = Some(c.id);
                                t.children = c.children;
                                t.container_created_at = Some(now);
                                t.attempts = 0;
                                t.last_error = None;
                                t.next_at = Some(now);
                                t.keep_lease = true;
                                t
                            }
                            Err(e) => self.retry_or_fail(&post, PostState::Scheduled, &e),
                        }
                    }
                }
                (PostState::Preparing | PostState::Ready | PostState::Held, None) => {
                    Self::drop_container(&post, "no_container", now)
                }
                (PostState::Preparing, Some(c)) => match api.container_status(&c).await {
                    Ok(ContainerState::Finished) => {
                        let mut t = Transition::from_post(&post, PostState::Ready, "ready");
                        t.next_at = Some(post.publish_at.max(now));
                        t.keep_lease = now >= post.publish_at;
                        t.attempts = 0;
                        t
                    }
                    Ok(ContainerState::InProgress) => {
                        let mut t =
                            Transition::from_post(&post, PostState::Preparing, "processing");
                        t.next_at = Some(now + Self::ms(self.config.status_poll));
                        t
                    }
                    // Only `media_publish` publishes, and it has not been called for this post:
                    // someone else published the container. Recover it like a publish.
                    Ok(ContainerState::Published) => {
                        let mut t = Transition::from_post(
                            &post,
                            PostState::Publishing,
                            "published_elsewhere",
                        );
                        t.publish_started_at = Some(post.container_created_at.unwrap_or(now));
                        t.keep_lease = true;
                        t
                    }
                    Ok(ContainerState::Error(msg)) => {
                        let mut t =
                            Transition::from_post(&post, PostState::Failed, "container_error");
                        t.last_error = Some(format!("container {c} failed: {msg}"));
                        t.detail = t.last_error.clone();
                        t.next_at = None;
                        t
                    }
                    Ok(ContainerState::Expired) => Self::drop_container(
                        &post,
                        "container_expired",
                        self.prepare_at(post.publish_at).max(now),
                    ),
                    Err(e) => self.retry_or_fail(&post, PostState::Preparing, &e),
                },
                (PostState::Ready | PostState::Held, Some(_)) => {
                    let usable_until = post
                        .container_created_at
                        .map(|c| c + Self::ms(CONTAINER_USABLE))
                        .unwrap_or(i64::MAX);
                    if now < post.publish_at {
                        let mut t = Transition::from_post(&post, PostState::Ready, "wait");
                        t.next_at = Some(post.publish_at);
                        t
                    } else if now >= usable_until {
                        Self::drop_container(&post, "container_too_old", now)
                    } else {
                        match api.quota().await {
                            Ok(q) if q.total.is_some_and(|total| q.used >= total) => {
                                let total = q.total.unwrap_or(0);
                                let reason = format!(
                                    "publishing quota reached: {} of {total} posts in the last {} h; \
                                     retrying in {} min",
                                    q.used,
                                    q.window_secs.unwrap_or(86_400) / 3600,
                                    self.config.quota_hold.as_secs() / 60
                                );
                                let mut t = Transition::from_post(&post, PostState::Held, "held");
                                t.hold_reason = Some(reason.clone());
                                t.detail = Some(reason);
                                t.next_at = Some(now + Self::ms(self.config.quota_hold));
                                t
                            }
                            // A failed quota read does not block: media_publish enforces the quota
                            // itself, and that answer is handled below.
                            _ => {
                                let mut t = Transition::from_post(
                                    &post,
                                    PostState::Publishing,
                                    "publishing",
                                );
                                t.publish_started_at = Some(now);
                                t.hold_reason = None;
                                t.attempts = 0;
                                t.keep_lease = true;
                                fresh_publishing = true;
                                t
                            }
                        }
                    }
                }
                (PostState::Publishing, None) => {
                    let mut t = Transition::from_post(&post, PostState::Failed, "failed");
                    t.last_error = Some("publishing without a container (corrupt row)".into());
                    t.next_at = None;
                    t
                }
                (PostState::Publishing, Some(c)) => {
                    self.publishing_step(api.as_ref(), &post, &c, &mut fresh_publishing)
                        .await
                }
                // A draft is never claimed; if one were, it waits for its approval untouched.
                (
                    PostState::Published
                    | PostState::Failed
                    | PostState::Cancelled
                    | PostState::Draft,
                    _,
                ) => {
                    return Ok(Some(post.state));
                }
            };
            if t.step == "needs_login" {
                let reason = t.last_error.clone().unwrap_or_default();
                self.accounts.needs_login(&post.account, &reason).await;
            }
            let entering = t.to;
            let keep = t.keep_lease;
            let Some(state) = self.commit(&mut post, t).await? else {
                return Ok(None);
            };
            match entering {
                PostState::Preparing if keep => crash_point("preparing_committed"),
                PostState::Ready => crash_point("ready_committed"),
                PostState::Publishing if fresh_publishing => crash_point("publishing_committed"),
                PostState::Published => crash_point("published_committed"),
                _ => {}
            }
            if !keep {
                return Ok(Some(state));
            }
        }
    }

    /// The step of a post in `publishing`.
    async fn publishing_step(
        &self,
        api: &dyn PublishApi,
        post: &ScheduledPost,
        container: &str,
        fresh: &mut bool,
    ) -> Transition {
        let now = self.clock.now_ms();
        if !*fresh {
            // Resumed (after a crash, an ambiguous answer or a retry): the container's status
            // says whether media_publish took effect.
            match api.container_status(container).await {
                Ok(ContainerState::Published) => return self.recover(api, post).await,
                Ok(ContainerState::Finished) => {}
                Ok(ContainerState::InProgress) => {
                    let mut t = Transition::from_post(post, PostState::Publishing, "processing");
                    t.next_at = Some(now + Self::ms(self.config.status_poll));
                    return t;
                }
                // Expired without being published: it never was; start again.
                Ok(ContainerState::Expired) => {
                    return Self::drop_container(post, "container_expired", now);
                }
                Ok(ContainerState::Error(msg)) => {
                    let mut t = Transition::from_post(post, PostState::Failed, "container_error");
                    t.last_error = Some(format!("container {container} failed: {msg}"));
                    t.next_at = None;
                    return t;
                }
                Err(e) => return self.retry_or_fail(post, PostState::Publishing, &e),
            }
        }
        *fresh = false;
        match api.publish(container).await {
            Ok(m) => {
                crash_point("media_published");
                Self::published(post, m, now, "published", false)
            }
            Err(e) => match e.kind {
                PublishErrorKind::Quota { reset_at_ms } => {
                    // Refused for quota: certainly not published.
                    let mut t = Transition::from_post(post, PostState::Held, "held");
                    let reason = format!("publishing quota reached: {}", e.message);
                    t.hold_reason = Some(reason.clone());
                    t.detail = Some(reason);
                    t.next_at = Some(reset_at_ms.unwrap_or(now + Self::ms(self.config.quota_hold)));
                    t
                }
                PublishErrorKind::NotReady => {
                    let mut t = Transition::from_post(post, PostState::Publishing, "not_ready");
                    t.next_at = Some(now + Self::ms(self.config.status_poll));
                    t.detail = Some(e.message);
                    t
                }
                PublishErrorKind::Ambiguous
                | PublishErrorKind::Transient
                | PublishErrorKind::NeedsLogin => {
                    // Stay in publishing: the next look asks the container first.
                    self.retry_or_fail(post, PostState::Publishing, &e)
                }
                PublishErrorKind::Permanent => {
                    // Refused outright; make sure it did not publish before failing.
                    match api.container_status(container).await {
                        Ok(ContainerState::Published) => self.recover(api, post).await,
                        // Expired before it was published: a fresh container, then publish.
                        Ok(ContainerState::Expired) => {
                            Self::drop_container(post, "container_expired", now)
                        }
                        _ => {
                            let mut t = Transition::from_post(post, PostState::Failed, "failed");
                            t.last_error = Some(e.message.clone());
                            t.detail = Some(e.message);
                            t.next_at = None;
                            t
                        }
                    }
                }
            },
        }
    }

    /// The container says PUBLISHED: record the media it became.
    async fn recover(&self, api: &dyn PublishApi, post: &ScheduledPost) -> Transition {
        let now = self.clock.now_ms();
        let since = post.publish_started_at.unwrap_or(post.created_at);
        match api.find_published(&post.spec, since).await {
            Ok(Some(m)) => Self::published(post, m, now, "recovered", true),
            Ok(None) => {
                let mut t = Transition::from_post(post, PostState::Published, "recovered");
                t.published_at = Some(now);
                t.next_at = None;
                t.last_error = None;
                t.detail = Some(
                    "the container reports PUBLISHED but the media was not found among the \
                     account's newest media; its id is unknown"
                        .into(),
                );
                t
            }
            Err(e) => self.retry_or_fail(post, PostState::Publishing, &e),
        }
    }

    fn published(
        post: &ScheduledPost,
        m: PublishedMedia,
        now: i64,
        step: &str,
        recovered: bool,
    ) -> Transition {
        let mut t = Transition::from_post(post, PostState::Published, step);
        t.detail = Some(if recovered {
            format!("{} (recovered after an interruption)", m.media_id)
        } else {
            m.media_id.clone()
        });
        t.media_id = Some(m.media_id);
        t.permalink = m.permalink;
        t.published_at = Some(now);
        t.next_at = None;
        t.last_error = None;
        t.hold_reason = None;
        t
    }

    /// Commits `t` from the post's current state; `None` when the post was taken away.
    async fn commit(
        &self,
        post: &mut ScheduledPost,
        t: Transition,
    ) -> Result<Option<PostState>, instagraph_store::StoreError> {
        let now = self.clock.now_ms();
        let ok = self
            .store
            .transition_post(post.id, &self.config.owner, post.state, &t, now)
            .await?;
        if !ok {
            tracing::info!(
                post = post.id,
                "post changed by someone else; dropped by this worker"
            );
            return Ok(None);
        }
        match t.to {
            PostState::Published => tracing::info!(
                post = post.id,
                media = t.media_id.as_deref().unwrap_or("unknown"),
                "published"
            ),
            PostState::Failed => tracing::warn!(
                post = post.id,
                error = t.last_error.as_deref().unwrap_or(""),
                "post failed"
            ),
            PostState::Held => tracing::warn!(
                post = post.id,
                reason = t.hold_reason.as_deref().unwrap_or(""),
                "post held"
            ),
            _ => tracing::debug!(post = post.id, state = %t.to, step = %t.step, "post step"),
        }
        t.apply(post, now);
        Ok(Some(post.state))
    }
}

/// Whether a process with this id runs on this machine (Linux `/proc`; elsewhere assumed alive,
/// so leases simply run out).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}
