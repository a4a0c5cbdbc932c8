//! `instagraph dm ...`: the Send API (text, image, audio, video, heart, post share, button and
//! generic templates, quick replies, reactions, typing, seen, private replies), reusable
//! attachments, and the profile of a user by IGSID (`dm user`).
//!
//! Templates and quick replies come from flags or from a JSON or TOML file (`--file`); files
//! may use the Send API's names or the n8n node's (`recipientId`, `messageText`,
//! `quickReplies`), so its examples work as they are. Flags add to a file (`--text` replaces
//! its text). On Facebook Login the commands switch to the Page token of the Page linked to the
//! Instagram account.

use crate::Refused;
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use instagraph::ids::{AttachmentId, CommentId, Igsid, MediaId, MessageId};
use instagraph::models::SendResult;
use instagraph::ops::messaging::{
    Button, ButtonTemplate, DefaultAction, GenericElement, GenericTemplate, MediaAttachment,
    MediaKind, OutgoingMessage, QuickReplies, QuickReply, SendOptions, SenderAction,
};
use instagraph::{Client, LoginFamily};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `instagraph dm`.
#[derive(Debug, Args)]
pub struct DmArgs {
    /// What to send.
    #[command(subcommand)]
    pub command: DmCommand,
}

/// Options every message send takes.
#[derive(Debug, Args, Clone, Default)]
pub struct SendFlags {
    /// Reply to this message id (mid).
    #[arg(long, value_name = "MID")]
    pub reply_to: Option<String>,
    /// Send with the HUMAN_AGENT tag (up to 7 days after the user's last message; only for
    /// messages a person writes).
    #[arg(long)]
    pub human_agent: bool,
}

/// A media send.
#[derive(Debug, Args)]
pub struct MediaArgs {
    /// The recipient's IGSID.
    pub recipient: String,
    /// Public HTTPS URL of the file.
    pub url: Option<String>,
    /// Send an attachment uploaded earlier (`dm upload`) instead of a URL.
    #[arg(long, value_name = "ID", conflicts_with = "url")]
    pub attachment_id: Option<String>,
    /// Ask the platform to keep the upload for reuse.
    #[arg(long)]
    pub reusable: bool,
    /// The file's size in bytes, checked against the limit before sending.
    #[arg(long, value_name = "BYTES")]
    pub size: Option<u64>,
    #[command(flatten)]
    pub send: SendFlags,
}

/// `dm button`.
#[derive(Debug, Args)]
pub struct ButtonArgs {
    /// The recipient's IGSID (or `recipientId` in the file).
    pub recipient: Option<String>,
    /// The text above the buttons (up to 640 characters).
    #[arg(long)]
    pub text: Option<String>,
    /// A button: `web_url:TITLE:URL`, `postback:TITLE:PAYLOAD` or a JSON object (1 to 3).
    #[arg(long = "button", value_name = "SPEC")]
    pub buttons: Vec<String>,
    /// A JSON or TOML file with `text` (or `messageText`) and `buttons`.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub send: SendFlags,
}

/// `dm generic`.
#[derive(Debug, Args)]
pub struct GenericArgs {
    /// The recipient's IGSID (or `recipientId` in the file).
    pub recipient: Option<String>,
    /// A card as a JSON object (`{"title":..,"subtitle":..,"image_url":..,"buttons":[..]}`).
    #[arg(long = "element", value_name = "JSON")]
    pub elements: Vec<String>,
    /// One card from flags: its title (up to 80 characters).
    #[arg(long)]
    pub title: Option<String>,
    /// The card's subtitle (up to 80 characters).
    #[arg(long, requires = "title")]
    pub subtitle: Option<String>,
    /// The card's image (HTTPS).
    #[arg(long, requires = "title")]
    pub image_url: Option<String>,
    /// What tapping the card opens (HTTPS).
    #[arg(long, requires = "title")]
    pub default_url: Option<String>,
    /// The card's buttons: `web_url:TITLE:URL`, `postback:TITLE:PAYLOAD` or JSON (up to 3).
    #[arg(long = "button", value_name = "SPEC", requires = "title")]
    pub buttons: Vec<String>,
    /// A JSON or TOML file with `elements`.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub send: SendFlags,
}

