//! The webhook receiver and everything behind it.
//!
//! * `GET /webhook`: Meta's subscription handshake (`hub.mode=subscribe`, constant-time check
//!   of `hub.verify_token`, echo of `hub.challenge`); anything else is 403.
//! * `POST /webhook`: the raw body is read under a size limit, `X-Hub-Signature-256` is
//!   checked over those exact bytes against every configured app secret (missing: 401,
//!   malformed or wrong: 403, nothing stored, the rejection recorded), then the body is stored
//!   through the group commit ([`ingest`]) and only then answered 200.
//! * A processor ([`process`]) splits stored payloads into deduplicated events, and a
//!   deliverer ([`deliver`]) forwards them.
//! * `GET /events` (JSON list) and `GET /events/stream` (Server-Sent Events, resumable with
//!   `Last-Event-ID`) for dashboards, and `GET /webhook/stats`; these need the API key when
//!   one is configured, and are refused on a non-loopback listener without one.

pub mod deliver;
pub mod ingest;
pub mod process;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use instagraph_store::Store;
use instagraph_store::webhooks::{EventQuery, IncomingPayload, Rejection};
use instagraph_webhook::{Handshake, SIGNATURE_HEADER, SignatureError};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Notify, watch};

pub use deliver::{Deliverer, ForwardFormat, ForwardTarget, TargetKind};
pub use ingest::Ingestor;

/// Default largest body accepted (Meta batches up to 1000 entries).
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Receiver settings.
#[derive(Clone)]
pub struct WebhookConfig {
    /// The token Meta must present in the handshake. Required: there is no default.
    pub verify_token: SecretString,
    /// App secrets a signature may be made with (Facebook app, Instagram app, an old one
    /// during rotation). At least one.
    pub app_secrets: Vec<SecretString>,
    /// Largest body accepted, bytes.
    pub body_limit: usize,
    /// Forwarding targets.
    pub targets: Vec<ForwardTarget>,
    /// Retry delays after the first forwarding attempt.
    pub retry_schedule: Vec<std::time::Duration>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("verify_token", &"set (hidden)")
            .field(
                "app_secrets",
                &format!("{} set (hidden)", self.app_secrets.len()),
            )
            .field("body_limit", &self.body_limit)
            .field("targets", &self.targets)
            .finish()
    }
}

/// Why the receiver cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WebhookConfigError {
    /// No verify token.
    #[error(
        "no webhook verify token: set INSTAGRAPH_VERIFY_TOKEN (there is deliberately no default)"
    )]
    NoVerifyToken,
    /// No app secret.
    #[error(
        "no app secret to verify webhook signatures: set INSTAGRAPH_APP_SECRET (comma-separated for several)"
    )]
    NoAppSecret,
    /// Two targets share a name.
    #[error("two forwarding targets are named `{0}`")]
    DuplicateTarget(String),
}

impl WebhookConfig {
    /// A config with the defaults; fails without a verify token or an app secret.
    pub fn new(verify_token: &str, app_secrets: Vec<String>) -> Result<Self, WebhookConfigError> {
        if verify_token.trim().is_empty() {
            return Err(WebhookConfigError::NoVerifyToken);
        }
        let app_secrets: Vec<SecretString> = app_secrets
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .map(SecretString::from)
            .collect();
        if app_secrets.is_empty() {
            return Err(WebhookConfigError::NoAppSecret);
        }
        Ok(Self {
            verify_token: SecretString::from(verify_token.to_owned()),
            app_secrets,
            body_limit: DEFAULT_BODY_LIMIT,
            targets: Vec::new(),
            retry_schedule: deliver::DEFAULT_SCHEDULE.to_vec(),
        })
    }

    /// Adds forwarding targets (names must be unique).
    pub fn with_targets(mut self, targets: Vec<ForwardTarget>) -> Result<Self, WebhookConfigError> {
        let mut seen = std::collections::BTreeSet::new();
        for t in &targets {
            if !seen.insert(t.name.clone()) {
                return Err(WebhookConfigError::DuplicateTarget(t.name.clone()));
            }
        }
        self.targets = targets;
        Ok(self)
    }
}

/// Counters kept in memory for the operator (the store has the durable ones).
#[derive(Debug, Default)]
pub struct Counters {
    /// Bodies accepted and stored.
    pub accepted: AtomicU64,
    /// Requests rejected (bad signature, too large, ...).
    pub rejected: AtomicU64,
    /// Rejections not written to the store because too many arrived at once.
    pub rejections_not_recorded: AtomicU64,
    /// Bodies that could not be stored (answered 503).
    pub store_failures: AtomicU64,
}

/// The running receiver: configuration, the group-commit writer, and the background tasks.
pub struct WebhookRuntime {
    config: WebhookConfig,
    store: Arc<dyn Store>,
    ingestor: Ingestor,
    latest_event: watch::Receiver<i64>,
    /// In-memory counters.
    pub counters: Counters,
    rejection_budget: std::sync::Mutex<(i64, u32)>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    clock: instagraph::clock::SharedClock,
}

