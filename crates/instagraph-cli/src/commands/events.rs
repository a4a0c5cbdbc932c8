//! `instagraph events`: the receiver's stored events, straight from the database (the service
//! need not run), plus replaying them to forwarding targets.

use crate::Refused;
use crate::cli::{EventFilter, EventsAction, EventsArgs};
use crate::config;
use crate::context::{Context, now_unix_ms};
use anyhow::{Context as _, Result};
use instagraph_server::webhook::deliver::{ForwardFormat, ForwardTarget, TargetKind, redact_url};
use instagraph_store::Store;
use instagraph_store::webhooks::{DeliveryState, EventQuery, StoredEvent};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;

/// The database: `--db`/`INSTAGRAPH_DB`/the file, else `$XDG_DATA_HOME/instagraph/instagraph.db`.
pub fn db_or_default(ctx: &Context) -> Result<String> {
    if let Some(db) = ctx.db() {
        return Ok(db);
    }
    let dir = crate::context::data_dir()?;
    Ok(dir.join("instagraph.db").to_string_lossy().into_owned())
}

async fn open_store(ctx: &Context) -> Result<Arc<dyn Store>> {
    let db = db_or_default(ctx)?;
    instagraph_store::open(&db)
        .await
        .context("opening the database")
}

fn parse_format(value: Option<&str>) -> Result<ForwardFormat> {
    match value.unwrap_or("full") {
        "full" => Ok(ForwardFormat::Full),
        "normalized" | "normalised" => Ok(ForwardFormat::Normalized),
        "raw" => Ok(ForwardFormat::Raw),
        other => Err(Refused(format!(
            "unknown forwarding format {other:?}: expected full, normalized or raw"
        ))
        .into()),
    }
}

fn check_url(url: &str) -> Result<()> {
    match url.split_once("://") {
        Some(("http" | "https", rest)) if !rest.is_empty() => Ok(()),
        _ => Err(Refused(format!(
            "forwarding URL {} must start with http:// or https://",
            redact_url(url)
        ))
        .into()),
    }
}

/// Forwarding targets from the config file's `[webhooks]` and the flags.
pub fn targets(
    ctx: &Context,
    forward: &[String],
    forward_secret: Option<&str>,
    forward_events: &[String],
    exec: &[String],
) -> Result<Vec<ForwardTarget>> {
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    let mut unique = |base: String| {
        let mut name = base.clone();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{base}#{n}");
            n += 1;
        }
        name
    };
    for f in &ctx.file.webhooks.forward {
        let url = config::expand_env(&f.url, "webhooks.forward.url")?;
        check_url(&url)?;
        let secret = f
            .secret
            .as_deref()
            .map(|s| config::expand_env(s, "webhooks.forward.secret"))
            .transpose()?;
        out.push(ForwardTarget {
            name: unique(f.name.clone().unwrap_or_else(|| redact_url(&url))),
            account_ids: f.accounts.clone(),
            kind: TargetKind::Http {
                url,
                secret: secret.map(Into::into),
            },
            event_types: f.events.clone(),
            format: parse_format(f.format.as_deref())?,
        });
    }
    for e in &ctx.file.webhooks.exec {
        out.push(ForwardTarget {
            name: unique(
                e.name
                    .clone()
                    .unwrap_or_else(|| format!("exec:{}", e.command)),
            ),
            account_ids: e.accounts.clone(),
            kind: TargetKind::Command {
                command: e.command.clone(),
            },
            event_types: e.events.clone(),
            format: parse_format(e.format.as_deref())?,
        });
    }
    for url in forward {
        check_url(url)?;
        out.push(ForwardTarget {
            name: unique(redact_url(url)),
            account_ids: Vec::new(),
            kind: TargetKind::Http {
                url: url.clone(),
                secret: forward_secret.map(|s| s.to_owned().into()),
            },
            event_types: forward_events.to_vec(),
            format: ForwardFormat::Full,
        });
    }
    for command in exec {
        out.push(ForwardTarget {
            name: unique(format!("exec:{command}")),
            account_ids: Vec::new(),
            kind: TargetKind::Command {
                command: command.clone(),
            },
            event_types: forward_events.to_vec(),
            format: ForwardFormat::Full,
        });
    }
    Ok(out)
}

