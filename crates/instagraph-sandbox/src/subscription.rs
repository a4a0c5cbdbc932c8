//! Webhook delivery, the way Meta does it: a callback URL subscribed through the verification
//! handshake, then signed POSTs of whatever the sandbox world emits ([`crate::webhooks`]),
//! redelivered with backoff while the receiver does not answer 200, plus the dashboard's
//! "Test" payloads.
//!
//! Routes:
//! - `POST /_sandbox/webhooks/subscribe` `{"callback_url": "...", "verify_token": "..."}`:
//!   sends `GET callback?hub.mode=subscribe&hub.challenge=<n>&hub.verify_token=<token>` and
//!   subscribes only when the answer is 200 with the challenge as its body (else 400 with why).
//!   Events emitted before the subscription are dropped, as Meta would never have sent them.
//! - `DELETE /_sandbox/webhooks/subscribe`: stops delivery.
//! - `GET /_sandbox/webhooks`: the subscription (token hidden), events waiting, and the last
//!   deliveries (status, attempt, error).
//! - `POST /_sandbox/webhooks/test` `{"field": "messages"}`: a dashboard-style sample
//!   (`entry[].id` `"0"`, placeholder values) for `messages`, `messaging_postbacks`,
//!   `messaging_optins`, `message_reactions`, `messaging_seen`, `comments`, `live_comments`,
//!   `mentions`, `story_insights`; signed with the first seeded app's secret.
//! - `POST /_sandbox/simulate/comment` `{"account", "media_id"?, "text", "from_username"?,
//!   "parent_id"?}`, `/_sandbox/simulate/mention` `{"account", "media_id"?, "comment_id"?}`,
//!   `/_sandbox/simulate/story_insights` `{"account", "media_id"?, "reach"?, ...}`: the
//!   `changes[]` events of those fields.
//!
//! Each POST carries `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` with the app
//! secret of the account the entry belongs to. Bodies hold up to 100 entries, one per event,
//! grouped by signing app.

use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::Duration;

use crate::Sandbox;
use crate::webhooks::{self, WebhookEvent, WebhookPayload};

/// Entries per delivered body.
pub const MAX_ENTRIES: usize = 100;
/// Attempts per body before it is dropped (Meta keeps trying for up to 36 hours).
pub const MAX_ATTEMPTS: u32 = 12;
/// Delivery log length.
const LOG: usize = 1000;

/// Where webhooks go.
#[derive(Clone, Debug, Default)]
pub(crate) struct Hub {
    subscription: Option<Subscription>,
    log: VecDeque<DeliveryRecord>,
    running: bool,
    /// Bumped on every (un)subscribe, so a deliverer drops bodies of an old subscription.
    generation: u64,
}

#[derive(Clone)]
struct Subscription {
    callback_url: String,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("callback_url", &self.callback_url)
            .finish_non_exhaustive()
    }
}

/// One delivery attempt.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// 1 for the first try.
    pub attempt: u32,
    /// Entries in the body.
    pub entries: usize,
    /// HTTP status, when the receiver answered.
    pub status: Option<u16>,
    /// What went wrong.
    pub error: Option<String>,
    /// Whether the body was given up on after this attempt.
    pub dropped: bool,
}

/// Why a subscription failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubscribeError {
    /// The callback URL is not http(s).
    #[error("callback_url must be an http:// or https:// URL")]
    BadUrl,
    /// The handshake request failed.
    #[error("the verification request failed: {0}")]
    Unreachable(String),
    /// The callback did not echo the challenge with 200.
    #[error(
        "the callback answered {status} with {body:?}; it must answer 200 with the hub.challenge value"
    )]
    Refused {
        /// Its status.
        status: u16,
        /// The start of its body.
        body: String,
    },
}

/// The `X-Hub-Signature-256` value for a body.
fn sign(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        crate::auth::hmac_sha256_hex(secret.as_bytes(), body)
    )
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("facebookexternalua")
        .build()
        .unwrap_or_default()
}

