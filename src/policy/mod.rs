//! The policy file: parsed with spans, layered on the embedded default, then validated into
//! rules with compiled settings. Every problem is collected and located before the run stops.

pub mod calendar;
pub mod compare;
pub mod custom;
pub mod fields;
pub mod inputs;
pub mod limits;
pub mod locate;
pub mod overrides;
pub mod show;
pub mod template;
pub mod waivers;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use miette::Diagnostic;

use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::finding::Severity;
use crate::load::mapping;
use crate::load::yaml::parse_yaml;
use crate::rules::params::Params;
use crate::rules::people;
use crate::rules::{self, Rule};
use overrides::Override;

/// The embedded default policy (policies/default.yaml).
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.yaml");

/// A policy ready to check grants: the rules that are not `off`, each with its severity.
pub struct Policy {
    /// "default", or the policy file's path as given or found.
    pub name: String,
    /// The base rules: those of grants that no override matches.
    pub rules: Vec<ActiveRule>,
    /// The policy's own rules (`custom:`), for `grantlint rules` and `explain`.
    pub custom: Vec<Arc<custom::CustomRule>>,
    /// The policy's cross-grant limits (`limits:`), for `grantlint rules` and `explain`.
    pub limits: Vec<limits::PolicyLimit>,
    /// Known staff (`people:`), when the policy names them.
    pub people: Option<Arc<people::Directory>>,
    /// The files layered, base first: "default", then each `extends`, then the policy itself.
    layers: Vec<Layer>,
    /// Every layer's overrides, in order; later ones win.
    overrides: Vec<Override>,
    /// The rules for each combination of matching overrides (a bitmask), built on first use.
    combinations: Mutex<HashMap<u64, Arc<Vec<ActiveRule>>>>,
    /// Waivers from every layer (`waivers:`); `--waivers` files add to them.
    pub waivers: waivers::Waivers,
    /// How to read exports whose headers are not in the alias table.
    pub mapping: mapping::Mapping,
    /// Which files a folder search reads (`inputs:`).
    pub inputs: inputs::Inputs,
}

pub struct ActiveRule {
    /// A built-in rule's id, or a custom rule's.
    pub id: Cow<'static, str>,
    pub severity: Severity,
    pub rule: Box<dyn Rule>,
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

/// The keys a policy file may have at its top level.
const KEYS: &[&str] = &[
    "version",
    "extends",
    "rules",
    "overrides",
    "custom",
    "limits",
    "people",
    "waivers",
    "mapping",
    "inputs",
    "fields",
    "calendars",
];

/// A parsed policy file. `entries` keeps the whole file for `policy show`; the other fields
/// are the parts the checker reads.
struct Layer {
    source: Source,
    entries: Vec<(Node, Node)>,
    extends: Option<Node>,
    rules: Vec<(Node, Node)>,
    /// `overrides:`, `custom:` and `limits:` as written: read once every layer's `fields:`
    /// and `calendars:` are known, as they may name those of any layer.
    overrides: Option<Node>,
    custom: Option<Node>,
    limits: Option<Node>,
    people: Option<Arc<people::Directory>>,
    waivers: waivers::Waivers,
    mapping: Option<Node>,
    inputs: Option<Node>,
    fields: Option<Node>,
    calendars: Option<Node>,
}

/// One layer's (or one override's) `rules:` mapping, with the file it was written in.
type RuleMap<'a> = (&'a Source, &'a [(Node, Node)]);

fn rule_maps(layers: &[Layer]) -> Vec<RuleMap<'_>> {
    layers
        .iter()
        .map(|l| (&l.source, l.rules.as_slice()))
        .collect()
}

impl Policy {
    /// This policy's way of reading inputs (its mapping and people) without its rules: for
    /// reading inputs again to keep some of their grants (`grantlint report`), where checking
    /// them again would only cost time and memory.
    pub fn reading_only(&self) -> Policy {
        Policy {
            name: self.name.clone(),
            rules: Vec::new(),
            custom: Vec::new(),
            limits: Vec::new(),
            people: self.people.clone(),
            layers: Vec::new(),
            overrides: Vec::new(),
            combinations: Mutex::default(),
            waivers: waivers::Waivers::default(),
            mapping: self.mapping.clone(),
            inputs: inputs::Inputs::default(),
        }
    }

