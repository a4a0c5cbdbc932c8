//! Errors: the platform's error object parsed whole, classified, with the fix a user needs.

use crate::config::LoginFamily;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The Graph API error object (`{"error": {...}}`), every documented field kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphError {
    /// Human-readable message from the platform.
    #[serde(default)]
    pub message: String,
    /// `OAuthException`, `GraphMethodException`, `IGApiException`, ...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The error code.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub code: i64,
    /// The error subcode.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_opt_i64"
    )]
    pub error_subcode: Option<i64>,
    /// Title to show to end users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_title: Option<String>,
    /// Message to show to end users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_msg: Option<String>,
    /// Whether the platform says retrying may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_transient: Option<bool>,
    /// Extra data (an object or a string, depending on the endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<serde_json::Value>,
    /// Meta's trace id, for support requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbtrace_id: Option<String>,
}

fn lenient_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(lenient_opt_i64(d)?.unwrap_or_default())
}

fn lenient_opt_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        I(i64),
        S(String),
        F(f64),
    }
    Ok(match Option::<N>::deserialize(d)? {
        None => None,
        Some(N::I(i)) => Some(i),
        Some(N::S(s)) => s.trim().parse().ok(),
        Some(N::F(f)) => Some(f as i64),
    })
}

#[derive(Deserialize)]
struct Envelope {
    error: GraphError,
}

/// The flat body of the Instagram OAuth endpoints: `{"error_type","code","error_message"}`.
#[derive(Deserialize)]
struct FlatOAuthError {
    error_type: String,
    #[serde(default, deserialize_with = "lenient_i64")]
    code: i64,
    error_message: String,
}

impl GraphError {
    /// Parses an error body in any of the platform's shapes: the Graph envelope, the flat OAuth
    /// form of `api.instagram.com`, or a batch item whose body is a JSON string.
    pub fn from_body(body: &[u8]) -> Option<GraphError> {
        if let Ok(env) = serde_json::from_slice::<Envelope>(body) {
            return Some(env.error);
        }
        if let Ok(flat) = serde_json::from_slice::<FlatOAuthError>(body) {
            return Some(GraphError {
                message: flat.error_message,
                error_type: Some(flat.error_type),
                code: flat.code,
                ..GraphError::default()
            });
        }
        if let Ok(serde_json::Value::String(inner)) =
            serde_json::from_slice::<serde_json::Value>(body)
        {
            return GraphError::from_body(inner.as_bytes());
        }
        None
    }

    /// Classifies the error. See [`ErrorClass`].
    pub fn class(&self) -> ErrorClass {
        classify(self.code, self.error_subcode, self.is_transient)
    }

    /// `estimated_time_to_regain_access` from `error_data`, when the platform gave one (minutes).
    pub fn regain_access_minutes(&self) -> Option<u64> {
        self.error_data
            .as_ref()
            .and_then(|d| d.get("estimated_time_to_regain_access"))
            .and_then(|v| v.as_u64())
    }
}

/// What kind of failure this is, which decides retries and what the user should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorClass {
    /// Transient on the platform's side (codes 1, 2, -1, -2, `is_transient`, 5xx, timeouts).
    Retryable,
    /// Throttled (4, 17, 32, 341, 613, 800xx) or a publishing quota (9/2207042, 24).
    RateLimited,
    /// The token is invalid or expired (190, 102): log in again or refresh.
    ReAuth,
    /// A permission or feature is missing (10, 200–299).
    Permission,
    /// Outside the messaging window, or the user cannot receive messages (10/2534022, 551).
    MessagingWindow,
    /// The media container is not ready yet (9007 / 2207027).
    NotReady,
    /// The request itself is wrong (100, 2500, 9004, ...): fix the input.
    InvalidRequest,
}

