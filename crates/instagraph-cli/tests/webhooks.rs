//! The webhook receiver through the `instagraph` binary, the way scripts drive it: `serve`
//! prints one JSON line with its URLs, `events list --json` reads the database, the sandbox
//! delivers signed webhooks to the receiver, and a SIGKILL never loses an acknowledged event.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

mod common;
use common::{Daemon, base_cmd};
const SECRET: &str = "test-app-secret";
const OLD_SECRET: &str = "rotated-out-secret";
const VERIFY: &str = "test-verify-token";

/// `instagraph serve` on a free port with the test's secrets.
fn serve(db: &Path, extra: &[&str]) -> Daemon {
    let mut cmd = base_cmd();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra)
        .env("INSTAGRAPH_APP_SECRET", format!("{SECRET},{OLD_SECRET}"))
        .env("INSTAGRAPH_VERIFY_TOKEN", VERIFY);
    Daemon::spawn(cmd)
}

/// A URL from the daemon's JSON line.
fn url(d: &Daemon, key: &str) -> String {
    d.line[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", d.line))
        .to_owned()
}

fn events_list(db: &Path, extra: &[&str]) -> Vec<Value> {
    let out = base_cmd()
        .args(["events", "list", "--json", "--limit", "10000", "--db"])
        .arg(db)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn messaging(item: Value) -> Vec<u8> {
    let mut item = item;
    item["sender"] = json!({"id": "5614879045272581"});
    item["recipient"] = json!({"id": "17841405822304914"});
    item["timestamp"] = json!(1_763_700_000_000_i64);
    json!({"object": "instagram", "entry": [{"id": "17841405822304914", "time": 1_763_700_000_000_i64, "messaging": [item]}]})
        .to_string()
        .into_bytes()
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    secret: &str,
    body: Vec<u8>,
) -> reqwest::Result<reqwest::StatusCode> {
    let sig = instagraph_webhook::sign(secret.as_bytes(), &body);
    Ok(http
        .post(url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sig)
        .body(body)
        .send()
        .await?
        .status())
}

/// Reads the event stream until `done` says so (event-driven: no polling, no sleeps).
async fn read_stream(url: &str, after: i64, mut done: impl FnMut(&Value) -> bool) {
    let http = reqwest::Client::new();
    let mut resp = http
        .get(url)
        .query(&[("after", after.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut buf = String::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let chunk = resp.chunk().await.unwrap().expect("the stream stays open");
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let frame: String = buf.drain(..end + 2).collect();
                for line in frame.lines() {
                    if let Some(data) = line.strip_prefix("data:") {
                        let event: Value = serde_json::from_str(data.trim()).unwrap();
                        if done(&event) {
                            return;
                        }
                    }
                }
            }
        }
    })
    .await
    .expect("the expected events arrived on the stream");
}

#[tokio::test]
async fn serve_prints_its_urls_verifies_stores_and_events_list_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let d = serve(&db, &[]);
    let webhook = url(&d, "webhook_url");
    assert!(webhook.ends_with("/webhook"));
    let http = reqwest::Client::new();
    // Handshake.
    let challenge = http
        .get(&webhook)
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", VERIFY),
            ("hub.challenge", "42424242"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 200);
    assert_eq!(challenge.text().await.unwrap(), "42424242");
    let refused = http
        .get(&webhook)
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "nope"),
            ("hub.challenge", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // Three events, one signed with the old secret; plus an unsigned one.
    let message = messaging(
        json!({"message": {"mid": "mid.cli.1", "text": "Hello!", "quick_reply": {"payload": "COLOR_RED"}}}),
    );
    let postback = messaging(
        json!({"postback": {"mid": "mid.cli.2", "title": "Get Started", "payload": "GET_STARTED"}}),
    );
    let optin = messaging(json!({"optin": {"ref": "NEWSLETTER_SIGNUP"}}));
    assert_eq!(
        post(&http, &webhook, SECRET, message.clone())
            .await
            .unwrap(),
        200
    );
    assert_eq!(
        post(&http, &webhook, OLD_SECRET, postback).await.unwrap(),
        200
    );
    assert_eq!(post(&http, &webhook, SECRET, optin).await.unwrap(), 200);
    assert_eq!(
        post(&http, &webhook, "wrong", message.clone())
            .await
            .unwrap(),
        403
    );
    assert_eq!(
        post(&http, &webhook, SECRET, message).await.unwrap(),
        200,
        "a redelivery is acknowledged"
    );
    let mut seen = 0;
    read_stream(&url(&d, "events_stream_url"), 0, |_| {
        seen += 1;
        seen == 3
    })
    .await;
    let events = events_list(&db, &[]);
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["message", "postback", "optin"],
        "the redelivery was deduplicated"
    );
    assert_eq!(events[0]["normalized"]["eventType"], "message");
    assert_eq!(events[0]["normalized"]["text"], "Hello!");
    assert_eq!(
        events[0]["normalized"]["quick_reply"]["payload"],
        "COLOR_RED"
    );
    assert_eq!(events[0]["raw"]["message"]["mid"], "mid.cli.1");
    assert_eq!(events[1]["normalized"]["payload"], "GET_STARTED");
    assert_eq!(events[1]["normalized"]["title"], "Get Started");
    assert_eq!(events[2]["normalized"]["ref"], "NEWSLETTER_SIGNUP");
    let only = events_list(&db, &["--type", "postback"]);
    assert_eq!(only.len(), 1);
    // The rejection is recorded for the operator.
    let out = base_cmd()
        .args(["events", "stats", "--json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["store"]["rejections"], 1);
    assert_eq!(
        stats["recent_rejections"][0]["reason"],
        "signature_mismatch"
    );
    assert_eq!(stats["store"]["payloads"], 4);

    // Replay the postback straight from the CLI to a command target.
    let out_file = dir.path().join("replayed.json");
    let out = base_cmd()
        .args([
            "events", "replay", "--type", "postback", "--direct", "--json", "--exec",
        ])
        .arg(format!("cat > '{}'", out_file.display()))
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["events"], 1);
    assert_eq!(result["delivered"], 1);
    let sent: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(sent["eventType"], "postback");
    assert_eq!(sent["normalized"]["payload"], "GET_STARTED");
}

