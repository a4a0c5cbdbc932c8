//! Insights for media and accounts, with the platform's rules applied before the network.
//!
//! **Media** (`GET /{media-id}/insights?metric=..[&period=..][&breakdown=..]`): the metric sets
//! differ by `media_product_type` (FEED, REELS, STORY; carousel children have none); the client
//! reads the media's product type first (one extra call) unless the caller names it.
//! **Accounts** (`GET /{ig-user-id}/insights?metric=..&period=..[&metric_type=..][&breakdown=..]
//! [&timeframe=..][&since=..&until=..]`): interaction metrics need `metric_type=total_value`
//! (added when left out), time series and demographics have their own periods.
//!
//! **Deprecated metrics** (`impressions`, `plays`, `video_views`, `clips_replays_count`,
//! `ig_reels_aggregated_all_plays_count`, the v21 click metrics, ...) are refused with the
//! version that removed them and the replacement named (`views` mostly), instead of letting one
//! bad name fail the whole request at the platform. `views` needs v22.0 or later. Threads metrics
//! listed in the same enums are refused for Instagram objects.
//!
//! **No data is not zero**: requested metrics the platform leaves out come back in
//! [`InsightsReport::no_data`]. Story insights exist only while the story is live (24 hours):
//! the report says so; keep them with the `story_insights` webhook.

use crate::client::{Client, Request};
use crate::error::Error;
use crate::ids::MediaId;
use crate::models::{InsightsReport, InsightsResponse, Media};
use serde::Serialize;

/// Where a metric stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MetricStatus {
    /// Available.
    Current,
    /// Removed: from `version` on, and for every version since `all_versions`.
    Removed {
        /// The version that removed it.
        version: &'static str,
        /// The date it stopped working on every version.
        all_versions: &'static str,
        /// What to ask for instead.
        replacement: &'static str,
    },
    /// A Threads metric (the enums list them for Threads profiles and posts).
    ThreadsOnly,
    /// In the v25 enum but not in the metric tables this crate relies on: sent unchecked.
    Unverified,
}

/// What the client knows about a media metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MediaMetric {
    /// The name.
    pub name: &'static str,
    /// Whether it is available.
    pub status: MetricStatus,
    /// The `media_product_type`s it exists for (empty: not checked).
    pub product_types: &'static [&'static str],
    /// The breakdowns it takes.
    pub breakdowns: &'static [&'static str],
    /// The first Graph API major version that has it.
    pub since_major: Option<u32>,
    /// Includes paid engagement; Facebook Login only.
    pub facebook_only: bool,
}

const F: &str = "FEED";
const R: &str = "REELS";
const S: &str = "STORY";

