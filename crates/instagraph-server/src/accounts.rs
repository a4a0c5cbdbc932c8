//! Routes work to the account it belongs to: the scheduler's posts by the account they were
//! scheduled for (a stored account's name or any of its ids), with a client built from the
//! account's sealed token. Accounts that need a new login get no client, so their jobs wait
//! instead of failing with 190 again and again.
//!
//! [`AccountClients`] builds (and caches, by account version) one [`Client`] per stored
//! account; [`VaultDirectory`] (the scheduler's [`AccountDirectory`]) and [`StoredClients`]
//! (the [`ClientSource`] of the Graph proxy and the agent actions) both use it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use instagraph::ops::publishing::MediaHost;
use instagraph::{Client, ClientConfig};
use instagraph_agent::{ActionError, ClientSource, ResolvedAccount, SingleAccount};
use instagraph_store::accounts::{AccountState, AccountVault, StoredAccount};

use crate::scheduler::client::ClientApi;
use crate::scheduler::{AccountDirectory, PublishApi};

/// Clients for stored accounts, built from their sealed tokens and cached by account version
/// (a refreshed token or a re-login bumps the version, so the next call gets a new client).
pub struct AccountClients {
    vault: Arc<AccountVault>,
    base_url: Option<String>,
    media_host: Option<Arc<dyn MediaHost>>,
    clock: instagraph::clock::SharedClock,
    cache: Mutex<HashMap<String, (i64, Client)>>,
}

impl std::fmt::Debug for AccountClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountClients")
            .field("base_url", &self.base_url)
            .field("media_host", &self.media_host.is_some())
            .finish_non_exhaustive()
    }
}

impl AccountClients {
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
            clock,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Serves local images through `host` (for clients that publish).
    pub fn with_media_host(mut self, host: Arc<dyn MediaHost>) -> Self {
        self.media_host = Some(host);
        self
    }

    /// The vault the accounts come from.
    pub fn vault(&self) -> &Arc<AccountVault> {
        &self.vault
    }

    /// The stored account named `key`, or whose IG user id, app-scoped id or Page id is `key`.
    pub async fn find(&self, key: &str) -> Option<StoredAccount> {
        let store = self.vault.store();
        if let Ok(Some(a)) = store.account(key).await {
            return Some(a);
        }
        store.account_for_ig_user(key).await.ok().flatten()
    }

    /// The client for a stored account (from the cache while the account's version is the one
    /// it was built from). `None` (logged) when the token cannot be opened or the client cannot
    /// be built.
    pub async fn client_for(&self, acc: &StoredAccount) -> Option<Client> {
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&acc.name)
            .filter(|(version, _)| *version == acc.version)
            .map(|(_, client)| client.clone());
        if cached.is_some() {
            return cached;
        }
        use secrecy::ExposeSecret;
        let family = match acc.family.parse() {
            Ok(f) => f,
            Err(error) => {
                tracing::warn!(account = %acc.name, %error, "the account's login family is unknown");
                return None;
            }
        };
        let token = match self.vault.token(acc).await {
            Ok(t) => t,
            Err(error) => {
                tracing::warn!(account = %acc.name, %error, "cannot open the account's token");
                return None;
            }
        };
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
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(acc.name.clone(), (acc.version, client.clone()));
        Some(client)
    }
}

/// The name and every id of a stored account.
pub fn account_keys(acc: &StoredAccount) -> Vec<String> {
    let mut keys = vec![acc.name.clone()];
    for id in [&acc.ig_user_id, &acc.app_scoped_id, &acc.page_id]
        .into_iter()
        .flatten()
    {
        if !keys.contains(id) {
            keys.push(id.clone());
        }
    }
    keys
}

/// [`AccountDirectory`] over the stored accounts.
pub struct VaultDirectory {
    clients: AccountClients,
    fallback: Option<Arc<dyn PublishApi>>,
    api_cache: Mutex<HashMap<String, Cached>>,
}

/// A publishing API built for an account, with the account version it was built from.
type Cached = (i64, Arc<dyn PublishApi>);

impl std::fmt::Debug for VaultDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultDirectory")
            .field("base_url", &self.clients.base_url)
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
            clients: AccountClients::new(vault, base_url, clock),
            fallback: None,
            api_cache: Mutex::new(HashMap::new()),
        }
    }

    /// Serves local images of posts through `host`.
    pub fn with_media_host(mut self, host: Arc<dyn MediaHost>) -> Self {
        self.clients = self.clients.with_media_host(host);
        self
    }

    /// The API for posts whose account is not stored (the account configured by flags or
    /// environment, or the built-in sandbox's).
    pub fn with_fallback(mut self, api: Arc<dyn PublishApi>) -> Self {
        self.fallback = Some(api);
        self
    }

    async fn api_for(&self, acc: &StoredAccount) -> Option<Arc<dyn PublishApi>> {
        let cached = self
            .api_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&acc.name)
            .filter(|(version, _)| *version == acc.version)
            .map(|(_, api)| api.clone());
        if cached.is_some() {
            return cached;
        }
        let client = self.clients.client_for(acc).await?;
        let api: Arc<dyn PublishApi> = Arc::new(ClientApi::new(client));
        self.api_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(acc.name.clone(), (acc.version, api.clone()));
        Some(api)
    }
}

