//! Engagement and reading beyond `/media`: comments and replies, mentions, tags, hashtags, business discovery, insights and batch.
//!
//! - Comments: `GET|POST /{media-id}/comments`, `GET|POST|DELETE /{comment-id}` (hide with
//!   `hide=true|false`), `GET|POST /{comment-id}/replies`; the text rules (300 characters,
//!   4 hashtags, 1 URL, not all capitals); one level of threading.
//! - Media: `children`, `product_tags` (Facebook Login), `comments{...}` and `children{...}` as
//!   fields, `since`/`until` on `/media`; `stories` (24 hours, including what publishing made),
//!   `live_media`, `tags`.
//! - Facebook Login only: `ig_hashtag_search` (30 unique hashtags per account per 7 days),
//!   `/{hashtag-id}`, `top_media`, `recent_media` (24 hours), `recently_searched_hashtags`,
//!   `business_discovery.username(x){...}`, `mentioned_media.media_id(x){...}`,
//!   `mentioned_comment.comment_id(x){...}`, `POST /{ig-user-id}/mentions`, `product_appeal`,
//!   `available_catalogs`, `catalog_product_search`, batch requests (`POST /` with `batch`).
//!   Instagram-Login tokens get the unknown-path error (2500) on these edges.
//! - Insights: `GET /{media-id}/insights` (metric sets by product type, removed metrics refused
//!   as the platform does) and `GET /{ig-user-id}/insights` (periods, `metric_type`, breakdowns,
//!   demographics, time series with window paging). Values are derived from ids; some metrics
//!   have no data and are left out, as the platform does; expired stories have none.
//! - Multi-id reads: `GET /?ids=a,b&fields=...`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::media::{render_media, validate_media};
use super::user::render_ig_user;
use super::{Ctx, Node};
use crate::auth::{Permission, require_scope};
use crate::clock::graph_timestamp;
use crate::engagement::{self, Comment, EngagementState, HASHTAG_LIMIT, STORY_SECS};
use crate::errors::{GraphError, OAUTH};
use crate::fields::{self, FieldSel};
use crate::paging::{self, CursorKey, UrlBase};
use crate::params::Params;
use crate::rng::{hash_str, mix};
use crate::state::{Media, State, TokenRecord};
use crate::types::LoginFamily;

/// `IGComment` fields (v25 spec `IGComment.json`) and the `replies` edge.
const COMMENT_FIELDS: &[&str] = &[
    "from",
    "hidden",
    "id",
    "legacy_instagram_comment_id",
    "like_count",
    "media",
    "parent_id",
    "replies",
    "text",
    "timestamp",
    "user",
    "username",
];
/// Default fields of comments (node and lists).
const COMMENT_DEFAULT: &[&str] = &["timestamp", "text", "id"];
/// Profile fields business discovery returns.
const DISCOVERY_FIELDS: &[&str] = &[
    "biography",
    "followers_count",
    "follows_count",
    "id",
    "ig_id",
    "media",
    "media_count",
    "name",
    "profile_picture_url",
    "username",
    "website",
];
/// Largest page of hashtag media.
const HASHTAG_MEDIA_MAX: usize = 50;

/// Sandbox wording for the text rules (the platform's exact messages are not documented).
const MAX_COMMENT_CHARS: usize = 300;

// ---- resolve / route ----------------------------------------------------------------------------

/// Resolves a path segment to a node of this area the token may see.
pub(crate) fn resolve(st: &State, token: &TokenRecord, seg: &str) -> Option<Node> {
    if seg == "ig_hashtag_search" {
        return Some(Node::Hashtag(seg.to_string()));
    }
    if let Some(c) = st.engagement.comments.get(seg) {
        let owner = st.media.get(&c.media_id).map(|m| m.owner.clone())?;
        let mine = c
            .by_account
            .as_deref()
            .is_some_and(|a| st.can_access_ig(token, a));
        return (st.can_access_ig(token, &owner) || mine).then(|| Node::Comment(seg.to_string()));
    }
    if st.engagement.hashtags.contains_key(seg) {
        return (token.family == LoginFamily::Facebook).then(|| Node::Hashtag(seg.to_string()));
    }
    None
}

/// The IG account that owns a node of this area (for the BUC usage header).
pub(crate) fn comment_owner(st: &State, id: &str) -> Option<String> {
    EngagementState::comment_media_owner(st, id)
}

/// Handles a request on `node` + `rest` (edges) if it belongs to this area; `None` otherwise.
pub(crate) fn route(
    st: &mut State,
    ctx: &Ctx,
    node: &Node,
    first: &str,
    rest: &[&str],
) -> Option<Result<Value, GraphError>> {
    let fb = ctx.token.family == LoginFamily::Facebook;
    let get = ctx.method == "GET";
    Some(match (node, rest) {
        (Node::Media(id), ["comments"]) => match ctx.method.as_str() {
            "GET" => list_comments(st, ctx, id),
            "POST" => create_comment(st, ctx, id, None),
            _ => Err(GraphError::unsupported_request(&ctx.method, first)),
        },
        (Node::Media(id), ["children"]) if get => list_children(st, ctx, id),
        (Node::Media(id), ["insights"]) if get => media_insights(st, ctx, id),
        (Node::Media(id), ["product_tags"]) if get && fb => product_tags(st, ctx, id),
        (Node::Comment(id), []) => match ctx.method.as_str() {
            "GET" => get_comment(st, ctx, id),
            "POST" => hide_comment(st, ctx, id),
            "DELETE" => delete_comment(st, ctx, id),
            _ => Err(GraphError::unsupported_request(&ctx.method, first)),
        },
        (Node::Comment(id), ["replies"]) => match ctx.method.as_str() {
            "GET" => list_replies(st, ctx, id),
            "POST" => {
                let media = st
                    .engagement
                    .comments
                    .get(id.as_str())
                    .map(|c| c.media_id.clone())
                    .unwrap_or_default();
                create_comment(st, ctx, &media, Some(id))
            }
            _ => Err(GraphError::unsupported_request(&ctx.method, first)),
        },
        (Node::Hashtag(id), []) if id == "ig_hashtag_search" => {
            if !fb {
                return Some(Err(GraphError::unknown_path(true, "/ig_hashtag_search")));
            }
            ctx.only_get(first).and_then(|()| hashtag_search(st, ctx))
        }
        (Node::Hashtag(id), []) => ctx.only_get(first).and_then(|()| get_hashtag(st, ctx, id)),
        (Node::Hashtag(id), [edge @ ("top_media" | "recent_media")]) => ctx
            .only_get(first)
            .and_then(|()| hashtag_media(st, ctx, id, edge)),
        (Node::IgUser { ig_user_id, .. }, [edge]) => {
            let id = ig_user_id.clone();
            match (*edge, ctx.method.as_str(), fb) {
                ("stories", "GET", _) => list_stories(st, ctx, &id),
                ("live_media", "GET", _) => list_keyed(st, ctx, &id, "live_media"),
                ("tags", "GET", _) => list_keyed(st, ctx, &id, "tags"),
                ("insights", "GET", _) => account_insights(st, ctx, &id),
                ("recently_searched_hashtags", "GET", true) => recently_searched(st, ctx, &id),
                ("mentions", "POST", true) => reply_to_mention(st, ctx, &id),
                ("product_appeal", "GET", true) => get_product_appeal(st, ctx),
                ("product_appeal", "POST", true) => post_product_appeal(st, ctx),
                ("available_catalogs", "GET", true) => available_catalogs(st, ctx),
                ("catalog_product_search", "GET", true) => catalog_product_search(st, ctx),
                _ => return None,
            }
        }
        _ => return None,
    })
}

