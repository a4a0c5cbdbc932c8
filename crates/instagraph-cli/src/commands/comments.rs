//! `instagraph comments ...`: list a media's comments (`--replies` expands them), read one,
//! list replies, comment, reply, hide, unhide, delete, and enable or disable comments on a
//! media. Text rules (300 characters, 4 hashtags, 1 URL, not all capitals) are checked before
//! anything is sent (exit 2).

use super::reading::{PageFlags, comment_table, list, print};
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use instagraph::fields::FieldSet;
use instagraph::ids::{CommentId, MediaId};
use instagraph::models::{Created, Success};
use instagraph::ops::comments::CommentQuery;
use instagraph::ops::media::ListQuery;

/// `instagraph comments`.
#[derive(Debug, Args)]
pub struct CommentsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CommentsCommand,
}

/// `comments` subcommands.
#[derive(Debug, Subcommand)]
pub enum CommentsCommand {
    /// A media's top-level comments, newest first.
    List {
        /// The media id.
        media_id: String,
        /// Also show each comment's replies.
        #[arg(long)]
        replies: bool,
        /// Fields, or `all`.
        #[arg(long)]
        fields: Option<String>,
        #[command(flatten)]
        page: PageFlags,
    },
    /// One comment or reply.
    Show {
        /// The comment id.
        id: String,
        /// Fields, or `all`.
        #[arg(long)]
        fields: Option<String>,
    },
    /// A comment's replies.
    Replies {
        /// The comment id.
        id: String,
        /// Fields, or `all`.
        #[arg(long)]
        fields: Option<String>,
        #[command(flatten)]
        page: PageFlags,
    },
    /// Comment on one of the account's media.
    Create {
        /// The media id.
        media_id: String,
        /// The text (up to 300 characters, 4 hashtags, 1 URL, not all capitals).
        text: String,
    },
    /// Reply to a top-level comment.
    Reply {
        /// The comment id.
        comment_id: String,
        /// The text.
        text: String,
    },
    /// Hide a comment (it stays readable by the account).
    Hide {
        /// The comment id.
        id: String,
    },
    /// Show a hidden comment again.
    Unhide {
        /// The comment id.
        id: String,
    },
    /// Delete a comment.
    Delete {
        /// The comment id.
        id: String,
    },
    /// Turn comments on for a media.
    Enable {
        /// The media id.
        media_id: String,
    },
    /// Turn comments off for a media.
    Disable {
        /// The media id.
        media_id: String,
    },
}

fn created(ctx: &Context, c: &Created, what: &str) -> Result<()> {
    print(ctx, c, || println!("{what} {}", c.id))
}

fn success(ctx: &Context, s: &Success, what: &str) -> Result<()> {
    print(ctx, s, || {
        println!(
            "{}",
            if s.success {
                what
            } else {
                "the platform did not apply it"
            }
        )
    })
}

/// Runs `instagraph comments ...`.
pub async fn run(ctx: &Context, args: CommentsArgs) -> Result<()> {
    // Text rules first: a refused text never needs a client.
    match &args.command {
        CommentsCommand::Create { text, .. } | CommentsCommand::Reply { text, .. } => {
            instagraph::ops::comments::check_comment_text(text)?;
        }
        _ => {}
    }
    let client = ctx.client().await?;
    match args.command {
        CommentsCommand::List {
            media_id,
            replies,
            fields,
            page,
        } => {
            let q = CommentQuery {
                fields: FieldSet::from_option(fields.as_deref()),
                with_replies: replies,
                limit: page.limit,
                after: page.after.clone(),
            };
            let req = client.comments_request(&MediaId::parse(&media_id)?, &q)?;
            list(ctx, &client, req, page.all, "comments", comment_table).await
        }
        CommentsCommand::Show { id, fields } => {
            let c = client
                .comment(
                    &CommentId::parse(&id)?,
                    &FieldSet::from_option(fields.as_deref()),
                )
                .await?;
            print(ctx, &c, || comment_table(std::slice::from_ref(&c)))
        }
        CommentsCommand::Replies { id, fields, page } => {
            let q = ListQuery {
                fields: FieldSet::from_option(fields.as_deref()),
                limit: page.limit,
                after: page.after.clone(),
                ..ListQuery::default()
            };
            let req = client.replies_request(&CommentId::parse(&id)?, &q)?;
            list(ctx, &client, req, page.all, "replies", comment_table).await
        }
        CommentsCommand::Create { media_id, text } => {
            let c = client
                .create_comment(&MediaId::parse(&media_id)?, &text)
                .await?;
            created(ctx, &c, "commented:")
        }
        CommentsCommand::Reply { comment_id, text } => {
            let c = client
                .reply_to_comment(&CommentId::parse(&comment_id)?, &text)
                .await?;
            created(ctx, &c, "replied:")
        }
        CommentsCommand::Hide { id } => {
            let s = client.hide_comment(&CommentId::parse(&id)?, true).await?;
            success(ctx, &s, "hidden")
        }
        CommentsCommand::Unhide { id } => {
            let s = client.hide_comment(&CommentId::parse(&id)?, false).await?;
            success(ctx, &s, "visible again")
        }
        CommentsCommand::Delete { id } => {
            let s = client.delete_comment(&CommentId::parse(&id)?).await?;
            success(ctx, &s, "deleted")
        }
        CommentsCommand::Enable { media_id } => {
            let s = client
                .set_comments_enabled(&MediaId::parse(&media_id)?, true)
                .await?;
            success(ctx, &s, "comments enabled")
        }
        CommentsCommand::Disable { media_id } => {
            let s = client
                .set_comments_enabled(&MediaId::parse(&media_id)?, false)
                .await?;
            success(ctx, &s, "comments disabled")
        }
    }
}
