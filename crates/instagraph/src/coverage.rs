//! # Coverage of Meta's specs
//!
//! How this crate covers the v25.0 codegen specs of the reading and engagement nodes
//! (`facebook-business-sdk-codegen/api_specs/specs`: `IGUser`, `IGUserForIGOnlyAPI`, `IGMedia`,
//! `IGMediaForIGOnlyAPI`, `IGComment`, `ShadowIGHashtag`, the shopping nodes, the insights
//! results and the insights enums), and what is left out, with the reason. A test reads the spec
//! files and fails when a spec field, edge or enum value is neither covered nor listed here.
//!
//! ## Fields
//! Every field of those nodes is in the field lists of [`crate::fields`] (so `--fields all`
//! asks for it) and the sandbox renders it. Every field is a typed member of its model, except
//! these, which are kept as sent in the model's `extra` map ([`UNTYPED_FIELDS`]):
//!
//! | node | field | why |
//! |---|---|---|
//! | IGUser | `business_discovery` | takes a username: read with [`crate::Client::business_discovery`], typed as [`crate::models::DiscoveredAccount`] |
//! | IGUser | `mentioned_comment` | takes a comment id: [`crate::Client::mentioned_comment`] returns a typed [`crate::models::Comment`] |
//! | IGUser | `mentioned_media` | takes a media id: [`crate::Client::mentioned_media`] returns a typed [`crate::models::Media`] |
//! | IGUser | `owner_business` | a Marketing API `Business` node (needs `business_management`); outside this crate's scope |
//! | IGUser | `shopping_product_tag_eligibility` | shopping onboarding state; rarely needed, kept as sent |
//! | IGUser | `shopping_review_status` | shopping onboarding state; rarely needed, kept as sent |
//!
//! ## Edges and operations
//! [`EDGES`] maps every edge of those nodes to the operation that covers it, or to the reason it
//! is not covered: ads and branded content (Marketing API), creator marketplace, Threads links,
//! datasets, upcoming events and welcome message flows are outside reading and engagement;
//! publishing edges belong to the publishing operations; deleting media is in the v25 spec with
//! uncertain availability: [`crate::Client::delete_media`] offers it on Facebook Login only and
//! reports the platform's answer.
//!
//! ## Insights enums
//! Every value of `mediainsights_*`, `shadowigmediainsights_*`, `userinsights_*` and
//! `shadowiguserinsights_*` (metric, period, breakdown, metric_type, timeframe) is known to
//! [`crate::ops::insights`]. Metric values are classified ([`crate::ops::insights::MetricStatus`]):
//!
//! | metrics | status | why |
//! |---|---|---|
//! | `impressions`, `plays`, `clips_replays_count`, `ig_reels_aggregated_all_plays_count` (media); `impressions` (account) | removed | v22.0, every version since 2025-04-21: use `views` |
//! | `video_views` (media) | removed | v21.0, every version since 2025-01-08: use `views` |
//! | `quotes`, `thread_replies`, `thread_shares`, `threads_media_clicks`, `threads_reposts`, `threads_views`, `threads_clicks`, `threads_follower_demographics`, `threads_followers`, `threads_likes`, `threads_replies`, `threads_reposts`, `threads_views` | Threads only | the enums are shared with Threads profiles and posts; refused for Instagram objects |
//! | `content_views`, `reposts` | unverified | in the v25 enums but not in the metric tables we rely on: sent unchecked (no product-type or period rule) |
//!
//! Media breakdowns `follow_type` and `surface_type` are accepted for any metric that takes no
//! specific breakdown (which metrics take them is not documented in our sources).

/// A spec field kept in the model's `extra` map rather than as a typed member: (spec node,
/// field, reason).
pub const UNTYPED_FIELDS: &[(&str, &str, &str)] = &[
    (
        "IGUser",
        "business_discovery",
        "parameterised: Client::business_discovery",
    ),
    (
        "IGUser",
        "mentioned_comment",
        "parameterised: Client::mentioned_comment",
    ),
    (
        "IGUser",
        "mentioned_media",
        "parameterised: Client::mentioned_media",
    ),
    ("IGUser", "owner_business", "a Marketing API Business node"),
    (
        "IGUser",
        "shopping_product_tag_eligibility",
        "shopping onboarding state, kept as sent",
    ),
    (
        "IGUser",
        "shopping_review_status",
        "shopping onboarding state, kept as sent",
    ),
];

