//! AWS TEAM policies (fixtures/config/aws-team, see fixtures/config/README.md): eligibility
//! policies and the global settings that let a request break the policy are findings under
//! the rule the request would break, at the setting, naming the policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config_common;
use common::{grantlint, json, placed_findings};
use config_common::{every_format_carries, explain_is_documented, owned};

const POLICIES: &str = "fixtures/config/aws-team/policies.json";
const ONCALL: &str = "8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968";
/// `aws dynamodb scan` of the Eligibility and Settings tables: the same records, typed.
const SCAN: &str = "fixtures/config/aws-team/eligibility-scan.json";
const SETTINGS_SCAN: &str = "fixtures/config/aws-team/settings-scan.json";

/// The two scans in one file, `---` between them, as the docs' recipe writes it: the
/// settings' global switches then apply to the eligibility policies.
fn joined_scans(dir: &std::path::Path) -> String {
    let path = dir.join("team.json");
    let text = format!(
        "{}---\n{}",
        std::fs::read_to_string(SCAN).unwrap(),
        std::fs::read_to_string(SETTINGS_SCAN).unwrap()
    );
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// (rule, grant, message) of every finding: what a report says, wherever it points.
fn said(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut said: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap().to_string();
            (text("rule"), text("grant"), text("message"))
        })
        .collect();
    said.sort();
    said
}

#[test]
fn eligibility_and_settings_that_let_a_request_break_the_policy_are_findings() {
    let (code, report) = json(&[POLICIES]);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[
            // platform-oncall: AdministratorAccess while justification is off, no approval, 12h.
            ("admin-justified", ONCALL, 34, 22),
            ("approver-named", ONCALL, 37, 31),
            ("window-max", ONCALL, 38, 23),
            // The global switches.
            ("reason-specific", "settings", 66, 23),
            ("ticket-linked", "settings", 67, 23),
        ])
    );
    // Two eligibility policies, one approver policy, the settings.
    assert_eq!(report["summary"]["grants"], 4);
    assert_eq!(
        report["findings"][2]["message"],
        "eligibility policy for `platform-oncall` lets a request last 12h: access window is 12h, above the 4h maximum"
    );
    assert_eq!(report["findings"][2]["tenant"], "111122223333");
}

#[test]
fn an_override_by_permission_set_allows_more_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\noverrides:\n  - match: {role: AdministratorAccess}\n    rules: {window-max: {max: 12h}}\n",
    )
    .unwrap();
    let (_, report) = json(&["--policy", policy.to_str().unwrap(), POLICIES]);
    assert!(
        !placed_findings(&report).iter().any(|f| f.0 == "window-max"),
        "{report}"
    );
}

#[test]
fn team_requests_are_still_read_as_grants() {
    let (_, report) = json(&["fixtures/aws-team/requests.json"]);
    assert!(report["summary"]["grants"].as_u64().unwrap() > 0);
    assert!(!report["findings"].as_array().unwrap().iter().any(|f| {
        f["message"]
            .as_str()
            .unwrap()
            .contains("eligibility policy")
    }),);
}

#[test]
fn every_format_carries_the_policy_and_the_line() {
    every_format_carries(POLICIES, "platform-oncall", ONCALL, 38, 23);
}

#[test]
fn a_dynamodb_scan_is_read_as_the_api_records_with_findings_at_the_keys() {
    let (code, report) = json(&[SCAN]);
    assert_eq!(code, 1);
    // Compliant `support-engineers` beside `platform-oncall`; no settings in this file, so
    // justification is not judged.
    assert_eq!(
        placed_findings(&report),
        owned(&[
            ("approver-named", ONCALL, 67, 13),
            ("window-max", ONCALL, 87, 13),
        ])
    );
    assert_eq!(report["summary"]["grants"], 2);
    assert_eq!(report["findings"][1]["tenant"], "111122223333");
    assert_eq!(
        report["findings"][1]["message"],
        "eligibility policy for `platform-oncall` lets a request last 12h: access window is 12h, above the 4h maximum"
    );
    let (code, report) = json(&[SETTINGS_SCAN]);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[
            ("reason-specific", "settings", 4, 13),
            ("ticket-linked", "settings", 22, 13),
        ])
    );
}

#[test]
fn scans_passed_together_say_what_the_graphql_records_say() {
    let dir = tempfile::tempdir().unwrap();
    let joined = joined_scans(dir.path());
    let (code, typed) = json(&[&joined]);
    assert_eq!(code, 1);
    let (_, graphql) = json(&[POLICIES]);
    assert_eq!(said(&typed), said(&graphql));
    // The settings' `comments: false` reaches the eligibility policy in the other document.
    assert!(
        placed_findings(&typed).contains(&owned(&[("admin-justified", ONCALL, 74, 29)])[0]),
        "{typed}"
    );
}

#[test]
fn one_page_of_a_list_or_a_value_that_is_not_typed_stops_the_file_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.json");
    std::fs::write(
        &page,
        "{\"Items\": [{\"id\": {\"S\": \"e\"}, \"duration\": {\"S\": \"2\"}, \"approvalRequired\": {\"BOOL\": true}}],\n \"NextToken\": \"eyJFeGNsdXNpdmVTdGFydEtleSI6IG51bGx9\"}\n",
    )
    .unwrap();
    let out = grantlint(&["check", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("page.json:2:15"), "{err}");
    assert!(err.contains("one page of several (`NextToken`)"), "{err}");

    let graphql = dir.path().join("graphql.json");
    std::fs::write(
        &graphql,
        "{\"data\": {\"listEligibilities\": {\"items\": [{\"id\": \"e\", \"duration\": \"2\", \"approvalRequired\": true}],\n  \"nextToken\": \"eyJ2ZXJzaW9uIjoy\"}}}\n",
    )
    .unwrap();
    let out = grantlint(&["check", graphql.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("graphql.json:2:16"), "{err}");
    assert!(err.contains("one page of several (`nextToken`)"), "{err}");

    let odd = dir.path().join("odd.json");
    std::fs::write(
        &odd,
        "{\"Items\": [{\"id\": {\"S\": \"e\"},\n  \"approvalRequired\": {\"BOOL\": true},\n  \"duration\": \"2\"}]}\n",
    )
    .unwrap();
    let out = grantlint(&["check", odd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("odd.json:3:15"), "{err}");
    assert!(err.contains("expected a DynamoDB attribute value"), "{err}");
}

#[test]
fn every_format_carries_the_scanned_policy_and_the_key() {
    every_format_carries(SCAN, "platform-oncall", ONCALL, 87, 13);
}

#[test]
fn explain_source_documents_the_kind_as_docs_config_shows_it() {
    explain_is_documented(
        "aws-team-policy",
        &[
            "Eligibility.duration",
            "Settings.ticketNo",
            "self-approval",
            "aws dynamodb scan",
        ],
    );
}
