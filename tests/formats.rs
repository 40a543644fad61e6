//! Every report format over the shared fixtures, byte for byte: one loop, one snapshot per
//! case and format (`tests/snapshots/formats__<case>-<format>.snap`). A new `--format` gets
//! snapshots here without a line of this file changing; a change to a reporter shows as a
//! snapshot diff in the format it touched.
//!
//! Normalised: only grantlint's own version (`[version]`, in the JSON and SARIF tool
//! fields), so a release does not rewrite every snapshot. Paths are given relative to the
//! repository root, as users give them, so no absolute path reaches a report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint, stderr};

use clap::ValueEnum;
use grantlint::report::OutputFormat;

/// One run over shared fixtures: a name, the arguments after `check --now NOW --format F`,
/// and the exit code every format must give.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    code: i32,
}

const SAMPLES: &[&str] = &[
    "fixtures/samples/grants.yaml",
    "fixtures/samples/tickets.csv",
    "fixtures/samples/grants.json",
];

const CASES: &[Case] = &[
    // Findings of most rules, in YAML, CSV and JSON inputs, with snippets.
    Case {
        name: "samples",
        args: SAMPLES,
        code: 1,
    },
    // Nothing found: each format's empty report.
    Case {
        name: "article-example",
        args: &["fixtures/samples/article-example.yaml"],
        code: 0,
    },
    // Hidden findings (`--min-severity`) that still fail the run (`--fail-on`).
    Case {
        name: "samples-min-severity",
        args: &[
            "--min-severity",
            "warning",
            "--fail-on",
            "info",
            "fixtures/samples/grants.yaml",
            "fixtures/samples/tickets.csv",
        ],
        code: 1,
    },
    // A help-desk export read through the policy's `mapping:`.
    Case {
        name: "messy-helpdesk-mapped",
        args: &[
            "--policy",
            "fixtures/messy/helpdesk-mapping.yaml",
            "fixtures/messy/helpdesk.csv",
        ],
        code: 1,
    },
    // The same export unmapped: a missing column said once, at the header.
    Case {
        name: "messy-helpdesk",
        args: &["fixtures/messy/helpdesk.csv"],
        code: 1,
    },
    // Every messy export at once: unreadable files (errors in each format) beside findings.
    Case {
        name: "messy",
        args: &["fixtures/messy"],
        code: 2,
    },
    // Waived findings, and the waivers' own findings (an unused waiver).
    Case {
        name: "ci-waivers",
        args: &[
            "--policy",
            "fixtures/ci/policy-waivers.yaml",
            "--waivers",
            "fixtures/ci/waivers.yaml",
            "fixtures/ci/grants.yaml",
        ],
        code: 0,
    },
];

/// What a report says that depends on the build, not the run.
fn normalise(report: &str) -> String {
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    report.replace(&version, "\"[version]\"")
}

fn check(format: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "check", "--now", NOW, "--color", "never", "--format", format,
    ];
    all.extend_from_slice(args);
    grantlint(&all)
}

fn formats() -> Vec<String> {
    OutputFormat::value_variants()
        .iter()
        .filter_map(|f| f.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect()
}

#[test]
fn every_format_over_the_shared_fixtures() {
    for case in CASES {
        for format in formats() {
            let out = check(&format, case.args);
            assert_eq!(
                out.status.code(),
                Some(case.code),
                "{} --format {format}: {}",
                case.name,
                stderr(&out)
            );
            let report = String::from_utf8(out.stdout).expect("every report is UTF-8");
            insta::assert_snapshot!(format!("{}-{format}", case.name), normalise(&report));
        }
    }
}

/// A baseline that some findings match, some do not (new), and some entries of which match
/// nothing (stale): recorded from one set of inputs, applied to another.
#[test]
fn every_format_with_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let recorded = check(
        "json",
        &[
            "fixtures/ci/grants.yaml",
            "fixtures/samples/tickets.csv",
            "--write-baseline",
            baseline,
        ],
    );
    assert_eq!(recorded.status.code(), Some(0), "{}", stderr(&recorded));
    for format in formats() {
        let args = [
            "fixtures/ci/grants.yaml",
            "fixtures/samples/grants.yaml",
            "--baseline",
            baseline,
        ];
        let out = check(&format, &args);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let report = String::from_utf8(out.stdout).expect("every report is UTF-8");
        insta::assert_snapshot!(format!("baseline-{format}"), normalise(&report));
    }
}

/// `--output FILE` and `--report FORMAT=FILE` write what standard output shows: the same
/// reporter, whole in a file or written as it goes to the terminal.
#[test]
fn files_hold_what_standard_output_shows_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for format in formats() {
        let shown = check(&format, SAMPLES);
        let output = dir.path().join(format!("output.{format}"));
        let extra = dir.path().join(format!("extra.{format}"));
        let target = format!("{format}={}", extra.display());
        let mut args = vec!["--output", output.to_str().unwrap(), "--report", &target];
        args.extend_from_slice(SAMPLES);
        let written = check(&format, &args);
        assert_eq!(written.status.code(), shown.status.code(), "{format}");
        assert!(written.stdout.is_empty(), "{format}: nothing on stdout");
        let output = std::fs::read(&output).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(&shown.stdout),
            "--output, {format}"
        );
        let extra = std::fs::read(&extra).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&extra),
            String::from_utf8_lossy(&shown.stdout),
            "--report {format}=FILE"
        );
    }
}

/// A `--report` file gets what its format needs even when the `--format` needs none of it:
/// JUnit's clean grants, the text report's snippets.
#[test]
fn an_extra_report_is_the_same_whatever_the_main_format() {
    let dir = tempfile::tempdir().unwrap();
    for format in formats() {
        let main = if format == "json" { "csv" } else { "json" };
        let extra = dir.path().join(format!("extra.{format}"));
        let target = format!("{format}={}", extra.display());
        let mut args = vec!["--report", &target];
        args.extend_from_slice(SAMPLES);
        let out = check(main, &args);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let shown = check(&format, SAMPLES);
        assert_eq!(
            String::from_utf8_lossy(&std::fs::read(&extra).unwrap()),
            String::from_utf8_lossy(&shown.stdout),
            "--format {main} --report {format}=FILE"
        );
    }
}
