//! Teleport role resources (fixtures/config/teleport, see fixtures/config/README.md): a
//! requester role's settings that let a request break the policy are findings under the rule
//! the request would break, at the setting's line, naming the role.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config_common;
use common::{json, placed_findings};
use config_common::{every_format_carries, explain_is_documented, owned};

const ROLES: &str = "fixtures/config/teleport/roles.yaml";
const TEAM: &str = "fixtures/config/team-policy.yaml";

/// Everything the default policy finds in the roles fixture.
fn default_findings() -> Vec<(String, String, u64, u64)> {
    owned(&[
        // Compliant but for the ticket a role cannot require.
        ("ticket-linked", "support-requester", 13, 5),
        // `request_access: optional`, `editor` without a reason, 24h, a team alias suggested
        // as reviewer, PagerDuty's on-call approval; its `approve: 0` threshold is never met,
        // so it lets nothing through.
        ("reason-specific", "oncall-requester", 31, 21),
        ("ticket-linked", "oncall-requester", 33, 5),
        ("admin-justified", "oncall-requester", 34, 15),
        ("window-max", "oncall-requester", 35, 21),
        ("approver-named", "oncall-requester", 42, 29),
        ("approver-named", "oncall-requester", 44, 9),
        // No max_duration: the session's 12h, above the default 4h; no role may review
        // `staging-access`.
        ("window-max", "test-requester", 76, 22),
        ("ticket-linked", "test-requester", 78, 5),
        ("approver-named", "test-requester", 79, 15),
        // A team reviews `prod-*`.
        ("approver-named", "platform-team", 91, 15),
        // May update access requests: approves its own with `tctl request approve`.
        ("ticket-linked", "breakglass-requester", 105, 5),
        ("self-approval", "breakglass-requester", 113, 29),
    ])
}

#[test]
fn each_breaking_setting_of_a_requester_role_is_a_finding_at_its_line() {
    let (code, report) = json(&[ROLES]);
    assert_eq!(code, 1);
    assert_eq!(placed_findings(&report), default_findings());
    // Seven roles read; the two that neither request nor review let nothing through.
    assert_eq!(report["summary"]["grants"], 7);
}

#[test]
fn the_team_policy_allows_a_working_day_and_no_ticket_for_test_roles() {
    let (code, report) = json(&["--policy", TEAM, ROLES]);
    assert_eq!(code, 1);
    // The override is for window-max and ticket-linked only: who reviews still counts.
    let want: Vec<_> = default_findings()
        .into_iter()
        .filter(|f| f.1 != "test-requester" || f.0 == "approver-named")
        .collect();
    assert_eq!(placed_findings(&report), want);
}

#[test]
fn reviews_say_who_approves_and_a_requester_reviewing_its_own_role_is_no_self_approval() {
    let (_, report) = json(&[ROLES]);
    let message = |grant: &str, rule: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["grant"] == grant && f["rule"] == rule)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        message("platform-team", "approver-named"),
        [
            "role `platform-team` lets its holders (`role:platform-team`) approve requests for `prod-*`: approver `role:platform-team` is a team or alias, not a person"
        ]
    );
    assert_eq!(
        message("breakglass-requester", "self-approval"),
        [
            "role `breakglass-requester` lets its holders approve their own requests (`access_request` `update` in `spec.allow.rules`: `tctl request approve` checks no more): `the requester` approved their own access"
        ]
    );
    let oncall = message("oncall-requester", "approver-named");
    assert!(
        oncall[1].contains("`@teleport-access-approval-bot` is a bot"),
        "{oncall:?}"
    );
    // `support-reviewer` reviews `editor`, which `oncall-requester` requests; reviewers
    // never review their own requests in Teleport, so no self-approval anywhere else.
    assert_eq!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "self-approval")
            .count(),
        1
    );
}

#[test]
fn a_reviewer_role_a_policy_accepts_is_no_finding_and_one_it_refuses_is() {
    let dir = tempfile::tempdir().unwrap();
    let roles = dir.path().join("roles.yaml");
    std::fs::write(
        &roles,
        "kind: role\nversion: v7\nmetadata:\n  name: dba-reviewers\nspec:\n  allow:\n    review_requests:\n      roles: [dba]\n",
    )
    .unwrap();
    let roles = roles.to_str().unwrap();
    let (code, report) = json(&[roles]);
    assert_eq!((code, placed_findings(&report)), (0, vec![]));
    // A team that accepts no role as an approver says so in approver-named's patterns.
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nrules:\n  approver-named:\n    patterns: ['^role:']\n",
    )
    .unwrap();
    let (code, report) = json(&["--policy", policy.to_str().unwrap(), roles]);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[("approver-named", "dba-reviewers", 8, 15)])
    );
}

#[test]
fn messages_say_what_the_role_allows_and_what_the_rule_says() {
    let (_, report) = json(&[ROLES]);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(messages.contains(
        &"role `oncall-requester` lets requested access last 1d: access window is 1d, above the 4h maximum"
    ));
    assert!(messages.contains(
        &"role `test-requester` sets no max_duration, so requested access lasts the session, up to 12h: access window is 12h, above the 4h maximum"
    ));
}

#[test]
fn tctl_json_is_recognised_and_a_role_without_any_length_gets_teleports_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roles.json");
    std::fs::write(
        &path,
        r#"[{"kind": "role", "version": "v7", "metadata": {"name": "r"},
  "spec": {"options": {"request_access": "reason"},
           "allow": {"request": {"roles": ["viewer"]}}}}]
"#,
    )
    .unwrap();
    let (code, report) = json(&[path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    let window = findings.iter().find(|f| f["rule"] == "window-max").unwrap();
    assert_eq!(
        (window["line"].as_u64(), window["column"].as_u64()),
        (Some(3), Some(22))
    );
    assert!(
        window["message"]
            .as_str()
            .unwrap()
            .contains("Teleport's default session, 30h"),
        "{window}"
    );
}

#[test]
fn access_requests_are_still_read_as_grants() {
    // `kind: access_request` documents are requests, not roles.
    let (_, report) = json(&["fixtures/teleport/get.yaml"]);
    let rules: Vec<String> = placed_findings(&report).into_iter().map(|f| f.0).collect();
    assert!(!rules.is_empty());
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"].as_str().unwrap().starts_with("role `")),
        "{report}"
    );
}

#[test]
fn every_format_carries_the_role_and_the_line() {
    every_format_carries(ROLES, "oncall-requester", "oncall-requester", 35, 21);
}

#[test]
fn explain_source_documents_the_kind_as_docs_config_shows_it() {
    explain_is_documented(
        "teleport-role",
        &[
            "spec.allow.request.max_duration",
            "request_access",
            "review_requests",
            "suggested_reviewers",
            "self-approval",
            // Where the "no reviewer" row does not apply, and how a reviewer role is judged.
            "a Terraform `teleport_role` is judged alone",
            "a role name passes unless the rule's `patterns` match it",
        ],
    );
}
