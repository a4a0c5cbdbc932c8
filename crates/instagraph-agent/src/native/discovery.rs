//! Looking outward and measuring: hashtags (with the 30-per-7-days budget), business
//! discovery, insights (with the metric rules), and Instagram Shopping.
//!
//! The enums in the insights schemas (metrics, periods, breakdowns, metric types, timeframes)
//! are generated from the client's own tables, so the agent sees exactly what the client
//! accepts.

use instagraph::LoginFamily;
use instagraph::fields::FieldSet;
use instagraph::ids::{HashtagId, MediaId};
use instagraph::ops::discovery::DiscoveryQuery;
use instagraph::ops::insights::{
    ACCOUNT_BREAKDOWNS, ACCOUNT_METRICS, AccountInsightsQuery, MEDIA_BREAKDOWNS, MEDIA_METRICS,
    METRIC_TYPES, MediaInsightsQuery, MetricStatus, PERIODS, TIMEFRAMES,
};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde_json::{Value, json};

use super::util::{When, list_query, parse_when, to_json};
use crate::action::{Action, ActionContext, ActionError, Effect};

/// The hashtag budget rule.
macro_rules! hashtag_rule {
    () => {
        " Facebook Login only (the app needs Instagram Public Content Access). Budget: at most \
         30 unique hashtags per account in a rolling 7 days; searching a hashtag already \
         counted is free and does not restart its window; a search that would exceed the \
         budget is refused before anything is sent, saying when a slot frees (see \
         hashtag_budget). Hashtag ids never change: keep them."
    };
}

/// The discovery, insights and shopping tools.
pub fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "hashtag_search",
            Effect::Read,
            concat!(
                "A hashtag's id by name (with or without #; letters, digits and underscores: \
                 no spaces, punctuation or emojis). Counts against the hashtag budget unless \
                 already counted.",
                hashtag_rule!()
            ),
            hashtag_search,
        )
        .native("instagraph hashtags search"),
        Action::new(
            "hashtag_media",
            Effect::Read,
            concat!(
                "Media with a hashtag: `top` (the most popular) or `recent` (only the last 24 \
                 hours). Give hashtag_id (free) or hashtag (a name: searched first, which may \
                 count against the budget). Page size 1 to 50; other accounts' media come \
                 without username or owner, and cannot be commented on.",
                hashtag_rule!()
            ),
            hashtag_media,
        )
        .native("instagraph hashtags top|recent"),
        Action::new(
            "hashtag_budget",
            Effect::Read,
            "The hashtag budget: unique hashtags searched in the rolling 7 days (counted \
             locally; 30 at most), which ones, and when the next slot frees once it is spent; \
             on Facebook Login also the platform's own list (recently_searched_hashtags).",
            hashtag_budget,
        )
        .native("instagraph hashtags budget"),
        Action::new(
            "business_discovery",
            Effect::Read,
            "Another business or creator account's public profile (followers_count, \
             media_count, biography, ...) and, with media=true, a page of its media, by \
             username (Facebook Login). Private, personal and age-gated accounts cannot be \
             discovered. Media page size 1 to 100; pass media.paging.cursors.after as `after` \
             for the next page.",
            business_discovery,
        )
        .native("instagraph discover"),
        Action::new(
            "media_insights",
            Effect::Read,
            "A media's insights. Metrics by media_product_type: FEED (images, carousels): \
             comments, follows, likes, profile_activity (breakdown action_type), \
             profile_visits, reach, saved, shares, total_interactions, views; REELS: comments, \
             likes, reach, saved, shares, total_interactions, views, ig_reels_avg_watch_time, \
             ig_reels_video_view_total_time (ms), reels_skip_rate; STORY: follows, navigation \
             (breakdown story_navigation_action_type), profile_activity, profile_visits, reach, \
             replies, shares, total_interactions, views. Removed metrics are refused with their \
             replacement: impressions, plays, clips_replays_count, \
             ig_reels_aggregated_all_plays_count and video_views -> views; taps_forward, \
             taps_back, exits -> navigation; engagement -> total_interactions. views needs \
             v22.0 or later. Carousel children have no insights. Story insights exist only \
             while the story is live (24 hours). Data can lag up to 48 hours; metrics without \
             data are listed in no_data (no data is not zero).",
            media_insights,
        )
        .native("instagraph insights media"),
        Action::new(
            "account_insights",
            Effect::Read,
            "The account's insights. Interaction metrics (accounts_engaged, comments, likes, \
             replies, saves, shares, total_interactions, views, profile_links_taps, \
             follows_and_unfollows, profile_views, website_clicks) are totals \
             (metric_type=total_value is added when left out) with period day; reach is a time \
             series (day, week, days_28) or a total; follower_count is a daily series of the \
             last 30 days (accounts with 100+ followers); online_followers is lifetime; \
             follower_demographics, engaged_audience_demographics and \
             reached_audience_demographics take period lifetime, a timeframe and one breakdown \
             (age, city, country, gender). Removed: impressions -> views; email_contacts, \
             get_directions_clicks, phone_call_clicks, text_message_clicks -> \
             profile_links_taps; audience_* -> follower_demographics. since/until bound time \
             series (about 30 days at most). Data can lag up to 48 hours; no data is not zero.",
            account_insights,
        )
        .native("instagraph insights account"),
        Action::new(
            "list_catalogs",
            Effect::Read,
            "The product catalogs the account can tag products from (Facebook Login; accounts \
             approved for Instagram Shopping).",
            list_catalogs,
        )
        .native("instagraph shopping catalogs"),
        Action::new(
            "search_catalog_products",
            Effect::Read,
            "Products of a catalog the account can tag (Facebook Login), optionally only those \
             whose name contains `query`; their product ids go into a photo's product_tags in \
             publish_post.",
            search_catalog_products,
        )
        .native("instagraph shopping products"),
        Action::new(
            "product_appeal_status",
            Effect::Read,
            "A product's review state for Instagram Shopping and whether a rejection can be \
             appealed (Facebook Login).",
            product_appeal_status,
        )
        .native("instagraph shopping appeal"),
        Action::new(
            "appeal_product",
            Effect::Write,
            "Appeal the rejection of a product for Instagram Shopping with a reason (1 to 1000 \
             characters; Facebook Login). A product can be appealed once.",
            appeal_product,
        )
        .native("instagraph shopping appeal --reason"),
    ]
}

