//! API keys: what clients of the service (the Graph proxy, the MCP endpoint) authenticate with.
//!
//! A key is `igk_` followed by 64 hex characters (32 random bytes), shown to its owner once by
//! [`generate_key`]. The store keeps only its SHA-256 ([`hash_key`]) and a short prefix for
//! display, so a stolen database cannot be used to call the service; a presented key is looked
//! up by its hash ([`ApiKeyStore::api_key_by_hash`]).
//!
//! Each key has a [`KeyScope`] (read, or read and write), a list of the accounts it may act as
//! (names or ids; empty for every account), and optionally the access an agent using it gets
//! (`full`, `drafts` or `read-only`, used by the MCP endpoint). Revoking a key keeps its row
//! (for the record) and frees its name for a new key.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// Every key starts with this.
pub const KEY_PREFIX: &str = "igk_";

/// How many characters of a key are kept for display (`igk_` and 8 hex characters).
pub const DISPLAY_PREFIX_CHARS: usize = 12;

/// The values [`ApiKey::agent_access`] may take.
pub const AGENT_ACCESS: [&str; 3] = ["full", "drafts", "read-only"];

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    /// Reads only (GET).
    Read,
    /// Reads and writes (GET, POST, DELETE).
    ReadWrite,
}

impl KeyScope {
    /// The stored name: `read` or `read_write`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScope::Read => "read",
            KeyScope::ReadWrite => "read_write",
        }
    }

    /// Parses `read`, or `read_write` / `read-write` / `rw`.
    pub fn parse(s: &str) -> Option<KeyScope> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "read" | "r" | "read_only" => Some(KeyScope::Read),
            "read_write" | "rw" | "write" => Some(KeyScope::ReadWrite),
            _ => None,
        }
    }

    /// Whether the scope allows writes (POST, DELETE).
    pub fn allows_write(self) -> bool {
        self == KeyScope::ReadWrite
    }
}

impl std::fmt::Display for KeyScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key as stored (never the key itself).
///
/// `Debug` shows only the first characters of the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The row id.
    pub id: i64,
    /// The key's name (unique among keys that are not revoked).
    pub name: String,
    /// SHA-256 of the key, lowercase hex.
    pub key_hash: String,
    /// The key's first characters (`igk_1a2b3c4d`), for display.
    pub prefix: String,
    /// What it may do.
    pub scope: KeyScope,
    /// The accounts it may act as (names or ids); empty for every account.
    pub accounts: Vec<String>,
    /// The access an agent using this key gets (`full`, `drafts`, `read-only`), if set.
    pub agent_access: Option<String>,
    /// Created, unix ms.
    pub created_at_ms: i64,
    /// Last used, unix ms.
    pub last_used_at_ms: Option<i64>,
    /// Revoked, unix ms.
    pub revoked_at_ms: Option<i64>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = self.key_hash.chars().take(8).collect();
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("key_hash", &format_args!("{shown}…"))
            .field("prefix", &self.prefix)
            .field("scope", &self.scope)
            .field("accounts", &self.accounts)
            .field("agent_access", &self.agent_access)
            .field("created_at_ms", &self.created_at_ms)
            .field("last_used_at_ms", &self.last_used_at_ms)
            .field("revoked_at_ms", &self.revoked_at_ms)
            .finish()
    }
}

impl ApiKey {
    /// Whether the key may act as an account known by any of `keys` (its name and ids): true
    /// when the key is not limited to accounts, or lists one of them.
    pub fn allows_account<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> bool {
        if self.accounts.is_empty() {
            return true;
        }
        keys.into_iter()
            .any(|k| self.accounts.iter().any(|a| a == k))
    }

    /// Whether the key is revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked_at_ms.is_some()
    }

    /// What `instagraph keys list` shows: everything but the hash.
    pub fn summary(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "prefix": self.prefix,
            "scope": self.scope,
            "accounts": self.accounts,
            "agent_access": self.agent_access,
            "created_at_ms": self.created_at_ms,
            "last_used_at_ms": self.last_used_at_ms,
            "revoked_at_ms": self.revoked_at_ms,
        })
    }
}

