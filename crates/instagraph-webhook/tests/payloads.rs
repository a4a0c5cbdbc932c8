//! Webhook payloads: every recorded webhook fixture splits into the expected events and
//! normalised fields, typed structs lose nothing, dedupe keys behave, timestamps normalise, and
//! no input makes `split` or the signature header parser panic.
//!
//! Fixture tests skip (with a printed reason) when `../shared/fixtures` is absent;
//! `INSTAGRAPH_FIXTURES` points elsewhere.

use instagraph_webhook::payload::{
    CommentValue, Event, EventKind, MAX_DEDUPE_KEY_LEN, MentionValue, MessagingItem, PayloadError,
    Source, StoryInsightsValue, epoch_to_ms, split,
};
use instagraph_webhook::signature::{parse_header, sign, verify_signature};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("INSTAGRAPH_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/fixtures"
            ))
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: fixtures folder {} is absent (set INSTAGRAPH_FIXTURES)",
            dir.display()
        );
        None
    }
}

/// Every webhook body fixture (relative paths), sorted.
fn webhook_fixtures(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (folder, keep) in [
        (
            "restfb/instagram",
            (|n: &str| n.starts_with("messaging-") || n.starts_with("wh-")) as fn(&str) -> bool,
        ),
        ("restfb/webhooks", |_: &str| true),
    ] {
        let Ok(read) = std::fs::read_dir(dir.join(folder)) else {
            continue;
        };
        for entry in read {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && keep(&name) {
                out.push(format!("{folder}/{name}"));
            }
        }
    }
    out.sort();
    out
}

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Splits a fixture that must hold exactly one event; returns it with its normalised form.
fn one(dir: &Path, rel: &str) -> (Event, Value) {
    let events = split(&read(dir, rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(events.len(), 1, "{rel}: {events:#?}");
    let ev = events.into_iter().next().unwrap();
    let n = ev.normalized();
    assert_eq!(n["eventType"], ev.kind.as_str(), "{rel}");
    (ev, n)
}

/// The invariants every event keeps, whatever the input.
fn check_invariants(ev: &Event) {
    assert!(!ev.dedupe_key.is_empty());
    assert!(
        ev.dedupe_key.len() <= MAX_DEDUPE_KEY_LEN,
        "{}",
        ev.dedupe_key
    );
    let n = ev.normalized();
    let obj = n.as_object().expect("normalised form is an object");
    assert_eq!(obj["eventType"], ev.kind.as_str());
    assert!(!ev.kind.as_str().is_empty());
    assert_eq!(obj["accountId"], ev.account_id.as_str());
    assert_eq!(obj["timestamp"], json!(ev.timestamp_ms));
    if ev.kind == EventKind::Message {
        assert!(obj["attachments"].is_array());
    }
    if let EventKind::Unknown(name) = &ev.kind {
        assert!(name.len() <= 64);
        assert!(EventKind::from_name(ev.kind.as_str()).is_unknown());
    } else {
        assert_eq!(EventKind::from_name(ev.kind.as_str()), ev.kind);
    }
    let _ = ev.messaging_item();
    let _ = ev.change_value::<CommentValue>();
    let _ = ev.change_value::<MentionValue>();
    let _ = ev.change_value::<StoryInsightsValue>();
    let _ = serde_json::to_string(ev).unwrap();
}

#[test]
fn every_webhook_fixture_splits() {
    let Some(dir) = fixtures() else { return };
    let files = webhook_fixtures(&dir);
    assert!(files.len() >= 39, "found only {files:?}");
    for rel in &files {
        let events = split(&read(&dir, rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert!(!events.is_empty(), "{rel}");
        for ev in &events {
            check_invariants(ev);
            let expect_unknown = rel.ends_with("unknown-change-value.json");
            assert_eq!(ev.kind.is_unknown(), expect_unknown, "{rel}: {:?}", ev.kind);
        }
    }
}

#[test]
fn instagram_fixtures_normalise() {
    let Some(dir) = fixtures() else { return };

    let (ev, n) = one(
        &dir,
        "restfb/instagram/messaging-attachment-unsupported.json",
    );
    assert_eq!(ev.kind, EventKind::Message);
    assert_eq!(ev.source, Source::Messaging);
    assert_eq!(ev.object, "instagram");
    assert_eq!(ev.account_id, "17841452691600098");
    assert_eq!(ev.entry_time_ms, Some(1668022334834));
    assert_eq!(ev.timestamp_ms, Some(1668022333735));
    let mid = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDUyNjkxNjAwMDk4OjM0MDI4MjM2Njg0MTcxMDMwMDk0OTEyODUyNTYwOTEwODQ0ODU4MjozMDc2OTU4MTA5OTY0OTI5MzAzMjAwODc1MDUxMTE2MTM0NAZDZD";
    assert_eq!(n["messageId"], mid);
    assert_eq!(n["senderId"], "5614879045272581");
    assert_eq!(n["recipientId"], "17841452691600098");
    assert_eq!(n["timestamp"], 1668022333735i64);
    assert_eq!(n["text"], Value::Null);
    assert_eq!(n["isEcho"], false);
    assert_eq!(n["isStandby"], false);
    assert_eq!(n["attachments"][0]["type"], "unsupported_type");
    assert!(
        n["attachments"][0]["payload"]["url"]
            .as_str()
            .unwrap()
            .starts_with(
                "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17997515821557846"
            )
    );
    assert_eq!(ev.dedupe_key, format!("msg:17841452691600098:{mid}"));
    let item = ev.messaging_item().unwrap();
    let attachments = item.message.unwrap().attachments.unwrap();
    assert_eq!(attachments[0].kind.as_deref(), Some("unsupported_type"));
    assert!(attachments[0].url().unwrap().contains("ig_messaging_cdn"));

    let (ev, n) = one(&dir, "restfb/instagram/messaging-seen.json");
    assert_eq!(ev.kind, EventKind::Read);
    assert_eq!(n["messageId"], "MESSAGE-ID");
    assert_eq!(n["watermark"], Value::Null);
    assert_eq!(n["senderId"], "5614879045272581");
    assert_eq!(
        ev.dedupe_key,
        "read:17841452691600098:MESSAGE-ID:5614879045272581:1668022333735"
    );

    let (ev, n) = one(&dir, "restfb/instagram/wh-comments-2021.json");
    assert_eq!(ev.kind, EventKind::Comment);
    assert_eq!(
        ev.source,
        Source::Change {
            field: "comments".into()
        }
    );
    assert_eq!(ev.account_id, "0");
    assert_eq!(ev.entry_time_ms, Some(1519399307000));
    assert_eq!(ev.timestamp_ms, Some(1519399307000));
    assert_eq!(n["commentId"], "123456789");
    assert_eq!(n["text"], "This is an example.");
    assert_eq!(n["fromId"], "1234536447");
    assert_eq!(n["fromUsername"], "testuser");
    assert_eq!(n["mediaId"], "76543987");
    assert_eq!(n["mediaProductType"], "FEED");
    assert_eq!(n["parentId"], "987654321");
    assert_eq!(n["adId"], Value::Null);
    assert_eq!(n["adTitle"], Value::Null);
    assert_eq!(ev.dedupe_key, "comment:123456789");
    let typed: CommentValue = ev.change_value().unwrap();
    assert_eq!(typed.from.unwrap().username.as_deref(), Some("testuser"));
    assert_eq!(typed.media.unwrap().id.as_deref(), Some("76543987"));

    let (ev, n) = one(&dir, "restfb/instagram/wh-comments.json");
    assert_eq!(ev.kind, EventKind::Comment);
    assert_eq!(n["commentId"], "123456789");
    assert_eq!(n["text"], "This is an example.");
    assert_eq!(n["fromId"], Value::Null);
    assert_eq!(n["mediaId"], Value::Null);
    assert_eq!(n["parentId"], Value::Null);

    let (ev, n) = one(&dir, "restfb/instagram/wh-livecomments.json");
    assert_eq!(ev.kind, EventKind::LiveComment);
    assert_eq!(n["eventType"], "live_comment");
    assert_eq!(n["commentId"], "123456789");
    assert_eq!(ev.dedupe_key, "live_comment:123456789");

    let (ev, n) = one(&dir, "restfb/instagram/wh-mentions.json");
    assert_eq!(ev.kind, EventKind::Mention);
    assert_eq!(n["mediaId"], "17887498072083520");
    assert_eq!(n["commentId"], "17887498072083520");
    assert_eq!(ev.timestamp_ms, Some(1519399310000));
    assert!(ev.dedupe_key.starts_with("h:") && ev.dedupe_key.len() == 66);
    let typed: MentionValue = ev.change_value().unwrap();
    assert_eq!(typed.comment_id.as_deref(), Some("17887498072083520"));

    let (ev, n) = one(&dir, "restfb/instagram/wh-story_insights.json");
    assert_eq!(ev.kind, EventKind::StoryInsights);
    assert_eq!(n["mediaId"], "17887498072083520");
    assert_eq!(n["exits"], 3);
    assert_eq!(n["replies"], 0);
    assert_eq!(n["reach"], 44);
    assert_eq!(n["tapsForward"], 4);
    assert_eq!(n["tapsBack"], 3);
    assert_eq!(n["impressions"], 444);
    assert_eq!(
        n["metrics"],
        json!({"exits": 3, "replies": 0, "reach": 44, "taps_forward": 4, "taps_back": 3, "impressions": 444})
    );
    let typed: StoryInsightsValue = ev.change_value().unwrap();
    assert_eq!(typed.metric("impressions"), Some(444));
    assert_eq!(typed.media_id.as_deref(), Some("17887498072083520"));
}

#[test]
fn messenger_message_fixtures_normalise() {
    let Some(dir) = fixtures() else { return };
    let w = |name: &str| format!("restfb/webhooks/{name}.json");
    let basic_mid = "mid.1457764197618:41d102a3e1ae206a38";

    let (ev, n) = one(&dir, &w("messaging-message-basic"));
    assert_eq!(ev.kind, EventKind::Message);
    assert_eq!(ev.object, "page");
    assert_eq!(ev.account_id, "12345654332");
    assert_eq!(n["senderId"], "987654321432");
    assert_eq!(n["recipientId"], "12345654332");
    assert_eq!(n["timestamp"], 1457764197627i64);
    assert_eq!(n["messageId"], basic_mid);
    assert_eq!(n["text"], "hello, world!");
    assert_eq!(n["attachments"], json!([]));
    assert_eq!(n["isEcho"], false);
    assert!(n.get("quick_reply").is_none() && n.get("replyTo").is_none());
    assert_eq!(
        ev.dedupe_key,
        "msg:12345654332:mid.1457764197618%3A41d102a3e1ae206a38"
    );

    let (ev, n) = one(&dir, &w("messaging-message-basic-echo"));
    assert_eq!(ev.kind, EventKind::Message);
    assert_eq!(n["isEcho"], true);
    assert_eq!(n["appId"], "1517776481860111");
    assert_eq!(n["metadata"], "DEVELOPER_DEFINED_METADATA_STRING");
    assert_eq!(n["senderId"], "987654321432");
    assert_eq!(
        ev.dedupe_key,
        "msg:12345654332:mid.1457764197618%3A41d102a3e1ae206a38"
    );

    let (ev, n) = one(&dir, &w("standby-message-basic-echo"));
    assert_eq!(ev.source, Source::Standby);
    assert_eq!(ev.kind, EventKind::Message);
    assert_eq!(n["isStandby"], true);
    assert_eq!(n["isEcho"], true);
    assert_eq!(n["text"], "hello, world!");
    assert_eq!(
        ev.dedupe_key,
        "sb:msg:12345654332:mid.1457764197618%3A41d102a3e1ae206a38"
    );

    let (ev, n) = one(&dir, &w("messaging-message-edits"));
    assert_eq!(ev.kind, EventKind::MessageEdit);
    assert_eq!(n["messageId"], basic_mid);
    assert_eq!(n["text"], "hello, world!");
    assert_eq!(n["numEdit"], 37);
    assert_eq!(
        ev.dedupe_key,
        "edit:12345654332:mid.1457764197618%3A41d102a3e1ae206a38:37"
    );

    let (ev, n) = one(&dir, &w("messaging-message-fallback-attachment"));
    assert_eq!(ev.kind, EventKind::Message);
    assert_eq!(n["attachments"][0]["type"], "fallback");
    assert_eq!(n["attachments"][0]["payload"], "BLOB_BLOB_BLOB");
    assert_eq!(n["attachments"][0]["title"], "Legacy Attachment");
    let item = ev.messaging_item().unwrap();
    let a = &item.message.unwrap().attachments.unwrap()[0];
    assert_eq!(a.payload, Some(json!("BLOB_BLOB_BLOB")));
    assert_eq!(a.url(), Some("https://www.messenger.com/"));

    let (ev, n) = one(&dir, &w("messaging-message-isdeleted"));
    assert_eq!(ev.kind, EventKind::MessageDeleted);
    assert_eq!(n["eventType"], "message_deleted");
    assert_eq!(n["messageId"], "message_id");
    assert_eq!(ev.dedupe_key, "del:12345654332:message_id");

    let (ev, n) = one(&dir, &w("messaging-message-isunsupported"));
    assert_eq!(ev.kind, EventKind::MessageUnsupported);
    assert_eq!(n["messageId"], "message_id");
    assert_eq!(ev.dedupe_key, "unsup:12345654332:message_id");

    let (_, n) = one(&dir, &w("messaging-message-location-attachment"));
    assert_eq!(n["attachments"][0]["type"], "location");
    assert_eq!(n["attachments"][0]["payload"]["coordinates"]["lat"], 12.34);
    assert_eq!(n["attachments"][0]["payload"]["coordinates"]["long"], 43.21);

    let (_, n) = one(&dir, &w("messaging-message-media-attachment"));
    assert_eq!(
        n["attachments"],
        json!([{"type": "image", "payload": {"url": "IMAGE_URL"}}])
    );
    assert_eq!(n["messageId"], "mid.1458696618141:b4ef9d19ec21086067");

    let (ev, n) = one(&dir, &w("messaging-message-prior"));
    assert_eq!(n["text"], "Thanks for messaging me!");
    assert_eq!(n["messageId"], "mid.1457744567618:41d102a3e1ae206a38");
    let item = ev.messaging_item().unwrap();
    assert_eq!(item.extra["prior_message"]["source"], "checkbox_plugin");

    let (ev, n) = one(&dir, &w("messaging-message-product-template-2"));
    assert_eq!(ev.account_id, "page id");
    assert_eq!(n["senderId"], "send id");
    assert_eq!(n["text"], "text sent along with the product");
    assert_eq!(n["attachments"][0]["type"], "template");
    assert_eq!(
        n["attachments"][0]["payload"]["product"]["elements"][0]["id"],
        "12345678910"
    );
    assert_eq!(ev.dedupe_key, "msg:page id:m_id");

    let (_, n) = one(&dir, &w("messaging-message-product-template"));
    assert_eq!(n["messageId"], "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c");
    assert_eq!(n["text"], Value::Null);
    assert_eq!(
        n["attachments"][0]["payload"]["product"]["elements"][0]["subtitle"],
        "$40"
    );

    let (ev, n) = one(&dir, &w("messaging-message-quickreply"));
    assert_eq!(ev.account_id, "1234567890321");
    assert_eq!(n["recipientId"], "1234567890321");
    assert_eq!(n["text"], "quick reply text");
    assert_eq!(n["quick_reply"], json!({"payload": "PAYLOAD_QUICK_REPLY"}));
    assert_eq!(n["timestamp"], 1470779510432i64);

    let (_, n) = one(&dir, &w("messaging-message-reply-1"));
    assert_eq!(
        n["replyTo"],
        json!({"mid": "very_long_id_representing_the_original_message"})
    );

    let (_, n) = one(&dir, &w("messaging-message-reply-2"));
    assert_eq!(
        n["replyTo"],
        json!({"story": {"url": "EXAMPLE_URL", "id": "STORY_ID"}})
    );

    let (_, n) = one(&dir, &w("messaging-message-sticker-thumbup"));
    assert_eq!(n["stickerId"], "369239263222822");
    assert_eq!(
        n["attachments"][0]["payload"]["sticker_id"],
        369239263222822u64
    );

    let (_, n) = one(&dir, &w("messaging-message-sticker"));
    assert_eq!(n["stickerId"], "56789012345678");
    assert_eq!(
        n["attachments"][0]["payload"]["url"],
        "https://scontent.xx.fbcdn.net/sticker.png"
    );
}

#[test]
fn messenger_event_fixtures_normalise() {
    let Some(dir) = fixtures() else { return };
    let w = |name: &str| format!("restfb/webhooks/{name}.json");

    let (ev, n) = one(&dir, &w("messaging-delivery-basic"));
    assert_eq!(ev.kind, EventKind::Delivery);
    // No event timestamp: the entry's time stands in.
    assert_eq!(ev.timestamp_ms, Some(1458668856451));
    assert_eq!(
        n["messageIds"],
        json!(["mid.1458668856218:ed81099e15d3f4f233"])
    );
    assert_eq!(n["watermark"], 1458668856253i64);
    assert!(ev.dedupe_key.starts_with("h:"));

    let (ev, n) = one(&dir, &w("messaging-optin-basic"));
    assert_eq!(ev.kind, EventKind::Optin);
    assert_eq!(n["eventType"], "optin");
    assert_eq!(n["ref"], "PASS_THROUGH_PARAM");
    assert_eq!(n["userRef"], Value::Null);
    assert_eq!(n["senderId"], "987654321432");
    // `timestamp: 1234567890` and `time: 12341` are below 10^12: seconds.
    assert_eq!(ev.timestamp_ms, Some(1234567890000));
    assert_eq!(ev.entry_time_ms, Some(12341000));
    assert_eq!(
        ev.dedupe_key,
        "optin:12345654332:987654321432:1234567890000:PASS_THROUGH_PARAM"
    );

    let (_, n) = one(&dir, &w("messaging-optin-userref"));
    assert_eq!(n["ref"], "PASS_THROUGH_PARAM");
    assert_eq!(n["userRef"], "UNIQUE_REF_PARAM");

    let (ev, n) = one(&dir, &w("messaging-pass-thread-control"));
    assert_eq!(ev.kind, EventKind::PassThreadControl);
    assert_eq!(n["newOwnerAppId"], "NEW_OWNER_APP_ID");
    assert_eq!(n["metadata"], "METADATA");
    assert_eq!(n["senderId"], "USER_ID");
    assert_eq!(n["recipientId"], "PAGE_ID");

    let (ev, n) = one(&dir, &w("messaging-take-thread-control"));
    assert_eq!(ev.kind, EventKind::TakeThreadControl);
    assert_eq!(n["previousOwnerAppId"], "PREVIOUS_OWNER_APP_ID");

    let (ev, n) = one(&dir, &w("messaging-request-thread-control"));
    assert_eq!(ev.kind, EventKind::RequestThreadControl);
    assert_eq!(n["requestedOwnerAppId"], "REQUESTED_OWNER_APP_ID");

    let (ev, n) = one(&dir, &w("messaging-policy-callback-block"));
    assert_eq!(ev.kind, EventKind::PolicyEnforcement);
    assert_eq!(n["eventType"], "policy_enforcement");
    assert_eq!(n["action"], "block");
    assert!(
        n["reason"]
            .as_str()
            .unwrap()
            .starts_with("The bot violated our Platform Policies")
    );
    assert_eq!(n["senderId"], Value::Null);
    let item = ev.messaging_item().unwrap();
    assert_eq!(
        item.policy_enforcement.unwrap().action.as_deref(),
        Some("block")
    );

    let (ev, n) = one(&dir, &w("messaging-postback-basic"));
    assert_eq!(ev.kind, EventKind::Postback);
    assert_eq!(n["eventType"], "postback");
    assert_eq!(n["payload"], "USER_DEFINED_PAYLOAD");
    assert_eq!(n["title"], Value::Null);
    assert_eq!(n["messageId"], Value::Null);
    assert_eq!(n["senderId"], "987654321432");
    assert_eq!(
        ev.dedupe_key,
        "pb:12345654332:987654321432:1458692752478:USER_DEFINED_PAYLOAD"
    );

    let (ev, n) = one(&dir, &w("messaging-postback-chat"));
    assert_eq!(n["senderId"], Value::Null);
    assert_eq!(n["senderUserRef"], "987654321432");
    assert_eq!(n["payload"], "hey");
    assert_eq!(n["title"], "");
    assert_eq!(n["referral"]["source"], "CUSTOMER_CHAT_PLUGIN");
    assert_eq!(n["referral"]["ref"], Value::Null);
    assert_eq!(
        ev.dedupe_key,
        "pb:12345654332:987654321432:1458692752478:hey"
    );

    let (_, n) = one(&dir, &w("messaging-postback-referral"));
    assert_eq!(n["payload"], "USER_DEFINED_PAYLOAD");
    assert_eq!(
        n["referral"],
        json!({"ref": "ref_data_in_m_dot_me_param", "source": "SHORTLINK", "type": "OPEN_THREAD"})
    );

    let (ev, n) = one(&dir, &w("messaging-reaction-1"));
    assert_eq!(ev.kind, EventKind::Reaction);
    assert_eq!(n["messageId"], "original_message_id");
    assert_eq!(n["action"], "react");
    assert_eq!(n["reaction"], "sad");
    assert_eq!(n["emoji"], "\u{1F622}");
    assert_eq!(
        ev.dedupe_key,
        "react:1234567890321:original_message_id:USER_ID:react:sad:1572465098502"
    );

    let (ev, n) = one(&dir, &w("messaging-reaction-2"));
    assert_eq!(n["action"], "unreact");
    assert_eq!(n["reaction"], Value::Null);
    assert_eq!(n["emoji"], Value::Null);
    assert_eq!(
        ev.dedupe_key,
        "react:1234567890321:original_message_id:USER_ID:unreact::1572466511366"
    );

    let (ev, n) = one(&dir, &w("messaging-read-basic"));
    assert_eq!(ev.kind, EventKind::Read);
    assert_eq!(n["messageId"], Value::Null);
    assert_eq!(n["watermark"], 1458668856253i64);
    assert_eq!(n["seq"], 38);
    assert_eq!(
        ev.dedupe_key,
        "readw:12345654332:1458668856253:987654321432:1458668856463"
    );

    let (ev, n) = one(&dir, &w("messaging-referral-basic"));
    assert_eq!(ev.kind, EventKind::Referral);
    assert_eq!(n["ref"], "ref_data_in_m_dot_me_param");
    assert_eq!(n["source"], "SHORTLINK");
    assert_eq!(n["type"], "OPEN_THREAD");
    assert_eq!(n["adId"], Value::Null);

    let (ev, n) = one(&dir, &w("unknown-change-value"));
    assert_eq!(ev.kind, EventKind::Unknown("foo".into()));
    assert_eq!(
        ev.source,
        Source::Change {
            field: "foo".into()
        }
    );
    assert_eq!(n["eventType"], "foo");
    assert_eq!(n["field"], "foo");
    assert_eq!(n["value"]["item"], "bar");
    assert_eq!(n["value"]["sender_id"], 705955836155788u64);
    assert_eq!(ev.entry_time_ms, Some(1452107389000));
    assert!(ev.dedupe_key.starts_with("h:"));
    assert_eq!(ev.raw["value"]["verb"], "remove");
}

/// Same value, allowing ids (and `num_edit`) sent as numbers or strings to come back in the
/// other form, and `null` to come back as absent.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            n.to_string() == *s
        }
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).all(|k| {
            match (
                x.get(k).filter(|v| !v.is_null()),
                y.get(k).filter(|v| !v.is_null()),
            ) {
                (None, None) => true,
                (Some(v), Some(w)) => same(v, w),
                _ => false,
            }
        }),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}

fn roundtrip<T: DeserializeOwned + Serialize>(what: &str, original: &Value) {
    let parsed: T =
        serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
    let back = serde_json::to_value(&parsed).unwrap();
    assert!(
        same(original, &back),
        "{what}: a field was lost\noriginal: {original}\nback:     {back}"
    );
}

#[test]
fn typed_structs_lose_nothing() {
    let Some(dir) = fixtures() else { return };
    let (mut items, mut changes) = (0, 0);
    for rel in webhook_fixtures(&dir) {
        for ev in split(&read(&dir, &rel)).unwrap() {
            match &ev.source {
                Source::Messaging | Source::Standby => {
                    items += 1;
                    roundtrip::<MessagingItem>(&rel, &ev.raw);
                    assert!(ev.messaging_item().is_some(), "{rel}");
                }
                Source::Change { field } => {
                    let value = &ev.raw["value"];
                    match field.as_str() {
                        "comments" | "live_comments" => roundtrip::<CommentValue>(&rel, value),
                        "mentions" => roundtrip::<MentionValue>(&rel, value),
                        "story_insights" => roundtrip::<StoryInsightsValue>(&rel, value),
                        _ => continue,
                    }
                    changes += 1;
                }
                Source::Entry => panic!("{rel}: {ev:?}"),
            }
        }
    }
    assert!(
        items >= 33 && changes >= 5,
        "{items} items, {changes} changes"
    );
}

/// A sample instance of a JSON schema: every property, the first enum value, `false` for
/// booleans, a large integer for integers, `"{name}-value"` for strings.
fn sample(schema: &Value, name: &str) -> Value {
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut out = serde_json::Map::new();
            for (k, v) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                out.insert(k.clone(), sample(v, k));
            }
            Value::Object(out)
        }
        Some("array") => json!([sample(&schema["items"], name)]),
        Some("integer") => json!(1_700_000_000_123i64),
        Some("boolean") => json!(false),
        _ => json!(format!("{name}-value")),
    }
}

