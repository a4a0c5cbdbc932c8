//! Accounts: the Instagram (or Facebook Login) profiles this installation acts as, with their
//! tokens sealed at rest.
//!
//! The store ([`AccountStore`]) only ever sees sealed secrets: it refuses a token that does not
//! have the shape of a [`SecretBox`] sealed value. Callers use [`AccountVault`], which seals on
//! the way in and opens on the way out.
//!
//! Every write bumps the row's `version`. A token refresh reads the account, talks to the
//! platform, then calls [`AccountStore::replace_token`] with the version it read: if a re-login
//! or another refresh wrote the row meanwhile, the refresh loses cleanly and changes nothing.
//!
//! # The default account
//!
//! At most one account is the default, enforced inside each write's transaction (and by a
//! partial unique index). Saving with `is_default` makes that account the default; saving
//! without it keeps an existing account's flag (a re-login does not drop the default) and makes
//! a new account the default only when no account is. Deleting the default leaves none until
//! [`AccountStore::set_default_account`] names one.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::secrets::SecretBox;
use crate::{Store, StoreError};

/// Where an account's credentials stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// The token works (as far as we know).
    Active,
    /// The token is gone for good (expired, revoked, password changed): a person must log in
    /// again.
    NeedsLogin,
    /// Refreshing failed (transiently, so far); the current token may still work until it
    /// expires.
    RefreshFailing,
}

impl AccountState {
    /// Every state.
    pub const ALL: [AccountState; 3] = [
        AccountState::Active,
        AccountState::NeedsLogin,
        AccountState::RefreshFailing,
    ];

