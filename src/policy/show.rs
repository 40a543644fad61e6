//! `grantlint policy show`: the effective policy after layering, as YAML, each value with the
//! file and line it comes from. Works on the raw tree of every layer, so a top-level key added
//! later is shown without changes here.

use super::{Layer, Policy};
use crate::core::node::{Node, Value, span};
use crate::core::source::Source;

/// Lists that add up across layers instead of replacing each other.
const APPENDED: &[&str] = &["overrides"];

/// Where a value was written: the file's name ("default" for the embedded policy) and line.
type Origin<'a> = (&'a str, u32);

/// A value of the effective policy.
struct Shown<'a> {
    origin: Origin<'a>,
    value: Tree<'a>,
}

enum Tree<'a> {
    Scalar(&'a Value),
    /// A word grantlint writes itself: `off` for a severity YAML read as `false`.
    Word(&'static str),
    List(Vec<Shown<'a>>),
    Map(Vec<(&'a str, Shown<'a>)>),
}

fn shown<'a>(source: &'a Source, node: &'a Node) -> Shown<'a> {
    let origin = (source.name.as_str(), span(node).line);
    let value = match &node.value {
        Value::List(items) => Tree::List(items.iter().map(|i| shown(source, i)).collect()),
        Value::Map(entries) => Tree::Map(
            entries
                .iter()
                .map(|(k, v)| (k.value.as_scalar().unwrap_or(""), shown(source, v)))
                .collect(),
        ),
        scalar => Tree::Scalar(scalar),
    };
    Shown { origin, value }
}

/// One layer's file as a tree. A rule given as a bare severity (`ticket-linked: off`) means
/// `{severity: off}`, so that it merges with the base's settings key by key.
fn layer_tree(layer: &Layer) -> Vec<(&str, Shown<'_>)> {
    let mut top = Vec::new();
    for (key, value) in &layer.entries {
        let name = key.value.as_scalar().unwrap_or("");
        if name == "extends" {
            continue;
        }
        let mut value = shown(&layer.source, value);
        match (name, &mut value.value) {
            ("rules", Tree::Map(rules)) => severities(rules),
            ("overrides", Tree::List(items)) => {
                for item in items {
                    if let Tree::Map(entries) = &mut item.value {
                        for (key, rules) in entries {
                            if let ("rules", Tree::Map(rules)) = (*key, &mut rules.value) {
                                severities(rules);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        top.push((name, value));
    }
    top
}

/// Writes a rule given as a bare severity as `{severity: …}`, and a severity YAML read as
/// `false` as `off`.
fn severities(rules: &mut [(&str, Shown<'_>)]) {
    for (_, rule) in rules.iter_mut() {
        if let Tree::Scalar(_) = rule.value {
            let origin = rule.origin;
            let severity = std::mem::replace(
                rule,
                Shown {
                    origin,
                    value: Tree::Map(Vec::new()),
                },
            );
            rule.value = Tree::Map(vec![("severity", severity)]);
        }
        if let Tree::Map(settings) = &mut rule.value {
            for (key, setting) in settings.iter_mut() {
                // A severity written `false` is shown as the `off` it means.
                if *key == "severity" && matches!(setting.value, Tree::Scalar(Value::Bool(false))) {
                    setting.value = Tree::Word("off");
                }
            }
        }
    }
}

/// Lays `upper` over `lower`: mappings merge key by key, appended lists add up, anything else
/// is replaced.
fn merge<'a>(lower: &mut Vec<(&'a str, Shown<'a>)>, upper: Vec<(&'a str, Shown<'a>)>, top: bool) {
    for (key, value) in upper {
        let Some(slot) = lower.iter_mut().find(|(k, _)| *k == key) else {
            lower.push((key, value));
            continue;
        };
        match (&mut slot.1.value, value.value) {
            (Tree::Map(below), Tree::Map(above)) => merge(below, above, false),
            (Tree::List(below), Tree::List(above)) if top && APPENDED.contains(&key) => {
                below.extend(above)
            }
            (_, above) => {
                slot.1 = Shown {
                    origin: value.origin,
                    value: above,
                }
            }
        }
    }
}

impl Policy {
    /// The effective policy as commented YAML.
    pub fn show(&self) -> String {
        let mut tree = Vec::new();
        for layer in &self.layers {
            merge(&mut tree, layer_tree(layer), true);
        }
        let chain: Vec<&str> = self
            .layers
            .iter()
            .rev()
            .map(|l| l.source.name.as_str())
            .collect();
        let mut lines = Vec::new();
        for (key, value) in &tree {
            entry(&mut lines, 0, key, value, APPENDED.contains(key));
        }
        let width = lines
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0)
            .min(60);
        let mut out = format!(
            "# The effective policy: {}.\n# Each value's comment names the file and line it comes from.\n",
            chain.join(" on ")
        );
        for (line, origin) in lines {
            match origin {
                Some((file, at)) => {
                    out.push_str(&format!("{line:<width$}  # {file}:{at}\n"));
                }
                None => {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
        out
    }
}

type Line<'a> = (String, Option<Origin<'a>>);

/// Writes `key: value` at `indent`; `items_located` puts an origin on each list item (for
/// appended lists, whose items come from different files).
fn entry<'a>(
    lines: &mut Vec<Line<'a>>,
    indent: usize,
    key: &str,
    value: &Shown<'a>,
    items_located: bool,
) {
    let pad = " ".repeat(indent);
    match &value.value {
        Tree::Scalar(v) => lines.push((format!("{pad}{key}: {}", scalar(v)), Some(value.origin))),
        Tree::Word(w) => lines.push((format!("{pad}{key}: {w}"), Some(value.origin))),
        Tree::List(items) if items.is_empty() => {
            lines.push((format!("{pad}{key}: []"), Some(value.origin)))
        }
        Tree::Map(entries) if entries.is_empty() => {
            lines.push((format!("{pad}{key}: {{}}"), Some(value.origin)))
        }
        Tree::List(items) => {
            lines.push((
                format!("{pad}{key}:"),
                (!items_located).then_some(value.origin),
            ));
            for item in items {
                list_item(lines, indent + 2, item, items_located);
            }
        }
        Tree::Map(entries) => {
            lines.push((format!("{pad}{key}:"), None));
            for (k, v) in entries {
                entry(lines, indent + 2, k, v, false);
            }
        }
    }
}

fn list_item<'a>(lines: &mut Vec<Line<'a>>, indent: usize, item: &Shown<'a>, located: bool) {
    let pad = " ".repeat(indent);
    let origin = located.then_some(item.origin);
    match &item.value {
        Tree::Scalar(v) => lines.push((format!("{pad}- {}", scalar(v)), origin)),
        Tree::Word(w) => lines.push((format!("{pad}- {w}"), origin)),
        Tree::List(inner) => {
            let texts: Vec<String> = inner
                .iter()
                .map(|i| match &i.value {
                    Tree::Scalar(v) => scalar(v),
                    Tree::Word(w) => w.to_string(),
                    _ => "…".into(),
                })
                .collect();
            lines.push((format!("{pad}- [{}]", texts.join(", ")), origin));
        }
        Tree::Map(entries) => {
            let first = lines.len();
            for (k, v) in entries {
                entry(lines, indent + 2, k, v, false);
            }
            if let Some((line, at)) = lines.get_mut(first) {
                // `    key: …` becomes `  - key: …`, the item's first line.
                *line = format!("{pad}- {}", &line[indent + 2..]);
                if located {
                    *at = origin;
                }
            } else {
                lines.push((format!("{pad}- {{}}"), origin));
            }
        }
    }
}

/// A scalar as YAML reads it back: plain where that is safe, single-quoted otherwise.
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.clone(),
        Value::Text(t) => {
            let plain = t
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
                && t.chars()
                    .all(|c| c.is_alphanumeric() || " _./@+-".contains(c))
                && !t.ends_with(' ')
                && t.parse::<f64>().is_err()
                && !["true", "false", "null", "yes", "no", "on", "~"]
                    .contains(&t.to_ascii_lowercase().as_str());
            if plain {
                t.clone()
            } else {
                format!("'{}'", t.replace('\'', "''"))
            }
        }
        Value::List(_) | Value::Map(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_when_needed() {
        let text = |t: &str| scalar(&Value::Text(t.into()));
        assert_eq!(text("4h"), "4h");
        assert_eq!(text("all tenants"), "all tenants");
        assert_eq!(text("n/a"), "n/a");
        assert_eq!(text("*"), "'*'");
        assert_eq!(text("\\bteam\\b"), "'\\bteam\\b'");
        assert_eq!(text("it's"), "'it''s'");
        assert_eq!(text("yes"), "'yes'");
        assert_eq!(text("12"), "'12'");
    }

    #[test]
    fn values_are_merged_key_by_key_and_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("team.yaml"),
            "version: 1\nrules:\n  window-max: {max: 2h}\n  ticket-linked: off\noverrides:\n  - match: {environment: prod}\n    rules: {window-max: {max: 1h}}\n",
        )
        .unwrap();
        let path = dir.path().join("grantlint.yaml");
        std::fs::write(
            &path,
            "extends: team.yaml\nrules:\n  window-max: {severity: warning}\noverrides:\n  - match: {tenant: '*-test'}\n    rules: {window-max: {max: 8h}}\n",
        )
        .unwrap();
        let policy = Policy::load(Some(&path)).unwrap_or_else(|e| panic!("{:?}", e.errors));
        let shown = policy.show();
        let team = dir.path().join("team.yaml").display().to_string();
        let main = path.display().to_string();
        let line = |start: &str| {
            shown
                .lines()
                .find(|l| l.trim_start().starts_with(start))
                .unwrap_or_else(|| panic!("{start}: {shown}"))
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            line("severity: warning"),
            format!("severity: warning # {main}:3")
        );
        assert_eq!(line("max: 2h"), format!("max: 2h # {team}:3"));
        assert_eq!(line("severity: off"), format!("severity: off # {team}:4"));
        assert_eq!(line("version: 1"), format!("version: 1 # {team}:1"));
        let within = crate::policy::DEFAULT_POLICY
            .lines()
            .position(|l| l == "    within: 30d")
            .unwrap();
        assert_eq!(
            line("within: 30d"),
            format!("within: 30d # default:{}", within + 1)
        );
        // Overrides add up across files, each located.
        assert_eq!(line("- match:"), format!("- match: # {team}:6"));
        assert!(shown.contains(&format!("# {main}:5")), "{shown}");
        assert!(shown.starts_with(&format!(
            "# The effective policy: {main} on {team} on default."
        )));
        // What is shown reads back as the same policy.
        let again = dir.path().join("shown.yaml");
        std::fs::write(&again, &shown).unwrap();
        let reread =
            Policy::load(Some(&again)).unwrap_or_else(|e| panic!("{:?}\n{shown}", e.errors));
        assert_eq!(reread.override_count(), 2);
        let severities = |p: &Policy| {
            p.rules
                .iter()
                .map(|r| (r.id.clone(), r.severity))
                .collect::<Vec<_>>()
        };
        assert_eq!(severities(&reread), severities(&policy));
    }
}
