//! Graph API front door: version prefix, parameter and token extraction, authentication,
//! throttling, faults, dispatch to the per-area modules, response headers and the request log.

pub(crate) mod engagement;
pub(crate) mod media;
pub(crate) mod messaging;
pub(crate) mod page;
pub(crate) mod publishing;
pub(crate) mod user;

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header, request::Parts};
use axum::response::Response;
use serde_json::Value;

use crate::Sandbox;
use crate::auth::{self, BodyKind};
use crate::errors::GraphError;
use crate::paging::UrlBase;
use crate::params::Params;
use crate::state::{State, Subject, TokenRecord};
use crate::types::{Fault, LoginFamily, RecordedRequest};

/// Version reported for unversioned paths.
pub(crate) const DEFAULT_VERSION: &str = "v25.0";

/// Largest request body read.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// What an endpoint handler gets besides the state.
pub(crate) struct Ctx {
    /// Effective method (the `method` parameter overrides the HTTP method, as on Graph).
    pub(crate) method: String,
    pub(crate) params: Params,
    pub(crate) token: TokenRecord,
    pub(crate) url: UrlBase,
}

impl Ctx {
    /// True for Instagram-Login (graph.instagram.com) tokens.
    pub(crate) fn instagram(&self) -> bool {
        self.token.family == LoginFamily::Instagram
    }

    /// The raw `fields` parameter.
    pub(crate) fn fields(&self) -> Option<&str> {
        self.params.get("fields")
    }

    /// Fails with "Unsupported <method> request" unless this is a GET.
    pub(crate) fn only_get(&self, id: &str) -> Result<(), GraphError> {
        if self.method == "GET" {
            Ok(())
        } else {
            Err(GraphError::unsupported_request(&self.method, id))
        }
    }
}

/// A node addressed by the first path segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    FbUser(String),
    Page(String),
    /// `addressed_as` is the id used in the path (`None` for `me`).
    IgUser {
        ig_user_id: String,
        addressed_as: Option<String>,
    },
    Media(String),
    /// A direct-message thread.
    Conversation(String),
    /// A direct message (`mid`).
    DmMessage(String),
    /// An Instagram user as seen by `account` (IGSID), for the User Profile API.
    DmUser {
        account: String,
        igsid: String,
    },
    /// A media container (publishing), owned by an IG account.
    Container(String),
    /// A comment or reply (engagement).
    Comment(String),
    /// A hashtag (engagement).
    Hashtag(String),
}