/// A time bound: unix seconds or ms, `YYYY-MM-DD[THH:MM[:SS]][Z]` (UTC), or an age (`15m`).
pub fn parse_time(value: &str, now_ms: i64) -> Result<i64> {
    let v = value.trim();
    let bad = || {
        anyhow::Error::from(Refused(format!(
            "cannot read the time {v:?}: use unix seconds or milliseconds, \
             YYYY-MM-DD[THH:MM[:SS]][Z] (UTC), or an age such as 30s, 15m, 2h, 7d"
        )))
    };
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = v.parse().map_err(|_| bad())?;
        return Ok(if n > 1_000_000_000_000 {
            n
        } else {
            n.saturating_mul(1000)
        });
    }
    if let Some(unit) = v.chars().last().filter(|c| "smhd".contains(*c)) {
        let digits = &v[..v.len() - 1];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = digits.parse().map_err(|_| bad())?;
            let per = match unit {
                's' => 1_000,
                'm' => 60_000,
                'h' => 3_600_000,
                _ => 86_400_000,
            };
            return Ok(now_ms.saturating_sub(n.saturating_mul(per)));
        }
    }
    let v = v.trim_end_matches('Z');
    let (date, time) = v.split_once(['T', ' ']).unwrap_or((v, "00:00:00"));
    let d: Vec<i64> = date
        .split('-')
        .map(|p| p.parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let t: Vec<i64> = time
        .split(':')
        .map(|p| p.parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let ok_date = d.len() == 3 && (1..=12).contains(&d[1]) && (1..=31).contains(&d[2]);
    let ok_time = (2..=3).contains(&t.len())
        && (0..24).contains(&t[0])
        && (0..60).contains(&t[1])
        && t.get(2).is_none_or(|s| (0..61).contains(s));
    if !ok_date || !ok_time {
        return Err(bad());
    }
    let days = days_from_civil(d[0], d[1], d[2]);
    let secs = days * 86_400 + t[0] * 3600 + t[1] * 60 + t.get(2).copied().unwrap_or(0);
    Ok(secs * 1000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn query(filter: &EventFilter, now: i64) -> Result<EventQuery> {
    Ok(EventQuery {
        event_types: filter.types.clone(),
        account_id: filter.account_id.clone(),
        since_ms: filter
            .since
            .as_deref()
            .map(|s| parse_time(s, now))
            .transpose()?,
        until_ms: filter
            .until
            .as_deref()
            .map(|s| parse_time(s, now))
            .transpose()?,
        ..Default::default()
    })
}

/// The JSON form of an event: the stored record plus `eventType` at the top.
fn event_json(e: &StoredEvent) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("eventType".into(), Value::String(e.event_type.clone()));
    }
    v
}

fn summary(e: &StoredEvent) -> String {
    let n = &e.normalized;
    let who = n
        .get("senderId")
        .or_else(|| n.get("fromUsername"))
        .and_then(Value::as_str)
        .unwrap_or("-");
    let what = ["text", "payload", "ref", "commentId", "mediaId"]
        .iter()
        .find_map(|k| n.get(*k).and_then(Value::as_str))
        .unwrap_or("");
    let what: String = what.chars().take(60).collect();
    format!(
        "{:>6}  {:<13} {:<18} {:<16} {}",
        e.id, e.event_type, e.account_id, who, what
    )
}

pub async fn run(ctx: &Context, args: EventsArgs) -> Result<()> {
    let json = ctx.global.json;
    let now = now_unix_ms();
    match args.action {
        EventsAction::List {
            filter,
            after,
            limit,
            newest,
        } => {
            let mut q = query(&filter, now)?;
            q.after_id = after;
            q.limit = Some(limit);
            q.newest_first = newest;
            let store = open_store(ctx).await?;
            let events = store.events(&q).await?;
            if json {
                crate::output::print_json(&Value::Array(events.iter().map(event_json).collect()))?;
            } else if events.is_empty() {
                println!("no events");
            } else {
                println!(
                    "{:>6}  {:<13} {:<18} {:<16} CONTENT",
                    "ID", "TYPE", "ACCOUNT", "FROM"
                );
                for e in &events {
                    println!("{}", summary(e));
                }
            }
            Ok(())
        }
        EventsAction::Show { id } => {
            let store = open_store(ctx).await?;
            let event = store
                .events(&EventQuery {
                    ids: vec![id],
                    ..Default::default()
                })
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| Refused(format!("no event with id {id}")))?;
            let mut deliveries = Vec::new();
            for d in store.deliveries(Some(id), None, 100).await? {
                let attempts = store.attempts(d.id).await?;
                let mut v = serde_json::to_value(&d)?;
                v["attempts_log"] = serde_json::to_value(attempts)?;
                deliveries.push(v);
            }
            let mut v = event_json(&event);
            v["deliveries"] = Value::Array(deliveries);
            if json {
                crate::output::print_json(&v)
            } else {
                println!("{}", serde_json::to_string_pretty(&v)?);
                Ok(())
            }
        }
        EventsAction::Tail {
            filter,
            from_start,
            interval_ms,
        } => {
            let store = open_store(ctx).await?;
            let mut q = query(&filter, now)?;
            q.limit = Some(1000);
            let mut last = if from_start {
                0
            } else {
                store
                    .events(&EventQuery {
                        newest_first: true,
                        limit: Some(1),
                        ..Default::default()
                    })
                    .await?
                    .first()
                    .map_or(0, |e| e.id)
            };
            let interval = std::time::Duration::from_millis(interval_ms.max(10));
            loop {
                q.after_id = Some(last);
                let events = store.events(&q).await?;
                {
                    let mut out = std::io::stdout().lock();
                    for e in &events {
                        serde_json::to_writer(&mut out, &event_json(e))?;
                        writeln!(out)?;
                        last = e.id;
                    }
                    out.flush()?;
                }
                if events.len() < 1000 {
                    tokio::select! {
                        _ = tokio::time::sleep(interval) => {}
                        _ = super::shutdown_signal() => return Ok(()),
                    }
                }
            }
        }
        EventsAction::Replay {
            ids,
            filter,
            target,
            direct,
            forward,
            forward_secret,
            exec,
        } => {
            let targets = targets(
                ctx,
                &forward,
                forward_secret.as_deref(),
                &filter.types,
                &exec,
            )?;
            let chosen: Vec<ForwardTarget> = match &target {
                Some(name) => targets
                    .iter()
                    .filter(|t| &t.name == name)
                    .cloned()
                    .collect(),
                None => targets.clone(),
            };
            if chosen.is_empty() {
                let known: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
                return Err(Refused(match target {
                    Some(name) => format!(
                        "no forwarding target named {name:?} (configured: {})",
                        if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                    ),
                    None => "no forwarding target: configure [[webhooks.forward]] or [[webhooks.exec]], or pass --forward URL / --exec COMMAND".to_owned(),
                })
                .into());
            }
            let store = open_store(ctx).await?;
            let mut q = query(&filter, now)?;
            q.ids = ids;
            q.limit = Some(10_000);
            let events = store.events(&q).await?;
            let mut queued = Vec::new();
            for t in &chosen {
                let wanted: Vec<i64> = events
                    .iter()
                    .filter(|e| t.filter().wants(&e.event_type, &e.account_id))
                    .map(|e| e.id)
                    .collect();
                let n = store.enqueue_deliveries(&wanted, &t.name, now).await?;
                queued.push(json!({"target": t.name, "queued": n}));
            }
            let mut result = json!({"events": events.len(), "targets": queued});
            if direct {
                let deliverer = instagraph_server::webhook::Deliverer::new(store.clone(), chosen);
                let attempts = deliverer.run_due(now_unix_ms()).await?;
                let delivered = store
                    .deliveries(None, Some(DeliveryState::Delivered), 10_000)
                    .await?
                    .iter()
                    .filter(|d| d.created_at >= now)
                    .count();
                result["attempted"] = json!(attempts);
                result["delivered"] = json!(delivered);
            }
            if json {
                crate::output::print_json(&result)
            } else {
                crate::output::print_fields(&result);
                Ok(())
            }
        }
        EventsAction::Deliveries { state, limit } => {
            let state = match state.as_deref() {
                None => None,
                Some("pending") => Some(DeliveryState::Pending),
                Some("delivered") => Some(DeliveryState::Delivered),
                Some("dead") => Some(DeliveryState::Dead),
                Some(other) => {
                    return Err(Refused(format!(
                        "unknown delivery state {other:?}: expected pending, delivered or dead"
                    ))
                    .into());
                }
            };
            let store = open_store(ctx).await?;
            let list = store.deliveries(None, state, limit).await?;
            if json {
                crate::output::print_json(&serde_json::to_value(list)?)
            } else {
                for d in &list {
                    println!(
                        "{:>6}  event {:<6} {:<30} {:<9} attempts {:<2} {}",
                        d.id,
                        d.event_id,
                        d.target,
                        format!("{:?}", d.state).to_lowercase(),
                        d.attempts,
                        d.last_error.as_deref().unwrap_or("")
                    );
                }
                Ok(())
            }
        }
        EventsAction::Stats => {
            let store = open_store(ctx).await?;
            let v = json!({
                "store": store.webhook_stats().await?,
                "recent_rejections": store.rejections(20).await?,
            });
            if json {
                crate::output::print_json(&v)
            } else {
                println!("{}", serde_json::to_string_pretty(&v)?);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let now = 1_800_000_000_000;
        assert_eq!(parse_time("1700000000", now).unwrap(), 1_700_000_000_000);
        assert_eq!(parse_time("1700000000123", now).unwrap(), 1_700_000_000_123);
        assert_eq!(parse_time("15m", now).unwrap(), now - 900_000);
        assert_eq!(parse_time("2d", now).unwrap(), now - 172_800_000);
        assert_eq!(parse_time("1970-01-02", now).unwrap(), 86_400_000);
        assert_eq!(
            parse_time("2026-11-21T10:30:00Z", now).unwrap(),
            1_795_257_000_000
        );
        assert_eq!(
            parse_time("2000-03-01T00:00", now).unwrap(),
            951_868_800_000
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-11-21T25:00",
            "5w",
            "-5",
        ] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }
}
