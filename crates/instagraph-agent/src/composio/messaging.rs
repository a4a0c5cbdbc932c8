//! Instagram Direct: send a text or an image, mark seen, read conversations and messages, and
//! the messenger profile (ice breakers and the other settings). On Facebook Login every call
//! goes through the linked Page with its Page token (the client swaps it in); every limit
//! (text 1000 characters, https URLs, image formats, 4 ice breakers of 80 characters, ...) is
//! checked before the network. Outside the 24-hour window sends fail with 10 / 2534022 (class
//! messaging-window): never retried.

use instagraph::ids::{ConversationId, Igsid, MessageId};
use instagraph::models::{IceBreaker, IceBreakers, MessengerProfile};
use instagraph::ops::media::{check_cursor, check_limit};
use instagraph::ops::messaging::{
    DEFAULT_CONVERSATION_LIST_FIELDS, DEFAULT_MESSAGE_LIST_FIELDS, MediaAttachment, MediaKind,
    OutgoingMessage, SendOptions, SenderAction, check_igsid,
};
use instagraph::ops::messenger_profile::MessengerProfileField;
use instagraph::ratelimit::OperationClass;
use instagraph::{Client, LoginFamily, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::params::{StringList, opt_id, opt_text, opt_u32};
use super::{as_param, data, invalid, messaging_client};
use crate::action::{Action, ActionContext, ActionError, Effect};

pub(super) fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "INSTAGRAM_SEND_TEXT_MESSAGE",
            Effect::Send,
            "Send a text (up to 1000 characters) by Instagram Direct in an existing \
             conversation: the user must have written first, within the last 24 hours. Fails \
             with 10 / 2534022 outside that window: do not retry. Optionally a reply to one of \
             the conversation's messages (reply_to_message_id).",
            send_text_message,
        )
        .native("instagraph dm send IGSID TEXT [--reply-to MID]"),
        Action::new(
            "INSTAGRAM_SEND_IMAGE",
            Effect::Send,
            "Send an image (JPEG, PNG or GIF at a public https URL, up to 8 MB) by Instagram \
             Direct to a user who wrote within the last 24 hours. Each send changes the inbox: \
             avoid bulk sends without explicit approval.",
            send_image,
        )
        .native("instagraph dm image IGSID URL"),
        Action::new(
            "INSTAGRAM_MARK_SEEN",
            Effect::Send,
            "Mark a user's messages as seen (the mark_seen sender action). Visible to the other \
             person: use with explicit approval in automated flows. The user must have an open \
             24-hour window.",
            mark_seen,
        )
        .native("instagraph dm seen IGSID"),
        Action::new(
            "INSTAGRAM_LIST_ALL_CONVERSATIONS",
            Effect::Read,
            "List the account's Instagram Direct conversations (id, updated_time, participants), \
             newest first. The list is under data.data; an empty list means no conversations. \
             Paginate with paging.cursors.after until it is absent. Threads in Requests idle for \
             30 days are not returned.",
            list_all_conversations,
        )
        .native("instagraph conversations list"),
        Action::new(
            "INSTAGRAM_GET_PAGE_CONVERSATIONS",
            Effect::Read,
            "List the Instagram conversations of the Facebook Page linked to the Instagram \
             Business account (platform=instagram). Facebook Login only; with Instagram Login \
             use INSTAGRAM_LIST_ALL_CONVERSATIONS.",
            get_page_conversations,
        )
        .account_param(Some("page_id"))
        .native("instagraph conversations list"),
        Action::new(
            "INSTAGRAM_GET_CONVERSATION",
            Effect::Read,
            "Get one Instagram Direct conversation: participants (username, IGSID), \
             updated_time, message count. The thread must exist (users write first). Newly \
             sent or received messages may take a few seconds to appear.",
            get_conversation,
        )
        .native("instagraph conversations show CONVERSATION_ID"),
        Action::new(
            "INSTAGRAM_LIST_ALL_MESSAGES",
            Effect::Read,
            "List the messages of a conversation, newest first (id, created_time, from, to, \
             message). The list is under data.data; attachment-only messages have no text. Only \
             the 20 most recent messages carry details.",
            list_all_messages,
        )
        .native("instagraph conversations messages CONVERSATION_ID"),
        Action::new(
            "INSTAGRAM_GET_MESSENGER_PROFILE",
            Effect::Read,
            "Get the messenger profile settings: ice breakers, and persistent menu, get \
             started, greeting, account linking URL and whitelisted domains where set.",
            get_messenger_profile,
        )
        .native("instagraph profile get"),
        Action::new(
            "INSTAGRAM_UPDATE_MESSENGER_PROFILE",
            Effect::Write,
            "Set the ice breakers: up to 4 questions per locale (80 characters each) shown to \
             people starting a conversation; tapping one sends its payload as a postback. Other \
             settings stay as they are.",
            update_messenger_profile,
        )
        .native("instagraph profile set --ice-breaker QUESTION:PAYLOAD"),
        Action::new(
            "INSTAGRAM_DELETE_MESSENGER_PROFILE",
            Effect::Delete,
            "Delete messenger profile settings (ice_breakers, persistent_menu, get_started, \
             greeting, account_linking_url, whitelisted_domains); only the fields named are \
             removed.",
            delete_messenger_profile,
        )
        .native("instagraph profile delete FIELD..."),
    ]
}