// ---- helpers ------------------------------------------------------------------------------------

fn invalid(message: impl Into<String>) -> GraphError {
    GraphError::invalid_parameter(message)
}

fn required(param: &str) -> GraphError {
    invalid(format!("(#100) The parameter {param} is required"))
}

fn nonempty<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.params
        .get(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn version_major(ctx: &Ctx) -> u32 {
    let (v, _) = super::split_version(&ctx.url.path);
    v.trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(25)
}

/// A page of `keys` with cursors (`next`/`previous` URLs when `urls`), at most `max` per page.
#[allow(clippy::too_many_arguments)] // the edge's whole description, passed through once
fn list_page(
    salt: u64,
    edge: &str,
    keys: &[String],
    params: &Params,
    base: &UrlBase,
    max: usize,
    urls: bool,
    mut render: impl FnMut(&str) -> Option<Result<Value, GraphError>>,
) -> Result<Value, GraphError> {
    let w = paging::window(
        keys,
        params,
        base,
        CursorKey { salt, edge },
        paging::DEFAULT_LIMIT.min(max),
        max,
    )?;
    let data = keys
        .get(w.range.clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|k| render(k))
        .collect::<Result<Vec<_>, _>>()?;
    let mut v = json!({ "data": data });
    if let Some(mut p) = w.paging {
        if !urls && let Some(obj) = p.as_object_mut() {
            obj.remove("next");
            obj.remove("previous");
        }
        v["paging"] = p;
    }
    Ok(v)
}

/// Parses `since`/`until`: unix seconds or `YYYY-MM-DD` (UTC).
fn parse_time(param: &str, raw: &str) -> Result<i64, GraphError> {
    let t = raw.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    let parts: Vec<&str> = t.split('-').collect();
    if let [y, m, d] = parts.as_slice()
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>())
        && (1..=12).contains(&m)
        && (1..=31).contains(&d)
    {
        // Days from civil (H. Hinnant).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return Ok((era * 146_097 + doe - 719_468) * 86_400);
    }
    Err(invalid(format!(
        "(#100) Param {param} must be a unix timestamp or a date (YYYY-MM-DD), got '{raw}'"
    )))
}

fn window_params(ctx: &Ctx) -> Result<(Option<i64>, Option<i64>), GraphError> {
    let since = nonempty(ctx, "since")
        .map(|s| parse_time("since", s))
        .transpose()?;
    let until = nonempty(ctx, "until")
        .map(|s| parse_time("until", s))
        .transpose()?;
    Ok((since, until))
}

/// The media of `keys` within `since`/`until` (inclusive), in order.
pub(crate) fn within_window(
    st: &State,
    ctx: &Ctx,
    keys: &[String],
) -> Result<Vec<String>, GraphError> {
    let (since, until) = window_params(ctx)?;
    Ok(keys
        .iter()
        .filter(|id| {
            let ts = st.media.get(*id).map(|m| m.timestamp).unwrap_or(0);
            since.is_none_or(|s| ts >= s) && until.is_none_or(|u| ts <= u)
        })
        .cloned()
        .collect())
}

fn media_sel(ctx: &Ctx) -> Result<Vec<FieldSel>, GraphError> {
    let sel = fields::selection(ctx.fields(), &["id"])?;
    validate_media(&sel, ctx.token.family)?;
    Ok(sel)
}

fn render_ids(
    st: &State,
    ctx: &Ctx,
    edge: &str,
    keys: &[String],
    sel: &[FieldSel],
) -> Result<Value, GraphError> {
    paging::list_edge(st.cursor_salt, edge, keys, &ctx.params, &ctx.url, |id| {
        st.media
            .get(id)
            .map(|m| render_media(st, ctx.token.family, m, sel))
    })
}

/// A value between `lo` and `hi` derived from `parts` (the sandbox's insights and counts).
fn derived(parts: &[&str], lo: u64, hi: u64) -> u64 {
    let h = parts.iter().fold(
        0x51_7c_c1_b7_27_22_0a_95u64,
        |acc, p| mix(acc ^ hash_str(p)),
    );
    lo + h % (hi.saturating_sub(lo) + 1)
}

// ---- media fields -------------------------------------------------------------------------------

fn comment_sel(f: &FieldSel) -> Result<Vec<FieldSel>, GraphError> {
    let sel = match &f.children {
        Some(c) if !c.is_empty() => c.clone(),
        _ => COMMENT_DEFAULT.iter().map(|d| FieldSel::plain(d)).collect(),
    };
    fields::validate(&sel, COMMENT_FIELDS, "IGComment")?;
    Ok(sel)
}

fn modifier<'a>(f: &'a FieldSel, name: &str) -> Option<&'a str> {
    f.modifiers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A nested list inside a node (`children{...}`, `comments.limit(5){...}`): cursors, no URLs.
fn nested_list(
    st: &State,
    f: &FieldSel,
    edge: &str,
    keys: &[String],
    render: impl FnMut(&str) -> Option<Result<Value, GraphError>>,
) -> Result<Value, GraphError> {
    let mut params = Params::default();
    for (k, v) in &f.modifiers {
        params.extend([(k.clone(), v.clone())]);
    }
    let base = UrlBase {
        scheme: "https".into(),
        host: "graph.facebook.com".into(),
        path: String::new(),
        query: Vec::new(),
    };
    list_page(
        st.cursor_salt,
        edge,
        keys,
        &params,
        &base,
        paging::MAX_LIMIT,
        false,
        render,
    )
}

