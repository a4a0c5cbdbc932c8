//! What to publish: [`PostSpec`] and its parts, with every documented rule checked by
//! [`PostSpec::validate`] before anything is sent.

use crate::error::Error;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::PathBuf;

/// Captions: at most this many characters (Unicode scalar values, not bytes).
pub const MAX_CAPTION_CHARS: usize = 2200;
/// Captions: at most this many hashtags.
pub const MAX_HASHTAGS: usize = 30;
/// Captions: at most this many @-mentions.
pub const MAX_MENTIONS: usize = 20;
/// Users tagged per media.
pub const MAX_USER_TAGS: usize = 20;
/// Collaborators invited per post.
pub const MAX_COLLABORATORS: usize = 3;
/// Fewest carousel items.
pub const MIN_CAROUSEL_ITEMS: usize = 2;
/// Most carousel items.
pub const MAX_CAROUSEL_ITEMS: usize = 10;
/// Longest Instagram username.
pub const MAX_USERNAME_CHARS: usize = 30;

/// Where a media item comes from.
///
/// JSON: `{"url": "https://…"}` or `{"file": "/path"}`; a bare string is read as a URL when it
/// starts with `http://` or `https://`, as a file path otherwise.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediaSource {
    /// A public URL Meta's fetcher downloads (https; no query string).
    Url(String),
    /// A local file: images go through the client's [`super::MediaHost`], videos through the
    /// resumable upload (Facebook Login).
    File(PathBuf),
}

impl MediaSource {
    /// A URL source.
    pub fn url(url: impl Into<String>) -> Self {
        MediaSource::Url(url.into())
    }

    /// A local file source.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        MediaSource::File(path.into())
    }

    /// Whether this is a local file.
    pub fn is_local(&self) -> bool {
        matches!(self, MediaSource::File(_))
    }

    /// The source as shown in messages.
    pub fn describe(&self) -> String {
        match self {
            MediaSource::Url(u) => u.clone(),
            MediaSource::File(p) => p.display().to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for MediaSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case", deny_unknown_fields)]
        enum Tagged {
            Url(String),
            File(PathBuf),
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            Tagged(Tagged),
            Bare(String),
        }
        match Any::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "a media source: {\"url\": \"https://…\"}, {\"file\": \"/path\"} or a string",
            )
        })? {
            Any::Tagged(Tagged::Url(u)) => Ok(MediaSource::Url(u)),
            Any::Tagged(Tagged::File(p)) => Ok(MediaSource::File(p)),
            Any::Bare(s) if s.starts_with("https://") || s.starts_with("http://") => {
                Ok(MediaSource::Url(s))
            }
            Any::Bare(s) => Ok(MediaSource::File(PathBuf::from(s))),
        }
    }
}

/// A user tagged in a media: `x`/`y` are fractions of the width and height from the top-left
/// corner (0.0–1.0), required on images, optional on stories, not allowed on videos and reels.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UserTag {
    /// The public username (without `@`).
    pub username: String,
    /// Horizontal position, 0.0 (left) to 1.0 (right).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    /// Vertical position, 0.0 (top) to 1.0 (bottom).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

impl UserTag {
    /// A tag at a point of an image.
    pub fn at(username: impl Into<String>, x: f64, y: f64) -> Self {
        Self {
            username: username.into(),
            x: Some(x),
            y: Some(y),
        }
    }

    /// A tag without position (videos, reels, stories).
    pub fn username(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            x: None,
            y: None,
        }
    }
}

/// A shopping product tag (Facebook Login; the product must be in the account's catalog):
/// `x`/`y` are required on images and not allowed on videos.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductTag {
    /// The catalog product id.
    pub product_id: String,
    /// Horizontal position, 0.0–1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    /// Vertical position, 0.0–1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

/// Trial reels (shown to non-followers first): `graduation_strategy` is `MANUAL` or
/// `SS_PERFORMANCE` (values reported for 2025; uncertain, so any non-empty value is sent).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TrialParams {
    /// How the trial graduates to followers.
    pub graduation_strategy: String,
    /// Other keys, sent as given.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A feed photo (JPEG, 4:5 to 1.91:1).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PhotoPost {
    /// The image.
    pub image: MediaSource,
    /// Caption: 2,200 characters, 30 hashtags, 20 @-mentions at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Alternative text for screen readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    /// A Facebook Page id with a location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Tagged users (x/y required), 20 at most.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_tags: Vec<UserTag>,
    /// Up to 3 usernames invited as collaborators (without `@`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collaborators: Vec<String>,
    /// Shopping product tags (Facebook Login).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_tags: Vec<ProductTag>,
}

