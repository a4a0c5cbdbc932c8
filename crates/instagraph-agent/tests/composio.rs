//! Every Composio-compatible action against the sandbox over loopback, for both login families,
//! with the documented parameters and assertions on the results; the registry's names against
//! the toolkit's list; and the failure paths (a missing required parameter, a caption over the
//! hashtag limit refused before the network, an unknown account, Facebook-Login-only actions
//! on an Instagram Login client, publishing before the container is ready).
//!
//! The sandbox's clock is frozen: video processing completes only when the test moves it, so
//! nothing here sleeps to synchronise.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use instagraph::clock::Clock;
use instagraph::ids::IgUserId;
use instagraph::ratelimit::{Budget, BudgetConfig, OperationClass};
use instagraph::retry::RetryPolicy;
use instagraph::{Client, ClientConfig, Error, HostedMedia, LoginFamily, MediaHost};
use instagraph_agent::action::{self, Outcome};
use instagraph_agent::{ActionContext, Registry, SingleAccount};
use instagraph_sandbox::{
    MessagingLimits, PublishingSettings, RunningSandbox, Sandbox, SandboxConfig, SeededAccount,
    spawn,
};
use serde_json::{Value, json};

/// The toolkit's actions (the seed list), hard-coded so the test stands without the file.
const NAMES: [&str; 36] = [
    "INSTAGRAM_CREATE_CAROUSEL_CONTAINER",
    "INSTAGRAM_CREATE_MEDIA_CONTAINER",
    "INSTAGRAM_CREATE_POST",
    "INSTAGRAM_DELETE_COMMENT",
    "INSTAGRAM_DELETE_MESSENGER_PROFILE",
    "INSTAGRAM_GET_CONVERSATION",
    "INSTAGRAM_GET_IG_COMMENT_REPLIES",
    "INSTAGRAM_GET_IG_MEDIA",
    "INSTAGRAM_GET_IG_MEDIA_CHILDREN",
    "INSTAGRAM_GET_IG_MEDIA_COMMENTS",
    "INSTAGRAM_GET_IG_MEDIA_INSIGHTS",
    "INSTAGRAM_GET_IG_USER_CONTENT_PUBLISHING_LIMIT",
    "INSTAGRAM_GET_IG_USER_LIVE_MEDIA",
    "INSTAGRAM_GET_IG_USER_MEDIA",
    "INSTAGRAM_GET_IG_USER_STORIES",
    "INSTAGRAM_GET_IG_USER_TAGS",
    "INSTAGRAM_GET_MESSENGER_PROFILE",
    "INSTAGRAM_GET_PAGE_CONVERSATIONS",
    "INSTAGRAM_GET_POST_COMMENTS",
    "INSTAGRAM_GET_POST_INSIGHTS",
    "INSTAGRAM_GET_POST_STATUS",
    "INSTAGRAM_GET_USER_INFO",
    "INSTAGRAM_GET_USER_INSIGHTS",
    "INSTAGRAM_GET_USER_MEDIA",
    "INSTAGRAM_LIST_ALL_CONVERSATIONS",
    "INSTAGRAM_LIST_ALL_MESSAGES",
    "INSTAGRAM_MARK_SEEN",
    "INSTAGRAM_POST_IG_COMMENT_REPLIES",
    "INSTAGRAM_POST_IG_MEDIA_COMMENTS",
    "INSTAGRAM_POST_IG_USER_MEDIA",
    "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
    "INSTAGRAM_POST_IG_USER_MENTIONS",
    "INSTAGRAM_REPLY_TO_COMMENT",
    "INSTAGRAM_SEND_IMAGE",
    "INSTAGRAM_SEND_TEXT_MESSAGE",
    "INSTAGRAM_UPDATE_MESSENGER_PROFILE",
];

/// Facebook Login only: refused on an Instagram Login client.
const FACEBOOK_ONLY: [&str; 2] = [
    "INSTAGRAM_GET_PAGE_CONVERSATIONS",
    "INSTAGRAM_POST_IG_USER_MENTIONS",
];

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seeds/002_895b8daa113d67a6.txt"
);

// ---- set-up -------------------------------------------------------------------------------------

async fn sandbox() -> RunningSandbox {
    spawn(
        SandboxConfig::deterministic(),
        "127.0.0.1:0".parse().expect("address"),
    )
    .await
    .expect("sandbox")
}

fn account(sb: &RunningSandbox, name: &str) -> SeededAccount {
    sb.sandbox
        .accounts()
        .into_iter()
        .find(|a| a.name == name)
        .expect("seeded account")
}

/// The client's clock reads the sandbox's frozen clock.
#[derive(Debug)]
struct SandboxClock(Sandbox);

impl Clock for SandboxClock {
    fn now_ms(&self) -> i64 {
        self.0.now() * 1000
    }
}

/// A media host for local files that serves them as the sandbox's sample JPEGs (the sandbox
/// fetcher reads the URL, not the file's bytes), recording what it hosted and released.
#[derive(Debug, Default)]
struct TestHost {
    base: String,
    hosted: Mutex<Vec<String>>,
    released: Mutex<Vec<String>>,
}

#[instagraph::async_trait]
impl MediaHost for TestHost {
    async fn host(&self, path: &Path) -> Result<HostedMedia, Error> {
        let mut hosted = self.hosted.lock().expect("lock");
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("jpg");
        let id = format!("hosted{}-1080x1080.{ext}", hosted.len());
        hosted.push(id.clone());
        Ok(HostedMedia {
            url: format!("{}/_sandbox/media/{id}", self.base),
            id,
        })
    }

