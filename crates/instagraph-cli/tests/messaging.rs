//! End to end: every messaging example of the n8n node reference (text, image, audio, video,
//! button template, generic template, quick replies, user profile, messenger profile) run with
//! the `instagraph` binary against `instagraph sandbox`, for both login families, plus the
//! refusals (exit 2), the window error (exit 1, class messaging-window), private replies and
//! the Conversations API commands.

use serde_json::{Value, json};

mod common;
use common::{Daemon, run_as};

/// `instagraph sandbox --frozen` on a free port, killed on drop.
struct Sandbox {
    daemon: Daemon,
}

impl Sandbox {
    fn start() -> Self {
        Sandbox {
            daemon: Daemon::sandbox(),
        }
    }

    fn base_url(&self) -> &str {
        self.daemon.base_url()
    }

    fn account(&self, login: &str) -> Value {
        self.daemon.account(login)
    }

    /// A control-API call.
    fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let http = reqwest::Client::new();
            let url = format!("{}/_sandbox{path}", self.base_url());
            let req = match method {
                "GET" => http.get(url),
                _ => http.post(url),
            };
            let req = match body {
                Some(b) => req.json(&b),
                None => req,
            };
            req.send().await.unwrap().json().await.unwrap()
        })
    }

    /// `instagraph ARGS` as `account`; (exit code, stdout, stderr).
    fn run(&self, account: &Value, args: &[&str]) -> (i32, String, String) {
        run_as(self.base_url(), account, None, args)
    }

    /// Runs with `--json`, expects success, returns the document.
    fn ok(&self, account: &Value, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let (code, out, err) = self.run(account, &all);
        assert_eq!(code, 0, "{args:?}: {err}");
        let token = account["access_token"].as_str().unwrap();
        assert!(!out.contains(token) && !err.contains(token), "token leaked");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    /// Runs with `--json`, expects `code`, returns the error object from stderr.
    fn fails(&self, account: &Value, args: &[&str], code: i32) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let (c, out, err) = self.run(account, &all);
        assert_eq!(c, code, "{args:?}: {out} {err}");
        assert!(out.is_empty(), "nothing on stdout on failure");
        serde_json::from_str(err.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {err}"))
    }

    fn requests(&self) -> usize {
        self.control("GET", "/requests", None)
            .as_array()
            .unwrap()
            .len()
    }
}

/// The IGSID of the seeded user `username` of the account.
fn seeded(sb: &Sandbox, account: &Value, username: &str) -> (String, String) {
    let v = sb.control(
        "GET",
        &format!("/messaging?account={}", account["name"].as_str().unwrap()),
        None,
    );
    let c = v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["username"] == username)
        .unwrap()
        .clone();
    (
        c["igsid"].as_str().unwrap().to_owned(),
        c["id"].as_str().unwrap().to_owned(),
    )
}

const BUTTON_EXAMPLE: &str = r#"{
  "recipientId": "1234567890",
  "messageText": "How can we help you today?",
  "buttons": [
    { "type": "web_url", "title": "Visit Shop", "url": "https://shop.example.com" },
    { "type": "postback", "title": "Contact Support", "payload": "CONTACT_SUPPORT" },
    { "type": "postback", "title": "Track Order", "payload": "TRACK_ORDER" }
  ]
}"#;

const GENERIC_EXAMPLE: &str = r#"{
  "recipientId": "1234567890",
  "elements": [
    {
      "title": "Summer Collection",
      "subtitle": "New arrivals for summer 2025",
      "image_url": "https://example.com/summer.jpg",
      "buttons": [ { "type": "web_url", "title": "Shop Now", "url": "https://shop.example.com/summer" } ]
    },
    {
      "title": "Winter Sale",
      "subtitle": "Up to 50% off",
      "image_url": "https://example.com/winter.jpg",
      "buttons": [ { "type": "web_url", "title": "View Deals", "url": "https://shop.example.com/winter" } ]
    }
  ]
}"#;

