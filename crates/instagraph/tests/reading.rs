//! Reading and engagement against the sandbox over loopback, both login families: account,
//! media (fields, limit, since/until, cursors, all documented fields), children, stories, live,
//! tags, product tags, comments and moderation with the text rules, mentions, hashtags with the
//! 30-per-7-days budget and the id cache, business discovery, insights with the metric rules
//! and "no data", batch, and the like operations the platform does not offer.

use futures_util::TryStreamExt;
use instagraph::fields::FieldSet;
use instagraph::ids::{CommentId, IgUserId, MediaId};
use instagraph::models::{Comment, Media};
use instagraph::ops::batch::{BatchOp, BatchOutcome};
use instagraph::ops::comments::CommentQuery;
use instagraph::ops::discovery::DiscoveryQuery;
use instagraph::ops::insights::{AccountInsightsQuery, MediaInsightsQuery, STORY_NOTE};
use instagraph::ops::media::ListQuery;
use instagraph::ratelimit::{Budget, BudgetConfig, BudgetSink, OperationClass};
use instagraph::retry::RetryPolicy;
use instagraph::{Client, ClientConfig, Error, ErrorClass, LoginFamily, Method, RawCall};
use instagraph_sandbox::{RunningSandbox, SandboxConfig, SeededAccount, spawn};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn sandbox() -> RunningSandbox {
    spawn(
        SandboxConfig::deterministic(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn account(sb: &RunningSandbox, name: &str) -> SeededAccount {
    sb.sandbox
        .accounts()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
}

fn config(sb: &RunningSandbox, name: &str) -> ClientConfig {
    let a = account(sb, name);
    let login = if name == "business" {
        LoginFamily::Facebook
    } else {
        LoginFamily::Instagram
    };
    let mut c = ClientConfig::new(login, a.access_token.clone())
        .base_url(&sb.base_url)
        .app_secret(a.app_secret.clone())
        .retry(RetryPolicy {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
            ..RetryPolicy::default()
        });
    if login == LoginFamily::Facebook {
        c = c.ig_user_id(IgUserId::parse(&a.ig_user_id).unwrap());
    }
    c
}

fn client(sb: &RunningSandbox, name: &str) -> Client {
    Client::new(config(sb, name)).unwrap()
}

fn requests(sb: &RunningSandbox) -> usize {
    sb.sandbox.requests().len()
}

/// Asserts `e` was refused before the network and its message contains every `needle`.
fn refused(e: &Error, needles: &[&str]) {
    assert!(e.is_before_network(), "not refused before the network: {e}");
    let s = e.to_string();
    for n in needles {
        assert!(s.contains(n), "{n:?} not in {s:?}");
    }
}

fn graph_code(e: &Error) -> (i64, Option<i64>) {
    (e.code(), e.subcode())
}

#[tokio::test]
async fn account_profile_both_families() {
    let sb = sandbox().await;
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let me = c.me(None).await.unwrap();
        assert!(me.followers_count.unwrap() > 0, "{name}");
        assert!(me.follows_count.is_some() && me.biography.is_some() && me.website.is_some());
        assert_eq!(me.media_count, Some(30));
        assert!(me.profile_picture_url.is_some());
        let all = instagraph::fields::all_fields(instagraph::fields::Node::User, c.login());
        let full = c.me(Some(&all)).await.unwrap();
        assert!(
            full.username.is_some(),
            "{name}: all documented fields accepted"
        );
    }
}

#[tokio::test]
async fn user_media_pages_filters_and_reads_every_documented_field() {
    let sb = sandbox().await;
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let first = c
            .user_media(&ListQuery {
                limit: Some(7),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(first.data.len(), 7);
        let after = first.next_cursor().unwrap().to_owned();
        let second = c
            .user_media(&ListQuery {
                limit: Some(7),
                after: Some(after),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert_ne!(first.data[0].id, second.data[0].id);
        let all: Vec<Media> = c
            .stream(
                c.user_media_request(&ListQuery {
                    limit: Some(10),
                    ..ListQuery::default()
                })
                .unwrap(),
            )
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 30, "{name}");
        assert!(
            all.iter().all(|m| !m.is_story()),
            "stories are not in /media"
        );
        let reel = all.iter().find(|m| m.is_reel()).unwrap();
        assert_eq!(
            reel.media_type.as_deref(),
            Some("VIDEO"),
            "reels read back as VIDEO"
        );
        // since/until: the window keeps only media inside it.
        let full = c
            .user_media(&ListQuery {
                fields: FieldSet::All,
                limit: Some(100),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        let m = &full.data[5];
        assert!(m.timestamp.is_some() && m.permalink.is_some() && m.shortcode.is_some());
        let newest = sb.sandbox.now();
        let windowed = c
            .user_media(&ListQuery {
                since: Some(newest - 3 * 86_400),
                until: Some(newest),
                limit: Some(100),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert!(
            !windowed.data.is_empty() && windowed.data.len() < 30,
            "{}",
            windowed.data.len()
        );
        let one = c.media(&reel.id, &FieldSet::All).await.unwrap();
        assert_eq!(one.media_product_type.as_deref(), Some("REELS"));
        assert!(one.like_count.is_some() && one.comments_count.is_some());
        if name == "business" {
            assert!(one.boost_eligibility_info.is_some() && one.view_count.is_some());
        }
    }
    // Refused before the network.
    let c = client(&sb, "creator");
    let before = requests(&sb);
    let e = c
        .user_media(&ListQuery {
            limit: Some(101),
            ..ListQuery::default()
        })
        .await
        .unwrap_err();
    refused(&e, &["limit", "1 to 100", "101"]);
    let e = c
        .user_media(&ListQuery {
            since: Some(10),
            until: Some(5),
            ..ListQuery::default()
        })
        .await
        .unwrap_err();
    refused(&e, &["since"]);
    let e = c
        .media(&MediaId::new("1/../x"), &FieldSet::Default)
        .await
        .unwrap_err();
    refused(&e, &["media_id"]);
    assert_eq!(requests(&sb), before);
}

#[tokio::test]
async fn carousel_children_stories_live_tags_and_product_tags() {
    let sb = sandbox().await;
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let media = c
            .user_media(&ListQuery {
                fields: FieldSet::parse("id,media_type,children{id,media_type,media_url}"),
                limit: Some(30),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        let carousel = media.data.iter().find(|m| m.is_carousel()).unwrap();
        assert_eq!(
            carousel.children.as_ref().unwrap().data.len(),
            3,
            "expanded"
        );
        let kids = c
            .media_children(&carousel.id, &FieldSet::Default)
            .await
            .unwrap();
        assert_eq!(kids.data.len(), 3);
        let stories = c.stories(&ListQuery::default()).await.unwrap();
        assert_eq!(
            stories.data.len(),
            2,
            "{name}: the expired story is not listed"
        );
        assert!(stories.data.iter().all(Media::is_story));
        let story = c
            .media(&stories.data[0].id, &FieldSet::parse("permalink"))
            .await
            .unwrap();
        assert!(story.permalink.unwrap().contains("/stories/"));
        let tagged = c.tagged_media(&ListQuery::default()).await.unwrap();
        assert_eq!(tagged.data.len(), 3);
        let live = c.live_media(&ListQuery::default()).await.unwrap();
        if name == "business" {
            assert_eq!(live.data.len(), 1);
            assert_eq!(live.data[0].kind(), "live");
            let image = media
                .data
                .iter()
                .find(|m| m.media_type.as_deref() == Some("IMAGE"))
                .unwrap();
            let tags = c.product_tags(&image.id).await.unwrap();
            assert_eq!(tags.len(), 2);
            assert_eq!(tags[0].product_id, Some(3231775643511089));
        } else {
            assert!(live.data.is_empty(), "not live: empty list");
            let before = requests(&sb);
            let e = c.product_tags(&carousel.id).await.unwrap_err();
            refused(&e, &["product tags", "Facebook Login"]);
            assert_eq!(requests(&sb), before);
        }
    }
}

#[tokio::test]
async fn comments_list_read_write_moderate_with_rules_before_the_network() {
    let sb = sandbox().await;
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let newest = c.user_media(&ListQuery::default()).await.unwrap().data[0]
            .id
            .clone();
        let q = CommentQuery {
            with_replies: true,
            ..CommentQuery::default()
        };
        let page = c.comments(&newest, &q).await.unwrap();
        assert_eq!(page.data.len(), 25);
        assert!(page.next_url().is_some());
        let all: Vec<Comment> = c
            .stream(c.comments_request(&newest, &q).unwrap())
            .try_collect()
            .await
            .unwrap();
        assert!(all.len() >= 27, "{name}: {}", all.len());
        let with_reply = all
            .iter()
            .find(|c| c.replies.as_ref().is_some_and(|r| !r.data.is_empty()))
            .unwrap();
        let reply = &with_reply.replies.as_ref().unwrap().data[0];
        assert_eq!(reply.parent_id.as_ref(), Some(&with_reply.id));
        assert!(
            all.iter().any(|c| c.hidden == Some(true)),
            "hidden stay readable"
        );
        let replies = c
            .replies(&with_reply.id, &ListQuery::default())
            .await
            .unwrap();
        assert!(!replies.data.is_empty());
        let one = c.comment(&with_reply.id, &FieldSet::All).await.unwrap();
        assert_eq!(one.media.as_ref().unwrap().id, newest.as_str());
        assert!(one.from.is_some() && one.like_count.is_some());

        // Write, reply, hide, unhide, delete.
        let count_before = c
            .media(&newest, &FieldSet::parse("comments_count"))
            .await
            .unwrap()
            .comments_count
            .unwrap();
        let created = c
            .create_comment(&newest, "Thanks everyone! #grateful")
            .await
            .unwrap();
        let created_id = CommentId::new(created.id.clone());
        let mine = c.comment(&created_id, &FieldSet::All).await.unwrap();
        assert_eq!(mine.text.as_deref(), Some("Thanks everyone! #grateful"));
        assert!(mine.user.is_some(), "own comments carry user");
        let r = c
            .reply_to_comment(&with_reply.id, "Glad you like it")
            .await
            .unwrap();
        let rid = CommentId::new(r.id);
        assert_eq!(
            c.comment(&rid, &FieldSet::parse("parent_id"))
                .await
                .unwrap()
                .parent_id,
            Some(with_reply.id.clone())
        );
        let e = c
            .reply_to_comment(&rid, "one level only")
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            100,
            "replies to replies are refused by the platform: {e}"
        );
        assert!(c.hide_comment(&created_id, true).await.unwrap().success);
        let hidden = c
            .comment(&created_id, &FieldSet::parse("hidden"))
            .await
            .unwrap();
        assert_eq!(hidden.hidden, Some(true));
        assert!(c.hide_comment(&created_id, false).await.unwrap().success);
        assert!(c.delete_comment(&created_id).await.unwrap().success);
        assert!(c.delete_comment(&rid).await.unwrap().success);
        let e = c
            .comment(&created_id, &FieldSet::Default)
            .await
            .unwrap_err();
        assert_eq!(graph_code(&e), (100, Some(33)));
        let count_after = c
            .media(&newest, &FieldSet::parse("comments_count"))
            .await
            .unwrap()
            .comments_count
            .unwrap();
        assert_eq!(
            count_after, count_before,
            "comments_count follows writes and deletes"
        );

        // Comments off, then on again.
        assert!(
            c.set_comments_enabled(&newest, false)
                .await
                .unwrap()
                .success
        );
        let e = c
            .create_comment(&newest, "anyone there?")
            .await
            .unwrap_err();
        assert_eq!(e.code(), 100, "{e}");
        assert!(e.to_string().contains("disabled"));
        assert!(c.set_comments_enabled(&newest, true).await.unwrap().success);
        let off = c
            .media(&newest, &FieldSet::parse("is_comment_enabled"))
            .await
            .unwrap();
        assert_eq!(off.is_comment_enabled, Some(true));

        // The text rules, before the network.
        let before = requests(&sb);
        for (text, needle) in [
            ("x".repeat(301), "300"),
            ("#a #b #c #d #e".to_owned(), "4 hashtags"),
            (
                "see https://a.example and www.b.example".to_owned(),
                "1 URL",
            ),
            ("BUY NOW OR NEVER".to_owned(), "not all capitals"),
            ("   ".to_owned(), "1 to 300"),
        ] {
            let e = c.create_comment(&newest, &text).await.unwrap_err();
            refused(&e, &["message", needle]);
            let e = c.reply_to_comment(&with_reply.id, &text).await.unwrap_err();
            refused(&e, &[needle]);
        }
        assert_eq!(requests(&sb), before);
    }
}

#[tokio::test]
async fn mentions_on_facebook_login_only() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    // The ids come from the mentions webhook; the sandbox's seeded ones are found through
    // business discovery of the partner (captions with @sandbox_business).
    let partner = c
        .business_discovery(
            "sandbox_partner",
            &DiscoveryQuery {
                media: true,
                media_fields: FieldSet::parse("id,caption"),
                limit: Some(100),
                ..DiscoveryQuery::default()
            },
        )
        .await
        .unwrap();
    let media = partner.media.unwrap().data;
    let mentioning = media
        .iter()
        .find(|m| {
            m.caption
                .as_deref()
                .unwrap_or("")
                .contains("@sandbox_business")
        })
        .unwrap();
    let m = c
        .mentioned_media(&mentioning.id, &FieldSet::Default)
        .await
        .unwrap();
    assert!(m.caption.unwrap().contains("@sandbox_business"));
    let r = c
        .reply_to_mention(&mentioning.id, None, "Thanks for the shout-out!")
        .await
        .unwrap();
    assert!(!r.id.is_empty());
    // A comment mention: the sandbox seeds one partner comment per account (the mentions
    // webhook would carry its id).
    let overview = sb.sandbox.engagement_overview("business").unwrap();
    let mention = &overview["mentioned_comments"][0];
    let comment_id = CommentId::new(mention["id"].as_str().unwrap());
    let on_media = MediaId::new(mention["media_id"].as_str().unwrap());
    assert_eq!(
        overview["mentioned_media"].as_array().unwrap().len(),
        media
            .iter()
            .filter(|m| m
                .caption
                .as_deref()
                .unwrap_or("")
                .contains("@sandbox_business"))
            .count()
    );
    let comment = c
        .mentioned_comment(&comment_id, &FieldSet::Default)
        .await
        .unwrap();
    assert!(comment.text.unwrap().contains("@sandbox_business"));
    let r = c
        .reply_to_mention(&on_media, Some(&comment_id), "On it!")
        .await
        .unwrap();
    assert!(!r.id.is_empty());
    let e = c
        .mentioned_media(&media.last().unwrap().id, &FieldSet::Default)
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        100,
        "a media that does not mention the account: {e}"
    );
    // Instagram Login: refused before the network.
    let ig = client(&sb, "creator");
    let before = requests(&sb);
    let e = ig
        .mentioned_media(&mentioning.id, &FieldSet::Default)
        .await
        .unwrap_err();
    refused(&e, &["Facebook Login"]);
    let e = ig
        .reply_to_mention(&mentioning.id, None, "hi")
        .await
        .unwrap_err();
    refused(&e, &["Facebook Login"]);
    assert_eq!(requests(&sb), before);
    // ...and the platform side answers the unknown-path error for an Instagram token.
    let raw = ig
        .raw(RawCall {
            method: Method::GET,
            path: "/ig_hashtag_search?q=coffee".into(),
            params: Vec::new(),
            retry_post: false,
            class: OperationClass::Other,
        })
        .await
        .unwrap_err();
    assert_eq!(raw.code(), 2500);
    for path in ["/me/recently_searched_hashtags", "/me/available_catalogs"] {
        let e = ig
            .raw(RawCall {
                method: Method::GET,
                path: path.into(),
                params: Vec::new(),
                retry_post: false,
                class: OperationClass::Other,
            })
            .await
            .unwrap_err();
        let j = e.to_json();
        assert_eq!(
            (j["code"].as_i64(), j["type"].as_str()),
            (Some(2500), Some("IGApiException")),
            "{path}: {j}"
        );
    }
}

#[tokio::test]
async fn hashtags_search_cache_budget_and_media() {
    let sb = sandbox().await;
    let mut cfg = config(&sb, "business");
    let mut budgets = BudgetConfig::default();
    budgets.budgets.insert(
        OperationClass::HashtagSearch,
        Budget {
            limit: 3,
            window_secs: 7 * 86_400,
        },
    );
    cfg = cfg.budgets(budgets);
    let sink = Arc::new(MemorySink::default());
    let c = Client::builder(cfg.clone())
        .budget_sink(sink.clone())
        .build()
        .unwrap();
    let coffee = c.hashtag_search("#Coffee").await.unwrap();
    assert_eq!(coffee.name.as_deref(), Some("coffee"));
    let before = requests(&sb);
    let again = c.hashtag_search("coffee").await.unwrap();
    assert_eq!(again.id, coffee.id, "ids are cached");
    assert_eq!(requests(&sb), before, "a cached id costs no call");
    let node = c.hashtag(&coffee.id).await.unwrap();
    assert_eq!(node.name.as_deref(), Some("coffee"));
    let top = c
        .hashtag_top_media(&coffee.id, &ListQuery::default())
        .await
        .unwrap();
    let recent = c
        .hashtag_recent_media(&coffee.id, &ListQuery::default())
        .await
        .unwrap();
    assert!(!recent.data.is_empty() && recent.data.len() < top.data.len());
    assert!(
        top.data
            .iter()
            .all(|m| m.username.is_none() && m.owner.is_none())
    );
    let e = c
        .hashtag_top_media(
            &coffee.id,
            &ListQuery {
                limit: Some(51),
                ..ListQuery::default()
            },
        )
        .await
        .unwrap_err();
    refused(&e, &["1 to 50"]);
    c.hashtag_search("travel").await.unwrap();
    c.hashtag_search("tips").await.unwrap();
    let budget = c.hashtag_budget();
    assert_eq!((budget.used, budget.limit), (3, 3));
    assert!(budget.hashtags.contains(&"coffee".to_owned()));
    let before = requests(&sb);
    let e = c.hashtag_search("studio").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::BudgetExhausted {
                limit: 3,
                window_secs: 604_800,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("hashtag-search"), "{e}");
    assert_eq!(
        requests(&sb),
        before,
        "refused before a search would exceed it"
    );
    let recent_searches = c.recently_searched_hashtags().await.unwrap();
    assert_eq!(recent_searches.len(), 3);
    // Persisted: a new client restored from the sink knows the count (and that re-searching a
    // counted tag is free, even without the cache of this process's base URL).
    let recorded = sink.records();
    assert!(
        recorded.iter().any(|(k, _)| k.ends_with("#travel")),
        "{recorded:?}"
    );
    let restored = Client::builder(cfg)
        .restore_budgets(recorded)
        .build()
        .unwrap();
    assert_eq!(restored.hashtag_budget().used, 3);
    assert!(restored.hashtag_search("studio").await.is_err());
    // Refused names and families.
    let before = requests(&sb);
    refused(
        &c.hashtag_search("☕ time").await.unwrap_err(),
        &["hashtag"],
    );
    refused(
        &client(&sb, "creator")
            .hashtag_search("coffee")
            .await
            .unwrap_err(),
        &["Facebook Login"],
    );
    assert_eq!(requests(&sb), before);
}

#[tokio::test]
async fn the_sandbox_enforces_30_unique_hashtags_per_7_days() {
    let sb = sandbox().await;
    let a = account(&sb, "business");
    let c = client(&sb, "business");
    let search = |q: String| RawCall {
        method: Method::GET,
        path: "/ig_hashtag_search".into(),
        params: vec![("user_id".into(), a.ig_user_id.clone()), ("q".into(), q)],
        retry_post: false,
        class: OperationClass::Other,
    };
    for i in 0..30 {
        c.raw(search(format!("tag{i}"))).await.unwrap();
    }
    c.raw(search("tag3".into())).await.unwrap();
    let e = c.raw(search("tag30".into())).await.unwrap_err();
    assert_eq!(e.code(), 18, "{e}");
    sb.sandbox.advance(7 * 86_400 + 1);
    c.raw(search("tag30".into())).await.unwrap();
}

#[tokio::test]
async fn business_discovery_profile_and_paged_media() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let found = c
        .business_discovery("@sandbox_partner", &DiscoveryQuery::default())
        .await
        .unwrap();
    assert_eq!(found.profile.username.as_deref(), Some("sandbox_partner"));
    assert!(found.profile.followers_count.is_some() && found.media.is_none());
    let first = c
        .business_discovery(
            "sandbox_partner",
            &DiscoveryQuery {
                media: true,
                limit: Some(15),
                ..DiscoveryQuery::default()
            },
        )
        .await
        .unwrap();
    let page = first.media.unwrap();
    assert_eq!(page.data.len(), 15);
    assert!(page.paging.unwrap().cursors.unwrap().after.is_some());
    let mut pages = 0;
    let all = c
        .business_discovery_all_media(
            "sandbox_partner",
            &DiscoveryQuery {
                limit: Some(15),
                ..DiscoveryQuery::default()
            },
            |_| pages += 1,
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 40);
    assert_eq!(pages, 3);
    let e = c
        .business_discovery("sandbox_private", &DiscoveryQuery::default())
        .await
        .unwrap_err();
    assert_eq!(graph_code(&e), (110, Some(2207013)));
    let before = requests(&sb);
    refused(
        &c.business_discovery("bad name!", &DiscoveryQuery::default())
            .await
            .unwrap_err(),
        &["username"],
    );
    refused(
        &client(&sb, "creator")
            .business_discovery("sandbox_partner", &DiscoveryQuery::default())
            .await
            .unwrap_err(),
        &["Facebook Login"],
    );
    assert_eq!(requests(&sb), before);
}

#[tokio::test]
async fn media_insights_by_product_type_with_deprecations_and_no_data() {
    let sb = sandbox().await;
    let mut expiring = Vec::new();
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let media = c
            .user_media(&ListQuery {
                limit: Some(30),
                ..ListQuery::default()
            })
            .await
            .unwrap()
            .data;
        let reel = media.iter().find(|m| m.is_reel()).unwrap();
        let feed = media.iter().find(|m| !m.is_reel()).unwrap();
        let q = |metrics: &str| MediaInsightsQuery {
            metrics: metrics.into(),
            ..MediaInsightsQuery::default()
        };
        let r = c
            .media_insights(
                &reel.id,
                &q("reach,likes,saved,shares,views,ig_reels_avg_watch_time"),
            )
            .await
            .unwrap();
        assert_eq!(r.metrics.len() + r.no_data.len(), 6);
        assert!(r.metrics.iter().all(|m| m.number().is_some()));
        let f = c
            .media_insights(
                &feed.id,
                &q("reach,saved,profile_visits,follows,total_interactions"),
            )
            .await
            .unwrap();
        assert_eq!(f.metrics.len() + f.no_data.len(), 5);
        // Deprecated metrics: refused with the replacement, nothing sent.
        let before = requests(&sb);
        for old in ["impressions", "plays", "video_views"] {
            let e = c
                .media_insights(&reel.id, &q(&format!("reach,{old}")))
                .await
                .unwrap_err();
            refused(&e, &[old, "views"]);
        }
        assert_eq!(requests(&sb), before);
        // Wrong product type: one read of the type, then refused (no insights call).
        let e = c.media_insights(&reel.id, &q("replies")).await.unwrap_err();
        refused(&e, &["REELS"]);
        assert_eq!(requests(&sb), before + 1);
        // Named product type: no extra read; the platform's own check answers code 100.
        let mut wrong = q("navigation");
        wrong.product_type = Some("STORY".into());
        let e = c.media_insights(&feed.id, &wrong).await.unwrap_err();
        assert_eq!(e.code(), 100);
        assert!(
            e.to_string()
                .contains("does not support the navigation metric"),
            "{e}"
        );
        // Breakdowns.
        let mut b = q("profile_activity");
        b.breakdown = Some("action_type".into());
        let p = c.media_insights(&feed.id, &b).await.unwrap();
        if let Some(m) = p.metric("profile_activity") {
            assert_eq!(
                m.total_value.as_ref().unwrap().breakdowns[0].dimension_keys,
                ["action_type"]
            );
        }
        // Stories: live ones have data, with the 24-hour note; expired ones have none.
        let stories = c.stories(&ListQuery::default()).await.unwrap().data;
        let s = c
            .media_insights(&stories[0].id, &q("reach,navigation,replies,views"))
            .await
            .unwrap();
        assert!(s.notes.iter().any(|n| n == STORY_NOTE));
        expiring.push((c.clone(), stories[0].id.clone()));
    }
    // A day later the stories are gone, and so are their insights: "no data", never zero.
    sb.sandbox.advance(2 * 86_400);
    for (c, story) in expiring {
        let gone = c
            .media_insights(
                &story,
                &MediaInsightsQuery {
                    metrics: "reach,replies".into(),
                    ..MediaInsightsQuery::default()
                },
            )
            .await
            .unwrap();
        assert!(gone.metrics.is_empty());
        assert_eq!(gone.no_data, ["reach", "replies"], "no data, not zero");
        let csv = gone.to_csv();
        assert!(csv.contains("reach,,,no data,"), "{csv}");
    }
    // Version rules: views needs v22.
    let old = Client::new(
        config(&sb, "business").api_version(instagraph::ApiVersion::parse("v21.0").unwrap()),
    )
    .unwrap();
    let e = old
        .media_insights(
            &MediaId::new("17000000000000001"),
            &MediaInsightsQuery {
                metrics: "views".into(),
                ..MediaInsightsQuery::default()
            },
        )
        .await
        .unwrap_err();
    refused(&e, &["v22.0"]);
}

#[tokio::test]
async fn account_insights_total_values_series_and_demographics() {
    let sb = sandbox().await;
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let r = c
            .account_insights(&AccountInsightsQuery {
                metrics: "likes,comments,views,reach".into(),
                ..AccountInsightsQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(r.metrics.len(), 4, "{name}");
        assert!(r.metrics.iter().all(|m| m.total_value.is_some()));
        let now = sb.sandbox.now();
        let series = c
            .account_insights(&AccountInsightsQuery {
                metrics: "reach,follower_count".into(),
                since: Some(now - 5 * 86_400),
                until: Some(now - 86_400),
                ..AccountInsightsQuery::default()
            })
            .await
            .unwrap();
        let reach = series.metric("reach").unwrap();
        assert!(reach.values.len() >= 4 && reach.values[0].end_time.is_some());
        assert!(series.paging.as_ref().unwrap().previous.is_some());
        let csv = series.to_csv();
        assert!(csv.starts_with("object_id,metric,period,end_time,dimensions,value\n"));
        assert!(csv.lines().count() > 8, "{csv}");
        let demo = c
            .account_insights(&AccountInsightsQuery {
                metrics: "follower_demographics".into(),
                breakdown: Some("age,gender".into()),
                timeframe: Some("this_month".into()),
                ..AccountInsightsQuery::default()
            })
            .await
            .unwrap();
        let b = &demo.metrics[0].total_value.as_ref().unwrap().breakdowns[0];
        assert_eq!(b.dimension_keys, ["age", "gender"]);
        assert_eq!(b.results.len(), 18);
        let before = requests(&sb);
        let e = c
            .account_insights(&AccountInsightsQuery {
                metrics: "impressions,reach".into(),
                ..AccountInsightsQuery::default()
            })
            .await
            .unwrap_err();
        refused(&e, &["impressions", "use views"]);
        let e = c
            .account_insights(&AccountInsightsQuery {
                metrics: "likes".into(),
                metric_type: Some("time_series".into()),
                ..AccountInsightsQuery::default()
            })
            .await
            .unwrap_err();
        refused(&e, &["total_value"]);
        assert_eq!(requests(&sb), before);
    }
    // The platform's own answers (what a raw call that skips our checks gets).
    let c = client(&sb, "business");
    let a = account(&sb, "business");
    let raw = |q: &str| RawCall {
        method: Method::GET,
        path: format!("/{}/insights?{q}", a.ig_user_id),
        params: Vec::new(),
        retry_post: false,
        class: OperationClass::Other,
    };
    let e = c
        .raw(raw("metric=impressions&period=day"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Starting from version 22"), "{e}");
    let e = c.raw(raw("metric=likes&period=day")).await.unwrap_err();
    assert!(e.to_string().contains("metric_type=total_value"), "{e}");
    assert_eq!(e.class(), ErrorClass::InvalidRequest);
}

#[tokio::test]
async fn batch_maps_results_and_keeps_per_request_errors() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let a = account(&sb, "business");
    let media = c.user_media(&ListQuery::default()).await.unwrap().data;
    let ops = vec![
        BatchOp::get(format!("{}?fields=username", a.ig_user_id)),
        BatchOp::get("999999999999?fields=id"),
        BatchOp::get(format!("{}/comments?limit=2", media[0].id)),
        BatchOp::post(
            format!("{}/comments", media[0].id),
            &[("message", "From a batch")],
        ),
    ];
    let results = c.batch(&ops).await.unwrap();
    assert_eq!(results.len(), 4);
    assert!(results[0].is_ok());
    match &results[0].outcome {
        BatchOutcome::Ok { body, .. } => assert_eq!(body["username"], "sandbox_business"),
        other => panic!("{other:?}"),
    }
    match &results[1].outcome {
        BatchOutcome::Error { error, status, .. } => {
            assert_eq!(
                (error.code, error.error_subcode, *status),
                (100, Some(33), 400)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(results[2].is_ok() && results[3].is_ok());
    assert_eq!(results[1].clone().into_result().unwrap_err().code(), 100);
    // Chaining: a failed dependency leaves its dependant not run.
    let mut first = BatchOp::get("999999999999");
    first.name = Some("gone".into());
    let mut second = BatchOp::get("{result=gone:$.id}?fields=id");
    second.depends_on = Some("gone".into());
    let chained = c.batch(&[first, second]).await.unwrap();
    assert!(matches!(chained[1].outcome, BatchOutcome::NotRun));
    // Limits and families before the network.
    let before = requests(&sb);
    let many: Vec<BatchOp> = (0..51).map(|_| BatchOp::get("me")).collect();
    refused(&c.batch(&many).await.unwrap_err(), &["1 to 50", "51"]);
    refused(&c.batch(&[]).await.unwrap_err(), &["batch"]);
    refused(
        &c.batch(&[BatchOp::get("https://evil.example/x")])
            .await
            .unwrap_err(),
        &["relative_url"],
    );
    refused(
        &client(&sb, "creator").batch(&ops).await.unwrap_err(),
        &["graph.facebook.com"],
    );
    assert_eq!(requests(&sb), before);
}

#[tokio::test]
async fn likes_are_not_offered_and_say_so() {
    let sb = sandbox().await;
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let before = requests(&sb);
        let id = MediaId::new("17000000000000001");
        let e = c.media_likers(&id).await.unwrap_err();
        assert!(matches!(e, Error::NotOffered { .. }));
        refused(&e, &["like_count", "not offered"]);
        assert!(e.fix().contains("like_count"));
        let e = c.like_media(&id).await.unwrap_err();
        refused(&e, &["like_count"]);
        assert_eq!(requests(&sb), before);
    }
}

#[tokio::test]
async fn shopping_appeals_and_catalogs() {
    let sb = sandbox().await;
    let c = client(&sb, "business");
    let appeal = c.product_appeal("4029274203846188").await.unwrap();
    assert_eq!(appeal[0].eligible_for_appeal, Some(true));
    assert!(
        c.appeal_product("4029274203846188", "It is a real product")
            .await
            .unwrap()
            .success
    );
    let e = c
        .appeal_product("4029274203846188", "again")
        .await
        .unwrap_err();
    assert_eq!(e.code(), 100);
    let cats = c.available_catalogs().await.unwrap();
    let id = cats[0].catalog_id.clone().unwrap();
    let found = c.catalog_product_search(&id, Some("gummy")).await.unwrap();
    assert_eq!(found.data.len(), 2);
    refused(&c.product_appeal("abc").await.unwrap_err(), &["product_id"]);
    refused(
        &client(&sb, "creator")
            .available_catalogs()
            .await
            .unwrap_err(),
        &["Facebook Login"],
    );
}

#[tokio::test]
async fn simulated_comments_become_readable() {
    let sb = sandbox().await;
    let c = client(&sb, "creator");
    let newest = c.user_media(&ListQuery::default()).await.unwrap().data[0]
        .id
        .clone();
    let ev = sb
        .sandbox
        .simulate_change(
            instagraph_sandbox::subscription::ChangeKind::Comment,
            "creator",
            &serde_json::json!({"text": "Simulated hello", "media_id": newest.as_str()}),
        )
        .unwrap();
    let id = CommentId::new(ev.value["id"].as_str().unwrap());
    let read = c.comment(&id, &FieldSet::All).await.unwrap();
    assert_eq!(read.text.as_deref(), Some("Simulated hello"));
}

/// A budget sink that keeps records in memory.
#[derive(Default)]
struct MemorySink {
    records: Mutex<Vec<(String, i64)>>,
}

impl MemorySink {
    fn records(&self) -> Vec<(String, i64)> {
        self.records.lock().unwrap().clone()
    }
}

impl BudgetSink for MemorySink {
    fn record<'a>(
        &'a self,
        key: &'a str,
        at_ms: i64,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        self.records.lock().unwrap().push((key.to_owned(), at_ms));
        Box::pin(async {})
    }
}

#[tokio::test]
async fn multi_id_reads_are_keyed_by_id() {
    let sb = sandbox().await;
    for name in ["business", "creator"] {
        let c = client(&sb, name);
        let media = c.user_media(&ListQuery::default()).await.unwrap().data;
        let ids: Vec<&str> = media.iter().take(3).map(|m| m.id.as_str()).collect();
        let map: std::collections::BTreeMap<String, Media> =
            c.nodes(&ids, "id,caption,media_type").await.unwrap();
        assert_eq!(map.len(), 3);
        assert!(map.values().all(|m| m.media_type.is_some()));
        let comments = c
            .comments(&media[0].id, &CommentQuery::default())
            .await
            .unwrap()
            .data;
        let cids: Vec<&str> = comments.iter().take(2).map(|c| c.id.as_str()).collect();
        let cmap: std::collections::BTreeMap<String, Comment> =
            c.nodes(&cids, "id,text,username").await.unwrap();
        assert_eq!(cmap.len(), 2);
        let e = c
            .nodes::<Media>(&[ids[0], "999999999999"], "id")
            .await
            .unwrap_err();
        assert_eq!(graph_code(&e), (100, Some(33)), "one bad id fails the call");
        let before = requests(&sb);
        let many: Vec<&str> = std::iter::repeat_n("1", 51).collect();
        refused(
            &c.nodes::<Media>(&many, "id").await.unwrap_err(),
            &["1 to 50"],
        );
        refused(
            &c.nodes::<Media>(&["me"], "id").await.unwrap_err(),
            &["numeric"],
        );
        assert_eq!(requests(&sb), before);
    }
}
