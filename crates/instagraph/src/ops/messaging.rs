//! Instagram Direct: the Send API (text, attachments, stickers, shares, button and generic
//! templates, quick replies, sender actions, reactions, private replies, the `HUMAN_AGENT` tag),
//! reusable attachments, conversations, messages and the User Profile API, for both login
//! families.
//!
//! **Which node.** Instagram Login talks to `/{ig-user-id}/…` or `/me/…` on
//! graph.instagram.com with the Instagram user token. Facebook Login ("Messenger API for
//! Instagram") goes through the Facebook Page linked to the Instagram account, with the **Page**
//! access token: `/me/…` on graph.facebook.com, where `me` is the Page. A client built with a
//! Facebook *user* token gets a Page-token client from [`Client::page_client`]; calls made with a
//! user token answer code 210.
//!
//! **Limits.** Every documented limit is checked before the network and reported as
//! [`Error::InvalidInput`] naming the field, the limit and the value: text 1000 characters,
//! button template text 640 and 1–3 buttons, button titles 20, payloads 1000, generic template
//! 1–10 elements with titles and subtitles of 80 and up to 3 buttons each, 1–13 quick replies
//! with titles of 20, HTTPS URLs, attachment formats by extension and sizes when known
//! (image 8 MiB, audio and video 25 MiB).
//!
//! **Windows.** Replies are allowed within 24 hours of the user's last message; with
//! [`SendOptions::human_agent`] (only for messages a person writes) within 7 days. Outside them
//! the platform answers code 10 / subcode 2534022, classified
//! [`crate::ErrorClass::MessagingWindow`], never retried, with the fix explained; so are 551
//! (the user cannot receive), 2534025 (the comment's one private reply is used) and 2534014.
//! [`messaging_window`] tells the state in advance from the time of the user's last message.
//!
//! **Pacing.** Sends count against the hourly [`OperationClass::Messaging`] budget (200 per hour
//! per account by default) and are paced per second ([`OperationClass::SendText`] 300/s,
//! [`OperationClass::SendMedia`] 10/s for audio and video); Conversations API reads are paced at
//! [`OperationClass::Conversations`] 2/s; private replies count against
//! [`OperationClass::PrivateReplies`] (750 per hour). All are configurable in
//! [`crate::ratelimit::BudgetConfig`]; a bulk send waits for slots instead of failing.

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::Error;
use crate::ids::{AttachmentId, CommentId, ConversationId, Igsid, MediaId, MessageId};
use crate::models::messaging::MESSAGING_PROFILE_FIELDS;
use crate::models::{
    Conversation, MessageDetails, MessagingUserProfile, PageAccount, SendResponse, SendResult,
};
use crate::paging::Page;
use crate::ratelimit::OperationClass;
use futures_util::{Stream, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Text messages: at most this many characters.
pub const MAX_TEXT_CHARS: usize = 1000;
/// Button template text: at most this many characters.
pub const MAX_BUTTON_TEXT_CHARS: usize = 640;
/// Buttons per button template or generic element.
pub const MAX_BUTTONS: usize = 3;
/// Button and quick-reply titles: at most this many characters.
pub const MAX_BUTTON_TITLE_CHARS: usize = 20;
/// Postback and quick-reply payloads: at most this many characters.
pub const MAX_PAYLOAD_CHARS: usize = 1000;
/// Elements (cards) of a generic template.
pub const MAX_ELEMENTS: usize = 10;
/// Generic element titles and subtitles: at most this many characters.
pub const MAX_ELEMENT_TEXT_CHARS: usize = 80;
/// Quick replies per message.
pub const MAX_QUICK_REPLIES: usize = 13;
/// Images sent by URL: at most 8 MiB.
pub const MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;
/// Audio and video sent by URL: at most 25 MiB.
pub const MAX_AV_BYTES: u64 = 25 * 1024 * 1024;
/// The standard messaging window.
pub const STANDARD_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// The `HUMAN_AGENT` window.
pub const HUMAN_AGENT_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long IGSID profiles stay cached by default.
pub const DEFAULT_PROFILE_TTL: Duration = Duration::from_secs(3600);
/// Most profiles kept in the cache (the oldest are dropped beyond it).
pub const MAX_CACHED_PROFILES: usize = 10_000;

// ---- checks -----------------------------------------------------------------------------------

fn check_chars(field: &str, value: &str, max: usize) -> Result<(), Error> {
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(Error::invalid_input(
            field,
            format!("1 to {max} characters"),
            value,
        ));
    }
    Ok(())
}

fn check_optional_chars(field: &str, value: Option<&str>, max: usize) -> Result<(), Error> {
    match value {
        Some(v) if v.chars().count() > max => Err(Error::invalid_input(
            field,
            format!("at most {max} characters"),
            v,
        )),
        _ => Ok(()),
    }
}

fn check_count(field: &str, n: usize, min: usize, max: usize, what: &str) -> Result<(), Error> {
    if n < min || n > max {
        return Err(Error::invalid_input(
            field,
            format!("{min} to {max} {what}"),
            format!("{n} {what}"),
        ));
    }
    Ok(())
}

