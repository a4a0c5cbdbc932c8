//! Webhook payloads: split a delivered body into events, normalise them, key them for dedupe.
//!
//! # Model
//!
//! Meta posts an envelope `{"object": "instagram", "entry": [...]}`. Each entry carries the
//! account id (`id`), a batch time (`time`) and any of `messaging[]` (DMs and DM-adjacent
//! events), `standby[]` (the same shapes, for an app that is not the thread owner) and
//! `changes[]` (`{field, value}`: comments, mentions, story insights, ...). [`split`] turns one
//! body into a flat list of [`Event`]s, one per messaging/standby item and one per change.
//!
//! Only a body that is not a JSON object with an `entry` array is an error ([`PayloadError`]).
//! Anything malformed below that level becomes an event of kind [`EventKind::Unknown`] with the
//! offending value kept in [`Event::raw`], so nothing is dropped and nothing fails the batch:
//!
//! | what is wrong                                             | source          | kind                          | `raw`           |
//! |-----------------------------------------------------------|-----------------|-------------------------------|-----------------|
//! | an entry that is not an object                            | `Entry`         | `Unknown("entry")`            | the entry       |
//! | an entry with no `messaging`/`standby`/`changes` at all   | `Entry`         | `Unknown("entry")`            | the entry       |
//! | `messaging`/`standby`/`changes` present but not an array  | `Entry`         | `Unknown("messaging")` etc.   | that member     |
//! | a messaging item that is not an object, or whose event key is known but not an object | `Messaging`/`Standby` | `Unknown("messaging")`/`Unknown("standby")` | the item |
//! | a messaging item with no known event key                  | `Messaging`/`Standby` | `Unknown(<smallest key besides sender, recipient, timestamp, prior_message>)`, else as above | the item |
//! | a change that is not an object, has no string `field`, or a known field whose value is not an object | `Change` | `Unknown("changes")` | the change |
//! | a change with any other field                             | `Change`        | `Unknown(<field>)`            | the change      |
//!
//! An `Unknown` name never equals the name of a known kind and is at most 64 bytes (longer or
//! clashing names fall back to the structural name above), so `eventType` in the normalised
//! form is unambiguous. The legacy (pre-2021) DM shape `changes[{field: "messages"}]` is kept
//! as `Unknown("messages")`: its `value` (`event_type`, `event_data`, ...) is not mapped.
//!
//! Ids may arrive as JSON numbers or strings (Messenger samples use numbers); they are always
//! strings in [`Event::account_id`], the typed structs and the normalised form's named id fields
//! (`senderId`, `messageId`, `commentId`, `mediaId`, ...; copied-through fields stay as sent).
//!
//! # Timestamps
//!
//! [`epoch_to_ms`] accepts numbers and numeric strings, in seconds or milliseconds: a value
//! above 10^12 is taken as milliseconds, anything else as seconds (times 1000). Negative values,
//! non-finite values and instants after year 9999 are dropped (`None`); nothing overflows.
//! [`Event::timestamp_ms`] is the event's own `timestamp`, else the entry's `time`.
//!
//! # Normalised form
//!
//! [`Event::normalized`] builds a camelCase JSON object on demand from `raw` (it reads the JSON
//! directly with lenient accessors, so an event normalises even when a field has an unexpected
//! type; the typed structs in this module are a separate, stricter view for consumers). Always
//! present: `eventType`, `object`, `accountId` and `timestamp` (ms or null). Messaging events
//! add `senderId` and `recipientId` as Meta sent them (for echoes Meta swaps them: the sender is
//! the business), `isStandby` (true for `standby[]` items: another app owns the thread, do not
//! reply) and `senderUserRef` when the sender is a chat-plugin guest. The `message`, `postback` and
//! `optin` shapes match the n8n Instagram Trigger node (`messageId`, `text`, `attachments`,
//! `quick_reply` with that snake_case key, `payload`, `title`, `ref`). Ids are strings; other
//! values are passed as sent; fields documented for a kind are `null` when absent, except the
//! optional extras (`quick_reply`, `replyTo`, `referral`, `appId`, `metadata`, `stickerId`).
//! See [`Event::normalized`] for the per-kind fields.
//!
//! # Dedupe keys
//!
//! Meta delivers at least once and may redeliver the same events (in a different batch, with a
//! different `entry.time`) for 36 hours. [`Event::dedupe_key`] is stable across redeliveries
//! (it never uses the entry time or position) and distinguishes distinct events that share a
//! message id:
//!
//! | kind                         | key                                                      |
//! |------------------------------|----------------------------------------------------------|
//! | message (echo too)           | `msg:{account}:{mid}`                                    |
//! | message_deleted              | `del:{account}:{mid}`                                    |
//! | message_unsupported          | `unsup:{account}:{mid}`                                  |
//! | message_edit                 | `edit:{account}:{mid}:{num_edit}`                        |
//! | reaction                     | `react:{account}:{mid}:{sender}:{action}:{reaction or emoji}:{ts}` |
//! | read (Instagram `read.mid`)  | `read:{account}:{mid}:{sender}:{ts}`                     |
//! | read (Messenger `watermark`) | `readw:{account}:{watermark}:{sender}:{ts}`              |
//! | postback                     | `pb:{account}:{sender}:{ts}:{payload}` then `:{mid}` when a mid is present |
//! | optin                        | `optin:{account}:{sender or user_ref}:{ts}:{ref}`        |
//! | referral                     | `ref:{account}:{sender}:{ts}:{ref}`                      |
//! | comment                      | `comment:{comment id}` (comment ids are global)          |
//! | live_comment                 | `live_comment:{comment id}`                              |
//! | everything else              | `h:{sha256 hex}`                                         |
//!
//! - `{ts}` is the event's own `timestamp` in ms (empty when absent); `{sender}` is `sender.id`,
//!   else `sender.user_ref`. Ids are scoped by the account id because message ids and
//!   Instagram-scoped ids are per business, not global.
//! - Items under `standby[]` get an `sb:` prefix, so the standby copy and the thread owner's copy
//!   of an event are separate rows.
//! - When a component a key needs is missing (no `mid`; no `ts` and no `mid` for a postback; no
//!   `ts` for an optin or referral; no comment `id`) the event falls back to the hash key.
//! - Components are escaped (`%` as `%25`, `:` as `%3A`) so keys are unambiguous; a component
//!   longer than 200 bytes is replaced by `~{sha256 hex}`; a whole key longer than
//!   [`MAX_DEDUPE_KEY_LEN`] becomes `{prefix}:~{sha256 hex of the key}`.
//! - The hash key is SHA-256 over a canonical JSON array `[object, account_id, source, raw]`
//!   where `source` is `messaging`, `standby`, `changes` or `entry` and every object in `raw` is
//!   written with its keys sorted (explicitly, whatever `serde_json::Map`'s ordering is) and no
//!   whitespace. Identical events thus share a key even inside one batch, which is what dedupe
//!   wants.