/// `dm quick-replies`.
#[derive(Debug, Args)]
pub struct QuickRepliesArgs {
    /// The recipient's IGSID (or `recipientId` in the file).
    pub recipient: Option<String>,
    /// The question (up to 1000 characters).
    #[arg(long)]
    pub text: Option<String>,
    /// An option: `TITLE:PAYLOAD` or a JSON object (1 to 13).
    #[arg(long = "reply", value_name = "SPEC")]
    pub replies: Vec<String>,
    /// A JSON or TOML file with `text` (or `messageText`) and `quick_replies` (or
    /// `quickReplies`).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub send: SendFlags,
}

/// `dm` subcommands.
#[derive(Debug, Subcommand)]
pub enum DmCommand {
    /// Send a text (up to 1000 characters).
    Send {
        /// The recipient's IGSID.
        recipient: String,
        /// The text.
        text: String,
        #[command(flatten)]
        send: SendFlags,
    },
    /// Send an image (JPG, PNG, GIF; 8 MiB) by public HTTPS URL.
    Image(MediaArgs),
    /// Send audio (MP3, WAV, M4A, AAC; 25 MiB) by public HTTPS URL.
    Audio(MediaArgs),
    /// Send a video (MP4, MOV; 25 MiB) by public HTTPS URL.
    Video(MediaArgs),
    /// Send the heart sticker.
    LikeHeart {
        /// The recipient's IGSID.
        recipient: String,
        #[command(flatten)]
        send: SendFlags,
    },
    /// Share one of the account's published posts.
    Share {
        /// The recipient's IGSID.
        recipient: String,
        /// The media id.
        media_id: String,
        #[command(flatten)]
        send: SendFlags,
    },
    /// Upload an image, audio or video once for reuse; prints the attachment id.
    Upload {
        /// image, audio or video.
        kind: String,
        /// Public HTTPS URL.
        url: String,
    },
    /// Send a button template.
    Button(ButtonArgs),
    /// Send a generic template (a carousel of cards).
    Generic(GenericArgs),
    /// Send a text with quick replies.
    QuickReplies(QuickRepliesArgs),
    /// React to a message (`love` or an emoji), or remove the reaction.
    React {
        /// The recipient's IGSID.
        recipient: String,
        /// The message id.
        mid: String,
        /// The reaction.
        #[arg(long, default_value = "love")]
        reaction: String,
        /// Remove the reaction instead.
        #[arg(long)]
        remove: bool,
    },
    /// Show the typing indicator (or hide it with --off).
    Typing {
        /// The recipient's IGSID.
        recipient: String,
        /// Hide it.
        #[arg(long)]
        off: bool,
    },
    /// Mark the conversation seen.
    Seen {
        /// The recipient's IGSID.
        recipient: String,
    },
    /// Send a comment's one private reply (within 7 days of the comment).
    PrivateReply {
        /// The comment id.
        comment_id: String,
        /// The text.
        text: String,
    },
    /// The profile of a user who messaged the account (name, username, profile_pic, ...).
    User {
        /// The user's IGSID.
        igsid: String,
        /// Fields to ask for (comma-separated); default: all the User Profile API gives.
        #[arg(long)]
        fields: Option<String>,
    },
}

fn refused(msg: impl Into<String>) -> anyhow::Error {
    Refused(msg.into()).into()
}

/// The client for messaging: on Facebook Login, the Page-token client.
pub(crate) async fn messaging_client(ctx: &Context) -> Result<Client> {
    let client = ctx.client().await?;
    Ok(match client.login() {
        LoginFamily::Facebook => client.page_client().await?,
        LoginFamily::Instagram => client,
    })
}

/// Reads a JSON or TOML file (by extension; `.toml` is TOML) into a JSON value.
pub(crate) fn read_file(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| refused(format!("cannot read {}: {e}", path.display())))?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if is_toml {
        toml::from_str::<Value>(&text)
            .map_err(|e| refused(format!("{} is not valid TOML: {e}", path.display())))
    } else {
        serde_json::from_str::<Value>(&text)
            .map_err(|e| refused(format!("{} is not valid JSON: {e}", path.display())))
    }
}

