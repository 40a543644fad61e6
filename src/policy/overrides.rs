//! `overrides:` settings for the grants whose fields match (any built-in field, or one the
//! policy declares under `fields:`), applied in order over the base policy (later entries win, key by key). Overrides are few and grants
//! many, so each distinct combination of matching overrides is built once per run and shared.

use std::sync::Arc;

use regex::Regex;

use super::{ActiveRule, Policy, RuleMap, build_rules};
use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::core::span::Span;
use crate::grant::declared::{Declarations, FieldRef, Kind, Typed};
use crate::grant::{Field, Grant};
use crate::policy::custom::each_person;
use crate::rules::people::{Directory, PERSON_FIELDS, Person};

/// A grant's matching overrides are kept as bits of a `u64`.
pub const MAX_OVERRIDES: usize = 64;

/// One entry of `overrides:`.
pub struct Override {
    pub(super) source: Source,
    /// The entry itself, for errors about it as a whole.
    at: Span,
    matchers: Vec<Matcher>,
    pub(super) rules: Vec<(Node, Node)>,
}

/// A field and the pattern its value must match. A declared bool field matches `true` or
/// `false` by what its value reads as (`yes`, `1`, `true` alike).
struct Matcher {
    target: Target,
    pattern: Regex,
    bool: Option<bool>,
    /// The pattern as written when it is a plain name (no `*`, not `/…/`): groups, teams and
    /// managers are then compared through the directory, as `in_group` compares them.
    plain: Option<String>,
}

/// What a `match` key reads: a grant field, or an attribute of the person a field names.
enum Target {
    Field(FieldRef),
    /// `approver.team`: read from the people directory for each person the field names;
    /// with where the key is written, for the error when the policy has no directory.
    Person(FieldRef, Attribute, Span),
}

/// The people-directory attributes an override can match (`approver.team`).
#[derive(Clone, Copy, PartialEq)]
enum Attribute {
    Team,
    Groups,
    Manager,
    Active,
}

const ATTRIBUTES: [(&str, Attribute); 4] = [
    ("team", Attribute::Team),
    ("groups", Attribute::Groups),
    ("manager", Attribute::Manager),
    ("active", Attribute::Active),
];

impl Matcher {
    fn matches(&self, grant: &Grant, people: Option<&Directory>) -> bool {
        match &self.target {
            Target::Field(field) => match self.bool {
                Some(b) => field.typed(grant) == Some(Typed::Bool(b)),
                None => field
                    .text(grant)
                    .is_some_and(|value| self.pattern.is_match(value)),
            },
            // A person the directory does not know matches nothing: the override is left out
            // and the base policy applies, never a relaxation for someone unknown.
            Target::Person(field, attribute, _) => {
                let Some(people) = people else {
                    return false;
                };
                let mut hit = false;
                each_person(grant, field, |name| {
                    hit = hit
                        || people
                            .find(name)
                            .is_some_and(|p| self.person_matches(p, *attribute, people));
                });
                hit
            }
        }
    }

    fn person_matches(&self, person: &Person, attribute: Attribute, people: &Directory) -> bool {
        let group = |g: &str| {
            self.pattern.is_match(g)
                || self
                    .plain
                    .as_deref()
                    .is_some_and(|p| crate::rules::people::same_group(p, g))
        };
        match attribute {
            Attribute::Team => person.team.as_deref().is_some_and(group),
            // Like `in_group`: a person's team counts among their groups.
            Attribute::Groups => person.groups.iter().chain(&person.team).any(|g| group(g)),
            Attribute::Manager => person.manager.as_deref().is_some_and(|m| {
                self.pattern.is_match(m)
                    || people
                        .find(m)
                        .is_some_and(|boss| self.pattern.is_match(&boss.name))
                    || self
                        .plain
                        .as_deref()
                        .is_some_and(|p| people.same_person(p, m))
            }),
            Attribute::Active => self.bool == Some(person.active),
        }
    }
}

impl Override {
    /// True when the grant has every field the override names, each matching its pattern.
    fn matches(&self, grant: &Grant, people: Option<&Directory>) -> bool {
        self.matchers.iter().all(|m| m.matches(grant, people))
    }
}

