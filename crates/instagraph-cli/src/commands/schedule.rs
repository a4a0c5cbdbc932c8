//! `instagraph schedule add|list|show|cancel|reschedule|run`: posts published at a time, by the
//! service's scheduler (or `schedule run`), exactly once.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use instagraph_server::scheduler::{Scheduler, SchedulerConfig};
use instagraph_store::Store;
use instagraph_store::schedule::{ChangeOutcome, NewScheduledPost, PostQuery, PostState};
use serde_json::{Value, json};

use super::post_args::PostCommand;
use crate::Refused;
use crate::context::{Context, now_unix_ms};

/// `instagraph schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub action: ScheduleAction,
}

/// What to do with scheduled posts.
#[derive(Debug, Subcommand)]
pub enum ScheduleAction {
    /// Schedule a post: `schedule add --at "2026-12-01 09:00" --tz Europe/Paris photo URL ...`.
    Add(Box<AddArgs>),
    /// List scheduled posts (all states unless --state is given).
    List(ListArgs),
    /// One post with its history.
    Show(IdArgs),
    /// Cancel a post that has not started publishing.
    Cancel(IdArgs),
    /// Approve a draft (made with `--draft`, or by an agent limited to drafts): it is
    /// published at its time (at once when that has passed).
    Approve(IdArgs),
    /// Move a post to another time (a failed or held post is retried).
    Reschedule(RescheduleArgs),
    /// Run the scheduler in the foreground (`serve` runs it too).
    Run(RunArgs),
}

/// When, in which zone.
#[derive(Debug, Args)]
pub struct WhenArgs {
    /// When to publish: `now`, `+2h`/`+1d 3h`, an RFC 3339 time with offset
    /// (`2026-12-01T09:00:00+01:00`), or a local time `2026-12-01 09:00` read in --tz.
    #[arg(long, value_name = "TIME")]
    pub at: String,
    /// The time zone of a local --at time (IANA name, e.g. `Europe/Paris`; default: this
    /// machine's zone). Daylight saving is taken into account.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// `schedule add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub when: WhenArgs,
    /// An idempotency key: adding the same key again returns the first post instead of a
    /// second one (safe retries from scripts).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Store it as a draft that waits for `schedule approve ID` instead of scheduling it.
    #[arg(long)]
    pub draft: bool,
    /// The post.
    #[command(subcommand)]
    pub post: PostCommand,
}

/// `schedule list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only posts in this state (repeatable): draft, scheduled, preparing, ready, publishing,
    /// published, held, failed, cancelled.
    #[arg(long = "state", value_name = "STATE")]
    pub states: Vec<String>,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

/// A post id.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// The post's id (from `schedule add` or `schedule list`).
    pub id: i64,
}

/// `schedule reschedule`.
#[derive(Debug, Args)]
pub struct RescheduleArgs {
    /// The post's id.
    pub id: i64,
    #[command(flatten)]
    pub when: WhenArgs,
}

/// `schedule run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// One pass over what is due now, then exit.
    #[arg(long, conflicts_with = "until_done")]
    pub once: bool,
    /// Run until no post is waiting any more (all published, failed or cancelled).
    #[arg(long)]
    pub until_done: bool,
    /// Create containers this many seconds before the publish time (at most 23 h).
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub prepare_ahead: u64,
    /// Read a processing container's status this often, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub status_poll: u64,
    #[command(flatten)]
    pub media: super::publish::MediaHostArgs,
}

/// The account a post is stored under.
pub fn account_key(ctx: &Context) -> String {
    ctx.global
        .ig_user_id
        .clone()
        .or_else(|| ctx.account_ig_user_id())
        .or_else(|| ctx.account_name.clone())
        .unwrap_or_else(|| "default".to_owned())
}

