//! OAuth against the sandbox over loopback, both families end to end: the authorize URL, the
//! redirect (state, denials), the code exchange in every Instagram response shape, long-lived
//! tokens, identity and Pages, debug_token, the refresh rule and the platform's refusals, the
//! capabilities of granted scopes, the token fixtures, and secrets kept out of Debug and errors.

mod common;

use common::{fixtures, load, roundtrip};
use instagraph::auth::{
    self, AuthEndpoints, DebugTokenResponse, LONG_LIVED_SECS, LongLivedToken, OAuthApp,
    PageWithToken, RefreshDecision, SHORT_LIVED_SECS, ShortLivedToken, TokenInfo, capabilities,
    clean_code, default_scopes, new_state, parse_redirect, refresh_due,
};
use instagraph::{
    Client, ClientConfig, Error, ErrorClass, ExposeSecret, GraphError, LoginFamily, Page,
    SecretString,
};
use instagraph_sandbox::{RunningSandbox, SandboxConfig, SeededAccount, TokenResponseShape, spawn};
use std::time::Duration;

const CB: &str = "https://app.example/oauth/callback/";
const DAY: i64 = 86_400;

async fn sandbox() -> RunningSandbox {
    spawn(
        SandboxConfig::deterministic(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn account(sb: &RunningSandbox, family: LoginFamily) -> SeededAccount {
    let name = match family {
        LoginFamily::Facebook => "business",
        LoginFamily::Instagram => "creator",
    };
    sb.sandbox
        .accounts()
        .into_iter()
        .find(|a| a.name == name)
        .expect("seeded account")
}

/// An HTTP client that does not follow redirects, so the Location can be read.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn app_for(a: &SeededAccount, redirect_uri: &str) -> OAuthApp {
    OAuthApp::new(a.app_id.clone(), a.app_secret.clone(), redirect_uri)
}

fn endpoints(sb: &RunningSandbox, family: LoginFamily) -> AuthEndpoints {
    AuthEndpoints::sandbox(&sb.base_url, family)
}

/// Opens the login dialog and returns the redirect's Location.
async fn dialog(
    sb: &RunningSandbox,
    family: LoginFamily,
    app: &OAuthApp,
    scopes: &[&str],
    state: &str,
) -> String {
    let url = auth::authorize_url(family, &endpoints(sb, family), app, scopes, state);
    let resp = http().get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302, "{url}");
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_owned()
}

/// A login up to the (cleaned) code.
async fn login(
    sb: &RunningSandbox,
    family: LoginFamily,
    app: &OAuthApp,
    scopes: &[&str],
) -> String {
    let state = new_state();
    let location = dialog(sb, family, app, scopes, &state).await;
    parse_redirect(&location, &state).unwrap()
}

fn now_ms(sb: &RunningSandbox) -> i64 {
    sb.sandbox.now() * 1000
}

fn graph_error(e: &Error) -> &GraphError {
    match e {
        Error::Graph { error, .. } => error,
        other => panic!("expected a Graph error, got {other:?}"),
    }
}

/// Every secret the test saw, and every Debug/Display/JSON rendering to check against them.
#[derive(Default)]
struct Leaks {
    secrets: Vec<String>,
    rendered: Vec<String>,
}

impl Leaks {
    fn secret(&mut self, s: &str) {
        self.secrets.push(s.to_owned());
    }

    fn debug(&mut self, v: &impl std::fmt::Debug) {
        self.rendered.push(format!("{v:?}"));
    }

    fn error(&mut self, e: &Error) {
        self.rendered.push(format!("{e:?}"));
        self.rendered.push(e.to_string());
        self.rendered.push(e.to_json().to_string());
    }

    fn check(&self) {
        assert!(!self.rendered.is_empty());
        for s in &self.secrets {
            for r in &self.rendered {
                assert!(!r.contains(s.as_str()), "a secret leaked into: {r}");
            }
        }
    }
}

#[tokio::test]
async fn instagram_login_end_to_end() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let app = app_for(&a, CB);
    let ep = endpoints(&sb, LoginFamily::Instagram);
    let mut leaks = Leaks::default();
    leaks.secret(&a.app_secret);

    let state = new_state();
    let location = dialog(&sb, LoginFamily::Instagram, &app, &[], &state).await;
    assert!(
        location.starts_with(CB) && location.ends_with("#_"),
        "{location}"
    );
    // A wrong state is refused (possible CSRF), without echoing the code.
    let wrong = parse_redirect(&location, &new_state()).unwrap_err();
    assert!(matches!(&wrong, Error::OAuth { error, .. } if error == "state_mismatch"));
    leaks.error(&wrong);
    let code = parse_redirect(&location, &state).unwrap();
    leaks.secret(&code);

    // The raw code with the platform's `#_` suffix still works: the client strips it.
    let raw = format!("{code}#_");
    assert_eq!(clean_code(&raw), code);
    let short = auth::exchange_code(&http(), LoginFamily::Instagram, &ep, &app, &raw)
        .await
        .unwrap();
    leaks.secret(short.access_token.expose_secret());
    leaks.debug(&short);
    assert!(short.access_token.expose_secret().starts_with("IGAA"));
    assert_eq!(short.user_id.as_deref(), a.app_scoped_id.as_deref());
    let mut granted = short.permissions.clone();
    granted.sort();
    let mut wanted: Vec<String> = default_scopes(LoginFamily::Instagram)
        .iter()
        .map(|s| s.to_string())
        .collect();
    wanted.sort();
    assert_eq!(granted, wanted);
    let short_summary = sb
        .sandbox
        .token_summary(short.access_token.expose_secret())
        .unwrap();
    assert_eq!(
        short_summary.expires_at,
        Some(sb.sandbox.now() + SHORT_LIVED_SECS as i64)
    );

    let long = auth::exchange_long_lived(
        &http(),
        LoginFamily::Instagram,
        &ep,
        &app,
        &short.access_token,
    )
    .await
    .unwrap();
    leaks.secret(long.access_token.expose_secret());
    leaks.debug(&long);
    assert_eq!(long.expires_in, Some(LONG_LIVED_SECS));
    assert_eq!(long.token_type.as_deref(), Some("bearer"));
    assert_eq!(
        long.expires_at_ms(now_ms(&sb)),
        Some(now_ms(&sb) + LONG_LIVED_SECS as i64 * 1000)
    );

    let me = auth::instagram_identity(&http(), &ep, &long.access_token)
        .await
        .unwrap();
    leaks.debug(&me);
    assert_eq!(Some(me.id.as_str()), a.app_scoped_id.as_deref());
    assert_eq!(
        me.user_id.as_ref().map(|i| i.as_str()),
        Some(a.ig_user_id.as_str())
    );
    assert_eq!(me.username.as_deref(), Some(a.username.as_str()));
    assert!(me.account_type.is_some());
    // The same account through the typed client with the new token.
    let client = Client::new(
        ClientConfig::new(LoginFamily::Instagram, long.access_token.expose_secret())
            .base_url(&sb.base_url),
    )
    .unwrap();
    leaks.debug(&client);
    assert_eq!(client.me(None).await.unwrap().username, me.username);

    // Facebook-only calls are refused before the network.
    let e = auth::debug_token(&http(), &ep, &app, &long.access_token)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }) && e.is_before_network());
    leaks.error(&e);
    let e = auth::facebook_pages(&http(), &ep, &long.access_token)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }));

    // Nothing secret went into the sandbox's request log either.
    for r in sb.sandbox.requests() {
        for k in [
            "code",
            "client_secret",
            "access_token",
            "fb_exchange_token",
            "input_token",
        ] {
            if let Some(v) = r.query.get(k) {
                assert_eq!(v, "REDACTED", "{k} in {}", r.path);
            }
        }
    }
    leaks.debug(&app);
    leaks.check();
}