    /// Loads the policy given, else the nearest `grantlint.yaml` or `.grantlint.yaml` (see
    /// [`locate::locate`]), else the embedded default.
    pub fn discover(given: Option<&Path>) -> Result<Policy, PolicyErrors> {
        Policy::load(locate::locate(given).as_deref())
    }

    /// Loads the policy in `path` with every file it extends, layered on the embedded
    /// default, or the default alone.
    pub fn load(path: Option<&Path>) -> Result<Policy, PolicyErrors> {
        let mut errors = Vec::new();
        let (name, layers) = match path {
            None => ("default".to_string(), Vec::new()),
            Some(path) => (path.display().to_string(), load_chain(path, &mut errors)),
        };
        Policy::layered(name, layers, errors)
    }

    /// Builds the policy written in `text` (named `name` in errors), layered on the default.
    /// Without a file to be relative to, it can extend only `default`.
    pub fn from_text(name: &str, text: &str) -> Result<Policy, PolicyErrors> {
        let mut errors = Vec::new();
        let source = Source {
            name: name.to_string(),
            text: Arc::from(text),
        };
        let layers: Vec<Layer> = parse_layer(source, &mut errors).into_iter().collect();
        for layer in &layers {
            if let Some(node) = &layer.extends
                && node.value.as_scalar().map(str::trim) != Some("default")
            {
                errors.push(PolicyError::new(
                    &layer.source,
                    Some(span(node)),
                    "a policy read from text can extend only `default`",
                    Some("give the policy as a file to extend another file".into()),
                ));
            }
        }
        Policy::layered(name.to_string(), layers, errors)
    }

    /// Layers `files` (base first) on the embedded default and builds the rules.
    fn layered(
        name: String,
        files: Vec<Layer>,
        mut errors: Vec<PolicyError>,
    ) -> Result<Policy, PolicyErrors> {
        let default = Source {
            name: "default".into(),
            text: Arc::from(DEFAULT_POLICY),
        };
        let mut layers: Vec<Layer> = parse_layer(default, &mut errors).into_iter().collect();
        layers.extend(files);
        let mut declared = crate::grant::declared::Declarations::default();
        let mut calendars = calendar::Calendars::default();
        for layer in &layers {
            if let Some(node) = &layer.fields {
                fields::add_layer(&mut declared, &layer.source, node, &mut errors);
            }
            if let Some(node) = &layer.calendars {
                calendars.add_layer(&layer.source, node, &mut errors);
            }
        }
        let vocabulary = custom::Vocabulary {
            fields: &declared,
            calendars: &calendars,
        };
        let mut overrides: Vec<Override> = Vec::new();
        let mut customs = Vec::new();
        let mut limit_layers = Vec::new();
        for layer in &mut layers {
            if let Some(node) = layer.limits.take() {
                limit_layers.push(limits::parse(&layer.source, &node, vocabulary, &mut errors));
            }
            if let Some(node) = layer.custom.take() {
                customs.push(custom::parse(&layer.source, &node, vocabulary, &mut errors));
            }
            if let Some(node) = layer.overrides.take() {
                overrides.extend(overrides::parse(
                    &layer.source,
                    node,
                    &declared,
                    &mut errors,
                ));
            }
        }
        let custom = custom::merge(customs);
        let (mut rules, cross_grant) = build_rules(&rule_maps(&layers), &custom, &mut errors);
        let people = layers.iter().rev().find_map(|l| l.people.clone());
        let limits = limits::merge(limit_layers);
        limit_ids(&custom, &limits, &mut errors);
        rules.extend(limit_rules(&limits));
        let mut waivers = waivers::Waivers::default();
        for layer in &mut layers {
            waivers.extend(std::mem::take(&mut layer.waivers));
        }
        let mut mapping = mapping::Mapping::default();
        mapping.fields = Arc::new(declared);
        for layer in &layers {
            if let Some(node) = &layer.mapping {
                mapping.add_layer(&layer.source, node, &mut errors);
            }
        }
        let mut inputs = inputs::Inputs::default();
        for layer in &layers {
            if let Some(node) = &layer.inputs {
                inputs.add_layer(&layer.source, node, &mut errors);
            }
        }
        overrides::validate(
            &overrides,
            &rule_maps(&layers),
            &custom,
            &cross_grant,
            people.is_some(),
            &mut errors,
        );
        limits_under_rules(&limits, &mut errors);
        // One bad base setting is found again while validating each override: report it once.
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert((e.file.clone(), e.location, e.message.clone())));
        // The policy files first (the default is ours), then by place in each file.
        errors.sort_by(|a, b| {
            let key = |e: &PolicyError| {
                (
                    e.file == "default",
                    e.file.clone(),
                    e.location.map(|s| (s.line, s.column)),
                )
            };
            key(a).cmp(&key(b))
        });
        if errors.is_empty() {
            Ok(Policy {
                name,
                rules,
                custom,
                limits,
                people,
                waivers,
                mapping,
                inputs,
                layers,
                overrides,
                combinations: Mutex::default(),
            })
        } else {
            Err(PolicyErrors { errors })
        }
    }

    /// The rules, with their settings, for grants matched by exactly the overrides in `mask`.
    fn combination(&self, mask: u64) -> Arc<Vec<ActiveRule>> {
        let mut built = self
            .combinations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let rules = built.entry(mask).or_insert_with(|| {
            let mut maps = rule_maps(&self.layers);
            maps.extend(
                self.overrides
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, o)| (&o.source, o.rules.as_slice())),
            );
            // Each override was built over the base when the policy loaded, so every setting
            // here is known to be valid and there is nothing new to report.
            let mut validated = Vec::new();
            Arc::new(build_rules(&maps, &self.custom, &mut validated).0)
        });
        Arc::clone(rules)
    }
}

