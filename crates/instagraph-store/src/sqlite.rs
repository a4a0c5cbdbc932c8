//! The SQLite backend: one database file in WAL mode (or a private in-memory database).

use crate::migrate::{self, CREATE_MIGRATIONS_TABLE, Migration};
use crate::{Backend, Store, StoreError};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;

const B: Backend = Backend::Sqlite;

/// The SQLite schema, in order. Add new tables at the end, with the same version and name as
/// the matching entry of `postgres::MIGRATIONS`.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "budget_calls",
        sql: "CREATE TABLE budget_calls (
                  id INTEGER PRIMARY KEY,
                  key TEXT NOT NULL,
                  at_ms BIGINT NOT NULL
              );
              CREATE INDEX budget_calls_at_ms ON budget_calls (at_ms, id);",
    },
    Migration {
        version: 2,
        name: "kv",
        sql: "CREATE TABLE kv (
                  namespace TEXT NOT NULL,
                  key TEXT NOT NULL,
                  value TEXT NOT NULL,
                  updated_at BIGINT NOT NULL,
                  PRIMARY KEY (namespace, key)
              ) WITHOUT ROWID;",
    },
    Migration {
        version: 3,
        name: "webhooks",
        sql: "CREATE TABLE webhook_payloads (
                  id INTEGER PRIMARY KEY,
                  received_at BIGINT NOT NULL,
                  body BLOB NOT NULL,
                  secret_index BIGINT,
                  state BIGINT NOT NULL DEFAULT 0,
                  error TEXT
              );
              CREATE INDEX webhook_payloads_pending ON webhook_payloads (id) WHERE state = 0;
              CREATE TABLE webhook_events (
                  id INTEGER PRIMARY KEY,
                  payload_id BIGINT NOT NULL REFERENCES webhook_payloads (id),
                  received_at BIGINT NOT NULL,
                  dedupe_key TEXT NOT NULL UNIQUE,
                  account_id TEXT NOT NULL,
                  object TEXT NOT NULL,
                  event_type TEXT NOT NULL,
                  field TEXT NOT NULL,
                  timestamp_ms BIGINT,
                  raw TEXT NOT NULL,
                  normalized TEXT NOT NULL
              );
              CREATE INDEX webhook_events_type ON webhook_events (event_type, id);
              CREATE INDEX webhook_events_received ON webhook_events (received_at);
              CREATE TABLE webhook_rejections (
                  id INTEGER PRIMARY KEY,
                  at BIGINT NOT NULL,
                  reason TEXT NOT NULL,
                  signature_present BIGINT NOT NULL,
                  body_len BIGINT NOT NULL
              );
              CREATE TABLE webhook_deliveries (
                  id INTEGER PRIMARY KEY,
                  event_id BIGINT NOT NULL REFERENCES webhook_events (id),
                  target TEXT NOT NULL,
                  state TEXT NOT NULL,
                  attempts BIGINT NOT NULL DEFAULT 0,
                  next_at BIGINT,
                  created_at BIGINT NOT NULL,
                  last_error TEXT
              );
              CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at, id) WHERE state = 'pending';
              CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
              CREATE TABLE webhook_attempts (
                  id INTEGER PRIMARY KEY,
                  delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
                  at BIGINT NOT NULL,
                  status BIGINT,
                  error TEXT,
                  duration_ms BIGINT NOT NULL
              );
              CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);",
    },
    Migration {
        version: 4,
        name: "scheduled_posts",
        sql: "CREATE TABLE scheduled_posts (
                  id INTEGER PRIMARY KEY,
                  account TEXT NOT NULL,
                  kind TEXT NOT NULL,
                  spec TEXT NOT NULL,
                  publish_at BIGINT NOT NULL,
                  zone TEXT,
                  state TEXT NOT NULL,
                  container_id TEXT,
                  children TEXT NOT NULL DEFAULT '[]',
                  container_created_at BIGINT,
                  publish_started_at BIGINT,
                  media_id TEXT,
                  permalink TEXT,
                  published_at BIGINT,
                  attempts BIGINT NOT NULL DEFAULT 0,
                  last_error TEXT,
                  hold_reason TEXT,
                  next_at BIGINT,
                  lease_owner TEXT,
                  lease_until BIGINT,
                  idempotency_key TEXT UNIQUE,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL
              );
              CREATE INDEX scheduled_posts_due ON scheduled_posts (next_at, id);
              CREATE INDEX scheduled_posts_publish_at ON scheduled_posts (publish_at, id);
              CREATE TABLE scheduled_post_log (
                  id INTEGER PRIMARY KEY,
                  post_id BIGINT NOT NULL REFERENCES scheduled_posts (id),
                  at BIGINT NOT NULL,
                  state TEXT NOT NULL,
                  step TEXT NOT NULL,
                  detail TEXT
              );
              CREATE INDEX scheduled_post_log_post ON scheduled_post_log (post_id, id);",
    },
    Migration {
        version: 5,
        name: "accounts",
        sql: "CREATE TABLE accounts (
                  name TEXT NOT NULL PRIMARY KEY,
                  family TEXT NOT NULL,
                  ig_user_id TEXT,
                  app_scoped_id TEXT,
                  page_id TEXT,
                  username TEXT,
                  app_id TEXT,
                  sealed_token TEXT NOT NULL,
                  sealed_page_token TEXT,
                  sealed_app_secret TEXT,
                  scopes TEXT NOT NULL DEFAULT '[]',
                  issued_at BIGINT NOT NULL,
                  expires_at BIGINT,
                  refreshed_at BIGINT,
                  state TEXT NOT NULL,
                  state_reason TEXT,
                  is_default BIGINT NOT NULL DEFAULT 0,
                  version BIGINT NOT NULL,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL
              );
              CREATE INDEX accounts_ig_user_id ON accounts (ig_user_id);
              CREATE INDEX accounts_app_scoped_id ON accounts (app_scoped_id);
              CREATE INDEX accounts_page_id ON accounts (page_id);
              CREATE UNIQUE INDEX accounts_one_default ON accounts (is_default) WHERE is_default = 1;",
    },
    Migration {
        version: 6,
        name: "api_keys",
        sql: "CREATE TABLE api_keys (
                  id INTEGER PRIMARY KEY,
                  name TEXT NOT NULL,
                  key_hash TEXT NOT NULL UNIQUE,
                  prefix TEXT NOT NULL,
                  scope TEXT NOT NULL,
                  accounts TEXT NOT NULL DEFAULT '[]',
                  agent_access TEXT,
                  created_at_ms BIGINT NOT NULL,
                  last_used_at_ms BIGINT,
                  revoked_at_ms BIGINT
              );
              CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at_ms IS NULL;",
    },
];
/// How long a connection waits for another writer's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A store in one SQLite database.
pub(crate) struct SqliteStore {
    pool: SqlitePool,
    location: String,
    /// Serialises this process's writers before they reach SQLite. Without it, a writer that
    /// finds the lock taken falls into SQLite's busy handler, which sleeps 1, 2, 5, 10 ms ...
    /// between tries; waiting here is a wake-up, FIFO, so the receiver's group commit never
    /// loses milliseconds to the event processor. (Other processes on the same file still
    /// meet at SQLite's lock, with `busy_timeout`.)
    gate: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Waits for this process's turn to write.
    pub(crate) async fn write_gate(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        Some(self.gate.lock().await)
    }