fn is_version(seg: &str) -> bool {
    let Some(rest) = seg.strip_prefix('v') else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    parts.len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Splits `/v25.0/a/b` into (`v25.0`, [`a`, `b`]); unversioned paths get [`DEFAULT_VERSION`].
pub(crate) fn split_version(path: &str) -> (String, Vec<String>) {
    let mut segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    match segs.first() {
        Some(first) if is_version(first) => {
            let v = segs.remove(0);
            let v = if v.contains('.') { v } else { format!("{v}.0") };
            (v, segs)
        }
        _ => (DEFAULT_VERSION.to_string(), segs),
    }
}

/// Resolves a path segment to a node the token may see (`None`: unknown or inaccessible, which
/// Graph reports identically).
pub(crate) fn resolve(st: &State, token: &TokenRecord, seg: &str) -> Option<Node> {
    if seg == "me" {
        return Some(match &token.subject {
            Subject::FbUser(id) => Node::FbUser(id.clone()),
            Subject::Page(id) => Node::Page(id.clone()),
            Subject::IgUser(id) => Node::IgUser {
                ig_user_id: id.clone(),
                addressed_as: None,
            },
        });
    }
    if let Some(acc) = st.ig_account_by_any_id(seg) {
        return st
            .can_access_ig(token, &acc.ig_user_id)
            .then(|| Node::IgUser {
                ig_user_id: acc.ig_user_id.clone(),
                addressed_as: Some(seg.to_string()),
            });
    }
    if st.pages.contains_key(seg) {
        return st
            .can_access_page(token, seg)
            .then(|| Node::Page(seg.to_string()));
    }
    if st.fb_users.contains_key(seg) {
        return (token.subject == Subject::FbUser(seg.to_string()))
            .then(|| Node::FbUser(seg.to_string()));
    }
    if let Some(m) = st.media.get(seg) {
        return st
            .can_access_ig(token, &m.owner)
            .then(|| Node::Media(seg.to_string()));
    }
    if let Some(node) = publishing::resolve(st, token, seg) {
        return Some(node);
    }
    if let Some(node) = engagement::resolve(st, token, seg) {
        return Some(node);
    }
    resolve_messaging(st, token, seg)
}

/// Messaging objects: threads, mids and IGSIDs of the accounts the token may act on.
fn resolve_messaging(st: &State, token: &TokenRecord, seg: &str) -> Option<Node> {
    let m = &st.messaging;
    if let Some(c) = m.conversations.get(seg) {
        return st
            .can_access_ig(token, &c.account)
            .then(|| Node::Conversation(seg.to_string()));
    }
    if let Some(msg) = m.messages.get(seg) {
        let account = m.conversations.get(&msg.conversation)?.account.clone();
        return st
            .can_access_ig(token, &account)
            .then(|| Node::DmMessage(seg.to_string()));
    }
    st.accessible_ig_accounts(token)
        .into_iter()
        .find(|a| m.user(a, seg).is_some())
        .map(|account| Node::DmUser {
            account,
            igsid: seg.to_string(),
        })
}

/// The IG account a call is charged to for the Instagram BUC limit.
fn target_ig_account(st: &State, token: &TokenRecord, segments: &[String]) -> Option<String> {
    match resolve(st, token, segments.first()?)? {
        Node::IgUser { ig_user_id, .. } => Some(ig_user_id),
        Node::Media(id) => st.media.get(&id).map(|m| m.owner.clone()),
        // Messaging through a Page (Facebook Login) is charged to the Page's IG account.
        Node::Page(id)
            if segments
                .get(1)
                .is_some_and(|e| messaging::EDGES.contains(&e.as_str())) =>
        {
            st.pages.get(&id).and_then(|p| p.ig_user_id.clone())
        }
        Node::Conversation(id) => st
            .messaging
            .conversations
            .get(&id)
            .map(|c| c.account.clone()),
        Node::DmMessage(id) => st
            .messaging
            .messages
            .get(&id)
            .and_then(|m| st.messaging.conversations.get(&m.conversation))
            .map(|c| c.account.clone()),
        Node::DmUser { account, .. } => Some(account),
        Node::Container(id) => publishing::container_owner(st, &id),
        Node::Comment(id) => engagement::comment_owner(st, &id),
        Node::Hashtag(_) | Node::FbUser(_) | Node::Page(_) => None,
    }
}

/// Routes an authenticated request to its endpoint. New endpoints are added here.
fn dispatch(st: &mut State, ctx: &Ctx, segments: &[String]) -> Result<Value, GraphError> {
    let Some((first, rest)) = segments.split_first() else {
        // Batch requests (`POST /` with `batch`) and multi-id reads (`GET /?ids=`).
        if let Some(result) = engagement::root(st, ctx) {
            return result;
        }
        return Err(GraphError::invalid_parameter(
            "(#100) Missing the 'ids' parameter for a root request",
        ));
    };
    let node = resolve(st, &ctx.token, first)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, first))?;
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (&node, rest.as_slice()) {
        (Node::FbUser(id), []) => {
            ctx.only_get(first)?;
            user::get_fb_user(st, ctx, id)
        }
        (Node::Page(id), []) => {
            ctx.only_get(first)?;
            page::get_page(st, ctx, id)
        }
        (
            Node::IgUser {
                ig_user_id,
                addressed_as,
            },
            [],
        ) => {
            ctx.only_get(first)?;
            user::get_ig_user(st, ctx, ig_user_id, addressed_as.as_deref())
        }
        (Node::Media(id), []) if ctx.method == "GET" => media::get_media(st, ctx, id),
        (Node::FbUser(id), ["accounts"]) => {
            ctx.only_get(first)?;
            page::list_accounts(st, ctx, id)
        }
        // `me` is a Page for a Page token; Graph then treats `accounts` as a field.
        (Node::Page(_), ["accounts"]) => Err(GraphError::nonexisting_field("accounts", "Page")),
        (Node::IgUser { ig_user_id, .. }, ["media"]) if ctx.method == "GET" => {
            media::list_media(st, ctx, ig_user_id)
        }
        (
            Node::IgUser { .. } | Node::Page(_) | Node::FbUser(_),
            [edge @ ("messages" | "message_attachments" | "conversations" | "messenger_profile")],
        ) => {
            let account = messaging::messaging_account(st, ctx, &node, edge)?;
            match *edge {
                "messages" => messaging::send(st, ctx, &account, first),
                "message_attachments" => messaging::upload_attachment(st, ctx, &account, first),
                "conversations" => messaging::list_conversations(st, ctx, &account, &node, first),
                _ => {
                    let key = messaging::profile_key(ctx, &node, &account);
                    messaging::messenger_profile(st, ctx, &key)
                }
            }
        }
        (Node::Conversation(id), []) => messaging::get_conversation(st, ctx, id),
        (Node::Conversation(id), ["messages"]) => messaging::conversation_messages(st, ctx, id),
        (Node::DmMessage(id), []) => messaging::get_message(st, ctx, id),
        (Node::DmUser { account, igsid }, []) => messaging::get_profile(st, ctx, account, igsid),
        // Anything else, including Facebook-only edges such as `/me/accounts` called with an
        // Instagram-Login token: graph.instagram.com answers
        // `{"type":"IGApiException","code":2500,"message":"Unknown path components: /accounts"}`
        // (fixture restfb/instagram/ig_login_exception.json); graph.facebook.com uses
        // OAuthException with the same code and message.
        _ => {
            // Publishing (containers, media_publish, content_publishing_limit, ...) and
            // engagement (comments, mentions, hashtags, insights, ...) route their own nodes and
            // edges; `None` means "not mine".
            if let Some(result) = publishing::route(st, ctx, &node, first, &rest) {
                return result;
            }
            if let Some(result) = engagement::route(st, ctx, &node, first, &rest) {
                return result;
            }
            Err(GraphError::unknown_path(
                ctx.instagram(),
                &format!("/{}", rest.join("/")),
            ))
        }
    }
}