/// The media fields rendered here: `children{...}`, `comments{...}`, and the rarer fields.
pub(crate) fn media_field(
    st: &State,
    family: LoginFamily,
    m: &Media,
    f: &FieldSel,
) -> Result<Option<Value>, GraphError> {
    Ok(match f.name.as_str() {
        "children" if m.media_type == "CAROUSEL_ALBUM" => {
            let sel = match &f.children {
                Some(c) if !c.is_empty() => c.clone(),
                _ => vec![FieldSel::plain("id")],
            };
            validate_media(&sel, family)?;
            let kids = EngagementState::children_of(st, &m.id);
            Some(nested_list(
                st,
                f,
                &format!("children:{}", m.id),
                &kids,
                |id| st.media.get(id).map(|c| render_media(st, family, c, &sel)),
            )?)
        }
        "comments" => {
            let sel = comment_sel(f)?;
            let ids = st
                .engagement
                .media_comments
                .get(&m.id)
                .cloned()
                .unwrap_or_default();
            Some(nested_list(
                st,
                f,
                &format!("comments:{}", m.id),
                &ids,
                |id| {
                    st.engagement
                        .comments
                        .get(id)
                        .map(|c| render_comment(st, c, &sel))
                },
            )?)
        }
        "boost_eligibility_info" if matches!(m.media_product_type.as_str(), "FEED" | "REELS") => {
            Some(json!({ "eligible_to_boost": true }))
        }
        "view_count" if m.media_type == "VIDEO" => {
            Some(json!(derived(&[&m.id, "views"], 100, 90_000)))
        }
        "current_live_viewer_count" if m.media_type == "BROADCAST" => {
            Some(json!(derived(&[&m.id, "live"], 5, 500)))
        }
        "has_poll" | "has_slider" if m.media_product_type == "STORY" => Some(json!(false)),
        "copyright_check_information" if m.media_type == "VIDEO" => Some(json!({
            "status": { "status": "completed", "matches_found": false }
        })),
        _ => None,
    })
}

// ---- comments -----------------------------------------------------------------------------------

fn render_comment(st: &State, c: &Comment, sel: &[FieldSel]) -> Result<Value, GraphError> {
    fields::build(sel, &c.id, |f| {
        Ok(match f.name.as_str() {
            "text" => Some(json!(c.text)),
            "timestamp" => Some(json!(graph_timestamp(c.timestamp))),
            "username" => Some(json!(c.username)),
            "like_count" => Some(json!(c.like_count)),
            "hidden" => Some(json!(c.hidden)),
            "legacy_instagram_comment_id" => Some(json!(c.legacy_id)),
            "parent_id" => c.parent_id.as_ref().map(|p| json!(p)),
            "from" => Some(json!({ "id": c.from_id, "username": c.username })),
            "user" => c.by_account.as_ref().map(|a| json!({ "id": a })),
            "media" => {
                let product = st
                    .media
                    .get(&c.media_id)
                    .map(|m| m.media_product_type.clone())
                    .unwrap_or_default();
                Some(json!({ "id": c.media_id, "media_product_type": product }))
            }
            "replies" if c.parent_id.is_none() => {
                let sel = comment_sel(f)?;
                let ids = st
                    .engagement
                    .replies
                    .get(&c.id)
                    .cloned()
                    .unwrap_or_default();
                Some(nested_list(
                    st,
                    f,
                    &format!("replies:{}", c.id),
                    &ids,
                    |id| {
                        st.engagement
                            .comments
                            .get(id)
                            .map(|r| render_comment(st, r, &sel))
                    },
                )?)
            }
            _ => None,
        })
    })
}

fn list_comments(st: &State, ctx: &Ctx, media_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = fields::selection(ctx.fields(), COMMENT_DEFAULT)?;
    fields::validate(&sel, COMMENT_FIELDS, "IGComment")?;
    let ids = st
        .engagement
        .media_comments
        .get(media_id)
        .cloned()
        .unwrap_or_default();
    paging::list_edge(
        st.cursor_salt,
        &format!("comments:{media_id}"),
        &ids,
        &ctx.params,
        &ctx.url,
        |id| {
            st.engagement
                .comments
                .get(id)
                .map(|c| render_comment(st, c, &sel))
        },
    )
}

fn list_replies(st: &State, ctx: &Ctx, comment_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = fields::selection(ctx.fields(), COMMENT_DEFAULT)?;
    fields::validate(&sel, COMMENT_FIELDS, "IGComment")?;
    let ids = st
        .engagement
        .replies
        .get(comment_id)
        .cloned()
        .unwrap_or_default();
    paging::list_edge(
        st.cursor_salt,
        &format!("replies:{comment_id}"),
        &ids,
        &ctx.params,
        &ctx.url,
        |id| {
            st.engagement
                .comments
                .get(id)
                .map(|c| render_comment(st, c, &sel))
        },
    )
}

fn get_comment(st: &State, ctx: &Ctx, id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let c = st
        .engagement
        .comments
        .get(id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, id))?;
    let sel = fields::selection(ctx.fields(), COMMENT_DEFAULT)?;
    fields::validate(&sel, COMMENT_FIELDS, "IGComment")?;
    render_comment(st, c, &sel)
}

/// The text rules, as the sandbox words them.
fn check_text(text: &str) -> Result<(), GraphError> {
    let n = text.chars().count();
    if n > MAX_COMMENT_CHARS {
        return Err(invalid(format!(
            "(#100) The comment is too long ({n} characters; at most {MAX_COMMENT_CHARS})"
        )));
    }
    let tags = text
        .split_whitespace()
        .filter(|w| w.starts_with('#') && w.len() > 1)
        .count();
    if tags > 4 {
        return Err(invalid(format!(
            "(#100) A comment can have at most 4 hashtags ({tags} found)"
        )));
    }
    let urls = text
        .split_whitespace()
        .filter(|w| {
            let l = w.to_ascii_lowercase();
            l.starts_with("http://") || l.starts_with("https://") || l.starts_with("www.")
        })
        .count();
    if urls > 1 {
        return Err(invalid(format!(
            "(#100) A comment can have at most 1 URL ({urls} found)"
        )));
    }
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 4
        && letters.iter().any(|c| c.is_uppercase())
        && letters.iter().all(|c| !c.is_lowercase())
    {
        return Err(invalid("(#100) A comment cannot be all capital letters"));
    }
    Ok(())
}

/// The IG account acting on `media_id` with this token (its owner, or the token's account).
fn acting_account(st: &State, ctx: &Ctx, media_owner: &str) -> String {
    if st.can_access_ig(&ctx.token, media_owner) {
        return media_owner.to_string();
    }
    st.accessible_ig_accounts(&ctx.token)
        .into_iter()
        .next()
        .unwrap_or_default()
}

fn new_own_comment(
    st: &mut State,
    account: &str,
    media_id: &str,
    parent: Option<&str>,
    text: &str,
) -> String {
    let id = engagement::new_comment_id(st);
    let username = st
        .ig_accounts
        .get(account)
        .map(|a| a.username.clone())
        .unwrap_or_default();
    let legacy_id = format!("3{}", st.rng.digits(18));
    let now = st.now();
    engagement::add_comment(
        st,
        Comment {
            id: id.clone(),
            media_id: media_id.to_string(),
            parent_id: parent.map(str::to_string),
            text: text.to_string(),
            timestamp: now,
            username,
            from_id: account.to_string(),
            by_account: Some(account.to_string()),
            like_count: 0,
            hidden: false,
            legacy_id,
        },
    )
}

