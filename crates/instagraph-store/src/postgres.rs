//! The PostgreSQL backend: several service instances share one database (optionally one schema
//! of it). Migrations serialise on a transaction-scoped advisory lock, so instances starting
//! together apply each migration exactly once.

use crate::migrate::{self, CREATE_MIGRATIONS_TABLE, Migration};
use crate::{Backend, Store, StoreError, dsn};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgTransaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

const B: Backend = Backend::Postgres;

/// The PostgreSQL schema, in order. Add new tables at the end, with the same version and name
/// as the matching entry of `sqlite::MIGRATIONS`.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "budget_calls",
        sql: "CREATE TABLE budget_calls (
                  id BIGSERIAL PRIMARY KEY,
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
              );",
    },
    Migration {
        version: 3,
        name: "webhooks",
        sql: "CREATE TABLE webhook_payloads (
                  id BIGSERIAL PRIMARY KEY,
                  received_at BIGINT NOT NULL,
                  body BYTEA NOT NULL,
                  secret_index BIGINT,
                  state BIGINT NOT NULL DEFAULT 0,
                  error TEXT
              );
              CREATE INDEX webhook_payloads_pending ON webhook_payloads (id) WHERE state = 0;
              CREATE TABLE webhook_events (
                  id BIGSERIAL PRIMARY KEY,
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
                  id BIGSERIAL PRIMARY KEY,
                  at BIGINT NOT NULL,
                  reason TEXT NOT NULL,
                  signature_present BIGINT NOT NULL,
                  body_len BIGINT NOT NULL
              );
              CREATE TABLE webhook_deliveries (
                  id BIGSERIAL PRIMARY KEY,
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
                  id BIGSERIAL PRIMARY KEY,
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
                  id BIGSERIAL PRIMARY KEY,
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
                  id BIGSERIAL PRIMARY KEY,
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
                  id BIGSERIAL PRIMARY KEY,
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
/// The advisory lock taken (per transaction) around schema creation and each migration
/// ("igstore" in ASCII).
const MIGRATION_LOCK: i64 = 0x6967_7374_6f72_6500;

/// A store in a PostgreSQL database.
pub(crate) struct PostgresStore {
    pool: PgPool,
    /// Redacted URL, for `Debug`.
    location: String,
    schema: Option<String>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.location)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// PostgreSQL handles concurrent writers itself: no gate.
    pub(crate) async fn write_gate(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        None
    }

    /// Connects, creates `schema` if given, migrates, and builds the pool.
    ///
    /// `url` is the URL without the `schema` parameter; `original` is what the caller passed
    /// (used only for redacted messages and scrubbing).
    pub(crate) async fn open(
        url: &str,
        schema: Option<String>,
        original: &str,
    ) -> Result<Self, StoreError> {
        let location = dsn::redact(original);
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::InvalidUrl {
            url: location.clone(),
            reason: dsn::scrub(&e.to_string(), original),
        })?;
        let connect_err = |e: sqlx::Error| StoreError::Connect {
            backend: B,
            url: location.clone(),
            reason: dsn::scrub(&e.to_string(), original),
        };

        // One direct connection first: fails fast with the real reason (the pool would retry
        // a refused connection until its acquire timeout), and runs the setup.
        let mut conn = options.connect().await.map_err(connect_err)?;
        let setup = async {
            if let Some(s) = &schema {
                create_schema(&mut conn, s).await?;
                set_search_path(&mut conn, s)
                    .await
                    .map_err(StoreError::db(B, "set search_path"))?;
            }
            migrate(&mut conn).await
        }
        .await;
        // Closing is best effort; the outcome that matters is the setup's.
        let _ = conn.close().await;
        setup?;

        let path: Option<Arc<str>> = schema.as_deref().map(Arc::from);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                let path = path.clone();
                Box::pin(async move {
                    if let Some(s) = path {
                        set_search_path(conn, &s).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(connect_err)?;
        Ok(Self {
            pool,
            location,
            schema,
        })
    }
}

/// `SET search_path` to one schema. `schema` was checked by `dsn::valid_identifier`.
async fn set_search_path(conn: &mut PgConnection, schema: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(format!("SET search_path TO \"{schema}\"")))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn lock(tx: &mut PgTransaction<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn create_schema(conn: &mut PgConnection, schema: &str) -> Result<(), StoreError> {
    let run = async {
        let mut tx = conn.begin().await?;
        lock(&mut tx).await?;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    };
    run.await.map_err(StoreError::db(B, "create schema"))
}

/// Applies every pending migration, each in its own transaction under the advisory lock,
/// re-checking inside the lock whether another instance applied it meanwhile.
async fn migrate(conn: &mut PgConnection) -> Result<(), StoreError> {
    let create = async {
        let mut tx = conn.begin().await?;
        lock(&mut tx).await?;
        sqlx::raw_sql(CREATE_MIGRATIONS_TABLE)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    };
    create
        .await
        .map_err(StoreError::db(B, "create schema_migrations"))?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::db(B, "read schema_migrations"))?;
    let known = migrate::latest(MIGRATIONS);
    if let Some(&max) = applied.iter().max()
        && max > known
    {
        tracing::warn!(
            database = max,
            known,
            "the PostgreSQL store has migrations newer than this build knows"
        );
    }
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let run = async {
            let mut tx = conn.begin().await?;
            lock(&mut tx).await?;
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_none() {
                sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(m.version)
                    .bind(migrate::now_ms())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        };
        run.await.map_err(|source| StoreError::Migration {
            backend: B,
            version: m.version,
            name: m.name,
            source,
        })?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Store for PostgresStore {
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

crate::webhooks_sql::webhook_store_impl!(
    PostgresStore,
    B,
    crate::webhooks::pg_placeholders,
    "BEGIN",
    " FOR UPDATE SKIP LOCKED"
);

crate::basic_sql::budget_kv_store_impl!(PostgresStore, B, crate::webhooks::pg_placeholders);

crate::schedule_sql::schedule_store_impl!(
    PostgresStore,
    sqlx::Postgres,
    B,
    crate::webhooks::pg_placeholders,
    "BEGIN",
    " FOR UPDATE SKIP LOCKED",
    " FOR UPDATE"
);

crate::accounts_sql::account_store_impl!(
    PostgresStore,
    sqlx::Postgres,
    B,
    crate::webhooks::pg_placeholders,
    "BEGIN",
    // Serialises account writers (not readers), so that moving the default flag never races.
    Some("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE")
);

crate::api_keys_sql::api_key_store_impl!(PostgresStore, B, crate::webhooks::pg_placeholders);
