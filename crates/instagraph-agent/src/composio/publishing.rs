//! Content publishing in Graph's two steps: create a container (photo, reel, story, carousel
//! item, carousel), then publish it once it is `FINISHED`. Captions (2,200 characters, 30
//! hashtags, 20 @-mentions), URLs (https, no query string), JPEG-only images, user tags, 3
//! collaborators and 2–10 carousel items are checked by the client before anything is sent;
//! publishing is never blindly retried (the client resolves ambiguous failures through the
//! container's status).

use std::time::Duration;

use instagraph::ids::ContainerId;
use instagraph::ops::publishing::check_caption;
use instagraph::{
    CarouselItem, Client, Container, ErrorClass, ItemKind, MediaSource, PhotoPost, PostSpec,
    PublishFailure, PublishOptions, ReelPost, Request, StoryKind, StoryPost, UserTag, WaitPolicy,
    WaitProgress,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::params::{LocalFile, StringList, files, opt_bool, opt_f64, opt_id, opt_text, opt_u64};
use super::{as_param, data, fields_param, invalid};
use crate::action::{Action, ActionContext, ActionError, Effect};

pub(super) fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            Effect::Prepare,
            "Create a media container, the first of Instagram's two publishing steps: a photo \
             (image_url or image_file), a reel (video_url or video_file; media_type REELS is \
             implied), a story (media_type STORIES), a carousel item (is_carousel_item) or a \
             carousel (media_type CAROUSEL with 2-10 children container ids). Nothing is \
             visible until INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH. Returns the container id; \
             containers expire after 24 hours. Captions: 2,200 characters, 30 hashtags, 20 \
             @-mentions; media URLs: public https without a query string; images JPEG.",
            post_ig_user_media,
        )
        .native("instagraph publish {photo,reel,story,carousel} MEDIA --container-only"),
        Action::new(
            "INSTAGRAM_CREATE_MEDIA_CONTAINER",
            Effect::Prepare,
            "DEPRECATED: Use INSTAGRAM_POST_IG_USER_MEDIA instead. Create a draft media \
             container for a photo, video or reel (or a carousel item) before publishing. \
             Returns the container id (data.id, also data.creation_id). Containers expire in \
             about 24 hours; each creation_id is used once. Wait for FINISHED \
             (INSTAGRAM_GET_POST_STATUS) before publishing, or let \
             INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH wait. Feed videos are published as reels \
             (media_type VIDEO is converted to REELS).",
            create_media_container,
        )
        .deprecated_for("INSTAGRAM_POST_IG_USER_MEDIA")
        .native("instagraph publish {photo,reel} URL --container-only"),
        Action::new(
            "INSTAGRAM_CREATE_CAROUSEL_CONTAINER",
            Effect::Prepare,
            "Create a draft carousel (2 to 10 images and videos in all) from existing child \
             container ids and/or image and video URLs or local files: new children are created \
             first, every child must reach FINISHED (waited for; a failed child is named), then \
             the carousel container is created. Publish it promptly with \
             INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH: containers expire in under 24 hours. A \
             carousel counts once against the publishing quota.",
            create_carousel_container,
        )
        .native("instagraph publish carousel ITEM... --container-only"),
        Action::new(
            "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
            Effect::Publish,
            "Publish a media container: waits until it is FINISHED (polling every \
             poll_interval_seconds for at most max_wait_seconds), then publishes it and returns \
             the new media id. Posts are public at once: confirm intent first. Limited to the \
             account's publishing quota per rolling 24 hours (INSTAGRAM_GET_IG_USER_CONTENT_\
             PUBLISHING_LIMIT). Never retried blindly: after an ambiguous failure the \
             container's status decides, so a post is never published twice.",
            post_ig_user_media_publish,
        )
        .native("instagraph containers publish CONTAINER_ID"),
        Action::new(
            "INSTAGRAM_CREATE_POST",
            Effect::Publish,
            "DEPRECATED: Use INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH instead. Publish a draft media \
             container (the final publishing step); the post is public at once: confirm intent \
             first. Waits for the container to be FINISHED (up to about a minute) and never \
             publishes twice. Error 9007 means the media is not ready; 10 means missing publish \
             permission.",
            create_post,
        )
        .deprecated_for("INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH")
        .native("instagraph containers publish CONTAINER_ID"),
        Action::new(
            "INSTAGRAM_GET_POST_STATUS",
            Effect::Read,
            "DEPRECATED: Use GetIgMedia instead. Check the processing status of a draft \
             container: status_code IN_PROGRESS, FINISHED (ready to publish), PUBLISHED, ERROR \
             (recreate the container; status carries the error) or EXPIRED (after 24 hours). \
             Poll every few seconds at most; for carousels every child must be FINISHED.",
            get_post_status,
        )
        .deprecated_for("INSTAGRAM_GET_IG_MEDIA")
        .native("instagraph containers status CONTAINER_ID"),
        Action::new(
            "INSTAGRAM_GET_IG_USER_CONTENT_PUBLISHING_LIMIT",
            Effect::Read,
            "Get the account's publishing usage in the rolling 24-hour window: quota_usage and \
             config (quota_total, quota_duration). Read quota_total rather than assuming it \
             (25, 50 and 100 have all been reported). Needs the IG user id, not an IGSID; do \
             not poll it in a tight loop (error 613).",
            get_content_publishing_limit,
        )
        .native("instagraph quota"),
    ]
}

