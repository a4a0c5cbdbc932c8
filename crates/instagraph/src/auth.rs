//! OAuth for both login families: the authorize URL, the redirect (state checked in constant
//! time, `#_` stripped), code → short-lived token → long-lived token, the Instagram refresh,
//! `debug_token`, who the token is (`/me`, `/me/accounts` with Page tokens), when to refresh,
//! and which capabilities the granted scopes allow.
//!
//! | step | Instagram Login | Facebook Login |
//! |---|---|---|
//! | authorize | `www.instagram.com/oauth/authorize` | `www.facebook.com/{ver}/dialog/oauth` |
//! | code → token | `POST api.instagram.com/oauth/access_token` (1 h) | `GET graph.facebook.com/{ver}/oauth/access_token` |
//! | long-lived | `GET graph.instagram.com/access_token?grant_type=ig_exchange_token` (60 d) | `…/oauth/access_token?grant_type=fb_exchange_token` (60 d) |
//! | refresh | `GET graph.instagram.com/refresh_access_token` (≥ 24 h old, unexpired) | none: log in again |
//! | inspect | none | `GET graph.facebook.com/debug_token` |
//!
//! Tokens and app secrets are [`SecretString`]s: `Debug`, errors and logs never show them (URLs
//! are logged through [`redact_url`]). Serializing a token model writes the token in clear,
//! because that is how it is stored; keep serialized values as secret as the token itself.

use crate::client::{decode, redact_url};
use crate::config::{ApiVersion, LoginFamily};
use crate::error::{Error, GraphError};
use crate::ids::{IgUserId, PageId};
use crate::paging::{Page, PageGuard, Step};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::time::Duration;

/// Fields a model does not declare, kept as sent.
pub type Map = serde_json::Map<String, Value>;

/// Lifetime of an Instagram-Login short-lived token (1 hour).
pub const SHORT_LIVED_SECS: u64 = 3_600;
/// Lifetime of a long-lived token, both families (60 days, `expires_in` 5184000).
pub const LONG_LIVED_SECS: u64 = 5_184_000;
/// How old an Instagram-Login long-lived token must be before it can be refreshed (24 h).
pub const MIN_REFRESH_AGE_MS: i64 = 24 * 3_600 * 1_000;

// ---- endpoints and app ---------------------------------------------------------------------

/// Where each family's OAuth steps live.
///
/// [`AuthEndpoints::production`] is `www.instagram.com` / `api.instagram.com` /
/// `graph.instagram.com` for Instagram Login and `www.facebook.com` / `graph.facebook.com` for
/// Facebook Login; [`AuthEndpoints::sandbox`] puts everything on the sandbox's base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthEndpoints {
    /// The family these endpoints belong to (decides which calls exist: `debug_token` and
    /// `/me/accounts` are Facebook Login only, the refresh and `/me` identity Instagram Login).
    pub family: LoginFamily,
    /// Base of the login dialog (no trailing slash).
    pub authorize_base: String,
    /// Base of the code exchange (`api.instagram.com`, or the Graph host on Facebook Login).
    pub token_base: String,
    /// Base of the Graph API (long-lived exchange, refresh, `debug_token`, `/me`).
    pub graph_base: String,
    /// Version used in versioned paths (Facebook dialog and token endpoints, `/me`).
    pub api_version: ApiVersion,
}

impl AuthEndpoints {
    /// The platform's hosts for `family`.
    pub fn production(family: LoginFamily) -> Self {
        let (authorize, token, graph) = match family {
            LoginFamily::Instagram => (
                "https://www.instagram.com",
                "https://api.instagram.com",
                "https://graph.instagram.com",
            ),
            LoginFamily::Facebook => (
                "https://www.facebook.com",
                "https://graph.facebook.com",
                "https://graph.facebook.com",
            ),
        };
        Self {
            family,
            authorize_base: authorize.to_owned(),
            token_base: token.to_owned(),
            graph_base: graph.to_owned(),
            api_version: ApiVersion::default(),
        }
    }

    /// Every step on one base URL (the sandbox serves both families' paths there).
    pub fn sandbox(base_url: &str, family: LoginFamily) -> Self {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        Self {
            family,
            authorize_base: base.clone(),
            token_base: base.clone(),
            graph_base: base,
            api_version: ApiVersion::default(),
        }
    }

    /// The same endpoints with another API version.
    pub fn with_api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    fn authorize(&self) -> &str {
        self.authorize_base.trim_end_matches('/')
    }

    fn token(&self) -> &str {
        self.token_base.trim_end_matches('/')
    }

    fn graph(&self) -> &str {
        self.graph_base.trim_end_matches('/')
    }

    fn require(&self, family: LoginFamily, operation: &'static str) -> Result<(), Error> {
        if self.family == family {
            Ok(())
        } else {
            Err(Error::Unsupported {
                operation,
                family: self.family,
                hint: Some(match family {
                    LoginFamily::Facebook => {
                        "this exists only on Facebook Login (graph.facebook.com)"
                    }
                    LoginFamily::Instagram => {
                        "this exists only on Instagram Login (graph.instagram.com)"
                    }
                }),
            })
        }
    }
}

/// The app a login runs for: its id, its secret (the Instagram app secret on Instagram Login,
/// the Facebook app secret on Facebook Login) and the redirect URI registered for it.
/// `Debug` redacts the secret.
#[derive(Clone, Debug)]
pub struct OAuthApp {
    /// The app id (`client_id`).
    pub app_id: String,
    /// The app secret (`client_secret`).
    pub app_secret: SecretString,
    /// The redirect URI, byte for byte as registered (mind the trailing slash).
    pub redirect_uri: String,
}