fn create_comment(
    st: &mut State,
    ctx: &Ctx,
    media_id: &str,
    parent: Option<&String>,
) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ManageComments)?;
    let text = nonempty(ctx, "message").ok_or_else(|| required("message"))?;
    check_text(text)?;
    let m = st
        .media
        .get(media_id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, media_id))?;
    if !m.is_comment_enabled {
        return Err(invalid("(#100) Comments are disabled for this media"));
    }
    let owner = m.owner.clone();
    if let Some(p) = parent
        && st
            .engagement
            .comments
            .get(p.as_str())
            .is_some_and(|c| c.parent_id.is_some())
    {
        return Err(invalid(
            "(#100) Replies can only be made to top-level comments",
        ));
    }
    let account = acting_account(st, ctx, &owner);
    let text = text.to_string();
    let id = new_own_comment(st, &account, media_id, parent.map(String::as_str), &text);
    Ok(json!({ "id": id }))
}

fn hide_comment(st: &mut State, ctx: &Ctx, id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ManageComments)?;
    let hide = match nonempty(ctx, "hide") {
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(other) => {
            return Err(invalid(format!(
                "(#100) Param hide must be a boolean, got '{other}'"
            )));
        }
        None => return Err(required("hide")),
    };
    let owner = EngagementState::comment_media_owner(st, id).unwrap_or_default();
    if !st.can_access_ig(&ctx.token, &owner) {
        return Err(GraphError::permission_denied());
    }
    if let Some(c) = st.engagement.comments.get_mut(id) {
        c.hidden = hide;
    }
    Ok(json!({ "success": true }))
}

fn delete_comment(st: &mut State, ctx: &Ctx, id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ManageComments)?;
    if engagement::remove_comment(st, id) == 0 {
        return Err(GraphError::unsupported_request(&ctx.method, id));
    }
    Ok(json!({ "success": true }))
}

// ---- media edges --------------------------------------------------------------------------------

fn list_children(st: &State, ctx: &Ctx, media_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = media_sel(ctx)?;
    let ids = EngagementState::children_of(st, media_id);
    render_ids(st, ctx, &format!("children:{media_id}"), &ids, &sel)
}

fn list_stories(st: &State, ctx: &Ctx, account: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = media_sel(ctx)?;
    let now = st.now();
    let mut ids: Vec<String> = st.publishing.stories_of(account, st.now_ms());
    for id in st.engagement.stories.get(account).into_iter().flatten() {
        let live = st
            .media
            .get(id)
            .is_some_and(|m| m.timestamp > now - STORY_SECS);
        if live && !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids.sort_by_key(|id| std::cmp::Reverse(st.media.get(id).map(|m| m.timestamp).unwrap_or(0)));
    render_ids(st, ctx, &format!("stories:{account}"), &ids, &sel)
}

fn list_keyed(st: &State, ctx: &Ctx, account: &str, edge: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = media_sel(ctx)?;
    let keys = match edge {
        "live_media" => st.engagement.live.get(account),
        _ => st.engagement.tags.get(account),
    }
    .cloned()
    .unwrap_or_default();
    let keys = within_window(st, ctx, &keys)?;
    render_ids(st, ctx, &format!("{edge}:{account}"), &keys, &sel)
}

fn product_tags(st: &State, ctx: &Ctx, media_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let tags = st
        .engagement
        .product_tags
        .get(media_id)
        .cloned()
        .unwrap_or_default();
    Ok(json!({ "data": tags }))
}

// ---- hashtags -----------------------------------------------------------------------------------

fn hashtag_user(st: &State, ctx: &Ctx) -> Result<String, GraphError> {
    let user = nonempty(ctx, "user_id").ok_or_else(|| required("user_id"))?;
    if !st.can_access_ig(&ctx.token, user) {
        return Err(invalid(format!(
            "(#100) The parameter user_id must be the IG user id of an account this token can act for, got '{user}'"
        )));
    }
    Ok(user.to_string())
}

fn hashtag_search(st: &mut State, ctx: &Ctx) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let user = hashtag_user(st, ctx)?;
    let q = nonempty(ctx, "q").ok_or_else(|| required("q"))?;
    let name = q.trim_start_matches('#').to_lowercase();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(invalid(format!(
            "(#100) The hashtag '{q}' is not valid: letters, digits and underscores only (no spaces or emojis)"
        )));
    }
    let now = st.now();
    let id = engagement::hashtag_id(st, &name);
    let searched = st.engagement.searched(&user, now);
    if !searched.contains(&id) {
        if searched.len() >= HASHTAG_LIMIT {
            return Err(GraphError::new(
                OAUTH,
                18,
                format!(
                    "(#18) This Instagram account has searched the maximum of {HASHTAG_LIMIT} unique hashtags in the last 7 days"
                ),
            ));
        }
        st.engagement
            .searches
            .entry(user)
            .or_default()
            .push((id.clone(), now));
    }
    Ok(json!({ "data": [{ "id": id }] }))
}

fn get_hashtag(st: &State, ctx: &Ctx, id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let h = st
        .engagement
        .hashtags
        .get(id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, id))?;
    let sel = fields::selection(ctx.fields(), &["id"])?;
    fields::validate(&sel, &["id", "name"], "IGHashtag")?;
    fields::build(&sel, &h.id, |f| {
        Ok((f.name == "name").then(|| json!(h.name)))
    })
}

fn hashtag_media(st: &State, ctx: &Ctx, id: &str, edge: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    hashtag_user(st, ctx)?;
    let h = st
        .engagement
        .hashtags
        .get(id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, id))?;
    let sel = media_sel(ctx)?;
    // Media found by hashtag never show who posted them.
    let sel: Vec<FieldSel> = sel
        .into_iter()
        .filter(|f| !matches!(f.name.as_str(), "username" | "owner"))
        .collect();
    let now = st.now();
    let mut found: Vec<&Media> = st
        .media
        .values()
        .filter(|m| m.media_product_type != "STORY")
        .filter(|m| engagement::caption_hashtags(&m.caption).contains(&h.name))
        .collect();
    if edge == "recent_media" {
        found.retain(|m| m.timestamp > now - 86_400);
        found.sort_by_key(|m| std::cmp::Reverse(m.timestamp));
    } else {
        found.sort_by_key(|m| std::cmp::Reverse(m.like_count + m.comments_count));
    }
    let keys: Vec<String> = found.iter().map(|m| m.id.clone()).collect();
    list_page(
        st.cursor_salt,
        &format!("{edge}:{id}"),
        &keys,
        &ctx.params,
        &ctx.url,
        HASHTAG_MEDIA_MAX,
        true,
        |k| {
            st.media
                .get(k)
                .map(|m| render_media(st, ctx.token.family, m, &sel))
        },
    )
}

