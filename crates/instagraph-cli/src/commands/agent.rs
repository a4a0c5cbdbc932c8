//! `instagraph mcp` (an MCP server on stdio) and `instagraph action list|schema|run` (the JSON
//! actions, Composio names included), both over the `instagraph-agent` registry.

use std::io::Read as _;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use instagraph_agent::mcp::{McpServer, Toolset};
use instagraph_agent::{ActionContext, ClientSource, Policy, Registry, SingleAccount};
use serde_json::{Value, json};

use crate::Refused;
use crate::context::Context;

/// Who may do what, for agents.
#[derive(Debug, Args, Clone, Default)]
pub struct PolicyArgs {
    /// What agents may do with every account: full, drafts (publishing becomes a draft a person
    /// approves with `instagraph schedule approve`; no sending, deleting or hiding) or
    /// read-only.
    #[arg(long, value_name = "ACCESS", default_value = "full")]
    pub access: String,
    /// The same for one account (repeatable): `shop=read-only`, `17841400000000001=drafts`.
    #[arg(long = "account-access", value_name = "ACCOUNT=ACCESS")]
    pub account_access: Vec<String>,
}

impl PolicyArgs {
    /// The policy the flags describe.
    pub fn policy(&self) -> Result<Policy> {
        let mut p = Policy::default();
        p.set(&self.access)
            .map_err(|e| Refused(format!("--access: {e}")))?;
        for spec in &self.account_access {
            if !spec.contains('=') {
                return Err(Refused(format!(
                    "--account-access {spec}: expected ACCOUNT=ACCESS (e.g. shop=read-only)"
                ))
                .into());
            }
            p.set(spec)
                .map_err(|e| Refused(format!("--account-access {spec}: {e}")))?;
        }
        Ok(p)
    }
}

/// `instagraph mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Which tools: native (ours, one per operation), composio (the Composio action names) or
    /// all.
    #[arg(long, default_value = "native", value_name = "SET")]
    pub toolset: String,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Run against a built-in sandbox (no credentials needed; nothing reaches Instagram).
    #[arg(long)]
    pub sandbox: bool,
    #[command(flatten)]
    pub media: super::publish::MediaHostArgs,
}

/// `instagraph action`.
#[derive(Debug, Args)]
pub struct ActionArgs {
    #[command(subcommand)]
    pub action: ActionCommand,
}

/// What to do with actions.
#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Every action: name, effect, deprecation, native command.
    List(ListArgs),
    /// An action's parameter schema (JSON Schema).
    Schema(NameArgs),
    /// Run an action: `action run INSTAGRAM_SEND_TEXT_MESSAGE --json '{"recipient_id":"…","text":"hi"}'`
    /// (parameters from --json, else stdin). Prints `{data, error, successful}`; exits 1 when
    /// not successful.
    Run(RunArgs),
}

/// `action list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the Composio-compatible actions.
    #[arg(long, conflicts_with = "native")]
    pub composio: bool,
    /// Only the native tools.
    #[arg(long)]
    pub native: bool,
}

/// An action's name.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The name (Composio names are case-insensitive).
    pub name: String,
}

/// `action run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The action.
    pub name: String,
    /// The parameters as a JSON object (default: read from stdin). `--json '{...}'` works too.
    #[arg(long = "params", value_name = "JSON")]
    pub params: Option<String>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub media: super::publish::MediaHostArgs,
}

/// Keeps the media host (and a sandbox) alive as long as the actions may need them.
struct Keep {
    _sandbox: Option<instagraph_sandbox::RunningSandbox>,
    _media: instagraph_server::media_host::StandaloneMediaHost,
}