/// A user tagged in a media.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct UserTagParam {
    /// The public username (a leading '@' is removed).
    pub username: String,
    /// Horizontal position 0.0 (left) to 1.0 (right): required on images, not allowed on
    /// reels.
    #[serde(default, deserialize_with = "opt_f64")]
    pub x: Option<f64>,
    /// Vertical position 0.0 (top) to 1.0 (bottom): required on images, not allowed on reels.
    #[serde(default, deserialize_with = "opt_f64")]
    pub y: Option<f64>,
}

impl UserTagParam {
    fn to_tag(&self) -> UserTag {
        UserTag {
            username: self.username.trim().trim_start_matches('@').to_owned(),
            x: self.x,
            y: self.y,
        }
    }
}

/// Parameters of INSTAGRAM_POST_IG_USER_MEDIA.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PostIgUserMedia {
    /// The Instagram Business or Creator account (IG user id) to create the media for, or
    /// "me".
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// Public URL of a JPEG image: http(s), direct (no redirect, no HTML page), without a
    /// query string (signed URLs are refused). At least one of image_url, image_file,
    /// video_url, video_file or children is required.
    #[serde(default, deserialize_with = "opt_text")]
    pub image_url: Option<String>,
    /// A local JPEG image instead of image_url: a path or {"name": path}. It is served to
    /// Meta's fetcher by the media host (`instagraph serve` provides one).
    #[serde(default)]
    pub image_file: Option<LocalFile>,
    /// Public URL of an MP4/MOV video or reel (direct, without a query string). Alone, it
    /// makes a reel (media_type REELS).
    #[serde(default, deserialize_with = "opt_text")]
    pub video_url: Option<String>,
    /// A local MP4/MOV video instead of video_url: a path or {"name": path} (uploaded with the
    /// resumable upload on Facebook Login; served by the media host on Instagram Login).
    #[serde(default)]
    pub video_file: Option<LocalFile>,
    /// REELS (video), CAROUSEL (with children) or STORIES. VIDEO is retired for feed posts and
    /// is read as REELS (as VIDEO for a carousel item). Default: IMAGE for an image, REELS for
    /// a video.
    #[serde(default, deserialize_with = "opt_text")]
    pub media_type: Option<String>,
    /// Caption: at most 2,200 characters, 30 hashtags and 20 @-mentions. Not allowed on
    /// stories and carousel items. '%23' and '%40' are read as '#' and '@'.
    #[serde(default, deserialize_with = "opt_text")]
    pub caption: Option<String>,
    /// For a carousel: 2 to 10 item container ids (created with is_carousel_item), in slide
    /// order; each must be FINISHED (waited for).
    #[serde(default)]
    pub children: StringList,
    /// This container is a carousel item (no caption, location or collaborators: those go on
    /// the carousel).
    #[serde(default, deserialize_with = "opt_bool")]
    pub is_carousel_item: Option<bool>,
    /// Tagged users (20 at most): [{"username": "x", "x": 0.5, "y": 0.8}]. Images need x and y
    /// (0.0-1.0 from the top-left); reels take the username only.
    #[serde(default)]
    pub user_tags: Option<Vec<UserTagParam>>,
    /// Up to 3 public usernames invited as collaborators (images, reels and carousels; not
    /// stories or carousel items).
    #[serde(default)]
    pub collaborators: StringList,
    /// A Facebook Page id with a location (latitude/longitude) to tag.
    #[serde(default, deserialize_with = "opt_id")]
    pub location_id: Option<String>,
    /// Reels: a JPEG cover image URL (no query string); wins over thumb_offset.
    #[serde(default, deserialize_with = "opt_text")]
    pub cover_url: Option<String>,
    /// Reels: the frame used as cover, in milliseconds from the start (within the video).
    #[serde(default, deserialize_with = "opt_u64")]
    pub thumb_offset: Option<u64>,
    /// Reels: whether the reel also appears in the profile grid (Feed).
    #[serde(default, deserialize_with = "opt_bool")]
    pub share_to_feed: Option<bool>,
    /// Reels: a name for the original audio (default "Original Audio"; can be set once).
    #[serde(default, deserialize_with = "opt_text")]
    pub audio_name: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

