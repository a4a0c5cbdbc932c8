//! Dedupe keys (the scheme is documented on the parent module).

use super::{EventKind, Source, id_string, messaging_object};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The longest dedupe key [`split`](super::split) produces, in bytes.
pub const MAX_DEDUPE_KEY_LEN: usize = 512;

/// Components longer than this (in bytes, after escaping) are replaced by their hash.
const MAX_PART_LEN: usize = 200;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Builds `prefix:part:part...` with escaped, length-bounded parts.
struct KeyBuilder {
    prefix: &'static str,
    key: String,
}

impl KeyBuilder {
    fn new(standby: bool, prefix: &'static str) -> Self {
        let prefix = if standby {
            match prefix {
                "msg" => "sb:msg",
                "del" => "sb:del",
                "unsup" => "sb:unsup",
                "edit" => "sb:edit",
                "react" => "sb:react",
                "read" => "sb:read",
                "readw" => "sb:readw",
                "pb" => "sb:pb",
                "optin" => "sb:optin",
                "ref" => "sb:ref",
                other => other,
            }
        } else {
            prefix
        };
        KeyBuilder {
            prefix,
            key: String::from(prefix),
        }
    }

    fn part(mut self, part: &str) -> Self {
        self.key.push(':');
        let escaped_len =
            part.len() + 2 * part.bytes().filter(|b| matches!(b, b':' | b'%')).count();
        if escaped_len > MAX_PART_LEN {
            self.key.push('~');
            self.key.push_str(&sha256_hex(part.as_bytes()));
            return self;
        }
        for c in part.chars() {
            match c {
                ':' => self.key.push_str("%3A"),
                '%' => self.key.push_str("%25"),
                c => self.key.push(c),
            }
        }
        self
    }

    fn ts(self, ts: Option<i64>) -> Self {
        match ts {
            Some(ts) => self.part(&ts.to_string()),
            None => self.part(""),
        }
    }

    fn finish(self) -> String {
        if self.key.len() <= MAX_DEDUPE_KEY_LEN {
            return self.key;
        }
        format!("{}:~{}", self.prefix, sha256_hex(self.key.as_bytes()))
    }
}

/// A string or number as a string, for key parts.
fn text(v: Option<&Value>) -> Option<String> {
    id_string(v)
}

/// The non-empty id at `map[key]`.
fn nonempty(map: &Map<String, Value>, key: &str) -> Option<String> {
    text(map.get(key)).filter(|s| !s.is_empty())
}

/// `sender.id`, else `sender.user_ref`, else empty.
fn sender(item: &Map<String, Value>) -> String {
    let sender = item.get("sender").and_then(Value::as_object);
    sender
        .and_then(|s| nonempty(s, "id").or_else(|| nonempty(s, "user_ref")))
        .unwrap_or_default()
}

/// The dedupe key of one event (`own_ts` is the event's own timestamp, never the entry's).
pub(crate) fn key(
    object: &str,
    account_id: &str,
    source: &Source,
    kind: &EventKind,
    own_ts: Option<i64>,
    raw: &Value,
) -> String {
    composite(account_id, source, kind, own_ts, raw)
        .unwrap_or_else(|| hash_key(object, account_id, source, raw))
}

