//! `--format json`: DESIGN.md's report, version 1.

use chrono::SecondsFormat;
use std::io::Write as _;

use serde::Serialize;

use super::Run;
use crate::baseline::Entry;
use crate::finding::Severity;

#[derive(Serialize)]
struct Report<'a, 'r> {
    version: u32,
    tool: Tool,
    policy: &'a str,
    now: String,
    summary: Summary<'a>,
    findings: Findings<'a, 'r>,
    /// Waived or baselined findings (an addition to v1; absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressed: Vec<SuppressedFinding<'a>>,
    /// Inputs that could not be read (an addition to v1; absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<InputError<'a>>,
}

/// The findings, serialised one by one as they are made: a million findings need no second
/// list in memory.
struct Findings<'a, 'r>(&'r Run<'a>);

impl Serialize for Findings<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let run = self.0;
        serializer.collect_seq(run.shown().map(|f| finding(run, f)))
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    grants: usize,
    /// Requests of native exports that never became access (an addition to v1; absent when
    /// there are none).
    #[serde(skip_serializing_if = "is_zero")]
    skipped: usize,
    findings: usize,
    by_severity: BySeverity,
    passed: bool,
    /// Additions to v1, each absent when it does not apply.
    #[serde(skip_serializing_if = "is_zero")]
    suppressed: usize,
    /// Findings below `--min-severity`, left out of `findings`.
    #[serde(skip_serializing_if = "is_zero")]
    hidden: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineSummary<'a>>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct BaselineSummary<'a> {
    new: usize,
    baselined: usize,
    resolved: usize,
    /// Entries that matched nothing: fixed findings, or grants that are gone.
    stale: &'a [Entry],
}

#[derive(Serialize)]
struct SuppressedFinding<'a> {
    #[serde(flatten)]
    finding: Finding<'a>,
    by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approver: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
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

pub fn render(run: &Run) -> String {
    let mut out = Vec::new();
    // Writing plain structs of strings and numbers into memory cannot fail.
    let _ = write(run, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the report as it is serialised, so a million findings need no second copy in memory.
pub fn write(run: &Run, out: &mut dyn std::io::Write) -> std::io::Result<()> {
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
            files: outcome.inputs,
            grants: outcome.grants,
            skipped: outcome.skipped,
            findings: run.shown().count(),
            by_severity: BySeverity {
                error: counts.error,
                warning: counts.warning,
                info: counts.info,
            },
            passed: run.passed(),
            suppressed: run.shown_suppressed().count(),
            hidden: run.hidden(),
            baseline: outcome.baseline.as_ref().map(|b| BaselineSummary {
                new: b.new,
                baselined: b.baselined,
                resolved: b.resolved(),
                stale: &b.stale,
            }),
        },
        findings: Findings(run),
        suppressed: run
            .shown_suppressed()
            .map(|s| {
                let (by, reason, approver, expires) = s.by.parts();
                let expires = expires.map(|e| e.to_rfc3339_opts(SecondsFormat::Secs, true));
                SuppressedFinding {
                    finding: finding(run, &s.finding),
                    by,
                    reason,
                    approver,
                    expires,
                }
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
    // Buffered here, so the serialiser's many small writes are not each a call through `dyn`.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, &report)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

fn finding<'a>(run: &Run<'a>, f: &'a crate::finding::Finding) -> Finding<'a> {
    Finding {
        rule: &f.rule,
        severity: f.severity,
        grant: f.grant.as_deref(),
        tenant: f.tenant.as_deref(),
        file: &run.outcome.files[f.file],
        line: f.span.line,
        column: f.span.column,
        field: f.field.map(|f| f.name()),
        message: &f.message,
        help: &f.help,
        related: &f.related,
    }
}
