//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. Rules carry
//! their documentation as help; results carry fingerprints that ignore the line, and waived or
//! baselined findings are included with a `suppressions` entry so viewers close their alerts.

use serde::Serialize;

use super::fingerprint::fingerprints;
use super::{Ends, RuleInfo, Run};
use crate::finding::{Finding, Severity, Suppression};

/// Where users read about the tool; shown by SARIF viewers next to each rule.
pub const INFORMATION_URI: &str = "https://github.com/grantlint/grantlint";
/// Each built-in rule's `helpUri`: the rules table; `grantlint explain RULE` and the rule's
/// `help` hold its whole documentation.
const RULES_URI: &str = "https://github.com/grantlint/grantlint/blob/main/README.md#rules";
/// A custom rule's `helpUri`: how custom rules work (the rule itself is the team's policy).
const CUSTOM_RULES_URI: &str =
    "https://github.com/grantlint/grantlint/blob/main/docs/policy.md#custom-rules";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Relative URIs are relative to the repository root (`report::paths`); code scanning reads
/// them so, and other viewers may resolve the base id to a checkout.
const ROOT_BASE: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun<'a> {
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    automation_details: Option<AutomationDetails>,
    invocations: [Invocation; 1],
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: &'static str,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

/// grantlint's own key, and the same value as GitHub's `primaryLocationLineHash`, so code
/// scanning matches alerts by rule, grant, tenant and field rather than by the text around
/// the line: editing another value of a CSV row does not reopen the row's alerts.
#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "grantlint/v1")]
    v1: String,
    #[serde(rename = "primaryLocationLineHash")]
    line_hash: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (0.0 to 10.0; 9.0 and above is "critical", 7.0 "high", 4.0
/// "medium", 0.1 "low") from the policy's severity of the rule, a step higher for a high-risk
/// rule ([`crate::rules::HIGH_RISK`]): error 8.0 (9.5), warning 5.0 (7.5), info 2.0.
pub fn security_severity(severity: Severity, rule: &str) -> &'static str {
    let high = crate::rules::HIGH_RISK.contains(&rule);
    match (severity, high) {
        (Severity::Error, true) => "9.5",
        (Severity::Error, false) => "8.0",
        (Severity::Warning, true) => "7.5",
        (Severity::Warning, false) => "5.0",
        (Severity::Info, _) => "2.0",
    }
}

/// Every rule of the active policy, in a fixed order (see [`RuleInfo::of_policy`]), then a
/// bare descriptor for any rule a finding names that the policy does not describe, so that
/// every result's `ruleIndex` points at its rule.
fn descriptors(run: &Run) -> Vec<Descriptor> {
    let mut rules: Vec<Descriptor> = run.rules.iter().map(descriptor).collect();
    for f in run
        .shown()
        .chain(run.shown_suppressed().map(|s| &s.finding))
    {
        if !rules.iter().any(|r| r.id == f.rule) {
            rules.push(descriptor(&RuleInfo {
                id: f.rule.to_string(),
                severity: Some(f.severity),
                default_severity: f.severity,
                summary: f.rule.to_string(),
                docs: String::new(),
                custom: false,
            }));
        }
    }
    rules
}

fn descriptor(rule: &RuleInfo) -> Descriptor {
    let severity = rule.severity.unwrap_or(rule.default_severity);
    let markdown = format!("{}\n\n{}", rule.summary, rule.docs);
    let mut tags = vec!["security", "access-control"];
    if rule.custom {
        tags.push("custom");
    }
    Descriptor {
        id: rule.id.clone(),
        name: pascal_case(&rule.id),
        short_description: Text {
            text: rule.summary.clone(),
        },
        full_description: Text {
            text: section(&rule.docs, "What it checks").unwrap_or_else(|| rule.summary.clone()),
        },
        help: Help {
            text: plain(&markdown),
            markdown,
        },
        help_uri: if rule.custom {
            CUSTOM_RULES_URI
        } else {
            RULES_URI
        },
        default_configuration: Configuration {
            enabled: rule.severity.is_some(),
            level: level(severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(severity, &rule.id),
        },
    }
}

/// `window-max` → `WindowMax`: the "friendly name" SARIF viewers show.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Markdown as plain text, for viewers that show `help.text` as it is: no heading marks,
/// code fences, backticks or emphasis.
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            continue;
        }
        let line = line.trim_start_matches('#').trim_start_matches(' ');
        out.push_str(&line.replace('`', "").replace("**", ""));
        out.push('\n');
    }
    out
}

