//! Engagement and reading beyond `/media`: comments and replies, mentions, tags, hashtags, business discovery, insights and batch.

use serde_json::Value;

use super::{Ctx, Node};
use crate::errors::GraphError;
use crate::state::{State, TokenRecord};

/// Resolves a path segment to a node of this area the token may see.
pub(crate) fn resolve(_st: &State, _token: &TokenRecord, _seg: &str) -> Option<Node> {
    None
}

/// The IG account that owns a node of this area (for the BUC usage header).
pub(crate) fn comment_owner(_st: &State, _id: &str) -> Option<String> {
    None
}

/// Handles a request on `node` + `rest` (edges) if it belongs to this area; `None` otherwise.
pub(crate) fn route(
    _st: &mut State,
    _ctx: &Ctx,
    _node: &Node,
    _first: &str,
    _rest: &[&str],
) -> Option<Result<Value, GraphError>> {
    None
}
