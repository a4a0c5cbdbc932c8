//! A stateful local emulator of Meta's Instagram Graph API.
//!
//! One base URL serves both login families (Facebook Login on graph.facebook.com with `EAA…`
//! tokens and Instagram Login on graph.instagram.com with `IGAA…` tokens): the token decides.
//! It seeds two accounts with profiles and media, checks tokens, `appsecret_proof` and scopes,
//! returns Meta's error bodies, paginates with opaque cursors, emits usage headers, throttles,
//! and can inject faults. A control API under `/_sandbox` drives the clock, faults and tokens.
//! With [`SandboxConfig::deterministic`] every id, token, trace id and cursor is reproducible.

#![warn(missing_docs)]

mod auth;
mod clock;
mod config;
mod control;
mod engagement;
mod errors;
mod fields;
mod graph;
mod messaging;
mod oauth;
mod paging;
mod params;
mod publishing;
mod rng;
mod seed;
pub mod simulate;
mod state;
pub mod subscription;
mod types;
mod usage;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, post};

pub use auth::appsecret_proof;
pub use config::{ClockMode, DETERMINISTIC_START_UNIX, SandboxConfig};
pub use errors::SandboxError;
pub use messaging::{MessagingLimits, ReplyableComment};
pub use oauth::{OAuthAppSettings, TokenResponseShape, TokenSummary, token_fingerprint};
pub use publishing::{
    AmbiguousKind, MediaUrlOutcome, MediaUrlRule, PublishedPost, PublishingConfig,
    PublishingSettings,
};
pub use simulate::{
    SimAttachment, SimUser, SimulatedBlock, SimulatedDm, SimulatedEvent, SimulatedPostback,
    SimulatedReaction, SimulatedRead, SimulationError,
};
pub use types::{
    AuthMethod, Fault, LoginFamily, ProofState, RecordedRequest, SeededAccount, TokenKind,
    TokenSpec,
};

use state::{PendingFault, State};

/// A sandbox instance. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Mutex<State>>,
    initial: Arc<SandboxConfig>,
    /// Webhook subscription and delivery log (kept across [`Sandbox::reset`]).
    hub: Arc<Mutex<subscription::Hub>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("config", &self.initial)
            .finish_non_exhaustive()
    }
}

fn seeded_state(config: SandboxConfig) -> State {
    let mut st = State::empty(config);
    seed::seed_defaults(&mut st);
    st
}

impl Sandbox {
    /// A sandbox seeded with the default `business` (Facebook Login) and `creator`
    /// (Instagram Login) accounts.
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            inner: Arc::new(Mutex::new(seeded_state(config.clone()))),
            initial: Arc::new(config),
            hub: Arc::default(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn hub(&self) -> MutexGuard<'_, subscription::Hub> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Axum router serving Graph paths (`/{version}/…` and unversioned) and the control API
    /// under `/_sandbox`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/_sandbox/accounts", get(control::accounts))
            .route("/_sandbox/clock", get(control::clock))
            .route("/_sandbox/clock/advance", post(control::advance))
            .route(
                "/_sandbox/faults",
                post(control::add_fault)
                    .get(control::list_faults)
                    .delete(control::clear_faults),
            )
            .route(
                "/_sandbox/requests",
                get(control::requests).delete(control::clear_requests),
            )
            .route("/_sandbox/tokens", post(control::mint_token))
            .route("/_sandbox/tokens/revoke", post(control::revoke_token))
            .route("/_sandbox/apps/{app_id}", post(control::set_app))
            .route(
                "/_sandbox/budgets",
                get(control::get_budgets).post(control::set_budgets),
            )
            .route("/_sandbox/reset", post(control::reset))
            .route("/_sandbox/engagement", get(engagement::overview_route))
            .merge(oauth::routes())
            .merge(simulate::routes())
            .merge(subscription::routes())
            .merge(publishing::routes())
            .method_not_allowed_fallback(control::method_not_allowed)
            .fallback(graph::handle)
            .with_state(self.clone())
    }

