//! Output: human text by default, exactly one JSON document with `--json`; errors with class and
//! fix, never a token.

use crate::Refused;
use std::io::Write;
use std::process::ExitCode;

/// Prints a JSON value as the one document on stdout.
pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Prints `key: value` lines for the non-null scalar fields of an object, then nested ones as JSON.
pub fn print_fields(value: &serde_json::Value) {
    let Some(obj) = value.as_object() else {
        println!("{value}");
        return;
    };
    let width = obj.keys().map(String::len).max().unwrap_or(0);
    for (k, v) in obj {
        let text = match v {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        println!("{k:<width$}  {text}");
    }
}

/// Reports a failure on stderr and picks the exit status (2: refused before the network).
pub fn report_error(err: &anyhow::Error, json: bool) -> ExitCode {
    if err.downcast_ref::<crate::Silent>().is_some() {
        // The command already printed its own failure document.
        return ExitCode::from(1);
    }
    let (value, before_network) = if let Some(e) = err.downcast_ref::<instagraph::Error>() {
        (e.to_json(), e.is_before_network())
    } else if let Some(r) = err.downcast_ref::<Refused>() {
        (
            serde_json::json!({
                "class": "invalid-request", "code": 0, "subcode": null,
                "message": r.0, "fix": "Correct the command's input and run it again.", "before_network": true,
            }),
            true,
        )
    } else {
        let message = format!("{err:#}");
        (
            serde_json::json!({
                "class": "error", "code": 0, "subcode": null, "message": message,
                "fix": "See the message; run with -v for details.", "before_network": false,
            }),
            false,
        )
    };
    let mut stderr = std::io::stderr().lock();
    if json {
        let _ = serde_json::to_writer(&mut stderr, &value);
        let _ = writeln!(stderr);
    } else {
        let msg = value["message"].as_str().unwrap_or("");
        let _ = writeln!(stderr, "error: {msg}");
        let code = value["code"].as_i64().unwrap_or(0);
        if code != 0 {
            let sub = value["subcode"]
                .as_i64()
                .map(|s| format!("/{s}"))
                .unwrap_or_default();
            let _ = writeln!(
                stderr,
                "  class: {} (code {code}{sub})",
                value["class"].as_str().unwrap_or("")
            );
        } else {
            let _ = writeln!(stderr, "  class: {}", value["class"].as_str().unwrap_or(""));
        }
        if let Some(t) = value.get("fbtrace_id").and_then(|v| v.as_str()) {
            let _ = writeln!(stderr, "  fbtrace_id: {t}");
        }
        let _ = writeln!(stderr, "  fix: {}", value["fix"].as_str().unwrap_or(""));
    }
    ExitCode::from(if before_network { 2 } else { 1 })
}
