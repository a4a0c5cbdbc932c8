//! Business discovery (Facebook Login): another business or creator account's public profile
//! and media, by username. Paging happens inside the field expansion
//! (`media.after(CURSOR).limit(N){...}`); the cursors come back in `media.paging.cursors`.
//! Private, personal and age-gated accounts cannot be discovered.

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::Error;
use crate::fields::{FieldSet, Node};
use crate::models::{BusinessDiscoveryResponse, DiscoveredAccount, Media};
use crate::ops::media::{check_cursor, check_limit};

/// Longest Instagram username.
pub const MAX_USERNAME_CHARS: usize = 30;
/// Largest page of media inside business discovery.
pub const MAX_DISCOVERY_MEDIA_LIMIT: u32 = 100;
/// Pages followed at most by [`Client::business_discovery_all_media`] (a guard against a platform
/// that keeps answering with a cursor).
pub const MAX_DISCOVERY_PAGES: usize = 1000;

/// Checks an Instagram username: 1–30 letters, digits, periods and underscores (a leading `@`
/// is dropped).
pub fn check_username(name: &str) -> Result<String, Error> {
    let t = name.trim();
    let t = t.strip_prefix('@').unwrap_or(t);
    let ok = !t.is_empty()
        && t.chars().count() <= MAX_USERNAME_CHARS
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if ok {
        Ok(t.to_owned())
    } else {
        Err(Error::invalid_input(
            "username",
            format!("1 to {MAX_USERNAME_CHARS} letters, digits, '.' or '_'"),
            name,
        ))
    }
}

/// What to read about the other account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiscoveryQuery {
    /// Profile fields.
    pub fields: FieldSet,
    /// Also read a page of its media.
    pub media: bool,
    /// Media fields.
    pub media_fields: FieldSet,
    /// Media page size (1–100).
    pub limit: Option<u32>,
    /// Media after this cursor.
    pub after: Option<String>,
    /// Media before this cursor.
    pub before: Option<String>,
}

impl Client {
    /// `GET /{ig-user-id}?fields=business_discovery.username(NAME){...}`.
    pub async fn business_discovery(
        &self,
        username: &str,
        q: &DiscoveryQuery,
    ) -> Result<DiscoveredAccount, Error> {
        self.require_family(
            LoginFamily::Facebook,
            "business discovery",
            Some("business discovery is offered with Facebook Login only"),
        )?;
        let username = check_username(username)?;
        let mut inner = q.fields.resolve(Node::DiscoveredUser, self.login())?;
        if q.media {
            let mut media = String::from("media");
            if let Some(limit) = q.limit {
                check_limit(limit, MAX_DISCOVERY_MEDIA_LIMIT)?;
                media.push_str(&format!(".limit({limit})"));
            }
            if let Some(a) = &q.after {
                media.push_str(&format!(".after({})", check_cursor("after", a)?));
            }
            if let Some(b) = &q.before {
                media.push_str(&format!(".before({})", check_cursor("before", b)?));
            }
            let mf = q
                .media_fields
                .resolve(Node::DiscoveredMedia, self.login())?;
            inner.push_str(&format!(",{media}{{{mf}}}"));
        }
        let node = self.account_node()?;
        let req = Request::get(node).query(
            "fields",
            format!("business_discovery.username({username}){{{inner}}}"),
        );
        let resp: BusinessDiscoveryResponse = self.send_json(req).await?;
        Ok(resp.business_discovery)
    }

    /// Every media of another account through business discovery, following the cursors;
    /// `on_page` is called after each page with the number of media so far.
    pub async fn business_discovery_all_media(
        &self,
        username: &str,
        q: &DiscoveryQuery,
        mut on_page: impl FnMut(usize),
    ) -> Result<Vec<Media>, Error> {
        let mut q = DiscoveryQuery {
            media: true,
            before: None,
            ..q.clone()
        };
        let mut all = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..MAX_DISCOVERY_PAGES {
            let account = self.business_discovery(username, &q).await?;
            let Some(page) = account.media else { break };
            let n = page.data.len();
            let after = page
                .paging
                .as_ref()
                .and_then(|p| p.cursors.as_ref())
                .and_then(|c| c.after.clone());
            all.extend(page.data);
            on_page(all.len());
            let full = q.limit.is_none_or(|l| n >= l as usize);
            match after {
                Some(a) if n > 0 && full => {
                    if !seen.insert(a.clone()) {
                        return Err(Error::PaginationLoop(a));
                    }
                    q.after = Some(a);
                }
                _ => break,
            }
        }
        Ok(all)
    }
}
