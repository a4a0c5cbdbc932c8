//! One shared suite for every backend: SQLite always, PostgreSQL when `INSTAGRAPH_TEST_POSTGRES`
//! is set (to a `postgres://` URL, or to anything else for the local default). Each PostgreSQL
//! test works in its own schema (`ig_test_<pid>_<n>`), dropped at the end.

use instagraph::ratelimit::BudgetSink;
use instagraph_store::accounts::{AccountState, AccountVault, NewAccount, StoredAccount};
use instagraph_store::schedule::{
    ChangeOutcome, NewScheduledPost, PostQuery, PostState, Transition,
};
use instagraph_store::secrets::{SecretBox, SecretError};
use instagraph_store::webhooks::{
    AfterAttempt, Attempt, DeliveryState, EventQuery, IncomingPayload, NewEvent, PayloadState,
    ProcessOutcome, Processed, Rejection, TargetFilter,
};
use instagraph_store::{Backend, BudgetPersistence, Store, StoreError, open};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sqlx::Connection;
use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";
const SECRET: &str = "Sup3rS3cretPw";

// ---------------------------------------------------------------------------------------------
// Harness

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("store.db").display())
}

/// The PostgreSQL base URL, or `None` (after saying so once) when the tests are disabled.
fn pg_base() -> Option<String> {
    match std::env::var("INSTAGRAPH_TEST_POSTGRES") {
        Ok(v) if v.starts_with("postgres") => Some(v),
        Ok(v) if !v.is_empty() => Some(DEFAULT_PG.to_owned()),
        _ => {
            static NOTE: std::sync::Once = std::sync::Once::new();
            NOTE.call_once(|| {
                // Straight to stderr so that the test harness does not capture it.
                let _ = writeln!(
                    std::io::stderr(),
                    "instagraph-store: PostgreSQL tests skipped: INSTAGRAPH_TEST_POSTGRES is not \
                     set (set it to 1 for {DEFAULT_PG}, or to a postgres:// URL)"
                );
            });
            None
        }
    }
}

fn with_param(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={value}")
}

/// Runs `body` with a URL for a fresh PostgreSQL schema, then drops the schema (even if the
/// body panicked). Does nothing when the PostgreSQL tests are disabled.
async fn with_pg<F, Fut>(body: F)
where
    F: FnOnce(String, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    static N: AtomicUsize = AtomicUsize::new(0);
    let Some(base) = pg_base() else { return };
    let schema = format!(
        "ig_test_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let outcome = tokio::spawn(body(with_param(&base, "schema", &schema), base.clone())).await;
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to drop the schema");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .expect("drop the test schema");
    let _ = conn.close().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}

async fn must_open(url: &str) -> Arc<dyn Store> {
    match open(url).await {
        Ok(store) => store,
        Err(e) => panic!("open {url}: {e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The shared suite and scenarios (backend-independent)

async fn suite(store: Arc<dyn Store>) {
    store.health().await.expect("health");
    assert!(store.schema_version().await.expect("schema_version") >= 2);
    budget_calls(&*store).await;
    kv(&*store).await;
    budget_persistence(store.clone()).await;
    webhooks(&*store).await;
    schedule(&*store).await;
    drafts(&*store).await;
    concurrent_claims(store.clone()).await;
    accounts(store.clone()).await;
    concurrent_defaults(store.clone()).await;
    store.close().await;
}

fn new_event(key: &str, event_type: &str) -> NewEvent {
    NewEvent {
        dedupe_key: key.to_owned(),
        account_id: "17841400000000001".to_owned(),
        object: "instagram".to_owned(),
        event_type: event_type.to_owned(),
        field: "messaging".to_owned(),
        timestamp_ms: Some(1_700_000_000_000),
        raw: json!({"message": {"mid": key}}).to_string(),
        normalized: json!({"eventType": event_type, "messageId": key}).to_string(),
    }
}

async fn webhooks(store: &dyn Store) {
    // Ingest: ids come back in order, bodies are kept byte for byte (incl. non-UTF-8).
    let bodies: Vec<Vec<u8>> = (0..450)
        .map(|i| format!("{{\"n\":{i},\"t\":\"\\u00e4\"}}").into_bytes())
        .chain([vec![0xff, 0x00, 0xfe]])
        .collect();
    let batch: Vec<IncomingPayload> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| IncomingPayload {
            received_at: 1_000 + i as i64,
            body: b.clone(),
            secret_index: Some(0),
        })
        .collect();
    let ids = store
        .insert_payloads(&batch)
        .await
        .expect("insert_payloads");
    assert_eq!(ids.len(), 451, "one id per payload across chunks");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase in order");
    let last = store
        .payload(ids[450])
        .await
        .expect("payload")
        .expect("exists");
    assert_eq!(last.body, vec![0xff, 0x00, 0xfe]);
    assert_eq!(last.state, PayloadState::Pending);
    let first = store
        .payload(ids[0])
        .await
        .expect("payload")
        .expect("exists");
    assert_eq!(first.body, bodies[0]);
    assert_eq!(first.received_at, 1_000);
    assert!(store.insert_payloads(&[]).await.expect("empty").is_empty());

    let pending = store.pending_payloads(10).await.expect("pending");
    assert_eq!(pending.len(), 10);
    assert_eq!(pending[0].id, ids[0]);

    // Process: two payloads, a key repeated inside the batch and one repeated across payloads.
    let targets = vec![
        TargetFilter {
            name: "all".into(),
            event_types: vec![],
            account_ids: vec![],
        },
        TargetFilter {
            name: "posts".into(),
            event_types: vec!["postback".into()],
            account_ids: vec![],
        },
    ];
    let results = vec![
        (
            ids[0],
            Processed::Events(vec![
                new_event("msg:a", "message"),
                new_event("pb:b", "postback"),
                new_event("msg:a", "message"),
            ]),
        ),
        (
            ids[1],
            Processed::Events(vec![new_event("msg:c", "message")]),
        ),
        (ids[2], Processed::Unparseable("not JSON at line 1".into())),
    ];
    let out = store
        .commit_processed(&results, &targets, 5_000)
        .await
        .expect("commit");
    assert_eq!(out.new_events.len(), 3);
    assert_eq!(out.duplicates, 1);
    assert_eq!(out.deliveries, 4, "3 to `all`, 1 postback to `posts`");
    // Idempotent: the same results again add nothing (payloads are no longer pending).
    let again = store
        .commit_processed(&results, &targets, 5_000)
        .await
        .expect("again");
    assert_eq!(again, ProcessOutcome::default());
    // A redelivery in a new payload is a duplicate.
    let redelivered = store
        .commit_processed(
            &[(
                ids[3],
                Processed::Events(vec![new_event("msg:c", "message")]),
            )],
            &targets,
            5_000,
        )
        .await
        .expect("redelivery");
    assert!(redelivered.new_events.is_empty());
    assert_eq!(redelivered.duplicates, 1);
    let bad = store
        .payload(ids[2])
        .await
        .expect("payload")
        .expect("exists");
    assert_eq!(bad.state, PayloadState::Unparseable);
    assert_eq!(bad.error.as_deref(), Some("not JSON at line 1"));
    assert_eq!(
        store.payload(ids[0]).await.unwrap().unwrap().state,
        PayloadState::Processed
    );

    // Query events.
    let all = store.events(&EventQuery::default()).await.expect("events");
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].dedupe_key, "msg:a");
    assert_eq!(all[0].payload_id, ids[0]);
    assert_eq!(all[0].received_at, 1_000);
    assert_eq!(all[0].raw, json!({"message": {"mid": "msg:a"}}));
    assert_eq!(all[0].normalized["eventType"], "message");
    let posts = store
        .events(&EventQuery {
            event_types: vec!["postback".into()],
            ..Default::default()
        })
        .await
        .expect("by type");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].dedupe_key, "pb:b");
    let after = store
        .events(&EventQuery {
            after_id: Some(all[0].id),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .expect("after");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, all[1].id);
    let newest = store
        .events(&EventQuery {
            newest_first: true,
            limit: Some(1),
            ..Default::default()
        })
        .await
        .expect("newest");
    assert_eq!(newest[0].id, all[2].id);
    let window = store
        .events(&EventQuery {
            since_ms: Some(1_001),
            until_ms: Some(1_002),
            ..Default::default()
        })
        .await
        .expect("window");
    assert_eq!(window.len(), 1);
    assert_eq!(window[0].dedupe_key, "msg:c");
    let by_id = store
        .events(&EventQuery {
            ids: vec![all[1].id],
            ..Default::default()
        })
        .await
        .expect("by id");
    assert_eq!(by_id.len(), 1);

    // Deliveries: claim with a lease, retry, deliver, dead-letter.
    assert_eq!(
        store.next_delivery_due(&[]).await.expect("due"),
        Some(5_000)
    );
    assert!(
        store
            .claim_deliveries(4_999, 60_000, &[], 10)
            .await
            .expect("early")
            .is_empty()
    );
    let claimed = store
        .claim_deliveries(5_000, 65_000, &["all".to_owned()], 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 3);
    assert!(claimed.iter().all(|d| d.delivery.target == "all"));
    assert_eq!(claimed[0].event.dedupe_key, "msg:a");
    // Leased: a second claim at the same time gets only the other target's delivery.
    let others = store
        .claim_deliveries(5_000, 65_000, &[], 10)
        .await
        .expect("claim 2");
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].delivery.target, "posts");
    let d0 = claimed[0].delivery.id;
    let fail = Attempt {
        at: 5_000,
        status: Some(500),
        error: Some("HTTP 500".into()),
        duration_ms: 3,
    };
    store
        .record_attempt(d0, &fail, AfterAttempt::RetryAt(10_000))
        .await
        .expect("attempt");
    let ok = Attempt {
        at: 10_000,
        status: Some(200),
        error: None,
        duration_ms: 2,
    };
    let due = store
        .claim_deliveries(10_000, 70_000, &[], 10)
        .await
        .expect("claim 3");
    assert_eq!(due.len(), 1, "only the retried one is due");
    assert_eq!(due[0].delivery.attempts, 1);
    store
        .record_attempt(d0, &ok, AfterAttempt::Delivered)
        .await
        .expect("ok");
    let d1 = claimed[1].delivery.id;
    store
        .record_attempt(d1, &fail, AfterAttempt::Dead)
        .await
        .expect("dead");
    let attempts = store.attempts(d0).await.expect("attempts");
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].status, Some(500));
    assert_eq!(attempts[1].error, None);
    let of_event = store
        .deliveries(Some(all[0].id), None, 10)
        .await
        .expect("deliveries");
    assert_eq!(of_event.len(), 1);
    assert_eq!(of_event[0].state, DeliveryState::Delivered);
    assert_eq!(of_event[0].attempts, 2);
    let dead = store
        .deliveries(None, Some(DeliveryState::Dead), 10)
        .await
        .expect("dead list");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 500"));

    // Replay: new deliveries for existing events only.
    let n = store
        .enqueue_deliveries(&[all[0].id, all[1].id, 999_999], "replay", 20_000)
        .await
        .expect("enqueue");
    assert_eq!(n, 2);
    let replayed = store
        .claim_deliveries(20_000, 80_000, &["replay".to_owned()], 10)
        .await
        .expect("claim replay");
    assert_eq!(replayed.len(), 2);

    // Rejections and stats.
    store
        .record_rejection(&Rejection {
            at: 7,
            reason: "signature_mismatch".into(),
            signature_present: true,
            body_len: 42,
        })
        .await
        .expect("reject");
    store
        .record_rejection(&Rejection {
            at: 8,
            reason: "signature_missing".into(),
            signature_present: false,
            body_len: 0,
        })
        .await
        .expect("reject 2");
    let rej = store.rejections(10).await.expect("rejections");
    assert_eq!(rej.len(), 2);
    assert_eq!(rej[0].reason, "signature_missing", "newest first");
    assert!(!rej[0].signature_present);
    assert_eq!(rej[1].body_len, 42);
    let stats = store.webhook_stats().await.expect("stats");
    assert_eq!(stats.payloads, 451);
    assert_eq!(stats.pending_payloads, 451 - 4);
    assert_eq!(stats.unparseable_payloads, 1);
    assert_eq!(stats.events, 3);
    assert_eq!(stats.rejections, 2);
    assert_eq!(stats.deliveries_delivered, 1);
    assert_eq!(stats.deliveries_dead, 1);
    assert_eq!(stats.deliveries_pending, 4);
}