/// Reads the policy in `path` and every file it `extends`, base first (the default not
/// included). A missing base or a cycle is an error at the `extends` that leads to it.
fn load_chain(path: &Path, errors: &mut Vec<PolicyError>) -> Vec<Layer> {
    let top = path;
    let mut chain: Vec<Layer> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    // The next file to read, and the `extends` that named it.
    let mut next: Option<(PathBuf, Option<(Source, Node)>)> = Some((path.to_path_buf(), None));
    while let Some((path, named_by)) = next.take() {
        let name = path.display().to_string();
        let complain = |message: String, help: &str| match &named_by {
            Some((source, node)) => {
                PolicyError::new(source, Some(span(node)), message, Some(help.into()))
            }
            None => PolicyError::unlocated(&name, message, Some(help.into())),
        };
        // Every file of the chain stays in the repository of the policy the command named.
        let named_in = named_by.as_ref().map(|_| top);
        let text = match crate::core::files::read_policy_file(&path, named_in) {
            Ok(text) => text,
            Err(refused) if named_by.is_some() => {
                errors.push(complain(
                    format!("cannot read the base policy {name}: {}", refused.message),
                    refused.help.unwrap_or(
                        "`extends` takes `default` or a path relative to the file that extends",
                    ),
                ));
                break;
            }
            Err(refused) => {
                errors.push(complain(
                    format!("cannot read the policy file: {}", refused.message),
                    refused.help.unwrap_or("check the path given to --policy"),
                ));
                break;
            }
        };
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if let Some(first) = seen.iter().position(|p| *p == canonical) {
            let mut names: Vec<&str> = chain[first..]
                .iter()
                .map(|l| l.source.name.as_str())
                .collect();
            names.push(&name);
            errors.push(complain(
                format!("`extends` goes round in a circle: {}", names.join(" → ")),
                "one of these files must extend `default` or another policy instead",
            ));
            break;
        }
        seen.push(canonical);
        let source = Source {
            name,
            text: Arc::from(text),
        };
        let Some(layer) = parse_layer(source, errors) else {
            break;
        };
        next = match layer.extends.as_ref().and_then(|n| n.value.as_scalar()) {
            None | Some("default") => None,
            Some(base) => {
                let folder = path.parent().unwrap_or(Path::new(""));
                let named_by = layer.extends.clone().map(|n| (layer.source.clone(), n));
                Some((folder.join(base), named_by))
            }
        };
        chain.push(layer);
    }
    chain.reverse();
    chain
}

