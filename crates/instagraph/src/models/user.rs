//! The IG user (professional account) as both families return it.

use crate::ids::{AppScopedUserId, IgUserId, PageId};
use serde::{Deserialize, Serialize};

/// An Instagram professional account's profile.
///
/// Facebook Login reads the `IGUser` node (`id` is the IG user id); Instagram Login reads
/// `IGUserForIGOnlyAPI` via `me` (`id` is the app-scoped id and `user_id` the IG user id).
/// Fields are optional because the platform only returns what was asked for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The node id (see the type's docs for which id this is per family).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub id: Option<String>,
    /// The IG professional account id (Instagram Login's `user_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<IgUserId>,
    /// Legacy Instagram id (a number in some responses).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub ig_id: Option<String>,
    /// Handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `BUSINESS` or `MEDIA_CREATOR` (Instagram Login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// Biography.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biography: Option<String>,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Followers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers_count: Option<u64>,
    /// Accounts followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows_count: Option<u64>,
    /// Media count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_count: Option<u64>,
    /// Profile picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_url: Option<String>,
    /// Whether a profile picture is set (Facebook Login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_profile_pic: Option<bool>,
    /// Whether the account is published (Facebook Login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_published: Option<bool>,
    /// Legacy Instagram user id (Facebook Login).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::opt_string_or_number"
    )]
    pub legacy_instagram_user_id: Option<String>,
    /// Fields this model does not declare, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl UserProfile {
    /// The IG professional account id, whichever family answered.
    pub fn ig_user_id(&self) -> Option<IgUserId> {
        self.user_id
            .clone()
            .or_else(|| self.id.as_deref().map(IgUserId::new))
    }

    /// The Instagram Login app-scoped id, when `user_id` is also present (so `id` is app-scoped).
    pub fn app_scoped_id(&self) -> Option<AppScopedUserId> {
        self.user_id
            .as_ref()
            .and(self.id.as_deref())
            .map(AppScopedUserId::new)
    }
}

/// The fields asked for by default on Facebook Login (`IGUser`).
pub const FACEBOOK_PROFILE_FIELDS: &str = "id,ig_id,username,name,biography,website,followers_count,follows_count,media_count,profile_picture_url";

/// The fields asked for by default on Instagram Login (`IGUserForIGOnlyAPI`).
pub const INSTAGRAM_PROFILE_FIELDS: &str = "id,user_id,username,name,account_type,biography,website,followers_count,follows_count,media_count,profile_picture_url";

/// The fields asked for by default when reading an IG user node by id on Instagram Login.
pub const INSTAGRAM_NODE_FIELDS: &str = "id,username,name,biography,website,followers_count,follows_count,media_count,profile_picture_url";

/// `instagram_business_account` on a Page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstagramBusinessAccount {
    /// The IG user id.
    pub id: IgUserId,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A Facebook Page from `GET /me/accounts` (Facebook Login).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageAccount {
    /// Page id.
    pub id: PageId,
    /// Page name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The connected IG professional account (absent when none is connected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instagram_business_account: Option<InstagramBusinessAccount>,
    /// Tasks the user can perform on the Page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<String>,
    /// Fields not declared here. A Page `access_token`, when requested, is kept here as sent;
    /// treat it as a secret.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
