//! Our own tools: one per operation of the toolkit, named in snake_case, with parameters taken
//! from the client's own types where it has them.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::action::{Action, ActionContext, ActionError, Effect};

/// Every native tool.
pub fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "get_profile",
            Effect::Read,
            "The account's profile: id, username, name, biography, followers_count, \
             follows_count, media_count, profile_picture_url.",
            get_profile,
        )
        .native("instagraph me"),
    ]
}

/// Parameters of get_profile.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
}

async fn get_profile(ctx: ActionContext, p: Account) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let me = client.me(None).await?;
    Ok(serde_json::to_value(me).map_err(|e| ActionError::Store(e.to_string()))?)
}
