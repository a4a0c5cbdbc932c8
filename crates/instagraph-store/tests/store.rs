//! One shared suite for every backend: SQLite always, PostgreSQL when `INSTAGRAPH_TEST_POSTGRES`
//! is set (to a `postgres://` URL, or to anything else for the local default). Each PostgreSQL
//! test works in its own schema (`ig_test_<pid>_<n>`), dropped at the end.

use instagraph::ratelimit::BudgetSink;
use instagraph_store::{Backend, BudgetPersistence, Store, StoreError, open};
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
    store.close().await;
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
