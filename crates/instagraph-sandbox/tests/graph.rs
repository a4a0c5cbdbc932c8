//! Nodes, fields, routing errors, versions and common headers.

mod common;

use axum::http::StatusCode;
use common::{account, enc, get, sandbox};

#[tokio::test]
async fn seeded_accounts_look_real() {
    let (sb, _r) = sandbox();
    let biz = account(&sb, "business");
    let creator = account(&sb, "creator");
    for a in [&biz, &creator] {
        assert_eq!(a.ig_user_id.len(), 17);
        assert!(a.ig_user_id.starts_with("17841"));
        assert_eq!(a.app_secret.len(), 32);
        assert!(a.app_secret.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(a.access_token.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    assert!(biz.access_token.starts_with("EAA") && biz.access_token.len() >= 100);
    assert!(creator.access_token.starts_with("IGAA"));
    assert!(
        biz.page_id
            .as_deref()
            .is_some_and(|p| p.starts_with("1089"))
    );
    assert!(biz.app_scoped_id.is_none() && creator.page_id.is_none());
    let scoped = creator.app_scoped_id.clone().expect("app-scoped id");
    assert_ne!(scoped, creator.ig_user_id);
    assert_ne!(biz.app_id, creator.app_id);
    assert_eq!(biz.username, "sandbox_business");
    assert_eq!(creator.username, "sandbox_creator");
}

#[tokio::test]
async fn fb_me_defaults_and_fields() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let resp = get(&r, &format!("/v25.0/me?access_token={}", biz.access_token)).await;
    let obj = resp.body.as_object().expect("object");
    assert_eq!(obj.len(), 2);
    assert!(
        obj["id"]
            .as_str()
            .is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit()))
    );
    assert_eq!(obj["name"], "Sandy Owner");
    let resp = get(
        &r,
        &format!(
            "/v25.0/me?fields=first_name&access_token={}",
            biz.access_token
        ),
    )
    .await;
    assert_eq!(resp.body["first_name"], "Sandy");
    assert!(resp.body.get("name").is_none());
    let resp = get(
        &r,
        &format!("/v25.0/me?fields=foo&access_token={}", biz.access_token),
    )
    .await;
    assert_eq!(
        resp.message(),
        "(#100) Tried accessing nonexisting field (foo) on node type (User)"
    );
}

#[tokio::test]
async fn ig_login_me() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let resp = get(&r, &format!("/v25.0/me?access_token={}", c.access_token)).await;
    assert_eq!(resp.status, StatusCode::OK);
    let obj = resp.body.as_object().expect("object");
    assert_eq!(obj.len(), 2);
    assert_eq!(obj["id"].as_str(), c.app_scoped_id.as_deref());
    assert_eq!(obj["username"], "sandbox_creator");

    let fields = "user_id,username,name,account_type,biography,followers_count,follows_count,media_count,profile_picture_url,website";
    let resp = get(
        &r,
        &format!(
            "/v25.0/me?fields={}&access_token={}",
            enc(fields),
            c.access_token
        ),
    )
    .await;
    assert_eq!(resp.body["user_id"].as_str(), Some(c.ig_user_id.as_str()));
    assert_eq!(resp.body["account_type"], "BUSINESS");
    assert_eq!(resp.body["media_count"], 30);
    assert!(resp.body["followers_count"].as_u64().is_some());
    assert!(
        resp.body["profile_picture_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    assert_eq!(resp.body.as_object().map(|o| o.len()), Some(11));

    // ig_id is an IGUser (Facebook Login) field, not an IG-Login one.
    let resp = get(
        &r,
        &format!("/v25.0/me?fields=ig_id&access_token={}", c.access_token),
    )
    .await;
    assert_eq!(resp.code(), Some(100));
    assert!(resp.message().contains("(ig_id) on node type (IGUser)"));
}

#[tokio::test]
async fn ig_user_by_id_both_families() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let resp = get(
        &r,
        &format!(
            "/v25.0/{}?access_token={}",
            biz.ig_user_id, biz.access_token
        ),
    )
    .await;
    assert_eq!(resp.body, serde_json::json!({ "id": biz.ig_user_id }));

    let fields = "id,ig_id,username,name,biography,website,followers_count,follows_count,media_count,profile_picture_url";
    let resp = get(
        &r,
        &format!(
            "/v25.0/{}?fields={}&access_token={}",
            biz.ig_user_id,
            enc(fields),
            biz.access_token
        ),
    )
    .await;
    assert!(
        resp.body["ig_id"].is_u64(),
        "ig_id is a number: {:?}",
        resp.body
    );
    assert_eq!(resp.body["username"], "sandbox_business");
    assert_eq!(resp.body["media_count"], 30);
    assert_eq!(resp.body.as_object().map(|o| o.len()), Some(10));

    let resp = get(
        &r,
        &format!(
            "/v25.0/{}?fields=id,foo&access_token={}",
            biz.ig_user_id, biz.access_token
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(100));
    assert_eq!(resp.error_type(), "OAuthException");
    assert_eq!(
        resp.message(),
        "(#100) Tried accessing nonexisting field (foo) on node type (IGUser)"
    );

    let c = account(&sb, "creator");
    let scoped = c.app_scoped_id.clone().expect("scoped");
    for id in [&c.ig_user_id, &scoped] {
        let resp = get(
            &r,
            &format!(
                "/v25.0/{id}?fields=username,user_id&access_token={}",
                c.access_token
            ),
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
        assert_eq!(resp.body["username"], "sandbox_creator");
        assert_eq!(resp.body["user_id"].as_str(), Some(c.ig_user_id.as_str()));
    }
}

#[tokio::test]
async fn unknown_or_foreign_object_is_100_33() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let c = account(&sb, "creator");
    let expected = "Unsupported get request. Object with ID '123' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api";
    let resp = get(&r, &format!("/v25.0/123?access_token={}", biz.access_token)).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(100));
    assert_eq!(resp.subcode(), Some(33));
    assert_eq!(resp.error_type(), "GraphMethodException");
    assert_eq!(resp.message(), expected);
    assert!(
        resp.header("www-authenticate")
            .is_some_and(|h| h.contains("invalid_request"))
    );
    // Another family's account is not visible either.
    let resp = get(
        &r,
        &format!("/v25.0/{}?access_token={}", c.ig_user_id, biz.access_token),
    )
    .await;
    assert_eq!(resp.subcode(), Some(33));
    let resp = get(
        &r,
        &format!("/v25.0/{}?access_token={}", biz.ig_user_id, c.access_token),
    )
    .await;
    assert_eq!(resp.subcode(), Some(33));
}

