//! Custom rules written in the policy file (`custom:`), so a team can state its own rule
//! (a ticket format, a field production grants must carry) without code. Each rule is parsed
//! from the spanned policy tree into compiled conditions; every mistake is a located error.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use regex::Regex;

use super::calendar::{Calendar, Calendars};
use super::compare::Comparison;
use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::finding::{Severity, Violation};
use crate::grant::declared::{Declarations, FieldRef, Kind, Typed};
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
    field: FieldRef,
}

/// What conditions may name besides the built-in fields: the policy's declared fields
/// (`fields:`) and calendars (`calendars:`), from every layer.
#[derive(Clone, Copy)]
pub struct Vocabulary<'a> {
    pub fields: &'a Declarations,
    pub calendars: &'a Calendars,
}

/// A test on one grant. Texts are compared like everything else in a policy: after
/// [`normalize`] (case, spaces, trailing punctuation); regexes are case-insensitive. A test
/// on a missing value does not hold (`missing` aside). New kinds of test are new variants
/// here, with their parsing in `Parser::condition` and their words in `Display`.
#[derive(Debug)]
pub enum Condition {
    Equals(FieldRef, String),
    /// `equals: true` on a declared bool field: compares what the value reads as.
    Is(FieldRef, bool),
    In(FieldRef, HashSet<String>),
    Matches(FieldRef, Regex),
    SameAs(FieldRef, FieldRef),
    Present(FieldRef),
    Missing(FieldRef),
    /// `compare: "ended_at <= ticket_closed + 15m"`.
    Compare(Comparison),
    /// `{field: start, within: business}` (or `outside:`): a time against a calendar.
    Calendar {
        field: FieldRef,
        calendar: Arc<Calendar>,
        within: bool,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// `{field: approver, in_group: on-call-managers}`: a person the field names holds the
    /// group (their `groups` or `team` in the people directory).
    InGroup(FieldRef, String),
    /// `{field: approver, manager_of: grantee}`: a person the field names is, in the people
    /// directory, the manager of a person the other field names.
    ManagerOf(FieldRef, FieldRef),
}

use crate::rules::people::PERSON_FIELDS;

/// What a condition may ask beyond the grant: the people directory; and what it could not
/// answer, so a rule that passes for want of an answer says so instead.
#[derive(Default)]
pub struct Ask<'a> {
    pub people: Option<&'a crate::rules::people::Directory>,
    /// The time of the run, which `compare:` calls `now`.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    pub unknown: std::cell::RefCell<Option<String>>,
}

impl Ask<'_> {
    fn cannot_tell(&self, why: impl FnOnce() -> String) {
        self.unknown.borrow_mut().get_or_insert_with(why);
    }
}

/// Hands `each` every person `field` names: each approver of several, else the text.
pub(crate) fn each_person(grant: &Grant, field: &FieldRef, mut each: impl FnMut(&str)) {
    if field.builtin() == Some(Field::Approver) {
        grant.each_approver(|name, _| name.into_iter().for_each(&mut each));
    } else if let Some(text) = field.text(grant) {
        each(text);
    }
}

/// A built-in field that names a person (grantee, approver, requested_by, owner).
fn is_person(field: &FieldRef) -> bool {
    field.builtin().is_some_and(|f| PERSON_FIELDS.contains(&f))
}

impl Condition {
    pub fn holds(&self, grant: &Grant) -> bool {
        self.holds_in(grant, &Ask::default())
    }

