//! The config file (TOML) with named accounts, and how flags, environment and file combine.
//!
//! Precedence: flag, then its environment twin (clap handles both), then the account's entry in
//! the file, then defaults. Secrets in the file may be written as `${ENV_VAR}` so that the file
//! itself holds none.

use anyhow::{Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The account used when `--account` is not given.
    pub default_account: Option<String>,
    /// The database (`sqlite:PATH`, a path, or `postgres://…`).
    pub db: Option<String>,
    /// API version for every account unless an account overrides it.
    pub api_version: Option<String>,
    /// Named accounts.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountConfig>,
    /// The webhook receiver (`instagraph serve`) and where its events go.
    #[serde(default)]
    pub webhooks: WebhooksConfig,
}

/// `[webhooks]`: the receiver's settings and its forwarding targets.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// The verify token or `${ENV_VAR}` (`INSTAGRAPH_VERIFY_TOKEN` wins).
    pub verify_token: Option<String>,
    /// Largest body accepted, bytes.
    pub body_limit: Option<usize>,
    /// Retry delays after the first forwarding attempt, in seconds
    /// [default: 5, 300, 1800, 7200, 18000, 36000].
    pub retry_schedule_secs: Option<Vec<u64>>,
    /// HTTP targets (`[[webhooks.forward]]`).
    #[serde(default)]
    pub forward: Vec<ForwardConfig>,
    /// Command targets (`[[webhooks.exec]]`).
    #[serde(default)]
    pub exec: Vec<ExecConfig>,
}

/// `[[webhooks.forward]]`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ForwardConfig {
    /// Unique name [default: derived from the URL].
    pub name: Option<String>,
    /// Where to POST (may be `${ENV_VAR}`).
    pub url: String,
    /// Signing secret or `${ENV_VAR}`.
    pub secret: Option<String>,
    /// Event types to send (empty: all).
    #[serde(default)]
    pub events: Vec<String>,
    /// Only events of these accounts (stored account names or ids; empty: all).
    #[serde(default)]
    pub accounts: Vec<String>,
    /// `full` (default), `normalized` or `raw`.
    pub format: Option<String>,
}

/// `[[webhooks.exec]]`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ExecConfig {
    /// Unique name [default: `exec:` and the command].
    pub name: Option<String>,
    /// Run with `sh -c`, the event JSON on stdin.
    pub command: String,
    /// Event types (empty: all).
    #[serde(default)]
    pub events: Vec<String>,
    /// Only events of these accounts (stored account names or ids; empty: all).
    #[serde(default)]
    pub accounts: Vec<String>,
    /// `full` (default), `normalized` or `raw`.
    pub format: Option<String>,
}

/// One account in the file.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// `facebook` or `instagram`.
    pub login: Option<String>,
    /// The access token or `${ENV_VAR}`.
    pub access_token: Option<String>,
    /// The app secret or `${ENV_VAR}`.
    pub app_secret: Option<String>,
    /// The IG user id.
    pub ig_user_id: Option<String>,
    /// Base URL override.
    pub base_url: Option<String>,
    /// API version override.
    pub api_version: Option<String>,
}

/// Where the config file is looked for when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("instagraph").join("config.toml"))
}

/// Loads the file: an explicit path must exist; the default path is optional.
pub fn load(explicit: Option<&Path>) -> Result<FileConfig> {
    let (path, required) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(FileConfig::default()),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileConfig::default());
        }
        Err(e) => {
            return Err(
                crate::Refused(format!("cannot read config file {}: {e}", path.display())).into(),
            );
        }
    };
    toml::from_str(&text)
        .map_err(|e| crate::Refused(format!("config file {}: {e}", path.display())).into())
}

/// Expands `${VAR}` references; a missing variable is an error naming it (never the value).
pub fn expand_env(value: &str, what: &str) -> Result<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            bail!("{what}: unterminated ${{ in the config file");
        };
        let name = &after[..end];
        match std::env::var(name) {
            Ok(v) => out.push_str(&v),
            Err(_) => bail!("{what}: the config file refers to ${{{name}}}, which is not set"),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_accounts_and_rejects_unknown_keys() {
        let c: FileConfig = toml::from_str(
            r#"
            default_account = "shop"
            [accounts.shop]
            login = "instagram"
            access_token = "${SHOP_TOKEN}"
            "#,
        )
        .unwrap();
        assert_eq!(c.default_account.as_deref(), Some("shop"));
        assert_eq!(c.accounts["shop"].login.as_deref(), Some("instagram"));
        assert!(toml::from_str::<FileConfig>("tokn = 1").is_err());
    }

    #[test]
    fn env_references_expand_or_name_the_missing_variable() {
        // SAFETY: tests in this module touch only this uniquely named variable.
        unsafe { std::env::set_var("INSTAGRAPH_TEST_EXPAND_X", "v") };
        assert_eq!(
            expand_env("a${INSTAGRAPH_TEST_EXPAND_X}b", "t").unwrap(),
            "avb"
        );
        let err = expand_env("${INSTAGRAPH_TEST_SURELY_UNSET}", "access_token")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("INSTAGRAPH_TEST_SURELY_UNSET") && err.contains("access_token"),
            "{err}"
        );
        assert!(expand_env("${OPEN", "t").is_err());
    }
}
