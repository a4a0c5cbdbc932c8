//! Instagram Direct: sends (text, media, stickers, shares, templates, quick replies), sender
//! actions, reactions, private replies, reusable attachments, conversations and messages, the
//! messaging window, the user profile of a messaging user, and the messenger profile (ice
//! breakers, persistent menu, get started, greeting).
//!
//! On Facebook Login every tool here switches to the Page token of the Page linked to the
//! account (Instagram Direct goes through the Page), as `instagraph dm` does.

use instagraph::ids::{AttachmentId, CommentId, ConversationId, Igsid, MediaId, MessageId};
use instagraph::models::{
    GetStarted, Greeting, IceBreaker, IceBreakers, MenuItem, MessengerProfile, PersistentMenu,
};
use instagraph::ops::messaging::{
    Button, ButtonTemplate, ConversationQuery, GenericElement, GenericTemplate, MediaAttachment,
    MediaKind, MessagingWindow, OutgoingMessage, QuickReplies, QuickReply, SendOptions,
    SenderAction, messaging_window,
};
use instagraph::ops::messenger_profile::MessengerProfileField;
use instagraph::ops::publishing::parse_graph_timestamp;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::util::{When, messaging_client, parse_when, rfc3339, to_json};
use crate::action::{Action, ActionContext, ActionError, Effect};

/// The window rule, repeated in every send description.
macro_rules! window_rule {
    () => {
        " Instagram Direct rules: a conversation starts only when the user writes first; replies \
         are allowed within 24 hours of the user's last message (each new message reopens the \
         window); with human_agent=true, up to 7 days, but only for messages a person writes \
         (the app needs the Human Agent feature). Outside the window the platform refuses \
         (class messaging-window, code 10 / subcode 2534022): call messaging_window first. \
         recipient is the user's IGSID (from a webhook or a conversation), never an IG account \
         id (17841...). Sends are paced (300/s text, 10/s audio and video) and budgeted (200 \
         per hour per account by default). Automated replies must say they are automated."
    };
}

