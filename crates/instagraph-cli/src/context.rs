//! Resolves flags, environment and the config file into a client (and a store when asked).

use crate::Refused;
use crate::cli::Global;
use crate::config::{self, AccountConfig, FileConfig};
use anyhow::{Context as _, Result};
use instagraph::ids::IgUserId;
use instagraph::ratelimit::BudgetSink;
use instagraph::retry::RetryPolicy;
use instagraph::{ApiVersion, Client, ClientConfig, LoginFamily};
use instagraph_store::{BudgetPersistence, Store};
use std::sync::Arc;

/// Everything resolved for one invocation.
pub struct Context {
    /// The flags.
    pub global: Global,
    /// The config file.
    pub file: FileConfig,
    /// The selected account's entry (empty when none).
    pub account_name: Option<String>,
    account: AccountConfig,
    /// `--account NAME` not found in the config file: looked up in the store instead.
    store_account: Option<String>,
}

fn refused(msg: impl Into<String>) -> anyhow::Error {
    Refused(msg.into()).into()
}

impl Context {
    /// Loads the config file and selects the account.
    pub fn load(global: Global) -> Result<Self> {
        let file = config::load(global.config.as_deref())?;
        let account_name = global
            .account
            .clone()
            .or_else(|| file.default_account.clone());
        let account = match &account_name {
            Some(name) => match file.accounts.get(name) {
                Some(a) => a.clone(),
                None => AccountConfig::default(),
            },
            None => AccountConfig::default(),
        };
        let store_account = global
            .account
            .clone()
            .filter(|n| !file.accounts.contains_key(n));
        Ok(Self {
            global,
            file,
            account_name,
            account,
            store_account,
        })
    }

    /// When no token is given by flags, environment or the config file, uses an account stored
    /// by `instagraph auth` (`--account NAME`, else the default one). Refuses an account that
    /// needs a new login, saying so.
    pub async fn attach_stored_account(&mut self) -> Result<()> {
        if self.token()?.is_some() {
            return Ok(());
        }
        let env_key = std::env::var(instagraph_store::secrets::SECRET_KEY_ENV)
            .ok()
            .filter(|k| !k.is_empty());
        let key_file = data_dir()?.join("secret.key");
        let not_found = |name: &str| {
            refused(format!(
                "no account named {name:?} in the config file or the store (see `instagraph auth list`)"
            ))
        };
        if env_key.is_none() && !key_file.exists() {
            return match &self.store_account {
                Some(name) => Err(not_found(name)),
                None => Ok(()),
            };
        }
        let db = crate::commands::db_or_default(self)?;
        let store = instagraph_store::open(&db)
            .await
            .context("opening the database")?;
        let secrets = instagraph_store::secrets::SecretBox::load(env_key.as_deref(), &key_file)
            .map_err(|e| refused(e.to_string()))?;
        let vault = instagraph_store::accounts::AccountVault::new(store, secrets);
        let found = match &self.store_account {
            Some(name) => vault.store().account(name).await?,
            None => vault.store().default_account().await?,
        };
        let Some(acc) = found else {
            return match &self.store_account {
                Some(name) => Err(not_found(name)),
                None => Ok(()),
            };
        };
        if acc.state == instagraph_store::accounts::AccountState::NeedsLogin {
            return Err(refused(format!(
                "account {} needs a new login ({}): `instagraph auth login`",
                acc.name,
                acc.state_reason
                    .as_deref()
                    .unwrap_or("token expired or revoked")
            )));
        }
        use secrecy::ExposeSecret;
        let token = vault.token(&acc).await?;
        let app_secret = vault.app_secret(&acc).await?;
        self.account = AccountConfig {
            login: Some(acc.family.clone()),
            access_token: Some(token.expose_secret().to_owned()),
            app_secret: app_secret.map(|s| s.expose_secret().to_owned()),
            ig_user_id: acc.ig_user_id.clone(),
            base_url: None,
            api_version: None,
        };
        self.account_name = Some(acc.name);
        Ok(())
    }

    /// The access token, if any is configured (flag/env first, then the file).
    pub fn token(&self) -> Result<Option<String>> {
        if let Some(t) = self.global.token.as_ref().filter(|t| !t.is_empty()) {
            return Ok(Some(t.clone()));
        }
        self.account
            .access_token
            .as_deref()
            .map(|t| config::expand_env(t, "access_token"))
            .transpose()
    }

