//! One module per command.

pub(crate) mod agent;
pub(crate) mod auth;
pub(crate) mod batch;
pub(crate) mod comments;
pub(crate) mod conversations;
pub(crate) mod discover;
pub(crate) mod dm;
mod events;
pub(crate) mod hashtags;
pub(crate) mod insights;
pub(crate) mod keys;
mod me;
pub(crate) mod media;
pub(crate) mod mentions;
pub(crate) mod post_args;
pub(crate) mod profile;
pub(crate) mod publish;
mod raw;
mod reading;
mod sandbox;
pub(crate) mod schedule;
mod serve;
pub(crate) mod shopping;
mod usage;

use crate::cli::{Cli, Command};
use crate::context::Context;
use anyhow::Result;
pub(crate) use events::db_or_default;

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<()> {
    let mut ctx = Context::load(cli.global)?;
    if !matches!(
        cli.command,
        Command::Sandbox(_)
            | Command::Serve(_)
            | Command::Auth(_)
            | Command::Events(_)
            | Command::Keys(_)
            | Command::Config
    ) {
        ctx.attach_stored_account().await?;
    }
    match cli.command {
        Command::Auth(args) => auth::run(&ctx, args).await,
        Command::Sandbox(args) => sandbox::run(&ctx, args).await,
        Command::Serve(args) => serve::run(&ctx, args).await,
        Command::Me(args) => me::run(&ctx, args).await,
        Command::Raw(args) => raw::run(&ctx, args).await,
        Command::Usage(args) => usage::run(&ctx, args).await,
        Command::Config => show_config(&ctx),
        Command::Events(args) => events::run(&ctx, args).await,
        Command::Dm(args) => dm::run(&ctx, args).await,
        Command::Conversations(args) => conversations::run(&ctx, args).await,
        Command::Profile(args) => profile::run(&ctx, args).await,
        Command::Media(args) => media::run(&ctx, args).await,
        Command::Comments(args) => comments::run(&ctx, args).await,
        Command::Mentions(args) => mentions::run(&ctx, args).await,
        Command::Hashtags(args) => hashtags::run(&ctx, args).await,
        Command::Discover(args) => discover::run(&ctx, args).await,
        Command::Insights(args) => insights::run(&ctx, args).await,
        Command::Batch(args) => batch::run(&ctx, args).await,
        Command::Shopping(args) => shopping::run(&ctx, args).await,
        Command::Publish(args) => publish::publish(&ctx, args).await,
        Command::Containers(args) => publish::containers(&ctx, args).await,
        Command::Quota(args) => publish::quota(&ctx, args).await,
        Command::Schedule(args) => schedule::run(&ctx, args).await,
        Command::Keys(args) => keys::run(&ctx, args).await,
        Command::Mcp(args) => agent::mcp(&ctx, args).await,
        Command::Action(args) => agent::action(&ctx, args).await,
    }
}

fn show_config(ctx: &Context) -> Result<()> {
    let token = ctx.token()?;
    let login = match token.as_deref() {
        Some(t) => Some(ctx.login(t)?.to_string()),
        None => ctx.global.login.clone(),
    };
    let value = serde_json::json!({
        "config_file": ctx.global.config.clone().or_else(crate::config::default_path),
        "account": ctx.account_name,
        "login": login,
        "base_url": ctx.global.base_url,
        "api_version": ctx.global.api_version.clone().unwrap_or_else(|| instagraph::DEFAULT_API_VERSION.to_owned()),
        "ig_user_id": ctx.global.ig_user_id,
        "access_token": token.map(|_| "set (hidden)"),
        "app_secret": if ctx.app_secrets()?.is_empty() { "not set" } else { "set (hidden)" },
        "db": ctx.db(),
        "accounts": ctx.file.accounts.keys().collect::<Vec<_>>(),
    });
    if ctx.global.json {
        crate::output::print_json(&value)
    } else {
        crate::output::print_fields(&value);
        Ok(())
    }
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