/// The messaging tools.
pub fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "send_text",
            Effect::Send,
            concat!(
                "Send a text direct message (1 to 1000 characters; links allowed), optionally as \
                 a reply to one of the user's messages (reply_to).",
                window_rule!()
            ),
            send_text,
        )
        .native("instagraph dm send"),
        Action::new(
            "send_media",
            Effect::Send,
            concat!(
                "Send an image (JPG, PNG, GIF; 8 MiB), audio (MP3, WAV, M4A, AAC; 25 MiB) or \
                 video (MP4, MOV; 25 MiB) by public HTTPS URL, or an attachment uploaded before \
                 with upload_attachment (attachment_id). The platform fetches the URL.",
                window_rule!()
            ),
            send_media,
        )
        .native("instagraph dm image|audio|video"),
        Action::new(
            "send_like_heart",
            Effect::Send,
            concat!("Send the heart sticker.", window_rule!()),
            send_like_heart,
        )
        .native("instagraph dm like-heart"),
        Action::new(
            "share_post",
            Effect::Send,
            concat!(
                "Share one of the account's own published posts in a direct message (media_id \
                 must belong to this account).",
                window_rule!()
            ),
            share_post,
        )
        .native("instagraph dm share"),
        Action::new(
            "send_quick_replies",
            Effect::Send,
            concat!(
                "Send a text (1 to 1000 characters) with 1 to 13 quick reply options (title 1 to \
                 20 characters, payload 1 to 1000; content_type text only). The user's tap \
                 comes back in the message webhook's quick_reply.payload.",
                window_rule!()
            ),
            send_quick_replies,
        )
        .native("instagraph dm quick-replies"),
        Action::new(
            "send_buttons",
            Effect::Send,
            concat!(
                "Send a button template: text (1 to 640 characters) with 1 to 3 buttons, each \
                 {type: web_url, title, url} (HTTPS) or {type: postback, title, payload}; titles \
                 1 to 20 characters, payloads 1 to 1000. A postback tap arrives as a \
                 messaging_postbacks webhook.",
                window_rule!()
            ),
            send_buttons,
        )
        .native("instagraph dm button"),
        Action::new(
            "send_generic_template",
            Effect::Send,
            concat!(
                "Send a generic template: a carousel of 1 to 10 cards, each with a title (1 to \
                 80 characters), optional subtitle (80), image_url (HTTPS), default_action \
                 ({type: web_url, url}) and up to 3 buttons (as in send_buttons).",
                window_rule!()
            ),
            send_generic_template,
        )
        .native("instagraph dm generic"),
        Action::new(
            "upload_attachment",
            Effect::Prepare,
            "Upload an image, audio or video once by public HTTPS URL and get a reusable \
             attachment_id for send_media (nobody sees it until it is sent). Limits as in \
             send_media.",
            upload_attachment,
        )
        .native("instagraph dm upload"),
        Action::new(
            "react",
            Effect::Send,
            "React to a message of a conversation (the user sees it): `love` is the reaction the \
             Send API documents; other emojis may be refused.",
            react,
        )
        .native("instagraph dm react"),
        Action::new(
            "unreact",
            Effect::Send,
            "Remove the account's reaction from a message (the user sees it disappear).",
            unreact,
        )
        .native("instagraph dm react --remove"),
        Action::new(
            "sender_action",
            Effect::Send,
            "Show the typing indicator (typing_on; it expires after about 20 seconds or with \
             the next message), hide it (typing_off), or mark the user's messages seen \
             (mark_seen). The user sees these.",
            sender_action,
        )
        .native("instagraph dm typing|seen"),
        Action::new(
            "private_reply",
            Effect::Send,
            "Send the one private reply a comment allows: a direct message (1 to 1000 \
             characters) to the commenter, within 7 days of the comment (for live comments: only \
             during the broadcast). It is an exception to the 24-hour rule; a second private \
             reply to the same comment fails (subcode 2534025), and further messages need the \
             user to answer first. Budget: 750 private replies per hour.",
            private_reply,
        )
        .native("instagraph dm private-reply"),
        Action::new(
            "get_user_profile",
            Effect::Read,
            "The profile of a user who messaged the account, by IGSID: name, username, \
             profile_pic (its URL expires), follower_count, is_user_follow_business, \
             is_business_follow_user, is_verified_user (where the platform gives them; only for \
             users who messaged the account). Cached for an hour; the User Profile API allows \
             200 calls per hour per app.",
            get_user_profile,
        )
        .native("instagraph dm user"),
        Action::new(
            "list_conversations",
            Effect::Read,
            "The account's direct-message conversations, newest first (id, updated_time, \
             participants). user_id finds the conversation with one IGSID. Threads in Requests \
             inactive for 30 days are not returned. The Conversations API allows 2 calls per \
             second.",
            list_conversations,
        )
        .native("instagraph conversations list"),
        Action::new(
            "get_conversation",
            Effect::Read,
            "One conversation: participants, message_count, unread_count, can_reply, snippet, \
             updated_time.",
            get_conversation,
        )
        .native("instagraph conversations show"),
        Action::new(
            "list_messages",
            Effect::Read,
            "A conversation's messages, newest first (id, created_time, from, to, message). \
             Every id is listed, but only the 20 most recent messages carry details; older ones \
             have id and created_time only and cannot be read with get_message.",
            list_messages,
        )
        .native("instagraph conversations messages"),
        Action::new(
            "get_message",
            Effect::Read,
            "One message with its attachments, reactions, shares, story reply or mention, and \
             is_unsupported. Only the 20 most recent messages of a conversation can be read \
             (older ids fail with code 100 / subcode 33).",
            get_message,
        )
        .native("instagraph conversations message"),
        Action::new(
            "messaging_window",
            Effect::Read,
            "Whether the account may still message a user, and until when: `open` (any \
             message, until 24 hours after the user's last message), `human_agent_only` (only \
             messages a person writes, with human_agent=true, until 7 days after it) or \
             `closed` (nothing until the user writes again; a comment's private reply is still \
             possible within 7 days of the comment), or `unknown` when the user's last message \
             is older than the 20 most recent (the only ones the API details). Give recipient (the user's IGSID: the last \
             message from them is looked up) or last_user_message_time.",
            messaging_window_tool,
        )
        .native("instagraph conversations list --user IGSID"),
        Action::new(
            "get_messenger_profile",
            Effect::Read,
            "The messenger profile: ice_breakers (questions shown before the first message), \
             persistent_menu, get_started and greeting, per locale.",
            get_messenger_profile,
        )
        .native("instagraph profile get"),
        Action::new(
            "set_messenger_profile",
            Effect::Write,
            "Set fields of the messenger profile; fields left out stay as they are, fields given \
             replace their whole value (all locales). Rules: every list of locales needs a \
             `default` entry and each locale once (en_US style); ice breakers 1 to 4 questions \
             per locale (question 1 to 80 characters, payload 1 to 1000); persistent menu 1 to \
             20 flat items per locale ({type: web_url, title, url} or {type: postback, title, \
             payload}; titles 1 to 30 characters); greeting 1 to 160 characters. get_started \
             and greeting are Messenger features that Instagram may ignore.",
            set_messenger_profile,
        )
        .native("instagraph profile set --file PROFILE.json"),
        Action::new(
            "set_ice_breakers",
            Effect::Write,
            "Replace the ice breakers (the questions a user can tap before writing) with 1 to 4 \
             questions for one locale (default: `default`; question 1 to 80 characters, payload \
             1 to 1000). A tap arrives as a messaging_postbacks webhook with the payload. For \
             several locales use set_messenger_profile.",
            set_ice_breakers,
        )
        .native("instagraph profile set --ice-breaker QUESTION:PAYLOAD"),
        Action::new(
            "set_persistent_menu",
            Effect::Write,
            "Replace the persistent menu with 1 to 20 flat items for one locale (default: \
             `default`): {type: web_url, title, url} (HTTPS) or {type: postback, title, \
             payload}; titles 1 to 30 characters, payloads 1 to 1000. Instagram menus are flat \
             (no nested items). For several locales use set_messenger_profile.",
            set_persistent_menu,
        )
        .native("instagraph profile set --menu ITEM"),
        Action::new(
            "delete_messenger_profile_fields",
            Effect::Delete,
            "Delete fields of the messenger profile (ice_breakers, persistent_menu, \
             get_started, greeting): users stop seeing them at once.",
            delete_messenger_profile_fields,
        )
        .native("instagraph profile delete"),
    ]
}

