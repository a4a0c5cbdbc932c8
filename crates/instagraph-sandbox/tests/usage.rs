//! Usage headers and throttling (codes 4 and 80002).

mod common;

use axum::http::StatusCode;
use common::{account, get, post_json, sandbox_with};
use instagraph_sandbox::SandboxConfig;
use serde_json::{Value, json};

fn app_calls(h: Option<&str>) -> u64 {
    let v: Value = serde_json::from_str(h.expect("X-App-Usage")).expect("JSON");
    assert!(v["total_cputime"].is_u64() && v["total_time"].is_u64());
    v["call_count"].as_u64().expect("call_count")
}

fn buc(h: Option<&str>, ig: &str) -> (u64, u64) {
    let v: Value = serde_json::from_str(h.expect("X-Business-Use-Case-Usage")).expect("JSON");
    let e = &v[ig][0];
    assert_eq!(e["type"], "instagram");
    assert!(e["total_cputime"].is_u64() && e["total_time"].is_u64());
    (
        e["call_count"].as_u64().expect("call_count"),
        e["estimated_time_to_regain_access"]
            .as_u64()
            .expect("regain"),
    )
}

#[tokio::test]
async fn usage_headers_increase() {
    let config = SandboxConfig {
        app_budget_per_hour: 10,
        buc_budget_per_day: 20,
        ..SandboxConfig::deterministic()
    };
    let (sb, r) = sandbox_with(config);
    let a = account(&sb, "business");
    let url = format!("/v25.0/{}?access_token={}", a.ig_user_id, a.access_token);
    let mut last = (0, 0);
    for i in 1..=3u64 {
        let resp = get(&r, &url).await;
        assert_eq!(resp.status, StatusCode::OK);
        let app = app_calls(resp.header("x-app-usage"));
        let (ig, regain) = buc(resp.header("x-business-use-case-usage"), &a.ig_user_id);
        assert_eq!(app, i * 10);
        assert_eq!(ig, i * 5);
        assert_eq!(regain, 0);
        assert!(app > last.0 && ig > last.1);
        last = (app, ig);
    }
    // /me on a Facebook user is not an IG-account call: no BUC header.
    let resp = get(&r, &format!("/v25.0/me?access_token={}", a.access_token)).await;
    assert!(resp.header("x-business-use-case-usage").is_none());
    assert_eq!(app_calls(resp.header("x-app-usage")), 40);
}

#[tokio::test]
async fn app_limit_code_4_and_recovery() {
    let config = SandboxConfig {
        app_budget_per_hour: 3,
        ..SandboxConfig::deterministic()
    };
    let (sb, r) = sandbox_with(config);
    let a = account(&sb, "business");
    let url = format!("/v25.0/me?access_token={}", a.access_token);
    for _ in 0..3 {
        assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    }
    let resp = get(&r, &url).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(4));
    assert_eq!(resp.message(), "(#4) Application request limit reached");
    assert_eq!(resp.body["error"]["is_transient"], true);
    assert_eq!(app_calls(resp.header("x-app-usage")), 100);
    // The other app has its own budget.
    let c = account(&sb, "creator");
    assert_eq!(
        get(&r, &format!("/v25.0/me?access_token={}", c.access_token))
            .await
            .status,
        StatusCode::OK
    );
    sb.advance(3599);
    assert_eq!(get(&r, &url).await.code(), Some(4));
    sb.advance(1);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
}

#[tokio::test]
async fn buc_limit_code_80002_and_recovery() {
    let config = SandboxConfig {
        buc_budget_per_day: 2,
        ..SandboxConfig::deterministic()
    };
    let (sb, r) = sandbox_with(config);
    let c = account(&sb, "creator");
    let url = format!("/v25.0/me/media?access_token={}", c.access_token);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    sb.advance(600);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    let resp = get(&r, &url).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(80002));
    assert_eq!(
        resp.message(),
        "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again."
    );
    assert_eq!(resp.body["error"]["is_transient"], true);
    let (pct, regain) = buc(resp.header("x-business-use-case-usage"), &c.ig_user_id);
    assert_eq!(pct, 100);
    assert_eq!(regain, (86_400 - 600) / 60);
    // The oldest call leaves the window after 24 h.
    sb.advance(86_400 - 600);
    let resp = get(&r, &url).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
}

#[tokio::test]
async fn budgets_change_at_run_time() {
    let (sb, r) = sandbox_with(SandboxConfig::deterministic());
    let resp = post_json(&r, "/_sandbox/budgets", json!({ "app_budget_per_hour": 1 })).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.body["app_budget_per_hour"], 1);
    assert_eq!(resp.body["buc_budget_per_day"], 4800);
    let a = account(&sb, "business");
    let url = format!("/v25.0/me?access_token={}", a.access_token);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    assert_eq!(get(&r, &url).await.code(), Some(4));
    let resp = post_json(
        &r,
        "/_sandbox/budgets",
        json!({ "app_budget_per_hour": 100 }),
    )
    .await;
    assert_eq!(resp.body["app_budget_per_hour"], 100);
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
}