fn parse_pairs(s: &str) -> Result<Vec<(String, String)>, GraphError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(s)
        .map_err(|_| GraphError::invalid_parameter("(#100) Malformed parameters"))
}

fn parse_body(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Vec<(String, String)>, BodyKind), GraphError> {
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
        Ok((parse_pairs(s)?, BodyKind::Form))
    } else if ct.starts_with("application/json") {
        let v: Value = serde_json::from_slice(body).map_err(|_| {
            GraphError::invalid_parameter("(#100) The request body is not valid JSON")
        })?;
        let Value::Object(map) = v else {
            return Err(GraphError::invalid_parameter(
                "(#100) The JSON request body must be an object",
            ));
        };
        let pairs = map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::Null => None,
                Value::String(s) => Some((k, s)),
                other => Some((k, other.to_string())),
            })
            .collect();
        Ok((pairs, BodyKind::Json))
    } else {
        Ok((Vec::new(), BodyKind::None))
    }
}

pub(crate) fn fault_error(f: Fault) -> GraphError {
    let mut e = GraphError::new(&f.error_type, f.code, f.message);
    e.status = f.http_status;
    e.subcode = f.subcode;
    e.is_transient = f.is_transient;
    e.retry_after = f.retry_after_secs;
    e.regain_minutes = f.estimated_time_to_regain_access_minutes;
    e
}

/// Header value from arbitrary text (non-printable or non-ASCII characters become `?`).
pub(crate) fn header_value(s: &str) -> HeaderValue {
    let clean: String = s
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect();
    HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn url_base(parts: &Parts, query: &[(String, String)]) -> UrlBase {
    let headers = &parts.headers;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".to_string());
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.scheme_str().map(str::to_string))
        .unwrap_or_else(|| "http".to_string());
    UrlBase {
        scheme,
        host,
        path: parts.uri.path().to_string(),
        query: query.to_vec(),
    }
}

/// Everything decided while handling one request.
struct Handled {
    result: Result<Value, GraphError>,
    app_id: Option<String>,
    ig_account: Option<String>,
}