/// Compiles a `match` value: `/…/` is a regular expression, anything else a whole-value glob
/// where `*` stands for any text. Both ignore case, like every other comparison in a policy.
fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    let regex = match pattern
        .strip_prefix('/')
        .and_then(|rest| rest.strip_suffix('/'))
    {
        Some(regex) => regex.to_string(),
        None => {
            let parts: Vec<String> = pattern.trim().split('*').map(regex::escape).collect();
            format!("^{}$", parts.join(".*"))
        }
    };
    // Bounded as custom rules' patterns are: 64 overrides of 10 MB patterns took gigabytes.
    crate::load::limits::bounded_regex(&regex, true)
}

/// Reads the `overrides:` list of one policy file, reporting every problem in it.
pub(super) fn parse(
    source: &Source,
    list: Node,
    fields: &Declarations,
    errors: &mut Vec<PolicyError>,
) -> Vec<Override> {
    let items = match list.value {
        Value::List(items) => items,
        Value::Null => return Vec::new(),
        ref other => {
            errors.push(PolicyError::new(
                source,
                Some(span(&list)),
                format!(
                    "`overrides` is a list of {{match, rules}} entries, not {}",
                    other.kind()
                ),
                Some("write `- match: {environment: prod}` and `rules: {…}` under it".into()),
            ));
            return Vec::new();
        }
    };
    // One past the limit is enough to say where it is passed; a policy of thousands is not
    // compiled to be refused (see `validate`).
    items
        .into_iter()
        .take(MAX_OVERRIDES + 1)
        .filter_map(|item| parse_one(source, item, fields, errors))
        .collect()
}

fn parse_one(
    source: &Source,
    item: Node,
    fields: &Declarations,
    errors: &mut Vec<PolicyError>,
) -> Option<Override> {
    let at = span(&item);
    let Value::Map(entries) = item.value else {
        errors.push(PolicyError::new(
            source,
            Some(at),
            format!(
                "an override is a mapping with `match` and `rules`, not {}",
                item.value.kind()
            ),
            None,
        ));
        return None;
    };
    let mut matchers = None;
    let mut rules = None;
    for (key, value) in entries {
        match key.value.as_scalar().unwrap_or("") {
            "match" => matchers = Some(parse_match(source, value, fields, errors)),
            "rules" => match value.value {
                Value::Map(entries) => rules = Some(entries),
                ref other => errors.push(PolicyError::new(
                    source,
                    Some(span(&value)),
                    format!(
                        "`rules` of an override is a mapping from rule id to its settings, not {}",
                        other.kind()
                    ),
                    None,
                )),
            },
            other => errors.push(PolicyError::new(
                source,
                Some(span(&key)),
                format!("unknown key `{other}` in an override"),
                did_you_mean(other, ["match", "rules"]).or_else(|| {
                    Some(
                        "an override has `match` (which grants) and `rules` (their settings)"
                            .into(),
                    )
                }),
            )),
        }
    }
    if matchers.is_none() || rules.is_none() {
        errors.push(PolicyError::new(
            source,
            Some(at),
            "an override needs both `match` and `rules`",
            Some(
                "e.g. `- match: {environment: prod}` with `rules: {window-max: {max: 1h}}`".into(),
            ),
        ));
    }
    // The rules are kept even when `match` is wrong, so that their settings are validated
    // too; the errors already reported stop the policy from ever being used.
    Some(Override {
        source: source.clone(),
        at,
        matchers: matchers.flatten().unwrap_or_default(),
        rules: rules?,
    })
}

