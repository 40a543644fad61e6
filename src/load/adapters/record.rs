//! Reading JSON exports as a tree of located values (the policy's spanned `Node`), and looking
//! values up by path, so that every mapped value keeps its line and column.

use std::sync::Arc;

use crate::core::node::location_span as location;
use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::grant::declared::{Declarations, normal_key};
use crate::grant::{Field, Grant};

/// How deep in a vendor record declared fields are looked for.
const MAX_DECLARED_DEPTH: usize = 8;
use crate::load::InputError;

/// Parses a whole JSON (or YAML) document into located values.
pub fn parse(text: &str, file: &str) -> Result<Node, InputError> {
    crate::core::node::parse(text).map_err(|e| {
        let error = InputError::new(file, crate::load::yaml::parser_message(&e))
            .help("fix the JSON syntax at this place");
        match crate::load::yaml::error_span(&e, text) {
            Some(at) => error.at(at, Some(&Arc::from(text))),
            None => error,
        }
    })
}

/// `parse`, with the node budget of `--max-yaml-nodes` (one node per byte by default) in
/// place of the parser's fixed one, which stops a Graph export at about eight thousand
/// records; a breach names the limit and its flag.
pub fn parse_limited(
    text: &str,
    file: &str,
    limits: &crate::load::limits::Limits,
) -> Result<Node, InputError> {
    let options = crate::load::yaml::options(text, limits);
    serde_saphyr::from_str_with_options::<Node>(text, options)
        .map_err(|e| crate::load::yaml::yaml_error(&e, text, file, limits))
}

pub fn span(node: &Node) -> Span {
    location(node.referenced)
}

/// Where a tree parsed from one line of a file sits in that file (JSON lines are parsed line by
/// line, so their own spans start at line 1).
#[derive(Clone, Copy, Debug, Default)]
pub struct Base {
    pub lines: u32,
    pub offset: usize,
}

impl Base {
    pub fn apply(self, at: Span) -> Span {
        Span {
            line: at.line + self.lines,
            offset: at.offset + self.offset,
            ..at
        }
    }
}

/// A JSON object, looked up by dotted path (`spec.request_reason`).
#[derive(Clone, Copy)]
pub struct Record<'a> {
    pub node: &'a Node,
    pub base: Base,
}

impl<'a> Record<'a> {
    pub fn new(node: &'a Node) -> Record<'a> {
        Record {
            node,
            base: Base::default(),
        }
    }

    /// The same base for a node inside this record.
    pub fn child(self, node: &'a Node) -> Record<'a> {
        Record {
            node,
            base: self.base,
        }
    }

    pub fn span(self) -> Span {
        self.base.apply(span(self.node))
    }

    /// The place of a node inside this record.
    pub fn span_of(self, node: &Node) -> Span {
        self.base.apply(span(node))
    }

    pub fn get(self, path: &str) -> Option<&'a Node> {
        let mut node = self.node;
        for key in path.split('.') {
            let Value::Map(entries) = &node.value else {
                return None;
            };
            node = entries
                .iter()
                .find(|(k, _)| k.value.as_scalar() == Some(key))
                .map(|(_, v)| v)?;
        }
        Some(node)
    }

    /// Reads the policy's declared fields (`fields:`) from the vendor record: a `from:` key
    /// names a path of keys, dots between them (`labels.vip`, `spec.annotations.consent`),
    /// compared as keys are (case, dots, dashes and spaces aside). Nothing is walked when the
    /// policy declares no field.
    pub fn set_declared(self, grant: &mut Grant, declared: &Declarations) {
        if !declared.is_empty() {
            self.walk_declared(self.node, &mut String::new(), 0, grant, declared);
        }
    }

    fn walk_declared(
        self,
        node: &Node,
        path: &mut String,
        depth: usize,
        grant: &mut Grant,
        declared: &Declarations,
    ) {
        match &node.value {
            // Vendor records nest a few levels; a deeper tree is no record's field.
            Value::Map(entries) if depth < MAX_DECLARED_DEPTH => {
                for (key, value) in entries {
                    let Some(key) = key.value.as_scalar() else {
                        continue;
                    };
                    let len = path.len();
                    if len > 0 {
                        path.push('_');
                    }
                    path.push_str(&normal_key(key));
                    self.walk_declared(value, path, depth + 1, grant, declared);
                    path.truncate(len);
                }
            }
            Value::List(items) => {
                let texts: Vec<&str> = items.iter().filter_map(|i| i.value.as_scalar()).collect();
                if !texts.is_empty() {
                    self.declare(path, &texts.join(", "), node, grant, declared);
                }
            }
            value => {
                if let Some(text) = value.as_scalar() {
                    self.declare(path, text.trim(), node, grant, declared);
                }
            }
        }
    }

    fn declare(
        self,
        path: &str,
        text: &str,
        node: &Node,
        grant: &mut Grant,
        declared: &Declarations,
    ) {
        if let Some(slot) = declared.slot_of_key(path)
            && let Some(field) = declared.fields.get(slot)
        {
            grant.set_declared(slot, &field.name, field.kind, text, self.span_of(node));
        }
    }

    pub fn record(self, path: &str) -> Option<Record<'a>> {
        self.get(path)
            .filter(|n| matches!(n.value, Value::Map(_)))
            .map(|n| self.child(n))
    }

