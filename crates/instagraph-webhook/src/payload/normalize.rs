//! The normalised (camelCase, n8n-compatible) form of an event.

use super::{Event, EventKind, Source, id_string, messaging_object, truthy};
use serde_json::{Map, Value};

type Obj = Map<String, Value>;

/// An id (string or number) as a JSON string, else null.
fn id(v: Option<&Value>) -> Value {
    id_string(v).map_or(Value::Null, Value::String)
}

/// A value as sent, else null.
fn sent(v: Option<&Value>) -> Value {
    v.cloned().unwrap_or(Value::Null)
}

fn get<'a>(obj: Option<&'a Obj>, key: &str) -> Option<&'a Value> {
    obj.and_then(|o| o.get(key))
}

fn sub<'a>(obj: Option<&'a Obj>, key: &str) -> Option<&'a Obj> {
    get(obj, key).and_then(Value::as_object)
}

/// `snake_case` (or `kebab-case`) to `camelCase`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' || c == '-' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Copies every field of `src` not in `skip` under its camelCase name, never overwriting.
fn copy_camel(src: Option<&Obj>, skip: &[&str], out: &mut Obj) {
    for (k, v) in src.into_iter().flatten() {
        if !skip.contains(&k.as_str()) {
            out.entry(camel(k)).or_insert_with(|| v.clone());
        }
    }
}

/// Inserts `key: value` when `value` was sent (not absent, not null).
fn put_present(out: &mut Obj, key: &str, value: Option<&Value>) {
    if let Some(v) = value.filter(|v| !v.is_null()) {
        out.insert(key.into(), v.clone());
    }
}

pub(crate) fn normalize(ev: &Event) -> Value {
    let mut out = Obj::new();
    out.insert("eventType".into(), ev.kind.as_str().into());
    out.insert("object".into(), ev.object.clone().into());
    out.insert("accountId".into(), ev.account_id.clone().into());
    out.insert("timestamp".into(), ev.timestamp_ms.into());
    match &ev.source {
        Source::Messaging | Source::Standby => messaging(ev, &mut out),
        Source::Change { field } => change(ev, field, &mut out),
        Source::Entry => unknown(ev.kind.as_str(), &ev.raw, &mut out),
    }
    Value::Object(out)
}

fn unknown(field: &str, value: &Value, out: &mut Obj) {
    out.insert("field".into(), field.into());
    out.insert("value".into(), value.clone());
}

fn messaging(ev: &Event, out: &mut Obj) {
    let Some(item) = ev.raw.as_object() else {
        unknown(ev.kind.as_str(), &ev.raw, out);
        return;
    };
    out.insert("isStandby".into(), (ev.source == Source::Standby).into());
    let sender = sub(Some(item), "sender");
    out.insert("senderId".into(), id(get(sender, "id")));
    out.insert(
        "recipientId".into(),
        id(get(sub(Some(item), "recipient"), "id")),
    );
    if let Some(user_ref) = get(sender, "user_ref").filter(|v| !v.is_null()) {
        out.insert("senderUserRef".into(), id(Some(user_ref)));
    }
    let e = messaging_object(item, &ev.kind);
    match &ev.kind {
        EventKind::Message => message(e, out),
        EventKind::MessageDeleted | EventKind::MessageUnsupported => {
            out.insert("messageId".into(), id(get(e, "mid")));
            if truthy(get(e, "is_echo")) {
                out.insert("isEcho".into(), true.into());
            }
        }
        EventKind::MessageEdit => {
            out.insert("messageId".into(), id(get(e, "mid")));
            out.insert("text".into(), sent(get(e, "text")));
            let num_edit = get(e, "num_edit").and_then(|v| match v {
                Value::Number(n) => Some(Value::Number(n.clone())),
                Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
                _ => None,
            });
            out.insert("numEdit".into(), num_edit.unwrap_or(Value::Null));
        }
        EventKind::Reaction => reaction_fields(e, out),
        EventKind::Postback => {
            out.insert("messageId".into(), id(get(e, "mid")));
            out.insert("payload".into(), sent(get(e, "payload")));
            out.insert("title".into(), sent(get(e, "title")));
            put_present(out, "referral", get(e, "referral"));
        }
        EventKind::Optin => {
            out.insert("ref".into(), sent(get(e, "ref")));
            out.insert("userRef".into(), id(get(e, "user_ref")));
            copy_camel(e, &["ref", "user_ref"], out);
        }
        EventKind::Referral => {
            out.insert("ref".into(), sent(get(e, "ref")));
            out.insert("source".into(), sent(get(e, "source")));
            out.insert("type".into(), sent(get(e, "type")));
            out.insert("adId".into(), id(get(e, "ad_id")));
            copy_camel(e, &["ref", "source", "type", "ad_id"], out);
        }
        EventKind::Read => {
            out.insert("messageId".into(), id(get(e, "mid")));
            out.insert("watermark".into(), sent(get(e, "watermark")));
            copy_camel(e, &["mid", "watermark"], out);
        }
        EventKind::Delivery => {
            out.insert("messageIds".into(), sent(get(e, "mids")));
            out.insert("watermark".into(), sent(get(e, "watermark")));
            copy_camel(e, &["mids", "watermark"], out);
        }
        EventKind::PassThreadControl
        | EventKind::TakeThreadControl
        | EventKind::RequestThreadControl
        | EventKind::PolicyEnforcement => copy_camel(e, &[], out),
        _ => unknown(ev.kind.as_str(), &ev.raw, out),
    }
}