impl OAuthApp {
    /// An app from its id, secret and redirect URI.
    pub fn new(
        app_id: impl Into<String>,
        app_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret: SecretString::from(app_secret.into()),
            redirect_uri: redirect_uri.into(),
        }
    }

    /// Checks the id and redirect URI before anything is sent (the secret is never echoed).
    pub fn validate(&self) -> Result<(), Error> {
        let id = self.app_id.trim();
        if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_input(
                "app_id",
                "the app's numeric id",
                &self.app_id,
            ));
        }
        if self.app_secret.expose_secret().trim().is_empty() {
            return Err(Error::Config(
                "the app secret is empty: set it (it is never printed)".into(),
            ));
        }
        let uri = &self.redirect_uri;
        let scheme_ok = uri.starts_with("https://") || uri.starts_with("http://");
        if !scheme_ok || uri.contains('#') || uri.chars().any(char::is_whitespace) {
            return Err(Error::invalid_input(
                "redirect_uri",
                "an absolute http(s) URL without a fragment, exactly as registered for the app",
                uri,
            ));
        }
        Ok(())
    }
}

// ---- scopes and the authorize URL -------------------------------------------------------

const IG_BASIC: &str = "instagram_business_basic";
const IG_PUBLISH: &str = "instagram_business_content_publish";
const IG_MESSAGES: &str = "instagram_business_manage_messages";
const IG_COMMENTS: &str = "instagram_business_manage_comments";
const IG_INSIGHTS: &str = "instagram_business_manage_insights";

const FB_BASIC: &str = "instagram_basic";
const FB_PUBLISH: &str = "instagram_content_publish";
const FB_COMMENTS: &str = "instagram_manage_comments";
const FB_INSIGHTS: &str = "instagram_manage_insights";
const FB_MESSAGES: &str = "instagram_manage_messages";
const PAGES_SHOW_LIST: &str = "pages_show_list";
const PAGES_READ_ENGAGEMENT: &str = "pages_read_engagement";
const PAGES_MANAGE_METADATA: &str = "pages_manage_metadata";
const BUSINESS_MANAGEMENT: &str = "business_management";

/// The scopes a login asks for by default: everything the toolkit can use.
///
/// Instagram Login: the five `instagram_business_*` scopes (`instagram_business_basic` is
/// mandatory). Facebook Login: the `instagram_*` scopes plus the Page scopes that reach the IG
/// account (`pages_show_list`, `pages_read_engagement`), webhooks (`pages_manage_metadata`) and
/// Pages owned through Business Manager (`business_management`).
pub fn default_scopes(family: LoginFamily) -> &'static [&'static str] {
    match family {
        LoginFamily::Instagram => &[IG_BASIC, IG_PUBLISH, IG_MESSAGES, IG_COMMENTS, IG_INSIGHTS],
        LoginFamily::Facebook => &[
            FB_BASIC,
            FB_PUBLISH,
            FB_COMMENTS,
            FB_INSIGHTS,
            FB_MESSAGES,
            PAGES_SHOW_LIST,
            PAGES_READ_ENGAGEMENT,
            PAGES_MANAGE_METADATA,
            BUSINESS_MANAGEMENT,
        ],
    }
}

fn encode_query(pairs: &[(&str, &str)]) -> String {
    // Encoding string pairs cannot fail.
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// The URL to send the user to. `scopes` empty means [`default_scopes`]; `state` should come
/// from [`new_state`] and be kept to check the redirect with [`parse_redirect`].
///
/// Instagram Login: `{authorize_base}/oauth/authorize?client_id&redirect_uri&response_type=code&scope&state`;
/// Facebook Login: `{authorize_base}/{ver}/dialog/oauth?client_id&redirect_uri&state&scope&response_type=code`.
pub fn authorize_url(
    family: LoginFamily,
    endpoints: &AuthEndpoints,
    app: &OAuthApp,
    scopes: &[&str],
    state: &str,
) -> String {
    let scope = if scopes.is_empty() {
        default_scopes(family).join(",")
    } else {
        scopes.join(",")
    };
    match family {
        LoginFamily::Instagram => format!(
            "{}/oauth/authorize?{}",
            endpoints.authorize(),
            encode_query(&[
                ("client_id", &app.app_id),
                ("redirect_uri", &app.redirect_uri),
                ("response_type", "code"),
                ("scope", &scope),
                ("state", state),
            ])
        ),
        LoginFamily::Facebook => format!(
            "{}/{}/dialog/oauth?{}",
            endpoints.authorize(),
            endpoints.api_version,
            encode_query(&[
                ("client_id", &app.app_id),
                ("redirect_uri", &app.redirect_uri),
                ("state", state),
                ("scope", &scope),
                ("response_type", "code"),
            ])
        ),
    }
}

/// A fresh CSRF `state`: 128 bits from the operating system's CSPRNG, as 32 lowercase hex
/// characters (URL-safe).
pub fn new_state() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS generator is unavailable (practically never on supported platforms). Fall back
        // to hashing time, a per-process random key and a counter through SipHash twice; still
        // unpredictable across processes, though not a CSPRNG.
        use std::hash::{BuildHasher, Hasher};
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(nanos);
            h.write_u64(n);
            h.write_usize(i);
            h.write_u64(fastrand::u64(..));
            let v = h.finish().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    hex::encode(bytes)
}

