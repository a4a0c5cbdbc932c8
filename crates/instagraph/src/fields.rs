//! Field selection: the fields each node documents (from Meta's v25.0 codegen specs,
//! `facebook-business-sdk-codegen/api_specs/specs/*.json`), the sets asked for by default, and an
//! "all documented fields" option.
//!
//! ```
//! use instagraph::fields::{FieldSet, Node};
//! use instagraph::LoginFamily;
//! let all = FieldSet::All.resolve(Node::Media, LoginFamily::Instagram).unwrap();
//! assert!(all.contains("media_product_type"));
//! let mine = FieldSet::parse("id,caption").resolve(Node::Media, LoginFamily::Facebook).unwrap();
//! assert_eq!(mine, "id,caption");
//! ```
//!
//! The spec lists are checked against the spec files by the crate's tests; fields left out of
//! "all" and the reason are in [`crate::coverage`].

use crate::config::LoginFamily;
use crate::error::Error;

/// A node type whose fields can be selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// An IG professional account (`IGUser`; Instagram Login: `IGUserForIGOnlyAPI`).
    User,
    /// A media object (`IGMedia`; Instagram Login: `IGMediaForIGOnlyAPI`).
    Media,
    /// A comment or reply (`IGComment`).
    Comment,
    /// A hashtag (`ShadowIGHashtag`).
    Hashtag,
    /// Media found by hashtag (`top_media`, `recent_media`): a restricted `IGMedia` field set.
    HashtagMedia,
    /// Another account's profile through business discovery.
    DiscoveredUser,
    /// Another account's media through business discovery.
    DiscoveredMedia,
}

/// `IGUser` fields (Facebook Login), v25.0 spec `IGUser.json`.
pub const IG_USER_FIELDS: &[&str] = &[
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

/// `IGUserForIGOnlyAPI` fields (Instagram Login), v25.0 spec `IGUserForIGOnlyAPI.json`.
pub const IG_USER_IG_LOGIN_FIELDS: &[&str] = &[
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

/// `IGMedia` fields (Facebook Login), v25.0 spec `IGMedia.json`.
pub const IG_MEDIA_FIELDS: &[&str] = &[
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

/// `IGMediaForIGOnlyAPI` fields (Instagram Login), v25.0 spec `IGMediaForIGOnlyAPI.json`.
pub const IG_MEDIA_IG_LOGIN_FIELDS: &[&str] = &[
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

/// `IGComment` fields, v25.0 spec `IGComment.json` (both families).
pub const IG_COMMENT_FIELDS: &[&str] = &[
    "from",
    "hidden",
    "id",
    "legacy_instagram_comment_id",
    "like_count",
    "media",
    "parent_id",
    "text",
    "timestamp",
    "user",
    "username",
];

/// `ShadowIGHashtag` fields, v25.0 spec `ShadowIGHashtag.json`.
pub const IG_HASHTAG_FIELDS: &[&str] = &["id", "name"];

/// The media fields hashtag search returns for other accounts' media (no owner, username or
/// insights).
pub const HASHTAG_MEDIA_FIELDS: &[&str] = &[
    "caption",
    "comments_count",
    "id",
    "like_count",
    "media_type",
    "media_url",
    "permalink",
    "timestamp",
];

/// The profile fields business discovery returns for another account.
pub const DISCOVERED_USER_FIELDS: &[&str] = &[
    "biography",
    "followers_count",
    "follows_count",
    "id",
    "ig_id",
    "media_count",
    "name",
    "profile_picture_url",
    "username",
    "website",
];

/// The media fields business discovery returns for another account's media.
pub const DISCOVERED_MEDIA_FIELDS: &[&str] = &[
    "caption",
    "comments_count",
    "id",
    "like_count",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "timestamp",
    "username",
];

/// Fields of a node that "all" leaves out, with the reason: they take parameters and have
/// their own operations.
pub const NOT_IN_ALL: &[(&str, &str)] = &[
    (
        "business_discovery",
        "takes a username: use Client::business_discovery",
    ),
    (
        "mentioned_comment",
        "takes a comment id: use Client::mentioned_comment",
    ),
    (
        "mentioned_media",
        "takes a media id: use Client::mentioned_media",
    ),
];

const DEFAULT_MEDIA: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,shortcode,timestamp,username,like_count,comments_count,is_comment_enabled";
const DEFAULT_COMMENT: &str = "id,text,timestamp,username,from,like_count,hidden,parent_id";
const DEFAULT_HASHTAG_MEDIA: &str =
    "id,caption,media_type,media_url,permalink,timestamp,like_count,comments_count";
const DEFAULT_DISCOVERED_USER: &str = "id,username,name,biography,website,followers_count,follows_count,media_count,profile_picture_url";
const DEFAULT_DISCOVERED_MEDIA: &str = "id,caption,media_type,media_product_type,media_url,permalink,timestamp,like_count,comments_count";

/// The fields `node` documents for `family`.
pub fn documented(node: Node, family: LoginFamily) -> &'static [&'static str] {
    match (node, family) {
        (Node::User, LoginFamily::Facebook) => IG_USER_FIELDS,
        (Node::User, LoginFamily::Instagram) => IG_USER_IG_LOGIN_FIELDS,
        (Node::Media, LoginFamily::Facebook) => IG_MEDIA_FIELDS,
        (Node::Media, LoginFamily::Instagram) => IG_MEDIA_IG_LOGIN_FIELDS,
        (Node::Comment, _) => IG_COMMENT_FIELDS,
        (Node::Hashtag, _) => IG_HASHTAG_FIELDS,
        (Node::HashtagMedia, _) => HASHTAG_MEDIA_FIELDS,
        (Node::DiscoveredUser, _) => DISCOVERED_USER_FIELDS,
        (Node::DiscoveredMedia, _) => DISCOVERED_MEDIA_FIELDS,
    }
}

/// The fields asked for when the caller does not choose.
pub fn default_fields(node: Node, family: LoginFamily) -> &'static str {
    match node {
        Node::User => match family {
            LoginFamily::Facebook => crate::models::user::FACEBOOK_PROFILE_FIELDS,
            LoginFamily::Instagram => crate::models::user::INSTAGRAM_PROFILE_FIELDS,
        },
        Node::Media => DEFAULT_MEDIA,
        Node::Comment => DEFAULT_COMMENT,
        Node::Hashtag => "id,name",
        Node::HashtagMedia => DEFAULT_HASHTAG_MEDIA,
        Node::DiscoveredUser => DEFAULT_DISCOVERED_USER,
        Node::DiscoveredMedia => DEFAULT_DISCOVERED_MEDIA,
    }
}

/// Every documented field of `node` except the parameterised ones ([`NOT_IN_ALL`]).
pub fn all_fields(node: Node, family: LoginFamily) -> String {
    documented(node, family)
        .iter()
        .filter(|f| !NOT_IN_ALL.iter().any(|(n, _)| n == *f))
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

/// Which fields to ask for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FieldSet {
    /// The default set of the node ([`default_fields`]).
    #[default]
    Default,
    /// Every documented field ([`all_fields`]).
    All,
    /// The caller's own `fields` value (nested selections such as `children{id}` allowed).
    Custom(String),
}

impl FieldSet {
    /// `"all"` → [`FieldSet::All`], `""`/`"default"` → [`FieldSet::Default`], else a custom list.
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "" | "default" => FieldSet::Default,
            "all" => FieldSet::All,
            other => FieldSet::Custom(other.to_owned()),
        }
    }

    /// From an optional CLI value.
    pub fn from_option(s: Option<&str>) -> Self {
        s.map(Self::parse).unwrap_or_default()
    }

    /// The `fields` parameter to send; a custom list is checked for balanced braces and
    /// characters Graph accepts.
    pub fn resolve(&self, node: Node, family: LoginFamily) -> Result<String, Error> {
        match self {
            FieldSet::Default => Ok(default_fields(node, family).to_owned()),
            FieldSet::All => Ok(all_fields(node, family)),
            FieldSet::Custom(s) => {
                check_fields_syntax(s)?;
                Ok(s.split(',').map(str::trim).collect::<Vec<_>>().join(","))
            }
        }
    }
}