/// A key to store: built from the key in the clear by [`NewApiKey::new`], which keeps only its
/// hash and prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// The name (1 to 64 letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// SHA-256 of the key, lowercase hex ([`hash_key`]).
    pub key_hash: String,
    /// The key's first [`DISPLAY_PREFIX_CHARS`] characters.
    pub prefix: String,
    /// What it may do.
    pub scope: KeyScope,
    /// The accounts it may act as; empty for every account.
    pub accounts: Vec<String>,
    /// `full`, `drafts` or `read-only`, if set.
    pub agent_access: Option<String>,
    /// Created, unix ms.
    pub created_at_ms: i64,
}

impl std::fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = self.key_hash.chars().take(8).collect();
        f.debug_struct("NewApiKey")
            .field("name", &self.name)
            .field("key_hash", &format_args!("{shown}…"))
            .field("prefix", &self.prefix)
            .field("scope", &self.scope)
            .field("accounts", &self.accounts)
            .field("agent_access", &self.agent_access)
            .field("created_at_ms", &self.created_at_ms)
            .finish()
    }
}

impl NewApiKey {
    /// A key named `name` for `key` (in the clear; only its hash and prefix are kept).
    pub fn new(
        name: &str,
        key: &SecretString,
        scope: KeyScope,
        accounts: Vec<String>,
        agent_access: Option<String>,
        created_at_ms: i64,
    ) -> Self {
        use secrecy::ExposeSecret;
        let key = key.expose_secret();
        Self {
            name: name.to_owned(),
            key_hash: hash_key(key),
            prefix: key.chars().take(DISPLAY_PREFIX_CHARS).collect(),
            scope,
            accounts,
            agent_access,
            created_at_ms,
        }
    }
}

/// A new key: `igk_` and 32 random bytes from the operating system, hex-encoded.
pub fn generate_key() -> Result<SecretString, crate::SecretError> {
    use chacha20poly1305::aead::Generate;
    let bytes =
        <[u8; 32]>::try_generate().map_err(|e| crate::SecretError::Random(e.to_string()))?;
    Ok(SecretString::from(format!(
        "{KEY_PREFIX}{}",
        hex::encode(bytes)
    )))
}