/// The code as the token endpoint wants it: surrounding whitespace removed and the `#_` (or
/// Facebook's `#_=_`) the platform appends to the redirect cut off. A code never contains `#`.
pub fn clean_code(code: &str) -> &str {
    let t = code.trim();
    t.split('#').next().unwrap_or(t).trim()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Reads the redirect the login came back to: a whole URL (`https://…/cb?code=…&state=…#_`), or
/// just its query. Checks `state` against `expected_state` in constant time (a mismatch may be
/// CSRF: [`Error::OAuth`] with `state_mismatch`), surfaces a denied login's `error`,
/// `error_reason` and `error_description` ([`Error::OAuth`]), and returns the cleaned code.
pub fn parse_redirect(url_or_query: &str, expected_state: &str) -> Result<String, Error> {
    if expected_state.is_empty() {
        return Err(Error::invalid_input(
            "state",
            "the non-empty state the login was started with (see new_state)",
            "",
        ));
    }
    let s = url_or_query.trim();
    let s = s.split('#').next().unwrap_or(s);
    let query = match s.split_once('?') {
        Some((_, q)) => q,
        None if s.contains('=') => s,
        None => "",
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|_| {
        Error::invalid_input(
            "redirect",
            "the redirect URL or its query string",
            "(malformed query string)",
        )
    })?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let state = get("state");
    if let Some(error) = get("error").filter(|e| !e.is_empty()) {
        // A denial is reported as such when its state matches or it carries none (a denial
        // carries nothing to steal); a foreign state is still a state mismatch.
        if state.is_none_or(|st| constant_time_eq(st, expected_state)) {
            return Err(Error::OAuth {
                error: error.to_owned(),
                reason: get("error_reason").map(str::to_owned),
                description: get("error_description").map(str::to_owned),
            });
        }
    }
    match state {
        Some(st) if constant_time_eq(st, expected_state) => {}
        _ => {
            return Err(Error::OAuth {
                error: "state_mismatch".to_owned(),
                reason: None,
                description: Some(
                    "the redirect's state is missing or is not the one this login started with (possible CSRF): start the login again"
                        .to_owned(),
                ),
            });
        }
    }
    let code = get("code").map(clean_code).unwrap_or("");
    if code.is_empty() {
        return Err(Error::invalid_input(
            "redirect",
            "a redirect carrying code= (paste the whole URL the browser landed on)",
            "(no code parameter)",
        ));
    }
    Ok(code.to_owned())
}

// ---- token models ----------------------------------------------------------------------

fn expose<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

fn opt_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    crate::models::opt_string_or_number(d)
}

/// `permissions` as an array, or as one comma-separated string (the `data` shape).
fn permissions<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum P {
        List(Vec<String>),
        Joined(String),
    }
    Ok(match Option::<P>::deserialize(d)? {
        None => Vec::new(),
        Some(P::List(v)) => v,
        Some(P::Joined(s)) => s
            .split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// The token a code is exchanged for: Instagram Login's short-lived (1 h) token with the app
/// user's id and the granted permissions, or Facebook Login's user token (`token_type` and
/// `expires_in`; `token_type` lands in `extra`).
///
/// Instagram Login answers in one of three shapes, all read by [`ShortLivedToken::from_json`]:
/// `{"data":[{"access_token","user_id","permissions":"a,b"}]}` (current docs), a flat object
/// with `permissions` as an array (restfb's `instagram/accesstoken.json`), and the
/// Basic-Display-era `{"access_token","user_id"}` with a numeric `user_id`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShortLivedToken {
    /// The token.
    #[serde(serialize_with = "expose")]
    pub access_token: SecretString,
    /// The app-scoped user id (Instagram Login; a number or a string on the wire).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub user_id: Option<String>,
    /// The granted permissions (Instagram Login), from an array or a comma-separated string.
    #[serde(default, deserialize_with = "permissions")]
    pub permissions: Vec<String>,
    /// Seconds until it expires, when the platform says (Facebook Login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// Fields not declared here (`token_type`, ...).
    #[serde(flatten)]
    pub extra: Map,
}

impl ShortLivedToken {
    /// Parses any of the three response shapes (see the type's docs).
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        let value: Value = decode(body)?;
        let item = match &value {
            Value::Object(map) if !map.contains_key("access_token") => match map.get("data") {
                Some(Value::Array(items)) => {
                    items.first().cloned().ok_or_else(|| Error::Decode {
                        path: "data".into(),
                        message: "the token response's data list is empty".into(),
                    })?
                }
                Some(Value::Object(inner)) => Value::Object(inner.clone()),
                _ => value,
            },
            _ => value,
        };
        let bytes = serde_json::to_vec(&item).map_err(|e| Error::Decode {
            path: String::new(),
            message: e.to_string(),
        })?;
        decode(&bytes)
    }

    /// The lifetime to assume: `expires_in` when given, else one hour.
    pub fn lifetime_secs(&self) -> u64 {
        self.expires_in.unwrap_or(SHORT_LIVED_SECS)
    }
}

/// A long-lived token (`{access_token, token_type:"bearer", expires_in}`): the 60-day exchange
/// of either family, and the Instagram refresh (whose `permissions` string lands in `extra`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LongLivedToken {
    /// The token.
    #[serde(serialize_with = "expose")]
    pub access_token: SecretString,
    /// `bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Seconds until it expires (5184000 = 60 days); absent for tokens that do not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map,
}

impl LongLivedToken {
    /// When it expires (unix ms), counted from `received_at_ms`; `None` when it does not.
    pub fn expires_at_ms(&self, received_at_ms: i64) -> Option<i64> {
        let secs = i64::try_from(self.expires_in?).unwrap_or(i64::MAX / 1000);
        Some(received_at_ms.saturating_add(secs.saturating_mul(1000)))
    }
}

/// One entry of `granular_scopes`: which Pages or IG accounts a scope was granted for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GranularScope {
    /// The scope.
    pub scope: String,
    /// The ids it was granted for (absent: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ids: Option<Vec<String>>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map,
}

/// `error` of a `debug_token` answer for an invalid token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenInfoError {
    /// The code (190 for invalid or expired tokens).
    #[serde(default)]
    pub code: i64,
    /// The platform's message.
    #[serde(default)]
    pub message: String,
    /// The subcode (463 expired, 460 invalidated, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcode: Option<i64>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map,
}

/// What `debug_token` says about a token (its `data` object). Timestamps are unix seconds;
/// `expires_at` 0 means "never".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The app the token belongs to (a number in older answers).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub app_id: Option<String>,
    /// `USER`, `PAGE`, `APP`, ...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// The app's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// When it expires (0 = never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// When access to the user's data expires (90 days after the user's last activity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_access_expires_at: Option<i64>,
    /// When it was issued (older answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<i64>,
    /// Whether the token works now.
    #[serde(default)]
    pub is_valid: bool,
    /// The granted scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Scopes with the ids they were granted for.
    #[serde(default)]
    pub granular_scopes: Vec<GranularScope>,
    /// The user (a number in older answers).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub user_id: Option<String>,
    /// The Page, for Page tokens.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub profile_id: Option<String>,
    /// Why the token is invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TokenInfoError>,
    /// Fields not declared here (`metadata`, ...).
    #[serde(flatten)]
    pub extra: Map,
}

