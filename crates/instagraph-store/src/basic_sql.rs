//! [`BudgetKvStore`](crate::BudgetKvStore) for both backends, written once (the SQL differs
//! only in placeholders; see `webhooks_sql.rs` for the conventions).

macro_rules! budget_kv_store_impl {
    ($store:ty, $backend:expr, $sql:path) => {
        #[async_trait::async_trait]
        impl $crate::BudgetKvStore for $store {
            async fn record_budget_call(
                &self,
                key: &str,
                at_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql("INSERT INTO budget_calls (key, at_ms) VALUES (?, ?)");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(key)
                    .bind(at_ms)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "record_budget_call"))?;
                Ok(())
            }

            async fn budget_calls_since(
                &self,
                since_ms: i64,
            ) -> Result<Vec<(String, i64)>, $crate::StoreError> {
                let sql = $sql(
                    "SELECT key, at_ms FROM budget_calls WHERE at_ms >= ? ORDER BY at_ms, id",
                );
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(since_ms)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "budget_calls_since"))
            }

            async fn prune_budget_calls(&self, before_ms: i64) -> Result<u64, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql("DELETE FROM budget_calls WHERE at_ms < ?");
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(before_ms)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "prune_budget_calls"))?;
                Ok(done.rows_affected())
            }

            async fn kv_get(
                &self,
                namespace: &str,
                key: &str,
            ) -> Result<Option<serde_json::Value>, $crate::StoreError> {
                let sql = $sql("SELECT value FROM kv WHERE namespace = ? AND key = ?");
                let text: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(namespace)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "kv_get"))?;
                $crate::decode_value(namespace, key, text)
            }

            async fn kv_put(
                &self,
                namespace: &str,
                key: &str,
                value: &serde_json::Value,
            ) -> Result<(), $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql(
                    "INSERT INTO kv (namespace, key, value, updated_at) VALUES (?, ?, ?, ?) \
                     ON CONFLICT (namespace, key) \
                     DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(namespace)
                    .bind(key)
                    .bind(value.to_string())
                    .bind($crate::migrate::now_ms())
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "kv_put"))?;
                Ok(())
            }
        }
    };
}

pub(crate) use budget_kv_store_impl;
