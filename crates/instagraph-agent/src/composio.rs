//! The Composio Instagram toolkit's actions: the same names, parameters and `{data, error,
//! successful}` results, so agents and prompts written for Composio run unchanged against
//! Instagraph (and the sandbox). Deprecated aliases run their replacement's logic with their
//! own parameter names.
//!
//! Every action uses the client's typed operations where they exist, so the platform's rules
//! (comment text, captions, carousel sizes, messaging limits, insight metrics, ...) are checked
//! before anything is sent; results keep the Graph API's shapes (`{"id": ...}` for creations,
//! `{"data": [...], "paging": {...}}` for lists, so Composio's "nested under data.data" holds).
//!
//! Parameters are read leniently ([`params`]): lists as arrays or comma-separated strings,
//! numbers and booleans as strings, ids as numbers, unknown fields ignored.

pub mod params;

mod engagement;
mod insights;
mod messaging;
mod publishing;
mod reading;

use instagraph::{Client, LoginFamily};
use serde::Serialize;
use serde_json::Value;

use crate::action::{Action, ActionError};

/// Every Composio-compatible action (36, deprecated aliases included).
pub fn actions() -> Vec<Action> {
    let mut all = Vec::new();
    all.extend(reading::actions());
    all.extend(engagement::actions());
    all.extend(insights::actions());
    all.extend(publishing::actions());
    all.extend(messaging::actions());
    all
}

/// A result as JSON (the typed models serialise to the Graph API's shapes).
pub(crate) fn data<T: Serialize>(value: &T) -> Result<Value, ActionError> {
    serde_json::to_value(value).map_err(|e| {
        ActionError::from(instagraph::Error::Decode {
            path: "result".to_owned(),
            message: e.to_string(),
        })
    })
}

/// A refusal naming the parameter.
pub(crate) fn invalid(message: impl Into<String>) -> ActionError {
    ActionError::InvalidParams(message.into())
}

/// The client's input error with the field renamed to the action's parameter name (the client
/// says `media_id` where Composio's parameter is `ig_media_id`).
pub(crate) fn as_param(e: instagraph::Error, param: &str) -> ActionError {
    match e {
        instagraph::Error::InvalidInput { limit, value, .. } => {
            ActionError::from(instagraph::Error::InvalidInput {
                field: param.to_owned(),
                limit,
                value,
            })
        }
        other => ActionError::from(other),
    }
}

/// The client messaging goes through: the Page-token client on Facebook Login (messaging there
/// needs the Page's token), the client itself on Instagram Login.
pub(crate) async fn messaging_client(client: Client) -> Result<Client, ActionError> {
    Ok(match client.login() {
        LoginFamily::Facebook => client.page_client().await?,
        LoginFamily::Instagram => client,
    })
}

/// A `fields` parameter: `None` when absent or blank, else the trimmed list.
pub(crate) fn fields_param(fields: Option<&str>) -> Option<String> {
    fields
        .map(|f| {
            f.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        })
        .filter(|f| !f.is_empty())
}