impl Sandbox {
    /// Subscribes `callback_url` after Meta's verification handshake, and starts delivering
    /// (needs a tokio runtime).
    pub async fn subscribe_webhooks(
        &self,
        callback_url: &str,
        verify_token: &str,
    ) -> Result<(), SubscribeError> {
        if !(callback_url.starts_with("http://") || callback_url.starts_with("https://")) {
            return Err(SubscribeError::BadUrl);
        }
        let challenge = {
            let mut st = self.lock();
            st.rng.next_u64() % 9_000_000_000 + 1_000_000_000
        }
        .to_string();
        let resp = http()
            .get(callback_url)
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.challenge", challenge.as_str()),
                ("hub.verify_token", verify_token),
            ])
            .send()
            .await
            .map_err(|e| SubscribeError::Unreachable(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        if status != 200 || body.trim() != challenge {
            return Err(SubscribeError::Refused {
                status,
                body: body.chars().take(200).collect(),
            });
        }
        // Only events from now on are delivered.
        self.lock().outbox.clear();
        let start = {
            let mut hub = self.hub();
            hub.subscription = Some(Subscription {
                callback_url: callback_url.to_owned(),
            });
            hub.generation += 1;
            !std::mem::replace(&mut hub.running, true)
        };
        if start {
            let sandbox = self.clone();
            tokio::spawn(async move { sandbox.deliver_forever().await });
        }
        Ok(())
    }

    /// Stops delivering webhooks.
    pub fn unsubscribe_webhooks(&self) {
        let mut hub = self.hub();
        hub.subscription = None;
        hub.generation += 1;
    }

    /// The last delivery attempts, oldest first.
    pub fn webhook_deliveries(&self) -> Vec<DeliveryRecord> {
        self.hub().log.iter().cloned().collect()
    }

    fn secret_for(&self, entry_id: &str) -> Option<String> {
        let st = self.lock();
        st.accounts
            .iter()
            .find(|a| a.ig_user_id == entry_id || a.app_scoped_id.as_deref() == Some(entry_id))
            .or_else(|| st.accounts.first())
            .map(|a| a.app_secret.clone())
    }

    async fn deliver_forever(self) {
        let client = http();
        let notify = self.webhook_notify();
        loop {
            let events = self.take_webhooks();
            if events.is_empty() {
                notify.notified().await;
                continue;
            }
            // Group by signing secret, keeping order within each group.
            let mut groups: Vec<(String, Vec<WebhookEvent>)> = Vec::new();
            for e in events {
                let secret = self.secret_for(&e.entry_id).unwrap_or_default();
                match groups.iter_mut().find(|(s, _)| *s == secret) {
                    Some((_, list)) => list.push(e),
                    None => groups.push((secret, vec![e])),
                }
            }
            for (secret, list) in groups {
                for chunk in list.chunks(MAX_ENTRIES) {
                    let body = webhooks::envelope(chunk).to_string().into_bytes();
                    self.deliver(&client, &secret, body, chunk.len()).await;
                }
            }
        }
    }

    /// Delivers one body, retrying with backoff (immediately, then 1 s, 2 s, 4 s ... capped at
    /// 60 s) until 200 or [`MAX_ATTEMPTS`].
    async fn deliver(&self, client: &reqwest::Client, secret: &str, body: Vec<u8>, entries: usize) {
        let signature = sign(secret, &body);
        let generation = self.hub().generation;
        for attempt in 1..=MAX_ATTEMPTS {
            let url = {
                let hub = self.hub();
                match (&hub.subscription, hub.generation == generation) {
                    (Some(s), true) => s.callback_url.clone(),
                    _ => return,
                }
            };
            let result = client
                .post(&url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", &signature)
                .body(body.clone())
                .send()
                .await;
            let (status, error) = match result {
                Ok(r) if r.status().as_u16() == 200 => (Some(200), None),
                Ok(r) => (
                    Some(r.status().as_u16()),
                    Some(format!("HTTP {}", r.status().as_u16())),
                ),
                Err(e) => (None, Some(e.without_url().to_string())),
            };
            let done = error.is_none();
            let dropped = !done && attempt == MAX_ATTEMPTS;
            {
                let mut hub = self.hub();
                hub.log.push_back(DeliveryRecord {
                    attempt,
                    entries,
                    status,
                    error,
                    dropped,
                });
                while hub.log.len() > LOG {
                    hub.log.pop_front();
                }
            }
            if done {
                return;
            }
            if attempt > 1 {
                let secs = 1u64 << (attempt - 2).min(6);
                tokio::time::sleep(Duration::from_secs(secs.min(60))).await;
            }
        }
    }
}

#[derive(Deserialize)]
struct SubscribeBody {
    callback_url: String,
    verify_token: String,
}

fn bad(msg: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": msg.to_string()})),
    )
        .into_response()
}

async fn subscribe(AxState(sb): AxState<Sandbox>, body: axum::body::Bytes) -> Response {
    let b: SubscribeBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad(format!("expected {{callback_url, verify_token}}: {e}")),
    };
    match sb
        .subscribe_webhooks(&b.callback_url, &b.verify_token)
        .await
    {
        Ok(()) => Json(json!({"subscribed": true, "callback_url": b.callback_url})).into_response(),
        Err(e) => bad(e),
    }
}

async fn unsubscribe(AxState(sb): AxState<Sandbox>) -> Response {
    sb.unsubscribe_webhooks();
    Json(json!({"subscribed": false})).into_response()
}

