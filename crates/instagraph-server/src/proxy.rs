//! The authenticated Graph proxy: `/graph/{version}/{path}` (GET, POST, DELETE) and
//! `/graph/{version}` (batch POST, multi-id GET).
//!
//! Clients call it with one of our API keys (`Authorization: Bearer igk_…`, or LowCodeAPI's
//! `?api_token=` / `?api_key=`), never with a platform token: the proxy picks the account, and
//! forwards the call with that account's [`instagraph::Client`], so the token, the
//! `appsecret_proof`, retries of safe calls, local rate budgets and usage-based pacing all
//! apply. The platform's status and JSON body come back as they are (`?wrap=data` or
//! `X-Instagraph-Wrap: data` wraps them in `{ "data": … }`, like LowCodeAPI).
//!
//! # Keys and scopes
//! * No key, an unknown key or a revoked key: **401**.
//! * GET needs the `read` scope; POST and DELETE need `read_write` (a batch of GETs only needs
//!   `read`): otherwise **403**.
//! * The account is the `X-Instagraph-Account` header or the `account` parameter, else the first
//!   path segment when it is a known account id, else the key's only account, else the default
//!   account. A key limited to accounts gets **403** for any other, including when the path
//!   names another known account.
//!
//! # What is refused before the platform sees it (400)
//! A caller-supplied `access_token` or `appsecret_proof` (the proxy owns tokens), malformed
//! versions and paths, and known writes that break the platform's documented limits: captions
//! of `POST {ig-user}/media` (2,200 characters, 30 hashtags, 20 mentions), comment and reply
//! text, Send API messages, batches. Refusals use the Graph error shape
//! `{"error":{"message":…,"type":"InstagraphValidation","code":100}}`.
//!
//! # Credentials never reach the caller
//! Token endpoints (`oauth/…`, `access_token`, `refresh_access_token`, `debug_token`) are
//! refused (403). In responses, fields named `access_token`, `appsecret_proof`,
//! `client_secret` or `refresh_token` (Page tokens from `/me/accounts`, say) read `REDACTED`,
//! and credentials in URLs (`paging.next`) are redacted, batch bodies included.
//!
//! # Limits
//! Account scoping is by the token used: a key limited to an account acts with that account's
//! token only, but objects that token can reach (with Facebook Login, a user who manages
//! several accounts) are the platform's to refuse. `paging.next` URLs point at the platform,
//! not at the proxy: follow them by passing their `after` cursor to the proxy.
//!
//! # Logging
//! One `tracing::info!` per call: the key's name, the account, method, path, the names (never
//! the values) of the query parameters, status and duration. Never a key, token or proof.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use instagraph::ratelimit::OperationClass;
use instagraph::{ApiVersion, Request};
use instagraph_agent::{ActionError, ClientSource};
use instagraph_store::Store;
use instagraph_store::api_keys::{ApiKey, hash_key, looks_like_key};
use serde_json::{Value, json};

/// The header naming the account a call acts as.
pub const ACCOUNT_HEADER: &str = "x-instagraph-account";
/// The header asking for the `{ "data": … }` envelope (value `data`).
pub const WRAP_HEADER: &str = "x-instagraph-wrap";
/// The response header carrying the platform's usage figures (JSON), when known.
pub const USAGE_HEADER: &str = "x-instagraph-usage";
/// How often a key's `last_used_at_ms` is written at most (one write per key per minute).
const TOUCH_EVERY_MS: i64 = 60_000;
/// Parameters only the proxy may set.
const OWNED_PARAMS: [&str; 2] = ["access_token", "appsecret_proof"];
/// Paths (first segment) that mint, exchange or inspect tokens: never proxied.
const TOKEN_ENDPOINTS: [&str; 4] = [
    "oauth",
    "access_token",
    "refresh_access_token",
    "debug_token",
];
/// Response fields whose values are credentials: replaced before the caller sees them.
const SECRET_FIELDS: [&str; 4] = [
    "access_token",
    "appsecret_proof",
    "client_secret",
    "refresh_token",
];