    /// Whether the condition holds, asking the directory where it tests people.
    pub fn holds_in(&self, grant: &Grant, ask: &Ask) -> bool {
        match self {
            Condition::Equals(f, value) => each_text(f, grant, |t| normalize(t) == *value),
            Condition::Is(f, value) => f.typed(grant) == Some(Typed::Bool(*value)),
            Condition::In(f, values) => each_text(f, grant, |t| values.contains(&normalize(t))),
            Condition::Matches(f, re) => each_text(f, grant, |t| re.is_match(t)),
            Condition::SameAs(f, g) if is_person(f) && is_person(g) => {
                // People, not strings: `rpatel` is Ravi Patel when the directory says so.
                let mut same = false;
                each_person(grant, f, |a| {
                    each_person(grant, g, |b| {
                        same |= ask.people.is_some_and(|p| p.same_person(a, b))
                            || crate::rules::identity::same_name(a, b);
                    });
                });
                same
            }
            Condition::SameAs(f, g) => match (f.text(grant), g.text(grant)) {
                (Some(a), Some(b)) => normalize(a) == normalize(b),
                _ => false,
            },
            Condition::Present(f) => f.text(grant).is_some(),
            Condition::Missing(f) => f.text(grant).is_none(),
            Condition::Compare(c) => c.holds(grant, ask.now),
            Condition::Calendar {
                field,
                calendar,
                within,
            } => match field.typed(grant) {
                Some(Typed::Time(t)) => calendar.contains(t) == *within,
                _ => false,
            },
            Condition::All(all) => all.iter().all(|c| c.holds_in(grant, ask)),
            Condition::Any(any) => any.iter().any(|c| c.holds_in(grant, ask)),
            Condition::Not(c) => !c.holds_in(grant, ask),
            Condition::InGroup(f, group) => {
                let Some(people) = ask.people else {
                    ask.cannot_tell(|| "the policy has no `people:` directory".into());
                    return false;
                };
                // Any one approver in the group is enough: a stranger beside them changes
                // nothing, so the unknown is said only when the test did not hold.
                let (mut holds, mut unknown) = (false, None);
                each_person(grant, f, |name| match people.find(name) {
                    Some(person) => holds |= person.holds(group),
                    None => {
                        unknown.get_or_insert_with(|| not_in_directory(f, name));
                    }
                });
                if let Some(why) = unknown.filter(|_| !holds) {
                    ask.cannot_tell(|| why);
                }
                holds
            }
            Condition::ManagerOf(f, g) => {
                let Some(people) = ask.people else {
                    ask.cannot_tell(|| "the policy has no `people:` directory".into());
                    return false;
                };
                let (mut holds, mut unknown) = (false, None);
                each_person(grant, f, |manager| {
                    each_person(grant, g, |of| match people.is_manager_of(manager, of) {
                        Some(is) => holds |= is,
                        None => {
                            unknown.get_or_insert_with(|| {
                                match (people.find(manager), people.find(of)) {
                                    (None, _) => not_in_directory(f, manager),
                                    (_, None) => not_in_directory(g, of),
                                    (_, Some(_)) => format!(
                                        "{} `{of}` has no known `manager` in the people directory",
                                        g.name()
                                    ),
                                }
                            });
                        }
                    });
                });
                // As for groups: an unknown matters only when no pair held.
                if let Some(why) = unknown.filter(|_| !holds) {
                    ask.cannot_tell(|| why);
                }
                holds
            }
        }
    }

    /// True when a test that reads a value by its type (a comparison, a calendar, a bool)
    /// meets a value that is there but could not be read: the grant's `field-format` finding
    /// says so, and the rule stays quiet rather than judge without it.
    fn unreadable(&self, grant: &Grant) -> bool {
        let unread = |f: &FieldRef| f.text(grant).is_some() && f.typed(grant).is_none();
        match self {
            Condition::Is(f, _) | Condition::Calendar { field: f, .. } => unread(f),
            Condition::Compare(c) => c.fields().any(unread),
            Condition::All(cs) | Condition::Any(cs) => cs.iter().any(|c| c.unreadable(grant)),
            Condition::Not(c) => c.unreadable(grant),
            _ => false,
        }
    }

    /// The first field the condition names, depth first.
    fn first_field(&self) -> Option<&FieldRef> {
        match self {
            Condition::Equals(f, _)
            | Condition::Is(f, _)
            | Condition::In(f, _)
            | Condition::Matches(f, _)
            | Condition::SameAs(f, _)
            | Condition::Present(f)
            | Condition::Missing(f)
            | Condition::Calendar { field: f, .. } => Some(f),
            Condition::Compare(c) => c.first_field(),
            Condition::All(cs) | Condition::Any(cs) => cs.iter().find_map(Condition::first_field),
            Condition::Not(c) => c.first_field(),
            Condition::InGroup(f, _) | Condition::ManagerOf(f, _) => Some(f),
        }
    }
}

