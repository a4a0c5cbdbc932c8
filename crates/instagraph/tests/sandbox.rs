//! The client against the sandbox over loopback: both families, auth, appsecret_proof, error
//! classes, retries, usage headers, pagination, budgets, and secrets kept out of output.

use futures_util::TryStreamExt;
use instagraph::ids::IgUserId;
use instagraph::ratelimit::{Budget, BudgetConfig, OperationClass};
use instagraph::retry::RetryPolicy;
use instagraph::{Client, ClientConfig, Error, ErrorClass, LoginFamily, Method, RawCall, Request};
use instagraph_sandbox::{
    AuthMethod, Fault, ProofState, RunningSandbox, SandboxConfig, SeededAccount, TokenSpec, spawn,
};
use std::time::Duration;

async fn sandbox() -> RunningSandbox {
    spawn(
        SandboxConfig::deterministic(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn account(sb: &RunningSandbox, login: LoginFamily) -> SeededAccount {
    let want = match login {
        LoginFamily::Facebook => "facebook",
        LoginFamily::Instagram => "instagram",
    };
    sb.sandbox
        .accounts()
        .into_iter()
        .find(|a| serde_json::to_value(a.login).unwrap() == want)
        .expect("seeded account of that family")
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(4),
        ..RetryPolicy::default()
    }
}

fn client_for(sb: &RunningSandbox, a: &SeededAccount, login: LoginFamily) -> ClientConfig {
    ClientConfig::new(login, a.access_token.clone())
        .base_url(&sb.base_url)
        .retry(fast_retries())
}

#[tokio::test]
async fn me_on_instagram_login_uses_bearer_and_returns_both_ids() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let client = Client::new(client_for(&sb, &a, LoginFamily::Instagram)).unwrap();
    let me = client.me(None).await.unwrap();
    assert_eq!(me.username.as_deref(), Some(a.username.as_str()));
    assert_eq!(
        me.user_id.as_ref().map(|i| i.as_str()),
        Some(a.ig_user_id.as_str())
    );
    assert_eq!(me.id.as_deref(), a.app_scoped_id.as_deref());
    assert_eq!(me.ig_user_id().unwrap().as_str(), a.ig_user_id);
    let reqs = sb.sandbox.requests();
    let last = reqs.last().unwrap();
    assert_eq!(last.path, "/v25.0/me");
    assert_eq!(last.auth, AuthMethod::Bearer);
    assert_eq!(last.appsecret_proof, ProofState::Absent);
    assert!(
        !last.query.contains_key("access_token"),
        "the token travels in the header only"
    );
}

#[tokio::test]
async fn me_on_facebook_login_by_id_and_by_discovery() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Facebook);
    let by_id = Client::new(
        client_for(&sb, &a, LoginFamily::Facebook)
            .ig_user_id(IgUserId::parse(&a.ig_user_id).unwrap()),
    )
    .unwrap();
    let me = by_id.me(None).await.unwrap();
    assert_eq!(me.id.as_deref(), Some(a.ig_user_id.as_str()));
    assert_eq!(me.username.as_deref(), Some(a.username.as_str()));
    assert!(me.followers_count.is_some());

    let discover = Client::new(client_for(&sb, &a, LoginFamily::Facebook)).unwrap();
    let me2 = discover.me(Some("id,username")).await.unwrap();
    assert_eq!(me2.id, me.id);
    let paths: Vec<String> = sb
        .sandbox
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(paths.iter().any(|p| p == "/v25.0/me/accounts"), "{paths:?}");
}

