//! Instagram Direct in the sandbox world: users (IGSIDs, scoped to one account), conversations
//! with the time of the user's last message (which decides the 24-hour and 7-day windows),
//! messages with mids, private-reply bookkeeping per comment, reusable attachments, messenger
//! profiles, and the messaging rate limits (per second and per hour).
//!
//! The Graph endpoints are in [`crate::graph::messaging`]; the simulations (a user writes, taps,
//! reacts, reads) in [`crate::simulate`]. Both use the helpers here.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::rng::SplitMix64;
use crate::state::State;
use crate::webhooks::{self, WebhookPayload};

/// The standard window: replies are allowed for 24 hours after the user's last message.
pub(crate) const STANDARD_WINDOW_SECS: i64 = 24 * 3600;
/// The `HUMAN_AGENT` window: 7 days after the user's last message.
pub(crate) const HUMAN_AGENT_WINDOW_SECS: i64 = 7 * 24 * 3600;
/// A comment can get its one private reply within 7 days.
pub(crate) const PRIVATE_REPLY_WINDOW_SECS: i64 = 7 * 24 * 3600;
/// Only the most recent messages of a thread can be read in detail.
pub(crate) const READABLE_MESSAGES: usize = 20;

/// The messaging rate limits the sandbox enforces. A limit of 0 switches that check off.
///
/// Defaults are the documented figures: 300 sends per second per account for text, links,
/// images, templates, reactions and sender actions; 10 per second for audio and video; 2 calls
/// per second to the Conversations API; 200 messaging calls per hour per account; 750 private
/// replies per hour per account; 200 user-profile reads per hour per app. Per-second limits
/// run on tokio's clock (real time, or a paused test clock); hourly ones on the sandbox clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessagingLimits {
    /// Text, image, sticker, share, template, reaction and sender-action sends per second.
    pub text_per_second: u32,
    /// Audio and video sends per second.
    pub media_per_second: u32,
    /// Conversations API calls (lists, threads, messages) per second.
    pub conversations_per_second: u32,
    /// Send API calls per rolling hour per account (private replies excluded).
    pub messages_per_hour: u32,
    /// Private replies per rolling hour per account.
    pub private_replies_per_hour: u32,
    /// User-profile reads (`GET /{igsid}`) per rolling hour per app.
    pub profile_reads_per_hour: u32,
}

impl Default for MessagingLimits {
    fn default() -> Self {
        Self {
            text_per_second: 300,
            media_per_second: 10,
            conversations_per_second: 2,
            messages_per_hour: 200,
            private_replies_per_hour: 750,
            profile_reads_per_hour: 200,
        }
    }
}

/// A person on Instagram as one account sees them (IGSIDs are scoped to the account).
#[derive(Clone, Debug)]
pub(crate) struct DmUser {
    pub(crate) igsid: String,
    pub(crate) account: String,
    pub(crate) username: String,
    pub(crate) name: Option<String>,
    pub(crate) profile_pic: String,
    pub(crate) follower_count: u64,
    pub(crate) is_verified_user: bool,
    pub(crate) is_user_follow_business: bool,
    pub(crate) is_business_follow_user: bool,
    /// The user blocked the account (or left): sends fail with 551.
    pub(crate) blocked: bool,
}

/// A 1:1 thread between an account and a user.
#[derive(Clone, Debug)]
pub(crate) struct Conversation {
    pub(crate) id: String,
    pub(crate) account: String,
    pub(crate) igsid: String,
    /// Message ids, oldest first.
    pub(crate) messages: Vec<String>,
    /// When the user last wrote (unix seconds); `None` until they do.
    pub(crate) last_inbound: Option<i64>,
    pub(crate) updated: i64,
    /// Inbound messages the account has not marked seen.
    pub(crate) unread: u32,
}

/// A reaction on a message.
#[derive(Clone, Debug)]
pub(crate) struct Reaction {
    pub(crate) by_business: bool,
    pub(crate) reaction: String,
    pub(crate) emoji: String,
}

