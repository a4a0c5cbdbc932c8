//! IG media: `GET /{ig-user-id}/media` and `GET /{media-id}`.

use serde_json::{Value, json};

use super::Ctx;
use super::user::render_ig_user;
use crate::auth::{Permission, require_scope};
use crate::clock::graph_timestamp;
use crate::errors::GraphError;
use crate::fields::{self, FieldSel};
use crate::paging;
use crate::state::{Media, State};
use crate::types::LoginFamily;

/// `IGMedia` fields (v25 spec `IGMedia.json`).
const MEDIA_FIELDS: &[&str] = &[
    "alt_text",
    "boost_eligibility_info",
    "caption",
    "comments_count",
    "copyright_check_information",
    "current_live_viewer_count",
    "has_poll",
    "has_slider",
    "id",
    "ig_id",
    "is_comment_enabled",
    "is_shared_to_feed",
    "legacy_instagram_media_id",
    "like_count",
    "media_product_type",
    "media_type",
    "media_url",
    "owner",
    "permalink",
    "shortcode",
    "thumbnail_url",
    "timestamp",
    "username",
    "video_title",
    "view_count",
];

/// IG-Login media fields (v25 spec `IGMediaForIGOnlyAPI.json`).
const IG_LOGIN_MEDIA_FIELDS: &[&str] = &[
    "alt_text",
    "caption",
    "comments_count",
    "current_live_viewer_count",
    "id",
    "is_comment_enabled",
    "is_shared_to_feed",
    "like_count",
    "media_product_type",
    "media_type",
    "media_url",
    "owner",
    "permalink",
    "shortcode",
    "thumbnail_url",
    "timestamp",
    "username",
];

pub(crate) fn known_fields(family: LoginFamily) -> &'static [&'static str] {
    match family {
        LoginFamily::Facebook => MEDIA_FIELDS,
        LoginFamily::Instagram => IG_LOGIN_MEDIA_FIELDS,
    }
}

/// Edges that can be expanded as fields of a media (`children{...}`, `comments{...}`).
pub(crate) const MEDIA_EDGE_FIELDS: &[&str] = &["children", "comments"];

/// Validates a media selection: the family's fields plus the expandable edges.
pub(crate) fn validate_media(sel: &[FieldSel], family: LoginFamily) -> Result<(), GraphError> {
    let plain: Vec<FieldSel> = sel
        .iter()
        .filter(|f| !MEDIA_EDGE_FIELDS.contains(&f.name.as_str()))
        .cloned()
        .collect();
    fields::validate(&plain, known_fields(family), "IGMedia")
}

/// Renders one media object (fields already validated).
pub(crate) fn render_media(
    st: &State,
    family: LoginFamily,
    m: &Media,
    sel: &[FieldSel],
) -> Result<Value, GraphError> {
    let username = st
        .ig_accounts
        .get(&m.owner)
        .map(|a| a.username.clone())
        .unwrap_or_default();
    fields::build(sel, &m.id, |f| {
        Ok(match f.name.as_str() {
            "caption" => Some(json!(m.caption)),
            "comments_count" => Some(json!(m.comments_count)),
            "like_count" => Some(json!(m.like_count)),
            "media_type" => Some(json!(m.media_type)),
            "media_product_type" => Some(json!(m.media_product_type)),
            "media_url" => Some(json!(m.media_url)),
            "thumbnail_url" => m.thumbnail_url.as_ref().map(|u| json!(u)),
            "permalink" if m.media_product_type == "STORY" => Some(json!(format!(
                "https://instagram.com/stories/{username}/{}",
                m.ig_id
            ))),
            "permalink" => Some(json!(format!(
                "https://www.instagram.com/p/{}/",
                m.shortcode
            ))),
            "shortcode" => Some(json!(m.shortcode)),
            "timestamp" => Some(json!(graph_timestamp(m.timestamp))),
            "username" => Some(json!(username)),
            "ig_id" | "legacy_instagram_media_id" => Some(json!(m.ig_id)),
            "is_comment_enabled" => Some(json!(m.is_comment_enabled)),
            "is_shared_to_feed" if m.media_product_type == "REELS" => Some(json!(true)),
            "owner" => {
                let sub = match &f.children {
                    Some(c) if !c.is_empty() => c.clone(),
                    _ => vec![FieldSel::plain("id")],
                };
                Some(render_ig_user(st, family, &m.owner, Some(&m.owner), &sub)?)
            }
            // Edges expanded as fields (children, comments) and the rarer fields.
            _ => super::engagement::media_field(st, family, m, f)?,
        })
    })
}

/// `GET /{media-id}` (default field `id`).
pub(crate) fn get_media(st: &State, ctx: &Ctx, media_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let m = st
        .media
        .get(media_id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, media_id))?;
    let sel = fields::selection(ctx.fields(), &["id"])?;
    validate_media(&sel, ctx.token.family)?;
    render_media(st, ctx.token.family, m, &sel)
}

/// `GET /{ig-user-id}/media`: the account's media, newest first, cursor-paginated.
pub(crate) fn list_media(st: &State, ctx: &Ctx, ig_user_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let acc = st
        .ig_accounts
        .get(ig_user_id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, ig_user_id))?;
    let sel = fields::selection(ctx.fields(), &["id"])?;
    validate_media(&sel, ctx.token.family)?;
    let keys = super::engagement::within_window(st, ctx, &acc.media)?;
    paging::list_edge(
        st.cursor_salt,
        &format!("media:{ig_user_id}"),
        &keys,
        &ctx.params,
        &ctx.url,
        |id| {
            st.media
                .get(id)
                .map(|m| render_media(st, ctx.token.family, m, &sel))
        },
    )
}