fn run(
    st: &mut State,
    parts: &Parts,
    body: Result<Bytes, ()>,
    record: &mut RecordedRequest,
) -> Handled {
    let (_, segments) = split_version(parts.uri.path());
    let mut handled = Handled {
        result: Ok(Value::Null),
        app_id: None,
        ig_account: None,
    };
    let query = parse_pairs(parts.uri.query().unwrap_or(""));
    let body = body
        .map_err(|()| GraphError::invalid_parameter("(#100) Request body too large"))
        .and_then(|b| parse_body(&parts.headers, &b));
    let (query, (body_pairs, body_kind)) = match (query, body) {
        (Ok(q), Ok(b)) => (q, b),
        (Err(e), _) | (_, Err(e)) => {
            handled.result = Err(e);
            return handled;
        }
    };
    record.query = query
        .iter()
        .map(|(k, v)| {
            let v = if k == "access_token" || k == "appsecret_proof" {
                "REDACTED".to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect::<BTreeMap<_, _>>();
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let creds = auth::extract(&query, &body_pairs, body_kind, authorization);
    record.auth = creds.method;
    let now = st.now();
    let is_me = segments.first().is_some_and(|s| s == "me");
    let outcome = auth::authenticate(st, &creds, is_me, now);
    record.appsecret_proof = outcome.proof;
    handled.app_id = outcome.app_id;
    let token = match outcome.result {
        Ok(t) => t,
        Err(e) => {
            handled.result = Err(e);
            return handled;
        }
    };
    handled.ig_account = target_ig_account(st, &token, &segments);
    let (app_budget, buc_budget) = (st.config.app_budget_per_hour, st.config.buc_budget_per_day);
    if let Err(e) = st.usage.admit(
        &token.app_id,
        handled.ig_account.as_deref(),
        now,
        app_budget,
        buc_budget,
    ) {
        handled.result = Err(e);
        return handled;
    }
    if let Some(f) = st.take_fault(parts.method.as_str(), parts.uri.path()) {
        handled.result = Err(fault_error(f));
        return handled;
    }
    let mut params = Params::default();
    params.extend(query.iter().cloned());
    params.extend(body_pairs);
    let method = params
        .get("method")
        .map(str::to_ascii_uppercase)
        .filter(|m| matches!(m.as_str(), "GET" | "POST" | "DELETE"))
        .unwrap_or_else(|| parts.method.as_str().to_ascii_uppercase());
    let ctx = Ctx {
        method,
        params,
        token,
        url: url_base(parts, &query),
    };
    handled.result = dispatch(st, &ctx, &segments);
    handled
}

/// Handles one Graph request with the state locked.
pub(crate) fn process(st: &mut State, parts: &Parts, body: Result<Bytes, ()>) -> Response {
    let (version, _) = split_version(parts.uri.path());
    let mut record = RecordedRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: BTreeMap::new(),
        auth: crate::types::AuthMethod::None,
        appsecret_proof: crate::types::ProofState::Absent,
        status: 200,
        error_code: None,
    };
    let handled = run(st, parts, body, &mut record);
    let now = st.now();
    let trace = st.next_trace_id();
    let suppress = parts
        .uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "suppress_http_code=1"));

    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("x-fb-trace-id", header_value(&trace));
    headers.insert("facebook-api-version", header_value(&version));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store, must-revalidate"),
    );
    let app_budget = st.config.app_budget_per_hour;
    let buc_budget = st.config.buc_budget_per_day;
    let app_usage = st
        .usage
        .app_header(handled.app_id.as_deref(), now, app_budget);
    headers.insert(
        HeaderName::from_static("x-app-usage"),
        header_value(&app_usage),
    );

    let (status, body) = match &handled.result {
        Ok(v) => (200, v.to_string()),
        Err(e) => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                header_value(&e.www_authenticate()),
            );
            if let Some(secs) = e.retry_after {
                headers.insert(header::RETRY_AFTER, header_value(&secs.to_string()));
            }
            record.error_code = Some(e.code);
            (e.status, e.body(&trace))
        }
    };
    if let Some(ig) = &handled.ig_account {
        let regain = handled.result.as_ref().err().and_then(|e| e.regain_minutes);
        let buc = st.usage.buc_header(ig, now, buc_budget, regain);
        headers.insert(
            HeaderName::from_static("x-business-use-case-usage"),
            header_value(&buc),
        );
    }
    let status = if suppress { 200 } else { status };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    record.status = status.as_u16();
    st.record(record);

    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

fn control_not_found() -> Response {
    let mut resp = Response::new(Body::from(
        serde_json::json!({ "error": "unknown sandbox endpoint" }).to_string(),
    ));
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Axum fallback: every path that is not a control route is a Graph path.
pub(crate) async fn handle(AxState(sb): AxState<Sandbox>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if parts.uri.path() == "/_sandbox" || parts.uri.path().starts_with("/_sandbox/") {
        return control_not_found();
    }
    let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| ());
    let mut st = sb.lock();
    // OAuth endpoints (login dialogs, token exchanges, refresh, debug_token) by path.
    if let Some(resp) = crate::oauth::handle(&mut st, &parts, body.as_ref().ok()) {
        return resp;
    }
    process(&mut st, &parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_prefix() {
        assert_eq!(
            split_version("/v19.0/me/accounts"),
            (
                "v19.0".to_string(),
                vec!["me".to_string(), "accounts".to_string()]
            )
        );
        assert_eq!(split_version("/me").0, DEFAULT_VERSION);
        assert_eq!(split_version("/v25/me").0, "v25.0");
        assert_eq!(split_version("/vx.0/me").1.len(), 2);
    }
}