/// True when `test` holds for the field's text, for any item of a declared list, or for any
/// one approver of several (as people tests do: "Ravi Patel; deploy-bot" is two names, and
/// `equals: deploy-bot` holds for it).
fn each_text(field: &FieldRef, grant: &Grant, test: impl Fn(&str) -> bool) -> bool {
    if field.builtin() == Some(Field::Approver) {
        let mut holds = false;
        grant.each_approver(|name, _| holds |= name.is_some_and(&test));
        return holds;
    }
    match field.typed(grant) {
        Some(Typed::List(items)) => items.iter().any(|i| test(i)),
        _ => field.text(grant).is_some_and(test),
    }
}

fn not_in_directory(field: &FieldRef, name: &str) -> String {
    format!("{} `{name}` is not in the people directory", field.name())
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
            Condition::Is(field, v) => write!(f, "{} is {v}", field.name()),
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
            Condition::Compare(c) => write!(f, "{c}"),
            Condition::Calendar {
                field,
                calendar,
                within,
            } => write!(
                f,
                "{} is {} the hours of calendar `{}` ({})",
                field.name(),
                if *within { "within" } else { "outside" },
                calendar.name,
                calendar.zone.name()
            ),
            Condition::All(cs) => list(f, "all", cs),
            Condition::Any(cs) => list(f, "any", cs),
            Condition::Not(c) => write!(f, "not ({c})"),
            Condition::InGroup(field, group) => {
                write!(f, "{} is in group `{group}`", field.name())
            }
            Condition::ManagerOf(a, b) => {
                write!(f, "{} is the manager of {}", a.name(), b.name())
            }
        }
    }
}