/// A container request, normalised from either action's parameters.
#[derive(Debug, Default)]
struct MediaRequest {
    caption: Option<String>,
    image: Option<MediaSource>,
    video: Option<MediaSource>,
    media_type: Option<String>,
    children: Vec<String>,
    is_carousel_item: bool,
    user_tags: Vec<UserTag>,
    collaborators: Vec<String>,
    location_id: Option<String>,
    cover_url: Option<String>,
    thumb_offset: Option<u64>,
    share_to_feed: Option<bool>,
    audio_name: Option<String>,
}

/// Composio tells callers to URL-encode hashtags (`%23`); the client encodes the form itself,
/// so the encoded forms are read back as `#` and `@` (and then counted against the limits).
fn decode_caption(c: Option<String>) -> Option<String> {
    c.map(|c| c.replace("%23", "#").replace("%40", "@"))
}

fn one_source(
    url: Option<String>,
    file: Option<LocalFile>,
    url_param: &str,
    file_param: &str,
) -> Result<Option<MediaSource>, ActionError> {
    match (url, file) {
        (Some(_), Some(_)) => Err(invalid(format!(
            "{url_param} and {file_param}: give one of them, not both"
        ))),
        (Some(u), None) => Ok(Some(MediaSource::Url(u.trim().to_owned()))),
        (None, Some(f)) => Ok(Some(MediaSource::File(f.0))),
        (None, None) => Ok(None),
    }
}

fn collaborators(list: &StringList) -> Vec<String> {
    list.items()
        .iter()
        .map(|c| c.trim_start_matches('@').to_owned())
        .collect()
}

impl MediaRequest {
    /// Refuses the parameters that do not apply to `what`.
    fn refuse(&self, what: &str, params: &[&str]) -> Result<(), ActionError> {
        for p in params {
            let set = match *p {
                "caption" => self.caption.is_some(),
                "collaborators" => !self.collaborators.is_empty(),
                "location_id" => self.location_id.is_some(),
                "user_tags" => !self.user_tags.is_empty(),
                "cover_url" => self.cover_url.is_some(),
                "thumb_offset" => self.thumb_offset.is_some(),
                "share_to_feed" => self.share_to_feed.is_some(),
                "audio_name" => self.audio_name.is_some(),
                "children" => !self.children.is_empty(),
                "image_url/image_file" => self.image.is_some(),
                "video_url/video_file" => self.video.is_some(),
                _ => false,
            };
            if set {
                return Err(invalid(format!("{p}: not allowed on {what}")));
            }
        }
        Ok(())
    }
}

const REEL_ONLY: [&str; 4] = ["cover_url", "thumb_offset", "share_to_feed", "audio_name"];

fn quiet(_: WaitProgress) {}

/// How long a container is waited for within one action.
fn wait_policy(video: bool) -> WaitPolicy {
    if video {
        WaitPolicy {
            timeout: Duration::from_secs(300),
            ..WaitPolicy::for_video()
        }
    } else {
        WaitPolicy::for_images()
    }
}

fn options(video: bool) -> PublishOptions {
    PublishOptions {
        preflight: true,
        wait: wait_policy(video),
        check_quota: false,
    }
}

