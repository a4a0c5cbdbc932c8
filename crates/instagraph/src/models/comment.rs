//! IG Comments (`IGComment`) and replies, plus the `{"success": true}` and `{"id": ...}` answers
//! of moderation and writes.

use crate::ids::CommentId;
use crate::models::NodeRef;
use crate::paging::Page;
use serde::{Deserialize, Serialize};

/// The author of a comment (`from`, `IGCommentFromUser`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CommentAuthor {
    /// The author's Instagram-scoped id (or IG user id for professional accounts).
    #[serde(default, deserialize_with = "crate::ids::string_or_number")]
    pub id: String,
    /// Handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The author's id as scoped to the app's own account, when the platform gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_ig_scoped_id: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A comment or a reply. Replies have `parent_id`; threads are one level deep.
///
/// `user` is only returned for comments the account itself made (or when permitted); use
/// `from`/`username` otherwise. Hidden comments stay readable by the owner with `hidden: true`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// The comment id.
    pub id: CommentId,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When it was written, `YYYY-MM-DDTHH:MM:SS+0000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The author's handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<CommentAuthor>,
    /// The author as an IG user (own comments only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<NodeRef>,
    /// Likes on the comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub like_count: Option<u64>,
    /// Whether the owner hid it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// The media it is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<NodeRef>,
    /// The comment it replies to (replies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<CommentId>,
    /// Legacy Instagram comment id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub legacy_instagram_comment_id: Option<String>,
    /// Replies, when expanded (`replies{...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<Page<Comment>>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `{"id": "..."}`: what creating a comment, a reply or a mention reply returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Created {
    /// The new object's id.
    #[serde(deserialize_with = "crate::ids::string_or_number")]
    pub id: String,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `{"success": true}`: what hide, unhide, delete and enabling comments return.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Success {
    /// Whether the platform applied the change.
    #[serde(default)]
    pub success: bool,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