    async fn release(&self, hosted: &HostedMedia) {
        self.released.lock().expect("lock").push(hosted.id.clone());
    }
}

fn client(sb: &RunningSandbox, name: &str, host: Option<Arc<TestHost>>) -> Client {
    let a = account(sb, name);
    let login = if name == "business" {
        LoginFamily::Facebook
    } else {
        LoginFamily::Instagram
    };
    let mut budgets = BudgetConfig::default();
    for class in [
        OperationClass::MediaUpload,
        OperationClass::SendText,
        OperationClass::SendMedia,
        OperationClass::Conversations,
    ] {
        budgets.budgets.insert(
            class,
            Budget {
                limit: 10_000,
                window_secs: 1,
            },
        );
    }
    let mut config = ClientConfig::new(login, a.access_token.clone())
        .base_url(&sb.base_url)
        .app_secret(a.app_secret.clone())
        .budgets(budgets)
        .retry(RetryPolicy {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
            ..RetryPolicy::default()
        });
    if login == LoginFamily::Facebook {
        config = config.ig_user_id(IgUserId::parse(&a.ig_user_id).expect("ig user id"));
    }
    let mut b = Client::builder(config).clock(Arc::new(SandboxClock(sb.sandbox.clone())));
    if let Some(h) = host {
        b = b.media_host(h);
    }
    b.build().expect("client")
}

fn context(client: Client, name: &str) -> ActionContext {
    ActionContext::new(Arc::new(SingleAccount::new(client, Some(name.to_owned()))))
}

/// Runs actions and remembers which ones succeeded.
struct Runner {
    ctx: ActionContext,
    registry: Registry,
    succeeded: BTreeSet<String>,
}

impl Runner {
    fn new(ctx: ActionContext) -> Self {
        Self {
            ctx,
            registry: Registry::composio(),
            succeeded: BTreeSet::new(),
        }
    }

    async fn run(&mut self, name: &str, params: Value) -> Outcome {
        let action = self
            .registry
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not registered"));
        let out = action::run(&self.ctx, action, params).await;
        if out.successful {
            self.succeeded.insert(name.to_owned());
        }
        out
    }

    /// Runs `name` and returns its data, failing the test with the error otherwise.
    async fn ok(&mut self, name: &str, params: Value) -> Value {
        let out = self.run(name, params.clone()).await;
        assert!(
            out.successful,
            "{name} {params}: {:?} ({:?})",
            out.error, out.error_kind
        );
        assert!(out.error.is_none());
        out.data
    }

    /// Runs `name`, expects a failure, and returns the error text.
    async fn fails(&mut self, name: &str, params: Value) -> (String, &'static str) {
        let out = self.run(name, params.clone()).await;
        assert!(
            !out.successful,
            "{name} {params} should fail, got {}",
            out.data
        );
        assert!(out.data.is_null());
        (
            out.error.unwrap_or_default(),
            out.error_kind.unwrap_or_default(),
        )
    }
}

fn media_url(sb: &RunningSandbox, file: &str) -> String {
    format!("{}/_sandbox/media/{file}", sb.base_url)
}

