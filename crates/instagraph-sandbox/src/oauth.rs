//! OAuth for both login families on the sandbox's base URL, next to the Graph paths (none of
//! these paths is a Graph node or edge):
//!
//! | path | family | what |
//! |---|---|---|
//! | `GET /oauth/authorize` | Instagram | login dialog: auto-consent, 302 to `redirect_uri?code=…&state=…#_` |
//! | `GET [/{ver}]/dialog/oauth` | Facebook | login dialog: 302 to `redirect_uri?code=…&state=…#_=_` |
//! | `POST /oauth/access_token` (form) | Instagram | code → 1-hour token, in the app's configured response shape |
//! | `GET [/{ver}]/oauth/access_token` | Facebook | code → user token; `grant_type=fb_exchange_token` → 60 days; `client_credentials` → app token |
//! | `GET [/{ver}]/access_token?grant_type=ig_exchange_token` | Instagram | 1-hour → 60-day token |
//! | `GET [/{ver}]/refresh_access_token?grant_type=ig_refresh_token` | Instagram | new 60 days, only when ≥ 24 h old and unexpired |
//! | `GET [/{ver}]/debug_token?input_token&access_token=APP_ID\|SECRET` | Facebook | `data{…}`, also for expired/revoked tokens |
//!
//! Codes are single use and live 10 minutes; `redirect_uri` must match byte for byte; a code
//! with the `#_` suffix does not match. Instagram's code exchange answers errors in the flat
//! `{"error_type","code","error_message"}` form, everything else in the Graph envelope.
//! Tokens minted here live in the same table as the seeded ones (issued/expiry on the sandbox
//! clock, revocable). Control routes under `/_sandbox/oauth/…` queue denials, pick the token
//! response shape per app and list tokens (redacted).

use std::collections::{BTreeMap, BTreeSet};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Sandbox;
use crate::auth::{self, BodyKind, default_scopes};
use crate::errors::{GraphError, OAUTH, SandboxError};
use crate::graph::{fault_error, header_value};
use crate::state::{LONG_LIVED_SECS, State, Subject, TokenRecord};
use crate::types::{AuthMethod, LoginFamily, ProofState, RecordedRequest, TokenKind};

/// How long a login code may be exchanged (10 minutes).
pub(crate) const CODE_LIFETIME_SECS: i64 = 600;
/// Lifetime of the token a code is exchanged for (1 hour, both families).
pub(crate) const SHORT_LIVED_SECS: i64 = 3_600;
/// How old an Instagram-Login token must be to be refreshed (24 hours).
pub(crate) const MIN_REFRESH_AGE_SECS: i64 = 86_400;
/// `data_access_expires_at` is this long after issue (90 days).
const DATA_ACCESS_SECS: i64 = 90 * 86_400;
/// `application` in `debug_token`.
const APP_NAME: &str = "Instagraph Sandbox";

const IG_BASIC: &str = "instagram_business_basic";

/// Which of the three known shapes Instagram's code exchange answers in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenResponseShape {
    /// `{"data":[{"access_token","user_id":"…","permissions":"a,b"}]}` (current docs).
    #[default]
    Data,
    /// `{"access_token","user_id":123,"permissions":["a","b"]}` (restfb's fixture, practitioners).
    Flat,
    /// `{"access_token","user_id":123}` (the Basic-Display-era shape).
    Basic,
}

/// Login settings of one app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OAuthAppSettings {
    /// Shape of Instagram's code-exchange answer.
    pub token_response: TokenResponseShape,
    /// Registered redirect URIs, matched byte for byte; empty accepts any http(s) URI.
    pub redirect_uris: Vec<String>,
    /// Scopes the app may be granted; `None` = every scope of its family.
    pub allowed_scopes: Option<Vec<String>>,
}

/// A token as the control API lists it: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    /// First 16 hex characters of the token's SHA-256 (see [`token_fingerprint`]).
    pub fingerprint: String,
    /// The token's prefix and last four characters, e.g. `IGAA…x9Zq`.
    pub token: String,
    /// The app it belongs to.
    pub app_id: String,
    /// Its family.
    pub login: LoginFamily,
    /// User or Page token.
    pub kind: TokenKind,
    /// Whom it acts for (Facebook user, Page or IG user id).
    pub subject_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Issued (or last refreshed), sandbox clock, unix seconds.
    pub issued_at: i64,
    /// Expiry (unix seconds); `None` never expires.
    pub expires_at: Option<i64>,
    /// Revoked through the control API.
    pub revoked: bool,
    /// Expired by the sandbox clock.
    pub expired: bool,
}

/// The fingerprint [`TokenSummary`] lists a token under: the first 16 hex characters of its
/// SHA-256.
pub fn token_fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    hex::encode(digest).chars().take(16).collect()
}

fn redact(token: &str) -> String {
    let prefix: String = token
        .chars()
        .take_while(|c| c.is_ascii_uppercase())
        .take(4)
        .collect();
    let n = token.chars().count();
    let tail: String = token.chars().skip(n.saturating_sub(4)).collect();
    if n <= 12 {
        "REDACTED".to_string()
    } else {
        format!("{prefix}…{tail}")
    }
}

/// A code handed out by a login dialog.
#[derive(Clone, Debug)]
struct CodeGrant {
    app_id: String,
    family: LoginFamily,
    redirect_uri: String,
    scopes: BTreeSet<String>,
    subject: Subject,
    expires_at: i64,
    used: bool,
}

/// A queued "the user says no".
#[derive(Clone, Debug)]
struct Denial {
    app_id: Option<String>,
    description: Option<String>,
}

/// OAuth state kept in [`State`]: codes, queued denials, per-app settings.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    codes: BTreeMap<String, CodeGrant>,
    denials: Vec<Denial>,
    apps: BTreeMap<String, OAuthAppSettings>,
}

impl OAuthState {
    fn settings(&self, app_id: &str) -> OAuthAppSettings {
        self.apps.get(app_id).cloned().unwrap_or_default()
    }
}

// ---- request plumbing -------------------------------------------------------------------

enum Route {
    IgAuthorize,
    FbDialog,
    Token,
    IgExchange,
    IgRefresh,
    DebugToken,
}

/// Parameters of one request: query then body (later wins on lookup).
struct Req<'a> {
    method: &'a str,
    query: Vec<(String, String)>,
    body: Vec<(String, String)>,
    body_kind: BodyKind,
    authorization: Option<&'a str>,
}

impl Req<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.body
            .iter()
            .rev()
            .chain(self.query.iter().rev())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn credentials(&self) -> auth::Credentials {
        auth::extract(&self.query, &self.body, self.body_kind, self.authorization)
    }
}

/// What a handler decided.
enum Out {
    Ok(Value),
    /// Instagram's flat OAuth error, HTTP 400.
    Flat(String),
    Graph(GraphError),
    Redirect(String),
}

fn pairs(s: &str) -> Result<Vec<(String, String)>, GraphError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(s)
        .map_err(|_| GraphError::invalid_parameter("(#100) Malformed parameters"))
}

fn body_pairs(
    headers: &HeaderMap,
    body: Option<&Bytes>,
) -> Result<(Vec<(String, String)>, BodyKind), GraphError> {
    let Some(body) = body else {
        return Err(GraphError::invalid_parameter(
            "(#100) Request body too large",
        ));
    };
    if body.is_empty() {
        return Ok((Vec::new(), BodyKind::None));
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        let s = std::str::from_utf8(body)
            .map_err(|_| GraphError::invalid_parameter("(#100) Malformed parameters"))?;
        Ok((pairs(s)?, BodyKind::Form))
    } else if ct.starts_with("application/json") {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Err(GraphError::invalid_parameter(
                "(#100) The JSON request body must be an object",
            ));
        };
        let list = map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::Null => None,
                Value::String(s) => Some((k, s)),
                other => Some((k, other.to_string())),
            })
            .collect();
        Ok((list, BodyKind::Json))
    } else {
        Ok((Vec::new(), BodyKind::None))
    }
}

