//! Helpers shared by the test files: where the recorded fixtures are, and the no-field-lost
//! round trip.
#![allow(dead_code)] // each test file uses a subset

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;

/// The fixtures folder, or `None` (after printing SKIPPED) when it is absent.
pub fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("INSTAGRAPH_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: fixtures folder {} is absent (set INSTAGRAPH_FIXTURES)",
            dir.display()
        );
        None
    }
}

/// A fixture file as JSON.
pub fn load(dir: &std::path::Path, rel: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Same value, allowing ids sent as numbers to come back as strings.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            n.to_string() == *s
        }
        (Value::Object(x), Value::Object(y)) => {
            x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}

/// Parses `original` as `T`, serializes it back, and checks every original field survived.
pub fn roundtrip<T: DeserializeOwned + Serialize>(rel: &str, original: &Value) -> T {
    let parsed: T = instagraph::client::decode(original.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let back = serde_json::to_value(&parsed).unwrap();
    assert!(
        same(original, &back),
        "{rel}: a field was lost\noriginal: {original}\nback:     {back}"
    );
    parsed
}
