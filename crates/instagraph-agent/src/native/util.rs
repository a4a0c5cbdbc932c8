//! What the native tools share: JSON results without secrets, the messaging client, times,
//! list queries and the account a post is stored under.

use instagraph::fields::FieldSet;
use instagraph::ops::media::ListQuery;
use instagraph::ops::publishing::parse_graph_timestamp;
use instagraph::{Client, LoginFamily};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::action::{ActionContext, ActionError};

/// Object keys whose string values are secrets (redacted wherever they appear in a result).
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "page_access_token",
    "appsecret_proof",
    "app_secret",
    "client_secret",
    "refresh_token",
    "input_token",
];

/// Serializes a typed result, with secrets redacted (see [`scrub`]).
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Value, ActionError> {
    serde_json::to_value(value)
        .map(scrub)
        .map_err(|e| ActionError::Store(format!("encoding the result: {e}")))
}

/// Redacts secrets in a result: the values of secret keys, and secret query parameters of
/// URLs (the platform's `paging.next` links embed the access token).
pub(crate) fn scrub(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if SECRET_KEYS.contains(&k.as_str()) && v.is_string() {
                        Value::String("REDACTED".to_owned())
                    } else {
                        scrub(v)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub).collect()),
        Value::String(s) if s.contains("://") && s.contains('?') => {
            Value::String(instagraph::redact_url(&s))
        }
        other => other,
    }
}

/// The client for `account`, as messaging needs it: on Facebook Login, the client of the Page
/// linked to the IG account, with its Page token (Instagram Direct goes through the Page).
pub(crate) async fn messaging_client(
    ctx: &ActionContext,
    account: Option<&str>,
) -> Result<Client, ActionError> {
    let client = ctx.client(account, None).await?;
    Ok(match client.login() {
        LoginFamily::Facebook => client.page_client().await?,
        LoginFamily::Instagram => client,
    })
}

/// A point in time as an agent gives it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum When {
    /// Unix time in seconds (milliseconds are recognised by their size).
    Unix(i64),
    /// RFC 3339 (`2026-12-01T09:00:00+01:00`; without an offset: UTC), a date
    /// (`2026-12-01`, midnight UTC), unix seconds as text, `now`, or relative to now:
    /// `+2h`, `-7d` (units s, m, h, d, w).
    Text(String),
}

const FORMS: &str =
    "unix seconds, RFC 3339 (2026-12-01T09:00:00+01:00), a date (2026-12-01), now, or +2h / -7d";

/// Parses `when` into unix milliseconds (`now_ms` anchors `now` and relative times).
pub(crate) fn parse_when(field: &str, when: &When, now_ms: i64) -> Result<i64, ActionError> {
    let bad = |why: &str, value: &str| {
        ActionError::InvalidParams(format!("{field}: {why}: expected {FORMS}, got {value:?}"))
    };
    match when {
        When::Unix(n) if *n < 0 => Err(bad("a time after 1970", &n.to_string())),
        When::Unix(n) if *n >= 100_000_000_000 => Ok(*n),
        When::Unix(n) => n
            .checked_mul(1000)
            .ok_or_else(|| bad("a time in range", &n.to_string())),
        When::Text(s) => {
            let t = s.trim();
            if t.eq_ignore_ascii_case("now") {
                return Ok(now_ms);
            }
            if let Some(rest) = t.strip_prefix('+').or_else(|| t.strip_prefix('-')) {
                let sign = if t.starts_with('-') { -1 } else { 1 };
                let ms = relative_ms(rest).ok_or_else(|| bad("not a duration", s))?;
                return now_ms
                    .checked_add(sign * ms)
                    .ok_or_else(|| bad("a time in range", s));
            }
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                let n: i64 = t.parse().map_err(|_| bad("a time in range", s))?;
                return parse_when(field, &When::Unix(n), now_ms);
            }
            let full = if t.len() == 10 {
                format!("{t}T00:00:00Z")
            } else {
                t.to_owned()
            };
            if !calendar_ok(&full) {
                return Err(bad("not a valid time", s));
            }
            parse_graph_timestamp(&full).ok_or_else(|| bad("not a valid time", s))
        }
    }
}

