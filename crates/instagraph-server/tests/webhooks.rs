//! The receiver end to end over loopback: handshake, signatures, durable storage, dedupe,
//! forwarding with retries, the event API and its stream.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use instagraph::clock::{Clock, SharedClock};
use instagraph_server::webhook::deliver::{ForwardFormat, ForwardTarget, TargetKind};
use instagraph_server::webhook::{Deliverer, WebhookConfig, WebhookRuntime};
use instagraph_server::{AppState, RunningServer, ServerConfig, start};
use instagraph_store::Store;
use instagraph_store::webhooks::{AfterAttempt, DeliveryState, EventQuery};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

const SECRET: &str = "app-secret-one";
const OLD_SECRET: &str = "app-secret-old";
const VERIFY: &str = "verify-me-please";

/// A clock the test sets.
#[derive(Debug, Default)]
struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

struct Fixture {
    server: RunningServer,
    rt: Arc<WebhookRuntime>,
    store: Arc<dyn Store>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn serve(targets: Vec<ForwardTarget>, api_key: Option<&str>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wh.db");
    let store = instagraph_store::open(db.to_str().unwrap()).await.unwrap();
    let config = WebhookConfig::new(VERIFY, vec![SECRET.into(), OLD_SECRET.into()])
        .unwrap()
        .with_targets(targets)
        .unwrap();
    let clock: SharedClock = Arc::new(ManualClock(AtomicI64::new(1_700_000_000_000)));
    let rt = WebhookRuntime::start(config, store.clone(), clock).await;
    let state = AppState {
        store: store.clone(),
        config: ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            db_label: "sqlite".into(),
            graph_base_url: "http://127.0.0.1:1".into(),
            sandbox: false,
            api_key: api_key.map(|k| k.to_owned().into()),
        },
        webhooks: Some(rt.clone()),
        media: None,
        proxy: None,
        mcp: None,
    };
    let server = start(state).await.unwrap();
    Fixture {
        server,
        rt,
        store,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

fn dm(mid: &str, text: &str) -> Vec<u8> {
    json!({
        "object": "instagram",
        "entry": [{
            "id": "17841400000000001",
            "time": 1_700_000_000_000_i64,
            "messaging": [{
                "sender": {"id": "9000000000000001"},
                "recipient": {"id": "17841400000000001"},
                "timestamp": 1_700_000_000_000_i64,
                "message": {"mid": mid, "text": text}
            }]
        }]
    })
    .to_string()
    .into_bytes()
}

impl Fixture {
    async fn post(&self, body: &[u8], signature: Option<String>) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/webhook", self.server.url()))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        req.send().await.unwrap()
    }

    async fn post_signed(&self, body: &[u8]) -> reqwest::Response {
        self.post(
            body,
            Some(instagraph_webhook::sign(SECRET.as_bytes(), body)),
        )
        .await
    }

    /// Waits (without polling) until at least `n` events are stored.
    async fn wait_events(&self, n: i64) {
        let mut latest = self.rt.latest_event();
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let stored = self.store.webhook_stats().await.unwrap().events;
                if stored >= n {
                    return;
                }
                latest.changed().await.unwrap();
            }
        })
        .await
        .expect("events were processed");
    }
}

#[tokio::test]
async fn handshake_echoes_the_challenge_only_for_the_right_token() {
    let f = serve(vec![], None).await;
    let url = format!("{}/webhook", f.server.url());
    let ok = f
        .http
        .get(&url)
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", VERIFY),
            ("hub.challenge", "1158201444"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    for query in [
        vec![
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "wrong"),
            ("hub.challenge", "1"),
        ],
        vec![
            ("hub.mode", "unsubscribe"),
            ("hub.verify_token", VERIFY),
            ("hub.challenge", "1"),
        ],
        vec![("hub.mode", "subscribe"), ("hub.verify_token", VERIFY)],
        vec![],
    ] {
        let resp = f.http.get(&url).query(&query).send().await.unwrap();
        assert_eq!(resp.status(), 403, "{query:?}");
    }
}

#[tokio::test]
async fn unsigned_or_badly_signed_bodies_are_refused_stored_nowhere_and_recorded() {
    let f = serve(vec![], None).await;
    let body = dm("m1", "hi");
    assert_eq!(f.post(&body, None).await.status(), StatusCode::UNAUTHORIZED);
    let wrong = instagraph_webhook::sign(b"another-secret", &body);
    assert_eq!(
        f.post(&body, Some(wrong)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        f.post(&body, Some("sha256=zz".into())).await.status(),
        StatusCode::FORBIDDEN
    );
    // Signed over different bytes (re-serialised JSON) is a mismatch too.
    let reserialised =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    let sig = instagraph_webhook::sign(SECRET.as_bytes(), &reserialised);
    assert_eq!(
        f.post(&body, Some(sig)).await.status(),
        StatusCode::FORBIDDEN
    );
    let stats = f.store.webhook_stats().await.unwrap();
    assert_eq!(stats.payloads, 0, "nothing stored");
    let rejections = f.store.rejections(10).await.unwrap();
    let reasons: Vec<&str> = rejections.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "signature_mismatch",
            "signature_malformed",
            "signature_mismatch",
            "signature_missing"
        ]
    );
    assert!(!rejections[3].signature_present);
    assert_eq!(rejections[3].body_len, body.len() as i64);
}