#[async_trait::async_trait]
impl AccountDirectory for VaultDirectory {
    async fn api(&self, account: &str) -> Option<Arc<dyn PublishApi>> {
        match self.clients.find(account).await {
            Some(a) if a.state == AccountState::NeedsLogin => None,
            Some(a) => self.api_for(&a).await,
            None => self.fallback.clone(),
        }
    }

    async fn needs_login(&self, account: &str, reason: &str) {
        let Some(a) = self.clients.find(account).await else {
            return;
        };
        tracing::error!(account = %a.name, reason, "the platform refused the account's token; it needs a new login");
        let now = self.clients.clock.now_ms();
        if let Err(error) = self
            .clients
            .vault
            .store()
            .set_account_state(&a.name, AccountState::NeedsLogin, Some(reason), now)
            .await
        {
            tracing::warn!(%error, "could not record that the account needs a login");
        }
    }
}

/// [`ClientSource`] over the stored accounts, with an optional fallback client.
///
/// * A stored account's name or any of its ids (IG user id, app-scoped id, Page id) resolves
///   to that account's client; its keys are its name and ids.
/// * `None`, `""` or `me` resolve to the default stored account, else to the fallback (the
///   account configured by flags or environment, or the built-in sandbox's first account).
/// * The fallback also answers to its own name and ids.
/// * An account that needs a new login is an [`ActionError::UnknownAccount`] saying to run
///   `instagraph auth login`, never a silent switch to another account.
pub struct StoredClients {
    clients: AccountClients,
    fallback: Option<SingleAccount>,
}

impl std::fmt::Debug for StoredClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredClients")
            .field("clients", &self.clients)
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

impl StoredClients {
    /// Accounts from `vault`; clients talk to `base_url` (the sandbox) or the platform.
    pub fn new(
        vault: Arc<AccountVault>,
        base_url: Option<String>,
        clock: instagraph::clock::SharedClock,
    ) -> Self {
        Self {
            clients: AccountClients::new(vault, base_url, clock),
            fallback: None,
        }
    }

    /// Serves local images through `host` (for publishing with local files).
    pub fn with_media_host(mut self, host: Arc<dyn MediaHost>) -> Self {
        self.clients = self.clients.with_media_host(host);
        self
    }

    /// The client used when no stored account is named and none is the default; `name` is what
    /// it is known by besides its ids (a sandbox account's name, a config profile).
    pub fn with_fallback(mut self, client: Client, name: Option<String>) -> Self {
        self.fallback = Some(SingleAccount::new(client, name));
        self
    }

    fn needs_login(acc: &StoredAccount) -> ActionError {
        ActionError::UnknownAccount(format!(
            "account {:?} needs a new login ({}): run `instagraph auth login`",
            acc.name,
            acc.state_reason
                .as_deref()
                .unwrap_or("its token was refused")
        ))
    }

    async fn stored(&self, acc: StoredAccount) -> Result<ResolvedAccount, ActionError> {
        if acc.state == AccountState::NeedsLogin {
            return Err(Self::needs_login(&acc));
        }
        match self.clients.client_for(&acc).await {
            Some(client) => Ok(ResolvedAccount {
                client,
                keys: account_keys(&acc),
            }),
            None => Err(ActionError::UnknownAccount(format!(
                "account {:?} cannot be used: its token cannot be opened (check                  INSTAGRAPH_SECRET_KEY or the key file), or run `instagraph auth login`",
                acc.name
            ))),
        }
    }
}

#[async_trait::async_trait]
impl ClientSource for StoredClients {
    async fn resolve(&self, account: Option<&str>) -> Result<ResolvedAccount, ActionError> {
        let store = self.clients.vault.store();
        match account.map(str::trim).filter(|a| !a.is_empty()) {
            None | Some("me") => {
                let default = store
                    .default_account()
                    .await
                    .map_err(|e| ActionError::Store(e.to_string()))?;
                if let Some(acc) = default {
                    return self.stored(acc).await;
                }
                match &self.fallback {
                    Some(f) => f.resolve(None).await,
                    None => Err(ActionError::UnknownAccount(
                        "no account is configured: run `instagraph auth login` (or set                          INSTAGRAPH_ACCESS_TOKEN)"
                            .to_owned(),
                    )),
                }
            }
            Some(key) => {
                if let Some(acc) = self.clients.find(key).await {
                    return self.stored(acc).await;
                }
                if let Some(f) = &self.fallback
                    && f.known().await.iter().any(|k| k == key)
                {
                    return f.resolve(Some(key)).await;
                }
                let known = self.known().await;
                Err(ActionError::UnknownAccount(format!(
                    "no account {key:?}: known accounts are {} (or `me` for the default; add one                      with `instagraph auth login`)",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )))
            }
        }
    }

    async fn known(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Ok(accounts) = self.clients.vault.store().accounts().await {
            for a in &accounts {
                for k in account_keys(a) {
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
        }
        if let Some(f) = &self.fallback {
            for k in f.known().await {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys
    }
}
