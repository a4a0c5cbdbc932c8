//! Publishing: checking a post, publishing it now (validation, preflight, quota, container,
//! ready-wait, publish, never twice), scheduling it or turning it into a draft a person approves,
//! containers one step at a time, the quota, deleting media, and the scheduled posts.
//!
//! Posts are the client's [`PostSpec`] (its JSON schema is the tool's `post` parameter). Agents
//! publish from public URLs only: a local file path would let a remote agent publish any file
//! of the machine the service runs on, so `{"file": ...}` sources are refused here (the CLI
//! takes them).

use instagraph::ids::{ContainerId, MediaId};
use instagraph::ops::publishing::count_sigils;
use instagraph::{PostSpec, PublishOptions};
use instagraph_store::Store;
use instagraph_store::schedule::{
    ChangeOutcome, NewScheduledPost, PostQuery, PostState, ScheduledPost,
};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

use super::util::{When, account_key, account_keys, parse_when, rfc3339, to_json};
use crate::action::{Access, Action, ActionContext, ActionError, Effect};

/// How long before the publish time the scheduler creates the container (its default).
const PREPARE_AHEAD_MS: i64 = 3_600_000;
/// How long a container stays valid.
const CONTAINER_LIFETIME_MS: i64 = 24 * 3_600_000;
/// The key-value namespace of immediate publishes made with an idempotency key.
const PUBLISH_KEYS: &str = "agent.publish";

/// The rules of a post, repeated where a post is taken.
macro_rules! post_rules {
    () => {
        " The post is JSON with `type`: photo {image, caption?, alt_text?, location_id?, \
         user_tags?, collaborators?, product_tags?}, reel {video, caption?, cover_url?, \
         thumb_offset_ms?, share_to_feed?, audio_name?, location_id?, user_tags?, \
         collaborators?, trial_params?}, story {media, kind: image|video, user_tags?} or \
         carousel {items: [{kind: image|video, media, user_tags?, alt_text?}], caption?, \
         location_id?, collaborators?}; media are {\"url\": \"https://...\"} (public HTTPS, no \
         query string; local files are not accepted from agents). Rules, checked before \
         anything is sent: caption at most 2200 characters, 30 hashtags and 20 @-mentions (no \
         caption on stories or carousel items); images JPEG only, at most 8 MiB, aspect ratio \
         4:5 to 1.91:1 for feed and carousel images; reels MP4/MOV (3 s to 15 min); story \
         videos 3 to 60 s and 100 MB; carousels 2 to 10 items, counted once against the quota; \
         up to 20 user tags (x/y in 0..1 required on images, none on videos and reels); up to 3 \
         collaborators (usernames without @); alt_text on images only. Meta's fetcher must be \
         able to download every URL (200, no redirect): the preflight checks this first."
    };
}