/// A reel (MP4/MOV video, published with `media_type=REELS`, read back as `VIDEO`/`REELS`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReelPost {
    /// The video.
    pub video: MediaSource,
    /// Caption: 2,200 characters, 30 hashtags, 20 @-mentions at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// A JPEG cover image URL (wins over `thumb_offset_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_url: Option<String>,
    /// The frame used as cover, in milliseconds from the start (must be within the video).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_offset_ms: Option<u64>,
    /// Whether the reel also appears in the profile grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_to_feed: Option<bool>,
    /// A name for the original audio (can be set once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_name: Option<String>,
    /// A Facebook Page id with a location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Tagged users, by username only (no x/y on videos), 20 at most.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_tags: Vec<UserTag>,
    /// Up to 3 usernames invited as collaborators (without `@`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collaborators: Vec<String>,
    /// Trial reel settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_params: Option<TrialParams>,
}

/// Whether a story is an image or a video.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StoryKind {
    /// A JPEG image.
    Image,
    /// An MP4/MOV video (3–60 s, 100 MB).
    Video,
}

/// A story (no caption, no collaborators; stickers and links are not offered by the API).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StoryPost {
    /// The image or video.
    pub media: MediaSource,
    /// Image or video.
    pub kind: StoryKind,
    /// Mentioned users (added July 2025): x/y optional, 20 at most.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_tags: Vec<UserTag>,
}

/// Whether a carousel item is an image or a video.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A JPEG image (4:5 to 1.91:1).
    Image,
    /// An MP4/MOV video (3–60 s), created with `media_type=VIDEO`.
    Video,
}

impl ItemKind {
    /// `image` or `video`.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Image => "image",
            ItemKind::Video => "video",
        }
    }
}

/// One carousel item (no caption: the carousel has it).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CarouselItem {
    /// Image or video.
    pub kind: ItemKind,
    /// The media.
    pub media: MediaSource,
    /// Tagged users: x/y required on images, not allowed on videos.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_tags: Vec<UserTag>,
    /// Alternative text (images only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// A carousel (album) of 2 to 10 images and videos; it counts once against the quota.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CarouselPost {
    /// The items, in order.
    pub items: Vec<CarouselItem>,
    /// Caption: 2,200 characters, 30 hashtags, 20 @-mentions at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// A Facebook Page id with a location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Up to 3 usernames invited as collaborators (on the carousel, not its items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collaborators: Vec<String>,
}

/// A post to publish. JSON: `{"type": "photo" | "reel" | "story" | "carousel", …}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PostSpec {
    /// A feed photo.
    Photo(PhotoPost),
    /// A reel.
    Reel(ReelPost),
    /// A story.
    Story(StoryPost),
    /// A carousel.
    Carousel(CarouselPost),
}

// ---- checks -------------------------------------------------------------------------------------

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Counts `#tag` (or `@name`) occurrences: the sigil at the start or after a non-word character,
/// followed by a word character (so `a@b.com` is no mention).
pub fn count_sigils(text: &str, sigil: char) -> usize {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            **c == sigil
                && chars.get(i + 1).copied().is_some_and(is_word)
                && (*i == 0 || chars.get(i - 1).copied().is_some_and(|p| !is_word(p)))
        })
        .count()
}

/// Checks a caption: characters, hashtags and @-mentions.
pub fn check_caption(caption: &str) -> Result<(), Error> {
    let chars = caption.chars().count();
    if chars > MAX_CAPTION_CHARS {
        return Err(Error::invalid_input(
            "caption",
            format!("at most {MAX_CAPTION_CHARS} characters"),
            caption,
        ));
    }
    let tags = count_sigils(caption, '#');
    if tags > MAX_HASHTAGS {
        return Err(Error::invalid_input(
            "caption",
            format!("at most {MAX_HASHTAGS} hashtags"),
            format!("{tags} hashtags"),
        ));
    }
    let mentions = count_sigils(caption, '@');
    if mentions > MAX_MENTIONS {
        return Err(Error::invalid_input(
            "caption",
            format!("at most {MAX_MENTIONS} @-mentions"),
            format!("{mentions} @-mentions"),
        ));
    }
    Ok(())
}