fn new_post(at: i64, key: Option<&str>) -> NewScheduledPost {
    NewScheduledPost {
        account: "17841400000000001".into(),
        kind: "photo".into(),
        spec: json!({"type": "photo", "image": {"url": "https://example.com/a.jpg"}, "caption": "hi"}),
        publish_at: at,
        zone: Some("Europe/Paris".into()),
        idempotency_key: key.map(str::to_owned),
        next_at: at - 600_000,
        created_at: 1_000,
        draft: false,
    }
}

/// A draft is never claimed by a worker until approved; approving anything else is refused.
async fn drafts(store: &dyn Store) {
    const H: i64 = 3_600_000;
    let t0 = 50 * H;
    let mut p = new_post(t0, Some("draft-1"));
    p.draft = true;
    let (d, created) = store.add_post(&p).await.expect("add draft");
    assert!(created);
    assert_eq!(d.state, PostState::Draft);
    let claimed = store
        .claim_due_posts(t0 + H, t0 + 2 * H, "w-draft", 100)
        .await
        .expect("claim");
    assert!(
        claimed.iter().all(|c| c.id != d.id),
        "a draft was claimed: {claimed:?}"
    );
    let approved = store.approve_post(d.id, t0).await.expect("approve");
    let ChangeOutcome::Changed(a) = approved else {
        panic!("approve: {approved:?}")
    };
    assert_eq!(a.state, PostState::Scheduled);
    let log = store.post_log(d.id).await.expect("log");
    assert_eq!(
        log.iter().map(|l| l.step.as_str()).collect::<Vec<_>>(),
        ["drafted", "approved"]
    );
    // Approving twice (or approving a scheduled post) is refused.
    assert!(matches!(
        store.approve_post(d.id, t0).await.expect("again"),
        ChangeOutcome::NotChangeable(_)
    ));
    assert!(matches!(
        store.approve_post(i64::MAX, t0).await.expect("missing"),
        ChangeOutcome::NotFound
    ));
    // Clean up: cancel it so later checks on due posts are unaffected.
    store.cancel_post(d.id, t0).await.expect("cancel");
}