#[tokio::test]
async fn appsecret_proof_is_sent_and_enforced() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    sb.sandbox.set_require_appsecret_proof(&a.app_id, true);

    let without = Client::new(client_for(&sb, &a, LoginFamily::Instagram)).unwrap();
    let err = without.me(None).await.unwrap_err();
    assert_eq!(
        (err.code(), err.class()),
        (100, ErrorClass::InvalidRequest),
        "{err}"
    );

    let with =
        Client::new(client_for(&sb, &a, LoginFamily::Instagram).app_secret(a.app_secret.clone()))
            .unwrap();
    assert!(with.uses_appsecret_proof());
    with.me(None).await.unwrap();
    assert_eq!(
        sb.sandbox.requests().last().unwrap().appsecret_proof,
        ProofState::Valid
    );

    let wrong =
        Client::new(client_for(&sb, &a, LoginFamily::Instagram).app_secret("not-the-secret"))
            .unwrap();
    let err = wrong.me(None).await.unwrap_err();
    assert_eq!(err.code(), 100);
    assert_eq!(
        sb.sandbox.requests().last().unwrap().appsecret_proof,
        ProofState::Invalid
    );
}

#[tokio::test]
async fn expired_token_is_reauth_with_a_fix_and_is_not_retried() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let mut spec = TokenSpec::user(a.name.clone());
    spec.expires_in = Some(-60);
    let expired = sb.sandbox.mint_token(spec).unwrap();
    let client = Client::new(
        ClientConfig::new(LoginFamily::Instagram, expired.clone())
            .base_url(&sb.base_url)
            .retry(fast_retries()),
    )
    .unwrap();
    let before = sb.sandbox.requests().len();
    let err = client.me(None).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::ReAuth);
    assert_eq!((err.code(), err.subcode()), (190, Some(463)));
    assert!(err.fix().contains("expired"), "{}", err.fix());
    assert_eq!(
        sb.sandbox.requests().len(),
        before + 1,
        "re-auth errors are not retried"
    );
    let shown = format!("{err} {err:?} {} {client:?}", err.to_json());
    assert!(
        !shown.contains(&expired),
        "the token never appears in errors or Debug"
    );
}

#[tokio::test]
async fn missing_scope_is_a_permission_error() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let mut spec = TokenSpec::user(a.name.clone());
    spec.scopes = Some(vec!["instagram_business_manage_messages".into()]);
    let token = sb.sandbox.mint_token(spec).unwrap();
    let client =
        Client::new(ClientConfig::new(LoginFamily::Instagram, token).base_url(&sb.base_url))
            .unwrap();
    let err = client.me(None).await.unwrap_err();
    assert_eq!(
        (err.class(), err.code()),
        (ErrorClass::Permission, 10),
        "{err}"
    );
}

#[tokio::test]
async fn retryable_errors_are_retried_for_gets_but_never_for_posts() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let client = Client::new(client_for(&sb, &a, LoginFamily::Instagram)).unwrap();
    sb.sandbox.inject_fault(Fault {
        path_contains: "/me".into(),
        times: 2,
        code: 2,
        message: "Service temporarily unavailable".into(),
        is_transient: Some(true),
        http_status: 503,
        ..Fault::default()
    });
    let before = sb.sandbox.requests().len();
    client.me(None).await.unwrap();
    assert_eq!(
        sb.sandbox.requests().len(),
        before + 3,
        "two failures, then success"
    );

    sb.sandbox.inject_fault(Fault {
        path_contains: "/me".into(),
        times: 1,
        code: 2,
        method: Some("POST".into()),
        ..Fault::default()
    });
    let before = sb.sandbox.requests().len();
    let call = RawCall {
        method: Method::POST,
        path: "/me".into(),
        params: vec![("x".into(), "1".into())],
        retry_post: false,
        class: OperationClass::Other,
    };
    let err = client.raw(call).await.unwrap_err();
    assert_eq!(err.code(), 2);
    assert_eq!(
        sb.sandbox.requests().len(),
        before + 1,
        "a POST is not retried blindly"
    );
}

