//! Instagram Direct endpoints:
//!
//! - `POST /{ig-user-id|me}/messages` (Instagram Login) and `POST /{page-id|me}/messages` (Facebook
//!   Login, Page token): text, attachments by URL or attachment id, `like_heart`, `MEDIA_SHARE`,
//!   button and generic templates, quick replies, sender actions, reactions, `reply_to`, the
//!   `HUMAN_AGENT` tag and private replies (`recipient.comment_id`). The 24-hour window, the
//!   7-day `HUMAN_AGENT` window, 551 for users who cannot receive, one private reply per comment
//!   within 7 days, and the rate limits are enforced with the platform's error bodies.
//! - `POST /{node}/message_attachments`: reusable attachments.
//! - `GET /{node}/conversations?platform=instagram[&user_id=IGSID]`, `GET /{conversation-id}`,
//!   `GET /{conversation-id}/messages`, `GET /{message-id}` (only the 20 most recent messages of
//!   a thread; older ids answer like an object that cannot be loaded).
//! - `GET /{igsid}`: the user profile (name, username, profile_pic, follower_count,
//!   is_user_follow_business, is_business_follow_user, is_verified_user).
//! - `GET|POST|DELETE /{node}/messenger_profile`: ice breakers, persistent menu, get started,
//!   greeting and the other profile fields, stored per account.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Ctx, Node};
use crate::auth::{Permission, require_scope};
use crate::clock::graph_timestamp;
use crate::errors::{GRAPH_METHOD, GraphError, OAUTH};
use crate::fields::{self, FieldSel};
use crate::messaging::{
    self, DmMessage, HUMAN_AGENT_WINDOW_SECS, NewMessage, PRIVATE_REPLY_WINDOW_SECS, PerHour,
    PerSecond, READABLE_MESSAGES, Reaction, STANDARD_WINDOW_SECS, SavedAttachment,
};
use crate::paging::{self, UrlBase};
use crate::state::{State, Subject};
use crate::types::LoginFamily;

/// `UnifiedThread` fields (v25 spec `UnifiedThread.json`).
const THREAD_FIELDS: &[&str] = &[
    "can_reply",
    "folder",
    "former_participants",
    "id",
    "is_owner",
    "is_subscribed",
    "link",
    "linked_group",
    "message_count",
    "messages",
    "name",
    "participants",
    "scoped_thread_key",
    "senders",
    "snippet",
    "unread_count",
    "updated_time",
    "wallpaper",
];

/// Instagram message fields.
const MESSAGE_FIELDS: &[&str] = &[
    "attachments",
    "created_time",
    "from",
    "id",
    "is_unsupported",
    "message",
    "reactions",
    "shares",
    "story",
    "tags",
    "to",
];

/// User Profile API fields for an IGSID.
const PROFILE_FIELDS: &[&str] = &[
    "follower_count",
    "id",
    "is_business_follow_user",
    "is_user_follow_business",
    "is_verified_user",
    "name",
    "profile_pic",
    "username",
];

/// The messaging edges of an IG user (Instagram Login) or a Page (Facebook Login).
pub(crate) const EDGES: &[&str] = &[
    "conversations",
    "message_attachments",
    "messages",
    "messenger_profile",
];

/// Messenger profile fields accepted on Instagram (the v25 enum plus `greeting`).
const PROFILE_SETTINGS: &[&str] = &[
    "account_linking_url",
    "commands",
    "description",
    "get_started",
    "greeting",
    "home_url",
    "ice_breakers",
    "persistent_menu",
    "platform",
    "subject_to_new_eu_privacy_rules",
    "title",
    "whitelisted_domains",
];

// ---- errors -------------------------------------------------------------------------------

fn page_token_required() -> GraphError {
    GraphError::new(
        OAUTH,
        210,
        "(#210) A page access token is required to request this resource.",
    )
}

fn outside_window() -> GraphError {
    GraphError::new(
        OAUTH,
        10,
        "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
    )
    .with_subcode(2534022)
}

fn cannot_receive() -> GraphError {
    GraphError::new(OAUTH, 551, "(#551) This person isn't available right now.")
        .with_subcode(1545041)
}

fn no_matching_user() -> GraphError {
    GraphError::new(OAUTH, 100, "(#100) No matching user found").with_subcode(2534014)
}

fn already_replied() -> GraphError {
    GraphError::new(
        OAUTH,
        10,
        "(#10) This comment has already been replied to privately: only one private reply is allowed per comment.",
    )
    .with_subcode(2534025)
}

fn comment_too_old() -> GraphError {
    GraphError::new(
        OAUTH,
        10,
        "(#10) This message is sent outside of allowed window. Private replies must be sent within 7 days of the comment.",
    )
    .with_subcode(2534022)
}

fn rate_limited(regain_minutes: Option<u64>) -> GraphError {
    let mut e = GraphError::new(
        OAUTH,
        613,
        "(#613) Calls to this api have exceeded the rate limit.",
    );
    e.regain_minutes = regain_minutes;
    e
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::invalid_parameter(message)
}

fn too_long(param: &str, max: usize) -> GraphError {
    bad(format!(
        "(#100) Length of param {param} must be less than or equal to {max}"
    ))
}

fn too_many(param: &str, max: usize) -> GraphError {
    bad(format!(
        "(#100) param {param} must contain at most {max} elements"
    ))
}

fn required(param: &str) -> GraphError {
    bad(format!("(#100) param {param} must be non-empty."))
}

// ---- access ---------------------------------------------------------------------------------

/// The IG account a messaging call on `node` acts for. Instagram Login: the IG user; Facebook
/// Login: the Page's linked IG account, and the token must be a Page token (code 210 otherwise).
pub(crate) fn messaging_account(
    st: &State,
    ctx: &Ctx,
    node: &Node,
    edge: &str,
) -> Result<String, GraphError> {
    require_scope(&ctx.token, Permission::ManageMessages)?;
    match (ctx.token.family, node) {
        (LoginFamily::Instagram, Node::IgUser { ig_user_id, .. }) => Ok(ig_user_id.clone()),
        // `me` with a Facebook user token: messaging needs the Page's token.
        (LoginFamily::Facebook, Node::FbUser(_)) => Err(page_token_required()),
        (LoginFamily::Facebook, Node::Page(page_id)) => {
            if !matches!(ctx.token.subject, Subject::Page(_)) {
                return Err(page_token_required());
            }
            st.pages
                .get(page_id)
                .and_then(|p| p.ig_user_id.clone())
                .ok_or_else(|| {
                    bad("(#100) This Page has no connected Instagram professional account")
                })
        }
        _ => Err(GraphError::unknown_path(
            ctx.instagram(),
            &format!("/{edge}"),
        )),
    }
}

