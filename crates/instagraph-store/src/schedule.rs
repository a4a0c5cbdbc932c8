//! Scheduled posts: the durable state of the publisher's scheduler.
//!
//! A post moves through [`PostState`]s. Every step the worker takes is a *conditional*
//! transition ([`ScheduleStore::transition_post`]): it applies only if the post is still in the
//! state the worker read and the worker still holds the lease, and it is written together with a
//! log row in one transaction. That is what makes the scheduler crash-safe: after a crash the
//! post is found in the last committed state, and the worker resumes from there.
//!
//! The one step that can create a post on Instagram is `media_publish`. The worker commits
//! [`PostState::Publishing`] (with the container id) *before* calling it, and never creates a new
//! container for a post that has reached that state, so a crash or an ambiguous answer is
//! resolved by asking the platform about that one container, never by publishing again blindly.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::StoreError;

/// Where a scheduled post is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostState {
    /// Waiting for its time (or for the moment its container may be created ahead).
    Scheduled,
    /// A container exists (or is being created) and is processing.
    Preparing,
    /// The container is ready; waiting for the publish time.
    Ready,
    /// `media_publish` may have been called: only the container's status decides what happens
    /// next, never a new container.
    Publishing,
    /// Published; `media_id` (and usually `permalink`) are set.
    Published,
    /// Due, but held back (publishing quota reached, no credentials for the account); retried at
    /// `next_at`.
    Held,
    /// Failed for good; `last_error` says why. Can be rescheduled.
    Failed,
    /// Cancelled by a user.
    Cancelled,
    /// Waiting for a person's approval (an agent limited to drafts made it); never claimed by
    /// a worker until approved, which makes it [`PostState::Scheduled`].
    Draft,
}

impl PostState {
    /// Every state.
    pub const ALL: [PostState; 9] = [
        PostState::Scheduled,
        PostState::Preparing,
        PostState::Ready,
        PostState::Publishing,
        PostState::Published,
        PostState::Held,
        PostState::Failed,
        PostState::Cancelled,
        PostState::Draft,
    ];

    /// States the worker still acts on.
    pub const ACTIVE: [PostState; 5] = [
        PostState::Scheduled,
        PostState::Preparing,
        PostState::Ready,
        PostState::Publishing,
        PostState::Held,
    ];