#[tokio::test]
async fn instagram_code_exchange_reads_all_three_shapes() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let app = app_for(&a, CB);
    let ep = endpoints(&sb, LoginFamily::Instagram);
    let scopes = [
        "instagram_business_basic",
        "instagram_business_manage_messages",
    ];
    for shape in [
        TokenResponseShape::Data,
        TokenResponseShape::Flat,
        TokenResponseShape::Basic,
    ] {
        sb.sandbox.set_token_response(&a.app_id, shape).unwrap();
        let code = login(&sb, LoginFamily::Instagram, &app, &scopes).await;
        let short = auth::exchange_code(&http(), LoginFamily::Instagram, &ep, &app, &code)
            .await
            .unwrap_or_else(|e| panic!("{shape:?}: {e}"));
        assert_eq!(
            short.user_id.as_deref(),
            a.app_scoped_id.as_deref(),
            "{shape:?}"
        );
        if shape == TokenResponseShape::Basic {
            assert!(short.permissions.is_empty());
        } else {
            assert_eq!(short.permissions, scopes, "{shape:?}");
        }
        // Each token works.
        let me = auth::instagram_identity(&http(), &ep, &short.access_token)
            .await
            .unwrap();
        assert_eq!(me.username.as_deref(), Some(a.username.as_str()));
    }
}

