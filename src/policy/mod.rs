//! The policy file: parsed with spans, layered on the embedded default, then validated into
//! rules with compiled settings. Every problem is collected and located before the run stops.

pub mod node;
pub mod params;

use std::path::Path;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::finding::Severity;
use crate::grant::Span;
use crate::rules::{self, Rule};
use crate::terminal::{clean, snippet_source};
use node::{Node, Value, span};
use params::Params;

/// The embedded default policy (policies/default.yaml).
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.yaml");

/// A policy ready to check grants: the rules that are not `off`, each with its severity.
pub struct Policy {
    /// "default", or the policy file's path as given.
    pub name: String,
    pub rules: Vec<ActiveRule>,
}

pub struct ActiveRule {
    pub id: &'static str,
    pub severity: Severity,
    pub rule: Box<dyn Rule>,
}

/// A policy file's text and name, for located errors.
#[derive(Clone)]
pub struct Source {
    pub name: String,
    pub text: Arc<str>,
}

/// One problem in a policy file.
#[derive(Debug, Diagnostic)]
#[diagnostic(code(grantlint::policy))]
pub struct PolicyError {
    pub message: String,
    pub file: String,
    pub location: Option<Span>,
    #[help]
    pub help: Option<String>,
    #[source_code]
    source_code: Option<NamedSource<Arc<str>>>,
    #[label("here")]
    label: Option<SourceSpan>,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (file, message) = (clean(&self.file), clean(&self.message));
        match self.location {
            Some(at) => write!(f, "{file}:{}:{}: {message}", at.line, at.column),
            None => write!(f, "{file}: {message}"),
        }
    }
}

impl std::error::Error for PolicyError {}

impl PolicyError {
    pub fn new(
        source: &Source,
        at: Option<Span>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> PolicyError {
        PolicyError {
            message: message.into(),
            file: source.name.clone(),
            location: at,
            help,
            source_code: at.map(|_| snippet_source(&source.name, Arc::clone(&source.text))),
            label: at.map(|s| SourceSpan::new(s.offset.into(), s.len)),
        }
    }
}

/// Every problem found in a policy; the run stops with exit code 2.
#[derive(Debug, Diagnostic, thiserror::Error)]
#[error("the policy has {} error{}", .errors.len(), if .errors.len() == 1 { "" } else { "s" })]
#[diagnostic(
    code(grantlint::policy),
    help("fix these and run again; `grantlint rules` lists the rule ids")
)]
pub struct PolicyErrors {
    #[related]
    pub errors: Vec<PolicyError>,
}

/// "did you mean …?" for a misspelt name, when one is close.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(wrong, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// A parsed policy file: its source and its `rules:` mapping.
struct Layer {
    source: Source,
    rules: Vec<(Node, Node)>,
}

impl Policy {
    /// Loads the policy in `path`, layered on the embedded default, or the default alone.
    pub fn load(path: Option<&Path>) -> Result<Policy, PolicyErrors> {
        let Some(path) = path else {
            return Policy::layered("default".into(), None, Vec::new());
        };
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Policy::from_text(&name, &text),
            Err(e) => {
                let error = PolicyError {
                    message: format!("cannot read the policy file: {e}"),
                    file: name.clone(),
                    location: None,
                    help: Some("check the path given to --policy".into()),
                    source_code: None,
                    label: None,
                };
                Policy::layered(name, None, vec![error])
            }
        }
    }

    /// Builds the policy written in `text` (named `name` in errors), layered on the default.
    pub fn from_text(name: &str, text: &str) -> Result<Policy, PolicyErrors> {
        let source = Source {
            name: name.to_string(),
            text: Arc::from(text),
        };
        Policy::layered(name.to_string(), Some(source), Vec::new())
    }

    fn layered(
        name: String,
        file: Option<Source>,
        mut errors: Vec<PolicyError>,
    ) -> Result<Policy, PolicyErrors> {
        let default = Source {
            name: "default".into(),
            text: Arc::from(DEFAULT_POLICY),
        };
        let mut layers = vec![parse_layer(default, &mut errors)];
        if let Some(source) = file {
            layers.push(parse_layer(source, &mut errors));
        }
        let layers: Vec<Layer> = layers.into_iter().flatten().collect();
        let rules = build_rules(&layers, &mut errors);
        // Policy file first (the default is ours), then by place in the file.
        errors.sort_by_key(|e| (e.file == "default", e.location.map(|s| (s.line, s.column))));
        if errors.is_empty() {
            Ok(Policy { name, rules })
        } else {
            Err(PolicyErrors { errors })
        }
    }
}

