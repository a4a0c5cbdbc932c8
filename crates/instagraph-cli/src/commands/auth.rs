//! `instagraph auth login|add|list|status|refresh|logout|default`: accounts kept in the store,
//! their tokens sealed at rest, refreshed before they expire.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use instagraph::auth::{self as oauth, AuthEndpoints, OAuthApp};
use instagraph::config::LoginFamily;
use instagraph_store::accounts::{AccountState, AccountVault, NewAccount, StoredAccount};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use crate::Refused;
use crate::context::{Context, now_unix_ms};

/// `instagraph auth`.
#[derive(Debug, Args)]
pub struct AuthArgs {
    #[command(subcommand)]
    pub action: AuthAction,
}

/// What to do with accounts.
#[derive(Debug, Subcommand)]
pub enum AuthAction {
    /// Log in with OAuth (Instagram Login or Facebook Login) and keep the long-lived token.
    Login(LoginArgs),
    /// Keep a token made elsewhere (checked against the platform first).
    Add(AddArgs),
    /// The stored accounts.
    List,
    /// Expiry, scopes, granted targets and what each capability is missing.
    Status(NameArgs),
    /// Refresh an Instagram-Login token now.
    Refresh(NameArgs),
    /// Forget an account (its tokens are deleted from the store).
    Logout(NameArgs),
    /// Make an account the default.
    Default(NameArgs),
}

/// `auth login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// `instagram` (Instagram Login) or `facebook` (Facebook Login).
    #[arg(long, value_name = "FAMILY")]
    pub family: String,
    /// The Meta app's id.
    #[arg(long, env = "INSTAGRAPH_APP_ID", value_name = "ID")]
    pub app_id: String,
    /// The redirect URI registered with the app, byte for byte. A loopback URI is served by a
    /// listener here; anything else needs --manual.
    #[arg(
        long,
        default_value = "http://127.0.0.1:8719/callback",
        value_name = "URI"
    )]
    pub redirect_uri: String,
    /// Scopes (comma-separated; default: everything Instagraph can use for the family).
    #[arg(long, value_delimiter = ',', value_name = "SCOPES")]
    pub scopes: Vec<String>,
    /// Paste the redirected URL instead of running the loopback listener (machines without a
    /// browser).
    #[arg(long)]
    pub manual: bool,
    /// Do not try to open a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Name for the account (default: the username).
    #[arg(long)]
    pub name: Option<String>,
    /// Give up waiting for the redirect after this many seconds.
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    pub timeout: u64,
}

/// `auth add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Name for the account.
    #[arg(long)]
    pub name: String,
    /// `instagram` or `facebook` (default: from the token's prefix).
    #[arg(long, value_name = "FAMILY")]
    pub family: Option<String>,
    /// The Meta app's id (needed for `debug_token` on Facebook Login).
    #[arg(long, env = "INSTAGRAPH_APP_ID", value_name = "ID")]
    pub app_id: Option<String>,
    /// When the token expires (unix seconds), if known and `debug_token` cannot tell.
    #[arg(long, value_name = "UNIX_SECS")]
    pub expires_at: Option<i64>,
}

/// An account name (the default account when omitted).
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The account's name.
    pub name: Option<String>,
}

/// The secret key that seals tokens: `INSTAGRAPH_SECRET_KEY`, else the data directory's
/// `secret.key` (created 0600 on first use).
pub fn secret_box() -> Result<instagraph_store::secrets::SecretBox> {
    let key_file = crate::context::data_dir()?.join("secret.key");
    let env_key = std::env::var(instagraph_store::secrets::SECRET_KEY_ENV).ok();
    instagraph_store::secrets::SecretBox::load(env_key.as_deref(), &key_file)
        .map_err(|e| Refused(e.to_string()).into())
}

/// The vault over this context's store and secret key.
pub async fn vault(ctx: &Context) -> Result<AccountVault> {
    let db = super::events::db_or_default(ctx)?;
    let store = instagraph_store::open(&db)
        .await
        .context("opening the database")?;
    Ok(AccountVault::new(store, secret_box()?))
}

fn family(s: &str) -> Result<LoginFamily> {
    s.parse::<LoginFamily>()
        .map_err(|e| Refused(e.to_string()).into())
}

fn endpoints(ctx: &Context, family: LoginFamily) -> AuthEndpoints {
    match &ctx.global.base_url {
        Some(base) => AuthEndpoints::sandbox(base, family),
        None => AuthEndpoints::production(family),
    }
}