const QUICK_REPLIES_EXAMPLE: &str = r#"{
  "recipientId": "1234567890",
  "messageText": "What's your favorite color?",
  "quickReplies": [
    { "content_type": "text", "title": "Red", "payload": "COLOR_RED" },
    { "content_type": "text", "title": "Blue", "payload": "COLOR_BLUE" },
    { "content_type": "text", "title": "Green", "payload": "COLOR_GREEN" }
  ]
}"#;

const GENERIC_TOML: &str = r#"
recipientId = "1234567890"

[[elements]]
title = "Product Name"
subtitle = "Product description"
image_url = "https://example.com/product.jpg"
default_action = { type = "web_url", url = "https://example.com/product" }
buttons = [
  { type = "web_url", title = "Buy Now", url = "https://example.com/buy" },
  { type = "postback", title = "Add to Cart", payload = "ADD_TO_CART_123" },
]
"#;

#[test]
fn every_n8n_messaging_example_runs_from_the_cli_for_both_families() {
    let sb = Sandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let button = file("button.json", BUTTON_EXAMPLE);
    let generic = file("generic.json", GENERIC_EXAMPLE);
    let quick = file("quick.json", QUICK_REPLIES_EXAMPLE);
    let generic_toml = file("generic.toml", GENERIC_TOML);
    for login in ["instagram", "facebook"] {
        let a = sb.account(login);
        let name = a["name"].as_str().unwrap();
        // John Doe (IGSID 1234567890) writes first, as conversations only start that way.
        let ev = sb.control(
            "POST",
            "/simulate/dm",
            Some(json!({ "account": name, "user": { "igsid": "1234567890", "username": "johndoe", "name": "John Doe" }, "text": "Hi!" })),
        );
        assert_eq!(ev["igsid"], "1234567890", "{ev}");

        // Send Text Message.
        let r = sb.ok(
            &a,
            &[
                "dm",
                "send",
                "1234567890",
                "Hello! Thanks for reaching out.",
            ],
        );
        assert_eq!(r["recipient_id"], "1234567890", "{login}");
        assert!(r["message_id"].is_string());
        assert!(r["sent_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(r["appsecret_proof_used"], true);
        assert_eq!(r["operation"], "send_text");
        let text_mid = r["message_id"].as_str().unwrap().to_owned();

        // Send Image / Audio / Video Message.
        let r = sb.ok(
            &a,
            &[
                "dm",
                "image",
                "1234567890",
                "https://example.com/image.jpg",
                "--reusable",
            ],
        );
        assert_eq!(r["operation"], "send_image");
        let image_mid = r["message_id"].as_str().unwrap().to_owned();
        let r = sb.ok(
            &a,
            &["dm", "audio", "1234567890", "https://example.com/audio.mp3"],
        );
        assert_eq!(r["operation"], "send_audio");
        let r = sb.ok(
            &a,
            &["dm", "video", "1234567890", "https://example.com/video.mp4"],
        );
        assert_eq!(r["operation"], "send_video");

        // Send Button Template: the complete example as a file, and the same from flags.
        let r = sb.ok(&a, &["dm", "button", "--file", &button]);
        assert_eq!(r["operation"], "send_button_template");
        let r2 = sb.ok(
            &a,
            &[
                "dm",
                "button",
                "1234567890",
                "--text",
                "How can we help you today?",
                "--button",
                "web_url:Visit Shop:https://shop.example.com",
                "--button",
                "postback:Contact Support:CONTACT_SUPPORT",
                "--button",
                "postback:Track Order:TRACK_ORDER",
            ],
        );
        assert_eq!(r2["recipient_id"], r["recipient_id"]);

        // Send Generic Template: the complete example (JSON), the element structure (TOML), flags.
        let r = sb.ok(&a, &["dm", "generic", "--file", &generic]);
        assert_eq!(r["operation"], "send_generic_template");
        let generic_mid = r["message_id"].as_str().unwrap().to_owned();
        sb.ok(&a, &["dm", "generic", "--file", &generic_toml]);
        sb.ok(
            &a,
            &[
                "dm",
                "generic",
                "1234567890",
                "--title",
                "Summer Collection",
                "--subtitle",
                "New arrivals for summer 2025",
                "--image-url",
                "https://example.com/summer.jpg",
                "--button",
                "web_url:Shop Now:https://shop.example.com/summer",
            ],
        );

        // Send Quick Replies: file and flags.
        let r = sb.ok(&a, &["dm", "quick-replies", "--file", &quick]);
        assert_eq!(r["operation"], "send_quick_replies");
        sb.ok(
            &a,
            &[
                "dm",
                "quick-replies",
                "1234567890",
                "--text",
                "What's your favorite color?",
                "--reply",
                "Red:COLOR_RED",
                "--reply",
                "Blue:COLOR_BLUE",
                "--reply",
                "Green:COLOR_GREEN",
            ],
        );

        // Get User Profile.
        let p = sb.ok(&a, &["dm", "user", "1234567890"]);
        assert_eq!(p["id"], "1234567890");
        assert_eq!(p["name"], "John Doe");
        assert_eq!(p["username"], "johndoe");
        assert!(p["profile_pic"].as_str().unwrap().starts_with("https://"));
        let p = sb.ok(
            &a,
            &[
                "dm",
                "user",
                "1234567890",
                "--fields",
                "id,name,username,profile_pic",
            ],
        );
        assert!(p.get("follower_count").is_none());

        // What was sent is in the conversation, in detail.
        let m = sb.ok(&a, &["conversations", "message", &text_mid]);
        assert_eq!(m["message"], "Hello! Thanks for reaching out.");
        let m = sb.ok(&a, &["conversations", "message", &image_mid]);
        assert_eq!(
            m["attachments"]["data"][0]["image_data"]["url"],
            "https://example.com/image.jpg"
        );
        let m = sb.ok(&a, &["conversations", "message", &generic_mid]);
        assert_eq!(
            m["attachments"]["data"][0]["generic_template"]["title"],
            "Summer Collection"
        );

        // Messenger profile: ice breakers, menu, get started, greeting.
        let r = sb.ok(
            &a,
            &[
                "profile",
                "set",
                "--ice-breaker",
                "What are your opening hours?:HOURS",
                "--ice-breaker",
                "Where is my order?:ORDER",
                "--menu",
                "postback:Talk to a human:HUMAN",
                "--menu",
                "web_url:Shop:https://shop.example.com",
                "--get-started",
                "GET_STARTED_PAYLOAD",
                "--greeting",
                "Hello!",
            ],
        );
        assert_eq!(r["result"], "success");
        let p = sb.ok(&a, &["profile", "get"]);
        assert_eq!(
            p["ice_breakers"][0]["call_to_actions"][1]["payload"],
            "ORDER"
        );
        assert_eq!(
            p["persistent_menu"][0]["call_to_actions"][1]["url"],
            "https://shop.example.com"
        );
        assert_eq!(p["get_started"]["payload"], "GET_STARTED_PAYLOAD");
        sb.ok(&a, &["profile", "delete", "ice_breakers", "greeting"]);
        let p = sb.ok(
            &a,
            &[
                "profile",
                "get",
                "--field",
                "ice_breakers",
                "--field",
                "persistent_menu",
            ],
        );
        assert!(p.get("ice_breakers").is_none(), "{p}");
        assert!(p.get("persistent_menu").is_some());
    }
}

#[test]
fn bad_input_is_refused_before_the_network_with_exit_2() {
    let sb = Sandbox::start();
    let a = sb.account("instagram");
    let (igsid, _) = seeded(&sb, &a, "ada.lovelace");
    let dir = tempfile::tempdir().unwrap();
    let four = dir.path().join("four.json");
    std::fs::write(
        &four,
        json!({ "text": "t", "buttons": (0..4).map(|i| json!({ "type": "postback", "title": format!("B{i}"), "payload": "P" })).collect::<Vec<_>>() }).to_string(),
    )
    .unwrap();
    let long = "x".repeat(1001);
    let title21 = format!("{}:P", "q".repeat(21));
    let greeting161 = "g".repeat(161);
    let before = sb.requests();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["dm", "send", &igsid, &long], "text"),
        (vec!["dm", "send", "17841400000000001", "hi"], "recipient"),
        (vec!["dm", "send", "johndoe", "hi"], "igsid"),
        (
            vec!["dm", "image", &igsid, "http://example.com/a.jpg"],
            "image_url",
        ),
        (
            vec![
                "dm",
                "video",
                &igsid,
                "https://example.com/a.mp4",
                "--size",
                "26214401",
            ],
            "size",
        ),
        (
            vec!["dm", "audio", &igsid, "https://example.com/a.exe"],
            "audio_url",
        ),
        (
            vec!["dm", "button", &igsid, "--file", four.to_str().unwrap()],
            "buttons",
        ),
        (
            vec![
                "dm",
                "button",
                &igsid,
                "--text",
                "t",
                "--button",
                "call:Phone:123",
            ],
            "button",
        ),
        (
            vec![
                "dm",
                "quick-replies",
                &igsid,
                "--text",
                "t",
                "--reply",
                &title21,
            ],
            "quick_replies[0].title",
        ),
        (
            vec!["dm", "react", &igsid, "aWdfZAG1", "--reaction", "thumbsup"],
            "reaction",
        ),
        (vec!["profile", "delete", "colours"], "field"),
        (
            vec!["profile", "set", "--greeting", &greeting161],
            "greeting[0].text",
        ),
        (vec!["conversations", "list", "--limit", "101"], "limit"),
    ];
    for (args, named) in cases {
        let e = sb.fails(&a, &args, 2);
        assert_eq!(e["before_network"], true, "{args:?}");
        assert!(
            e["message"].as_str().unwrap().contains(named),
            "{args:?}: {e}"
        );
    }
    // Facebook Login swaps in the Page token first; bad input never gets that far either.
    let b = sb.account("facebook");
    let long_reply = "x".repeat(1001);
    for (args, named) in [
        (
            vec![
                "dm",
                "react",
                "1234567890",
                "aWdfZAG1",
                "--reaction",
                "thumbsup",
            ],
            "reaction",
        ),
        (
            vec!["dm", "private-reply", "17900000000000001", &long_reply],
            "text",
        ),
        (
            vec!["dm", "generic", "1234567890", "--title", &long_reply],
            "elements[0].title",
        ),
    ] {
        let e = sb.fails(&b, &args, 2);
        assert!(
            e["message"].as_str().unwrap().contains(named),
            "{args:?}: {e}"
        );
    }
    assert_eq!(sb.requests(), before, "nothing reached the sandbox");
}