#[tokio::test]
async fn signed_bodies_are_stored_then_acknowledged_and_redeliveries_dedupe() {
    let f = serve(vec![], None).await;
    let body = dm("mid.one", "Hello!");
    let resp = f.post_signed(&body).await;
    assert_eq!(resp.status(), 200);
    // Acknowledged means stored: the raw payload is there byte for byte.
    let stats = f.store.webhook_stats().await.unwrap();
    assert_eq!(stats.payloads, 1);
    let payload = f.store.payload(1).await.unwrap().unwrap();
    assert_eq!(payload.body, body);
    f.wait_events(1).await;
    // An old secret (rotation) verifies too; the same event again is a duplicate.
    let again = f
        .post(
            &body,
            Some(instagraph_webhook::sign(OLD_SECRET.as_bytes(), &body)),
        )
        .await;
    assert_eq!(again.status(), 200);
    let other = dm("mid.two", "Second");
    assert_eq!(f.post_signed(&other).await.status(), 200);
    f.wait_events(2).await;
    let events = f.store.events(&EventQuery::default()).await.unwrap();
    assert_eq!(events.len(), 2, "the redelivery added nothing");
    assert_eq!(events[0].normalized["eventType"], "message");
    assert_eq!(events[0].normalized["messageId"], "mid.one");
    assert_eq!(events[0].normalized["text"], "Hello!");
    assert_eq!(events[0].normalized["senderId"], "9000000000000001");
    assert_eq!(events[0].raw["message"]["mid"], "mid.one");
    let payloads = f.store.webhook_stats().await.unwrap();
    assert_eq!(payloads.payloads, 3);
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let dir = tempfile::tempdir().unwrap();
    let store = instagraph_store::open(dir.path().join("x.db").to_str().unwrap())
        .await
        .unwrap();
    let mut config = WebhookConfig::new(VERIFY, vec![SECRET.into()]).unwrap();
    config.body_limit = 1024;
    let rt = WebhookRuntime::start(config, store.clone(), Arc::new(ManualClock::default())).await;
    let server = start(AppState {
        store: store.clone(),
        config: ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            db_label: "sqlite".into(),
            graph_base_url: "http://127.0.0.1:1".into(),
            sandbox: false,
            api_key: None,
        },
        webhooks: Some(rt),
        media: None,
        proxy: None,
        mcp: None,
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let at_limit = vec![b' '; 1024];
    let over = vec![b' '; 1025];
    let sig = |b: &[u8]| instagraph_webhook::sign(SECRET.as_bytes(), b);
    let r = http
        .post(format!("{}/webhook", server.url()))
        .header("x-hub-signature-256", sig(&at_limit))
        .body(at_limit.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "exactly at the limit is accepted");
    let r = http
        .post(format!("{}/webhook", server.url()))
        .header("x-hub-signature-256", sig(&over))
        .body(over)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["limit_bytes"], 1024);
    assert_eq!(store.rejections(5).await.unwrap()[0].reason, "too_large");
}

#[derive(Clone)]
struct Target {
    tx: mpsc::UnboundedSender<(HeaderMap, Vec<u8>)>,
    status: Arc<std::sync::atomic::AtomicU16>,
}

async fn receive(
    State(t): State<Target>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let _ = t.tx.send((headers, body.to_vec()));
    StatusCode::from_u16(t.status.load(Ordering::SeqCst)).unwrap()
}

