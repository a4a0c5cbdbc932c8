//! Instagram Direct in the sandbox: the Send API with its limits and windows, private replies,
//! conversations, message details, user profiles, messenger profiles, rate limits,
//! simulations and the webhooks they queue.

mod common;

use axum::http::StatusCode;
use common::{Resp, account, enc, get, post_json, sandbox};
use instagraph_sandbox::webhooks::WebhookPayload;
use instagraph_sandbox::{
    MessagingLimits, Sandbox, SimUser, SimulatedBlock, SimulatedDm, SimulatedPostback,
    SimulatedReaction, SimulatedRead, SimulationError, TokenKind, TokenSpec,
};
use serde_json::{Value, json};

/// The seeded conversation of `account` with `username`: (igsid, conversation id).
fn thread(sb: &Sandbox, account: &str, username: &str) -> (String, String) {
    let v = sb.messaging_overview(account).expect("overview");
    let c = v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["username"] == username)
        .unwrap_or_else(|| panic!("no seeded thread with {username}"))
        .clone();
    (
        c["igsid"].as_str().unwrap().to_owned(),
        c["id"].as_str().unwrap().to_owned(),
    )
}

async fn send(r: &axum::Router, token: &str, body: Value) -> Resp {
    post_json(r, &format!("/v25.0/me/messages?access_token={token}"), body).await
}

fn text_to(igsid: &str, text: &str) -> Value {
    json!({ "recipient": { "id": igsid }, "message": { "text": text } })
}

fn assert_error(resp: &Resp, code: i64, subcode: Option<i64>) {
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{:?}", resp.body);
    assert_eq!(resp.code(), Some(code), "{:?}", resp.body);
    assert_eq!(resp.subcode(), subcode, "{:?}", resp.body);
}

#[tokio::test]
async fn seeded_threads_cover_every_window_state() {
    let (sb, _r) = sandbox();
    for name in ["business", "creator"] {
        let v = sb.messaging_overview(name).unwrap();
        let windows: Vec<&str> = v["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["window"].as_str().unwrap())
            .collect();
        for w in ["open", "human_agent", "closed"] {
            assert!(windows.contains(&w), "{name}: {windows:?}");
        }
        assert!(
            v["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["blocked"] == true)
        );
        let open_comments = v["comments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["open"] == true)
            .count();
        assert_eq!(
            open_comments, 2,
            "{name}: 1 h and 6 d old comments are open"
        );
    }
    // Deterministic: a second sandbox with the same seed has the same ids.
    let (sb2, _) = sandbox();
    assert_eq!(
        thread(&sb, "creator", "ada.lovelace"),
        thread(&sb2, "creator", "ada.lovelace")
    );
}

#[tokio::test]
async fn text_send_inside_the_window_answers_ids_and_queues_an_echo() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let (igsid, conv) = thread(&sb, "creator", "grace.hopper");
    sb.take_webhooks();
    let resp = send(
        &r,
        &c.access_token,
        text_to(&igsid, "Hello! Thanks for reaching out."),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    assert_eq!(resp.body["recipient_id"], igsid.as_str());
    let mid = resp.body["message_id"].as_str().unwrap().to_owned();
    assert!(
        mid.starts_with("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj"),
        "{mid}"
    );

    let events = sb.take_webhooks();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entry_id, c.ig_user_id);
    let WebhookPayload::Messaging { field, item } = &events[0].payload else {
        panic!("a messaging event")
    };
    assert_eq!(field, "messages");
    assert_eq!(item["sender"]["id"], c.ig_user_id.as_str());
    assert_eq!(item["recipient"]["id"], igsid.as_str());
    assert_eq!(item["message"]["is_echo"], true);
    assert_eq!(item["message"]["mid"], mid.as_str());
    assert_eq!(item["message"]["text"], "Hello! Thanks for reaching out.");
    assert!(
        item["timestamp"].as_i64().unwrap() > 1_000_000_000_000,
        "milliseconds"
    );

    let m = get(
        &r,
        &format!(
            "/v25.0/{mid}?fields=id,created_time,from,to,message&access_token={}",
            c.access_token
        ),
    )
    .await;
    assert_eq!(m.body["message"], "Hello! Thanks for reaching out.");
    assert_eq!(m.body["from"]["id"], c.ig_user_id.as_str());
    assert_eq!(m.body["to"]["data"][0]["id"], igsid.as_str());
    assert!(m.body["created_time"].as_str().unwrap().ends_with("+0000"));

    let t = get(
        &r,
        &format!(
            "/v25.0/{conv}?fields=messages{{id}},message_count&access_token={}",
            c.access_token
        ),
    )
    .await;
    assert_eq!(
        t.body["messages"]["data"][0]["id"],
        mid.as_str(),
        "newest first"
    );
    assert_eq!(t.body["message_count"], 4);
}

#[tokio::test]
async fn the_24_hour_window_and_human_agent_rules() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let token = &c.access_token;
    let (two_days, _) = thread(&sb, "creator", "alan.turing");
    let (ten_days, _) = thread(&sb, "creator", "linus.t");

    let resp = send(&r, token, text_to(&two_days, "late")).await;
    assert_error(&resp, 10, Some(2534022));
    assert!(resp.message().contains("outside of allowed window"));

    let mut tagged = text_to(&two_days, "A human here, sorry for the wait");
    tagged["messaging_type"] = json!("MESSAGE_TAG");
    tagged["tag"] = json!("HUMAN_AGENT");
    let resp = send(&r, token, tagged.clone()).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);

    tagged["recipient"]["id"] = json!(ten_days);
    assert_error(&send(&r, token, tagged).await, 10, Some(2534022));

    // The boundary: a new user message opens 24 hours; one second before the end is fine.
    let ev = sb
        .simulate_dm(&SimulatedDm {
            account: "creator".into(),
            user: SimUser::username("new.customer"),
            text: Some("hi".into()),
            ..SimulatedDm::default()
        })
        .unwrap();
    sb.advance(24 * 3600 - 1);
    let resp = send(&r, token, text_to(&ev.igsid, "still in time")).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    sb.advance(1);
    assert_error(
        &send(&r, token, text_to(&ev.igsid, "too late")).await,
        10,
        Some(2534022),
    );
    // 7 days with HUMAN_AGENT, exclusive.
    sb.advance(6 * 86_400 - 1);
    let mut human = text_to(&ev.igsid, "human");
    human["messaging_type"] = json!("MESSAGE_TAG");
    human["tag"] = json!("HUMAN_AGENT");
    assert_eq!(send(&r, token, human.clone()).await.status, StatusCode::OK);
    sb.advance(1);
    assert_error(&send(&r, token, human).await, 10, Some(2534022));

    // Other tags do not exist on Instagram.
    let mut other = text_to(&ev.igsid, "x");
    other["tag"] = json!("CONFIRMED_EVENT_UPDATE");
    assert_error(&send(&r, token, other).await, 100, None);
}