const fn m(name: &'static str, product_types: &'static [&'static str]) -> MediaMetric {
    MediaMetric {
        name,
        status: MetricStatus::Current,
        product_types,
        breakdowns: &[],
        since_major: None,
        facebook_only: false,
    }
}

const fn removed(
    name: &'static str,
    version: &'static str,
    all_versions: &'static str,
    replacement: &'static str,
) -> MediaMetric {
    MediaMetric {
        name,
        status: MetricStatus::Removed {
            version,
            all_versions,
            replacement,
        },
        product_types: &[],
        breakdowns: &[],
        since_major: None,
        facebook_only: false,
    }
}

const fn with_status(mut x: MediaMetric, status: MetricStatus) -> MediaMetric {
    x.status = status;
    x
}

/// Media metrics: every value of `mediainsights_metric_enum_param` and
/// `shadowigmediainsights_metric_enum_param` (v25), plus older names users still send.
pub const MEDIA_METRICS: &[MediaMetric] = &[
    m("comments", &[F, R]),
    m("follows", &[F, S]),
    m("likes", &[F, R]),
    MediaMetric {
        breakdowns: &["story_navigation_action_type"],
        ..m("navigation", &[S])
    },
    MediaMetric {
        breakdowns: &["action_type"],
        ..m("profile_activity", &[F, S])
    },
    m("profile_visits", &[F, S]),
    m("reach", &[F, R, S]),
    m("replies", &[S]),
    m("saved", &[F, R]),
    m("shares", &[F, R, S]),
    m("total_interactions", &[F, R, S]),
    MediaMetric {
        since_major: Some(22),
        ..m("views", &[F, R, S])
    },
    m("ig_reels_avg_watch_time", &[R]),
    m("ig_reels_video_view_total_time", &[R]),
    m("reels_skip_rate", &[R]),
    m("crossposted_views", &[R]),
    m("facebook_views", &[R]),
    MediaMetric {
        facebook_only: true,
        ..m("total_comments", &[F, R])
    },
    MediaMetric {
        facebook_only: true,
        ..m("total_likes", &[F, R])
    },
    MediaMetric {
        facebook_only: true,
        ..m("total_views", &[F, R])
    },
    with_status(m("content_views", &[]), MetricStatus::Unverified),
    with_status(m("reposts", &[]), MetricStatus::Unverified),
    with_status(m("quotes", &[]), MetricStatus::ThreadsOnly),
    with_status(m("thread_replies", &[]), MetricStatus::ThreadsOnly),
    with_status(m("thread_shares", &[]), MetricStatus::ThreadsOnly),
    with_status(m("threads_media_clicks", &[]), MetricStatus::ThreadsOnly),
    with_status(m("threads_reposts", &[]), MetricStatus::ThreadsOnly),
    with_status(m("threads_views", &[]), MetricStatus::ThreadsOnly),
    removed("impressions", "v22.0", "2025-04-21", "views"),
    removed("plays", "v22.0", "2025-04-21", "views"),
    removed("clips_replays_count", "v22.0", "2025-04-21", "views"),
    removed(
        "ig_reels_aggregated_all_plays_count",
        "v22.0",
        "2025-04-21",
        "views",
    ),
    removed("video_views", "v21.0", "2025-01-08", "views"),
    removed("taps_forward", "v18.0", "2023-12-11", "navigation"),
    removed("taps_back", "v18.0", "2023-12-11", "navigation"),
    removed("exits", "v18.0", "2023-12-11", "navigation"),
    removed("engagement", "v18.0", "2023-12-11", "total_interactions"),
    removed(
        "carousel_album_engagement",
        "v18.0",
        "2023-12-11",
        "total_interactions",
    ),
    removed("carousel_album_impressions", "v18.0", "2023-12-11", "views"),
    removed("carousel_album_reach", "v18.0", "2023-12-11", "reach"),
    removed("carousel_album_saved", "v18.0", "2023-12-11", "saved"),
    removed("carousel_album_video_views", "v18.0", "2023-12-11", "views"),
];

/// Media breakdowns (`mediainsights_breakdown_enum_param`).
pub const MEDIA_BREAKDOWNS: &[&str] = &[
    "action_type",
    "follow_type",
    "story_navigation_action_type",
    "surface_type",
];

/// Periods (`mediainsights_period_enum_param`, `userinsights_period_enum_param`).
pub const PERIODS: &[&str] = &[
    "day",
    "days_28",
    "lifetime",
    "month",
    "total_over_range",
    "week",
];

/// What kind of account metric it is, which decides its periods and `metric_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountMetricKind {
    /// Interactions: `metric_type=total_value`, period `day`.
    Interaction,
    /// `reach`: a time series (day, week, days_28) or a total value.
    Reach,
    /// `follower_count`: a daily time series (the last 30 days; 100+ followers).
    FollowerCount,
    /// `online_followers`: `lifetime`, hourly counts.
    OnlineFollowers,
    /// Demographics: `lifetime`, `total_value`, one of age, city, country, gender.
    Demographics,
    /// Not checked.
    Other,
}

/// What the client knows about an account metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AccountMetric {
    /// The name.
    pub name: &'static str,
    /// Whether it is available.
    pub status: MetricStatus,
    /// Its kind.
    pub kind: AccountMetricKind,
    /// The breakdowns it takes.
    pub breakdowns: &'static [&'static str],
    /// The first Graph API major version that has it.
    pub since_major: Option<u32>,
}

const fn a(
    name: &'static str,
    kind: AccountMetricKind,
    breakdowns: &'static [&'static str],
) -> AccountMetric {
    AccountMetric {
        name,
        status: MetricStatus::Current,
        kind,
        breakdowns,
        since_major: None,
    }
}

const fn a_status(name: &'static str, status: MetricStatus) -> AccountMetric {
    AccountMetric {
        name,
        status,
        kind: AccountMetricKind::Other,
        breakdowns: &[],
        since_major: None,
    }
}

const fn a_removed(
    name: &'static str,
    version: &'static str,
    all_versions: &'static str,
    replacement: &'static str,
) -> AccountMetric {
    a_status(
        name,
        MetricStatus::Removed {
            version,
            all_versions,
            replacement,
        },
    )
}