fn recipient(id: &str) -> Result<Igsid, ActionError> {
    let igsid = Igsid::parse(id).map_err(|e| as_param(e, "recipient_id"))?;
    check_igsid(&igsid).map_err(|e| as_param(e, "recipient_id"))?;
    Ok(igsid)
}

fn sent(r: &instagraph::models::SendResult) -> Value {
    json!({ "recipient_id": r.recipient_id, "message_id": r.message_id })
}

/// Parameters of INSTAGRAM_SEND_TEXT_MESSAGE.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SendTextMessage {
    /// The recipient's IGSID (Instagram-scoped id, numeric), from
    /// INSTAGRAM_LIST_ALL_CONVERSATIONS, INSTAGRAM_LIST_ALL_MESSAGES or a webhook; not a
    /// username (code 100).
    #[serde(deserialize_with = "super::params::id")]
    pub recipient_id: String,
    /// The message text (1 to 1000 characters).
    pub text: String,
    /// Instagram Business Account ID (optional: /me/messages is used otherwise).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// A message id (mid) of the conversation to reply to (shown as a reply).
    #[serde(default, deserialize_with = "opt_text")]
    pub reply_to_message_id: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn send_text_message(ctx: ActionContext, p: SendTextMessage) -> Result<Value, ActionError> {
    let to = recipient(&p.recipient_id)?;
    let reply_to = p
        .reply_to_message_id
        .as_deref()
        .map(|m| MessageId::parse(m).map_err(|e| as_param(e, "reply_to_message_id")))
        .transpose()?;
    let message = OutgoingMessage::Text(p.text);
    message.validate()?;
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let client = messaging_client(client).await?;
    let options = SendOptions {
        reply_to,
        human_agent: false,
    };
    Ok(sent(&client.send_message(&to, &message, &options).await?))
}

/// Parameters of INSTAGRAM_SEND_IMAGE.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SendImage {
    /// The recipient's IGSID (numeric), not a username. Only users who wrote within the last
    /// 24 hours can be messaged.
    #[serde(deserialize_with = "super::params::id")]
    pub recipient_id: String,
    /// A public https URL of a JPEG, PNG or GIF image (no authentication), up to 8 MB.
    pub image_url: String,
    /// Instagram Business Account ID (numeric; optional: /me/messages is used otherwise).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn send_image(ctx: ActionContext, p: SendImage) -> Result<Value, ActionError> {
    let to = recipient(&p.recipient_id)?;
    let message =
        OutgoingMessage::Media(MediaAttachment::url(MediaKind::Image, p.image_url.trim()));
    message.validate()?;
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let client = messaging_client(client).await?;
    Ok(sent(
        &client
            .send_message(&to, &message, &SendOptions::default())
            .await?,
    ))
}