fn s(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

fn requests(sb: &RunningSandbox) -> usize {
    sb.sandbox.requests().len()
}

// ---- every action -------------------------------------------------------------------------------

/// Runs every action for the account `name` ("business": Facebook Login, "creator": Instagram
/// Login); returns the names that succeeded.
async fn every_action(name: &str) -> BTreeSet<String> {
    let sb = sandbox().await;
    let facebook = name == "business";
    let host = Arc::new(TestHost {
        base: sb.base_url.clone(),
        ..TestHost::default()
    });
    // The Conversations API's 2 calls per second would count every read of this test in the
    // same frozen second; pacing has its own tests in the client.
    sb.sandbox.set_messaging_limits(MessagingLimits {
        conversations_per_second: 0,
        ..MessagingLimits::default()
    });
    let c = client(&sb, name, Some(host.clone()));
    let mut r = Runner::new(context(c, name));
    let ig_user_id = account(&sb, name).ig_user_id;

    // -- the account --------------------------------------------------------------------------
    let me = r.ok("INSTAGRAM_GET_USER_INFO", json!({})).await;
    assert!(
        me["username"].as_str().is_some_and(|u| !u.is_empty()),
        "{me}"
    );
    assert!(me["followers_count"].as_u64().unwrap_or(0) > 0, "{me}");
    let me2 = r
        .ok(
            "INSTAGRAM_GET_USER_INFO",
            json!({"ig_user_id": ig_user_id, "graph_api_version": "v21.0"}),
        )
        .await;
    assert_eq!(me2["username"], me["username"]);

    // -- media ----------------------------------------------------------------------------------
    let media = r
        .ok(
            "INSTAGRAM_GET_IG_USER_MEDIA",
            json!({"ig_user_id": "me", "limit": "30",
                   "fields": "id,caption,media_type,media_product_type,comments_count,timestamp"}),
        )
        .await;
    let items = media["data"].as_array().expect("data.data").clone();
    assert_eq!(items.len(), 30, "limit given as a string");
    let image = items
        .iter()
        .find(|m| m["media_type"] == "IMAGE")
        .expect("an image");
    let image_id = s(&image["id"]);
    let carousel = items
        .iter()
        .find(|m| m["media_type"] == "CAROUSEL_ALBUM")
        .expect("a carousel");
    let commented = items
        .iter()
        .find(|m| m["comments_count"].as_u64().unwrap_or(0) > 0)
        .expect("a media with comments");
    let commented_id = s(&commented["id"]);
    let page2 = r
        .ok(
            "INSTAGRAM_GET_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "limit": 5}),
        )
        .await;
    let after = s(&page2["paging"]["cursors"]["after"]);
    let next = r
        .ok(
            "INSTAGRAM_GET_USER_MEDIA",
            json!({"limit": 5, "after": after}),
        )
        .await;
    assert_eq!(next["data"].as_array().map(Vec::len), Some(5));
    assert_ne!(
        next["data"][0]["id"], page2["data"][0]["id"],
        "the next page"
    );

    let one = r
        .ok(
            "INSTAGRAM_GET_IG_MEDIA",
            json!({"ig_media_id": image_id, "fields": "id,caption,media_type,permalink"}),
        )
        .await;
    assert_eq!(s(&one["id"]), image_id);
    assert_eq!(one["media_type"], "IMAGE");
    let kids = r
        .ok(
            "INSTAGRAM_GET_IG_MEDIA_CHILDREN",
            json!({"ig_media_id": s(&carousel["id"])}),
        )
        .await;
    assert_eq!(kids["data"].as_array().map(Vec::len), Some(3));
    let stories = r
        .ok(
            "INSTAGRAM_GET_IG_USER_STORIES",
            json!({"ig_user_id": ig_user_id}),
        )
        .await;
    let story_list = stories["data"].as_array().expect("stories");
    assert_eq!(story_list.len(), 2, "the live stories only");
    assert!(story_list.iter().all(|x| {
        x["permalink"]
            .as_str()
            .is_some_and(|p| p.contains("/stories/"))
    }));
    let live = r.ok("INSTAGRAM_GET_IG_USER_LIVE_MEDIA", json!({})).await;
    let live_list = live["data"].as_array().expect("live list");
    if facebook {
        assert_eq!(live_list.len(), 1);
        assert_eq!(live_list[0]["media_type"], "BROADCAST");
    } else {
        assert!(live_list.is_empty(), "not live: an empty list");
    }
    let tags = r
        .ok(
            "INSTAGRAM_GET_IG_USER_TAGS",
            json!({"ig_user_id": "me", "limit": 10}),
        )
        .await;
    assert_eq!(tags["data"].as_array().map(Vec::len), Some(3));

    // -- comments -------------------------------------------------------------------------------
    let comments = r
        .ok(
            "INSTAGRAM_GET_IG_MEDIA_COMMENTS",
            json!({"ig_media_id": commented_id, "limit": 50,
                   "fields": "id,text,username,timestamp,like_count"}),
        )
        .await;
    let first = comments["data"][0].clone();
    assert!(first["text"].as_str().is_some(), "{comments}");
    let old = r
        .ok(
            "INSTAGRAM_GET_POST_COMMENTS",
            json!({"ig_post_id": commented_id, "limit": "10"}),
        )
        .await;
    assert_eq!(old["data"][0]["id"], first["id"]);
    let mine = r
        .ok(
            "INSTAGRAM_POST_IG_MEDIA_COMMENTS",
            json!({"ig_media_id": image_id, "message": "Thanks everyone! #sandbox"}),
        )
        .await;
    let mine_id = s(&mine["id"]);
    assert!(!mine_id.is_empty());
    let reply = r
        .ok(
            "INSTAGRAM_POST_IG_COMMENT_REPLIES",
            json!({"ig_comment_id": s(&first["id"]), "message": "Glad you like it"}),
        )
        .await;
    let legacy = r
        .ok(
            "INSTAGRAM_REPLY_TO_COMMENT",
            json!({"ig_comment_id": s(&first["id"]), "message": "See you soon"}),
        )
        .await;
    assert_ne!(reply["id"], legacy["id"]);
    let replies = r
        .ok(
            "INSTAGRAM_GET_IG_COMMENT_REPLIES",
            json!({"ig_comment_id": s(&first["id"]), "fields": "id,text,parent_id"}),
        )
        .await;
    let texts: Vec<&str> = replies["data"]
        .as_array()
        .expect("replies")
        .iter()
        .filter_map(|x| x["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"Glad you like it") && texts.contains(&"See you soon"),
        "{replies}"
    );
    let deleted = r
        .ok(
            "INSTAGRAM_DELETE_COMMENT",
            json!({"ig_comment_id": mine_id}),
        )
        .await;
    assert_eq!(deleted["success"], true);
    let (e, _) = r
        .fails(
            "INSTAGRAM_GET_IG_COMMENT_REPLIES",
            json!({"ig_comment_id": mine_id}),
        )
        .await;
    assert!(
        e.contains("100") || e.to_lowercase().contains("exist"),
        "{e}"
    );

    // -- mentions (Facebook Login only) --------------------------------------------------------
    let overview = sb.sandbox.engagement_overview(name).expect("overview");
    let mention = overview["mentioned_comments"][0].clone();
    let mention_params = json!({
        "ig_user_id": ig_user_id,
        "media_id": s(&mention["media_id"]),
        "comment_id": s(&mention["id"]),
        "message": "Thanks for the mention!",
    });
    if facebook {
        let m = r
            .ok("INSTAGRAM_POST_IG_USER_MENTIONS", mention_params)
            .await;
        assert!(!s(&m["id"]).is_empty());
        let on_media = r
            .ok(
                "INSTAGRAM_POST_IG_USER_MENTIONS",
                json!({"ig_user_id": ig_user_id,
                       "media_id": s(&overview["mentioned_media"][0]),
                       "message": "Thank you!"}),
            )
            .await;
        assert!(!s(&on_media["id"]).is_empty());
    } else {
        let before = requests(&sb);
        let (e, _) = r
            .fails("INSTAGRAM_POST_IG_USER_MENTIONS", mention_params)
            .await;
        assert!(e.contains("Facebook Login"), "{e}");
        assert_eq!(requests(&sb), before, "refused before the network");
    }

    // -- insights -------------------------------------------------------------------------------
    let ins = r
        .ok(
            "INSTAGRAM_GET_IG_MEDIA_INSIGHTS",
            json!({"ig_media_id": image_id, "metric": ["reach", "impressions", "likes", "saved"],
                   "period": "lifetime"}),
        )
        .await;
    assert_eq!(ins["dropped_metrics"], json!(["impressions"]), "{ins}");
    assert!(
        ins["notes"].as_array().is_some_and(|n| n
            .iter()
            .any(|x| x.as_str().is_some_and(|t| t.contains("use views")))),
        "{ins}"
    );
    let names: BTreeSet<String> = ins["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| s(&m["name"]))
        .chain(ins["no_data"].as_array().into_iter().flatten().map(s))
        .collect();
    assert_eq!(
        names,
        ["likes", "reach", "saved"]
            .into_iter()
            .map(str::to_owned)
            .collect::<BTreeSet<_>>(),
        "{ins}"
    );
    let post = r
        .ok(
            "INSTAGRAM_GET_POST_INSIGHTS",
            json!({"ig_post_id": image_id}),
        )
        .await;
    let post_names: Vec<String> = post["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| s(&m["name"]))
        .chain(post["no_data"].as_array().into_iter().flatten().map(s))
        .collect();
    assert!(
        post_names.contains(&"reach".to_owned()) && post_names.contains(&"views".to_owned()),
        "auto_safe for an image: {post}"
    );
    let preset = r
        .ok(
            "INSTAGRAM_GET_POST_INSIGHTS",
            json!({"ig_post_id": image_id, "metric": "reach,plays", "metric_preset": "image_basic"}),
        )
        .await;
    assert_eq!(preset["dropped_metrics"], json!(["plays"]));
    let user = r
        .ok(
            "INSTAGRAM_GET_USER_INSIGHTS",
            json!({"metric": "reach,accounts_engaged,impressions", "period": "day",
                   "metric_type": "total_value", "since": "2025-12-25", "until": 1767225600}),
        )
        .await;
    assert_eq!(user["dropped_metrics"], json!(["impressions"]), "{user}");
    assert!(user["data"].is_array());
    let series = r
        .ok(
            "INSTAGRAM_GET_USER_INSIGHTS",
            json!({"ig_user_id": ig_user_id, "metric": ["reach"], "period": "week",
                   "metric_type": "time_series"}),
        )
        .await;
    assert!(series["data"].is_array(), "{series}");

    // -- publishing -----------------------------------------------------------------------------
    let limit = r
        .ok(
            "INSTAGRAM_GET_IG_USER_CONTENT_PUBLISHING_LIMIT",
            json!({"ig_user_id": ig_user_id}),
        )
        .await;
    assert_eq!(limit["data"][0]["quota_usage"], 0, "{limit}");
    assert_eq!(limit["data"][0]["config"]["quota_total"], 50, "{limit}");

    // A photo: container, status, publish, read back.
    let caption = format!("Hello from {name} %23sandbox @friend");
    let photo = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({
                "ig_user_id": ig_user_id,
                "image_url": media_url(&sb, "square-1080x1080.jpg"),
                "caption": caption,
                "user_tags": [{"username": "friend", "x": "0.5", "y": 0.5}],
                "collaborators": "collab.one",
                "location_id": "110843418940484",
                "unknown_extra_field": true,
            }),
        )
        .await;
    let photo_container = s(&photo["id"]);
    let status = r
        .ok(
            "INSTAGRAM_GET_POST_STATUS",
            json!({"creation_id": photo_container}),
        )
        .await;
    assert_eq!(status["status_code"], "FINISHED", "{status}");
    let published = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
            json!({"ig_user_id": ig_user_id, "creation_id": photo_container,
                   "max_wait_seconds": 10, "poll_interval_seconds": 0.01}),
        )
        .await;
    let photo_media = s(&published["id"]);
    assert_eq!(s(&published["creation_id"]), photo_container);
    assert!(
        published["permalink"]
            .as_str()
            .is_some_and(|p| p.starts_with("https://www.instagram.com/p/")),
        "{published}"
    );
    let read = r
        .ok(
            "INSTAGRAM_GET_IG_MEDIA",
            json!({"ig_media_id": photo_media}),
        )
        .await;
    assert_eq!(
        read["caption"],
        format!("Hello from {name} #sandbox @friend"),
        "%23 is a hashtag"
    );
    let again = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
            json!({"ig_user_id": ig_user_id, "creation_id": photo_container}),
        )
        .await;
    assert_eq!(s(&again["id"]), photo_media, "published once: {again}");
    assert_eq!(again["recovered"], true);
    assert_eq!(
        sb.sandbox.published_posts(name).expect("posts").len(),
        1,
        "no duplicate"
    );

    // A reel through the deprecated action: not ready at once; the clock moves; published.
    let reel = r
        .ok(
            "INSTAGRAM_CREATE_MEDIA_CONTAINER",
            json!({"content_type": "reel", "video_url": media_url(&sb, "clip.mp4"),
                   "cover_url": media_url(&sb, "cover-1080x1920.jpg"),
                   "caption": "My reel #reels"}),
        )
        .await;
    let reel_container = s(&reel["id"]);
    assert_eq!(s(&reel["creation_id"]), reel_container);
    let status = r
        .ok(
            "INSTAGRAM_GET_POST_STATUS",
            json!({"creation_id": reel_container}),
        )
        .await;
    assert_eq!(status["status_code"], "IN_PROGRESS");
    let (e, kind) = r
        .fails(
            "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
            json!({"ig_user_id": ig_user_id, "creation_id": reel_container, "max_wait_seconds": 0}),
        )
        .await;
    assert!(
        e.contains("9007") || e.to_lowercase().contains("not ready"),
        "{e}"
    );
    assert_eq!(kind, "platform");
    let (e, _) = r
        .fails(
            "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
            json!({"ig_user_id": ig_user_id, "creation_id": reel_container,
                   "max_wait_seconds": 1, "poll_interval_seconds": 0.05}),
        )
        .await;
    assert!(
        e.contains("IN_PROGRESS"),
        "a wait that times out names the status: {e}"
    );
    sb.sandbox.advance(5);
    let reel_post = r
        .ok(
            "INSTAGRAM_CREATE_POST",
            json!({"ig_user_id": ig_user_id, "creation_id": reel_container}),
        )
        .await;
    let reel_media = r
        .ok(
            "INSTAGRAM_GET_IG_MEDIA",
            json!({"ig_media_id": s(&reel_post["id"]), "fields": "media_type,media_product_type"}),
        )
        .await;
    assert_eq!(
        (&reel_media["media_type"], &reel_media["media_product_type"]),
        (&json!("VIDEO"), &json!("REELS"))
    );

    // A carousel: one item made alone, one from a URL, one from a local file.
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("local.jpg");
    std::fs::write(&local, b"\xFF\xD8\xFF\xE0 not really a jpeg").expect("write");
    let item = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "is_carousel_item": "true",
                   "image_url": media_url(&sb, "item-1080x1080.jpg")}),
        )
        .await;
    let item_id = s(&item["id"]);
    let album = r
        .ok(
            "INSTAGRAM_CREATE_CAROUSEL_CONTAINER",
            json!({"ig_user_id": ig_user_id, "caption": "Three in one",
                   "children": [item_id],
                   "child_image_urls": media_url(&sb, "second-1080x1350.jpg"),
                   "child_image_files": [{"name": local.display().to_string()}]}),
        )
        .await;
    let album_children = album["children"].as_array().expect("children").clone();
    assert_eq!(album_children.len(), 3, "{album}");
    assert_eq!(s(&album_children[0]), item_id, "existing children first");
    assert_eq!(
        host.released.lock().expect("lock").len(),
        1,
        "the hosted file is released once the carousel exists"
    );
    let album_post = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
            json!({"ig_user_id": ig_user_id, "creation_id": s(&album["id"])}),
        )
        .await;
    let album_kids = r
        .ok(
            "INSTAGRAM_GET_IG_MEDIA_CHILDREN",
            json!({"ig_media_id": s(&album_post["id"]), "fields": "id,media_type"}),
        )
        .await;
    assert_eq!(album_kids["data"].as_array().map(Vec::len), Some(3));

    // A carousel container through POST_IG_USER_MEDIA (media_type CAROUSEL + children).
    let mut two = Vec::new();
    for file in ["a-1080x1080.jpg", "b-1080x1080.jpg"] {
        let c = r
            .ok(
                "INSTAGRAM_POST_IG_USER_MEDIA",
                json!({"ig_user_id": ig_user_id, "is_carousel_item": true,
                       "image_url": media_url(&sb, file)}),
            )
            .await;
        two.push(s(&c["id"]));
    }
    let parent = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "media_type": "CAROUSEL",
                   "children": two.join(","), "caption": "Two"}),
        )
        .await;
    assert_eq!(parent["children"].as_array().map(Vec::len), Some(2));

    // A story, a local image and a local video.
    let story = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "media_type": "STORIES",
                   "image_url": media_url(&sb, "tall-1080x1920.jpg")}),
        )
        .await;
    assert!(!s(&story["id"]).is_empty());
    let local_photo = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "image_file": {"name": local.display().to_string()},
                   "caption": "From disk"}),
        )
        .await;
    assert_eq!(local_photo["status_code"], "FINISHED", "{local_photo}");
    // Videos process at once from here on (the reel above showed the wait).
    sb.sandbox.configure_publishing(&PublishingSettings {
        video_processing_ms: Some(0),
        ..PublishingSettings::default()
    });
    let clip = dir.path().join("clip.mp4");
    let mut mp4 = vec![0, 0, 0, 0x18];
    mp4.extend_from_slice(b"ftypmp42\0\0\0\0mp42isom");
    mp4.resize(4096, 0);
    std::fs::write(&clip, mp4).expect("write");
    let local_reel = r
        .ok(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "video_file": clip.display().to_string(),
                   "share_to_feed": true, "thumb_offset": "1000", "audio_name": "Tune"}),
        )
        .await;
    assert!(!s(&local_reel["id"]).is_empty());

    // -- messaging ------------------------------------------------------------------------------
    let dm = sb.sandbox.messaging_overview(name).expect("messaging");
    let open = dm["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|c| c["window"] == "open" && c["blocked"] == false)
        .expect("a conversation in the window")
        .clone();
    let igsid = s(&open["igsid"]);
    let conversation_id = s(&open["id"]);
    let convs = r
        .ok("INSTAGRAM_LIST_ALL_CONVERSATIONS", json!({"limit": 2}))
        .await;
    assert_eq!(convs["data"].as_array().map(Vec::len), Some(2));
    let more = r
        .ok(
            "INSTAGRAM_LIST_ALL_CONVERSATIONS",
            json!({"ig_user_id": ig_user_id, "limit": 2,
                   "after": s(&convs["paging"]["cursors"]["after"])}),
        )
        .await;
    assert_ne!(more["data"][0]["id"], convs["data"][0]["id"]);
    let page_params = json!({"page_id": ig_user_id, "platform": "instagram", "limit": 10});
    if facebook {
        let page = r.ok("INSTAGRAM_GET_PAGE_CONVERSATIONS", page_params).await;
        assert!(
            page["data"]
                .as_array()
                .expect("data")
                .iter()
                .any(|c| s(&c["id"]) == conversation_id),
            "{page}"
        );
    } else {
        let before = requests(&sb);
        let (e, _) = r
            .fails("INSTAGRAM_GET_PAGE_CONVERSATIONS", page_params)
            .await;
        assert!(e.contains("Facebook Login"), "{e}");
        assert!(e.contains("INSTAGRAM_LIST_ALL_CONVERSATIONS"), "{e}");
        assert_eq!(requests(&sb), before, "refused before the network");
    }
    let conv = r
        .ok(
            "INSTAGRAM_GET_CONVERSATION",
            json!({"conversation_id": conversation_id}),
        )
        .await;
    assert_eq!(s(&conv["id"]), conversation_id);
    assert!(
        conv["participants"].is_object() || conv["participants"].is_array(),
        "{conv}"
    );
    let messages = r
        .ok(
            "INSTAGRAM_LIST_ALL_MESSAGES",
            json!({"conversation_id": conversation_id, "limit": 5}),
        )
        .await;
    let msgs = messages["data"].as_array().expect("messages");
    assert!(!msgs.is_empty() && msgs.len() <= 5);
    let mid = s(&msgs[0]["id"]);
    let sent = r
        .ok(
            "INSTAGRAM_SEND_TEXT_MESSAGE",
            json!({"recipient_id": igsid, "text": "Hello! Thanks for reaching out.",
                   "reply_to_message_id": mid}),
        )
        .await;
    assert_eq!(s(&sent["recipient_id"]), igsid);
    assert!(!s(&sent["message_id"]).is_empty());
    let img = r
        .ok(
            "INSTAGRAM_SEND_IMAGE",
            json!({"recipient_id": igsid, "image_url": "https://example.com/image.jpg",
                   "ig_user_id": ig_user_id}),
        )
        .await;
    assert!(!s(&img["message_id"]).is_empty());
    let seen = r
        .ok("INSTAGRAM_MARK_SEEN", json!({"recipient_id": igsid}))
        .await;
    assert_eq!(seen["success"], true);
    let after_send = r
        .ok(
            "INSTAGRAM_LIST_ALL_MESSAGES",
            json!({"conversation_id": conversation_id, "limit": "2"}),
        )
        .await;
    assert_eq!(
        after_send["data"][1]["message"], "Hello! Thanks for reaching out.",
        "{after_send}"
    );

    // The messenger profile.
    let set = r
        .ok(
            "INSTAGRAM_UPDATE_MESSENGER_PROFILE",
            json!({"ig_user_id": ig_user_id, "ice_breakers": [
                {"call_to_actions": [{"question": "Opening hours?", "payload": "HOURS"}],
                 "locale": "default"},
                {"question": "Where are you?", "payload": "WHERE"}]}),
        )
        .await;
    assert_eq!(set["result"], "success");
    let got = r
        .ok(
            "INSTAGRAM_GET_MESSENGER_PROFILE",
            json!({"ig_user_id": ig_user_id, "fields": "ice_breakers"}),
        )
        .await;
    let questions = &got["data"][0]["ice_breakers"][0]["call_to_actions"];
    assert_eq!(questions[0]["question"], "Opening hours?", "{got}");
    assert_eq!(questions[1]["payload"], "WHERE", "{got}");
    let all = r
        .ok(
            "INSTAGRAM_GET_MESSENGER_PROFILE",
            json!({"ig_user_id": "me"}),
        )
        .await;
    assert!(all["data"][0]["ice_breakers"].is_array(), "{all}");
    let del = r
        .ok(
            "INSTAGRAM_DELETE_MESSENGER_PROFILE",
            json!({"ig_user_id": ig_user_id, "fields": ["ice_breakers", "whitelisted_domains"]}),
        )
        .await;
    assert_eq!(del["result"], "success");
    let gone = r
        .ok(
            "INSTAGRAM_GET_MESSENGER_PROFILE",
            json!({"ig_user_id": ig_user_id, "fields": ["ice_breakers"]}),
        )
        .await;
    assert_eq!(gone["data"], json!([]), "{gone}");

    r.succeeded
}

