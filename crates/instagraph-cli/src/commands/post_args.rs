//! The arguments that describe a post, shared by `publish` and `schedule add`, and their
//! translation into the client's [`PostSpec`].

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use instagraph::ops::publishing::{
    CarouselItem, CarouselPost, ItemKind, MediaSource, PhotoPost, PostSpec, ProductTag, ReelPost,
    StoryKind, StoryPost, TrialParams, UserTag,
};

use crate::Refused;

/// Which post, with what.
#[derive(Debug, Subcommand)]
pub enum PostCommand {
    /// A feed photo (JPEG; a URL or a local file).
    Photo(PhotoArgs),
    /// A reel (MP4/MOV; a URL or a local file, uploaded with the resumable upload).
    Reel(ReelArgs),
    /// A story (image or video).
    Story(StoryArgs),
    /// A carousel of 2 to 10 images and videos.
    Carousel(CarouselArgs),
    /// A post described as JSON (the `PostSpec` format; `-` reads stdin).
    Spec(SpecArgs),
}

/// `photo IMAGE`.
#[derive(Debug, Args)]
pub struct PhotoArgs {
    /// Image URL (https, no query string) or local JPEG file.
    pub image: String,
    #[command(flatten)]
    pub common: CaptionArgs,
    /// Alternative text for screen readers.
    #[arg(long)]
    pub alt_text: Option<String>,
    /// Tag a user at a point: `USERNAME:X,Y` with X and Y between 0 and 1 (repeatable, up to 20).
    #[arg(long = "user-tag", value_name = "USERNAME:X,Y")]
    pub user_tags: Vec<String>,
    /// Tag a product at a point: `PRODUCT_ID:X,Y` (repeatable; shopping accounts).
    #[arg(long = "product-tag", value_name = "PRODUCT_ID:X,Y")]
    pub product_tags: Vec<String>,
}

/// `reel VIDEO`.
#[derive(Debug, Args)]
pub struct ReelArgs {
    /// Video URL (https, no query string) or local MP4/MOV file.
    pub video: String,
    #[command(flatten)]
    pub common: CaptionArgs,
    /// Cover image URL (JPEG).
    #[arg(long)]
    pub cover_url: Option<String>,
    /// Frame to use as the cover, in milliseconds from the start (ignored with --cover-url).
    #[arg(long, value_name = "MS")]
    pub thumb_offset: Option<u64>,
    /// Whether the reel also appears in the profile grid (`true`/`false`).
    #[arg(long, value_name = "BOOL")]
    pub share_to_feed: Option<bool>,
    /// A name for the reel's original audio (can be set once).
    #[arg(long)]
    pub audio_name: Option<String>,
    /// Tag a user (username only: reels take no coordinates; repeatable).
    #[arg(long = "user-tag", value_name = "USERNAME")]
    pub user_tags: Vec<String>,
    /// Publish as a trial reel with this graduation strategy (`MANUAL` or `SS_PERFORMANCE`).
    #[arg(long, value_name = "STRATEGY")]
    pub trial: Option<String>,
}

/// `story MEDIA`.
#[derive(Debug, Args)]
pub struct StoryArgs {
    /// Image or video URL, or a local file.
    pub media: String,
    /// The media is a video (default: guessed from the extension).
    #[arg(long, conflicts_with = "image")]
    pub video: bool,
    /// The media is an image (default: guessed from the extension).
    #[arg(long)]
    pub image: bool,
    /// Tag a user: `USERNAME` or `USERNAME:X,Y` (repeatable).
    #[arg(long = "user-tag", value_name = "USERNAME[:X,Y]")]
    pub user_tags: Vec<String>,
}