use AccountMetricKind as K;
const MPT: &[&str] = &["media_product_type"];
const DEMO: &[&str] = &["age", "city", "country", "gender"];

/// Account metrics: every value of `userinsights_metric_enum_param` and
/// `shadowiguserinsights_metric_enum_param` (v25), plus removed names users still send.
pub const ACCOUNT_METRICS: &[AccountMetric] = &[
    a("accounts_engaged", K::Interaction, &[]),
    a("comments", K::Interaction, MPT),
    a("likes", K::Interaction, MPT),
    a("replies", K::Interaction, MPT),
    a("saves", K::Interaction, MPT),
    a("shares", K::Interaction, MPT),
    a("total_interactions", K::Interaction, MPT),
    AccountMetric {
        since_major: Some(22),
        ..a(
            "views",
            K::Interaction,
            &["follow_type", "media_product_type"],
        )
    },
    a(
        "profile_links_taps",
        K::Interaction,
        &["contact_button_type"],
    ),
    a("follows_and_unfollows", K::Interaction, &["follow_type"]),
    a("profile_views", K::Interaction, &[]),
    a("website_clicks", K::Interaction, &[]),
    a("reach", K::Reach, &["media_product_type", "follow_type"]),
    a("follower_count", K::FollowerCount, &[]),
    a("online_followers", K::OnlineFollowers, &[]),
    a("follower_demographics", K::Demographics, DEMO),
    a("engaged_audience_demographics", K::Demographics, DEMO),
    a("reached_audience_demographics", K::Demographics, DEMO),
    a_status("content_views", MetricStatus::Unverified),
    a_status("reposts", MetricStatus::Unverified),
    a_status("quotes", MetricStatus::ThreadsOnly),
    a_status("threads_clicks", MetricStatus::ThreadsOnly),
    a_status("threads_follower_demographics", MetricStatus::ThreadsOnly),
    a_status("threads_followers", MetricStatus::ThreadsOnly),
    a_status("threads_likes", MetricStatus::ThreadsOnly),
    a_status("threads_replies", MetricStatus::ThreadsOnly),
    a_status("threads_reposts", MetricStatus::ThreadsOnly),
    a_status("threads_views", MetricStatus::ThreadsOnly),
    a_removed("impressions", "v22.0", "2025-04-21", "views"),
    a_removed(
        "email_contacts",
        "v21.0",
        "2025-01-08",
        "profile_links_taps",
    ),
    a_removed(
        "get_directions_clicks",
        "v21.0",
        "2025-01-08",
        "profile_links_taps",
    ),
    a_removed(
        "phone_call_clicks",
        "v21.0",
        "2025-01-08",
        "profile_links_taps",
    ),
    a_removed(
        "text_message_clicks",
        "v21.0",
        "2025-01-08",
        "profile_links_taps",
    ),
    a_removed(
        "audience_gender_age",
        "v18.0",
        "2023-12-11",
        "follower_demographics",
    ),
    a_removed(
        "audience_locale",
        "v18.0",
        "2023-12-11",
        "follower_demographics",
    ),
    a_removed(
        "audience_country",
        "v18.0",
        "2023-12-11",
        "follower_demographics",
    ),
    a_removed(
        "audience_city",
        "v18.0",
        "2023-12-11",
        "follower_demographics",
    ),
];

/// Account breakdowns (`userinsights_breakdown_enum_param`).
pub const ACCOUNT_BREAKDOWNS: &[&str] = &[
    "age",
    "city",
    "contact_button_type",
    "country",
    "follow_type",
    "gender",
    "media_product_type",
];

/// `metric_type` values.
pub const METRIC_TYPES: &[&str] = &["default", "time_series", "total_value"];

/// `timeframe` values (demographics).
pub const TIMEFRAMES: &[&str] = &[
    "last_14_days",
    "last_30_days",
    "last_90_days",
    "prev_month",
    "this_month",
    "this_week",
];

/// The note attached to story insights.
pub const STORY_NOTE: &str = "story insights exist only while the story is live (24 hours) and are lost afterwards: read them before it expires, or keep them with the story_insights webhook";
/// The note attached to every report.
pub const LAG_NOTE: &str = "insights can lag up to 48 hours; metrics without data are listed in no_data (no data is not zero)";

fn major(version: &str) -> Option<u32> {
    version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
}