/// Checks the token for a read of a messaging object owned by `account`.
fn check_object_access(ctx: &Ctx) -> Result<(), GraphError> {
    require_scope(&ctx.token, Permission::ManageMessages)?;
    if ctx.token.family == LoginFamily::Facebook && !matches!(ctx.token.subject, Subject::Page(_)) {
        return Err(page_token_required());
    }
    Ok(())
}

fn per_second(st: &mut State, account: &str, what: PerSecond) -> Result<(), GraphError> {
    let limits = st.messaging.limits;
    let limit = match what {
        PerSecond::Text => limits.text_per_second,
        PerSecond::Media => limits.media_per_second,
        PerSecond::Conversations => limits.conversations_per_second,
    };
    if st.messaging.rate.admit_second(account, what, limit) {
        Ok(())
    } else {
        Err(rate_limited(None))
    }
}

fn per_hour(st: &mut State, key: &str, what: PerHour) -> Result<(), GraphError> {
    let limits = st.messaging.limits;
    let limit = match what {
        PerHour::Messages => limits.messages_per_hour,
        PerHour::PrivateReplies => limits.private_replies_per_hour,
        PerHour::ProfileReads => limits.profile_reads_per_hour,
    };
    let now = st.now();
    st.messaging
        .rate
        .admit_hour(key, what, limit, now)
        .map_err(|m| rate_limited(Some(m)))
}

fn only_post(ctx: &Ctx, id: &str) -> Result<(), GraphError> {
    if ctx.method == "POST" {
        Ok(())
    } else {
        Err(GraphError::unsupported_request(&ctx.method, id))
    }
}

/// A JSON object parameter (sent as a JSON body member, or JSON-encoded in a form field).
fn object_param(ctx: &Ctx, name: &str) -> Result<Option<Map<String, Value>>, GraphError> {
    let Some(raw) = ctx.params.get(name) else {
        return Ok(None);
    };
    if raw.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        _ => Err(bad(format!("(#100) param {name} must be a JSON object"))),
    }
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn is_https(url: &str) -> bool {
    url.strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
}

fn check_url(param: &str, url: Option<&str>) -> Result<(), GraphError> {
    match url {
        Some(u) if is_https(u) => Ok(()),
        Some(_) => Err(bad(format!(
            "(#100) param {param} must be a valid HTTPS URL"
        ))),
        None => Err(required(param)),
    }
}

// ---- validation of the message object ---------------------------------------------------------

fn check_buttons(param: &str, buttons: Option<&Value>, min: usize) -> Result<(), GraphError> {
    let list = match buttons {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(bad(format!("(#100) param {param} must be an array"))),
    };
    if list.len() < min {
        return Err(required(param));
    }
    if list.len() > 3 {
        return Err(too_many(param, 3));
    }
    for (i, b) in list.iter().enumerate() {
        let p = format!("{param}[{i}]");
        let Some(b) = b.as_object() else {
            return Err(bad(format!("(#100) param {p} must be an object")));
        };
        let title = str_field(b, "title").unwrap_or("");
        if title.is_empty() {
            return Err(required(&format!("{p}[title]")));
        }
        if chars(title) > 20 {
            return Err(too_long(&format!("{p}[title]"), 20));
        }
        match str_field(b, "type") {
            Some("web_url") => check_url(&format!("{p}[url]"), str_field(b, "url"))?,
            Some("postback") => {
                let payload = str_field(b, "payload").unwrap_or("");
                if payload.is_empty() {
                    return Err(required(&format!("{p}[payload]")));
                }
                if chars(payload) > 1000 {
                    return Err(too_long(&format!("{p}[payload]"), 1000));
                }
            }
            _ => {
                return Err(bad(format!(
                    "(#100) param {p}[type] must be one of {{web_url, postback}}"
                )));
            }
        }
    }
    Ok(())
}

fn check_template(payload: &Map<String, Value>) -> Result<(), GraphError> {
    const P: &str = "message[attachment][payload]";
    match str_field(payload, "template_type") {
        Some("button") => {
            let text = str_field(payload, "text").unwrap_or("");
            if text.is_empty() {
                return Err(required(&format!("{P}[text]")));
            }
            if chars(text) > 640 {
                return Err(too_long(&format!("{P}[text]"), 640));
            }
            check_buttons(&format!("{P}[buttons]"), payload.get("buttons"), 1)
        }
        Some("generic") => {
            let Some(elements) = payload.get("elements").and_then(Value::as_array) else {
                return Err(required(&format!("{P}[elements]")));
            };
            if elements.is_empty() {
                return Err(required(&format!("{P}[elements]")));
            }
            if elements.len() > 10 {
                return Err(too_many(&format!("{P}[elements]"), 10));
            }
            for (i, e) in elements.iter().enumerate() {
                let p = format!("{P}[elements][{i}]");
                let Some(e) = e.as_object() else {
                    return Err(bad(format!("(#100) param {p} must be an object")));
                };
                let title = str_field(e, "title").unwrap_or("");
                if title.is_empty() {
                    return Err(required(&format!("{p}[title]")));
                }
                if chars(title) > 80 {
                    return Err(too_long(&format!("{p}[title]"), 80));
                }
                if str_field(e, "subtitle").is_some_and(|s| chars(s) > 80) {
                    return Err(too_long(&format!("{p}[subtitle]"), 80));
                }
                if let Some(u) = str_field(e, "image_url") {
                    check_url(&format!("{p}[image_url]"), Some(u))?;
                }
                if let Some(d) = e.get("default_action").and_then(Value::as_object) {
                    check_url(&format!("{p}[default_action][url]"), str_field(d, "url"))?;
                }
                check_buttons(&format!("{p}[buttons]"), e.get("buttons"), 0)?;
            }
            Ok(())
        }
        Some("product") => Ok(()),
        _ => Err(bad(format!(
            "(#100) param {P}[template_type] must be one of {{button, generic, product}}"
        ))),
    }
}