async fn mock_target(
    status: u16,
) -> (
    String,
    mpsc::UnboundedReceiver<(HeaderMap, Vec<u8>)>,
    Arc<std::sync::atomic::AtomicU16>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let status = Arc::new(std::sync::atomic::AtomicU16::new(status));
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(Target {
            tx,
            status: status.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook?token=shh"), rx, status)
}

#[tokio::test]
async fn events_are_forwarded_signed_with_an_idempotency_key() {
    let (url, mut rx, _) = mock_target(200).await;
    let target = ForwardTarget {
        name: "n8n".into(),
        account_ids: Vec::new(),
        kind: TargetKind::Http {
            url,
            secret: Some("fwd-secret".to_owned().into()),
        },
        event_types: vec!["message".into()],
        format: ForwardFormat::Normalized,
    };
    let f = serve(vec![target], None).await;
    assert_eq!(
        f.post_signed(&dm("mid.fwd", "Forward me")).await.status(),
        200
    );
    let (headers, body) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("delivered")
        .unwrap();
    let value: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["eventType"], "message");
    assert_eq!(value["text"], "Forward me");
    let sig = headers["x-instagraph-signature-256"].to_str().unwrap();
    assert_eq!(sig, instagraph_webhook::sign(b"fwd-secret", &body));
    let key = headers["idempotency-key"].to_str().unwrap().to_owned();
    assert!(key.starts_with("ig_") && key.len() == 35, "{key}");
    assert_eq!(headers["x-instagraph-event-type"], "message");
    assert_eq!(headers["x-instagraph-delivery-attempt"], "1");
}

#[tokio::test]
async fn events_are_routed_to_the_targets_of_their_account() {
    let (url_a, mut rx_a, _) = mock_target(200).await;
    let (url_b, mut rx_b, _) = mock_target(200).await;
    let target = |name: &str, url: String, account: &str| ForwardTarget {
        name: name.into(),
        account_ids: vec![account.into()],
        kind: TargetKind::Http { url, secret: None },
        event_types: vec![],
        format: ForwardFormat::Normalized,
    };
    let f = serve(
        vec![
            target("a", url_a, "17841400000000001"),
            target("b", url_b, "17841400000000002"),
        ],
        None,
    )
    .await;
    let for_b = String::from_utf8(dm("mid.b", "for B"))
        .unwrap()
        .replace("17841400000000001", "17841400000000002")
        .into_bytes();
    assert_eq!(f.post_signed(&dm("mid.a", "for A")).await.status(), 200);
    assert_eq!(f.post_signed(&for_b).await.status(), 200);
    let recv = |rx: &mut mpsc::UnboundedReceiver<(HeaderMap, Vec<u8>)>| {
        let body = rx.try_recv().map(|(_, b)| b);
        body.ok()
            .map(|b| serde_json::from_slice::<Value>(&b).unwrap()["text"].clone())
    };
    let a = tokio::time::timeout(Duration::from_secs(10), rx_a.recv())
        .await
        .expect("A delivered")
        .unwrap();
    let b = tokio::time::timeout(Duration::from_secs(10), rx_b.recv())
        .await
        .expect("B delivered")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&a.1).unwrap()["text"],
        "for A"
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&b.1).unwrap()["text"],
        "for B"
    );
    // Each target got its own account's event and nothing else.
    let stats = f.store.webhook_stats().await.unwrap();
    assert_eq!(
        stats.deliveries_pending + stats.deliveries_delivered + stats.deliveries_dead,
        2,
        "one delivery per event: {stats:?}"
    );
    assert_eq!(recv(&mut rx_a), None);
    assert_eq!(recv(&mut rx_b), None);
}