fn split_list(field: &str, s: &str) -> Result<Vec<String>, Error> {
    let items: Vec<String> = s
        .split(',')
        .map(|x| x.trim().to_ascii_lowercase())
        .filter(|x| !x.is_empty())
        .collect();
    if items.is_empty() {
        return Err(Error::invalid_input(field, "at least one name", s));
    }
    Ok(items)
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            format!("one of: {}", allowed.join(", ")),
            value,
        ))
    }
}

fn status_check(
    metric: &str,
    status: MetricStatus,
    since: Option<u32>,
    version: &str,
) -> Result<(), Error> {
    match status {
        MetricStatus::Removed {
            version: v,
            all_versions,
            replacement,
        } => Err(Error::invalid_input(
            "metric",
            format!(
                "a current metric: {metric} was removed in {v} (and on every version since {all_versions}); use {replacement} instead"
            ),
            metric,
        )),
        MetricStatus::ThreadsOnly => Err(Error::invalid_input(
            "metric",
            format!("an Instagram metric: {metric} is a Threads metric"),
            metric,
        )),
        _ => match (since, major(version)) {
            (Some(min), Some(have)) if have < min => Err(Error::invalid_input(
                "metric",
                format!(
                    "a metric of {version}: {metric} needs v{min}.0 or later (set --api-version)"
                ),
                metric,
            )),
            _ => Ok(()),
        },
    }
}

/// A media insights request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MediaInsightsQuery {
    /// Metrics, comma-separated.
    pub metrics: String,
    /// `period` (the platform only has `lifetime` for media; left out when `None`).
    pub period: Option<String>,
    /// `breakdown` (`action_type` for `profile_activity`, `story_navigation_action_type` for
    /// `navigation`).
    pub breakdown: Option<String>,
    /// The media's `media_product_type`, when known (saves a call).
    pub product_type: Option<String>,
}

/// An account insights request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountInsightsQuery {
    /// Metrics, comma-separated.
    pub metrics: String,
    /// `period` (default: `lifetime` for demographics and online_followers, else `day`).
    pub period: Option<String>,
    /// `metric_type`: `time_series` or `total_value` (default: `total_value` when a metric
    /// needs it).
    pub metric_type: Option<String>,
    /// `breakdown`, comma-separated.
    pub breakdown: Option<String>,
    /// `timeframe` (demographics).
    pub timeframe: Option<String>,
    /// Start of the window (unix seconds).
    pub since: Option<i64>,
    /// End of the window (unix seconds).
    pub until: Option<i64>,
}

/// Looks up a media metric.
pub fn media_metric(name: &str) -> Option<&'static MediaMetric> {
    MEDIA_METRICS.iter().find(|m| m.name == name)
}

/// Looks up an account metric.
pub fn account_metric(name: &str) -> Option<&'static AccountMetric> {
    ACCOUNT_METRICS.iter().find(|m| m.name == name)
}

/// Checks a media insights request. `product_type` is the media's `media_product_type` when
/// known; `version` the configured API version.
pub fn check_media_insights(
    q: &MediaInsightsQuery,
    product_type: Option<&str>,
    family: crate::config::LoginFamily,
    version: &str,
) -> Result<Vec<String>, Error> {
    let metrics = split_list("metric", &q.metrics)?;
    let known: Vec<&str> = MEDIA_METRICS
        .iter()
        .filter(|m| matches!(m.status, MetricStatus::Current | MetricStatus::Unverified))
        .map(|m| m.name)
        .collect();
    for name in &metrics {
        let Some(info) = media_metric(name) else {
            return Err(Error::invalid_input(
                "metric",
                format!("one of: {}", known.join(", ")),
                name,
            ));
        };
        status_check(name, info.status, info.since_major, version)?;
        if info.facebook_only && family == crate::config::LoginFamily::Instagram {
            return Err(Error::invalid_input(
                "metric",
                format!(
                    "a metric of Instagram Login: {name} (paid and organic) is offered with Facebook Login only"
                ),
                name,
            ));
        }
        if let Some(pt) = product_type
            && !info.product_types.is_empty()
            && matches!(pt, "FEED" | "REELS" | "STORY")
            && !info.product_types.contains(&pt)
        {
            let valid: Vec<&str> = MEDIA_METRICS
                .iter()
                .filter(|m| m.status == MetricStatus::Current && m.product_types.contains(&pt))
                .map(|m| m.name)
                .collect();
            return Err(Error::invalid_input(
                "metric",
                format!(
                    "a metric of {pt} media: {name} is not offered for {pt}; {pt} has {}",
                    valid.join(", ")
                ),
                name,
            ));
        }
    }
    if let Some(p) = &q.period {
        one_of("period", p, PERIODS)?;
    }
    if let Some(b) = &q.breakdown {
        for b in split_list("breakdown", b)? {
            one_of("breakdown", &b, MEDIA_BREAKDOWNS)?;
            let fits = metrics.iter().all(|name| {
                media_metric(name).is_some_and(|i| {
                    i.breakdowns.contains(&b.as_str())
                        || (i.breakdowns.is_empty()
                            && !matches!(
                                b.as_str(),
                                "action_type" | "story_navigation_action_type"
                            ))
                })
            });
            if !fits {
                return Err(Error::invalid_input(
                    "breakdown",
                    "a breakdown every requested metric takes (action_type: profile_activity; story_navigation_action_type: navigation)",
                    b,
                ));
            }
        }
    }
    Ok(metrics)
}

