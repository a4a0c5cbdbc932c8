//! `instagraph publish`, `instagraph containers` and `instagraph quota`: publishing now, with a
//! progress bar while the platform processes the media.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use instagraph::ids::ContainerId;
use instagraph::ops::publishing::{PublishOptions, WaitProgress};
use instagraph_server::media_host::StandaloneMediaHost;
use serde_json::json;

use super::post_args::PostCommand;
use crate::Refused;
use crate::context::Context;

/// `instagraph publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Skip fetching media URLs first the way Meta's fetcher does (redirects, status, type,
    /// size, JPEG dimensions).
    #[arg(long, global = true)]
    pub no_preflight: bool,
    /// Skip reading the publishing quota first.
    #[arg(long, global = true)]
    pub no_quota_check: bool,
    /// Give up waiting for processing after this many seconds (default: 2 min for images,
    /// 20 min for video).
    #[arg(long, global = true, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Only create the container (and wait until it is ready); print its id, publish later
    /// with `containers publish ID`.
    #[arg(long, global = true)]
    pub container_only: bool,
    #[command(flatten)]
    pub media: MediaHostArgs,
    /// The post.
    #[command(subcommand)]
    pub post: PostCommand,
}

/// Where local images are served from.
#[derive(Debug, Args, Clone)]
pub struct MediaHostArgs {
    /// The public URL under which local images are served to Meta's fetcher (this process's
    /// `/media/` route must be reachable there, e.g. through a tunnel). Without it, local
    /// images work only against a sandbox on this machine.
    #[arg(long, global = true, env = "INSTAGRAPH_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Where to serve local images.
    #[arg(
        long,
        global = true,
        default_value = "127.0.0.1:0",
        value_name = "ADDR"
    )]
    pub media_listen: SocketAddr,
}

/// `instagraph containers`.
#[derive(Debug, Args)]
pub struct ContainersArgs {
    #[command(subcommand)]
    pub action: ContainersAction,
}

/// What to do with containers.
#[derive(Debug, Subcommand)]
pub enum ContainersAction {
    /// Containers known locally (those of scheduled posts) with their status.
    List,
    /// A container's status (`status_code`, `status`, upload progress).
    Status {
        /// The container id.
        id: String,
    },
    /// Publish a ready container (never blindly retried; an already published container
    /// counts as done).
    Publish {
        /// The container id.
        id: String,
    },
}

/// `instagraph quota`.
#[derive(Debug, Args)]
pub struct QuotaArgs {}

/// The context's client, with a media host for local images when the post needs one.
pub async fn client_with_media_host(
    ctx: &Context,
    args: &MediaHostArgs,
) -> Result<(instagraph::Client, Option<StandaloneMediaHost>)> {
    let host = StandaloneMediaHost::start(args.media_listen, args.public_url.clone())
        .await
        .map_err(|e| Refused(format!("--media-listen {}: {e}", args.media_listen)))?;
    let shared: Arc<dyn instagraph::ops::publishing::MediaHost> = Arc::new(host.host.clone());
    let client = ctx.client_with(|b| b.media_host(shared)).await?;
    Ok((client, Some(host)))
}

/// [`client_with_media_host`], but without a client when no account is configured (the
/// scheduler then uses stored accounts only).
pub async fn optional_client_with_media_host(
    ctx: &Context,
    args: &MediaHostArgs,
) -> Result<(Option<instagraph::Client>, Option<StandaloneMediaHost>)> {
    if ctx.token()?.is_none() {
        let host = StandaloneMediaHost::start(args.media_listen, args.public_url.clone())
            .await
            .map_err(|e| Refused(format!("--media-listen {}: {e}", args.media_listen)))?;
        return Ok((None, Some(host)));
    }
    let (c, h) = client_with_media_host(ctx, args).await?;
    Ok((Some(c), h))
}

fn progress_bar(ctx: &Context) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    let hidden = ctx.global.json || !std::io::IsTerminal::is_terminal(&std::io::stderr());
    bar.set_draw_target(if hidden {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    });
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn show_progress(bar: &ProgressBar, p: WaitProgress) {
    match p {
        WaitProgress::Polled {
            container,
            status,
            elapsed,
            child,
        } => {
            let which = match child {
                Some((i, n)) => format!("carousel item {i}/{n}"),
                None => "container".to_owned(),
            };
            bar.set_message(format!(
                "{which} {container}: {} ({}s)",
                status.as_str(),
                elapsed.as_secs()
            ));
        }
        WaitProgress::Uploading { sent, total } => {
            let pct = (sent * 100).checked_div(total).unwrap_or(100);
            bar.set_message(format!("uploading {sent}/{total} bytes ({pct}%)"));
        }
    }
}

