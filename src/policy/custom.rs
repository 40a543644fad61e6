//! Custom rules written in the policy file (`custom:`), so a team can state its own rule
//! (a ticket format, a field production grants must carry) without code. Each rule is parsed
//! from the spanned policy tree into compiled conditions; every mistake is a located error.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use regex::Regex;

use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::finding::{Severity, Violation};
use crate::grant::{Field, Grant};
use crate::rules::params::{normalize, parse_severity};
use crate::rules::{self, Context, Rule};

/// One rule from `custom:`.
#[derive(Debug)]
pub struct CustomRule {
    pub id: String,
    /// `None` when the rule is `off`.
    pub severity: Option<Severity>,
    pub message: String,
    pub help: Option<String>,
    pub when: Option<Condition>,
    pub require: Condition,
    /// The field a finding points at: the first one `require` names.
    field: Field,
}

/// A test on one grant. Texts are compared like everything else in a policy: after
/// [`normalize`] (case, spaces, trailing punctuation); regexes are case-insensitive.
#[derive(Debug)]
pub enum Condition {
    Equals(Field, String),
    In(Field, HashSet<String>),
    Matches(Field, Regex),
    SameAs(Field, Field),
    Present(Field),
    Missing(Field),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    pub fn holds(&self, grant: &Grant) -> bool {
        let text = |f: Field| grant.text(f);
        match self {
            Condition::Equals(f, value) => text(*f).is_some_and(|t| normalize(t) == *value),
            Condition::In(f, values) => text(*f).is_some_and(|t| values.contains(&normalize(t))),
            Condition::Matches(f, re) => text(*f).is_some_and(|t| re.is_match(t)),
            Condition::SameAs(f, g) => match (text(*f), text(*g)) {
                (Some(a), Some(b)) => normalize(a) == normalize(b),
                _ => false,
            },
            Condition::Present(f) => text(*f).is_some(),
            Condition::Missing(f) => text(*f).is_none(),
            Condition::All(all) => all.iter().all(|c| c.holds(grant)),
            Condition::Any(any) => any.iter().any(|c| c.holds(grant)),
            Condition::Not(c) => !c.holds(grant),
        }
    }

    /// The first field the condition names, depth first.
    fn first_field(&self) -> Option<Field> {
        match self {
            Condition::Equals(f, _)
            | Condition::In(f, _)
            | Condition::Matches(f, _)
            | Condition::SameAs(f, _)
            | Condition::Present(f)
            | Condition::Missing(f) => Some(*f),
            Condition::All(cs) | Condition::Any(cs) => cs.iter().find_map(Condition::first_field),
            Condition::Not(c) => c.first_field(),
        }
    }
}

/// The condition as a reader would say it, for `grantlint explain`.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, word: &str, cs: &[Condition]| {
            write!(f, "{word} of (")?;
            for (i, c) in cs.iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str(")")
        };
        match self {
            Condition::Equals(field, v) => write!(f, "{} equals `{v}`", field.name()),
            Condition::In(field, vs) => {
                let mut vs: Vec<&str> = vs.iter().map(String::as_str).collect();
                vs.sort_unstable();
                write!(f, "{} is one of [{}]", field.name(), vs.join(", "))
            }
            Condition::Matches(field, re) => {
                write!(f, "{} matches /{}/", field.name(), re.as_str())
            }
            Condition::SameAs(a, b) => write!(f, "{} is the same as {}", a.name(), b.name()),
            Condition::Present(field) => write!(f, "{} is present", field.name()),
            Condition::Missing(field) => write!(f, "{} is missing", field.name()),
            Condition::All(cs) => list(f, "all", cs),
            Condition::Any(cs) => list(f, "any", cs),
            Condition::Not(c) => write!(f, "not ({c})"),
        }
    }
}