async fn schedule(store: &dyn Store) {
    const H: i64 = 3_600_000;
    let t0 = 10 * H;
    // Add, and an idempotency key returns the first post instead of a second one.
    let (a, created) = store
        .add_post(&new_post(t0, Some("k1")))
        .await
        .expect("add");
    assert!(created);
    assert_eq!(a.state, PostState::Scheduled);
    assert_eq!(a.next_at, Some(t0 - 600_000));
    assert_eq!(a.spec["caption"], "hi");
    let (again, created) = store
        .add_post(&new_post(t0 + 5, Some("k1")))
        .await
        .expect("add");
    assert!(!created);
    assert_eq!(again.id, a.id);
    assert_eq!(again.publish_at, t0);
    let (b, _) = store
        .add_post(&new_post(t0 + H, None))
        .await
        .expect("add b");
    assert_eq!(
        store.next_post_due().await.expect("due"),
        Some(t0 - 600_000)
    );

    // Nothing is due one millisecond early; at next_at exactly, the first one is.
    let early = store
        .claim_due_posts(t0 - 600_001, t0, "w1", 10)
        .await
        .expect("claim");
    assert!(early.is_empty());
    let claimed = store
        .claim_due_posts(t0 - 600_000, t0, "w1", 10)
        .await
        .expect("claim");
    assert_eq!(claimed.iter().map(|p| p.id).collect::<Vec<_>>(), vec![a.id]);
    assert_eq!(claimed[0].lease_owner.as_deref(), Some("w1"));
    // Leased: a second worker does not get it until the lease runs out.
    assert!(
        store
            .claim_due_posts(t0 - 1, t0 + 1, "w2", 10)
            .await
            .expect("claim")
            .is_empty()
    );

    // A step by the lease holder applies and is logged; a step from the wrong state or by
    // another worker does not.
    let post = &claimed[0];
    let mut t = Transition::from_post(post, PostState::Preparing, "container_created");
    t.container_id = Some("c1".into());
    t.container_created_at = Some(t0 - 600_000);
    t.keep_lease = true;
    assert!(
        !store
            .transition_post(a.id, "w2", PostState::Scheduled, &t, t0 - 599_000)
            .await
            .expect("t")
    );
    assert!(
        !store
            .transition_post(a.id, "w1", PostState::Ready, &t, t0 - 599_000)
            .await
            .expect("t")
    );
    assert!(
        store
            .transition_post(a.id, "w1", PostState::Scheduled, &t, t0 - 599_000)
            .await
            .expect("t")
    );
    let now = store.post(a.id).await.expect("post").expect("exists");
    assert_eq!(now.state, PostState::Preparing);
    assert_eq!(now.container_id.as_deref(), Some("c1"));
    assert_eq!(
        now.lease_owner.as_deref(),
        Some("w1"),
        "keep_lease keeps it"
    );
    let mut t = Transition::from_post(&now, PostState::Ready, "container_ready");
    t.next_at = Some(t0);
    assert!(
        store
            .transition_post(a.id, "w1", PostState::Preparing, &t, t0 - 598_000)
            .await
            .expect("t")
    );
    let ready = store.post(a.id).await.expect("post").expect("exists");
    assert_eq!(ready.lease_owner, None, "released");
    assert_eq!(
        ready.container_id.as_deref(),
        Some("c1"),
        "untouched columns kept"
    );

    // Reschedule within the container's life keeps it; beyond it, the container is dropped.
    match store
        .reschedule_post(a.id, t0 + H, t0 + H - 600_000, t0 - 500_000)
        .await
        .expect("r")
    {
        ChangeOutcome::Changed(p) => {
            assert_eq!(p.publish_at, t0 + H);
            assert_eq!(p.state, PostState::Ready);
            assert_eq!(p.container_id.as_deref(), Some("c1"));
        }
        other => panic!("{other:?}"),
    }
    match store
        .reschedule_post(a.id, t0 + 30 * H, t0 + 29 * H, t0 - 400_000)
        .await
        .expect("r")
    {
        ChangeOutcome::Changed(p) => {
            assert_eq!(p.state, PostState::Scheduled);
            assert_eq!(p.container_id, None);
            assert_eq!(p.next_at, Some(t0 + 29 * H));
        }
        other => panic!("{other:?}"),
    }
    let stored = store.post(a.id).await.expect("post").expect("exists");
    assert_eq!(stored.publish_at, t0 + 30 * H);

    // A worker that held the post before a user's change cannot apply its step.
    let claimed = store
        .claim_due_posts(t0 + H, t0 + 2 * H, "w1", 10)
        .await
        .expect("claim");
    assert_eq!(claimed.iter().map(|p| p.id).collect::<Vec<_>>(), vec![b.id]);
    assert!(matches!(
        store.cancel_post(b.id, t0 + H + 1).await.expect("cancel"),
        ChangeOutcome::Changed(ref p) if p.state == PostState::Cancelled
    ));
    let t = Transition::from_post(&claimed[0], PostState::Publishing, "publishing");
    assert!(
        !store
            .transition_post(b.id, "w1", PostState::Scheduled, &t, t0 + H + 2)
            .await
            .expect("t")
    );
    assert_eq!(
        store.post(b.id).await.expect("p").expect("e").state,
        PostState::Cancelled
    );

    // Once publishing, a post can be neither cancelled nor rescheduled.
    let (c, _) = store
        .add_post(&new_post(t0, Some("k3")))
        .await
        .expect("add c");
    let claimed = store
        .claim_due_posts(t0, t0 + H, "w1", 1)
        .await
        .expect("claim");
    assert_eq!(claimed[0].id, c.id);
    let mut t = Transition::from_post(&claimed[0], PostState::Publishing, "publishing");
    t.publish_started_at = Some(t0);
    t.keep_lease = true;
    assert!(
        store
            .transition_post(c.id, "w1", PostState::Scheduled, &t, t0)
            .await
            .expect("t")
    );
    assert!(matches!(
        store.cancel_post(c.id, t0 + 1).await.expect("cancel"),
        ChangeOutcome::NotChangeable(ref p) if p.state == PostState::Publishing
    ));
    assert!(matches!(
        store
            .reschedule_post(c.id, t0 + H, t0, t0 + 1)
            .await
            .expect("r"),
        ChangeOutcome::NotChangeable(_)
    ));
    assert_eq!(
        store.cancel_post(999_999, t0).await.expect("cancel"),
        ChangeOutcome::NotFound
    );
    // A dead worker's leases can be dropped at once.
    assert_eq!(
        store.lease_owners().await.expect("owners"),
        vec!["w1".to_string()]
    );
    assert_eq!(store.release_leases("w1").await.expect("release"), 1);
    assert!(store.lease_owners().await.expect("owners").is_empty());
    let back = store
        .claim_due_posts(t0, t0 + H, "w1", 1)
        .await
        .expect("claim");
    assert_eq!(back.len(), 1);
    // A crashed worker's lease runs out and another takes the post over, in its state.
    let taken = store
        .claim_due_posts(t0 + H, t0 + 2 * H, "w2", 10)
        .await
        .expect("claim");
    assert_eq!(
        taken.iter().map(|p| (p.id, p.state)).collect::<Vec<_>>(),
        vec![(c.id, PostState::Publishing)]
    );
    let mut t = Transition::from_post(&taken[0], PostState::Published, "published");
    t.media_id = Some("m1".into());
    t.next_at = None;
    assert!(
        store
            .transition_post(c.id, "w2", PostState::Publishing, &t, t0 + H)
            .await
            .expect("t")
    );

    // Listing, filters and the log.
    let published = store
        .posts(&PostQuery {
            states: vec![PostState::Published],
            ..PostQuery::default()
        })
        .await
        .expect("posts");
    assert_eq!(
        published
            .iter()
            .map(|p| p.media_id.as_deref())
            .collect::<Vec<_>>(),
        vec![Some("m1")]
    );
    let all = store.posts(&PostQuery::default()).await.expect("posts");
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].publish_at <= w[1].publish_at));
    let none = store
        .posts(&PostQuery {
            account: Some("other".into()),
            ..PostQuery::default()
        })
        .await
        .expect("posts");
    assert!(none.is_empty());
    let log = store.post_log(a.id).await.expect("log");
    let steps: Vec<&str> = log.iter().map(|e| e.step.as_str()).collect();
    assert_eq!(
        steps,
        vec![
            "added",
            "container_created",
            "container_ready",
            "rescheduled",
            "rescheduled"
        ]
    );
    // Final states are never due again.
    assert_eq!(store.next_post_due().await.expect("due"), Some(t0 + 29 * H));
}