/// Waits for a container whose media a media host serves, then stops serving it (Meta's
/// fetcher has it once the container is FINISHED). A container still processing after the
/// wait (a long video) keeps its file served: the media host's time-to-live ends it.
async fn settle_hosted(
    client: &Client,
    c: &Container,
    video: bool,
) -> Result<Option<String>, ActionError> {
    if c.hosted.is_empty() {
        return Ok(None);
    }
    let policy = if video {
        WaitPolicy {
            timeout: Duration::from_secs(60),
            ..WaitPolicy::for_video()
        }
    } else {
        WaitPolicy::for_images()
    };
    match client.wait_ready(&c.id, &policy, &quiet).await {
        Ok(status) => {
            client.release_hosted(&c.hosted).await;
            Ok(Some(status.code().as_str().to_owned()))
        }
        Err(instagraph::Error::Publishing {
            kind: PublishFailure::WaitTimeout,
            ..
        }) => Ok(Some("IN_PROGRESS".to_owned())),
        Err(e) => {
            client.release_hosted(&c.hosted).await;
            Err(e.into())
        }
    }
}

async fn create_media(client: &Client, r: MediaRequest) -> Result<Value, ActionError> {
    let media_type = r.media_type.as_deref().map(str::to_ascii_uppercase);
    let media_type = match media_type.as_deref() {
        None | Some("") => None,
        Some(t @ ("IMAGE" | "REELS" | "CAROUSEL" | "STORIES" | "VIDEO")) => Some(t.to_owned()),
        Some(other) => {
            return Err(invalid(format!(
                "media_type: expected REELS, CAROUSEL or STORIES (IMAGE is implied by an image; VIDEO is read as REELS), got {other:?}"
            )));
        }
    };
    let caption = r.caption.clone();
    if let Some(c) = &caption {
        check_caption(c)?;
    }
    let carousel = media_type.as_deref() == Some("CAROUSEL")
        || (!r.children.is_empty() && !r.is_carousel_item);
    if carousel {
        r.refuse(
            "a carousel (its items are created with is_carousel_item and listed in children)",
            &[
                "image_url/image_file",
                "video_url/video_file",
                "user_tags",
                "cover_url",
                "thumb_offset",
                "share_to_feed",
                "audio_name",
            ],
        )?;
        let children = parse_children(&r.children)?;
        let c = client
            .create_carousel_from_items(
                &children,
                caption.as_deref(),
                r.location_id.as_deref(),
                &r.collaborators,
                &options(true),
                &quiet,
            )
            .await?;
        return Ok(json!({ "id": c.id, "children": c.children }));
    }
    if r.is_carousel_item {
        let what = "a carousel item (caption, location and collaborators go on the carousel)";
        r.refuse(
            what,
            &["caption", "collaborators", "location_id", "children"],
        )?;
        r.refuse(what, &REEL_ONLY)?;
        let (kind, media) = match (r.image.clone(), r.video.clone()) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "image_url/image_file and video_url/video_file: a carousel item is one image or one video",
                ));
            }
            (Some(_), None) if matches!(media_type.as_deref(), Some("REELS" | "VIDEO")) => {
                return Err(invalid(
                    "media_type: a video carousel item needs video_url or video_file",
                ));
            }
            (Some(i), None) => (ItemKind::Image, i),
            (None, Some(v)) => (ItemKind::Video, v),
            (None, None) => {
                return Err(invalid(
                    "image_url, image_file, video_url or video_file: a carousel item needs its media",
                ));
            }
        };
        let item = CarouselItem {
            kind,
            media,
            user_tags: r.user_tags.clone(),
            alt_text: None,
        };
        let video = kind == ItemKind::Video;
        let c = client
            .create_carousel_item(&item, &options(video), &quiet)
            .await?;
        let status = settle_hosted(client, &c, video).await?;
        return Ok(created(&c, status));
    }
    let spec = if media_type.as_deref() == Some("STORIES") {
        let what = "a story (stories take no caption, location or collaborators)";
        r.refuse(what, &["caption", "collaborators", "location_id"])?;
        r.refuse(what, &REEL_ONLY)?;
        let (kind, media) = match (r.image.clone(), r.video.clone()) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "image_url/image_file and video_url/video_file: a story is one image or one video",
                ));
            }
            (Some(i), None) => (StoryKind::Image, i),
            (None, Some(v)) => (StoryKind::Video, v),
            (None, None) => {
                return Err(invalid(
                    "image_url, image_file, video_url or video_file: a story needs its media",
                ));
            }
        };
        PostSpec::Story(StoryPost {
            media,
            kind,
            user_tags: r.user_tags.clone(),
        })
    } else if let Some(video) = r.video.clone() {
        if media_type.as_deref() == Some("IMAGE") {
            return Err(invalid(
                "media_type: IMAGE needs image_url or image_file, not a video",
            ));
        }
        r.refuse(
            "a reel (give the cover image as cover_url)",
            &["image_url/image_file"],
        )?;
        PostSpec::Reel(ReelPost {
            video,
            caption,
            cover_url: r.cover_url.clone(),
            thumb_offset_ms: r.thumb_offset,
            share_to_feed: r.share_to_feed,
            audio_name: r.audio_name.clone(),
            location_id: r.location_id.clone(),
            user_tags: r.user_tags.clone(),
            collaborators: r.collaborators.clone(),
            trial_params: None,
        })
    } else if let Some(image) = r.image.clone() {
        if matches!(media_type.as_deref(), Some("REELS" | "VIDEO")) {
            return Err(invalid(
                "media_type: REELS needs video_url or video_file (an image is posted as IMAGE)",
            ));
        }
        r.refuse("an image (those parameters are for reels)", &REEL_ONLY)?;
        PostSpec::Photo(PhotoPost {
            image,
            caption,
            alt_text: None,
            location_id: r.location_id.clone(),
            user_tags: r.user_tags.clone(),
            collaborators: r.collaborators.clone(),
            product_tags: Vec::new(),
        })
    } else {
        return Err(invalid(
            "image_url, image_file, video_url, video_file or children: at least one is required",
        ));
    };
    let video = spec.has_video();
    let c = client
        .create_container(&spec, &options(video), &quiet)
        .await?;
    let status = settle_hosted(client, &c, video).await?;
    Ok(created(&c, status))
}

