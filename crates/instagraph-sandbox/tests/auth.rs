//! Token placement, token validity, appsecret_proof and scopes.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{account, get, sandbox, send};
use instagraph_sandbox::{AuthMethod, ProofState, TokenKind, TokenSpec, appsecret_proof};
use serde_json::json;

#[tokio::test]
async fn token_in_query() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let resp = get(&r, &format!("/v25.0/me?access_token={}", biz.access_token)).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    assert!(resp.body["name"].is_string());
    let log = sb.requests();
    assert_eq!(log.last().map(|r| r.auth), Some(AuthMethod::Query));
    assert_eq!(
        log.last()
            .and_then(|r| r.query.get("access_token").cloned())
            .as_deref(),
        Some("REDACTED")
    );
}

#[tokio::test]
async fn token_in_form_body() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let req = Request::post("/v25.0/me")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "access_token={}&method=GET",
            biz.access_token
        )))
        .expect("request");
    let resp = send(&r, req).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    assert_eq!(resp.body["name"], "Sandy Owner");
    assert_eq!(sb.requests().last().map(|r| r.auth), Some(AuthMethod::Form));
}

#[tokio::test]
async fn token_in_json_body() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let req = Request::post(format!("/v25.0/{}", biz.ig_user_id))
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"access_token": biz.access_token, "method": "get", "fields": "username"})
                .to_string(),
        ))
        .expect("request");
    let resp = send(&r, req).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    assert_eq!(resp.body["username"], "sandbox_business");
    assert_eq!(sb.requests().last().map(|r| r.auth), Some(AuthMethod::Json));
}

#[tokio::test]
async fn token_in_bearer_and_oauth_headers() {
    let (sb, r) = sandbox();
    let creator = account(&sb, "creator");
    for (scheme, method) in [("Bearer", AuthMethod::Bearer), ("OAuth", AuthMethod::OAuth)] {
        let req = Request::get("/v25.0/me")
            .header(
                "authorization",
                format!("{scheme} {}", creator.access_token),
            )
            .body(Body::empty())
            .expect("request");
        let resp = send(&r, req).await;
        assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
        assert_eq!(resp.body["username"], "sandbox_creator");
        assert_eq!(sb.requests().last().map(|r| r.auth), Some(method));
    }
}

#[tokio::test]
async fn post_without_method_override_is_unsupported() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let req = Request::post("/v25.0/me")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("access_token={}", biz.access_token)))
        .expect("request");
    let resp = send(&r, req).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(100));
    assert_eq!(resp.subcode(), Some(33));
    assert!(
        resp.message()
            .starts_with("Unsupported post request. Object with ID 'me'")
    );
}

#[tokio::test]
async fn missing_token() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let resp = get(&r, &format!("/v25.0/{}?fields=username", biz.ig_user_id)).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(104));
    assert_eq!(resp.error_type(), "OAuthException");
    assert_eq!(
        resp.message(),
        "An access token is required to request this resource."
    );
    assert!(resp.body["error"]["fbtrace_id"].is_string());

    let resp = get(&r, "/v25.0/me").await;
    assert_eq!(resp.code(), Some(2500));
    assert_eq!(
        resp.message(),
        "An active access token must be used to query information about the current user."
    );
    assert_eq!(sb.requests().last().map(|r| r.auth), Some(AuthMethod::None));
}

#[tokio::test]
async fn unknown_token() {
    let (_sb, r) = sandbox();
    let resp = get(&r, "/v25.0/me?access_token=EAAnotarealtoken").await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(190));
    assert_eq!(resp.subcode(), None);
    assert_eq!(
        resp.message(),
        "Invalid OAuth access token - Cannot parse access token"
    );
    assert_eq!(
        resp.header("www-authenticate"),
        Some(
            "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token - Cannot parse access token\""
        )
    );
}

#[tokio::test]
async fn expired_token() {
    let (sb, r) = sandbox();
    let token = sb
        .mint_token(TokenSpec {
            account: "creator".into(),
            scopes: None,
            expires_in: Some(60),
            kind: TokenKind::User,
        })
        .expect("mint");
    assert_eq!(
        get(&r, &format!("/me?access_token={token}")).await.status,
        StatusCode::OK
    );
    sb.advance(90);
    let resp = get(&r, &format!("/me?access_token={token}")).await;
    assert_eq!(resp.code(), Some(190));
    assert_eq!(resp.subcode(), Some(463));
    assert_eq!(
        resp.message(),
        "Error validating access token: Session has expired on Thursday, 01-Jan-26 00:01:00 UTC. The current time is Thursday, 01-Jan-26 00:01:30 UTC."
    );
    assert!(
        resp.header("www-authenticate")
            .is_some_and(|h| h.contains("\"invalid_token\"") && h.contains("Session has expired"))
    );

    let already = sb
        .mint_token(TokenSpec {
            expires_in: Some(-5),
            ..TokenSpec::user("business")
        })
        .expect("mint");
    assert_eq!(
        get(&r, &format!("/me?access_token={already}"))
            .await
            .subcode(),
        Some(463)
    );
}

