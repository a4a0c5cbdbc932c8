//! End to end: the `instagraph` binary starts the sandbox, and `me` / `raw` / `usage` run against
//! it the way a script would, with the documented exit codes and JSON shapes.

use serde_json::Value;

mod common;
use common::{Daemon, run_as};

/// `instagraph sandbox` for a test.
struct Sandbox {
    daemon: Daemon,
}

impl Sandbox {
    fn start() -> Self {
        Sandbox {
            daemon: Daemon::sandbox(),
        }
    }

    fn line(&self) -> &Value {
        &self.daemon.line
    }

    fn base_url(&self) -> &str {
        self.line()["base_url"].as_str().unwrap()
    }

    fn account(&self, login: &str) -> &Value {
        self.line()["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["login"] == login)
            .unwrap()
    }

    /// `instagraph ARGS` with connection settings for `account` in the environment.
    fn run(&self, account: &Value, token: Option<&str>, args: &[&str]) -> (i32, String, String) {
        run_as(self.base_url(), account, token, args)
    }
}

#[test]
fn sandbox_prints_one_line_with_url_and_accounts() {
    let sb = Sandbox::start();
    assert!(sb.base_url().starts_with("http://127.0.0.1:"));
    assert!(!sb.base_url().ends_with(":0"), "the real port is printed");
    let accounts = sb.line()["accounts"].as_array().unwrap();
    assert!(accounts.len() >= 2);
    for a in accounts {
        for key in [
            "name",
            "login",
            "ig_user_id",
            "access_token",
            "app_id",
            "app_secret",
        ] {
            assert!(a[key].is_string(), "account lacks {key}: {a}");
        }
    }
    assert!(accounts.iter().any(|a| a["login"] == "facebook"));
    assert!(accounts.iter().any(|a| a["login"] == "instagram"));
}

#[test]
fn me_json_works_for_both_families() {
    let sb = Sandbox::start();
    for login in ["instagram", "facebook"] {
        let a = sb.account(login);
        let (code, out, err) = sb.run(a, None, &["me", "--json"]);
        assert_eq!(code, 0, "{login}: {err}");
        let v: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{login}: stdout is one JSON document: {e}: {out}"));
        assert_eq!(v["username"], a["username"], "{login}");
        let token = a["access_token"].as_str().unwrap();
        assert!(
            !out.contains(token) && !err.contains(token),
            "{login}: token leaked"
        );
    }
}

#[test]
fn expired_token_reports_class_and_fix_with_exit_1() {
    let sb = Sandbox::start();
    let a = sb.account("instagram");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let expired: String = rt.block_on(async {
        let v: Value = reqwest::Client::new()
            .post(format!("{}/_sandbox/tokens", sb.base_url()))
            .json(&serde_json::json!({"account": a["name"], "expires_in": -10}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    });
    let (code, out, err) = sb.run(a, Some(&expired), &["me", "--json"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "nothing on stdout on failure: {out}");
    let e: Value =
        serde_json::from_str(err.trim()).unwrap_or_else(|x| panic!("stderr is JSON: {x}: {err}"));
    assert_eq!(e["class"], "re-auth");
    assert_eq!(e["code"], 190);
    assert_eq!(e["subcode"], 463);
    assert!(e["fix"].as_str().unwrap().contains("expired"));
    assert!(e["message"].as_str().unwrap().contains("expired"));
    assert!(!err.contains(&expired), "the token is never printed");

    let (code, _, human) = sb.run(a, Some(&expired), &["me"]);
    assert_eq!(code, 1);
    assert!(
        human.contains("class: re-auth (code 190/463)") && human.contains("fix:"),
        "{human}"
    );
    assert!(!human.contains(&expired));
}

#[test]
fn input_refused_before_the_network_exits_2() {
    let sb = Sandbox::start();
    let a = sb.account("instagram");
    for args in [
        vec!["raw", "PUT", "/me"],
        vec!["raw", "GET", "https://example.com/me"],
        vec!["raw", "GET", "/me", "-p", "novalue"],
        vec!["--api-version", "latest", "me"],
        vec!["--ig-user-id", "abc", "me"],
        vec!["--login", "twitter", "me"],
        vec!["--config", "/nonexistent/instagraph.toml", "me"],
    ] {
        let mut with_json = args.clone();
        with_json.push("--json");
        let (code, out, err) = sb.run(a, None, &with_json);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        let e: Value =
            serde_json::from_str(err.trim()).unwrap_or_else(|x| panic!("{args:?}: {x}: {err}"));
        for key in ["class", "code", "subcode", "message", "fix"] {
            assert!(e.get(key).is_some(), "{args:?}: {key} missing in {e}");
        }
    }
    let (code, _, _) = sb.run(a, None, &["no-such-command"]);
    assert_eq!(code, 2, "usage errors exit 2");
}

#[test]
fn raw_and_usage_against_the_sandbox() {
    let sb = Sandbox::start();
    let a = sb.account("facebook");
    let path = format!(
        "/{}/media?fields=id&limit=2",
        a["ig_user_id"].as_str().unwrap()
    );
    let (code, out, err) = sb.run(a, None, &["raw", "GET", &path, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 2);

    let (code, out, err) = sb.run(a, None, &["usage", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["platform"]["app"]["call_count"].is_number(), "{v}");
    let classes: Vec<&str> = v["local"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["class"].as_str().unwrap())
        .collect();
    assert!(
        classes.contains(&"messaging")
            && classes.contains(&"media-upload")
            && classes.contains(&"user-profile"),
        "{classes:?}"
    );
}

#[test]
fn usage_budgets_persist_in_the_database_across_runs() {
    let sb = Sandbox::start();
    let a = sb.account("instagram");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let db = db.to_str().unwrap();
    // Two separate processes each spend one user-profile call...
    for _ in 0..2 {
        let (code, _, err) = sb.run(
            a,
            None,
            &[
                "--db",
                db,
                "raw",
                "GET",
                "/me",
                "--class",
                "user-profile",
                "--json",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    // ...and a third process sees both, read back from the store.
    let (code, out, err) = sb.run(a, None, &["--db", db, "usage", "--json", "--no-call"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["persisted"], true);
    let row = v["local"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["class"] == "user-profile")
        .unwrap()
        .clone();
    assert_eq!(row["used"], 2, "{row}");
    assert_eq!(row["limit"], 200);
    let (code, _, _) = sb.run(a, None, &["raw", "GET", "/me", "--class", "bogus"]);
    assert_eq!(code, 2);
}

#[test]
fn serve_without_credentials_starts_the_sandbox_and_answers_health() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svc.db");
    let daemon = Daemon::start(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
    ]);
    let line = &daemon.line;
    let sandbox_url = line["sandbox"]["base_url"]
        .as_str()
        .expect("built-in sandbox started")
        .to_owned();
    assert_eq!(line["graph_base_url"], sandbox_url.as_str());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let ready: Value = http
            .get(line["ready_url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ready["db"], "ok");
        let token = line["sandbox"]["accounts"][0]["access_token"]
            .as_str()
            .unwrap();
        let me = http
            .get(format!("{sandbox_url}/v25.0/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            me.status(),
            200,
            "the printed token works against the printed sandbox"
        );
    });
    assert!(db.exists(), "the SQLite database was created");
    drop(daemon);
}
