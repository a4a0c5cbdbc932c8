//! Content publishing: media containers (`POST /{ig-user-id}/media`, `GET /{container-id}`), `media_publish`, `content_publishing_limit` and the resumable upload host.
//!
//! Also the published media's node operations that belong to publishing: `GET /{ig-user-id}/stories`
//! (stories published here), `GET /{media-id}/children` (carousels published here),
//! `POST /{media-id}?comment_enabled=` and `DELETE /{media-id}` (Facebook Login only, as in the v25
//! spec: `IGMediaForIGOnlyAPI` has no delete).
//!
//! Codes and subcodes follow the fact sheet's publishing table (§9.3). Where the platform's answer
//! is not documented, the choice is written down here:
//! - publishing a container that is already `PUBLISHED` answers code 100 (no subcode) "The media
//!   container … has already been published";
//! - `upload_type=resumable` with an Instagram-Login token answers code 100 (Meta documents
//!   resumable uploads for Facebook Login only);
//! - a carousel whose children are not all `FINISHED` answers 9007 / 2207027 naming the child.

use serde_json::{Value, json};

use super::media::{known_fields, render_media};
use super::{Ctx, Node, split_version};
use crate::auth::{Permission, require_scope};
use crate::errors::{GraphError, OAUTH};
use crate::fields;
use crate::paging;
use crate::publishing::{
    AmbiguousKind, Container, ContainerKind, ContainerState, MediaUrlOutcome, PublishRecord,
    Upload, code_for_subcode, subcode_text,
};
use crate::state::{Media, State, TokenRecord};
use crate::types::LoginFamily;

/// Caption limits (characters, hashtags, @-mentions).
const MAX_CAPTION_CHARS: usize = 2200;
const MAX_HASHTAGS: usize = 30;
const MAX_MENTIONS: usize = 20;
/// Users tagged per media.
const MAX_USER_TAGS: usize = 20;
/// Collaborators per post.
const MAX_COLLABORATORS: usize = 3;
/// Carousel children.
const CAROUSEL_ITEMS: std::ops::RangeInclusive<usize> = 2..=10;

/// `ShadowIGMediaBuilder` fields (v25 spec).
const CONTAINER_FIELDS: &[&str] = &[
    "copyright_check_status",
    "id",
    "status",
    "status_code",
    "video_status",
];

/// Resolves a container id the token may see.
pub(crate) fn resolve(st: &State, token: &TokenRecord, seg: &str) -> Option<Node> {
    let c = st.publishing.containers.get(seg)?;
    st.can_access_ig(token, &c.owner)
        .then(|| Node::Container(seg.to_string()))
}

/// The IG account that owns a container (for the BUC usage header).
pub(crate) fn container_owner(st: &State, id: &str) -> Option<String> {
    st.publishing.containers.get(id).map(|c| c.owner.clone())
}

/// Handles a request on `node` + `rest` (edges) if it belongs to this area; `None` otherwise.
///
/// Three read/update edges are shared with engagement (`GET /{ig-user-id}/stories`,
/// `GET /{media-id}/children`, `POST /{media-id}?comment_enabled=`): engagement's handler answers
/// them when it has one (it should include what publishing created: [`PublishingState::stories_of`]
/// and `album_children`); otherwise the handlers here do.
///
/// [`PublishingState::stories_of`]: crate::publishing::PublishingState::stories_of
pub(crate) fn route(
    st: &mut State,
    ctx: &Ctx,
    node: &Node,
    first: &str,
    rest: &[&str],
) -> Option<Result<Value, GraphError>> {
    let method = ctx.method.as_str();
    let shared = matches!(
        (node, rest),
        (Node::IgUser { .. }, ["stories"]) | (Node::Media(_), ["children"])
    ) || (matches!((node, rest), (Node::Media(_), [])) && method == "POST");
    if shared && let Some(answer) = super::engagement::route(st, ctx, node, first, rest) {
        return Some(answer);
    }
    Some(match (node, rest) {
        (Node::IgUser { ig_user_id, .. }, ["media"]) if method == "POST" => {
            create_container(st, ctx, ig_user_id)
        }
        (Node::IgUser { ig_user_id, .. }, ["media_publish" | "mediapublish"]) => {
            if method == "POST" {
                publish(st, ctx, ig_user_id)
            } else {
                Err(GraphError::unsupported_request(method, first))
            }
        }
        (Node::IgUser { ig_user_id, .. }, ["content_publishing_limit"]) => ctx
            .only_get(first)
            .and_then(|()| publishing_limit(st, ctx, ig_user_id)),
        (Node::IgUser { ig_user_id, .. }, ["stories"]) => ctx
            .only_get(first)
            .and_then(|()| list_stories(st, ctx, ig_user_id)),
        (Node::Container(id), []) => ctx
            .only_get(first)
            .and_then(|()| get_container(st, ctx, id)),
        (Node::Media(id), ["children"]) => ctx
            .only_get(first)
            .and_then(|()| list_children(st, ctx, id)),
        (Node::Media(id), []) if method == "POST" => set_comment_enabled(st, ctx, id),
        (Node::Media(id), []) if method == "DELETE" => delete_media(st, ctx, id),
        _ => return None,
    })
}