mod dedupe;
mod normalize;
mod types;

pub use dedupe::MAX_DEDUPE_KEY_LEN;
pub use types::{
    Attachment, CommentFrom, CommentMedia, CommentValue, Delivery, MentionValue, Message,
    MessageEdit, MessagingItem, Optin, Party, PolicyEnforcement, Postback, QuickReply, Reaction,
    Read, Referral, ReplyTo, StoryInsightsValue, StoryRef, ThreadControl,
};

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// Why a body could not be split at all. Anything wrong below the envelope becomes an
/// [`EventKind::Unknown`] event instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The body is not JSON (or not UTF-8).
    #[error("the body is not valid JSON: {message} at line {line}, column {column}")]
    NotJson {
        /// 1-based line of the error (0 when the position is unknown).
        line: usize,
        /// 1-based column of the error (0 when the position is unknown).
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// The body is JSON but not an object.
    #[error("the body is JSON but not an object (found {found})")]
    NotObject {
        /// The JSON type found (`array`, `string`, ...).
        found: &'static str,
    },
    /// The object has no `entry` member.
    #[error("the body has no `entry` member")]
    EntryMissing,
    /// `entry` is not an array.
    #[error("`entry` is not an array (found {found})")]
    EntryNotArray {
        /// The JSON type found.
        found: &'static str,
    },
}