#[tokio::test]
async fn facebook_login_end_to_end() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Facebook);
    let app = app_for(&a, CB);
    let ep = endpoints(&sb, LoginFamily::Facebook);
    let mut leaks = Leaks::default();
    leaks.secret(&a.app_secret);

    let state = new_state();
    let location = dialog(&sb, LoginFamily::Facebook, &app, &[], &state).await;
    assert!(location.ends_with("#_=_"), "{location}");
    assert!(parse_redirect(&location, "not-the-state").is_err());
    let code = parse_redirect(&location, &state).unwrap();
    leaks.secret(&code);
    let short = auth::exchange_code(
        &http(),
        LoginFamily::Facebook,
        &ep,
        &app,
        &format!(" {code}#_ "),
    )
    .await
    .unwrap();
    leaks.secret(short.access_token.expose_secret());
    assert!(short.access_token.expose_secret().starts_with("EAA"));
    assert_eq!(short.expires_in, Some(SHORT_LIVED_SECS));
    assert_eq!(short.extra["token_type"], "bearer");

    let long = auth::exchange_long_lived(
        &http(),
        LoginFamily::Facebook,
        &ep,
        &app,
        &short.access_token,
    )
    .await
    .unwrap();
    leaks.secret(long.access_token.expose_secret());
    assert_eq!(long.expires_in, Some(LONG_LIVED_SECS));

    let pages = auth::facebook_pages(&http(), &ep, &long.access_token)
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    leaks.secret(page.access_token.expose_secret());
    leaks.debug(&pages);
    assert_eq!(Some(page.id.as_str()), a.page_id.as_deref());
    assert_eq!(
        page.instagram_business_account.as_ref().map(|i| i.as_str()),
        Some(a.ig_user_id.as_str())
    );
    assert!(page.tasks.iter().any(|t| t == "MESSAGING"));

    // The Page token never expires; the user token is a 60-day USER token.
    let info = auth::debug_token(&http(), &ep, &app, &page.access_token)
        .await
        .unwrap();
    assert!(info.is_valid);
    assert_eq!(info.r#type.as_deref(), Some("PAGE"));
    assert_eq!(info.expires_at, Some(0));
    assert_eq!(info.expires_at_ms(), None);
    let info = auth::debug_token(&http(), &ep, &app, &long.access_token)
        .await
        .unwrap();
    leaks.debug(&info);
    assert_eq!(info.r#type.as_deref(), Some("USER"));
    assert_eq!(
        info.expires_at,
        Some(sb.sandbox.now() + LONG_LIVED_SECS as i64)
    );
    assert_eq!(
        info.targets_of("instagram_basic"),
        vec![a.ig_user_id.clone()]
    );
    assert!(
        capabilities(LoginFamily::Facebook, &info.scopes)
            .iter()
            .all(|c| c.ok)
    );

    // The IG account through the typed client with the new user token.
    let client = Client::new(
        ClientConfig::new(LoginFamily::Facebook, long.access_token.expose_secret())
            .base_url(&sb.base_url),
    )
    .unwrap();
    assert_eq!(
        client.me(None).await.unwrap().username.as_deref(),
        Some(a.username.as_str())
    );

    // No refresh on Facebook Login.
    let e = auth::refresh_instagram_token(&http(), &ep, &long.access_token)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }));
    assert_eq!(
        refresh_due(
            LoginFamily::Facebook,
            now_ms(&sb),
            info.expires_at.map(|s| s * 1000),
            now_ms(&sb),
            Duration::from_secs(10 * DAY as u64)
        ),
        RefreshDecision::NotRefreshable
    );
    leaks.debug(&app);
    leaks.debug(&ep);
    leaks.check();
}

