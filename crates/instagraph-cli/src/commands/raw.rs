//! `instagraph raw METHOD PATH [-p key=value]...`.

use crate::Refused;
use crate::cli::RawArgs;
use crate::context::Context;
use anyhow::Result;
use instagraph::ratelimit::OperationClass;
use instagraph::{Method, RawCall};

pub async fn run(ctx: &Context, args: RawArgs) -> Result<()> {
    let method = match args.method.to_ascii_uppercase().as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "DELETE" => Method::DELETE,
        other => {
            return Err(
                Refused(format!("method must be GET, POST or DELETE, got {other:?}")).into(),
            );
        }
    };
    let mut params = Vec::with_capacity(args.params.len());
    for p in &args.params {
        match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => params.push((k.to_owned(), v.to_owned())),
            _ => return Err(Refused(format!("parameter {p:?} is not key=value")).into()),
        }
    }
    let class = OperationClass::ALL
        .into_iter()
        .find(|c| c.as_str() == args.class)
        .ok_or_else(|| {
            Refused(format!(
                "--class must be one of {}, got {:?}",
                OperationClass::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                args.class
            ))
        })?;
    let call = RawCall {
        method,
        path: args.path,
        params,
        retry_post: args.retry_post,
        class,
    };
    // Validate before building the client so bad input never needs credentials to be reported.
    let _validated = call.clone().into_request()?;
    let client = ctx.client().await?;
    let value = client.raw(call).await?;
    if ctx.global.json {
        crate::output::print_json(&value)
    } else {
        println!("{}", serde_json::to_string_pretty(&value)?);
        Ok(())
    }
}
