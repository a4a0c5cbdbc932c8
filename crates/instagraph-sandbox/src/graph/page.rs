//! Facebook Pages: `GET /{page-id}` and `GET /me/accounts` (Facebook Login only).

use serde_json::{Value, json};

use super::Ctx;
use super::user::render_ig_user;
use crate::auth::{Permission, require_scope};
use crate::errors::GraphError;
use crate::fields::{self, FieldSel};
use crate::paging;
use crate::state::{Page, State};
use crate::types::LoginFamily;

/// Page fields the sandbox knows.
const PAGE_FIELDS: &[&str] = &[
    "id",
    "name",
    "access_token",
    "category",
    "category_list",
    "tasks",
    "instagram_business_account",
    "connected_instagram_account",
    "link",
    "about",
    "website",
    "fan_count",
    "followers_count",
    "username",
];

/// Default fields of `/me/accounts` entries.
const ACCOUNTS_DEFAULT: &[&str] = &[
    "id",
    "name",
    "access_token",
    "category",
    "tasks",
    "instagram_business_account",
];

fn render_page(st: &State, page: &Page, sel: &[FieldSel]) -> Result<Value, GraphError> {
    fields::validate(sel, PAGE_FIELDS, "Page")?;
    fields::build(sel, &page.id, |f| {
        Ok(match f.name.as_str() {
            "name" => Some(json!(page.name)),
            "access_token" => Some(json!(page.access_token)),
            "category" => Some(json!(page.category)),
            "category_list" => Some(json!([{ "id": page.category_id, "name": page.category }])),
            "tasks" => Some(json!(page.tasks)),
            "link" => Some(json!(format!("https://www.facebook.com/{}", page.id))),
            "instagram_business_account" | "connected_instagram_account" => {
                match &page.ig_user_id {
                    Some(ig) => {
                        let sub = match &f.children {
                            Some(c) if !c.is_empty() => c.clone(),
                            _ => vec![FieldSel::plain("id")],
                        };
                        Some(render_ig_user(st, LoginFamily::Facebook, ig, None, &sub)?)
                    }
                    None => None,
                }
            }
            _ => None,
        })
    })
}

/// `GET /{page-id}` (default fields `name,id`).
pub(crate) fn get_page(st: &State, ctx: &Ctx, page_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::PagesShowList)?;
    let page = st
        .pages
        .get(page_id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, page_id))?;
    let sel = fields::selection(ctx.fields(), &["name", "id"])?;
    render_page(st, page, &sel)
}

/// `GET /me/accounts`: the user's Pages with Page tokens, paginated.
pub(crate) fn list_accounts(st: &State, ctx: &Ctx, user_id: &str) -> Result<Value, GraphError> {
    require_scope(&ctx.token, Permission::PagesShowList)?;
    let user = st
        .fb_users
        .get(user_id)
        .ok_or_else(|| GraphError::unsupported_request(&ctx.method, user_id))?;
    let sel = fields::selection(ctx.fields(), ACCOUNTS_DEFAULT)?;
    fields::validate(&sel, PAGE_FIELDS, "Page")?;
    paging::list_edge(
        st.cursor_salt,
        &format!("accounts:{user_id}"),
        &user.page_ids,
        &ctx.params,
        &ctx.url,
        |id| st.pages.get(id).map(|p| render_page(st, p, &sel)),
    )
}
