//! `instagraph sandbox`: the emulator as a process.

use crate::cli::SandboxArgs;
use crate::context::Context;
use anyhow::{Context as _, Result};
use instagraph_sandbox::{SandboxConfig, spawn};

pub async fn run(_ctx: &Context, args: SandboxArgs) -> Result<()> {
    let mut config = if args.frozen {
        SandboxConfig::deterministic()
    } else {
        SandboxConfig::default()
    };
    config.seed = args.seed;
    config.app_budget_per_hour = args.app_budget_per_hour;
    config.buc_budget_per_day = args.buc_budget_per_day;
    let running = spawn(config, args.listen)
        .await
        .with_context(|| format!("starting the sandbox on {}", args.listen))?;
    let line = serde_json::json!({
        "base_url": running.base_url,
        "control_url": format!("{}/_sandbox", running.base_url),
        "accounts": running.sandbox.accounts(),
    });
    // One line, printed once the sandbox serves: scripts read it to get the URL and tokens.
    println!("{}", serde_json::to_string(&line)?);
    eprintln!("sandbox listening on {} (Ctrl-C to stop)", running.base_url);
    super::shutdown_signal().await;
    Ok(())
}