#[tokio::test]
async fn blocked_and_unknown_recipients() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let (blocked, _) = thread(&sb, "creator", "blocked.visitor");
    let resp = send(&r, &c.access_token, text_to(&blocked, "hi")).await;
    assert_error(&resp, 551, Some(1545041));
    assert_eq!(
        resp.message(),
        "(#551) This person isn't available right now."
    );

    let resp = send(&r, &c.access_token, text_to("1234567890", "hi")).await;
    assert_error(&resp, 100, Some(2534014));

    // The business account's users are not the creator's.
    let (biz_user, _) = thread(&sb, "business", "grace.hopper");
    let resp = send(&r, &c.access_token, text_to(&biz_user, "hi")).await;
    assert_error(&resp, 100, Some(2534014));

    // Unblocking through the simulation restores delivery.
    sb.simulate_block(&SimulatedBlock {
        account: "creator".into(),
        user: SimUser::igsid(&blocked),
        blocked: false,
    })
    .unwrap();
    let resp = send(&r, &c.access_token, text_to(&blocked, "hi")).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
}

#[tokio::test]
async fn every_content_limit_at_and_over_its_boundary() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let (igsid, _) = thread(&sb, "creator", "ada.lovelace");
    let ok = |m: Value| json!({ "recipient": { "id": igsid }, "message": m });
    let button = |i: usize| json!({ "type": "postback", "title": format!("B{i}"), "payload": "P" });
    let qr = |i: usize| json!({ "content_type": "text", "title": format!("Q{i}"), "payload": "P" });
    let element = |i: usize| json!({ "title": format!("E{i}") });
    let cases: Vec<(Value, Value, &str)> = vec![
        (
            json!({ "text": "a".repeat(1000) }),
            json!({ "text": "a".repeat(1001) }),
            "message[text]",
        ),
        (
            json!({ "attachment": { "type": "template", "payload": { "template_type": "button", "text": "t".repeat(640), "buttons": [button(0)] } } }),
            json!({ "attachment": { "type": "template", "payload": { "template_type": "button", "text": "t".repeat(641), "buttons": [button(0)] } } }),
            "[text]",
        ),
        (
            json!({ "attachment": { "type": "template", "payload": { "template_type": "button", "text": "t", "buttons": (0..3).map(button).collect::<Vec<_>>() } } }),
            json!({ "attachment": { "type": "template", "payload": { "template_type": "button", "text": "t", "buttons": (0..4).map(button).collect::<Vec<_>>() } } }),
            "[buttons]",
        ),
        (
            json!({ "attachment": { "type": "template", "payload": { "template_type": "button", "text": "t", "buttons": [{ "type": "postback", "title": "x".repeat(20), "payload": "p".repeat(1000) }] } } }),
            json!({ "attachment": { "type": "template", "payload": { "template_type": "button", "text": "t", "buttons": [{ "type": "postback", "title": "x".repeat(21), "payload": "p" }] } } }),
            "[title]",
        ),
        (
            json!({ "attachment": { "type": "template", "payload": { "template_type": "button", "text": "t", "buttons": [{ "type": "postback", "title": "x", "payload": "p".repeat(1000) }] } } }),
            json!({ "attachment": { "type": "template", "payload": { "template_type": "button", "text": "t", "buttons": [{ "type": "postback", "title": "x", "payload": "p".repeat(1001) }] } } }),
            "[payload]",
        ),
        (
            json!({ "attachment": { "type": "template", "payload": { "template_type": "generic", "elements": (0..10).map(element).collect::<Vec<_>>() } } }),
            json!({ "attachment": { "type": "template", "payload": { "template_type": "generic", "elements": (0..11).map(element).collect::<Vec<_>>() } } }),
            "[elements]",
        ),
        (
            json!({ "attachment": { "type": "template", "payload": { "template_type": "generic", "elements": [{ "title": "t".repeat(80), "subtitle": "s".repeat(80) }] } } }),
            json!({ "attachment": { "type": "template", "payload": { "template_type": "generic", "elements": [{ "title": "t".repeat(81) }] } } }),
            "[title]",
        ),
        (
            json!({ "text": "pick", "quick_replies": (0..13).map(qr).collect::<Vec<_>>() }),
            json!({ "text": "pick", "quick_replies": (0..14).map(qr).collect::<Vec<_>>() }),
            "message[quick_replies]",
        ),
        (
            json!({ "text": "pick", "quick_replies": [{ "content_type": "text", "title": "q".repeat(20), "payload": "p".repeat(1000) }] }),
            json!({ "text": "pick", "quick_replies": [{ "content_type": "text", "title": "q".repeat(21), "payload": "p" }] }),
            "[title]",
        ),
        (
            json!({ "attachment": { "type": "image", "payload": { "url": "https://example.com/a.png" } } }),
            json!({ "attachment": { "type": "image", "payload": { "url": "http://example.com/a.png" } } }),
            "[url]",
        ),
        (
            json!({ "attachment": { "type": "video", "payload": { "url": "https://example.com/v.mov" } } }),
            json!({ "attachment": { "type": "video", "payload": { "url": "https://example.com/v.exe" } } }),
            "Upload attachment failure",
        ),
    ];
    for (good, bad, named) in cases {
        let resp = send(&r, &c.access_token, ok(good.clone())).await;
        assert_eq!(resp.status, StatusCode::OK, "{good}: {:?}", resp.body);
        let resp = send(&r, &c.access_token, ok(bad.clone())).await;
        assert_eq!(resp.code(), Some(100), "{bad}: {:?}", resp.body);
        assert!(
            resp.message().contains(named),
            "{named}: {}",
            resp.message()
        );
    }
}

