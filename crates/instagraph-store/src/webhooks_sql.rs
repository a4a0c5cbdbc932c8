//! [`WebhookStore`](crate::webhooks::WebhookStore) for both backends, written once.
//!
//! The SQL is the same on SQLite and PostgreSQL except for placeholders (`?` vs `$n`, see
//! [`pg_placeholders`](crate::webhooks::pg_placeholders)), how a write transaction begins
//! (`BEGIN IMMEDIATE` on SQLite, so that a transaction never has to upgrade a read lock), and
//! row locking when claiming deliveries (`FOR UPDATE SKIP LOCKED` on PostgreSQL, where several
//! instances claim at once). Integer columns are `BIGINT` everywhere so that they decode as
//! `i64` on both.

/// Row counts of the multi-row statements, largest first. A batch is cut greedily into
/// chunks of these sizes, so that only a handful of distinct statements exist and every one of
/// them stays in the connection's prepared-statement cache (a statement per batch size would
/// be prepared afresh almost every time). 256 rows of 10 columns keep bind counts far under
/// both backends' limits.
pub(crate) const CHUNK_SIZES: [usize; 5] = [256, 64, 16, 4, 1];

/// `items` cut into chunks whose lengths are all in [`CHUNK_SIZES`].
pub(crate) fn planned_chunks<T>(items: &[T]) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let size = CHUNK_SIZES
            .iter()
            .copied()
            .find(|s| *s <= rest.len())
            .unwrap_or(1);
        let (head, tail) = rest.split_at(size);
        out.push(head);
        rest = tail;
    }
    out
}

