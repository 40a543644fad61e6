//! `overrides:` settings for the grants whose fields match (any built-in field, or one the
//! policy declares under `fields:`), applied in order over the base policy (later entries win, key by key). Overrides are few and grants
//! many, so each distinct combination of matching overrides is built once per run and shared.

use std::sync::Arc;

use regex::{Regex, RegexBuilder};

use super::{ActiveRule, Policy, RuleMap, build_rules};
use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::core::span::Span;
use crate::grant::Grant;
use crate::grant::declared::{Declarations, FieldRef, Kind, Typed};

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
    field: FieldRef,
    pattern: Regex,
    bool: Option<bool>,
}

impl Override {
    /// True when the grant has every field the override names, each matching its pattern.
    fn matches(&self, grant: &Grant) -> bool {
        self.matchers.iter().all(|m| match m.bool {
            Some(b) => m.field.typed(grant) == Some(Typed::Bool(b)),
            None => m
                .field
                .text(grant)
                .is_some_and(|value| m.pattern.is_match(value)),
        })
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
    let most = crate::load::limits::MAX_PATTERN_SIZE;
    RegexBuilder::new(&regex)
        .case_insensitive(true)
        .size_limit(most)
        .dfa_size_limit(most)
        .build()
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
        // The grant field aliases (`env`, `permission_set`, …) work here too.
        let Some(field) = fields.resolve(name) else {
            errors.push(PolicyError::new(
                source,
                Some(span(&key)),
                format!("an override cannot match on `{name}`"),
                did_you_mean(name, fields.names()).or_else(|| {
                    Some(
                        "overrides match on grant fields and those declared under `fields:`".into(),
                    )
                }),
            ));
            continue;
        };
        let pattern = match &value.value {
            Value::Bool(b) if field.kind() == Kind::Bool => {
                let pattern = compile(&b.to_string()).ok()?;
                matchers.push(Matcher {
                    field,
                    pattern,
                    bool: Some(*b),
                });
                continue;
            }
            Value::Text(p) | Value::Number(p) => p,
            other => {
                errors.push(PolicyError::new(
                    source,
                    Some(span(&value)),
                    format!(
                        "the pattern for {} must be text, not {}",
                        field.name(),
                        other.kind()
                    ),
                    Some("for several values write one regex, such as \"/prod|staging/\"".into()),
                ));
                continue;
            }
        };
        let bool = match (
            field.kind(),
            crate::grant::declared::read(Kind::Bool, pattern, 0),
        ) {
            (Kind::Bool, Ok(Typed::Bool(b))) => Some(b),
            _ => None,
        };
        match compile(pattern) {
            Ok(pattern) => matchers.push(Matcher {
                field,
                pattern,
                bool,
            }),
            Err(e) => errors.push(PolicyError::new(
                source,
                Some(span(&value)),
                format!("invalid regex for {}: {e}", field.name()),
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

/// Builds each override over the base once, so that every setting in it is validated (and
/// located) before any grant is read; later combinations cannot fail.
pub(super) fn validate(
    overrides: &[Override],
    base: &[RuleMap],
    custom: &[Arc<super::custom::CustomRule>],
    cross_grant: &[&str],
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
            .filter(|(_, o)| o.matches(grant))
            .fold(0, |mask, (i, _)| mask | (1 << i))
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
}
