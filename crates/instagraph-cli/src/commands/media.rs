//! `instagraph media ...`: the account's media (fields, limit, since/until, cursors, `--all`),
//! one media with any documented field (`--fields all`), carousel children, stories, live
//! media, tagged media and shopping product tags. `likers` and `like` exist only to say that
//! the platform offers neither (it exposes `like_count`).

use super::reading::{PageFlags, list, media_table, opt, print, table, when};
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use instagraph::fields::FieldSet;
use instagraph::ids::MediaId;
use instagraph::ops::media::ListQuery;

/// `instagraph media`.
#[derive(Debug, Args)]
pub struct MediaArgs {
    /// What to read.
    #[command(subcommand)]
    pub command: MediaCommand,
}

/// Fields and time window of a media list.
#[derive(Debug, Args, Clone, Default)]
pub struct MediaListFlags {
    /// Fields (comma-separated, nested selections allowed), `all` for every documented field.
    #[arg(long)]
    pub fields: Option<String>,
    /// Only media from this time on: unix seconds, YYYY-MM-DD, or an age such as 7d.
    #[arg(long)]
    pub since: Option<String>,
    /// Only media up to this time (same forms).
    #[arg(long)]
    pub until: Option<String>,
    #[command(flatten)]
    pub page: PageFlags,
}

/// `media` subcommands.
#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// The account's feed media and reels, newest first.
    List(MediaListFlags),
    /// One media.
    Show {
        /// The media id.
        id: String,
        /// Fields, or `all` for every documented field.
        #[arg(long)]
        fields: Option<String>,
    },
    /// A carousel's items.
    Children {
        /// The carousel id.
        id: String,
        /// Fields, or `all`.
        #[arg(long)]
        fields: Option<String>,
    },
    /// Stories live now (the last 24 hours).
    Stories(MediaListFlags),
    /// Live broadcasts in progress.
    Live(MediaListFlags),
    /// Media of other accounts in which the account is tagged.
    Tagged(MediaListFlags),
    /// Shopping product tags on a media (Facebook Login).
    ProductTags {
        /// The media id.
        id: String,
    },
    /// Who liked a media: not offered by the platform (use like_count).
    Likers {
        /// The media id.
        id: String,
    },
    /// Like a media: not offered by the platform.
    Like {
        /// The media id.
        id: String,
    },
    /// Delete a media the app published (Facebook Login; the platform decides whether it may).
    Delete {
        /// The media id.
        id: String,
    },
}

fn query(f: &MediaListFlags) -> Result<ListQuery> {
    Ok(ListQuery {
        fields: FieldSet::from_option(f.fields.as_deref()),
        limit: f.page.limit,
        since: when(f.since.as_deref())?,
        until: when(f.until.as_deref())?,
        after: f.page.after.clone(),
        before: None,
    })
}

/// Runs `instagraph media ...`.
pub async fn run(ctx: &Context, args: MediaArgs) -> Result<()> {
    let client = ctx.client().await?;
    match args.command {
        MediaCommand::List(f) => {
            let req = client.user_media_request(&query(&f)?)?;
            list(ctx, &client, req, f.page.all, "media", media_table).await
        }
        MediaCommand::Stories(f) => {
            let req = client.stories_request(&query(&f)?)?;
            list(ctx, &client, req, f.page.all, "stories", media_table).await
        }
        MediaCommand::Live(f) => {
            let req = client.live_media_request(&query(&f)?)?;
            list(ctx, &client, req, f.page.all, "live media", media_table).await
        }
        MediaCommand::Tagged(f) => {
            let req = client.tagged_media_request(&query(&f)?)?;
            list(ctx, &client, req, f.page.all, "media", media_table).await
        }
        MediaCommand::Show { id, fields } => {
            let id = MediaId::parse(&id)?;
            let m = client
                .media(&id, &FieldSet::from_option(fields.as_deref()))
                .await?;
            let value = serde_json::to_value(&m)?;
            print(ctx, &m, || crate::output::print_fields(&value))
        }
        MediaCommand::Children { id, fields } => {
            let id = MediaId::parse(&id)?;
            let page = client
                .media_children(&id, &FieldSet::from_option(fields.as_deref()))
                .await?;
            print(ctx, &page, || media_table(&page.data))
        }
        MediaCommand::ProductTags { id } => {
            let id = MediaId::parse(&id)?;
            let tags = client.product_tags(&id).await?;
            let value = serde_json::json!({ "data": tags });
            print(ctx, &value, || {
                let rows: Vec<Vec<String>> = tags
                    .iter()
                    .map(|t| {
                        vec![
                            opt(t.product_id),
                            opt(t.name.as_deref()),
                            opt(t.price_string.as_deref()),
                            opt(t.review_status.as_deref()),
                            format!("{},{}", opt(t.x), opt(t.y)),
                        ]
                    })
                    .collect();
                table(&["product_id", "name", "price", "review", "x,y"], &rows);
            })
        }
        MediaCommand::Likers { id } => {
            let id = MediaId::parse(&id)?;
            client.media_likers(&id).await?;
            Ok(())
        }
        MediaCommand::Like { id } => {
            let id = MediaId::parse(&id)?;
            client.like_media(&id).await?;
            Ok(())
        }
        MediaCommand::Delete { id } => {
            let id = MediaId::parse(&id)?;
            client.delete_media(&id).await?;
            if ctx.global.json {
                crate::output::print_json(&serde_json::json!({ "deleted": id }))
            } else {
                println!("deleted {id}");
                Ok(())
            }
        }
    }
}