impl From<serde_json::Error> for PayloadError {
    fn from(e: serde_json::Error) -> Self {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        // serde_json appends the position; we show it once, in our own words.
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        PayloadError::NotJson {
            line,
            column,
            message,
        }
    }
}

/// Where in the entry an event came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Source {
    /// `entry[].messaging[]`.
    Messaging,
    /// `entry[].standby[]` (handover protocol: this app is not the thread owner).
    Standby,
    /// `entry[].changes[]`, with the change's `field` (empty when it was missing).
    Change {
        /// The change's `field`, as sent.
        field: String,
    },
    /// The entry itself could not be split (not an object, no event arrays, or an event
    /// member that is not an array).
    Entry,
}

impl Source {
    /// `messaging`, `standby`, `changes` or `entry`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Messaging => "messaging",
            Source::Standby => "standby",
            Source::Change { .. } => "changes",
            Source::Entry => "entry",
        }
    }
}

/// What an event is. Serialises as its [`as_str`](EventKind::as_str) name, which is also the
/// normalised `eventType`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A DM (`message`), echoes included (`is_echo` in the normalised form).
    Message,
    /// An unsent DM (`message.is_deleted: true`).
    MessageDeleted,
    /// A DM the API cannot render (`message.is_unsupported: true`).
    MessageUnsupported,
    /// An edited DM (`message_edit`).
    MessageEdit,
    /// A reaction or its removal (`reaction`, action `react`/`unreact`).
    Reaction,
    /// A button tap (`postback`).
    Postback,
    /// An opt-in (`optin`).
    Optin,
    /// A referral into a thread (`referral`).
    Referral,
    /// A read receipt (`read`).
    Read,
    /// A delivery receipt (`delivery`, Messenger only).
    Delivery,
    /// Handover: thread control passed to an app.
    PassThreadControl,
    /// Handover: thread control taken by the primary receiver.
    TakeThreadControl,
    /// Handover: an app asks for thread control.
    RequestThreadControl,
    /// A platform policy action (`policy-enforcement`).
    PolicyEnforcement,
    /// A comment (change field `comments`).
    Comment,
    /// A comment on a live broadcast (change field `live_comments`).
    LiveComment,
    /// A mention in a caption or comment (change field `mentions`).
    Mention,
    /// Metrics of an expired story (change field `story_insights`).
    StoryInsights,
    /// A reaction delivered as a change (field `message_reactions`).
    MessageReactions,
    /// Anything else: the unknown field/key name, or the structural name (`entry`,
    /// `messaging`, `standby`, `changes`) for a malformed item. Empty serialises as `unknown`.
    Unknown(String),
}

/// Every known kind, for name lookups.
const KNOWN_KINDS: [EventKind; 19] = [
    EventKind::Message,
    EventKind::MessageDeleted,
    EventKind::MessageUnsupported,
    EventKind::MessageEdit,
    EventKind::Reaction,
    EventKind::Postback,
    EventKind::Optin,
    EventKind::Referral,
    EventKind::Read,
    EventKind::Delivery,
    EventKind::PassThreadControl,
    EventKind::TakeThreadControl,
    EventKind::RequestThreadControl,
    EventKind::PolicyEnforcement,
    EventKind::Comment,
    EventKind::LiveComment,
    EventKind::Mention,
    EventKind::StoryInsights,
    EventKind::MessageReactions,
];

