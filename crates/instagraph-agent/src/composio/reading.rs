//! Reading the account and its media: profile, media lists (feed, stories, live, tagged), one
//! media, carousel children.

use instagraph::fields::FieldSet;
use instagraph::ids::{MediaId, PageId};
use instagraph::ops::media::ListQuery;
use instagraph::{Client, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::params::{opt_bool, opt_id, opt_text, opt_time, opt_u32};
use super::{as_param, data, fields_param, invalid};
use crate::action::{Action, ActionContext, ActionError, Effect};

pub(super) fn actions() -> Vec<Action> {
    vec![
        Action::new(
            "INSTAGRAM_GET_USER_INFO",
            Effect::Read,
            "Get Instagram Business Account info including profile details and statistics \
             (id, username, name, biography, website, followers_count, follows_count, \
             media_count, profile_picture_url). Only accounts this instance holds a token for; \
             use \"me\" (the default) for the authenticated account. Arbitrary public accounts \
             cannot be queried.",
            get_user_info,
        )
        .native("instagraph me"),
        Action::new(
            "INSTAGRAM_GET_IG_USER_MEDIA",
            Effect::Read,
            "Get an Instagram Business or Creator account's media (posts, photos, videos, reels, \
             carousels), newest first, with cursor paging (paging.cursors.after) and since/until \
             filters. Stories are not included (INSTAGRAM_GET_IG_USER_STORIES). Reels read back \
             as media_type=VIDEO with media_product_type=REELS. The list is under data.data.",
            get_ig_user_media,
        )
        // The id may be a Facebook Page id, resolved in the body (auto_resolve_fb_page_id).
        .account_param(None)
        .native("instagraph media list"),
        Action::new(
            "INSTAGRAM_GET_USER_MEDIA",
            Effect::Read,
            "DEPRECATED: Use INSTAGRAM_GET_IG_USER_MEDIA instead. Get the account's media \
             (posts, photos, videos, reels, carousels), newest first. The list is under \
             data.data; paginate with paging.cursors.after. Items mix media types: filter by \
             media_type and media_product_type.",
            get_user_media,
        )
        .deprecated_for("INSTAGRAM_GET_IG_USER_MEDIA")
        .native("instagraph media list"),
        Action::new(
            "INSTAGRAM_GET_IG_MEDIA",
            Effect::Read,
            "Get a published Instagram media object (photo, video, story, reel or carousel) with \
             its caption, media URLs, counts and metadata. Published media only: for an \
             unpublished container id use INSTAGRAM_GET_POST_STATUS; for metrics use \
             INSTAGRAM_GET_IG_MEDIA_INSIGHTS.",
            get_ig_media,
        )
        .native("instagraph media show MEDIA_ID"),
        Action::new(
            "INSTAGRAM_GET_IG_MEDIA_CHILDREN",
            Effect::Read,
            "Get the media items (images and videos) of a carousel (CAROUSEL_ALBUM) post. \
             Carousel children have no insights: query metrics on the parent.",
            get_ig_media_children,
        )
        .native("instagraph media children MEDIA_ID"),
        Action::new(
            "INSTAGRAM_GET_IG_USER_STORIES",
            Effect::Read,
            "Get the account's active stories (only those inside their 24-hour window), with \
             cursor paging. Story insights disappear with the story.",
            get_ig_user_stories,
        )
        .native("instagraph media stories"),
        Action::new(
            "INSTAGRAM_GET_IG_USER_LIVE_MEDIA",
            Effect::Read,
            "Get the live media (media_type BROADCAST, media_product_type LIVE) while a live \
             broadcast is in progress; an empty list when the account is not live.",
            get_ig_user_live_media,
        )
        .native("instagraph media live"),
        Action::new(
            "INSTAGRAM_GET_IG_USER_TAGS",
            Effect::Read,
            "Get media of other accounts in which this Business or Creator account has been \
             tagged, with cursor paging.",
            get_ig_user_tags,
        )
        .native("instagraph media tagged"),
    ]
}

/// Parameters of INSTAGRAM_GET_USER_INFO.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetUserInfo {
    /// Instagram Business Account ID, or "me" (the default) for the authenticated account.
    /// Only accounts this instance holds a token for can be queried.
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_user_info(ctx: ActionContext, p: GetUserInfo) -> Result<Value, ActionError> {
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    data(&client.me(None).await?)
}

/// Parameters of INSTAGRAM_GET_IG_USER_MEDIA.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgUserMedia {
    /// Instagram Business or Creator Account ID (numeric, e.g. "17841405793187218"), or "me"
    /// for the authenticated account. A Facebook Page id is converted to its Instagram
    /// Business Account when auto_resolve_fb_page_id is on.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// Comma-separated fields, e.g. id,caption,media_type,media_url,permalink,thumbnail_url,
    /// timestamp,username,comments_count,like_count,is_comment_enabled,shortcode,
    /// media_product_type,children{media_url,media_type,thumbnail_url} (ig_id, owner and
    /// video_title with Facebook Login). Optional fields such as caption and like_count may be
    /// absent.
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// Items per page (1 to 100; default 25).
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after of the previous page (stopping at the first page
    /// silently omits older posts).
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// Cursor from paging.cursors.before, for the page before.
    #[serde(default, deserialize_with = "opt_text")]
    pub before: Option<String>,
    /// Only media created after this time: unix seconds (must be before until).
    #[serde(default, deserialize_with = "opt_time")]
    pub since: Option<i64>,
    /// Only media created before this time: unix seconds.
    #[serde(default, deserialize_with = "opt_time")]
    pub until: Option<i64>,
    /// If true (the default) and ig_user_id is not a known account, read it as a Facebook Page
    /// id and use its instagram_business_account. Set to false to disable.
    #[serde(default, deserialize_with = "opt_bool")]
    pub auto_resolve_fb_page_id: Option<bool>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

/// The client for `id`; when the account source does not know it and `auto_resolve` is on, the
/// id is read as a Facebook Page id (`GET {id}?fields=instagram_business_account`).
async fn client_or_page(
    ctx: &ActionContext,
    id: Option<&str>,
    version: Option<&str>,
    auto_resolve: bool,
) -> Result<Client, ActionError> {
    let original = match ctx.client(id, version).await {
        Ok(c) => return Ok(c),
        Err(e @ ActionError::UnknownAccount(_)) if auto_resolve => e,
        Err(e) => return Err(e),
    };
    let Some(page) = id.and_then(|i| PageId::parse(i).ok()) else {
        return Err(original);
    };
    let default = ctx.client(None, version).await?;
    let found: Result<Value, instagraph::Error> = default
        .send_json(
            Request::get(page.as_str())
                .query("fields", "instagram_business_account")
                .retry_safe(),
        )
        .await;
    let ig = found.ok().and_then(|v| {
        let id = &v["instagram_business_account"]["id"];
        id.as_str()
            .map(str::to_owned)
            .or_else(|| id.as_u64().map(|n| n.to_string()))
    });
    match ig {
        Some(ig) => ctx.client(Some(&ig), version).await.map_err(|e| {
            ActionError::UnknownAccount(format!(
                "Facebook Page {page} is linked to Instagram account {ig}, but: {e}"
            ))
        }),
        None => Err(ActionError::UnknownAccount(format!(
            "{original}; {page} is not a Facebook Page with a linked Instagram Business Account either"
        ))),
    }
}

fn list_query(
    fields: Option<&str>,
    limit: Option<u32>,
    after: Option<String>,
    before: Option<String>,
) -> ListQuery {
    ListQuery {
        fields: fields_param(fields).map_or(FieldSet::Default, FieldSet::Custom),
        limit,
        after,
        before,
        ..ListQuery::default()
    }
}

async fn get_ig_user_media(ctx: ActionContext, p: GetIgUserMedia) -> Result<Value, ActionError> {
    let client = client_or_page(
        &ctx,
        Some(&p.ig_user_id),
        p.graph_api_version.as_deref(),
        p.auto_resolve_fb_page_id.unwrap_or(true),
    )
    .await?;
    let q = ListQuery {
        since: p.since,
        until: p.until,
        ..list_query(p.fields.as_deref(), p.limit, p.after, p.before)
    };
    data(&client.user_media(&q).await?)
}

/// Parameters of INSTAGRAM_GET_USER_MEDIA (deprecated).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetUserMedia {
    /// Numeric Instagram Business Account ID (not a username); omit for the authenticated
    /// account.
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// Items per page (1 to 100). One call may not return everything: paginate with after.
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after of the previous page; set an upper bound (say ~300
    /// posts) to avoid unbounded loops.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_user_media(ctx: ActionContext, p: GetUserMedia) -> Result<Value, ActionError> {
    get_ig_user_media(
        ctx,
        GetIgUserMedia {
            ig_user_id: p.ig_user_id.unwrap_or_else(|| "me".to_owned()),
            fields: None,
            limit: p.limit,
            after: p.after,
            before: None,
            since: None,
            until: None,
            auto_resolve_fb_page_id: Some(false),
            graph_api_version: p.graph_api_version,
        },
    )
    .await
}

/// Parameters of INSTAGRAM_GET_IG_MEDIA.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgMedia {
    /// The numeric media id (e.g. "17858625294504375"), not the shortcode of an
    /// instagram.com/p/ URL. Unpublished container ids: use INSTAGRAM_GET_POST_STATUS.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_media_id: String,
    /// Comma-separated fields; default id,caption,media_type,media_product_type,media_url,
    /// thumbnail_url,permalink,shortcode,timestamp,username,like_count,comments_count,
    /// is_comment_enabled. Also owner, children{media_url,media_type}, comments. Not fields:
    /// text (use caption), tagged_users, user_tags, location, filter_name, latitude,
    /// longitude; metrics (reach, saved, plays, impressions, video_views, engagement) are
    /// INSTAGRAM_GET_IG_MEDIA_INSIGHTS.
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

/// Names callers put in `fields` that are not media fields, with what to do instead.
const NOT_MEDIA_FIELDS: &[(&str, &str)] = &[
    ("text", "use caption for the media's text"),
    (
        "tagged_users",
        "not readable: media where the account is tagged are INSTAGRAM_GET_IG_USER_TAGS",
    ),
    (
        "user_tags",
        "not readable: media where the account is tagged are INSTAGRAM_GET_IG_USER_TAGS",
    ),
    ("location", "not offered by the API"),
    ("filter_name", "not offered by the API"),
    ("latitude", "not offered by the API"),
    ("longitude", "not offered by the API"),
    ("plays", "a metric: use INSTAGRAM_GET_IG_MEDIA_INSIGHTS"),
    ("reach", "a metric: use INSTAGRAM_GET_IG_MEDIA_INSIGHTS"),
    ("saved", "a metric: use INSTAGRAM_GET_IG_MEDIA_INSIGHTS"),
    (
        "impressions",
        "a metric: use INSTAGRAM_GET_IG_MEDIA_INSIGHTS",
    ),
    (
        "video_views",
        "a metric: use INSTAGRAM_GET_IG_MEDIA_INSIGHTS",
    ),
    (
        "engagement",
        "a metric: use INSTAGRAM_GET_IG_MEDIA_INSIGHTS",
    ),
];

fn check_media_fields(fields: &str) -> Result<(), ActionError> {
    let mut depth = 0i32;
    let mut name = String::new();
    let mut top = Vec::new();
    for c in fields.chars().chain(std::iter::once(',')) {
        match c {
            '{' | '(' => depth += 1,
            '}' | ')' => depth -= 1,
            ',' if depth == 0 => top.push(std::mem::take(&mut name)),
            _ if depth == 0 => name.push(c),
            _ => {}
        }
    }
    for f in top {
        let base = f.split('.').next().unwrap_or("").trim();
        if let Some((_, why)) = NOT_MEDIA_FIELDS.iter().find(|(n, _)| *n == base) {
            return Err(invalid(format!(
                "fields: {base:?} is not a field of a media ({why})"
            )));
        }
    }
    Ok(())
}

async fn get_ig_media(ctx: ActionContext, p: GetIgMedia) -> Result<Value, ActionError> {
    let id = MediaId::parse(&p.ig_media_id).map_err(|e| as_param(e, "ig_media_id"))?;
    let fields = fields_param(p.fields.as_deref());
    if let Some(f) = &fields {
        check_media_fields(f)?;
    }
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    let fields = fields.map_or(FieldSet::Default, FieldSet::Custom);
    data(&client.media(&id, &fields).await?)
}

/// Parameters of INSTAGRAM_GET_IG_MEDIA_CHILDREN.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgMediaChildren {
    /// The id of a CAROUSEL_ALBUM media (not a user id), e.g. from INSTAGRAM_GET_IG_USER_MEDIA
    /// filtered on media_type=CAROUSEL_ALBUM.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_media_id: String,
    /// Comma-separated fields of each child: id, media_type, media_url, username, timestamp,
    /// permalink, thumbnail_url, owner, shortcode, ... (default: the common media fields).
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_ig_media_children(
    ctx: ActionContext,
    p: GetIgMediaChildren,
) -> Result<Value, ActionError> {
    let id = MediaId::parse(&p.ig_media_id).map_err(|e| as_param(e, "ig_media_id"))?;
    let client = ctx.client(None, p.graph_api_version.as_deref()).await?;
    let fields = fields_param(p.fields.as_deref()).map_or(FieldSet::Default, FieldSet::Custom);
    data(&client.media_children(&id, &fields).await?)
}

/// Parameters of INSTAGRAM_GET_IG_USER_STORIES.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgUserStories {
    /// Instagram Business or Creator Account ID (numeric), or "me" (the default).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// Comma-separated fields of each story; default id,media_type,media_url,permalink,
    /// timestamp. Also caption, comments_count, like_count, owner, shortcode, thumbnail_url,
    /// username, ...
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// Stories per page (1 to 100); all active stories when absent.
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after of the previous page.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// Cursor from paging.cursors.before, for the page before.
    #[serde(default, deserialize_with = "opt_text")]
    pub before: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_ig_user_stories(
    ctx: ActionContext,
    p: GetIgUserStories,
) -> Result<Value, ActionError> {
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let fields = p
        .fields
        .or_else(|| Some("id,media_type,media_url,permalink,timestamp".to_owned()));
    let q = list_query(fields.as_deref(), p.limit, p.after, p.before);
    data(&client.stories(&q).await?)
}

/// Parameters of INSTAGRAM_GET_IG_USER_LIVE_MEDIA.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgUserLiveMedia {
    /// Instagram Business or Creator Account ID (numeric), or "me" (the default).
    #[serde(default, deserialize_with = "opt_id")]
    pub ig_user_id: Option<String>,
    /// Comma-separated fields of the live media; default id,media_type,media_url,timestamp,
    /// permalink (all the available ones).
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_ig_user_live_media(
    ctx: ActionContext,
    p: GetIgUserLiveMedia,
) -> Result<Value, ActionError> {
    let client = ctx
        .client(p.ig_user_id.as_deref(), p.graph_api_version.as_deref())
        .await?;
    let fields = p
        .fields
        .or_else(|| Some("id,media_type,media_url,timestamp,permalink".to_owned()));
    let q = list_query(fields.as_deref(), None, None, None);
    data(&client.live_media(&q).await?)
}

/// Parameters of INSTAGRAM_GET_IG_USER_TAGS.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIgUserTags {
    /// Instagram Business or Creator Account ID (numeric), or "me" for the authenticated
    /// account.
    #[serde(deserialize_with = "super::params::id")]
    pub ig_user_id: String,
    /// Comma-separated fields: id, caption, comments_count, like_count, media_product_type,
    /// media_type, media_url, permalink, shortcode, thumbnail_url, timestamp, username, ...
    /// (default: the common media fields).
    #[serde(default, deserialize_with = "opt_text")]
    pub fields: Option<String>,
    /// Items per page (1 to 100; default 25).
    #[serde(default, deserialize_with = "opt_u32")]
    pub limit: Option<u32>,
    /// Cursor from paging.cursors.after of the previous page.
    #[serde(default, deserialize_with = "opt_text")]
    pub after: Option<String>,
    /// Cursor from paging.cursors.before, for the page before.
    #[serde(default, deserialize_with = "opt_text")]
    pub before: Option<String>,
    /// The Graph API version to use (e.g. "v21.0"); defaults to the configured one.
    #[serde(default, deserialize_with = "opt_text")]
    pub graph_api_version: Option<String>,
}

async fn get_ig_user_tags(ctx: ActionContext, p: GetIgUserTags) -> Result<Value, ActionError> {
    let client = ctx
        .client(Some(&p.ig_user_id), p.graph_api_version.as_deref())
        .await?;
    let q = list_query(p.fields.as_deref(), p.limit, p.after, p.before);
    data(&client.tagged_media(&q).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_fields_that_are_not_fields_are_named() {
        assert!(check_media_fields("id,caption,children{media_url,media_type}").is_ok());
        assert!(check_media_fields("comments.limit(5){text}").is_ok());
        let e = check_media_fields("id,text").unwrap_err().to_string();
        assert!(e.contains("\"text\"") && e.contains("caption"), "{e}");
        let e = check_media_fields("id,impressions")
            .unwrap_err()
            .to_string();
        assert!(e.contains("INSTAGRAM_GET_IG_MEDIA_INSIGHTS"), "{e}");
    }
}
