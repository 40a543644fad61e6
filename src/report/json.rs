//! `--format json`: DESIGN.md's report, version 1.

use chrono::SecondsFormat;
use serde::Serialize;

use super::Run;
use crate::finding::Severity;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    policy: &'a str,
    now: String,
    summary: Summary,
    findings: Vec<Finding<'a>>,
    /// Inputs that could not be read (an addition to v1; absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<InputError<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    grants: usize,
    /// Requests of native exports that never became access (an addition to v1; absent when
    /// there are none).
    #[serde(skip_serializing_if = "is_zero")]
    skipped: usize,
    findings: usize,
    by_severity: BySeverity,
    passed: bool,
}

#[derive(Serialize)]
struct BySeverity {
    error: usize,
    warning: usize,
    info: usize,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    severity: Severity,
    grant: Option<&'a str>,
    tenant: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
    field: Option<&'static str>,
    message: &'a str,
    help: &'a str,
    related: &'a [String],
}

#[derive(Serialize)]
struct InputError<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub fn render(run: &Run) -> String {
    let outcome = run.outcome;
    let counts = run.counts();
    let report = Report {
        version: 1,
        tool: Tool {
            name: "grantlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        policy: run.policy,
        now: run.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        summary: Summary {
            files: outcome.files.len(),
            grants: outcome.grants,
            skipped: outcome.skipped,
            findings: outcome.findings.len(),
            by_severity: BySeverity {
                error: counts.error,
                warning: counts.warning,
                info: counts.info,
            },
            passed: run.passed(),
        },
        findings: outcome
            .findings
            .iter()
            .map(|f| Finding {
                rule: &f.rule,
                severity: f.severity,
                grant: f.grant.as_deref(),
                tenant: f.tenant.as_deref(),
                file: &outcome.files[f.file],
                line: f.span.line,
                column: f.span.column,
                field: f.field.map(|f| f.name()),
                message: &f.message,
                help: &f.help,
                related: &f.related,
            })
            .collect(),
        errors: outcome
            .errors
            .iter()
            .map(|e| InputError {
                file: &e.file,
                line: e.location.map(|s| s.line),
                column: e.location.map(|s| s.column),
                message: &e.message,
            })
            .collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}