impl TokenInfo {
    /// `expires_at` in unix ms; `None` when it never expires (0) or is unknown.
    pub fn expires_at_ms(&self) -> Option<i64> {
        self.expires_at
            .filter(|t| *t > 0)
            .map(|t| t.saturating_mul(1000))
    }

    /// The ids `scope` was granted for (`granular_scopes`), e.g. the IG account of
    /// `instagram_basic`.
    pub fn targets_of(&self, scope: &str) -> Vec<String> {
        self.granular_scopes
            .iter()
            .filter(|g| g.scope == scope)
            .flat_map(|g| g.target_ids.clone().unwrap_or_default())
            .collect()
    }
}

/// The whole `debug_token` answer: `{"data": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DebugTokenResponse {
    /// What the platform says about the token.
    pub data: TokenInfo,
}

/// Who an Instagram-Login token belongs to (`GET /me?fields=id,user_id,username,account_type`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstagramIdentity {
    /// The app-scoped user id (`id` of IG-Login `/me`).
    #[serde(deserialize_with = "crate::ids::string_or_number")]
    pub id: String,
    /// The IG professional account id (what webhooks and Facebook Login call the IG user id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<IgUserId>,
    /// The handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `BUSINESS` or `MEDIA_CREATOR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: Map,
}

fn ig_account_ref<'de, D: Deserializer<'de>>(d: D) -> Result<Option<IgUserId>, D::Error> {
    #[derive(Deserialize)]
    struct Ref {
        id: IgUserId,
    }
    Ok(Option::<Ref>::deserialize(d)?.map(|r| r.id))
}

fn ig_account_ref_ser<S: Serializer>(id: &Option<IgUserId>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    match id {
        None => s.serialize_none(),
        Some(id) => {
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry("id", id.as_str())?;
            m.end()
        }
    }
}

/// A Facebook Page of the logged-in user, with its Page token (from `/me/accounts`). A Page
/// token derived from a long-lived user token does not expire; messaging on Facebook Login
/// needs it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PageWithToken {
    /// The Page id.
    pub id: PageId,
    /// The Page's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The Page token.
    #[serde(serialize_with = "expose")]
    pub access_token: SecretString,
    /// The connected IG professional account (`{"id": ...}` on the wire).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "ig_account_ref",
        serialize_with = "ig_account_ref_ser"
    )]
    pub instagram_business_account: Option<IgUserId>,
    /// What the user may do on the Page (`MANAGE`, `CREATE_CONTENT`, `MESSAGING`, ...).
    #[serde(default)]
    pub tasks: Vec<String>,
    /// Fields not declared here (`category`, `category_list`, ...).
    #[serde(flatten)]
    pub extra: Map,
}

// ---- HTTP -------------------------------------------------------------------------------

/// Replaces every secret we sent that the platform may have echoed.
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(*s) {
            out = out.replace(*s, "REDACTED");
        }
    }
    out
}

/// Sends one OAuth call with the caller's HTTP client and returns the body of a 2xx answer;
/// errors in the Graph envelope or the flat OAuth form become [`Error::Graph`], anything else
/// [`Error::Http`]. Only the redacted URL is logged; echoed secrets are scrubbed.
async fn send(
    http: &reqwest::Client,
    rb: reqwest::RequestBuilder,
    what: &'static str,
    secrets: &[&str],
) -> Result<Vec<u8>, Error> {
    let req = rb.build()?;
    let logged = redact_url(req.url().as_str());
    let method = req.method().clone();
    let resp = http.execute(req).await?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.bytes().await?.to_vec();
    tracing::debug!(%method, url = %logged, status, what, "oauth call");
    if (200..300).contains(&status) {
        return Ok(body);
    }
    match GraphError::from_body(&body) {
        Some(mut error) => {
            error.message = scrub(&error.message, secrets);
            if let Some(m) = error.error_user_msg.as_mut() {
                *m = scrub(m, secrets);
            }
            let class = error.class();
            Err(Error::Graph {
                status,
                error: Box::new(error),
                class,
                retry_after,
            })
        }
        None => {
            let text = scrub(&String::from_utf8_lossy(&body), secrets);
            Err(Error::Http {
                status,
                snippet: text.chars().take(200).collect(),
            })
        }
    }
}

fn check_code(code: &str) -> Result<(), Error> {
    let problem = if code.is_empty() {
        "(empty)"
    } else if code.len() > 4096 {
        "(longer than 4096 characters)"
    } else if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "(contains whitespace)"
    } else {
        return Ok(());
    };
    Err(Error::invalid_input(
        "code",
        "the code= value of the login redirect",
        problem,
    ))
}

fn check_token(field: &'static str, token: &SecretString) -> Result<(), Error> {
    let t = token.expose_secret();
    if t.trim().is_empty() {
        return Err(Error::invalid_input(
            field,
            "a non-empty access token",
            "(empty)",
        ));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_input(
            field,
            "an access token without whitespace",
            "(contains whitespace)",
        ));
    }
    Ok(())
}

/// The checks of [`OAuthApp::validate`] that do not involve the redirect URI.
fn check_id_secret(app: &OAuthApp) -> Result<(), Error> {
    OAuthApp {
        redirect_uri: "https://unused.invalid/".to_owned(),
        ..app.clone()
    }
    .validate()
}