fn created(c: &Container, status: Option<String>) -> Value {
    let mut v = json!({ "id": c.id });
    if let Some(s) = status {
        v["status_code"] = json!(s);
    }
    v
}

fn parse_children(list: &[String]) -> Result<Vec<ContainerId>, ActionError> {
    list.iter()
        .enumerate()
        .map(|(i, c)| ContainerId::parse(c).map_err(|e| as_param(e, &format!("children[{i}]"))))
        .collect()
}

async fn post_ig_user_media(ctx: ActionContext, p: PostIgUserMedia) -> Result<Value, ActionError> {
    let r = MediaRequest {
        caption: decode_caption(p.caption),
        image: one_source(p.image_url, p.image_file, "image_url", "image_file")?,
        video: one_source(p.video_url, p.video_file, "video_url", "video_file")?,
        media_type: p.media_type,
        children: p.children.0,
        is_carousel_item: p.is_carousel_item.unwrap_or(false),
        user_tags: p
            .user_tags
            .unwrap_or_default()
            .iter()
            .map(UserTagParam::to_tag)
            .collect(),
        collaborators: collaborators(&p.collaborators),
        location_id: p.location_id,
        cover_url: p.cover_url,
        thumb_offset: p.thumb_offset,
        share_to_feed: p.share_to_feed,
        audio_name: p.audio_name,
    };
    let client = ctx
        .client(Some(&p.ig_user_id), p.graph_api_version.as_deref())
        .await?;
    create_media(&client, r).await
}

/// What to post, in CREATE_MEDIA_CONTAINER's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContentType {
    /// A feed photo (image_url).
    Photo,
    /// A feed video: published as a reel shared to the feed (image_url becomes its cover).
    Video,
    /// A reel (video_url; cover_url optional).
    Reel,
    /// A carousel item (image_url or video_url).
    CarouselItem,
}