/// One direct message.
#[derive(Clone, Debug)]
pub(crate) struct DmMessage {
    pub(crate) mid: String,
    pub(crate) conversation: String,
    pub(crate) from_business: bool,
    pub(crate) created: i64,
    pub(crate) text: Option<String>,
    /// Attachments as the Send API / webhooks carry them: `{type, payload}`.
    pub(crate) attachments: Vec<Value>,
    pub(crate) reactions: Vec<Reaction>,
    pub(crate) reply_to: Option<String>,
    pub(crate) quick_reply: Option<String>,
    /// Read by the other side.
    pub(crate) seen: bool,
}

/// A comment that may receive one private reply.
#[derive(Clone, Debug, Serialize)]
pub struct ReplyableComment {
    /// Comment id.
    pub id: String,
    /// The IG account whose media carries the comment.
    pub account: String,
    /// The media commented on.
    pub media_id: String,
    /// The commenter's IGSID (for this account).
    pub from_igsid: String,
    /// The commenter's username.
    pub username: String,
    /// The comment's text.
    pub text: String,
    /// When it was written (unix seconds, sandbox clock).
    pub created: i64,
    /// The private reply's message id, once sent.
    pub private_reply_mid: Option<String>,
}

/// A reusable attachment uploaded through `message_attachments`.
#[derive(Clone, Debug)]
pub(crate) struct SavedAttachment {
    pub(crate) account: String,
    pub(crate) kind: String,
    pub(crate) url: String,
}

/// What a per-second check counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PerSecond {
    Text,
    Media,
    Conversations,
}

/// What an hourly check counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PerHour {
    Messages,
    PrivateReplies,
    ProfileReads,
}

/// Call logs behind the messaging limits.
#[derive(Debug, Default)]
pub(crate) struct RateLog {
    per_second: BTreeMap<(String, PerSecond), VecDeque<tokio::time::Instant>>,
    per_hour: BTreeMap<(String, PerHour), VecDeque<i64>>,
}

impl RateLog {
    /// Counts a call against `limit` per second; false (nothing counted) when the limit is hit.
    pub(crate) fn admit_second(&mut self, key: &str, what: PerSecond, limit: u32) -> bool {
        if limit == 0 {
            return true;
        }
        let now = tokio::time::Instant::now();
        let log = self.per_second.entry((key.to_owned(), what)).or_default();
        while log
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= std::time::Duration::from_secs(1))
        {
            log.pop_front();
        }
        if log.len() >= limit as usize {
            return false;
        }
        log.push_back(now);
        true
    }

    /// Counts a call against `limit` per rolling hour at `now` (sandbox seconds); when the
    /// limit is hit, the minutes until a slot frees up.
    pub(crate) fn admit_hour(
        &mut self,
        key: &str,
        what: PerHour,
        limit: u32,
        now: i64,
    ) -> Result<(), u64> {
        if limit == 0 {
            return Ok(());
        }
        let log = self.per_hour.entry((key.to_owned(), what)).or_default();
        while log.front().is_some_and(|t| t + 3600 <= now) {
            log.pop_front();
        }
        if log.len() >= limit as usize {
            let oldest = log.front().copied().unwrap_or(now);
            let secs = (oldest + 3600 - now).max(1);
            return Err((secs as u64).div_ceil(60));
        }
        log.push_back(now);
        Ok(())
    }
}

/// Everything messaging in the sandbox world.
#[derive(Debug)]
pub(crate) struct MessagingState {
    /// Users by (IG account id, IGSID).
    pub(crate) users: BTreeMap<(String, String), DmUser>,
    pub(crate) conversations: BTreeMap<String, Conversation>,
    pub(crate) messages: BTreeMap<String, DmMessage>,
    pub(crate) comments: BTreeMap<String, ReplyableComment>,
    pub(crate) attachments: BTreeMap<String, SavedAttachment>,
    /// Messenger profiles by key (`ig:<account>` or `page:<page id>`): field → value.
    pub(crate) profiles: BTreeMap<String, BTreeMap<String, Value>>,
    pub(crate) limits: MessagingLimits,
    pub(crate) rate: RateLog,
    /// Ids of this module (a separate stream so messaging never shifts other seeded ids).
    pub(crate) rng: SplitMix64,
}