/// The publishing tools.
pub fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "publish_post",
            Effect::Publish,
            concat!(
                "Publish a photo, reel, story or carousel on the account now, or at `at` \
                 (scheduled: the service's scheduler publishes it then, creating the container \
                 up to an hour ahead). For an account limited to drafts, the post becomes a \
                 draft that a person approves (`instagraph schedule approve`) instead. Publishing \
                 now checks the quota (content_publishing_limit: 50 or 100 API-published posts \
                 per rolling 24 hours, as the platform states it; see publishing_limit), creates \
                 the container, waits until it is ready (images take seconds, videos minutes), \
                 publishes it and returns media_id and permalink. It never publishes twice: \
                 after an ambiguous failure the container's status decides. idempotency_key \
                 makes retries safe (the same key returns the first result).",
                post_rules!()
            ),
            publish_post,
        )
        .native("instagraph publish spec POST.json")
        .drafts_ok(),
        Action::new(
            "schedule_post",
            Effect::Publish,
            concat!(
                "Schedule a post for `at` (RFC 3339, unix seconds, or +2h): stored durably and \
                 published then by the service's scheduler (`instagraph serve` or `instagraph \
                 schedule run`), exactly once; containers are created up to an hour ahead (they \
                 expire after 24 hours). A post held by the quota is retried when a slot frees. \
                 For an account limited to drafts, it becomes a draft a person approves. Same as \
                 publish_post with `at`.",
                post_rules!()
            ),
            schedule_post,
        )
        .native("instagraph schedule add --at TIME")
        .drafts_ok(),
        Action::new(
            "check_post",
            Effect::Read,
            concat!(
                "Check a post against every documented rule without sending anything; returns \
                 the kind, counts (caption characters, hashtags, mentions) and whether it has \
                 video (slower processing), or the first rule it breaks with the limit and the \
                 value.",
                post_rules!()
            ),
            check_post,
        ),
        Action::new(
            "create_container",
            Effect::Prepare,
            concat!(
                "Create the post's media container (carousel items first) without publishing it, \
                 and by default wait until it is ready: nobody sees it. Publish it later with \
                 publish_container; it expires 24 hours after creation (status EXPIRED: create \
                 a new one). Video processing takes minutes: with wait=false, poll \
                 container_status until FINISHED.",
                post_rules!()
            ),
            create_container,
        )
        .native("instagraph publish spec POST.json --container-only"),
        Action::new(
            "publish_container",
            Effect::Publish,
            "Publish a ready container (status FINISHED) and return media_id and permalink. \
             Never blindly retried: a container already PUBLISHED counts as done (its media is \
             looked up); IN_PROGRESS answers not-ready (wait and call again); EXPIRED and ERROR \
             say why. Counts against the publishing quota (see publishing_limit).",
            publish_container,
        )
        .native("instagraph containers publish"),
        Action::new(
            "container_status",
            Effect::Read,
            "A container's status_code: IN_PROGRESS (processing), FINISHED (ready to publish), \
             PUBLISHED, ERROR (status carries the reason and subcode, e.g. 2207026: \
             unsupported format) or EXPIRED (not published within 24 hours), with the video \
             upload and processing phases. Poll about once a minute for videos.",
            container_status,
        )
        .native("instagraph containers status"),
        Action::new(
            "list_containers",
            Effect::Read,
            "Containers known here with their status now: those this service created, and \
             those of scheduled posts. The platform has no edge listing an account's \
             containers.",
            list_containers,
        )
        .native("instagraph containers list"),
        Action::new(
            "publishing_limit",
            Effect::Read,
            "The publishing quota as the platform states it (content_publishing_limit): posts \
             published through the API in the rolling window (quota_usage), the quota \
             (quota_total: 50 or 100 per 24 hours depending on the account; carousels count \
             once) and what is left. Read it before publishing several posts.",
            publishing_limit,
        )
        .native("instagraph quota"),
        Action::new(
            "delete_media",
            Effect::Delete,
            "Delete a published media (Facebook Login only; the Instagram API with Instagram \
             Login offers no delete). The platform decides whether it may (typically media the \
             app published); a carousel is deleted whole. It cannot be undone.",
            delete_media,
        )
        .native("instagraph media delete"),
        Action::new(
            "list_scheduled_posts",
            Effect::Read,
            "The account's scheduled posts and drafts, by publish time: id, kind, state \
             (draft: awaiting a person's approval; scheduled, preparing, ready, publishing, \
             published, held, failed, cancelled), publish_at, media_id and permalink once \
             published, last_error and hold_reason.",
            list_scheduled_posts,
        )
        .native("instagraph schedule list"),
        Action::new(
            "get_scheduled_post",
            Effect::Read,
            "One scheduled post (or draft) with its history: every state it went through, when \
             and why.",
            get_scheduled_post,
        )
        .native("instagraph schedule show"),
        Action::new(
            "cancel_scheduled_post",
            Effect::Write,
            "Cancel a scheduled post (or a draft) that has not started publishing (states \
             draft, scheduled, preparing, ready, held, failed). An account limited to drafts may \
             cancel its drafts only.",
            cancel_scheduled_post,
        )
        .native("instagraph schedule cancel")
        .drafts_ok(),
    ]
}

// ---- posts ------------------------------------------------------------------------------------

fn post_schema(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<PostSpec>()
}

