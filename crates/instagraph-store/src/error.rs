//! The one error type of the crate.

use crate::Backend;

/// Everything that can go wrong opening or using a store.
///
/// Messages never contain a connection password: URLs are redacted (`user:***@host`) and
/// connection failures are reported as scrubbed text rather than the driver's error value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL names a scheme this crate cannot open.
    #[error(
        "unsupported store URL `{url}`: expected `sqlite:PATH`, `sqlite://PATH`, a file path, \
         `:memory:`, `postgres://...` or `postgresql://...`"
    )]
    UnsupportedScheme {
        /// The URL, password redacted.
        url: String,
    },

    /// The URL has a supported scheme but cannot be used as given.
    #[error("invalid store URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The database could not be opened or reached.
    #[error("cannot open {backend} store at `{url}`: {reason}")]
    Connect {
        /// Which backend was being opened.
        backend: Backend,
        /// The URL or path, password redacted.
        url: String,
        /// The driver's message, with any password scrubbed.
        reason: String,
    },

    /// A schema migration failed; the failed migration's transaction was rolled back.
    #[error("{backend} store: migration {version} ({name}) failed: {source}")]
    Migration {
        /// Which backend.
        backend: Backend,
        /// The migration's version number.
        version: i64,
        /// The migration's name.
        name: &'static str,
        /// The driver error.
        #[source]
        source: sqlx::Error,
    },

    /// A query failed.
    #[error("{backend} store: {op} failed: {source}")]
    Database {
        /// Which backend.
        backend: Backend,
        /// The operation that failed (e.g. `kv_put`).
        op: &'static str,
        /// The driver error.
        #[source]
        source: sqlx::Error,
    },

    /// A stored key-value entry is not valid JSON (written by something other than this crate).
    #[error("stored value {namespace}/{key} is not valid JSON: {source}")]
    CorruptValue {
        /// The entry's namespace.
        namespace: String,
        /// The entry's key.
        key: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },

    /// An account cannot be stored as given (bad name or family, or a secret not sealed).
    #[error("account `{name}`: {reason}")]
    InvalidAccount {
        /// The profile name (as given, truncated).
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// An API key cannot be stored as given (bad name, a key in the clear instead of its hash,
    /// a name already taken). Never carries the key.
    #[error("API key `{name}`: {reason}")]
    InvalidApiKey {
        /// The key's name (as given, truncated).
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// An account's secret could not be sealed or opened (wrong key, altered value). Never
    /// carries the secret.
    #[error("account `{account}`: cannot use its {what}: {source}")]
    Secret {
        /// The profile name.
        account: String,
        /// `token`, `page token` or `app secret`.
        what: &'static str,
        /// Why.
        #[source]
        source: crate::secrets::SecretError,
    },
}

impl StoreError {
    /// Wraps a query error with the backend and the operation name.
    pub(crate) fn db(backend: Backend, op: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| StoreError::Database {
            backend,
            op,
            source,
        }
    }
}
