//! # instagraph-agent
//!
//! Instagraph for AI agents and scripts:
//! - [`action`]: the action registry. Every operation as a named action with a JSON schema
//!   derived from its parameter type, an [`action::Effect`] (read, prepare, write, send,
//!   publish, delete, hide) and a per-account [`action::Policy`] (full, drafts, read-only).
//!   Results use the Composio envelope `{ "data", "error", "successful" }`.
//! - [`composio`]: the Composio Instagram toolkit's action names and parameters (deprecated
//!   aliases included), so agents and prompts written for it run unchanged.
//! - [`native`]: our own tools, one per operation of the toolkit, named in snake_case.
//! - [`mcp`]: the MCP server (official `rmcp` SDK) over stdio or streamable HTTP.

pub mod action;
pub mod composio;
pub mod docs;
pub mod mcp;
pub mod native;

pub use action::{
    Access, Action, ActionContext, ActionError, ClientSource, Effect, Outcome, Policy, Registry,
    ResolvedAccount, SingleAccount, run,
};
