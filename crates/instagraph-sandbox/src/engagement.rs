//! Reading and engagement in the sandbox world: comments and replies, carousel children,
//! stories, live broadcasts, tagged media, other accounts (for business discovery, mentions and
//! hashtag media), hashtags and each account's hashtag searches, product tags, catalogs and
//! appeals. Insights are derived from ids (deterministic), not stored.
//!
//! The Graph endpoints are in [`crate::graph::engagement`].

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::state::{IgAccount, Media, State};

/// Unique hashtags an account may search in a rolling window.
pub(crate) const HASHTAG_LIMIT: usize = 30;
/// The hashtag window: 7 days.
pub(crate) const HASHTAG_WINDOW_SECS: i64 = 7 * 86_400;
/// Stories are listed for 24 hours.
pub(crate) const STORY_SECS: i64 = 86_400;

/// A comment or reply.
#[derive(Clone, Debug)]
pub(crate) struct Comment {
    pub(crate) id: String,
    pub(crate) media_id: String,
    pub(crate) parent_id: Option<String>,
    pub(crate) text: String,
    pub(crate) timestamp: i64,
    pub(crate) username: String,
    /// The author's id (an IGSID-like id, or the IG user id when an account wrote it).
    pub(crate) from_id: String,
    /// The IG account that wrote it, when one of the sandbox's accounts did.
    pub(crate) by_account: Option<String>,
    pub(crate) like_count: u64,
    pub(crate) hidden: bool,
    pub(crate) legacy_id: String,
}

/// A hashtag and the media carrying it.
#[derive(Clone, Debug)]
pub(crate) struct Hashtag {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// Everything this area keeps.
#[derive(Clone, Debug, Default)]
pub(crate) struct EngagementState {
    pub(crate) comments: BTreeMap<String, Comment>,
    /// Top-level comments per media, newest first.
    pub(crate) media_comments: BTreeMap<String, Vec<String>>,
    /// Replies per comment, oldest first.
    pub(crate) replies: BTreeMap<String, Vec<String>>,
    pub(crate) hashtags: BTreeMap<String, Hashtag>,
    pub(crate) hashtag_by_name: BTreeMap<String, String>,
    /// Per account: (hashtag id, first searched at) in search order.
    pub(crate) searches: BTreeMap<String, Vec<(String, i64)>>,
    /// Per account: story media ids, newest first (including expired ones).
    pub(crate) stories: BTreeMap<String, Vec<String>>,
    /// Per account: live broadcasts in progress.
    pub(crate) live: BTreeMap<String, Vec<String>>,
    /// Per account: other accounts' media the account is tagged in, newest first.
    pub(crate) tags: BTreeMap<String, Vec<String>>,
    /// Carousel children seeded here (publishing keeps its own in `album_children`).
    pub(crate) children: BTreeMap<String, Vec<String>>,
    /// Product tags per media.
    pub(crate) product_tags: BTreeMap<String, Vec<Value>>,
    /// Product review state per product id.
    pub(crate) products: BTreeMap<String, Value>,
    /// Catalogs and their products (any account with Shopping sees them).
    pub(crate) catalogs: Vec<Value>,
    pub(crate) catalog_products: Vec<Value>,
    /// Per account: media (of other accounts) whose caption mentions it.
    pub(crate) mentioned_media: BTreeMap<String, Vec<String>>,
    /// Per account: comments (on other accounts' media) that mention it.
    pub(crate) mentioned_comments: BTreeMap<String, Vec<String>>,
    /// Other accounts that business discovery can find (public business/creator accounts).
    pub(crate) discoverable: Vec<String>,
}

impl EngagementState {
    pub(crate) fn id_in_use(&self, id: &str) -> bool {
        self.comments.contains_key(id) || self.hashtags.contains_key(id)
    }

    /// Children of a carousel: seeded here or created by publishing.
    pub(crate) fn children_of(st: &State, media_id: &str) -> Vec<String> {
        st.engagement
            .children
            .get(media_id)
            .or_else(|| st.publishing.album_children.get(media_id))
            .cloned()
            .unwrap_or_default()
    }

