//! `limits:`, cross-grant limits a policy declares: grants grouped by any fields, counted
//! within a span or while active at the same time (see [`crate::rules::limits`]). Every
//! mistake is a located error with a did-you-mean.
//!
//! ```yaml
//! limits:
//!   - {id: weekly-per-person-tenant, by: [grantee, tenant], within: 7d, max: 3}
//!   - {id: concurrent-per-engineer, by: [grantee], concurrent: 2, severity: error}
//!   - {id: weekly-per-region, by: [grantee, customer_region], within: 7d, max: 5}
//! ```
//!
//! `by` names built-in fields and fields declared under `fields:` (of any layer: limits are
//! read once every layer's declarations are known).

use std::sync::Arc;

use super::custom::{self, Vocabulary};
use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::finding::Severity;
use crate::grant::declared::{FieldRef, Kind};
use crate::rules::limits::{Limit, Measure};
use crate::rules::params::parse_severity;

/// One limit, with the severity the policy gives it (`None`: off).
pub struct PolicyLimit {
    pub limit: Arc<Limit>,
    pub severity: Option<Severity>,
    /// The file and place of its id, for errors found once every layer is read.
    pub at: (Source, crate::core::span::Span),
}

const KEYS: [&str; 7] = [
    "id",
    "severity",
    "by",
    "within",
    "max",
    "concurrent",
    "when",
];

