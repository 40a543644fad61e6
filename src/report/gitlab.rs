//! `--format gitlab`: GitLab Code Quality (a subset of the Code Climate format), shown in merge
//! requests. Suppressed findings are left out: GitLab has no notion of an accepted issue.
//!
//! Severities use GitLab's whole range, from the policy's severity and the rule's risk
//! ([`crate::rules::HIGH_RISK`]): an error of a high-risk rule (access live or answerable to
//! no one now) is `blocker`, another error `critical`, a high-risk warning `major`, another
//! warning `minor`, info `info`.

use serde::Serialize;

use super::Run;
use super::fingerprint::fingerprints;
use crate::finding::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: String,
    content: Content<'a>,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: Location,
}

#[derive(Serialize)]
struct Content<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// GitLab's severity of a finding (see the module's doc).
pub fn severity(f: &crate::finding::Finding) -> &'static str {
    let high = crate::rules::HIGH_RISK.contains(&f.rule.as_ref());
    match (f.severity, high) {
        (Severity::Error, true) => "blocker",
        (Severity::Error, false) => "critical",
        (Severity::Warning, true) => "major",
        (Severity::Warning, false) => "minor",
        (Severity::Info, _) => "info",
    }
}

pub fn render(run: &Run) -> String {
    let shown: Vec<_> = run.shown().collect();
    let prints = fingerprints(&run.outcome.fields, shown.iter().copied());
    let issues: Vec<Issue> = shown
        .into_iter()
        .zip(prints)
        .map(|(f, fingerprint)| Issue {
            kind: "issue",
            check_name: &f.rule,
            description: match &f.grant {
                Some(grant) => format!("{grant}: {}", f.message),
                None => f.message.to_string(),
            },
            content: Content { body: &f.help },
            categories: ["Security"],
            severity: severity(f),
            fingerprint,
            location: Location {
                path: run.outcome.files[f.file].clone(),
                lines: Lines {
                    begin: f.span.line.max(1),
                },
            },
        })
        .collect();
    // Plain structs of strings and numbers: serialising cannot fail.
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_default();
    out.push('\n');
    out
}
