//! Content publishing, both login families: photos, reels, stories (image and video) and
//! carousels, from public URLs or local files.
//!
//! **Flow.** [`Client::publish`] does it all: [`Client::check_quota`] (never assuming the quota:
//! it is read from `content_publishing_limit`), [`Client::create_container`] (validation, the
//! preflight of every URL, hosting of local images, resumable upload of local videos, carousel
//! children created and awaited one by one), [`Client::wait_ready`] (polling with backoff),
//! [`Client::publish_container`], then the permalink; hosted files are released at the end.
//! Each step is public for a scheduler that runs them apart.
//!
//! **Never a duplicate.** `media_publish` is never retried blindly. After an ambiguous failure
//! (transport error, 5xx, codes 1/2/-1/-2 or `is_transient`, 4/2207051) the container's status
//! decides: `PUBLISHED` means it went through and the media is looked up
//! ([`Client::find_published_media`]; `recovered: true`); `FINISHED` means it did not, and it is
//! published once more; anything else returns the original error. A container already
//! `PUBLISHED` before the call counts as done.
//!
//! **Local files.** Images need a [`MediaHost`] ([`crate::ClientBuilder::media_host`]) that serves
//! them at a public, unguessable URL while the container is processed; videos go through the
//! resumable upload (rupload), which Meta documents for Facebook Login only; with Instagram Login
//! a local video needs the media host too.
//!
//! **What the platform does not offer.** No edge lists containers ([`Client::containers`] reports
//! the ones this client created); deleting media exists on Facebook Login only
//! ([`Client::delete_media`]).

mod preflight;
mod spec;
mod upload;

pub use preflight::{
    KEPT_WIDTHS, MAX_ASPECT, MAX_IMAGE_BYTES, MAX_REEL_BYTES, MAX_STORY_VIDEO_BYTES, MIN_ASPECT,
    PreflightExpect, PreflightReport, check_dimensions, jpeg_dimensions, preflight,
};
pub use spec::{
    CarouselItem, CarouselPost, ItemKind, MAX_CAPTION_CHARS, MAX_CAROUSEL_ITEMS, MAX_COLLABORATORS,
    MAX_HASHTAGS, MAX_MENTIONS, MAX_USER_TAGS, MAX_USERNAME_CHARS, MIN_CAROUSEL_ITEMS, MediaSource,
    PhotoPost, PostSpec, ProductTag, ReelPost, StoryKind, StoryPost, TrialParams, UserTag,
    check_caption, check_media_url, check_username, count_sigils,
};
pub use upload::{MAX_UPLOAD_ATTEMPTS, RUPLOAD_HOST, UPLOAD_TIMEOUT};

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::{Error, ErrorClass, PublishFailure, fix_for};
use crate::ids::{ContainerId, MediaId};
use crate::models::publishing::{
    ContainerCreated, ContainerStatus, ContainerStatusCode, MediaPublished, PublishingLimit,
};
use crate::paging::Page;
use crate::ratelimit::OperationClass;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Containers remembered per client for [`Client::containers`].
const MAX_TRACKED: usize = 1000;
/// Times `publish` waits again after the platform says "not ready" (9007) at publish time.
const MAX_NOT_READY_RETRIES: u32 = 3;
/// How far before the publish call a recovered media's timestamp may be (clock skew).
const RECOVERY_SKEW_MS: i64 = 60_000;

/// Hosts a local image at a public, unguessable URL without a query string while a container
/// needs it (Meta's fetcher downloads it during container processing).
#[async_trait::async_trait]
pub trait MediaHost: Send + Sync + std::fmt::Debug {
    /// Makes `path` reachable; the URL must answer 200 with the right content type, without
    /// redirects or authentication.
    async fn host(&self, path: &Path) -> Result<HostedMedia, Error>;
    /// Stops serving a hosted file (after publishing, or when creation failed).
    async fn release(&self, hosted: &HostedMedia);
}

/// A file served by a [`MediaHost`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedMedia {
    /// The public URL.
    pub url: String,
    /// The host's own id for it (to release it).
    pub id: String,
}

/// How long and how often to wait for a container.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitPolicy {
    /// The first pause after a poll that found the container in progress.
    pub initial: Duration,
    /// The longest pause between polls.
    pub max_interval: Duration,
    /// Give up after this long (the last status is in the error).
    pub timeout: Duration,
    /// Each pause is the previous one times this (at least 1.0).
    pub factor: f64,
}

impl WaitPolicy {
    /// Images process in seconds: start at 250 ms, at most 2 s apart, give up after 2 minutes.
    pub fn for_images() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max_interval: Duration::from_secs(2),
            timeout: Duration::from_secs(120),
            factor: 1.5,
        }
    }

    /// Videos process in minutes: start at 2 s, at most 30 s apart, give up after 20 minutes.
    pub fn for_video() -> Self {
        Self {
            initial: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(20 * 60),
            factor: 1.5,
        }
    }

    /// [`WaitPolicy::for_video`] when the post has a video, else [`WaitPolicy::for_images`].
    pub fn for_spec(spec: &PostSpec) -> Self {
        if spec.has_video() {
            Self::for_video()
        } else {
            Self::for_images()
        }
    }

    /// The pause after `current`.
    pub fn next_interval(&self, current: Duration) -> Duration {
        let factor = if self.factor.is_finite() && self.factor >= 1.0 {
            self.factor
        } else {
            1.0
        };
        current.mul_f64(factor).min(self.max_interval.max(current))
    }
}

impl Default for WaitPolicy {
    /// Fits both: 250 ms doubling up to 30 s, for at most 20 minutes.
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(20 * 60),
            factor: 2.0,
        }
    }
}

