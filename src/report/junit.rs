//! `--format junit`: JUnit XML for CI test tabs. One test suite per file, one test case per
//! grant; a grant with findings at or above `--fail-on` fails. JUnit allows one `<failure>` per
//! test case, so it names every failing finding in its message and lists them in its text.

use std::fmt::Write as _;

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
    for (file, name) in outcome.files.iter().enumerate() {
        let cases = cases(run, file);
        let errors: Vec<_> = outcome.errors.iter().filter(|e| e.file == *name).collect();
        if cases.is_empty() && errors.is_empty() {
            continue;
        }
        let mut suite = TestSuite::new(name.as_str());
        for case in cases {
            suite.add_test_case(test_case(case, name));
        }
        for error in errors {
            suite.add_test_case(unreadable(error, name));
        }
        report.add_test_suite(suite);
    }
    // Writing XML into memory fails only on a bug in quick-junit; an empty report says so.
    // XML 1.0 allows no control character but tab and line ends, and a bidi control would show
    // a value reordered in the CI's test tab.
    let mut out =
        crate::core::terminal::shown_safely(&report.to_string().unwrap_or_default()).into_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// One file's test cases: one per grant, in order, then one per finding outside any grant.
fn cases<'a>(run: &'a Run<'a>, file: usize) -> Vec<Case<'a>> {
    let outcome = run.outcome;
    let records: Vec<&GrantRecord> = outcome.records.iter().filter(|r| r.file == file).collect();
    let mut cases: Vec<Case> = records
        .iter()
        .map(|r| Case {
            name: match &r.text.id {
                Some(id) => format!("grant {id} (line {})", r.span.line),
                None => format!("grant at line {}", r.span.line),
            },
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
                    name: format!("{} at line {}", f.rule, f.span.line),
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

/// The test case of a file that could not be read: an error, not a failure.
fn unreadable(error: &crate::load::InputError, file: &str) -> TestCase {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    let at = error
        .location
        .map_or(String::new(), |s| format!(":{}:{}", s.line, s.column));
    status.set_message(format!("{}{at}: {}", error.file, error.message));
    status.set_type("unreadable");
    let mut case = TestCase::new("read the file", status);
    case.set_classname(file);
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
        status.set_message(message);
        status.set_type(first.rule.as_ref());
        status.set_description(case.failing.iter().map(|f| line(f)).collect::<String>());
        status
    };
    let mut test = TestCase::new(case.name, status);
    test.set_classname(file);
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
        test.set_system_out(out);
    }
    test
}
