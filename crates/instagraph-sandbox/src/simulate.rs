//! Playing the Instagram user: simulated direct messages, button and ice-breaker taps
//! (postbacks), reactions, read receipts and blocks, each as a public [`Sandbox`] method and a
//! control route under `/_sandbox/simulate/...`. Every event updates the sandbox world (the user
//! and conversation are created when new, an inbound message reopens the 24-hour window) and
//! queues the webhook a real app would receive (see [`crate::webhooks`]).
//!
//! Routes (JSON bodies; errors are `{"error": "..."}` with 400 or 404):
//!
//! - `POST /_sandbox/simulate/dm` — a [`SimulatedDm`]:
//!   `{"account":"creator","user":{"username":"new.customer"},"text":"Hi!"}`;
//!   `user` may also be an IGSID string (`"user":"1234567890"`, created when unknown) or a
//!   username string; optional `attachments:[{"type":"image","url":"https://…"}]`,
//!   `quick_reply_payload` (with the tapped option's `text`) and `reply_to` (a mid). Answers a
//!   [`SimulatedEvent`] `{mid, igsid, conversation_id, webhook}`.
//! - `POST /_sandbox/simulate/postback` — a [`SimulatedPostback`]: `{account, user, payload,
//!   title}` (a template button, persistent-menu item or ice breaker was tapped).
//! - `POST /_sandbox/simulate/reaction` — a [`SimulatedReaction`]: `{account, user, mid,
//!   action: "react"|"unreact", reaction: "love", emoji: "❤️"}`.
//! - `POST /_sandbox/simulate/read` — a [`SimulatedRead`]: `{account, user, mid?}` (default: the
//!   newest message the account sent).
//! - `POST /_sandbox/simulate/block` — a [`SimulatedBlock`]: `{account, user, blocked: true}`;
//!   sends to a blocking user fail with code 551.
//! - `GET /_sandbox/messaging?account=creator` — the account's conversations (IGSID, username,
//!   last inbound time, window state), the comments open for a private reply, and the limits.
//! - `GET|POST /_sandbox/messaging/limits` — read or set [`MessagingLimits`] (omitted fields take
//!   their defaults; 0 switches a limit off).
//!
//! `account` is a seeded account's name (`business`, `creator`) or its IG user id.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Sandbox;
use crate::clock::graph_timestamp;
use crate::messaging::{
    self, HUMAN_AGENT_WINDOW_SECS, MessagingLimits, NewMessage, NewUser, Reaction,
    ReplyableComment, STANDARD_WINDOW_SECS,
};
use crate::state::State;
use crate::webhooks::{self, WebhookPayload};

/// Who a simulated event comes from: an IGSID, a username, or both with profile details.
///
/// In JSON it is an object, or a string: all digits means an IGSID, anything else a username.
/// An unknown IGSID or username creates the user (IGSIDs must be digits).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SimUser {
    /// The user's IGSID for the account.
    pub igsid: Option<String>,
    /// Instagram username.
    pub username: Option<String>,
    /// Display name (users may have none).
    pub name: Option<String>,
    /// Follower count for the User Profile API.
    pub follower_count: Option<u64>,
    /// Verified badge.
    pub is_verified_user: Option<bool>,
    /// Whether the user follows the account (`is_user_follow_business`).
    pub follows_account: Option<bool>,
    /// Whether the account follows the user (`is_business_follow_user`).
    pub followed_by_account: Option<bool>,
}

impl SimUser {
    /// A user by IGSID.
    pub fn igsid(id: impl Into<String>) -> Self {
        Self {
            igsid: Some(id.into()),
            ..Self::default()
        }
    }

    /// A user by username.
    pub fn username(name: impl Into<String>) -> Self {
        Self {
            username: Some(name.into()),
            ..Self::default()
        }
    }
}

impl<'de> Deserialize<'de> for SimUser {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            #[serde(default)]
            igsid: Option<String>,
            #[serde(default)]
            username: Option<String>,
            #[serde(default)]
            name: Option<String>,
            #[serde(default)]
            follower_count: Option<u64>,
            #[serde(default)]
            is_verified_user: Option<bool>,
            #[serde(default)]
            follows_account: Option<bool>,
            #[serde(default)]
            followed_by_account: Option<bool>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Object(Fields),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Text(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                SimUser::igsid(s)
            }
            Raw::Text(s) => SimUser::username(s),
            Raw::Object(f) => SimUser {
                igsid: f.igsid,
                username: f.username,
                name: f.name,
                follower_count: f.follower_count,
                is_verified_user: f.is_verified_user,
                follows_account: f.follows_account,
                followed_by_account: f.followed_by_account,
            },
        })
    }
}