/// Whether `host` (with an optional port) is a loopback host.
fn is_loopback(host_port: &str) -> bool {
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    matches!(host, "127.0.0.1" | "::1" | "localhost")
}

/// Checks a media URL the way Meta's fetcher needs it: `https://` with a host, no query string
/// or fragment, no spaces. Plain `http://` is accepted only for loopback hosts (127.0.0.1, ::1,
/// localhost): that is the sandbox and test exception, since the sandbox serves over http.
pub fn check_media_url(field: &str, url: &str) -> Result<(), Error> {
    let expected = "a public https:// URL without a query string (http:// only for 127.0.0.1, ::1 or localhost)";
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_input(field, expected, url));
    }
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        if !is_loopback(host) {
            return Err(Error::invalid_input(
                field,
                "an https:// URL (http:// is accepted only for loopback hosts: 127.0.0.1, ::1, localhost)",
                url,
            ));
        }
        r
    } else {
        return Err(Error::invalid_input(field, expected, url));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(Error::invalid_input(field, expected, url));
    }
    if url.contains('?') || url.contains('#') {
        return Err(Error::invalid_input(
            field,
            "a URL without a query string or fragment (serve the file at a plain path)",
            url,
        ));
    }
    Ok(())
}

/// Image URLs and files whose extension says they are not JPEG.
fn non_jpeg_extension(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    [
        (".png", "PNG"),
        (".gif", "GIF"),
        (".webp", "WebP"),
        (".heic", "HEIC"),
        (".heif", "HEIF"),
        (".bmp", "BMP"),
        (".tif", "TIFF"),
        (".tiff", "TIFF"),
    ]
    .iter()
    .find(|(ext, _)| lower.ends_with(ext))
    .map(|(_, name)| *name)
}

fn check_source(field: &str, src: &MediaSource, image: bool) -> Result<(), Error> {
    let shown = src.describe();
    match src {
        MediaSource::Url(u) => check_media_url(field, u)?,
        MediaSource::File(p) => {
            if p.as_os_str().is_empty() {
                return Err(Error::invalid_input(field, "a file path", ""));
            }
        }
    }
    if image && let Some(kind) = non_jpeg_extension(&shown) {
        return Err(Error::invalid_input(
            field,
            "a JPEG image (Instagram publishes JPEG only)",
            format!("{shown} ({kind})"),
        ));
    }
    Ok(())
}

/// Checks an Instagram username (collaborator or tagged user): no `@`, letters, digits, `.`
/// and `_`, at most 30 characters.
pub fn check_username(field: &str, username: &str) -> Result<(), Error> {
    if username.starts_with('@') {
        return Err(Error::invalid_input(
            field,
            "a username without '@'",
            username,
        ));
    }
    let ok = !username.is_empty()
        && username.chars().count() <= MAX_USERNAME_CHARS
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            format!("an Instagram username: 1 to {MAX_USERNAME_CHARS} letters, digits, '.' or '_'"),
            username,
        ))
    }
}

pub(crate) fn check_collaborators(list: &[String]) -> Result<(), Error> {
    if list.len() > MAX_COLLABORATORS {
        return Err(Error::invalid_input(
            "collaborators",
            format!("at most {MAX_COLLABORATORS} collaborators"),
            format!("{} collaborators", list.len()),
        ));
    }
    for (i, u) in list.iter().enumerate() {
        check_username(&format!("collaborators[{i}]"), u)?;
    }
    Ok(())
}

/// Where a tag sits: what x/y may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TagPlace {
    /// Images: x and y required.
    Image,
    /// Videos and reels: no x/y.
    Video,
    /// Stories: x/y optional.
    Story,
}

fn check_position(field: &str, v: Option<f64>, place: TagPlace) -> Result<(), Error> {
    match (v, place) {
        (None, TagPlace::Image) => Err(Error::invalid_input(
            field,
            "a position from 0.0 to 1.0 (x and y are required for tags on images)",
            "missing",
        )),
        (Some(n), TagPlace::Video) => Err(Error::invalid_input(
            field,
            "no position on videos and reels (tag by username only)",
            n.to_string(),
        )),
        (Some(n), _) if !(0.0..=1.0).contains(&n) => Err(Error::invalid_input(
            field,
            "a number from 0.0 to 1.0 (a fraction of the size, from the top-left corner)",
            n.to_string(),
        )),
        _ => Ok(()),
    }
}