#[test]
fn serve_refuses_to_start_without_a_verify_token_when_not_in_sandbox_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = base_cmd()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("x.db"))
        .env("INSTAGRAPH_ACCESS_TOKEN", "IGAAtesttoken")
        .env("INSTAGRAPH_APP_SECRET", SECRET)
        .env_remove("INSTAGRAPH_VERIFY_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("INSTAGRAPH_VERIFY_TOKEN"), "{stderr}");
    assert!(
        !stderr.contains(SECRET) && !stderr.contains("IGAAtesttoken"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_sandbox_delivers_signed_webhooks_to_the_receiver() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sb.db");
    let d = serve(&db, &[]);
    assert_eq!(d.line["sandbox"]["webhooks_subscribed"], true);
    let control = d.line["sandbox"]["control_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let http = reqwest::Client::new();
    // The CLI plays the commenter.
    let base = d.line["sandbox"]["base_url"].as_str().unwrap().to_owned();
    let out = base_cmd()
        .args([
            "sandbox",
            "simulate",
            "--sandbox-url",
            &base,
            "--to",
            "business",
            "comment",
            "--text",
            "Love this!",
            "--from",
            "fan.account",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let comment: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(comment["field"], "comments");
    let comment_id = comment["value"]["id"].as_str().unwrap().to_owned();
    let mention: Value = http
        .post(format!("{control}/simulate/mention"))
        .json(&json!({"account": "creator", "comment_id": "17890000000000001"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mention["field"], "mentions");
    for args in [
        vec!["dm", "--from", "new.customer", "--text", "Hi from the CLI"],
        vec![
            "postback",
            "--from",
            "new.customer",
            "--payload",
            "GET_STARTED",
            "--title",
            "Get Started",
        ],
    ] {
        let out = base_cmd()
            .args([
                "sandbox",
                "simulate",
                "--sandbox-url",
                &base,
                "--to",
                "creator",
            ])
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut types = BTreeSet::new();
    read_stream(&url(&d, "events_stream_url"), 0, |e| {
        types.insert(e["event_type"].as_str().unwrap().to_owned());
        types.len() == 4
    })
    .await;
    let events = events_list(&db, &[]);
    let dm = events
        .iter()
        .find(|e| e["eventType"] == "message")
        .expect("DM stored");
    assert_eq!(dm["normalized"]["text"], "Hi from the CLI");
    let pb = events
        .iter()
        .find(|e| e["eventType"] == "postback")
        .expect("postback stored");
    assert_eq!(pb["normalized"]["payload"], "GET_STARTED");
    assert_eq!(
        dm["normalized"]["senderId"], pb["normalized"]["senderId"],
        "same user"
    );
    let events = events_list(&db, &[]);
    let c = events
        .iter()
        .find(|e| e["eventType"] == "comment")
        .expect("comment stored");
    assert_eq!(c["normalized"]["commentId"], comment_id.as_str());
    assert_eq!(c["normalized"]["text"], "Love this!");
    assert_eq!(c["normalized"]["fromUsername"], "fan.account");
    let accounts = d.line["sandbox"]["accounts"].as_array().unwrap();
    let business = accounts.iter().find(|a| a["name"] == "business").unwrap();
    assert_eq!(c["account_id"], business["ig_user_id"]);
    let m = events
        .iter()
        .find(|e| e["eventType"] == "mention")
        .expect("mention stored");
    assert_eq!(m["normalized"]["commentId"], "17890000000000001");
    // Refused simulations exit 2 with the sandbox's reason.
    let out = base_cmd()
        .args([
            "sandbox",
            "simulate",
            "--sandbox-url",
            &base,
            "--to",
            "nobody",
            "mention",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown account: nobody"));
    // The sandbox saw 200s.
    let status: Value = http
        .get(format!("{control}/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        status["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == 200),
        "{status}"
    );
}

/// Sends distinct signed DMs from several connections, kills the server with SIGKILL
/// mid-stream, restarts it on the same database, redelivers what was not acknowledged (as Meta
/// does), and checks that every event is stored exactly once, acknowledged ones included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_stream_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db");
    let mut d = serve(&db, &[]);
    let webhook = url(&d, "webhook_url");
    let total = 4_000usize;
    let kill_after = 1_500usize;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, bool)>();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (tx, next, webhook) = (tx.clone(), next.clone(), webhook.clone());
        senders.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= total {
                    return;
                }
                let body = messaging(
                    json!({"message": {"mid": format!("mid.kill.{i}"), "text": format!("n{i}")}}),
                );
                let ok = matches!(post(&http, &webhook, SECRET, body).await, Ok(s) if s == 200);
                if tx.send((i, ok)).is_err() {
                    return;
                }
            }
        }));
    }
    drop(tx);
    let mut acked = BTreeSet::new();
    let mut outcome = BTreeMap::new();
    let mut killed = false;
    while let Some((i, ok)) = rx.recv().await {
        outcome.insert(i, ok);
        if ok {
            acked.insert(i);
        }
        if !killed && acked.len() >= kill_after {
            d.child.kill().unwrap(); // SIGKILL
            d.child.wait().unwrap();
            killed = true;
        }
    }
    for s in senders {
        s.await.unwrap();
    }
    assert!(killed);
    let failed: Vec<usize> = outcome
        .iter()
        .filter(|(_, ok)| !**ok)
        .map(|(i, _)| *i)
        .collect();
    assert!(!failed.is_empty(), "the kill happened mid-stream");
    assert!(acked.len() >= kill_after);

    // Restart on the same database; redeliver everything not acknowledged.
    let d2 = serve(&db, &[]);
    let webhook = url(&d2, "webhook_url");
    let http = reqwest::Client::new();
    for i in &failed {
        let body = messaging(
            json!({"message": {"mid": format!("mid.kill.{i}"), "text": format!("n{i}")}}),
        );
        assert_eq!(post(&http, &webhook, SECRET, body).await.unwrap(), 200);
    }
    let mut seen = BTreeSet::new();
    read_stream(&url(&d2, "events_stream_url"), 0, |e| {
        seen.insert(e["normalized"]["messageId"].as_str().unwrap().to_owned());
        seen.len() == total
    })
    .await;
    let events = events_list(&db, &["--type", "message"]);
    assert_eq!(events.len(), total, "every event exactly once");
    let mids: BTreeSet<String> = events
        .iter()
        .map(|e| e["normalized"]["messageId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(mids.len(), total, "no duplicates");
    for i in &acked {
        assert!(
            mids.contains(&format!("mid.kill.{i}")),
            "acknowledged event {i} is stored"
        );
    }
}