impl ErrorClass {
    /// The kebab-case name used in CLI and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::RateLimited => "rate-limited",
            ErrorClass::ReAuth => "re-auth",
            ErrorClass::Permission => "permission",
            ErrorClass::MessagingWindow => "messaging-window",
            ErrorClass::NotReady => "not-ready",
            ErrorClass::InvalidRequest => "invalid-request",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies a Graph error by code and subcode (the tables in the fact sheet, §9).
pub fn classify(code: i64, subcode: Option<i64>, is_transient: Option<bool>) -> ErrorClass {
    match (code, subcode) {
        (9007, _) | (_, Some(2207027)) => ErrorClass::NotReady,
        (10, Some(2534022)) | (551, _) | (_, Some(2018278)) => ErrorClass::MessagingWindow,
        // One private reply per comment; the recipient is gone or blocked; thread archived.
        (_, Some(2534025 | 2534014 | 2534001)) => ErrorClass::MessagingWindow,
        (_, Some(2534013)) => ErrorClass::RateLimited,
        (190 | 102, _) => ErrorClass::ReAuth,
        // Expired container, thumb_offset outside the video: input problems despite codes -2 / 1.
        (_, Some(2207020 | 2207057)) => ErrorClass::InvalidRequest,
        (24, Some(2207008)) => ErrorClass::Retryable,
        (24, Some(2207006)) => ErrorClass::InvalidRequest,
        (9, Some(2207042)) | (24, _) => ErrorClass::RateLimited,
        // 2207051: restricted for suspected spam; rate-limited, but never retried blindly.
        (4 | 17 | 32 | 341 | 613 | 368 | 80001..=80009, _) => ErrorClass::RateLimited,
        (10 | 200..=299, _) => ErrorClass::Permission,
        (1 | 2 | -1 | -2, _) => ErrorClass::Retryable,
        _ if is_transient == Some(true) => ErrorClass::Retryable,
        _ => ErrorClass::InvalidRequest,
    }
}

/// The fix a user needs for a given error, in one sentence.
pub fn fix_for(code: i64, subcode: Option<i64>, class: ErrorClass) -> &'static str {
    match (code, subcode) {
        (190, Some(463)) => {
            "The access token has expired: refresh it (Instagram Login tokens can be refreshed while still valid) or log in again."
        }
        (190, Some(460)) => {
            "The token was invalidated (password change or revoked access): log in again."
        }
        (190 | 102, _) => {
            "Re-authenticate: the access token is invalid or expired. Log in again or use a fresh token."
        }
        (10, Some(2534022)) => {
            "Outside the messaging window: you may reply within 24 hours of the user's last message (a human agent may reply within 7 days with the HUMAN_AGENT tag; a private reply must go within 7 days of the comment). Wait for the user to message you again; do not retry."
        }
        (551, _) => {
            "This user cannot receive messages from you now (blocked, left, or never started a conversation): wait for the user to initiate; do not retry."
        }
        (_, Some(2534025)) => {
            "This comment already received its one private reply: continue in the conversation once the user answers."
        }
        (_, Some(2534014)) => {
            "No such user for this account (deleted, blocked, or an id from another account): message only IGSIDs from your own webhooks or conversations."
        }
        (_, Some(2534001)) => "The conversation was archived or deleted.",
        (_, Some(2534013)) => {
            "Too many private replies: wait before replying to more comments (750 per hour)."
        }
        (210, _) => {
            "This call needs a Page access token: on Facebook Login, messaging goes through the Page linked to the Instagram account (GET /me/accounts?fields=access_token,instagram_business_account)."
        }
        (100, Some(2018047)) => {
            "The attachment could not be fetched or has the wrong type for its kind: use a public HTTPS URL of a supported format and size."
        }
        (100, Some(33)) => {
            "The object does not exist or this token cannot see it (direct messages: only the 20 most recent messages of a conversation can be read)."
        }
        (10, _) | (200..=299, _) => {
            "A permission is missing: grant the scope the call needs (e.g. instagram_basic / instagram_business_basic, instagram_manage_messages) and check the app's access level."
        }
        (9007, _) | (_, Some(2207027)) => {
            "The media container is not ready yet: poll its status_code until FINISHED, then publish."
        }
        (9004, _) | (_, Some(2207052)) => {
            "Meta could not fetch the media URL: it must be public HTTPS, answer 200 without redirects or auth, with the right content type."
        }
        (9, Some(2207042)) | (24, None) => {
            "The publishing limit for the last 24 hours is reached: wait until content_publishing_limit shows free quota."
        }
        (24, Some(2207008)) => {
            "The container is temporarily unavailable: retry the same container in 30 seconds to 2 minutes."
        }
        (24, Some(2207006)) => {
            "The media was not found (expired container or token): create a new container."
        }
        (4, Some(2207051)) => {
            "The account is restricted for suspected spam: stop, and check the account's media before posting again (the post may have gone through)."
        }
        (_, Some(2207020)) => {
            "The container expired (containers live 24 hours): create a new container."
        }
        (352, _) | (_, Some(2207026)) => {
            "The video format is not supported: re-encode as MP4 or MOV (H.264 or HEVC, AAC audio, moov atom first) and create a new container."
        }
        (36000, _) | (_, Some(2207004)) => {
            "The image is larger than 8 MiB: shrink it and create a new container."
        }
        (36001, _) | (_, Some(2207005)) => "The image format is not supported: publish JPEG only.",
        (36003, _) | (_, Some(2207009)) => {
            "The aspect ratio is outside 4:5 to 1.91:1: crop the image (stories are exempt)."
        }
        (36004, _) | (_, Some(2207010)) => {
            "The caption is too long: at most 2,200 characters, 30 hashtags and 20 @-mentions."
        }
        (_, Some(2207028)) => "A carousel needs 2 to 10 items.",
        (_, Some(2207023)) => {
            "Unknown media_type: use IMAGE (the default), REELS, STORIES or CAROUSEL; VIDEO only for carousel items."
        }
        (_, Some(2207040)) => "Too many user tags: at most 20 per media.",
        (_, Some(2207057)) => {
            "thumb_offset must be between 0 and the video's duration, in milliseconds."
        }
        (_, Some(2207003)) => {
            "Meta timed out downloading the media: serve it faster (or smaller) and create a new container."
        }
        (_, Some(2207001 | 2207032 | 2207053)) => {
            "Instagram failed to process the media: create a new container and try again later."
        }
        (_, Some(2207050)) => {
            "The Instagram account is restricted, inactive or checkpointed: its owner must resolve it in the Instagram app."
        }
        (_, Some(2207035..=2207037)) => {
            "Product tags: x and y are required for photos and not allowed for videos, and the products must be in the account's catalog."
        }
        (4 | 17 | 32 | 341 | 613, _) | (80001..=80009, _) => {
            "Rate limit reached: back off and retry later; pace calls using the usage headers."
        }
        (368, _) => {
            "The account is temporarily blocked for policy reasons: stop automated calls and check the account in the Instagram app."
        }
        (2, _) | (1, _) | (-1, _) | (-2, _) => {
            "The service is temporarily unavailable: retry after a delay."
        }
        (100, _) => {
            "Invalid parameter: check the request payload, ids and fields against the API reference."
        }
        (2500, _) => {
            "Unknown path or unsupported call for this API: check the endpoint and the login family."
        }
        _ => match class {
            ErrorClass::Retryable => "A temporary failure: retry after a delay.",
            ErrorClass::RateLimited => "Rate limit reached: back off and retry later.",
            ErrorClass::ReAuth => "Re-authenticate.",
            ErrorClass::Permission => "A permission is missing for this call.",
            ErrorClass::MessagingWindow => "Messaging is not allowed for this user right now.",
            ErrorClass::NotReady => "Not ready yet: wait and retry.",
            ErrorClass::InvalidRequest => {
                "Check the request against the API reference and the platform's message."
            }
        },
    }
}