/// Parameters of INSTAGRAM_CREATE_MEDIA_CONTAINER (deprecated).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateMediaContainer {
    /// Instagram Business Account ID (numeric, e.g. "17841400008460056"); defaults to the
    /// authenticated account. Not a Composio connection id (ca_...).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// Public URL of the image: a direct link to a JPEG (no redirect, no authentication, no
    /// query string), at most 8 MB, 320-1440 px wide, aspect ratio 4:5 to 1.91:1. For a video
    /// it is used as the cover when cover_url is absent.
    #[serde(default, deserialize_with = "opt_text")]
    pub image_url: Option<String>,
    /// Public URL of the video: a direct link to an MP4 or MOV file (no redirect, no query
    /// string), at least 3 seconds.
    #[serde(default, deserialize_with = "opt_text")]
    pub video_url: Option<String>,
    /// Cover image URL (JPEG) of a video or reel.
    #[serde(default, deserialize_with = "opt_text")]
    pub cover_url: Option<String>,
    /// Caption: at most 2,200 characters, 30 hashtags and 20 @-mentions.
    #[serde(default, deserialize_with = "opt_text")]
    pub caption: Option<String>,
    /// IMAGE, REELS or CAROUSEL (default: IMAGE for image_url, REELS for video_url). VIDEO was
    /// retired on 2023-11-09 and is converted to REELS. CAROUSEL needs children: use
    /// INSTAGRAM_CREATE_CAROUSEL_CONTAINER.
    #[serde(default, deserialize_with = "opt_text")]
    pub media_type: Option<String>,
    /// What to post: photo, video, reel or carousel_item.
    #[serde(default)]
    pub content_type: Option<ContentType>,
    /// Legacy: mark the container as a carousel item (prefer content_type=carousel_item).
    /// Carousels have at most 10 items.
    #[serde(default, deserialize_with = "opt_bool")]
    pub is_carousel_item: Option<bool>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn create_media_container(
    ctx: ActionContext,
    p: CreateMediaContainer,
) -> Result<Value, ActionError> {
    let mut media_type = p.media_type.map(|t| t.to_ascii_uppercase());
    let mut share_to_feed = None;
    let mut is_carousel_item = p.is_carousel_item.unwrap_or(false);
    match p.content_type {
        Some(ContentType::Photo) if p.video_url.is_some() => {
            return Err(invalid(
                "video_url: content_type photo takes image_url (use content_type reel for a video)",
            ));
        }
        Some(ContentType::Video) => {
            media_type = Some("REELS".to_owned());
            share_to_feed = Some(true);
        }
        Some(ContentType::Reel) => media_type = Some("REELS".to_owned()),
        Some(ContentType::CarouselItem) => is_carousel_item = true,
        Some(ContentType::Photo) | None => {}
    }
    let (mut image_url, mut cover_url) = (p.image_url, p.cover_url);
    if p.video_url.is_some() && image_url.is_some() && !is_carousel_item {
        // For a video, the image is its cover (Composio's thumbnail for feed videos).
        cover_url = cover_url.or(image_url.take());
    }
    if is_carousel_item && media_type.as_deref() == Some("REELS") {
        media_type = None;
    }
    let r = MediaRequest {
        caption: decode_caption(p.caption),
        image: image_url.map(|u| MediaSource::Url(u.trim().to_owned())),
        video: p.video_url.map(|u| MediaSource::Url(u.trim().to_owned())),
        media_type,
        is_carousel_item,
        cover_url,
        share_to_feed,
        ..MediaRequest::default()
    };
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let mut v = create_media(&client, r).await?;
    v["creation_id"] = v["id"].clone();
    Ok(v)
}