/// Exchanges the login's code for a token. The code is cleaned first ([`clean_code`]).
///
/// Instagram Login: `POST {token_base}/oauth/access_token` (form: `client_id`, `client_secret`,
/// `grant_type=authorization_code`, `redirect_uri`, `code`), answered in any of the three shapes
/// of [`ShortLivedToken`]. Facebook Login: `GET {token_base}/{ver}/oauth/access_token?client_id&redirect_uri&client_secret&code`.
/// Codes are single use: this call is never retried.
pub async fn exchange_code(
    http: &reqwest::Client,
    family: LoginFamily,
    endpoints: &AuthEndpoints,
    app: &OAuthApp,
    code: &str,
) -> Result<ShortLivedToken, Error> {
    app.validate()?;
    let code = clean_code(code);
    check_code(code)?;
    let secret = app.app_secret.expose_secret();
    let rb = match family {
        LoginFamily::Instagram => http
            .post(format!("{}/oauth/access_token", endpoints.token()))
            .form(&[
                ("client_id", app.app_id.as_str()),
                ("client_secret", secret),
                ("grant_type", "authorization_code"),
                ("redirect_uri", app.redirect_uri.as_str()),
                ("code", code),
            ]),
        LoginFamily::Facebook => http
            .get(format!(
                "{}/{}/oauth/access_token",
                endpoints.token(),
                endpoints.api_version
            ))
            .query(&[
                ("client_id", app.app_id.as_str()),
                ("redirect_uri", app.redirect_uri.as_str()),
                ("client_secret", secret),
                ("code", code),
            ]),
    };
    let body = send(http, rb, "code exchange", &[secret, code]).await?;
    let token = ShortLivedToken::from_json(&body)?;
    check_token("access_token", &token.access_token).map_err(|_| Error::Decode {
        path: "access_token".into(),
        message: "the platform returned an empty token".into(),
    })?;
    Ok(token)
}

/// Exchanges a short-lived token for a 60-day one.
///
/// Instagram Login: `GET {graph_base}/access_token?grant_type=ig_exchange_token&client_secret&access_token`.
/// Facebook Login: `GET {graph_base}/{ver}/oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token`.
/// Server side only: the request carries the app secret.
pub async fn exchange_long_lived(
    http: &reqwest::Client,
    family: LoginFamily,
    endpoints: &AuthEndpoints,
    app: &OAuthApp,
    short: &SecretString,
) -> Result<LongLivedToken, Error> {
    check_id_secret(app)?;
    check_token("access_token", short)?;
    let secret = app.app_secret.expose_secret();
    let token = short.expose_secret();
    let rb = match family {
        LoginFamily::Instagram => http
            .get(format!("{}/access_token", endpoints.graph()))
            .query(&[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", secret),
                ("access_token", token),
            ]),
        LoginFamily::Facebook => http
            .get(format!(
                "{}/{}/oauth/access_token",
                endpoints.graph(),
                endpoints.api_version
            ))
            .query(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", app.app_id.as_str()),
                ("client_secret", secret),
                ("fb_exchange_token", token),
            ]),
    };
    let body = send(http, rb, "long-lived exchange", &[secret, token]).await?;
    decode(&body)
}

/// Refreshes an Instagram-Login long-lived token: `GET {graph_base}/refresh_access_token?grant_type=ig_refresh_token&access_token`.
/// The platform refuses tokens younger than 24 hours and expired ones (190/463: log in again);
/// check [`refresh_due`] first. Facebook Login has no refresh ([`Error::Unsupported`]).
pub async fn refresh_instagram_token(
    http: &reqwest::Client,
    endpoints: &AuthEndpoints,
    token: &SecretString,
) -> Result<LongLivedToken, Error> {
    endpoints.require(LoginFamily::Instagram, "refreshing an access token")?;
    check_token("access_token", token)?;
    let t = token.expose_secret();
    let rb = http
        .get(format!("{}/refresh_access_token", endpoints.graph()))
        .query(&[("grant_type", "ig_refresh_token"), ("access_token", t)]);
    let body = send(http, rb, "token refresh", &[t]).await?;
    decode(&body)
}

/// What the platform knows about `input` (validity, expiry, scopes, granular targets):
/// `GET {graph_base}/{ver}/debug_token?input_token&access_token=APP_ID|APP_SECRET`. Expired and
/// revoked tokens come back as data with `is_valid: false` and `error`. Facebook Login only
/// (Instagram Login has no `debug_token`: [`Error::Unsupported`]).
pub async fn debug_token(
    http: &reqwest::Client,
    endpoints: &AuthEndpoints,
    app: &OAuthApp,
    input: &SecretString,
) -> Result<TokenInfo, Error> {
    endpoints.require(LoginFamily::Facebook, "debug_token")?;
    check_id_secret(app)?;
    check_token("input_token", input)?;
    let app_token = format!("{}|{}", app.app_id.trim(), app.app_secret.expose_secret());
    let t = input.expose_secret();
    let rb = http
        .get(format!(
            "{}/{}/debug_token",
            endpoints.graph(),
            endpoints.api_version
        ))
        .query(&[("input_token", t), ("access_token", app_token.as_str())]);
    let body = send(
        http,
        rb,
        "debug_token",
        &[t, app_token.as_str(), app.app_secret.expose_secret()],
    )
    .await?;
    Ok(decode::<DebugTokenResponse>(&body)?.data)
}

/// Who an Instagram-Login token belongs to: `GET {graph_base}/{ver}/me?fields=id,user_id,username,account_type`
/// (token as `Authorization: Bearer`).
pub async fn instagram_identity(
    http: &reqwest::Client,
    endpoints: &AuthEndpoints,
    token: &SecretString,
) -> Result<InstagramIdentity, Error> {
    instagram_identity_with(http, endpoints, token, None).await
}

/// [`instagram_identity`] with `appsecret_proof` (for apps that require it).
pub async fn instagram_identity_with(
    http: &reqwest::Client,
    endpoints: &AuthEndpoints,
    token: &SecretString,
    app_secret: Option<&SecretString>,
) -> Result<InstagramIdentity, Error> {
    endpoints.require(LoginFamily::Instagram, "the Instagram identity (/me)")?;
    check_token("access_token", token)?;
    let t = token.expose_secret();
    let mut query = vec![(
        "fields".to_owned(),
        "id,user_id,username,account_type".to_owned(),
    )];
    if let Some(secret) = app_secret {
        query.push((
            "appsecret_proof".to_owned(),
            crate::client::appsecret_proof(secret.expose_secret(), t),
        ));
    }
    let rb = http
        .get(format!(
            "{}/{}/me",
            endpoints.graph(),
            endpoints.api_version
        ))
        .bearer_auth(t)
        .query(&query);
    let body = send(http, rb, "identity", &[t]).await?;
    decode(&body)
}

