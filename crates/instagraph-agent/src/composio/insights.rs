//! Insights of a media and of the account. The client checks every metric against the media's
//! product type, the API version and the platform's deprecations before the network; the
//! metrics Composio documents as "filtered out" (impressions, plays, video_views, ...) are
//! dropped here with a note in the result (`dropped_metrics`, `notes`), never silently.

use instagraph::Client;
use instagraph::fields::FieldSet;
use instagraph::ids::MediaId;
use instagraph::models::InsightsReport;
use instagraph::ops::insights::{
    AccountInsightsQuery, MediaInsightsQuery, MetricStatus, account_metric, media_metric,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::params::{StringList, opt_id, opt_text, opt_time};
use super::{as_param, data, invalid};
use crate::action::{Action, ActionContext, ActionError, Effect};

pub(super) fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "INSTAGRAM_GET_IG_MEDIA_INSIGHTS",
            Effect::Read,
            "Get insights of a media (photo, video, reel, carousel, story): views, reach, likes, \
             comments, saved, shares, total_interactions, and reel/story metrics. Metrics are \
             checked against the media's product type before the request. Deprecated metrics \
             (impressions, plays, video_views, clips_replays_count, \
             ig_reels_aggregated_all_plays_count, taps_forward, taps_back, exits) are dropped \
             and listed in dropped_metrics. Metrics without data are listed in no_data (no data \
             is not zero); data can lag up to 48 hours; carousel children have no insights.",
            get_ig_media_insights,
        )
        .native("instagraph insights media MEDIA_ID --metric reach,saved,views"),
        Action::new(
            "INSTAGRAM_GET_POST_INSIGHTS",
            Effect::Read,
            "DEPRECATED: Use INSTAGRAM_GET_IG_MEDIA_INSIGHTS instead. Get a post's insights, \
             from a metric list or a preset (auto_safe by default: chosen from the post's media \
             type). Deprecated metrics (impressions, plays, video_views, ...) are dropped and \
             listed in dropped_metrics; 'engagement' is not a metric (use total_interactions).",
            get_post_insights,
        )
        .deprecated_for("INSTAGRAM_GET_IG_MEDIA_INSIGHTS")
        .native("instagraph insights media MEDIA_ID --metric reach,likes,comments,saved,shares"),
        Action::new(
            "INSTAGRAM_GET_USER_INSIGHTS",
            Effect::Read,
            "Get account-level insights: reach, follower_count, online_followers, \
             accounts_engaged, total_interactions, likes, comments, shares, saves, replies, \
             follows_and_unfollows, profile_links_taps, views, and audience demographics. \
             Interaction metrics use metric_type=total_value (set automatically); breakdown only \
             with total_value; demographics need period=lifetime, a breakdown and (for engaged/ \
             reached audience) a timeframe. Removed metrics (impressions, email_contacts, \
             phone_call_clicks, text_message_clicks, get_directions_clicks) are dropped and \
             listed in dropped_metrics. Times are UTC.",
            get_user_insights,
        )
        .native("instagraph insights account --metric reach,accounts_engaged"),
    ]
}

/// Media metrics Composio drops instead of failing on (all removed by the platform).
const DROPPED_MEDIA_METRICS: &[&str] = &[
    "impressions",
    "plays",
    "video_views",
    "clips_replays_count",
    "ig_reels_aggregated_all_plays_count",
    "taps_forward",
    "taps_back",
    "exits",
];

/// What was dropped, and the notes saying why.
#[derive(Default)]
struct Dropped {
    names: Vec<String>,
    notes: Vec<String>,
}

fn removal_note(name: &str, status: MetricStatus) -> Option<String> {
    match status {
        MetricStatus::Removed {
            version,
            all_versions,
            replacement,
        } => Some(format!(
            "{name} was removed in {version} (on every version since {all_versions}) and was left out: use {replacement} instead"
        )),
        _ => None,
    }
}

