//! Google Cloud PAM entitlements (fixtures/config/gcp-pam, see fixtures/config/README.md): each
//! setting that lets a grant break the policy is a finding under the rule the grant would
//! break, at the setting's line, naming the entitlement, in every output format.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config_common;
use common::{NOW, grantlint, json, placed_findings};
use config_common::{every_format_carries, explain_is_documented, owned};

const JSON: &str = "fixtures/config/gcp-pam/entitlements.json";
const YAML: &str = "fixtures/config/gcp-pam/entitlements.yaml";
const TEAM: &str = "fixtures/config/team-policy.yaml";
const PROD: &str = "projects/acme-prod/locations/global/entitlements/";

/// (rule, entitlement id, line, column) of every finding.
fn findings(args: &[&str]) -> (i32, Vec<(String, String, u64, u64)>) {
    let (code, report) = json(args);
    let found = placed_findings(&report)
        .into_iter()
        .map(|(rule, grant, line, column)| {
            let id = grant.rsplit('/').next().unwrap().to_string();
            (rule, id, line, column)
        })
        .collect();
    (code, found)
}

#[test]
fn each_breaking_setting_is_a_finding_at_its_line_under_the_default_policy() {
    let (code, found) = findings(&[JSON]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        owned(&[
            // Compliant: 1h, justification and a named approver; PAM has no ticket setting.
            ("ticket-linked", "prod-db-admin", 2, 3),
            // 24h, no justification, owner, no approval.
            ("approver-named", "prod-owner-break-glass", 48, 3),
            ("ticket-linked", "prod-owner-break-glass", 48, 3),
            ("window-max", "prod-owner-break-glass", 58, 27),
            ("admin-justified", "prod-owner-break-glass", 66, 21),
            ("reason-specific", "prod-owner-break-glass", 72, 7),
            // A group approves.
            ("ticket-linked", "prod-logs-viewer", 77, 3),
            ("approver-named", "prod-logs-viewer", 86, 19),
            // 12h in the test project: above the default 4h.
            ("ticket-linked", "test-editor", 122, 3),
            ("window-max", "test-editor", 148, 27),
        ])
    );
}

#[test]
fn the_team_policy_allows_more_in_the_test_project_only() {
    let (code, found) = findings(&["--policy", TEAM, JSON]);
    assert_eq!(code, 1);
    assert!(
        !found.iter().any(|f| f.1 == "test-editor"),
        "the override for the test project allows 12h and no ticket: {found:?}"
    );
    assert!(found.contains(&("window-max".into(), "prod-owner-break-glass".into(), 58, 27)));
    assert!(found.contains(&("ticket-linked".into(), "prod-db-admin".into(), 2, 3)));
}

#[test]
fn the_messages_name_the_entitlement_and_what_it_allows() {
    let (_, report) = json(&[JSON]);
    let window = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "window-max")
        .unwrap();
    assert_eq!(
        window["grant"],
        format!("{PROD}prod-owner-break-glass").as_str()
    );
    assert_eq!(
        window["message"],
        "entitlement `prod-owner-break-glass` lets a grant last 1d: access window is 1d, above the 4h maximum"
    );
    assert_eq!(
        window["tenant"],
        "//cloudresourcemanager.googleapis.com/projects/acme-prod"
    );
    assert_eq!(report["summary"]["grants"], 4);
}

#[test]
fn gclouds_yaml_documents_are_read_at_their_own_lines() {
    let (code, found) = findings(&[YAML]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        owned(&[
            ("ticket-linked", "prod-db-admin", 2, 1),
            ("approver-named", "prod-owner-break-glass", 28, 1),
            ("ticket-linked", "prod-owner-break-glass", 28, 1),
            ("window-max", "prod-owner-break-glass", 33, 21),
            ("admin-justified", "prod-owner-break-glass", 40, 13),
            ("reason-specific", "prod-owner-break-glass", 42, 3),
        ])
    );
}

#[test]
fn a_rest_response_on_standard_input_is_read_when_named_with_source() {
    let page = r#"{"entitlements": [{"name": "projects/p/locations/global/entitlements/e",
  "maxRequestDuration": "18000s",
  "requesterJustificationConfig": {"unstructured": {}},
  "approvalWorkflow": {"manualApprovals": {"steps": [{"approvalsNeeded": 0,
    "approvers": [{"principals": ["user:ravi.patel@acme.example"]}]}]}}}],
 "nextPageToken": "abc"}"#;
    let out = assert_cmd::Command::cargo_bin("grantlint")
        .unwrap()
        .args([
            "check",
            "--format",
            "json",
            "--now",
            NOW,
            "--source",
            "gcp-pam-entitlement",
            "-",
        ])
        .write_stdin(page)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64)> = placed_findings(&report)
        .into_iter()
        .map(|f| (f.0, f.2))
        .filter(|f| f.0 != "ticket-linked")
        .collect();
    assert_eq!(
        found,
        [
            ("window-max".to_string(), 2),
            ("approver-named".to_string(), 4)
        ]
    );
}

#[test]
fn an_unreadable_duration_stops_the_file_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.json");
    std::fs::write(
        &path,
        "[{\"name\": \"e\",\n  \"maxRequestDuration\": \"a day\"}]\n",
    )
    .unwrap();
    let out = grantlint(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("e.json:2:25"), "{err}");
    assert!(err.contains("maxRequestDuration `a day`"), "{err}");
}

#[test]
fn every_format_carries_the_entitlement_and_the_line() {
    every_format_carries(
        JSON,
        "prod-owner-break-glass",
        &format!("{PROD}prod-owner-break-glass"),
        58,
        27,
    );
}

#[test]
fn explain_source_documents_the_kind_as_docs_config_shows_it() {
    explain_is_documented(
        "gcp-pam-entitlement",
        &[
            "maxRequestDuration",
            "requesterJustificationConfig",
            "self-approval",
        ],
    );
}