/// What kind of send this is, for the per-second limits.
fn pace_of(message: &Map<String, Value>) -> PerSecond {
    let kind = message
        .get("attachment")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if matches!(kind, "audio" | "video") {
        PerSecond::Media
    } else {
        PerSecond::Text
    }
}

/// Validates `message` for `account`, returning what to store.
fn check_message(
    st: &State,
    account: &str,
    message: &Map<String, Value>,
) -> Result<NewMessage, GraphError> {
    let text = str_field(message, "text").map(str::to_owned);
    if let Some(t) = &text {
        if chars(t) > 1000 {
            return Err(too_long("message[text]", 1000));
        }
        if t.is_empty() {
            return Err(required("message[text]"));
        }
    }
    if let Some(q) = message.get("quick_replies") {
        let Some(list) = q.as_array() else {
            return Err(bad("(#100) param message[quick_replies] must be an array"));
        };
        if text.is_none() {
            return Err(required("message[text]"));
        }
        if list.is_empty() {
            return Err(required("message[quick_replies]"));
        }
        if list.len() > 13 {
            return Err(too_many("message[quick_replies]", 13));
        }
        for (i, r) in list.iter().enumerate() {
            let p = format!("message[quick_replies][{i}]");
            let Some(r) = r.as_object() else {
                return Err(bad(format!("(#100) param {p} must be an object")));
            };
            if str_field(r, "content_type").unwrap_or("text") != "text" {
                return Err(bad(format!(
                    "(#100) param {p}[content_type] must be one of {{text}}"
                )));
            }
            let title = str_field(r, "title").unwrap_or("");
            if title.is_empty() {
                return Err(required(&format!("{p}[title]")));
            }
            if chars(title) > 20 {
                return Err(too_long(&format!("{p}[title]"), 20));
            }
            let payload = str_field(r, "payload").unwrap_or("");
            if payload.is_empty() {
                return Err(required(&format!("{p}[payload]")));
            }
            if chars(payload) > 1000 {
                return Err(too_long(&format!("{p}[payload]"), 1000));
            }
            if let Some(u) = str_field(r, "image_url") {
                check_url(&format!("{p}[image_url]"), Some(u))?;
            }
        }
    }
    let mut attachments = Vec::new();
    if let Some(att) = message.get("attachment") {
        let Some(att) = att.as_object() else {
            return Err(bad("(#100) param message[attachment] must be an object"));
        };
        if text.is_some() {
            return Err(bad(
                "(#100) Only one of message[text] and message[attachment] may be set",
            ));
        }
        let kind = str_field(att, "type").unwrap_or("");
        let empty = Map::new();
        let payload = att
            .get("payload")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let stored = match kind {
            "image" | "audio" | "video" | "file" => {
                let url = match (
                    str_field(payload, "url"),
                    str_field(payload, "attachment_id"),
                ) {
                    (Some(u), _) => {
                        check_url("message[attachment][payload][url]", Some(u))?;
                        check_extension(kind, u)?;
                        u.to_owned()
                    }
                    (None, Some(id)) => match st.messaging.attachments.get(id) {
                        Some(a) if a.account == account && a.kind == kind => a.url.clone(),
                        _ => {
                            return Err(bad(format!(
                                "(#100) param message[attachment][payload][attachment_id] '{id}' is not a reusable {kind} attachment of this account"
                            )));
                        }
                    },
                    (None, None) => return Err(required("message[attachment][payload][url]")),
                };
                json!({ "type": kind, "payload": { "url": url } })
            }
            "like_heart" => json!({ "type": "like_heart" }),
            "MEDIA_SHARE" | "media_share" => {
                let id = str_field(payload, "id").unwrap_or("");
                let owned = st.media.get(id).is_some_and(|m| m.owner == account);
                if !owned {
                    return Err(bad(format!(
                        "(#100) param message[attachment][payload][id] '{id}' must be a media object owned by this account"
                    )));
                }
                json!({ "type": "share", "payload": { "id": id, "url": st.media.get(id).map(|m| m.media_url.clone()) } })
            }
            "template" => {
                check_template(payload)?;
                json!({ "type": "template", "payload": payload })
            }
            _ => {
                return Err(bad(
                    "(#100) param message[attachment][type] must be one of {image, audio, video, file, like_heart, MEDIA_SHARE, template}",
                ));
            }
        };
        attachments.push(stored);
    }
    if text.is_none() && attachments.is_empty() {
        return Err(bad("(#100) Must send either message text or an attachment"));
    }
    Ok(NewMessage {
        text,
        attachments,
        reply_to: None,
        quick_reply: None,
    })
}

/// Refuses a URL whose file extension does not fit the attachment type (the platform cannot
/// process it: "upload attachment failure"). URLs without an extension are accepted.
fn check_extension(kind: &str, url: &str) -> Result<(), GraphError> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let Some((_, ext)) = last.rsplit_once('.') else {
        return Ok(());
    };
    let ext = ext.to_ascii_lowercase();
    let ok: &[&str] = match kind {
        "image" => &["jpg", "jpeg", "png", "gif", "webp"],
        "audio" => &["mp3", "m4a", "wav", "aac", "mp4", "ogg"],
        "video" => &["mp4", "mov", "ogg", "avi", "webm"],
        _ => return Ok(()),
    };
    if ok.contains(&ext.as_str()) {
        Ok(())
    } else {
        Err(GraphError::new(
            OAUTH,
            100,
            format!("(#100) Upload attachment failure: a .{ext} file cannot be sent as {kind}"),
        )
        .with_subcode(2018047))
    }
}

// ---- the Send API ---------------------------------------------------------------------------