/// Splits `metrics` into those to send and those dropped as deprecated.
fn drop_media_metrics(metrics: &[String]) -> (Vec<String>, Dropped) {
    let mut keep = Vec::new();
    let mut dropped = Dropped::default();
    for m in metrics {
        let name = m.trim().to_ascii_lowercase();
        if name.is_empty() || keep.contains(&name) {
            continue;
        }
        let note = DROPPED_MEDIA_METRICS
            .contains(&name.as_str())
            .then(|| media_metric(&name).and_then(|i| removal_note(&name, i.status)))
            .flatten();
        match note {
            Some(n) => {
                dropped.names.push(name);
                dropped.notes.push(n);
            }
            None => keep.push(name),
        }
    }
    (keep, dropped)
}

/// Splits account metrics into those to send and those the platform removed.
fn drop_account_metrics(metrics: &[String]) -> (Vec<String>, Dropped) {
    let mut keep = Vec::new();
    let mut dropped = Dropped::default();
    for m in metrics {
        let name = m.trim().to_ascii_lowercase();
        if name.is_empty() || keep.contains(&name) {
            continue;
        }
        match account_metric(&name).and_then(|i| removal_note(&name, i.status)) {
            Some(n) => {
                dropped.names.push(name);
                dropped.notes.push(n);
            }
            None => keep.push(name),
        }
    }
    (keep, dropped)
}

fn nothing_left(dropped: &Dropped) -> ActionError {
    invalid(format!(
        "metric: every requested metric has been removed by the platform ({})",
        dropped.notes.join("; ")
    ))
}

/// The report in the Graph API's shape (`data` = the metrics), with our additions.
fn report_value(report: InsightsReport, dropped: Dropped) -> Result<Value, ActionError> {
    let mut notes = report.notes.clone();
    notes.extend(dropped.notes);
    let mut v = json!({
        "data": data(&report.metrics)?,
        "id": report.object_id,
        "no_data": report.no_data,
        "notes": notes,
    });
    if let Some(p) = &report.paging {
        v["paging"] = data(p)?;
    }
    if !dropped.names.is_empty() {
        v["dropped_metrics"] = json!(dropped.names);
    }
    Ok(v)
}

/// Parameters of INSTAGRAM_GET_IG_MEDIA_INSIGHTS.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgMediaInsights {
    /// The media (photo, video, reel, carousel album, story).
    #[serde(deserialize_with = "super::params::id")]
    pub ig_media_id: String,
    /// Metrics, as an array or comma-separated: views, reach, saved, likes, comments, shares,
    /// total_interactions, follows, profile_visits, profile_activity; reels:
    /// ig_reels_video_view_total_time, ig_reels_avg_watch_time, reels_skip_rate,
    /// facebook_views, crossposted_views; stories: replies, navigation, follows,
    /// profile_visits. Deprecated and dropped: impressions, plays, video_views,
    /// clips_replays_count, ig_reels_aggregated_all_plays_count (use views), taps_forward,
    /// taps_back, exits (use navigation). Not metrics: clicks, engagement.
    pub metric: StringList,
    /// Aggregation period; media insights are lifetime (the default).
    #[serde(default, deserialize_with = "opt_text")]
    pub period: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one. views
    /// needs v22.0 or later.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn media_insights(
    client: &Client,
    id: &MediaId,
    metrics: &[String],
    period: Option<String>,
    product_type: Option<String>,
) -> Result<Value, ActionError> {
    let (keep, dropped) = drop_media_metrics(metrics);
    if keep.is_empty() {
        if dropped.names.is_empty() {
            return Err(invalid("metric: at least one metric is required"));
        }
        return Err(nothing_left(&dropped));
    }
    let q = MediaInsightsQuery {
        metrics: keep.join(","),
        period,
        breakdown: None,
        product_type,
    };
    let report = client.media_insights(id, &q).await?;
    report_value(report, dropped)
}

async fn get_ig_media_insights(
    ctx: ActionContext,
    p: GetIgMediaInsights,
) -> Result<Value, ActionError> {
    let id = MediaId::parse(&p.ig_media_id).map_err(|e| as_param(e, "ig_media_id"))?;
    if p.metric.is_empty() {
        return Err(invalid("metric: at least one metric is required"));
    }
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    media_insights(&client, &id, p.metric.items(), p.period, None).await
}

