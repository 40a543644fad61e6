//! AWS TEAM policies (fixtures/config/aws-team, see fixtures/config/README.md): eligibility
//! policies and the global settings that let a request break the policy are findings under
//! the rule the request would break, at the setting, naming the policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config_common;
use common::{json, placed_findings};
use config_common::{every_format_carries, explain_is_documented, owned};

const POLICIES: &str = "fixtures/config/aws-team/policies.json";
const ONCALL: &str = "8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968";

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
fn explain_source_documents_the_kind_as_docs_config_shows_it() {
    explain_is_documented(
        "aws-team-policy",
        &["Eligibility.duration", "Settings.ticketNo", "self-approval"],
    );
}