/// The proxy: API keys from the store, accounts from a [`ClientSource`].
pub struct Proxy {
    store: Arc<dyn Store>,
    accounts: Arc<dyn ClientSource>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A proxy checking keys in `store` and acting as the accounts of `accounts`.
    pub fn new(store: Arc<dyn Store>, accounts: Arc<dyn ClientSource>) -> Self {
        Self { store, accounts }
    }

    /// The proxy's routes: `/graph/{version}` and `/graph/{version}/{*path}`.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/graph/{version}", get(handle).post(handle))
            .route(
                "/graph/{version}/{*path}",
                get(handle).post(handle).delete(handle),
            )
            .with_state(self)
    }
}

/// A refusal by the proxy itself, in the Graph error shape.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    kind: &'static str,
    code: i64,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, kind: &'static str, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            code,
            message: message.into(),
        }
    }

    fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "InstagraphAuth", 190, message)
    }

    fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "InstagraphScope", 200, message)
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InstagraphValidation",
            100,
            message,
        )
    }

    fn body(&self) -> Value {
        json!({ "error": { "message": self.message, "type": self.kind, "code": self.code } })
    }
}

/// What the platform answered (or what stands for it).
struct Forwarded {
    status: u16,
    body: Vec<u8>,
    usage: Option<String>,
}

/// One incoming call, as the handler received it.
struct Call<'a> {
    method: &'a Method,
    version: &'a str,
    path: &'a str,
    headers: &'a HeaderMap,
    incoming: &'a Incoming,
    bytes: &'a [u8],
}

/// What the log line of a call says.
#[derive(Default)]
struct CallLog {
    key: Option<String>,
    account: Option<String>,
}

/// The query split into what the proxy takes and what it forwards.
#[derive(Default)]
struct Incoming {
    forward: Vec<(String, String)>,
    api_key: Option<String>,
    account: Option<String>,
    wrap: bool,
    owned: Option<String>,
}

impl Incoming {
    fn parse(query: Option<&str>) -> Result<Self, Refusal> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|_| Refusal::invalid("the query string is not valid URL encoding"))?;
        let mut inc = Incoming::default();
        for (k, v) in pairs {
            match k.as_str() {
                "api_token" | "api_key" => inc.api_key = Some(v),
                "account" => inc.account = Some(v),
                "wrap" => inc.wrap = v.trim().eq_ignore_ascii_case("data"),
                _ if OWNED_PARAMS.contains(&k.as_str()) => inc.owned = Some(k),
                _ => inc.forward.push((k, v)),
            }
        }
        Ok(inc)
    }

    /// The names of the forwarded parameters, for the log.
    fn names(&self) -> String {
        let mut names: Vec<&str> = self.forward.iter().map(|(k, _)| k.as_str()).collect();
        names.dedup();
        names.join(",")
    }
}

/// A parsed request body.
enum Body {
    None,
    Form(Vec<(String, String)>),
    Json(serde_json::Map<String, Value>),
}

impl Body {
    fn parse(headers: &HeaderMap, bytes: &[u8]) -> Result<Body, Refusal> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body::None);
        }
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ct.starts_with("application/json") {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(Value::Object(map)) => Ok(Body::Json(map)),
                _ => Err(Refusal::invalid("the JSON body must be an object")),
            }
        } else if ct.starts_with("application/x-www-form-urlencoded") || ct.is_empty() {
            serde_urlencoded::from_bytes(bytes)
                .map(Body::Form)
                .map_err(|_| Refusal::invalid("the form body is not valid URL encoding"))
        } else {
            Err(Refusal::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "InstagraphValidation",
                100,
                "the proxy takes application/json or application/x-www-form-urlencoded bodies \
                 (upload files with the resumable upload, not through the proxy)",
            ))
        }
    }

    fn owned_param(&self) -> Option<&str> {
        match self {
            Body::None => None,
            Body::Form(f) => f
                .iter()
                .map(|(k, _)| k.as_str())
                .find(|k| OWNED_PARAMS.contains(k)),
            Body::Json(m) => OWNED_PARAMS.into_iter().find(|k| m.contains_key(*k)),
        }
    }
}