fn app_secret(ctx: &Context) -> Result<SecretString> {
    ctx.app_secrets()?
        .into_iter()
        .next()
        .map(SecretString::from)
        .ok_or_else(|| {
            Refused("no app secret: set --app-secret or INSTAGRAPH_APP_SECRET".into()).into()
        })
}

pub async fn run(ctx: &Context, args: AuthArgs) -> Result<()> {
    match args.action {
        AuthAction::Login(a) => login(ctx, a).await,
        AuthAction::Add(a) => add(ctx, a).await,
        AuthAction::List => list(ctx).await,
        AuthAction::Status(a) => status(ctx, a.name).await,
        AuthAction::Refresh(a) => refresh(ctx, a.name).await,
        AuthAction::Logout(a) => logout(ctx, a.name).await,
        AuthAction::Default(a) => set_default(ctx, a.name).await,
    }
}

/// Waits for the platform's redirect on the loopback listener and returns the query string.
async fn wait_for_redirect(listener: tokio::net::TcpListener, path: &str) -> Result<String> {
    loop {
        let (mut sock, _) = listener.accept().await?;
        let (read, mut write) = sock.split();
        let mut lines = tokio::io::BufReader::new(read).lines();
        let Some(request_line) = lines.next_line().await? else {
            continue;
        };
        // "GET /callback?code=...&state=... HTTP/1.1"
        let target = request_line.split(' ').nth(1).unwrap_or("").to_owned();
        let (req_path, query) = target.split_once('?').unwrap_or((&target, ""));
        if req_path != path {
            let _ = write
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let body = "<!doctype html><title>Instagraph</title><p>Login received. You can close this tab and return to the terminal.</p>";
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = write.write_all(resp.as_bytes()).await;
        return Ok(query.to_owned());
    }
}

fn loopback_listen_addr(redirect_uri: &str) -> Option<(SocketAddr, String)> {
    let rest = redirect_uri.strip_prefix("http://")?;
    let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
    let hostport = hostport.replace("localhost", "127.0.0.1");
    let addr: SocketAddr = hostport.parse().ok()?;
    addr.ip().is_loopback().then(|| (addr, format!("/{path}")))
}

async fn login(ctx: &Context, a: LoginArgs) -> Result<()> {
    let fam = family(&a.family)?;
    let ep = endpoints(ctx, fam);
    let app = OAuthApp {
        app_id: a.app_id.clone(),
        app_secret: app_secret(ctx)?,
        redirect_uri: a.redirect_uri.clone(),
    };
    let scopes: Vec<&str> = if a.scopes.is_empty() {
        oauth::default_scopes(fam).to_vec()
    } else {
        a.scopes.iter().map(String::as_str).collect()
    };
    let state = oauth::new_state();
    let url = oauth::authorize_url(fam, &ep, &app, &scopes, &state);
    let listener = if a.manual {
        None
    } else {
        let (addr, path) = loopback_listen_addr(&a.redirect_uri).ok_or_else(|| {
            Refused(format!(
                "--redirect-uri {}: not a loopback http URI this machine can listen on; use --manual",
                a.redirect_uri
            ))
        })?;
        let l = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Refused(format!("cannot listen on {addr} for the redirect: {e}")))?;
        Some((l, path))
    };
    // One JSON line first, so scripts (and tests) can drive the browser step.
    println!(
        "{}",
        json!({ "authorize_url": url, "redirect_uri": a.redirect_uri })
    );
    eprintln!("Open this URL to log in:\n  {url}");
    if !a.no_browser && !a.manual {
        let _ = std::process::Command::new("xdg-open")
            .arg(&url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
    let redirected = match listener {
        Some((l, path)) => {
            tokio::time::timeout(Duration::from_secs(a.timeout), wait_for_redirect(l, &path))
                .await
                .map_err(|_| Refused(format!("no redirect within {} s", a.timeout)))??
        }
        None => {
            eprintln!("Paste the URL the browser was redirected to:");
            let line = tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map(|_| line)
            })
            .await
            .context("reading the pasted URL")??;
            line.trim().to_owned()
        }
    };
    let code = oauth::parse_redirect(&redirected, &state).map_err(|e| Refused(e.to_string()))?;
    let http = reqwest::Client::new();
    let short = oauth::exchange_code(&http, fam, &ep, &app, &code).await?;
    let long = oauth::exchange_long_lived(&http, fam, &ep, &app, &short.access_token).await?;
    let now = now_unix_ms();
    let expires_at = long
        .expires_in
        .map(|s| now + i64::try_from(s).unwrap_or(0).saturating_mul(1000));
    let vault = vault(ctx).await?;
    let mut saved = Vec::new();
    match fam {
        LoginFamily::Instagram => {
            let me = oauth::instagram_identity(&http, &ep, &long.access_token).await?;
            let name = a
                .name
                .clone()
                .or_else(|| me.username.clone())
                .unwrap_or_else(|| {
                    me.user_id
                        .as_ref()
                        .map_or_else(|| me.id.clone(), |u| u.to_string())
                });
            let acc = NewAccount {
                name,
                family: fam.as_str().to_owned(),
                ig_user_id: me.user_id.as_ref().map(ToString::to_string),
                app_scoped_id: Some(me.id.clone()),
                page_id: None,
                username: me.username.clone(),
                app_id: Some(a.app_id.clone()),
                token: long.access_token.clone(),
                page_token: None,
                app_secret: Some(app.app_secret.clone()),
                scopes: if short.permissions.is_empty() {
                    scopes.iter().map(|s| (*s).to_owned()).collect()
                } else {
                    short.permissions.clone()
                },
                issued_at: now,
                expires_at,
                refreshed_at: None,
                state: AccountState::Active,
                state_reason: None,
                is_default: false,
            };
            saved.push(vault.save(&acc, now).await?);
        }
        LoginFamily::Facebook => {
            let pages = oauth::facebook_pages(&http, &ep, &long.access_token).await?;
            let with_ig: Vec<_> = pages
                .into_iter()
                .filter(|p| p.instagram_business_account.is_some())
                .collect();
            if with_ig.is_empty() {
                return Err(Refused(
                    "logged in, but none of this user's Pages has a connected Instagram professional account"
                        .into(),
                )
                .into());
            }
            let info = oauth::debug_token(&http, &ep, &app, &long.access_token)
                .await
                .ok();
            let granted: Vec<String> = info
                .as_ref()
                .map(|i| i.scopes.clone())
                .unwrap_or_else(|| scopes.iter().map(|s| (*s).to_owned()).collect());
            let single = with_ig.len() == 1;
            for p in with_ig {
                let ig = p.instagram_business_account.as_ref().map(|i| i.to_string());
                let name = match (&a.name, single) {
                    (Some(n), true) => n.clone(),
                    (Some(n), false) => format!("{n}-{}", p.id),
                    (None, _) => slug(&p.name.clone().unwrap_or_else(|| p.id.to_string())),
                };
                let acc = NewAccount {
                    name,
                    family: fam.as_str().to_owned(),
                    ig_user_id: ig,
                    app_scoped_id: None,
                    page_id: Some(p.id.to_string()),
                    username: None,
                    app_id: Some(a.app_id.clone()),
                    token: long.access_token.clone(),
                    page_token: Some(p.access_token.clone()),
                    app_secret: Some(app.app_secret.clone()),
                    scopes: granted.clone(),
                    issued_at: now,
                    expires_at: info
                        .as_ref()
                        .and_then(|i| i.expires_at)
                        .filter(|e| *e > 0)
                        .map(|e| e * 1000)
                        .or(expires_at),
                    refreshed_at: None,
                    state: AccountState::Active,
                    state_reason: None,
                    is_default: false,
                };
                saved.push(vault.save(&acc, now).await?);
            }
        }
    }
    if vault.store().default_account().await?.is_none()
        && let Some(first) = saved.first()
    {
        vault.store().set_default_account(&first.name).await?;
    }
    let out: Vec<Value> = saved.iter().map(account_json).collect();
    if ctx.global.json {
        crate::output::print_json(&json!({ "accounts": out }))
    } else {
        for s in &saved {
            println!(
                "logged in: {} ({}, IG user {})",
                s.name,
                s.family,
                s.ig_user_id.as_deref().unwrap_or("?")
            );
        }
        Ok(())
    }
}