macro_rules! webhook_store_impl {
    ($store:ty, $backend:expr, $sql:path, $begin:expr, $skip_locked:expr) => {
        #[async_trait::async_trait]
        impl $crate::webhooks::WebhookStore for $store {
            async fn insert_payloads(
                &self,
                batch: &[$crate::webhooks::IncomingPayload],
            ) -> Result<Vec<i64>, $crate::StoreError> {
                let _gate = self.write_gate().await;
                use sqlx::Row;
                let err = $crate::StoreError::db($backend, "insert_payloads");
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = self.pool.begin_with($begin).await.map_err(err)?;
                let mut ids = Vec::with_capacity(batch.len());
                for chunk in $crate::webhooks_sql::planned_chunks(&batch) {
                    let sql = $sql(&format!(
                        "INSERT INTO webhook_payloads (received_at, body, secret_index, state) \
                         VALUES {} RETURNING id",
                        $crate::webhooks::values_list(chunk.len(), 4)
                    ));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for p in chunk {
                        q = q
                            .bind(p.received_at)
                            .bind(p.body.as_slice())
                            .bind(p.secret_index)
                            .bind(0_i64);
                    }
                    let rows = q
                        .fetch_all(&mut *tx)
                        .await
                        .map_err($crate::StoreError::db($backend, "insert_payloads"))?;
                    let mut chunk_ids = rows
                        .iter()
                        .map(|r| r.try_get::<i64, _>("id"))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err($crate::StoreError::db($backend, "insert_payloads"))?;
                    // Rows of one statement get increasing ids in VALUES order; RETURNING
                    // order is unspecified, so sort.
                    chunk_ids.sort_unstable();
                    ids.extend(chunk_ids);
                }
                tx.commit()
                    .await
                    .map_err($crate::StoreError::db($backend, "insert_payloads"))?;
                Ok(ids)
            }

            async fn pending_payloads(
                &self,
                limit: u32,
            ) -> Result<Vec<$crate::webhooks::StoredPayload>, $crate::StoreError> {
                let sql = $sql(
                    "SELECT id, received_at, body, state, error FROM webhook_payloads \
                     WHERE state = 0 ORDER BY id LIMIT ?",
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(i64::from(limit.max(1)))
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "pending_payloads"))?;
                rows.iter()
                    .map(payload_row)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err($crate::StoreError::db($backend, "pending_payloads"))
            }

            async fn payload(
                &self,
                id: i64,
            ) -> Result<Option<$crate::webhooks::StoredPayload>, $crate::StoreError> {
                let sql = $sql(
                    "SELECT id, received_at, body, state, error FROM webhook_payloads WHERE id = ?",
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "payload"))?;
                row.as_ref()
                    .map(payload_row)
                    .transpose()
                    .map_err($crate::StoreError::db($backend, "payload"))
            }

            async fn commit_processed(
                &self,
                results: &[(i64, $crate::webhooks::Processed)],
                targets: &[$crate::webhooks::TargetFilter],
                now_ms: i64,
            ) -> Result<$crate::webhooks::ProcessOutcome, $crate::StoreError> {
                let _gate = self.write_gate().await;
                use $crate::webhooks::Processed;
                use sqlx::Row;
                let db = |op| $crate::StoreError::db($backend, op);
                let mut outcome = $crate::webhooks::ProcessOutcome::default();
                if results.is_empty() {
                    return Ok(outcome);
                }
                let mut tx = self
                    .pool
                    .begin_with($begin)
                    .await
                    .map_err(db("commit_processed"))?;
                // Payloads already processed (by another instance, or before a crash) are
                // skipped entirely.
                let ids: Vec<i64> = results.iter().map(|(id, _)| *id).collect();
                let mut pending = std::collections::HashMap::new();
                for chunk in $crate::webhooks_sql::planned_chunks(&ids) {
                    let sql = $sql(&format!(
                        "SELECT id, received_at FROM webhook_payloads WHERE state = 0 AND id IN ({})",
                        $crate::webhooks::in_list(chunk.len())
                    ));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    for row in q.fetch_all(&mut *tx).await.map_err(db("commit_processed"))? {
                        let id: i64 = row.try_get("id").map_err(db("commit_processed"))?;
                        let at: i64 = row.try_get("received_at").map_err(db("commit_processed"))?;
                        pending.insert(id, at);
                    }
                }
                // (payload id, received_at, event) for every event of a still-pending payload.
                let mut events = Vec::new();
                let mut processed = Vec::new();
                for (id, result) in results {
                    let Some(&received_at) = pending.get(id) else { continue };
                    match result {
                        Processed::Events(list) => {
                            processed.push(*id);
                            events.extend(list.iter().map(|e| (*id, received_at, e)));
                        }
                        Processed::Unparseable(reason) => {
                            let sql = $sql(
                                "UPDATE webhook_payloads SET state = 2, error = ? WHERE id = ?",
                            );
                            sqlx::query(sqlx::AssertSqlSafe(sql))
                                .bind(reason.as_str())
                                .bind(*id)
                                .execute(&mut *tx)
                                .await
                                .map_err(db("commit_processed"))?;
                        }
                    }
                }
                let mut new_ids = std::collections::HashMap::new();
                for chunk in $crate::webhooks_sql::planned_chunks(&events) {
                    let sql = $sql(&format!(
                        "INSERT INTO webhook_events (payload_id, received_at, dedupe_key, \
                         account_id, object, event_type, field, timestamp_ms, raw, normalized) \
                         VALUES {} ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key",
                        $crate::webhooks::values_list(chunk.len(), 10)
                    ));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (pid, at, e) in chunk {
                        q = q
                            .bind(*pid)
                            .bind(*at)
                            .bind(e.dedupe_key.as_str())
                            .bind(e.account_id.as_str())
                            .bind(e.object.as_str())
                            .bind(e.event_type.as_str())
                            .bind(e.field.as_str())
                            .bind(e.timestamp_ms)
                            .bind(e.raw.as_str())
                            .bind(e.normalized.as_str());
                    }
                    for row in q.fetch_all(&mut *tx).await.map_err(db("commit_processed"))? {
                        let id: i64 = row.try_get("id").map_err(db("commit_processed"))?;
                        let key: String =
                            row.try_get("dedupe_key").map_err(db("commit_processed"))?;
                        new_ids.insert(key, id);
                    }
                }
                // Input order; a key repeated within the batch counts once.
                let mut deliveries: Vec<(i64, &str)> = Vec::new();
                for (_, _, e) in &events {
                    match new_ids.remove(e.dedupe_key.as_str()) {
                        Some(id) => {
                            outcome.new_events.push(id);
                            for t in targets.iter().filter(|t| t.wants(&e.event_type, &e.account_id)) {
                                deliveries.push((id, t.name.as_str()));
                            }
                        }
                        None => outcome.duplicates += 1,
                    }
                }
                for chunk in $crate::webhooks_sql::planned_chunks(&deliveries) {
                    let sql = $sql(&format!(
                        "INSERT INTO webhook_deliveries (event_id, target, state, attempts, \
                         next_at, created_at) VALUES {}",
                        $crate::webhooks::values_list(chunk.len(), 6)
                    ));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (event_id, target) in chunk {
                        q = q
                            .bind(*event_id)
                            .bind(*target)
                            .bind("pending")
                            .bind(0_i64)
                            .bind(now_ms)
                            .bind(now_ms);
                    }
                    q.execute(&mut *tx).await.map_err(db("commit_processed"))?;
                }
                outcome.deliveries = deliveries.len() as u64;
                for chunk in $crate::webhooks_sql::planned_chunks(&processed) {
                    let sql = $sql(&format!(
                        "UPDATE webhook_payloads SET state = 1 WHERE id IN ({})",
                        $crate::webhooks::in_list(chunk.len())
                    ));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    q.execute(&mut *tx).await.map_err(db("commit_processed"))?;
                }
                tx.commit().await.map_err(db("commit_processed"))?;
                Ok(outcome)
            }

            async fn events(
                &self,
                query: &$crate::webhooks::EventQuery,
            ) -> Result<Vec<$crate::webhooks::StoredEvent>, $crate::StoreError> {
                let mut sql = String::from(
                    "SELECT id, payload_id, received_at, dedupe_key, account_id, object, \
                     event_type, field, timestamp_ms, raw, normalized FROM webhook_events WHERE 1 = 1",
                );
                if query.after_id.is_some() {
                    sql.push_str(" AND id > ?");
                }
                if !query.ids.is_empty() {
                    sql.push_str(&format!(
                        " AND id IN ({})",
                        $crate::webhooks::in_list(query.ids.len())
                    ));
                }
                if !query.event_types.is_empty() {
                    sql.push_str(&format!(
                        " AND event_type IN ({})",
                        $crate::webhooks::in_list(query.event_types.len())
                    ));
                }
                if query.account_id.is_some() {
                    sql.push_str(" AND account_id = ?");
                }
                if query.since_ms.is_some() {
                    sql.push_str(" AND received_at >= ?");
                }
                if query.until_ms.is_some() {
                    sql.push_str(" AND received_at < ?");
                }
                sql.push_str(if query.newest_first {
                    " ORDER BY id DESC LIMIT ?"
                } else {
                    " ORDER BY id LIMIT ?"
                });
                let sql = $sql(&sql);
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(after) = query.after_id {
                    q = q.bind(after);
                }
                for id in &query.ids {
                    q = q.bind(*id);
                }
                for t in &query.event_types {
                    q = q.bind(t.as_str());
                }
                if let Some(a) = &query.account_id {
                    q = q.bind(a.as_str());
                }
                if let Some(s) = query.since_ms {
                    q = q.bind(s);
                }
                if let Some(u) = query.until_ms {
                    q = q.bind(u);
                }
                q = q.bind(query.effective_limit());
                let rows = q
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "events"))?;
                rows.iter()
                    .map(event_row)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err($crate::StoreError::db($backend, "events"))
            }

            async fn record_rejection(
                &self,
                r: &$crate::webhooks::Rejection,
            ) -> Result<(), $crate::StoreError> {
                let _gate = self.write_gate().await;
                let sql = $sql(
                    "INSERT INTO webhook_rejections (at, reason, signature_present, body_len) \
                     VALUES (?, ?, ?, ?)",
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(r.at)
                    .bind(r.reason.as_str())
                    .bind(i64::from(r.signature_present))
                    .bind(r.body_len)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "record_rejection"))?;
                Ok(())
            }

            async fn rejections(
                &self,
                limit: u32,
            ) -> Result<Vec<$crate::webhooks::Rejection>, $crate::StoreError> {
                use sqlx::Row;
                let sql = $sql(
                    "SELECT at, reason, signature_present, body_len FROM webhook_rejections \
                     ORDER BY id DESC LIMIT ?",
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(i64::from(limit.max(1)))
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "rejections"))?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::webhooks::Rejection {
                            at: r.try_get("at")?,
                            reason: r.try_get("reason")?,
                            signature_present: r.try_get::<i64, _>("signature_present")? != 0,
                            body_len: r.try_get("body_len")?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err($crate::StoreError::db($backend, "rejections"))
            }

            async fn enqueue_deliveries(
                &self,
                event_ids: &[i64],
                target: &str,
                now_ms: i64,
            ) -> Result<u64, $crate::StoreError> {
                let _gate = self.write_gate().await;
                let db = || $crate::StoreError::db($backend, "enqueue_deliveries");
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                let mut n = 0;
                for chunk in $crate::webhooks_sql::planned_chunks(&event_ids) {
                    // Only events that exist.
                    let sql = $sql(&format!(
                        "INSERT INTO webhook_deliveries (event_id, target, state, attempts, \
                         next_at, created_at) SELECT id, ?, 'pending', 0, ?, ? \
                         FROM webhook_events WHERE id IN ({})",
                        $crate::webhooks::in_list(chunk.len())
                    ));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(target)
                        .bind(now_ms)
                        .bind(now_ms);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    n += q.execute(&mut *tx).await.map_err(db())?.rows_affected();
                }
                tx.commit().await.map_err(db())?;
                Ok(n)
            }

            async fn claim_deliveries(
                &self,
                now_ms: i64,
                lease_until_ms: i64,
                targets: &[String],
                limit: u32,
            ) -> Result<Vec<$crate::webhooks::DueDelivery>, $crate::StoreError> {
                let _gate = self.write_gate().await;
                use sqlx::Row;
                let db = || $crate::StoreError::db($backend, "claim_deliveries");
                let target_cond = if targets.is_empty() {
                    String::new()
                } else {
                    format!(" AND target IN ({})", $crate::webhooks::in_list(targets.len()))
                };
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                let sql = $sql(&format!(
                    "SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_at <= ?{} \
                     ORDER BY next_at, id LIMIT ?{}",
                    target_cond, $skip_locked
                ));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now_ms);
                for t in targets {
                    q = q.bind(t.as_str());
                }
                let ids = q
                    .bind(i64::from(limit.max(1)))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db())?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("id"))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db())?;
                if ids.is_empty() {
                    tx.commit().await.map_err(db())?;
                    return Ok(Vec::new());
                }
                let list = $crate::webhooks::in_list(ids.len());
                let sql = $sql(&format!(
                    "UPDATE webhook_deliveries SET next_at = ? WHERE id IN ({list})"
                ));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(lease_until_ms);
                for id in &ids {
                    q = q.bind(*id);
                }
                q.execute(&mut *tx).await.map_err(db())?;
                let sql = $sql(&format!(
                    "SELECT d.id AS d_id, d.event_id AS d_event_id, d.target AS d_target, \
                     d.state AS d_state, d.attempts AS d_attempts, d.next_at AS d_next_at, \
                     d.created_at AS d_created_at, d.last_error AS d_last_error, \
                     e.id, e.payload_id, e.received_at, e.dedupe_key, e.account_id, e.object, \
                     e.event_type, e.field, e.timestamp_ms, e.raw, e.normalized \
                     FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
                     WHERE d.id IN ({list}) ORDER BY d.id"
                ));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for id in &ids {
                    q = q.bind(*id);
                }
                let rows = q.fetch_all(&mut *tx).await.map_err(db())?;
                tx.commit().await.map_err(db())?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::webhooks::DueDelivery {
                            delivery: delivery_row(r, "d_")?,
                            event: event_row(r)?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err(db())
            }

            async fn record_attempt(
                &self,
                delivery_id: i64,
                attempt: &$crate::webhooks::Attempt,
                after: $crate::webhooks::AfterAttempt,
            ) -> Result<(), $crate::StoreError> {
                let _gate = self.write_gate().await;
                use $crate::webhooks::AfterAttempt;
                let db = || $crate::StoreError::db($backend, "record_attempt");
                let mut tx = self.pool.begin_with($begin).await.map_err(db())?;
                let sql = $sql(
                    "INSERT INTO webhook_attempts (delivery_id, at, status, error, duration_ms) \
                     VALUES (?, ?, ?, ?, ?)",
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(delivery_id)
                    .bind(attempt.at)
                    .bind(attempt.status)
                    .bind(attempt.error.as_deref())
                    .bind(attempt.duration_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(db())?;
                let (state, next_at) = match after {
                    AfterAttempt::Delivered => ("delivered", None),
                    AfterAttempt::RetryAt(at) => ("pending", Some(at)),
                    AfterAttempt::Dead => ("dead", None),
                };
                let sql = $sql(
                    "UPDATE webhook_deliveries SET state = ?, next_at = ?, \
                     attempts = attempts + 1, last_error = ? WHERE id = ?",
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(state)
                    .bind(next_at)
                    .bind(attempt.error.as_deref())
                    .bind(delivery_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db())?;
                tx.commit().await.map_err(db())?;
                Ok(())
            }

            async fn next_delivery_due(
                &self,
                targets: &[String],
            ) -> Result<Option<i64>, $crate::StoreError> {
                let target_cond = if targets.is_empty() {
                    String::new()
                } else {
                    format!(" AND target IN ({})", $crate::webhooks::in_list(targets.len()))
                };
                let sql = $sql(&format!(
                    "SELECT MIN(next_at) FROM webhook_deliveries WHERE state = 'pending'{target_cond}"
                ));
                let mut q = sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql));
                for t in targets {
                    q = q.bind(t.as_str());
                }
                q.fetch_one(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "next_delivery_due"))
            }

            async fn deliveries(
                &self,
                event_id: Option<i64>,
                state: Option<$crate::webhooks::DeliveryState>,
                limit: u32,
            ) -> Result<Vec<$crate::webhooks::Delivery>, $crate::StoreError> {
                let mut sql = String::from(
                    "SELECT id, event_id, target, state, attempts, next_at, created_at, last_error \
                     FROM webhook_deliveries WHERE 1 = 1",
                );
                if event_id.is_some() {
                    sql.push_str(" AND event_id = ?");
                }
                if state.is_some() {
                    sql.push_str(" AND state = ?");
                }
                sql.push_str(" ORDER BY id DESC LIMIT ?");
                let sql = $sql(&sql);
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(id) = event_id {
                    q = q.bind(id);
                }
                if let Some(s) = state {
                    q = q.bind(s.as_str());
                }
                let rows = q
                    .bind(i64::from(limit.max(1)))
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "deliveries"))?;
                rows.iter()
                    .map(|r| delivery_row(r, ""))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err($crate::StoreError::db($backend, "deliveries"))
            }

            async fn attempts(
                &self,
                delivery_id: i64,
            ) -> Result<Vec<$crate::webhooks::Attempt>, $crate::StoreError> {
                use sqlx::Row;
                let sql = $sql(
                    "SELECT at, status, error, duration_ms FROM webhook_attempts \
                     WHERE delivery_id = ? ORDER BY id",
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(delivery_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::StoreError::db($backend, "attempts"))?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::webhooks::Attempt {
                            at: r.try_get("at")?,
                            status: r.try_get("status")?,
                            error: r.try_get("error")?,
                            duration_ms: r.try_get("duration_ms")?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err($crate::StoreError::db($backend, "attempts"))
            }

            async fn webhook_stats(
                &self,
            ) -> Result<$crate::webhooks::WebhookStats, $crate::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT \
                     (SELECT COUNT(*) FROM webhook_payloads) AS payloads, \
                     (SELECT COUNT(*) FROM webhook_payloads WHERE state = 0) AS pending_payloads, \
                     (SELECT COUNT(*) FROM webhook_payloads WHERE state = 2) AS unparseable_payloads, \
                     (SELECT COUNT(*) FROM webhook_events) AS events, \
                     (SELECT COUNT(*) FROM webhook_rejections) AS rejections, \
                     (SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending') AS dp, \
                     (SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered') AS dd, \
                     (SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'dead') AS dx",
                )
                .fetch_one(&self.pool)
                .await
                .map_err($crate::StoreError::db($backend, "webhook_stats"))?;
                let get = |name: &str| row.try_get::<i64, _>(name);
                (|| {
                    Ok($crate::webhooks::WebhookStats {
                        payloads: get("payloads")?,
                        pending_payloads: get("pending_payloads")?,
                        unparseable_payloads: get("unparseable_payloads")?,
                        events: get("events")?,
                        rejections: get("rejections")?,
                        deliveries_pending: get("dp")?,
                        deliveries_delivered: get("dd")?,
                        deliveries_dead: get("dx")?,
                    })
                })()
                .map_err($crate::StoreError::db($backend, "webhook_stats"))
            }
        }

        fn payload_row<R: sqlx::Row>(r: &R) -> Result<$crate::webhooks::StoredPayload, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Vec<u8>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            Ok($crate::webhooks::StoredPayload {
                id: r.try_get("id")?,
                received_at: r.try_get("received_at")?,
                body: r.try_get("body")?,
                state: $crate::webhooks::PayloadState::from_code(r.try_get("state")?),
                error: r.try_get("error")?,
            })
        }

        fn event_row<R: sqlx::Row>(r: &R) -> Result<$crate::webhooks::StoredEvent, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            let raw: String = r.try_get("raw")?;
            let normalized: String = r.try_get("normalized")?;
            Ok($crate::webhooks::StoredEvent {
                id: r.try_get("id")?,
                payload_id: r.try_get("payload_id")?,
                received_at: r.try_get("received_at")?,
                dedupe_key: r.try_get("dedupe_key")?,
                account_id: r.try_get("account_id")?,
                object: r.try_get("object")?,
                event_type: r.try_get("event_type")?,
                field: r.try_get("field")?,
                timestamp_ms: r.try_get("timestamp_ms")?,
                raw: $crate::webhooks::json_column(&raw),
                normalized: $crate::webhooks::json_column(&normalized),
            })
        }

        fn delivery_row<R: sqlx::Row>(
            r: &R,
            prefix: &str,
        ) -> Result<$crate::webhooks::Delivery, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            let col = |name: &str| format!("{prefix}{name}");
            let state: String = r.try_get(col("state").as_str())?;
            Ok($crate::webhooks::Delivery {
                id: r.try_get(col("id").as_str())?,
                event_id: r.try_get(col("event_id").as_str())?,
                target: r.try_get(col("target").as_str())?,
                state: $crate::webhooks::DeliveryState::parse(&state),
                attempts: r.try_get(col("attempts").as_str())?,
                next_at: r.try_get(col("next_at").as_str())?,
                created_at: r.try_get(col("created_at").as_str())?,
                last_error: r.try_get(col("last_error").as_str())?,
            })
        }
    };
}

pub(crate) use webhook_store_impl;

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_use_few_sizes_and_cover_everything() {
        for n in [0usize, 1, 3, 5, 63, 64, 65, 300, 1023, 1024, 5000] {
            let items: Vec<usize> = (0..n).collect();
            let chunks = super::planned_chunks(&items);
            let flat: Vec<usize> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
            assert_eq!(flat, items);
            assert!(chunks.iter().all(|c| super::CHUNK_SIZES.contains(&c.len())));
        }
    }
}