/// An attachment a simulated user sends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimAttachment {
    /// `image`, `video`, `audio`, `file`, `share`, `story_mention`, `ig_reel`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Its URL; a lookaside CDN URL is made up when absent.
    #[serde(default)]
    pub url: Option<String>,
}

/// A user sends a direct message to an account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedDm {
    /// Seeded account name or IG user id.
    pub account: String,
    /// The sender.
    pub user: SimUser,
    /// Text.
    #[serde(default)]
    pub text: Option<String>,
    /// Attachments.
    #[serde(default)]
    pub attachments: Vec<SimAttachment>,
    /// The payload of a tapped quick reply (`text` is then the option's title).
    #[serde(default)]
    pub quick_reply_payload: Option<String>,
    /// The mid this message replies to.
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// A user taps a template button, a persistent-menu item or an ice breaker.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedPostback {
    /// Seeded account name or IG user id.
    pub account: String,
    /// The user.
    pub user: SimUser,
    /// The button's payload.
    pub payload: String,
    /// The button's title.
    #[serde(default)]
    pub title: String,
}

/// A user reacts to a message, or removes a reaction.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedReaction {
    /// Seeded account name or IG user id.
    pub account: String,
    /// The user (must exist).
    pub user: SimUser,
    /// The message reacted to (in the user's conversation with the account).
    pub mid: String,
    /// `react` (default) or `unreact`.
    #[serde(default)]
    pub action: Option<String>,
    /// The reaction name (default `love`, or `other` when only an emoji is given).
    #[serde(default)]
    pub reaction: Option<String>,
    /// The emoji (default: the reaction's emoji).
    #[serde(default)]
    pub emoji: Option<String>,
}

/// A user reads the conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedRead {
    /// Seeded account name or IG user id.
    pub account: String,
    /// The user (must exist).
    pub user: SimUser,
    /// The newest message read (default: the newest the account sent).
    #[serde(default)]
    pub mid: Option<String>,
}

fn yes() -> bool {
    true
}

/// A user blocks (or unblocks) the account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedBlock {
    /// Seeded account name or IG user id.
    pub account: String,
    /// The user (must exist).
    pub user: SimUser,
    /// Blocked (default) or not.
    #[serde(default = "yes")]
    pub blocked: bool,
}

/// What a simulation did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimulatedEvent {
    /// The new message's (or postback's) mid, or the mid reacted to / read.
    pub mid: Option<String>,
    /// The user's IGSID.
    pub igsid: String,
    /// The conversation.
    pub conversation_id: String,
    /// The `messaging[]` item queued as a webhook (none for blocks).
    pub webhook: Option<Value>,
}

/// Why a simulation was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    /// No seeded account has that name or id.
    #[error("unknown account: {0}")]
    UnknownAccount(String),
    /// The user does not exist for the account (reactions, reads and blocks need one).
    #[error("unknown user: {0}")]
    UnknownUser(String),
    /// The message is not in the user's conversation with the account.
    #[error("unknown message: {0}")]
    UnknownMessage(String),
    /// The request is incomplete or contradictory.
    #[error("invalid simulation: {0}")]
    Invalid(String),
}

pub(crate) fn account_id(st: &State, account: &str) -> Result<String, SimulationError> {
    if let Some(a) = st.accounts.iter().find(|a| a.name == account) {
        return Ok(a.ig_user_id.clone());
    }
    st.ig_account_by_any_id(account)
        .map(|a| a.ig_user_id.clone())
        .ok_or_else(|| SimulationError::UnknownAccount(account.to_owned()))
}