/// Metric sets of INSTAGRAM_GET_POST_INSIGHTS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricPreset {
    /// Chosen from the post's media_type and media_product_type (one extra read).
    AutoSafe,
    /// reach, likes, comments, saved, shares (+ views on v22.0 or later).
    ImageBasic,
    /// reach, likes, comments, saved, shares (+ views; plays is gone).
    VideoBasic,
    /// reach, likes, comments, saved, shares, total_interactions (+ views).
    ReelBasic,
    /// reach, likes, comments, saved, shares (+ views).
    CarouselBasic,
}

/// Parameters of INSTAGRAM_GET_POST_INSIGHTS (deprecated).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetPostInsights {
    /// The numeric media id (not the shortcode of an instagram.com/p/ URL).
    #[serde(deserialize_with = "super::params::id")]
    pub ig_post_id: String,
    /// Metrics (array or comma-separated). IMAGE/CAROUSEL: reach, likes, comments, saved,
    /// shares; REELS: also total_interactions, views, ig_reels_video_view_total_time,
    /// ig_reels_avg_watch_time, reels_skip_rate; stories: reach, replies, navigation.
    /// Deprecated names (impressions, plays, video_views, clips_replays_count,
    /// ig_reels_aggregated_all_plays_count, taps_forward, taps_back, exits) are dropped.
    /// When absent, metric_preset (default auto_safe) decides.
    #[serde(default)]
    pub metric: StringList,
    /// A predefined metric set that fits the media type, used when metric is absent.
    #[serde(default)]
    pub metric_preset: Option<MetricPreset>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

fn version_major(client: &Client) -> u32 {
    client
        .config()
        .api_version
        .as_str()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(25)
}

fn preset_metrics(preset: MetricPreset, with_views: bool) -> Vec<String> {
    let mut m: Vec<&str> = vec!["reach", "likes", "comments", "saved", "shares"];
    if preset == MetricPreset::ReelBasic {
        m.push("total_interactions");
    }
    if with_views {
        m.push("views");
    }
    m.into_iter().map(str::to_owned).collect()
}

async fn get_post_insights(ctx: ActionContext, p: GetPostInsights) -> Result<Value, ActionError> {
    let id = MediaId::parse(&p.ig_post_id).map_err(|e| as_param(e, "ig_post_id"))?;
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    if !p.metric.is_empty() {
        return media_insights(&client, &id, p.metric.items(), None, None).await;
    }
    let views = version_major(&client) >= 22;
    match p.metric_preset.unwrap_or(MetricPreset::AutoSafe) {
        MetricPreset::AutoSafe => {
            let m = client
                .media(&id, &FieldSet::parse("media_type,media_product_type"))
                .await?;
            let product = m.media_product_type.clone().unwrap_or_default();
            let metrics: Vec<String> = match (product.as_str(), m.media_type.as_deref()) {
                ("STORY", _) => {
                    let mut s = vec!["reach", "replies", "shares", "total_interactions"];
                    if views {
                        s.push("views");
                    }
                    s.into_iter().map(str::to_owned).collect()
                }
                ("REELS", _) => preset_metrics(MetricPreset::ReelBasic, views),
                (_, Some("VIDEO")) => preset_metrics(MetricPreset::VideoBasic, views),
                (_, Some("CAROUSEL_ALBUM")) => preset_metrics(MetricPreset::CarouselBasic, views),
                ("FEED", _) => preset_metrics(MetricPreset::ImageBasic, views),
                _ => vec!["reach".to_owned()],
            };
            let product = (!product.is_empty()).then_some(product);
            media_insights(&client, &id, &metrics, None, product).await
        }
        preset => media_insights(&client, &id, &preset_metrics(preset, views), None, None).await,
    }
}