/// `carousel ITEM...`.
#[derive(Debug, Args)]
pub struct CarouselArgs {
    /// 2 to 10 items: URLs or local files; `video:` or `image:` before an item forces its kind
    /// (default: guessed from the extension).
    #[arg(required = true, num_args = 1..)]
    pub items: Vec<String>,
    /// The caption, location and collaborators apply to the carousel as a whole.
    #[command(flatten)]
    pub common: CaptionArgs,
    /// Alternative text of an image item: `N=TEXT` (1-based; repeatable).
    #[arg(long = "alt-text", value_name = "N=TEXT")]
    pub alt_texts: Vec<String>,
    /// Tag a user on an image item: `N:USERNAME:X,Y` (repeatable).
    #[arg(long = "user-tag", value_name = "N:USERNAME:X,Y")]
    pub user_tags: Vec<String>,
}

/// `spec FILE`.
#[derive(Debug, Args)]
pub struct SpecArgs {
    /// A JSON file with the post (`-` for stdin), e.g.
    /// `{"type":"photo","image":{"url":"https://..."},"caption":"..."}`.
    pub file: String,
}

/// Caption and the fields feed posts share.
#[derive(Debug, Args)]
pub struct CaptionArgs {
    /// The caption (up to 2,200 characters, 30 hashtags, 20 @mentions).
    #[arg(long)]
    pub caption: Option<String>,
    /// Read the caption from a file (`-` for stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "caption")]
    pub caption_file: Option<String>,
    /// A Facebook Page id with a location.
    #[arg(long)]
    pub location_id: Option<String>,
    /// A collaborator's username, without `@` (repeatable, up to 3).
    #[arg(long = "collaborator", value_name = "USERNAME")]
    pub collaborators: Vec<String>,
}

impl CaptionArgs {
    fn caption(&self) -> Result<Option<String>> {
        match (&self.caption, &self.caption_file) {
            (Some(c), _) => Ok(Some(c.clone())),
            (None, Some(f)) => Ok(Some(read_text(f)?.trim_end_matches('\n').to_owned())),
            (None, None) => Ok(None),
        }
    }
}

fn read_text(file: &str) -> Result<String> {
    if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("reading stdin")?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {file}"))
    }
}

/// A URL or a local file (made absolute, so a scheduled post still finds it later).
pub fn source(s: &str) -> Result<MediaSource> {
    if s.starts_with("http://") || s.starts_with("https://") {
        return Ok(MediaSource::Url(s.to_owned()));
    }
    let path = std::path::Path::new(s);
    let abs = std::fs::canonicalize(path).map_err(|e| Refused(format!("media file {s}: {e}")))?;
    if !abs.is_file() {
        return Err(Refused(format!("media file {s}: not a regular file")).into());
    }
    Ok(MediaSource::File(abs))
}