#[tokio::test]
async fn every_action_on_facebook_login() {
    let ok = every_action("business").await;
    let all: BTreeSet<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
    assert_eq!(ok, all, "every action succeeded at least once");
}

#[tokio::test]
async fn every_action_on_instagram_login() {
    let ok = every_action("creator").await;
    let expected: BTreeSet<String> = NAMES
        .iter()
        .filter(|n| !FACEBOOK_ONLY.contains(n))
        .map(|n| (*n).to_owned())
        .collect();
    assert_eq!(ok, expected, "all but the Facebook-Login-only actions");
}

// ---- the registry -------------------------------------------------------------------------------

#[test]
fn the_registry_has_exactly_the_toolkits_actions() {
    let registry = Registry::composio();
    let names: BTreeSet<String> = registry.iter().map(|a| a.name.to_owned()).collect();
    let hard: BTreeSet<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
    assert_eq!(names, hard);
    match std::fs::read_to_string(SEED) {
        Ok(text) => {
            let seed: BTreeSet<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| {
                    l.starts_with("INSTAGRAM_")
                        && l.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                })
                .map(str::to_owned)
                .collect();
            assert_eq!(seed.len(), 36, "the seed lists 36 actions");
            assert_eq!(names, seed, "the registry matches the seed file");
        }
        Err(e) => eprintln!("skipping the comparison with {SEED}: {e}"),
    }
    for a in registry.iter() {
        assert!(!a.native.is_empty(), "{}: no native command", a.name);
        assert!(a.native.starts_with("instagraph "), "{}", a.name);
        let schema = a.schema();
        assert_eq!(schema["type"], "object", "{}", a.name);
        let deprecated = a.description.starts_with("DEPRECATED");
        assert_eq!(deprecated, a.deprecated_for.is_some(), "{}", a.name);
        if let Some(other) = a.deprecated_for {
            assert!(registry.get(other).is_some(), "{} -> {other}", a.name);
        }
    }
    // Descriptions of parameters come from the doc comments; required ones are required.
    let publish = registry
        .get("INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH")
        .expect("registered");
    let schema = publish.schema();
    assert!(
        schema["properties"]["max_wait_seconds"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("9007"))
    );
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, BTreeSet::from(["creation_id", "ig_user_id"]));
    // Lists take an array or a comma-separated string; local files a path or {"name": ...}.
    let insights = registry
        .get("INSTAGRAM_GET_IG_MEDIA_INSIGHTS")
        .expect("registered")
        .schema();
    let metric = &insights["properties"]["metric"];
    assert!(metric["anyOf"].is_array(), "{metric}");
    assert!(
        metric["description"]
            .as_str()
            .is_some_and(|d| d.contains("impressions")),
        "{metric}"
    );
    let media = registry
        .get("INSTAGRAM_POST_IG_USER_MEDIA")
        .expect("registered")
        .schema();
    let file = serde_json::to_string(&media["properties"]["image_file"]).expect("json");
    assert!(file.contains("name") && file.contains("anyOf"), "{file}");
    let effects = |name: &str| registry.get(name).map(|a| a.effect);
    use instagraph_agent::Effect;
    assert_eq!(
        effects("INSTAGRAM_POST_IG_USER_MEDIA"),
        Some(Effect::Prepare)
    );
    assert_eq!(effects("INSTAGRAM_CREATE_POST"), Some(Effect::Publish));
    assert_eq!(effects("INSTAGRAM_MARK_SEEN"), Some(Effect::Send));
    assert_eq!(effects("INSTAGRAM_DELETE_COMMENT"), Some(Effect::Delete));
    assert_eq!(
        effects("INSTAGRAM_UPDATE_MESSENGER_PROFILE"),
        Some(Effect::Write)
    );
    assert_eq!(effects("INSTAGRAM_GET_USER_INFO"), Some(Effect::Read));
}