impl MessagingState {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            users: BTreeMap::new(),
            conversations: BTreeMap::new(),
            messages: BTreeMap::new(),
            comments: BTreeMap::new(),
            attachments: BTreeMap::new(),
            profiles: BTreeMap::new(),
            limits: MessagingLimits::default(),
            rate: RateLog::default(),
            rng: SplitMix64::new(seed ^ 0x4d53_4749_4e47_0001),
        }
    }

    /// Whether `id` names a messaging object.
    pub(crate) fn id_in_use(&self, id: &str) -> bool {
        self.conversations.contains_key(id)
            || self.messages.contains_key(id)
            || self.comments.contains_key(id)
            || self.attachments.contains_key(id)
            || self.users.keys().any(|(_, igsid)| igsid == id)
    }

    /// The user of `account` with `igsid`.
    pub(crate) fn user(&self, account: &str, igsid: &str) -> Option<&DmUser> {
        self.users.get(&(account.to_owned(), igsid.to_owned()))
    }

    /// The conversation of `account` with `igsid`.
    pub(crate) fn conversation_with(&self, account: &str, igsid: &str) -> Option<&Conversation> {
        self.conversations
            .values()
            .find(|c| c.account == account && c.igsid == igsid)
    }
}

/// The IG mid prefix (`ig_d_item:1:IGMessageID:` in base64, as real mids start).
const MID_PREFIX: &str = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj";
/// The IG thread id prefix.
const THREAD_PREFIX: &str = "aWdfZAG06MTpJR01lc3NhZA2VUaHJlYWQ6";

fn fresh(st: &mut State, make: impl Fn(&mut SplitMix64) -> String) -> String {
    loop {
        let id = make(&mut st.messaging.rng);
        if !st.id_in_use(&id) {
            return id;
        }
    }
}

/// A new message id.
pub(crate) fn new_mid(st: &mut State) -> String {
    fresh(st, |r| format!("{MID_PREFIX}{}", r.b64url(96)))
}

/// A new conversation id.
pub(crate) fn new_thread_id(st: &mut State) -> String {
    fresh(st, |r| format!("{THREAD_PREFIX}{}", r.b64url(48)))
}

/// A new IGSID: 16 digits, never of the `17841…` form of IG account ids.
pub(crate) fn new_igsid(st: &mut State) -> String {
    fresh(st, |r| format!("{}{}", r.range(1, 9), r.digits(15)))
}

/// A new numeric id (comments, attachments).
pub(crate) fn new_numeric(st: &mut State, prefix: &str, len: usize) -> String {
    let p = prefix.to_owned();
    fresh(st, move |r| {
        format!("{p}{}", r.digits(len.saturating_sub(p.len())))
    })
}

/// Details for creating a user.
#[derive(Clone, Debug, Default)]
pub(crate) struct NewUser {
    pub(crate) igsid: Option<String>,
    pub(crate) username: String,
    pub(crate) name: Option<String>,
    pub(crate) follower_count: Option<u64>,
    pub(crate) is_verified_user: Option<bool>,
    pub(crate) is_user_follow_business: Option<bool>,
    pub(crate) is_business_follow_user: Option<bool>,
}

/// Creates a user of `account` (or returns the existing one with that IGSID); returns the IGSID.
pub(crate) fn ensure_user(st: &mut State, account: &str, spec: NewUser) -> String {
    if let Some(id) = &spec.igsid
        && st.messaging.user(account, id).is_some()
    {
        return id.clone();
    }
    let igsid = match spec.igsid {
        Some(id) => id,
        None => new_igsid(st),
    };
    let followers = match spec.follower_count {
        Some(n) => n,
        None => st.messaging.rng.range(0, 5_000),
    };
    let user = DmUser {
        igsid: igsid.clone(),
        account: account.to_owned(),
        profile_pic: format!(
            "https://scontent.sandbox.invalid/v/t51.2885-19/{igsid}_profile.jpg?stp=dst-jpg_s206x206&_nc_ht=scontent.sandbox.invalid"
        ),
        username: spec.username,
        name: spec.name,
        follower_count: followers,
        is_verified_user: spec.is_verified_user.unwrap_or(false),
        is_user_follow_business: spec.is_user_follow_business.unwrap_or(true),
        is_business_follow_user: spec.is_business_follow_user.unwrap_or(false),
        blocked: false,
    };
    st.messaging
        .users
        .insert((account.to_owned(), igsid.clone()), user);
    igsid
}