#[tokio::test]
async fn retries_stop_after_five_and_long_retry_after_fails_fast() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let client = Client::new(client_for(&sb, &a, LoginFamily::Instagram)).unwrap();
    sb.sandbox.inject_fault(Fault {
        path_contains: "/me".into(),
        times: 100,
        code: 1,
        is_transient: Some(true),
        ..Fault::default()
    });
    let before = sb.sandbox.requests().len();
    assert!(client.me(None).await.is_err());
    assert_eq!(
        sb.sandbox.requests().len(),
        before + 6,
        "1 attempt + 5 retries"
    );
    sb.sandbox.clear_faults();

    sb.sandbox.inject_fault(Fault {
        path_contains: "/me".into(),
        times: 1,
        code: 613,
        message: "Calls to this api have exceeded the rate limit.".into(),
        retry_after_secs: Some(86_400),
        ..Fault::default()
    });
    let before = sb.sandbox.requests().len();
    let err = client.me(None).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::RateLimited);
    assert_eq!(
        sb.sandbox.requests().len(),
        before + 1,
        "a day-long Retry-After is not waited out"
    );
}

#[tokio::test]
async fn usage_headers_are_exposed_and_throttling_is_classified() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Facebook);
    let client = Client::new(
        client_for(&sb, &a, LoginFamily::Facebook)
            .ig_user_id(IgUserId::parse(&a.ig_user_id).unwrap())
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    client.me(None).await.unwrap();
    let usage = client.last_usage();
    assert!(usage.app.is_some(), "X-App-Usage parsed");
    let buc = usage
        .business
        .get(&a.ig_user_id)
        .expect("BUC entry for the account");
    assert_eq!(buc[0].use_case, "instagram");

    // Pacing on: once the headers say the account's budget is spent, the client stops sending.
    sb.sandbox.set_budgets(None, Some(3));
    let mut refused = None;
    for _ in 0..5 {
        if let Err(e) = client.me(Some("id")).await {
            refused = Some(e);
            break;
        }
    }
    let err = refused.expect("the BUC budget runs out");
    assert!(
        matches!(err, Error::Throttled { .. }),
        "refused locally before a platform error: {err}"
    );
    assert_eq!(err.class(), ErrorClass::RateLimited);
    assert!(
        sb.sandbox
            .requests()
            .iter()
            .all(|r| r.error_code != Some(80002)),
        "no 80002 was collected: the client slowed down before the limit"
    );

    // Pacing off: the platform's own throttling error comes back, classified.
    let mut budgets = BudgetConfig::default();
    budgets.pacing.enabled = false;
    let unpaced = Client::new(
        client_for(&sb, &a, LoginFamily::Facebook)
            .ig_user_id(IgUserId::parse(&a.ig_user_id).unwrap())
            .retry(RetryPolicy::none())
            .budgets(budgets),
    )
    .unwrap();
    let err = unpaced.me(Some("id")).await.unwrap_err();
    assert_eq!(
        (err.code(), err.class()),
        (80002, ErrorClass::RateLimited),
        "{err}"
    );
    assert!(
        unpaced.last_usage().regain_minutes() > 0,
        "regain time exposed"
    );
}

#[tokio::test]
async fn stream_walks_every_page_once() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let client = Client::new(client_for(&sb, &a, LoginFamily::Instagram)).unwrap();
    let req = Request::get(format!("{}/media", a.ig_user_id))
        .query("fields", "id,media_type")
        .query("limit", "7");
    let before = sb.sandbox.requests().len();
    let items: Vec<serde_json::Value> = client.stream(req).try_collect().await.unwrap();
    assert_eq!(items.len(), 30);
    let mut ids: Vec<&str> = items.iter().map(|m| m["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "no duplicates");
    let reqs = &sb.sandbox.requests()[before..];
    assert_eq!(reqs.len(), 5, "ceil(30/7) pages");
    assert!(
        reqs.iter().all(|r| r.auth == AuthMethod::Bearer),
        "next URLs are followed with the header, not their embedded token"
    );
}

#[tokio::test]
async fn family_specific_operations_fail_before_the_network() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let client = Client::new(client_for(&sb, &a, LoginFamily::Instagram)).unwrap();
    let before = sb.sandbox.requests().len();
    let err = client.pages_with_instagram().await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert!(err.is_before_network());
    assert!(err.to_string().contains("instagram login"), "{err}");
    assert_eq!(sb.sandbox.requests().len(), before, "nothing was sent");
}

