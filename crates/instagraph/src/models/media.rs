//! IG Media (`IGMedia`, `IGMediaForIGOnlyAPI`): feed posts, reels, carousels and their children,
//! stories, live broadcasts, and the shopping product tags on them.

use crate::ids::MediaId;
use crate::models::Comment;
use crate::paging::Page;
use serde::{Deserialize, Serialize};

/// A reference to another node (`owner{id}`, `user{id}`, `media{id}`): its id, the few fields
/// that commonly ride along, and anything else as sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeRef {
    /// The node id.
    #[serde(default, deserialize_with = "crate::ids::string_or_number")]
    pub id: String,
    /// Handle (owners, comment authors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `FEED`, `REELS`, `STORY`, ... (a comment's `media` in webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_product_type: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `boost_eligibility_info` (`IGMediaBoostEligibilityInfo`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BoostEligibility {
    /// Whether the media can be boosted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible_to_boost: Option<bool>,
    /// Why not, when it cannot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boost_ineligible_reason: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// An IG Media object, as either family returns it. Every field is optional because the platform
/// returns only what was asked for (and omits `media_url` for flagged content, `like_count` when
/// the owner hides likes, `owner` for media of other accounts).
///
/// A reel reads back as `media_type = VIDEO` with `media_product_type = REELS` (it is published
/// with `media_type = REELS`); a story has `media_product_type = STORY`; a live broadcast
/// `media_type = BROADCAST`, `media_product_type = LIVE`. `timestamp` keeps the platform's form
/// (`2021-08-13T08:25:28+0000`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Media {
    /// The media id.
    pub id: MediaId,
    /// `IMAGE`, `VIDEO`, `CAROUSEL_ALBUM` (live: `BROADCAST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// `FEED`, `REELS`, `STORY`, `AD` (live: `LIVE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_product_type: Option<String>,
    /// Caption (absent when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Alternative text (images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    /// Publication time, `YYYY-MM-DDTHH:MM:SS+0000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Permanent URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// Shortcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcode: Option<String>,
    /// Media URL (absent for copyrighted or flagged content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Thumbnail (videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// Likes: the only like figure the platform exposes (absent or 0 when the owner hides likes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub like_count: Option<u64>,
    /// Comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments_count: Option<u64>,
    /// Views (reels and videos; Facebook Login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_count: Option<u64>,
    /// Whether comments are enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_comment_enabled: Option<bool>,
    /// Whether a reel also appears in the feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_shared_to_feed: Option<bool>,
    /// The owner's handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The owner (returned to the owner only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<NodeRef>,
    /// Legacy Instagram id (a number in some responses).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub ig_id: Option<String>,
    /// Legacy Instagram media id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub legacy_instagram_media_id: Option<String>,
    /// Live viewers now (live media).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_live_viewer_count: Option<u64>,
    /// Whether a story has a poll sticker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_poll: Option<bool>,
    /// Whether a story has a slider sticker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_slider: Option<bool>,
    /// Video title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_title: Option<String>,
    /// Whether the media can be boosted (Facebook Login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boost_eligibility_info: Option<BoostEligibility>,
    /// The copyright check of a video (`IGVideoCopyrightCheckMatchesInformation`), as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright_check_information: Option<serde_json::Value>,
    /// Carousel children, when expanded (`children{...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Page<Media>>,
    /// Comments, when expanded (`comments{...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<Page<Comment>>,
    /// Fields not declared here (e.g. `boost_ads_list`), kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Media {
    /// A reel: `media_type = VIDEO` with `media_product_type = REELS`.
    pub fn is_reel(&self) -> bool {
        self.media_product_type.as_deref() == Some("REELS")
    }

    /// A story (`media_product_type = STORY`).
    pub fn is_story(&self) -> bool {
        self.media_product_type.as_deref() == Some("STORY")
    }

    /// A carousel (`CAROUSEL_ALBUM`).
    pub fn is_carousel(&self) -> bool {
        self.media_type.as_deref() == Some("CAROUSEL_ALBUM")
    }

    /// What it is, in one word: `reel`, `story`, `live`, `carousel`, `video`, `image`.
    pub fn kind(&self) -> &'static str {
        match (
            self.media_type.as_deref(),
            self.media_product_type.as_deref(),
        ) {
            (_, Some("REELS")) => "reel",
            (_, Some("STORY")) => "story",
            (Some("BROADCAST"), _) | (_, Some("LIVE")) => "live",
            (Some("CAROUSEL_ALBUM"), _) => "carousel",
            (Some("VIDEO"), _) => "video",
            (Some("IMAGE"), _) => "image",
            _ => "media",
        }
    }
}

/// A shopping product tag on a media (`ShadowIGMediaProductTags`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductTag {
    /// The product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// The merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<u64>,
    /// Product name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Price as displayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_string: Option<String>,
    /// Price without currency decoration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripped_price_string: Option<String>,
    /// Sale price without currency decoration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripped_sale_price_string: Option<String>,
    /// Product image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// `approved`, `rejected`, `pending`, `outdated`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_status: Option<String>,
    /// Whether checkout on Instagram is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_checkout: Option<bool>,
    /// Horizontal position (0–1) on the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    /// Vertical position (0–1) on the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