#[test]
fn schema_shaped_samples_split() {
    let Some(dir) = fixtures() else { return };
    let schema: Value =
        serde_json::from_slice(&read(&dir, "go-meta-webhooks/schema.json")).unwrap();
    let entry_schema = &schema["properties"]["entry"]["items"];
    let item_schema = &entry_schema["properties"]["messaging"]["items"];
    let attachment_schema =
        &item_schema["properties"]["message"]["properties"]["attachments"]["items"];
    let types = attachment_schema["properties"]["type"]["enum"]
        .as_array()
        .unwrap();
    assert!(types.len() >= 9);
    for ty in types {
        let mut item = sample(item_schema, "item");
        item["message"]["attachments"][0]["type"] = ty.clone();
        // The schema's reply_to is a oneOf; keep the `mid` branch.
        item["message"]["reply_to"] = json!({"mid": "reply_to-mid"});
        let body = json!({"object": "instagram", "entry": [{"id": "17841400000000000", "time": 1700000000, "messaging": [item.clone()]}]});
        let events = split(body.to_string().as_bytes()).unwrap();
        assert_eq!(events.len(), 1);
        let ev = &events[0];
        check_invariants(ev);
        // message, postback and referral are all present in the sample; message wins.
        assert_eq!(ev.kind, EventKind::Message);
        let n = ev.normalized();
        assert_eq!(n["messageId"], "mid-value");
        assert_eq!(n["text"], "text-value");
        assert_eq!(n["attachments"][0]["type"], *ty);
        assert_eq!(n["attachments"][0]["payload"]["url"], "url-value");
        assert_eq!(n["referral"]["source"], "source-value");
        assert_eq!(n["replyTo"]["mid"], "reply_to-mid");
        assert_eq!(n["timestamp"], 1_700_000_000_123i64);
        roundtrip::<MessagingItem>("schema sample", &item);
        let typed = ev.messaging_item().unwrap();
        assert_eq!(
            typed.postback.unwrap().payload.as_deref(),
            Some("payload-value")
        );
        assert_eq!(typed.referral.unwrap().kind.as_deref(), Some("type-value"));
    }
    // One change per `anyOf` branch that names a field.
    let change_schema = &entry_schema["properties"]["changes"]["items"];
    let mut seen = 0;
    for branch in change_schema["anyOf"].as_array().unwrap() {
        let Some(field) = branch["properties"]["field"]["const"].as_str() else {
            continue;
        };
        let mut value_schema = branch["properties"]["value"].clone();
        value_schema["type"] = json!("object");
        let value = sample(&value_schema, "value");
        let body = json!({"object": "instagram", "entry": [{"id": "1", "time": 1, "changes": [{"field": field, "value": value}]}]});
        let events = split(body.to_string().as_bytes()).unwrap();
        let ev = &events[0];
        check_invariants(ev);
        let n = ev.normalized();
        assert_eq!(n["mediaId"], "media_id-value");
        match field {
            "mentions" => {
                assert_eq!(ev.kind, EventKind::Mention);
                assert_eq!(n["commentId"], "comment_id-value");
                roundtrip::<MentionValue>(field, &value);
            }
            "story_insights" => {
                assert_eq!(ev.kind, EventKind::StoryInsights);
                assert_eq!(n["metrics"].as_object().unwrap().len(), 6);
                assert_eq!(n["tapsBack"], 1_700_000_000_123i64);
                roundtrip::<StoryInsightsValue>(field, &value);
            }
            other => panic!("unexpected branch {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}

fn messaging_body(account: &str, entry_time: i64, items: Vec<Value>) -> Vec<u8> {
    json!({"object": "instagram", "entry": [{"id": account, "time": entry_time, "messaging": items}]})
        .to_string()
        .into_bytes()
}

fn keys(body: &[u8]) -> Vec<String> {
    split(body)
        .unwrap()
        .into_iter()
        .map(|e| e.dedupe_key)
        .collect()
}

#[test]
fn dedupe_keys_are_stable_and_distinct() {
    let acct = "17841452691600098";
    let user = json!({"id": "5614879045272581"});
    let biz = json!({"id": acct});
    let mid = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDUyNjkxNjAwMDk4";
    let items = vec![
        json!({"sender": user, "recipient": biz, "timestamp": 1700000000000i64, "message": {"mid": mid, "text": "hi"}}),
        json!({"sender": biz, "recipient": user, "timestamp": 1700000001000i64, "read": {"mid": mid}}),
        json!({"sender": biz, "recipient": user, "timestamp": 1700000002000i64, "reaction": {"mid": mid, "action": "react", "reaction": "love", "emoji": "\u{2764}"}}),
        json!({"sender": biz, "recipient": user, "timestamp": 1700000003000i64, "reaction": {"mid": mid, "action": "unreact"}}),
        json!({"sender": user, "recipient": biz, "timestamp": 1700000004000i64, "message_edit": {"mid": mid, "text": "hi!", "num_edit": 1}}),
    ];
    let body = messaging_body(acct, 1700000005000, items.clone());
    let first = keys(&body);
    assert_eq!(first.len(), 5);
    assert_eq!(first.iter().collect::<HashSet<_>>().len(), 5, "{first:#?}");
    // Redelivery: the same body, and the same events in a later batch with another entry time.
    assert_eq!(keys(&body), first);
    assert_eq!(
        keys(&messaging_body(acct, 1700009999999, items.clone())),
        first
    );
    // One event per batch gives the same keys as the events of one batch.
    let singles: Vec<String> = items
        .iter()
        .flat_map(|i| keys(&messaging_body(acct, 1, vec![i.clone()])))
        .collect();
    assert_eq!(singles, first);
    // A second edit and a re-react later are new events.
    let later = vec![
        json!({"sender": user, "recipient": biz, "timestamp": 1700000006000i64, "message_edit": {"mid": mid, "text": "hi!!", "num_edit": 2}}),
        json!({"sender": biz, "recipient": user, "timestamp": 1700000007000i64, "reaction": {"mid": mid, "action": "react", "reaction": "love", "emoji": "\u{2764}"}}),
    ];
    for k in keys(&messaging_body(acct, 1, later)) {
        assert!(!first.contains(&k), "{k}");
    }
    // The same mid for another account is another event.
    let other = keys(&messaging_body(
        "17841400000000001",
        1,
        vec![items[0].clone()],
    ));
    assert_ne!(other[0], first[0]);

    // Hash keys (delivery, mentions, unknown) are stable across entry times too.
    let delivery =
        json!({"sender": user, "recipient": biz, "delivery": {"mids": [mid], "watermark": 1}});
    let a = keys(&messaging_body(acct, 1, vec![delivery.clone()]));
    let b = keys(&messaging_body(acct, 2, vec![delivery]));
    assert!(a[0].starts_with("h:"));
    assert_eq!(a, b);
    // Key order inside the raw JSON does not matter for hash keys.
    let x = br#"{"object":"instagram","entry":[{"id":"1","changes":[{"field":"mentions","value":{"media_id":"5","comment_id":"6"}}]}]}"#;
    let y = br#"{"entry":[{"changes":[{"value":{"comment_id":"6","media_id":"5"},"field":"mentions"}],"id":"1"}],"object":"instagram"}"#;
    assert_eq!(keys(x), keys(y));
}

#[test]
fn comments_and_batches() {
    let comment = |id: &str, text: &str| json!({"field": "comments", "value": {"id": id, "text": text, "from": {"id": "1", "username": "u"}, "media": {"id": "2", "media_product_type": "FEED"}}});
    let body = json!({"object": "instagram", "entry": [{"id": "17841400000000000", "time": 1700000000, "changes": [comment("17890000000000001", "a"), comment("17890000000000002", "a")]}]});
    let k = keys(body.to_string().as_bytes());
    assert_eq!(
        k,
        ["comment:17890000000000001", "comment:17890000000000002"]
    );

    // A batch of 1000 entries, one event each.
    let entries: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"id": "17841400000000000", "time": 1700000000000i64 + i, "messaging": [
                {"sender": {"id": format!("{}", 5_000_000 + i)}, "recipient": {"id": "17841400000000000"},
                 "timestamp": 1700000000000i64 + i, "message": {"mid": format!("mid-{i}"), "text": "x"}}
            ]})
        })
        .collect();
    let body = json!({"object": "instagram", "entry": entries}).to_string();
    let events = split(body.as_bytes()).unwrap();
    assert_eq!(events.len(), 1000);
    assert_eq!(
        events
            .iter()
            .map(|e| &e.dedupe_key)
            .collect::<HashSet<_>>()
            .len(),
        1000
    );
    assert_eq!(events[999].normalized()["messageId"], "mid-999");
}