#[tokio::test]
async fn failed_deliveries_follow_the_schedule_then_dead_letter_and_replay_resends() {
    let (url, mut rx, status) = mock_target(500).await;
    let dir = tempfile::tempdir().unwrap();
    let store = instagraph_store::open(dir.path().join("d.db").to_str().unwrap())
        .await
        .unwrap();
    let target = ForwardTarget {
        name: "flaky".into(),
        account_ids: Vec::new(),
        kind: TargetKind::Http { url, secret: None },
        event_types: vec![],
        format: ForwardFormat::Full,
    };
    // Store one event with a delivery due at t0, the way the processor does.
    let ids = store
        .insert_payloads(&[instagraph_store::webhooks::IncomingPayload {
            received_at: 0,
            body: dm("mid.retry", "retry me"),
            secret_index: Some(0),
        }])
        .await
        .unwrap();
    let t0 = 1_000_000;
    let processed = instagraph_server::webhook::process::split(&dm("mid.retry", "retry me"));
    store
        .commit_processed(&[(ids[0], processed)], &[target.filter()], t0)
        .await
        .unwrap();
    let deliverer = Deliverer::new(store.clone(), vec![target]);
    let schedule_s = [5, 300, 1800, 7200, 18000, 36000];
    let mut now = t0;
    for (i, delay) in std::iter::once(0).chain(schedule_s).enumerate() {
        now += delay * 1000;
        // Just before it is due, nothing is sent.
        if delay > 0 {
            assert_eq!(
                deliverer.run_due(now - 1).await.unwrap(),
                0,
                "attempt {} early",
                i + 1
            );
        }
        assert_eq!(
            deliverer.run_due(now).await.unwrap(),
            1,
            "attempt {}",
            i + 1
        );
        let (headers, body) = rx.recv().await.unwrap();
        assert_eq!(
            headers["x-instagraph-delivery-attempt"],
            (i + 1).to_string().as_str()
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["normalized"]["text"], "retry me");
        assert_eq!(v["raw"]["message"]["mid"], "mid.retry");
    }
    let d = &store.deliveries(None, None, 10).await.unwrap()[0];
    assert_eq!(d.state, DeliveryState::Dead);
    assert_eq!(d.attempts, 7);
    assert_eq!(d.last_error.as_deref(), Some("HTTP 500"));
    let attempts = store.attempts(d.id).await.unwrap();
    assert_eq!(attempts.len(), 7);
    assert!(attempts.iter().all(|a| a.status == Some(500)));
    assert_eq!(
        deliverer.run_due(now + 100_000_000).await.unwrap(),
        0,
        "dead stays dead"
    );
    assert_eq!(deliverer.after_failure(7, 0), AfterAttempt::Dead);

    // Replay after the target recovers.
    status.store(200, Ordering::SeqCst);
    let event = &store.events(&EventQuery::default()).await.unwrap()[0];
    assert_eq!(
        store
            .enqueue_deliveries(&[event.id], "flaky", now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(deliverer.run_due(now).await.unwrap(), 1);
    rx.recv().await.unwrap();
    let delivered = store
        .deliveries(Some(event.id), Some(DeliveryState::Delivered), 10)
        .await
        .unwrap();
    assert_eq!(delivered.len(), 1);
}

#[tokio::test]
async fn a_command_target_gets_the_event_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let store = instagraph_store::open(dir.path().join("c.db").to_str().unwrap())
        .await
        .unwrap();
    let ok = ForwardTarget {
        name: "shell".into(),
        account_ids: Vec::new(),
        kind: TargetKind::Command {
            command: format!("cat > '{}'", out.display()),
        },
        event_types: vec![],
        format: ForwardFormat::Normalized,
    };
    let failing = ForwardTarget {
        name: "failing".into(),
        account_ids: Vec::new(),
        kind: TargetKind::Command {
            command: "echo boom >&2; exit 3".into(),
        },
        event_types: vec![],
        format: ForwardFormat::Normalized,
    };
    let ids = store
        .insert_payloads(&[instagraph_store::webhooks::IncomingPayload {
            received_at: 0,
            body: dm("mid.cmd", "to the shell"),
            secret_index: None,
        }])
        .await
        .unwrap();
    store
        .commit_processed(
            &[(
                ids[0],
                instagraph_server::webhook::process::split(&dm("mid.cmd", "to the shell")),
            )],
            &[ok.filter(), failing.filter()],
            0,
        )
        .await
        .unwrap();
    let deliverer = Deliverer::new(store.clone(), vec![ok, failing]);
    assert_eq!(deliverer.run_due(0).await.unwrap(), 2);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["text"], "to the shell");
    let failed = store
        .deliveries(None, Some(DeliveryState::Pending), 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].target, "failing");
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("command exited with status 3: boom")
    );
    assert_eq!(failed[0].next_at, Some(5_000), "retried 5 s later");
}

#[tokio::test]
async fn the_event_api_lists_and_streams_and_needs_the_key_when_set() {
    let f = serve(vec![], Some("k3y")).await;
    let base = f.server.url();
    let unauth = f.http.get(format!("{base}/events")).send().await.unwrap();
    assert_eq!(unauth.status(), 401);
    let wrong = f
        .http
        .get(format!("{base}/events"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // Open the stream first, then post.
    let mut stream = f
        .http
        .get(format!("{base}/events/stream?types=message"))
        .bearer_auth("k3y")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(
        f.post_signed(&dm("mid.sse", "streamed")).await.status(),
        200
    );
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !text.contains("\n\n") || !text.contains("data:") {
            let chunk = stream.chunk().await.unwrap().expect("stream open");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("an SSE event arrived");
    assert!(text.contains("event: message"), "{text}");
    assert!(text.contains("id: 1"), "{text}");
    assert!(text.contains("mid.sse"), "{text}");
    let list: Value = f
        .http
        .get(format!("{base}/events?types=message"))
        .bearer_auth("k3y")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"][0]["normalized"]["text"], "streamed");
    let stats: Value = f
        .http
        .get(format!("{base}/webhook/stats"))
        .bearer_auth("k3y")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["store"]["events"], 1);
    assert_eq!(stats["since_start"]["accepted"], 1);
}

#[test]
fn config_refuses_to_start_without_a_verify_token_or_a_secret() {
    assert!(WebhookConfig::new("", vec![SECRET.into()]).is_err());
    assert!(WebhookConfig::new(VERIFY, vec![]).is_err());
    assert!(WebhookConfig::new(VERIFY, vec![" ".into()]).is_err());
    let c = WebhookConfig::new(VERIFY, vec![SECRET.into()]).unwrap();
    let debug = format!("{c:?}");
    assert!(
        !debug.contains(VERIFY) && !debug.contains(SECRET),
        "{debug}"
    );
}
