//! Keeps stored tokens alive: Instagram-Login tokens are refreshed on a timer (not only when
//! traffic happens) once they are at least 24 h old and within a margin of expiry; expired or
//! revoked tokens mark their account as needing login, so its jobs stop cleanly instead of
//! failing with 190 forever.
//!
//! Refreshes are written with the account's version (optimistic concurrency): a refresh racing a
//! re-login or another instance's refresh loses without overwriting the newer token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use instagraph::auth::{self as oauth, AuthEndpoints, RefreshDecision};
use instagraph::clock::SharedClock;
use instagraph::config::LoginFamily;
use instagraph_store::StoreError;
use instagraph_store::accounts::{AccountState, AccountVault, StoredAccount};

/// Tuning of the [`TokenKeeper`].
#[derive(Clone, Debug)]
pub struct KeeperConfig {
    /// Refresh when expiry is this close (default 10 days).
    pub margin: Duration,
    /// How often the accounts are checked (default 1 h).
    pub interval: Duration,
    /// Failed refreshes in a row before the account is marked `refresh_failing` (it is still
    /// retried at every check).
    pub failures_before_alarm: u32,
    /// The sandbox (or any non-production) base URL for the OAuth endpoints.
    pub base_url: Option<String>,
}

impl Default for KeeperConfig {
    fn default() -> Self {
        Self {
            margin: Duration::from_secs(10 * 86_400),
            interval: Duration::from_secs(3600),
            failures_before_alarm: 3,
            base_url: None,
        }
    }
}

/// What one check did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeeperReport {
    /// Accounts whose token was refreshed.
    pub refreshed: Vec<String>,
    /// Accounts whose refresh failed, with the error.
    pub failed: Vec<(String, String)>,
    /// Accounts newly marked as needing login.
    pub needs_login: Vec<String>,
}

/// The refresh timer.
#[derive(Clone)]
pub struct TokenKeeper {
    vault: Arc<AccountVault>,
    clock: SharedClock,
    config: KeeperConfig,
    http: reqwest::Client,
    failures: Arc<Mutex<HashMap<String, u32>>>,
}

impl std::fmt::Debug for TokenKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeeper")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn family_of(a: &StoredAccount) -> Option<LoginFamily> {
    a.family.parse().ok()
}

impl TokenKeeper {
    /// A keeper over the vault's accounts.
    pub fn new(vault: Arc<AccountVault>, clock: SharedClock, config: KeeperConfig) -> Self {
        Self {
            vault,
            clock,
            config,
            http: reqwest::Client::new(),
            failures: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn endpoints(&self, family: LoginFamily) -> AuthEndpoints {
        match &self.config.base_url {
            Some(b) => AuthEndpoints::sandbox(b, family),
            None => AuthEndpoints::production(family),
        }
    }

    fn bump_failures(&self, name: &str) -> u32 {
        let mut f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let n = f.entry(name.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    fn clear_failures(&self, name: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
    }

    /// Marks an account as needing login (its token cannot be used any more).
    pub async fn mark_needs_login(&self, name: &str, reason: &str) -> Result<bool, StoreError> {
        let now = self.clock.now_ms();
        tracing::error!(account = name, reason, "account needs a new login");
        self.vault
            .store()
            .set_account_state(name, AccountState::NeedsLogin, Some(reason), now)
            .await
    }

    /// Checks every account once.
    pub async fn check_all(&self) -> Result<KeeperReport, StoreError> {
        let mut report = KeeperReport::default();
        for acc in self.vault.store().accounts().await? {
            self.check(&acc, &mut report).await?;
        }
        Ok(report)
    }

    async fn check(
        &self,
        acc: &StoredAccount,
        report: &mut KeeperReport,
    ) -> Result<(), StoreError> {
        if acc.state == AccountState::NeedsLogin {
            return Ok(());
        }
        let Some(family) = family_of(acc) else {
            return Ok(());
        };
        let now = self.clock.now_ms();
        let issued = acc.refreshed_at.unwrap_or(acc.issued_at);
        match oauth::refresh_due(family, issued, acc.expires_at, now, self.config.margin) {
            RefreshDecision::Expired => {
                let reason = "the token has expired: log in again (`instagraph auth login`)";
                if self.mark_needs_login(&acc.name, reason).await? {
                    report.needs_login.push(acc.name.clone());
                }
            }
            RefreshDecision::Due => self.refresh(acc, family, report).await?,
            RefreshDecision::NotYet { .. }
            | RefreshDecision::TooYoung { .. }
            | RefreshDecision::NotRefreshable => {}
        }
        Ok(())
    }

    async fn refresh(
        &self,
        acc: &StoredAccount,
        family: LoginFamily,
        report: &mut KeeperReport,
    ) -> Result<(), StoreError> {
        let token = self.vault.token(acc).await?;
        let now = self.clock.now_ms();
        match oauth::refresh_instagram_token(&self.http, &self.endpoints(family), &token).await {
            Ok(fresh) => {
                let expires_at = fresh
                    .expires_in
                    .map(|s| now + i64::try_from(s).unwrap_or(0).saturating_mul(1000));
                let saved = self
                    .vault
                    .refresh_token(
                        &acc.name,
                        acc.version,
                        &fresh.access_token,
                        now,
                        expires_at,
                        now,
                    )
                    .await?;
                if saved.is_some() {
                    self.clear_failures(&acc.name);
                    self.vault
                        .store()
                        .set_account_state(&acc.name, AccountState::Active, None, now)
                        .await?;
                    tracing::info!(account = %acc.name, "token refreshed");
                    report.refreshed.push(acc.name.clone());
                } else {
                    tracing::info!(account = %acc.name, "account changed during refresh; keeping the newer token");
                }
            }
            Err(e) if e.needs_login() => {
                let reason = format!("the platform refused the token ({e}): log in again");
                if self.mark_needs_login(&acc.name, &reason).await? {
                    report.needs_login.push(acc.name.clone());
                }
            }
            Err(e) => {
                let n = self.bump_failures(&acc.name);
                let message = e.to_string();
                tracing::warn!(account = %acc.name, attempt = n, error = %message, "token refresh failed; retrying at the next check");
                if n >= self.config.failures_before_alarm {
                    let reason = format!(
                        "{n} refreshes in a row failed (last: {message}); the token expires {}",
                        acc.expires_at
                            .map(|e| format!("in {} h", (e - now) / 3_600_000))
                            .unwrap_or_else(|| "at an unknown time".into())
                    );
                    tracing::error!(account = %acc.name, %reason, "token refresh keeps failing");
                    self.vault
                        .store()
                        .set_account_state(
                            &acc.name,
                            AccountState::RefreshFailing,
                            Some(&reason),
                            now,
                        )
                        .await?;
                }
                report.failed.push((acc.name.clone(), message));
            }
        }
        Ok(())
    }

    /// Checks now and then every [`KeeperConfig::interval`], until the task is dropped.
    pub async fn run(self) {
        loop {
            if let Err(error) = self.check_all().await {
                tracing::warn!(%error, "token check failed");
            }
            tokio::time::sleep(self.config.interval).await;
        }
    }
}