/// `POST /{node}/messages`.
pub(crate) fn send(
    st: &mut State,
    ctx: &Ctx,
    account: &str,
    id: &str,
) -> Result<Value, GraphError> {
    only_post(ctx, id)?;
    let recipient = object_param(ctx, "recipient")?.ok_or_else(|| required("recipient"))?;
    if let Some(comment_id) = str_field(&recipient, "comment_id") {
        return private_reply(st, ctx, account, comment_id);
    }
    let Some(igsid) = str_field(&recipient, "id").map(str::to_owned) else {
        return Err(required("recipient[id]"));
    };
    let message = object_param(ctx, "message")?;
    let action = ctx
        .params
        .get("sender_action")
        .map(str::to_ascii_lowercase)
        .filter(|a| !a.is_empty());
    let pace = match (&message, &action) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "(#100) Only one of message and sender_action may be set",
            ));
        }
        (None, None) => return Err(bad("(#100) Must send either message or sender_action")),
        (Some(m), None) => pace_of(m),
        (None, Some(_)) => PerSecond::Text,
    };
    per_second(st, account, pace)?;
    per_hour(st, account, PerHour::Messages)?;

    let human_agent = match (
        ctx.params
            .get("messaging_type")
            .map(str::to_ascii_uppercase),
        ctx.params.get("tag"),
    ) {
        (_, Some(tag)) if tag.trim_matches('"').eq_ignore_ascii_case("HUMAN_AGENT") => true,
        (_, Some(tag)) if !tag.is_empty() => {
            return Err(bad(format!(
                "(#100) Param tag must be one of {{HUMAN_AGENT}} on Instagram, got '{tag}'"
            )));
        }
        (Some(t), _) if t == "MESSAGE_TAG" => {
            return Err(required("tag"));
        }
        (Some(t), _) if !matches!(t.as_str(), "RESPONSE" | "UPDATE" | "UTILITY" | "") => {
            return Err(bad(
                "(#100) param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG, UTILITY}",
            ));
        }
        _ => false,
    };

    let Some(user) = st.messaging.user(account, &igsid).cloned() else {
        return Err(no_matching_user());
    };
    let Some(conv) = st.messaging.conversation_with(account, &igsid).cloned() else {
        return Err(no_matching_user());
    };
    if user.blocked {
        return Err(cannot_receive());
    }
    let now = st.now();
    let age = conv.last_inbound.map(|t| now - t);
    let open = match age {
        Some(a) if a < STANDARD_WINDOW_SECS => true,
        Some(a) if human_agent && a < HUMAN_AGENT_WINDOW_SECS => true,
        _ => false,
    };
    if !open {
        return Err(outside_window());
    }

    if let Some(action) = action {
        return sender_action(st, ctx, &conv.id, &igsid, &action);
    }
    let Some(message) = message else {
        return Err(bad("(#100) Must send either message or sender_action"));
    };
    let mut new = check_message(st, account, &message)?;
    if let Some(reply_to) = object_param(ctx, "reply_to")? {
        let mid = str_field(&reply_to, "message_id").unwrap_or("");
        let in_thread = st
            .messaging
            .messages
            .get(mid)
            .is_some_and(|m| m.conversation == conv.id);
        if !in_thread {
            return Err(bad(format!(
                "(#100) param reply_to[message_id] '{mid}' is not a message of this conversation"
            )));
        }
        new.reply_to = Some(mid.to_owned());
    }
    let mid = messaging::append_message(st, &conv.id, true, now, new);
    messaging::emit_message(st, &mid);
    Ok(json!({ "recipient_id": igsid, "message_id": mid }))
}

fn sender_action(
    st: &mut State,
    ctx: &Ctx,
    conversation: &str,
    igsid: &str,
    action: &str,
) -> Result<Value, GraphError> {
    match action {
        "typing_on" | "typing_off" => {}
        "mark_seen" => {
            let c = st.messaging.conversations.get(conversation).cloned();
            if let Some(c) = c {
                for mid in &c.messages {
                    if let Some(m) = st.messaging.messages.get_mut(mid)
                        && !m.from_business
                    {
                        m.seen = true;
                    }
                }
            }
            if let Some(c) = st.messaging.conversations.get_mut(conversation) {
                c.unread = 0;
            }
        }
        "react" | "unreact" => {
            let payload = object_param(ctx, "payload")?.ok_or_else(|| required("payload"))?;
            let mid = str_field(&payload, "message_id").unwrap_or("").to_owned();
            let in_thread = st
                .messaging
                .messages
                .get(&mid)
                .is_some_and(|m| m.conversation == conversation);
            if !in_thread {
                return Err(bad(format!(
                    "(#100) param payload[message_id] '{mid}' is not a message of this conversation"
                )));
            }
            let reaction = if action == "react" {
                let r = str_field(&payload, "reaction").unwrap_or("");
                if r.is_empty() {
                    return Err(required("payload[reaction]"));
                }
                let valid = r == "love" || (!r.is_ascii() && r.chars().count() <= 4);
                if !valid {
                    return Err(bad(format!(
                        "(#100) param payload[reaction] must be love or an emoji, got '{r}'"
                    )));
                }
                Some(r.to_owned())
            } else {
                None
            };
            if let Some(m) = st.messaging.messages.get_mut(&mid) {
                m.reactions.retain(|r| !r.by_business);
                if let Some(r) = reaction {
                    m.reactions.push(Reaction {
                        by_business: true,
                        emoji: messaging::emoji_for(&r),
                        reaction: r,
                    });
                }
            }
        }
        other => {
            return Err(bad(format!(
                "(#100) param sender_action must be one of {{typing_on, typing_off, mark_seen, react, unreact}}, got '{other}'"
            )));
        }
    }
    Ok(json!({ "recipient_id": igsid }))
}