/// Checks that `url` is an absolute `https://` URL with a host.
pub fn check_https(field: &str, url: &str) -> Result<(), Error> {
    let host = url
        .strip_prefix("https://")
        .map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = host.is_some_and(|h| !h.is_empty())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(field, "a public https:// URL", url))
    }
}

/// Refuses an id that is not an Instagram-scoped user id: not all digits, or an IG professional
/// account id (17 digits starting `17841`), which can never receive a DM.
pub fn check_igsid(id: &Igsid) -> Result<(), Error> {
    let s = id.as_str();
    Igsid::parse(s)?;
    if s.len() == 17 && s.starts_with("17841") {
        return Err(Error::invalid_input(
            "recipient",
            "an Instagram-scoped user id (IGSID) from a webhook or a conversation, not an IG professional account id (17841…)",
            s,
        ));
    }
    Ok(())
}

/// Checks a reaction: `love` (the one the Send API documents) or an emoji.
pub fn check_reaction(reaction: &str) -> Result<(), Error> {
    let r = reaction.trim();
    let valid = r == "love" || (!r.is_empty() && !r.is_ascii() && r.chars().count() <= 8);
    if valid {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "reaction",
            "love or an emoji such as \u{2764}\u{fe0f}",
            reaction,
        ))
    }
}

/// Checks the text of a private reply (1 to 1000 characters).
pub fn check_private_reply(comment: &CommentId, text: &str) -> Result<(), Error> {
    CommentId::parse(comment.as_str())?;
    check_chars("text", text, MAX_TEXT_CHARS)
}

// ---- what to send -------------------------------------------------------------------------------

/// The kind of a media attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// JPG, PNG or GIF, up to 8 MiB.
    Image,
    /// MP3, WAV, M4A or AAC, up to 25 MiB.
    Audio,
    /// MP4 or MOV, up to 25 MiB.
    Video,
}

impl MediaKind {
    /// The Send API's `attachment.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }

    /// The largest file the platform accepts.
    pub fn max_bytes(self) -> u64 {
        match self {
            MediaKind::Image => MAX_IMAGE_BYTES,
            MediaKind::Audio | MediaKind::Video => MAX_AV_BYTES,
        }
    }

    /// Accepted file extensions (checked when the URL has one).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaKind::Image => &["jpg", "jpeg", "png", "gif"],
            MediaKind::Audio => &["mp3", "wav", "m4a", "aac"],
            MediaKind::Video => &["mp4", "mov"],
        }
    }

    fn pace(self) -> OperationClass {
        match self {
            MediaKind::Image => OperationClass::SendText,
            MediaKind::Audio | MediaKind::Video => OperationClass::SendMedia,
        }
    }
}

/// Where a media attachment comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaSource {
    /// A public HTTPS URL the platform fetches; `is_reusable` asks for an attachment id back
    /// (reusable by [`MediaSource::AttachmentId`] later).
    Url {
        /// The URL.
        url: String,
        /// Keep the upload for reuse.
        is_reusable: bool,
    },
    /// An attachment uploaded earlier with `is_reusable` (see [`Client::upload_attachment`]).
    AttachmentId(AttachmentId),
}

/// An image, audio or video attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaAttachment {
    /// What it is.
    pub kind: MediaKind,
    /// Where it comes from.
    pub source: MediaSource,
    /// Its size in bytes, when the caller knows it (checked against the kind's limit).
    pub size_bytes: Option<u64>,
}

impl MediaAttachment {
    /// An attachment by URL.
    pub fn url(kind: MediaKind, url: impl Into<String>) -> Self {
        Self {
            kind,
            source: MediaSource::Url {
                url: url.into(),
                is_reusable: false,
            },
            size_bytes: None,
        }
    }

    /// A previously uploaded attachment.
    pub fn by_id(kind: MediaKind, id: AttachmentId) -> Self {
        Self {
            kind,
            source: MediaSource::AttachmentId(id),
            size_bytes: None,
        }
    }

    /// Asks the platform to keep the upload for reuse.
    pub fn reusable(mut self, yes: bool) -> Self {
        if let MediaSource::Url { is_reusable, .. } = &mut self.source {
            *is_reusable = yes;
        }
        self
    }

    /// Declares the file's size so that it is checked before the network.
    pub fn size(mut self, bytes: u64) -> Self {
        self.size_bytes = Some(bytes);
        self
    }

    /// Checks URL, format and size.
    pub fn validate(&self) -> Result<(), Error> {
        let field = format!("{}_url", self.kind.as_str());
        match &self.source {
            MediaSource::Url { url, .. } => {
                check_https(&field, url)?;
                let path = url.split(['?', '#']).next().unwrap_or("");
                let last = path.rsplit('/').next().unwrap_or("");
                if let Some((_, ext)) = last.rsplit_once('.') {
                    let ext = ext.to_ascii_lowercase();
                    if !self.kind.extensions().contains(&ext.as_str()) {
                        return Err(Error::invalid_input(
                            field,
                            format!(
                                "a URL of a {} file",
                                self.kind.extensions().join(", ").to_ascii_uppercase()
                            ),
                            url,
                        ));
                    }
                }
            }
            MediaSource::AttachmentId(id) => {
                AttachmentId::parse(id.as_str())?;
            }
        }
        if let Some(n) = self.size_bytes {
            let max = self.kind.max_bytes();
            if n == 0 || n > max {
                return Err(Error::invalid_input(
                    "size",
                    format!(
                        "1 to {max} bytes ({} MiB) for {}",
                        max / (1024 * 1024),
                        self.kind.as_str()
                    ),
                    format!("{n} bytes"),
                ));
            }
        }
        Ok(())
    }