fn resolve_user(
    st: &mut State,
    account: &str,
    user: &SimUser,
    create: bool,
) -> Result<String, SimulationError> {
    if let Some(id) = &user.igsid {
        if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SimulationError::Invalid(format!(
                "an IGSID is 1 to 20 digits, got {id:?}"
            )));
        }
        if st.messaging.user(account, id).is_some() {
            return Ok(id.clone());
        }
        if !create {
            return Err(SimulationError::UnknownUser(id.clone()));
        }
    } else if let Some(name) = &user.username {
        let found = st
            .messaging
            .users
            .values()
            .find(|u| u.account == account && u.username == *name)
            .map(|u| u.igsid.clone());
        if let Some(id) = found {
            return Ok(id);
        }
        if !create {
            return Err(SimulationError::UnknownUser(name.clone()));
        }
    } else {
        return Err(SimulationError::Invalid(
            "user needs an igsid or a username".into(),
        ));
    }
    let username = user
        .username
        .clone()
        .or_else(|| user.igsid.as_ref().map(|i| format!("user_{i}")))
        .unwrap_or_default();
    if username.is_empty()
        || username.len() > 30
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
    {
        return Err(SimulationError::Invalid(format!(
            "a username is 1 to 30 letters, digits, '.' or '_', got {username:?}"
        )));
    }
    Ok(messaging::ensure_user(
        st,
        account,
        NewUser {
            igsid: user.igsid.clone(),
            username,
            name: user.name.clone(),
            follower_count: user.follower_count,
            is_verified_user: user.is_verified_user,
            is_user_follow_business: user.follows_account,
            is_business_follow_user: user.followed_by_account,
        },
    ))
}

fn message_in(st: &State, conversation: &str, mid: &str) -> Result<(), SimulationError> {
    if st
        .messaging
        .messages
        .get(mid)
        .is_some_and(|m| m.conversation == conversation)
    {
        Ok(())
    } else {
        Err(SimulationError::UnknownMessage(mid.to_owned()))
    }
}

fn emit(st: &mut State, account: &str, field: &str, item: &Value) {
    webhooks::emit(
        st,
        account,
        WebhookPayload::Messaging {
            field: field.to_owned(),
            item: item.clone(),
        },
    );
}

fn envelope(st: &State, igsid: &str, account: &str, key: &str, body: Value) -> Value {
    let mut item = json!({
        "sender": { "id": igsid },
        "recipient": { "id": account },
        "timestamp": st.now().saturating_mul(1000),
    });
    item[key] = body;
    item
}

fn dm(st: &mut State, req: &SimulatedDm) -> Result<SimulatedEvent, SimulationError> {
    let account = account_id(st, &req.account)?;
    if req.text.is_none() && req.attachments.is_empty() {
        return Err(SimulationError::Invalid(
            "a message needs text or attachments".into(),
        ));
    }
    if req.quick_reply_payload.is_some() && req.text.is_none() {
        return Err(SimulationError::Invalid(
            "a quick reply carries the tapped option's title as text".into(),
        ));
    }
    if req.attachments.iter().any(|a| a.kind.trim().is_empty()) {
        return Err(SimulationError::Invalid(
            "an attachment needs a type".into(),
        ));
    }
    let igsid = resolve_user(st, &account, &req.user, true)?;
    let conversation = messaging::ensure_conversation(st, &account, &igsid);
    if let Some(r) = &req.reply_to {
        message_in(st, &conversation, r)?;
    }
    let mut attachments = Vec::new();
    for a in &req.attachments {
        let url = match &a.url {
            Some(u) => u.clone(),
            None => {
                let asset = messaging::new_numeric(st, "18", 17);
                let sig = st.messaging.rng.b64url(64);
                format!(
                    "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id={asset}&signature={sig}"
                )
            }
        };
        attachments.push(json!({ "type": a.kind, "payload": { "url": url } }));
    }
    let now = st.now();
    let mid = messaging::append_message(
        st,
        &conversation,
        false,
        now,
        NewMessage {
            text: req.text.clone(),
            attachments,
            reply_to: req.reply_to.clone(),
            quick_reply: req.quick_reply_payload.clone(),
        },
    );
    let message = st
        .messaging
        .messages
        .get(&mid)
        .map(|m| messaging::webhook_message(m, false))
        .unwrap_or(Value::Null);
    let item = envelope(st, &igsid, &account, "message", message);
    emit(st, &account, "messages", &item);
    Ok(SimulatedEvent {
        mid: Some(mid),
        igsid,
        conversation_id: conversation,
        webhook: Some(item),
    })
}