/// How [`Client::publish`] and [`Client::create_container`] behave.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishOptions {
    /// Fetch every media URL first the way Meta's fetcher does ([`preflight`]). Default true.
    pub preflight: bool,
    /// The ready-wait schedule.
    pub wait: WaitPolicy,
    /// Read `content_publishing_limit` first and stop when no post is left. Default true.
    pub check_quota: bool,
}

impl Default for PublishOptions {
    fn default() -> Self {
        Self {
            preflight: true,
            wait: WaitPolicy::default(),
            check_quota: true,
        }
    }
}

impl PublishOptions {
    /// The defaults with the wait schedule that suits `spec`.
    pub fn for_spec(spec: &PostSpec) -> Self {
        Self {
            wait: WaitPolicy::for_spec(spec),
            ..Self::default()
        }
    }
}

/// Progress of a publish, for a progress bar or a log.
#[derive(Clone, Debug)]
pub enum WaitProgress {
    /// A container was polled.
    Polled {
        /// The container.
        container: ContainerId,
        /// What it said.
        status: ContainerStatusCode,
        /// Time since the wait began.
        elapsed: Duration,
        /// `(item, of)` when it is a carousel item (1-based).
        child: Option<(usize, usize)>,
    },
    /// Bytes of a local video uploaded.
    Uploading {
        /// Bytes sent so far.
        sent: u64,
        /// The file's size.
        total: u64,
    },
}

/// A created container.
#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    /// The container to publish (`creation_id`).
    pub id: ContainerId,
    /// Carousel items, in order.
    pub children: Vec<ContainerId>,
    /// Files a [`MediaHost`] serves for it: release them once published (or abandoned).
    pub hosted: Vec<HostedMedia>,
}

/// A published post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Published {
    /// The new media.
    pub media_id: MediaId,
    /// The container it came from.
    pub container_id: ContainerId,
    /// Its permalink, when read.
    pub permalink: Option<String>,
    /// The media id was found by looking it up (after an ambiguous failure, or because the
    /// container had already been published), not from the publish answer.
    pub recovered: bool,
}

/// Where a video comes from once resolved.
enum VideoSource {
    Url(String),
    Upload { path: PathBuf, size: u64 },
}

#[derive(Clone, Debug)]
struct Tracked {
    id: ContainerId,
    caption: Option<String>,
    created_ms: i64,
}

/// Per-client publishing state: the media host and the containers this client created.
#[derive(Clone, Default)]
pub(crate) struct PublishingLocal {
    pub(crate) media_host: Option<Arc<dyn MediaHost>>,
    tracked: Arc<Mutex<Vec<Tracked>>>,
}