/// Every failure the client can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input refused before anything was sent: names the field, the limit, and the value.
    #[error("invalid {field}: expected {limit}, got {value:?}")]
    InvalidInput {
        /// The field or parameter.
        field: String,
        /// The limit or expected form.
        limit: String,
        /// The offending value (truncated when long).
        value: String,
    },
    /// The operation does not exist for the configured login family.
    #[error("{operation} is not available with {family} login{}", hint.map(|h| format!(": {h}")).unwrap_or_default())]
    Unsupported {
        /// The operation's name.
        operation: &'static str,
        /// The family that does not offer it.
        family: LoginFamily,
        /// What to do instead.
        hint: Option<&'static str>,
    },
    /// The platform does not offer this operation at all, in either login family (e.g. listing
    /// who liked a media): nothing was sent; `instead` says what the platform does offer.
    #[error("{operation} is not offered by the Instagram Platform (either login): {instead}")]
    NotOffered {
        /// The operation's name.
        operation: &'static str,
        /// What the platform offers instead.
        instead: &'static str,
    },
    /// Configuration is missing or inconsistent.
    #[error("configuration: {0}")]
    Config(String),
    /// A login came back without a code: the user denied it (`error=access_denied`, with the
    /// platform's `error_reason` and `error_description`), or the redirect's `state` did not
    /// match the one the login started with (`state_mismatch`: possible CSRF).
    #[error("login failed: {error}{}", description.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    OAuth {
        /// The redirect's `error` (`access_denied`), or `state_mismatch`.
        error: String,
        /// The redirect's `error_reason` (`user_denied`).
        reason: Option<String>,
        /// The redirect's `error_description`, or what went wrong.
        description: Option<String>,
    },
    /// The platform answered with an error.
    #[error("{} (code {}{}, {})", error.message, error.code, error.error_subcode.map(|s| format!("/{s}")).unwrap_or_default(), class)]
    Graph {
        /// HTTP status.
        status: u16,
        /// The error object.
        error: Box<GraphError>,
        /// Its class.
        class: ErrorClass,
        /// `Retry-After` from the response, if any.
        retry_after: Option<Duration>,
    },
    /// A non-JSON or unrecognised error response.
    #[error("HTTP {status} from the platform: {snippet}")]
    Http {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        snippet: String,
    },
    /// The request could not be sent or the response not read (URL removed: it can carry secrets).
    #[error("transport: {0}")]
    Transport(#[source] reqwest::Error),
    /// A response did not match the model.
    #[error("could not decode the response at `{path}`: {message}")]
    Decode {
        /// The JSON path of the failure.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A local budget is spent and waiting would exceed the configured maximum wait.
    #[error(
        "local budget for {class} is spent ({limit} calls per {window_secs} s); next slot in {wait_secs} s"
    )]
    BudgetExhausted {
        /// The operation class.
        class: String,
        /// The configured limit.
        limit: u32,
        /// The window in seconds.
        window_secs: u64,
        /// Seconds until a slot frees up.
        wait_secs: u64,
    },
    /// The platform's usage headers say the limit is reached; waiting for it would take longer
    /// than the configured maximum, so the call was not sent.
    #[error(
        "the platform's usage is at {percent}% (access returns in about {wait_secs} s); not sending until then"
    )]
    Throttled {
        /// The highest usage percentage last reported.
        percent: u32,
        /// Seconds until the platform expects to accept calls again.
        wait_secs: u64,
    },
    /// Pagination stopped because the platform repeated a cursor.
    #[error("pagination loop: the platform returned cursor {0:?} twice")]
    PaginationLoop(String),
    /// A publishing step failed in a way the platform reports through a container, the quota
    /// or the media URL rather than as an error response (see [`PublishFailure`]).
    #[error("{message}")]
    Publishing {
        /// What failed.
        kind: PublishFailure,
        /// The container concerned, when there is one.
        container: Option<String>,
        /// The platform's code, when known (a container's error subcode is mapped to its code).
        code: Option<i64>,
        /// The platform's subcode, when known.
        subcode: Option<i64>,
        /// What happened, with the numbers.
        message: String,
        /// What to do.
        fix: String,
        /// When trying again can succeed (unix ms), when known (the quota's next free slot).
        retry_at_ms: Option<i64>,
    },
}