/// A parameter from the body or the query: JSON values as they are, form and query values as
/// strings.
fn param(body: &Body, query: &[(String, String)], name: &str) -> Option<Value> {
    let from_body = match body {
        Body::Json(m) => m.get(name).cloned(),
        Body::Form(f) => f
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Value::String(v.clone())),
        Body::None => None,
    };
    from_body.or_else(|| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Value::String(v.clone()))
    })
}

/// A parameter that holds JSON (an object, or a string of JSON, as form bodies carry it).
fn json_param(body: &Body, query: &[(String, String)], name: &str) -> Option<Value> {
    match param(body, query, name)? {
        Value::String(s) => serde_json::from_str(&s).ok().or(Some(Value::String(s))),
        v => Some(v),
    }
}

/// Checks a Graph path: segments of letters, digits and `_ - . : , @`, no `.`/`..`.
fn check_path(path: &str) -> Result<Vec<String>, Refusal> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let mut segs = Vec::new();
    for seg in trimmed.split('/') {
        let ok = !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg.len() <= 200
            && seg.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b',' | b'@')
            });
        if !ok {
            return Err(Refusal::invalid(
                "the Graph path must be ids and edges such as 17841…/media (letters, digits, \
                 `_`, `-`, `.`, `:`, `,`, `@`; no empty, `.` or `..` segments)",
            ));
        }
        segs.push(seg.to_owned());
    }
    Ok(segs)
}

fn check_version(v: &str) -> Result<ApiVersion, Refusal> {
    match ApiVersion::parse(v) {
        Ok(version) if v.starts_with('v') => Ok(version),
        _ => Err(Refusal::invalid(format!(
            "unknown Graph API version {:?}: use a version such as v25.0 (/graph/v25.0/me)",
            v.chars().take(16).collect::<String>()
        ))),
    }
}

/// The first path segment of a batch operation's `relative_url` (after an optional version).
fn batch_first_segment(relative_url: &str) -> Option<String> {
    let path = relative_url.split('?').next().unwrap_or("");
    let mut segs = path.trim_start_matches('/').split('/');
    let first = segs.next()?;
    let first = if first.starts_with('v') && ApiVersion::parse(first).is_ok() {
        segs.next()?
    } else {
        first
    };
    Some(first.to_owned()).filter(|s| !s.is_empty())
}

/// The operations of a batch call, checked (1 to 50, methods, relative URLs, names).
fn batch_ops(body: &Body, query: &[(String, String)]) -> Result<Vec<Value>, Refusal> {
    let raw = json_param(body, query, "batch")
        .ok_or_else(|| Refusal::invalid("a POST to the version root needs a `batch` parameter"))?;
    let ops: Vec<instagraph::ops::batch::BatchOp> = serde_json::from_value(raw.clone())
        .map_err(|e| Refusal::invalid(format!("`batch` is not a list of operations: {e}")))?;
    instagraph::ops::batch::check_batch(&ops).map_err(|e| Refusal::invalid(e.to_string()))?;
    for op in &ops {
        let url = op.relative_url.to_ascii_lowercase();
        let body = op.body.as_deref().unwrap_or("").to_ascii_lowercase();
        if OWNED_PARAMS
            .iter()
            .any(|p| url.contains(&format!("{p}=")) || body.contains(&format!("{p}=")))
        {
            return Err(Refusal::invalid(
                "batch operations may not carry access_token or appsecret_proof: the proxy adds \
                 the account's credentials",
            ));
        }
    }
    match raw {
        Value::Array(items) => Ok(items),
        _ => Ok(Vec::new()),
    }
}

/// A client check's refusal as the proxy's (the client's message names field, limit and value).
fn refused(e: instagraph::Error) -> Refusal {
    Refusal::invalid(e.to_string())
}

