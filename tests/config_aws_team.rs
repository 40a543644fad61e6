//! AWS TEAM policies (fixtures/config/aws-team, see fixtures/config/README.md): eligibility
//! policies and the global settings that let a request break the policy are findings under
//! the rule the request would break, at the setting, naming the policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint, json, placed_findings, stdout};

const POLICIES: &str = "fixtures/config/aws-team/policies.json";
const ONCALL: &str = "8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968";

fn owned(list: &[(&str, &str, u64, u64)]) -> Vec<(String, String, u64, u64)> {
    list.iter()
        .map(|(r, g, l, c)| (r.to_string(), g.to_string(), *l, *c))
        .collect()
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
    for format in ["text", "github", "gitlab", "junit", "sarif", "csv"] {
        let out = grantlint(&["check", "--now", NOW, "--format", format, POLICIES]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = stdout(&out);
        assert!(text.contains("platform-oncall"), "{format}:\n{text}");
        let line = match format {
            "text" => "policies.json:38:23".to_string(),
            "github" => format!("line=38,col=23,title=grantlint window-max ({ONCALL})"),
            "gitlab" => "\"begin\": 38".to_string(),
            "junit" => "policies.json:38:23: error[window-max]".to_string(),
            "sarif" => "\"startLine\": 38".to_string(),
            _ => format!("policies.json,38,23,error,window-max,{ONCALL}"),
        };
        assert!(text.contains(&line), "{format} lacks `{line}`:\n{text}");
    }
}

#[test]
fn explain_source_documents_the_kind_as_docs_config_shows_it() {
    let out = grantlint(&["explain", "--source", "aws-team-policy"]);
    assert_eq!(out.status.code(), Some(0));
    let docs = stdout(&out);
    for key in ["Eligibility.duration", "Settings.ticketNo", "self-approval"] {
        assert!(docs.contains(key), "{docs}");
    }
    let page =
        std::fs::read_to_string(format!("{}/docs/config.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(
        page.contains(&docs),
        "docs/config.md is missing the current page; paste `grantlint explain --source aws-team-policy`:\n{docs}"
    );
}