#[test]
fn windows_blocks_and_private_replies_report_their_class() {
    let sb = Sandbox::start();
    for login in ["instagram", "facebook"] {
        let a = sb.account(login);
        let (two_days, _) = seeded(&sb, &a, "alan.turing");
        let e = sb.fails(&a, &["dm", "send", &two_days, "Sorry for the wait"], 1);
        assert_eq!(e["class"], "messaging-window", "{login}: {e}");
        assert_eq!(
            (e["code"].as_i64(), e["subcode"].as_i64()),
            (Some(10), Some(2534022))
        );
        assert!(e["fix"].as_str().unwrap().contains("24 hours"));
        let r = sb.ok(
            &a,
            &[
                "dm",
                "send",
                &two_days,
                "Sorry for the wait",
                "--human-agent",
            ],
        );
        assert!(r["message_id"].is_string());

        let (blocked, _) = seeded(&sb, &a, "blocked.visitor");
        let e = sb.fails(&a, &["dm", "send", &blocked, "hi"], 1);
        assert_eq!(
            (e["class"].as_str(), e["code"].as_i64()),
            (Some("messaging-window"), Some(551))
        );

        let v = sb.control(
            "GET",
            &format!("/messaging?account={}", a["name"].as_str().unwrap()),
            None,
        );
        let comment = v["comments"][0]["id"].as_str().unwrap().to_owned();
        let r = sb.ok(
            &a,
            &[
                "dm",
                "private-reply",
                &comment,
                "Thanks! Sent you the details.",
            ],
        );
        assert_eq!(r["operation"], "private_reply");
        let e = sb.fails(&a, &["dm", "private-reply", &comment, "again"], 1);
        assert_eq!(e["subcode"], 2534025);
        assert_eq!(e["class"], "messaging-window");

        // Reactions, typing and seen on the user's newest message.
        let (ada, conv) = seeded(&sb, &a, "ada.lovelace");
        sb.control(
            "POST",
            "/messaging/limits",
            Some(json!({ "conversations_per_second": 0 })),
        );
        let msgs = sb.ok(&a, &["conversations", "messages", &conv, "--limit", "5"]);
        let theirs = msgs["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["from"]["id"] == ada.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            sb.ok(&a, &["dm", "react", &ada, &theirs])["operation"],
            "react"
        );
        assert_eq!(
            sb.ok(&a, &["dm", "react", &ada, &theirs, "--remove"])["operation"],
            "unreact"
        );
        assert_eq!(sb.ok(&a, &["dm", "typing", &ada])["operation"], "typing_on");
        assert_eq!(
            sb.ok(&a, &["dm", "typing", &ada, "--off"])["operation"],
            "typing_off"
        );
        assert_eq!(sb.ok(&a, &["dm", "seen", &ada])["operation"], "mark_seen");
        let r = sb.ok(
            &a,
            &["dm", "send", &ada, "Replying to you", "--reply-to", &theirs],
        );
        assert!(r["message_id"].is_string());
        let up = sb.ok(
            &a,
            &["dm", "upload", "image", "https://example.com/logo.png"],
        );
        let id = up["attachment_id"].as_str().unwrap().to_owned();
        sb.ok(&a, &["dm", "image", &ada, "--attachment-id", &id]);
        sb.ok(&a, &["dm", "like-heart", &ada]);
    }
}