impl EventKind {
    /// The snake_case name (the normalised `eventType`); for `Unknown` its name, or `unknown`
    /// when empty.
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::Message => "message",
            EventKind::MessageDeleted => "message_deleted",
            EventKind::MessageUnsupported => "message_unsupported",
            EventKind::MessageEdit => "message_edit",
            EventKind::Reaction => "reaction",
            EventKind::Postback => "postback",
            EventKind::Optin => "optin",
            EventKind::Referral => "referral",
            EventKind::Read => "read",
            EventKind::Delivery => "delivery",
            EventKind::PassThreadControl => "pass_thread_control",
            EventKind::TakeThreadControl => "take_thread_control",
            EventKind::RequestThreadControl => "request_thread_control",
            EventKind::PolicyEnforcement => "policy_enforcement",
            EventKind::Comment => "comment",
            EventKind::LiveComment => "live_comment",
            EventKind::Mention => "mention",
            EventKind::StoryInsights => "story_insights",
            EventKind::MessageReactions => "message_reactions",
            EventKind::Unknown(name) if name.is_empty() => "unknown",
            EventKind::Unknown(name) => name,
        }
    }

    /// The kind named `name` (the inverse of [`as_str`](EventKind::as_str)); any other name is
    /// `Unknown(name)`.
    pub fn from_name(name: &str) -> EventKind {
        KNOWN_KINDS
            .iter()
            .find(|k| k.as_str() == name)
            .cloned()
            .unwrap_or_else(|| EventKind::Unknown(name.to_owned()))
    }

    /// Whether this is `Unknown`.
    pub fn is_unknown(&self) -> bool {
        matches!(self, EventKind::Unknown(_))
    }

    /// Whether this kind comes from `messaging[]`/`standby[]` items (as opposed to changes).
    pub fn is_messaging(&self) -> bool {
        !matches!(
            self,
            EventKind::Comment
                | EventKind::LiveComment
                | EventKind::Mention
                | EventKind::StoryInsights
                | EventKind::MessageReactions
                | EventKind::Unknown(_)
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One event out of a webhook body. Build with [`split`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The envelope's `object` (`instagram`, `page`, ...); empty when missing or not a string.
    pub object: String,
    /// The entry's `id` (the IG professional account id, or the Page id for `page`), a number
    /// rendered as a string; empty when missing.
    pub account_id: String,
    /// The entry's `time` in ms.
    pub entry_time_ms: Option<i64>,
    /// Where in the entry the event came from.
    pub source: Source,
    /// What the event is.
    pub kind: EventKind,
    /// The event's `timestamp` in ms, else the entry's time.
    pub timestamp_ms: Option<i64>,
    /// A key that is the same for a redelivered event and differs between distinct events
    /// (see the module docs); at most [`MAX_DEDUPE_KEY_LEN`] bytes.
    pub dedupe_key: String,
    /// The messaging item, or the change object `{field, value}`, exactly as sent (for
    /// `Source::Entry`, the entry or its malformed member).
    pub raw: Value,
}

impl Event {
    /// The normalised form: a camelCase JSON object computed from `raw` on each call.
    ///
    /// Always `eventType`, `object`, `accountId` and `timestamp` (ms or null); then:
    /// - messaging events (unknown ones too, when the item is an object): `senderId`,
    ///   `recipientId` (as Meta sent them; for echoes the sender is the business), `isStandby`,
    ///   and `senderUserRef` when the sender is a chat-plugin guest;
    /// - `message`: `messageId`, `text`, `attachments` (always an array; each attachment as
    ///   sent, with `type` and `payload` keys always present), `isEcho`, and when sent
    ///   `quick_reply` (`{payload}`), `replyTo` (`{mid}` or `{story:{url,id}}`), `referral`,
    ///   `appId`, `metadata`, `stickerId`;
    /// - `message_deleted`, `message_unsupported`: `messageId` (and `isEcho` when true);
    /// - `message_edit`: `messageId`, `text`, `numEdit` (a number; Meta sends a string);
    /// - `reaction`: `messageId`, `action` (`react`/`unreact`), `reaction`, `emoji`;
    /// - `postback`: `messageId`, `payload`, `title`, and `referral` when sent;
    /// - `optin`: `ref`, `userRef` and every other optin field in camelCase;
    /// - `referral`: `ref`, `source`, `type`, `adId` and every other referral field in camelCase;
    /// - `read`: `messageId` (Instagram's `read.mid`) and `watermark` (Messenger's);
    /// - `delivery`: `messageIds`, `watermark`;
    /// - handover and `policy_enforcement`: the event object's fields in camelCase
    ///   (`newOwnerAppId`, `metadata`, `action`, `reason`, ...);
    /// - `comment`, `live_comment`: `commentId`, `text`, `fromId`, `fromUsername`, `mediaId`,
    ///   `mediaProductType`, `parentId` (null for a top-level comment), `adId`, `adTitle`,
    ///   `originalMediaId`;
    /// - `mention`: `mediaId`, `commentId` (null for a caption mention);
    /// - `story_insights`: `mediaId`, each numeric metric as a camelCase field, and `metrics`
    ///   (the numeric metrics under their original names);
    /// - `message_reactions`: `senderId`, `recipientId`, `messageId`, `action`, `reaction`,
    ///   `emoji`, `value`;
    /// - unknown: `field` (the change's field, else the kind's name) and `value` (the change's
    ///   `value`, else `raw`).
    pub fn normalized(&self) -> Value {
        normalize::normalize(self)
    }

    /// The normalised `eventType` (the kind's name).
    pub fn event_type(&self) -> &str {
        self.kind.as_str()
    }

    /// The typed view of a messaging or standby item; `None` for other sources or when `raw`
    /// does not fit [`MessagingItem`] (the normalised form still works then).
    pub fn messaging_item(&self) -> Option<MessagingItem> {
        match self.source {
            Source::Messaging | Source::Standby => MessagingItem::deserialize_from(&self.raw),
            _ => None,
        }
    }

    /// The typed view of a change's `value` (e.g. [`CommentValue`], [`MentionValue`],
    /// [`StoryInsightsValue`]); `None` for other sources or when it does not fit `T`.
    pub fn change_value<T: DeserializeOwned>(&self) -> Option<T> {
        match self.source {
            Source::Change { .. } => {
                let value = self.raw.get("value")?;
                T::deserialize(value).ok()
            }
            _ => None,
        }
    }
}

/// Splits a webhook body into events, in body order (per entry: `messaging`, `standby`,
/// `changes`). Fails only when the body is not a JSON object with an `entry` array; never
/// panics.
pub fn split(body: &[u8]) -> Result<Vec<Event>, PayloadError> {
    let value: Value = serde_json::from_slice(body)?;
    let mut top = match value {
        Value::Object(map) => map,
        other => {
            return Err(PayloadError::NotObject {
                found: json_type(&other),
            });
        }
    };
    let object = match top.get("object") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let entries = match top.remove("entry") {
        None => return Err(PayloadError::EntryMissing),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(PayloadError::EntryNotArray {
                found: json_type(&other),
            });
        }
    };
    let mut events = Vec::with_capacity(entries.len());
    for entry in entries {
        split_entry(&object, entry, &mut events);
    }
    Ok(events)
}

/// The JSON type name of `v`, for error messages.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What every event of one entry shares.
struct EntryCtx<'a> {
    object: &'a str,
    account_id: String,
    entry_time_ms: Option<i64>,
}