/// Parameters of INSTAGRAM_CREATE_CAROUSEL_CONTAINER.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateCarouselContainer {
    /// Instagram Business or Creator Account ID (personal accounts are refused by the
    /// platform), or "me".
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// Caption of the carousel: at most 2,200 characters and 30 hashtags (20 @-mentions).
    #[serde(default, deserialize_with = "opt_text")]
    pub caption: Option<String>,
    /// Existing child container ids (created as carousel items), first in slide order; each
    /// must reach FINISHED (pending ones are waited for, failed ones are named).
    #[serde(default)]
    pub children: StringList,
    /// Image URLs to add as children: direct https links to JPEGs (no redirect, no query
    /// string), 8 MB, 320-1440 px wide, aspect ratio 4:5 to 1.91:1.
    #[serde(default)]
    pub child_image_urls: StringList,
    /// Video URLs to add as children: direct links to MP4/MOV files, 3-60 seconds.
    #[serde(default)]
    pub child_video_urls: StringList,
    /// Local JPEG images to add as children (paths or {"name": path}); served by the media
    /// host (`instagraph serve`).
    #[serde(default, deserialize_with = "files")]
    pub child_image_files: Vec<LocalFile>,
    /// Local MP4/MOV videos to add as children (paths or {"name": path}).
    #[serde(default, deserialize_with = "files")]
    pub child_video_files: Vec<LocalFile>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn create_carousel_container(
    ctx: ActionContext,
    p: CreateCarouselContainer,
) -> Result<Value, ActionError> {
    let existing = parse_children(p.children.items())?;
    let item = |kind, media| CarouselItem {
        kind,
        media,
        user_tags: Vec::new(),
        alt_text: None,
    };
    let mut items: Vec<(&str, usize, CarouselItem)> = Vec::new();
    for (i, u) in p.child_image_urls.items().iter().enumerate() {
        items.push((
            "child_image_urls",
            i,
            item(ItemKind::Image, MediaSource::Url(u.clone())),
        ));
    }
    for (i, u) in p.child_video_urls.items().iter().enumerate() {
        items.push((
            "child_video_urls",
            i,
            item(ItemKind::Video, MediaSource::Url(u.clone())),
        ));
    }
    for (i, f) in p.child_image_files.iter().enumerate() {
        items.push((
            "child_image_files",
            i,
            item(ItemKind::Image, MediaSource::File(f.0.clone())),
        ));
    }
    for (i, f) in p.child_video_files.iter().enumerate() {
        items.push((
            "child_video_files",
            i,
            item(ItemKind::Video, MediaSource::File(f.0.clone())),
        ));
    }
    let total = existing.len() + items.len();
    if !(2..=10).contains(&total) {
        return Err(invalid(format!(
            "children, child_image_urls, child_video_urls, child_image_files, child_video_files: a carousel has 2 to 10 items in all, got {total}"
        )));
    }
    let caption = decode_caption(p.caption);
    if let Some(c) = &caption {
        check_caption(c)?;
    }
    // Everything is checked before the first container is created.
    for (param, i, it) in &items {
        it.validate()
            .map_err(|e| as_param(e, &format!("{param}[{i}]")))?;
    }
    let client = ctx
        .client(Some(&p.ig_user_id), p.graph_api_version.as_deref())
        .await?;
    let video = !p.child_video_urls.is_empty() || !p.child_video_files.is_empty();
    let opts = options(video);
    let mut children = existing;
    let mut hosted = Vec::new();
    let mut result = Ok(());
    for (param, i, it) in &items {
        match client.create_carousel_item(it, &opts, &quiet).await {
            Ok(c) => {
                children.push(c.id);
                hosted.extend(c.hosted);
            }
            Err(e) if e.is_before_network() => {
                // Refused before its creation (a local file, the preflight of a URL): name it.
                let made: Vec<&str> = children.iter().map(ContainerId::as_str).collect();
                result = Err(invalid(format!(
                    "{param}[{i}]: {e} (containers created so far, unused, expire in 24 hours: [{}])",
                    made.join(", ")
                )));
                break;
            }
            Err(e) => {
                result = Err(ActionError::from(e));
                break;
            }
        }
    }
    let parent = match result {
        Ok(()) => client
            .create_carousel_from_items(&children, caption.as_deref(), None, &[], &opts, &quiet)
            .await
            .map_err(ActionError::from),
        Err(e) => Err(e),
    };
    client.release_hosted(&hosted).await;
    let c = parent?;
    Ok(json!({ "id": c.id, "children": c.children }))
}

/// Parameters of INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PostIgUserMediaPublish {
    /// Instagram Business Account ID (numeric), or "me" for the authenticated account.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// The container id from INSTAGRAM_POST_IG_USER_MEDIA / INSTAGRAM_CREATE_MEDIA_CONTAINER /
    /// INSTAGRAM_CREATE_CAROUSEL_CONTAINER (numeric; not the ig_user_id).
    #[serde(deserialize_with = "super::params::id")]
    pub creation_id: String,
    /// Longest wait for FINISHED before publishing, in seconds (default 60, at most 900).
    /// Images are ready at once; videos and reels commonly take 30-120 s. 0 skips the status
    /// checks and publishes at once (error 9007 if the container is still processing).
    #[serde(default, deserialize_with = "opt_u64")]
    pub max_wait_seconds: Option<u64>,
    /// Seconds between status checks while waiting (default 3; more than 0, at most 60).
    #[serde(default, deserialize_with = "opt_f64")]
    pub poll_interval_seconds: Option<f64>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

/// The longest `max_wait_seconds`.
const MAX_WAIT_SECS: u64 = 900;
/// How many times a "not ready" (9007) answer at publish time is waited out again.
const NOT_READY_RETRIES: u32 = 3;

