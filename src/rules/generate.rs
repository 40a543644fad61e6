//! The files written from the registry, so a rule is described once, in its own file:
//! `policies/default.yaml`, the rules part of `docs/policy.schema.json` and README's rules
//! table. `tests/generated.rs` fails when a committed copy differs, and rewrites them when run
//! with `UPDATE_GENERATED=1`.

use super::settings::{Default, Item, Kind, SettingMeta};
use super::{REGISTRY, RuleMeta};

/// Lines a default list may take on one line (`key: [a, b]`) before it is written one item a
/// line.
const FLOW_WIDTH: usize = 100;

/// The default policy: every rule with its default severity and settings, comments and all.
/// Its line count above each value matters: `policy show` names default values by line.
pub fn default_policy() -> String {
    let mut out = String::from(
        "# grantlint's default policy, generated from the rules in src/rules/*.rs: change a default\n\
         # there, then run `UPDATE_GENERATED=1 cargo test --test generated`. It is embedded in the\n\
         # binary and is the base every policy layers on. Severities: error, warning, info, off.\n\
         version: 1\n\
         rules:\n",
    );
    for (i, meta) in REGISTRY.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for line in meta.note {
            out.push_str(&format!("  # {line}\n"));
        }
        out.push_str(&format!(
            "  {}:\n    severity: {}\n",
            meta.id,
            if meta.off {
                "off"
            } else {
                meta.severity.name()
            }
        ));
        for setting in meta.settings {
            write_setting(&mut out, setting);
        }
    }
    out
}

fn write_setting(out: &mut String, setting: &SettingMeta) {
    for line in setting.note {
        out.push_str(&format!("    # {line}\n"));
    }
    let key = setting.key;
    match setting.default {
        Default::Scalar(value) => out.push_str(&format!("    {key}: {value}\n")),
        // An empty list, such as approver-authorized's `groups` before a policy names any.
        Default::List([]) => out.push_str(&format!("    {key}: []\n")),
        Default::List(items) => {
            let quoted = |item: &Item| quote(item.text, setting.kind, true);
            let flow = format!(
                "    {key}: [{}]\n",
                items.iter().map(quoted).collect::<Vec<_>>().join(", ")
            );
            let notes = items.iter().any(|item| item.note.is_some());
            if setting.kind == Kind::Words && !notes && flow.len() <= FLOW_WIDTH + 1 {
                out.push_str(&flow);
                return;
            }
            out.push_str(&format!("    {key}:\n"));
            for item in items {
                let text = quote(item.text, setting.kind, false);
                match item.note {
                    Some(note) => out.push_str(&format!("      - {text}  # {note}\n")),
                    None => out.push_str(&format!("      - {text}\n")),
                }
            }
        }
    }
}

/// A default text as YAML: patterns always in single quotes (backslashes read as written),
/// other texts only when YAML would read them otherwise.
fn quote(text: &str, kind: Kind, flow: bool) -> String {
    let special_start = text
        .chars()
        .next()
        .is_none_or(|c| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace());
    let needs = kind == Kind::Patterns
        || special_start
        || text.ends_with(char::is_whitespace)
        || text.ends_with(':')
        || text.contains(": ")
        || text.contains(" #")
        || (flow && text.contains([',', '[', ']', '{', '}']))
        || ["true", "false", "null", "~"].contains(&text.to_ascii_lowercase().as_str())
        || text.parse::<f64>().is_ok();
    if needs {
        format!("'{}'", text.replace('\'', "''"))
    } else {
        text.to_string()
    }
}