#[test]
fn long_components_are_hashed_and_keys_bounded() {
    let payload = "P".repeat(1000);
    let item = json!({"sender": {"id": "1"}, "recipient": {"id": "2"}, "timestamp": 1700000000000i64,
                      "postback": {"title": "t", "payload": payload}});
    let ev = &split(&messaging_body("2", 1, vec![item.clone()])).unwrap()[0];
    assert!(
        ev.dedupe_key.starts_with("pb:2:1:1700000000000:~"),
        "{}",
        ev.dedupe_key
    );
    assert!(ev.dedupe_key.len() < 100);
    let mut other = item.clone();
    other["postback"]["payload"] = json!(format!("{}Q", "P".repeat(999)));
    assert_ne!(keys(&messaging_body("2", 1, vec![other]))[0], ev.dedupe_key);

    let huge = "a".repeat(100_000);
    let item = json!({"sender": {"id": huge}, "recipient": {"id": "2"}, "timestamp": 1, "message": {"mid": huge}});
    for k in keys(&messaging_body(&huge, 1, vec![item])) {
        assert!(k.len() <= MAX_DEDUPE_KEY_LEN, "{}", k.len());
    }
}

#[test]
fn timestamps_normalise_to_ms() {
    assert_eq!(epoch_to_ms(&json!(1668022334834i64)), Some(1668022334834));
    assert_eq!(epoch_to_ms(&json!(1519399307)), Some(1519399307000));
    assert_eq!(epoch_to_ms(&json!("1519399307")), Some(1519399307000));
    assert_eq!(epoch_to_ms(&json!(" 1668022334834 ")), Some(1668022334834));
    assert_eq!(epoch_to_ms(&json!(1519399307.25)), Some(1519399307250));
    assert_eq!(epoch_to_ms(&json!("1519399307.5")), Some(1519399307500));
    assert_eq!(epoch_to_ms(&json!(0)), Some(0));
    for bad in [
        json!(-1),
        json!("-5"),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(1e300),
        json!(-1e300),
        json!("NaN"),
        json!("inf"),
        json!("soon"),
        json!(""),
        json!(null),
        json!(true),
        json!([1]),
        json!(999_999_999_999_999i64),
    ] {
        assert_eq!(epoch_to_ms(&bad), None, "{bad}");
    }

    // Seconds, ms and strings side by side in one body.
    let body = br#"{"object":"instagram","entry":[
        {"id":"1","time":1700000000,"messaging":[{"sender":{"id":"u"},"recipient":{"id":"1"},"timestamp":1700000000123,"message":{"mid":"a"}}]},
        {"id":"1","time":"1700000000","messaging":[{"sender":{"id":"u"},"recipient":{"id":"1"},"timestamp":"1700000001","message":{"mid":"b"}}]},
        {"id":"1","time":1700000000999,"messaging":[{"sender":{"id":"u"},"recipient":{"id":"1"},"message":{"mid":"c"}}]},
        {"id":"1","time":-3,"messaging":[{"sender":{"id":"u"},"recipient":{"id":"1"},"timestamp":"x","message":{"mid":"d"}}]}
    ]}"#;
    let events = split(body).unwrap();
    let ts: Vec<_> = events.iter().map(|e| e.timestamp_ms).collect();
    assert_eq!(
        ts,
        [
            Some(1700000000123),
            Some(1700000001000),
            Some(1700000000999),
            None
        ]
    );
    assert_eq!(events[1].entry_time_ms, Some(1700000000000));
    assert_eq!(events[3].normalized()["timestamp"], Value::Null);
}