/// Parses a post given as JSON (an object, or a string holding one) the way
/// [`PostSpec::from_json`] does, refuses local files, and checks every rule.
fn parse_post(v: &Value) -> Result<PostSpec, ActionError> {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let spec = PostSpec::from_json(&text)?;
    if let Some(f) = spec.local_files().first() {
        return Err(ActionError::InvalidParams(format!(
            "post: local file {} is not accepted from agents: give a public https:// URL \
             ({{\"url\": \"https://...\"}}); the CLI (`instagraph publish`) publishes local files",
            f.display()
        )));
    }
    spec.validate()?;
    Ok(spec)
}

fn store(ctx: &ActionContext, what: &str) -> Result<Arc<dyn Store>, ActionError> {
    ctx.store.clone().ok_or_else(|| {
        ActionError::InvalidParams(format!(
            "{what} needs the service's database (scheduled posts and drafts are stored): run \
             the MCP server with a database (--db), or publish now without `at`"
        ))
    })
}

fn store_err(e: impl std::fmt::Display) -> ActionError {
    ActionError::Store(e.to_string())
}

/// A scheduled post as JSON, with its times readable.
fn post_json(p: &ScheduledPost) -> Result<Value, ActionError> {
    let mut v = to_json(p)?;
    v["publish_at_rfc3339"] = json!(rfc3339(p.publish_at));
    Ok(v)
}

/// Parameters of publish_post.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishPost {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The post: {"type": "photo" | "reel" | "story" | "carousel", ...} (see the description).
    #[schemars(schema_with = "post_schema")]
    pub post: Value,
    /// Publish at this time instead of now: RFC 3339 (2026-12-01T09:00:00+01:00), unix
    /// seconds, or +2h. Needs the service's database.
    #[serde(default)]
    pub at: Option<When>,
    /// A key of your choosing: calling again with the same key returns the first post or
    /// result instead of publishing twice (needs the service's database).
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Fetch every media URL first the way Meta's fetcher does (default true).
    #[serde(default)]
    pub preflight: Option<bool>,
    /// Give up waiting for processing after this many seconds (default: 120 for images, 1200
    /// for video); the container stays valid for 24 hours (publish_container).
    #[serde(default)]
    pub wait_timeout_secs: Option<u64>,
}

async fn publish_post(ctx: ActionContext, p: PublishPost) -> Result<Value, ActionError> {
    publish_or_schedule(ctx, p).await
}

/// Parameters of schedule_post.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchedulePost {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The post: {"type": "photo" | "reel" | "story" | "carousel", ...} (see the description).
    #[schemars(schema_with = "post_schema")]
    pub post: Value,
    /// When to publish: RFC 3339 (2026-12-01T09:00:00+01:00), unix seconds, or +2h.
    pub at: When,
    /// A key of your choosing: scheduling again with the same key returns the first post.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

async fn schedule_post(ctx: ActionContext, p: SchedulePost) -> Result<Value, ActionError> {
    publish_or_schedule(
        ctx,
        PublishPost {
            ig_user_id: p.ig_user_id,
            post: p.post,
            at: Some(p.at),
            idempotency_key: p.idempotency_key,
            preflight: None,
            wait_timeout_secs: None,
        },
    )
    .await
}

fn check_key(key: Option<&str>) -> Result<Option<String>, ActionError> {
    match key.map(str::trim) {
        None => Ok(None),
        Some(k) if !k.is_empty() && k.chars().count() <= 200 => Ok(Some(k.to_owned())),
        Some(k) => Err(ActionError::InvalidParams(format!(
            "idempotency_key: 1 to 200 characters, got {} characters",
            k.chars().count()
        ))),
    }
}

