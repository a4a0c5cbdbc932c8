//! Typed views of messaging items and change values. Every struct keeps the fields it does not
//! declare in `extra`, ids accept numbers or strings (and come back as strings), and every field
//! is optional because Meta's samples and real deliveries disagree on what is always present.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Fields a struct does not declare, kept as sent.
pub type Extra = Map<String, Value>;

struct LenientString;

impl<'de> Visitor<'de> for LenientString {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(v).map(|n| n.to_string()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(LenientString)
    }
}

/// An optional id that may arrive as a string or a number.
fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(LenientString)
}

struct LenientInt;

impl<'de> Visitor<'de> for LenientInt {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a numeric string")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v).map(Some).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // In range (checked above and below), so the cast only drops the fraction.
        if v.is_finite() && v >= i64::MIN as f64 && v < i64::MAX as f64 {
            Ok(Some(v as i64))
        } else {
            Err(E::custom("number out of range"))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        v.trim().parse().map(Some).map_err(E::custom)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(LenientInt)
    }
}

/// An optional integer that may arrive as a number or a numeric string.
fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(LenientInt)
}

/// One `messaging[]` (or `standby[]`) item. Exactly one of the event members is normally set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessagingItem {
    /// Who sent it (the user; the business for echoes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// Who received it (the business; the user for echoes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Party>,
    /// Epoch as sent (normally ms); see [`MessagingItem::timestamp_ms`].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_int"
    )]
    pub timestamp: Option<i64>,
    /// A DM (also unsends and unsupported messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// An edit of an earlier DM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_edit: Option<MessageEdit>,
    /// A reaction or unreaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<Reaction>,
    /// A button tap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postback: Option<Postback>,
    /// A read receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<Read>,
    /// A delivery receipt (Messenger only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// A referral into the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
    /// An opt-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optin: Option<Optin>,
    /// Handover: control passed to an app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_thread_control: Option<ThreadControl>,
    /// Handover: control taken back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take_thread_control: Option<ThreadControl>,
    /// Handover: control requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_thread_control: Option<ThreadControl>,
    /// A policy action (key `policy-enforcement`).
    #[serde(
        default,
        rename = "policy-enforcement",
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_enforcement: Option<PolicyEnforcement>,
    /// Fields not declared above (`prior_message`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl MessagingItem {
    /// `timestamp` in ms (see [`epoch_to_ms`](super::epoch_to_ms)).
    pub fn timestamp_ms(&self) -> Option<i64> {
        self.timestamp.and_then(super::int_epoch_to_ms)
    }

    /// Parses `value` without cloning it; `None` when it does not fit.
    pub(crate) fn deserialize_from(value: &Value) -> Option<MessagingItem> {
        MessagingItem::deserialize(value).ok()
    }
}

/// A sender or recipient.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Party {
    /// IGSID / PSID, or the account id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub id: Option<String>,
    /// A chat-plugin guest's reference (instead of `id`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub user_ref: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `message`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Message id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub mid: Option<String>,
    /// Text, when the message has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Attachments (images, shares, story mentions, reels, templates, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    /// The tapped quick reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_reply: Option<QuickReply>,
    /// The message or story this replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyTo>,
    /// Ad / ig.me context of the first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
    /// Sent by the business (sender and recipient are swapped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_echo: Option<bool>,
    /// Unsent by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    /// Content the API cannot render.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_unsupported: Option<bool>,
    /// The app that sent an echo.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub app_id: Option<String>,
    /// Developer metadata of an echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// Sticker id (Messenger).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub sticker_id: Option<String>,
    /// Fields not declared above (`seq`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One attachment. `payload` is usually an object (`{url, ...}`) but a string for Messenger's
/// `fallback` type, so it is kept as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// `image`, `video`, `audio`, `file`, `share`, `story_mention`, `ig_reel`, `reel`,
    /// `ig_post`, `template`, `unsupported_type`, `fallback`, `location`, ...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The payload as sent (object or string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Fields not declared above (`title`, `url` on `fallback`).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Attachment {
    /// `payload.url` (expiring CDN URL for Instagram media), else a top-level `url`.
    pub fn url(&self) -> Option<&str> {
        self.payload
            .as_ref()
            .and_then(|p| p.get("url"))
            .or_else(|| self.extra.get("url"))
            .and_then(Value::as_str)
    }
}