#[tokio::test]
async fn revoked_token() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    sb.revoke_token(&biz.access_token).expect("known token");
    let resp = get(&r, &format!("/me?access_token={}", biz.access_token)).await;
    assert_eq!(resp.code(), Some(190));
    assert_eq!(resp.subcode(), Some(460));
    assert!(
        resp.header("www-authenticate")
            .is_some_and(|h| h.contains("invalid_token"))
    );
    assert!(sb.revoke_token("nope").is_err());
}

#[tokio::test]
async fn appsecret_proof_valid_invalid_required() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let proof = appsecret_proof(&biz.app_secret, &biz.access_token);
    assert_eq!(proof.len(), 64);
    assert!(
        proof
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );

    let ok = get(
        &r,
        &format!(
            "/v25.0/me?access_token={}&appsecret_proof={proof}",
            biz.access_token
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let rec = sb.requests().pop().expect("recorded");
    assert_eq!(rec.appsecret_proof, ProofState::Valid);
    assert_eq!(
        rec.query.get("appsecret_proof").map(String::as_str),
        Some("REDACTED")
    );

    let bad = get(
        &r,
        &format!(
            "/v25.0/me?access_token={}&appsecret_proof={}",
            biz.access_token,
            "ab".repeat(32)
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.code(), Some(100));
    assert_eq!(bad.error_type(), "GraphMethodException");
    assert_eq!(
        bad.message(),
        "Invalid appsecret_proof provided in the API argument"
    );
    assert_eq!(
        sb.requests().pop().map(|r| r.appsecret_proof),
        Some(ProofState::Invalid)
    );

    // Not required by default; required once the app says so.
    sb.set_require_appsecret_proof(&biz.app_id, true);
    let missing = get(&r, &format!("/v25.0/me?access_token={}", biz.access_token)).await;
    assert_eq!(missing.code(), Some(100));
    assert_eq!(
        missing.message(),
        "API calls from the server require an appsecret_proof argument"
    );
    let ok = get(
        &r,
        &format!(
            "/v25.0/me?access_token={}&appsecret_proof={proof}",
            biz.access_token
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    // The other app is unaffected.
    let creator = account(&sb, "creator");
    let other = get(
        &r,
        &format!("/v25.0/me?access_token={}", creator.access_token),
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn missing_scope_is_code_10() {
    let (sb, r) = sandbox();
    let biz = account(&sb, "business");
    let token = sb
        .mint_token(TokenSpec {
            scopes: Some(vec!["pages_show_list".into()]),
            ..TokenSpec::user("business")
        })
        .expect("mint");
    let resp = get(
        &r,
        &format!("/v25.0/{}?access_token={token}", biz.ig_user_id),
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), Some(10));
    assert_eq!(resp.error_type(), "OAuthException");
    assert_eq!(
        resp.message(),
        "(#10) Application does not have permission for this action"
    );
    let media = get(
        &r,
        &format!("/v25.0/{}/media?access_token={token}", biz.ig_user_id),
    )
    .await;
    assert_eq!(media.code(), Some(10));
    // pages_show_list is enough for /me/accounts.
    let pages = get(&r, &format!("/v25.0/me/accounts?access_token={token}")).await;
    assert_eq!(pages.status, StatusCode::OK, "{:?}", pages.body);

    let ig = sb
        .mint_token(TokenSpec {
            scopes: Some(vec!["instagram_business_content_publish".into()]),
            ..TokenSpec::user("creator")
        })
        .expect("mint");
    assert_eq!(
        get(&r, &format!("/me?access_token={ig}")).await.code(),
        Some(10)
    );
}

#[tokio::test]
async fn page_token_for_instagram_account_is_refused() {
    let (sb, _r) = sandbox();
    let err = sb
        .mint_token(TokenSpec {
            kind: TokenKind::Page,
            ..TokenSpec::user("creator")
        })
        .expect_err("no pages on IG login");
    assert!(err.to_string().contains("page tokens"));
    assert!(sb.mint_token(TokenSpec::user("nobody")).is_err());
}
