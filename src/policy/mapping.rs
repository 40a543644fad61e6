//! The policy's `mapping:`: how to read exports whose headers are not in the alias table.
//!
//! ```yaml
//! mapping:
//!   columns:                       # header → canonical field
//!     Customer: tenant
//!     Engineer on duty: grantee
//!   date_format: "%d/%b/%y %I:%M %p"   # chrono strftime; times are read as UTC
//!   roles:                         # Entra PIM role definition id → name
//!     0b2fa6c3-5bd2-4a8e-9e2b-bc3b1ad2e6f1: Tenant Support Operator
//! ```
//!
//! Later layers add to and override earlier ones, key by key.

use std::collections::HashMap;

use chrono::format::{Item, StrftimeItems};

use super::node::{Node, Value, span};
use super::{PolicyError, Source, did_you_mean};
use crate::grant::Field;

#[derive(Clone, Debug, Default)]
pub struct Mapping {
    /// Normalised header → field.
    columns: HashMap<String, Field>,
    pub date_format: Option<String>,
    /// Lowercased role id → name.
    roles: HashMap<String, String>,
}

/// A header or key as the alias table compares them: trimmed, lowercase, with spaces, dashes
/// and dots as underscores.
pub fn normal_key(key: &str) -> String {
    key.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' | '.' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl Mapping {
    /// True when the policy maps no column and sets no date format.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty() && self.date_format.is_none()
    }

    /// The field a (normalised) header maps to.
    pub fn column(&self, normal_header: &str) -> Option<Field> {
        self.columns.get(normal_header).copied()
    }

    /// The name of a (lowercased) role id.
    pub fn role(&self, id: &str) -> Option<&str> {
        self.roles.get(id).map(String::as_str)
    }

    /// Adds one layer's `mapping:`, collecting every problem with its place.
    pub fn add_layer(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        let entries = match &node.value {
            Value::Map(entries) => entries,
            Value::Null => return,
            other => {
                errors.push(PolicyError::new(
                    source,
                    Some(span(node)),
                    format!(
                        "`mapping` is a mapping of `columns`, `date_format` and `roles`, not {}",
                        other.kind()
                    ),
                    None,
                ));
                return;
            }
        };
        for (key, value) in entries {
            match key.value.as_scalar() {
                Some("columns") => self.add_columns(source, value, errors),
                Some("date_format") => self.set_date_format(source, value, errors),
                Some("roles") => {
                    for (id, name) in pairs(source, value, "roles", errors) {
                        self.roles.insert(id.to_ascii_lowercase(), name.to_string());
                    }
                }
                other => errors.push(PolicyError::new(
                    source,
                    Some(span(key)),
                    format!("unknown key `{}` in `mapping`", other.unwrap_or("")),
                    did_you_mean(other.unwrap_or(""), ["columns", "date_format", "roles"]),
                )),
            }
        }
    }

    fn add_columns(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        for (header, field_node) in pairs_with_nodes(source, node, "columns", errors) {
            let name = field_node.value.as_scalar().unwrap_or("");
            match Field::from_key(name) {
                Some(field) => {
                    self.columns.insert(normal_key(header), field);
                }
                None => errors.push(PolicyError::new(
                    source,
                    Some(span(field_node)),
                    format!("`{name}` is not a grant field"),
                    did_you_mean(name, Field::ALL.iter().map(|f| f.name()))
                        .or_else(|| Some("the fields are listed in README, \"Inputs\"".into())),
                )),
            }
        }
    }

    fn set_date_format(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        let Some(format) = node.value.as_scalar() else {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`date_format` is text, not {}", node.value.kind()),
                Some("write a strftime format such as \"%d/%b/%y %I:%M %p\"".into()),
            ));
            return;
        };
        let items: Vec<Item> = StrftimeItems::new(format).collect();
        let has_time = format.contains("%H")
            || format.contains("%I")
            || format.contains("%R")
            || format.contains("%T");
        if items.iter().any(|i| matches!(i, Item::Error)) || !has_time {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`{format}` is not a date and time format"),
                Some("use chrono strftime fields with a time of day, e.g. \"%d/%b/%y %I:%M %p\" or \"%m/%d/%Y %H:%M\"".into()),
            ));
            return;
        }
        self.date_format = Some(format.to_string());
    }
}

/// The text → text pairs of a mapping such as `roles:`.
fn pairs<'n>(
    source: &Source,
    node: &'n Node,
    what: &str,
    errors: &mut Vec<PolicyError>,
) -> Vec<(&'n str, &'n str)> {
    pairs_with_nodes(source, node, what, errors)
        .into_iter()
        .filter_map(|(k, v)| match v.value.as_scalar() {
            Some(text) => Some((k, text)),
            None => {
                errors.push(PolicyError::new(
                    source,
                    Some(span(v)),
                    format!("a value of `{what}` is text, not {}", v.value.kind()),
                    None,
                ));
                None
            }
        })
        .collect()
}

fn pairs_with_nodes<'n>(
    source: &Source,
    node: &'n Node,
    what: &str,
    errors: &mut Vec<PolicyError>,
) -> Vec<(&'n str, &'n Node)> {
    let Value::Map(entries) = &node.value else {
        if !matches!(node.value, Value::Null) {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`{what}` is a mapping, not {}", node.value.kind()),
                None,
            ));
        }
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(k, v)| k.value.as_scalar().map(|k| (k, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn read(yaml: &str) -> (Mapping, Vec<String>) {
        let source = Source {
            name: "p.yaml".into(),
            text: Arc::from(yaml),
        };
        let node: Node = crate::policy::node::parse(yaml).unwrap();
        let mut errors = Vec::new();
        let mut mapping = Mapping::default();
        mapping.add_layer(&source, &node, &mut errors);
        let errors = errors.iter().map(|e| e.brief(true)).collect();
        (mapping, errors)
    }

    #[test]
    fn columns_date_format_and_roles_are_read() {
        let (m, errors) = read(
            "columns:\n  Customer Name: tenant\n  Engineer: grantee\ndate_format: '%d/%b/%y %I:%M %p'\nroles:\n  ABC-1: Support Operator\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(m.column("customer_name"), Some(Field::Tenant));
        assert_eq!(m.column(&normal_key(" Engineer")), Some(Field::Grantee));
        assert_eq!(m.date_format.as_deref(), Some("%d/%b/%y %I:%M %p"));
        assert_eq!(m.role("abc-1"), Some("Support Operator"));
    }

    #[test]
    fn every_problem_is_located() {
        let (_, errors) = read("columns:\n  Customer: tenent\ndate_format: '%Q %d'\nrole: {}\n");
        assert_eq!(
            errors,
            vec![
                "2:13 `tenent` is not a grant field (did you mean `tenant`?)".to_string(),
                "3:14 `%Q %d` is not a date and time format (use chrono strftime fields with a time of day, e.g. \"%d/%b/%y %I:%M %p\" or \"%m/%d/%Y %H:%M\")".into(),
                "4:1 unknown key `role` in `mapping` (did you mean `roles`?)".into(),
            ]
        );
    }
}