fn recently_searched(st: &State, ctx: &Ctx, account: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let sel = fields::selection(ctx.fields(), &["id"])?;
    fields::validate(&sel, &["id", "name"], "IGHashtag")?;
    let ids = st.engagement.searched(account, st.now());
    list_page(
        st.cursor_salt,
        &format!("recently_searched_hashtags:{account}"),
        &ids,
        &ctx.params,
        &ctx.url,
        HASHTAG_LIMIT,
        true,
        |id| {
            st.engagement.hashtags.get(id).map(|h| {
                fields::build(&sel, &h.id, |f| {
                    Ok((f.name == "name").then(|| json!(h.name)))
                })
            })
        },
    )
}

// ---- IG user fields: business discovery and mentions -----------------------------------------

/// `business_discovery`, `mentioned_media` and `mentioned_comment` on an IG user (Facebook
/// Login; the field list of Instagram Login refuses them before this is reached).
pub(crate) fn ig_user_field(
    st: &State,
    family: LoginFamily,
    ig_user_id: &str,
    f: &FieldSel,
) -> Result<Option<Value>, GraphError> {
    match f.name.as_str() {
        "business_discovery" => business_discovery(st, family, ig_user_id, f).map(Some),
        "mentioned_media" => {
            let id = modifier(f, "media_id").ok_or_else(|| required("media_id"))?;
            let mentioned = st
                .engagement
                .mentioned_media
                .get(ig_user_id)
                .is_some_and(|l| l.iter().any(|m| m == id));
            let m = st.media.get(id).filter(|_| mentioned).ok_or_else(|| {
                invalid(format!(
                    "(#100) The media {id} does not mention this account or cannot be loaded"
                ))
            })?;
            let sel = match &f.children {
                Some(c) if !c.is_empty() => c.clone(),
                _ => vec![FieldSel::plain("id")],
            };
            let sel: Vec<FieldSel> = sel.into_iter().filter(|s| s.name != "owner").collect();
            validate_media(&sel, family)?;
            render_media(st, family, m, &sel).map(Some)
        }
        "mentioned_comment" => {
            let id = modifier(f, "comment_id").ok_or_else(|| required("comment_id"))?;
            let mentioned = st
                .engagement
                .mentioned_comments
                .get(ig_user_id)
                .is_some_and(|l| l.iter().any(|c| c == id));
            let c = st
                .engagement
                .comments
                .get(id)
                .filter(|_| mentioned)
                .ok_or_else(|| {
                    invalid(format!(
                        "(#100) The comment {id} does not mention this account or cannot be loaded"
                    ))
                })?;
            let sel = comment_sel(f)?;
            render_comment(st, c, &sel).map(Some)
        }
        _ => Ok(None),
    }
}

fn business_discovery(
    st: &State,
    family: LoginFamily,
    asker: &str,
    f: &FieldSel,
) -> Result<Value, GraphError> {
    let username = modifier(f, "username").ok_or_else(|| required("username"))?;
    let target = st
        .ig_accounts
        .values()
        .find(|a| a.username.eq_ignore_ascii_case(username))
        .filter(|a| {
            st.engagement.discoverable.contains(&a.ig_user_id)
                || st.accounts.iter().any(|s| s.ig_user_id == a.ig_user_id)
        })
        .ok_or_else(|| GraphError::new(OAUTH, 110, "Invalid user id").with_subcode(2207013))?;
    let _ = asker;
    let sel = match &f.children {
        Some(c) if !c.is_empty() => c.clone(),
        _ => vec![FieldSel::plain("id")],
    };
    fields::validate(&sel, DISCOVERY_FIELDS, "IGUser")?;
    let (media_fields, profile): (Vec<FieldSel>, Vec<FieldSel>) =
        sel.into_iter().partition(|s| s.name == "media");
    let mut out = render_ig_user(
        st,
        LoginFamily::Facebook,
        &target.ig_user_id,
        None,
        &profile,
    )?;
    if let Some(mf) = media_fields.first() {
        let msel = match &mf.children {
            Some(c) if !c.is_empty() => c.clone(),
            _ => vec![FieldSel::plain("id")],
        };
        let msel: Vec<FieldSel> = msel.into_iter().filter(|s| s.name != "owner").collect();
        validate_media(&msel, family)?;
        let list = nested_list(
            st,
            mf,
            &format!("business_discovery:{}", target.ig_user_id),
            &target.media,
            |id| st.media.get(id).map(|m| render_media(st, family, m, &msel)),
        )?;
        out["media"] = list;
    }
    Ok(out)
}

fn reply_to_mention(st: &mut State, ctx: &Ctx, account: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ManageComments)?;
    let media_id = nonempty(ctx, "media_id")
        .ok_or_else(|| required("media_id"))?
        .to_string();
    let text = nonempty(ctx, "message")
        .ok_or_else(|| required("message"))?
        .to_string();
    check_text(&text)?;
    let parent = match nonempty(ctx, "comment_id") {
        Some(c) => {
            let ok = st
                .engagement
                .mentioned_comments
                .get(account)
                .is_some_and(|l| l.iter().any(|x| x == c))
                && st
                    .engagement
                    .comments
                    .get(c)
                    .is_some_and(|x| x.media_id == media_id);
            if !ok {
                return Err(invalid(format!(
                    "(#100) The comment {c} on media {media_id} does not mention this account"
                )));
            }
            Some(c.to_string())
        }
        None => {
            let ok = st
                .engagement
                .mentioned_media
                .get(account)
                .is_some_and(|l| l.contains(&media_id));
            if !ok {
                return Err(invalid(format!(
                    "(#100) The media {media_id} does not mention this account"
                )));
            }
            None
        }
    };
    let id = new_own_comment(st, account, &media_id, parent.as_deref(), &text);
    Ok(json!({ "id": id }))
}

// ---- shopping -----------------------------------------------------------------------------------

fn get_product_appeal(st: &State, ctx: &Ctx) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let id = nonempty(ctx, "product_id").ok_or_else(|| required("product_id"))?;
    let p = st.engagement.products.get(id).ok_or_else(|| {
        invalid(format!(
            "(#100) Product {id} does not exist in a catalog of this account"
        ))
    })?;
    Ok(json!({ "data": [p] }))
}

fn post_product_appeal(st: &mut State, ctx: &Ctx) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let id = nonempty(ctx, "product_id")
        .ok_or_else(|| required("product_id"))?
        .to_string();
    nonempty(ctx, "appeal_reason").ok_or_else(|| required("appeal_reason"))?;
    let p = st.engagement.products.get_mut(&id).ok_or_else(|| {
        invalid(format!(
            "(#100) Product {id} does not exist in a catalog of this account"
        ))
    })?;
    if p["eligible_for_appeal"] != json!(true) {
        return Err(invalid(format!(
            "(#100) Product {id} is not eligible for appeal"
        )));
    }
    p["product_appeal_status"] = json!("pending");
    p["eligible_for_appeal"] = json!(false);
    Ok(json!({ "success": true }))
}

