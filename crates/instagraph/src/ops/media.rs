//! Reading media: the account's media (fields, limit, `since`/`until`, cursors), one media with
//! any documented field, carousel children, stories, live media, media the account is tagged
//! in, shopping product tags; enabling and disabling comments; and the like operations the
//! platform does not offer (it exposes `like_count` only).
//!
//! Every list has a `*_request` builder (for [`Client::pages`] / [`Client::stream`], which
//! follow the cursors) and a method for its first page.

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::Error;
use crate::fields::{FieldSet, Node};
use crate::ids::MediaId;
use crate::models::{Media, ProductTag, Success};
use crate::paging::Page;

/// The largest `limit` of the media edges.
pub const MAX_LIMIT: u32 = 100;

/// A list request: fields, page size, time window and a cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Which fields.
    pub fields: FieldSet,
    /// Page size (1–100).
    pub limit: Option<u32>,
    /// Only items from this time on (unix seconds).
    pub since: Option<i64>,
    /// Only items before this time (unix seconds).
    pub until: Option<i64>,
    /// Start after this cursor.
    pub after: Option<String>,
    /// Start before this cursor.
    pub before: Option<String>,
}

impl ListQuery {
    /// A query with these fields and defaults otherwise.
    pub fn fields(fields: FieldSet) -> Self {
        Self {
            fields,
            ..Self::default()
        }
    }

    /// Checks the values and adds them to `req` (with `fields` resolved for `node`).
    pub fn apply(
        &self,
        req: Request,
        node: Node,
        family: LoginFamily,
        max_limit: u32,
    ) -> Result<Request, Error> {
        let mut req = req.query("fields", self.fields.resolve(node, family)?);
        if let Some(limit) = self.limit {
            check_limit(limit, max_limit)?;
            req = req.query("limit", limit.to_string());
        }
        if let (Some(s), Some(u)) = (self.since, self.until)
            && s > u
        {
            return Err(Error::invalid_input(
                "since",
                format!("a time before until ({u})"),
                s.to_string(),
            ));
        }
        if let Some(s) = self.since {
            req = req.query("since", s.to_string());
        }
        if let Some(u) = self.until {
            req = req.query("until", u.to_string());
        }
        if self.after.is_some() && self.before.is_some() {
            return Err(Error::invalid_input(
                "after",
                "either after or before, not both",
                self.after.as_deref().unwrap_or(""),
            ));
        }
        if let Some(a) = &self.after {
            req = req.query("after", check_cursor("after", a)?);
        }
        if let Some(b) = &self.before {
            req = req.query("before", check_cursor("before", b)?);
        }
        Ok(req)
    }
}

/// Checks a page size: 1 to `max`.
pub fn check_limit(limit: u32, max: u32) -> Result<(), Error> {
    if limit == 0 || limit > max {
        return Err(Error::invalid_input(
            "limit",
            format!("1 to {max}"),
            limit.to_string(),
        ));
    }
    Ok(())
}

/// Checks an opaque cursor (the platform's cursors are URL-safe base64-like strings).
pub fn check_cursor(field: &str, c: &str) -> Result<String, Error> {
    let t = c.trim();
    let ok = !t.is_empty()
        && t.len() <= 2048
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'%' | b'.'));
    if ok {
        Ok(t.to_owned())
    } else {
        Err(Error::invalid_input(
            field,
            "a cursor from a previous page's paging.cursors",
            c,
        ))
    }
}

/// What [`Client::media_likers`] and [`Client::like_media`] answer: the platform has no such
/// operation.
pub const LIKES_INSTEAD: &str = "the Instagram Platform exposes likes only as a count: read the media's like_count (e.g. `instagraph media show MEDIA_ID --fields like_count`); it offers no list of likers and no way to like media through the API";

impl Client {
    /// `GET /{ig-user-id}/media` (Instagram Login: `/me/media`): the account's feed media and
    /// reels, newest first (stories are not in it: see [`Client::stories`]).
    pub fn user_media_request(&self, q: &ListQuery) -> Result<Request, Error> {
        let node = self.account_node()?;
        q.apply(
            Request::get(format!("{node}/media")),
            Node::Media,
            self.login(),
            MAX_LIMIT,
        )
    }

    /// The first page of [`Client::user_media_request`].
    pub async fn user_media(&self, q: &ListQuery) -> Result<Page<Media>, Error> {
        self.page(self.user_media_request(q)?).await
    }

    /// `GET /{media-id}`: one media with the chosen fields (any documented field; nested
    /// selections such as `children{media_url}` work with [`FieldSet::Custom`]).
    pub async fn media(&self, id: &MediaId, fields: &FieldSet) -> Result<Media, Error> {
        MediaId::parse(id.as_str())?;
        let fields = fields.resolve(Node::Media, self.login())?;
        self.send_json(Request::get(id.as_str()).query("fields", fields))
            .await
    }

    /// `GET /{media-id}/children`: a carousel's items (children have no comments or insights).
    pub async fn media_children(
        &self,
        id: &MediaId,
        fields: &FieldSet,
    ) -> Result<Page<Media>, Error> {
        MediaId::parse(id.as_str())?;
        let fields = fields.resolve(Node::Media, self.login())?;
        self.page(Request::get(format!("{id}/children")).query("fields", fields))
            .await
    }

