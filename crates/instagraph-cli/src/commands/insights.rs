//! `instagraph insights media|account ...`: metrics checked before anything is sent (removed
//! metrics name their replacement, sets differ by product type, periods and `metric_type` by
//! metric), "no data" shown as such, never as zero; `--csv` prints rows for charting.

use super::reading::{print, table, when};
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use instagraph::ids::MediaId;
use instagraph::models::InsightsReport;
use instagraph::ops::insights::{AccountInsightsQuery, MediaInsightsQuery};

/// `instagraph insights`.
#[derive(Debug, Args)]
pub struct InsightsArgs {
    /// Whose insights.
    #[command(subcommand)]
    pub command: InsightsCommand,
    /// CSV rows (object_id,metric,period,end_time,dimensions,value) instead of a table.
    #[arg(long, global = true)]
    pub csv: bool,
}

/// `insights` subcommands.
#[derive(Debug, Subcommand)]
pub enum InsightsCommand {
    /// A media's insights.
    Media {
        /// The media id.
        media_id: String,
        /// Metrics, comma-separated (e.g. reach,saved,views).
        #[arg(long, value_name = "METRICS")]
        metric: String,
        /// Period (media insights are lifetime).
        #[arg(long)]
        period: Option<String>,
        /// Breakdown (action_type for profile_activity, story_navigation_action_type for navigation).
        #[arg(long)]
        breakdown: Option<String>,
        /// The media's product type (FEED, REELS, STORY) when known: saves a call.
        #[arg(long)]
        product_type: Option<String>,
    },
    /// The account's insights.
    Account {
        /// Metrics, comma-separated (e.g. reach,likes,views).
        #[arg(long, value_name = "METRICS")]
        metric: String,
        /// Period: day, week, days_28, lifetime, ... (default by metric).
        #[arg(long)]
        period: Option<String>,
        /// time_series or total_value (default: total_value when a metric needs it).
        #[arg(long)]
        metric_type: Option<String>,
        /// Breakdown(s), comma-separated.
        #[arg(long)]
        breakdown: Option<String>,
        /// Timeframe of demographics (this_week, this_month, ...).
        #[arg(long)]
        timeframe: Option<String>,
        /// Start of the window: unix seconds, YYYY-MM-DD, or an age such as 7d.
        #[arg(long)]
        since: Option<String>,
        /// End of the window (same forms).
        #[arg(long)]
        until: Option<String>,
    },
}

fn human(r: &InsightsReport) {
    let csv = r.to_csv();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<String> = split_csv(l);
            let value = cells.get(5).cloned().unwrap_or_default();
            let dims = cells.get(4).cloned().unwrap_or_default();
            let (dims, value) = if dims == "no data" {
                (String::new(), "no data".to_owned())
            } else {
                (dims, value)
            };
            vec![
                cells.get(1).cloned().unwrap_or_default(),
                cells.get(2).cloned().unwrap_or_default(),
                cells.get(3).cloned().unwrap_or_default(),
                dims,
                value,
            ]
        })
        .collect();
    table(
        &["metric", "period", "end_time", "dimensions", "value"],
        &rows,
    );
    for n in &r.notes {
        println!("note: {n}");
    }
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Runs `instagraph insights ...`.
pub async fn run(ctx: &Context, args: InsightsArgs) -> Result<()> {
    if args.csv && ctx.global.json {
        return Err(crate::Refused("choose one output: --csv or --json".into()).into());
    }
    let client = ctx.client().await?;
    let report = match args.command {
        InsightsCommand::Media {
            media_id,
            metric,
            period,
            breakdown,
            product_type,
        } => {
            let q = MediaInsightsQuery {
                metrics: metric,
                period,
                breakdown,
                product_type,
            };
            client
                .media_insights(&MediaId::parse(&media_id)?, &q)
                .await?
        }
        InsightsCommand::Account {
            metric,
            period,
            metric_type,
            breakdown,
            timeframe,
            since,
            until,
        } => {
            let q = AccountInsightsQuery {
                metrics: metric,
                period,
                metric_type,
                breakdown,
                timeframe,
                since: when(since.as_deref())?,
                until: when(until.as_deref())?,
            };
            client.account_insights(&q).await?
        }
    };
    if args.csv {
        print!("{}", report.to_csv());
        return Ok(());
    }
    print(ctx, &report, || human(&report))
}
