//! The transport: one [`Client`] that builds URLs for the configured family and version, sends
//! the token as `Authorization: Bearer`, adds `appsecret_proof`, maps errors, retries what is
//! safe to retry, paces itself against the platform's usage headers and local budgets, and
//! follows cursors.

use crate::clock::{SharedClock, TokioClock};
use crate::config::{ApiVersion, ClientConfig, LoginFamily};
use crate::error::{Error, GraphError};
use crate::paging::{Page, PageGuard, Step};
use crate::ratelimit::{
    Acquire, BudgetSink, LocalBudgets, LocalUsage, OperationClass, PlatformUsage,
};
use futures_util::Stream;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use sha2::Sha256;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use reqwest::Method;

/// Query parameters whose values are secrets and are redacted wherever URLs are shown.
pub const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "appsecret_proof",
    "client_secret",
    "code",
    "fb_exchange_token",
    "input_token",
    "refresh_token",
];

/// Replaces the values of secret query parameters in a URL or query string with `REDACTED`.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, q),
        None => return url.to_owned(),
    };
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k) => format!("{k}=REDACTED"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", redacted.join("&"))
}

/// Computes `appsecret_proof`: lowercase hex HMAC-SHA256 of the token keyed by the app secret.
pub fn appsecret_proof(app_secret: &str, access_token: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(access_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// One request to the Graph API.
#[derive(Clone, Debug)]
#[must_use]
pub struct Request {
    /// HTTP method.
    pub method: Method,
    /// Path relative to the version root (`me`, `17841…/media`), or an absolute URL taken from
    /// `paging.next` (rebased onto the configured base URL before sending).
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Form body parameters (POST).
    pub form: Option<Vec<(String, String)>>,
    /// JSON body (POST).
    pub json: Option<serde_json::Value>,
    /// Whether the call may be retried automatically.
    pub idempotent: bool,
    /// The local budget it counts against.
    pub class: OperationClass,
    /// Whether `path` already carries a version (`v25.0/...`) or is absolute.
    pub versioned: bool,
}

impl Request {
    fn new(method: Method, path: impl Into<String>, idempotent: bool) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            form: None,
            json: None,
            idempotent,
            class: OperationClass::Other,
            versioned: false,
        }
    }

    /// A GET (idempotent: retried on retryable failures).
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path, true)
    }

    /// A POST (not retried unless [`Request::retry_safe`] is called).
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path, false)
    }

    /// A DELETE (idempotent).
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path, true)
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds a form field (the body becomes `application/x-www-form-urlencoded`).
    pub fn form(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.form
            .get_or_insert_with(Vec::new)
            .push((key.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.json = Some(body);
        self
    }

    /// Sets the operation class for local budgets.
    pub fn class(mut self, class: OperationClass) -> Self {
        self.class = class;
        self
    }

    /// Marks a non-GET call as safe to retry (the operation is idempotent on the platform).
    pub fn retry_safe(mut self) -> Self {
        self.idempotent = true;
        self
    }
}

/// A successful response: status and raw body.
#[derive(Clone, Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body as received.
    pub body: Vec<u8>,
}

impl Response {
    /// Decodes the body; failures name the JSON path.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode(&self.body)
    }
}

/// Decodes JSON with the failing path named.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| Error::Decode {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    base: String,
    proof: Option<String>,
    account: String,
    usage: Mutex<(PlatformUsage, i64)>,
    /// Shared with clients derived by [`Client::with_access_token`].
    budgets: Arc<Mutex<LocalBudgets>>,
    /// The IGSID profile cache (see `ops::messaging`), shared like the budgets.
    profiles: Arc<crate::ops::messaging::ProfileCache>,
    sink: Option<Arc<dyn BudgetSink>>,
    clock: SharedClock,
    /// The media host and the containers this client created (see `ops::publishing`).
    publishing: crate::ops::publishing::PublishingLocal,
}