fn available_catalogs(st: &State, ctx: &Ctx) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    Ok(json!({ "data": st.engagement.catalogs }))
}

fn catalog_product_search(st: &State, ctx: &Ctx) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::Basic)?;
    let catalog = nonempty(ctx, "catalog_id").ok_or_else(|| required("catalog_id"))?;
    if !st
        .engagement
        .catalogs
        .iter()
        .any(|c| c["catalog_id"] == json!(catalog))
    {
        return Err(GraphError::unsupported_request("GET", catalog));
    }
    let q = nonempty(ctx, "q").map(str::to_lowercase);
    let data: Vec<&Value> = st
        .engagement
        .catalog_products
        .iter()
        .filter(|p| {
            q.as_deref().is_none_or(|q| {
                p["product_name"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(q))
            })
        })
        .collect();
    Ok(json!({ "data": data }))
}

// ---- insights -----------------------------------------------------------------------------------

const FEED_METRICS: &[&str] = &[
    "comments",
    "follows",
    "likes",
    "profile_activity",
    "profile_visits",
    "reach",
    "saved",
    "shares",
    "total_interactions",
    "views",
    "total_comments",
    "total_likes",
    "total_views",
    "content_views",
    "reposts",
];
const REELS_METRICS: &[&str] = &[
    "comments",
    "likes",
    "reach",
    "saved",
    "shares",
    "total_interactions",
    "views",
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
    "reels_skip_rate",
    "crossposted_views",
    "facebook_views",
    "total_comments",
    "total_likes",
    "total_views",
    "content_views",
    "reposts",
];
const STORY_METRICS: &[&str] = &[
    "follows",
    "navigation",
    "profile_activity",
    "profile_visits",
    "reach",
    "replies",
    "shares",
    "total_interactions",
    "views",
];
const FB_ONLY_MEDIA: &[&str] = &["total_comments", "total_likes", "total_views"];

fn metric_title(name: &str) -> String {
    let mut s = name.replace('_', " ");
    if let Some(c) = s.get(..1) {
        let upper = c.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s
}

/// Every metric this media's product type offers with this token and version.
fn media_allowed(m: &Media, family: LoginFamily, major: u32) -> Vec<&'static str> {
    let set: &[&str] = match m.media_product_type.as_str() {
        "FEED" => FEED_METRICS,
        "REELS" => REELS_METRICS,
        "STORY" => STORY_METRICS,
        _ => &[],
    };
    set.iter()
        .copied()
        .filter(|x| family == LoginFamily::Facebook || !FB_ONLY_MEDIA.contains(x))
        .filter(|x| *x != "views" || major >= 22)
        .collect()
}

const ALL_MEDIA_METRICS: &[&str] = &[
    "comments",
    "content_views",
    "crossposted_views",
    "facebook_views",
    "follows",
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
    "likes",
    "navigation",
    "profile_activity",
    "profile_visits",
    "reach",
    "reels_skip_rate",
    "replies",
    "reposts",
    "saved",
    "shares",
    "total_comments",
    "total_interactions",
    "total_likes",
    "total_views",
    "views",
];

fn breakdown_values(b: &str) -> &'static [&'static str] {
    match b {
        "action_type" => &["bio_link_clicked", "call", "direction", "email", "text"],
        "story_navigation_action_type" => &["tap_forward", "tap_back", "tap_exit", "swipe_forward"],
        "follow_type" => &["FOLLOWER", "NON_FOLLOWER"],
        "surface_type" => &["FEED", "PROFILE", "EXPLORE", "OTHER"],
        "media_product_type" => &["POST", "REEL", "STORY", "AD", "CAROUSEL_CONTAINER"],
        "contact_button_type" => &["BOOK_NOW", "CALL", "DIRECTION", "EMAIL", "TEXT"],
        "age" => &["18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
        "gender" => &["F", "M", "U"],
        "country" => &["US", "BR", "PT", "DE", "IN"],
        "city" => &["Lisbon, Lisboa", "Porto, Porto", "São Paulo, São Paulo"],
        _ => &[],
    }
}

fn breakdown_json(object: &str, metric: &str, breakdowns: &[String], total: u64) -> Value {
    let mut results = Vec::new();
    let combos: Vec<Vec<&str>> = breakdowns.iter().fold(vec![Vec::new()], |acc, b| {
        acc.iter()
            .flat_map(|prefix| {
                breakdown_values(b).iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(*v);
                    p
                })
            })
            .collect()
    });
    for combo in combos {
        let mut parts = vec![object, metric];
        parts.extend(combo.iter().copied());
        let value = derived(&parts, 0, total.max(1));
        results.push(json!({ "dimension_values": combo, "value": value }));
    }
    json!([{ "dimension_keys": breakdowns, "results": results }])
}

fn media_insights(st: &State, ctx: &Ctx, media_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ManageInsights)?;
    let m = st
        .media
        .get(media_id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, media_id))?;
    if EngagementState::parent_of(st, media_id).is_some() {
        return Err(invalid(
            "(#100) Insights are not available for media inside a carousel: ask the carousel",
        ));
    }
    let metrics: Vec<String> = nonempty(ctx, "metric")
        .ok_or_else(|| required("metric"))?
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let major = version_major(ctx);
    let allowed = media_allowed(m, ctx.token.family, major);
    for (i, name) in metrics.iter().enumerate() {
        if allowed.contains(&name.as_str()) {
            continue;
        }
        let known = ALL_MEDIA_METRICS.contains(&name.as_str())
            && (name != "views" || major >= 22)
            && (ctx.token.family == LoginFamily::Facebook
                || !FB_ONLY_MEDIA.contains(&name.as_str()));
        return Err(if known {
            invalid(format!(
                "(#100) The Media Insights API does not support the {name} metric for this media product type."
            ))
        } else {
            invalid(format!(
                "(#100) metric[{i}] must be one of the following values: {}",
                allowed.join(", ")
            ))
        });
    }
    let breakdowns: Vec<String> = nonempty(ctx, "breakdown")
        .map(|b| b.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    for b in &breakdowns {
        let ok = match b.as_str() {
            "action_type" => metrics.iter().all(|m| m == "profile_activity"),
            "story_navigation_action_type" => metrics.iter().all(|m| m == "navigation"),
            "follow_type" | "surface_type" => true,
            _ => false,
        };
        if !ok {
            return Err(invalid(format!(
                "(#100) The breakdown {b} is not supported for the metrics {}",
                metrics.join(",")
            )));
        }
    }
    let now = st.now();
    // Stories keep their insights only while they are live.
    if m.media_product_type == "STORY" && m.timestamp <= now - STORY_SECS {
        return Ok(json!({ "data": [] }));
    }
    let mut data = Vec::new();
    for name in &metrics {
        // Some metrics have no data for some media: the platform leaves them out.
        if derived(&[media_id, name, "nodata"], 0, 10) == 0 {
            continue;
        }
        let value = derived(&[media_id, name], 0, 5_000);
        let mut item = json!({
            "name": name,
            "period": "lifetime",
            "values": [{ "value": value }],
            "title": metric_title(name),
            "description": format!("Sandbox value of {name} for this media."),
            "id": format!("{media_id}/insights/{name}/lifetime"),
        });
        if !breakdowns.is_empty() {
            item["total_value"] = json!({
                "value": value,
                "breakdowns": breakdown_json(media_id, name, &breakdowns, value),
            });
        }
        data.push(item);
    }
    Ok(json!({ "data": data }))
}