// ---- sends ------------------------------------------------------------------------------------

fn options(reply_to: Option<MessageId>, human_agent: bool) -> SendOptions {
    SendOptions {
        reply_to,
        human_agent,
    }
}

async fn send(
    ctx: &ActionContext,
    account: Option<&str>,
    to: &Igsid,
    message: OutgoingMessage,
    opts: SendOptions,
) -> Result<Value, ActionError> {
    // Every limit is checked before a client (and a Page token) is even fetched.
    instagraph::ops::messaging::check_igsid(to)?;
    message.validate()?;
    let client = messaging_client(ctx, account).await?;
    to_json(&client.send_message(to, &message, &opts).await?)
}

/// Parameters of send_text.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendText {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID), from a webhook or a conversation.
    pub recipient: Igsid,
    /// The text: 1 to 1000 characters.
    pub text: String,
    /// Reply to this message (its mid; it must be in the conversation).
    #[serde(default)]
    pub reply_to: Option<MessageId>,
    /// Send with the HUMAN_AGENT tag (allowed up to 7 days after the user's last message; only
    /// for messages a person writes).
    #[serde(default)]
    pub human_agent: bool,
}

async fn send_text(ctx: ActionContext, p: SendText) -> Result<Value, ActionError> {
    let opts = options(p.reply_to, p.human_agent);
    send(
        &ctx,
        p.ig_user_id.as_deref(),
        &p.recipient,
        OutgoingMessage::Text(p.text),
        opts,
    )
    .await
}