/// Checks a Send API `message` object with the client's messaging checks.
fn check_message(msg: &Value) -> Result<(), Refusal> {
    use instagraph::ops::messaging::{
        ButtonTemplate, GenericTemplate, OutgoingMessage, QuickReplies,
    };
    let invalid =
        |what: &str, e: serde_json::Error| Refusal::invalid(format!("invalid message.{what}: {e}"));
    if let Some(text) = msg.get("text").and_then(Value::as_str) {
        return match msg.get("quick_replies") {
            Some(q) => {
                let replies =
                    serde_json::from_value(q.clone()).map_err(|e| invalid("quick_replies", e))?;
                QuickReplies {
                    text: text.to_owned(),
                    quick_replies: replies,
                }
                .validate()
                .map_err(refused)
            }
            None => OutgoingMessage::Text(text.to_owned())
                .validate()
                .map_err(refused),
        };
    }
    let Some(payload) = msg.get("attachment").and_then(|a| {
        (a.get("type").and_then(Value::as_str) == Some("template"))
            .then(|| a.get("payload"))
            .flatten()
    }) else {
        return Ok(());
    };
    match payload.get("template_type").and_then(Value::as_str) {
        Some("button") => serde_json::from_value::<ButtonTemplate>(payload.clone())
            .map_err(|e| invalid("attachment.payload", e))?
            .validate()
            .map_err(refused),
        Some("generic") => serde_json::from_value::<GenericTemplate>(payload.clone())
            .map_err(|e| invalid("attachment.payload", e))?
            .validate()
            .map_err(refused),
        _ => Ok(()),
    }
}

/// The client's checks for the writes whose limits are documented; anything else is left to
/// the platform.
fn validate_write(
    method: &Method,
    segs: &[String],
    body: &Body,
    query: &[(String, String)],
) -> Result<(), Refusal> {
    if method != Method::POST || segs.len() != 2 {
        return Ok(());
    }
    let text = |name: &str| match param(body, query, name) {
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
        None => None,
    };
    match segs[1].as_str() {
        "media" => {
            if let Some(caption) = text("caption") {
                instagraph::ops::publishing::check_caption(&caption).map_err(refused)?;
            }
        }
        "comments" | "replies" | "mentions" => {
            if let Some(message) = text("message") {
                instagraph::ops::comments::check_comment_text(&message).map_err(refused)?;
            }
        }
        "messages" => match json_param(body, query, "message") {
            Some(msg @ Value::Object(_)) => check_message(&msg)?,
            Some(other) => {
                return Err(Refusal::invalid(format!(
                    "invalid message: expected a JSON object such as {{\"text\":\"hi\"}}, got {}",
                    other.to_string().chars().take(80).collect::<String>()
                )));
            }
            None => {}
        },
        _ => {}
    }
    Ok(())
}

/// The local budget a call counts against.
fn class_of(
    method: &Method,
    segs: &[String],
    body: &Body,
    query: &[(String, String)],
) -> OperationClass {
    let edge = segs.get(1).map(String::as_str);
    match (method.as_str(), segs.len(), edge) {
        ("POST", 2, Some("messages")) => {
            let private =
                json_param(body, query, "recipient").is_some_and(|r| r.get("comment_id").is_some());
            if private {
                OperationClass::PrivateReplies
            } else {
                OperationClass::Messaging
            }
        }
        ("POST", 2, Some("media")) => OperationClass::MediaUpload,
        ("GET", 2, Some("conversations")) => OperationClass::Conversations,
        _ => OperationClass::Other,
    }
}