#[tokio::test]
async fn denied_consent_surfaces_the_platform_reason() {
    let sb = sandbox().await;
    for family in [LoginFamily::Instagram, LoginFamily::Facebook] {
        let a = account(&sb, family);
        let app = app_for(&a, CB);
        sb.sandbox
            .deny_next_consent(Some(&a.app_id), Some("Nope, not today."));
        let state = new_state();
        let location = dialog(&sb, family, &app, &[], &state).await;
        let e = parse_redirect(&location, &state).unwrap_err();
        match &e {
            Error::OAuth {
                error,
                reason,
                description,
            } => {
                assert_eq!(error, "access_denied");
                assert_eq!(reason.as_deref(), Some("user_denied"));
                assert_eq!(description.as_deref(), Some("Nope, not today."));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.class(), ErrorClass::Permission);
        assert!(e.to_string().contains("access_denied"));
        assert_eq!(e.to_json()["error_reason"], "user_denied");
        // The next login is consented again.
        assert!(!login(&sb, family, &app, &[]).await.is_empty());
    }
}

#[tokio::test]
async fn redirect_uri_must_match_and_codes_are_single_use() {
    let sb = sandbox().await;
    let mut leaks = Leaks::default();
    for family in [LoginFamily::Instagram, LoginFamily::Facebook] {
        let a = account(&sb, family);
        let app = app_for(&a, CB);
        leaks.secret(&a.app_secret);
        let ep = endpoints(&sb, family);
        let code = login(&sb, family, &app, &[]).await;
        leaks.secret(&code);
        // The dashboard's trailing slash: one byte off is a mismatch.
        let other = app_for(&a, CB.trim_end_matches('/'));
        let e = auth::exchange_code(&http(), family, &ep, &other, &code)
            .await
            .unwrap_err();
        leaks.error(&e);
        let g = graph_error(&e);
        assert!(
            g.message.starts_with("Error validating verification code"),
            "{g:?}"
        );
        match family {
            // The flat `{"error_type","code","error_message"}` body of api.instagram.com.
            LoginFamily::Instagram => {
                assert_eq!(
                    (g.code, g.error_type.as_deref()),
                    (400, Some("OAuthException"))
                )
            }
            LoginFamily::Facebook => assert_eq!((g.code, g.error_subcode), (100, Some(36008))),
        }
        assert!(!e.is_retryable() && !e.needs_login());
        let ok = auth::exchange_code(&http(), family, &ep, &app, &code)
            .await
            .unwrap();
        leaks.secret(ok.access_token.expose_secret());
        let e = auth::exchange_code(&http(), family, &ep, &app, &code)
            .await
            .unwrap_err();
        leaks.error(&e);
        let g = graph_error(&e);
        match family {
            LoginFamily::Instagram => {
                assert_eq!(g.code, 400);
                assert_eq!(
                    g.message,
                    "Matching code was not found or was already used."
                );
            }
            LoginFamily::Facebook => assert_eq!((g.code, g.error_subcode), (100, Some(36009))),
        }
        // Input checks happen before the network and never echo the secret.
        let e = auth::exchange_code(&http(), family, &ep, &app, "  #_")
            .await
            .unwrap_err();
        assert!(e.is_before_network(), "{e}");
        let bad = OAuthApp::new(a.app_id.clone(), a.app_secret.clone(), "not a url");
        let e = auth::exchange_code(&http(), family, &ep, &bad, &code)
            .await
            .unwrap_err();
        assert!(e.is_before_network());
        leaks.error(&e);
        let wrong_secret = OAuthApp::new(a.app_id.clone(), "wrong-secret-value", CB);
        let code = login(&sb, family, &app, &[]).await;
        let e = auth::exchange_code(&http(), family, &ep, &wrong_secret, &code)
            .await
            .unwrap_err();
        assert!(graph_error(&e).message.contains("client secret"), "{e}");
        leaks.error(&e);
    }
    leaks.check();
}

#[tokio::test]
async fn debug_token_reports_valid_expired_and_revoked_tokens() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Facebook);
    let app = app_for(&a, CB);
    let ep = endpoints(&sb, LoginFamily::Facebook);
    let mut leaks = Leaks::default();
    let scopes = [
        "instagram_basic",
        "pages_show_list",
        "instagram_manage_comments",
    ];
    let code = login(&sb, LoginFamily::Facebook, &app, &scopes).await;
    let short = auth::exchange_code(&http(), LoginFamily::Facebook, &ep, &app, &code)
        .await
        .unwrap();
    let long = auth::exchange_long_lived(
        &http(),
        LoginFamily::Facebook,
        &ep,
        &app,
        &short.access_token,
    )
    .await
    .unwrap();
    leaks.secret(short.access_token.expose_secret());
    leaks.secret(long.access_token.expose_secret());

    let valid = auth::debug_token(&http(), &ep, &app, &short.access_token)
        .await
        .unwrap();
    assert!(valid.is_valid && valid.error.is_none());
    assert_eq!(valid.app_id.as_deref(), Some(a.app_id.as_str()));
    let mut want: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    want.push("public_profile".into());
    want.sort();
    assert_eq!(valid.scopes, want);
    let caps = capabilities(LoginFamily::Facebook, &valid.scopes);
    let cap = |n: &str| caps.iter().find(|c| c.name == n).unwrap();
    assert!(cap("basic").ok);
    assert_eq!(
        cap("comments").missing,
        vec!["pages_read_engagement"],
        "{caps:?}"
    );
    assert_eq!(
        cap("publishing").missing,
        vec!["instagram_content_publish", "pages_read_engagement"]
    );

    // One hour later the short-lived token has expired: still answered, as invalid.
    sb.sandbox.advance(SHORT_LIVED_SECS as i64);
    let expired = auth::debug_token(&http(), &ep, &app, &short.access_token)
        .await
        .unwrap();
    leaks.debug(&expired);
    leaks.debug(&DebugTokenResponse {
        data: expired.clone(),
    });
    leaks.debug(&expired.granular_scopes);
    leaks.debug(&expired.error);
    leaks.debug(&caps);
    assert!(!expired.is_valid);
    let err = expired.error.as_ref().unwrap();
    assert_eq!((err.code, err.subcode), (190, Some(463)));
    // Using it fails with 190/463: log in again.
    let client = Client::new(
        ClientConfig::new(LoginFamily::Facebook, short.access_token.expose_secret())
            .base_url(&sb.base_url),
    )
    .unwrap();
    let e = client.pages_with_instagram().await.unwrap_err();
    assert!(e.needs_login(), "{e}");
    assert_eq!((e.code(), e.subcode()), (190, Some(463)));
    leaks.error(&e);

    sb.sandbox
        .revoke_token(long.access_token.expose_secret())
        .unwrap();
    let revoked = auth::debug_token(&http(), &ep, &app, &long.access_token)
        .await
        .unwrap();
    assert!(!revoked.is_valid);
    assert_eq!(revoked.error.as_ref().and_then(|e| e.subcode), Some(460));
    let e = auth::facebook_pages(&http(), &ep, &long.access_token)
        .await
        .unwrap_err();
    assert!(e.needs_login());
    assert_eq!(e.subcode(), Some(460));
    leaks.error(&e);

    let unknown = auth::debug_token(
        &http(),
        &ep,
        &app,
        &SecretString::from("EAAunknown".to_owned()),
    )
    .await
    .unwrap();
    assert!(!unknown.is_valid);
    assert_eq!(unknown.error.map(|e| e.code), Some(190));
    // A wrong app secret: the platform refuses the app token.
    let wrong = OAuthApp::new(a.app_id.clone(), "wrong-app-secret", CB);
    let e = auth::debug_token(&http(), &ep, &wrong, &long.access_token)
        .await
        .unwrap_err();
    leaks.secret("wrong-app-secret");
    leaks.error(&e);
    leaks.check();
}