impl std::fmt::Debug for WebhookRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRuntime")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Drop for WebhookRuntime {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Rejections written to the store per second at most (the rest are only counted), so that a
/// flood of bad requests cannot fill the disk.
const REJECTIONS_PER_SECOND: u32 = 20;

impl WebhookRuntime {
    /// Starts the writer, the processor and the deliverer.
    pub async fn start(
        config: WebhookConfig,
        store: Arc<dyn Store>,
        clock: instagraph::clock::SharedClock,
    ) -> Arc<Self> {
        let stored = Arc::new(Notify::new());
        let deliveries = Arc::new(Notify::new());
        let latest = store
            .events(&EventQuery {
                newest_first: true,
                limit: Some(1),
                ..Default::default()
            })
            .await
            .ok()
            .and_then(|v| v.first().map(|e| e.id))
            .unwrap_or(0);
        let (latest_tx, latest_rx) = watch::channel(latest);
        let ingested = Arc::new(AtomicU64::new(0));
        let (ingestor, writer) = Ingestor::start(store.clone(), stored.clone(), ingested.clone());
        // Whatever was stored before a restart is processed now.
        stored.notify_one();
        let filters = config.targets.iter().map(|t| t.filter()).collect();
        let processor = tokio::spawn(process::run(
            store.clone(),
            filters,
            clock.clone(),
            process::ProcessorSignals {
                stored,
                deliveries: deliveries.clone(),
                latest_event: latest_tx,
                ingested,
            },
        ));
        let deliverer = Deliverer::new(store.clone(), config.targets.clone())
            .with_schedule(config.retry_schedule.clone());
        let delivering = tokio::spawn(deliverer.run(clock.clone(), deliveries));
        Arc::new(Self {
            config,
            store,
            ingestor,
            latest_event: latest_rx,
            counters: Counters::default(),
            rejection_budget: std::sync::Mutex::new((0, 0)),
            tasks: vec![writer, processor, delivering],
            clock,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &WebhookConfig {
        &self.config
    }

    /// The highest stored event id, updated after every processing commit: await
    /// `changed()` on it to learn of new events without polling.
    pub fn latest_event(&self) -> watch::Receiver<i64> {
        self.latest_event.clone()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    async fn reject(&self, reason: &str, signature_present: bool, body_len: usize) {
        self.counters.rejected.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            reason,
            signature_present,
            body_len,
            "rejected a webhook request; nothing stored"
        );
        let now = self.clock.now_ms();
        let record = {
            let mut b = self
                .rejection_budget
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let second = now / 1000;
            if b.0 != second {
                *b = (second, 0);
            }
            b.1 += 1;
            b.1 <= REJECTIONS_PER_SECOND
        };
        if !record {
            self.counters
                .rejections_not_recorded
                .fetch_add(1, Ordering::Relaxed);
            return;
        }
        let r = Rejection {
            at: now,
            reason: reason.to_owned(),
            signature_present,
            body_len: i64::try_from(body_len).unwrap_or(i64::MAX),
        };
        if let Err(e) = self.store.record_rejection(&r).await {
            tracing::error!(error = %e, "could not record a webhook rejection");
        }
    }
}

/// `GET /webhook`: the subscription handshake.
pub async fn handshake(
    State(rt): State<Arc<WebhookRuntime>>,
    Query(h): Query<Handshake>,
) -> Response {
    match instagraph_webhook::verify_handshake(&h, rt.config.verify_token.expose_secret()) {
        Ok(challenge) => (
            StatusCode::OK,
            [("content-type", "text/plain")],
            challenge.to_owned(),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(reason = %e, "refused a webhook subscription handshake");
            (StatusCode::FORBIDDEN, e.to_string()).into_response()
        }
    }
}

/// `POST /webhook`: verify, store durably, then answer 200.
pub async fn receive(
    State(rt): State<Arc<WebhookRuntime>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok().map(str::to_owned));
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > rt.config.body_limit) {
        rt.reject("too_large", signature.is_some(), declared.unwrap_or(0))
            .await;
        return too_large(rt.config.body_limit);
    }
    let bytes: Bytes = match axum::body::to_bytes(body, rt.config.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            rt.reject("too_large", signature.is_some(), rt.config.body_limit)
                .await;
            return too_large(rt.config.body_limit);
        }
    };
    let secret_bytes: Vec<&[u8]> = rt
        .config
        .app_secrets
        .iter()
        .map(|s| s.expose_secret().as_bytes())
        .collect();
    let index =
        match instagraph_webhook::verify_signature(&secret_bytes, signature.as_deref(), &bytes) {
            Ok(i) => i,
            Err(e) => {
                let (status, reason) = match e {
                    SignatureError::Missing => (StatusCode::UNAUTHORIZED, "signature_missing"),
                    SignatureError::Malformed => (StatusCode::FORBIDDEN, "signature_malformed"),
                    SignatureError::Mismatch => (StatusCode::FORBIDDEN, "signature_mismatch"),
                    _ => (StatusCode::FORBIDDEN, "signature_unverifiable"),
                };
                rt.reject(reason, signature.is_some(), bytes.len()).await;
                return (status, Json(json!({"error": reason}))).into_response();
            }
        };
    let payload = IncomingPayload {
        received_at: rt.clock.now_ms(),
        body: bytes.into(),
        secret_index: i64::try_from(index).ok(),
    };
    match rt.ingestor.submit(payload).await {
        Ok(_) => {
            rt.counters.accepted.fetch_add(1, Ordering::Relaxed);
            (StatusCode::OK, "EVENT_RECEIVED").into_response()
        }
        Err(e) => {
            rt.counters.store_failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "webhook not stored; answered 503");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": "not stored, retry later"})),
            )
                .into_response()
        }
    }
}

fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(json!({"error": "body too large", "limit_bytes": limit})),
    )
        .into_response()
}

/// Query of `GET /events` and `GET /events/stream`.
#[derive(Debug, Default, Deserialize)]
pub struct EventsParams {
    /// Only ids after this.
    pub after: Option<i64>,
    /// Comma-separated event types.
    pub types: Option<String>,
    /// Only this account.
    pub account: Option<String>,
    /// At most this many (list only).
    pub limit: Option<u32>,
}

impl EventsParams {
    fn query(&self) -> EventQuery {
        EventQuery {
            after_id: self.after,
            event_types: self
                .types
                .as_deref()
                .map(|t| {
                    t.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            account_id: self.account.clone(),
            limit: self.limit,
            ..Default::default()
        }
    }
}

/// `GET /events`: stored events as JSON.
pub async fn list_events(
    State(rt): State<Arc<WebhookRuntime>>,
    Query(p): Query<EventsParams>,
) -> Response {
    match rt.store.events(&p.query()).await {
        Ok(events) => Json(json!({ "data": events })).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

/// `GET /webhook/stats`: durable counts, in-memory counters and recent rejections.
pub async fn stats(State(rt): State<Arc<WebhookRuntime>>) -> Response {
    let stats = rt.store.webhook_stats().await;
    let rejections = rt.store.rejections(20).await;
    match (stats, rejections) {
        (Ok(s), Ok(r)) => Json(json!({
            "store": s,
            "since_start": {
                "accepted": rt.counters.accepted.load(Ordering::Relaxed),
                "rejected": rt.counters.rejected.load(Ordering::Relaxed),
                "rejections_not_recorded": rt.counters.rejections_not_recorded.load(Ordering::Relaxed),
                "store_failures": rt.counters.store_failures.load(Ordering::Relaxed),
            },
            "recent_rejections": r,
        }))
        .into_response(),
        (Err(e), _) | (_, Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

/// `GET /events/stream`: Server-Sent Events, one per stored event (`id` is the event id, so a
/// reconnecting client resumes with `Last-Event-ID`).
pub async fn stream_events(
    State(rt): State<Arc<WebhookRuntime>>,
    headers: HeaderMap,
    Query(p): Query<EventsParams>,
) -> Response {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let mut query = p.query();
    query.limit = Some(500);
    // Without a starting point, start from now.
    let start = resume
        .or(p.after)
        .unwrap_or_else(|| *rt.latest_event.borrow());
    let state = (
        rt.clone(),
        rt.latest_event.clone(),
        query,
        start,
        Vec::new(),
    );
    let stream = futures_util::stream::unfold(
        state,
        |(rt, mut latest, mut query, mut last, mut buffered): (
            Arc<WebhookRuntime>,
            watch::Receiver<i64>,
            EventQuery,
            i64,
            Vec<instagraph_store::webhooks::StoredEvent>,
        )| async move {
            loop {
                if let Some(e) = buffered.pop() {
                    let data = serde_json::to_string(&e).unwrap_or_default();
                    let event = SseEvent::default()
                        .id(e.id.to_string())
                        .event(e.event_type.clone())
                        .data(data);
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (rt, latest, query, last, buffered),
                    ));
                }
                let upto = *latest.borrow_and_update();
                query.after_id = Some(last);
                match rt.store.events(&query).await {
                    Ok(events) if !events.is_empty() => {
                        last = events.last().map_or(last, |e| e.id);
                        buffered = events.into_iter().rev().collect();
                        continue;
                    }
                    // Nothing (of the wanted types) up to `upto`.
                    Ok(_) => last = last.max(upto),
                    Err(e) => {
                        tracing::warn!(error = %e, "event stream could not read the store");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                }
                if latest.changed().await.is_err() {
                    return None;
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