const INTERACTION: &[&str] = &[
    "accounts_engaged",
    "comments",
    "likes",
    "replies",
    "saves",
    "shares",
    "total_interactions",
    "views",
    "profile_links_taps",
    "follows_and_unfollows",
    "profile_views",
    "website_clicks",
    "content_views",
    "reposts",
];
const DEMOGRAPHICS: &[&str] = &[
    "follower_demographics",
    "engaged_audience_demographics",
    "reached_audience_demographics",
];
const ACCOUNT_BREAKDOWNS: &[&str] = &[
    "age",
    "city",
    "contact_button_type",
    "country",
    "follow_type",
    "gender",
    "media_product_type",
];

fn account_allowed(major: u32) -> Vec<&'static str> {
    let mut v: Vec<&str> = INTERACTION
        .iter()
        .chain(DEMOGRAPHICS)
        .chain(&["reach", "follower_count", "online_followers"])
        .copied()
        .filter(|m| *m != "views" || major >= 22)
        .collect();
    v.sort_unstable();
    v
}

fn account_insights(st: &State, ctx: &Ctx, account: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::ManageInsights)?;
    let acc = st
        .ig_accounts
        .get(account)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, account))?;
    let metrics: Vec<String> = nonempty(ctx, "metric")
        .ok_or_else(|| required("metric"))?
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let major = version_major(ctx);
    let allowed = account_allowed(major);
    for (i, name) in metrics.iter().enumerate() {
        if allowed.contains(&name.as_str()) {
            continue;
        }
        if name == "impressions" && major >= 22 {
            return Err(invalid(
                "Starting from version 22 and above, the impressions metric is no longer supported for the queried user. Please refer to the documentation at https://developers.facebook.com/docs/instagram-api/reference/ig-user/insights for a list of supported metrics.",
            ));
        }
        return Err(invalid(format!(
            "(#100) metric[{i}] must be one of the following values: {}",
            allowed.join(", ")
        )));
    }
    let period = nonempty(ctx, "period").ok_or_else(|| required("period"))?;
    let metric_type = nonempty(ctx, "metric_type").unwrap_or("default");
    let needs_total: Vec<&str> = metrics
        .iter()
        .map(String::as_str)
        .filter(|m| INTERACTION.contains(m) || DEMOGRAPHICS.contains(m))
        .collect();
    if !needs_total.is_empty() && metric_type != "total_value" {
        return Err(invalid(format!(
            "(#100) The following metrics ({}) should be specified with parameter metric_type=total_value",
            needs_total.join(", ")
        )));
    }
    for name in &metrics {
        let periods: &[&str] = match name.as_str() {
            "reach" => &["day", "week", "days_28"],
            "follower_count" => &["day"],
            "online_followers" => &["lifetime"],
            n if DEMOGRAPHICS.contains(&n) => &["lifetime"],
            _ => &["day"],
        };
        if !periods.contains(&period) {
            return Err(invalid(format!(
                "(#100) Incompatible period ({period}) for the metric {name}: use {}",
                periods.join(" or ")
            )));
        }
    }
    let breakdowns: Vec<String> = nonempty(ctx, "breakdown")
        .map(|b| b.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    for (i, b) in breakdowns.iter().enumerate() {
        if !ACCOUNT_BREAKDOWNS.contains(&b.as_str()) {
            return Err(invalid(format!(
                "(#100) breakdown[{i}] must be one of the following values: {}",
                ACCOUNT_BREAKDOWNS.join(", ")
            )));
        }
    }
    if let Some(d) = metrics.iter().find(|m| DEMOGRAPHICS.contains(&m.as_str()))
        && breakdowns.is_empty()
    {
        return Err(invalid(format!(
            "(#100) The following metrics ({d}) should be specified with parameter breakdown"
        )));
    }
    let now = st.now();
    let (since, until) = window_params(ctx)?;
    let until = until.unwrap_or(now).min(now);
    let since = since.unwrap_or(until - 2 * 86_400);
    if since > until {
        return Err(invalid("(#100) since must be before until"));
    }
    // Data is kept about two years: older windows have none.
    let too_old = until < now - 730 * 86_400;
    let mut data = Vec::new();
    for name in &metrics {
        if too_old {
            continue;
        }
        let id = format!("{account}/insights/{name}/{period}");
        let mut item = json!({
            "name": name,
            "period": period,
            "title": metric_title(name),
            "description": format!("Sandbox value of {name} for this account."),
            "id": id,
        });
        if metric_type == "total_value" {
            let total = if name == "follower_count" {
                acc.followers_count
            } else {
                derived(&[account, name, &since.to_string()], 0, 20_000)
            };
            let mut tv = json!({});
            if !DEMOGRAPHICS.contains(&name.as_str()) {
                tv["value"] = json!(total);
            }
            if !breakdowns.is_empty() {
                tv["breakdowns"] = breakdown_json(account, name, &breakdowns, total);
            }
            item["total_value"] = tv;
        } else if name == "online_followers" {
            let hours: Map<String, Value> = (0..24)
                .map(|h| {
                    (
                        h.to_string(),
                        json!(derived(&[account, "online", &h.to_string()], 0, 900)),
                    )
                })
                .collect();
            item["values"] = json!([{ "value": hours, "end_time": graph_timestamp(until - until.rem_euclid(86_400) + 7 * 3600) }]);
        } else {
            let step = match period {
                "week" => 7 * 86_400,
                "days_28" => 28 * 86_400,
                _ => 86_400,
            };
            let mut values = Vec::new();
            let mut t = since - since.rem_euclid(86_400) + 86_400 + 7 * 3600;
            while t <= until + 86_400 && values.len() < 93 {
                let value = if name == "follower_count" {
                    derived(&[account, name, &t.to_string()], 0, 60)
                } else {
                    derived(&[account, name, &t.to_string()], 0, 5_000)
                };
                values.push(json!({ "value": value, "end_time": graph_timestamp(t) }));
                t += step;
            }
            item["values"] = json!(values);
        }
        data.push(item);
    }
    let mut out = json!({ "data": data });
    if metric_type != "total_value" && !data_is_empty(&out) {
        let span = until - since;
        let shift = |s: i64, u: i64| -> String {
            let pairs: Vec<(String, String)> = ctx
                .url
                .query
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "since" | "until"))
                .cloned()
                .chain([
                    ("since".to_string(), s.to_string()),
                    ("until".to_string(), u.to_string()),
                ])
                .collect();
            let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            format!("{}://{}{}?{qs}", ctx.url.scheme, ctx.url.host, ctx.url.path)
        };
        let mut paging = json!({ "previous": shift(since - span, since) });
        if until < now {
            paging["next"] = json!(shift(until, (until + span).min(now)));
        }
        out["paging"] = paging;
    }
    Ok(out)
}