#[tokio::test]
async fn stickers_shares_reactions_sender_actions_and_replies() {
    let (sb, r) = sandbox();
    // Many reads in a row: the Conversations API's 2 calls/s is tested elsewhere.
    sb.set_messaging_limits(MessagingLimits {
        conversations_per_second: 0,
        ..MessagingLimits::default()
    });
    let c = account(&sb, "creator");
    let b = account(&sb, "business");
    let (igsid, conv) = thread(&sb, "creator", "ada.lovelace");
    let token = &c.access_token;
    let heart = send(
        &r,
        token,
        json!({ "recipient": { "id": igsid }, "message": { "attachment": { "type": "like_heart" } } }),
    )
    .await;
    assert_eq!(heart.status, StatusCode::OK, "{:?}", heart.body);

    let own_media = get(&r, &format!("/v25.0/me/media?limit=1&access_token={token}")).await;
    let media_id = own_media.body["data"][0]["id"].as_str().unwrap().to_owned();
    let share = |id: &str| json!({ "recipient": { "id": igsid }, "message": { "attachment": { "type": "MEDIA_SHARE", "payload": { "id": id } } } });
    assert_eq!(
        send(&r, token, share(&media_id)).await.status,
        StatusCode::OK
    );
    let other_media = get(
        &r,
        &format!(
            "/v25.0/{}/media?limit=1&access_token={}",
            b.ig_user_id, b.access_token
        ),
    )
    .await;
    let foreign = other_media.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = send(&r, token, share(&foreign)).await;
    assert!(
        resp.message().contains("owned by this account"),
        "{:?}",
        resp.body
    );

    for action in ["typing_on", "typing_off", "mark_seen"] {
        let resp = send(
            &r,
            token,
            json!({ "recipient": { "id": igsid }, "sender_action": action }),
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{action}: {:?}", resp.body);
        assert_eq!(resp.body, json!({ "recipient_id": igsid }));
    }
    let thread_after = get(
        &r,
        &format!("/v25.0/{conv}?fields=unread_count&access_token={token}"),
    )
    .await;
    assert_eq!(
        thread_after.body["unread_count"], 0,
        "mark_seen reads the thread"
    );

    // React to the user's newest message, then remove it.
    let msgs = get(
        &r,
        &format!("/v25.0/{conv}/messages?fields=id,from&access_token={token}"),
    )
    .await;
    let theirs = msgs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["from"]["id"] == igsid.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let react = json!({ "recipient": { "id": igsid }, "sender_action": "react", "payload": { "message_id": theirs, "reaction": "love" } });
    assert_eq!(send(&r, token, react).await.status, StatusCode::OK);
    let m = get(
        &r,
        &format!("/v25.0/{theirs}?fields=reactions&access_token={token}"),
    )
    .await;
    assert_eq!(m.body["reactions"]["data"][0]["reaction"], "love");
    assert_eq!(
        m.body["reactions"]["data"][0]["users"][0]["id"],
        c.ig_user_id.as_str()
    );
    let unreact = json!({ "recipient": { "id": igsid }, "sender_action": "unreact", "payload": { "message_id": theirs } });
    assert_eq!(send(&r, token, unreact).await.status, StatusCode::OK);
    let m = get(
        &r,
        &format!("/v25.0/{theirs}?fields=reactions&access_token={token}"),
    )
    .await;
    assert!(m.body.get("reactions").is_none(), "{:?}", m.body);
    let bad = json!({ "recipient": { "id": igsid }, "sender_action": "react", "payload": { "message_id": theirs, "reaction": "thumbsup" } });
    assert_eq!(send(&r, token, bad).await.code(), Some(100));

    let mut reply = text_to(&igsid, "Replying to that");
    reply["reply_to"] = json!({ "message_id": theirs });
    sb.take_webhooks();
    assert_eq!(send(&r, token, reply).await.status, StatusCode::OK);
    let events = sb.take_webhooks();
    let WebhookPayload::Messaging { item, .. } = &events[0].payload else {
        panic!()
    };
    assert_eq!(item["message"]["reply_to"]["mid"], theirs.as_str());
    let mut bad_reply = text_to(&igsid, "x");
    bad_reply["reply_to"] = json!({ "message_id": "aWdfnotamessage" });
    assert_eq!(send(&r, token, bad_reply).await.code(), Some(100));
}

#[tokio::test]
async fn private_replies_once_per_comment_within_seven_days() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let comments = sb.private_reply_comments("creator").unwrap();
    let fresh = &comments[0];
    let six_days = &comments[1];
    let eight_days = &comments[2];
    assert!(fresh.created > six_days.created && six_days.created > eight_days.created);
    let reply = |id: &str| json!({ "recipient": { "comment_id": id }, "message": { "text": "Sent you the price in DM!" } });

    let resp = send(&r, &c.access_token, reply(&fresh.id)).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    assert_eq!(resp.body["recipient_id"], fresh.from_igsid.as_str());
    let again = send(&r, &c.access_token, reply(&fresh.id)).await;
    assert_error(&again, 10, Some(2534025));

    assert_eq!(
        send(&r, &c.access_token, reply(&six_days.id)).await.status,
        StatusCode::OK
    );
    assert_error(
        &send(&r, &c.access_token, reply(&eight_days.id)).await,
        10,
        Some(2534022),
    );
    // The reply does not open the window: the commenter must answer first.
    assert_error(
        &send(&r, &c.access_token, text_to(&fresh.from_igsid, "follow-up")).await,
        10,
        Some(2534022),
    );
    sb.simulate_dm(&SimulatedDm {
        account: "creator".into(),
        user: SimUser::igsid(&fresh.from_igsid),
        text: Some("thanks!".into()),
        ..SimulatedDm::default()
    })
    .unwrap();
    assert_eq!(
        send(&r, &c.access_token, text_to(&fresh.from_igsid, "follow-up"))
            .await
            .status,
        StatusCode::OK
    );
    // A comment registered later, and the 7-day boundary.
    let id = sb
        .add_replyable_comment("creator", &SimUser::username("late.commenter"), "price?")
        .unwrap();
    sb.advance(7 * 86_400);
    assert_error(
        &send(&r, &c.access_token, reply(&id)).await,
        10,
        Some(2534022),
    );
}