/// Parameters of INSTAGRAM_GET_USER_INSIGHTS.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetUserInsights {
    /// Instagram Business Account ID (numeric), or "me" (the default).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// Metrics (array or comma-separated; all must support the same period). Core: reach,
    /// follower_count, online_followers. Engagement: accounts_engaged, total_interactions,
    /// likes, comments, shares, saves, replies. Activity: follows_and_unfollows,
    /// profile_links_taps, views. Demographics (period lifetime, a breakdown, and timeframe
    /// for engaged/reached audience): engaged_audience_demographics,
    /// reached_audience_demographics, follower_demographics. Removed (dropped): impressions,
    /// email_contacts, phone_call_clicks, text_message_clicks, get_directions_clicks.
    /// Default: reach,accounts_engaged,total_interactions (reach with metric_type time_series).
    #[serde(default)]
    pub metric: StringList,
    /// day, week, days_28 or lifetime (default: lifetime for demographics and
    /// online_followers, else day).
    #[serde(default, deserialize_with = "opt_text")]
    pub period: Option<String>,
    /// time_series or total_value; total_value returns a total_value object instead of values
    /// (set automatically for interaction metrics).
    #[serde(default, deserialize_with = "opt_text")]
    pub metric_type: Option<String>,
    /// With metric_type=total_value only, for the metrics that support it: contact_button_type,
    /// follow_type, media_product_type, age, city, country, gender.
    #[serde(default, deserialize_with = "opt_text")]
    pub breakdown: Option<String>,
    /// Demographics only: this_week or this_month (last_14_days, last_30_days, last_90_days
    /// and prev_month are deprecated). Overrides since/until for those metrics;
    /// follower_demographics takes none.
    #[serde(default, deserialize_with = "opt_text")]
    pub timeframe: Option<String>,
    /// Start of the range (inclusive): unix seconds, or a date (YYYY-MM-DD) or ISO 8601 time.
    #[serde(default, deserialize_with = "opt_time")]
    pub since: Option<i64>,
    /// End of the range (inclusive): unix seconds, or a date (YYYY-MM-DD) or ISO 8601 time.
    #[serde(default, deserialize_with = "opt_time")]
    pub until: Option<i64>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_user_insights(ctx: ActionContext, p: GetUserInsights) -> Result<Value, ActionError> {
    if let Some(t) = &p.timeframe
        && !matches!(t.as_str(), "this_week" | "this_month")
    {
        return Err(invalid(format!(
            "timeframe: expected this_week or this_month (last_14_days, last_30_days, last_90_days and prev_month are deprecated), got {t:?}"
        )));
    }
    let metrics: Vec<String> = if p.metric.is_empty() {
        let default = if p.metric_type.as_deref() == Some("time_series") {
            "reach"
        } else {
            "reach,accounts_engaged,total_interactions"
        };
        default.split(',').map(str::to_owned).collect()
    } else {
        p.metric.items().to_vec()
    };
    let (keep, dropped) = drop_account_metrics(&metrics);
    if keep.is_empty() {
        return Err(nothing_left(&dropped));
    }
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let q = AccountInsightsQuery {
        metrics: keep.join(","),
        period: p.period,
        metric_type: p.metric_type,
        breakdown: p.breakdown,
        timeframe: p.timeframe,
        since: p.since,
        until: p.until,
    };
    let report = client.account_insights(&q).await?;
    report_value(report, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecated_media_metrics_are_dropped_with_a_note() {
        let (keep, dropped) =
            drop_media_metrics(&["reach".into(), "impressions".into(), "plays".into()]);
        assert_eq!(keep, ["reach"]);
        assert_eq!(dropped.names, ["impressions", "plays"]);
        assert!(
            dropped.notes[0].contains("use views"),
            "{:?}",
            dropped.notes
        );
        // 'engagement' is not dropped: the client refuses it, naming total_interactions.
        let (keep, _) = drop_media_metrics(&["engagement".into()]);
        assert_eq!(keep, ["engagement"]);
        let (keep, dropped) = drop_account_metrics(&["reach".into(), "impressions".into()]);
        assert_eq!(keep, ["reach"]);
        assert_eq!(dropped.names, ["impressions"]);
    }
}