fn postback(st: &mut State, req: &SimulatedPostback) -> Result<SimulatedEvent, SimulationError> {
    let account = account_id(st, &req.account)?;
    if req.payload.is_empty() {
        return Err(SimulationError::Invalid(
            "a postback needs a payload".into(),
        ));
    }
    let igsid = resolve_user(st, &account, &req.user, true)?;
    let conversation = messaging::ensure_conversation(st, &account, &igsid);
    let mid = messaging::new_mid(st);
    let now = st.now();
    if let Some(c) = st.messaging.conversations.get_mut(&conversation) {
        // A tap is the user writing: it opens the 24-hour window.
        c.last_inbound = Some(c.last_inbound.map_or(now, |t| t.max(now)));
        c.updated = c.updated.max(now);
    }
    let body = json!({ "mid": mid, "title": req.title, "payload": req.payload });
    let item = envelope(st, &igsid, &account, "postback", body);
    emit(st, &account, "messaging_postbacks", &item);
    Ok(SimulatedEvent {
        mid: Some(mid),
        igsid,
        conversation_id: conversation,
        webhook: Some(item),
    })
}

fn existing_thread(
    st: &mut State,
    account_name: &str,
    user: &SimUser,
) -> Result<(String, String, String), SimulationError> {
    let account = account_id(st, account_name)?;
    let igsid = resolve_user(st, &account, user, false)?;
    let conversation = st
        .messaging
        .conversation_with(&account, &igsid)
        .map(|c| c.id.clone())
        .ok_or_else(|| SimulationError::UnknownUser(igsid.clone()))?;
    Ok((account, igsid, conversation))
}

fn reaction(st: &mut State, req: &SimulatedReaction) -> Result<SimulatedEvent, SimulationError> {
    let (account, igsid, conversation) = existing_thread(st, &req.account, &req.user)?;
    message_in(st, &conversation, &req.mid)?;
    let action = req.action.as_deref().unwrap_or("react");
    let body = match action {
        "react" => {
            let name = req.reaction.clone().unwrap_or_else(|| {
                if req.emoji.is_some() {
                    "other".to_owned()
                } else {
                    "love".to_owned()
                }
            });
            let emoji = req
                .emoji
                .clone()
                .unwrap_or_else(|| messaging::emoji_for(&name));
            if let Some(m) = st.messaging.messages.get_mut(&req.mid) {
                m.reactions.retain(|r| r.by_business);
                m.reactions.push(Reaction {
                    by_business: false,
                    reaction: name.clone(),
                    emoji: emoji.clone(),
                });
            }
            json!({ "mid": req.mid, "action": "react", "reaction": name, "emoji": emoji })
        }
        "unreact" => {
            if let Some(m) = st.messaging.messages.get_mut(&req.mid) {
                m.reactions.retain(|r| r.by_business);
            }
            json!({ "mid": req.mid, "action": "unreact" })
        }
        other => {
            return Err(SimulationError::Invalid(format!(
                "action must be react or unreact, got {other:?}"
            )));
        }
    };
    let item = envelope(st, &igsid, &account, "reaction", body);
    emit(st, &account, "message_reactions", &item);
    Ok(SimulatedEvent {
        mid: Some(req.mid.clone()),
        igsid,
        conversation_id: conversation,
        webhook: Some(item),
    })
}

fn read(st: &mut State, req: &SimulatedRead) -> Result<SimulatedEvent, SimulationError> {
    let (account, igsid, conversation) = existing_thread(st, &req.account, &req.user)?;
    let thread = st
        .messaging
        .conversations
        .get(&conversation)
        .map(|c| c.messages.clone())
        .unwrap_or_default();
    let mid = match &req.mid {
        Some(m) => {
            message_in(st, &conversation, m)?;
            m.clone()
        }
        None => thread
            .iter()
            .rev()
            .find(|m| {
                st.messaging
                    .messages
                    .get(*m)
                    .is_some_and(|m| m.from_business)
            })
            .cloned()
            .ok_or_else(|| {
                SimulationError::Invalid("the account has sent nothing to read yet".into())
            })?,
    };
    for id in &thread {
        if let Some(m) = st.messaging.messages.get_mut(id)
            && m.from_business
        {
            m.seen = true;
        }
        if *id == mid {
            break;
        }
    }
    let item = envelope(st, &igsid, &account, "read", json!({ "mid": mid }));
    emit(st, &account, "messaging_seen", &item);
    Ok(SimulatedEvent {
        mid: Some(mid),
        igsid,
        conversation_id: conversation,
        webhook: Some(item),
    })
}