fn account_refusal(e: ActionError) -> Refusal {
    match e {
        ActionError::Store(m) => Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "InstagraphUnavailable",
            2,
            format!("the account store is unavailable: {m}"),
        ),
        other => Refusal::new(
            StatusCode::BAD_REQUEST,
            "InstagraphAccount",
            100,
            other.to_string(),
        ),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Proxy {
    /// The key of the call: `Authorization: Bearer`, else `api_token` / `api_key`.
    async fn authenticate(
        &self,
        headers: &HeaderMap,
        from_query: Option<&str>,
    ) -> Result<ApiKey, Refusal> {
        let Some(given) = crate::bearer(headers).or(from_query.map(str::trim)) else {
            return Err(Refusal::unauthorized(
                "missing API key: send `Authorization: Bearer igk_…` or `?api_token=igk_…` \
                 (create one with `instagraph keys create`)",
            ));
        };
        if !looks_like_key(given) {
            return Err(Refusal::unauthorized(
                "that is not an Instagraph API key (igk_…): the proxy takes our keys, never a \
                 platform token (create one with `instagraph keys create`)",
            ));
        }
        match self.store.api_key_by_hash(&hash_key(given)).await {
            Ok(Some(key)) => Ok(key),
            Ok(None) => Err(Refusal::unauthorized("unknown or revoked API key")),
            Err(error) => {
                tracing::error!(%error, "API key lookup failed");
                Err(Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "InstagraphUnavailable",
                    2,
                    "the key store is unavailable; try again",
                ))
            }
        }
    }

    /// Refuses when `account` (a path segment or a batch target) is a known account the key
    /// may not act as.
    async fn check_named_account(&self, key: &ApiKey, account: &str) -> Result<(), Refusal> {
        if key.accounts.is_empty() {
            return Ok(());
        }
        let keys = match self.accounts.resolve(Some(account)).await {
            Ok(r) => r.keys,
            Err(_) => vec![account.to_owned()],
        };
        if key.allows_account(keys.iter().map(String::as_str)) {
            Ok(())
        } else {
            Err(Self::not_allowed(key, account))
        }
    }

    fn not_allowed(key: &ApiKey, account: &str) -> Refusal {
        Refusal::forbidden(format!(
            "API key {:?} may not act as account {account:?} (it is limited to: {})",
            key.name,
            key.accounts.join(", ")
        ))
    }

    async fn serve(&self, call: Call<'_>, log: &mut CallLog) -> Result<Forwarded, Refusal> {
        let Call {
            method,
            version,
            path,
            headers,
            incoming,
            bytes,
        } = call;
        let key = self
            .authenticate(headers, incoming.api_key.as_deref())
            .await?;
        log.key = Some(key.name.clone());
        let now = now_ms();
        if key
            .last_used_at_ms
            .is_none_or(|t| now.saturating_sub(t) >= TOUCH_EVERY_MS)
            && let Err(error) = self.store.touch_api_key(key.id, now).await
        {
            tracing::warn!(%error, key = %key.name, "could not record the API key's use");
        }

        let body = Body::parse(headers, bytes)?;
        if let Some(p) = incoming.owned.as_deref().or(body.owned_param()) {
            return Err(Refusal::invalid(format!(
                "`{p}` may not be sent to the proxy: it adds the account's token and \
                 appsecret_proof itself"
            )));
        }
        let version = check_version(version)?;
        let segs = check_path(path)?;
        if segs
            .first()
            .is_some_and(|s| TOKEN_ENDPOINTS.contains(&s.as_str()))
        {
            return Err(Refusal::forbidden(
                "token endpoints are not served by the proxy: the service keeps the accounts' \
                 tokens (`instagraph auth`)",
            ));
        }

        // Scope: reads need `read`, writes `read_write` (a batch of GETs is a read).
        let batch = if segs.is_empty() && method == Method::POST {
            Some(batch_ops(&body, &incoming.forward)?)
        } else {
            None
        };
        let batch_reads_only = batch.as_ref().map(|ops| {
            ops.iter().all(|op| {
                op.get("method")
                    .and_then(Value::as_str)
                    .is_some_and(|m| m.eq_ignore_ascii_case("GET"))
            })
        });
        let writes = match batch_reads_only {
            Some(reads_only) => !reads_only,
            None => method != Method::GET,
        };
        if writes && !key.scope.allows_write() {
            return Err(Refusal::forbidden(format!(
                "API key {:?} has the read scope: {method} needs the read_write scope \
                 (`instagraph keys create NAME --scope read-write`)",
                key.name
            )));
        }

        // The account.
        let explicit = headers
            .get(ACCOUNT_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .or_else(|| incoming.account.clone().filter(|a| !a.trim().is_empty()));
        let known = self.accounts.known().await;
        let path_account = segs
            .first()
            .filter(|s| s.as_str() != "me" && known.contains(s))
            .cloned();
        let only = (key.accounts.len() == 1).then(|| key.accounts[0].clone());
        let target = explicit.clone().or(path_account.clone()).or(only);
        let resolved = self
            .accounts
            .resolve(target.as_deref())
            .await
            .map_err(account_refusal)?;
        log.account = resolved
            .keys
            .first()
            .cloned()
            .or_else(|| target.clone())
            .or_else(|| Some("me".to_owned()));
        if !key.allows_account(resolved.keys.iter().map(String::as_str)) {
            let shown = target
                .or_else(|| resolved.keys.first().cloned())
                .unwrap_or_else(|| "the default account".to_owned());
            return Err(Self::not_allowed(&key, &shown));
        }
        if let Some(pa) = &path_account
            && !resolved.keys.contains(pa)
        {
            self.check_named_account(&key, pa).await?;
        }
        if let Some(ops) = &batch {
            for op in ops {
                if let Some(first) = op
                    .get("relative_url")
                    .and_then(Value::as_str)
                    .and_then(batch_first_segment)
                    && first != "me"
                    && known.contains(&first)
                    && !resolved.keys.contains(&first)
                {
                    self.check_named_account(&key, &first).await?;
                }
            }
        }

        // The platform's documented limits, before it sees the call.
        validate_write(method, &segs, &body, &incoming.forward)?;

        let graph_path = segs.join("/");
        let mut req = match *method {
            Method::GET => Request::get(graph_path),
            Method::POST => Request::post(graph_path),
            Method::DELETE => Request::delete(graph_path),
            _ => {
                return Err(Refusal::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "InstagraphValidation",
                    100,
                    "the proxy takes GET, POST and DELETE",
                ));
            }
        };
        req = req.class(class_of(method, &segs, &body, &incoming.forward));
        for (k, v) in &incoming.forward {
            req = req.query(k.clone(), v.clone());
        }
        match body {
            Body::None => {}
            Body::Form(fields) => {
                for (k, v) in fields {
                    req = req.form(k, v);
                }
            }
            Body::Json(map) => req = req.json(Value::Object(map)),
        }
        if batch_reads_only == Some(true) {
            req = req.retry_safe();
        }

        let client = if resolved.client.config().api_version == version {
            resolved.client
        } else {
            resolved.client.with_api_version(version)
        };
        let sent = client.send(req).await;
        let usage = Some(client.last_usage())
            .filter(|u| !u.is_empty())
            .and_then(|u| serde_json::to_string(&u).ok());
        match sent {
            Ok(resp) => Ok(Forwarded {
                status: resp.status,
                body: scrub_body(resp.body),
                usage,
            }),
            Err(e) => forwarded_error(e, usage),
        }
    }
}

