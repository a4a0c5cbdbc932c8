//! Routes work to the account it belongs to: the scheduler's posts by the account they were
//! scheduled for (a stored account's name or any of its ids), with a client built from the
//! account's sealed token. Accounts that need a new login get no client, so their jobs wait
//! instead of failing with 190 again and again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use instagraph::ops::publishing::MediaHost;
use instagraph::{Client, ClientConfig};
use instagraph_store::accounts::{AccountState, AccountVault, StoredAccount};

use crate::scheduler::client::ClientApi;
use crate::scheduler::{AccountDirectory, PublishApi};

/// [`AccountDirectory`] over the stored accounts.
pub struct VaultDirectory {
    vault: Arc<AccountVault>,
    base_url: Option<String>,
    media_host: Option<Arc<dyn MediaHost>>,
    fallback: Option<Arc<dyn PublishApi>>,
    clock: instagraph::clock::SharedClock,
    cache: Mutex<HashMap<String, Cached>>,
}

/// A client built for an account, with the account version it was built from.
type Cached = (i64, Arc<dyn PublishApi>);

impl std::fmt::Debug for VaultDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultDirectory")
            .field("base_url", &self.base_url)
            .field("fallback", &self.fallback.is_some())
            .finish_non_exhaustive()
    }
}

impl VaultDirectory {
    /// Accounts from `vault`; clients talk to `base_url` (the sandbox) or the platform.
    pub fn new(
        vault: Arc<AccountVault>,
        base_url: Option<String>,
        clock: instagraph::clock::SharedClock,
    ) -> Self {
        Self {
            vault,
            base_url,
            media_host: None,
            fallback: None,
            clock,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Serves local images of posts through `host`.
    pub fn with_media_host(mut self, host: Arc<dyn MediaHost>) -> Self {
        self.media_host = Some(host);
        self
    }

    /// The API for posts whose account is not stored (the account configured by flags or
    /// environment, or the built-in sandbox's).
    pub fn with_fallback(mut self, api: Arc<dyn PublishApi>) -> Self {
        self.fallback = Some(api);
        self
    }

    async fn find(&self, key: &str) -> Option<StoredAccount> {
        let store = self.vault.store();
        if let Ok(Some(a)) = store.account(key).await {
            return Some(a);
        }
        store.account_for_ig_user(key).await.ok().flatten()
    }

    async fn client_for(&self, acc: &StoredAccount) -> Option<Arc<dyn PublishApi>> {
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&acc.name)
            .filter(|(version, _)| *version == acc.version)
            .map(|(_, api)| api.clone());
        if cached.is_some() {
            return cached;
        }
        use secrecy::ExposeSecret;
        let family = acc.family.parse().ok()?;
        let token = self.vault.token(acc).await.ok()?;
        let mut cfg = ClientConfig::new(family, token.expose_secret().to_owned());
        if let Some(b) = &self.base_url {
            cfg = cfg.base_url(b.clone());
        }
        if let Ok(Some(secret)) = self.vault.app_secret(acc).await {
            cfg = cfg.app_secret(secret.expose_secret().to_owned());
        }
        if let Some(id) = acc
            .ig_user_id
            .as_deref()
            .and_then(|i| instagraph::ids::IgUserId::parse(i).ok())
        {
            cfg = cfg.ig_user_id(id);
        }
        let mut builder = Client::builder(cfg).clock(self.clock.clone());
        if let Some(h) = &self.media_host {
            builder = builder.media_host(h.clone());
        }
        let client = match builder.build() {
            Ok(c) => c,
            Err(error) => {
                tracing::warn!(account = %acc.name, %error, "cannot build a client for the account");
                return None;
            }
        };
        let api: Arc<dyn PublishApi> = Arc::new(ClientApi::new(client));
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(acc.name.clone(), (acc.version, api.clone()));
        Some(api)
    }
}

#[async_trait::async_trait]
impl AccountDirectory for VaultDirectory {
    async fn api(&self, account: &str) -> Option<Arc<dyn PublishApi>> {
        match self.find(account).await {
            Some(a) if a.state == AccountState::NeedsLogin => None,
            Some(a) => self.client_for(&a).await,
            None => self.fallback.clone(),
        }
    }

    async fn needs_login(&self, account: &str, reason: &str) {
        let Some(a) = self.find(account).await else {
            return;
        };
        tracing::error!(account = %a.name, reason, "the platform refused the account's token; it needs a new login");
        let now = self.clock.now_ms();
        if let Err(error) = self
            .vault
            .store()
            .set_account_state(&a.name, AccountState::NeedsLogin, Some(reason), now)
            .await
        {
            tracing::warn!(%error, "could not record that the account needs a login");
        }
    }
}