impl CustomRule {
    /// The rule's documentation, for `grantlint explain`.
    pub fn docs(&self) -> String {
        let mut out = format!(
            "# {}\n\ncustom rule, severity {}\n\n{}\n",
            self.id,
            self.severity.map_or("off", Severity::name),
            self.message
        );
        if let Some(help) = &self.help {
            out.push_str(&format!("\nhelp: {help}\n"));
        }
        out.push_str("\n## Conditions\n");
        if let Some(when) = &self.when {
            out.push_str(&format!("when: {when}\n"));
        }
        out.push_str(&format!(
            "require: {}\n\nA grant fails when `when` holds (or is absent) and `require` does not; the finding points at {}.\n",
            self.require,
            self.field.name()
        ));
        out
    }
}

impl Rule for Arc<CustomRule> {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        if self.when.as_ref().is_none_or(|c| c.holds(grant)) && !self.require.holds(grant) {
            let help = self.help.clone().unwrap_or_else(|| {
                format!(
                    "see the policy's custom rule with `grantlint explain {}`",
                    self.id
                )
            });
            out.push(Violation::new(
                Some(self.field),
                grant.span_of(self.field),
                self.message.clone(),
                help,
            ));
        }
    }
}

/// Reads a layer's `custom:` list; rules with errors are left out (the errors stop the run).
pub fn parse(source: &Source, node: &Node, errors: &mut Vec<PolicyError>) -> Vec<CustomRule> {
    let items = match &node.value {
        Value::List(items) => items,
        Value::Null => return Vec::new(),
        other => {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`custom` is a list of rules, not {}", other.kind()),
                Some("write one `- id: …` entry per rule".into()),
            ));
            return Vec::new();
        }
    };
    // Counted before any is compiled: each may take up to a quarter of a megabyte.
    if let Some(extra) = crate::load::limits::too_many_patterns(node) {
        let most = crate::load::limits::MAX_POLICY_PATTERNS;
        errors.push(PolicyError::new(
            source,
            Some(span(extra)),
            format!("a policy's custom rules can test at most {most} regular expressions"),
            Some("join patterns into one with `|`, or test with `in:` lists".into()),
        ));
        return Vec::new();
    }
    let mut rules: Vec<CustomRule> = Vec::new();
    for item in items {
        let mut parser = Parser { source, errors };
        let Some(rule) = parser.rule(item) else {
            continue;
        };
        if rules.iter().any(|r| r.id == rule.id) {
            let at = id_node(item).map(span);
            errors.push(PolicyError::new(
                source,
                at,
                format!("custom rule `{}` is defined twice", rule.id),
                Some("give each custom rule its own id".into()),
            ));
            continue;
        }
        rules.push(rule);
    }
    rules
}

/// Custom rules of every layer; a later layer's rule replaces an earlier one of the same id.
pub fn merge(layers: impl IntoIterator<Item = Vec<CustomRule>>) -> Vec<Arc<CustomRule>> {
    let mut merged: Vec<Arc<CustomRule>> = Vec::new();
    for rule in layers.into_iter().flatten() {
        merged.retain(|r| r.id != rule.id);
        merged.push(Arc::new(rule));
    }
    merged
}

fn id_node(item: &Node) -> Option<&Node> {
    match &item.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.value.as_scalar() == Some("id"))
            .map(|(_, v)| v),
        _ => None,
    }
}

const RULE_KEYS: [&str; 6] = ["id", "severity", "message", "help", "when", "require"];
const CONDITION_KEYS: [&str; 6] = ["field", "present", "missing", "all", "any", "not"];
const FIELD_TESTS: [&str; 4] = ["equals", "in", "matches", "same_as"];

struct Parser<'a> {
    source: &'a Source,
    errors: &'a mut Vec<PolicyError>,
}

