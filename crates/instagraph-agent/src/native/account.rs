//! The account's own profile.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::util::to_json;
use crate::action::{Action, ActionContext, ActionError, Effect};

/// The account tools.
pub fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "get_profile",
            Effect::Read,
            "The account's profile: id, username, name, biography, followers_count, \
             follows_count, media_count, profile_picture_url, website (Instagram Login adds \
             user_id and account_type). Use it first to learn which account a call acts as.",
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
    /// Comma-separated profile fields (default: the useful set above).
    #[serde(default)]
    pub fields: Option<String>,
}

async fn get_profile(ctx: ActionContext, p: Account) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let fields = p.fields.as_deref().map(str::trim).filter(|f| !f.is_empty());
    if let Some(f) = fields {
        instagraph::fields::check_fields_syntax(f)?;
    }
    to_json(&client.me(fields).await?)
}
