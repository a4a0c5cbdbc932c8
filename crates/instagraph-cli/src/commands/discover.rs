//! `instagraph discover USERNAME` (Facebook Login): another business or creator account's
//! public profile and, with `--media`, a page of its media (`--all` follows the cursors).

use super::reading::{media_table, print, progress};
use crate::context::Context;
use anyhow::Result;
use clap::Args;
use instagraph::fields::FieldSet;
use instagraph::ops::discovery::DiscoveryQuery;

/// `instagraph discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The other account's username.
    pub username: String,
    /// Profile fields.
    #[arg(long)]
    pub fields: Option<String>,
    /// Also read its media.
    #[arg(long)]
    pub media: bool,
    /// Media fields.
    #[arg(long)]
    pub media_fields: Option<String>,
    /// Media page size.
    #[arg(long)]
    pub limit: Option<u32>,
    /// Media after this cursor.
    #[arg(long, value_name = "CURSOR")]
    pub after: Option<String>,
    /// Every media (follows the cursors; progress on stderr).
    #[arg(long, conflicts_with = "after")]
    pub all: bool,
}

/// Runs `instagraph discover`.
pub async fn run(ctx: &Context, args: DiscoverArgs) -> Result<()> {
    instagraph::ops::discovery::check_username(&args.username)?;
    let client = ctx.client().await?;
    let q = DiscoveryQuery {
        fields: FieldSet::from_option(args.fields.as_deref()),
        media: args.media || args.all,
        media_fields: FieldSet::from_option(args.media_fields.as_deref()),
        limit: args.limit,
        after: args.after.clone(),
        before: None,
    };
    let mut account = client.business_discovery(&args.username, &q).await?;
    if args.all {
        let all = client
            .business_discovery_all_media(&args.username, &q, progress("media"))
            .await?;
        eprintln!();
        account.media = Some(instagraph::Page {
            data: all,
            paging: None,
            summary: None,
        });
    }
    print(ctx, &account, || {
        let profile = serde_json::to_value(&account.profile).unwrap_or_default();
        crate::output::print_fields(&profile);
        if let Some(page) = &account.media {
            println!();
            media_table(&page.data);
            if !args.all
                && let Some(after) = page
                    .paging
                    .as_ref()
                    .and_then(|p| p.cursors.as_ref())
                    .and_then(|c| c.after.as_deref())
            {
                println!("(more: --all, or --after {after})");
            }
        }
    })
}