    /// A non-blank scalar's text and place. Go's zero time (`0001-01-01T00:00:00Z`) is how
    /// Teleport and TEAM write "not set", so it counts as missing.
    pub fn text(self, path: &str) -> Option<(&'a str, Span)> {
        let node = self.get(path)?;
        let text = node.value.as_scalar()?.trim();
        (!text.is_empty() && !text.starts_with("0001-01-01")).then(|| (text, self.span_of(node)))
    }

    /// The items of a list (none when absent or not a list).
    pub fn list(self, path: &str) -> &'a [Node] {
        match self.get(path).map(|n| &n.value) {
            Some(Value::List(items)) => items,
            _ => &[],
        }
    }

    /// The records of a list of objects.
    pub fn records(self, path: &str) -> impl Iterator<Item = Record<'a>> + 'a {
        self.list(path).iter().map(move |n| self.child(n))
    }

    /// Sets `field` from the scalar at `path`.
    pub fn set(self, grant: &mut Grant, field: Field, path: &str) {
        if let Some((text, at)) = self.text(path) {
            grant.set(field, text, at, false);
        }
    }

    /// Sets `field` from a list of scalars at `path`, joined; several values make a list.
    pub fn set_list(self, grant: &mut Grant, field: Field, path: &str) {
        match self.get(path) {
            Some(node) if matches!(node.value, Value::List(_)) => {
                let values = self.list(path).iter().filter_map(|n| n.value.as_scalar());
                set_joined(grant, field, values, self.span_of(node));
            }
            _ => self.set(grant, field, path),
        }
    }
}

/// Sets `field` to the distinct non-blank `values`, joined by ", "; more than one is a list.
pub fn set_joined<'t>(
    grant: &mut Grant,
    field: Field,
    values: impl Iterator<Item = &'t str>,
    at: Span,
) {
    let mut distinct: Vec<&str> = Vec::new();
    for value in values.map(str::trim).filter(|v| !v.is_empty()) {
        if !distinct.contains(&value) {
            distinct.push(value);
        }
    }
    grant.set(field, &distinct.join(", "), at, distinct.len() > 1);
}

/// The list of records in a document: the document itself when it is a list, else the list
/// under one of `keys`.
pub fn records<'a>(root: &'a Node, keys: &[&str]) -> Option<&'a [Node]> {
    match &root.value {
        Value::List(items) => Some(items),
        Value::Map(_) => {
            keys.iter()
                .find_map(|path| match Record::new(root).get(path).map(|n| &n.value) {
                    Some(Value::List(items)) => Some(items.as_slice()),
                    _ => None,
                })
        }
        _ => None,
    }
}