/// Parameters of INSTAGRAM_MARK_SEEN.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MarkSeen {
    /// The IGSID of the user whose messages to mark seen (a conversation participant, not a
    /// thread id).
    #[serde(deserialize_with = "super::params::id")]
    pub recipient_id: String,
    /// Instagram Business Account ID (optional: /me/messages is used otherwise).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn mark_seen(ctx: ActionContext, p: MarkSeen) -> Result<Value, ActionError> {
    let to = recipient(&p.recipient_id)?;
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let client = messaging_client(client).await?;
    let r = client.sender_action(&to, SenderAction::MarkSeen).await?;
    Ok(json!({ "recipient_id": r.recipient_id, "sender_action": "mark_seen", "success": true }))
}

fn conversations_request(
    client: &Client,
    limit: Option<u32>,
    after: Option<&str>,
    platform: &str,
) -> Result<Request, ActionError> {
    let node = client.messaging_node()?;
    let mut req = Request::get(format!("{node}/conversations"))
        .query("platform", platform)
        .query("fields", DEFAULT_CONVERSATION_LIST_FIELDS)
        .class(OperationClass::Conversations);
    if let Some(l) = limit {
        check_limit(l, 100)?;
        req = req.query("limit", l.to_string());
    }
    if let Some(a) = after {
        req = req.query("after", check_cursor("after", a)?);
    }
    Ok(req)
}

/// Parameters of INSTAGRAM_LIST_ALL_CONVERSATIONS.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListAllConversations {
    /// Instagram Business Account ID (optional: /me/conversations is used otherwise).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// Conversations per page (1 to 100).
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after; its absence (and of paging.next) ends the list.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn list_all_conversations(
    ctx: ActionContext,
    p: ListAllConversations,
) -> Result<Value, ActionError> {
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let client = messaging_client(client).await?;
    let req = conversations_request(&client, p.limit, p.after.as_deref(), "instagram")?;
    data(&client.page::<instagraph::models::Conversation>(req).await?)
}

/// Parameters of INSTAGRAM_GET_PAGE_CONVERSATIONS.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetPageConversations {
    /// The Instagram Business Account ID (from /me) whose linked Page's conversations to list,
    /// or "me".
    #[serde(deserialize_with = "super::params::id")]
    pub page_id: String,
    /// instagram (the default) for Instagram conversations only, or messenger for the Page's
    /// Messenger threads.
    #[serde(default, deserialize_with = "opt_text")]
    pub platform: Option<String>,
    /// Conversations per page (1 to 100).
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after of the previous page.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_page_conversations(
    ctx: ActionContext,
    p: GetPageConversations,
) -> Result<Value, ActionError> {
    let platform = p
        .platform
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "instagram".to_owned());
    if !matches!(platform.as_str(), "instagram" | "messenger") {
        return Err(invalid(format!(
            "platform: expected instagram or messenger, got {platform:?}"
        )));
    }
    let client = ctx
        .client(Some(&p.page_id), p.graph_api_version.as_deref())
        .await?;
    client.require_family(
        LoginFamily::Facebook,
        "listing a Facebook Page's conversations",
        Some(
            "Pages belong to Facebook Login; with Instagram Login use INSTAGRAM_LIST_ALL_CONVERSATIONS",
        ),
    )?;
    let client = messaging_client(client).await?;
    let req = conversations_request(&client, p.limit, p.after.as_deref(), &platform)?;
    data(&client.page::<instagraph::models::Conversation>(req).await?)
}

/// Parameters of INSTAGRAM_GET_CONVERSATION.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetConversation {
    /// The conversation (thread) id, a base64-like string from
    /// INSTAGRAM_LIST_ALL_CONVERSATIONS. Conversations cannot be started by the API.
    #[serde(deserialize_with = "super::params::id")]
    pub conversation_id: String,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_conversation(ctx: ActionContext, p: GetConversation) -> Result<Value, ActionError> {
    let id =
        ConversationId::parse(&p.conversation_id).map_err(|e| as_param(e, "conversation_id"))?;
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    let client = messaging_client(client).await?;
    data(&client.conversation(&id, None).await?)
}