/// The checked parameters of an account insights request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedAccountQuery {
    /// Metrics.
    pub metrics: Vec<String>,
    /// Period to send.
    pub period: String,
    /// `metric_type` to send.
    pub metric_type: Option<String>,
}

/// Checks an account insights request and fills in `period` and `metric_type`.
pub fn check_account_insights(
    q: &AccountInsightsQuery,
    version: &str,
) -> Result<CheckedAccountQuery, Error> {
    let metrics = split_list("metric", &q.metrics)?;
    let known: Vec<&str> = ACCOUNT_METRICS
        .iter()
        .filter(|m| matches!(m.status, MetricStatus::Current | MetricStatus::Unverified))
        .map(|m| m.name)
        .collect();
    let mut infos = Vec::new();
    for name in &metrics {
        let Some(info) = account_metric(name) else {
            return Err(Error::invalid_input(
                "metric",
                format!("one of: {}", known.join(", ")),
                name,
            ));
        };
        status_check(name, info.status, info.since_major, version)?;
        infos.push(info);
    }
    if let Some(mt) = &q.metric_type {
        one_of("metric_type", mt, METRIC_TYPES)?;
    }
    if let Some(p) = &q.period {
        one_of("period", p, PERIODS)?;
    }
    if let Some(t) = &q.timeframe {
        one_of("timeframe", t, TIMEFRAMES)?;
    }
    if let (Some(s), Some(u)) = (q.since, q.until)
        && s > u
    {
        return Err(Error::invalid_input(
            "since",
            format!("a time before until ({u})"),
            s.to_string(),
        ));
    }
    let needs_total = infos
        .iter()
        .any(|i| matches!(i.kind, K::Interaction | K::Demographics));
    let metric_type = match (q.metric_type.as_deref(), needs_total) {
        (Some(mt), _) => Some(mt.to_owned()),
        (None, true) => Some("total_value".to_owned()),
        (None, false) => None,
    };
    for i in &infos {
        let mt = metric_type.as_deref().unwrap_or("default");
        match i.kind {
            K::Interaction | K::Demographics if mt != "total_value" => {
                let extra = if matches!(i.name, "profile_views" | "website_clicks") {
                    " (as a time series it was removed in v21.0, on every version since 2025-01-08)"
                } else {
                    ""
                };
                return Err(Error::invalid_input(
                    "metric_type",
                    format!("total_value for {}{extra}", i.name),
                    mt,
                ));
            }
            K::FollowerCount | K::OnlineFollowers if mt == "total_value" => {
                let other = infos
                    .iter()
                    .find(|x| matches!(x.kind, K::Interaction | K::Demographics))
                    .map(|x| format!(" (asked together with {}: make two requests)", x.name))
                    .unwrap_or_default();
                return Err(Error::invalid_input(
                    "metric_type",
                    format!("time_series for {}{other}", i.name),
                    mt,
                ));
            }
            _ => {}
        }
    }
    let default_period = if infos
        .iter()
        .all(|i| matches!(i.kind, K::Demographics | K::OnlineFollowers))
    {
        "lifetime"
    } else {
        "day"
    };
    let period = q
        .period
        .clone()
        .unwrap_or_else(|| default_period.to_owned());
    for i in &infos {
        let allowed: &[&str] = match i.kind {
            K::Interaction | K::FollowerCount => &["day"],
            K::Reach => &["day", "week", "days_28"],
            K::OnlineFollowers | K::Demographics => &["lifetime"],
            K::Other => PERIODS,
        };
        if !allowed.contains(&period.as_str()) {
            return Err(Error::invalid_input(
                "period",
                format!("{} for {}", allowed.join(" or "), i.name),
                &period,
            ));
        }
    }
    let breakdowns = match &q.breakdown {
        Some(b) => split_list("breakdown", b)?,
        None => Vec::new(),
    };
    for b in &breakdowns {
        one_of("breakdown", b, ACCOUNT_BREAKDOWNS)?;
        for i in &infos {
            if i.kind != K::Other && !i.breakdowns.contains(&b.as_str()) {
                return Err(Error::invalid_input(
                    "breakdown",
                    if i.breakdowns.is_empty() {
                        format!("no breakdown for {}", i.name)
                    } else {
                        format!("one of {} for {}", i.breakdowns.join(", "), i.name)
                    },
                    b,
                ));
            }
        }
    }
    if let Some(i) = infos.iter().find(|i| i.kind == K::Demographics)
        && breakdowns.is_empty()
    {
        return Err(Error::invalid_input(
            "breakdown",
            format!("one of {} for {}", DEMO.join(", "), i.name),
            "",
        ));
    }
    Ok(CheckedAccountQuery {
        metrics,
        period,
        metric_type,
    })
}

