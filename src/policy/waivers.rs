//! Waivers: reviewed, expiring exceptions to a rule for some grants or tenants. They are read
//! from the policy's `waivers:` key or from a `--waivers` file of the same shape:
//!
//! ```yaml
//! waivers:
//!   max_days: 90            # policy only: how far ahead `expires` may be
//!   entries:
//!     - rule: window-max
//!       grant: SUP-1*       # glob; `tenant:` works too, and both must match when both given
//!       reason: migration needs a full working day, INC-4411
//!       approver: Dana Whitfield
//!       expires: 2026-12-15
//! ```
//!
//! A plain list under `waivers:` is the same as `entries:`. Whether a waiver has expired, or
//! reaches too far ahead, depends on the run's `--now`; `crate::suppress` decides that.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use globset::{GlobBuilder, GlobMatcher};

use super::PolicyErrors;
use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::core::span::Span;
use crate::rules;

/// How far ahead a waiver may expire unless the policy says otherwise.
pub const DEFAULT_MAX_DAYS: i64 = 90;

const ENTRY_KEYS: [&str; 6] = ["rule", "grant", "tenant", "reason", "approver", "expires"];

/// Every waiver of a run, with the policy's limit on how long one may last.
#[derive(Default)]
pub struct Waivers {
    /// Set by the policy (`waivers: {max_days: …}`); `None` means [`DEFAULT_MAX_DAYS`].
    pub max_days: Option<i64>,
    pub entries: Vec<Waiver>,
}

impl Waivers {
    pub fn max_days(&self) -> i64 {
        self.max_days.unwrap_or(DEFAULT_MAX_DAYS)
    }

    /// Adds a later layer's waivers; its `max_days`, when set, wins.
    pub fn extend(&mut self, later: Waivers) {
        self.max_days = later.max_days.or(self.max_days);
        self.entries.extend(later.entries);
    }

    /// Reads a `--waivers` file: `waivers:` (a list, or `entries:`) and an optional
    /// `version: 1`. The limit on `expires` stays the policy's business.
    pub fn load_file(path: &Path) -> Result<Waivers, PolicyErrors> {
        let name = path.display().to_string();
        let text =
            crate::core::files::read_policy_file(path, None).map_err(|refused| PolicyErrors {
                errors: vec![PolicyError::new(
                    &Source {
                        name: name.clone(),
                        text: Arc::from(""),
                    },
                    None,
                    format!("cannot read the waiver file: {}", refused.message),
                    Some(
                        refused
                            .help
                            .unwrap_or("check the path given to --waivers")
                            .into(),
                    ),
                )],
            })?;
        let source = Source {
            name,
            text: Arc::from(text),
        };
        let mut errors = Vec::new();
        let mut waivers = Waivers::default();
        match super::parse_yaml(&source, &mut errors) {
            Some(Node {
                value: Value::Map(entries),
                ..
            }) => {
                for (key, value) in &entries {
                    match key.value.as_scalar() {
                        Some("waivers") => waivers.read(&source, value, &mut errors),
                        Some("version") if value.value.as_scalar() == Some("1") => {}
                        other => errors.push(PolicyError::new(
                            &source,
                            Some(span(key)),
                            format!("unknown key `{}` in a waiver file", other.unwrap_or("")),
                            Some("a waiver file has `waivers:` and optionally `version: 1`".into()),
                        )),
                    }
                }
                if waivers.max_days.take().is_some() {
                    errors.push(PolicyError::new(
                        &source,
                        None,
                        "`max_days` belongs in the policy, not in a waiver file",
                        Some("a waiver must not set its own limit; move `max_days` to the policy's `waivers:`".into()),
                    ));
                }
            }
            Some(other) => errors.push(PolicyError::new(
                &source,
                Some(span(&other)),
                format!(
                    "a waiver file is a mapping with `waivers:`, not {}",
                    other.value.kind()
                ),
                None,
            )),
            None => {}
        }
        if errors.is_empty() {
            Ok(waivers)
        } else {
            Err(PolicyErrors { errors })
        }
    }

