//! Instagram Shopping as the Graph API offers it to IG users (Facebook Login): product appeals,
//! the catalogs an account can tag from and their products.

use serde::{Deserialize, Serialize};

/// A product's review and appeal state (`IGShoppingProductAppeal`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductAppeal {
    /// The product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// `approved`, `rejected`, `pending`, `outdated`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_status: Option<String>,
    /// Whether a rejection can be appealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible_for_appeal: Option<bool>,
    /// The appeal's state, once filed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_appeal_status: Option<String>,
    /// Why the product was rejected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejection_reasons: Vec<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A catalog the account can tag products from (`UserAvailableCatalogs`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Catalog id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<String>,
    /// Catalog name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_name: Option<String>,
    /// Shop name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_name: Option<String>,
    /// Number of products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_count: Option<u64>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A product variant (`ShadowIGUserCatalogProductVariant`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductVariant {
    /// Product id of the variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_name: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A product found in a catalog (`ShadowIGUserCatalogProductSearch`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogProduct {
    /// Product id (use it in product tags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// Merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<u64>,
    /// Product name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// Image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The retailer's own id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retailer_id: Option<String>,
    /// Review state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_status: Option<String>,
    /// Whether checkout on Instagram is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_checkout_flow: Option<bool>,
    /// Variants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_variants: Vec<ProductVariant>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