    /// The name stored in the database: `active`, `needs_login`, `refresh_failing`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Active => "active",
            AccountState::NeedsLogin => "needs_login",
            AccountState::RefreshFailing => "refresh_failing",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<AccountState> {
        AccountState::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl std::fmt::Display for AccountState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The login families an account can belong to.
pub const FAMILIES: [&str; 2] = ["instagram", "facebook"];

/// An account as stored: its secrets are sealed (see [`AccountVault`] to open them).
///
/// `Debug` shows whether each secret is present, never the sealed text.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredAccount {
    /// The profile name, unique (letters, digits, `.`, `_`, `-`; at most 64).
    pub name: String,
    /// The login family: `instagram` (Instagram Login) or `facebook` (Facebook Login).
    pub family: String,
    /// The Instagram professional account id (what webhooks carry as `entry.id`).
    pub ig_user_id: Option<String>,
    /// The app-scoped id Instagram Login's `/me` returns as `id` (differs from `user_id`).
    pub app_scoped_id: Option<String>,
    /// Facebook Login: the Page whose token is used for messaging.
    pub page_id: Option<String>,
    /// The Instagram username.
    pub username: Option<String>,
    /// The app the token was issued to.
    pub app_id: Option<String>,
    /// The sealed user access token.
    pub sealed_token: String,
    /// The sealed Page access token (Facebook Login).
    pub sealed_page_token: Option<String>,
    /// The sealed app secret (for `appsecret_proof` and refreshing).
    pub sealed_app_secret: Option<String>,
    /// The permissions granted.
    pub scopes: Vec<String>,
    /// When the current token was issued, unix ms.
    pub issued_at: i64,
    /// When it expires, unix ms (`None`: does not expire, or unknown).
    pub expires_at: Option<i64>,
    /// When it was last refreshed, unix ms.
    pub refreshed_at: Option<i64>,
    /// Where the credentials stand.
    pub state: AccountState,
    /// Why (the last refresh error, ...).
    pub state_reason: Option<String>,
    /// Whether this is the default account.
    pub is_default: bool,
    /// Bumped on every write (optimistic concurrency); 1 for a new account.
    pub version: i64,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last written, unix ms.
    pub updated_at: i64,
}

impl std::fmt::Debug for StoredAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sealed = |present: bool| if present { "[SEALED]" } else { "None" };
        f.debug_struct("StoredAccount")
            .field("name", &self.name)
            .field("family", &self.family)
            .field("ig_user_id", &self.ig_user_id)
            .field("app_scoped_id", &self.app_scoped_id)
            .field("page_id", &self.page_id)
            .field("username", &self.username)
            .field("app_id", &self.app_id)
            .field("sealed_token", &format_args!("[SEALED]"))
            .field(
                "sealed_page_token",
                &format_args!("{}", sealed(self.sealed_page_token.is_some())),
            )
            .field(
                "sealed_app_secret",
                &format_args!("{}", sealed(self.sealed_app_secret.is_some())),
            )
            .field("scopes", &self.scopes)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("refreshed_at", &self.refreshed_at)
            .field("state", &self.state)
            .field("state_reason", &self.state_reason)
            .field("is_default", &self.is_default)
            .field("version", &self.version)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// An account to save through an [`AccountVault`]: the fields of [`StoredAccount`] with the
/// secrets in the clear (wrapped in [`SecretString`], so `Debug` redacts them).
#[derive(Clone, Debug)]
pub struct NewAccount {
    /// The profile name (letters, digits, `.`, `_`, `-`; at most 64).
    pub name: String,
    /// `instagram` or `facebook`.
    pub family: String,
    /// The Instagram professional account id.
    pub ig_user_id: Option<String>,
    /// Instagram Login's app-scoped id.
    pub app_scoped_id: Option<String>,
    /// Facebook Login: the Page used for messaging.
    pub page_id: Option<String>,
    /// The Instagram username.
    pub username: Option<String>,
    /// The app id.
    pub app_id: Option<String>,
    /// The user access token.
    pub token: SecretString,
    /// The Page access token (Facebook Login).
    pub page_token: Option<SecretString>,
    /// The app secret.
    pub app_secret: Option<SecretString>,
    /// The permissions granted.
    pub scopes: Vec<String>,
    /// When the token was issued, unix ms.
    pub issued_at: i64,
    /// When it expires, unix ms.
    pub expires_at: Option<i64>,
    /// When it was last refreshed, unix ms.
    pub refreshed_at: Option<i64>,
    /// The state (usually [`AccountState::Active`] after a login).
    pub state: AccountState,
    /// Why.
    pub state_reason: Option<String>,
    /// Make it the default account (see the [module docs](self) for what `false` does).
    pub is_default: bool,
}

impl NewAccount {
    /// An active account with just a name, a family and a token; set the rest as needed.
    pub fn new(name: &str, family: &str, token: SecretString, issued_at: i64) -> Self {
        Self {
            name: name.to_owned(),
            family: family.to_owned(),
            ig_user_id: None,
            app_scoped_id: None,
            page_id: None,
            username: None,
            app_id: None,
            token,
            page_token: None,
            app_secret: None,
            scopes: Vec::new(),
            issued_at,
            expires_at: None,
            refreshed_at: None,
            state: AccountState::Active,
            state_reason: None,
            is_default: false,
        }
    }
}

/// Checks what the store insists on before writing an account: a usable name, a known family,
/// and sealed secrets (a plaintext token is refused, never stored).
pub(crate) fn validate(a: &StoredAccount) -> Result<(), StoreError> {
    validate_name(&a.name)?;
    if !FAMILIES.contains(&a.family.as_str()) {
        return Err(StoreError::InvalidAccount {
            name: a.name.clone(),
            reason: format!(
                "unknown family `{}` (expected `instagram` or `facebook`)",
                a.family.chars().take(32).collect::<String>()
            ),
        });
    }
    let sealed = [
        ("token", Some(a.sealed_token.as_str())),
        ("page token", a.sealed_page_token.as_deref()),
        ("app secret", a.sealed_app_secret.as_deref()),
    ];
    for (what, value) in sealed {
        if let Some(v) = value
            && !SecretBox::is_sealed(v)
        {
            return Err(StoreError::InvalidAccount {
                name: a.name.clone(),
                reason: format!(
                    "the {what} is not sealed (refusing to store a secret in the clear)"
                ),
            });
        }
    }
    Ok(())
}

/// Checks a profile name: 1 to 64 of ASCII letters, digits, `.`, `_` and `-`.
pub fn validate_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidAccount {
            name: name.chars().take(64).collect(),
            reason: "a profile name is 1 to 64 letters, digits, `.`, `_` or `-`".to_owned(),
        })
    }
}

/// Accounts (part of every [`Store`]; implemented once for both backends in
/// `accounts_sql.rs`). Secrets arrive and leave sealed; see [`AccountVault`].
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    /// Inserts the account, or replaces the one with the same name (keeping its `created_at`,
    /// bumping its `version`). `a.version`, `a.created_at` and `a.updated_at` are ignored. See
    /// the [module docs](self) for `is_default`. Returns the row as stored.
    ///
    /// Fails with [`StoreError::InvalidAccount`] for a bad name or family, or a secret that is
    /// not sealed.
    async fn upsert_account(
        &self,
        a: &StoredAccount,
        now_ms: i64,
    ) -> Result<StoredAccount, StoreError>;

    /// One account by name.
    async fn account(&self, name: &str) -> Result<Option<StoredAccount>, StoreError>;

    /// Every account, by name.
    async fn accounts(&self) -> Result<Vec<StoredAccount>, StoreError>;

    /// The account a webhook's `entry.id` belongs to: the one whose `ig_user_id`,
    /// `app_scoped_id` or `page_id` is `id` (in that order of preference; then the default,
    /// then by name, should several match).
    async fn account_for_ig_user(&self, id: &str) -> Result<Option<StoredAccount>, StoreError>;

    /// The default account, if any.
    async fn default_account(&self) -> Result<Option<StoredAccount>, StoreError>;

    /// Makes `name` the only default account (rows whose flag changes get a new `version` and
    /// `updated_at` = the wall clock). Returns false (changing nothing) if there is no such
    /// account.
    async fn set_default_account(&self, name: &str) -> Result<bool, StoreError>;

    /// Deletes an account; returns whether it existed.
    async fn delete_account(&self, name: &str) -> Result<bool, StoreError>;

    /// Replaces the token atomically if the row still has `expected_version` (a refresh racing
    /// another refresh or a re-login loses cleanly): returns the new row, or `None` (and
    /// changes nothing) if the account is gone or was written meanwhile. A replaced token also
    /// sets `refreshed_at` to `now_ms` and the state back to [`AccountState::Active`] (no
    /// reason).
    async fn replace_token(
        &self,
        name: &str,
        expected_version: i64,
        sealed_token: &str,
        issued_at: i64,
        expires_at: Option<i64>,
        now_ms: i64,
    ) -> Result<Option<StoredAccount>, StoreError>;

    /// Sets the state and its reason; returns false if there is no such account.
    async fn set_account_state(
        &self,
        name: &str,
        state: AccountState,
        reason: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
}

