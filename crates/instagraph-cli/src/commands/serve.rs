//! `instagraph serve`: the service, with the built-in sandbox when no credentials are configured,
//! and the webhook receiver on `/webhook`.

use crate::Refused;
use crate::cli::ServeArgs;
use crate::context::Context;
use anyhow::{Context as _, Result};
use instagraph_sandbox::{SandboxConfig, spawn};
use instagraph_server::webhook::{WebhookConfig, WebhookRuntime};
use instagraph_server::{AppState, ServerConfig, start};
use std::sync::Arc;
use std::time::Duration;

/// A verify token for the sandbox mode (printed, so the user can point tools at it).
fn generated_token() -> String {
    let mut rng = fastrand::Rng::new();
    (0..24)
        .map(|_| {
            let c = rng.u8(0..36);
            char::from(if c < 10 { b'0' + c } else { b'a' + c - 10 })
        })
        .collect()
}

/// Forwarding targets may name stored accounts (`accounts = ["shop"]`): each name becomes all
/// of that account's ids (IG user id, app-scoped id, Page id), since webhooks carry any of them
/// as `entry.id`. Other entries are taken as ids.
async fn resolve_target_accounts(
    ctx: &Context,
    targets: &mut [instagraph_server::webhook::deliver::ForwardTarget],
) -> Result<()> {
    if targets.iter().all(|t| t.account_ids.is_empty()) || stored_accounts(ctx).await? == 0 {
        return Ok(());
    }
    let vault = super::auth::vault(ctx).await?;
    for t in targets.iter_mut() {
        let mut ids = Vec::new();
        for entry in &t.account_ids {
            match vault.store().account(entry).await? {
                Some(a) => ids.extend(
                    [a.ig_user_id, a.app_scoped_id, a.page_id]
                        .into_iter()
                        .flatten(),
                ),
                None => ids.push(entry.clone()),
            }
        }
        t.account_ids = ids;
    }
    Ok(())
}

/// How many accounts `instagraph auth` has stored (0 when no secret key exists yet).
async fn stored_accounts(ctx: &Context) -> Result<usize> {
    let has_key = std::env::var(instagraph_store::secrets::SECRET_KEY_ENV)
        .is_ok_and(|k| !k.is_empty())
        || crate::context::data_dir()?.join("secret.key").exists();
    if !has_key {
        return Ok(0);
    }
    Ok(super::auth::vault(ctx)
        .await?
        .store()
        .accounts()
        .await?
        .len())
}

/// The client for calls that name no stored account: the configured account's (flags,
/// environment, config file), or the built-in sandbox's first account; with the name it is
/// known by (the config profile, or the sandbox account's name).
pub(crate) async fn fallback_client(
    ctx: &Context,
    sandbox: Option<&instagraph_sandbox::RunningSandbox>,
    host: Arc<dyn instagraph::ops::publishing::MediaHost>,
) -> Result<Option<(instagraph::Client, Option<String>)>> {
    match sandbox {
        None if ctx.token()?.is_none() => Ok(None),
        None => Ok(Some((
            ctx.client_with(|b| b.media_host(host.clone())).await?,
            ctx.account_name.clone(),
        ))),
        Some(sb) => {
            let a = sb
                .sandbox
                .accounts()
                .into_iter()
                .next()
                .context("the built-in sandbox has no account")?;
            let login: instagraph::config::LoginFamily = serde_json::to_value(a.login)?
                .as_str()
                .unwrap_or("instagram")
                .parse()?;
            let cfg = instagraph::ClientConfig::new(login, a.access_token.clone())
                .base_url(sb.base_url.clone())
                .app_secret(a.app_secret.clone())
                .ig_user_id(instagraph::ids::IgUserId::parse(&a.ig_user_id)?);
            let client = instagraph::Client::builder(cfg).media_host(host).build()?;
            Ok(Some((client, Some(a.name))))
        }
    }
}

