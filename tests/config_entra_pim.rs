//! Microsoft Entra PIM role management policies (fixtures/config/entra-pim, see
//! fixtures/config/README.md): the activation settings that let a grant break the policy are
//! findings under the rule the grant would break, at the rule's setting, naming the policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config_common;
use common::{json, placed_findings};
use config_common::{every_format_carries, explain_is_documented, owned};

const ASSIGNMENTS: &str = "fixtures/config/entra-pim/policy-assignments.json";
const GA: &str =
    "Directory_84841066-274d-4ec0-a5c1-276be684bdd3_1b5d9b29-0ad1-4d2b-9a2d-4f3c8f2d4c11";
const SECURITY: &str =
    "Directory_84841066-274d-4ec0-a5c1-276be684bdd3_7a1c33e0-51b6-4a8e-b0e4-2d3f4c5b6a77";

#[test]
fn each_activation_setting_that_breaks_the_policy_is_a_finding_at_its_place() {
    let (code, report) = json(&[ASSIGNMENTS]);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[
            // Global Administrator: permanent eligibility, 10h, no justification or ticket,
            // no approval.
            ("expiry-required", GA, 22, 37),
            ("window-max", GA, 37, 32),
            ("admin-justified", GA, 43, 13),
            ("reason-specific", GA, 43, 13),
            ("ticket-linked", GA, 43, 13),
            ("approver-named", GA, 50, 37),
            // Security Administrator: compliant but for a group among its approvers.
            ("approver-named", SECURITY, 136, 38),
        ])
    );
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages[1],
        "PIM policy of role `Global Administrator` lets an activation last 10h: access window is 10h, above the 4h maximum"
    );
    assert_eq!(report["findings"][0]["tenant"], "* (the whole directory)");
}

#[test]
fn an_override_by_role_applies_to_the_roles_policy() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\noverrides:\n  - match: {role: Global Administrator}\n    rules: {window-max: {max: 12h}, ticket-linked: off}\n",
    )
    .unwrap();
    let (_, report) = json(&["--policy", policy.to_str().unwrap(), ASSIGNMENTS]);
    let rules: Vec<String> = placed_findings(&report)
        .into_iter()
        .filter(|f| f.1 == GA)
        .map(|f| f.0)
        .collect();
    assert_eq!(
        rules,
        [
            "expiry-required",
            "admin-justified",
            "reason-specific",
            "approver-named"
        ]
    );
}

#[test]
fn a_policy_listed_alone_is_judged_without_a_role() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policies.json");
    std::fs::write(
        &path,
        r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/roleManagementPolicies(rules())",
 "value": [{"id": "Directory_t_p", "scopeId": "/", "scopeType": "DirectoryRole",
  "rules": [
   {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id": "Enablement_EndUser_Assignment", "enabledRules": ["Ticketing"]},
   {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule", "id": "Approval_EndUser_Assignment",
    "setting": {"isApprovalRequired": true, "approvalStages": [{"primaryApprovers": []}]}}]}]}
"##,
    )
    .unwrap();
    let (code, report) = json(&[path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let found: Vec<(String, u64)> = placed_findings(&report)
        .into_iter()
        .map(|f| (f.0, f.2))
        .collect();
    // No role: nothing to judge as privileged. No approvers: the default ones, a group.
    assert_eq!(
        found,
        [
            ("reason-specific".to_string(), 4),
            ("approver-named".to_string(), 6)
        ]
    );
    assert!(
        report["findings"][1]["message"]
            .as_str()
            .unwrap()
            .contains("the default approvers decide"),
        "{report}"
    );
}

#[test]
fn pim_requests_are_still_read_as_grants() {
    let (_, report) = json(&["fixtures/entra-pim/requests.json"]);
    assert!(report["summary"]["grants"].as_u64().unwrap() > 0);
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"].as_str().unwrap().starts_with("PIM policy")),
    );
}

#[test]
fn every_format_carries_the_policy_and_the_line() {
    every_format_carries(ASSIGNMENTS, "Global Administrator", GA, 37, 32);
}

#[test]
fn explain_source_documents_the_kind_as_docs_config_shows_it() {
    explain_is_documented(
        "entra-pim-policy",
        &[
            "Expiration_EndUser_Assignment",
            "Enablement_EndUser_Assignment",
            "self-approval",
        ],
    );
}