// ---- failure paths ------------------------------------------------------------------------------

#[tokio::test]
async fn failures_name_the_parameter_and_the_limit() {
    let sb = sandbox().await;
    let c = client(&sb, "creator", None);
    let mut r = Runner::new(context(c, "creator"));
    let ig_user_id = account(&sb, "creator").ig_user_id;
    // Warm up the account source (it reads /me once).
    r.ok("INSTAGRAM_GET_USER_INFO", json!({})).await;

    // A missing required parameter names it.
    let (e, kind) = r
        .fails("INSTAGRAM_GET_IG_MEDIA", json!({"fields": "id"}))
        .await;
    assert!(e.contains("ig_media_id"), "{e}");
    assert_eq!(kind, "invalid_params");
    let (e, _) = r
        .fails(
            "INSTAGRAM_SEND_TEXT_MESSAGE",
            json!({"recipient_id": "1234567890"}),
        )
        .await;
    assert!(e.contains("text"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
            json!({"creation_id": "1789"}),
        )
        .await;
    assert!(e.contains("ig_user_id"), "{e}");

    // 31 hashtags: refused before anything is sent.
    let before = requests(&sb);
    let caption: String = (0..31).map(|i| format!("#tag{i} ")).collect();
    let (e, kind) = r
        .fails(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "caption": caption,
                   "image_url": media_url(&sb, "square-1080x1080.jpg")}),
        )
        .await;
    assert!(e.contains("30 hashtags") && e.contains("31"), "{e}");
    assert_eq!(kind, "invalid_params");
    // Also when the hashtags are URL-encoded, and on a carousel.
    let encoded: String = (0..31).map(|i| format!("%23tag{i} ")).collect();
    let (e, _) = r
        .fails(
            "INSTAGRAM_CREATE_CAROUSEL_CONTAINER",
            json!({"ig_user_id": ig_user_id, "caption": encoded,
                   "child_image_urls": [media_url(&sb, "a-1080x1080.jpg"), media_url(&sb, "b-1080x1080.jpg")]}),
        )
        .await;
    assert!(e.contains("30 hashtags"), "{e}");
    // A carousel of one, a comment of 5 hashtags, a 1001-character DM, a query string.
    let (e, _) = r
        .fails(
            "INSTAGRAM_CREATE_CAROUSEL_CONTAINER",
            json!({"ig_user_id": ig_user_id, "child_image_urls": [media_url(&sb, "a-1080x1080.jpg")]}),
        )
        .await;
    assert!(e.contains("2 to 10") && e.contains("got 1"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_POST_IG_MEDIA_COMMENTS",
            json!({"ig_media_id": "17890000000000001", "message": "#a #b #c #d #e"}),
        )
        .await;
    assert!(e.contains("4 hashtags"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_SEND_TEXT_MESSAGE",
            json!({"recipient_id": "1234567890", "text": "x".repeat(1001)}),
        )
        .await;
    assert!(e.contains("1000"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "image_url": "https://example.com/a.jpg?sig=1"}),
        )
        .await;
    assert!(e.contains("query string"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "media_type": "STORIES", "caption": "hi",
                   "image_url": media_url(&sb, "tall-1080x1920.jpg")}),
        )
        .await;
    assert!(e.contains("caption") && e.contains("story"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_GET_IG_MEDIA",
            json!({"ig_media_id": "17890000000000001", "fields": "id,text"}),
        )
        .await;
    assert!(e.contains("caption"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_GET_IG_MEDIA_INSIGHTS",
            json!({"ig_media_id": "17890000000000001", "metric": ["impressions", "plays"]}),
        )
        .await;
    assert!(e.contains("use views"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH",
            json!({"ig_user_id": "me", "creation_id": "17890000000000001", "max_wait_seconds": 5000}),
        )
        .await;
    assert!(e.contains("max_wait_seconds") && e.contains("5000"), "{e}");
    let (e, _) = r
        .fails(
            "INSTAGRAM_GET_IG_MEDIA",
            json!({"ig_media_id": "DUTi4n4D9wg"}),
        )
        .await;
    assert!(e.contains("ig_media_id") && e.contains("numeric"), "{e}");
    assert_eq!(requests(&sb), before, "nothing was sent");

    // Local images need a media host.
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("photo.jpg");
    std::fs::write(&local, b"\xFF\xD8\xFF").expect("write");
    let (e, _) = r
        .fails(
            "INSTAGRAM_POST_IG_USER_MEDIA",
            json!({"ig_user_id": ig_user_id, "image_file": local.display().to_string()}),
        )
        .await;
    assert!(
        e.contains("media host") && e.contains("instagraph serve"),
        "{e}"
    );

    // An unknown account.
    let (e, kind) = r
        .fails(
            "INSTAGRAM_GET_USER_INFO",
            json!({"ig_user_id": "17841499999999999"}),
        )
        .await;
    assert!(e.contains("17841499999999999"), "{e}");
    assert_eq!(kind, "unknown_account");
    let (e, kind) = r
        .fails(
            "INSTAGRAM_GET_IG_USER_MEDIA",
            json!({"ig_user_id": "17841499999999999"}),
        )
        .await;
    assert!(
        e.contains("not a Facebook Page"),
        "auto-resolution tried: {e}"
    );
    assert_eq!(kind, "unknown_account");

    // Outside the messaging window: the platform's 10 / 2534022, not retried.
    let dm = sb.sandbox.messaging_overview("creator").expect("messaging");
    let closed = dm["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|c| c["window"] == "closed" && c["blocked"] == false)
        .expect("a closed window")
        .clone();
    let before = requests(&sb);
    let (e, kind) = r
        .fails(
            "INSTAGRAM_SEND_TEXT_MESSAGE",
            json!({"recipient_id": s(&closed["igsid"]), "text": "Hello?"}),
        )
        .await;
    assert!(e.contains("outside of allowed window"), "{e}");
    assert_eq!(kind, "platform");
    assert_eq!(requests(&sb), before + 1, "sent once, never retried");
}

#[tokio::test]
async fn a_facebook_page_id_resolves_to_its_instagram_account() {
    let sb = sandbox().await;
    let c = client(&sb, "business", None);
    let pages = c.pages_with_instagram().await.expect("pages");
    let page = pages
        .iter()
        .find(|p| p.instagram_business_account.is_some())
        .expect("a linked page");
    let mut r = Runner::new(context(c.clone(), "business"));
    let media = r
        .ok(
            "INSTAGRAM_GET_IG_USER_MEDIA",
            json!({"ig_user_id": page.id.to_string(), "limit": 3}),
        )
        .await;
    assert_eq!(media["data"].as_array().map(Vec::len), Some(3));
    let (e, kind) = r
        .fails(
            "INSTAGRAM_GET_IG_USER_MEDIA",
            json!({"ig_user_id": page.id.to_string(), "auto_resolve_fb_page_id": false}),
        )
        .await;
    assert_eq!(kind, "unknown_account", "{e}");
}
