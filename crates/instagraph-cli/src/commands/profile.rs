//! `instagraph profile get|set|delete`: the account's *messenger* profile (ice breakers,
//! persistent menu, get started, greeting). The profile of a user by IGSID is `instagraph dm
//! user IGSID`; the account's own profile is `instagraph me`.

use super::dm::{from_file, messaging_client, read_file};
use crate::Refused;
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use instagraph::models::{
    GetStarted, Greeting, IceBreaker, IceBreakers, MenuItem, MessengerProfile, PersistentMenu,
};
use instagraph::ops::messenger_profile::{MessengerProfileField, validate_update};
use std::path::PathBuf;

/// `instagraph profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ProfileCommand,
}

/// `profile set` flags.
#[derive(Debug, Args)]
pub struct ProfileSetArgs {
    /// A JSON or TOML file shaped like the profile (`ice_breakers`, `persistent_menu`,
    /// `get_started`, `greeting`).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// An ice breaker `QUESTION:PAYLOAD` (split at the last ':'; up to 4 per locale).
    #[arg(long = "ice-breaker", value_name = "SPEC")]
    pub ice_breakers: Vec<String>,
    /// A persistent-menu item: `web_url:TITLE:URL` or `postback:TITLE:PAYLOAD`.
    #[arg(long = "menu", value_name = "SPEC")]
    pub menu: Vec<String>,
    /// The get-started button's payload.
    #[arg(long, value_name = "PAYLOAD")]
    pub get_started: Option<String>,
    /// The greeting text (up to 160 characters).
    #[arg(long)]
    pub greeting: Option<String>,
    /// The locale of the flags' ice breakers, menu and greeting.
    #[arg(long, default_value = "default")]
    pub locale: String,
}

/// `profile` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Read the messenger profile.
    Get {
        /// Fields to read (ice_breakers, persistent_menu, get_started, greeting); default all.
        #[arg(long = "field", value_name = "FIELD")]
        fields: Vec<String>,
    },
    /// Set fields of the messenger profile (the others stay).
    Set(ProfileSetArgs),
    /// Delete fields of the messenger profile.
    Delete {
        /// ice_breakers, persistent_menu, get_started or greeting.
        #[arg(required = true)]
        fields: Vec<String>,
    },
}

fn refused(msg: impl Into<String>) -> anyhow::Error {
    Refused(msg.into()).into()
}

fn parse_fields(list: &[String]) -> Result<Vec<MessengerProfileField>> {
    Ok(list
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?)
}

fn menu_item(spec: &str) -> Result<MenuItem> {
    let s = spec.trim();
    if s.starts_with('{') {
        return serde_json::from_str(s)
            .map_err(|e| refused(format!("menu item {s:?} is not valid JSON: {e}")));
    }
    let mut parts = s.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(kind @ ("web_url" | "postback")), Some(title), Some(value)) => {
            let mut item = MenuItem {
                kind: kind.to_owned(),
                title: title.to_owned(),
                ..MenuItem::default()
            };
            if kind == "web_url" {
                item.url = Some(value.to_owned());
            } else {
                item.payload = Some(value.to_owned());
            }
            Ok(item)
        }
        _ => Err(refused(format!(
            "menu item {s:?} must be web_url:TITLE:URL or postback:TITLE:PAYLOAD"
        ))),
    }
}

fn build(a: &ProfileSetArgs) -> Result<MessengerProfile> {
    let mut p = match &a.file {
        Some(path) => from_file::<MessengerProfile>(path, &read_file(path)?)?,
        None => MessengerProfile::default(),
    };
    if !a.ice_breakers.is_empty() {
        let questions = a
            .ice_breakers
            .iter()
            .map(|s| match s.rsplit_once(':') {
                Some((q, payload)) => Ok(IceBreaker {
                    question: q.to_owned(),
                    payload: payload.to_owned(),
                    extra: Default::default(),
                }),
                None => Err(refused(format!(
                    "ice breaker {s:?} must be QUESTION:PAYLOAD"
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        p.ice_breakers.push(IceBreakers {
            locale: a.locale.clone(),
            call_to_actions: questions,
            extra: Default::default(),
        });
    }
    if !a.menu.is_empty() {
        p.persistent_menu.push(PersistentMenu {
            locale: a.locale.clone(),
            composer_input_disabled: None,
            call_to_actions: a.menu.iter().map(|m| menu_item(m)).collect::<Result<_>>()?,
            extra: Default::default(),
        });
    }
    if let Some(g) = &a.get_started {
        p.get_started = Some(GetStarted {
            payload: g.clone(),
            extra: Default::default(),
        });
    }
    if let Some(t) = &a.greeting {
        p.greeting.push(Greeting {
            locale: a.locale.clone(),
            text: t.clone(),
            extra: Default::default(),
        });
    }
    validate_update(&p)?;
    Ok(p)
}

/// Runs `instagraph profile ...`.
pub async fn run(ctx: &Context, args: ProfileArgs) -> Result<()> {
    let value = match args.command {
        ProfileCommand::Get { fields } => {
            let fields = parse_fields(&fields)?;
            let client = messaging_client(ctx).await?;
            serde_json::to_value(client.messenger_profile(&fields).await?)?
        }
        ProfileCommand::Set(a) => {
            let profile = build(&a)?;
            let client = messaging_client(ctx).await?;
            client.set_messenger_profile(&profile).await?;
            let set: Vec<&str> = [
                (!profile.ice_breakers.is_empty()).then_some("ice_breakers"),
                (!profile.persistent_menu.is_empty()).then_some("persistent_menu"),
                profile.get_started.is_some().then_some("get_started"),
                (!profile.greeting.is_empty()).then_some("greeting"),
            ]
            .into_iter()
            .flatten()
            .collect();
            serde_json::json!({ "result": "success", "set": set })
        }
        ProfileCommand::Delete { fields } => {
            let fields = parse_fields(&fields)?;
            let client = messaging_client(ctx).await?;
            client.delete_messenger_profile(&fields).await?;
            let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
            serde_json::json!({ "result": "success", "deleted": names })
        }
    };
    if ctx.global.json {
        crate::output::print_json(&value)
    } else {
        println!("{}", serde_json::to_string_pretty(&value)?);
        Ok(())
    }
}