impl PublishingLocal {
    pub(crate) fn new(media_host: Option<Arc<dyn MediaHost>>) -> Self {
        Self {
            media_host,
            tracked: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Tracked>> {
        self.tracked.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn track(&self, t: Tracked) {
        let mut list = self.lock();
        if list.len() >= MAX_TRACKED {
            list.remove(0);
        }
        list.push(t);
    }

    fn find(&self, id: &ContainerId) -> Option<Tracked> {
        self.lock().iter().find(|t| &t.id == id).cloned()
    }
}

/// The Graph error code of a publishing subcode (fact sheet §9.3).
pub fn code_for_subcode(subcode: i64) -> i64 {
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

fn container_error(status: &ContainerStatus) -> Error {
    let sub = status.error_subcode();
    let code = sub.map(code_for_subcode);
    let text = status.status.as_deref().unwrap_or("no status text");
    let fix = match (code, sub) {
        (Some(c), Some(s)) => {
            let class = crate::error::classify(c, Some(s), None);
            fix_for(c, Some(s), class).to_owned()
        }
        _ => "Check the media (format, size, URL) and create a new container.".to_owned(),
    };
    Error::Publishing {
        kind: PublishFailure::ContainerError,
        container: Some(status.id.to_string()),
        code,
        subcode: sub,
        message: format!("container {} failed (status_code ERROR): {text}", status.id),
        fix,
        retry_at_ms: None,
    }
}

fn expired_error(id: &ContainerId) -> Error {
    Error::Publishing {
        kind: PublishFailure::ContainerExpired,
        container: Some(id.to_string()),
        code: Some(-2),
        subcode: Some(2207020),
        message: format!(
            "container {id} has expired: containers must be published within 24 hours of creation"
        ),
        fix: "Create a new container (publish the post again).".to_owned(),
        retry_at_ms: None,
    }
}

/// Whether a failed `media_publish` may have gone through anyway.
fn is_ambiguous(e: &Error) -> bool {
    match e {
        Error::Transport(_) => true,
        Error::Http { status, .. } => *status >= 500,
        Error::Graph { status, error, .. } => {
            *status >= 500
                || matches!(error.code, 1 | 2 | -1 | -2)
                || error.is_transient == Some(true)
                || (error.code == 4 && error.error_subcode == Some(2207051))
        }
        _ => false,
    }
}

fn is_restricted(e: &Error) -> bool {
    e.code() == 4 && e.subcode() == Some(2207051)
}

// ---- time ---------------------------------------------------------------------------------------

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses a node timestamp (`2021-08-13T08:25:28+0000`, also `+00:00` and `Z`) into unix ms.
pub fn parse_graph_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    if s.len() < 19 || s.get(4..5) != Some("-") || s.get(10..11) != Some("T") {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let tz = s
        .get(19..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset_min = match tz {
        "" | "Z" => 0,
        _ => {
            let sign = match tz.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let digits: String = tz.chars().skip(1).filter(char::is_ascii_digit).collect();
            let oh = digits.get(0..2)?.parse::<i64>().ok()?;
            let om = digits
                .get(2..4)
                .map_or(Some(0), |m| m.parse::<i64>().ok())?;
            sign * (oh * 60 + om)
        }
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000)
}

/// `2026-01-01T00:00:00Z` for unix ms.
pub fn format_unix_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        t / 3600,
        (t % 3600) / 60,
        t % 60
    )
}

#[derive(Deserialize)]
struct MediaRow {
    id: MediaId,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
}

#[derive(Deserialize)]
struct PermalinkRow {
    #[serde(default)]
    permalink: Option<String>,
}

#[derive(Deserialize)]
struct SuccessRow {
    #[serde(default)]
    success: Option<bool>,
}

fn same_caption(found: Option<&str>, wanted: Option<&str>) -> bool {
    found.unwrap_or("").trim() == wanted.unwrap_or("").trim()
}

fn json_list<T: Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

fn user_tags_param(tags: &[UserTag]) -> Option<(&'static str, String)> {
    (!tags.is_empty()).then(|| ("user_tags", json_list(tags)))
}

// ---- operations ---------------------------------------------------------------------------------

impl Client {
    /// The media host registered with [`crate::ClientBuilder::media_host`].
    pub fn media_host(&self) -> Option<Arc<dyn MediaHost>> {
        self.publishing_local().media_host.clone()
    }

    /// Creates the container of `spec` (and, for a carousel, every item first, each awaited until
    /// `FINISHED`; an item's failure names it: "carousel item 3 (video): …"). Validates first,
    /// then preflights every URL (unless `opts.preflight` is off), hosts local images through the
    /// media host and uploads local videos (resumable upload, with [`WaitProgress::Uploading`]).
    /// The container itself is not awaited: see [`Client::wait_ready`].
    pub async fn create_container(
        &self,
        spec: &PostSpec,
        opts: &PublishOptions,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<Container, Error> {
        spec.validate()?;
        if let PostSpec::Photo(p) = spec
            && !p.product_tags.is_empty()
        {
            self.require_family(
                LoginFamily::Facebook,
                "product tags",
                Some("shopping product tags exist only on Facebook Login"),
            )?;
        }
        let node = self.account_node()?;
        let mut hosted = Vec::new();
        match self
            .create_all(spec, opts, progress, &node, &mut hosted)
            .await
        {
            Ok((id, children)) => {
                self.publishing_local().track(Tracked {
                    id: id.clone(),
                    caption: spec.caption().map(str::to_owned),
                    created_ms: self.now_ms(),
                });
                Ok(Container {
                    id,
                    children,
                    hosted,
                })
            }
            Err(e) => {
                self.release_hosted(&hosted).await;
                Err(e)
            }
        }
    }

    async fn create_all(
        &self,
        spec: &PostSpec,
        opts: &PublishOptions,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
        node: &str,
        hosted: &mut Vec<HostedMedia>,
    ) -> Result<(ContainerId, Vec<ContainerId>), Error> {
        let mut form: Vec<(&'static str, String)> = Vec::new();
        let caption = |form: &mut Vec<(&'static str, String)>, c: &Option<String>| {
            if let Some(c) = c.as_ref().filter(|c| !c.is_empty()) {
                form.push(("caption", c.clone()));
            }
        };
        let opt = |form: &mut Vec<(&'static str, String)>, k: &'static str, v: &Option<String>| {
            if let Some(v) = v {
                form.push((k, v.clone()));
            }
        };
        let collaborators = |form: &mut Vec<(&'static str, String)>, c: &[String]| {
            if !c.is_empty() {
                form.push(("collaborators", json_list(c)));
            }
        };
        match spec {
            PostSpec::Photo(p) => {
                let url = self
                    .resolve_image(&p.image, "image", PreflightExpect::Image, opts, hosted)
                    .await?;
                form.push(("image_url", url));
                caption(&mut form, &p.caption);
                opt(&mut form, "alt_text", &p.alt_text);
                opt(&mut form, "location_id", &p.location_id);
                form.extend(user_tags_param(&p.user_tags));
                collaborators(&mut form, &p.collaborators);
                if !p.product_tags.is_empty() {
                    form.push(("product_tags", json_list(&p.product_tags)));
                }
                Ok((self.post_container(node, form).await?.id, Vec::new()))
            }
            PostSpec::Reel(r) => {
                let video = self
                    .resolve_video(&r.video, "video", PreflightExpect::Video, opts, hosted)
                    .await?;
                if let Some(cover) = &r.cover_url
                    && opts.preflight
                {
                    preflight(self.http(), cover, PreflightExpect::Cover).await?;
                }
                form.push(("media_type", "REELS".to_owned()));
                caption(&mut form, &r.caption);
                opt(&mut form, "cover_url", &r.cover_url);
                if let Some(t) = r.thumb_offset_ms {
                    form.push(("thumb_offset", t.to_string()));
                }
                if let Some(s) = r.share_to_feed {
                    form.push(("share_to_feed", s.to_string()));
                }
                opt(&mut form, "audio_name", &r.audio_name);
                opt(&mut form, "location_id", &r.location_id);
                form.extend(user_tags_param(&r.user_tags));
                collaborators(&mut form, &r.collaborators);
                if let Some(t) = &r.trial_params {
                    form.push(("trial_params", serde_json::to_string(t).unwrap_or_default()));
                }
                let id = self.video_container(node, form, video, progress).await?;
                Ok((id, Vec::new()))
            }
            PostSpec::Story(s) => {
                form.push(("media_type", "STORIES".to_owned()));
                form.extend(user_tags_param(&s.user_tags));
                let id = match s.kind {
                    StoryKind::Image => {
                        let url = self
                            .resolve_image(
                                &s.media,
                                "media",
                                PreflightExpect::StoryImage,
                                opts,
                                hosted,
                            )
                            .await?;
                        form.push(("image_url", url));
                        self.post_container(node, form).await?.id
                    }
                    StoryKind::Video => {
                        let video = self
                            .resolve_video(
                                &s.media,
                                "media",
                                PreflightExpect::StoryVideo,
                                opts,
                                hosted,
                            )
                            .await?;
                        self.video_container(node, form, video, progress).await?
                    }
                };
                Ok((id, Vec::new()))
            }
            PostSpec::Carousel(c) => {
                let n = c.items.len();
                let mut children = Vec::with_capacity(n);
                for (i, item) in c.items.iter().enumerate() {
                    let child = self
                        .create_item(item, (i + 1, n), opts, progress, node, hosted)
                        .await
                        .map_err(|e| spec::in_item(e, i + 1, item.kind))?;
                    children.push(child);
                }
                form.push(("media_type", "CAROUSEL".to_owned()));
                let ids: Vec<&str> = children.iter().map(ContainerId::as_str).collect();
                form.push(("children", ids.join(",")));
                caption(&mut form, &c.caption);
                opt(&mut form, "location_id", &c.location_id);
                collaborators(&mut form, &c.collaborators);
                Ok((self.post_container(node, form).await?.id, children))
            }
        }
    }

    async fn create_item(
        &self,
        item: &CarouselItem,
        position: (usize, usize),
        opts: &PublishOptions,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
        node: &str,
        hosted: &mut Vec<HostedMedia>,
    ) -> Result<ContainerId, Error> {
        let id = self.post_item(item, opts, progress, node, hosted).await?;
        self.wait_inner(&id, &opts.wait, progress, Some(position))
            .await?;
        Ok(id)
    }

    /// Creates one carousel item container (`is_carousel_item=true`) without waiting for it.
    async fn post_item(
        &self,
        item: &CarouselItem,
        opts: &PublishOptions,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
        node: &str,
        hosted: &mut Vec<HostedMedia>,
    ) -> Result<ContainerId, Error> {
        let mut form: Vec<(&'static str, String)> = vec![("is_carousel_item", "true".to_owned())];
        form.extend(user_tags_param(&item.user_tags));
        let id = match item.kind {
            ItemKind::Image => {
                let url = self
                    .resolve_image(&item.media, "media", PreflightExpect::Image, opts, hosted)
                    .await?;
                form.push(("image_url", url));
                if let Some(a) = &item.alt_text {
                    form.push(("alt_text", a.clone()));
                }
                self.post_container(node, form).await?.id
            }
            ItemKind::Video => {
                let video = self
                    .resolve_video(&item.media, "media", PreflightExpect::Video, opts, hosted)
                    .await?;
                form.push(("media_type", "VIDEO".to_owned()));
                self.video_container(node, form, video, progress).await?
            }
        };
        Ok(id)
    }

    /// A URL for an image: the URL itself (preflighted), or a local file hosted by the media host.
    async fn resolve_image(
        &self,
        source: &MediaSource,
        field: &str,
        expect: PreflightExpect,
        opts: &PublishOptions,
        hosted: &mut Vec<HostedMedia>,
    ) -> Result<String, Error> {
        let url = match source {
            MediaSource::Url(u) => u.clone(),
            MediaSource::File(path) => {
                let Some(host) = self.media_host() else {
                    return Err(Error::invalid_input(
                        field,
                        "a public https:// URL: local images need a media host that serves them publicly (run `instagraph serve`, or upload the file and give its public URL)",
                        path.display().to_string(),
                    ));
                };
                let size = local_size(field, path).await?;
                if size > MAX_IMAGE_BYTES {
                    return Err(Error::invalid_input(
                        field,
                        format!("an image of at most {MAX_IMAGE_BYTES} bytes (8 MiB)"),
                        format!("{} ({size} bytes)", path.display()),
                    ));
                }
                let h = host.host(path).await?;
                let url = h.url.clone();
                hosted.push(h);
                url
            }
        };
        if opts.preflight {
            preflight(self.http(), &url, expect).await?;
        }
        Ok(url)
    }

    /// A video: a URL (preflighted), a local file to upload (Facebook Login), or a local file
    /// hosted by the media host (Instagram Login).
    async fn resolve_video(
        &self,
        source: &MediaSource,
        field: &str,
        expect: PreflightExpect,
        opts: &PublishOptions,
        hosted: &mut Vec<HostedMedia>,
    ) -> Result<VideoSource, Error> {
        match source {
            MediaSource::Url(u) => {
                if opts.preflight {
                    preflight(self.http(), u, expect).await?;
                }
                Ok(VideoSource::Url(u.clone()))
            }
            MediaSource::File(path) => {
                let size = local_size(field, path).await?;
                let max = expect.max_bytes();
                if size > max {
                    return Err(Error::invalid_input(
                        field,
                        format!("a video of at most {max} bytes"),
                        format!("{} ({size} bytes)", path.display()),
                    ));
                }
                if self.login() == LoginFamily::Facebook {
                    return Ok(VideoSource::Upload {
                        path: path.clone(),
                        size,
                    });
                }
                let Some(host) = self.media_host() else {
                    return Err(Error::Unsupported {
                        operation: "uploading a local video (resumable upload)",
                        family: LoginFamily::Instagram,
                        hint: Some(
                            "Meta documents resumable uploads for Facebook Login only: give the video as a public https:// URL, or register a media host (`instagraph serve`) to serve the file",
                        ),
                    });
                };
                let h = host.host(path).await?;
                let url = h.url.clone();
                hosted.push(h);
                if opts.preflight {
                    preflight(self.http(), &url, expect).await?;
                }
                Ok(VideoSource::Url(url))
            }
        }
    }

    async fn post_container(
        &self,
        node: &str,
        form: Vec<(&'static str, String)>,
    ) -> Result<ContainerCreated, Error> {
        let mut req = Request::post(format!("{node}/media"))
            .class(OperationClass::MediaUpload)
            // A repeated creation only leaves an unused container behind (it expires); it never
            // publishes anything, so transient failures are retried.
            .retry_safe();
        for (k, v) in form {
            req = req.form(k, v);
        }
        self.send_json(req).await
    }

    async fn video_container(
        &self,
        node: &str,
        mut form: Vec<(&'static str, String)>,
        video: VideoSource,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<ContainerId, Error> {
        match video {
            VideoSource::Url(u) => {
                form.push(("video_url", u));
                Ok(self.post_container(node, form).await?.id)
            }
            VideoSource::Upload { path, size } => {
                form.push(("upload_type", "resumable".to_owned()));
                let created = self.post_container(node, form).await?;
                let Some(uri) = created.uri.as_deref() else {
                    return Err(Error::Decode {
                        path: "uri".to_owned(),
                        message: "the resumable container came without an upload uri".to_owned(),
                    });
                };
                self.upload_video(&created.id, uri, &path, size, progress)
                    .await?;
                Ok(created.id)
            }
        }
    }

    /// Releases hosted files (errors are the host's to log).
    pub async fn release_hosted(&self, hosted: &[HostedMedia]) {
        if let Some(host) = self.media_host() {
            for h in hosted {
                host.release(h).await;
            }
        }
    }

    /// `GET /{container-id}?fields=id,status_code,status,video_status`.
    pub async fn container_status(&self, id: &ContainerId) -> Result<ContainerStatus, Error> {
        ContainerId::parse(id.as_str())?;
        self.send_json(
            Request::get(id.as_str()).query("fields", "id,status_code,status,video_status"),
        )
        .await
    }

    /// Polls a container until it is `FINISHED` or `PUBLISHED` (both `Ok`), reporting every
    /// poll. `ERROR` is an error explained with the container's `status` (its subcode mapped to
    /// the code and fix, e.g. 2207026: re-encode); `EXPIRED` says to create a new container; a
    /// timeout gives the last status. Pauses follow `policy` on tokio's clock.
    pub async fn wait_ready(
        &self,
        id: &ContainerId,
        policy: &WaitPolicy,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<ContainerStatus, Error> {
        self.wait_inner(id, policy, progress, None).await
    }

    async fn wait_inner(
        &self,
        id: &ContainerId,
        policy: &WaitPolicy,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
        child: Option<(usize, usize)>,
    ) -> Result<ContainerStatus, Error> {
        let start = tokio::time::Instant::now();
        let mut pause = policy.initial.max(Duration::from_millis(1));
        loop {
            let status = self.container_status(id).await?;
            let code = status.code();
            let elapsed = start.elapsed();
            progress(WaitProgress::Polled {
                container: id.clone(),
                status: code.clone(),
                elapsed,
                child,
            });
            match code {
                ContainerStatusCode::Finished | ContainerStatusCode::Published => {
                    return Ok(status);
                }
                ContainerStatusCode::Error => return Err(container_error(&status)),
                ContainerStatusCode::Expired => return Err(expired_error(id)),
                ContainerStatusCode::InProgress | ContainerStatusCode::Other(_) => {}
            }
            if elapsed >= policy.timeout {
                return Err(Error::Publishing {
                    kind: PublishFailure::WaitTimeout,
                    container: Some(id.to_string()),
                    code: None,
                    subcode: None,
                    message: format!(
                        "container {id} is still {code} after {:.1} s (last status: {})",
                        elapsed.as_secs_f64(),
                        status.status.as_deref().unwrap_or("none")
                    ),
                    fix: "Wait longer (a longer WaitPolicy timeout) and publish the same container: it stays valid for 24 hours.".to_owned(),
                    retry_at_ms: None,
                });
            }
            let left = policy.timeout.saturating_sub(elapsed);
            tokio::time::sleep(pause.min(left).max(Duration::from_millis(1))).await;
            pause = policy.next_interval(pause);
        }
    }

    /// Publishes a container (`POST /{ig-user-id}/media_publish`), never blindly retried. The
    /// caption used to recognise the post after an ambiguous failure is the one this client
    /// created the container with; a scheduler that restarted should use
    /// [`Client::publish_container_with_caption`].
    ///
    /// - Already `PUBLISHED`: done; its media is looked up (`recovered: true`).
    /// - `EXPIRED` / `ERROR` (before or from the call): the container's error.
    /// - 9007 / 2207027 (not ready): returned as is (class not-ready): wait and call again.
    /// - 9 / 2207042: a quota error with the numbers and, when computable, the next free slot.
    /// - An ambiguous failure: the container's status decides (see the module docs).
    pub async fn publish_container(&self, id: &ContainerId) -> Result<Published, Error> {
        let caption = self.publishing_local().find(id).and_then(|t| t.caption);
        self.publish_container_with_caption(id, caption.as_deref())
            .await
    }

    /// [`Client::publish_container`] with the caption given (to recognise the post after an
    /// ambiguous failure).
    pub async fn publish_container_with_caption(
        &self,
        id: &ContainerId,
        caption: Option<&str>,
    ) -> Result<Published, Error> {
        ContainerId::parse(id.as_str())?;
        let node = self.account_node()?;
        let created_ms = self.publishing_local().find(id).map(|t| t.created_ms);
        if let Ok(status) = self.container_status(id).await {
            match status.code() {
                ContainerStatusCode::Published => {
                    let since = created_ms.unwrap_or_else(|| self.now_ms() - 86_400_000);
                    return self.recovered(id, caption, since).await;
                }
                ContainerStatusCode::Expired => return Err(expired_error(id)),
                ContainerStatusCode::Error => return Err(container_error(&status)),
                _ => {}
            }
        }
        let started = self.now_ms();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let req =
                Request::post(format!("{node}/media_publish")).form("creation_id", id.as_str());
            let err = match self.send_json::<MediaPublished>(req).await {
                Ok(r) => {
                    return Ok(Published {
                        media_id: r.id,
                        container_id: id.clone(),
                        permalink: None,
                        recovered: false,
                    });
                }
                Err(e) => e,
            };
            if err.class() == ErrorClass::NotReady {
                return Err(err);
            }
            if err.code() == 9 && err.subcode() == Some(2207042) {
                return Err(self.quota_error_after_publish(id).await);
            }
            if err.subcode() == Some(2207020) {
                return Err(expired_error(id));
            }
            let Ok(status) = self.container_status(id).await else {
                return Err(err);
            };
            match status.code() {
                ContainerStatusCode::Published => {
                    tracing::warn!(container = %id, error = %err, "media_publish failed but the container is published: recovering its media");
                    return self.recovered(id, caption, started).await;
                }
                ContainerStatusCode::Finished
                    if is_ambiguous(&err) && !is_restricted(&err) && attempt < 2 =>
                {
                    tracing::warn!(container = %id, error = %err, "media_publish failed and the container is not published: publishing once more");
                }
                _ => return Err(err),
            }
        }
    }

    async fn recovered(
        &self,
        id: &ContainerId,
        caption: Option<&str>,
        since_ms: i64,
    ) -> Result<Published, Error> {
        match self.find_published_media(caption, since_ms).await? {
            Some(media_id) => Ok(Published {
                media_id,
                container_id: id.clone(),
                permalink: None,
                recovered: true,
            }),
            None => Err(Error::Publishing {
                kind: PublishFailure::PublishedMediaNotFound,
                container: Some(id.to_string()),
                code: None,
                subcode: None,
                message: format!(
                    "container {id} is PUBLISHED, but no media with caption {:?} published since {} was found among the account's newest media and stories",
                    caption.unwrap_or(""),
                    format_unix_ms(since_ms - RECOVERY_SKEW_MS)
                ),
                fix: "The post is online: do not publish it again; find it in the account's media to record its id.".to_owned(),
                retry_at_ms: None,
            }),
        }
    }

    /// Looks for a post among the account's newest media (`fields=id,caption,timestamp`), then its
    /// live stories: the newest whose caption equals `caption` (trimmed; `None` matches an empty
    /// caption) and whose timestamp is at most 60 s before `since_ms`.
    pub async fn find_published_media(
        &self,
        caption: Option<&str>,
        since_ms: i64,
    ) -> Result<Option<MediaId>, Error> {
        let node = self.account_node()?;
        let matches = |m: &MediaRow| {
            m.timestamp
                .as_deref()
                .and_then(parse_graph_timestamp)
                .is_some_and(|t| t >= since_ms - RECOVERY_SKEW_MS)
                && same_caption(m.caption.as_deref(), caption)
        };
        let page: Page<MediaRow> = self
            .page(
                Request::get(format!("{node}/media"))
                    .query("fields", "id,caption,timestamp")
                    .query("limit", "25"),
            )
            .await?;
        if let Some(m) = page.data.iter().find(|m| matches(m)) {
            return Ok(Some(m.id.clone()));
        }
        // Stories are not in /media. A failure here only means no story was found.
        let stories: Result<Page<MediaRow>, Error> = self
            .page(Request::get(format!("{node}/stories")).query("fields", "id,caption,timestamp"))
            .await;
        Ok(stories
            .ok()
            .and_then(|p| p.data.into_iter().find(|m| matches(m)))
            .map(|m| m.id))
    }

    /// The permalink of a media (`GET /{media-id}?fields=permalink`).
    pub async fn permalink(&self, id: &MediaId) -> Result<Option<String>, Error> {
        MediaId::parse(id.as_str())?;
        let row: PermalinkRow = self
            .send_json(Request::get(id.as_str()).query("fields", "permalink"))
            .await?;
        Ok(row.permalink)
    }

    /// Everything in one call: quota check (when `opts.check_quota`), container, ready-wait,
    /// publish (waiting again when the platform says "not ready"), permalink; hosted files are
    /// released at the end whatever happened.
    pub async fn publish(
        &self,
        spec: &PostSpec,
        opts: &PublishOptions,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<Published, Error> {
        spec.validate()?;
        if opts.check_quota {
            self.check_quota().await?;
        }
        let container = self.create_container(spec, opts, progress).await?;
        let result = self
            .finish_publish(&container.id, spec.caption(), opts, progress)
            .await;
        self.release_hosted(&container.hosted).await;
        result
    }

    async fn finish_publish(
        &self,
        id: &ContainerId,
        caption: Option<&str>,
        opts: &PublishOptions,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<Published, Error> {
        self.wait_ready(id, &opts.wait, progress).await?;
        let mut tries = 0;
        let mut published = loop {
            match self.publish_container_with_caption(id, caption).await {
                Err(e) if e.class() == ErrorClass::NotReady && tries < MAX_NOT_READY_RETRIES => {
                    tries += 1;
                    tracing::info!(container = %id, "not ready at publish time: waiting again");
                    tokio::time::sleep(opts.wait.initial.max(Duration::from_millis(1))).await;
                    self.wait_ready(id, &opts.wait, progress).await?;
                }
                other => break other?,
            }
        };
        if published.permalink.is_none() {
            published.permalink = self.permalink(&published.media_id).await.unwrap_or(None);
        }
        Ok(published)
    }

    /// `GET /{ig-user-id}/content_publishing_limit?fields=quota_usage,config`: posts used in the
    /// rolling window and the quota as the platform states it (never assumed).
    pub async fn publishing_limit(&self) -> Result<PublishingLimit, Error> {
        let node = self.account_node()?;
        let page: Page<PublishingLimit> = self
            .send_json(
                Request::get(format!("{node}/content_publishing_limit"))
                    .query("fields", "quota_usage,config"),
            )
            .await?;
        page.data.into_iter().next().ok_or_else(|| Error::Decode {
            path: "data".to_owned(),
            message: "content_publishing_limit returned no element".to_owned(),
        })
    }

    /// [`Client::publishing_limit`], failing with a quota error (class rate-limited) when no post
    /// is left: it says used/total and, when computable from the account's media, when the next
    /// slot frees.
    pub async fn check_quota(&self) -> Result<PublishingLimit, Error> {
        let limit = self.publishing_limit().await?;
        if limit.remaining() == Some(0) {
            let reset = self.quota_reset_estimate(&limit).await;
            return Err(self.quota_error(Some(&limit), reset, None));
        }
        Ok(limit)
    }

    /// When the oldest post of the window ages out: read from the timestamps of the account's
    /// newest media (`None` when they do not account for the usage, e.g. stories).
    async fn quota_reset_estimate(&self, limit: &PublishingLimit) -> Option<i64> {
        let duration_ms = i64::try_from(limit.quota_duration_secs?)
            .ok()?
            .checked_mul(1000)?;
        let usage = usize::try_from(limit.quota_usage).ok()?;
        if usage == 0 {
            return None;
        }
        let node = self.account_node().ok()?;
        let page: Page<MediaRow> = self
            .page(
                Request::get(format!("{node}/media"))
                    .query("fields", "id,timestamp")
                    .query("limit", usage.clamp(25, 100).to_string()),
            )
            .await
            .ok()?;
        let from = self.now_ms() - duration_ms;
        let mut times: Vec<i64> = page
            .data
            .iter()
            .filter_map(|m| m.timestamp.as_deref().and_then(parse_graph_timestamp))
            .filter(|t| *t > from)
            .collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        times.get(usage - 1).map(|oldest| oldest + duration_ms)
    }

    fn quota_error(
        &self,
        limit: Option<&PublishingLimit>,
        reset_ms: Option<i64>,
        container: Option<&ContainerId>,
    ) -> Error {
        let numbers = match limit {
            Some(l) => format!(
                "{} of {} posts used in the last {} h",
                l.quota_usage,
                l.quota_total
                    .map_or_else(|| "?".to_owned(), |t| t.to_string()),
                l.quota_duration_secs.map_or(24, |d| d / 3600)
            ),
            None => "the quota of the rolling 24 hours is used".to_owned(),
        };
        let when = match reset_ms {
            Some(t) => {
                let mins = u64::try_from(t - self.now_ms())
                    .unwrap_or(0)
                    .div_ceil(60_000);
                format!(
                    "the next slot frees at {} (in {mins} min)",
                    format_unix_ms(t)
                )
            }
            None => {
                "when the next slot frees is unknown (the oldest post of the window is not visible)"
                    .to_owned()
            }
        };
        Error::Publishing {
            kind: PublishFailure::QuotaExhausted,
            container: container.map(ToString::to_string),
            code: Some(9),
            subcode: Some(2207042),
            message: format!("publishing limit reached: {numbers}; {when}"),
            fix: "Wait for the rolling window to free a slot (content_publishing_limit shows it), then publish; a created container stays valid for 24 hours.".to_owned(),
            retry_at_ms: reset_ms,
        }
    }

    async fn quota_error_after_publish(&self, id: &ContainerId) -> Error {
        let limit = self.publishing_limit().await.ok();
        let reset = match &limit {
            Some(l) => self.quota_reset_estimate(l).await,
            None => None,
        };
        self.quota_error(limit.as_ref(), reset, Some(id))
    }

    /// The containers this client created (newest first, most recent 1000), each with its status
    /// now. The platform has no edge listing containers (the v25 `IGUser` spec has none), so
    /// containers made elsewhere (another process, a restarted scheduler) are not here: keep
    /// their ids and call [`Client::container_status`]. Containers the platform no longer knows
    /// are left out.
    pub async fn containers(&self) -> Result<Vec<ContainerStatus>, Error> {
        let tracked: Vec<Tracked> = self
            .publishing_local()
            .lock()
            .iter()
            .rev()
            .cloned()
            .collect();
        let mut out = Vec::with_capacity(tracked.len());
        for t in tracked {
            match self.container_status(&t.id).await {
                Ok(s) => out.push(s),
                Err(Error::Graph { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Deletes a published media (`DELETE /{media-id}`): offered on Facebook Login only (the v25
    /// `IGMedia` spec has it, `IGMediaForIGOnlyAPI` does not); on Instagram Login the error says
    /// so before anything is sent. A carousel is deleted whole.
    pub async fn delete_media(&self, id: &MediaId) -> Result<(), Error> {
        self.require_family(
            LoginFamily::Facebook,
            "deleting media",
            Some(
                "the Instagram API with Instagram Login offers no delete for media: use Facebook Login, or delete it in the Instagram app",
            ),
        )?;
        MediaId::parse(id.as_str())?;
        let row: SuccessRow = self.send_json(Request::delete(id.as_str())).await?;
        if row.success == Some(false) {
            return Err(Error::Http {
                status: 200,
                snippet: format!("the platform answered success: false for deleting {id}"),
            });
        }
        Ok(())
    }
}

/// Carousels assembled from item containers created one by one (the Graph API's own two steps),
/// for callers that keep item container ids between calls (agents, the Composio-compatible
/// actions). [`Client::create_container`] does both steps for a [`PostSpec::Carousel`].
impl Client {
    /// Creates one carousel item container (`is_carousel_item=true`; videos with
    /// `media_type=VIDEO`) from `item`, checked first ([`CarouselItem::validate`]); local images
    /// go through the media host, local videos through the resumable upload (Facebook Login).
    /// The item is not awaited: [`Client::create_carousel_from_items`] waits for every item
    /// before it creates the carousel. Release `hosted` once the item is `FINISHED`.
    pub async fn create_carousel_item(
        &self,
        item: &CarouselItem,
        opts: &PublishOptions,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<Container, Error> {
        item.validate()?;
        let node = self.account_node()?;
        let mut hosted = Vec::new();
        match self
            .post_item(item, opts, progress, &node, &mut hosted)
            .await
        {
            Ok(id) => Ok(Container {
                id,
                children: Vec::new(),
                hosted,
            }),
            Err(e) => {
                self.release_hosted(&hosted).await;
                Err(e)
            }
        }
    }

    /// Creates a carousel (`media_type=CAROUSEL`) from 2 to 10 item containers, in order. The
    /// caption (2,200 characters, 30 hashtags, 20 @-mentions), location and collaborators (3 at
    /// most) are checked first; then every item is awaited until `FINISHED` with `opts.wait`
    /// (an item in `ERROR` or `EXPIRED` fails naming it: "carousel item 2 (…): …"). The
    /// carousel itself is not awaited: see [`Client::wait_ready`].
    pub async fn create_carousel_from_items(
        &self,
        children: &[ContainerId],
        caption: Option<&str>,
        location_id: Option<&str>,
        collaborators: &[String],
        opts: &PublishOptions,
        progress: &(dyn Fn(WaitProgress) + Send + Sync),
    ) -> Result<Container, Error> {
        let n = children.len();
        if !(spec::MIN_CAROUSEL_ITEMS..=spec::MAX_CAROUSEL_ITEMS).contains(&n) {
            return Err(Error::invalid_input(
                "children",
                format!(
                    "{} to {} carousel items",
                    spec::MIN_CAROUSEL_ITEMS,
                    spec::MAX_CAROUSEL_ITEMS
                ),
                format!("{n} items"),
            ));
        }
        for (i, c) in children.iter().enumerate() {
            ContainerId::parse(c.as_str()).map_err(|e| match e {
                Error::InvalidInput { limit, value, .. } => Error::InvalidInput {
                    field: format!("children[{i}]"),
                    limit,
                    value,
                },
                other => other,
            })?;
        }
        if let Some(c) = caption {
            check_caption(c)?;
        }
        spec::check_location(location_id)?;
        spec::check_collaborators(collaborators)?;
        let node = self.account_node()?;
        for (i, c) in children.iter().enumerate() {
            self.wait_inner(c, &opts.wait, progress, Some((i + 1, n)))
                .await
                .map_err(|e| {
                    let prefix = format!("carousel item {} ({c})", i + 1);
                    match e {
                        Error::Publishing {
                            kind,
                            container,
                            code,
                            subcode,
                            message,
                            fix,
                            retry_at_ms,
                        } => Error::Publishing {
                            kind,
                            container,
                            code,
                            subcode,
                            message: format!("{prefix}: {message}"),
                            fix,
                            retry_at_ms,
                        },
                        other => other,
                    }
                })?;
        }
        let mut form: Vec<(&'static str, String)> = vec![
            ("media_type", "CAROUSEL".to_owned()),
            (
                "children",
                children
                    .iter()
                    .map(ContainerId::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ];
        if let Some(c) = caption.filter(|c| !c.is_empty()) {
            form.push(("caption", c.to_owned()));
        }
        if let Some(l) = location_id {
            form.push(("location_id", l.to_owned()));
        }
        if !collaborators.is_empty() {
            form.push(("collaborators", json_list(collaborators)));
        }
        let id = self.post_container(&node, form).await?.id;
        self.publishing_local().track(Tracked {
            id: id.clone(),
            caption: caption.map(str::to_owned),
            created_ms: self.now_ms(),
        });
        Ok(Container {
            id,
            children: children.to_vec(),
            hosted: Vec::new(),
        })
    }
}

async fn local_size(field: &str, path: &Path) -> Result<u64, Error> {
    match tokio::fs::metadata(path).await {
        Ok(m) if m.is_file() && m.len() > 0 => Ok(m.len()),
        Ok(_) => Err(Error::invalid_input(
            field,
            "a non-empty regular file",
            path.display().to_string(),
        )),
        Err(e) => Err(Error::invalid_input(
            field,
            format!("a readable file ({e})"),
            path.display().to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_in_every_offset_form() {
        assert_eq!(
            parse_graph_timestamp("2026-01-01T00:00:00+0000"),
            Some(1_767_225_600_000)
        );
        assert_eq!(
            parse_graph_timestamp("2021-08-13T08:25:28+0000"),
            Some(1_628_843_128_000)
        );
        assert_eq!(
            parse_graph_timestamp("2021-08-13T10:25:28+02:00"),
            Some(1_628_843_128_000)
        );
        assert_eq!(
            parse_graph_timestamp("2021-08-13T08:25:28Z"),
            Some(1_628_843_128_000)
        );
        assert_eq!(parse_graph_timestamp("yesterday"), None);
        assert_eq!(format_unix_ms(1_767_225_600_000), "2026-01-01T00:00:00Z");
        assert_eq!(format_unix_ms(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn wait_policy_backs_off_to_its_cap() {
        let p = WaitPolicy::for_images();
        let mut d = p.initial;
        for _ in 0..20 {
            d = p.next_interval(d);
        }
        assert_eq!(d, p.max_interval);
        let broken = WaitPolicy {
            factor: f64::NAN,
            ..WaitPolicy::for_video()
        };
        assert_eq!(broken.next_interval(broken.initial), broken.initial);
    }

    #[test]
    fn ambiguity_covers_transient_and_server_errors_only() {
        let g = |status: u16, code: i64, sub: Option<i64>, tr: Option<bool>| Error::Graph {
            status,
            error: Box::new(crate::GraphError {
                code,
                error_subcode: sub,
                is_transient: tr,
                ..Default::default()
            }),
            class: crate::error::classify(code, sub, tr),
            retry_after: None,
        };
        assert!(is_ambiguous(&g(500, 100, None, None)));
        assert!(is_ambiguous(&g(400, -1, Some(2207001), None)));
        assert!(is_ambiguous(&g(400, 4, Some(2207051), None)));
        assert!(is_ambiguous(&g(400, 12, None, Some(true))));
        assert!(!is_ambiguous(&g(400, 100, None, None)));
        assert!(!is_ambiguous(&g(400, 9, Some(2207042), None)));
    }
}
