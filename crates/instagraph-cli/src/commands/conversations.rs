//! `instagraph conversations list|show|messages|message`: the Conversations API. Only the 20
//! most recent messages of a conversation can be read in detail; `messages` lists every id and
//! `created_time`, with details for the 20 most recent.

use super::dm::messaging_client;
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use instagraph::ids::{ConversationId, Igsid, MessageId};
use instagraph::models::{Conversation, MessageDetails};
use instagraph::ops::messaging::ConversationQuery;
use serde_json::{Value, json};

/// `instagraph conversations`.
#[derive(Debug, Args)]
pub struct ConversationsArgs {
    /// What to read.
    #[command(subcommand)]
    pub command: ConversationsCommand,
}

/// `conversations` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConversationsCommand {
    /// The account's conversations, newest first (`platform=instagram`).
    List {
        /// Only the conversation with this IGSID.
        #[arg(long, value_name = "IGSID")]
        user: Option<String>,
        /// Page size (1-100).
        #[arg(long)]
        limit: Option<u32>,
        /// Follow every page.
        #[arg(long)]
        all: bool,
        /// Fields (default: id,updated_time,participants).
        #[arg(long)]
        fields: Option<String>,
    },
    /// One conversation.
    Show {
        /// The conversation id.
        id: String,
        /// Fields (default: id,updated_time,participants,message_count,unread_count,can_reply,snippet).
        #[arg(long)]
        fields: Option<String>,
    },
    /// A conversation's messages, newest first (details for the 20 most recent only).
    Messages {
        /// The conversation id.
        id: String,
        /// Page size (1-100).
        #[arg(long)]
        limit: Option<u32>,
        /// Follow every page.
        #[arg(long)]
        all: bool,
        /// Fields (default: id,created_time,from,to,message).
        #[arg(long)]
        fields: Option<String>,
    },
    /// One message with attachments, reactions, shares and story (20 most recent only).
    Message {
        /// The message id (mid).
        mid: String,
        /// Fields (default: every field of a message).
        #[arg(long)]
        fields: Option<String>,
    },
}

fn print(ctx: &Context, value: &Value, human: impl FnOnce()) -> Result<()> {
    if ctx.global.json {
        crate::output::print_json(value)
    } else {
        human();
        Ok(())
    }
}

fn conversation_line(c: &Conversation) {
    let who: Vec<String> = c
        .participants
        .as_ref()
        .map(|p| {
            p.data
                .iter()
                .map(|x| format!("{} ({})", x.username.as_deref().unwrap_or("?"), x.id))
                .collect()
        })
        .unwrap_or_default();
    println!(
        "{}  {}  {}",
        c.updated_time.as_deref().unwrap_or("-"),
        c.id,
        who.join(", ")
    );
}

fn message_line(m: &MessageDetails) {
    let from = m
        .from
        .as_ref()
        .map(|f| f.username.clone().unwrap_or_else(|| f.id.clone()))
        .unwrap_or_else(|| "-".to_owned());
    let body = match (&m.message, &m.attachments) {
        (Some(t), _) if !t.is_empty() => t.clone(),
        (_, Some(a)) => format!("[{} attachment(s)]", a.data.len()),
        (None, None) => "(details only for the 20 most recent messages)".to_owned(),
        _ => String::new(),
    };
    println!(
        "{}  {:<20} {}  {}",
        m.created_time.as_deref().unwrap_or("-"),
        from,
        m.id,
        body
    );
}

/// Runs `instagraph conversations ...`.
pub async fn run(ctx: &Context, args: ConversationsArgs) -> Result<()> {
    match args.command {
        ConversationsCommand::List {
            user,
            limit,
            all,
            fields,
        } => {
            let q = ConversationQuery {
                user_id: user.as_deref().map(Igsid::parse).transpose()?,
                fields,
                limit,
            };
            let client = messaging_client(ctx).await?;
            if all {
                let items = client.all_conversations(&q).await?;
                let value = json!({ "data": items });
                print(ctx, &value, || items.iter().for_each(conversation_line))
            } else {
                let page = client.conversations_page(&q).await?;
                let value = serde_json::to_value(&page)?;
                print(ctx, &value, || {
                    page.data.iter().for_each(conversation_line);
                    if page.next_url().is_some() {
                        println!("(more: --all)");
                    }
                })
            }
        }
        ConversationsCommand::Show { id, fields } => {
            let id = ConversationId::parse(&id)?;
            let client = messaging_client(ctx).await?;
            let c = client.conversation(&id, fields.as_deref()).await?;
            let value = serde_json::to_value(&c)?;
            print(ctx, &value, || crate::output::print_fields(&value))
        }
        ConversationsCommand::Messages {
            id,
            limit,
            all,
            fields,
        } => {
            let id = ConversationId::parse(&id)?;
            let client = messaging_client(ctx).await?;
            if all {
                let items = client
                    .all_conversation_messages(&id, fields.as_deref())
                    .await?;
                let value = json!({ "data": items });
                print(ctx, &value, || items.iter().for_each(message_line))
            } else {
                let page = client
                    .conversation_messages_page(&id, fields.as_deref(), limit)
                    .await?;
                let value = serde_json::to_value(&page)?;
                print(ctx, &value, || {
                    page.data.iter().for_each(message_line);
                    if page.next_url().is_some() {
                        println!("(more: --all)");
                    }
                })
            }
        }
        ConversationsCommand::Message { mid, fields } => {
            let mid = MessageId::parse(&mid)?;
            let client = messaging_client(ctx).await?;
            let m = client.message(&mid, fields.as_deref()).await?;
            let value = serde_json::to_value(&m)?;
            print(ctx, &value, || crate::output::print_fields(&value))
        }
    }
}