/// How an edge of a spec node is covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// By this operation.
    Op(&'static str),
    /// Not covered, for this reason.
    Gap(&'static str),
}

use Coverage::{Gap, Op};

const ADS: Coverage = Gap("ads and branded content belong to the Marketing API");
const PUBLISHING: Coverage = Op("publishing operations (ops::publishing)");
const OUT: Coverage =
    Gap("outside reading and engagement (creator marketplace, Threads, datasets, events, flows)");

/// Every edge (`""` = the node itself) of the covered spec nodes: (spec node, method, edge,
/// coverage).
pub const EDGES: &[(&str, &str, &str, Coverage)] = &[
    ("IGUser", "GET", "", Op("Client::me / Client::user_profile")),
    ("IGUser", "GET", "agencies", ADS),
    ("IGUser", "GET", "authorized_adaccounts", ADS),
    ("IGUser", "POST", "authorized_adaccounts", ADS),
    (
        "IGUser",
        "GET",
        "available_catalogs",
        Op("Client::available_catalogs"),
    ),
    ("IGUser", "GET", "branded_content_ad_permissions", ADS),
    ("IGUser", "POST", "branded_content_ad_permissions", ADS),
    ("IGUser", "GET", "branded_content_advertisable_medias", ADS),
    ("IGUser", "DELETE", "branded_content_tag_approval", ADS),
    ("IGUser", "GET", "branded_content_tag_approval", ADS),
    ("IGUser", "POST", "branded_content_tag_approval", ADS),
    ("IGUser", "POST", "business_messaging_feature_status", OUT),
    (
        "IGUser",
        "GET",
        "catalog_product_search",
        Op("Client::catalog_product_search"),
    ),
    (
        "IGUser",
        "GET",
        "collaboration_invites",
        Gap("collaboration invites belong with publishing (collaborators)"),
    ),
    (
        "IGUser",
        "POST",
        "collaboration_invites",
        Gap("collaboration invites belong with publishing (collaborators)"),
    ),
    (
        "IGUser",
        "GET",
        "collaborative_media",
        Gap("collaboration invites belong with publishing (collaborators)"),
    ),
    ("IGUser", "GET", "connected_threads_user", OUT),
    ("IGUser", "GET", "content_publishing_limit", PUBLISHING),
    ("IGUser", "GET", "creator_marketplace_creators", OUT),
    ("IGUser", "GET", "dataset", OUT),
    ("IGUser", "POST", "dataset", OUT),
    ("IGUser", "GET", "insights", Op("Client::account_insights")),
    ("IGUser", "GET", "instagram_backed_threads_user", OUT),
    ("IGUser", "POST", "instagram_backed_threads_user", OUT),
    ("IGUser", "GET", "live_media", Op("Client::live_media")),
    ("IGUser", "GET", "media", Op("Client::user_media")),
    ("IGUser", "POST", "media", PUBLISHING),
    ("IGUser", "POST", "media_publish", PUBLISHING),
    ("IGUser", "POST", "mentions", Op("Client::reply_to_mention")),
    (
        "IGUser",
        "POST",
        "moderate_conversations",
        Gap("direct-message moderation (block, spam) is not part of reading and engagement"),
    ),
    ("IGUser", "GET", "notification_message_tokens", OUT),
    (
        "IGUser",
        "GET",
        "product_appeal",
        Op("Client::product_appeal"),
    ),
    (
        "IGUser",
        "POST",
        "product_appeal",
        Op("Client::appeal_product"),
    ),
    (
        "IGUser",
        "GET",
        "recently_searched_hashtags",
        Op("Client::recently_searched_hashtags"),
    ),
    (
        "IGUser",
        "GET",
        "scheduled_media",
        Gap("platform-side scheduling belongs with publishing"),
    ),
    ("IGUser", "GET", "stories", Op("Client::stories")),
    ("IGUser", "GET", "tags", Op("Client::tagged_media")),
    ("IGUser", "GET", "upcoming_events", OUT),
    ("IGUser", "POST", "upcoming_events", OUT),
    ("IGUser", "GET", "welcome_message_flows", OUT),
    ("IGUserForIGOnlyAPI", "GET", "", Op("Client::me")),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "business_messaging_feature_status",
        OUT,
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "content_publishing_limit",
        PUBLISHING,
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "conversations",
        Op("Client::conversations_page"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "insights",
        Op("Client::account_insights"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "live_media",
        Op("Client::live_media"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "media",
        Op("Client::user_media"),
    ),
    ("IGUserForIGOnlyAPI", "POST", "media", PUBLISHING),
    ("IGUserForIGOnlyAPI", "POST", "mediapublish", PUBLISHING),
    (
        "IGUserForIGOnlyAPI",
        "POST",
        "mentions",
        Gap(
            "mentions are a Facebook Login feature in Meta's guides (reading them needs mentioned_media, absent from this spec); reply_to_mention requires Facebook Login",
        ),
    ),
    (
        "IGUserForIGOnlyAPI",
        "POST",
        "messageattachments",
        Op("Client::upload_attachment"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "POST",
        "messages",
        Op("Client::send_message"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "DELETE",
        "messenger_profile",
        Op("ops::messenger_profile"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "messenger_profile",
        Op("ops::messenger_profile"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "POST",
        "messenger_profile",
        Op("ops::messenger_profile"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "stories",
        Op("Client::stories"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "DELETE",
        "subscribed_apps",
        Gap("webhook subscriptions are set up once per account, outside reading and engagement"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "subscribed_apps",
        Gap("webhook subscriptions are set up once per account, outside reading and engagement"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "POST",
        "subscribed_apps",
        Gap("webhook subscriptions are set up once per account, outside reading and engagement"),
    ),
    (
        "IGUserForIGOnlyAPI",
        "GET",
        "tags",
        Op("Client::tagged_media"),
    ),
    ("IGUserForIGOnlyAPI", "DELETE", "welcome_message_flows", OUT),
    ("IGUserForIGOnlyAPI", "GET", "welcome_message_flows", OUT),
    ("IGUserForIGOnlyAPI", "POST", "welcome_message_flows", OUT),
    ("IGMedia", "GET", "", Op("Client::media")),
    ("IGMedia", "POST", "", Op("Client::set_comments_enabled")),
    // In the v25 spec; availability uncertain (facts 4.2). Offered on Facebook Login, where the
    // platform's own answer decides; Instagram Login refuses before the network.
    ("IGMedia", "DELETE", "", Op("Client::delete_media")),
    ("IGMedia", "GET", "boost_ads_list", ADS),
    ("IGMedia", "GET", "branded_content_partner_promote", ADS),
    ("IGMedia", "POST", "branded_content_partner_promote", ADS),
    ("IGMedia", "GET", "children", Op("Client::media_children")),
    (
        "IGMedia",
        "GET",
        "collaborators",
        Gap("collaborators belong with publishing"),
    ),
    ("IGMedia", "GET", "comments", Op("Client::comments")),
    ("IGMedia", "POST", "comments", Op("Client::create_comment")),
    ("IGMedia", "GET", "insights", Op("Client::media_insights")),
    ("IGMedia", "DELETE", "partnership_ad_code", ADS),
    ("IGMedia", "POST", "partnership_ad_code", ADS),
    ("IGMedia", "GET", "product_tags", Op("Client::product_tags")),
    (
        "IGMedia",
        "POST",
        "product_tags",
        Gap("tagging products is done when publishing; updating tags is not offered yet"),
    ),
    ("IGMediaForIGOnlyAPI", "GET", "", Op("Client::media")),
    (
        "IGMediaForIGOnlyAPI",
        "POST",
        "",
        Op("Client::set_comments_enabled"),
    ),
    (
        "IGMediaForIGOnlyAPI",
        "GET",
        "children",
        Op("Client::media_children"),
    ),
    (
        "IGMediaForIGOnlyAPI",
        "GET",
        "comments",
        Op("Client::comments"),
    ),
    (
        "IGMediaForIGOnlyAPI",
        "POST",
        "comments",
        Op("Client::create_comment"),
    ),
    (
        "IGMediaForIGOnlyAPI",
        "GET",
        "insights",
        Op("Client::media_insights"),
    ),
    ("IGComment", "GET", "", Op("Client::comment")),
    ("IGComment", "POST", "", Op("Client::hide_comment")),
    ("IGComment", "DELETE", "", Op("Client::delete_comment")),
    ("IGComment", "GET", "replies", Op("Client::replies")),
    (
        "IGComment",
        "POST",
        "replies",
        Op("Client::reply_to_comment"),
    ),
    ("ShadowIGHashtag", "GET", "", Op("Client::hashtag")),
    (
        "ShadowIGHashtag",
        "GET",
        "recent_media",
        Op("Client::hashtag_recent_media"),
    ),
    (
        "ShadowIGHashtag",
        "GET",
        "top_media",
        Op("Client::hashtag_top_media"),
    ),
];