    /// The lowercase name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PostState::Scheduled => "scheduled",
            PostState::Preparing => "preparing",
            PostState::Ready => "ready",
            PostState::Publishing => "publishing",
            PostState::Published => "published",
            PostState::Held => "held",
            PostState::Failed => "failed",
            PostState::Cancelled => "cancelled",
            PostState::Draft => "draft",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<PostState> {
        PostState::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether a user may still cancel or reschedule a post in this state (nothing has been
    /// sent to `media_publish` yet).
    pub fn changeable(self) -> bool {
        matches!(
            self,
            PostState::Scheduled
                | PostState::Preparing
                | PostState::Ready
                | PostState::Held
                | PostState::Failed
                | PostState::Draft
        )
    }
}

impl std::fmt::Display for PostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A post to schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct NewScheduledPost {
    /// The IG user id (or configured account name) to publish as.
    pub account: String,
    /// `photo`, `reel`, `story` or `carousel`.
    pub kind: String,
    /// The post, as the client's `PostSpec` JSON.
    pub spec: Value,
    /// When to publish, unix milliseconds.
    pub publish_at: i64,
    /// The time zone the user gave the time in (for display only).
    pub zone: Option<String>,
    /// A caller-chosen key: adding the same key twice returns the first post instead of
    /// scheduling a second one.
    pub idempotency_key: Option<String>,
    /// When the worker should first look at it (usually `publish_at` minus the prepare-ahead
    /// window).
    pub next_at: i64,
    /// Now.
    pub created_at: i64,
    /// Store it as a [`PostState::Draft`] awaiting approval instead of scheduling it.
    pub draft: bool,
}

/// A scheduled post as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledPost {
    /// Row id.
    pub id: i64,
    /// Account to publish as.
    pub account: String,
    /// `photo`, `reel`, `story` or `carousel`.
    pub kind: String,
    /// The client's `PostSpec` JSON.
    pub spec: Value,
    /// When to publish, unix milliseconds.
    pub publish_at: i64,
    /// The zone the time was given in.
    pub zone: Option<String>,
    /// Current state.
    pub state: PostState,
    /// The container, once created.
    pub container_id: Option<String>,
    /// Carousel children containers.
    pub children: Vec<String>,
    /// When the container was created (it expires 24 h later).
    pub container_created_at: Option<i64>,
    /// When the worker committed [`PostState::Publishing`] (media published after this moment
    /// are candidates when recovering the media id).
    pub publish_started_at: Option<i64>,
    /// The published media's id.
    pub media_id: Option<String>,
    /// The published media's permalink.
    pub permalink: Option<String>,
    /// When it was published (as recorded by the worker).
    pub published_at: Option<i64>,
    /// Failed attempts so far (reset on success of a step).
    pub attempts: i64,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// Why the post is held, when [`PostState::Held`].
    pub hold_reason: Option<String>,
    /// When the worker looks at it next (`None`: never; final states).
    pub next_at: Option<i64>,
    /// The worker holding it.
    pub lease_owner: Option<String>,
    /// Until when that worker holds it.
    pub lease_until: Option<i64>,
    /// The caller's idempotency key.
    pub idempotency_key: Option<String>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last changed, unix ms.
    pub updated_at: i64,
}

/// The new values of a post's working columns, written by one worker step.
///
/// Build it with [`Transition::from_post`] and change what the step changes, so that columns
/// the step does not touch keep their values.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// New state.
    pub to: PostState,
    /// Container id.
    pub container_id: Option<String>,
    /// Carousel children.
    pub children: Vec<String>,
    /// Container creation time.
    pub container_created_at: Option<i64>,
    /// When publishing started.
    pub publish_started_at: Option<i64>,
    /// Published media id.
    pub media_id: Option<String>,
    /// Permalink.
    pub permalink: Option<String>,
    /// When published.
    pub published_at: Option<i64>,
    /// Failed attempts.
    pub attempts: i64,
    /// Last error.
    pub last_error: Option<String>,
    /// Hold reason.
    pub hold_reason: Option<String>,
    /// Next time the worker looks at it.
    pub next_at: Option<i64>,
    /// Keep the lease (the worker goes on with the next step at once) instead of releasing it.
    pub keep_lease: bool,
    /// A short name of the step, for the log (`container_created`, `published`, ...).
    pub step: String,
    /// Details for the log (an error message, the media id, ...).
    pub detail: Option<String>,
}

impl Transition {
    /// A transition to `to` that keeps every working column of `post` as it is.
    pub fn from_post(post: &ScheduledPost, to: PostState, step: &str) -> Self {
        Self {
            to,
            container_id: post.container_id.clone(),
            children: post.children.clone(),
            container_created_at: post.container_created_at,
            publish_started_at: post.publish_started_at,
            media_id: post.media_id.clone(),
            permalink: post.permalink.clone(),
            published_at: post.published_at,
            attempts: post.attempts,
            last_error: post.last_error.clone(),
            hold_reason: post.hold_reason.clone(),
            next_at: post.next_at,
            keep_lease: false,
            step: step.to_owned(),
            detail: None,
        }
    }

    /// Applies the transition to an in-memory copy (what the row looks like once it commits).
    pub fn apply(&self, post: &mut ScheduledPost, now_ms: i64) {
        post.state = self.to;
        post.container_id = self.container_id.clone();
        post.children = self.children.clone();
        post.container_created_at = self.container_created_at;
        post.publish_started_at = self.publish_started_at;
        post.media_id = self.media_id.clone();
        post.permalink = self.permalink.clone();
        post.published_at = self.published_at;
        post.attempts = self.attempts;
        post.last_error = self.last_error.clone();
        post.hold_reason = self.hold_reason.clone();
        post.next_at = self.next_at;
        if !self.keep_lease {
            post.lease_owner = None;
            post.lease_until = None;
        }
        post.updated_at = now_ms;
    }
}