async fn publish_or_schedule(ctx: ActionContext, p: PublishPost) -> Result<Value, ActionError> {
    // Everything that can be refused is refused before a client, a store or the network.
    let spec = parse_post(&p.post)?;
    let key = check_key(p.idempotency_key.as_deref())?;
    let draft = ctx.access == Access::Drafts;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let now = client.now_ms();
    let at =
        p.at.as_ref()
            .map(|w| parse_when("at", w, now))
            .transpose()?;
    if let Some(t) = at
        && t < now - 60_000
    {
        return Err(ActionError::InvalidParams(format!(
            "at: a time in the future, got {} ({} s ago)",
            rfc3339(t),
            (now - t) / 1000
        )));
    }
    let account = account_key(&ctx, &client, p.ig_user_id.as_deref()).await?;

    if draft || at.is_some() {
        let store = store(&ctx, if draft { "a draft" } else { "scheduling" })?;
        let publish_at = at.unwrap_or(now).max(now);
        let new = NewScheduledPost {
            account,
            kind: spec.kind().to_owned(),
            spec: to_json(&spec)?,
            publish_at,
            zone: None,
            idempotency_key: key,
            next_at: (publish_at - PREPARE_AHEAD_MS).max(now).min(publish_at),
            created_at: now,
            draft,
        };
        let (post, created) = store.add_post(&new).await.map_err(store_err)?;
        return Ok(json!({
            "scheduled": !draft,
            "draft": draft,
            "note": if draft {
                "stored as a draft: a person approves it (`instagraph schedule approve ID`) before it is published"
            } else {
                "scheduled: the service's scheduler publishes it at publish_at"
            },
            "created": created,
            "post": post_json(&post)?,
        }));
    }

    // Publish now. With a key, the store remembers the outcome so that a retry returns it.
    let kv = match &key {
        Some(k) => {
            let store = store(&ctx, "idempotency_key")?;
            let kv_key = format!("{account}:{k}");
            if let Some(prev) = store
                .kv_get(PUBLISH_KEYS, &kv_key)
                .await
                .map_err(store_err)?
            {
                match prev.get("state").and_then(Value::as_str) {
                    Some("published") => {
                        let mut v = prev.get("result").cloned().unwrap_or(Value::Null);
                        if let Some(o) = v.as_object_mut() {
                            o.insert("duplicate".into(), json!(true));
                        }
                        return Ok(v);
                    }
                    Some("publishing") => {
                        return Err(ActionError::Refused(format!(
                            "a publish with idempotency_key {k:?} is in progress or was \
                             interrupted: check list_media before publishing again (with a new key)"
                        )));
                    }
                    _ => {}
                }
            }
            store
                .kv_put(
                    PUBLISH_KEYS,
                    &kv_key,
                    &json!({ "state": "publishing", "at": now }),
                )
                .await
                .map_err(store_err)?;
            Some((store, kv_key))
        }
        None => None,
    };
    let mut opts = PublishOptions::for_spec(&spec);
    if let Some(pf) = p.preflight {
        opts.preflight = pf;
    }
    if let Some(t) = p.wait_timeout_secs {
        opts.wait.timeout = Duration::from_secs(t);
    }
    let result = client.publish(&spec, &opts, &|_| {}).await;
    let out = match &result {
        Ok(published) => {
            let mut v = to_json(published)?;
            v["kind"] = json!(spec.kind());
            Some(v)
        }
        Err(_) => None,
    };
    if let Some((store, kv_key)) = kv {
        let record = match (&out, &result) {
            (Some(v), _) => json!({ "state": "published", "result": v }),
            (None, Err(e)) => json!({ "state": "failed", "error": e.to_string() }),
            (None, Ok(_)) => json!({ "state": "failed" }),
        };
        store
            .kv_put(PUBLISH_KEYS, &kv_key, &record)
            .await
            .map_err(store_err)?;
    }
    result?;
    Ok(out.unwrap_or(Value::Null))
}

/// Parameters of check_post.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckPost {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The post: {"type": "photo" | "reel" | "story" | "carousel", ...} (see the description).
    #[schemars(schema_with = "post_schema")]
    pub post: Value,
}

async fn check_post(_ctx: ActionContext, p: CheckPost) -> Result<Value, ActionError> {
    let spec = parse_post(&p.post)?;
    let caption = spec.caption().unwrap_or("");
    Ok(json!({
        "valid": true,
        "kind": spec.kind(),
        "caption_chars": caption.chars().count(),
        "hashtags": count_sigils(caption, '#'),
        "mentions": count_sigils(caption, '@'),
        "has_video": spec.has_video(),
        "limits": { "caption_chars": 2200, "hashtags": 30, "mentions": 20 },
        "note": "checked without the network; publishing also fetches every URL first (preflight)",
    }))
}

// ---- containers -------------------------------------------------------------------------------