/// `quick_reply`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuickReply {
    /// The developer payload of the tapped reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `reply_to`: a message (`mid`) or a story (`story`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplyTo {
    /// The replied-to message.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub mid: Option<String>,
    /// The replied-to story.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<StoryRef>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A story a message replies to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoryRef {
    /// Story id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub id: Option<String>,
    /// Story CDN URL (expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `referral` (top level, or inside a message or postback).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    /// The `ref` parameter of the link or ad.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub ref_: Option<String>,
    /// `ADS`, `SHORTLINK`, `CUSTOMER_CHAT_PLUGIN`, ig.me sources, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `OPEN_THREAD`, ...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The ad, for ad referrals.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub ad_id: Option<String>,
    /// Fields not declared above (`ads_context_data`, `referer_uri`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `postback`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Postback {
    /// Id of the postback message (Instagram).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub mid: Option<String>,
    /// The button's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The developer payload (up to 1000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// The referral that opened the thread, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `message_edit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageEdit {
    /// The edited message.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub mid: Option<String>,
    /// The new text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// How many times it was edited (a string in Meta's sample; serialised back as a number).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_int"
    )]
    pub num_edit: Option<i64>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `reaction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    /// The message reacted to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub mid: Option<String>,
    /// `react` or `unreact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `love`, `sad`, ... (absent on unreact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    /// The emoji (absent on unreact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `read`: Instagram sends `mid`, Messenger `watermark`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Read {
    /// The message read (Instagram).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub mid: Option<String>,
    /// Everything before this ms epoch was read (Messenger).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_int"
    )]
    pub watermark: Option<i64>,
    /// Fields not declared above (`seq`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `delivery` (Messenger only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Messages delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mids: Option<Vec<String>>,
    /// Everything before this ms epoch was delivered.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_int"
    )]
    pub watermark: Option<i64>,
    /// Fields not declared above (`seq`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `optin`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Optin {
    /// The pass-through parameter.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub ref_: Option<String>,
    /// The checkbox plugin's user reference.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub user_ref: Option<String>,
    /// The opt-in type (`notification_messages`, ...).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Developer payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Fields not declared above (tokens, frequency, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `pass_thread_control`, `take_thread_control`, `request_thread_control`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadControl {
    /// The app control is passed to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub new_owner_app_id: Option<String>,
    /// The app control was taken from.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub previous_owner_app_id: Option<String>,
    /// The app asking for control.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub requested_owner_app_id: Option<String>,
    /// Developer metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `policy-enforcement`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyEnforcement {
    /// `block`, `unblock`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The `value` of a `comments` or `live_comments` change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommentValue {
    /// Comment id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub id: Option<String>,
    /// Comment text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<CommentFrom>,
    /// The media commented on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<CommentMedia>,
    /// The parent comment, for replies.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub parent_id: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A comment's author.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommentFrom {
    /// The author's IG-scoped id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub id: Option<String>,
    /// The author's username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The media a comment is on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommentMedia {
    /// Media id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub id: Option<String>,
    /// `FEED`, `REELS`, `STORY`, `AD`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_product_type: Option<String>,
    /// The ad, for comments on ads.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub ad_id: Option<String>,
    /// The ad's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad_title: Option<String>,
    /// The organic media an ad was made from.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub original_media_id: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The `value` of a `mentions` change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MentionValue {
    /// The media the account was mentioned in (or under).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub media_id: Option<String>,
    /// The comment, for mentions in comments (absent for caption mentions).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_id"
    )]
    pub comment_id: Option<String>,
    /// Fields not declared above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The `value` of a `story_insights` change: the story's id and its metrics. Every numeric
/// member other than `media_id` is a metric (`exits`, `replies`, `reach`, `taps_forward`,
/// `taps_back`, `impressions`, and whatever Meta adds); other members go to `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Map<String, Value>")]
pub struct StoryInsightsValue {
    /// The story's media id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Numeric metrics by name.
    #[serde(flatten)]
    pub metrics: BTreeMap<String, Number>,
    /// Non-numeric members other than `media_id` (and `media_id` itself when it is neither a
    /// string nor a number).
    #[serde(flatten)]
    pub extra: Extra,
}

impl From<Map<String, Value>> for StoryInsightsValue {
    fn from(map: Map<String, Value>) -> Self {
        let mut out = StoryInsightsValue::default();
        for (k, v) in map {
            match (k.as_str(), v) {
                ("media_id", Value::String(s)) => out.media_id = Some(s),
                ("media_id", Value::Number(n)) => out.media_id = Some(n.to_string()),
                (_, Value::Number(n)) if k != "media_id" => {
                    out.metrics.insert(k, n);
                }
                (_, v) => {
                    out.extra.insert(k, v);
                }
            }
        }
        out
    }
}

impl StoryInsightsValue {
    /// A metric as an integer, when it is one.
    pub fn metric(&self, name: &str) -> Option<i64> {
        self.metrics.get(name).and_then(Number::as_i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_ints_are_lenient() {
        let p: Party = serde_json::from_value(json!({"id": 123, "user_ref": null})).unwrap();
        assert_eq!(p.id.as_deref(), Some("123"));
        assert_eq!(p.user_ref, None);
        let e: MessageEdit =
            serde_json::from_value(json!({"mid": "m", "num_edit": "37", "x": 1})).unwrap();
        assert_eq!(e.num_edit, Some(37));
        assert_eq!(e.extra.get("x"), Some(&json!(1)));
        let m: MessagingItem = serde_json::from_value(json!({"timestamp": "1700000000"})).unwrap();
        assert_eq!(m.timestamp_ms(), Some(1_700_000_000_000));
        assert!(serde_json::from_value::<Party>(json!({"id": {}})).is_err());
    }

    #[test]
    fn story_insights_split_metrics_from_the_rest() {
        let v = json!({"media_id": 17, "reach": 4, "views": 2.5, "note": "x"});
        let s: StoryInsightsValue = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(s.media_id.as_deref(), Some("17"));
        assert_eq!(s.metric("reach"), Some(4));
        assert_eq!(s.metrics.len(), 2);
        assert_eq!(s.extra.get("note"), Some(&json!("x")));
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(
            back,
            json!({"media_id": "17", "reach": 4, "views": 2.5, "note": "x"})
        );
    }
}
