//! `instagraph serve`: the service, with the built-in sandbox when no credentials are configured.

use crate::cli::ServeArgs;
use crate::context::Context;
use anyhow::{Context as _, Result};
use instagraph_sandbox::{SandboxConfig, spawn};
use instagraph_server::{AppState, ServerConfig, start};

/// The default database when none is configured: `$XDG_DATA_HOME/instagraph/instagraph.db`.
fn default_db() -> Result<String> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let dir = base.join("instagraph");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir.join("instagraph.db").to_string_lossy().into_owned())
}

pub async fn run(ctx: &Context, args: ServeArgs) -> Result<()> {
    let db = match ctx.db() {
        Some(db) => db,
        None => default_db()?,
    };
    let store = instagraph_store::open(&db)
        .await
        .context("opening the database")?;
    let has_credentials = ctx.token()?.is_some();
    let (sandbox, graph_base_url) = if has_credentials {
        let cfg = ctx.client_config()?;
        (None, cfg.effective_base_url())
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
    let state = AppState {
        store,
        config: ServerConfig {
            listen: args.listen,
            db_label: db_label.clone(),
            graph_base_url: graph_base_url.clone(),
            sandbox: sandbox.is_some(),
        },
    };
    let server = start(state).await?;
    let line = serde_json::json!({
        "service_url": server.url(),
        "health_url": format!("{}/healthz", server.url()),
        "ready_url": format!("{}/readyz", server.url()),
        "db": db_label,
        "graph_base_url": graph_base_url,
        "sandbox": sandbox.as_ref().map(|s| serde_json::json!({
            "base_url": s.base_url,
            "control_url": format!("{}/_sandbox", s.base_url),
            "accounts": s.sandbox.accounts(),
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
    server.shutdown().await?;
    Ok(())
}