async fn status(AxState(sb): AxState<Sandbox>) -> Response {
    let waiting = sb.lock().outbox.len();
    let hub = sb.hub().clone();
    Json(json!({
        "subscribed": hub.subscription.is_some(),
        "callback_url": hub.subscription.as_ref().map(|s| s.callback_url.clone()),
        "waiting": waiting,
        "deliveries": hub.log,
    }))
    .into_response()
}

/// The dashboard's sample payload for a field (placeholder values, `entry[].id` "0").
pub fn test_payload(field: &str, now_ms: i64) -> Option<Value> {
    let messaging = |item: Value| json!({"object": "instagram", "entry": [{"id": "0", "time": now_ms, "messaging": [item]}]});
    let change = |value: Value| json!({"object": "instagram", "entry": [{"id": "0", "time": now_ms / 1000, "changes": [{"field": field, "value": value}]}]});
    let base = |key: &str, v: Value| {
        let mut item = json!({"sender": {"id": "12334"}, "recipient": {"id": "23245"}, "timestamp": (now_ms / 1000).to_string()});
        item[key] = v;
        item
    };
    Some(match field {
        "messages" => messaging(base(
            "message",
            json!({"mid": "random_mid", "text": "random_text"}),
        )),
        "messaging_postbacks" => messaging(base(
            "postback",
            json!({"mid": "random_mid", "title": "random_title", "payload": "random_payload"}),
        )),
        "messaging_optins" => messaging(base("optin", json!({"ref": "random_ref"}))),
        "message_reactions" => messaging(base(
            "reaction",
            json!({"mid": "random_mid", "action": "react", "reaction": "love", "emoji": "\u{2764}\u{fe0f}"}),
        )),
        "messaging_seen" => messaging(base("read", json!({"mid": "random_mid"}))),
        "comments" | "live_comments" => change(
            json!({"from": {"id": "232323232", "username": "test"}, "media": {"id": "123123123", "media_product_type": "FEED"}, "id": "17865799348089039", "text": "This is an example."}),
        ),
        "mentions" => {
            change(json!({"media_id": "17887498072083520", "comment_id": "17887498072083521"}))
        }
        "story_insights" => change(
            json!({"media_id": "17887498072083520", "impressions": 444, "reach": 44, "taps_forward": 4, "taps_back": 3, "exits": 3, "replies": 0}),
        ),
        _ => return None,
    })
}

#[derive(Deserialize)]
struct TestBody {
    field: String,
}

async fn send_test(AxState(sb): AxState<Sandbox>, body: axum::body::Bytes) -> Response {
    let b: TestBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad(format!("expected {{field}}: {e}")),
    };
    let now_ms = sb.now().saturating_mul(1000);
    let Some(payload) = test_payload(&b.field, now_ms) else {
        return bad(format!("no test sample for field {:?}", b.field));
    };
    let url = match &sb.hub().subscription {
        Some(s) => s.callback_url.clone(),
        None => return bad("no webhook subscription: POST /_sandbox/webhooks/subscribe first"),
    };
    let secret = sb
        .lock()
        .accounts
        .first()
        .map(|a| a.app_secret.clone())
        .unwrap_or_default();
    let bytes = payload.to_string().into_bytes();
    let result = http()
        .post(&url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(&secret, &bytes))
        .body(bytes)
        .send()
        .await;
    match result {
        Ok(r) => Json(json!({"sent": payload, "status": r.status().as_u16()})).into_response(),
        Err(e) => bad(format!("sending failed: {}", e.without_url())),
    }
}

#[derive(Deserialize)]
struct ChangeBody {
    account: String,
    media_id: Option<String>,
    text: Option<String>,
    from_username: Option<String>,
    from_id: Option<String>,
    parent_id: Option<String>,
    comment_id: Option<String>,
    #[serde(default)]
    live: bool,
    #[serde(flatten)]
    metrics: serde_json::Map<String, Value>,
}

/// A simulated `changes[]` event's result.
#[derive(Clone, Debug, Serialize)]
pub struct SimulatedChange {
    /// The change's field.
    pub field: String,
    /// Its value, as queued.
    pub value: Value,
}

/// What [`Sandbox::simulate_change`] can simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Someone comments on the account's media (or replies with `parent_id`).
    Comment,
    /// Someone mentions the account in a comment (with `comment_id`) or a caption.
    Mention,
    /// A story's insights, sent when it expires.
    StoryInsights,
}

impl Sandbox {
    /// The account's IG user id (by seeded name or any of its ids) and its newest media.
    fn account_entry_id(&self, account: &str) -> Result<(String, Option<String>), String> {
        let st = self.lock();
        let id = crate::simulate::account_id(&st, account).map_err(|e| e.to_string())?;
        let media = st
            .ig_accounts
            .get(&id)
            .and_then(|ig| ig.media.first().cloned());
        Ok((id, media))
    }