/// Reads `match:`; `None` when it has a problem (already reported).
fn parse_match(
    source: &Source,
    node: Node,
    fields: &Declarations,
    errors: &mut Vec<PolicyError>,
) -> Option<Vec<Matcher>> {
    let at = span(&node);
    let Value::Map(entries) = node.value else {
        errors.push(PolicyError::new(
            source,
            Some(at),
            format!(
                "`match` is a mapping of fields to a pattern each, not {}",
                node.value.kind()
            ),
            Some("write e.g. `match: {environment: prod, role: \"/admin|owner/\"}`".into()),
        ));
        return None;
    };
    let before = errors.len();
    let mut matchers = Vec::new();
    for (key, value) in entries {
        let name = key.value.as_scalar().unwrap_or("");
        let Some(target) = parse_target(source, &key, name, fields, errors) else {
            continue;
        };
        let kind = match &target {
            Target::Field(field) => field.kind(),
            Target::Person(_, Attribute::Active, _) => Kind::Bool,
            Target::Person(..) => Kind::Text,
        };
        let pattern = match &value.value {
            Value::Bool(b) if kind == Kind::Bool => {
                let pattern = compile(&b.to_string()).ok()?;
                matchers.push(Matcher {
                    target,
                    pattern,
                    bool: Some(*b),
                    plain: None,
                });
                continue;
            }
            Value::Text(p) | Value::Number(p) => p,
            other => {
                errors.push(PolicyError::new(
                    source,
                    Some(span(&value)),
                    format!("the pattern for {name} must be text, not {}", other.kind()),
                    Some("for several values write one regex, such as \"/prod|staging/\"".into()),
                ));
                continue;
            }
        };
        let bool = match (kind, crate::grant::declared::read(Kind::Bool, pattern, 0)) {
            (Kind::Bool, Ok(Typed::Bool(b))) => Some(b),
            _ => None,
        };
        if matches!(target, Target::Person(_, Attribute::Active, _)) && bool.is_none() {
            errors.push(PolicyError::new(
                source,
                Some(span(&value)),
                format!("{name} is true or false, not `{pattern}`"),
                Some(format!(
                    "write `{name}: false` for people the directory marks inactive"
                )),
            ));
            continue;
        }
        let plain = (!pattern.contains('*') && !pattern.starts_with('/'))
            .then(|| pattern.trim().to_string());
        match compile(pattern) {
            Ok(pattern) => matchers.push(Matcher {
                target,
                pattern,
                bool,
                plain,
            }),
            Err(e) => errors.push(PolicyError::new(
                source,
                Some(span(&value)),
                format!("invalid regex for {name}: {e}"),
                None,
            )),
        }
    }
    if errors.len() > before {
        return None;
    }
    if matchers.is_empty() {
        errors.push(PolicyError::new(
            source,
            Some(at),
            "`match` names no field, so the override would apply to every grant",
            Some(
                "match on a field such as role, environment or tenant, or change `rules:` instead"
                    .into(),
            ),
        ));
        return None;
    }
    Some(matchers)
}

/// Reads a `match` key: a grant field (built-in, alias or declared), or a person field and
/// one of the directory's attributes (`approver.team`); `None` when wrong (reported).
fn parse_target(
    source: &Source,
    key: &Node,
    name: &str,
    fields: &Declarations,
    errors: &mut Vec<PolicyError>,
) -> Option<Target> {
    let Some((person, attribute)) = name.split_once('.') else {
        // The grant field aliases (`env`, `permission_set`, …) work here too.
        let field = fields.resolve(name);
        if field.is_none() {
            errors.push(PolicyError::new(
                source,
                Some(span(key)),
                format!("an override cannot match on `{name}`"),
                did_you_mean(name, fields.names()).or_else(|| {
                    Some(
                        "overrides match on grant fields, those declared under `fields:`, and people's `team`, `groups`, `manager` or `active` (`approver.team`)".into(),
                    )
                }),
            ));
        }
        return field.map(Target::Field);
    };
    let field = fields
        .resolve(person)
        .filter(|f| f.builtin().is_some_and(|b| PERSON_FIELDS.contains(&b)));
    let Some(field) = field else {
        errors.push(PolicyError::new(
            source,
            Some(span(key)),
            format!("`{person}` names no person, so an override cannot match `{name}`"),
            did_you_mean(person, PERSON_FIELDS.iter().map(|f| f.name())).or_else(|| {
                Some("people's attributes are read for grantee, approver, requested_by and owner (e.g. `approver.team`)".into())
            }),
        ));
        return None;
    };
    match ATTRIBUTES.iter().find(|(a, _)| *a == attribute) {
        Some((_, attribute)) => Some(Target::Person(field, *attribute, span(key))),
        None => {
            errors.push(PolicyError::new(
                source,
                Some(span(key)),
                format!("an override cannot match a person's `{attribute}`"),
                did_you_mean(attribute, ATTRIBUTES.iter().map(|(a, _)| *a)).or_else(|| {
                    Some(format!(
                        "the people directory answers `{person}.team`, `{person}.groups`, `{person}.manager` and `{person}.active`"
                    ))
                }),
            ));
            None
        }
    }
}

