//! The native tools against the sandbox over loopback: every tool of `Registry::native()` runs
//! through `instagraph_agent::run` and its answer is checked for something specific; the
//! schemas are object schemas with described properties; the policy (read-only, drafts) is
//! applied; validation fails before the network, naming the limit; results carry no tokens.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use instagraph::ids::IgUserId;
use instagraph::ratelimit::{Budget, BudgetConfig, OperationClass};
use instagraph::retry::RetryPolicy;
use instagraph::{Client, ClientConfig, LoginFamily};
use instagraph_agent::{Access, ActionContext, Outcome, Policy, Registry, SingleAccount, run};
use instagraph_sandbox::{MessagingLimits, RunningSandbox, SandboxConfig, SeededAccount, spawn};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A sandbox whose per-second messaging limits are out of the way (pacing has its own tests).
async fn sandbox() -> RunningSandbox {
    let sb = spawn(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    sb.sandbox.set_messaging_limits(MessagingLimits {
        text_per_second: 10_000,
        media_per_second: 10_000,
        conversations_per_second: 10_000,
        ..MessagingLimits::default()
    });
    sb
}

fn account(sb: &RunningSandbox, name: &str) -> SeededAccount {
    sb.sandbox
        .accounts()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
}

/// Per-second pacing and upload budgets out of the way (they have their own tests).
fn relaxed() -> BudgetConfig {
    let mut b = BudgetConfig::default();
    for c in [
        OperationClass::SendText,
        OperationClass::SendMedia,
        OperationClass::Conversations,
        OperationClass::MediaUpload,
    ] {
        b.budgets.insert(
            c,
            Budget {
                limit: 10_000,
                window_secs: 1,
            },
        );
    }
    b
}

/// `business` on Facebook Login (with its IG user id), `creator` on Instagram Login.
fn client(sb: &RunningSandbox, name: &str) -> Client {
    let a = account(sb, name);
    let login = if name == "business" {
        LoginFamily::Facebook
    } else {
        LoginFamily::Instagram
    };
    let mut c = ClientConfig::new(login, a.access_token.clone())
        .base_url(&sb.base_url)
        .app_secret(a.app_secret.clone())
        .budgets(relaxed())
        .retry(RetryPolicy {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
            ..RetryPolicy::default()
        });
    if login == LoginFamily::Facebook {
        c = c.ig_user_id(IgUserId::parse(&a.ig_user_id).unwrap());
    }
    Client::new(c).unwrap()
}

async fn context(sb: &RunningSandbox, name: &str, with_store: bool) -> ActionContext {
    let mut ctx = ActionContext::new(Arc::new(SingleAccount::new(
        client(sb, name),
        Some(name.to_owned()),
    )));
    if with_store {
        ctx.store = Some(instagraph_store::open("sqlite::memory:").await.unwrap());
    }
    ctx
}

/// Runs tools by name and remembers which ran.
struct Harness {
    ctx: ActionContext,
    registry: Registry,
    seen: Mutex<BTreeSet<String>>,
}

impl Harness {
    fn new(ctx: ActionContext) -> Self {
        Self {
            ctx,
            registry: Registry::native(),
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    async fn outcome(&self, name: &str, params: Value) -> Outcome {
        let action = self
            .registry
            .get(name)
            .unwrap_or_else(|| panic!("no native tool {name}"));
        self.seen.lock().unwrap().insert(name.to_owned());
        run(&self.ctx, action, params).await
    }

    /// The data of a successful run.
    async fn ok(&self, name: &str, params: Value) -> Value {
        let out = self.outcome(name, params.clone()).await;
        assert!(
            out.successful,
            "{name}({params}) failed: {:?} ({:?})",
            out.error, out.error_kind
        );
        out.data
    }

    /// The error of a failed run.
    async fn err(&self, name: &str, params: Value) -> (String, &'static str) {
        let out = self.outcome(name, params.clone()).await;
        assert!(!out.successful, "{name}({params}) succeeded: {}", out.data);
        (
            out.error.unwrap_or_default(),
            out.error_kind.unwrap_or_default(),
        )
    }
}

fn s(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

fn media_url(sb: &RunningSandbox, file: &str) -> String {
    format!("{}/_sandbox/media/{file}", sb.base_url)
}

fn photo(sb: &RunningSandbox, caption: &str) -> Value {
    json!({
        "type": "photo",
        "image": { "url": media_url(sb, "square-1080x1080.jpg") },
        "caption": caption,
    })
}

#[tokio::test]
async fn every_native_tool_runs_against_the_sandbox() -> TestResult {
    let sb = sandbox().await;
    let biz = account(&sb, "business");
    let h = Harness::new(context(&sb, "business", true).await);

    // ---- account ----
    let me = h.ok("get_profile", json!({})).await;
    assert_eq!(me["username"], "sandbox_business");
    assert_eq!(s(&me["id"]), biz.ig_user_id);
    let me = h
        .ok(
            "get_profile",
            json!({ "ig_user_id": biz.ig_user_id, "fields": "id,media_count" }),
        )
        .await;
    assert_eq!(me["media_count"], 30);

    // ---- media ----
    let first = h.ok("list_media", json!({ "limit": 5 })).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 5);
    let after = s(&first["paging"]["cursors"]["after"]);
    let second = h
        .ok("list_media", json!({ "limit": 5, "after": after }))
        .await;
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    let all = h
        .ok(
            "list_media",
            json!({ "limit": 30, "fields": "id,media_type,media_product_type,caption" }),
        )
        .await;
    let all = all["data"].as_array().unwrap().clone();
    assert_eq!(all.len(), 30);
    let newest = s(&all[0]["id"]);
    let carousel = all
        .iter()
        .find(|m| m["media_type"] == "CAROUSEL_ALBUM")
        .map(|m| s(&m["id"]))
        .unwrap();
    let image = all
        .iter()
        .find(|m| m["media_type"] == "IMAGE")
        .map(|m| s(&m["id"]))
        .unwrap();
    let reel = all
        .iter()
        .find(|m| m["media_product_type"] == "REELS")
        .map(|m| s(&m["id"]))
        .unwrap();
    let m = h
        .ok(
            "get_media",
            json!({ "media_id": newest, "fields": "id,permalink" }),
        )
        .await;
    assert_eq!(s(&m["id"]), newest);
    assert!(m["permalink"].as_str().unwrap().starts_with("https://"));
    let kids = h
        .ok("media_children", json!({ "media_id": carousel }))
        .await;
    assert_eq!(kids["data"].as_array().unwrap().len(), 3);
    let stories = h.ok("list_stories", json!({})).await;
    assert_eq!(
        stories["data"].as_array().unwrap().len(),
        2,
        "live ones only"
    );
    let live = h.ok("list_live_media", json!({})).await;
    assert_eq!(live["data"][0]["media_type"], "BROADCAST");
    let tagged = h.ok("list_tagged_media", json!({})).await;
    assert_eq!(tagged["data"].as_array().unwrap().len(), 3);
    let tags = h
        .ok("list_product_tags", json!({ "media_id": image }))
        .await;
    assert_eq!(tags["data"].as_array().unwrap().len(), 2);
    assert_eq!(tags["data"][0]["product_id"], 3231775643511089u64);
    for enabled in [false, true] {
        let r = h
            .ok(
                "set_comments_enabled",
                json!({ "media_id": newest, "enabled": enabled }),
            )
            .await;
        assert_eq!(r["success"], true);
    }
    let since = h
        .ok("list_media", json!({ "since": "-3650d", "limit": 1 }))
        .await;
    assert_eq!(since["data"].as_array().unwrap().len(), 1);

    // ---- comments ----
    let comments = h
        .ok(
            "list_comments",
            json!({ "media_id": newest, "with_replies": true }),
        )
        .await;
    let comments = comments["data"].as_array().unwrap().clone();
    assert_eq!(comments.len(), 25);
    let with_reply = comments
        .iter()
        .find(|c| {
            c["replies"]["data"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        })
        .map(|c| s(&c["id"]))
        .unwrap();
    let replies = h
        .ok("comment_replies", json!({ "comment_id": with_reply }))
        .await;
    assert_eq!(s(&replies["data"][0]["parent_id"]), with_reply);
    let one = h
        .ok(
            "get_comment",
            json!({ "comment_id": with_reply, "fields": "all" }),
        )
        .await;
    assert_eq!(s(&one["media"]["id"]), newest);
    let created = h
        .ok(
            "post_comment",
            json!({ "media_id": newest, "message": "Thanks everyone! #grateful" }),
        )
        .await;
    let created = s(&created["id"]);
    let mine = h.ok("get_comment", json!({ "comment_id": created })).await;
    assert_eq!(mine["text"], "Thanks everyone! #grateful");
    let reply = h
        .ok(
            "reply_to_comment",
            json!({ "comment_id": with_reply, "message": "Glad you like it" }),
        )
        .await;
    assert!(!s(&reply["id"]).is_empty());
    let hidden = h
        .ok("hide_comment", json!({ "comment_id": with_reply }))
        .await;
    assert_eq!(hidden["hidden"], true);
    let read = h
        .ok(
            "get_comment",
            json!({ "comment_id": with_reply, "fields": "hidden" }),
        )
        .await;
    assert_eq!(read["hidden"], true);
    h.ok("unhide_comment", json!({ "comment_id": with_reply }))
        .await;
    let read = h
        .ok(
            "get_comment",
            json!({ "comment_id": with_reply, "fields": "hidden" }),
        )
        .await;
    assert_eq!(read["hidden"], false);
    let deleted = h
        .ok("delete_comment", json!({ "comment_id": created }))
        .await;
    assert_eq!(deleted["success"], true);
    let (e, kind) = h
        .err(
            "post_comment",
            json!({ "media_id": newest, "message": "THIS IS GREAT!!!" }),
        )
        .await;
    assert_eq!(kind, "invalid_params", "{e}");
    assert!(e.contains("not all capitals"), "{e}");

    // ---- mentions ----
    let overview = sb.sandbox.engagement_overview("business")?;
    let mentioned = s(&overview["mentioned_media"][0]);
    let mm = h
        .ok("mentioned_media", json!({ "media_id": mentioned }))
        .await;
    assert!(
        mm["caption"]
            .as_str()
            .unwrap()
            .contains("@sandbox_business")
    );
    let mention = &overview["mentioned_comments"][0];
    let mc = h
        .ok(
            "mentioned_comment",
            json!({ "comment_id": s(&mention["id"]) }),
        )
        .await;
    assert!(mc["text"].as_str().unwrap().contains("@sandbox_business"));
    let r = h
        .ok(
            "reply_to_mention",
            json!({
                "media_id": s(&mention["media_id"]),
                "comment_id": s(&mention["id"]),
                "message": "On it!",
            }),
        )
        .await;
    assert!(!s(&r["id"]).is_empty());

    // ---- hashtags and discovery ----
    let tag = s(&overview["hashtags"][0]);
    let found = h.ok("hashtag_search", json!({ "hashtag": tag })).await;
    let tag_id = s(&found["id"]);
    assert_eq!(found["budget"]["used"], 1);
    assert_eq!(found["budget"]["limit"], 30);
    let top = h
        .ok(
            "hashtag_media",
            json!({ "hashtag_id": tag_id, "limit": 5, "fields": "id,caption" }),
        )
        .await;
    assert!(!top["data"].as_array().unwrap().is_empty());
    let recent = h
        .ok(
            "hashtag_media",
            json!({ "hashtag": format!("#{tag}"), "edge": "recent" }),
        )
        .await;
    assert_eq!(s(&recent["hashtag_id"]), tag_id);
    let budget = h.ok("hashtag_budget", json!({})).await;
    assert_eq!(budget["used"], 1, "the same hashtag counts once: {budget}");
    assert_eq!(budget["recently_searched"][0]["name"], tag.as_str());
    let partner = h
        .ok(
            "business_discovery",
            json!({ "username": "@sandbox_partner", "media": true, "limit": 5 }),
        )
        .await;
    assert_eq!(partner["username"], "sandbox_partner");
    assert_eq!(partner["media"]["data"].as_array().unwrap().len(), 5);

    // ---- insights ----
    let r = h
        .ok(
            "media_insights",
            json!({ "media_id": reel, "metrics": ["reach", "likes,views"] }),
        )
        .await;
    let got =
        r["metrics"].as_array().map_or(0, Vec::len) + r["no_data"].as_array().map_or(0, Vec::len);
    assert_eq!(got, 3, "{r}");
    let (e, kind) = h
        .err(
            "media_insights",
            json!({ "media_id": reel, "metrics": ["impressions"] }),
        )
        .await;
    assert_eq!(kind, "invalid_params");
    assert!(e.contains("views"), "the replacement is named: {e}");
    let r = h
        .ok("account_insights", json!({ "metrics": ["likes", "reach"] }))
        .await;
    assert_eq!(r["metrics"].as_array().unwrap().len(), 2, "{r}");
    let r = h
        .ok(
            "account_insights",
            json!({ "metrics": ["reach"], "since": "-5d", "until": "-1d" }),
        )
        .await;
    assert!(
        r["metrics"][0]["values"].as_array().unwrap().len() >= 4,
        "{r}"
    );

    // ---- shopping ----
    let cats = h.ok("list_catalogs", json!({})).await;
    let catalog = s(&cats["data"][0]["catalog_id"]);
    let products = h
        .ok(
            "search_catalog_products",
            json!({ "catalog_id": catalog, "query": "gummy" }),
        )
        .await;
    assert_eq!(products["data"].as_array().unwrap().len(), 2);
    let appeal = h
        .ok(
            "product_appeal_status",
            json!({ "product_id": "4029274203846188" }),
        )
        .await;
    assert_eq!(appeal["data"][0]["eligible_for_appeal"], true);
    let appealed = h
        .ok(
            "appeal_product",
            json!({ "product_id": "4029274203846188", "reason": "It is a real product" }),
        )
        .await;
    assert_eq!(appealed["success"], true);

    // ---- messaging (through the Page token on Facebook Login) ----
    let ov = sb.sandbox.messaging_overview("business")?;
    let convs = ov["conversations"].as_array().unwrap().clone();
    let by_window = |w: &str| {
        convs
            .iter()
            .find(|c| c["window"] == w && c["blocked"] == false)
            .cloned()
            .unwrap_or_else(|| panic!("no {w} conversation in {ov}"))
    };
    let open = by_window("open");
    let to = s(&open["igsid"]);
    let open_conv = s(&open["id"]);
    for (window, state) in [
        ("open", "open"),
        ("human_agent", "human_agent_only"),
        ("closed", "closed"),
    ] {
        let c = by_window(window);
        let w = h
            .ok("messaging_window", json!({ "recipient": s(&c["igsid"]) }))
            .await;
        assert_eq!(w["state"], state, "{window}: {w}");
        assert_eq!(w["can_send"], state == "open");
    }
    let w = h
        .ok(
            "messaging_window",
            json!({ "last_user_message_time": "-30h" }),
        )
        .await;
    assert_eq!(w["state"], "human_agent_only");
    assert!(w["closes_at"].as_str().unwrap().ends_with('Z'));

    let profile = h.ok("get_user_profile", json!({ "igsid": to })).await;
    assert_eq!(s(&profile["id"]), to);
    assert_eq!(profile["username"], open["username"]);
    let convs_page = h.ok("list_conversations", json!({ "limit": 5 })).await;
    assert!(!convs_page["data"].as_array().unwrap().is_empty());
    let one = h.ok("list_conversations", json!({ "user_id": to })).await;
    assert_eq!(s(&one["data"][0]["id"]), open_conv);
    let conv = h
        .ok("get_conversation", json!({ "conversation_id": open_conv }))
        .await;
    assert_eq!(s(&conv["id"]), open_conv);
    let msgs = h
        .ok("list_messages", json!({ "conversation_id": open_conv }))
        .await;
    let from_user = msgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| s(&m["from"]["id"]) == to)
        .map(|m| s(&m["id"]))
        .unwrap();
    let msg = h
        .ok("get_message", json!({ "message_id": from_user }))
        .await;
    assert_eq!(s(&msg["id"]), from_user);

    let sent = h
        .ok(
            "send_text",
            json!({ "recipient": to, "text": "Hello! (an automated reply)", "reply_to": from_user }),
        )
        .await;
    assert_eq!(sent["operation"], "send_text");
    assert_eq!(s(&sent["recipient_id"]), to);
    assert!(sent["message_id"].is_string());
    let img = h
        .ok(
            "send_media",
            json!({ "recipient": to, "kind": "image", "url": "https://example.com/a.png" }),
        )
        .await;
    assert_eq!(img["operation"], "send_image");
    let up = h
        .ok(
            "upload_attachment",
            json!({ "kind": "video", "url": "https://example.com/v.mp4" }),
        )
        .await;
    let attachment = s(&up["attachment_id"]);
    let vid = h
        .ok(
            "send_media",
            json!({ "recipient": to, "kind": "video", "attachment_id": attachment }),
        )
        .await;
    assert_eq!(vid["operation"], "send_video");
    let heart = h.ok("send_like_heart", json!({ "recipient": to })).await;
    assert_eq!(heart["operation"], "send_like_heart");
    let share = h
        .ok("share_post", json!({ "recipient": to, "media_id": newest }))
        .await;
    assert_eq!(share["operation"], "share_post");
    let qr = h
        .ok(
            "send_quick_replies",
            json!({
                "recipient": to,
                "text": "Favourite colour?",
                "quick_replies": [
                    { "title": "Red", "payload": "COLOR_RED" },
                    { "content_type": "text", "title": "Blue", "payload": "COLOR_BLUE" },
                ],
            }),
        )
        .await;
    assert_eq!(qr["operation"], "send_quick_replies");
    let b = h
        .ok(
            "send_buttons",
            json!({
                "recipient": to,
                "text": "How can we help?",
                "buttons": [
                    { "type": "web_url", "title": "Visit Shop", "url": "https://shop.example.com" },
                    { "type": "postback", "title": "Track Order", "payload": "TRACK_ORDER" },
                ],
            }),
        )
        .await;
    assert_eq!(b["operation"], "send_button_template");
    let g = h
        .ok(
            "send_generic_template",
            json!({
                "recipient": to,
                "elements": [{
                    "title": "Summer Collection",
                    "subtitle": "New in",
                    "image_url": "https://example.com/s.jpg",
                    "default_action": { "type": "web_url", "url": "https://shop.example.com" },
                    "buttons": [{ "type": "postback", "title": "More", "payload": "MORE" }],
                }],
            }),
        )
        .await;
    assert_eq!(g["operation"], "send_generic_template");
    let r = h
        .ok("react", json!({ "recipient": to, "message_id": from_user }))
        .await;
    assert_eq!(r["operation"], "react");
    let r = h
        .ok(
            "unreact",
            json!({ "recipient": to, "message_id": from_user }),
        )
        .await;
    assert_eq!(r["operation"], "unreact");
    for action in ["typing_on", "mark_seen"] {
        let r = h
            .ok(
                "sender_action",
                json!({ "recipient": to, "action": action }),
            )
            .await;
        assert_eq!(r["operation"], action);
    }
    let comment = ov["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["open"] == true)
        .map(|c| s(&c["id"]))
        .unwrap();
    let pr = h
        .ok(
            "private_reply",
            json!({ "comment_id": comment, "text": "Sent you the details!" }),
        )
        .await;
    assert_eq!(pr["operation"], "private_reply");
    let (e, _) = h
        .err(
            "private_reply",
            json!({ "comment_id": comment, "text": "again" }),
        )
        .await;
    assert!(
        e.contains("2534025") || e.to_lowercase().contains("private"),
        "{e}"
    );
    let closed = by_window("closed");
    let (e, kind) = h
        .err(
            "send_text",
            json!({ "recipient": s(&closed["igsid"]), "text": "late" }),
        )
        .await;
    assert_eq!(kind, "platform");
    assert!(e.contains("2534022") || e.contains("window"), "{e}");
    let (e, kind) = h
        .err(
            "send_text",
            json!({ "recipient": biz.ig_user_id, "text": "hi" }),
        )
        .await;
    assert_eq!(kind, "invalid_params");
    assert!(e.contains("IGSID"), "{e}");

    // ---- the messenger profile ----
    let r = h
        .ok(
            "set_ice_breakers",
            json!({ "questions": [{ "question": "Opening hours?", "payload": "HOURS" }] }),
        )
        .await;
    assert_eq!(r["set"], json!(["ice_breakers"]));
    h.ok(
        "set_persistent_menu",
        json!({ "items": [
            { "type": "web_url", "title": "Shop", "url": "https://shop.example.com" },
            { "type": "postback", "title": "Talk to us", "payload": "HUMAN" },
        ] }),
    )
    .await;
    h.ok(
        "set_messenger_profile",
        json!({ "greeting": [{ "locale": "default", "text": "Welcome!" }] }),
    )
    .await;
    let p = h.ok("get_messenger_profile", json!({})).await;
    assert_eq!(
        p["ice_breakers"][0]["call_to_actions"][0]["question"],
        "Opening hours?"
    );
    assert_eq!(
        p["persistent_menu"][0]["call_to_actions"][1]["payload"],
        "HUMAN"
    );
    let d = h
        .ok(
            "delete_messenger_profile_fields",
            json!({ "fields": ["ice_breakers"] }),
        )
        .await;
    assert_eq!(d["deleted"], json!(["ice_breakers"]));
    let p = h
        .ok(
            "get_messenger_profile",
            json!({ "fields": ["ice_breakers", "persistent_menu"] }),
        )
        .await;
    assert!(p.get("ice_breakers").is_none(), "{p}");
    assert!(p["persistent_menu"].is_array(), "{p}");
    let (e, kind) = h
        .err(
            "set_ice_breakers",
            json!({ "questions": (0..5).map(|i| json!({ "question": format!("Q{i}?"), "payload": "P" })).collect::<Vec<_>>() }),
        )
        .await;
    assert_eq!(kind, "invalid_params");
    assert!(e.contains("1 to 4"), "{e}");

    // ---- publishing ----
    let checked = h
        .ok(
            "check_post",
            json!({ "post": photo(&sb, "Hello #cats @alice") }),
        )
        .await;
    assert_eq!(
        (&checked["kind"], &checked["hashtags"], &checked["mentions"]),
        (&json!("photo"), &json!(1), &json!(1))
    );
    let quota = h.ok("publishing_limit", json!({})).await;
    assert_eq!(quota["quota_usage"], 0);
    assert!(quota["quota_total"].as_u64().unwrap() >= 25);
    let published = h
        .ok(
            "publish_post",
            json!({ "post": photo(&sb, "Hello from an agent") }),
        )
        .await;
    let media_id = s(&published["media_id"]);
    assert!(
        published["permalink"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(published["kind"], "photo");
    let on_account = h
        .ok(
            "get_media",
            json!({ "media_id": media_id, "fields": "caption" }),
        )
        .await;
    assert_eq!(on_account["caption"], "Hello from an agent");
    // The same idempotency key publishes once.
    let keyed = json!({ "post": photo(&sb, "Keyed"), "idempotency_key": "launch-1" });
    let once = h.ok("publish_post", keyed.clone()).await;
    let twice = h.ok("publish_post", keyed).await;
    assert_eq!(once["media_id"], twice["media_id"]);
    assert_eq!(twice["duplicate"], true);
    let quota = h.ok("publishing_limit", json!({})).await;
    assert_eq!(quota["quota_usage"], 2, "published exactly twice: {quota}");
    // A container, step by step.
    let c = h
        .ok(
            "create_container",
            json!({ "post": {
                "type": "carousel",
                "caption": "Three",
                "items": [
                    { "kind": "image", "media": { "url": media_url(&sb, "a-1080x1350.jpg") } },
                    { "kind": "image", "media": media_url(&sb, "b-1080x1080.jpg") },
                    { "kind": "image", "media": { "url": media_url(&sb, "c-1080x1080.jpg") }, "alt_text": "C" },
                ],
            } }),
        )
        .await;
    assert_eq!(c["status_code"], "FINISHED");
    assert_eq!(c["children"].as_array().unwrap().len(), 3);
    let container = s(&c["container_id"]);
    let st = h
        .ok("container_status", json!({ "container_id": container }))
        .await;
    assert_eq!(st["status_code"], "FINISHED");
    let listed = h.ok("list_containers", json!({})).await;
    assert!(
        listed["created_here"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| s(&c["id"]) == container),
        "{listed}"
    );
    let p = h
        .ok("publish_container", json!({ "container_id": container }))
        .await;
    assert!(p["permalink"].is_string(), "{p}");
    let again = h
        .ok("publish_container", json!({ "container_id": container }))
        .await;
    assert_eq!(again["media_id"], p["media_id"], "never twice");
    assert_eq!(again["recovered"], true);
    // Scheduling.
    let sched = h
        .ok(
            "schedule_post",
            json!({ "post": photo(&sb, "Later"), "at": "+2h", "idempotency_key": "later-1" }),
        )
        .await;
    assert_eq!(sched["post"]["state"], "scheduled");
    assert_eq!(sched["created"], true);
    let post_id = sched["post"]["id"].as_i64().unwrap();
    let same = h
        .ok(
            "schedule_post",
            json!({ "post": photo(&sb, "Later"), "at": "+2h", "idempotency_key": "later-1" }),
        )
        .await;
    assert_eq!(same["created"], false);
    assert_eq!(same["post"]["id"], post_id);
    let at = h
        .ok(
            "publish_post",
            json!({ "post": photo(&sb, "At a time"), "at": 4_102_444_800i64 }),
        )
        .await;
    assert_eq!(at["post"]["publish_at_rfc3339"], "2100-01-01T00:00:00.000Z");
    let list = h
        .ok("list_scheduled_posts", json!({ "states": ["scheduled"] }))
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2, "{list}");
    let shown = h
        .ok("get_scheduled_post", json!({ "post_id": post_id }))
        .await;
    assert_eq!(shown["log"][0]["step"], "added");
    let cancelled = h
        .ok("cancel_scheduled_post", json!({ "post_id": post_id }))
        .await;
    assert_eq!(cancelled["post"]["state"], "cancelled");
    let (e, _) = h
        .err(
            "schedule_post",
            json!({ "post": photo(&sb, "Past"), "at": "2020-01-01T00:00:00Z" }),
        )
        .await;
    assert!(e.contains("future"), "{e}");
    let (e, kind) = h
        .err(
            "publish_post",
            json!({ "post": { "type": "photo", "image": "/etc/passwd.jpg" } }),
        )
        .await;
    assert_eq!(kind, "invalid_params");
    assert!(e.contains("local file"), "{e}");
    let gone = h.ok("delete_media", json!({ "media_id": media_id })).await;
    assert_eq!(gone["success"], true);

    // ---- raw and batch ----
    let raw = h
        .ok(
            "graph_get",
            json!({ "path": format!("/{}", biz.ig_user_id), "params": { "fields": "username" } }),
        )
        .await;
    assert_eq!(raw["username"], "sandbox_business");
    let pages = h
        .ok(
            "graph_get",
            json!({ "path": "/me/accounts?fields=id,name,access_token" }),
        )
        .await;
    assert_eq!(pages["data"][0]["access_token"], "REDACTED", "{pages}");
    let w = h
        .ok(
            "graph_request",
            json!({
                "method": "POST",
                "path": format!("/{newest}/comments"),
                "params": { "message": "From a raw call" },
            }),
        )
        .await;
    assert_eq!(w["effect"], "write");
    assert!(w["response"]["id"].is_string(), "{w}");
    let (e, _) = h
        .err(
            "graph_request",
            json!({ "method": "POST", "path": "/me/media_publish", "retry": true }),
        )
        .await;
    assert!(e.contains("retry"), "{e}");
    let batch = h
        .ok(
            "batch_get",
            json!({ "operations": [
                { "method": "GET", "relative_url": format!("{}?fields=username", biz.ig_user_id) },
                { "method": "GET", "relative_url": "999999999999?fields=id" },
            ] }),
        )
        .await;
    assert_eq!(batch["data"][0]["outcome"], "ok");
    assert_eq!(batch["data"][0]["body"]["username"], "sandbox_business");
    assert_eq!(batch["data"][1]["outcome"], "error");
    let (e, _) = h
        .err(
            "batch_get",
            json!({ "operations": [{ "method": "POST", "relative_url": "me/feed" }] }),
        )
        .await;
    assert!(e.contains("GET only"), "{e}");

    // Every native tool ran.
    let seen = h.seen.lock().unwrap().clone();
    let missing: Vec<&str> = Registry::native()
        .iter()
        .map(|a| a.name)
        .filter(|n| !seen.contains(*n))
        .collect();
    assert!(missing.is_empty(), "tools not exercised: {missing:?}");
    Ok(())
}

#[tokio::test]
async fn instagram_login_messages_without_a_page_and_refuses_facebook_only_tools() -> TestResult {
    let sb = sandbox().await;
    let h = Harness::new(context(&sb, "creator", false).await);
    let me = h.ok("get_profile", json!({})).await;
    assert!(
        me["user_id"].is_string() || me["user_id"].is_number(),
        "{me}"
    );
    let ov = sb.sandbox.messaging_overview("creator")?;
    let open = ov["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["window"] == "open" && c["blocked"] == false)
        .cloned()
        .unwrap();
    let sent = h
        .ok(
            "send_text",
            json!({ "recipient": s(&open["igsid"]), "text": "Hi there" }),
        )
        .await;
    assert_eq!(sent["operation"], "send_text");
    let before = sb.sandbox.requests().len();
    for (tool, params) in [
        ("hashtag_search", json!({ "hashtag": "coffee" })),
        (
            "business_discovery",
            json!({ "username": "sandbox_partner" }),
        ),
        ("delete_media", json!({ "media_id": "17000000000000001" })),
    ] {
        let (e, _) = h.err(tool, params).await;
        assert!(e.contains("Facebook Login"), "{tool}: {e}");
    }
    let (e, _) = h
        .err(
            "publish_post",
            json!({ "post": photo(&sb, "x"), "at": "+1h" }),
        )
        .await;
    assert!(e.contains("database"), "no store: {e}");
    assert_eq!(sb.sandbox.requests().len(), before, "nothing was sent");
    Ok(())
}

#[tokio::test]
async fn schemas_are_object_schemas_with_described_properties() {
    let registry = Registry::native();
    assert!(registry.len() >= 60, "{} tools", registry.len());
    for a in registry.iter() {
        let schema = a.schema();
        assert_eq!(schema["type"], "object", "{}", a.name);
        let props = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{}: no properties", a.name));
        assert!(
            props.contains_key("ig_user_id"),
            "{}: every tool names its account",
            a.name
        );
        for (name, p) in props {
            let d = p["description"].as_str().unwrap_or("");
            assert!(!d.trim().is_empty(), "{}.{name} has no description", a.name);
        }
        assert!(a.description.len() > 40, "{}", a.name);
        assert!(
            a.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{}",
            a.name
        );
        assert_eq!(a.account_param, Some("ig_user_id"), "{}", a.name);
        let round_trip = serde_json::to_string(schema.as_ref()).unwrap();
        assert!(!round_trip.is_empty());
    }
    // The schemas come from the client's types, with the platform's rules in them.
    let publish = registry.get("publish_post").unwrap();
    let text = serde_json::to_string(publish.schema().as_ref()).unwrap();
    for needle in [
        "carousel",
        "reel",
        "story",
        "user_tags",
        "collaborators",
        "2,200",
    ] {
        assert!(
            text.contains(needle),
            "{needle} not in the publish_post schema"
        );
    }
    assert!(publish.drafts_ok);
    assert!(publish.description.contains("2200") && publish.description.contains("24 hours"));
    let buttons =
        serde_json::to_string(registry.get("send_buttons").unwrap().schema().as_ref()).unwrap();
    assert!(
        buttons.contains("web_url") && buttons.contains("postback"),
        "{buttons}"
    );
    let insights =
        serde_json::to_string(registry.get("media_insights").unwrap().schema().as_ref()).unwrap();
    assert!(insights.contains("\"views\"") && !insights.contains("\"impressions\""));
    let send = registry.get("send_text").unwrap();
    assert!(send.description.contains("24 hours") && send.description.contains("7 days"));
    assert!(
        registry
            .get("hashtag_search")
            .unwrap()
            .description
            .contains("30 unique")
    );
    assert!(
        registry
            .get("post_comment")
            .unwrap()
            .description
            .contains("300 characters")
    );
    // Effects.
    use instagraph_agent::Effect;
    for (name, effect) in [
        ("get_profile", Effect::Read),
        ("send_text", Effect::Send),
        ("private_reply", Effect::Send),
        ("publish_post", Effect::Publish),
        ("create_container", Effect::Prepare),
        ("hide_comment", Effect::Hide),
        ("delete_comment", Effect::Delete),
        ("post_comment", Effect::Write),
        ("set_ice_breakers", Effect::Write),
        ("graph_get", Effect::Read),
    ] {
        assert_eq!(registry.get(name).unwrap().effect, effect, "{name}");
    }
    assert!(
        registry
            .iter()
            .filter(|a| a.name != "check_post")
            .all(|a| a.native.starts_with("instagraph ")),
        "every tool names its CLI command"
    );
}

#[tokio::test]
async fn read_only_and_drafts_policies_are_applied() -> TestResult {
    let sb = sandbox().await;
    let mut ctx = context(&sb, "business", true).await;
    ctx.policy = Policy::uniform(Access::ReadOnly);
    let h = Harness::new(ctx);
    let me = h.ok("get_profile", json!({})).await;
    assert_eq!(me["username"], "sandbox_business");
    let before = sb.sandbox.requests().len();
    let (e, kind) = h
        .err(
            "send_text",
            json!({ "recipient": "1234567890", "text": "hi" }),
        )
        .await;
    assert_eq!(kind, "refused");
    assert!(e.contains("read-only"), "{e}");
    let (_, kind) = h
        .err("publish_post", json!({ "post": photo(&sb, "x") }))
        .await;
    assert_eq!(kind, "refused");
    assert_eq!(sb.sandbox.requests().len(), before, "nothing was sent");

    // Drafts: publishing becomes a draft a person approves; sends are refused.
    let mut ctx = context(&sb, "business", true).await;
    ctx.policy = Policy::uniform(Access::Drafts);
    let store = ctx.store.clone().unwrap();
    let h = Harness::new(ctx);
    let quota_before = h.ok("publishing_limit", json!({})).await["quota_usage"].clone();
    let draft = h
        .ok("publish_post", json!({ "post": photo(&sb, "A draft") }))
        .await;
    assert_eq!(draft["draft"], true);
    assert_eq!(draft["post"]["state"], "draft");
    let id = draft["post"]["id"].as_i64().unwrap();
    let stored = store.post(id).await?.unwrap();
    assert_eq!(stored.spec["caption"], "A draft");
    let quota_after = h.ok("publishing_limit", json!({})).await["quota_usage"].clone();
    assert_eq!(quota_before, quota_after, "nothing was published");
    let (_, kind) = h
        .err(
            "send_text",
            json!({ "recipient": "1234567890", "text": "hi" }),
        )
        .await;
    assert_eq!(kind, "refused");
    let (_, kind) = h
        .err(
            "publish_container",
            json!({ "container_id": "17889455560051444" }),
        )
        .await;
    assert_eq!(kind, "refused");
    let drafts = h
        .ok("list_scheduled_posts", json!({ "states": ["draft"] }))
        .await;
    assert_eq!(drafts["data"][0]["id"], id);
    let cancelled = h
        .ok("cancel_scheduled_post", json!({ "post_id": id }))
        .await;
    assert_eq!(cancelled["post"]["state"], "cancelled");
    Ok(())
}

#[tokio::test]
async fn validation_fails_before_the_network_naming_the_limit() -> TestResult {
    let sb = sandbox().await;
    let h = Harness::new(context(&sb, "business", true).await);
    h.ok("get_profile", json!({})).await; // the account's ids are learned once
    let before = sb.sandbox.requests().len();
    let caption = "a".repeat(2201);
    let (e, kind) = h
        .err("publish_post", json!({ "post": photo(&sb, &caption) }))
        .await;
    assert_eq!(kind, "invalid_params");
    assert!(e.contains("2200") && e.contains("2201 characters"), "{e}");
    let (e, _) = h
        .err("check_post", json!({ "post": photo(&sb, &caption) }))
        .await;
    assert!(e.contains("2200"), "{e}");
    let (e, kind) = h
        .err(
            "send_text",
            json!({ "recipient": "1234567890", "text": "x".repeat(1001) }),
        )
        .await;
    assert_eq!(kind, "invalid_params");
    assert!(e.contains("1000"), "{e}");
    let (e, _) = h
        .err(
            "send_quick_replies",
            json!({ "recipient": "1234567890", "text": "?", "quick_replies": [] }),
        )
        .await;
    assert!(e.contains("1 to 13"), "{e}");
    let (e, kind) = h
        .err(
            "post_comment",
            json!({ "media_id": "17000000000000001", "message": "y".repeat(301) }),
        )
        .await;
    assert_eq!(kind, "invalid_params");
    assert!(e.contains("300"), "{e}");
    let (e, kind) = h
        .err("send_text", json!({ "recipient": "1", "txt": "typo" }))
        .await;
    assert_eq!(kind, "invalid_params");
    assert!(e.contains("txt"), "unknown fields are named: {e}");
    let (e, _) = h
        .err(
            "publish_post",
            json!({ "post": { "type": "photo", "image": { "url": "https://x.example/a.jpg?sig=1" } } }),
        )
        .await;
    assert!(e.contains("query string"), "{e}");
    let (e, _) = h
        .err(
            "publish_post",
            json!({ "post": { "type": "story", "kind": "image", "media": "https://x.example/a.jpg", "caption": "no" } }),
        )
        .await;
    assert!(e.contains("caption"), "misplaced fields are named: {e}");
    let (e, _) = h.err("list_media", json!({ "since": "yesterday" })).await;
    assert!(e.contains("since") && e.contains("RFC 3339"), "{e}");
    assert_eq!(sb.sandbox.requests().len(), before, "nothing was sent");
    Ok(())
}
