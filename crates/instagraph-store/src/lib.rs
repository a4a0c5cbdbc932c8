//! Durable storage for Instagraph, behind one async trait, [`Store`].
//!
//! [`open`] picks the backend from a URL: SQLite (the default; a single file in WAL mode with
//! `synchronous=FULL`, or `:memory:`) or PostgreSQL (several service instances sharing one
//! database). Both keep timestamps as `BIGINT` unix milliseconds, so the SQL stays alike;
//! dialect-specific SQL lives in `src/sqlite.rs` and `src/postgres.rs`. The schema is created
//! by a small hand-written migration runner that records applied versions in
//! `schema_migrations` and applies each pending migration in its own transaction.
//!
//! # Adding a table
//!
//! 1. Append one `Migration` with the next version number and the same name to
//!    **both** `sqlite::MIGRATIONS` and `postgres::MIGRATIONS` (one migration per feature;
//!    never edit a migration that has shipped — add another). A unit test checks that the two
//!    lists stay in step.
//! 2. Add the operations to the [`Store`] trait and implement them in both backends.
//! 3. Extend the shared test suite in `tests/store.rs`, which runs on SQLite always and on
//!    PostgreSQL when `INSTAGRAPH_TEST_POSTGRES` is set.

pub mod accounts;
mod accounts_sql;
pub mod api_keys;
mod api_keys_sql;
mod basic_sql;
mod dsn;
mod error;
mod migrate;
mod postgres;
pub mod schedule;
mod schedule_sql;
pub mod secrets;
mod sqlite;
pub mod webhooks;
mod webhooks_sql;

pub use accounts::{AccountState, AccountStore, AccountVault, NewAccount, StoredAccount};
pub use api_keys::{ApiKey, ApiKeyStore, KeyScope, NewApiKey};
pub use error::StoreError;
pub use schedule::ScheduleStore;
pub use secrets::{SecretBox, SecretError};
pub use webhooks::WebhookStore;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Which database a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite (one file, or in memory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend's lowercase name: `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        })
    }
}

/// Durable storage. Obtain one with [`open`]; share it as `Arc<dyn Store>`.
///
/// All timestamps are unix milliseconds.
#[async_trait::async_trait]
pub trait Store:
    BudgetKvStore
    + WebhookStore
    + ScheduleStore
    + AccountStore
    + ApiKeyStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// Which backend this store runs on.
    fn backend(&self) -> Backend;

    /// One round trip to the database (`SELECT 1`).
    async fn health(&self) -> Result<(), StoreError>;

    /// The highest applied migration version (for diagnostics).
    async fn schema_version(&self) -> Result<i64, StoreError>;

    /// Closes the connections, waiting for checked-out ones to come back. Later calls fail.
    async fn close(&self);
}

/// Rate-budget calls and a small key-value table (part of every [`Store`]; implemented once
/// for both backends in `basic_sql.rs`).
#[async_trait::async_trait]
pub trait BudgetKvStore: Send + Sync {
    /// Records one rate-budget call under `key` (`class:account`) at `at_ms`.
    async fn record_budget_call(&self, key: &str, at_ms: i64) -> Result<(), StoreError>;

    /// The budget calls at or after `since_ms`, oldest first (ties in insertion order).
    async fn budget_calls_since(&self, since_ms: i64) -> Result<Vec<(String, i64)>, StoreError>;

    /// Deletes the budget calls strictly before `before_ms`; returns how many were deleted.
    async fn prune_budget_calls(&self, before_ms: i64) -> Result<u64, StoreError>;

    /// The JSON value stored under `namespace`/`key`, if any.
    async fn kv_get(
        &self,
        namespace: &str,
        key: &str,
    ) -> Result<Option<serde_json::Value>, StoreError>;

    /// Stores `value` under `namespace`/`key`, replacing any previous value.
    async fn kv_put(
        &self,
        namespace: &str,
        key: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError>;
}

/// Opens (creating and migrating as needed) the store a URL names.
///
/// * `sqlite:PATH`, `sqlite://PATH` (so `sqlite:///abs/path`), or a bare file path: an SQLite
///   file, created if missing (its directory must exist).
/// * `:memory:` (or `sqlite::memory:`): a private in-memory SQLite database on one connection.
/// * `postgres://...` or `postgresql://...`: PostgreSQL. An extra `schema=NAME` parameter
///   (a plain identifier) makes the store create that schema if missing and set `search_path`
///   to it on every connection, so that several stores (e.g. tests) can share a database.
///   Other parameters (`sslmode`, `options`, ...) are passed to the driver.
///
/// Any other scheme is rejected with [`StoreError::UnsupportedScheme`]. Error messages never
/// contain the URL's password.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match dsn::parse(url)? {
        dsn::Target::SqliteFile(path) => Arc::new(sqlite::SqliteStore::open_file(&path).await?),
        dsn::Target::SqliteMemory => Arc::new(sqlite::SqliteStore::open_memory().await?),
        dsn::Target::Postgres {
            url: stripped,
            schema,
        } => Arc::new(postgres::PostgresStore::open(&stripped, schema, url).await?),
    })
}

/// Parses a stored kv value.
fn decode_value(
    namespace: &str,
    key: &str,
    text: Option<String>,
) -> Result<Option<serde_json::Value>, StoreError> {
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|source| StoreError::CorruptValue {
            namespace: namespace.to_owned(),
            key: key.to_owned(),
            source,
        })
}

/// Persists the client's local rate budgets in a [`Store`], so that a restarted service keeps
/// pacing: plug it into the client as its [`BudgetSink`](instagraph::ratelimit::BudgetSink) and
/// replay [`load`](Self::load) at startup.
#[derive(Clone, Debug)]
pub struct BudgetPersistence {
    store: Arc<dyn Store>,
}

impl BudgetPersistence {
    /// Wraps a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The budget calls at or after `since_ms`, oldest first, for replaying into the budgets.
    pub async fn load(&self, since_ms: i64) -> Result<Vec<(String, i64)>, StoreError> {
        self.store.budget_calls_since(since_ms).await
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

impl instagraph::ratelimit::BudgetSink for BudgetPersistence {
    /// Records the call; a failure is logged (`tracing::warn!`) and otherwise ignored, since a
    /// lost record only makes pacing after a restart slightly less exact.
    fn record<'a>(
        &'a self,
        key: &'a str,
        at_ms: i64,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            if let Err(error) = self.store.record_budget_call(key, at_ms).await {
                tracing::warn!(%error, key, at_ms, "could not persist a rate-budget call");
            }
        })
    }
}
