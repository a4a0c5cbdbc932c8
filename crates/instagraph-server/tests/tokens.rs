//! The token keeper against the sandbox, on a manual clock that moves with the sandbox's:
//! Instagram-Login tokens are refreshed exactly when due, expired and revoked tokens mark their
//! account as needing login, and repeated failures raise the alarm.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use instagraph::auth::{self, AuthEndpoints, OAuthApp, new_state, parse_redirect};
use instagraph::clock::{Clock, SharedClock};
use instagraph::config::LoginFamily;
use instagraph_sandbox::{RunningSandbox, SandboxConfig, spawn};
use instagraph_server::tokens::{KeeperConfig, TokenKeeper};
use instagraph_store::accounts::{AccountState, AccountVault, NewAccount};
use instagraph_store::secrets::SecretBox;
use secrecy::{ExposeSecret, SecretString};

const DAY_MS: i64 = 86_400_000;
const CB: &str = "https://app.example/cb";

#[derive(Debug)]
struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

struct World {
    sb: RunningSandbox,
    clock: Arc<ManualClock>,
    vault: Arc<AccountVault>,
    keeper: TokenKeeper,
}

impl World {
    /// Moves both clocks forward.
    fn advance(&self, ms: i64) {
        assert_eq!(ms % 1000, 0, "the sandbox moves in seconds");
        self.sb.sandbox.advance(ms / 1000);
        self.clock.0.fetch_add(ms, Ordering::SeqCst);
    }

    async fn account(&self) -> instagraph_store::accounts::StoredAccount {
        self.vault
            .store()
            .account("creator")
            .await
            .unwrap()
            .unwrap()
    }
}