/// A client error as the proxy's answer: the platform's errors pass through with their status;
/// failures on our side become Graph-shaped errors.
fn forwarded_error(e: instagraph::Error, usage: Option<String>) -> Result<Forwarded, Refusal> {
    use instagraph::Error;
    match e {
        Error::Graph { status, error, .. } => Ok(Forwarded {
            status,
            body: serde_json::to_vec(&json!({ "error": error })).unwrap_or_default(),
            usage,
        }),
        Error::Http { status, snippet } => {
            let body = match serde_json::from_str::<Value>(&snippet) {
                Ok(v) => v,
                Err(_) => json!({ "error": {
                    "message": format!("the platform answered HTTP {status}: {snippet}"),
                    "type": "InstagraphUpstream",
                    "code": 2,
                }}),
            };
            Ok(Forwarded {
                status: if (100..600).contains(&status) {
                    status
                } else {
                    502
                },
                body: serde_json::to_vec(&body).unwrap_or_default(),
                usage,
            })
        }
        e @ (Error::InvalidInput { .. } | Error::Unsupported { .. } | Error::NotOffered { .. }) => {
            Err(Refusal::invalid(e.to_string()))
        }
        e @ (Error::BudgetExhausted { .. } | Error::Throttled { .. }) => Err(Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "InstagraphRateLimit",
            4,
            e.to_string(),
        )),
        e => Err(Refusal::new(
            StatusCode::BAD_GATEWAY,
            "InstagraphUpstream",
            2,
            e.to_string(),
        )),
    }
}