impl Error {
    /// Builds an [`Error::InvalidInput`]; long values are truncated.
    pub fn invalid_input(
        field: impl Into<String>,
        limit: impl Into<String>,
        value: impl AsRef<str>,
    ) -> Self {
        let v = value.as_ref();
        let value = if v.chars().count() > 80 {
            format!(
                "{}… ({} characters)",
                v.chars().take(80).collect::<String>(),
                v.chars().count()
            )
        } else {
            v.to_owned()
        };
        Error::InvalidInput {
            field: field.into(),
            limit: limit.into(),
            value,
        }
    }

    /// True when nothing was sent (the CLI exits 2 for these).
    pub fn is_before_network(&self) -> bool {
        matches!(
            self,
            Error::InvalidInput { .. }
                | Error::Unsupported { .. }
                | Error::NotOffered { .. }
                | Error::Config(_)
                | Error::OAuth { .. }
                | Error::Publishing {
                    kind: PublishFailure::Preflight,
                    ..
                }
        )
    }

    /// The class of this error.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Graph { class, .. } => *class,
            Error::Http { status, .. } if *status == 429 => ErrorClass::RateLimited,
            Error::Http { status, .. } if *status >= 500 => ErrorClass::Retryable,
            // The same test as `is_retryable`, so the class never promises a retry that won't come.
            Error::Transport(e) if e.is_timeout() || e.is_connect() => ErrorClass::Retryable,
            Error::BudgetExhausted { .. } | Error::Throttled { .. } => ErrorClass::RateLimited,
            Error::Publishing {
                kind,
                code,
                subcode,
                ..
            } => kind.class(*code, *subcode),
            Error::OAuth { error, .. } if error == "access_denied" => ErrorClass::Permission,
            _ => ErrorClass::InvalidRequest,
        }
    }

    /// The platform's code (0 when the error is local).
    pub fn code(&self) -> i64 {
        match self {
            Error::Graph { error, .. } => error.code,
            Error::Publishing { code, .. } => code.unwrap_or(0),
            _ => 0,
        }
    }

    /// The platform's subcode.
    pub fn subcode(&self) -> Option<i64> {
        match self {
            Error::Graph { error, .. } => error.error_subcode,
            Error::Publishing { subcode, .. } => *subcode,
            _ => None,
        }
    }

    /// The fix, in one sentence.
    pub fn fix(&self) -> String {
        match self {
            Error::Graph { error, class, .. } => fix_for(error.code, error.error_subcode, *class).to_owned(),
            Error::InvalidInput { field, limit, .. } => format!("Change {field} to {limit}."),
            Error::Unsupported { hint, family, .. } => hint.map(str::to_owned).unwrap_or_else(|| {
                format!("Use a client configured for the other login family (this one is {family}).")
            }),
            Error::NotOffered { instead, .. } => (*instead).to_owned(),
            Error::Config(_) => "Set the missing setting (flag, environment variable or config file).".to_owned(),
            Error::OAuth { error, .. } if error == "access_denied" => {
                "The login was declined: run it again and accept the requested permissions.".to_owned()
            }
            Error::OAuth { .. } => {
                "Start the login again and finish it in the same session (use the newest authorize URL).".to_owned()
            }
            Error::Http { .. } | Error::Transport(_) => {
                "Check the base URL and the network; retry later if the platform is unavailable.".to_owned()
            }
            Error::Decode { .. } => "The platform's response changed shape: report it with the path named.".to_owned(),
            Error::BudgetExhausted { .. } => {
                "Wait for the window to roll over, or raise the local budget if your app's real limit is higher.".to_owned()
            }
            Error::Throttled { .. } => {
                "Wait until the platform's usage drops (see `instagraph usage`), or spread the calls over more time.".to_owned()
            }
            Error::PaginationLoop(_) => "Stop paging here; the results so far are complete up to this page.".to_owned(),
            Error::Publishing { fix, .. } => fix.clone(),
        }
    }

    /// Whether the account must log in again (or an Instagram token be refreshed while it is
    /// still valid): the token is invalid, expired or invalidated (190 with 460/463/467 and the
    /// other subcodes, 102).
    pub fn needs_login(&self) -> bool {
        self.class() == ErrorClass::ReAuth
    }

    /// Whether a retry may succeed (the class allows it and the platform did not say otherwise).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Graph { error, class, .. } => {
                if error.is_transient == Some(false)
                    && matches!(error.code, 1 | 2 | -1 | -2)
                    && error.error_subcode.is_some()
                {
                    // A specific subcode with is_transient=false (e.g. 1/1965014) is a hard failure.
                    return false;
                }
                match class {
                    ErrorClass::Retryable => true,
                    ErrorClass::RateLimited => !matches!(
                        (error.code, error.error_subcode),
                        (368, _) | (4, Some(2207051)) | (9, Some(2207042)) | (24, None)
                    ),
                    _ => false,
                }
            }
            Error::Http { status, .. } => *status >= 500 || *status == 429,
            Error::Transport(e) => e.is_timeout() || e.is_connect(),
            _ => false,
        }
    }

    /// A JSON object with `class`, `code`, `subcode`, `message` and `fix` (CLI and agents).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "class": self.class().as_str(),
            "code": self.code(),
            "subcode": self.subcode(),
            "message": match self {
                Error::Graph { error, .. } => error.message.clone(),
                other => other.to_string(),
            },
            "fix": self.fix(),
            "before_network": self.is_before_network(),
        });
        if let Error::Graph { error, status, .. } = self {
            v["status"] = (*status).into();
            v["type"] = error.error_type.clone().into();
            v["fbtrace_id"] = error.fbtrace_id.clone().into();
            v["error_user_msg"] = error.error_user_msg.clone().into();
        }
        if let Error::OAuth { error, reason, .. } = self {
            v["oauth_error"] = error.clone().into();
            v["error_reason"] = reason.clone().into();
        }
        if let Error::Publishing {
            kind,
            container,
            retry_at_ms,
            ..
        } = self
        {
            v["kind"] = kind.as_str().into();
            v["container"] = container.clone().into();
            v["retry_at_ms"] = (*retry_at_ms).into();
        }
        v
    }
}