/// Parses `--at`/`--tz` into unix milliseconds and the zone name to show it in.
pub fn parse_when(at: &str, tz: Option<&str>, now_ms: i64) -> Result<(i64, Option<String>)> {
    let zone = match tz {
        Some(name) => jiff::tz::TimeZone::get(name)
            .map_err(|e| Refused(format!("--tz {name}: unknown time zone ({e})")))?,
        None => jiff::tz::TimeZone::system(),
    };
    let zone_name = tz
        .map(str::to_owned)
        .or_else(|| zone.iana_name().map(str::to_owned));
    let now = jiff::Timestamp::from_millisecond(now_ms)
        .map_err(|e| anyhow::anyhow!("the clock is out of range: {e}"))?;
    let v = at.trim();
    let bad = |why: String| -> anyhow::Error {
        Refused(format!(
            "--at {v:?}: {why}; use `now`, `+2h`, `2026-12-01T09:00:00+01:00` or \
             `2026-12-01 09:00` (with --tz)"
        ))
        .into()
    };
    let ts = if v.eq_ignore_ascii_case("now") {
        now
    } else if let Some(rel) = v.strip_prefix('+').or_else(|| v.strip_prefix("in ")) {
        let span: jiff::Span = rel
            .trim()
            .parse()
            .map_err(|e| bad(format!("not a duration ({e})")))?;
        now.to_zoned(zone.clone())
            .checked_add(span)
            .map_err(|e| bad(e.to_string()))?
            .timestamp()
    } else if let Ok(ts) = v.parse::<jiff::Timestamp>() {
        ts
    } else if let Ok(z) = v.parse::<jiff::Zoned>() {
        z.timestamp()
    } else {
        let civil: jiff::civil::DateTime = v
            .replacen(' ', "T", 1)
            .parse()
            .map_err(|e| bad(format!("not a time ({e})")))?;
        civil
            .to_zoned(zone.clone())
            .map_err(|e| bad(e.to_string()))?
            .timestamp()
    };
    let ms = ts.as_millisecond();
    if ms < now_ms - 60_000 {
        return Err(bad(format!(
            "that is in the past ({} ago)",
            human_duration(now_ms - ms)
        )));
    }
    Ok((ms.max(now_ms), zone_name))
}

fn human_duration(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        i64::MIN..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// A time for people, in the post's zone when known.
pub fn show_time(ms: i64, zone: Option<&str>) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return ms.to_string();
    };
    let tz = zone
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or_else(jiff::tz::TimeZone::system);
    ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M:%S %Z").to_string()
}

async fn open_store(ctx: &Context) -> Result<Arc<dyn Store>> {
    let db = super::events::db_or_default(ctx)?;
    instagraph_store::open(&db)
        .await
        .context("opening the database")
}

/// A post as JSON for `--json` output and `show`.
fn post_json(p: &instagraph_store::schedule::ScheduledPost) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "publish_at_local".into(),
            json!(show_time(p.publish_at, p.zone.as_deref())),
        );
    }
    v
}

pub async fn run(ctx: &Context, args: ScheduleArgs) -> Result<()> {
    match args.action {
        ScheduleAction::Add(a) => add(ctx, *a).await,
        ScheduleAction::List(a) => list(ctx, a).await,
        ScheduleAction::Show(a) => show(ctx, a.id).await,
        ScheduleAction::Cancel(a) => cancel(ctx, a.id).await,
        ScheduleAction::Approve(a) => approve(ctx, a.id).await,
        ScheduleAction::Reschedule(a) => reschedule(ctx, a).await,
        ScheduleAction::Run(a) => run_worker(ctx, a).await,
    }
}

/// The moment the worker first looks at a post: when its container may be created.
fn first_look(publish_at: i64) -> i64 {
    publish_at - SchedulerConfig::default().prepare_ahead.as_millis() as i64
}

async fn add(ctx: &Context, a: AddArgs) -> Result<()> {
    let now = now_unix_ms();
    let spec = a.post.to_spec()?;
    // Everything that can be checked without the network is checked now, not at publish time.
    spec.validate().map_err(|e| Refused(e.to_string()))?;
    let (publish_at, zone) = parse_when(&a.when.at, a.when.tz.as_deref(), now)?;
    let store = open_store(ctx).await?;
    let (post, created) = store
        .add_post(&NewScheduledPost {
            account: account_key(ctx),
            kind: spec.kind().to_owned(),
            spec: serde_json::to_value(&spec)?,
            publish_at,
            zone,
            idempotency_key: a.key,
            next_at: first_look(publish_at).max(now).min(publish_at),
            created_at: now,
            draft: a.draft,
        })
        .await?;
    if ctx.global.json {
        let mut v = post_json(&post);
        v["created"] = json!(created);
        return crate::output::print_json(&v);
    }
    if created && a.draft {
        println!(
            "draft {} ({}) for {}: publish it with `instagraph schedule approve {}`",
            post.id,
            post.kind,
            show_time(post.publish_at, post.zone.as_deref()),
            post.id
        );
    } else if created {
        println!(
            "scheduled post {} ({}) for {}",
            post.id,
            post.kind,
            show_time(post.publish_at, post.zone.as_deref())
        );
    } else {
        println!(
            "already scheduled with this key: post {} ({}, {})",
            post.id, post.kind, post.state
        );
    }
    Ok(())
}