#[tokio::test]
async fn unknown_path_errors() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    let resp = get(
        &r,
        &format!("/v25.0/me/impressions/day?access_token={}", c.access_token),
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.error_type(), "IGApiException");
    assert_eq!(resp.code(), Some(2500));
    assert_eq!(resp.message(), "Unknown path components: /impressions/day");
    // Facebook-only edge with an Instagram-Login token.
    let resp = get(
        &r,
        &format!("/v25.0/me/accounts?access_token={}", c.access_token),
    )
    .await;
    assert_eq!(resp.error_type(), "IGApiException");
    assert_eq!(resp.message(), "Unknown path components: /accounts");

    let biz = account(&sb, "business");
    let resp = get(
        &r,
        &format!("/v25.0/me/nothing?access_token={}", biz.access_token),
    )
    .await;
    assert_eq!(resp.error_type(), "OAuthException");
    assert_eq!(resp.code(), Some(2500));
}

#[tokio::test]
async fn me_accounts_and_page() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let page_id = biz.page_id.clone().expect("page");
    let resp = get(
        &r,
        &format!("/v25.0/me/accounts?access_token={}", biz.access_token),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    let pages = resp.body["data"].as_array().expect("data");
    assert_eq!(pages.len(), 1);
    let p = &pages[0];
    assert_eq!(p["id"].as_str(), Some(page_id.as_str()));
    assert_eq!(
        p["instagram_business_account"]["id"].as_str(),
        Some(biz.ig_user_id.as_str())
    );
    assert!(p["tasks"].as_array().is_some_and(|t| !t.is_empty()));
    assert!(p["category"].is_string() && p["name"].is_string());
    let page_token = p["access_token"].as_str().expect("page token").to_string();
    assert!(page_token.starts_with("EAA") && page_token != biz.access_token);
    assert!(resp.body["paging"]["cursors"]["after"].is_string());
    assert!(resp.body["paging"].get("next").is_none());

    let resp = get(
        &r,
        &format!(
            "/v25.0/me/accounts?fields={}&access_token={}",
            enc("name,instagram_business_account{id,username}"),
            biz.access_token
        ),
    )
    .await;
    let p = &resp.body["data"][0];
    assert!(p.get("access_token").is_none());
    assert_eq!(
        p["instagram_business_account"]["username"],
        "sandbox_business"
    );

    // The page token works and sees the page and its IG account.
    let resp = get(
        &r,
        &format!(
            "/v25.0/{page_id}?fields=instagram_business_account,name,id&access_token={page_token}"
        ),
    )
    .await;
    assert_eq!(resp.body["id"].as_str(), Some(page_id.as_str()));
    assert_eq!(
        resp.body["instagram_business_account"]["id"].as_str(),
        Some(biz.ig_user_id.as_str())
    );
    let resp = get(&r, &format!("/v25.0/me?access_token={page_token}")).await;
    assert_eq!(resp.body["id"].as_str(), Some(page_id.as_str()));
    let resp = get(&r, &format!("/v25.0/me/accounts?access_token={page_token}")).await;
    assert_eq!(
        resp.message(),
        "(#100) Tried accessing nonexisting field (accounts) on node type (Page)"
    );
    let resp = get(
        &r,
        &format!("/v25.0/{page_id}?fields=bogus&access_token={page_token}"),
    )
    .await;
    assert!(resp.message().ends_with("on node type (Page)"));
}