/// What kind of publishing failure an [`Error::Publishing`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PublishFailure {
    /// The container's `status_code` is `ERROR` (its `status` carries the subcode).
    ContainerError,
    /// The container is `EXPIRED` (not published within 24 hours): create a new one.
    ContainerExpired,
    /// The container was still `IN_PROGRESS` when the wait ran out.
    WaitTimeout,
    /// The publishing quota of the rolling 24 hours is used up.
    QuotaExhausted,
    /// A media URL would not pass Meta's fetcher (checked before anything reached the platform).
    Preflight,
    /// A resumable upload failed, resumes included.
    Upload,
    /// The container is `PUBLISHED`, but its media was not found among the account's newest.
    PublishedMediaNotFound,
}

impl PublishFailure {
    /// The kebab-case name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            PublishFailure::ContainerError => "container-error",
            PublishFailure::ContainerExpired => "container-expired",
            PublishFailure::WaitTimeout => "wait-timeout",
            PublishFailure::QuotaExhausted => "quota-exhausted",
            PublishFailure::Preflight => "preflight",
            PublishFailure::Upload => "upload",
            PublishFailure::PublishedMediaNotFound => "published-media-not-found",
        }
    }

    /// The class of a failure of this kind (a container error by its code and subcode).
    pub fn class(self, code: Option<i64>, subcode: Option<i64>) -> ErrorClass {
        match self {
            PublishFailure::ContainerError => code
                .map(|c| classify(c, subcode, None))
                .unwrap_or(ErrorClass::InvalidRequest),
            PublishFailure::WaitTimeout => ErrorClass::NotReady,
            PublishFailure::QuotaExhausted => ErrorClass::RateLimited,
            PublishFailure::Upload => ErrorClass::Retryable,
            PublishFailure::ContainerExpired
            | PublishFailure::Preflight
            | PublishFailure::PublishedMediaNotFound => ErrorClass::InvalidRequest,
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::Transport(e.without_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        use ErrorClass::*;
        let cases: &[(i64, Option<i64>, Option<bool>, ErrorClass)] = &[
            (190, Some(463), None, ReAuth),
            (102, None, None, ReAuth),
            (10, None, None, Permission),
            (200, None, None, Permission),
            (299, None, None, Permission),
            (10, Some(2534022), None, MessagingWindow),
            (551, Some(1545041), None, MessagingWindow),
            (10, Some(2534025), None, MessagingWindow),
            (100, Some(2534014), None, MessagingWindow),
            (613, Some(2534013), None, RateLimited),
            (210, None, None, Permission),
            (613, None, None, RateLimited),
            (4, None, None, RateLimited),
            (17, None, None, RateLimited),
            (32, None, None, RateLimited),
            (80002, None, None, RateLimited),
            (100, None, None, InvalidRequest),
            (100, Some(33), None, InvalidRequest),
            (2, None, None, Retryable),
            (1, None, None, Retryable),
            (-2, Some(2207003), None, Retryable),
            (9007, Some(2207027), None, NotReady),
            (9004, Some(2207052), None, InvalidRequest),
            (24, None, None, RateLimited),
            (9, Some(2207042), None, RateLimited),
            (24, Some(2207008), None, Retryable),
            (2500, None, None, InvalidRequest),
            (12345, None, Some(true), Retryable),
            (12345, None, None, InvalidRequest),
        ];
        for (code, sub, tr, want) in cases {
            assert_eq!(classify(*code, *sub, *tr), *want, "code {code} sub {sub:?}");
        }
    }

    #[test]
    fn parses_all_three_error_shapes() {
        let env = br#"{"error":{"message":"m","type":"OAuthException","code":190,"error_subcode":"463","is_transient":false,"error_data":"x","fbtrace_id":"T"}}"#;
        let e = GraphError::from_body(env).unwrap();
        assert_eq!((e.code, e.error_subcode), (190, Some(463)));
        assert_eq!(e.error_data, Some(serde_json::json!("x")));
        let flat = br#"{"error_type":"OAuthException","code":400,"error_message":"bad code"}"#;
        let f = GraphError::from_body(flat).unwrap();
        assert_eq!((f.code, f.message.as_str()), (400, "bad code"));
        let batch = serde_json::to_vec(&serde_json::Value::String(
            String::from_utf8(env.to_vec()).unwrap(),
        ))
        .unwrap();
        assert_eq!(GraphError::from_body(&batch).unwrap().code, 190);
        assert!(GraphError::from_body(b"<html>").is_none());
    }

    #[test]
    fn retryability_follows_class_and_exceptions() {
        let g = |code, sub: Option<i64>| Error::Graph {
            status: 400,
            error: Box::new(GraphError {
                code,
                error_subcode: sub,
                ..Default::default()
            }),
            class: classify(code, sub, None),
            retry_after: None,
        };
        assert!(g(2, None).is_retryable());
        assert!(g(613, None).is_retryable());
        assert!(!g(4, Some(2207051)).is_retryable());
        assert!(!g(190, Some(463)).is_retryable());
        assert!(!g(10, Some(2534022)).is_retryable());
        assert!(!g(551, None).is_retryable());
        assert!(!g(9, Some(2207042)).is_retryable());
        assert!(!g(100, None).is_retryable());
        let expired = g(190, Some(463));
        let j = expired.to_json();
        assert_eq!(j["class"], "re-auth");
        assert_eq!(j["code"], 190);
        assert_eq!(j["subcode"], 463);
        assert!(j["fix"].as_str().unwrap().contains("expired"));
    }

    #[test]
    fn invalid_input_names_field_limit_and_value() {
        let e = Error::invalid_input("caption", "at most 2200 characters", "x".repeat(3000));
        let s = e.to_string();
        assert!(
            s.contains("caption") && s.contains("2200") && s.contains("3000 characters"),
            "{s}"
        );
        assert!(e.is_before_network());
    }
}