/// The Instagram Graph API client. Cheap to clone; clones share usage and budgets.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("login", &self.inner.config.login)
            .field("base_url", &self.inner.base)
            .field("api_version", &self.inner.config.api_version)
            .field("appsecret_proof", &self.inner.proof.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`] with optional persistence and clock.
#[must_use]
pub struct ClientBuilder {
    config: ClientConfig,
    sink: Option<Arc<dyn BudgetSink>>,
    restore: Vec<(String, i64)>,
    clock: Option<SharedClock>,
    profile_ttl: Option<Duration>,
    media_host: Option<Arc<dyn crate::ops::publishing::MediaHost>>,
}

impl ClientBuilder {
    /// Registers the host that serves local images at public URLs while containers are created
    /// (see [`crate::ops::publishing::MediaHost`]).
    pub fn media_host(mut self, host: Arc<dyn crate::ops::publishing::MediaHost>) -> Self {
        self.media_host = Some(host);
        self
    }

    /// How long IGSID profiles stay cached (default
    /// [`crate::ops::messaging::DEFAULT_PROFILE_TTL`]); zero disables the cache.
    pub fn profile_cache_ttl(mut self, ttl: Duration) -> Self {
        self.profile_ttl = Some(ttl);
        self
    }

    /// Persists local budget usage through `sink`.
    pub fn budget_sink(mut self, sink: Arc<dyn BudgetSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Restores budget usage recorded earlier (`(key, unix ms)` pairs).
    pub fn restore_budgets(mut self, entries: Vec<(String, i64)>) -> Self {
        self.restore = entries;
        self
    }

    /// Uses another clock (tests).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the client. Fails on an unusable base URL or an empty token.
    pub fn build(self) -> Result<Client, Error> {
        let config = self.config;
        let base = config.effective_base_url();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(Error::invalid_input(
                "base_url",
                "an http:// or https:// URL",
                &base,
            ));
        }
        if base.contains('?') || base.contains('#') {
            return Err(Error::invalid_input(
                "base_url",
                "a URL without query or fragment",
                &base,
            ));
        }
        let token = config.access_token.expose_secret();
        if token.trim().is_empty() {
            return Err(Error::Config(
                "no access token: set --token or INSTAGRAPH_ACCESS_TOKEN".into(),
            ));
        }
        let proof = config
            .app_secret
            .as_ref()
            .map(|s| appsecret_proof(s.expose_secret(), token));
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("instagraph/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {}", e.without_url())))?;
        let account = config
            .account
            .clone()
            .or_else(|| config.ig_user_id.as_ref().map(|i| i.to_string()))
            .unwrap_or_else(|| "default".to_owned());
        let mut budgets = LocalBudgets::default();
        budgets.restore(self.restore);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                proof,
                account,
                usage: Mutex::new((PlatformUsage::default(), 0)),
                budgets: Arc::new(Mutex::new(budgets)),
                profiles: Arc::new(crate::ops::messaging::ProfileCache::new(
                    self.profile_ttl
                        .unwrap_or(crate::ops::messaging::DEFAULT_PROFILE_TTL),
                )),
                sink: self.sink,
                clock: self.clock.unwrap_or_else(|| Arc::new(TokioClock::new())),
                publishing: crate::ops::publishing::PublishingLocal::new(self.media_host),
                config,
            }),
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Client {
    /// A builder from a configuration.
    pub fn builder(config: ClientConfig) -> ClientBuilder {
        ClientBuilder {
            config,
            sink: None,
            restore: Vec::new(),
            clock: None,
            profile_ttl: None,
            media_host: None,
        }
    }

    /// A client with defaults for everything but the configuration.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// The configuration (secrets stay wrapped).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The login family.
    pub fn login(&self) -> LoginFamily {
        self.inner.config.login
    }

    /// Whether calls carry `appsecret_proof`.
    pub fn uses_appsecret_proof(&self) -> bool {
        self.inner.proof.is_some()
    }

    /// Now, by the client's clock (unix milliseconds).
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub(crate) fn profile_cache(&self) -> &crate::ops::messaging::ProfileCache {
        &self.inner.profiles
    }

    /// The account local budgets are kept under.
    pub(crate) fn budget_account(&self) -> &str {
        &self.inner.account
    }

    /// Runs `f` on the local budgets, with now (unix ms) by the client's clock; for operations
    /// that keep their own bookkeeping in them (`ops::hashtags`).
    pub(crate) fn with_local_budgets<R>(&self, f: impl FnOnce(&mut LocalBudgets, i64) -> R) -> R {
        let now = self.inner.clock.now_ms();
        f(&mut lock(&self.inner.budgets), now)
    }

    /// Persists one budget record through the sink, when one is configured.
    pub(crate) async fn persist_budget_record(&self, key: &str, at_ms: i64) {
        if let Some(sink) = &self.inner.sink {
            sink.record(key, at_ms).await;
        }
    }

    /// The base URL calls go to.
    pub(crate) fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The HTTP client (no redirects followed; the token is added per Graph call only).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The access token, for the one call that needs it outside `Authorization: Bearer`
    /// (the resumable upload's `Authorization: OAuth`).
    pub(crate) fn access_token(&self) -> &str {
        self.inner.config.access_token.expose_secret()
    }

    pub(crate) fn publishing_local(&self) -> &crate::ops::publishing::PublishingLocal {
        &self.inner.publishing
    }

    /// The same client with another access token (a Page token for Facebook Login messaging):
    /// same configuration, clock and budget persistence; local budgets and the profile cache are
    /// shared with this client, so pacing holds across both.
    pub fn with_access_token(&self, token: impl Into<String>) -> Result<Client, Error> {
        let token: String = token.into();
        if token.trim().is_empty() {
            return Err(Error::Config("the new access token is empty".into()));
        }
        let mut config = self.inner.config.clone();
        let proof = config
            .app_secret
            .as_ref()
            .map(|s| appsecret_proof(s.expose_secret(), &token));
        config.access_token = secrecy::SecretString::from(token);
        Ok(Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base: self.inner.base.clone(),
                proof,
                account: self.inner.account.clone(),
                usage: Mutex::new(lock(&self.inner.usage).clone()),
                budgets: self.inner.budgets.clone(),
                profiles: self.inner.profiles.clone(),
                sink: self.inner.sink.clone(),
                clock: self.inner.clock.clone(),
                publishing: self.inner.publishing.clone(),
                config,
            }),
        })
    }

    /// The same client pinned to another API version (an agent or proxy caller asking for
    /// `v21.0`, say); token, clock, budgets and caches are shared with this client.
    pub fn with_api_version(&self, version: ApiVersion) -> Client {
        let mut config = self.inner.config.clone();
        config.api_version = version;
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base: self.inner.base.clone(),
                proof: self.inner.proof.clone(),
                account: self.inner.account.clone(),
                usage: Mutex::new(lock(&self.inner.usage).clone()),
                budgets: self.inner.budgets.clone(),
                profiles: self.inner.profiles.clone(),
                sink: self.inner.sink.clone(),
                clock: self.inner.clock.clone(),
                publishing: self.inner.publishing.clone(),
                config,
            }),
        }
    }

    /// The platform's usage figures from the last response that carried them.
    pub fn last_usage(&self) -> PlatformUsage {
        lock(&self.inner.usage).0.clone()
    }

    /// Our own budget figures, one row per configured class.
    pub fn local_usage(&self) -> Vec<LocalUsage> {
        let now = self.inner.clock.now_ms();
        let budgets = lock(&self.inner.budgets);
        self.inner
            .config
            .budgets
            .budgets
            .iter()
            .map(|(class, b)| {
                let key = LocalBudgets::key(*class, &self.inner.account);
                LocalUsage {
                    used: budgets.used(&key, b.window_secs, now),
                    key,
                    class: *class,
                    limit: b.limit,
                    window_secs: b.window_secs,
                }
            })
            .collect()
    }

    /// Fails before the network when the configured family does not offer `operation`.
    pub fn require_family(
        &self,
        family: LoginFamily,
        operation: &'static str,
        hint: Option<&'static str>,
    ) -> Result<(), Error> {
        if self.login() == family {
            Ok(())
        } else {
            Err(Error::Unsupported {
                operation,
                family: self.login(),
                hint,
            })
        }
    }

    /// The node for "this account": the configured IG user id on Facebook Login, `me` on
    /// Instagram Login.
    pub fn account_node(&self) -> Result<String, Error> {
        match (self.login(), &self.inner.config.ig_user_id) {
            (_, Some(id)) => Ok(id.to_string()),
            (LoginFamily::Instagram, None) => Ok("me".to_owned()),
            (LoginFamily::Facebook, None) => Err(Error::Config(
                "Facebook Login calls need the IG user id: set --ig-user-id or INSTAGRAPH_IG_USER_ID (see `instagraph me`)".into(),
            )),
        }
    }

    fn url_for(&self, req: &Request) -> Result<String, Error> {
        let base = &self.inner.base;
        if req.path.starts_with("http://") || req.path.starts_with("https://") {
            // A `paging.next` URL: keep its path and query, but always send to our base URL, so
            // a token never goes to a host we were not configured for.
            return Ok(rebase_next(base, &req.path));
        }
        let path = req.path.trim_start_matches('/');
        if path.split('/').any(|seg| seg == ".." || seg == ".") || path.contains("://") {
            return Err(Error::invalid_input(
                "path",
                "a Graph path without '..' segments or a host",
                &req.path,
            ));
        }
        if req.versioned {
            Ok(format!("{base}/{path}"))
        } else {
            Ok(format!("{base}/{}/{path}", self.inner.config.api_version))
        }
    }

    /// Takes a slot from the local budget of `class`, waiting (with tokio's clock) while the
    /// budget is spent, or failing with [`Error::BudgetExhausted`] when the wait would exceed
    /// `max_wait_secs`. Every call does this itself; bulk jobs may call it to reserve ahead.
    pub async fn acquire_budget(&self, class: OperationClass) -> Result<(), Error> {
        let Some(budget) = self.inner.config.budgets.budgets.get(&class).copied() else {
            return Ok(());
        };
        let key = LocalBudgets::key(class, &self.inner.account);
        loop {
            let now = self.inner.clock.now_ms();
            let outcome = lock(&self.inner.budgets).try_acquire(&key, budget, now);
            match outcome {
                Acquire::Granted => {
                    // Per-second pacing is not worth a write; hourly budgets survive restarts.
                    if budget.window_secs >= 60
                        && let Some(sink) = &self.inner.sink
                    {
                        sink.record(&key, now).await;
                    }
                    return Ok(());
                }
                Acquire::WaitUntil(t) => {
                    // Per-second windows get a margin: the platform counts from when it received
                    // a call, a little after we sent it.
                    let margin = if budget.window_secs < 60 {
                        crate::ratelimit::SHORT_WINDOW_MARGIN_MS
                    } else {
                        0
                    };
                    let wait_ms = u64::try_from(t.saturating_sub(now).saturating_add(margin))
                        .unwrap_or(u64::MAX);
                    if wait_ms / 1000 > self.inner.config.budgets.max_wait_secs {
                        return Err(Error::BudgetExhausted {
                            class: class.as_str().to_owned(),
                            limit: budget.limit,
                            window_secs: budget.window_secs,
                            wait_secs: wait_ms.div_ceil(1000),
                        });
                    }
                    tracing::info!(
                        class = class.as_str(),
                        wait_ms,
                        "local budget spent: pacing"
                    );
                    tokio::time::sleep(Duration::from_millis(wait_ms.max(1))).await;
                }
            }
        }
    }

    async fn pace(&self) -> Result<(), Error> {
        let (usage, at) = lock(&self.inner.usage).clone();
        if usage.is_empty() {
            return Ok(());
        }
        let spacing = self.inner.config.budgets.pacing.delay(&usage);
        let elapsed = u64::try_from(self.inner.clock.now_ms().saturating_sub(at)).unwrap_or(0);
        let wait = spacing.saturating_sub(Duration::from_millis(elapsed));
        if wait.is_zero() {
            return Ok(());
        }
        if wait.as_secs() > self.inner.config.budgets.max_wait_secs {
            return Err(Error::Throttled {
                percent: usage.max_percent(),
                wait_secs: wait.as_secs(),
            });
        }
        tracing::info!(
            wait_ms = wait.as_millis() as u64,
            percent = usage.max_percent(),
            "platform usage high: pacing"
        );
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn record_usage(&self, headers: &reqwest::header::HeaderMap) {
        let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        let usage =
            PlatformUsage::from_headers(get("x-app-usage"), get("x-business-use-case-usage"));
        if !usage.is_empty() {
            *lock(&self.inner.usage) = (usage, self.inner.clock.now_ms());
        }
    }

    async fn attempt(&self, req: &Request, url: &str) -> Result<Response, Error> {
        let mut rb = self
            .inner
            .http
            .request(req.method.clone(), url)
            .bearer_auth(self.inner.config.access_token.expose_secret());
        let mut query = req.query.clone();
        if let Some(proof) = &self.inner.proof {
            query.push(("appsecret_proof".to_owned(), proof.clone()));
        }
        if !query.is_empty() {
            rb = rb.query(&query);
        }
        if let Some(form) = &req.form {
            rb = rb.form(form);
        } else if let Some(json) = &req.json {
            rb = rb.json(json);
        }
        let resp = rb.send().await?;
        let status = resp.status().as_u16();
        self.record_usage(resp.headers());
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = resp.bytes().await?.to_vec();
        tracing::debug!(method = %req.method, url = %redact_url(url), status, "graph call");
        if (200..300).contains(&status) {
            return Ok(Response { status, body });
        }
        match GraphError::from_body(&body) {
            Some(error) => {
                let class = error.class();
                Err(Error::Graph {
                    status,
                    error: Box::new(error),
                    class,
                    retry_after,
                })
            }
            None => Err(Error::Http {
                status,
                snippet: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
            }),
        }
    }

    /// Sends a request with pacing, budgets, retries and error mapping.
    pub async fn send(&self, req: Request) -> Result<Response, Error> {
        let url = self.url_for(&req)?;
        self.acquire_budget(req.class).await?;
        let policy = &self.inner.config.retry;
        let mut retry = 0;
        loop {
            if retry == 0 {
                // Before a retry the backoff (which honours the server's hints) already waited.
                self.pace().await?;
            }
            let err = match self.attempt(&req, &url).await {
                Ok(resp) => return Ok(resp),
                Err(e) => e,
            };
            if !req.idempotent || !err.is_retryable() {
                return Err(err);
            }
            let hint = match &err {
                Error::Graph {
                    retry_after: Some(d),
                    ..
                } => Some(*d),
                Error::Graph { error, .. } => error
                    .regain_access_minutes()
                    .filter(|m| *m > 0)
                    .or_else(|| Some(self.last_usage().regain_minutes()).filter(|m| *m > 0))
                    .map(|m| Duration::from_secs(m * 60)),
                _ => None,
            };
            let Some(delay) = policy.delay(retry, hint, fastrand::f64()) else {
                return Err(err);
            };
            tracing::warn!(retry = retry + 1, delay_ms = delay.as_millis() as u64, error = %err, "retrying");
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    /// Sends and decodes the JSON body into `T`.
    pub async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        self.send(req).await?.decode()
    }

    /// Fetches one page of a list.
    pub async fn page<T: DeserializeOwned>(&self, req: Request) -> Result<Page<T>, Error> {
        self.send_json(req).await
    }

    /// Streams every item of a list, following `paging.next` with the guards of [`PageGuard`]:
    /// a repeated cursor ends the stream with [`Error::PaginationLoop`]; runs of empty pages that
    /// still carry `next` end it quietly.
    pub fn stream<T: DeserializeOwned + Send + 'static>(
        &self,
        first: Request,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        self.pages(first).flat_map_items()
    }

    /// Streams whole pages (see [`Client::stream`]).
    pub fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        first: Request,
    ) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static {
        struct State {
            client: Client,
            next: Option<Request>,
            pending: Option<Error>,
            guard: PageGuard,
        }
        let state = State {
            client: self.clone(),
            next: Some(first),
            pending: None,
            guard: PageGuard::default(),
        };
        futures_util::stream::unfold(state, |mut st| async move {
            if let Some(err) = st.pending.take() {
                return Some((Err(err), st));
            }
            let req = st.next.take()?;
            let template = req.clone();
            match st.client.page::<T>(req).await {
                Err(e) => Some((Err(e), st)),
                Ok(page) => {
                    match st.guard.step(&page) {
                        Step::Done => {}
                        Step::Next(url) => {
                            st.next = Some(Request {
                                path: url,
                                query: Vec::new(),
                                versioned: true,
                                ..template
                            });
                        }
                        Step::Loop(cursor) => st.pending = Some(Error::PaginationLoop(cursor)),
                    }
                    Some((Ok(page), st))
                }
            }
        })
    }
}

/// Flattens a stream of pages into a stream of items.
trait FlatItems<T> {
    fn flat_map_items(self) -> futures_util::stream::BoxStream<'static, Result<T, Error>>;
}

impl<T: Send + 'static, S> FlatItems<T> for S
where
    S: Stream<Item = Result<Page<T>, Error>> + Send + 'static,
{
    fn flat_map_items(self) -> futures_util::stream::BoxStream<'static, Result<T, Error>> {
        use futures_util::StreamExt;
        self.flat_map(|page| {
            let items: Vec<Result<T, Error>> = match page {
                Ok(p) => p.data.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            futures_util::stream::iter(items)
        })
        .boxed()
    }
}

/// Keeps `next`'s path and query on our own Graph base (a token never goes to another host) and
/// drops the credentials it may embed.
pub(crate) fn rebase_next(graph_base: &str, next: &str) -> String {
    let after_scheme = next.split_once("://").map(|(_, r)| r).unwrap_or(next);
    let path_and_query = after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .unwrap_or("/");
    let base_path = graph_base
        .split_once("://")
        .and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
        .unwrap_or("");
    let rel = path_and_query
        .strip_prefix(base_path)
        .unwrap_or(path_and_query);
    let (path, query) = rel.split_once('?').unwrap_or((rel, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            let k = p.split_once('=').map(|(k, _)| k).unwrap_or(p);
            !p.is_empty() && k != "access_token" && k != "appsecret_proof"
        })
        .collect();
    if kept.is_empty() {
        format!("{graph_base}{path}")
    } else {
        format!("{graph_base}{path}?{}", kept.join("&"))
    }
}
