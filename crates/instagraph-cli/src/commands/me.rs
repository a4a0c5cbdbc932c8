//! `instagraph me`.

use crate::cli::MeArgs;
use crate::context::Context;
use anyhow::Result;

pub async fn run(ctx: &Context, args: MeArgs) -> Result<()> {
    let client = ctx.client().await?;
    let profile = client.me(args.fields.as_deref()).await?;
    let value = serde_json::to_value(&profile)?;
    if ctx.global.json {
        crate::output::print_json(&value)
    } else {
        crate::output::print_fields(&value);
        Ok(())
    }
}
