//! IG Hashtags (`ShadowIGHashtag`), business discovery and mentions envelopes.

use crate::ids::HashtagId;
use crate::models::{Comment, Media, UserProfile};
use crate::paging::Page;
use serde::{Deserialize, Serialize};

/// A hashtag: a global, static id and its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hashtag {
    /// The hashtag id (the same for every app and user, forever).
    pub id: HashtagId,
    /// The name without `#` (`ig_hashtag_search` leaves it out of some answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Another business or creator account as business discovery returns it: its public profile
/// and, when asked for, a page of its media.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscoveredAccount {
    /// The public profile (`id` is the account's IG user id).
    #[serde(flatten)]
    pub profile: UserProfile,
    /// A page of its media (cursors in `paging.cursors`; page with `media.after(cursor)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Page<Media>>,
}

/// `GET /{ig-user-id}?fields=business_discovery.username(x){...}`: the answer's envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BusinessDiscoveryResponse {
    /// The account found.
    pub business_discovery: DiscoveredAccount,
    /// The id of the account that asked.
    #[serde(default, deserialize_with = "crate::ids::string_or_number")]
    pub id: String,
}

/// `GET /{ig-user-id}?fields=mentioned_media.media_id(x){...}`: the answer's envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MentionedMediaResponse {
    /// The media whose caption mentions the account.
    pub mentioned_media: Media,
    /// The id of the account that asked.
    #[serde(default, deserialize_with = "crate::ids::string_or_number")]
    pub id: String,
}

/// `GET /{ig-user-id}?fields=mentioned_comment.comment_id(x){...}`: the answer's envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MentionedCommentResponse {
    /// The comment that mentions the account.
    pub mentioned_comment: Comment,
    /// The id of the account that asked.
    #[serde(default, deserialize_with = "crate::ids::string_or_number")]
    pub id: String,
}