/// Reads a layer's `limits:` list, whose `by` and `when` may name the policy's declared
/// `fields` (and `when` its calendars); limits with errors are left out (the errors stop the
/// run).
pub fn parse(
    source: &Source,
    node: &Node,
    vocabulary: Vocabulary,
    errors: &mut Vec<PolicyError>,
) -> Vec<PolicyLimit> {
    let fields = vocabulary.fields;
    if custom::too_many_patterns(source, node, "limits", errors) {
        return Vec::new();
    }
    let mut error = |at: &Node, message: String, help: Option<String>| {
        errors.push(PolicyError::new(source, Some(span(at)), message, help));
    };
    let items = match &node.value {
        Value::List(items) => items,
        Value::Null => return Vec::new(),
        other => {
            error(
                node,
                format!("`limits` is a list of limits, not {}", other.kind()),
                Some(
                    "write one `- {id: …, by: [grantee], within: 7d, max: 3}` entry per limit"
                        .into(),
                ),
            );
            return Vec::new();
        }
    };
    let mut limits: Vec<PolicyLimit> = Vec::new();
    let mut when_errors = Vec::new();
    for item in items {
        let Value::Map(entries) = &item.value else {
            error(
                item,
                format!(
                    "a limit is a mapping with id, by and a count, not {}",
                    item.value.kind()
                ),
                None,
            );
            continue;
        };
        let get = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k.value.as_scalar() == Some(key))
                .map(|(_, v)| v)
        };
        let mut fine = true;
        let mut fail = |at: &Node, message: String, help: Option<String>| {
            error(at, message, help);
            fine = false;
        };
        for (key, _) in entries {
            let name = key.value.as_scalar().unwrap_or("");
            if !KEYS.contains(&name) {
                fail(
                    key,
                    format!("unknown key `{name}` in a limit"),
                    did_you_mean(name, KEYS),
                );
            }
        }
        let id = match get("id").map(|n| (n, n.value.as_scalar())) {
            Some((n, Some(id))) => {
                let id = id.trim();
                if id.is_empty()
                    || !id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    fail(
                        n,
                        format!(
                            "limit id `{id}` must be kebab-case: lowercase letters, digits and dashes"
                        ),
                        None,
                    );
                } else if crate::rules::finding(id).is_some() {
                    fail(
                        n,
                        format!("limit id `{id}` is a built-in rule"),
                        Some("choose another id".into()),
                    );
                } else if limits.iter().any(|l| l.limit.id == id) {
                    fail(
                        n,
                        format!("limit `{id}` is defined twice"),
                        Some("give each limit its own id".into()),
                    );
                }
                id.to_string()
            }
            Some((n, None)) => {
                fail(
                    n,
                    "a limit id is text such as `weekly-per-person`".into(),
                    None,
                );
                String::new()
            }
            None => {
                fail(item, "a limit needs an `id`".into(), None);
                String::new()
            }
        };
        let severity = match get("severity") {
            Some(n) => parse_severity(&n.value).unwrap_or_else(|text| {
                fail(
                    n,
                    format!("severity must be error, warning, info or off, not `{text}`"),
                    None,
                );
                None
            }),
            None => Some(Severity::Warning),
        };
        let mut by = Vec::new();
        match get("by") {
            None => fail(
                item,
                "a limit needs `by`: the fields grants are grouped by".into(),
                Some("e.g. `by: [grantee, tenant]`".into()),
            ),
            Some(n) => {
                let names: Vec<&Node> = match &n.value {
                    Value::List(items) => items.iter().collect(),
                    _ => vec![n],
                };
                if names.is_empty() {
                    fail(n, "`by` needs at least one field".into(), None);
                }
                for name_node in names {
                    let name = name_node.value.as_scalar().unwrap_or("");
                    match fields.resolve(name) {
                        // Grants are grouped by the text as written: a typed value written two
                        // ways ("eu, us" and "eu,us", "1" and "1.0") would make two groups, so
                        // a limit could be evaded by spelling.
                        Some(FieldRef::Declared { kind, .. }) if kind != Kind::Text => fail(
                            name_node,
                            format!(
                                "a limit groups by text, and `{name}` is declared `{}`",
                                kind.name()
                            ),
                            Some(format!(
                                "declare `{name}` as `type: text` to group by it, or group by another field"
                            )),
                        ),
                        Some(field) if !by.contains(&field) => by.push(field),
                        Some(_) => fail(name_node, format!("`{name}` is in `by` twice"), None),
                        None => fail(
                            name_node,
                            format!("unknown field `{name}`"),
                            did_you_mean(name, fields.names()).or_else(|| {
                                Some(
                                    "group by fields of the grant, e.g. grantee, tenant, role, or declare the field under `fields:`"
                                        .into(),
                                )
                            }),
                        ),
                    }
                }
            }
        }
        let count =
            |key: &str, fail: &mut dyn FnMut(&Node, String, Option<String>)| -> Option<usize> {
                let n = get(key)?;
                match n
                    .value
                    .as_scalar()
                    .and_then(|t| t.trim().parse::<usize>().ok())
                {
                    Some(count) if count >= 1 => Some(count),
                    _ => {
                        fail(
                            n,
                            format!("`{key}` is a whole number of grants, 1 or more"),
                            None,
                        );
                        None
                    }
                }
            };
        // The condition's own errors are kept apart (`error` holds `errors` for the loop)
        // and joined after it; the policy's errors are sorted by place in the end.
        let before = when_errors.len();
        let when =
            get("when").and_then(|n| custom::condition(source, n, vocabulary, &mut when_errors));
        let when_fine = when_errors.len() == before;
        let max = count("max", &mut fail);
        let concurrent = count("concurrent", &mut fail);
        let within = get("within").and_then(|n| {
            match n.value.as_scalar().map(crate::core::time::parse_duration) {
                Some(Ok(d)) if d > chrono::TimeDelta::zero() => Some(d),
                _ => {
                    fail(n, "`within` is a duration such as 7d or 24h".into(), None);
                    None
                }
            }
        });
        let measure = match (max, within, concurrent) {
            (Some(max), Some(within), None) => Some(Measure::Window { max, within }),
            (None, None, Some(max)) => Some(Measure::Concurrent { max }),
            (Some(_), None, None) if get("within").is_none() => {
                fail(item, "a limit with `max` counts grants within a span: add `within`, e.g. `within: 7d`".into(), Some("or limit grants active at once with `concurrent: N`".into()));
                None
            }
            (None, Some(_), None) => {
                fail(
                    item,
                    "a limit with `within` needs `max`: the most grants allowed in that span"
                        .into(),
                    None,
                );
                None
            }
            (_, _, Some(_)) if get("max").is_some() || get("within").is_some() => {
                fail(item, "a limit counts either within a span (`within`, `max`) or at once (`concurrent`), not both".into(), Some("write two limits".into()));
                None
            }
            (None, None, None) if get("max").is_none() && get("concurrent").is_none() => {
                fail(
                    item,
                    "a limit needs a count: `within` and `max`, or `concurrent`".into(),
                    Some("e.g. `within: 7d, max: 3` or `concurrent: 2`".into()),
                );
                None
            }
            _ => None, // a value above was wrong, and said so
        };
        if let (true, true, Some(measure)) = (fine, when_fine, measure) {
            let at = get("id").map_or(span(item), span);
            let mut limit = Limit::new(id, by, measure);
            if let Some(when) = when {
                let text = when.to_string();
                limit = limit.when(Box::new(when), text);
            }
            limits.push(PolicyLimit {
                limit: Arc::new(limit),
                severity,
                at: (source.clone(), at),
            });
        }
    }
    errors.append(&mut when_errors);
    limits
}

