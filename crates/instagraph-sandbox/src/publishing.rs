//! Content publishing in the sandbox world: media containers with a state machine on the sandbox
//! clock, resumable uploads, published posts and the rolling publishing quota, rules for media
//! URLs, and the switches tests use (ambiguous publishes, interrupted uploads).
//!
//! **Container states.** A container is `IN_PROGRESS` until `created + processing time` (for a
//! resumable upload: until the last byte arrived, plus the processing time), then `FINISHED`, or
//! `ERROR` when its media URL was declared broken; `EXPIRED` once `created + 24 h` is reached
//! (exactly 24 h after creation it is expired; 1 ms earlier it is not); `PUBLISHED` after
//! `media_publish` (which wins over expiry). Processing times default to
//! [`PublishingConfig::image_processing_ms`] and [`PublishingConfig::video_processing_ms`] and
//! can be set per URL.
//!
//! **Quota.** `media_publish` counts the account's posts of the last
//! [`PublishingConfig::quota_duration_secs`] (a post stops counting exactly that long after it
//! was published); at [`PublishingConfig::quota_total`] it answers 9 / 2207042. A carousel counts
//! once; stories count too (the platform's rule is uncertain).
//!
//! The Graph endpoints are in [`crate::graph::publishing`]; the control routes and the upload
//! host (`POST /ig-api-upload/{version}/{container-id}`) are here.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Sandbox;
use crate::auth::{self, BodyKind};
use crate::errors::SandboxError;
use crate::state::State;
use crate::types::{ProofState, RecordedRequest};

/// Publishing settings of a sandbox (part of [`crate::SandboxConfig`]; changed at runtime with
/// `POST /_sandbox/publishing`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublishingConfig {
    /// Posts per rolling window before `media_publish` answers 9 / 2207042 (Meta's reference
    /// says 50; older documents 25, some reports 100).
    pub quota_total: u32,
    /// The rolling window of the quota, in seconds (86400).
    pub quota_duration_secs: u64,
    /// How long an image container (or a carousel) stays `IN_PROGRESS`, in milliseconds.
    pub image_processing_ms: u64,
    /// How long a video container stays `IN_PROGRESS` after its upload, in milliseconds.
    pub video_processing_ms: u64,
    /// How long an unpublished container lives before `EXPIRED`, in seconds (86400).
    pub container_ttl_secs: u64,
    /// The duration the sandbox assumes for every video (for `thumb_offset`), in milliseconds.
    pub video_duration_ms: u64,
}

impl Default for PublishingConfig {
    fn default() -> Self {
        Self {
            quota_total: 50,
            quota_duration_secs: 86_400,
            image_processing_ms: 0,
            video_processing_ms: 3_000,
            container_ttl_secs: 86_400,
            video_duration_ms: 30_000,
        }
    }
}

/// What the sandbox's "fetcher" finds at a media URL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaUrlOutcome {
    /// Fetched and processed normally (the default for every URL).
    #[default]
    Ok,
    /// Cannot be fetched: container creation answers 9004 / 2207052.
    Unfetchable,
    /// Fetched, but processing fails: the container goes `ERROR` with a subcode in `status`.
    Error,
    /// Not a supported format: images are refused at creation (36001 / 2207005), videos go
    /// `ERROR` with 2207026.
    UnsupportedFormat,
}

/// A rule for one media URL (`POST /_sandbox/media-urls`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUrlRule {
    /// The exact URL (as sent in `image_url`, `video_url` or the `file_url` upload header).
    pub url: String,
    /// What happens when it is fetched.
    #[serde(default)]
    pub outcome: MediaUrlOutcome,
    /// Overrides the processing time of containers made from this URL.
    #[serde(default)]
    pub processing_ms: Option<u64>,
    /// The subcode an `error` outcome reports (default 2207026 for video, 2207001 for images).
    #[serde(default)]
    pub subcode: Option<i64>,
}

/// How an "ambiguous" `media_publish` answers after committing the post.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmbiguousKind {
    /// HTTP 500 with code -1 / 2207001 (`is_transient: true`).
    #[default]
    ServerError,
    /// HTTP 400 with code -2 / 2207003 (`is_transient: true`).
    Transient,
    /// HTTP 400 with code 4 / 2207051 (restricted activity; practitioners report the post may
    /// still have gone through).
    Restricted,
}

