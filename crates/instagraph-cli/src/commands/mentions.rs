//! `instagraph mentions ...` (Facebook Login): the media or comment in which another account
//! @mentioned this one (ids from the `mentions` webhook), and replying to it.

use super::reading::{comment_table, media_table, print};
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use instagraph::fields::FieldSet;
use instagraph::ids::{CommentId, MediaId};

/// `instagraph mentions`.
#[derive(Debug, Args)]
pub struct MentionsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: MentionsCommand,
}

/// `mentions` subcommands.
#[derive(Debug, Subcommand)]
pub enum MentionsCommand {
    /// The media whose caption mentions the account.
    Media {
        /// The media id (from the webhook).
        media_id: String,
        /// Fields (default: caption, counts, type, URL, permalink, timestamp, username).
        #[arg(long)]
        fields: Option<String>,
    },
    /// The comment that mentions the account.
    Comment {
        /// The comment id (from the webhook).
        comment_id: String,
        /// Fields, or `all`.
        #[arg(long)]
        fields: Option<String>,
    },
    /// Reply to a mention (a comment on the other account's media).
    Reply {
        /// The media id.
        media_id: String,
        /// The text.
        text: String,
        /// Reply to this mentioning comment instead of the caption.
        #[arg(long, value_name = "ID")]
        comment_id: Option<String>,
    },
}

/// Runs `instagraph mentions ...`.
pub async fn run(ctx: &Context, args: MentionsArgs) -> Result<()> {
    if let MentionsCommand::Reply { text, .. } = &args.command {
        instagraph::ops::comments::check_comment_text(text)?;
    }
    let client = ctx.client().await?;
    match args.command {
        MentionsCommand::Media { media_id, fields } => {
            let m = client
                .mentioned_media(
                    &MediaId::parse(&media_id)?,
                    &FieldSet::from_option(fields.as_deref()),
                )
                .await?;
            print(ctx, &m, || media_table(std::slice::from_ref(&m)))
        }
        MentionsCommand::Comment { comment_id, fields } => {
            let c = client
                .mentioned_comment(
                    &CommentId::parse(&comment_id)?,
                    &FieldSet::from_option(fields.as_deref()),
                )
                .await?;
            print(ctx, &c, || comment_table(std::slice::from_ref(&c)))
        }
        MentionsCommand::Reply {
            media_id,
            text,
            comment_id,
        } => {
            let comment = comment_id.as_deref().map(CommentId::parse).transpose()?;
            let r = client
                .reply_to_mention(&MediaId::parse(&media_id)?, comment.as_ref(), &text)
                .await?;
            print(ctx, &r, || println!("replied: {}", r.id))
        }
    }
}