#[tokio::test]
async fn refresh_follows_the_24_hour_and_expiry_rules() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let app = app_for(&a, CB);
    let ep = endpoints(&sb, LoginFamily::Instagram);
    let mut leaks = Leaks::default();
    let code = login(&sb, LoginFamily::Instagram, &app, &[]).await;
    let short = auth::exchange_code(&http(), LoginFamily::Instagram, &ep, &app, &code)
        .await
        .unwrap();
    let long = auth::exchange_long_lived(
        &http(),
        LoginFamily::Instagram,
        &ep,
        &app,
        &short.access_token,
    )
    .await
    .unwrap();
    leaks.secret(long.access_token.expose_secret());
    let issued = now_ms(&sb);
    let expires = long.expires_at_ms(issued);
    // A margin wider than the token's life: only the 24-hour rule holds the refresh back.
    let margin = Duration::from_secs(LONG_LIVED_SECS);

    sb.sandbox.advance(DAY - 60); // 23 h 59 min
    assert_eq!(
        refresh_due(LoginFamily::Instagram, issued, expires, now_ms(&sb), margin),
        RefreshDecision::TooYoung {
            until_ms: issued + DAY * 1000
        }
    );
    let e = auth::refresh_instagram_token(&http(), &ep, &long.access_token)
        .await
        .unwrap_err();
    leaks.error(&e);
    leaks.debug(&refresh_due(
        LoginFamily::Instagram,
        issued,
        expires,
        now_ms(&sb),
        margin,
    ));
    assert_eq!(e.code(), 100, "{e}");
    assert!(
        !e.needs_login(),
        "too young is not a reason to log in again"
    );

    sb.sandbox.advance(60); // exactly 24 h
    assert_eq!(
        refresh_due(LoginFamily::Instagram, issued, expires, now_ms(&sb), margin),
        RefreshDecision::Due
    );
    let refreshed = auth::refresh_instagram_token(&http(), &ep, &long.access_token)
        .await
        .unwrap();
    leaks.secret(refreshed.access_token.expose_secret());
    leaks.debug(&refreshed);
    assert_eq!(refreshed.expires_in, Some(LONG_LIVED_SECS));
    assert_eq!(refreshed.token_type.as_deref(), Some("bearer"));
    let refreshed_at = now_ms(&sb);
    let new_expiry = refreshed.expires_at_ms(refreshed_at);
    assert_eq!(
        new_expiry,
        Some(refreshed_at + LONG_LIVED_SECS as i64 * 1000)
    );
    let summary = sb
        .sandbox
        .token_summary(refreshed.access_token.expose_secret())
        .unwrap();
    assert_eq!(summary.expires_at.map(|s| s * 1000), new_expiry);

    // Past its expiry: refused locally and by the platform (190/463: log in again).
    sb.sandbox.advance(LONG_LIVED_SECS as i64);
    assert_eq!(
        refresh_due(
            LoginFamily::Instagram,
            refreshed_at,
            new_expiry,
            now_ms(&sb),
            margin
        ),
        RefreshDecision::Expired
    );
    let e = auth::refresh_instagram_token(&http(), &ep, &refreshed.access_token)
        .await
        .unwrap_err();
    leaks.error(&e);
    assert!(e.needs_login(), "{e}");
    assert_eq!((e.code(), e.subcode()), (190, Some(463)));
    leaks.check();
}