fn report(
    object_id: String,
    requested: &[String],
    resp: InsightsResponse,
    story: bool,
) -> InsightsReport {
    let no_data: Vec<String> = requested
        .iter()
        .filter(|name| !resp.data.iter().any(|m| &m.name == *name && m.has_data()))
        .cloned()
        .collect();
    let mut notes = vec![LAG_NOTE.to_owned()];
    if story {
        notes.push(STORY_NOTE.to_owned());
    }
    InsightsReport {
        object_id,
        metrics: resp.data.into_iter().filter(|m| m.has_data()).collect(),
        no_data,
        notes,
        paging: resp.paging,
    }
}

impl Client {
    /// `GET /{media-id}/insights`: checks the metrics against the media's product type and the
    /// configured version first (reading `media_product_type` when not given).
    pub async fn media_insights(
        &self,
        media: &MediaId,
        q: &MediaInsightsQuery,
    ) -> Result<InsightsReport, Error> {
        MediaId::parse(media.as_str())?;
        let version = self.config().api_version.as_str().to_owned();
        // Everything that can be refused without knowing the product type is refused first.
        check_media_insights(q, None, self.login(), &version)?;
        let product_type = match &q.product_type {
            Some(p) => Some(p.trim().to_ascii_uppercase()),
            None => {
                let m: Media = self
                    .send_json(
                        Request::get(media.as_str())
                            .query("fields", "media_type,media_product_type"),
                    )
                    .await?;
                m.media_product_type
            }
        };
        let metrics = check_media_insights(q, product_type.as_deref(), self.login(), &version)?;
        let mut req = Request::get(format!("{media}/insights")).query("metric", metrics.join(","));
        if let Some(p) = &q.period {
            req = req.query("period", p);
        }
        if let Some(b) = &q.breakdown {
            req = req.query("breakdown", b);
        }
        let resp: InsightsResponse = self.send_json(req).await?;
        Ok(report(
            media.to_string(),
            &metrics,
            resp,
            product_type.as_deref() == Some("STORY"),
        ))
    }