#[tokio::test]
async fn facebook_login_messages_through_the_page_with_a_page_token() {
    let (sb, r) = sandbox();
    let b = account(&sb, "business");
    let page = b.page_id.clone().unwrap();
    let (igsid, _) = thread(&sb, "business", "grace.hopper");
    let user_token = &b.access_token;
    let resp = post_json(
        &r,
        &format!("/v25.0/{page}/messages?access_token={user_token}"),
        text_to(&igsid, "hi"),
    )
    .await;
    assert_error(&resp, 210, None);
    let resp = post_json(
        &r,
        &format!("/v25.0/{}/messages?access_token={user_token}", b.ig_user_id),
        text_to(&igsid, "hi"),
    )
    .await;
    assert_eq!(
        resp.code(),
        Some(2500),
        "not an edge of IGUser on Facebook Login"
    );

    let page_token = sb
        .mint_token(TokenSpec {
            kind: TokenKind::Page,
            ..TokenSpec::user("business")
        })
        .unwrap();
    for path in [
        format!("/v25.0/{page}/messages"),
        "/v25.0/me/messages".to_owned(),
    ] {
        let resp = post_json(
            &r,
            &format!("{path}?access_token={page_token}"),
            text_to(&igsid, "hi from the Page"),
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{path}: {:?}", resp.body);
        assert!(
            resp.header("x-business-use-case-usage")
                .unwrap()
                .contains(&b.ig_user_id)
        );
    }
    let list = get(
        &r,
        &format!("/v25.0/me/conversations?platform=instagram&access_token={page_token}"),
    )
    .await;
    assert_eq!(
        list.body["data"].as_array().unwrap().len(),
        6,
        "{:?}",
        list.body
    );
    let messenger = get(
        &r,
        &format!("/v25.0/me/conversations?access_token={page_token}"),
    )
    .await;
    assert_eq!(
        messenger.body["data"],
        json!([]),
        "Messenger threads, not Instagram"
    );

    // A token without the messaging scope.
    let narrow = sb
        .mint_token(TokenSpec {
            scopes: Some(vec!["instagram_business_basic".into()]),
            ..TokenSpec::user("creator")
        })
        .unwrap();
    let (c_igsid, _) = thread(&sb, "creator", "grace.hopper");
    assert_error(&send(&r, &narrow, text_to(&c_igsid, "hi")).await, 10, None);
}

#[tokio::test]
async fn conversations_page_and_only_twenty_messages_are_readable() {
    let (sb, r) = sandbox();
    sb.set_messaging_limits(MessagingLimits {
        conversations_per_second: 0,
        ..MessagingLimits::default()
    });
    let c = account(&sb, "creator");
    let token = &c.access_token;
    let first = get(
        &r,
        &format!("/v25.0/me/conversations?platform=instagram&limit=4&access_token={token}"),
    )
    .await;
    let data = first.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 4);
    assert!(data[0]["updated_time"].is_string() && data[0]["id"].is_string());
    let after = first.body["paging"]["cursors"]["after"].as_str().unwrap();
    let second = get(
        &r,
        &format!(
            "/v25.0/me/conversations?platform=instagram&limit=4&after={}&access_token={token}",
            enc(after)
        ),
    )
    .await;
    assert_eq!(second.body["data"].as_array().unwrap().len(), 2);
    assert!(second.body["paging"].get("next").is_none());

    let (igsid, conv) = thread(&sb, "creator", "ada.lovelace");
    let one = get(
        &r,
        &format!("/v25.0/me/conversations?platform=instagram&user_id={igsid}&fields=participants&access_token={token}"),
    )
    .await;
    assert_eq!(one.body["data"][0]["id"], conv.as_str());
    assert_eq!(
        one.body["data"][0]["participants"]["data"][0]["id"],
        igsid.as_str()
    );
    assert_eq!(
        one.body["data"][0]["participants"]["data"][1]["id"],
        c.ig_user_id.as_str()
    );

    let mut mids = Vec::new();
    let mut url = format!("/v25.0/{conv}/messages?limit=10&access_token={token}");
    loop {
        let page = get(&r, &url).await;
        mids.extend(
            page.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_owned()),
        );
        match page.body["paging"]["next"].as_str() {
            Some(next) => url = next.split_once("graph.sandbox.test").unwrap().1.to_owned(),
            None => break,
        }
    }
    assert_eq!(mids.len(), 25, "every message id is listed");
    let fields = "fields=id,message,from";
    let newest = get(
        &r,
        &format!("/v25.0/{}?{fields}&access_token={token}", mids[19]),
    )
    .await;
    assert_eq!(newest.status, StatusCode::OK, "{:?}", newest.body);
    assert!(newest.body["message"].is_string());
    let older = get(
        &r,
        &format!("/v25.0/{}?{fields}&access_token={token}", mids[20]),
    )
    .await;
    assert_error(&older, 100, Some(33));
}

