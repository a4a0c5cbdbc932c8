//! Graph error bodies (matching Meta's wording and codes) and the crate's public error type.

use serde::Serialize;

/// Errors of the sandbox's Rust API.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SandboxError {
    /// No seeded account has that name.
    #[error("unknown account: {0}")]
    UnknownAccount(String),
    /// No app has that id.
    #[error("unknown app: {0}")]
    UnknownApp(String),
    /// The token is not known to the sandbox.
    #[error("unknown access token")]
    UnknownToken,
    /// The token spec cannot be satisfied (e.g. a Page token for an Instagram-Login account).
    #[error("invalid token spec: {0}")]
    InvalidTokenSpec(String),
}

/// `type` of a Graph error.
pub(crate) const OAUTH: &str = "OAuthException";
pub(crate) const GRAPH_METHOD: &str = "GraphMethodException";
pub(crate) const IG_API: &str = "IGApiException";

const DOCS_SUFFIX: &str =
    "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api";

/// A Graph API error response in the making.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GraphError {
    pub(crate) status: u16,
    pub(crate) message: String,
    pub(crate) kind: String,
    pub(crate) code: i64,
    pub(crate) subcode: Option<i64>,
    pub(crate) is_transient: Option<bool>,
    /// Set `WWW-Authenticate: ... "invalid_token" ...` instead of `"invalid_request"`.
    pub(crate) invalid_token: bool,
    /// `Retry-After` header value (seconds).
    pub(crate) retry_after: Option<u64>,
    /// Overrides `estimated_time_to_regain_access` in the BUC header (minutes).
    pub(crate) regain_minutes: Option<u64>,
}

/// Serialized shape: `{"error":{message,type,code,error_subcode?,is_transient?,fbtrace_id}}`.
#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    code: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_subcode: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_transient: Option<bool>,
    fbtrace_id: &'a str,
}

impl GraphError {
    /// A 400 error with the given type, code and message.
    pub(crate) fn new(kind: &str, code: i64, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            message: message.into(),
            kind: kind.to_string(),
            code,
            subcode: None,
            is_transient: None,
            invalid_token: false,
            retry_after: None,
            regain_minutes: None,
        }
    }

    pub(crate) fn with_subcode(mut self, subcode: i64) -> Self {
        self.subcode = Some(subcode);
        self
    }

    pub(crate) fn transient(mut self, transient: bool) -> Self {
        self.is_transient = Some(transient);
        self
    }

    fn token_error(mut self) -> Self {
        self.invalid_token = true;
        self
    }

    /// JSON body with the given trace id.
    pub(crate) fn body(&self, fbtrace_id: &str) -> String {
        let env = Envelope {
            error: Body {
                message: &self.message,
                kind: &self.kind,
                code: self.code,
                error_subcode: self.subcode,
                is_transient: self.is_transient,
                fbtrace_id,
            },
        };
        serde_json::to_string(&env).unwrap_or_else(|_| "{}".to_string())
    }

    /// `WWW-Authenticate` header value, as Graph sends it on errors.
    pub(crate) fn www_authenticate(&self) -> String {
        let kind = if self.invalid_token {
            "invalid_token"
        } else {
            "invalid_request"
        };
        let msg = self.message.replace('"', "'");
        format!("OAuth \"Facebook Platform\" \"{kind}\" \"{msg}\"")
    }

    // ---- authentication -------------------------------------------------------------

    /// No token on an endpoint that needs one.
    pub(crate) fn token_required() -> Self {
        Self::new(
            OAUTH,
            104,
            "An access token is required to request this resource.",
        )
    }

    /// No token on `/me`.
    pub(crate) fn me_requires_token() -> Self {
        Self::new(
            OAUTH,
            2500,
            "An active access token must be used to query information about the current user.",
        )
    }

    /// Token not known.
    pub(crate) fn cannot_parse_token() -> Self {
        Self::new(
            OAUTH,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        )
        .token_error()
    }

    /// Token expired (subcode 463).
    pub(crate) fn token_expired(expired_at: i64, now: i64) -> Self {
        Self::new(
            OAUTH,
            190,
            format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                crate::clock::session_time(expired_at),
                crate::clock::session_time(now)
            ),
        )
        .with_subcode(463)
        .token_error()
    }

    /// Token revoked (subcode 460).
    pub(crate) fn token_revoked() -> Self {
        Self::new(
            OAUTH,
            190,
            "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
        )
        .with_subcode(460)
        .token_error()
    }

    pub(crate) fn invalid_appsecret_proof() -> Self {
        Self::new(
            GRAPH_METHOD,
            100,
            "Invalid appsecret_proof provided in the API argument",
        )
    }

    pub(crate) fn appsecret_proof_required() -> Self {
        Self::new(
            GRAPH_METHOD,
            100,
            "API calls from the server require an appsecret_proof argument",
        )
    }

    /// Missing scope.
    pub(crate) fn permission_denied() -> Self {
        Self::new(
            OAUTH,
            10,
            "(#10) Application does not have permission for this action",
        )
    }

    // ---- throttling -----------------------------------------------------------------

    pub(crate) fn app_limit_reached() -> Self {
        Self::new(OAUTH, 4, "(#4) Application request limit reached").transient(true)
    }

    pub(crate) fn buc_limit_reached(regain_minutes: u64) -> Self {
        let mut e = Self::new(
            OAUTH,
            80002,
            "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.",
        )
        .transient(true);
        e.regain_minutes = Some(regain_minutes);
        e
    }

    // ---- routing / parameters -------------------------------------------------------

    /// Object id unknown or not accessible with this token (code 100, subcode 33).
    pub(crate) fn unsupported_request(method: &str, id: &str) -> Self {
        Self::new(
            GRAPH_METHOD,
            100,
            format!(
                "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. {DOCS_SUFFIX}",
                method.to_ascii_lowercase()
            ),
        )
        .with_subcode(33)
    }

    /// Unknown edge; graph.instagram.com answers with `IGApiException`, graph.facebook.com
    /// with `OAuthException`, both code 2500.
    pub(crate) fn unknown_path(instagram: bool, rest: &str) -> Self {
        Self::new(
            if instagram { IG_API } else { OAUTH },
            2500,
            format!("Unknown path components: {rest}"),
        )
    }

    pub(crate) fn nonexisting_field(field: &str, node_type: &str) -> Self {
        Self::new(
            OAUTH,
            100,
            format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
            ),
        )
    }

    /// Generic invalid-parameter error (code 100).
    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(OAUTH, 100, message)
    }

    pub(crate) fn invalid_cursor(param: &str) -> Self {
        Self::invalid_parameter(format!(
            "(#100) Invalid cursor: the '{param}' parameter is not a cursor issued for this edge"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let e = GraphError::unsupported_request("GET", "x");
        let v: serde_json::Value =
            serde_json::from_str(&e.body("AbC")).expect("error body is JSON");
        assert_eq!(v["error"]["code"], 100);
        assert_eq!(v["error"]["error_subcode"], 33);
        assert_eq!(v["error"]["type"], "GraphMethodException");
        assert_eq!(v["error"]["fbtrace_id"], "AbC");
        assert!(v["error"].get("is_transient").is_none());
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Unsupported get request. Object with ID 'x'"))
        );
    }

    #[test]
    fn www_authenticate_kind() {
        assert!(
            GraphError::cannot_parse_token()
                .www_authenticate()
                .contains("\"invalid_token\"")
        );
        assert!(
            GraphError::token_required()
                .www_authenticate()
                .contains("\"invalid_request\"")
        );
    }
}