/// Decodes a file's value into `T`, naming the file on failure.
pub(crate) fn from_file<T: DeserializeOwned>(path: &Path, v: &Value) -> Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| refused(format!("{}: {e}", path.display())))
}

fn recipient_from(positional: Option<String>, file: Option<&Value>) -> Result<Igsid> {
    let from_file = file.and_then(|v| {
        ["recipientId", "recipient_id", "recipient"]
            .iter()
            .find_map(|k| match v.get(*k) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
    });
    let id = positional.or(from_file).ok_or_else(|| {
        refused("a recipient IGSID is required (argument, or recipientId in the file)")
    })?;
    Ok(Igsid::parse(&id)?)
}

/// Parses `web_url:TITLE:URL`, `postback:TITLE:PAYLOAD` or a JSON button.
pub(crate) fn parse_button(spec: &str) -> Result<Button> {
    let s = spec.trim();
    if s.starts_with('{') {
        return serde_json::from_str(s)
            .map_err(|e| refused(format!("button {s:?} is not a valid JSON button: {e}")));
    }
    let mut parts = s.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("web_url" | "url"), Some(title), Some(url)) => Ok(Button::WebUrl {
            title: title.to_owned(),
            url: url.to_owned(),
        }),
        (Some("postback"), Some(title), Some(payload)) => Ok(Button::Postback {
            title: title.to_owned(),
            payload: payload.to_owned(),
        }),
        _ => Err(refused(format!(
            "button {s:?} must be web_url:TITLE:URL, postback:TITLE:PAYLOAD or a JSON object"
        ))),
    }
}

fn parse_reply(spec: &str) -> Result<QuickReply> {
    let s = spec.trim();
    if s.starts_with('{') {
        return serde_json::from_str(s)
            .map_err(|e| refused(format!("quick reply {s:?} is not valid JSON: {e}")));
    }
    match s.split_once(':') {
        Some((title, payload)) => Ok(QuickReply {
            content_type: "text".to_owned(),
            title: title.to_owned(),
            payload: payload.to_owned(),
            image_url: None,
        }),
        None => Err(refused(format!(
            "quick reply {s:?} must be TITLE:PAYLOAD or a JSON object"
        ))),
    }
}

fn options(flags: &SendFlags) -> Result<SendOptions> {
    Ok(SendOptions {
        reply_to: flags
            .reply_to
            .as_deref()
            .map(MessageId::parse)
            .transpose()?,
        human_agent: flags.human_agent,
    })
}

fn media(kind: MediaKind, a: &MediaArgs) -> Result<OutgoingMessage> {
    let mut m = match (&a.url, &a.attachment_id) {
        (Some(url), None) => MediaAttachment::url(kind, url.clone()).reusable(a.reusable),
        (None, Some(id)) => MediaAttachment::by_id(kind, AttachmentId::parse(id)?),
        _ => return Err(refused("give the file's URL or --attachment-id")),
    };
    if let Some(n) = a.size {
        m = m.size(n);
    }
    Ok(OutgoingMessage::Media(m))
}

fn button_template(a: &ButtonArgs) -> Result<(Igsid, OutgoingMessage)> {
    let file = a.file.as_deref().map(read_file).transpose()?;
    let mut tpl = match (&a.file, &file) {
        (Some(path), Some(v)) => from_file::<ButtonTemplate>(path, v)?,
        _ => ButtonTemplate {
            text: String::new(),
            buttons: Vec::new(),
        },
    };
    if let Some(t) = &a.text {
        tpl.text = t.clone();
    }
    for spec in &a.buttons {
        tpl.buttons.push(parse_button(spec)?);
    }
    if file.is_none() && a.text.is_none() {
        return Err(refused("--text (or --file) is required"));
    }
    let to = recipient_from(a.recipient.clone(), file.as_ref())?;
    Ok((to, OutgoingMessage::Buttons(tpl)))
}