/// A default account name from a Page name or username: letters, digits, `.`, `_` and `-`
/// (others become `-`), at most 64 characters.
fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if out.is_empty() {
        "account".into()
    } else {
        out
    }
}

/// An account for output: never a token.
pub fn account_json(a: &StoredAccount) -> Value {
    json!({
        "name": a.name,
        "family": a.family,
        "ig_user_id": a.ig_user_id,
        "app_scoped_id": a.app_scoped_id,
        "page_id": a.page_id,
        "username": a.username,
        "scopes": a.scopes,
        "issued_at": a.issued_at,
        "expires_at": a.expires_at,
        "refreshed_at": a.refreshed_at,
        "state": a.state.as_str(),
        "state_reason": a.state_reason,
        "default": a.is_default,
    })
}

async fn add(ctx: &Context, a: AddArgs) -> Result<()> {
    let token = ctx
        .token()?
        .ok_or_else(|| Refused("no token: pass --token or INSTAGRAPH_ACCESS_TOKEN".into()))?;
    let fam = match &a.family {
        Some(f) => family(f)?,
        None => ctx.login(&token)?,
    };
    let token = SecretString::from(token);
    let ep = endpoints(ctx, fam);
    let http = reqwest::Client::new();
    let now = now_unix_ms();
    let secret = ctx
        .app_secrets()?
        .into_iter()
        .next()
        .map(SecretString::from);
    let (ig_user_id, app_scoped_id, username, scopes, expires_at) = match fam {
        LoginFamily::Instagram => {
            let me = oauth::instagram_identity(&http, &ep, &token).await?;
            (
                me.user_id.as_ref().map(ToString::to_string),
                Some(me.id.clone()),
                me.username.clone(),
                Vec::new(),
                a.expires_at.map(|s| s * 1000),
            )
        }
        LoginFamily::Facebook => {
            let client = ctx.client().await?;
            let ig = match &ctx.global.ig_user_id {
                Some(id) => Some(id.clone()),
                None => client
                    .discover_ig_user_id()
                    .await
                    .ok()
                    .map(|i| i.to_string()),
            };
            let info = match (&a.app_id, &secret) {
                (Some(app_id), Some(s)) => {
                    let app = OAuthApp {
                        app_id: app_id.clone(),
                        app_secret: s.clone(),
                        redirect_uri: String::new(),
                    };
                    oauth::debug_token(&http, &ep, &app, &token).await.ok()
                }
                _ => None,
            };
            (
                ig,
                None,
                None,
                info.as_ref().map(|i| i.scopes.clone()).unwrap_or_default(),
                info.and_then(|i| i.expires_at)
                    .filter(|e| *e > 0)
                    .map(|e| e * 1000)
                    .or(a.expires_at.map(|s| s * 1000)),
            )
        }
    };
    let vault = vault(ctx).await?;
    let saved = vault
        .save(
            &NewAccount {
                name: a.name.clone(),
                family: fam.as_str().to_owned(),
                ig_user_id,
                app_scoped_id,
                page_id: None,
                username,
                app_id: a.app_id.clone(),
                token,
                page_token: None,
                app_secret: secret,
                scopes,
                issued_at: now,
                expires_at,
                refreshed_at: None,
                state: AccountState::Active,
                state_reason: None,
                is_default: false,
            },
            now,
        )
        .await?;
    if vault.store().default_account().await?.is_none() {
        vault.store().set_default_account(&saved.name).await?;
    }
    print_account(ctx, &saved)
}