/// What one system's JSON export looks like, so that a file that is not one is told so.
pub struct Shape<'s> {
    /// Where the list of records may sit (`{"issues": […]}`), tried in order; else the
    /// document itself is the list.
    pub wrappers: &'s [&'s str],
    /// Keys every record of the system has at least one of.
    pub keys: [&'s str; 2],
    /// The export in words, for the error that says a file is not it.
    pub description: &'s str,
}

/// Reads a JSON export of `shape` and maps each record in turn; one record on its own (as a
/// single-resource endpoint writes it, recognised by `keys[0]`) reads as a list of one.
pub fn map_each(
    text: &str,
    native: &super::Native,
    shape: &Shape,
    mut map: impl FnMut(Record),
) -> Result<(), InputError> {
    let root = parse(text, native.file)?;
    let records = match Record::new(&root).get(shape.keys[0]) {
        Some(_) => vec![Record::new(&root)],
        None => checked_records(&root, shape, text, native)?,
    };
    records.into_iter().for_each(&mut map);
    Ok(())
}

/// An export's records, each known to carry one of `shape.keys` (fields every record of that
/// system has); otherwise the file is not that system's export, and the error says where and why.
pub fn checked_records<'a>(
    root: &'a Node,
    shape: &Shape,
    text: &str,
    native: &super::Native,
) -> Result<Vec<Record<'a>>, InputError> {
    let not_it = |at: Span, found: &str| {
        super::shape_error(native, Some(at), text, found, shape.description)
    };
    let Some(items) = records(root, shape.wrappers) else {
        return Err(not_it(span(root), &format!("found {}", root.value.kind())));
    };
    let records: Vec<Record> = items.iter().map(Record::new).collect();
    let keys = shape.keys;
    if let Some(odd) = records
        .iter()
        .find(|r| keys.iter().all(|k| r.get(k).is_none()))
    {
        let found = format!("this item has neither `{}` nor `{}`", keys[0], keys[1]);
        return Err(not_it(odd.span(), &found));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grant::declared::{Declared, Kind};

    fn declare(name: &str, kind: Kind, from: &str) -> Declared {
        Declared {
            name: name.into(),
            kind,
            keys: vec![normal_key(name), normal_key(from)],
        }
    }

    #[test]
    fn declared_fields_are_read_from_paths_in_the_record() {
        let root = parse(
            "{\"metadata\": {\"labels\": {\"VIP\": true}},\n \"spec\": {\"annotations\": {\"teams\": [\"sre\", \"db\"]}, \"deep\": {\"a\": {\"b\": {\"c\": {\"d\": {\"e\": {\"f\": {\"g\": {\"h\": \"x\"}}}}}}}}}}",
            "r.json",
        )
        .unwrap();
        let fields = Declarations {
            fields: vec![
                declare("vip", Kind::Bool, "metadata.labels.vip"),
                declare("teams", Kind::List, "spec.annotations.teams"),
                declare("deep", Kind::Text, "spec.deep.a.b.c.d.e.f.g.h"),
                // A key of the record's root is a path of one key.
                declare("labels_only", Kind::Text, "labels.vip"),
            ],
        };
        let mut grant = Grant::default();
        Record::new(&root).set_declared(&mut grant, &fields);
        let vip = grant.declared(0).unwrap();
        assert_eq!(
            (vip.text.as_str(), vip.span.line, vip.span.column),
            ("true", 1, 33)
        );
        assert_eq!(grant.declared(1).unwrap().text, "sre, db");
        // Deeper than a record nests: not looked for, so not read.
        assert!(grant.declared(2).is_none());
        // `labels.vip` is not at the root but under `metadata`.
        assert!(grant.declared(3).is_none());
        // No declared field: nothing is set.
        let mut grant = Grant::default();
        Record::new(&root).set_declared(&mut grant, &Declarations::default());
        assert!(grant.declared.is_empty());
    }
}