/// A sandbox with a frozen clock, an Instagram-Login account logged in through OAuth (a real
/// 60-day token), stored in a vault, and a keeper over it.
async fn world(failures_before_alarm: u32) -> World {
    let sb = spawn(
        SandboxConfig::deterministic(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let a = sb
        .sandbox
        .accounts()
        .into_iter()
        .find(|a| a.name == "creator")
        .unwrap();
    let app = OAuthApp::new(a.app_id.clone(), a.app_secret.clone(), CB);
    let ep = AuthEndpoints::sandbox(&sb.base_url, LoginFamily::Instagram);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let state = new_state();
    let url = auth::authorize_url(LoginFamily::Instagram, &ep, &app, &[], &state);
    let resp = http.get(&url).send().await.unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let code = parse_redirect(&location, &state).unwrap();
    let short = auth::exchange_code(&http, LoginFamily::Instagram, &ep, &app, &code)
        .await
        .unwrap();
    let long = auth::exchange_long_lived(
        &http,
        LoginFamily::Instagram,
        &ep,
        &app,
        &short.access_token,
    )
    .await
    .unwrap();
    let now = sb.sandbox.now() * 1000;
    let clock = Arc::new(ManualClock(AtomicI64::new(now)));
    let store = instagraph_store::open(":memory:").await.unwrap();
    let vault = Arc::new(AccountVault::new(store, SecretBox::generate().unwrap()));
    let mut acc = NewAccount::new("creator", "instagram", long.access_token.clone(), now);
    acc.expires_at = Some(now + 60 * DAY_MS);
    acc.ig_user_id = Some(a.ig_user_id.clone());
    vault.save(&acc, now).await.unwrap();
    let shared: SharedClock = clock.clone();
    let keeper = TokenKeeper::new(
        vault.clone(),
        shared,
        KeeperConfig {
            margin: Duration::from_secs(10 * 86_400),
            interval: Duration::from_secs(3600),
            failures_before_alarm,
            base_url: Some(sb.base_url.clone()),
        },
    );
    World {
        sb,
        clock,
        vault,
        keeper,
    }
}

#[tokio::test]
async fn a_token_is_refreshed_exactly_when_it_enters_the_margin() {
    let w = world(3).await;
    let issued = w.account().await;
    // 50 days in, minus a second: not yet (the margin is 10 of the 60 days).
    w.advance(50 * DAY_MS - 1000);
    let r = w.keeper.check_all().await.unwrap();
    assert!(r.refreshed.is_empty(), "{r:?}");
    w.advance(1000);
    let r = w.keeper.check_all().await.unwrap();
    assert_eq!(r.refreshed, vec!["creator".to_string()]);
    let now = w.clock.now_ms();
    let after = w.account().await;
    assert_eq!(after.refreshed_at, Some(now));
    assert_eq!(after.expires_at, Some(now + 60 * DAY_MS), "a new 60 days");
    assert!(after.version > issued.version);
    assert_eq!(after.state, AccountState::Active);
    // The refreshed token works at the platform.
    let token: SecretString = w.vault.token(&after).await.unwrap();
    let ep = AuthEndpoints::sandbox(&w.sb.base_url, LoginFamily::Instagram);
    let me = auth::instagram_identity(&reqwest::Client::new(), &ep, &token)
        .await
        .unwrap();
    assert!(me.username.is_some());
    // And it is not refreshed again at the next check.
    w.advance(3_600_000);
    assert!(w.keeper.check_all().await.unwrap().refreshed.is_empty());
}

#[tokio::test]
async fn an_expired_token_marks_the_account_as_needing_login() {
    let w = world(3).await;
    w.advance(60 * DAY_MS);
    let r = w.keeper.check_all().await.unwrap();
    assert_eq!(r.needs_login, vec!["creator".to_string()]);
    let acc = w.account().await;
    assert_eq!(acc.state, AccountState::NeedsLogin);
    assert!(acc.state_reason.unwrap().contains("log in again"));
    // Never retried: nothing more happens at the next checks.
    w.advance(3_600_000);
    let r = w.keeper.check_all().await.unwrap();
    assert_eq!(r, Default::default());
}

#[tokio::test]
async fn a_revoked_token_is_found_at_refresh_and_needs_login() {
    let w = world(3).await;
    let acc = w.account().await;
    let token = w.vault.token(&acc).await.unwrap();
    w.sb.sandbox.revoke_token(token.expose_secret()).unwrap();
    w.advance(50 * DAY_MS);
    let r = w.keeper.check_all().await.unwrap();
    assert_eq!(r.needs_login, vec!["creator".to_string()], "{r:?}");
    assert_eq!(w.account().await.state, AccountState::NeedsLogin);
}

#[tokio::test]
async fn failing_refreshes_are_retried_then_raise_the_alarm_and_recover() {
    let w = world(2).await;
    w.sb.sandbox.inject_fault(instagraph_sandbox::Fault {
        method: None,
        path_contains: "refresh_access_token".into(),
        times: 2,
        http_status: 500,
        code: 2,
        subcode: None,
        message: "An unexpected error has occurred.".into(),
        error_type: "OAuthException".into(),
        is_transient: Some(true),
        retry_after_secs: None,
        estimated_time_to_regain_access_minutes: None,
    });
    w.advance(50 * DAY_MS);
    let r = w.keeper.check_all().await.unwrap();
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert_eq!(
        w.account().await.state,
        AccountState::Active,
        "one failure: no alarm yet"
    );
    w.advance(3_600_000);
    let r = w.keeper.check_all().await.unwrap();
    assert_eq!(r.failed.len(), 1);
    let acc = w.account().await;
    assert_eq!(acc.state, AccountState::RefreshFailing);
    let reason = acc.state_reason.unwrap();
    assert!(reason.contains("2 refreshes in a row failed"), "{reason}");
    assert!(reason.contains("expires in"), "{reason}");
    // The platform is back: the next check refreshes and clears the alarm.
    w.advance(3_600_000);
    let r = w.keeper.check_all().await.unwrap();
    assert_eq!(r.refreshed, vec!["creator".to_string()]);
    let acc = w.account().await;
    assert_eq!(acc.state, AccountState::Active);
    assert_eq!(acc.state_reason, None);
}