fn print_account(ctx: &Context, a: &StoredAccount) -> Result<()> {
    let v = account_json(a);
    if ctx.global.json {
        crate::output::print_json(&v)
    } else {
        crate::output::print_fields(&v);
        Ok(())
    }
}

async fn named(vault: &AccountVault, name: Option<String>) -> Result<StoredAccount> {
    let found = match &name {
        Some(n) => vault.store().account(n).await?,
        None => vault.store().default_account().await?,
    };
    found.ok_or_else(|| {
        Refused(match name {
            Some(n) => format!("no stored account named {n:?} (see `instagraph auth list`)"),
            None => "no default account: `instagraph auth login` or `auth default NAME`".into(),
        })
        .into()
    })
}

async fn list(ctx: &Context) -> Result<()> {
    let vault = vault(ctx).await?;
    let all = vault.store().accounts().await?;
    if ctx.global.json {
        return crate::output::print_json(&Value::Array(all.iter().map(account_json).collect()));
    }
    if all.is_empty() {
        println!("no stored accounts: `instagraph auth login` or `instagraph auth add`");
    }
    for a in &all {
        println!(
            "{} {:<20} {:<10} IG user {:<20} {} {}",
            if a.is_default { "*" } else { " " },
            a.name,
            a.family,
            a.ig_user_id.as_deref().unwrap_or("?"),
            a.state.as_str(),
            expiry_text(a.expires_at, now_unix_ms()),
        );
    }
    Ok(())
}