/// Parses one policy file and checks its top level.
fn parse_layer(source: Source, errors: &mut Vec<PolicyError>) -> Option<Layer> {
    let root = parse_yaml(&source, errors)?;
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
    let mut layer = Layer {
        source,
        entries: entries.clone(),
        extends: None,
        rules: Vec::new(),
        overrides: None,
        custom: None,
        limits: None,
        people: None,
        waivers: waivers::Waivers::default(),
        mapping: None,
        inputs: None,
        fields: None,
        calendars: None,
    };
    let source = &layer.source;
    for (key, value) in entries {
        let Some(name) = key.value.as_scalar() else {
            errors.push(PolicyError::new(
                source,
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
                        source,
                        Some(span(&value)),
                        "unsupported policy version",
                        Some("this grantlint reads `version: 1`".into()),
                    ));
                }
            }
            "extends" => match &value.value {
                Value::Text(base) if !base.trim().is_empty() => layer.extends = Some(value),
                other => errors.push(PolicyError::new(
                    source,
                    Some(span(&value)),
                    format!(
                        "`extends` takes `default` or the path of a policy file, not {}",
                        other.kind()
                    ),
                    Some("write `extends: default` or `extends: ../team-policy.yaml`".into()),
                )),
            },
            "rules" => match value.value {
                Value::Map(entries) => layer.rules = entries,
                Value::Null => {}
                ref other => errors.push(PolicyError::new(
                    source,
                    Some(span(&value)),
                    format!(
                        "`rules` is a mapping from rule id to its settings, not {}",
                        other.kind()
                    ),
                    None,
                )),
            },
            "overrides" => layer.overrides = Some(value),
            "custom" => layer.custom = Some(value),
            "fields" => layer.fields = Some(value),
            "calendars" => layer.calendars = Some(value),
            "limits" => layer.limits = Some(value),
            "people" => layer.people = people::parse(source, &value, errors),
            "waivers" => layer.waivers.read(source, &value, errors),
            "mapping" => layer.mapping = Some(value),
            "inputs" => layer.inputs = Some(value),
            other => errors.push(PolicyError::new(
                source,
                Some(span(&key)),
                format!("unknown policy key `{other}`"),
                did_you_mean(other, KEYS.iter().copied()),
            )),
        }
    }
    Some(layer)
}

/// The custom rules that are on, as rules the checker runs: each with the severity its
/// entry under `custom:` gives, unless a `rules:` map (the policy's, or a matching
/// override's) sets another (`my-rule: warning` or `my-rule: {severity: off}`).
fn custom_rules(
    maps: &[RuleMap],
    custom: &[Arc<custom::CustomRule>],
    errors: &mut Vec<PolicyError>,
) -> Vec<ActiveRule> {
    let mut active = Vec::new();
    for c in custom {
        let mut severity = c.severity;
        for (source, rules) in maps {
            for (key, value) in rules.iter() {
                if key.value.as_scalar() != Some(c.id.as_str()) {
                    continue;
                }
                if let Some(s) = custom_severity(source, &c.id, value, errors) {
                    severity = s;
                }
            }
        }
        if let Some(severity) = severity {
            active.push(ActiveRule {
                id: Cow::Owned(c.id.clone()),
                severity,
                rule: Box::new(Arc::clone(c)),
            });
        }
    }
    active
}

