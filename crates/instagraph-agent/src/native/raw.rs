//! The escape hatch: any Graph path, with the client's auth, `appsecret_proof`, retries, error
//! mapping and pacing applied. Reads and writes are separate tools so that a read-only agent
//! keeps reads, and a host asks before a raw write.

use std::collections::BTreeMap;

use instagraph::ops::batch::BatchOp;
use instagraph::ratelimit::OperationClass;
use instagraph::{Method, RawCall};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::util::{scrub, to_json};
use crate::action::{Action, ActionContext, ActionError, Effect};

/// The raw tools.
pub fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "graph_get",
            Effect::Read,
            "GET any Graph API path not covered by another tool (`/me/media?fields=id,caption`, \
             `17841.../content_publishing_limit`), with the account's token, appsecret_proof, \
             retries and rate limits applied; the JSON comes back as the platform sent it \
             (secrets redacted). Paths only: full URLs are refused so that the token goes only \
             to the configured host. Prefer the typed tools: they check the platform's rules \
             first.",
            graph_get,
        )
        .native("instagraph raw GET"),
        Action::new(
            "graph_request",
            Effect::Publish,
            "POST or DELETE any Graph API path not covered by another tool (form parameters in \
             `params`), with the account's token and appsecret_proof. Marked with the most \
             consequential effect because a raw write can publish (media_publish), send \
             (/messages), hide or delete; the answer names the effect of this call (`effect`). \
             Not retried unless retry=true (only for calls the platform treats as idempotent). \
             Prefer the typed tools: they check the platform's rules first and never publish \
             twice.",
            graph_request,
        )
        .native("instagraph raw POST|DELETE"),
        Action::new(
            "batch_get",
            Effect::Read,
            "Up to 50 GET calls in one request (Facebook Login, graph.facebook.com): each \
             {method: \"GET\", relative_url: \"17841...?fields=username\", name?, depends_on?}; \
             chaining with {result=NAME:$.path} is passed through. Every call still counts \
             against the rate limits on its own. Results come back per call, in order: \
             outcome ok (status, body), error (status, class, fix, error) or not_run (a \
             dependency failed). Only reads: writes go through their own tools.",
            batch_get,
        )
        .native("instagraph batch"),
    ]
}

/// Parameters of graph_get.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphGet {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// A Graph path with an optional query (`/me/media?fields=id,caption`); a leading version
    /// (`/v25.0/...`) is kept.
    pub path: String,
    /// More query parameters (no access_token or appsecret_proof: the client adds them).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The Graph API version to use (e.g. v25.0); defaults to the configured one.
    #[serde(default)]
    pub graph_api_version: Option<String>,
}

async fn graph_get(ctx: ActionContext, p: GraphGet) -> Result<Value, ActionError> {
    let call = RawCall {
        method: Method::GET,
        path: p.path,
        params: p.params.into_iter().collect(),
        retry_post: false,
        class: OperationClass::Other,
    };
    let _checked = call.clone().into_request()?;
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    Ok(scrub(client.raw(call).await?))
}

/// The method of a raw write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum WriteMethod {
    /// Create or change (form parameters).
    Post,
    /// Delete.
    Delete,
}

/// Parameters of graph_request.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphRequest {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// POST or DELETE (reads: graph_get).
    pub method: WriteMethod,
    /// A Graph path (`/17841.../mentions`, `/{comment-id}`); a query in it is sent too.
    pub path: String,
    /// Form parameters for POST, query parameters for DELETE (no access_token or
    /// appsecret_proof: the client adds them).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Retry on retryable failures: only for calls the platform treats as idempotent (never
    /// media_publish or a message).
    #[serde(default)]
    pub retry: bool,
    /// The Graph API version to use (e.g. v25.0); defaults to the configured one.
    #[serde(default)]
    pub graph_api_version: Option<String>,
}

/// What a raw write does, judged from its method, path and parameters.
fn effect_of(method: WriteMethod, path: &str, params: &BTreeMap<String, String>) -> Effect {
    let (bare, query) = path.split_once('?').unwrap_or((path, ""));
    let bare = bare.trim_end_matches('/');
    let last = bare.rsplit('/').next().unwrap_or("");
    let hides = params.contains_key("hide") || query.split('&').any(|kv| kv.starts_with("hide="));
    match method {
        WriteMethod::Delete => Effect::Delete,
        WriteMethod::Post => match last {
            "media_publish" => Effect::Publish,
            "messages" => Effect::Send,
            "media" | "message_attachments" => Effect::Prepare,
            _ if hides => Effect::Hide,
            _ => Effect::Write,
        },
    }
}

async fn graph_request(ctx: ActionContext, p: GraphRequest) -> Result<Value, ActionError> {
    let effect = effect_of(p.method, &p.path, &p.params);
    if matches!(effect, Effect::Publish | Effect::Send) && p.retry {
        return Err(ActionError::InvalidParams(format!(
            "retry: not allowed for a {} call (a retry could publish or send twice)",
            serde_json::to_value(effect)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        )));
    }
    let call = RawCall {
        method: match p.method {
            WriteMethod::Post => Method::POST,
            WriteMethod::Delete => Method::DELETE,
        },
        path: p.path,
        params: p.params.into_iter().collect(),
        retry_post: p.retry,
        class: OperationClass::Other,
    };
    let _checked = call.clone().into_request()?;
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let body = scrub(client.raw(call).await?);
    Ok(json!({ "effect": effect, "response": body }))
}

/// Parameters of batch_get.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchGet {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// 1 to 50 GET operations.
    pub operations: Vec<BatchOp>,
}

async fn batch_get(ctx: ActionContext, p: BatchGet) -> Result<Value, ActionError> {
    if let Some((i, op)) = p
        .operations
        .iter()
        .enumerate()
        .find(|(_, op)| !op.method.trim().eq_ignore_ascii_case("GET"))
    {
        return Err(ActionError::InvalidParams(format!(
            "operations[{i}].method: GET only (batch_get reads; use the typed tools or \
             graph_request for writes), got {:?}",
            op.method
        )));
    }
    instagraph::ops::batch::check_batch(&p.operations)?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let results = client.batch(&p.operations).await?;
    Ok(json!({ "data": to_json(&results)? }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_writes_are_judged_by_path() {
        let none = BTreeMap::new();
        let post = WriteMethod::Post;
        assert_eq!(
            effect_of(post, "/1784/media_publish", &none),
            Effect::Publish
        );
        assert_eq!(effect_of(post, "me/messages/", &none), Effect::Send);
        assert_eq!(effect_of(post, "/1784/media", &none), Effect::Prepare);
        assert_eq!(effect_of(post, "/1790?hide=true", &none), Effect::Hide);
        assert_eq!(effect_of(post, "/1790/replies", &none), Effect::Write);
        assert_eq!(
            effect_of(WriteMethod::Delete, "/1790", &none),
            Effect::Delete
        );
    }
}
