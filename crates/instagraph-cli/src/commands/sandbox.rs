//! `instagraph sandbox`: the emulator as a process.

use crate::Refused;
use crate::cli::{SandboxAction, SandboxArgs, SimulateArgs, SimulateEvent};
use crate::context::Context;
use anyhow::{Context as _, Result};
use instagraph_sandbox::{SandboxConfig, spawn};

pub async fn run(ctx: &Context, args: SandboxArgs) -> Result<()> {
    if let Some(SandboxAction::Simulate(sim)) = args.action {
        return simulate(ctx, sim).await;
    }
    let mut config = if args.frozen {
        SandboxConfig::deterministic()
    } else {
        SandboxConfig::default()
    };
    config.seed = args.seed;
    config.app_budget_per_hour = args.app_budget_per_hour;
    config.buc_budget_per_day = args.buc_budget_per_day;
    config.publishing.quota_total = args.quota_total;
    config.publishing.image_processing_ms = args.image_processing_ms;
    config.publishing.video_processing_ms = args.video_processing_ms;
    let running = spawn(config, args.listen)
        .await
        .with_context(|| format!("starting the sandbox on {}", args.listen))?;
    if let Some(url) = &args.webhook_url {
        let token = args.verify_token.as_deref().ok_or_else(|| {
            Refused("--webhook-url needs the callback's verify token (--verify-token or INSTAGRAPH_VERIFY_TOKEN)".into())
        })?;
        running
            .sandbox
            .subscribe_webhooks(url, token)
            .await
            .with_context(|| format!("subscribing {url}"))?;
    }
    let line = serde_json::json!({
        "base_url": running.base_url,
        "control_url": format!("{}/_sandbox", running.base_url),
        "accounts": running.sandbox.accounts(),
        "webhook_url": args.webhook_url,
    });
    // One line, printed once the sandbox serves: scripts read it to get the URL and tokens.
    println!("{}", serde_json::to_string(&line)?);
    eprintln!("sandbox listening on {} (Ctrl-C to stop)", running.base_url);
    super::shutdown_signal().await;
    Ok(())
}

/// Posts one simulation to a running sandbox's control API and prints its answer.
async fn simulate(ctx: &Context, args: SimulateArgs) -> Result<()> {
    use serde_json::{Value, json};
    let base = args
        .sandbox_url
        .clone()
        .or_else(|| ctx.global.base_url.clone())
        .unwrap_or_else(|| "http://127.0.0.1:8765".to_owned());
    let base = base.trim_end_matches('/');
    let account = args.to.clone();
    let (path, body) = match args.event {
        SimulateEvent::Dm {
            from,
            text,
            attachment,
            quick_reply,
            reply_to,
        } => {
            let mut attachments = Vec::new();
            for a in &attachment {
                let (kind, url) = a.split_once('=').ok_or_else(|| {
                    Refused(format!("--attachment {a:?}: expected TYPE=URL, e.g. image=https://example.com/a.jpg"))
                })?;
                attachments.push(json!({"type": kind, "url": url}));
            }
            if text.is_none() && attachments.is_empty() {
                return Err(Refused("a DM needs --text or --attachment".into()).into());
            }
            let mut b = json!({"account": account, "user": from});
            if let Some(t) = text {
                b["text"] = json!(t);
            }
            if !attachments.is_empty() {
                b["attachments"] = Value::Array(attachments);
            }
            if let Some(q) = quick_reply {
                b["quick_reply_payload"] = json!(q);
            }
            if let Some(r) = reply_to {
                b["reply_to"] = json!(r);
            }
            ("simulate/dm", b)
        }
        SimulateEvent::Postback {
            from,
            payload,
            title,
        } => (
            "simulate/postback",
            json!({"account": account, "user": from, "payload": payload, "title": title}),
        ),
        SimulateEvent::Reaction { from, mid, unreact } => (
            "simulate/reaction",
            if unreact {
                json!({"account": account, "user": from, "mid": mid, "action": "unreact"})
            } else {
                json!({"account": account, "user": from, "mid": mid, "action": "react", "reaction": "love", "emoji": "\u{2764}\u{fe0f}"})
            },
        ),
        SimulateEvent::Read { from, mid } => (
            "simulate/read",
            json!({"account": account, "user": from, "mid": mid}),
        ),
        SimulateEvent::Comment {
            text,
            media_id,
            from,
            parent_id,
            live,
        } => (
            "simulate/comment",
            json!({"account": account, "text": text, "media_id": media_id, "from_username": from, "parent_id": parent_id, "live": live}),
        ),
        SimulateEvent::Mention {
            media_id,
            comment_id,
        } => (
            "simulate/mention",
            json!({"account": account, "media_id": media_id, "comment_id": comment_id}),
        ),
        SimulateEvent::StoryInsights { media_id, reach } => (
            "simulate/story_insights",
            json!({"account": account, "media_id": media_id, "reach": reach}),
        ),
        SimulateEvent::Test { field } => ("webhooks/test", json!({"field": field})),
    };
    let url = format!("{base}/_sandbox/{path}");
    let resp = reqwest::Client::new()
        .post(&url)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("reaching the sandbox at {base} (start one with `instagraph sandbox` or `instagraph serve`)"))?;
    let status = resp.status();
    let value: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let msg = value
            .get("error")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        return Err(Refused(format!(
            "the sandbox refused the simulation ({status}): {msg}"
        ))
        .into());
    }
    crate::output::print_json(&value)
}