impl EntryCtx<'_> {
    fn event(&self, source: Source, kind: EventKind, own_ts: Option<i64>, raw: Value) -> Event {
        let dedupe_key = dedupe::key(self.object, &self.account_id, &source, &kind, own_ts, &raw);
        Event {
            object: self.object.to_owned(),
            account_id: self.account_id.clone(),
            entry_time_ms: self.entry_time_ms,
            source,
            kind,
            timestamp_ms: own_ts.or(self.entry_time_ms),
            dedupe_key,
            raw,
        }
    }
}

const EVENT_MEMBERS: [&str; 3] = ["messaging", "standby", "changes"];

fn split_entry(object: &str, entry: Value, out: &mut Vec<Event>) {
    let mut entry = match entry {
        Value::Object(map) => map,
        other => {
            let ctx = EntryCtx {
                object,
                account_id: String::new(),
                entry_time_ms: None,
            };
            out.push(ctx.event(
                Source::Entry,
                EventKind::Unknown("entry".into()),
                None,
                other,
            ));
            return;
        }
    };
    let ctx = EntryCtx {
        object,
        account_id: id_string(entry.get("id")).unwrap_or_default(),
        entry_time_ms: entry.get("time").and_then(epoch_to_ms),
    };
    let has_events = EVENT_MEMBERS
        .iter()
        .any(|k| entry.get(*k).is_some_and(|v| !v.is_null()));
    if !has_events {
        out.push(ctx.event(
            Source::Entry,
            EventKind::Unknown("entry".into()),
            None,
            Value::Object(entry),
        ));
        return;
    }
    for member in EVENT_MEMBERS {
        match entry.remove(member) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                out.reserve(items.len());
                for item in items {
                    out.push(match member {
                        "changes" => change_event(&ctx, item),
                        "standby" => messaging_event(&ctx, Source::Standby, item),
                        _ => messaging_event(&ctx, Source::Messaging, item),
                    });
                }
            }
            Some(other) => out.push(ctx.event(
                Source::Entry,
                EventKind::Unknown(member.into()),
                None,
                other,
            )),
        }
    }
}