/// Parameters whose values never reach the request log.
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "appsecret_proof",
    "client_secret",
    "code",
    "fb_exchange_token",
    "input_token",
];

/// Handles an OAuth path; `None` leaves the request to the Graph router.
pub(crate) fn handle(st: &mut State, parts: &Parts, body: Option<&Bytes>) -> Option<Response> {
    let (_, segments) = crate::graph::split_version(parts.uri.path());
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let route = match segs.as_slice() {
        ["oauth", "authorize"] => Route::IgAuthorize,
        ["dialog", "oauth"] => Route::FbDialog,
        ["oauth", "access_token"] => Route::Token,
        ["access_token"] => Route::IgExchange,
        ["refresh_access_token"] => Route::IgRefresh,
        ["debug_token"] => Route::DebugToken,
        _ => return None,
    };
    let method = parts.method.as_str().to_ascii_uppercase();
    let mut record = RecordedRequest {
        method: method.clone(),
        path: parts.uri.path().to_string(),
        query: BTreeMap::new(),
        auth: AuthMethod::None,
        appsecret_proof: ProofState::Absent,
        status: 200,
        error_code: None,
    };
    let parsed = pairs(parts.uri.query().unwrap_or(""))
        .and_then(|q| body_pairs(&parts.headers, body).map(|b| (q, b)));
    let out = match parsed {
        Err(e) => Out::Graph(e),
        Ok((query, (body, body_kind))) => {
            record.query = query
                .iter()
                .map(|(k, v)| {
                    let v = if SECRET_PARAMS.contains(&k.as_str()) {
                        "REDACTED".to_string()
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect();
            let req = Req {
                method: &method,
                query,
                body,
                body_kind,
                authorization: parts
                    .headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok()),
            };
            record.auth = req.credentials().method;
            let dialog = matches!(route, Route::IgAuthorize | Route::FbDialog);
            match (!dialog)
                .then(|| st.take_fault(&method, parts.uri.path()))
                .flatten()
            {
                Some(fault) => Out::Graph(fault_error(fault)),
                None => match route {
                    Route::IgAuthorize => ig_authorize(st, &req),
                    Route::FbDialog => fb_dialog(st, &req),
                    Route::Token => token_endpoint(st, &req),
                    Route::IgExchange => ig_exchange(st, &req),
                    Route::IgRefresh => ig_refresh(st, &req),
                    Route::DebugToken => debug_token(st, &req),
                },
            }
        }
    };
    Some(respond(st, out, record))
}

fn respond(st: &mut State, out: Out, mut record: RecordedRequest) -> Response {
    let trace = st.next_trace_id();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store, must-revalidate"),
    );
    headers.insert("x-fb-trace-id", header_value(&trace));
    let (status, body) = match out {
        Out::Ok(v) => (200, v.to_string()),
        Out::Flat(message) => {
            record.error_code = Some(400);
            (
                400,
                json!({"error_type": OAUTH, "code": 400, "error_message": message}).to_string(),
            )
        }
        Out::Graph(e) => {
            record.error_code = Some(e.code);
            headers.insert(
                header::WWW_AUTHENTICATE,
                header_value(&e.www_authenticate()),
            );
            if let Some(secs) = e.retry_after {
                headers.insert(header::RETRY_AFTER, header_value(&secs.to_string()));
            }
            (e.status, e.body(&trace))
        }
        Out::Redirect(location) => match HeaderValue::from_str(&location) {
            Ok(v) => {
                headers.insert(header::LOCATION, v);
                (302, String::new())
            }
            Err(_) => {
                record.error_code = Some(400);
                (
                    400,
                    json!({"error_type": OAUTH, "code": 400, "error_message": "Invalid redirect_uri"})
                        .to_string(),
                )
            }
        },
    };
    if !body.is_empty() {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    record.status = status.as_u16();
    st.record(record);
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

// ---- apps, scopes, subjects -------------------------------------------------------------

/// The family of an app (from the seeded account that uses it).
fn app_family(st: &State, app_id: &str) -> Option<LoginFamily> {
    st.apps.get(app_id)?;
    st.accounts
        .iter()
        .find(|a| a.app_id == app_id)
        .map(|a| a.login)
}

/// Who logs in to `app_id`: the seeded account of that app.
fn login_subject(st: &State, app_id: &str) -> Option<Subject> {
    let account = st.accounts.iter().find(|a| a.app_id == app_id)?;
    match account.login {
        LoginFamily::Instagram => Some(Subject::IgUser(account.ig_user_id.clone())),
        LoginFamily::Facebook => {
            let page = account.page_id.as_deref()?;
            st.fb_users
                .values()
                .find(|u| u.page_ids.iter().any(|p| p == page))
                .map(|u| Subject::FbUser(u.id.clone()))
        }
    }
}

fn secret_matches(st: &State, app_id: &str, secret: Option<&str>) -> bool {
    match (st.apps.get(app_id), secret) {
        (Some(app), Some(s)) => {
            // Constant time, as a real server would.
            use hmac::{KeyInit, Mac};
            let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(b"sandbox-secret-compare")
            else {
                return false;
            };
            mac.update(app.secret.as_bytes());
            let expected = mac.finalize().into_bytes();
            let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(b"sandbox-secret-compare")
            else {
                return false;
            };
            mac.update(s.as_bytes());
            mac.verify_slice(&expected).is_ok()
        }
        _ => false,
    }
}

/// `scope` as comma- or space-separated names (`+` already decoded to space).
fn parse_scopes(raw: Option<&str>) -> BTreeSet<String> {
    raw.unwrap_or("")
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn allowed_scopes(st: &State, app_id: &str, family: LoginFamily) -> BTreeSet<String> {
    match st.oauth.settings(app_id).allowed_scopes {
        Some(list) => list.into_iter().collect(),
        None => default_scopes(family)
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
    }
}

fn redirect_ok(st: &State, app_id: &str, uri: &str) -> bool {
    let shape_ok = (uri.starts_with("https://") || uri.starts_with("http://"))
        && !uri.contains('#')
        && uri.bytes().all(|b| b.is_ascii_graphic());
    let registered = st.oauth.settings(app_id).redirect_uris;
    shape_ok && (registered.is_empty() || registered.iter().any(|r| r == uri))
}

fn with_query(uri: &str, params: &[(&str, &str)], fragment: &str) -> String {
    let sep = if uri.contains('?') { '&' } else { '?' };
    let qs = serde_urlencoded::to_string(params).unwrap_or_default();
    format!("{uri}{sep}{qs}{fragment}")
}

fn fragment(family: LoginFamily) -> &'static str {
    match family {
        LoginFamily::Instagram => "#_",
        LoginFamily::Facebook => "#_=_",
    }
}

/// Auto-consent (or a queued denial): the redirect back to the app.
fn consent(
    st: &mut State,
    app_id: &str,
    family: LoginFamily,
    redirect_uri: &str,
    requested: BTreeSet<String>,
    state: Option<&str>,
) -> Out {
    let Some(subject) = login_subject(st, app_id) else {
        return Out::Flat("Invalid platform app".to_string());
    };
    let denial = st
        .oauth
        .denials
        .iter()
        .position(|d| d.app_id.as_deref().is_none_or(|a| a == app_id))
        .map(|i| st.oauth.denials.remove(i));
    if let Some(d) = denial {
        let mut params: Vec<(&str, &str)> = vec![("error", "access_denied")];
        let description = match family {
            LoginFamily::Instagram => d
                .description
                .unwrap_or_else(|| "The user denied your request.".to_string()),
            LoginFamily::Facebook => d
                .description
                .unwrap_or_else(|| "Permissions error".to_string()),
        };
        if family == LoginFamily::Facebook {
            params.push(("error_code", "200"));
        }
        params.push(("error_description", &description));
        params.push(("error_reason", "user_denied"));
        if let Some(s) = state {
            params.push(("state", s));
        }
        return Out::Redirect(with_query(redirect_uri, &params, fragment(family)));
    }
    let allowed = allowed_scopes(st, app_id, family);
    let mut scopes: BTreeSet<String> = requested.intersection(&allowed).cloned().collect();
    if family == LoginFamily::Facebook {
        scopes.insert("public_profile".to_string());
    }
    let code = loop {
        let c = format!("AQ{}", st.rng.b64url(94));
        if !st.oauth.codes.contains_key(&c) {
            break c;
        }
    };
    let expires_at = st.now() + CODE_LIFETIME_SECS;
    st.oauth.codes.insert(
        code.clone(),
        CodeGrant {
            app_id: app_id.to_string(),
            family,
            redirect_uri: redirect_uri.to_string(),
            scopes,
            subject,
            expires_at,
            used: false,
        },
    );
    let mut params: Vec<(&str, &str)> = vec![("code", &code)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    Out::Redirect(with_query(redirect_uri, &params, fragment(family)))
}

/// `GET /oauth/authorize` (Instagram Login).
fn ig_authorize(st: &mut State, req: &Req<'_>) -> Out {
    let app_id = req.get("client_id").or_else(|| req.get("app_id"));
    let Some(app_id) = app_id.filter(|a| app_family(st, a) == Some(LoginFamily::Instagram)) else {
        return Out::Flat("Invalid platform app".to_string());
    };
    let Some(redirect_uri) = req
        .get("redirect_uri")
        .filter(|u| redirect_ok(st, app_id, u))
    else {
        return Out::Flat("Invalid redirect_uri".to_string());
    };
    if req.get("response_type") != Some("code") {
        return Out::Flat("Invalid response_type: only code is supported".to_string());
    }
    let requested = parse_scopes(req.get("scope"));
    if !requested.contains(IG_BASIC) {
        return Out::Flat(format!("Invalid scope: {IG_BASIC} is required"));
    }
    let (app_id, redirect_uri) = (app_id.to_string(), redirect_uri.to_string());
    consent(
        st,
        &app_id,
        LoginFamily::Instagram,
        &redirect_uri,
        requested,
        req.get("state"),
    )
}

fn invalid_app_id() -> GraphError {
    GraphError::new(
        OAUTH,
        101,
        "Error validating application. Invalid application ID.",
    )
}

/// `GET /{ver}/dialog/oauth` (Facebook Login).
fn fb_dialog(st: &mut State, req: &Req<'_>) -> Out {
    let Some(app_id) = req
        .get("client_id")
        .filter(|a| app_family(st, a) == Some(LoginFamily::Facebook))
    else {
        return Out::Graph(invalid_app_id());
    };
    let Some(redirect_uri) = req
        .get("redirect_uri")
        .filter(|u| redirect_ok(st, app_id, u))
    else {
        return Out::Graph(GraphError::new(
            OAUTH,
            191,
            "Can't load URL: The domain of this URL isn't included in the app's domains.",
        ));
    };
    if req.get("response_type").is_some_and(|r| r != "code") {
        return Out::Graph(GraphError::invalid_parameter(
            "(#100) Only response_type=code is supported by the sandbox",
        ));
    }
    let requested = parse_scopes(req.get("scope"));
    let (app_id, redirect_uri) = (app_id.to_string(), redirect_uri.to_string());
    consent(
        st,
        &app_id,
        LoginFamily::Facebook,
        &redirect_uri,
        requested,
        req.get("state"),
    )
}

fn issue(
    st: &mut State,
    app_id: &str,
    family: LoginFamily,
    subject: Subject,
    scopes: BTreeSet<String>,
    lifetime: Option<i64>,
) -> String {
    let expires_at = lifetime.map(|l| st.now().saturating_add(l));
    crate::seed::issue_token(st, app_id, family, subject, scopes, expires_at)
}

/// Why a code cannot be exchanged.
enum CodeProblem {
    NotFound,
    Used,
    Expired,
    RedirectMismatch,
}

/// Looks the code up for `app_id` and takes it (marks it used) when everything matches.
fn take_code(
    st: &mut State,
    app_id: &str,
    code: &str,
    redirect_uri: &str,
) -> Result<CodeGrant, CodeProblem> {
    let now = st.now();
    let grant = st
        .oauth
        .codes
        .get_mut(code)
        .filter(|g| g.app_id == app_id)
        .ok_or(CodeProblem::NotFound)?;
    if grant.used {
        return Err(CodeProblem::Used);
    }
    if grant.expires_at <= now {
        return Err(CodeProblem::Expired);
    }
    if grant.redirect_uri != redirect_uri {
        return Err(CodeProblem::RedirectMismatch);
    }
    grant.used = true;
    Ok(grant.clone())
}

const REDIRECT_MISMATCH: &str = "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request";

/// `[/{ver}]/oauth/access_token`: the code exchange of either family (by the app's family),
/// Facebook's long-lived exchange and app tokens.
fn token_endpoint(st: &mut State, req: &Req<'_>) -> Out {
    match req.get("grant_type") {
        Some("fb_exchange_token") => fb_exchange(st, req),
        Some("client_credentials") => app_token(st, req),
        grant_type => match req.get("client_id").and_then(|a| app_family(st, a)) {
            Some(LoginFamily::Instagram) => ig_code_exchange(st, req),
            Some(LoginFamily::Facebook) => fb_code_exchange(st, req),
            None if req.method == "POST" || grant_type == Some("authorization_code") => {
                Out::Flat("Invalid platform app".to_string())
            }
            None => Out::Graph(invalid_app_id()),
        },
    }
}

/// `POST /oauth/access_token` (api.instagram.com): errors in the flat form.
fn ig_code_exchange(st: &mut State, req: &Req<'_>) -> Out {
    let app_id = req.get("client_id").unwrap_or_default().to_string();
    if req.method != "POST" {
        return Out::Flat("Unsupported request: use POST with a form body".to_string());
    }
    if !secret_matches(st, &app_id, req.get("client_secret")) {
        return Out::Flat("Error validating client secret.".to_string());
    }
    if req.get("grant_type") != Some("authorization_code") {
        return Out::Flat("Invalid grant_type: expected authorization_code".to_string());
    }
    let Some(redirect_uri) = req.get("redirect_uri") else {
        return Out::Flat("Missing required field redirect_uri".to_string());
    };
    let Some(code) = req.get("code") else {
        return Out::Flat("Missing required field code".to_string());
    };
    let grant = match take_code(st, &app_id, code, redirect_uri) {
        Ok(g) => g,
        Err(CodeProblem::NotFound | CodeProblem::Used) => {
            return Out::Flat("Matching code was not found or was already used.".to_string());
        }
        Err(CodeProblem::Expired) => {
            return Out::Flat("This authorization code has expired.".to_string());
        }
        Err(CodeProblem::RedirectMismatch) => return Out::Flat(REDIRECT_MISMATCH.to_string()),
    };
    let permissions: Vec<String> = grant.scopes.iter().cloned().collect();
    let user_id = match &grant.subject {
        Subject::IgUser(ig) => st
            .ig_accounts
            .get(ig)
            .and_then(|a| a.app_scoped_id.clone())
            .unwrap_or_else(|| ig.clone()),
        Subject::FbUser(id) | Subject::Page(id) => id.clone(),
    };
    let token = issue(
        st,
        &app_id,
        grant.family,
        grant.subject,
        grant.scopes,
        Some(SHORT_LIVED_SECS),
    );
    let numeric = user_id
        .parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(user_id.clone()));
    Out::Ok(match st.oauth.settings(&app_id).token_response {
        TokenResponseShape::Data => json!({"data": [{
            "access_token": token,
            "user_id": user_id,
            "permissions": permissions.join(","),
        }]}),
        TokenResponseShape::Flat => json!({
            "access_token": token,
            "user_id": numeric,
            "permissions": permissions,
        }),
        TokenResponseShape::Basic => json!({"access_token": token, "user_id": numeric}),
    })
}

/// `GET /{ver}/oauth/access_token?client_id&redirect_uri&client_secret&code` (Facebook Login).
fn fb_code_exchange(st: &mut State, req: &Req<'_>) -> Out {
    let app_id = req.get("client_id").unwrap_or_default().to_string();
    if !secret_matches(st, &app_id, req.get("client_secret")) {
        return Out::Graph(GraphError::new(OAUTH, 1, "Error validating client secret."));
    }
    let Some(redirect_uri) = req.get("redirect_uri") else {
        return Out::Graph(GraphError::invalid_parameter(
            "Missing redirect_uri parameter.",
        ));
    };
    let Some(code) = req.get("code") else {
        return Out::Graph(GraphError::invalid_parameter("Missing code parameter."));
    };
    let grant = match take_code(st, &app_id, code, redirect_uri) {
        Ok(g) => g,
        Err(CodeProblem::NotFound) => {
            return Out::Graph(GraphError::invalid_parameter(
                "Invalid verification code format.",
            ));
        }
        Err(CodeProblem::Used) => {
            return Out::Graph(
                GraphError::invalid_parameter("This authorization code has been used.")
                    .with_subcode(36009),
            );
        }
        Err(CodeProblem::Expired) => {
            return Out::Graph(
                GraphError::invalid_parameter("This authorization code has expired.")
                    .with_subcode(36007),
            );
        }
        Err(CodeProblem::RedirectMismatch) => {
            return Out::Graph(
                GraphError::invalid_parameter(REDIRECT_MISMATCH).with_subcode(36008),
            );
        }
    };
    let token = issue(
        st,
        &app_id,
        grant.family,
        grant.subject,
        grant.scopes,
        Some(SHORT_LIVED_SECS),
    );
    Out::Ok(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": SHORT_LIVED_SECS,
    }))
}

/// A token that works now (known, unexpired, not revoked).
fn valid_token(st: &State, token: &str) -> Result<TokenRecord, GraphError> {
    let rec = st
        .tokens
        .get(token)
        .ok_or_else(GraphError::cannot_parse_token)?;
    let now = st.now();
    if let Some(exp) = rec.expires_at
        && exp <= now
    {
        return Err(GraphError::token_expired(exp, now));
    }
    if rec.revoked {
        return Err(GraphError::token_revoked());
    }
    Ok(rec.clone())
}

fn long_lived_body(token: &str, lifetime: Option<i64>) -> Value {
    let mut v = json!({"access_token": token, "token_type": "bearer"});
    if let Some(l) = lifetime {
        v["expires_in"] = json!(l);
    }
    v
}

/// `grant_type=fb_exchange_token`: a 60-day user token (Page tokens come back without expiry).
fn fb_exchange(st: &mut State, req: &Req<'_>) -> Out {
    let app_id = req.get("client_id").unwrap_or_default().to_string();
    if app_family(st, &app_id) != Some(LoginFamily::Facebook) {
        return Out::Graph(invalid_app_id());
    }
    if !secret_matches(st, &app_id, req.get("client_secret")) {
        return Out::Graph(GraphError::new(OAUTH, 1, "Error validating client secret."));
    }
    let Some(short) = req.get("fb_exchange_token") else {
        return Out::Graph(GraphError::invalid_parameter(
            "Missing fb_exchange_token parameter.",
        ));
    };
    let rec = match valid_token(st, short) {
        Ok(r) if r.family == LoginFamily::Facebook && r.app_id == app_id => r,
        Ok(_) => return Out::Graph(GraphError::cannot_parse_token()),
        Err(e) => return Out::Graph(e),
    };
    let lifetime = match rec.subject {
        Subject::Page(_) => None,
        _ => Some(LONG_LIVED_SECS),
    };
    let token = issue(st, &app_id, rec.family, rec.subject, rec.scopes, lifetime);
    Out::Ok(long_lived_body(&token, lifetime))
}

/// `grant_type=client_credentials`: the app token (`APP_ID|APP_SECRET`).
fn app_token(st: &mut State, req: &Req<'_>) -> Out {
    let app_id = req.get("client_id").unwrap_or_default().to_string();
    let Some(app) = st.apps.get(&app_id) else {
        return Out::Graph(invalid_app_id());
    };
    let secret = app.secret.clone();
    if !secret_matches(st, &app_id, req.get("client_secret")) {
        return Out::Graph(GraphError::new(OAUTH, 1, "Error validating client secret."));
    }
    Out::Ok(json!({"access_token": format!("{app_id}|{secret}"), "token_type": "bearer"}))
}

/// The Instagram token of a request (query, body or header) that works now.
fn ig_request_token(st: &State, req: &Req<'_>) -> Result<(String, TokenRecord), GraphError> {
    let token = req
        .credentials()
        .token
        .ok_or_else(GraphError::token_required)?;
    let rec = valid_token(st, &token)?;
    if rec.family != LoginFamily::Instagram {
        return Err(GraphError::cannot_parse_token());
    }
    Ok((token, rec))
}

/// `GET /access_token?grant_type=ig_exchange_token&client_secret&access_token`.
fn ig_exchange(st: &mut State, req: &Req<'_>) -> Out {
    if req.get("grant_type") != Some("ig_exchange_token") {
        return Out::Graph(GraphError::invalid_parameter(
            "(#100) grant_type must be ig_exchange_token",
        ));
    }
    let (_, rec) = match ig_request_token(st, req) {
        Ok(t) => t,
        Err(e) => return Out::Graph(e),
    };
    if !secret_matches(st, &rec.app_id, req.get("client_secret")) {
        return Out::Graph(GraphError::new(OAUTH, 1, "Error validating client secret."));
    }
    let token = issue(
        st,
        &rec.app_id,
        rec.family,
        rec.subject,
        rec.scopes,
        Some(LONG_LIVED_SECS),
    );
    Out::Ok(long_lived_body(&token, Some(LONG_LIVED_SECS)))
}

/// `GET /refresh_access_token?grant_type=ig_refresh_token&access_token`: the same token, valid
/// for 60 days from now, when it is at least 24 hours old and unexpired.
fn ig_refresh(st: &mut State, req: &Req<'_>) -> Out {
    if req.get("grant_type") != Some("ig_refresh_token") {
        return Out::Graph(GraphError::invalid_parameter(
            "(#100) grant_type must be ig_refresh_token",
        ));
    }
    let (token, rec) = match ig_request_token(st, req) {
        Ok(t) => t,
        Err(e) => return Out::Graph(e),
    };
    if !rec.scopes.contains(IG_BASIC) {
        return Out::Graph(GraphError::permission_denied());
    }
    let now = st.now();
    if now.saturating_sub(rec.issued_at) < MIN_REFRESH_AGE_SECS {
        return Out::Graph(GraphError::invalid_parameter(
            "(#100) The access token cannot be refreshed yet: long-lived tokens can be refreshed once they are at least 24 hours old",
        ));
    }
    if let Some(r) = st.tokens.get_mut(&token) {
        r.issued_at = now;
        r.expires_at = Some(now.saturating_add(LONG_LIVED_SECS));
    }
    let permissions: Vec<String> = rec.scopes.iter().cloned().collect();
    let mut body = long_lived_body(&token, Some(LONG_LIVED_SECS));
    body["permissions"] = json!(permissions.join(","));
    Out::Ok(body)
}

/// The app behind an app token `APP_ID|APP_SECRET`, when it is one and it is right.
fn app_of_app_token(st: &State, token: &str) -> Option<Result<String, GraphError>> {
    let (id, secret) = token.split_once('|')?;
    Some(if secret_matches(st, id, Some(secret)) {
        Ok(id.to_string())
    } else {
        Err(GraphError::new(
            OAUTH,
            190,
            "Invalid OAuth access token signature.",
        ))
    })
}

/// `GET /debug_token?input_token&access_token` (an app token or a token of the same app).
fn debug_token(st: &mut State, req: &Req<'_>) -> Out {
    let Some(viewer) = req.credentials().token else {
        return Out::Graph(GraphError::token_required());
    };
    let viewer_app = match app_of_app_token(st, &viewer) {
        Some(Ok(app)) => app,
        Some(Err(e)) => return Out::Graph(e),
        None => match valid_token(st, &viewer) {
            Ok(rec) => rec.app_id,
            Err(e) => return Out::Graph(e),
        },
    };
    let Some(input) = req.get("input_token") else {
        return Out::Graph(GraphError::invalid_parameter(
            "(#100) The parameter input_token is required",
        ));
    };
    if let Some(app) = app_of_app_token(st, input) {
        return Out::Ok(match app {
            Ok(app_id) if app_id == viewer_app => json!({"data": {
                "app_id": app_id, "type": "APP", "application": APP_NAME, "is_valid": true,
            }}),
            _ => unparsable(),
        });
    }
    let Some(rec) = st.tokens.get(input).cloned() else {
        return Out::Ok(unparsable());
    };
    if rec.app_id != viewer_app {
        return Out::Graph(GraphError::invalid_parameter(
            "(#100) The App_id in the input_token did not match the Viewing App",
        ));
    }
    Out::Ok(json!({ "data": token_data(st, &rec) }))
}

fn unparsable() -> Value {
    json!({"data": {
        "error": {"code": 190, "message": "Invalid OAuth access token."},
        "is_valid": false,
        "scopes": [],
    }})
}

/// The `data` of `debug_token` for a known token.
fn token_data(st: &State, rec: &TokenRecord) -> Value {
    let now = st.now();
    let (kind, user_id, profile_id, page_ids) = match &rec.subject {
        Subject::FbUser(u) => (
            "USER",
            u.clone(),
            None,
            st.fb_users
                .get(u)
                .map(|x| x.page_ids.clone())
                .unwrap_or_default(),
        ),
        Subject::Page(p) => {
            let owner = st
                .fb_users
                .values()
                .find(|u| u.page_ids.contains(p))
                .map(|u| u.id.clone())
                .unwrap_or_default();
            ("PAGE", owner, Some(p.clone()), vec![p.clone()])
        }
        Subject::IgUser(ig) => ("USER", ig.clone(), None, Vec::new()),
    };
    let ig_ids = st.accessible_ig_accounts(rec);
    let granular: Vec<Value> = rec
        .scopes
        .iter()
        .map(|s| {
            let targets = if s.starts_with("instagram_") {
                Some(ig_ids.clone())
            } else if s.starts_with("pages_") {
                Some(page_ids.clone())
            } else {
                None
            };
            match targets {
                Some(t) if !t.is_empty() => json!({"scope": s, "target_ids": t}),
                _ => json!({"scope": s}),
            }
        })
        .collect();
    let expired = rec.expires_at.is_some_and(|e| e <= now);
    let mut data = json!({
        "app_id": rec.app_id,
        "type": kind,
        "application": APP_NAME,
        "data_access_expires_at": rec.issued_at.saturating_add(DATA_ACCESS_SECS),
        "expires_at": rec.expires_at.unwrap_or(0),
        "is_valid": !expired && !rec.revoked,
        "issued_at": rec.issued_at,
        "scopes": rec.scopes.iter().collect::<Vec<_>>(),
        "granular_scopes": granular,
        "user_id": user_id,
    });
    if let Some(p) = profile_id {
        data["profile_id"] = json!(p);
    }
    let error = if expired {
        rec.expires_at.map(|e| GraphError::token_expired(e, now))
    } else if rec.revoked {
        Some(GraphError::token_revoked())
    } else {
        None
    };
    if let Some(e) = error {
        data["error"] = json!({"code": e.code, "message": e.message, "subcode": e.subcode});
    }
    data
}

// ---- Rust API and control routes ----------------------------------------------------------

fn summary(token: &str, rec: &TokenRecord, now: i64) -> TokenSummary {
    let (kind, subject_id) = match &rec.subject {
        Subject::Page(p) => (TokenKind::Page, p.clone()),
        Subject::FbUser(u) => (TokenKind::User, u.clone()),
        Subject::IgUser(i) => (TokenKind::User, i.clone()),
    };
    TokenSummary {
        fingerprint: token_fingerprint(token),
        token: redact(token),
        app_id: rec.app_id.clone(),
        login: rec.family,
        kind,
        subject_id,
        scopes: rec.scopes.iter().cloned().collect(),
        issued_at: rec.issued_at,
        expires_at: rec.expires_at,
        revoked: rec.revoked,
        expired: rec.expires_at.is_some_and(|e| e <= now),
    }
}

impl Sandbox {
    /// Makes the next login dialog (of `app_id`, or of any app) end in a denial:
    /// `error=access_denied&error_reason=user_denied&error_description=…`.
    pub fn deny_next_consent(&self, app_id: Option<&str>, description: Option<&str>) {
        self.lock().oauth.denials.push(Denial {
            app_id: app_id.map(str::to_string),
            description: description.map(str::to_string),
        });
    }

    /// The login settings of an app.
    pub fn oauth_app(&self, app_id: &str) -> Result<OAuthAppSettings, SandboxError> {
        let st = self.lock();
        if !st.apps.contains_key(app_id) {
            return Err(SandboxError::UnknownApp(app_id.to_string()));
        }
        Ok(st.oauth.settings(app_id))
    }

    /// Replaces the login settings of an app.
    pub fn set_oauth_app(
        &self,
        app_id: &str,
        settings: OAuthAppSettings,
    ) -> Result<(), SandboxError> {
        let mut st = self.lock();
        if !st.apps.contains_key(app_id) {
            return Err(SandboxError::UnknownApp(app_id.to_string()));
        }
        st.oauth.apps.insert(app_id.to_string(), settings);
        Ok(())
    }

    /// Sets the shape of an Instagram app's code-exchange answer.
    pub fn set_token_response(
        &self,
        app_id: &str,
        shape: TokenResponseShape,
    ) -> Result<(), SandboxError> {
        let mut settings = self.oauth_app(app_id)?;
        settings.token_response = shape;
        self.set_oauth_app(app_id, settings)
    }

    /// Every token the sandbox knows, redacted, in fingerprint order.
    pub fn token_summaries(&self) -> Vec<TokenSummary> {
        let st = self.lock();
        let now = st.now();
        let mut list: Vec<TokenSummary> =
            st.tokens.iter().map(|(t, r)| summary(t, r, now)).collect();
        list.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        list
    }

    /// One token's summary.
    pub fn token_summary(&self, access_token: &str) -> Option<TokenSummary> {
        let st = self.lock();
        let now = st.now();
        st.tokens
            .get(access_token)
            .map(|r| summary(access_token, r, now))
    }

    /// Moves a token's issue time `seconds` into the past (its expiry stays), e.g. to make it
    /// old enough to refresh without moving the clock.
    pub fn backdate_token(
        &self,
        access_token: &str,
        seconds: i64,
    ) -> Result<TokenSummary, SandboxError> {
        let mut st = self.lock();
        let now = st.now();
        let rec = st
            .tokens
            .get_mut(access_token)
            .ok_or(SandboxError::UnknownToken)?;
        rec.issued_at = rec.issued_at.saturating_sub(seconds.max(0));
        Ok(summary(access_token, rec, now))
    }
}

fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Parses a JSON body; the error is the message for a 400.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

fn unknown_app(e: &SandboxError) -> Response {
    control_error(StatusCode::NOT_FOUND, e.to_string())
}

#[derive(Deserialize)]
struct DenyNext {
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// `POST /_sandbox/oauth/deny-next {"app_id"?:…, "description"?:…}`
async fn deny_next_route(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    let req: DenyNext = if body.is_empty() {
        DenyNext {
            app_id: None,
            description: None,
        }
    } else {
        match parse(&body) {
            Ok(r) => r,
            Err(e) => return control_error(StatusCode::BAD_REQUEST, e),
        }
    };
    if let Some(app) = &req.app_id
        && !sb.lock().apps.contains_key(app)
    {
        return unknown_app(&SandboxError::UnknownApp(app.clone()));
    }
    sb.deny_next_consent(req.app_id.as_deref(), req.description.as_deref());
    let pending = sb.lock().oauth.denials.len();
    Json(json!({ "ok": true, "pending": pending })).into_response()
}

/// `GET /_sandbox/oauth/apps/{app_id}`
async fn get_app_route(AxState(sb): AxState<Sandbox>, Path(app_id): Path<String>) -> Response {
    match sb.oauth_app(&app_id) {
        Ok(s) => Json(json!({ "app_id": app_id, "settings": s })).into_response(),
        Err(e) => unknown_app(&e),
    }
}

#[derive(Deserialize)]
struct AppPatch {
    #[serde(default)]
    token_response: Option<TokenResponseShape>,
    #[serde(default)]
    redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    allowed_scopes: Option<Option<Vec<String>>>,
}

/// `POST /_sandbox/oauth/apps/{app_id} {"token_response"?:"data|flat|basic","redirect_uris"?:[…],"allowed_scopes"?:[…]|null}`
async fn set_app_route(
    AxState(sb): AxState<Sandbox>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Response {
    let patch: AppPatch = match parse(&body) {
        Ok(p) => p,
        Err(e) => return control_error(StatusCode::BAD_REQUEST, e),
    };
    let mut settings = match sb.oauth_app(&app_id) {
        Ok(s) => s,
        Err(e) => return unknown_app(&e),
    };
    if let Some(shape) = patch.token_response {
        settings.token_response = shape;
    }
    if let Some(uris) = patch.redirect_uris {
        settings.redirect_uris = uris;
    }
    if let Some(scopes) = patch.allowed_scopes {
        settings.allowed_scopes = scopes;
    }
    match sb.set_oauth_app(&app_id, settings.clone()) {
        Ok(()) => Json(json!({ "app_id": app_id, "settings": settings })).into_response(),
        Err(e) => unknown_app(&e),
    }
}

/// `GET /_sandbox/oauth/tokens`: every token, redacted, with issue and expiry.
async fn tokens_route(AxState(sb): AxState<Sandbox>) -> Response {
    Json(sb.token_summaries()).into_response()
}

#[derive(Deserialize)]
struct Backdate {
    access_token: String,
    seconds: i64,
}

/// `POST /_sandbox/oauth/tokens/backdate {"access_token":…, "seconds":N}`
async fn backdate_route(AxState(sb): AxState<Sandbox>, body: Bytes) -> Response {
    let req: Backdate = match parse(&body) {
        Ok(r) => r,
        Err(e) => return control_error(StatusCode::BAD_REQUEST, e),
    };
    if req.seconds < 0 {
        return control_error(StatusCode::BAD_REQUEST, "seconds must not be negative");
    }
    match sb.backdate_token(&req.access_token, req.seconds) {
        Ok(s) => Json(s).into_response(),
        Err(e) => control_error(StatusCode::NOT_FOUND, e.to_string()),
    }
}

/// The control routes of this module.
pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/_sandbox/oauth/deny-next", post(deny_next_route))
        .route(
            "/_sandbox/oauth/apps/{app_id}",
            get(get_app_route).post(set_app_route),
        )
        .route("/_sandbox/oauth/tokens", get(tokens_route))
        .route("/_sandbox/oauth/tokens/backdate", post(backdate_route))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;
    use crate::types::{Fault, SeededAccount};
    use axum::http::Request;
    use tower::ServiceExt;

    const CB: &str = "https://app.example/cb/";

    struct Resp {
        status: StatusCode,
        location: Option<String>,
        body: Value,
        raw: String,
    }

    async fn call(sb: &Sandbox, req: Request<Body>) -> Resp {
        let resp = sb.router().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            location,
            body,
            raw,
        }
    }

    async fn get(sb: &Sandbox, uri: &str) -> Resp {
        call(sb, Request::get(uri).body(Body::empty()).expect("request")).await
    }

    async fn post_form(sb: &Sandbox, uri: &str, form: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(form).expect("form");
        call(
            sb,
            Request::post(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    async fn post_json(sb: &Sandbox, uri: &str, body: Value) -> Resp {
        call(
            sb,
            Request::post(uri)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    fn sandbox() -> Sandbox {
        Sandbox::new(SandboxConfig::deterministic())
    }

    fn account(sb: &Sandbox, name: &str) -> SeededAccount {
        sb.accounts()
            .into_iter()
            .find(|a| a.name == name)
            .expect("seeded account")
    }

    fn q(pairs: &[(&str, &str)]) -> String {
        serde_urlencoded::to_string(pairs).expect("query")
    }

    /// The query parameters of a Location, fragment dropped.
    fn location_params(loc: &str) -> BTreeMap<String, String> {
        let no_frag = loc.split('#').next().unwrap_or(loc);
        let query = no_frag.split_once('?').map(|(_, q)| q).unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .expect("query")
            .into_iter()
            .collect()
    }

    async fn ig_code(sb: &Sandbox, app: &SeededAccount, scope: &str) -> String {
        let r = get(
            sb,
            &format!(
                "/oauth/authorize?{}",
                q(&[
                    ("client_id", &app.app_id),
                    ("redirect_uri", CB),
                    ("response_type", "code"),
                    ("scope", scope),
                    ("state", "s1"),
                ])
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.raw);
        let loc = r.location.expect("Location");
        assert!(loc.starts_with(CB) && loc.ends_with("#_"), "{loc}");
        let p = location_params(&loc);
        assert_eq!(p.get("state").map(String::as_str), Some("s1"));
        p.get("code").cloned().expect("code")
    }

    async fn ig_exchange_code(
        sb: &Sandbox,
        app: &SeededAccount,
        code: &str,
        redirect: &str,
    ) -> Resp {
        post_form(
            sb,
            "/oauth/access_token",
            &[
                ("client_id", &app.app_id),
                ("client_secret", &app.app_secret),
                ("grant_type", "authorization_code"),
                ("redirect_uri", redirect),
                ("code", code),
            ],
        )
        .await
    }

    fn flat_message(r: &Resp) -> &str {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
        assert_eq!(r.body["error_type"], "OAuthException");
        assert_eq!(r.body["code"], 400);
        r.body["error_message"].as_str().unwrap_or("")
    }

    #[tokio::test]
    async fn instagram_code_flow_is_strict_about_codes_and_redirects() {
        let sb = sandbox();
        let app = account(&sb, "creator");
        let code = ig_code(
            &sb,
            &app,
            "instagram_business_basic,instagram_business_content_publish,bogus_scope",
        )
        .await;
        // The `#_` suffix is not part of the code.
        let r = ig_exchange_code(&sb, &app, &format!("{code}#_"), CB).await;
        assert_eq!(
            flat_message(&r),
            "Matching code was not found or was already used."
        );
        // The redirect URI must match byte for byte (no trailing slash here); the code survives.
        let r = ig_exchange_code(&sb, &app, &code, "https://app.example/cb").await;
        assert!(flat_message(&r).starts_with("Error validating verification code"));
        let r = ig_exchange_code(&sb, &app, &code, CB).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        let item = &r.body["data"][0];
        let token = item["access_token"].as_str().expect("token").to_string();
        assert!(token.starts_with("IGAA"));
        assert_eq!(
            item["user_id"],
            json!(app.app_scoped_id.clone().expect("id"))
        );
        assert_eq!(
            item["permissions"],
            "instagram_business_basic,instagram_business_content_publish"
        );
        let s = sb.token_summary(&token).expect("stored");
        assert_eq!(s.expires_at, Some(s.issued_at + SHORT_LIVED_SECS));
        assert_eq!(s.scopes.len(), 2);
        // Single use.
        let r = ig_exchange_code(&sb, &app, &code, CB).await;
        assert_eq!(
            flat_message(&r),
            "Matching code was not found or was already used."
        );
        // Wrong secret.
        let code = ig_code(&sb, &app, "instagram_business_basic").await;
        let r = post_form(
            &sb,
            "/oauth/access_token",
            &[
                ("client_id", &app.app_id),
                ("client_secret", "nope"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", CB),
                ("code", &code),
            ],
        )
        .await;
        assert_eq!(flat_message(&r), "Error validating client secret.");
        // Codes expire after 10 minutes.
        sb.advance(CODE_LIFETIME_SECS);
        let r = ig_exchange_code(&sb, &app, &code, CB).await;
        assert_eq!(flat_message(&r), "This authorization code has expired.");
        // Secrets never reach the request log.
        for rec in sb.requests() {
            for k in ["code", "client_secret", "access_token"] {
                if let Some(v) = rec.query.get(k) {
                    assert_eq!(v, "REDACTED");
                }
            }
        }
    }

    #[tokio::test]
    async fn instagram_response_shapes_are_configurable() {
        let sb = sandbox();
        let app = account(&sb, "creator");
        for (shape, check) in [("flat", "array"), ("basic", "none")] {
            let r = post_json(
                &sb,
                &format!("/_sandbox/oauth/apps/{}", app.app_id),
                json!({ "token_response": shape }),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            let code = ig_code(&sb, &app, "instagram_business_basic").await;
            let r = ig_exchange_code(&sb, &app, &code, CB).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            assert!(r.body["access_token"].is_string());
            assert!(r.body["user_id"].is_u64(), "{}", r.raw);
            match check {
                "array" => assert_eq!(r.body["permissions"], json!(["instagram_business_basic"])),
                _ => assert!(r.body.get("permissions").is_none()),
            }
        }
        let r = post_json(&sb, "/_sandbox/oauth/apps/999", json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn authorize_checks_app_redirect_scope_and_denials() {
        let sb = sandbox();
        let app = account(&sb, "creator");
        let biz = account(&sb, "business");
        let url = |client: &str, scope: &str| {
            format!(
                "/oauth/authorize?{}",
                q(&[
                    ("client_id", client),
                    ("redirect_uri", CB),
                    ("response_type", "code"),
                    ("scope", scope),
                    ("state", "xyz"),
                ])
            )
        };
        let r = get(&sb, &url(&biz.app_id, "instagram_business_basic")).await;
        assert_eq!(flat_message(&r), "Invalid platform app");
        let r = get(&sb, &url(&app.app_id, "instagram_business_content_publish")).await;
        assert!(flat_message(&r).contains("instagram_business_basic is required"));
        sb.set_oauth_app(
            &app.app_id,
            OAuthAppSettings {
                redirect_uris: vec!["https://other.example/".into()],
                ..OAuthAppSettings::default()
            },
        )
        .expect("app");
        let r = get(&sb, &url(&app.app_id, "instagram_business_basic")).await;
        assert_eq!(flat_message(&r), "Invalid redirect_uri");
        sb.set_oauth_app(&app.app_id, OAuthAppSettings::default())
            .expect("app");
        let r = post_json(
            &sb,
            "/_sandbox/oauth/deny-next",
            json!({"app_id": app.app_id}),
        )
        .await;
        assert_eq!(r.body["pending"], 1);
        let r = get(&sb, &url(&app.app_id, "instagram_business_basic")).await;
        let loc = r.location.expect("Location");
        let p = location_params(&loc);
        assert_eq!(p["error"], "access_denied");
        assert_eq!(p["error_reason"], "user_denied");
        assert_eq!(p["error_description"], "The user denied your request.");
        assert_eq!(p["state"], "xyz");
        assert!(!p.contains_key("code"));
        // Only the next one.
        let r = get(&sb, &url(&app.app_id, "instagram_business_basic")).await;
        assert!(location_params(&r.location.expect("Location")).contains_key("code"));
    }

    async fn fb_code(sb: &Sandbox, app: &SeededAccount, scope: &str) -> String {
        let r = get(
            sb,
            &format!(
                "/v25.0/dialog/oauth?{}",
                q(&[
                    ("client_id", &app.app_id),
                    ("redirect_uri", CB),
                    ("state", "s2"),
                    ("scope", scope),
                ])
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.raw);
        let loc = r.location.expect("Location");
        assert!(loc.ends_with("#_=_"), "{loc}");
        location_params(&loc).remove("code").expect("code")
    }

    #[tokio::test]
    async fn facebook_flow_and_debug_token() {
        let sb = sandbox();
        let app = account(&sb, "business");
        let code = fb_code(&sb, &app, "instagram_basic,pages_show_list").await;
        let exchange = |code: String, redirect: &'static str| {
            let sb = sb.clone();
            let app = app.clone();
            async move {
                get(
                    &sb,
                    &format!(
                        "/v25.0/oauth/access_token?{}",
                        q(&[
                            ("client_id", &app.app_id),
                            ("redirect_uri", redirect),
                            ("client_secret", &app.app_secret),
                            ("code", &code),
                        ])
                    ),
                )
                .await
            }
        };
        let r = exchange(code.clone(), "https://app.example/cb").await;
        assert_eq!(r.body["error"]["error_subcode"], 36008, "{}", r.raw);
        let r = exchange(code.clone(), CB).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(r.body["expires_in"], SHORT_LIVED_SECS);
        let short = r.body["access_token"].as_str().expect("token").to_string();
        let r = exchange(code, CB).await;
        assert_eq!(r.body["error"]["error_subcode"], 36009, "{}", r.raw);
        let r = get(
            &sb,
            &format!(
                "/v25.0/oauth/access_token?{}",
                q(&[
                    ("grant_type", "fb_exchange_token"),
                    ("client_id", &app.app_id),
                    ("client_secret", &app.app_secret),
                    ("fb_exchange_token", &short),
                ])
            ),
        )
        .await;
        assert_eq!(r.body["expires_in"], LONG_LIVED_SECS, "{}", r.raw);
        let long = r.body["access_token"].as_str().expect("token").to_string();
        let app_token = format!("{}|{}", app.app_id, app.app_secret);
        let debug = |input: String| {
            let sb = sb.clone();
            let app_token = app_token.clone();
            async move {
                get(
                    &sb,
                    &format!(
                        "/v25.0/debug_token?{}",
                        q(&[("input_token", &input), ("access_token", &app_token)])
                    ),
                )
                .await
            }
        };
        let r = debug(long.clone()).await;
        let d = &r.body["data"];
        assert_eq!(d["is_valid"], true, "{}", r.raw);
        assert_eq!(d["type"], "USER");
        assert_eq!(
            d["scopes"],
            json!(["instagram_basic", "pages_show_list", "public_profile"])
        );
        assert_eq!(
            d["granular_scopes"][0]["target_ids"],
            json!([app.ig_user_id])
        );
        assert_eq!(d["expires_at"], json!(sb.now() + LONG_LIVED_SECS));
        sb.advance(SHORT_LIVED_SECS);
        let r = debug(short).await;
        assert_eq!(r.body["data"]["is_valid"], false);
        assert_eq!(r.body["data"]["error"]["subcode"], 463);
        sb.revoke_token(&long).expect("revoke");
        let r = debug(long).await;
        assert_eq!(r.body["data"]["error"]["subcode"], 460);
        let r = debug("EAAnonsense".into()).await;
        assert_eq!(r.body["data"]["is_valid"], false);
        assert_eq!(r.body["data"]["error"]["code"], 190);
        // The page token of the seeded account is a PAGE token that never expires.
        let page_token = sb
            .lock()
            .pages
            .values()
            .next()
            .map(|p| p.access_token.clone())
            .expect("page");
        let r = debug(page_token).await;
        assert_eq!(r.body["data"]["type"], "PAGE");
        assert_eq!(r.body["data"]["expires_at"], 0);
        // Another app's token, and a wrong app secret.
        let r = debug(account(&sb, "creator").access_token).await;
        assert_eq!(r.body["error"]["code"], 100, "{}", r.raw);
        let r = get(
            &sb,
            &format!(
                "/debug_token?{}",
                q(&[
                    ("input_token", "x"),
                    ("access_token", &format!("{}|bad", app.app_id))
                ])
            ),
        )
        .await;
        assert_eq!(r.body["error"]["code"], 190, "{}", r.raw);
    }

    #[tokio::test]
    async fn instagram_exchange_and_refresh_rules() {
        let sb = sandbox();
        let app = account(&sb, "creator");
        let code = ig_code(&sb, &app, "instagram_business_basic").await;
        let r = ig_exchange_code(&sb, &app, &code, CB).await;
        let short = r.body["data"][0]["access_token"]
            .as_str()
            .expect("token")
            .to_string();
        let r = get(
            &sb,
            &format!(
                "/access_token?{}",
                q(&[
                    ("grant_type", "ig_exchange_token"),
                    ("client_secret", "wrong"),
                    ("access_token", &short)
                ])
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
        let r = get(
            &sb,
            &format!(
                "/access_token?{}",
                q(&[
                    ("grant_type", "ig_exchange_token"),
                    ("client_secret", &app.app_secret),
                    ("access_token", &short)
                ])
            ),
        )
        .await;
        assert_eq!(r.body["expires_in"], LONG_LIVED_SECS, "{}", r.raw);
        assert_eq!(r.body["token_type"], "bearer");
        let long = r.body["access_token"].as_str().expect("token").to_string();
        let refresh = |t: String| {
            let sb = sb.clone();
            async move {
                get(
                    &sb,
                    &format!(
                        "/refresh_access_token?{}",
                        q(&[("grant_type", "ig_refresh_token"), ("access_token", &t)])
                    ),
                )
                .await
            }
        };
        sb.advance(MIN_REFRESH_AGE_SECS - 60);
        let r = refresh(long.clone()).await;
        assert_eq!(r.body["error"]["code"], 100, "{}", r.raw);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("24 hours")
        );
        sb.advance(60);
        let r = refresh(long.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(r.body["expires_in"], LONG_LIVED_SECS);
        assert_eq!(r.body["permissions"], "instagram_business_basic");
        let s = sb.token_summary(&long).expect("stored");
        assert_eq!(s.issued_at, sb.now());
        assert_eq!(s.expires_at, Some(sb.now() + LONG_LIVED_SECS));
        // Refreshed just now: too young again; backdating makes it old enough.
        assert_eq!(refresh(long.clone()).await.body["error"]["code"], 100);
        let r = post_json(
            &sb,
            "/_sandbox/oauth/tokens/backdate",
            json!({"access_token": long, "seconds": MIN_REFRESH_AGE_SECS}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(refresh(long.clone()).await.status, StatusCode::OK);
        sb.advance(LONG_LIVED_SECS);
        let r = refresh(long).await;
        assert_eq!(r.body["error"]["code"], 190, "{}", r.raw);
        assert_eq!(r.body["error"]["error_subcode"], 463);
        // A Facebook token is not an Instagram token.
        let r = refresh(account(&sb, "business").access_token).await;
        assert_eq!(r.body["error"]["code"], 190);
    }

    #[tokio::test]
    async fn token_list_is_redacted() {
        let sb = sandbox();
        let r = get(&sb, "/_sandbox/oauth/tokens").await;
        assert_eq!(r.status, StatusCode::OK);
        let list = r.body.as_array().expect("list");
        assert!(list.len() >= 3);
        for a in sb.accounts() {
            assert!(!r.raw.contains(&a.access_token));
            assert!(!r.raw.contains(&a.app_secret));
            let fp = token_fingerprint(&a.access_token);
            let entry = list
                .iter()
                .find(|e| e["fingerprint"] == fp.as_str())
                .expect("listed");
            assert!(entry["token"].as_str().unwrap_or("").contains('…'));
            assert_eq!(entry["issued_at"], sb.now());
        }
    }

    #[tokio::test]
    async fn oauth_paths_take_faults_but_dialogs_do_not() {
        let sb = sandbox();
        let app = account(&sb, "creator");
        sb.inject_fault(Fault {
            path_contains: "/".into(),
            code: 2,
            is_transient: Some(true),
            ..Fault::default()
        });
        let code = ig_code(&sb, &app, "instagram_business_basic").await;
        let r = ig_exchange_code(&sb, &app, &code, CB).await;
        assert_eq!(r.body["error"]["code"], 2, "{}", r.raw);
        // The fault fired before the code was looked at: it is still good.
        let r = ig_exchange_code(&sb, &app, &code, CB).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    }
}