/// Parses one policy file and checks its top level.
fn parse_layer(source: Source, errors: &mut Vec<PolicyError>) -> Option<Layer> {
    let root: Node = match serde_saphyr::from_str(&source.text) {
        Ok(root) => root,
        Err(e) => {
            let at = e.location().map(crate::load::yaml::span);
            let message = e
                .to_string()
                .lines()
                .next()
                .unwrap_or("cannot parse")
                .to_string();
            errors.push(PolicyError::new(
                &source,
                at,
                message,
                Some("fix the YAML syntax here".into()),
            ));
            return None;
        }
    };
    let at = span(&root);
    let entries = match root.value {
        Value::Map(entries) => entries,
        Value::Null => Vec::new(),
        other => {
            errors.push(PolicyError::new(
                &source,
                Some(at),
                format!(
                    "a policy is a mapping with `version` and `rules`, not {}",
                    other.kind()
                ),
                None,
            ));
            return None;
        }
    };
    let mut rules = Vec::new();
    for (key, value) in entries {
        let Some(name) = key.value.as_scalar() else {
            errors.push(PolicyError::new(
                &source,
                Some(span(&key)),
                "a policy key must be text",
                None,
            ));
            continue;
        };
        match name {
            "version" => {
                if value.value.as_scalar() != Some("1") {
                    errors.push(PolicyError::new(
                        &source,
                        Some(span(&value)),
                        "unsupported policy version",
                        Some("this grantlint reads `version: 1`".into()),
                    ));
                }
            }
            "extends" => {
                if value.value.as_scalar() != Some("default") {
                    errors.push(PolicyError::new(
                        &source,
                        Some(span(&value)),
                        "a policy can extend only `default` so far",
                        Some("write `extends: default`, or leave it out: the default is always the base".into()),
                    ));
                }
            }
            "rules" => match value.value {
                Value::Map(entries) => rules = entries,
                Value::Null => {}
                ref other => errors.push(PolicyError::new(
                    &source,
                    Some(span(&value)),
                    format!(
                        "`rules` is a mapping from rule id to its settings, not {}",
                        other.kind()
                    ),
                    None,
                )),
            },
            other => errors.push(PolicyError::new(
                &source,
                Some(span(&key)),
                format!("unknown policy key `{other}`"),
                did_you_mean(other, ["version", "extends", "rules"]),
            )),
        }
    }
    Some(Layer { source, rules })
}

/// Builds every rule from its settings in all layers; later layers win key by key.
fn build_rules(layers: &[Layer], errors: &mut Vec<PolicyError>) -> Vec<ActiveRule> {
    // Unknown rule ids first, so a typo is reported even though no rule reads it.
    for layer in layers {
        for (key, _) in &layer.rules {
            let id = key.value.as_scalar().unwrap_or("");
            if rules::find(id).is_none() {
                errors.push(PolicyError::new(
                    &layer.source,
                    Some(span(key)),
                    format!("unknown rule `{id}`"),
                    did_you_mean(id, rules::REGISTRY.iter().map(|r| r.id)),
                ));
            }
        }
    }
    let mut active = Vec::new();
    for meta in rules::REGISTRY {
        let mut params = Params::new(meta.id);
        for layer in layers {
            for (key, value) in &layer.rules {
                if key.value.as_scalar() == Some(meta.id) {
                    params.add_layer(&layer.source, value, errors);
                }
            }
        }
        let severity = params.severity(errors);
        let rule = (meta.build)(&mut params);
        params.finish(errors);
        if let Some(severity) = severity {
            active.push(ActiveRule {
                id: meta.id,
                severity,
                rule,
            });
        }
    }
    active
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(policy: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(&path, policy).unwrap();
        match Policy::load(Some(&path)) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .errors
                .iter()
                .map(|e| {
                    let at = e
                        .location
                        .map_or(String::new(), |s| format!("{}:{} ", s.line, s.column));
                    format!(
                        "{at}{}{}",
                        e.message,
                        e.help.as_ref().map_or(String::new(), |h| format!(" ({h})"))
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn the_default_policy_builds_every_rule() {
        let policy = Policy::load(None).unwrap_or_else(|e| panic!("{:?}", e.errors));
        assert_eq!(policy.rules.len(), rules::REGISTRY.len());
    }

    #[test]
    fn a_valid_policy_loads() {
        let policy = "version: 1\nextends: default\nrules:\n  window-max: {severity: error, max: 4h}\n  reason-specific: {min_words: 4, min_chars: 20, generic: [\"support issue\", \"need access\"]}\n  repeat-tenant: {severity: warning, threshold: 3, within: 30d}\n  ticket-linked: off\n";
        assert_eq!(errors(policy), Vec::<String>::new());
    }

    #[test]
    fn every_error_is_collected_and_located() {
        let got = errors(
            "version: 1\nrules:\n  windw-max: {max: 4h}\n  window-max: {max: 4 hours, severty: error}\n  reason-specific: {min_words: many}\n  ticket-linked: loud\n  shared-account: {patterns: ['(']}\nextra: 1\n",
        );
        assert_eq!(
            got,
            vec![
                "3:3 unknown rule `windw-max` (did you mean `window-max`?)".to_string(),
                "4:21 `max` of window-max: units are d, h, m, s (or ISO 8601 like PT4H) (write a duration such as 4h, 30m, 1h30m, 7d or PT4H)".into(),
                "4:30 unknown key `severty` for rule window-max (did you mean `severity`?)".into(),
                "5:32 `min_words` of reason-specific: expected a whole number, found text".into(),
                "6:18 severity of ticket-linked must be error, warning, info or off, not `loud`".into(),
                "7:30 `patterns` of shared-account: invalid regex: regex parse error:\n    (\n    ^\nerror: unclosed group".into(),
                "8:1 unknown policy key `extra`".into(),
            ]
        );
    }
}