fn block(st: &mut State, req: &SimulatedBlock) -> Result<SimulatedEvent, SimulationError> {
    let (account, igsid, conversation) = existing_thread(st, &req.account, &req.user)?;
    if let Some(u) = st
        .messaging
        .users
        .get_mut(&(account.clone(), igsid.clone()))
    {
        u.blocked = req.blocked;
    }
    Ok(SimulatedEvent {
        mid: None,
        igsid,
        conversation_id: conversation,
        webhook: None,
    })
}

fn window_state(last_inbound: Option<i64>, now: i64) -> &'static str {
    match last_inbound.map(|t| now - t) {
        Some(a) if a < STANDARD_WINDOW_SECS => "open",
        Some(a) if a < HUMAN_AGENT_WINDOW_SECS => "human_agent",
        _ => "closed",
    }
}

impl Sandbox {
    /// A user sends a direct message (see [`SimulatedDm`]); queues the `messages` webhook.
    pub fn simulate_dm(&self, req: &SimulatedDm) -> Result<SimulatedEvent, SimulationError> {
        dm(&mut self.lock(), req)
    }

    /// A user taps a button or ice breaker; queues the `messaging_postbacks` webhook.
    pub fn simulate_postback(
        &self,
        req: &SimulatedPostback,
    ) -> Result<SimulatedEvent, SimulationError> {
        postback(&mut self.lock(), req)
    }

    /// A user reacts or unreacts; queues the `message_reactions` webhook.
    pub fn simulate_reaction(
        &self,
        req: &SimulatedReaction,
    ) -> Result<SimulatedEvent, SimulationError> {
        reaction(&mut self.lock(), req)
    }

    /// A user reads the conversation; queues the `messaging_seen` webhook.
    pub fn simulate_read(&self, req: &SimulatedRead) -> Result<SimulatedEvent, SimulationError> {
        read(&mut self.lock(), req)
    }

    /// A user blocks or unblocks the account (sends then fail with code 551).
    pub fn simulate_block(&self, req: &SimulatedBlock) -> Result<SimulatedEvent, SimulationError> {
        block(&mut self.lock(), req)
    }

    /// The messaging limits in force.
    pub fn messaging_limits(&self) -> MessagingLimits {
        self.lock().messaging.limits
    }

    /// Replaces the messaging limits.
    pub fn set_messaging_limits(&self, limits: MessagingLimits) {
        self.lock().messaging.limits = limits;
    }

    /// Comments of `account` (name or IG user id) that can get, or got, a private reply.
    pub fn private_reply_comments(
        &self,
        account: &str,
    ) -> Result<Vec<ReplyableComment>, SimulationError> {
        let st = self.lock();
        let id = account_id(&st, account)?;
        let mut list: Vec<ReplyableComment> = st
            .messaging
            .comments
            .values()
            .filter(|c| c.account == id)
            .cloned()
            .collect();
        list.sort_by_key(|c| std::cmp::Reverse(c.created));
        Ok(list)
    }

    /// Registers a comment by `user` on the account's media that can get one private reply
    /// (for comments created outside the messaging simulations). Returns the comment id.
    pub fn add_replyable_comment(
        &self,
        account: &str,
        user: &SimUser,
        text: &str,
    ) -> Result<String, SimulationError> {
        let mut st = self.lock();
        let account = account_id(&st, account)?;
        let media_id = st
            .ig_accounts
            .get(&account)
            .and_then(|a| a.media.first().cloned())
            .ok_or_else(|| SimulationError::Invalid("the account has no media".into()))?;
        let igsid = resolve_user(&mut st, &account, user, true)?;
        let username = st
            .messaging
            .user(&account, &igsid)
            .map(|u| u.username.clone())
            .unwrap_or_default();
        let id = messaging::new_numeric(&mut st, "179", 17);
        let created = st.now();
        st.messaging.comments.insert(
            id.clone(),
            ReplyableComment {
                id: id.clone(),
                account,
                media_id,
                from_igsid: igsid,
                username,
                text: text.to_owned(),
                created,
                private_reply_mid: None,
            },
        );
        Ok(id)
    }

