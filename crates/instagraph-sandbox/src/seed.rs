//! Seeding the default world (the `business` and `creator` accounts) and issuing tokens.

use std::collections::BTreeSet;

use crate::auth::default_scopes;
use crate::errors::SandboxError;
use crate::state::{
    App, FbUser, IgAccount, LONG_LIVED_SECS, Media, Page, State, Subject, TokenRecord,
};
use crate::types::{LoginFamily, SeededAccount, TokenKind, TokenSpec};

/// Media items seeded per IG account.
pub(crate) const SEEDED_MEDIA: usize = 30;

const PHRASES: &[&str] = &[
    "Morning light over the harbour",
    "Behind the scenes of today's shoot",
    "New drop is live",
    "Coffee first, then everything else",
    "Weekend market finds",
    "Testing a new recipe",
    "Studio day",
    "Throwback to last summer",
    "Three tips for better photos",
    "Thank you for 1k!",
];
const TAGS: &[&str] = &[
    "sandbox",
    "instagraph",
    "behindthescenes",
    "photooftheday",
    "coffee",
    "travel",
    "studio",
    "reels",
    "tips",
    "community",
];

fn create_app(st: &mut State) -> String {
    let id = st.fresh_numeric_id("1", 16);
    let secret = st.rng.hex(32);
    st.apps.insert(
        id.clone(),
        App {
            secret,
            require_proof: false,
        },
    );
    id
}

/// Stores a new token and returns its string.
pub(crate) fn issue_token(
    st: &mut State,
    app_id: &str,
    family: LoginFamily,
    subject: Subject,
    scopes: BTreeSet<String>,
    expires_at: Option<i64>,
) -> String {
    let token = st.fresh_token(family);
    let issued_at = st.now();
    st.tokens.insert(
        token.clone(),
        TokenRecord {
            app_id: app_id.to_string(),
            family,
            subject,
            scopes,
            expires_at,
            revoked: false,
            issued_at,
        },
    );
    token
}

fn scope_set(family: LoginFamily) -> BTreeSet<String> {
    default_scopes(family)
        .iter()
        .map(|s| (*s).to_string())
        .collect()
}

struct Profile {
    username: &'static str,
    name: &'static str,
    biography: &'static str,
}

fn create_ig_account(st: &mut State, profile: &Profile, app_scoped_id: Option<String>) -> String {
    let ig_user_id = st.fresh_numeric_id("17841", 17);
    let ig_id = st.rng.range(1_000_000_000, 9_999_999_999);
    let followers_count = st.rng.range(1_000, 50_000);
    let follows_count = st.rng.range(50, 900);
    let account = IgAccount {
        ig_user_id: ig_user_id.clone(),
        app_scoped_id,
        ig_id,
        username: profile.username.to_string(),
        name: profile.name.to_string(),
        account_type: "BUSINESS".to_string(),
        biography: profile.biography.to_string(),
        website: format!("https://sandbox.invalid/{}", profile.username),
        followers_count,
        follows_count,
        profile_picture_url: format!("https://sandbox.invalid/profile/{ig_user_id}.jpg"),
        media: Vec::new(),
    };
    st.ig_accounts.insert(ig_user_id.clone(), account);
    seed_media(st, &ig_user_id);
    ig_user_id
}

fn pick<'a>(st: &mut State, list: &[&'a str]) -> &'a str {
    let i = st.rng.below(list.len() as u64) as usize;
    list.get(i).copied().unwrap_or("sandbox")
}

fn seed_media(st: &mut State, ig_user_id: &str) {
    let mut ts = st
        .now()
        .saturating_sub(3600 + st.rng.range(0, 6 * 3600) as i64);
    let mut ids = Vec::with_capacity(SEEDED_MEDIA);
    for i in 0..SEEDED_MEDIA {
        let prefix = if st.rng.below(2) == 0 { "17" } else { "18" };
        let id = st.fresh_numeric_id(prefix, 17);
        let (media_type, product) = if i % 6 == 2 {
            ("CAROUSEL_ALBUM", "FEED")
        } else if i % 3 == 1 {
            ("VIDEO", "REELS")
        } else {
            ("IMAGE", "FEED")
        };
        let caption = format!(
            "{} #{} #{}",
            pick(st, PHRASES),
            pick(st, TAGS),
            pick(st, TAGS)
        );
        let video = media_type == "VIDEO";
        let media = Media {
            id: id.clone(),
            ig_id: format!("3{}", st.rng.digits(18)),
            owner: ig_user_id.to_string(),
            media_type: media_type.to_string(),
            media_product_type: product.to_string(),
            caption,
            shortcode: format!("D{}", st.rng.b64url(10)),
            timestamp: ts,
            like_count: st.rng.range(0, 5_000),
            comments_count: st.rng.range(0, 300),
            media_url: format!(
                "https://sandbox.invalid/media/{id}.{}",
                if video { "mp4" } else { "jpg" }
            ),
            thumbnail_url: video.then(|| format!("https://sandbox.invalid/media/{id}_thumb.jpg")),
            is_comment_enabled: true,
        };
        st.media.insert(id.clone(), media);
        ids.push(id);
        ts = ts.saturating_sub(st.rng.range(6 * 3600, 72 * 3600) as i64);
    }
    if let Some(acc) = st.ig_accounts.get_mut(ig_user_id) {
        acc.media = ids;
    }
}