/// Replaces credentials in a platform response: Page tokens (`/me/accounts`,
/// `?fields=access_token`), and tokens in `paging` URLs, including inside batch bodies (JSON
/// in strings). Bodies without any such name pass through byte for byte.
fn scrub_body(body: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&body);
    if !SECRET_FIELDS.iter().any(|f| text.contains(f)) {
        return body;
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(mut v) => {
            scrub(&mut v);
            serde_json::to_vec(&v).unwrap_or_default()
        }
        // Not JSON but naming a credential: keep nothing of it.
        Err(_) => serde_json::to_vec(&json!({ "error": {
            "message": "the platform's answer was not JSON and mentioned a credential; withheld",
            "type": "InstagraphUpstream",
            "code": 2,
        }}))
        .unwrap_or_default(),
    }
}

fn scrub(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, inner) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) {
                    *inner = Value::String("REDACTED".to_owned());
                } else {
                    scrub(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        Value::String(s) if SECRET_FIELDS.iter().any(|f| s.contains(f)) => {
            let t = s.trim_start();
            if (t.starts_with('{') || t.starts_with('['))
                && let Ok(mut inner) = serde_json::from_str::<Value>(s)
            {
                scrub(&mut inner);
                *s = inner.to_string();
            } else {
                *s = instagraph::redact_url(s);
            }
        }
        _ => {}
    }
}

fn respond(status: StatusCode, body: Vec<u8>, wrap: bool, usage: Option<String>) -> Response {
    let body = if wrap {
        let inner = if body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
        };
        serde_json::to_vec(&json!({ "data": inner })).unwrap_or_default()
    } else {
        body
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(u) = usage.and_then(|u| HeaderValue::from_str(&u).ok()) {
        resp.headers_mut().insert(USAGE_HEADER, u);
    }
    resp
}

