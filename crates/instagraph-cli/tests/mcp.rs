//! The MCP server driven by a real MCP client that is not ours: the official Python `mcp`
//! package (`tests/mcp_client.py`), against a sandbox on 127.0.0.1.
//!
//! The Python interpreter is `INSTAGRAPH_TEST_PYTHON` (else `python3`); it must have `mcp`
//! installed (`.ci/run` makes a venv with it). Without one the tests print why and pass,
//! unless `INSTAGRAPH_REQUIRE_MCP_CLIENT` is set (CI sets it), when they fail.

mod common;

use common::{BIN, Daemon};
use serde_json::{Value, json};
use std::process::Command;

/// The Python with the `mcp` package, or why there is none.
fn python() -> Result<String, String> {
    let py = std::env::var("INSTAGRAPH_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    match Command::new(&py)
        .args([
            "-c",
            "import mcp, importlib.metadata as m; print(m.version('mcp'))",
        ])
        .output()
    {
        Ok(o) if o.status.success() => Ok(py),
        Ok(o) => Err(format!(
            "{py} has no `mcp` package ({}); set INSTAGRAPH_TEST_PYTHON to a Python with `pip install mcp`",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Err(format!("cannot run {py}: {e}")),
    }
}

/// Runs the Python client with `plan`; `None` when no client is available (and not required).
fn client(plan: Value) -> Option<Value> {
    let py = match python() {
        Ok(p) => p,
        Err(why) => {
            if std::env::var_os("INSTAGRAPH_REQUIRE_MCP_CLIENT").is_some() {
                panic!("INSTAGRAPH_REQUIRE_MCP_CLIENT is set but: {why}");
            }
            eprintln!("skipped: {why}");
            return None;
        }
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp_client.py");
    let out = Command::new(py)
        .arg(script)
        .arg(plan.to_string())
        .output()
        .expect("run the Python MCP client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "client output is not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        out.status.success(),
        "client failed: {v}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(v)
}

/// The environment `instagraph mcp` runs with: `account` of the sandbox, a fresh database.
fn env_for(sb: &Daemon, account: &Value, dir: &std::path::Path) -> Value {
    let mut env = json!({
        "INSTAGRAPH_BASE_URL": sb.base_url(),
        "INSTAGRAPH_ACCESS_TOKEN": account["access_token"],
        "INSTAGRAPH_LOGIN": account["login"],
        "INSTAGRAPH_APP_SECRET": account["app_secret"],
        "INSTAGRAPH_DB": dir.join("db.sqlite").to_str().unwrap(),
        "XDG_DATA_HOME": dir.join("data").to_str().unwrap(),
        "XDG_CONFIG_HOME": dir.join("config").to_str().unwrap(),
    });
    if account["login"] == "facebook" {
        env["INSTAGRAPH_IG_USER_ID"] = account["ig_user_id"].clone();
    }
    env
}

fn tool<'a>(out: &'a Value, name: &str) -> Option<&'a Value> {
    out["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
}

fn sandbox() -> Daemon {
    Daemon::start(&["sandbox", "--listen", "127.0.0.1:0"])
}

#[test]
fn python_client_lists_tools_and_calls_them_over_stdio() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let dir = tempfile::tempdir().unwrap();
    let image = format!("{}/_sandbox/media/cat-1080x1080.jpg", sb.base_url());
    let Some(out) = client(json!({
        "transport": "stdio",
        "command": BIN,
        "args": ["mcp", "--toolset", "all"],
        "env": env_for(&sb, &fb, dir.path()),
        "calls": [
            {"name": "get_profile", "arguments": {}},
            {"name": "INSTAGRAM_GET_USER_INFO", "arguments": {"ig_user_id": "me"}},
            {"name": "get_profile", "arguments": {"ig_user_id": "17840000000000999"}},
            {"name": "no_such_tool", "arguments": {}},
            {"name": "INSTAGRAM_POST_IG_USER_MEDIA", "arguments": {
                "ig_user_id": fb["ig_user_id"], "image_url": image, "caption": "from an MCP agent #mcp"}},
            {"name": "INSTAGRAM_POST_IG_USER_MEDIA_PUBLISH", "arguments": {
                "ig_user_id": fb["ig_user_id"], "creation_id": "{{4:data.id}}"}},
            {"name": "INSTAGRAM_POST_IG_USER_MEDIA", "arguments": {
                "ig_user_id": fb["ig_user_id"], "image_url": image,
                "caption": "#a #b #c #d #e #f #g #h #i #j #k #l #m #n #o #p #q #r #s #t #u #v #w #x #y #z #aa #bb #cc #dd #ee"}},
        ],
    })) else {
        return;
    };
    assert_eq!(out["server"]["name"], "instagraph", "{out}");

    // Tools: native and Composio ones, with object schemas; deprecated aliases not listed.
    let names: Vec<&str> = out["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.len() >= 30, "too few tools: {names:?}");
    for t in out["tools"].as_array().unwrap() {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        assert!(
            t["description"].as_str().is_some_and(|d| d.len() > 20),
            "{t}"
        );
    }
    assert!(
        tool(&out, "INSTAGRAM_CREATE_POST").is_none(),
        "deprecated alias listed"
    );
    // Safety annotations.
    let send = tool(&out, "INSTAGRAM_SEND_TEXT_MESSAGE").expect("send tool");
    assert_eq!(send["annotations"]["destructiveHint"], true, "{send}");
    assert_eq!(send["annotations"]["readOnlyHint"], false, "{send}");
    let profile = tool(&out, "get_profile").expect("get_profile");
    assert_eq!(profile["annotations"]["readOnlyHint"], true, "{profile}");

    let r = out["results"].as_array().unwrap();
    // get_profile: the sandbox account, with rate-limit usage.
    assert_eq!(r[0]["isError"], false, "{}", r[0]);
    assert_eq!(
        r[0]["structured"]["data"]["username"], fb["username"],
        "{}",
        r[0]
    );
    assert!(r[0]["structured"]["usage"]["local"].is_array(), "{}", r[0]);
    // Composio name, same account.
    assert_eq!(r[1]["isError"], false, "{}", r[1]);
    assert_eq!(
        r[1]["structured"]["data"]["id"], fb["ig_user_id"],
        "{}",
        r[1]
    );
    // An account we hold no token for: a tool error naming it.
    assert_eq!(r[2]["isError"], true, "{}", r[2]);
    assert!(
        r[2]["structured"]["error"]
            .as_str()
            .unwrap()
            .contains("17840000000000999"),
        "{}",
        r[2]
    );
    assert_eq!(r[2]["structured"]["kind"], "unknown_account");
    // An unknown tool is a protocol error.
    assert!(r[3]["protocol_error"].is_string(), "{}", r[3]);
    // Container, then publish: a real post in the sandbox.
    assert_eq!(r[4]["isError"], false, "{}", r[4]);
    assert_eq!(r[5]["isError"], false, "{}", r[5]);
    let media_id = r[5]["structured"]["data"]["id"].as_str().expect("media id");
    let posts: Vec<Value> = reqwest_get(&format!(
        "{}/_sandbox/publishing/posts?account={}",
        sb.base_url(),
        fb["ig_user_id"].as_str().unwrap()
    ));
    assert!(
        posts.iter().any(|p| p.to_string().contains(media_id)),
        "{media_id} not among {posts:?}"
    );
    // 31 hashtags: refused before the network, saying which limit.
    assert_eq!(r[6]["isError"], true, "{}", r[6]);
    assert!(
        r[6]["structured"]["error"].as_str().unwrap().contains("30"),
        "{}",
        r[6]
    );
    assert_eq!(r[6]["structured"]["kind"], "invalid_params", "{}", r[6]);
}

#[test]
fn read_only_policy_hides_and_refuses_writes() {
    let sb = sandbox();
    let ig = sb.account("instagram");
    let dir = tempfile::tempdir().unwrap();
    let Some(out) = client(json!({
        "transport": "stdio",
        "command": BIN,
        "args": ["mcp", "--toolset", "composio", "--access", "read-only"],
        "env": env_for(&sb, &ig, dir.path()),
        "calls": [
            {"name": "INSTAGRAM_GET_USER_INFO", "arguments": {}},
            {"name": "INSTAGRAM_SEND_TEXT_MESSAGE", "arguments": {"recipient_id": "1234567890", "text": "hi"}},
        ],
    })) else {
        return;
    };
    let names: Vec<&str> = out["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"INSTAGRAM_GET_USER_INFO"), "{names:?}");
    assert!(
        !names.contains(&"INSTAGRAM_SEND_TEXT_MESSAGE"),
        "a write tool is listed under read-only: {names:?}"
    );
    assert!(
        names.iter().all(|n| n.starts_with("INSTAGRAM_")),
        "{names:?}"
    );
    for t in out["tools"].as_array().unwrap() {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t}");
    }
    let r = out["results"].as_array().unwrap();
    assert_eq!(r[0]["isError"], false, "{}", r[0]);
    assert_eq!(r[1]["isError"], true, "{}", r[1]);
    assert_eq!(r[1]["structured"]["kind"], "refused", "{}", r[1]);
    assert!(
        r[1]["structured"]["error"]
            .as_str()
            .unwrap()
            .contains("read-only"),
        "{}",
        r[1]
    );
}

fn reqwest_get<T: serde::de::DeserializeOwned>(url: &str) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let resp = reqwest::get(url).await.expect("GET");
            assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
            resp.json().await.expect("JSON")
        })
}

/// `instagraph` with its data directory and database in `dir`.
fn in_dir(dir: &std::path::Path) -> Command {
    let mut c = common::base_cmd();
    c.env("XDG_DATA_HOME", dir)
        .env_remove("INSTAGRAPH_ACCOUNT")
        .env_remove("INSTAGRAPH_SECRET_KEY")
        .arg("--db")
        .arg(dir.join("mcp.db"));
    c
}

fn create_key(dir: &std::path::Path, args: &[&str]) -> String {
    let out = in_dir(dir)
        .args(["keys", "create"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["key"].as_str().unwrap().to_owned()
}

#[test]
fn python_client_over_streamable_http_behind_api_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let reader = create_key(d, &["reader"]);
    let writer = create_key(
        d,
        &[
            "writer",
            "--scope",
            "read-write",
            "--agent-access",
            "drafts",
        ],
    );
    let mut serve = in_dir(d);
    serve.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--no-webhooks",
        "--no-scheduler",
        "--mcp-toolset",
        "all",
        "--api-key",
        "service-key-for-tests",
    ]);
    let daemon = Daemon::spawn(serve);
    let url = daemon.line["mcp_url"].as_str().expect("mcp_url").to_owned();
    let first = daemon.line["sandbox"]["accounts"][0].clone();

    // Without a key, or with an unknown one: 401 before any MCP.
    let statuses: Vec<u16> = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let http = reqwest::Client::new();
            let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
                "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
            let mut out = Vec::new();
            for key in [None, Some("igk_0000")] {
                let mut req = http
                    .post(&url)
                    .header("accept", "application/json, text/event-stream")
                    .json(&init);
                if let Some(k) = key {
                    req = req.bearer_auth(k);
                }
                out.push(req.send().await.unwrap().status().as_u16());
            }
            out
        });
    assert_eq!(statuses, [401, 401]);

    // The service key: everything.
    let Some(full) = client(json!({
        "transport": "http", "url": url,
        "headers": {"Authorization": "Bearer service-key-for-tests"},
        "calls": [{"name": "get_profile", "arguments": {}}],
    })) else {
        return;
    };
    assert!(tool(&full, "INSTAGRAM_SEND_TEXT_MESSAGE").is_some());
    let r = &full["results"][0];
    assert_eq!(r["isError"], false, "{r}");
    assert_eq!(
        r["structured"]["data"]["username"], first["username"],
        "{r}"
    );

    // A read key: read-only tools, and writes refused.
    let read = client(json!({
        "transport": "http", "url": url,
        "headers": {"Authorization": format!("Bearer {reader}")},
        "calls": [
            {"name": "INSTAGRAM_GET_USER_INFO", "arguments": {}},
            {"name": "INSTAGRAM_SEND_TEXT_MESSAGE", "arguments": {"recipient_id": "1234567890", "text": "hi"}},
        ],
    }))
    .unwrap();
    assert!(tool(&read, "INSTAGRAM_SEND_TEXT_MESSAGE").is_none());
    for t in read["tools"].as_array().unwrap() {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t}");
    }
    assert_eq!(
        read["results"][0]["isError"], false,
        "{}",
        read["results"][0]
    );
    assert_eq!(
        read["results"][1]["structured"]["kind"], "refused",
        "{}",
        read["results"][1]
    );

    // A read-write key limited to drafts: no sending tools, but drafts are possible.
    let drafts = client(json!({
        "transport": "http", "url": url,
        "headers": {"Authorization": format!("Bearer {writer}")},
        "calls": [
            {"name": "INSTAGRAM_SEND_TEXT_MESSAGE", "arguments": {"recipient_id": "1234567890", "text": "hi"}},
        ],
    }))
    .unwrap();
    assert!(tool(&drafts, "INSTAGRAM_SEND_TEXT_MESSAGE").is_none());
    assert!(
        tool(&drafts, "publish_post").is_some(),
        "publish_post drafts"
    );
    assert_eq!(drafts["results"][0]["structured"]["kind"], "refused");
}