    /// Reads the value of a `waivers:` key: a list of waivers, or a mapping with `max_days`
    /// and `entries`.
    pub fn read(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        match &node.value {
            Value::List(items) => self.read_entries(source, items, errors),
            Value::Null => {}
            Value::Map(pairs) => {
                for (key, value) in pairs {
                    match key.value.as_scalar() {
                        Some("entries") => match &value.value {
                            Value::List(items) => self.read_entries(source, items, errors),
                            Value::Null => {}
                            other => errors.push(PolicyError::new(
                                source,
                                Some(span(value)),
                                format!("`entries` is a list of waivers, not {}", other.kind()),
                                None,
                            )),
                        },
                        Some("max_days") => {
                            match value.value.as_scalar().map(str::parse::<i64>) {
                                Some(Ok(days)) if (1..=3650).contains(&days) => {
                                    self.max_days = Some(days);
                                }
                                _ => errors.push(PolicyError::new(
                                    source,
                                    Some(span(value)),
                                    "`max_days` of waivers must be a whole number of days from 1 to 3650",
                                    Some(format!("the default is {DEFAULT_MAX_DAYS}")),
                                )),
                            }
                        }
                        other => {
                            let other = other.unwrap_or("");
                            errors.push(PolicyError::new(
                                source,
                                Some(span(key)),
                                format!("unknown key `{other}` under `waivers`"),
                                did_you_mean(other, ["entries", "max_days"]).or_else(|| {
                                    Some("`waivers` has `max_days` and `entries`, or is a plain list of waivers".into())
                                }),
                            ));
                        }
                    }
                }
            }
            other => errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`waivers` is a list of waivers, not {}", other.kind()),
                None,
            )),
        }
    }

    fn read_entries(&mut self, source: &Source, items: &[Node], errors: &mut Vec<PolicyError>) {
        for item in items {
            if let Some(waiver) = Waiver::read(source, item, errors) {
                self.entries.push(waiver);
            }
        }
    }
}

/// One waiver: which findings it covers, who accepted them, why, and until when.
pub struct Waiver {
    pub rule: String,
    pub grant: Option<Pattern>,
    pub tenant: Option<Pattern>,
    pub reason: String,
    pub approver: String,
    pub expires: DateTime<Utc>,
    /// Where the waiver is written, for its own findings and errors.
    pub source: Source,
    pub span: Span,
    pub expires_span: Span,
}

/// A glob over grant ids or tenants, compared case-insensitively.
#[derive(Debug)]
pub struct Pattern {
    pub text: String,
    matcher: GlobMatcher,
}

impl Pattern {
    pub fn matches(&self, value: Option<&str>) -> bool {
        value.is_some_and(|v| self.matcher.is_match(v.trim()))
    }
}

impl Waiver {
    /// Whether this waiver covers a finding of `rule` about this grant and tenant.
    pub fn covers(&self, rule: &str, grant: Option<&str>, tenant: Option<&str>) -> bool {
        self.rule == rule
            && self.grant.as_ref().is_none_or(|p| p.matches(grant))
            && self.tenant.as_ref().is_none_or(|p| p.matches(tenant))
    }

