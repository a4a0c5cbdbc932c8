//! Public data types: seeded accounts, token specs, faults and recorded requests.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Which login family (and therefore host, token prefix and scope set) an account uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginFamily {
    /// Instagram API with Facebook Login (graph.facebook.com, `EAA…` tokens).
    Facebook,
    /// Instagram API with Instagram Login (graph.instagram.com, `IGAA…` tokens).
    Instagram,
}

/// An account the sandbox created at start-up, with the credentials to use it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeededAccount {
    /// Short handle (`"business"`, `"creator"`) used by [`TokenSpec::account`].
    pub name: String,
    /// Login family of the account's app and token.
    pub login: LoginFamily,
    /// IG professional account id (`17841…`).
    pub ig_user_id: String,
    /// Instagram username.
    pub username: String,
    /// Long-lived user access token (secret).
    pub access_token: String,
    /// App id of the app the token belongs to.
    pub app_id: String,
    /// App secret (secret), key of `appsecret_proof`.
    pub app_secret: String,
    /// Facebook Page linked to the IG account (Facebook Login only).
    pub page_id: Option<String>,
    /// Instagram-Login app-scoped user id (`id` of IG-Login `/me`; Instagram Login only).
    pub app_scoped_id: Option<String>,
}

impl fmt::Debug for SeededAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeededAccount")
            .field("name", &self.name)
            .field("login", &self.login)
            .field("ig_user_id", &self.ig_user_id)
            .field("username", &self.username)
            .field("access_token", &"[REDACTED]")
            .field("app_id", &self.app_id)
            .field("app_secret", &"[REDACTED]")
            .field("page_id", &self.page_id)
            .field("app_scoped_id", &self.app_scoped_id)
            .finish()
    }
}

/// Kind of token to mint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A user token (Facebook user or Instagram user, by the account's family).
    #[default]
    User,
    /// A Page token for the account's Page (Facebook Login accounts only).
    Page,
}

/// What [`crate::Sandbox::mint_token`] should create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSpec {
    /// Seeded account name (`"business"`, `"creator"`).
    pub account: String,
    /// Granted scopes; `None` = all default scopes of the account's family.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Lifetime in seconds from sandbox now; negative = already expired; `None` = 60 days.
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// User or Page token.
    #[serde(default)]
    pub kind: TokenKind,
}

impl TokenSpec {
    /// A user token for `account` with default scopes and a 60-day lifetime.
    pub fn user(account: impl Into<String>) -> Self {
        Self {
            account: account.into(),
            scopes: None,
            expires_in: None,
            kind: TokenKind::User,
        }
    }
}

/// An error the sandbox should return for matching Graph requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fault {
    /// HTTP method to match (case-insensitive); `None` matches any.
    pub method: Option<String>,
    /// Substring of the request path (e.g. `"/media"`); empty matches every path.
    pub path_contains: String,
    /// How many matching requests fail (default 1).
    pub times: u32,
    /// HTTP status to answer with (default 400).
    pub http_status: u16,
    /// Graph error `code` (default 1).
    pub code: i64,
    /// Graph `error_subcode`.
    pub subcode: Option<i64>,
    /// Graph error `message`.
    pub message: String,
    /// Graph error `type` (default `OAuthException`).
    pub error_type: String,
    /// `is_transient` flag.
    pub is_transient: Option<bool>,
    /// Adds a `Retry-After` header (seconds).
    pub retry_after_secs: Option<u64>,
    /// Sets `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`.
    pub estimated_time_to_regain_access_minutes: Option<u64>,
}

impl Default for Fault {
    fn default() -> Self {
        Self {
            method: None,
            path_contains: String::new(),
            times: 1,
            http_status: 400,
            code: 1,
            subcode: None,
            message: "An unknown error occurred".to_string(),
            error_type: "OAuthException".to_string(),
            is_transient: None,
            retry_after_secs: None,
            estimated_time_to_regain_access_minutes: None,
        }
    }
}

/// Where the access token of a request came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// `access_token` query parameter.
    Query,
    /// `access_token` field of an `application/x-www-form-urlencoded` body.
    Form,
    /// `access_token` field of a JSON body.
    Json,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: OAuth <token>`.
    OAuth,
    /// No token.
    None,
}

/// Outcome of the `appsecret_proof` check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProofState {
    /// No proof sent.
    Absent,
    /// Proof matched HMAC-SHA256(app secret, token).
    Valid,
    /// Proof sent but wrong (or the token was unknown).
    Invalid,
}

/// A Graph request the sandbox received (control-API calls are not recorded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Request path as received (with the version prefix, if any).
    pub path: String,
    /// Query parameters; `access_token` and `appsecret_proof` values are `"REDACTED"`.
    pub query: BTreeMap<String, String>,
    /// Where the token came from.
    pub auth: AuthMethod,
    /// appsecret_proof outcome.
    pub appsecret_proof: ProofState,
    /// HTTP status returned.
    pub status: u16,
    /// Graph error code returned, if the response was an error.
    pub error_code: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let a = SeededAccount {
            name: "n".into(),
            login: LoginFamily::Facebook,
            ig_user_id: "1".into(),
            username: "u".into(),
            access_token: "EAAsecret".into(),
            app_id: "2".into(),
            app_secret: "deadbeef".into(),
            page_id: None,
            app_scoped_id: None,
        };
        let s = format!("{a:?}");
        assert!(!s.contains("EAAsecret"));
        assert!(!s.contains("deadbeef"));
        assert!(s.contains("REDACTED"));
    }

    #[test]
    fn fault_defaults_from_json() {
        let f: Fault = serde_json::from_str(r#"{"path_contains":"/media","code":2}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.times, 1);
        assert_eq!(f.http_status, 400);
        assert_eq!(f.error_type, "OAuthException");
        assert_eq!(f.code, 2);
    }
}