#[tokio::test]
async fn raw_calls_keep_a_given_version() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let client = Client::new(client_for(&sb, &a, LoginFamily::Instagram)).unwrap();
    let call = RawCall {
        method: Method::GET,
        path: "/v21.0/me?fields=id,username".into(),
        params: vec![],
        retry_post: false,
        class: OperationClass::Other,
    };
    let v = client.raw(call).await.unwrap();
    assert_eq!(v["username"], a.username.as_str());
    let last = sb.sandbox.requests().last().cloned().unwrap();
    assert_eq!(last.path, "/v21.0/me");
    assert_eq!(
        last.query.get("fields").map(String::as_str),
        Some("id,username")
    );
}

#[tokio::test(start_paused = true)]
async fn local_budget_paces_under_a_paused_clock() {
    let mut budgets = BudgetConfig::default();
    budgets.budgets.insert(
        OperationClass::Messaging,
        Budget {
            limit: 3,
            window_secs: 60,
        },
    );
    let client = Client::new(
        ClientConfig::new(LoginFamily::Instagram, "IGAAtoken")
            .base_url("http://127.0.0.1:9")
            .budgets(budgets.clone()),
    )
    .unwrap();
    let start = tokio::time::Instant::now();
    for _ in 0..3 {
        client
            .acquire_budget(OperationClass::Messaging)
            .await
            .unwrap();
    }
    assert_eq!(start.elapsed(), Duration::ZERO, "three slots are free");
    client
        .acquire_budget(OperationClass::Messaging)
        .await
        .unwrap();
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(60),
        "the fourth waits for the window to roll"
    );
    let row = client
        .local_usage()
        .into_iter()
        .find(|r| r.class == OperationClass::Messaging)
        .unwrap();
    assert_eq!((row.used, row.limit), (1, 3));

    budgets.max_wait_secs = 10;
    let strict = Client::new(
        ClientConfig::new(LoginFamily::Instagram, "IGAAtoken")
            .base_url("http://127.0.0.1:9")
            .budgets(budgets),
    )
    .unwrap();
    for _ in 0..3 {
        strict
            .acquire_budget(OperationClass::Messaging)
            .await
            .unwrap();
    }
    let err = strict
        .acquire_budget(OperationClass::Messaging)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BudgetExhausted {
                limit: 3,
                wait_secs: 60,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_with_an_error() {
    use axum::extract::RawQuery;
    use axum::{Json, Router, routing::get};
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let app = Router::new().route(
        "/v25.0/loop",
        get(move |RawQuery(q): RawQuery| async move {
            log.lock().unwrap().push(q.unwrap_or_default());
            Json(serde_json::json!({
                "data": [{"id": "1"}],
                "paging": {"cursors": {"after": "SAME"}, "next": "http://ignored.example/v25.0/loop?after=SAME&access_token=leak"}
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client =
        Client::new(ClientConfig::new(LoginFamily::Instagram, "IGAAtoken").base_url(&base))
            .unwrap();
    let results: Vec<Result<serde_json::Value, Error>> =
        futures_util::StreamExt::collect(client.stream::<serde_json::Value>(Request::get("loop")))
            .await;
    assert_eq!(
        results.len(),
        3,
        "two pages of one item, then the loop error: {results:?}"
    );
    assert!(matches!(results[2], Err(Error::PaginationLoop(ref c)) if c == "SAME"));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec!["".to_string(), "after=SAME".to_string()],
        "next was rebased onto our base URL and its embedded token dropped"
    );
}