// ---- helpers --------------------------------------------------------------------------------------

fn err(code: i64, subcode: Option<i64>, message: impl Into<String>) -> GraphError {
    let e = GraphError::new(OAUTH, code, message);
    match subcode {
        Some(s) => e.with_subcode(s),
        None => e,
    }
}

fn invalid(message: impl Into<String>) -> GraphError {
    err(100, None, message)
}

fn nonempty<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.params
        .get(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn parse_bool(ctx: &Ctx, name: &str) -> Result<Option<bool>, GraphError> {
    match nonempty(ctx, name) {
        None => Ok(None),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(invalid(format!("(#100) Param {name} must be a boolean"))),
        },
    }
}

/// A `list<string>` parameter: a JSON array or comma-separated values.
fn parse_list(ctx: &Ctx, name: &str) -> Result<Vec<String>, GraphError> {
    let Some(raw) = nonempty(ctx, name) else {
        return Ok(Vec::new());
    };
    if raw.starts_with('[') {
        let v: Value = serde_json::from_str(raw).or_else(|_| {
            serde_json::from_str(&raw.replace('\'', "\""))
                .map_err(|_| invalid(format!("(#100) Param {name} must be an array of strings")))
        })?;
        let arr = v
            .as_array()
            .ok_or_else(|| invalid(format!("(#100) Param {name} must be an array of strings")))?;
        arr.iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.trim().to_string()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(invalid(format!(
                    "(#100) Param {name} must be an array of strings"
                ))),
            })
            .collect()
    } else {
        Ok(raw
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect())
    }
}

/// `#tag` or `@name` occurrences: the sigil at the start or after a non-word character, followed
/// by a word character (so `a@b.com` is not a mention).
pub(crate) fn count_sigils(text: &str, sigil: char) -> usize {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            **c == sigil
                && chars.get(i + 1).copied().is_some_and(word)
                && (*i == 0 || chars.get(i - 1).copied().is_some_and(|p| !word(p)))
        })
        .count()
}

fn check_caption(caption: &str) -> Result<(), GraphError> {
    let too_long = |what: String| {
        err(
            36004,
            Some(2207010),
            format!("(#36004) The caption is too long: {what}"),
        )
    };
    let chars = caption.chars().count();
    if chars > MAX_CAPTION_CHARS {
        return Err(too_long(format!(
            "{chars} characters, at most {MAX_CAPTION_CHARS}"
        )));
    }
    let tags = count_sigils(caption, '#');
    if tags > MAX_HASHTAGS {
        return Err(too_long(format!("{tags} hashtags, at most {MAX_HASHTAGS}")));
    }
    let mentions = count_sigils(caption, '@');
    if mentions > MAX_MENTIONS {
        return Err(too_long(format!(
            "{mentions} @-mentions, at most {MAX_MENTIONS}"
        )));
    }
    Ok(())
}

