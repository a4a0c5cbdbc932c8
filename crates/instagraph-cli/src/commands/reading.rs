//! Output helpers shared by the reading and engagement commands (`media`, `comments`,
//! `mentions`, `hashtags`, `discover`, `insights`, `batch`, `shopping`): readable tables,
//! `--json` printing exactly the typed model, and `--all` following pages with a progress
//! indicator on stderr.

use crate::context::Context;
use anyhow::Result;
use clap::Args;
use instagraph::models::{Comment, Media};
use instagraph::{Client, Page, Request};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::Write;

/// Paging flags of list commands.
#[derive(Debug, Args, Clone, Default)]
pub struct PageFlags {
    /// Page size.
    #[arg(long)]
    pub limit: Option<u32>,
    /// Start after this cursor (from a previous page's paging.cursors.after).
    #[arg(long, value_name = "CURSOR")]
    pub after: Option<String>,
    /// Follow every page (progress on stderr).
    #[arg(long, conflicts_with = "after")]
    pub all: bool,
}

/// Widest a table cell gets.
const MAX_CELL: usize = 60;

fn cell(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > MAX_CELL {
        let cut: String = one_line.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// Prints a table with a header row; columns padded to their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cell(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = widths.get(i).copied().unwrap_or(0);
                let pad = w.saturating_sub(c.chars().count());
                format!("{c}{}", " ".repeat(pad))
            })
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        line(r);
    }
}

/// An optional value as a cell (`-` when absent).
pub fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".to_owned())
}

/// Prints a serializable value: `--json` prints it whole; otherwise `human` runs.
pub fn print<T: Serialize>(ctx: &Context, value: &T, human: impl FnOnce()) -> Result<()> {
    if ctx.global.json {
        crate::output::print_json(&serde_json::to_value(value)?)
    } else {
        human();
        Ok(())
    }
}

/// Follows every page of `first`, reporting progress on stderr.
pub async fn collect_all<T: DeserializeOwned + Send + 'static>(
    client: &Client,
    first: Request,
    what: &str,
) -> Result<Vec<T>> {
    let mut stderr = std::io::stderr();
    let items = client
        .collect_pages(first, |pages, n| {
            let s = if pages == 1 { "" } else { "s" };
            let _ = write!(stderr, "\rfetched {n} {what} ({pages} page{s})");
            let _ = stderr.flush();
        })
        .await;
    let _ = writeln!(std::io::stderr());
    Ok(items?)
}

/// Progress for paging loops that are not cursor streams (business discovery).
pub fn progress(what: &str) -> impl FnMut(usize) {
    let what = what.to_owned();
    let mut pages = 0;
    move |n| {
        pages += 1;
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "\rfetched {n} {what} ({pages} pages)");
        let _ = stderr.flush();
    }
}

/// A list command's output: one page (the page as sent, with paging) or, with `--all`, every
/// item as `{"data": [...]}`.
pub async fn list<T>(
    ctx: &Context,
    client: &Client,
    req: Request,
    all: bool,
    what: &str,
    human: impl Fn(&[T]),
) -> Result<()>
where
    T: DeserializeOwned + Serialize + Send + 'static,
{
    if all {
        let items: Vec<T> = collect_all(client, req, what).await?;
        let value = serde_json::json!({ "data": items });
        print(ctx, &value, || human(&items))
    } else {
        let page: Page<T> = client.page(req).await?;
        print(ctx, &page, || {
            human(&page.data);
            if let Some(c) = page.next_cursor() {
                println!("(more: --all, or --after {c})");
            }
        })
    }
}

/// Parses a `--since`/`--until` value (unix seconds or ms, a date, or an age such as 7d) into
/// unix seconds.
pub fn when(value: Option<&str>) -> Result<Option<i64>> {
    value
        .map(|v| super::events::parse_time(v, crate::context::now_unix_ms()).map(|ms| ms / 1000))
        .transpose()
}

/// A media table.
pub fn media_table(items: &[Media]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|m| {
            vec![
                m.id.to_string(),
                m.kind().to_owned(),
                opt(m.timestamp.as_deref()),
                opt(m.like_count),
                opt(m.comments_count),
                m.caption.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &["id", "kind", "timestamp", "likes", "comments", "caption"],
        &rows,
    );
}

/// A comments table, replies indented under their comment.
pub fn comment_table(items: &[Comment]) {
    let mut rows = Vec::new();
    let row = |c: &Comment, prefix: &str| {
        vec![
            format!("{prefix}{}", c.id),
            opt(c.timestamp.as_deref()),
            c.username
                .clone()
                .or_else(|| c.from.as_ref().and_then(|f| f.username.clone()))
                .unwrap_or_else(|| "-".into()),
            opt(c.like_count),
            if c.hidden == Some(true) { "hidden" } else { "" }.to_owned(),
            c.text.clone().unwrap_or_default(),
        ]
    };
    for c in items {
        rows.push(row(c, ""));
        for r in c.replies.iter().flat_map(|p| &p.data) {
            rows.push(row(r, "  ↳ "));
        }
    }
    table(
        &["id", "timestamp", "username", "likes", "state", "text"],
        &rows,
    );
}