fn looks_like_video(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or("");
    [".mp4", ".mov", ".m4v", ".qt"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

fn parse_point(what: &str, s: &str) -> Result<(String, Option<(f64, f64)>)> {
    let Some((name, point)) = s.rsplit_once(':') else {
        return Ok((s.to_owned(), None));
    };
    let (x, y) = point
        .split_once(',')
        .ok_or_else(|| Refused(format!("{what} `{s}`: expected NAME:X,Y")))?;
    let num = |v: &str| {
        v.trim().parse::<f64>().map_err(|_| {
            Refused(format!(
                "{what} `{s}`: `{v}` is not a number between 0 and 1"
            ))
        })
    };
    Ok((name.to_owned(), Some((num(x)?, num(y)?))))
}

fn user_tag(s: &str) -> Result<UserTag> {
    Ok(match parse_point("--user-tag", s)? {
        (name, Some((x, y))) => UserTag::at(name, x, y),
        (name, None) => UserTag::username(name),
    })
}

impl PostCommand {
    /// The post as the client's spec (validated later, before anything is sent).
    pub fn to_spec(&self) -> Result<PostSpec> {
        Ok(match self {
            PostCommand::Photo(a) => PostSpec::Photo(PhotoPost {
                image: source(&a.image)?,
                caption: a.common.caption()?,
                alt_text: a.alt_text.clone(),
                location_id: a.common.location_id.clone(),
                user_tags: a
                    .user_tags
                    .iter()
                    .map(|t| user_tag(t))
                    .collect::<Result<_>>()?,
                collaborators: a.common.collaborators.clone(),
                product_tags: a
                    .product_tags
                    .iter()
                    .map(|t| {
                        let (id, point) = parse_point("--product-tag", t)?;
                        Ok(ProductTag {
                            product_id: id,
                            x: point.map(|p| p.0),
                            y: point.map(|p| p.1),
                        })
                    })
                    .collect::<Result<_>>()?,
            }),
            PostCommand::Reel(a) => PostSpec::Reel(ReelPost {
                video: source(&a.video)?,
                caption: a.common.caption()?,
                cover_url: a.cover_url.clone(),
                thumb_offset_ms: a.thumb_offset,
                share_to_feed: a.share_to_feed,
                audio_name: a.audio_name.clone(),
                location_id: a.common.location_id.clone(),
                user_tags: a.user_tags.iter().map(UserTag::username).collect(),
                collaborators: a.common.collaborators.clone(),
                trial_params: a.trial.as_ref().map(|s| TrialParams {
                    graduation_strategy: s.clone(),
                    extra: serde_json::Map::new(),
                }),
            }),
            PostCommand::Story(a) => PostSpec::Story(StoryPost {
                media: source(&a.media)?,
                kind: if a.video || (!a.image && looks_like_video(&a.media)) {
                    StoryKind::Video
                } else {
                    StoryKind::Image
                },
                user_tags: a
                    .user_tags
                    .iter()
                    .map(|t| user_tag(t))
                    .collect::<Result<_>>()?,
            }),
            PostCommand::Carousel(a) => {
                let mut items = a
                    .items
                    .iter()
                    .map(|raw| {
                        let (kind, s) = if let Some(rest) = raw.strip_prefix("video:") {
                            (ItemKind::Video, rest)
                        } else if let Some(rest) = raw.strip_prefix("image:") {
                            (ItemKind::Image, rest)
                        } else if looks_like_video(raw) {
                            (ItemKind::Video, raw.as_str())
                        } else {
                            (ItemKind::Image, raw.as_str())
                        };
                        Ok(CarouselItem {
                            kind,
                            media: source(s)?,
                            user_tags: Vec::new(),
                            alt_text: None,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let index = |n: &str, flag: &str, all: &str| -> Result<usize> {
                    let i: usize = n.parse().map_err(|_| {
                        Refused(format!("{flag} `{all}`: `{n}` is not an item number"))
                    })?;
                    if i == 0 || i > items.len() {
                        return Err(Refused(format!(
                            "{flag} `{all}`: there is no item {i} (items are numbered 1 to {})",
                            items.len()
                        ))
                        .into());
                    }
                    Ok(i - 1)
                };
                let mut alts = Vec::new();
                for t in &a.alt_texts {
                    let (n, text) = t
                        .split_once('=')
                        .ok_or_else(|| Refused(format!("--alt-text `{t}`: expected N=TEXT")))?;
                    alts.push((index(n, "--alt-text", t)?, text.to_owned()));
                }
                let mut tags = Vec::new();
                for t in &a.user_tags {
                    let (n, rest) = t.split_once(':').ok_or_else(|| {
                        Refused(format!("--user-tag `{t}`: expected N:USERNAME:X,Y"))
                    })?;
                    tags.push((index(n, "--user-tag", t)?, user_tag(rest)?));
                }
                for (i, text) in alts {
                    items[i].alt_text = Some(text);
                }
                for (i, tag) in tags {
                    items[i].user_tags.push(tag);
                }
                PostSpec::Carousel(CarouselPost {
                    items,
                    caption: a.common.caption()?,
                    location_id: a.common.location_id.clone(),
                    collaborators: a.common.collaborators.clone(),
                })
            }
            PostCommand::Spec(a) => {
                let text = read_text(&a.file)?;
                PostSpec::from_json(&text).map_err(|e| Refused(e.to_string()))?
            }
        })
    }
}