/// The conversation of `account` with `igsid`, created (empty) when missing; returns its id.
pub(crate) fn ensure_conversation(st: &mut State, account: &str, igsid: &str) -> String {
    if let Some(c) = st.messaging.conversation_with(account, igsid) {
        return c.id.clone();
    }
    let id = new_thread_id(st);
    let now = st.now();
    st.messaging.conversations.insert(
        id.clone(),
        Conversation {
            id: id.clone(),
            account: account.to_owned(),
            igsid: igsid.to_owned(),
            messages: Vec::new(),
            last_inbound: None,
            updated: now,
            unread: 0,
        },
    );
    id
}

/// A message to append to a thread.
#[derive(Clone, Debug, Default)]
pub(crate) struct NewMessage {
    pub(crate) text: Option<String>,
    pub(crate) attachments: Vec<Value>,
    pub(crate) reply_to: Option<String>,
    pub(crate) quick_reply: Option<String>,
}

/// Appends a message at `at` to `conversation`; inbound messages reopen the window. Returns
/// the mid.
pub(crate) fn append_message(
    st: &mut State,
    conversation: &str,
    from_business: bool,
    at: i64,
    msg: NewMessage,
) -> String {
    let mid = new_mid(st);
    st.messaging.messages.insert(
        mid.clone(),
        DmMessage {
            mid: mid.clone(),
            conversation: conversation.to_owned(),
            from_business,
            created: at,
            text: msg.text,
            attachments: msg.attachments,
            reactions: Vec::new(),
            reply_to: msg.reply_to,
            quick_reply: msg.quick_reply,
            seen: false,
        },
    );
    if let Some(c) = st.messaging.conversations.get_mut(conversation) {
        c.messages.push(mid.clone());
        c.updated = c.updated.max(at);
        if from_business {
            // Replying marks the user's messages as read in the app.
            c.unread = 0;
        } else {
            c.last_inbound = Some(c.last_inbound.map_or(at, |t| t.max(at)));
            c.unread += 1;
        }
    }
    mid
}

/// The webhook `message` object of a stored message.
pub(crate) fn webhook_message(m: &DmMessage, echo: bool) -> Value {
    let mut msg = json!({ "mid": m.mid });
    if let Some(t) = &m.text {
        msg["text"] = json!(t);
    }
    if !m.attachments.is_empty() {
        msg["attachments"] = json!(m.attachments);
    }
    if let Some(p) = &m.quick_reply {
        msg["quick_reply"] = json!({ "payload": p });
    }
    if let Some(r) = &m.reply_to {
        msg["reply_to"] = json!({ "mid": r });
    }
    if echo {
        msg["is_echo"] = json!(true);
    }
    msg
}

/// Emits the `messages` webhook for a stored message (an echo when the business sent it).
pub(crate) fn emit_message(st: &mut State, mid: &str) {
    let Some(m) = st.messaging.messages.get(mid).cloned() else {
        return;
    };
    let Some(c) = st.messaging.conversations.get(&m.conversation).cloned() else {
        return;
    };
    let (sender, recipient) = if m.from_business {
        (c.account.clone(), c.igsid.clone())
    } else {
        (c.igsid.clone(), c.account.clone())
    };
    let item = json!({
        "sender": { "id": sender },
        "recipient": { "id": recipient },
        "timestamp": m.created.saturating_mul(1000),
        "message": webhook_message(&m, m.from_business),
    });
    webhooks::emit(
        st,
        &c.account,
        WebhookPayload::Messaging {
            field: "messages".to_owned(),
            item,
        },
    );
}