impl CustomRule {
    /// The rule's documentation, for `grantlint explain`, with its severity in the built
    /// policy (`rules:` may set it apart from `custom:`; see `Policy::severity_of`).
    pub fn docs(&self, severity: Option<Severity>) -> String {
        let mut out = format!(
            "# {}\n\ncustom rule, severity {}\n\n{}\n",
            self.id,
            severity.map_or("off", Severity::name),
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
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        let ask = Ask {
            people: context.people.as_deref(),
            now: Some(context.now),
            ..Ask::default()
        };
        // A value there but unreadable is the grant's `field-format` finding: the rule
        // stays quiet rather than judge without it.
        if self.require.unreadable(grant) || self.when.as_ref().is_some_and(|c| c.unreadable(grant))
        {
            return;
        }
        let applies = self.when.as_ref().is_none_or(|c| c.holds_in(grant, &ask));
        let fails = applies && !self.require.holds_in(grant, &ask);
        // A pass the directory could not vouch for is no pass: said, with what is missing.
        let unknown = ask.unknown.into_inner();
        if !fails && unknown.is_none() {
            return;
        }
        let help = self.help.clone().unwrap_or_else(|| {
            format!(
                "see the policy's custom rule with `grantlint explain {}`",
                self.id
            )
        });
        let message = match unknown {
            Some(why) if fails => format!("{} (cannot tell: {why})", self.message),
            Some(why) => format!("{why}, so `{}` cannot be checked", self.id),
            None => self.message.clone(),
        };
        out.push(Violation::about(
            &self.field,
            self.field.span(grant),
            message,
            help,
        ));
    }
}

/// Reads a layer's `custom:` list; rules with errors are left out (the errors stop the run).
pub fn parse(
    source: &Source,
    node: &Node,
    vocabulary: Vocabulary,
    errors: &mut Vec<PolicyError>,
) -> Vec<CustomRule> {
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
    if too_many_patterns(source, node, "custom rules", errors) {
        return Vec::new();
    }
    let mut rules: Vec<CustomRule> = Vec::new();
    for item in items {
        let mut parser = Parser {
            source,
            vocabulary,
            errors,
        };
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

/// Whether the conditions under `node` (a policy's `what`: custom rules, limits) test more
/// regular expressions than a policy may, said at the first one over. Counted before any is
/// compiled: each may take up to a quarter of a megabyte.
pub fn too_many_patterns(
    source: &Source,
    node: &Node,
    what: &str,
    errors: &mut Vec<PolicyError>,
) -> bool {
    let Some(extra) = crate::load::limits::too_many_patterns(node) else {
        return false;
    };
    let most = crate::load::limits::MAX_POLICY_PATTERNS;
    errors.push(PolicyError::new(
        source,
        Some(span(extra)),
        format!("a policy's {what} can test at most {most} regular expressions"),
        Some("join patterns into one with `|`, or test with `in:` lists".into()),
    ));
    true
}

/// Reads one condition (a limit's `when:`), reporting every mistake with its place.
pub fn condition(
    source: &Source,
    node: &Node,
    vocabulary: Vocabulary,
    errors: &mut Vec<PolicyError>,
) -> Option<Condition> {
    let mut parser = Parser {
        source,
        vocabulary,
        errors,
    };
    parser.condition(node)
}

/// A limit's `when:` counts the grants it holds for. A value there but unreadable is the
/// grant's `field-format` finding and the grant is not counted; a condition that cannot tell
/// (a person the directory does not know) counts the grant, so no limit passes for want of an
/// answer.
impl crate::rules::limits::Counts for Condition {
    fn counts(&self, grant: &Grant, context: &Context) -> bool {
        if self.unreadable(grant) {
            return false;
        }
        let ask = Ask {
            people: context.people.as_deref(),
            now: Some(context.now),
            ..Ask::default()
        };
        self.holds_in(grant, &ask) || ask.unknown.into_inner().is_some()
    }
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
const CONDITION_KEYS: [&str; 7] = [
    "field", "present", "missing", "compare", "all", "any", "not",
];
const FIELD_TESTS: [&str; 8] = [
    "equals",
    "in",
    "matches",
    "same_as",
    "within",
    "outside",
    "in_group",
    "manager_of",
];

struct Parser<'a> {
    source: &'a Source,
    vocabulary: Vocabulary<'a>,
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
        let Some(field) = require.first_field().cloned() else {
            let at = get("require").map_or(item, |(_, node)| node);
            self.error(
                at,
                "`require` names no field, so it would judge every grant alike".into(),
                Some("compare a field, e.g. `compare: \"ended_at <= ticket_closed + 15m\"`".into()),
            );
            return None;
        };
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

    fn field(&mut self, node: &Node) -> Option<FieldRef> {
        let name = node.value.as_scalar().unwrap_or("");
        let fields = self.vocabulary.fields;
        let field = fields.resolve(name);
        if field.is_none() {
            self.error(
                node,
                format!("unknown field `{name}`"),
                did_you_mean(name, fields.names()).or_else(|| {
                    Some(
                        "fields are those of the grant exports, e.g. ticket, role, environment, and those declared under `fields:`"
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
                    "a `field` condition takes exactly one test: equals, in, matches, same_as, within, outside, in_group or manager_of"
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
                "a condition has one key: field, present, missing, compare, all, any or not".into(),
                None,
            );
            return None;
        };
        match name(key).as_str() {
            "present" => self.field(value).map(Condition::Present),
            "missing" => self.field(value).map(Condition::Missing),
            "not" => self.condition(value).map(|c| Condition::Not(Box::new(c))),
            "compare" => {
                let Some(text) = value.value.as_scalar() else {
                    self.error(
                        value,
                        format!("`compare` takes text, not {}", value.value.kind()),
                        Some("write e.g. `compare: \"ended_at <= ticket_closed + 15m\"`".into()),
                    );
                    return None;
                };
                match Comparison::parse(text, self.vocabulary.fields) {
                    Ok(c) => Some(Condition::Compare(c)),
                    Err((message, help)) => {
                        self.error(value, message, Some(help));
                        None
                    }
                }
            }
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

    fn field_test(&mut self, field: FieldRef, key: &Node, value: &Node) -> Option<Condition> {
        let test = key.value.as_scalar().unwrap_or("");
        match test {
            "equals" if field.kind() == Kind::Bool => {
                let text = value.value.as_scalar().unwrap_or("");
                match crate::grant::declared::read(Kind::Bool, text, 0) {
                    Ok(Typed::Bool(b)) => Some(Condition::Is(field, b)),
                    _ => {
                        self.error(
                            value,
                            format!(
                                "{} is a bool field, so it equals true or false, not `{text}`",
                                field.name()
                            ),
                            None,
                        );
                        None
                    }
                }
            }
            word @ ("within" | "outside") => {
                if field.kind() != Kind::Time {
                    self.error(
                        key,
                        format!(
                            "`{word}` tests a time, and {} is {}",
                            field.name(),
                            field.kind().name()
                        ),
                        Some(
                            "name a time field such as start, or one declared with `type: time`"
                                .into(),
                        ),
                    );
                    return None;
                }
                let name = value.value.as_scalar().unwrap_or("");
                let calendars = self.vocabulary.calendars;
                match calendars.get(name) {
                    Some(calendar) => Some(Condition::Calendar {
                        field,
                        calendar: Arc::clone(calendar),
                        within: word == "within",
                    }),
                    None => {
                        self.error(
                            value,
                            format!("no calendar is named `{name}`"),
                            did_you_mean(name, calendars.list.iter().map(|c| c.name.as_str())).or_else(|| {
                                Some("declare it under `calendars:`, e.g. `business: {zone: Europe/Berlin, days: mon-fri, hours: \"09:00-18:00\"}`".into())
                            }),
                        );
                        None
                    }
                }
            }
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
            "in_group" | "manager_of" if !is_person(&field) => {
                self.error(
                    key,
                    format!("`{test}` tests a person, and {} names none", field.name()),
                    Some("use it on grantee, approver, requested_by or owner".into()),
                );
                None
            }
            "in_group" => {
                match value.value.as_scalar().map(str::trim) {
                    Some(group) if !group.is_empty() => {
                        Some(Condition::InGroup(field, group.to_string()))
                    }
                    _ => {
                        self.error(
                        value,
                        format!("`in_group` takes a group's name, not {}", value.value.kind()),
                        Some("e.g. `in_group: on-call-managers`, a group of the people directory".into()),
                    );
                        None
                    }
                }
            }
            "manager_of" => {
                let other = self.field(value)?;
                if !is_person(&other) {
                    self.error(
                        value,
                        format!("`manager_of` names a person field, not {}", other.name()),
                        Some("e.g. `manager_of: grantee`".into()),
                    );
                    return None;
                }
                Some(Condition::ManagerOf(field, other))
            }
            other => {
                self.error(
                    key,
                    format!("unknown test `{other}` for a field"),
                    did_you_mean(other, FIELD_TESTS).or_else(|| {
                        Some("a field is tested with equals, in, matches, same_as, within, outside, in_group or manager_of".into())
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
    use crate::core::span::Span;
    use crate::grant::Field;
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
        let (fields, calendars) = (Declarations::default(), Calendars::default());
        let vocabulary = Vocabulary {
            fields: &fields,
            calendars: &calendars,
        };
        let rules = parse(&source(text), &node, vocabulary, &mut errors);
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
    fn text_tests_on_approver_test_each_approver() {
        // Several approvers are several names: a test holds when any one of them meets it.
        let no_bot = rule("{not: {field: approver, equals: deploy-bot}}");
        assert!(fails(&no_bot, &[(Approver, "Ravi Patel; deploy-bot")]));
        assert!(!fails(&no_bot, &[(Approver, "Ravi Patel; Dana Lee")]));
        let allowed = rule("{field: approver, in: [ravi patel, dana lee]}");
        assert!(!fails(&allowed, &[(Approver, "Ravi Patel; Dana Lee")]));
        assert!(fails(&allowed, &[(Approver, "Sam Stranger; Mina Chen")]));
        let bot = rule("{not: {field: approver, matches: '^[a-z-]*bot$'}}");
        assert!(fails(&bot, &[(Approver, "Ravi Patel | deploy-bot")]));
        assert!(!fails(&bot, &[(Approver, "Ravi Patel")]));
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

    /// The messages `rule` gives for the grant, with the people directory `staff`.
    fn with_people(rule: &Arc<CustomRule>, staff: &str, fields: &[(Field, &str)]) -> Vec<String> {
        let node = crate::core::node::parse(staff).unwrap();
        let mut errors = Vec::new();
        let people = crate::rules::people::parse(&source(staff), &node, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let mut context = crate::rules::testing::context();
        context.people = people;
        let mut out = Vec::new();
        rule.check(&grant(fields), &context, &mut out);
        out.into_iter().map(|v| v.message).collect()
    }

    const STAFF: &str = "- {name: Ravi Patel, email: ravi.patel@example.com, handles: [rpatel], groups: [on-call-managers]}\n- {name: Mina Chen, manager: rpatel}\n- {name: Dana Lee, team: support}\n";

    #[test]
    fn same_as_compares_people_through_the_directory() {
        let r = rule("{not: {field: approver, same_as: requested_by}}");
        for (approver, requester) in [
            ("rpatel", "Ravi Patel"),
            ("ravi.patel@example.com", "rpatel"),
            ("Dana Lee; RPATEL", "Ravi Patel"),
        ] {
            let got = with_people(&r, STAFF, &[(Approver, approver), (RequestedBy, requester)]);
            assert_eq!(got, ["failed"], "{approver} / {requester}");
        }
        let got = with_people(
            &r,
            STAFF,
            &[(Approver, "Dana Lee"), (RequestedBy, "rpatel")],
        );
        assert!(got.is_empty());
    }

    #[test]
    fn in_group_and_manager_of_ask_the_directory() {
        let on_call = rule("{field: approver, in_group: On-Call-Managers}");
        assert!(with_people(&on_call, STAFF, &[(Approver, "rpatel")]).is_empty());
        assert_eq!(
            with_people(&on_call, STAFF, &[(Approver, "Dana Lee")]),
            ["failed"]
        );
        // Any one approver of several in the group is enough.
        assert!(with_people(&on_call, STAFF, &[(Approver, "Dana Lee; rpatel")]).is_empty());
        // ... and a stranger beside them cannot change that, so nothing is said of them.
        assert!(with_people(&on_call, STAFF, &[(Approver, "Ravi Patel; Sam Stranger")]).is_empty());
        assert_eq!(
            with_people(&on_call, STAFF, &[(Approver, "Sam Stranger; Dana Lee")]),
            ["failed (cannot tell: approver `Sam Stranger` is not in the people directory)"]
        );
        let team = rule("{field: approver, in_group: support}");
        assert!(with_people(&team, STAFF, &[(Approver, "Dana Lee")]).is_empty());

        let not_manager = rule("{not: {field: approver, manager_of: grantee}}");
        assert_eq!(
            with_people(
                &not_manager,
                STAFF,
                &[(Approver, "Ravi Patel"), (Grantee, "Mina Chen")]
            ),
            ["failed"]
        );
        assert!(
            with_people(
                &not_manager,
                STAFF,
                &[(Approver, "Dana Lee"), (Grantee, "Mina Chen")]
            )
            .is_empty()
        );
        // What the directory cannot answer is said, never a silent pass.
        assert_eq!(
            with_people(
                &not_manager,
                STAFF,
                &[(Approver, "Dana Lee"), (Grantee, "Dana Lee")]
            ),
            [
                "grantee `Dana Lee` has no known `manager` in the people directory, so `r` cannot be checked"
            ]
        );
        assert_eq!(
            with_people(
                &not_manager,
                STAFF,
                &[(Approver, "Sam Stranger"), (Grantee, "Mina Chen")]
            ),
            ["approver `Sam Stranger` is not in the people directory, so `r` cannot be checked"]
        );
        let mut out = Vec::new();
        on_call.check(
            &grant(&[(Approver, "rpatel")]),
            &crate::rules::testing::context(),
            &mut out,
        );
        assert_eq!(
            out[0].message,
            "failed (cannot tell: the policy has no `people:` directory)"
        );
    }

    #[test]
    fn people_tests_are_validated() {
        let got = parse_text(concat!(
            "- {id: a, message: m, require: {field: ticket, in_group: x}}\n",
            "- {id: b, message: m, require: {field: approver, manager_of: ticket}}\n",
            "- {id: c, message: m, require: {field: approver, in_group: [x]}}\n",
            "- {id: d, message: m, require: {field: approver, in_gruop: x}}\n",
        ))
        .unwrap_err();
        assert_eq!(
            got,
            [
                "1:48 `in_group` tests a person, and ticket names none (use it on grantee, approver, requested_by or owner)",
                "2:62 `manager_of` names a person field, not ticket (e.g. `manager_of: grantee`)",
                "3:60 `in_group` takes a group's name, not a list (e.g. `in_group: on-call-managers`, a group of the people directory)",
                "4:50 unknown test `in_gruop` for a field (did you mean `in_group`?)",
            ]
        );
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
                "12:12 a condition has one key: field, present, missing, compare, all, any or not",
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

    /// Rules parsed with declared fields and calendars, or their located errors.
    fn parse_declared(fields: &str, rules: &str) -> Result<Vec<Arc<CustomRule>>, Vec<String>> {
        let (fsource, fnode) = Source::parsed("f.yaml", fields);
        let mut errors = Vec::new();
        let mut declared = Declarations::default();
        let mut calendars = Calendars::default();
        if let Value::Map(entries) = &fnode.value {
            for (k, v) in entries {
                match k.value.as_scalar() {
                    Some("fields") => {
                        super::super::fields::add_layer(&mut declared, &fsource, v, &mut errors)
                    }
                    Some("calendars") => calendars.add_layer(&fsource, v, &mut errors),
                    _ => {}
                }
            }
        }
        assert!(errors.is_empty());
        let node: Node = crate::core::node::parse(rules).unwrap();
        let vocabulary = Vocabulary {
            fields: &declared,
            calendars: &calendars,
        };
        let parsed = parse(&source(rules), &node, vocabulary, &mut errors);
        if errors.is_empty() {
            Ok(parsed.into_iter().map(Arc::new).collect())
        } else {
            Err(errors.iter().map(|e| e.brief(true)).collect())
        }
    }

    const DECLARED: &str = "fields:\n  ticket_closed: {type: time, from: [Ticket Closed]}\n  risk: number\n  vip: bool\n  tags: list\ncalendars:\n  business: {zone: Europe/Berlin, days: mon-fri, hours: '09:00-18:00'}\n";

    /// A grant with built-in fields and declared values by slot (see `DECLARED`).
    fn declared_grant(fields: &[(Field, &str)], declared: &[(usize, &str)]) -> Grant {
        use crate::grant::declared::Kind as K;
        let kinds = [K::Time, K::Number, K::Bool, K::List];
        let mut g = grant(fields);
        for (slot, text) in declared {
            g.set_declared(*slot, "x", kinds[*slot], text, Span::default());
        }
        g
    }

    fn declared_rule(require: &str) -> Arc<CustomRule> {
        let text = format!("- {{id: r, message: failed, require: {require}}}");
        parse_declared(DECLARED, &text)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .remove(0)
    }

    fn fails_declared(
        r: &Arc<CustomRule>,
        fields: &[(Field, &str)],
        declared: &[(usize, &str)],
    ) -> bool {
        !check(r, &declared_grant(fields, declared)).is_empty()
    }

    #[test]
    fn compare_times_with_a_duration_between_fields() {
        let r = declared_rule("{compare: 'ended_at <= ticket_closed + 15m'}");
        let ended = |t| [(EndedAt, t)];
        assert!(!fails_declared(
            &r,
            &ended("2026-11-23T10:15:00Z"),
            &[(0, "2026-11-23T10:00:00Z")]
        ));
        assert!(fails_declared(
            &r,
            &ended("2026-11-23T10:16:00Z"),
            &[(0, "2026-11-23T10:00:00Z")]
        ));
        assert!(
            fails_declared(&r, &[], &[(0, "2026-11-23T10:00:00Z")]),
            "never ended"
        );
        // An unreadable closing time is field-format's finding, not this rule's.
        assert!(!fails_declared(
            &r,
            &ended("2026-11-23T11:00:00Z"),
            &[(0, "when it closed")]
        ));
        let window = declared_rule("{compare: 'expires - start <= 4h'}");
        let g = |e| [(Start, "2026-11-23T10:00:00Z"), (Expires, e)];
        assert!(!fails_declared(&window, &g("2026-11-23T14:00:00Z"), &[]));
        assert!(fails_declared(&window, &g("2026-11-23T14:01:00Z"), &[]));
    }

    #[test]
    fn now_is_the_time_of_the_run() {
        // The tests' run is at 2026-11-24T12:00:00Z.
        let reviewed = declared_rule("{compare: 'ticket_closed >= now - 90d'}");
        assert!(!fails_declared(
            &reviewed,
            &[],
            &[(0, "2026-10-01T00:00:00Z")]
        ));
        assert!(fails_declared(
            &reviewed,
            &[],
            &[(0, "2026-08-01T00:00:00Z")]
        ));
        assert!(
            fails_declared(&reviewed, &[], &[]),
            "no value: does not hold"
        );
        let ahead = declared_rule("{compare: 'expires <= NOW + 30d'}");
        assert!(!fails_declared(
            &ahead,
            &[(Expires, "2026-12-24T12:00:00Z")],
            &[]
        ));
        assert!(fails_declared(
            &ahead,
            &[(Expires, "2026-12-24T12:01:00Z")],
            &[]
        ));
    }

    #[test]
    fn numbers_bools_and_lists_compare_by_their_type() {
        let r = declared_rule("{compare: 'risk < 7'}");
        assert!(!fails_declared(&r, &[], &[(1, "6.5")]));
        assert!(fails_declared(&r, &[], &[(1, "7")]));
        let vip = declared_rule("{field: vip, equals: true}");
        assert!(!fails_declared(&vip, &[], &[(2, "Yes")]));
        assert!(fails_declared(&vip, &[], &[(2, "no")]));
        assert!(
            !fails_declared(&vip, &[], &[(2, "perhaps")]),
            "unreadable: field-format says so"
        );
        let tags = declared_rule("{field: tags, equals: pci}");
        assert!(!fails_declared(&tags, &[], &[(3, "gdpr, PCI")]));
        assert!(fails_declared(&tags, &[], &[(3, "gdpr")]));
    }

    #[test]
    fn calendars_test_a_time_in_their_zone() {
        let r = declared_rule("{field: start, within: business}");
        // Monday 23 November 2026; Berlin is UTC+1.
        assert!(!fails_declared(&r, &[(Start, "2026-11-23T08:00:00Z")], &[]));
        assert!(fails_declared(&r, &[(Start, "2026-11-23T17:00:00Z")], &[]));
        assert!(fails_declared(&r, &[], &[]), "no start: not within");
        let closed = declared_rule("{field: ticket_closed, outside: business}");
        assert!(
            !fails_declared(&closed, &[], &[(0, "2026-11-28T10:00:00Z")]),
            "a Saturday"
        );
    }

    #[test]
    fn every_new_mistake_is_located() {
        let got = parse_declared(
            DECLARED,
            concat!(
                "- {id: a, message: m, require: {compare: 'ended_at <= tiket_closed + 15m'}}\n",
                "- {id: b, message: m, require: {compare: 'ended_at <= risk'}}\n",
                "- {id: c, message: m, require: {compare: 'ended_at ticket_closed'}}\n",
                "- {id: d, message: m, require: {compare: 'role < 3'}}\n",
                "- {id: e, message: m, require: {field: role, within: business}}\n",
                "- {id: f, message: m, require: {field: start, outside: busines}}\n",
                "- {id: g, message: m, require: {field: vip, equals: maybe}}\n",
                "- {id: h, message: m, require: {compare: '1 < 2'}}\n",
                "- {id: i, message: m, require: {compare: 'risk + 15m > 3'}}\n",
                "- {id: j, message: m, require: {compare: 'risk < now'}}\n",
                "- {id: k, message: m, require: {compare: 'expires <= now + month'}}\n",
            ),
        )
        .unwrap_err();
        assert_eq!(
            got,
            [
                "1:42 `tiket_closed` is neither a field nor a value (did you mean `ticket_closed`?)",
                "2:42 `ended_at <= risk` compares a time with a number (both sides must be times, durations or numbers alike)",
                "3:42 `ended_at ticket_closed` needs one comparison: <, <=, >, >=, == or !=, found 0 (write e.g. \"ended_at <= ticket_closed + 15m\", with spaces between the words)",
                "4:42 role is text, and only times, durations and numbers compare (declare it with `type: time`, `duration` or `number` under `fields:`)",
                "5:46 `within` tests a time, and role is text (name a time field such as start, or one declared with `type: time`)",
                "6:56 no calendar is named `busines` (did you mean `business`?)",
                "7:53 vip is a bool field, so it equals true or false, not `maybe`",
                "8:32 `require` names no field, so it would judge every grant alike (compare a field, e.g. `compare: \"ended_at <= ticket_closed + 15m\"`)",
                "9:42 cannot add a duration to a number (a time takes a duration added or subtracted; a time minus a time is a duration)",
                "10:42 `risk < now` compares a number with a time (both sides must be times, durations or numbers alike)",
                "11:42 `month` is neither a field nor a value (name a time, duration or number field, `now`, or a value such as 15m, 3 or 2026-11-23T10:00:00Z)",
            ]
        );
    }
}