    /// The account's conversations (IGSID, username, last inbound time, window state `open`,
    /// `human_agent` or `closed`, blocked), its comments open for a private reply and the limits.
    pub fn messaging_overview(&self, account: &str) -> Result<Value, SimulationError> {
        let comments = self.private_reply_comments(account)?;
        let st = self.lock();
        let id = account_id(&st, account)?;
        let now = st.now();
        let mut threads: Vec<&messaging::Conversation> = st
            .messaging
            .conversations
            .values()
            .filter(|c| c.account == id)
            .collect();
        threads.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| a.id.cmp(&b.id)));
        let conversations: Vec<Value> = threads
            .into_iter()
            .map(|c| {
                let user = st.messaging.user(&c.account, &c.igsid);
                json!({
                    "id": c.id,
                    "igsid": c.igsid,
                    "username": user.map(|u| u.username.clone()),
                    "name": user.and_then(|u| u.name.clone()),
                    "blocked": user.is_some_and(|u| u.blocked),
                    "last_inbound": c.last_inbound,
                    "last_inbound_time": c.last_inbound.map(graph_timestamp),
                    "window": window_state(c.last_inbound, now),
                    "message_count": c.messages.len(),
                    "unread": c.unread,
                })
            })
            .collect();
        let comments: Vec<Value> = comments
            .into_iter()
            .map(|c| {
                let open = c.private_reply_mid.is_none()
                    && now - c.created < messaging::PRIVATE_REPLY_WINDOW_SECS;
                let mut v = serde_json::to_value(&c).unwrap_or(Value::Null);
                v["open"] = json!(open);
                v
            })
            .collect();
        Ok(json!({
            "account": id,
            "now": now,
            "conversations": conversations,
            "comments": comments,
            "limits": st.messaging.limits,
        }))
    }
}

// ---- control routes ---------------------------------------------------------------------------

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn failure(e: &SimulationError) -> Response {
    let status = match e {
        SimulationError::Invalid(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::NOT_FOUND,
    };
    error(status, e.to_string())
}

fn run<T: serde::de::DeserializeOwned>(
    body: &[u8],
    f: impl FnOnce(T) -> Result<SimulatedEvent, SimulationError>,
) -> Response {
    match serde_json::from_slice::<T>(body) {
        Ok(req) => match f(req) {
            Ok(ev) => Json(ev).into_response(),
            Err(e) => failure(&e),
        },
        Err(e) => error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")),
    }
}

async fn dm_route(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    run(&body, |r: SimulatedDm| sb.simulate_dm(&r))
}

async fn postback_route(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    run(&body, |r: SimulatedPostback| sb.simulate_postback(&r))
}

async fn reaction_route(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    run(&body, |r: SimulatedReaction| sb.simulate_reaction(&r))
}

async fn read_route(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    run(&body, |r: SimulatedRead| sb.simulate_read(&r))
}

async fn block_route(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    run(&body, |r: SimulatedBlock| sb.simulate_block(&r))
}

#[derive(Deserialize)]
struct AccountQuery {
    account: String,
}

async fn overview_route(AxState(sb): AxState<Sandbox>, RawQuery(q): RawQuery) -> Response {
    let account = serde_urlencoded::from_str::<AccountQuery>(q.as_deref().unwrap_or(""));
    let Ok(AccountQuery { account }) = account else {
        return error(StatusCode::BAD_REQUEST, "missing ?account=NAME");
    };
    match sb.messaging_overview(&account) {
        Ok(v) => Json(v).into_response(),
        Err(e) => failure(&e),
    }
}

async fn get_limits(AxState(sb): AxState<Sandbox>) -> Response {
    Json(sb.messaging_limits()).into_response()
}

async fn set_limits(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    match serde_json::from_slice::<MessagingLimits>(&body) {
        Ok(l) => {
            sb.set_messaging_limits(l);
            Json(l).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")),
    }
}

/// The simulation and messaging control routes.
pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/_sandbox/simulate/dm", post(dm_route))
        .route("/_sandbox/simulate/postback", post(postback_route))
        .route("/_sandbox/simulate/reaction", post(reaction_route))
        .route("/_sandbox/simulate/read", post(read_route))
        .route("/_sandbox/simulate/block", post(block_route))
        .route("/_sandbox/messaging", get(overview_route))
        .route(
            "/_sandbox/messaging/limits",
            get(get_limits).post(set_limits),
        )
}