/// Parameters of create_container.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContainer {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The post: {"type": "photo" | "reel" | "story" | "carousel", ...} (see the description).
    #[schemars(schema_with = "post_schema")]
    pub post: Value,
    /// Wait until the container is ready (default true).
    #[serde(default)]
    pub wait: Option<bool>,
    /// Fetch every media URL first the way Meta's fetcher does (default true).
    #[serde(default)]
    pub preflight: Option<bool>,
    /// Give up waiting after this many seconds (default: 120 for images, 1200 for video).
    #[serde(default)]
    pub wait_timeout_secs: Option<u64>,
}

async fn create_container(ctx: ActionContext, p: CreateContainer) -> Result<Value, ActionError> {
    let spec = parse_post(&p.post)?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let mut opts = PublishOptions::for_spec(&spec);
    if let Some(pf) = p.preflight {
        opts.preflight = pf;
    }
    if let Some(t) = p.wait_timeout_secs {
        opts.wait.timeout = Duration::from_secs(t);
    }
    let created_at = client.now_ms();
    let c = client.create_container(&spec, &opts, &|_| {}).await?;
    let status = if p.wait.unwrap_or(true) {
        client.wait_ready(&c.id, &opts.wait, &|_| {}).await?
    } else {
        client.container_status(&c.id).await?
    };
    Ok(json!({
        "container_id": c.id,
        "children": c.children,
        "kind": spec.kind(),
        "status_code": status.code().as_str(),
        "status": status.status,
        "expires_at": rfc3339(created_at + CONTAINER_LIFETIME_MS),
    }))
}

/// Parameters of publish_container and container_status.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerRef {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The container id (from create_container).
    pub container_id: ContainerId,
}

async fn publish_container(ctx: ActionContext, p: ContainerRef) -> Result<Value, ActionError> {
    ContainerId::parse(p.container_id.as_str())?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let mut published = client.publish_container(&p.container_id).await?;
    if published.permalink.is_none() {
        published.permalink = client.permalink(&published.media_id).await.unwrap_or(None);
    }
    to_json(&published)
}

async fn container_status(ctx: ActionContext, p: ContainerRef) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    to_json(&client.container_status(&p.container_id).await?)
}

/// Parameters of list_containers, publishing_limit.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountOnly {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
}

async fn list_containers(ctx: ActionContext, p: AccountOnly) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let created_here = to_json(&client.containers().await?)?;
    let mut scheduled = Vec::new();
    if let Some(store) = &ctx.store {
        let posts = account_posts(&ctx, store, &client, p.ig_user_id.as_deref(), &[], 500).await?;
        for post in posts {
            let Some(cid) = post.container_id.as_deref() else {
                continue;
            };
            let status = match ContainerId::parse(cid) {
                Ok(id) => match client.container_status(&id).await {
                    Ok(s) => s.code().as_str().to_owned(),
                    Err(e) => format!("unknown ({e})"),
                },
                Err(e) => format!("invalid id ({e})"),
            };
            scheduled.push(json!({
                "container_id": cid,
                "children": post.children,
                "post": post.id,
                "post_state": post.state,
                "status_code": status,
                "created_at": post.container_created_at.map(rfc3339),
            }));
        }
    }
    Ok(json!({ "created_here": created_here, "scheduled": scheduled }))
}

async fn publishing_limit(ctx: ActionContext, p: AccountOnly) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let l = client.publishing_limit().await?;
    Ok(json!({
        "quota_usage": l.quota_usage,
        "quota_total": l.quota_total,
        "quota_duration_secs": l.quota_duration_secs,
        "remaining": l.remaining(),
    }))
}

/// Parameters of delete_media.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteMedia {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The published media's id.
    pub media_id: MediaId,
}

async fn delete_media(ctx: ActionContext, p: DeleteMedia) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    client.delete_media(&p.media_id).await?;
    Ok(json!({ "success": true, "deleted": p.media_id }))
}

// ---- scheduled posts --------------------------------------------------------------------------

fn states_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = PostState::ALL.iter().map(|s| s.as_str()).collect();
    json_schema!({ "type": "array", "items": { "type": "string", "enum": names } })
}