async fn list(ctx: &Context, a: ListArgs) -> Result<()> {
    let states = a
        .states
        .iter()
        .map(|s| {
            PostState::parse(s).ok_or_else(|| {
                Refused(format!(
                    "--state {s}: expected one of {}",
                    PostState::ALL.map(|p| p.as_str()).join(", ")
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let store = open_store(ctx).await?;
    let posts = store
        .posts(&PostQuery {
            states,
            account: None,
            limit: Some(a.limit),
        })
        .await?;
    if ctx.global.json {
        return crate::output::print_json(&Value::Array(posts.iter().map(post_json).collect()));
    }
    if posts.is_empty() {
        println!("no scheduled posts");
        return Ok(());
    }
    println!(
        "{:>5}  {:<10}  {:<8}  {:<25}  MEDIA / NOTE",
        "ID", "STATE", "KIND", "PUBLISH AT"
    );
    for p in &posts {
        let note = p
            .media_id
            .clone()
            .or_else(|| p.hold_reason.clone())
            .or_else(|| p.last_error.clone())
            .unwrap_or_default();
        println!(
            "{:>5}  {:<10}  {:<8}  {:<25}  {}",
            p.id,
            p.state.as_str(),
            p.kind,
            show_time(p.publish_at, p.zone.as_deref()),
            note
        );
    }
    Ok(())
}

async fn show(ctx: &Context, id: i64) -> Result<()> {
    let store = open_store(ctx).await?;
    let post = store
        .post(id)
        .await?
        .ok_or_else(|| Refused(format!("no scheduled post {id}")))?;
    let log = store.post_log(id).await?;
    let mut v = post_json(&post);
    v["log"] = serde_json::to_value(&log)?;
    if ctx.global.json {
        return crate::output::print_json(&v);
    }
    crate::output::print_fields(&v);
    Ok(())
}

fn change_result(ctx: &Context, what: &str, id: i64, outcome: ChangeOutcome) -> Result<()> {
    match outcome {
        ChangeOutcome::Changed(p) => {
            if ctx.global.json {
                crate::output::print_json(&post_json(&p))
            } else {
                println!(
                    "post {id} {what}: {} at {}",
                    p.state,
                    show_time(p.publish_at, p.zone.as_deref())
                );
                Ok(())
            }
        }
        ChangeOutcome::NotFound => Err(Refused(format!("no scheduled post {id}")).into()),
        ChangeOutcome::NotChangeable(p) if what == "approved" => Err(Refused(format!(
            "post {id} is {}: only drafts wait for approval",
            p.state
        ))
        .into()),
        ChangeOutcome::NotChangeable(p) => Err(Refused(format!(
            "post {id} is {}: it can no longer be {what}{}",
            p.state,
            match p.state {
                PostState::Publishing => " (media_publish may already have happened)",
                _ => "",
            }
        ))
        .into()),
    }
}

async fn cancel(ctx: &Context, id: i64) -> Result<()> {
    let store = open_store(ctx).await?;
    let outcome = store.cancel_post(id, now_unix_ms()).await?;
    change_result(ctx, "cancelled", id, outcome)
}

async fn approve(ctx: &Context, id: i64) -> Result<()> {
    let store = open_store(ctx).await?;
    let outcome = store.approve_post(id, now_unix_ms()).await?;
    change_result(ctx, "approved", id, outcome)
}

async fn reschedule(ctx: &Context, a: RescheduleArgs) -> Result<()> {
    let now = now_unix_ms();
    let store = open_store(ctx).await?;
    let (publish_at, _) = parse_when(&a.when.at, a.when.tz.as_deref(), now)?;
    let outcome = store
        .reschedule_post(
            a.id,
            publish_at,
            first_look(publish_at).max(now).min(publish_at),
            now,
        )
        .await?;
    change_result(ctx, "rescheduled", a.id, outcome)
}

/// The scheduler: posts of stored accounts publish as those accounts (tokens from the vault);
/// other posts through `fallback` (the account given by flags, environment or config file).
pub fn scheduler(
    store: Arc<dyn Store>,
    fallback: Option<instagraph::Client>,
    media: Option<Arc<dyn instagraph::ops::publishing::MediaHost>>,
    base_url: Option<String>,
    config: SchedulerConfig,
) -> Result<Scheduler> {
    let clock: instagraph::clock::SharedClock = Arc::new(instagraph::clock::TokioClock::new());
    let vault = Arc::new(instagraph_store::accounts::AccountVault::new(
        store.clone(),
        super::auth::secret_box()?,
    ));
    let mut dir = instagraph_server::accounts::VaultDirectory::new(vault, base_url, clock.clone());
    if let Some(h) = media {
        dir = dir.with_media_host(h);
    }
    if let Some(client) = fallback {
        dir = dir.with_fallback(Arc::new(
            instagraph_server::scheduler::client::ClientApi::new(client),
        ));
    }
    Ok(Scheduler::new(store, dir, clock, config))
}

async fn run_worker(ctx: &Context, a: RunArgs) -> Result<()> {
    let store = open_store(ctx).await?;
    let (client, media) = super::publish::optional_client_with_media_host(ctx, &a.media).await?;
    let config = SchedulerConfig {
        prepare_ahead: Duration::from_secs(a.prepare_ahead),
        status_poll: Duration::from_secs(a.status_poll.max(1)),
        ..SchedulerConfig::default()
    };
    let host = media
        .as_ref()
        .map(|m| Arc::new(m.host.clone()) as Arc<dyn instagraph::ops::publishing::MediaHost>);
    let sched = scheduler(
        store.clone(),
        client,
        host,
        ctx.global.base_url.clone(),
        config,
    )?;
    let released = sched.recover_dead_leases().await?;
    if released > 0 {
        eprintln!("took over {released} post(s) from a worker that is gone");
    }
    if !a.once && !a.until_done {
        eprintln!("scheduler running (Ctrl-C to stop)");
        tokio::select! {
            _ = sched.clone().run() => {}
            _ = super::shutdown_signal() => {}
        }
        return Ok(());
    }
    let mut total = instagraph_server::scheduler::PassReport::default();
    loop {
        let r = sched.run_due().await?;
        total.claimed += r.claimed;
        total.published.extend(r.published);
        total.failed.extend(r.failed);
        total.held.extend(r.held);
        if a.once {
            break;
        }
        let Some(due) = store.next_post_due().await? else {
            break;
        };
        let wait = (due - now_unix_ms()).clamp(0, 1000);
        if r.claimed == 0 {
            tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))).await;
        }
    }
    let v = json!({
        "published": total.published,
        "failed": total.failed,
        "held": total.held,
    });
    if ctx.global.json {
        crate::output::print_json(&v)
    } else {
        println!(
            "published {}, failed {}, held {}",
            total.published.len(),
            total.failed.len(),
            total.held.len()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000; // 2026-11-18

    #[test]
    fn local_times_follow_the_zone_and_daylight_saving() {
        // Paris is UTC+1 in winter and UTC+2 in summer.
        let (w, z) = parse_when("2026-12-01 09:00", Some("Europe/Paris"), NOW).unwrap();
        assert_eq!(z.as_deref(), Some("Europe/Paris"));
        assert_eq!(
            jiff::Timestamp::from_millisecond(w).unwrap().to_string(),
            "2026-12-01T08:00:00Z"
        );
        let (s, _) = parse_when("2027-07-01T09:00", Some("Europe/Paris"), NOW).unwrap();
        assert_eq!(
            jiff::Timestamp::from_millisecond(s).unwrap().to_string(),
            "2027-07-01T07:00:00Z"
        );
    }

    #[test]
    fn offsets_relative_times_and_now() {
        let (t, _) = parse_when("2026-12-01T09:00:00+01:00", None, NOW).unwrap();
        assert_eq!(
            jiff::Timestamp::from_millisecond(t).unwrap().to_string(),
            "2026-12-01T08:00:00Z"
        );
        assert_eq!(parse_when("now", None, NOW).unwrap().0, NOW);
        assert_eq!(parse_when("+2h", None, NOW).unwrap().0, NOW + 7_200_000);
        assert_eq!(parse_when("+1h 30m", None, NOW).unwrap().0, NOW + 5_400_000);
    }

    #[test]
    fn bad_and_past_times_are_refused_with_the_reason() {
        let past = parse_when("2020-01-01 09:00", Some("UTC"), NOW)
            .unwrap_err()
            .to_string();
        assert!(past.contains("in the past"), "{past}");
        let junk = parse_when("tomorrowish", None, NOW)
            .unwrap_err()
            .to_string();
        assert!(junk.contains("--at \"tomorrowish\""), "{junk}");
        let zone = parse_when("now", Some("Mars/Olympus"), NOW)
            .unwrap_err()
            .to_string();
        assert!(zone.contains("unknown time zone"), "{zone}");
        // A minute of slack for "now"-ish times typed by people.
        assert_eq!(parse_when("+0s", None, NOW).unwrap().0, NOW);
    }
}