    /// `GET /{ig-user-id}/stories`: the stories live now (the last 24 hours only; their insights
    /// go with them, so read them before they expire or use the `story_insights` webhook).
    pub fn stories_request(&self, q: &ListQuery) -> Result<Request, Error> {
        let node = self.account_node()?;
        q.apply(
            Request::get(format!("{node}/stories")),
            Node::Media,
            self.login(),
            MAX_LIMIT,
        )
    }

    /// The first page of [`Client::stories_request`].
    pub async fn stories(&self, q: &ListQuery) -> Result<Page<Media>, Error> {
        self.page(self.stories_request(q)?).await
    }

    /// `GET /{ig-user-id}/live_media`: broadcasts in progress (`BROADCAST` / `LIVE`; empty when
    /// the account is not live).
    pub fn live_media_request(&self, q: &ListQuery) -> Result<Request, Error> {
        let node = self.account_node()?;
        q.apply(
            Request::get(format!("{node}/live_media")),
            Node::Media,
            self.login(),
            MAX_LIMIT,
        )
    }

    /// The first page of [`Client::live_media_request`].
    pub async fn live_media(&self, q: &ListQuery) -> Result<Page<Media>, Error> {
        self.page(self.live_media_request(q)?).await
    }

    /// `GET /{ig-user-id}/tags`: media of other accounts in which this account is tagged.
    pub fn tagged_media_request(&self, q: &ListQuery) -> Result<Request, Error> {
        let node = self.account_node()?;
        q.apply(
            Request::get(format!("{node}/tags")),
            Node::Media,
            self.login(),
            MAX_LIMIT,
        )
    }

    /// The first page of [`Client::tagged_media_request`].
    pub async fn tagged_media(&self, q: &ListQuery) -> Result<Page<Media>, Error> {
        self.page(self.tagged_media_request(q)?).await
    }

    /// `GET /{media-id}/product_tags`: shopping product tags (Facebook Login; accounts with
    /// Instagram Shopping).
    pub async fn product_tags(&self, id: &MediaId) -> Result<Vec<ProductTag>, Error> {
        self.require_family(
            LoginFamily::Facebook,
            "product tags",
            Some("product tagging (Instagram Shopping) is offered with Facebook Login only"),
        )?;
        MediaId::parse(id.as_str())?;
        let page: Page<ProductTag> = self
            .page(Request::get(format!("{id}/product_tags")))
            .await?;
        Ok(page.data)
    }

    /// `POST /{media-id}?comment_enabled=true|false`: turns comments on a media on or off.
    pub async fn set_comments_enabled(
        &self,
        id: &MediaId,
        enabled: bool,
    ) -> Result<Success, Error> {
        MediaId::parse(id.as_str())?;
        let req = Request::post(id.as_str())
            .form("comment_enabled", enabled.to_string())
            .retry_safe();
        self.send_json(req).await
    }

    /// Listing who liked a media: the platform offers no such operation (either login family),
    /// so this fails before the network with [`Error::NotOffered`], pointing at `like_count`.
    pub async fn media_likers(&self, id: &MediaId) -> Result<Vec<String>, Error> {
        let _ = id;
        Err(Error::NotOffered {
            operation: "listing the users who liked a media",
            instead: LIKES_INSTEAD,
        })
    }

    /// Liking a media: the platform offers no such operation, so this fails before the network
    /// with [`Error::NotOffered`]; it never pretends to succeed.
    pub async fn like_media(&self, id: &MediaId) -> Result<Success, Error> {
        let _ = id;
        Err(Error::NotOffered {
            operation: "liking a media",
            instead: LIKES_INSTEAD,
        })
    }
}

impl Client {
    /// Every item of a list, following the cursors (with the guards of [`Client::pages`]);
    /// `on_page(pages, items)` is called after each page (progress indicators).
    pub async fn collect_pages<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        first: Request,
        mut on_page: impl FnMut(usize, usize),
    ) -> Result<Vec<T>, Error> {
        use futures_util::StreamExt;
        let mut pages = Box::pin(self.pages::<T>(first));
        let mut items = Vec::new();
        let mut n = 0;
        while let Some(page) = pages.next().await {
            let page = page?;
            n += 1;
            items.extend(page.data);
            on_page(n, items.len());
        }
        Ok(items)
    }
}

/// Most ids in one multi-id read.
pub const MAX_IDS: usize = 50;

impl Client {
    /// `GET /?ids=a,b&fields=...`: several nodes of one kind in one call (media, comments,
    /// hashtags, containers), answered as an object keyed by id. Any id the token cannot see
    /// fails the whole call, as on the platform.
    pub async fn nodes<T: serde::de::DeserializeOwned>(
        &self,
        ids: &[&str],
        fields: &str,
    ) -> Result<std::collections::BTreeMap<String, T>, Error> {
        if ids.is_empty() || ids.len() > MAX_IDS {
            return Err(Error::invalid_input(
                "ids",
                format!("1 to {MAX_IDS} ids"),
                format!("{} ids", ids.len()),
            ));
        }
        for id in ids {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::invalid_input("ids", "numeric ids", *id));
            }
        }
        crate::fields::check_fields_syntax(fields)?;
        self.send_json(
            Request::get("")
                .query("ids", ids.join(","))
                .query("fields", fields),
        )
        .await
    }
}