/// The logged-in Facebook user's Pages with their Page tokens and connected IG accounts, every
/// page of the list: `GET {graph_base}/{ver}/me/accounts?fields=id,name,access_token,tasks,instagram_business_account`.
pub async fn facebook_pages(
    http: &reqwest::Client,
    endpoints: &AuthEndpoints,
    user_token: &SecretString,
) -> Result<Vec<PageWithToken>, Error> {
    facebook_pages_with(http, endpoints, user_token, None).await
}

/// [`facebook_pages`] with `appsecret_proof` (for apps that require it).
pub async fn facebook_pages_with(
    http: &reqwest::Client,
    endpoints: &AuthEndpoints,
    user_token: &SecretString,
    app_secret: Option<&SecretString>,
) -> Result<Vec<PageWithToken>, Error> {
    endpoints.require(LoginFamily::Facebook, "listing Pages (/me/accounts)")?;
    check_token("access_token", user_token)?;
    let t = user_token.expose_secret();
    let proof = app_secret.map(|s| crate::client::appsecret_proof(s.expose_secret(), t));
    let mut url = format!(
        "{}/{}/me/accounts?{}",
        endpoints.graph(),
        endpoints.api_version,
        encode_query(&[(
            "fields",
            "id,name,access_token,tasks,instagram_business_account"
        )])
    );
    let mut guard = PageGuard::default();
    let mut pages = Vec::new();
    // A hard cap on top of the guard: no user has anywhere near 1000 pages of Pages.
    for _ in 0..1000 {
        let mut rb = http.get(&url).bearer_auth(t);
        if let Some(p) = &proof {
            rb = rb.query(&[("appsecret_proof", p.as_str())]);
        }
        let body = send(http, rb, "pages", &[t]).await?;
        let page: Page<PageWithToken> = decode(&body)?;
        let step = guard.step(&page);
        pages.extend(page.data);
        match step {
            Step::Done => return Ok(pages),
            Step::Loop(cursor) => return Err(Error::PaginationLoop(cursor)),
            Step::Next(next) => url = crate::client::rebase_next(endpoints.graph(), &next),
        }
    }
    Ok(pages)
}

// ---- refresh rule and capabilities -------------------------------------------------------

/// What [`refresh_due`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RefreshDecision {
    /// Refresh now.
    Due,
    /// Not yet: refresh at `at_ms` (unix ms).
    NotYet {
        /// When the refresh becomes due.
        at_ms: i64,
    },
    /// The token is younger than 24 hours; the platform would refuse before `until_ms`.
    TooYoung {
        /// When the token turns 24 hours old.
        until_ms: i64,
    },
    /// The token has expired: only a new login helps.
    Expired,
    /// Facebook-Login tokens cannot be refreshed (exchange again or log in again).
    NotRefreshable,
}

/// The refresh rule: Instagram-Login tokens only, at least 24 h old, not expired, and within
/// `margin` of expiry (`now >= expires_at - margin` is due; one millisecond earlier is not).
///
/// With no known expiry an Instagram token old enough is due (the refresh tells its expiry).
/// Too young takes precedence over due: the platform refuses until the token is 24 h old.
pub fn refresh_due(
    family: LoginFamily,
    issued_at_ms: i64,
    expires_at_ms: Option<i64>,
    now_ms: i64,
    margin: Duration,
) -> RefreshDecision {
    if family == LoginFamily::Facebook {
        return RefreshDecision::NotRefreshable;
    }
    if let Some(exp) = expires_at_ms
        && now_ms >= exp
    {
        return RefreshDecision::Expired;
    }
    let old_enough_at = issued_at_ms.saturating_add(MIN_REFRESH_AGE_MS);
    if now_ms < old_enough_at {
        return RefreshDecision::TooYoung {
            until_ms: old_enough_at,
        };
    }
    let Some(exp) = expires_at_ms else {
        return RefreshDecision::Due;
    };
    let margin_ms = i64::try_from(margin.as_millis()).unwrap_or(i64::MAX);
    let due_at = exp.saturating_sub(margin_ms);
    if now_ms >= due_at {
        RefreshDecision::Due
    } else {
        RefreshDecision::NotYet {
            at_ms: due_at.max(old_enough_at),
        }
    }
}

/// What one capability needs and what the token lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Capability {
    /// `basic`, `publishing`, `comments`, `insights` or `messaging`.
    pub name: &'static str,
    /// Whether every needed scope was granted.
    pub ok: bool,
    /// The needed scopes that were not granted.
    pub missing: Vec<&'static str>,
}

/// The scopes each capability needs, per family.
pub fn capability_requirements(
    family: LoginFamily,
) -> &'static [(&'static str, &'static [&'static str])] {
    match family {
        LoginFamily::Instagram => &[
            ("basic", &[IG_BASIC]),
            ("publishing", &[IG_BASIC, IG_PUBLISH]),
            ("comments", &[IG_BASIC, IG_COMMENTS]),
            ("insights", &[IG_BASIC, IG_INSIGHTS]),
            ("messaging", &[IG_BASIC, IG_MESSAGES]),
        ],
        LoginFamily::Facebook => &[
            ("basic", &[FB_BASIC, PAGES_SHOW_LIST]),
            (
                "publishing",
                &[FB_BASIC, FB_PUBLISH, PAGES_SHOW_LIST, PAGES_READ_ENGAGEMENT],
            ),
            (
                "comments",
                &[
                    FB_BASIC,
                    FB_COMMENTS,
                    PAGES_SHOW_LIST,
                    PAGES_READ_ENGAGEMENT,
                ],
            ),
            (
                "insights",
                &[
                    FB_BASIC,
                    FB_INSIGHTS,
                    PAGES_SHOW_LIST,
                    PAGES_READ_ENGAGEMENT,
                ],
            ),
            (
                "messaging",
                &[
                    FB_BASIC,
                    FB_MESSAGES,
                    PAGES_SHOW_LIST,
                    PAGES_MANAGE_METADATA,
                ],
            ),
        ],
    }
}