    fn to_json(&self) -> Value {
        let payload = match &self.source {
            MediaSource::Url { url, is_reusable } => {
                let mut p = json!({ "url": url });
                if *is_reusable {
                    p["is_reusable"] = json!(true);
                }
                p
            }
            MediaSource::AttachmentId(id) => json!({ "attachment_id": id.as_str() }),
        };
        json!({ "attachment": { "type": self.kind.as_str(), "payload": payload } })
    }
}

/// A template button: opens a URL, or sends a postback with a payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Button {
    /// Opens `url` (HTTPS).
    WebUrl {
        /// Up to 20 characters.
        title: String,
        /// The URL.
        url: String,
    },
    /// Sends a `messaging_postbacks` event with `payload`.
    Postback {
        /// Up to 20 characters.
        title: String,
        /// Up to 1000 characters.
        payload: String,
    },
}

impl Button {
    /// Checks title, URL and payload; `field` prefixes the names in errors.
    pub fn validate(&self, field: &str) -> Result<(), Error> {
        match self {
            Button::WebUrl { title, url } => {
                check_chars(&format!("{field}.title"), title, MAX_BUTTON_TITLE_CHARS)?;
                check_https(&format!("{field}.url"), url)
            }
            Button::Postback { title, payload } => {
                check_chars(&format!("{field}.title"), title, MAX_BUTTON_TITLE_CHARS)?;
                check_chars(&format!("{field}.payload"), payload, MAX_PAYLOAD_CHARS)
            }
        }
    }
}

fn check_buttons(field: &str, buttons: &[Button], min: usize) -> Result<(), Error> {
    check_count(field, buttons.len(), min, MAX_BUTTONS, "buttons")?;
    for (i, b) in buttons.iter().enumerate() {
        b.validate(&format!("{field}[{i}]"))?;
    }
    Ok(())
}

/// A button template: text with 1–3 buttons. Files may use the n8n names (`messageText`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ButtonTemplate {
    /// Up to 640 characters.
    #[serde(alias = "messageText")]
    pub text: String,
    /// 1 to 3 buttons.
    pub buttons: Vec<Button>,
}

impl ButtonTemplate {
    /// Checks every limit.
    pub fn validate(&self) -> Result<(), Error> {
        check_chars("text", &self.text, MAX_BUTTON_TEXT_CHARS)?;
        check_buttons("buttons", &self.buttons, 1)
    }
}

fn web_url() -> String {
    "web_url".to_owned()
}

/// What tapping a generic element opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct DefaultAction {
    /// Always `web_url`.
    #[serde(rename = "type", default = "web_url")]
    pub kind: String,
    /// The URL (HTTPS).
    pub url: String,
}

/// One card of a generic template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GenericElement {
    /// Up to 80 characters.
    pub title: String,
    /// Up to 80 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// The card's image (HTTPS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// What tapping the card opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_action: Option<DefaultAction>,
    /// Up to 3 buttons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
}

/// A generic template: a carousel of 1–10 cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GenericTemplate {
    /// The cards.
    pub elements: Vec<GenericElement>,
}

impl GenericTemplate {
    /// Checks every limit.
    pub fn validate(&self) -> Result<(), Error> {
        check_count("elements", self.elements.len(), 1, MAX_ELEMENTS, "elements")?;
        for (i, e) in self.elements.iter().enumerate() {
            let f = format!("elements[{i}]");
            check_chars(&format!("{f}.title"), &e.title, MAX_ELEMENT_TEXT_CHARS)?;
            check_optional_chars(
                &format!("{f}.subtitle"),
                e.subtitle.as_deref(),
                MAX_ELEMENT_TEXT_CHARS,
            )?;
            if let Some(u) = &e.image_url {
                check_https(&format!("{f}.image_url"), u)?;
            }
            if let Some(d) = &e.default_action {
                if d.kind != "web_url" {
                    return Err(Error::invalid_input(
                        format!("{f}.default_action.type"),
                        "web_url",
                        &d.kind,
                    ));
                }
                check_https(&format!("{f}.default_action.url"), &d.url)?;
            }
            check_buttons(&format!("{f}.buttons"), &e.buttons, 0)?;
        }
        Ok(())
    }
}

fn text_type() -> String {
    "text".to_owned()
}