/// Limits of every layer; a later layer's limit replaces an earlier one of the same id.
pub fn merge(layers: impl IntoIterator<Item = Vec<PolicyLimit>>) -> Vec<PolicyLimit> {
    let mut merged: Vec<PolicyLimit> = Vec::new();
    for limit in layers.into_iter().flatten() {
        merged.retain(|l| l.limit.id != limit.limit.id);
        merged.push(limit);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::grant::Field;
    use crate::grant::declared::{Declarations, Declared, FieldRef, Kind};

    fn parse_text(text: &str) -> Result<Vec<PolicyLimit>, Vec<String>> {
        let source = Source {
            name: "p.yaml".into(),
            text: Arc::from(text),
        };
        let node: Node = crate::core::node::parse(text).unwrap();
        let mut errors = Vec::new();
        let fields = Declarations {
            fields: vec![Declared {
                name: Arc::from("customer_region"),
                kind: Kind::Text,
                keys: vec!["customer_region".into()],
            }],
        };
        let calendars = crate::policy::calendar::Calendars::default();
        let vocabulary = Vocabulary {
            fields: &fields,
            calendars: &calendars,
        };
        let limits = parse(&source, &node, vocabulary, &mut errors);
        if errors.is_empty() {
            return Ok(limits);
        }
        Err(errors.iter().map(|e| e.brief(true)).collect())
    }

    #[test]
    fn limits_are_read() {
        let limits = parse_text(
            "- {id: weekly, by: [grantee, tenant], within: 7d, max: 3}\n- {id: at-once, by: engineer, concurrent: 2, severity: error}\n- {id: regional, by: [grantee, Customer-Region], within: 7d, max: 5}\n- {id: admins, by: grantee, concurrent: 1, when: {field: role, matches: admin}}\n",
        )
        .unwrap();
        let builtin = FieldRef::Builtin;
        assert_eq!(
            limits[0].limit.by,
            [builtin(Field::Grantee), builtin(Field::Tenant)]
        );
        assert_eq!(
            limits[0].limit.measure,
            Measure::Window {
                max: 3,
                within: chrono::TimeDelta::days(7)
            }
        );
        assert_eq!(limits[0].severity, Some(Severity::Warning));
        assert_eq!(limits[1].limit.by, [builtin(Field::Grantee)]);
        assert_eq!(limits[2].limit.by[1].name(), "customer_region");
        assert_eq!(limits[2].limit.by[1].slot(), Some(0));
        assert_eq!(
            limits[3].limit.summary(),
            "at most 1 grant of one grantee may be active at the same time, counting grants where role matches /admin/"
        );
        assert_eq!(limits[1].limit.measure, Measure::Concurrent { max: 2 });
        assert_eq!(limits[1].severity, Some(Severity::Error));
    }

    #[test]
    fn every_mistake_is_located() {
        let got = parse_text(concat!(
            "- {id: a, by: [grantee, tenat], within: 7d, max: 3}\n",
            "- {id: repeat-tenant, by: [tenant], within: 7d, max: 3}\n",
            "- {id: b, by: [grantee], max: 3}\n",
            "- {id: c, by: [grantee], concurent: 2}\n",
            "- {id: d, by: [grantee], within: 7d, max: 3, concurrent: 2}\n",
            "- {id: e, by: [grantee], within: soon, max: 0}\n",
            "- {id: f, by: site, concurrent: 2}\n",
            "- {id: g, by: [customer_regoin], concurrent: 2}\n",
            "- {id: h, by: [customer_region, customer_region], concurrent: 2}\n",
            "- {id: i, by: grantee, concurrent: 2, when: {field: rol, equals: admin}}\n",
        ))
        .err()
        .unwrap();
        assert_eq!(
            got,
            [
                "1:25 unknown field `tenat` (did you mean `tenant`?)",
                "2:8 limit id `repeat-tenant` is a built-in rule (choose another id)",
                "3:3 a limit with `max` counts grants within a span: add `within`, e.g. `within: 7d` (or limit grants active at once with `concurrent: N`)",
                "4:26 unknown key `concurent` in a limit (did you mean `concurrent`?)",
                "4:3 a limit needs a count: `within` and `max`, or `concurrent` (e.g. `within: 7d, max: 3` or `concurrent: 2`)",
                "5:3 a limit counts either within a span (`within`, `max`) or at once (`concurrent`), not both (write two limits)",
                "6:45 `max` is a whole number of grants, 1 or more",
                "6:34 `within` is a duration such as 7d or 24h",
                "7:15 unknown field `site` (group by fields of the grant, e.g. grantee, tenant, role, or declare the field under `fields:`)",
                "8:16 unknown field `customer_regoin` (did you mean `customer_region`?)",
                "9:33 `customer_region` is in `by` twice",
                "10:53 unknown field `rol` (did you mean `role`?)",
            ]
        );
    }
}