#[tokio::test]
async fn user_profile_by_igsid() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let (igsid, _) = thread(&sb, "creator", "ada.lovelace");
    let fields = "name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user,is_verified_user";
    let p = get(
        &r,
        &format!(
            "/v25.0/{igsid}?fields={}&access_token={}",
            enc(fields),
            c.access_token
        ),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{:?}", p.body);
    assert_eq!(p.body["id"], igsid.as_str());
    assert_eq!(p.body["name"], "Ada Lovelace");
    assert_eq!(p.body["username"], "ada.lovelace");
    assert!(
        p.body["profile_pic"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(p.body["follower_count"].is_u64());
    assert_eq!(p.body["is_verified_user"], true);
    let (nameless, _) = thread(&sb, "creator", "linus.t");
    let p = get(
        &r,
        &format!(
            "/v25.0/{nameless}?fields=name,username&access_token={}",
            c.access_token
        ),
    )
    .await;
    assert!(
        p.body.get("name").is_none(),
        "no name, no field: {:?}",
        p.body
    );
    let bad = get(
        &r,
        &format!(
            "/v25.0/{igsid}?fields=email&access_token={}",
            c.access_token
        ),
    )
    .await;
    assert_eq!(bad.code(), Some(100));

    sb.set_messaging_limits(MessagingLimits {
        profile_reads_per_hour: 5,
        ..MessagingLimits::default()
    });
    let url = format!("/v25.0/{igsid}?access_token={}", c.access_token);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    assert_eq!(get(&r, &url).await.code(), Some(613));
    sb.advance(3600);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
}

#[tokio::test]
async fn messenger_profile_set_get_delete() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let url = format!(
        "/v25.0/me/messenger_profile?access_token={}",
        c.access_token
    );
    let q = |i: usize| json!({ "question": format!("Question {i}?"), "payload": format!("Q{i}") });
    let four = json!({ "platform": "instagram", "ice_breakers": [
        { "locale": "default", "call_to_actions": (0..4).map(q).collect::<Vec<_>>() },
        { "locale": "fr_FR", "call_to_actions": [q(9)] }
    ] });
    let resp = post_json(&r, &url, four).await;
    assert_eq!(resp.body, json!({ "result": "success" }));
    let five = json!({ "ice_breakers": [{ "locale": "default", "call_to_actions": (0..5).map(q).collect::<Vec<_>>() }] });
    let resp = post_json(&r, &url, five).await;
    assert!(resp.message().contains("at most 4"), "{:?}", resp.body);
    let no_default = json!({ "ice_breakers": [{ "locale": "fr_FR", "call_to_actions": [q(1)] }] });
    assert_eq!(post_json(&r, &url, no_default).await.code(), Some(100));
    let menu = json!({ "persistent_menu": [{ "locale": "default", "call_to_actions": [
        { "type": "postback", "title": "Talk to us", "payload": "HUMAN" },
        { "type": "web_url", "title": "Shop", "url": "https://shop.example.com" }
    ] }], "get_started": { "payload": "GET_STARTED" }, "greeting": [{ "locale": "default", "text": "Hello!" }] });
    assert_eq!(post_json(&r, &url, menu).await.status, StatusCode::OK);
    let nested = json!({ "persistent_menu": [{ "locale": "default", "call_to_actions": [{ "type": "nested", "title": "More" }] }] });
    assert!(
        post_json(&r, &url, nested)
            .await
            .message()
            .contains("nested")
    );

    let got = get(
        &r,
        &format!(
            "/v25.0/me/messenger_profile?fields=ice_breakers,persistent_menu,get_started,greeting&access_token={}",
            c.access_token
        ),
    )
    .await;
    let p = &got.body["data"][0];
    assert_eq!(
        p["ice_breakers"][0]["call_to_actions"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(p["ice_breakers"][1]["locale"], "fr_FR");
    assert_eq!(
        p["persistent_menu"][0]["call_to_actions"][1]["url"],
        "https://shop.example.com"
    );
    assert_eq!(p["get_started"]["payload"], "GET_STARTED");
    assert_eq!(p["greeting"][0]["text"], "Hello!");

    let del = common::send(
        &r,
        axum::http::Request::delete(&url)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                json!({ "fields": ["ice_breakers", "greeting"] }).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(del.body, json!({ "result": "success" }));
    let got = get(
        &r,
        &format!(
            "/v25.0/me/messenger_profile?fields=ice_breakers,persistent_menu&access_token={}",
            c.access_token
        ),
    )
    .await;
    assert!(got.body["data"][0].get("ice_breakers").is_none());
    assert!(got.body["data"][0].get("persistent_menu").is_some());
}

#[tokio::test]
async fn reusable_attachments_upload_once_send_by_id() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let (igsid, _) = thread(&sb, "creator", "ada.lovelace");
    let up = post_json(
        &r,
        &format!("/v25.0/me/message_attachments?access_token={}", c.access_token),
        json!({ "platform": "instagram", "message": { "attachment": { "type": "image", "payload": { "url": "https://example.com/logo.png", "is_reusable": true } } } }),
    )
    .await;
    let id = up.body["attachment_id"].as_str().unwrap().to_owned();
    let by_id = |kind: &str| json!({ "recipient": { "id": igsid }, "message": { "attachment": { "type": kind, "payload": { "attachment_id": id } } } });
    let resp = send(&r, &c.access_token, by_id("image")).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    let mid = resp.body["message_id"].as_str().unwrap();
    let m = get(
        &r,
        &format!(
            "/v25.0/{mid}?fields=attachments&access_token={}",
            c.access_token
        ),
    )
    .await;
    assert_eq!(
        m.body["attachments"]["data"][0]["image_data"]["url"],
        "https://example.com/logo.png"
    );
    assert_eq!(
        send(&r, &c.access_token, by_id("video")).await.code(),
        Some(100)
    );
}

#[tokio::test]
async fn rate_limits_per_second_and_per_hour_answer_613() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let (igsid, _) = thread(&sb, "creator", "ada.lovelace");
    sb.set_messaging_limits(MessagingLimits {
        text_per_second: 2,
        messages_per_hour: 0,
        ..MessagingLimits::default()
    });
    assert_eq!(
        send(&r, &c.access_token, text_to(&igsid, "1")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&r, &c.access_token, text_to(&igsid, "2")).await.status,
        StatusCode::OK
    );
    let third = send(&r, &c.access_token, text_to(&igsid, "3")).await;
    assert_error(&third, 613, None);
    assert_eq!(
        third.message(),
        "(#613) Calls to this api have exceeded the rate limit."
    );

    sb.set_messaging_limits(MessagingLimits {
        text_per_second: 0,
        messages_per_hour: 3,
        ..MessagingLimits::default()
    });
    for i in 0..3 {
        let resp = send(&r, &c.access_token, text_to(&igsid, &i.to_string())).await;
        assert_eq!(resp.status, StatusCode::OK);
    }
    let over = send(&r, &c.access_token, text_to(&igsid, "over")).await;
    assert_error(&over, 613, None);
    let buc: Value =
        serde_json::from_str(over.header("x-business-use-case-usage").unwrap()).unwrap();
    assert!(
        buc[&c.ig_user_id][0]["estimated_time_to_regain_access"]
            .as_u64()
            .unwrap()
            >= 59
    );
    sb.advance(3600);
    assert_eq!(
        send(&r, &c.access_token, text_to(&igsid, "later"))
            .await
            .status,
        StatusCode::OK
    );

    // Conversations API: 2 calls per second by default.
    sb.set_messaging_limits(MessagingLimits::default());
    let url = format!(
        "/v25.0/me/conversations?platform=instagram&access_token={}",
        c.access_token
    );
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    assert_eq!(get(&r, &url).await.code(), Some(613));
}

#[tokio::test]
async fn simulations_create_users_open_windows_and_queue_webhooks() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    sb.take_webhooks();
    let ev = sb
        .simulate_dm(&SimulatedDm {
            account: "creator".into(),
            user: SimUser {
                igsid: Some("1234567890".into()),
                username: Some("johndoe".into()),
                name: Some("John Doe".into()),
                ..SimUser::default()
            },
            text: Some("Red".into()),
            quick_reply_payload: Some("COLOR_RED".into()),
            attachments: vec![],
            reply_to: None,
        })
        .unwrap();
    assert_eq!(ev.igsid, "1234567890");
    let hook = ev.webhook.clone().unwrap();
    assert_eq!(hook["sender"]["id"], "1234567890");
    assert_eq!(hook["recipient"]["id"], c.ig_user_id.as_str());
    assert_eq!(hook["message"]["quick_reply"]["payload"], "COLOR_RED");
    assert_eq!(hook["message"]["text"], "Red");
    let events = sb.take_webhooks();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payload.field(), "messages");

    // The new user can be messaged and profiled.
    assert_eq!(
        send(&r, &c.access_token, text_to("1234567890", "Hello!"))
            .await
            .status,
        StatusCode::OK
    );
    let p = get(
        &r,
        &format!(
            "/v25.0/1234567890?fields=name,username&access_token={}",
            c.access_token
        ),
    )
    .await;
    assert_eq!(p.body["name"], "John Doe");

    // Attachments from the user carry CDN URLs when none is given.
    let ev2 = sb
        .simulate_dm(&SimulatedDm {
            account: c.ig_user_id.clone(),
            user: SimUser::igsid("1234567890"),
            attachments: vec![instagraph_sandbox::SimAttachment {
                kind: "image".into(),
                url: None,
            }],
            ..SimulatedDm::default()
        })
        .unwrap();
    let url = ev2.webhook.unwrap()["message"]["attachments"][0]["payload"]["url"].clone();
    assert!(
        url.as_str()
            .unwrap()
            .starts_with("https://lookaside.fbsbx.com/ig_messaging_cdn/")
    );

    let pb = sb
        .simulate_postback(&SimulatedPostback {
            account: "creator".into(),
            user: SimUser::username("ice.breaker.fan"),
            payload: "GET_STARTED".into(),
            title: "Get Started".into(),
        })
        .unwrap();
    let hook = pb.webhook.unwrap();
    assert_eq!(hook["postback"]["payload"], "GET_STARTED");
    assert_eq!(hook["postback"]["title"], "Get Started");
    assert!(hook["postback"]["mid"].is_string());
    assert_eq!(
        send(&r, &c.access_token, text_to(&pb.igsid, "Welcome!"))
            .await
            .status,
        StatusCode::OK,
        "a tap opens the window"
    );

    let sent = send(&r, &c.access_token, text_to("1234567890", "Another")).await;
    let mid = sent.body["message_id"].as_str().unwrap().to_owned();
    let re = sb
        .simulate_reaction(&SimulatedReaction {
            account: "creator".into(),
            user: SimUser::igsid("1234567890"),
            mid: mid.clone(),
            ..SimulatedReaction::default()
        })
        .unwrap();
    let reaction = &re.webhook.unwrap()["reaction"];
    assert_eq!(reaction["action"], "react");
    assert_eq!(reaction["reaction"], "love");
    assert_eq!(reaction["emoji"], "\u{2764}\u{fe0f}");
    let un = sb
        .simulate_reaction(&SimulatedReaction {
            account: "creator".into(),
            user: SimUser::igsid("1234567890"),
            mid: mid.clone(),
            action: Some("unreact".into()),
            ..SimulatedReaction::default()
        })
        .unwrap();
    assert_eq!(
        un.webhook.unwrap()["reaction"],
        json!({ "mid": mid, "action": "unreact" })
    );
    let rd = sb
        .simulate_read(&SimulatedRead {
            account: "creator".into(),
            user: SimUser::username("johndoe"),
            mid: None,
        })
        .unwrap();
    assert_eq!(rd.webhook.unwrap()["read"]["mid"], mid.as_str());
    let fields: Vec<String> = sb
        .take_webhooks()
        .iter()
        .map(|e| e.payload.field().to_owned())
        .collect();
    assert!(
        ["messaging_postbacks", "message_reactions", "messaging_seen"]
            .iter()
            .all(|f| fields.iter().any(|x| x == f)),
        "{fields:?}"
    );

    // Refusals name what is wrong.
    let err = sb
        .simulate_read(&SimulatedRead {
            account: "creator".into(),
            user: SimUser::username("nobody.here"),
            mid: None,
        })
        .unwrap_err();
    assert_eq!(err, SimulationError::UnknownUser("nobody.here".into()));
    let err = sb
        .simulate_dm(&SimulatedDm {
            account: "nope".into(),
            user: SimUser::username("x"),
            text: Some("x".into()),
            ..SimulatedDm::default()
        })
        .unwrap_err();
    assert!(matches!(err, SimulationError::UnknownAccount(_)));
}