/// A quick reply option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct QuickReply {
    /// `text`, the only type on Instagram.
    #[serde(default = "text_type")]
    pub content_type: String,
    /// Up to 20 characters.
    pub title: String,
    /// Up to 1000 characters; comes back in the webhook's `quick_reply.payload`.
    pub payload: String,
    /// An optional icon (HTTPS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// A text with quick replies. Files may use the n8n names (`messageText`, `quickReplies`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct QuickReplies {
    /// Up to 1000 characters.
    #[serde(alias = "messageText")]
    pub text: String,
    /// 1 to 13 options.
    #[serde(alias = "quickReplies")]
    pub quick_replies: Vec<QuickReply>,
}

impl QuickReplies {
    /// Checks every limit.
    pub fn validate(&self) -> Result<(), Error> {
        check_chars("text", &self.text, MAX_TEXT_CHARS)?;
        check_count(
            "quick_replies",
            self.quick_replies.len(),
            1,
            MAX_QUICK_REPLIES,
            "quick replies",
        )?;
        for (i, q) in self.quick_replies.iter().enumerate() {
            let f = format!("quick_replies[{i}]");
            if q.content_type != "text" {
                return Err(Error::invalid_input(
                    format!("{f}.content_type"),
                    "text (the only quick reply type on Instagram)",
                    &q.content_type,
                ));
            }
            check_chars(&format!("{f}.title"), &q.title, MAX_BUTTON_TITLE_CHARS)?;
            check_chars(&format!("{f}.payload"), &q.payload, MAX_PAYLOAD_CHARS)?;
            if let Some(u) = &q.image_url {
                check_https(&format!("{f}.image_url"), u)?;
            }
        }
        Ok(())
    }
}

/// A message for the Send API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutgoingMessage {
    /// Text (links included), up to 1000 characters.
    Text(String),
    /// Text with quick replies.
    QuickReplies(QuickReplies),
    /// An image, audio or video.
    Media(MediaAttachment),
    /// The heart sticker.
    LikeHeart,
    /// A published post of the sending account.
    MediaShare(MediaId),
    /// A button template.
    Buttons(ButtonTemplate),
    /// A generic template.
    Generic(GenericTemplate),
}

impl OutgoingMessage {
    /// Checks every limit before the network.
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            OutgoingMessage::Text(t) => check_chars("text", t, MAX_TEXT_CHARS),
            OutgoingMessage::QuickReplies(q) => q.validate(),
            OutgoingMessage::Media(m) => m.validate(),
            OutgoingMessage::LikeHeart => Ok(()),
            OutgoingMessage::MediaShare(id) => MediaId::parse(id.as_str()).map(|_| ()),
            OutgoingMessage::Buttons(b) => b.validate(),
            OutgoingMessage::Generic(g) => g.validate(),
        }
    }

    /// The Send API's `message` object.
    pub fn to_json(&self) -> Value {
        match self {
            OutgoingMessage::Text(t) => json!({ "text": t }),
            OutgoingMessage::QuickReplies(q) => {
                json!({ "text": q.text, "quick_replies": q.quick_replies })
            }
            OutgoingMessage::Media(m) => m.to_json(),
            OutgoingMessage::LikeHeart => json!({ "attachment": { "type": "like_heart" } }),
            OutgoingMessage::MediaShare(id) => {
                json!({ "attachment": { "type": "MEDIA_SHARE", "payload": { "id": id.as_str() } } })
            }
            OutgoingMessage::Buttons(b) => json!({ "attachment": { "type": "template", "payload": {
                "template_type": "button", "text": b.text, "buttons": b.buttons } } }),
            OutgoingMessage::Generic(g) => json!({ "attachment": { "type": "template", "payload": {
                "template_type": "generic", "elements": g.elements } } }),
        }
    }

    /// A short name of the operation (`send_text`, `send_image`, ...).
    pub fn operation(&self) -> &'static str {
        match self {
            OutgoingMessage::Text(_) => "send_text",
            OutgoingMessage::QuickReplies(_) => "send_quick_replies",
            OutgoingMessage::Media(m) => match m.kind {
                MediaKind::Image => "send_image",
                MediaKind::Audio => "send_audio",
                MediaKind::Video => "send_video",
            },
            OutgoingMessage::LikeHeart => "send_like_heart",
            OutgoingMessage::MediaShare(_) => "share_post",
            OutgoingMessage::Buttons(_) => "send_button_template",
            OutgoingMessage::Generic(_) => "send_generic_template",
        }
    }

    /// The per-second pacing class.
    pub fn pace(&self) -> OperationClass {
        match self {
            OutgoingMessage::Media(m) => m.kind.pace(),
            _ => OperationClass::SendText,
        }
    }
}

/// Options of a send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Reply to this message (it must be in the conversation).
    pub reply_to: Option<MessageId>,
    /// Send with the `HUMAN_AGENT` tag: allowed up to 7 days after the user's last message, and
    /// **only** for messages a person writes (the app needs the Human Agent feature).
    pub human_agent: bool,
}

/// Typing indicators and read receipts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SenderAction {
    /// Show "typing…" (expires after about 20 seconds or with the next message).
    TypingOn,
    /// Hide it.
    TypingOff,
    /// Mark the user's messages as seen.
    MarkSeen,
}

