//! # instagraph-server
//!
//! The long-running Instagraph service: health and readiness over its store, and the webhook
//! receiver ([`webhook`]: verified, durable, deduplicated, forwarded, streamed). The scheduler,
//! MCP endpoint and Graph proxy are added here as routes and background tasks, all sharing one
//! [`AppState`].
//!
//! [`start`] binds, serves in a background task, and returns a [`RunningServer`] with the bound
//! address and a shutdown handle, so the CLI and tests drive it the same way.

pub mod accounts;
pub mod mcp_http;
pub mod media_host;
pub mod proxy;
pub mod scheduler;
pub mod tokens;
pub mod webhook;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use instagraph_store::Store;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the service needs to run.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// A description of the database for status output (never holds a password).
    pub db_label: String,
    /// The Graph base URL the service talks to (the built-in sandbox when no credentials are set).
    pub graph_base_url: String,
    /// Whether that base URL is the built-in sandbox.
    pub sandbox: bool,
    /// The key (`Authorization: Bearer KEY`) that protects the event API (`/events`,
    /// `/events/stream`, `/webhook/stats`). Without one, those routes answer only on a
    /// loopback listener.
    pub api_key: Option<SecretString>,
}

/// State shared by every route and worker.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Durable storage.
    pub store: Arc<dyn Store>,
    /// The configuration.
    pub config: ServerConfig,
    /// The webhook receiver, when configured.
    pub webhooks: Option<std::sync::Arc<webhook::WebhookRuntime>>,
    /// Local images served to the platform's fetcher while their containers need them.
    pub media: Option<media_host::MediaHost>,
    /// The authenticated Graph proxy (`/graph/{version}/...`), when configured.
    pub proxy: Option<Arc<proxy::Proxy>>,
    /// MCP over streamable HTTP (`/mcp`, behind an API key), when configured.
    pub mcp: Option<Arc<mcp_http::McpEndpoint>>,
}

/// Failures starting the service.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The server task failed.
    #[error("server failed: {0}")]
    Serve(#[from] std::io::Error),
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/", get(index))
        .with_state(state.clone());
    if let Some(rt) = &state.webhooks {
        let receiver = Router::new()
            .route(
                "/webhook",
                get(webhook::handshake)
                    .post(webhook::receive)
                    .layer(axum::extract::DefaultBodyLimit::disable()),
            )
            .with_state(rt.clone());
        let protected = Router::new()
            .route("/events", get(webhook::list_events))
            .route("/events/stream", get(webhook::stream_events))
            .route("/webhook/stats", get(webhook::stats))
            .with_state(rt.clone())
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                require_key,
            ));
        app = app.merge(receiver).merge(protected);
    }
    if let Some(media) = &state.media {
        app = app.merge(media.router());
    }
    if let Some(proxy) = &state.proxy {
        app = app.merge(proxy.clone().router());
    }
    if let Some(mcp) = &state.mcp {
        app = app.merge(mcp.clone().router());
    }
    app
}

/// The key a request presents as `Authorization: Bearer KEY` (the scheme in any case).
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|k| !k.is_empty())
}

/// Guards the event API: the API key when configured; otherwise only a loopback listener.
async fn require_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match &state.config.api_key {
        Some(key) => {
            let given = bearer(req.headers()).unwrap_or_default();
            let ok: bool =
                subtle::ConstantTimeEq::ct_eq(given.as_bytes(), key.expose_secret().as_bytes())
                    .into();
            if !ok {
                return (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"error": "this route needs `Authorization: Bearer <api key>`"})),
                )
                    .into_response();
            }
        }
        None if !state.config.listen.ip().is_loopback() => {
            return (
                StatusCode::FORBIDDEN,
                Json(json!({"error": "the event API is only served on loopback unless an API key is configured (INSTAGRAPH_API_KEY)"})),
            )
                .into_response();
        }
        None => {}
    }
    next.run(req).await
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.health().await {
        Ok(()) => (
            StatusCode::OK,
            Json(
                json!({ "status": "ok", "db": "ok", "backend": format!("{:?}", state.store.backend()).to_lowercase() }),
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "store health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "db": e.to_string() })),
            )
        }
    }
}

async fn index(State(state): State<AppState>) -> impl IntoResponse {
    let mut routes = vec!["/healthz", "/readyz"];
    if state.webhooks.is_some() {
        routes.extend(["/webhook", "/events", "/events/stream", "/webhook/stats"]);
    }
    if state.proxy.is_some() {
        routes.push("/graph/{version}/{path}");
    }
    if state.mcp.is_some() {
        routes.push("/mcp");
    }
    Json(json!({
        "service": "instagraph",
        "version": env!("CARGO_PKG_VERSION"),
        "db": state.config.db_label,
        "graph_base_url": state.config.graph_base_url,
        "sandbox": state.config.sandbox,
        "routes": routes,
    }))
}

/// A running service.
#[derive(Debug)]
pub struct RunningServer {
    /// The bound address.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// The service's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, finishes in-flight requests, and waits for the task.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(r) => r.map_err(ServerError::Serve),
            Err(e) => Err(ServerError::Serve(std::io::Error::other(e))),
        }
    }

    /// Waits until the server stops by itself (it normally does not).
    pub async fn wait(mut self) -> Result<(), ServerError> {
        match (&mut self.task).await {
            Ok(r) => r.map_err(ServerError::Serve),
            Err(e) => Err(ServerError::Serve(std::io::Error::other(e))),
        }
    }
}

/// Binds and serves in a background task.
pub async fn start(state: AppState) -> Result<RunningServer, ServerError> {
    let addr = state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(ServerError::Serve)?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = router(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    tracing::info!(%addr, "instagraph service listening");
    Ok(RunningServer {
        addr,
        shutdown: Some(tx),
        task,
    })
}