async fn handle(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    Path(params): Path<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let started = Instant::now();
    let version = params.get("version").map(String::as_str).unwrap_or("");
    let path = params.get("path").map(String::as_str).unwrap_or("");
    let mut log = CallLog::default();
    let header_wrap = headers
        .get(WRAP_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("data"));
    let (incoming, outcome) = match Incoming::parse(uri.query()) {
        Ok(inc) => {
            let call = Call {
                method: &method,
                version,
                path,
                headers: &headers,
                incoming: &inc,
                bytes: &bytes,
            };
            let outcome = proxy.serve(call, &mut log).await;
            (inc, outcome)
        }
        Err(refusal) => (Incoming::default(), Err(refusal)),
    };
    let wrap = header_wrap || incoming.wrap;
    let (status, response) = match outcome {
        Ok(f) => {
            let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, respond(status, f.body, wrap, f.usage))
        }
        Err(r) => {
            let body = serde_json::to_vec(&r.body()).unwrap_or_default();
            (r.status, respond(r.status, body, wrap, None))
        }
    };
    let shown_path: String = format!("/{version}/{path}").chars().take(200).collect();
    tracing::info!(
        key = log.key.as_deref().unwrap_or("-"),
        account = log.account.as_deref().unwrap_or("-"),
        method = %method,
        path = %shown_path,
        params = %incoming.names(),
        status = status.as_u16(),
        duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "graph proxy call"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_owned_params_are_split_off() {
        let inc = Incoming::parse(Some(
            "fields=id%2Cname&api_token=igk_x&account=shop&wrap=data&limit=5",
        ))
        .unwrap();
        assert_eq!(
            inc.forward,
            vec![
                ("fields".to_owned(), "id,name".to_owned()),
                ("limit".to_owned(), "5".to_owned())
            ]
        );
        assert_eq!(inc.api_key.as_deref(), Some("igk_x"));
        assert_eq!(inc.account.as_deref(), Some("shop"));
        assert!(inc.wrap);
        assert_eq!(inc.names(), "fields,limit");
        let inc = Incoming::parse(Some("access_token=EAAB")).unwrap();
        assert_eq!(inc.owned.as_deref(), Some("access_token"));
        assert!(inc.forward.is_empty());
    }

    #[test]
    fn paths_and_versions_are_checked() {
        assert_eq!(check_path("17841/media").unwrap(), vec!["17841", "media"]);
        assert!(check_path("").unwrap().is_empty());
        assert!(check_path("me/../x").is_err());
        assert!(check_path("me//x").is_err());
        assert!(check_path("me?access_token=x").is_err());
        assert!(check_path("me#x").is_err());
        assert!(check_version("v21.0").is_ok());
        assert!(check_version("21.0").is_err());
        assert!(check_version("latest").is_err());
    }

    #[test]
    fn known_writes_are_validated() {
        let post = Method::POST;
        let segs = |p: &str| check_path(p).unwrap();
        let tags: String = (0..31).map(|i| format!("#t{i} ")).collect();
        let form = Body::Form(vec![("caption".into(), tags)]);
        assert!(validate_write(&post, &segs("1784/media"), &form, &[]).is_err());
        let ok = Body::Form(vec![("caption".into(), "hi #one".into())]);
        assert!(validate_write(&post, &segs("1784/media"), &ok, &[]).is_ok());
        let long = vec![("message".to_owned(), "x".repeat(301))];
        assert!(validate_write(&post, &segs("1790/replies"), &Body::None, &long).is_err());
        let msg = Body::Json(
            json!({"recipient": {"id": "1"}, "message": {"text": "x".repeat(1001)}})
                .as_object()
                .cloned()
                .unwrap(),
        );
        assert!(validate_write(&post, &segs("me/messages"), &msg, &[]).is_err());
        let form_msg = Body::Form(vec![("message".into(), r#"{"text":"hello"}"#.into())]);
        assert!(validate_write(&post, &segs("me/messages"), &form_msg, &[]).is_ok());
        assert!(validate_write(&Method::GET, &segs("1784/media"), &form, &[]).is_ok());
    }

    #[test]
    fn credentials_are_scrubbed_from_responses() {
        let body = json!({
            "data": [{ "id": "1", "access_token": "EAAPAGE" }],
            "paging": { "next": "https://g.example/v25.0/me/accounts?access_token=EAAUSER&after=abc" },
        });
        let out = scrub_body(serde_json::to_vec(&body).unwrap());
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains("EAAPAGE") && !text.contains("EAAUSER"),
            "{text}"
        );
        assert!(text.contains("after=abc"), "{text}");
        let batch =
            json!([{ "code": 200, "body": "{\"id\":\"2\",\"access_token\":\"EAABATCH\"}" }]);
        let text = String::from_utf8(scrub_body(serde_json::to_vec(&batch).unwrap())).unwrap();
        assert!(
            !text.contains("EAABATCH") && text.contains("REDACTED"),
            "{text}"
        );
        let plain = br#"{"id":"3"}"#.to_vec();
        assert_eq!(scrub_body(plain.clone()), plain);
    }

    #[test]
    fn batch_targets_skip_the_version() {
        assert_eq!(
            batch_first_segment("v21.0/17841/media?fields=id").as_deref(),
            Some("17841")
        );
        assert_eq!(batch_first_segment("me?fields=id").as_deref(), Some("me"));
    }
}