// ---- schemas from the client's tables ---------------------------------------------------------

/// How a list of names is taken: a list, or one optional name.
#[derive(Clone, Copy)]
enum Shape {
    List,
    Optional,
}

fn names_schema(names: Vec<&'static str>, shape: Shape) -> Schema {
    match shape {
        Shape::List => {
            json_schema!({ "type": "array", "items": { "type": "string", "enum": names } })
        }
        Shape::Optional => {
            let mut values: Vec<Value> = names.into_iter().map(Value::from).collect();
            values.push(Value::Null);
            json_schema!({ "type": ["string", "null"], "enum": values })
        }
    }
}

fn current_media_metrics(_: &mut SchemaGenerator) -> Schema {
    names_schema(
        MEDIA_METRICS
            .iter()
            .filter(|m| matches!(m.status, MetricStatus::Current | MetricStatus::Unverified))
            .map(|m| m.name)
            .collect(),
        Shape::List,
    )
}

fn current_account_metrics(_: &mut SchemaGenerator) -> Schema {
    names_schema(
        ACCOUNT_METRICS
            .iter()
            .filter(|m| matches!(m.status, MetricStatus::Current | MetricStatus::Unverified))
            .map(|m| m.name)
            .collect(),
        Shape::List,
    )
}

fn periods(_: &mut SchemaGenerator) -> Schema {
    names_schema(PERIODS.to_vec(), Shape::Optional)
}

fn media_breakdowns(_: &mut SchemaGenerator) -> Schema {
    names_schema(MEDIA_BREAKDOWNS.to_vec(), Shape::Optional)
}

fn account_breakdowns(_: &mut SchemaGenerator) -> Schema {
    names_schema(ACCOUNT_BREAKDOWNS.to_vec(), Shape::List)
}

fn metric_types(_: &mut SchemaGenerator) -> Schema {
    names_schema(METRIC_TYPES.to_vec(), Shape::Optional)
}

fn timeframes(_: &mut SchemaGenerator) -> Schema {
    names_schema(TIMEFRAMES.to_vec(), Shape::Optional)
}

fn product_types(_: &mut SchemaGenerator) -> Schema {
    names_schema(vec!["FEED", "REELS", "STORY"], Shape::Optional)
}

/// A comma-separated list from list items that may themselves hold commas.
fn joined(field: &str, items: &[String]) -> Result<String, ActionError> {
    let parts: Vec<&str> = items
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(ActionError::InvalidParams(format!(
            "{field}: at least one name"
        )));
    }
    Ok(parts.join(","))
}

// ---- hashtags ---------------------------------------------------------------------------------

/// Parameters of hashtag_search.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HashtagSearch {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The hashtag, with or without `#` (letters, digits, underscores).
    pub hashtag: String,
}