pub async fn run(ctx: &Context, args: ServeArgs) -> Result<()> {
    let db = super::events::db_or_default(ctx)?;
    let store = instagraph_store::open(&db)
        .await
        .context("opening the database")?;
    let has_credentials = ctx.token()?.is_some() || stored_accounts(ctx).await? > 0;
    let (sandbox, graph_base_url) = if has_credentials {
        let url = match ctx.token()? {
            Some(_) => ctx.client_config()?.effective_base_url(),
            // Stored accounts only: each account's family picks its host, unless overridden.
            None => ctx
                .global
                .base_url
                .clone()
                .unwrap_or_else(|| "https://graph.facebook.com".to_owned()),
        };
        (None, url)
    } else {
        let sb = spawn(SandboxConfig::default(), args.sandbox_listen)
            .await
            .context("starting the built-in sandbox")?;
        let url = sb.base_url.clone();
        (Some(sb), url)
    };
    let db_label = if db.starts_with("postgres") {
        "postgres".to_owned()
    } else {
        db.clone()
    };

    // The webhook receiver: a verify token and app secrets are required (the sandbox mode
    // makes a token up and uses the sandbox apps' secrets).
    let webhooks = if args.no_webhooks {
        None
    } else {
        let file_token = ctx
            .file
            .webhooks
            .verify_token
            .as_deref()
            .map(|t| crate::config::expand_env(t, "webhooks.verify_token"))
            .transpose()?;
        let verify_token = match (args.verify_token.clone().or(file_token), &sandbox) {
            (Some(t), _) => t,
            (None, Some(_)) => generated_token(),
            (None, None) => {
                return Err(Refused(
                    "no webhook verify token: set INSTAGRAPH_VERIFY_TOKEN (or --verify-token, or \
                     [webhooks] verify_token); there is deliberately no default. Pass \
                     --no-webhooks to run without the receiver"
                        .into(),
                )
                .into());
            }
        };
        let mut secrets = ctx.app_secrets()?;
        if let Some(sb) = &sandbox {
            for a in sb.sandbox.accounts() {
                if !secrets.contains(&a.app_secret) {
                    secrets.push(a.app_secret);
                }
            }
        }
        let mut targets = super::events::targets(
            ctx,
            &args.forward,
            args.forward_secret.as_deref(),
            &args.forward_events,
            &args.exec,
        )?;
        resolve_target_accounts(ctx, &mut targets).await?;
        let mut config = WebhookConfig::new(&verify_token, secrets)
            .map_err(|e| {
                Refused(format!(
                    "{e}; pass --no-webhooks to run without the receiver"
                ))
            })?
            .with_targets(targets)
            .map_err(|e| Refused(e.to_string()))?;
        if let Some(limit) = ctx.file.webhooks.body_limit {
            config.body_limit = limit;
        }
        if let Some(s) = &ctx.file.webhooks.retry_schedule_secs {
            config.retry_schedule = s.iter().map(|s| Duration::from_secs(*s)).collect();
        }
        let clock: instagraph::clock::SharedClock = Arc::new(instagraph::clock::TokioClock::new());
        Some((
            WebhookRuntime::start(config, store.clone(), clock).await,
            verify_token,
        ))
    };

    // Local images of scheduled posts are served from this service's own `/media/` route.
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let media = instagraph_server::media_host::MediaHost::new(public_url);
    let scheduler_store = store.clone();
    let host: Arc<dyn instagraph::ops::publishing::MediaHost> = Arc::new(media.clone());
    let fallback = fallback_client(ctx, sandbox.as_ref(), host.clone()).await?;
    // Stored accounts talk to the sandbox (or the --base-url) when one is in use.
    let accounts_base_url =
        Some(graph_base_url.clone()).filter(|_| ctx.global.base_url.is_some() || sandbox.is_some());
    let vault = Arc::new(instagraph_store::accounts::AccountVault::new(
        store.clone(),
        super::auth::secret_box()?,
    ));
    // The Graph proxy and MCP act as the stored accounts, or the fallback account.
    let clients = {
        let clock: instagraph::clock::SharedClock = Arc::new(instagraph::clock::TokioClock::new());
        let mut clients = instagraph_server::accounts::StoredClients::new(
            vault.clone(),
            accounts_base_url.clone(),
            clock,
        )
        .with_media_host(host.clone());
        if let Some((client, name)) = &fallback {
            clients = clients.with_fallback(client.clone(), name.clone());
        }
        Arc::new(clients)
    };
    let accounts: Arc<dyn instagraph_agent::ClientSource> = clients;
    let proxy = Arc::new(instagraph_server::proxy::Proxy::new(
        store.clone(),
        accounts.clone(),
    ));
    // MCP over HTTP at /mcp: the same accounts, behind an API key.
    let mcp = {
        let toolset: instagraph_agent::mcp::Toolset = args.mcp_toolset.parse().map_err(Refused)?;
        let policy = super::agent::PolicyArgs {
            access: args.agent_access.clone(),
            account_access: args.agent_account_access.clone(),
        }
        .policy()?;
        let mut actx = instagraph_agent::ActionContext::new(accounts);
        actx.store = Some(store.clone());
        actx.policy = policy;
        let hosts = args
            .public_url
            .as_deref()
            .and_then(|u| u.split("://").nth(1))
            .map(|rest| rest.split('/').next().unwrap_or_default().to_owned())
            .into_iter()
            .collect();
        Arc::new(instagraph_server::mcp_http::McpEndpoint::new(
            instagraph_agent::mcp::McpServer::new(actx, toolset),
            store.clone(),
            args.api_key.clone().map(Into::into),
            hosts,
        ))
    };
    let state = AppState {
        store,
        config: ServerConfig {
            listen: args.listen,
            db_label: db_label.clone(),
            graph_base_url: graph_base_url.clone(),
            sandbox: sandbox.is_some(),
            api_key: args.api_key.clone().map(Into::into),
        },
        webhooks: webhooks.as_ref().map(|(rt, _)| rt.clone()),
        media: Some(media.clone()),
        proxy: Some(proxy),
        mcp: Some(mcp),
    };
    let server = start(state).await?;
    if args.public_url.is_none() {
        media.set_public_base(&server.url());
    }
    // With port 0 the URL is known only now.

    // The scheduler publishes as the configured account (or the sandbox's first account).
    let scheduler = if args.no_scheduler {
        None
    } else {
        let client = fallback.as_ref().map(|(c, _)| c.clone());
        let sched = super::schedule::scheduler(
            scheduler_store.clone(),
            client,
            Some(host),
            accounts_base_url,
            instagraph_server::scheduler::SchedulerConfig::default(),
        )?;
        Some(tokio::spawn(sched.run()))
    };
    // Stored tokens are kept alive on a timer.
    let keeper = {
        let clock: instagraph::clock::SharedClock = Arc::new(instagraph::clock::TokioClock::new());
        let config = instagraph_server::tokens::KeeperConfig {
            base_url: ctx.global.base_url.clone(),
            ..Default::default()
        };
        tokio::spawn(instagraph_server::tokens::TokenKeeper::new(vault, clock, config).run())
    };
    let callback = format!("{}/webhook", server.url());

    // In sandbox mode the sandbox subscribes to our receiver, like Meta's dashboard does.
    let mut subscribed = false;
    if let (Some(sb), Some((_, token))) = (&sandbox, &webhooks) {
        sb.sandbox
            .subscribe_webhooks(&callback, token)
            .await
            .context("subscribing the sandbox to the webhook receiver")?;
        subscribed = true;
    }
    let line = serde_json::json!({
        "service_url": server.url(),
        "health_url": format!("{}/healthz", server.url()),
        "ready_url": format!("{}/readyz", server.url()),
        "webhook_url": webhooks.as_ref().map(|_| callback.clone()),
        "events_url": webhooks.as_ref().map(|_| format!("{}/events", server.url())),
        "events_stream_url": webhooks.as_ref().map(|_| format!("{}/events/stream", server.url())),
        // Only the generated (sandbox) token is printed; a configured one is the user's secret.
        "verify_token": match (&sandbox, &webhooks) {
            (Some(_), Some((_, t))) if args.verify_token.is_none() => Some(t.clone()),
            _ => None,
        },
        "forward_targets": webhooks.as_ref().map(|(rt, _)| rt.config().targets.iter().map(|t| t.name.clone()).collect::<Vec<_>>()),
        "db": db_label,
        "scheduler": scheduler.is_some(),
        "graph_base_url": graph_base_url,
        "graph_proxy_url": format!("{}/graph", server.url()),
        "mcp_url": format!("{}/mcp", server.url()),
        "sandbox": sandbox.as_ref().map(|s| serde_json::json!({
            "base_url": s.base_url,
            "control_url": format!("{}/_sandbox", s.base_url),
            "accounts": s.sandbox.accounts(),
            "webhooks_subscribed": subscribed,
        })),
    });
    println!("{}", serde_json::to_string(&line)?);
    if sandbox.is_some() {
        eprintln!(
            "no credentials configured: serving against the built-in sandbox at {graph_base_url}"
        );
    }
    eprintln!("instagraph service on {} (Ctrl-C to stop)", server.url());
    super::shutdown_signal().await;
    if let Some(task) = scheduler {
        task.abort();
    }
    keeper.abort();
    server.shutdown().await?;
    Ok(())
}
