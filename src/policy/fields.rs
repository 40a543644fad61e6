//! `fields:`: fields a team's exports carry beyond the built-in ones, each with its type and
//! the columns or keys it is read from.
//!
//! ```yaml
//! fields:
//!   customer_consent: {type: bool, from: ["Customer Consent", consent]}
//!   ticket_closed: {type: time, from: Ticket Closed}
//!   vip: bool                      # the type alone: read from a column or key `vip`
//! ```
//!
//! A later layer's field replaces an earlier one of the same name.

use std::sync::Arc;

use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::grant::Field;
use crate::grant::declared::{Declarations, Declared, Kind, normal_key};

/// The keys of one field's entry.
const KEYS: [&str; 2] = ["type", "from"];

/// A policy declares at most this many fields: each is looked up per grant.
pub const MAX_FIELDS: usize = 64;

/// Adds one layer's `fields:` to `into`, reporting every problem with its place.
pub fn add_layer(
    into: &mut Declarations,
    source: &Source,
    node: &Node,
    errors: &mut Vec<PolicyError>,
) {
    let is = (
        "fields",
        "a mapping from a field's name to its type and the columns it is read from",
    );
    let help = Some("write e.g. `fields: {customer_consent: {type: bool, from: [Consent]}}`");
    let entries = crate::core::source::section_entries(source, node, is, help, errors);
    for (key, value) in entries {
        let Some(declared) = one(source, key, value, errors) else {
            continue;
        };
        into.fields.retain(|d| d.name != declared.name);
        if into.fields.len() >= MAX_FIELDS {
            errors.push(PolicyError::new(
                source,
                Some(span(key)),
                format!("a policy can declare at most {MAX_FIELDS} fields"),
                Some("keep the fields the policy's rules and overrides use".into()),
            ));
            return;
        }
        // A column read into two declared fields would fill only the first.
        for k in &declared.keys {
            if let Some(other) = into.fields.iter().find(|d| d.keys.contains(k)) {
                errors.push(PolicyError::new(
                    source,
                    Some(span(value)),
                    format!(
                        "the column or key `{k}` is already read into the field `{}`",
                        other.name
                    ),
                    Some("read each column into one field".into()),
                ));
            }
        }
        into.fields.push(declared);
    }
}