    /// The media a carousel child belongs to.
    pub(crate) fn parent_of(st: &State, child: &str) -> Option<String> {
        st.engagement
            .children
            .iter()
            .chain(st.publishing.album_children.iter())
            .find(|(_, c)| c.iter().any(|x| x == child))
            .map(|(p, _)| p.clone())
    }

    /// Hashtags `account` searched within the window ending at `now`.
    pub(crate) fn searched(&self, account: &str, now: i64) -> Vec<String> {
        self.searches
            .get(account)
            .map(|s| {
                s.iter()
                    .filter(|(_, at)| *at > now - HASHTAG_WINDOW_SECS)
                    .map(|(id, _)| id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The IG account that owns a comment's media.
    pub(crate) fn comment_media_owner(st: &State, id: &str) -> Option<String> {
        let c = st.engagement.comments.get(id)?;
        st.media.get(&c.media_id).map(|m| m.owner.clone())
    }
}

/// Adds a comment (or reply) and keeps `comments_count` of the media in step.
pub(crate) fn add_comment(st: &mut State, c: Comment) -> String {
    let id = c.id.clone();
    match &c.parent_id {
        Some(p) => st
            .engagement
            .replies
            .entry(p.clone())
            .or_default()
            .push(id.clone()),
        None => st
            .engagement
            .media_comments
            .entry(c.media_id.clone())
            .or_default()
            .insert(0, id.clone()),
    }
    if let Some(m) = st.media.get_mut(&c.media_id) {
        m.comments_count += 1;
    }
    st.engagement.comments.insert(id.clone(), c);
    id
}

/// Removes a comment and its replies; returns how many were removed.
pub(crate) fn remove_comment(st: &mut State, id: &str) -> usize {
    let Some(c) = st.engagement.comments.remove(id) else {
        return 0;
    };
    let mut removed = 1;
    match &c.parent_id {
        Some(p) => {
            if let Some(r) = st.engagement.replies.get_mut(p) {
                r.retain(|x| x != id);
            }
        }
        None => {
            if let Some(list) = st.engagement.media_comments.get_mut(&c.media_id) {
                list.retain(|x| x != id);
            }
        }
    }
    for r in st.engagement.replies.remove(id).unwrap_or_default() {
        if st.engagement.comments.remove(&r).is_some() {
            removed += 1;
        }
    }
    if let Some(m) = st.media.get_mut(&c.media_id) {
        m.comments_count = m.comments_count.saturating_sub(removed as u64);
    }
    removed
}

/// A fresh comment id (`17…`/`18…`, 17 digits).
pub(crate) fn new_comment_id(st: &mut State) -> String {
    let prefix = if st.rng.below(2) == 0 { "178" } else { "179" };
    st.fresh_numeric_id(prefix, 17)
}

/// Records a comment made through the webhook simulation, so it can be read back.
pub(crate) fn record_simulated_comment(
    st: &mut State,
    id: &str,
    media_id: &str,
    text: &str,
    username: &str,
    from_id: &str,
    parent_id: Option<&str>,
) {
    let now = st.now();
    let legacy_id = format!("3{}", st.rng.digits(18));
    let c = Comment {
        id: id.to_owned(),
        media_id: media_id.to_owned(),
        parent_id: parent_id
            .filter(|p| st.engagement.comments.contains_key(*p))
            .map(str::to_owned),
        text: text.to_owned(),
        timestamp: now,
        username: username.to_owned(),
        from_id: from_id.to_owned(),
        by_account: None,
        like_count: 0,
        hidden: false,
        legacy_id,
    };
    // The simulation already counted it in comments_count.
    add_comment(st, c);
    if let Some(m) = st.media.get_mut(media_id) {
        m.comments_count = m.comments_count.saturating_sub(1);
    }
}

/// A hashtag's id, created when the name is new (ids are global and never change).
pub(crate) fn hashtag_id(st: &mut State, name: &str) -> String {
    if let Some(id) = st.engagement.hashtag_by_name.get(name) {
        return id.clone();
    }
    let id = st.fresh_numeric_id("178", 17);
    st.engagement.hashtags.insert(
        id.clone(),
        Hashtag {
            id: id.clone(),
            name: name.to_owned(),
        },
    );
    st.engagement
        .hashtag_by_name
        .insert(name.to_owned(), id.clone());
    id
}

/// Hashtags in a caption, lowercase.
pub(crate) fn caption_hashtags(caption: &str) -> Vec<String> {
    caption
        .split(|c: char| c.is_whitespace())
        .filter_map(|w| w.strip_prefix('#'))
        .map(|t| {
            t.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

const COMMENTERS: &[&str] = &[
    "maria.lopes",
    "kenji_travels",
    "the.daily.brew",
    "ana_clicks",
    "lukas.bakes",
    "sofia.runs",
    "omar.designs",
    "jules_in_paris",
];
const COMMENT_LINES: &[&str] = &[
    "Love this! \u{1f60d}",
    "Where was this taken?",
    "Great shot",
    "Need this in my life",
    "So good #inspo",
    "Can't wait to try it",
    "Amazing colours",
    "This made my day",
];
const REPLY_LINES: &[&str] = &[
    "Thank you so much!",
    "Glad you like it!",
    "Soon, stay tuned",
];

fn media(
    st: &mut State,
    owner: &str,
    media_type: &str,
    product: &str,
    caption: &str,
    timestamp: i64,
) -> String {
    let prefix = if st.rng.below(2) == 0 { "17" } else { "18" };
    let id = st.fresh_numeric_id(prefix, 17);
    let video = media_type == "VIDEO";
    let m = Media {
        id: id.clone(),
        ig_id: format!("3{}", st.rng.digits(18)),
        owner: owner.to_owned(),
        media_type: media_type.to_owned(),
        media_product_type: product.to_owned(),
        caption: caption.to_owned(),
        shortcode: format!("D{}", st.rng.b64url(10)),
        timestamp,
        like_count: st.rng.range(0, 5_000),
        comments_count: 0,
        media_url: format!(
            "https://sandbox.invalid/media/{id}.{}",
            if video { "mp4" } else { "jpg" }
        ),
        thumbnail_url: video.then(|| format!("https://sandbox.invalid/media/{id}_thumb.jpg")),
        is_comment_enabled: true,
    };
    st.media.insert(id.clone(), m);
    id
}

fn other_account(st: &mut State, username: &str, name: &str, biography: &str) -> String {
    let id = st.fresh_numeric_id("17841", 17);
    let ig_id = st.rng.range(1_000_000_000, 9_999_999_999);
    let followers_count = st.rng.range(10_000, 900_000);
    let follows_count = st.rng.range(10, 500);
    st.ig_accounts.insert(
        id.clone(),
        IgAccount {
            ig_user_id: id.clone(),
            app_scoped_id: None,
            ig_id,
            username: username.to_owned(),
            name: name.to_owned(),
            account_type: "BUSINESS".to_owned(),
            biography: biography.to_owned(),
            website: format!("https://sandbox.invalid/{username}"),
            followers_count,
            follows_count,
            profile_picture_url: format!("https://sandbox.invalid/profile/{id}.jpg"),
            media: Vec::new(),
        },
    );
    id
}

fn seed_comments(st: &mut State, media_id: &str, count: usize, owner: &str, owner_name: &str) {
    let now = st.now();
    let posted = st.media.get(media_id).map(|m| m.timestamp).unwrap_or(now);
    for i in 0..count {
        let who = COMMENTERS[st.rng.below(COMMENTERS.len() as u64) as usize];
        let line = COMMENT_LINES[i % COMMENT_LINES.len()];
        let at = (posted + 60 * (i as i64 + 1)).min(now);
        let id = new_comment_id(st);
        let from_id = st.fresh_numeric_id("9", 16);
        let legacy_id = format!("3{}", st.rng.digits(18));
        let like_count = st.rng.range(0, 40);
        add_comment(
            st,
            Comment {
                id: id.clone(),
                media_id: media_id.to_owned(),
                parent_id: None,
                text: line.to_owned(),
                timestamp: at,
                username: who.to_owned(),
                from_id,
                by_account: None,
                like_count,
                hidden: i == 3,
                legacy_id,
            },
        );
        if i % 3 == 0 {
            let rid = new_comment_id(st);
            let legacy_id = format!("3{}", st.rng.digits(18));
            add_comment(
                st,
                Comment {
                    id: rid,
                    media_id: media_id.to_owned(),
                    parent_id: Some(id),
                    text: format!("@{who} {}", REPLY_LINES[i % REPLY_LINES.len()]),
                    timestamp: (at + 300).min(now),
                    username: owner_name.to_owned(),
                    from_id: owner.to_owned(),
                    by_account: Some(owner.to_owned()),
                    like_count: 0,
                    hidden: false,
                    legacy_id,
                },
            );
        }
    }
}

/// Seeds comments, children, stories, live media, tags, other accounts, hashtags and shopping
/// for every seeded account. Runs after the messaging seed (whose replyable comments become
/// readable comments here). Deterministic for a given seed.
pub(crate) fn seed(st: &mut State) {
    let now = st.now();
    let accounts: Vec<(String, String, Vec<String>)> = st
        .accounts
        .iter()
        .filter_map(|a| {
            let acc = st.ig_accounts.get(&a.ig_user_id)?;
            Some((
                a.ig_user_id.clone(),
                acc.username.clone(),
                acc.media.clone(),
            ))
        })
        .collect();
    // Comment counts follow the comments that exist.
    for (_, _, media_ids) in &accounts {
        for id in media_ids {
            if let Some(m) = st.media.get_mut(id) {
                m.comments_count = 0;
            }
        }
    }
    // The messaging seed's comments (open for a private reply) are real comments too.
    let replyable: Vec<_> = st.messaging.comments.values().cloned().collect();
    for r in replyable {
        let legacy_id = format!("3{}", st.rng.digits(18));
        add_comment(
            st,
            Comment {
                id: r.id.clone(),
                media_id: r.media_id.clone(),
                parent_id: None,
                text: r.text.clone(),
                timestamp: r.created,
                username: r.username.clone(),
                from_id: r.from_igsid.clone(),
                by_account: None,
                like_count: 0,
                hidden: false,
                legacy_id,
            },
        );
    }
    let partner = other_account(
        st,
        "sandbox_partner",
        "Sandbox Partner Co.",
        "A public business account for business discovery, mentions and hashtags.",
    );
    let private = other_account(
        st,
        "sandbox_private",
        "Private Person",
        "Not a professional account: business discovery cannot see it.",
    );
    let _ = private;
    st.engagement.discoverable.push(partner.clone());
    // The partner's media: 40 posts, newest first; the newest are from the last 24 hours.
    let tags = ["coffee", "travel", "sandbox", "instagraph", "tips"];
    let mut partner_media = Vec::new();
    let mut ts = now - 1800;
    for i in 0..40 {
        let tag = tags[i % tags.len()];
        let mut caption = format!("Partner post {} #{tag}", i + 1);
        for (_, username, _) in &accounts {
            if i % 10 == 3 {
                caption.push_str(&format!(" with @{username}"));
            }
        }
        let kind = if i % 4 == 1 { "VIDEO" } else { "IMAGE" };
        let product = if kind == "VIDEO" { "REELS" } else { "FEED" };
        let id = media(st, &partner, kind, product, &caption, ts);
        partner_media.push(id);
        ts -= if i < 6 { 3 * 3600 } else { 30 * 3600 };
    }
    if let Some(acc) = st.ig_accounts.get_mut(&partner) {
        acc.media = partner_media.clone();
    }
    for id in &partner_media {
        let caption = st
            .media
            .get(id)
            .map(|m| m.caption.clone())
            .unwrap_or_default();
        for tag in caption_hashtags(&caption) {
            hashtag_id(st, &tag);
        }
        for (acc_id, username, _) in &accounts {
            if caption.contains(&format!("@{username}")) {
                st.engagement
                    .mentioned_media
                    .entry(acc_id.clone())
                    .or_default()
                    .push(id.clone());
            }
        }
    }
    for name in [
        "love",
        "photooftheday",
        "reels",
        "studio",
        "behindthescenes",
    ] {
        hashtag_id(st, name);
    }
    for (k, (acc_id, username, media_ids)) in accounts.iter().enumerate() {
        // Comments: the newest post has enough for two pages.
        for (j, id) in media_ids.iter().take(5).enumerate() {
            let n = if j == 0 { 27 } else { 3 + j * 2 };
            seed_comments(st, id, n, acc_id, username);
        }
        // Carousel children.
        let carousels: Vec<String> = media_ids
            .iter()
            .filter(|id| {
                st.media
                    .get(*id)
                    .is_some_and(|m| m.media_type == "CAROUSEL_ALBUM")
            })
            .cloned()
            .collect();
        for parent in carousels {
            let ts = st.media.get(&parent).map(|m| m.timestamp).unwrap_or(now);
            let mut kids = Vec::new();
            for c in 0..3 {
                let kind = if c == 2 { "VIDEO" } else { "IMAGE" };
                kids.push(media(st, acc_id, kind, "FEED", "", ts));
            }
            st.engagement.children.insert(parent, kids);
        }
        // Stories: two live, one expired.
        let mut stories = Vec::new();
        for (age, kind) in [(3600, "IMAGE"), (5 * 3600, "VIDEO"), (30 * 3600, "IMAGE")] {
            stories.push(media(st, acc_id, kind, "STORY", "", now - age));
        }
        st.engagement.stories.insert(acc_id.clone(), stories);
        // A live broadcast on the first account only.
        if k == 0 {
            let live = media(st, acc_id, "BROADCAST", "LIVE", "", now - 600);
            st.engagement.live.insert(acc_id.clone(), vec![live]);
        }
        // Tagged in three partner posts.
        st.engagement.tags.insert(
            acc_id.clone(),
            partner_media
                .iter()
                .skip(k + 1)
                .step_by(7)
                .take(3)
                .cloned()
                .collect(),
        );
        // A partner comment mentioning the account.
        if let Some(target) = partner_media.get(2 + k).cloned() {
            let id = new_comment_id(st);
            let legacy_id = format!("3{}", st.rng.digits(18));
            add_comment(
                st,
                Comment {
                    id: id.clone(),
                    media_id: target,
                    parent_id: None,
                    text: format!("@{username} you have to see this"),
                    timestamp: now - 7200,
                    username: "sandbox_partner".to_owned(),
                    from_id: partner.clone(),
                    by_account: None,
                    like_count: 2,
                    hidden: false,
                    legacy_id,
                },
            );
            st.engagement
                .mentioned_comments
                .entry(acc_id.clone())
                .or_default()
                .push(id);
        }
        // Product tags on the newest image.
        if let Some(img) = media_ids
            .iter()
            .find(|id| st.media.get(*id).is_some_and(|m| m.media_type == "IMAGE"))
            .cloned()
        {
            st.engagement.product_tags.insert(
                img,
                vec![
                    json!({"product_id": 3231775643511089_u64, "merchant_id": 90010177253934_u64, "name": "Gummy Bears", "price_string": "$3.50", "stripped_price_string": "$3.50", "stripped_sale_price_string": "$3", "image_url": "https://sandbox.invalid/products/gummy.jpg", "review_status": "approved", "is_checkout": true, "x": 0.5, "y": 0.8}),
                    json!({"product_id": 5209223099160494_u64, "merchant_id": 90010177253934_u64, "name": "Sour Worms", "price_string": "$4.00", "stripped_price_string": "$4.00", "image_url": "https://sandbox.invalid/products/worms.jpg", "review_status": "pending", "is_checkout": false, "x": 0.25, "y": 0.4}),
                ],
            );
        }
    }
    st.engagement.products.insert(
        "3231775643511089".into(),
        json!({"product_id": 3231775643511089_u64, "review_status": "approved", "eligible_for_appeal": false}),
    );
    st.engagement.products.insert(
        "4029274203846188".into(),
        json!({"product_id": 4029274203846188_u64, "review_status": "rejected", "eligible_for_appeal": true, "rejection_reasons": ["NOT_A_PRODUCT"]}),
    );
    st.engagement.catalogs.push(json!({
        "catalog_id": "960179311066902", "catalog_name": "Sandbox Sweets", "shop_name": "Sandbox Shop", "product_count": 3
    }));
    st.engagement.catalog_products = vec![
        json!({"product_id": 3231775643511089_u64, "merchant_id": 90010177253934_u64, "product_name": "Gummy Bears", "image_url": "https://sandbox.invalid/products/gummy.jpg", "retailer_id": "gb-1", "review_status": "approved", "is_checkout_flow": true, "product_variants": [{"product_id": 3231775643511090_u64, "variant_name": "Sugar free"}]}),
        json!({"product_id": 5209223099160494_u64, "merchant_id": 90010177253934_u64, "product_name": "Sour Worms", "image_url": "https://sandbox.invalid/products/worms.jpg", "retailer_id": "sw-1", "review_status": "pending", "is_checkout_flow": false}),
        json!({"product_id": 4029274203846188_u64, "merchant_id": 90010177253934_u64, "product_name": "Gummy Wombats", "image_url": "https://sandbox.invalid/products/wombats.jpg", "retailer_id": "gw-1", "review_status": "rejected", "is_checkout_flow": true}),
    ];
}

// ---- overview (control API) ---------------------------------------------------------------------

impl crate::Sandbox {
    /// What an account's reading and engagement world holds, for tests and the control API
    /// (`GET /_sandbox/engagement?account=NAME`): the ids the `mentions` webhook would carry
    /// (media and comments mentioning it), its stories (live or expired), its hashtag searches
    /// in the current window, and the usernames business discovery can find.
    pub fn engagement_overview(&self, account: &str) -> Result<Value, crate::SimulationError> {
        let st = self.lock();
        let id = crate::simulate::account_id(&st, account)?;
        let now = st.now();
        let e = &st.engagement;
        let mentioned_comments: Vec<Value> = e
            .mentioned_comments
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|c| e.comments.get(c))
            .map(|c| json!({ "id": c.id, "media_id": c.media_id, "text": c.text }))
            .collect();
        let stories: Vec<Value> = e
            .stories
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|s| st.media.get(s))
            .map(|m| json!({ "id": m.id, "live": m.timestamp > now - STORY_SECS }))
            .collect();
        let searched: Vec<Value> = e
            .searched(&id, now)
            .iter()
            .filter_map(|h| e.hashtags.get(h))
            .map(|h| json!({ "id": h.id, "name": h.name }))
            .collect();
        let discoverable: Vec<String> = e
            .discoverable
            .iter()
            .filter_map(|a| st.ig_accounts.get(a).map(|x| x.username.clone()))
            .collect();
        Ok(json!({
            "ig_user_id": id,
            "mentioned_media": e.mentioned_media.get(&id).cloned().unwrap_or_default(),
            "mentioned_comments": mentioned_comments,
            "stories": stories,
            "hashtag_searches": searched,
            "hashtag_limit": HASHTAG_LIMIT,
            "discoverable": discoverable,
            "hashtags": e.hashtag_by_name.keys().collect::<Vec<_>>(),
        }))
    }
}

/// `GET /_sandbox/engagement?account=NAME`.
pub(crate) async fn overview_route(
    axum::extract::State(sb): axum::extract::State<crate::Sandbox>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let account = q
        .as_deref()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "account")
                .map(|(_, v)| v)
        });
    let Some(account) = account else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "missing ?account=NAME" })),
        )
            .into_response();
    };
    match sb.engagement_overview(&account) {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}