/// Parameters of send_media.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMedia {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub recipient: Igsid,
    /// image, audio or video.
    pub kind: MediaKind,
    /// Public HTTPS URL of the file (give this or attachment_id).
    #[serde(default)]
    pub url: Option<String>,
    /// An attachment uploaded before with upload_attachment (instead of url).
    #[serde(default)]
    pub attachment_id: Option<AttachmentId>,
    /// Ask the platform to keep the upload for reuse (the answer then allows resending by id).
    #[serde(default)]
    pub is_reusable: bool,
    /// The file's size in bytes when known: checked against the limit (8 MiB image, 25 MiB
    /// audio and video) before sending.
    #[serde(default)]
    pub size_bytes: Option<u64>,
    /// Reply to this message (its mid).
    #[serde(default)]
    pub reply_to: Option<MessageId>,
    /// Send with the HUMAN_AGENT tag (7-day window; only for messages a person writes).
    #[serde(default)]
    pub human_agent: bool,
}

async fn send_media(ctx: ActionContext, p: SendMedia) -> Result<Value, ActionError> {
    let mut m = match (p.url, p.attachment_id) {
        (Some(url), None) => MediaAttachment::url(p.kind, url).reusable(p.is_reusable),
        (None, Some(id)) => MediaAttachment::by_id(p.kind, id),
        _ => {
            return Err(ActionError::InvalidParams(
                "give exactly one of url (a public HTTPS URL) and attachment_id".into(),
            ));
        }
    };
    if let Some(n) = p.size_bytes {
        m = m.size(n);
    }
    let opts = options(p.reply_to, p.human_agent);
    send(
        &ctx,
        p.ig_user_id.as_deref(),
        &p.recipient,
        OutgoingMessage::Media(m),
        opts,
    )
    .await
}

/// Parameters of send_like_heart.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendLikeHeart {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub recipient: Igsid,
    /// Reply to this message (its mid).
    #[serde(default)]
    pub reply_to: Option<MessageId>,
    /// Send with the HUMAN_AGENT tag (7-day window; only for messages a person writes).
    #[serde(default)]
    pub human_agent: bool,
}

async fn send_like_heart(ctx: ActionContext, p: SendLikeHeart) -> Result<Value, ActionError> {
    let opts = options(p.reply_to, p.human_agent);
    send(
        &ctx,
        p.ig_user_id.as_deref(),
        &p.recipient,
        OutgoingMessage::LikeHeart,
        opts,
    )
    .await
}

/// Parameters of share_post.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SharePost {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub recipient: Igsid,
    /// The id of one of the account's own published media.
    pub media_id: MediaId,
    /// Send with the HUMAN_AGENT tag (7-day window; only for messages a person writes).
    #[serde(default)]
    pub human_agent: bool,
}

async fn share_post(ctx: ActionContext, p: SharePost) -> Result<Value, ActionError> {
    let opts = options(None, p.human_agent);
    send(
        &ctx,
        p.ig_user_id.as_deref(),
        &p.recipient,
        OutgoingMessage::MediaShare(p.media_id),
        opts,
    )
    .await
}

/// Parameters of send_quick_replies.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendQuickReplies {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub recipient: Igsid,
    /// The question: 1 to 1000 characters.
    pub text: String,
    /// 1 to 13 options: {title (1 to 20 characters), payload (1 to 1000), image_url?}.
    pub quick_replies: Vec<QuickReply>,
    /// Send with the HUMAN_AGENT tag (7-day window; only for messages a person writes).
    #[serde(default)]
    pub human_agent: bool,
}

async fn send_quick_replies(ctx: ActionContext, p: SendQuickReplies) -> Result<Value, ActionError> {
    let message = OutgoingMessage::QuickReplies(QuickReplies {
        text: p.text,
        quick_replies: p.quick_replies,
    });
    let opts = options(None, p.human_agent);
    send(&ctx, p.ig_user_id.as_deref(), &p.recipient, message, opts).await
}