async fn hashtag_search(ctx: ActionContext, p: HashtagSearch) -> Result<Value, ActionError> {
    instagraph::ops::hashtags::normalize_hashtag(&p.hashtag)?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let h = client.hashtag_search(&p.hashtag).await?;
    let budget = client.hashtag_budget();
    Ok(json!({ "id": h.id, "name": h.name, "budget": to_json(&budget)? }))
}

/// Which media of a hashtag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HashtagEdge {
    /// The most popular media.
    Top,
    /// Media from the last 24 hours.
    Recent,
}

/// Parameters of hashtag_media.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HashtagMedia {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The hashtag id (from hashtag_search; costs nothing from the budget).
    #[serde(default)]
    pub hashtag_id: Option<HashtagId>,
    /// Or the hashtag's name (searched first; may count against the budget).
    #[serde(default)]
    pub hashtag: Option<String>,
    /// top (default) or recent (last 24 hours).
    #[serde(default)]
    pub edge: Option<HashtagEdge>,
    /// Comma-separated fields (id, caption, media_type, media_url, permalink, timestamp,
    /// like_count, comments_count, children{...}).
    #[serde(default)]
    pub fields: Option<String>,
    /// Page size: 1 to 50.
    #[serde(default)]
    pub limit: Option<u32>,
    /// The next page: paging.cursors.after of the previous answer.
    #[serde(default)]
    pub after: Option<String>,
}

async fn hashtag_media(ctx: ActionContext, p: HashtagMedia) -> Result<Value, ActionError> {
    if let Some(name) = &p.hashtag {
        instagraph::ops::hashtags::normalize_hashtag(name)?;
    }
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let id = match (p.hashtag_id, &p.hashtag) {
        (Some(id), None) => id,
        (None, Some(name)) => client.hashtag_search(name).await?.id,
        _ => {
            return Err(ActionError::InvalidParams(
                "give exactly one of hashtag_id and hashtag (a name)".into(),
            ));
        }
    };
    let q = list_query(
        p.fields.as_deref(),
        p.limit,
        None,
        None,
        p.after,
        None,
        client.now_ms(),
    )?;
    let page = match p.edge.unwrap_or(HashtagEdge::Top) {
        HashtagEdge::Top => client.hashtag_top_media(&id, &q).await?,
        HashtagEdge::Recent => client.hashtag_recent_media(&id, &q).await?,
    };
    let mut v = to_json(&page)?;
    v["hashtag_id"] = json!(id);
    Ok(v)
}

/// Parameters of hashtag_budget.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HashtagBudgetParams {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
}

async fn hashtag_budget(ctx: ActionContext, p: HashtagBudgetParams) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let mut v = to_json(&client.hashtag_budget())?;
    if client.login() == LoginFamily::Facebook {
        v["recently_searched"] = to_json(&client.recently_searched_hashtags().await?)?;
    }
    Ok(v)
}

// ---- business discovery -----------------------------------------------------------------------

/// Parameters of business_discovery.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessDiscovery {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The other account's username (1 to 30 letters, digits, '.' or '_'; a leading @ is
    /// dropped).
    pub username: String,
    /// Comma-separated profile fields, or `all`.
    #[serde(default)]
    pub fields: Option<String>,
    /// Also read a page of its media.
    #[serde(default)]
    pub media: bool,
    /// Comma-separated media fields, or `all`.
    #[serde(default)]
    pub media_fields: Option<String>,
    /// Media page size: 1 to 100.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Media after this cursor (media.paging.cursors.after of the previous answer).
    #[serde(default)]
    pub after: Option<String>,
    /// Media before this cursor.
    #[serde(default)]
    pub before: Option<String>,
}

async fn business_discovery(
    ctx: ActionContext,
    p: BusinessDiscovery,
) -> Result<Value, ActionError> {
    instagraph::ops::discovery::check_username(&p.username)?;
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let q = DiscoveryQuery {
        fields: FieldSet::from_option(p.fields.as_deref()),
        media: p.media || p.after.is_some() || p.before.is_some() || p.limit.is_some(),
        media_fields: FieldSet::from_option(p.media_fields.as_deref()),
        limit: p.limit,
        after: p.after,
        before: p.before,
    };
    to_json(&client.business_discovery(&p.username, &q).await?)
}

// ---- insights ---------------------------------------------------------------------------------