impl SenderAction {
    /// The Send API's `sender_action`.
    pub fn as_str(self) -> &'static str {
        match self {
            SenderAction::TypingOn => "typing_on",
            SenderAction::TypingOff => "typing_off",
            SenderAction::MarkSeen => "mark_seen",
        }
    }
}

/// Where a conversation stands, given the time of the user's last message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessagingWindow {
    /// Any message may be sent until `closes_at_ms`.
    Standard {
        /// End of the 24-hour window (unix ms).
        closes_at_ms: i64,
    },
    /// Only human-agent replies ([`SendOptions::human_agent`]) until `closes_at_ms`.
    HumanAgentOnly {
        /// End of the 7-day window (unix ms).
        closes_at_ms: i64,
    },
    /// Nothing may be sent until the user writes again.
    Closed,
}

/// The window state at `now_ms` for a user whose last message was at `last_user_message_ms`.
pub fn messaging_window(last_user_message_ms: i64, now_ms: i64) -> MessagingWindow {
    let std_end = last_user_message_ms.saturating_add(STANDARD_WINDOW.as_millis() as i64);
    let human_end = last_user_message_ms.saturating_add(HUMAN_AGENT_WINDOW.as_millis() as i64);
    if now_ms < std_end {
        MessagingWindow::Standard {
            closes_at_ms: std_end,
        }
    } else if now_ms < human_end {
        MessagingWindow::HumanAgentOnly {
            closes_at_ms: human_end,
        }
    } else {
        MessagingWindow::Closed
    }
}

/// Filters and fields of a conversations list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationQuery {
    /// Only the conversation with this user.
    pub user_id: Option<Igsid>,
    /// Fields (default [`DEFAULT_CONVERSATION_LIST_FIELDS`]).
    pub fields: Option<String>,
    /// Page size (1–100).
    pub limit: Option<u32>,
}

/// Fields of a conversations list by default.
pub const DEFAULT_CONVERSATION_LIST_FIELDS: &str = "id,updated_time,participants";
/// Fields of one conversation by default.
pub const DEFAULT_CONVERSATION_FIELDS: &str =
    "id,updated_time,participants,message_count,unread_count,can_reply,snippet";
/// Fields of a conversation's messages by default.
pub const DEFAULT_MESSAGE_LIST_FIELDS: &str = "id,created_time,from,to,message";
/// Fields of one message by default.
pub const DEFAULT_MESSAGE_FIELDS: &str =
    "id,created_time,from,to,message,attachments,reactions,shares,story,is_unsupported";

fn check_limit(limit: Option<u32>) -> Result<(), Error> {
    match limit {
        Some(n) if n == 0 || n > 100 => {
            Err(Error::invalid_input("limit", "1 to 100", n.to_string()))
        }
        _ => Ok(()),
    }
}

fn check_fields(fields: &str) -> Result<(), Error> {
    let ok = !fields.trim().is_empty()
        && fields.len() <= 2000
        && fields
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_,.{}() ".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "fields",
            "a comma-separated field list such as id,created_time,message",
            fields,
        ))
    }
}

// ---- the profile cache ------------------------------------------------------------------------

/// IGSID profiles with the time they were fetched; entries older than the TTL are refetched.
#[derive(Debug)]
pub(crate) struct ProfileCache {
    ttl_ms: i64,
    entries: Mutex<HashMap<String, (i64, MessagingUserProfile)>>,
}

