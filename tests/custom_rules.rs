//! The example policies in policies/examples/ run against their fixtures: each custom rule
//! fires on the grants named fail-… and stays quiet on those named pass-….

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn check(policy: &str, input: &str) -> (i32, Value) {
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "json", "--now", "2026-11-24T12:00:00Z"])
        .args(["--policy", policy, input])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn every_example_policy_fires_on_its_fail_grants_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples = 0;
    // Each custom-rule example has its pass-/fail- grants in fixtures/custom/ (other
    // examples in policies/examples/ show overrides and have no fixture here).
    for entry in std::fs::read_dir(root.join("fixtures/custom")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let rule = path.file_stem().unwrap().to_str().unwrap();
        let policy = format!("policies/examples/{rule}.yaml");
        let fixture = format!("fixtures/custom/{rule}.yaml");
        let (_, report) = check(&policy, &fixture);
        let flagged: Vec<&str> = findings(&report, rule)
            .iter()
            .map(|f| f["grant"].as_str().unwrap())
            .collect();
        let text = std::fs::read_to_string(root.join(&fixture)).unwrap();
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split("id: ").nth(1))
            .map(|rest| rest.split([',', '}']).next().unwrap().trim())
            .collect();
        let failing: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|i| i.starts_with("fail-"))
            .collect();
        assert!(ids.iter().any(|i| i.starts_with("pass-")), "{rule}");
        assert_eq!(flagged, failing, "{rule}");
        examples += 1;
    }
    assert_eq!(examples, 4);
}

#[test]
fn a_custom_finding_points_at_the_field_it_requires_or_at_the_grant() {
    let (code, report) = check(
        "policies/examples/ticket-format.yaml",
        "fixtures/custom/ticket-format.yaml",
    );
    assert_eq!(code, 1);
    let f = findings(&report, "ticket-format")[0];
    assert_eq!(
        (&f["grant"], &f["line"], &f["column"], &f["field"]),
        (
            &Value::from("fail-jira"),
            &Value::from(5),
            &Value::from(27),
            &Value::from("ticket")
        )
    );
    assert_eq!(f["message"], "ticket must be an INC- or CS- reference");
    assert_eq!(
        f["help"],
        "write the incident or case number, e.g. INC-1234 or CS-88"
    );
    // A missing field: the finding points at the grant itself.
    let (_, report) = check(
        "policies/examples/environment-required.yaml",
        "fixtures/custom/environment-required.yaml",
    );
    let f = findings(&report, "environment-required")[0];
    assert_eq!(
        (&f["line"], &f["column"]),
        (&Value::from(4), &Value::from(3))
    );
    assert_eq!(f["severity"], "warning");
}

fn grantlint(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn rules_and_explain_show_custom_rules() {
    let out = grantlint(&[
        "rules",
        "--policy",
        "policies/examples/admin-four-eyes.yaml",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("admin-four-eyes")
            && l.contains("error")
            && l.contains("the requester approved their own admin grant (custom)")),
        "{text}"
    );
    let out = grantlint(&[
        "explain",
        "admin-four-eyes",
        "--policy",
        "policies/examples/admin-four-eyes.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("help: have a second person"), "{text}");
    assert!(
        text.contains("when: any of (role matches /admin|owner|superuser/; role equals `full`)"),
        "{text}"
    );
    assert!(
        text.contains("require: not (approver is the same as requested_by)"),
        "{text}"
    );
    // Without the policy the id is unknown.
    let out = grantlint(&["explain", "admin-four-eyes"]);
    assert_eq!(out.status.code(), Some(2));
}
