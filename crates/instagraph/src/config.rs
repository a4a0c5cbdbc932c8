//! Client configuration: login family, API version, base URL, credentials, policies.

use crate::Error;
use crate::ids::IgUserId;
use crate::ratelimit::BudgetConfig;
use crate::retry::RetryPolicy;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The Graph API version pinned by default.
pub const DEFAULT_API_VERSION: &str = "v25.0";

/// Which of the two Instagram APIs a client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginFamily {
    /// Instagram API with Facebook Login: `graph.facebook.com`, the IG user id reached via a Page.
    Facebook,
    /// Instagram API with Instagram Login: `graph.instagram.com`, `me`.
    Instagram,
}

impl LoginFamily {
    /// The platform's default base URL for this family.
    pub fn default_base_url(self) -> &'static str {
        match self {
            LoginFamily::Facebook => "https://graph.facebook.com",
            LoginFamily::Instagram => "https://graph.instagram.com",
        }
    }

    /// The lowercase name used in configuration and output.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginFamily::Facebook => "facebook",
            LoginFamily::Instagram => "instagram",
        }
    }
}

impl fmt::Display for LoginFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LoginFamily {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "facebook" | "fb" => Ok(LoginFamily::Facebook),
            "instagram" | "ig" => Ok(LoginFamily::Instagram),
            _ => Err(Error::invalid_input(
                "login",
                "one of: facebook, instagram",
                s,
            )),
        }
    }
}

/// A Graph API version such as `v25.0`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ApiVersion(String);

impl ApiVersion {
    /// Parses `v25.0` (a leading `v` is added when missing: `25.0` works too).
    pub fn parse(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let valid = match t.split_once('.') {
            Some((major, minor)) => {
                !major.is_empty()
                    && major.len() <= 3
                    && major.bytes().all(|b| b.is_ascii_digit())
                    && !minor.is_empty()
                    && minor.len() <= 2
                    && minor.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        };
        if valid {
            Ok(Self(format!("v{t}")))
        } else {
            Err(Error::invalid_input(
                "api_version",
                "the form vNN.N, e.g. v25.0",
                s,
            ))
        }
    }

    /// The version as it appears in paths.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ApiVersion {
    fn default() -> Self {
        Self(DEFAULT_API_VERSION.to_owned())
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ApiVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ApiVersion::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Everything a [`crate::Client`] needs. Secrets are [`SecretString`]s: `Debug` never shows them.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Which API the client speaks.
    pub login: LoginFamily,
    /// The base URL; `None` uses the family's platform host. Point it at the sandbox in tests.
    pub base_url: Option<String>,
    /// The pinned API version.
    pub api_version: ApiVersion,
    /// The access token, sent as `Authorization: Bearer`.
    pub access_token: SecretString,
    /// The app secret; when set, every call carries `appsecret_proof`.
    pub app_secret: Option<SecretString>,
    /// The IG professional account id (Facebook Login); `me` is used on Instagram Login.
    pub ig_user_id: Option<IgUserId>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retry policy for retryable failures.
    pub retry: RetryPolicy,
    /// Local per-operation-class budgets and pacing.
    pub budgets: BudgetConfig,
    /// Account name used to key local budgets (defaults to the IG user id, or `default`).
    pub account: Option<String>,
}

impl ClientConfig {
    /// A configuration with defaults for everything but the family and token.
    pub fn new(login: LoginFamily, access_token: impl Into<String>) -> Self {
        Self {
            login,
            base_url: None,
            api_version: ApiVersion::default(),
            access_token: SecretString::from(access_token.into()),
            app_secret: None,
            ig_user_id: None,
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            budgets: BudgetConfig::default(),
            account: None,
        }
    }

    /// Sets the base URL (for the sandbox, a proxy, or tests).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the app secret, enabling `appsecret_proof`.
    pub fn app_secret(mut self, secret: impl Into<String>) -> Self {
        self.app_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Sets the IG user id.
    pub fn ig_user_id(mut self, id: IgUserId) -> Self {
        self.ig_user_id = Some(id);
        self
    }

    /// Sets the API version.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the local budgets.
    pub fn budgets(mut self, budgets: BudgetConfig) -> Self {
        self.budgets = budgets;
        self
    }

    /// The effective base URL, without a trailing slash.
    pub fn effective_base_url(&self) -> String {
        self.base_url
            .as_deref()
            .unwrap_or(self.login.default_base_url())
            .trim_end_matches('/')
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_reject() {
        assert_eq!(ApiVersion::parse("v25.0").unwrap().as_str(), "v25.0");
        assert_eq!(ApiVersion::parse("21.0").unwrap().as_str(), "v21.0");
        for bad in ["", "v25", "latest", "v25.0/../x", "v.0"] {
            let err = ApiVersion::parse(bad).unwrap_err();
            assert!(err.to_string().contains("api_version"), "{bad}: {err}");
        }
        assert_eq!(ApiVersion::default().as_str(), DEFAULT_API_VERSION);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = ClientConfig::new(LoginFamily::Instagram, "IGAAsecret-token-value")
            .app_secret("app-secret-value");
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("IGAAsecret-token-value"), "{dbg}");
        assert!(!dbg.contains("app-secret-value"), "{dbg}");
    }

    #[test]
    fn families_parse_and_default_hosts() {
        assert_eq!(
            "Facebook".parse::<LoginFamily>().unwrap(),
            LoginFamily::Facebook
        );
        assert_eq!("ig".parse::<LoginFamily>().unwrap(), LoginFamily::Instagram);
        assert!("twitter".parse::<LoginFamily>().is_err());
        let c = ClientConfig::new(LoginFamily::Instagram, "t");
        assert_eq!(c.effective_base_url(), "https://graph.instagram.com");
        assert_eq!(
            c.base_url("http://127.0.0.1:9/").effective_base_url(),
            "http://127.0.0.1:9"
        );
    }
}