impl ProfileCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl_ms: i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (i64, MessagingUserProfile)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn get(&self, igsid: &str, now_ms: i64) -> Option<MessagingUserProfile> {
        let mut map = self.lock();
        match map.get(igsid) {
            Some((at, p)) if now_ms.saturating_sub(*at) < self.ttl_ms => Some(p.clone()),
            Some(_) => {
                map.remove(igsid);
                None
            }
            None => None,
        }
    }

    pub(crate) fn put(&self, igsid: &str, now_ms: i64, profile: MessagingUserProfile) {
        if self.ttl_ms <= 0 {
            return;
        }
        let mut map = self.lock();
        if map.len() >= MAX_CACHED_PROFILES && !map.contains_key(igsid) {
            let oldest = map
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        map.insert(igsid.to_owned(), (now_ms, profile));
    }

    pub(crate) fn remove(&self, igsid: &str) {
        self.lock().remove(igsid);
    }
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-01-01T00:00:00.000Z`.
pub fn rfc3339_utc(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let millis = unix_ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

// ---- operations -------------------------------------------------------------------------------

impl Client {
    /// The node messaging calls go to: the configured IG user id or `me` on Instagram Login; `me`
    /// (the Page, with a Page token) on Facebook Login.
    pub fn messaging_node(&self) -> Result<String, Error> {
        match self.login() {
            LoginFamily::Instagram => self.account_node(),
            LoginFamily::Facebook => Ok("me".to_owned()),
        }
    }

    /// Facebook Login: a client that uses the Page access token of the Page linked to the
    /// configured IG account (the first Page with an IG account when none is configured), as
    /// messaging requires. When this client already holds a Page token (`/me/accounts` is not an
    /// edge of a Page), it is returned as is. Budgets and the profile cache are shared.
    pub async fn page_client(&self) -> Result<Client, Error> {
        self.require_family(
            LoginFamily::Facebook,
            "switching to a Page token",
            Some("Instagram Login messages with the Instagram user token directly"),
        )?;
        let req = Request::get("me/accounts")
            .query("fields", "id,name,access_token,instagram_business_account");
        let pages: Vec<PageAccount> = match self.stream::<PageAccount>(req).try_collect().await {
            Ok(p) => p,
            // A Page token: `accounts` is not a field of a Page.
            Err(e) if e.code() == 100 => return Ok(self.clone()),
            Err(e) => return Err(e),
        };
        let wanted = self.config().ig_user_id.clone();
        let page = pages
            .into_iter()
            .find(|p| match (&wanted, &p.instagram_business_account) {
                (Some(w), Some(a)) => a.id == *w,
                (None, Some(_)) => true,
                (_, None) => false,
            });
        let Some(page) = page else {
            return Err(Error::Config(match wanted {
                Some(w) => {
                    format!("none of this user's Pages is linked to the Instagram account {w}")
                }
                None => "none of this user's Pages has a connected Instagram professional account"
                    .into(),
            }));
        };
        let token = page
            .extra
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::Config(format!(
                    "no Page access token for Page {}: the user needs a task on the Page (MESSAGING)",
                    page.id
                ))
            })?;
        self.with_access_token(token)
    }

    fn send_result(&self, operation: &str, resp: SendResponse) -> SendResult {
        let at = self.now_ms();
        SendResult {
            operation: operation.to_owned(),
            recipient_id: resp.recipient_id,
            message_id: resp.message_id,
            sent_at: rfc3339_utc(at),
            sent_at_ms: at,
            appsecret_proof_used: self.uses_appsecret_proof(),
        }
    }

    async fn post_messages(
        &self,
        body: Value,
        pace: OperationClass,
        class: OperationClass,
        operation: &str,
    ) -> Result<SendResult, Error> {
        let node = self.messaging_node()?;
        self.acquire_budget(pace).await?;
        let resp: SendResponse = self
            .send_json(
                Request::post(format!("{node}/messages"))
                    .json(body)
                    .class(class),
            )
            .await?;
        Ok(self.send_result(operation, resp))
    }

    /// Sends `message` to `to` (`POST /{node}/messages`). Every limit is checked first; the window
    /// rules are the platform's (see the module docs).
    pub async fn send_message(
        &self,
        to: &Igsid,
        message: &OutgoingMessage,
        options: &SendOptions,
    ) -> Result<SendResult, Error> {
        check_igsid(to)?;
        message.validate()?;
        let mut body = json!({
            "recipient": { "id": to.as_str() },
            "message": message.to_json(),
            "messaging_type": "RESPONSE",
        });
        if options.human_agent {
            body["messaging_type"] = json!("MESSAGE_TAG");
            body["tag"] = json!("HUMAN_AGENT");
        }
        if let Some(r) = &options.reply_to {
            MessageId::parse(r.as_str())?;
            body["reply_to"] = json!({ "message_id": r.as_str() });
        }
        self.post_messages(
            body,
            message.pace(),
            OperationClass::Messaging,
            message.operation(),
        )
        .await
    }

    /// Sends a text (up to 1000 characters).
    pub async fn send_text(&self, to: &Igsid, text: &str) -> Result<SendResult, Error> {
        self.send_message(
            to,
            &OutgoingMessage::Text(text.to_owned()),
            &SendOptions::default(),
        )
        .await
    }

    /// Shows or hides the typing indicator, or marks the conversation seen.
    pub async fn sender_action(
        &self,
        to: &Igsid,
        action: SenderAction,
    ) -> Result<SendResult, Error> {
        check_igsid(to)?;
        let body = json!({ "recipient": { "id": to.as_str() }, "sender_action": action.as_str() });
        self.post_messages(
            body,
            OperationClass::SendText,
            OperationClass::Messaging,
            action.as_str(),
        )
        .await
    }

    /// Reacts to a message of the conversation with `to`: `love` (the documented reaction) or an
    /// emoji.
    pub async fn react(
        &self,
        to: &Igsid,
        message: &MessageId,
        reaction: &str,
    ) -> Result<SendResult, Error> {
        check_igsid(to)?;
        MessageId::parse(message.as_str())?;
        check_reaction(reaction)?;
        let r = reaction.trim();
        let body = json!({
            "recipient": { "id": to.as_str() },
            "sender_action": "react",
            "payload": { "message_id": message.as_str(), "reaction": r },
        });
        self.post_messages(
            body,
            OperationClass::SendText,
            OperationClass::Messaging,
            "react",
        )
        .await
    }

    /// Removes the account's reaction from a message.
    pub async fn unreact(&self, to: &Igsid, message: &MessageId) -> Result<SendResult, Error> {
        check_igsid(to)?;
        MessageId::parse(message.as_str())?;
        let body = json!({
            "recipient": { "id": to.as_str() },
            "sender_action": "unreact",
            "payload": { "message_id": message.as_str() },
        });
        self.post_messages(
            body,
            OperationClass::SendText,
            OperationClass::Messaging,
            "unreact",
        )
        .await
    }

    /// Sends the one private reply a comment allows (within 7 days of the comment; outside the
    /// 24-hour window rule). The commenter must answer before further messages are allowed.
    pub async fn private_reply(
        &self,
        comment: &CommentId,
        text: &str,
    ) -> Result<SendResult, Error> {
        check_private_reply(comment, text)?;
        let body = json!({
            "recipient": { "comment_id": comment.as_str() },
            "message": { "text": text },
        });
        self.post_messages(
            body,
            OperationClass::SendText,
            OperationClass::PrivateReplies,
            "private_reply",
        )
        .await
    }

    /// Uploads an attachment once for reuse (`POST /{node}/message_attachments`); send it later
    /// with [`MediaAttachment::by_id`].
    pub async fn upload_attachment(
        &self,
        kind: MediaKind,
        url: &str,
    ) -> Result<AttachmentId, Error> {
        let attachment = MediaAttachment::url(kind, url).reusable(true);
        attachment.validate()?;
        let node = self.messaging_node()?;
        let mut body = attachment.to_json();
        body = json!({ "platform": "instagram", "message": body });
        #[derive(Deserialize)]
        struct Uploaded {
            #[serde(deserialize_with = "crate::models::opt_string_or_number")]
            attachment_id: Option<String>,
        }
        let up: Uploaded = self
            .send_json(Request::post(format!("{node}/message_attachments")).json(body))
            .await?;
        up.attachment_id
            .map(AttachmentId::new)
            .ok_or_else(|| Error::Decode {
                path: "attachment_id".into(),
                message: "missing".into(),
            })
    }

    fn conversations_request(&self, q: &ConversationQuery) -> Result<Request, Error> {
        check_limit(q.limit)?;
        let node = self.messaging_node()?;
        let fields = q
            .fields
            .as_deref()
            .unwrap_or(DEFAULT_CONVERSATION_LIST_FIELDS);
        check_fields(fields)?;
        let mut req = Request::get(format!("{node}/conversations"))
            .query("platform", "instagram")
            .query("fields", fields)
            .class(OperationClass::Conversations);
        if let Some(u) = &q.user_id {
            check_igsid(u)?;
            req = req.query("user_id", u.as_str());
        }
        if let Some(l) = q.limit {
            req = req.query("limit", l.to_string());
        }
        Ok(req)
    }

    /// One page of the account's conversations, newest first
    /// (`GET /{node}/conversations?platform=instagram`).
    pub async fn conversations_page(
        &self,
        q: &ConversationQuery,
    ) -> Result<Page<Conversation>, Error> {
        let req = self.conversations_request(q)?;
        self.page(req).await
    }

    /// Every conversation, following cursors (paced at the Conversations API's rate).
    pub fn conversations(
        &self,
        q: &ConversationQuery,
    ) -> Result<impl Stream<Item = Result<Conversation, Error>> + Send + 'static, Error> {
        let req = self.conversations_request(q)?;
        Ok(self.stream(req))
    }

    /// Every conversation, collected (see [`Client::conversations`]).
    pub async fn all_conversations(
        &self,
        q: &ConversationQuery,
    ) -> Result<Vec<Conversation>, Error> {
        self.conversations(q)?.try_collect().await
    }

    /// The conversation with one user, if there is one.
    pub async fn conversation_with(&self, user: &Igsid) -> Result<Option<Conversation>, Error> {
        let page = self
            .conversations_page(&ConversationQuery {
                user_id: Some(user.clone()),
                ..ConversationQuery::default()
            })
            .await?;
        Ok(page.data.into_iter().next())
    }

    /// One conversation (`GET /{conversation-id}`).
    pub async fn conversation(
        &self,
        id: &ConversationId,
        fields: Option<&str>,
    ) -> Result<Conversation, Error> {
        ConversationId::parse(id.as_str())?;
        let fields = fields.unwrap_or(DEFAULT_CONVERSATION_FIELDS);
        check_fields(fields)?;
        self.send_json(
            Request::get(id.as_str())
                .query("fields", fields)
                .class(OperationClass::Conversations),
        )
        .await
    }

    fn messages_request(
        &self,
        id: &ConversationId,
        fields: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Request, Error> {
        ConversationId::parse(id.as_str())?;
        check_limit(limit)?;
        let fields = fields.unwrap_or(DEFAULT_MESSAGE_LIST_FIELDS);
        check_fields(fields)?;
        let mut req = Request::get(format!("{}/messages", id.as_str()))
            .query("fields", fields)
            .class(OperationClass::Conversations);
        if let Some(l) = limit {
            req = req.query("limit", l.to_string());
        }
        Ok(req)
    }

    /// One page of a conversation's messages, newest first. Every id is listed; only the 20 most
    /// recent messages carry details (older ones have `id` and `created_time` only).
    pub async fn conversation_messages_page(
        &self,
        id: &ConversationId,
        fields: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page<MessageDetails>, Error> {
        let req = self.messages_request(id, fields, limit)?;
        self.page(req).await
    }

    /// Every message of a conversation, following cursors (see
    /// [`Client::conversation_messages_page`]).
    pub fn conversation_messages(
        &self,
        id: &ConversationId,
        fields: Option<&str>,
    ) -> Result<impl Stream<Item = Result<MessageDetails, Error>> + Send + 'static, Error> {
        let req = self.messages_request(id, fields, None)?;
        Ok(self.stream(req))
    }

    /// Every message of a conversation, collected (see [`Client::conversation_messages`]).
    pub async fn all_conversation_messages(
        &self,
        id: &ConversationId,
        fields: Option<&str>,
    ) -> Result<Vec<MessageDetails>, Error> {
        self.conversation_messages(id, fields)?.try_collect().await
    }

    /// One message with its attachments, reactions, shares and story (`GET /{message-id}`).
    /// Only the 20 most recent messages of a conversation can be read; older ids answer code
    /// 100 / subcode 33.
    pub async fn message(
        &self,
        id: &MessageId,
        fields: Option<&str>,
    ) -> Result<MessageDetails, Error> {
        MessageId::parse(id.as_str())?;
        let fields = fields.unwrap_or(DEFAULT_MESSAGE_FIELDS);
        check_fields(fields)?;
        self.send_json(
            Request::get(id.as_str())
                .query("fields", fields)
                .class(OperationClass::Conversations),
        )
        .await
    }

    /// The profile of a user who messaged the account (`GET /{igsid}`: name, username,
    /// profile_pic, follower_count, is_user_follow_business, is_business_follow_user,
    /// is_verified_user, where the platform gives them). Cached per IGSID for the client's
    /// profile TTL (see [`crate::ClientBuilder::profile_cache_ttl`]), so a busy inbox does not
    /// spend the User Profile budget (200 calls per hour per app).
    pub async fn messaging_user_profile(
        &self,
        igsid: &Igsid,
    ) -> Result<MessagingUserProfile, Error> {
        check_igsid(igsid)?;
        if let Some(p) = self.profile_cache().get(igsid.as_str(), self.now_ms()) {
            return Ok(p);
        }
        let profile: MessagingUserProfile = self
            .send_json(
                Request::get(igsid.as_str())
                    .query("fields", MESSAGING_PROFILE_FIELDS)
                    .class(OperationClass::UserProfile),
            )
            .await?;
        self.profile_cache()
            .put(igsid.as_str(), self.now_ms(), profile.clone());
        Ok(profile)
    }

    /// The profile with chosen fields, bypassing the cache.
    pub async fn messaging_user_profile_fields(
        &self,
        igsid: &Igsid,
        fields: &str,
    ) -> Result<MessagingUserProfile, Error> {
        check_igsid(igsid)?;
        check_fields(fields)?;
        self.send_json(
            Request::get(igsid.as_str())
                .query("fields", fields)
                .class(OperationClass::UserProfile),
        )
        .await
    }

    /// Drops a cached profile (e.g. after a webhook says the user changed).
    pub fn forget_messaging_user_profile(&self, igsid: &Igsid) {
        self.profile_cache().remove(igsid.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_from_the_last_user_message() {
        let h = 3_600_000;
        assert!(matches!(
            messaging_window(0, 24 * h - 1),
            MessagingWindow::Standard { closes_at_ms } if closes_at_ms == 24 * h
        ));
        assert!(matches!(
            messaging_window(0, 24 * h),
            MessagingWindow::HumanAgentOnly { .. }
        ));
        assert!(matches!(
            messaging_window(0, 7 * 24 * h - 1),
            MessagingWindow::HumanAgentOnly { .. }
        ));
        assert_eq!(messaging_window(0, 7 * 24 * h), MessagingWindow::Closed);
    }

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339_utc(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
    }

    #[test]
    fn igsids_and_urls_are_checked() {
        assert!(check_igsid(&Igsid::new("1234567890")).is_ok());
        let e = check_igsid(&Igsid::new("17841400000000001")).unwrap_err();
        assert!(e.to_string().contains("recipient"), "{e}");
        assert!(check_igsid(&Igsid::new("abc")).is_err());
        assert!(check_https("u", "https://example.com/a.jpg").is_ok());
        for bad in [
            "http://example.com",
            "https://",
            "https:///x",
            "https://a b",
            "ftp://x",
        ] {
            assert!(check_https("u", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn profile_cache_expires_and_evicts() {
        let c = ProfileCache::new(Duration::from_secs(10));
        let p = MessagingUserProfile {
            id: "1".into(),
            ..MessagingUserProfile::default()
        };
        c.put("1", 0, p.clone());
        assert_eq!(c.get("1", 9_999), Some(p));
        assert_eq!(c.get("1", 10_000), None);
        let off = ProfileCache::new(Duration::ZERO);
        off.put("1", 0, MessagingUserProfile::default());
        assert_eq!(off.get("1", 0), None);
    }
}