/// Parameters of send_buttons.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendButtons {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub recipient: Igsid,
    /// The text above the buttons: 1 to 640 characters.
    pub text: String,
    /// 1 to 3 buttons: {type: web_url, title, url} or {type: postback, title, payload}.
    pub buttons: Vec<Button>,
    /// Send with the HUMAN_AGENT tag (7-day window; only for messages a person writes).
    #[serde(default)]
    pub human_agent: bool,
}

async fn send_buttons(ctx: ActionContext, p: SendButtons) -> Result<Value, ActionError> {
    let message = OutgoingMessage::Buttons(ButtonTemplate {
        text: p.text,
        buttons: p.buttons,
    });
    let opts = options(None, p.human_agent);
    send(&ctx, p.ig_user_id.as_deref(), &p.recipient, message, opts).await
}

/// Parameters of send_generic_template.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendGenericTemplate {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub recipient: Igsid,
    /// 1 to 10 cards.
    pub elements: Vec<GenericElement>,
    /// Send with the HUMAN_AGENT tag (7-day window; only for messages a person writes).
    #[serde(default)]
    pub human_agent: bool,
}

async fn send_generic_template(
    ctx: ActionContext,
    p: SendGenericTemplate,
) -> Result<Value, ActionError> {
    let message = OutgoingMessage::Generic(GenericTemplate {
        elements: p.elements,
    });
    let opts = options(None, p.human_agent);
    send(&ctx, p.ig_user_id.as_deref(), &p.recipient, message, opts).await
}

/// Parameters of upload_attachment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadAttachment {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// image, audio or video.
    pub kind: MediaKind,
    /// Public HTTPS URL of the file.
    pub url: String,
}

async fn upload_attachment(ctx: ActionContext, p: UploadAttachment) -> Result<Value, ActionError> {
    MediaAttachment::url(p.kind, p.url.clone())
        .reusable(true)
        .validate()?;
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    let id = client.upload_attachment(p.kind, &p.url).await?;
    Ok(json!({ "attachment_id": id, "type": p.kind }))
}

// ---- reactions, sender actions, private replies -------------------------------------------------

/// Parameters of react.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct React {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID): the other side of the conversation.
    pub recipient: Igsid,
    /// The message to react to (its mid).
    pub message_id: MessageId,
    /// `love` (the default, the one documented) or an emoji.
    #[serde(default = "love")]
    pub reaction: String,
}

fn love() -> String {
    "love".to_owned()
}

async fn react(ctx: ActionContext, p: React) -> Result<Value, ActionError> {
    instagraph::ops::messaging::check_igsid(&p.recipient)?;
    MessageId::parse(p.message_id.as_str())?;
    instagraph::ops::messaging::check_reaction(&p.reaction)?;
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    to_json(
        &client
            .react(&p.recipient, &p.message_id, &p.reaction)
            .await?,
    )
}

/// Parameters of unreact.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unreact {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub recipient: Igsid,
    /// The message the reaction is on (its mid).
    pub message_id: MessageId,
}

async fn unreact(ctx: ActionContext, p: Unreact) -> Result<Value, ActionError> {
    instagraph::ops::messaging::check_igsid(&p.recipient)?;
    MessageId::parse(p.message_id.as_str())?;
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    to_json(&client.unreact(&p.recipient, &p.message_id).await?)
}

/// Parameters of sender_action.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderActionParams {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub recipient: Igsid,
    /// typing_on, typing_off or mark_seen.
    pub action: SenderAction,
}

async fn sender_action(ctx: ActionContext, p: SenderActionParams) -> Result<Value, ActionError> {
    instagraph::ops::messaging::check_igsid(&p.recipient)?;
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    to_json(&client.sender_action(&p.recipient, p.action).await?)
}

/// Parameters of private_reply.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateReply {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The comment (on the account's media) whose author gets the message.
    pub comment_id: CommentId,
    /// The text: 1 to 1000 characters.
    pub text: String,
}

async fn private_reply(ctx: ActionContext, p: PrivateReply) -> Result<Value, ActionError> {
    instagraph::ops::messaging::check_private_reply(&p.comment_id, &p.text)?;
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    to_json(&client.private_reply(&p.comment_id, &p.text).await?)
}