/// Accounts with their secrets sealed and opened by a [`SecretBox`]: what callers use.
///
/// `Debug` shows the store and `SecretBox([REDACTED])`.
#[derive(Clone, Debug)]
pub struct AccountVault {
    store: Arc<dyn Store>,
    secrets: SecretBox,
}

impl AccountVault {
    /// A vault over `store`, sealing with `secrets`.
    pub fn new(store: Arc<dyn Store>, secrets: SecretBox) -> Self {
        Self { store, secrets }
    }

    /// The underlying store (for the reads and writes that involve no secret).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The box the vault seals with.
    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// Seals the account's secrets and saves it ([`AccountStore::upsert_account`]).
    pub async fn save(&self, a: &NewAccount, now_ms: i64) -> Result<StoredAccount, StoreError> {
        validate_name(&a.name)?;
        let seal = |s: &SecretString| self.secrets.try_seal(s.expose_secret());
        let stored = StoredAccount {
            name: a.name.clone(),
            family: a.family.clone(),
            ig_user_id: a.ig_user_id.clone(),
            app_scoped_id: a.app_scoped_id.clone(),
            page_id: a.page_id.clone(),
            username: a.username.clone(),
            app_id: a.app_id.clone(),
            sealed_token: seal(&a.token).map_err(self.err(&a.name, "token"))?,
            sealed_page_token: a
                .page_token
                .as_ref()
                .map(seal)
                .transpose()
                .map_err(self.err(&a.name, "page token"))?,
            sealed_app_secret: a
                .app_secret
                .as_ref()
                .map(seal)
                .transpose()
                .map_err(self.err(&a.name, "app secret"))?,
            scopes: a.scopes.clone(),
            issued_at: a.issued_at,
            expires_at: a.expires_at,
            refreshed_at: a.refreshed_at,
            state: a.state,
            state_reason: a.state_reason.clone(),
            is_default: a.is_default,
            version: 0,
            created_at: now_ms,
            updated_at: now_ms,
        };
        self.store.upsert_account(&stored, now_ms).await
    }

    /// The account's user access token, opened.
    pub async fn token(&self, a: &StoredAccount) -> Result<SecretString, StoreError> {
        self.secrets
            .open(&a.sealed_token)
            .map_err(self.err(&a.name, "token"))
    }

    /// The account's Page access token, opened (`None` if it has none).
    pub async fn page_token(&self, a: &StoredAccount) -> Result<Option<SecretString>, StoreError> {
        a.sealed_page_token
            .as_deref()
            .map(|s| self.secrets.open(s))
            .transpose()
            .map_err(self.err(&a.name, "page token"))
    }

    /// The account's app secret, opened (`None` if it has none).
    pub async fn app_secret(&self, a: &StoredAccount) -> Result<Option<SecretString>, StoreError> {
        a.sealed_app_secret
            .as_deref()
            .map(|s| self.secrets.open(s))
            .transpose()
            .map_err(self.err(&a.name, "app secret"))
    }

    /// Seals `new_token` and stores it with [`AccountStore::replace_token`]: `None` when the
    /// row no longer has `expected_version` (the refresh lost; nothing changed).
    pub async fn refresh_token(
        &self,
        name: &str,
        expected_version: i64,
        new_token: &SecretString,
        issued_at: i64,
        expires_at: Option<i64>,
        now_ms: i64,
    ) -> Result<Option<StoredAccount>, StoreError> {
        let sealed = self
            .secrets
            .try_seal(new_token.expose_secret())
            .map_err(self.err(name, "token"))?;
        self.store
            .replace_token(
                name,
                expected_version,
                &sealed,
                issued_at,
                expires_at,
                now_ms,
            )
            .await
    }

    fn err(
        &self,
        account: &str,
        what: &'static str,
    ) -> impl FnOnce(crate::secrets::SecretError) -> StoreError {
        let account = account.to_owned();
        move |source| StoreError::Secret {
            account,
            what,
            source,
        }
    }
}