    /// Opens (creating if missing) the database file at `path` and migrates it.
    pub(crate) async fn open_file(path: &Path) -> Result<Self, StoreError> {
        let location = path.display().to_string();
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // Checkpoints run in the background (see `checkpointer`), never inside a commit
            // that someone is waiting for.
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Connect {
                backend: B,
                url: location.clone(),
                reason: e.to_string(),
            })?;
        Self::ready(pool, location).await
    }

    /// Opens a private in-memory database on a single connection that is never recycled.
    pub(crate) async fn open_memory() -> Result<Self, StoreError> {
        let location = ":memory:".to_owned();
        let options = SqliteConnectOptions::new()
            .filename(":memory:")
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Connect {
                backend: B,
                url: location.clone(),
                reason: e.to_string(),
            })?;
        Self::ready(pool, location).await
    }

    async fn ready(pool: SqlitePool, location: String) -> Result<Self, StoreError> {
        migrate(&pool).await?;
        if location != ":memory:" && tokio::runtime::Handle::try_current().is_ok() {
            tokio::spawn(checkpointer(pool.clone()));
        }
        Ok(Self {
            pool,
            location,
            gate: tokio::sync::Mutex::new(()),
        })
    }
}

/// How often the write-ahead log is folded back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Folds the WAL into the database file from its own connection, so that no commit (the
/// webhook receiver's group commit above all) ever pays for a checkpoint. `PASSIVE` never
/// blocks writers or readers; when the log has grown past 64 MiB a `RESTART` checkpoint
/// (which waits for readers, not for writers' commits) lets it start over from the beginning.
/// Ends when the pool is closed.
async fn checkpointer(pool: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        let row: Result<(i64, i64, i64), _> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await;
        match row {
            // (busy, frames in the log, frames checkpointed); 16384 frames of 4 KiB = 64 MiB.
            Ok((_, log, done)) if log > 16_384 && done == log => {
                let _ = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                    .execute(&pool)
                    .await;
            }
            Ok(_) => {}
            Err(_) if pool.is_closed() => return,
            Err(e) => tracing::debug!(error = %e, "WAL checkpoint failed; will retry"),
        }
    }
}