/// Parameters of media_insights.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaInsights {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The media id (not a carousel child).
    pub media_id: MediaId,
    /// The metrics (current ones only; see the description for which apply to which media).
    #[schemars(schema_with = "current_media_metrics")]
    pub metrics: Vec<String>,
    /// The period (media insights are lifetime; usually left out).
    #[serde(default)]
    #[schemars(schema_with = "periods")]
    pub period: Option<String>,
    /// A breakdown: action_type for profile_activity, story_navigation_action_type for
    /// navigation.
    #[serde(default)]
    #[schemars(schema_with = "media_breakdowns")]
    pub breakdown: Option<String>,
    /// The media's media_product_type when known (FEED, REELS, STORY): saves a call.
    #[serde(default)]
    #[schemars(schema_with = "product_types")]
    pub product_type: Option<String>,
}

async fn media_insights(ctx: ActionContext, p: MediaInsights) -> Result<Value, ActionError> {
    let q = MediaInsightsQuery {
        metrics: joined("metrics", &p.metrics)?,
        period: p.period,
        breakdown: p.breakdown,
        product_type: p.product_type.map(|t| t.trim().to_ascii_uppercase()),
    };
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    to_json(&client.media_insights(&p.media_id, &q).await?)
}

/// Parameters of account_insights.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInsights {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The metrics (current ones only; see the description for their periods).
    #[schemars(schema_with = "current_account_metrics")]
    pub metrics: Vec<String>,
    /// The period (default: lifetime for demographics and online_followers, else day).
    #[serde(default)]
    #[schemars(schema_with = "periods")]
    pub period: Option<String>,
    /// time_series or total_value (default: total_value when a metric needs it).
    #[serde(default)]
    #[schemars(schema_with = "metric_types")]
    pub metric_type: Option<String>,
    /// Breakdowns (demographics take exactly one of age, city, country, gender).
    #[serde(default)]
    #[schemars(schema_with = "account_breakdowns")]
    pub breakdown: Vec<String>,
    /// The timeframe of demographics.
    #[serde(default)]
    #[schemars(schema_with = "timeframes")]
    pub timeframe: Option<String>,
    /// Start of the window (unix seconds, RFC 3339, or -7d).
    #[serde(default)]
    pub since: Option<When>,
    /// End of the window (same forms).
    #[serde(default)]
    pub until: Option<When>,
}

async fn account_insights(ctx: ActionContext, p: AccountInsights) -> Result<Value, ActionError> {
    let metrics = joined("metrics", &p.metrics)?;
    let breakdown = if p.breakdown.is_empty() {
        None
    } else {
        Some(joined("breakdown", &p.breakdown)?)
    };
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    let now = client.now_ms();
    let secs = |field: &str, w: &Option<When>| -> Result<Option<i64>, ActionError> {
        w.as_ref()
            .map(|w| parse_when(field, w, now).map(|ms| ms.div_euclid(1000)))
            .transpose()
    };
    let q = AccountInsightsQuery {
        metrics,
        period: p.period,
        metric_type: p.metric_type,
        breakdown,
        timeframe: p.timeframe,
        since: secs("since", &p.since)?,
        until: secs("until", &p.until)?,
    };
    to_json(&client.account_insights(&q).await?)
}

// ---- shopping ---------------------------------------------------------------------------------

/// Parameters of list_catalogs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCatalogs {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
}

async fn list_catalogs(ctx: ActionContext, p: ListCatalogs) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    Ok(json!({ "data": to_json(&client.available_catalogs().await?)? }))
}

/// Parameters of search_catalog_products.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchCatalogProducts {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The catalog id (from list_catalogs).
    pub catalog_id: String,
    /// Only products whose name contains this.
    #[serde(default)]
    pub query: Option<String>,
}

async fn search_catalog_products(
    ctx: ActionContext,
    p: SearchCatalogProducts,
) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    to_json(
        &client
            .catalog_product_search(&p.catalog_id, p.query.as_deref())
            .await?,
    )
}

/// Parameters of product_appeal_status.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductAppealStatus {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The product id.
    pub product_id: String,
}

async fn product_appeal_status(
    ctx: ActionContext,
    p: ProductAppealStatus,
) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    Ok(json!({ "data": to_json(&client.product_appeal(&p.product_id).await?)? }))
}

/// Parameters of appeal_product.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealProduct {
    /// The account: an IG user id, a stored account's name, or "me" (the default).
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// The rejected product's id.
    pub product_id: String,
    /// Why the rejection is wrong: 1 to 1000 characters.
    pub reason: String,
}

async fn appeal_product(ctx: ActionContext, p: AppealProduct) -> Result<Value, ActionError> {
    let client = ctx.client(p.ig_user_id.as_deref(), None).await?;
    to_json(&client.appeal_product(&p.product_id, &p.reason).await?)
}