fn check_user_tags(tags: &[UserTag], place: TagPlace) -> Result<(), Error> {
    if tags.len() > MAX_USER_TAGS {
        return Err(Error::invalid_input(
            "user_tags",
            format!("at most {MAX_USER_TAGS} tagged users"),
            format!("{} tagged users", tags.len()),
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        check_username(&format!("user_tags[{i}].username"), &t.username)?;
        check_position(&format!("user_tags[{i}].x"), t.x, place)?;
        check_position(&format!("user_tags[{i}].y"), t.y, place)?;
    }
    Ok(())
}

fn check_product_tags(tags: &[ProductTag], place: TagPlace) -> Result<(), Error> {
    for (i, t) in tags.iter().enumerate() {
        if t.product_id.is_empty() || !t.product_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_input(
                format!("product_tags[{i}].product_id"),
                "a numeric catalog product id",
                &t.product_id,
            ));
        }
        check_position(&format!("product_tags[{i}].x"), t.x, place)?;
        check_position(&format!("product_tags[{i}].y"), t.y, place)?;
    }
    Ok(())
}

pub(crate) fn check_location(location_id: Option<&str>) -> Result<(), Error> {
    match location_id {
        Some(l) if l.is_empty() || l.len() > 32 || !l.bytes().all(|b| b.is_ascii_digit()) => {
            Err(Error::invalid_input(
                "location_id",
                "the numeric id of a Facebook Page that has a location",
                l,
            ))
        }
        _ => Ok(()),
    }
}

fn check_optional_caption(caption: Option<&str>) -> Result<(), Error> {
    caption.map_or(Ok(()), check_caption)
}

fn check_text(field: &str, value: Option<&str>) -> Result<(), Error> {
    match value {
        Some(v) if v.trim().is_empty() => Err(Error::invalid_input(
            field,
            "a non-empty text (or leave it out)",
            v,
        )),
        _ => Ok(()),
    }
}