/// Several workers claiming at once never get the same post (PostgreSQL: SKIP LOCKED; SQLite:
/// one writer at a time).
async fn concurrent_claims(store: Arc<dyn Store>) {
    let at = 50 * 3_600_000;
    for i in 0..40 {
        let key = format!("cc{i}");
        store
            .add_post(&new_post(at, Some(&key)))
            .await
            .expect("add");
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let owner = format!("worker{w}");
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_due_posts(at, at + 60_000, &owner, 3)
                    .await
                    .expect("claim");
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|p| p.id));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), n, "a post was claimed twice");
    assert!(n >= 40, "every due post was claimed once: {n}");
}

async fn budget_calls(store: &dyn Store) {
    assert_eq!(
        store.budget_calls_since(i64::MIN).await.expect("since"),
        vec![]
    );
    for (key, at) in [
        ("messaging:1", 1_000),
        ("media-upload:1", 3_000),
        ("messaging:2", 2_000),
        ("user-profile:it's \"quoted\" ✓", 2_000),
    ] {
        store.record_budget_call(key, at).await.expect("record");
    }
    let all = store.budget_calls_since(i64::MIN).await.expect("since");
    let expected = vec![
        ("messaging:1".to_owned(), 1_000),
        ("messaging:2".to_owned(), 2_000),
        ("user-profile:it's \"quoted\" ✓".to_owned(), 2_000),
        ("media-upload:1".to_owned(), 3_000),
    ];
    assert_eq!(all, expected, "ordered by time, ties in insertion order");
    assert_eq!(
        store.budget_calls_since(2_000).await.expect("since"),
        expected[1..].to_vec()
    );
    assert_eq!(
        store.budget_calls_since(2_001).await.expect("since"),
        expected[3..].to_vec()
    );
    assert_eq!(
        store.budget_calls_since(3_001).await.expect("since"),
        vec![]
    );

    assert_eq!(
        store.prune_budget_calls(2_000).await.expect("prune"),
        1,
        "strictly before"
    );
    assert_eq!(store.prune_budget_calls(2_000).await.expect("prune"), 0);
    assert_eq!(
        store.budget_calls_since(i64::MIN).await.expect("since"),
        expected[1..].to_vec()
    );
    assert_eq!(store.prune_budget_calls(i64::MAX).await.expect("prune"), 3);
    assert_eq!(
        store.budget_calls_since(i64::MIN).await.expect("since"),
        vec![]
    );
}

async fn kv(store: &dyn Store) {
    assert_eq!(
        store.kv_get("tokens", "acct-1").await.expect("get"),
        None,
        "missing key"
    );

    let first = json!({"access_token": "abc", "expires_at": 1_700_000_000_000_i64});
    store.kv_put("tokens", "acct-1", &first).await.expect("put");
    assert_eq!(
        store.kv_get("tokens", "acct-1").await.expect("get"),
        Some(first)
    );

    let second =
        json!([1, 2.5, "x", null, {"nested": {"ünïcode": "✓ \"quotes\" \u{0}"}}, u64::MAX]);
    store
        .kv_put("tokens", "acct-1", &second)
        .await
        .expect("overwrite");
    assert_eq!(
        store.kv_get("tokens", "acct-1").await.expect("get"),
        Some(second.clone())
    );

    // Namespaces are separate.
    assert_eq!(store.kv_get("cursors", "acct-1").await.expect("get"), None);
    store
        .kv_put("cursors", "acct-1", &json!("cursor-9"))
        .await
        .expect("put");
    assert_eq!(
        store.kv_get("cursors", "acct-1").await.expect("get"),
        Some(json!("cursor-9"))
    );
    assert_eq!(
        store.kv_get("tokens", "acct-1").await.expect("get"),
        Some(second)
    );

    // A stored JSON null is a value, not a missing key.
    store
        .kv_put("cursors", "null", &serde_json::Value::Null)
        .await
        .expect("put");
    assert_eq!(
        store.kv_get("cursors", "null").await.expect("get"),
        Some(serde_json::Value::Null)
    );
}

async fn budget_persistence(store: Arc<dyn Store>) {
    store.prune_budget_calls(i64::MAX).await.expect("clear");
    let persistence = BudgetPersistence::new(store.clone());
    let sink: Arc<dyn BudgetSink> = Arc::new(persistence.clone());
    sink.record("messaging:17", 10).await;
    sink.record("media-upload:17", 20).await;
    sink.record("messaging:17", 30).await;
    assert_eq!(
        persistence.load(0).await.expect("load"),
        vec![
            ("messaging:17".to_owned(), 10),
            ("media-upload:17".to_owned(), 20),
            ("messaging:17".to_owned(), 30),
        ]
    );
    assert_eq!(
        persistence.load(25).await.expect("load"),
        vec![("messaging:17".to_owned(), 30)]
    );
    store.prune_budget_calls(i64::MAX).await.expect("clear");
}

/// Opening twice applies nothing twice and keeps the data.
async fn migrations_idempotent(url: &str) {
    let first = must_open(url).await;
    let version = first.schema_version().await.expect("version");
    first.kv_put("ns", "k", &json!(1)).await.expect("put");
    let second = must_open(url).await;
    assert_eq!(second.schema_version().await.expect("version"), version);
    assert_eq!(second.kv_get("ns", "k").await.expect("get"), Some(json!(1)));
    first.close().await;
    second.close().await;
    // And a third time after both closed.
    let third = must_open(url).await;
    assert_eq!(third.schema_version().await.expect("version"), version);
    third.close().await;
}

/// Write, close and drop, reopen, read.
async fn durable_across_reopen(url: &str) {
    let store = must_open(url).await;
    store
        .record_budget_call("messaging:1", 42)
        .await
        .expect("record");
    store
        .kv_put("state", "cursor", &json!({"after": "QVFI"}))
        .await
        .expect("put");
    store.close().await;
    drop(store);

    let store = must_open(url).await;
    assert_eq!(
        store.budget_calls_since(0).await.expect("since"),
        vec![("messaging:1".to_owned(), 42)]
    );
    assert_eq!(
        store.kv_get("state", "cursor").await.expect("get"),
        Some(json!({"after": "QVFI"}))
    );
    store.close().await;
}