    /// Queues a `comments`, `mentions` or `story_insights` change for `account` (a seeded
    /// account name or IG user id). `fields` are the JSON body's other members.
    pub fn simulate_change(
        &self,
        kind: ChangeKind,
        account: &str,
        fields: &Value,
    ) -> Result<SimulatedChange, String> {
        let b: ChangeBody = serde_json::from_value(
            json!({"account": account})
                .as_object()
                .map(|a| {
                    let mut m = a.clone();
                    if let Some(f) = fields.as_object() {
                        for (k, v) in f {
                            if k != "account" {
                                m.insert(k.clone(), v.clone());
                            }
                        }
                    }
                    Value::Object(m)
                })
                .unwrap_or_default(),
        )
        .map_err(|e| e.to_string())?;
        let (entry_id, first_media) = self.account_entry_id(&b.account)?;
        let media_id = b
            .media_id
            .clone()
            .or(first_media)
            .ok_or("the account has no media; pass media_id")?;
        let mut st = self.lock();
        let (field, value) = match kind {
            ChangeKind::Comment => {
                let text = b.text.clone().ok_or("a comment needs `text`")?;
                let id = st.fresh_numeric_id("178", 17);
                let from_id = b
                    .from_id
                    .clone()
                    .unwrap_or_else(|| st.fresh_numeric_id("9", 16));
                let product = st
                    .media
                    .get(&media_id)
                    .map(|m| m.media_product_type.clone())
                    .unwrap_or_else(|| "FEED".to_owned());
                let mut value = json!({
                    "from": {"id": from_id, "username": b.from_username.clone().unwrap_or_else(|| "sandbox.commenter".to_owned())},
                    "media": {"id": media_id, "media_product_type": product},
                    "id": id,
                    "text": text,
                });
                if let Some(p) = &b.parent_id {
                    value["parent_id"] = json!(p);
                }
                if let Some(m) = st.media.get_mut(&media_id) {
                    m.comments_count += 1;
                }
                // Readable afterwards through the comments endpoints.
                let username = value["from"]["username"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                crate::engagement::record_simulated_comment(
                    &mut st,
                    &id,
                    &media_id,
                    &text,
                    &username,
                    &from_id,
                    b.parent_id.as_deref(),
                );
                (if b.live { "live_comments" } else { "comments" }, value)
            }
            ChangeKind::Mention => {
                let mut value = json!({"media_id": media_id});
                if let Some(c) = &b.comment_id {
                    value["comment_id"] = json!(c);
                }
                ("mentions", value)
            }
            ChangeKind::StoryInsights => {
                let mut value = json!({"media_id": media_id, "exits": 3, "replies": 0, "reach": 44, "taps_forward": 4, "taps_back": 3, "impressions": 444});
                for (k, v) in &b.metrics {
                    if v.is_number() {
                        value[k] = v.clone();
                    }
                }
                ("story_insights", value)
            }
        };
        webhooks::emit(
            &mut st,
            &entry_id,
            WebhookPayload::Change {
                field: field.to_owned(),
                value: value.clone(),
            },
        );
        Ok(SimulatedChange {
            field: field.to_owned(),
            value,
        })
    }
}

async fn simulate(sb: Sandbox, kind: ChangeKind, body: axum::body::Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(format!("the body is not JSON: {e}")),
    };
    let account = v
        .get("account")
        .and_then(Value::as_str)
        .unwrap_or("business")
        .to_owned();
    match sb.simulate_change(kind, &account, &v) {
        Ok(c) => Json(c).into_response(),
        Err(e) => bad(e),
    }
}

/// The routes of this module.
pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/_sandbox/webhooks", get(status))
        .route(
            "/_sandbox/webhooks/subscribe",
            post(subscribe).delete(unsubscribe),
        )
        .route("/_sandbox/webhooks/test", post(send_test))
        .route(
            "/_sandbox/simulate/comment",
            post(|AxState(sb): AxState<Sandbox>, b: axum::body::Bytes| {
                simulate(sb, ChangeKind::Comment, b)
            }),
        )
        .route(
            "/_sandbox/simulate/mention",
            post(|AxState(sb): AxState<Sandbox>, b: axum::body::Bytes| {
                simulate(sb, ChangeKind::Mention, b)
            }),
        )
        .route(
            "/_sandbox/simulate/story_insights",
            post(|AxState(sb): AxState<Sandbox>, b: axum::body::Bytes| {
                simulate(sb, ChangeKind::StoryInsights, b)
            }),
        )
}
