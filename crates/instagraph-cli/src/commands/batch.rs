//! `instagraph batch FILE` (Facebook Login): up to 50 calls in one request, read from a JSON
//! file (`-` for stdin): an array of `{"method","relative_url","body"?,"name"?,"depends_on"?}`,
//! or an object with that array under `batch`. `body` may be a form string or an object.
//! Results come back per call, each failure kept as that call's error; the exit status is 0
//! when the batch itself went through, even if some calls failed (see each result).

use super::reading::{print, table};
use crate::Refused;
use crate::context::Context;
use anyhow::Result;
use clap::Args;
use instagraph::ops::batch::{BatchOp, BatchOutcome, check_batch};
use std::io::Read;
use std::path::PathBuf;

/// `instagraph batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The JSON file with the calls (`-` reads stdin).
    pub file: PathBuf,
}

fn read_ops(path: &PathBuf) -> Result<Vec<BatchOp>> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Refused(format!("cannot read {}: {e}", path.display())))?
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Refused(format!("{} is not JSON: {e}", path.display())))?;
    let list = match value {
        serde_json::Value::Object(mut o) => o.remove("batch").unwrap_or(serde_json::Value::Null),
        other => other,
    };
    let ops: Vec<BatchOp> = serde_json::from_value(list).map_err(|e| {
        Refused(format!(
            "{}: expected an array of {{\"method\", \"relative_url\", \"body\"?}}: {e}",
            path.display()
        ))
    })?;
    Ok(ops)
}

/// Runs `instagraph batch`.
pub async fn run(ctx: &Context, args: BatchArgs) -> Result<()> {
    let ops = read_ops(&args.file)?;
    check_batch(&ops)?;
    let client = ctx.client().await?;
    let results = client.batch(&ops).await?;
    print(ctx, &results, || {
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|r| {
                let (status, summary) = match &r.outcome {
                    BatchOutcome::Ok { status, body } => (status.to_string(), body.to_string()),
                    BatchOutcome::Error {
                        status,
                        error,
                        class,
                        ..
                    } => (
                        format!("{status} {class}"),
                        format!("code {}: {}", error.code, error.message),
                    ),
                    BatchOutcome::NotRun => ("-".to_owned(), "not run".to_owned()),
                };
                vec![
                    r.index.to_string(),
                    r.method.clone(),
                    r.relative_url.clone(),
                    status,
                    summary,
                ]
            })
            .collect();
        table(&["#", "method", "relative_url", "status", "result"], &rows);
        let failed = results.iter().filter(|r| !r.is_ok()).count();
        if failed > 0 {
            println!("{failed} of {} calls failed", results.len());
        }
    })
}