/// Checks a `fields` value before the network: names, `.modifier(arg)`, balanced `{}`/`()`.
pub fn check_fields_syntax(s: &str) -> Result<(), Error> {
    let mut braces = 0i32;
    let mut parens = 0i32;
    for c in s.chars() {
        match c {
            '{' => braces += 1,
            '}' => braces -= 1,
            '(' => parens += 1,
            ')' => parens -= 1,
            _ => {}
        }
        if braces < 0 || parens < 0 {
            break;
        }
        let ok = parens > 0
            || c.is_ascii_alphanumeric()
            || matches!(c, '_' | ',' | '.' | '{' | '}' | '(' | ')' | ' ');
        if !ok {
            return Err(Error::invalid_input(
                "fields",
                "comma-separated field names, with optional {sub,fields} and .modifier(value)",
                s,
            ));
        }
    }
    if braces != 0 || parens != 0 || s.trim().is_empty() {
        return Err(Error::invalid_input(
            "fields",
            "a non-empty list with balanced { } and ( )",
            s,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_resolve() {
        let all = FieldSet::All
            .resolve(Node::User, LoginFamily::Facebook)
            .unwrap();
        assert!(all.contains("shopping_review_status") && !all.contains("business_discovery"));
        assert_eq!(
            FieldSet::parse(" id, caption ")
                .resolve(Node::Media, LoginFamily::Facebook)
                .unwrap(),
            "id,caption"
        );
        assert!(
            FieldSet::parse("id,children{id")
                .resolve(Node::Media, LoginFamily::Facebook)
                .is_err()
        );
        assert!(
            FieldSet::parse("id;drop")
                .resolve(Node::Media, LoginFamily::Facebook)
                .is_err()
        );
        assert!(check_fields_syntax("id,comments.limit(5){text},media.after(QVF-_=){id}").is_ok());
    }

    #[test]
    fn instagram_login_sets_stay_inside_its_spec() {
        for node in [Node::Media, Node::User] {
            let doc = documented(node, LoginFamily::Instagram);
            for f in default_fields(node, LoginFamily::Instagram).split(',') {
                assert!(
                    doc.contains(&f),
                    "{node:?} default {f} not in the IG-Login spec"
                );
            }
        }
    }
}