// ---- reading ----------------------------------------------------------------------------------

/// Parameters of get_user_profile.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetUserProfile {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's Instagram-scoped id (IGSID).
    pub igsid: Igsid,
    /// Comma-separated fields (default: every field the User Profile API gives; a custom list
    /// bypasses the cache).
    #[serde(default)]
    pub fields: Option<String>,
}

async fn get_user_profile(ctx: ActionContext, p: GetUserProfile) -> Result<Value, ActionError> {
    instagraph::ops::messaging::check_igsid(&p.igsid)?;
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    let profile = match p.fields.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => client.messaging_user_profile_fields(&p.igsid, f).await?,
        None => client.messaging_user_profile(&p.igsid).await?,
    };
    to_json(&profile)
}

/// Parameters of list_conversations.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListConversations {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// Only the conversation with this user (IGSID).
    #[serde(default)]
    pub user_id: Option<Igsid>,
    /// Page size: 1 to 100.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Comma-separated fields (default: id,updated_time,participants).
    #[serde(default)]
    pub fields: Option<String>,
}

async fn list_conversations(
    ctx: ActionContext,
    p: ListConversations,
) -> Result<Value, ActionError> {
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    let q = ConversationQuery {
        user_id: p.user_id,
        fields: p.fields,
        limit: p.limit,
    };
    to_json(&client.conversations_page(&q).await?)
}

/// Parameters of get_conversation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetConversation {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The conversation id (from list_conversations).
    pub conversation_id: ConversationId,
    /// Comma-separated fields (default:
    /// id,updated_time,participants,message_count,unread_count,can_reply,snippet).
    #[serde(default)]
    pub fields: Option<String>,
}

async fn get_conversation(ctx: ActionContext, p: GetConversation) -> Result<Value, ActionError> {
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    to_json(
        &client
            .conversation(&p.conversation_id, p.fields.as_deref())
            .await?,
    )
}

/// Parameters of list_messages.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListMessages {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The conversation id (from list_conversations).
    pub conversation_id: ConversationId,
    /// Page size: 1 to 100.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Comma-separated fields (default: id,created_time,from,to,message).
    #[serde(default)]
    pub fields: Option<String>,
}

async fn list_messages(ctx: ActionContext, p: ListMessages) -> Result<Value, ActionError> {
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    to_json(
        &client
            .conversation_messages_page(&p.conversation_id, p.fields.as_deref(), p.limit)
            .await?,
    )
}

/// Parameters of get_message.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetMessage {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The message id (mid).
    pub message_id: MessageId,
    /// Comma-separated fields (default: every field of a message).
    #[serde(default)]
    pub fields: Option<String>,
}

async fn get_message(ctx: ActionContext, p: GetMessage) -> Result<Value, ActionError> {
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    to_json(&client.message(&p.message_id, p.fields.as_deref()).await?)
}

/// Parameters of messaging_window.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagingWindowParams {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The user's IGSID: the time of their last message is read from the conversation.
    #[serde(default)]
    pub recipient: Option<Igsid>,
    /// Instead of recipient: when the user last wrote (RFC 3339 or unix seconds).
    #[serde(default)]
    pub last_user_message_time: Option<When>,
}

