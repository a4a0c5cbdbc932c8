//! Control API, determinism and the HTTP server.

mod common;

use axum::http::StatusCode;
use common::{account, delete, get, post_json, sandbox};
use instagraph_sandbox::{Sandbox, SandboxConfig, SeededAccount, spawn};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn accounts_endpoint_includes_tokens() {
    let (sb, r) = sandbox();
    let resp = get(&r, "/_sandbox/accounts").await;
    assert_eq!(resp.status, StatusCode::OK);
    let listed: Vec<SeededAccount> = serde_json::from_value(resp.body.clone()).expect("accounts");
    assert_eq!(listed, sb.accounts());
    assert_eq!(resp.body[0]["login"], "facebook");
    assert_eq!(resp.body[1]["login"], "instagram");
    assert!(
        resp.body[0]["access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("EAA"))
    );
}

#[tokio::test]
async fn clock_endpoints() {
    let (sb, r) = sandbox();
    let resp = get(&r, "/_sandbox/clock").await;
    assert_eq!(resp.body["now"], 1_767_225_600);
    assert_eq!(resp.body["iso"], "2026-01-01T00:00:00+0000");
    assert_eq!(resp.body["frozen"], true);
    let resp = post_json(&r, "/_sandbox/clock/advance", json!({"seconds": 3600})).await;
    assert_eq!(resp.body["now"], 1_767_229_200);
    assert_eq!(sb.now(), 1_767_229_200);
    let resp = post_json(&r, "/_sandbox/clock/advance", json!({"seconds": -1})).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.body["error"].is_string());
    let resp = post_json(&r, "/_sandbox/clock/advance", json!({})).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn requests_endpoints() {
    let (sb, r) = sandbox();
    let a = account(&sb, "business");
    get(
        &r,
        &format!("/v25.0/me?fields=name&access_token={}", a.access_token),
    )
    .await;
    get(&r, "/_sandbox/clock").await;
    let resp = get(&r, "/_sandbox/requests").await;
    let list = resp.body.as_array().expect("list");
    assert_eq!(list.len(), 1, "control calls are not recorded");
    assert_eq!(list[0]["path"], "/v25.0/me");
    assert_eq!(list[0]["method"], "GET");
    assert_eq!(list[0]["auth"], "query");
    assert_eq!(list[0]["appsecret_proof"], "absent");
    assert_eq!(list[0]["status"], 200);
    assert_eq!(list[0]["query"]["access_token"], "REDACTED");
    assert_eq!(list[0]["query"]["fields"], "name");
    assert!(!resp.body.to_string().contains(&a.access_token));
    let resp = delete(&r, "/_sandbox/requests").await;
    assert_eq!(resp.body["cleared"], 1);
    assert!(sb.requests().is_empty());
}

#[tokio::test]
async fn tokens_endpoint() {
    let (sb, r) = sandbox();
    let resp = post_json(
        &r,
        "/_sandbox/tokens",
        json!({"account": "business", "kind": "page"}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK);
    let page_token = resp.body["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let me = get(&r, &format!("/me?access_token={page_token}")).await;
    assert_eq!(
        me.body["id"].as_str(),
        account(&sb, "business").page_id.as_deref()
    );

    let resp = post_json(
        &r,
        "/_sandbox/tokens",
        json!({"account": "creator", "expires_in": 10, "scopes": ["instagram_business_basic"]}),
    )
    .await;
    let t = resp.body["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    assert!(t.starts_with("IGAA"));
    assert_eq!(
        get(&r, &format!("/me?access_token={t}")).await.status,
        StatusCode::OK
    );
    post_json(&r, "/_sandbox/clock/advance", json!({"seconds": 10})).await;
    assert_eq!(
        get(&r, &format!("/me?access_token={t}")).await.subcode(),
        Some(463)
    );

    let resp = post_json(&r, "/_sandbox/tokens", json!({"account": "nobody"})).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let resp = post_json(
        &r,
        "/_sandbox/tokens",
        json!({"account": "creator", "kind": "page"}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);

    let biz = account(&sb, "business");
    let resp = post_json(
        &r,
        "/_sandbox/tokens/revoke",
        json!({"access_token": biz.access_token}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(
        get(&r, &format!("/me?access_token={}", biz.access_token))
            .await
            .subcode(),
        Some(460)
    );
}

#[tokio::test]
async fn apps_endpoint() {
    let (sb, r) = sandbox();
    let a = account(&sb, "creator");
    let resp = post_json(
        &r,
        &format!("/_sandbox/apps/{}", a.app_id),
        json!({"require_appsecret_proof": true}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK);
    let resp = get(&r, &format!("/me?access_token={}", a.access_token)).await;
    assert_eq!(
        resp.message(),
        "API calls from the server require an appsecret_proof argument"
    );
    let resp = post_json(
        &r,
        "/_sandbox/apps/42",
        json!({"require_appsecret_proof": true}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(resp.body["error"].is_string());
}

#[tokio::test]
async fn reset_and_unknown_control_paths() {
    let (sb, r) = sandbox();
    let before = sb.accounts();
    let extra = sb
        .mint_token(instagraph_sandbox::TokenSpec::user("business"))
        .expect("mint");
    sb.advance(100);
    get(&r, &format!("/me?access_token={extra}")).await;
    let resp = post_json(&r, "/_sandbox/reset", json!({})).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(sb.accounts(), before);
    assert_eq!(sb.now(), 1_767_225_600);
    assert!(sb.requests().is_empty());
    assert_eq!(
        get(&r, &format!("/me?access_token={extra}")).await.code(),
        Some(190)
    );

    let resp = get(&r, "/_sandbox/nope").await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(resp.body["error"].is_string());
    let resp = delete(&r, "/_sandbox/clock").await;
    assert_eq!(resp.status, StatusCode::METHOD_NOT_ALLOWED);
    // Never under a version path.
    let a = account(&sb, "business");
    let resp = get(
        &r,
        &format!("/v25.0/_sandbox/accounts?access_token={}", a.access_token),
    )
    .await;
    assert_eq!(resp.subcode(), Some(33));
}

#[tokio::test]
async fn deterministic_sandboxes_are_identical() {
    let a = Sandbox::new(SandboxConfig::deterministic());
    let b = Sandbox::new(SandboxConfig::deterministic());
    assert_eq!(a.accounts(), b.accounts());
    let other = Sandbox::new(SandboxConfig {
        seed: 7,
        ..SandboxConfig::deterministic()
    });
    assert_ne!(a.accounts(), other.accounts());

    let (ra, rb) = (a.router(), b.router());
    let acc = a.accounts();
    let mut paths = Vec::new();
    for s in &acc {
        paths.push(format!("/v25.0/me?access_token={}", s.access_token));
        paths.push(format!(
            "/v25.0/{}/media?fields=id,caption,timestamp,like_count&limit=7&access_token={}",
            s.ig_user_id, s.access_token
        ));
        paths.push(format!(
            "/v25.0/{}?fields=foo&access_token={}",
            s.ig_user_id, s.access_token
        ));
    }
    for p in &paths {
        let (x, y) = (get(&ra, p).await, get(&rb, p).await);
        assert_eq!(x.status, y.status, "{p}");
        assert_eq!(x.body, y.body, "{p}");
        assert_eq!(x.headers, y.headers, "{p}");
    }
    assert_eq!(
        a.mint_token(instagraph_sandbox::TokenSpec::user("creator"))
            .expect("mint"),
        b.mint_token(instagraph_sandbox::TokenSpec::user("creator"))
            .expect("mint")
    );
}

#[tokio::test]
async fn debug_output_hides_secrets() {
    let (sb, _r) = sandbox();
    for a in sb.accounts() {
        let dbg = format!("{a:?}");
        assert!(!dbg.contains(&a.access_token));
        assert!(!dbg.contains(&a.app_secret));
        assert!(dbg.contains(&a.ig_user_id));
    }
}

#[tokio::test]
async fn spawn_serves_real_http() {
    let running = spawn(
        SandboxConfig::deterministic(),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("bind");
    assert!(running.base_url.starts_with("http://127.0.0.1:"));
    assert_ne!(running.local_addr().port(), 0);
    let token = running.sandbox.accounts()[1].access_token.clone();
    let host = running.base_url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(running.local_addr())
        .await
        .expect("connect");
    let req = format!(
        "GET /v25.0/me/media?limit=2&access_token={token} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.expect("read");
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(
        raw.to_ascii_lowercase()
            .contains("facebook-api-version: v25.0")
    );
    assert!(
        raw.contains(&format!("\"next\":\"{}/v25.0/me/media?", running.base_url)),
        "{raw}"
    );
    assert_eq!(running.sandbox.requests().len(), 1);
    let addr = running.local_addr();
    running.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "server stopped"
    );
}

#[tokio::test]
async fn default_config_uses_the_real_clock() {
    let sb = Sandbox::new(SandboxConfig::default());
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    assert!((sb.now() - wall).abs() <= 5);
    sb.advance(1000);
    assert!(sb.now() - wall >= 995);
    let d = SandboxConfig::default();
    assert_eq!(
        (d.seed, d.app_budget_per_hour, d.buc_budget_per_day),
        (42, 2000, 4800)
    );
}

#[tokio::test]
async fn huge_clock_jumps_do_not_panic() {
    let (sb, r) = sandbox();
    let a = account(&sb, "business");
    let url = format!(
        "/v25.0/{}/media?access_token={}",
        a.ig_user_id, a.access_token
    );
    assert_eq!(get(&r, &url).await.status, StatusCode::OK);
    let resp = post_json(&r, "/_sandbox/clock/advance", json!({"seconds": i64::MAX})).await;
    assert_eq!(resp.status, StatusCode::OK);
    // Every token has expired by now; the answer is a clean 190/463.
    let resp = get(&r, &url).await;
    assert_eq!(resp.subcode(), Some(463));
    let resp = post_json(
        &r,
        "/_sandbox/tokens",
        json!({"account": "creator", "expires_in": i64::MIN}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK);
}