/// SHA-256 of a key, lowercase hex (what the store keeps and looks keys up by).
pub fn hash_key(key: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Whether `s` has the shape of a key (`igk_` and 64 lowercase hex characters).
pub fn looks_like_key(s: &str) -> bool {
    s.strip_prefix(KEY_PREFIX).is_some_and(|rest| {
        rest.len() == 64
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn invalid(name: &str, reason: impl Into<String>) -> StoreError {
    StoreError::InvalidApiKey {
        name: name.chars().take(64).collect(),
        reason: reason.into(),
    }
}

/// Checks what the store insists on before writing a key: a usable name, a SHA-256 hash (never
/// a key in the clear), a short prefix, known agent access, non-empty account entries.
pub(crate) fn validate(k: &NewApiKey) -> Result<(), StoreError> {
    let name_ok = !k.name.is_empty()
        && k.name.len() <= 64
        && k.name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !name_ok {
        return Err(invalid(
            &k.name,
            "a key name is 1 to 64 letters, digits, `.`, `_` or `-`",
        ));
    }
    let hash_ok = k.key_hash.len() == 64
        && k.key_hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hash_ok {
        return Err(invalid(
            &k.name,
            "the key hash is not a lowercase hex SHA-256 (refusing to store a key in the clear)",
        ));
    }
    if !k.prefix.starts_with(KEY_PREFIX) || k.prefix.chars().count() > DISPLAY_PREFIX_CHARS {
        return Err(invalid(
            &k.name,
            format!(
                "the display prefix must be `{KEY_PREFIX}` and at most {DISPLAY_PREFIX_CHARS} characters"
            ),
        ));
    }
    if let Some(a) = &k.agent_access
        && !AGENT_ACCESS.contains(&a.as_str())
    {
        return Err(invalid(
            &k.name,
            format!(
                "unknown agent access `{}` (expected full, drafts or read-only)",
                a.chars().take(32).collect::<String>()
            ),
        ));
    }
    if k.accounts
        .iter()
        .any(|a| a.trim().is_empty() || a.len() > 128)
    {
        return Err(invalid(
            &k.name,
            "account entries are names or ids of 1 to 128 characters",
        ));
    }
    Ok(())
}

/// API keys (part of every [`Store`](crate::Store); implemented once for both backends in
/// `api_keys_sql.rs`). Keys arrive and leave as hashes.
#[async_trait::async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new key. Fails with [`StoreError::InvalidApiKey`] for a bad name or hash, or
    /// when a key that is not revoked already has the name.
    async fn create_api_key(&self, k: &NewApiKey) -> Result<ApiKey, StoreError>;

    /// Every key, revoked ones included, by name then id.
    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// The key whose hash is `key_hash`, unless it is revoked.
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError>;

    /// Revokes the key named `name` (at `now_ms`); returns false if there is no such key that
    /// is not already revoked.
    async fn revoke_api_key(&self, name: &str, now_ms: i64) -> Result<bool, StoreError>;

    /// Records that key `id` was used at `now_ms`.
    async fn touch_api_key(&self, id: i64, now_ms: i64) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_shape_and_hash_differently() {
        let a = generate_key().unwrap();
        let b = generate_key().unwrap();
        use secrecy::ExposeSecret;
        assert!(
            looks_like_key(a.expose_secret()),
            "{}",
            a.expose_secret().len()
        );
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(hash_key(a.expose_secret()).len(), 64);
        assert_ne!(hash_key(a.expose_secret()), hash_key(b.expose_secret()));
        // A known vector: SHA-256("abc").
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn debug_never_shows_the_whole_hash() {
        let key = generate_key().unwrap();
        let k = NewApiKey::new("ci", &key, KeyScope::Read, vec![], None, 1);
        let shown = format!("{k:?}");
        assert!(!shown.contains(&k.key_hash), "{shown}");
        use secrecy::ExposeSecret;
        assert!(!shown.contains(key.expose_secret()), "{shown}");
        assert!(validate(&k).is_ok());
    }

    #[test]
    fn validation_refuses_keys_in_the_clear_and_bad_values() {
        let key = generate_key().unwrap();
        let good = NewApiKey::new("ci", &key, KeyScope::ReadWrite, vec![], None, 1);
        let mut clear = good.clone();
        use secrecy::ExposeSecret;
        clear.key_hash = key.expose_secret().to_owned();
        assert!(validate(&clear).is_err());
        let mut bad_name = good.clone();
        bad_name.name = "a b".into();
        assert!(validate(&bad_name).is_err());
        let mut bad_access = good.clone();
        bad_access.agent_access = Some("root".into());
        assert!(validate(&bad_access).is_err());
        let mut ok_access = good;
        ok_access.agent_access = Some("drafts".into());
        assert!(validate(&ok_access).is_ok());
    }

    #[test]
    fn scopes_parse_and_accounts_filter() {
        assert_eq!(KeyScope::parse("read-write"), Some(KeyScope::ReadWrite));
        assert_eq!(KeyScope::parse("read_write"), Some(KeyScope::ReadWrite));
        assert_eq!(KeyScope::parse("read"), Some(KeyScope::Read));
        assert_eq!(KeyScope::parse("admin"), None);
        let key = ApiKey {
            id: 1,
            name: "n".into(),
            key_hash: "0".repeat(64),
            prefix: "igk_".into(),
            scope: KeyScope::Read,
            accounts: vec!["shop".into()],
            agent_access: None,
            created_at_ms: 0,
            last_used_at_ms: None,
            revoked_at_ms: None,
        };
        assert!(key.allows_account(["shop", "1784"]));
        assert!(!key.allows_account(["other", "1785"]));
        let all = ApiKey {
            accounts: vec![],
            ..key
        };
        assert!(all.allows_account(["anything"]));
    }
}