/// Messaging item keys that name the event, in precedence order.
const MESSAGING_KINDS: [(&str, EventKind); 12] = [
    ("message_edit", EventKind::MessageEdit),
    ("reaction", EventKind::Reaction),
    ("postback", EventKind::Postback),
    ("optin", EventKind::Optin),
    ("referral", EventKind::Referral),
    ("read", EventKind::Read),
    ("delivery", EventKind::Delivery),
    ("pass_thread_control", EventKind::PassThreadControl),
    ("take_thread_control", EventKind::TakeThreadControl),
    ("request_thread_control", EventKind::RequestThreadControl),
    ("policy-enforcement", EventKind::PolicyEnforcement),
    ("policy_enforcement", EventKind::PolicyEnforcement),
];

/// Keys of a messaging item that are not the event itself.
const MESSAGING_ENVELOPE_KEYS: [&str; 4] = ["sender", "recipient", "timestamp", "prior_message"];

/// The object of a messaging item that holds the event of `kind` (`message` for the three
/// message kinds), when it is an object.
pub(crate) fn messaging_object<'a>(
    item: &'a Map<String, Value>,
    kind: &EventKind,
) -> Option<&'a Map<String, Value>> {
    match kind {
        EventKind::Message | EventKind::MessageDeleted | EventKind::MessageUnsupported => {
            item.get("message")?.as_object()
        }
        k => MESSAGING_KINDS
            .iter()
            .filter(|(_, kk)| kk == k)
            .find_map(|(key, _)| item.get(*key).and_then(Value::as_object)),
    }
}

fn messaging_event(ctx: &EntryCtx<'_>, source: Source, item: Value) -> Event {
    let structural = || EventKind::Unknown(source.as_str().into());
    let (kind, own_ts) = match &item {
        Value::Object(map) => {
            let own_ts = map.get("timestamp").and_then(epoch_to_ms);
            (classify_messaging(map).unwrap_or_else(structural), own_ts)
        }
        _ => (structural(), None),
    };
    ctx.event(source, kind, own_ts, item)
}

