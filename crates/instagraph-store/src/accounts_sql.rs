//! [`AccountStore`](crate::accounts::AccountStore) for both backends, written once (see
//! `webhooks_sql.rs` for the conventions: `?` placeholders converted for PostgreSQL, `BEGIN
//! IMMEDIATE` on SQLite). Writes that move the default flag also take `$lock` (PostgreSQL: a
//! table lock that serialises account writers, so two of them never both see "no default").

/// The columns of `accounts`, in the order `account_row` reads them.
pub(crate) const ACCOUNT_COLUMNS: &str = "name, family, ig_user_id, app_scoped_id, page_id, \
     username, app_id, sealed_token, sealed_page_token, sealed_app_secret, scopes, issued_at, \
     expires_at, refreshed_at, state, state_reason, is_default, version, created_at, updated_at";

macro_rules! account_store_impl {
    ($store:ty, $db:ty, $backend:expr, $sql:path, $begin:expr, $lock:expr) => {
        #[async_trait::async_trait]
        impl $crate::accounts::AccountStore for $store {
            async fn upsert_account(
                &self,
                a: &$crate::accounts::StoredAccount,
                now_ms: i64,
            ) -> Result<$crate::accounts::StoredAccount, $crate::StoreError> {
                use sqlx::Row;
                $crate::accounts::validate(a)?;
                let _gate = self.write_gate().await;
                let db = || $crate::StoreError::db($backend, "upsert_account");
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                if let Some(lock) = $lock {
                    sqlx::query(lock).execute(&mut *tx).await.map_err(db())?;
                }
                let sql = $sql("SELECT is_default FROM accounts WHERE name = ?");
                let existing: Option<i64> = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(a.name.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db())?
                    .map(|r| r.try_get::<i64, _>("is_default"))
                    .transpose()
                    .map_err(db())?;
                let make_default = if a.is_default {
                    true
                } else if let Some(current) = existing {
                    current != 0
                } else {
                    let sql = "SELECT COUNT(*) FROM accounts WHERE is_default = 1";
                    let defaults: i64 = sqlx::query_scalar(sql)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db())?;
                    defaults == 0
                };
                if make_default {
                    clear_other_defaults(&mut tx, &a.name, now_ms)
                        .await
                        .map_err(db())?;
                }
                let scopes = serde_json::Value::from(a.scopes.clone()).to_string();
                let sql = if existing.is_some() {
                    $sql(&format!(
                        "UPDATE accounts SET family = ?, ig_user_id = ?, app_scoped_id = ?, \
                         page_id = ?, username = ?, app_id = ?, sealed_token = ?, \
                         sealed_page_token = ?, sealed_app_secret = ?, scopes = ?, \
                         issued_at = ?, expires_at = ?, refreshed_at = ?, state = ?, \
                         state_reason = ?, is_default = ?, version = version + 1, \
                         updated_at = ? WHERE name = ? RETURNING {}",
                        $crate::accounts_sql::ACCOUNT_COLUMNS
                    ))
                } else {
                    $sql(&format!(
                        "INSERT INTO accounts (family, ig_user_id, app_scoped_id, page_id, \
                         username, app_id, sealed_token, sealed_page_token, sealed_app_secret, \
                         scopes, issued_at, expires_at, refreshed_at, state, state_reason, \
                         is_default, version, updated_at, name, created_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) \
                         RETURNING {}",
                        $crate::accounts_sql::ACCOUNT_COLUMNS
                    ))
                };
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(a.family.as_str())
                    .bind(a.ig_user_id.as_deref())
                    .bind(a.app_scoped_id.as_deref())
                    .bind(a.page_id.as_deref())
                    .bind(a.username.as_deref())
                    .bind(a.app_id.as_deref())
                    .bind(a.sealed_token.as_str())
                    .bind(a.sealed_page_token.as_deref())
                    .bind(a.sealed_app_secret.as_deref())
                    .bind(scopes)
                    .bind(a.issued_at)
                    .bind(a.expires_at)
                    .bind(a.refreshed_at)
                    .bind(a.state.as_str())
                    .bind(a.state_reason.as_deref())
                    .bind(i64::from(make_default))
                    .bind(now_ms)
                    .bind(a.name.as_str());
                if existing.is_none() {
                    q = q.bind(now_ms);
                }
                let row = q.fetch_one(&mut *tx).await.map_err(db())?;
                let stored = account_row(&row).map_err(db())?;
                tx.commit().await.map_err(db())?;
                Ok(stored)
            }

            async fn account(
                &self,
                name: &str,
            ) -> Result<Option<$crate::accounts::StoredAccount>, $crate::StoreError> {
                let db = || $crate::StoreError::db($backend, "account");
                let sql = $sql(&format!(
                    "SELECT {} FROM accounts WHERE name = ?",
                    $crate::accounts_sql::ACCOUNT_COLUMNS
                ));
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db())?;
                row.as_ref().map(account_row).transpose().map_err(db())
            }

            async fn accounts(
                &self,
            ) -> Result<Vec<$crate::accounts::StoredAccount>, $crate::StoreError> {
                let db = || $crate::StoreError::db($backend, "accounts");
                let sql = format!(
                    "SELECT {} FROM accounts ORDER BY name",
                    $crate::accounts_sql::ACCOUNT_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db())?;
                rows.iter()
                    .map(account_row)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db())
            }

            async fn account_for_ig_user(
                &self,
                id: &str,
            ) -> Result<Option<$crate::accounts::StoredAccount>, $crate::StoreError> {
                let db = || $crate::StoreError::db($backend, "account_for_ig_user");
                let sql = $sql(&format!(
                    "SELECT {} FROM accounts \
                     WHERE ig_user_id = ? OR app_scoped_id = ? OR page_id = ? \
                     ORDER BY CASE WHEN ig_user_id = ? THEN 0 \
                     WHEN app_scoped_id = ? THEN 1 ELSE 2 END, is_default DESC, name LIMIT 1",
                    $crate::accounts_sql::ACCOUNT_COLUMNS
                ));
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .bind(id)
                    .bind(id)
                    .bind(id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db())?;
                row.as_ref().map(account_row).transpose().map_err(db())
            }

            async fn default_account(
                &self,
            ) -> Result<Option<$crate::accounts::StoredAccount>, $crate::StoreError> {
                let db = || $crate::StoreError::db($backend, "default_account");
                let sql = format!(
                    "SELECT {} FROM accounts WHERE is_default = 1 ORDER BY name LIMIT 1",
                    $crate::accounts_sql::ACCOUNT_COLUMNS
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db())?;
                row.as_ref().map(account_row).transpose().map_err(db())
            }

            async fn set_default_account(&self, name: &str) -> Result<bool, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let db = || $crate::StoreError::db($backend, "set_default_account");
                let now_ms = $crate::migrate::now_ms();
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                if let Some(lock) = $lock {
                    sqlx::query(lock).execute(&mut *tx).await.map_err(db())?;
                }
                let sql = $sql("SELECT is_default FROM accounts WHERE name = ?");
                let current: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db())?;
                let Some(current) = current else {
                    tx.rollback().await.map_err(db())?;
                    return Ok(false);
                };
                clear_other_defaults(&mut tx, name, now_ms)
                    .await
                    .map_err(db())?;
                if current == 0 {
                    let sql = $sql(
                        "UPDATE accounts SET is_default = 1, version = version + 1, \
                         updated_at = ? WHERE name = ?",
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(now_ms)
                        .bind(name)
                        .execute(&mut *tx)
                        .await
                        .map_err(db())?;
                }
                tx.commit().await.map_err(db())?;
                Ok(true)
            }

            async fn delete_account(&self, name: &str) -> Result<bool, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql("DELETE FROM accounts WHERE name = ?");
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "delete_account"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn replace_token(
                &self,
                name: &str,
                expected_version: i64,
                sealed_token: &str,
                issued_at: i64,
                expires_at: Option<i64>,
                now_ms: i64,
            ) -> Result<Option<$crate::accounts::StoredAccount>, $crate::StoreError> {
                if !$crate::secrets::SecretBox::is_sealed(sealed_token) {
                    return Err($crate::StoreError::InvalidAccount {
                        name: name.chars().take(64).collect(),
                        reason: "the token is not sealed (refusing to store a secret in the \
                                 clear)"
                            .to_owned(),
                    });
                }
                let _gate = self.write_gate().await;
                let db = || $crate::StoreError::db($backend, "replace_token");
                let sql = $sql(&format!(
                    "UPDATE accounts SET sealed_token = ?, issued_at = ?, expires_at = ?, \
                     refreshed_at = ?, state = 'active', state_reason = NULL, \
                     version = version + 1, updated_at = ? \
                     WHERE name = ? AND version = ? RETURNING {}",
                    $crate::accounts_sql::ACCOUNT_COLUMNS
                ));
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(sealed_token)
                    .bind(issued_at)
                    .bind(expires_at)
                    .bind(now_ms)
                    .bind(now_ms)
                    .bind(name)
                    .bind(expected_version)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db())?;
                row.as_ref().map(account_row).transpose().map_err(db())
            }

            async fn set_account_state(
                &self,
                name: &str,
                state: $crate::accounts::AccountState,
                reason: Option<&str>,
                now_ms: i64,
            ) -> Result<bool, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql(
                    "UPDATE accounts SET state = ?, state_reason = ?, version = version + 1, \
                     updated_at = ? WHERE name = ?",
                );
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(state.as_str())
                    .bind(reason)
                    .bind(now_ms)
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "set_account_state"))?;
                Ok(done.rows_affected() > 0)
            }
        }

        /// Drops the default flag from every account but `name` (bumping their versions).
        async fn clear_other_defaults(
            tx: &mut sqlx::Transaction<'_, $db>,
            name: &str,
            now_ms: i64,
        ) -> Result<(), sqlx::Error> {
            let sql = $sql(
                "UPDATE accounts SET is_default = 0, version = version + 1, updated_at = ? \
                 WHERE is_default = 1 AND name <> ?",
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now_ms)
                .bind(name)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        fn account_row<R: sqlx::Row>(
            r: &R,
        ) -> Result<$crate::accounts::StoredAccount, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            let state: String = r.try_get("state")?;
            let scopes: String = r.try_get("scopes")?;
            let is_default: i64 = r.try_get("is_default")?;
            Ok($crate::accounts::StoredAccount {
                name: r.try_get("name")?,
                family: r.try_get("family")?,
                ig_user_id: r.try_get("ig_user_id")?,
                app_scoped_id: r.try_get("app_scoped_id")?,
                page_id: r.try_get("page_id")?,
                username: r.try_get("username")?,
                app_id: r.try_get("app_id")?,
                sealed_token: r.try_get("sealed_token")?,
                sealed_page_token: r.try_get("sealed_page_token")?,
                sealed_app_secret: r.try_get("sealed_app_secret")?,
                scopes: serde_json::from_str(&scopes)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                issued_at: r.try_get("issued_at")?,
                expires_at: r.try_get("expires_at")?,
                refreshed_at: r.try_get("refreshed_at")?,
                state: $crate::accounts::AccountState::parse(&state).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown account state `{state}`").into())
                })?,
                state_reason: r.try_get("state_reason")?,
                is_default: is_default != 0,
                version: r.try_get("version")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }
    };
}

pub(crate) use account_store_impl;
