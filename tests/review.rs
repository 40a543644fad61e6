//! `grantlint report`: the committed example review stays current, exit codes, --output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint};

use std::path::Path;

/// The example reports in docs/ are what `report` makes of fixtures/samples/ today. Run with
/// UPDATE_DOCS=1 to regenerate them after a deliberate change.
#[test]
fn the_example_reports_in_docs_are_current() {
    for (format, file) in [
        ("markdown", "docs/weekly-review.md"),
        ("html", "docs/weekly-review.html"),
    ] {
        let out = grantlint(&[
            "report",
            "--now",
            NOW,
            "--format",
            format,
            "fixtures/samples/",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &out.stdout).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "{file} is out of date: regenerate it with `UPDATE_DOCS=1 cargo test --test review`"
        );
    }
}

#[test]
fn output_is_written_whole_and_never_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("review.json");
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
        "fixtures/samples/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["headline"]["grants"]["current"], 3); // SUP-102, SUP-103, SUP-105

    let input = dir.path().join("grants.yaml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples/grants.yaml"),
        &input,
    )
    .unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "-o",
        input.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to write a report over the input")
    );
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn the_period_is_checked_and_chosen_by_since_and_until() {
    let out = grantlint(&[
        "report",
        "--since",
        "2026-11-20",
        "--until",
        "2026-11-19",
        "fixtures/samples/",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be before --until"));
    let out = grantlint(&["report", "--since", "last week", "fixtures/samples/"]);
    assert_eq!(out.status.code(), Some(2));

    // Nov 16 only: SUP-101; the day before it had none.
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--format",
        "json",
        "--since",
        "2026-11-16",
        "--until",
        "2026-11-16",
        "fixtures/samples/",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["period"]["until"], "2026-11-17T00:00:00Z");
    assert_eq!(json["previous_period"]["since"], "2026-11-15T00:00:00Z");
    assert_eq!(json["grants"][0]["id"], "SUP-101");
    assert_eq!(json["headline"]["grants"]["current"], 1);
    assert_eq!(json["headline"]["grants"]["previous"], 0);
}

#[test]
fn an_unreadable_input_is_named_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "grants: [\n").unwrap();
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        broken.to_str().unwrap(),
        "fixtures/samples/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("## Inputs that could not be read"), "{md}");
    assert!(md.contains("broken.yaml"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yaml"));
}

#[test]
fn the_policys_waivers_give_the_review_its_waived_section() {
    let out = grantlint(&[
        "report",
        "--policy",
        "fixtures/ci/policy-waivers.yaml",
        "--now",
        NOW,
        "--format",
        "json",
        "fixtures/ci/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let review: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let waived: Vec<(&str, &str)> = review["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rule"].as_str().unwrap(), s["by"].as_str().unwrap()))
        .collect();
    assert!(waived.contains(&("window-max", "waiver")), "{waived:?}");
    // A waived finding is not also listed as open.
    let open = review["findings"].to_string();
    assert!(!open.contains("access window is 6h"), "{open}");
}

/// Multi-approver systems: the review shows every approval of a grant, and counts each
/// approver once per grant they approved.
#[test]
fn every_approval_is_shown_and_counted() {
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--since",
        "2026-01-01",
        "--format",
        "json",
        "fixtures/teleport/requests.json",
    ]);
    let review: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let approvers: Vec<&str> = review["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["approver"].as_str().unwrap())
        .collect();
    assert!(
        approvers.contains(&"ravi.patel@example.com, sara.kim@example.com"),
        "{approvers:?}"
    );
    let counted: Vec<(&str, u64)> = review["people"]["approvers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["grants"].as_u64().unwrap()))
        .collect();
    assert!(
        counted.contains(&("ravi.patel@example.com", 2)),
        "{counted:?}"
    );
    assert!(
        counted.contains(&("sara.kim@example.com", 1)),
        "{counted:?}"
    );
}
