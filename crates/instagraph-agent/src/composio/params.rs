//! Lenient parameter types for the Composio-compatible actions. Composio callers send lists as
//! arrays or comma-separated strings, numbers and booleans as strings ("25", "true"), ids as
//! numbers, empty strings for "not given", and local files as a path or a `FileUploadable`
//! object (`{"name": "/path/to/file.jpg"}`): all of these are accepted here, and anything else
//! is refused naming the parameter (through [`crate::action::parse_params`]).

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A list of names given as a JSON array of strings or as one comma-separated string
/// (`["reach", "saved"]` or `"reach,saved"`). Entries are trimmed; empty entries are dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StringList(pub Vec<String>);

impl StringList {
    /// The entries.
    pub fn items(&self) -> &[String] {
        &self.0
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn split_commas(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match v {
            Value::Null => Ok(StringList::default()),
            Value::String(s) => {
                // A JSON array inside a string ('["a","b"]') is accepted too.
                let t = s.trim();
                if t.starts_with('[')
                    && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(t)
                {
                    return list_from_array(items).map_err(de::Error::custom);
                }
                Ok(StringList(split_commas(&s)))
            }
            Value::Array(items) => list_from_array(items).map_err(de::Error::custom),
            other => Err(de::Error::custom(format!(
                "expected a list of strings or a comma-separated string, got {other}"
            ))),
        }
    }
}

fn list_from_array(items: Vec<Value>) -> Result<StringList, String> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::String(s) => out.extend(split_commas(&s)),
            Value::Number(n) => out.push(n.to_string()),
            Value::Null => {}
            other => return Err(format!("[{i}]: expected a string, got {other}")),
        }
    }
    Ok(StringList(out))
}

impl JsonSchema for StringList {
    fn schema_name() -> Cow<'static, str> {
        "StringList".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": "array", "items": { "type": "string" } },
                { "type": "string", "description": "comma-separated" }
            ]
        })
    }
}

/// A local file: a path string, or Composio's `FileUploadable` object whose `name` is the file
/// (`{"name": "/tmp/photo.jpg"}`; `path` and `file` are accepted as well).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LocalFile(pub PathBuf);

impl<'de> Deserialize<'de> for LocalFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let path = match &v {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Object(map) => ["name", "path", "file", "local_path"]
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str))
                .map(|s| s.trim().to_owned()),
            _ => None,
        };
        match path {
            Some(p) if !p.is_empty() => Ok(LocalFile(PathBuf::from(p))),
            _ => Err(de::Error::custom(format!(
                "expected a file path or an object {{\"name\": \"/path/to/file\"}}, got {v}"
            ))),
        }
    }
}

impl JsonSchema for LocalFile {
    fn schema_name() -> Cow<'static, str> {
        "LocalFile".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": "string", "description": "a local file path" },
                {
                    "type": "object",
                    "description": "a FileUploadable object: name is the local file's path",
                    "properties": { "name": { "type": "string" } },
                    "required": ["name"]
                }
            ]
        })
    }
}

/// Deserializes a list of [`LocalFile`]s (also a single one, or `null`).
pub fn files<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LocalFile>, D::Error> {
    let v = Value::deserialize(d)?;
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .filter(|(_, x)| !x.is_null())
            .map(|(i, x)| {
                LocalFile::deserialize(x).map_err(|e| de::Error::custom(format!("[{i}]: {e}")))
            })
            .collect(),
        other => LocalFile::deserialize(other)
            .map(|f| vec![f])
            .map_err(de::Error::custom),
    }
}

/// Deserializes an id given as a string or a number; empty strings and `null` are `None`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => {
            let t = s.trim();
            Ok((!t.is_empty()).then(|| t.to_owned()))
        }
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(de::Error::custom(format!(
            "expected an id (a string or a number), got {other}"
        ))),
    }
}

/// Deserializes a required id given as a string or a number (trimmed; empty is refused).
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_id(d)?.ok_or_else(|| de::Error::custom("expected a non-empty id"))
}

/// Deserializes an optional text: `null` and empty strings are `None`; numbers become text.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(de::Error::custom(format!("expected a string, got {other}"))),
    }
}

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a numeric string")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| E::custom(format!("expected a number, got {v:?}")))
    }
}

fn opt_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(NumberVisitor)
}

/// Deserializes a non-negative integer given as a number or a numeric string ("25").
pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match opt_number(d)? {
        None => Ok(None),
        Some(x) if x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x) => {
            Ok(Some(x as u32))
        }
        Some(x) => Err(de::Error::custom(format!(
            "expected a whole number from 0 to {}, got {x}",
            u32::MAX
        ))),
    }
}