/// 8 tasks × 50 budget writes all land, each task's in order.
async fn concurrent_writes(store: Arc<dyn Store>) {
    const TASKS: i64 = 8;
    const WRITES: i64 = 50;
    let handles: Vec<_> = (0..TASKS)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..WRITES {
                    store
                        .record_budget_call(&format!("task:{t}"), t * 1_000 + i)
                        .await?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("task").expect("writes");
    }
    let all = store.budget_calls_since(i64::MIN).await.expect("since");
    assert_eq!(all.len(), (TASKS * WRITES) as usize);
    for t in 0..TASKS {
        let got: Vec<i64> = all
            .iter()
            .filter(|(k, _)| *k == format!("task:{t}"))
            .map(|(_, at)| *at)
            .collect();
        let want: Vec<i64> = (0..WRITES).map(|i| t * 1_000 + i).collect();
        assert_eq!(got, want);
    }
    store.close().await;
}

// ---------------------------------------------------------------------------------------------
// Accounts (shared suite) and secrets at rest

/// Plaintext secrets the tests save; none may ever show up at rest, in `Debug` or in errors.
const TOKEN: &str = "IGAAPl41nT0kenValue0123456789abcdef";
const TOKEN_2: &str = "IGAARefreshedT0kenValue987654321";
const PAGE_TOKEN: &str = "EAAPageT0kenPlaintextValue42";
const APP_SECRET: &str = "appS3cretPlaintextValue42";

fn test_key() -> SecretBox {
    SecretBox::from_key_bytes([42; 32])
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// An Instagram Login account ("brand") with every secret.
fn brand(token: &str) -> NewAccount {
    let mut a = NewAccount::new("brand", "instagram", secret(token), 1_000);
    a.ig_user_id = Some("17841400000000001".into());
    a.app_scoped_id = Some("27000000000000001".into());
    a.username = Some("brand.co".into());
    a.app_id = Some("990000000000001".into());
    a.app_secret = Some(secret(APP_SECRET));
    a.scopes = vec![
        "instagram_business_basic".into(),
        "instagram_business_manage_messages".into(),
    ];
    a.expires_at = Some(1_000 + 60 * 86_400_000);
    a
}

/// A Facebook Login account ("shop") messaging through a Page.
fn shop() -> NewAccount {
    let mut a = NewAccount::new("shop", "facebook", secret(TOKEN_2), 2_000);
    a.ig_user_id = Some("17841400000000002".into());
    a.page_id = Some("100000000000002".into());
    a.page_token = Some(secret(PAGE_TOKEN));
    a
}

async fn default_names(store: &dyn Store) -> Vec<String> {
    store
        .accounts()
        .await
        .expect("accounts")
        .into_iter()
        .filter(|a| a.is_default)
        .map(|a| a.name)
        .collect()
}

fn assert_no_plaintext(shown: &str) {
    for s in [TOKEN, TOKEN_2, PAGE_TOKEN, APP_SECRET] {
        assert!(!shown.contains(s), "a secret leaked: {shown}");
    }
}

async fn accounts(store: Arc<dyn Store>) {
    let vault = AccountVault::new(store.clone(), test_key());
    assert!(store.accounts().await.expect("accounts").is_empty());
    assert!(store.default_account().await.expect("default").is_none());
    assert!(store.account("brand").await.expect("account").is_none());

    // Insert: the first account becomes the default; secrets come back sealed and open.
    let b = vault.save(&brand(TOKEN), 1_000).await.expect("save brand");
    assert_eq!(
        (b.version, b.created_at, b.updated_at, b.is_default),
        (1, 1_000, 1_000, true)
    );
    assert_eq!(b.state, AccountState::Active);
    assert_eq!(b.scopes.len(), 2);
    assert!(b.sealed_token.starts_with("v1:") && !b.sealed_token.contains(TOKEN));
    assert_eq!(store.account("brand").await.expect("read"), Some(b.clone()));
    assert_eq!(vault.token(&b).await.expect("token").expose_secret(), TOKEN);
    let app_secret = vault
        .app_secret(&b)
        .await
        .expect("app secret")
        .expect("set");
    assert_eq!(app_secret.expose_secret(), APP_SECRET);
    assert!(vault.page_token(&b).await.expect("page token").is_none());

    // A second account does not take the default unless asked.
    let s = vault.save(&shop(), 2_000).await.expect("save shop");
    assert!(!s.is_default);
    let page_token = vault.page_token(&s).await.expect("page").expect("set");
    assert_eq!(page_token.expose_secret(), PAGE_TOKEN);
    assert_eq!(default_names(&*store).await, ["brand"]);

    // Replace by name: version bumped, created_at kept, default kept (a re-login without
    // `is_default` does not drop it).
    let b2 = vault.save(&brand(TOKEN_2), 3_000).await.expect("re-save");
    assert_eq!(
        (b2.version, b2.created_at, b2.updated_at, b2.is_default),
        (2, 1_000, 3_000, true)
    );
    assert_eq!(
        vault.token(&b2).await.expect("token").expose_secret(),
        TOKEN_2
    );
    let names: Vec<String> = store
        .accounts()
        .await
        .expect("list")
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["brand", "shop"]);

    // Routing by each of the three ids.
    let route = |id: &'static str| {
        let store = store.clone();
        async move {
            store
                .account_for_ig_user(id)
                .await
                .expect("route")
                .map(|a| a.name)
        }
    };
    assert_eq!(route("17841400000000001").await.as_deref(), Some("brand"));
    assert_eq!(route("27000000000000001").await.as_deref(), Some("brand"));
    assert_eq!(route("17841400000000002").await.as_deref(), Some("shop"));
    assert_eq!(route("100000000000002").await.as_deref(), Some("shop"));
    assert_eq!(route("999").await, None);

    // Default switching: always exactly one.
    assert!(
        store
            .set_default_account("shop")
            .await
            .expect("set default")
    );
    assert_eq!(default_names(&*store).await, ["shop"]);
    let b3 = store.account("brand").await.expect("read").expect("brand");
    assert_eq!(b3.version, b2.version + 1, "losing the default is a write");
    assert!(store.set_default_account("shop").await.expect("again"));
    assert!(!store.set_default_account("nobody").await.expect("unknown"));
    assert_eq!(
        store
            .default_account()
            .await
            .expect("default")
            .map(|a| a.name)
            .as_deref(),
        Some("shop")
    );
    let mut third = NewAccount::new("third", "instagram", secret(TOKEN), 4_000);
    third.is_default = true;
    third.ig_user_id = Some("17841400000000001".into());
    let t = vault.save(&third, 4_000).await.expect("save third");
    assert!(t.is_default);
    assert_eq!(default_names(&*store).await, ["third"]);
    // Two accounts share an IG user id: the default wins.
    assert_eq!(route("17841400000000001").await.as_deref(), Some("third"));
    assert!(
        store
            .set_default_account("brand")
            .await
            .expect("set default")
    );
    assert_eq!(default_names(&*store).await, ["brand"]);
    assert_eq!(route("17841400000000001").await.as_deref(), Some("brand"));

    // replace_token: the right version wins, a stale one loses and changes nothing.
    let s = store.account("shop").await.expect("read").expect("shop");
    let refreshed = vault
        .refresh_token("shop", s.version, &secret(TOKEN), 5_000, Some(9_000), 5_001)
        .await
        .expect("refresh")
        .expect("current version wins");
    assert_eq!(refreshed.version, s.version + 1);
    assert_eq!(
        (
            refreshed.issued_at,
            refreshed.expires_at,
            refreshed.refreshed_at
        ),
        (5_000, Some(9_000), Some(5_001))
    );
    assert_eq!(refreshed.updated_at, 5_001);
    assert_eq!(refreshed.page_id, s.page_id, "other columns untouched");
    assert_eq!(
        vault
            .token(&refreshed)
            .await
            .expect("token")
            .expose_secret(),
        TOKEN
    );
    let stale = vault
        .refresh_token("shop", s.version, &secret(TOKEN_2), 6_000, None, 6_001)
        .await
        .expect("stale refresh");
    assert!(stale.is_none(), "a stale version loses");
    assert_eq!(
        store.account("shop").await.expect("read"),
        Some(refreshed.clone()),
        "and changes nothing"
    );
    assert!(
        vault
            .refresh_token("nobody", 1, &secret(TOKEN), 1, None, 1)
            .await
            .expect("unknown")
            .is_none()
    );

    // States: a state change is a write (a refresh that read before it loses); a successful
    // refresh makes the account active again.
    assert!(
        store
            .set_account_state(
                "shop",
                AccountState::RefreshFailing,
                Some("HTTP 500"),
                7_000
            )
            .await
            .expect("state")
    );
    let failing = store.account("shop").await.expect("read").expect("shop");
    assert_eq!(failing.state, AccountState::RefreshFailing);
    assert_eq!(failing.state_reason.as_deref(), Some("HTTP 500"));
    assert_eq!(failing.version, refreshed.version + 1);
    assert!(
        vault
            .refresh_token(
                "shop",
                refreshed.version,
                &secret(TOKEN_2),
                7_500,
                None,
                7_500
            )
            .await
            .expect("stale")
            .is_none()
    );
    let active = vault
        .refresh_token(
            "shop",
            failing.version,
            &secret(TOKEN_2),
            8_000,
            None,
            8_000,
        )
        .await
        .expect("refresh")
        .expect("wins");
    assert_eq!(active.state, AccountState::Active);
    assert_eq!(active.state_reason, None);
    assert!(
        store
            .set_account_state(
                "shop",
                AccountState::NeedsLogin,
                Some("token revoked"),
                9_000
            )
            .await
            .expect("state")
    );
    assert_eq!(
        store
            .account("shop")
            .await
            .expect("read")
            .expect("shop")
            .state,
        AccountState::NeedsLogin
    );
    assert!(
        !store
            .set_account_state("nobody", AccountState::Active, None, 9_000)
            .await
            .expect("unknown")
    );

    // The store refuses plaintext secrets, bad names and families (and says nothing secret).
    let b3 = store.account("brand").await.expect("read").expect("brand");
    let mut plain = b3.clone();
    plain.sealed_token = TOKEN.to_owned();
    let err = store
        .upsert_account(&plain, 10_000)
        .await
        .expect_err("plaintext token refused");
    assert!(matches!(err, StoreError::InvalidAccount { .. }), "{err:?}");
    assert_no_plaintext(&format!("{err} {err:?}"));
    let mut plain = b3.clone();
    plain.sealed_app_secret = Some(APP_SECRET.to_owned());
    assert!(store.upsert_account(&plain, 10_000).await.is_err());
    let err = store
        .replace_token("brand", b3.version, TOKEN, 1, None, 1)
        .await
        .expect_err("plaintext refused");
    assert_no_plaintext(&format!("{err} {err:?}"));
    for (name, family) in [("", "instagram"), ("a b", "instagram"), ("ok", "threads")] {
        let mut bad = b3.clone();
        bad.name = name.to_owned();
        bad.family = family.to_owned();
        let err = store.upsert_account(&bad, 10_000).await.expect_err(name);
        assert!(matches!(err, StoreError::InvalidAccount { .. }), "{err:?}");
    }
    assert_eq!(
        store.account("brand").await.expect("read"),
        Some(b3.clone()),
        "refused writes change nothing"
    );

    // Secrets stay out of Debug and errors; a wrong key opens nothing.
    let shown = format!("{b3:?} {:?} {vault:?}", brand(TOKEN));
    assert_no_plaintext(&shown);
    assert!(
        !shown.contains(&b3.sealed_token),
        "Debug hides even sealed text"
    );
    assert!(shown.contains("SecretBox([REDACTED])"), "{shown}");
    let other = AccountVault::new(store.clone(), SecretBox::from_key_bytes([7; 32]));
    match other.token(&b3).await {
        Err(e @ StoreError::Secret { .. }) => {
            let msg = format!("{e} {e:?}");
            assert_no_plaintext(&msg);
            assert!(msg.contains("different secret key"), "{msg}");
        }
        other => panic!("a wrong key must not open the token: {other:?}"),
    }
    assert!(other.app_secret(&b3).await.is_err());

    // Delete: deleting the default leaves none until one is named.
    assert!(store.delete_account("brand").await.expect("delete"));
    assert!(!store.delete_account("brand").await.expect("delete again"));
    assert!(store.account("brand").await.expect("read").is_none());
    assert!(store.default_account().await.expect("default").is_none());
    assert!(store.set_default_account("third").await.expect("set"));
    assert_eq!(default_names(&*store).await, ["third"]);
    assert!(store.delete_account("shop").await.expect("delete"));
    assert!(store.delete_account("third").await.expect("delete"));
    assert!(store.accounts().await.expect("list").is_empty());
}

