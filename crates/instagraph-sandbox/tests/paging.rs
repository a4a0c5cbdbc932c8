//! Cursor pagination over the seeded media.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::{account, get, sandbox};

/// Turns an absolute `next`/`previous` URL into a path+query the router accepts.
fn path_of(url: &str) -> String {
    let rest = url
        .strip_prefix("http://graph.sandbox.test")
        .expect("same host");
    rest.to_string()
}

#[tokio::test]
async fn walk_all_media_with_limit_7() {
    let (sb, r) = sandbox();
    for name in ["business", "creator"] {
        let a = account(&sb, name);
        let mut url = format!(
            "/v25.0/{}/media?fields=id,timestamp&limit=7&access_token={}",
            a.ig_user_id, a.access_token
        );
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let resp = get(&r, &url).await;
            assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
            pages += 1;
            let data = resp.body["data"].as_array().expect("data");
            assert!(data.len() <= 7);
            seen.extend(
                data.iter()
                    .map(|m| m["id"].as_str().unwrap_or("").to_string()),
            );
            let paging = &resp.body["paging"];
            let before = paging["cursors"]["before"].as_str().expect("before cursor");
            let after = paging["cursors"]["after"].as_str().expect("after cursor");
            assert!(before.parse::<u64>().is_err() && after.parse::<u64>().is_err());
            if pages == 1 {
                assert!(
                    paging.get("previous").is_none(),
                    "no previous on the first page"
                );
            } else {
                assert!(paging["previous"].is_string());
            }
            match paging["next"].as_str() {
                Some(next) => {
                    assert!(next.starts_with(&format!(
                        "http://graph.sandbox.test/v25.0/{}/media?",
                        a.ig_user_id
                    )));
                    assert!(next.contains(&format!("access_token={}", a.access_token)));
                    assert!(next.contains("fields=id%2Ctimestamp"));
                    assert!(next.contains("limit=7"));
                    url = path_of(next);
                }
                None => break,
            }
        }
        assert_eq!(pages, 5);
        assert_eq!(seen.len(), 30, "no gaps");
        assert_eq!(
            seen.iter().collect::<BTreeSet<_>>().len(),
            30,
            "no duplicates"
        );

        // Same order as a single big page.
        let all = get(
            &r,
            &format!(
                "/v25.0/{}/media?limit=100&access_token={}",
                a.ig_user_id, a.access_token
            ),
        )
        .await;
        let ids: Vec<String> = all.body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|m| m["id"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(ids, seen);
        assert!(all.body["paging"].get("next").is_none());
    }
}

#[tokio::test]
async fn walk_backwards_with_previous() {
    let (sb, r) = sandbox();
    let a = account(&sb, "business");
    let first = get(
        &r,
        &format!(
            "/v25.0/{}/media?limit=7&access_token={}",
            a.ig_user_id, a.access_token
        ),
    )
    .await;
    let second = get(
        &r,
        &path_of(first.body["paging"]["next"].as_str().expect("next")),
    )
    .await;
    let back = get(
        &r,
        &path_of(
            second.body["paging"]["previous"]
                .as_str()
                .expect("previous"),
        ),
    )
    .await;
    assert_eq!(back.body["data"], first.body["data"]);
    assert!(back.body["paging"].get("previous").is_none());
}

#[tokio::test]
async fn default_and_max_limit() {
    let (sb, r) = sandbox();
    let a = account(&sb, "creator");
    let resp = get(
        &r,
        &format!("/v25.0/me/media?access_token={}", a.access_token),
    )
    .await;
    assert_eq!(resp.body["data"].as_array().map(Vec::len), Some(25));
    assert_eq!(
        resp.body["data"][0].as_object().map(|o| o.len()),
        Some(1),
        "default field id"
    );
    let resp = get(
        &r,
        &format!("/v25.0/me/media?limit=101&access_token={}", a.access_token),
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(100));
    let resp = get(
        &r,
        &format!("/v25.0/me/media?limit=abc&access_token={}", a.access_token),
    )
    .await;
    assert_eq!(resp.code(), Some(100));
}

#[tokio::test]
async fn garbage_cursor_is_rejected() {
    let (sb, r) = sandbox();
    let a = account(&sb, "business");
    for cursor in ["garbage", "MTIz", "c2J4MToxOjAw"] {
        let resp = get(
            &r,
            &format!(
                "/v25.0/{}/media?after={cursor}&access_token={}",
                a.ig_user_id, a.access_token
            ),
        )
        .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{cursor}");
        assert_eq!(resp.code(), Some(100));
        assert!(resp.message().contains("Invalid cursor"));
    }
    // A cursor from another edge does not work here either.
    let c = account(&sb, "creator");
    let other = get(
        &r,
        &format!("/v25.0/me/media?limit=2&access_token={}", c.access_token),
    )
    .await;
    let after = other.body["paging"]["cursors"]["after"]
        .as_str()
        .expect("after");
    let resp = get(
        &r,
        &format!(
            "/v25.0/{}/media?after={after}&access_token={}",
            a.ig_user_id, a.access_token
        ),
    )
    .await;
    assert_eq!(resp.code(), Some(100));
}

#[tokio::test]
async fn token_outside_query_stays_out_of_next() {
    let (sb, r) = sandbox();
    let a = account(&sb, "creator");
    let req = axum::http::Request::get("/v25.0/me/media?limit=10")
        .header("host", "127.0.0.1:9999")
        .header("authorization", format!("Bearer {}", a.access_token))
        .body(axum::body::Body::empty())
        .expect("request");
    let resp = common::send(&r, req).await;
    let next = resp.body["paging"]["next"].as_str().expect("next");
    assert!(
        next.starts_with("http://127.0.0.1:9999/v25.0/me/media?limit=10&after="),
        "{next}"
    );
    assert!(!next.contains("access_token"));
}
