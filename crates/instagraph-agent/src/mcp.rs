//! The MCP server, on the official `rmcp` SDK: every action of a [`Toolset`] as an MCP tool,
//! over stdio (`instagraph mcp`) or streamable HTTP (`instagraph serve`, behind an API key).
//!
//! - Tools carry their JSON schema (derived from the parameter types) and annotations from
//!   their [`Effect`]: read-only tools say so; publishing, sending, deleting and hiding are
//!   marked destructive, so MCP hosts ask a person first.
//! - A [`Policy`] (and, over HTTP, the API key's [`Grant`]) limits an agent to read-only or to
//!   drafts per account; tools it can never use are not listed.
//! - Every result carries the rate-limit usage (`usage`: the platform's usage headers and our
//!   own budgets), so an agent can pace itself.
//! - Nothing is written to stdout but the protocol; logs go to stderr (the caller's tracing
//!   subscriber).

use std::sync::Arc;
use std::time::Instant;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::StreamableHttpService;
use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::{Value, json};

use crate::action::{self, Access, Action, ActionContext, Effect, Policy, Registry};

/// Which actions are offered as tools.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Toolset {
    /// Our tools, one per operation (snake_case names).
    #[default]
    Native,
    /// The Composio-compatible actions (`INSTAGRAM_...`), without the deprecated aliases.
    Composio,
    /// Both.
    All,
}

impl std::str::FromStr for Toolset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "native" => Ok(Toolset::Native),
            "composio" => Ok(Toolset::Composio),
            "all" => Ok(Toolset::All),
            other => Err(format!(
                "unknown toolset {other:?}: expected native, composio or all"
            )),
        }
    }
}

/// What an HTTP caller's API key allows: at most `access`, and only `accounts` (empty: all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The most the key allows.
    pub access: Access,
    /// The accounts (names or ids) the key may act for; empty means all.
    pub accounts: Vec<String>,
}

/// The MCP server: a registry of actions served as tools.
#[derive(Clone)]
pub struct McpServer {
    registry: Arc<Registry>,
    toolset: Toolset,
    ctx: ActionContext,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("toolset", &self.toolset)
            .field("tools", &self.registry.len())
            .field("ctx", &self.ctx)
            .finish()
    }
}

const INSTRUCTIONS: &str = "Instagraph: tools for an Instagram professional account (Graph API). \
Pass ig_user_id to act for one of several accounts (default: the configured one; \"me\" works). \
Tools marked destructive publish, send, delete or hide: confirm with the user first. \
Publishing is two-step on the platform (container, then publish when FINISHED); publish_post does \
both and waits. DMs can only answer a person who wrote within the last 24 hours. \
Every result has `usage` (rate-limit figures): slow down when a percentage nears 100.";

impl McpServer {
    /// Serves `toolset` with `ctx` (its policy applies to every call).
    pub fn new(ctx: ActionContext, toolset: Toolset) -> Self {
        Self {
            registry: Arc::new(Registry::all()),
            toolset,
            ctx,
        }
    }

    fn offered(&self, a: &Action) -> bool {
        let composio = a.name.starts_with("INSTAGRAM_");
        match self.toolset {
            Toolset::Native => !composio,
            Toolset::Composio => composio && a.deprecated_for.is_none(),
            Toolset::All => a.deprecated_for.is_none(),
        }
    }

    /// The tools listed under `policy`: an action that no account may run is not listed.
    pub fn tools_for(&self, policy: &Policy) -> Vec<Tool> {
        let most = most_permissive(policy);
        self.registry
            .iter()
            .filter(|a| self.offered(a))
            .filter(|a| action::permitted(a, most).is_ok())
            .map(tool_of)
            .collect()
    }

    /// The tools listed without a grant.
    pub fn tools(&self) -> Vec<Tool> {
        self.tools_for(&self.ctx.policy)
    }

    fn context_for(&self, grant: Option<&Grant>) -> ActionContext {
        let mut ctx = self.ctx.clone();
        if let Some(g) = grant {
            ctx.policy = capped(&ctx.policy, g.access);
            if !g.accounts.is_empty() {
                ctx.allowed_accounts = Some(g.accounts.clone());
            }
        }
        ctx
    }