/// Writers racing to move the default (switches, saves with `is_default`, new accounts)
/// all succeed and leave exactly one default.
async fn concurrent_defaults(store: Arc<dyn Store>) {
    let vault = AccountVault::new(store.clone(), test_key());
    for i in 0..4 {
        let a = NewAccount::new(&format!("acct{i}"), "instagram", secret(TOKEN), 1);
        vault.save(&a, 1).await.expect("save");
    }
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (store, vault) = (store.clone(), vault.clone());
            tokio::spawn(async move {
                for i in 0..5 {
                    let name = format!("acct{}", (t + i) % 4);
                    if (t + i) % 3 == 0 {
                        let mut a = NewAccount::new(&name, "instagram", secret(TOKEN), 2);
                        a.is_default = true;
                        vault.save(&a, 2).await?;
                    } else {
                        store.set_default_account(&name).await?;
                    }
                }
                Ok::<_, StoreError>(())
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("task").expect("writes");
    }
    assert_eq!(default_names(&*store).await.len(), 1);
    for i in 0..4 {
        assert!(
            store
                .delete_account(&format!("acct{i}"))
                .await
                .expect("delete")
        );
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Saves accounts with every kind of secret and refreshes one; returns the rows.
async fn save_secrets(store: Arc<dyn Store>) -> Vec<StoredAccount> {
    let vault = AccountVault::new(store.clone(), test_key());
    let b = vault.save(&brand(TOKEN), 1_000).await.expect("save");
    vault
        .refresh_token("brand", b.version, &secret(TOKEN_2), 2_000, None, 2_000)
        .await
        .expect("refresh")
        .expect("wins");
    vault.save(&shop(), 3_000).await.expect("save");
    store.accounts().await.expect("list")
}

/// What is at rest contains the sealed values and no plaintext; a wrong key opens none of them.
async fn assert_sealed_at_rest(raw: &[u8], rows: &[StoredAccount]) {
    for s in [TOKEN, TOKEN_2, PAGE_TOKEN, APP_SECRET] {
        assert!(!contains(raw, s), "plaintext `{s}` found at rest");
    }
    let sealed: Vec<&str> = rows
        .iter()
        .flat_map(|a| {
            [
                Some(a.sealed_token.as_str()),
                a.sealed_page_token.as_deref(),
                a.sealed_app_secret.as_deref(),
            ]
        })
        .flatten()
        .collect();
    assert_eq!(sealed.len(), 4);
    let wrong = SecretBox::from_key_bytes([9; 32]);
    let right = test_key();
    for s in sealed {
        assert!(contains(raw, s), "the sealed value is what is stored");
        assert!(matches!(wrong.open(s), Err(SecretError::Open)));
        assert!(right.open(s).is_ok());
    }
}

#[tokio::test]
async fn sqlite_secrets_sealed_at_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = must_open(&sqlite_url(dir.path())).await;
    let rows = save_secrets(store.clone()).await;
    let files = || {
        let mut raw = Vec::new();
        for entry in std::fs::read_dir(dir.path()).expect("read dir") {
            let path = entry.expect("entry").path();
            raw.extend(std::fs::read(&path).expect("read"));
        }
        raw
    };
    // While open (rows in the WAL or the file), and after close (checkpointed into the file).
    assert_sealed_at_rest(&files(), &rows).await;
    store.close().await;
    assert_sealed_at_rest(&files(), &rows).await;
}

#[test]
fn secret_box_round_trip() {
    let sb = test_key();
    for text in [TOKEN, "", "ünïcødé ✓", &"x".repeat(10_000)] {
        let sealed = sb.seal(text);
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains(text) || text.is_empty());
        assert_eq!(sb.open(&sealed).expect("open").expose_secret(), text);
    }
    assert_ne!(sb.seal(TOKEN), sb.seal(TOKEN), "a fresh nonce every time");
    let hex_key = "2a".repeat(32);
    let same = SecretBox::from_hex(&format!(" {hex_key}\n")).expect("hex key");
    assert_eq!(
        same.open(&sb.seal(TOKEN)).expect("open").expose_secret(),
        TOKEN
    );
}

#[test]
fn secret_box_refuses_tampered_and_wrong_key() {
    let sb = test_key();
    let sealed = sb.seal(TOKEN);
    // Flip one hex digit in the nonce, in the ciphertext and in the tag.
    for pos in [3, 3 + 48 + 4, sealed.len() - 1] {
        let mut bytes = sealed.clone().into_bytes();
        bytes[pos] = if bytes[pos] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(bytes).expect("ascii");
        match sb.open(&tampered) {
            Err(e @ SecretError::Open) => {
                let msg = format!("{e} {e:?}");
                assert!(!msg.contains(TOKEN), "{msg}");
                assert!(msg.contains("altered"), "{msg}");
            }
            other => panic!("tampered at {pos}: {other:?}"),
        }
    }
    // Truncated.
    assert!(sb.open(&sealed[..sealed.len() - 2]).is_err());
    // Wrong key.
    let wrong = SecretBox::from_key_bytes([43; 32]);
    match wrong.open(&sealed) {
        Err(e @ SecretError::Open) => assert!(e.to_string().contains("different secret key")),
        other => panic!("wrong key: {other:?}"),
    }
}

#[test]
fn secret_box_debug_is_redacted_and_bad_keys_are_explained() {
    let hex_key = "ab".repeat(32);
    let sb = SecretBox::from_hex(&hex_key).expect("key");
    assert_eq!(format!("{sb:?}"), "SecretBox([REDACTED])");
    assert_eq!(format!("{:?}", test_key()), "SecretBox([REDACTED])");
    for bad in ["ab".repeat(31), "zz".repeat(32), "ab".repeat(33)] {
        let err = SecretBox::from_hex(&bad).expect_err("invalid key");
        let msg = format!("{err} {err:?}");
        assert!(matches!(err, SecretError::InvalidKey { .. }), "{msg}");
        assert!(!msg.contains(&bad), "the key is never echoed: {msg}");
        assert!(msg.contains("64 hex") || msg.contains("not hex"), "{msg}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = "cd".repeat(20);
    let err = SecretBox::load(Some(&bad), &dir.path().join("key")).expect_err("bad env key");
    let msg = err.to_string();
    assert!(msg.contains("INSTAGRAPH_SECRET_KEY"), "{msg}");
    assert!(!msg.contains(&bad), "{msg}");
}

#[cfg(unix)]
#[test]
fn key_file_is_created_private_and_reused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config/instagraph/secret.key");
    let first = SecretBox::load(None, &path).expect("create the key file");
    let meta = std::fs::metadata(&path).expect("key file exists");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text.trim().len(), 64);
    assert!(text.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    let parent = std::fs::metadata(path.parent().expect("parent")).expect("dir");
    assert_eq!(parent.permissions().mode() & 0o777, 0o700);
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("secret.key")]);
    // Loading again reads the same key.
    let second = SecretBox::load(None, &path).expect("load");
    assert_eq!(
        second
            .open(&first.seal(TOKEN))
            .expect("open")
            .expose_secret(),
        TOKEN
    );
    // An empty environment value counts as unset.
    let third = SecretBox::load(Some(""), &path).expect("load");
    assert_eq!(
        third
            .open(&first.seal(TOKEN))
            .expect("open")
            .expose_secret(),
        TOKEN
    );
}

