//! Batch requests (Facebook Login, graph.facebook.com): up to 50 operations in one call, each
//! result mapped back to its operation, each failure kept as that operation's error.
//!
//! `POST /{version}/` with `batch=[{"method","relative_url","body"?,"name"?,...}]`; the answer is
//! an array in request order of `{code, headers, body}` (the body a JSON *string*) or `null` for
//! an operation that did not run (a dependency failed). Every operation counts against the rate
//! limits on its own. Chaining (`name`, `depends_on`, `{result=name:$.path}`) is passed through.

use crate::client::{Client, Request};
use crate::config::LoginFamily;
use crate::error::{Error, ErrorClass, GraphError, fix_for};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Most operations in one batch.
pub const MAX_BATCH: usize = 50;

fn body_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(map)) => {
            let pairs: Vec<(String, String)> = map
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect();
            Some(serde_urlencoded::to_string(pairs).map_err(serde::de::Error::custom)?)
        }
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "body must be a form-encoded string or an object, got {other}"
            )));
        }
    })
}

/// One operation of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct BatchOp {
    /// `GET`, `POST` or `DELETE`.
    pub method: String,
    /// Path and query relative to the version root (`17841…/media?fields=id`); a leading
    /// version (`v25.0/...`) is allowed.
    pub relative_url: String,
    /// Form-encoded body for POST (`message=hi`); in files, a JSON object works too.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "body_string"
    )]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    pub body: Option<String>,
    /// A name other operations can reference (`{result=NAME:$.id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The named operation this one waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<String>,
    /// Leave the response out when it succeeds (named operations default to true on Graph).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omit_response_on_success: Option<bool>,
}

impl BatchOp {
    /// A GET.
    pub fn get(relative_url: impl Into<String>) -> Self {
        Self {
            method: "GET".into(),
            relative_url: relative_url.into(),
            body: None,
            name: None,
            depends_on: None,
            omit_response_on_success: None,
        }
    }

    /// A POST with a form body given as pairs.
    pub fn post(relative_url: impl Into<String>, body: &[(&str, &str)]) -> Self {
        Self {
            method: "POST".into(),
            body: serde_urlencoded::to_string(body).ok(),
            ..Self::get(relative_url)
        }
    }

    /// A DELETE.
    pub fn delete(relative_url: impl Into<String>) -> Self {
        Self {
            method: "DELETE".into(),
            ..Self::get(relative_url)
        }
    }
}

/// A header inside a batch item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchHeader {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// One element of the raw batch answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchResponseItem {
    /// The operation's HTTP status.
    pub code: u16,
    /// Its headers (left out with `include_headers=false`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<BatchHeader>,
    /// Its body: JSON as a string (absent with `omit_response_on_success`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// The outcome of one operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BatchOutcome {
    /// It succeeded; the body decoded (null when omitted).
    Ok {
        /// HTTP status.
        status: u16,
        /// The body.
        body: Value,
    },
    /// It failed; the platform's error, classified.
    Error {
        /// HTTP status.
        status: u16,
        /// The error class.
        class: ErrorClass,
        /// The fix.
        fix: String,
        /// The platform's error object.
        error: GraphError,
    },
    /// It did not run (`null` in the answer: a dependency failed or it timed out).
    NotRun,
}

/// One operation's result, mapped back to the operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchResult {
    /// Position in the batch (0-based).
    pub index: usize,
    /// The operation's method.
    pub method: String,
    /// The operation's relative URL.
    pub relative_url: String,
    /// The operation's name, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub outcome: BatchOutcome,
}

impl BatchResult {
    /// The body on success, the error otherwise (a `NotRun` is reported as an HTTP error).
    pub fn into_result(self) -> Result<Value, Error> {
        match self.outcome {
            BatchOutcome::Ok { body, .. } => Ok(body),
            BatchOutcome::Error {
                status,
                class,
                error,
                ..
            } => Err(Error::Graph {
                status,
                error: Box::new(error),
                class,
                retry_after: None,
            }),
            BatchOutcome::NotRun => Err(Error::Http {
                status: 0,
                snippet: format!("batch operation {} did not run", self.index),
            }),
        }
    }

    /// Whether it succeeded.
    pub fn is_ok(&self) -> bool {
        matches!(self.outcome, BatchOutcome::Ok { .. })
    }
}