    /// Runs tool `name` with `arguments` under `grant`; every failure is a tool error result
    /// with `error`, `kind` and `usage` (an unknown tool is a protocol error).
    pub async fn call(
        &self,
        name: &str,
        arguments: Value,
        grant: Option<&Grant>,
    ) -> Result<CallToolResult, ErrorData> {
        let Some(action) = self.registry.get(name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool {name:?}"),
                None,
            ));
        };
        let ctx = self.context_for(grant);
        let started = Instant::now();
        let outcome = action::run(&ctx, action, arguments).await;
        tracing::info!(
            tool = action.name,
            effect = ?action.effect,
            successful = outcome.successful,
            error_kind = outcome.error_kind.unwrap_or(""),
            ms = started.elapsed().as_millis() as u64,
            "mcp tool call"
        );
        let usage = outcome.usage.clone().unwrap_or(Value::Null);
        Ok(if outcome.successful {
            CallToolResult::structured(json!({ "data": outcome.data, "usage": usage }))
        } else {
            CallToolResult::structured_error(json!({
                "error": outcome.error,
                "kind": outcome.error_kind,
                "usage": usage,
            }))
        })
    }

    /// Serves over stdin/stdout until the client disconnects.
    pub async fn serve_stdio(self) -> Result<(), std::io::Error> {
        let running = self
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| std::io::Error::other(format!("MCP initialisation failed: {e}")))?;
        running
            .waiting()
            .await
            .map_err(|e| std::io::Error::other(format!("MCP server task failed: {e}")))?;
        Ok(())
    }

    /// A tower service answering MCP over streamable HTTP (mount it at `/mcp`). Requests may
    /// carry a [`Grant`] in their extensions (put there by the API-key layer); `hosts` are the
    /// `Host` values accepted besides loopback (DNS-rebinding protection).
    pub fn http_service(
        self,
        hosts: Vec<String>,
    ) -> StreamableHttpService<McpServer, LocalSessionManager> {
        let mut allowed = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        allowed.extend(hosts);
        let config = StreamableHttpServerConfig::default().with_allowed_hosts(allowed);
        StreamableHttpService::new(
            move || Ok(self.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        )
    }
}

/// The grant an HTTP request carries (none on stdio).
fn grant_of(ctx: &RequestContext<RoleServer>) -> Option<Grant> {
    ctx.extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<Grant>())
        .cloned()
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("instagraph", env!("CARGO_PKG_VERSION"))
                    .with_title("Instagraph")
                    .with_description(
                        "Instagram Platform tools: messaging, publishing, comments, insights",
                    ),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let policy = match grant_of(&context) {
            Some(g) => capped(&self.ctx.policy, g.access),
            None => self.ctx.policy.clone(),
        };
        Ok(ListToolsResult::with_all_items(self.tools_for(&policy)))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let grant = grant_of(&context);
        let args = Value::Object(request.arguments.unwrap_or_default());
        self.call(&request.name, args, grant.as_ref())
            .await
            .map(Into::into)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.registry.get(name).map(tool_of)
    }
}

/// The MCP tool for an action.
pub fn tool_of(a: &Action) -> Tool {
    let effect_note = match a.effect {
        Effect::Read => "",
        Effect::Prepare => " [Prepares: nothing is visible until published.]",
        Effect::Write => " [Writes: changes the account's settings or adds your own content.]",
        Effect::Send => {
            " [Sends a message the recipient sees: confirm with the user unless they asked for it.]"
        }
        Effect::Publish => {
            " [Publishes publicly and cannot be undone by the API: confirm with the user first.]"
        }
        Effect::Delete => " [Deletes: cannot be undone: confirm with the user first.]",
        Effect::Hide => " [Hides or unhides someone else's content.]",
    };
    let description = format!("{}{effect_note}", a.full_description());
    let annotations = ToolAnnotations::with_title(title_of(a.name))
        .read_only(a.effect.is_read_only())
        .destructive(a.effect.is_consequential())
        .idempotent(a.effect.is_read_only())
        .open_world(true);
    let mut meta = rmcp::model::MetaObject::new();
    meta.insert("instagraph/effect".into(), json!(a.effect));
    if !a.native.is_empty() {
        meta.insert("instagraph/native".into(), json!(a.native));
    }
    Tool::new(a.name, description, a.schema().clone())
        .with_annotations(annotations)
        .with_meta(meta)
}

/// `send_text` → `Send text`, `INSTAGRAM_MARK_SEEN` → `Instagram mark seen`.
fn title_of(name: &str) -> String {
    let words = name.to_ascii_lowercase().replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The policy with no account allowed more than `cap`.
pub fn capped(policy: &Policy, cap: Access) -> Policy {
    Policy {
        default: policy.default.most_restrictive(cap),
        accounts: policy
            .accounts
            .iter()
            .map(|(k, v)| (k.clone(), v.most_restrictive(cap)))
            .collect(),
    }
}

/// The most any account may do under `policy`.
fn most_permissive(policy: &Policy) -> Access {
    policy
        .accounts
        .values()
        .fold(policy.default, |acc, a| acc.least_restrictive(*a))
}