/// Builds each override over the base once, so that every setting in it is validated (and
/// located) before any grant is read; later combinations cannot fail.
pub(super) fn validate(
    overrides: &[Override],
    base: &[RuleMap],
    custom: &[Arc<super::custom::CustomRule>],
    cross_grant: &[&str],
    has_people: bool,
    errors: &mut Vec<PolicyError>,
) {
    if let Some(extra) = overrides.get(MAX_OVERRIDES) {
        errors.push(PolicyError::new(
            &extra.source,
            Some(extra.at),
            format!("a policy can have at most {MAX_OVERRIDES} overrides"),
            Some("combine overrides with a regex such as \"/prod|staging/\"".into()),
        ));
        // Building hundreds of rule sets only to refuse the policy would take minutes.
        return;
    }
    for o in overrides {
        for m in o.matchers.iter().filter(|_| !has_people) {
            if let Target::Person(field, attribute, at) = &m.target {
                let attribute = ATTRIBUTES
                    .iter()
                    .find(|(_, a)| a == attribute)
                    .map_or("", |(n, _)| *n);
                errors.push(PolicyError::new(
                    &o.source,
                    Some(*at),
                    format!(
                        "`{}.{attribute}` is read from the people directory, and the policy has none",
                        field.name()
                    ),
                    Some("add `people:` (a list, or a YAML, JSON or CSV file) with each person's team, groups and manager".into()),
                ));
            }
        }
        for (key, _) in &o.rules {
            if let Some(id) = key.value.as_scalar().filter(|id| cross_grant.contains(id)) {
                errors.push(PolicyError::new(
                    &o.source,
                    Some(span(key)),
                    format!("{id} looks at all grants together, so an override cannot change it"),
                    Some(format!("set {id} in the policy's `rules:` instead")),
                ));
            }
        }
        let mut maps = base.to_vec();
        maps.push((&o.source, o.rules.as_slice()));
        build_rules(&maps, custom, errors);
    }
}

impl Policy {
    /// The overrides that match the grant, as bits.
    fn overrides_matching(&self, grant: &Grant) -> u64 {
        self.overrides
            .iter()
            .take(MAX_OVERRIDES)
            .enumerate()
            .filter(|(_, o)| o.matches(grant, self.people.as_deref()))
            .fold(0, |mask, (i, _)| mask | (1 << i))
    }

    /// Whether some override matches on `field`, itself or a person it names
    /// (`approver.team`): a value of it not known (a `.tf` expression) leaves unknown which
    /// overrides apply.
    pub fn overrides_match_on(&self, field: Field) -> bool {
        self.overrides
            .iter()
            .take(MAX_OVERRIDES)
            .flat_map(|o| &o.matchers)
            .any(|m| match &m.target {
                Target::Field(f) | Target::Person(f, ..) => f.builtin() == Some(field),
            })
    }

    /// How many overrides the policy has, across all its layers.
    pub fn override_count(&self) -> usize {
        self.overrides.len()
    }
}

/// The rules that apply to each grant. One per checking thread: it remembers the
/// combinations it has met, so the shared cache in the policy is locked once per combination
/// per thread, not once per grant.
pub struct RuleSets<'p> {
    policy: &'p Policy,
    met: Vec<(u64, Arc<Vec<ActiveRule>>)>,
}

