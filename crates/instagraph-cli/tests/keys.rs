//! `instagraph keys create|list|revoke`, and `instagraph serve`'s Graph proxy taking those keys.

mod common;

use common::{Daemon, base_cmd};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// `instagraph` with its data directory and database in `dir`.
fn cmd(dir: &Path) -> Command {
    let mut c = base_cmd();
    c.env("XDG_DATA_HOME", dir)
        .env_remove("INSTAGRAPH_ACCOUNT")
        .env_remove("INSTAGRAPH_SECRET_KEY")
        .arg("--db")
        .arg(dir.join("keys.db"));
    c
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = cmd(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sha256_hex(s: &str) -> String {
    instagraph_store::api_keys::hash_key(s)
}

#[test]
fn keys_are_created_once_listed_without_secrets_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let (code, out, err) = run(d, &["keys", "create", "ci", "--json"]);
    assert_eq!(code, 0, "{err}");
    let ci: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ci["name"], "ci");
    assert_eq!(ci["scope"], "read");
    assert_eq!(ci["accounts"], serde_json::json!([]));
    let ci_key = ci["key"].as_str().unwrap().to_owned();
    assert!(ci_key.starts_with("igk_") && ci_key.len() == 68, "{ci_key}");

    let (code, out, err) = run(
        d,
        &[
            "keys",
            "create",
            "ops",
            "--scope",
            "read-write",
            "--accounts",
            "business",
            "--accounts",
            "17841400000000001,creator",
            "--agent-access",
            "drafts",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let ops: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ops["scope"], "read_write");
    assert_eq!(
        ops["accounts"],
        serde_json::json!(["business", "17841400000000001", "creator"])
    );
    assert_eq!(ops["agent_access"], "drafts");
    assert!(err.contains("not a stored account"), "{err}");
    let ops_key = ops["key"].as_str().unwrap().to_owned();
    assert_ne!(ops_key, ci_key);

    // The global --account (a profile name) limits the key too, rather than being ignored.
    let (code, out, err) = run(d, &["--account", "shop", "keys", "create", "shop-only"]);
    assert_eq!(code, 0, "{err}");
    let scoped: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(scoped["accounts"], serde_json::json!(["shop"]));

    // Refusals: a taken name, a bad name, a bad scope or access (exit 2).
    let (code, _, err) = run(d, &["keys", "create", "ci"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(run(d, &["keys", "create", "bad name"]).0, 2);
    assert_eq!(run(d, &["keys", "create", "x", "--scope", "admin"]).0, 2);
    assert_eq!(
        run(d, &["keys", "create", "x", "--agent-access", "root"]).0,
        2
    );

    // The list shows names, prefixes and scopes, never a key or its hash.
    let (code, out, err) = run(d, &["keys", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    for secret in [&ci_key, &ops_key] {
        assert!(!out.contains(secret.as_str()), "{out}");
        assert!(!out.contains(&sha256_hex(secret)), "{out}");
    }
    let list: Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["ci", "ops", "shop-only"]);
    assert_eq!(list[0]["prefix"], ci_key[..12]);
    assert!(list[0].get("key").is_none() && list[0].get("key_hash").is_none());
    let (code, human, _) = run(d, &["keys", "list"]);
    assert_eq!(code, 0);
    assert!(
        human.contains("ci") && human.contains("never used"),
        "{human}"
    );
    assert!(!human.contains(&ci_key));

    // Revoke once; a second time there is nothing to revoke.
    let (code, _, err) = run(d, &["keys", "revoke", "ci"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(d, &["keys", "revoke", "ci"]);
    assert_eq!(code, 2, "{err}");
    let (_, out, _) = run(d, &["keys", "list", "--json"]);
    let list: Value = serde_json::from_str(&out).unwrap();
    assert!(list[0]["revoked_at_ms"].is_i64(), "{list}");
    assert!(list[1]["revoked_at_ms"].is_null());
    // The name is free again.
    assert_eq!(run(d, &["keys", "create", "ci"]).0, 0);
}

#[test]
fn serve_proxies_graph_calls_for_keys_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, err) = run(d, &["keys", "create", "app", "--scope", "read-write"]);
    assert_eq!(code, 0, "{err}");
    let key = serde_json::from_str::<Value>(&out).unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, out, _) = run(d, &["keys", "create", "reader"]);
    let reader = serde_json::from_str::<Value>(&out).unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut serve = cmd(d);
    serve.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--no-webhooks",
        "--no-scheduler",
    ]);
    let daemon = Daemon::spawn(serve);
    let proxy = daemon.line["graph_proxy_url"].as_str().unwrap().to_owned();
    let first = &daemon.line["sandbox"]["accounts"][0];
    let username = first["username"].as_str().unwrap().to_owned();
    let ig = first["ig_user_id"].as_str().unwrap().to_owned();
    let service = daemon.line["service_url"].as_str().unwrap().to_owned();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let me = format!("{proxy}/v25.0/{ig}?fields=id,username");
        let resp = http.get(&me).bearer_auth(&key).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["username"], username.as_str(), "{body}");

        let resp = http
            .get(format!("{me}&api_token={reader}&wrap=data"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["data"]["username"], username.as_str(), "{body}");

        let resp = http.get(&me).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        let resp = http
            .post(format!("{proxy}/v25.0/{ig}/media"))
            .bearer_auth(&reader)
            .form(&[("caption", "hi")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403);

        let index: Value = http
            .get(&service)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            index["routes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.as_str().unwrap().starts_with("/graph/")),
            "{index}"
        );
    });
    // The key was used: the list says when.
    let (_, out, _) = run(d, &["keys", "list", "--json"]);
    let list: Value = serde_json::from_str(&out).unwrap();
    assert!(list[0]["last_used_at_ms"].is_i64(), "{list}");
}
