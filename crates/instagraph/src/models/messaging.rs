//! Instagram Direct responses: the Send API result, conversations, messages with attachments,
//! the User Profile API and the messenger profile. Every model keeps undeclared fields in
//! `extra`; fields are optional because the platform returns only what was asked for.

use crate::ids::{ConversationId, MessageId};
use crate::paging::Page;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The Send API's answer: `{"recipient_id", "message_id"}` (sender actions return only
/// `recipient_id`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SendResponse {
    /// The recipient's IGSID.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub recipient_id: Option<String>,
    /// The new message's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a send returns to the caller: the platform's ids, when it was sent, and whether the
/// call was signed with `appsecret_proof` (the fields of the n8n node's output).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendResult {
    /// The operation (`send_text`, `send_image`, `typing_on`, `private_reply`, ...).
    pub operation: String,
    /// The recipient's IGSID, as the platform reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<String>,
    /// The message id (absent for sender actions and reactions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// When the platform accepted it, RFC 3339 UTC (client clock).
    pub sent_at: String,
    /// The same instant in unix milliseconds.
    pub sent_at_ms: i64,
    /// Whether the call carried `appsecret_proof`.
    pub appsecret_proof_used: bool,
}

/// A person in a conversation: `{username, id, user_id?}` (`id` is the IGSID for users and the
/// IG account id for the business).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// IGSID (users) or IG account id (the business).
    #[serde(default, deserialize_with = "string_or_number_default")]
    pub id: String,
    /// Username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The IG user id, when given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub user_id: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn string_or_number_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(super::opt_string_or_number(d)?.unwrap_or_default())
}

/// A conversation (`UnifiedThread`): from the list (`id`, `updated_time`) or the node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The thread id.
    pub id: ConversationId,
    /// Last activity, `2026-01-01T00:00:00+0000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_time: Option<String>,
    /// The user and the business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Page<Participant>>,
    /// The first page of messages (ids and `created_time`), newest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Page<MessageDetails>>,
    /// Number of messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_count: Option<u64>,
    /// Unread messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_count: Option<u64>,
    /// Whether a reply is possible now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_reply: Option<bool>,
    /// Folder (`inbox`, `other`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// The last message's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Conversation {
    /// The participant that is not `account_id` (the IGSID side of the thread).
    pub fn other_participant(&self, account_id: &str) -> Option<&Participant> {
        self.participants
            .as_ref()?
            .data
            .iter()
            .find(|p| p.id != account_id && p.user_id.as_deref() != Some(account_id))
    }
}

/// Media data of an attachment (`image_data`, `video_data`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttachmentMedia {
    /// CDN URL (it expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Preview URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u64>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An attachment of a message (`attachments{...}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageAttachment {
    /// Attachment id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub id: Option<String>,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Image data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_data: Option<AttachmentMedia>,
    /// Video data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_data: Option<AttachmentMedia>,
    /// Audio and files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// A generic template as the platform reports it (`title, subtitle, media_url, cta`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generic_template: Option<Value>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessageAttachment {
    /// The URL of whatever the attachment carries (image, video or file).
    pub fn url(&self) -> Option<&str> {
        self.image_data
            .as_ref()
            .and_then(|d| d.url.as_deref())
            .or_else(|| self.video_data.as_ref().and_then(|d| d.url.as_deref()))
            .or(self.file_url.as_deref())
    }
}

/// A reaction on a message with the users who reacted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageReaction {
    /// The reaction (`love`, ...).
    #[serde(default)]
    pub reaction: String,
    /// The emoji, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Who reacted.
    #[serde(default)]
    pub users: Vec<Participant>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A direct message (`GET /{message-id}` or an item of `/{conversation-id}/messages`). Only
/// the 20 most recent messages of a conversation can be read in detail; older ones come with
/// `id` and `created_time` only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageDetails {
    /// The mid.
    pub id: MessageId,
    /// `2026-01-01T00:00:00+0000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    /// The sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Participant>,
    /// The recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Page<Participant>>,
    /// The text (empty for attachment-only messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Page<MessageAttachment>>,
    /// Reactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Page<MessageReaction>>,
    /// Shared posts and products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Page<Value>>,
    /// Story replies and mentions (`reply_to`/`mention` with `link` and `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<Value>,
    /// Whether the content is unsupported by the API (a boolean, or the string `"true"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_unsupported: Option<Value>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessageDetails {
    /// Whether the platform flagged the content as unsupported (either encoding).
    pub fn is_unsupported(&self) -> bool {
        match &self.is_unsupported {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }
}

/// A user as the User Profile API returns it for an IGSID. Fields appear only where the
/// platform gives them (a user may have no name; counts need consent).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessagingUserProfile {
    /// The IGSID.
    #[serde(default, deserialize_with = "string_or_number_default")]
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Profile picture URL (it expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_pic: Option<String>,
    /// Followers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follower_count: Option<u64>,
    /// Whether the user follows the business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_user_follow_business: Option<bool>,
    /// Whether the business follows the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_business_follow_user: Option<bool>,
    /// Verified badge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified_user: Option<bool>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The fields the User Profile API is asked for by default.
pub const MESSAGING_PROFILE_FIELDS: &str = "name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user,is_verified_user";