/// The kind of a messaging item; `None` when it is malformed (a known key whose value is not
/// an object), which the caller turns into the structural `Unknown`.
fn classify_messaging(map: &Map<String, Value>) -> Option<EventKind> {
    if let Some(message) = map.get("message").filter(|v| !v.is_null()) {
        let m = message.as_object()?;
        return Some(if truthy(m.get("is_deleted")) {
            EventKind::MessageDeleted
        } else if truthy(m.get("is_unsupported")) {
            EventKind::MessageUnsupported
        } else {
            EventKind::Message
        });
    }
    for (key, kind) in MESSAGING_KINDS.iter() {
        if let Some(v) = map.get(*key).filter(|v| !v.is_null()) {
            return v.is_object().then(|| kind.clone());
        }
    }
    let candidate = map
        .keys()
        .filter(|k| !MESSAGING_ENVELOPE_KEYS.contains(&k.as_str()))
        .min()?;
    unknown_name(candidate)
}

/// `Unknown(candidate)` when `candidate` is a usable unknown name (non-empty, at most 64
/// bytes, not a known kind's name); `None` otherwise.
fn unknown_name(candidate: &str) -> Option<EventKind> {
    let usable = !candidate.is_empty()
        && candidate.len() <= 64
        && !KNOWN_KINDS.iter().any(|k| k.as_str() == candidate)
        && !["unknown", "entry", "messaging", "standby", "changes"].contains(&candidate);
    usable.then(|| EventKind::Unknown(candidate.to_owned()))
}

fn change_event(ctx: &EntryCtx<'_>, item: Value) -> Event {
    let structural = || EventKind::Unknown("changes".into());
    let (field, kind) = match &item {
        Value::Object(map) => match map.get("field") {
            Some(Value::String(field)) => {
                let value_is_object = map.get("value").is_some_and(Value::is_object);
                let known = match field.as_str() {
                    "comments" => Some(EventKind::Comment),
                    "live_comments" => Some(EventKind::LiveComment),
                    "mentions" => Some(EventKind::Mention),
                    "story_insights" => Some(EventKind::StoryInsights),
                    "message_reactions" => Some(EventKind::MessageReactions),
                    _ => None,
                };
                let kind = match known {
                    Some(kind) if value_is_object => kind,
                    Some(_) => structural(),
                    None => unknown_name(field).unwrap_or_else(structural),
                };
                (field.clone(), kind)
            }
            _ => (String::new(), structural()),
        },
        _ => (String::new(), structural()),
    };
    ctx.event(Source::Change { field }, kind, None, item)
}

/// `true`, `"true"` or `1`.
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    }
}

/// An id that may be a string or a number, as a string.
pub(crate) fn id_string(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Values above this are milliseconds; at or below, seconds.
const MS_THRESHOLD: i64 = 1_000_000_000_000;
/// 9999-12-31T23:59:59.999Z in ms; later instants are dropped.
const MAX_MS: i64 = 253_402_300_799_999;

/// An epoch timestamp (number or numeric string, seconds or milliseconds) in milliseconds.
///
/// Values above 10^12 are milliseconds, others seconds; fractional seconds are rounded to the
/// millisecond. Negative, non-finite, non-numeric values and instants after year 9999 give
/// `None`.
pub fn epoch_to_ms(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => match n.as_i64() {
            Some(i) => int_epoch_to_ms(i),
            None if n.is_f64() => n.as_f64().and_then(float_epoch_to_ms),
            None => None,
        },
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(i) => int_epoch_to_ms(i),
                Err(_) => s.parse::<f64>().ok().and_then(float_epoch_to_ms),
            }
        }
        _ => None,
    }
}

/// [`epoch_to_ms`] for an integer.
pub fn int_epoch_to_ms(value: i64) -> Option<i64> {
    if value < 0 {
        return None;
    }
    let ms = if value > MS_THRESHOLD {
        value
    } else {
        value.checked_mul(1000)?
    };
    (ms <= MAX_MS).then_some(ms)
}

fn float_epoch_to_ms(value: f64) -> Option<i64> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let ms = if value > MS_THRESHOLD as f64 {
        value
    } else {
        value * 1000.0
    };
    let ms = ms.round();
    // Bounded above, so the cast is exact enough and cannot saturate.
    (ms <= MAX_MS as f64).then_some(ms as i64)
}
