//! API keys on every backend: SQLite always, PostgreSQL when `INSTAGRAPH_TEST_POSTGRES` is set
//! (to `1` for the default local server, or to a `postgres://` URL).

use instagraph_store::api_keys::{KeyScope, NewApiKey, generate_key, hash_key};
use instagraph_store::{Store, StoreError, open};
use secrecy::ExposeSecret;
use sqlx::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

async fn scenario(store: Arc<dyn Store>) {
    assert!(store.schema_version().await.unwrap() >= 6);
    assert!(store.api_keys().await.unwrap().is_empty());

    // Create: only the hash and the prefix are kept.
    let key = generate_key().unwrap();
    let new = NewApiKey::new(
        "ci",
        &key,
        KeyScope::Read,
        vec!["shop".into(), "17841400000000001".into()],
        Some("read-only".into()),
        1_000,
    );
    let created = store.create_api_key(&new).await.unwrap();
    assert_eq!(created.name, "ci");
    assert_eq!(created.scope, KeyScope::Read);
    assert_eq!(created.accounts, vec!["shop", "17841400000000001"]);
    assert_eq!(created.agent_access.as_deref(), Some("read-only"));
    assert_eq!(created.key_hash, hash_key(key.expose_secret()));
    assert_eq!(created.prefix, &key.expose_secret()[..12]);
    assert_eq!(created.created_at_ms, 1_000);
    assert_eq!(created.last_used_at_ms, None);
    assert!(!created.is_revoked());
    let shown = format!("{created:?}");
    assert!(!shown.contains(&created.key_hash), "{shown}");
    assert!(!shown.contains(key.expose_secret()), "{shown}");

    // A second key with every account, read-write.
    let other = generate_key().unwrap();
    let rw = store
        .create_api_key(&NewApiKey::new(
            "admin",
            &other,
            KeyScope::ReadWrite,
            vec![],
            None,
            2_000,
        ))
        .await
        .unwrap();
    assert!(rw.scope.allows_write() && rw.accounts.is_empty() && rw.agent_access.is_none());
    assert_ne!(rw.id, created.id);

    // The same name again is refused while the first key is live.
    let dup = store
        .create_api_key(&NewApiKey::new(
            "ci",
            &generate_key().unwrap(),
            KeyScope::Read,
            vec![],
            None,
            3_000,
        ))
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::InvalidApiKey { .. }), "{dup}");
    // A key in the clear is refused, and never echoed.
    let mut clear = NewApiKey::new("raw", &key, KeyScope::Read, vec![], None, 3_000);
    clear.key_hash = key.expose_secret().to_owned();
    let refused = store.create_api_key(&clear).await.unwrap_err();
    assert!(matches!(refused, StoreError::InvalidApiKey { .. }));
    assert!(!refused.to_string().contains(key.expose_secret()));

    // List by name; lookup by hash.
    let names: Vec<String> = store
        .api_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(names, vec!["admin", "ci"]);
    let found = store
        .api_key_by_hash(&hash_key(key.expose_secret()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, created);
    assert!(
        store
            .api_key_by_hash(&hash_key("igk_nope"))
            .await
            .unwrap()
            .is_none()
    );

    // Touch records the last use (never moving it backwards).
    store.touch_api_key(created.id, 5_000).await.unwrap();
    store.touch_api_key(created.id, 4_000).await.unwrap();
    let touched = store
        .api_key_by_hash(&created.key_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(touched.last_used_at_ms, Some(5_000));

    // Revoke: the key stops resolving, the row stays, and the name is free again.
    assert!(store.revoke_api_key("ci", 6_000).await.unwrap());
    assert!(!store.revoke_api_key("ci", 6_500).await.unwrap());
    assert!(!store.revoke_api_key("nobody", 6_500).await.unwrap());
    assert!(
        store
            .api_key_by_hash(&created.key_hash)
            .await
            .unwrap()
            .is_none()
    );
    let all = store.api_keys().await.unwrap();
    let revoked = all.iter().find(|k| k.id == created.id).unwrap();
    assert_eq!(revoked.revoked_at_ms, Some(6_000));
    let again = generate_key().unwrap();
    let renewed = store
        .create_api_key(&NewApiKey::new(
            "ci",
            &again,
            KeyScope::ReadWrite,
            vec![],
            None,
            7_000,
        ))
        .await
        .unwrap();
    assert_eq!(
        store
            .api_key_by_hash(&hash_key(again.expose_secret()))
            .await
            .unwrap()
            .map(|k| k.id),
        Some(renewed.id)
    );
    // Reusing a revoked key's value is refused (its hash stays unique).
    let reuse = store
        .create_api_key(&NewApiKey::new(
            "reuse",
            &key,
            KeyScope::Read,
            vec![],
            None,
            8_000,
        ))
        .await
        .unwrap_err();
    assert!(matches!(reuse, StoreError::InvalidApiKey { .. }));
    store.close().await;
}

#[tokio::test]
async fn sqlite_memory_api_keys() {
    scenario(open(":memory:").await.unwrap()).await;
}

#[tokio::test]
async fn sqlite_file_api_keys_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("store.db").display());
    let store = open(&url).await.unwrap();
    let key = generate_key().unwrap();
    store
        .create_api_key(&NewApiKey::new(
            "kept",
            &key,
            KeyScope::Read,
            vec![],
            None,
            1,
        ))
        .await
        .unwrap();
    store.close().await;
    let store = open(&url).await.unwrap();
    let found = store
        .api_key_by_hash(&hash_key(key.expose_secret()))
        .await
        .unwrap();
    assert_eq!(found.map(|k| k.name).as_deref(), Some("kept"));
    // The key itself is nowhere in the file.
    store.close().await;
    let raw = std::fs::read(dir.path().join("store.db")).unwrap();
    let needle = key.expose_secret().as_bytes();
    assert!(!raw.windows(needle.len()).any(|w| w == needle));
}

#[tokio::test]
async fn sqlite_file_api_keys() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("store.db").display());
    scenario(open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_api_keys() {
    let base = match std::env::var("INSTAGRAPH_TEST_POSTGRES") {
        Ok(v) if v.starts_with("postgres") => v,
        Ok(v) if !v.is_empty() => DEFAULT_PG.to_owned(),
        _ => {
            eprintln!("postgres_api_keys skipped: INSTAGRAPH_TEST_POSTGRES is not set");
            return;
        }
    };
    static N: AtomicUsize = AtomicUsize::new(0);
    let schema = format!(
        "ig_keys_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}schema={schema}");
    let outcome = tokio::spawn(async move { scenario(open(&url).await.unwrap()).await }).await;
    let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    let _ = conn.close().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}
