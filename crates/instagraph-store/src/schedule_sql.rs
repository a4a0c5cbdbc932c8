//! [`ScheduleStore`](crate::schedule::ScheduleStore) for both backends, written once (see
//! `webhooks_sql.rs` for the conventions: `?` placeholders converted for PostgreSQL, `BEGIN
//! IMMEDIATE` on SQLite, `FOR UPDATE SKIP LOCKED` on PostgreSQL when claiming).

/// The columns of `scheduled_posts`, in the order `post_row` reads them.
pub(crate) const POST_COLUMNS: &str = "id, account, kind, spec, publish_at, zone, state, \
     container_id, children, container_created_at, publish_started_at, media_id, permalink, \
     published_at, attempts, last_error, hold_reason, next_at, lease_owner, lease_until, \
     idempotency_key, created_at, updated_at";

/// `IN (...)` list of quoted state names (constants, never user input).
pub(crate) fn states_sql(states: &[crate::schedule::PostState]) -> String {
    states
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! schedule_store_impl {
    ($store:ty, $db:ty, $backend:expr, $sql:path, $begin:expr, $skip_locked:expr, $for_update:expr) => {
        #[async_trait::async_trait]
        impl $crate::schedule::ScheduleStore for $store {
            async fn add_post(
                &self,
                post: &$crate::schedule::NewScheduledPost,
            ) -> Result<($crate::schedule::ScheduledPost, bool), $crate::StoreError> {
                let _gate = self.write_gate().await;
                let db = || $crate::StoreError::db($backend, "add_post");
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                if let Some(key) = &post.idempotency_key {
                    let sql = $sql(&format!(
                        "SELECT {} FROM scheduled_posts WHERE idempotency_key = ?",
                        $crate::schedule_sql::POST_COLUMNS
                    ));
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(key.as_str())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db())?;
                    if let Some(row) = row {
                        tx.commit().await.map_err(db())?;
                        return Ok((post_row(&row).map_err(db())?, false));
                    }
                }
                let sql = $sql(&format!(
                    "INSERT INTO scheduled_posts (account, kind, spec, publish_at, zone, state, \
                     children, attempts, next_at, idempotency_key, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, '[]', 0, ?, ?, ?, ?) RETURNING {}",
                    $crate::schedule_sql::POST_COLUMNS
                ));
                let state = if post.draft {
                    $crate::schedule::PostState::Draft
                } else {
                    $crate::schedule::PostState::Scheduled
                };
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(post.account.as_str())
                    .bind(post.kind.as_str())
                    .bind(post.spec.to_string())
                    .bind(post.publish_at)
                    .bind(post.zone.as_deref())
                    .bind(state.as_str())
                    .bind(post.next_at)
                    .bind(post.idempotency_key.as_deref())
                    .bind(post.created_at)
                    .bind(post.created_at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db())?;
                let created = post_row(&row).map_err(db())?;
                let step = if post.draft { "drafted" } else { "added" };
                insert_log(&mut tx, created.id, post.created_at, state.as_str(), step, None)
                    .await
                    .map_err(db())?;
                tx.commit().await.map_err(db())?;
                Ok((created, true))
            }

            async fn post(
                &self,
                id: i64,
            ) -> Result<Option<$crate::schedule::ScheduledPost>, $crate::StoreError> {
                let db = || $crate::StoreError::db($backend, "post");
                let sql = $sql(&format!(
                    "SELECT {} FROM scheduled_posts WHERE id = ?",
                    $crate::schedule_sql::POST_COLUMNS
                ));
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db())?;
                row.as_ref().map(post_row).transpose().map_err(db())
            }

            async fn posts(
                &self,
                query: &$crate::schedule::PostQuery,
            ) -> Result<Vec<$crate::schedule::ScheduledPost>, $crate::StoreError> {
                let db = || $crate::StoreError::db($backend, "posts");
                let mut conds = Vec::new();
                if !query.states.is_empty() {
                    conds.push(format!(
                        "state IN ({})",
                        $crate::schedule_sql::states_sql(&query.states)
                    ));
                }
                if query.account.is_some() {
                    conds.push("account = ?".to_owned());
                }
                let filter = if conds.is_empty() {
                    String::new()
                } else {
                    format!(" WHERE {}", conds.join(" AND "))
                };
                let sql = $sql(&format!(
                    "SELECT {} FROM scheduled_posts{filter} ORDER BY publish_at, id LIMIT ?",
                    $crate::schedule_sql::POST_COLUMNS
                ));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(account) = &query.account {
                    q = q.bind(account.as_str());
                }
                let rows = q
                    .bind(i64::from(query.limit.unwrap_or(100).max(1)))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db())?;
                rows.iter()
                    .map(post_row)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db())
            }

            async fn cancel_post(
                &self,
                id: i64,
                now_ms: i64,
            ) -> Result<$crate::schedule::ChangeOutcome, $crate::StoreError> {
                self.change_post(id, now_ms, "cancel_post", None, |post| {
                    let mut t = $crate::schedule::Transition::from_post(
                        post,
                        $crate::schedule::PostState::Cancelled,
                        "cancelled",
                    );
                    t.next_at = None;
                    t
                })
                .await
            }

            async fn approve_post(
                &self,
                id: i64,
                now_ms: i64,
            ) -> Result<$crate::schedule::ChangeOutcome, $crate::StoreError> {
                use $crate::schedule::{ChangeOutcome, PostState};
                match self.post(id).await? {
                    None => return Ok(ChangeOutcome::NotFound),
                    Some(p) if p.state != PostState::Draft => {
                        return Ok(ChangeOutcome::NotChangeable(p));
                    }
                    Some(_) => {}
                }
                self.change_post(id, now_ms, "approve_post", None, |post| {
                    // Approved between the read and this transaction: a no-op step.
                    let (to, step) = if post.state == PostState::Draft {
                        (PostState::Scheduled, "approved")
                    } else {
                        (post.state, "approve ignored")
                    };
                    $crate::schedule::Transition::from_post(post, to, step)
                })
                .await
            }

            async fn reschedule_post(
                &self,
                id: i64,
                publish_at: i64,
                next_at: i64,
                now_ms: i64,
            ) -> Result<$crate::schedule::ChangeOutcome, $crate::StoreError> {
                self.change_post(id, now_ms, "reschedule_post", Some(publish_at), |post| {
                    use $crate::schedule::PostState;
                    let to = match post.state {
                        PostState::Failed | PostState::Held => PostState::Scheduled,
                        other => other,
                    };
                    let mut t =
                        $crate::schedule::Transition::from_post(post, to, "rescheduled");
                    t.detail = Some(format!("publish_at {} -> {publish_at}", post.publish_at));
                    t.next_at = Some(next_at);
                    t.hold_reason = None;
                    if matches!(post.state, PostState::Failed | PostState::Held) {
                        t.attempts = 0;
                        t.last_error = None;
                    }
                    // A container lives 24 h: keep it only if it outlives the new time by a
                    // margin; otherwise a fresh one is made ahead of the new time.
                    let expires = post
                        .container_created_at
                        .map(|c| c + $crate::schedule_sql::CONTAINER_USABLE_MS);
                    if expires.is_some_and(|e| e <= publish_at) || post.state == PostState::Failed
                    {
                        t.container_id = None;
                        t.children = Vec::new();
                        t.container_created_at = None;
                        if matches!(t.to, PostState::Preparing | PostState::Ready) {
                            t.to = PostState::Scheduled;
                        }
                    }
                    t
                })
                .await
            }

            async fn claim_due_posts(
                &self,
                now_ms: i64,
                lease_until_ms: i64,
                owner: &str,
                limit: u32,
            ) -> Result<Vec<$crate::schedule::ScheduledPost>, $crate::StoreError> {
                let _gate = self.write_gate().await;
                use sqlx::Row;
                let db = || $crate::StoreError::db($backend, "claim_due_posts");
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                let sql = $sql(&format!(
                    "SELECT id FROM scheduled_posts WHERE state IN ({}) AND next_at <= ? \
                     AND (lease_until IS NULL OR lease_until <= ?) \
                     ORDER BY next_at, id LIMIT ?{}",
                    $crate::schedule_sql::states_sql(&$crate::schedule::PostState::ACTIVE),
                    $skip_locked
                ));
                let ids = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now_ms)
                    .bind(now_ms)
                    .bind(i64::from(limit.max(1)))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db())?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("id"))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db())?;
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    let sql = $sql(&format!(
                        "UPDATE scheduled_posts SET lease_owner = ?, lease_until = ? \
                         WHERE id = ? RETURNING {}",
                        $crate::schedule_sql::POST_COLUMNS
                    ));
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(owner)
                        .bind(lease_until_ms)
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db())?;
                    out.push(post_row(&row).map_err(db())?);
                }
                tx.commit().await.map_err(db())?;
                Ok(out)
            }

            async fn transition_post(
                &self,
                id: i64,
                owner: &str,
                from: $crate::schedule::PostState,
                t: &$crate::schedule::Transition,
                now_ms: i64,
            ) -> Result<bool, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let db = || $crate::StoreError::db($backend, "transition_post");
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                let lease = if t.keep_lease {
                    ""
                } else {
                    ", lease_owner = NULL, lease_until = NULL"
                };
                let sql = $sql(&format!(
                    "UPDATE scheduled_posts SET state = ?, container_id = ?, children = ?, \
                     container_created_at = ?, publish_started_at = ?, media_id = ?, \
                     permalink = ?, published_at = ?, attempts = ?, last_error = ?, \
                     hold_reason = ?, next_at = ?, updated_at = ?{lease} \
                     WHERE id = ? AND state = ? AND lease_owner = ?"
                ));
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(t.to.as_str())
                    .bind(t.container_id.as_deref())
                    .bind(serde_json::Value::from(t.children.clone()).to_string())
                    .bind(t.container_created_at)
                    .bind(t.publish_started_at)
                    .bind(t.media_id.as_deref())
                    .bind(t.permalink.as_deref())
                    .bind(t.published_at)
                    .bind(t.attempts)
                    .bind(t.last_error.as_deref())
                    .bind(t.hold_reason.as_deref())
                    .bind(t.next_at)
                    .bind(now_ms)
                    .bind(id)
                    .bind(from.as_str())
                    .bind(owner)
                    .execute(&mut *tx)
                    .await
                    .map_err(db())?;
                if done.rows_affected() == 0 {
                    tx.rollback().await.map_err(db())?;
                    return Ok(false);
                }
                insert_log(&mut tx, id, now_ms, t.to.as_str(), &t.step, t.detail.as_deref())
                    .await
                    .map_err(db())?;
                tx.commit().await.map_err(db())?;
                Ok(true)
            }

            async fn post_log(
                &self,
                id: i64,
            ) -> Result<Vec<$crate::schedule::PostLogEntry>, $crate::StoreError> {
                use sqlx::Row;
                let db = || $crate::StoreError::db($backend, "post_log");
                let sql = $sql(
                    "SELECT id, post_id, at, state, step, detail FROM scheduled_post_log \
                     WHERE post_id = ? ORDER BY id",
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db())?;
                rows.iter()
                    .map(|r| {
                        let state: String = r.try_get("state")?;
                        Ok($crate::schedule::PostLogEntry {
                            id: r.try_get("id")?,
                            post_id: r.try_get("post_id")?,
                            at: r.try_get("at")?,
                            state: $crate::schedule::PostState::parse(&state)
                                .unwrap_or($crate::schedule::PostState::Failed),
                            step: r.try_get("step")?,
                            detail: r.try_get("detail")?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err(db())
            }

            async fn next_post_due(&self) -> Result<Option<i64>, $crate::StoreError> {
                let sql = format!(
                    "SELECT MIN(next_at) FROM scheduled_posts WHERE state IN ({})",
                    $crate::schedule_sql::states_sql(&$crate::schedule::PostState::ACTIVE)
                );
                sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "next_post_due"))
            }

            async fn lease_owners(&self) -> Result<Vec<String>, $crate::StoreError> {
                sqlx::query_scalar::<_, String>(
                    "SELECT DISTINCT lease_owner FROM scheduled_posts \
                     WHERE lease_owner IS NOT NULL ORDER BY lease_owner",
                )
                .fetch_all(&self.pool)
                .await
                .map_err($crate::StoreError::db($backend, "lease_owners"))
            }

            async fn release_leases(&self, owner: &str) -> Result<u64, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql(
                    "UPDATE scheduled_posts SET lease_owner = NULL, lease_until = NULL \
                     WHERE lease_owner = ?",
                );
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(owner)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "release_leases"))?;
                Ok(done.rows_affected())
            }
        }

        impl $store {
            /// Read-modify-write of a post for a user's change, in one transaction.
            async fn change_post(
                &self,
                id: i64,
                now_ms: i64,
                op: &'static str,
                new_publish_at: Option<i64>,
                change: impl FnOnce(&$crate::schedule::ScheduledPost) -> $crate::schedule::Transition
                + Send,
            ) -> Result<$crate::schedule::ChangeOutcome, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let db = || $crate::StoreError::db($backend, op);
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                let sql = $sql(&format!(
                    "SELECT {} FROM scheduled_posts WHERE id = ?{}",
                    $crate::schedule_sql::POST_COLUMNS,
                    $for_update
                ));
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db())?;
                let Some(row) = row else {
                    tx.rollback().await.map_err(db())?;
                    return Ok($crate::schedule::ChangeOutcome::NotFound);
                };
                let mut post = post_row(&row).map_err(db())?;
                if !post.state.changeable() {
                    tx.rollback().await.map_err(db())?;
                    return Ok($crate::schedule::ChangeOutcome::NotChangeable(post));
                }
                let t = change(&post);
                // A user's change takes the post away from any worker: the lease is cleared, so
                // a worker mid-step fails its conditional transition and drops the post.
                let sql = $sql(
                    "UPDATE scheduled_posts SET state = ?, container_id = ?, children = ?, \
                     container_created_at = ?, attempts = ?, last_error = ?, hold_reason = ?, \
                     next_at = ?, updated_at = ?, publish_at = COALESCE(?, publish_at), \
                     lease_owner = NULL, lease_until = NULL WHERE id = ?",
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(t.to.as_str())
                    .bind(t.container_id.as_deref())
                    .bind(serde_json::Value::from(t.children.clone()).to_string())
                    .bind(t.container_created_at)
                    .bind(t.attempts)
                    .bind(t.last_error.as_deref())
                    .bind(t.hold_reason.as_deref())
                    .bind(t.next_at)
                    .bind(now_ms)
                    .bind(new_publish_at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db())?;
                insert_log(&mut tx, id, now_ms, t.to.as_str(), &t.step, t.detail.as_deref())
                    .await
                    .map_err(db())?;
                tx.commit().await.map_err(db())?;
                t.apply(&mut post, now_ms);
                if let Some(at) = new_publish_at {
                    post.publish_at = at;
                }
                Ok($crate::schedule::ChangeOutcome::Changed(post))
            }
        }

        async fn insert_log(
            tx: &mut sqlx::Transaction<'_, $db>,
            post_id: i64,
            at: i64,
            state: &str,
            step: &str,
            detail: Option<&str>,
        ) -> Result<(), sqlx::Error> {
            let sql = $sql(
                "INSERT INTO scheduled_post_log (post_id, at, state, step, detail) \
                 VALUES (?, ?, ?, ?, ?)",
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(post_id)
                .bind(at)
                .bind(state)
                .bind(step)
                .bind(detail)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        fn post_row<R: sqlx::Row>(
            r: &R,
        ) -> Result<$crate::schedule::ScheduledPost, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            let state: String = r.try_get("state")?;
            let spec: String = r.try_get("spec")?;
            let children: String = r.try_get("children")?;
            Ok($crate::schedule::ScheduledPost {
                id: r.try_get("id")?,
                account: r.try_get("account")?,
                kind: r.try_get("kind")?,
                spec: serde_json::from_str(&spec)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                publish_at: r.try_get("publish_at")?,
                zone: r.try_get("zone")?,
                state: $crate::schedule::PostState::parse(&state).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown post state `{state}`").into())
                })?,
                container_id: r.try_get("container_id")?,
                children: serde_json::from_str(&children)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                container_created_at: r.try_get("container_created_at")?,
                publish_started_at: r.try_get("publish_started_at")?,
                media_id: r.try_get("media_id")?,
                permalink: r.try_get("permalink")?,
                published_at: r.try_get("published_at")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                hold_reason: r.try_get("hold_reason")?,
                next_at: r.try_get("next_at")?,
                lease_owner: r.try_get("lease_owner")?,
                lease_until: r.try_get("lease_until")?,
                idempotency_key: r.try_get("idempotency_key")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }
    };
}

pub(crate) use schedule_store_impl;

/// How long after creation a container is still worth publishing: 23 h of its 24 h life, so a
/// post is never published on a container about to expire.
pub(crate) const CONTAINER_USABLE_MS: i64 = 23 * 3_600_000;