fn private_reply(
    st: &mut State,
    ctx: &Ctx,
    account: &str,
    comment_id: &str,
) -> Result<Value, GraphError> {
    per_second(st, account, PerSecond::Text)?;
    per_hour(st, account, PerHour::PrivateReplies)?;
    let Some(comment) = st.messaging.comments.get(comment_id).cloned() else {
        return Err(GraphError::unsupported_request("POST", comment_id));
    };
    if comment.account != account {
        return Err(GraphError::unsupported_request("POST", comment_id));
    }
    if comment.private_reply_mid.is_some() {
        return Err(already_replied());
    }
    let now = st.now();
    if now - comment.created >= PRIVATE_REPLY_WINDOW_SECS {
        return Err(comment_too_old());
    }
    let message = object_param(ctx, "message")?.ok_or_else(|| required("message"))?;
    let new = check_message(st, account, &message)?;
    let conv = messaging::ensure_conversation(st, account, &comment.from_igsid);
    let mid = messaging::append_message(st, &conv, true, now, new);
    if let Some(c) = st.messaging.comments.get_mut(comment_id) {
        c.private_reply_mid = Some(mid.clone());
    }
    messaging::emit_message(st, &mid);
    Ok(json!({ "recipient_id": comment.from_igsid, "message_id": mid }))
}

/// `POST /{node}/message_attachments`: stores a reusable attachment.
pub(crate) fn upload_attachment(
    st: &mut State,
    ctx: &Ctx,
    account: &str,
    id: &str,
) -> Result<Value, GraphError> {
    only_post(ctx, id)?;
    let message = object_param(ctx, "message")?.ok_or_else(|| required("message"))?;
    let att = message
        .get("attachment")
        .and_then(Value::as_object)
        .ok_or_else(|| required("message[attachment]"))?;
    let kind = str_field(att, "type").unwrap_or("").to_owned();
    if !matches!(kind.as_str(), "image" | "audio" | "video" | "file") {
        return Err(bad(
            "(#100) param message[attachment][type] must be one of {image, audio, video, file}",
        ));
    }
    let empty = Map::new();
    let payload = att
        .get("payload")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let url = str_field(payload, "url");
    check_url("message[attachment][payload][url]", url)?;
    let url = url.unwrap_or_default().to_owned();
    check_extension(&kind, &url)?;
    let attachment_id = messaging::new_numeric(st, "1", 16);
    st.messaging.attachments.insert(
        attachment_id.clone(),
        SavedAttachment {
            account: account.to_owned(),
            kind,
            url,
        },
    );
    Ok(json!({ "attachment_id": attachment_id }))
}

// ---- reading ----------------------------------------------------------------------------------

fn participant(st: &State, account: &str, igsid: Option<&str>) -> Value {
    match igsid {
        Some(igsid) => {
            let username = st
                .messaging
                .user(account, igsid)
                .map(|u| u.username.clone())
                .unwrap_or_default();
            json!({ "username": username, "id": igsid })
        }
        None => {
            let username = st
                .ig_accounts
                .get(account)
                .map(|a| a.username.clone())
                .unwrap_or_default();
            json!({ "username": username, "id": account, "user_id": account })
        }
    }
}

fn render_attachment(i: usize, mid: &str, att: &Value) -> Value {
    let kind = att.get("type").and_then(Value::as_str).unwrap_or("");
    let url = att
        .get("payload")
        .and_then(|p| p.get("url"))
        .cloned()
        .unwrap_or(Value::Null);
    let id = format!("{}{i}", &mid[mid.len().saturating_sub(12)..]);
    match kind {
        "image" => json!({ "id": id, "mime_type": "image/jpeg", "name": format!("image-{i}.jpg"),
            "image_data": { "url": url, "preview_url": url, "width": 1080, "height": 1080 } }),
        "video" => json!({ "id": id, "mime_type": "video/mp4", "name": format!("video-{i}.mp4"),
            "video_data": { "url": url, "preview_url": url, "width": 1080, "height": 1920 } }),
        "audio" | "file" => json!({ "id": id, "name": format!("{kind}-{i}"), "file_url": url }),
        "template" => {
            let payload = att.get("payload").cloned().unwrap_or(Value::Null);
            let first = payload
                .get("elements")
                .and_then(|e| e.get(0))
                .cloned()
                .unwrap_or(Value::Null);
            if first.is_null() {
                json!({ "id": id, "name": "template", "text": payload.get("text") })
            } else {
                let cta = first
                    .get("buttons")
                    .and_then(|b| b.get(0))
                    .cloned()
                    .unwrap_or(Value::Null);
                json!({ "id": id, "generic_template": {
                    "title": first.get("title"), "subtitle": first.get("subtitle"),
                    "media_url": first.get("image_url"), "cta": cta } })
            }
        }
        _ => json!({ "id": id, "name": kind }),
    }
}

fn render_message(st: &State, m: &DmMessage, sel: &[FieldSel]) -> Result<Value, GraphError> {
    let conv = st.messaging.conversations.get(&m.conversation);
    let account = conv.map(|c| c.account.clone()).unwrap_or_default();
    let igsid = conv.map(|c| c.igsid.clone());
    let (from, to) = if m.from_business {
        (
            participant(st, &account, None),
            participant(st, &account, igsid.as_deref()),
        )
    } else {
        (
            participant(st, &account, igsid.as_deref()),
            participant(st, &account, None),
        )
    };
    fields::build(sel, &m.mid, |f| {
        Ok(match f.name.as_str() {
            "created_time" => Some(json!(graph_timestamp(m.created))),
            "from" => Some(from.clone()),
            "to" => Some(json!({ "data": [to.clone()] })),
            "message" => Some(json!(m.text.clone().unwrap_or_default())),
            "attachments" => {
                let data: Vec<Value> = m
                    .attachments
                    .iter()
                    .filter(|a| a.get("type").and_then(Value::as_str) != Some("share"))
                    .enumerate()
                    .map(|(i, a)| render_attachment(i, &m.mid, a))
                    .collect();
                (!data.is_empty()).then(|| json!({ "data": data }))
            }
            "shares" => {
                let data: Vec<Value> = m
                    .attachments
                    .iter()
                    .filter(|a| a.get("type").and_then(Value::as_str) == Some("share"))
                    .map(|a| json!({ "link": a.get("payload").and_then(|p| p.get("url")) }))
                    .collect();
                (!data.is_empty()).then(|| json!({ "data": data }))
            }
            "reactions" => {
                let mut by: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
                for r in &m.reactions {
                    let who = if r.by_business {
                        participant(st, &account, None)
                    } else {
                        participant(st, &account, igsid.as_deref())
                    };
                    by.entry((r.reaction.clone(), r.emoji.clone()))
                        .or_default()
                        .push(who);
                }
                (!by.is_empty()).then(|| {
                    let data: Vec<Value> = by
                        .into_iter()
                        .map(|((reaction, emoji), users)| {
                            json!({ "reaction": reaction, "emoji": emoji, "users": users })
                        })
                        .collect();
                    json!({ "data": data })
                })
            }
            "is_unsupported" => Some(json!(false)),
            _ => None,
        })
    })
}