/// Deserializes an integer given as a number or a numeric string.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match opt_number(d)? {
        None => Ok(None),
        Some(x) if x.fract() == 0.0 && (0.0..=9.0e15).contains(&x) => Ok(Some(x as u64)),
        Some(x) => Err(de::Error::custom(format!(
            "expected a non-negative whole number, got {x}"
        ))),
    }
}

/// Deserializes a number (seconds, fractions allowed) given as a number or a numeric string.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    opt_number(d)
}

/// Deserializes a boolean given as `true`/`false` or as the strings "true"/"false"/"1"/"0".
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "1" | "yes" => Ok(Some(true)),
            "false" | "0" | "no" => Ok(Some(false)),
            _ => Err(de::Error::custom(format!(
                "expected true or false, got {s:?}"
            ))),
        },
        Value::Number(n) if n.as_u64() == Some(1) => Ok(Some(true)),
        Value::Number(n) if n.as_u64() == Some(0) => Ok(Some(false)),
        other => Err(de::Error::custom(format!(
            "expected true or false, got {other}"
        ))),
    }
}

/// Deserializes a point in time: unix seconds (a number or a numeric string), a date
/// (`YYYY-MM-DD`, midnight UTC) or an ISO 8601 time (`2025-01-15T10:30:00Z`, `+0000`, `+00:00`).
pub fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected unix seconds, got {n}"))),
        Value::String(s) => parse_time(&s).map_err(de::Error::custom),
        other => Err(de::Error::custom(format!(
            "expected unix seconds or a date, got {other}"
        ))),
    }
}

/// Parses unix seconds, `YYYY-MM-DD` or an ISO 8601 time into unix seconds.
pub fn parse_time(s: &str) -> Result<Option<i64>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(n) = t.parse::<i64>() {
        return Ok(Some(n));
    }
    let full = if t.len() == 10 {
        format!("{t}T00:00:00Z")
    } else if t.len() == 16 && t.get(10..11) == Some("T") {
        format!("{t}:00Z")
    } else {
        t.to_owned()
    };
    instagraph::ops::publishing::parse_graph_timestamp(&full)
        .map(|ms| Some(ms.div_euclid(1000)))
        .ok_or_else(|| {
            format!(
                "expected unix seconds, a date (YYYY-MM-DD) or an ISO 8601 time (2025-01-15T10:30:00Z), got {s:?}"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct P {
        #[serde(default)]
        list: StringList,
        #[serde(default, deserialize_with = "opt_u32")]
        n: Option<u32>,
        #[serde(default, deserialize_with = "opt_time")]
        t: Option<i64>,
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "opt_id")]
        id: Option<String>,
        #[serde(default, deserialize_with = "files")]
        f: Vec<LocalFile>,
    }

    fn p(v: Value) -> P {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn lenient_forms() {
        let a = p(
            serde_json::json!({"list": "reach, saved", "n": "25", "t": "2026-01-01",
            "b": "true", "id": 17841400000000001u64, "f": {"name": "/tmp/a.jpg"}}),
        );
        assert_eq!(a.list.0, ["reach", "saved"]);
        assert_eq!(a.n, Some(25));
        assert_eq!(a.t, Some(1_767_225_600));
        assert_eq!(a.b, Some(true));
        assert_eq!(a.id.as_deref(), Some("17841400000000001"));
        assert_eq!(a.f, [LocalFile(PathBuf::from("/tmp/a.jpg"))]);
        let b = p(
            serde_json::json!({"list": ["reach"], "n": 3, "t": 1700000000,
            "id": "", "f": ["/x.jpg", {"path": "/y.jpg"}]}),
        );
        assert_eq!(b.list.0, ["reach"]);
        assert_eq!(b.t, Some(1_700_000_000));
        assert_eq!(b.id, None);
        assert_eq!(b.f.len(), 2);
        assert_eq!(
            p(serde_json::json!({"t": "2026-01-01T01:00:00+0100"})).t,
            Some(1_767_225_600)
        );
        assert!(serde_json::from_value::<P>(serde_json::json!({"n": "x"})).is_err());
        assert!(serde_json::from_value::<P>(serde_json::json!({"n": -1})).is_err());
        assert!(serde_json::from_value::<P>(serde_json::json!({"t": "yesterday"})).is_err());
    }
}