fn generic_template(a: &GenericArgs) -> Result<(Igsid, OutgoingMessage)> {
    let file = a.file.as_deref().map(read_file).transpose()?;
    let mut tpl = match (&a.file, &file) {
        (Some(path), Some(v)) => from_file::<GenericTemplate>(path, v)?,
        _ => GenericTemplate {
            elements: Vec::new(),
        },
    };
    for e in &a.elements {
        tpl.elements
            .push(serde_json::from_str(e).map_err(|err| {
                refused(format!("element {e:?} is not a valid JSON card: {err}"))
            })?);
    }
    if let Some(title) = &a.title {
        tpl.elements.push(GenericElement {
            title: title.clone(),
            subtitle: a.subtitle.clone(),
            image_url: a.image_url.clone(),
            default_action: a.default_url.as_ref().map(|u| DefaultAction {
                kind: "web_url".to_owned(),
                url: u.clone(),
            }),
            buttons: a
                .buttons
                .iter()
                .map(|b| parse_button(b))
                .collect::<Result<_>>()?,
        });
    }
    if file.is_none() && a.elements.is_empty() && a.title.is_none() {
        return Err(refused("give --file, --element or --title"));
    }
    let to = recipient_from(a.recipient.clone(), file.as_ref())?;
    Ok((to, OutgoingMessage::Generic(tpl)))
}

fn quick_replies(a: &QuickRepliesArgs) -> Result<(Igsid, OutgoingMessage)> {
    let file = a.file.as_deref().map(read_file).transpose()?;
    let mut q = match (&a.file, &file) {
        (Some(path), Some(v)) => from_file::<QuickReplies>(path, v)?,
        _ => QuickReplies {
            text: String::new(),
            quick_replies: Vec::new(),
        },
    };
    if let Some(t) = &a.text {
        q.text = t.clone();
    }
    for spec in &a.replies {
        q.quick_replies.push(parse_reply(spec)?);
    }
    if file.is_none() && a.text.is_none() {
        return Err(refused("--text (or --file) is required"));
    }
    let to = recipient_from(a.recipient.clone(), file.as_ref())?;
    Ok((to, OutgoingMessage::QuickReplies(q)))
}

fn print_result(ctx: &Context, r: &SendResult) -> Result<()> {
    let value = serde_json::to_value(r)?;
    if ctx.global.json {
        crate::output::print_json(&value)
    } else {
        crate::output::print_fields(&value);
        Ok(())
    }
}

fn media_kind(s: &str) -> Result<MediaKind> {
    match s.to_ascii_lowercase().as_str() {
        "image" => Ok(MediaKind::Image),
        "audio" => Ok(MediaKind::Audio),
        "video" => Ok(MediaKind::Video),
        other => Err(refused(format!(
            "the kind must be image, audio or video, got {other:?}"
        ))),
    }
}