/// Whether `mid` is among the 20 most recent messages of its thread.
fn readable(st: &State, m: &DmMessage) -> bool {
    st.messaging
        .conversations
        .get(&m.conversation)
        .is_some_and(|c| {
            c.messages
                .iter()
                .rev()
                .take(READABLE_MESSAGES)
                .any(|id| *id == m.mid)
        })
}

/// `GET /{message-id}`: only the 20 most recent messages of a thread can be read.
pub(crate) fn get_message(st: &mut State, ctx: &Ctx, mid: &str) -> Result<Value, GraphError> {
    ctx.only_get(mid)?;
    check_object_access(ctx)?;
    let m = st
        .messaging
        .messages
        .get(mid)
        .cloned()
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, mid))?;
    let account = message_account(st, &m);
    per_second(st, &account, PerSecond::Conversations)?;
    if !readable(st, &m) {
        return Err(GraphError::new(
            GRAPH_METHOD,
            100,
            format!(
                "Unsupported get request. Object with ID '{mid}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
            ),
        )
        .with_subcode(33));
    }
    let sel = fields::selection(ctx.fields(), &["id", "created_time"])?;
    fields::validate(&sel, MESSAGE_FIELDS, "Message")?;
    render_message(st, &m, &sel)
}

fn message_account(st: &State, m: &DmMessage) -> String {
    st.messaging
        .conversations
        .get(&m.conversation)
        .map(|c| c.account.clone())
        .unwrap_or_default()
}

/// The message list of a thread, newest first; only the 20 most recent are rendered with the
/// requested fields, older ones with `id` and `created_time`.
fn message_list(
    st: &State,
    conversation: &str,
    sel: &[FieldSel],
    params: &crate::params::Params,
    url: &UrlBase,
) -> Result<Value, GraphError> {
    let Some(c) = st.messaging.conversations.get(conversation) else {
        return Err(GraphError::unsupported_request("GET", conversation));
    };
    let keys: Vec<String> = c.messages.iter().rev().cloned().collect();
    let basic = [FieldSel::plain("id"), FieldSel::plain("created_time")];
    paging::list_edge(
        st.cursor_salt,
        &format!("messages:{conversation}"),
        &keys,
        params,
        url,
        |mid| {
            st.messaging.messages.get(mid).map(|m| {
                if readable(st, m) {
                    render_message(st, m, sel)
                } else {
                    render_message(st, m, &basic)
                }
            })
        },
    )
}

fn render_thread(st: &State, ctx: &Ctx, id: &str, sel: &[FieldSel]) -> Result<Value, GraphError> {
    let Some(c) = st.messaging.conversations.get(id) else {
        return Err(GraphError::unsupported_request(&ctx.method, id));
    };
    let now = st.now();
    let blocked = st
        .messaging
        .user(&c.account, &c.igsid)
        .is_some_and(|u| u.blocked);
    fields::build(sel, &c.id, |f| {
        Ok(match f.name.as_str() {
            "updated_time" => Some(json!(graph_timestamp(c.updated))),
            "participants" => Some(json!({ "data": [
                participant(st, &c.account, Some(&c.igsid)),
                participant(st, &c.account, None),
            ] })),
            "message_count" => Some(json!(c.messages.len())),
            "unread_count" => Some(json!(c.unread)),
            "can_reply" => Some(json!(
                !blocked
                    && c.last_inbound
                        .is_some_and(|t| now - t < STANDARD_WINDOW_SECS)
            )),
            "folder" => Some(json!("inbox")),
            "snippet" => c
                .messages
                .last()
                .and_then(|m| st.messaging.messages.get(m))
                .and_then(|m| m.text.clone())
                .map(Value::String),
            "messages" => {
                let children = match &f.children {
                    Some(ch) if !ch.is_empty() => ch.clone(),
                    _ => vec![FieldSel::plain("id"), FieldSel::plain("created_time")],
                };
                fields::validate(&children, MESSAGE_FIELDS, "Message")?;
                let mut params = crate::params::Params::default();
                params.extend(
                    f.modifiers
                        .iter()
                        .filter(|(k, _)| matches!(k.as_str(), "limit" | "after" | "before"))
                        .cloned(),
                );
                let (version, _) = super::split_version(&ctx.url.path);
                let url = UrlBase {
                    path: format!("/{version}/{}/messages", c.id),
                    query: ctx
                        .url
                        .query
                        .iter()
                        .filter(|(k, _)| k == "access_token")
                        .cloned()
                        .collect(),
                    ..ctx.url.clone()
                };
                Some(message_list(st, &c.id, &children, &params, &url)?)
            }
            _ => None,
        })
    })
}

/// `GET /{node}/conversations?platform=instagram[&user_id=IGSID]`: newest first.
pub(crate) fn list_conversations(
    st: &mut State,
    ctx: &Ctx,
    account: &str,
    node: &Node,
    id: &str,
) -> Result<Value, GraphError> {
    ctx.only_get(id)?;
    per_second(st, account, PerSecond::Conversations)?;
    let platform = ctx
        .params
        .get("platform")
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match platform.as_str() {
        "instagram" => {}
        // Messenger threads of the Page (there are none in the sandbox).
        "messenger" | "" if matches!(node, Node::Page(_)) => {
            return Ok(json!({ "data": [] }));
        }
        "" => {}
        other => {
            return Err(bad(format!(
                "(#100) param platform must be one of {{instagram, messenger}}, got '{other}'"
            )));
        }
    }
    let sel = fields::selection(ctx.fields(), &["id", "updated_time"])?;
    fields::validate(&sel, THREAD_FIELDS, "UnifiedThread")?;
    let user = ctx.params.get("user_id").filter(|u| !u.is_empty());
    let mut threads: Vec<(i64, String)> = st
        .messaging
        .conversations
        .values()
        .filter(|c| c.account == account && user.is_none_or(|u| c.igsid == u))
        .map(|c| (c.updated, c.id.clone()))
        .collect();
    threads.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let keys: Vec<String> = threads.into_iter().map(|(_, id)| id).collect();
    paging::list_edge(
        st.cursor_salt,
        &format!("conversations:{account}:{}", user.unwrap_or("")),
        &keys,
        &ctx.params,
        &ctx.url,
        |k| Some(render_thread(st, ctx, k, &sel)),
    )
}