#[tokio::test]
async fn media_node_fields() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let list = get(
        &r,
        &format!(
            "/v25.0/{}/media?fields={}&limit=30&access_token={}",
            biz.ig_user_id,
            enc("id,media_type,media_product_type,caption,permalink,shortcode,timestamp,like_count,comments_count,media_url,owner,username"),
            biz.access_token
        ),
    )
    .await;
    let items = list.body["data"].as_array().expect("data").clone();
    assert_eq!(items.len(), 30);
    let mut types = std::collections::BTreeSet::new();
    let mut last_ts = String::from("9999");
    for m in &items {
        let id = m["id"].as_str().expect("id");
        assert!((17..=18).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()));
        let ts = m["timestamp"].as_str().expect("timestamp");
        assert!(ts.ends_with("+0000") && ts.len() == 24, "{ts}");
        assert!(*ts < *last_ts, "newest first");
        last_ts = ts.to_string();
        let sc = m["shortcode"].as_str().expect("shortcode");
        assert_eq!(
            m["permalink"].as_str(),
            Some(format!("https://www.instagram.com/p/{sc}/").as_str())
        );
        assert!(
            m["media_url"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://sandbox.invalid/"))
        );
        assert_eq!(m["owner"]["id"].as_str(), Some(biz.ig_user_id.as_str()));
        assert_eq!(m["username"], "sandbox_business");
        let pair = (
            m["media_type"].as_str().unwrap_or("").to_string(),
            m["media_product_type"].as_str().unwrap_or("").to_string(),
        );
        types.insert(pair);
    }
    for t in [
        ("IMAGE", "FEED"),
        ("VIDEO", "REELS"),
        ("CAROUSEL_ALBUM", "FEED"),
    ] {
        assert!(
            types.contains(&(t.0.to_string(), t.1.to_string())),
            "{t:?} in {types:?}"
        );
    }
    assert!(!types.iter().any(|(t, _)| t == "REELS"));

    let id = items[1]["id"].as_str().expect("id");
    let resp = get(
        &r,
        &format!("/v25.0/{id}?access_token={}", biz.access_token),
    )
    .await;
    assert_eq!(resp.body, serde_json::json!({ "id": id }));
    let resp = get(
        &r,
        &format!(
            "/v25.0/{id}?fields=caption,thumbnail_url,owner{{username}}&access_token={}",
            biz.access_token
        ),
    )
    .await;
    assert_eq!(resp.body["caption"], items[1]["caption"]);
    assert_eq!(resp.body["owner"]["username"], "sandbox_business");
    let resp = get(
        &r,
        &format!("/v25.0/{id}?fields=nope&access_token={}", biz.access_token),
    )
    .await;
    assert_eq!(
        resp.message(),
        "(#100) Tried accessing nonexisting field (nope) on node type (IGMedia)"
    );
    // The creator cannot read the business account's media.
    let c = account(&sb, "creator");
    let resp = get(&r, &format!("/v25.0/{id}?access_token={}", c.access_token)).await;
    assert_eq!(resp.subcode(), Some(33));
}

#[tokio::test]
async fn versions_and_common_headers() {
    let (sb, r) = sandbox();
    let c = account(&sb, "creator");
    for (path, version) in [
        ("/v25.0/me", "v25.0"),
        ("/v19.0/me", "v19.0"),
        ("/v22.0/me", "v22.0"),
        ("/me", "v25.0"),
    ] {
        let resp = get(&r, &format!("{path}?access_token={}", c.access_token)).await;
        assert_eq!(resp.status, StatusCode::OK, "{path}");
        assert_eq!(resp.header("facebook-api-version"), Some(version), "{path}");
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert!(resp.header("x-fb-trace-id").is_some_and(|t| t.len() > 8));
        assert!(resp.header("x-app-usage").is_some());
    }
    // Errors carry them too, and fbtrace_id matches the header.
    let resp = get(&r, "/v21.0/me").await;
    assert_eq!(resp.header("facebook-api-version"), Some("v21.0"));
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(
        resp.body["error"]["fbtrace_id"].as_str(),
        resp.header("x-fb-trace-id")
    );
    assert!(resp.header("x-app-usage").is_some());
    // suppress_http_code=1 keeps the error body but answers 200.
    let resp = get(&r, "/v25.0/me?suppress_http_code=1").await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.code(), Some(2500));
}