/// Prefixes an input error with the carousel item it is about ("carousel item 3 (video): …").
pub(crate) fn in_item(e: Error, index: usize, kind: ItemKind) -> Error {
    let prefix = format!("carousel item {index} ({})", kind.as_str());
    match e {
        Error::InvalidInput {
            field,
            limit,
            value,
        } => Error::InvalidInput {
            field: format!("{prefix}: {field}"),
            limit,
            value,
        },
        Error::Graph {
            status,
            mut error,
            class,
            retry_after,
        } => {
            error.message = format!("{prefix}: {}", error.message);
            Error::Graph {
                status,
                error,
                class,
                retry_after,
            }
        }
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
}

impl CarouselItem {
    /// Checks the item on its own (media source, JPEG-only images, user tags: x/y required on
    /// images and not allowed on videos, alt text on images only).
    pub fn validate(&self) -> Result<(), Error> {
        match self.kind {
            ItemKind::Image => {
                check_source("media", &self.media, true)?;
                check_user_tags(&self.user_tags, TagPlace::Image)?;
                check_text("alt_text", self.alt_text.as_deref())
            }
            ItemKind::Video => {
                check_source("media", &self.media, false)?;
                if let Some(a) = &self.alt_text {
                    return Err(Error::invalid_input(
                        "alt_text",
                        "no alt_text on videos (images only)",
                        a,
                    ));
                }
                check_user_tags(&self.user_tags, TagPlace::Video)
            }
        }
    }
}

impl PostSpec {
    /// Parses a JSON spec; an unknown or misplaced field (say `share_to_feed` on a photo, or a
    /// caption on a story) is refused naming it.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            Error::invalid_input(
                "post spec",
                format!("a valid post spec ({})", e.inner()),
                if path == "." {
                    "the document".to_owned()
                } else {
                    path
                },
            )
        })
    }

    /// Checks every documented rule, without the network: caption (2,200 characters, 30
    /// hashtags, 20 @-mentions), media URLs (https, no query string; http only for loopback),
    /// JPEG-only images by extension, 2–10 carousel items, collaborators (3 at most, usernames
    /// without `@`), user tags (20 at most; x/y in 0.0–1.0, required on images, not allowed on
    /// videos and reels, optional on stories), alt text on images only, location ids. Carousel
    /// errors name the item: "carousel item 3 (video): …".
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            PostSpec::Photo(p) => {
                check_source("image", &p.image, true)?;
                check_optional_caption(p.caption.as_deref())?;
                check_text("alt_text", p.alt_text.as_deref())?;
                check_location(p.location_id.as_deref())?;
                check_user_tags(&p.user_tags, TagPlace::Image)?;
                check_collaborators(&p.collaborators)?;
                check_product_tags(&p.product_tags, TagPlace::Image)
            }
            PostSpec::Reel(r) => {
                check_source("video", &r.video, false)?;
                check_optional_caption(r.caption.as_deref())?;
                if let Some(c) = &r.cover_url {
                    check_media_url("cover_url", c)?;
                    if let Some(kind) = non_jpeg_extension(c) {
                        return Err(Error::invalid_input(
                            "cover_url",
                            "a JPEG image",
                            format!("{c} ({kind})"),
                        ));
                    }
                }
                check_text("audio_name", r.audio_name.as_deref())?;
                if let Some(t) = &r.trial_params
                    && t.graduation_strategy.trim().is_empty()
                {
                    return Err(Error::invalid_input(
                        "trial_params.graduation_strategy",
                        "MANUAL or SS_PERFORMANCE",
                        &t.graduation_strategy,
                    ));
                }
                check_location(r.location_id.as_deref())?;
                check_user_tags(&r.user_tags, TagPlace::Video)?;
                check_collaborators(&r.collaborators)
            }
            PostSpec::Story(s) => {
                check_source("media", &s.media, s.kind == StoryKind::Image)?;
                check_user_tags(&s.user_tags, TagPlace::Story)
            }
            PostSpec::Carousel(c) => {
                let n = c.items.len();
                if !(MIN_CAROUSEL_ITEMS..=MAX_CAROUSEL_ITEMS).contains(&n) {
                    return Err(Error::invalid_input(
                        "items",
                        format!("{MIN_CAROUSEL_ITEMS} to {MAX_CAROUSEL_ITEMS} carousel items"),
                        format!("{n} items"),
                    ));
                }
                for (i, item) in c.items.iter().enumerate() {
                    item.validate().map_err(|e| in_item(e, i + 1, item.kind))?;
                }
                check_optional_caption(c.caption.as_deref())?;
                check_location(c.location_id.as_deref())?;
                check_collaborators(&c.collaborators)
            }
        }
    }

    /// `photo`, `reel`, `story` or `carousel`.
    pub fn kind(&self) -> &'static str {
        match self {
            PostSpec::Photo(_) => "photo",
            PostSpec::Reel(_) => "reel",
            PostSpec::Story(_) => "story",
            PostSpec::Carousel(_) => "carousel",
        }
    }

    /// The caption, if the post has one (stories never do).
    pub fn caption(&self) -> Option<&str> {
        match self {
            PostSpec::Photo(p) => p.caption.as_deref(),
            PostSpec::Reel(r) => r.caption.as_deref(),
            PostSpec::Story(_) => None,
            PostSpec::Carousel(c) => c.caption.as_deref(),
        }
    }

    /// Whether any part of the post is a video (it then processes for longer).
    pub fn has_video(&self) -> bool {
        match self {
            PostSpec::Photo(_) => false,
            PostSpec::Reel(_) => true,
            PostSpec::Story(s) => s.kind == StoryKind::Video,
            PostSpec::Carousel(c) => c.items.iter().any(|i| i.kind == ItemKind::Video),
        }
    }

    /// The local files the post uses.
    pub fn local_files(&self) -> Vec<&std::path::Path> {
        let sources: Vec<&MediaSource> = match self {
            PostSpec::Photo(p) => vec![&p.image],
            PostSpec::Reel(r) => vec![&r.video],
            PostSpec::Story(s) => vec![&s.media],
            PostSpec::Carousel(c) => c.items.iter().map(|i| &i.media).collect(),
        };
        sources
            .into_iter()
            .filter_map(|s| match s {
                MediaSource::File(p) => Some(p.as_path()),
                MediaSource::Url(_) => None,
            })
            .collect()
    }
}
