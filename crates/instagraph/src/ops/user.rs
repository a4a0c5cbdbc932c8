//! Account profile: `me` for both families, a profile by id, and the Pages of a Facebook user.

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::Error;
use crate::ids::IgUserId;
use crate::models::user::{
    FACEBOOK_PROFILE_FIELDS, INSTAGRAM_NODE_FIELDS, INSTAGRAM_PROFILE_FIELDS,
};
use crate::models::{PageAccount, UserProfile};
use futures_util::TryStreamExt;

impl Client {
    /// The profile of the account this client acts for.
    ///
    /// Instagram Login: `GET /me`. Facebook Login: `GET /{ig-user-id}` with the configured id, or,
    /// when none is configured, the first Page of `GET /me/accounts` that has an
    /// `instagram_business_account`.
    pub async fn me(&self, fields: Option<&str>) -> Result<UserProfile, Error> {
        match self.login() {
            LoginFamily::Instagram => {
                let fields = fields.unwrap_or(INSTAGRAM_PROFILE_FIELDS);
                self.send_json(Request::get("me").query("fields", fields))
                    .await
            }
            LoginFamily::Facebook => {
                let id = match &self.config().ig_user_id {
                    Some(id) => id.clone(),
                    None => self.discover_ig_user_id().await?,
                };
                self.user_profile(&id, fields).await
            }
        }
    }

    /// `GET /{ig-user-id}?fields=...` for any IG professional account id.
    pub async fn user_profile(
        &self,
        id: &IgUserId,
        fields: Option<&str>,
    ) -> Result<UserProfile, Error> {
        let default = match self.login() {
            LoginFamily::Facebook => FACEBOOK_PROFILE_FIELDS,
            LoginFamily::Instagram => INSTAGRAM_NODE_FIELDS,
        };
        self.send_json(Request::get(id.as_str()).query("fields", fields.unwrap_or(default)))
            .await
    }

    /// The Facebook Pages of the logged-in user with their connected IG accounts (all pages).
    pub async fn pages_with_instagram(&self) -> Result<Vec<PageAccount>, Error> {
        self.require_family(
            LoginFamily::Facebook,
            "listing Pages (/me/accounts)",
            Some("Instagram Login has no Pages: use `me` directly"),
        )?;
        let req = Request::get("me/accounts").query(
            "fields",
            "id,name,category,tasks,instagram_business_account",
        );
        self.stream::<PageAccount>(req).try_collect().await
    }

    /// The IG user id of the first Page with a connected professional account.
    pub async fn discover_ig_user_id(&self) -> Result<IgUserId, Error> {
        let pages = self.pages_with_instagram().await?;
        pages
            .into_iter()
            .find_map(|p| p.instagram_business_account.map(|a| a.id))
            .ok_or_else(|| {
                Error::Config(
                    "none of this user's Pages has a connected Instagram professional account"
                        .into(),
                )
            })
    }
}