    /// The seeded accounts, with their tokens and app secrets.
    pub fn accounts(&self) -> Vec<SeededAccount> {
        self.lock().accounts.clone()
    }

    /// Sandbox clock, unix seconds.
    pub fn now(&self) -> i64 {
        self.lock().now()
    }

    /// Moves the sandbox clock forward by `seconds` (negative values are ignored).
    pub fn advance(&self, seconds: i64) {
        self.lock().clock.advance(seconds);
    }

    /// Graph requests received so far (oldest first; secrets redacted; the newest 10 000).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.iter().cloned().collect()
    }

    /// Empties the request log, returning how many entries it held.
    pub fn clear_requests(&self) -> usize {
        let mut st = self.lock();
        let n = st.requests.len();
        st.requests.clear();
        n
    }

    /// Queues a fault; it fires on the next `times` matching Graph requests (after auth).
    /// A fault with `times == 0` is ignored.
    pub fn inject_fault(&self, fault: Fault) {
        if fault.times == 0 {
            return;
        }
        let remaining = fault.times;
        self.lock().faults.push(PendingFault { fault, remaining });
    }

    /// Drops all pending faults, returning how many there were.
    pub fn clear_faults(&self) -> usize {
        let mut st = self.lock();
        let n = st.faults.len();
        st.faults.clear();
        n
    }

    /// Makes `appsecret_proof` mandatory (or optional) for an app's tokens. Unknown app ids
    /// are ignored.
    pub fn set_require_appsecret_proof(&self, app_id: &str, required: bool) {
        if let Some(app) = self.lock().apps.get_mut(app_id) {
            app.require_proof = required;
        }
    }

    /// Changes the app (per hour) and/or Instagram BUC (per day) call budgets.
    pub fn set_budgets(&self, app_budget_per_hour: Option<u32>, buc_budget_per_day: Option<u32>) {
        let mut st = self.lock();
        if let Some(b) = app_budget_per_hour {
            st.config.app_budget_per_hour = b;
        }
        if let Some(b) = buc_budget_per_day {
            st.config.buc_budget_per_day = b;
        }
    }

    /// Issues a new token for a seeded account.
    pub fn mint_token(&self, spec: TokenSpec) -> Result<String, SandboxError> {
        seed::mint(&mut self.lock(), &spec)
    }

    /// Revokes a token; later calls with it fail with code 190, subcode 460.
    pub fn revoke_token(&self, access_token: &str) -> Result<(), SandboxError> {
        match self.lock().tokens.get_mut(access_token) {
            Some(t) => {
                t.revoked = true;
                Ok(())
            }
            None => Err(SandboxError::UnknownToken),
        }
    }

    /// Takes every queued webhook event, oldest first.
    pub fn take_webhooks(&self) -> Vec<webhooks::WebhookEvent> {
        self.lock().outbox.drain(..).collect()
    }

    /// A handle that is notified whenever a webhook event is queued.
    pub fn webhook_notify(&self) -> Arc<tokio::sync::Notify> {
        self.lock().outbox_notify.clone()
    }

    /// Restores the freshly seeded state of the original config (clock, budgets, tokens,
    /// faults and request log included).
    pub fn reset(&self) {
        let mut st = self.lock();
        let notify = st.outbox_notify.clone();
        *st = seeded_state((*self.initial).clone());
        // Deliverers keep waiting on the same handle across resets.
        st.outbox_notify = notify;
    }
}

/// A sandbox served over HTTP by a tokio task. Dropping it stops the server.
pub struct RunningSandbox {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base_url: String,
    /// The served sandbox (shares state with the server).
    pub sandbox: Sandbox,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl RunningSandbox {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits for the server task to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Binds `addr` (use `127.0.0.1:0` in tests) and serves a new sandbox in a tokio task.
pub async fn spawn(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<RunningSandbox> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let sandbox = Sandbox::new(config);
    let router = sandbox.router();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "sandbox server stopped with an error");
        }
    });
    Ok(RunningSandbox {
        base_url: format!("http://{addr}"),
        sandbox,
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}