#[cfg(unix)]
#[test]
fn key_file_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secret.key");
    let key = "11".repeat(32);
    std::fs::write(&path, format!("{key}\n")).expect("write");
    for mode in [0o644, 0o640, 0o604] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        match SecretBox::load(None, &path) {
            Err(e @ SecretError::KeyFileMode { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
                assert!(msg.contains("chmod 600"), "{msg}");
                assert!(msg.contains(&path.display().to_string()), "{msg}");
                assert!(!msg.contains(&key), "{msg}");
            }
            other => panic!("mode {mode:o}: expected a refusal, got {other:?}"),
        }
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let sb = SecretBox::load(None, &path).expect("0600 is accepted");
    let from_hex = SecretBox::from_hex(&key).expect("hex");
    assert_eq!(
        from_hex
            .open(&sb.seal(TOKEN))
            .expect("open")
            .expose_secret(),
        TOKEN
    );
    // A key file that is not a key is explained without echoing it.
    std::fs::write(&path, "not a key at all\n").expect("write");
    let err = SecretBox::load(None, &path).expect_err("garbage");
    assert!(matches!(err, SecretError::InvalidKey { .. }), "{err:?}");
    assert!(err.to_string().contains("secret.key"), "{err}");
}

#[test]
fn env_key_is_preferred_over_the_key_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secret.key");
    let file_box = SecretBox::load(None, &path).expect("create the key file");
    let env_key = "5a".repeat(32);
    let env_box = SecretBox::load(Some(&env_key), &path).expect("env key");
    let sealed = env_box.seal(TOKEN);
    let direct = SecretBox::from_hex(&env_key).expect("hex");
    assert_eq!(direct.open(&sealed).expect("open").expose_secret(), TOKEN);
    assert!(
        file_box.open(&sealed).is_err(),
        "the file's key was not used"
    );
    // With the environment set, a missing key file is not created.
    let missing = dir.path().join("never.key");
    SecretBox::load(Some(&env_key), &missing).expect("env key");
    assert!(!missing.exists());
}