    /// `GET /{ig-user-id}/insights` (Instagram Login: `/me/insights`).
    pub async fn account_insights(
        &self,
        q: &AccountInsightsQuery,
    ) -> Result<InsightsReport, Error> {
        let version = self.config().api_version.as_str().to_owned();
        let checked = check_account_insights(q, &version)?;
        let node = self.account_node()?;
        let mut req = Request::get(format!("{node}/insights"))
            .query("metric", checked.metrics.join(","))
            .query("period", &checked.period);
        if let Some(mt) = &checked.metric_type {
            req = req.query("metric_type", mt);
        }
        if let Some(b) = &q.breakdown {
            req = req.query("breakdown", b);
        }
        if let Some(t) = &q.timeframe {
            req = req.query("timeframe", t);
        }
        if let Some(s) = q.since {
            req = req.query("since", s.to_string());
        }
        if let Some(u) = q.until {
            req = req.query("until", u.to_string());
        }
        let resp: InsightsResponse = self.send_json(req).await?;
        Ok(report(node, &checked.metrics, resp, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LoginFamily::{Facebook, Instagram};

    fn mq(metrics: &str) -> MediaInsightsQuery {
        MediaInsightsQuery {
            metrics: metrics.into(),
            ..Default::default()
        }
    }

    #[test]
    fn deprecated_media_metrics_name_the_replacement() {
        for old in ["impressions", "plays", "video_views", "clips_replays_count"] {
            let e = check_media_insights(&mq(&format!("reach,{old}")), None, Facebook, "v25.0")
                .unwrap_err()
                .to_string();
            assert!(e.contains(old) && e.contains("use views"), "{e}");
        }
        let e = check_media_insights(&mq("taps_forward"), None, Facebook, "v25.0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("navigation"), "{e}");
    }

    #[test]
    fn product_type_and_version_rules() {
        assert!(
            check_media_insights(&mq("reach,saved,views"), Some("REELS"), Facebook, "v25.0")
                .is_ok()
        );
        let e = check_media_insights(&mq("replies"), Some("REELS"), Facebook, "v25.0")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not offered for REELS") && e.contains("ig_reels_avg_watch_time"),
            "{e}"
        );
        assert!(check_media_insights(&mq("navigation"), Some("STORY"), Facebook, "v25.0").is_ok());
        let e = check_media_insights(&mq("views"), Some("FEED"), Facebook, "v21.0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("v22.0"), "{e}");
        assert!(check_media_insights(&mq("total_likes"), None, Instagram, "v25.0").is_err());
        assert!(check_media_insights(&mq("threads_views"), None, Facebook, "v25.0").is_err());
        assert!(check_media_insights(&mq("bogus"), None, Facebook, "v25.0").is_err());
        let with_b = MediaInsightsQuery {
            breakdown: Some("action_type".into()),
            ..mq("profile_activity")
        };
        assert!(check_media_insights(&with_b, Some("FEED"), Facebook, "v25.0").is_ok());
        let bad_b = MediaInsightsQuery {
            breakdown: Some("action_type".into()),
            ..mq("reach")
        };
        assert!(check_media_insights(&bad_b, Some("FEED"), Facebook, "v25.0").is_err());
    }

    #[test]
    fn account_rules_fill_in_and_refuse() {
        let q = AccountInsightsQuery {
            metrics: "likes,reach".into(),
            ..Default::default()
        };
        let c = check_account_insights(&q, "v25.0").unwrap();
        assert_eq!(
            (c.period.as_str(), c.metric_type.as_deref()),
            ("day", Some("total_value"))
        );
        let q = AccountInsightsQuery {
            metrics: "follower_count,likes".into(),
            ..Default::default()
        };
        let e = check_account_insights(&q, "v25.0").unwrap_err().to_string();
        assert!(e.contains("two requests"), "{e}");
        let q = AccountInsightsQuery {
            metrics: "impressions".into(),
            ..Default::default()
        };
        assert!(
            check_account_insights(&q, "v25.0")
                .unwrap_err()
                .to_string()
                .contains("views")
        );
        let q = AccountInsightsQuery {
            metrics: "follower_demographics".into(),
            ..Default::default()
        };
        assert!(
            check_account_insights(&q, "v25.0").is_err(),
            "needs a breakdown"
        );
        let q = AccountInsightsQuery {
            metrics: "follower_demographics".into(),
            breakdown: Some("age".into()),
            timeframe: Some("this_month".into()),
            ..Default::default()
        };
        let c = check_account_insights(&q, "v25.0").unwrap();
        assert_eq!(c.period, "lifetime");
        let q = AccountInsightsQuery {
            metrics: "website_clicks".into(),
            metric_type: Some("time_series".into()),
            ..Default::default()
        };
        assert!(
            check_account_insights(&q, "v25.0")
                .unwrap_err()
                .to_string()
                .contains("v21.0")
        );
        let q = AccountInsightsQuery {
            metrics: "reach".into(),
            period: Some("week".into()),
            ..Default::default()
        };
        assert!(check_account_insights(&q, "v25.0").is_ok());
        let q = AccountInsightsQuery {
            metrics: "follower_count".into(),
            period: Some("week".into()),
            ..Default::default()
        };
        assert!(check_account_insights(&q, "v25.0").is_err());
    }
}