/// `GET /{conversation-id}`.
pub(crate) fn get_conversation(st: &mut State, ctx: &Ctx, id: &str) -> Result<Value, GraphError> {
    ctx.only_get(id)?;
    check_object_access(ctx)?;
    let account = st
        .messaging
        .conversations
        .get(id)
        .map(|c| c.account.clone())
        .unwrap_or_default();
    per_second(st, &account, PerSecond::Conversations)?;
    let sel = fields::selection(ctx.fields(), &["id"])?;
    fields::validate(&sel, THREAD_FIELDS, "UnifiedThread")?;
    render_thread(st, ctx, id, &sel)
}

/// `GET /{conversation-id}/messages`: newest first, paginated.
pub(crate) fn conversation_messages(
    st: &mut State,
    ctx: &Ctx,
    id: &str,
) -> Result<Value, GraphError> {
    ctx.only_get(id)?;
    check_object_access(ctx)?;
    let account = st
        .messaging
        .conversations
        .get(id)
        .map(|c| c.account.clone())
        .unwrap_or_default();
    per_second(st, &account, PerSecond::Conversations)?;
    let sel = fields::selection(ctx.fields(), &["id", "created_time"])?;
    fields::validate(&sel, MESSAGE_FIELDS, "Message")?;
    message_list(st, id, &sel, &ctx.params, &ctx.url)
}

/// `GET /{igsid}`: the User Profile API.
pub(crate) fn get_profile(
    st: &mut State,
    ctx: &Ctx,
    account: &str,
    igsid: &str,
) -> Result<Value, GraphError> {
    ctx.only_get(igsid)?;
    check_object_access(ctx)?;
    per_hour(st, &ctx.token.app_id.clone(), PerHour::ProfileReads)?;
    let user = st
        .messaging
        .user(account, igsid)
        .cloned()
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, igsid))?;
    let sel = fields::selection(ctx.fields(), &["name", "username", "profile_pic", "id"])?;
    fields::validate(&sel, PROFILE_FIELDS, "User")?;
    fields::build(&sel, &user.igsid, |f| {
        Ok(match f.name.as_str() {
            "name" => user.name.clone().map(Value::String),
            "username" => Some(json!(user.username)),
            "profile_pic" => Some(json!(user.profile_pic)),
            "follower_count" => Some(json!(user.follower_count)),
            "is_verified_user" => Some(json!(user.is_verified_user)),
            "is_user_follow_business" => Some(json!(user.is_user_follow_business)),
            "is_business_follow_user" => Some(json!(user.is_business_follow_user)),
            _ => None,
        })
    })
}

// ---- messenger profile ----------------------------------------------------------------------

fn check_locales(field: &str, list: &[Value]) -> Result<(), GraphError> {
    let mut seen = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let locale = entry
            .get("locale")
            .and_then(Value::as_str)
            .unwrap_or("default");
        let valid = locale == "default"
            || (locale.len() == 5
                && locale.as_bytes()[2] == b'_'
                && locale[..2].bytes().all(|b| b.is_ascii_lowercase())
                && locale[3..].bytes().all(|b| b.is_ascii_uppercase()));
        if !valid {
            return Err(bad(format!(
                "(#100) param {field}[{i}][locale] must be default or a locale such as en_US, got '{locale}'"
            )));
        }
        if seen.contains(&locale) {
            return Err(bad(format!(
                "(#100) param {field} has the locale '{locale}' twice"
            )));
        }
        seen.push(locale);
    }
    if !list.is_empty() && !seen.contains(&"default") {
        return Err(bad(format!(
            "(#100) param {field} must include the default locale"
        )));
    }
    Ok(())
}