fn message(m: Option<&Obj>, out: &mut Obj) {
    out.insert("messageId".into(), id(get(m, "mid")));
    out.insert("text".into(), sent(get(m, "text")));
    let attachments = match get(m, "attachments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(attachment).collect(),
        Some(other) => vec![attachment(other)],
    };
    out.insert("attachments".into(), Value::Array(attachments));
    put_present(out, "quick_reply", get(m, "quick_reply"));
    put_present(out, "replyTo", get(m, "reply_to"));
    put_present(out, "referral", get(m, "referral"));
    out.insert("isEcho".into(), truthy(get(m, "is_echo")).into());
    if let Some(app_id) = get(m, "app_id").filter(|v| !v.is_null()) {
        out.insert("appId".into(), id(Some(app_id)));
    }
    put_present(out, "metadata", get(m, "metadata"));
    if let Some(sticker) = get(m, "sticker_id").filter(|v| !v.is_null()) {
        out.insert("stickerId".into(), id(Some(sticker)));
    }
}

/// An attachment as sent, with `type` and `payload` always present.
fn attachment(a: &Value) -> Value {
    let mut a = a.clone();
    if let Value::Object(map) = &mut a {
        map.entry("type").or_insert(Value::Null);
        map.entry("payload").or_insert(Value::Null);
    }
    a
}

fn reaction_fields(r: Option<&Obj>, out: &mut Obj) {
    out.insert("messageId".into(), id(get(r, "mid")));
    out.insert("action".into(), sent(get(r, "action")));
    out.insert("reaction".into(), sent(get(r, "reaction")));
    out.insert("emoji".into(), sent(get(r, "emoji")));
}

fn change(ev: &Event, field: &str, out: &mut Obj) {
    let value = ev.raw.get("value");
    let v = value.and_then(Value::as_object);
    match &ev.kind {
        EventKind::Comment | EventKind::LiveComment => {
            let from = sub(v, "from");
            let media = sub(v, "media");
            out.insert("commentId".into(), id(get(v, "id")));
            out.insert("text".into(), sent(get(v, "text")));
            out.insert("fromId".into(), id(get(from, "id")));
            out.insert("fromUsername".into(), sent(get(from, "username")));
            out.insert("mediaId".into(), id(get(media, "id")));
            out.insert(
                "mediaProductType".into(),
                sent(get(media, "media_product_type")),
            );
            out.insert("parentId".into(), id(get(v, "parent_id")));
            let ad_id = get(media, "ad_id").or_else(|| get(v, "ad_id"));
            out.insert("adId".into(), id(ad_id));
            let ad_title = get(media, "ad_title").or_else(|| get(v, "ad_title"));
            out.insert("adTitle".into(), sent(ad_title));
            out.insert(
                "originalMediaId".into(),
                id(get(media, "original_media_id")),
            );
        }
        EventKind::Mention => {
            out.insert("mediaId".into(), id(get(v, "media_id")));
            out.insert("commentId".into(), id(get(v, "comment_id")));
        }
        EventKind::StoryInsights => {
            out.insert("mediaId".into(), id(get(v, "media_id")));
            let mut metrics = Obj::new();
            for (k, val) in v.into_iter().flatten() {
                if k != "media_id" && val.is_number() {
                    metrics.insert(k.clone(), val.clone());
                    out.entry(camel(k)).or_insert_with(|| val.clone());
                }
            }
            out.insert("metrics".into(), Value::Object(metrics));
        }
        EventKind::MessageReactions => {
            out.insert("senderId".into(), id(get(sub(v, "sender"), "id")));
            out.insert("recipientId".into(), id(get(sub(v, "recipient"), "id")));
            reaction_fields(sub(v, "reaction").or(v), out);
            out.insert("value".into(), sent(value));
        }
        _ => {
            let name = if field.is_empty() {
                ev.kind.as_str()
            } else {
                field
            };
            unknown(name, value.unwrap_or(&ev.raw), out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case() {
        assert_eq!(camel("taps_forward"), "tapsForward");
        assert_eq!(camel("new_owner_app_id"), "newOwnerAppId");
        assert_eq!(camel("policy-enforcement"), "policyEnforcement");
        assert_eq!(camel("_x__y_"), "xY");
        assert_eq!(camel("plain"), "plain");
    }
}
