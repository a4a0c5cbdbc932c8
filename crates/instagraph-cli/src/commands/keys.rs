//! `instagraph keys create|list|revoke`: the API keys clients of `instagraph serve` use (the
//! Graph proxy on `/graph/{version}/...`, the MCP endpoint). A key is printed once, when it is
//! created; the store keeps only its SHA-256 and its first characters.

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use instagraph_store::Store;
use instagraph_store::api_keys::{KeyScope, NewApiKey, generate_key};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::Refused;
use crate::context::{Context, now_unix_ms};

/// `instagraph keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: KeysAction,
}

/// What to do with API keys.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key and print it (once) as JSON: `{ "name", "key", "scope", "accounts" }`.
    Create(CreateArgs),
    /// The keys (names, prefixes, scopes, accounts, last use; never the keys or their hashes).
    List,
    /// Revoke a key: calls with it are refused from now on.
    Revoke(RevokeArgs),
}

/// `keys create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The key's name (letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// `read` (GET only) or `read-write` (GET, POST, DELETE).
    #[arg(long, default_value = "read", value_parser = ["read", "read-write", "read_write"])]
    pub scope: String,
    /// Limit the key to these accounts (stored account names or ids; repeatable or
    /// comma-separated). The global `--account` (or INSTAGRAPH_ACCOUNT), when set, is added
    /// too. Without any, the key may act as every account.
    #[arg(long = "accounts", value_name = "ACCOUNT", value_delimiter = ',')]
    pub accounts: Vec<String>,
    /// What an agent using this key over MCP may do.
    #[arg(long, value_name = "ACCESS", value_parser = ["full", "drafts", "read-only"])]
    pub agent_access: Option<String>,
}

/// `keys revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The key's name.
    pub name: String,
}

async fn open_store(ctx: &Context) -> Result<Arc<dyn Store>> {
    let db = super::db_or_default(ctx)?;
    instagraph_store::open(&db)
        .await
        .context("opening the database")
}

pub async fn run(ctx: &Context, args: KeysArgs) -> Result<()> {
    match args.action {
        KeysAction::Create(a) => create(ctx, a).await,
        KeysAction::List => list(ctx).await,
        KeysAction::Revoke(a) => revoke(ctx, a).await,
    }
}

async fn create(ctx: &Context, a: CreateArgs) -> Result<()> {
    instagraph_store::accounts::validate_name(&a.name).map_err(|_| {
        Refused(format!(
            "invalid key name {:?}: use 1 to 64 letters, digits, `.`, `_` or `-`",
            a.name
        ))
    })?;
    let scope = KeyScope::parse(&a.scope)
        .ok_or_else(|| Refused(format!("unknown scope {:?}: read or read-write", a.scope)))?;
    let mut accounts: Vec<String> = Vec::new();
    for entry in a.accounts.iter().chain(ctx.global.account.iter()) {
        let entry = entry.trim();
        if entry.is_empty() {
            return Err(Refused("an empty --accounts entry".into()).into());
        }
        if !accounts.iter().any(|x| x == entry) {
            accounts.push(entry.to_owned());
        }
    }
    let store = open_store(ctx).await?;
    if !accounts.is_empty() {
        let stored = store.accounts().await?;
        for entry in &accounts {
            let known = stored.iter().any(|s| {
                s.name == *entry
                    || [&s.ig_user_id, &s.app_scoped_id, &s.page_id]
                        .into_iter()
                        .flatten()
                        .any(|id| id == entry)
            });
            if !known {
                eprintln!(
                    "note: {entry:?} is not a stored account's name or id (yet); the key is \
                     limited to it anyway"
                );
            }
        }
    }
    let key = generate_key().map_err(|e| anyhow::anyhow!("cannot generate a key: {e}"))?;
    let new = NewApiKey::new(
        &a.name,
        &key,
        scope,
        accounts.clone(),
        a.agent_access.clone(),
        now_unix_ms(),
    );
    let created = store.create_api_key(&new).await.map_err(|e| match e {
        instagraph_store::StoreError::InvalidApiKey { .. } => Refused(e.to_string()).into(),
        other => anyhow::Error::from(other),
    })?;
    let mut out = json!({
        "name": created.name,
        "key": key.expose_secret(),
        "scope": created.scope,
        "accounts": created.accounts,
    });
    if let Some(access) = &created.agent_access {
        out["agent_access"] = json!(access);
    }
    crate::output::print_json(&out)?;
    if !ctx.global.json {
        eprintln!(
            "keep the key now: it is not shown again (the store keeps only its hash). Use it as \
             `Authorization: Bearer <key>` or `?api_token=<key>` on /graph/{{version}}/..."
        );
    }
    Ok(())
}

async fn list(ctx: &Context) -> Result<()> {
    let store = open_store(ctx).await?;
    let keys = store.api_keys().await?;
    if ctx.global.json {
        return crate::output::print_json(&Value::Array(
            keys.iter().map(|k| k.summary()).collect(),
        ));
    }
    if keys.is_empty() {
        println!("no API keys: `instagraph keys create NAME`");
    }
    for k in &keys {
        println!(
            "{:<20} {}…  {:<10} {:<24} {}",
            k.name,
            k.prefix,
            k.scope.as_str(),
            if k.accounts.is_empty() {
                "all accounts".to_owned()
            } else {
                k.accounts.join(",")
            },
            match (k.revoked_at_ms, k.last_used_at_ms) {
                (Some(_), _) => "revoked".to_owned(),
                (None, Some(t)) => format!("last used {}", format_ms(t)),
                (None, None) => "never used".to_owned(),
            }
        );
    }
    Ok(())
}

fn format_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| ms.to_string())
}

async fn revoke(ctx: &Context, a: RevokeArgs) -> Result<()> {
    let store = open_store(ctx).await?;
    if !store.revoke_api_key(&a.name, now_unix_ms()).await? {
        return Err(Refused(format!(
            "no API key named {:?} that is not already revoked (see `instagraph keys list`)",
            a.name
        ))
        .into());
    }
    let out = json!({ "name": a.name, "revoked": true });
    if ctx.global.json {
        crate::output::print_json(&out)
    } else {
        println!("revoked API key {}", a.name);
        Ok(())
    }
}