async fn messaging_window_tool(
    ctx: ActionContext,
    p: MessagingWindowParams,
) -> Result<Value, ActionError> {
    if p.recipient.is_some() == p.last_user_message_time.is_some() {
        return Err(ActionError::InvalidParams(
            "give exactly one of recipient (an IGSID) and last_user_message_time".into(),
        ));
    }
    if let Some(r) = &p.recipient {
        instagraph::ops::messaging::check_igsid(r)?;
    }
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    let now = client.now_ms();
    // `older`: the conversation has messages beyond the 20 the API details, so a user message
    // not among those may still be there.
    let (last_ms, conversation_id, older) = match (&p.recipient, &p.last_user_message_time) {
        (_, Some(w)) => (
            Some(parse_when("last_user_message_time", w, now)?),
            None,
            false,
        ),
        (Some(user), None) => match client.conversation_with(user).await? {
            None => (None, None, false),
            Some(c) => {
                let page = client
                    .conversation_messages_page(&c.id, Some("id,created_time,from"), Some(20))
                    .await?;
                let last = page
                    .data
                    .iter()
                    .filter(|m| m.from.as_ref().is_some_and(|f| f.id == user.as_str()))
                    .filter_map(|m| m.created_time.as_deref().and_then(parse_graph_timestamp))
                    .max();
                let older = page.data.len() >= 20 || page.next_cursor().is_some();
                (last, Some(c.id), older)
            }
        },
        (None, None) => (None, None, false),
    };
    let mut out = json!({
        "now": rfc3339(now),
        "conversation_id": conversation_id,
        "last_user_message_time": last_ms.map(rfc3339),
    });
    let (state, closes, explanation) = match last_ms.map(|t| messaging_window(t, now)) {
        Some(MessagingWindow::Standard { closes_at_ms }) => (
            "open",
            Some(closes_at_ms),
            "any message may be sent until closes_at (24 hours after the user's last message)",
        ),
        Some(MessagingWindow::HumanAgentOnly { closes_at_ms }) => (
            "human_agent_only",
            Some(closes_at_ms),
            "only messages a person writes, sent with human_agent=true, until closes_at (7 days \
             after the user's last message); automated messages are refused",
        ),
        Some(MessagingWindow::Closed) => (
            "closed",
            None,
            "nothing may be sent until the user writes again (a comment's private reply is \
             still possible within 7 days of the comment)",
        ),
        None if older => (
            "unknown",
            None,
            "none of the 20 most recent messages (the only ones the API details) is from the \
             user: their last message is older. Give last_user_message_time (from the message \
             webhook) to decide; a send outside the window fails with class messaging-window",
        ),
        None => (
            "closed",
            None,
            "no message from this user was found: conversations start only when the user \
             writes first (a comment's private reply is possible within 7 days of the comment)",
        ),
    };
    out["state"] = json!(state);
    let known = state != "unknown";
    out["can_send"] = if known {
        json!(state == "open")
    } else {
        Value::Null
    };
    out["can_send_human_agent"] = if known {
        json!(state != "closed")
    } else {
        Value::Null
    };
    out["closes_at"] = json!(closes.map(rfc3339));
    out["explanation"] = json!(explanation);
    Ok(out)
}

// ---- the messenger profile ----------------------------------------------------------------------

/// A field of the messenger profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfileField {
    /// The questions shown before the first message.
    IceBreakers,
    /// The menu in the conversation.
    PersistentMenu,
    /// The get-started button (Messenger).
    GetStarted,
    /// The greeting text (Messenger).
    Greeting,
}

impl From<ProfileField> for MessengerProfileField {
    fn from(f: ProfileField) -> Self {
        match f {
            ProfileField::IceBreakers => MessengerProfileField::IceBreakers,
            ProfileField::PersistentMenu => MessengerProfileField::PersistentMenu,
            ProfileField::GetStarted => MessengerProfileField::GetStarted,
            ProfileField::Greeting => MessengerProfileField::Greeting,
        }
    }
}

/// Parameters of get_messenger_profile.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetMessengerProfile {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// Which fields (default: all four).
    #[serde(default)]
    pub fields: Vec<ProfileField>,
}

async fn get_messenger_profile(
    ctx: ActionContext,
    p: GetMessengerProfile,
) -> Result<Value, ActionError> {
    let fields: Vec<MessengerProfileField> = p.fields.into_iter().map(Into::into).collect();
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    to_json(&client.messenger_profile(&fields).await?)
}