#[test]
fn refresh_due_boundaries() {
    let h = 3_600_000i64;
    let issued = 1_767_225_600_000i64;
    let expires = issued + LONG_LIVED_SECS as i64 * 1000;
    let margin = Duration::from_secs(10 * DAY as u64);
    let m = 10 * 24 * h;
    let ig = LoginFamily::Instagram;
    assert_eq!(
        refresh_due(ig, issued, Some(expires), expires - m - 1, margin),
        RefreshDecision::NotYet { at_ms: expires - m }
    );
    assert_eq!(
        refresh_due(ig, issued, Some(expires), expires - m, margin),
        RefreshDecision::Due
    );
    assert_eq!(
        refresh_due(ig, issued, Some(expires), issued + 24 * h - 1, margin),
        RefreshDecision::TooYoung {
            until_ms: issued + 24 * h
        }
    );
    assert_eq!(
        refresh_due(ig, issued, Some(expires), expires - 1, margin),
        RefreshDecision::Due
    );
    assert_eq!(
        refresh_due(ig, issued, Some(expires), expires, margin),
        RefreshDecision::Expired
    );
    assert_eq!(
        refresh_due(
            LoginFamily::Facebook,
            issued,
            Some(expires),
            expires - m,
            margin
        ),
        RefreshDecision::NotRefreshable
    );
}

