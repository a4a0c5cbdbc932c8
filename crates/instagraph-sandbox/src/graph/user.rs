//! User nodes: the Facebook user (`/me` with a Facebook user token) and IG users
//! (`/{ig-user-id}`, and `/me` with an Instagram-Login token).

use serde_json::{Value, json};

use super::Ctx;
use crate::auth::{Permission, require_scope};
use crate::errors::GraphError;
use crate::fields::{self, FieldSel};
use crate::state::State;
use crate::types::LoginFamily;

/// Fields of the Facebook `User` node the sandbox knows.
const FB_USER_FIELDS: &[&str] = &["id", "name", "first_name", "last_name", "short_name"];

/// `IGUser` fields (v25 spec `IGUser.json`).
pub(crate) const IG_USER_FIELDS: &[&str] = &[
    "biography",
    "business_discovery",
    "followers_count",
    "follows_count",
    "has_profile_pic",
    "id",
    "ig_id",
    "is_published",
    "legacy_instagram_user_id",
    "media_count",
    "mentioned_comment",
    "mentioned_media",
    "name",
    "owner_business",
    "profile_picture_url",
    "shopping_product_tag_eligibility",
    "shopping_review_status",
    "username",
    "website",
];

/// IG-Login user fields (v25 spec `IGUserForIGOnlyAPI.json`).
pub(crate) const IG_LOGIN_USER_FIELDS: &[&str] = &[
    "account_type",
    "biography",
    "followers_count",
    "follows_count",
    "id",
    "media_count",
    "name",
    "profile_picture_url",
    "user_id",
    "username",
    "website",
];

/// `GET /me` with a Facebook user token.
pub(crate) fn get_fb_user(st: &State, ctx: &Ctx, user_id: &str) -> Result<Value, GraphError> {
    let user = st
        .fb_users
        .get(user_id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, user_id))?;
    let sel = fields::selection(ctx.fields(), &["id", "name"])?;
    fields::validate(&sel, FB_USER_FIELDS, "User")?;
    fields::build(&sel, &user.id, |f| {
        Ok(match f.name.as_str() {
            "name" => Some(json!(user.name)),
            "first_name" => Some(json!(user.first_name)),
            "last_name" => Some(json!(user.last_name)),
            "short_name" => Some(json!(user.first_name)),
            _ => None,
        })
    })
}

/// `GET /{ig-user-id}` (both families) and `GET /me` (Instagram Login).
pub(crate) fn get_ig_user(
    st: &State,
    ctx: &Ctx,
    ig_user_id: &str,
    addressed_as: Option<&str>,
) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let defaults: &[&str] = match (ctx.token.family, addressed_as) {
        (LoginFamily::Instagram, None) => &["id", "username"],
        _ => &["id"],
    };
    let sel = fields::selection(ctx.fields(), defaults)?;
    render_ig_user(st, ctx.token.family, ig_user_id, addressed_as, &sel)
}

/// Renders an IG user for `family` (`IGUser` or `IGUserForIGOnlyAPI` field set).
///
/// `id` is the IG user id on Facebook Login. On Instagram Login it is the id the node was
/// addressed by, and the app-scoped id for `/me` (with the IG user id in `user_id`).
pub(crate) fn render_ig_user(
    st: &State,
    family: LoginFamily,
    ig_user_id: &str,
    addressed_as: Option<&str>,
    sel: &[FieldSel],
) -> Result<Value, GraphError> {
    let acc = st
        .ig_accounts
        .get(ig_user_id)
        .ok_or_else(|| GraphError::unsupported_request("GET", ig_user_id))?;
    let known = match family {
        LoginFamily::Facebook => IG_USER_FIELDS,
        LoginFamily::Instagram => IG_LOGIN_USER_FIELDS,
    };
    fields::validate(sel, known, "IGUser")?;
    let id = match family {
        LoginFamily::Facebook => acc.ig_user_id.clone(),
        LoginFamily::Instagram => addressed_as
            .map(str::to_string)
            .or_else(|| acc.app_scoped_id.clone())
            .unwrap_or_else(|| acc.ig_user_id.clone()),
    };
    fields::build(sel, &id, |f| {
        Ok(match f.name.as_str() {
            "username" => Some(json!(acc.username)),
            "name" => Some(json!(acc.name)),
            "biography" => Some(json!(acc.biography)),
            "website" => Some(json!(acc.website)),
            "followers_count" => Some(json!(acc.followers_count)),
            "follows_count" => Some(json!(acc.follows_count)),
            "media_count" => Some(json!(acc.media.len())),
            "profile_picture_url" => Some(json!(acc.profile_picture_url)),
            "has_profile_pic" | "is_published" => Some(json!(true)),
            "ig_id" => Some(json!(acc.ig_id)),
            "legacy_instagram_user_id" => Some(json!(acc.ig_id.to_string())),
            "user_id" => Some(json!(acc.ig_user_id)),
            "account_type" => Some(json!(acc.account_type)),
            // business_discovery, mentioned_media, mentioned_comment (Facebook Login).
            _ => super::engagement::ig_user_field(st, family, &acc.ig_user_id, f)?,
        })
    })
}
