//! Injected faults.

mod common;

use axum::http::StatusCode;
use common::{account, delete, get, post_json, sandbox};
use instagraph_sandbox::Fault;
use serde_json::{Value, json};

#[tokio::test]
async fn fault_fires_times_then_stops() {
    let (sb, r) = sandbox();
    let a = account(&sb, "business");
    sb.inject_fault(Fault {
        path_contains: "/media".into(),
        times: 2,
        http_status: 500,
        code: 2,
        subcode: Some(1_545_133),
        message: "An unexpected error has occurred. Please retry your request later.".into(),
        is_transient: Some(true),
        retry_after_secs: Some(30),
        ..Fault::default()
    });
    let media = format!(
        "/v25.0/{}/media?access_token={}",
        a.ig_user_id, a.access_token
    );
    // Other paths are unaffected.
    assert_eq!(
        get(
            &r,
            &format!("/v25.0/{}?access_token={}", a.ig_user_id, a.access_token)
        )
        .await
        .status,
        StatusCode::OK
    );
    for _ in 0..2 {
        let resp = get(&r, &media).await;
        assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(resp.code(), Some(2));
        assert_eq!(resp.subcode(), Some(1_545_133));
        assert_eq!(resp.body["error"]["is_transient"], true);
        assert_eq!(resp.error_type(), "OAuthException");
        assert!(resp.body["error"]["fbtrace_id"].is_string());
        assert_eq!(resp.header("retry-after"), Some("30"));
        assert!(resp.header("x-app-usage").is_some());
    }
    let resp = get(&r, &media).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.header("retry-after").is_none());
    let codes: Vec<Option<i64>> = sb.requests().iter().map(|r| r.error_code).collect();
    assert_eq!(codes, vec![None, Some(2), Some(2), None]);
}

#[tokio::test]
async fn faults_apply_after_auth_and_match_method() {
    let (sb, r) = sandbox();
    let a = account(&sb, "creator");
    sb.inject_fault(Fault {
        method: Some("post".into()),
        path_contains: "/me".into(),
        code: 9,
        ..Fault::default()
    });
    sb.inject_fault(Fault {
        path_contains: "/me".into(),
        code: 17,
        message: "(#17) User request limit reached".into(),
        estimated_time_to_regain_access_minutes: Some(12),
        ..Fault::default()
    });
    // Without a token the auth error wins and the fault is not consumed.
    assert_eq!(get(&r, "/v25.0/me").await.code(), Some(2500));
    let resp = get(&r, &format!("/v25.0/me?access_token={}", a.access_token)).await;
    assert_eq!(resp.code(), Some(17), "GET skips the POST-only fault");
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    let buc: Value =
        serde_json::from_str(resp.header("x-business-use-case-usage").expect("buc")).expect("json");
    assert_eq!(buc[&a.ig_user_id][0]["estimated_time_to_regain_access"], 12);
    let resp = get(&r, &format!("/v25.0/me?access_token={}", a.access_token)).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(sb.clear_faults(), 1, "the POST fault is still pending");
}

#[tokio::test]
async fn faults_via_control_api() {
    let (sb, r) = sandbox();
    let a = account(&sb, "business");
    let resp = post_json(
        &r,
        "/_sandbox/faults",
        json!({"path_contains": "/me", "times": 3, "code": 190, "subcode": 460,
               "message": "Error validating access token", "http_status": 400}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK);
    let pending = get(&r, "/_sandbox/faults").await;
    assert_eq!(pending.body[0]["remaining"], 3);
    let resp = get(&r, &format!("/me?access_token={}", a.access_token)).await;
    assert_eq!((resp.code(), resp.subcode()), (Some(190), Some(460)));
    let resp = delete(&r, "/_sandbox/faults").await;
    assert_eq!(resp.body["cleared"], 1);
    assert_eq!(
        get(&r, &format!("/me?access_token={}", a.access_token))
            .await
            .status,
        StatusCode::OK
    );
    let bad = post_json(&r, "/_sandbox/faults", json!({"times": "x"})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body["error"].is_string());
}