async fn publish(
    ctx: &ActionContext,
    account: &str,
    creation_id: &str,
    max_wait: u64,
    poll: f64,
    version: Option<&str>,
) -> Result<Value, ActionError> {
    let id = ContainerId::parse(creation_id).map_err(|e| as_param(e, "creation_id"))?;
    if max_wait > MAX_WAIT_SECS {
        return Err(invalid(format!(
            "max_wait_seconds: expected 0 to {MAX_WAIT_SECS}, got {max_wait}"
        )));
    }
    if !(poll.is_finite() && poll > 0.0 && poll <= 60.0) {
        return Err(invalid(format!(
            "poll_interval_seconds: expected more than 0 and at most 60, got {poll}"
        )));
    }
    let client = ctx.client(Some(account), version).await?;
    let interval = Duration::from_secs_f64(poll);
    let start = tokio::time::Instant::now();
    let policy = |left: Duration| WaitPolicy {
        initial: interval,
        max_interval: interval,
        timeout: left,
        factor: 1.0,
    };
    let budget = Duration::from_secs(max_wait);
    if max_wait > 0 {
        client.wait_ready(&id, &policy(budget), &quiet).await?;
    }
    let mut tries = 0;
    let published = loop {
        match client.publish_container(&id).await {
            Err(e)
                if e.class() == ErrorClass::NotReady
                    && max_wait > 0
                    && tries < NOT_READY_RETRIES =>
            {
                // Not published (the platform said so): wait again within the same budget.
                let left = budget.saturating_sub(start.elapsed());
                if left.is_zero() {
                    return Err(e.into());
                }
                tries += 1;
                tokio::time::sleep(interval.min(left)).await;
                client.wait_ready(&id, &policy(left), &quiet).await?;
            }
            other => break other?,
        }
    };
    let permalink = match &published.permalink {
        Some(p) => Some(p.clone()),
        None => client.permalink(&published.media_id).await.ok().flatten(),
    };
    let mut v = json!({
        "id": published.media_id,
        "creation_id": published.container_id,
    });
    if let Some(p) = permalink {
        v["permalink"] = json!(p);
    }
    if published.recovered {
        v["recovered"] = json!(true);
        v["note"] = json!(
            "the publish answer was lost; the container is PUBLISHED and the post was found on the account (it was not published twice)"
        );
    }
    Ok(v)
}

async fn post_ig_user_media_publish(
    ctx: ActionContext,
    p: PostIgUserMediaPublish,
) -> Result<Value, ActionError> {
    publish(
        &ctx,
        &p.ig_user_id,
        &p.creation_id,
        p.max_wait_seconds.unwrap_or(60),
        p.poll_interval_seconds.unwrap_or(3.0),
        p.graph_api_version.as_deref(),
    )
    .await
}

/// Parameters of INSTAGRAM_CREATE_POST (deprecated).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreatePost {
    /// Instagram Business Account ID (numeric, e.g. "25162441193410545").
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// The container id from the 'id' of INSTAGRAM_CREATE_MEDIA_CONTAINER or
    /// INSTAGRAM_CREATE_CAROUSEL_CONTAINER (a long number, not a date). Containers expire
    /// after about 24 hours.
    #[serde(deserialize_with = "super::params::id")]
    pub creation_id: String,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn create_post(ctx: ActionContext, p: CreatePost) -> Result<Value, ActionError> {
    publish(
        &ctx,
        &p.ig_user_id,
        &p.creation_id,
        60,
        3.0,
        p.graph_api_version.as_deref(),
    )
    .await
}

/// Parameters of INSTAGRAM_GET_POST_STATUS (deprecated).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetPostStatus {
    /// The container id (data.id of the container creation, e.g. "17843131380645284").
    /// Containers expire after about 24 hours.
    #[serde(deserialize_with = "super::params::id")]
    pub creation_id: String,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_post_status(ctx: ActionContext, p: GetPostStatus) -> Result<Value, ActionError> {
    let id = ContainerId::parse(&p.creation_id).map_err(|e| as_param(e, "creation_id"))?;
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    data(&client.container_status(&id).await?)
}

/// Parameters of INSTAGRAM_GET_IG_USER_CONTENT_PUBLISHING_LIMIT.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetContentPublishingLimit {
    /// The IG user id (not an IGSID), or "me" (the default).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// Comma-separated: quota_usage, config (default both).
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_content_publishing_limit(
    ctx: ActionContext,
    p: GetContentPublishingLimit,
) -> Result<Value, ActionError> {
    let fields =
        fields_param(p.fields.as_deref()).unwrap_or_else(|| "quota_usage,config".to_owned());
    if let Some(bad) = fields
        .split(',')
        .find(|f| !matches!(*f, "quota_usage" | "config"))
    {
        return Err(invalid(format!(
            "fields: expected quota_usage and/or config, got {bad:?}"
        )));
    }
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let node = client.account_node()?;
    let v: Value = client
        .send_json(
            Request::get(format!("{node}/content_publishing_limit"))
                .query("fields", fields)
                .retry_safe(),
        )
        .await?;
    Ok(v)
}