pub async fn publish(ctx: &Context, args: PublishArgs) -> Result<()> {
    let spec = args.post.to_spec()?;
    spec.validate().map_err(|e| Refused(e.to_string()))?;
    let (client, _host) = client_with_media_host(ctx, &args.media).await?;
    let mut opts = PublishOptions::for_spec(&spec);
    opts.preflight = !args.no_preflight;
    opts.check_quota = !args.no_quota_check;
    if let Some(t) = args.timeout {
        opts.wait.timeout = Duration::from_secs(t);
    }
    let bar = progress_bar(ctx);
    bar.set_message(format!("creating the {} container", spec.kind()));
    let on_progress = {
        let bar = bar.clone();
        move |p: WaitProgress| show_progress(&bar, p)
    };
    if args.container_only {
        let result = async {
            let c = client.create_container(&spec, &opts, &on_progress).await?;
            let status = client.wait_ready(&c.id, &opts.wait, &on_progress).await?;
            Ok::<_, instagraph::Error>((c, status))
        }
        .await;
        bar.finish_and_clear();
        let (c, status) = result?;
        let v = json!({
            "container_id": c.id,
            "children": c.children,
            "status_code": status.code().as_str(),
            "status": status.status,
        });
        return if ctx.global.json {
            crate::output::print_json(&v)
        } else {
            println!(
                "container {} is {}: publish it with `instagraph containers publish {}`",
                c.id,
                status.code().as_str(),
                c.id
            );
            Ok(())
        };
    }
    let result = client.publish(&spec, &opts, &on_progress).await;
    bar.finish_and_clear();
    let published = result?;
    if ctx.global.json {
        return crate::output::print_json(&serde_json::to_value(&published)?);
    }
    println!(
        "published {} {}{}",
        spec.kind(),
        published.media_id,
        published
            .permalink
            .as_deref()
            .map(|p| format!(" {p}"))
            .unwrap_or_default()
    );
    if published.recovered {
        eprintln!("(the publish answer was lost; the post was found on the account instead)");
    }
    Ok(())
}

pub async fn containers(ctx: &Context, args: ContainersArgs) -> Result<()> {
    let client = ctx.client().await?;
    match args.action {
        ContainersAction::Status { id } => {
            let id = ContainerId::parse(&id).map_err(|e| Refused(e.to_string()))?;
            let s = client.container_status(&id).await?;
            let v = serde_json::to_value(&s)?;
            if ctx.global.json {
                crate::output::print_json(&v)
            } else {
                crate::output::print_fields(&v);
                Ok(())
            }
        }
        ContainersAction::Publish { id } => {
            let id = ContainerId::parse(&id).map_err(|e| Refused(e.to_string()))?;
            let p = client.publish_container(&id).await?;
            if ctx.global.json {
                crate::output::print_json(&serde_json::to_value(&p)?)
            } else {
                println!("published {} from container {id}", p.media_id);
                Ok(())
            }
        }
        ContainersAction::List => {
            // The platform has no edge listing an account's containers: list those we know.
            let db = super::events::db_or_default(ctx)?;
            let store = instagraph_store::open(&db).await?;
            let posts = store
                .posts(&instagraph_store::schedule::PostQuery {
                    limit: Some(500),
                    ..Default::default()
                })
                .await?;
            let mut rows = Vec::new();
            for p in posts.iter().filter(|p| p.container_id.is_some()) {
                let Some(cid) = p.container_id.as_deref() else {
                    continue;
                };
                let status = match ContainerId::parse(cid) {
                    Ok(id) => match client.container_status(&id).await {
                        Ok(s) => s.code().as_str().to_owned(),
                        Err(e) => format!("unknown ({e})"),
                    },
                    Err(e) => format!("invalid id ({e})"),
                };
                rows.push(json!({
                    "container_id": cid,
                    "children": p.children,
                    "post": p.id,
                    "post_state": p.state,
                    "status_code": status,
                    "created_at": p.container_created_at,
                }));
            }
            if ctx.global.json {
                return crate::output::print_json(&serde_json::Value::Array(rows));
            }
            if rows.is_empty() {
                println!("no containers known locally (the platform has no edge that lists them)");
            }
            for r in rows {
                println!(
                    "{:<20}  {:<12}  post {} ({})",
                    r["container_id"].as_str().unwrap_or(""),
                    r["status_code"].as_str().unwrap_or(""),
                    r["post"],
                    r["post_state"].as_str().unwrap_or("")
                );
            }
            Ok(())
        }
    }
}

pub async fn quota(ctx: &Context, _args: QuotaArgs) -> Result<()> {
    let client = ctx.client().await?;
    let l = client.publishing_limit().await?;
    let v = json!({
        "quota_usage": l.quota_usage,
        "quota_total": l.quota_total,
        "quota_duration_secs": l.quota_duration_secs,
        "remaining": l.remaining(),
    });
    if ctx.global.json {
        return crate::output::print_json(&v);
    }
    match (l.quota_total, l.remaining()) {
        (Some(total), Some(left)) => println!(
            "{} of {total} posts used in the last {} h; {left} left",
            l.quota_usage,
            l.quota_duration_secs.unwrap_or(86_400) / 3600
        ),
        _ => println!(
            "{} posts used in the current window (the platform did not say the limit)",
            l.quota_usage
        ),
    }
    Ok(())
}