/// Checks a batch before the network: 1 to 50 operations, methods, relative URLs, names.
pub fn check_batch(ops: &[BatchOp]) -> Result<(), Error> {
    if ops.is_empty() || ops.len() > MAX_BATCH {
        return Err(Error::invalid_input(
            "batch",
            format!("1 to {MAX_BATCH} operations"),
            format!("{} operations", ops.len()),
        ));
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let field = format!("batch[{i}]");
        if !matches!(
            op.method.to_ascii_uppercase().as_str(),
            "GET" | "POST" | "DELETE"
        ) {
            return Err(Error::invalid_input(
                format!("{field}.method"),
                "GET, POST or DELETE",
                &op.method,
            ));
        }
        let url = op.relative_url.trim();
        let path = url.split('?').next().unwrap_or("");
        if url.is_empty()
            || url.contains("://")
            || path.split('/').any(|s| s == ".." || s == ".")
            || url.chars().any(char::is_whitespace)
        {
            return Err(Error::invalid_input(
                format!("{field}.relative_url"),
                "a path relative to the version root, e.g. 17841…/media?fields=id",
                url,
            ));
        }
        if let Some(dep) = &op.depends_on
            && !names.contains(&dep.as_str())
        {
            return Err(Error::invalid_input(
                format!("{field}.depends_on"),
                "the name of an earlier operation",
                dep,
            ));
        }
        if let Some(n) = &op.name {
            if n.trim().is_empty() || names.contains(&n.as_str()) {
                return Err(Error::invalid_input(
                    format!("{field}.name"),
                    "a unique, non-empty name",
                    n,
                ));
            }
            names.push(n);
        }
    }
    Ok(())
}

/// Maps a raw batch answer back onto its operations.
pub fn map_batch(ops: &[BatchOp], items: Vec<Option<BatchResponseItem>>) -> Vec<BatchResult> {
    ops.iter()
        .enumerate()
        .map(|(index, op)| {
            let outcome = match items.get(index).cloned().flatten() {
                None => BatchOutcome::NotRun,
                Some(item) if (200..300).contains(&item.code) => BatchOutcome::Ok {
                    status: item.code,
                    body: item
                        .body
                        .as_deref()
                        .map(|b| serde_json::from_str(b).unwrap_or(Value::String(b.to_owned())))
                        .unwrap_or(Value::Null),
                },
                Some(item) => {
                    let error = item
                        .body
                        .as_deref()
                        .and_then(|b| GraphError::from_body(b.as_bytes()))
                        .unwrap_or_else(|| GraphError {
                            message: item.body.clone().unwrap_or_default(),
                            ..GraphError::default()
                        });
                    let class = error.class();
                    BatchOutcome::Error {
                        status: item.code,
                        class,
                        fix: fix_for(error.code, error.error_subcode, class).to_owned(),
                        error,
                    }
                }
            };
            BatchResult {
                index,
                method: op.method.to_ascii_uppercase(),
                relative_url: op.relative_url.clone(),
                name: op.name.clone(),
                outcome,
            }
        })
        .collect()
}

impl Client {
    /// Sends up to 50 operations in one call; results come back per operation, in order, with
    /// per-operation errors kept. Retried as a whole only when every operation is a GET.
    pub async fn batch(&self, ops: &[BatchOp]) -> Result<Vec<BatchResult>, Error> {
        self.require_family(
            LoginFamily::Facebook,
            "batch requests",
            Some("batch requests are a graph.facebook.com feature: send the calls one by one with Instagram Login"),
        )?;
        check_batch(ops)?;
        let normalized: Vec<BatchOp> = ops
            .iter()
            .map(|op| BatchOp {
                method: op.method.to_ascii_uppercase(),
                relative_url: op.relative_url.trim().trim_start_matches('/').to_owned(),
                ..op.clone()
            })
            .collect();
        let json = serde_json::to_string(&normalized).map_err(|e| Error::Decode {
            path: "batch".into(),
            message: e.to_string(),
        })?;
        let mut req = Request::post("").form("batch", json);
        if normalized.iter().all(|op| op.method == "GET") {
            req = req.retry_safe();
        }
        let items: Vec<Option<BatchResponseItem>> = self.send_json(req).await?;
        Ok(map_batch(&normalized, items))
    }
}