impl<'p> RuleSets<'p> {
    pub fn new(policy: &'p Policy) -> RuleSets<'p> {
        RuleSets {
            policy,
            met: Vec::new(),
        }
    }

    /// The active rules, with their severities and settings, for this grant.
    pub fn for_grant(&mut self, grant: &Grant) -> &[ActiveRule] {
        let mask = self.policy.overrides_matching(grant);
        if mask == 0 {
            return &self.policy.rules;
        }
        let index = match self.met.iter().position(|(m, _)| *m == mask) {
            Some(index) => index,
            None => {
                self.met.push((mask, self.policy.combination(mask)));
                self.met.len() - 1
            }
        };
        &self.met[index].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::grant::Field;
    use crate::rules::testing::grant;

    fn policy(text: &str) -> Policy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grantlint.yaml");
        std::fs::write(&path, text).unwrap();
        Policy::load(Some(&path)).unwrap_or_else(|e| panic!("{:?}", e.errors))
    }

    /// A grant with a 2h window and the given fields.
    fn two_hours(fields: &[(Field, &str)]) -> Grant {
        let mut all = vec![
            (Field::Start, "2026-11-23T10:00:00Z"),
            (Field::Expires, "2026-11-23T12:00:00Z"),
        ];
        all.extend_from_slice(fields);
        grant(&all)
    }

    /// The ids of the rules on for such a grant.
    fn active(policy: &Policy, fields: &[(Field, &str)]) -> Vec<String> {
        let g = two_hours(fields);
        RuleSets::new(policy)
            .for_grant(&g)
            .iter()
            .map(|r| r.id.to_string())
            .collect()
    }

    /// What window-max says about such a grant, with its severity.
    fn verdict(policy: &Policy, fields: &[(Field, &str)]) -> Vec<String> {
        let g = two_hours(fields);
        let mut sets = RuleSets::new(policy);
        let context = crate::rules::Context {
            now: crate::rules::testing::now(),
            people: None,
        };
        let mut out = Vec::new();
        for active in sets.for_grant(&g) {
            if active.id == "window-max" {
                let mut violations = Vec::new();
                active.rule.check(&g, &context, &mut violations);
                for v in violations {
                    out.push(format!(
                        "{} {}: {}",
                        active.severity.name(),
                        active.id,
                        v.message
                    ));
                }
            }
        }
        out
    }

    const TWO: &str = "version: 1\nrules:\n  window-max: {max: 3h}\noverrides:\n  - match: {environment: prod}\n    rules: {window-max: {max: 1h, severity: warning}}\n  - match: {environment: prod, role: admin}\n    rules: {window-max: {max: 90m}}\n";

    #[test]
    fn no_match_keeps_the_base_settings() {
        let p = policy(TWO);
        assert_eq!(
            verdict(&p, &[(Field::Environment, "test")]),
            Vec::<String>::new()
        );
        // A grant without the field does not match, whatever the pattern.
        let p =
            policy("overrides:\n  - match: {tenant: '*'}\n    rules: {window-max: {max: 1h}}\n");
        assert_eq!(verdict(&p, &[]), Vec::<String>::new());
    }

    #[test]
    fn a_later_override_wins_and_settings_merge_key_by_key() {
        let p = policy(TWO);
        assert_eq!(
            verdict(&p, &[(Field::Environment, "prod")]),
            ["warning window-max: access window is 2h, above the 1h maximum"]
        );
        // The second override sets `max` only: the first one's severity stays.
        assert_eq!(
            verdict(&p, &[(Field::Environment, "prod"), (Field::Role, "admin")]),
            ["warning window-max: access window is 2h, above the 1h30m maximum"]
        );
        // Reversed, the broader override comes last and wins.
        let reversed = "overrides:\n  - match: {environment: prod, role: admin}\n    rules: {window-max: {max: 90m}}\n  - match: {environment: prod}\n    rules: {window-max: {max: 1h, severity: warning}}\n";
        assert_eq!(
            verdict(
                &policy(reversed),
                &[(Field::Environment, "prod"), (Field::Role, "admin")]
            ),
            ["warning window-max: access window is 2h, above the 1h maximum"]
        );
    }

    #[test]
    fn an_override_can_turn_a_rule_off_or_back_on() {
        let p = policy(
            "rules:\n  window-max: {max: 1h}\noverrides:\n  - match: {tenant: acme}\n    rules: {window-max: off}\n  - match: {environment: prod}\n    rules: {window-max: error}\n",
        );
        assert_eq!(
            verdict(&p, &[(Field::Tenant, "acme")]),
            Vec::<String>::new()
        );
        assert_eq!(
            verdict(&p, &[(Field::Tenant, "acme"), (Field::Environment, "prod")]),
            ["error window-max: access window is 2h, above the 1h maximum"]
        );
        assert_eq!(verdict(&p, &[(Field::Tenant, "other")]).len(), 1);
    }

    #[test]
    fn globs_match_the_whole_value_ignoring_case() {
        let p = policy(
            "overrides:\n  - match: {tenant: '*-test'}\n    rules: {window-max: {max: 1h}, ticket-linked: off}\n",
        );
        assert_eq!(verdict(&p, &[(Field::Tenant, "ACME-Test")]).len(), 1);
        assert_eq!(
            verdict(&p, &[(Field::Tenant, "acme-test-2")]),
            Vec::<String>::new()
        );
        assert_eq!(
            verdict(&p, &[(Field::Tenant, "acme-prod")]),
            Vec::<String>::new()
        );
        assert!(
            !active(&p, &[(Field::Tenant, "acme-test")])
                .iter()
                .any(|r| r == "ticket-linked")
        );
        assert!(
            active(&p, &[(Field::Tenant, "acme-prod")])
                .iter()
                .any(|r| r == "ticket-linked")
        );
        // Plain text is an exact (case-insensitive) match, not a substring.
        let p = policy(
            "overrides:\n  - match: {environment: Prod}\n    rules: {window-max: {max: 1h}}\n",
        );
        assert_eq!(verdict(&p, &[(Field::Environment, "PROD")]).len(), 1);
        assert_eq!(
            verdict(&p, &[(Field::Environment, "preprod")]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn slashes_make_a_regex_that_searches_ignoring_case() {
        let p = policy(
            "overrides:\n  - match: {environment: prod, role: \"/admin|owner/\"}\n    rules: {window-max: {max: 1h}}\n",
        );
        for role in ["tenant-admin", "Owner", "ADMIN"] {
            assert_eq!(
                verdict(&p, &[(Field::Environment, "prod"), (Field::Role, role)]).len(),
                1,
                "{role}"
            );
        }
        assert_eq!(
            verdict(&p, &[(Field::Environment, "prod"), (Field::Role, "reader")]),
            Vec::<String>::new()
        );
        // Both fields must match.
        assert_eq!(
            verdict(&p, &[(Field::Environment, "test"), (Field::Role, "admin")]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn too_many_overrides_are_refused_at_the_first_one_past_the_limit() {
        let mut text = String::from("version: 1\noverrides:\n");
        for i in 0..4000 {
            text.push_str(&format!(
                "  - match: {{tenant: t-{i}}}\n    rules: {{window-max: {{max: 1h}}}}\n"
            ));
        }
        let errors = Policy::from_text("p.yaml", &text).err().unwrap().errors;
        let briefs: Vec<String> = errors.iter().map(|e| e.brief(false)).collect();
        // Two lines an override from line 3 on: the 65th starts at line 3 + 64 * 2.
        assert_eq!(briefs, ["131:5 a policy can have at most 64 overrides"]);
    }

    #[test]
    fn the_fields_overrides_match_on_are_known_by_alias_and_through_people() {
        let p = policy(TWO);
        assert!(p.overrides_match_on(Field::Environment));
        assert!(p.overrides_match_on(Field::Role));
        assert!(!p.overrides_match_on(Field::Tenant));
        let p = people_policy("approver.team: sre, env: prod");
        assert!(p.overrides_match_on(Field::Approver));
        assert!(p.overrides_match_on(Field::Environment));
        assert!(!p.overrides_match_on(Field::Role));
        assert!(!policy("version: 1\n").overrides_match_on(Field::Tenant));
    }

    #[test]
    fn each_combination_is_built_once() {
        let p = policy(TWO);
        let prod = grant(&[(Field::Environment, "prod")]);
        let mut a = RuleSets::new(&p);
        let mut b = RuleSets::new(&p);
        let first = a.for_grant(&prod).as_ptr();
        assert_eq!(b.for_grant(&prod).as_ptr(), first);
        assert_eq!(a.for_grant(&prod).as_ptr(), first);
        assert_eq!(p.combinations.lock().unwrap().len(), 1);
        assert_eq!(
            a.for_grant(&prod)
                .iter()
                .find(|r| r.id == "window-max")
                .unwrap()
                .severity,
            Severity::Warning
        );
    }

    const PEOPLE: &str = "people:\n  - {name: Ravi Patel, handles: [rpatel], team: SRE, groups: [On-call managers]}\n  - {name: Mina Chen, manager: rpatel, groups: [contractors]}\n  - {name: Old Timer, active: false}\n";

    /// A policy with the directory above and one override over window-max.
    fn people_policy(matched: &str) -> Policy {
        policy(&format!(
            "{PEOPLE}overrides:\n  - match: {{{matched}}}\n    rules: {{window-max: {{max: 1h}}}}\n"
        ))
    }

    /// Whether the override applies to a grant with these fields.
    fn applies(p: &Policy, fields: &[(Field, &str)]) -> bool {
        verdict(p, fields).len() == 1
    }

    #[test]
    fn person_attributes_match_through_the_directory() {
        let team = people_policy("approver.team: sre");
        // A handle is the person; any approver of several will do.
        assert!(applies(&team, &[(Field::Approver, "rpatel")]));
        assert!(applies(
            &team,
            &[(Field::Approver, "Mina Chen; Ravi Patel")]
        ));
        assert!(!applies(&team, &[(Field::Approver, "Mina Chen")]));
        // Not a person of the directory, or no approver at all: the base policy applies.
        assert!(!applies(&team, &[(Field::Approver, "SRE")]));
        assert!(!applies(&team, &[]));

        // Groups compare like in_group: case, spaces and dashes aside, the team among them.
        let groups = people_policy("grantee.groups: on-call-managers");
        assert!(applies(&groups, &[(Field::Grantee, "Ravi Patel")]));
        assert!(!applies(&groups, &[(Field::Grantee, "Mina Chen")]));
        assert!(applies(
            &people_policy("grantee.groups: sre"),
            &[(Field::Grantee, "rpatel")]
        ));
        let glob = people_policy("grantee.groups: 'contract*'");
        assert!(applies(&glob, &[(Field::Grantee, "Mina Chen")]));

        // The manager by any of their names, or by the name the directory gives them.
        for manager in ["Ravi Patel", "rpatel", "/patel/"] {
            let p = people_policy(&format!("grantee.manager: '{manager}'"));
            assert!(applies(&p, &[(Field::Grantee, "Mina Chen")]), "{manager}");
            assert!(!applies(&p, &[(Field::Grantee, "Ravi Patel")]), "{manager}");
        }

        let inactive = people_policy("approver.active: false");
        assert!(applies(&inactive, &[(Field::Approver, "old timer")]));
        assert!(!applies(&inactive, &[(Field::Approver, "Mina Chen")]));
        assert!(!applies(&inactive, &[(Field::Approver, "Nobody Known")]));
        // With other keys, every one must match.
        let both = people_policy("approver.team: sre, environment: prod");
        assert!(!applies(&both, &[(Field::Approver, "rpatel")]));
        assert!(applies(
            &both,
            &[(Field::Approver, "rpatel"), (Field::Environment, "prod")]
        ));
    }

    #[test]
    fn person_attribute_keys_are_validated_where_written() {
        let text = format!(
            "{PEOPLE}overrides:\n  - match: {{approver.tema: sre}}\n    rules: {{window-max: off}}\n  - match: {{aprover.team: sre}}\n    rules: {{window-max: off}}\n  - match: {{ticket.team: sre}}\n    rules: {{window-max: off}}\n  - match: {{owner.active: maybe}}\n    rules: {{window-max: off}}\n"
        );
        let errors = Policy::from_text("p.yaml", &text).err().unwrap().errors;
        let briefs: Vec<String> = errors.iter().map(|e| e.brief(true)).collect();
        assert_eq!(
            briefs,
            [
                "6:13 an override cannot match a person's `tema` (did you mean `team`?)",
                "8:13 `aprover` names no person, so an override cannot match `aprover.team` (did you mean `approver`?)",
                "10:13 `ticket` names no person, so an override cannot match `ticket.team` (people's attributes are read for grantee, approver, requested_by and owner (e.g. `approver.team`))",
                "12:27 owner.active is true or false, not `maybe` (write `owner.active: false` for people the directory marks inactive)",
            ]
        );
        // Without a directory the override could never match: said at its key.
        let text = "overrides:\n  - match: {approver.groups: sre}\n    rules: {window-max: off}\n";
        let errors = Policy::from_text("p.yaml", text).err().unwrap().errors;
        let briefs: Vec<String> = errors.iter().map(|e| e.brief(false)).collect();
        assert_eq!(
            briefs,
            ["2:13 `approver.groups` is read from the people directory, and the policy has none"]
        );
    }
}
