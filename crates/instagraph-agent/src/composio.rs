//! The Composio Instagram toolkit's actions: the same names, parameters and `{data, error,
//! successful}` results, so agents and prompts written for Composio run unchanged against
//! Instagraph (and the sandbox). Deprecated aliases run their replacement.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::action::{Action, ActionContext, ActionError, Effect};

/// Every Composio-compatible action.
pub fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "INSTAGRAM_GET_USER_INFO",
            Effect::Read,
            "Get Instagram Business Account info including profile details and statistics \
             (followers_count, follows_count, media_count). Use \"me\" for the authenticated account.",
            get_user_info,
        )
        .native("instagraph me"),
    ]
}

/// Parameters of INSTAGRAM_GET_USER_INFO.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetUserInfo {
    /// Instagram Business Account ID, or "me" (the default) for the authenticated account.
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default)]
    pub graph_api_version: Option<String>,
}

async fn get_user_info(ctx: ActionContext, p: GetUserInfo) -> Result<Value, ActionError> {
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let me = client.me(None).await?;
    Ok(serde_json::to_value(me).map_err(|e| ActionError::Store(e.to_string()))?)
}