/// `template` (the committed schema) with `$defs.rules.properties` written from the
/// registry; the rest of the schema is kept as it is.
pub fn policy_schema(template: &str) -> Result<String, String> {
    let lines: Vec<&str> = template.lines().collect();
    let find = |from: usize, line: &str| {
        lines
            .iter()
            .skip(from)
            .position(|l| *l == line)
            .map(|i| i + from)
            .ok_or_else(|| format!("the schema has no line `{line}` where the rules go"))
    };
    let defs = find(0, "  \"$defs\": {")?;
    let rules = find(defs, "    \"rules\": {")?;
    let start = find(rules, "      \"properties\": {")?;
    let end = find(start, "      }")?;
    let mut out: String = lines[..=start].iter().map(|l| format!("{l}\n")).collect();
    for (i, meta) in REGISTRY.iter().enumerate() {
        out.push_str(&format!("        {}: ", json_text(meta.id)));
        schema_rule(meta).write(8, &mut out);
        out.push_str(if i + 1 < REGISTRY.len() { ",\n" } else { "\n" });
    }
    for line in &lines[end..] {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// One rule's entry in the schema: a severity alone, or a mapping of its settings.
fn schema_rule(meta: &RuleMeta) -> Json {
    let severity = || Json::Object(vec![("$ref", Json::text("#/$defs/severity"))]);
    let mut properties = vec![("severity", severity())];
    for setting in meta.settings {
        let mut fields = vec![
            ("description", Json::text(setting.doc.trim())),
            (
                "$ref",
                Json::text(&format!("#/$defs/{}", setting.kind.schema())),
            ),
        ];
        match (setting.default, setting.kind) {
            (Default::Scalar(value), Kind::Count) => {
                fields.push(("default", Json::Raw(value.into())))
            }
            (Default::Scalar(value), _) => fields.push(("default", Json::text(value))),
            (Default::List(_), _) => {}
        }
        properties.push((setting.key, Json::Object(fields)));
    }
    let settings = Json::Object(vec![
        ("type", Json::text("object")),
        ("additionalProperties", Json::Raw("false".into())),
        ("properties", Json::Object(properties)),
    ]);
    Json::Object(vec![
        ("description", Json::text(meta.summary)),
        ("oneOf", Json::Array(vec![severity(), settings])),
    ])
}

/// JSON as the schema is laid out (serde_json's pretty form), keys in the order given.
enum Json {
    /// Already JSON: a number, a boolean, an escaped string.
    Raw(String),
    Object(Vec<(&'static str, Json)>),
    Array(Vec<Json>),
}

impl Json {
    fn text(text: &str) -> Json {
        Json::Raw(json_text(text))
    }

    fn write(&self, indent: usize, out: &mut String) {
        let pad = |n: usize| " ".repeat(n);
        match self {
            Json::Raw(raw) => out.push_str(raw),
            Json::Object(fields) => {
                out.push_str("{\n");
                for (i, (key, value)) in fields.iter().enumerate() {
                    out.push_str(&format!("{}{}: ", pad(indent + 2), json_text(key)));
                    value.write(indent + 2, out);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                out.push_str(&format!("{}}}", pad(indent)));
            }
            Json::Array(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 2));
                    item.write(indent + 2, out);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&format!("{}]", pad(indent)));
            }
        }
    }
}

fn json_text(text: &str) -> String {
    // A &str always serialises.
    serde_json::to_string(text).unwrap_or_default()
}

const README_START: &str = "<!-- rules:start -->";
const README_END: &str = "<!-- rules:end -->";

/// `readme` with the rules table between its markers written from the registry.
pub fn readme(readme: &str) -> Result<String, String> {
    let start = readme
        .find(README_START)
        .ok_or_else(|| format!("README has no {README_START}"))?
        + README_START.len();
    let end = readme[start..]
        .find(README_END)
        .ok_or_else(|| format!("README has no {README_END} after {README_START}"))?
        + start;
    Ok(format!(
        "{}\n{}{}",
        &readme[..start],
        rules_table(),
        &readme[end..]
    ))
}

/// README's rules table: id, default severity and scalar settings, when it fires.
pub fn rules_table() -> String {
    let mut out = String::from("| id | default | fires when |\n|---|---|---|\n");
    for meta in REGISTRY {
        let mut default = if meta.off {
            "off"
        } else {
            meta.severity.name()
        }
        .to_string();
        for setting in meta.settings {
            if let Default::Scalar(value) = setting.default {
                default.push_str(&format!(", {} {value}", setting.key));
            }
        }
        out.push_str(&format!(
            "| {} | {default} | {} |\n",
            meta.id,
            meta.fires.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_quoted_only_where_yaml_would_misread_them() {
        assert_eq!(
            quote("support issue", Kind::Phrases, false),
            "support issue"
        );
        assert_eq!(quote("n/a", Kind::Phrases, true), "n/a");
        assert_eq!(quote("*", Kind::Words, true), "'*'");
        assert_eq!(quote("@bot", Kind::Texts, false), "'@bot'");
        assert_eq!(quote("a, b", Kind::Words, true), "'a, b'");
        assert_eq!(quote("a, b", Kind::Words, false), "a, b");
        assert_eq!(quote("true", Kind::Words, false), "'true'");
        assert_eq!(quote("3", Kind::Words, false), "'3'");
        assert_eq!(quote(r"\bit's\b", Kind::Patterns, false), r"'\bit''s\b'");
    }

    #[test]
    fn the_schema_template_must_have_a_place_for_the_rules() {
        let got = policy_schema("{\n  \"$defs\": {\n  }\n}\n");
        assert!(got.is_err_and(|e| e.contains("\"rules\"")));
        let got = readme("# grantlint\n");
        assert!(got.is_err_and(|e| e.contains(README_START)));
    }
}
