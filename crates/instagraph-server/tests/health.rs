//! The service answers health and readiness over loopback, with the store behind readiness.

use instagraph_server::{AppState, ServerConfig, start};

#[tokio::test]
async fn health_and_readiness_over_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svc.db");
    let store = instagraph_store::open(db.to_str().unwrap()).await.unwrap();
    let state = AppState {
        store,
        config: ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            db_label: "sqlite".into(),
            graph_base_url: "http://127.0.0.1:1".into(),
            sandbox: true,
            api_key: None,
        },
        webhooks: None,
        media: None,
        proxy: None,
        mcp: None,
    };
    let server = start(state).await.unwrap();
    assert_ne!(server.addr.port(), 0, "a real port was bound");
    let http = reqwest::Client::new();
    let health: serde_json::Value = http
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let ready = http
        .get(format!("{}/readyz", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["db"], "ok");
    assert_eq!(ready["backend"], "sqlite");
    let index: serde_json::Value = http
        .get(server.url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(index["sandbox"], true);
    server.shutdown().await.unwrap();
    assert!(db.exists(), "the SQLite file was created");
}