    fn read(source: &Source, node: &Node, errors: &mut Vec<PolicyError>) -> Option<Waiver> {
        let at = span(node);
        let Value::Map(pairs) = &node.value else {
            errors.push(PolicyError::new(
                source,
                Some(at),
                format!("a waiver is a mapping, not {}", node.value.kind()),
                Some("give rule, grant or tenant, reason, approver and expires".into()),
            ));
            return None;
        };
        let before = errors.len();
        let mut text = |key: &str| -> Option<(&Node, String)> {
            let (_, value) = pairs
                .iter()
                .find(|(k, _)| k.value.as_scalar() == Some(key))?;
            match value.value.as_scalar().map(str::trim) {
                Some(t) if !t.is_empty() => Some((value, t.to_string())),
                _ => {
                    errors.push(PolicyError::new(
                        source,
                        Some(span(value)),
                        format!("`{key}` of a waiver must be non-empty text"),
                        None,
                    ));
                    None
                }
            }
        };
        let rule = text("rule");
        let grant = text("grant");
        let tenant = text("tenant");
        let reason = text("reason");
        let approver = text("approver");
        let expires = text("expires");
        for (key, _) in pairs {
            let name = key.value.as_scalar().unwrap_or("");
            if !ENTRY_KEYS.contains(&name) {
                errors.push(PolicyError::new(
                    source,
                    Some(span(key)),
                    format!("unknown key `{name}` in a waiver"),
                    did_you_mean(name, ENTRY_KEYS),
                ));
            }
        }
        let mut missing = |what: &str, help: &str| {
            errors.push(PolicyError::new(
                source,
                Some(at),
                format!("this waiver has no {what}"),
                Some(help.into()),
            ));
        };
        if pairs
            .iter()
            .all(|(k, _)| k.value.as_scalar() != Some("rule"))
        {
            missing("`rule`", "name the rule it waives, e.g. `rule: window-max`");
        }
        if pairs
            .iter()
            .all(|(k, _)| k.value.as_scalar() != Some("reason"))
        {
            missing(
                "`reason`",
                "say why the exception is acceptable, with a ticket",
            );
        }
        if pairs
            .iter()
            .all(|(k, _)| k.value.as_scalar() != Some("approver"))
        {
            missing("`approver`", "name the person who accepted the exception");
        }
        if pairs
            .iter()
            .all(|(k, _)| k.value.as_scalar() != Some("expires"))
        {
            missing(
                "`expires`",
                "every waiver ends: add e.g. `expires: 2026-12-31`",
            );
        }
        if !pairs
            .iter()
            .any(|(k, _)| matches!(k.value.as_scalar(), Some("grant" | "tenant")))
        {
            missing(
                "`grant` or `tenant`",
                "say which grants it covers: `grant: SUP-102`, or `tenant: t-1*` (globs allowed)",
            );
        }
        if let Some((node, id)) = &rule
            && rules::find(id).is_none()
        {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("unknown rule `{id}` in a waiver"),
                did_you_mean(id, rules::REGISTRY.iter().map(|r| r.id))
                    .or_else(|| Some("`grantlint rules` lists the rule ids".into())),
            ));
        }
        let mut pattern = |found: Option<(&Node, String)>| {
            let (node, text) = found?;
            match GlobBuilder::new(&text).case_insensitive(true).build() {
                Ok(glob) => Some(Pattern {
                    matcher: glob.compile_matcher(),
                    text,
                }),
                Err(e) => {
                    errors.push(PolicyError::new(
                        source,
                        Some(span(node)),
                        format!("invalid glob `{text}`: {}", e.kind()),
                        Some("use `*` for any text and `?` for one character".into()),
                    ));
                    None
                }
            }
        };
        let grant = pattern(grant);
        let tenant = pattern(tenant);
        let expires = expires.and_then(|(node, text)| match parse_expiry(&text) {
            Ok(time) => Some((time, span(node))),
            Err(why) => {
                errors.push(PolicyError::new(
                    source,
                    Some(span(node)),
                    format!("`expires` of a waiver: {why}"),
                    Some(
                        "write a date such as 2026-12-31 or a time such as 2026-12-31T18:00:00Z"
                            .into(),
                    ),
                ));
                None
            }
        });
        if errors.len() > before {
            return None;
        }
        let (expires, expires_span) = expires?;
        Some(Waiver {
            rule: rule?.1,
            grant,
            tenant,
            reason: reason?.1,
            approver: approver?.1,
            expires,
            source: source.clone(),
            span: at,
            expires_span,
        })
    }
}

/// A date alone means the start of that day, UTC: the waiver is over when the day begins.
fn parse_expiry(text: &str) -> Result<DateTime<Utc>, &'static str> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    crate::core::time::parse_time(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(yaml: &str) -> (Waivers, Vec<String>) {
        let (source, node) = Source::parsed("p.yaml", yaml);
        let mut errors = Vec::new();
        let mut waivers = Waivers::default();
        waivers.read(&source, &node, &mut errors);
        let errors = errors.iter().map(|e| e.brief(false)).collect();
        (waivers, errors)
    }

    #[test]
    fn a_complete_waiver_reads_and_matches_by_glob() {
        let (waivers, errors) = read(
            "- rule: window-max\n  grant: SUP-1*\n  reason: migration, INC-1\n  approver: Dana Whitfield\n  expires: 2026-12-15\n",
        );
        assert_eq!(errors, Vec::<String>::new());
        let w = &waivers.entries[0];
        assert!(w.covers("window-max", Some("sup-102"), None));
        assert!(!w.covers("window-max", Some("OPS-1"), None));
        assert!(!w.covers("self-approval", Some("SUP-102"), None));
        assert_eq!(w.expires.to_rfc3339(), "2026-12-15T00:00:00+00:00");
        assert_eq!(waivers.max_days(), DEFAULT_MAX_DAYS);
    }

    #[test]
    fn missing_and_bad_keys_are_located() {
        let (waivers, errors) = read(
            "max_days: 30\nentries:\n  - rule: windw-max\n    tenant: t-1\n    aprover: Dana\n    expires: soon\n",
        );
        assert!(waivers.entries.is_empty());
        assert_eq!(waivers.max_days, Some(30));
        assert_eq!(
            errors,
            vec![
                "5:5 unknown key `aprover` in a waiver",
                "3:5 this waiver has no `reason`",
                "3:5 this waiver has no `approver`",
                "3:11 unknown rule `windw-max` in a waiver",
                "6:14 `expires` of a waiver: expected a date and time such as 2026-11-23T14:05:00Z",
            ]
        );
    }
}