#[test]
fn dashboard_test_sample() {
    // The dashboard's "Test" button: entry id "0", string timestamps (chatwoot's factory shape).
    let body = br#"{"object":"instagram","entry":[{"id":"0","time":"1661141837","messaging":[
        {"sender":{"id":"12334"},"recipient":{"id":"23245"},"timestamp":"1527459824",
         "message":{"mid":"random_test_mid","text":"random_text"}}]}]}"#;
    let events = split(body).unwrap();
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(ev.account_id, "0");
    assert_eq!(ev.entry_time_ms, Some(1661141837000));
    assert_eq!(ev.timestamp_ms, Some(1527459824000));
    assert_eq!(ev.dedupe_key, "msg:0:random_test_mid");
    let n = ev.normalized();
    assert_eq!(
        n,
        json!({
            "eventType": "message", "object": "instagram", "accountId": "0",
            "timestamp": 1527459824000i64, "senderId": "12334", "recipientId": "23245",
            "isStandby": false, "messageId": "random_test_mid", "text": "random_text",
            "attachments": [], "isEcho": false
        })
    );
    assert_eq!(
        ev.messaging_item().unwrap().timestamp_ms(),
        Some(1527459824000)
    );
}

#[test]
fn envelope_errors_say_what_is_wrong() {
    match split(b"{\"object\": \"instagram\", \"entry\": [") {
        Err(e @ PayloadError::NotJson { line, column, .. }) => {
            assert_eq!((line, column), (1, 34));
            assert_eq!(
                e.to_string(),
                "the body is not valid JSON: EOF while parsing a list at line 1, column 34"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(split(b""), Err(PayloadError::NotJson { .. })));
    assert!(matches!(
        split(b"\xff\xfe"),
        Err(PayloadError::NotJson { .. })
    ));
    assert_eq!(
        split(b"[1]"),
        Err(PayloadError::NotObject { found: "array" })
    );
    assert_eq!(
        split(br#"{"object":"instagram"}"#),
        Err(PayloadError::EntryMissing)
    );
    assert_eq!(
        split(br#"{"object":"instagram","entry":{}}"#),
        Err(PayloadError::EntryNotArray { found: "object" })
    );
    let e = split(br#"{"entry":null}"#).unwrap_err();
    assert_eq!(e.to_string(), "`entry` is not an array (found null)");
    assert_eq!(split(br#"{"object":"instagram","entry":[]}"#), Ok(vec![]));
}

#[test]
fn malformed_parts_become_unknown_events() {
    let body = br#"{"object":7,"entry":[
        5,
        {"id":1,"time":2},
        {"id":"a","messaging":{"not":"an array"},"changes":[
            "x", {"value":{}}, {"field":"comments","value":3}, {"field":"messages","value":{"event_type":"x"}},
            {"field":"comment","value":{}}, {"field":"story_insights","value":{"media_id":1,"reach":"9"}}
        ]},
        {"id":"b","messaging":[
            null, "str", {"sender":{"id":"u"},"message":"hi"}, {"sender":{"id":"u"},"timestamp":1,"zeta":{},"alpha":[]},
            {"sender":{"id":"u"}}, {"message":{"mid":"m","is_deleted":"true"}},
            {"sender":{"id":"u"},"policy_enforcement":{"action":"unblock"}}
        ],"standby":[7]}
    ]}"#;
    let events = split(body).unwrap();
    let got: Vec<(&str, &str, String)> = events
        .iter()
        .map(|e| (e.source.as_str(), e.kind.as_str(), e.account_id.clone()))
        .collect();
    let want: Vec<(&str, &str, String)> = [
        ("entry", "entry", ""),
        ("entry", "entry", "1"),
        ("entry", "messaging", "a"),
        ("changes", "changes", "a"),
        ("changes", "changes", "a"),
        ("changes", "changes", "a"),
        ("changes", "messages", "a"),
        ("changes", "changes", "a"),
        ("changes", "story_insights", "a"),
        ("messaging", "messaging", "b"),
        ("messaging", "messaging", "b"),
        ("messaging", "messaging", "b"),
        ("messaging", "alpha", "b"),
        ("messaging", "messaging", "b"),
        ("messaging", "message_deleted", "b"),
        ("messaging", "policy_enforcement", "b"),
        ("standby", "standby", "b"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a, b, c.to_string()))
    .collect();
    assert_eq!(got, want);
    for ev in &events {
        check_invariants(ev);
        assert_eq!(ev.object, "");
    }
    // Raw values are kept unchanged.
    assert_eq!(events[0].raw, json!(5));
    assert_eq!(events[2].raw, json!({"not": "an array"}));
    assert_eq!(events[6].normalized()["value"], json!({"event_type": "x"}));
    assert_eq!(events[16].raw, json!(7));
    // Numeric strings are not metrics.
    assert_eq!(events[8].normalized()["metrics"], json!({}));
    assert_eq!(events[8].normalized()["mediaId"], "1");
}

#[test]
fn signature_of_a_split_body_still_verifies() {
    // split never needs a re-serialised body: the signature is over the raw bytes.
    let body = br#"{"object":"instagram","entry":[{"id":"1","time":1,"messaging":[{"sender":{"id":"u"},"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m","text":"\u00e4\u00f6\u00e5"}}]}]}"#;
    let header = sign(b"secret", body);
    assert_eq!(verify_signature(&["secret"], Some(&header), body), Ok(0));
    assert_eq!(split(body).unwrap()[0].normalized()["text"], "äöå");
}

// ---- robustness -------------------------------------------------------------------------

const SEEDS: &[&str] = &[
    r#"{"object":"instagram","entry":[{"id":"17841452691600098","time":1668022334834,"messaging":[{"sender":{"id":"5614879045272581"},"recipient":{"id":"17841452691600098"},"timestamp":1668022333735,"message":{"mid":"aWdf","text":"hi","attachments":[{"type":"image","payload":{"url":"u"}}],"quick_reply":{"payload":"Q"},"reply_to":{"story":{"url":"s","id":"1"}}}}]}]}"#,
    r#"{"object":"instagram","entry":[{"id":"0","time":1519399307,"changes":[{"field":"comments","value":{"id":"1","text":"t","from":{"id":"2","username":"u"},"media":{"id":"3","media_product_type":"FEED","ad_id":"4"},"parent_id":"5"}},{"field":"story_insights","value":{"media_id":"9","reach":1}}]}]}"#,
    r#"{"object":"page","entry":[{"id":1,"time":"2","standby":[{"sender":{"user_ref":3},"recipient":{"id":4},"timestamp":"5","postback":{"payload":"p","referral":{"ref":null}}},{"reaction":{"mid":"m","action":"unreact"}},{"read":{"watermark":1,"seq":2}},{"policy-enforcement":{"action":"block"}}]}]}"#,
];

const KEYS: &[&str] = &[
    "message",
    "message_edit",
    "reaction",
    "postback",
    "optin",
    "referral",
    "read",
    "delivery",
    "pass_thread_control",
    "take_thread_control",
    "request_thread_control",
    "policy-enforcement",
    "sender",
    "recipient",
    "timestamp",
    "mid",
    "text",
    "attachments",
    "is_deleted",
    "is_unsupported",
    "is_echo",
    "num_edit",
    "payload",
    "type",
    "id",
    "field",
    "value",
    "media",
    "from",
    "media_id",
    "user_ref",
    "watermark",
    "app_id",
    "sticker_id",
    "reply_to",
    "quick_reply",
    "",
    "\u{0}",
    "é:%",
];

fn random_value(rng: &mut fastrand::Rng, depth: u32) -> Value {
    let leaf = depth >= 4 || rng.u8(..) < 100;
    match if leaf { rng.u8(..5) } else { rng.u8(..7) } {
        0 => Value::Null,
        1 => json!(rng.bool()),
        2 => match rng.u8(..6) {
            0 => json!(rng.i64(..)),
            1 => json!(rng.u64(..)),
            2 => json!(rng.f64() * 1e13),
            3 => json!(-rng.f64() * 1e300),
            4 => json!(rng.i64(0..2_000_000_000_000)),
            _ => json!(0),
        },
        3 => json!(rng.i64(-10..20_000_000_000_000).to_string()),
        4 => {
            let max = if rng.u8(..20) == 0 { 600 } else { 12 };
            let len = rng.usize(..max);
            Value::String(
                (0..len)
                    .map(|_| {
                        rng.choice(['a', ':', '%', 'é', '\u{0}', '"', '1', '\u{1F622}'])
                            .unwrap()
                    })
                    .collect(),
            )
        }
        5 => Value::Array(
            (0..rng.usize(..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.usize(..5) {
                let k = rng.choice(KEYS).unwrap().to_string();
                m.insert(k, random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

/// A structurally plausible envelope with random contents.
fn random_envelope(rng: &mut fastrand::Rng) -> Vec<u8> {
    let fields = [
        "comments",
        "live_comments",
        "mentions",
        "story_insights",
        "message_reactions",
        "messages",
        "foo",
    ];
    let mut entries = Vec::new();
    for _ in 0..rng.usize(..4) {
        if rng.u8(..10) == 0 {
            entries.push(random_value(rng, 2));
            continue;
        }
        let mut entry = serde_json::Map::new();
        if rng.bool() {
            entry.insert("id".into(), random_value(rng, 4));
        }
        entry.insert("time".into(), random_value(rng, 4));
        for member in ["messaging", "standby", "changes"] {
            if rng.u8(..3) != 0 {
                continue;
            }
            let items: Vec<Value> = (0..rng.usize(..4))
                .map(|_| {
                    if member == "changes" {
                        json!({"field": rng.choice(fields).unwrap(), "value": random_value(rng, 1)})
                    } else {
                        let mut item = serde_json::Map::new();
                        item.insert("sender".into(), json!({"id": random_value(rng, 4)}));
                        item.insert("timestamp".into(), random_value(rng, 4));
                        let key = rng.choice(&KEYS[..12]).unwrap();
                        item.insert(key.to_string(), random_value(rng, 1));
                        Value::Object(item)
                    }
                })
                .collect();
            entry.insert(
                member.into(),
                if rng.u8(..10) == 0 {
                    random_value(rng, 3)
                } else {
                    Value::Array(items)
                },
            );
        }
        entries.push(Value::Object(entry));
    }
    json!({"object": random_value(rng, 4), "entry": entries})
        .to_string()
        .into_bytes()
}

fn mutate(rng: &mut fastrand::Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"null",
        b"-1",
        b"1e999",
        b"\\u00",
        b"\xff",
        b"\"entry\":[",
        b"{\"messaging\":[{\"message\":",
    ];
    for _ in 0..rng.usize(1..5) {
        let at = rng.usize(..=bytes.len());
        match rng.u8(..5) {
            0 if !bytes.is_empty() => {
                let i = rng.usize(..bytes.len());
                bytes[i] = rng.u8(..);
            }
            1 => {
                let end = rng.usize(at..=bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                let t = rng.choice(TOKENS).unwrap();
                bytes.splice(at..at, t.iter().copied());
            }
            3 => bytes.truncate(at),
            _ => {
                let end = rng.usize(at..=bytes.len());
                let chunk = bytes[at..end].to_vec();
                bytes.splice(at..at, chunk);
            }
        }
    }
    bytes
}

#[test]
fn no_input_makes_split_panic() {
    let mut rng = fastrand::Rng::with_seed(0x1a57a9ca);
    let mut seeds: Vec<Vec<u8>> = SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    if let Some(dir) = fixtures() {
        seeds.extend(webhook_fixtures(&dir).iter().map(|rel| read(&dir, rel)));
    }
    let (mut ok, mut events) = (0, 0);
    for i in 0..4000 {
        let body = match i % 3 {
            0 => random_envelope(&mut rng),
            1 => {
                let seed = rng.choice(&seeds).unwrap().clone();
                mutate(&mut rng, seed)
            }
            _ => {
                let env = random_envelope(&mut rng);
                mutate(&mut rng, env)
            }
        };
        if let Ok(evs) = split(&body) {
            ok += 1;
            for ev in &evs {
                events += 1;
                check_invariants(ev);
            }
            // Splitting is deterministic.
            let again: Vec<String> = split(&body)
                .unwrap()
                .into_iter()
                .map(|e| e.dedupe_key)
                .collect();
            assert_eq!(
                again,
                evs.iter().map(|e| e.dedupe_key.clone()).collect::<Vec<_>>()
            );
        }
    }
    // Deeply nested input stops at serde_json's recursion limit instead of the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(split(deep.as_bytes()).is_err());
    let deep = format!(
        r#"{{"entry":[{{"messaging":[{}1{}]}}]}}"#,
        "{\"a\":".repeat(120),
        "}".repeat(120)
    );
    let _ = split(deep.as_bytes());
    assert!(ok > 1000 && events > 2000, "{ok} bodies, {events} events");
}

#[test]
fn no_header_makes_the_signature_parser_panic() {
    let mut rng = fastrand::Rng::with_seed(7);
    let body = SEEDS[0].as_bytes();
    let good = sign(b"s", body);
    let alphabet: Vec<char> = "sha256=0123456789abcdefABCDEFxyz é\u{1F622}\t\n"
        .chars()
        .collect();
    for i in 0..4000 {
        let header: String = match i % 3 {
            0 => (0..rng.usize(..80))
                .map(|_| rng.choice(&alphabet).unwrap())
                .collect(),
            1 => {
                let mut h: Vec<char> = good.chars().collect();
                for _ in 0..rng.usize(1..4) {
                    let at = rng.usize(..=h.len());
                    match rng.u8(..3) {
                        0 if at < h.len() => h[at] = *rng.choice(&alphabet).unwrap(),
                        1 if at < h.len() => {
                            h.remove(at);
                        }
                        _ => h.insert(at, *rng.choice(&alphabet).unwrap()),
                    }
                }
                h.into_iter().collect()
            }
            _ => format!(
                "sha256={}",
                (0..64)
                    .map(|_| rng.choice(&alphabet).unwrap())
                    .collect::<String>()
            ),
        };
        let parsed = parse_header(&header);
        let verified = verify_signature(&["s", "t"], Some(&header), body);
        if verified.is_ok() {
            assert_eq!(parsed.ok(), parse_header(&good).ok());
        }
    }
}

#[test]
fn a_one_kilobyte_body_splits_fast() {
    let items: Vec<Value> = (0..3)
        .map(|i| {
            json!({"sender": {"id": "5614879045272581"}, "recipient": {"id": "17841452691600098"},
                   "timestamp": 1668022333735i64 + i,
                   "message": {"mid": format!("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDUyNjkxNjAwMDk4OjM0MDI4MjM2Njg0MTcxMDMw{i}"),
                               "text": "hello there, this is a reasonably sized direct message",
                               "attachments": [{"type": "image", "payload": {"url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=abc"}}]}})
        })
        .collect();
    let body = messaging_body("17841452691600098", 1668022334834, items);
    assert!((900..1400).contains(&body.len()), "{}", body.len());
    let n = 2000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        let events = split(&body).unwrap();
        assert_eq!(events.len(), 3);
    }
    let per = start.elapsed() / n;
    eprintln!("split of a {} byte body: {per:?} per call", body.len());
    // Generous: this runs unoptimised on a shared machine; optimised builds are ~10x faster.
    assert!(per < std::time::Duration::from_millis(1), "{per:?}");
}