/// For each capability (`basic`, `publishing`, `comments`, `insights`, `messaging`), whether the
/// granted `scopes` allow it and which scopes are missing.
pub fn capabilities(family: LoginFamily, scopes: &[String]) -> Vec<Capability> {
    capability_requirements(family)
        .iter()
        .map(|(name, needs)| {
            let missing: Vec<&'static str> = needs
                .iter()
                .copied()
                .filter(|n| !scopes.iter().any(|s| s.trim() == *n))
                .collect();
            Capability {
                name,
                ok: missing.is_empty(),
                missing,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "IGAAsecret-token-value-0123456789";

    #[test]
    fn clean_code_strips_fragment_and_whitespace() {
        assert_eq!(clean_code("  AQBx-hBs#_ \n"), "AQBx-hBs");
        assert_eq!(clean_code("AQBx#_=_"), "AQBx");
        assert_eq!(clean_code("AQBx"), "AQBx");
        assert_eq!(clean_code("#_"), "");
    }

    #[test]
    fn redirect_parsing_checks_state_and_surfaces_denials() {
        let st = "0123456789abcdef0123456789abcdef";
        let url = format!("https://example.com/cb?code=AQB%2Dx&state={st}#_");
        assert_eq!(parse_redirect(&url, st).unwrap(), "AQB-x");
        assert_eq!(
            parse_redirect(&format!("code=AQB&state={st}"), st).unwrap(),
            "AQB"
        );
        assert_eq!(
            parse_redirect(&format!("?state={st}&code=AQB%23_"), st).unwrap(),
            "AQB"
        );
        let wrong = parse_redirect("https://e.com/cb?code=AQB&state=other", st).unwrap_err();
        assert!(matches!(&wrong, Error::OAuth { error, .. } if error == "state_mismatch"));
        assert!(!wrong.to_string().contains("AQB"), "{wrong}");
        let missing = parse_redirect("https://e.com/cb?code=AQB", st).unwrap_err();
        assert!(matches!(&missing, Error::OAuth { error, .. } if error == "state_mismatch"));
        let denied = parse_redirect(
            &format!("https://e.com/cb?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request.&state={st}#_"),
            st,
        )
        .unwrap_err();
        match &denied {
            Error::OAuth {
                error,
                reason,
                description,
            } => {
                assert_eq!(error, "access_denied");
                assert_eq!(reason.as_deref(), Some("user_denied"));
                assert_eq!(
                    description.as_deref(),
                    Some("The user denied your request.")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(denied.is_before_network());
        assert_eq!(denied.class(), crate::ErrorClass::Permission);
        let forged =
            parse_redirect("https://e.com/cb?error=access_denied&state=x", st).unwrap_err();
        assert!(matches!(&forged, Error::OAuth { error, .. } if error == "state_mismatch"));
        assert!(matches!(
            parse_redirect(&format!("https://e.com/cb?state={st}"), st),
            Err(Error::InvalidInput { .. })
        ));
        assert!(matches!(
            parse_redirect("whatever", ""),
            Err(Error::InvalidInput { .. })
        ));
    }

    #[test]
    fn states_are_128_bit_hex_and_distinct() {
        let a = new_state();
        let b = new_state();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn authorize_urls_per_family() {
        let app = OAuthApp::new("123", "s3cr3t-app", "https://example.com/cb/");
        let ig = authorize_url(
            LoginFamily::Instagram,
            &AuthEndpoints::production(LoginFamily::Instagram),
            &app,
            &[],
            "st",
        );
        assert!(
            ig.starts_with("https://www.instagram.com/oauth/authorize?client_id=123&redirect_uri=https%3A%2F%2Fexample.com%2Fcb%2F&response_type=code&scope=instagram_business_basic%2C"),
            "{ig}"
        );
        assert!(ig.ends_with("&state=st"), "{ig}");
        let fb = authorize_url(
            LoginFamily::Facebook,
            &AuthEndpoints::production(LoginFamily::Facebook),
            &app,
            &["instagram_basic", "pages_show_list"],
            "st",
        );
        assert_eq!(
            fb,
            "https://www.facebook.com/v25.0/dialog/oauth?client_id=123&redirect_uri=https%3A%2F%2Fexample.com%2Fcb%2F&state=st&scope=instagram_basic%2Cpages_show_list&response_type=code"
        );
        assert!(!ig.contains("s3cr3t") && !fb.contains("s3cr3t"));
        let sb = AuthEndpoints::sandbox("http://127.0.0.1:9/", LoginFamily::Instagram);
        assert_eq!(sb.graph_base, "http://127.0.0.1:9");
        assert_eq!(sb.authorize_base, sb.token_base);
    }

    #[test]
    fn app_validation_never_echoes_the_secret() {
        let bad = OAuthApp::new("12a", "topsecret", "https://e.com/cb");
        let e = bad.validate().unwrap_err();
        assert!(!format!("{e} {e:?}").contains("topsecret"));
        assert!(
            OAuthApp::new("12", "topsecret", "e.com/cb")
                .validate()
                .is_err()
        );
        assert!(
            OAuthApp::new("12", "topsecret", "https://e.com/cb#x")
                .validate()
                .is_err()
        );
        assert!(
            OAuthApp::new("12", "", "https://e.com/cb")
                .validate()
                .is_err()
        );
        let ok = OAuthApp::new("12", "topsecret", "https://e.com/cb");
        assert!(ok.validate().is_ok());
        assert!(!format!("{ok:?}").contains("topsecret"));
    }

    #[test]
    fn short_lived_token_shapes() {
        let data = br#"{"data":[{"access_token":"IGAAx","user_id":"123","permissions":"instagram_business_basic,instagram_business_content_publish"}]}"#;
        let t = ShortLivedToken::from_json(data).unwrap();
        assert_eq!(t.access_token.expose_secret(), "IGAAx");
        assert_eq!(t.user_id.as_deref(), Some("123"));
        assert_eq!(t.permissions.len(), 2);
        let flat = br#"{"access_token":"IGAAy","user_id":17841405793187218,"permissions":["instagram_business_basic"]}"#;
        let t = ShortLivedToken::from_json(flat).unwrap();
        assert_eq!(t.user_id.as_deref(), Some("17841405793187218"));
        assert_eq!(t.permissions, vec!["instagram_business_basic"]);
        let basic = br#"{"access_token":"IGAAz","user_id":1}"#;
        let t = ShortLivedToken::from_json(basic).unwrap();
        assert!(t.permissions.is_empty());
        assert_eq!(t.lifetime_secs(), SHORT_LIVED_SECS);
        assert!(ShortLivedToken::from_json(br#"{"data":[]}"#).is_err());
        let fb = br#"{"access_token":"EAAx","token_type":"bearer","expires_in":3600}"#;
        let t = ShortLivedToken::from_json(fb).unwrap();
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.extra["token_type"], "bearer");
    }

    #[test]
    fn debug_never_shows_tokens() {
        let secret = || SecretString::from(TOKEN.to_owned());
        let short = ShortLivedToken {
            access_token: secret(),
            user_id: Some("1".into()),
            permissions: vec![],
            expires_in: None,
            extra: Map::new(),
        };
        let long = LongLivedToken {
            access_token: secret(),
            token_type: Some("bearer".into()),
            expires_in: Some(LONG_LIVED_SECS),
            extra: Map::new(),
        };
        let page = PageWithToken {
            id: PageId::new("1"),
            name: None,
            access_token: secret(),
            instagram_business_account: None,
            tasks: vec![],
            extra: Map::new(),
        };
        let app = OAuthApp::new("1", TOKEN, "https://e.com/cb");
        for dbg in [
            format!("{short:?}"),
            format!("{long:?}"),
            format!("{page:?}"),
            format!("{app:?}"),
        ] {
            assert!(!dbg.contains(TOKEN), "{dbg}");
        }
        // Serialization keeps the token: that is how it is stored.
        assert_eq!(serde_json::to_value(&long).unwrap()["access_token"], TOKEN);
    }

    #[test]
    fn refresh_rule_boundaries() {
        use RefreshDecision::*;
        let h = 3_600_000i64;
        let issued = 1_000_000_000_000i64;
        let exp = issued + 60 * 24 * h;
        let margin = Duration::from_secs(7 * 24 * 3600);
        let m = 7 * 24 * h;
        let ig = LoginFamily::Instagram;
        assert_eq!(
            refresh_due(LoginFamily::Facebook, issued, Some(exp), issued, margin),
            NotRefreshable
        );
        assert_eq!(
            refresh_due(ig, issued, Some(exp), issued + 24 * h - 60_000, margin),
            TooYoung {
                until_ms: issued + 24 * h
            }
        );
        assert_eq!(
            refresh_due(ig, issued, Some(exp), issued + 24 * h, margin),
            NotYet { at_ms: exp - m }
        );
        assert_eq!(
            refresh_due(ig, issued, Some(exp), exp - m - 1, margin),
            NotYet { at_ms: exp - m }
        );
        assert_eq!(refresh_due(ig, issued, Some(exp), exp - m, margin), Due);
        assert_eq!(refresh_due(ig, issued, Some(exp), exp - 1, margin), Due);
        assert_eq!(refresh_due(ig, issued, Some(exp), exp, margin), Expired);
        // A margin wider than the token's life: due as soon as it is 24 h old.
        let wide = Duration::from_secs(90 * 24 * 3600);
        assert_eq!(
            refresh_due(ig, issued, Some(exp), issued + 24 * h - 1, wide),
            TooYoung {
                until_ms: issued + 24 * h
            }
        );
        assert_eq!(
            refresh_due(ig, issued, Some(exp), issued + 24 * h, wide),
            Due
        );
        assert_eq!(refresh_due(ig, issued, None, issued + 24 * h, margin), Due);
    }

    #[test]
    fn capabilities_name_what_is_missing() {
        let granted: Vec<String> = [
            "instagram_business_basic",
            "instagram_business_content_publish",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let caps = capabilities(LoginFamily::Instagram, &granted);
        let by = |n: &str| caps.iter().find(|c| c.name == n).unwrap().clone();
        assert!(by("basic").ok && by("publishing").ok);
        assert_eq!(
            by("messaging").missing,
            vec!["instagram_business_manage_messages"]
        );
        assert!(!by("insights").ok);
        let all: Vec<String> = default_scopes(LoginFamily::Facebook)
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(
            capabilities(LoginFamily::Facebook, &all)
                .iter()
                .all(|c| c.ok)
        );
        let none = capabilities(LoginFamily::Facebook, &[]);
        assert_eq!(
            none.iter().find(|c| c.name == "messaging").unwrap().missing,
            vec![
                "instagram_basic",
                "instagram_manage_messages",
                "pages_show_list",
                "pages_manage_metadata"
            ]
        );
    }

    #[test]
    fn next_urls_stay_on_our_host_without_credentials() {
        assert_eq!(
            crate::client::rebase_next(
                "http://127.0.0.1:9",
                "https://graph.facebook.com/v25.0/1/accounts?access_token=EAAx&after=abc&limit=25"
            ),
            "http://127.0.0.1:9/v25.0/1/accounts?after=abc&limit=25"
        );
        assert_eq!(
            crate::client::rebase_next(
                "https://proxy.example/graph",
                "https://proxy.example/graph/v25.0/me/accounts?after=x"
            ),
            "https://proxy.example/graph/v25.0/me/accounts?after=x"
        );
    }

    #[test]
    fn scrub_removes_echoed_secrets() {
        assert_eq!(
            scrub("bad code AQBxyz given", &["AQBxyz"]),
            "bad code REDACTED given"
        );
        assert_eq!(scrub("short", &["ab"]), "short");
    }
}