    /// App secrets (comma-separated in the flag/env for the service; the first signs calls).
    pub fn app_secrets(&self) -> Result<Vec<String>> {
        let raw = match &self.global.app_secret {
            Some(s) => Some(s.clone()),
            None => self
                .account
                .app_secret
                .as_deref()
                .map(|s| config::expand_env(s, "app_secret"))
                .transpose()?,
        };
        Ok(raw
            .map(|s| {
                s.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The database URL, if configured.
    pub fn db(&self) -> Option<String> {
        self.global.db.clone().or_else(|| self.file.db.clone())
    }

    /// The login family: flag/env, the file, or inferred from the token's prefix.
    pub fn login(&self, token: &str) -> Result<LoginFamily> {
        if let Some(l) = self
            .global
            .login
            .as_deref()
            .or(self.account.login.as_deref())
        {
            return l.parse::<LoginFamily>().map_err(|e| refused(e.to_string()));
        }
        if token.starts_with("IG") {
            Ok(LoginFamily::Instagram)
        } else if token.starts_with("EAA") {
            Ok(LoginFamily::Facebook)
        } else {
            Err(refused(
                "cannot tell the login family from the token: set --login facebook|instagram (INSTAGRAPH_LOGIN)",
            ))
        }
    }

    /// The client configuration.
    pub fn client_config(&self) -> Result<ClientConfig> {
        let token = self.token()?.ok_or_else(|| {
            refused("no access token: set --token or INSTAGRAPH_ACCESS_TOKEN (or an account in the config file); `instagraph sandbox` prints test tokens")
        })?;
        let login = self.login(&token)?;
        let mut cfg = ClientConfig::new(login, token);
        if let Some(url) = self
            .global
            .base_url
            .clone()
            .or_else(|| self.account.base_url.clone())
        {
            cfg = cfg.base_url(url);
        }
        if let Some(secret) = self.app_secrets()?.into_iter().next() {
            cfg = cfg.app_secret(secret);
        }
        let version = self
            .global
            .api_version
            .clone()
            .or_else(|| self.account.api_version.clone())
            .or_else(|| self.file.api_version.clone());
        if let Some(v) = version {
            cfg = cfg.api_version(ApiVersion::parse(&v)?);
        }
        if let Some(id) = self
            .global
            .ig_user_id
            .clone()
            .or_else(|| self.account.ig_user_id.clone())
        {
            cfg = cfg.ig_user_id(IgUserId::parse(&id)?);
        }
        if self.global.no_retry {
            cfg = cfg.retry(RetryPolicy::none());
        }
        cfg.account = self.account_name.clone();
        Ok(cfg)
    }

    /// Opens the store when a database is configured.
    pub async fn store(&self) -> Result<Option<Arc<dyn Store>>> {
        match self.db() {
            Some(url) => Ok(Some(
                instagraph_store::open(&url)
                    .await
                    .context("opening the database")?,
            )),
            None => Ok(None),
        }
    }

    /// The client, with budgets restored from and persisted to the store when one is configured.
    pub async fn client(&self) -> Result<Client> {
        self.client_with(|b| b).await
    }

    /// [`Context::client`], with more set on the builder (a media host, say).
    pub async fn client_with(
        &self,
        extra: impl FnOnce(instagraph::ClientBuilder) -> instagraph::ClientBuilder,
    ) -> Result<Client> {
        let cfg = self.client_config()?;
        let longest_window = cfg
            .budgets
            .budgets
            .values()
            .map(|b| b.window_secs)
            .max()
            .unwrap_or(3600);
        let mut builder = Client::builder(cfg);
        if let Some(store) = self.store().await? {
            let persistence = BudgetPersistence::new(store);
            let now_ms = now_unix_ms();
            let since = now_ms - i64::try_from(longest_window * 1000).unwrap_or(i64::MAX);
            builder = builder.restore_budgets(
                persistence
                    .load(since)
                    .await
                    .context("loading rate budgets")?,
            );
            builder = builder.budget_sink(Arc::new(persistence) as Arc<dyn BudgetSink>);
        }
        Ok(extra(builder).build()?)
    }

    /// The selected account's IG user id from the config file, if any.
    pub fn account_ig_user_id(&self) -> Option<String> {
        self.account.ig_user_id.clone()
    }
}

/// Instagraph's data directory (`$XDG_DATA_HOME/instagraph`, else
/// `~/.local/share/instagraph`), created if missing.
pub fn data_dir() -> Result<std::path::PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let dir = base.join("instagraph");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Now in unix milliseconds.
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