/// A custom rule's entry in a `rules:` map: a severity, or `{severity: …}`; a custom rule
/// has no other settings (its conditions are its own).
fn custom_severity(
    source: &Source,
    id: &str,
    value: &Node,
    errors: &mut Vec<PolicyError>,
) -> Option<Option<Severity>> {
    let node = match &value.value {
        Value::Map(entries) => {
            let mut severity = None;
            for (k, v) in entries {
                match k.value.as_scalar().unwrap_or("") {
                    "severity" => severity = Some(v),
                    other => errors.push(PolicyError::new(
                        source,
                        Some(span(k)),
                        format!("unknown key `{other}` for custom rule {id}"),
                        Some(format!(
                            "a custom rule takes only `severity` here; change its conditions under `custom:` ({id})"
                        )),
                    )),
                }
            }
            severity?
        }
        _ => value,
    };
    match rules::params::parse_severity(&node.value) {
        Ok(severity) => Some(severity),
        Err(text) => {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("severity of {id} must be error, warning, info or off, not `{text}`"),
                None,
            ));
            None
        }
    }
}

/// The limits that are on, as rules the checker runs after reading every grant.
fn limit_rules(limits: &[limits::PolicyLimit]) -> impl Iterator<Item = ActiveRule> + '_ {
    limits.iter().filter_map(|l| {
        Some(ActiveRule {
            id: Cow::Owned(l.limit.id.clone()),
            severity: l.severity?,
            rule: Box::new(Arc::clone(&l.limit)),
        })
    })
}

/// A limit may not take a custom rule's id: findings are told apart by id.
fn limit_ids(
    custom: &[Arc<custom::CustomRule>],
    limits: &[limits::PolicyLimit],
    errors: &mut Vec<PolicyError>,
) {
    for limit in limits {
        if custom.iter().any(|c| c.id == limit.limit.id) {
            let (source, at) = &limit.at;
            errors.push(PolicyError::new(
                source,
                Some(*at),
                format!("`{}` is both a custom rule and a limit", limit.limit.id),
                Some("give the limit another id".into()),
            ));
        }
    }
}

/// A limit's id under `rules:` (the policy's or an override's) is not a rule's: say where its
/// severity goes. The rule ids are checked where limits are not known (also for overrides),
/// so the "unknown rule" said there is made precise here.
fn limits_under_rules(limits: &[limits::PolicyLimit], errors: &mut [PolicyError]) {
    for limit in limits {
        let id = &limit.limit.id;
        let unknown = format!("unknown rule `{id}`");
        for error in errors.iter_mut().filter(|e| e.message == unknown) {
            error.message = format!("`{id}` is a limit: set its severity in `limits:`");
            error.help = Some(format!(
                "write `severity: off` (or error, warning, info) in the `- id: {id}` entry of `limits:`"
            ));
        }
    }
}

/// Reports rule ids that no rule has, so a typo is found even though nothing reads it.
fn check_rule_ids(
    source: &Source,
    rules: &[(Node, Node)],
    custom: &[Arc<custom::CustomRule>],
    errors: &mut Vec<PolicyError>,
) {
    for (key, _) in rules {
        let id = key.value.as_scalar().unwrap_or("");
        if rules::find(id).is_none() && !custom.iter().any(|c| c.id == id) {
            let ids = rules::REGISTRY
                .iter()
                .map(|r| r.id)
                .chain(custom.iter().map(|c| c.id.as_str()));
            errors.push(PolicyError::new(
                source,
                Some(span(key)),
                format!("unknown rule `{id}`"),
                did_you_mean(id, ids),
            ));
        }
    }
}

/// Builds every rule from its settings in `maps`; later maps win key by key; then the custom
/// rules that are on. Also returns the ids of the rules that look at all grants together.
fn build_rules(
    maps: &[RuleMap],
    custom: &[Arc<custom::CustomRule>],
    errors: &mut Vec<PolicyError>,
) -> (Vec<ActiveRule>, Vec<&'static str>) {
    for (source, rules) in maps {
        check_rule_ids(source, rules, custom, errors);
    }
    let mut active = Vec::new();
    let mut cross_grant = Vec::new();
    for meta in rules::REGISTRY {
        let mut params = rule_params(maps, meta.id, errors);
        let severity = params.severity(errors);
        let rule = (meta.build)(&mut params);
        params.finish(errors);
        if rule.needs_all() {
            cross_grant.push(meta.id);
        }
        if let Some(severity) = severity {
            active.push(ActiveRule {
                id: Cow::Borrowed(meta.id),
                severity,
                rule,
            });
        }
    }
    active.extend(custom_rules(maps, custom, errors));
    (active, cross_grant)
}