/// The emoji shown for a reaction name (`love` is the one the Send API documents).
pub(crate) fn emoji_for(reaction: &str) -> String {
    match reaction {
        "love" => "\u{2764}\u{fe0f}".to_owned(),
        "like" => "\u{1f44d}".to_owned(),
        "haha" => "\u{1f606}".to_owned(),
        "wow" => "\u{1f62e}".to_owned(),
        "sad" => "\u{1f622}".to_owned(),
        "angry" => "\u{1f620}".to_owned(),
        other => other.to_owned(),
    }
}

const SEED_USERS: &[(&str, &str, i64, usize)] = &[
    // username, name, age of the user's last message (seconds), messages in the thread
    ("ada.lovelace", "Ada Lovelace", 3600, 25),
    ("grace.hopper", "Grace Hopper", 20 * 3600, 3),
    ("alan.turing", "Alan Turing", 2 * 86_400, 3),
    ("katherine.johnson", "Katherine Johnson", 6 * 86_400, 2),
    ("linus.t", "", 10 * 86_400, 2),
    ("blocked.visitor", "Blocked Visitor", 2 * 3600, 1),
];

const SEED_LINES: &[&str] = &[
    "Hi! Is the new collection in stock?",
    "Thanks for the quick answer",
    "Do you ship to Lisbon?",
    "What sizes do you have?",
    "Love the latest post!",
    "Can I change my order?",
    "Is there a discount code?",
    "When do you open tomorrow?",
];

const SEED_REPLIES: &[&str] = &[
    "Hello! Yes, everything is in stock.",
    "You're welcome!",
    "We ship worldwide within 5 days.",
    "Sizes XS to XL.",
    "Thank you so much!",
];

/// Seeds conversations for every IG account: users inside the 24-hour window, between 24 hours
/// and 7 days, older than 7 days, and one who blocked the account; plus comments that can get a
/// private reply (1 hour, 6 days and 8 days old). Deterministic for a given seed.
pub(crate) fn seed(st: &mut State) {
    let accounts: Vec<(String, Vec<String>)> = st
        .ig_accounts
        .values()
        .map(|a| (a.ig_user_id.clone(), a.media.clone()))
        .collect();
    let now = st.now();
    for (account, media) in accounts {
        for (i, (username, name, age, count)) in SEED_USERS.iter().enumerate() {
            let igsid = ensure_user(
                st,
                &account,
                NewUser {
                    username: (*username).to_owned(),
                    name: (!name.is_empty()).then(|| (*name).to_owned()),
                    is_verified_user: Some(i == 0),
                    is_business_follow_user: Some(i % 2 == 0),
                    ..NewUser::default()
                },
            );
            let conv = ensure_conversation(st, &account, &igsid);
            let last = now - age;
            for k in 0..*count {
                // The thread alternates user / business, 10 minutes apart, ending with the user.
                let steps_back = (*count - 1 - k) as i64;
                let at = last - steps_back * 600;
                let from_business = steps_back % 2 == 1;
                let lines = if from_business {
                    SEED_REPLIES
                } else {
                    SEED_LINES
                };
                let text = lines[k % lines.len()].to_owned();
                append_message(
                    st,
                    &conv,
                    from_business,
                    at,
                    NewMessage {
                        text: Some(text),
                        ..NewMessage::default()
                    },
                );
            }
            if *username == "blocked.visitor"
                && let Some(u) = st
                    .messaging
                    .users
                    .get_mut(&(account.clone(), igsid.clone()))
            {
                u.blocked = true;
            }
        }
        for (j, age) in [3600_i64, 6 * 86_400, 8 * 86_400].into_iter().enumerate() {
            let Some(media_id) = media.get(j).cloned() else {
                continue;
            };
            let username = format!("commenter.{}", j + 1);
            let igsid = ensure_user(
                st,
                &account,
                NewUser {
                    username: username.clone(),
                    name: Some(format!("Commenter {}", j + 1)),
                    ..NewUser::default()
                },
            );
            let id = new_numeric(st, "179", 17);
            st.messaging.comments.insert(
                id.clone(),
                ReplyableComment {
                    id,
                    account: account.clone(),
                    media_id,
                    from_igsid: igsid,
                    username,
                    text: "How much is this? \u{1f60d}".to_owned(),
                    created: now - age,
                    private_reply_mid: None,
                },
            );
        }
    }
}
