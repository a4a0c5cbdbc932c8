//! `instagraph usage`: the platform's usage headers and our local budgets.

use crate::cli::UsageArgs;
use crate::context::Context;
use anyhow::Result;

pub async fn run(ctx: &Context, args: UsageArgs) -> Result<()> {
    let client = ctx.client().await?;
    if !args.no_call {
        client.me(Some("id")).await?;
    }
    let platform = client.last_usage();
    let local = client.local_usage();
    let value = serde_json::json!({ "platform": platform, "local": local, "persisted": ctx.db().is_some() });
    if ctx.global.json {
        return crate::output::print_json(&value);
    }
    println!("Platform (from the last response's headers)");
    match &platform.app {
        Some(a) => println!(
            "  X-App-Usage                call_count {}%  total_cputime {}%  total_time {}%",
            a.call_count, a.total_cputime, a.total_time
        ),
        None => println!("  X-App-Usage                (not sent)"),
    }
    if platform.business.is_empty() {
        println!("  X-Business-Use-Case-Usage  (not sent)");
    }
    for (id, entries) in &platform.business {
        for e in entries {
            println!(
                "  BUC {id} {:<10} call_count {}%  total_cputime {}%  total_time {}%  regain in {} min",
                e.use_case,
                e.call_count,
                e.total_cputime,
                e.total_time,
                e.estimated_time_to_regain_access
            );
        }
    }
    println!(
        "Local budgets{}",
        if ctx.db().is_some() {
            " (persisted)"
        } else {
            " (this process only: set --db to persist)"
        }
    );
    for row in local {
        println!(
            "  {:<14} {:>4} / {:<4} per {} s   [{}]",
            row.class.as_str(),
            row.used,
            row.limit,
            row.window_secs,
            row.key
        );
    }
    Ok(())
}