/// Parameters of set_messenger_profile.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMessengerProfile {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// Ice breakers per locale: [{locale: "default", call_to_actions: [{question, payload}]}].
    #[serde(default)]
    pub ice_breakers: Vec<IceBreakers>,
    /// Persistent menu per locale: [{locale: "default", call_to_actions: [{type, title,
    /// url | payload}]}].
    #[serde(default)]
    pub persistent_menu: Vec<PersistentMenu>,
    /// The get-started button: {payload}.
    #[serde(default)]
    pub get_started: Option<GetStarted>,
    /// Greeting texts per locale: [{locale: "default", text}].
    #[serde(default)]
    pub greeting: Vec<Greeting>,
}

async fn set_profile(
    ctx: &ActionContext,
    account: Option<&str>,
    profile: MessengerProfile,
) -> Result<Value, ActionError> {
    instagraph::ops::messenger_profile::validate_update(&profile)?;
    let client = messaging_client(ctx, account).await?;
    client.set_messenger_profile(&profile).await?;
    let set: Vec<&str> = [
        (!profile.ice_breakers.is_empty()).then_some("ice_breakers"),
        (!profile.persistent_menu.is_empty()).then_some("persistent_menu"),
        profile.get_started.is_some().then_some("get_started"),
        (!profile.greeting.is_empty()).then_some("greeting"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(json!({ "result": "success", "set": set, "profile": to_json(&profile)? }))
}

async fn set_messenger_profile(
    ctx: ActionContext,
    p: SetMessengerProfile,
) -> Result<Value, ActionError> {
    let profile = MessengerProfile {
        ice_breakers: p.ice_breakers,
        persistent_menu: p.persistent_menu,
        get_started: p.get_started,
        greeting: p.greeting,
        extra: Default::default(),
    };
    set_profile(&ctx, p.ig_user_id.as_deref(), profile).await
}

/// Parameters of set_ice_breakers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetIceBreakers {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// 1 to 4 questions: {question (1 to 80 characters), payload (1 to 1000)}.
    pub questions: Vec<IceBreaker>,
    /// `default` (the default) or a locale such as en_US.
    #[serde(default)]
    pub locale: Option<String>,
}

async fn set_ice_breakers(ctx: ActionContext, p: SetIceBreakers) -> Result<Value, ActionError> {
    let profile = MessengerProfile {
        ice_breakers: vec![IceBreakers {
            locale: p.locale.unwrap_or_else(|| "default".to_owned()),
            call_to_actions: p.questions,
            extra: Default::default(),
        }],
        ..MessengerProfile::default()
    };
    set_profile(&ctx, p.ig_user_id.as_deref(), profile).await
}

/// Parameters of set_persistent_menu.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPersistentMenu {
    /// 1 to 20 items: {type: web_url, title, url} or {type: postback, title, payload}.
    pub items: Vec<MenuItem>,
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// `default` (the default) or a locale such as en_US.
    #[serde(default)]
    pub locale: Option<String>,
}

async fn set_persistent_menu(
    ctx: ActionContext,
    p: SetPersistentMenu,
) -> Result<Value, ActionError> {
    let profile = MessengerProfile {
        persistent_menu: vec![PersistentMenu {
            locale: p.locale.unwrap_or_else(|| "default".to_owned()),
            composer_input_disabled: None,
            call_to_actions: p.items,
            extra: Default::default(),
        }],
        ..MessengerProfile::default()
    };
    set_profile(&ctx, p.ig_user_id.as_deref(), profile).await
}

/// Parameters of delete_messenger_profile_fields.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteMessengerProfileFields {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The fields to delete (at least one).
    pub fields: Vec<ProfileField>,
}

async fn delete_messenger_profile_fields(
    ctx: ActionContext,
    p: DeleteMessengerProfileFields,
) -> Result<Value, ActionError> {
    if p.fields.is_empty() {
        return Err(ActionError::InvalidParams(
            "fields: at least one of ice_breakers, persistent_menu, get_started, greeting".into(),
        ));
    }
    let fields: Vec<MessengerProfileField> = p.fields.into_iter().map(Into::into).collect();
    let client = messaging_client(&ctx, p.ig_user_id.as_deref()).await?;
    client.delete_messenger_profile(&fields).await?;
    let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
    Ok(json!({ "result": "success", "deleted": names }))
}
