//! `--format json`: DESIGN.md's report, version 1.

use chrono::SecondsFormat;
use serde::Serialize;
use std::io::Write as _;

use super::Run;
use crate::baseline::Entry;
use crate::finding::Severity;

mod findings;
pub mod schema;

/// The report's fields before `findings`.
#[derive(Serialize, schemars::JsonSchema)]
struct Head<'a> {
    version: u32,
    tool: Tool,
    policy: &'a str,
    #[schemars(extend("format" = "date-time"))]
    now: String,
    summary: Summary<'a>,
}

/// The report's fields after `findings`, each left out when empty (additions to v1).
#[derive(Serialize, schemars::JsonSchema)]
struct Tail<'a> {
    /// Waived or baselined findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressed: Vec<SuppressedFinding<'a>>,
    /// Inputs that could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<InputError<'a>>,
    /// How each CSV's columns, or each YAML or JSON file's keys, were read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inputs: Vec<InputMap<'a>>,
}

/// One input's columns or keys: which became which field, which were ignored (with the
/// field each most likely means), which fields none supplies, and the `mapping:` that would
/// read the ignored ones.
#[derive(Serialize, schemars::JsonSchema)]
struct InputMap<'a> {
    file: &'a str,
    kind: &'static str,
    read: Vec<MappedName<'a>>,
    ignored: Vec<MappedName<'a>>,
    missing: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mapping: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct MappedName<'a> {
    name: &'a str,
    line: u32,
    column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'static str>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize, schemars::JsonSchema)]
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

#[derive(Serialize, schemars::JsonSchema)]
struct BaselineSummary<'a> {
    new: usize,
    baselined: usize,
    resolved: usize,
    /// Entries that matched nothing: fixed findings, or grants that are gone.
    stale: &'a [Entry],
}

#[derive(Serialize, schemars::JsonSchema)]
struct SuppressedFinding<'a> {
    #[serde(flatten)]
    finding: Finding<'a>,
    by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approver: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    expires: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct BySeverity {
    error: usize,
    warning: usize,
    info: usize,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Finding<'a> {
    rule: &'a str,
    severity: Severity,
    grant: Option<&'a str>,
    tenant: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
    /// The field the finding is about: a built-in field's name (`approver`), or a field the
    /// policy declares under `fields:` (`customer_consent`); null when it is about no one field.
    field: Option<&'a str>,
    message: &'a str,
    help: &'a str,
    related: &'a [String],
}

#[derive(Serialize, schemars::JsonSchema)]
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

/// Writes the report exactly as serde_json's pretty printer writes it whole, but with the
/// findings written by `findings` (a fast path: see there) in place of serde_json's.
pub fn write(run: &Run, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let shown: Vec<&crate::finding::Finding> = run.shown().collect();
    let head = serde_json::to_vec_pretty(&head(run, shown.len()))?;
    let tail = serde_json::to_vec_pretty(&tail(run))?;
    // Buffered here, so the many small writes are not each a call through `dyn`.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    // The head's object without its closing brace; then the findings; then the tail's keys.
    out.write_all(head.strip_suffix(b"\n}").unwrap_or(&head))?;
    out.write_all(b",\n  \"findings\": ")?;
    findings::write(&mut out, run, &shown)?;
    if let Some(keys) = tail.strip_prefix(b"{").and_then(|t| t.strip_suffix(b"\n}")) {
        out.write_all(b",")?;
        out.write_all(keys)?;
    }
    out.write_all(b"\n}\n")?;
    out.flush()
}

fn head<'a>(run: &'a Run<'a>, findings: usize) -> Head<'a> {
    let outcome = run.outcome;
    let counts = run.counts();
    Head {
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
            findings,
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
    }
}

fn tail<'a>(run: &'a Run<'a>) -> Tail<'a> {
    Tail {
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
        errors: input_errors(run.outcome),
        inputs: input_maps(run.outcome),
    }
}

/// `grantlint inspect --format json`: how each input was read, and what it held.
pub fn inspect(outcome: &crate::check::Outcome) -> String {
    #[derive(Serialize)]
    struct Inspection<'a> {
        files: usize,
        grants: usize,
        skipped: usize,
        inputs: Vec<InputMap<'a>>,
        errors: Vec<InputError<'a>>,
    }
    let inspection = Inspection {
        files: outcome.inputs,
        grants: outcome.grants,
        skipped: outcome.skipped,
        inputs: input_maps(outcome),
        errors: input_errors(outcome),
    };
    serde_json::to_string_pretty(&inspection).unwrap_or_default() + "\n"
}

/// How each CSV's columns, or each YAML or JSON file's keys, were read.
fn input_maps(outcome: &crate::check::Outcome) -> Vec<InputMap<'_>> {
    outcome
        .files
        .iter()
        .zip(&outcome.maps)
        .filter_map(|(file, map)| Some(input_map(file, map.as_ref()?)))
        .collect()
}

