//! Store URL parsing and password redaction.

use crate::StoreError;
use std::path::PathBuf;

/// Where `open` should go.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// An SQLite database file (created if missing).
    SqliteFile(PathBuf),
    /// A private in-memory SQLite database.
    SqliteMemory,
    /// A PostgreSQL server.
    Postgres {
        /// The URL with the `schema` parameter removed (still carrying any password).
        url: String,
        /// The schema to create and put on every connection's `search_path`.
        schema: Option<String>,
    },
}

/// Classifies a store URL. Errors carry the redacted URL only.
pub(crate) fn parse(url: &str) -> Result<Target, StoreError> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(StoreError::InvalidUrl {
            url: String::new(),
            reason: "the URL is empty".into(),
        });
    }
    if trimmed == ":memory:" || trimmed == "sqlite::memory:" || trimmed == "sqlite://:memory:" {
        return Ok(Target::SqliteMemory);
    }
    match scheme(trimmed) {
        Some(s) if s.eq_ignore_ascii_case("postgres") || s.eq_ignore_ascii_case("postgresql") => {
            parse_postgres(trimmed)
        }
        Some(s) if s.eq_ignore_ascii_case("sqlite") => {
            let rest = &trimmed[s.len() + 1..];
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(StoreError::InvalidUrl {
                    url: redact(url),
                    reason: "the SQLite URL has no file path".into(),
                });
            }
            if path.contains('?') {
                return Err(StoreError::InvalidUrl {
                    url: redact(url),
                    reason: "SQLite URLs take no query parameters".into(),
                });
            }
            Ok(Target::SqliteFile(PathBuf::from(path)))
        }
        Some(_) => Err(StoreError::UnsupportedScheme { url: redact(url) }),
        None => Ok(Target::SqliteFile(PathBuf::from(trimmed))),
    }
}

/// The URL scheme, if the string starts with one. Single letters (`C:\...`) are drive letters
/// of bare paths, not schemes.
fn scheme(s: &str) -> Option<&str> {
    let end = s.find(':')?;
    let candidate = &s[..end];
    let mut chars = candidate.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (valid && candidate.len() > 1).then_some(candidate)
}

fn parse_postgres(url: &str) -> Result<Target, StoreError> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut schema = None;
    let mut kept = Vec::new();
    for pair in query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("schema", v)) => {
                if !valid_identifier(v) {
                    return Err(StoreError::InvalidUrl {
                        url: redact(url),
                        reason: format!(
                            "schema `{v}` is not a plain identifier (letters, digits and `_`, \
                             not starting with a digit, at most 63 characters)"
                        ),
                    });
                }
                schema = Some(v.to_owned());
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(Target::Postgres { url, schema })
}

/// A PostgreSQL identifier safe to interpolate between double quotes.
pub(crate) fn valid_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 63
}

/// The `userinfo` part of a `scheme://userinfo@host/...` URL, if any.
fn userinfo(url: &str) -> Option<(usize, &str)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    Some((start, &rest[..at]))
}

/// Replaces any password (in the userinfo or a `password=` parameter) with `***`.
pub(crate) fn redact(url: &str) -> String {
    let mut out = match userinfo(url) {
        Some((start, info)) => match info.split_once(':') {
            Some((user, _)) => {
                format!("{}{user}:***{}", &url[..start], &url[start + info.len()..])
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    };
    if let Some((base, query)) = out.split_once('?') {
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out = format!("{base}?{}", query.join("&"));
    }
    out
}

/// The passwords a URL carries (raw and percent-decoded), for scrubbing driver messages.
pub(crate) fn secrets(url: &str) -> Vec<String> {
    let mut raw = Vec::new();
    if let Some((_, info)) = userinfo(url)
        && let Some((_, pw)) = info.split_once(':')
    {
        raw.push(pw.to_owned());
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && k.eq_ignore_ascii_case("password")
            {
                raw.push(v.to_owned());
            }
        }
    }
    let mut all: Vec<String> = raw.iter().map(|s| percent_decode(s)).collect();
    all.extend(raw);
    all.retain(|s| !s.is_empty());
    // Longest first, so that a secret containing another is replaced whole.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    all.dedup();
    all
}

/// Removes every password of `url` from `message`.
pub(crate) fn scrub(message: &str, url: &str) -> String {
    secrets(url).iter().fold(message.to_owned(), |m, secret| {
        m.replace(secret.as_str(), "***")
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_forms() {
        let file = |p: &str| Some(Target::SqliteFile(PathBuf::from(p)));
        assert_eq!(parse("sqlite:data/ig.db").ok(), file("data/ig.db"));
        assert_eq!(parse("sqlite://data/ig.db").ok(), file("data/ig.db"));
        assert_eq!(parse("sqlite:///abs/ig.db").ok(), file("/abs/ig.db"));
        assert_eq!(parse("/abs/ig.db").ok(), file("/abs/ig.db"));
        assert_eq!(parse("ig.db").ok(), file("ig.db"));
        assert_eq!(parse(r"C:\data\ig.db").ok(), file(r"C:\data\ig.db"));
        assert_eq!(parse(":memory:").ok(), Some(Target::SqliteMemory));
        assert_eq!(parse("sqlite::memory:").ok(), Some(Target::SqliteMemory));
        assert!(matches!(
            parse("sqlite:"),
            Err(StoreError::InvalidUrl { .. })
        ));
        assert!(matches!(parse(""), Err(StoreError::InvalidUrl { .. })));
    }

    #[test]
    fn unknown_schemes() {
        for url in ["mysql://u:pw@h/db", "redis:thing", "http://x", "file:///x"] {
            assert!(
                matches!(parse(url), Err(StoreError::UnsupportedScheme { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn postgres_schema_param() {
        assert_eq!(
            parse("postgres://u@h/db?sslmode=disable&schema=ig_1&application_name=x").ok(),
            Some(Target::Postgres {
                url: "postgres://u@h/db?sslmode=disable&application_name=x".into(),
                schema: Some("ig_1".into()),
            })
        );
        assert_eq!(
            parse("postgresql://h/db").ok(),
            Some(Target::Postgres {
                url: "postgresql://h/db".into(),
                schema: None
            })
        );
        let err = parse("postgres://u:hunter2@h/db?schema=a;drop")
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("not a plain identifier"))
        );
        assert!(err.as_deref().is_some_and(|e| !e.contains("hunter2")));
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("postgres://h/db?password=pw&x=1"),
            "postgres://h/db?password=***&x=1"
        );
        assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("/tmp/a@b:c"), "/tmp/a@b:c");
        assert_eq!(
            secrets("postgres://u:p%40ss@h/db"),
            vec!["p%40ss".to_owned(), "p@ss".to_owned()]
        );
        assert_eq!(
            scrub("bad p@ss here", "postgres://u:p%40ss@h/db"),
            "bad *** here"
        );
    }
}