/// The readable key for kinds that have one, when the components it needs are present.
fn composite(
    account: &str,
    source: &Source,
    kind: &EventKind,
    own_ts: Option<i64>,
    raw: &Value,
) -> Option<String> {
    let standby = match source {
        Source::Messaging => false,
        Source::Standby => true,
        Source::Change { .. } => return change_composite(kind, raw),
        Source::Entry => return None,
    };
    let item = raw.as_object()?;
    let ev = messaging_object(item, kind)?;
    let k = |prefix| KeyBuilder::new(standby, prefix).part(account);
    let key = match kind {
        EventKind::Message => k("msg").part(&nonempty(ev, "mid")?),
        EventKind::MessageDeleted => k("del").part(&nonempty(ev, "mid")?),
        EventKind::MessageUnsupported => k("unsup").part(&nonempty(ev, "mid")?),
        EventKind::MessageEdit => k("edit")
            .part(&nonempty(ev, "mid")?)
            .part(&text(ev.get("num_edit")).unwrap_or_default()),
        EventKind::Reaction => {
            let which = nonempty(ev, "reaction").or_else(|| nonempty(ev, "emoji"));
            k("react")
                .part(&nonempty(ev, "mid")?)
                .part(&sender(item))
                .part(&text(ev.get("action")).unwrap_or_default())
                .part(&which.unwrap_or_default())
                .ts(own_ts)
        }
        EventKind::Read => match nonempty(ev, "mid") {
            Some(mid) => k("read").part(&mid),
            None => k("readw").part(&nonempty(ev, "watermark")?),
        }
        .part(&sender(item))
        .ts(own_ts),
        EventKind::Postback => {
            let mid = nonempty(ev, "mid");
            if mid.is_none() && own_ts.is_none() {
                return None;
            }
            let key = k("pb")
                .part(&sender(item))
                .ts(own_ts)
                .part(&text(ev.get("payload")).unwrap_or_default());
            match mid {
                Some(mid) => key.part(&mid),
                None => key,
            }
        }
        EventKind::Optin => {
            let who = Some(sender(item))
                .filter(|s| !s.is_empty())
                .or_else(|| nonempty(ev, "user_ref"))
                .unwrap_or_default();
            k("optin")
                .part(&who)
                .ts(Some(own_ts?))
                .part(&text(ev.get("ref")).unwrap_or_default())
        }
        EventKind::Referral => k("ref")
            .part(&sender(item))
            .ts(Some(own_ts?))
            .part(&text(ev.get("ref")).unwrap_or_default()),
        _ => return None,
    };
    Some(key.finish())
}

fn change_composite(kind: &EventKind, raw: &Value) -> Option<String> {
    let value = raw.get("value")?.as_object()?;
    let prefix = match kind {
        EventKind::Comment => "comment",
        EventKind::LiveComment => "live_comment",
        _ => return None,
    };
    Some(
        KeyBuilder::new(false, prefix)
            .part(&nonempty(value, "id")?)
            .finish(),
    )
}

/// `h:` + SHA-256 over the canonical `[object, account_id, source, raw]`.
fn hash_key(object: &str, account_id: &str, source: &Source, raw: &Value) -> String {
    let mut buf = String::with_capacity(256);
    buf.push('[');
    write_str(object, &mut buf);
    buf.push(',');
    write_str(account_id, &mut buf);
    buf.push(',');
    write_str(source.as_str(), &mut buf);
    buf.push(',');
    write_canonical(raw, &mut buf);
    buf.push(']');
    format!("h:{}", sha256_hex(buf.as_bytes()))
}

/// Compact JSON with every object's keys sorted, whatever `Map`'s own order is.
pub(crate) fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal (the escapes serde_json uses).
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_keys_and_matches_serde_escapes() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":{"z":[1,"x\"\\\n\u0001é"],"y":null},"c":true}"#)
                .unwrap();
        let mut out = String::new();
        write_canonical(&v, &mut out);
        assert_eq!(
            out,
            r#"{"a":{"y":null,"z":[1,"x\"\\\n\u0001é"]},"b":1,"c":true}"#
        );
        // Same bytes serde_json writes for a sorted (BTreeMap) value.
        let reparsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(reparsed, v);
    }

    #[test]
    fn parts_are_escaped_and_bounded() {
        let k = KeyBuilder::new(false, "msg").part("a:b%c").finish();
        assert_eq!(k, "msg:a%3Ab%25c");
        let long = "x".repeat(MAX_PART_LEN + 1);
        let k = KeyBuilder::new(true, "pb").part(&long).finish();
        assert_eq!(k.len(), "sb:pb:~".len() + 64);
        let mut b = KeyBuilder::new(false, "react");
        for _ in 0..10 {
            b = b.part(&"y".repeat(MAX_PART_LEN));
        }
        let k = b.finish();
        assert!(k.starts_with("react:~") && k.len() == "react:~".len() + 64);
    }
}