/// The account's posts (under any of its names and ids), by publish time then id.
async fn account_posts(
    ctx: &ActionContext,
    store: &Arc<dyn Store>,
    client: &instagraph::Client,
    account: Option<&str>,
    states: &[PostState],
    limit: u32,
) -> Result<Vec<ScheduledPost>, ActionError> {
    let mut posts: Vec<ScheduledPost> = Vec::new();
    for key in account_keys(ctx, client, account).await? {
        let found = store
            .posts(&PostQuery {
                states: states.to_vec(),
                account: Some(key),
                limit: Some(limit),
            })
            .await
            .map_err(store_err)?;
        for p in found {
            if !posts.iter().any(|q| q.id == p.id) {
                posts.push(p);
            }
        }
    }
    posts.sort_by(|a, b| a.publish_at.cmp(&b.publish_at).then(a.id.cmp(&b.id)));
    posts.truncate(limit as usize);
    Ok(posts)
}

/// Parameters of list_scheduled_posts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListScheduledPosts {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// Only posts in these states (default: all).
    #[serde(default)]
    #[schemars(schema_with = "states_schema")]
    pub states: Vec<String>,
    /// At most this many (1 to 500, default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

async fn list_scheduled_posts(
    ctx: ActionContext,
    p: ListScheduledPosts,
) -> Result<Value, ActionError> {
    let states = p
        .states
        .iter()
        .map(|s| {
            PostState::parse(s.trim()).ok_or_else(|| {
                let names: Vec<&str> = PostState::ALL.iter().map(|s| s.as_str()).collect();
                ActionError::InvalidParams(format!(
                    "states: one of {}, got {s:?}",
                    names.join(", ")
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ActionError::InvalidParams(format!(
            "limit: 1 to 500, got {limit}"
        )));
    }
    let store = store(&ctx, "listing scheduled posts")?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let posts = account_posts(
        &ctx,
        &store,
        &client,
        p.ig_user_id.as_deref(),
        &states,
        limit,
    )
    .await?;
    let data = posts.iter().map(post_json).collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "data": data }))
}

/// Parameters of get_scheduled_post and cancel_scheduled_post.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduledPostRef {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The scheduled post's id (from publish_post, schedule_post or list_scheduled_posts).
    pub post_id: i64,
}

/// The post, if it exists and belongs to the account.
async fn own_post(
    ctx: &ActionContext,
    store: &Arc<dyn Store>,
    p: &ScheduledPostRef,
) -> Result<ScheduledPost, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let keys = account_keys(ctx, &client, p.ig_user_id.as_deref()).await?;
    match store.post(p.post_id).await.map_err(store_err)? {
        Some(post) if keys.contains(&post.account) => Ok(post),
        _ => Err(ActionError::InvalidParams(format!(
            "post_id: no scheduled post {} for this account (see list_scheduled_posts)",
            p.post_id
        ))),
    }
}

async fn get_scheduled_post(ctx: ActionContext, p: ScheduledPostRef) -> Result<Value, ActionError> {
    let store = store(&ctx, "reading scheduled posts")?;
    let post = own_post(&ctx, &store, &p).await?;
    let log = store.post_log(post.id).await.map_err(store_err)?;
    let mut v = post_json(&post)?;
    v["log"] = to_json(&log)?;
    Ok(v)
}

async fn cancel_scheduled_post(
    ctx: ActionContext,
    p: ScheduledPostRef,
) -> Result<Value, ActionError> {
    let store = store(&ctx, "cancelling scheduled posts")?;
    let post = own_post(&ctx, &store, &p).await?;
    if ctx.access == Access::Drafts && post.state != PostState::Draft {
        return Err(ActionError::Refused(format!(
            "post {} is {}, not a draft: this account is limited to drafts, and only drafts may \
             be cancelled by an agent",
            post.id, post.state
        )));
    }
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    match store
        .cancel_post(post.id, client.now_ms())
        .await
        .map_err(store_err)?
    {
        ChangeOutcome::Changed(post) => Ok(json!({ "cancelled": true, "post": post_json(&post)? })),
        ChangeOutcome::NotFound => Err(ActionError::InvalidParams(format!(
            "post_id: no scheduled post {}",
            p.post_id
        ))),
        ChangeOutcome::NotChangeable(post) => Err(ActionError::Refused(format!(
            "post {} is {}: it can no longer be cancelled (publishing has started, or it is \
             already published or cancelled)",
            post.id, post.state
        ))),
    }
}