fn assert_no_secret(err: &StoreError) {
    let shown = format!("{err} / {err:?}");
    assert!(!shown.contains(SECRET), "password leaked: {shown}");
}

// ---------------------------------------------------------------------------------------------
// SQLite (always)

#[tokio::test]
async fn sqlite_memory_suite() {
    let store = must_open(":memory:").await;
    assert_eq!(store.backend(), Backend::Sqlite);
    suite(store).await;
}

#[tokio::test]
async fn sqlite_file_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = must_open(&sqlite_url(dir.path())).await;
    assert_eq!(store.backend(), Backend::Sqlite);
    suite(store).await;
}

#[tokio::test]
async fn sqlite_migrations_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    migrations_idempotent(&sqlite_url(dir.path())).await;
}

#[tokio::test]
async fn sqlite_durable_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    durable_across_reopen(&sqlite_url(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    concurrent_writes(must_open(&sqlite_url(dir.path())).await).await;
}

#[tokio::test]
async fn sqlite_url_forms_reach_the_same_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("forms.db");
    let shown = path.display().to_string();
    let store = must_open(&format!("sqlite:{shown}")).await;
    store.kv_put("ns", "k", &json!("v")).await.expect("put");
    store.close().await;
    for url in [format!("sqlite://{shown}"), shown.clone()] {
        let store = must_open(&url).await;
        assert_eq!(
            store.kv_get("ns", "k").await.expect("get"),
            Some(json!("v")),
            "{url}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn sqlite_missing_directory_is_a_connect_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("no/such/dir/x.db").display());
    match open(&url).await {
        Err(
            e @ StoreError::Connect {
                backend: Backend::Sqlite,
                ..
            },
        ) => {
            assert!(e.to_string().contains("no/such/dir"), "{e}");
        }
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[tokio::test]
async fn budget_sink_failure_is_logged_not_fatal() {
    let store = must_open(":memory:").await;
    let persistence = BudgetPersistence::new(store.clone());
    store.close().await;
    // The store is closed: recording fails inside, and the sink just returns.
    persistence.record("messaging:1", 1).await;
    assert!(persistence.load(0).await.is_err());
}

// ---------------------------------------------------------------------------------------------
// URL handling (no server needed)

#[tokio::test]
async fn open_rejects_unknown_schemes() {
    for url in [
        format!("mysql://root:{SECRET}@localhost/db"),
        "redis:cache".into(),
        "http://x".into(),
    ] {
        match open(&url).await {
            Err(e @ StoreError::UnsupportedScheme { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("unsupported store URL"), "{msg}");
                assert!(
                    msg.contains("postgres://"),
                    "names the accepted forms: {msg}"
                );
                assert_no_secret(&e);
            }
            other => panic!("{url}: expected UnsupportedScheme, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn bad_postgres_urls_do_not_leak_the_password() {
    // Nothing listens on port 1: a connect error.
    let refused = format!("postgres://ig:{SECRET}@127.0.0.1:1/db");
    match open(&refused).await {
        Err(
            e @ StoreError::Connect {
                backend: Backend::Postgres,
                ..
            },
        ) => {
            assert_no_secret(&e);
            assert!(
                e.to_string().contains("postgres://ig:***@127.0.0.1:1/db"),
                "{e}"
            );
        }
        other => panic!("expected a connect error, got {other:?}"),
    }
    let refused_param = format!("postgres://ig@127.0.0.1:1/db?password={SECRET}");
    match open(&refused_param).await {
        Err(e @ StoreError::Connect { .. }) => assert_no_secret(&e),
        other => panic!("expected a connect error, got {other:?}"),
    }
    // Malformed: an error from the URL parser.
    let malformed = format!("postgres://ig:{SECRET}@127.0.0.1:notaport/db");
    match open(&malformed).await {
        Err(e @ StoreError::InvalidUrl { .. }) => assert_no_secret(&e),
        other => panic!("expected an invalid-URL error, got {other:?}"),
    }
    // A schema that is not a plain identifier.
    let bad_schema = format!("postgres://ig:{SECRET}@127.0.0.1/db?schema=x%22;drop");
    match open(&bad_schema).await {
        Err(e @ StoreError::InvalidUrl { .. }) => assert_no_secret(&e),
        other => panic!("expected an invalid-URL error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (when INSTAGRAPH_TEST_POSTGRES is set)

#[tokio::test]
async fn postgres_suite() {
    with_pg(|url, _| async move {
        let store = must_open(&url).await;
        assert_eq!(store.backend(), Backend::Postgres);
        suite(store).await;
    })
    .await;
}

#[tokio::test]
async fn postgres_migrations_idempotent() {
    with_pg(|url, _| async move { migrations_idempotent(&url).await }).await;
}

#[tokio::test]
async fn postgres_durable_across_reopen() {
    with_pg(|url, _| async move { durable_across_reopen(&url).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_writes() {
    with_pg(|url, _| async move { concurrent_writes(must_open(&url).await).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_instances_opening_together_migrate_once() {
    with_pg(|url, _| async move {
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { open(&url).await })
            })
            .collect();
        let mut stores = Vec::new();
        for handle in opens {
            stores.push(handle.await.expect("task").expect("open"));
        }
        let version = stores[0].schema_version().await.expect("version");
        for store in &stores {
            assert_eq!(store.schema_version().await.expect("version"), version);
            store.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn postgres_schemas_isolate_stores() {
    with_pg(|url, base| async move {
        let store = must_open(&url).await;
        store.kv_put("ns", "k", &json!("mine")).await.expect("put");
        // The URL without `schema` reaches the default schema, which has no such entry
        // (or no kv table at all).
        let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect");
        let visible: Result<Option<String>, _> =
            sqlx::query_scalar("SELECT value FROM kv WHERE namespace = 'ns' AND key = 'k'")
                .fetch_optional(&mut conn)
                .await;
        assert!(!matches!(visible, Ok(Some(ref v)) if v == "\"mine\""));
        let _ = conn.close().await;
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn postgres_debug_hides_the_password() {
    with_pg(|url, _| async move {
        // Trust authentication accepts any password; the point is where it shows up.
        let Some(with_secret) = url
            .contains("://postgres@")
            .then(|| url.replacen("://postgres@", &format!("://postgres:{SECRET}@"), 1))
        else {
            return;
        };
        let store = must_open(&with_secret).await;
        let shown = format!("{store:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("postgres:***@"), "{shown}");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn postgres_secrets_sealed_at_rest() {
    with_pg(|url, base| async move {
        let store = must_open(&url).await;
        let rows = save_secrets(store.clone()).await;
        let schema = url
            .split("schema=")
            .nth(1)
            .expect("the test URL names a schema")
            .to_owned();
        let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect");
        let raw: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT row_to_json(a)::text FROM \"{schema}\".accounts a"
        )))
        .fetch_all(&mut conn)
        .await
        .expect("raw rows");
        assert_eq!(raw.len(), 2);
        assert_sealed_at_rest(raw.join("\n").as_bytes(), &rows).await;
        let _ = conn.close().await;
        store.close().await;
    })
    .await;
}