/// The inputs that could not be read.
fn input_errors(outcome: &crate::check::Outcome) -> Vec<InputError<'_>> {
    outcome
        .errors
        .iter()
        .map(|e| InputError {
            file: &e.file,
            line: e.location.map(|s| s.line),
            column: e.location.map(|s| s.column),
            message: &e.message,
        })
        .collect()
}

fn input_map<'a>(file: &'a str, map: &'a crate::load::understood::InputMap) -> InputMap<'a> {
    let name = |n: &'a crate::load::understood::Name| MappedName {
        name: &n.text,
        line: n.span.line,
        column: n.span.column,
        field: n.field.map(|f| f.name()).or(n.declared.as_deref()),
        suggestion: n.suggestion.map(|f| f.name()),
    };
    InputMap {
        file,
        kind: map.kind.name(),
        read: map
            .names
            .iter()
            .filter(|n| n.field.is_some() || n.declared.is_some())
            .map(name)
            .collect(),
        ignored: map.ignored().map(name).collect(),
        missing: map.missing.iter().map(|f| f.name()).collect(),
        mapping: map.mapping_lines(),
    }
}

fn finding<'a>(run: &Run<'a>, f: &'a crate::finding::Finding) -> Finding<'a> {
    let outcome: &'a crate::check::Outcome = run.outcome;
    Finding {
        rule: &f.rule,
        severity: f.severity,
        grant: f.grant.as_deref(),
        tenant: f.tenant.as_deref(),
        file: &run.outcome.files[f.file],
        line: f.span.line,
        column: f.span.column,
        field: outcome.field_name(f),
        message: &f.message,
        help: &f.help,
        related: &f.related,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Outcome;
    use crate::core::span::Span;
    use crate::finding::{Suppressed, Suppression};
    use crate::grant::Field;

    /// The report in one piece, as serde_json writes a whole document: the type the
    /// published schema is generated from.
    use schema::CheckReport as Whole;

    fn outcome(findings: usize, suppressed: bool, errors: bool) -> Outcome {
        let found = |i: usize| crate::finding::Finding {
            rule: "reason-specific".into(),
            severity: [Severity::Error, Severity::Warning, Severity::Info][i % 3],
            grant: (!i.is_multiple_of(5)).then(|| format!("G-{i}").into()),
            tenant: Some("acme \"eu\"\n".into()),
            file: 0,
            span: Span {
                line: i as u32 + 2,
                column: 3,
                offset: 0,
                len: 1,
            },
            field: i.is_multiple_of(2).then_some(Field::Reason),
            // Some findings name a declared field, by its slot.
            declared: (i % 4 == 1).then_some(0),
            at_grant: false,
            message: format!("reason `fix {i}` is vague \u{e9}").into(),
            help: "say what".into(),
            related: vec![format!("G-{}", i + 1); i % 3],
        };
        Outcome {
            files: vec!["a.csv".into()],
            inputs: 1,
            grants: findings,
            skipped: 0,
            findings: (0..findings).map(found).collect(),
            suppressed: suppressed
                .then(|| Suppressed {
                    finding: found(7),
                    by: Suppression::Waiver {
                        reason: "known".into(),
                        approver: "Ravi Patel".into(),
                        expires: "2026-12-01T00:00:00Z".parse().unwrap(),
                    },
                })
                .into_iter()
                .collect(),
            errors: errors
                .then(|| crate::load::InputError::new("b.csv", "cannot read"))
                .into_iter()
                .collect(),
            records: Vec::new(),
            baseline: None,
            maps: vec![None],
            fields: vec!["customer_region".into()],
        }
    }

    #[test]
    fn pieces_written_on_every_core_make_serde_jsons_own_document() {
        for (findings, suppressed, errors) in [
            (0, false, false),
            (1, true, false),
            (findings::PIECE * 3 + 17, true, true),
            (5, false, true),
        ] {
            let outcome = outcome(findings, suppressed, errors);
            for min_severity in [Severity::Info, Severity::Error] {
                let run = Run {
                    outcome: &outcome,
                    policy: "default",
                    now: "2026-11-24T12:00:00Z".parse().unwrap(),
                    fail_on: crate::report::FailOn::Error,
                    min_severity,
                    rules: &[],
                    settings: &Default::default(),
                };
                let shown: Vec<_> = run.shown().map(|f| finding(&run, f)).collect();
                let whole = Whole {
                    head: head(&run, shown.len()),
                    findings: shown,
                    tail: tail(&run),
                };
                let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
                assert_eq!(render(&run), expected, "{findings} findings");
            }
        }
    }
}
