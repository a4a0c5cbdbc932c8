//! The `fields` parameter: parsing (`a,b{c,d},e.limit(5)`), validation against a node type's
//! field list and building the response object.

use serde_json::{Map, Value};

use crate::errors::{GraphError, OAUTH};

/// One selected field, with optional `.modifier(arg)`s and a `{sub,fields}` selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldSel {
    pub(crate) name: String,
    pub(crate) modifiers: Vec<(String, String)>,
    pub(crate) children: Option<Vec<FieldSel>>,
}

impl FieldSel {
    pub(crate) fn plain(name: &str) -> Self {
        Self {
            name: name.to_string(),
            modifiers: Vec::new(),
            children: None,
        }
    }
}

struct Parser<'a> {
    input: &'a str,
    chars: Vec<char>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn error(&self, expected: &str) -> GraphError {
        let found = match self.peek() {
            Some(c) => format!("\"{c}\""),
            None => "end of string".to_string(),
        };
        GraphError::new(
            OAUTH,
            2500,
            format!(
                "Syntax error \"Expected {expected} instead of {found}.\" at character {}: {}",
                self.pos, self.input
            ),
        )
    }

    fn name(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn list(&mut self, nested: bool) -> Result<Vec<FieldSel>, GraphError> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None if nested => return Err(self.error("\"}\"")),
                None => return Ok(out),
                Some('}') if nested => return Ok(out),
                Some(',') => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let name = self.name();
            if name.is_empty() {
                return Err(self.error(if nested { "\"}\"" } else { "end of string" }));
            }
            let mut sel = FieldSel::plain(&name);
            loop {
                self.skip_ws();
                match self.peek() {
                    Some('.') => {
                        self.pos += 1;
                        let m = self.name();
                        if m.is_empty() || self.peek() != Some('(') {
                            return Err(self.error("\"(\""));
                        }
                        self.pos += 1;
                        let start = self.pos;
                        while self.peek().is_some_and(|c| c != ')') {
                            self.pos += 1;
                        }
                        if self.peek().is_none() {
                            return Err(self.error("\")\""));
                        }
                        let arg: String = self.chars[start..self.pos].iter().collect();
                        self.pos += 1;
                        sel.modifiers.push((m, arg.trim().to_string()));
                    }
                    Some('{') => {
                        self.pos += 1;
                        let children = self.list(true)?;
                        if self.peek() != Some('}') {
                            return Err(self.error("\"}\""));
                        }
                        self.pos += 1;
                        sel.children = Some(children);
                    }
                    _ => break,
                }
            }
            out.push(sel);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                None => {}
                Some('}') if nested => {}
                Some(_) => {
                    return Err(self.error(if nested { "\"}\"" } else { "end of string" }));
                }
            }
        }
    }
}

/// Parses a `fields` value.
pub(crate) fn parse(input: &str) -> Result<Vec<FieldSel>, GraphError> {
    let mut p = Parser {
        input,
        chars: input.chars().collect(),
        pos: 0,
    };
    p.list(false)
}

/// The selection for a node: the `fields` parameter if given and non-empty, else `defaults`.
pub(crate) fn selection(
    fields: Option<&str>,
    defaults: &[&str],
) -> Result<Vec<FieldSel>, GraphError> {
    match fields.map(str::trim) {
        Some(f) if !f.is_empty() => parse(f),
        _ => Ok(defaults.iter().map(|d| FieldSel::plain(d)).collect()),
    }
}

/// Fails with `(#100) Tried accessing nonexisting field (x) on node type (T)` for the first
/// field not in `known`.
pub(crate) fn validate(
    sel: &[FieldSel],
    known: &[&str],
    node_type: &str,
) -> Result<(), GraphError> {
    match sel.iter().find(|s| !known.contains(&s.name.as_str())) {
        Some(bad) => Err(GraphError::nonexisting_field(&bad.name, node_type)),
        None => Ok(()),
    }
}

/// Builds a node object: each selected field through `get` (`None` = omitted), plus `id`,
/// which Graph always returns.
pub(crate) fn build(
    sel: &[FieldSel],
    id: &str,
    mut get: impl FnMut(&FieldSel) -> Result<Option<Value>, GraphError>,
) -> Result<Value, GraphError> {
    let mut map = Map::new();
    for s in sel {
        if let Some(v) = get(s)? {
            map.insert(s.name.clone(), v);
        }
    }
    map.insert("id".to_string(), Value::String(id.to_string()));
    Ok(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_and_modifiers() {
        let s = parse("id, caption,owner{id,username},comments.limit(5){text}").expect("parses");
        let names: Vec<_> = s.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "caption", "owner", "comments"]);
        assert_eq!(s[2].children.as_ref().map(Vec::len), Some(2));
        assert_eq!(s[3].modifiers, vec![("limit".to_string(), "5".to_string())]);
    }

    #[test]
    fn syntax_errors_are_2500() {
        let e = parse("id,nam}").expect_err("bad syntax");
        assert_eq!(e.code, 2500);
        assert!(e.message.contains("at character 6"), "{}", e.message);
        assert!(parse("owner{id").is_err());
    }

    #[test]
    fn validate_names_node_type() {
        let s = parse("id,foo").expect("parses");
        let e = validate(&s, &["id"], "IGMedia").expect_err("unknown field");
        assert_eq!(
            e.message,
            "(#100) Tried accessing nonexisting field (foo) on node type (IGMedia)"
        );
    }
}