impl Parser<'_> {
    fn error(&mut self, at: &Node, message: String, help: Option<String>) {
        self.errors
            .push(PolicyError::new(self.source, Some(span(at)), message, help));
    }

    fn rule(&mut self, item: &Node) -> Option<CustomRule> {
        let Value::Map(entries) = &item.value else {
            self.error(
                item,
                format!(
                    "a custom rule is a mapping with id, message and require, not {}",
                    item.value.kind()
                ),
                None,
            );
            return None;
        };
        let before = self.errors.len();
        let get = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k.value.as_scalar() == Some(key))
        };
        for (key, _) in entries {
            let name = key.value.as_scalar().unwrap_or("");
            if !RULE_KEYS.contains(&name) {
                self.error(
                    key,
                    format!("unknown key `{name}` in a custom rule"),
                    did_you_mean(name, RULE_KEYS),
                );
            }
        }
        let id = match get("id") {
            Some((_, node)) => self.id(node),
            None => {
                self.error(item, "a custom rule needs an `id`".into(), None);
                None
            }
        };
        let message = match get("message").map(|(_, v)| (v, v.value.as_scalar())) {
            Some((_, Some(text))) if !text.trim().is_empty() => Some(text.trim().to_string()),
            Some((node, _)) => {
                self.error(node, "`message` must be text".into(), None);
                None
            }
            None => {
                self.error(
                    item,
                    "a custom rule needs a `message`: what a failing grant is told".into(),
                    None,
                );
                None
            }
        };
        let help = match get("help") {
            Some((node, value)) => match value.value.as_scalar() {
                Some(text) => Some(text.trim().to_string()),
                None => {
                    self.error(node, "`help` must be text".into(), None);
                    None
                }
            },
            None => None,
        };
        let severity = match get("severity") {
            Some((_, node)) => match parse_severity(&node.value) {
                Ok(severity) => severity,
                Err(text) => {
                    self.error(
                        node,
                        format!("severity must be error, warning, info or off, not `{text}`"),
                        None,
                    );
                    None
                }
            },
            None => Some(Severity::Error),
        };
        let when = get("when").and_then(|(_, node)| self.condition(node));
        let require = match get("require") {
            Some((_, node)) => self.condition(node),
            None => {
                self.error(
                    item,
                    "a custom rule needs `require`: the condition every grant must meet".into(),
                    None,
                );
                None
            }
        };
        if self.errors.len() > before {
            return None;
        }
        let (id, message, require) = (id?, message?, require?);
        let field = require.first_field()?;
        Some(CustomRule {
            id,
            severity,
            message,
            help,
            when,
            require,
            field,
        })
    }

    fn id(&mut self, node: &Node) -> Option<String> {
        let Some(id) = node.value.as_scalar() else {
            self.error(
                node,
                "a rule id is text such as `ticket-format`".into(),
                None,
            );
            return None;
        };
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            self.error(
                node,
                format!(
                    "custom rule id `{id}` must be kebab-case: lowercase letters, digits and dashes"
                ),
                None,
            );
            return None;
        }
        // Any built-in finding id, waivers' own too: findings are told apart by id.
        if rules::finding(id).is_some() {
            self.error(
                node,
                format!("custom rule id `{id}` is a built-in rule"),
                Some("choose another id; change a built-in rule's settings under `rules:`".into()),
            );
            return None;
        }
        Some(id.to_string())
    }

    fn field(&mut self, node: &Node) -> Option<Field> {
        let name = node.value.as_scalar().unwrap_or("");
        let field = Field::from_key(name);
        if field.is_none() {
            self.error(
                node,
                format!("unknown field `{name}`"),
                did_you_mean(name, Field::ALL.iter().map(|f| f.name())).or_else(|| {
                    Some(
                        "fields are those of the grant exports, e.g. ticket, role, environment"
                            .into(),
                    )
                }),
            );
        }
        field
    }

    fn condition(&mut self, node: &Node) -> Option<Condition> {
        let Value::Map(entries) = &node.value else {
            self.error(
                node,
                format!(
                    "a condition is a mapping such as {{present: ticket}}, not {}",
                    node.value.kind()
                ),
                None,
            );
            return None;
        };
        let name = |k: &Node| k.value.as_scalar().unwrap_or("").to_string();
        if let Some((_, field_node)) = entries.iter().find(|(k, _)| name(k) == "field") {
            let field = self.field(field_node);
            let tests: Vec<&(Node, Node)> =
                entries.iter().filter(|(k, _)| name(k) != "field").collect();
            let [(key, value)] = tests.as_slice() else {
                self.error(
                    node,
                    "a `field` condition takes exactly one test: equals, in, matches or same_as"
                        .into(),
                    None,
                );
                return None;
            };
            let test = self.field_test(field?, key, value);
            return test;
        }
        let [(key, value)] = entries.as_slice() else {
            self.error(
                node,
                "a condition has one key: field, present, missing, all, any or not".into(),
                None,
            );
            return None;
        };
        match name(key).as_str() {
            "present" => self.field(value).map(Condition::Present),
            "missing" => self.field(value).map(Condition::Missing),
            "not" => self.condition(value).map(|c| Condition::Not(Box::new(c))),
            word @ ("all" | "any") => {
                let Value::List(items) = &value.value else {
                    self.error(
                        value,
                        format!(
                            "`{word}` takes a list of conditions, not {}",
                            value.value.kind()
                        ),
                        None,
                    );
                    return None;
                };
                let conditions: Vec<Option<Condition>> =
                    items.iter().map(|c| self.condition(c)).collect();
                let conditions: Option<Vec<Condition>> = conditions.into_iter().collect();
                match (word, conditions?) {
                    (_, cs) if cs.is_empty() => {
                        self.error(
                            value,
                            format!("`{word}` needs at least one condition"),
                            None,
                        );
                        None
                    }
                    ("all", cs) => Some(Condition::All(cs)),
                    (_, cs) => Some(Condition::Any(cs)),
                }
            }
            other => {
                let help = did_you_mean(other, CONDITION_KEYS.iter().chain(&FIELD_TESTS).copied());
                self.error(key, format!("unknown condition `{other}`"), help);
                None
            }
        }
    }

    fn field_test(&mut self, field: Field, key: &Node, value: &Node) -> Option<Condition> {
        let test = key.value.as_scalar().unwrap_or("");
        match test {
            "equals" => match value.value.as_scalar() {
                Some(text) => Some(Condition::Equals(field, normalize(text))),
                None => {
                    self.error(
                        value,
                        format!("`equals` takes one value, not {}", value.value.kind()),
                        Some("use `in: [..]` for several values".into()),
                    );
                    None
                }
            },
            "in" => {
                let Value::List(items) = &value.value else {
                    self.error(
                        value,
                        format!("`in` takes a list of values, not {}", value.value.kind()),
                        None,
                    );
                    return None;
                };
                let mut values = HashSet::new();
                for item in items {
                    match item.value.as_scalar() {
                        Some(text) => {
                            values.insert(normalize(text));
                        }
                        None => {
                            self.error(
                                item,
                                format!("expected a value, found {}", item.value.kind()),
                                None,
                            );
                            return None;
                        }
                    }
                }
                Some(Condition::In(field, values))
            }
            "matches" => {
                let Some(pattern) = value.value.as_scalar() else {
                    self.error(value, "`matches` takes a regular expression".into(), None);
                    return None;
                };
                match crate::load::limits::policy_regex(pattern) {
                    Ok(re) => Some(Condition::Matches(field, re)),
                    Err(message) => {
                        self.error(value, message, None);
                        None
                    }
                }
            }
            "same_as" => self
                .field(value)
                .map(|other| Condition::SameAs(field, other)),
            other => {
                self.error(
                    key,
                    format!("unknown test `{other}` for a field"),
                    did_you_mean(other, FIELD_TESTS).or_else(|| {
                        Some("a field is tested with equals, in, matches or same_as".into())
                    }),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grant::Field::*;
    use crate::rules::testing::{check, grant};

    fn source(text: &str) -> Source {
        Source {
            name: "p.yaml".into(),
            text: Arc::from(text),
        }
    }

    /// Parses `custom:` entries, returning the rules or the located errors.
    fn parse_text(text: &str) -> Result<Vec<CustomRule>, Vec<String>> {
        let node: Node = crate::core::node::parse(text).unwrap();
        let mut errors = Vec::new();
        let rules = parse(&source(text), &node, &mut errors);
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors
                .iter()
                .map(|e| {
                    let at = e.location.unwrap_or_default();
                    let help = e
                        .help
                        .as_deref()
                        .map_or(String::new(), |h| format!(" ({h})"));
                    format!("{}:{} {}{help}", at.line, at.column, e.message)
                })
                .collect())
        }
    }

    /// One rule that requires `condition`.
    fn rule(condition: &str) -> Arc<CustomRule> {
        let text = format!("- {{id: r, message: failed, require: {condition}}}");
        let mut rules = parse_text(&text).unwrap_or_else(|e| panic!("{e:?}"));
        Arc::new(rules.remove(0))
    }

    fn fails(rule: &Arc<CustomRule>, fields: &[(Field, &str)]) -> bool {
        !check(rule, &grant(fields)).is_empty()
    }

    #[test]
    fn equals_compares_normalized_text() {
        let r = rule("{field: environment, equals: Prod}");
        assert!(!fails(&r, &[(Environment, " prod. ")]));
        assert!(fails(&r, &[(Environment, "test")]));
        assert!(fails(&r, &[(Id, "1")]), "a missing field equals nothing");
    }

    #[test]
    fn in_takes_a_list() {
        let r = rule("{field: env, in: [prod, Production]}");
        assert!(!fails(&r, &[(Environment, "PRODUCTION")]));
        assert!(fails(&r, &[(Environment, "staging")]));
    }

    #[test]
    fn matches_is_a_case_insensitive_regex() {
        let r = rule(r"{field: ticket, matches: '^(INC|CS)-\d+$'}");
        assert!(!fails(&r, &[(Ticket, "INC-1234")]));
        assert!(!fails(&r, &[(Ticket, "cs-9")]));
        assert!(fails(&r, &[(Ticket, "INC-12 and more")]));
        assert!(fails(&r, &[(Id, "1")]));
    }

    #[test]
    fn same_as_compares_two_fields() {
        let r = rule("{field: approver, same_as: requester}");
        assert!(!fails(
            &r,
            &[(Approver, "Mina Chen"), (RequestedBy, "mina chen")]
        ));
        assert!(fails(&r, &[(Approver, "Mina Chen"), (RequestedBy, "Ravi")]));
        assert!(fails(&r, &[(Approver, "Mina Chen")]), "one side missing");
    }

    #[test]
    fn present_and_missing() {
        let present = rule("{present: scope}");
        assert!(!fails(&present, &[(Scope, "read billing")]));
        assert!(
            fails(&present, &[(Scope, "   ")]),
            "blank counts as missing"
        );
        let missing = rule("{missing: admin_reason}");
        assert!(!fails(&missing, &[(Id, "1")]));
        assert!(fails(&missing, &[(AdminJustification, "x")]));
    }

    #[test]
    fn all_any_and_not_combine() {
        let all = rule("{all: [{present: ticket}, {present: scope}]}");
        assert!(!fails(&all, &[(Ticket, "INC-1"), (Scope, "read")]));
        assert!(fails(&all, &[(Ticket, "INC-1")]));
        let any = rule("{any: [{present: ticket}, {present: scope}]}");
        assert!(!fails(&any, &[(Scope, "read")]));
        assert!(fails(&any, &[(Id, "1")]));
        let not = rule("{not: {field: role, matches: admin}}");
        assert!(!fails(&not, &[(Role, "reader")]));
        assert!(fails(&not, &[(Role, "Tenant Admin")]));
    }

    #[test]
    fn when_limits_the_grants_a_rule_applies_to() {
        let rules = parse_text(
            "- {id: r, message: m, when: {field: env, equals: prod}, require: {present: scope}}",
        )
        .unwrap();
        let r = Arc::new(rules.into_iter().next().unwrap());
        assert!(!fails(&r, &[(Environment, "test")]));
        assert!(fails(&r, &[(Environment, "prod")]));
    }

    #[test]
    fn a_finding_points_at_the_first_field_require_names() {
        let r = rule("{not: {field: requested_by, same_as: approver}}");
        let g = grant(&[(Approver, "Mina"), (RequestedBy, "Mina")]);
        let mut out = Vec::new();
        r.check(&g, &crate::rules::testing::context(), &mut out);
        assert_eq!(out[0].field, Some(RequestedBy));
        assert_eq!(out[0].span, g.span_of(RequestedBy));
        assert_eq!(out[0].span.line, 3);
    }

    #[test]
    fn every_mistake_is_located() {
        let got = parse_text(concat!(
            "- id: window-max\n",
            "  message: m\n",
            "  require: {present: tickt}\n",
            "- id: Bad_Id\n",
            "  require: {field: ticket, matches: '('}\n",
            "- id: ok\n",
            "  mesage: m\n",
            "  severity: loud\n",
            "  require: {field: ticket, equls: x}\n",
            "- id: two\n",
            "  message: m\n",
            "  require: {present: ticket, missing: scope}\n",
            "- {id: three, message: m, require: {all: []}}\n",
            "- {id: four, message: m, require: {field: role, equals: [a, b]}}\n",
        ))
        .unwrap_err();
        assert_eq!(
            got,
            [
                "1:7 custom rule id `window-max` is a built-in rule (choose another id; change a built-in rule's settings under `rules:`)",
                "3:22 unknown field `tickt` (did you mean `ticket`?)",
                "4:7 custom rule id `Bad_Id` must be kebab-case: lowercase letters, digits and dashes",
                "4:3 a custom rule needs a `message`: what a failing grant is told",
                "5:37 invalid regex: regex parse error:\n    (\n    ^\nerror: unclosed group",
                "7:3 unknown key `mesage` in a custom rule (did you mean `message`?)",
                "6:3 a custom rule needs a `message`: what a failing grant is told",
                "8:13 severity must be error, warning, info or off, not `loud`",
                "9:28 unknown test `equls` for a field (did you mean `equals`?)",
                "12:12 a condition has one key: field, present, missing, all, any or not",
                "13:42 `all` needs at least one condition",
                "14:57 `equals` takes one value, not a list (use `in: [..]` for several values)",
            ]
        );
    }

    #[test]
    fn duplicate_ids_are_an_error_and_later_layers_replace_earlier_ones() {
        let got = parse_text(
            "- {id: a, message: m, require: {present: ticket}}\n- {id: a, message: n, require: {present: scope}}\n",
        )
        .unwrap_err();
        assert_eq!(
            got,
            ["2:8 custom rule `a` is defined twice (give each custom rule its own id)"]
        );
        let first = parse_text("- {id: a, message: m, require: {present: ticket}}").unwrap();
        let second = parse_text("- {id: a, message: second, require: {present: scope}}").unwrap();
        let merged = merge([first, second]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].message, "second");
    }

    #[test]
    fn a_custom_rule_cannot_take_a_waiver_findings_id() {
        let got = parse_text("- {id: waiver-unused, message: m, require: {present: ticket}}\n");
        assert_eq!(
            got.unwrap_err(),
            [
                "1:8 custom rule id `waiver-unused` is a built-in rule (choose another id; change a built-in rule's settings under `rules:`)"
            ]
        );
    }
}