/// The text of one `## Heading` section.
fn section(docs: &str, heading: &str) -> Option<String> {
    let start = docs.find(&format!("## {heading}\n"))? + heading.len() + 4;
    let rest = &docs[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}

/// A report name (`report::paths`) as a URI: relative to the root (`%SRCROOT%`), or an
/// absolute `file://` URI for a file outside it, which code scanning also accepts.
fn artifact(name: &str) -> ArtifactLocation {
    if super::paths::is_outside(name) {
        let path = name.replace('\\', "/");
        let slash = if path.starts_with('/') { "" } else { "/" };
        ArtifactLocation {
            uri: format!("file://{slash}{}", uri(&path)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: uri(name),
            uri_base_id: Some(ROOT_BASE),
        }
    }
}

/// Percent-encodes what may not stand in a URI reference; keeps `/` as the separator.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The findings a report lists, open ones first, then the suppressed (so that viewers close
/// their alerts), and which of them fit under `--max-results`: the most severe open ones
/// first, a suppressed finding last. Returns the findings kept, in their order, and how many
/// were left out.
fn kept<'a>(listed: &[(&'a Finding, Option<&'a Suppression>)], most: usize) -> (Vec<usize>, usize) {
    if listed.len() <= most {
        return ((0..listed.len()).collect(), 0);
    }
    let mut order: Vec<usize> = (0..listed.len()).collect();
    order.sort_by_key(|&i| {
        let (f, by) = listed[i];
        (by.is_some(), std::cmp::Reverse(f.severity))
    });
    let mut keep = order[..most].to_vec();
    keep.sort_unstable();
    (keep, listed.len() - most)
}

pub fn render(run: &Run, ends: &Ends) -> String {
    let rules = descriptors(run);
    let outcome = run.outcome;
    let listed: Vec<(&Finding, Option<&Suppression>)> = run
        .shown()
        .map(|f| (f, None))
        .chain(run.shown_suppressed().map(|s| (&s.finding, Some(&s.by))))
        .collect();
    // Over every finding, so that a capped report keeps each result's fingerprint.
    let prints = fingerprints(&run.outcome.fields, listed.iter().map(|(f, _)| *f));
    let (keep, left_out) = kept(&listed, run.settings.max_results);
    let results = keep
        .into_iter()
        .map(|i| {
            let (f, by) = listed[i];
            let print = &prints[i];
            let (end_line, end_column) = ends.of(f);
            SarifResult {
                rule_id: &f.rule,
                rule_index: rules.iter().position(|r| r.id == f.rule).unwrap_or(0),
                level: level(f.severity),
                message: Text {
                    text: format!("{}\nhelp: {}", f.message, f.help),
                },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: artifact(&outcome.files[f.file]),
                        region: Some(Region {
                            start_line: f.span.line.max(1),
                            start_column: f.span.column.max(1),
                            end_line: Some(end_line),
                            // SARIF's end column is the one just past the value.
                            end_column: Some(if f.span.len == 0 {
                                f.span.column.max(1)
                            } else {
                                end_column.saturating_add(1)
                            }),
                        }),
                    },
                }],
                partial_fingerprints: Fingerprints {
                    v1: print.clone(),
                    line_hash: print.clone(),
                },
                suppressions: by.map(suppression).into_iter().collect(),
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [SarifRun {
            tool: Tool {
                driver: Driver {
                    name: "grantlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            automation_details: run.settings.category.as_deref().map(automation),
            invocations: [invocation(run, left_out, listed.len())],
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    // Plain structs of strings and numbers: serialising cannot fail.
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// `--category`: code scanning takes what comes before the last `/` of the id as the
/// category, so a category is written with one at its end (as the CodeQL action does).
fn automation(category: &str) -> AutomationDetails {
    let mut id = category.to_string();
    if !id.ends_with('/') {
        id.push('/');
    }
    AutomationDetails { id }
}

/// Where an unreadable input is; nothing for an error that names no file (`--exclude`'s).
fn unreadable_at(e: &crate::load::InputError) -> Vec<Location> {
    if e.file.starts_with("--") {
        return Vec::new();
    }
    let region = e.location.map(|at| Region {
        start_line: at.line.max(1),
        start_column: at.column.max(1),
        end_line: None,
        end_column: None,
    });
    vec![Location {
        physical_location: PhysicalLocation {
            artifact_location: artifact(&e.file),
            region,
        },
    }]
}

/// Whether the run read every input, and a notification for each that it could not read and
/// for results left out by `--max-results`: an unreadable file is never silently "fixed".
fn invocation(run: &Run, left_out: usize, listed: usize) -> Invocation {
    let mut notifications: Vec<Notification> = run
        .outcome
        .errors
        .iter()
        .map(|e| Notification {
            level: "error",
            message: Text {
                text: format!("{} could not be read: {}", e.file, e.message),
            },
            locations: unreadable_at(e),
        })
        .collect();
    if left_out > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{left_out} of {listed} results left out: this report holds the {} most \
                     severe (--max-results); the JSON or CSV report lists every finding",
                    listed - left_out
                ),
            },
            locations: Vec::new(),
        });
    }
    Invocation {
        execution_successful: run.outcome.errors.is_empty(),
        tool_execution_notifications: notifications,
    }
}

fn suppression(by: &Suppression) -> SarifSuppression {
    SarifSuppression {
        kind: "external",
        status: "accepted",
        justification: match by {
            Suppression::Waiver {
                reason,
                approver,
                expires,
            } => format!(
                "waived by {approver} until {}: {reason}",
                expires.format("%Y-%m-%d %H:%M UTC")
            ),
            Suppression::Baseline => "recorded in the baseline".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_full_description_from_its_docs() {
        for rule in RuleInfo::of_default() {
            let d = descriptor(&rule);
            assert!(!d.full_description.text.is_empty(), "{}", d.id);
            assert!(!d.full_description.text.contains("## "), "{}", d.id);
            assert!(d.help.markdown.contains("## Why"), "{}", d.id);
            assert!(
                !d.help.text.contains("## ") && !d.help.text.contains('`'),
                "{}",
                d.id
            );
        }
    }

    #[test]
    fn uris_are_percent_encoded_and_outside_files_absolute() {
        let inside = artifact("exports/my grants#1.yaml");
        assert_eq!(inside.uri, "exports/my%20grants%231.yaml");
        assert_eq!(inside.uri_base_id, Some(ROOT_BASE));
        let outside = artifact("/srv/exports/a b.csv");
        assert_eq!(outside.uri, "file:///srv/exports/a%20b.csv");
        assert_eq!(outside.uri_base_id, None);
    }

    #[test]
    fn friendly_names_are_pascal_case() {
        assert_eq!(pascal_case("window-max"), "WindowMax");
        assert_eq!(pascal_case("prod_admin-2p"), "ProdAdmin2p");
    }
}