#[tokio::test]
async fn simulation_routes_over_the_control_api() {
    let (sb, r) = sandbox();
    let resp = post_json(
        &r,
        "/_sandbox/simulate/dm",
        json!({ "account": "business", "user": "new.customer", "text": "Hello!" }),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    let igsid = resp.body["igsid"].as_str().unwrap().to_owned();
    assert!(resp.body["mid"].is_string() && resp.body["conversation_id"].is_string());
    let resp = post_json(
        &r,
        "/_sandbox/simulate/postback",
        json!({ "account": "business", "user": igsid, "payload": "TRACK_ORDER", "title": "Track Order" }),
    )
    .await;
    assert_eq!(resp.body["webhook"]["postback"]["payload"], "TRACK_ORDER");
    let resp = post_json(
        &r,
        "/_sandbox/simulate/block",
        json!({ "account": "business", "user": igsid }),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK);
    let resp = post_json(
        &r,
        "/_sandbox/simulate/reaction",
        json!({ "account": "business", "user": igsid, "mid": "nope" }),
    )
    .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let resp = post_json(
        &r,
        "/_sandbox/simulate/dm",
        json!({ "account": "business", "user": "x" }),
    )
    .await;
    assert_eq!(
        resp.status,
        StatusCode::BAD_REQUEST,
        "no text, no attachments"
    );
    let resp = post_json(&r, "/_sandbox/simulate/dm", json!({ "nope": 1 })).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);

    let overview = get(&r, "/_sandbox/messaging?account=business").await;
    let mine = overview.body["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["igsid"] == igsid.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["window"], "open");
    assert_eq!(mine["blocked"], true);
    assert_eq!(
        get(&r, "/_sandbox/messaging").await.status,
        StatusCode::BAD_REQUEST
    );

    let limits = post_json(
        &r,
        "/_sandbox/messaging/limits",
        json!({ "text_per_second": 5 }),
    )
    .await;
    assert_eq!(limits.body["text_per_second"], 5);
    assert_eq!(
        limits.body["messages_per_hour"], 200,
        "omitted fields take defaults"
    );
    assert_eq!(sb.messaging_limits().text_per_second, 5);
    assert_eq!(
        get(&r, "/_sandbox/messaging/limits").await.body["text_per_second"],
        5
    );
}