/// One rule's settings, merged over every map (later maps win key by key).
fn rule_params<'a>(
    maps: &[RuleMap<'a>],
    id: &'static str,
    errors: &mut Vec<PolicyError>,
) -> Params<'a> {
    let mut params = Params::new(id);
    for (source, rules) in maps {
        for (key, value) in rules.iter() {
            if key.value.as_scalar() == Some(id) {
                params.add_layer(source, value, errors);
            }
        }
    }
    params
}

impl Policy {
    /// A rule's severity in the built policy (grants no override matches): `None` when off.
    /// The one answer for custom rules too, whose severity `rules:` may set.
    pub fn severity_of(&self, id: &str) -> Option<Severity> {
        self.rules.iter().find(|r| r.id == id).map(|r| r.severity)
    }

    /// The severity the first override that turns rule `id` on gives it: a rule off for the
    /// grants no override matches may still report on those some override does.
    pub fn severity_in_overrides(&self, id: &str) -> Option<Severity> {
        self.overrides.iter().find_map(|o| {
            o.rules.iter().find_map(|(key, value)| {
                if key.value.as_scalar() != Some(id) {
                    return None;
                }
                // `id: error`, or `id: {severity: error, …}`; validated when loaded.
                let node = match &value.value {
                    Value::Map(entries) => entries
                        .iter()
                        .find(|(k, _)| k.value.as_scalar() == Some("severity"))
                        .map(|(_, v)| v)?,
                    _ => value,
                };
                rules::params::parse_severity(&node.value).ok().flatten()
            })
        })
    }