fn check_profile_field(name: &str, value: &Value) -> Result<Value, GraphError> {
    match name {
        "ice_breakers" => {
            let Some(list) = value.as_array() else {
                return Err(bad("(#100) param ice_breakers must be an array"));
            };
            // The legacy flat form (`[{question, payload}]`) is one default locale.
            let list: Vec<Value> = if list.iter().any(|e| e.get("question").is_some()) {
                vec![json!({ "locale": "default", "call_to_actions": list })]
            } else {
                list.clone()
            };
            check_locales("ice_breakers", &list)?;
            for (i, entry) in list.iter().enumerate() {
                let ctas = entry
                    .get("call_to_actions")
                    .and_then(Value::as_array)
                    .ok_or_else(|| required(&format!("ice_breakers[{i}][call_to_actions]")))?;
                if ctas.is_empty() {
                    return Err(required(&format!("ice_breakers[{i}][call_to_actions]")));
                }
                if ctas.len() > 4 {
                    return Err(too_many(&format!("ice_breakers[{i}][call_to_actions]"), 4));
                }
                for (j, q) in ctas.iter().enumerate() {
                    let p = format!("ice_breakers[{i}][call_to_actions][{j}]");
                    let question = q.get("question").and_then(Value::as_str).unwrap_or("");
                    if question.is_empty() {
                        return Err(required(&format!("{p}[question]")));
                    }
                    if chars(question) > 80 {
                        return Err(too_long(&format!("{p}[question]"), 80));
                    }
                    let payload = q.get("payload").and_then(Value::as_str).unwrap_or("");
                    if payload.is_empty() {
                        return Err(required(&format!("{p}[payload]")));
                    }
                    if chars(payload) > 1000 {
                        return Err(too_long(&format!("{p}[payload]"), 1000));
                    }
                }
            }
            Ok(Value::Array(list))
        }
        "persistent_menu" => {
            let Some(list) = value.as_array() else {
                return Err(bad("(#100) param persistent_menu must be an array"));
            };
            check_locales("persistent_menu", list)?;
            for (i, entry) in list.iter().enumerate() {
                let ctas = entry
                    .get("call_to_actions")
                    .and_then(Value::as_array)
                    .ok_or_else(|| required(&format!("persistent_menu[{i}][call_to_actions]")))?;
                if ctas.is_empty() {
                    return Err(required(&format!("persistent_menu[{i}][call_to_actions]")));
                }
                if ctas.len() > 20 {
                    return Err(too_many(
                        &format!("persistent_menu[{i}][call_to_actions]"),
                        20,
                    ));
                }
                for (j, item) in ctas.iter().enumerate() {
                    let p = format!("persistent_menu[{i}][call_to_actions][{j}]");
                    let title = item.get("title").and_then(Value::as_str).unwrap_or("");
                    if title.is_empty() {
                        return Err(required(&format!("{p}[title]")));
                    }
                    if chars(title) > 30 {
                        return Err(too_long(&format!("{p}[title]"), 30));
                    }
                    match item.get("type").and_then(Value::as_str) {
                        Some("web_url") => check_url(
                            &format!("{p}[url]"),
                            item.get("url").and_then(Value::as_str),
                        )?,
                        Some("postback") => {
                            let payload = item.get("payload").and_then(Value::as_str).unwrap_or("");
                            if payload.is_empty() {
                                return Err(required(&format!("{p}[payload]")));
                            }
                            if chars(payload) > 1000 {
                                return Err(too_long(&format!("{p}[payload]"), 1000));
                            }
                        }
                        _ => {
                            return Err(bad(format!(
                                "(#100) param {p}[type] must be one of {{web_url, postback}} (nested menus are not supported on Instagram)"
                            )));
                        }
                    }
                }
            }
            Ok(Value::Array(list.clone()))
        }
        "get_started" => {
            let payload = value.get("payload").and_then(Value::as_str).unwrap_or("");
            if payload.is_empty() {
                return Err(required("get_started[payload]"));
            }
            if chars(payload) > 1000 {
                return Err(too_long("get_started[payload]", 1000));
            }
            Ok(value.clone())
        }
        "greeting" => {
            let Some(list) = value.as_array() else {
                return Err(bad("(#100) param greeting must be an array"));
            };
            check_locales("greeting", list)?;
            for (i, g) in list.iter().enumerate() {
                let text = g.get("text").and_then(Value::as_str).unwrap_or("");
                if text.is_empty() {
                    return Err(required(&format!("greeting[{i}][text]")));
                }
                if chars(text) > 160 {
                    return Err(too_long(&format!("greeting[{i}][text]"), 160));
                }
            }
            Ok(value.clone())
        }
        _ => Ok(value.clone()),
    }
}

/// `GET|POST|DELETE /{node}/messenger_profile`. `profile_key` tells Instagram profiles from a
/// Page's Messenger profile (`platform` not `instagram` on a Page).
pub(crate) fn messenger_profile(
    st: &mut State,
    ctx: &Ctx,
    profile_key: &str,
) -> Result<Value, GraphError> {
    match ctx.method.as_str() {
        "GET" => {
            let stored = st
                .messaging
                .profiles
                .get(profile_key)
                .cloned()
                .unwrap_or_default();
            let wanted: Vec<String> = match ctx.fields() {
                Some(f) if !f.trim().is_empty() => f
                    .split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .collect(),
                _ => stored.keys().cloned().collect(),
            };
            if let Some(bad_field) = wanted
                .iter()
                .find(|w| !PROFILE_SETTINGS.contains(&w.as_str()))
            {
                return Err(GraphError::nonexisting_field(bad_field, "MessengerProfile"));
            }
            let mut obj = Map::new();
            for w in wanted {
                if let Some(v) = stored.get(&w) {
                    obj.insert(w, v.clone());
                }
            }
            Ok(if obj.is_empty() {
                json!({ "data": [] })
            } else {
                json!({ "data": [Value::Object(obj)] })
            })
        }
        "POST" => {
            let mut updates = Vec::new();
            for name in PROFILE_SETTINGS {
                if *name == "platform" {
                    continue;
                }
                let Some(raw) = ctx.params.get(name) else {
                    continue;
                };
                let value: Value =
                    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
                updates.push(((*name).to_owned(), check_profile_field(name, &value)?));
            }
            if updates.is_empty() {
                return Err(bad(
                    "(#100) Requires one of the params: ice_breakers, persistent_menu, get_started, greeting, whitelisted_domains, account_linking_url",
                ));
            }
            let profile = st
                .messaging
                .profiles
                .entry(profile_key.to_owned())
                .or_default();
            for (k, v) in updates {
                profile.insert(k, v);
            }
            Ok(json!({ "result": "success" }))
        }
        "DELETE" => {
            let raw = ctx.params.get("fields").unwrap_or("");
            let names: Vec<String> = match serde_json::from_str::<Value>(raw) {
                Ok(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_ascii_lowercase)
                    .collect(),
                _ => raw
                    .split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect(),
            };
            if names.is_empty() {
                return Err(required("fields"));
            }
            if let Some((i, n)) = names
                .iter()
                .enumerate()
                .find(|(_, n)| !PROFILE_SETTINGS.contains(&n.as_str()))
            {
                return Err(bad(format!(
                    "(#100) param fields[{i}] must be one of {{{}}}, got '{n}'",
                    PROFILE_SETTINGS.join(", ")
                )));
            }
            if let Some(profile) = st.messaging.profiles.get_mut(profile_key) {
                for n in names {
                    profile.remove(&n);
                }
            }
            Ok(json!({ "result": "success" }))
        }
        other => Err(GraphError::unsupported_request(other, "messenger_profile")),
    }
}

/// The storage key of the messenger profile addressed by `node`.
pub(crate) fn profile_key(ctx: &Ctx, node: &Node, account: &str) -> String {
    match node {
        Node::Page(page_id)
            if !ctx
                .params
                .get("platform")
                .is_some_and(|p| p.eq_ignore_ascii_case("instagram")) =>
        {
            format!("page:{page_id}")
        }
        _ => format!("ig:{account}"),
    }
}