fn expiry_text(expires_at: Option<i64>, now: i64) -> String {
    match expires_at {
        None => "no expiry known".into(),
        Some(e) if e <= now => "EXPIRED".into(),
        Some(e) => format!("expires in {} days", (e - now) / 86_400_000),
    }
}

async fn status(ctx: &Context, name: Option<String>) -> Result<()> {
    let vault = vault(ctx).await?;
    let acc = named(&vault, name).await?;
    let fam = family(&acc.family)?;
    let now = now_unix_ms();
    let mut scopes = acc.scopes.clone();
    let mut platform = Value::Null;
    if fam == LoginFamily::Facebook
        && let (Some(app_id), Some(secret)) = (&acc.app_id, vault.app_secret(&acc).await?)
    {
        let app = OAuthApp {
            app_id: app_id.clone(),
            app_secret: secret,
            redirect_uri: String::new(),
        };
        let token = vault.token(&acc).await?;
        match oauth::debug_token(&reqwest::Client::new(), &endpoints(ctx, fam), &app, &token).await
        {
            Ok(info) => {
                scopes = info.scopes.clone();
                platform = json!({
                    "is_valid": info.is_valid,
                    "expires_at": info.expires_at,
                    "data_access_expires_at": info.data_access_expires_at,
                    "granular_scopes": info.granular_scopes.iter().map(|g| json!({"scope": g.scope, "target_ids": g.target_ids})).collect::<Vec<_>>(),
                });
            }
            Err(e) => platform = json!({ "error": e.to_string() }),
        }
    }
    let caps: Vec<Value> = oauth::capabilities(fam, &scopes)
        .into_iter()
        .map(|c| json!({"capability": c.name, "ok": c.ok, "missing": c.missing}))
        .collect();
    let refresh = oauth::refresh_due(
        fam,
        acc.refreshed_at.unwrap_or(acc.issued_at),
        acc.expires_at,
        now,
        Duration::from_secs(10 * 86_400),
    );
    let mut v = account_json(&acc);
    v["expiry"] = json!(expiry_text(acc.expires_at, now));
    v["refresh"] = json!(format!("{refresh:?}"));
    v["capabilities"] = Value::Array(caps);
    v["debug_token"] = platform;
    if ctx.global.json {
        crate::output::print_json(&v)
    } else {
        crate::output::print_fields(&v);
        Ok(())
    }
}

async fn refresh(ctx: &Context, name: Option<String>) -> Result<()> {
    let vault = vault(ctx).await?;
    let acc = named(&vault, name).await?;
    let fam = family(&acc.family)?;
    if fam != LoginFamily::Instagram {
        return Err(Refused(format!(
            "{} uses Facebook Login: its Page tokens (from a long-lived user token) do not expire \
             and are not refreshed; `auth status` checks them, `auth login` renews the user token",
            acc.name
        ))
        .into());
    }
    let token = vault.token(&acc).await?;
    let now = now_unix_ms();
    let fresh =
        oauth::refresh_instagram_token(&reqwest::Client::new(), &endpoints(ctx, fam), &token)
            .await?;
    let expires_at = fresh
        .expires_in
        .map(|s| now + i64::try_from(s).unwrap_or(0).saturating_mul(1000));
    let saved = vault
        .refresh_token(
            &acc.name,
            acc.version,
            &fresh.access_token,
            now,
            expires_at,
            now,
        )
        .await?
        .ok_or_else(|| Refused("the account changed meanwhile; try again".into()))?;
    vault
        .store()
        .set_account_state(&saved.name, AccountState::Active, None, now)
        .await?;
    print_account(ctx, &saved)
}

async fn logout(ctx: &Context, name: Option<String>) -> Result<()> {
    let vault = vault(ctx).await?;
    let acc = named(&vault, name).await?;
    vault.store().delete_account(&acc.name).await?;
    if ctx.global.json {
        crate::output::print_json(&json!({ "logged_out": acc.name }))
    } else {
        println!("forgot {}", acc.name);
        Ok(())
    }
}

async fn set_default(ctx: &Context, name: Option<String>) -> Result<()> {
    let name = name.ok_or_else(|| Refused("which account? `auth default NAME`".into()))?;
    let vault = vault(ctx).await?;
    if !vault.store().set_default_account(&name).await? {
        return Err(Refused(format!("no stored account named {name:?}")).into());
    }
    println!("default account: {name}");
    Ok(())
}