/// One line of a post's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostLogEntry {
    /// Row id.
    pub id: i64,
    /// The post.
    pub post_id: i64,
    /// When, unix ms.
    pub at: i64,
    /// The state entered.
    pub state: PostState,
    /// The step.
    pub step: String,
    /// Details.
    pub detail: Option<String>,
}

/// Which posts to list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PostQuery {
    /// Only these states (all when empty).
    pub states: Vec<PostState>,
    /// Only this account.
    pub account: Option<String>,
    /// At most this many (default 100).
    pub limit: Option<u32>,
}

/// What a user's change (cancel, reschedule) did.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeOutcome {
    /// Applied; the post as it is now.
    Changed(ScheduledPost),
    /// No such post.
    NotFound,
    /// Too late: the post is in a state that can no longer change (publishing, published,
    /// cancelled).
    NotChangeable(ScheduledPost),
}

/// Scheduled posts (part of every [`Store`](crate::Store); implemented once for both
/// backends in `schedule_sql.rs`).
#[async_trait::async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Schedules a post. With an idempotency key that already exists, returns the existing post
    /// and `false` instead of adding one.
    async fn add_post(&self, post: &NewScheduledPost) -> Result<(ScheduledPost, bool), StoreError>;

    /// One post.
    async fn post(&self, id: i64) -> Result<Option<ScheduledPost>, StoreError>;

    /// Posts, by publish time then id.
    async fn posts(&self, query: &PostQuery) -> Result<Vec<ScheduledPost>, StoreError>;

    /// Cancels a post that has not reached `media_publish`.
    async fn cancel_post(&self, id: i64, now_ms: i64) -> Result<ChangeOutcome, StoreError>;

    /// Moves a post that has not reached `media_publish` to a new time. A failed or held post
    /// goes back to [`PostState::Scheduled`] with its attempts reset. A container that would
    /// expire before the new time is dropped (a fresh one is made ahead of the new time).
    async fn reschedule_post(
        &self,
        id: i64,
        publish_at: i64,
        next_at: i64,
        now_ms: i64,
    ) -> Result<ChangeOutcome, StoreError>;

    /// Approves a [`PostState::Draft`]: it becomes [`PostState::Scheduled`] for its time (a
    /// time already past publishes at the worker's next pass). Other states are
    /// [`ChangeOutcome::NotChangeable`].
    async fn approve_post(&self, id: i64, now_ms: i64) -> Result<ChangeOutcome, StoreError>;

    /// Leases up to `limit` active posts whose `next_at` has come and whose lease (if any) has
    /// run out, to `owner` until `lease_until_ms`. Several workers (PostgreSQL) never get the
    /// same post.
    async fn claim_due_posts(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        owner: &str,
        limit: u32,
    ) -> Result<Vec<ScheduledPost>, StoreError>;

    /// Applies `t` if the post is still in state `from` and leased to `owner`, and logs the
    /// step, in one transaction. Returns false (and changes nothing) otherwise: the post was
    /// cancelled or rescheduled meanwhile, or the lease was lost.
    async fn transition_post(
        &self,
        id: i64,
        owner: &str,
        from: PostState,
        t: &Transition,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    /// The post's history, oldest first.
    async fn post_log(&self, id: i64) -> Result<Vec<PostLogEntry>, StoreError>;

    /// The earliest `next_at` of an active post (leases ignored), for the worker to sleep until.
    async fn next_post_due(&self) -> Result<Option<i64>, StoreError>;

    /// The distinct workers holding leases now.
    async fn lease_owners(&self) -> Result<Vec<String>, StoreError>;

    /// Drops every lease `owner` holds (a worker known to be dead); returns how many.
    async fn release_leases(&self, owner: &str) -> Result<u64, StoreError>;
}