fn seed_business(st: &mut State) {
    let family = LoginFamily::Facebook;
    let app_id = create_app(st);
    let fb_user_id = st.fresh_numeric_id("10", 16);
    let ig_user_id = create_ig_account(
        st,
        &Profile {
            username: "sandbox_business",
            name: "Sandbox Business",
            biography: "Official sandbox business account. Nothing here is real.",
        },
        None,
    );
    let page_id = st.fresh_numeric_id("1089", 15);
    let now = st.now();
    let user_token = issue_token(
        st,
        &app_id,
        family,
        Subject::FbUser(fb_user_id.clone()),
        scope_set(family),
        Some(now + LONG_LIVED_SECS),
    );
    // A Page token derived from a long-lived user token does not expire.
    let page_token = issue_token(
        st,
        &app_id,
        family,
        Subject::Page(page_id.clone()),
        scope_set(family),
        None,
    );
    st.pages.insert(
        page_id.clone(),
        Page {
            id: page_id.clone(),
            name: "Sandbox Business Page".to_string(),
            category: "Brand".to_string(),
            category_id: "1605186416478696".to_string(),
            tasks: [
                "ADVERTISE",
                "ANALYZE",
                "CREATE_CONTENT",
                "MESSAGING",
                "MODERATE",
                "MANAGE",
            ]
            .iter()
            .map(|t| (*t).to_string())
            .collect(),
            access_token: page_token,
            ig_user_id: Some(ig_user_id.clone()),
        },
    );
    st.fb_users.insert(
        fb_user_id.clone(),
        FbUser {
            id: fb_user_id,
            name: "Sandy Owner".to_string(),
            first_name: "Sandy".to_string(),
            last_name: "Owner".to_string(),
            page_ids: vec![page_id.clone()],
        },
    );
    let app_secret = st
        .apps
        .get(&app_id)
        .map(|a| a.secret.clone())
        .unwrap_or_default();
    st.accounts.push(SeededAccount {
        name: "business".to_string(),
        login: family,
        ig_user_id,
        username: "sandbox_business".to_string(),
        access_token: user_token,
        app_id,
        app_secret,
        page_id: Some(page_id),
        app_scoped_id: None,
    });
}

fn seed_creator(st: &mut State) {
    let family = LoginFamily::Instagram;
    let app_id = create_app(st);
    let app_scoped_id = st.fresh_numeric_id("2", 17);
    let ig_user_id = create_ig_account(
        st,
        &Profile {
            username: "sandbox_creator",
            name: "Sandbox Creator",
            biography: "Sandbox creator account: reels, recipes and test posts.",
        },
        Some(app_scoped_id.clone()),
    );
    let now = st.now();
    let token = issue_token(
        st,
        &app_id,
        family,
        Subject::IgUser(ig_user_id.clone()),
        scope_set(family),
        Some(now + LONG_LIVED_SECS),
    );
    let app_secret = st
        .apps
        .get(&app_id)
        .map(|a| a.secret.clone())
        .unwrap_or_default();
    st.accounts.push(SeededAccount {
        name: "creator".to_string(),
        login: family,
        ig_user_id,
        username: "sandbox_creator".to_string(),
        access_token: token,
        app_id,
        app_secret,
        page_id: None,
        app_scoped_id: Some(app_scoped_id),
    });
}

/// Seeds the default accounts into an empty state.
pub(crate) fn seed_defaults(st: &mut State) {
    seed_business(st);
    seed_creator(st);
    crate::messaging::seed(st);
    crate::engagement::seed(st);
}

/// Mints a token according to `spec`.
pub(crate) fn mint(st: &mut State, spec: &TokenSpec) -> Result<String, SandboxError> {
    let account = st
        .accounts
        .iter()
        .find(|a| a.name == spec.account)
        .cloned()
        .ok_or_else(|| SandboxError::UnknownAccount(spec.account.clone()))?;
    let family = account.login;
    let subject = match (spec.kind, family) {
        (TokenKind::Page, LoginFamily::Instagram) => {
            return Err(SandboxError::InvalidTokenSpec(
                "page tokens exist only for Facebook Login accounts".to_string(),
            ));
        }
        (TokenKind::Page, LoginFamily::Facebook) => Subject::Page(
            account
                .page_id
                .clone()
                .ok_or_else(|| SandboxError::InvalidTokenSpec("account has no page".into()))?,
        ),
        (TokenKind::User, LoginFamily::Instagram) => Subject::IgUser(account.ig_user_id.clone()),
        (TokenKind::User, LoginFamily::Facebook) => {
            let page = account.page_id.clone().unwrap_or_default();
            let user = st
                .fb_users
                .values()
                .find(|u| u.page_ids.contains(&page))
                .map(|u| u.id.clone())
                .ok_or_else(|| SandboxError::InvalidTokenSpec("account has no user".into()))?;
            Subject::FbUser(user)
        }
    };
    let scopes = match &spec.scopes {
        Some(list) => list.iter().cloned().collect(),
        None => scope_set(family),
    };
    let expires_at = Some(
        st.now()
            .saturating_add(spec.expires_in.unwrap_or(LONG_LIVED_SECS)),
    );
    Ok(issue_token(
        st,
        &account.app_id,
        family,
        subject,
        scopes,
        expires_at,
    ))
}
