//! Cursor pagination shared by every list edge: opaque cursors, `limit`/`after`/`before`,
//! and absolute `next`/`previous` URLs built from the request.

use std::ops::Range;

use serde_json::{Value, json};

use crate::errors::GraphError;
use crate::params::Params;
use crate::rng::{hash_str, mix};

/// Default page size.
pub(crate) const DEFAULT_LIMIT: usize = 25;
/// Largest `limit` accepted by the media and accounts edges.
pub(crate) const MAX_LIMIT: usize = 100;

/// Where the request was sent, for building `next`/`previous`.
#[derive(Clone, Debug)]
pub(crate) struct UrlBase {
    pub(crate) scheme: String,
    pub(crate) host: String,
    pub(crate) path: String,
    /// Query pairs as received (the token stays in if it came in the query, as Meta does).
    pub(crate) query: Vec<(String, String)>,
}

/// One edge's cursor space: `edge` names the list (e.g. `media:<ig-user-id>`), `salt` is per
/// sandbox.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CursorKey<'a> {
    pub(crate) salt: u64,
    pub(crate) edge: &'a str,
}

impl CursorKey<'_> {
    fn mac(&self, item: &str) -> u32 {
        (mix(self.salt ^ hash_str(self.edge).rotate_left(17) ^ hash_str(item)) >> 32) as u32
    }

    /// Opaque cursor pointing at `item`.
    pub(crate) fn encode(&self, item: &str) -> String {
        b64_encode(format!("sbx1:{item}:{:08x}", self.mac(item)).as_bytes())
    }

    /// Item key of a cursor issued by [`Self::encode`] for this edge.
    pub(crate) fn decode(&self, cursor: &str) -> Option<String> {
        let raw = String::from_utf8(b64_decode(cursor)?).ok()?;
        let rest = raw.strip_prefix("sbx1:")?;
        let (item, mac) = rest.rsplit_once(':')?;
        let mac = u32::from_str_radix(mac, 16).ok()?;
        (mac == self.mac(item)).then(|| item.to_string())
    }
}

/// The slice of a list to return and its `paging` object.
#[derive(Clone, Debug)]
pub(crate) struct Window {
    pub(crate) range: Range<usize>,
    pub(crate) paging: Option<Value>,
}

/// Parses `limit` (1..=max).
pub(crate) fn limit(params: &Params, default: usize, max: usize) -> Result<usize, GraphError> {
    match params.get("limit") {
        None => Ok(default),
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            Ok(n) if n > max => Err(GraphError::invalid_parameter(format!(
                "(#100) The parameter limit must be at most {max}, got {n}"
            ))),
            _ => Err(GraphError::invalid_parameter(format!(
                "(#100) Param limit must be a positive integer, got '{raw}'"
            ))),
        },
    }
}

fn url(base: &UrlBase, limit: usize, cursor_param: &str, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> = base
        .query
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "limit" | "after" | "before"))
        .cloned()
        .collect();
    pairs.push(("limit".to_string(), limit.to_string()));
    pairs.push((cursor_param.to_string(), cursor.to_string()));
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}://{}{}?{qs}", base.scheme, base.host, base.path)
}

/// Picks the page of `keys` (item ids, in list order) the request asks for.
pub(crate) fn window(
    keys: &[String],
    params: &Params,
    base: &UrlBase,
    key: CursorKey<'_>,
    default_limit: usize,
    max_limit: usize,
) -> Result<Window, GraphError> {
    let limit = limit(params, default_limit, max_limit)?;
    let position = |param: &str, cursor: &str| -> Result<usize, GraphError> {
        let item = key
            .decode(cursor)
            .ok_or_else(|| GraphError::invalid_cursor(param))?;
        keys.iter()
            .position(|k| *k == item)
            .ok_or_else(|| GraphError::invalid_cursor(param))
    };
    let total = keys.len();
    let range = if let Some(after) = params.get("after") {
        let start = position("after", after)? + 1;
        start..(start + limit).min(total)
    } else if let Some(before) = params.get("before") {
        let end = position("before", before)?;
        end.saturating_sub(limit)..end
    } else {
        0..limit.min(total)
    };
    if range.is_empty() {
        return Ok(Window {
            range,
            paging: None,
        });
    }
    let first = keys
        .get(range.start)
        .map(|k| key.encode(k))
        .unwrap_or_default();
    let last = keys
        .get(range.end - 1)
        .map(|k| key.encode(k))
        .unwrap_or_default();
    let mut paging = json!({ "cursors": { "before": first, "after": last } });
    if range.end < total {
        paging["next"] = Value::String(url(base, limit, "after", &last));
    }
    if range.start > 0 {
        paging["previous"] = Value::String(url(base, limit, "before", &first));
    }
    Ok(Window {
        range,
        paging: Some(paging),
    })
}

/// Serves one page of the edge `edge` over `keys` (in list order): the cursor window with the
/// default and maximum limits, each key rendered (`None` skips a key that vanished), wrapped in
/// the `{data, paging}` envelope. Every list endpoint goes through this.
pub(crate) fn list_edge(
    salt: u64,
    edge: &str,
    keys: &[String],
    params: &Params,
    base: &UrlBase,
    mut render: impl FnMut(&str) -> Option<Result<Value, GraphError>>,
) -> Result<Value, GraphError> {
    let w = window(
        keys,
        params,
        base,
        CursorKey { salt, edge },
        DEFAULT_LIMIT,
        MAX_LIMIT,
    )?;
    let data = keys
        .get(w.range.clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|k| render(k))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(envelope(data, w.paging))
}

/// Wraps items in the `{data, paging}` envelope.
fn envelope(data: Vec<Value>, paging: Option<Value>) -> Value {
    let mut v = json!({ "data": data });
    if let Some(p) = paging {
        v["paging"] = p;
    }
    v
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let vals: Vec<u32> = s
        .bytes()
        .map(|c| B64.iter().position(|&b| b == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(vals.len() * 3 / 4);
    for chunk in vals.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, v)| n | (v << (18 - 6 * i)));
        for i in 0..chunk.len() - 1 {
            out.push(((n >> (16 - 8 * i)) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "abcd", "sbx1:17841:00ff00ff"] {
            assert_eq!(
                b64_decode(&b64_encode(s.as_bytes())),
                Some(s.as_bytes().to_vec())
            );
        }
        assert_eq!(b64_decode("a"), None);
        assert_eq!(b64_decode("@@@@"), None);
    }

    #[test]
    fn cursors_are_edge_bound_and_opaque() {
        let k = CursorKey {
            salt: 9,
            edge: "media:1",
        };
        let c = k.encode("178");
        assert!(!c.contains("178"));
        assert_eq!(k.decode(&c).as_deref(), Some("178"));
        let other = CursorKey {
            salt: 9,
            edge: "media:2",
        };
        assert_eq!(other.decode(&c), None);
        assert_eq!(k.decode("garbage!"), None);
    }
}