fn valid_username(u: &str) -> bool {
    !u.is_empty()
        && u.chars().count() <= 30
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

fn check_user_tags(ctx: &Ctx, kind: ContainerKind) -> Result<(), GraphError> {
    let Some(raw) = nonempty(ctx, "user_tags") else {
        return Ok(());
    };
    if kind == ContainerKind::Carousel {
        return Err(invalid(
            "(#100) Param user_tags is not supported on a CAROUSEL container: tag users on its items",
        ));
    }
    let v: Value = serde_json::from_str(raw).map_err(|_| {
        invalid("(#100) Param user_tags must be a JSON-encoded array of {username, x, y} objects")
    })?;
    let tags = v
        .as_array()
        .ok_or_else(|| invalid("(#100) Param user_tags must be an array"))?;
    if tags.len() > MAX_USER_TAGS {
        return Err(err(
            100,
            Some(2207040),
            format!(
                "(#100) Too many tags: {} users tagged, at most {MAX_USER_TAGS}",
                tags.len()
            ),
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        let username = t.get("username").and_then(Value::as_str).unwrap_or("");
        if !valid_username(username) {
            return Err(invalid(format!(
                "(#100) Param user_tags[{i}]['username'] must be an Instagram username without '@'"
            )));
        }
        for axis in ["x", "y"] {
            match t.get(axis) {
                None | Some(Value::Null) => {
                    if kind == ContainerKind::Image {
                        return Err(invalid(format!(
                            "(#100) Param user_tags[{i}]['{axis}'] is required for images"
                        )));
                    }
                }
                Some(v) => {
                    if kind.is_video() {
                        return Err(invalid(format!(
                            "(#100) Param user_tags[{i}]['{axis}'] is not supported for videos and reels: tag by username only"
                        )));
                    }
                    let n = v.as_f64().ok_or_else(|| {
                        invalid(format!(
                            "(#100) Param user_tags[{i}]['{axis}'] must be a number"
                        ))
                    })?;
                    if n < 0.0 {
                        return Err(invalid(format!(
                            "(#100) Param user_tags[{i}]['{axis}'] must be a number greater than or equal to 0"
                        )));
                    }
                    if n > 1.0 {
                        return Err(invalid(format!(
                            "(#100) Param user_tags[{i}]['{axis}'] must be a number less than or equal to 1"
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

fn is_unsupported_image(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    [".png", ".gif", ".webp", ".heic", ".bmp", ".tif", ".tiff"]
        .iter()
        .any(|e| path.ends_with(e))
}

// ---- POST /{ig-user-id}/media --------------------------------------------------------------------

fn use_reels() -> GraphError {
    err(
        100,
        Some(2207023),
        "(#100) The VIDEO media type is no longer supported for feed posts: use media_type=REELS (VIDEO is only for carousel items with is_carousel_item=true)",
    )
}

/// Decides the container kind from `media_type`, `is_carousel_item` and the media parameters.
fn container_kind(
    media_type: Option<&str>,
    is_item: bool,
    image: bool,
    video: bool,
    resumable: bool,
) -> Result<ContainerKind, GraphError> {
    let has_video = video || resumable;
    let kind = match media_type {
        None | Some("IMAGE") => {
            if has_video && !image {
                return Err(use_reels());
            }
            if !image {
                return Err(invalid("(#100) The parameter image_url is required."));
            }
            ContainerKind::Image
        }
        Some("VIDEO") => {
            if !is_item {
                return Err(use_reels());
            }
            ContainerKind::CarouselVideo
        }
        Some("REELS") => ContainerKind::Reel,
        Some("STORIES") => {
            if image && has_video {
                return Err(invalid(
                    "(#100) A story takes either image_url or a video, not both",
                ));
            }
            if image {
                ContainerKind::StoryImage
            } else {
                ContainerKind::StoryVideo
            }
        }
        Some("CAROUSEL") => ContainerKind::Carousel,
        Some(other) => {
            return Err(err(
                100,
                Some(2207023),
                format!(
                    "(#100) The media type {other} is unknown: use IMAGE (default), REELS, STORIES, CAROUSEL, or VIDEO for carousel items"
                ),
            ));
        }
    };
    if is_item && !matches!(kind, ContainerKind::Image | ContainerKind::CarouselVideo) {
        return Err(invalid(format!(
            "(#100) is_carousel_item is only for IMAGE and VIDEO items, not media_type {}",
            media_type.unwrap_or("IMAGE")
        )));
    }
    match kind {
        ContainerKind::CarouselVideo | ContainerKind::Reel | ContainerKind::StoryVideo => {
            if image {
                return Err(invalid(format!(
                    "(#100) Param image_url is not supported for media_type {}",
                    media_type.unwrap_or("")
                )));
            }
            if !has_video {
                return Err(invalid(
                    "(#100) The parameter video_url is required (or upload_type=resumable).",
                ));
            }
            if video && resumable {
                return Err(invalid(
                    "(#100) With upload_type=resumable the video is uploaded to the returned uri: do not send video_url",
                ));
            }
        }
        ContainerKind::Carousel => {
            if image || has_video {
                return Err(invalid(
                    "(#100) A CAROUSEL container takes children, not image_url or video_url",
                ));
            }
        }
        ContainerKind::StoryImage => {
            if !image {
                return Err(invalid("(#100) The parameter image_url is required."));
            }
        }
        ContainerKind::Image => {}
    }
    Ok(kind)
}

fn check_children(
    st: &State,
    ctx: &Ctx,
    owner: &str,
    now_ms: i64,
) -> Result<Vec<String>, GraphError> {
    let children = parse_list(ctx, "children")?;
    if !CAROUSEL_ITEMS.contains(&children.len()) {
        return Err(err(
            100,
            Some(2207028),
            format!(
                "(#100) A carousel must have between {} and {} items; it has {}",
                CAROUSEL_ITEMS.start(),
                CAROUSEL_ITEMS.end(),
                children.len()
            ),
        ));
    }
    let ttl = st.config.publishing.ttl_ms();
    for (i, id) in children.iter().enumerate() {
        let child = st
            .publishing
            .containers
            .get(id)
            .filter(|c| c.owner == owner && c.is_carousel_item && c.published.is_none())
            .ok_or_else(|| {
                err(
                    24,
                    Some(2207006),
                    format!(
                        "The media with id {id} cannot be found: children must be carousel item containers (is_carousel_item=true) of this account"
                    ),
                )
            })?;
        match child.state_at(now_ms, ttl) {
            ContainerState::Finished => {}
            ContainerState::InProgress => {
                return Err(err(
                    9007,
                    Some(2207027),
                    format!(
                        "(#9007) Carousel item {} ({id}) is not ready: its status_code is IN_PROGRESS; wait for FINISHED",
                        i + 1
                    ),
                ));
            }
            ContainerState::Expired => {
                return Err(err(
                    -2,
                    Some(2207020),
                    format!(
                        "Carousel item {} ({id}) has expired: create it again",
                        i + 1
                    ),
                ));
            }
            ContainerState::Error | ContainerState::Published => {
                let sub = child.failure.unwrap_or(2207001);
                return Err(invalid(format!(
                    "(#100) Carousel item {} ({id}) failed with error code {sub}: {}",
                    i + 1,
                    subcode_text(sub)
                )));
            }
        }
    }
    Ok(children)
}

fn create_container(st: &mut State, ctx: &Ctx, owner: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ContentPublish)?;
    let media_type = nonempty(ctx, "media_type").map(str::to_ascii_uppercase);
    let is_item = parse_bool(ctx, "is_carousel_item")?.unwrap_or(false);
    let resumable = match nonempty(ctx, "upload_type") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("resumable") => true,
        Some(v) => {
            return Err(invalid(format!(
                "(#100) Param upload_type must be one of {{resumable}}, got {v}"
            )));
        }
    };
    if resumable && ctx.instagram() {
        return Err(invalid(
            "(#100) upload_type=resumable is available only with Facebook Login for Business: send video_url instead",
        ));
    }
    let image_url = nonempty(ctx, "image_url").map(str::to_string);
    let video_url = nonempty(ctx, "video_url").map(str::to_string);
    let kind = container_kind(
        media_type.as_deref(),
        is_item,
        image_url.is_some(),
        video_url.is_some(),
        resumable,
    )?;

    let caption = ctx.params.get("caption").map(str::to_string);
    if let Some(c) = caption.as_deref().filter(|c| !c.is_empty()) {
        if is_item {
            return Err(invalid(
                "(#100) Param caption is not supported on carousel items: caption the CAROUSEL container",
            ));
        }
        if kind.is_story() {
            return Err(invalid("(#100) Param caption is not supported for stories"));
        }
        check_caption(c)?;
    }
    let alt_text = nonempty(ctx, "alt_text").map(str::to_string);
    if alt_text.is_some() && kind != ContainerKind::Image {
        return Err(invalid(
            "(#100) Param alt_text is supported only for images (feed images and image carousel items)",
        ));
    }
    for reel_only in [
        "cover_url",
        "thumb_offset",
        "share_to_feed",
        "audio_name",
        "trial_params",
    ] {
        if nonempty(ctx, reel_only).is_some() && kind != ContainerKind::Reel {
            return Err(invalid(format!(
                "(#100) Param {reel_only} is supported only for media_type=REELS"
            )));
        }
    }
    parse_bool(ctx, "share_to_feed")?;
    if let Some(offset) = nonempty(ctx, "thumb_offset") {
        let duration = st.config.publishing.video_duration_ms;
        if !offset.parse::<u64>().is_ok_and(|o| o < duration) {
            return Err(err(
                1,
                Some(2207057),
                format!(
                    "The thumbnail offset {offset} is invalid: it must be between 0 and the video's duration ({duration} ms)"
                ),
            ));
        }
    }
    if let Some(tp) = nonempty(ctx, "trial_params")
        && !serde_json::from_str::<Value>(tp).is_ok_and(|v| v.is_object())
    {
        return Err(invalid(
            "(#100) Param trial_params must be a JSON object such as {\"graduation_strategy\":\"MANUAL\"}",
        ));
    }
    let collaborators = parse_list(ctx, "collaborators")?;
    if !collaborators.is_empty() {
        if kind.is_story() || is_item {
            return Err(invalid(
                "(#100) Param collaborators is supported only for feed images, carousels and reels",
            ));
        }
        if collaborators.len() > MAX_COLLABORATORS {
            return Err(invalid(format!(
                "(#100) At most {MAX_COLLABORATORS} collaborators can be invited; got {}",
                collaborators.len()
            )));
        }
        if let Some(bad) = collaborators.iter().find(|u| !valid_username(u)) {
            return Err(invalid(format!(
                "(#100) Param collaborators: '{bad}' is not an Instagram username (no '@')"
            )));
        }
    }
    check_user_tags(ctx, kind)?;
    if let Some(loc) = nonempty(ctx, "location_id")
        && !loc.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid(format!(
            "(#100) INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID: {loc} is not the id of a Page with a location"
        )));
    }
    if let Some(pt) = nonempty(ctx, "product_tags")
        && !serde_json::from_str::<Value>(pt).is_ok_and(|v| v.is_array())
    {
        return Err(invalid(
            "(#100) Param product_tags must be a JSON-encoded array of {product_id, x, y} objects",
        ));
    }

    let now_ms = st.now_ms();
    let children = if kind == ContainerKind::Carousel {
        check_children(st, ctx, owner, now_ms)?
    } else {
        if nonempty(ctx, "children").is_some() {
            return Err(invalid(
                "(#100) Param children is supported only for media_type=CAROUSEL",
            ));
        }
        Vec::new()
    };

    let media_url = image_url.clone().or(video_url.clone());
    let cfg = st.config.publishing;
    let mut processing_ms = if kind.is_video() {
        cfg.video_processing_ms
    } else {
        cfg.image_processing_ms
    };
    let mut failure = None;
    if let Some(url) = media_url.as_deref() {
        let rule = st.publishing.rule(url);
        if rule.outcome == MediaUrlOutcome::Unfetchable {
            return Err(err(
                9004,
                Some(2207052),
                format!(
                    "(#9004) Media download has failed. The media URI doesn't meet our requirements: {url}"
                ),
            ));
        }
        let unsupported = rule.outcome == MediaUrlOutcome::UnsupportedFormat
            || (image_url.is_some() && is_unsupported_image(url));
        if unsupported && !kind.is_video() {
            return Err(err(
                36001,
                Some(2207005),
                "(#36001) The image format is not supported: use JPEG",
            ));
        }
        if unsupported {
            failure = Some(2207026);
        }
        if rule.outcome == MediaUrlOutcome::Error {
            failure = Some(
                rule.subcode
                    .unwrap_or(if kind.is_video() { 2207026 } else { 2207001 }),
            );
        }
        if let Some(ms) = rule.processing_ms {
            processing_ms = ms;
        }
    }

    let id = st.fresh_numeric_id("178", 17);
    st.publishing.created += 1;
    let container = Container {
        id: id.clone(),
        owner: owner.to_string(),
        created_ms: now_ms,
        seq: st.publishing.created,
        kind,
        is_carousel_item: is_item,
        caption: caption.filter(|c| !c.is_empty()),
        media_url,
        cover_url: nonempty(ctx, "cover_url").map(str::to_string),
        children,
        processing_ms,
        failure,
        upload: resumable.then(Upload::default),
        published: None,
    };
    st.publishing.containers.insert(id.clone(), container);
    let mut body = json!({ "id": id });
    if resumable {
        let (version, _) = split_version(&ctx.url.path);
        body["uri"] = json!(format!(
            "{}://{}/ig-api-upload/{version}/{id}",
            ctx.url.scheme, ctx.url.host
        ));
    }
    Ok(body)
}

// ---- GET /{container-id} --------------------------------------------------------------------------

fn video_status(c: &Container, state: ContainerState) -> Value {
    let (upload_status, transferred, size) = match &c.upload {
        Some(u) => (
            if u.completed_ms.is_some() {
                "complete"
            } else if u.transferred > 0 {
                "in_progress"
            } else {
                "not_started"
            },
            Some(u.transferred),
            u.file_size,
        ),
        None => ("complete", None, None),
    };
    let mut uploading = json!({ "status": upload_status });
    if let Some(t) = transferred {
        uploading["bytes_transferred"] = json!(t);
    }
    if let Some(s) = size {
        uploading["source_file_size"] = json!(s);
    }
    let processing = match state {
        ContainerState::Error => json!({
            "status": "error",
            "errors": [{ "code": c.failure.unwrap_or(2207001), "message": subcode_text(c.failure.unwrap_or(2207001)) }],
        }),
        ContainerState::InProgress if upload_status != "complete" => {
            json!({ "status": "not_started" })
        }
        ContainerState::InProgress => json!({ "status": "in_progress" }),
        _ => json!({ "status": "complete" }),
    };
    json!({ "uploading_phase": uploading, "processing_phase": processing })
}

fn get_container(st: &State, ctx: &Ctx, id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let c = st
        .publishing
        .containers
        .get(id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, id))?;
    let sel = fields::selection(ctx.fields(), &["id"])?;
    fields::validate(&sel, CONTAINER_FIELDS, "ShadowIGMediaBuilder")?;
    let state = c.state_at(st.now_ms(), st.config.publishing.ttl_ms());
    fields::build(&sel, id, |f| {
        Ok(match f.name.as_str() {
            "status_code" => Some(json!(state.as_str())),
            "status" => Some(json!(c.status_text(state))),
            "video_status" => c.kind.is_video().then(|| video_status(c, state)),
            "copyright_check_status" => c.kind.is_video().then(|| {
                let status = match state {
                    ContainerState::InProgress => "in_progress",
                    ContainerState::Error => "error",
                    _ => "completed",
                };
                json!({ "matches_found": false, "status": status })
            }),
            _ => None,
        })
    })
}

// ---- POST /{ig-user-id}/media_publish -------------------------------------------------------------

fn ambiguous_error(kind: AmbiguousKind) -> GraphError {
    match kind {
        AmbiguousKind::ServerError => {
            let mut e = err(
                -1,
                Some(2207001),
                "An unexpected error has occurred. Please retry your request later.",
            )
            .transient(true);
            e.status = 500;
            e
        }
        AmbiguousKind::Transient => err(
            -2,
            Some(2207003),
            "The request timed out while the media was being published. Please retry your request later.",
        )
        .transient(true),
        AmbiguousKind::Restricted => err(
            4,
            Some(2207051),
            "(#4) We restrict certain activity to protect our community. Tell us if you think we made a mistake.",
        ),
    }
}

fn publish(st: &mut State, ctx: &Ctx, owner: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ContentPublish)?;
    let cid = nonempty(ctx, "creation_id")
        .ok_or_else(|| invalid("(#100) The parameter creation_id is required."))?
        .to_string();
    let now_ms = st.now_ms();
    let cfg = st.config.publishing;
    let c = st
        .publishing
        .containers
        .get(&cid)
        .filter(|c| c.owner == owner)
        .ok_or_else(|| {
            err(
                24,
                Some(2207006),
                format!("The media with id {cid} cannot be found: create a new container"),
            )
        })?;
    if c.is_carousel_item {
        return Err(invalid(
            "(#100) A carousel item cannot be published on its own: publish its CAROUSEL container",
        ));
    }
    match c.state_at(now_ms, cfg.ttl_ms()) {
        ContainerState::Finished => {}
        ContainerState::InProgress => {
            let mut e = err(9007, Some(2207027), "(#9007) Media ID is not available");
            e.message
                .push_str(": the media is not ready for publishing, please wait for a moment");
            return Err(e);
        }
        ContainerState::Expired => {
            return Err(err(
                -2,
                Some(2207020),
                "The media you are trying to publish has expired (containers live 24 hours): create a new container",
            ));
        }
        ContainerState::Error => {
            let sub = c.failure.unwrap_or(2207001);
            let code = code_for_subcode(sub);
            return Err(err(
                code,
                Some(sub),
                format!("(#{code}) {}", subcode_text(sub)),
            ));
        }
        ContainerState::Published => {
            return Err(invalid(format!(
                "(#100) The media container {cid} has already been published"
            )));
        }
    }
    if let Err(used) = st.publishing.may_publish(owner, now_ms, &cfg) {
        return Err(err(
            9,
            Some(2207042),
            format!(
                "(#9) The maximum number of posts that can be published via the API in {} hours has been reached ({used} of {})",
                cfg.quota_duration_secs / 3600,
                cfg.quota_total
            ),
        ));
    }
    let c = c.clone();
    let media_id = new_media(st, &c, now_ms);
    let mut child_media = Vec::new();
    for child_id in &c.children {
        if let Some(child) = st.publishing.containers.get(child_id).cloned() {
            let m = new_media(st, &child, now_ms);
            if let Some(cc) = st.publishing.containers.get_mut(child_id) {
                cc.published = Some((m.clone(), now_ms));
            }
            child_media.push(m);
        }
    }
    if !child_media.is_empty() {
        st.publishing
            .album_children
            .insert(media_id.clone(), child_media);
    }
    if !c.kind.is_story()
        && let Some(acc) = st.ig_accounts.get_mut(owner)
    {
        acc.media.insert(0, media_id.clone());
    }
    if let Some(cc) = st.publishing.containers.get_mut(&cid) {
        cc.published = Some((media_id.clone(), now_ms));
    }
    st.publishing.published.push(PublishRecord {
        owner: owner.to_string(),
        media_id: media_id.clone(),
        container_id: cid,
        at_ms: now_ms,
        story: c.kind.is_story(),
    });
    if st.publishing.ambiguous_left > 0 {
        st.publishing.ambiguous_left -= 1;
        return Err(ambiguous_error(st.publishing.ambiguous_kind));
    }
    Ok(json!({ "id": media_id }))
}

/// Creates the media object a container becomes.
fn new_media(st: &mut State, c: &Container, now_ms: i64) -> String {
    let id = st.fresh_numeric_id("179", 17);
    let video = c.kind.is_video();
    let media = Media {
        id: id.clone(),
        ig_id: format!("3{}", st.rng.digits(18)),
        owner: c.owner.clone(),
        media_type: c.kind.media_type().to_string(),
        media_product_type: if c.is_carousel_item {
            "FEED".to_string()
        } else {
            c.kind.product_type().to_string()
        },
        caption: c.caption.clone().unwrap_or_default(),
        shortcode: format!("D{}", st.rng.b64url(10)),
        timestamp: now_ms.div_euclid(1000),
        like_count: 0,
        comments_count: 0,
        media_url: c.media_url.clone().unwrap_or_else(|| {
            format!(
                "https://sandbox.invalid/media/{id}.{}",
                if video { "mp4" } else { "jpg" }
            )
        }),
        thumbnail_url: video.then(|| {
            c.cover_url
                .clone()
                .unwrap_or_else(|| format!("https://sandbox.invalid/media/{id}_thumb.jpg"))
        }),
        is_comment_enabled: true,
    };
    st.media.insert(id.clone(), media);
    id
}

// ---- GET /{ig-user-id}/content_publishing_limit ------------------------------------------------

fn publishing_limit(st: &State, ctx: &Ctx, owner: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = fields::selection(ctx.fields(), &["quota_usage"])?;
    fields::validate(
        &sel,
        &["config", "quota_usage"],
        "ContentPublishingLimitResponse",
    )?;
    let since_ms = match nonempty(ctx, "since") {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| invalid("(#100) Param since must be a unix timestamp"))?
                .saturating_mul(1000),
        ),
    };
    let cfg = st.config.publishing;
    let used = st
        .publishing
        .quota_usage(owner, st.now_ms(), cfg.window_ms(), since_ms);
    let mut item = serde_json::Map::new();
    for f in &sel {
        match f.name.as_str() {
            "quota_usage" => {
                item.insert("quota_usage".into(), json!(used));
            }
            "config" => {
                item.insert(
                    "config".into(),
                    json!({ "quota_total": cfg.quota_total, "quota_duration": cfg.quota_duration_secs }),
                );
            }
            _ => {}
        }
    }
    Ok(json!({ "data": [Value::Object(item)] }))
}

// ---- stories, children, comment_enabled, delete -------------------------------------------------

fn list_stories(st: &State, ctx: &Ctx, owner: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = fields::selection(ctx.fields(), &["id"])?;
    fields::validate(&sel, known_fields(ctx.token.family), "IGMedia")?;
    let ids = st.publishing.stories_of(owner, st.now_ms());
    paging::list_edge(
        st.cursor_salt,
        &format!("stories:{owner}"),
        &ids,
        &ctx.params,
        &ctx.url,
        |id| {
            st.media
                .get(id)
                .map(|m| render_media(st, ctx.token.family, m, &sel))
        },
    )
}

fn list_children(st: &State, ctx: &Ctx, media_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = fields::selection(ctx.fields(), &["id"])?;
    fields::validate(&sel, known_fields(ctx.token.family), "IGMedia")?;
    let ids = st
        .publishing
        .album_children
        .get(media_id)
        .cloned()
        .unwrap_or_default();
    paging::list_edge(
        st.cursor_salt,
        &format!("children:{media_id}"),
        &ids,
        &ctx.params,
        &ctx.url,
        |id| {
            st.media
                .get(id)
                .map(|m| render_media(st, ctx.token.family, m, &sel))
        },
    )
}

fn set_comment_enabled(st: &mut State, ctx: &Ctx, media_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ManageComments)?;
    let enabled = parse_bool(ctx, "comment_enabled")?
        .ok_or_else(|| invalid("(#100) The parameter comment_enabled is required."))?;
    let m = st
        .media
        .get_mut(media_id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, media_id))?;
    m.is_comment_enabled = enabled;
    Ok(json!({ "success": true }))
}

fn delete_media(st: &mut State, ctx: &Ctx, media_id: &str) -> Result<Value, GraphError> {
    if ctx.token.family == LoginFamily::Instagram {
        // IGMediaForIGOnlyAPI (v25) offers no delete.
        return Err(GraphError::unsupported_request(&ctx.method, media_id));
    }
    require_scope(&ctx.token, Permission::ContentPublish)?;
    if st
        .publishing
        .album_children
        .values()
        .any(|c| c.iter().any(|m| m == media_id))
    {
        return Err(invalid(
            "(#100) A carousel item cannot be deleted on its own: delete the carousel",
        ));
    }
    let Some(m) = st.media.remove(media_id) else {
        return Err(GraphError::unsupported_request(&ctx.method, media_id));
    };
    if let Some(acc) = st.ig_accounts.get_mut(&m.owner) {
        acc.media.retain(|id| id != media_id);
    }
    if let Some(children) = st.publishing.album_children.remove(media_id) {
        for c in children {
            st.media.remove(&c);
        }
    }
    Ok(json!({ "success": true }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigils_count_tags_not_emails() {
        assert_eq!(count_sigils("#a #b c#d #", '#'), 2);
        assert_eq!(count_sigils("@ann, mail me at a@b.com @bob_1", '@'), 2);
        assert_eq!(count_sigils(&"#t ".repeat(30), '#'), 30);
    }

    #[test]
    fn caption_limits_at_their_boundaries() {
        assert!(check_caption(&"é".repeat(2200)).is_ok());
        let e = check_caption(&"é".repeat(2201))
            .err()
            .map(|e| (e.code, e.subcode));
        assert_eq!(e, Some((36004, Some(2207010))));
        assert!(check_caption(&"#t ".repeat(30)).is_ok());
        assert!(check_caption(&"#t ".repeat(31)).is_err());
        assert!(check_caption(&"@u ".repeat(20)).is_ok());
        assert!(check_caption(&"@u ".repeat(21)).is_err());
    }

    #[test]
    fn kinds_follow_media_type_and_item_flag() {
        use ContainerKind as K;
        assert_eq!(
            container_kind(None, false, true, false, false).ok(),
            Some(K::Image)
        );
        assert_eq!(
            container_kind(None, true, true, false, false).ok(),
            Some(K::Image)
        );
        let video_feed = container_kind(Some("VIDEO"), false, false, true, false);
        assert!(
            video_feed.is_err_and(|e| e.subcode == Some(2207023) && e.message.contains("REELS"))
        );
        assert_eq!(
            container_kind(Some("VIDEO"), true, false, true, false).ok(),
            Some(K::CarouselVideo)
        );
        assert_eq!(
            container_kind(Some("REELS"), false, false, false, true).ok(),
            Some(K::Reel)
        );
        assert!(container_kind(Some("REELS"), true, false, true, false).is_err());
        assert_eq!(
            container_kind(Some("STORIES"), false, true, false, false).ok(),
            Some(K::StoryImage)
        );
        assert!(container_kind(Some("STORIES"), false, true, true, false).is_err());
        assert!(
            container_kind(Some("GIF"), false, true, false, false)
                .is_err_and(|e| e.subcode == Some(2207023))
        );
        assert!(container_kind(Some("CAROUSEL"), false, true, false, false).is_err());
    }
}