#[test]
fn conversations_commands_list_show_and_page_messages() {
    let sb = Sandbox::start();
    sb.control(
        "POST",
        "/messaging/limits",
        Some(json!({ "conversations_per_second": 0 })),
    );
    for login in ["instagram", "facebook"] {
        let a = sb.account(login);
        let page = sb.ok(&a, &["conversations", "list", "--limit", "2"]);
        assert_eq!(page["data"].as_array().unwrap().len(), 2);
        assert!(page["paging"]["next"].is_string());
        let all = sb.ok(&a, &["conversations", "list", "--limit", "2", "--all"]);
        assert_eq!(all["data"].as_array().unwrap().len(), 6, "{login}");
        let (ada, conv) = seeded(&sb, &a, "ada.lovelace");
        let one = sb.ok(&a, &["conversations", "list", "--user", &ada]);
        assert_eq!(one["data"][0]["id"], conv.as_str());
        let shown = sb.ok(&a, &["conversations", "show", &conv]);
        assert_eq!(shown["message_count"], 25);
        assert_eq!(shown["participants"]["data"][0]["username"], "ada.lovelace");
        let msgs = sb.ok(&a, &["conversations", "messages", &conv, "--all"]);
        let data = msgs["data"].as_array().unwrap();
        assert_eq!(data.len(), 25);
        assert!(data[19]["message"].is_string() && data[20].get("message").is_none());
        let old = data[24]["id"].as_str().unwrap();
        let e = sb.fails(&a, &["conversations", "message", old], 1);
        assert_eq!(
            (e["code"].as_i64(), e["subcode"].as_i64()),
            (Some(100), Some(33))
        );
        assert!(e["fix"].as_str().unwrap().contains("20 most recent"));

        // Human output: one line per conversation with the usernames.
        let (code, out, err) = sb.run(&a, &["conversations", "list"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("ada.lovelace"), "{out}");
    }
}