#[tokio::test]
async fn capabilities_reflect_the_scopes_granted_at_login() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let app = app_for(&a, CB);
    let ep = endpoints(&sb, LoginFamily::Instagram);
    // An unknown scope is dropped, like the platform's grant; only basic + publish remain.
    let code = login(
        &sb,
        LoginFamily::Instagram,
        &app,
        &[
            "instagram_business_basic",
            "instagram_business_content_publish",
            "not_a_real_scope",
        ],
    )
    .await;
    let short = auth::exchange_code(&http(), LoginFamily::Instagram, &ep, &app, &code)
        .await
        .unwrap();
    assert_eq!(
        short.permissions,
        [
            "instagram_business_basic",
            "instagram_business_content_publish"
        ]
    );
    let caps = capabilities(LoginFamily::Instagram, &short.permissions);
    let by = |n: &str| caps.iter().find(|c| c.name == n).unwrap();
    assert!(by("basic").ok && by("publishing").ok);
    assert_eq!(
        by("messaging").missing,
        ["instagram_business_manage_messages"]
    );
    assert_eq!(
        by("comments").missing,
        ["instagram_business_manage_comments"]
    );
    assert_eq!(
        by("insights").missing,
        ["instagram_business_manage_insights"]
    );
    // The sandbox enforces the same scopes: no messaging permission, no conversations.
    let client = Client::new(
        ClientConfig::new(LoginFamily::Instagram, short.access_token.expose_secret())
            .base_url(&sb.base_url),
    )
    .unwrap();
    assert!(client.me(None).await.is_ok());
    let names: Vec<&str> = caps.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["basic", "publishing", "comments", "insights", "messaging"]
    );
}

