//! `--format junit`: JUnit XML for CI test tabs. One test suite per file, one test case per
//! grant; a grant with findings at or above `--fail-on` fails. JUnit allows one `<failure>` per
//! test case, so it names every failing finding in its message and lists them in its text.
//!
//! Written for the strictest reader, the Jenkins xUnit schema (`tests/schemas/junit-10.xsd`):
//! - every value is made XML 1.0 text first ([`xml_text`]): one U+FFFF or control character
//!   would make the whole file unreadable, and the CI's test tab would show nothing;
//! - test names never hold a line number, so editing a file does not rename its tests: a grant
//!   is named by its id (else its grantee and tenant), a finding outside any grant by its rule;
//! - suites carry `timestamp` (the run's now) and `time`; `<testsuites>` has no `skipped`.

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Extras, Needs, Reporter, Run};
use crate::check::GrantRecord;
use crate::finding::{Finding, Suppressed, Suppression};

/// What one test case reports: a grant, or a finding outside any grant (a waiver's).
#[derive(Default)]
struct Case<'a> {
    name: String,
    failing: Vec<&'a Finding>,
    other: Vec<&'a Finding>,
    suppressed: Vec<&'a Suppressed>,
}

/// `--format junit`: the one report that lists clean grants too.
pub struct Junit;

impl Reporter for Junit {
    fn needs(&self) -> Needs {
        Needs {
            records: true,
            ..Needs::default()
        }
    }

    fn write(&self, run: &Run, _: &Extras, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(render(run).as_bytes())
    }
}

