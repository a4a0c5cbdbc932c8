//! `instagraph shopping ...` (Facebook Login, accounts approved for Instagram Shopping): a
//! product's review state and appeal, the catalogs the account can tag from, and a product
//! search in one. Product tags on a media: `instagraph media product-tags`.

use super::reading::{opt, print, table};
use crate::context::Context;
use anyhow::Result;
use clap::{Args, Subcommand};

/// `instagraph shopping`.
#[derive(Debug, Args)]
pub struct ShoppingArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ShoppingCommand,
}

/// `shopping` subcommands.
#[derive(Debug, Subcommand)]
pub enum ShoppingCommand {
    /// A product's review state and whether a rejection can be appealed.
    Appeal {
        /// The product id.
        product_id: String,
        /// File an appeal with this reason.
        #[arg(long)]
        reason: Option<String>,
    },
    /// The catalogs the account can tag products from.
    Catalogs,
    /// Products of a catalog.
    Products {
        /// The catalog id.
        catalog_id: String,
        /// Only products whose name contains this.
        #[arg(long)]
        q: Option<String>,
    },
}

/// Runs `instagraph shopping ...`.
pub async fn run(ctx: &Context, args: ShoppingArgs) -> Result<()> {
    let client = ctx.client().await?;
    match args.command {
        ShoppingCommand::Appeal {
            product_id,
            reason: Some(reason),
        } => {
            let s = client.appeal_product(&product_id, &reason).await?;
            print(ctx, &s, || println!("appeal filed"))
        }
        ShoppingCommand::Appeal {
            product_id,
            reason: None,
        } => {
            let list = client.product_appeal(&product_id).await?;
            let value = serde_json::json!({ "data": list });
            print(ctx, &value, || {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|p| {
                        vec![
                            opt(p.product_id),
                            opt(p.review_status.as_deref()),
                            opt(p.eligible_for_appeal),
                            opt(p.product_appeal_status.as_deref()),
                            p.rejection_reasons.join(", "),
                        ]
                    })
                    .collect();
                table(
                    &["product_id", "review", "appealable", "appeal", "reasons"],
                    &rows,
                );
            })
        }
        ShoppingCommand::Catalogs => {
            let list = client.available_catalogs().await?;
            let value = serde_json::json!({ "data": list });
            print(ctx, &value, || {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|c| {
                        vec![
                            opt(c.catalog_id.as_deref()),
                            opt(c.catalog_name.as_deref()),
                            opt(c.shop_name.as_deref()),
                            opt(c.product_count),
                        ]
                    })
                    .collect();
                table(&["catalog_id", "name", "shop", "products"], &rows);
            })
        }
        ShoppingCommand::Products { catalog_id, q } => {
            let page = client
                .catalog_product_search(&catalog_id, q.as_deref())
                .await?;
            print(ctx, &page, || {
                let rows: Vec<Vec<String>> = page
                    .data
                    .iter()
                    .map(|p| {
                        vec![
                            opt(p.product_id),
                            opt(p.product_name.as_deref()),
                            opt(p.review_status.as_deref()),
                            opt(p.is_checkout_flow),
                        ]
                    })
                    .collect();
                table(&["product_id", "name", "review", "checkout"], &rows);
            })
        }
    }
}
