//! `--format gitlab-sast`: a GitLab security report in the SAST format (security report schema
//! 15.0.7), for the vulnerability report and merge-request security widget a security team
//! reads. Written from GitLab's documentation of the format ("Security scanner integration",
//! docs.gitlab.com/development/integrations/secure): `version`, `scan` (analyzer, scanner,
//! type, times in `YYYY-MM-DDTHH:MM:SS`, status, messages) and one vulnerability per open
//! finding with its `identifiers`.
//!
//! - Severity: the policy's severity and the rule's risk ([`crate::rules::HIGH_RISK`]):
//!   `Critical` for an error of a high-risk rule, `High` for another error, `Medium` for a
//!   warning, `Low` for info.
//! - `id`: a UUID-shaped value from the finding's line-independent fingerprint, so GitLab keeps
//!   one vulnerability for one problem across pipelines.
//! - Suppressed findings are left out (a waiver is the policy's decision); an input that could
//!   not be read makes the scan's status `failure` with a `fatal` message naming it, so GitLab
//!   never takes its vulnerabilities as resolved.
//! - Checked against GitLab's own schema (tests/schemas/gitlab-sast-report-format-15.0.7.json):
//!   `name` is cut to its 255 characters and `solution` to its 7,000, with "…".

use serde::Serialize;

use super::Run;
use super::fingerprint::fingerprints;
use crate::finding::{Finding, Severity};

/// The security report schema version this report follows.
pub const SCHEMA_VERSION: &str = "15.0.7";

/// Where that schema is published; GitLab's docs ask reports to name it in `schema`.
pub const SCHEMA_URL: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.0.7/dist/sast-report-format.json";

/// The schema's `maxLength`s (in characters) of a vulnerability's `name` and `solution`.
const NAME_CHARS: usize = 255;
const SOLUTION_CHARS: usize = 7000;

#[derive(Serialize)]
struct Report<'a> {
    version: &'static str,
    scan: Scan,
    vulnerabilities: Vec<Vulnerability<'a>>,
    // Last: discovery knows the report by its first keys (discover.rs, `own_by_content`).
    schema: &'static str,
}

#[derive(Serialize)]
struct Scan {
    analyzer: Tool,
    scanner: Tool,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: String,
    end_time: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<Message>,
}

#[derive(Serialize)]
struct Tool {
    id: &'static str,
    name: &'static str,
    url: &'static str,
    version: &'static str,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Message {
    level: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: String,
    name: String,
    description: String,
    severity: &'static str,
    solution: String,
    location: Location<'a>,
    identifiers: [Identifier<'a>; 1],
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    start_line: u32,
    end_line: u32,
}

#[derive(Serialize)]
struct Identifier<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: &'a str,
    url: &'static str,
}

fn tool() -> Tool {
    Tool {
        id: "grantlint",
        name: "grantlint",
        url: super::sarif::INFORMATION_URI,
        version: env!("CARGO_PKG_VERSION"),
        vendor: Vendor { name: "grantlint" },
    }
}

/// The security report's severity of a finding (see the module's doc).
pub fn severity(f: &Finding) -> &'static str {
    match f.severity {
        Severity::Error if crate::rules::HIGH_RISK.contains(&f.rule.as_ref()) => "Critical",
        Severity::Error => "High",
        Severity::Warning => "Medium",
        Severity::Info => "Low",
    }
}

/// A fingerprint (16 hex digits, maybe `:n`) spread into the shape of a UUID, version 8
/// ("custom"), so consumers that expect one get one.
fn uuid(print: &str) -> String {
    let (hex, nth) = print.split_once(':').unwrap_or((print, "1"));
    let nth: u64 = nth.parse().unwrap_or(1);
    format!(
        "{}-{}-8{}-8{}-{nth:012x}",
        &hex[..8],
        &hex[8..12],
        &hex[12..15],
        &hex[13..16]
    )
}

/// `text` cut to at most `chars` characters, the last one "…" when cut (the schema's
/// `maxLength` counts characters).
fn clip(text: String, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text,
        Some(_) => {
            let mut short: String = text.chars().take(chars - 1).collect();
            short.push('…');
            short
        }
    }
}

pub fn render(run: &Run) -> String {
    let shown: Vec<&Finding> = run.shown().collect();
    let prints = fingerprints(&run.outcome.fields, shown.iter().copied());
    let summaries: std::collections::HashMap<&str, &str> = run
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.summary.as_str()))
        .collect();
    let vulnerabilities = shown
        .into_iter()
        .zip(prints)
        .map(|(f, print)| Vulnerability {
            id: uuid(&print),
            name: clip(
                match summaries.get(f.rule.as_ref()) {
                    Some(summary) => format!("{}: {summary}", f.rule),
                    None => f.rule.to_string(),
                },
                NAME_CHARS,
            ),
            description: match &f.grant {
                Some(grant) => format!("{grant}: {}", f.message),
                None => f.message.to_string(),
            },
            severity: severity(f),
            solution: clip(f.help.to_string(), SOLUTION_CHARS),
            location: Location {
                file: &run.outcome.files[f.file],
                start_line: f.span.line.max(1),
                end_line: f.span.line.max(1),
            },
            identifiers: [Identifier {
                kind: "grantlint_rule",
                name: format!("grantlint {}", f.rule),
                value: &f.rule,
                url: "https://github.com/grantlint/grantlint/blob/main/README.md#rules",
            }],
        })
        .collect();
    let errors = &run.outcome.errors;
    let time = run.now.format("%Y-%m-%dT%H:%M:%S").to_string();
    let report = Report {
        version: SCHEMA_VERSION,
        scan: Scan {
            analyzer: tool(),
            scanner: tool(),
            kind: "sast",
            start_time: time.clone(),
            end_time: time,
            status: if errors.is_empty() {
                "success"
            } else {
                "failure"
            },
            messages: errors
                .iter()
                .map(|e| Message {
                    level: "fatal",
                    value: format!("{} could not be read: {}", e.file, e.message),
                })
                .collect(),
        },
        vulnerabilities,
        schema: SCHEMA_URL,
    };
    // Plain structs of strings and numbers: serialising cannot fail.
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_shaped_and_follow_the_fingerprint() {
        assert_eq!(
            uuid("5e17f089a276afcd"),
            "5e17f089-a276-8afc-8fcd-000000000001"
        );
        assert_ne!(uuid("5e17f089a276afcd:2"), uuid("5e17f089a276afcd"));
    }

    #[test]
    fn long_names_and_solutions_are_cut_to_the_schemas_lengths() {
        assert_eq!(clip("abc".into(), 3), "abc");
        let cut = clip("é".repeat(300), NAME_CHARS);
        assert_eq!(cut.chars().count(), NAME_CHARS);
        assert!(cut.ends_with("é…"));
    }

    #[test]
    fn high_risk_rules_are_rules() {
        for id in crate::rules::HIGH_RISK {
            assert!(crate::rules::find(id).is_some(), "{id}");
        }
    }
}
