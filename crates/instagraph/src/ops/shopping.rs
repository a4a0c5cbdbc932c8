//! Instagram Shopping where the Graph API offers it to IG users (Facebook Login, accounts
//! approved for Shopping): a product's review state and appeal, the catalogs the account can
//! tag from and a product search in them. Product tags on media: [`Client::product_tags`].

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::Error;
use crate::models::{Catalog, CatalogProduct, ProductAppeal, Success};
use crate::paging::Page;

const FB_ONLY: Option<&str> = Some("Instagram Shopping is offered with Facebook Login only");

/// Longest appeal reason accepted.
pub const MAX_APPEAL_REASON_CHARS: usize = 1000;

fn check_product_id(id: &str) -> Result<String, Error> {
    let t = id.trim();
    if !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(t.to_owned())
    } else {
        Err(Error::invalid_input(
            "product_id",
            "a numeric product id",
            id,
        ))
    }
}

impl Client {
    /// `GET /{ig-user-id}/product_appeal?product_id=..`: a product's review state and whether a
    /// rejection can be appealed.
    pub async fn product_appeal(&self, product_id: &str) -> Result<Vec<ProductAppeal>, Error> {
        self.require_family(LoginFamily::Facebook, "product appeal", FB_ONLY)?;
        let id = check_product_id(product_id)?;
        let node = self.account_node()?;
        let page: Page<ProductAppeal> = self
            .page(Request::get(format!("{node}/product_appeal")).query("product_id", id))
            .await?;
        Ok(page.data)
    }

    /// `POST /{ig-user-id}/product_appeal?product_id=..&appeal_reason=..`: appeals a rejected
    /// product.
    pub async fn appeal_product(&self, product_id: &str, reason: &str) -> Result<Success, Error> {
        self.require_family(LoginFamily::Facebook, "product appeal", FB_ONLY)?;
        let id = check_product_id(product_id)?;
        let n = reason.chars().count();
        if reason.trim().is_empty() || n > MAX_APPEAL_REASON_CHARS {
            return Err(Error::invalid_input(
                "appeal_reason",
                format!("1 to {MAX_APPEAL_REASON_CHARS} characters"),
                reason,
            ));
        }
        let node = self.account_node()?;
        self.send_json(
            Request::post(format!("{node}/product_appeal"))
                .form("product_id", id)
                .form("appeal_reason", reason),
        )
        .await
    }

    /// `GET /{ig-user-id}/available_catalogs`.
    pub async fn available_catalogs(&self) -> Result<Vec<Catalog>, Error> {
        self.require_family(LoginFamily::Facebook, "available catalogs", FB_ONLY)?;
        let node = self.account_node()?;
        let page: Page<Catalog> = self
            .page(Request::get(format!("{node}/available_catalogs")))
            .await?;
        Ok(page.data)
    }

    /// `GET /{ig-user-id}/catalog_product_search?catalog_id=..[&q=..]`.
    pub async fn catalog_product_search(
        &self,
        catalog_id: &str,
        query: Option<&str>,
    ) -> Result<Page<CatalogProduct>, Error> {
        self.require_family(LoginFamily::Facebook, "catalog product search", FB_ONLY)?;
        let catalog = check_product_id(catalog_id)
            .map_err(|_| Error::invalid_input("catalog_id", "a numeric catalog id", catalog_id))?;
        let node = self.account_node()?;
        let mut req =
            Request::get(format!("{node}/catalog_product_search")).query("catalog_id", catalog);
        if let Some(q) = query.map(str::trim).filter(|q| !q.is_empty()) {
            req = req.query("q", q);
        }
        self.page(req).await
    }
}
