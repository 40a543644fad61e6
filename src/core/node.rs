//! A YAML document as a tree of values that each know their place in the file, so that every
//! policy error can point at its line and column.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Options, Spanned};

use crate::core::span::Span;

pub type Node = Spanned<Value>;

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    /// A scalar as text: quoted, or plain and neither a number nor `true`/`false`.
    Text(String),
    Number(String),
    Bool(bool),
    List(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What the value is, for "expected …, found …" messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Text(_) => "text",
            Value::Number(_) => "a number",
            Value::Bool(_) => "true or false",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// A scalar's text, whatever its YAML type.
    pub fn as_scalar(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Number(s) => Some(s),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }
}

/// Parses a whole YAML or JSON document into located values, typed as every grantlint file is
/// ([`core_schema`]: YAML 1.2, so `yes` and `no` stay text).
pub fn parse(text: &str) -> Result<Node, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, core_schema())
}

/// `parse` for a file of several documents (`---`), each typed the same way.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, serde_saphyr::Error> {
    serde_saphyr::from_multiple_with_options(text, core_schema())
}

pub fn span(node: &Node) -> Span {
    location_span(node.referenced)
}

/// How every YAML and JSON file grantlint reads is typed (grants, policies, people, waivers,
/// test expectations): YAML 1.2's core schema, so only `true` and `false` (also `True`, `TRUE`…)
/// are booleans, and `yes`, `no`, `on`, `off`, `y`, `n` stay text: `tenant: NO` is the tenant
/// `NO`, and the approver phrase `yes` is not `true`. Spellings a number would lose also stay
/// text: `0042` (an id, not 42) and `1_000` (not a YAML 1.2 number).
pub fn core_schema() -> Options {
    let mut options = Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    options
}

/// Where a parser says something is.
pub fn location_span(at: Location) -> Span {
    let s = at.span();
    Span {
        line: at.line() as u32,
        column: at.column() as u32,
        offset: s.byte_offset().unwrap_or(0) as usize,
        len: s.byte_len().unwrap_or(0) as usize,
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Text(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Text(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_typed_by_yaml_1_2() {
        let scalars = |node: &Node| match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(_, v)| {
                    (
                        v.value.kind(),
                        v.value.as_scalar().unwrap_or("").to_string(),
                    )
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let one = parse("{a: yes, b: NO, c: off, d: y, e: true, f: 0042}").unwrap();
        assert_eq!(
            scalars(&one),
            [
                ("text", "yes".into()),
                ("text", "NO".into()),
                ("text", "off".into()),
                ("text", "y".into()),
                ("true or false", "true".into()),
                ("text", "0042".into()),
            ]
        );
        let many = parse_documents("a: on\n---\na: False\n").unwrap();
        assert_eq!(scalars(&many[0]), [("text", "on".into())]);
        assert_eq!(scalars(&many[1]), [("true or false", "false".into())]);
    }
}
