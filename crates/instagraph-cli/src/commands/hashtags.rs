//! `instagraph hashtags ...` (Facebook Login): a hashtag's id, its top and recent media, the
//! hashtags searched this week, and the local budget (30 unique hashtags per 7 days; with
//! `--db` it survives restarts). A search that would exceed the budget is refused before it is
//! sent.

use super::reading::{PageFlags, list, media_table, print, table};
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use instagraph::Client;
use instagraph::fields::FieldSet;
use instagraph::ids::HashtagId;
use instagraph::models::Hashtag;
use instagraph::ops::media::ListQuery;

/// `instagraph hashtags`.
#[derive(Debug, Args)]
pub struct HashtagsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: HashtagsCommand,
}

/// `hashtags` subcommands.
#[derive(Debug, Subcommand)]
pub enum HashtagsCommand {
    /// A hashtag's id by name (counts against the budget unless already counted).
    Search {
        /// The hashtag, with or without `#`.
        name: String,
    },
    /// A hashtag by id.
    Show {
        /// The hashtag id.
        id: String,
    },
    /// The most popular media with a hashtag.
    Top {
        /// The hashtag name or id.
        hashtag: String,
        /// Fields.
        #[arg(long)]
        fields: Option<String>,
        #[command(flatten)]
        page: PageFlags,
    },
    /// Media with a hashtag from the last 24 hours.
    Recent {
        /// The hashtag name or id.
        hashtag: String,
        /// Fields.
        #[arg(long)]
        fields: Option<String>,
        #[command(flatten)]
        page: PageFlags,
    },
    /// The hashtags the platform counts against the account this week.
    Searched,
    /// The local count of unique hashtags searched in the last 7 days.
    Budget,
}

fn hashtag_table(items: &[Hashtag]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|h| vec![h.id.to_string(), h.name.clone().unwrap_or_default()])
        .collect();
    table(&["id", "name"], &rows);
}

/// A hashtag given as an id (digits) or a name (searched, which may count against the budget).
async fn resolve(client: &Client, hashtag: &str) -> Result<HashtagId> {
    if !hashtag.is_empty() && hashtag.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(HashtagId::parse(hashtag)?);
    }
    Ok(client.hashtag_search(hashtag).await?.id)
}

fn media_query(fields: Option<String>, page: &PageFlags) -> ListQuery {
    ListQuery {
        fields: FieldSet::from_option(fields.as_deref()),
        limit: page.limit,
        after: page.after.clone(),
        ..ListQuery::default()
    }
}

/// Runs `instagraph hashtags ...`.
pub async fn run(ctx: &Context, args: HashtagsArgs) -> Result<()> {
    if let HashtagsCommand::Search { name } = &args.command {
        instagraph::ops::hashtags::normalize_hashtag(name)?;
    }
    let client = ctx.client().await?;
    match args.command {
        HashtagsCommand::Search { name } => {
            let h = client.hashtag_search(&name).await?;
            print(ctx, &h, || hashtag_table(std::slice::from_ref(&h)))
        }
        HashtagsCommand::Show { id } => {
            let h = client.hashtag(&HashtagId::parse(&id)?).await?;
            print(ctx, &h, || hashtag_table(std::slice::from_ref(&h)))
        }
        HashtagsCommand::Top {
            hashtag,
            fields,
            page,
        } => {
            let id = resolve(&client, &hashtag).await?;
            let req = client.hashtag_top_media_request(&id, &media_query(fields, &page))?;
            list(ctx, &client, req, page.all, "media", media_table).await
        }
        HashtagsCommand::Recent {
            hashtag,
            fields,
            page,
        } => {
            let id = resolve(&client, &hashtag).await?;
            let req = client.hashtag_recent_media_request(&id, &media_query(fields, &page))?;
            list(ctx, &client, req, page.all, "media", media_table).await
        }
        HashtagsCommand::Searched => {
            let list = client.recently_searched_hashtags().await?;
            let value = serde_json::json!({ "data": list });
            print(ctx, &value, || hashtag_table(&list))
        }
        HashtagsCommand::Budget => {
            let b = client.hashtag_budget();
            print(ctx, &b, || {
                println!(
                    "{} of {} unique hashtags used in the last {} days",
                    b.used,
                    b.limit,
                    b.window_secs / 86_400
                );
                if !b.hashtags.is_empty() {
                    println!("counted: {}", b.hashtags.join(", "));
                }
                if let Some(s) = b.next_slot_in_secs {
                    println!("next slot in {s} s");
                }
            })
        }
    }
}