/// Applies every pending migration, each in its own `BEGIN IMMEDIATE` transaction (so two
/// processes opening the same file serialise on the write lock and the loser skips).
async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::raw_sql(CREATE_MIGRATIONS_TABLE)
        .execute(pool)
        .await
        .map_err(StoreError::db(B, "create schema_migrations"))?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(pool)
        .await
        .map_err(StoreError::db(B, "read schema_migrations"))?;
    warn_if_newer(&applied);
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let err = |source| StoreError::Migration {
            backend: B,
            version: m.version,
            name: m.name,
            source,
        };
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = ?")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
        if done.is_none() {
            sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(err)?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
                .bind(m.version)
                .bind(migrate::now_ms())
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
    }
    Ok(())
}

fn warn_if_newer(applied: &[i64]) {
    let known = migrate::latest(MIGRATIONS);
    if let Some(&max) = applied.iter().max()
        && max > known
    {
        tracing::warn!(
            database = max,
            known,
            "the SQLite store has migrations newer than this build knows"
        );
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        B
    }

    async fn health(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(StoreError::db(B, "health"))?;
        Ok(())
    }

    async fn schema_version(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::db(B, "schema_version"))
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// SQLite takes the `?` placeholders as written.
fn same_sql(sql: &str) -> String {
    sql.to_owned()
}

crate::webhooks_sql::webhook_store_impl!(SqliteStore, B, same_sql, "BEGIN IMMEDIATE", "");

crate::basic_sql::budget_kv_store_impl!(SqliteStore, B, same_sql);

crate::schedule_sql::schedule_store_impl!(
    SqliteStore,
    sqlx::Sqlite,
    B,
    same_sql,
    "BEGIN IMMEDIATE",
    "",
    ""
);

crate::accounts_sql::account_store_impl!(
    SqliteStore,
    sqlx::Sqlite,
    B,
    same_sql,
    "BEGIN IMMEDIATE",
    None::<&'static str>
);

crate::api_keys_sql::api_key_store_impl!(SqliteStore, B, same_sql);
