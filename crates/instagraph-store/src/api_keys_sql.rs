//! [`ApiKeyStore`](crate::api_keys::ApiKeyStore) for both backends, written once (see
//! `webhooks_sql.rs` for the conventions: `?` placeholders converted for PostgreSQL).

/// The columns of `api_keys`, in the order `api_key_row` reads them.
pub(crate) const API_KEY_COLUMNS: &str = "id, name, key_hash, prefix, scope, accounts, \
     agent_access, created_at_ms, last_used_at_ms, revoked_at_ms";

macro_rules! api_key_store_impl {
    ($store:ty, $backend:expr, $sql:path) => {
        #[async_trait::async_trait]
        impl $crate::api_keys::ApiKeyStore for $store {
            async fn create_api_key(
                &self,
                k: &$crate::api_keys::NewApiKey,
            ) -> Result<$crate::api_keys::ApiKey, $crate::StoreError> {
                $crate::api_keys::validate(k)?;
                let _gate = self.write_gate().await;
                let accounts = serde_json::Value::from(k.accounts.clone()).to_string();
                let sql = $sql(&format!(
                    "INSERT INTO api_keys (name, key_hash, prefix, scope, accounts, \
                     agent_access, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {}",
                    $crate::api_keys_sql::API_KEY_COLUMNS
                ));
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(k.name.as_str())
                    .bind(k.key_hash.as_str())
                    .bind(k.prefix.as_str())
                    .bind(k.scope.as_str())
                    .bind(accounts)
                    .bind(k.agent_access.as_deref())
                    .bind(k.created_at_ms)
                    .fetch_one(&self.pool)
                    .await;
                let row = match row {
                    Ok(row) => row,
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err($crate::StoreError::InvalidApiKey {
                            name: k.name.clone(),
                            reason: "a key with this name (or this key) already exists; revoke \
                                     it first or pick another name"
                                .to_owned(),
                        });
                    }
                    Err(e) => return Err($crate::StoreError::db($backend, "create_api_key")(e)),
                };
                api_key_row(&row).map_err($crate::StoreError::db($backend, "create_api_key"))
            }

            async fn api_keys(
                &self,
            ) -> Result<Vec<$crate::api_keys::ApiKey>, $crate::StoreError> {
                let db = || $crate::StoreError::db($backend, "api_keys");
                let sql = format!(
                    "SELECT {} FROM api_keys ORDER BY name, id",
                    $crate::api_keys_sql::API_KEY_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db())?;
                rows.iter()
                    .map(api_key_row)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db())
            }

            async fn api_key_by_hash(
                &self,
                key_hash: &str,
            ) -> Result<Option<$crate::api_keys::ApiKey>, $crate::StoreError> {
                let db = || $crate::StoreError::db($backend, "api_key_by_hash");
                let sql = $sql(&format!(
                    "SELECT {} FROM api_keys WHERE key_hash = ? AND revoked_at_ms IS NULL",
                    $crate::api_keys_sql::API_KEY_COLUMNS
                ));
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db())?;
                row.as_ref().map(api_key_row).transpose().map_err(db())
            }

            async fn revoke_api_key(
                &self,
                name: &str,
                now_ms: i64,
            ) -> Result<bool, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql(
                    "UPDATE api_keys SET revoked_at_ms = ? \
                     WHERE name = ? AND revoked_at_ms IS NULL",
                );
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now_ms)
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "revoke_api_key"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn touch_api_key(&self, id: i64, now_ms: i64) -> Result<(), $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql(
                    "UPDATE api_keys SET last_used_at_ms = ? WHERE id = ? \
                     AND (last_used_at_ms IS NULL OR last_used_at_ms < ?)",
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now_ms)
                    .bind(id)
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "touch_api_key"))?;
                Ok(())
            }
        }

        fn api_key_row<R: sqlx::Row>(r: &R) -> Result<$crate::api_keys::ApiKey, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            let scope: String = r.try_get("scope")?;
            let accounts: String = r.try_get("accounts")?;
            Ok($crate::api_keys::ApiKey {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                key_hash: r.try_get("key_hash")?,
                prefix: r.try_get("prefix")?,
                scope: $crate::api_keys::KeyScope::parse(&scope).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown key scope `{scope}`").into())
                })?,
                accounts: serde_json::from_str(&accounts)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                agent_access: r.try_get("agent_access")?,
                created_at_ms: r.try_get("created_at_ms")?,
                last_used_at_ms: r.try_get("last_used_at_ms")?,
                revoked_at_ms: r.try_get("revoked_at_ms")?,
            })
        }
    };
}

pub(crate) use api_key_store_impl;