/// `action run` prints the Composio envelope and exits 1 when not successful; parameters come
/// from --json or stdin.
#[test]
fn action_run_prints_the_envelope() {
    let sb = sandbox();
    let fb = sb.account("facebook");
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = common::base_cmd();
        cmd.args(args)
            .env("XDG_DATA_HOME", dir.path())
            .env("INSTAGRAPH_DB", dir.path().join("a.db"));
        for (k, v) in env_for(&sb, &fb, dir.path()).as_object().unwrap() {
            cmd.env(k, v.as_str().unwrap());
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut i = child.stdin.take().unwrap();
            i.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(
        &["action", "run", "INSTAGRAM_GET_USER_INFO", "--json", "{}"],
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["successful"], true);
    assert_eq!(v["data"]["username"], fb["username"]);
    assert!(v["error"].is_null());
    // From stdin, case-insensitive name.
    let (code, out, _) = run(
        &["action", "run", "instagram_get_user_info"],
        Some(r#"{"ig_user_id":"me"}"#),
    );
    assert_eq!(code, 0, "{out}");
    // A missing required parameter: exit 1, the envelope names it.
    let (code, out, _) = run(
        &[
            "action",
            "run",
            "INSTAGRAM_SEND_TEXT_MESSAGE",
            "--json",
            "{}",
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["successful"], false);
    assert!(v["error"].as_str().unwrap().contains("recipient_id"), "{v}");
    // Not JSON: refused before anything runs (exit 2).
    let (code, _, err) = run(
        &["action", "run", "INSTAGRAM_GET_USER_INFO", "--json", "{"],
        None,
    );
    assert_eq!(code, 2, "{err}");
}

/// Every action's "native" command is a real `instagraph` command (the migration note and the
/// tool metadata point people at it).
#[test]
fn every_native_command_exists() {
    let out = common::base_cmd()
        .args(["action", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list.len() >= 36 + 30, "{}", list.len());
    let mut checked = std::collections::BTreeSet::new();
    for a in &list {
        let native = a["native"].as_str().unwrap_or_default();
        if native.is_empty() {
            continue;
        }
        // The command words: up to the first argument placeholder, flag or alternative.
        let words: Vec<&str> = native
            .split_whitespace()
            .skip(1)
            .take_while(|w| {
                w.starts_with(|c: char| c.is_ascii_lowercase())
                    && w.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            })
            .collect();
        if !checked.insert(words.join(" ")) {
            continue;
        }
        let out = common::base_cmd()
            .args(&words)
            .arg("--help")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: `instagraph {} --help` failed: {}",
            a["name"],
            words.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(checked.len() > 20, "{checked:?}");
}