/// Parameters of INSTAGRAM_LIST_ALL_MESSAGES.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListAllMessages {
    /// The conversation id (base64-like, 'aWdfZAG06...') from
    /// INSTAGRAM_LIST_ALL_CONVERSATIONS.
    #[serde(deserialize_with = "super::params::id")]
    pub conversation_id: String,
    /// Messages per page (1 to 100).
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after; stop when it (or paging.next) is absent.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn list_all_messages(ctx: ActionContext, p: ListAllMessages) -> Result<Value, ActionError> {
    let id =
        ConversationId::parse(&p.conversation_id).map_err(|e| as_param(e, "conversation_id"))?;
    let mut req = Request::get(format!("{id}/messages"))
        .query("fields", DEFAULT_MESSAGE_LIST_FIELDS)
        .class(OperationClass::Conversations);
    if let Some(l) = p.limit {
        check_limit(l, 100)?;
        req = req.query("limit", l.to_string());
    }
    if let Some(a) = &p.after {
        req = req.query("after", check_cursor("after", a)?);
    }
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    let client = messaging_client(client).await?;
    data(
        &client
            .page::<instagraph::models::MessageDetails>(req)
            .await?,
    )
}

/// Messenger profile settings that can be read and deleted.
const PROFILE_FIELDS: &[&str] = &[
    "ice_breakers",
    "persistent_menu",
    "get_started",
    "greeting",
    "account_linking_url",
    "whitelisted_domains",
];

/// Checks the names; `Some` when the client's typed field list covers them all.
fn profile_fields(
    param: &str,
    names: &[String],
) -> Result<Option<Vec<MessengerProfileField>>, ActionError> {
    let mut typed = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let n = n.trim().to_ascii_lowercase();
        if !PROFILE_FIELDS.contains(&n.as_str()) {
            return Err(invalid(format!(
                "{param}[{i}]: expected one of {}, got {n:?}",
                PROFILE_FIELDS.join(", ")
            )));
        }
        typed.push(n.parse::<MessengerProfileField>().ok());
    }
    Ok(typed.into_iter().collect())
}

/// Parameters of INSTAGRAM_GET_MESSENGER_PROFILE.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetMessengerProfile {
    /// The Instagram user id whose messenger profile to read, or "me".
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// Comma-separated: ice_breakers, greeting, persistent_menu, get_started,
    /// account_linking_url, whitelisted_domains (default: all).
    #[serde(default)]
    pub fields: StringList,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_messenger_profile(
    ctx: ActionContext,
    p: GetMessengerProfile,
) -> Result<Value, ActionError> {
    let names: Vec<String> = if p.fields.is_empty() {
        PROFILE_FIELDS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        p.fields.items().to_vec()
    };
    let typed = profile_fields("fields", &names)?;
    let client = ctx
        .client(Some(&p.ig_user_id), p.graph_api_version.as_deref())
        .await?;
    let client = messaging_client(client).await?;
    match typed {
        Some(fields) => {
            let profile = client.messenger_profile(&fields).await?;
            let items = if profile.is_empty() {
                Vec::new()
            } else {
                vec![data(&profile)?]
            };
            Ok(json!({ "data": items }))
        }
        None => {
            let node = client.messaging_node()?;
            let names: Vec<String> = names
                .iter()
                .map(|n| n.trim().to_ascii_lowercase())
                .collect();
            let v: Value = client
                .send_json(
                    Request::get(format!("{node}/messenger_profile"))
                        .query("platform", "instagram")
                        .query("fields", names.join(",")),
                )
                .await?;
            Ok(v)
        }
    }
}

/// One ice breaker question.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct Question {
    /// The question (1 to 80 characters).
    pub question: String,
    /// The postback payload sent when it is tapped (up to 1000 characters; default: the
    /// question).
    #[serde(default, deserialize_with = "opt_text")]
    pub payload: Option<String>,
}

/// An ice breaker entry: the platform's per-locale form, or a bare question (default locale).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum IceBreakerParam {
    /// `{"locale": "default", "call_to_actions": [{"question": .., "payload": ..}]}`.
    Locale {
        /// Up to 4 questions.
        call_to_actions: Vec<Question>,
        /// The locale (default "default").
        #[serde(default)]
        locale: Option<String>,
    },
    /// `{"question": .., "payload": ..}`, in the default locale.
    Question(Question),
}