/// The accounts agents act for: the configured (or stored default) account; or, with
/// `sandbox`, the first account of a built-in sandbox.
async fn source(
    ctx: &Context,
    sandbox: bool,
    media: &super::publish::MediaHostArgs,
) -> Result<(Arc<dyn ClientSource>, Keep)> {
    let host = instagraph_server::media_host::StandaloneMediaHost::start(
        media.media_listen,
        media.public_url.clone(),
    )
    .await
    .map_err(|e| Refused(format!("--media-listen {}: {e}", media.media_listen)))?;
    let shared: Arc<dyn instagraph::ops::publishing::MediaHost> = Arc::new(host.host.clone());
    let sb = if sandbox {
        let sb = instagraph_sandbox::spawn(
            instagraph_sandbox::SandboxConfig::default(),
            "127.0.0.1:0".parse()?,
        )
        .await
        .context("starting the built-in sandbox")?;
        eprintln!("using a built-in sandbox at {}", sb.base_url);
        Some(sb)
    } else {
        None
    };
    // The sandbox's first account, or the configured (or stored default) one.
    let Some((client, name)) = super::serve::fallback_client(ctx, sb.as_ref(), shared).await?
    else {
        return Err(Refused(
            "no account: run `instagraph auth login`, set INSTAGRAPH_ACCESS_TOKEN, or pass \
             --sandbox to try it against the built-in sandbox"
                .into(),
        )
        .into());
    };
    let src: Arc<dyn ClientSource> = Arc::new(SingleAccount::new(client, name));
    Ok((
        src,
        Keep {
            _sandbox: sb,
            _media: host,
        },
    ))
}

async fn action_context(
    ctx: &Context,
    src: Arc<dyn ClientSource>,
    policy: Policy,
) -> Result<ActionContext> {
    let db = super::events::db_or_default(ctx)?;
    let store = instagraph_store::open(&db)
        .await
        .context("opening the database (drafts and scheduled posts live there)")?;
    let mut actx = ActionContext::new(src);
    actx.store = Some(store);
    actx.policy = policy;
    Ok(actx)
}

/// `instagraph mcp`: serves until the client closes stdin. Only the protocol goes to stdout.
pub async fn mcp(ctx: &Context, args: McpArgs) -> Result<()> {
    let toolset: Toolset = args.toolset.parse().map_err(Refused)?;
    let policy = args.policy.policy()?;
    let (src, _keep) = source(ctx, args.sandbox, &args.media).await?;
    let actx = action_context(ctx, src, policy).await?;
    let server = McpServer::new(actx, toolset);
    eprintln!(
        "instagraph MCP server on stdio: {} tools",
        server.tools().len()
    );
    server.serve_stdio().await?;
    Ok(())
}

/// `instagraph action ...`.
pub async fn action(ctx: &Context, args: ActionArgs) -> Result<()> {
    match args.action {
        ActionCommand::List(a) => {
            let reg = if a.composio {
                Registry::composio()
            } else if a.native {
                Registry::native()
            } else {
                Registry::all()
            };
            let list: Vec<Value> = reg.iter().map(|a| a.summary()).collect();
            if ctx.global.json {
                return crate::output::print_json(&Value::Array(list));
            }
            for a in reg.iter() {
                let dep = a
                    .deprecated_for
                    .map(|d| format!("  (deprecated: use {d})"))
                    .unwrap_or_default();
                println!(
                    "{:<48} {:<8} {}{dep}",
                    a.name,
                    effect_name(a.effect),
                    a.native
                );
            }
            Ok(())
        }
        ActionCommand::Schema(a) => {
            let reg = Registry::all();
            let action = reg.get(&a.name).ok_or_else(|| {
                Refused(format!(
                    "unknown action {:?} (see `instagraph action list`)",
                    a.name
                ))
            })?;
            crate::output::print_json(&json!({
                "name": action.name,
                "description": action.full_description(),
                "effect": action.effect,
                "deprecated_for": action.deprecated_for,
                "native": action.native,
                "parameters": Value::Object((**action.schema()).clone()),
            }))
        }
        ActionCommand::Run(a) => run(ctx, a).await,
    }
}

fn effect_name(e: instagraph_agent::Effect) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn run(ctx: &Context, a: RunArgs) -> Result<()> {
    let reg = Registry::all();
    let action = reg.get(&a.name).ok_or_else(|| {
        Refused(format!(
            "unknown action {:?} (see `instagraph action list`)",
            a.name
        ))
    })?;
    let raw = match a.params {
        Some(p) => p,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the parameters from stdin")?;
            s
        }
    };
    let params: Value = if raw.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(&raw)
            .map_err(|e| Refused(format!("the parameters are not valid JSON: {e}")))?
    };
    if !params.is_object() {
        return Err(Refused("the parameters must be a JSON object".into()).into());
    }
    let policy = a.policy.policy()?;
    let (src, _keep) = source(ctx, false, &a.media).await?;
    let actx = action_context(ctx, src, policy).await?;
    let outcome = instagraph_agent::run(&actx, action, params).await;
    println!("{}", serde_json::to_string_pretty(&outcome.envelope())?);
    if outcome.successful {
        Ok(())
    } else {
        Err(crate::Silent.into())
    }
}