/// `2h`, `30m`, `7d`, `1w`, `90s` in milliseconds.
fn relative_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s.get(..s.len() - unit.len_utf8())?.trim().parse().ok()?;
    let secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(secs)?.checked_mul(1000)
}

/// Whether the date and time parts of an RFC 3339 string are in range.
fn calendar_ok(s: &str) -> bool {
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(mo), Some(d), Some(h), Some(mi), Some(sec)) =
        (num(5..7), num(8..10), num(11..13), num(14..16), num(17..19))
    else {
        return false;
    };
    (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && sec <= 60
}

/// A list query from a tool's paging parameters (times converted to unix seconds).
pub(crate) fn list_query(
    fields: Option<&str>,
    limit: Option<u32>,
    since: Option<&When>,
    until: Option<&When>,
    after: Option<String>,
    before: Option<String>,
    now_ms: i64,
) -> Result<ListQuery, ActionError> {
    let secs = |field: &str, w: Option<&When>| -> Result<Option<i64>, ActionError> {
        w.map(|w| parse_when(field, w, now_ms).map(|ms| ms.div_euclid(1000)))
            .transpose()
    };
    Ok(ListQuery {
        fields: FieldSet::from_option(fields),
        limit,
        since: secs("since", since)?,
        until: secs("until", until)?,
        after,
        before,
    })
}

/// The account key a scheduled post is stored under (what the scheduler routes by): the
/// account named in the call when it is not `me`, else the client's IG user id, else the first
/// name or id the account is known by.
pub(crate) async fn account_key(
    ctx: &ActionContext,
    client: &Client,
    account: Option<&str>,
) -> Result<String, ActionError> {
    if let Some(a) = account
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "me")
    {
        return Ok(a.to_owned());
    }
    if let Some(id) = &client.config().ig_user_id {
        return Ok(id.to_string());
    }
    let resolved = ctx.accounts.resolve(account).await?;
    Ok(resolved
        .keys
        .into_iter()
        .next()
        .unwrap_or_else(|| "default".to_owned()))
}

/// Every name and id the account is known by (to find its scheduled posts).
pub(crate) async fn account_keys(
    ctx: &ActionContext,
    client: &Client,
    account: Option<&str>,
) -> Result<Vec<String>, ActionError> {
    let mut keys = ctx.accounts.resolve(account).await?.keys;
    let first = account_key(ctx, client, account).await?;
    if !keys.contains(&first) {
        keys.insert(0, first);
    }
    Ok(keys)
}

/// RFC 3339 UTC for unix milliseconds.
pub(crate) fn rfc3339(ms: i64) -> String {
    instagraph::ops::messaging::rfc3339_utc(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_form() {
        let now = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        let p = |w: When| parse_when("at", &w, now);
        assert_eq!(p(When::Unix(1_767_225_600)).unwrap(), now);
        assert_eq!(p(When::Unix(now)).unwrap(), now);
        assert_eq!(p(When::Text("now".into())).unwrap(), now);
        assert_eq!(p(When::Text("+2h".into())).unwrap(), now + 7_200_000);
        assert_eq!(p(When::Text("-7d".into())).unwrap(), now - 7 * 86_400_000);
        assert_eq!(p(When::Text("2026-01-01".into())).unwrap(), now);
        assert_eq!(
            p(When::Text("2026-01-01T01:00:00+01:00".into())).unwrap(),
            now
        );
        assert_eq!(p(When::Text("1767225600".into())).unwrap(), now);
        for bad in ["tomorrow", "2026-13-01T00:00:00Z", "+2x", "", "-"] {
            let e = p(When::Text(bad.into())).unwrap_err().to_string();
            assert!(e.contains("at:") && e.contains("RFC 3339"), "{bad}: {e}");
        }
        assert!(p(When::Unix(-1)).is_err());
    }

    #[test]
    fn secrets_are_redacted() {
        let v = serde_json::json!({
            "data": [{"id": "1", "access_token": "EAAsecret"}],
            "paging": {"next": "https://graph.facebook.com/v25.0/1/media?access_token=IGAAsecret&after=x"}
        });
        let s = scrub(v).to_string();
        assert!(!s.contains("secret"), "{s}");
        assert!(s.contains("after=x"), "{s}");
    }
}