pub fn render(run: &Run) -> String {
    let outcome = run.outcome;
    let mut report = Report::new("grantlint");
    let now = run.now.fixed_offset();
    // The schema allows no `timestamp` on `<testsuites>`: each suite carries it.
    report.set_time(Duration::ZERO);
    for (file, name) in outcome.files.iter().enumerate() {
        let cases = cases(run, file);
        let errors: Vec<_> = outcome.errors.iter().filter(|e| e.file == *name).collect();
        if cases.is_empty() && errors.is_empty() {
            continue;
        }
        let name = xml_text(name);
        let mut suite = TestSuite::new(name.as_str());
        suite.set_timestamp(now).set_time(Duration::ZERO);
        let mut names = Names::default();
        for mut case in cases {
            case.name = names.unique(&xml_text(&case.name));
            suite.add_test_case(test_case(case, &name));
        }
        for error in errors {
            suite.add_test_case(unreadable(error, &name));
        }
        report.add_test_suite(suite);
    }
    // Writing XML into memory fails only on a bug in quick-junit; an empty report says so.
    let mut out = without_total_skipped(&report.to_string().unwrap_or_default());
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Text that XML 1.0 allows (tab, line ends, U+0020 to U+D7FF, U+E000 to U+FFFD and above;
/// Rust strings hold no lone surrogate) and that shows as written: every other character, and
/// bidi controls that would reorder a value in the CI's test tab, becomes U+FFFD, one for one,
/// so an escape character never takes the next character with it.
pub fn xml_text(text: &str) -> String {
    crate::core::terminal::shown_safely(text)
        .chars()
        .map(|c| match c {
            '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// quick-junit writes `skipped` on `<testsuites>`, which the Jenkins xUnit schema refuses
/// (it allows it on `<testsuite>` only); grantlint skips nothing, so it goes.
fn without_total_skipped(xml: &str) -> String {
    let Some(start) = xml.find("<testsuites ") else {
        return xml.to_string();
    };
    let end = xml[start..].find('>').map_or(xml.len(), |i| start + i);
    let head = xml[start..end].replacen(" skipped=\"0\"", "", 1);
    format!("{}{head}{}", &xml[..start], &xml[end..])
}

/// Test names made unique within a suite: a second grant with one id is `grant X (2)`, so
/// consumers that key tests by name keep both.
#[derive(Default)]
struct Names(std::collections::HashMap<String, usize>);

impl Names {
    fn unique(&mut self, name: &str) -> String {
        let seen = self.0.entry(name.to_string()).or_default();
        *seen += 1;
        match *seen {
            1 => name.to_string(),
            n => format!("{name} ({n})"),
        }
    }
}

/// One file's test cases: one per grant, in order, then one per finding outside any grant.
fn cases<'a>(run: &'a Run<'a>, file: usize) -> Vec<Case<'a>> {
    let outcome = run.outcome;
    let records: Vec<&GrantRecord> = outcome.records.iter().filter(|r| r.file == file).collect();
    let mut cases: Vec<Case> = records
        .iter()
        .map(|r| Case {
            name: grant_name(&r.text),
            ..Case::default()
        })
        .collect();
    let mut loose: Vec<Case> = Vec::new();
    // A finding belongs to the last grant that starts at or before it.
    let case_of = |f: &Finding| -> Option<usize> {
        let i = records.partition_point(|r| r.span.offset <= f.span.offset);
        i.checked_sub(1)
    };
    for f in outcome.findings.iter().filter(|f| f.file == file) {
        let fails = run.fail_on.fails(f.severity);
        if !fails && f.severity < run.min_severity {
            continue;
        }
        let case = match case_of(f) {
            Some(i) => &mut cases[i],
            None => {
                loose.push(Case {
                    name: loose_name(f, outcome.field_name(f)),
                    ..Case::default()
                });
                let last = loose.len() - 1;
                &mut loose[last]
            }
        };
        if fails {
            case.failing.push(f);
        } else {
            case.other.push(f);
        }
    }
    for s in run.shown_suppressed().filter(|s| s.finding.file == file) {
        if let Some(i) = case_of(&s.finding) {
            cases[i].suppressed.push(s);
        }
    }
    cases.extend(loose);
    cases
}

/// A grant's test name: its id, else who held it where; never its line.
fn grant_name(text: &crate::check::GrantText) -> String {
    match (&text.id, &text.grantee, &text.tenant) {
        (Some(id), ..) => format!("grant {id}"),
        (None, Some(grantee), Some(tenant)) => format!("grant to {grantee} on {tenant}"),
        (None, Some(grantee), None) => format!("grant to {grantee}"),
        (None, None, Some(tenant)) => format!("grant on {tenant}"),
        (None, None, None) => "grant without id".to_string(),
    }
}

/// A finding outside any grant (a missing column, a waiver's own): its rule and what it is
/// about.
fn loose_name(f: &Finding, field: Option<&str>) -> String {
    match (field, f.grant.as_deref()) {
        (_, Some(grant)) => format!("{} {grant}", f.rule),
        (Some(field), None) => format!("{} {field}", f.rule),
        (None, None) => format!("{}: {}", f.rule, f.message),
    }
}

/// The test case of a file that could not be read: an error, not a failure.
fn unreadable(error: &crate::load::InputError, file: &str) -> TestCase {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    let at = error
        .location
        .map_or(String::new(), |s| format!(":{}:{}", s.line, s.column));
    status.set_message(xml_text(&format!("{}{at}: {}", error.file, error.message)));
    status.set_type("unreadable");
    let mut case = TestCase::new("read the file", status);
    case.set_classname(file).set_time(Duration::ZERO);
    case
}

fn test_case(case: Case, file: &str) -> TestCase {
    let line = |f: &Finding| {
        format!(
            "{file}:{}:{}: {}[{}] {}\n  help: {}\n",
            f.span.line,
            f.span.column,
            f.severity.name(),
            f.rule,
            f.message,
            f.help
        )
    };
    let status = if case.failing.is_empty() {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let first = case.failing[0];
        let message = match case.failing.len() {
            1 => format!("{}: {}", first.rule, first.message),
            n => format!(
                "{n} findings: {}",
                case.failing
                    .iter()
                    .map(|f| f.rule.as_ref())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        status.set_message(xml_text(&message));
        status.set_type(xml_text(&first.rule));
        status.set_description(xml_text(
            &case.failing.iter().map(|f| line(f)).collect::<String>(),
        ));
        status
    };
    let mut test = TestCase::new(case.name, status);
    test.set_classname(file).set_time(Duration::ZERO);
    let mut out = String::new();
    for f in &case.other {
        out.push_str(&line(f));
    }
    for s in &case.suppressed {
        let why = match &s.by {
            Suppression::Waiver {
                approver, expires, ..
            } => format!("waived by {approver} until {}", expires.format("%Y-%m-%d")),
            Suppression::Baseline => "baselined".into(),
        };
        let _ = write!(out, "{why}: {}", line(&s.finding));
    }
    if !out.is_empty() {
        test.set_system_out(xml_text(&out));
    }
    test
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_xml_characters_remain_one_for_one() {
        assert_eq!(
            xml_text("A\u{1b}B\u{FFFE}C\u{1}D\u{FFFF}"),
            "A\u{FFFD}B\u{FFFD}C\u{FFFD}D\u{FFFD}"
        );
        assert_eq!(xml_text("tab\tline\nend\r"), "tab\tline\nend\r");
        assert_eq!(xml_text("caf\u{e9} \u{1F600}"), "caf\u{e9} \u{1F600}");
    }

    #[test]
    fn the_total_skipped_count_goes_and_the_suites_keep_theirs() {
        let xml = r#"<testsuites name="g" tests="1" skipped="0" failures="0"><testsuite name="a" skipped="0">"#;
        assert_eq!(
            without_total_skipped(xml),
            r#"<testsuites name="g" tests="1" failures="0"><testsuite name="a" skipped="0">"#
        );
    }
}