/// One entry: `name: type` or `name: {type: …, from: …}`.
fn one(
    source: &Source,
    key: &Node,
    value: &Node,
    errors: &mut Vec<PolicyError>,
) -> Option<Declared> {
    let error =
        |errors: &mut Vec<PolicyError>, at: &Node, message: String, help: Option<String>| {
            errors.push(PolicyError::new(source, Some(span(at)), message, help));
        };
    let name = key.value.as_scalar().unwrap_or("").trim();
    let before = errors.len();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        error(
            errors,
            key,
            format!("field name `{name}` must be snake_case: lowercase letters, digits and _"),
            Some("write e.g. `customer_consent`".into()),
        );
    } else if let Some(field) = Field::from_key(name) {
        error(
            errors,
            key,
            format!("`{name}` is the built-in field {}", field.name()),
            Some(
                "give the declared field another name; to read a column into a built-in field use `mapping: {columns: …}`".into(),
            ),
        );
    } else if name == "now" {
        error(
            errors,
            key,
            "`now` is the time of the run in `compare:`, not a field name".into(),
            Some("give the declared field another name, e.g. `checked_at`".into()),
        );
    }
    let (kind_node, from_node) = match &value.value {
        Value::Text(_) => (Some(value), None),
        Value::Map(entries) => {
            let mut kind = None;
            let mut from = None;
            for (k, v) in entries {
                match k.value.as_scalar().unwrap_or("") {
                    "type" => kind = Some(v),
                    "from" => from = Some(v),
                    other => error(
                        errors,
                        k,
                        format!("unknown key `{other}` in the field `{name}`"),
                        did_you_mean(other, KEYS)
                            .or_else(|| Some("a field has `type` and `from`".into())),
                    ),
                }
            }
            if kind.is_none() {
                error(
                    errors,
                    value,
                    format!("the field `{name}` needs a `type`"),
                    Some(format!("one of: {}", Kind::NAMES.join(", "))),
                );
            }
            (kind, from)
        }
        other => {
            error(
                errors,
                value,
                format!(
                    "the field `{name}` is a type or a mapping with `type` and `from`, not {}",
                    other.kind()
                ),
                Some("write e.g. `vip: bool` or `vip: {type: bool, from: [VIP]}`".into()),
            );
            (None, None)
        }
    };
    let kind = kind_node.and_then(|node| {
        let text = node.value.as_scalar().unwrap_or("");
        let kind = Kind::from_name(text);
        if kind.is_none() {
            error(
                errors,
                node,
                format!("`{text}` is not a field type"),
                did_you_mean(&text.to_ascii_lowercase(), Kind::NAMES)
                    .or_else(|| Some(format!("one of: {}", Kind::NAMES.join(", ")))),
            );
        }
        kind
    });
    let mut keys = vec![normal_key(name)];
    if let Some(from) = from_node {
        let items: Vec<&Node> = match &from.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![from],
        };
        for item in items {
            let Some(text) = item.value.as_scalar().filter(|t| !t.trim().is_empty()) else {
                error(
                    errors,
                    item,
                    format!(
                        "`from` names columns or keys as text, not {}",
                        item.value.kind()
                    ),
                    None,
                );
                continue;
            };
            if let Some(field) = Field::from_key(text) {
                error(
                    errors,
                    item,
                    format!(
                        "the column `{text}` is already read as the built-in field {}",
                        field.name()
                    ),
                    Some("name another column, or rename it in the export".into()),
                );
                continue;
            }
            let key = normal_key(text);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(Declared {
        name: Arc::from(name),
        kind: kind?,
        keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(yaml: &str) -> (Declarations, Vec<String>) {
        let (source, node) = Source::parsed("p.yaml", yaml);
        let mut errors = Vec::new();
        let mut declared = Declarations::default();
        add_layer(&mut declared, &source, &node, &mut errors);
        (declared, errors.iter().map(|e| e.brief(true)).collect())
    }

    #[test]
    fn fields_are_read_with_their_columns() {
        let (d, errors) = read(
            "customer_consent: {type: bool, from: [Customer Consent, consent-given]}\nvip: bool\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(d.slot_of_key("Customer Consent"), Some(0));
        assert_eq!(d.slot_of_key("CONSENT GIVEN"), Some(0));
        assert_eq!(d.slot_of_key("customer_consent"), Some(0));
        assert_eq!(d.slot_of_key("VIP"), Some(1));
        assert_eq!(d.fields[1].kind, Kind::Bool);
    }

    #[test]
    fn every_mistake_is_located() {
        let (_, errors) = read(concat!(
            "role: text\n",
            "Bad-Name: text\n",
            "consent: {type: boolean}\n",
            "closed: {tpye: time}\n",
            "other: {type: text, from: [State]}\n",
            "vip: bool\n",
            "twice: {type: text, from: [VIP]}\n",
            "listed: [text]\n",
            "now: time\n",
        ));
        assert_eq!(
            errors,
            [
                "1:1 `role` is the built-in field role (give the declared field another name; to read a column into a built-in field use `mapping: {columns: …}`)",
                "2:1 field name `Bad-Name` must be snake_case: lowercase letters, digits and _ (write e.g. `customer_consent`)",
                "3:17 `boolean` is not a field type (did you mean `bool`?)",
                "4:10 unknown key `tpye` in the field `closed` (did you mean `type`?)",
                "4:9 the field `closed` needs a `type` (one of: text, list, time, duration, number, bool)",
                "5:28 the column `State` is already read as the built-in field status (name another column, or rename it in the export)",
                "7:8 the column or key `vip` is already read into the field `vip` (read each column into one field)",
                "8:9 the field `listed` is a type or a mapping with `type` and `from`, not a list (write e.g. `vip: bool` or `vip: {type: bool, from: [VIP]}`)",
                "9:1 `now` is the time of the run in `compare:`, not a field name (give the declared field another name, e.g. `checked_at`)",
            ]
        );
    }
}