fn data_is_empty(v: &Value) -> bool {
    v["data"].as_array().is_none_or(Vec::is_empty)
}

// ---- root: batch and multi-id reads -------------------------------------------------------------

/// `POST /` with `batch` and `GET /?ids=`; `None` when the request is neither.
pub(crate) fn root(st: &mut State, ctx: &Ctx) -> Option<Result<Value, GraphError>> {
    if let Some(batch) = ctx.params.get("batch") {
        if ctx.method != "POST" {
            return Some(Err(GraphError::unsupported_request(&ctx.method, "batch")));
        }
        if ctx.instagram() {
            return Some(Err(GraphError::unknown_path(true, "/")));
        }
        let batch = batch.to_string();
        return Some(run_batch(st, ctx, &batch));
    }
    let ids = ctx.params.get("ids")?.to_string();
    Some(multi_read(st, ctx, &ids))
}

fn sub_ctx(
    ctx: &Ctx,
    method: &str,
    path: &str,
    query: Vec<(String, String)>,
    body: Vec<(String, String)>,
) -> Ctx {
    let mut params = Params::default();
    params.extend(query.iter().cloned());
    params.extend(body);
    Ctx {
        method: method.to_string(),
        params,
        token: ctx.token.clone(),
        url: UrlBase {
            path: path.to_string(),
            query,
            ..ctx.url.clone()
        },
    }
}

fn multi_read(st: &mut State, ctx: &Ctx, ids: &str) -> Result<Value, GraphError> {
    let list: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() || list.len() > 50 {
        return Err(invalid("(#100) The parameter ids must list 1 to 50 ids"));
    }
    let query: Vec<(String, String)> = ctx
        .url
        .query
        .iter()
        .filter(|(k, _)| k != "ids")
        .cloned()
        .collect();
    let mut out = Map::new();
    for id in list {
        let sub = sub_ctx(
            ctx,
            &ctx.method,
            &format!("/{id}"),
            query.clone(),
            Vec::new(),
        );
        let v = super::dispatch(st, &sub, &[id.to_string()])?;
        out.insert(id.to_string(), v);
    }
    Ok(Value::Object(out))
}

/// Replaces `{result=NAME:$.path}` with values from earlier named results.
fn substitute(s: &str, named: &BTreeMap<String, Option<Value>>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{result=") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{result=".len()..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expr = &after[..end];
        let value = expr.split_once(':').and_then(|(name, path)| {
            let mut v = named.get(name)?.as_ref()?;
            for key in path
                .trim_start_matches('$')
                .split('.')
                .filter(|k| !k.is_empty())
            {
                v = match key.parse::<usize>() {
                    Ok(i) if v.is_array() => v.get(i)?,
                    _ => v.get(key)?,
                };
            }
            Some(match v {
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            })
        });
        out.push_str(&value.unwrap_or_default());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn run_batch(st: &mut State, ctx: &Ctx, raw: &str) -> Result<Value, GraphError> {
    let ops: Vec<Value> = match serde_json::from_str::<Value>(raw) {
        Ok(Value::Array(a)) => a,
        _ => {
            return Err(invalid(
                "(#100) The parameter batch must be a JSON array of operations",
            ));
        }
    };
    if ops.len() > 50 {
        return Err(invalid(
            "(#100) Too many requests in batch message. Maximum batch size is 50",
        ));
    }
    let include_headers = ctx.params.get("include_headers") != Some("false");
    let mut named: BTreeMap<String, Option<Value>> = BTreeMap::new();
    let mut results = Vec::new();
    let (version, _) = super::split_version(&ctx.url.path);
    for op in ops {
        let method = op["method"].as_str().unwrap_or("GET").to_ascii_uppercase();
        let name = op["name"].as_str().map(str::to_string);
        if let Some(dep) = op["depends_on"].as_str()
            && !matches!(named.get(dep), Some(Some(_)))
        {
            results.push(Value::Null);
            if let Some(n) = name {
                named.insert(n, None);
            }
            continue;
        }
        let Some(rel) = op["relative_url"].as_str() else {
            let e = invalid("(#100) Each batch operation needs a relative_url");
            results.push(json!({ "code": e.status, "body": e.body(&st.next_trace_id()) }));
            continue;
        };
        let rel = substitute(rel.trim_start_matches('/'), &named);
        let (path, query) = rel.split_once('?').unwrap_or((rel.as_str(), ""));
        let query: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let body: Vec<(String, String)> = op["body"]
            .as_str()
            .map(|b| serde_urlencoded::from_str(&substitute(b, &named)).unwrap_or_default())
            .unwrap_or_default();
        let (_, segs) = super::split_version(&format!("/{path}"));
        let full_path =
            if path.starts_with('v') && path.split('/').next().is_some_and(|v| v.contains('.')) {
                format!("/{path}")
            } else {
                format!("/{version}/{path}")
            };
        let sub = sub_ctx(ctx, &method, &full_path, query, body);
        let now = st.now();
        let ig = super::target_ig_account(st, &ctx.token, &segs);
        let (app_budget, buc_budget) =
            (st.config.app_budget_per_hour, st.config.buc_budget_per_day);
        let result = st
            .usage
            .admit(
                &ctx.token.app_id,
                ig.as_deref(),
                now,
                app_budget,
                buc_budget,
            )
            .and_then(|()| {
                if segs.is_empty() {
                    Err(invalid("(#100) A batch operation needs a path"))
                } else {
                    super::dispatch(st, &sub, &segs)
                }
            });
        let mut headers = vec![
            json!({"name": "Content-Type", "value": "text/javascript; charset=UTF-8"}),
            json!({"name": "Facebook-API-Version", "value": version}),
        ];
        let item = match result {
            Ok(v) => {
                if let Some(n) = &name {
                    named.insert(n.clone(), Some(v.clone()));
                }
                let mut item = json!({ "code": 200 });
                if op["omit_response_on_success"] != json!(true) {
                    item["body"] = json!(v.to_string());
                }
                item
            }
            Err(e) => {
                if let Some(n) = &name {
                    named.insert(n.clone(), None);
                }
                headers.push(json!({"name": "WWW-Authenticate", "value": e.www_authenticate()}));
                let trace = st.next_trace_id();
                json!({ "code": e.status, "body": e.body(&trace) })
            }
        };
        let mut item = item;
        if include_headers {
            item["headers"] = json!(headers);
        }
        results.push(item);
    }
    Ok(Value::Array(results))
}
