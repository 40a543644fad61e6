//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. Rules carry
//! their documentation as help; results carry fingerprints that ignore the line, and waived or
//! baselined findings are included with a `suppressions` entry so viewers close their alerts.

use serde::Serialize;

use super::Run;
use super::fingerprint::{fingerprints, relative_path};
use crate::finding::{Finding, Severity, Suppression};
use crate::rules;

/// Where users read about the tool; shown by SARIF viewers next to each rule.
pub const INFORMATION_URI: &str = "https://github.com/grantlint/grantlint";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

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
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
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
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "grantlint/v1")]
    v1: String,
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
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
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

/// Every rule grantlint can report, in a fixed order: the registry's findings, each with its
/// default level.
fn descriptors() -> Vec<Descriptor> {
    rules::findings()
        .map(|finding| {
            let docs = unindent(finding.docs);
            Descriptor {
                id: finding.id,
                short_description: Text {
                    text: finding.summary.to_string(),
                },
                full_description: Text {
                    text: section(&docs, "What it checks")
                        .unwrap_or_else(|| finding.summary.to_string()),
                },
                help: Help {
                    text: docs.clone(),
                    markdown: docs,
                },
                default_configuration: Configuration {
                    enabled: !finding.off,
                    level: level(finding.severity),
                },
            }
        })
        .collect()
}

/// Doc comments arrive with the space after `///`.
fn unindent(docs: &str) -> String {
    docs.lines()
        .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
        .collect()
}

/// The text of one `## Heading` section.
fn section(docs: &str, heading: &str) -> Option<String> {
    let start = docs.find(&format!("## {heading}\n"))? + heading.len() + 4;
    let rest = &docs[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}

/// Percent-encodes what may not stand in a URI reference; keeps `/` as the separator.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in relative_path(path).bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

pub fn render(run: &Run) -> String {
    let rules = descriptors();
    let outcome = run.outcome;
    let listed: Vec<(&Finding, Option<&Suppression>)> = run
        .shown()
        .map(|f| (f, None))
        .chain(run.shown_suppressed().map(|s| (&s.finding, Some(&s.by))))
        .collect();
    let prints = fingerprints(listed.iter().map(|(f, _)| *f));
    let results = listed
        .iter()
        .zip(prints)
        .map(|((f, by), print)| SarifResult {
            rule_id: &f.rule,
            rule_index: rules.iter().position(|r| r.id == f.rule),
            level: level(f.severity),
            message: Text {
                text: format!("{}\nhelp: {}", f.message, f.help),
            },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: uri(&outcome.files[f.file]),
                    },
                    region: Region {
                        start_line: f.span.line.max(1),
                        start_column: f.span.column.max(1),
                    },
                },
            }],
            partial_fingerprints: Fingerprints { v1: print },
            suppressions: by.map(suppression).into_iter().collect(),
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
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    // Plain structs of strings and numbers: serialising cannot fail.
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
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
        for d in descriptors() {
            assert!(!d.full_description.text.is_empty(), "{}", d.id);
            assert!(!d.full_description.text.contains("## "), "{}", d.id);
            assert!(d.help.markdown.contains("## Why"), "{}", d.id);
        }
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri("exports/my grants#1.yaml"),
            "exports/my%20grants%231.yaml"
        );
        assert_eq!(uri("./tickets.csv"), "tickets.csv");
    }
}