fn ice_breaker(q: &Question) -> IceBreaker {
    IceBreaker {
        question: q.question.clone(),
        payload: q.payload.clone().unwrap_or_else(|| q.question.clone()),
        extra: Default::default(),
    }
}

fn ice_breakers(list: &[IceBreakerParam]) -> Vec<IceBreakers> {
    let mut out: Vec<IceBreakers> = Vec::new();
    let mut push = |locale: &str, q: IceBreaker| match out.iter_mut().find(|b| b.locale == locale) {
        Some(b) => b.call_to_actions.push(q),
        None => out.push(IceBreakers {
            locale: locale.to_owned(),
            call_to_actions: vec![q],
            extra: Default::default(),
        }),
    };
    for entry in list {
        match entry {
            IceBreakerParam::Locale {
                call_to_actions,
                locale,
            } => {
                let locale = locale.as_deref().unwrap_or("default");
                for q in call_to_actions {
                    push(locale, ice_breaker(q));
                }
            }
            IceBreakerParam::Question(q) => push("default", ice_breaker(q)),
        }
    }
    out
}

/// Parameters of INSTAGRAM_UPDATE_MESSENGER_PROFILE.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateMessengerProfile {
    /// The Instagram Business Account ID whose messenger profile to update, or "me".
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// Ice breakers: [{"locale": "default", "call_to_actions": [{"question": "...",
    /// "payload": "..."}]}] or simply [{"question": "...", "payload": "..."}]. At most 4
    /// questions per locale, 80 characters each.
    pub ice_breakers: Vec<IceBreakerParam>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn update_messenger_profile(
    ctx: ActionContext,
    p: UpdateMessengerProfile,
) -> Result<Value, ActionError> {
    if p.ice_breakers.is_empty() {
        return Err(invalid(
            "ice_breakers: expected 1 to 4 ice breakers, got none (to remove them use INSTAGRAM_DELETE_MESSENGER_PROFILE)",
        ));
    }
    let profile = MessengerProfile {
        ice_breakers: ice_breakers(&p.ice_breakers),
        ..MessengerProfile::default()
    };
    instagraph::ops::messenger_profile::validate_update(&profile)?;
    let client = ctx
        .client(Some(&p.ig_user_id), p.graph_api_version.as_deref())
        .await?;
    let client = messaging_client(client).await?;
    client.set_messenger_profile(&profile).await?;
    Ok(json!({ "result": "success" }))
}

/// Parameters of INSTAGRAM_DELETE_MESSENGER_PROFILE.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteMessengerProfile {
    /// The Instagram Business Account ID whose settings to delete, or "me".
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// The settings to delete: ice_breakers, persistent_menu, get_started, greeting,
    /// account_linking_url, whitelisted_domains. Only these are removed.
    pub fields: StringList,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn delete_messenger_profile(
    ctx: ActionContext,
    p: DeleteMessengerProfile,
) -> Result<Value, ActionError> {
    if p.fields.is_empty() {
        return Err(invalid(format!(
            "fields: expected at least one of {}, got none",
            PROFILE_FIELDS.join(", ")
        )));
    }
    let typed = profile_fields("fields", p.fields.items())?;
    let client = ctx
        .client(Some(&p.ig_user_id), p.graph_api_version.as_deref())
        .await?;
    let client = messaging_client(client).await?;
    match typed {
        Some(fields) => client.delete_messenger_profile(&fields).await?,
        None => {
            let node = client.messaging_node()?;
            let names: Vec<String> = p
                .fields
                .items()
                .iter()
                .map(|n| n.trim().to_ascii_lowercase())
                .collect();
            let _: Value = client
                .send_json(
                    Request::delete(format!("{node}/messenger_profile"))
                        .query("platform", "instagram")
                        .json(json!({ "fields": names })),
                )
                .await?;
        }
    }
    Ok(json!({ "result": "success" }))
}