/// Runtime publishing settings (`POST /_sandbox/publishing`); absent fields stay unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublishingSettings {
    /// See [`PublishingConfig::quota_total`].
    pub quota_total: Option<u32>,
    /// See [`PublishingConfig::quota_duration_secs`].
    pub quota_duration_secs: Option<u64>,
    /// See [`PublishingConfig::image_processing_ms`].
    pub image_processing_ms: Option<u64>,
    /// See [`PublishingConfig::video_processing_ms`].
    pub video_processing_ms: Option<u64>,
    /// See [`PublishingConfig::container_ttl_secs`].
    pub container_ttl_secs: Option<u64>,
    /// See [`PublishingConfig::video_duration_ms`].
    pub video_duration_ms: Option<u64>,
    /// The next N `media_publish` calls commit the post and then answer with an error.
    pub ambiguous_publishes: Option<u32>,
    /// Which error those calls answer with.
    pub ambiguous_kind: Option<AmbiguousKind>,
    /// The next resumable upload stores only this many bytes, then fails with HTTP 500 (as if
    /// the connection broke), so a client can resume from `video_status`.
    pub interrupt_next_upload_after_bytes: Option<u64>,
}

/// A post published through the sandbox (`GET /_sandbox/publishing/posts?account=`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPost {
    /// The media id `media_publish` returned.
    pub media_id: String,
    /// The container it was published from.
    pub container_id: String,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`, as read back.
    pub media_type: String,
    /// `FEED`, `REELS` or `STORY`.
    pub media_product_type: String,
    /// The caption (empty when none).
    pub caption: String,
    /// Unix milliseconds, sandbox clock.
    pub published_at_ms: i64,
    /// Media ids of a carousel's children.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
}

// ---- the world -----------------------------------------------------------------------------------

/// What a container will become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContainerKind {
    /// A feed image, or an image carousel item.
    Image,
    /// A carousel video item (`media_type=VIDEO`, `is_carousel_item=true`).
    CarouselVideo,
    /// `media_type=REELS`.
    Reel,
    /// `media_type=STORIES` with `image_url`.
    StoryImage,
    /// `media_type=STORIES` with a video.
    StoryVideo,
    /// `media_type=CAROUSEL`.
    Carousel,
}

impl ContainerKind {
    pub(crate) fn is_video(self) -> bool {
        matches!(
            self,
            ContainerKind::CarouselVideo | ContainerKind::Reel | ContainerKind::StoryVideo
        )
    }

    pub(crate) fn is_story(self) -> bool {
        matches!(self, ContainerKind::StoryImage | ContainerKind::StoryVideo)
    }

    /// `media_type` of the published media.
    pub(crate) fn media_type(self) -> &'static str {
        match self {
            ContainerKind::Image | ContainerKind::StoryImage => "IMAGE",
            ContainerKind::CarouselVideo | ContainerKind::Reel | ContainerKind::StoryVideo => {
                "VIDEO"
            }
            ContainerKind::Carousel => "CAROUSEL_ALBUM",
        }
    }

    /// `media_product_type` of the published media.
    pub(crate) fn product_type(self) -> &'static str {
        match self {
            ContainerKind::Reel => "REELS",
            ContainerKind::StoryImage | ContainerKind::StoryVideo => "STORY",
            _ => "FEED",
        }
    }
}

/// `status_code` of a container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContainerState {
    InProgress,
    Finished,
    Published,
    Error,
    Expired,
}

impl ContainerState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ContainerState::InProgress => "IN_PROGRESS",
            ContainerState::Finished => "FINISHED",
            ContainerState::Published => "PUBLISHED",
            ContainerState::Error => "ERROR",
            ContainerState::Expired => "EXPIRED",
        }
    }
}

/// A resumable upload's progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Upload {
    pub(crate) file_size: Option<u64>,
    pub(crate) transferred: u64,
    /// When the last byte arrived (unix ms).
    pub(crate) completed_ms: Option<i64>,
}

/// A media container.
#[derive(Clone, Debug)]
pub(crate) struct Container {
    pub(crate) id: String,
    pub(crate) owner: String,
    pub(crate) created_ms: i64,
    /// Creation order (ties of `created_ms` under a frozen clock).
    pub(crate) seq: u64,
    pub(crate) kind: ContainerKind,
    pub(crate) is_carousel_item: bool,
    pub(crate) caption: Option<String>,
    /// `image_url` / `video_url` (or the upload's `file_url`).
    pub(crate) media_url: Option<String>,
    pub(crate) cover_url: Option<String>,
    pub(crate) children: Vec<String>,
    pub(crate) processing_ms: u64,
    /// The subcode processing fails with.
    pub(crate) failure: Option<i64>,
    /// Resumable upload (`upload_type=resumable`).
    pub(crate) upload: Option<Upload>,
    /// Media id and time (unix ms) once published.
    pub(crate) published: Option<(String, i64)>,
}

impl Container {
    /// The container's state at `now_ms` for a lifetime of `ttl_ms`.
    pub(crate) fn state_at(&self, now_ms: i64, ttl_ms: i64) -> ContainerState {
        if self.published.is_some() {
            return ContainerState::Published;
        }
        if now_ms >= self.created_ms.saturating_add(ttl_ms) {
            return ContainerState::Expired;
        }
        let start = match &self.upload {
            Some(u) => match u.completed_ms {
                Some(t) => t,
                None => return ContainerState::InProgress,
            },
            None => self.created_ms,
        };
        let ready = start.saturating_add(i64::try_from(self.processing_ms).unwrap_or(i64::MAX));
        if now_ms < ready {
            ContainerState::InProgress
        } else if self.failure.is_some() {
            ContainerState::Error
        } else {
            ContainerState::Finished
        }
    }

    /// The free-text `status` for a state.
    pub(crate) fn status_text(&self, state: ContainerState) -> String {
        match state {
            ContainerState::InProgress => match &self.upload {
                Some(u) if u.completed_ms.is_none() => {
                    "In Progress: Waiting for the media upload to complete.".to_string()
                }
                _ => "In Progress: Media is still being processed.".to_string(),
            },
            ContainerState::Finished => {
                "Finished: Media has been uploaded and it is ready to be published.".to_string()
            }
            ContainerState::Published => "Published: Media has been published.".to_string(),
            ContainerState::Expired => {
                "Expired: Media was not published within 24 hours of being uploaded.".to_string()
            }
            ContainerState::Error => {
                let sub = self.failure.unwrap_or(2207001);
                format!(
                    "Error: Media upload has failed with error code {sub}: {}",
                    subcode_text(sub)
                )
            }
        }
    }
}

/// What the error subcodes of the publishing table mean (fact sheet §9.3).
pub(crate) fn subcode_text(subcode: i64) -> &'static str {
    match subcode {
        2207001 => "Instagram server error.",
        2207003 => "Media download timed out.",
        2207004 => "The image is too large (8 MiB at most).",
        2207005 => "The image format is not supported (JPEG only).",
        2207009 => "The aspect ratio is not supported (4:5 to 1.91:1).",
        2207026 => "The video format is not supported.",
        2207052 => "The media could not be fetched from the URL.",
        2207053 => "Unknown upload error.",
        2207057 => "The thumbnail offset is outside the video's duration.",
        _ => "Media processing failed.",
    }
}

/// The Graph error code that goes with a publishing subcode (fact sheet §9.3).
pub(crate) fn code_for_subcode(subcode: i64) -> i64 {
    match subcode {
        2207003 | 2207020 => -2,
        2207001 | 2207032 | 2207053 => -1,
        2207057 => 1,
        2207051 => 4,
        2207042 => 9,
        2207006 | 2207008 => 24,
        2207050 => 25,
        2207026 => 352,
        2207052 => 9004,
        2207027 => 9007,
        2207004 => 36000,
        2207005 => 36001,
        2207009 => 36003,
        2207010 => 36004,
        _ => 100,
    }
}

/// A URL rule as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct UrlRule {
    pub(crate) outcome: MediaUrlOutcome,
    pub(crate) processing_ms: Option<u64>,
    pub(crate) subcode: Option<i64>,
}

/// One `media_publish` that went through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PublishRecord {
    pub(crate) owner: String,
    pub(crate) media_id: String,
    pub(crate) container_id: String,
    pub(crate) at_ms: i64,
    pub(crate) story: bool,
}

/// Everything publishing keeps.
#[derive(Clone, Debug, Default)]
pub(crate) struct PublishingState {
    pub(crate) containers: BTreeMap<String, Container>,
    pub(crate) url_rules: BTreeMap<String, UrlRule>,
    /// Oldest first.
    pub(crate) published: Vec<PublishRecord>,
    /// Carousel media id → child media ids.
    pub(crate) album_children: BTreeMap<String, Vec<String>>,
    pub(crate) ambiguous_left: u32,
    pub(crate) ambiguous_kind: AmbiguousKind,
    pub(crate) interrupt_upload_after: Option<u64>,
    /// Containers created so far.
    pub(crate) created: u64,
}

impl PublishingState {
    pub(crate) fn id_in_use(&self, id: &str) -> bool {
        self.containers.contains_key(id)
    }

    /// The rule for `url` (the default rule when none was set).
    pub(crate) fn rule(&self, url: &str) -> UrlRule {
        self.url_rules.get(url).copied().unwrap_or_default()
    }

    /// Whether `owner` may publish at `now_ms`: `Err(used)` once the rolling window holds
    /// `quota_total` posts.
    pub(crate) fn may_publish(
        &self,
        owner: &str,
        now_ms: i64,
        cfg: &PublishingConfig,
    ) -> Result<(), u32> {
        let used = self.quota_usage(owner, now_ms, cfg.window_ms(), None);
        if used >= cfg.quota_total {
            Err(used)
        } else {
            Ok(())
        }
    }

    /// Stories `owner` published through the sandbox that are still live at `now_ms` (the last
    /// 24 hours), newest first.
    pub(crate) fn stories_of(&self, owner: &str, now_ms: i64) -> Vec<String> {
        let from = now_ms.saturating_sub(86_400_000);
        self.published
            .iter()
            .rev()
            .filter(|r| r.owner == owner && r.story && r.at_ms > from)
            .map(|r| r.media_id.clone())
            .collect()
    }

    /// Posts of `owner` counting against the quota at `now_ms`: published less than `window_ms`
    /// ago, and not before `since_ms` when given.
    pub(crate) fn quota_usage(
        &self,
        owner: &str,
        now_ms: i64,
        window_ms: i64,
        since_ms: Option<i64>,
    ) -> u32 {
        let from = now_ms.saturating_sub(window_ms);
        let n = self
            .published
            .iter()
            .filter(|r| r.owner == owner && r.at_ms > from)
            .filter(|r| since_ms.is_none_or(|s| r.at_ms >= s))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

impl PublishingConfig {
    pub(crate) fn ttl_ms(&self) -> i64 {
        secs_to_ms(self.container_ttl_secs)
    }

    pub(crate) fn window_ms(&self) -> i64 {
        secs_to_ms(self.quota_duration_secs)
    }
}

fn secs_to_ms(secs: u64) -> i64 {
    i64::try_from(secs)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000)
}

// ---- Rust API --------------------------------------------------------------------------------

impl Sandbox {
    /// Declares what the sandbox's fetcher finds at a media URL (replacing an earlier rule).
    pub fn set_media_url(&self, rule: MediaUrlRule) {
        self.lock().publishing.url_rules.insert(
            rule.url,
            UrlRule {
                outcome: rule.outcome,
                processing_ms: rule.processing_ms,
                subcode: rule.subcode,
            },
        );
    }

    /// Applies runtime publishing settings; returns the settings now in force.
    pub fn configure_publishing(&self, s: &PublishingSettings) -> Value {
        let mut st = self.lock();
        let c = &mut st.config.publishing;
        if let Some(v) = s.quota_total {
            c.quota_total = v;
        }
        if let Some(v) = s.quota_duration_secs {
            c.quota_duration_secs = v;
        }
        if let Some(v) = s.image_processing_ms {
            c.image_processing_ms = v;
        }
        if let Some(v) = s.video_processing_ms {
            c.video_processing_ms = v;
        }
        if let Some(v) = s.container_ttl_secs {
            c.container_ttl_secs = v;
        }
        if let Some(v) = s.video_duration_ms {
            c.video_duration_ms = v;
        }
        let p = &mut st.publishing;
        if let Some(v) = s.ambiguous_publishes {
            p.ambiguous_left = v;
        }
        if let Some(v) = s.ambiguous_kind {
            p.ambiguous_kind = v;
        }
        if let Some(v) = s.interrupt_next_upload_after_bytes {
            p.interrupt_upload_after = Some(v);
        }
        settings_body(&st)
    }

    /// Posts published through the sandbox for an account (seeded name or IG user id), newest
    /// first, stories included.
    pub fn published_posts(&self, account: &str) -> Result<Vec<PublishedPost>, SandboxError> {
        let st = self.lock();
        let owner = account_id(&st, account)?;
        Ok(st
            .publishing
            .published
            .iter()
            .rev()
            .filter(|r| r.owner == owner)
            .map(|r| {
                let kind = st
                    .publishing
                    .containers
                    .get(&r.container_id)
                    .map(|c| c.kind);
                let media = st.media.get(&r.media_id);
                PublishedPost {
                    media_id: r.media_id.clone(),
                    container_id: r.container_id.clone(),
                    media_type: kind.map_or("IMAGE", ContainerKind::media_type).to_string(),
                    media_product_type: kind
                        .map_or("FEED", ContainerKind::product_type)
                        .to_string(),
                    caption: media.map(|m| m.caption.clone()).unwrap_or_default(),
                    published_at_ms: r.at_ms,
                    children: st
                        .publishing
                        .album_children
                        .get(&r.media_id)
                        .cloned()
                        .unwrap_or_default(),
                }
            })
            .collect())
    }

    /// The containers of an account with their state now, newest first.
    pub fn publishing_containers(&self, account: &str) -> Result<Vec<Value>, SandboxError> {
        let st = self.lock();
        let owner = account_id(&st, account)?;
        let now = st.now_ms();
        let ttl = st.config.publishing.ttl_ms();
        let mut list: Vec<&Container> = st
            .publishing
            .containers
            .values()
            .filter(|c| c.owner == owner)
            .collect();
        list.sort_by_key(|c| std::cmp::Reverse((c.created_ms, c.seq)));
        Ok(list
            .into_iter()
            .map(|c| {
                let state = c.state_at(now, ttl);
                json!({
                    "id": c.id,
                    "status_code": state.as_str(),
                    "status": c.status_text(state),
                    "is_carousel_item": c.is_carousel_item,
                    "created_at_ms": c.created_ms,
                    "media_url": c.media_url,
                    "children": c.children,
                    "media_id": c.published.as_ref().map(|(m, _)| m.clone()),
                })
            })
            .collect())
    }
}

/// A seeded account name or an IG user id → the IG user id.
fn account_id(st: &State, account: &str) -> Result<String, SandboxError> {
    st.accounts
        .iter()
        .find(|a| a.name == account || a.ig_user_id == account)
        .map(|a| a.ig_user_id.clone())
        .ok_or_else(|| SandboxError::UnknownAccount(account.to_string()))
}

fn settings_body(st: &State) -> Value {
    let c = &st.config.publishing;
    json!({
        "quota_total": c.quota_total,
        "quota_duration_secs": c.quota_duration_secs,
        "image_processing_ms": c.image_processing_ms,
        "video_processing_ms": c.video_processing_ms,
        "container_ttl_secs": c.container_ttl_secs,
        "video_duration_ms": c.video_duration_ms,
        "ambiguous_publishes": st.publishing.ambiguous_left,
        "ambiguous_kind": st.publishing.ambiguous_kind,
        "interrupt_next_upload_after_bytes": st.publishing.interrupt_upload_after,
        "media_urls": st.publishing.url_rules.len(),
    })
}

// ---- control routes --------------------------------------------------------------------------

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

async fn set_media_url_route(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    let rule: MediaUrlRule = match parse(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if rule.url.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "url must not be empty");
    }
    let echo = json!(rule);
    sb.set_media_url(rule);
    Json(json!({ "ok": true, "rule": echo })).into_response()
}

async fn list_media_urls(AxState(sb): AxState<Sandbox>) -> Response {
    let st = sb.lock();
    let list: Vec<Value> = st
        .publishing
        .url_rules
        .iter()
        .map(|(url, r)| {
            json!(MediaUrlRule {
                url: url.clone(),
                outcome: r.outcome,
                processing_ms: r.processing_ms,
                subcode: r.subcode,
            })
        })
        .collect();
    Json(list).into_response()
}

async fn clear_media_urls(AxState(sb): AxState<Sandbox>) -> Response {
    let mut st = sb.lock();
    let n = st.publishing.url_rules.len();
    st.publishing.url_rules.clear();
    Json(json!({ "ok": true, "cleared": n })).into_response()
}

async fn get_settings(AxState(sb): AxState<Sandbox>) -> Response {
    Json(settings_body(&sb.lock())).into_response()
}

async fn set_settings(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    let s: PublishingSettings = match parse(&body) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    Json(sb.configure_publishing(&s)).into_response()
}

#[derive(Deserialize)]
struct AccountQuery {
    account: String,
}

fn account_query(q: Option<&str>) -> Result<String, &'static str> {
    serde_urlencoded::from_str::<AccountQuery>(q.unwrap_or(""))
        .map(|a| a.account)
        .map_err(|_| "missing ?account=NAME")
}

async fn posts_route(AxState(sb): AxState<Sandbox>, RawQuery(q): RawQuery) -> Response {
    let account = match account_query(q.as_deref()) {
        Ok(a) => a,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match sb.published_posts(&account) {
        Ok(list) => Json(list).into_response(),
        Err(e) => error(StatusCode::NOT_FOUND, e.to_string()),
    }
}

async fn containers_route(AxState(sb): AxState<Sandbox>, RawQuery(q): RawQuery) -> Response {
    let account = match account_query(q.as_deref()) {
        Ok(a) => a,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match sb.publishing_containers(&account) {
        Ok(list) => Json(list).into_response(),
        Err(e) => error(StatusCode::NOT_FOUND, e.to_string()),
    }
}

// ---- sample media files ----------------------------------------------------------------------

/// A baseline JPEG header of `width` x `height` (SOI, APP0/JFIF, SOF0, SOS, a few bytes, EOI):
/// enough for a fetcher that checks the type and the dimensions.
pub(crate) fn sample_jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    v.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x01, 0x00, 0x00,
    ]);
    let [wh, wl] = width.to_be_bytes();
    let [hh, hl] = height.to_be_bytes();
    v.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x11, 0x08, hh, hl, wh, wl, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01,
        0x03, 0x11, 0x01,
    ]);
    v.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00,
    ]);
    v.extend_from_slice(&[0x00; 64]);
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// The start of an MP4 file (an `ftyp` box) padded to `len` bytes.
pub(crate) fn sample_mp4(len: usize) -> Vec<u8> {
    let mut v = vec![
        0x00, 0x00, 0x00, 0x18, b'f', b't', b'y', b'p', b'm', b'p', b'4', b'2', 0x00, 0x00, 0x00,
        0x00, b'm', b'p', b'4', b'2', b'i', b's', b'o', b'm',
    ];
    v.resize(len.max(v.len()), 0);
    v
}

/// `{name}-{W}x{H}.jpg` → (W, H).
fn dimensions(name: &str) -> Option<(u16, u16)> {
    let stem = name.rsplit_once('.')?.0;
    let dims = stem.rsplit('-').next()?;
    let (w, h) = dims.split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

/// `GET /_sandbox/media/{file}`: sample media for publishing tests. `NAME-WxH.jpg` is a JPEG of
/// that size (`image/jpeg`); `.png` a PNG signature (`image/png`); `.mp4` / `.mov` the start of
/// an MP4 (`video/mp4` / `video/quicktime`).
async fn media_file(Path(file): Path<String>) -> Response {
    let lower = file.to_ascii_lowercase();
    let (ct, bytes) = if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        let (w, h) = dimensions(&lower).unwrap_or((1080, 1080));
        ("image/jpeg", sample_jpeg(w, h))
    } else if lower.ends_with(".png") {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.resize(256, 0);
        ("image/png", v)
    } else if lower.ends_with(".mp4") {
        ("video/mp4", sample_mp4(4096))
    } else if lower.ends_with(".mov") {
        ("video/quicktime", sample_mp4(4096))
    } else {
        return error(
            StatusCode::NOT_FOUND,
            "sample media: NAME-WxH.jpg, NAME.png, NAME.mp4 or NAME.mov",
        );
    };
    ([(header::CONTENT_TYPE, ct)], bytes).into_response()
}

// ---- resumable upload host -------------------------------------------------------------------

/// Largest upload body the sandbox accepts (bytes are counted, not kept).
const MAX_UPLOAD_BYTES: u64 = 1 << 30;

fn upload_error(status: StatusCode, kind: &str, message: &str, retriable: bool) -> Response {
    (
        status,
        Json(json!({
            "debug_info": { "retriable": retriable, "type": kind, "message": message }
        })),
    )
        .into_response()
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<Option<u64>, String> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| format!("the {name} header must be a non-negative integer")),
    }
}

/// Counts the body's bytes without keeping them.
async fn count_body(mut body: Body) -> Result<u64, String> {
    let mut n: u64 = 0;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => return Ok(n),
            Some(Err(e)) => return Err(format!("reading the upload failed: {e}")),
            Some(Ok(f)) => {
                if let Some(data) = f.data_ref() {
                    n = n.saturating_add(data.len() as u64);
                    if n > MAX_UPLOAD_BYTES {
                        return Err(format!(
                            "the sandbox accepts uploads of at most {MAX_UPLOAD_BYTES} bytes"
                        ));
                    }
                }
            }
        }
    }
}

/// `POST /ig-api-upload/{version}/{container-id}` (rupload): `Authorization: OAuth <token>`,
/// `offset` (bytes already sent), `file_size` (total), and the raw bytes; or a `file_url`
/// header and no body.
async fn rupload(
    AxState(sb): AxState<Sandbox>,
    Path((_version, container_id)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let received = count_body(body).await;
    let mut st = sb.lock();
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let creds = auth::extract(&[], &[], BodyKind::None, authorization);
    let mut record = RecordedRequest {
        method: "POST".to_string(),
        path: parts.uri.path().to_string(),
        query: BTreeMap::new(),
        auth: creds.method,
        appsecret_proof: ProofState::Absent,
        status: 200,
        error_code: None,
    };
    let resp = upload(&mut st, &parts.headers, &creds, &container_id, received);
    record.status = resp.status().as_u16();
    st.record(record);
    resp
}

fn upload(
    st: &mut State,
    headers: &HeaderMap,
    creds: &auth::Credentials,
    container_id: &str,
    received: Result<u64, String>,
) -> Response {
    let now = st.now();
    let token = match auth::authenticate(st, creds, false, now).result {
        Ok(t) => t,
        Err(e) => return upload_error(StatusCode::UNAUTHORIZED, "AuthError", &e.message, false),
    };
    let owner = st
        .publishing
        .containers
        .get(container_id)
        .map(|c| c.owner.clone());
    if !owner.is_some_and(|o| st.can_access_ig(&token, &o)) {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            &format!("No upload session for container {container_id}"),
            false,
        );
    }
    let received = match received {
        Ok(n) => n,
        Err(m) => {
            return upload_error(StatusCode::BAD_REQUEST, "ProcessingFailedError", &m, true);
        }
    };
    let (offset, file_size) = match (
        header_u64(headers, "offset"),
        header_u64(headers, "file_size"),
    ) {
        (Ok(o), Ok(f)) => (o, f),
        (Err(m), _) | (_, Err(m)) => {
            return upload_error(StatusCode::BAD_REQUEST, "ProcessingFailedError", &m, false);
        }
    };
    let file_url = headers
        .get("file_url")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let now_ms = st.now_ms();
    let ttl = st.config.publishing.ttl_ms();
    let interrupt = st.publishing.interrupt_upload_after;
    let rule = file_url.as_deref().map(|u| st.publishing.rule(u));
    let Some(c) = st.publishing.containers.get_mut(container_id) else {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            "No upload session",
            false,
        );
    };
    if c.state_at(now_ms, ttl) == ContainerState::Expired {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            "The container has expired: create a new one",
            false,
        );
    }
    let Some(up) = c.upload.as_mut() else {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            "This container was not created with upload_type=resumable",
            false,
        );
    };
    if up.completed_ms.is_some() {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            "The upload is already complete",
            false,
        );
    }
    if let Some(url) = file_url {
        if rule.is_some_and(|r| r.outcome == MediaUrlOutcome::Unfetchable) {
            return upload_error(
                StatusCode::BAD_REQUEST,
                "ProcessingFailedError",
                &format!("Media download has failed: the file_url could not be fetched: {url}"),
                false,
            );
        }
        if let Some(r) = rule {
            if let Some(ms) = r.processing_ms {
                c.processing_ms = ms;
            }
            match r.outcome {
                MediaUrlOutcome::Error => c.failure = Some(r.subcode.unwrap_or(2207026)),
                MediaUrlOutcome::UnsupportedFormat => c.failure = Some(2207026),
                _ => {}
            }
        }
        let size = file_size.unwrap_or(1 << 20);
        up.file_size = Some(size);
        up.transferred = size;
        up.completed_ms = Some(now_ms);
        c.media_url = Some(url);
        return Json(json!({ "success": true, "message": "Upload successful." })).into_response();
    }
    let Some(offset) = offset else {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            "The offset header is required",
            false,
        );
    };
    let Some(file_size) = file_size.filter(|s| *s > 0) else {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            "The file_size header is required (the total size in bytes)",
            false,
        );
    };
    if up.file_size.is_some_and(|s| s != file_size) {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            &format!(
                "file_size {file_size} differs from the {} bytes announced earlier",
                up.file_size.unwrap_or(0)
            ),
            false,
        );
    }
    if offset != up.transferred {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            &format!(
                "offset {offset} does not match the {} bytes received so far: resume from bytes_transferred",
                up.transferred
            ),
            true,
        );
    }
    up.file_size = Some(file_size);
    if let Some(limit) = interrupt {
        keep_interrupted(up, received, limit, file_size, now_ms);
        // Taken once.
        st.publishing.interrupt_upload_after = None;
        return upload_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ProcessingFailedError",
            "The upload was interrupted: resume from video_status.uploading_phase.bytes_transferred",
            true,
        );
    }
    let total = up.transferred.saturating_add(received);
    if total > file_size {
        return upload_error(
            StatusCode::BAD_REQUEST,
            "ProcessingFailedError",
            &format!("{total} bytes received, more than file_size {file_size}"),
            false,
        );
    }
    up.transferred = total;
    if total == file_size {
        up.completed_ms = Some(now_ms);
    }
    Json(json!({ "success": true, "message": "Upload successful." })).into_response()
}

/// An interrupted upload keeps only the first `limit` bytes of this request (complete when they
/// were the last ones).
fn keep_interrupted(up: &mut Upload, received: u64, limit: u64, file_size: u64, now_ms: i64) {
    up.transferred = up
        .transferred
        .saturating_add(received.min(limit))
        .min(file_size);
    if up.transferred == file_size {
        up.completed_ms = Some(now_ms);
    }
}

/// The publishing control routes and the upload host.
pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(
            "/_sandbox/media-urls",
            post(set_media_url_route)
                .get(list_media_urls)
                .delete(clear_media_urls),
        )
        .route("/_sandbox/publishing", get(get_settings).post(set_settings))
        .route("/_sandbox/publishing/posts", get(posts_route))
        .route("/_sandbox/publishing/containers", get(containers_route))
        .route("/_sandbox/media/{file}", get(media_file))
        .route("/ig-api-upload/{version}/{container}", post(rupload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(processing_ms: u64) -> Container {
        Container {
            id: "1".into(),
            owner: "o".into(),
            created_ms: 1_000_000,
            seq: 0,
            kind: ContainerKind::Reel,
            is_carousel_item: false,
            caption: None,
            media_url: Some("https://x.example/v.mp4".into()),
            cover_url: None,
            children: Vec::new(),
            processing_ms,
            failure: None,
            upload: None,
            published: None,
        }
    }

    const TTL: i64 = 86_400_000;

    #[test]
    fn processing_ends_exactly_at_its_time() {
        let c = container(3_000);
        assert_eq!(c.state_at(1_000_000, TTL), ContainerState::InProgress);
        assert_eq!(c.state_at(1_002_999, TTL), ContainerState::InProgress);
        assert_eq!(c.state_at(1_003_000, TTL), ContainerState::Finished);
        let instant = container(0);
        assert_eq!(instant.state_at(1_000_000, TTL), ContainerState::Finished);
    }

    #[test]
    fn a_broken_url_errors_when_processing_ends() {
        let mut c = container(3_000);
        c.failure = Some(2207026);
        assert_eq!(c.state_at(1_002_999, TTL), ContainerState::InProgress);
        assert_eq!(c.state_at(1_003_000, TTL), ContainerState::Error);
        let text = c.status_text(ContainerState::Error);
        assert!(text.contains("2207026"), "{text}");
    }

    #[test]
    fn containers_expire_exactly_24_hours_after_creation() {
        let c = container(0);
        assert_eq!(
            c.state_at(1_000_000 + TTL - 1, TTL),
            ContainerState::Finished
        );
        assert_eq!(c.state_at(1_000_000 + TTL, TTL), ContainerState::Expired);
        let mut published = container(0);
        published.published = Some(("m".into(), 1_000_001));
        assert_eq!(
            published.state_at(1_000_000 + TTL, TTL),
            ContainerState::Published,
            "a published container stays published"
        );
    }

    #[test]
    fn processing_of_an_upload_starts_when_its_last_byte_arrives() {
        let mut c = container(1_000);
        c.upload = Some(Upload {
            file_size: Some(10),
            transferred: 4,
            completed_ms: None,
        });
        assert_eq!(c.state_at(5_000_000, TTL), ContainerState::InProgress);
        assert!(c.status_text(ContainerState::InProgress).contains("upload"));
        if let Some(u) = c.upload.as_mut() {
            u.transferred = 10;
            u.completed_ms = Some(2_000_000);
        }
        assert_eq!(c.state_at(2_000_999, TTL), ContainerState::InProgress);
        assert_eq!(c.state_at(2_001_000, TTL), ContainerState::Finished);
    }

    #[test]
    fn quota_counts_the_rolling_window() {
        let mut p = PublishingState::default();
        for i in 0..3 {
            p.published.push(PublishRecord {
                owner: "o".into(),
                media_id: format!("m{i}"),
                container_id: format!("c{i}"),
                at_ms: 1_000 + i * 10,
                story: false,
            });
        }
        p.published.push(PublishRecord {
            owner: "other".into(),
            media_id: "x".into(),
            container_id: "y".into(),
            at_ms: 1_000,
            story: false,
        });
        let w = 86_400_000;
        assert_eq!(p.quota_usage("o", 1_020, w, None), 3);
        // The first post stops counting exactly one window after it was published.
        assert_eq!(p.quota_usage("o", 1_000 + w - 1, w, None), 3);
        assert_eq!(p.quota_usage("o", 1_000 + w, w, None), 2);
        assert_eq!(p.quota_usage("o", 1_020, w, Some(1_010)), 2);
        let cfg = |quota_total| PublishingConfig {
            quota_total,
            ..PublishingConfig::default()
        };
        assert_eq!(p.may_publish("o", 1_020, &cfg(4)), Ok(()), "3 used of 4");
        assert_eq!(p.may_publish("o", 1_020, &cfg(3)), Err(3), "3 used of 3");
        assert_eq!(
            p.may_publish("o", 1_000 + w, &cfg(3)),
            Ok(()),
            "the oldest post left the window"
        );
    }

    #[test]
    fn sample_jpeg_carries_its_dimensions() {
        let j = sample_jpeg(1080, 1350);
        let sof = j.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap_or(0);
        assert_eq!(&j[sof + 5..sof + 9], &[0x05, 0x46, 0x04, 0x38]);
        assert_eq!(dimensions("photo-1080x1350.jpg"), Some((1080, 1350)));
        assert_eq!(dimensions("photo.jpg"), None);
    }

    #[test]
    fn subcodes_map_to_their_codes() {
        assert_eq!(code_for_subcode(2207026), 352);
        assert_eq!(code_for_subcode(2207052), 9004);
        assert_eq!(code_for_subcode(2207042), 9);
        assert_eq!(code_for_subcode(2207020), -2);
    }
}
