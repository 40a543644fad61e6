//! Jira exports as Jira writes them: the Cloud "all fields" CSV with Jira Service Management's
//! approvers, and the REST search response (`/rest/api/3/search?expand=names`). Fixtures in
//! fixtures/jira (see its README for the Atlassian pages each shape follows).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, json, stderr};

use assert_cmd::Command;
use serde_json::Value;

const CSV: &str = "fixtures/jira/issues-all-fields.csv";
const REST: &str = "fixtures/jira/search.json";

/// (grant, rule, line, column) of every finding, in report order.
fn findings(report: &Value) -> Vec<(String, String, u64, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                // A finding about the whole file (column-missing) names no grant.
                f["grant"].as_str().unwrap_or("-").to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn row(grant: &str, rule: &str, line: u64, column: u64) -> (String, String, u64, u64) {
    (grant.into(), rule.into(), line, column)
}

/// Lints `path` with `--source jira`, and checks that recognising it by shape reads the same.
fn lint(path: &str) -> Value {
    let (code, named) = json(&["--source", "jira", path]);
    assert_eq!(code, 1, "{named:#}");
    let (_, detected) = json(&[path]);
    assert_eq!(
        named, detected,
        "{path}: detection differs from --source jira"
    );
    named
}

#[test]
fn the_all_fields_csv_is_linted_with_every_status_category() {
    let report = lint(CSV);
    // Done, In Progress, Waiting for customer (category In Progress), Access Revoked, Resolved;
    // not linted: Waiting for approval, Declined, Awaiting CAB (category To Do), Canceled.
    assert_eq!(report["summary"]["grants"], 5);
    assert_eq!(report["summary"]["skipped"], 4);
    assert_eq!(
        findings(&report),
        vec![
            row("SUP-502", "expiry-enforced", 4, 85),
            row("SUP-502", "self-approval", 4, 182),
            row("SUP-505", "approver-named", 7, 193),
            row("SUP-505", "shared-account", 7, 212),
            row("SUP-509", "approver-named", 11, 1),
        ]
    );
}

#[test]
fn every_jsm_approver_is_an_approval() {
    // SUP-502's reporter is its second approver: only reading every `Custom field (Approvers)`
    // column finds it; SUP-501 names two approvers and passes approver-named.
    let report = lint(CSV);
    let all = findings(&report);
    assert!(
        all.contains(&row("SUP-502", "self-approval", 4, 182)),
        "{all:?}"
    );
    assert!(!all.iter().any(|f| f.0 == "SUP-501"), "{all:?}");
    let message = report["findings"][1]["message"].as_str().unwrap();
    assert_eq!(message, "`Sam Okafor` approved their own access");
}

#[test]
fn the_grantee_is_a_grantee_field_else_the_reporter_and_a_mapping_wins() {
    let report = lint(CSV);
    let shared = &report["findings"][3];
    // SUP-505's `Custom field (Grantee)` wins over its reporter.
    assert_eq!(
        shared["message"],
        "grantee `support@example.com` is a shared account"
    );
    // A policy can name another column: with Assignee as the grantee, SUP-501's assignee is
    // also its second approver.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nextends: default\nmapping:\n  columns:\n    Assignee: grantee\n",
    )
    .unwrap();
    let (_, mapped) = json(&[
        "--policy",
        policy.to_str().unwrap(),
        "--source",
        "jira",
        CSV,
    ]);
    assert!(
        findings(&mapped).contains(&row("SUP-501", "self-approval", 2, 189)),
        "{:?}",
        findings(&mapped)
    );
}

#[test]
fn the_rest_search_response_is_read_as_json() {
    let report = lint(REST);
    // ED-3 waits for approval; ED-4's custom status `Fulfilling` is In Progress by category.
    assert_eq!(report["summary"]["grants"], 3);
    assert_eq!(report["summary"]["skipped"], 1);
    assert_eq!(
        findings(&report),
        vec![
            // Access end `2026-11-24T11:00:00.000+0000`, by its name in `names`.
            row("ED-1", "expiry-enforced", 16, 19),
            row("ED-1", "admin-justified", 26, 30),
            row("ED-2", "owner-named", 48, 5),
            row("ED-2", "self-approval", 62, 68),
        ]
    );
    assert_eq!(report["findings"][0]["tenant"], "acme-prod");
    // No time or state was left unread.
    assert!(
        !findings(&report).iter().any(|f| f.1 == "field-format"),
        "{report:#}"
    );
}

#[test]
fn only_approving_decisions_of_the_approvals_field_count() {
    // ED-1's reporter Alice is one of its Approvers, but her decision is still pending: the
    // Approvals field says Mia approved, so there is no self-approval. ED-4 has an admin role
    // and a description: the requester's text justifies it.
    let report = lint(REST);
    let all = findings(&report);
    assert!(
        !all.iter().any(|f| f.0 == "ED-1" && f.1 == "self-approval"),
        "{all:?}"
    );
    assert!(!all.iter().any(|f| f.0 == "ED-4"), "{all:?}");
}

#[test]
fn json_given_as_jira_or_on_standard_input_is_not_split_into_csv_lines() {
    // The file is named .txt: only --source says it is Jira, whose usual format is CSV.
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("search.txt");
    std::fs::copy(REST, &renamed).unwrap();
    let (code, report) = json(&["--source", "jira", renamed.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["grants"], 3);
    assert_eq!(report["summary"]["skipped"], 1);
    let text = std::fs::read(REST).unwrap();
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check", "--format", "json", "--now", NOW, "--source", "jira", "-",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["grants"], 3, "{}", stderr(&out));
}

#[test]
fn a_json_file_of_another_shape_names_what_jira_json_looks_like() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"issues\": [{\"id\": \"1\"}]}\n").unwrap();
    let out = common::grantlint(&[
        "check",
        "--color",
        "never",
        "--source",
        "jira",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("other.json:1:13: this item has neither `key` nor `fields`"),
        "{err}"
    );
}