#[test]
fn token_fixtures_parse_without_loss() {
    let Some(dir) = fixtures() else { return };
    let rel = "python-facebook/base/basic_display_api_user_token.json";
    let t: ShortLivedToken = roundtrip(rel, &load(&dir, rel));
    assert_eq!(t.user_id.as_deref(), Some("user_id"));
    let rel = "restfb/instagram/accesstoken.json";
    let t: ShortLivedToken = roundtrip(rel, &load(&dir, rel));
    assert_eq!(t.permissions.len(), 4);
    assert!(!format!("{t:?}").contains("EAACEdEose0"));
    let rel = "python-facebook/base/long_term_token.json";
    let t: LongLivedToken = roundtrip(rel, &load(&dir, rel));
    assert_eq!(t.expires_in, Some(LONG_LIVED_SECS));
    for rel in [
        "python-facebook/base/token_info.json",
        "restfb/data-debug-token-info.json",
    ] {
        let d: DebugTokenResponse = roundtrip(rel, &load(&dir, rel));
        assert!(d.data.is_valid, "{rel}");
    }
    for rel in [
        "restfb/debug-token-info.json",
        "restfb/debug-token-info-2.json",
        "restfb/debug-token-info-3.json",
        "restfb/debug-token-info-4.json",
    ] {
        let info: TokenInfo = roundtrip(rel, &load(&dir, rel));
        assert!(info.is_valid && !info.scopes.is_empty(), "{rel}");
    }
    let rel = "restfb/debug-token-info-3.json";
    let info: TokenInfo = roundtrip(rel, &load(&dir, rel));
    assert_eq!(
        info.targets_of("instagram_basic"),
        ["{connected-ig-user-id}"]
    );
    let rel = "restfb/debug-token-info-4.json";
    let info: TokenInfo = roundtrip(rel, &load(&dir, rel));
    assert_eq!((info.expires_at, info.expires_at_ms()), (Some(0), None));
    assert_eq!(info.profile_id.as_deref(), Some("123456789"));
    let rel = "python-facebook/base/user_accounts_token.json";
    let pages: Page<PageWithToken> = roundtrip(rel, &load(&dir, rel));
    assert_eq!(pages.data[0].access_token.expose_secret(), "access_token");
    assert!(!format!("{:?}", pages.data[0]).contains("\"access_token\""));
    // The flat OAuth error maps to a Graph error with its code and message.
    let rel = "restfb/exampleOauthError.json";
    let text = load(&dir, rel).to_string();
    let g = GraphError::from_body(text.as_bytes()).unwrap();
    assert_eq!(g.code, 400);
    assert!(g.message.starts_with("Error validating verification code"));
}

#[tokio::test]
async fn the_sandbox_lists_minted_tokens_redacted() {
    let sb = sandbox().await;
    let a = account(&sb, LoginFamily::Instagram);
    let app = app_for(&a, CB);
    let ep = endpoints(&sb, LoginFamily::Instagram);
    let code = login(&sb, LoginFamily::Instagram, &app, &[]).await;
    let short = auth::exchange_code(&http(), LoginFamily::Instagram, &ep, &app, &code)
        .await
        .unwrap();
    let body = http()
        .get(format!("{}/_sandbox/oauth/tokens", sb.base_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!body.contains(short.access_token.expose_secret()));
    let list: Vec<instagraph_sandbox::TokenSummary> = serde_json::from_str(&body).unwrap();
    let fp = instagraph_sandbox::token_fingerprint(short.access_token.expose_secret());
    let entry = list.iter().find(|t| t.fingerprint == fp).expect("listed");
    assert_eq!(
        entry.expires_at,
        Some(entry.issued_at + SHORT_LIVED_SECS as i64)
    );
    assert!(!entry.revoked && !entry.expired);
}