    /// A rule's typed settings, as the rule reads them, whether or not the rule is on: for
    /// reporters that group by a rule's threshold or pattern (the weekly review's repeat
    /// threshold, privileged roles). `load` already validated them, so nothing can fail here.
    pub fn rule_settings<S: rules::settings::RuleSettings>(&self) -> S {
        S::read(&mut rule_params(
            &rule_maps(&self.layers),
            S::RULE,
            &mut Vec::new(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reporter_reads_a_rules_typed_settings_from_every_layer() {
        let text = "version: 1\nrules:\n  repeat-tenant: {severity: off, threshold: 5}\n";
        let policy = Policy::from_text("p.yaml", text).unwrap();
        let settings: crate::rules::repeat_tenant::Settings = policy.rule_settings();
        assert_eq!(settings.threshold, 5);
        assert_eq!(settings.within, chrono::TimeDelta::days(30)); // the default's
    }

    #[test]
    fn the_default_policy_gives_each_rule_its_declared_severity() {
        let policy = Policy::load(None).unwrap_or_else(|e| panic!("{:?}", e.errors));
        let severities: Vec<_> = policy
            .rules
            .iter()
            .map(|r| (r.id.to_string(), r.severity))
            .collect();
        // A rule declared `default: off` is not run until a policy turns it on.
        let declared: Vec<_> = crate::rules::REGISTRY
            .iter()
            .filter(|m| !m.off)
            .map(|m| (m.id.to_string(), m.severity))
            .collect();
        assert_eq!(severities, declared);
    }

    fn errors(policy: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(&path, policy).unwrap();
        match Policy::load(Some(&path)) {
            Ok(_) => Vec::new(),
            Err(e) => e.errors.iter().map(|e| e.brief(true)).collect(),
        }
    }

    #[test]
    fn a_limit_may_not_take_a_custom_rules_id() {
        let got = errors(
            "version: 1\ncustom:\n  - {id: twice, message: m, require: {present: ticket}}\nlimits:\n  - {id: twice, by: grantee, concurrent: 2}\n",
        );
        assert_eq!(
            got,
            ["5:10 `twice` is both a custom rule and a limit (give the limit another id)"]
        );
    }

    #[test]
    fn a_column_both_mapped_and_declared_is_an_error_at_the_mapping() {
        let got = errors(
            "version: 1\nfields:\n  site: {type: text, from: [Location]}\nmapping:\n  columns:\n    Location: tenant\n",
        );
        assert_eq!(
            got,
            [
                "6:15 column `Location` is mapped to `tenant` and also read by the declared field `site` (read the column one way: drop it from `mapping: columns` or from `site`'s `from:`)"
            ]
        );
    }

    #[test]
    fn a_limit_under_rules_is_told_where_its_severity_goes() {
        let got = errors(
            "version: 1\nrules:\n  weekly: off\nlimits:\n  - {id: weekly, by: grantee, within: 7d, max: 3}\n",
        );
        assert_eq!(
            got,
            [
                "3:3 `weekly` is a limit: set its severity in `limits:` (write `severity: off` (or error, warning, info) in the `- id: weekly` entry of `limits:`)"
            ]
        );
    }

    #[test]
    fn the_default_policy_builds_every_rule() {
        let policy = Policy::load(None).unwrap_or_else(|e| panic!("{:?}", e.errors));
        let on = rules::REGISTRY.iter().filter(|m| !m.off).count();
        assert_eq!(policy.rules.len(), on);
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

    /// Writes `files` into a scratch folder and loads the first; errors as `file line:col message`.
    fn chain_errors(files: &[(&str, &str)]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let prefix = format!("{}/", dir.path().display());
        match Policy::load(Some(&dir.path().join(files[0].0))) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .errors
                .iter()
                .map(|e| {
                    let at = e
                        .location
                        .map_or(String::new(), |s| format!(" {}:{}", s.line, s.column));
                    format!("{}{at} {}", e.file, e.message).replace(&prefix, "")
                })
                .collect(),
        }
    }

    #[test]
    fn extends_layers_each_file_on_its_base_key_by_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("team")).unwrap();
        std::fs::write(
            dir.path().join("team/base.yaml"),
            "version: 1\nextends: default\nrules:\n  window-max: {severity: warning, max: 2h}\n  ticket-linked: error\n",
        )
        .unwrap();
        let path = dir.path().join("grantlint.yaml");
        // The base path is relative to the file that names it.
        std::fs::write(
            &path,
            "extends: team/base.yaml\nrules:\n  window-max: {max: 1h}\n",
        )
        .unwrap();
        let policy = Policy::load(Some(&path)).unwrap_or_else(|e| panic!("{:?}", e.errors));
        let severity = |id: &str| policy.rules.iter().find(|r| r.id == id).map(|r| r.severity);
        assert_eq!(severity("window-max"), Some(Severity::Warning));
        assert_eq!(severity("ticket-linked"), Some(Severity::Error));
        assert_eq!(policy.layers.len(), 3);
        let shown = policy.show();
        assert!(shown.contains("max: 1h "), "{shown}");
    }

    #[test]
    fn a_missing_base_and_a_cycle_are_errors_at_the_extends_line() {
        assert_eq!(
            chain_errors(&[("a.yaml", "version: 1\nextends: nowhere.yaml\n")]),
            ["a.yaml 2:10 cannot read the base policy nowhere.yaml: no such file or folder"]
        );
        assert_eq!(
            chain_errors(&[
                ("a.yaml", "extends: sub/b.yaml\n"),
                ("sub/b.yaml", "extends: ../a.yaml\n"),
            ]),
            [
                "sub/b.yaml 1:10 `extends` goes round in a circle: a.yaml → sub/b.yaml → sub/../a.yaml"
            ]
        );
        assert_eq!(
            chain_errors(&[("a.yaml", "extends: a.yaml\n")]),
            ["a.yaml 1:10 `extends` goes round in a circle: a.yaml → a.yaml"]
        );
        assert_eq!(
            chain_errors(&[("a.yaml", "extends: [default]\n")]),
            ["a.yaml 1:10 `extends` takes `default` or the path of a policy file, not a list"]
        );
    }

    #[test]
    fn errors_in_every_layer_are_reported_together() {
        assert_eq!(
            chain_errors(&[
                (
                    "a.yaml",
                    "extends: b.yaml\nrules:\n  window-max: {max: soon}\n"
                ),
                (
                    "b.yaml",
                    "rules:\n  reason-specific: {min_chars: -1}\nextend: default\n"
                ),
            ]),
            [
                "a.yaml 3:21 `max` of window-max: a unit without a number before it",
                "b.yaml 2:32 `min_chars` of reason-specific: expected a whole number, found -1",
                "b.yaml 3:1 unknown policy key `extend`",
            ]
        );
    }

    #[test]
    fn every_override_problem_is_located() {
        let got = errors(concat!(
            "overrides:\n",
            "  - match: {enviroment: prod}\n", // 2: unknown match key
            "    rules: {window-max: {max: 1h}}\n",
            "  - match: {role: '/admin(/'}\n", // 4: invalid regex
            "    rules: {window-max: {max: 1 hour}}\n", // 5: bad duration
            "  - match: {tenant: [a, b]}\n",   // 6: a list, not a pattern
            "    rules: {windowmax: off, repeat-tenant: off}\n", // 7: unknown rule, cross-grant rule
            "  - match: {}\n",                                   // 8: matches everything
            "    rule: {}\n",                                    // 9: unknown key, and no rules
            "  - just text\n",                                   // 10: not a mapping
            "  - match: {env: prod}\n",                          // 11: an alias is fine…
            "    rules: {window-max: {maxx: 1h}}\n",             // 12: …but not an unknown setting
        ));
        assert_eq!(
            got,
            [
                "2:13 an override cannot match on `enviroment` (did you mean `environment`?)",
                "4:19 invalid regex for role: regex parse error:\n    admin(\n         ^\nerror: unclosed group",
                "5:31 `max` of window-max: units are d, h, m, s (or ISO 8601 like PT4H) (write a duration such as 4h, 30m, 1h30m, 7d or PT4H)",
                "6:21 the pattern for tenant must be text, not a list (for several values write one regex, such as \"/prod|staging/\")",
                "7:13 unknown rule `windowmax` (did you mean `window-max`?)",
                "7:29 repeat-tenant looks at all grants together, so an override cannot change it (set repeat-tenant in the policy's `rules:` instead)",
                "8:5 an override needs both `match` and `rules` (e.g. `- match: {environment: prod}` with `rules: {window-max: {max: 1h}}`)",
                "8:12 `match` names no field, so the override would apply to every grant (match on a field such as role, environment or tenant, or change `rules:` instead)",
                "9:5 unknown key `rule` in an override (did you mean `rules`?)",
                "10:5 an override is a mapping with `match` and `rules`, not text",
                "12:26 unknown key `maxx` for rule window-max (did you mean `max`?)",
            ]
        );
    }

    #[test]
    fn a_custom_rule_takes_a_severity_under_rules_and_nothing_else() {
        let policy = "custom:\n  - {id: mine, message: m, require: {present: ticket}}\nrules:\n  mine: warning\noverrides:\n  - match: {env: prod}\n    rules: {mine: {severity: off}}\n";
        let p = Policy::from_text("p.yaml", policy).unwrap_or_else(|e| panic!("{:?}", e.errors));
        let mine = p.rules.iter().find(|r| r.id == "mine").map(|r| r.severity);
        assert_eq!(mine, Some(Severity::Warning));
        let got = errors(
            "custom:\n  - {id: mine, message: m, require: {present: ticket}}\nrules:\n  mine: {max: 1h}\n  mien: off\n  min: loud\n",
        );
        assert_eq!(
            got,
            [
                "4:10 unknown key `max` for custom rule mine (a custom rule takes only `severity` here; change its conditions under `custom:` (mine))",
                "5:3 unknown rule `mien` (did you mean `mine`?)",
                "6:3 unknown rule `min` (did you mean `mine`?)",
            ]
        );
    }
}