/// Runs `instagraph dm ...`. Input is checked completely before any client is built.
pub async fn run(ctx: &Context, args: DmArgs) -> Result<()> {
    // Everything that can be refused is refused here, before credentials or the network.
    enum Plan {
        Message(Igsid, OutgoingMessage, SendOptions),
        Action(Igsid, SenderAction),
        React(Igsid, MessageId, Option<String>),
        PrivateReply(CommentId, String),
        Upload(MediaKind, String),
        User(Igsid, Option<String>),
    }
    let plan = match args.command {
        DmCommand::Send {
            recipient,
            text,
            send,
        } => Plan::Message(
            Igsid::parse(&recipient)?,
            OutgoingMessage::Text(text),
            options(&send)?,
        ),
        DmCommand::Image(a) => Plan::Message(
            Igsid::parse(&a.recipient)?,
            media(MediaKind::Image, &a)?,
            options(&a.send)?,
        ),
        DmCommand::Audio(a) => Plan::Message(
            Igsid::parse(&a.recipient)?,
            media(MediaKind::Audio, &a)?,
            options(&a.send)?,
        ),
        DmCommand::Video(a) => Plan::Message(
            Igsid::parse(&a.recipient)?,
            media(MediaKind::Video, &a)?,
            options(&a.send)?,
        ),
        DmCommand::LikeHeart { recipient, send } => Plan::Message(
            Igsid::parse(&recipient)?,
            OutgoingMessage::LikeHeart,
            options(&send)?,
        ),
        DmCommand::Share {
            recipient,
            media_id,
            send,
        } => Plan::Message(
            Igsid::parse(&recipient)?,
            OutgoingMessage::MediaShare(MediaId::parse(&media_id)?),
            options(&send)?,
        ),
        DmCommand::Upload { kind, url } => Plan::Upload(media_kind(&kind)?, url),
        DmCommand::Button(a) => {
            let (to, m) = button_template(&a)?;
            Plan::Message(to, m, options(&a.send)?)
        }
        DmCommand::Generic(a) => {
            let (to, m) = generic_template(&a)?;
            Plan::Message(to, m, options(&a.send)?)
        }
        DmCommand::QuickReplies(a) => {
            let (to, m) = quick_replies(&a)?;
            Plan::Message(to, m, options(&a.send)?)
        }
        DmCommand::React {
            recipient,
            mid,
            reaction,
            remove,
        } => Plan::React(
            Igsid::parse(&recipient)?,
            MessageId::parse(&mid)?,
            (!remove).then_some(reaction),
        ),
        DmCommand::Typing { recipient, off } => Plan::Action(
            Igsid::parse(&recipient)?,
            if off {
                SenderAction::TypingOff
            } else {
                SenderAction::TypingOn
            },
        ),
        DmCommand::Seen { recipient } => {
            Plan::Action(Igsid::parse(&recipient)?, SenderAction::MarkSeen)
        }
        DmCommand::PrivateReply { comment_id, text } => {
            Plan::PrivateReply(CommentId::parse(&comment_id)?, text)
        }
        DmCommand::User { igsid, fields } => Plan::User(Igsid::parse(&igsid)?, fields),
    };
    // The client checks the limits; do it here too so that no credentials are needed to learn
    // that the input is wrong.
    match &plan {
        Plan::Message(to, m, _) => {
            instagraph::ops::messaging::check_igsid(to)?;
            m.validate()?;
        }
        Plan::React(to, _, reaction) => {
            instagraph::ops::messaging::check_igsid(to)?;
            if let Some(r) = reaction {
                instagraph::ops::messaging::check_reaction(r)?;
            }
        }
        Plan::Action(to, _) | Plan::User(to, _) => {
            instagraph::ops::messaging::check_igsid(to)?;
        }
        Plan::Upload(kind, url) => MediaAttachment::url(*kind, url.clone()).validate()?,
        Plan::PrivateReply(comment, text) => {
            instagraph::ops::messaging::check_private_reply(comment, text)?;
        }
    }
    let client = messaging_client(ctx).await?;
    let result = match plan {
        Plan::Message(to, m, opts) => client.send_message(&to, &m, &opts).await?,
        Plan::Action(to, a) => client.sender_action(&to, a).await?,
        Plan::React(to, mid, Some(r)) => client.react(&to, &mid, &r).await?,
        Plan::React(to, mid, None) => client.unreact(&to, &mid).await?,
        Plan::PrivateReply(comment, text) => client.private_reply(&comment, &text).await?,
        Plan::Upload(kind, url) => {
            let id = client.upload_attachment(kind, &url).await?;
            let value = serde_json::json!({ "attachment_id": id.as_str(), "type": kind.as_str() });
            return if ctx.global.json {
                crate::output::print_json(&value)
            } else {
                crate::output::print_fields(&value);
                Ok(())
            };
        }
        Plan::User(igsid, fields) => {
            let profile = match fields {
                Some(f) => client.messaging_user_profile_fields(&igsid, &f).await?,
                None => client.messaging_user_profile(&igsid).await?,
            };
            let value = serde_json::to_value(&profile)?;
            return if ctx.global.json {
                crate::output::print_json(&value)
            } else {
                crate::output::print_fields(&value);
                Ok(())
            };
        }
    };
    print_result(ctx, &result)
}
